//! Licences ended for good are reported to the records pallet (here a mock that lists the
//! holders): revocations and surrenders in the same call, an authority's withdrawal through
//! `on_idle`'s walk; suspension, expiry and pruning never.

use super::*;
use crate::{WeightInfo, WithdrawalSweep};
use frame_support::{assert_noop, dispatch::GetDispatchInfo, traits::Hooks, weights::Weight};
use sp_runtime::DispatchError;

/// Accredits `OTHER_BOARD` for `US-CA` and has it license `who` there; the licence's id.
fn licensed_by_other_board(who: AccountId) -> LicenceId {
	assert_ok!(Practitioners::add_authority(
		RuntimeOrigin::root(),
		OTHER_BOARD,
		bv(b"Other Board".to_vec()),
		codes(&[b"US-CA"]),
	));
	let id = crate::NextLicenceId::<Test>::get();
	assert_ok!(Practitioners::issue_licence(
		RuntimeOrigin::signed(OTHER_BOARD),
		who,
		bv(b"US-CA".to_vec()),
		PractitionerRole::Physician,
		None,
		[1u8; 32],
		[2u8; 32],
		T0,
		T0 + 365 * DAY,
		false,
	));
	id
}

/// Has `BOARD` license `who` in `GB-ENG` (a licence other than `issue`'s); its id.
fn licensed_in_england(who: AccountId) -> LicenceId {
	let id = crate::NextLicenceId::<Test>::get();
	assert_ok!(Practitioners::issue_licence(
		RuntimeOrigin::signed(BOARD),
		who,
		bv(b"GB-ENG".to_vec()),
		PractitionerRole::Physician,
		None,
		[1u8; 32],
		[2u8; 32],
		T0,
		T0 + 365 * DAY,
		false,
	));
	id
}

/// Runs `on_idle` with `limit`.
fn idle(limit: Weight) -> Weight {
	<crate::Pallet<Test> as Hooks<u64>>::on_idle(1, limit)
}

#[test]
fn a_revocation_by_the_issuer_reports_the_holder_and_charges_the_report() {
	new_test_ext().execute_with(|| {
		let id = licensed_doctor();
		let call = RuntimeCall::Practitioners(crate::Call::revoke_licence { id, reason: [4; 32] });
		assert_eq!(
			call.get_dispatch_info().call_weight,
			<() as WeightInfo>::revoke_licence().saturating_add(REPORT_WEIGHT)
		);
		// Failed attempts report nothing.
		assert_noop!(
			Practitioners::revoke_licence(RuntimeOrigin::signed(DOC), id, [4; 32]),
			PError::NotIssuingAuthority
		);
		assert!(MockRevocation::reported().is_empty());
		assert_ok!(Practitioners::revoke_licence(RuntimeOrigin::signed(BOARD), id, [4; 32]));
		assert_eq!(MockRevocation::reported(), vec![DOC]);
		// Revoked twice: refused, reported once.
		assert_noop!(
			Practitioners::revoke_licence(RuntimeOrigin::signed(BOARD), id, [4; 32]),
			PError::LicenceRevoked
		);
		assert_noop!(
			Practitioners::force_revoke_licence(RuntimeOrigin::root(), id, [4; 32]),
			PError::LicenceRevoked
		);
		assert_eq!(MockRevocation::reported(), vec![DOC]);
		assert_invariants();
	});
}

#[test]
fn governance_revocations_and_surrenders_report_the_holder() {
	new_test_ext().execute_with(|| {
		let id = licensed_doctor();
		let call =
			RuntimeCall::Practitioners(crate::Call::force_revoke_licence { id, reason: [4; 32] });
		assert_eq!(
			call.get_dispatch_info().call_weight,
			<() as WeightInfo>::force_revoke_licence().saturating_add(REPORT_WEIGHT)
		);
		assert_noop!(
			Practitioners::force_revoke_licence(RuntimeOrigin::signed(BOARD), id, [4; 32]),
			DispatchError::BadOrigin
		);
		assert_ok!(Practitioners::force_revoke_licence(RuntimeOrigin::root(), id, [4; 32]));
		assert_eq!(MockRevocation::reported(), vec![DOC]);

		let second = issue(DOC, false);
		let call = RuntimeCall::Practitioners(crate::Call::surrender_licence { id: second });
		assert_eq!(
			call.get_dispatch_info().call_weight,
			<() as WeightInfo>::surrender_licence().saturating_add(REPORT_WEIGHT)
		);
		assert_noop!(
			Practitioners::surrender_licence(RuntimeOrigin::signed(NURSE), second),
			PError::NotHolder
		);
		assert_ok!(Practitioners::surrender_licence(RuntimeOrigin::signed(DOC), second));
		assert_eq!(MockRevocation::reported(), vec![DOC, DOC]);
		assert_invariants();
	});
}

#[test]
fn suspension_expiry_and_pruning_report_nothing() {
	new_test_ext().execute_with(|| {
		let id = licensed_doctor();
		assert_ok!(Practitioners::suspend_licence(RuntimeOrigin::signed(BOARD), id, [3; 32]));
		assert_ok!(Practitioners::reinstate_licence(RuntimeOrigin::signed(BOARD), id));
		// A jurisdiction taken away for now.
		assert_ok!(Practitioners::update_authority(
			RuntimeOrigin::root(),
			BOARD,
			bv(b"Demo Medical Board".to_vec()),
			codes(&[b"GB-ENG"]),
		));
		assert_ok!(Practitioners::update_authority(
			RuntimeOrigin::root(),
			BOARD,
			bv(b"Demo Medical Board".to_vec()),
			codes(&[b"FR", b"GB-ENG"]),
		));
		set_now(T0 + 366 * DAY);
		assert_ok!(Practitioners::prune_licences(RuntimeOrigin::signed(NURSE), DOC));
		idle(Weight::MAX);
		assert!(MockRevocation::reported().is_empty());
		assert!(WithdrawalSweep::<Test>::get().is_none());
		assert_invariants();
	});
}

