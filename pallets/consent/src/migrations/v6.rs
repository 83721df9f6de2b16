//! Storage version 5 to 6: a grant at the per-grantee bound cleans up without a read
//! (issue 15).
//!
//! Each [`Provision`] in the (patient, grantee) index [`ConsentsByGrantee`] now also keeps its
//! consent's depositor and deposit. A grant at [`Config::MaxConsentsPerGrantee`] that cleans up
//! one of the pair's ended consents took the consent (one read) to learn whom to pay back and
//! how much, then read that account's holds and account (two more). It now finds both in the
//! list it reads anyway, and cleans up only a consent whose deposit the signer paid: the
//! signer's holds and account are the ones its own deposit was just taken from. The clean-up
//! adds no read to the grant.
//!
//! The index is rebuilt from the consents by the index builder
//! ([`super::v4::InnerMigrateV3ToV4::build`]), which writes the current layout whatever the
//! index held: on a chain at version 5 it marks nothing lapsed (version 5 did), drops nothing
//! (version 4 bounded every pair) and deposits no event. When the earlier migrations run in
//! the same upgrade, their builds already wrote this layout, and this one rebuilds the same.
//!
//! `post_upgrade` checks that the consents and every patient's list are unchanged, that the
//! index has the same pairs, and `try_state` (each provision equals its consent's).
//!
//! # Size limit: one block
//!
//! As version 4's (see [`super::v4`]): one read and at most one write per consent, and the
//! index rebuilt.

use crate::pallet::*;
#[cfg(feature = "try-runtime")]
use alloc::vec::Vec;
use frame_support::{
	migrations::VersionedMigration, traits::UncheckedOnRuntimeUpgrade, weights::Weight,
};
// The try-runtime checks (`ensure!`, `Decode`).
#[cfg(feature = "try-runtime")]
use frame_support::pallet_prelude::*;

/// The migration itself, without the version check: use [`MigrateV5ToV6`].
pub struct InnerMigrateV5ToV6<T>(core::marker::PhantomData<T>);

/// What `pre_upgrade` keeps: every consent and patient's list, encoded, and the index's
/// number of pairs.
#[cfg(feature = "try-runtime")]
type Snapshot<T> = (
	Vec<(telemed_primitives::ConsentId, ConsentOf<T>)>,
	Vec<(
		<T as frame_system::Config>::AccountId,
		BoundedVec<telemed_primitives::ConsentId, <T as Config>::MaxConsentsPerPatient>,
	)>,
	u64,
);

impl<T: Config> UncheckedOnRuntimeUpgrade for InnerMigrateV5ToV6<T> {
	fn on_runtime_upgrade() -> Weight {
		super::v4::InnerMigrateV3ToV4::<T>::build()
	}

	#[cfg(feature = "try-runtime")]
	fn pre_upgrade() -> Result<Vec<u8>, sp_runtime::TryRuntimeError> {
		let consents: Vec<_> = Consents::<T>::iter().collect();
		let lists: Vec<_> = ConsentsOf::<T>::iter().collect();
		super::v4::log_size(lists.len() as u64, consents.len() as u64);
		// Keys only: the values are in the old layout.
		let pairs = ConsentsByGrantee::<T>::iter_keys().count() as u64;
		let snapshot: Snapshot<T> = (consents, lists, pairs);
		Ok(snapshot.encode())
	}

	#[cfg(feature = "try-runtime")]
	fn post_upgrade(state: Vec<u8>) -> Result<(), sp_runtime::TryRuntimeError> {
		let (mut consents, mut lists, pairs): Snapshot<T> =
			Decode::decode(&mut &state[..]).map_err(|_| "pre_upgrade state undecodable")?;
		let mut after: Vec<_> = Consents::<T>::iter().collect();
		let mut lists_after: Vec<_> = ConsentsOf::<T>::iter().collect();
		// Iteration follows the keys' hashes; compare in one order.
		consents.sort_by_key(|(id, _)| *id);
		after.sort_by_key(|(id, _)| *id);
		ensure!(consents == after, "a consent changed");
		lists.sort_by(|a, b| a.0.encode().cmp(&b.0.encode()));
		lists_after.sort_by(|a, b| a.0.encode().cmp(&b.0.encode()));
		ensure!(lists == lists_after, "a patient's list changed");
		ensure!(ConsentsByGrantee::<T>::iter_keys().count() as u64 == pairs, "index pairs changed");
		Pallet::<T>::do_try_state()
	}
}

/// Keeps each consent's depositor and deposit in its provision in the consent pallet's
/// (patient, grantee) index (see the module docs), once.
pub type MigrateV5ToV6<T> = VersionedMigration<
	5,
	6,
	InnerMigrateV5ToV6<T>,
	crate::Pallet<T>,
	<T as frame_system::Config>::DbWeight,
>;
