//! The logic behind the calls, the [`PractitionerRegistry`] implementation and the queries of
//! the runtime API.
//!
//! Every `do_*` function checks everything first and writes last: past the `No fail beyond
//! this point` marker nothing can fail, so a failed call changes nothing.

use crate::{pallet::*, types::*, Issued, LicenceTerms};
use alloc::vec::Vec;
use frame_support::{ensure, pallet_prelude::*, traits::Time};
use telemed_primitives::{
	deposits, Hash256, JurisdictionCode, KeyAgreementKey, LicenceId, LicenceQuery, Moment,
	PractitionerRegistry, PractitionerRole, PractitionerStanding, SetError, SpecialtyCode,
	MAX_JURISDICTION_LEN, MAX_SPECIALTY_LEN,
};

impl<T: Config> Pallet<T> {
	// ---- validation -------------------------------------------------------------------------

	/// An ISO 3166-1 alpha-2 code (`FR`) or ISO 3166-2 code (`US-CA`, `GB-ENG`, `FR-75C`).
	pub fn parse_jurisdiction(code: JurisdictionCode) -> Result<JurisdictionCode, DispatchError> {
		let valid = match code.as_slice() {
			[a, b] => a.is_ascii_uppercase() && b.is_ascii_uppercase(),
			[a, b, b'-', rest @ ..] => {
				a.is_ascii_uppercase()
					&& b.is_ascii_uppercase()
					&& !rest.is_empty()
					&& rest.len() + 3 <= MAX_JURISDICTION_LEN as usize
					&& rest.iter().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
			},
			_ => false,
		};
		ensure!(valid, Error::<T>::InvalidJurisdiction);
		Ok(code)
	}

	/// A SNOMED CT concept id: 1 to 18 decimal digits, no leading zero.
	pub fn parse_specialty(code: SpecialtyCode) -> Result<SpecialtyCode, DispatchError> {
		let valid = !code.is_empty()
			&& code.len() <= MAX_SPECIALTY_LEN as usize
			&& code[0] != b'0'
			&& code.iter().all(u8::is_ascii_digit);
		ensure!(valid, Error::<T>::InvalidSpecialty);
		Ok(code)
	}

	fn parse_name(name: NameOf<T>) -> Result<NameOf<T>, DispatchError> {
		ensure!(!name.is_empty(), Error::<T>::EmptyName);
		Ok(name)
	}

	/// Sorts and bounds a list, refusing duplicates.
	fn sorted_unique<V: Ord, S: Get<u32>>(
		items: Vec<V>,
		too_many: Error<T>,
	) -> Result<BoundedVec<V, S>, DispatchError> {
		telemed_primitives::sorted_set(items).map_err(|e| match e {
			SetError::TooMany => too_many.into(),
			SetError::Duplicate => Error::<T>::Duplicate.into(),
		})
	}

	fn parse_authority(
		name: NameOf<T>,
		jurisdictions: JurisdictionsOf<T>,
	) -> Result<AuthorityOf<T>, DispatchError> {
		let name = Self::parse_name(name)?;
		ensure!(!jurisdictions.is_empty(), Error::<T>::NoJurisdictions);
		let codes = jurisdictions
			.into_iter()
			.map(Self::parse_jurisdiction)
			.collect::<Result<Vec<_>, _>>()?;
		let jurisdictions = Self::sorted_unique(codes, Error::<T>::TooManyJurisdictions)?;
		Ok(Authority { name, jurisdictions, accredited_at: T::Time::now() })
	}

	/// The validated parts of a profile.
	fn parse_profile(
		display_name: NameOf<T>,
		roles: RolesOf<T>,
		specialties: SpecialtiesOf<T>,
	) -> Result<(NameOf<T>, RolesOf<T>, SpecialtiesOf<T>), DispatchError> {
		let name = Self::parse_name(display_name)?;
		ensure!(!roles.is_empty(), Error::<T>::NoRoles);
		let roles = Self::sorted_unique(roles.into_inner(), Error::<T>::TooManyRoles)?;
		let codes =
			specialties.into_iter().map(Self::parse_specialty).collect::<Result<Vec<_>, _>>()?;
		let specialties = Self::sorted_unique(codes, Error::<T>::TooManySpecialties)?;
		Ok((name, roles, specialties))
	}

	/// Refuses the all-zero key and every other small-order or non-canonical X25519 point.
	fn check_key(key: &KeyAgreementKey) -> DispatchResult {
		ensure!(
			telemed_primitives::is_valid_key_agreement_key(key),
			Error::<T>::InvalidKeyAgreementKey
		);
		Ok(())
	}

	/// Bounds genesis input as a call's decoding would, with the errors a call would give.
	fn bounded<V, S: Get<u32>>(
		items: Vec<V>,
		too_many: Error<T>,
	) -> Result<BoundedVec<V, S>, Error<T>> {
		items.try_into().map_err(|_| too_many)
	}

	/// Genesis: accredits an authority from unbounded input.
	pub(crate) fn genesis_authority(
		authority: T::AccountId,
		name: &[u8],
		jurisdictions: &[Vec<u8>],
	) -> DispatchResult {
		let name = Self::bounded(name.to_vec(), Error::<T>::NameTooLong)?;
		let codes = jurisdictions
			.iter()
			.map(|j| Self::bounded(j.clone(), Error::<T>::InvalidJurisdiction))
			.collect::<Result<Vec<_>, _>>()?;
		let codes = Self::bounded(codes, Error::<T>::TooManyJurisdictions)?;
		Self::do_add_authority(authority, name, codes)
	}

