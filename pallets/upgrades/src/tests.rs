//! Unit tests: the timelock, the fast track, cancellation, expiry, origins.

use crate::{mock::*, Authorized, Error, Event, Scheduled};
use frame_support::{assert_noop, assert_ok};
use sp_core::H256;
use sp_runtime::DispatchError;

fn authorized() -> Option<H256> {
	frame_system::Pallet::<Test>::authorized_upgrade().map(|a| *a.code_hash())
}

/// `system.apply_authorized_upgrade` refuses `code` because nothing is authorised.
fn apply_is_refused(code: &[u8]) {
	assert_noop!(
		System::apply_authorized_upgrade(RuntimeOrigin::signed(STRANGER), code.to_vec()),
		frame_system::Error::<Test>::NothingAuthorized
	);
}

/// Some code and its hash (the mock hashes with BLAKE2-256).
fn code() -> (Vec<u8>, H256) {
	let code = b"new runtime".to_vec();
	let hash = sp_io::hashing::blake2_256(&code).into();
	(code, hash)
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
fn the_technical_committee_fast_tracks_the_scheduled_upgrade() {
	new_test_ext().execute_with(|| {
		let hash = H256::repeat_byte(7);
		assert_ok!(Upgrades::schedule_upgrade(RuntimeOrigin::signed(COUNCIL), hash));
		assert_noop!(
			Upgrades::fast_track_upgrade(RuntimeOrigin::signed(COUNCIL), hash),
			DispatchError::BadOrigin
		);
		run_to(3);
		assert_ok!(Upgrades::fast_track_upgrade(RuntimeOrigin::signed(TECHNICAL), hash));
		System::assert_has_event(Event::UpgradeFastTracked { code_hash: hash }.into());
		System::assert_last_event(
			Event::UpgradeAuthorized { code_hash: hash, expires_at: 3 + WINDOW }.into(),
		);
		assert_eq!(authorized(), Some(hash));
		assert_eq!(Scheduled::<Test>::get(), None, "the schedule is cleared");
		assert_eq!(Authorized::<Test>::get(), Some((hash, 3 + WINDOW)));
		// The scheduled task was cancelled: nothing runs at the old block.
		assert!(pallet_scheduler::Lookup::<Test>::get(crate::UPGRADE_TASK).is_none());
		// Nothing left to fast-track.
		assert_noop!(
			Upgrades::fast_track_upgrade(RuntimeOrigin::signed(TECHNICAL), hash),
			Error::<Test>::NothingScheduled
		);
	});
}

#[test]
fn fast_track_with_nothing_scheduled_is_refused() {
	new_test_ext().execute_with(|| {
		let fix = H256::repeat_byte(8);
		assert_noop!(
			Upgrades::fast_track_upgrade(RuntimeOrigin::signed(TECHNICAL), fix),
			Error::<Test>::NothingScheduled
		);
		assert_eq!(authorized(), None);
	});
}

#[test]
fn fast_track_of_another_hash_than_the_scheduled_one_is_refused() {
	new_test_ext().execute_with(|| {
		let slow = H256::repeat_byte(7);
		let other = H256::repeat_byte(8);
		assert_ok!(Upgrades::schedule_upgrade(RuntimeOrigin::signed(COUNCIL), slow));
		assert_noop!(
			Upgrades::fast_track_upgrade(RuntimeOrigin::signed(TECHNICAL), other),
			Error::<Test>::NotTheScheduledUpgrade
		);
		assert_eq!(authorized(), None);
		// The council's schedule still runs, for its own hash.
		run_to(1 + DELAY);
		assert_eq!(authorized(), Some(slow));
	});
}

#[test]
fn fast_track_in_the_block_the_scheduler_authorised_keeps_the_same_hash() {
	new_test_ext().execute_with(|| {
		let hash = H256::repeat_byte(7);
		assert_ok!(Upgrades::schedule_upgrade(RuntimeOrigin::signed(COUNCIL), hash));
		run_to(1 + DELAY);
		assert_eq!(authorized(), Some(hash));
		assert_ok!(Upgrades::fast_track_upgrade(RuntimeOrigin::signed(TECHNICAL), hash));
		assert_eq!(authorized(), Some(hash));
		assert_eq!(Scheduled::<Test>::get(), None);
		run_to(2 + DELAY);
		assert_eq!(Authorized::<Test>::get(), Some((hash, 1 + DELAY + WINDOW)));
	});
}

/// The regression test of the cancel that reported success and changed nothing: in block
/// `at` the scheduler has authorised the hash and `Scheduled` is still set.
#[test]
fn cancel_in_the_block_the_scheduler_authorised_withdraws_the_authorisation() {
	new_test_ext().execute_with(|| {
		let (code, hash) = code();
		assert_ok!(Upgrades::schedule_upgrade(RuntimeOrigin::signed(COUNCIL), hash));
		run_to(1 + DELAY);
		assert_eq!(authorized(), Some(hash));
		assert!(Scheduled::<Test>::get().is_some());
		assert_ok!(Upgrades::cancel_upgrade(RuntimeOrigin::signed(COUNCIL)));
		System::assert_last_event(Event::UpgradeCancelled { code_hash: hash }.into());
		assert_eq!(authorized(), None, "frame_system's AuthorizedUpgrade is gone");
		apply_is_refused(&code);
		assert_eq!(Scheduled::<Test>::get(), None);
		assert_eq!(Authorized::<Test>::get(), None);
		// Nothing comes back later, and a second cancel has nothing to do.
		run_to(3 + DELAY + WINDOW);
		assert_eq!(authorized(), None);
		assert_noop!(
			Upgrades::cancel_upgrade(RuntimeOrigin::signed(COUNCIL)),
			Error::<Test>::NothingScheduled
		);
	});
}

#[test]
fn cancel_after_the_schedule_is_cleared_withdraws_the_authorisation() {
	new_test_ext().execute_with(|| {
		let (code, hash) = code();
		assert_ok!(Upgrades::schedule_upgrade(RuntimeOrigin::signed(COUNCIL), hash));
		run_to(2 + DELAY);
		assert_eq!(Scheduled::<Test>::get(), None);
		System::assert_has_event(
			Event::UpgradeAuthorized { code_hash: hash, expires_at: 1 + DELAY + WINDOW }.into(),
		);
		assert_eq!(authorized(), Some(hash));
		assert_noop!(
			Upgrades::cancel_upgrade(RuntimeOrigin::signed(STRANGER)),
			DispatchError::BadOrigin
		);
		assert_ok!(Upgrades::cancel_upgrade(RuntimeOrigin::signed(TECHNICAL)));
		System::assert_last_event(Event::UpgradeCancelled { code_hash: hash }.into());
		assert_eq!(authorized(), None);
		apply_is_refused(&code);
	});
}

#[test]
fn cancel_after_a_fast_track_withdraws_the_authorisation() {
	new_test_ext().execute_with(|| {
		let (code, hash) = code();
		assert_ok!(Upgrades::schedule_upgrade(RuntimeOrigin::signed(COUNCIL), hash));
		assert_ok!(Upgrades::fast_track_upgrade(RuntimeOrigin::signed(TECHNICAL), hash));
		assert_eq!(authorized(), Some(hash));
		assert_ok!(Upgrades::cancel_upgrade(RuntimeOrigin::signed(COUNCIL)));
		System::assert_last_event(Event::UpgradeCancelled { code_hash: hash }.into());
		assert_eq!(authorized(), None);
		apply_is_refused(&code);
		assert_eq!(Authorized::<Test>::get(), None);
	});
}

#[test]
fn cancel_does_not_withdraw_an_authorisation_the_pallet_did_not_give() {
	new_test_ext().execute_with(|| {
		let mine = H256::repeat_byte(7);
		let roots = H256::repeat_byte(9);
		assert_ok!(Upgrades::schedule_upgrade(RuntimeOrigin::signed(COUNCIL), mine));
		run_to(2 + DELAY);
		// Root authorises other code directly (sudo on the dev chain).
		assert_ok!(System::authorize_upgrade(RuntimeOrigin::root(), roots));
		assert_noop!(
			Upgrades::cancel_upgrade(RuntimeOrigin::signed(COUNCIL)),
			Error::<Test>::NothingScheduled
		);
		assert_eq!(authorized(), Some(roots));
	});
}

#[test]
fn cancel_after_the_code_was_applied_is_refused() {
	new_test_ext().execute_with(|| {
		let hash = H256::repeat_byte(7);
		assert_ok!(Upgrades::schedule_upgrade(RuntimeOrigin::signed(COUNCIL), hash));
		run_to(2 + DELAY);
		// `apply_authorized_upgrade` removes the authorisation when it applies the code.
		crate::system_storage::AuthorizedUpgrade::<Test>::kill();
		assert_noop!(
			Upgrades::cancel_upgrade(RuntimeOrigin::signed(COUNCIL)),
			Error::<Test>::NothingScheduled
		);
		// The stale record goes at expiry, without an event.
		run_to(1 + DELAY + WINDOW);
		assert_eq!(Authorized::<Test>::get(), None);
		assert!(!System::events().iter().any(|r| matches!(
			r.event,
			RuntimeEvent::Upgrades(Event::UpgradeAuthorizationExpired { .. })
		)));
	});
}

#[test]
fn an_unapplied_authorisation_expires_at_the_end_of_the_window_and_not_before() {
	new_test_ext().execute_with(|| {
		let (code, hash) = code();
		assert_ok!(Upgrades::schedule_upgrade(RuntimeOrigin::signed(COUNCIL), hash));
		let at = 1 + DELAY;
		// Valid in block `at` and the `WINDOW - 1` blocks after it.
		run_to(at + WINDOW - 1);
		assert_eq!(authorized(), Some(hash), "still valid in the window's last block");
		run_to(at + WINDOW);
		assert_eq!(authorized(), None, "withdrawn when the window ends");
		System::assert_last_event(Event::UpgradeAuthorizationExpired { code_hash: hash }.into());
		assert_eq!(Authorized::<Test>::get(), None);
		apply_is_refused(&code);
	});
}

#[test]
fn a_fast_tracked_authorisation_expires_too() {
	new_test_ext().execute_with(|| {
		let hash = H256::repeat_byte(7);
		assert_ok!(Upgrades::schedule_upgrade(RuntimeOrigin::signed(COUNCIL), hash));
		run_to(4);
		assert_ok!(Upgrades::fast_track_upgrade(RuntimeOrigin::signed(TECHNICAL), hash));
		run_to(4 + WINDOW - 1);
		assert_eq!(authorized(), Some(hash));
		run_to(4 + WINDOW);
		assert_eq!(authorized(), None);
	});
}

#[test]
fn a_newer_authorisation_is_not_removed_by_an_older_ones_expiry() {
	new_test_ext().execute_with(|| {
		let old = H256::repeat_byte(7);
		let new = H256::repeat_byte(8);
		let roots = H256::repeat_byte(9);
		// Root authorises other code after the pallet's: the pallet's expiry leaves it.
		assert_ok!(Upgrades::schedule_upgrade(RuntimeOrigin::signed(COUNCIL), old));
		run_to(2 + DELAY);
		assert_ok!(System::authorize_upgrade(RuntimeOrigin::root(), roots));
		run_to(1 + DELAY + WINDOW);
		assert_eq!(Authorized::<Test>::get(), None);
		assert_eq!(authorized(), Some(roots));

		// The council authorises newer code through the pallet while an older one is
		// unapplied: only the newer one's own expiry ends it.
		assert_ok!(Upgrades::schedule_upgrade(RuntimeOrigin::signed(COUNCIL), old));
		let at_old = System::block_number() + DELAY;
		run_to(at_old + 1);
		assert_ok!(Upgrades::schedule_upgrade(RuntimeOrigin::signed(COUNCIL), new));
		let at_new = System::block_number() + DELAY;
		assert!(at_new > at_old + WINDOW);
		run_to(at_old + WINDOW);
		assert_eq!(authorized(), None, "the old one expired");
		run_to(at_new + 1);
		assert_eq!(authorized(), Some(new));
		assert_eq!(Authorized::<Test>::get(), Some((new, at_new + WINDOW)));
		run_to(at_new + WINDOW - 1);
		assert_eq!(authorized(), Some(new));
		run_to(at_new + WINDOW);
		assert_eq!(authorized(), None);
	});
}

#[test]
fn a_newer_authorisation_given_within_the_older_ones_window_survives_its_expiry() {
	new_test_ext().execute_with(|| {
		let old = H256::repeat_byte(7);
		let new = H256::repeat_byte(8);
		assert_ok!(Upgrades::schedule_upgrade(RuntimeOrigin::signed(COUNCIL), old));
		let at_old = 1 + DELAY;
		run_to(at_old + 1);
		// Scheduled before the old one expires, fast-tracked within its window.
		assert_ok!(Upgrades::schedule_upgrade(RuntimeOrigin::signed(COUNCIL), new));
		assert_ok!(Upgrades::fast_track_upgrade(RuntimeOrigin::signed(TECHNICAL), new));
		let given = at_old + 1;
		run_to(at_old + WINDOW);
		assert_eq!(authorized(), Some(new), "the old expiry does not touch the new one");
		run_to(given + WINDOW);
		assert_eq!(authorized(), None);
	});
}

#[test]
fn cancel_withdraws_both_a_pending_schedule_and_an_older_authorisation() {
	new_test_ext().execute_with(|| {
		let old = H256::repeat_byte(7);
		let new = H256::repeat_byte(8);
		assert_ok!(Upgrades::schedule_upgrade(RuntimeOrigin::signed(COUNCIL), old));
		run_to(2 + DELAY);
		assert_ok!(Upgrades::schedule_upgrade(RuntimeOrigin::signed(COUNCIL), new));
		assert_ok!(Upgrades::cancel_upgrade(RuntimeOrigin::signed(COUNCIL)));
		System::assert_has_event(Event::UpgradeCancelled { code_hash: new }.into());
		System::assert_last_event(Event::UpgradeCancelled { code_hash: old }.into());
		assert_eq!(authorized(), None);
		run_to(3 + 2 * DELAY);
		assert_eq!(authorized(), None);
	});
}

/// The pallet reads and removes `frame_system::AuthorizedUpgrade` through its own alias: it must
/// decode what `frame_system` writes (a layout change there would break withdrawals silently).
#[test]
fn the_alias_of_frame_systems_authorisation_matches_its_layout() {
	new_test_ext().execute_with(|| {
		let hash = H256::repeat_byte(7);
		for check_version in [true, false] {
			System::do_authorize_upgrade(hash, check_version);
			assert_eq!(
				crate::system_storage::AuthorizedUpgrade::<Test>::get(),
				Some((hash, check_version))
			);
			assert_eq!(Upgrades::authorized_in_system(), Some(hash));
			crate::system_storage::AuthorizedUpgrade::<Test>::kill();
			assert_eq!(authorized(), None);
		}
	});
}
