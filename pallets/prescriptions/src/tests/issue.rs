//! Issuing: who may prescribe, and every bound of a prescription.

use super::*;
use crate::{OpenOfPrescriber, PrescriptionStanding, PrescriptionsOf};
use codec::{Decode, Encode};
use frame_support::assert_noop;

/// Issues as `prescriber` for `patient` with `fills`, `hashes` and `expires_at`.
fn try_issue(
	prescriber: AccountId,
	patient: AccountId,
	fills: u32,
	expires_at: u64,
	hashes: DispenseHashesOf<Test>,
) -> DispatchResult {
	Prescriptions::issue(
		RuntimeOrigin::signed(prescriber),
		patient,
		COMMITMENT,
		CIPHERTEXT,
		locator(MAX_LOCATOR_LEN as usize),
		fills,
		expires_at,
		false,
		hashes,
	)
}

#[test]
fn issue_keeps_only_the_commitment_and_counts_and_holds_the_deposit() {
	run(|| {
		let id = issue(2, true);
		let p = crate::Prescriptions::<Test>::get(id).expect("open");
		assert_eq!((p.patient, p.prescriber), (PATIENT, DOC));
		assert_eq!(p.commitment, COMMITMENT);
		assert_eq!(p.ciphertext_hash, Some(CIPHERTEXT));
		assert_eq!((p.fills_allowed, p.fills_used, p.carried), (2, 0, 0));
		assert_eq!(p.dispense_hashes, hashes(0xa0, 1, 2));
		assert!(p.controlled);
		assert_eq!((p.issued_at, p.expires_at, p.last_fill_at), (T0, T0 + VALIDITY, None));
		assert_eq!(p.deposit, DEPOSIT);
		assert_eq!(held(DOC), DEPOSIT);
		assert_eq!(PrescriptionsOf::<Test>::get(PATIENT).to_vec(), vec![id]);
		assert_eq!(OpenOfPrescriber::<Test>::get(DOC), 1);
		assert_eq!(last_event(), Event::Issued { id, patient: PATIENT, prescriber: DOC });
		let view = Prescriptions::view(id).expect("a view");
		assert_eq!(view.standing, PrescriptionStanding::Dispensable);
		assert_eq!((view.fills_allowed, view.fills_used), (2, 0));
		assert_eq!(Prescriptions::prescriptions_of(&PATIENT), vec![(id, view)]);
	});
}

#[test]
fn physicians_and_midwives_prescribe_nurses_pharmacists_and_strangers_do_not() {
	run(|| {
		for who in [NURSE, PHARMACIST, STRANGER] {
			assert_noop!(
				try_issue(who, PATIENT, 1, T0 + DAY, hashes(1, 1, 1)),
				PError::NotPrescriber
			);
		}
		assert_ok!(try_issue(DOC, PATIENT, 1, T0 + DAY, hashes(1, 1, 1)));
		assert_ok!(try_issue(MIDWIFE, PATIENT, 1, T0 + DAY, hashes(2, 1, 1)));
	});
}

#[test]
fn a_suspended_prescriber_cannot_issue_at_once_and_can_again_when_reinstated() {
	run(|| {
		RoleRegistry::set_valid(DOC, false);
		assert_noop!(try_issue(DOC, PATIENT, 1, T0 + DAY, hashes(1, 1, 1)), PError::NotPrescriber);
		RoleRegistry::set_valid(DOC, true);
		assert_ok!(try_issue(DOC, PATIENT, 1, T0 + DAY, hashes(1, 1, 1)));
	});
}

#[test]
fn a_prescriber_cannot_prescribe_for_themselves() {
	run(|| {
		assert_noop!(try_issue(DOC, DOC, 1, T0 + DAY, hashes(1, 1, 1)), PError::SelfPrescribing);
	});
}

#[test]
fn fills_are_at_least_one_and_at_most_max_fills() {
	run(|| {
		assert_noop!(try_issue(DOC, PATIENT, 0, T0 + DAY, hashes(1, 1, 0)), PError::NoFills);
		let max = MAX_FILLS as u8;
		assert_noop!(
			try_issue(DOC, PATIENT, MAX_FILLS + 1, T0 + DAY, hashes(1, 1, max)),
			PError::TooManyFills
		);
		assert_ok!(try_issue(DOC, PATIENT, MAX_FILLS, T0 + DAY, hashes(1, 1, max)));
	});
}

