//! Storage version 5 → 6: each patient's list of record versions keeps each version's record
//! identity.
//!
//! [`RecordsOf`] held version ids alone; from version 6 each entry is a [`ListedVersion`]: the
//! id and the record's stable identity (its first version's id). A consent naming up to
//! `MaxScopeItems` versions of the patient's records is then checked, and resolved to their
//! records, against that one list ([`telemed_primitives::RecordInspector::patient_records`]),
//! where it read every version named. This rewrites each list, reading each listed version
//! once; the order (by id) is kept. A listed id that is not a live version (none is expected:
//! `try_state` checks every listed id is one) is dropped, and `post_upgrade` fails on it.
//!
//! One pass in one block over the lists of a young chain (at most `MaxRecordsPerPatient`
//! versions each). A chain with millions of record versions would need a multi-block migration.

#[cfg(any(test, feature = "try-runtime"))]
use super::old::v5 as old;
use crate::{pallet::*, types::ListedVersion};
use alloc::{collections::btree_map::BTreeMap, vec::Vec};
use codec::{Decode, DecodeAll};
use frame_support::{
	migrations::VersionedMigration,
	traits::{Get, UncheckedOnRuntimeUpgrade},
	weights::Weight,
	BoundedVec,
};
use telemed_primitives::RecordId;

/// Each patient's listed version ids, whichever layout their list is stored in (version 6's
/// entries, or the ids alone before): what the earlier migrations' checks read, so that they
/// hold whether they run before this one (on a chain's state) or after (in their tests, on
/// state the current code wrote). The layouts cannot be confused: a list of `n` entries takes
/// `16 n` bytes after its length in version 6 and `8 n` before, and a list decodes only if
/// it takes the whole value.
pub fn listed_ids<T: Config>() -> BTreeMap<T::AccountId, Vec<RecordId>> {
	RecordsOf::<T>::iter_keys()
		.map(|patient| {
			let raw = frame_support::storage::unhashed::get_raw(&RecordsOf::<T>::hashed_key_for(
				&patient,
			))
			.unwrap_or_default();
			let ids = match Vec::<ListedVersion>::decode_all(&mut &raw[..]) {
				Ok(listed) => listed.into_iter().map(|entry| entry.id).collect(),
				Err(_) => Vec::<RecordId>::decode(&mut &raw[..]).unwrap_or_default(),
			};
			(patient, ids)
		})
		.collect()
}

/// The lists rewritten, without the version check: use [`MigrateV5ToV6`].
pub struct InnerMigrateV5ToV6<T>(core::marker::PhantomData<T>);

impl<T: Config> UncheckedOnRuntimeUpgrade for InnerMigrateV5ToV6<T> {
	fn on_runtime_upgrade() -> Weight {
		let mut reads: u64 = 0;
		let mut writes: u64 = 0;
		RecordsOf::<T>::translate::<BoundedVec<RecordId, T::MaxRecordsPerPatient>, _>(|_, ids| {
			reads = reads.saturating_add(1);
			writes = writes.saturating_add(1);
			let mut listed: Vec<ListedVersion> = ids
				.into_iter()
				.filter_map(|id| {
					reads = reads.saturating_add(1);
					Pallet::<T>::record(id)
						.map(|version| ListedVersion { id, record: version.record })
				})
				.collect();
			listed.sort();
			// No more entries than ids: within the bound.
			Some(BoundedVec::truncate_from(listed))
		});
		T::DbWeight::get().reads_writes(reads, writes)
	}

	#[cfg(feature = "try-runtime")]
	fn pre_upgrade() -> Result<Vec<u8>, sp_runtime::TryRuntimeError> {
		use codec::Encode;
		// The patients with a list, and the versions listed: unchanged by the migration.
		let lists: Vec<(T::AccountId, Vec<RecordId>)> =
			old::RecordsOf::<T>::iter().map(|(patient, ids)| (patient, ids.into_inner())).collect();
		Ok(lists.encode())
	}

	#[cfg(feature = "try-runtime")]
	fn post_upgrade(state: Vec<u8>) -> Result<(), sp_runtime::TryRuntimeError> {
		let before: Vec<(T::AccountId, Vec<RecordId>)> =
			Decode::decode(&mut &state[..]).map_err(|_| "pre_upgrade state")?;
		frame_support::ensure!(
			RecordsOf::<T>::iter_keys().count() == before.len(),
			"one list of records per patient, as before"
		);
		for (patient, ids) in before {
			let now: Vec<RecordId> =
				RecordsOf::<T>::get(&patient).iter().map(|entry| entry.id).collect();
			frame_support::ensure!(now == ids, "a patient's listed versions changed");
		}
		Pallet::<T>::do_try_state()
	}
}

