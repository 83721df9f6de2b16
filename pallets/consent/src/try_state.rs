//! The pallet's invariants, checked by `try_state` (and after every unit test).

use crate::{pallet::*, types::*};
use alloc::vec::Vec;
use frame_support::{ensure, pallet_prelude::*};

/// Every reason this pallet holds funds for, in the order of the indices
/// [`Pallet::expected_holds`] uses.
pub const HOLD_REASONS: [HoldReason; 3] =
	[HoldReason::ConsentDeposit, HoldReason::DelegateDeposit, HoldReason::EmergencyDeposit];

impl<T: Config> Pallet<T> {
	/// What this pallet should hold from each account, by reason (its index into
	/// [`HOLD_REASONS`], as [`telemed_primitives::check_holds`] takes it), according to its
	/// storage: consent deposits (by depositor), delegate deposits (by patient), deposits of
	/// break-glass accesses awaiting review (by practitioner). An account missing from the map
	/// should hold nothing under these reasons.
	pub fn expected_holds(
	) -> alloc::collections::btree_map::BTreeMap<(T::AccountId, u8), BalanceOf<T>> {
		use alloc::collections::btree_map::BTreeMap;
		use sp_runtime::traits::{Saturating, Zero};

		let mut held: BTreeMap<(T::AccountId, u8), BalanceOf<T>> = BTreeMap::new();
		let mut add = |who: &T::AccountId, reason: HoldReason, amount: BalanceOf<T>| {
			// Three reasons: the index fits a `u8`.
			let index = HOLD_REASONS.iter().position(|r| *r == reason).unwrap_or_default() as u8;
			let entry = held.entry((who.clone(), index)).or_insert_with(Zero::zero);
			*entry = entry.saturating_add(amount);
		};
		for (_, consent) in Consents::<T>::iter() {
			add(&consent.depositor, HoldReason::ConsentDeposit, consent.deposit);
		}
		for (patient, _, delegation) in Delegates::<T>::iter() {
			add(&patient, HoldReason::DelegateDeposit, delegation.deposit);
		}
		for (_, access) in EmergencyAccesses::<T>::iter() {
			if access.review == Review::Pending {
				add(&access.practitioner, HoldReason::EmergencyDeposit, access.deposit);
			}
		}
		held
	}

	/// The pallet's invariants:
	/// - every consent is listed by its patient, below `NextConsentId`, and every listed id is
	///   a consent of that patient; a consent's deposit was paid by whoever granted it; a scope
	///   of tags or records is not empty, sorted and without duplicates (what the access
	///   check's binary search needs);
	/// - what each account has on hold under each reason equals the deposits of its consents,
	///   delegations and pending emergency accesses ([`Self::expected_holds`]);
	/// - delegate counts match; open and pending emergency accesses exist and point back;
	///   every pending access is listed under its (patient, practitioner), lists are not
	///   empty;
	/// - each patient's disclosure ring holds exactly `min(count, MaxDisclosuresPerPatient)`
	///   entries, all about that patient;
	/// - the (patient, grantee) index lists every consent exactly once, under its patient and
	///   grantee, in increasing order (the order granted), as the consent's provision, and no
	///   empty list ([`Self::try_state_index`]);
	/// - an active consent a delegate granted is of the appointment in force, and ends with it
	///   ([`Self::try_state_appointments`]).
	pub fn do_try_state() -> Result<(), sp_runtime::TryRuntimeError> {
		Self::try_state_before_index()?;
		Self::try_state_index()?;
		Self::try_state_appointments()
	}

	/// What lets an access check skip the delegations: an active consent a delegate granted
	/// has that delegate appointed, since no later than the grant, and ends no later than the
	/// appointment (the appointment's removal marks it lapsed).
	pub fn try_state_appointments() -> Result<(), sp_runtime::TryRuntimeError> {
		for (_, consent) in Consents::<T>::iter() {
			if consent.granted_by == consent.patient || consent.status != ConsentStatus::Active {
				continue;
			}
			let delegation = Delegates::<T>::get(&consent.patient, &consent.granted_by)
				.ok_or("active consent of a removed delegate")?;
			ensure!(consent.granted_under(&delegation), "active consent of an earlier appointment");
			if let Some(until) = delegation.until {
				ensure!(
					consent.end.is_some_and(|end| end <= until),
					"consent outlives the appointment that granted it"
				);
			}
		}
		Ok(())
	}

