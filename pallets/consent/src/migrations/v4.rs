//! Storage version 3 to 4: consents indexed by (patient, grantee) (issue 15).
//!
//! [`ConsentsByGrantee`] is built from every patient's consent list ([`ConsentsOf`], in its
//! order, which is the order granted), so that an access check reads the accessor's consents
//! only. Anything already in the index is cleared first: nothing on a chain that was at
//! version 3 before this upgrade; on one upgraded from version 2 in the same upgrade, the
//! index version 3's migration built before its pruning ([`super::v3`] calls
//! [`InnerMigrateV3ToV4::build`]), which is rebuilt the same.
//!
//! A patient may hold more consents to one grantee than [`Config::MaxConsentsPerGrantee`]
//! allows from now on (version 3 bounded them per patient only). Such a (patient, grantee)
//! keeps, in this order of preference, its denies that count (in force or not yet started),
//! then its permits that count, then its ended consents (revoked, expired, or ended with
//! their delegate's appointment), oldest first within each. The rest are cleaned up as
//! [`Pallet::remove_consent`] does: removed, their deposit back to whoever paid it, and the
//! grantee's envelopes of the patient pruned once the index is built. A deny is dropped only
//! if the pair has more denies that count than the bound, which no chain before this upgrade
//! has (denies to one grantee are few). Each consent cleaned up deposits
//! [`Event::ConsentRemoved`], as `remove_consent` does (the upgrade block's events tell the
//! patient, wallets and indexers), and the number of those that still counted is logged as a
//! warning. `post_upgrade` checks that exactly the consents over the bound went, that none
//! went while a consent of a worse rank of its pair stayed, and that the depositors'
//! `ConsentDeposit` holds fell by exactly the deposits of those that went.
//!
//! # Size limit: one block
//!
//! The migration runs whole in the upgrade's first block (`on_runtime_upgrade`): it collects
//! every patient's list, reads each consent (and, for one a delegate granted, the
//! delegation), and writes one index entry per (patient, grantee). That is about 200 µs of
//! weight for a patient with five consents to three grantees at ParityDB's prices, and
//! versions 2 and 3 run in the same block: the chain is assumed to hold at most about 5,000
//! patients with consents (a development or test network). Past that the block may take
//! longer than the proposer's slot share (about 4 s of a 6 s slot) and the chain stalls at
//! the upgrade. `pre_upgrade` logs the number of patients and consents. Before a larger
//! deployment this must become a multi-block migration (`pallet-migrations`,
//! `SteppedMigration` with the last patient as its cursor), with the access check falling back
//! to [`ConsentsOf`] for a patient not yet indexed.

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
// The try-runtime checks (`ensure!`, `Decode`, the holds).
#[cfg(feature = "try-runtime")]
use frame_support::{pallet_prelude::*, traits::fungible::InspectHold};

/// The log target of the consent pallet's migrations.
pub(crate) const LOG_TARGET: &str = "runtime::consent";

/// Logs the size of the state a single-block migration of consents walks (see the module
/// docs' size limit).
#[cfg(feature = "try-runtime")]
pub(crate) fn log_size(patients: u64, consents: u64) {
	log::info!(
		target: LOG_TARGET,
		"consent migration in one block: {patients} patients with consents, {consents} consents \
		 (assumed at most about 5,000 patients)"
	);
}

/// What `pre_upgrade` records of the (patient, grantee) pairs over the bound, for
/// `post_upgrade`'s checks.
#[cfg(feature = "try-runtime")]
#[derive(Encode, Decode)]
pub(crate) struct OverBound<AccountId, Balance> {
	/// How many consents go.
	pub dropping: u64,
	/// Each pair over the bound: its consents with their ranks (lower is kept first).
	pub pairs: Vec<Vec<(ConsentId, u8)>>,
	/// Each depositor of a consent that goes: its `ConsentDeposit` hold before, and the
	/// deposits that come back.
	pub holds: Vec<(AccountId, Balance, Balance)>,
}

/// [`OverBound`] of a runtime.
#[cfg(feature = "try-runtime")]
pub(crate) type OverBoundOf<T> = OverBound<<T as frame_system::Config>::AccountId, BalanceOf<T>>;

