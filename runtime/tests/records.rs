//! The records pallet in the runtime, wired to the consent and practitioners pallets: a
//! physician writes into a patient's history and reads through a key envelope only while the
//! consent and his licence hold, every read lands in the patient's disclosure log, and a
//! patient with no free balance shreds a record free of fees (every version keeps only its
//! commitment and the time). A consent scoped to a record covers its amendments; a revocation
//! or a deny removes the grantee's envelopes in the same call; a device is registered only when
//! it confirms, so naming an account as a device cannot stop it registering as a patient.

use crate::common::{
	charlie_consents, envelope_for, externalities, ok, refused, register_patient, start_block_at,
	sudo, RecordsCall, LAB_TAG, NOW,
};
use frame_support::traits::{
	fungible::{Inspect, InspectHold, Mutate},
	tokens::{Fortitude, Precision, Preservation},
};
use sp_keyring::Sr25519Keyring;
use telemed_primitives::{AccessAction, AccessBasis, DelegateScope, DisclosedData, PurposeOfUse};
use telemed_runtime::{Balances, Consent, Records, Runtime, RuntimeCall, EXISTENTIAL_DEPOSIT};

/// A valid X25519 key-agreement public key for tests (canonical, not of small order).
const PATIENT_KEY: [u8; 32] = [0x41; 32];

fn add_lab_result(patient: &telemed_runtime::AccountId) -> RuntimeCall {
	RuntimeCall::Records(RecordsCall::add_record {
		patient: patient.clone(),
		tag: LAB_TAG,
		commitment: [1u8; 32],
		ciphertext_hash: [2u8; 32],
		size_class: 12,
		locator: b"\x01 a locator sealed under the data key".to_vec().try_into().unwrap(),
		purpose: PurposeOfUse::Treatment,
	})
}

/// A live record version.
fn live(id: u64) -> Option<pallet_records::RecordOf<Runtime>> {
	pallet_records::Records::<Runtime>::get(id).and_then(pallet_records::RecordEntry::live)
}

#[test]
fn the_demo_physician_writes_and_reads_only_while_consent_and_licence_hold() {
	externalities("development").execute_with(|| {
		start_block_at(NOW);
		let charlie = Sr25519Keyring::Charlie.to_account_id();
		let bob = Sr25519Keyring::Bob.to_account_id();
		ok(Sr25519Keyring::Charlie, register_patient(PATIENT_KEY), 0);

		// Without a consent Bob cannot add to Charlie's history.
		assert_eq!(
			refused(Sr25519Keyring::Bob, add_lab_result(&charlie), 0),
			pallet_records::Error::<Runtime>::NoConsent.into()
		);

		// Charlie consents to Bob reading and adding laboratory results (their tag) for
		// treatment.
		ok(
			Sr25519Keyring::Charlie,
			RuntimeCall::Consent(pallet_consent::Call::grant_consent {
				patient: charlie.clone(),
				grantee: bob.clone(),
				decision: pallet_consent::Decision::Permit,
				actions: vec![AccessAction::Read, AccessAction::Append].try_into().unwrap(),
				scope: pallet_consent::ScopeRequest::Tags(vec![LAB_TAG].try_into().unwrap()),
				purposes: vec![PurposeOfUse::Treatment].try_into().unwrap(),
				start: None,
				end: None,
			}),
			1,
		);
		ok(Sr25519Keyring::Bob, add_lab_result(&charlie), 1);
		let record = 0;
		assert_eq!(live(record).map(|r| r.author), Some(bob.clone()));

		// Bob, the author, seals the data key to himself: to the key in his practitioner
		// profile.
		ok(Sr25519Keyring::Bob, envelope_for(record, &bob), 2);
		let bob_key =
			pallet_practitioners::Practitioners::<Runtime>::get(&bob).map(|p| p.key_agreement_key);
		assert_eq!(Records::envelope_for(record, &bob).map(|e| e.sealed_to), bob_key);

		// Bob reads: the disclosure lands in Charlie's log.
		ok(Sr25519Keyring::Bob, RuntimeCall::Records(RecordsCall::access_record { record }), 3);
		let log = Consent::disclosures(&charlie, 0, 10);
		assert_eq!(log.len(), 1);
		assert_eq!(log[0].1.accessor, bob);
		assert_eq!(log[0].1.data, DisclosedData::Record(record));
		assert_eq!(log[0].1.basis, AccessBasis::Consent(0));

		// Governance revokes Bob's licence: at once, no envelope from the API, no read. The
		// envelope stays in state until the records pallet's `on_idle` sweeps Bob's envelopes
		// (runtime/tests/licence_revocation.rs), at the end of the block.
		let licence = pallet_practitioners::Pallet::<Runtime>::licences_of(&bob)[0].id;
		let revoke_licence =
			sudo(RuntimeCall::Practitioners(pallet_practitioners::Call::force_revoke_licence {
				id: licence,
				reason: [0u8; 32],
			}));
		ok(Sr25519Keyring::Alice, revoke_licence, 0);
		assert!(Records::envelope_for(record, &bob).is_none());
		assert!(pallet_records::Envelopes::<Runtime>::get(record, &bob).is_some());
		assert_eq!(
			refused(
				Sr25519Keyring::Bob,
				RuntimeCall::Records(RecordsCall::access_record { record }),
				4
			),
			pallet_records::Error::<Runtime>::NotLicensed.into()
		);

		// Charlie revokes too: Bob's envelope goes from state in the same call, so there is
		// nothing left to read.
		ok(
			Sr25519Keyring::Charlie,
			RuntimeCall::Consent(pallet_consent::Call::revoke_consent { id: 0 }),
			2,
		);
		assert!(pallet_records::Envelopes::<Runtime>::get(record, &bob).is_none());
		assert!(pallet_records::EnvelopesOf::<Runtime>::get(&charlie, &bob).is_empty());
		assert_eq!(
			refused(
				Sr25519Keyring::Bob,
				RuntimeCall::Records(RecordsCall::access_record { record }),
				5
			),
			pallet_records::Error::<Runtime>::NoEnvelope.into()
		);
		assert_eq!(Consent::disclosures(&charlie, 0, 10).len(), 1);
	});
}

