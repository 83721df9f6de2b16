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
		assert_eq!(
			last_event(),
			Event::ConsultationDisputed { id, by: PATIENT, bond: DISPUTE_BOND }
		);
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
		assert_eq!(last_event(), Event::ConsultationSettled { id, paid: 686, fee: 14 });
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

/// What `who` holds as dispute bonds.
fn bond(who: AccountId) -> Balance {
	Balances::balance_on_hold(&crate::HoldReason::DisputeBond.into(), &who)
}

/// Issue 12 item 14: a dispute holds the bond from the disputer (here the booker, a
/// delegate); upheld (any refund), it goes back.
#[test]
fn a_dispute_holds_a_bond_returned_when_upheld() {
	new_test_ext().execute_with(|| {
		MockConsent::delegate(PATIENT, PARENT, telemed_primitives::DelegateScope::BookCare);
		let id = crate::NextConsultationId::<Test>::get();
		assert_ok!(book(PARENT, None));
		assert_ok!(Billing::accept(RuntimeOrigin::signed(DOC), id));
		set_now(T0 + DAY);
		assert_ok!(Billing::mark_delivered(RuntimeOrigin::signed(DOC), id, None));
		assert_ok!(Billing::dispute(RuntimeOrigin::signed(PARENT), id));
		assert_eq!(
			last_event(),
			Event::ConsultationDisputed { id, by: PARENT, bond: DISPUTE_BOND }
		);
		assert_eq!(bond(PARENT), DISPUTE_BOND);
		assert_eq!(
			crate::Disputes::<Test>::get(id),
			Some(crate::Dispute {
				disputer: PARENT,
				bond: DISPUTE_BOND,
				deadline: T0 + DAY + DISPUTE_DEADLINE
			})
		);
		assert_invariants();
		assert_ok!(Billing::resolve_dispute(RuntimeOrigin::root(), id, Permill::from_percent(1)));
		assert!(events().contains(&Event::DisputeBondReturned {
			id,
			to: PARENT,
			bond: DISPUTE_BOND
		}));
		assert_eq!(bond(PARENT), 0);
		assert!(crate::Disputes::<Test>::get(id).is_none());
		// 1 % of 1 000 back: the parent paid 990 and nothing for the bond.
		assert_eq!(Balances::total_balance(&PARENT), START - 990);
		assert_invariants();
	});
}

/// A dispute the arbiter rejects (nothing refunded) forfeits the bond to the practitioner,
/// less the network fee.
#[test]
fn a_rejected_dispute_pays_the_bond_to_the_practitioner() {
	new_test_ext().execute_with(|| {
		let id = delivered(None);
		assert_ok!(Billing::dispute(RuntimeOrigin::signed(PATIENT), id));
		let doc_before = Balances::free_balance(DOC);
		let fees_before = Balances::free_balance(FEES);
		assert_ok!(Billing::resolve_dispute(RuntimeOrigin::root(), id, Permill::from_percent(0)));
		assert!(events().contains(&Event::DisputeBondForfeited {
			id,
			from: PATIENT,
			bond: DISPUTE_BOND
		}));
		assert_eq!(bond(PATIENT), 0);
		// The price (980 after the fee of 20) and the bond (49 after the fee of 1).
		assert_eq!(Balances::free_balance(DOC), doc_before + 980 + 49);
		assert_eq!(Balances::free_balance(FEES), fees_before + 20 + 1);
		assert_eq!(Balances::total_balance(&PATIENT), START - VIDEO_PRICE - DISPUTE_BOND);
		assert_invariants();
	});
}

/// A practitioner unlicensed at delivery is paid nothing, and gets no bond either, whatever
/// the arbiter refunds.
#[test]
fn an_unlicensed_practitioner_gets_no_bond() {
	new_test_ext().execute_with(|| {
		let id = accepted(None);
		MockRegistry::set(DOC, [1u8; 32], false);
		set_now(T0 + DAY);
		assert_ok!(Billing::mark_delivered(RuntimeOrigin::signed(DOC), id, None));
		assert_ok!(Billing::dispute(RuntimeOrigin::signed(PATIENT), id));
		assert_ok!(Billing::resolve_dispute(RuntimeOrigin::root(), id, Permill::from_percent(0)));
		assert!(events().contains(&Event::DisputeBondReturned {
			id,
			to: PATIENT,
			bond: DISPUTE_BOND
		}));
		assert_eq!(Balances::total_balance(&PATIENT), START);
		assert_invariants();
	});
}

