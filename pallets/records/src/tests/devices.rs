//! Wearable devices: registration with the device's own consent, batch anchors, retirement,
//! removal.

use super::*;
use crate::{BatchAnchor, DeviceStatus, DevicesOf, PendingDevices, SpentSequence};
use frame_support::assert_noop;

fn anchor(device: AccountId, seq: u64, samples: u32, from: u64, to: u64) -> DispatchResult {
	Records::anchor_batch(RuntimeOrigin::signed(device), seq, [seq as u8; 32], samples, from, to)
}

fn pending_of(patient: AccountId) -> Vec<AccountId> {
	PendingDevices::<Test>::get(patient).iter().map(|p| p.device).collect()
}

#[test]
fn a_device_the_patient_names_confirms_and_anchors_increasing_batches() {
	new_test_ext().execute_with(|| {
		assert_ok!(name_device(PATIENT, WATCH, b"watch"));
		assert_eq!(last_event(), Event::DeviceRequested { device: WATCH, patient: PATIENT });
		assert_eq!(held(PATIENT), PATIENT_DEPOSIT + DEVICE_DEPOSIT);
		assert_eq!(pending_of(PATIENT), vec![WATCH]);
		// Pending: not a device yet, it anchors nothing.
		assert!(!crate::Devices::<Test>::contains_key(WATCH));
		assert_noop!(anchor(WATCH, 1, 120, T0, T0 + 1), RError::UnknownDevice);
		assert_invariants();

		set_now(T0 + 1_000);
		assert_ok!(confirm(WATCH, PATIENT));
		assert_eq!(last_event(), Event::DeviceRegistered { device: WATCH, patient: PATIENT });
		assert_eq!(DevicesOf::<Test>::get(PATIENT).to_vec(), vec![WATCH]);
		assert!(pending_of(PATIENT).is_empty());
		let entry = crate::Devices::<Test>::get(WATCH).expect("registered");
		assert_eq!(
			(entry.label, entry.registered_at, entry.deposit),
			(sp_io::hashing::blake2_256(b"watch"), T0 + 1_000, DEVICE_DEPOSIT)
		);
		// The deposit stays held from the patient; the device pays nothing.
		assert_eq!(held(PATIENT), PATIENT_DEPOSIT + DEVICE_DEPOSIT);
		assert_eq!(held(WATCH), 0);

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
		add_device(PATIENT, WATCH);
		assert_noop!(anchor(WATCH, 1, 0, T0, T0 + 1), RError::EmptyBatch);
		assert_noop!(anchor(WATCH, 1, 10, T0 + 1, T0), RError::WindowEndsBeforeStart);
		// The patient is not the device.
		assert_noop!(anchor(PATIENT, 1, 10, T0, T0 + 1), RError::UnknownDevice);
	});
}

#[test]
fn naming_a_device_is_checked() {
	new_test_ext().execute_with(|| {
		assert_noop!(name_device(STRANGER, WATCH, b"w"), RError::UnknownPatient);
		assert_noop!(name_device(PATIENT, PATIENT, b"w"), RError::DeviceIsPatient);
		assert_noop!(name_device(PATIENT, OTHER_PATIENT, b"w"), RError::DeviceIsPatient);
		assert_ok!(name_device(PATIENT, WATCH, b"8 bytes!"));
		assert_noop!(name_device(PATIENT, WATCH, b"again"), RError::DevicePending);
		// Another patient may name the same account too: a pending registration blocks
		// nothing, and only the device decides.
		assert_ok!(name_device(OTHER_PATIENT, WATCH, b"w"));
		assert_ok!(name_device(PATIENT, RING, b"ring"));
		// MaxDevicesPerPatient = 2, pending ones counted.
		assert_noop!(name_device(PATIENT, STRANGER, b"w"), RError::TooManyDevices);
		assert_ok!(confirm(WATCH, PATIENT));
		assert_noop!(name_device(PATIENT, STRANGER, b"w"), RError::TooManyDevices);
		// An active device cannot be named by anyone any more.
		assert_noop!(name_device(PARENT, WATCH, b"w"), RError::DeviceExists);
		let free = Balances::free_balance(PARENT);
		assert_ok!(Balances::transfer_allow_death(
			RuntimeOrigin::signed(PARENT),
			STRANGER,
			free - 1
		));
		assert_noop!(name_device(PARENT, PAUPER, b"w"), RError::InsufficientBalance);
		assert_invariants();
	});
}

