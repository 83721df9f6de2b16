//! Storage version 1 to 2: each open prescription version keeps `ciphertext_hash`, the
//! `blake2_256` of its encrypted content, so that a gateway serves that blob to the patient and
//! the prescriber and no other blob under the prescription's id.
//!
//! Version 1 kept no such hash and the chain cannot compute one (it never sees the ciphertext):
//! every open version becomes `ciphertext_hash: None` with everything else unchanged. No
//! gateway serves their blobs; the patient reads them where the sealed locator says, and an
//! amendment by the prescriber (same content, same fills) gives a version with the hash. The
//! other items (indexes, counts, revoked prescribers, the next id) do not change, nor do holds.
//!
//! # Size limit: one block
//!
//! One read and one write per open prescription, in the upgrade's first block; at most
//! `MaxPrescriptionsPerPatient` per patient. `pre_upgrade` logs the count. The chain is assumed
//! to hold at most a few thousand open prescriptions (a development or test network); a larger
//! deployment needs a multi-block migration.

use crate::pallet::{BalanceOf, Config, Pallet, Prescriptions};
use crate::types::Prescription;
use alloc::vec::Vec;
use codec::{Decode, Encode};
use frame_support::{
	migrations::VersionedMigration,
	pallet_prelude::*,
	traits::{Get, UncheckedOnRuntimeUpgrade},
};
use sp_runtime::Saturating;
use telemed_primitives::{Hash256, Moment, PrescriptionId};

/// The types of storage version 1.
pub mod v1 {
	use super::*;

	/// A prescription version of storage version 1: no ciphertext hash. The vectors are decoded
	/// unbounded (the same encoding as the bounded vectors they were), so that no value is lost
	/// to a bound the runtime's configuration no longer names; the migration bounds them again.
	#[derive(Clone, PartialEq, Eq, Encode, Decode, TypeInfo, Debug)]
	pub struct OldPrescription<AccountId, Balance> {
		/// For whom.
		pub patient: AccountId,
		/// Who prescribed it.
		pub prescriber: AccountId,
		/// Salted commitment to the content.
		pub commitment: Hash256,
		/// The sealed locator.
		pub locator: Vec<u8>,
		/// Fills allowed over every version.
		pub fills_allowed: u32,
		/// Fills made over every version.
		pub fills_used: u32,
		/// Fills made under earlier versions.
		pub carried: u32,
		/// The secret hashes of this version's fills.
		pub dispense_hashes: Vec<Hash256>,
		/// The secret hashes presented.
		pub spent: Vec<Hash256>,
		/// A controlled substance.
		pub controlled: bool,
		/// When this version was issued.
		pub issued_at: Moment,
		/// When it expires.
		pub expires_at: Moment,
		/// When the latest fill was made.
		pub last_fill_at: Option<Moment>,
		/// The version it superseded.
		pub previous: Option<PrescriptionId>,
		/// The deposit held.
		pub deposit: Balance,
	}

	/// A prescription version of storage version 1 as stored.
	pub type OldPrescriptionOf<T> =
		OldPrescription<<T as frame_system::Config>::AccountId, BalanceOf<T>>;
}

use v1::OldPrescriptionOf;

/// Translates storage version 1 to 2; run through [`MigrateV1ToV2`].
pub struct InnerMigrateV1ToV2<T>(core::marker::PhantomData<T>);

impl<T: Config> UncheckedOnRuntimeUpgrade for InnerMigrateV1ToV2<T> {
	fn on_runtime_upgrade() -> Weight {
		let mut count = 0u64;
		Prescriptions::<T>::translate::<OldPrescriptionOf<T>, _>(|_, old| {
			count.saturating_inc();
			// The bounds are the ones version 1 stored under; a value past them (a runtime that
			// lowered a bound in between) keeps its prefix rather than vanish, and `try_state`
			// reports it.
			let (locator, dispense_hashes, spent) = (
				BoundedVec::truncate_from(old.locator),
				BoundedVec::truncate_from(old.dispense_hashes),
				BoundedVec::truncate_from(old.spent),
			);
			Some(Prescription {
				patient: old.patient,
				prescriber: old.prescriber,
				commitment: old.commitment,
				ciphertext_hash: None,
				locator,
				fills_allowed: old.fills_allowed,
				fills_used: old.fills_used,
				carried: old.carried,
				dispense_hashes,
				spent,
				controlled: old.controlled,
				issued_at: old.issued_at,
				expires_at: old.expires_at,
				last_fill_at: old.last_fill_at,
				previous: old.previous,
				deposit: old.deposit,
			})
		});
		T::DbWeight::get().reads_writes(count, count)
	}

