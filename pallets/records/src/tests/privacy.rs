//! What the chain keeps about a record: blinded tags that belong to one patient, size classes,
//! and envelopes indexed by patient and grantee, removed when the grantee's access ends.

use super::*;
use crate::{size_class_of, EnvelopesOf, TagPatients, MAX_SIZE_CLASS, MIN_SIZE_CLASS};
use frame_support::{assert_noop, weights::Weight};
use telemed_primitives::{AccessAction, DelegateScope, EnvelopeKeeper, RecordInspector};

type Keeper = crate::Pallet<Test>;

fn weight_of(n: u32) -> Weight {
	<() as crate::WeightInfo>::prune_envelopes(n)
}

#[test]
fn a_tag_belongs_to_one_patient() {
	new_test_ext().execute_with(|| {
		let a = NewRecord::by(PATIENT).add();
		let b = NewRecord::by(PATIENT).add();
		assert_eq!(TagPatients::<Test>::get(LAB), Some((PATIENT, 2)));
		// Another patient cannot file a record under the patient's tag: not themselves, nor
		// through a delegate, nor a practitioner they consented to.
		let theirs = NewRecord { patient: OTHER_PATIENT, ..NewRecord::by(OTHER_PATIENT) };
		assert_noop!(theirs.call(), RError::TagOfAnotherPatient);
		MockConsent::delegate(OTHER_PATIENT, PARENT, DelegateScope::AccessRecords);
		assert_noop!(
			NewRecord { by: PARENT, ..theirs.clone() }.call(),
			RError::TagOfAnotherPatient
		);
		MockConsent::permit(
			DOC,
			OTHER_PATIENT,
			AccessAction::Append,
			PurposeOfUse::Treatment,
			None,
		);
		assert_noop!(NewRecord { by: DOC, ..theirs.clone() }.call(), RError::TagOfAnotherPatient);
		// Amending keeps the count: it counts records, not versions.
		assert_ok!(amend(PATIENT, a));
		assert_eq!(TagPatients::<Test>::get(LAB), Some((PATIENT, 2)));
		// Shredding one record lowers it; the last one removes the entry.
		assert_ok!(Records::shred_record(RuntimeOrigin::signed(PATIENT), a + 2));
		assert_eq!(TagPatients::<Test>::get(LAB), Some((PATIENT, 1)));
		assert_noop!(theirs.call(), RError::TagOfAnotherPatient);
		assert_ok!(Records::shred_record(RuntimeOrigin::signed(PATIENT), b));
		assert_eq!(TagPatients::<Test>::get(LAB), None);
		assert_eq!(Records::tag_patient(&LAB), None);
		// The tag is free again (tags are keyed by each patient's secret: another patient
		// only has it if they learnt it).
		assert_ok!(theirs.call());
		assert_eq!(Records::tag_patient(&LAB), Some(OTHER_PATIENT));
		assert_invariants();
	});
}

#[test]
fn bad_content_is_reported_before_the_tag_and_nothing_changes() {
	new_test_ext().execute_with(|| {
		NewRecord::by(PATIENT).add();
		let theirs = NewRecord { patient: OTHER_PATIENT, ..NewRecord::by(OTHER_PATIENT) };
		let bad = NewRecord { size_class: MAX_SIZE_CLASS + 1, ..theirs.clone() };
		assert_noop!(bad.call(), RError::BadSizeClass);
		assert_noop!(theirs.call(), RError::TagOfAnotherPatient);
		assert_eq!(held(OTHER_PATIENT), PATIENT_DEPOSIT);
		assert_eq!(TagPatients::<Test>::get(LAB), Some((PATIENT, 1)));
		assert_invariants();
	});
}

#[test]
fn size_classes_round_sizes_up_to_a_power_of_two() {
	assert_eq!(size_class_of(0), MIN_SIZE_CLASS);
	assert_eq!(size_class_of(1), MIN_SIZE_CLASS);
	assert_eq!(size_class_of(1 << 10), 10);
	assert_eq!(size_class_of((1 << 10) + 1), 11);
	assert_eq!(size_class_of(1 << 20), 20);
	assert_eq!(size_class_of((1 << 20) + 1), 21);
	assert_eq!(size_class_of(1 << 40), MAX_SIZE_CLASS);
	assert_eq!(size_class_of(u64::MAX), MAX_SIZE_CLASS);
}

/// Two records of the patient (lab and imaging); the physician holds envelopes on both, the
/// nurse on the lab one.
fn shared() -> (RecordId, RecordId) {
	MockConsent::permit(DOC, PATIENT, AccessAction::Read, PurposeOfUse::Treatment, None);
	MockConsent::permit(NURSE, PATIENT, AccessAction::Read, PurposeOfUse::Treatment, None);
	let lab = NewRecord::by(PATIENT).add();
	let imaging = NewRecord { tag: IMAGING, ..NewRecord::by(PATIENT) }.add();
	assert_ok!(envelope(PATIENT, lab, DOC));
	assert_ok!(envelope(PATIENT, imaging, DOC));
	assert_ok!(envelope(PATIENT, lab, NURSE));
	(lab, imaging)
}

