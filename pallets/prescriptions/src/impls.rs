//! The logic of the calls (`do_*`), the queries of the runtime API and the answer to licence
//! revocations. Every `do_*` checks everything before it writes anything.

use crate::{pallet::*, types::*, weights::WeightInfo, PrescriptionTerms};
use alloc::vec::Vec;
use frame_support::{
	dispatch::DispatchResult,
	ensure,
	traits::{Get, Time},
	weights::Weight,
};
use sp_runtime::{
	traits::{BlakeTwo256, Hash},
	DispatchError,
};
use telemed_primitives::{
	deposits, AccessAction, AccessTarget, ConsentVerifier, Hash256, LicenceQuery,
	LicenceRevocation, Moment, PractitionerRegistry, PractitionerRole, PrescriptionId,
	PurposeOfUse,
};

/// Every reason this pallet holds funds for, in the order `try_state`'s holds check indexes
/// them.
pub const HOLD_REASONS: [HoldReason; 1] = [HoldReason::PrescriptionDeposit];

/// The hash the chain keeps of a dispense secret: `blake2_256(secret)`.
pub fn secret_hash(secret: &Hash256) -> Hash256 {
	BlakeTwo256::hash(secret).0
}

impl<T: Config> Pallet<T> {
	// ---- licences ---------------------------------------------------------------------------

	/// Whether `who` holds, now, a valid licence for a role that may prescribe: one lookup
	/// for all the prescribing roles (it reads the holder's licences once).
	pub fn may_prescribe(who: &T::AccountId) -> bool {
		T::Practitioners::is_licensed(who, &LicenceQuery::prescriber())
	}

	/// Whether `who` holds, now, a valid `Pharmacist` licence.
	pub fn is_pharmacist(who: &T::AccountId) -> bool {
		T::Practitioners::is_licensed(who, &LicenceQuery::role(PractitionerRole::Pharmacist))
	}

	/// Whether the prescriber's licence was revoked for good at or after `p` was issued.
	fn revoked_since_issue(p: &PrescriptionOf<T>) -> bool {
		RevokedPrescribers::<T>::get(&p.prescriber).is_some_and(|at| p.issued_at <= at)
	}

	/// Whether `p` can be dispensed now, or why not (refill interval and consent aside).
	pub fn standing(p: &PrescriptionOf<T>, now: Moment) -> PrescriptionStanding {
		if now >= p.expires_at {
			PrescriptionStanding::Expired
		} else if Self::revoked_since_issue(p) {
			PrescriptionStanding::PrescriberRevoked
		} else if !Self::may_prescribe(&p.prescriber) {
			PrescriptionStanding::PrescriberNotLicensed
		} else {
			PrescriptionStanding::Dispensable
		}
	}

	/// The earliest time `p`'s next fill may be made, for a controlled substance filled before.
	fn next_fill_at(p: &PrescriptionOf<T>) -> Option<Moment> {
		if !p.controlled {
			return None;
		}
		p.last_fill_at.map(|at| at.saturating_add(T::MinRefillInterval::get()))
	}

	// ---- what issue and amend share ---------------------------------------------------------

	/// A version's terms are sound at `now`, `made` fills having been made with the secrets
	/// `spent`: `1..=MaxFills` fills in all, more than `made`; one distinct new secret hash per
	/// fill to come, none of them spent; the expiry after now and at most `MaxValidity` later.
	fn check_terms(
		terms: &PrescriptionTerms<T>,
		now: Moment,
		made: u32,
		spent: &[Hash256],
	) -> DispatchResult {
		ensure!(terms.fills > 0, Error::<T>::NoFills);
		ensure!(terms.fills <= T::MaxFills::get(), Error::<T>::TooManyFills);
		ensure!(terms.fills > made, Error::<T>::FillsNotAboveUsed);
		let hashes = &terms.dispense_hashes;
		ensure!(hashes.len() as u32 == terms.fills - made, Error::<T>::SecretCountMismatch);
		let mut sorted: Vec<Hash256> = hashes.to_vec();
		sorted.sort_unstable();
		ensure!(sorted.windows(2).all(|w| w[0] != w[1]), Error::<T>::DuplicateSecret);
		ensure!(!hashes.iter().any(|h| spent.contains(h)), Error::<T>::SecretAlreadyUsed);
		ensure!(terms.expires_at > now, Error::<T>::ExpiryInPast);
		ensure!(terms.expires_at - now <= T::MaxValidity::get(), Error::<T>::ValidityTooLong);
		Ok(())
	}

