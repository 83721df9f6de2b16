//! The access rule: who may do what with a patient's data now, and why not.

use super::*;
use telemed_primitives::DelegateScope;

#[test]
fn the_patient_always_has_access_and_strangers_none() {
	new_test_ext().execute_with(|| {
		for target in [
			record(LAB_TAG, LAB_RECORD),
			AccessTarget::Tag(MENTAL_TAG),
			AccessTarget::AllData,
			AccessTarget::Relationship,
		] {
			assert_eq!(
				check(PATIENT, AccessAction::Amend, target, PurposeOfUse::Research),
				Ok(AccessBasis::Patient)
			);
		}
		assert_eq!(read_lab(DOC), Err(AccessDenial::NoConsent));
	});
}

#[test]
fn a_permit_covers_only_its_actions_purposes_and_scope() {
	new_test_ext().execute_with(|| {
		let id = Grant::permit(DOC).tags(vec![LAB_TAG]).ok();
		assert_eq!(read_lab(DOC), Ok(AccessBasis::Consent(id)));
		let denied = Err(AccessDenial::NoConsent);
		let lab = record(LAB_TAG, LAB_RECORD);
		assert_eq!(check(DOC, AccessAction::Append, lab, PurposeOfUse::Treatment), denied);
		assert_eq!(read_imaging(DOC), denied);
		assert_eq!(check(DOC, AccessAction::Read, lab, PurposeOfUse::Research), denied);
		assert_eq!(read_lab(NURSE), denied, "another grantee");
	});
}

#[test]
fn a_record_scope_covers_only_the_named_records() {
	new_test_ext().execute_with(|| {
		MockRecords::add(3, PATIENT, IMAGING_TAG);
		MockRecords::add(4, PATIENT, IMAGING_TAG);
		let id = Grant::permit(DOC).records(vec![IMAGING_RECORD, 3]).ok();
		let read = |target| check(DOC, AccessAction::Read, target, PurposeOfUse::Treatment);
		assert_eq!(read(record(IMAGING_TAG, 3)), Ok(AccessBasis::Consent(id)));
		assert_eq!(read(record(IMAGING_TAG, IMAGING_RECORD)), Ok(AccessBasis::Consent(id)));
		assert_eq!(read(record(IMAGING_TAG, 4)), Err(AccessDenial::NoConsent));
		assert_eq!(
			read(AccessTarget::Tag(IMAGING_TAG)),
			Err(AccessDenial::NoConsent),
			"not the whole tag"
		);
		assert_eq!(read(AccessTarget::AllData), Err(AccessDenial::NoConsent));
	});
}

#[test]
fn a_deny_overrides_every_permit_it_overlaps() {
	new_test_ext().execute_with(|| {
		let permit = Grant::permit(DOC).ok();
		let deny = Grant::deny(DOC).tags(vec![MENTAL_TAG]).ok();
		assert_eq!(read_lab(DOC), Ok(AccessBasis::Consent(permit)), "no overlap");
		let mental = |id| record(MENTAL_TAG, id);
		MockRecords::add(5, PATIENT, MENTAL_TAG);
		assert_eq!(
			check(DOC, AccessAction::Read, mental(5), PurposeOfUse::Treatment),
			Err(AccessDenial::ExplicitlyDenied(deny))
		);
		// The deny stops when revoked.
		assert_ok!(Consent::revoke_consent(RuntimeOrigin::signed(PATIENT), deny));
		assert_eq!(
			check(DOC, AccessAction::Read, mental(5), PurposeOfUse::Treatment),
			Ok(AccessBasis::Consent(permit))
		);
	});
}

#[test]
fn a_practitioner_whose_licence_lapsed_is_denied_despite_a_consent() {
	new_test_ext().execute_with(|| {
		let id = Grant::permit(DOC).ok();
		assert_eq!(read_lab(DOC), Ok(AccessBasis::Consent(id)));
		set_practitioner(DOC, false, false);
		assert_eq!(read_lab(DOC), Err(AccessDenial::NotLicensed));
		set_practitioner(DOC, true, true);
		assert_eq!(read_lab(DOC), Ok(AccessBasis::Consent(id)), "back when relicensed");

		// A consent to a practitioner who was never licensed never counts.
		Grant::permit(LAPSED).ok();
		assert_eq!(read_lab(LAPSED), Err(AccessDenial::NotLicensed));
	});
}

#[test]
fn an_organisation_needs_no_licence() {
	new_test_ext().execute_with(|| {
		let id = Grant { purposes: vec![PurposeOfUse::Payment], ..Grant::permit(INSURER) }.ok();
		assert_eq!(
			check(INSURER, AccessAction::Read, AccessTarget::Relationship, PurposeOfUse::Payment),
			Ok(AccessBasis::Consent(id))
		);
	});
}

#[test]
fn a_delegate_with_record_access_acts_as_the_patient() {
	new_test_ext().execute_with(|| {
		assert_ok!(Consent::add_delegate(
			RuntimeOrigin::signed(PATIENT),
			PARENT,
			bounded(vec![DelegateScope::AccessRecords]),
			Some(T0 + HOUR)
		));
		assert_eq!(read_lab(PARENT), Ok(AccessBasis::Delegate));
		set_now(T0 + HOUR);
		assert_eq!(read_lab(PARENT), Err(AccessDenial::NoConsent), "the appointment ended");
	});
}

#[test]
fn logging_an_access_checks_it_and_says_why_not() {
	new_test_ext().execute_with(|| {
		let lab = record(LAB_TAG, LAB_RECORD);
		frame_support::assert_noop!(log(DOC, lab, PurposeOfUse::Treatment), CError::NoConsent);
		Grant::deny(NURSE).ok();
		frame_support::assert_noop!(
			log(NURSE, lab, PurposeOfUse::Treatment),
			CError::ExplicitlyDenied
		);
		Grant::permit(LAPSED).ok();
		frame_support::assert_noop!(log(LAPSED, lab, PurposeOfUse::Treatment), CError::NotLicensed);

		let id = Grant::permit(DOC).ok();
		assert_ok!(log(DOC, lab, PurposeOfUse::Treatment));
		let Event::Disclosed { seq, disclosure } = last_event() else { panic!("a disclosure") };
		assert_eq!(seq, 0);
		assert_eq!(disclosure.accessor, DOC);
		assert_eq!(disclosure.data, telemed_primitives::DisclosedData::Record(LAB_RECORD));
		assert_eq!(disclosure.basis, AccessBasis::Consent(id));
		assert_eq!(disclosure.at, T0);
		assert_invariants();
	});
}