#[test]
fn envelopes_are_indexed_by_patient_and_grantee() {
	new_test_ext().execute_with(|| {
		let (lab, imaging) = shared();
		assert_eq!(EnvelopesOf::<Test>::get(PATIENT, DOC).to_vec(), vec![lab, imaging]);
		assert_eq!(EnvelopesOf::<Test>::get(PATIENT, NURSE).to_vec(), vec![lab]);
		assert_ok!(Records::remove_envelope(RuntimeOrigin::signed(DOC), lab, DOC));
		assert_eq!(EnvelopesOf::<Test>::get(PATIENT, DOC).to_vec(), vec![imaging]);
		assert_ok!(Records::remove_envelope(RuntimeOrigin::signed(PATIENT), imaging, DOC));
		assert!(!EnvelopesOf::<Test>::contains_key(PATIENT, DOC), "no empty entry left");
		assert_invariants();
	});
}

#[test]
fn a_grantee_holds_at_most_max_envelopes_per_patient() {
	new_test_ext().execute_with(|| {
		MockConsent::permit(DOC, PATIENT, AccessAction::Read, PurposeOfUse::Treatment, None);
		MockConsent::permit(DOC, OTHER_PATIENT, AccessAction::Read, PurposeOfUse::Treatment, None);
		for _ in 0..MAX_GRANTEE_ENVELOPES {
			let id = NewRecord::by(PATIENT).add();
			assert_ok!(envelope(PATIENT, id, DOC));
		}
		let one_more = NewRecord::by(PATIENT).add();
		assert_noop!(envelope(PATIENT, one_more, DOC), RError::TooManyGranteeEnvelopes);
		// The bound is per patient: another patient's records are another list.
		let theirs =
			NewRecord { patient: OTHER_PATIENT, tag: THEIR_LAB, ..NewRecord::by(OTHER_PATIENT) }
				.add();
		assert_ok!(envelope(OTHER_PATIENT, theirs, DOC));
		// And per grantee: the patient's own envelope still fits.
		assert_ok!(envelope(PATIENT, one_more, PATIENT));
		assert_eq!(Keeper::max_prune_weight(), weight_of(MAX_GRANTEE_ENVELOPES));
		assert_invariants();
	});
}

#[test]
fn pruning_removes_only_what_the_grantee_may_no_longer_read() {
	new_test_ext().execute_with(|| {
		let (lab, imaging) = shared();
		// Still allowed: nothing goes, and the weight counts what was examined.
		assert_eq!(Keeper::prune_envelopes(&PATIENT, &DOC), weight_of(2));
		assert_eq!(EnvelopesOf::<Test>::get(PATIENT, DOC).len(), 2);
		// The consent narrows to imaging: the lab envelope goes, its deposit back.
		MockConsent::permit(
			DOC,
			PATIENT,
			AccessAction::Read,
			PurposeOfUse::Treatment,
			Some(IMAGING),
		);
		let before = held(PATIENT);
		assert_eq!(Keeper::prune_envelopes(&PATIENT, &DOC), weight_of(2));
		assert_eq!(last_event(), Event::EnvelopeRemoved { record: lab, grantee: DOC });
		assert!(crate::Envelopes::<Test>::get(lab, DOC).is_none());
		assert!(crate::Envelopes::<Test>::get(imaging, DOC).is_some());
		assert_eq!(EnvelopesOf::<Test>::get(PATIENT, DOC).to_vec(), vec![imaging]);
		assert_eq!(held(PATIENT), before - ENVELOPE_DEPOSIT);
		assert_eq!(rec(lab).envelopes, 1, "the nurse's stays");
		// Revoked: everything of the physician goes; the nurse's is untouched.
		MockConsent::revoke(DOC, PATIENT);
		assert_eq!(Keeper::prune_envelopes(&PATIENT, &DOC), weight_of(1));
		assert!(!EnvelopesOf::<Test>::contains_key(PATIENT, DOC));
		assert_eq!(crate::Envelopes::<Test>::iter().filter(|(_, g, _)| *g == DOC).count(), 0);
		assert!(crate::Envelopes::<Test>::get(lab, NURSE).is_some());
		assert_eq!(held(PATIENT), before - 2 * ENVELOPE_DEPOSIT);
		// Nothing left: a no-op that costs the base weight only.
		assert_eq!(Keeper::prune_envelopes(&PATIENT, &DOC), weight_of(0));
		assert_invariants();
	});
}

