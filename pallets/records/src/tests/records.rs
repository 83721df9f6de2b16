//! Adding and amending records: who may write, what is checked, version chains.

use super::*;
use crate::{RecordStatus, RecordsOf};
use frame_support::assert_noop;
use telemed_primitives::DelegateScope;
use telemed_primitives::{AccessAction, RecordInspector, RecordSubject};

#[test]
fn the_patient_adds_a_record_and_pays_its_deposit() {
	new_test_ext().execute_with(|| {
		let id = NewRecord::by(PATIENT).add();
		assert_eq!(
			last_event(),
			Event::RecordAdded {
				id,
				patient: PATIENT,
				author: PATIENT,
				category: DataCategory::Laboratory
			}
		);
		let record = crate::Records::<Test>::get(id).expect("stored");
		assert_eq!(record.record, id, "a first version is its record's identity");
		assert_eq!(record.resource_type.to_vec(), b"Observation".to_vec());
		assert_eq!((record.commitment, record.ciphertext_hash), ([1u8; 32], [2u8; 32]));
		assert_eq!(
			(record.ciphertext_size, record.locator.to_vec()),
			(1_234, b"ipfs://bafy1".to_vec())
		);
		assert_eq!(
			(record.version, record.supersedes, record.status),
			(1, None, RecordStatus::Current)
		);
		assert_eq!((record.created_at, record.deposit), (T0, RECORD_DEPOSIT));
		assert_eq!(held(PATIENT), PATIENT_DEPOSIT + RECORD_DEPOSIT);
		assert_eq!(RecordsOf::<Test>::get(PATIENT).to_vec(), vec![id]);
		assert_eq!(
			Records::record_subject(id),
			Some(RecordSubject {
				patient: PATIENT,
				category: DataCategory::Laboratory,
				record: id
			})
		);
		assert_invariants();
	});
}

#[test]
fn a_practitioner_needs_a_licence_and_an_append_consent() {
	new_test_ext().execute_with(|| {
		// No consent.
		assert_noop!(NewRecord::by(DOC).call(), RError::NoConsent);
		// A consent to read is not one to append.
		MockConsent::permit(DOC, PATIENT, AccessAction::Read, PurposeOfUse::Treatment, None);
		assert_noop!(NewRecord::by(DOC).call(), RError::NoConsent);
		// An append consent for another category does not cover this one.
		MockConsent::permit(
			DOC,
			PATIENT,
			AccessAction::Append,
			PurposeOfUse::Treatment,
			Some(DataCategory::Imaging),
		);
		assert_noop!(NewRecord::by(DOC).call(), RError::NoConsent);
		// A deny overrides.
		MockConsent::deny(NURSE, PATIENT, AccessAction::Append, PurposeOfUse::Treatment);
		MockConsent::permit(NURSE, PATIENT, AccessAction::Append, PurposeOfUse::Treatment, None);
		assert_noop!(NewRecord::by(NURSE).call(), RError::ExplicitlyDenied);
		// A practitioner whose licence lapsed gets nowhere, consent or not.
		MockConsent::permit(LAPSED, PATIENT, AccessAction::Append, PurposeOfUse::Treatment, None);
		assert_noop!(NewRecord::by(LAPSED).call(), RError::NotLicensed);
		// Nor does an unlicensed account with a consent (an organisation).
		MockConsent::permit(STRANGER, PATIENT, AccessAction::Append, PurposeOfUse::Treatment, None);
		assert_noop!(NewRecord::by(STRANGER).call(), RError::NotLicensed);
		// With the consent, the licensed physician adds it and pays the deposit.
		MockConsent::permit(DOC, PATIENT, AccessAction::Append, PurposeOfUse::Treatment, None);
		let id = NewRecord::by(DOC).add();
		assert_eq!(crate::Records::<Test>::get(id).map(|r| r.author), Some(DOC));
		assert_eq!(held(DOC), RECORD_DEPOSIT);
		assert_invariants();
	});
}

#[test]
fn a_delegate_writes_as_the_patient() {
	new_test_ext().execute_with(|| {
		assert_noop!(NewRecord::by(PARENT).call(), RError::NotLicensed);
		MockConsent::delegate(PATIENT, PARENT, DelegateScope::AccessRecords);
		let id = NewRecord::by(PARENT).add();
		assert_ok!(amend(PARENT, id));
		assert_eq!(held(PARENT), PATIENT_DEPOSIT + 2 * RECORD_DEPOSIT);
		assert_invariants();
	});
}

