//! Storage version 2 to 3: what licence lookups need of every accredited authority (when it
//! was accredited, where it may license) kept in one table, [`Accreditations`] (issue 15), so
//! that "is `who` licensed" reads the holder's summary and that table, two items, instead of
//! one authority per candidate licence (up to `MaxLicencesPerPractitioner`). Built from
//! [`Authorities`]; no other item changes.
//!
//! Register it, like version 2, BEFORE the consent pallet's migrations (see
//! [`crate::migrations`]): until it has run the table is empty, so nobody is licensed.
//!
//! # Size limit
//!
//! It reads every authority once and writes one value, in the upgrade's first block. A chain
//! with more than `MaxAuthorities` accredited authorities cannot take this version: the
//! migration then keeps the table empty and `pre_upgrade` refuses the upgrade; governance must
//! withdraw authorities first.

use crate::pallet::*;
use frame_support::{
	migrations::VersionedMigration,
	traits::{Get, UncheckedOnRuntimeUpgrade},
	weights::Weight,
	BoundedVec,
};
// The try-runtime checks (`ensure!`, `Decode`, the state passed between them).
#[cfg(feature = "try-runtime")]
use {alloc::vec::Vec, frame_support::pallet_prelude::*};

/// The table's building itself, without the version check: use [`MigrateV2ToV3`].
pub struct InnerMigrateV2ToV3<T>(core::marker::PhantomData<T>);

impl<T: Config> UncheckedOnRuntimeUpgrade for InnerMigrateV2ToV3<T> {
	fn on_runtime_upgrade() -> Weight {
		let table = Pallet::<T>::accreditations_computed();
		let reads = table.len() as u64;
		match BoundedVec::<_, T::MaxAuthorities>::try_from(table) {
			Ok(table) => Accreditations::<T>::put(table),
			Err(_) => log::error!(
				target: "runtime::practitioners",
				"more than MaxAuthorities authorities: the table of accreditations is left empty"
			),
		}
		T::DbWeight::get().reads_writes(reads, 1)
	}

	#[cfg(feature = "try-runtime")]
	fn pre_upgrade() -> Result<Vec<u8>, sp_runtime::TryRuntimeError> {
		let authorities = Authorities::<T>::iter_keys().count() as u32;
		ensure!(
			authorities <= T::MaxAuthorities::get(),
			"more authorities accredited than MaxAuthorities: withdraw some first"
		);
		Ok(authorities.encode())
	}

	#[cfg(feature = "try-runtime")]
	fn post_upgrade(state: Vec<u8>) -> Result<(), sp_runtime::TryRuntimeError> {
		let authorities: u32 =
			Decode::decode(&mut &state[..]).map_err(|_| "pre_upgrade state undecodable")?;
		ensure!(
			Accreditations::<T>::decode_len().unwrap_or(0) as u32 == authorities,
			"authorities lost or added"
		);
		Pallet::<T>::do_try_state()
	}
}

/// Builds the practitioners pallet's table of accreditations (see the module docs), once.
pub type MigrateV2ToV3<T> = VersionedMigration<
	2,
	3,
	InnerMigrateV2ToV3<T>,
	crate::Pallet<T>,
	<T as frame_system::Config>::DbWeight,
>;
