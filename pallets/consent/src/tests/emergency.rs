//! Break-glass emergency access: who may open it, how long it lasts, and its review.

use super::*;
use crate::{EmergencyAccesses, HoldReason, OpenEmergency, PendingReviews, Review};
use frame_support::{assert_noop, assert_ok, traits::fungible::Inspect};
use telemed_primitives::DelegateScope;

const STATEMENT: [u8; 32] = [4u8; 32];

fn open(who: AccountId) -> frame_support::dispatch::DispatchResult {
	Consent::open_emergency_access(RuntimeOrigin::signed(who), PATIENT, STATEMENT)
}

fn emergency_read(who: AccountId) -> Result<AccessBasis, AccessDenial> {
	check(who, AccessAction::Read, AccessTarget::AllData, PurposeOfUse::EmergencyTreatment)
}

#[test]
fn an_endorsed_practitioner_breaks_the_glass_for_a_limited_time() {
	new_test_ext().execute_with(|| {
		assert_ok!(open(DOC));
		let id = 0;
		assert_eq!(
			System::events()
				.iter()
				.filter_map(|r| match &r.event {
					RuntimeEvent::Consent(Event::EmergencyAccessOpened {
						id,
						patient,
						practitioner,
						expires_at,
						..
					}) => Some((*id, *patient, *practitioner, *expires_at)),
					_ => None,
				})
				.collect::<Vec<_>>(),
			vec![(id, PATIENT, DOC, T0 + EMERGENCY_DURATION)]
		);
		// The opening is itself a disclosure, marked emergency, for all of the patient's data.
		let Event::Disclosed { disclosure, .. } = last_event() else { panic!("a disclosure") };
		assert_eq!(disclosure.basis, AccessBasis::Emergency(id));
		assert!(disclosure.basis.is_emergency());
		assert_eq!(disclosure.data, telemed_primitives::DisclosedData::AllData);
		assert_eq!(held(HoldReason::EmergencyDeposit, DOC), EMERGENCY_DEPOSIT);
		assert_eq!(PendingReviews::<Test>::get(PATIENT, DOC).to_vec(), vec![id]);

		// It covers emergency treatment, even against a deny, and nothing else.
		let deny =
			Grant { purposes: vec![PurposeOfUse::EmergencyTreatment], ..Grant::deny(DOC) }.ok();
		assert_eq!(emergency_read(DOC), Ok(AccessBasis::Emergency(id)));
		assert_eq!(read_lab(DOC), Err(AccessDenial::NoConsent));

		// It lasts the configured time and no longer.
		set_now(T0 + EMERGENCY_DURATION - 1);
		assert_eq!(emergency_read(DOC), Ok(AccessBasis::Emergency(id)));
		set_now(T0 + EMERGENCY_DURATION);
		assert_eq!(emergency_read(DOC), Err(AccessDenial::ExplicitlyDenied(deny)));
		// Unreviewed, it stays visible as pending.
		assert_eq!(Consent::pending_reviews(&PATIENT).len(), 1);
		assert_invariants();
	});
}

#[test]
fn only_an_endorsed_licensed_practitioner_breaks_the_glass() {
	new_test_ext().execute_with(|| {
		assert_noop!(open(NURSE), CError::NotEmergencyPractitioner);
		assert_noop!(open(LAPSED), CError::NotEmergencyPractitioner);
		assert_noop!(open(INSURER), CError::NotEmergencyPractitioner);
		assert_noop!(
			Consent::open_emergency_access(RuntimeOrigin::signed(DOC), DOC, STATEMENT),
			CError::EmergencyOnSelf
		);
		assert_ok!(open(DOC));
		assert_noop!(open(DOC), CError::EmergencyAlreadyOpen);

		// A licence that lapses ends the access at once.
		set_practitioner(DOC, false, true);
		assert_eq!(emergency_read(DOC), Err(AccessDenial::NoConsent));
	});
}

#[test]
fn break_glass_needs_the_deposit_and_pending_reviews_are_bounded() {
	new_test_ext().execute_with(|| {
		set_practitioner(PAUPER, true, true);
		assert_noop!(open(PAUPER), CError::InsufficientBalance);
		set_practitioner(NURSE, true, true);
		set_practitioner(LAPSED, true, true);
		// The mock bounds pending reviews at 2 per (patient, practitioner).
		assert_ok!(open(DOC));
		assert_ok!(open(NURSE));
		// Other practitioners' pending accesses do not count.
		assert_ok!(open(LAPSED));
		assert_invariants();
	});
}

