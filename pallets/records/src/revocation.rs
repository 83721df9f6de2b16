//! Licence revocation: a grantee whose licence was revoked for good loses, in state, the key
//! envelopes it may no longer read, for every patient, without a scan.
//!
//! - [`GranteePatients`] indexes, for each grantee, the patients for whom it holds envelopes:
//!   exactly the pairs with a non-empty [`EnvelopesOf`], kept by every path that writes it.
//! - The practitioners pallet calls [`LicenceRevocation::licence_revoked`]: the holder goes
//!   into the bounded queue [`RevokedGrantees`] with the time (one read and two writes; a holder
//!   without envelopes is not queued). A full queue never makes the revocation fail: the holder
//!   is not queued and [`Event::RevocationQueueFull`] says so.
//! - `on_idle` takes a queued grantee (the cursor [`RevocationSweep`]) and, within the block's
//!   remaining weight, prunes one (patient, grantee) pair at a time, in the index's order,
//!   resuming after the last patient done in the next block.
//! - [`Pallet::prune_revoked`] does one pair at once, for anyone, free when it removed
//!   something.
//!
//! A pair's prune removes each envelope the grantee held **at the revocation** (added at or
//! before its time) that the grantee may not read now (the consent check refuses it, for
//! any reason) and is not a custody envelope of the patient's emergency custodian now
//! (purpose `EmergencyTreatment`): a holder with another valid licence keeps what that licence
//! still allows, and envelopes added after the revocation (a re-licensed grantee's, under a new
//! consent) are never touched by that revocation's sweep.

use crate::{pallet::*, weights::WeightInfo};
use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use frame_support::{
	dispatch::{DispatchResultWithPostInfo, PostDispatchInfo},
	pallet_prelude::*,
	traits::Time,
};
use scale_info::TypeInfo;
use telemed_primitives::{LicenceRevocation, Moment, PractitionerRegistry};

/// The grantee being swept by `on_idle`.
#[derive(
	Clone, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo, Debug,
)]
pub struct RevocationSweepState<AccountId> {
	/// Whose envelopes.
	pub grantee: AccountId,
	/// When the licence was revoked: envelopes added later are not this sweep's.
	pub revoked_at: Moment,
	/// The last patient done, in [`GranteePatients`]' order; `None` before the first.
	pub last: Option<AccountId>,
}

impl<T: Config> Pallet<T> {
	/// Notes that `grantee` holds envelopes for `patient` (its `EnvelopesOf` is not empty).
	pub(crate) fn note_grantee_patient(patient: &T::AccountId, grantee: &T::AccountId) {
		GranteePatients::<T>::insert(grantee, patient, ());
	}

	/// Notes that `grantee` holds no more envelopes for `patient` (its `EnvelopesOf` is gone).
	pub(crate) fn forget_grantee_patient(patient: &T::AccountId, grantee: &T::AccountId) {
		GranteePatients::<T>::remove(grantee, patient);
	}

	/// When `grantee`'s revocation was noted, if it is queued or being swept.
	pub fn revoked_at(grantee: &T::AccountId) -> Option<Moment> {
		RevokedGrantees::<T>::get(grantee).or_else(|| {
			RevocationSweep::<T>::get().filter(|s| &s.grantee == grantee).map(|s| s.revoked_at)
		})
	}

	/// Removes every envelope `grantee` holds for `patient`'s records that was added at or
	/// before `revoked_at` and that the grantee may not read now; returns how many envelopes
	/// were examined (at most `MaxEnvelopesPerGrantee`) and removed.
	pub(crate) fn prune_revoked_pair(
		patient: &T::AccountId,
		grantee: &T::AccountId,
		revoked_at: Moment,
	) -> (u32, u32) {
		let ids = EnvelopesOf::<T>::get(patient, grantee);
		let mut removed = 0u32;
		for id in ids.iter().copied() {
			let (Some(mut record), Some(envelope)) =
				(Self::record(id), Envelopes::<T>::get(id, grantee))
			else {
				continue;
			};
			// An emergency custodian's custody envelopes stay while its appointment lasts.
			if envelope.added_at > revoked_at
				|| Self::may_hold(grantee, &record, envelope.purpose).is_ok()
			{
				continue;
			}
			Self::drop_envelope(id, &mut record, grantee, &envelope);
			Self::put_record(id, record);
			removed = removed.saturating_add(1);
			Self::deposit_event(Event::EnvelopeRemoved { record: id, grantee: grantee.clone() });
		}
		(ids.len() as u32, removed)
	}

