//! The logic behind the calls, by concern: fee schedules (`schedule.rs`), bookings and the
//! visit (`consultation.rs`), the visit's session keys (`sessions.rs`), disputes
//! (`disputes.rs`), claims and their checks (`claims.rs`), insurers and policies
//! (`insurance.rs`); here the helpers they share and the queries of the
//! runtime API. The invariants are in `src/try_state.rs`.
//!
//! Every `do_*` function checks everything first and writes last: past the `No fail beyond
//! this point` marker nothing can fail, so a failed call changes nothing. Money only moves
//! between holds and the parties of a visit (and the network fee): billing mints and burns
//! nothing.

mod claims;
mod consultation;
mod disputes;
mod insurance;
mod schedule;
mod sessions;

use crate::{pallet::*, types::*};
use alloc::vec::Vec;
use frame_support::{
	ensure,
	pallet_prelude::*,
	traits::{
		fungible::MutateHold,
		tokens::{Fortitude, Precision, Restriction},
	},
};
use sp_runtime::traits::{Saturating, Zero};
use telemed_primitives::{
	deposits::release, ClaimId, ConsultationId, DelegateScope, DelegationInspector, LicenceQuery,
	Moment, PolicyId, PractitionerRegistry,
};

/// The most ids one page of [`Pallet::claims_of`] or [`Pallet::policies_of`] looks at.
pub const MAX_PAGE_SCAN: u32 = 1024;

/// Every reason this pallet holds funds for.
pub const HOLD_REASONS: [HoldReason; 5] = [
	HoldReason::Escrow,
	HoldReason::InsurerPool,
	HoldReason::ServiceDeposit,
	HoldReason::DisputeBond,
	HoldReason::ConsultationDeposit,
];

impl<T: Config> Pallet<T> {
	// ---- helpers ----------------------------------------------------------------------------

	/// Whether `who` is `patient` or, now, a delegate of theirs with `BookCare`.
	fn acts_for(patient: &T::AccountId, who: &T::AccountId) -> bool {
		T::Delegation::may_act_for(patient, who, DelegateScope::BookCare)
	}

	/// Whether `who` holds a valid licence now.
	fn is_licensed(who: &T::AccountId) -> bool {
		T::Practitioners::is_licensed(who, &LicenceQuery::any())
	}

	fn service_code(code: ServiceCode) -> Result<ServiceCode, DispatchError> {
		ensure!(!code.is_empty(), Error::<T>::BadServiceCode);
		Ok(code)
	}

	/// Moves `amount` held from `from` under `reason` to `to`, less the network fee, which goes
	/// to [`Config::FeeDestination`]. Returns what `to` and the fee destination received.
	/// Cannot fail: if the fee cannot be paid (say the destination would stay below the
	/// existential deposit) `to` gets it; if `to` cannot be paid, the amount is released to
	/// `from`. Either way the whole amount leaves the hold, and nothing is minted or burned.
	fn pay_out(
		reason: HoldReason,
		from: &T::AccountId,
		to: &T::AccountId,
		amount: BalanceOf<T>,
	) -> (BalanceOf<T>, BalanceOf<T>) {
		let transfer = |dest: &T::AccountId, value: BalanceOf<T>| {
			value.is_zero()
				|| T::Currency::transfer_on_hold(
					&reason.into(),
					from,
					dest,
					value,
					Precision::Exact,
					Restriction::Free,
					Fortitude::Polite,
				)
				.is_ok()
		};
		let wanted_fee = T::NetworkFee::get().mul_floor(amount);
		let fee =
			if transfer(&T::FeeDestination::get(), wanted_fee) { wanted_fee } else { Zero::zero() };
		let rest = amount.saturating_sub(fee);
		if transfer(to, rest) {
			(rest, fee)
		} else {
			release::<_, T::Currency>(&reason.into(), from, rest);
			(Zero::zero(), fee)
		}
	}

	fn consultation(id: ConsultationId) -> Result<ConsultationOf<T>, DispatchError> {
		Consultations::<T>::get(id).ok_or(Error::<T>::UnknownConsultation.into())
	}

	/// Whether `who` may act for the patient side of `c`: the patient, the booker, or a
	/// delegate with `BookCare`.
	fn patient_side(c: &ConsultationOf<T>, who: &T::AccountId) -> bool {
		who == &c.payer || Self::acts_for(&c.patient, who)
	}

