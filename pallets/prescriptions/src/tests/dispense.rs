//! Dispensing: one fill per secret, in order, by a licensed pharmacist, never after expiry,
//! cancellation or the last fill; controlled substances need consent and wait between fills;
//! a prescription whose prescriber's licence is not valid is flagged and refused.

use super::*;
use crate::{OpenOfPrescriber, PrescriptionStanding, PrescriptionsOf, RevokedPrescribers};
use frame_support::assert_noop;
use telemed_primitives::LicenceRevocation;

#[test]
fn each_fill_presents_the_next_secret_and_the_last_closes_the_prescription() {
	run(|| {
		let id = issue(2, false);
		assert_ok!(dispense(PHARMACIST, id, secret(0xa0, 1)));
		assert_eq!(
			last_event(),
			Event::Dispensed {
				id,
				patient: PATIENT,
				prescriber: DOC,
				pharmacist: PHARMACIST,
				fill: 1,
				remaining: 1,
			}
		);
		let p = crate::Prescriptions::<Test>::get(id).expect("still open");
		assert_eq!((p.fills_used, p.last_fill_at), (1, Some(T0)));
		assert_eq!(Prescriptions::view(id).unwrap().fills_used, 1);
		assert_eq!(held(DOC), DEPOSIT);
		assert_invariants();

		// Another pharmacist may make the next fill.
		assert_ok!(dispense(OTHER_PHARMACIST, id, secret(0xa0, 2)));
		assert_eq!(
			last_event(),
			Event::Dispensed {
				id,
				patient: PATIENT,
				prescriber: DOC,
				pharmacist: OTHER_PHARMACIST,
				fill: 2,
				remaining: 0,
			}
		);
		assert!(crate::Prescriptions::<Test>::get(id).is_none());
		assert!(PrescriptionsOf::<Test>::get(PATIENT).is_empty());
		assert_eq!(OpenOfPrescriber::<Test>::get(DOC), 0);
		assert_eq!(held(DOC), 0);
		assert!(Prescriptions::view(id).is_none());
	});
}

#[test]
fn the_same_secret_twice_is_refused() {
	run(|| {
		let id = issue(3, false);
		assert_ok!(dispense(PHARMACIST, id, secret(0xa0, 1)));
		assert_noop!(dispense(PHARMACIST, id, secret(0xa0, 1)), PError::SecretAlreadyUsed);
		// By another pharmacist too.
		assert_noop!(dispense(OTHER_PHARMACIST, id, secret(0xa0, 1)), PError::SecretAlreadyUsed);
	});
}

#[test]
fn a_wrong_or_out_of_order_secret_is_refused() {
	run(|| {
		let id = issue(2, false);
		assert_noop!(dispense(PHARMACIST, id, [0x11; 32]), PError::WrongSecret);
		// The second fill's secret before the first.
		assert_noop!(dispense(PHARMACIST, id, secret(0xa0, 2)), PError::WrongSecret);
		// The hash itself is not the secret.
		assert_noop!(dispense(PHARMACIST, id, secret_hash(&secret(0xa0, 1))), PError::WrongSecret);
		// Another prescription's secret.
		let other = issue_as(OTHER_DOC, PATIENT, 1, false, 0xb0);
		assert_noop!(dispense(PHARMACIST, id, secret(0xb0, 1)), PError::WrongSecret);
		assert_ok!(dispense(PHARMACIST, other, secret(0xb0, 1)));
	});
}

#[test]
fn only_a_licensed_pharmacist_dispenses() {
	run(|| {
		let id = issue(1, false);
		// The prescriber, a nurse, the patient, anyone: no pharmacist licence.
		for who in [DOC, NURSE, PATIENT, STRANGER] {
			assert_noop!(dispense(who, id, secret(0xa0, 1)), PError::NotPharmacist);
		}
		// A pharmacist whose licence is suspended.
		RoleRegistry::set_valid(PHARMACIST, false);
		assert_noop!(dispense(PHARMACIST, id, secret(0xa0, 1)), PError::NotPharmacist);
		RoleRegistry::set_valid(PHARMACIST, true);
		assert_ok!(dispense(PHARMACIST, id, secret(0xa0, 1)));
	});
}

#[test]
fn a_pharmacist_does_not_dispense_their_own_prescription() {
	run(|| {
		// The pharmacist is the patient of a prescription (a controlled one, to which they
		// would "consent" as the patient themself).
		let id = issue_as(DOC, PHARMACIST, 2, true, 0xb0);
		assert_noop!(dispense(PHARMACIST, id, secret(0xb0, 1)), PError::SelfDispensing);
		MockConsent::permit(
			OTHER_PHARMACIST,
			PHARMACIST,
			AccessAction::Read,
			PurposeOfUse::Treatment,
			None,
		);
		assert_ok!(dispense(OTHER_PHARMACIST, id, secret(0xb0, 1)));
	});
}