	/// Genesis: registers a practitioner from unbounded input.
	pub(crate) fn genesis_practitioner(
		who: T::AccountId,
		name: &[u8],
		roles: &[PractitionerRole],
		specialties: &[Vec<u8>],
		key: KeyAgreementKey,
	) -> DispatchResult {
		let name = Self::bounded(name.to_vec(), Error::<T>::NameTooLong)?;
		let roles = Self::bounded(roles.to_vec(), Error::<T>::TooManyRoles)?;
		let codes = specialties
			.iter()
			.map(|s| Self::bounded(s.clone(), Error::<T>::InvalidSpecialty))
			.collect::<Result<Vec<_>, _>>()?;
		let codes = Self::bounded(codes, Error::<T>::TooManySpecialties)?;
		Self::do_register(who, name, roles, codes, key)
	}

	/// How `licence` stands with its authority, given the authority's record (`None`: no
	/// longer accredited at all).
	pub(crate) fn accreditation_of(
		licence: &LicenceOf<T>,
		authority: Option<&AuthorityOf<T>>,
	) -> Accreditation {
		Self::accreditation_at(
			authority.map(|a| {
				(a.accredited_at, a.jurisdictions.binary_search(&licence.jurisdiction).is_ok())
			}),
			licence.issued_at,
		)
	}

	/// How a licence issued at `issued_at` stands with its authority, given when the authority
	/// was accredited and whether it may license in the licence's jurisdiction (`None`: no
	/// longer accredited at all).
	fn accreditation_at(authority: Option<(Moment, bool)>, issued_at: Moment) -> Accreditation {
		match authority {
			// An accreditation later than the licence is a new one: governance withdrew the
			// one under which the licence was issued, which ended it for good.
			Some((accredited_at, in_jurisdiction)) if accredited_at <= issued_at => {
				if in_jurisdiction {
					Accreditation::Current
				} else {
					Accreditation::JurisdictionWithdrawn
				}
			},
			_ => Accreditation::Withdrawn,
		}
	}

	/// The authority's record and the accreditation under which it may manage `licence`.
	fn accreditation(licence: &LicenceOf<T>) -> Accreditation {
		Self::accreditation_of(licence, Authorities::<T>::get(&licence.authority).as_ref())
	}

	fn ensure_accredited(
		authority: &T::AccountId,
		jurisdiction: &JurisdictionCode,
	) -> Result<AuthorityOf<T>, DispatchError> {
		let info = Authorities::<T>::get(authority).ok_or(Error::<T>::UnknownAuthority)?;
		ensure!(
			info.jurisdictions.binary_search(jurisdiction).is_ok(),
			Error::<T>::JurisdictionNotAccredited
		);
		Ok(info)
	}

	/// The licence, if `authority` issued it and may still manage it: it has not ended (an
	/// ended licence is final, and anyone may prune it at any time).
	fn managed_licence(
		authority: &T::AccountId,
		id: LicenceId,
	) -> Result<LicenceOf<T>, DispatchError> {
		let licence = Licences::<T>::get(id).ok_or(Error::<T>::UnknownLicence)?;
		ensure!(&licence.authority == authority, Error::<T>::NotIssuingAuthority);
		let info = Self::ensure_accredited(authority, &licence.jurisdiction)?;
		ensure!(licence.status != LicenceStatus::Revoked, Error::<T>::LicenceRevoked);
		ensure!(
			Self::accreditation_of(&licence, Some(&info)) == Accreditation::Current,
			Error::<T>::AccreditationWithdrawn
		);
		ensure!(T::Time::now() < licence.expires_at, Error::<T>::LicenceExpired);
		Ok(licence)
	}

	// ---- authorities ------------------------------------------------------------------------

	pub(crate) fn do_add_authority(
		authority: T::AccountId,
		name: NameOf<T>,
		jurisdictions: JurisdictionsOf<T>,
	) -> DispatchResult {
		ensure!(!Authorities::<T>::contains_key(&authority), Error::<T>::AuthorityAlreadyExists);
		let info = Self::parse_authority(name, jurisdictions)?;
		let mut table = Accreditations::<T>::get();
		let at = table.partition_point(|a| a.authority < authority);
		table
			.try_insert(at, Self::accredited(&authority, &info))
			.map_err(|_| Error::<T>::TooManyAuthorities)?;

		// *** No fail beyond this point ***
		let jurisdictions = info.jurisdictions.iter().map(|j| j.to_vec()).collect();
		Authorities::<T>::insert(&authority, info);
		Accreditations::<T>::put(table);
		Self::deposit_event(Event::AuthorityAdded { authority, jurisdictions });
		Ok(())
	}

	pub(crate) fn do_update_authority(
		authority: T::AccountId,
		name: NameOf<T>,
		jurisdictions: JurisdictionsOf<T>,
	) -> DispatchResult {
		let old = Authorities::<T>::get(&authority).ok_or(Error::<T>::UnknownAuthority)?;
		let mut info = Self::parse_authority(name, jurisdictions)?;
		info.accredited_at = old.accredited_at;

		// *** No fail beyond this point ***
		Self::update_accreditations(&authority, Some(&info));
		let jurisdictions = info.jurisdictions.iter().map(|j| j.to_vec()).collect();
		Authorities::<T>::insert(&authority, info);
		Self::deposit_event(Event::AuthorityUpdated { authority, jurisdictions });
		Ok(())
	}

