//! The records pallet in the runtime, wired to the consent and practitioners pallets: a
//! physician writes into a patient's history and reads through a key envelope only while the
//! consent and his licence hold, every read lands in the patient's disclosure log, and a
//! patient with no free balance shreds a record free of fees.

mod common;

use common::{externalities, signed, start_block};
use frame_support::traits::{
	fungible::{Inspect, InspectHold, Mutate},
	tokens::{Fortitude, Precision, Preservation},
};
use sp_keyring::Sr25519Keyring;
use telemed_primitives::{AccessAction, AccessBasis, DataCategory, PurposeOfUse};
use telemed_runtime::{
	Balances, Consent, Executive, Records, Runtime, RuntimeCall, EXISTENTIAL_DEPOSIT,
};

type RecordsCall = pallet_records::Call<Runtime>;

/// 2026-11-23T00:00:00Z: inside the demo licence's validity.
const NOW: u64 = 1_795_392_000_000;

fn ok(signer: Sr25519Keyring, call: RuntimeCall, nonce: u32) {
	assert_eq!(Executive::apply_extrinsic(signed(signer, call, nonce)), Ok(Ok(())));
}

/// Applies a valid transaction whose dispatch fails, and returns why.
fn refused(signer: Sr25519Keyring, call: RuntimeCall, nonce: u32) -> sp_runtime::DispatchError {
	match Executive::apply_extrinsic(signed(signer, call, nonce)) {
		Ok(Err(error)) => error,
		other => panic!("expected a valid transaction whose dispatch fails, got {other:?}"),
	}
}

fn add_lab_result(patient: &telemed_runtime::AccountId) -> RuntimeCall {
	RuntimeCall::Records(RecordsCall::add_record {
		patient: patient.clone(),
		resource_type: b"Observation".to_vec(),
		category: DataCategory::Laboratory,
		commitment: [1u8; 32],
		ciphertext_hash: [2u8; 32],
		ciphertext_size: 4_096,
		locator: b"ipfs://bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi".to_vec(),
		purpose: PurposeOfUse::Treatment,
	})
}

