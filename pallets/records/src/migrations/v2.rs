//! Storage version 1 → 2: every record version stores its record's identity (the id of the
//! record's first version), so access checks and `RecordInspector::record_subject` name the
//! record in one read instead of walking the chain back.
//!
//! The chain is at version 1 from genesis (the pallet declared `StorageVersion` 1 before this
//! change), hence 1 → 2. Versions are translated in id order: an amendment always has a larger
//! id than the version it supersedes, so that one is translated already and its identity can
//! be copied; a first version (`supersedes == None`) is its own identity.
//!
//! One pass over `0..NextRecordId` in one block: the records of a young chain. A chain with
//! millions of versions would need a multi-block migration instead.
//!
//! Self-contained since storage version 3 changed the types: the frozen layouts of versions 1
//! and 2 live in [`super::old`] (here [`old`] and [`new`]); [`super::v3`] starts from [`new`].

use crate::pallet::{Config, NextRecordId, Pallet};
use frame_support::{
	migrations::VersionedMigration,
	traits::{Get, UncheckedOnRuntimeUpgrade},
	weights::Weight,
};
use telemed_primitives::RecordId;
// The try-runtime checks and the tests (`ensure!`, `Decode`, `BoundedVec`).
#[cfg(any(feature = "try-runtime", test))]
use frame_support::pallet_prelude::*;

/// The layouts this migration reads ([`old`], version 1) and writes ([`new`], version 2), and
/// what they share; defined once in [`super::old`].
pub use super::old::{v1 as old, v2 as new, LegacyBound, RecordStatus};

/// Translates one version, given its record's identity.
fn translate<T: Config>(old: old::RecordOf<T>, record: RecordId) -> new::RecordOf<T> {
	new::Record {
		patient: old.patient,
		author: old.author,
		resource_type: old.resource_type,
		category: old.category,
		commitment: old.commitment,
		ciphertext_hash: old.ciphertext_hash,
		ciphertext_size: old.ciphertext_size,
		locator: old.locator,
		created_at: old.created_at,
		record,
		version: old.version,
		supersedes: old.supersedes,
		status: old.status,
		envelopes: old.envelopes,
		deposit: old.deposit,
	}
}

/// The translation, without the version check: use [`MigrateV1ToV2`].
pub struct InnerMigrateV1ToV2<T>(core::marker::PhantomData<T>);

impl<T: Config> UncheckedOnRuntimeUpgrade for InnerMigrateV1ToV2<T> {
	fn on_runtime_upgrade() -> Weight {
		let next = NextRecordId::<T>::get();
		let mut reads: u64 = 1;
		let mut writes: u64 = 0;
		for id in 0..next {
			reads = reads.saturating_add(1);
			let Some(version) = old::Records::<T>::get(id) else { continue };
			let record = match version.supersedes {
				None => id,
				// Translated already (a smaller id); a missing predecessor (never the case)
				// leaves its id as the best identity there is.
				Some(previous) => {
					reads = reads.saturating_add(1);
					new::Records::<T>::get(previous).map_or(previous, |p| p.record)
				},
			};
			new::Records::<T>::insert(id, translate::<T>(version, record));
			writes = writes.saturating_add(1);
		}
		T::DbWeight::get().reads_writes(reads, writes)
	}

	#[cfg(feature = "try-runtime")]
	fn pre_upgrade() -> Result<alloc::vec::Vec<u8>, sp_runtime::TryRuntimeError> {
		let versions = old::Records::<T>::iter_keys().count() as u64;
		Ok((versions, NextRecordId::<T>::get()).encode())
	}

	#[cfg(feature = "try-runtime")]
	fn post_upgrade(state: alloc::vec::Vec<u8>) -> Result<(), sp_runtime::TryRuntimeError> {
		let (versions, next): (u64, RecordId) =
			Decode::decode(&mut &state[..]).map_err(|_| "pre_upgrade state")?;
		ensure!(NextRecordId::<T>::get() == next, "NextRecordId changed");
		let mut counted = 0u64;
		for (id, version) in new::Records::<T>::iter() {
			counted += 1;
			match version.supersedes {
				None => ensure!(version.record == id, "a first version is its own identity"),
				Some(previous) => {
					let older = new::Records::<T>::get(previous).ok_or("predecessor missing")?;
					ensure!(older.record == version.record, "identity copied along the chain");
				},
			}
		}
		ensure!(counted == versions, "every version decodes after the migration");
		Ok(())
	}
}

