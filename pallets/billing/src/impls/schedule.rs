//! Fee schedules: practitioners publish and withdraw services, each with its deposit.

use crate::{pallet::*, types::*};
use frame_support::{ensure, pallet_prelude::*};
use sp_runtime::traits::Zero;
use telemed_primitives::{
	deposits::{hold, release},
	Hash256, Moment,
};

impl<T: Config> Pallet<T> {
	// ---- fee schedules ----------------------------------------------------------------------

	pub(crate) fn do_set_service(
		practitioner: T::AccountId,
		service: ServiceCode,
		description: Hash256,
		price: BalanceOf<T>,
		duration: Moment,
	) -> DispatchResult {
		ensure!(Self::is_licensed(&practitioner), Error::<T>::NotLicensed);
		let code = Self::service_code(service)?;
		ensure!(!price.is_zero() && duration > 0, Error::<T>::ZeroPriceOrDuration);
		let existing = Services::<T>::get(&practitioner, &code);
		let deposit = match &existing {
			Some(s) => s.deposit,
			None => {
				let count = ServiceCount::<T>::get(&practitioner).saturating_add(1);
				ensure!(count <= T::MaxServices::get(), Error::<T>::TooManyServices);
				let deposit = T::ServiceDeposit::get();
				hold::<_, T::Currency>(&HoldReason::ServiceDeposit.into(), &practitioner, deposit)
					.map_err(|_| Error::<T>::InsufficientBalance)?;
				deposit
			},
		};

		// *** No fail beyond this point ***
		if existing.is_none() {
			ServiceCount::<T>::mutate(&practitioner, |c| *c = c.saturating_add(1));
		}
		Services::<T>::insert(
			&practitioner,
			&code,
			Service { description, price, duration, deposit },
		);
		Self::deposit_event(Event::ServiceSet { practitioner, service: code, price });
		Ok(())
	}

	pub(crate) fn do_withdraw_service(
		practitioner: T::AccountId,
		service: ServiceCode,
	) -> DispatchResult {
		let code = Self::service_code(service)?;
		let entry = Services::<T>::take(&practitioner, &code).ok_or(Error::<T>::UnknownService)?;

		// *** No fail beyond this point ***
		release::<_, T::Currency>(&HoldReason::ServiceDeposit.into(), &practitioner, entry.deposit);
		ServiceCount::<T>::mutate(&practitioner, |c| *c = c.saturating_sub(1));
		Self::deposit_event(Event::ServiceWithdrawn { practitioner, service: code });
		Ok(())
	}
}
