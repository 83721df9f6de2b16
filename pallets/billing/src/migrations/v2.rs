//! Storage version 1 to 2.
//!
//! - `Consultations`: each consultation gets `deposit`, zero for the ones booked before (no
//!   deposit was held for them; they can be reaped like any other, returning nothing). The
//!   status enum only gained a variant at its end (`Lapsed`): old values decode unchanged.
//! - `Policies`: the `(year, used)` pair leaves the policy. `PolicyUsage` is rebuilt from the
//!   claims, which were never removed before version 2: the pending and approved claims of
//!   each policy, by the policy year of their visit's delivery — the true usage, which the
//!   old pair could have lost (the defect this version fixes). Where the old pair's year says
//!   more, the larger figure is kept.
//! - `Disputes`: each disputed consultation gets its record, with no bond (none was held) and
//!   the arbiter's deadline [`Config::DisputeDeadline`] from the upgrade.
//!
//! Money does not move: no deposit or bond was held before, and none is now for old state.

use crate::{
	pallet::{BalanceOf, Config, Consultations, Disputes, Pallet, Policies, PolicyUsage},
	types::{ClaimStatus, Consultation, ConsultationStatus, Dispute, Policy, ServiceCode},
	Claims,
};
use alloc::collections::btree_map::BTreeMap;
use codec::{Decode, Encode, MaxEncodedLen};
use frame_support::{
	migrations::VersionedMigration,
	pallet_prelude::*,
	traits::{Get, Time, UncheckedOnRuntimeUpgrade},
	BoundedVec, CloneNoBound, DebugNoBound, EqNoBound, PartialEqNoBound,
};
use scale_info::TypeInfo;
use sp_runtime::{
	traits::{Saturating, Zero},
	Permill,
};
use telemed_primitives::{Hash256, Moment, PolicyId};

#[cfg(feature = "try-runtime")]
use alloc::vec::Vec;

/// The types of storage version 1.
pub mod v1 {
	use super::*;

	/// A consultation of version 1: no deposit.
	#[derive(
		CloneNoBound,
		PartialEqNoBound,
		EqNoBound,
		Encode,
		Decode,
		MaxEncodedLen,
		TypeInfo,
		DebugNoBound,
	)]
	pub struct OldConsultation<
		AccountId: Clone + PartialEq + Eq + core::fmt::Debug,
		Balance: Clone + PartialEq + Eq + core::fmt::Debug,
	> {
		/// Who is seen.
		pub patient: AccountId,
		/// Who gives the consultation.
		pub practitioner: AccountId,
		/// Who booked it.
		pub payer: AccountId,
		/// The service booked.
		pub service: ServiceCode,
		/// The price at booking.
		pub price: Balance,
		/// The patient's share.
		pub patient_share: Balance,
		/// The insurer's share.
		pub insurer_share: Balance,
		/// The policy, if insured.
		pub policy: Option<PolicyId>,
		/// When the visit is due.
		pub scheduled_at: Moment,
		/// How long it lasts.
		pub duration: Moment,
		/// Where it stands.
		pub status: ConsultationStatus,
		/// When it was marked delivered.
		pub delivered_at: Option<Moment>,
		/// Whether the practitioner was licensed then.
		pub licensed_at_delivery: bool,
		/// The encounter's commitment.
		pub encounter: Option<Hash256>,
		/// Until when it may be disputed.
		pub dispute_until: Option<Moment>,
	}

	/// A policy of version 1: one `(year, used)` pair.
	#[derive(
		CloneNoBound,
		PartialEqNoBound,
		EqNoBound,
		Encode,
		Decode,
		MaxEncodedLen,
		TypeInfo,
		DebugNoBound,
	)]
	#[scale_info(skip_type_params(MaxCovered))]
	pub struct OldPolicy<
		AccountId: Clone + PartialEq + Eq + core::fmt::Debug,
		Balance: Clone + PartialEq + Eq + core::fmt::Debug,
		MaxCovered: Get<u32>,
	> {
		/// The insurer.
		pub insurer: AccountId,
		/// The insured patient.
		pub patient: AccountId,
		/// The covered service codes.
		pub covered: BoundedVec<ServiceCode, MaxCovered>,
		/// The insurer's part.
		pub coverage: Permill,
		/// The annual limit.
		pub annual_limit: Balance,
		/// Start of validity.
		pub valid_from: Moment,
		/// End of validity.
		pub valid_until: Moment,
		/// When ended early.
		pub ended_at: Option<Moment>,
		/// The policy year `used` counted for.
		pub year: u32,
		/// What claims used of the limit in `year`.
		pub used: Balance,
		/// The insurer's shares of open bookings under it.
		pub reserved: Balance,
	}

	/// A consultation of version 1 as stored.
	pub type OldConsultationOf<T> =
		OldConsultation<<T as frame_system::Config>::AccountId, BalanceOf<T>>;

	/// A policy of version 1 as stored.
	pub type OldPolicyOf<T> =
		OldPolicy<<T as frame_system::Config>::AccountId, BalanceOf<T>, <T as Config>::MaxCovered>;
}

