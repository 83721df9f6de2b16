//! Re-keying: the same content under a fresh data key, new envelopes only for grantees who
//! may still read, and nothing left of the old key's reach.

use super::*;
use crate::{EnvelopesOf, RecordStatus, VersionKind, MAX_SIZE_CLASS};
use frame_support::assert_noop;
use telemed_primitives::{AccessAction, DelegateScope};

/// A record of the patient with envelopes for the patient, the physician and the nurse.
fn shared() -> RecordId {
	MockConsent::permit(DOC, PATIENT, AccessAction::Read, PurposeOfUse::Treatment, None);
	MockConsent::permit(NURSE, PATIENT, AccessAction::Read, PurposeOfUse::Treatment, None);
	let id = NewRecord::by(PATIENT).add();
	for grantee in [PATIENT, DOC] {
		assert_ok!(envelope(PATIENT, id, grantee));
	}
	id
}

/// The commitment `NewRecord` anchors.
const COMMITMENT: [u8; 32] = [1u8; 32];

#[test]
fn a_rekey_keeps_the_content_and_leaves_the_old_key_nothing() {
	new_test_ext().execute_with(|| {
		let old = shared();
		set_now(T0 + 7_000);
		assert_ok!(rekey(PATIENT, old, COMMITMENT, &[PATIENT, DOC]));
		let new = old + 1;
		assert_eq!(last_event(), Event::RecordReKeyed { id: new, previous: old });
		let replaced = rec(old);
		let current = rec(new);
		// The same record, tag and content; a new ciphertext, size class and locator.
		assert_eq!((current.record, current.tag, current.commitment), (old, LAB, COMMITMENT));
		assert_eq!((current.ciphertext_hash, current.size_class), ([5u8; 32], 14));
		assert_eq!(current.locator.to_vec(), b"sealed:new".to_vec());
		assert_eq!(
			(current.version, current.supersedes, current.kind, current.status),
			(2, Some(old), VersionKind::ReKey, RecordStatus::Current)
		);
		assert_eq!(current.envelopes, 2);
		// The replaced version keeps its history but no locator and no envelope.
		assert_eq!(replaced.status, RecordStatus::Superseded { by: new, at: T0 + 7_000 });
		assert!(replaced.locator.is_empty());
		assert_eq!(replaced.envelopes, 0);
		assert_eq!(crate::Envelopes::<Test>::iter_prefix(old).count(), 0);
		// New envelopes, sealed to the grantees' keys, for the same purposes, paid by the
		// caller; the index points at the new version.
		let doc = crate::Envelopes::<Test>::get(new, DOC).expect("re-sealed");
		assert_eq!(
			(doc.sealed_to, doc.purpose, doc.depositor),
			(DOC_KEY, PurposeOfUse::Treatment, PATIENT)
		);
		assert_eq!(doc.sealed.to_vec(), vec![0x6b; 64]);
		assert_eq!(EnvelopesOf::<Test>::get(PATIENT, DOC).to_vec(), vec![new]);
		assert_eq!(EnvelopesOf::<Test>::get(PATIENT, PATIENT).to_vec(), vec![new]);
		// Deposits: two records, two envelopes (the old ones came back).
		assert_eq!(held(PATIENT), PATIENT_DEPOSIT + 2 * RECORD_DEPOSIT + 2 * ENVELOPE_DEPOSIT);
		// The physician reads the current version; the old one has no key to give.
		assert_ok!(Records::access_record(RuntimeOrigin::signed(DOC), new));
		assert_noop!(Records::access_record(RuntimeOrigin::signed(DOC), old), RError::NoEnvelope);
		assert_eq!(listed(PATIENT), vec![old, new]);
		assert_invariants();
	});
}

#[test]
fn after_a_revocation_a_rekey_shuts_the_revoked_grantee_out() {
	new_test_ext().execute_with(|| {
		let old = shared();
		// MAX_ENVELOPES = 2: the patient makes room for the nurse.
		assert_ok!(Records::remove_envelope(RuntimeOrigin::signed(PATIENT), old, PATIENT));
		assert_ok!(envelope(PATIENT, old, NURSE));
		// The nurse's consent ends (without a prune, the envelope would still be in state).
		MockConsent::revoke(NURSE, PATIENT);
		// A re-key cannot carry the nurse along...
		assert_noop!(rekey(PATIENT, old, COMMITMENT, &[DOC, NURSE]), RError::NoConsent);
		// ...and without the nurse, the nurse's old envelope goes with the others.
		assert_ok!(rekey(PATIENT, old, COMMITMENT, &[DOC]));
		let new = old + 1;
		assert!(crate::Envelopes::<Test>::get(old, NURSE).is_none());
		assert!(crate::Envelopes::<Test>::get(new, NURSE).is_none());
		assert!(!EnvelopesOf::<Test>::contains_key(PATIENT, NURSE));
		// Nor did the patient ask for their own: only the physician has one now.
		assert!(!EnvelopesOf::<Test>::contains_key(PATIENT, PATIENT));
		assert_eq!(crate::Envelopes::<Test>::iter_prefix(new).count(), 1);
		assert!(Records::envelope_for(new, &NURSE).is_none());
		assert_invariants();
	});
}