#[test]
fn never_after_expiry() {
	run(|| {
		let id = issue(2, false);
		set_now(T0 + VALIDITY - 1);
		assert_ok!(dispense(PHARMACIST, id, secret(0xa0, 1)));
		set_now(T0 + VALIDITY);
		assert_eq!(Prescriptions::view(id).unwrap().standing, PrescriptionStanding::Expired);
		assert_noop!(dispense(PHARMACIST, id, secret(0xa0, 2)), PError::PrescriptionExpired);
	});
}

#[test]
fn never_after_cancellation() {
	run(|| {
		let id = issue(2, false);
		assert_ok!(Prescriptions::cancel(RuntimeOrigin::signed(DOC), id));
		assert_noop!(dispense(PHARMACIST, id, secret(0xa0, 1)), PError::UnknownPrescription);
	});
}

#[test]
fn never_more_fills_than_allowed() {
	run(|| {
		let id = issue(MAX_FILLS as u8, false);
		for fill in 1..=MAX_FILLS as u8 {
			assert_ok!(dispense(PHARMACIST, id, secret(0xa0, fill)));
		}
		let fills = events().iter().filter(|e| matches!(e, Event::Dispensed { .. })).count();
		assert_eq!(fills, MAX_FILLS as usize);
		// Any secret, a used one or a made-up next one, finds nothing to fill.
		assert_noop!(dispense(PHARMACIST, id, secret(0xa0, 1)), PError::UnknownPrescription);
		assert_noop!(
			dispense(PHARMACIST, id, secret(0xa0, MAX_FILLS as u8 + 1)),
			PError::UnknownPrescription
		);
	});
}

#[test]
fn an_unknown_prescription_is_refused() {
	run(|| {
		assert_noop!(dispense(PHARMACIST, 7, secret(0xa0, 1)), PError::UnknownPrescription);
	});
}

#[test]
fn a_controlled_substance_needs_the_patients_consent_to_the_pharmacist() {
	run(|| {
		let id = issue(2, true);
		assert_noop!(dispense(PHARMACIST, id, secret(0xa0, 1)), PError::NoConsent);
		// A consent for another purpose or action, or to another pharmacist, does not do.
		MockConsent::permit(PHARMACIST, PATIENT, AccessAction::Read, PurposeOfUse::Payment, None);
		MockConsent::permit(
			PHARMACIST,
			PATIENT,
			AccessAction::Append,
			PurposeOfUse::Treatment,
			None,
		);
		consent_to(OTHER_PHARMACIST);
		assert_noop!(dispense(PHARMACIST, id, secret(0xa0, 1)), PError::NoConsent);
		// A deny overrides.
		MockConsent::deny(OTHER_PHARMACIST, PATIENT, AccessAction::Read, PurposeOfUse::Treatment);
		assert_noop!(dispense(OTHER_PHARMACIST, id, secret(0xa0, 1)), PError::ConsentDenied);
		consent_to(PHARMACIST);
		assert_ok!(dispense(PHARMACIST, id, secret(0xa0, 1)));
		// The consent withdrawn: the next fill is refused.
		MockConsent::revoke(PHARMACIST, PATIENT);
		set_now(T0 + MIN_REFILL_INTERVAL);
		assert_noop!(dispense(PHARMACIST, id, secret(0xa0, 2)), PError::NoConsent);
	});
}

#[test]
fn an_uncontrolled_prescription_needs_no_consent_and_no_interval() {
	run(|| {
		let id = issue(2, false);
		assert_ok!(dispense(PHARMACIST, id, secret(0xa0, 1)));
		assert_ok!(dispense(PHARMACIST, id, secret(0xa0, 2)));
	});
}

#[test]
fn a_controlled_substance_is_not_refilled_early() {
	run(|| {
		consent_to(PHARMACIST);
		let id = issue(3, true);
		assert_ok!(dispense(PHARMACIST, id, secret(0xa0, 1)));
		set_now(T0 + MIN_REFILL_INTERVAL - 1);
		assert_noop!(dispense(PHARMACIST, id, secret(0xa0, 2)), PError::TooEarly);
		assert_eq!(
			Prescriptions::view(id).unwrap().next_fill_not_before,
			Some(T0 + MIN_REFILL_INTERVAL)
		);
		set_now(T0 + MIN_REFILL_INTERVAL);
		assert_eq!(Prescriptions::view(id).unwrap().next_fill_not_before, None);
		assert_ok!(dispense(PHARMACIST, id, secret(0xa0, 2)));
		// The interval runs from the latest fill.
		set_now(T0 + 2 * MIN_REFILL_INTERVAL - 1);
		assert_noop!(dispense(PHARMACIST, id, secret(0xa0, 3)), PError::TooEarly);
		set_now(T0 + 2 * MIN_REFILL_INTERVAL);
		assert_ok!(dispense(PHARMACIST, id, secret(0xa0, 3)));
	});
}

