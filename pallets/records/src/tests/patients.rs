//! Registering patients and rotating their key-agreement keys.

use super::*;
use frame_support::assert_noop;

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
		assert_ok!(Records::register_device(
			RuntimeOrigin::signed(PATIENT),
			WATCH,
			b"watch".to_vec()
		));
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