#[test]
fn pruning_touches_one_patient_and_pays_back_each_payer() {
	new_test_ext().execute_with(|| {
		MockConsent::permit(DOC, PATIENT, AccessAction::Read, PurposeOfUse::Treatment, None);
		MockConsent::permit(DOC, OTHER_PATIENT, AccessAction::Read, PurposeOfUse::Treatment, None);
		MockConsent::permit(NURSE, PATIENT, AccessAction::Append, PurposeOfUse::Treatment, None);
		// The nurse wrote the record and gave the physician the key: the nurse paid.
		let mine = NewRecord::by(NURSE).add();
		assert_ok!(envelope(NURSE, mine, DOC));
		let theirs =
			NewRecord { patient: OTHER_PATIENT, tag: THEIR_LAB, ..NewRecord::by(OTHER_PATIENT) }
				.add();
		assert_ok!(envelope(OTHER_PATIENT, theirs, DOC));
		MockConsent::revoke(DOC, PATIENT);
		MockConsent::permit(DOC, OTHER_PATIENT, AccessAction::Read, PurposeOfUse::Treatment, None);
		Keeper::prune_envelopes(&PATIENT, &DOC);
		assert_eq!(held(NURSE), RECORD_DEPOSIT);
		assert!(crate::Envelopes::<Test>::get(theirs, DOC).is_some());
		assert_eq!(EnvelopesOf::<Test>::get(OTHER_PATIENT, DOC).to_vec(), vec![theirs]);
		// Pruning for a pair with nothing, or an unknown account, does nothing.
		Keeper::prune_envelopes(&STRANGER, &DOC);
		Keeper::prune_envelopes(&PATIENT, &STRANGER);
		assert!(crate::Envelopes::<Test>::get(theirs, DOC).is_some());
		assert_invariants();
	});
}

#[test]
fn pruning_removes_envelopes_of_an_invalid_licence_too() {
	new_test_ext().execute_with(|| {
		// The consent pallet prunes when a consent ends; if the grantee's licence is not
		// valid then, the chain cannot tell whether another consent would still cover them:
		// the envelope goes (the patient may give a new one).
		let (lab, imaging) = shared();
		MockRegistry::set(DOC, DOC_KEY, false);
		Keeper::prune_envelopes(&PATIENT, &DOC);
		assert!(!EnvelopesOf::<Test>::contains_key(PATIENT, DOC));
		assert!(crate::Envelopes::<Test>::get(lab, DOC).is_none());
		assert!(crate::Envelopes::<Test>::get(imaging, DOC).is_none());
		// A denied grantee loses theirs as well.
		MockConsent::deny(NURSE, PATIENT, AccessAction::Read, PurposeOfUse::Treatment);
		Keeper::prune_envelopes(&PATIENT, &NURSE);
		assert!(crate::Envelopes::<Test>::get(lab, NURSE).is_none());
		assert_invariants();
	});
}

#[test]
fn pruning_checks_each_envelope_for_its_own_purpose() {
	new_test_ext().execute_with(|| {
		let lab = NewRecord::by(PATIENT).add();
		let other = NewRecord::by(PATIENT).add();
		MockConsent::permit(DOC, PATIENT, AccessAction::Read, PurposeOfUse::Treatment, None);
		MockConsent::permit(DOC, PATIENT, AccessAction::Read, PurposeOfUse::Research, None);
		assert_ok!(envelope(PATIENT, lab, DOC));
		assert_ok!(Records::add_envelope(
			RuntimeOrigin::signed(PATIENT),
			other,
			DOC,
			bounded(&sealed()),
			PurposeOfUse::Research,
		));
		// The research consent ends; the treatment one holds.
		MockConsent::revoke(DOC, PATIENT);
		MockConsent::permit(DOC, PATIENT, AccessAction::Read, PurposeOfUse::Treatment, None);
		Keeper::prune_envelopes(&PATIENT, &DOC);
		assert_eq!(EnvelopesOf::<Test>::get(PATIENT, DOC).to_vec(), vec![lab]);
		assert!(crate::Envelopes::<Test>::get(other, DOC).is_none());
		assert_invariants();
	});
}

#[cfg(feature = "runtime-benchmarks")]
#[test]
fn the_benchmark_helper_fills_a_grantees_list_and_pruning_empties_it() {
	new_test_ext().execute_with(|| {
		// A patient the helper registers, and one registered already.
		for patient in [STRANGER, PATIENT] {
			Keeper::make_envelopes(&patient, &NURSE);
			assert_eq!(
				EnvelopesOf::<Test>::get(patient, NURSE).len() as u32,
				MAX_GRANTEE_ENVELOPES
			);
			assert_invariants();
			// No consent covers the nurse: everything goes, at the most it can weigh.
			assert_eq!(Keeper::prune_envelopes(&patient, &NURSE), Keeper::max_prune_weight());
			assert!(!EnvelopesOf::<Test>::contains_key(patient, NURSE));
		}
		assert_invariants();
	});
}
