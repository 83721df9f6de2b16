//! Issue 12: record scopes survive amendments, the grantee's kind is decided at each access,
//! a delegate's consents end with the delegation, one practitioner cannot block break-glass
//! for another, and `log_access` checks what it is told.

use super::*;
use crate::{ConsentScope, ConsentStanding, Consents, GranteeKind, HoldReason, PendingReviews};
use codec::{Decode, Encode};
use frame_support::{assert_noop, assert_ok, traits::ConstU32};

/// A second version of `LAB_RECORD`.
const LAB_RECORD_V2: RecordId = 102;
/// A third version of `LAB_RECORD`.
const LAB_RECORD_V3: RecordId = 103;
/// An account that is not a practitioner when a consent is granted to it.
const NEWCOMER: AccountId = 40;

/// `log_access` of a read for treatment of `PATIENT`'s record version `version` with `tag`.
fn log_read(who: AccountId, tag: Tag, version: RecordId) -> DispatchResultOf {
	log(who, record(tag, version), PurposeOfUse::Treatment)
}

type DispatchResultOf = Result<(), sp_runtime::DispatchError>;

fn read_record(who: AccountId, id: RecordId) -> Result<AccessBasis, AccessDenial> {
	check(who, AccessAction::Read, record(LAB_TAG, id), PurposeOfUse::Treatment)
}

// ---- item 4: a record scope covers every version --------------------------------------------

#[test]
fn a_deny_on_a_record_still_refuses_after_the_record_is_amended() {
	new_test_ext().execute_with(|| {
		Grant::permit(DOC).ok();
		let deny = Grant::deny(DOC).records(vec![LAB_RECORD]).ok();
		assert_noop!(log_read(DOC, LAB_TAG, LAB_RECORD), CError::ExplicitlyDenied);

		MockRecords::amend(LAB_RECORD, LAB_RECORD_V2);
		MockRecords::amend(LAB_RECORD_V2, LAB_RECORD_V3);
		// The records pallet passes the stable identity; `log_access` resolves any version.
		assert_eq!(read_record(DOC, LAB_RECORD), Err(AccessDenial::ExplicitlyDenied(deny)));
		for version in [LAB_RECORD_V2, LAB_RECORD_V3] {
			assert_noop!(log_read(DOC, LAB_TAG, version), CError::ExplicitlyDenied);
		}
		// Other records stay under the permit.
		assert_ok!(log_read(DOC, IMAGING_TAG, IMAGING_RECORD));
		assert_invariants();
	});
}

#[test]
fn a_permit_on_a_record_covers_its_later_versions() {
	new_test_ext().execute_with(|| {
		let id = Grant::permit(DOC).records(vec![LAB_RECORD]).ok();
		MockRecords::amend(LAB_RECORD, LAB_RECORD_V2);
		assert_ok!(log_read(DOC, LAB_TAG, LAB_RECORD_V2));
		let Event::Disclosed { disclosure, .. } = last_event() else { panic!("a disclosure") };
		assert_eq!(
			disclosure.data,
			telemed_primitives::DisclosedData::Record(LAB_RECORD_V2),
			"the log keeps the version read"
		);
		assert_eq!(disclosure.basis, AccessBasis::Consent(id));
		assert_noop!(log_read(DOC, IMAGING_TAG, IMAGING_RECORD), CError::NoConsent);
	});
}

#[test]
fn naming_a_later_version_scopes_the_whole_record_once() {
	new_test_ext().execute_with(|| {
		MockRecords::amend(LAB_RECORD, LAB_RECORD_V2);
		let id = Grant::permit(DOC).records(vec![LAB_RECORD_V2, LAB_RECORD, IMAGING_RECORD]).ok();
		let scope = Consents::<Test>::get(id).unwrap().scope;
		assert_eq!(
			scope,
			ConsentScope::Records(bounded(vec![LAB_RECORD, IMAGING_RECORD])),
			"stable identities, de-duplicated"
		);
		assert_eq!(read_record(DOC, LAB_RECORD), Ok(AccessBasis::Consent(id)));
		assert_ok!(log_read(DOC, LAB_TAG, LAB_RECORD));
		assert_ok!(log_read(DOC, LAB_TAG, LAB_RECORD_V2));
	});
}

