//! Storage version 3 to 4: consents indexed by (patient, grantee) (issue 15).
//!
//! [`ConsentsByGrantee`] is built from every patient's consent list ([`ConsentsOf`], in its
//! order, which is the order granted), so that an access check reads the accessor's consents
//! only. Anything already in the index is cleared first (nothing on a version 3 chain).
//!
//! A patient may hold more consents to one grantee than [`Config::MaxConsentsPerGrantee`]
//! allows from now on (version 3 bounded them per patient only). Such a (patient, grantee)
//! keeps, in this order of preference, its denies that count (in force or not yet started),
//! then its permits that count, then its ended consents (revoked, expired, or ended with
//! their delegate's appointment), oldest first within each. The rest are cleaned up as
//! [`Pallet::remove_consent`] does: removed, their deposit back to whoever paid it, and the
//! grantee's envelopes of the patient pruned once the index is built. A deny is dropped only
//! if the pair has more denies that count than the bound, which no chain before this upgrade
//! has (denies to one grantee are few); `post_upgrade` checks that exactly the consents over
//! the bound went.

use crate::{pallet::*, types::*};
use alloc::{collections::btree_map::BTreeMap, vec::Vec};
use frame_support::{
	migrations::VersionedMigration,
	traits::{fungible::MutateHold, tokens::Precision, Get, Time, UncheckedOnRuntimeUpgrade},
	weights::Weight,
	BoundedVec,
};
use sp_runtime::Saturating;
use telemed_primitives::{ConsentId, EnvelopeKeeper};
// The try-runtime checks (`ensure!`, `Decode`).
#[cfg(feature = "try-runtime")]
use frame_support::pallet_prelude::*;

/// The index building itself, without the version check: use [`MigrateV3ToV4`].
pub struct InnerMigrateV3ToV4<T>(core::marker::PhantomData<T>);

/// The index of one patient: each grantee's consents with their rank (lower is kept first).
type Ranked<T> = BTreeMap<<T as frame_system::Config>::AccountId, Vec<(u8, ConsentId)>>;

impl<T: Config> InnerMigrateV3ToV4<T> {
	/// The rank of a consent when its (patient, grantee) holds more than the bound: denies
	/// that count, then permits that count, then ended consents.
	fn rank(consent: &ConsentOf<T>, now: telemed_primitives::Moment) -> u8 {
		let counts = matches!(
			Pallet::<T>::standing(consent, now),
			ConsentStanding::InForce | ConsentStanding::NotYetStarted
		);
		match (counts, consent.decision) {
			(true, Decision::Deny) => 0,
			(true, Decision::Permit) => 1,
			(false, _) => 2,
		}
	}

	/// Splits one patient's consents, by grantee, into what the index keeps (in the order
	/// granted) and what is cleaned up. Reads each consent once, through `get` (the stored
	/// consent, or what a migration before this one will make of it).
	pub(crate) fn split(
		patient: &T::AccountId,
		ids: &[ConsentId],
		now: telemed_primitives::Moment,
		get: impl Fn(&ConsentId) -> Option<ConsentOf<T>>,
	) -> (Vec<(T::AccountId, Vec<ConsentId>)>, Vec<ConsentId>) {
		let mut by_grantee: Ranked<T> = BTreeMap::new();
		for id in ids {
			let Some(consent) = get(id) else { continue };
			if &consent.patient != patient {
				continue;
			}
			by_grantee
				.entry(consent.grantee.clone())
				.or_default()
				.push((Self::rank(&consent, now), *id));
		}
		let bound = T::MaxConsentsPerGrantee::get() as usize;
		let mut kept = Vec::new();
		let mut dropped = Vec::new();
		for (grantee, mut ranked) in by_grantee {
			ranked.sort();
			let mut keep: Vec<ConsentId> = ranked.iter().take(bound).map(|(_, id)| *id).collect();
			dropped.extend(ranked.iter().skip(bound).map(|(_, id)| *id));
			keep.sort();
			kept.push((grantee, keep));
		}
		(kept, dropped)
	}