/// Storage version 1 → 2 of the records pallet: stores each version's record identity. Runs
/// only when the on-chain storage version is 1, then sets it to 2.
pub type MigrateV1ToV2<T> = VersionedMigration<
	1,
	2,
	InnerMigrateV1ToV2<T>,
	Pallet<T>,
	<T as frame_system::Config>::DbWeight,
>;

#[cfg(test)]
mod tests {
	use super::*;
	use crate::mock::{new_test_ext, AccountId, Test, OTHER_PATIENT, PATIENT, T0};
	use frame_support::traits::{OnRuntimeUpgrade, StorageVersion};

	fn old_version(
		patient: AccountId,
		version: u32,
		supersedes: Option<RecordId>,
		status: RecordStatus,
	) -> old::RecordOf<Test> {
		old::Record {
			patient,
			author: patient,
			resource_type: BoundedVec::truncate_from(b"Observation".to_vec()),
			category: 5,
			commitment: [1u8; 32],
			ciphertext_hash: [2u8; 32],
			ciphertext_size: 10,
			locator: BoundedVec::truncate_from(b"ipfs://x".to_vec()),
			created_at: T0,
			version,
			supersedes,
			status,
			envelopes: 0,
			deposit: 0,
		}
	}

	#[test]
	fn every_version_gets_its_first_versions_id() {
		new_test_ext().execute_with(|| {
			use RecordStatus::*;
			// Two records, interleaved: 0 → 2 → 3 and 1 → 4, and a lone one, 5. Deposits
			// are zero so that the holds invariant holds without holding anything.
			let versions = [
				(0, old_version(PATIENT, 1, None, Superseded { by: 2, at: T0 })),
				(1, old_version(OTHER_PATIENT, 1, None, Superseded { by: 4, at: T0 })),
				(2, old_version(PATIENT, 2, Some(0), Superseded { by: 3, at: T0 })),
				(3, old_version(PATIENT, 3, Some(2), Current)),
				(4, old_version(OTHER_PATIENT, 2, Some(1), Current)),
				(5, old_version(PATIENT, 1, None, Current)),
			];
			for (id, version) in versions.iter().cloned() {
				old::Records::<Test>::insert(id, version);
			}
			// The lists as they were then: ids alone.
			super::super::old::v5::RecordsOf::<Test>::insert(
				PATIENT,
				BoundedVec::truncate_from(vec![0, 2, 3, 5]),
			);
			super::super::old::v5::RecordsOf::<Test>::insert(
				OTHER_PATIENT,
				BoundedVec::truncate_from(vec![1, 4]),
			);
			NextRecordId::<Test>::put(6);
			StorageVersion::new(1).put::<Pallet<Test>>();

			#[cfg(feature = "try-runtime")]
			let state = InnerMigrateV1ToV2::<Test>::pre_upgrade().expect("pre_upgrade");
			MigrateV1ToV2::<Test>::on_runtime_upgrade();
			#[cfg(feature = "try-runtime")]
			InnerMigrateV1ToV2::<Test>::post_upgrade(state).expect("post_upgrade");

			assert_eq!(StorageVersion::get::<Pallet<Test>>(), StorageVersion::new(2));
			let identity = |id| new::Records::<Test>::get(id).map(|r| r.record);
			assert_eq!(
				(0..6).map(identity).collect::<Vec<_>>(),
				vec![Some(0), Some(1), Some(0), Some(0), Some(1), Some(5)]
			);
			// Everything else is kept.
			for (id, old) in versions {
				let new = new::Records::<Test>::get(id).expect("translated");
				assert_eq!(
					(new.patient, new.version, new.supersedes),
					(old.patient, old.version, old.supersedes)
				);
				assert_eq!((new.status, new.locator), (old.status, old.locator));
			}

			// A second run does nothing: the version is 2 already.
			let before = new::Records::<Test>::get(4);
			assert_eq!(
				MigrateV1ToV2::<Test>::on_runtime_upgrade(),
				<<Test as frame_system::Config>::DbWeight as Get<
					frame_support::weights::RuntimeDbWeight,
				>>::get()
				.reads(1)
			);
			assert_eq!(new::Records::<Test>::get(4), before);
		});
	}
}
