//! The logic behind the calls, the queries of the runtime API, the invariants, and the
//! `RecordInspector` the other pallets use.
//!
//! Every `do_*` function checks everything first and writes last: past the `No fail beyond
//! this point` marker nothing can fail, so a failed call changes nothing.

use crate::{pallet::*, types::*, weights::WeightInfo, Content};
use alloc::vec::Vec;
use frame_support::{
	ensure,
	pallet_prelude::*,
	traits::{fungible::MutateHold, tokens::Precision, Time},
};
use frame_system::pallet_prelude::OriginFor;
use sp_runtime::traits::Zero;
use telemed_primitives::{
	is_valid_key_agreement_key, AccessAction, AccessBasis, AccessDenial, ConsentVerifier,
	DataCategory, DelegateScope, DelegationInspector, Disclosure, DisclosureLog, Hash256,
	KeyAgreementKey, LicenceQuery, Moment, PractitionerRegistry, PurposeOfUse, RecordId,
	RecordInspector, RecordSubject,
};

impl<T: Config> Pallet<T> {
	/// The chain's time now, in milliseconds.
	pub(crate) fn now() -> Moment {
		T::Time::now()
	}

	// ---- helpers ----------------------------------------------------------------------------

	/// Whether `agent` is `patient` or, now, a delegate of theirs with `AccessRecords`.
	fn acts_for(patient: &T::AccountId, agent: &T::AccountId) -> bool {
		T::Delegation::may_act_for(patient, agent, DelegateScope::AccessRecords)
	}

	/// Whether `agent` is `patient` or, now, a delegate of theirs with `ShredRecords`.
	fn may_shred_for(patient: &T::AccountId, agent: &T::AccountId) -> bool {
		T::Delegation::may_act_for(patient, agent, DelegateScope::ShredRecords)
	}

	fn hold(reason: HoldReason, who: &T::AccountId, amount: BalanceOf<T>) -> DispatchResult {
		T::Currency::hold(&reason.into(), who, amount)
			.map_err(|_| Error::<T>::InsufficientBalance.into())
	}

	fn release(reason: HoldReason, who: &T::AccountId, amount: BalanceOf<T>) {
		// Best effort: the amount was held by this pallet under this reason (an invariant that
		// `try_state` checks), so the whole of it is released.
		let _ = T::Currency::release(&reason.into(), who, amount, Precision::BestEffort);
	}

	/// The error that says why an access was refused.
	fn denial_error(denial: AccessDenial) -> DispatchError {
		match denial {
			AccessDenial::UnknownPatient => Error::<T>::UnknownPatient,
			AccessDenial::NotLicensed => Error::<T>::NotLicensed,
			AccessDenial::NoConsent => Error::<T>::NoConsent,
			AccessDenial::ExplicitlyDenied(_) => Error::<T>::ExplicitlyDenied,
		}
		.into()
	}

	/// May `author` write (`action` = append or amend) `patient`'s data of `category`? The
	/// patient and their delegates may; anyone else must be licensed and allowed by consent.
	fn check_author(
		author: &T::AccountId,
		patient: &T::AccountId,
		action: AccessAction,
		category: DataCategory,
		record: Option<RecordId>,
		purpose: PurposeOfUse,
	) -> DispatchResult {
		if Self::acts_for(patient, author) {
			return Ok(());
		}
		ensure!(
			T::Practitioners::is_licensed(author, &LicenceQuery::any()),
			Error::<T>::NotLicensed
		);
		T::Consent::check_access(author, patient, action, category, record, purpose)
			.map(|_| ())
			.map_err(Self::denial_error)
	}

	/// Whether `grantee` may read `version` for `purpose` now. The check names the record's
	/// identity (its first version), so a consent scoped to the record covers every version.
	fn read_access(
		grantee: &T::AccountId,
		version: &RecordOf<T>,
		purpose: PurposeOfUse,
	) -> Result<AccessBasis, AccessDenial> {
		T::Consent::check_access(
			grantee,
			&version.patient,
			AccessAction::Read,
			version.category,
			Some(version.record),
			purpose,
		)
	}

	/// The key a grantee's envelopes are sealed to: the patient's own key for the patient,
	/// else the practitioner key, else the grantee's patient key.
	pub fn grantee_key(grantee: &T::AccountId, patient: &T::AccountId) -> Option<KeyAgreementKey> {
		let as_patient = || Patients::<T>::get(grantee).map(|p| p.key);
		if grantee == patient {
			return as_patient();
		}
		T::Practitioners::key_agreement_key(grantee).or_else(as_patient)
	}

