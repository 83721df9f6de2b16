//! The logic behind the calls, the queries of the runtime API, the invariants, and the
//! `RecordInspector` and `EnvelopeKeeper` the other pallets use.
//!
//! Every `do_*` function checks everything first and writes last: past the `No fail beyond
//! this point` marker nothing can fail, so a failed call changes nothing.

use crate::{pallet::*, types::*, weights::WeightInfo, Content};
use alloc::vec::Vec;
use frame_support::{ensure, pallet_prelude::*, traits::Time};
use frame_system::pallet_prelude::OriginFor;
use sp_runtime::traits::{Saturating, Zero};
use telemed_primitives::{
	deposits, is_valid_key_agreement_key, AccessAction, AccessBasis, AccessDenial, AccessTarget,
	CheckReads, ConsentVerifier, DelegateScope, DelegationInspector, DisclosedData, Disclosure,
	DisclosureLog, EmergencyAccessId, EnvelopeKeeper, Hash256, KeyAgreementKey, LicenceQuery,
	Moment, PractitionerRegistry, PurposeOfUse, RecordId, RecordInspector, RecordRefusal,
	RecordSubject, Tag,
};

impl<T: Config> Pallet<T> {
	// ---- helpers ----------------------------------------------------------------------------

	/// Whether `agent` is `patient` or, now, a delegate of theirs with `AccessRecords`.
	fn acts_for(patient: &T::AccountId, agent: &T::AccountId) -> bool {
		T::Delegation::may_act_for(patient, agent, DelegateScope::AccessRecords)
	}

	/// Whether `agent` is, now, an emergency custodian of `patient` (a delegate with
	/// `EmergencyCustodian`): it may hold the data keys the patient seals to it, without any
	/// access of its own, and release them to a practitioner whose break-glass access is open.
	fn is_custodian(patient: &T::AccountId, agent: &T::AccountId) -> bool {
		T::Delegation::is_delegate(patient, agent, DelegateScope::EmergencyCustodian)
	}

	/// Whether an envelope for `grantee` of `patient`'s record with `purpose` is a custody
	/// envelope now: its purpose is `EmergencyTreatment` and `grantee` is the patient's
	/// emergency custodian now. Custody is a property of the envelope, not of the account: a
	/// custodian that also holds envelopes under a consent (a GP appointed custodian) holds
	/// those as any grantee does.
	fn is_custody(patient: &T::AccountId, grantee: &T::AccountId, purpose: PurposeOfUse) -> bool {
		purpose == PurposeOfUse::EmergencyTreatment && Self::is_custodian(patient, grantee)
	}

	/// Whether `grantee` may hold an envelope of `version` for `purpose` now: it may read the
	/// version for that purpose, or the envelope is a custody envelope ([`Self::is_custody`]:
	/// the custodian holds keys without reading). If not, why it may not read.
	pub(crate) fn may_hold(
		grantee: &T::AccountId,
		version: &RecordOf<T>,
		purpose: PurposeOfUse,
	) -> Result<(), AccessDenial> {
		match Self::read_access(grantee, version, purpose) {
			Ok(_) => Ok(()),
			Err(_) if Self::is_custody(&version.patient, grantee, purpose) => Ok(()),
			Err(denial) => Err(denial),
		}
	}

	/// May custodian `who` release version `id`'s data key to `grantee` for `purpose` now? Only
	/// if `who` is an emergency custodian of the patient now, holds a custody envelope of this
	/// version (purpose `EmergencyTreatment`), `grantee` is another account, the purpose is
	/// `EmergencyTreatment`, and `grantee`'s read access rests on a break-glass access open
	/// now: returns its id; anything else is `NotPermitted`. Then the version must be the
	/// record's current one (`NotCurrent`: a superseded version's key is not released; the
	/// patient seals the amendment's key to the custodian).
	fn custodian_release(
		who: &T::AccountId,
		id: RecordId,
		record: &RecordOf<T>,
		grantee: &T::AccountId,
		purpose: PurposeOfUse,
	) -> Result<EmergencyAccessId, DispatchError> {
		ensure!(
			Self::is_custodian(&record.patient, who)
				&& grantee != who
				&& purpose == PurposeOfUse::EmergencyTreatment
				&& Envelopes::<T>::get(id, who)
					.is_some_and(|own| own.purpose == PurposeOfUse::EmergencyTreatment),
			Error::<T>::NotPermitted
		);
		let emergency = match Self::read_access(grantee, record, purpose) {
			Ok(AccessBasis::Emergency(emergency)) => emergency,
			_ => return Err(Error::<T>::NotPermitted.into()),
		};
		ensure!(record.status == RecordStatus::Current, Error::<T>::NotCurrent);
		Ok(emergency)
	}