	#[cfg(feature = "try-runtime")]
	fn pre_upgrade() -> Result<Vec<u8>, sp_runtime::TryRuntimeError> {
		// Every version as version 1 stored it, by id: the migration must keep each field.
		let old: Vec<(PrescriptionId, OldPrescriptionOf<T>)> = Prescriptions::<T>::iter_keys()
			.map(|id| {
				let raw = Prescriptions::<T>::hashed_key_for(id);
				let old = frame_support::storage::unhashed::get::<OldPrescriptionOf<T>>(&raw)
					.ok_or("a version 1 prescription decodes")?;
				Ok((id, old))
			})
			.collect::<Result<_, sp_runtime::TryRuntimeError>>()?;
		log::info!(
			target: "runtime::prescriptions",
			"prescriptions migration in one block: {} open versions",
			old.len()
		);
		Ok(old.encode())
	}

	#[cfg(feature = "try-runtime")]
	fn post_upgrade(state: Vec<u8>) -> Result<(), sp_runtime::TryRuntimeError> {
		let old: Vec<(PrescriptionId, OldPrescriptionOf<T>)> =
			Decode::decode(&mut &state[..]).map_err(|_| "pre_upgrade state")?;
		ensure!(
			Prescriptions::<T>::iter_keys().count() == old.len(),
			"every prescription translated"
		);
		for (id, o) in old {
			let new = Prescriptions::<T>::get(id).ok_or("a prescription was lost")?;
			ensure!(new.ciphertext_hash.is_none(), "no hash is invented");
			ensure!(
				new.patient == o.patient
					&& new.prescriber == o.prescriber
					&& new.commitment == o.commitment
					&& new.locator.to_vec() == o.locator
					&& (new.fills_allowed, new.fills_used, new.carried)
						== (o.fills_allowed, o.fills_used, o.carried)
					&& new.dispense_hashes.to_vec() == o.dispense_hashes
					&& new.spent.to_vec() == o.spent
					&& new.controlled == o.controlled
					&& (new.issued_at, new.expires_at, new.last_fill_at)
						== (o.issued_at, o.expires_at, o.last_fill_at)
					&& new.previous == o.previous
					&& new.deposit == o.deposit,
				"a field changed"
			);
		}
		Pallet::<T>::do_try_state()
	}
}

/// Storage version 1 to 2, run once:
/// `pallet_prescriptions::migrations::v2::MigrateV1ToV2<Runtime>`.
pub type MigrateV1ToV2<T> = VersionedMigration<
	1,
	2,
	InnerMigrateV1ToV2<T>,
	Pallet<T>,
	<T as frame_system::Config>::DbWeight,
>;

#[cfg(test)]
mod tests {
	use super::{v1::*, *};
	use crate::{mock::*, tests::*, PrescriptionsOf};
	// The pallet's calls (the storage item of the same name is `crate::Prescriptions`).
	use crate::mock::Prescriptions;
	use frame_support::{
		assert_noop, assert_ok,
		traits::{OnRuntimeUpgrade, StorageVersion},
	};

	/// Stores `id` as version 1 kept it: the same fields, no ciphertext hash.
	fn downgrade(id: PrescriptionId) -> OldPrescriptionOf<Test> {
		let p = crate::Prescriptions::<Test>::get(id).expect("open");
		let old = OldPrescription {
			patient: p.patient,
			prescriber: p.prescriber,
			commitment: p.commitment,
			locator: p.locator.to_vec(),
			fills_allowed: p.fills_allowed,
			fills_used: p.fills_used,
			carried: p.carried,
			dispense_hashes: p.dispense_hashes.to_vec(),
			spent: p.spent.to_vec(),
			controlled: p.controlled,
			issued_at: p.issued_at,
			expires_at: p.expires_at,
			last_fill_at: p.last_fill_at,
			previous: p.previous,
			deposit: p.deposit,
		};
		frame_support::storage::unhashed::put(
			&crate::Prescriptions::<Test>::hashed_key_for(id),
			&old,
		);
		old
	}

