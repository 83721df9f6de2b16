//! Storage version 2 to 3: no health words in state (issue 13).
//!
//! - `Consents`: a scope of data categories becomes impossible (scopes name blinded tags,
//!   which only the patient's tag key can compute, so the chain cannot turn a category into
//!   the patient's tag). A PERMIT with a category scope therefore ends: it is removed as if
//!   revoked and cleaned up at the upgrade (taken off its patient's list, its deposit back to
//!   whoever paid it); the patient grants a tag-scoped permit again if they wish. A DENY with a
//!   category scope becomes a deny of ALL data: a patient's deny is never weakened. Other
//!   scopes (all data, records) are kept as they are.
//! - `EmergencyAccesses`: the coded reason is dropped (the hashed statement keeps it off
//!   chain).
//! - `DisclosureRing`: an entry naming a record becomes `DisclosedData::Record(id)`; one naming
//!   only a category, or nothing (break-glass), becomes `DisclosedData::AllData`. The log no
//!   longer says which category was disclosed; the events of the past still do (events cannot
//!   be rewritten).
//!
//! Last, the grantee of each permit that ended, and of each deny widened to all data, has
//! its envelopes of the patient pruned
//! ([`Config::Envelopes`], as `revoke_consent` does), once every consent item is in the
//! version 3 layout. Register the records pallet's migration to version 3 BEFORE this one: the
//! records pallet finds envelopes by (patient, grantee) only once its own migration has built
//! that index, so run in the other order the pruning finds nothing (and harms nothing).
//!
//! The pruning keeps an envelope only if [`Pallet::check_access`] still allows it, and that
//! check reads the (patient, grantee) index [`ConsentsByGrantee`] (storage version 4). So,
//! before it prunes, this migration builds the index with version 4's builder
//! ([`super::v4::InnerMigrateV3ToV4::build`], which also cleans up the consents over the
//! per-grantee bound); version 4 then rebuilds the same index. Without it the check would
//! find no consent and prune every envelope of those grantees, even ones another permit
//! still covers. The check also asks the registry whether a practitioner is licensed, which
//! the practitioners pallet answers from its summary of active licences (its storage version
//! 2): register `pallet_practitioners::migrations::v2::MigrateV1ToV2` BEFORE this one.

use crate::{pallet::*, types::*};
use alloc::vec::Vec;
use frame_support::{
	migrations::VersionedMigration,
	traits::{fungible::MutateHold, tokens::Precision, Get, UncheckedOnRuntimeUpgrade},
	weights::Weight,
};
use sp_runtime::Saturating;
use telemed_primitives::{DisclosedData, Disclosure, EnvelopeKeeper};
// The try-runtime checks (`ensure!`, `Decode`).
#[cfg(feature = "try-runtime")]
use frame_support::pallet_prelude::*;

/// The version 2 types and storage (version 1's too, where they are the same), defined once
/// in [`super::old`].
pub use super::old::v2;

/// The translation itself, without the version check: use [`MigrateV2ToV3`].
pub struct InnerMigrateV2ToV3<T>(core::marker::PhantomData<T>);

impl<T: Config> InnerMigrateV2ToV3<T> {
	/// A version 2 scope as version 3 stores it, or `None` for a scope of categories.
	fn scope(scope: v2::ConsentScope<T::MaxScopeItems>) -> Option<ConsentScope<T::MaxScopeItems>> {
		match scope {
			v2::ConsentScope::AllData => Some(ConsentScope::AllData),
			v2::ConsentScope::Records(records) => Some(ConsentScope::Records(records)),
			v2::ConsentScope::Categories(_) => None,
		}
	}

	/// Whether a version 2 consent ends at the upgrade: a permit of categories.
	fn ends(old: &v2::ConsentOf<T>) -> bool {
		old.decision == Decision::Permit && matches!(old.scope, v2::ConsentScope::Categories(_))
	}

	/// A version 2 consent as version 3 stores it, or `None` if it ends (see [`Self::ends`]).
	/// A deny of categories becomes a deny of all data.
	fn translate(old: v2::ConsentOf<T>) -> Option<ConsentOf<T>> {
		if Self::ends(&old) {
			return None;
		}
		let scope = Self::scope(old.scope).unwrap_or(ConsentScope::AllData);
		Some(Consent {
			patient: old.patient,
			grantee: old.grantee,
			grantee_kind: old.grantee_kind,
			decision: old.decision,
			actions: old.actions,
			scope,
			purposes: old.purposes,
			start: old.start,
			end: old.end,
			status: old.status,
			granted_by: old.granted_by,
			depositor: old.depositor,
			deposit: old.deposit,
			granted_at: old.granted_at,
		})
	}
}

