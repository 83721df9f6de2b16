//! Unit tests, by feature. Every call's success path and each of its errors; a failed call
//! changes nothing (`assert_noop!`); the invariants (money conserved) hold after every test
//! that writes, and in many random sequences of calls.

mod conservation;
mod consultations;
mod disputes;
mod insurance;
mod privacy;
mod reaping;
mod schedules;
mod sessions;

use crate::{mock::*, ConsultationStatus, Error, Event};
use frame_support::{
	assert_ok,
	dispatch::DispatchResult,
	traits::fungible::{Inspect, InspectHold},
};
use sp_runtime::Permill;
use telemed_primitives::{AccessAction, ClaimId, ConsultationId, PolicyId, PurposeOfUse, Tag};

pub(crate) type BError = Error<Test>;

/// The invariants, and that billing minted or burned nothing: every account's total balance
/// adds up to the issuance.
pub(crate) fn assert_invariants() {
	crate::Pallet::<Test>::do_try_state().expect("invariants hold");
	// Every account's holds, by reason, also of accounts the storage no longer names.
	let expected = crate::Pallet::<Test>::expected_holds();
	for who in ACCOUNTS {
		for (i, reason) in (0u8..).zip(crate::HOLD_REASONS.iter()) {
			let held = Balances::balance_on_hold(&(*reason).into(), &who);
			let want = expected.get(&(who, i)).copied().unwrap_or_default();
			assert_eq!(held, want, "{reason:?} held by {who}");
		}
	}
	// No policy year is charged past its limit.
	for (policy, year, used) in crate::PolicyUsage::<Test>::iter() {
		let limit = crate::Policies::<Test>::get(policy).expect("a policy").annual_limit;
		assert!(used <= limit, "policy {policy} year {year}: {used} of {limit}");
	}
	let total: Balance = ACCOUNTS.iter().map(|who| Balances::total_balance(who)).sum();
	assert_eq!(total, Balances::total_issuance(), "nothing minted or burned");
}

pub(crate) fn last_event() -> Event<Test> {
	System::events()
		.into_iter()
		.rev()
		.find_map(|r| match r.event {
			RuntimeEvent::Billing(e) => Some(e),
			_ => None,
		})
		.expect("an event of this pallet")
}

pub(crate) fn events() -> Vec<Event<Test>> {
	System::events()
		.into_iter()
		.filter_map(|r| match r.event {
			RuntimeEvent::Billing(e) => Some(e),
			_ => None,
		})
		.collect()
}

/// Books the physician's video consultation for `PATIENT` a day from now, signed by `payer`.
pub(crate) fn book(payer: AccountId, policy: Option<PolicyId>) -> DispatchResult {
	Billing::book(RuntimeOrigin::signed(payer), PATIENT, DOC, code(VIDEO), T0 + DAY, policy)
}

/// Books as `book` and returns the id.
pub(crate) fn booked(policy: Option<PolicyId>) -> ConsultationId {
	let id = crate::NextConsultationId::<Test>::get();
	assert_ok!(book(PATIENT, policy));
	id
}

/// A booked and accepted visit.
pub(crate) fn accepted(policy: Option<PolicyId>) -> ConsultationId {
	let id = booked(policy);
	assert_ok!(Billing::accept(RuntimeOrigin::signed(DOC), id));
	id
}

/// An accepted visit that took place and was marked delivered, at its time.
pub(crate) fn delivered(policy: Option<PolicyId>) -> ConsultationId {
	let id = accepted(policy);
	set_now(T0 + DAY);
	assert_ok!(Billing::mark_delivered(RuntimeOrigin::signed(DOC), id, Some([9u8; 32])));
	id
}

pub(crate) fn status(id: ConsultationId) -> ConsultationStatus {
	crate::Consultations::<Test>::get(id).expect("a consultation").status
}

/// What `who` has on hold as escrow.
pub(crate) fn escrow(who: AccountId) -> Balance {
	Balances::balance_on_hold(&crate::HoldReason::Escrow.into(), &who)
}

/// The insurer issues `PATIENT` a policy for both services, `coverage` percent, `limit` a
/// year, valid for a year from `T0`; the patient consents to the insurer reading the records of
/// one tag for payment (a narrow scope: any scope is a payment consent).
pub(crate) fn policy(insurer: AccountId, coverage: u32, limit: Balance) -> PolicyId {
	let id = crate::NextPolicyId::<Test>::get();
	assert_ok!(Billing::issue_policy(
		RuntimeOrigin::signed(insurer),
		PATIENT,
		vec![code(VIDEO), code(FOLLOW_UP)].try_into().unwrap(),
		Permill::from_percent(coverage),
		limit,
		T0,
		T0 + 365 * DAY,
	));
	MockConsent::permit(
		insurer,
		PATIENT,
		AccessAction::Read,
		PurposeOfUse::Payment,
		Some(PAYMENT_TAG),
	);
	id
}

/// The blinded tag the patient's payment consent to an insurer names in most tests.
pub(crate) const PAYMENT_TAG: Tag = [0xbb; 32];

/// The claim of a consultation.
pub(crate) fn claim_of(id: ConsultationId) -> (ClaimId, crate::ClaimOf<Test>) {
	Billing::claim_of(id).expect("a claim")
}