	pub(crate) fn do_prune_revoked(
		grantee: T::AccountId,
		patient: T::AccountId,
	) -> DispatchResultWithPostInfo {
		// Queued or being swept: envelopes held at the revocation. No registered practitioner
		// (deregistered, or never one): it holds no licence that could count again, every
		// envelope it may not read now goes.
		let revoked_at = match Self::revoked_at(&grantee) {
			Some(at) => at,
			None if T::Practitioners::key_agreement_key(&grantee).is_none() => T::Time::now(),
			None => return Err(Error::<T>::NotRevoked.into()),
		};
		ensure!(
			GranteePatients::<T>::contains_key(&grantee, &patient),
			Error::<T>::NoGranteeEnvelopes
		);

		// *** No fail beyond this point ***
		let (examined, removed) = Self::prune_revoked_pair(&patient, &grantee, revoked_at);
		let weight = Some(T::WeightInfo::prune_revoked(examined));
		let pays = if removed > 0 { Pays::No } else { Pays::Yes };
		Ok(PostDispatchInfo { actual_weight: weight, pays_fee: pays })
	}

	/// The weight `on_idle` needs free to start a step: one pair of the most envelopes.
	fn max_sweep_step() -> Weight {
		T::WeightInfo::sweep_step(T::MaxEnvelopesPerGrantee::get())
	}

	/// Sweeps queued grantees within `limit`; returns the weight used.
	pub(crate) fn sweep_revoked(limit: Weight) -> Weight {
		let db = T::DbWeight::get();
		// Reading the cursor (and, below, the queue's first entry).
		let mut used = db.reads(1);
		if !limit.all_gte(used) {
			return Weight::zero();
		}
		loop {
			if !limit.all_gte(used.saturating_add(Self::max_sweep_step())) {
				break;
			}
			let mut sweep = match RevocationSweep::<T>::get() {
				Some(sweep) => sweep,
				None => {
					let Some((grantee, revoked_at)) = RevokedGrantees::<T>::iter().next() else {
						used.saturating_accrue(db.reads(1));
						break;
					};
					RevokedGrantees::<T>::remove(&grantee);
					used.saturating_accrue(db.reads_writes(2, 2));
					RevocationSweepState { grantee, revoked_at, last: None }
				},
			};
			let next = match &sweep.last {
				None => GranteePatients::<T>::iter_key_prefix(&sweep.grantee).next(),
				Some(last) => GranteePatients::<T>::iter_key_prefix_from(
					&sweep.grantee,
					GranteePatients::<T>::hashed_key_for(&sweep.grantee, last),
				)
				.next(),
			};
			match next {
				Some(patient) => {
					let (examined, _) =
						Self::prune_revoked_pair(&patient, &sweep.grantee, sweep.revoked_at);
					used.saturating_accrue(T::WeightInfo::sweep_step(examined));
					sweep.last = Some(patient);
					RevocationSweep::<T>::put(sweep);
				},
				None => {
					RevocationSweep::<T>::kill();
					used.saturating_accrue(db.reads_writes(1, 1));
					Self::deposit_event(Event::RevocationSwept { grantee: sweep.grantee });
				},
			}
		}
		used
	}

	/// Invariants of the revocation state:
	/// - [`GranteePatients`] holds exactly the (grantee, patient) pairs whose [`EnvelopesOf`]
	///   is not empty;
	/// - [`RevokedGrantees`] holds at most `MaxRevocationQueue` grantees, and its counter is
	///   right.
	pub fn do_try_state_revocation() -> Result<(), sp_runtime::TryRuntimeError> {
		let mut pairs = 0usize;
		for (patient, grantee, ids) in EnvelopesOf::<T>::iter() {
			if !ids.is_empty() {
				pairs += 1;
				ensure!(
					GranteePatients::<T>::contains_key(&grantee, &patient),
					"a grantee's envelopes for a patient not in GranteePatients"
				);
			}
		}
		ensure!(
			GranteePatients::<T>::iter_keys().count() == pairs,
			"GranteePatients names a pair without envelopes"
		);
		let queued = RevokedGrantees::<T>::iter_keys().count();
		ensure!(queued as u32 == RevokedGrantees::<T>::count(), "revocation queue counter");
		ensure!(queued as u32 <= T::MaxRevocationQueue::get(), "revocation queue over its bound");
		Ok(())
	}
}

impl<T: Config> LicenceRevocation<T::AccountId> for Pallet<T> {
	fn licence_revoked(holder: &T::AccountId) -> Weight {
		let db = T::DbWeight::get();
		// A holder without envelopes has nothing to sweep.
		if GranteePatients::<T>::iter_key_prefix(holder).next().is_none() {
			return db.reads(1);
		}
		let now = T::Time::now();
		if RevokedGrantees::<T>::contains_key(holder) {
			// Revoked again (another licence): envelopes held until now are the sweep's.
			RevokedGrantees::<T>::insert(holder, now);
		} else if RevokedGrantees::<T>::count() >= T::MaxRevocationQueue::get() {
			Self::deposit_event(Event::RevocationQueueFull { grantee: holder.clone() });
		} else {
			RevokedGrantees::<T>::insert(holder, now);
			Self::deposit_event(Event::RevocationQueued { grantee: holder.clone() });
		}
		Self::licence_revoked_weight()
	}

	fn licence_revoked_weight() -> Weight {
		// The index probe, the queue's entry and counter, the clock; an entry and the counter
		// written, an event.
		T::DbWeight::get().reads_writes(4, 3)
	}
}
