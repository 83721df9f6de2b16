//! Insurers, their pools and their policies.

use crate::{pallet::*, types::*};
use alloc::vec::Vec;
use frame_support::{ensure, pallet_prelude::*, traits::Time};
use sp_runtime::{
	traits::{Saturating, Zero},
	Permill,
};
use telemed_primitives::{
	deposits::{hold, release},
	Moment, PolicyId, SetError,
};

impl<T: Config> Pallet<T> {
	// ---- insurers and policies --------------------------------------------------------------

	pub(crate) fn do_register_insurer(
		insurer: T::AccountId,
		name: BoundedVec<u8, T::MaxNameLen>,
	) -> DispatchResult {
		ensure!(!Insurers::<T>::contains_key(&insurer), Error::<T>::AlreadyInsurer);

		// *** No fail beyond this point ***
		Insurers::<T>::insert(
			&insurer,
			Insurer { name, pool: Zero::zero(), committed: Zero::zero() },
		);
		Self::deposit_event(Event::InsurerRegistered { insurer });
		Ok(())
	}

	pub(crate) fn do_fund_pool(insurer: T::AccountId, amount: BalanceOf<T>) -> DispatchResult {
		let mut entry = Insurers::<T>::get(&insurer).ok_or(Error::<T>::NotInsurer)?;
		hold::<_, T::Currency>(&HoldReason::InsurerPool.into(), &insurer, amount)
			.map_err(|_| Error::<T>::InsufficientBalance)?;

		// *** No fail beyond this point ***
		entry.pool = entry.pool.saturating_add(amount);
		let pool = entry.pool;
		Insurers::<T>::insert(&insurer, entry);
		Self::deposit_event(Event::InsurerPoolChanged { insurer, pool });
		Ok(())
	}

	pub(crate) fn do_withdraw_pool(insurer: T::AccountId, amount: BalanceOf<T>) -> DispatchResult {
		let mut entry = Insurers::<T>::get(&insurer).ok_or(Error::<T>::NotInsurer)?;
		ensure!(entry.pool.saturating_sub(entry.committed) >= amount, Error::<T>::InsufficientPool);

		// *** No fail beyond this point ***
		release::<_, T::Currency>(&HoldReason::InsurerPool.into(), &insurer, amount);
		entry.pool = entry.pool.saturating_sub(amount);
		let pool = entry.pool;
		Insurers::<T>::insert(&insurer, entry);
		Self::deposit_event(Event::InsurerPoolChanged { insurer, pool });
		Ok(())
	}

	#[allow(clippy::too_many_arguments)]
	pub(crate) fn do_issue_policy(
		insurer: T::AccountId,
		patient: T::AccountId,
		covered: BoundedVec<ServiceCode, T::MaxCovered>,
		coverage: Permill,
		annual_limit: BalanceOf<T>,
		valid_from: Moment,
		valid_until: Moment,
	) -> Result<PolicyId, DispatchError> {
		ensure!(Insurers::<T>::contains_key(&insurer), Error::<T>::NotInsurer);
		ensure!(!covered.is_empty(), Error::<T>::BadCoveredServices);
		let codes = covered.into_iter().map(Self::service_code).collect::<Result<Vec<_>, _>>()?;
		let covered = telemed_primitives::sorted_set(codes).map_err(|e| match e {
			SetError::TooMany | SetError::Duplicate => Error::<T>::BadCoveredServices,
		})?;
		ensure!(valid_from < valid_until && valid_until > T::Time::now(), Error::<T>::BadValidity);
		let id = NextPolicyId::<T>::get();
		let next = id.checked_add(1).ok_or(Error::<T>::IdsExhausted)?;

		// *** No fail beyond this point ***
		Policies::<T>::insert(
			id,
			Policy {
				insurer: insurer.clone(),
				patient: patient.clone(),
				covered,
				coverage,
				annual_limit,
				valid_from,
				valid_until,
				ended_at: None,
				reserved: Zero::zero(),
			},
		);
		NextPolicyId::<T>::put(next);
		Self::deposit_event(Event::PolicyIssued { id, insurer, patient });
		Ok(id)
	}

	pub(crate) fn do_end_policy(insurer: T::AccountId, id: PolicyId) -> DispatchResult {
		let mut policy = Policies::<T>::get(id).ok_or(Error::<T>::UnknownPolicy)?;
		ensure!(policy.insurer == insurer, Error::<T>::NotYourPolicy);
		ensure!(policy.ended_at.is_none(), Error::<T>::PolicyEnded);

		// *** No fail beyond this point ***
		policy.ended_at = Some(T::Time::now());
		Policies::<T>::insert(id, policy);
		Self::deposit_event(Event::PolicyEnded { id });
		Ok(())
	}
}
