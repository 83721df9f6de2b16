//! Adding and amending records: who may write, what is checked, version chains.

use super::*;
use crate::{RecordStatus, TagPatients, VersionKind};
use crate::{MAX_SIZE_CLASS, MIN_SIZE_CLASS};
use frame_support::assert_noop;
use telemed_primitives::DelegateScope;
use telemed_primitives::{AccessAction, AccessTarget, RecordInspector, RecordSubject};

#[test]
fn the_patient_adds_a_record_and_pays_its_deposit() {
	new_test_ext().execute_with(|| {
		let id = NewRecord::by(PATIENT).add();
		assert_eq!(last_event(), Event::RecordAdded { id, patient: PATIENT, author: PATIENT });
		let record = rec(id);
		assert_eq!(record.record, id, "a first version is its record's identity");
		assert_eq!(record.tag, LAB);
		assert_eq!((record.commitment, record.ciphertext_hash), ([1u8; 32], [2u8; 32]));
		assert_eq!((record.size_class, record.locator.to_vec()), (12, b"ipfs://bafy1".to_vec()));
		assert_eq!(
			(record.version, record.supersedes, record.kind, record.status),
			(1, None, VersionKind::Original, RecordStatus::Current)
		);
		assert_eq!(TagPatients::<Test>::get(LAB), Some((PATIENT, 1)));
		assert_eq!(Records::tag_patient(&LAB), Some(PATIENT));
		assert_eq!(Records::tag_patient(&IMAGING), None);
		assert_eq!((record.created_at, record.deposit), (T0, RECORD_DEPOSIT));
		assert_eq!(held(PATIENT), PATIENT_DEPOSIT + RECORD_DEPOSIT);
		assert_eq!(listed(PATIENT), vec![id]);
		assert_eq!(
			Records::record_subject(id),
			Some(RecordSubject { patient: PATIENT, tag: LAB, record: id })
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
		// An append consent for another tag does not cover this one.
		MockConsent::permit(
			DOC,
			PATIENT,
			AccessAction::Append,
			PurposeOfUse::Treatment,
			Some(IMAGING),
		);
		assert_noop!(NewRecord::by(DOC).call(), RError::NoConsent);
		// The check names the tag, and nothing else.
		assert_eq!(MockConsent::last_target(), Some(AccessTarget::Tag(LAB)));
		// The same consent covers a record under that tag.
		assert_ok!(NewRecord { tag: IMAGING, ..NewRecord::by(DOC) }.call());
		assert_eq!(held(DOC), RECORD_DEPOSIT);
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
		assert_eq!(rec(id).author, DOC);
		assert_eq!(held(DOC), 2 * RECORD_DEPOSIT);
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
		// Size classes: below, at and past both ends of the range.
		for class in [0, MIN_SIZE_CLASS - 1, MAX_SIZE_CLASS + 1, u8::MAX] {
			let bad = NewRecord { size_class: class, ..base.clone() };
			assert_noop!(bad.call(), RError::BadSizeClass);
		}
		let no_locator = NewRecord { locator: vec![], ..base.clone() };
		assert_noop!(no_locator.call(), RError::EmptyLocator);
		// The smallest and largest classes and the longest locator pass (longer locators
		// fail to decode: see `bounds`).
		assert_ok!(NewRecord { size_class: MIN_SIZE_CLASS, ..base.clone() }.call());
		let longest = NewRecord {
			locator: vec![b'x'; MAX_LOCATOR as usize],
			size_class: MAX_SIZE_CLASS,
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
		let by_nurse = NewRecord { patient: OTHER_PATIENT, tag: THEIR_LAB, ..NewRecord::by(NURSE) };
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
		let old = rec(first);
		assert_eq!(old.status, RecordStatus::Superseded { by: second, at: T0 + 1_000 });
		assert_eq!(old.locator.to_vec(), b"ipfs://bafy1".to_vec());
		let new = rec(second);
		assert_eq!(
			(new.version, new.supersedes, new.kind, new.status),
			(2, Some(first), VersionKind::Amendment, RecordStatus::Current)
		);
		// Every version carries the record's identity, the first version's id.
		assert_eq!((old.record, new.record), (first, first));
		assert_eq!(Records::record_subject(second).map(|s| s.record), Some(first));
		// The tag is inherited; the record still counts once for it.
		assert_eq!(new.tag, old.tag);
		assert_eq!(TagPatients::<Test>::get(LAB), Some((PATIENT, 1)));
		assert_eq!(new.size_class, 13);
		let chain: Vec<RecordId> =
			Records::version_chain(first).into_iter().map(|(id, _)| id).collect();
		assert_eq!(chain, vec![first, second]);
		assert_eq!(Records::version_chain(second).len(), 2);
		assert_eq!(listed(PATIENT), vec![first, second]);
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
			MAX_SIZE_CLASS + 1,
			bounded(b"ipfs://x"),
			PurposeOfUse::Treatment,
		);
		assert_eq!(bad, Err(RError::BadSizeClass.into()));
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
		assert_eq!(rec(first + 1).author, DOC);
		assert_invariants();
	});
}

#[test]
fn records_are_listed_paged_and_filtered() {
	new_test_ext().execute_with(|| {
		let lab = NewRecord::by(PATIENT).add();
		let imaging = NewRecord { tag: IMAGING, ..NewRecord::by(PATIENT) }.add();
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
		let by_tag = crate::RecordFilter { tag: Some(IMAGING), ..Default::default() };
		assert_eq!(ids(Records::records_of(&PATIENT, &by_tag, 0, 10).0), vec![imaging]);
		let lab_only = crate::RecordFilter { tag: Some(LAB), ..Default::default() };
		assert_eq!(ids(Records::records_of(&PATIENT, &lab_only, 0, 10).0), vec![lab, lab2]);
		let theirs = crate::RecordFilter { tag: Some(THEIR_LAB), ..Default::default() };
		assert!(Records::records_of(&PATIENT, &theirs, 0, 10).0.is_empty());
		assert!(Records::records_of(&OTHER_PATIENT, &all, 0, 10).0.is_empty());
	});
}

#[test]
fn an_amending_practitioner_is_checked_against_the_records_identity() {
	new_test_ext().execute_with(|| {
		let first = NewRecord::by(PATIENT).add();
		MockConsent::permit(DOC, PATIENT, AccessAction::Amend, PurposeOfUse::Treatment, None);
		assert_ok!(amend(DOC, first));
		assert_eq!(
			MockConsent::last_target(),
			Some(AccessTarget::Record { tag: LAB, record: first })
		);
		assert_ok!(amend(DOC, first + 1));
		// Not `first + 1`, the version amended: the record's identity.
		assert_eq!(
			MockConsent::last_target(),
			Some(AccessTarget::Record { tag: LAB, record: first })
		);
		assert_eq!(rec(first + 2).record, first);
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