	pub(crate) fn do_remove_authority(authority: T::AccountId) -> DispatchResult {
		ensure!(Authorities::<T>::contains_key(&authority), Error::<T>::UnknownAuthority);

		// *** No fail beyond this point ***
		Authorities::<T>::remove(&authority);
		Self::update_accreditations(&authority, None);
		Self::start_withdrawal_sweep();
		Self::deposit_event(Event::AuthorityRemoved { authority });
		Ok(())
	}

	/// What [`Accreditations`] keeps of `authority`, accredited as `info`.
	pub(crate) fn accredited(authority: &T::AccountId, info: &AuthorityOf<T>) -> AccreditedOf<T> {
		Accredited {
			authority: authority.clone(),
			accredited_at: info.accredited_at,
			// As many keys as codes, under the same bound.
			jurisdictions: BoundedVec::truncate_from(
				info.jurisdictions.iter().map(jurisdiction_key).collect(),
			),
		}
	}

	/// Rewrites the entry of `authority`, listed already, in [`Accreditations`] as `info`, or
	/// removes it (`None`). Cannot fail.
	fn update_accreditations(authority: &T::AccountId, info: Option<&AuthorityOf<T>>) {
		Accreditations::<T>::mutate(|table| {
			if let Ok(at) = table.binary_search_by(|a| a.authority.cmp(authority)) {
				match info {
					Some(info) => table[at] = Self::accredited(authority, info),
					None => {
						table.remove(at);
					},
				}
			}
		});
	}

	/// What [`Accreditations`] should be: every authority's entry, by account (the invariants
	/// and the migration compare or build it).
	pub(crate) fn accreditations_computed() -> Vec<AccreditedOf<T>> {
		let mut table: Vec<_> =
			Authorities::<T>::iter().map(|(who, info)| Self::accredited(&who, &info)).collect();
		table.sort_by(|a, b| a.authority.cmp(&b.authority));
		table
	}

	// ---- practitioners ----------------------------------------------------------------------

	pub(crate) fn do_register(
		who: T::AccountId,
		display_name: NameOf<T>,
		roles: RolesOf<T>,
		specialties: SpecialtiesOf<T>,
		key_agreement_key: KeyAgreementKey,
	) -> DispatchResult {
		ensure!(!Practitioners::<T>::contains_key(&who), Error::<T>::AlreadyRegistered);
		let (display_name, roles, specialties) =
			Self::parse_profile(display_name, roles, specialties)?;
		Self::check_key(&key_agreement_key)?;
		let deposit = T::RegistrationDeposit::get();
		// Holding is the last fallible step: it either moves the deposit or changes nothing.
		deposits::hold::<_, T::Currency>(&HoldReason::PractitionerDeposit.into(), &who, deposit)
			.map_err(|_| Error::<T>::InsufficientBalance)?;

		// *** No fail beyond this point ***
		Practitioners::<T>::insert(
			&who,
			Practitioner {
				display_name,
				roles,
				specialties,
				key_agreement_key,
				deposit,
				registered_at: T::Time::now(),
			},
		);
		Self::deposit_event(Event::PractitionerRegistered { who, key_agreement_key, deposit });
		Ok(())
	}

	pub(crate) fn do_update_profile(
		who: T::AccountId,
		display_name: NameOf<T>,
		roles: RolesOf<T>,
		specialties: SpecialtiesOf<T>,
	) -> DispatchResult {
		let mut profile = Practitioners::<T>::get(&who).ok_or(Error::<T>::NotRegistered)?;
		let (display_name, roles, specialties) =
			Self::parse_profile(display_name, roles, specialties)?;

		// *** No fail beyond this point ***
		profile.display_name = display_name;
		profile.roles = roles;
		profile.specialties = specialties;
		Practitioners::<T>::insert(&who, profile);
		Self::deposit_event(Event::ProfileUpdated { who });
		Ok(())
	}

	pub(crate) fn do_rotate_key(who: T::AccountId, new: KeyAgreementKey) -> DispatchResult {
		let mut profile = Practitioners::<T>::get(&who).ok_or(Error::<T>::NotRegistered)?;
		Self::check_key(&new)?;
		ensure!(profile.key_agreement_key != new, Error::<T>::SameKeyAgreementKey);

		// *** No fail beyond this point ***
		let old = core::mem::replace(&mut profile.key_agreement_key, new);
		Practitioners::<T>::insert(&who, profile);
		Self::deposit_event(Event::KeyAgreementKeyRotated { who, old, new });
		Ok(())
	}

