//! The emergency custodian: a delegate with `EmergencyCustodian` holds the keys the patient
//! seals to it, without any access of its own, and releases them only to a practitioner whose
//! break-glass access is open now; each release is a disclosure on that emergency's basis. Its
//! custody envelopes (purpose `EmergencyTreatment`) are held while the appointment lasts; custody
//! is a property of the envelope, not of the account: the custodian's envelopes under a consent
//! go as anyone's. Only the record's current version is released.
//!
//! Every refusal below is followed by the same call succeeding once the one missing condition
//! holds, so each test fails if its rule is not there.

use super::*;
use frame_support::{assert_noop, dispatch::Pays, traits::Hooks, weights::Weight};
use telemed_primitives::{
	AccessAction, AccessBasis, DelegateScope, DisclosedData, Disclosure, EnvelopeKeeper,
	LicenceRevocation,
};

/// The emergency key service's account: registered as a patient for its key-agreement key.
const KEEPER: AccountId = 30;
/// Its key-agreement key.
const KEEPER_KEY: telemed_primitives::KeyAgreementKey = [0x30; 32];
/// The break-glass access the tests open.
const EMERGENCY: u64 = 7;

type Pallet = crate::Pallet<Test>;

/// Funds and registers the keeper (for its key) and appoints it the patient's custodian.
fn appoint_keeper() {
	use frame_support::traits::fungible::Mutate;
	Balances::set_balance(&KEEPER, 1_000);
	assert_ok!(Records::register_patient(RuntimeOrigin::signed(KEEPER), KEEPER_KEY));
	MockConsent::delegate(PATIENT, KEEPER, DelegateScope::EmergencyCustodian);
}

/// The doctor breaks the glass on the patient's data (endorsed for emergency care).
fn doc_breaks_the_glass() {
	MockRegistry::set_emergency(DOC, true);
	MockConsent::open_emergency(DOC, PATIENT, EMERGENCY);
}

/// A record of the patient, sealed to the appointed keeper.
fn record_held_by_keeper() -> RecordId {
	appoint_keeper();
	let id = NewRecord::by(PATIENT).add();
	assert_ok!(custody(PATIENT, id, KEEPER));
	id
}

/// `by` seals `record`'s key to `custodian` as a custody envelope (for emergency treatment).
fn custody(by: AccountId, record: RecordId, custodian: AccountId) -> DispatchResultWithPostInfo {
	seal(by, record, custodian, PurposeOfUse::EmergencyTreatment)
}

/// `by` seals `record`'s key to `grantee` for `purpose`.
fn seal(
	by: AccountId,
	record: RecordId,
	grantee: AccountId,
	purpose: PurposeOfUse,
) -> DispatchResultWithPostInfo {
	Records::add_envelope(RuntimeOrigin::signed(by), record, grantee, bounded(&sealed()), purpose)
}

/// The keeper releases `record`'s key to `grantee` for emergency treatment.
fn release(record: RecordId, grantee: AccountId) -> DispatchResultWithPostInfo {
	seal(KEEPER, record, grantee, PurposeOfUse::EmergencyTreatment)
}

fn holds(id: RecordId, grantee: AccountId) -> bool {
	crate::Envelopes::<Test>::contains_key(id, grantee)
}