/// Without the bond, no dispute; nothing changes.
#[test]
fn no_dispute_without_the_bond() {
	new_test_ext().execute_with(|| {
		let id = delivered(None);
		let free = Balances::free_balance(PATIENT);
		assert_ok!(Balances::transfer_allow_death(
			RuntimeOrigin::signed(PATIENT),
			STRANGER,
			free - DISPUTE_BOND + 1
		));
		assert_noop!(
			Billing::dispute(RuntimeOrigin::signed(PATIENT), id),
			BError::InsufficientBalance
		);
		assert_invariants();
	});
}

/// Issue 12 item 14: an undecided dispute closes by the default after the arbiter's deadline:
/// not before it, by anyone at it; half refunded, half paid, the bond back.
#[test]
fn an_undecided_dispute_closes_by_the_default_at_its_deadline() {
	new_test_ext().execute_with(|| {
		let id = delivered(None);
		assert_ok!(Billing::dispute(RuntimeOrigin::signed(PATIENT), id));
		let deadline = T0 + DAY + DISPUTE_DEADLINE;
		assert_noop!(
			Billing::close_dispute(RuntimeOrigin::signed(STRANGER), id),
			BError::DisputeDeadlineNotReached
		);
		set_now(deadline - 1);
		assert_noop!(
			Billing::close_dispute(RuntimeOrigin::signed(STRANGER), id),
			BError::DisputeDeadlineNotReached
		);
		set_now(deadline);
		let doc_before = Balances::free_balance(DOC);
		assert_ok!(Billing::close_dispute(RuntimeOrigin::signed(STRANGER), id));
		let evs = events();
		assert!(evs.contains(&Event::DisputeBondReturned { id, to: PATIENT, bond: DISPUTE_BOND }));
		assert!(evs.contains(&Event::DisputeDefaulted { id, refunded: Permill::from_percent(50) }));
		assert_eq!(last_event(), Event::ConsultationSettled { id, paid: 490, fee: 10 });
		assert_eq!(Balances::free_balance(DOC), doc_before + 490);
		assert_eq!(Balances::total_balance(&PATIENT), START - 500);
		assert_eq!(status(id), ConsultationStatus::Resolved);
		assert_noop!(
			Billing::close_dispute(RuntimeOrigin::signed(STRANGER), id),
			BError::WrongStatus
		);
		assert_noop!(
			Billing::resolve_dispute(RuntimeOrigin::root(), id, Permill::one()),
			BError::WrongStatus
		);
		assert_invariants();
	});
}

/// After the deadline the arbiter may still decide, as long as nobody closed the dispute;
/// an undisputed visit cannot be closed as a dispute; an insured visit's default claims half
/// the insurer's share.
#[test]
fn after_the_deadline_the_arbiter_or_the_default_for_insured_visits() {
	new_test_ext().execute_with(|| {
		let id = delivered(None);
		assert_noop!(
			Billing::close_dispute(RuntimeOrigin::signed(STRANGER), id),
			BError::WrongStatus
		);
		assert_ok!(Billing::dispute(RuntimeOrigin::signed(PATIENT), id));
		set_now(T0 + DAY + DISPUTE_DEADLINE + DAY);
		assert_ok!(Billing::resolve_dispute(RuntimeOrigin::root(), id, Permill::one()));
		assert_eq!(Balances::total_balance(&PATIENT), START);

		set_now(T0);
		let policy_id = policy(INSURER, 80, 5_000);
		let id = delivered(Some(policy_id));
		assert_ok!(Billing::dispute(RuntimeOrigin::signed(PATIENT), id));
		set_now(T0 + DAY + DISPUTE_DEADLINE + DAY);
		assert_ok!(Billing::close_dispute(RuntimeOrigin::signed(DOC), id));
		assert_eq!(claim_of(id).1.amount, 400);
		assert_eq!(Balances::total_balance(&PATIENT), START - 100);
		assert_invariants();
	});
}
