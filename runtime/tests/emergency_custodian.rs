//! The emergency custodian in the runtime, wired to the consent and practitioners pallets: a
//! patient appoints an emergency key service's account and seals a record's key to it; when a
//! licensed practitioner endorsed for emergency care breaks the glass, the service seals that
//! key to the practitioner, who reads the record; the release is in the patient's disclosure
//! log on the emergency's basis (what the break-glass review looks at). The custodian reads
//! nothing itself, releases nothing outside an open emergency, and its envelope is held while
//! the appointment lasts; the practitioner's envelope goes to anyone once the access expired.
//! Custody is a property of the envelope (purpose `EmergencyTreatment`): a GP who is also the
//! custodian loses his consent envelopes when the consent is revoked.

use crate::common::{
	charlie_consents, envelope_for, externalities, ok_next, refused_next, register_patient,
	set_now, start_block_at, RecordsCall, HOUR, NOW,
};
use sp_keyring::Sr25519Keyring::{Bob, Charlie, Dave, Ferdie};
use telemed_primitives::{
	AccessAction, AccessBasis, DelegateScope, DisclosedData, PurposeOfUse, Tag,
};
use telemed_runtime::{configs::EnvelopeDeposit, Balances, Consent, Runtime, RuntimeCall};

/// Charlie's blinded tag for his allergies (a test value: any 32 bytes).
const ALLERGIES: Tag = [0x3c; 32];

type RError = pallet_records::Error<Runtime>;

fn add_record(patient: &telemed_runtime::AccountId) -> RuntimeCall {
	RuntimeCall::Records(RecordsCall::add_record {
		patient: patient.clone(),
		tag: ALLERGIES,
		commitment: [1u8; 32],
		ciphertext_hash: [2u8; 32],
		size_class: 12,
		locator: b"\x01 a locator sealed under the data key".to_vec().try_into().unwrap(),
		purpose: PurposeOfUse::Treatment,
	})
}

/// `record`'s data key sealed to `grantee` (opaque bytes to the chain), for emergency
/// treatment.
fn seal(record: u64, grantee: &telemed_runtime::AccountId, byte: u8) -> RuntimeCall {
	RuntimeCall::Records(RecordsCall::add_envelope {
		record,
		grantee: grantee.clone(),
		sealed: vec![byte; 104].try_into().unwrap(),
		purpose: PurposeOfUse::EmergencyTreatment,
	})
}

/// Appoints `delegate` the caller's emergency custodian.
fn appoint(delegate: &telemed_runtime::AccountId) -> RuntimeCall {
	RuntimeCall::Consent(pallet_consent::Call::add_delegate {
		delegate: delegate.clone(),
		scopes: vec![DelegateScope::EmergencyCustodian].try_into().unwrap(),
		until: None,
	})
}

fn remove_envelope(record: u64, grantee: &telemed_runtime::AccountId) -> RuntimeCall {
	RuntimeCall::Records(RecordsCall::remove_envelope { record, grantee: grantee.clone() })
}

#[test]
fn the_custodian_releases_a_key_to_the_practitioner_who_broke_the_glass() {
	externalities("development").execute_with(|| {
		start_block_at(NOW);
		let charlie = Charlie.to_account_id();
		let bob = Bob.to_account_id();
		let dave = Dave.to_account_id();
		let envelope = |grantee: &telemed_runtime::AccountId| {
			pallet_records::Envelopes::<Runtime>::get(0, grantee)
		};

		// Charlie registers; Dave, the key service, registers a key-agreement key of its own
		// (as any grantee without a practitioner key) and is appointed custodian.
		ok_next(Charlie, register_patient([0x41; 32]));
		ok_next(Dave, register_patient([0x44; 32]));
		ok_next(Charlie, appoint(&dave));
		ok_next(Charlie, add_record(&charlie));
		let record = 0;
		ok_next(Charlie, seal(record, &dave, 0xd1));
		assert_eq!(envelope(&dave).map(|e| e.sealed_to), Some([0x44; 32]));

		// The custodian reads nothing, and releases nothing while no emergency is open.
		assert_eq!(
			refused_next(Dave, RuntimeCall::Records(RecordsCall::access_record { record })),
			RError::NoConsent.into()
		);
		let before = Balances::free_balance(&dave);
		assert_eq!(refused_next(Dave, seal(record, &bob, 0xb0)), RError::NotPermitted.into());
		assert!(Balances::free_balance(&dave) < before, "a refused release pays its fee");

		// Bob, licensed and endorsed for emergency care, breaks the glass.
		ok_next(
			Bob,
			RuntimeCall::Consent(pallet_consent::Call::open_emergency_access {
				patient: charlie.clone(),
				statement: [0x5a; 32],
			}),
		);
		let emergency = 0;
		assert!(pallet_consent::EmergencyAccesses::<Runtime>::get(emergency).is_some());

		// The service seals the key to Bob: it pays the deposit and no fee (a refused release
		// above paid one); Bob reads through the chain.
		let free = || Balances::free_balance(&dave);
		let before = free();
		ok_next(Dave, seal(record, &bob, 0xb0));
		assert_eq!(before - free(), EnvelopeDeposit::get());
		let given = envelope(&bob).expect("Bob's envelope");
		assert_eq!((given.depositor, given.sealed.to_vec()), (dave.clone(), vec![0xb0; 104]));
		assert_eq!(
			pallet_records::Pallet::<Runtime>::envelope_for(record, &bob).map(|e| e.purpose),
			Some(PurposeOfUse::EmergencyTreatment)
		);
		ok_next(Bob, RuntimeCall::Records(RecordsCall::access_record { record }));

		// The patient's log shows, on the emergency's basis: the opening, the release, the
		// read. The review of emergency 0 finds them by that basis.
		let reviewed: Vec<_> = Consent::disclosures(&charlie, 0, 256)
			.into_iter()
			.map(|(_, d)| d)
			.filter(|d| d.basis == AccessBasis::Emergency(emergency))
			.map(|d| (d.accessor, d.data, d.action, d.purpose))
			.collect();
		let treat = PurposeOfUse::EmergencyTreatment;
		assert_eq!(
			reviewed,
			vec![
				(bob.clone(), DisclosedData::AllData, AccessAction::Read, treat),
				(bob.clone(), DisclosedData::Record(record), AccessAction::Read, treat),
				(bob.clone(), DisclosedData::Record(record), AccessAction::Read, treat),
			]
		);
		assert_eq!(Consent::pending_reviews(&charlie).len(), 1);

		// The custodian's envelope is held while it is custodian: not for strangers.
		assert_eq!(
			refused_next(Ferdie, remove_envelope(record, &dave)),
			RError::StillHasAccess.into()
		);
		assert_eq!(
			refused_next(Ferdie, remove_envelope(record, &bob)),
			RError::StillHasAccess.into()
		);

		// The access expires: no more release, no more read, and Bob's envelope goes to anyone.
		set_now(NOW + 4 * HOUR);
		assert_eq!(
			refused_next(Bob, RuntimeCall::Records(RecordsCall::access_record { record })),
			RError::NoConsent.into()
		);
		ok_next(Ferdie, remove_envelope(record, &bob));
		assert!(envelope(&bob).is_none());
		assert_eq!(refused_next(Dave, seal(record, &bob, 0xb1)), RError::NotPermitted.into());

		// Charlie ends the appointment: the custodian's envelope goes in the same call.
		assert!(envelope(&dave).is_some());
		ok_next(
			Charlie,
			RuntimeCall::Consent(pallet_consent::Call::remove_delegate {
				patient: charlie.clone(),
				delegate: dave.clone(),
			}),
		);
		assert!(envelope(&dave).is_none());
		assert!(pallet_records::EnvelopesOf::<Runtime>::get(&charlie, &dave).is_empty());
	});
}