	/// The invariants of the (patient, grantee) index [`ConsentsByGrantee`]: it equals what
	/// [`Consents`] says (each consent listed once, under its own patient and grantee, in
	/// increasing id order, as its [`Consent::provision`]; every listed id a consent; no empty
	/// list), and each list is as long as the patient's [`ConsentsOf`] entries to that
	/// grantee.
	pub fn try_state_index() -> Result<(), sp_runtime::TryRuntimeError> {
		let mut listed = 0usize;
		for (patient, grantee, ids) in ConsentsByGrantee::<T>::iter() {
			ensure!(!ids.is_empty(), "empty grantee list kept");
			ensure!(ids.windows(2).all(|w| w[0].id < w[1].id), "grantee list unsorted or repeated");
			for provision in ids.iter() {
				let consent = Consents::<T>::get(provision.id).ok_or("indexed consent missing")?;
				ensure!(consent.patient == patient, "indexed under another patient");
				ensure!(consent.grantee == grantee, "indexed under another grantee");
				ensure!(*provision == consent.provision(provision.id), "provision differs");
			}
			let of_patient = ConsentsOf::<T>::get(&patient)
				.iter()
				.filter(|id| Consents::<T>::get(*id).is_some_and(|c| c.grantee == grantee))
				.count();
			ensure!(of_patient == ids.len(), "grantee list differs from the patient's list");
			listed += ids.len();
		}
		ensure!(listed == Consents::<T>::iter_keys().count(), "consent not indexed by grantee");
		Ok(())
	}

	/// Every invariant but the (patient, grantee) index's: what holds at storage version 3,
	/// before [`crate::migrations::v4`] builds the index (the earlier migrations check this).
	pub fn try_state_before_index() -> Result<(), sp_runtime::TryRuntimeError> {
		use alloc::collections::btree_map::BTreeMap;

		let next = NextConsentId::<T>::get();
		for (id, consent) in Consents::<T>::iter() {
			ensure!(id < next, "consent id not below NextConsentId");
			ensure!(ConsentsOf::<T>::get(&consent.patient).contains(&id), "consent not listed");
			ensure!(consent.depositor == consent.granted_by, "deposit not paid by the grantor");
			let strictly_sorted = match &consent.scope {
				ConsentScope::AllData => true,
				ConsentScope::Tags(tags) => {
					!tags.is_empty() && tags.windows(2).all(|w| w[0] < w[1])
				},
				ConsentScope::Records(records) => {
					!records.is_empty() && records.windows(2).all(|w| w[0] < w[1])
				},
			};
			ensure!(strictly_sorted, "scope list empty, unsorted or with duplicates");
		}
		for (patient, ids) in ConsentsOf::<T>::iter() {
			for id in ids {
				let consent = Consents::<T>::get(id).ok_or("listed consent missing")?;
				ensure!(consent.patient == patient, "listed consent of another patient");
			}
		}
		let mut counts: BTreeMap<T::AccountId, u32> = BTreeMap::new();
		for (patient, _) in Delegates::<T>::iter_keys() {
			*counts.entry(patient).or_default() += 1;
		}
		for (patient, count) in DelegateCount::<T>::iter() {
			ensure!(counts.get(&patient).copied().unwrap_or(0) == count, "delegate count");
		}
		ensure!(counts.len() == DelegateCount::<T>::iter().count(), "delegates without a count");
		for (id, access) in EmergencyAccesses::<T>::iter() {
			if access.review == Review::Pending {
				ensure!(
					PendingReviews::<T>::get(&access.patient, &access.practitioner).contains(&id),
					"pending access not listed"
				);
			}
		}
		for (patient, practitioner, id) in OpenEmergency::<T>::iter() {
			let access = EmergencyAccesses::<T>::get(id).ok_or("open access missing")?;
			ensure!(
				access.patient == patient && access.practitioner == practitioner,
				"open access of someone else"
			);
		}
		for (patient, practitioner, ids) in PendingReviews::<T>::iter() {
			ensure!(!ids.is_empty(), "empty pending list kept");
			for id in ids {
				let access = EmergencyAccesses::<T>::get(id).ok_or("pending access missing")?;
				ensure!(access.patient == patient, "pending access of another patient");
				ensure!(access.practitioner == practitioner, "pending access of another");
				ensure!(access.review == Review::Pending, "listed access is reviewed");
			}
		}
		telemed_primitives::check_holds::<_, T::Currency, _>(
			&Self::expected_holds(),
			&HOLD_REASONS,
		)?;
		let kept = u64::from(T::MaxDisclosuresPerPatient::get());
		for (patient, count) in DisclosureCount::<T>::iter() {
			let entries: Vec<_> = DisclosureRing::<T>::iter_prefix(&patient).collect();
			ensure!(entries.len() as u64 == count.min(kept), "disclosure ring size");
			ensure!(entries.iter().all(|(_, d)| d.patient == patient), "disclosure of another");
		}
		Ok(())
	}
}
