//! A visit from quote and booking to acceptance, delivery, settlement (or its end without
//! one: declined, cancelled, lapsed) and reaping.

use crate::{pallet::*, types::*};
use frame_support::{ensure, pallet_prelude::*, traits::Time};
use sp_runtime::{
	traits::{Saturating, Zero},
	Permill,
};
use telemed_primitives::{
	deposits::{hold, release},
	ConsultationId, Hash256, Moment, PolicyId,
};

impl<T: Config> Pallet<T> {
	// ---- quotes and bookings ----------------------------------------------------------------

	/// The split of `service`'s price for `patient` at `at`, self-paid or under `policy`.
	pub fn quote(
		patient: &T::AccountId,
		practitioner: &T::AccountId,
		service: &ServiceCode,
		policy: Option<PolicyId>,
		at: Moment,
	) -> Result<Quote<BalanceOf<T>>, QuoteError> {
		let price =
			Services::<T>::get(practitioner, service).ok_or(QuoteError::UnknownService)?.price;
		let Some(policy_id) = policy else {
			return Ok(Quote { price, patient_share: price, insurer_share: Zero::zero() });
		};
		let policy = Policies::<T>::get(policy_id)
			.filter(|p| &p.patient == patient)
			.ok_or(QuoteError::UnknownPolicy)?;
		ensure!(policy.in_force(at), QuoteError::PolicyNotInForce);
		ensure!(policy.covers(service), QuoteError::NotCovered);
		let insurer_share = policy.coverage.mul_floor(price);
		let used = PolicyUsage::<T>::get(policy_id, policy.year_of(at));
		ensure!(
			used.saturating_add(policy.reserved).saturating_add(insurer_share)
				<= policy.annual_limit,
			QuoteError::LimitExceeded
		);
		Ok(Quote { price, patient_share: price.saturating_sub(insurer_share), insurer_share })
	}

	pub(crate) fn do_book(
		payer: T::AccountId,
		patient: T::AccountId,
		practitioner: T::AccountId,
		service: ServiceCode,
		scheduled_at: Moment,
		policy: Option<PolicyId>,
	) -> Result<ConsultationId, DispatchError> {
		ensure!(Self::acts_for(&patient, &payer), Error::<T>::NotPermitted);
		ensure!(patient != practitioner, Error::<T>::BookingSelf);
		let code = Self::service_code(service)?;
		let entry = Services::<T>::get(&practitioner, &code).ok_or(Error::<T>::UnknownService)?;
		ensure!(Self::is_licensed(&practitioner), Error::<T>::NotLicensed);
		ensure!(scheduled_at > T::Time::now(), Error::<T>::InThePast);
		if let Some(id) = policy {
			let p = Policies::<T>::get(id).ok_or(Error::<T>::UnknownPolicy)?;
			ensure!(p.patient == patient, Error::<T>::NotYourPolicy);
		}
		let quote = Self::quote(&patient, &practitioner, &code, policy, scheduled_at).map_err(
			|e| match e {
				QuoteError::UnknownService => Error::<T>::UnknownService,
				QuoteError::UnknownPolicy => Error::<T>::UnknownPolicy,
				QuoteError::PolicyNotInForce => Error::<T>::PolicyNotInForce,
				QuoteError::NotCovered => Error::<T>::NotCovered,
				QuoteError::LimitExceeded => Error::<T>::LimitExceeded,
			},
		)?;
		let insurer = match policy.and_then(Policies::<T>::get) {
			Some(p) if !quote.insurer_share.is_zero() => {
				let entry = Insurers::<T>::get(&p.insurer).ok_or(Error::<T>::NotInsurer)?;
				let available = entry.pool.saturating_sub(entry.committed);
				ensure!(available >= quote.insurer_share, Error::<T>::InsufficientPool);
				Some(p.insurer)
			},
			_ => None,
		};
		let id = NextConsultationId::<T>::get();
		let next = id.checked_add(1).ok_or(Error::<T>::IdsExhausted)?;
		let mut of_patient = OpenOfPatient::<T>::get(&patient);
		of_patient.try_push(id).map_err(|_| Error::<T>::TooManyOpenConsultations)?;
		let mut of_practitioner = OpenOfPractitioner::<T>::get(&practitioner);
		of_practitioner.try_push(id).map_err(|_| Error::<T>::TooManyOpenConsultations)?;
		let deposit = T::ConsultationDeposit::get();
		// Both holds or neither.
		frame_support::storage::with_storage_layer(|| -> DispatchResult {
			hold::<_, T::Currency>(&HoldReason::Escrow.into(), &payer, quote.patient_share)
				.map_err(|_| Error::<T>::InsufficientBalance)?;
			hold::<_, T::Currency>(&HoldReason::ConsultationDeposit.into(), &payer, deposit)
				.map_err(|_| Error::<T>::InsufficientBalance.into())
		})?;

		// *** No fail beyond this point ***
		if let (Some(insurer), Some(policy_id)) = (insurer, policy) {
			Insurers::<T>::mutate(&insurer, |i| {
				if let Some(i) = i {
					i.committed = i.committed.saturating_add(quote.insurer_share)
				}
			});
			Policies::<T>::mutate(policy_id, |p| {
				if let Some(p) = p {
					p.reserved = p.reserved.saturating_add(quote.insurer_share)
				}
			});
		}
		OpenOfPatient::<T>::insert(&patient, of_patient);
		OpenOfPractitioner::<T>::insert(&practitioner, of_practitioner);
		Consultations::<T>::insert(
			id,
			Consultation {
				patient: patient.clone(),
				practitioner: practitioner.clone(),
				payer,
				service: code,
				price: quote.price,
				patient_share: quote.patient_share,
				insurer_share: quote.insurer_share,
				policy: if quote.insurer_share.is_zero() { None } else { policy },
				scheduled_at,
				duration: entry.duration,
				status: ConsultationStatus::Requested,
				delivered_at: None,
				licensed_at_delivery: false,
				encounter: None,
				dispute_until: None,
				deposit,
			},
		);
		NextConsultationId::<T>::put(next);
		Self::deposit_event(Event::ConsultationBooked {
			id,
			patient,
			practitioner,
			patient_share: quote.patient_share,
			insurer_share: quote.insurer_share,
		});
		Ok(id)
	}