#[test]
fn the_practitioner_closes_early_and_may_open_again_later() {
	new_test_ext().execute_with(|| {
		assert_ok!(open(DOC));
		assert_noop!(
			Consent::close_emergency_access(RuntimeOrigin::signed(NURSE), 0),
			CError::NotYourEmergencyAccess
		);
		assert_noop!(
			Consent::close_emergency_access(RuntimeOrigin::signed(DOC), 9),
			CError::UnknownEmergencyAccess
		);
		assert_ok!(Consent::close_emergency_access(RuntimeOrigin::signed(DOC), 0));
		assert_eq!(last_event(), Event::EmergencyAccessClosed { id: 0 });
		assert_eq!(emergency_read(DOC), Err(AccessDenial::NoConsent));
		assert!(OpenEmergency::<Test>::get(PATIENT, DOC).is_none());
		assert_noop!(
			Consent::close_emergency_access(RuntimeOrigin::signed(DOC), 0),
			CError::EmergencyAccessNotOpen
		);
		assert_ok!(open(DOC));
		assert_eq!(emergency_read(DOC), Ok(AccessBasis::Emergency(1)));
		assert_invariants();
	});
}

#[test]
fn a_justified_review_returns_the_deposit() {
	new_test_ext().execute_with(|| {
		assert_ok!(open(DOC));
		assert_noop!(
			Consent::review_emergency_access(RuntimeOrigin::signed(NURSE), 0, true),
			CError::NotPermitted
		);
		assert_ok!(Consent::review_emergency_access(RuntimeOrigin::signed(PATIENT), 0, true));
		assert_eq!(
			last_event(),
			Event::EmergencyAccessReviewed { id: 0, justified: true, by_review_origin: false }
		);
		assert_eq!(held(HoldReason::EmergencyDeposit, DOC), 0);
		assert_eq!(EmergencyAccesses::<Test>::get(0).unwrap().review, Review::Justified);
		assert!(!PendingReviews::<Test>::contains_key(PATIENT, DOC), "no empty list kept");
		assert_eq!(
			emergency_read(DOC),
			Ok(AccessBasis::Emergency(0)),
			"still open until it expires"
		);
		assert_noop!(
			Consent::review_emergency_access(RuntimeOrigin::signed(PATIENT), 0, false),
			CError::AlreadyReviewed
		);
		assert_noop!(
			Consent::review_emergency_access(RuntimeOrigin::signed(PATIENT), 5, false),
			CError::UnknownEmergencyAccess
		);
		assert_invariants();
	});
}

#[test]
fn an_unjustified_review_slashes_the_deposit_and_closes_the_access() {
	new_test_ext().execute_with(|| {
		assert_ok!(open(DOC));
		let doc_before = Balances::total_balance(&DOC);
		assert_ok!(Consent::review_emergency_access(RuntimeOrigin::root(), 0, false));
		assert_eq!(
			last_event(),
			Event::EmergencyAccessReviewed { id: 0, justified: false, by_review_origin: true }
		);
		assert_eq!(Balances::total_balance(&DOC), doc_before - EMERGENCY_DEPOSIT);
		assert_eq!(Balances::balance(&TREASURY), 1 + EMERGENCY_DEPOSIT);
		assert_eq!(emergency_read(DOC), Err(AccessDenial::NoConsent));
		assert!(OpenEmergency::<Test>::get(PATIENT, DOC).is_none());
		assert_invariants();
	});
}

#[test]
fn a_managing_delegate_reviews_for_the_patient() {
	new_test_ext().execute_with(|| {
		assert_ok!(Consent::add_delegate(
			RuntimeOrigin::signed(PATIENT),
			PARENT,
			bounded(vec![DelegateScope::ManageConsents]),
			None
		));
		assert_ok!(open(DOC));
		assert_ok!(Consent::review_emergency_access(RuntimeOrigin::signed(PARENT), 0, true));
		assert_invariants();
	});
}
