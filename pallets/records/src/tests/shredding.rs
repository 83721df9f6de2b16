//! Crypto-shredding: one record, all of them, fee-free, and what stays.

use super::*;
use crate::{EnvelopesOf, RecordEntry, RecordsOf, TagPatients};
use frame_support::{
	assert_noop,
	dispatch::{GetDispatchInfo, Pays},
};
use telemed_primitives::{AccessAction, DelegateScope};

/// A record of the patient with two versions, envelopes for the physician on both, added by
/// the physician (so deposits of two payers are involved).
fn shared_record() -> (RecordId, RecordId) {
	MockConsent::permit(DOC, PATIENT, AccessAction::Read, PurposeOfUse::Treatment, None);
	MockConsent::permit(DOC, PATIENT, AccessAction::Amend, PurposeOfUse::Treatment, None);
	let first = NewRecord::by(PATIENT).add();
	assert_ok!(envelope(PATIENT, first, DOC));
	assert_ok!(amend(DOC, first));
	let second = first + 1;
	assert_ok!(envelope(DOC, second, DOC));
	assert_ok!(envelope(PATIENT, second, PATIENT));
	(first, second)
}

#[test]
fn shredding_destroys_every_key_and_locator_of_every_version() {
	new_test_ext().execute_with(|| {
		let (first, second) = shared_record();
		let other = NewRecord::by(PATIENT).add();
		set_now(T0 + 9_000);
		// Naming any version shreds the whole record.
		assert_ok!(Records::shred_record(RuntimeOrigin::signed(PATIENT), first));
		assert_eq!(
			last_event(),
			Event::RecordShredded { record: first, patient: PATIENT, versions: 2, envelopes: 3 }
		);
		for (id, commitment) in [(first, [1u8; 32]), (second, [3u8; 32])] {
			// Only the salted commitment and the time stay: no patient, author, tag, size
			// class, locator, chain link or deposit.
			assert_eq!(
				crate::Records::<Test>::get(id),
				Some(RecordEntry::Shredded { commitment, at: T0 + 9_000 })
			);
			assert_eq!(crate::Envelopes::<Test>::iter_prefix(id).count(), 0);
			assert!(Records::envelope_for(id, &DOC).is_none());
			assert!(Records::version_chain(id).is_empty());
		}
		// Nor do the indices: no envelope of the physician or the patient, and the tag is
		// gone with its last live record.
		assert_eq!(EnvelopesOf::<Test>::iter().count(), 0);
		assert_eq!(TagPatients::<Test>::get(LAB), Some((PATIENT, 1)), "`other` still has it");
		assert_ok!(Records::shred_record(RuntimeOrigin::signed(PATIENT), other));
		assert_eq!(TagPatients::<Test>::get(LAB), None);
		// Deposits went back to both payers.
		assert_eq!(held(DOC), 0);
		assert_eq!(held(PATIENT), PATIENT_DEPOSIT);
		assert!(RecordsOf::<Test>::get(PATIENT).is_empty());
		// The physician can no longer get the key, and the record cannot come back.
		assert_noop!(
			Records::access_record(RuntimeOrigin::signed(DOC), second),
			RError::RecordShredded
		);
		assert_noop!(envelope(PATIENT, second, DOC), RError::RecordShredded);
		assert_noop!(
			Records::shred_record(RuntimeOrigin::signed(PATIENT), second),
			RError::RecordShredded
		);
		assert_noop!(
			Records::shred_record(RuntimeOrigin::signed(PATIENT), 42),
			RError::UnknownRecord
		);
		assert_invariants();
	});
}

#[test]
fn only_the_patient_or_a_delegate_may_shred() {
	new_test_ext().execute_with(|| {
		let (first, _) = shared_record();
		for who in [DOC, STRANGER, OTHER_PATIENT] {
			assert_noop!(
				Records::shred_record(RuntimeOrigin::signed(who), first),
				RError::NotPermitted
			);
		}
		MockConsent::delegate(PATIENT, PARENT, DelegateScope::ShredRecords);
		assert_ok!(Records::shred_record(RuntimeOrigin::signed(PARENT), first));
		assert_invariants();
	});
}

#[test]
fn shredding_is_free_for_the_patient_only_while_there_is_something_to_shred() {
	new_test_ext().execute_with(|| {
		let (first, _) = shared_record();
		let call = |record| RuntimeCall::Records(crate::Call::shred_record { record });
		let feeless = |who: AccountId, record: RecordId| {
			use frame_support::dispatch::CheckIfFeeless;
			call(record).is_feeless(&RuntimeOrigin::signed(who))
		};
		assert!(feeless(PATIENT, first));
		assert!(!feeless(DOC, first));
		assert!(!feeless(PATIENT, 42));
		assert_eq!(call(first).get_dispatch_info().pays_fee, Pays::Yes);
		// With no free balance at all beyond the existential deposit, it still works: holds
		// are released, nothing is charged.
		let free = Balances::free_balance(PATIENT);
		assert_ok!(Balances::transfer_allow_death(
			RuntimeOrigin::signed(PATIENT),
			STRANGER,
			free - 1
		));
		assert_ok!(Records::shred_record(RuntimeOrigin::signed(PATIENT), first));
		assert!(!feeless(PATIENT, first));
		assert_invariants();
	});
}

