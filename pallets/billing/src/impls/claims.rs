//! Claims: created at settlement, checked by the chain, answered by the insurer or by its
//! deadline.

use crate::{pallet::*, types::*};
use codec::Encode;
use frame_support::{ensure, pallet_prelude::*, traits::Time};
use sp_runtime::traits::{Saturating, Zero};
use telemed_primitives::{
	AccessAction, AccessTarget, ClaimId, ConsentVerifier, ConsultationId, Hash256, Moment,
	PurposeOfUse,
};

impl<T: Config> Pallet<T> {
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
		let now = T::Time::now();
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
		ensure!(T::Time::now() < deadline, Error::<T>::ClaimDeadlinePassed);

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
		ensure!(T::Time::now() >= deadline, Error::<T>::ClaimStillPending);

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
}
