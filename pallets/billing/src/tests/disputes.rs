//! Disputes and the arbiter.

use super::*;
use frame_support::assert_noop;
use sp_runtime::DispatchError;

#[test]
fn the_patient_disputes_within_the_window_and_the_arbiter_splits() {
	new_test_ext().execute_with(|| {
		let id = delivered(None);
		assert_noop!(Billing::dispute(RuntimeOrigin::signed(DOC), id), BError::NotPermitted);
		assert_ok!(Billing::dispute(RuntimeOrigin::signed(PATIENT), id));
		assert_eq!(last_event(), Event::Disputed { id });
		// Nobody settles a disputed visit but the arbiter.
		set_now(T0 + DAY + DISPUTE_WINDOW);
		assert_noop!(Billing::settle(RuntimeOrigin::signed(STRANGER), id), BError::WrongStatus);
		assert_noop!(Billing::confirm(RuntimeOrigin::signed(PATIENT), id), BError::WrongStatus);
		assert_noop!(
			Billing::resolve_dispute(RuntimeOrigin::signed(PATIENT), id, Permill::one()),
			DispatchError::BadOrigin
		);
		let doc_before = Balances::free_balance(DOC);
		assert_ok!(Billing::resolve_dispute(RuntimeOrigin::root(), id, Permill::from_percent(30)));
		assert!(
			events().contains(&Event::DisputeResolved { id, refunded: Permill::from_percent(30) })
		);
		assert_eq!(last_event(), Event::Settled { id, paid: 686, fee: 14 });
		assert_eq!(Balances::free_balance(DOC), doc_before + 686);
		assert_eq!(Balances::total_balance(&PATIENT), START - 700);
		assert_eq!(status(id), ConsultationStatus::Resolved);
		assert_noop!(
			Billing::resolve_dispute(RuntimeOrigin::root(), id, Permill::one()),
			BError::WrongStatus
		);
		assert_invariants();
	});
}

#[test]
fn no_dispute_after_the_window() {
	new_test_ext().execute_with(|| {
		let early = accepted(None);
		let id = delivered(None);
		set_now(T0 + DAY + DISPUTE_WINDOW);
		assert_noop!(
			Billing::dispute(RuntimeOrigin::signed(PATIENT), id),
			BError::DisputeWindowClosed
		);
		assert_noop!(Billing::dispute(RuntimeOrigin::signed(PATIENT), early), BError::WrongStatus);
		assert_noop!(
			Billing::resolve_dispute(RuntimeOrigin::root(), early, Permill::one()),
			BError::WrongStatus
		);
	});
}
