//! Granting, revoking and cleaning up consents.

use super::*;
use crate::{
	ConsentStanding, ConsentStatus, Consents, ConsentsOf, Decision, GranteeKind, HoldReason,
};
use frame_support::{assert_noop, assert_ok, dispatch::CheckIfFeeless};

#[test]
fn a_patient_grants_a_consent_and_pays_the_deposit() {
	new_test_ext().execute_with(|| {
		let id = Grant::permit(DOC).tags(vec![MENTAL_TAG, LAB_TAG]).ok();
		let consent = Consents::<Test>::get(id).unwrap();
		assert_eq!(consent.patient, PATIENT);
		assert_eq!(consent.grantee_kind, GranteeKind::Practitioner);
		assert_eq!(consent.start, T0, "starts now when no start is given");
		assert_eq!(consent.status, ConsentStatus::Active);
		// Lists are stored sorted.
		assert!(matches!(&consent.scope, crate::ConsentScope::Tags(t)
			if t.to_vec() == vec![LAB_TAG, MENTAL_TAG]));
		assert_eq!(ConsentsOf::<Test>::get(PATIENT).to_vec(), vec![id]);
		assert_eq!(held(HoldReason::ConsentDeposit, PATIENT), CONSENT_DEPOSIT);
		assert_eq!(
			last_event(),
			Event::ConsentGranted {
				id,
				patient: PATIENT,
				grantee: DOC,
				decision: Decision::Permit,
				by: PATIENT
			}
		);

		let to_insurer =
			Grant { purposes: vec![PurposeOfUse::Payment], ..Grant::permit(INSURER) }.ok();
		assert_eq!(
			Consents::<Test>::get(to_insurer).unwrap().grantee_kind,
			GranteeKind::Organisation
		);
		assert_invariants();
	});
}

#[test]
fn granting_rejects_bad_input() {
	new_test_ext().execute_with(|| {
		let bad = [
			(Grant::permit(PATIENT), CError::GrantToSelf),
			(Grant { actions: vec![], ..Grant::permit(DOC) }, CError::NoActions),
			(
				Grant {
					actions: vec![AccessAction::Read, AccessAction::Read],
					..Grant::permit(DOC)
				},
				CError::Duplicate,
			),
			(Grant { purposes: vec![], ..Grant::permit(DOC) }, CError::NoPurposes),
			(Grant::permit(DOC).tags(vec![]), CError::EmptyScope),
			(Grant::permit(DOC).tags(vec![LAB_TAG, LAB_TAG]), CError::Duplicate),
			(Grant::permit(DOC).records(vec![]), CError::EmptyScope),
			(Grant::permit(DOC).records(vec![5]), CError::UnknownRecord),
			(Grant::permit(DOC).records(vec![LAB_RECORD, 5]), CError::UnknownRecord),
			(Grant::permit(DOC).records(vec![OTHERS_RECORD]), CError::NotPatientsRecord),
			(
				Grant::permit(DOC).records(vec![LAB_RECORD, OTHERS_RECORD]),
				CError::NotPatientsRecord,
			),
			(
				Grant { start: Some(T0 + HOUR), end: Some(T0 + HOUR), ..Grant::permit(DOC) },
				CError::EndBeforeStart,
			),
			(
				Grant { start: Some(T0 - 2 * HOUR), end: Some(T0 - HOUR), ..Grant::permit(DOC) },
				CError::AlreadyEnded,
			),
			(Grant { by: DOC, ..Grant::permit(NURSE) }, CError::NotPermitted),
		];
		for (grant, error) in bad {
			assert_noop!(grant.call(), error);
		}
		assert_noop!(
			Grant { by: PAUPER, patient: PAUPER, ..Grant::permit(DOC) }.call(),
			CError::InsufficientBalance
		);
	});
}

#[test]
fn a_patient_has_a_bounded_number_of_consents() {
	new_test_ext().execute_with(|| {
		for _ in 0..4 {
			Grant::permit(DOC).ok();
		}
		assert_noop!(Grant::permit(DOC).call(), CError::TooManyConsents);
	});
}

