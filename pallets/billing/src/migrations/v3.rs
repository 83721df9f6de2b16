//! Storage version 2 to 3: no free text about care in state.
//!
//! - `Services`: a service's description, free text of up to `MaxDescriptionLen` bytes, becomes
//!   `blake2_256(text)`, the hash a client computes from the text it keeps off chain (the
//!   practitioner's clients keep the text; the chain forgets it). The text itself is gone from
//!   the current state; it stays, as everything does, in the history of older blocks.
//!
//! Nothing else changes: consultations keep their service code (public by design), events of
//! earlier blocks are not rewritten. Money does not move.

use crate::pallet::{BalanceOf, Config, Pallet, Services};
use crate::types::Service;
use alloc::vec::Vec;
use codec::{Decode, Encode};
use frame_support::{
	migrations::VersionedMigration,
	pallet_prelude::*,
	traits::{Get, UncheckedOnRuntimeUpgrade},
};
use sp_runtime::Saturating;

/// The types of storage version 2.
pub mod v2 {
	use super::*;

	/// A service of version 2: its description in clear. The description is decoded as an
	/// unbounded `Vec` (the same encoding as the bounded vector it was), so that no value is
	/// lost to a bound the runtime's configuration no longer names.
	#[derive(Clone, PartialEq, Eq, Encode, Decode, TypeInfo, Debug)]
	pub struct OldService<Balance> {
		/// What the service is, in clear.
		pub description: Vec<u8>,
		/// Its price.
		pub price: Balance,
		/// How long a visit lasts, in milliseconds.
		pub duration: telemed_primitives::Moment,
		/// The deposit held from the practitioner for the entry.
		pub deposit: Balance,
	}

	/// A service of version 2 as stored.
	pub type OldServiceOf<T> = OldService<BalanceOf<T>>;
}

use v2::OldServiceOf;

/// The hash a service's description of version 2 becomes: `blake2_256(text)`, as clients
/// compute it.
pub fn description_hash(text: &[u8]) -> telemed_primitives::Hash256 {
	use sp_runtime::traits::{BlakeTwo256, Hash};
	BlakeTwo256::hash(text).0
}

/// Translates storage version 2 to 3; run through [`MigrateV2ToV3`].
pub struct InnerMigrateV2ToV3<T>(core::marker::PhantomData<T>);

impl<T: Config> UncheckedOnRuntimeUpgrade for InnerMigrateV2ToV3<T> {
	fn on_runtime_upgrade() -> Weight {
		let mut count = 0u64;
		Services::<T>::translate::<OldServiceOf<T>, _>(|_, _, old| {
			count.saturating_inc();
			Some(Service {
				description: description_hash(&old.description),
				price: old.price,
				duration: old.duration,
				deposit: old.deposit,
			})
		});
		T::DbWeight::get().reads_writes(count, count)
	}

	#[cfg(feature = "try-runtime")]
	fn pre_upgrade() -> Result<Vec<u8>, sp_runtime::TryRuntimeError> {
		// The hash every service's description must become, in iteration order (the keys do
		// not change, so neither does the order).
		let expected: Vec<telemed_primitives::Hash256> = Services::<T>::iter_keys()
			.map(|(practitioner, code)| {
				let raw = Services::<T>::hashed_key_for(&practitioner, &code);
				let old = frame_support::storage::unhashed::get::<OldServiceOf<T>>(&raw)
					.ok_or("a version 2 service decodes")?;
				Ok(description_hash(&old.description))
			})
			.collect::<Result<_, sp_runtime::TryRuntimeError>>()?;
		Ok(expected.encode())
	}

	#[cfg(feature = "try-runtime")]
	fn post_upgrade(state: Vec<u8>) -> Result<(), sp_runtime::TryRuntimeError> {
		let expected: Vec<telemed_primitives::Hash256> =
			Decode::decode(&mut &state[..]).map_err(|_| "pre_upgrade state")?;
		let now: Vec<_> = Services::<T>::iter_values().map(|s| s.description).collect();
		ensure!(now == expected, "every description became the hash of its text");
		Pallet::<T>::do_try_state()
	}
}

/// Storage version 2 to 3, run once: `pallet_billing::migrations::v3::MigrateV2ToV3<Runtime>`.
pub type MigrateV2ToV3<T> = VersionedMigration<
	2,
	3,
	InnerMigrateV2ToV3<T>,
	Pallet<T>,
	<T as frame_system::Config>::DbWeight,
>;