use v1::{OldConsultationOf, OldPolicyOf};

/// Translates storage version 1 to 2; run through [`MigrateV1ToV2`].
pub struct InnerMigrateV1ToV2<T>(core::marker::PhantomData<T>);

impl<T: Config> UncheckedOnRuntimeUpgrade for InnerMigrateV1ToV2<T> {
	fn on_runtime_upgrade() -> Weight {
		let (mut reads, mut writes) = (0u64, 0u64);

		// Consultations: a zero deposit; disputed ones get their record.
		let deadline = T::Time::now().saturating_add(T::DisputeDeadline::get());
		Consultations::<T>::translate::<OldConsultationOf<T>, _>(|id, old| {
			reads.saturating_inc();
			writes.saturating_inc();
			if old.status == ConsultationStatus::Disputed {
				Disputes::<T>::insert(
					id,
					Dispute { disputer: old.payer.clone(), bond: Zero::zero(), deadline },
				);
				writes.saturating_inc();
			}
			Some(Consultation {
				patient: old.patient,
				practitioner: old.practitioner,
				payer: old.payer,
				service: old.service,
				price: old.price,
				patient_share: old.patient_share,
				insurer_share: old.insurer_share,
				policy: old.policy,
				scheduled_at: old.scheduled_at,
				duration: old.duration,
				status: old.status,
				delivered_at: old.delivered_at,
				licensed_at_delivery: old.licensed_at_delivery,
				encounter: old.encounter,
				dispute_until: old.dispute_until,
				deposit: Zero::zero(),
			})
		});

		// Policies: the pair leaves; keep what it says for its year.
		let mut usage: BTreeMap<(PolicyId, u32), BalanceOf<T>> = BTreeMap::new();
		Policies::<T>::translate::<OldPolicyOf<T>, _>(|id, old| {
			reads.saturating_inc();
			writes.saturating_inc();
			if !old.used.is_zero() {
				usage.insert((id, old.year), old.used);
			}
			Some(Policy {
				insurer: old.insurer,
				patient: old.patient,
				covered: old.covered,
				coverage: old.coverage,
				annual_limit: old.annual_limit,
				valid_from: old.valid_from,
				valid_until: old.valid_until,
				ended_at: old.ended_at,
				reserved: old.reserved,
			})
		});

		// The usage of every policy year, from the claims that count against it.
		let mut from_claims: BTreeMap<(PolicyId, u32), BalanceOf<T>> = BTreeMap::new();
		for (_, claim) in Claims::<T>::iter() {
			reads.saturating_accrue(3);
			if !matches!(claim.status, ClaimStatus::Pending { .. } | ClaimStatus::Approved) {
				continue;
			}
			let delivered_at =
				Consultations::<T>::get(claim.consultation).and_then(|c| c.delivered_at);
			let (Some(policy), Some(at)) = (Policies::<T>::get(claim.policy), delivered_at) else {
				continue;
			};
			let e =
				from_claims.entry((claim.policy, policy.year_of(at))).or_insert_with(Zero::zero);
			*e = e.saturating_add(claim.amount);
		}
		for (key, amount) in from_claims {
			let e = usage.entry(key).or_insert_with(Zero::zero);
			*e = (*e).max(amount);
		}
		for ((policy, year), used) in usage {
			PolicyUsage::<T>::insert(policy, year, used);
			writes.saturating_inc();
		}

		T::DbWeight::get().reads_writes(reads, writes)
	}

	#[cfg(feature = "try-runtime")]
	fn pre_upgrade() -> Result<Vec<u8>, sp_runtime::TryRuntimeError> {
		let consultations = Consultations::<T>::iter_keys().count() as u64;
		let policies = Policies::<T>::iter_keys().count() as u64;
		Ok((consultations, policies).encode())
	}

	#[cfg(feature = "try-runtime")]
	fn post_upgrade(state: Vec<u8>) -> Result<(), sp_runtime::TryRuntimeError> {
		let (consultations, policies): (u64, u64) =
			Decode::decode(&mut &state[..]).map_err(|_| "pre_upgrade state")?;
		ensure!(
			Consultations::<T>::iter().count() as u64 == consultations,
			"every consultation translated"
		);
		ensure!(Policies::<T>::iter().count() as u64 == policies, "every policy translated");
		for (id, c) in Consultations::<T>::iter() {
			ensure!(c.deposit.is_zero(), "old consultations hold no deposit");
			ensure!(
				(c.status == ConsultationStatus::Disputed) == Disputes::<T>::contains_key(id),
				"every dispute has its record"
			);
		}
		Pallet::<T>::do_try_state()
	}
}