#[test]
fn the_patient_revokes_and_anyone_cleans_up() {
	new_test_ext().execute_with(|| {
		let id = Grant::permit(DOC).ok();
		assert_eq!(read_lab(DOC), Ok(AccessBasis::Consent(id)));
		assert_noop!(
			Consent::remove_consent(RuntimeOrigin::signed(NURSE), id),
			CError::ConsentInForce
		);

		assert_ok!(Consent::revoke_consent(RuntimeOrigin::signed(PATIENT), id));
		assert_eq!(last_event(), Event::ConsentRevoked { id, by: PATIENT });
		assert_eq!(read_lab(DOC), Err(AccessDenial::NoConsent), "stops counting at once");
		assert_noop!(
			Consent::revoke_consent(RuntimeOrigin::signed(PATIENT), id),
			CError::AlreadyRevoked
		);
		assert_invariants();

		assert_ok!(Consent::remove_consent(RuntimeOrigin::signed(NURSE), id));
		assert_eq!(
			last_event(),
			Event::ConsentRemoved { id, depositor: PATIENT, deposit: CONSENT_DEPOSIT }
		);
		assert!(Consents::<Test>::get(id).is_none());
		assert!(ConsentsOf::<Test>::get(PATIENT).is_empty());
		assert_eq!(held(HoldReason::ConsentDeposit, PATIENT), 0);
		assert_noop!(
			Consent::remove_consent(RuntimeOrigin::signed(NURSE), id),
			CError::UnknownConsent
		);
		assert_invariants();
	});
}

#[test]
fn an_expired_consent_stops_counting_and_can_be_cleaned_up() {
	new_test_ext().execute_with(|| {
		let id = Grant { end: Some(T0 + HOUR), ..Grant::permit(DOC) }.ok();
		set_now(T0 + HOUR - 1);
		assert_eq!(read_lab(DOC), Ok(AccessBasis::Consent(id)));
		set_now(T0 + HOUR);
		assert_eq!(read_lab(DOC), Err(AccessDenial::NoConsent));
		assert_eq!(Consent::consents_of(&PATIENT)[0].standing, ConsentStanding::Ended);
		assert_ok!(Consent::remove_consent(RuntimeOrigin::signed(DOC), id));
		assert_invariants();
	});
}

#[test]
fn a_future_consent_counts_from_its_start() {
	new_test_ext().execute_with(|| {
		let id = Grant { start: Some(T0 + HOUR), ..Grant::permit(DOC) }.ok();
		assert_eq!(read_lab(DOC), Err(AccessDenial::NoConsent));
		assert_eq!(Consent::consents_of(&PATIENT)[0].standing, ConsentStanding::NotYetStarted);
		assert_noop!(
			Consent::remove_consent(RuntimeOrigin::signed(DOC), id),
			CError::ConsentInForce
		);
		set_now(T0 + HOUR);
		assert_eq!(read_lab(DOC), Ok(AccessBasis::Consent(id)));
	});
}

#[test]
fn only_the_patient_or_a_managing_delegate_revokes() {
	new_test_ext().execute_with(|| {
		let id = Grant::permit(DOC).ok();
		assert_noop!(Consent::revoke_consent(RuntimeOrigin::signed(DOC), id), CError::NotPermitted);
		assert_noop!(
			Consent::revoke_consent(RuntimeOrigin::signed(PATIENT), 99),
			CError::UnknownConsent
		);
		assert_noop!(
			Consent::revoke_consent(RuntimeOrigin::none(), id),
			sp_runtime::DispatchError::BadOrigin
		);
	});
}

#[test]
fn revoking_is_free_of_fees_only_when_it_succeeds() {
	new_test_ext().execute_with(|| {
		let id = Grant::permit(DOC).ok();
		let revoke = crate::Call::<Test>::revoke_consent { id };
		assert!(revoke.is_feeless(&RuntimeOrigin::signed(PATIENT)));
		assert!(!revoke.is_feeless(&RuntimeOrigin::signed(DOC)), "not the patient");
		assert!(!crate::Call::<Test>::revoke_consent { id: 99 }
			.is_feeless(&RuntimeOrigin::signed(PATIENT)));
		assert_ok!(Consent::revoke_consent(RuntimeOrigin::signed(PATIENT), id));
		assert!(!revoke.is_feeless(&RuntimeOrigin::signed(PATIENT)), "a second revocation pays");
	});
}

#[test]
fn a_patient_with_no_free_balance_can_still_revoke() {
	new_test_ext().execute_with(|| {
		let id = Grant::permit(DOC).ok();
		// Everything but the existential deposit is held or gone.
		let free =
			<Balances as frame_support::traits::fungible::Inspect<AccountId>>::reducible_balance(
				&PATIENT,
				frame_support::traits::tokens::Preservation::Preserve,
				frame_support::traits::tokens::Fortitude::Polite,
			);
		assert_ok!(Balances::transfer_allow_death(RuntimeOrigin::signed(PATIENT), PAUPER, free));
		let revoke = crate::Call::<Test>::revoke_consent { id };
		assert!(revoke.is_feeless(&RuntimeOrigin::signed(PATIENT)));
		assert_ok!(Consent::revoke_consent(RuntimeOrigin::signed(PATIENT), id));
		assert_invariants();
	});
}
