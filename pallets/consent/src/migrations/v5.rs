//! Storage version 4 to 5: an access check reads one item of consents and no delegation
//! (issue 15).
//!
//! - The (patient, grantee) index [`ConsentsByGrantee`] keeps, for each consent, what the
//!   access check needs of it ([`Provision`]) instead of its id: the check reads that one item
//!   where it read each of the pair's consents.
//! - A consent a delegate granted no longer needs its delegation read to know whether it still
//!   counts: what the check read is now in the consent. Every active one whose appointment
//!   ended (the delegate removed, or removed and appointed again since the grant) is marked
//!   [`ConsentStatus::Lapsed`], as [`Pallet::remove_delegate`] now does; one whose
//!   appointment is in force has its end brought to the appointment's, if it was later or
//!   open (grants have done so since the appointment's end bounded them). No consent's
//!   standing changes (`post_upgrade` checks each against the rule of version 4), so nothing
//!   is pruned and no event is deposited.
//!
//! Both are done by the index builder ([`super::v4::InnerMigrateV3ToV4::build`], which calls
//! [`mark_ended_appointments`] first and writes provisions): version 3's and version 4's
//! migrations, when they run in the same upgrade, already leave the index in this layout, and
//! this migration rebuilds the same. On a chain at version 4 it rebuilds the index from the
//! consents (the builder clears it first, whatever layout it holds) and cleans up nothing
//! (version 4 bounded every pair).
//!
//! # Size limit: one block
//!
//! As version 4's (see [`super::v4`]): one read and at most one write per consent, and one
//! `Delegates` read per consent a delegate granted, then the index rebuilt.

use crate::{pallet::*, types::*};
use alloc::vec::Vec;
use frame_support::{
	migrations::VersionedMigration, traits::UncheckedOnRuntimeUpgrade, weights::Weight,
};
use sp_runtime::Saturating;
use telemed_primitives::{ConsentId, DelegateScope};
// The try-runtime checks (`ensure!`, `Decode`).
#[cfg(feature = "try-runtime")]
use frame_support::{pallet_prelude::*, traits::Time};

/// Whether `consent` counted at `now` by the rule of storage version 4 and before, which read
/// the delegation of a consent a delegate granted: its own standing, and `Ended` once the
/// appointment in force at the grant (appointed no later) no longer allowed
/// `ManageConsents`. Kept for this migration only.
#[cfg(any(feature = "try-runtime", test))]
pub(crate) fn standing_v4<T: Config>(
	consent: &ConsentOf<T>,
	now: telemed_primitives::Moment,
) -> ConsentStanding {
	let standing = consent.standing(now);
	if consent.granted_by == consent.patient
		|| !matches!(standing, ConsentStanding::InForce | ConsentStanding::NotYetStarted)
	{
		return standing;
	}
	let delegated = Delegates::<T>::get(&consent.patient, &consent.granted_by)
		.is_some_and(|d| consent.granted_under(&d) && d.allows(DelegateScope::ManageConsents, now));
	if delegated {
		standing
	} else {
		ConsentStanding::Ended
	}
}

/// Brings every stored consent a delegate granted to what [`Pallet::remove_delegate`] and
/// grants keep now (see the module docs): an active one whose appointment ended lapses; one
/// whose appointment is in force ends no later than it. Returns the reads and writes. Runs
/// again harmlessly (it changes nothing the second time).
pub fn mark_ended_appointments<T: Config>() -> (u64, u64) {
	let (mut reads, mut writes) = (0u64, 0u64);
	let changed: Vec<(ConsentId, ConsentOf<T>)> = Consents::<T>::iter()
		.filter_map(|(id, mut consent)| {
			reads.saturating_inc();
			if consent.granted_by == consent.patient || consent.status != ConsentStatus::Active {
				return None;
			}
			reads.saturating_inc();
			match Delegates::<T>::get(&consent.patient, &consent.granted_by) {
				Some(d)
					if consent.granted_under(&d)
						&& d.scopes.binary_search(&DelegateScope::ManageConsents).is_ok() =>
				{
					let until = d.until?;
					if consent.end.is_some_and(|end| end <= until) {
						return None;
					}
					consent.end = Some(until);
				},
				_ => consent.status = ConsentStatus::Lapsed,
			}
			Some((id, consent))
		})
		.collect();
	for (id, consent) in changed {
		writes.saturating_inc();
		Consents::<T>::insert(id, consent);
	}
	(reads, writes)
}

/// The migration itself, without the version check: use [`MigrateV4ToV5`].
pub struct InnerMigrateV4ToV5<T>(core::marker::PhantomData<T>);

impl<T: Config> UncheckedOnRuntimeUpgrade for InnerMigrateV4ToV5<T> {
	fn on_runtime_upgrade() -> Weight {
		// Marks the ended appointments' consents, then rebuilds the index of provisions.
		super::v4::InnerMigrateV3ToV4::<T>::build()
	}

	#[cfg(feature = "try-runtime")]
	fn pre_upgrade() -> Result<Vec<u8>, sp_runtime::TryRuntimeError> {
		let now = T::Time::now();
		let standings: Vec<(ConsentId, ConsentStanding)> =
			Consents::<T>::iter().map(|(id, c)| (id, standing_v4::<T>(&c, now))).collect();
		super::v4::log_size(ConsentsOf::<T>::iter_keys().count() as u64, standings.len() as u64);
		Ok(standings.encode())
	}

	#[cfg(feature = "try-runtime")]
	fn post_upgrade(state: Vec<u8>) -> Result<(), sp_runtime::TryRuntimeError> {
		let standings: Vec<(ConsentId, ConsentStanding)> =
			Decode::decode(&mut &state[..]).map_err(|_| "pre_upgrade state undecodable")?;
		let now = T::Time::now();
		ensure!(Consents::<T>::iter_keys().count() == standings.len(), "consents lost or added");
		for (id, before) in standings {
			let consent = Consents::<T>::get(id).ok_or("consent lost")?;
			ensure!(consent.standing(now) == before, "a consent's standing changed");
		}
		Pallet::<T>::do_try_state()
	}
}

/// Keeps provisions in the consent pallet's (patient, grantee) index and marks the consents of
/// ended appointments (see the module docs), once.
pub type MigrateV4ToV5<T> = VersionedMigration<
	4,
	5,
	InnerMigrateV4ToV5<T>,
	crate::Pallet<T>,
	<T as frame_system::Config>::DbWeight,
>;
