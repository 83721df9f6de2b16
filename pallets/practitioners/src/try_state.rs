//! The pallet's invariants, checked by `try_state` (and after every unit test).

use crate::pallet::*;
use frame_support::ensure;

impl<T: Config> Pallet<T> {
	/// The pallet's invariants:
	/// - every licence's id is below `NextLicenceId`, its start is before its expiry, its holder
	///   is registered and lists it in `LicencesOf`;
	/// - every id in `LicencesOf` is a licence of that holder, every list is non-empty and
	///   belongs to a registered practitioner;
	/// - every practitioner's recorded deposit is held under `PractitionerDeposit`;
	/// - each holder's summary of active licences (`ActiveLicences`) equals its recomputation
	///   from their licences (those whose status is `Active`, in id order), and no summary is
	///   kept for an account without licences, nor stored empty;
	/// - the table of accreditations (`Accreditations`) equals its recomputation from
	///   `Authorities` (every authority's entry, sorted by account).
	pub fn do_try_state() -> Result<(), sp_runtime::TryRuntimeError> {
		use alloc::collections::btree_map::BTreeMap;
		ensure!(
			Accreditations::<T>::get().into_inner() == Self::accreditations_computed(),
			"table of accreditations differs from the authorities"
		);
		Self::do_try_state_summaries()?;
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
			ensure!(!ids.is_empty(), "an empty licence list is stored");
			ensure!(
				Practitioners::<T>::contains_key(&who),
				"licence list of an unregistered practitioner"
			);
			for id in ids {
				let licence = Licences::<T>::get(id).ok_or("listed licence does not exist")?;
				ensure!(licence.holder == who, "listed licence belongs to someone else");
			}
		}
		let held: BTreeMap<(T::AccountId, u8), BalanceOf<T>> =
			Practitioners::<T>::iter().map(|(who, profile)| ((who, 0), profile.deposit)).collect();
		telemed_primitives::check_holds::<_, T::Currency, _>(
			&held,
			&[HoldReason::PractitionerDeposit],
		)?;
		Self::do_try_state_withdrawal()
	}

	/// The summaries of active licences (storage version 2's invariant): each equals its
	/// recomputation, none is stored empty or for an account without licences. Version 2's
	/// migration checks this alone: the table of accreditations comes with version 3.
	pub(crate) fn do_try_state_summaries() -> Result<(), sp_runtime::TryRuntimeError> {
		for (who, active) in ActiveLicences::<T>::iter() {
			ensure!(!active.is_empty(), "an empty summary is stored");
			ensure!(LicencesOf::<T>::contains_key(&who), "summary of an account without licences");
		}
		for who in LicencesOf::<T>::iter_keys() {
			ensure!(
				ActiveLicences::<T>::get(&who).into_inner() == Self::active_licences_computed(&who),
				"summary differs from the licences"
			);
		}
		Ok(())
	}
}
