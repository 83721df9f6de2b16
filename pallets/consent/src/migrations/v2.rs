//! Storage version 1 to 2.
//!
//! - `Consents`: every consent gains `granted_by`, who signed it. In version 1 the signer
//!   always paid the deposit (`do_grant` held it from the signer), so `granted_by` is the
//!   stored `depositor`: the patient, or the delegate who granted it. A consent a delegate
//!   granted thus ends with that delegation, like one granted after the upgrade. (Setting it
//!   to the patient would keep such consents, a delegate's grant to itself included, forever.)
//! - `Consents`: a record scope held the version ids it was granted with; it now holds stable
//!   record identities (the id of each record's first version). Each stored id is resolved
//!   through [`Config::Records`] (`record_subject(v).record`); an id that no longer resolves
//!   (shredded, unknown) is kept as it was. The list is sorted and de-duplicated again. This
//!   changes the meaning of the stored values, not their layout.
//! - `PendingReviews`: re-keyed from the patient to (patient, practitioner), each pending
//!   access filed under the practitioner who opened it; ids of accesses that no longer exist
//!   are dropped.
//!
//! It reads and writes the version 2 layout ([`crate::migrations::v3::v2`]: category scopes,
//! coded emergency reasons), so that a chain at version 1 runs it and then
//! [`crate::migrations::v3::MigrateV2ToV3`] in the same upgrade.

use crate::{
	migrations::old::v2::{self as v2, ConsentScope},
	pallet::*,
};
use alloc::vec::Vec;
use frame_support::{
	migrations::VersionedMigration,
	pallet_prelude::*,
	traits::{Get, UncheckedOnRuntimeUpgrade},
	weights::Weight,
};
use sp_runtime::Saturating;
use telemed_primitives::RecordInspector;

/// The version 1 types and storage, defined once in [`super::old`].
pub use super::old::v1;

/// The translation itself, without the version check: use [`MigrateV1ToV2`].
pub struct InnerMigrateV1ToV2<T>(core::marker::PhantomData<T>);

impl<T: Config> InnerMigrateV1ToV2<T> {
	/// A version 1 scope with stable record identities instead of version ids, and how many
	/// records it resolved.
	fn stable_scope(
		scope: ConsentScope<T::MaxScopeItems>,
	) -> (ConsentScope<T::MaxScopeItems>, u64) {
		match scope {
			ConsentScope::Records(versions) => {
				let resolved = versions.len() as u64;
				let mut records: Vec<_> = versions
					.into_iter()
					.map(|v| T::Records::record_subject(v).map_or(v, |s| s.record))
					.collect();
				records.sort();
				records.dedup();
				// No longer than before: the conversion cannot fail.
				(ConsentScope::Records(BoundedVec::truncate_from(records)), resolved)
			},
			other => (other, 0),
		}
	}
}

impl<T: Config> UncheckedOnRuntimeUpgrade for InnerMigrateV1ToV2<T> {
	fn on_runtime_upgrade() -> Weight {
		let mut reads = 0u64;
		let mut writes = 0u64;
		// A record lookup walks the record's version chain: charged 16 reads, the runtime's
		// `MaxVersions` (the chain's bound is the records pallet's, unknown here).
		const READS_PER_LOOKUP: u64 = 16;

		v2::Consents::<T>::translate::<v1::ConsentOf<T>, _>(|_, old| {
			reads.saturating_inc();
			writes.saturating_inc();
			let (scope, lookups) = Self::stable_scope(old.scope);
			reads = reads.saturating_add(lookups.saturating_mul(READS_PER_LOOKUP));
			Some(v2::Consent {
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
				granted_by: old.depositor.clone(),
				depositor: old.depositor,
				deposit: old.deposit,
				granted_at: old.granted_at,
			})
		});

		// Collected before writing anything: the old and new maps share the storage prefix.
		let old_pending: Vec<_> = v1::PendingReviews::<T>::drain().collect();
		for (patient, ids) in old_pending {
			reads.saturating_inc();
			writes.saturating_inc();
			for id in ids {
				reads.saturating_inc();
				let Some(access) = v2::EmergencyAccesses::<T>::get(id) else { continue };
				writes.saturating_inc();
				// At most `MaxPendingReviews` per patient before, so at most that per
				// (patient, practitioner) now: the push cannot fail.
				PendingReviews::<T>::mutate(&patient, &access.practitioner, |list| {
					let _ = list.try_push(id);
				});
			}
		}

		T::DbWeight::get().reads_writes(reads, writes)
	}

	#[cfg(feature = "try-runtime")]
	fn pre_upgrade() -> Result<Vec<u8>, sp_runtime::TryRuntimeError> {
		let consents = v2::Consents::<T>::iter_keys().count() as u64;
		let pending: u64 = v1::PendingReviews::<T>::iter_values().map(|ids| ids.len() as u64).sum();
		Ok((consents, pending).encode())
	}

	#[cfg(feature = "try-runtime")]
	fn post_upgrade(state: Vec<u8>) -> Result<(), sp_runtime::TryRuntimeError> {
		let (consents, pending): (u64, u64) =
			Decode::decode(&mut &state[..]).map_err(|_| "pre_upgrade state undecodable")?;
		let mut count = 0u64;
		for (_, consent) in v2::Consents::<T>::iter() {
			count += 1;
			ensure!(consent.granted_by == consent.depositor, "granted_by is not the signer");
		}
		ensure!(count == consents, "consents lost");
		let now: u64 = PendingReviews::<T>::iter_values().map(|ids| ids.len() as u64).sum();
		ensure!(now <= pending, "pending reviews appeared");
		for (patient, practitioner, ids) in PendingReviews::<T>::iter() {
			for id in ids {
				let access = v2::EmergencyAccesses::<T>::get(id).ok_or("pending access missing")?;
				ensure!(
					access.patient == patient && access.practitioner == practitioner,
					"pending access filed under someone else"
				);
			}
		}
		Ok(())
	}
}

/// Migrates the consent pallet's storage from version 1 to 2 (see the module docs), once.
pub type MigrateV1ToV2<T> = VersionedMigration<
	1,
	2,
	InnerMigrateV1ToV2<T>,
	crate::Pallet<T>,
	<T as frame_system::Config>::DbWeight,
>;
