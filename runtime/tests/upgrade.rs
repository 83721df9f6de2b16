//! The runtime upgrade from the layouts before consent's (patient, grantee) index and the
//! practitioners' summary of active licences, through `Executive` and the runtime's
//! `Migrations`: consent's version 3 prunes envelopes through `check_access`, which reads both,
//! so both must exist before it prunes. A licensed practitioner holding a permit of a category
//! (which ends at the upgrade) and a permit of all data keeps the envelope the second covers.
//! And the upgrade from the records' lists of version ids alone (storage version 5): after it,
//! a consent names an amended record by its newer version.

use crate::common::{
	charlie_consents, envelope_for, externalities, ok, refused, register_patient, start_block_at,
	RecordsCall, LAB_TAG, NOW,
};
use frame_support::traits::{fungible::InspectHold, GetStorageVersion, StorageVersion};
use pallet_consent::migrations::old::v2;
use sp_keyring::Sr25519Keyring;
use telemed_primitives::{AccessAction, AccessBasis, PurposeOfUse};
use telemed_runtime::{
	Balances, Consent, Executive, Practitioners, Records, Runtime, RuntimeCall, RuntimeHoldReason,
};

/// A valid X25519 key-agreement public key for tests (canonical, not of small order).
const PATIENT_KEY: [u8; 32] = [0x41; 32];

/// Laboratory, by its index in version 2's list of categories.
const LABORATORY: u8 = 5;

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

fn consent_deposits(who: &telemed_runtime::AccountId) -> telemed_runtime::Balance {
	Balances::balance_on_hold(
		&RuntimeHoldReason::Consent(pallet_consent::HoldReason::ConsentDeposit),
		who,
	)
}

/// Rewrites consent `id` as consent's storage version 2 stored it: a permit of tags becomes a
/// permit of the laboratory category, any other scope stays.
fn put_v2_consent(id: u64) {
	let c = pallet_consent::Consents::<Runtime>::get(id).expect("granted");
	let scope = match c.scope {
		pallet_consent::ConsentScope::AllData => v2::ConsentScope::AllData,
		pallet_consent::ConsentScope::Records(records) => v2::ConsentScope::Records(records),
		pallet_consent::ConsentScope::Tags(_) => {
			v2::ConsentScope::Categories(vec![LABORATORY].try_into().unwrap())
		},
	};
	v2::Consents::<Runtime>::insert(
		id,
		v2::Consent {
			patient: c.patient,
			grantee: c.grantee,
			grantee_kind: c.grantee_kind,
			decision: c.decision,
			actions: c.actions,
			scope,
			purposes: c.purposes,
			start: c.start,
			end: c.end,
			status: c.status,
			granted_by: c.granted_by,
			depositor: c.depositor,
			deposit: c.deposit,
			granted_at: c.granted_at,
		},
	);
}

/// A block at `NOW` in which Charlie registers as a patient (his nonce 0); Charlie and Bob
/// (a licensed physician in the development preset).
fn charlie_registered() -> (telemed_runtime::AccountId, telemed_runtime::AccountId) {
	start_block_at(NOW);
	ok(Sr25519Keyring::Charlie, register_patient(PATIENT_KEY), 0);
	(Sr25519Keyring::Charlie.to_account_id(), Sr25519Keyring::Bob.to_account_id())
}

