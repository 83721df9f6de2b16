//! Storage version 2 → 3: the chain stops saying what records are about.
//!
//! - Every record version loses its FHIR resource type, category and exact size. A live
//!   version gets the tag [`legacy_tag`] of its record (`blake2_256(("telemed/legacy-record",
//!   record identity).encode())`: unique per record, so it links to no category and to no other
//!   record; a client re-tags by re-adding), the smallest size class that holds its old size
//!   ([`size_class_of`]; above 2^[`MAX_SIZE_CLASS`] bytes, the largest), and the kind
//!   `Original` (no predecessor) or `Amendment`.
//! - A shredded version keeps only its commitment and the time it was shredded.
//! - [`TagPatients`] is built: one entry per live record.
//! - [`EnvelopesOf`] is built from [`Envelopes`]. A grantee holding more than
//!   `MaxEnvelopesPerGrantee` envelopes of one patient loses the surplus (those met last in
//!   storage order): they are removed and their deposits released to their payers. An envelope
//!   on a version that is missing or shredded (never the case) is removed the same way.
//! - Device labels (of devices and of pending registrations) become `blake2_256(label)`.
//!
//! One pass in one block: the records of a young chain. A chain with millions of versions
//! would need a multi-block migration instead.

use super::v2::{new as v2, LegacyBound, RecordStatus as V2Status};
use crate::{pallet::*, types::*};
use alloc::vec::Vec;
use codec::{Decode, Encode, MaxEncodedLen};
use frame_support::{
	migrations::VersionedMigration,
	pallet_prelude::*,
	traits::{fungible::MutateHold, tokens::Precision, Get, UncheckedOnRuntimeUpgrade},
	weights::Weight,
	Blake2_256, CloneNoBound, DebugNoBound, EqNoBound, PartialEqNoBound, StorageHasher,
};
use scale_info::TypeInfo;
use telemed_primitives::{Moment, RecordId, Tag};

/// The device types as they were at storage version 2, with labels in clear.
// `storage_alias` generates an undocumented prefix type.
#[allow(missing_docs)]
pub mod old {
	use super::*;

	/// A device at version 2.
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
	#[scale_info(skip_type_params(MaxLabelLen))]
	pub struct Device<
		AccountId: Clone + PartialEq + Eq + core::fmt::Debug,
		Balance: Clone + PartialEq + Eq + core::fmt::Debug,
		MaxLabelLen: Get<u32>,
	> {
		/// Whose readings it anchors.
		pub patient: AccountId,
		/// The label, in clear.
		pub label: BoundedVec<u8, MaxLabelLen>,
		/// Active or retired.
		pub status: DeviceStatus,
		/// When it was registered.
		pub registered_at: Moment,
		/// The latest batch.
		pub latest: Option<BatchAnchor>,
		/// The deposit.
		pub deposit: Balance,
	}

	/// A pending device registration at version 2.
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
	#[scale_info(skip_type_params(MaxLabelLen))]
	pub struct PendingDevice<
		AccountId: Clone + PartialEq + Eq + core::fmt::Debug,
		Balance: Clone + PartialEq + Eq + core::fmt::Debug,
		MaxLabelLen: Get<u32>,
	> {
		/// The device's account.
		pub device: AccountId,
		/// The label, in clear.
		pub label: BoundedVec<u8, MaxLabelLen>,
		/// The deposit.
		pub deposit: Balance,
		/// When the patient named it.
		pub requested_at: Moment,
	}

	/// A device as stored at version 2.
	pub type DeviceOf<T> =
		Device<<T as frame_system::Config>::AccountId, BalanceOf<T>, LegacyBound>;

	/// A pending registration as stored at version 2.
	pub type PendingDeviceOf<T> =
		PendingDevice<<T as frame_system::Config>::AccountId, BalanceOf<T>, LegacyBound>;

	/// `Devices` as it was at version 2.
	#[frame_support::storage_alias]
	pub type Devices<T: Config> = StorageMap<
		Pallet<T>,
		Blake2_128Concat,
		<T as frame_system::Config>::AccountId,
		DeviceOf<T>,
		OptionQuery,
	>;

	/// `PendingDevices` as it was at version 2.
	#[frame_support::storage_alias]
	pub type PendingDevices<T: Config> = StorageMap<
		Pallet<T>,
		Blake2_128Concat,
		<T as frame_system::Config>::AccountId,
		BoundedVec<PendingDeviceOf<T>, <T as Config>::MaxDevicesPerPatient>,
		ValueQuery,
	>;
}

/// The tag a record anchored before tags existed gets: unique to the record, linked to no
/// category.
pub fn legacy_tag(record: RecordId) -> Tag {
	Blake2_256::hash(&("telemed/legacy-record", record).encode())
}

/// Translates one version at version 2.
fn translate<T: Config>(old: v2::RecordOf<T>) -> RecordEntryOf<T> {
	let status = match old.status {
		V2Status::Shredded { at } => {
			return RecordEntry::Shredded { commitment: old.commitment, at };
		},
		V2Status::Current => RecordStatus::Current,
		V2Status::Superseded { by, at } => RecordStatus::Superseded { by, at },
	};
	RecordEntry::Live(Record {
		patient: old.patient,
		author: old.author,
		tag: legacy_tag(old.record),
		commitment: old.commitment,
		ciphertext_hash: old.ciphertext_hash,
		size_class: size_class_of(old.ciphertext_size),
		// The same `MaxLocatorLen` bounded it before.
		locator: BoundedVec::truncate_from(old.locator.into_inner()),
		created_at: old.created_at,
		record: old.record,
		version: old.version,
		supersedes: old.supersedes,
		kind: if old.supersedes.is_none() { VersionKind::Original } else { VersionKind::Amendment },
		status,
		envelopes: old.envelopes,
		deposit: old.deposit,
	})
}

