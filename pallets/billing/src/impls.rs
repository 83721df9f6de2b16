//! The logic behind the calls: escrow, settlement, claims and their checks; the queries of the
//! runtime API; the invariants.
//!
//! Every `do_*` function checks everything first and writes last: past the `No fail beyond
//! this point` marker nothing can fail, so a failed call changes nothing. Money only moves
//! between holds and the parties of a visit (and the network fee): billing mints and burns
//! nothing.

use crate::{pallet::*, types::*};
use alloc::vec::Vec;
use codec::Encode;
use frame_support::{
	ensure,
	pallet_prelude::*,
	traits::{
		fungible::MutateHold,
		tokens::{Fortitude, Precision, Restriction},
		Time,
	},
};
use sp_runtime::{
	traits::{Saturating, Zero},
	PerThing, Permill,
};
use telemed_primitives::{
	AccessAction, AccessTarget, ClaimId, ConsentVerifier, ConsultationId, DelegateScope,
	DelegationInspector, Hash256, LicenceQuery, Moment, PolicyId, PractitionerRegistry,
	PurposeOfUse, SetError,
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
	/// The chain's time now, in milliseconds.
	pub(crate) fn now() -> Moment {
		T::Time::now()
	}

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

	fn hold(reason: HoldReason, who: &T::AccountId, amount: BalanceOf<T>) -> DispatchResult {
		if amount.is_zero() {
			return Ok(());
		}
		T::Currency::hold(&reason.into(), who, amount)
			.map_err(|_| Error::<T>::InsufficientBalance.into())
	}

	fn release(reason: HoldReason, who: &T::AccountId, amount: BalanceOf<T>) {
		if amount.is_zero() {
			return;
		}
		// Best effort: the amount is held by this pallet under this reason (an invariant that
		// `try_state` checks), so the whole of it is released.
		let _ = T::Currency::release(&reason.into(), who, amount, Precision::BestEffort);
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
			Self::release(reason, from, rest);
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
				Self::hold(HoldReason::ServiceDeposit, &practitioner, deposit)?;
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
		Self::release(HoldReason::ServiceDeposit, &practitioner, entry.deposit);
		ServiceCount::<T>::mutate(&practitioner, |c| *c = c.saturating_sub(1));
		Self::deposit_event(Event::ServiceWithdrawn { practitioner, service: code });
		Ok(())
	}

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
		ensure!(scheduled_at > Self::now(), Error::<T>::InThePast);
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
		frame_support::storage::with_storage_layer(|| {
			Self::hold(HoldReason::Escrow, &payer, quote.patient_share)?;
			Self::hold(HoldReason::ConsultationDeposit, &payer, deposit)
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
		Self::deposit_event(Event::Booked {
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
		ensure!(Self::now() < c.scheduled_at, Error::<T>::BookingLapsed);
		ensure!(Self::is_licensed(&who), Error::<T>::NotLicensed);

		// *** No fail beyond this point ***
		c.status = ConsultationStatus::Accepted;
		Consultations::<T>::insert(id, c);
		Self::deposit_event(Event::Accepted { id });
		Ok(())
	}

	pub(crate) fn do_decline(who: T::AccountId, id: ConsultationId) -> DispatchResult {
		let c = Self::consultation(id)?;
		ensure!(c.practitioner == who, Error::<T>::NotYourConsultation);
		ensure!(c.status == ConsultationStatus::Requested, Error::<T>::WrongStatus);

		// *** No fail beyond this point ***
		Self::close(id, c, ConsultationStatus::Declined, Zero::zero());
		Self::deposit_event(Event::Declined { id });
		Ok(())
	}

	pub(crate) fn do_cancel(who: T::AccountId, id: ConsultationId) -> DispatchResult {
		let c = Self::consultation(id)?;
		let by_practitioner = who == c.practitioner;
		ensure!(by_practitioner || Self::patient_side(&c, &who), Error::<T>::NotPermitted);
		let now = Self::now();
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
		Self::deposit_event(Event::Cancelled { id, by: who, fee, refund });
		Ok(())
	}

	pub(crate) fn do_release_lapsed(id: ConsultationId) -> DispatchResult {
		let c = Self::consultation(id)?;
		ensure!(c.status == ConsultationStatus::Requested, Error::<T>::WrongStatus);
		ensure!(Self::now() >= c.scheduled_at, Error::<T>::TooEarly);

		// *** No fail beyond this point ***
		Self::close(id, c, ConsultationStatus::Lapsed, Zero::zero());
		Self::deposit_event(Event::Lapsed { id });
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
		Self::release(HoldReason::Escrow, &c.payer, c.patient_share.saturating_sub(fee));
		Self::release_reservation(&c, c.insurer_share);
		Self::unlist(id, &c);
		c.status = status;
		Consultations::<T>::insert(id, c);
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
		let now = Self::now();
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
		Self::deposit_event(Event::Delivered { id, licensed, dispute_until });
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

	pub(crate) fn do_dispute(who: T::AccountId, id: ConsultationId) -> DispatchResult {
		let mut c = Self::consultation(id)?;
		Self::ensure_patient_side(&c, &who)?;
		ensure!(c.status == ConsultationStatus::Delivered, Error::<T>::WrongStatus);
		let now = Self::now();
		ensure!(c.dispute_until.is_some_and(|until| now < until), Error::<T>::DisputeWindowClosed);
		let bond = T::DisputeBond::get();
		Self::hold(HoldReason::DisputeBond, &who, bond)?;

		// *** No fail beyond this point ***
		let deadline = now.saturating_add(T::DisputeDeadline::get());
		Disputes::<T>::insert(id, Dispute { disputer: who.clone(), bond, deadline });
		c.status = ConsultationStatus::Disputed;
		Consultations::<T>::insert(id, c);
		Self::deposit_event(Event::Disputed { id, by: who, bond });
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
			c.dispute_until.is_some_and(|until| Self::now() >= until),
			Error::<T>::DisputeWindowOpen
		);

		// *** No fail beyond this point ***
		Self::settle_escrow(id, c, Permill::one(), ConsultationStatus::Settled);
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
		ensure!(Self::now() >= deadline, Error::<T>::DisputeDeadlineNotReached);

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
			Self::release(HoldReason::DisputeBond, &d.disputer, d.bond);
			Self::deposit_event(Event::BondReturned { id, to: d.disputer, bond: d.bond });
		} else {
			Self::pay_out(HoldReason::DisputeBond, &d.disputer, &c.practitioner, d.bond);
			Self::deposit_event(Event::BondForfeited { id, from: d.disputer, bond: d.bond });
		}
	}

	/// Settles a delivered (or disputed) consultation, paying the practitioner `part` of the
	/// escrow (all of it unless an arbiter decided otherwise) and claiming `part` of the
	/// insurer's share; the rest goes back. A practitioner who was not licensed at delivery is
	/// paid nothing. Cannot fail.
	fn settle_escrow(
		id: ConsultationId,
		mut c: ConsultationOf<T>,
		part: Permill,
		status: ConsultationStatus,
	) {
		Self::unlist(id, &c);
		if !c.licensed_at_delivery {
			Self::release(HoldReason::Escrow, &c.payer, c.patient_share);
			Self::release_reservation(&c, c.insurer_share);
			c.status = ConsultationStatus::Refunded;
			Consultations::<T>::insert(id, c);
			Self::deposit_event(Event::Refunded { id });
			return;
		}
		let pay = part.mul_floor(c.patient_share);
		Self::release(HoldReason::Escrow, &c.payer, c.patient_share.saturating_sub(pay));
		let (paid, fee) = Self::pay_out(HoldReason::Escrow, &c.payer, &c.practitioner, pay);
		let claimed = part.mul_floor(c.insurer_share);
		Self::release_reservation(&c, c.insurer_share.saturating_sub(claimed));
		c.status = status;
		Consultations::<T>::insert(id, c.clone());
		Self::deposit_event(Event::Settled { id, paid, fee });
		if !claimed.is_zero() {
			Self::create_claim(id, &c, claimed);
		}
	}

	// ---- claims -----------------------------------------------------------------------------

	/// The key of a visit for the duplicate check.
	pub(crate) fn visit_key(c: &ConsultationOf<T>) -> Hash256 {
		use sp_runtime::traits::{BlakeTwo256, Hash};
		BlakeTwo256::hash(&(&c.patient, &c.practitioner, &c.service, c.scheduled_at).encode()).0
	}

	/// The chain's checks of a claim for `amount` of `c`, in order; the policy year and the
	/// limit used in it if they pass.
	pub(crate) fn check_claim(
		c: &ConsultationOf<T>,
		policy: &PolicyOf<T>,
		amount: BalanceOf<T>,
	) -> Result<(u32, BalanceOf<T>), FraudCheck> {
		let delivered_at = match (c.status, c.delivered_at) {
			(
				ConsultationStatus::Delivered
				| ConsultationStatus::Disputed
				| ConsultationStatus::Settled
				| ConsultationStatus::Resolved,
				Some(at),
			) => at,
			_ => return Err(FraudCheck::NotDelivered),
		};
		ensure!(c.licensed_at_delivery, FraudCheck::NotLicensed);
		ensure!(policy.in_force(delivered_at) && policy.covers(&c.service), FraudCheck::NotCovered);
		// The relationship, not a kind of data: a payment permit of any scope passes, a deny of
		// all data blocks (see the crate docs, *Payment consent*).
		T::Consent::check_access(
			&policy.insurer,
			&c.patient,
			AccessAction::Read,
			AccessTarget::Relationship,
			PurposeOfUse::Payment,
		)
		.map_err(|_| FraudCheck::NoPaymentConsent)?;
		ensure!(!ClaimedVisits::<T>::contains_key(Self::visit_key(c)), FraudCheck::Duplicate);
		// Charged to the policy year of the delivery, whatever was claimed in other years.
		let year = policy.year_of(delivered_at);
		let used = c.policy.map_or_else(Zero::zero, |id| PolicyUsage::<T>::get(id, year));
		let used = used.saturating_add(amount);
		ensure!(used <= policy.annual_limit, FraudCheck::LimitExceeded);
		Ok((year, used))
	}

	/// Creates the claim of a settled consultation for `amount` (already moved out of the
	/// policy's reservation by the caller's accounting), checks it and records the outcome.
	/// Cannot fail.
	pub(crate) fn create_claim(id: ConsultationId, c: &ConsultationOf<T>, amount: BalanceOf<T>) {
		let Some(policy_id) = c.policy else { return };
		let Some(mut policy) = Policies::<T>::get(policy_id) else { return };
		// The reservation becomes the claim.
		policy.reserved = policy.reserved.saturating_sub(amount);
		let claim_id = NextClaimId::<T>::get();
		NextClaimId::<T>::put(claim_id.saturating_add(1));
		let now = Self::now();
		let status = match Self::check_claim(c, &policy, amount) {
			Ok((year, used)) => {
				PolicyUsage::<T>::insert(policy_id, year, used);
				ClaimedVisits::<T>::insert(Self::visit_key(c), claim_id);
				let deadline = now.saturating_add(T::ClaimDeadline::get());
				Self::deposit_event(Event::ClaimCreated {
					id: claim_id,
					consultation: id,
					amount,
					deadline,
				});
				ClaimStatus::Pending { deadline }
			},
			Err(check) => {
				Self::uncommit(&policy.insurer, amount);
				Self::deposit_event(Event::ClaimRejected { id: claim_id, check });
				ClaimStatus::Rejected { check }
			},
		};
		Claims::<T>::insert(
			claim_id,
			Claim {
				consultation: id,
				policy: policy_id,
				insurer: policy.insurer.clone(),
				practitioner: c.practitioner.clone(),
				amount,
				created_at: now,
				status,
			},
		);
		ClaimOfConsultation::<T>::insert(id, claim_id);
		Policies::<T>::insert(policy_id, policy);
	}

	fn uncommit(insurer: &T::AccountId, amount: BalanceOf<T>) {
		Insurers::<T>::mutate(insurer, |i| {
			if let Some(i) = i {
				i.committed = i.committed.saturating_sub(amount)
			}
		});
	}

	fn pending_claim(id: ClaimId) -> Result<(ClaimOf<T>, Moment), DispatchError> {
		let claim = Claims::<T>::get(id).ok_or(Error::<T>::UnknownClaim)?;
		let ClaimStatus::Pending { deadline } = claim.status else {
			return Err(Error::<T>::ClaimClosed.into());
		};
		Ok((claim, deadline))
	}

	pub(crate) fn do_adjudicate(
		insurer: T::AccountId,
		id: ClaimId,
		approve: bool,
		reason: Hash256,
	) -> DispatchResult {
		let (mut claim, deadline) = Self::pending_claim(id)?;
		ensure!(claim.insurer == insurer, Error::<T>::NotYourClaim);
		ensure!(Self::now() < deadline, Error::<T>::ClaimDeadlinePassed);

		// *** No fail beyond this point ***
		if approve {
			Self::pay_claim(id, claim);
		} else {
			Self::uncommit(&claim.insurer, claim.amount);
			// The amount goes back to the year it was charged to: the year of delivery.
			let year = Policies::<T>::get(claim.policy)
				.zip(Consultations::<T>::get(claim.consultation).and_then(|c| c.delivered_at));
			if let Some((policy, delivered_at)) = year {
				let year = policy.year_of(delivered_at);
				PolicyUsage::<T>::mutate_exists(claim.policy, year, |used| {
					*used = used.map(|u| u.saturating_sub(claim.amount)).filter(|u| !u.is_zero());
				});
			}
			claim.status = ClaimStatus::Denied { reason };
			Claims::<T>::insert(id, claim);
			Self::deposit_event(Event::ClaimDenied { id, reason });
		}
		Ok(())
	}

	pub(crate) fn do_finalize_claim(id: ClaimId) -> DispatchResult {
		let (claim, deadline) = Self::pending_claim(id)?;
		ensure!(Self::now() >= deadline, Error::<T>::ClaimStillPending);

		// *** No fail beyond this point ***
		Self::pay_claim(id, claim);
		Ok(())
	}

	/// Pays an approved claim from the insurer's pool. Cannot fail.
	fn pay_claim(id: ClaimId, mut claim: ClaimOf<T>) {
		let (paid, fee) = Self::pay_out(
			HoldReason::InsurerPool,
			&claim.insurer,
			&claim.practitioner,
			claim.amount,
		);
		Insurers::<T>::mutate(&claim.insurer, |i| {
			if let Some(i) = i {
				i.pool = i.pool.saturating_sub(claim.amount);
				i.committed = i.committed.saturating_sub(claim.amount);
			}
		});
		claim.status = ClaimStatus::Approved;
		Claims::<T>::insert(id, claim);
		Self::deposit_event(Event::ClaimApproved { id, paid, fee });
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
		Self::release(HoldReason::ConsultationDeposit, &c.payer, c.deposit);
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
		Self::deposit_event(Event::Reaped { id, claim, deposit: c.deposit });
		Ok(())
	}

	/// Whether a consultation of `c`'s patient for the same visit (`key`) is still open.
	fn open_duplicate(c: &ConsultationOf<T>, key: Hash256) -> bool {
		OpenOfPatient::<T>::get(&c.patient)
			.into_iter()
			.filter_map(Consultations::<T>::get)
			.any(|other| Self::visit_key(&other) == key)
	}

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
		Self::hold(HoldReason::InsurerPool, &insurer, amount)?;

		// *** No fail beyond this point ***
		entry.pool = entry.pool.saturating_add(amount);
		let pool = entry.pool;
		Insurers::<T>::insert(&insurer, entry);
		Self::deposit_event(Event::PoolChanged { insurer, pool });
		Ok(())
	}

	pub(crate) fn do_withdraw_pool(insurer: T::AccountId, amount: BalanceOf<T>) -> DispatchResult {
		let mut entry = Insurers::<T>::get(&insurer).ok_or(Error::<T>::NotInsurer)?;
		ensure!(entry.pool.saturating_sub(entry.committed) >= amount, Error::<T>::InsufficientPool);

		// *** No fail beyond this point ***
		Self::release(HoldReason::InsurerPool, &insurer, amount);
		entry.pool = entry.pool.saturating_sub(amount);
		let pool = entry.pool;
		Insurers::<T>::insert(&insurer, entry);
		Self::deposit_event(Event::PoolChanged { insurer, pool });
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
		ensure!(valid_from < valid_until && valid_until > Self::now(), Error::<T>::BadValidity);
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
		policy.ended_at = Some(Self::now());
		Policies::<T>::insert(id, policy);
		Self::deposit_event(Event::PolicyEnded { id });
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

	// ---- invariants -------------------------------------------------------------------------

	/// What this pallet should hold from each account, by reason (an index into
	/// [`HOLD_REASONS`]), according to its storage: escrows of open consultations (by booker),
	/// consultation deposits (by booker, until reaped), dispute bonds (by disputer), pools (by
	/// insurer), service deposits (by practitioner). An account missing from the map should
	/// hold nothing.
	#[cfg(any(feature = "try-runtime", test))]
	pub fn expected_holds(
	) -> alloc::collections::btree_map::BTreeMap<(T::AccountId, usize), BalanceOf<T>> {
		use alloc::collections::btree_map::BTreeMap;
		let mut holds: BTreeMap<(T::AccountId, usize), BalanceOf<T>> = BTreeMap::new();
		let mut add = |who: &T::AccountId, reason: HoldReason, v: BalanceOf<T>| {
			let index = HOLD_REASONS.iter().position(|r| *r == reason).unwrap_or_default();
			let e = holds.entry((who.clone(), index)).or_insert_with(Zero::zero);
			*e = e.saturating_add(v);
		};
		for (_, c) in Consultations::<T>::iter() {
			add(&c.payer, HoldReason::ConsultationDeposit, c.deposit);
			let escrow = if c.status.is_open() { c.patient_share } else { Zero::zero() };
			add(&c.payer, HoldReason::Escrow, escrow);
		}
		for (_, d) in Disputes::<T>::iter() {
			add(&d.disputer, HoldReason::DisputeBond, d.bond);
		}
		for (who, insurer) in Insurers::<T>::iter() {
			add(&who, HoldReason::InsurerPool, insurer.pool);
		}
		for (practitioner, _, service) in Services::<T>::iter() {
			add(&practitioner, HoldReason::ServiceDeposit, service.deposit);
		}
		holds
	}

	/// The pallet's invariants — money is conserved:
	/// - what each account has on hold, by reason, is what [`Self::expected_holds`] computes
	///   from storage: escrows of open consultations, consultation deposits of unreaped
	///   consultations, bonds of open disputes, pools, service deposits (and the service counts
	///   match);
	/// - each insurer's `committed` equals the insurer shares of open consultations under its
	///   policies plus its pending claims, and never exceeds its pool;
	/// - each policy's `reserved` equals the insurer shares of open consultations under it;
	/// - each policy year's usage covers the pending and approved claims charged to it;
	/// - the open lists hold exactly the open consultations; a consultation is disputed exactly
	///   when it has a dispute; every claim belongs to an existing consultation and is its
	///   claim; every duplicate key belongs to an existing claim or consultation of the visit.
	#[cfg(any(feature = "try-runtime", test))]
	pub fn do_try_state() -> Result<(), sp_runtime::TryRuntimeError> {
		use alloc::collections::{btree_map::BTreeMap, btree_set::BTreeSet};
		use frame_support::traits::fungible::InspectHold;

		let mut committed: BTreeMap<T::AccountId, BalanceOf<T>> = BTreeMap::new();
		let mut reserved: BTreeMap<PolicyId, BalanceOf<T>> = BTreeMap::new();
		let mut keys: BTreeSet<Hash256> = BTreeSet::new();
		let add = |map: &mut BTreeMap<T::AccountId, BalanceOf<T>>, who: &T::AccountId, v| {
			let e = map.entry(who.clone()).or_insert_with(Zero::zero);
			*e = e.saturating_add(v);
		};
		for (id, c) in Consultations::<T>::iter() {
			let listed = OpenOfPatient::<T>::get(&c.patient).contains(&id)
				&& OpenOfPractitioner::<T>::get(&c.practitioner).contains(&id);
			ensure!(listed == c.status.is_open(), "open consultations listed");
			ensure!(c.patient_share.saturating_add(c.insurer_share) == c.price, "shares");
			ensure!(
				(c.status == ConsultationStatus::Disputed) == Disputes::<T>::contains_key(id),
				"a consultation is disputed exactly when it has a dispute"
			);
			keys.insert(Self::visit_key(&c));
			if !c.status.is_open() {
				continue;
			}
			if let Some(policy_id) = c.policy {
				let policy = Policies::<T>::get(policy_id).ok_or("policy missing")?;
				add(&mut committed, &policy.insurer, c.insurer_share);
				let e = reserved.entry(policy_id).or_insert_with(Zero::zero);
				*e = e.saturating_add(c.insurer_share);
			}
		}
		for id in Disputes::<T>::iter_keys() {
			ensure!(Consultations::<T>::contains_key(id), "dispute of a missing consultation");
		}
		let mut charged: BTreeMap<(PolicyId, u32), BalanceOf<T>> = BTreeMap::new();
		for (claim_id, claim) in Claims::<T>::iter() {
			let c = Consultations::<T>::get(claim.consultation).ok_or("claim without visit")?;
			ensure!(
				ClaimOfConsultation::<T>::get(claim.consultation) == Some(claim_id),
				"claim index"
			);
			let counts = match claim.status {
				ClaimStatus::Pending { .. } => {
					add(&mut committed, &claim.insurer, claim.amount);
					true
				},
				ClaimStatus::Approved => true,
				_ => false,
			};
			if let (true, Some(policy), Some(at)) =
				(counts, Policies::<T>::get(claim.policy), c.delivered_at)
			{
				let e =
					charged.entry((claim.policy, policy.year_of(at))).or_insert_with(Zero::zero);
				*e = e.saturating_add(claim.amount);
			}
		}
		for (id, claim_id) in ClaimOfConsultation::<T>::iter() {
			ensure!(
				Claims::<T>::get(claim_id).is_some_and(|c| c.consultation == id),
				"claim index points at the claim"
			);
		}
		for ((policy, year), amount) in charged {
			ensure!(PolicyUsage::<T>::get(policy, year) >= amount, "usage below claims");
		}
		for (key, claim_id) in ClaimedVisits::<T>::iter() {
			ensure!(
				Claims::<T>::contains_key(claim_id) || keys.contains(&key),
				"a duplicate key outlived its visit"
			);
		}
		for ((who, reason), amount) in Self::expected_holds() {
			let held = T::Currency::balance_on_hold(&HOLD_REASONS[reason].into(), &who);
			ensure!(held == amount, "held differs from storage");
		}
		for (who, insurer) in Insurers::<T>::iter() {
			let expected = committed.get(&who).copied().unwrap_or_else(Zero::zero);
			ensure!(insurer.committed == expected, "committed differs");
			ensure!(insurer.committed <= insurer.pool, "committed above pool");
		}
		for (id, policy) in Policies::<T>::iter() {
			let expected = reserved.get(&id).copied().unwrap_or_else(Zero::zero);
			ensure!(policy.reserved == expected, "policy reservation differs");
		}
		let mut counts: BTreeMap<T::AccountId, u32> = BTreeMap::new();
		for (practitioner, _, _) in Services::<T>::iter() {
			*counts.entry(practitioner).or_insert(0) += 1;
		}
		for (who, count) in counts.iter() {
			ensure!(ServiceCount::<T>::get(who) == *count, "service count");
		}
		Ok(())
	}
}