	/// Version 1 prescriptions — one filled once then amended (carried fills, spent secrets,
	/// a previous version), one controlled, untouched — keep every field and get no hash; they
	/// are dispensed as before, and a later amendment gives a version with a hash.
	#[test]
	fn v1_prescriptions_keep_every_field_and_get_no_hash() {
		run(|| {
			let first = issue(3, false);
			assert_ok!(dispense(PHARMACIST, first, secret(0xa0, 1)));
			assert_ok!(Prescriptions::amend(
				RuntimeOrigin::signed(DOC),
				first,
				COMMITMENT,
				CIPHERTEXT,
				locator(4),
				3,
				pallet_timestamp::Now::<Test>::get() + VALIDITY,
				false,
				hashes(0xb0, 2, 3),
			));
			let amended = first + 1;
			let controlled = issue_as(OTHER_DOC, OTHER_PATIENT, 2, true, 0xc0);
			let before = [(amended, downgrade(amended)), (controlled, downgrade(controlled))];
			// A version 1 value does not decode as version 2: the migration is needed.
			assert!(crate::Prescriptions::<Test>::try_get(amended).is_err());
			StorageVersion::new(1).put::<Pallet<Test>>();

			MigrateV1ToV2::<Test>::on_runtime_upgrade();

			assert_eq!(StorageVersion::get::<Pallet<Test>>(), 2);
			for (id, old) in before {
				let new = crate::Prescriptions::<Test>::get(id).expect("kept");
				assert_eq!(new.ciphertext_hash, None, "no hash is invented");
				assert_eq!(
					(new.patient, new.prescriber, new.commitment, new.locator.to_vec()),
					(old.patient, old.prescriber, old.commitment, old.locator)
				);
				assert_eq!(
					(new.fills_allowed, new.fills_used, new.carried, new.controlled),
					(old.fills_allowed, old.fills_used, old.carried, old.controlled)
				);
				assert_eq!(
					(new.dispense_hashes.to_vec(), new.spent.to_vec()),
					(old.dispense_hashes, old.spent)
				);
				assert_eq!(
					(new.issued_at, new.expires_at, new.last_fill_at, new.previous, new.deposit),
					(old.issued_at, old.expires_at, old.last_fill_at, old.previous, old.deposit)
				);
			}
			assert_eq!(PrescriptionsOf::<Test>::get(PATIENT).to_vec(), vec![amended]);
			assert_invariants();
			// Dispensed as before: the spent secret stays spent, the next one fills.
			assert_noop!(dispense(PHARMACIST, amended, secret(0xa0, 1)), PError::SecretAlreadyUsed);
			assert_ok!(dispense(PHARMACIST, amended, secret(0xb0, 2)));
			// The prescriber amends it with the hash of its ciphertext.
			assert_ok!(Prescriptions::amend(
				RuntimeOrigin::signed(DOC),
				amended,
				COMMITMENT,
				[0xd7; 32],
				locator(4),
				3,
				pallet_timestamp::Now::<Test>::get() + VALIDITY,
				false,
				hashes(0xb7, 3, 3),
			));
			let hashed = crate::Prescriptions::<Test>::get(amended + 2).expect("the new version");
			assert_eq!(hashed.ciphertext_hash, Some([0xd7; 32]));
		});
	}

	/// On a chain at version 2 the migration does nothing: a version's hash stays.
	#[test]
	fn at_version_2_nothing_changes() {
		run(|| {
			StorageVersion::new(2).put::<Pallet<Test>>();
			let id = issue(1, false);
			MigrateV1ToV2::<Test>::on_runtime_upgrade();
			assert_eq!(StorageVersion::get::<Pallet<Test>>(), 2);
			let p = crate::Prescriptions::<Test>::get(id).expect("open");
			assert_eq!(p.ciphertext_hash, Some(CIPHERTEXT));
		});
	}
}