	// ---- the visit --------------------------------------------------------------------------

	pub(crate) fn do_accept(who: T::AccountId, id: ConsultationId) -> DispatchResult {
		let mut c = Self::consultation(id)?;
		ensure!(c.practitioner == who, Error::<T>::NotYourConsultation);
		ensure!(c.status == ConsultationStatus::Requested, Error::<T>::WrongStatus);
		ensure!(T::Time::now() < c.scheduled_at, Error::<T>::BookingLapsed);
		ensure!(Self::is_licensed(&who), Error::<T>::NotLicensed);

		// *** No fail beyond this point ***
		c.status = ConsultationStatus::Accepted;
		Consultations::<T>::insert(id, c);
		Self::deposit_event(Event::ConsultationAccepted { id });
		Ok(())
	}

	pub(crate) fn do_decline(who: T::AccountId, id: ConsultationId) -> DispatchResult {
		let c = Self::consultation(id)?;
		ensure!(c.practitioner == who, Error::<T>::NotYourConsultation);
		ensure!(c.status == ConsultationStatus::Requested, Error::<T>::WrongStatus);

		// *** No fail beyond this point ***
		Self::close(id, c, ConsultationStatus::Declined, Zero::zero());
		Self::deposit_event(Event::ConsultationDeclined { id });
		Ok(())
	}

	pub(crate) fn do_cancel(who: T::AccountId, id: ConsultationId) -> DispatchResult {
		let c = Self::consultation(id)?;
		let by_practitioner = who == c.practitioner;
		ensure!(by_practitioner || Self::patient_side(&c, &who), Error::<T>::NotPermitted);
		let now = T::Time::now();
		let fee = match c.status {
			ConsultationStatus::Requested => Zero::zero(),
			ConsultationStatus::Accepted if by_practitioner => Zero::zero(),
			ConsultationStatus::Accepted if now < c.scheduled_at => {
				T::CancellationFee::get().mul_floor(c.price).min(c.patient_share)
			},
			ConsultationStatus::Accepted => {
				let no_show_after =
					c.scheduled_at.saturating_add(c.duration).saturating_add(T::NoShowGrace::get());
				ensure!(now >= no_show_after, Error::<T>::VisitUnderway);
				Zero::zero()
			},
			_ => return Err(Error::<T>::WrongStatus.into()),
		};

		// *** No fail beyond this point ***
		let refund = c.patient_share.saturating_sub(fee);
		Self::close(id, c, ConsultationStatus::Cancelled, fee);
		Self::deposit_event(Event::ConsultationCancelled { id, by: who, fee, refund });
		Ok(())
	}

