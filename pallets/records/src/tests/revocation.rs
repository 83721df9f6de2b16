//! A licence revoked for good: the grantee index, the queue, `on_idle`'s sweep and
//! `prune_revoked`.

use super::*;
use crate::{GranteePatients, RevocationSweep, RevokedGrantees, WeightInfo};
use frame_support::{assert_noop, dispatch::Pays, traits::Hooks, weights::Weight};
use sp_runtime::DispatchError;
use telemed_primitives::{AccessAction, LicenceRevocation, PurposeOfUse};

type Revocation = crate::Pallet<Test>;

/// A second licensed practitioner, for the queue's bound.
const DENTIST: AccountId = 13;

/// `patient` permits `grantee` to read for treatment.
fn permit(grantee: AccountId, patient: AccountId) {
	MockConsent::permit(grantee, patient, AccessAction::Read, PurposeOfUse::Treatment, None);
}

/// `patient` adds a record with `tag` and gives `grantee` (permitted) an envelope on it.
fn share(patient: AccountId, tag: Tag, grantee: AccountId) -> RecordId {
	permit(grantee, patient);
	let id = NewRecord { patient, tag, ..NewRecord::by(patient) }.add();
	assert_ok!(envelope(patient, id, grantee));
	id
}

/// Whether `grantee` holds an envelope on `id`.
fn holds(id: RecordId, grantee: AccountId) -> bool {
	crate::Envelopes::<Test>::contains_key(id, grantee)
}

/// The patients the index names for `grantee`.
fn patients_of(grantee: AccountId) -> Vec<AccountId> {
	let mut patients: Vec<_> = GranteePatients::<Test>::iter_key_prefix(grantee).collect();
	patients.sort();
	patients
}

/// The mock's database weights.
fn db() -> frame_support::weights::RuntimeDbWeight {
	<<Test as frame_system::Config>::DbWeight as Get<_>>::get()
}

/// Runs `on_idle` with all the weight it wants.
fn idle() -> Weight {
	<Revocation as Hooks<u64>>::on_idle(1, Weight::MAX)
}

/// The weight for exactly one sweep step (and the cursor's read).
fn one_step() -> Weight {
	db().reads(1).saturating_add(<() as WeightInfo>::sweep_step(MAX_GRANTEE_ENVELOPES))
}

/// The doctor has envelopes for both patients; their licence is then revoked for good (the
/// registry no longer counts it) and the records pallet is told.
fn doc_revoked_with_two_patients() -> (RecordId, RecordId) {
	let mine = share(PATIENT, LAB, DOC);
	let theirs = share(OTHER_PATIENT, THEIR_LAB, DOC);
	MockRegistry::set(DOC, DOC_KEY, false);
	Revocation::licence_revoked(&DOC);
	(mine, theirs)
}

#[test]
fn the_grantee_index_follows_every_write_of_the_envelope_index() {
	new_test_ext().execute_with(|| {
		let first = share(PATIENT, LAB, DOC);
		let second = NewRecord::by(PATIENT).add();
		assert_ok!(envelope(PATIENT, second, DOC));
		share(OTHER_PATIENT, THEIR_LAB, DOC);
		assert_eq!(patients_of(DOC), vec![PATIENT, OTHER_PATIENT]);
		assert_invariants();
		// Removing one of two keeps the pair; the last removes it.
		assert_ok!(Records::remove_envelope(RuntimeOrigin::signed(PATIENT), first, DOC));
		assert_eq!(patients_of(DOC), vec![PATIENT, OTHER_PATIENT]);
		// A re-key renewing the envelope keeps it; one not renewing it drops it.
		assert_ok!(rekey(PATIENT, second, [1u8; 32], &[DOC]));
		assert_eq!(patients_of(DOC), vec![PATIENT, OTHER_PATIENT]);
		assert_invariants();
		let third = crate::NextRecordId::<Test>::get() - 1;
		assert_ok!(rekey(PATIENT, third, [1u8; 32], &[]));
		assert_eq!(patients_of(DOC), vec![OTHER_PATIENT]);
		assert_invariants();
		// Shredding removes it.
		let theirs = listed(OTHER_PATIENT)[0];
		assert_ok!(Records::shred_record(RuntimeOrigin::signed(OTHER_PATIENT), theirs));
		assert!(patients_of(DOC).is_empty());
		// A consent's end prunes it.
		let again = share(PATIENT, IMAGING, NURSE);
		assert_eq!(patients_of(NURSE), vec![PATIENT]);
		MockConsent::revoke(NURSE, PATIENT);
		<Revocation as telemed_primitives::EnvelopeKeeper<AccountId>>::prune_envelopes(
			&PATIENT, &NURSE,
		);
		assert!(!holds(again, NURSE));
		assert!(patients_of(NURSE).is_empty());
		assert_invariants();
	});
}

