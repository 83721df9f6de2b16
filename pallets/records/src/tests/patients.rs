//! Registering patients, rotating their key-agreement keys, deregistering.

use super::*;
use crate::{DevicesOf, PendingDevices, RecordsOf};
use frame_support::assert_noop;
use telemed_primitives::{AccessAction, KeyAgreementKey};

/// A point of order 8 on Curve25519 (from libsodium's blocklist, as in the primitives' test).
const ORDER_8: KeyAgreementKey = [
	0xe0, 0xeb, 0x7a, 0x7c, 0x3b, 0x41, 0xb8, 0xae, 0x16, 0x56, 0xe3, 0xfa, 0xf1, 0x9f, 0xc4, 0x6a,
	0xda, 0x09, 0x8d, 0xeb, 0x9c, 0x32, 0xb1, 0xfd, 0x86, 0x62, 0x05, 0x16, 0x5f, 0x49, 0xb8, 0x00,
];

/// Keys no data key may be sealed to: all-zero (order 4), order 8, and a non-canonical one.
fn bad_keys() -> [KeyAgreementKey; 3] {
	[[0u8; 32], ORDER_8, [0xff; 32]]
}

#[test]
fn a_patient_registers_with_a_key_and_a_deposit() {
	new_test_ext().execute_with(|| {
		assert_ok!(Records::register_patient(RuntimeOrigin::signed(STRANGER), [9u8; 32]));
		assert_eq!(last_event(), Event::PatientRegistered { patient: STRANGER, key: [9u8; 32] });
		let patient = crate::Patients::<Test>::get(STRANGER).expect("registered");
		assert_eq!(
			(patient.key, patient.deposit, patient.registered_at),
			([9u8; 32], PATIENT_DEPOSIT, T0)
		);
		assert_eq!(held(STRANGER), PATIENT_DEPOSIT);
		// Their (empty) list of record versions is kept from now on: it alone says, to
		// `add_record`, that they are registered.
		assert!(RecordsOf::<Test>::contains_key(STRANGER));
		assert!(RecordsOf::<Test>::get(STRANGER).is_empty());
		assert_invariants();
	});
}

#[test]
fn registering_twice_or_without_funds_or_as_a_device_fails() {
	new_test_ext().execute_with(|| {
		assert_noop!(
			Records::register_patient(RuntimeOrigin::signed(PATIENT), [9u8; 32]),
			RError::AlreadyRegistered
		);
		add_device(PATIENT, WATCH);
		assert_noop!(
			Records::register_patient(RuntimeOrigin::signed(WATCH), [9u8; 32]),
			RError::DeviceIsPatient
		);
		assert_ok!(Balances::transfer_allow_death(RuntimeOrigin::signed(PAUPER), STRANGER, 950));
		assert_noop!(
			Records::register_patient(RuntimeOrigin::signed(PAUPER), [9u8; 32]),
			RError::InsufficientBalance
		);
		assert_invariants();
	});
}

#[test]
fn a_patient_rotates_their_key() {
	new_test_ext().execute_with(|| {
		assert_ok!(Records::rotate_patient_key(RuntimeOrigin::signed(PATIENT), [8u8; 32]));
		assert_eq!(last_event(), Event::PatientKeyRotated { patient: PATIENT, key: [8u8; 32] });
		assert_eq!(crate::Patients::<Test>::get(PATIENT).map(|p| p.key), Some([8u8; 32]));
		assert_noop!(
			Records::rotate_patient_key(RuntimeOrigin::signed(STRANGER), [8u8; 32]),
			RError::UnknownPatient
		);
		assert_invariants();
	});
}

#[test]
fn small_order_and_non_canonical_keys_are_refused() {
	new_test_ext().execute_with(|| {
		for key in bad_keys() {
			assert_noop!(
				Records::register_patient(RuntimeOrigin::signed(STRANGER), key),
				RError::InvalidKey
			);
			assert_noop!(
				Records::rotate_patient_key(RuntimeOrigin::signed(PATIENT), key),
				RError::InvalidKey
			);
		}
		// The key is checked first: an unregistered caller with a bad key learns only that.
		assert_noop!(
			Records::rotate_patient_key(RuntimeOrigin::signed(STRANGER), [0u8; 32]),
			RError::InvalidKey
		);
		assert_eq!(crate::Patients::<Test>::get(PATIENT).map(|p| p.key), Some(PATIENT_KEY));
		// Ordinary points are fine, the base point (9) included.
		let mut base = [0u8; 32];
		base[0] = 9;
		assert_ok!(Records::register_patient(RuntimeOrigin::signed(STRANGER), base));
		assert_ok!(Records::rotate_patient_key(RuntimeOrigin::signed(STRANGER), [0x42; 32]));
		assert_invariants();
	});
}