#[test]
fn a_patient_with_no_free_balance_shreds_a_record_for_free() {
	externalities("development").execute_with(|| {
		start_block_at(NOW);
		let charlie = Sr25519Keyring::Charlie.to_account_id();
		ok(Sr25519Keyring::Charlie, register_patient(PATIENT_KEY), 0);
		ok(Sr25519Keyring::Charlie, add_lab_result(&charlie), 1);
		ok(Sr25519Keyring::Charlie, envelope_for(0, &charlie), 2);
		let spendable =
			Balances::reducible_balance(&charlie, Preservation::Preserve, Fortitude::Polite);
		Balances::burn_from(
			&charlie,
			spendable,
			Preservation::Preserve,
			Precision::Exact,
			Fortitude::Polite,
		)
		.unwrap();
		let held = Balances::total_balance_on_hold(&charlie);

		ok(
			Sr25519Keyring::Charlie,
			RuntimeCall::Records(RecordsCall::shred_record { record: 0 }),
			3,
		);
		// The tombstone keeps the commitment and the time, nothing else.
		assert_eq!(
			pallet_records::Records::<Runtime>::get(0),
			Some(pallet_records::RecordEntry::Shredded { commitment: [1u8; 32], at: NOW })
		);
		assert!(pallet_records::TagPatients::<Runtime>::get(LAB_TAG).is_none());
		assert!(Records::envelope_for(0, &charlie).is_none());
		// The record's and the envelope's deposits came back; no fee was taken.
		let released = <Runtime as pallet_records::Config>::RecordDeposit::get()
			+ <Runtime as pallet_records::Config>::EnvelopeDeposit::get();
		assert_eq!(Balances::total_balance_on_hold(&charlie), held - released);
		assert_eq!(Balances::balance(&charlie), EXISTENTIAL_DEPOSIT + released);
	});
}

/// Charlie's consent to Bob for `actions` on record 0 (every version of it).
fn record_consent(decision: pallet_consent::Decision, actions: Vec<AccessAction>) -> RuntimeCall {
	charlie_consents(
		&Sr25519Keyring::Bob.to_account_id(),
		decision,
		actions,
		pallet_consent::ScopeRequest::Records(vec![0].try_into().unwrap()),
	)
}

#[test]
fn a_consent_naming_a_record_covers_its_amendments_permit_and_deny() {
	externalities("development").execute_with(|| {
		start_block_at(NOW);
		let charlie = Sr25519Keyring::Charlie.to_account_id();
		let bob = Sr25519Keyring::Bob.to_account_id();
		ok(Sr25519Keyring::Charlie, register_patient(PATIENT_KEY), 0);
		ok(Sr25519Keyring::Charlie, add_lab_result(&charlie), 1);
		// A permit naming record 0, its first version, to read and amend it.
		ok(
			Sr25519Keyring::Charlie,
			record_consent(
				pallet_consent::Decision::Permit,
				vec![AccessAction::Read, AccessAction::Amend],
			),
			2,
		);

		// Bob amends: version 1 of record 0.
		ok(
			Sr25519Keyring::Bob,
			RuntimeCall::Records(RecordsCall::amend_record {
				previous: 0,
				commitment: [3u8; 32],
				ciphertext_hash: [4u8; 32],
				size_class: 12,
				locator: b"\x01 the amended version's sealed locator".to_vec().try_into().unwrap(),
				purpose: PurposeOfUse::Treatment,
			}),
			0,
		);
		let amended = live(1).expect("the amendment");
		assert_eq!((amended.supersedes, amended.record, amended.tag), (Some(0), 0, LAB_TAG));
		assert_eq!(amended.kind, pallet_records::VersionKind::Amendment);

		// The permit naming the first version lets Bob read the amended one.
		ok(Sr25519Keyring::Bob, envelope_for(1, &bob), 1);
		ok(Sr25519Keyring::Bob, RuntimeCall::Records(RecordsCall::access_record { record: 1 }), 2);
		assert!(Records::envelope_for(1, &bob).is_some());
		let log = Consent::disclosures(&charlie, 0, 10);
		assert_eq!(log.last().map(|(_, d)| d.data), Some(DisclosedData::Record(1)));

		// A deny naming record 0 stops reads of the amended version too: granting it removes
		// Bob's envelope of version 1 in the same call.
		ok(
			Sr25519Keyring::Charlie,
			record_consent(pallet_consent::Decision::Deny, vec![AccessAction::Read]),
			3,
		);
		assert!(Records::envelope_for(1, &bob).is_none());
		assert!(pallet_records::Envelopes::<Runtime>::get(1, &bob).is_none());
		assert_eq!(
			refused(
				Sr25519Keyring::Bob,
				RuntimeCall::Records(RecordsCall::access_record { record: 1 }),
				3
			),
			pallet_records::Error::<Runtime>::NoEnvelope.into()
		);
		// Nor can an envelope be sealed to him again while the deny stands.
		assert_eq!(
			refused(Sr25519Keyring::Charlie, envelope_for(1, &bob), 4),
			pallet_records::Error::<Runtime>::ExplicitlyDenied.into()
		);
	});
}