#[test]
fn a_scope_names_only_the_patients_existing_records() {
	new_test_ext().execute_with(|| {
		assert_noop!(Grant::permit(DOC).records(vec![999]).call(), CError::UnknownRecord);
		assert_noop!(
			Grant::deny(DOC).records(vec![IMAGING_RECORD, OTHERS_RECORD]).call(),
			CError::NotPatientsRecord
		);
		// A version of another patient's record, named after an amendment, too.
		MockRecords::amend(OTHERS_RECORD, 201);
		assert_noop!(Grant::permit(DOC).records(vec![201]).call(), CError::NotPatientsRecord);
	});
}

#[test]
fn an_oversize_list_fails_when_the_call_is_decoded() {
	let four: BoundedVec<RecordId, ConstU32<10>> = bounded(vec![1, 2, 3, 4]);
	let encoded = ScopeRequest::<ConstU32<10>>::Records(four).encode();
	assert!(ScopeRequestOf::<Test>::decode(&mut &encoded[..]).is_err());
	let three: BoundedVec<RecordId, ConstU32<10>> = bounded(vec![1, 2, 3]);
	let encoded = ScopeRequest::<ConstU32<10>>::Records(three).encode();
	assert!(ScopeRequestOf::<Test>::decode(&mut &encoded[..]).is_ok(), "at the bound");
	let actions = vec![AccessAction::Read; 4].encode();
	assert!(BoundedVec::<AccessAction, crate::MaxActions>::decode(&mut &actions[..]).is_err());
}

// ---- item 5: the grantee's kind is decided at each access -----------------------------------

#[test]
fn a_grantee_who_registers_as_a_practitioner_later_needs_a_licence() {
	new_test_ext().execute_with(|| {
		let id = Grant::permit(NEWCOMER).ok();
		assert_eq!(Consents::<Test>::get(id).unwrap().grantee_kind, GranteeKind::Organisation);
		assert_eq!(read_lab(NEWCOMER), Ok(AccessBasis::Consent(id)));

		set_practitioner(NEWCOMER, false, false);
		assert_eq!(read_lab(NEWCOMER), Err(AccessDenial::NotLicensed));
		assert_noop!(
			log(NEWCOMER, AccessTarget::Tag(LAB_TAG), PurposeOfUse::Treatment),
			CError::NotLicensed
		);

		set_practitioner(NEWCOMER, true, false);
		assert_eq!(read_lab(NEWCOMER), Ok(AccessBasis::Consent(id)));
	});
}

#[test]
fn a_practitioner_who_deregisters_after_a_revocation_is_still_refused() {
	new_test_ext().execute_with(|| {
		let id = Grant::permit(DOC).ok();
		assert_eq!(Consents::<Test>::get(id).unwrap().grantee_kind, GranteeKind::Practitioner);
		set_practitioner(DOC, false, false);
		MockRegistry::deregister(DOC);
		assert_eq!(read_lab(DOC), Err(AccessDenial::NotLicensed));
		assert_noop!(
			log(DOC, AccessTarget::Tag(LAB_TAG), PurposeOfUse::Treatment),
			CError::NotLicensed
		);
		// A permit granted to them as an organisation before ever registering still counts.
		MockRegistry::deregister(NURSE);
		let org = Grant::permit(NURSE).ok();
		assert_eq!(read_lab(NURSE), Ok(AccessBasis::Consent(org)));
	});
}

// ---- item 6: a delegate's consents end with the delegation ----------------------------------