#[test]
fn a_revoked_holder_is_queued_only_with_envelopes() {
	new_test_ext().execute_with(|| {
		// The nurse holds no envelope: nothing to sweep, nothing queued.
		let weight = Revocation::licence_revoked(&NURSE);
		assert!(weight.all_lte(Revocation::licence_revoked_weight()));
		assert_eq!(RevokedGrantees::<Test>::count(), 0);
		doc_revoked_with_two_patients();
		assert_eq!(RevokedGrantees::<Test>::get(DOC), Some(T0));
		assert_eq!(last_event(), Event::RevocationQueued { grantee: DOC });
		assert_invariants();
	});
}

#[test]
fn on_idle_removes_the_revoked_grantees_envelopes_for_every_patient() {
	new_test_ext().execute_with(|| {
		let (mine, theirs) = doc_revoked_with_two_patients();
		let held_before = held(PATIENT);
		let used = idle();
		assert!(used.any_gt(Weight::zero()));
		assert!(!holds(mine, DOC) && !holds(theirs, DOC));
		assert!(patients_of(DOC).is_empty());
		assert!(!crate::EnvelopesOf::<Test>::contains_key(PATIENT, DOC));
		assert!(!crate::EnvelopesOf::<Test>::contains_key(OTHER_PATIENT, DOC));
		assert_eq!(held(PATIENT), held_before - ENVELOPE_DEPOSIT);
		assert_eq!(rec(mine).envelopes, 0);
		assert_eq!(RevokedGrantees::<Test>::count(), 0);
		assert!(RevocationSweep::<Test>::get().is_none());
		assert_eq!(last_event(), Event::RevocationSwept { grantee: DOC });
		assert_invariants();
		// Nothing left: a later block does (almost) nothing.
		assert!(idle().all_lte(db().reads(2)));
	});
}

#[test]
fn the_sweep_stops_at_the_weight_left_and_resumes_in_the_next_block() {
	new_test_ext().execute_with(|| {
		let (mine, theirs) = doc_revoked_with_two_patients();
		// Not enough for a step: nothing done.
		let short = one_step().saturating_sub(Weight::from_parts(1, 0));
		<Revocation as Hooks<u64>>::on_idle(1, short);
		assert!(holds(mine, DOC) && holds(theirs, DOC));
		assert_eq!(RevokedGrantees::<Test>::count(), 1);
		// One step: one patient done, the cursor after it.
		let used = <Revocation as Hooks<u64>>::on_idle(2, one_step());
		assert!(used.all_lte(one_step()));
		assert_eq!(holds(mine, DOC) as u8 + holds(theirs, DOC) as u8, 1);
		let sweep = RevocationSweep::<Test>::get().expect("a sweep under way");
		assert_eq!(sweep.grantee, DOC);
		assert!(sweep.last.is_some());
		assert_eq!(RevokedGrantees::<Test>::count(), 0);
		assert_invariants();
		// The next: the other patient.
		<Revocation as Hooks<u64>>::on_idle(3, one_step());
		assert!(!holds(mine, DOC) && !holds(theirs, DOC));
		// And the end of the sweep.
		<Revocation as Hooks<u64>>::on_idle(4, one_step());
		assert!(RevocationSweep::<Test>::get().is_none());
		assert_invariants();
	});
}

#[test]
fn a_holder_with_another_valid_licence_keeps_what_it_still_may_read() {
	new_test_ext().execute_with(|| {
		let mine = share(PATIENT, LAB, DOC);
		let theirs = share(OTHER_PATIENT, THEIR_LAB, DOC);
		// One licence revoked; another still valid (the registry still counts the doctor),
		// and the other patient's consent ended meanwhile.
		MockConsent::revoke(DOC, OTHER_PATIENT);
		Revocation::licence_revoked(&DOC);
		idle();
		assert!(holds(mine, DOC));
		assert!(!holds(theirs, DOC));
		assert_eq!(patients_of(DOC), vec![PATIENT]);
		assert_invariants();
		// Nor can a stranger remove it by hand now the sweep is done.
		assert_noop!(
			Records::prune_revoked(RuntimeOrigin::signed(STRANGER), DOC, PATIENT),
			RError::NotRevoked
		);
	});
}