	/// Whether `agent` is `patient` or, now, a delegate of theirs with `ShredRecords`.
	fn may_shred_for(patient: &T::AccountId, agent: &T::AccountId) -> bool {
		T::Delegation::may_act_for(patient, agent, DelegateScope::ShredRecords)
	}

	/// Holds a deposit ([`deposits::hold`]); too little free balance is `InsufficientBalance`.
	fn hold(reason: HoldReason, who: &T::AccountId, amount: BalanceOf<T>) -> DispatchResult {
		deposits::hold::<_, T::Currency>(&reason.into(), who, amount)
			.map_err(|_| Error::<T>::InsufficientBalance.into())
	}

	/// Releases a deposit ([`deposits::release`]).
	fn release(reason: HoldReason, who: &T::AccountId, amount: BalanceOf<T>) {
		deposits::release::<_, T::Currency>(&reason.into(), who, amount);
	}

	/// The error that says why an access was refused ([`AccessDenial::to_error`]).
	fn denial_error(denial: AccessDenial) -> DispatchError {
		denial
			.to_error(
				Error::<T>::UnknownPatient,
				Error::<T>::NotLicensed,
				Error::<T>::NoConsent,
				Error::<T>::ExplicitlyDenied,
			)
			.into()
	}

	/// May `author` write (`action` = append or amend) `target` of `patient`'s data? The
	/// patient and their delegates may; anyone else must be licensed and allowed by consent.
	/// Returns what the access check read, as the writing calls' weights count it.
	fn check_author(
		author: &T::AccountId,
		patient: &T::AccountId,
		action: AccessAction,
		target: AccessTarget,
		purpose: PurposeOfUse,
	) -> Result<CheckReads, DispatchError> {
		if Self::acts_for(patient, author) {
			return Ok(CheckReads::default());
		}
		ensure!(
			T::Practitioners::is_licensed(author, &LicenceQuery::any()),
			Error::<T>::NotLicensed
		);
		let (outcome, reads) =
			T::Consent::check_access_reading(author, patient, action, target, purpose);
		outcome.map_err(Self::denial_error)?;
		Ok(reads)
	}

	/// The access target of a version: its tag and its record's identity (its first version),
	/// so a consent scoped to the record covers every version.
	fn target_of(version: &RecordOf<T>) -> AccessTarget {
		AccessTarget::Record { tag: version.tag, record: version.record }
	}

	/// Whether `grantee` may read `version` for `purpose` now.
	pub(crate) fn read_access(
		grantee: &T::AccountId,
		version: &RecordOf<T>,
		purpose: PurposeOfUse,
	) -> Result<AccessBasis, AccessDenial> {
		Self::read_access_reading(grantee, version, purpose).0
	}