	/// Checks a version's content: a non-empty ciphertext and a non-empty locator (its bound
	/// is the call's type).
	fn check_content(content: &Content<T::MaxLocatorLen>) -> DispatchResult {
		ensure!(content.ciphertext_size > 0, Error::<T>::EmptyCiphertext);
		ensure!(!content.locator.is_empty(), Error::<T>::EmptyLocator);
		Ok(())
	}

	/// A live record version, or why not.
	fn live_record(id: RecordId) -> Result<RecordOf<T>, DispatchError> {
		let record = Records::<T>::get(id).ok_or(Error::<T>::UnknownRecord)?;
		ensure!(!record.is_shredded(), Error::<T>::RecordShredded);
		Ok(record)
	}

	// ---- patients ---------------------------------------------------------------------------

	pub(crate) fn do_register_patient(
		patient: T::AccountId,
		key: KeyAgreementKey,
	) -> DispatchResult {
		ensure!(is_valid_key_agreement_key(&key), Error::<T>::InvalidKey);
		ensure!(!Patients::<T>::contains_key(&patient), Error::<T>::AlreadyRegistered);
		// An active or retired device (which consented to be one) is never a patient; a
		// pending registration naming the account blocks nothing.
		ensure!(!Devices::<T>::contains_key(&patient), Error::<T>::DeviceIsPatient);
		let deposit = T::PatientDeposit::get();
		Self::hold(HoldReason::PatientDeposit, &patient, deposit)?;

		// *** No fail beyond this point ***
		Patients::<T>::insert(&patient, Patient { key, deposit, registered_at: Self::now() });
		Self::deposit_event(Event::PatientRegistered { patient, key });
		Ok(())
	}

	pub(crate) fn do_rotate_key(patient: T::AccountId, key: KeyAgreementKey) -> DispatchResult {
		ensure!(is_valid_key_agreement_key(&key), Error::<T>::InvalidKey);
		Patients::<T>::try_mutate(&patient, |p| -> DispatchResult {
			let p = p.as_mut().ok_or(Error::<T>::UnknownPatient)?;
			p.key = key;
			Ok(())
		})?;
		Self::deposit_event(Event::PatientKeyRotated { patient, key });
		Ok(())
	}

	pub(crate) fn do_deregister_patient(patient: T::AccountId) -> DispatchResult {
		let entry = Patients::<T>::get(&patient).ok_or(Error::<T>::UnknownPatient)?;
		ensure!(RecordsOf::<T>::decode_len(&patient).unwrap_or(0) == 0, Error::<T>::RecordsRemain);
		ensure!(
			DevicesOf::<T>::decode_len(&patient).unwrap_or(0) == 0
				&& PendingDevices::<T>::decode_len(&patient).unwrap_or(0) == 0,
			Error::<T>::DevicesRemain
		);

		// *** No fail beyond this point ***
		Self::release(HoldReason::PatientDeposit, &patient, entry.deposit);
		Patients::<T>::remove(&patient);
		// Empty lists left by shredding and retirement.
		RecordsOf::<T>::remove(&patient);
		DevicesOf::<T>::remove(&patient);
		PendingDevices::<T>::remove(&patient);
		Self::deposit_event(Event::PatientDeregistered { patient });
		Ok(())
	}

	// ---- records ----------------------------------------------------------------------------

	pub(crate) fn do_add_record(
		author: T::AccountId,
		patient: T::AccountId,
		resource_type: BoundedVec<u8, T::MaxResourceTypeLen>,
		category: DataCategory,
		content: Content<T::MaxLocatorLen>,
		purpose: PurposeOfUse,
	) -> Result<RecordId, DispatchError> {
		ensure!(Patients::<T>::contains_key(&patient), Error::<T>::UnknownPatient);
		ensure!(
			!resource_type.is_empty() && resource_type.iter().all(u8::is_ascii_alphabetic),
			Error::<T>::BadResourceType
		);
		Self::check_content(&content)?;
		Self::check_author(&author, &patient, AccessAction::Append, category, None, purpose)?;
		// A first version's identity is its own id, the one `insert_version` assigns.
		let identity = NextRecordId::<T>::get();
		let id = Self::insert_version(Self::new_version(
			author.clone(),
			patient.clone(),
			resource_type,
			category,
			content,
			(identity, 1),
			None,
		))?;
		Self::deposit_event(Event::RecordAdded { id, patient, author, category });
		Ok(id)
	}