	/// Returns how many licences were removed.
	pub(crate) fn do_deregister(who: T::AccountId) -> Result<u32, DispatchError> {
		let profile = Practitioners::<T>::get(&who).ok_or(Error::<T>::NotRegistered)?;
		let ids = LicencesOf::<T>::get(&who);
		let now = T::Time::now();
		for id in ids.iter() {
			if let Some(licence) = Licences::<T>::get(id) {
				ensure!(!Self::is_live(&licence, now), Error::<T>::HasLiveLicences);
			}
		}

		// *** No fail beyond this point ***
		deposits::release::<_, T::Currency>(
			&HoldReason::PractitionerDeposit.into(),
			&who,
			profile.deposit,
		);
		for id in ids.iter() {
			Licences::<T>::remove(id);
		}
		LicencesOf::<T>::remove(&who);
		ActiveLicences::<T>::remove(&who);
		Practitioners::<T>::remove(&who);
		let licences_removed = ids.len() as u32;
		Self::deposit_event(Event::PractitionerDeregistered {
			who,
			deposit: profile.deposit,
			licences_removed,
		});
		Ok(licences_removed)
	}

	// ---- licences ---------------------------------------------------------------------------

	pub(crate) fn do_issue_licence(
		authority: T::AccountId,
		holder: T::AccountId,
		terms: LicenceTerms,
	) -> Result<Issued, DispatchError> {
		let info = Self::ensure_accredited(&authority, &terms.jurisdiction)?;
		ensure!(holder != authority, Error::<T>::SelfLicensing);
		ensure!(Practitioners::<T>::contains_key(&holder), Error::<T>::NotRegistered);
		ensure!(terms.valid_from < terms.expires_at, Error::<T>::ExpiryBeforeStart);
		let now = T::Time::now();
		ensure!(terms.expires_at > now, Error::<T>::AlreadyExpired);

		let mut ids = LicencesOf::<T>::get(&holder);
		let scanned = ids.len() as u32;
		for id in ids.iter() {
			if let Some(existing) = Licences::<T>::get(id) {
				let same = existing.authority == authority
					&& existing.jurisdiction == terms.jurisdiction
					&& existing.role == terms.role
					&& existing.specialty == terms.specialty;
				// `same` means the same authority, whose record is `info`.
				ensure!(
					!(same && !Self::is_ended_with(&existing, Some(&info), now)),
					Error::<T>::DuplicateLicence
				);
			}
		}
		// At the bound, ended licences give up their slots (they can never count again).
		let pruned = if ids.is_full() { Self::ended_ids(&ids, now) } else { Vec::new() };
		ids.retain(|id| !pruned.contains(id));
		let id = NextLicenceId::<T>::get();
		let next = id.checked_add(1).ok_or(Error::<T>::IdsExhausted)?;
		ids.try_push(id).map_err(|_| Error::<T>::TooManyLicences)?;

		// *** No fail beyond this point ***
		if !pruned.is_empty() {
			for ended in pruned.iter() {
				Licences::<T>::remove(ended);
			}
			Self::forget_active(&holder, &pruned);
			Self::deposit_event(Event::LicencesPruned {
				holder: holder.clone(),
				ids: pruned.clone(),
			});
		}
		let licence = Licence {
			holder: holder.clone(),
			authority: authority.clone(),
			jurisdiction: terms.jurisdiction,
			role: terms.role,
			specialty: terms.specialty,
			number_commitment: terms.number_commitment,
			evidence: terms.evidence,
			valid_from: terms.valid_from,
			expires_at: terms.expires_at,
			status: LicenceStatus::Active,
			emergency_care: terms.emergency_care,
			issued_at: now,
		};
		Self::deposit_event(Event::LicenceIssued {
			id,
			holder: holder.clone(),
			authority,
			jurisdiction: licence.jurisdiction.to_vec(),
			role: licence.role,
			valid_from: licence.valid_from,
			expires_at: licence.expires_at,
			emergency_care: licence.emergency_care,
		});
		Self::note_active(&holder, id, &licence);
		Licences::<T>::insert(id, licence);
		LicencesOf::<T>::insert(&holder, ids);
		NextLicenceId::<T>::put(next);
		Ok(Issued { id, scanned, pruned: pruned.len() as u32 })
	}

	/// The ids in `ids` of licences that have ended at `now` (and of any missing licence,
	/// which the invariants rule out).
	fn ended_ids(ids: &[LicenceId], now: Moment) -> Vec<LicenceId> {
		ids.iter()
			.copied()
			.filter(|id| Licences::<T>::get(id).is_none_or(|l| Self::is_ended(&l, now)))
			.collect()
	}

	/// Returns how many licences were pruned.
	pub(crate) fn do_prune_licences(holder: T::AccountId) -> Result<u32, DispatchError> {
		let mut ids = LicencesOf::<T>::get(&holder);
		let pruned = Self::ended_ids(&ids, T::Time::now());
		ensure!(!pruned.is_empty(), Error::<T>::NothingToPrune);
		ids.retain(|id| !pruned.contains(id));

		// *** No fail beyond this point ***
		for id in pruned.iter() {
			Licences::<T>::remove(id);
		}
		Self::forget_active(&holder, &pruned);
		if ids.is_empty() {
			LicencesOf::<T>::remove(&holder);
		} else {
			LicencesOf::<T>::insert(&holder, ids);
		}
		let count = pruned.len() as u32;
		Self::deposit_event(Event::LicencesPruned { holder, ids: pruned });
		Ok(count)
	}