/// The index building itself, without the version check: use [`MigrateV3ToV4`].
pub struct InnerMigrateV3ToV4<T>(core::marker::PhantomData<T>);

/// The index of one patient: each grantee's consents with their rank (lower is kept first).
type Ranked<T> = BTreeMap<<T as frame_system::Config>::AccountId, Vec<(u8, ConsentId)>>;

impl<T: Config> InnerMigrateV3ToV4<T> {
	/// The rank of a consent when its (patient, grantee) holds more than the bound: denies
	/// that count, then permits that count, then ended consents.
	fn rank(consent: &ConsentOf<T>, now: telemed_primitives::Moment) -> u8 {
		let counts = matches!(
			consent.standing(now),
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

	/// What [`Self::build`] will clean up over the per-grantee bound, from the consents as
	/// `get` gives them (the stored ones, or what a migration before this one makes of them),
	/// for [`Self::check_over_bound`]. `also_going`: deposits another part of the same
	/// migration returns, by depositor.
	#[cfg(feature = "try-runtime")]
	pub(crate) fn over_bound(
		get: impl Fn(&ConsentId) -> Option<ConsentOf<T>>,
		also_going: BTreeMap<T::AccountId, BalanceOf<T>>,
	) -> OverBoundOf<T> {
		let now = T::Time::now();
		let bound = T::MaxConsentsPerGrantee::get() as usize;
		let mut over = OverBound { dropping: 0, pairs: Vec::new(), holds: Vec::new() };
		let mut going = also_going;
		for (patient, ids) in ConsentsOf::<T>::iter() {
			let consents: Vec<(ConsentId, ConsentOf<T>)> = ids
				.iter()
				.filter_map(|id| get(id).filter(|c| c.patient == patient).map(|c| (*id, c)))
				.collect();
			let mut by_grantee: BTreeMap<T::AccountId, Vec<(ConsentId, u8)>> = BTreeMap::new();
			for (id, consent) in consents.iter() {
				by_grantee
					.entry(consent.grantee.clone())
					.or_default()
					.push((*id, Self::rank(consent, now)));
			}
			let (_, dropped) = Self::split(&patient, &ids, now, &get);
			for id in dropped.iter() {
				if let Some((_, consent)) = consents.iter().find(|(c, _)| c == id) {
					let total = going.entry(consent.depositor.clone()).or_default();
					*total = total.saturating_add(consent.deposit);
				}
			}
			over.dropping = over.dropping.saturating_add(dropped.len() as u64);
			over.pairs.extend(by_grantee.into_values().filter(|list| list.len() > bound));
		}
		for (who, going) in going {
			let held = T::Currency::balance_on_hold(&HoldReason::ConsentDeposit.into(), &who);
			over.holds.push((who, held, going));
		}
		over
	}

	/// Checks what [`Self::over_bound`] recorded, once [`Self::build`] has run: no consent of
	/// a pair over the bound went while one of a worse rank stayed, and each depositor's
	/// `ConsentDeposit` hold fell by exactly the deposits that went.
	#[cfg(feature = "try-runtime")]
	pub(crate) fn check_over_bound(
		over: OverBoundOf<T>,
	) -> Result<(), sp_runtime::TryRuntimeError> {
		for pair in over.pairs {
			let (kept, gone): (Vec<_>, Vec<_>) =
				pair.into_iter().partition(|(id, _)| Consents::<T>::contains_key(id));
			let worst_kept = kept.iter().map(|(_, rank)| *rank).max();
			let best_gone = gone.iter().map(|(_, rank)| *rank).min();
			if let (Some(kept), Some(gone)) = (worst_kept, best_gone) {
				ensure!(kept <= gone, "a consent over the bound went before a worse ranked one");
			}
		}
		for (who, held, going) in over.holds {
			let now_held = T::Currency::balance_on_hold(&HoldReason::ConsentDeposit.into(), &who);
			ensure!(
				now_held == held.saturating_sub(going),
				"consent deposits not returned exactly"
			);
		}
		Ok(())
	}
}

impl<T: Config> InnerMigrateV3ToV4<T> {
	/// Builds the index from the consents as they are stored (clearing whatever it held),
	/// cleans up the consents over the per-grantee bound, and prunes their grantees'
	/// envelopes through the index just built. Runs again harmlessly on an exact index (it
	/// rebuilds the same one and cleans up nothing). Version 3's migration calls it before it
	/// prunes (see [`super::v3`]), version 5's to rebuild.
	///
	/// It builds the index as the current code reads it: first the consents of ended
	/// appointments are marked lapsed ([`super::v5::mark_ended_appointments`]), so that a
	/// consent's standing is its own, then each pair's list holds the consents' provisions
	/// (the current layout: version 6's, with each consent's depositor and deposit; version 5's had neither, version 4's held the ids).
	pub fn build() -> Weight {
		let (mut reads, mut writes) = super::v5::mark_ended_appointments::<T>();
		let now = T::Time::now();
		// Nothing on a version 3 chain; whatever is there is rebuilt from the consents.
		let cleared = ConsentsByGrantee::<T>::clear(u32::MAX, None);
		reads = reads.saturating_add(u64::from(cleared.loops));
		writes = writes.saturating_add(u64::from(cleared.backend));

		let patients: Vec<(T::AccountId, BoundedVec<ConsentId, T::MaxConsentsPerPatient>)> =
			ConsentsOf::<T>::iter().collect();
		let mut to_prune: Vec<(T::AccountId, T::AccountId)> = Vec::new();
		// The consents cleaned up that still counted (in force or not yet started).
		let mut counting = 0u64;
		for (patient, ids) in patients {
			// The list; each consent, and again for its provision.
			reads = reads.saturating_add(1).saturating_add(2 * ids.len() as u64);
			let (kept, dropped) = Self::split(&patient, &ids, now, |id| Consents::<T>::get(id));
			for (grantee, list) in kept {
				writes.saturating_inc();
				let provisions: Vec<ProvisionOf<T>> = list
					.iter()
					.filter_map(|id| Consents::<T>::get(id).map(|c| c.provision(*id)))
					.collect();
				// `split` keeps at most `MaxConsentsPerGrantee` per grantee.
				ConsentsByGrantee::<T>::insert(
					&patient,
					&grantee,
					BoundedVec::truncate_from(provisions),
				);
			}
			if dropped.is_empty() {
				continue;
			}
			for id in dropped.iter() {
				let Some(consent) = Consents::<T>::take(id) else { continue };
				// The consent taken; the release reads and writes `Balances::Holds` and
				// `System::Account`.
				reads = reads.saturating_add(3);
				writes = writes.saturating_add(3);
				if Self::rank(&consent, now) < 2 {
					counting.saturating_inc();
				}
				// The deposit was held under this reason by this pallet: all of it comes back.
				let _ = T::Currency::release(
					&HoldReason::ConsentDeposit.into(),
					&consent.depositor,
					consent.deposit,
					Precision::BestEffort,
				);
				Pallet::<T>::deposit_event(Event::ConsentRemoved {
					id: *id,
					depositor: consent.depositor,
					deposit: consent.deposit,
				});
				if consent.decision == Decision::Permit {
					to_prune.push((patient.clone(), consent.grantee));
				}
			}
			writes.saturating_inc();
			ConsentsOf::<T>::mutate(&patient, |list| list.retain(|i| !dropped.contains(i)));
		}

		if counting > 0 {
			log::warn!(
				target: LOG_TARGET,
				"consent v4: {counting} consents that still counted (in force or not yet \
				 started) were over MaxConsentsPerGrantee and were removed"
			);
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
		log_size(ConsentsOf::<T>::iter_keys().count() as u64, consents);
		let over = Self::over_bound(|id| Consents::<T>::get(id), BTreeMap::new());
		Ok((consents, over).encode())
	}

	#[cfg(feature = "try-runtime")]
	fn post_upgrade(state: Vec<u8>) -> Result<(), sp_runtime::TryRuntimeError> {
		let (consents, over): (u64, OverBoundOf<T>) =
			Decode::decode(&mut &state[..]).map_err(|_| "pre_upgrade state undecodable")?;
		ensure!(
			Consents::<T>::iter_keys().count() as u64 == consents.saturating_sub(over.dropping),
			"consents lost or kept"
		);
		Self::check_over_bound(over)?;
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
