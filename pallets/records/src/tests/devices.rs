//! Wearable devices: registration, batch anchors, retirement.

use super::*;
use crate::{BatchAnchor, DeviceStatus, DevicesOf};
use frame_support::assert_noop;

fn anchor(device: AccountId, seq: u64, samples: u32, from: u64, to: u64) -> DispatchResult {
	Records::anchor_batch(RuntimeOrigin::signed(device), seq, [seq as u8; 32], samples, from, to)
}

#[test]
fn a_patient_registers_a_device_that_anchors_increasing_batches() {
	new_test_ext().execute_with(|| {
		assert_ok!(Records::register_device(
			RuntimeOrigin::signed(PATIENT),
			WATCH,
			b"watch".to_vec()
		));
		assert_eq!(last_event(), Event::DeviceRegistered { device: WATCH, patient: PATIENT });
		assert_eq!(held(PATIENT), PATIENT_DEPOSIT + DEVICE_DEPOSIT);
		assert_eq!(DevicesOf::<Test>::get(PATIENT).to_vec(), vec![WATCH]);

		set_now(T0 + 60_000);
		assert_ok!(anchor(WATCH, 1, 120, T0, T0 + 59_000));
		let batch = BatchAnchor {
			seq: 1,
			root: [1u8; 32],
			samples: 120,
			from: T0,
			to: T0 + 59_000,
			anchored_at: T0 + 60_000,
		};
		assert_eq!(last_event(), Event::BatchAnchored { device: WATCH, patient: PATIENT, batch });
		assert_eq!(crate::Devices::<Test>::get(WATCH).and_then(|d| d.latest), Some(batch));
		// Sequence numbers need not be consecutive, only increasing.
		assert_ok!(anchor(WATCH, 5, 1, T0 + 59_000, T0 + 59_000));
		assert_noop!(anchor(WATCH, 5, 10, T0, T0 + 1), RError::SequenceNotIncreasing);
		assert_noop!(anchor(WATCH, 4, 10, T0, T0 + 1), RError::SequenceNotIncreasing);
		assert_invariants();
	});
}

#[test]
fn bad_batches_and_unknown_devices_are_refused() {
	new_test_ext().execute_with(|| {
		assert_noop!(anchor(WATCH, 1, 10, T0, T0 + 1), RError::UnknownDevice);
		assert_ok!(Records::register_device(RuntimeOrigin::signed(PATIENT), WATCH, vec![]));
		assert_noop!(anchor(WATCH, 1, 0, T0, T0 + 1), RError::EmptyBatch);
		assert_noop!(anchor(WATCH, 1, 10, T0 + 1, T0), RError::WindowEndsBeforeStart);
		// The patient is not the device.
		assert_noop!(anchor(PATIENT, 1, 10, T0, T0 + 1), RError::UnknownDevice);
	});
}

#[test]
fn device_registration_is_checked() {
	new_test_ext().execute_with(|| {
		let register = |patient: AccountId, device: AccountId, label: &[u8]| {
			Records::register_device(RuntimeOrigin::signed(patient), device, label.to_vec())
		};
		assert_noop!(register(STRANGER, WATCH, b"w"), RError::UnknownPatient);
		assert_noop!(register(PATIENT, PATIENT, b"w"), RError::DeviceIsPatient);
		assert_noop!(register(PATIENT, OTHER_PATIENT, b"w"), RError::DeviceIsPatient);
		assert_noop!(register(PATIENT, WATCH, b"too long!"), RError::LabelTooLong);
		assert_ok!(register(PATIENT, WATCH, b"8 bytes!"));
		assert_noop!(register(OTHER_PATIENT, WATCH, b"w"), RError::DeviceExists);
		assert_ok!(register(PATIENT, RING, b"ring"));
		// MaxDevicesPerPatient = 2.
		assert_noop!(register(PATIENT, STRANGER, b"w"), RError::TooManyDevices);
		let free = Balances::free_balance(OTHER_PATIENT);
		assert_ok!(Balances::transfer_allow_death(
			RuntimeOrigin::signed(OTHER_PATIENT),
			STRANGER,
			free - 1
		));
		assert_noop!(register(OTHER_PATIENT, PAUPER, b"w"), RError::InsufficientBalance);
		assert_invariants();
	});
}

#[test]
fn a_retired_device_anchors_nothing_and_frees_its_place() {
	new_test_ext().execute_with(|| {
		assert_ok!(Records::register_device(RuntimeOrigin::signed(PATIENT), WATCH, vec![]));
		assert_ok!(Records::register_device(RuntimeOrigin::signed(PATIENT), RING, vec![]));
		assert_ok!(anchor(WATCH, 1, 10, T0, T0 + 1));
		assert_noop!(
			Records::retire_device(RuntimeOrigin::signed(OTHER_PATIENT), WATCH),
			RError::NotPermitted
		);
		assert_noop!(
			Records::retire_device(RuntimeOrigin::signed(PATIENT), STRANGER),
			RError::UnknownDevice
		);
		set_now(T0 + 7);
		assert_ok!(Records::retire_device(RuntimeOrigin::signed(PATIENT), WATCH));
		assert_eq!(last_event(), Event::DeviceRetired { device: WATCH });
		let entry = crate::Devices::<Test>::get(WATCH).expect("kept");
		assert_eq!(entry.status, DeviceStatus::Retired { at: T0 + 7 });
		assert_eq!(entry.latest.map(|b| b.seq), Some(1));
		assert_noop!(anchor(WATCH, 2, 10, T0, T0 + 1), RError::DeviceRetired);
		assert_noop!(
			Records::retire_device(RuntimeOrigin::signed(PATIENT), WATCH),
			RError::DeviceRetired
		);
		// Its place is free for a new device; its account cannot come back.
		assert_eq!(DevicesOf::<Test>::get(PATIENT).to_vec(), vec![RING]);
		assert_ok!(Records::register_device(RuntimeOrigin::signed(PATIENT), PAUPER, vec![]));
		assert_noop!(
			Records::register_device(RuntimeOrigin::signed(PATIENT), WATCH, vec![]),
			RError::DeviceExists
		);
		assert_eq!(held(PATIENT), PATIENT_DEPOSIT + 3 * DEVICE_DEPOSIT);
		assert_invariants();
	});
}
