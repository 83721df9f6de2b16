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
//! Self-contained since storage version 3 changed the types: the layouts of versions 1 and 2
//! are defined here ([`old`], [`new`]); [`super::v3`] starts from [`new`].

use crate::pallet::{BalanceOf, Config, NextRecordId, Pallet};
use codec::{Decode, Encode, MaxEncodedLen};
use frame_support::{
	migrations::VersionedMigration,
	pallet_prelude::*,
	traits::{Get, UncheckedOnRuntimeUpgrade},
	weights::Weight,
	CloneNoBound, DebugNoBound, EqNoBound, PartialEqNoBound,
};
use scale_info::TypeInfo;
use telemed_primitives::{Hash256, Moment, RecordId};

/// A bound that holds every resource type, locator and label stored before version 3 (the
/// runtime's bounds were 64, 256 and 32): decoding needs a bound at least as large.
pub type LegacyBound = frame_support::traits::ConstU32<1024>;

/// A record's status before version 3, when a shredded version kept its metadata.
#[derive(Clone, Copy, PartialEq, Eq, Encode, Decode, MaxEncodedLen, TypeInfo, Debug)]
pub enum RecordStatus {
	/// The newest version.
	Current,
	/// Replaced by `by` at `at`.
	Superseded {
		/// The newer version.
		by: RecordId,
		/// When.
		at: Moment,
	},
	/// Shredded at `at`.
	Shredded {
		/// When.
		at: Moment,
	},
}

/// The types as they were at storage version 1.
// `storage_alias` generates an undocumented prefix type.
#[allow(missing_docs)]
pub mod old {
	use super::*;

	/// A record version before it stored its record's identity.
	#[derive(
		CloneNoBound,
		PartialEqNoBound,
		EqNoBound,
		Encode,
		Decode,
		MaxEncodedLen,
		TypeInfo,
		DebugNoBound,
	)]
	#[scale_info(skip_type_params(MaxTypeLen, MaxLocatorLen))]
	pub struct Record<
		AccountId: Clone + PartialEq + Eq + core::fmt::Debug,
		Balance: Clone + PartialEq + Eq + core::fmt::Debug,
		MaxTypeLen: Get<u32>,
		MaxLocatorLen: Get<u32>,
	> {
		/// Whose record it is.
		pub patient: AccountId,
		/// Who added this version.
		pub author: AccountId,
		/// The FHIR resource type.
		pub resource_type: BoundedVec<u8, MaxTypeLen>,
		/// The category (an enum index of the former `DataCategory`).
		pub category: u8,
		/// The salted commitment.
		pub commitment: Hash256,
		/// The ciphertext's hash.
		pub ciphertext_hash: Hash256,
		/// The ciphertext's size.
		pub ciphertext_size: u64,
		/// The locator.
		pub locator: BoundedVec<u8, MaxLocatorLen>,
		/// When this version was added.
		pub created_at: Moment,
		/// The version's number.
		pub version: u32,
		/// The version this one replaced.
		pub supersedes: Option<RecordId>,
		/// Current, superseded or shredded.
		pub status: RecordStatus,
		/// How many key envelopes this version has.
		pub envelopes: u32,
		/// The deposit held from the author.
		pub deposit: Balance,
	}

	/// A record version as stored at version 1.
	pub type RecordOf<T> =
		Record<<T as frame_system::Config>::AccountId, BalanceOf<T>, LegacyBound, LegacyBound>;

	/// `Records` as it was at version 1.
	#[frame_support::storage_alias]
	pub type Records<T: Config> =
		StorageMap<Pallet<T>, Twox64Concat, RecordId, RecordOf<T>, OptionQuery>;
}

/// The types as they were at storage version 2 (what this migration writes).
#[allow(missing_docs)]
pub mod new {
	use super::*;

	/// A record version at version 2: version 1's, with its record's identity.
	#[derive(
		CloneNoBound,
		PartialEqNoBound,
		EqNoBound,
		Encode,
		Decode,
		MaxEncodedLen,
		TypeInfo,
		DebugNoBound,
	)]
	#[scale_info(skip_type_params(MaxTypeLen, MaxLocatorLen))]
	pub struct Record<
		AccountId: Clone + PartialEq + Eq + core::fmt::Debug,
		Balance: Clone + PartialEq + Eq + core::fmt::Debug,
		MaxTypeLen: Get<u32>,
		MaxLocatorLen: Get<u32>,
	> {
		/// Whose record it is.
		pub patient: AccountId,
		/// Who added this version.
		pub author: AccountId,
		/// The FHIR resource type.
		pub resource_type: BoundedVec<u8, MaxTypeLen>,
		/// The category (an enum index of the former `DataCategory`).
		pub category: u8,
		/// The salted commitment.
		pub commitment: Hash256,
		/// The ciphertext's hash.
		pub ciphertext_hash: Hash256,
		/// The ciphertext's size.
		pub ciphertext_size: u64,
		/// The locator.
		pub locator: BoundedVec<u8, MaxLocatorLen>,
		/// When this version was added.
		pub created_at: Moment,
		/// The record's identity: its first version's id.
		pub record: RecordId,
		/// The version's number.
		pub version: u32,
		/// The version this one replaced.
		pub supersedes: Option<RecordId>,
		/// Current, superseded or shredded.
		pub status: RecordStatus,
		/// How many key envelopes this version has.
		pub envelopes: u32,
		/// The deposit held from the author.
		pub deposit: Balance,
	}

	/// A record version as stored at version 2.
	pub type RecordOf<T> =
		Record<<T as frame_system::Config>::AccountId, BalanceOf<T>, LegacyBound, LegacyBound>;

	/// `Records` as it was at version 2.
	#[frame_support::storage_alias]
	pub type Records<T: Config> =
		StorageMap<Pallet<T>, Twox64Concat, RecordId, RecordOf<T>, OptionQuery>;
}

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
			crate::RecordsOf::<Test>::insert(PATIENT, BoundedVec::truncate_from(vec![0, 2, 3, 5]));
			crate::RecordsOf::<Test>::insert(OTHER_PATIENT, BoundedVec::truncate_from(vec![1, 4]));
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