#[test]
fn a_full_queue_never_fails_the_revocation() {
	new_test_ext().execute_with(|| {
		MockRegistry::set(DENTIST, [0xde; 32], true);
		share(PATIENT, LAB, DOC);
		share(PATIENT, IMAGING, NURSE);
		let dentist = share(OTHER_PATIENT, THEIR_LAB, DENTIST);
		Revocation::licence_revoked(&DOC);
		Revocation::licence_revoked(&NURSE);
		assert_eq!(RevokedGrantees::<Test>::count(), MAX_REVOCATION_QUEUE);
		// One past the bound: not queued, said so, no error, the usual weight.
		MockRegistry::set(DENTIST, [0xde; 32], false);
		let weight = Revocation::licence_revoked(&DENTIST);
		assert_eq!(weight, Revocation::licence_revoked_weight());
		assert_eq!(last_event(), Event::RevocationQueueFull { grantee: DENTIST });
		assert_eq!(RevokedGrantees::<Test>::count(), MAX_REVOCATION_QUEUE);
		assert!(RevokedGrantees::<Test>::get(DENTIST).is_none());
		// A queued grantee revoked again while full: its entry is updated, nothing added.
		set_now(T0 + 5);
		Revocation::licence_revoked(&DOC);
		assert_eq!(RevokedGrantees::<Test>::get(DOC), Some(T0 + 5));
		assert_eq!(RevokedGrantees::<Test>::count(), MAX_REVOCATION_QUEUE);
		assert_invariants();
		// Not queued: the sweep leaves the dentist's envelope, and a stranger may not prune
		// it while the dentist is a registered practitioner.
		idle();
		assert!(holds(dentist, DENTIST));
		assert_noop!(
			Records::prune_revoked(RuntimeOrigin::signed(STRANGER), DENTIST, OTHER_PATIENT),
			RError::NotRevoked
		);
		// With room again, a later revocation queues it.
		Revocation::licence_revoked(&DENTIST);
		idle();
		assert!(!holds(dentist, DENTIST));
		assert_invariants();
	});
}

#[test]
fn the_same_grantee_revoked_twice_is_queued_once() {
	new_test_ext().execute_with(|| {
		doc_revoked_with_two_patients();
		set_now(T0 + 1_000);
		Revocation::licence_revoked(&DOC);
		assert_eq!(RevokedGrantees::<Test>::count(), 1);
		assert_eq!(RevokedGrantees::<Test>::get(DOC), Some(T0 + 1_000));
		idle();
		assert!(patients_of(DOC).is_empty());
		assert_invariants();
	});
}

#[test]
fn revoked_again_during_its_sweep_the_grantee_is_swept_again() {
	new_test_ext().execute_with(|| {
		let (mine, theirs) = doc_revoked_with_two_patients();
		<Revocation as Hooks<u64>>::on_idle(2, one_step());
		assert!(RevocationSweep::<Test>::get().is_some());
		set_now(T0 + 1_000);
		Revocation::licence_revoked(&DOC);
		assert_eq!(RevokedGrantees::<Test>::get(DOC), Some(T0 + 1_000));
		idle();
		assert!(!holds(mine, DOC) && !holds(theirs, DOC));
		assert_eq!(RevokedGrantees::<Test>::count(), 0);
		assert!(RevocationSweep::<Test>::get().is_none());
		assert_invariants();
	});
}

#[test]
fn envelopes_given_after_the_revocation_are_not_that_revocations() {
	new_test_ext().execute_with(|| {
		// Revoked at T0 with an envelope for the patient; not swept yet.
		let old = share(PATIENT, LAB, DOC);
		MockRegistry::set(DOC, DOC_KEY, false);
		Revocation::licence_revoked(&DOC);
		// Re-licensed later: the other patient grants and seals a key to the doctor.
		set_now(T0 + 60_000);
		MockRegistry::set(DOC, DOC_KEY, true);
		let new = share(OTHER_PATIENT, THEIR_LAB, DOC);
		// The new licence is suspended before the stale entry is swept: neither the sweep
		// nor a stranger's call removes the envelope given after the revocation.
		MockRegistry::set(DOC, DOC_KEY, false);
		assert_eq!(
			Records::prune_revoked(RuntimeOrigin::signed(STRANGER), DOC, OTHER_PATIENT)
				.map(|info| info.pays_fee),
			Ok(Pays::Yes)
		);
		idle();
		assert!(!holds(old, DOC));
		assert!(holds(new, DOC));
		assert_eq!(patients_of(DOC), vec![OTHER_PATIENT]);
		assert_invariants();
		// And once swept, strangers may not touch it (a suspension may be lifted).
		assert_noop!(
			Records::prune_revoked(RuntimeOrigin::signed(STRANGER), DOC, OTHER_PATIENT),
			RError::NotRevoked
		);
	});
}