#[test]
fn one_distinct_secret_hash_per_fill() {
	run(|| {
		assert_noop!(
			try_issue(DOC, PATIENT, 2, T0 + DAY, hashes(1, 1, 1)),
			PError::SecretCountMismatch
		);
		assert_noop!(
			try_issue(DOC, PATIENT, 2, T0 + DAY, hashes(1, 1, 3)),
			PError::SecretCountMismatch
		);
		let twice: DispenseHashesOf<Test> =
			vec![secret_hash(&secret(1, 1)), secret_hash(&secret(1, 1))].try_into().unwrap();
		assert_noop!(try_issue(DOC, PATIENT, 2, T0 + DAY, twice), PError::DuplicateSecret);
	});
}

#[test]
fn expiry_is_after_now_and_within_max_validity() {
	run(|| {
		assert_noop!(try_issue(DOC, PATIENT, 1, T0, hashes(1, 1, 1)), PError::ExpiryInPast);
		assert_noop!(try_issue(DOC, PATIENT, 1, T0 - 1, hashes(1, 1, 1)), PError::ExpiryInPast);
		assert_noop!(
			try_issue(DOC, PATIENT, 1, T0 + MAX_VALIDITY + 1, hashes(1, 1, 1)),
			PError::ValidityTooLong
		);
		assert_noop!(
			try_issue(DOC, PATIENT, 1, u64::MAX, hashes(1, 1, 1)),
			PError::ValidityTooLong
		);
		assert_ok!(try_issue(DOC, PATIENT, 1, T0 + MAX_VALIDITY, hashes(1, 1, 1)));
		assert_ok!(try_issue(DOC, PATIENT, 1, T0 + 1, hashes(2, 1, 1)));
	});
}

#[test]
fn a_patient_has_at_most_max_open_prescriptions() {
	run(|| {
		for salt in 0..MAX_PER_PATIENT as u8 {
			assert_ok!(try_issue(DOC, PATIENT, 1, T0 + DAY, hashes(salt, 1, 1)));
		}
		assert_noop!(
			try_issue(OTHER_DOC, PATIENT, 1, T0 + DAY, hashes(9, 1, 1)),
			PError::TooManyPrescriptions
		);
		// Another patient is not affected; a closed one makes room.
		assert_ok!(try_issue(DOC, OTHER_PATIENT, 1, T0 + DAY, hashes(9, 1, 1)));
		assert_ok!(Prescriptions::cancel(RuntimeOrigin::signed(PATIENT), 0));
		assert_ok!(try_issue(OTHER_DOC, PATIENT, 1, T0 + DAY, hashes(10, 1, 1)));
	});
}

#[test]
fn the_deposit_must_be_free() {
	run(|| {
		assert_noop!(
			try_issue(POOR_DOC, PATIENT, 1, T0 + DAY, hashes(1, 1, 1)),
			PError::InsufficientBalance
		);
	});
}

#[test]
fn ids_exhausted_refuses_and_changes_nothing() {
	run(|| {
		crate::NextPrescriptionId::<Test>::put(u64::MAX);
		assert_noop!(try_issue(DOC, PATIENT, 1, T0 + DAY, hashes(1, 1, 1)), PError::IdsExhausted);
	});
}

#[test]
fn call_arguments_past_their_bounds_do_not_decode() {
	run(|| {
		// A call carrying one hash past `MaxFills`, or one locator byte past
		// `MaxLocatorLen`, is refused when the transaction is decoded.
		let call = |hashes: Vec<Hash256>, locator: Vec<u8>| {
			// `issue`'s arguments encoded as the bounded ones are, by hand.
			let mut bytes = vec![3u8, 0u8]; // pallet index 3, call index 0
			bytes.extend(PATIENT.encode());
			bytes.extend(COMMITMENT.encode());
			bytes.extend(CIPHERTEXT.encode());
			bytes.extend(locator.encode());
			bytes.extend((hashes.len() as u32).encode());
			bytes.extend((T0 + DAY).encode());
			bytes.extend(false.encode());
			bytes.extend(hashes.encode());
			RuntimeCall::decode(&mut &bytes[..])
		};
		let max_hashes: Vec<Hash256> = hashes(1, 1, MAX_FILLS as u8).to_vec();
		let max_locator = vec![0u8; MAX_LOCATOR_LEN as usize];
		assert!(call(max_hashes.clone(), max_locator.clone()).is_ok());
		let mut more_hashes = max_hashes.clone();
		more_hashes.push([0xee; 32]);
		assert!(call(more_hashes, max_locator.clone()).is_err());
		let mut longer = max_locator;
		longer.push(0);
		assert!(call(max_hashes, longer).is_err());
	});
}