#[test]
fn bad_record_input_is_refused() {
	new_test_ext().execute_with(|| {
		let base = NewRecord::by(PATIENT);
		let unknown = NewRecord { patient: STRANGER, ..base.clone() };
		assert_noop!(unknown.call(), RError::UnknownPatient);
		let empty_type = NewRecord { resource_type: vec![], ..base.clone() };
		assert_noop!(empty_type.call(), RError::BadResourceType);
		let odd_type = NewRecord { resource_type: b"Observation/1".to_vec(), ..base.clone() };
		assert_noop!(odd_type.call(), RError::BadResourceType);
		let empty = NewRecord { size: 0, ..base.clone() };
		assert_noop!(empty.call(), RError::EmptyCiphertext);
		let no_locator = NewRecord { locator: vec![], ..base.clone() };
		assert_noop!(no_locator.call(), RError::EmptyLocator);
		// The longest pass (longer ones fail to decode: see `bounds`).
		let longest = NewRecord {
			locator: vec![b'x'; MAX_LOCATOR as usize],
			resource_type: vec![b'A'; 20],
			..base
		};
		assert_ok!(longest.call());
		assert_invariants();
	});
}

#[test]
fn a_patient_has_at_most_max_records_and_deposits_must_be_affordable() {
	new_test_ext().execute_with(|| {
		for _ in 0..MAX_RECORDS {
			NewRecord::by(PATIENT).add();
		}
		assert_noop!(NewRecord::by(PATIENT).call(), RError::TooManyRecords);
		// An author who cannot pay the deposit.
		MockConsent::permit(
			NURSE,
			OTHER_PATIENT,
			AccessAction::Append,
			PurposeOfUse::Treatment,
			None,
		);
		assert_ok!(Balances::transfer_allow_death(RuntimeOrigin::signed(NURSE), STRANGER, 995));
		let by_nurse = NewRecord { patient: OTHER_PATIENT, ..NewRecord::by(NURSE) };
		assert_noop!(by_nurse.call(), RError::InsufficientBalance);
		assert_invariants();
	});
}

#[test]
fn amending_adds_a_version_and_keeps_the_old_one() {
	new_test_ext().execute_with(|| {
		let first = NewRecord::by(PATIENT).add();
		set_now(T0 + 1_000);
		assert_ok!(amend(PATIENT, first));
		let second = first + 1;
		assert_eq!(
			last_event(),
			Event::RecordAmended { id: second, previous: first, author: PATIENT }
		);
		let old = crate::Records::<Test>::get(first).unwrap();
		assert_eq!(old.status, RecordStatus::Superseded { by: second, at: T0 + 1_000 });
		assert_eq!(old.locator.to_vec(), b"ipfs://bafy1".to_vec());
		let new = crate::Records::<Test>::get(second).unwrap();
		assert_eq!(
			(new.version, new.supersedes, new.status),
			(2, Some(first), RecordStatus::Current)
		);
		// Every version carries the record's identity, the first version's id.
		assert_eq!((old.record, new.record), (first, first));
		assert_eq!(Records::record_subject(second).map(|s| s.record), Some(first));
		assert_eq!((new.resource_type.clone(), new.category), (old.resource_type, old.category));
		assert_eq!(new.ciphertext_size, 2_000);
		let chain: Vec<RecordId> =
			Records::version_chain(first).into_iter().map(|(id, _)| id).collect();
		assert_eq!(chain, vec![first, second]);
		assert_eq!(Records::version_chain(second).len(), 2);
		assert_eq!(RecordsOf::<Test>::get(PATIENT).to_vec(), vec![first, second]);
		assert_invariants();
	});
}

#[test]
fn only_the_current_live_version_can_be_amended_within_the_bounds() {
	new_test_ext().execute_with(|| {
		assert_noop!(amend(PATIENT, 42), RError::UnknownRecord);
		let first = NewRecord::by(PATIENT).add();
		assert_ok!(amend(PATIENT, first));
		assert_noop!(amend(PATIENT, first), RError::NotCurrent);
		assert_ok!(amend(PATIENT, first + 1));
		// MAX_VERSIONS = 3.
		assert_noop!(amend(PATIENT, first + 2), RError::TooManyVersions);
		assert_ok!(Records::shred_record(RuntimeOrigin::signed(PATIENT), first));
		assert_noop!(amend(PATIENT, first + 2), RError::RecordShredded);
		let bad = Records::amend_record(
			RuntimeOrigin::signed(PATIENT),
			NewRecord::by(PATIENT).add(),
			[3u8; 32],
			[4u8; 32],
			0,
			bounded(b"ipfs://x"),
			PurposeOfUse::Treatment,
		);
		assert_eq!(bad, Err(RError::EmptyCiphertext.into()));
		assert_invariants();
	});
}