impl<T: Config> UncheckedOnRuntimeUpgrade for InnerMigrateV2ToV3<T> {
	fn on_runtime_upgrade() -> Weight {
		let mut reads = 0u64;
		let mut writes = 0u64;

		// Consents. The permits that end are collected and cleaned up after the translation.
		let mut ended: Vec<(
			telemed_primitives::ConsentId,
			T::AccountId,
			T::AccountId,
			T::AccountId,
			BalanceOf<T>,
		)> = Vec::new();
		// The grantees whose access narrowed: of the permits that end, of the denies widened.
		let mut to_prune: Vec<(T::AccountId, T::AccountId)> = Vec::new();
		Consents::<T>::translate::<v2::ConsentOf<T>, _>(|id, old| {
			reads.saturating_inc();
			writes.saturating_inc();
			if Self::ends(&old) {
				ended.push((id, old.patient, old.grantee, old.depositor, old.deposit));
				return None;
			}
			if matches!(old.scope, v2::ConsentScope::Categories(_)) {
				to_prune.push((old.patient.clone(), old.grantee.clone()));
			}
			Self::translate(old)
		});
		for (id, patient, grantee, depositor, deposit) in ended {
			reads = reads.saturating_add(2);
			writes = writes.saturating_add(3);
			ConsentsOf::<T>::mutate_exists(&patient, |ids| {
				if let Some(list) = ids {
					list.retain(|i| *i != id);
					if list.is_empty() {
						*ids = None;
					}
				}
			});
			// The deposit was held under this reason by this pallet: all of it comes back.
			let _ = T::Currency::release(
				&HoldReason::ConsentDeposit.into(),
				&depositor,
				deposit,
				Precision::BestEffort,
			);
			to_prune.push((patient, grantee));
		}

		EmergencyAccesses::<T>::translate::<v2::EmergencyAccessOf<T>, _>(|_, old| {
			reads.saturating_inc();
			writes.saturating_inc();
			Some(EmergencyAccess {
				practitioner: old.practitioner,
				patient: old.patient,
				statement: old.statement,
				opened_at: old.opened_at,
				expires_at: old.expires_at,
				closed_at: old.closed_at,
				deposit: old.deposit,
				review: old.review,
			})
		});

		DisclosureRing::<T>::translate::<v2::Disclosure<T::AccountId>, _>(|_, _, old| {
			reads.saturating_inc();
			writes.saturating_inc();
			let data = match old.record {
				Some(version) => DisclosedData::Record(version),
				None => DisclosedData::AllData,
			};
			Some(Disclosure {
				accessor: old.accessor,
				patient: old.patient,
				data,
				action: old.action,
				purpose: old.purpose,
				basis: old.basis,
				at: old.at,
			})
		});

		// The access checks of the pruning below read the (patient, grantee) index: build it
		// now, from the version 3 consents (version 4's builder; version 4 rebuilds the same).
		let indexed = super::v4::InnerMigrateV3ToV4::<T>::build();

		// The grantees of the permits that ended lose the envelopes they may no longer read,
		// now that the consent pallet's state is all version 3 and indexed.
		to_prune.sort();
		to_prune.dedup();
		let mut pruned = Weight::zero();
		for (patient, grantee) in to_prune {
			pruned = pruned.saturating_add(T::Envelopes::prune_envelopes(&patient, &grantee));
		}

		T::DbWeight::get()
			.reads_writes(reads, writes)
			.saturating_add(indexed)
			.saturating_add(pruned)
	}

	#[cfg(feature = "try-runtime")]
	fn pre_upgrade() -> Result<Vec<u8>, sp_runtime::TryRuntimeError> {
		let mut consents = 0u64;
		let mut ending = 0u64;
		// The deposits of the permits that end, by depositor.
		let mut returned: alloc::collections::btree_map::BTreeMap<T::AccountId, BalanceOf<T>> =
			Default::default();
		for (_, consent) in v2::Consents::<T>::iter() {
			consents += 1;
			if Self::ends(&consent) {
				ending += 1;
				let total = returned.entry(consent.depositor.clone()).or_default();
				*total = total.saturating_add(consent.deposit);
			}
		}
		super::v4::log_size(ConsentsOf::<T>::iter_keys().count() as u64, consents);
		// What the index building cleans up over the per-grantee bound, from the consents as
		// the translation will leave them.
		let over = super::v4::InnerMigrateV3ToV4::<T>::over_bound(
			|id| v2::Consents::<T>::get(id).and_then(Self::translate),
			returned,
		);
		let accesses = v2::EmergencyAccesses::<T>::iter_keys().count() as u64;
		let disclosures = v2::DisclosureRing::<T>::iter_keys().count() as u64;
		Ok((consents, ending, over, accesses, disclosures).encode())
	}

	#[cfg(feature = "try-runtime")]
	fn post_upgrade(state: Vec<u8>) -> Result<(), sp_runtime::TryRuntimeError> {
		let (consents, ending, over, accesses, disclosures): (
			u64,
			u64,
			super::v4::OverBoundOf<T>,
			u64,
			u64,
		) = Decode::decode(&mut &state[..]).map_err(|_| "pre_upgrade state undecodable")?;
		let going = ending.saturating_add(over.dropping);
		ensure!(
			Consents::<T>::iter_values().count() as u64 == consents.saturating_sub(going),
			"consents lost or kept"
		);
		super::v4::InnerMigrateV3ToV4::<T>::check_over_bound(over)?;
		ensure!(
			EmergencyAccesses::<T>::iter_values().count() as u64 == accesses,
			"emergency accesses lost"
		);
		ensure!(
			DisclosureRing::<T>::iter_values().count() as u64 == disclosures,
			"disclosures lost"
		);
		// The (patient, grantee) index is built too, before the pruning.
		Pallet::<T>::do_try_state()
	}
}

/// Migrates the consent pallet's storage from version 2 to 3 (see the module docs), once.
pub type MigrateV2ToV3<T> = VersionedMigration<
	2,
	3,
	InnerMigrateV2ToV3<T>,
	crate::Pallet<T>,
	<T as frame_system::Config>::DbWeight,
>;