#[test]
fn the_patient_seals_to_the_custodian_which_reads_nothing() {
	new_test_ext().execute_with(|| {
		use frame_support::traits::fungible::Mutate;
		Balances::set_balance(&KEEPER, 1_000);
		let id = NewRecord::by(PATIENT).add();
		// A custodian needs a key-agreement key like any grantee.
		MockConsent::delegate(PATIENT, KEEPER, DelegateScope::EmergencyCustodian);
		assert_noop!(custody(PATIENT, id, KEEPER), RError::NoKeyAgreementKey);
		assert_ok!(Records::register_patient(RuntimeOrigin::signed(KEEPER), KEEPER_KEY));
		// Not appointed: no access, no envelope.
		MockConsent::undelegate(PATIENT, KEEPER, DelegateScope::EmergencyCustodian);
		assert_noop!(custody(PATIENT, id, KEEPER), RError::NoConsent);
		MockConsent::delegate(PATIENT, KEEPER, DelegateScope::EmergencyCustodian);
		// Appointed, for another purpose: no custody envelope, the usual denial.
		assert_noop!(envelope(PATIENT, id, KEEPER), RError::NoConsent);
		assert_ok!(custody(PATIENT, id, KEEPER));
		let stored = crate::Envelopes::<Test>::get(id, KEEPER).expect("stored");
		assert_eq!((stored.sealed_to, stored.depositor), (KEEPER_KEY, PATIENT));
		assert_eq!(crate::EnvelopesOf::<Test>::get(PATIENT, KEEPER).to_vec(), vec![id]);
		// The runtime API gives the custodian its envelope, to release it.
		assert!(Pallet::envelope_for(id, &KEEPER).is_some());
		// It holds the key but reads nothing through the chain.
		assert_noop!(Records::access_record(RuntimeOrigin::signed(KEEPER), id), RError::NoConsent);
		// A delegate with `AccessRecords` may seal to it too.
		MockConsent::delegate(PATIENT, PARENT, DelegateScope::AccessRecords);
		let second = NewRecord { tag: IMAGING, ..NewRecord::by(PATIENT) }.add();
		assert_ok!(custody(PARENT, second, KEEPER));
		// The author may not: which keys an emergency may release is the patient's choice.
		MockConsent::permit(DOC, PATIENT, AccessAction::Append, PurposeOfUse::Treatment, None);
		let third = NewRecord { tag: IMAGING, ..NewRecord::by(DOC) }.add();
		assert_noop!(custody(DOC, third, KEEPER), RError::NotPermitted);
		assert_ok!(custody(PATIENT, third, KEEPER));
		// It adds nothing and hands nothing out outside an emergency.
		assert_noop!(NewRecord::by(KEEPER).call(), RError::NotLicensed);
		assert_noop!(envelope(KEEPER, id, PATIENT), RError::NotPermitted);
		assert!(MockConsent::disclosures().is_empty());
		assert_invariants();
	});
}

#[test]
fn the_custodian_releases_a_key_to_a_practitioner_who_broke_the_glass() {
	new_test_ext().execute_with(|| {
		let id = record_held_by_keeper();
		assert_noop!(release(id, DOC), RError::NotPermitted);
		doc_breaks_the_glass();
		let before = held(KEEPER);
		// A successful release pays no fee (the custodian's balance is not drained by
		// emergencies) and is charged the custodian path's weight.
		let info = release(id, DOC).expect("released");
		assert_eq!(info.pays_fee, Pays::No);
		assert_eq!(
			info.actual_weight,
			Some(<() as crate::WeightInfo>::add_envelope_by_custodian())
		);
		assert_eq!(last_event(), Event::EnvelopeAdded { record: id, grantee: DOC, by: KEEPER });
		let stored = crate::Envelopes::<Test>::get(id, DOC).expect("stored");
		assert_eq!((stored.sealed_to, stored.purpose), (DOC_KEY, PurposeOfUse::EmergencyTreatment));
		// The custodian pays the deposit.
		assert_eq!((stored.depositor, stored.deposit), (KEEPER, ENVELOPE_DEPOSIT));
		assert_eq!(held(KEEPER), before + ENVELOPE_DEPOSIT);
		// The release is in the patient's log, on the emergency's basis.
		assert_eq!(
			MockConsent::disclosures(),
			vec![Disclosure {
				accessor: DOC,
				patient: PATIENT,
				data: DisclosedData::Record(id),
				action: AccessAction::Read,
				purpose: PurposeOfUse::EmergencyTreatment,
				basis: AccessBasis::Emergency(EMERGENCY),
				at: T0,
			}]
		);
		// The practitioner reads it through the chain (a second disclosure).
		assert_ok!(Records::access_record(RuntimeOrigin::signed(DOC), id));
		assert_eq!(MockConsent::disclosures().len(), 2);
		// Twice is `EnvelopeExists`, and a refused release pays its fee as any call.
		assert_noop!(release(id, DOC), RError::EnvelopeExists);
		assert_eq!(release(id, DOC).unwrap_err().post_info.pays_fee, Pays::Yes);
		assert_invariants();
	});
}