#[test]
fn the_upgrade_keeps_an_envelope_another_permit_covers() {
	externalities("development").execute_with(|| {
		let (charlie, bob) = charlie_registered();
		// Charlie permits Bob, a licensed physician, to read and add laboratory results
		// (consent 0, a category before the upgrade) and to read all of his data (consent 1),
		// both for treatment.
		ok(
			Sr25519Keyring::Charlie,
			charlie_consents(
				&bob,
				pallet_consent::Decision::Permit,
				vec![AccessAction::Read, AccessAction::Append],
				pallet_consent::ScopeRequest::Tags(vec![LAB_TAG].try_into().unwrap()),
			),
			1,
		);
		ok(
			Sr25519Keyring::Charlie,
			charlie_consents(
				&bob,
				pallet_consent::Decision::Permit,
				vec![AccessAction::Read],
				pallet_consent::ScopeRequest::AllData,
			),
			2,
		);
		ok(Sr25519Keyring::Bob, add_lab_result(&charlie), 0);
		let record = 0;
		ok(Sr25519Keyring::Bob, envelope_for(record, &bob), 1);
		let category_deposit = pallet_consent::Consents::<Runtime>::get(0).unwrap().deposit;
		let deposits = consent_deposits(&charlie);

		// The state as the previous release left it: consent at storage version 2 (consent 0 a
		// permit of a category), no (patient, grantee) index; practitioners at version 1, no
		// summary of active licences, no table of accreditations. Nothing was ever disclosed (version 2's log would need
		// rewriting too).
		assert_eq!(pallet_consent::DisclosureRing::<Runtime>::iter().count(), 0);
		assert_eq!(pallet_consent::EmergencyAccesses::<Runtime>::iter().count(), 0);
		put_v2_consent(0);
		put_v2_consent(1);
		let _ = pallet_consent::ConsentsByGrantee::<Runtime>::clear(u32::MAX, None);
		assert!(pallet_practitioners::ActiveLicences::<Runtime>::contains_key(&bob));
		let _ = pallet_practitioners::ActiveLicences::<Runtime>::clear(u32::MAX, None);
		assert!(!pallet_practitioners::Accreditations::<Runtime>::get().is_empty());
		pallet_practitioners::Accreditations::<Runtime>::kill();
		StorageVersion::new(2).put::<Consent>();
		StorageVersion::new(1).put::<Practitioners>();

		Executive::execute_on_runtime_upgrade();

		assert_eq!(Consent::on_chain_storage_version(), StorageVersion::new(6));
		assert_eq!(Practitioners::on_chain_storage_version(), StorageVersion::new(3));
		assert!(pallet_practitioners::ActiveLicences::<Runtime>::contains_key(&bob));
		assert!(!pallet_practitioners::Accreditations::<Runtime>::get().is_empty());
		// The permit of a category ended, its deposit back; the permit of all data stays,
		// indexed.
		assert!(pallet_consent::Consents::<Runtime>::get(0).is_none());
		assert!(pallet_consent::Consents::<Runtime>::get(1).is_some());
		assert_eq!(consent_deposits(&charlie), deposits - category_deposit);
		let indexed = pallet_consent::ConsentsByGrantee::<Runtime>::get(&charlie, &bob);
		let kept = pallet_consent::Consents::<Runtime>::get(1).unwrap();
		assert_eq!(indexed.to_vec(), vec![kept.provision(1)]);
		// Bob's envelope survived the pruning: the permit of all data covers it.
		assert!(pallet_records::Envelopes::<Runtime>::get(record, &bob).is_some());
		assert!(Records::envelope_for(record, &bob).is_some());
		ok(Sr25519Keyring::Bob, RuntimeCall::Records(RecordsCall::access_record { record }), 2);
		let log = Consent::disclosures(&charlie, 0, 10);
		assert_eq!(log.len(), 1);
		assert_eq!(log[0].1.basis, AccessBasis::Consent(1));
	});
}

#[test]
fn after_the_upgrade_a_consent_names_an_amended_record_by_any_version() {
	externalities("development").execute_with(|| {
		let (charlie, bob) = charlie_registered();
		// Charlie adds a laboratory result (version 0) and amends it (version 1).
		ok(Sr25519Keyring::Charlie, add_lab_result(&charlie), 1);
		ok(
			Sr25519Keyring::Charlie,
			RuntimeCall::Records(RecordsCall::amend_record {
				previous: 0,
				commitment: [3u8; 32],
				ciphertext_hash: [4u8; 32],
				size_class: 12,
				locator: b"\x01 another sealed locator".to_vec().try_into().unwrap(),
				purpose: PurposeOfUse::Treatment,
			}),
			2,
		);

		// The state as the previous release left it: the records pallet at storage version 5,
		// each patient's list holding version ids alone.
		pallet_records::migrations::old::v5::RecordsOf::<Runtime>::insert(
			&charlie,
			frame_support::BoundedVec::truncate_from(vec![0, 1]),
		);
		StorageVersion::new(5).put::<Records>();

		Executive::execute_on_runtime_upgrade();

		assert_eq!(Records::on_chain_storage_version(), StorageVersion::new(6));
		let listed = |id, record| pallet_records::ListedVersion { id, record };
		assert_eq!(
			pallet_records::RecordsOf::<Runtime>::get(&charlie).into_inner(),
			vec![listed(0, 0), listed(1, 0)]
		);
		// A permit naming the newer version is stored by the record's identity.
		let by_newer = charlie_consents(
			&bob,
			pallet_consent::Decision::Permit,
			vec![AccessAction::Read],
			pallet_consent::ScopeRequest::Records(vec![1].try_into().unwrap()),
		);
		ok(Sr25519Keyring::Charlie, by_newer, 3);
		assert_eq!(
			pallet_consent::Consents::<Runtime>::get(0).map(|c| c.scope),
			Some(pallet_consent::ConsentScope::Records(vec![0].try_into().unwrap()))
		);
		// A version that does not exist is refused, with nothing written.
		let unknown = charlie_consents(
			&bob,
			pallet_consent::Decision::Permit,
			vec![AccessAction::Read],
			pallet_consent::ScopeRequest::Records(vec![0, 2].try_into().unwrap()),
		);
		assert_eq!(
			refused(Sr25519Keyring::Charlie, unknown, 4),
			pallet_consent::Error::<Runtime>::UnknownRecord.into()
		);
		assert!(pallet_consent::Consents::<Runtime>::get(1).is_none());
		pallet_records::Pallet::<Runtime>::do_try_state().expect("records invariants");
	});
}