#[test]
fn a_delegate_cannot_grant_a_consent_to_itself() {
	new_test_ext().execute_with(|| {
		assert_ok!(add_delegate(PARENT, vec![DelegateScope::ManageConsents], None));
		assert_noop!(
			Grant { by: PARENT, ..Grant::permit(PARENT) }.call(),
			CError::DelegateCannotGrantItself
		);
		assert_noop!(
			Grant { by: PARENT, ..Grant::deny(PARENT) }.call(),
			CError::DelegateCannotGrantItself
		);
		// Without the scope the refusal is the usual one.
		assert_noop!(Grant { by: NURSE, ..Grant::permit(NURSE) }.call(), CError::NotPermitted);
		// The patient may.
		Grant::permit(PARENT).ok();
	});
}

#[test]
fn a_delegates_consent_ends_no_later_than_the_delegation() {
	new_test_ext().execute_with(|| {
		assert_ok!(add_delegate(PARENT, vec![DelegateScope::ManageConsents], Some(T0 + HOUR)));
		assert_noop!(
			Grant { by: PARENT, end: Some(T0 + HOUR + 1), ..Grant::permit(DOC) }.call(),
			CError::EndsAfterDelegation
		);
		assert_noop!(
			Grant { by: PARENT, start: Some(T0 + HOUR), ..Grant::permit(DOC) }.call(),
			CError::EndBeforeStart
		);
		let capped = Grant { by: PARENT, ..Grant::permit(DOC) }.ok();
		assert_eq!(Consents::<Test>::get(capped).unwrap().end, Some(T0 + HOUR));
		let at_bound = Grant { by: PARENT, end: Some(T0 + HOUR), ..Grant::permit(NURSE) }.ok();
		assert_eq!(Consents::<Test>::get(at_bound).unwrap().end, Some(T0 + HOUR));
		// The patient's own consents are not capped.
		let own = Grant::permit(INSURER).ok();
		assert_eq!(Consents::<Test>::get(own).unwrap().end, None);

		set_now(T0 + HOUR - 1);
		assert_eq!(read_lab(DOC), Ok(AccessBasis::Consent(capped)));
		set_now(T0 + HOUR);
		assert_eq!(read_lab(DOC), Err(AccessDenial::NoConsent));
		assert_eq!(read_lab(NURSE), Err(AccessDenial::NoConsent));
		assert_eq!(read_lab(INSURER), Ok(AccessBasis::Consent(own)));
		assert_ok!(Consent::remove_consent(RuntimeOrigin::signed(DOC), capped));
		assert_invariants();
	});
}

#[test]
fn removing_a_delegate_ends_the_consents_it_granted_for_good() {
	new_test_ext().execute_with(|| {
		assert_ok!(add_delegate(PARENT, vec![DelegateScope::ManageConsents], None));
		let by_delegate = Grant { by: PARENT, ..Grant::permit(DOC) }.ok();
		let by_delegate_deny =
			Grant { by: PARENT, ..Grant::deny(NURSE) }.tags(vec![MENTAL_TAG]).ok();
		let by_patient = Grant::permit(INSURER).ok();
		assert_eq!(Consents::<Test>::get(by_delegate).unwrap().granted_by, PARENT);
		assert_eq!(read_lab(DOC), Ok(AccessBasis::Consent(by_delegate)));

		assert_ok!(Consent::remove_delegate(RuntimeOrigin::signed(PATIENT), PATIENT, PARENT));
		assert_eq!(read_lab(DOC), Err(AccessDenial::NoConsent));
		assert_eq!(read_lab(INSURER), Ok(AccessBasis::Consent(by_patient)));
		let standings: Vec<_> = Consent::consents_of(&PATIENT).iter().map(|v| v.standing).collect();
		assert_eq!(
			standings,
			vec![ConsentStanding::Ended, ConsentStanding::Ended, ConsentStanding::InForce]
		);

		// Appointed again later, the delegate does not revive them.
		set_now(T0 + 1);
		assert_ok!(add_delegate(PARENT, vec![DelegateScope::ManageConsents], None));
		assert_eq!(read_lab(DOC), Err(AccessDenial::NoConsent));

		// Anyone cleans them up; the deposit goes back to the delegate who paid it.
		assert_ok!(Consent::remove_consent(RuntimeOrigin::signed(DOC), by_delegate));
		assert_ok!(Consent::remove_consent(RuntimeOrigin::signed(DOC), by_delegate_deny));
		assert_eq!(held(HoldReason::ConsentDeposit, PARENT), 0);
		assert_invariants();
	});
}

