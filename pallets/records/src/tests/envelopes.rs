//! Key envelopes: who may add one and for whom, removal, reads through the chain, the
//! runtime API's gate.

use super::*;
use frame_support::assert_noop;
use telemed_primitives::DelegateScope;
use telemed_primitives::{AccessAction, AccessBasis, DisclosedData};

/// A record of the patient and a read consent for the physician.
fn record_shared_with_doc() -> RecordId {
	let id = NewRecord::by(PATIENT).add();
	MockConsent::permit(DOC, PATIENT, AccessAction::Read, PurposeOfUse::Treatment, None);
	id
}

#[test]
fn the_patient_seals_the_key_to_a_grantee_with_read_access() {
	new_test_ext().execute_with(|| {
		let id = record_shared_with_doc();
		// It pays its fee, charged at the holder's path (cheaper than a custodian's release).
		let info = envelope(PATIENT, id, DOC).expect("added");
		assert_eq!(info.pays_fee, frame_support::dispatch::Pays::Yes);
		assert_eq!(info.actual_weight, Some(<() as crate::WeightInfo>::add_envelope()));
		assert_eq!(last_event(), Event::EnvelopeAdded { record: id, grantee: DOC, by: PATIENT });
		let stored = crate::Envelopes::<Test>::get(id, DOC).expect("stored");
		assert_eq!(stored.sealed.to_vec(), sealed());
		assert_eq!((stored.sealed_to, stored.purpose), (DOC_KEY, PurposeOfUse::Treatment));
		assert_eq!((stored.depositor, stored.deposit), (PATIENT, ENVELOPE_DEPOSIT));
		assert_eq!(rec(id).envelopes, 1);
		assert_eq!(crate::EnvelopesOf::<Test>::get(PATIENT, DOC).to_vec(), vec![id]);
		assert_eq!(held(PATIENT), PATIENT_DEPOSIT + RECORD_DEPOSIT + ENVELOPE_DEPOSIT);
		// The patient's own envelope is sealed to the patient's key.
		assert_ok!(envelope(PATIENT, id, PATIENT));
		assert_eq!(
			crate::Envelopes::<Test>::get(id, PATIENT).map(|e| e.sealed_to),
			Some(PATIENT_KEY)
		);
		assert_invariants();
	});
}

#[test]
fn the_author_or_a_delegate_may_add_envelopes_others_may_not() {
	new_test_ext().execute_with(|| {
		MockConsent::permit(DOC, PATIENT, AccessAction::Append, PurposeOfUse::Treatment, None);
		let id = NewRecord::by(DOC).add();
		MockConsent::permit(NURSE, PATIENT, AccessAction::Read, PurposeOfUse::Treatment, None);
		// Neither a stranger nor another grantee may hand out keys.
		assert_noop!(envelope(STRANGER, id, NURSE), RError::NotPermitted);
		assert_noop!(envelope(NURSE, id, NURSE), RError::NotPermitted);
		// The author may.
		assert_ok!(envelope(DOC, id, NURSE));
		assert_eq!(held(DOC), RECORD_DEPOSIT + ENVELOPE_DEPOSIT);
		// A delegate may (here for the patient).
		MockConsent::delegate(PATIENT, PARENT, DelegateScope::AccessRecords);
		assert_ok!(envelope(PARENT, id, PATIENT));
		assert_invariants();
	});
}

