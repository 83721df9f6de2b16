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

use super::old::{v2, RecordStatus as V2Status};
use crate::{pallet::*, types::*};
use alloc::vec::Vec;
use codec::Encode;
use frame_support::{
	migrations::VersionedMigration,
	pallet_prelude::*,
	traits::{fungible::MutateHold, tokens::Precision, Get, UncheckedOnRuntimeUpgrade},
	weights::Weight,
	Blake2_256, StorageHasher,
};
use telemed_primitives::{RecordId, Tag};

/// The device types as they were at storage version 2, with labels in clear: version 2's
/// layout ([`super::old::v2`]), under the name this migration's tests use.
pub use super::old::v2 as old;

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
				if let Some(r) = &record {
					// The grantee's patients, as every later write of `EnvelopesOf` keeps them.
					GranteePatients::<T>::insert(&grantee, &r.patient, ());
					writes = writes.saturating_add(1);
				}
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
		Pallet::<T>::do_try_state_v4(super::v6::listed_ids::<T>())
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

#[cfg(test)]
mod tests {
	use super::*;
	use crate::mock::{
		new_test_ext, AccountId, Balance, Balances, RuntimeHoldReason, Test, DOC, DOC_KEY,
		ENVELOPE_DEPOSIT, MAX_GRANTEE_ENVELOPES, OTHER_PATIENT, PATIENT, PATIENT_DEPOSIT, RING, T0,
		WATCH,
	};
	use crate::Records;
	use frame_support::traits::{fungible::MutateHold, OnRuntimeUpgrade, StorageVersion};

	fn v2_version(
		patient: AccountId,
		(record, version, supersedes): (RecordId, u32, Option<RecordId>),
		size: u64,
		status: V2Status,
		envelopes: u32,
	) -> v2::RecordOf<Test> {
		v2::Record {
			patient,
			author: patient,
			resource_type: BoundedVec::truncate_from(b"Observation".to_vec()),
			category: 13,
			commitment: [record as u8 + version as u8; 32],
			ciphertext_hash: [2u8; 32],
			ciphertext_size: size,
			locator: BoundedVec::truncate_from(b"ipfs://x".to_vec()),
			created_at: T0,
			record,
			version,
			supersedes,
			status,
			envelopes,
			deposit: 0,
		}
	}

	fn envelope(deposit: Balance) -> KeyEnvelopeOf<Test> {
		KeyEnvelope {
			sealed: BoundedVec::truncate_from(vec![9u8; 48]),
			sealed_to: DOC_KEY,
			purpose: telemed_primitives::PurposeOfUse::Treatment,
			depositor: PATIENT,
			deposit,
			added_at: T0,
		}
	}

	fn migrate() {
		StorageVersion::new(2).put::<Pallet<Test>>();
		#[cfg(feature = "try-runtime")]
		let state = InnerMigrateV2ToV3::<Test>::pre_upgrade().expect("pre_upgrade");
		MigrateV2ToV3::<Test>::on_runtime_upgrade();
		#[cfg(feature = "try-runtime")]
		InnerMigrateV2ToV3::<Test>::post_upgrade(state).expect("post_upgrade");
		assert_eq!(StorageVersion::get::<Pallet<Test>>(), StorageVersion::new(3));
	}