	pub(crate) fn do_renew_licence(
		authority: T::AccountId,
		id: LicenceId,
		expires_at: Moment,
		evidence: Option<Hash256>,
	) -> DispatchResult {
		let mut licence = Self::managed_licence(&authority, id)?;
		ensure!(expires_at > licence.expires_at, Error::<T>::RenewalMustExtend);
		ensure!(expires_at > T::Time::now(), Error::<T>::AlreadyExpired);

		// *** No fail beyond this point ***
		licence.expires_at = expires_at;
		if let Some(evidence) = evidence {
			licence.evidence = evidence;
		}
		Self::note_active(&licence.holder, id, &licence);
		Licences::<T>::insert(id, licence);
		Self::deposit_event(Event::LicenceRenewed { id, expires_at });
		Ok(())
	}

	/// Suspends (`to == Suspended`) or reinstates (`to == Active`) a licence.
	pub(crate) fn do_set_status(
		authority: T::AccountId,
		id: LicenceId,
		to: LicenceStatus,
		reason: Hash256,
	) -> DispatchResult {
		let mut licence = Self::managed_licence(&authority, id)?;
		let event = match to {
			LicenceStatus::Suspended => {
				ensure!(licence.status == LicenceStatus::Active, Error::<T>::NotActive);
				Event::LicenceSuspended { id, reason }
			},
			LicenceStatus::Active => {
				ensure!(licence.status == LicenceStatus::Suspended, Error::<T>::NotSuspended);
				Event::LicenceReinstated { id }
			},
			LicenceStatus::Revoked => return Self::do_revoke(Some(authority), id, reason),
		};

		// *** No fail beyond this point ***
		licence.status = to;
		Self::note_active(&licence.holder, id, &licence);
		Licences::<T>::insert(id, licence);
		Self::deposit_event(event);
		Ok(())
	}

	/// Revokes a licence: by its issuing authority (`Some`), which leaves it in place until
	/// pruned, or by governance (`None`), which removes it at once to free the holder's slot.
	pub(crate) fn do_revoke(
		by: Option<T::AccountId>,
		id: LicenceId,
		reason: Hash256,
	) -> DispatchResult {
		let mut licence = Licences::<T>::get(id).ok_or(Error::<T>::UnknownLicence)?;
		if let Some(authority) = &by {
			ensure!(&licence.authority == authority, Error::<T>::NotIssuingAuthority);
		}
		ensure!(licence.status != LicenceStatus::Revoked, Error::<T>::LicenceRevoked);

		// *** No fail beyond this point ***
		Self::deposit_event(Event::LicenceRevoked { id, reason, by_governance: by.is_none() });
		if by.is_some() {
			let holder = licence.holder.clone();
			licence.status = LicenceStatus::Revoked;
			Self::note_active(&holder, id, &licence);
			Licences::<T>::insert(id, licence);
			Self::licence_ended_for_good(&holder);
			return Ok(());
		}
		let holder = licence.holder;
		Self::remove_licence(&holder, id);
		Self::licence_ended_for_good(&holder);
		Self::deposit_event(Event::LicencesPruned { holder, ids: alloc::vec![id] });
		Ok(())
	}

	/// Removes licence `id` of `holder` from storage and from their list (removing an emptied
	/// list). Cannot fail.
	fn remove_licence(holder: &T::AccountId, id: LicenceId) {
		Licences::<T>::remove(id);
		Self::forget_active(holder, &[id]);
		let mut ids = LicencesOf::<T>::get(holder);
		ids.retain(|other| *other != id);
		if ids.is_empty() {
			LicencesOf::<T>::remove(holder);
		} else {
			LicencesOf::<T>::insert(holder, ids);
		}
	}

	pub(crate) fn do_surrender(who: T::AccountId, id: LicenceId) -> DispatchResult {
		let licence = Licences::<T>::get(id).ok_or(Error::<T>::UnknownLicence)?;
		ensure!(licence.holder == who, Error::<T>::NotHolder);

		// *** No fail beyond this point ***
		Self::remove_licence(&who, id);
		Self::licence_ended_for_good(&who);
		Self::deposit_event(Event::LicenceSurrendered { id, holder: who });
		Ok(())
	}

	// ---- the summary of active licences ------------------------------------------------------

	/// Rewrites `holder`'s summary with `f`, removing an emptied one. Cannot fail.
	fn update_active(
		holder: &T::AccountId,
		f: impl FnOnce(&mut BoundedVec<ActiveLicence<T::AccountId>, T::MaxLicencesPerPractitioner>),
	) {
		ActiveLicences::<T>::mutate_exists(holder, |stored| {
			let mut list = stored.take().unwrap_or_default();
			f(&mut list);
			*stored = if list.is_empty() { None } else { Some(list) };
		});
	}

	/// Brings licence `id` of `holder` up to date in the summary: listed (in id order) with
	/// its current window if its status is `Active`, not listed otherwise. Call it with the
	/// licence as it is about to be stored. Cannot fail.
	pub(crate) fn note_active(holder: &T::AccountId, id: LicenceId, licence: &LicenceOf<T>) {
		Self::update_active(holder, |list| {
			list.retain(|a| a.id != id);
			if licence.status == LicenceStatus::Active {
				let at = list.partition_point(|a| a.id < id);
				// One entry per licence of the holder, whose list has the same bound: the
				// insertion cannot fail (and would only leave the licence uncounted).
				let _ = list.try_insert(at, ActiveLicence::of(id, licence));
			}
		});
	}

	/// Takes licences `ids` of `holder` off the summary (removed or pruned). Cannot fail.
	fn forget_active(holder: &T::AccountId, ids: &[LicenceId]) {
		Self::update_active(holder, |list| list.retain(|a| !ids.contains(&a.id)));
	}