#[test]
fn an_envelope_needs_a_grantee_with_read_access_and_a_key() {
	new_test_ext().execute_with(|| {
		let id = NewRecord::by(PATIENT).add();
		// No consent.
		assert_noop!(envelope(PATIENT, id, DOC), RError::NoConsent);
		// A consent for another purpose does not count.
		MockConsent::permit(DOC, PATIENT, AccessAction::Read, PurposeOfUse::Research, None);
		assert_noop!(envelope(PATIENT, id, DOC), RError::NoConsent);
		// A consent for another tag does not count.
		MockConsent::permit(
			DOC,
			PATIENT,
			AccessAction::Read,
			PurposeOfUse::Treatment,
			Some(IMAGING),
		);
		assert_noop!(envelope(PATIENT, id, DOC), RError::NoConsent);
		// A lapsed licence.
		MockConsent::permit(LAPSED, PATIENT, AccessAction::Read, PurposeOfUse::Treatment, None);
		assert_noop!(envelope(PATIENT, id, LAPSED), RError::NotLicensed);
		// A deny.
		MockConsent::deny(NURSE, PATIENT, AccessAction::Read, PurposeOfUse::Treatment);
		assert_noop!(envelope(PATIENT, id, NURSE), RError::ExplicitlyDenied);
		// No published key.
		MockConsent::permit(STRANGER, PATIENT, AccessAction::Read, PurposeOfUse::Treatment, None);
		assert_noop!(envelope(PATIENT, id, STRANGER), RError::NoKeyAgreementKey);
		assert_invariants();
	});
}

#[test]
fn bad_envelopes_are_refused() {
	new_test_ext().execute_with(|| {
		let id = record_shared_with_doc();
		let add = |sealed: Vec<u8>| {
			Records::add_envelope(
				RuntimeOrigin::signed(PATIENT),
				id,
				DOC,
				bounded(&sealed),
				PurposeOfUse::Treatment,
			)
		};
		assert_noop!(add(vec![1u8; 47]), RError::EnvelopeTooShort);
		// The longest passes (a longer one fails to decode: see `bounds`).
		assert_ok!(add(vec![1u8; MAX_ENVELOPE as usize]));
		assert_ok!(Records::remove_envelope(RuntimeOrigin::signed(PATIENT), id, DOC));
		assert_noop!(envelope(PATIENT, 42, DOC), RError::UnknownRecord);
		assert_ok!(add(vec![1u8; 48]));
		assert_noop!(envelope(PATIENT, id, DOC), RError::EnvelopeExists);
		// MAX_ENVELOPES = 2 per version.
		assert_ok!(envelope(PATIENT, id, PATIENT));
		MockConsent::permit(NURSE, PATIENT, AccessAction::Read, PurposeOfUse::Treatment, None);
		assert_noop!(envelope(PATIENT, id, NURSE), RError::TooManyEnvelopes);
		// No deposit, no envelope.
		let other = NewRecord::by(PATIENT).add();
		let free = Balances::free_balance(PATIENT);
		assert_ok!(Balances::transfer_allow_death(
			RuntimeOrigin::signed(PATIENT),
			STRANGER,
			free - 1
		));
		assert_noop!(envelope(PATIENT, other, DOC), RError::InsufficientBalance);
		assert_invariants();
	});
}

#[test]
fn reading_checks_logs_and_hands_over_the_envelope() {
	new_test_ext().execute_with(|| {
		let id = record_shared_with_doc();
		assert_noop!(Records::access_record(RuntimeOrigin::signed(DOC), id), RError::NoEnvelope);
		assert_ok!(envelope(PATIENT, id, DOC));
		set_now(T0 + 5_000);
		assert_ok!(Records::access_record(RuntimeOrigin::signed(DOC), id));
		assert_eq!(
			last_event(),
			Event::RecordAccessed { record: id, accessor: DOC, basis: AccessBasis::Consent(1) }
		);
		let logged = MockConsent::disclosures();
		assert_eq!(logged.len(), 1);
		assert_eq!(
			(logged[0].accessor, logged[0].patient, logged[0].data),
			(DOC, PATIENT, DisclosedData::Record(id))
		);
		assert_eq!(
			(logged[0].action, logged[0].purpose),
			(AccessAction::Read, PurposeOfUse::Treatment)
		);
		assert_eq!(logged[0].at, T0 + 5_000);
		// The accessor reads its envelope from state.
		assert_eq!(
			crate::Envelopes::<Test>::get(id, DOC).map(|e| e.sealed.to_vec()),
			Some(sealed())
		);
		assert!(Records::envelope_for(id, &DOC).is_some());

		// The consent ends: the read is refused, the API returns nothing, nothing is logged.
		MockConsent::revoke(DOC, PATIENT);
		assert_noop!(Records::access_record(RuntimeOrigin::signed(DOC), id), RError::NoConsent);
		assert!(Records::envelope_for(id, &DOC).is_none());
		assert_eq!(MockConsent::disclosures().len(), 1);
		assert_noop!(Records::access_record(RuntimeOrigin::signed(DOC), 42), RError::UnknownRecord);
	});
}