#[test]
fn a_delegate_that_loses_the_manage_scope_stops_its_consents() {
	new_test_ext().execute_with(|| {
		assert_ok!(add_delegate(PARENT, vec![DelegateScope::ManageConsents], None));
		let id = Grant { by: PARENT, ..Grant::permit(DOC) }.ok();
		assert_ok!(Consent::remove_delegate(RuntimeOrigin::signed(PARENT), PATIENT, PARENT));
		// Re-appointed in the same instant with another scope only.
		assert_ok!(add_delegate(PARENT, vec![DelegateScope::BookCare], None));
		assert_eq!(read_lab(DOC), Err(AccessDenial::NoConsent));
		assert_ok!(Consent::remove_consent(RuntimeOrigin::signed(DOC), id));
	});
}

// ---- item 7: one practitioner cannot block break-glass for another --------------------------

fn open(who: AccountId) -> DispatchResultOf {
	Consent::open_emergency_access(RuntimeOrigin::signed(who), PATIENT, [9u8; 32])
}

#[test]
fn one_practitioners_unreviewed_accesses_never_stop_another() {
	new_test_ext().execute_with(|| {
		set_practitioner(NURSE, true, true);
		// The mock allows 2 pending reviews per (patient, practitioner).
		assert_ok!(open(DOC));
		assert_ok!(Consent::close_emergency_access(RuntimeOrigin::signed(DOC), 0));
		assert_ok!(open(DOC));
		assert_ok!(Consent::close_emergency_access(RuntimeOrigin::signed(DOC), 1));
		assert_noop!(open(DOC), CError::TooManyPendingReviews);

		assert_ok!(open(NURSE));
		assert_eq!(PendingReviews::<Test>::get(PATIENT, NURSE).to_vec(), vec![2]);
		let pending: Vec<_> =
			Consent::pending_reviews(&PATIENT).iter().map(|(id, _)| *id).collect();
		assert_eq!(pending, vec![0, 1, 2], "the runtime API lists every practitioner's");

		// Once one of DOC's is reviewed, DOC may open again.
		assert_ok!(Consent::review_emergency_access(RuntimeOrigin::signed(PATIENT), 0, true));
		assert_ok!(open(DOC));
		assert_eq!(PendingReviews::<Test>::get(PATIENT, DOC).to_vec(), vec![1, 3]);
		assert_invariants();
	});
}

// ---- item 9: `log_access` checks what it is told --------------------------------------------

#[test]
fn logging_refuses_an_unknown_patient_and_records_that_do_not_match() {
	new_test_ext().execute_with(|| {
		Grant::permit(DOC).ok();
		let unknown = |who| {
			Consent::log_access(
				RuntimeOrigin::signed(who),
				77,
				AccessAction::Read,
				AccessTarget::Tag(LAB_TAG),
				PurposeOfUse::Treatment,
			)
		};
		assert_noop!(unknown(DOC), CError::UnknownPatient);
		assert_noop!(unknown(77), CError::UnknownPatient);
		assert_noop!(log_read(DOC, LAB_TAG, 999), CError::UnknownRecord);
		assert_noop!(log_read(DOC, LAB_TAG, OTHERS_RECORD), CError::NotPatientsRecord);
		assert_noop!(log_read(PATIENT, LAB_TAG, OTHERS_RECORD), CError::NotPatientsRecord);
		assert_noop!(log_read(DOC, LAB_TAG, IMAGING_RECORD), CError::WrongTag);
		assert_noop!(log_read(DOC, MENTAL_TAG, LAB_RECORD), CError::WrongTag);
		assert_ok!(log_read(DOC, LAB_TAG, LAB_RECORD));
		assert_ok!(log_read(DOC, IMAGING_TAG, IMAGING_RECORD));
	});
}