/// Storage version 5 → 6 of the records pallet: [`RecordsOf`] keeps each version's record
/// identity. Runs only when the on-chain storage version is 5, then sets it to 6.
pub type MigrateV5ToV6<T> = VersionedMigration<
	5,
	6,
	InnerMigrateV5ToV6<T>,
	Pallet<T>,
	<T as frame_system::Config>::DbWeight,
>;

#[cfg(test)]
mod tests {
	use super::*;
	use crate::{
		mock::{new_test_ext, Test, OTHER_PATIENT, PATIENT},
		tests::{amend, assert_invariants, NewRecord, IMAGING, THEIR_LAB},
	};
	use frame_support::{
		assert_ok,
		traits::{OnRuntimeUpgrade, StorageVersion},
	};
	use telemed_primitives::{RecordInspector, RecordRefusal};

	type Records = crate::Pallet<Test>;

	/// Puts every list back in version 5's layout (ids alone).
	fn to_version_5() {
		let lists: Vec<_> = RecordsOf::<Test>::iter().collect();
		for (patient, listed) in lists {
			let ids: Vec<RecordId> = listed.iter().map(|entry| entry.id).collect();
			old::RecordsOf::<Test>::insert(patient, BoundedVec::truncate_from(ids));
		}
		StorageVersion::new(5).put::<Records>();
	}

	fn migrate() {
		#[cfg(feature = "try-runtime")]
		let state = InnerMigrateV5ToV6::<Test>::pre_upgrade().expect("pre_upgrade");
		MigrateV5ToV6::<Test>::on_runtime_upgrade();
		#[cfg(feature = "try-runtime")]
		InnerMigrateV5ToV6::<Test>::post_upgrade(state).expect("post_upgrade");
		assert_eq!(StorageVersion::get::<Records>(), StorageVersion::new(6));
	}

	#[test]
	fn each_listed_version_gets_its_record_identity() {
		new_test_ext().execute_with(|| {
			let first = NewRecord::by(PATIENT).add();
			assert_ok!(amend(PATIENT, first));
			let second = first + 1;
			let other = NewRecord { tag: IMAGING, ..NewRecord::by(PATIENT) }.add();
			let theirs = NewRecord {
				patient: OTHER_PATIENT,
				tag: THEIR_LAB,
				..NewRecord::by(OTHER_PATIENT)
			}
			.add();
			let expected = RecordsOf::<Test>::get(PATIENT);
			to_version_5();
			assert_eq!(
				old::RecordsOf::<Test>::get(PATIENT).into_inner(),
				vec![first, second, other]
			);
			// What the earlier migrations' checks read, in either layout.
			assert_eq!(listed_ids::<Test>().get(&PATIENT), Some(&vec![first, second, other]));

			migrate();
			let listed = RecordsOf::<Test>::get(PATIENT);
			assert_eq!(listed, expected);
			assert_eq!(
				listed.into_inner(),
				vec![
					ListedVersion { id: first, record: first },
					ListedVersion { id: second, record: first },
					ListedVersion { id: other, record: other },
				]
			);
			assert_eq!(
				RecordsOf::<Test>::get(OTHER_PATIENT).into_inner(),
				vec![ListedVersion { id: theirs, record: theirs }]
			);
			assert_eq!(listed_ids::<Test>().get(&PATIENT), Some(&vec![first, second, other]));
			assert_invariants();

			// The list now answers for the consent pallet: both versions of the amended record
			// name it; another patient's version and a missing one are refused.
			assert_eq!(
				Records::patient_records(&PATIENT, &[second, other, first]),
				Ok(vec![first, other, first])
			);
			assert_eq!(
				Records::patient_records(&PATIENT, &[first, theirs]),
				Err(RecordRefusal::OtherPatient)
			);
			assert_eq!(
				Records::patient_records(&PATIENT, &[theirs + 1]),
				Err(RecordRefusal::Unknown)
			);
			// A record added after the upgrade is listed the new way.
			let later = NewRecord { tag: IMAGING, ..NewRecord::by(PATIENT) }.add();
			assert_eq!(Records::patient_records(&PATIENT, &[later]), Ok(vec![later]));
			assert_invariants();
		});
	}

	#[test]
	fn it_runs_once() {
		new_test_ext().execute_with(|| {
			NewRecord::by(PATIENT).add();
			let listed = RecordsOf::<Test>::get(PATIENT);
			// Already at version 6: the lists are left alone (read as ids, they would not
			// decode, and `translate` would drop them).
			StorageVersion::new(6).put::<Records>();
			MigrateV5ToV6::<Test>::on_runtime_upgrade();
			assert_eq!(RecordsOf::<Test>::get(PATIENT), listed);
			assert_invariants();
		});
	}
}