	/// What `holder`'s summary should be: their licences whose status is `Active`, in id
	/// order (the invariants and the migration compare or build it).
	pub(crate) fn active_licences_computed(
		holder: &T::AccountId,
	) -> Vec<ActiveLicence<T::AccountId>> {
		let mut ids = LicencesOf::<T>::get(holder).into_inner();
		ids.sort();
		ids.into_iter()
			.filter_map(|id| Licences::<T>::get(id).map(|l| (id, l)))
			.filter(|(_, l)| l.status == LicenceStatus::Active)
			.map(|(id, l)| ActiveLicence::of(id, &l))
			.collect()
	}

	// ---- queries ------------------------------------------------------------------------------

	/// `who`'s key-agreement key, if registered.
	pub fn key_agreement_key_of(who: &T::AccountId) -> Option<KeyAgreementKey> {
		Practitioners::<T>::get(who).map(|p| p.key_agreement_key)
	}

	/// Whether a licence counts at `now`, and if not, why.
	pub fn standing(licence: &LicenceOf<T>, now: Moment) -> LicenceStanding {
		match licence.status {
			LicenceStatus::Revoked => LicenceStanding::Revoked,
			_ if Self::accreditation(licence) != Accreditation::Current => {
				LicenceStanding::AuthorityWithdrawn
			},
			LicenceStatus::Suspended => LicenceStanding::Suspended,
			LicenceStatus::Active if now < licence.valid_from => LicenceStanding::NotYetValid,
			LicenceStatus::Active if now >= licence.expires_at => LicenceStanding::Expired,
			LicenceStatus::Active => LicenceStanding::Valid,
		}
	}

	/// Whether a licence has ended at `now`: it can never count again, so it may be pruned.
	/// Revoked, past its expiry (whatever its status), or issued under an accreditation
	/// governance has since withdrawn.
	pub fn is_ended(licence: &LicenceOf<T>, now: Moment) -> bool {
		licence.status == LicenceStatus::Revoked
			|| now >= licence.expires_at
			|| Self::accreditation(licence) == Accreditation::Withdrawn
	}

	/// [`Self::is_ended`] with the authority's record already read.
	fn is_ended_with(
		licence: &LicenceOf<T>,
		authority: Option<&AuthorityOf<T>>,
		now: Moment,
	) -> bool {
		licence.status == LicenceStatus::Revoked
			|| now >= licence.expires_at
			|| Self::accreditation_of(licence, authority) == Accreditation::Withdrawn
	}

	/// Whether a licence keeps its holder from deregistering: valid, not yet valid, or
	/// suspended within its validity. An ended licence does not, nor does one whose authority
	/// lost the jurisdiction (the holder may choose to give it up).
	pub fn is_live(licence: &LicenceOf<T>, now: Moment) -> bool {
		now < licence.expires_at
			&& matches!(
				Self::standing(licence, now),
				LicenceStanding::Valid | LicenceStanding::NotYetValid | LicenceStanding::Suspended
			)
	}

	/// `who`'s licences with their standing now (the runtime API's `licences`).
	pub fn licences_of(who: &T::AccountId) -> Vec<LicenceView<T::AccountId>> {
		let now = T::Time::now();
		LicencesOf::<T>::get(who)
			.into_iter()
			.filter_map(|id| {
				Licences::<T>::get(id).map(|licence| LicenceView {
					id,
					standing: Self::standing(&licence, now),
					licence,
				})
			})
			.collect()
	}

	/// `who`'s standing as a practitioner now (the runtime API's `licence_status`).
	pub fn status_of(who: &T::AccountId) -> PractitionerStatus {
		let Some(profile) = Practitioners::<T>::get(who) else {
			return PractitionerStatus::default();
		};
		let valid: Vec<_> = Self::licences_of(who)
			.into_iter()
			.filter(|v| v.standing == LicenceStanding::Valid)
			.collect();
		PractitionerStatus {
			registered: true,
			licensed: !valid.is_empty(),
			emergency_access: valid.iter().any(|v| v.licence.emergency_care),
			valid_licences: valid.len() as u32,
			key_agreement_key: Some(profile.key_agreement_key),
		}
	}

	/// Whether `who` holds a licence valid now for which `pred` holds: from the summary
	/// ([`ActiveLicences`], one read; only registered practitioners hold licences) and, if a
	/// licence in it is within its window and matches `pred`, the table of accreditations
	/// ([`Accreditations`], one read), whatever `who` holds. The same answer as
	/// [`Self::standing`] being `Valid` for one of `who`'s licences.
	fn any_valid_licence(
		who: &T::AccountId,
		pred: impl Fn(&ActiveLicence<T::AccountId>) -> bool,
	) -> bool {
		Self::any_valid_among(&ActiveLicences::<T>::get(who), pred)
	}

	/// [`Self::any_valid_licence`] on a holder's summary already read.
	fn any_valid_among(
		active: &[ActiveLicence<T::AccountId>],
		pred: impl Fn(&ActiveLicence<T::AccountId>) -> bool,
	) -> bool {
		let now = T::Time::now();
		let mut candidates = active.iter().filter(|a| a.in_window(now) && pred(a)).peekable();
		if candidates.peek().is_none() {
			return false;
		}
		let table = Accreditations::<T>::get();
		candidates.any(|a| {
			let key = jurisdiction_key(&a.jurisdiction);
			let entry = table
				.binary_search_by(|e| e.authority.cmp(&a.authority))
				.ok()
				.and_then(|at| table.get(at))
				.map(|e| (e.accredited_at, e.jurisdictions.binary_search(&key).is_ok()));
			Self::accreditation_at(entry, a.issued_at) == Accreditation::Current
		})
	}
}

