//! Storage version 3 → 4: the patients of each grantee are indexed.
//!
//! [`GranteePatients`] is built from [`EnvelopesOf`]: one entry (grantee, patient) for each
//! pair with a non-empty envelope list, so a licence revocation finds the grantee's patients
//! without a scan. Nothing else changes.
//!
//! One pass in one block: the envelope index of a young chain (at most one entry per pair of
//! accounts that share envelopes). A chain with millions of pairs would need a multi-block
//! migration instead.

use crate::pallet::*;
#[cfg(feature = "try-runtime")]
use alloc::vec::Vec;
use frame_support::{
	migrations::VersionedMigration,
	traits::{Get, UncheckedOnRuntimeUpgrade},
	weights::Weight,
};

/// The index, without the version check: use [`MigrateV3ToV4`].
pub struct InnerMigrateV3ToV4<T>(core::marker::PhantomData<T>);

impl<T: Config> UncheckedOnRuntimeUpgrade for InnerMigrateV3ToV4<T> {
	fn on_runtime_upgrade() -> Weight {
		let mut reads: u64 = 0;
		let mut writes: u64 = 0;
		for (patient, grantee, ids) in EnvelopesOf::<T>::iter() {
			reads = reads.saturating_add(1);
			if !ids.is_empty() {
				GranteePatients::<T>::insert(&grantee, &patient, ());
				writes = writes.saturating_add(1);
			}
		}
		T::DbWeight::get().reads_writes(reads, writes)
	}

	#[cfg(feature = "try-runtime")]
	fn pre_upgrade() -> Result<Vec<u8>, sp_runtime::TryRuntimeError> {
		use codec::Encode;
		let pairs = EnvelopesOf::<T>::iter_values().filter(|ids| !ids.is_empty()).count() as u64;
		Ok(pairs.encode())
	}

	#[cfg(feature = "try-runtime")]
	fn post_upgrade(state: Vec<u8>) -> Result<(), sp_runtime::TryRuntimeError> {
		use codec::Decode;
		let pairs: u64 = Decode::decode(&mut &state[..]).map_err(|_| "pre_upgrade state")?;
		frame_support::ensure!(
			GranteePatients::<T>::iter_keys().count() as u64 == pairs,
			"one GranteePatients entry per pair with envelopes"
		);
		Pallet::<T>::do_try_state_v4(super::v6::listed_ids::<T>())
	}
}

/// Storage version 3 → 4 of the records pallet: [`GranteePatients`] built from
/// [`EnvelopesOf`]. Runs only when the on-chain storage version is 3, then sets it to 4.
pub type MigrateV3ToV4<T> = VersionedMigration<
	3,
	4,
	InnerMigrateV3ToV4<T>,
	Pallet<T>,
	<T as frame_system::Config>::DbWeight,
>;

#[cfg(test)]
mod tests {
	use super::*;
	use crate::{
		mock::{new_test_ext, MockConsent, Test, DOC, NURSE, OTHER_PATIENT, PATIENT},
		tests::{assert_invariants, envelope, NewRecord, LAB, THEIR_LAB},
	};
	use frame_support::{
		assert_ok,
		traits::{OnRuntimeUpgrade, StorageVersion},
		BoundedVec,
	};
	use telemed_primitives::{AccessAction, PurposeOfUse};

	fn migrate() {
		StorageVersion::new(3).put::<Pallet<Test>>();
		#[cfg(feature = "try-runtime")]
		let state = InnerMigrateV3ToV4::<Test>::pre_upgrade().expect("pre_upgrade");
		MigrateV3ToV4::<Test>::on_runtime_upgrade();
		#[cfg(feature = "try-runtime")]
		InnerMigrateV3ToV4::<Test>::post_upgrade(state).expect("post_upgrade");
		assert_eq!(StorageVersion::get::<Pallet<Test>>(), StorageVersion::new(4));
	}

	#[test]
	fn the_patients_of_each_grantee_are_indexed_from_the_envelope_index() {
		new_test_ext().execute_with(|| {
			let doc_gets = |patient| {
				let tag = if patient == PATIENT { LAB } else { THEIR_LAB };
				let id = NewRecord { patient, tag, ..NewRecord::by(patient) }.add();
				assert_ok!(envelope(patient, id, DOC));
				id
			};
			for patient in [PATIENT, OTHER_PATIENT] {
				MockConsent::permit(
					DOC,
					patient,
					AccessAction::Read,
					PurposeOfUse::Treatment,
					None,
				);
			}
			MockConsent::permit(NURSE, PATIENT, AccessAction::Read, PurposeOfUse::Treatment, None);
			let first = doc_gets(PATIENT);
			doc_gets(PATIENT);
			doc_gets(OTHER_PATIENT);
			assert_ok!(envelope(PATIENT, first, NURSE));
			// Version 3 state: the envelope lists, no grantee index.
			let _ = GranteePatients::<Test>::clear(u32::MAX, None);
			migrate();
			let mut indexed: Vec<_> = GranteePatients::<Test>::iter_keys().collect();
			indexed.sort();
			assert_eq!(indexed, vec![(DOC, PATIENT), (DOC, OTHER_PATIENT), (NURSE, PATIENT)]);
			assert_invariants();
		});
	}

	#[test]
	fn it_runs_once() {
		new_test_ext().execute_with(|| {
			EnvelopesOf::<Test>::insert(PATIENT, DOC, BoundedVec::truncate_from(vec![1]));
			// Already at version 4: nothing happens.
			StorageVersion::new(4).put::<Pallet<Test>>();
			MigrateV3ToV4::<Test>::on_runtime_upgrade();
			assert_eq!(GranteePatients::<Test>::iter_keys().count(), 0);
		});
	}
}