#[test]
fn naming_an_account_as_a_device_cannot_stop_it_registering_as_a_patient() {
	externalities("development").execute_with(|| {
		start_block_at(NOW);
		let charlie = Sr25519Keyring::Charlie.to_account_id();
		let dave = Sr25519Keyring::Dave.to_account_id();
		let ferdie = Sr25519Keyring::Ferdie.to_account_id();
		let name = |device: &telemed_runtime::AccountId| {
			RuntimeCall::Records(RecordsCall::register_device {
				device: device.clone(),
				// A hash of the label; the label stays off chain.
				label: sp_io::hashing::blake2_256(b"watch"),
			})
		};
		let confirm =
			RuntimeCall::Records(RecordsCall::confirm_device { patient: charlie.clone() });
		ok(Sr25519Keyring::Charlie, register_patient(PATIENT_KEY), 0);

		// Charlie names Dave's account as a device, without Dave.
		ok(Sr25519Keyring::Charlie, name(&dave), 1);
		// Dave registers as a patient all the same, and can then no longer be a device.
		ok(Sr25519Keyring::Dave, register_patient(PATIENT_KEY), 0);
		assert_eq!(
			refused(Sr25519Keyring::Dave, confirm.clone(), 1),
			pallet_records::Error::<Runtime>::DeviceIsPatient.into()
		);
		// Charlie cancels; the deposit comes back.
		let held = Balances::total_balance_on_hold(&charlie);
		ok(
			Sr25519Keyring::Charlie,
			RuntimeCall::Records(RecordsCall::cancel_device { device: dave.clone() }),
			2,
		);
		let deposit = <Runtime as pallet_records::Config>::DeviceDeposit::get();
		assert_eq!(Balances::total_balance_on_hold(&charlie), held - deposit);

		// Ferdie's watch consents: it confirms, anchors, and is no patient.
		ok(Sr25519Keyring::Charlie, name(&ferdie), 3);
		assert_eq!(
			refused(
				Sr25519Keyring::Ferdie,
				RuntimeCall::Records(RecordsCall::anchor_batch {
					seq: 1,
					root: [9u8; 32],
					samples: 10,
					from: NOW - 1_000,
					to: NOW,
				}),
				0
			),
			pallet_records::Error::<Runtime>::UnknownDevice.into()
		);
		ok(Sr25519Keyring::Ferdie, confirm, 1);
		ok(
			Sr25519Keyring::Ferdie,
			RuntimeCall::Records(RecordsCall::anchor_batch {
				seq: 1,
				root: [9u8; 32],
				samples: 10,
				from: NOW - 1_000,
				to: NOW,
			}),
			2,
		);
		assert_eq!(
			refused(Sr25519Keyring::Ferdie, register_patient(PATIENT_KEY), 3),
			pallet_records::Error::<Runtime>::DeviceIsPatient.into()
		);
	});
}

#[test]
fn a_delegate_with_access_records_alone_cannot_shred() {
	externalities("development").execute_with(|| {
		start_block_at(NOW);
		let charlie = Sr25519Keyring::Charlie.to_account_id();
		let dave = Sr25519Keyring::Dave.to_account_id();
		ok(Sr25519Keyring::Charlie, register_patient(PATIENT_KEY), 0);
		ok(Sr25519Keyring::Charlie, add_lab_result(&charlie), 1);
		ok(
			Sr25519Keyring::Charlie,
			RuntimeCall::Consent(pallet_consent::Call::add_delegate {
				delegate: dave.clone(),
				scopes: vec![DelegateScope::AccessRecords].try_into().unwrap(),
				until: None,
			}),
			2,
		);
		assert_eq!(
			refused(
				Sr25519Keyring::Dave,
				RuntimeCall::Records(RecordsCall::shred_record { record: 0 }),
				0
			),
			pallet_records::Error::<Runtime>::NotPermitted.into()
		);
		assert!(!pallet_records::Records::<Runtime>::get(0).is_some_and(|r| r.is_shredded()));
	});
}