#[test]
fn only_the_patient_or_a_records_delegate_rekeys() {
	new_test_ext().execute_with(|| {
		let old = shared();
		MockConsent::permit(DOC, PATIENT, AccessAction::Amend, PurposeOfUse::Treatment, None);
		for who in [DOC, STRANGER, OTHER_PATIENT, PARENT] {
			assert_noop!(rekey(who, old, COMMITMENT, &[DOC]), RError::NotPermitted);
		}
		// The shred scope is not enough; access to the records is.
		MockConsent::delegate(PATIENT, PARENT, DelegateScope::ShredRecords);
		assert_noop!(rekey(PARENT, old, COMMITMENT, &[DOC]), RError::NotPermitted);
		MockConsent::delegate(PATIENT, PARENT, DelegateScope::AccessRecords);
		assert_ok!(rekey(PARENT, old, COMMITMENT, &[DOC]));
		assert_eq!(rec(old + 1).author, PARENT);
		assert_eq!(held(PARENT), PATIENT_DEPOSIT + RECORD_DEPOSIT + ENVELOPE_DEPOSIT);
		assert_invariants();
	});
}

#[test]
fn rekeying_needs_the_current_live_version_and_the_same_commitment() {
	new_test_ext().execute_with(|| {
		assert_noop!(rekey(PATIENT, 42, COMMITMENT, &[]), RError::UnknownRecord);
		let old = shared();
		assert_noop!(rekey(PATIENT, old, [9u8; 32], &[DOC]), RError::CommitmentMismatch);
		// A superseded version: amended, or re-keyed already.
		assert_ok!(amend(PATIENT, old));
		assert_noop!(rekey(PATIENT, old, COMMITMENT, &[]), RError::NotCurrent);
		// The amendment's commitment is the one to keep now.
		assert_noop!(rekey(PATIENT, old + 1, COMMITMENT, &[]), RError::CommitmentMismatch);
		assert_ok!(rekey(PATIENT, old + 1, [3u8; 32], &[]));
		assert_noop!(rekey(PATIENT, old + 1, [3u8; 32], &[]), RError::NotCurrent);
		// A re-key is a version of the chain: MAX_VERSIONS = 3.
		assert_noop!(rekey(PATIENT, old + 2, [3u8; 32], &[]), RError::TooManyVersions);
		// Shredded: every version of it.
		assert_ok!(Records::shred_record(RuntimeOrigin::signed(PATIENT), old));
		for id in [old, old + 1, old + 2] {
			assert_noop!(rekey(PATIENT, id, [3u8; 32], &[]), RError::RecordShredded);
		}
		assert_invariants();
	});
}

#[test]
fn each_new_envelope_is_checked() {
	new_test_ext().execute_with(|| {
		let old = shared();
		// A grantee twice.
		assert_noop!(rekey(PATIENT, old, COMMITMENT, &[DOC, DOC]), RError::EnvelopeExists);
		// A grantee without an envelope on the replaced version: a re-key never widens
		// access (add envelopes afterwards).
		assert_noop!(rekey(PATIENT, old, COMMITMENT, &[NURSE]), RError::NoEnvelope);
		// Unlicensed, or denied, since the old envelope was given.
		MockRegistry::set(DOC, DOC_KEY, false);
		assert_noop!(rekey(PATIENT, old, COMMITMENT, &[DOC]), RError::NotLicensed);
		MockRegistry::set(DOC, DOC_KEY, true);
		// A sealed key too short.
		let short = Records::rekey_record(
			RuntimeOrigin::signed(PATIENT),
			old,
			COMMITMENT,
			[5u8; 32],
			14,
			bounded(b"sealed:new"),
			vec![(DOC, bounded(&[1u8; 47]))].try_into().unwrap(),
		);
		assert_eq!(short.map_err(|e| e.error), Err(RError::EnvelopeTooShort.into()));
		MockConsent::deny(DOC, PATIENT, AccessAction::Read, PurposeOfUse::Treatment);
		assert_noop!(rekey(PATIENT, old, COMMITMENT, &[PATIENT, DOC]), RError::ExplicitlyDenied);
		// The patient alone may still re-key.
		assert_ok!(rekey(PATIENT, old, COMMITMENT, &[PATIENT]));
		assert_invariants();
	});
}