	/// A first version with `terms`, issued `now`, no fill made.
	fn first_version(
		patient: T::AccountId,
		prescriber: T::AccountId,
		terms: PrescriptionTerms<T>,
		now: Moment,
		deposit: BalanceOf<T>,
	) -> PrescriptionOf<T> {
		Prescription {
			patient,
			prescriber,
			commitment: terms.commitment,
			ciphertext_hash: Some(terms.ciphertext_hash),
			locator: terms.locator,
			fills_allowed: terms.fills,
			fills_used: 0,
			carried: 0,
			dispense_hashes: terms.dispense_hashes,
			spent: Default::default(),
			controlled: terms.controlled,
			issued_at: now,
			expires_at: terms.expires_at,
			last_fill_at: None,
			previous: None,
			deposit,
		}
	}

	/// The next id, and the one after it to store.
	fn next_id() -> Result<(PrescriptionId, PrescriptionId), DispatchError> {
		let id = NextPrescriptionId::<T>::get();
		let after = id.checked_add(1).ok_or(Error::<T>::IdsExhausted)?;
		Ok((id, after))
	}

	// ---- calls ------------------------------------------------------------------------------

	/// [`Pallet::issue`]; returns the new prescription's id.
	pub(crate) fn do_issue(
		prescriber: T::AccountId,
		patient: T::AccountId,
		terms: PrescriptionTerms<T>,
	) -> Result<PrescriptionId, DispatchError> {
		ensure!(Self::may_prescribe(&prescriber), Error::<T>::NotPrescriber);
		ensure!(prescriber != patient, Error::<T>::SelfPrescribing);
		let now = T::Time::now();
		Self::check_terms(&terms, now, 0, &[])?;
		let mut open = PrescriptionsOf::<T>::get(&patient);
		let (id, after) = Self::next_id()?;
		open.try_push(id).map_err(|_| Error::<T>::TooManyPrescriptions)?;
		let open_of_prescriber = OpenOfPrescriber::<T>::get(&prescriber).saturating_add(1);
		let deposit = T::PrescriptionDeposit::get();
		deposits::hold::<_, T::Currency>(
			&HoldReason::PrescriptionDeposit.into(),
			&prescriber,
			deposit,
		)
		.map_err(|_| Error::<T>::InsufficientBalance)?;

		// *** No fail beyond this point ***
		Prescriptions::<T>::insert(
			id,
			Self::first_version(patient.clone(), prescriber.clone(), terms, now, deposit),
		);
		PrescriptionsOf::<T>::insert(&patient, open);
		OpenOfPrescriber::<T>::insert(&prescriber, open_of_prescriber);
		NextPrescriptionId::<T>::put(after);
		Self::deposit_event(Event::Issued { id, patient, prescriber });
		Ok(id)
	}