#[test]
fn a_lapsed_licence_stops_reads_at_once() {
	new_test_ext().execute_with(|| {
		let id = record_shared_with_doc();
		assert_ok!(envelope(PATIENT, id, DOC));
		MockRegistry::set(DOC, DOC_KEY, false);
		assert_noop!(Records::access_record(RuntimeOrigin::signed(DOC), id), RError::NotLicensed);
		assert!(Records::envelope_for(id, &DOC).is_none());
	});
}

#[test]
fn envelopes_are_removed_by_the_patient_the_grantee_or_anyone_once_access_ended() {
	new_test_ext().execute_with(|| {
		let id = record_shared_with_doc();
		assert_ok!(envelope(PATIENT, id, DOC));
		assert_ok!(envelope(PATIENT, id, PATIENT));
		// While the physician may read, a stranger cannot remove it.
		assert_noop!(
			Records::remove_envelope(RuntimeOrigin::signed(STRANGER), id, DOC),
			RError::StillHasAccess
		);
		// Once the consent is revoked, anyone may clean up; the deposit goes to its payer.
		MockConsent::revoke(DOC, PATIENT);
		assert_ok!(Records::remove_envelope(RuntimeOrigin::signed(STRANGER), id, DOC));
		assert_eq!(last_event(), Event::EnvelopeRemoved { record: id, grantee: DOC });
		assert_eq!(held(PATIENT), PATIENT_DEPOSIT + RECORD_DEPOSIT + ENVELOPE_DEPOSIT);
		assert_noop!(
			Records::remove_envelope(RuntimeOrigin::signed(PATIENT), id, DOC),
			RError::NoEnvelope
		);
		// The patient removes their own at any time.
		assert_ok!(Records::remove_envelope(RuntimeOrigin::signed(PATIENT), id, PATIENT));
		assert_eq!(rec(id).envelopes, 0);
		// The grantee may decline theirs while still allowed.
		MockConsent::permit(DOC, PATIENT, AccessAction::Read, PurposeOfUse::Treatment, None);
		assert_ok!(envelope(PATIENT, id, DOC));
		assert_ok!(Records::remove_envelope(RuntimeOrigin::signed(DOC), id, DOC));
		assert_noop!(
			Records::remove_envelope(RuntimeOrigin::signed(PATIENT), 42, DOC),
			RError::UnknownRecord
		);
		assert_eq!(held(PATIENT), PATIENT_DEPOSIT + RECORD_DEPOSIT);
		assert_invariants();
	});
}

#[test]
fn superseded_versions_stay_readable() {
	new_test_ext().execute_with(|| {
		let id = record_shared_with_doc();
		assert_ok!(amend(PATIENT, id));
		assert_ok!(envelope(PATIENT, id, DOC));
		assert_ok!(Records::access_record(RuntimeOrigin::signed(DOC), id));
		assert_invariants();
	});
}