#[test]
fn a_custodian_of_another_patient_releases_nothing() {
	new_test_ext().execute_with(|| {
		let id = NewRecord::by(PATIENT).add();
		appoint_keeper();
		MockConsent::undelegate(PATIENT, KEEPER, DelegateScope::EmergencyCustodian);
		MockConsent::delegate(OTHER_PATIENT, KEEPER, DelegateScope::EmergencyCustodian);
		// It holds the key (for emergency treatment) under a consent of the patient, and is
		// the other patient's custodian.
		MockConsent::permit(
			KEEPER,
			PATIENT,
			AccessAction::Read,
			PurposeOfUse::EmergencyTreatment,
			None,
		);
		assert_ok!(custody(PATIENT, id, KEEPER));
		doc_breaks_the_glass();
		assert_noop!(release(id, DOC), RError::NotPermitted);
		// Appointed by this patient, it may.
		MockConsent::delegate(PATIENT, KEEPER, DelegateScope::EmergencyCustodian);
		assert_ok!(release(id, DOC));
		assert_invariants();
	});
}

#[test]
fn a_removed_custodian_releases_nothing() {
	new_test_ext().execute_with(|| {
		let id = record_held_by_keeper();
		doc_breaks_the_glass();
		MockConsent::undelegate(PATIENT, KEEPER, DelegateScope::EmergencyCustodian);
		assert_noop!(release(id, DOC), RError::NotPermitted);
		// The runtime API no longer gives it its envelope.
		assert!(Pallet::envelope_for(id, &KEEPER).is_none());
		MockConsent::delegate(PATIENT, KEEPER, DelegateScope::EmergencyCustodian);
		assert_ok!(release(id, DOC));
	});
}

#[test]
fn no_release_once_the_emergency_is_closed_or_no_longer_counts() {
	new_test_ext().execute_with(|| {
		let id = record_held_by_keeper();
		doc_breaks_the_glass();
		// Closed (or expired: the consent pallet then answers the same).
		MockConsent::close_emergency(DOC, PATIENT);
		assert_noop!(release(id, DOC), RError::NotPermitted);
		// Open, but the practitioner's endorsement withdrawn: the access does not count.
		MockConsent::open_emergency(DOC, PATIENT, EMERGENCY);
		MockRegistry::set_emergency(DOC, false);
		assert_noop!(release(id, DOC), RError::NotPermitted);
		MockRegistry::set_emergency(DOC, true);
		assert_ok!(release(id, DOC));
	});
}

#[test]
fn no_release_to_a_practitioner_whose_access_rests_on_a_consent() {
	new_test_ext().execute_with(|| {
		let id = record_held_by_keeper();
		MockRegistry::set_emergency(DOC, true);
		// Read access for emergency treatment, but on a consent: the patient decides that one.
		MockConsent::permit(
			DOC,
			PATIENT,
			AccessAction::Read,
			PurposeOfUse::EmergencyTreatment,
			None,
		);
		assert_noop!(release(id, DOC), RError::NotPermitted);
		// Nor any other purpose, nor the patient, nor a delegate for records.
		MockConsent::permit(DOC, PATIENT, AccessAction::Read, PurposeOfUse::Treatment, None);
		assert_noop!(seal(KEEPER, id, DOC, PurposeOfUse::Treatment), RError::NotPermitted);
		assert_noop!(release(id, PATIENT), RError::NotPermitted);
		MockConsent::delegate(PATIENT, PARENT, DelegateScope::AccessRecords);
		assert_noop!(release(id, PARENT), RError::NotPermitted);
		// Broken glass: the basis is the emergency.
		MockConsent::open_emergency(DOC, PATIENT, EMERGENCY);
		assert_ok!(release(id, DOC));
	});
}