	pub(crate) fn do_amend_record(
		author: T::AccountId,
		previous: RecordId,
		content: Content<T::MaxLocatorLen>,
		purpose: PurposeOfUse,
	) -> Result<RecordId, DispatchError> {
		let mut old = Self::live_record(previous)?;
		ensure!(old.status == RecordStatus::Current, Error::<T>::NotCurrent);
		let version = old.version.checked_add(1).ok_or(Error::<T>::TooManyVersions)?;
		ensure!(version <= T::MaxVersions::get(), Error::<T>::TooManyVersions);
		Self::check_content(&content)?;
		let patient = old.patient.clone();
		// The consent check names the record's identity, not the version amended.
		Self::check_author(
			&author,
			&patient,
			AccessAction::Amend,
			old.category,
			Some(old.record),
			purpose,
		)?;
		let id = Self::insert_version(Self::new_version(
			author.clone(),
			patient,
			old.resource_type.clone(),
			old.category,
			content,
			(old.record, version),
			Some(previous),
		))?;

		// *** No fail beyond this point ***
		old.status = RecordStatus::Superseded { by: id, at: Self::now() };
		Records::<T>::insert(previous, old);
		Self::deposit_event(Event::RecordAmended { id, previous, author });
		Ok(id)
	}

	/// A new current version, created now, with the record deposit; `(record, version)` are
	/// the record's identity and the version's number.
	fn new_version(
		author: T::AccountId,
		patient: T::AccountId,
		resource_type: BoundedVec<u8, T::MaxResourceTypeLen>,
		category: DataCategory,
		content: Content<T::MaxLocatorLen>,
		(record, version): (RecordId, u32),
		supersedes: Option<RecordId>,
	) -> RecordOf<T> {
		Record {
			patient,
			author,
			resource_type,
			category,
			commitment: content.commitment,
			ciphertext_hash: content.ciphertext_hash,
			ciphertext_size: content.ciphertext_size,
			locator: content.locator,
			created_at: Self::now(),
			record,
			version,
			supersedes,
			status: RecordStatus::Current,
			envelopes: 0,
			deposit: T::RecordDeposit::get(),
		}
	}

	/// Stores a new version: its id, its place in the patient's list and the author's deposit
	/// are the last checks; nothing is written unless all pass. Returns its id.
	fn insert_version(record: RecordOf<T>) -> Result<RecordId, DispatchError> {
		let id = NextRecordId::<T>::get();
		let next = id.checked_add(1).ok_or(Error::<T>::IdsExhausted)?;
		let mut ids = RecordsOf::<T>::get(&record.patient);
		ids.try_push(id).map_err(|_| Error::<T>::TooManyRecords)?;
		Self::hold(HoldReason::RecordDeposit, &record.author, record.deposit)?;

		// *** No fail beyond this point ***
		RecordsOf::<T>::insert(&record.patient, ids);
		Records::<T>::insert(id, record);
		NextRecordId::<T>::put(next);
		Ok(id)
	}

	// ---- envelopes --------------------------------------------------------------------------

	pub(crate) fn do_add_envelope(
		who: T::AccountId,
		id: RecordId,
		grantee: T::AccountId,
		sealed: BoundedVec<u8, T::MaxEnvelopeLen>,
		purpose: PurposeOfUse,
	) -> DispatchResult {
		let mut record = Self::live_record(id)?;
		ensure!(
			who == record.author || Self::acts_for(&record.patient, &who),
			Error::<T>::NotPermitted
		);
		ensure!(sealed.len() as u64 >= u64::from(MIN_ENVELOPE_LEN), Error::<T>::EnvelopeTooShort);
		let sealed_to =
			Self::grantee_key(&grantee, &record.patient).ok_or(Error::<T>::NoKeyAgreementKey)?;
		Self::read_access(&grantee, &record, purpose).map_err(Self::denial_error)?;
		ensure!(!Envelopes::<T>::contains_key(id, &grantee), Error::<T>::EnvelopeExists);
		let count = record.envelopes.saturating_add(1);
		ensure!(count <= T::MaxEnvelopesPerRecord::get(), Error::<T>::TooManyEnvelopes);
		let deposit = T::EnvelopeDeposit::get();
		Self::hold(HoldReason::EnvelopeDeposit, &who, deposit)?;

		// *** No fail beyond this point ***
		record.envelopes = count;
		Records::<T>::insert(id, record);
		Envelopes::<T>::insert(
			id,
			&grantee,
			KeyEnvelope {
				sealed,
				sealed_to,
				purpose,
				depositor: who.clone(),
				deposit,
				added_at: Self::now(),
			},
		);
		Self::deposit_event(Event::EnvelopeAdded { record: id, grantee, by: who });
		Ok(())
	}