#[test]
fn a_patient_with_nothing_live_deregisters_and_may_come_back() {
	new_test_ext().execute_with(|| {
		// A record, shredded; a device, retired (and left); the lists left empty.
		let id = NewRecord::by(PATIENT).add();
		add_device(PATIENT, WATCH);
		assert_ok!(Records::shred_record(RuntimeOrigin::signed(PATIENT), id));
		assert_ok!(Records::retire_device(RuntimeOrigin::signed(PATIENT), WATCH));
		assert_eq!(held(PATIENT), PATIENT_DEPOSIT + DEVICE_DEPOSIT);

		assert_ok!(Records::deregister_patient(RuntimeOrigin::signed(PATIENT)));
		assert_eq!(last_event(), Event::PatientDeregistered { patient: PATIENT });
		assert!(!crate::Patients::<Test>::contains_key(PATIENT));
		assert!(!RecordsOf::<Test>::contains_key(PATIENT));
		assert!(!DevicesOf::<Test>::contains_key(PATIENT));
		// The patient deposit is back; the retired device's stays until it is removed.
		assert_eq!(held(PATIENT), DEVICE_DEPOSIT);
		// The shredded tombstone stays.
		assert!(crate::Records::<Test>::get(id).is_some_and(|r| r.is_shredded()));
		assert_invariants();

		// No longer a patient: nothing of a patient's works, nor twice.
		assert_noop!(
			Records::deregister_patient(RuntimeOrigin::signed(PATIENT)),
			RError::UnknownPatient
		);
		assert_noop!(NewRecord::by(PATIENT).call(), RError::UnknownPatient);
		assert_noop!(name_device(PATIENT, RING, b""), RError::UnknownPatient);
		// The retired device is still theirs to remove.
		assert_ok!(Records::remove_device(RuntimeOrigin::signed(PATIENT), WATCH));
		assert_eq!(held(PATIENT), 0);

		// They register again, with a new deposit.
		assert_ok!(Records::register_patient(RuntimeOrigin::signed(PATIENT), [0x31; 32]));
		assert_eq!(held(PATIENT), PATIENT_DEPOSIT);
		NewRecord::by(PATIENT).add();
		assert_invariants();
	});
}

#[test]
fn a_patient_with_live_records_or_devices_cannot_deregister() {
	new_test_ext().execute_with(|| {
		let deregister = || Records::deregister_patient(RuntimeOrigin::signed(PATIENT));
		assert_noop!(
			Records::deregister_patient(RuntimeOrigin::signed(STRANGER)),
			RError::UnknownPatient
		);
		// A live record (even one whose other version is superseded).
		let id = NewRecord::by(PATIENT).add();
		assert_ok!(amend(PATIENT, id));
		assert_noop!(deregister(), RError::RecordsRemain);
		// A record someone else wrote into the patient's history counts the same.
		assert_ok!(Records::shred_record(RuntimeOrigin::signed(PATIENT), id));
		MockConsent::permit(DOC, PATIENT, AccessAction::Append, PurposeOfUse::Treatment, None);
		let by_doc = NewRecord::by(DOC).add();
		assert_noop!(deregister(), RError::RecordsRemain);
		assert_ok!(Records::shred_record(RuntimeOrigin::signed(PATIENT), by_doc));
		// A pending device.
		assert_ok!(name_device(PATIENT, WATCH, b""));
		assert_noop!(deregister(), RError::DevicesRemain);
		// An active one.
		assert_ok!(confirm(WATCH, PATIENT));
		assert_noop!(deregister(), RError::DevicesRemain);
		assert_ok!(Records::retire_device(RuntimeOrigin::signed(PATIENT), WATCH));
		assert_ok!(name_device(PATIENT, RING, b""));
		assert_noop!(deregister(), RError::DevicesRemain);
		assert_ok!(Records::cancel_device(RuntimeOrigin::signed(PATIENT), RING));
		assert!(PendingDevices::<Test>::get(PATIENT).is_empty());
		assert_ok!(deregister());
		assert_invariants();
	});
}
