//! Disputes of a delivered visit: the bond, the arbiter's decision and the default after its
//! deadline.

use crate::{pallet::*, types::*};
use frame_support::{ensure, pallet_prelude::*, traits::Time};
use sp_runtime::{PerThing, Permill};
use telemed_primitives::{
	deposits::{hold, release},
	ConsultationId,
};

impl<T: Config> Pallet<T> {
	pub(crate) fn do_dispute(who: T::AccountId, id: ConsultationId) -> DispatchResult {
		let mut c = Self::consultation(id)?;
		Self::ensure_patient_side(&c, &who)?;
		ensure!(c.status == ConsultationStatus::Delivered, Error::<T>::WrongStatus);
		let now = T::Time::now();
		ensure!(c.dispute_until.is_some_and(|until| now < until), Error::<T>::DisputeWindowClosed);
		let bond = T::DisputeBond::get();
		hold::<_, T::Currency>(&HoldReason::DisputeBond.into(), &who, bond)
			.map_err(|_| Error::<T>::InsufficientBalance)?;

		// *** No fail beyond this point ***
		let deadline = now.saturating_add(T::DisputeDeadline::get());
		Disputes::<T>::insert(id, Dispute { disputer: who.clone(), bond, deadline });
		c.status = ConsultationStatus::Disputed;
		Consultations::<T>::insert(id, c);
		Self::deposit_event(Event::ConsultationDisputed { id, by: who, bond });
		Ok(())
	}

	pub(crate) fn do_resolve(id: ConsultationId, refund: Permill) -> DispatchResult {
		let c = Self::consultation(id)?;
		ensure!(c.status == ConsultationStatus::Disputed, Error::<T>::WrongStatus);

		// *** No fail beyond this point ***
		let upheld = !refund.is_zero() || !c.licensed_at_delivery;
		Self::end_dispute(id, &c, upheld);
		Self::deposit_event(Event::DisputeResolved { id, refunded: refund });
		Self::settle_escrow(id, c, refund.left_from_one(), ConsultationStatus::Resolved);
		Ok(())
	}

	pub(crate) fn do_close_dispute(id: ConsultationId) -> DispatchResult {
		let c = Self::consultation(id)?;
		ensure!(c.status == ConsultationStatus::Disputed, Error::<T>::WrongStatus);
		// A disputed consultation has its dispute (an invariant); without one the default
		// applies at once.
		let deadline = Disputes::<T>::get(id).map_or(0, |d| d.deadline);
		ensure!(T::Time::now() >= deadline, Error::<T>::DisputeDeadlineNotReached);

		// *** No fail beyond this point ***
		let refund = Permill::from_percent(50);
		Self::end_dispute(id, &c, true);
		Self::deposit_event(Event::DisputeDefaulted { id, refunded: refund });
		Self::settle_escrow(id, c, refund.left_from_one(), ConsultationStatus::Resolved);
		Ok(())
	}

	/// Ends `c`'s dispute record: the bond goes back to the disputer if `upheld`, else to the
	/// practitioner (less the network fee). Cannot fail.
	fn end_dispute(id: ConsultationId, c: &ConsultationOf<T>, upheld: bool) {
		let Some(d) = Disputes::<T>::take(id) else { return };
		if upheld {
			release::<_, T::Currency>(&HoldReason::DisputeBond.into(), &d.disputer, d.bond);
			Self::deposit_event(Event::DisputeBondReturned { id, to: d.disputer, bond: d.bond });
		} else {
			Self::pay_out(HoldReason::DisputeBond, &d.disputer, &c.practitioner, d.bond);
			Self::deposit_event(Event::DisputeBondForfeited { id, from: d.disputer, bond: d.bond });
		}
	}
}