	pub(crate) fn do_remove_envelope(
		who: T::AccountId,
		id: RecordId,
		grantee: T::AccountId,
	) -> DispatchResult {
		let mut record = Records::<T>::get(id).ok_or(Error::<T>::UnknownRecord)?;
		let envelope = Envelopes::<T>::get(id, &grantee).ok_or(Error::<T>::NoEnvelope)?;
		let privileged = who == grantee || Self::acts_for(&record.patient, &who);
		if !privileged {
			// Anyone may clean up once the access has ended for good: no consent covers it
			// any more (revoked, expired) or a deny does. A licence that is not valid now may
			// be again (a suspension lifted), and the registry cannot tell which will not:
			// the envelope stays for the patient, a delegate or the grantee to remove.
			match Self::read_access(&grantee, &record, envelope.purpose) {
				Ok(_) => return Err(Error::<T>::StillHasAccess.into()),
				Err(AccessDenial::NotLicensed) => return Err(Error::<T>::AccessMayResume.into()),
				Err(_) => (),
			}
		}

		// *** No fail beyond this point ***
		Self::release(HoldReason::EnvelopeDeposit, &envelope.depositor, envelope.deposit);
		Envelopes::<T>::remove(id, &grantee);
		record.envelopes = record.envelopes.saturating_sub(1);
		Records::<T>::insert(id, record);
		Self::deposit_event(Event::EnvelopeRemoved { record: id, grantee });
		Ok(())
	}

	pub(crate) fn do_access_record(accessor: T::AccountId, id: RecordId) -> DispatchResult {
		let record = Self::live_record(id)?;
		let envelope = Envelopes::<T>::get(id, &accessor).ok_or(Error::<T>::NoEnvelope)?;
		let basis =
			Self::read_access(&accessor, &record, envelope.purpose).map_err(Self::denial_error)?;
		T::Disclosures::note_disclosure(Disclosure {
			accessor: accessor.clone(),
			patient: record.patient,
			record: Some(id),
			category: Some(record.category),
			action: AccessAction::Read,
			purpose: envelope.purpose,
			basis,
			at: Self::now(),
		})?;
		Self::deposit_event(Event::RecordAccessed {
			record: id,
			accessor,
			basis,
			envelope: envelope.sealed.into_inner(),
		});
		Ok(())
	}

	// ---- crypto-shredding -------------------------------------------------------------------

	/// Whether `origin` may shred `record` now, and it is not shredded yet: the condition for
	/// shredding free of fees.
	pub(crate) fn may_shred(origin: &OriginFor<T>, record: RecordId) -> bool {
		let Some(who) = origin.clone().into_signer() else { return false };
		Records::<T>::get(record)
			.is_some_and(|r| !r.is_shredded() && Self::may_shred_for(&r.patient, &who))
	}

	/// Whether `origin` may shred `patient`'s records and there is one to shred.
	pub(crate) fn may_shred_all(
		origin: &OriginFor<T>,
		patient: &T::AccountId,
		max_records: u32,
	) -> bool {
		let Some(who) = origin.clone().into_signer() else { return false };
		max_records > 0
			&& Self::may_shred_for(patient, &who)
			&& !RecordsOf::<T>::get(patient).is_empty()
	}