#[test]
fn shred_all_works_in_steps_until_nothing_is_left() {
	new_test_ext().execute_with(|| {
		let (first, second) = shared_record();
		let b = NewRecord::by(PATIENT).add();
		let c = NewRecord::by(PATIENT).add();
		let theirs =
			NewRecord { patient: OTHER_PATIENT, tag: THEIR_LAB, ..NewRecord::by(OTHER_PATIENT) }
				.add();
		assert_noop!(
			Records::shred_all(RuntimeOrigin::signed(PATIENT), PATIENT, 0),
			RError::NothingToShred
		);
		assert_noop!(
			Records::shred_all(RuntimeOrigin::signed(DOC), PATIENT, 5),
			RError::NotPermitted
		);
		assert_ok!(Records::shred_all(RuntimeOrigin::signed(PATIENT), PATIENT, 2));
		assert_eq!(last_event(), Event::AllShredded { patient: PATIENT, records: 2, remaining: 1 });
		for id in [first, second, b] {
			assert!(crate::Records::<Test>::get(id).unwrap().is_shredded());
		}
		assert!(!crate::Records::<Test>::get(c).unwrap().is_shredded());
		assert_eq!(TagPatients::<Test>::get(LAB), Some((PATIENT, 1)));
		assert_ok!(Records::shred_all(RuntimeOrigin::signed(PATIENT), PATIENT, 10));
		assert_eq!(last_event(), Event::AllShredded { patient: PATIENT, records: 1, remaining: 0 });
		assert_noop!(
			Records::shred_all(RuntimeOrigin::signed(PATIENT), PATIENT, 1),
			RError::NothingToShred
		);
		// Another patient's records are untouched.
		assert!(!crate::Records::<Test>::get(theirs).unwrap().is_shredded());
		assert_eq!(TagPatients::<Test>::get(LAB), None);
		assert_eq!(TagPatients::<Test>::get(THEIR_LAB), Some((OTHER_PATIENT, 1)));
		assert_eq!(held(PATIENT), PATIENT_DEPOSIT);
		assert_invariants();
	});
}

#[test]
fn shred_all_is_free_only_for_the_patient_with_records() {
	new_test_ext().execute_with(|| {
		use frame_support::dispatch::CheckIfFeeless;
		let call = |max_records| {
			RuntimeCall::Records(crate::Call::shred_all { patient: PATIENT, max_records })
		};
		assert!(!call(1).is_feeless(&RuntimeOrigin::signed(PATIENT)));
		NewRecord::by(PATIENT).add();
		assert!(call(1).is_feeless(&RuntimeOrigin::signed(PATIENT)));
		assert!(!call(0).is_feeless(&RuntimeOrigin::signed(PATIENT)));
		assert!(!call(1).is_feeless(&RuntimeOrigin::signed(STRANGER)));
	});
}

#[test]
fn a_delegate_needs_the_shred_scope_access_records_is_not_enough() {
	new_test_ext().execute_with(|| {
		use frame_support::dispatch::CheckIfFeeless;
		let (first, _) = shared_record();
		let other = NewRecord::by(PATIENT).add();
		let shred = |record| RuntimeCall::Records(crate::Call::shred_record { record });
		let shred_all =
			RuntimeCall::Records(crate::Call::shred_all { patient: PATIENT, max_records: 5 });
		let parent = RuntimeOrigin::signed(PARENT);

		// A delegate who may read and write the records, not shred them.
		MockConsent::delegate(PATIENT, PARENT, DelegateScope::AccessRecords);
		assert_noop!(
			Records::shred_record(RuntimeOrigin::signed(PARENT), first),
			RError::NotPermitted
		);
		assert_noop!(
			Records::shred_all(RuntimeOrigin::signed(PARENT), PATIENT, 5),
			RError::NotPermitted
		);
		// Nor free of fees.
		assert!(!shred(first).is_feeless(&parent));
		assert!(!shred_all.is_feeless(&parent));

		// With the shred scope: allowed, and free.
		MockConsent::delegate(PATIENT, PARENT, DelegateScope::ShredRecords);
		assert!(shred(first).is_feeless(&parent));
		assert!(shred_all.is_feeless(&parent));
		assert_ok!(Records::shred_record(RuntimeOrigin::signed(PARENT), first));
		assert!(!shred(first).is_feeless(&parent));
		assert_ok!(Records::shred_all(RuntimeOrigin::signed(PARENT), PATIENT, 5));
		assert!(crate::Records::<Test>::get(other).is_some_and(|r| r.is_shredded()));
		// The shred scope alone gives no access to the records.
		let theirs =
			NewRecord { patient: OTHER_PATIENT, tag: THEIR_LAB, ..NewRecord::by(OTHER_PATIENT) }
				.add();
		MockConsent::delegate(OTHER_PATIENT, STRANGER, DelegateScope::ShredRecords);
		assert_noop!(envelope(STRANGER, theirs, OTHER_PATIENT), RError::NotPermitted);
		assert_ok!(Records::shred_record(RuntimeOrigin::signed(STRANGER), theirs));
		assert_invariants();
	});
}