#[test]
fn anyone_may_prune_a_revoked_pair_at_once_free_when_it_removed_something() {
	new_test_ext().execute_with(|| {
		let (mine, theirs) = doc_revoked_with_two_patients();
		let info = Records::prune_revoked(RuntimeOrigin::signed(STRANGER), DOC, PATIENT)
			.expect("a queued grantee");
		assert_eq!(info.pays_fee, Pays::No);
		assert_eq!(info.actual_weight, Some(<() as WeightInfo>::prune_revoked(1)));
		assert!(!holds(mine, DOC) && holds(theirs, DOC));
		assert_eq!(last_event(), Event::EnvelopeRemoved { record: mine, grantee: DOC });
		// The patient's envelopes were already pruned: a clear error, nothing changed.
		assert_noop!(
			Records::prune_revoked(RuntimeOrigin::signed(STRANGER), DOC, PATIENT),
			RError::NoGranteeEnvelopes
		);
		// The sweep does the rest and skips the pruned patient.
		idle();
		assert!(!holds(theirs, DOC));
		assert_invariants();
	});
}

#[test]
fn pruning_what_the_grantee_still_may_read_is_charged() {
	new_test_ext().execute_with(|| {
		let mine = share(PATIENT, LAB, DOC);
		// Revoked, but another licence still counts: nothing to remove, the fee is paid.
		Revocation::licence_revoked(&DOC);
		let info = Records::prune_revoked(RuntimeOrigin::signed(STRANGER), DOC, PATIENT)
			.expect("a queued grantee");
		assert_eq!(info.pays_fee, Pays::Yes);
		assert!(holds(mine, DOC));
		assert_invariants();
	});
}

#[test]
fn prune_revoked_refuses_bad_origins_and_grantees_not_revoked() {
	new_test_ext().execute_with(|| {
		let mine = share(PATIENT, LAB, DOC);
		assert_noop!(
			Records::prune_revoked(RuntimeOrigin::none(), DOC, PATIENT),
			DispatchError::BadOrigin
		);
		assert_noop!(
			Records::prune_revoked(RuntimeOrigin::root(), DOC, PATIENT),
			DispatchError::BadOrigin
		);
		// Not revoked: neither a stranger, the patient nor the doctor themselves.
		for who in [STRANGER, PATIENT, DOC] {
			assert_noop!(
				Records::prune_revoked(RuntimeOrigin::signed(who), DOC, PATIENT),
				RError::NotRevoked
			);
		}
		// A suspension (the licence not valid now, not revoked) is not a revocation.
		MockRegistry::set(DOC, DOC_KEY, false);
		assert_noop!(
			Records::prune_revoked(RuntimeOrigin::signed(STRANGER), DOC, PATIENT),
			RError::NotRevoked
		);
		assert!(holds(mine, DOC));
		// Revoked, but for another patient the doctor holds nothing.
		Revocation::licence_revoked(&DOC);
		assert_noop!(
			Records::prune_revoked(RuntimeOrigin::signed(STRANGER), DOC, OTHER_PATIENT),
			RError::NoGranteeEnvelopes
		);
	});
}

#[test]
fn a_grantee_that_is_no_practitioner_may_be_pruned_by_anyone() {
	new_test_ext().execute_with(|| {
		// The parent (a patient, no practitioner) holds an envelope whose consent ended.
		let id = share(PATIENT, LAB, PARENT);
		let still = NewRecord { tag: IMAGING, ..NewRecord::by(PATIENT) }.add();
		MockConsent::permit(PARENT, PATIENT, AccessAction::Read, PurposeOfUse::Treatment, None);
		assert_ok!(envelope(PATIENT, still, PARENT));
		MockConsent::permit(
			PARENT,
			PATIENT,
			AccessAction::Read,
			PurposeOfUse::Treatment,
			Some(IMAGING),
		);
		let info = Records::prune_revoked(RuntimeOrigin::signed(STRANGER), PARENT, PATIENT)
			.expect("no practitioner");
		assert_eq!(info.pays_fee, Pays::No);
		assert!(!holds(id, PARENT));
		assert!(holds(still, PARENT));
		assert_invariants();
	});
}

#[test]
fn the_queue_is_bounded_by_its_constant() {
	new_test_ext().execute_with(|| {
		assert_eq!(
			<<Test as crate::Config>::MaxRevocationQueue as Get<u32>>::get(),
			MAX_REVOCATION_QUEUE
		);
	});
}
