//! Delegates and guardians.

use super::*;
use crate::{DelegateCount, Delegates, HoldReason};
use frame_support::{assert_noop, assert_ok};
use telemed_primitives::{DelegateScope, DelegationInspector};

fn appoint(scopes: Vec<DelegateScope>) -> frame_support::dispatch::DispatchResult {
	add_delegate(PARENT, scopes, None)
}

#[test]
fn a_patient_appoints_a_delegate_with_a_deposit() {
	new_test_ext().execute_with(|| {
		assert_ok!(appoint(vec![DelegateScope::ViewDisclosureLog, DelegateScope::ManageConsents]));
		let delegation = Delegates::<Test>::get(PATIENT, PARENT).unwrap();
		assert_eq!(
			delegation.scopes.to_vec(),
			vec![DelegateScope::ManageConsents, DelegateScope::ViewDisclosureLog]
		);
		assert_eq!(held(HoldReason::DelegateDeposit, PATIENT), DELEGATE_DEPOSIT);
		assert_eq!(DelegateCount::<Test>::get(PATIENT), 1);
		assert!(<Consent as DelegationInspector<_>>::is_delegate(
			&PATIENT,
			&PARENT,
			DelegateScope::ManageConsents
		));
		assert!(!<Consent as DelegationInspector<_>>::is_delegate(
			&PATIENT,
			&PARENT,
			DelegateScope::BookCare
		));
		assert!(<Consent as DelegationInspector<_>>::may_act_for(
			&PATIENT,
			&PATIENT,
			DelegateScope::BookCare
		));
		assert_eq!(
			last_event(),
			Event::DelegateAdded {
				patient: PATIENT,
				delegate: PARENT,
				scopes: vec![DelegateScope::ManageConsents, DelegateScope::ViewDisclosureLog],
				until: None
			}
		);
		assert_invariants();
	});
}

#[test]
fn appointing_rejects_bad_input() {
	new_test_ext().execute_with(|| {
		assert_noop!(
			Consent::add_delegate(
				RuntimeOrigin::signed(PATIENT),
				PATIENT,
				bounded(vec![DelegateScope::BookCare]),
				None
			),
			CError::DelegateToSelf
		);
		assert_noop!(appoint(vec![]), CError::NoScopes);
		assert_noop!(
			appoint(vec![DelegateScope::BookCare, DelegateScope::BookCare]),
			CError::Duplicate
		);
		assert_noop!(
			Consent::add_delegate(
				RuntimeOrigin::signed(PATIENT),
				PARENT,
				bounded(vec![DelegateScope::BookCare]),
				Some(T0)
			),
			CError::AlreadyEnded
		);
		assert_noop!(
			Consent::add_delegate(
				RuntimeOrigin::signed(PAUPER),
				PARENT,
				bounded(vec![DelegateScope::BookCare]),
				None
			),
			CError::InsufficientBalance
		);
		assert_ok!(appoint(vec![DelegateScope::BookCare]));
		assert_noop!(appoint(vec![DelegateScope::BookCare]), CError::AlreadyDelegate);
		assert_ok!(Consent::add_delegate(
			RuntimeOrigin::signed(PATIENT),
			DOC,
			bounded(vec![DelegateScope::BookCare]),
			None
		));
		assert_noop!(
			Consent::add_delegate(
				RuntimeOrigin::signed(PATIENT),
				NURSE,
				bounded(vec![DelegateScope::BookCare]),
				None
			),
			CError::TooManyDelegates
		);
	});
}

#[test]
fn a_managing_delegate_grants_and_revokes_for_the_patient_and_pays_the_deposit() {
	new_test_ext().execute_with(|| {
		assert_ok!(appoint(vec![DelegateScope::ManageConsents]));
		let id = Grant { by: PARENT, ..Grant::permit(DOC) }.ok();
		assert_eq!(held(HoldReason::ConsentDeposit, PARENT), CONSENT_DEPOSIT);
		assert_eq!(read_lab(DOC), Ok(AccessBasis::Consent(id)));
		assert_ok!(Consent::revoke_consent(RuntimeOrigin::signed(PARENT), id));
		assert_ok!(Consent::remove_consent(RuntimeOrigin::signed(PATIENT), id));
		assert_eq!(
			held(HoldReason::ConsentDeposit, PARENT),
			0,
			"refunded to the delegate who paid"
		);
		assert_invariants();
	});
}

#[test]
fn a_delegate_acts_only_within_their_scope_and_period() {
	new_test_ext().execute_with(|| {
		assert_ok!(Consent::add_delegate(
			RuntimeOrigin::signed(PATIENT),
			PARENT,
			bounded(vec![DelegateScope::BookCare]),
			Some(T0 + HOUR)
		));
		assert_noop!(Grant { by: PARENT, ..Grant::permit(DOC) }.call(), CError::NotPermitted);
		assert_noop!(
			Consent::log_access(
				RuntimeOrigin::signed(PARENT),
				PATIENT,
				AccessAction::Read,
				record(LAB_TAG, LAB_RECORD),
				PurposeOfUse::Treatment
			),
			CError::NoConsent
		);
		assert!(<Consent as DelegationInspector<_>>::is_delegate(
			&PATIENT,
			&PARENT,
			DelegateScope::BookCare
		));
		set_now(T0 + HOUR);
		assert!(!<Consent as DelegationInspector<_>>::is_delegate(
			&PATIENT,
			&PARENT,
			DelegateScope::BookCare
		));
	});
}

#[test]
fn the_patient_removes_a_delegate_or_the_delegate_resigns() {
	new_test_ext().execute_with(|| {
		assert_ok!(appoint(vec![DelegateScope::BookCare]));
		assert_noop!(
			Consent::remove_delegate(RuntimeOrigin::signed(DOC), PATIENT, PARENT),
			CError::NotPermitted
		);
		assert_noop!(
			Consent::remove_delegate(RuntimeOrigin::signed(PATIENT), PATIENT, DOC),
			CError::UnknownDelegate
		);
		assert_ok!(Consent::remove_delegate(RuntimeOrigin::signed(PARENT), PATIENT, PARENT));
		assert_eq!(last_event(), Event::DelegateRemoved { patient: PATIENT, delegate: PARENT });
		assert_eq!(held(HoldReason::DelegateDeposit, PATIENT), 0);
		assert_eq!(DelegateCount::<Test>::get(PATIENT), 0);

		assert_ok!(appoint(vec![DelegateScope::BookCare]));
		assert_ok!(Consent::remove_delegate(RuntimeOrigin::signed(PATIENT), PATIENT, PARENT));
		assert_invariants();
	});
}