	/// Every version of `id`'s record, oldest first (at most `MaxVersions`).
	pub fn version_chain(id: RecordId) -> Vec<(RecordId, RecordOf<T>)> {
		let max = T::MaxVersions::get() as usize;
		// Walk forward to the newest version, then back to the first.
		let mut newest = id;
		for _ in 0..max {
			match Records::<T>::get(newest).and_then(|r| r.superseded_by()) {
				Some(by) => newest = by,
				None => break,
			}
		}
		let mut chain = Vec::new();
		let mut at = Some(newest);
		while let Some(current) = at {
			if chain.len() >= max {
				break;
			}
			let Some(record) = Records::<T>::get(current) else { break };
			at = record.supersedes;
			chain.push((current, record));
		}
		chain.reverse();
		chain
	}

	pub(crate) fn do_shred_record(
		who: T::AccountId,
		id: RecordId,
	) -> Result<(u32, u32), DispatchError> {
		let record = Self::live_record(id)?;
		ensure!(Self::may_shred_for(&record.patient, &who), Error::<T>::NotPermitted);

		// *** No fail beyond this point ***
		let (versions, envelopes) = Self::shred_chain(id, &record.patient);
		Self::deposit_event(Event::RecordShredded {
			record: id,
			patient: record.patient,
			versions,
			envelopes,
		});
		Ok((versions, envelopes))
	}

	/// Shreds every version of `id`'s record; returns how many versions and envelopes. Cannot
	/// fail.
	fn shred_chain(id: RecordId, patient: &T::AccountId) -> (u32, u32) {
		let now = Self::now();
		let chain = Self::version_chain(id);
		let mut destroyed = 0u32;
		for (version_id, mut version) in chain.iter().cloned() {
			for (_, envelope) in Envelopes::<T>::drain_prefix(version_id) {
				Self::release(HoldReason::EnvelopeDeposit, &envelope.depositor, envelope.deposit);
				destroyed = destroyed.saturating_add(1);
			}
			Self::release(HoldReason::RecordDeposit, &version.author, version.deposit);
			version.deposit = Zero::zero();
			version.envelopes = 0;
			version.locator = BoundedVec::new();
			version.status = RecordStatus::Shredded { at: now };
			Records::<T>::insert(version_id, version);
		}
		RecordsOf::<T>::mutate(patient, |ids| {
			ids.retain(|listed| !chain.iter().any(|(shredded, _)| shredded == listed))
		});
		(chain.len() as u32, destroyed)
	}

	pub(crate) fn do_shred_all(
		who: T::AccountId,
		patient: T::AccountId,
		max_records: u32,
	) -> Result<Weight, DispatchError> {
		ensure!(Self::may_shred_for(&patient, &who), Error::<T>::NotPermitted);
		let first = RecordsOf::<T>::get(&patient).first().copied();
		ensure!(max_records > 0 && first.is_some(), Error::<T>::NothingToShred);

		// *** No fail beyond this point ***
		let mut weight = Weight::zero();
		let mut records = 0u32;
		while records < max_records {
			let Some(id) = RecordsOf::<T>::get(&patient).first().copied() else { break };
			let (versions, envelopes) = Self::shred_chain(id, &patient);
			weight = weight.saturating_add(T::WeightInfo::shred_record(versions, envelopes));
			records = records.saturating_add(1);
			Self::deposit_event(Event::RecordShredded {
				record: id,
				patient: patient.clone(),
				versions,
				envelopes,
			});
		}
		let remaining = RecordsOf::<T>::decode_len(&patient).unwrap_or(0) as u32;
		Self::deposit_event(Event::AllShredded { patient, records, remaining });
		Ok(weight)
	}

	// ---- wearable devices -------------------------------------------------------------------

	pub(crate) fn do_register_device(
		patient: T::AccountId,
		device: T::AccountId,
		label: BoundedVec<u8, T::MaxLabelLen>,
	) -> DispatchResult {
		ensure!(Patients::<T>::contains_key(&patient), Error::<T>::UnknownPatient);
		ensure!(
			device != patient && !Patients::<T>::contains_key(&device),
			Error::<T>::DeviceIsPatient
		);
		ensure!(!Devices::<T>::contains_key(&device), Error::<T>::DeviceExists);
		let mut pending = PendingDevices::<T>::get(&patient);
		ensure!(!pending.iter().any(|p| p.device == device), Error::<T>::DevicePending);
		let active = DevicesOf::<T>::decode_len(&patient).unwrap_or(0);
		ensure!(
			active.saturating_add(pending.len()) < T::MaxDevicesPerPatient::get() as usize,
			Error::<T>::TooManyDevices
		);
		let deposit = T::DeviceDeposit::get();
		pending
			.try_push(PendingDevice {
				device: device.clone(),
				label,
				deposit,
				requested_at: Self::now(),
			})
			.map_err(|_| Error::<T>::TooManyDevices)?;
		Self::hold(HoldReason::DeviceDeposit, &patient, deposit)?;

		// *** No fail beyond this point ***
		PendingDevices::<T>::insert(&patient, pending);
		Self::deposit_event(Event::DeviceRequested { device, patient });
		Ok(())
	}