#[test]
fn no_release_of_a_version_the_custodian_holds_no_envelope_for() {
	new_test_ext().execute_with(|| {
		let held_one = record_held_by_keeper();
		let other = NewRecord { tag: IMAGING, ..NewRecord::by(PATIENT) }.add();
		doc_breaks_the_glass();
		assert_noop!(release(other, DOC), RError::NotPermitted);
		assert_ok!(release(held_one, DOC));
		// An amendment has a new data key: the envelope of the old version does not cover it.
		assert_ok!(amend(PATIENT, held_one));
		let amended = held_one + 2;
		assert_eq!(rec(amended).supersedes, Some(held_one));
		assert_noop!(release(amended, DOC), RError::NotPermitted);
		assert_ok!(custody(PATIENT, amended, KEEPER));
		assert_ok!(release(amended, DOC));
		assert_invariants();
	});
}

#[test]
fn a_delegate_for_records_is_unaffected() {
	new_test_ext().execute_with(|| {
		let id = NewRecord::by(PATIENT).add();
		MockConsent::delegate(PATIENT, PARENT, DelegateScope::AccessRecords);
		doc_breaks_the_glass();
		// It seals for any grantee with access, holding nothing, and logs no disclosure
		// (as before: the break-glass opening and the practitioner's reads are logged).
		assert_ok!(seal(PARENT, id, DOC, PurposeOfUse::EmergencyTreatment));
		assert!(MockConsent::disclosures().is_empty());
		assert_ok!(envelope(PATIENT, id, PARENT));
		// Its own envelope goes to anyone once the delegation ends: it is no custodian.
		assert_noop!(
			Records::remove_envelope(RuntimeOrigin::signed(STRANGER), id, PARENT),
			RError::StillHasAccess
		);
		MockConsent::undelegate(PATIENT, PARENT, DelegateScope::AccessRecords);
		assert_ok!(Records::remove_envelope(RuntimeOrigin::signed(STRANGER), id, PARENT));
		assert_invariants();
	});
}

#[test]
fn a_practitioner_who_is_the_custodian_cannot_release_to_itself() {
	new_test_ext().execute_with(|| {
		// The doctor is the patient's custodian and holds the key already.
		let id = NewRecord::by(PATIENT).add();
		MockConsent::delegate(PATIENT, DOC, DelegateScope::EmergencyCustodian);
		assert_ok!(custody(PATIENT, id, DOC));
		doc_breaks_the_glass();
		// Sealing to itself is no release: refused before anything else is looked at.
		assert_noop!(seal(DOC, id, DOC, PurposeOfUse::EmergencyTreatment), RError::NotPermitted);
		assert!(MockConsent::disclosures().is_empty());
		// It may release to another practitioner who broke the glass.
		MockRegistry::set_emergency(NURSE, true);
		MockConsent::open_emergency(NURSE, PATIENT, EMERGENCY + 1);
		assert_ok!(seal(DOC, id, NURSE, PurposeOfUse::EmergencyTreatment));
		assert_eq!(
			MockConsent::disclosures().last().map(|d| (d.accessor, d.basis)),
			Some((NURSE, AccessBasis::Emergency(EMERGENCY + 1)))
		);
		assert_invariants();
	});
}

