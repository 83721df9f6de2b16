//! Storage version 1 to 2: each holder's licences whose status is `Active` summarised in
//! [`ActiveLicences`] (issue 15), so that "is `who` licensed" reads the summary and one
//! authority instead of every licence. Built from every holder's licence list; anything
//! already there is cleared first (nothing on a version 1 chain). No other item changes.
//!
//! Register it BEFORE the consent pallet's migrations: their pruning asks whether grantees
//! are licensed, which reads the summary (see [`crate::migrations`]).
//!
//! # Size limit: one block
//!
//! The migration runs whole in the upgrade's first block: for each holder it reads the
//! licence list and up to `MaxLicencesPerPractitioner` licences and writes one summary, about
//! 200 µs of weight at ParityDB's prices, in the same block as the other pallets'
//! migrations. The chain is assumed to hold at most about 2,000 licence holders (a
//! development or test network); `pre_upgrade` logs the number of holders and licences.
//! Before a larger deployment this must become a multi-block migration (`pallet-migrations`,
//! `SteppedMigration` with the last holder as its cursor).

use crate::pallet::*;
use alloc::vec::Vec;
use frame_support::{
	migrations::VersionedMigration,
	traits::{Get, UncheckedOnRuntimeUpgrade},
	weights::Weight,
	BoundedVec,
};
use sp_runtime::Saturating;
// The try-runtime checks (`ensure!`, `Decode`).
#[cfg(feature = "try-runtime")]
use frame_support::pallet_prelude::*;

/// The summary building itself, without the version check: use [`MigrateV1ToV2`].
pub struct InnerMigrateV1ToV2<T>(core::marker::PhantomData<T>);

impl<T: Config> UncheckedOnRuntimeUpgrade for InnerMigrateV1ToV2<T> {
	fn on_runtime_upgrade() -> Weight {
		let mut reads = 0u64;
		let mut writes = 0u64;
		let cleared = ActiveLicences::<T>::clear(u32::MAX, None);
		reads = reads.saturating_add(u64::from(cleared.loops));
		writes = writes.saturating_add(u64::from(cleared.backend));
		let holders: Vec<T::AccountId> = LicencesOf::<T>::iter_keys().collect();
		for holder in holders {
			reads = reads
				.saturating_add(1)
				.saturating_add(u64::from(T::MaxLicencesPerPractitioner::get()));
			let active = Pallet::<T>::active_licences_computed(&holder);
			if !active.is_empty() {
				writes.saturating_inc();
				// As many entries as the holder's licences, whose list has the same bound.
				ActiveLicences::<T>::insert(&holder, BoundedVec::truncate_from(active));
			}
		}
		T::DbWeight::get().reads_writes(reads, writes)
	}

	#[cfg(feature = "try-runtime")]
	fn pre_upgrade() -> Result<Vec<u8>, sp_runtime::TryRuntimeError> {
		log::info!(
			target: "runtime::practitioners",
			"practitioners migration in one block: {} licence holders, {} licences (assumed at \
			 most about 2,000 holders)",
			LicencesOf::<T>::iter_keys().count(),
			Licences::<T>::iter_keys().count()
		);
		let active = Licences::<T>::iter_values()
			.filter(|l| l.status == crate::LicenceStatus::Active)
			.count() as u64;
		Ok(active.encode())
	}

	#[cfg(feature = "try-runtime")]
	fn post_upgrade(state: Vec<u8>) -> Result<(), sp_runtime::TryRuntimeError> {
		let active: u64 =
			Decode::decode(&mut &state[..]).map_err(|_| "pre_upgrade state undecodable")?;
		let summarised: u64 = ActiveLicences::<T>::iter_values().map(|l| l.len() as u64).sum();
		ensure!(summarised == active, "active licences lost or added");
		// Its own invariant only: later versions' (the table of accreditations of version 3)
		// hold only once their migrations have run, after this one.
		Pallet::<T>::do_try_state_summaries()
	}
}

/// Builds the practitioners pallet's summaries of active licences (see the module docs),
/// once.
pub type MigrateV1ToV2<T> = VersionedMigration<
	1,
	2,
	InnerMigrateV1ToV2<T>,
	crate::Pallet<T>,
	<T as frame_system::Config>::DbWeight,
>;
