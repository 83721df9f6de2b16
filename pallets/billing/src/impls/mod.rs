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
	PractitionerRegistry,
};

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
}
