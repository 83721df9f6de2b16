//! The logic behind the calls, the [`PractitionerRegistry`] implementation and the queries of
//! the runtime API.
//!
//! Every `do_*` function checks everything first and writes last: past the `No fail beyond
//! this point` marker nothing can fail, so a failed call changes nothing.

use crate::{pallet::*, types::*, LicenceTerms};
use alloc::vec::Vec;
use frame_support::{
	ensure,
	pallet_prelude::*,
	traits::{fungible::MutateHold, tokens::Precision, Time},
};
use telemed_primitives::{
	Hash256, JurisdictionCode, KeyAgreementKey, LicenceId, LicenceQuery, Moment,
	PractitionerRegistry, PractitionerRole, SetError, SpecialtyCode, MAX_JURISDICTION_LEN,
	MAX_SPECIALTY_LEN,
};

impl<T: Config> Pallet<T> {
	/// The chain's time now, in milliseconds.
	pub(crate) fn now() -> Moment {
		T::Time::now()
	}

	// ---- validation -------------------------------------------------------------------------

	/// An ISO 3166-1 alpha-2 code (`FR`) or ISO 3166-2 code (`US-CA`, `GB-ENG`, `FR-75C`).
	pub fn parse_jurisdiction(code: Vec<u8>) -> Result<JurisdictionCode, DispatchError> {
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
		code.try_into().map_err(|_| Error::<T>::InvalidJurisdiction.into())
	}

	/// A SNOMED CT concept id: 1 to 18 decimal digits, no leading zero.
	pub fn parse_specialty(code: Vec<u8>) -> Result<SpecialtyCode, DispatchError> {
		let valid = !code.is_empty()
			&& code.len() <= MAX_SPECIALTY_LEN as usize
			&& code[0] != b'0'
			&& code.iter().all(u8::is_ascii_digit);
		ensure!(valid, Error::<T>::InvalidSpecialty);
		code.try_into().map_err(|_| Error::<T>::InvalidSpecialty.into())
	}

	fn parse_name<S: Get<u32>>(name: Vec<u8>) -> Result<BoundedVec<u8, S>, DispatchError> {
		ensure!(!name.is_empty(), Error::<T>::EmptyName);
		name.try_into().map_err(|_| Error::<T>::NameTooLong.into())
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
		name: Vec<u8>,
		jurisdictions: Vec<Vec<u8>>,
	) -> Result<AuthorityOf<T>, DispatchError> {
		let name = Self::parse_name(name)?;
		ensure!(!jurisdictions.is_empty(), Error::<T>::NoJurisdictions);
		ensure!(
			jurisdictions.len() <= T::MaxJurisdictionsPerAuthority::get() as usize,
			Error::<T>::TooManyJurisdictions
		);
		let codes = jurisdictions
			.into_iter()
			.map(Self::parse_jurisdiction)
			.collect::<Result<Vec<_>, _>>()?;
		let jurisdictions = Self::sorted_unique(codes, Error::<T>::TooManyJurisdictions)?;
		Ok(Authority { name, jurisdictions, accredited_at: Self::now() })
	}

	/// The validated parts of a profile.
	#[allow(clippy::type_complexity)]
	fn parse_profile(
		display_name: Vec<u8>,
		roles: Vec<PractitionerRole>,
		specialties: Vec<Vec<u8>>,
	) -> Result<
		(
			BoundedVec<u8, T::MaxNameLength>,
			BoundedVec<PractitionerRole, T::MaxRoles>,
			BoundedVec<SpecialtyCode, T::MaxSpecialties>,
		),
		DispatchError,
	> {
		let name = Self::parse_name(display_name)?;
		ensure!(!roles.is_empty(), Error::<T>::NoRoles);
		let roles = Self::sorted_unique(roles, Error::<T>::TooManyRoles)?;
		ensure!(
			specialties.len() <= T::MaxSpecialties::get() as usize,
			Error::<T>::TooManySpecialties
		);
		let codes =
			specialties.into_iter().map(Self::parse_specialty).collect::<Result<Vec<_>, _>>()?;
		let specialties = Self::sorted_unique(codes, Error::<T>::TooManySpecialties)?;
		Ok((name, roles, specialties))
	}

	fn check_key(key: &KeyAgreementKey) -> DispatchResult {
		ensure!(key.iter().any(|b| *b != 0), Error::<T>::InvalidKeyAgreementKey);
		Ok(())
	}