#[test]
fn a_suspended_prescribers_prescriptions_are_flagged_and_refused_until_reinstated() {
	run(|| {
		let id = issue(2, false);
		RoleRegistry::set_valid(DOC, false);
		assert_eq!(
			Prescriptions::prescriptions_of(&PATIENT)[0].1.standing,
			PrescriptionStanding::PrescriberNotLicensed
		);
		assert_noop!(dispense(PHARMACIST, id, secret(0xa0, 1)), PError::PrescriberNotLicensed);
		RoleRegistry::set_valid(DOC, true);
		assert_ok!(dispense(PHARMACIST, id, secret(0xa0, 1)));
	});
}

#[test]
fn a_prescriber_licensed_in_another_role_only_is_flagged() {
	run(|| {
		// The midwife's prescribing licence lapses; a pharmacist licence of theirs does not
		// let their prescriptions be dispensed.
		let id = issue_as(MIDWIFE, PATIENT, 1, false, 0xb0);
		RoleRegistry::reset();
		RoleRegistry::license(MIDWIFE, telemed_primitives::PractitionerRole::Pharmacist);
		RoleRegistry::license(PHARMACIST, telemed_primitives::PractitionerRole::Pharmacist);
		assert_noop!(dispense(PHARMACIST, id, secret(0xb0, 1)), PError::PrescriberNotLicensed);
	});
}

#[test]
fn a_revocation_for_good_flags_open_prescriptions_even_if_licensed_again() {
	run(|| {
		let id = issue(2, false);
		let other = issue_as(OTHER_DOC, PATIENT, 1, false, 0xb0);
		set_now(T0 + HOUR);
		// The practitioners pallet revokes the physician's only licence and reports it.
		RoleRegistry::set_valid(DOC, false);
		let weight = <Prescriptions as LicenceRevocation<AccountId>>::licence_revoked(&DOC);
		assert_eq!(
			weight,
			<Prescriptions as LicenceRevocation<AccountId>>::licence_revoked_weight()
		);
		assert_eq!(RevokedPrescribers::<Test>::get(DOC), Some(T0 + HOUR));
		// Licensed again later (a new licence): what was issued before stays flagged.
		RoleRegistry::set_valid(DOC, true);
		assert_eq!(last_event(), Event::PrescriberRevoked { prescriber: DOC });
		assert_eq!(
			Prescriptions::view(id).unwrap().standing,
			PrescriptionStanding::PrescriberRevoked
		);
		assert_noop!(dispense(PHARMACIST, id, secret(0xa0, 1)), PError::PrescriberRevoked);
		// Another prescriber's prescriptions are not affected.
		assert_ok!(dispense(PHARMACIST, other, secret(0xb0, 1)));
		// A prescription issued after the revocation is not flagged.
		set_now(T0 + 2 * HOUR);
		let later = issue_as(DOC, OTHER_PATIENT, 1, false, 0xc0);
		assert_eq!(Prescriptions::view(later).unwrap().standing, PrescriptionStanding::Dispensable);
		assert_ok!(dispense(PHARMACIST, later, secret(0xc0, 1)));
		// The flagged one may still be cancelled; with it goes the note.
		assert_ok!(Prescriptions::cancel(RuntimeOrigin::signed(PATIENT), id));
		assert_eq!(RevokedPrescribers::<Test>::get(DOC), None);
	});
}

#[test]
fn a_revocation_of_one_licence_of_a_prescriber_who_still_prescribes_notes_nothing() {
	run(|| {
		// The physician gives up (or loses) one licence and still holds a valid one.
		let id = issue(1, false);
		let weight = <Prescriptions as LicenceRevocation<AccountId>>::licence_revoked(&DOC);
		assert!(weight
			.all_lte(<Prescriptions as LicenceRevocation<AccountId>>::licence_revoked_weight()));
		assert_eq!(RevokedPrescribers::<Test>::get(DOC), None);
		assert!(!events().iter().any(|e| matches!(e, Event::PrescriberRevoked { .. })));
		assert_ok!(dispense(PHARMACIST, id, secret(0xa0, 1)));
	});
}

#[test]
fn a_revocation_of_a_prescriber_without_open_prescriptions_notes_nothing() {
	run(|| {
		let weight = <Prescriptions as LicenceRevocation<AccountId>>::licence_revoked(&DOC);
		assert!(weight
			.all_lte(<Prescriptions as LicenceRevocation<AccountId>>::licence_revoked_weight()));
		assert_eq!(RevokedPrescribers::<Test>::get(DOC), None);
		assert!(events().is_empty());
	});
}
