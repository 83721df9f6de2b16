//! Unit tests: the timelock, the fast track, cancellation, origins.

use crate::{mock::*, Error, Event, Scheduled};
use frame_support::{assert_noop, assert_ok};
use sp_core::H256;
use sp_runtime::DispatchError;

fn authorized() -> Option<H256> {
	frame_system::Pallet::<Test>::authorized_upgrade().map(|a| *a.code_hash())
}

#[test]
fn the_council_schedules_an_authorisation_that_the_timelock_releases() {
	new_test_ext().execute_with(|| {
		let hash = H256::repeat_byte(7);
		assert_noop!(
			Upgrades::schedule_upgrade(RuntimeOrigin::signed(STRANGER), hash),
			DispatchError::BadOrigin
		);
		assert_ok!(Upgrades::schedule_upgrade(RuntimeOrigin::signed(COUNCIL), hash));
		System::assert_last_event(
			Event::UpgradeScheduled { code_hash: hash, at: 1 + DELAY }.into(),
		);
		assert_noop!(
			Upgrades::schedule_upgrade(RuntimeOrigin::signed(COUNCIL), hash),
			Error::<Test>::AlreadyScheduled
		);
		run_to(DELAY);
		assert_eq!(authorized(), None, "not before the timelock");
		run_to(1 + DELAY);
		assert_eq!(authorized(), Some(hash));
		run_to(2 + DELAY);
		assert_eq!(Scheduled::<Test>::get(), None);
	});
}

#[test]
fn a_scheduled_upgrade_can_be_cancelled() {
	new_test_ext().execute_with(|| {
		let hash = H256::repeat_byte(7);
		assert_noop!(
			Upgrades::cancel_upgrade(RuntimeOrigin::signed(COUNCIL)),
			Error::<Test>::NothingScheduled
		);
		assert_ok!(Upgrades::schedule_upgrade(RuntimeOrigin::signed(COUNCIL), hash));
		assert_noop!(
			Upgrades::cancel_upgrade(RuntimeOrigin::signed(STRANGER)),
			DispatchError::BadOrigin
		);
		assert_ok!(Upgrades::cancel_upgrade(RuntimeOrigin::signed(TECHNICAL)));
		System::assert_last_event(Event::UpgradeCancelled { code_hash: hash }.into());
		run_to(2 + DELAY);
		assert_eq!(authorized(), None);
	});
}

#[test]
fn the_technical_committee_fast_tracks() {
	new_test_ext().execute_with(|| {
		let slow = H256::repeat_byte(7);
		let fix = H256::repeat_byte(8);
		assert_ok!(Upgrades::schedule_upgrade(RuntimeOrigin::signed(COUNCIL), slow));
		assert_noop!(
			Upgrades::fast_track_upgrade(RuntimeOrigin::signed(COUNCIL), fix),
			DispatchError::BadOrigin
		);
		assert_ok!(Upgrades::fast_track_upgrade(RuntimeOrigin::signed(TECHNICAL), fix));
		System::assert_last_event(Event::UpgradeFastTracked { code_hash: fix }.into());
		assert_eq!(authorized(), Some(fix));
		// The scheduled one was replaced: it does not overwrite the fix later.
		run_to(2 + DELAY);
		assert_eq!(authorized(), Some(fix));
	});
}