#[test]
fn a_practitioner_needs_an_amend_consent_to_amend() {
	new_test_ext().execute_with(|| {
		let first = NewRecord::by(PATIENT).add();
		MockConsent::permit(DOC, PATIENT, AccessAction::Append, PurposeOfUse::Treatment, None);
		assert_noop!(amend(DOC, first), RError::NoConsent);
		MockConsent::permit(DOC, PATIENT, AccessAction::Amend, PurposeOfUse::Treatment, None);
		MockRegistry::set(DOC, DOC_KEY, false);
		assert_noop!(amend(DOC, first), RError::NotLicensed);
		MockRegistry::set(DOC, DOC_KEY, true);
		assert_ok!(amend(DOC, first));
		assert_eq!(crate::Records::<Test>::get(first + 1).map(|r| r.author), Some(DOC));
		assert_invariants();
	});
}

#[test]
fn records_are_listed_paged_and_filtered() {
	new_test_ext().execute_with(|| {
		let lab = NewRecord::by(PATIENT).add();
		let imaging = NewRecord {
			category: DataCategory::Imaging,
			resource_type: b"ImagingStudy".to_vec(),
			..NewRecord::by(PATIENT)
		}
		.add();
		assert_ok!(amend(PATIENT, lab));
		let lab2 = lab + 2;
		let all = crate::RecordFilter::default();
		let ids = |page: Vec<(RecordId, crate::RecordOf<Test>)>| {
			page.into_iter().map(|(id, _)| id).collect::<Vec<_>>()
		};
		let (page, next) = Records::records_of(&PATIENT, &all, 0, 2);
		assert_eq!((ids(page), next), (vec![lab, imaging], Some(2)));
		let (page, next) = Records::records_of(&PATIENT, &all, 2, 2);
		assert_eq!((ids(page), next), (vec![lab2], None));
		let current = crate::RecordFilter { current_only: true, ..Default::default() };
		assert_eq!(ids(Records::records_of(&PATIENT, &current, 0, 10).0), vec![imaging, lab2]);
		let by_category =
			crate::RecordFilter { category: Some(DataCategory::Imaging), ..Default::default() };
		assert_eq!(ids(Records::records_of(&PATIENT, &by_category, 0, 10).0), vec![imaging]);
		let by_type = crate::RecordFilter {
			resource_type: Some(b"Observation".to_vec()),
			..Default::default()
		};
		assert_eq!(ids(Records::records_of(&PATIENT, &by_type, 0, 10).0), vec![lab, lab2]);
		assert!(Records::records_of(&OTHER_PATIENT, &all, 0, 10).0.is_empty());
	});
}

#[test]
fn an_amending_practitioner_is_checked_against_the_records_identity() {
	new_test_ext().execute_with(|| {
		let first = NewRecord::by(PATIENT).add();
		MockConsent::permit(DOC, PATIENT, AccessAction::Amend, PurposeOfUse::Treatment, None);
		assert_ok!(amend(DOC, first));
		assert_eq!(MockConsent::last_record(), Some(Some(first)));
		assert_ok!(amend(DOC, first + 1));
		// Not `first + 1`, the version amended: the record's identity.
		assert_eq!(MockConsent::last_record(), Some(Some(first)));
		assert_eq!(crate::Records::<Test>::get(first + 2).map(|r| r.record), Some(first));
		// Adding a record names none.
		MockConsent::permit(DOC, PATIENT, AccessAction::Append, PurposeOfUse::Treatment, None);
		NewRecord::by(DOC).add();
		assert_eq!(MockConsent::last_record(), Some(None));
		// A shredded record has no subject any more.
		assert_ok!(Records::shred_record(RuntimeOrigin::signed(PATIENT), first));
		assert_eq!(Records::record_subject(first + 2), None);
		assert_invariants();
	});
}