impl<T: Config> PractitionerRegistry<T::AccountId> for Pallet<T> {
	fn is_licensed(who: &T::AccountId, query: &LicenceQuery) -> bool {
		Self::any_valid_licence(who, |l| l.answers(query))
	}

	fn may_use_emergency_access(who: &T::AccountId) -> bool {
		Self::any_valid_licence(who, |l| l.emergency_care)
	}

	fn key_agreement_key(who: &T::AccountId) -> Option<KeyAgreementKey> {
		Self::key_agreement_key_of(who)
	}

	/// At most two reads: a summary of active licences is kept only for a registered
	/// practitioner with licences (`try_state`), so a non-empty one answers "registered"
	/// and the table of accreditations the licence; only an empty one needs the profile.
	fn practitioner_standing(who: &T::AccountId, query: &LicenceQuery) -> PractitionerStanding {
		let active = ActiveLicences::<T>::get(who);
		if active.is_empty() {
			return if Practitioners::<T>::contains_key(who) {
				PractitionerStanding::Unlicensed
			} else {
				PractitionerStanding::NotRegistered
			};
		}
		if Self::any_valid_among(&active, |l| l.answers(query)) {
			PractitionerStanding::Licensed
		} else {
			PractitionerStanding::Unlicensed
		}
	}

	#[cfg(feature = "runtime-benchmarks")]
	fn make_licensed(who: &T::AccountId, emergency: bool) {
		Self::make_licensed_with(who, PractitionerRole::Physician, emergency)
	}

	#[cfg(feature = "runtime-benchmarks")]
	fn make_licensed_as(who: &T::AccountId, role: PractitionerRole) {
		Self::make_licensed_with(who, role, false)
	}

	#[cfg(feature = "runtime-benchmarks")]
	fn make_unlicensed(who: &T::AccountId) {
		Self::bench_unlicensed(who);
	}
}

#[cfg(feature = "runtime-benchmarks")]
impl<T: Config> Pallet<T> {
	/// Benchmarks only: [`PractitionerRegistry::make_licensed`] with the licences for `role`.
	///
	/// A lookup reads the holder's summary of active licences and the table of
	/// accreditations, then looks up the authority of each candidate (within its window,
	/// matching the question) in the table until one is accredited for it. The worst case:
	/// the table full, every entry with as many of the longest jurisdiction codes as allowed;
	/// the holder's summary full, every licence a candidate whose authority has since lost its
	/// jurisdiction (each looked up, each refused), the valid one last. The licences come from
	/// new authorities of the holder's own (one per `MaxJurisdictionsPerAuthority` licences),
	/// so that another practitioner's worst case does not touch these.
	fn make_licensed_with(who: &T::AccountId, role: PractitionerRole, emergency: bool) {
		use frame_support::traits::fungible::{Inspect, Mutate};
		use sp_runtime::Saturating;

		if !Practitioners::<T>::contains_key(who) {
			let funds = T::RegistrationDeposit::get()
				.saturating_mul(2u32.into())
				.saturating_add(T::Currency::minimum_balance());
			let _ = T::Currency::mint_into(who, funds);
			let _ = Self::do_register(
				who.clone(),
				b"Benchmark Practitioner".to_vec().try_into().unwrap_or_default(),
				alloc::vec![role].try_into().unwrap_or_default(),
				Default::default(),
				[7u8; 32],
			);
		}
		let per = T::MaxJurisdictionsPerAuthority::get().max(1);
		let held = LicencesOf::<T>::get(who).len() as u32;
		let room = T::MaxLicencesPerPractitioner::get().saturating_sub(held);
		let mut issued: Vec<(T::AccountId, JurisdictionCode)> = Vec::new();
		let mut authority = None;
		for i in 0..room {
			if i % per == 0 {
				authority = Some(Self::bench_fresh_authority(per));
			}
			let Some(authority) = authority.clone() else { break };
			let jurisdiction = Self::bench_licence_code(i % per);
			let terms = LicenceTerms {
				jurisdiction: jurisdiction.clone(),
				role,
				specialty: None,
				number_commitment: [1u8; 32],
				evidence: [2u8; 32],
				valid_from: 0,
				expires_at: Moment::MAX,
				emergency_care: emergency,
			};
			if Self::do_issue_licence(authority.clone(), who.clone(), terms).is_ok() {
				issued.push((authority, jurisdiction));
			}
		}
		// Every authority used loses the jurisdictions of its licences, but the last one keeps
		// that of the last licence: the valid one.
		let last = issued.last().cloned();
		let mut withdrawn: Vec<T::AccountId> = issued.into_iter().map(|(a, _)| a).collect();
		withdrawn.dedup();
		for authority in withdrawn {
			let keep = last.as_ref().filter(|(a, _)| *a == authority).map(|(_, j)| j.clone());
			Self::bench_accredit_for(&authority, keep);
		}
	}