/// Storage version 1 to 2, run once: `pallet_billing::migrations::v2::MigrateV1ToV2<Runtime>`.
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
	use crate::{
		mock::*,
		types::{Claim, ConsultationStatus},
		ClaimOfConsultation, Claims,
	};
	use frame_support::{
		assert_ok, storage_alias,
		traits::{OnRuntimeUpgrade, StorageVersion},
		Twox64Concat,
	};

	#[storage_alias]
	type Consultations<T: Config> = StorageMap<
		crate::Pallet<T>,
		Twox64Concat,
		telemed_primitives::ConsultationId,
		OldConsultationOf<T>,
	>;

	#[storage_alias]
	type Policies<T: Config> = StorageMap<crate::Pallet<T>, Twox64Concat, PolicyId, OldPolicyOf<T>>;

	fn old_consultation(status: ConsultationStatus, delivered_at: u64) -> OldConsultationOf<Test> {
		OldConsultation {
			patient: PATIENT,
			practitioner: DOC,
			payer: PARENT,
			service: VIDEO.to_vec().try_into().unwrap(),
			price: 1_000,
			patient_share: 1_000,
			insurer_share: 0,
			policy: None,
			scheduled_at: delivered_at,
			duration: HOUR / 2,
			status,
			delivered_at: Some(delivered_at),
			licensed_at_delivery: true,
			encounter: None,
			dispute_until: Some(delivered_at + DISPUTE_WINDOW),
		}
	}

	/// Version 1 state — a settled insured visit of year 0 with an approved claim, one of
	/// year 1 with a pending claim (the pair says year 1), a disputed self-paid visit — becomes
	/// version 2: deposits of zero, usage for both years, a dispute record without bond.
	#[test]
	fn v1_state_is_translated_to_v2() {
		new_test_ext().execute_with(|| {
			StorageVersion::new(1).put::<crate::Pallet<Test>>();
			let year = 365 * DAY;
			Policies::<Test>::insert(
				7,
				OldPolicy {
					insurer: INSURER,
					patient: PATIENT,
					covered: vec![VIDEO.to_vec().try_into().unwrap()].try_into().unwrap(),
					coverage: Permill::from_percent(80),
					annual_limit: 5_000,
					valid_from: T0,
					valid_until: T0 + 2 * year,
					ended_at: None,
					year: 1,
					used: 300,
					reserved: 0,
				},
			);
			let mut year0 = old_consultation(ConsultationStatus::Settled, T0 + DAY);
			year0.policy = Some(7);
			let mut year1 = old_consultation(ConsultationStatus::Settled, T0 + year + DAY);
			year1.policy = Some(7);
			Consultations::<Test>::insert(0, year0);
			Consultations::<Test>::insert(1, year1);
			// Escrow of the disputed visit, held under version 1 too.
			assert_ok!(<Balances as frame_support::traits::fungible::MutateHold<_>>::hold(
				&crate::HoldReason::Escrow.into(),
				&PARENT,
				1_000
			));
			crate::OpenOfPatient::<Test>::mutate(PATIENT, |ids| ids.try_push(2).unwrap());
			crate::OpenOfPractitioner::<Test>::mutate(DOC, |ids| ids.try_push(2).unwrap());
			Consultations::<Test>::insert(
				2,
				old_consultation(ConsultationStatus::Disputed, T0 + year + 2 * DAY),
			);
			let claim = |consultation, amount, status| Claim {
				consultation,
				policy: 7,
				insurer: INSURER,
				practitioner: DOC,
				amount,
				created_at: T0,
				status,
			};
			Claims::<Test>::insert(0, claim(0, 800, ClaimStatus::Approved));
			Claims::<Test>::insert(1, claim(1, 300, ClaimStatus::Pending { deadline: T0 + year }));
			ClaimOfConsultation::<Test>::insert(0, 0);
			ClaimOfConsultation::<Test>::insert(1, 1);
			// The pending claim is committed in the pool.
			crate::Insurers::<Test>::mutate(INSURER, |i| i.as_mut().unwrap().committed = 300);
			set_now(T0 + year + 3 * DAY);

			MigrateV1ToV2::<Test>::on_runtime_upgrade();

			assert_eq!(StorageVersion::get::<crate::Pallet<Test>>(), 2);
			for id in 0..3 {
				assert_eq!(crate::Consultations::<Test>::get(id).unwrap().deposit, 0);
			}
			assert_eq!(crate::Consultations::<Test>::get(2).unwrap().payer, PARENT);
			let p = crate::Policies::<Test>::get(7).unwrap();
			assert_eq!((p.annual_limit, p.valid_from, p.reserved), (5_000, T0, 0));
			assert_eq!(PolicyUsage::<Test>::get(7, 0), 800, "rebuilt from the claims");
			assert_eq!(PolicyUsage::<Test>::get(7, 1), 300);
			assert_eq!(
				Disputes::<Test>::get(2),
				Some(Dispute {
					disputer: PARENT,
					bond: 0,
					deadline: T0 + year + 3 * DAY + DISPUTE_DEADLINE
				})
			);
			assert!(Disputes::<Test>::get(0).is_none());
			crate::Pallet::<Test>::do_try_state().expect("invariants after the migration");

			// Run twice: nothing happens the second time.
			PolicyUsage::<Test>::insert(7, 0, 801);
			MigrateV1ToV2::<Test>::on_runtime_upgrade();
			assert_eq!(PolicyUsage::<Test>::get(7, 0), 801);
		});
	}
}