/// The translation, without the version check: use [`MigrateV2ToV3`].
pub struct InnerMigrateV2ToV3<T>(core::marker::PhantomData<T>);

impl<T: Config> UncheckedOnRuntimeUpgrade for InnerMigrateV2ToV3<T> {
	fn on_runtime_upgrade() -> Weight {
		let next = NextRecordId::<T>::get();
		let mut reads: u64 = 1;
		let mut writes: u64 = 0;

		// Records, and the tag index.
		for id in 0..next {
			reads = reads.saturating_add(1);
			let Some(version) = v2::Records::<T>::get(id) else { continue };
			let entry = translate::<T>(version);
			if let RecordEntry::Live(record) = &entry {
				if record.kind == VersionKind::Original {
					TagPatients::<T>::insert(record.tag, (record.patient.clone(), 1u32));
					writes = writes.saturating_add(1);
				}
			}
			Records::<T>::insert(id, entry);
			writes = writes.saturating_add(1);
		}

		// The envelope index; the surplus over the bound goes, deposits back.
		let envelopes: Vec<_> = Envelopes::<T>::iter().collect();
		for (id, grantee, envelope) in envelopes {
			reads = reads.saturating_add(3);
			let record = Records::<T>::get(id).and_then(RecordEntry::live);
			let indexed = record.as_ref().is_some_and(|r| {
				EnvelopesOf::<T>::try_mutate(&r.patient, &grantee, |ids| ids.try_push(id)).is_ok()
			});
			writes = writes.saturating_add(1);
			if indexed {
				continue;
			}
			let _ = T::Currency::release(
				&HoldReason::EnvelopeDeposit.into(),
				&envelope.depositor,
				envelope.deposit,
				Precision::BestEffort,
			);
			Envelopes::<T>::remove(id, &grantee);
			if let Some(mut record) = record {
				record.envelopes = record.envelopes.saturating_sub(1);
				Records::<T>::insert(id, RecordEntry::Live(record));
			}
			writes = writes.saturating_add(4);
		}

		// Device labels.
		Devices::<T>::translate::<old::DeviceOf<T>, _>(|_, old| {
			reads = reads.saturating_add(1);
			writes = writes.saturating_add(1);
			Some(Device {
				patient: old.patient,
				label: Blake2_256::hash(&old.label),
				status: old.status,
				registered_at: old.registered_at,
				latest: old.latest,
				deposit: old.deposit,
			})
		});
		PendingDevices::<T>::translate::<
			BoundedVec<old::PendingDeviceOf<T>, T::MaxDevicesPerPatient>,
			_,
		>(|_, pending| {
			reads = reads.saturating_add(1);
			writes = writes.saturating_add(1);
			let translated: Vec<_> = pending
				.into_iter()
				.map(|p| PendingDevice {
					device: p.device,
					label: Blake2_256::hash(&p.label),
					deposit: p.deposit,
					requested_at: p.requested_at,
				})
				.collect();
			// As many as before: within the same bound.
			Some(BoundedVec::truncate_from(translated))
		});
		T::DbWeight::get().reads_writes(reads, writes)
	}

	#[cfg(feature = "try-runtime")]
	fn pre_upgrade() -> Result<Vec<u8>, sp_runtime::TryRuntimeError> {
		let versions = v2::Records::<T>::iter_keys().count() as u64;
		let shredded = v2::Records::<T>::iter_values()
			.filter(|r| matches!(r.status, V2Status::Shredded { .. }))
			.count() as u64;
		let envelopes = Envelopes::<T>::iter_keys().count() as u64;
		let devices = old::Devices::<T>::iter_keys().count() as u64;
		Ok((versions, shredded, envelopes, devices, NextRecordId::<T>::get()).encode())
	}

	#[cfg(feature = "try-runtime")]
	fn post_upgrade(state: Vec<u8>) -> Result<(), sp_runtime::TryRuntimeError> {
		let (versions, shredded, envelopes, devices, next): (u64, u64, u64, u64, RecordId) =
			Decode::decode(&mut &state[..]).map_err(|_| "pre_upgrade state")?;
		ensure!(NextRecordId::<T>::get() == next, "NextRecordId changed");
		ensure!(Records::<T>::iter_keys().count() as u64 == versions, "every version decodes");
		let wiped = Records::<T>::iter_values().filter(|r| r.is_shredded()).count() as u64;
		ensure!(wiped == shredded, "shredded versions wiped, no other");
		ensure!(Envelopes::<T>::iter_keys().count() as u64 <= envelopes, "no envelope added");
		ensure!(Devices::<T>::iter_keys().count() as u64 == devices, "every device decodes");
		Pallet::<T>::do_try_state()
	}
}

/// Storage version 2 → 3 of the records pallet: tags, size classes, kinds, wiped shredded
/// versions, the tag and envelope indices, hashed device labels. Runs only when the on-chain
/// storage version is 2, then sets it to 3.
pub type MigrateV2ToV3<T> = VersionedMigration<
	2,
	3,
	InnerMigrateV2ToV3<T>,
	Pallet<T>,
	<T as frame_system::Config>::DbWeight,
>;