#[test]
fn only_the_named_device_confirms_and_only_once() {
	new_test_ext().execute_with(|| {
		// Nothing pending.
		assert_noop!(confirm(WATCH, PATIENT), RError::NoPendingDevice);
		assert_ok!(name_device(PATIENT, WATCH, b""));
		assert_ok!(name_device(OTHER_PATIENT, WATCH, b""));
		// Another account cannot confirm for the device, nor the patient for it.
		assert_noop!(confirm(RING, PATIENT), RError::NoPendingDevice);
		assert_noop!(confirm(PATIENT, PATIENT), RError::NoPendingDevice);
		// The device confirms for the patient it chooses, not for one who did not name it.
		assert_noop!(confirm(WATCH, PARENT), RError::NoPendingDevice);
		assert_ok!(confirm(WATCH, OTHER_PATIENT));
		// A device belongs to one patient: the other request can no longer be confirmed,
		// and its patient gets the deposit back by cancelling.
		assert_noop!(confirm(WATCH, PATIENT), RError::DeviceExists);
		assert_noop!(confirm(WATCH, OTHER_PATIENT), RError::NoPendingDevice);
		assert_ok!(Records::cancel_device(RuntimeOrigin::signed(PATIENT), WATCH));
		assert_eq!(held(PATIENT), PATIENT_DEPOSIT);
		assert_invariants();
	});
}

#[test]
fn a_stranger_naming_an_account_cannot_stop_it_becoming_a_patient() {
	new_test_ext().execute_with(|| {
		// Patient A names account X (STRANGER) as a device without X's consent.
		assert_ok!(name_device(PATIENT, STRANGER, b""));
		// X registers as a patient all the same.
		assert_ok!(Records::register_patient(RuntimeOrigin::signed(STRANGER), [0x44; 32]));
		// Now X is a patient, it cannot confirm, nor be named again, by anyone.
		assert_noop!(confirm(STRANGER, PATIENT), RError::DeviceIsPatient);
		assert_noop!(name_device(OTHER_PATIENT, STRANGER, b""), RError::DeviceIsPatient);
		// A's request stays until A cancels it; it blocks nothing.
		assert_eq!(pending_of(PATIENT), vec![STRANGER]);
		assert_ok!(Records::cancel_device(RuntimeOrigin::signed(PATIENT), STRANGER));
		assert_invariants();
	});
}

#[test]
fn an_active_device_never_becomes_a_patient_until_removed() {
	new_test_ext().execute_with(|| {
		add_device(PATIENT, WATCH);
		assert_noop!(
			Records::register_patient(RuntimeOrigin::signed(WATCH), [0x44; 32]),
			RError::DeviceIsPatient
		);
		assert_ok!(Records::retire_device(RuntimeOrigin::signed(PATIENT), WATCH));
		assert_noop!(
			Records::register_patient(RuntimeOrigin::signed(WATCH), [0x44; 32]),
			RError::DeviceIsPatient
		);
		assert_ok!(Records::remove_device(RuntimeOrigin::signed(PATIENT), WATCH));
		assert_ok!(Records::register_patient(RuntimeOrigin::signed(WATCH), [0x44; 32]));
		assert_invariants();
	});
}

#[test]
fn the_patient_cancels_a_pending_registration() {
	new_test_ext().execute_with(|| {
		assert_ok!(name_device(PATIENT, WATCH, b""));
		assert_ok!(name_device(PATIENT, RING, b""));
		// Only the patient who named it; only a pending one.
		assert_noop!(
			Records::cancel_device(RuntimeOrigin::signed(OTHER_PATIENT), WATCH),
			RError::NoPendingDevice
		);
		assert_noop!(
			Records::cancel_device(RuntimeOrigin::signed(WATCH), WATCH),
			RError::NoPendingDevice
		);
		assert_ok!(Records::cancel_device(RuntimeOrigin::signed(PATIENT), WATCH));
		assert_eq!(last_event(), Event::DeviceRequestCancelled { device: WATCH, patient: PATIENT });
		assert_eq!(pending_of(PATIENT), vec![RING]);
		assert_eq!(held(PATIENT), PATIENT_DEPOSIT + DEVICE_DEPOSIT);
		// Cancelled: the device can no longer confirm; its place is free again.
		assert_noop!(confirm(WATCH, PATIENT), RError::NoPendingDevice);
		assert_ok!(confirm(RING, PATIENT));
		assert_noop!(
			Records::cancel_device(RuntimeOrigin::signed(PATIENT), RING),
			RError::NoPendingDevice
		);
		assert_ok!(name_device(PATIENT, WATCH, b""));
		assert_invariants();
	});
}