	/// Whether `authority` is accredited for `jurisdiction` now.
	pub fn accredited_for(authority: &T::AccountId, jurisdiction: &JurisdictionCode) -> bool {
		Authorities::<T>::get(authority)
			.is_some_and(|a| a.jurisdictions.binary_search(jurisdiction).is_ok())
	}

	fn ensure_accredited(
		authority: &T::AccountId,
		jurisdiction: &JurisdictionCode,
	) -> DispatchResult {
		let info = Authorities::<T>::get(authority).ok_or(Error::<T>::UnknownAuthority)?;
		ensure!(
			info.jurisdictions.binary_search(jurisdiction).is_ok(),
			Error::<T>::JurisdictionNotAccredited
		);
		Ok(())
	}

	/// The licence, if `authority` issued it and may still manage it.
	fn managed_licence(
		authority: &T::AccountId,
		id: LicenceId,
	) -> Result<LicenceOf<T>, DispatchError> {
		let licence = Licences::<T>::get(id).ok_or(Error::<T>::UnknownLicence)?;
		ensure!(&licence.authority == authority, Error::<T>::NotIssuingAuthority);
		Self::ensure_accredited(authority, &licence.jurisdiction)?;
		ensure!(licence.status != LicenceStatus::Revoked, Error::<T>::LicenceRevoked);
		Ok(licence)
	}

	// ---- authorities ------------------------------------------------------------------------

	pub(crate) fn do_add_authority(
		authority: T::AccountId,
		name: Vec<u8>,
		jurisdictions: Vec<Vec<u8>>,
	) -> DispatchResult {
		ensure!(!Authorities::<T>::contains_key(&authority), Error::<T>::AuthorityAlreadyExists);
		let info = Self::parse_authority(name, jurisdictions)?;

		// *** No fail beyond this point ***
		let jurisdictions = info.jurisdictions.iter().map(|j| j.to_vec()).collect();
		Authorities::<T>::insert(&authority, info);
		Self::deposit_event(Event::AuthorityAdded { authority, jurisdictions });
		Ok(())
	}

	pub(crate) fn do_update_authority(
		authority: T::AccountId,
		name: Vec<u8>,
		jurisdictions: Vec<Vec<u8>>,
	) -> DispatchResult {
		let old = Authorities::<T>::get(&authority).ok_or(Error::<T>::UnknownAuthority)?;
		let mut info = Self::parse_authority(name, jurisdictions)?;
		info.accredited_at = old.accredited_at;

		// *** No fail beyond this point ***
		let jurisdictions = info.jurisdictions.iter().map(|j| j.to_vec()).collect();
		Authorities::<T>::insert(&authority, info);
		Self::deposit_event(Event::AuthorityUpdated { authority, jurisdictions });
		Ok(())
	}

	pub(crate) fn do_remove_authority(authority: T::AccountId) -> DispatchResult {
		ensure!(Authorities::<T>::contains_key(&authority), Error::<T>::UnknownAuthority);

		// *** No fail beyond this point ***
		Authorities::<T>::remove(&authority);
		Self::deposit_event(Event::AuthorityRemoved { authority });
		Ok(())
	}

	// ---- practitioners ----------------------------------------------------------------------