#[test]
fn a_custodian_of_another_patient_or_a_removed_one_releases_nothing() {
	externalities("development").execute_with(|| {
		start_block_at(NOW);
		let charlie = Charlie.to_account_id();
		let bob = Bob.to_account_id();
		let dave = Dave.to_account_id();
		ok_next(Charlie, register_patient([0x41; 32]));
		ok_next(Dave, register_patient([0x44; 32]));
		ok_next(Charlie, appoint(&dave));
		ok_next(Charlie, add_record(&charlie));
		ok_next(Charlie, seal(0, &dave, 0xd1));
		ok_next(
			Bob,
			RuntimeCall::Consent(pallet_consent::Call::open_emergency_access {
				patient: charlie.clone(),
				statement: [0x5a; 32],
			}),
		);
		// Dave resigns, then is appointed by Ferdie only: nothing of Charlie's to release
		// (resigning took his envelope with it).
		ok_next(
			Dave,
			RuntimeCall::Consent(pallet_consent::Call::remove_delegate {
				patient: charlie.clone(),
				delegate: dave.clone(),
			}),
		);
		assert!(pallet_records::Envelopes::<Runtime>::get(0, &dave).is_none());
		ok_next(Ferdie, appoint(&dave));
		assert_eq!(refused_next(Dave, seal(0, &bob, 0xb0)), RError::NotPermitted.into());
		// Appointed by Charlie again and given the key again, he may.
		ok_next(Charlie, appoint(&dave));
		ok_next(Charlie, seal(0, &dave, 0xd2));
		ok_next(Dave, seal(0, &bob, 0xb0));
	});
}

#[test]
fn a_practitioner_custodian_loses_its_consent_envelopes_at_revocation() {
	externalities("development").execute_with(|| {
		start_block_at(NOW);
		let charlie = Charlie.to_account_id();
		let bob = Bob.to_account_id();
		// Bob is Charlie's GP (a consent to read for treatment) and his emergency custodian.
		ok_next(Charlie, register_patient([0x41; 32]));
		let consent = pallet_consent::NextConsentId::<Runtime>::get();
		ok_next(
			Charlie,
			charlie_consents(
				&bob,
				pallet_consent::Decision::Permit,
				vec![AccessAction::Read],
				pallet_consent::ScopeRequest::AllData,
			),
		);
		ok_next(Charlie, appoint(&bob));
		ok_next(Charlie, add_record(&charlie));
		ok_next(Charlie, add_record(&charlie));
		let (note, custody) = (0, 1);
		// One envelope under the consent (treatment), one custody envelope.
		ok_next(Charlie, envelope_for(note, &bob));
		ok_next(Charlie, seal(custody, &bob, 0xd1));
		// The revocation prunes the consent's envelope in the same call; the custody one stays.
		ok_next(
			Charlie,
			RuntimeCall::Consent(pallet_consent::Call::revoke_consent { id: consent }),
		);
		assert!(pallet_records::Envelopes::<Runtime>::get(note, &bob).is_none());
		assert!(pallet_records::Envelopes::<Runtime>::get(custody, &bob).is_some());
		assert_eq!(
			pallet_records::EnvelopesOf::<Runtime>::get(&charlie, &bob).to_vec(),
			vec![custody]
		);
	});
}