#[test]
fn a_withdrawal_reports_the_holders_of_its_licences_through_on_idle() {
	new_test_ext().execute_with(|| {
		let doc = licensed_doctor();
		register(NURSE);
		let nurse = issue(NURSE, false);
		let elsewhere = licensed_by_other_board(NURSE);
		let revoked = licensed_in_england(DOC);
		assert_ok!(Practitioners::revoke_licence(RuntimeOrigin::signed(BOARD), revoked, [4; 32]));
		assert_eq!(MockRevocation::reported(), vec![DOC]);
		let call = RuntimeCall::Practitioners(crate::Call::remove_authority { authority: BOARD });
		assert_eq!(
			call.get_dispatch_info().call_weight,
			<() as WeightInfo>::remove_authority().saturating_add(
				<<Test as frame_system::Config>::DbWeight as Get<
					frame_support::weights::RuntimeDbWeight,
				>>::get()
				.reads_writes(1, 1)
			)
		);
		assert_noop!(
			Practitioners::remove_authority(RuntimeOrigin::signed(BOARD), BOARD),
			DispatchError::BadOrigin
		);
		assert_ok!(Practitioners::remove_authority(RuntimeOrigin::root(), BOARD));
		// Nothing in the call itself; the walk covers every id issued so far.
		assert_eq!(MockRevocation::reported(), vec![DOC]);
		assert_eq!(WithdrawalSweep::<Test>::get(), Some((0, revoked + 1)));
		assert_invariants();
		idle(Weight::MAX);
		// The withdrawn board's live licences, in id order; not the other board's, not the
		// one revoked (reported already).
		assert!(doc < nurse && nurse < elsewhere && elsewhere < revoked);
		assert_eq!(MockRevocation::reported(), vec![DOC, DOC, NURSE]);
		assert!(WithdrawalSweep::<Test>::get().is_none());
		assert_invariants();
		// Accrediting the board again revives nothing and reports nothing more.
		add_board();
		idle(Weight::MAX);
		assert_eq!(MockRevocation::reported(), vec![DOC, DOC, NURSE]);
	});
}

/// What one licence of the withdrawal walk is charged: the benchmarked step and the report.
fn step() -> Weight {
	<() as WeightInfo>::withdrawal_step().saturating_add(REPORT_WEIGHT)
}

#[test]
fn the_walk_stops_at_the_weight_left_and_resumes() {
	new_test_ext().execute_with(|| {
		licensed_doctor();
		register(NURSE);
		issue(NURSE, false);
		licensed_in_england(DOC);
		assert_ok!(Practitioners::remove_authority(RuntimeOrigin::root(), BOARD));
		// A step weighs the benchmarked step and the report. Not enough: nothing done.
		idle(step().saturating_sub(Weight::from_parts(1, 0)));
		assert_eq!(WithdrawalSweep::<Test>::get(), Some((0, 3)));
		// One licence a block.
		idle(step());
		assert_eq!(MockRevocation::reported(), vec![DOC]);
		assert_eq!(WithdrawalSweep::<Test>::get(), Some((1, 3)));
		assert_invariants();
		idle(step());
		idle(step());
		assert_eq!(MockRevocation::reported(), vec![DOC, NURSE, DOC]);
		assert!(WithdrawalSweep::<Test>::get().is_none());
		assert_invariants();
	});
}

#[test]
fn a_second_withdrawal_during_a_walk_starts_it_again_and_misses_nothing() {
	new_test_ext().execute_with(|| {
		licensed_doctor();
		register(NURSE);
		let other = licensed_by_other_board(NURSE);
		assert_ok!(Practitioners::remove_authority(RuntimeOrigin::root(), BOARD));
		// Past the other board's licence...
		idle(step());
		idle(step());
		assert_eq!(WithdrawalSweep::<Test>::get(), None);
		assert_eq!(MockRevocation::reported(), vec![DOC]);
		// ...which a later withdrawal ends: the walk starts from the first id again.
		assert_ok!(Practitioners::remove_authority(RuntimeOrigin::root(), OTHER_BOARD));
		assert_eq!(WithdrawalSweep::<Test>::get(), Some((0, other + 1)));
		idle(Weight::MAX);
		// The doctor's withdrawn licence is met (and reported) again: the records pallet
		// takes a second report of a holder as one.
		assert_eq!(MockRevocation::reported(), vec![DOC, DOC, NURSE]);
		assert_invariants();
	});
}

#[test]
fn a_withdrawal_before_any_licence_starts_no_walk() {
	new_test_ext().execute_with(|| {
		add_board();
		assert_ok!(Practitioners::remove_authority(RuntimeOrigin::root(), BOARD));
		// Nothing to walk: no position kept (an empty walk would break the invariants until
		// the next `on_idle`).
		assert_eq!(WithdrawalSweep::<Test>::get(), None);
		assert_invariants();
	});
}