	#[test]
	fn records_lose_type_category_and_size_and_shredded_ones_everything_but_the_commitment() {
		new_test_ext().execute_with(|| {
			use V2Status::*;
			// A record of two versions, a shredded one, and another patient's, of a size above
			// the largest class. Deposits are zero so that the holds invariant holds.
			let versions = [
				(0, v2_version(PATIENT, (0, 1, None), 1_000, Superseded { by: 1, at: T0 }, 1)),
				(1, v2_version(PATIENT, (0, 2, Some(0)), 5_000, Current, 1)),
				(2, v2_version(PATIENT, (2, 1, None), 10, Shredded { at: T0 + 5 }, 0)),
				(3, v2_version(OTHER_PATIENT, (3, 1, None), 1 << 41, Current, 0)),
			];
			for (id, version) in versions.iter().cloned() {
				v2::Records::<Test>::insert(id, version);
			}
			// The lists in the current layout: this migration does not touch them, and the
			// current invariants are checked after it.
			let listed = |id, record| crate::ListedVersion { id, record };
			RecordsOf::<Test>::insert(
				PATIENT,
				BoundedVec::truncate_from(vec![listed(0, 0), listed(1, 0)]),
			);
			RecordsOf::<Test>::insert(OTHER_PATIENT, BoundedVec::truncate_from(vec![listed(3, 3)]));
			NextRecordId::<Test>::put(4);
			Envelopes::<Test>::insert(0, DOC, envelope(0));
			Envelopes::<Test>::insert(1, DOC, envelope(0));
			old::Devices::<Test>::insert(
				WATCH,
				old::Device {
					patient: PATIENT,
					label: BoundedVec::truncate_from(b"insulin pump".to_vec()),
					status: DeviceStatus::Active,
					registered_at: T0,
					latest: None,
					deposit: 0,
				},
			);
			DevicesOf::<Test>::insert(PATIENT, BoundedVec::truncate_from(vec![WATCH]));
			old::PendingDevices::<Test>::insert(
				PATIENT,
				BoundedVec::truncate_from(vec![old::PendingDevice {
					device: RING,
					label: BoundedVec::truncate_from(b"cgm".to_vec()),
					deposit: 0,
					requested_at: T0,
				}]),
			);

			migrate();

			let live = |id| Pallet::<Test>::record(id).expect("live");
			let (first, second, theirs) = (live(0), live(1), live(3));
			// Tags unique per record, the same along a chain, linked to no category.
			assert_eq!(
				(first.tag, second.tag, theirs.tag),
				(legacy_tag(0), legacy_tag(0), legacy_tag(3))
			);
			assert_ne!(legacy_tag(0), legacy_tag(3));
			assert_eq!(
				legacy_tag(0),
				sp_io::hashing::blake2_256(&("telemed/legacy-record", 0u64).encode())
			);
			// Sizes rounded up to a class: 1 000 → 2^10, 5 000 → 2^13, above the largest →
			// the largest.
			assert_eq!(
				(first.size_class, second.size_class, theirs.size_class),
				(10, 13, MAX_SIZE_CLASS)
			);
			assert_eq!((first.kind, second.kind), (VersionKind::Original, VersionKind::Amendment));
			assert_eq!(first.status, RecordStatus::Superseded { by: 1, at: T0 });
			assert_eq!(
				(second.status, second.record, second.version),
				(RecordStatus::Current, 0, 2)
			);
			assert_eq!(second.locator.to_vec(), b"ipfs://x".to_vec());
			// The shredded one: the commitment and the time, nothing else.
			assert_eq!(
				Records::<Test>::get(2),
				Some(RecordEntry::Shredded { commitment: [3u8; 32], at: T0 + 5 })
			);
			// The indices.
			assert_eq!(TagPatients::<Test>::get(legacy_tag(0)), Some((PATIENT, 1)));
			assert_eq!(TagPatients::<Test>::get(legacy_tag(3)), Some((OTHER_PATIENT, 1)));
			assert_eq!(TagPatients::<Test>::get(legacy_tag(2)), None);
			let mut indexed = EnvelopesOf::<Test>::get(PATIENT, DOC).to_vec();
			indexed.sort();
			assert_eq!(indexed, vec![0, 1]);
			// Labels hashed.
			assert_eq!(
				Devices::<Test>::get(WATCH).map(|d| d.label),
				Some(sp_io::hashing::blake2_256(b"insulin pump"))
			);
			assert_eq!(
				PendingDevices::<Test>::get(PATIENT).iter().map(|p| p.label).collect::<Vec<_>>(),
				vec![sp_io::hashing::blake2_256(b"cgm")]
			);
			Pallet::<Test>::do_try_state().expect("invariants hold");

			// A second run does nothing: the version is 3 already.
			let before = Records::<Test>::get(1);
			assert_eq!(
				MigrateV2ToV3::<Test>::on_runtime_upgrade(),
				<<Test as frame_system::Config>::DbWeight as Get<
					frame_support::weights::RuntimeDbWeight,
				>>::get()
				.reads(1)
			);
			assert_eq!(Records::<Test>::get(1), before);
		});
	}

	#[test]
	fn envelopes_over_the_new_bound_are_dropped_with_their_deposits() {
		new_test_ext().execute_with(|| {
			// One more live record with an envelope for the physician than a grantee may hold.
			let records = MAX_GRANTEE_ENVELOPES as u64 + 1;
			for id in 0..records {
				v2::Records::<Test>::insert(
					id,
					v2_version(PATIENT, (id, 1, None), 100, V2Status::Current, 1),
				);
				Balances::hold(
					&RuntimeHoldReason::Records(HoldReason::EnvelopeDeposit),
					&PATIENT,
					ENVELOPE_DEPOSIT,
				)
				.expect("funded");
				Envelopes::<Test>::insert(id, DOC, envelope(ENVELOPE_DEPOSIT));
			}
			RecordsOf::<Test>::insert(
				PATIENT,
				BoundedVec::truncate_from(
					(0..records)
						.map(|id| crate::ListedVersion { id, record: id })
						.collect::<Vec<_>>(),
				),
			);
			NextRecordId::<Test>::put(records);

			migrate();

			assert_eq!(EnvelopesOf::<Test>::get(PATIENT, DOC).len() as u32, MAX_GRANTEE_ENVELOPES);
			assert_eq!(Envelopes::<Test>::iter().count() as u32, MAX_GRANTEE_ENVELOPES);
			use frame_support::traits::fungible::InspectHold;
			assert_eq!(
				Balances::total_balance_on_hold(&PATIENT),
				PATIENT_DEPOSIT + MAX_GRANTEE_ENVELOPES as Balance * ENVELOPE_DEPOSIT
			);
			let dropped: Vec<RecordId> =
				(0..records).filter(|id| !Envelopes::<Test>::contains_key(id, DOC)).collect();
			assert_eq!(dropped.len(), 1);
			assert_eq!(Pallet::<Test>::record(dropped[0]).map(|r| r.envelopes), Some(0));
			Pallet::<Test>::do_try_state().expect("invariants hold");
		});
	}
}