#[test]
fn the_demo_physician_writes_and_reads_only_while_consent_and_licence_hold() {
	externalities("development").execute_with(|| {
		start_block();
		pallet_timestamp::Now::<Runtime>::put(NOW);
		let charlie = Sr25519Keyring::Charlie.to_account_id();
		let bob = Sr25519Keyring::Bob.to_account_id();
		ok(
			Sr25519Keyring::Charlie,
			RuntimeCall::Records(RecordsCall::register_patient { key: [0xc1; 32] }),
			0,
		);

		// Without a consent Bob cannot add to Charlie's history.
		assert_eq!(
			refused(Sr25519Keyring::Bob, add_lab_result(&charlie), 0),
			pallet_records::Error::<Runtime>::NoConsent.into()
		);

		// Charlie consents to Bob reading and adding laboratory results for treatment.
		ok(
			Sr25519Keyring::Charlie,
			RuntimeCall::Consent(pallet_consent::Call::grant_consent {
				patient: charlie.clone(),
				grantee: bob.clone(),
				decision: pallet_consent::Decision::Permit,
				actions: vec![AccessAction::Read, AccessAction::Append].try_into().unwrap(),
				scope: pallet_consent::ScopeRequest::Categories(
					vec![DataCategory::Laboratory].try_into().unwrap(),
				),
				purposes: vec![PurposeOfUse::Treatment].try_into().unwrap(),
				start: None,
				end: None,
			}),
			1,
		);
		ok(Sr25519Keyring::Bob, add_lab_result(&charlie), 1);
		let record = 0;
		assert_eq!(
			pallet_records::Records::<Runtime>::get(record).map(|r| r.author),
			Some(bob.clone())
		);

		// Bob, the author, seals the data key to himself: to the key in his practitioner
		// profile.
		ok(
			Sr25519Keyring::Bob,
			RuntimeCall::Records(RecordsCall::add_envelope {
				record,
				grantee: bob.clone(),
				sealed: vec![7u8; 104],
				purpose: PurposeOfUse::Treatment,
			}),
			2,
		);
		let bob_key =
			pallet_practitioners::Practitioners::<Runtime>::get(&bob).map(|p| p.key_agreement_key);
		assert_eq!(Records::envelope_for(record, &bob).map(|e| e.sealed_to), bob_key);

		// Bob reads: the disclosure lands in Charlie's log.
		ok(Sr25519Keyring::Bob, RuntimeCall::Records(RecordsCall::access_record { record }), 3);
		let log = Consent::disclosures(&charlie, 0, 10);
		assert_eq!(log.len(), 1);
		assert_eq!(log[0].1.accessor, bob);
		assert_eq!(log[0].1.record, Some(record));
		assert_eq!(log[0].1.basis, AccessBasis::Consent(0));

		// Governance revokes Bob's licence: at once, no envelope from the API, no read.
		let licence = pallet_practitioners::Pallet::<Runtime>::licences_of(&bob)[0].id;
		let revoke_licence = RuntimeCall::Sudo(pallet_sudo::Call::sudo {
			call: Box::new(RuntimeCall::Practitioners(
				pallet_practitioners::Call::force_revoke_licence { id: licence, reason: [0u8; 32] },
			)),
		});
		ok(Sr25519Keyring::Alice, revoke_licence, 0);
		assert!(Records::envelope_for(record, &bob).is_none());
		assert_eq!(
			refused(
				Sr25519Keyring::Bob,
				RuntimeCall::Records(RecordsCall::access_record { record }),
				4
			),
			pallet_records::Error::<Runtime>::NotLicensed.into()
		);

		// Charlie revokes too: the refusal's reason is now the missing consent.
		ok(
			Sr25519Keyring::Charlie,
			RuntimeCall::Consent(pallet_consent::Call::revoke_consent { id: 0 }),
			2,
		);
		assert!(Records::envelope_for(record, &bob).is_none());
		assert_eq!(
			refused(
				Sr25519Keyring::Bob,
				RuntimeCall::Records(RecordsCall::access_record { record }),
				5
			),
			pallet_records::Error::<Runtime>::NoConsent.into()
		);
		assert_eq!(Consent::disclosures(&charlie, 0, 10).len(), 1);
	});
}

#[test]
fn a_patient_with_no_free_balance_shreds_a_record_for_free() {
	externalities("development").execute_with(|| {
		start_block();
		pallet_timestamp::Now::<Runtime>::put(NOW);
		let charlie = Sr25519Keyring::Charlie.to_account_id();
		ok(
			Sr25519Keyring::Charlie,
			RuntimeCall::Records(RecordsCall::register_patient { key: [0xc1; 32] }),
			0,
		);
		ok(Sr25519Keyring::Charlie, add_lab_result(&charlie), 1);
		ok(
			Sr25519Keyring::Charlie,
			RuntimeCall::Records(RecordsCall::add_envelope {
				record: 0,
				grantee: charlie.clone(),
				sealed: vec![7u8; 104],
				purpose: PurposeOfUse::Treatment,
			}),
			2,
		);
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
		let record = pallet_records::Records::<Runtime>::get(0).expect("the tombstone stays");
		assert!(record.is_shredded() && record.locator.is_empty());
		assert!(Records::envelope_for(0, &charlie).is_none());
		// The record's and the envelope's deposits came back; no fee was taken.
		let released = <Runtime as pallet_records::Config>::RecordDeposit::get()
			+ <Runtime as pallet_records::Config>::EnvelopeDeposit::get();
		assert_eq!(Balances::total_balance_on_hold(&charlie), held - released);
		assert_eq!(Balances::balance(&charlie), EXISTENTIAL_DEPOSIT + released);
	});
}