	/// [`Pallet::dispense`].
	pub(crate) fn do_dispense(
		pharmacist: T::AccountId,
		id: PrescriptionId,
		secret: Hash256,
	) -> DispatchResult {
		ensure!(Self::is_pharmacist(&pharmacist), Error::<T>::NotPharmacist);
		let mut p = Prescriptions::<T>::get(id).ok_or(Error::<T>::UnknownPrescription)?;
		ensure!(pharmacist != p.patient, Error::<T>::SelfDispensing);
		let now = T::Time::now();
		match Self::standing(&p, now) {
			PrescriptionStanding::Dispensable => {},
			PrescriptionStanding::Expired => return Err(Error::<T>::PrescriptionExpired.into()),
			PrescriptionStanding::PrescriberRevoked => {
				return Err(Error::<T>::PrescriberRevoked.into())
			},
			PrescriptionStanding::PrescriberNotLicensed => {
				return Err(Error::<T>::PrescriberNotLicensed.into())
			},
		}
		let hash = secret_hash(&secret);
		ensure!(!p.spent.contains(&hash), Error::<T>::SecretAlreadyUsed);
		ensure!(p.next_hash() == Some(hash), Error::<T>::WrongSecret);
		if p.controlled {
			if let Some(not_before) = Self::next_fill_at(&p) {
				ensure!(now >= not_before, Error::<T>::TooEarly);
			}
			T::Consent::check_access(
				&pharmacist,
				&p.patient,
				AccessAction::Read,
				AccessTarget::Relationship,
				PurposeOfUse::Treatment,
			)
			.map_err(|denial| {
				denial.to_error(
					Error::<T>::NoConsent,
					Error::<T>::NotPharmacist,
					Error::<T>::NoConsent,
					Error::<T>::ConsentDenied,
				)
			})?;
		}
		// A next hash exists, so `fills_used < fills_allowed`: no overflow.
		let fill = p.fills_used.saturating_add(1);
		// One hash is spent per fill and `fills_allowed <= MaxFills`: room is certain, but a
		// full list refuses the fill rather than lose track of a secret.
		p.spent.try_push(hash).map_err(|_| Error::<T>::TooManyFills)?;

		// *** No fail beyond this point ***
		p.fills_used = fill;
		p.last_fill_at = Some(now);
		let remaining = p.remaining();
		let (patient, prescriber) = (p.patient.clone(), p.prescriber.clone());
		if remaining == 0 {
			Self::close(id, &p);
		} else {
			Prescriptions::<T>::insert(id, p);
		}
		Self::deposit_event(Event::Dispensed {
			id,
			patient,
			prescriber,
			pharmacist,
			fill,
			remaining,
		});
		Ok(())
	}

	/// [`Pallet::amend`]; returns the new version's id.
	pub(crate) fn do_amend(
		prescriber: T::AccountId,
		previous: PrescriptionId,
		terms: PrescriptionTerms<T>,
	) -> Result<PrescriptionId, DispatchError> {
		let old = Prescriptions::<T>::get(previous).ok_or(Error::<T>::UnknownPrescription)?;
		ensure!(old.prescriber == prescriber, Error::<T>::NotPermitted);
		ensure!(Self::may_prescribe(&prescriber), Error::<T>::NotPrescriber);
		let now = T::Time::now();
		ensure!(now < old.expires_at, Error::<T>::PrescriptionExpired);
		Self::check_terms(&terms, now, old.fills_used, &old.spent)?;
		let (id, after) = Self::next_id()?;
		let mut open = PrescriptionsOf::<T>::get(&old.patient);
		let slot =
			open.iter().position(|p| *p == previous).ok_or(Error::<T>::UnknownPrescription)?;

		// *** No fail beyond this point ***
		if let Some(entry) = open.get_mut(slot) {
			*entry = id;
		}
		let patient = old.patient.clone();
		// The fills made, their secrets and the time of the last one carry over.
		let mut new = Self::first_version(old.patient, old.prescriber, terms, now, old.deposit);
		new.fills_used = old.fills_used;
		new.carried = old.fills_used;
		new.spent = old.spent;
		new.last_fill_at = old.last_fill_at;
		new.previous = Some(previous);
		Prescriptions::<T>::remove(previous);
		Prescriptions::<T>::insert(id, new);
		PrescriptionsOf::<T>::insert(&patient, open);
		NextPrescriptionId::<T>::put(after);
		Self::deposit_event(Event::Amended { id, previous, patient, prescriber });
		Ok(id)
	}

	/// [`Pallet::cancel`].
	pub(crate) fn do_cancel(who: T::AccountId, id: PrescriptionId) -> DispatchResult {
		let p = Prescriptions::<T>::get(id).ok_or(Error::<T>::UnknownPrescription)?;
		ensure!(who == p.prescriber || who == p.patient, Error::<T>::NotPermitted);

		// *** No fail beyond this point ***
		Self::close(id, &p);
		Self::deposit_event(Event::Cancelled { id, patient: p.patient, by: who });
		Ok(())
	}

