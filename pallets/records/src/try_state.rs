//! The pallet's invariants, checked by `try_state` (and after every unit test).

use crate::{pallet::*, types::*};
use frame_support::{ensure, pallet_prelude::*};
use telemed_primitives::{RecordId, Tag};

/// Every reason this pallet holds funds for, in the order of the indices
/// [`Pallet::expected_holds`] uses.
pub const HOLD_REASONS: [HoldReason; 4] = [
	HoldReason::PatientDeposit,
	HoldReason::RecordDeposit,
	HoldReason::EnvelopeDeposit,
	HoldReason::DeviceDeposit,
];

impl<T: Config> Pallet<T> {
	/// What this pallet should hold from each account, by reason (its index into
	/// [`HOLD_REASONS`], as [`telemed_primitives::check_holds`] takes it), according to its
	/// storage: patient deposits, deposits of live record versions (by author), envelope
	/// deposits (by depositor), device deposits (by patient, pending registrations included).
	/// An account missing from the map should hold nothing under these reasons.
	pub fn expected_holds(
	) -> alloc::collections::btree_map::BTreeMap<(T::AccountId, u8), BalanceOf<T>> {
		use alloc::collections::btree_map::BTreeMap;
		use sp_runtime::traits::Saturating;

		let mut held: BTreeMap<(T::AccountId, u8), BalanceOf<T>> = BTreeMap::new();
		let mut add = |who: &T::AccountId, reason: HoldReason, amount: BalanceOf<T>| {
			// Four reasons: the index fits a `u8`.
			let index = HOLD_REASONS.iter().position(|r| *r == reason).unwrap_or_default() as u8;
			let entry = held.entry((who.clone(), index)).or_insert_with(Zero::zero);
			*entry = entry.saturating_add(amount);
		};
		for (patient, entry) in Patients::<T>::iter() {
			add(&patient, HoldReason::PatientDeposit, entry.deposit);
		}
		for (_, entry) in Records::<T>::iter() {
			if let RecordEntry::Live(record) = entry {
				add(&record.author, HoldReason::RecordDeposit, record.deposit);
			}
		}
		for (_, _, envelope) in Envelopes::<T>::iter() {
			add(&envelope.depositor, HoldReason::EnvelopeDeposit, envelope.deposit);
		}
		for (_, entry) in Devices::<T>::iter() {
			add(&entry.patient, HoldReason::DeviceDeposit, entry.deposit);
		}
		for (patient, pending) in PendingDevices::<T>::iter() {
			for request in pending.iter() {
				add(&patient, HoldReason::DeviceDeposit, request.deposit);
			}
		}
		held
	}

	/// The pallet's invariants:
	/// - every live version is listed by its patient exactly once, and every listed id is a
	///   live version of that patient; every live version's patient is registered;
	/// - version chains: a superseded version's successor is live and points back at it; a
	///   version that supersedes another is that one's successor and has the same record
	///   identity and tag; so every live chain ends in exactly one current version; a first
	///   version (kind `Original`) is its record's identity, every other is not; size classes
	///   are in range;
	/// - a shredded version keeps nothing but its commitment and time: no envelope, not
	///   listed, not in a chain;
	/// - envelopes only on live versions, each version's envelope count is right, and
	///   `EnvelopesOf` lists exactly the envelopes, each once, under the record's patient;
	/// - `TagPatients` holds, for each tag of a live record, its patient and its number of
	///   live records, and nothing else;
	/// - what each account has on hold under each reason equals its patient, record, envelope
	///   and device deposits (pending registrations included); active devices are listed by
	///   their patient; pending registrations belong to registered patients, name each device
	///   once, and with the active devices stay within `MaxDevicesPerPatient`;
	/// - (storage version 5) a list of record versions is kept for each registered patient,
	///   and for no one else;
	/// - (storage version 6) each list is sorted by id, names each version once, and keeps
	///   each version's record identity.
	pub fn do_try_state() -> Result<(), sp_runtime::TryRuntimeError> {
		let mut lists = alloc::collections::btree_map::BTreeMap::new();
		for (patient, listed) in RecordsOf::<T>::iter() {
			ensure!(
				listed.windows(2).all(|pair| pair[0].id < pair[1].id),
				"a list of versions not sorted by id"
			);
			for entry in listed.iter() {
				let record = Self::record(entry.id).ok_or("listed record missing or shredded")?;
				ensure!(record.record == entry.record, "a listed version's record identity");
			}
			lists.insert(patient, listed.iter().map(|entry| entry.id).collect());
		}
		Self::do_try_state_v4(lists)?;
		Self::do_try_state_lists()
	}

	/// The lists of record versions are those of the registered patients (storage version 5's
	/// invariant).
	pub(crate) fn do_try_state_lists() -> Result<(), sp_runtime::TryRuntimeError> {
		for patient in RecordsOf::<T>::iter_keys() {
			ensure!(Patients::<T>::contains_key(&patient), "records listed for an unknown patient");
		}
		for patient in Patients::<T>::iter_keys() {
			ensure!(
				RecordsOf::<T>::contains_key(&patient),
				"no list of records kept for a patient"
			);
		}
		Ok(())
	}