#[test]
fn the_custodians_envelopes_are_held_while_the_appointment_lasts() {
	new_test_ext().execute_with(|| {
		let id = record_held_by_keeper();
		// A stranger may not remove it; the patient and the custodian itself may.
		assert_noop!(
			Records::remove_envelope(RuntimeOrigin::signed(STRANGER), id, KEEPER),
			RError::StillHasAccess
		);
		// Pruning for the pair (a consent of the custodian's ended) leaves it.
		Pallet::prune_envelopes(&PATIENT, &KEEPER);
		assert!(holds(id, KEEPER));
		// `prune_revoked` (the keeper is no practitioner: open to anyone) leaves it.
		let pruned = Records::prune_revoked(RuntimeOrigin::signed(STRANGER), KEEPER, PATIENT)
			.expect("a pair to look at");
		assert_eq!(pruned.pays_fee, Pays::Yes);
		assert!(holds(id, KEEPER));
		// A re-key renews it.
		let commitment = rec(id).commitment;
		assert_ok!(rekey(PATIENT, id, commitment, &[KEEPER]));
		let renewed = id + 1;
		assert!(holds(renewed, KEEPER) && !holds(id, KEEPER));
		// The appointment ends: the envelope goes the way of an ended consent's.
		MockConsent::undelegate(PATIENT, KEEPER, DelegateScope::EmergencyCustodian);
		Pallet::prune_envelopes(&PATIENT, &KEEPER);
		assert!(!holds(renewed, KEEPER));
		assert_eq!(held(KEEPER), PATIENT_DEPOSIT);
		assert_invariants();
	});
}

#[test]
fn a_stranger_removes_an_ended_custodians_envelope_and_the_custodian_its_own_any_time() {
	new_test_ext().execute_with(|| {
		let id = record_held_by_keeper();
		let other = NewRecord { tag: IMAGING, ..NewRecord::by(PATIENT) }.add();
		assert_ok!(custody(PATIENT, other, KEEPER));
		assert_ok!(Records::remove_envelope(RuntimeOrigin::signed(KEEPER), other, KEEPER));
		MockConsent::undelegate(PATIENT, KEEPER, DelegateScope::EmergencyCustodian);
		assert_ok!(Records::remove_envelope(RuntimeOrigin::signed(STRANGER), id, KEEPER));
		assert_eq!(last_event(), Event::EnvelopeRemoved { record: id, grantee: KEEPER });
		assert_invariants();
	});
}

#[test]
fn the_licence_sweep_leaves_a_practitioner_custodians_envelopes() {
	new_test_ext().execute_with(|| {
		let id = NewRecord::by(PATIENT).add();
		MockConsent::delegate(PATIENT, DOC, DelegateScope::EmergencyCustodian);
		assert_ok!(custody(PATIENT, id, DOC));
		// The doctor's licence is revoked for good; the sweep runs.
		MockRegistry::set(DOC, DOC_KEY, false);
		Pallet::licence_revoked(&DOC);
		<Pallet as Hooks<u64>>::on_idle(1, Weight::MAX);
		assert!(holds(id, DOC));
		// Without the appointment, the same sweep removes it.
		MockConsent::undelegate(PATIENT, DOC, DelegateScope::EmergencyCustodian);
		Pallet::licence_revoked(&DOC);
		<Pallet as Hooks<u64>>::on_idle(2, Weight::MAX);
		assert!(!holds(id, DOC));
		assert_invariants();
	});
}