	/// [`Pallet::expire`].
	pub(crate) fn do_expire(id: PrescriptionId) -> DispatchResult {
		let p = Prescriptions::<T>::get(id).ok_or(Error::<T>::UnknownPrescription)?;
		ensure!(T::Time::now() >= p.expires_at, Error::<T>::NotExpired);

		// *** No fail beyond this point ***
		Self::close(id, &p);
		Self::deposit_event(Event::Expired { id, patient: p.patient });
		Ok(())
	}

	/// Removes open prescription `id` (`p`) and everything that counts it; returns the deposit.
	fn close(id: PrescriptionId, p: &PrescriptionOf<T>) {
		Prescriptions::<T>::remove(id);
		PrescriptionsOf::<T>::mutate_exists(&p.patient, |open| {
			if let Some(list) = open {
				list.retain(|other| *other != id);
				if list.is_empty() {
					*open = None;
				}
			}
		});
		let left = OpenOfPrescriber::<T>::get(&p.prescriber).saturating_sub(1);
		if left == 0 {
			OpenOfPrescriber::<T>::remove(&p.prescriber);
			RevokedPrescribers::<T>::remove(&p.prescriber);
		} else {
			OpenOfPrescriber::<T>::insert(&p.prescriber, left);
		}
		deposits::release::<_, T::Currency>(
			&HoldReason::PrescriptionDeposit.into(),
			&p.prescriber,
			p.deposit,
		);
	}

	// ---- queries (runtime API) --------------------------------------------------------------

	/// Open prescription `id` as the runtime API shows it, with its standing now.
	pub fn view(id: PrescriptionId) -> Option<PrescriptionView<T::AccountId>> {
		let p = Prescriptions::<T>::get(id)?;
		let now = T::Time::now();
		Some(PrescriptionView {
			standing: Self::standing(&p, now),
			next_fill_not_before: Self::next_fill_at(&p).filter(|at| *at > now),
			patient: p.patient,
			prescriber: p.prescriber,
			commitment: p.commitment,
			fills_allowed: p.fills_allowed,
			fills_used: p.fills_used,
			controlled: p.controlled,
			issued_at: p.issued_at,
			expires_at: p.expires_at,
			last_fill_at: p.last_fill_at,
			previous: p.previous,
		})
	}

	/// `patient`'s open prescriptions, each with its standing now (flagged ones included).
	pub fn prescriptions_of(
		patient: &T::AccountId,
	) -> Vec<(PrescriptionId, PrescriptionView<T::AccountId>)> {
		PrescriptionsOf::<T>::get(patient)
			.into_iter()
			.filter_map(|id| Self::view(id).map(|v| (id, v)))
			.collect()
	}
}

impl<T: Config> LicenceRevocation<T::AccountId> for Pallet<T> {
	fn licence_revoked(holder: &T::AccountId) -> Weight {
		// A holder without open prescriptions has nothing to flag.
		if OpenOfPrescriber::<T>::get(holder) == 0 {
			return T::DbWeight::get().reads(1);
		}
		// A holder who still prescribes under another licence (a surrendered or revoked one
		// among several) keeps their prescriptions valid: that licence vouches for them, and
		// when it lapses too the check at each call flags them.
		if Self::may_prescribe(holder) {
			return T::WeightInfo::licence_revoked();
		}
		RevokedPrescribers::<T>::insert(holder, T::Time::now());
		Self::deposit_event(Event::PrescriberRevoked { prescriber: holder.clone() });
		Self::licence_revoked_weight()
	}

	fn licence_revoked_weight() -> Weight {
		// The count and the licence checks (benchmarked); the clock, the note and the event.
		T::WeightInfo::licence_revoked().saturating_add(T::DbWeight::get().reads_writes(1, 2))
	}
}