	/// Benchmarks only: licence jurisdiction number `i` (`AA`, `AB`, …).
	pub(crate) fn bench_licence_code(i: u32) -> JurisdictionCode {
		let code = alloc::vec![b'A' + (i / 26 % 26) as u8, b'A' + (i % 26) as u8];
		code.try_into().expect("a two-letter code fits the bound of six; qed")
	}

	/// Benchmarks only: `n` jurisdictions of the longest form (`ZZ-AAA`, `ZZ-AAB`, …), none of
	/// which a benchmark licence is issued in.
	fn bench_filler_codes(n: u32) -> Vec<JurisdictionCode> {
		(0..n)
			.map(|k| {
				let code = alloc::vec![
					b'Z',
					b'Z',
					b'-',
					b'A' + (k / 676 % 26) as u8,
					b'A' + (k / 26 % 26) as u8,
					b'A' + (k % 26) as u8,
				];
				code.try_into().expect("six bytes fit the bound of six; qed")
			})
			.collect()
	}

	/// Benchmarks only: makes `authority` accredited, from now on, for `keep` (if any) and
	/// filler jurisdictions up to `MaxJurisdictionsPerAuthority`.
	fn bench_accredit_for(authority: &T::AccountId, keep: Option<JurisdictionCode>) {
		let max = T::MaxJurisdictionsPerAuthority::get();
		let mut codes: Vec<JurisdictionCode> = keep.into_iter().collect();
		codes.extend(Self::bench_filler_codes(max.saturating_sub(codes.len() as u32)));
		let _ = Self::do_update_authority(
			authority.clone(),
			b"Benchmark Board".to_vec().try_into().unwrap_or_default(),
			BoundedVec::truncate_from(codes),
		);
	}

	/// Benchmarks only: fills [`Accreditations`] to its bound, less one, with authorities
	/// accredited for as many of the longest jurisdiction codes as allowed, or, if it is full,
	/// withdraws one of those: room for exactly one more authority.
	pub(crate) fn bench_room_for_one_authority() {
		use sp_runtime::Saturating;
		let max = T::MaxAuthorities::get();
		let filler = |i: u32| frame_benchmarking::account::<T::AccountId>("filler authority", i, 0);
		let codes = Self::bench_filler_codes(T::MaxJurisdictionsPerAuthority::get());
		let mut i = 0u32;
		while (Accreditations::<T>::decode_len().unwrap_or(0) as u32).saturating_add(1) < max {
			if !Authorities::<T>::contains_key(filler(i)) {
				let _ = Self::do_add_authority(
					filler(i),
					b"Filler Board".to_vec().try_into().unwrap_or_default(),
					BoundedVec::truncate_from(codes.clone()),
				);
			}
			i.saturating_inc();
		}
		if Accreditations::<T>::decode_len().unwrap_or(0) as u32 >= max {
			if let Some(i) = (0..max).find(|i| Authorities::<T>::contains_key(filler(*i))) {
				let _ = Self::do_remove_authority(filler(i));
			}
		}
	}

	/// Benchmarks only: a new authority (the first unused "benchmark authority" account), in a
	/// table full after it, accredited for the first `n` licence jurisdictions.
	fn bench_fresh_authority(n: u32) -> T::AccountId {
		use sp_runtime::Saturating;
		let mut next = 0u32;
		let account =
			|i: u32| frame_benchmarking::account::<T::AccountId>("benchmark authority", i, 0);
		while Authorities::<T>::contains_key(account(next)) {
			next.saturating_inc();
		}
		Self::bench_room_for_one_authority();
		let codes = (0..n).map(Self::bench_licence_code).collect::<Vec<_>>();
		let _ = Self::do_add_authority(
			account(next),
			b"Benchmark Board".to_vec().try_into().unwrap_or_default(),
			BoundedVec::truncate_from(codes),
		);
		account(next)
	}
}

#[cfg(feature = "runtime-benchmarks")]
impl<T: Config> Pallet<T> {
	/// Benchmarks only: [`PractitionerRegistry::make_unlicensed`]. The worst case of
	/// [`PractitionerRegistry::make_licensed`], then the valid licence's authority also loses
	/// its jurisdiction: every licence of the full summary is a candidate looked up in the full
	/// table, and none counts.
	pub(crate) fn bench_unlicensed(who: &T::AccountId) {
		<Self as PractitionerRegistry<T::AccountId>>::make_licensed(who, false);
		for active in ActiveLicences::<T>::get(who).iter() {
			let still = Authorities::<T>::get(&active.authority)
				.is_some_and(|a| a.jurisdictions.contains(&active.jurisdiction));
			if still {
				Self::bench_accredit_for(&active.authority, None);
			}
		}
	}

	/// Benchmarks only: authority number `i`, accredited (if not yet) for a jurisdiction of
	/// its own (`AA`, `AB`, …), and that jurisdiction.
	pub fn benchmark_authority(i: u32) -> (T::AccountId, JurisdictionCode) {
		let authority: T::AccountId = frame_benchmarking::account("benchmark authority", i, 0);
		let jurisdiction = Self::bench_licence_code(i);
		if !Authorities::<T>::contains_key(&authority) {
			let _ = Self::do_add_authority(
				authority.clone(),
				b"Benchmark Board".to_vec().try_into().unwrap_or_default(),
				alloc::vec![jurisdiction.clone()].try_into().unwrap_or_default(),
			);
		}
		(authority, jurisdiction)
	}
}