#[test]
fn a_practitioner_custodian_holds_its_consent_envelopes_as_anyone_does() {
	new_test_ext().execute_with(|| {
		// The doctor is the patient's GP (a consent to read for treatment) and custodian.
		MockConsent::permit(DOC, PATIENT, AccessAction::Read, PurposeOfUse::Treatment, None);
		MockConsent::delegate(PATIENT, DOC, DelegateScope::EmergencyCustodian);
		let note = NewRecord::by(PATIENT).add();
		let letter = NewRecord { tag: IMAGING, ..NewRecord::by(PATIENT) }.add();
		let allergies = NewRecord { tag: [0xa1; 32], ..NewRecord::by(PATIENT) }.add();
		assert_ok!(envelope(PATIENT, note, DOC));
		assert_ok!(envelope(PATIENT, letter, DOC));
		assert_ok!(custody(PATIENT, allergies, DOC));
		// A nurse breaks the glass: only the custody envelope's key may be released.
		MockRegistry::set_emergency(NURSE, true);
		MockConsent::open_emergency(NURSE, PATIENT, EMERGENCY);
		let to_nurse = |record| seal(DOC, record, NURSE, PurposeOfUse::EmergencyTreatment);
		assert_noop!(to_nurse(note), RError::NotPermitted);
		assert_ok!(to_nurse(allergies));
		// The consent is revoked: its envelopes go to anyone's clean-up and to the pruning;
		// the custody envelope stays while the appointment lasts.
		MockConsent::revoke(DOC, PATIENT);
		assert!(Pallet::envelope_for(note, &DOC).is_none());
		assert!(Pallet::envelope_for(allergies, &DOC).is_some());
		assert_ok!(Records::remove_envelope(RuntimeOrigin::signed(STRANGER), note, DOC));
		assert_noop!(
			Records::remove_envelope(RuntimeOrigin::signed(STRANGER), allergies, DOC),
			RError::StillHasAccess
		);
		assert_eq!(Pallet::do_prune_envelopes(&PATIENT, &DOC), (2, 1));
		assert!(!holds(letter, DOC) && holds(allergies, DOC));
		assert_eq!(crate::EnvelopesOf::<Test>::get(PATIENT, DOC).to_vec(), vec![allergies]);
		assert_invariants();
	});
}

#[test]
fn a_custody_envelope_has_the_purpose_emergency_treatment() {
	new_test_ext().execute_with(|| {
		appoint_keeper();
		let id = NewRecord::by(PATIENT).add();
		// Every other purpose is refused as for any grantee without access.
		for purpose in [
			PurposeOfUse::Treatment,
			PurposeOfUse::Research,
			PurposeOfUse::Payment,
			PurposeOfUse::Operations,
		] {
			assert_noop!(seal(PATIENT, id, KEEPER, purpose), RError::NoConsent);
		}
		assert_ok!(custody(PATIENT, id, KEEPER));
		assert_eq!(
			crate::Envelopes::<Test>::get(id, KEEPER).map(|e| e.purpose),
			Some(PurposeOfUse::EmergencyTreatment)
		);
		// A re-key renews it with the same purpose only.
		assert_ok!(rekey(PATIENT, id, rec(id).commitment, &[KEEPER]));
		assert_eq!(
			crate::Envelopes::<Test>::get(id + 1, KEEPER).map(|e| e.purpose),
			Some(PurposeOfUse::EmergencyTreatment)
		);
		assert_invariants();
	});
}

#[test]
fn only_the_current_version_is_released() {
	new_test_ext().execute_with(|| {
		let first = record_held_by_keeper();
		doc_breaks_the_glass();
		// Amended: the custodian still holds the first version's envelope, but its key is
		// no longer released (the patient seals the amendment's key to the custodian).
		assert_ok!(amend(PATIENT, first));
		let amended = first + 1;
		assert_eq!(rec(first).superseded_by(), Some(amended));
		assert!(holds(first, KEEPER));
		assert_noop!(release(first, DOC), RError::NotCurrent);
		// Refused as before for anything else first: a removed custodian is `NotPermitted`.
		MockConsent::undelegate(PATIENT, KEEPER, DelegateScope::EmergencyCustodian);
		assert_noop!(release(first, DOC), RError::NotPermitted);
		MockConsent::delegate(PATIENT, KEEPER, DelegateScope::EmergencyCustodian);
		assert_ok!(custody(PATIENT, amended, KEEPER));
		// A re-key of the amendment renews the envelope on the new current version only.
		assert_ok!(rekey(PATIENT, amended, rec(amended).commitment, &[KEEPER]));
		let rekeyed = amended + 1;
		assert_noop!(release(amended, DOC), RError::NotPermitted);
		assert_ok!(release(rekeyed, DOC));
		assert_invariants();
	});
}