	/// [`Self::do_try_state`] but for the invariants of storage versions 5 and 6: what the
	/// migrations to versions 3 and 4 check, before version 5's has run. `lists` are the
	/// patients' lists of version ids, as the storage version at hand keeps them.
	pub(crate) fn do_try_state_v4(
		lists: alloc::collections::btree_map::BTreeMap<T::AccountId, alloc::vec::Vec<RecordId>>,
	) -> Result<(), sp_runtime::TryRuntimeError> {
		use alloc::collections::btree_map::BTreeMap;

		let next = NextRecordId::<T>::get();
		let mut envelope_counts: BTreeMap<RecordId, u32> = BTreeMap::new();
		for (id, grantee) in Envelopes::<T>::iter_keys() {
			*envelope_counts.entry(id).or_default() += 1;
			let record = Self::record(id).ok_or("envelope on a missing or shredded version")?;
			let listed = EnvelopesOf::<T>::get(&record.patient, &grantee)
				.iter()
				.filter(|l| **l == id)
				.count();
			ensure!(listed == 1, "envelope not indexed once by patient and grantee");
		}
		for (patient, grantee, ids) in EnvelopesOf::<T>::iter() {
			ensure!(!ids.is_empty(), "empty envelope index kept");
			for id in ids {
				ensure!(Envelopes::<T>::contains_key(id, &grantee), "indexed envelope missing");
				let record = Self::record(id).ok_or("indexed envelope of no live version")?;
				ensure!(record.patient == patient, "envelope indexed under another patient");
			}
		}
		let mut tags: BTreeMap<Tag, (T::AccountId, u32)> = BTreeMap::new();
		for (id, entry) in Records::<T>::iter() {
			ensure!(id < next, "record id not below NextRecordId");
			let envelopes = envelope_counts.get(&id).copied().unwrap_or(0);
			let RecordEntry::Live(record) = entry else {
				ensure!(envelopes == 0, "envelope on a shredded version");
				continue;
			};
			ensure!(
				Patients::<T>::contains_key(&record.patient),
				"live record of an unknown patient"
			);
			let listed = lists
				.get(&record.patient)
				.map_or(0, |ids| ids.iter().filter(|l| **l == id).count());
			ensure!(listed == 1, "live version not listed once");
			ensure!(record.envelopes == envelopes, "envelope count");
			ensure!(
				(MIN_SIZE_CLASS..=MAX_SIZE_CLASS).contains(&record.size_class),
				"size class out of range"
			);
			if let Some(by) = record.superseded_by() {
				let newer = Self::record(by).ok_or("successor missing or shredded")?;
				ensure!(newer.supersedes == Some(id), "successor does not point back");
				ensure!(newer.version == record.version + 1, "version numbers");
			}
			match record.supersedes {
				Some(previous) => {
					let older = Self::record(previous).ok_or("superseded version missing")?;
					ensure!(
						older.superseded_by() == Some(id),
						"superseded version does not point forward"
					);
					ensure!(older.record == record.record, "record identity differs in a chain");
					ensure!(older.tag == record.tag, "tag differs in a chain");
					ensure!(record.kind != VersionKind::Original, "a later version is original");
				},
				None => {
					ensure!(record.version == 1, "first version numbered");
					ensure!(record.record == id, "a first version is not its record's identity");
					ensure!(
						record.kind == VersionKind::Original,
						"a first version is not original"
					);
					let entry = tags.entry(record.tag).or_insert((record.patient.clone(), 0));
					ensure!(entry.0 == record.patient, "a tag of two patients");
					entry.1 += 1;
				},
			}
		}
		ensure!(
			TagPatients::<T>::iter().count() == tags.len(),
			"a tag indexed without a live record"
		);
		for (tag, expected) in tags {
			ensure!(TagPatients::<T>::get(tag) == Some(expected), "tag index");
		}
		for (patient, ids) in lists {
			for id in ids {
				let record = Self::record(id).ok_or("listed record missing or shredded")?;
				ensure!(record.patient == patient, "listed record of another patient");
			}
		}
		for (device, entry) in Devices::<T>::iter() {
			let listed = DevicesOf::<T>::get(&entry.patient).contains(&device);
			ensure!(listed == (entry.status == DeviceStatus::Active), "active devices listed");
		}
		for (patient, pending) in PendingDevices::<T>::iter() {
			ensure!(
				pending.is_empty() || Patients::<T>::contains_key(&patient),
				"pending device of an unknown patient"
			);
			let active = DevicesOf::<T>::decode_len(&patient).unwrap_or(0);
			ensure!(
				active + pending.len() <= T::MaxDevicesPerPatient::get() as usize,
				"too many active and pending devices"
			);
			for (i, request) in pending.iter().enumerate() {
				ensure!(
					!pending.iter().skip(i + 1).any(|other| other.device == request.device),
					"a device pending twice for one patient"
				);
			}
		}
		telemed_primitives::check_holds::<_, T::Currency, _>(
			&Self::expected_holds(),
			&HOLD_REASONS,
		)?;
		Self::do_try_state_revocation()
	}
}