	pub(crate) fn do_confirm_device(device: T::AccountId, patient: T::AccountId) -> DispatchResult {
		let mut pending = PendingDevices::<T>::get(&patient);
		let position =
			pending.iter().position(|p| p.device == device).ok_or(Error::<T>::NoPendingDevice)?;
		ensure!(!Patients::<T>::contains_key(&device), Error::<T>::DeviceIsPatient);
		ensure!(!Devices::<T>::contains_key(&device), Error::<T>::DeviceExists);
		let mut devices = DevicesOf::<T>::get(&patient);
		devices.try_push(device.clone()).map_err(|_| Error::<T>::TooManyDevices)?;

		// *** No fail beyond this point ***
		let request = pending.remove(position);
		Devices::<T>::insert(
			&device,
			Device {
				patient: patient.clone(),
				label: request.label,
				status: DeviceStatus::Active,
				registered_at: Self::now(),
				latest: None,
				deposit: request.deposit,
			},
		);
		DevicesOf::<T>::insert(&patient, devices);
		PendingDevices::<T>::insert(&patient, pending);
		Self::deposit_event(Event::DeviceRegistered { device, patient });
		Ok(())
	}

	pub(crate) fn do_cancel_device(patient: T::AccountId, device: T::AccountId) -> DispatchResult {
		let mut pending = PendingDevices::<T>::get(&patient);
		let position =
			pending.iter().position(|p| p.device == device).ok_or(Error::<T>::NoPendingDevice)?;

		// *** No fail beyond this point ***
		let request = pending.remove(position);
		Self::release(HoldReason::DeviceDeposit, &patient, request.deposit);
		PendingDevices::<T>::insert(&patient, pending);
		Self::deposit_event(Event::DeviceRequestCancelled { device, patient });
		Ok(())
	}

	pub(crate) fn do_remove_device(who: T::AccountId, device: T::AccountId) -> DispatchResult {
		let entry = Devices::<T>::get(&device).ok_or(Error::<T>::UnknownDevice)?;
		ensure!(entry.patient == who, Error::<T>::NotPermitted);
		ensure!(entry.status != DeviceStatus::Active, Error::<T>::DeviceNotRetired);

		// *** No fail beyond this point ***
		Self::release(HoldReason::DeviceDeposit, &entry.patient, entry.deposit);
		// Keep the highest sequence number the account ever used (an earlier removal's
		// included: this registration started above it).
		if let Some(latest) = entry.latest {
			SpentSequence::<T>::mutate(&device, |spent| {
				*spent = Some(spent.map_or(latest.seq, |s| s.max(latest.seq)))
			});
		}
		Devices::<T>::remove(&device);
		Self::deposit_event(Event::DeviceRemoved { device });
		Ok(())
	}

	pub(crate) fn do_retire_device(who: T::AccountId, device: T::AccountId) -> DispatchResult {
		let mut entry = Devices::<T>::get(&device).ok_or(Error::<T>::UnknownDevice)?;
		ensure!(entry.patient == who, Error::<T>::NotPermitted);
		ensure!(entry.status == DeviceStatus::Active, Error::<T>::DeviceRetired);

		// *** No fail beyond this point ***
		entry.status = DeviceStatus::Retired { at: Self::now() };
		DevicesOf::<T>::mutate(&entry.patient, |devices| devices.retain(|d| d != &device));
		Devices::<T>::insert(&device, entry);
		Self::deposit_event(Event::DeviceRetired { device });
		Ok(())
	}