	pub(crate) fn do_register(
		who: T::AccountId,
		display_name: Vec<u8>,
		roles: Vec<PractitionerRole>,
		specialties: Vec<Vec<u8>>,
		key_agreement_key: KeyAgreementKey,
	) -> DispatchResult {
		ensure!(!Practitioners::<T>::contains_key(&who), Error::<T>::AlreadyRegistered);
		let (display_name, roles, specialties) =
			Self::parse_profile(display_name, roles, specialties)?;
		Self::check_key(&key_agreement_key)?;
		let deposit = T::RegistrationDeposit::get();
		// Holding is the last fallible step: it either moves the deposit or changes nothing.
		T::Currency::hold(&HoldReason::PractitionerDeposit.into(), &who, deposit)
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
				registered_at: Self::now(),
			},
		);
		Self::deposit_event(Event::PractitionerRegistered { who, key_agreement_key, deposit });
		Ok(())
	}

	pub(crate) fn do_update_profile(
		who: T::AccountId,
		display_name: Vec<u8>,
		roles: Vec<PractitionerRole>,
		specialties: Vec<Vec<u8>>,
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
		let now = Self::now();
		for id in ids.iter() {
			if let Some(licence) = Licences::<T>::get(id) {
				let live = matches!(
					Self::standing(&licence, now),
					LicenceStanding::Valid
						| LicenceStanding::NotYetValid
						| LicenceStanding::Suspended
				);
				ensure!(!live, Error::<T>::HasLiveLicences);
			}
		}
		T::Currency::release(
			&HoldReason::PractitionerDeposit.into(),
			&who,
			profile.deposit,
			Precision::BestEffort,
		)?;

		// *** No fail beyond this point ***
		for id in ids.iter() {
			Licences::<T>::remove(id);
		}
		LicencesOf::<T>::remove(&who);
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
	) -> Result<LicenceId, DispatchError> {
		Self::ensure_accredited(&authority, &terms.jurisdiction)?;
		ensure!(Practitioners::<T>::contains_key(&holder), Error::<T>::NotRegistered);
		ensure!(terms.valid_from < terms.expires_at, Error::<T>::ExpiryBeforeStart);
		let now = Self::now();
		ensure!(terms.expires_at > now, Error::<T>::AlreadyExpired);

		let mut ids = LicencesOf::<T>::get(&holder);
		for id in ids.iter() {
			if let Some(existing) = Licences::<T>::get(id) {
				let same = existing.authority == authority
					&& existing.jurisdiction == terms.jurisdiction
					&& existing.role == terms.role
					&& existing.specialty == terms.specialty;
				let live = existing.status != LicenceStatus::Revoked && existing.expires_at > now;
				ensure!(!(same && live), Error::<T>::DuplicateLicence);
			}
		}
		let id = NextLicenceId::<T>::get();
		let next = id.checked_add(1).ok_or(Error::<T>::IdsExhausted)?;
		ids.try_push(id).map_err(|_| Error::<T>::TooManyLicences)?;

		// *** No fail beyond this point ***
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
		Licences::<T>::insert(id, licence);
		LicencesOf::<T>::insert(&holder, ids);
		NextLicenceId::<T>::put(next);
		Ok(id)
	}

	pub(crate) fn do_renew_licence(
		authority: T::AccountId,
		id: LicenceId,
		expires_at: Moment,
		evidence: Option<Hash256>,
	) -> DispatchResult {
		let mut licence = Self::managed_licence(&authority, id)?;
		ensure!(expires_at > licence.expires_at, Error::<T>::RenewalMustExtend);
		ensure!(expires_at > Self::now(), Error::<T>::AlreadyExpired);

		// *** No fail beyond this point ***
		licence.expires_at = expires_at;
		if let Some(evidence) = evidence {
			licence.evidence = evidence;
		}
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
		Licences::<T>::insert(id, licence);
		Self::deposit_event(event);
		Ok(())
	}

	/// Revokes a licence: by its issuing authority (`Some`) or by governance (`None`).
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
		licence.status = LicenceStatus::Revoked;
		Licences::<T>::insert(id, licence);
		Self::deposit_event(Event::LicenceRevoked { id, reason, by_governance: by.is_none() });
		Ok(())
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
			_ if !Self::accredited_for(&licence.authority, &licence.jurisdiction) => {
				LicenceStanding::AuthorityWithdrawn
			},
			LicenceStatus::Suspended => LicenceStanding::Suspended,
			LicenceStatus::Active if now < licence.valid_from => LicenceStanding::NotYetValid,
			LicenceStatus::Active if now >= licence.expires_at => LicenceStanding::Expired,
			LicenceStatus::Active => LicenceStanding::Valid,
		}
	}

	/// `who`'s licences with their standing now (the runtime API's `licences`).
	pub fn licences_of(who: &T::AccountId) -> Vec<LicenceView<T::AccountId>> {
		let now = Self::now();
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

	/// Whether `who` holds a licence valid now for which `pred` holds.
	fn any_valid_licence(who: &T::AccountId, pred: impl Fn(&LicenceOf<T>) -> bool) -> bool {
		if !Practitioners::<T>::contains_key(who) {
			return false;
		}
		let now = Self::now();
		LicencesOf::<T>::get(who).into_iter().any(|id| {
			Licences::<T>::get(id)
				.is_some_and(|l| Self::standing(&l, now) == LicenceStanding::Valid && pred(&l))
		})
	}

	// ---- invariants -------------------------------------------------------------------------

	/// The pallet's invariants:
	/// - every licence's id is below `NextLicenceId`, its start is before its expiry, its holder
	///   is registered and lists it in `LicencesOf`;
	/// - every id in `LicencesOf` is a licence of that holder;
	/// - every practitioner's recorded deposit is held under `PractitionerDeposit`.
	#[cfg(any(feature = "try-runtime", test))]
	pub fn do_try_state() -> Result<(), sp_runtime::TryRuntimeError> {
		use frame_support::traits::fungible::InspectHold;
		let next = NextLicenceId::<T>::get();
		for (id, licence) in Licences::<T>::iter() {
			ensure!(id < next, "licence id not below NextLicenceId");
			ensure!(licence.valid_from < licence.expires_at, "licence starts after it expires");
			ensure!(
				Practitioners::<T>::contains_key(&licence.holder),
				"licence of an unregistered practitioner"
			);
			ensure!(
				LicencesOf::<T>::get(&licence.holder).contains(&id),
				"licence missing from its holder's list"
			);
		}
		for (who, ids) in LicencesOf::<T>::iter() {
			for id in ids {
				let licence = Licences::<T>::get(id).ok_or("listed licence does not exist")?;
				ensure!(licence.holder == who, "listed licence belongs to someone else");
			}
		}
		for (who, profile) in Practitioners::<T>::iter() {
			let held = T::Currency::balance_on_hold(&HoldReason::PractitionerDeposit.into(), &who);
			ensure!(held == profile.deposit, "practitioner deposit not held");
		}
		Ok(())
	}
}

