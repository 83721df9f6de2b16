//! Issue 12 item 16 (billing): consultation deposits and reaping closed consultations with
//! their final claims; the duplicate-claim key outlives a reaped claim while it matters.

use super::*;
use crate::{ClaimStatus, FraudCheck};
use frame_support::assert_noop;

/// What `who` holds as consultation deposits.
fn deposit(who: AccountId) -> Balance {
	Balances::balance_on_hold(&crate::HoldReason::ConsultationDeposit.into(), &who)
}

fn reap(id: ConsultationId) -> DispatchResult {
	Billing::reap(RuntimeOrigin::signed(STRANGER), id)
}

#[test]
fn an_open_consultation_is_not_reaped() {
	new_test_ext().execute_with(|| {
		let id = booked(None);
		assert_noop!(reap(id), BError::StillOpen);
		assert_ok!(Billing::accept(RuntimeOrigin::signed(DOC), id));
		assert_noop!(reap(id), BError::StillOpen);
		set_now(T0 + DAY);
		assert_ok!(Billing::mark_delivered(RuntimeOrigin::signed(DOC), id, None));
		assert_noop!(reap(id), BError::StillOpen);
		assert_ok!(Billing::dispute(RuntimeOrigin::signed(PATIENT), id));
		assert_noop!(reap(id), BError::StillOpen);
		assert_noop!(reap(42), BError::UnknownConsultation);
		assert_invariants();
	});
}

/// Every way of closing: declined, cancelled, lapsed, settled, resolved, refunded. Reaped by a
/// stranger, the consultation is gone and the deposit is back with the booker.
#[test]
fn a_closed_consultation_is_reaped_by_anyone_and_its_deposit_returned() {
	new_test_ext().execute_with(|| {
		let mut closed = vec![];
		let id = booked(None);
		assert_ok!(Billing::decline(RuntimeOrigin::signed(DOC), id));
		closed.push(id);
		let id = booked(None);
		assert_ok!(Billing::cancel(RuntimeOrigin::signed(PATIENT), id));
		closed.push(id);
		let id = booked(None);
		let settled = delivered(None);
		set_now(T0 + DAY);
		assert_ok!(Billing::release_lapsed(RuntimeOrigin::signed(STRANGER), id));
		closed.push(id);
		assert_ok!(Billing::confirm(RuntimeOrigin::signed(PATIENT), settled));
		closed.push(settled);
		assert_eq!(deposit(PATIENT), 4 * CONSULTATION_DEPOSIT);
		for id in closed {
			assert_ok!(reap(id));
			assert_eq!(
				last_event(),
				Event::ConsultationReaped { id, claim: None, deposit: CONSULTATION_DEPOSIT }
			);
			assert!(crate::Consultations::<Test>::get(id).is_none());
			assert_noop!(reap(id), BError::UnknownConsultation);
			assert_invariants();
		}
		assert_eq!(deposit(PATIENT), 0);
		assert_eq!(Balances::total_balance(&PATIENT), START - VIDEO_PRICE);
		assert_eq!(Balances::free_balance(PATIENT), START - VIDEO_PRICE);
	});
}

/// An insured visit is reaped once its claim is final, and its claim and indices go with it;
/// the policy year's usage stays.
#[test]
fn an_insured_visit_is_reaped_with_its_final_claim() {
	new_test_ext().execute_with(|| {
		let policy_id = policy(INSURER, 80, 5_000);
		let id = delivered(Some(policy_id));
		assert_ok!(Billing::confirm(RuntimeOrigin::signed(PATIENT), id));
		let (claim_id, _) = claim_of(id);
		assert_noop!(reap(id), BError::ClaimPending);
		assert_ok!(Billing::adjudicate_claim(
			RuntimeOrigin::signed(INSURER),
			claim_id,
			true,
			[0u8; 32]
		));
		let key = Billing::visit_key(&crate::Consultations::<Test>::get(id).unwrap());
		assert!(crate::ClaimedVisits::<Test>::contains_key(key));
		assert_ok!(reap(id));
		assert_eq!(
			last_event(),
			Event::ConsultationReaped { id, claim: Some(claim_id), deposit: CONSULTATION_DEPOSIT }
		);
		assert!(crate::Consultations::<Test>::get(id).is_none());
		assert!(crate::Claims::<Test>::get(claim_id).is_none());
		assert!(crate::ClaimOfConsultation::<Test>::get(id).is_none());
		assert!(Billing::claim_of(id).is_none());
		// No other consultation of the visit: the duplicate key goes too.
		assert!(!crate::ClaimedVisits::<Test>::contains_key(key));
		assert_eq!(crate::PolicyUsage::<Test>::get(policy_id, 0), 800);
		assert_eq!(deposit(PATIENT), 0);
		// The visit's time is past: it cannot be booked (and claimed) again.
		assert_noop!(book(PATIENT, Some(policy_id)), BError::InThePast);
		assert_invariants();
	});
}