	pub(crate) fn do_anchor_batch(
		device: T::AccountId,
		seq: u64,
		root: Hash256,
		samples: u32,
		from: Moment,
		to: Moment,
	) -> DispatchResult {
		let mut entry = Devices::<T>::get(&device).ok_or(Error::<T>::UnknownDevice)?;
		ensure!(entry.status == DeviceStatus::Active, Error::<T>::DeviceRetired);
		ensure!(samples > 0, Error::<T>::EmptyBatch);
		ensure!(from <= to, Error::<T>::WindowEndsBeforeStart);
		// Above this registration's latest batch or, before its first, above the highest
		// number the account used in an earlier registration.
		let floor = match entry.latest {
			Some(batch) => Some(batch.seq),
			None => SpentSequence::<T>::get(&device),
		};
		ensure!(floor.map_or(true, |f| seq > f), Error::<T>::SequenceNotIncreasing);

		// *** No fail beyond this point ***
		let batch = BatchAnchor { seq, root, samples, from, to, anchored_at: Self::now() };
		entry.latest = Some(batch);
		let patient = entry.patient.clone();
		Devices::<T>::insert(&device, entry);
		Self::deposit_event(Event::BatchAnchored { device, patient, batch });
		Ok(())
	}

	// ---- queries (runtime API) --------------------------------------------------------------

	/// Up to `max` of `patient`'s live record versions that pass `filter`, from position
	/// `from` of the patient's list on; and the position to ask from next, if any is left.
	pub fn records_of(
		patient: &T::AccountId,
		filter: &RecordFilter,
		from: u32,
		max: u32,
	) -> (Vec<(RecordId, RecordOf<T>)>, Option<u32>) {
		let ids = RecordsOf::<T>::get(patient);
		let mut page = Vec::new();
		for (position, id) in ids.iter().enumerate().skip(from as usize) {
			if page.len() as u32 >= max {
				return (page, Some(position as u32));
			}
			let Some(record) = Records::<T>::get(id) else { continue };
			let wanted = filter.category.map_or(true, |c| c == record.category)
				&& filter
					.resource_type
					.as_ref()
					.map_or(true, |t| t[..] == record.resource_type[..])
				&& (!filter.current_only || record.status == RecordStatus::Current);
			if wanted {
				page.push((*id, record));
			}
		}
		(page, None)
	}

	/// `grantee`'s envelope for `record`, if and only if `grantee` may read the record now
	/// for the envelope's purpose.
	pub fn envelope_for(record: RecordId, grantee: &T::AccountId) -> Option<KeyEnvelopeOf<T>> {
		let entry = Records::<T>::get(record).filter(|r| !r.is_shredded())?;
		let envelope = Envelopes::<T>::get(record, grantee)?;
		Self::read_access(grantee, &entry, envelope.purpose).ok().map(|_| envelope)
	}

	// ---- invariants -------------------------------------------------------------------------