	/// Checks that `who` may confirm or dispute `c` for the patient side: on the patient side,
	/// and not the practitioner paid for it (whatever other role they hold).
	fn ensure_patient_side(c: &ConsultationOf<T>, who: &T::AccountId) -> DispatchResult {
		ensure!(Self::patient_side(c, who), Error::<T>::NotPermitted);
		ensure!(who != &c.practitioner, Error::<T>::OwnVisit);
		Ok(())
	}

	// ---- queries (runtime API) --------------------------------------------------------------

	fn open(
		ids: BoundedVec<ConsultationId, T::MaxOpenConsultations>,
	) -> Vec<(ConsultationId, ConsultationOf<T>)> {
		ids.into_iter().filter_map(|id| Consultations::<T>::get(id).map(|c| (id, c))).collect()
	}

	/// A patient's open consultations.
	pub fn consultations_of(patient: &T::AccountId) -> Vec<(ConsultationId, ConsultationOf<T>)> {
		Self::open(OpenOfPatient::<T>::get(patient))
	}

	/// A practitioner's fee schedule and open consultations.
	#[allow(clippy::type_complexity)]
	pub fn schedule(
		practitioner: &T::AccountId,
	) -> (Vec<(ServiceCode, ServiceOf<T>)>, Vec<(ConsultationId, ConsultationOf<T>)>) {
		(
			Services::<T>::iter_prefix(practitioner).collect(),
			Self::open(OpenOfPractitioner::<T>::get(practitioner)),
		)
	}

	/// A consultation's claim, if it has one.
	pub fn claim_of(consultation: ConsultationId) -> Option<(ClaimId, ClaimOf<T>)> {
		let id = ClaimOfConsultation::<T>::get(consultation)?;
		Claims::<T>::get(id).map(|c| (id, c))
	}

	/// The ids one page looks at, `from` up to the end it reached, and the id to go on from
	/// while ids remain below `next_id`: at least one and at most [`MAX_PAGE_SCAN`] ids, so a
	/// client that pages on always ends.
	fn page(from: u64, max: u32, next_id: u64) -> (core::ops::Range<u64>, Option<u64>) {
		let end = from.saturating_add(max.clamp(1, MAX_PAGE_SCAN).into()).min(next_id);
		(from..end, (end < next_id).then_some(end))
	}

	/// The claims `party` is in (as the claim's insurer, its practitioner or its
	/// consultation's patient) among the claim ids from `from` on, each with its consultation;
	/// and the id to go on from while claim ids remain. One page looks at `max` ids at most
	/// (at least 1, at most [`MAX_PAGE_SCAN`]), whether or not they are `party`'s: a page may
	/// be empty and still have a next one. Reaped claims are gone.
	#[allow(clippy::type_complexity)]
	pub fn claims_of(
		party: &T::AccountId,
		from: ClaimId,
		max: u32,
	) -> (Vec<(ClaimId, ClaimOf<T>, ConsultationOf<T>)>, Option<ClaimId>) {
		let (ids, next) = Self::page(from, max, NextClaimId::<T>::get());
		let found = ids
			.filter_map(|id| {
				let claim = Claims::<T>::get(id)?;
				let c = Consultations::<T>::get(claim.consultation)?;
				(claim.insurer == *party || claim.practitioner == *party || c.patient == *party)
					.then_some((id, claim, c))
			})
			.collect();
		(found, next)
	}

	/// The policies `party` is in (as the insurer or the insured patient) among the policy ids
	/// from `from` on, each with what claims used of its limit in the policy year of `at`; and
	/// the id to go on from, paged as [`Pallet::claims_of`].
	#[allow(clippy::type_complexity)]
	pub fn policies_of(
		party: &T::AccountId,
		from: PolicyId,
		max: u32,
		at: Moment,
	) -> (Vec<(PolicyId, PolicyOf<T>, BalanceOf<T>)>, Option<PolicyId>) {
		let (ids, next) = Self::page(from, max, NextPolicyId::<T>::get());
		let found = ids
			.filter_map(|id| {
				let policy = Policies::<T>::get(id)?;
				(policy.insurer == *party || policy.patient == *party).then(|| {
					let used = PolicyUsage::<T>::get(id, policy.year_of(at));
					(id, policy, used)
				})
			})
			.collect();
		(found, next)
	}
}