/// Rejected and denied claims are final: reaped.
#[test]
fn rejected_and_denied_claims_are_reaped() {
	new_test_ext().execute_with(|| {
		let policy_id = policy(INSURER, 80, 5_000);
		let denied = delivered(Some(policy_id));
		assert_ok!(Billing::confirm(RuntimeOrigin::signed(PATIENT), denied));
		let (claim_id, _) = claim_of(denied);
		assert_ok!(Billing::adjudicate_claim(
			RuntimeOrigin::signed(INSURER),
			claim_id,
			false,
			[0u8; 32]
		));
		assert_ok!(reap(denied));
		MockConsent::revoke(INSURER, PATIENT);
		set_now(T0);
		let rejected = crate::NextConsultationId::<Test>::get();
		assert_ok!(Billing::book(
			RuntimeOrigin::signed(PATIENT),
			PATIENT,
			DOC,
			code(VIDEO),
			T0 + 2 * DAY,
			Some(policy_id)
		));
		assert_ok!(Billing::accept(RuntimeOrigin::signed(DOC), rejected));
		set_now(T0 + 2 * DAY);
		assert_ok!(Billing::mark_delivered(RuntimeOrigin::signed(DOC), rejected, None));
		assert_ok!(Billing::confirm(RuntimeOrigin::signed(PATIENT), rejected));
		assert!(matches!(claim_of(rejected).1.status, ClaimStatus::Rejected { .. }));
		assert_ok!(reap(rejected));
		assert_eq!(crate::Claims::<Test>::iter().count(), 0);
		assert_invariants();
	});
}

/// The same visit booked twice before its time: the first is claimed, approved and reaped;
/// the key stays while the second is open, so the replay is still refused as a duplicate;
/// reaping the second (the last of the visit) removes the key.
#[test]
fn a_replay_is_refused_as_a_duplicate_after_the_original_was_reaped() {
	new_test_ext().execute_with(|| {
		let policy_id = policy(INSURER, 40, 5_000);
		let first = booked(Some(policy_id));
		let second = booked(Some(policy_id));
		for id in [first, second] {
			assert_ok!(Billing::accept(RuntimeOrigin::signed(DOC), id));
		}
		set_now(T0 + DAY);
		for id in [first, second] {
			assert_ok!(Billing::mark_delivered(RuntimeOrigin::signed(DOC), id, None));
		}
		assert_ok!(Billing::confirm(RuntimeOrigin::signed(PATIENT), first));
		let (claim_id, _) = claim_of(first);
		assert_ok!(Billing::adjudicate_claim(
			RuntimeOrigin::signed(INSURER),
			claim_id,
			true,
			[0u8; 32]
		));
		let key = Billing::visit_key(&crate::Consultations::<Test>::get(first).unwrap());
		assert_ok!(reap(first));
		assert!(crate::ClaimedVisits::<Test>::contains_key(key), "kept for the open replay");
		assert_invariants();
		assert_ok!(Billing::confirm(RuntimeOrigin::signed(PATIENT), second));
		assert_eq!(
			claim_of(second).1.status,
			ClaimStatus::Rejected { check: FraudCheck::Duplicate }
		);
		assert_eq!(crate::PolicyUsage::<Test>::get(policy_id, 0), 400);
		assert_ok!(reap(second));
		assert!(!crate::ClaimedVisits::<Test>::contains_key(key));
		assert_invariants();
	});
}

/// The duplicate key is kept while the claimed consultation itself is unreaped, even when
/// the duplicate is reaped first.
#[test]
fn reaping_a_duplicate_first_keeps_the_key_of_the_claimed_visit() {
	new_test_ext().execute_with(|| {
		let policy_id = policy(INSURER, 40, 5_000);
		let first = booked(Some(policy_id));
		let second = booked(Some(policy_id));
		assert_ok!(Billing::accept(RuntimeOrigin::signed(DOC), first));
		assert_ok!(Billing::decline(RuntimeOrigin::signed(DOC), second));
		set_now(T0 + DAY);
		assert_ok!(Billing::mark_delivered(RuntimeOrigin::signed(DOC), first, None));
		assert_ok!(Billing::confirm(RuntimeOrigin::signed(PATIENT), first));
		let key = Billing::visit_key(&crate::Consultations::<Test>::get(first).unwrap());
		assert_ok!(reap(second));
		assert!(crate::ClaimedVisits::<Test>::contains_key(key));
		assert_invariants();
	});
}