	pub(crate) fn do_release_lapsed(id: ConsultationId) -> DispatchResult {
		let c = Self::consultation(id)?;
		ensure!(c.status == ConsultationStatus::Requested, Error::<T>::WrongStatus);
		ensure!(T::Time::now() >= c.scheduled_at, Error::<T>::TooEarly);

		// *** No fail beyond this point ***
		Self::close(id, c, ConsultationStatus::Lapsed, Zero::zero());
		Self::deposit_event(Event::ConsultationLapsed { id });
		Ok(())
	}

	/// Ends an open consultation without settlement: `fee` of the patient's share goes to the
	/// practitioner, the rest back to the booker; the insurer's reservation is released.
	fn close(
		id: ConsultationId,
		mut c: ConsultationOf<T>,
		status: ConsultationStatus,
		fee: BalanceOf<T>,
	) {
		Self::pay_out(HoldReason::Escrow, &c.payer, &c.practitioner, fee);
		release::<_, T::Currency>(
			&HoldReason::Escrow.into(),
			&c.payer,
			c.patient_share.saturating_sub(fee),
		);
		Self::release_reservation(&c, c.insurer_share);
		Self::unlist(id, &c);
		c.status = status;
		Consultations::<T>::insert(id, c);
		Self::expire_session_keys(id);
	}

	/// Gives back `amount` of what `c`'s insurer reserved for it.
	fn release_reservation(c: &ConsultationOf<T>, amount: BalanceOf<T>) {
		let Some(policy_id) = c.policy else { return };
		if amount.is_zero() {
			return;
		}
		Policies::<T>::mutate(policy_id, |p| {
			if let Some(p) = p {
				p.reserved = p.reserved.saturating_sub(amount);
				Insurers::<T>::mutate(&p.insurer, |i| {
					if let Some(i) = i {
						i.committed = i.committed.saturating_sub(amount)
					}
				});
			}
		});
	}

	/// Removes a consultation from the open lists.
	fn unlist(id: ConsultationId, c: &ConsultationOf<T>) {
		OpenOfPatient::<T>::mutate(&c.patient, |ids| ids.retain(|i| *i != id));
		OpenOfPractitioner::<T>::mutate(&c.practitioner, |ids| ids.retain(|i| *i != id));
	}

	pub(crate) fn do_mark_delivered(
		who: T::AccountId,
		id: ConsultationId,
		encounter: Option<Hash256>,
	) -> DispatchResult {
		let mut c = Self::consultation(id)?;
		ensure!(c.practitioner == who, Error::<T>::NotYourConsultation);
		ensure!(c.status == ConsultationStatus::Accepted, Error::<T>::WrongStatus);
		let now = T::Time::now();
		ensure!(now >= c.scheduled_at, Error::<T>::TooEarly);

		// *** No fail beyond this point ***
		let licensed = Self::is_licensed(&who);
		let dispute_until = now.saturating_add(T::DisputeWindow::get());
		c.status = ConsultationStatus::Delivered;
		c.delivered_at = Some(now);
		c.licensed_at_delivery = licensed;
		c.encounter = encounter;
		c.dispute_until = Some(dispute_until);
		Consultations::<T>::insert(id, c);
		Self::expire_session_keys(id);
		Self::deposit_event(Event::ConsultationDelivered { id, licensed, dispute_until });
		Ok(())
	}

	pub(crate) fn do_confirm(who: T::AccountId, id: ConsultationId) -> DispatchResult {
		let c = Self::consultation(id)?;
		Self::ensure_patient_side(&c, &who)?;
		ensure!(c.status == ConsultationStatus::Delivered, Error::<T>::WrongStatus);

		// *** No fail beyond this point ***
		Self::settle_escrow(id, c, Permill::one(), ConsultationStatus::Settled);
		Ok(())
	}