#[test]
fn a_retired_device_anchors_nothing_and_frees_its_place() {
	new_test_ext().execute_with(|| {
		add_device(PATIENT, WATCH);
		add_device(PATIENT, RING);
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
		// Its place is free for a new device; its account cannot come back while kept.
		assert_eq!(DevicesOf::<Test>::get(PATIENT).to_vec(), vec![RING]);
		add_device(PATIENT, PAUPER);
		assert_noop!(name_device(PATIENT, WATCH, b""), RError::DeviceExists);
		assert_eq!(held(PATIENT), PATIENT_DEPOSIT + 3 * DEVICE_DEPOSIT);
		assert_invariants();
	});
}

#[test]
fn a_removed_device_anchors_nothing_and_never_replays_a_sequence_number() {
	new_test_ext().execute_with(|| {
		add_device(PATIENT, WATCH);
		assert_ok!(anchor(WATCH, 7, 10, T0, T0 + 1));
		// Only a retired device, only by its patient.
		assert_noop!(
			Records::remove_device(RuntimeOrigin::signed(PATIENT), WATCH),
			RError::DeviceNotRetired
		);
		assert_ok!(Records::retire_device(RuntimeOrigin::signed(PATIENT), WATCH));
		assert_noop!(
			Records::remove_device(RuntimeOrigin::signed(OTHER_PATIENT), WATCH),
			RError::NotPermitted
		);
		assert_noop!(
			Records::remove_device(RuntimeOrigin::signed(WATCH), WATCH),
			RError::NotPermitted
		);
		assert_noop!(
			Records::remove_device(RuntimeOrigin::signed(PATIENT), RING),
			RError::UnknownDevice
		);
		assert_ok!(Records::remove_device(RuntimeOrigin::signed(PATIENT), WATCH));
		assert_eq!(last_event(), Event::DeviceRemoved { device: WATCH });
		assert!(!crate::Devices::<Test>::contains_key(WATCH));
		assert_eq!(held(PATIENT), PATIENT_DEPOSIT);
		assert_eq!(SpentSequence::<Test>::get(WATCH), Some(7));
		assert_noop!(anchor(WATCH, 8, 10, T0, T0 + 1), RError::UnknownDevice);
		assert_noop!(
			Records::remove_device(RuntimeOrigin::signed(PATIENT), WATCH),
			RError::UnknownDevice
		);
		assert_invariants();

		// Registered again (by another patient): numbers continue above the highest used.
		add_device(OTHER_PATIENT, WATCH);
		assert_noop!(anchor(WATCH, 1, 10, T0, T0 + 1), RError::SequenceNotIncreasing);
		assert_noop!(anchor(WATCH, 7, 10, T0, T0 + 1), RError::SequenceNotIncreasing);
		assert_ok!(anchor(WATCH, 8, 10, T0, T0 + 1));
		// Removed again without anchoring in between, the floor stays.
		assert_ok!(Records::retire_device(RuntimeOrigin::signed(OTHER_PATIENT), WATCH));
		assert_ok!(Records::remove_device(RuntimeOrigin::signed(OTHER_PATIENT), WATCH));
		assert_eq!(SpentSequence::<Test>::get(WATCH), Some(8));
		add_device(PATIENT, WATCH);
		assert_ok!(Records::retire_device(RuntimeOrigin::signed(PATIENT), WATCH));
		assert_ok!(Records::remove_device(RuntimeOrigin::signed(PATIENT), WATCH));
		assert_eq!(SpentSequence::<Test>::get(WATCH), Some(8));
		add_device(PATIENT, WATCH);
		assert_noop!(anchor(WATCH, 8, 10, T0, T0 + 1), RError::SequenceNotIncreasing);
		assert_ok!(anchor(WATCH, 9, 10, T0, T0 + 1));
		assert_invariants();
	});
}