impl<T: Config> PractitionerRegistry<T::AccountId> for Pallet<T> {
	fn is_licensed(who: &T::AccountId, query: &LicenceQuery) -> bool {
		Self::any_valid_licence(who, |l| {
			query.matches(l.role, l.specialty.as_ref(), &l.jurisdiction)
		})
	}

	fn may_use_emergency_access(who: &T::AccountId) -> bool {
		Self::any_valid_licence(who, |l| l.emergency_care)
	}

	fn key_agreement_key(who: &T::AccountId) -> Option<KeyAgreementKey> {
		Self::key_agreement_key_of(who)
	}

	#[cfg(feature = "runtime-benchmarks")]
	fn make_licensed(who: &T::AccountId, emergency: bool) {
		use frame_support::traits::fungible::{Inspect, Mutate};
		use sp_runtime::Saturating;

		let authority: T::AccountId = frame_benchmarking::account("benchmark authority", 0, 0);
		if !Authorities::<T>::contains_key(&authority) {
			let _ = Self::do_add_authority(
				authority.clone(),
				b"Benchmark Board".to_vec(),
				alloc::vec![b"AA".to_vec()],
			);
		}
		if !Practitioners::<T>::contains_key(who) {
			let funds = T::RegistrationDeposit::get()
				.saturating_mul(2u32.into())
				.saturating_add(T::Currency::minimum_balance());
			let _ = T::Currency::mint_into(who, funds);
			let _ = Self::do_register(
				who.clone(),
				b"Benchmark Practitioner".to_vec(),
				alloc::vec![PractitionerRole::Physician],
				Vec::new(),
				[7u8; 32],
			);
		}
		let terms = |specialty: Option<SpecialtyCode>| LicenceTerms {
			jurisdiction: b"AA".to_vec().try_into().expect("a two-letter code fits; qed"),
			role: PractitionerRole::Physician,
			specialty,
			number_commitment: [1u8; 32],
			evidence: [2u8; 32],
			valid_from: 0,
			expires_at: Moment::MAX,
			emergency_care: emergency,
		};
		// Lookups scan a practitioner's licences until a valid one: fill the list with
		// suspended licences first, so that callers' benchmarks pay for the longest scan.
		let room = T::MaxLicencesPerPractitioner::get()
			.saturating_sub(LicencesOf::<T>::get(who).len() as u32);
		for i in 1..room {
			let specialty = alloc::format!("{i}").into_bytes().try_into().ok();
			if let Ok(id) = Self::do_issue_licence(authority.clone(), who.clone(), terms(specialty))
			{
				let _ =
					Self::do_set_status(authority.clone(), id, LicenceStatus::Suspended, [0; 32]);
			}
		}
		let _ = Self::do_issue_licence(authority, who.clone(), terms(None));
	}
}