	pub(crate) fn do_settle_after_window(id: ConsultationId) -> DispatchResult {
		let c = Self::consultation(id)?;
		match c.status {
			ConsultationStatus::Delivered => {},
			ConsultationStatus::Settled
			| ConsultationStatus::Resolved
			| ConsultationStatus::Refunded => return Err(Error::<T>::AlreadySettled.into()),
			_ => return Err(Error::<T>::WrongStatus.into()),
		}
		ensure!(
			c.dispute_until.is_some_and(|until| T::Time::now() >= until),
			Error::<T>::DisputeWindowOpen
		);

		// *** No fail beyond this point ***
		Self::settle_escrow(id, c, Permill::one(), ConsultationStatus::Settled);
		Ok(())
	}

	/// Settles a delivered (or disputed) consultation, paying the practitioner `part` of the
	/// escrow (all of it unless an arbiter decided otherwise) and claiming `part` of the
	/// insurer's share; the rest goes back. A practitioner who was not licensed at delivery is
	/// paid nothing. Cannot fail.
	pub(super) fn settle_escrow(
		id: ConsultationId,
		mut c: ConsultationOf<T>,
		part: Permill,
		status: ConsultationStatus,
	) {
		Self::unlist(id, &c);
		if !c.licensed_at_delivery {
			release::<_, T::Currency>(&HoldReason::Escrow.into(), &c.payer, c.patient_share);
			Self::release_reservation(&c, c.insurer_share);
			c.status = ConsultationStatus::Refunded;
			Consultations::<T>::insert(id, c);
			Self::deposit_event(Event::ConsultationRefunded { id });
			return;
		}
		let pay = part.mul_floor(c.patient_share);
		release::<_, T::Currency>(
			&HoldReason::Escrow.into(),
			&c.payer,
			c.patient_share.saturating_sub(pay),
		);
		let (paid, fee) = Self::pay_out(HoldReason::Escrow, &c.payer, &c.practitioner, pay);
		let claimed = part.mul_floor(c.insurer_share);
		Self::release_reservation(&c, c.insurer_share.saturating_sub(claimed));
		c.status = status;
		Consultations::<T>::insert(id, c.clone());
		Self::deposit_event(Event::ConsultationSettled { id, paid, fee });
		if !claimed.is_zero() {
			Self::create_claim(id, &c, claimed);
		}
	}

	// ---- reaping -----------------------------------------------------------------------------

	pub(crate) fn do_reap(id: ConsultationId) -> DispatchResult {
		let c = Self::consultation(id)?;
		ensure!(!c.status.is_open(), Error::<T>::StillOpen);
		let claim = ClaimOfConsultation::<T>::get(id);
		let pending = claim
			.and_then(Claims::<T>::get)
			.is_some_and(|claim| matches!(claim.status, ClaimStatus::Pending { .. }));
		ensure!(!pending, Error::<T>::ClaimPending);

		// *** No fail beyond this point ***
		release::<_, T::Currency>(&HoldReason::ConsultationDeposit.into(), &c.payer, c.deposit);
		Consultations::<T>::remove(id);
		if let Some(claim) = claim {
			ClaimOfConsultation::<T>::remove(id);
			Claims::<T>::remove(claim);
		}
		// The duplicate key goes with the last consultation of the visit: when its claim is
		// gone (this one, or reaped before) and no consultation for the same visit is still
		// open. New bookings cannot reach the key again: the visit's time has passed (it was
		// delivered).
		let key = Self::visit_key(&c);
		if let Some(owner) = ClaimedVisits::<T>::get(key) {
			let owner_gone = claim == Some(owner) || !Claims::<T>::contains_key(owner);
			if owner_gone && !Self::open_duplicate(&c, key) {
				ClaimedVisits::<T>::remove(key);
			}
		}
		Self::deposit_event(Event::ConsultationReaped { id, claim, deposit: c.deposit });
		Ok(())
	}

	/// Whether a consultation of `c`'s patient for the same visit (`key`) is still open.
	fn open_duplicate(c: &ConsultationOf<T>, key: Hash256) -> bool {
		OpenOfPatient::<T>::get(&c.patient)
			.into_iter()
			.filter_map(Consultations::<T>::get)
			.any(|other| Self::visit_key(&other) == key)
	}
}