#[test]
fn bad_content_and_failed_deposits_change_nothing() {
	new_test_ext().execute_with(|| {
		let old = shared();
		let call = |size_class: u8, locator: &[u8]| {
			Records::rekey_record(
				RuntimeOrigin::signed(PATIENT),
				old,
				COMMITMENT,
				[5u8; 32],
				size_class,
				bounded(locator),
				vec![(DOC, bounded(&sealed()))].try_into().unwrap(),
			)
			.map(|_| ())
			.map_err(|e| e.error)
		};
		assert_noop!(call(MAX_SIZE_CLASS + 1, b"x"), RError::BadSizeClass);
		assert_noop!(call(9, b"x"), RError::BadSizeClass);
		assert_noop!(call(14, b""), RError::EmptyLocator);
		// The patient's list is full: the envelope deposit held first is released again.
		for _ in 1..MAX_RECORDS {
			NewRecord { tag: IMAGING, ..NewRecord::by(PATIENT) }.add();
		}
		assert_noop!(call(14, b"x"), RError::TooManyRecords);
		assert_ok!(Records::shred_record(RuntimeOrigin::signed(PATIENT), old + 1));
		// No funds for the deposits.
		let free = Balances::free_balance(PATIENT);
		assert_ok!(Balances::transfer_allow_death(
			RuntimeOrigin::signed(PATIENT),
			STRANGER,
			free - 1
		));
		assert_noop!(call(14, b"x"), RError::InsufficientBalance);
		assert_invariants();
	});
}

#[test]
fn a_rekeyed_record_amends_and_shreds_as_one() {
	new_test_ext().execute_with(|| {
		let old = shared();
		assert_ok!(rekey(PATIENT, old, COMMITMENT, &[DOC]));
		// No amend consent was needed for the re-key; an amendment after it is one.
		MockConsent::permit(DOC, PATIENT, AccessAction::Amend, PurposeOfUse::Treatment, None);
		assert_ok!(amend(DOC, old + 1));
		assert_eq!(rec(old + 2).kind, VersionKind::Amendment);
		assert_eq!(Records::version_chain(old).len(), 3);
		assert_ok!(Records::shred_record(RuntimeOrigin::signed(PATIENT), old + 2));
		assert_eq!(
			last_event(),
			Event::RecordShredded { record: old + 2, patient: PATIENT, versions: 3, envelopes: 1 }
		);
		assert!(!EnvelopesOf::<Test>::contains_key(PATIENT, DOC));
		assert_eq!(held(PATIENT), PATIENT_DEPOSIT);
		assert_invariants();
	});
}

#[test]
fn a_rekey_keeps_each_grantees_purpose_and_cannot_switch_it() {
	new_test_ext().execute_with(|| {
		let id = NewRecord::by(PATIENT).add();
		MockConsent::permit(DOC, PATIENT, AccessAction::Read, PurposeOfUse::Research, None);
		assert_ok!(Records::add_envelope(
			RuntimeOrigin::signed(PATIENT),
			id,
			DOC,
			bounded(&sealed()),
			PurposeOfUse::Research,
		));
		// The research consent ends; a treatment one does not let the re-key carry the
		// research envelope over.
		MockConsent::revoke(DOC, PATIENT);
		MockConsent::permit(DOC, PATIENT, AccessAction::Read, PurposeOfUse::Treatment, None);
		assert_noop!(rekey(PATIENT, id, COMMITMENT, &[DOC]), RError::NoConsent);
		// With the research consent back, the new envelope is for research again.
		MockConsent::permit(DOC, PATIENT, AccessAction::Read, PurposeOfUse::Research, None);
		assert_ok!(rekey(PATIENT, id, COMMITMENT, &[DOC]));
		assert_eq!(
			crate::Envelopes::<Test>::get(id + 1, DOC).map(|e| e.purpose),
			Some(PurposeOfUse::Research)
		);
		assert_invariants();
	});
}

#[test]
fn the_envelope_index_follows_a_rekey_and_pruning_finds_the_new_envelope() {
	new_test_ext().execute_with(|| {
		use telemed_primitives::EnvelopeKeeper;
		let old = shared();
		let other = NewRecord::by(PATIENT).add();
		assert_ok!(envelope(PATIENT, other, DOC));
		assert_ok!(rekey(PATIENT, old, COMMITMENT, &[DOC]));
		let new = other + 1;
		let mut indexed = EnvelopesOf::<Test>::get(PATIENT, DOC).to_vec();
		indexed.sort();
		assert_eq!(indexed, vec![other, new]);
		MockConsent::revoke(DOC, PATIENT);
		crate::Pallet::<Test>::prune_envelopes(&PATIENT, &DOC);
		assert!(!EnvelopesOf::<Test>::contains_key(PATIENT, DOC));
		assert!(crate::Envelopes::<Test>::get(new, DOC).is_none());
		assert!(crate::Envelopes::<Test>::get(other, DOC).is_none());
		assert_invariants();
	});
}