#[test]
fn a_suspended_licence_does_not_let_strangers_remove_envelopes() {
	new_test_ext().execute_with(|| {
		let id = record_shared_with_doc();
		assert_ok!(envelope(PATIENT, id, DOC));
		// The licence is suspended (not valid now, may be again): the consent still holds.
		MockRegistry::set(DOC, DOC_KEY, false);
		assert_noop!(
			Records::remove_envelope(RuntimeOrigin::signed(STRANGER), id, DOC),
			RError::AccessMayResume
		);
		// Reinstated, the physician reads again with the same envelope.
		MockRegistry::set(DOC, DOC_KEY, true);
		assert_ok!(Records::access_record(RuntimeOrigin::signed(DOC), id));
		// The patient, a delegate or the grantee may still remove it while suspended.
		MockRegistry::set(DOC, DOC_KEY, false);
		MockConsent::delegate(PATIENT, PARENT, DelegateScope::AccessRecords);
		assert_ok!(Records::remove_envelope(RuntimeOrigin::signed(PARENT), id, DOC));
		assert_ok!(envelope(PATIENT, id, PATIENT));
		assert_invariants();
	});
}

#[test]
fn strangers_remove_envelopes_once_access_ended_for_good() {
	new_test_ext().execute_with(|| {
		let id = record_shared_with_doc();
		MockConsent::permit(NURSE, PATIENT, AccessAction::Read, PurposeOfUse::Treatment, None);
		assert_ok!(envelope(PATIENT, id, DOC));
		assert_ok!(envelope(PATIENT, id, NURSE));
		// Suspended and then the consent revoked as well: the consent's end is final.
		MockRegistry::set(DOC, DOC_KEY, false);
		MockConsent::revoke(DOC, PATIENT);
		assert_ok!(Records::remove_envelope(RuntimeOrigin::signed(STRANGER), id, DOC));
		// A deny is the patient's word too.
		MockConsent::deny(NURSE, PATIENT, AccessAction::Read, PurposeOfUse::Treatment);
		assert_ok!(Records::remove_envelope(RuntimeOrigin::signed(STRANGER), id, NURSE));
		assert_eq!(held(PATIENT), PATIENT_DEPOSIT + RECORD_DEPOSIT);
		assert_invariants();
	});
}

#[test]
fn access_checks_name_the_records_identity_not_the_version() {
	new_test_ext().execute_with(|| {
		let first = record_shared_with_doc();
		MockConsent::permit(DOC, PATIENT, AccessAction::Amend, PurposeOfUse::Treatment, None);
		let other = NewRecord::by(PATIENT).add();
		assert_ok!(amend(PATIENT, first));
		let second = crate::NextRecordId::<Test>::get() - 1;
		assert_eq!(MockConsent::last_record(), None, "the patient writes without a check");
		// The physician amends the second version: the check names the first.
		assert_ok!(amend(DOC, second));
		assert_eq!(MockConsent::last_record(), Some(Some(first)));
		let third = second + 1;
		assert_eq!(rec(third).record, first);
		// Envelopes, reads, the API and removals of any version name the first too.
		assert_ok!(envelope(PATIENT, third, DOC));
		assert_eq!(MockConsent::last_record(), Some(Some(first)));
		assert_ok!(envelope(PATIENT, other, DOC));
		assert_eq!(MockConsent::last_record(), Some(Some(other)));
		assert_ok!(Records::access_record(RuntimeOrigin::signed(DOC), third));
		assert_eq!(MockConsent::last_record(), Some(Some(first)));
		// The disclosure names the version read.
		assert_eq!(
			MockConsent::disclosures().last().map(|d| d.data),
			Some(DisclosedData::Record(third))
		);
		assert!(Records::envelope_for(second, &DOC).is_none());
		assert!(Records::envelope_for(third, &DOC).is_some());
		assert_eq!(MockConsent::last_record(), Some(Some(first)));
		MockConsent::revoke(DOC, PATIENT);
		assert_ok!(Records::remove_envelope(RuntimeOrigin::signed(STRANGER), third, DOC));
		assert_eq!(MockConsent::last_record(), Some(Some(first)));
		assert_invariants();
	});
}