	/// How many consents the migration will clean up (over the per-grantee bound).
	#[cfg(feature = "try-runtime")]
	fn dropping() -> u64 {
		let now = T::Time::now();
		ConsentsOf::<T>::iter()
			.map(|(patient, ids)| {
				Self::split(&patient, &ids, now, Consents::<T>::get).1.len() as u64
			})
			.sum()
	}
}

impl<T: Config> InnerMigrateV3ToV4<T> {
	/// Builds the index from the consents as they are stored (clearing whatever it held),
	/// cleans up the consents over the per-grantee bound, and prunes their grantees'
	/// envelopes through the index just built. Runs again harmlessly on an exact index (it
	/// rebuilds the same one and cleans up nothing). Version 3's migration calls it before it
	/// prunes (see [`super::v3`]).
	pub fn build() -> Weight {
		let mut reads = 0u64;
		let mut writes = 0u64;
		let now = T::Time::now();
		// Nothing on a version 3 chain; whatever is there is rebuilt from the consents.
		let cleared = ConsentsByGrantee::<T>::clear(u32::MAX, None);
		writes = writes.saturating_add(u64::from(cleared.backend));

		let patients: Vec<(T::AccountId, BoundedVec<ConsentId, T::MaxConsentsPerPatient>)> =
			ConsentsOf::<T>::iter().collect();
		let mut to_prune: Vec<(T::AccountId, T::AccountId)> = Vec::new();
		for (patient, ids) in patients {
			reads = reads.saturating_add(1).saturating_add(ids.len() as u64);
			let (kept, dropped) = Self::split(&patient, &ids, now, Consents::<T>::get);
			for (grantee, list) in kept {
				writes.saturating_inc();
				// `split` keeps at most `MaxConsentsPerGrantee` per grantee.
				ConsentsByGrantee::<T>::insert(&patient, &grantee, BoundedVec::truncate_from(list));
			}
			if dropped.is_empty() {
				continue;
			}
			for id in dropped.iter() {
				let Some(consent) = Consents::<T>::take(id) else { continue };
				writes = writes.saturating_add(2);
				// The deposit was held under this reason by this pallet: all of it comes back.
				let _ = T::Currency::release(
					&HoldReason::ConsentDeposit.into(),
					&consent.depositor,
					consent.deposit,
					Precision::BestEffort,
				);
				if consent.decision == Decision::Permit {
					to_prune.push((patient.clone(), consent.grantee));
				}
			}
			writes.saturating_inc();
			ConsentsOf::<T>::mutate(&patient, |list| list.retain(|i| !dropped.contains(i)));
		}

		// The grantees of the permits cleaned up lose the envelopes they may no longer read,
		// now that the index is whole.
		to_prune.sort();
		to_prune.dedup();
		let mut pruned = Weight::zero();
		for (patient, grantee) in to_prune {
			pruned = pruned.saturating_add(T::Envelopes::prune_envelopes(&patient, &grantee));
		}
		T::DbWeight::get().reads_writes(reads, writes).saturating_add(pruned)
	}
}

impl<T: Config> UncheckedOnRuntimeUpgrade for InnerMigrateV3ToV4<T> {
	fn on_runtime_upgrade() -> Weight {
		Self::build()
	}

	#[cfg(feature = "try-runtime")]
	fn pre_upgrade() -> Result<Vec<u8>, sp_runtime::TryRuntimeError> {
		let consents = Consents::<T>::iter_keys().count() as u64;
		Ok((consents, Self::dropping()).encode())
	}

	#[cfg(feature = "try-runtime")]
	fn post_upgrade(state: Vec<u8>) -> Result<(), sp_runtime::TryRuntimeError> {
		let (consents, dropping): (u64, u64) =
			Decode::decode(&mut &state[..]).map_err(|_| "pre_upgrade state undecodable")?;
		ensure!(
			Consents::<T>::iter_keys().count() as u64 == consents.saturating_sub(dropping),
			"consents lost or kept"
		);
		Pallet::<T>::do_try_state()
	}
}

/// Builds the consent pallet's (patient, grantee) index (see the module docs), once.
pub type MigrateV3ToV4<T> = VersionedMigration<
	3,
	4,
	InnerMigrateV3ToV4<T>,
	crate::Pallet<T>,
	<T as frame_system::Config>::DbWeight,
>;