#[cfg(test)]
mod tests {
	use super::{v2::*, *};
	use crate::{mock::*, ServiceCode, ServiceCount};
	use frame_support::{
		assert_ok, storage_alias,
		traits::{fungible::MutateHold, OnRuntimeUpgrade, StorageVersion},
		Blake2_128Concat,
	};

	#[storage_alias]
	type Services<T: Config> = StorageDoubleMap<
		crate::Pallet<T>,
		Blake2_128Concat,
		<T as frame_system::Config>::AccountId,
		Blake2_128Concat,
		ServiceCode,
		OldServiceOf<T>,
	>;

	fn old(description: &[u8], price: Balance) -> OldServiceOf<Test> {
		OldService { description: description.to_vec(), price, duration: HOUR, deposit: 5 }
	}

	/// Version 2 services — a described one, one with an empty description, one longer than
	/// any bound a runtime set — keep everything but their text, which becomes its hash.
	#[test]
	fn v2_descriptions_become_their_hashes() {
		new_test_ext().execute_with(|| {
			StorageVersion::new(2).put::<crate::Pallet<Test>>();
			let long = [b'x'; 300];
			Services::<Test>::insert(DOC, code(VIDEO), old(b"Video consultation", VIDEO_PRICE));
			Services::<Test>::insert(DOC, code(FOLLOW_UP), old(b"", 400));
			// The nurse's entry and its deposit, as version 2 kept them.
			assert_ok!(Balances::hold(&crate::HoldReason::ServiceDeposit.into(), &NURSE, 5));
			ServiceCount::<Test>::insert(NURSE, 1);
			Services::<Test>::insert(NURSE, code(b"90834"), old(&long, 300));

			MigrateV2ToV3::<Test>::on_runtime_upgrade();

			assert_eq!(StorageVersion::get::<crate::Pallet<Test>>(), 3);
			let new = |who, c: &[u8]| crate::Services::<Test>::get(who, code(c)).expect("kept");
			let video = new(DOC, VIDEO);
			assert_eq!(video.description, sp_io::hashing::blake2_256(b"Video consultation"));
			assert_eq!(video.description, description(b"Video consultation"), "as clients hash");
			assert_eq!((video.price, video.duration, video.deposit), (VIDEO_PRICE, HOUR, 5));
			assert_eq!(new(DOC, FOLLOW_UP).description, sp_io::hashing::blake2_256(b""));
			assert_eq!(new(DOC, FOLLOW_UP).price, 400);
			let long_one = new(NURSE, b"90834");
			assert_eq!(long_one.description, sp_io::hashing::blake2_256(&long));
			assert_eq!((long_one.price, long_one.deposit), (300, 5));
			assert_eq!(crate::Services::<Test>::iter().count(), 3, "no entry lost or added");
			crate::Pallet::<Test>::do_try_state().expect("invariants after the migration");

			// Run twice: the versioned migration does nothing the second time (hashing the
			// hash would lose the link to the text).
			MigrateV2ToV3::<Test>::on_runtime_upgrade();
			assert_eq!(new(DOC, VIDEO).description, description(b"Video consultation"));
		});
	}

	/// With try-runtime: the checks before and after the upgrade pass on real version 2 state
	/// (every description became the hash of its own text; the invariants hold).
	#[cfg(feature = "try-runtime")]
	#[test]
	fn the_upgrade_checks_pass() {
		new_test_ext().execute_with(|| {
			StorageVersion::new(2).put::<crate::Pallet<Test>>();
			Services::<Test>::insert(DOC, code(VIDEO), old(b"Video consultation", VIDEO_PRICE));
			Services::<Test>::insert(DOC, code(FOLLOW_UP), old(b"Follow-up", 400));
			assert_ok!(MigrateV2ToV3::<Test>::try_on_runtime_upgrade(true));
			assert_eq!(StorageVersion::get::<crate::Pallet<Test>>(), 3);
		});
	}

	/// At storage version 3 already (a fresh chain), the migration reads and writes nothing.
	#[test]
	fn the_migration_leaves_version_3_state_alone() {
		new_test_ext().execute_with(|| {
			StorageVersion::new(3).put::<crate::Pallet<Test>>();
			let before: alloc::vec::Vec<_> = crate::Services::<Test>::iter().collect();
			let weight = MigrateV2ToV3::<Test>::on_runtime_upgrade();
			assert_eq!(crate::Services::<Test>::iter().collect::<alloc::vec::Vec<_>>(), before);
			let db: frame_support::weights::RuntimeDbWeight =
				<Test as frame_system::Config>::DbWeight::get();
			assert_eq!(weight, db.reads(1));
		});
	}
}
