//! Licences ended for good by a decision, reported to [`Config::LicenceRevocation`] (the
//! records pallet, which then removes the holder's key envelopes it may no longer read).
//!
//! - A revocation by the issuing authority or by governance, and a surrender, report the
//!   holder in the same call (the call's weight includes
//!   [`LicenceRevocation::licence_revoked_weight`]).
//! - Withdrawing an authority ends every licence it issued, but the pallet keeps no index of
//!   licences by authority: [`Pallet::remove_authority`] starts a walk over the licence ids
//!   ([`WithdrawalSweep`]) that `on_idle` continues within the block's remaining weight,
//!   reporting the holder of each licence that is not revoked (those were reported already)
//!   and was issued under a withdrawn accreditation. A second withdrawal during a walk starts
//!   it again from the first id, so no licence is missed (holders met twice are reported
//!   twice, which the records pallet takes as one).
//! - Suspension, expiry, a jurisdiction taken away for now and pruning report nothing: they
//!   are not decisions that end a licence for good, or were reported already.

use crate::{pallet::*, weights::WeightInfo, Accreditation, LicenceStatus};
use frame_support::{pallet_prelude::*, traits::Get};
use telemed_primitives::LicenceRevocation;

impl<T: Config> Pallet<T> {
	/// Reports that a licence of `holder` ended for good. Cannot fail.
	pub(crate) fn licence_ended_for_good(holder: &T::AccountId) {
		let _ = T::LicenceRevocation::licence_revoked(holder);
	}

	/// Starts (or starts again) the walk over every licence issued so far, after an
	/// authority's withdrawal; none if no licence was ever issued.
	pub(crate) fn start_withdrawal_sweep() {
		let end = NextLicenceId::<T>::get();
		if end > 0 {
			WithdrawalSweep::<T>::put((0, end));
		}
	}

	/// What [`Pallet::remove_authority`] adds to its weight to start the walk.
	pub(crate) fn start_withdrawal_sweep_weight() -> Weight {
		T::DbWeight::get().reads_writes(1, 1)
	}

	/// What one licence of the walk weighs at most: the benchmarked step (the licence and its
	/// authority read, the holder reported) and, on top, the report's own bound.
	fn withdrawal_step_weight() -> Weight {
		T::WeightInfo::withdrawal_step()
			.saturating_add(T::LicenceRevocation::licence_revoked_weight())
	}

	/// Continues the walk within `limit`; returns the weight used.
	pub(crate) fn sweep_withdrawn(limit: Weight) -> Weight {
		let db = T::DbWeight::get();
		let mut used = db.reads(1);
		if !limit.all_gte(used) {
			return Weight::zero();
		}
		let Some((mut next, end)) = WithdrawalSweep::<T>::get() else { return used };
		// Writing the walk's position at the end.
		used.saturating_accrue(db.writes(1));
		while next < end && limit.all_gte(used.saturating_add(Self::withdrawal_step_weight())) {
			used.saturating_accrue(T::WeightInfo::withdrawal_step());
			if let Some(licence) = Licences::<T>::get(next) {
				if licence.status != LicenceStatus::Revoked
					&& Self::accreditation_of(
						&licence,
						Authorities::<T>::get(&licence.authority).as_ref(),
					) == Accreditation::Withdrawn
				{
					used.saturating_accrue(T::LicenceRevocation::licence_revoked(&licence.holder));
				}
			}
			next = next.saturating_add(1);
		}
		if next >= end {
			WithdrawalSweep::<T>::kill();
		} else {
			WithdrawalSweep::<T>::put((next, end));
		}
		used
	}

	/// The walk's position is within the licence ids issued so far.
	pub(crate) fn do_try_state_withdrawal() -> Result<(), sp_runtime::TryRuntimeError> {
		if let Some((next, end)) = WithdrawalSweep::<T>::get() {
			ensure!(next < end, "withdrawal walk past its end kept");
			ensure!(end <= NextLicenceId::<T>::get(), "withdrawal walk beyond the ids issued");
		}
		Ok(())
	}
}