	/// [`Self::read_access`], with what the check read.
	fn read_access_reading(
		grantee: &T::AccountId,
		version: &RecordOf<T>,
		purpose: PurposeOfUse,
	) -> (Result<AccessBasis, AccessDenial>, CheckReads) {
		T::Consent::check_access_reading(
			grantee,
			&version.patient,
			AccessAction::Read,
			Self::target_of(version),
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

	/// Checks a version's content: a size class in range and a non-empty locator (its bound
	/// is the call's type).
	fn check_content(content: &Content<T::MaxLocatorLen>) -> DispatchResult {
		ensure!(
			(MIN_SIZE_CLASS..=MAX_SIZE_CLASS).contains(&content.size_class),
			Error::<T>::BadSizeClass
		);
		ensure!(!content.locator.is_empty(), Error::<T>::EmptyLocator);
		Ok(())
	}

	/// A version, if it exists and is not shredded.
	pub fn record(id: RecordId) -> Option<RecordOf<T>> {
		Records::<T>::get(id).and_then(RecordEntry::live)
	}

	/// A live record version, or why not.
	fn live_record(id: RecordId) -> Result<RecordOf<T>, DispatchError> {
		Records::<T>::get(id)
			.ok_or(Error::<T>::UnknownRecord)?
			.live()
			.ok_or_else(|| Error::<T>::RecordShredded.into())
	}

	/// Stores a live version.
	pub(crate) fn put_record(id: RecordId, record: RecordOf<T>) {
		Records::<T>::insert(id, RecordEntry::Live(record));
	}

	/// Adds `id` to the index of `grantee`'s envelopes for `patient`, or says it is full.
	fn index_envelope(
		patient: &T::AccountId,
		grantee: &T::AccountId,
		id: RecordId,
	) -> Result<BoundedVec<RecordId, T::MaxEnvelopesPerGrantee>, DispatchError> {
		let mut ids = EnvelopesOf::<T>::get(patient, grantee);
		ids.try_push(id).map_err(|_| Error::<T>::TooManyGranteeEnvelopes)?;
		Ok(ids)
	}

	/// Removes `id` from the index of `grantee`'s envelopes for `patient`.
	fn unindex_envelope(patient: &T::AccountId, grantee: &T::AccountId, id: RecordId) {
		EnvelopesOf::<T>::mutate_exists(patient, grantee, |ids| {
			if let Some(list) = ids {
				list.retain(|listed| *listed != id);
				if list.is_empty() {
					*ids = None;
				}
			}
		});
		if !EnvelopesOf::<T>::contains_key(patient, grantee) {
			Self::forget_grantee_patient(patient, grantee);
		}
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
		Patients::<T>::insert(&patient, Patient { key, deposit, registered_at: T::Time::now() });
		RecordsOf::<T>::insert(&patient, BoundedVec::default());
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
		// The (empty) list of record versions kept while registered, and empty lists left by
		// retirement.
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
		tag: Tag,
		content: Content<T::MaxLocatorLen>,
		purpose: PurposeOfUse,
	) -> Result<(RecordId, CheckReads), DispatchError> {
		// Kept exactly while the patient is registered: one read for both.
		let ids = RecordsOf::<T>::try_get(&patient).map_err(|_| Error::<T>::UnknownPatient)?;
		Self::check_content(&content)?;
		let in_use = TagPatients::<T>::get(tag);
		let records_with_tag = match in_use {
			Some((owner, count)) => {
				ensure!(owner == patient, Error::<T>::TagOfAnotherPatient);
				count
			},
			None => 0,
		};
		let reads = Self::check_author(
			&author,
			&patient,
			AccessAction::Append,
			AccessTarget::Tag(tag),
			purpose,
		)?;
		// A first version's identity is its own id, the one `insert_version` assigns.
		let identity = NextRecordId::<T>::get();
		let id = Self::insert_version(
			ids,
			Self::new_version(
				author.clone(),
				patient.clone(),
				tag,
				content,
				(identity, 1, VersionKind::Original),
				None,
			),
		)?;

		// *** No fail beyond this point ***
		// At most `MaxRecordsPerPatient` records carry it: no overflow.
		TagPatients::<T>::insert(tag, (patient.clone(), records_with_tag.saturating_add(1)));
		Self::deposit_event(Event::RecordAdded { id, patient, author });
		Ok((id, reads))
	}

	pub(crate) fn do_amend_record(
		author: T::AccountId,
		previous: RecordId,
		content: Content<T::MaxLocatorLen>,
		purpose: PurposeOfUse,
	) -> Result<(RecordId, CheckReads), DispatchError> {
		let mut old = Self::live_record(previous)?;
		ensure!(old.status == RecordStatus::Current, Error::<T>::NotCurrent);
		let version = old.version.checked_add(1).ok_or(Error::<T>::TooManyVersions)?;
		ensure!(version <= T::MaxVersions::get(), Error::<T>::TooManyVersions);
		Self::check_content(&content)?;
		let patient = old.patient.clone();
		// The consent check names the record's identity, not the version amended.
		let reads = Self::check_author(
			&author,
			&patient,
			AccessAction::Amend,
			Self::target_of(&old),
			purpose,
		)?;
		let id = Self::insert_version(
			RecordsOf::<T>::get(&patient),
			Self::new_version(
				author.clone(),
				patient,
				old.tag,
				content,
				(old.record, version, VersionKind::Amendment),
				Some(previous),
			),
		)?;

		// *** No fail beyond this point ***
		old.status = RecordStatus::Superseded { by: id, at: T::Time::now() };
		Self::put_record(previous, old);
		Self::deposit_event(Event::RecordAmended { id, previous, author });
		Ok((id, reads))
	}

	/// A new current version, created now, with the record deposit; `(record, version, kind)`
	/// are the record's identity, the version's number and how it came to be.
	fn new_version(
		author: T::AccountId,
		patient: T::AccountId,
		tag: Tag,
		content: Content<T::MaxLocatorLen>,
		(record, version, kind): (RecordId, u32, VersionKind),
		supersedes: Option<RecordId>,
	) -> RecordOf<T> {
		Record {
			patient,
			author,
			tag,
			commitment: content.commitment,
			ciphertext_hash: content.ciphertext_hash,
			size_class: content.size_class,
			locator: content.locator,
			created_at: T::Time::now(),
			record,
			version,
			supersedes,
			kind,
			status: RecordStatus::Current,
			envelopes: 0,
			deposit: T::RecordDeposit::get(),
		}
	}

	/// Stores a new version, `ids` being its patient's list as read: its id, its place in the
	/// list and the author's deposit are the last checks; nothing is written unless all pass.
	/// Returns its id.
	fn insert_version(
		mut ids: BoundedVec<ListedVersion, T::MaxRecordsPerPatient>,
		record: RecordOf<T>,
	) -> Result<RecordId, DispatchError> {
		let id = NextRecordId::<T>::get();
		let next = id.checked_add(1).ok_or(Error::<T>::IdsExhausted)?;
		// Ids only grow: the list stays sorted by id.
		ids.try_push(ListedVersion { id, record: record.record })
			.map_err(|_| Error::<T>::TooManyRecords)?;
		Self::hold(HoldReason::RecordDeposit, &record.author, record.deposit)?;

		// *** No fail beyond this point ***
		RecordsOf::<T>::insert(&record.patient, ids);
		Self::put_record(id, record);
		NextRecordId::<T>::put(next);
		Ok(id)
	}

	pub(crate) fn do_rekey_record(
		who: T::AccountId,
		previous: RecordId,
		content: Content<T::MaxLocatorLen>,
		envelopes: BoundedVec<
			(T::AccountId, BoundedVec<u8, T::MaxEnvelopeLen>),
			T::MaxEnvelopesPerRecord,
		>,
	) -> Result<u32, DispatchError> {
		let mut old = Self::live_record(previous)?;
		ensure!(old.status == RecordStatus::Current, Error::<T>::NotCurrent);
		let patient = old.patient.clone();
		ensure!(Self::acts_for(&patient, &who), Error::<T>::NotPermitted);
		ensure!(content.commitment == old.commitment, Error::<T>::CommitmentMismatch);
		let version = old.version.checked_add(1).ok_or(Error::<T>::TooManyVersions)?;
		ensure!(version <= T::MaxVersions::get(), Error::<T>::TooManyVersions);
		Self::check_content(&content)?;
		let now = T::Time::now();
		let deposit = T::EnvelopeDeposit::get();
		let mut sealed_envelopes = Vec::with_capacity(envelopes.len());
		for (i, (grantee, sealed)) in envelopes.iter().enumerate() {
			ensure!(
				!envelopes.iter().take(i).any(|(other, _)| other == grantee),
				Error::<T>::EnvelopeExists
			);
			ensure!(
				sealed.len() as u64 >= u64::from(MIN_ENVELOPE_LEN),
				Error::<T>::EnvelopeTooShort
			);
			// Only a grantee of the replaced version, for the same purpose: a re-key never
			// widens access.
			let former = Envelopes::<T>::get(previous, grantee).ok_or(Error::<T>::NoEnvelope)?;
			let sealed_to =
				Self::grantee_key(grantee, &patient).ok_or(Error::<T>::NoKeyAgreementKey)?;
			// A grantee who may read now, or a custody envelope of the emergency custodian.
			Self::may_hold(grantee, &old, former.purpose).map_err(Self::denial_error)?;
			sealed_envelopes.push((
				grantee.clone(),
				KeyEnvelope {
					sealed: sealed.clone(),
					sealed_to,
					purpose: former.purpose,
					depositor: who.clone(),
					deposit,
					added_at: now,
				},
			));
		}
		let count = sealed_envelopes.len() as u32;
		let total = deposit.saturating_mul(count.into());
		if !total.is_zero() {
			Self::hold(HoldReason::EnvelopeDeposit, &who, total)?;
		}
		let new = Self::new_version(
			who.clone(),
			patient.clone(),
			old.tag,
			content,
			(old.record, version, VersionKind::ReKey),
			Some(previous),
		);
		let id = match Self::insert_version(RecordsOf::<T>::get(&patient), new) {
			Ok(id) => id,
			Err(e) => {
				Self::release(HoldReason::EnvelopeDeposit, &who, total);
				return Err(e);
			},
		};

		// *** No fail beyond this point ***
		let mut dropped = 0u32;
		for (grantee, envelope) in Envelopes::<T>::drain_prefix(previous) {
			Self::release(HoldReason::EnvelopeDeposit, &envelope.depositor, envelope.deposit);
			dropped = dropped.saturating_add(1);
			let renewed = sealed_envelopes.iter().any(|(g, _)| *g == grantee);
			EnvelopesOf::<T>::mutate_exists(&patient, &grantee, |ids| {
				let Some(list) = ids else { return };
				if renewed {
					// The same place: the index keeps its length, so no bound is crossed.
					list.iter_mut().filter(|listed| **listed == previous).for_each(|l| *l = id);
				} else {
					list.retain(|listed| *listed != previous);
				}
				if list.is_empty() {
					*ids = None;
				}
			});
			if !EnvelopesOf::<T>::contains_key(&patient, &grantee) {
				Self::forget_grantee_patient(&patient, &grantee);
			}
		}
		for (grantee, envelope) in sealed_envelopes {
			Envelopes::<T>::insert(id, grantee, envelope);
		}
		if let Some(mut new) = Self::record(id) {
			new.envelopes = count;
			Self::put_record(id, new);
		}
		old.status = RecordStatus::Superseded { by: id, at: now };
		old.envelopes = 0;
		old.locator = BoundedVec::new();
		Self::put_record(previous, old);
		Self::deposit_event(Event::RecordReKeyed { id, previous });
		Ok(dropped.max(count))
	}

	// ---- envelopes --------------------------------------------------------------------------

	pub(crate) fn do_add_envelope(
		who: T::AccountId,
		id: RecordId,
		grantee: T::AccountId,
		sealed: BoundedVec<u8, T::MaxEnvelopeLen>,
		purpose: PurposeOfUse,
	) -> Result<Released, DispatchError> {
		let mut record = Self::live_record(id)?;
		// The patient, a delegate or the author hands out keys as access allows; an emergency
		// custodian only releases a key it holds to a practitioner who broke the glass.
		let release = if who == record.author || Self::acts_for(&record.patient, &who) {
			None
		} else {
			Some(Self::custodian_release(&who, id, &record, &grantee, purpose)?)
		};
		ensure!(sealed.len() as u64 >= u64::from(MIN_ENVELOPE_LEN), Error::<T>::EnvelopeTooShort);
		let sealed_to =
			Self::grantee_key(&grantee, &record.patient).ok_or(Error::<T>::NoKeyAgreementKey)?;
		if release.is_none() {
			// A grantee who may read it now, or a custody envelope for the patient's emergency
			// custodian: which keys an emergency may release is the patient's choice, so only
			// the patient or a delegate for records seals one, not an author.
			match Self::read_access(&grantee, &record, purpose) {
				Ok(_) => (),
				Err(_) if Self::is_custody(&record.patient, &grantee, purpose) => {
					ensure!(Self::acts_for(&record.patient, &who), Error::<T>::NotPermitted)
				},
				Err(denial) => return Err(Self::denial_error(denial)),
			}
		}
		ensure!(!Envelopes::<T>::contains_key(id, &grantee), Error::<T>::EnvelopeExists);
		let count = record.envelopes.saturating_add(1);
		ensure!(count <= T::MaxEnvelopesPerRecord::get(), Error::<T>::TooManyEnvelopes);
		let index = Self::index_envelope(&record.patient, &grantee, id)?;
		let deposit = T::EnvelopeDeposit::get();
		Self::hold(HoldReason::EnvelopeDeposit, &who, deposit)?;
		let now = T::Time::now();
		if let Some(emergency) = release {
			// The release is part of the emergency's review: the patient's log shows the
			// practitioner given the record's key on the break-glass basis. The last fallible
			// step (the log never fails in this runtime).
			T::Disclosures::note_disclosure(Disclosure {
				accessor: grantee.clone(),
				patient: record.patient.clone(),
				data: DisclosedData::Record(id),
				action: AccessAction::Read,
				purpose,
				basis: AccessBasis::Emergency(emergency),
				at: now,
			})?;
		}

		// *** No fail beyond this point ***
		EnvelopesOf::<T>::insert(&record.patient, &grantee, index);
		Self::note_grantee_patient(&record.patient, &grantee);
		record.envelopes = count;
		Self::put_record(id, record);
		Envelopes::<T>::insert(
			id,
			&grantee,
			KeyEnvelope {
				sealed,
				sealed_to,
				purpose,
				depositor: who.clone(),
				deposit,
				added_at: now,
			},
		);
		Self::deposit_event(Event::EnvelopeAdded { record: id, grantee, by: who });
		Ok(if release.is_some() { Released::ByCustodian } else { Released::ByHolder })
	}

	pub(crate) fn do_remove_envelope(
		who: T::AccountId,
		id: RecordId,
		grantee: T::AccountId,
	) -> DispatchResult {
		// A shredded version has no envelopes.
		let mut record = Self::record(id).ok_or(Error::<T>::UnknownRecord)?;
		let envelope = Envelopes::<T>::get(id, &grantee).ok_or(Error::<T>::NoEnvelope)?;
		let privileged = who == grantee || Self::acts_for(&record.patient, &who);
		if !privileged {
			// Anyone may clean up once the access has ended for good: no consent covers it
			// any more (revoked, expired) or a deny does. A licence that is not valid now may
			// be again (a suspension lifted), and the registry cannot tell which will not:
			// the envelope stays for the patient, a delegate or the grantee to remove.
			// An emergency custodian's custody envelopes are held while its appointment lasts.
			match Self::may_hold(&grantee, &record, envelope.purpose) {
				Ok(()) => return Err(Error::<T>::StillHasAccess.into()),
				Err(AccessDenial::NotLicensed) => return Err(Error::<T>::AccessMayResume.into()),
				Err(_) => (),
			}
		}

		// *** No fail beyond this point ***
		Self::drop_envelope(id, &mut record, &grantee, &envelope);
		Self::put_record(id, record);
		Self::deposit_event(Event::EnvelopeRemoved { record: id, grantee });
		Ok(())
	}

	/// Removes `grantee`'s `envelope` of version `id` (`record`, whose count it lowers; the
	/// caller stores it) from both indices and returns its deposit. Cannot fail.
	pub(crate) fn drop_envelope(
		id: RecordId,
		record: &mut RecordOf<T>,
		grantee: &T::AccountId,
		envelope: &KeyEnvelopeOf<T>,
	) {
		Self::release(HoldReason::EnvelopeDeposit, &envelope.depositor, envelope.deposit);
		Envelopes::<T>::remove(id, grantee);
		Self::unindex_envelope(&record.patient, grantee, id);
		record.envelopes = record.envelopes.saturating_sub(1);
	}

	/// Removes every envelope `grantee` holds for `patient`'s records that the grantee may
	/// not read now, whatever the reason, unless it is a custody envelope of the patient's
	/// emergency custodian now (it holds keys without reading); returns how many were examined
	/// and removed.
	pub(crate) fn do_prune_envelopes(patient: &T::AccountId, grantee: &T::AccountId) -> (u32, u32) {
		let ids = EnvelopesOf::<T>::get(patient, grantee);
		let mut removed = 0u32;
		for id in ids.iter().copied() {
			let (Some(mut record), Some(envelope)) =
				(Self::record(id), Envelopes::<T>::get(id, grantee))
			else {
				// Never the case (`try_state` checks it): an index entry without an envelope
				// is dropped.
				Self::unindex_envelope(patient, grantee, id);
				continue;
			};
			if Self::may_hold(grantee, &record, envelope.purpose).is_ok() {
				continue;
			}
			Self::drop_envelope(id, &mut record, grantee, &envelope);
			Self::put_record(id, record);
			removed = removed.saturating_add(1);
			Self::deposit_event(Event::EnvelopeRemoved { record: id, grantee: grantee.clone() });
		}
		(ids.len() as u32, removed)
	}

	/// Returns what the access check read.
	pub(crate) fn do_access_record(
		accessor: T::AccountId,
		id: RecordId,
	) -> Result<CheckReads, DispatchError> {
		let record = Self::live_record(id)?;
		let envelope = Envelopes::<T>::get(id, &accessor).ok_or(Error::<T>::NoEnvelope)?;
		let (outcome, reads) = Self::read_access_reading(&accessor, &record, envelope.purpose);
		let basis = outcome.map_err(Self::denial_error)?;
		T::Disclosures::note_disclosure(Disclosure {
			accessor: accessor.clone(),
			patient: record.patient,
			data: DisclosedData::Record(id),
			action: AccessAction::Read,
			purpose: envelope.purpose,
			basis,
			at: T::Time::now(),
		})?;
		Self::deposit_event(Event::RecordAccessed { record: id, accessor, basis });
		Ok(reads)
	}

	// ---- crypto-shredding -------------------------------------------------------------------

	/// Whether `origin` may shred `record` now, and it is not shredded yet: the condition for
	/// shredding free of fees.
	pub(crate) fn may_shred(origin: &OriginFor<T>, record: RecordId) -> bool {
		let Some(who) = origin.clone().into_signer() else { return false };
		Self::record(record).is_some_and(|r| Self::may_shred_for(&r.patient, &who))
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
			&& RecordsOf::<T>::decode_len(patient).unwrap_or(0) > 0
	}

	/// Every version of `id`'s record, oldest first (at most `MaxVersions`).
	pub fn version_chain(id: RecordId) -> Vec<(RecordId, RecordOf<T>)> {
		let max = T::MaxVersions::get() as usize;
		// Walk forward to the newest version, then back to the first.
		let mut newest = id;
		for _ in 0..max {
			match Self::record(newest).and_then(|r| r.superseded_by()) {
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
			let Some(record) = Self::record(current) else { break };
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

	/// Shreds every version of `id`'s record: each keeps only its commitment and the time;
	/// envelopes go from both indices, deposits back, and the tag's count goes down (its entry
	/// with the last live record carrying it). Returns how many versions and envelopes. Cannot
	/// fail.
	fn shred_chain(id: RecordId, patient: &T::AccountId) -> (u32, u32) {
		let now = T::Time::now();
		let chain = Self::version_chain(id);
		let mut destroyed = 0u32;
		for (version_id, version) in chain.iter() {
			for (grantee, envelope) in Envelopes::<T>::drain_prefix(version_id) {
				Self::release(HoldReason::EnvelopeDeposit, &envelope.depositor, envelope.deposit);
				Self::unindex_envelope(patient, &grantee, *version_id);
				destroyed = destroyed.saturating_add(1);
			}
			Self::release(HoldReason::RecordDeposit, &version.author, version.deposit);
			Records::<T>::insert(
				version_id,
				RecordEntry::Shredded { commitment: version.commitment, at: now },
			);
		}
		if let Some((_, first)) = chain.first() {
			TagPatients::<T>::mutate_exists(first.tag, |entry| {
				if let Some((_, count)) = entry {
					*count = count.saturating_sub(1);
					if *count == 0 {
						*entry = None;
					}
				}
			});
		}
		// The versions shredded, and only those: a version the walk did not reach stays listed.
		RecordsOf::<T>::mutate(patient, |ids| {
			ids.retain(|listed| !chain.iter().any(|(shredded, _)| *shredded == listed.id))
		});
		(chain.len() as u32, destroyed)
	}

	pub(crate) fn do_shred_all(
		who: T::AccountId,
		patient: T::AccountId,
		max_records: u32,
	) -> Result<Weight, DispatchError> {
		ensure!(Self::may_shred_for(&patient, &who), Error::<T>::NotPermitted);
		let first = RecordsOf::<T>::get(&patient).first().map(|listed| listed.id);
		ensure!(max_records > 0 && first.is_some(), Error::<T>::NothingToShred);

		// *** No fail beyond this point ***
		let mut weight = Weight::zero();
		let mut records = 0u32;
		while records < max_records {
			let Some(id) = RecordsOf::<T>::get(&patient).first().map(|listed| listed.id) else {
				break;
			};
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
		label: Hash256,
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
				requested_at: T::Time::now(),
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
				registered_at: T::Time::now(),
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
		entry.status = DeviceStatus::Retired { at: T::Time::now() };
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
		let batch = BatchAnchor { seq, root, samples, from, to, anchored_at: T::Time::now() };
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
		for (position, listed) in ids.iter().enumerate().skip(from as usize) {
			if page.len() as u32 >= max {
				return (page, Some(position as u32));
			}
			let Some(record) = Self::record(listed.id) else { continue };
			let wanted = filter.tag.map_or(true, |t| t == record.tag)
				&& (!filter.current_only || record.status == RecordStatus::Current);
			if wanted {
				page.push((listed.id, record));
			}
		}
		(page, None)
	}

	/// `grantee`'s envelope for `record`, if and only if `grantee` may read the record now
	/// for the envelope's purpose, or it is a custody envelope of the patient's emergency
	/// custodian now (purpose `EmergencyTreatment`: the key it releases in an emergency).
	pub fn envelope_for(record: RecordId, grantee: &T::AccountId) -> Option<KeyEnvelopeOf<T>> {
		let entry = Self::record(record)?;
		let envelope = Envelopes::<T>::get(record, grantee)?;
		Self::may_hold(grantee, &entry, envelope.purpose).ok().map(|_| envelope)
	}
}

impl<T: Config> RecordInspector<T::AccountId> for Pallet<T> {
	fn record_subject(version: RecordId) -> Option<RecordSubject<T::AccountId>> {
		// One read: every version stores its record's identity.
		let found = Self::record(version)?;
		Some(RecordSubject { patient: found.patient, tag: found.tag, record: found.record })
	}

	fn patient_records(
		patient: &T::AccountId,
		versions: &[RecordId],
	) -> Result<Vec<RecordId>, RecordRefusal> {
		// One read whatever the number of versions: the patient's list keeps each version's
		// record identity, sorted by id.
		let listed = RecordsOf::<T>::get(patient);
		versions
			.iter()
			.map(|version| {
				let found = listed.binary_search_by_key(version, |l| l.id).ok();
				match found.and_then(|at| listed.get(at)) {
					Some(entry) => Ok(entry.record),
					// A refusal reads the version once more, to say why.
					None => Err(match Self::record(*version) {
						Some(record) if &record.patient != patient => RecordRefusal::OtherPatient,
						_ => RecordRefusal::Unknown,
					}),
				}
			})
			.collect()
	}

	fn is_patient(who: &T::AccountId) -> bool {
		Patients::<T>::contains_key(who)
	}

	fn tag_patient(tag: &Tag) -> Option<T::AccountId> {
		TagPatients::<T>::get(tag).map(|(patient, _)| patient)
	}

	/// A record of `MaxVersions` versions, added and amended by the patient: its newest
	/// version's id, whose `record_subject` walks the longest chain.
	#[cfg(feature = "runtime-benchmarks")]
	fn make_record(patient: &T::AccountId, tag: Tag) -> RecordId {
		use frame_support::traits::fungible::Mutate;
		use sp_runtime::traits::Bounded;
		if !Patients::<T>::contains_key(patient) {
			T::Currency::set_balance(patient, BalanceOf::<T>::max_value() / 1024u32.into());
			let _ = Self::do_register_patient(patient.clone(), [1u8; 32]);
		}
		let purpose = PurposeOfUse::Treatment;
		let added = Self::do_add_record(
			patient.clone(),
			patient.clone(),
			tag,
			bench_content::<T>(0),
			purpose,
		);
		let Ok((mut id, _)) = added else { return RecordId::MAX };
		for v in 1..T::MaxVersions::get() {
			match Self::do_amend_record(patient.clone(), id, bench_content::<T>(v as u8), purpose) {
				Ok((newer, _)) => id = newer,
				Err(_) => break,
			}
		}
		id
	}

	#[cfg(feature = "runtime-benchmarks")]
	fn fill_records(patient: &T::AccountId) {
		Self::bench_fill_records(patient, 0);
	}
}

impl<T: Config> Pallet<T> {
	/// Benchmarks only: fills `patient`'s list of versions up to `MaxRecordsPerPatient` less
	/// `room` with ids of no record, taken after every id given so far (so the list stays
	/// sorted, and the next versions added come after them); the versions listed are kept.
	#[cfg(feature = "runtime-benchmarks")]
	pub(crate) fn bench_fill_records(patient: &T::AccountId, room: u32) {
		let mut listed = RecordsOf::<T>::get(patient).into_inner();
		let fill = T::MaxRecordsPerPatient::get().saturating_sub(room) as usize;
		let mut next = NextRecordId::<T>::get();
		while listed.len() < fill {
			listed.push(ListedVersion { id: next, record: next });
			next = next.saturating_add(1);
		}
		NextRecordId::<T>::put(next);
		RecordsOf::<T>::insert(patient, BoundedVec::truncate_from(listed));
	}
}

/// Benchmarks only: a version's content with the longest locator.
#[cfg(feature = "runtime-benchmarks")]
pub(crate) fn bench_content<T: Config>(seed: u8) -> Content<T::MaxLocatorLen> {
	Content {
		commitment: [seed; 32],
		ciphertext_hash: [seed.wrapping_add(1); 32],
		size_class: MAX_SIZE_CLASS,
		locator: BoundedVec::truncate_from(alloc::vec![b'l'; T::MaxLocatorLen::get() as usize]),
	}
}

impl<T: Config> EnvelopeKeeper<T::AccountId> for Pallet<T> {
	fn prune_envelopes(patient: &T::AccountId, grantee: &T::AccountId) -> Weight {
		let (examined, _) = Self::do_prune_envelopes(patient, grantee);
		T::WeightInfo::prune_envelopes(examined)
	}

	fn max_prune_weight() -> Weight {
		T::WeightInfo::prune_envelopes(T::MaxEnvelopesPerGrantee::get())
	}

	/// Adds records of `patient` (registering and funding them if needed) and gives `grantee`
	/// an envelope on each, up to `MaxEnvelopesPerGrantee` envelopes in all (or as many as
	/// the patient's list has room for), deposits held from the patient.
	#[cfg(feature = "runtime-benchmarks")]
	fn make_envelopes(patient: &T::AccountId, grantee: &T::AccountId) {
		use frame_support::traits::fungible::Mutate;
		use sp_runtime::traits::Bounded;
		if !Patients::<T>::contains_key(patient) {
			T::Currency::set_balance(patient, BalanceOf::<T>::max_value() / 1024u32.into());
			let _ = Self::do_register_patient(patient.clone(), [1u8; 32]);
		}
		while (EnvelopesOf::<T>::decode_len(patient, grantee).unwrap_or(0) as u32)
			< T::MaxEnvelopesPerGrantee::get()
		{
			use frame_support::{Blake2_256, StorageHasher};
			let next = NextRecordId::<T>::get();
			let seed = next as u8;
			let tag = Blake2_256::hash(&(b"telemed/bench-tag", next).encode());
			let added = Self::do_add_record(
				patient.clone(),
				patient.clone(),
				tag,
				bench_content::<T>(seed),
				PurposeOfUse::Treatment,
			);
			let Ok((id, _)) = added else { return };
			if Self::bench_envelope(id, patient, grantee).is_err() {
				return;
			}
		}
	}
}

impl<T: Config> Pallet<T> {
	/// Benchmarks only: puts an envelope for `grantee` on version `id` as if added by the
	/// patient (deposit held), without the access check.
	#[cfg(feature = "runtime-benchmarks")]
	pub(crate) fn bench_envelope(
		id: RecordId,
		payer: &T::AccountId,
		grantee: &T::AccountId,
	) -> DispatchResult {
		let mut record = Self::record(id).ok_or(Error::<T>::UnknownRecord)?;
		let index = Self::index_envelope(&record.patient, grantee, id)?;
		let deposit = T::EnvelopeDeposit::get();
		Self::hold(HoldReason::EnvelopeDeposit, payer, deposit)?;
		EnvelopesOf::<T>::insert(&record.patient, grantee, index);
		Self::note_grantee_patient(&record.patient, grantee);
		Envelopes::<T>::insert(
			id,
			grantee,
			KeyEnvelope {
				sealed: BoundedVec::truncate_from(alloc::vec![
					9u8;
					T::MaxEnvelopeLen::get() as usize
				]),
				sealed_to: [2u8; 32],
				purpose: PurposeOfUse::Treatment,
				depositor: payer.clone(),
				deposit,
				added_at: 0,
			},
		);
		record.envelopes = record.envelopes.saturating_add(1);
		Self::put_record(id, record);
		Ok(())
	}
}