	/// The pallet's invariants:
	/// - every live version is listed by its patient exactly once, and every listed id is a
	///   live version of that patient; every live version's patient is registered (shredded
	///   tombstones may outlive a deregistration);
	/// - version chains: a superseded version's successor exists, points back at it, and is
	///   not shredded unless it is; a version that supersedes another is that one's successor;
	///   so every live chain ends in exactly one current version; a first version's identity
	///   is its own id, every other version's that of the version it supersedes;
	/// - envelopes only on live versions, and each version's envelope count is right;
	/// - what each account has on hold under each reason equals its patient, record, envelope
	///   and device deposits (pending registrations included); active devices are listed by
	///   their patient; pending registrations belong to registered patients, name each device
	///   once, and with the active devices stay within `MaxDevicesPerPatient`.
	#[cfg(any(feature = "try-runtime", test))]
	pub fn do_try_state() -> Result<(), sp_runtime::TryRuntimeError> {
		use alloc::collections::btree_map::BTreeMap;

		let mut held: BTreeMap<(T::AccountId, u8), BalanceOf<T>> = BTreeMap::new();
		let mut add = |who: &T::AccountId, reason: u8, amount: BalanceOf<T>| {
			let entry = held.entry((who.clone(), reason)).or_insert_with(Zero::zero);
			*entry += amount;
		};
		for (patient, entry) in Patients::<T>::iter() {
			add(&patient, 0, entry.deposit);
		}
		let next = NextRecordId::<T>::get();
		let mut envelope_counts: BTreeMap<RecordId, u32> = BTreeMap::new();
		for (id, _, envelope) in Envelopes::<T>::iter() {
			*envelope_counts.entry(id).or_default() += 1;
			add(&envelope.depositor, 2, envelope.deposit);
		}
		for (id, record) in Records::<T>::iter() {
			ensure!(id < next, "record id not below NextRecordId");
			ensure!(
				record.is_shredded() || Patients::<T>::contains_key(&record.patient),
				"live record of an unknown patient"
			);
			let listed = RecordsOf::<T>::get(&record.patient).iter().filter(|l| **l == id).count();
			let envelopes = envelope_counts.get(&id).copied().unwrap_or(0);
			ensure!(record.envelopes == envelopes, "envelope count");
			if record.is_shredded() {
				ensure!(listed == 0, "shredded version listed");
				ensure!(envelopes == 0, "envelope on a shredded version");
				ensure!(record.deposit.is_zero() && record.locator.is_empty(), "shredded remains");
			} else {
				ensure!(listed == 1, "live version not listed once");
				add(&record.author, 1, record.deposit);
			}
			if let Some(by) = record.superseded_by() {
				let newer = Records::<T>::get(by).ok_or("successor missing")?;
				ensure!(newer.supersedes == Some(id), "successor does not point back");
				ensure!(newer.version == record.version + 1, "version numbers");
			}
			if let Some(previous) = record.supersedes {
				let older = Records::<T>::get(previous).ok_or("superseded version missing")?;
				let shredded_together = older.is_shredded() && record.is_shredded();
				ensure!(
					shredded_together || older.superseded_by() == Some(id),
					"superseded version does not point forward"
				);
				ensure!(older.is_shredded() == record.is_shredded(), "chain half shredded");
				ensure!(older.record == record.record, "record identity differs in a chain");
			} else {
				ensure!(record.version == 1, "first version numbered");
				ensure!(record.record == id, "a first version is not its record's identity");
			}
		}
		for (patient, ids) in RecordsOf::<T>::iter() {
			for id in ids {
				let record = Records::<T>::get(id).ok_or("listed record missing")?;
				ensure!(record.patient == patient, "listed record of another patient");
			}
		}
		for (device, entry) in Devices::<T>::iter() {
			add(&entry.patient, 3, entry.deposit);
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
				add(&patient, 3, request.deposit);
			}
		}
		let reasons = [
			HoldReason::PatientDeposit,
			HoldReason::RecordDeposit,
			HoldReason::EnvelopeDeposit,
			HoldReason::DeviceDeposit,
		];
		telemed_primitives::check_holds::<_, T::Currency, _>(&held, &reasons)?;
		Ok(())
	}
}

impl<T: Config> RecordInspector<T::AccountId> for Pallet<T> {
	fn record_subject(version: RecordId) -> Option<RecordSubject<T::AccountId>> {
		// One read: every version stores its record's identity.
		let found = Records::<T>::get(version).filter(|r| !r.is_shredded())?;
		Some(RecordSubject {
			patient: found.patient,
			category: found.category,
			record: found.record,
		})
	}

	fn is_patient(who: &T::AccountId) -> bool {
		Patients::<T>::contains_key(who)
	}

	/// A record of `MaxVersions` versions, added and amended by the patient: its newest
	/// version's id, whose `record_subject` walks the longest chain.
	#[cfg(feature = "runtime-benchmarks")]
	fn make_record(patient: &T::AccountId, category: DataCategory) -> RecordId {
		use frame_support::traits::fungible::Mutate;
		use sp_runtime::traits::Bounded;
		if !Patients::<T>::contains_key(patient) {
			T::Currency::set_balance(patient, BalanceOf::<T>::max_value() / 1024u32.into());
			let _ = Self::do_register_patient(patient.clone(), [1u8; 32]);
		}
		let content = |seed: u8| Content {
			commitment: [seed; 32],
			ciphertext_hash: [seed; 32],
			ciphertext_size: 1,
			locator: b"bench".to_vec().try_into().unwrap_or_default(),
		};
		let resource_type = b"Observation".to_vec().try_into().unwrap_or_default();
		let purpose = PurposeOfUse::Treatment;
		let added = Self::do_add_record(
			patient.clone(),
			patient.clone(),
			resource_type,
			category,
			content(0),
			purpose,
		);
		let Ok(mut id) = added else { return RecordId::MAX };
		for v in 1..T::MaxVersions::get() {
			match Self::do_amend_record(patient.clone(), id, content(v as u8), purpose) {
				Ok(newer) => id = newer,
				Err(_) => break,
			}
		}
		id
	}
}
