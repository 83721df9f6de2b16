//! Storage version 4 → 5: a registered patient's list of record versions is kept.
//!
//! From version 5, [`RecordsOf`] is there exactly while its patient is registered (empty until
//! their first record, and after their last is shredded), so `add_record` reads one item to
//! know that the patient is registered and where the new version goes. This inserts an empty
//! list for each registered patient without one, and removes the lists of accounts that are
//! not registered patients (none are expected: deregistration removes the list, and a live
//! record's patient is registered). Nothing else changes.
//!
//! One pass in one block over the registered patients of a young chain. A chain with millions
//! of patients would need a multi-block migration instead.

use crate::pallet::*;
use alloc::vec::Vec;
use frame_support::{
	migrations::VersionedMigration,
	traits::{Get, UncheckedOnRuntimeUpgrade},
	weights::Weight,
	BoundedVec,
};

/// The lists kept, without the version check: use [`MigrateV4ToV5`].
pub struct InnerMigrateV4ToV5<T>(core::marker::PhantomData<T>);

impl<T: Config> UncheckedOnRuntimeUpgrade for InnerMigrateV4ToV5<T> {
	fn on_runtime_upgrade() -> Weight {
		let mut reads: u64 = 0;
		let mut writes: u64 = 0;
		for patient in Patients::<T>::iter_keys() {
			reads = reads.saturating_add(2);
			if !RecordsOf::<T>::contains_key(&patient) {
				RecordsOf::<T>::insert(&patient, BoundedVec::default());
				writes = writes.saturating_add(1);
			}
		}
		let strays: Vec<T::AccountId> = RecordsOf::<T>::iter_keys()
			.filter(|who| {
				reads = reads.saturating_add(2);
				!Patients::<T>::contains_key(who)
			})
			.collect();
		for who in strays {
			RecordsOf::<T>::remove(&who);
			writes = writes.saturating_add(1);
		}
		T::DbWeight::get().reads_writes(reads, writes)
	}

	#[cfg(feature = "try-runtime")]
	fn pre_upgrade() -> Result<Vec<u8>, sp_runtime::TryRuntimeError> {
		use codec::Encode;
		// What the patients' lists hold: unchanged by the migration.
		let listed: u64 = Patients::<T>::iter_keys()
			.map(|patient| RecordsOf::<T>::decode_len(&patient).unwrap_or(0) as u64)
			.sum();
		Ok((Patients::<T>::iter_keys().count() as u64, listed).encode())
	}

	#[cfg(feature = "try-runtime")]
	fn post_upgrade(state: Vec<u8>) -> Result<(), sp_runtime::TryRuntimeError> {
		use codec::Decode;
		let (patients, listed): (u64, u64) =
			Decode::decode(&mut &state[..]).map_err(|_| "pre_upgrade state")?;
		frame_support::ensure!(
			RecordsOf::<T>::iter_keys().count() as u64 == patients,
			"one list of records per registered patient"
		);
		// Read in either layout: version 6's migration may have run already (in this
		// migration's tests, on state the current code wrote).
		let lists = super::v6::listed_ids::<T>();
		frame_support::ensure!(
			lists.values().map(|ids| ids.len() as u64).sum::<u64>() == listed,
			"the patients' lists are unchanged"
		);
		Pallet::<T>::do_try_state_v4(lists)?;
		Pallet::<T>::do_try_state_lists()
	}
}

/// Storage version 4 → 5 of the records pallet: a [`RecordsOf`] entry for each registered
/// patient, and only for them. Runs only when the on-chain storage version is 4, then sets it
/// to 5.
pub type MigrateV4ToV5<T> = VersionedMigration<
	4,
	5,
	InnerMigrateV4ToV5<T>,
	Pallet<T>,
	<T as frame_system::Config>::DbWeight,
>;

#[cfg(test)]
mod tests {
	use super::*;
	use crate::{
		mock::{new_test_ext, Test, OTHER_PATIENT, PATIENT},
		tests::{assert_invariants, NewRecord, THEIR_LAB},
	};
	use frame_support::{
		assert_noop,
		traits::{OnRuntimeUpgrade, StorageVersion},
	};

	fn migrate() {
		StorageVersion::new(4).put::<Pallet<Test>>();
		#[cfg(feature = "try-runtime")]
		let state = InnerMigrateV4ToV5::<Test>::pre_upgrade().expect("pre_upgrade");
		MigrateV4ToV5::<Test>::on_runtime_upgrade();
		#[cfg(feature = "try-runtime")]
		InnerMigrateV4ToV5::<Test>::post_upgrade(state).expect("post_upgrade");
		assert_eq!(StorageVersion::get::<Pallet<Test>>(), StorageVersion::new(5));
	}

	#[test]
	fn each_registered_patient_gets_a_list_and_no_one_else_keeps_one() {
		new_test_ext().execute_with(|| {
			let kept = NewRecord::by(PATIENT).add();
			// Version 4 state: a patient without records had no list, and a list emptied by
			// shredding stayed (stored empty) until deregistration.
			RecordsOf::<Test>::remove(OTHER_PATIENT);
			let stranger = 4_242u64;
			RecordsOf::<Test>::insert(stranger, BoundedVec::default());
			migrate();
			assert_eq!(
				RecordsOf::<Test>::get(PATIENT).into_inner(),
				vec![crate::ListedVersion { id: kept, record: kept }]
			);
			assert!(RecordsOf::<Test>::get(OTHER_PATIENT).is_empty());
			assert!(RecordsOf::<Test>::contains_key(OTHER_PATIENT));
			assert!(!RecordsOf::<Test>::contains_key(stranger));
			assert_invariants();
			// The patient without records before the upgrade adds one; no one can add one
			// for a stranger.
			NewRecord { patient: OTHER_PATIENT, tag: THEIR_LAB, ..NewRecord::by(OTHER_PATIENT) }
				.add();
			let for_stranger =
				NewRecord { patient: stranger, tag: THEIR_LAB, ..NewRecord::by(stranger) };
			assert_noop!(for_stranger.call(), crate::Error::<Test>::UnknownPatient);
			assert_invariants();
		});
	}

	#[test]
	fn it_runs_once() {
		new_test_ext().execute_with(|| {
			RecordsOf::<Test>::remove(OTHER_PATIENT);
			// Already at version 5: nothing happens.
			StorageVersion::new(5).put::<Pallet<Test>>();
			MigrateV4ToV5::<Test>::on_runtime_upgrade();
			assert!(!RecordsOf::<Test>::contains_key(OTHER_PATIENT));
			// The version 5 state back, for the invariants checked after every test.
			RecordsOf::<Test>::insert(OTHER_PATIENT, BoundedVec::default());
		});
	}
}
