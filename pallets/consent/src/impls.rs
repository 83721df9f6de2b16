//! The logic behind the calls, the access rule, and the trait implementations the other
//! pallets use.
//!
//! Every `do_*` function checks everything first and writes last: past the `No fail beyond
//! this point` marker nothing can fail, so a failed call changes nothing.

use crate::{pallet::*, types::*, WeightInfo};
use alloc::vec::Vec;
use frame_support::{
	ensure,
	pallet_prelude::*,
	traits::{
		fungible::MutateHold,
		tokens::{Fortitude, Precision, Restriction},
		Time,
	},
};
use frame_system::pallet_prelude::OriginFor;
use telemed_primitives::{
	deposits, AccessAction, AccessBasis, AccessDenial, AccessTarget, CheckReads, ConsentId,
	ConsentVerifier, DelegateScope, DelegationInspector, DisclosedData, Disclosure, DisclosureLog,
	EmergencyAccessId, EnvelopeKeeper, Hash256, LicenceQuery, Moment, PractitionerRegistry,
	PractitionerStanding, PurposeOfUse, RecordInspector, RecordRefusal, SetError, Tag,
};

impl<T: Config> Pallet<T> {
	// ---- validation -------------------------------------------------------------------------

	/// Sorts and bounds a list, refusing an empty one and duplicates.
	fn sorted_set<V: Ord, S: Get<u32>>(
		items: Vec<V>,
		empty: Error<T>,
		too_many: Error<T>,
	) -> Result<BoundedVec<V, S>, DispatchError> {
		ensure!(!items.is_empty(), empty);
		telemed_primitives::sorted_set(items).map_err(|e| match e {
			SetError::TooMany => too_many.into(),
			SetError::Duplicate => Error::<T>::Duplicate.into(),
		})
	}

	/// Refuses a tag that another patient's records carry. A tag no record carries yet is
	/// allowed: a scope may name the tag of the patient's future records.
	fn ensure_own_tag(patient: &T::AccountId, tag: &Tag) -> DispatchResult {
		match T::Records::tag_patient(tag) {
			Some(owner) if &owner != patient => Err(Error::<T>::TagOfAnotherPatient.into()),
			_ => Ok(()),
		}
	}

	/// Checks a requested scope. Each named record must exist and be `patient`'s; it is stored
	/// by its stable identity (naming two versions of one record names it once), all resolved
	/// in one read of the patient's list however many are named. Tags are checked as a set
	/// only: a tag another patient's records carry is not looked up (a read per tag), since a
	/// scope covers only `patient`'s own data and their records cannot carry such a tag (the
	/// records pallet refuses it), so naming one covers nothing.
	fn parse_scope(
		patient: &T::AccountId,
		scope: ScopeRequestOf<T>,
	) -> Result<ConsentScope<T::MaxScopeItems>, DispatchError> {
		Ok(match scope {
			ScopeRequest::AllData => ConsentScope::AllData,
			ScopeRequest::Tags(tags) => ConsentScope::Tags(Self::sorted_set(
				tags.into_inner(),
				Error::<T>::EmptyScope,
				Error::<T>::TooManyScopeItems,
			)?),
			ScopeRequest::Records(versions) => {
				ensure!(!versions.is_empty(), Error::<T>::EmptyScope);
				let mut records = T::Records::patient_records(patient, &versions).map_err(
					|refusal| match refusal {
						RecordRefusal::Unknown => Error::<T>::UnknownRecord,
						RecordRefusal::OtherPatient => Error::<T>::NotPatientsRecord,
					},
				)?;
				records.sort();
				records.dedup();
				ConsentScope::Records(Self::sorted_set(
					records,
					Error::<T>::EmptyScope,
					Error::<T>::TooManyScopeItems,
				)?)
			},
		})
	}

	/// Whether `agent` is `patient` or, now, a delegate of theirs with `scope`.
	fn acts_for(patient: &T::AccountId, agent: &T::AccountId, scope: DelegateScope) -> bool {
		patient == agent || Self::delegate_allows(patient, agent, scope, T::Time::now())
	}

	fn delegate_allows(
		patient: &T::AccountId,
		agent: &T::AccountId,
		scope: DelegateScope,
		now: Moment,
	) -> bool {
		Delegates::<T>::get(patient, agent).is_some_and(|d| d.allows(scope, now))
	}

	/// Holds a deposit ([`deposits::hold`]); too little free balance is `InsufficientBalance`.
	fn hold(reason: HoldReason, who: &T::AccountId, amount: BalanceOf<T>) -> DispatchResult {
		deposits::hold::<_, T::Currency>(&reason.into(), who, amount)
			.map_err(|_| Error::<T>::InsufficientBalance.into())
	}

	/// Releases a deposit ([`deposits::release`]).
	fn release(reason: HoldReason, who: &T::AccountId, amount: BalanceOf<T>) {
		deposits::release::<_, T::Currency>(&reason.into(), who, amount);
	}

	/// Asks the envelope keeper to remove `grantee`'s envelopes of `patient`'s records that
	/// `grantee` may no longer read, now that a call here ended or narrowed its access (called
	/// after the state says so). Returns the weight used, at most
	/// [`EnvelopeKeeper::max_prune_weight`], which the calls charge up front.
	fn prune(patient: &T::AccountId, grantee: &T::AccountId) -> Weight {
		T::Envelopes::prune_envelopes(patient, grantee).min(T::Envelopes::max_prune_weight())
	}

	// ---- consents ---------------------------------------------------------------------------

	/// Grants a consent ([`Pallet::grant_consent`]); returns its id and the call's weight:
	/// the grant's for the scope items named and whether it cleaned up at the per-grantee
	/// bound, plus the envelopes a deny in force pruned.
	#[allow(clippy::too_many_arguments)]
	pub(crate) fn do_grant(
		who: T::AccountId,
		patient: T::AccountId,
		grantee: T::AccountId,
		decision: Decision,
		actions: Vec<AccessAction>,
		scope: ScopeRequestOf<T>,
		purposes: Vec<PurposeOfUse>,
		start: Option<Moment>,
		end: Option<Moment>,
	) -> Result<(ConsentId, Weight), DispatchError> {
		let items = scope.charged_items();
		let now = T::Time::now();
		// The appointment's end, when a delegate signs: the consent may not outlive it.
		let delegation_end = if who == patient {
			None
		} else {
			let delegation = Delegates::<T>::get(&patient, &who)
				.filter(|d| d.allows(DelegateScope::ManageConsents, now))
				.ok_or(Error::<T>::NotPermitted)?;
			ensure!(grantee != who, Error::<T>::DelegateCannotGrantItself);
			delegation.until
		};
		ensure!(grantee != patient, Error::<T>::GrantToSelf);
		let actions = Self::sorted_set(actions, Error::<T>::NoActions, Error::<T>::Duplicate)?;
		let purposes = Self::sorted_set(purposes, Error::<T>::NoPurposes, Error::<T>::Duplicate)?;
		let scope = Self::parse_scope(&patient, scope)?;
		let start = start.unwrap_or(now);
		let end = match (end, delegation_end) {
			(Some(end), Some(until)) => {
				ensure!(end <= until, Error::<T>::EndsAfterDelegation);
				Some(end)
			},
			(None, until) => until,
			(end, None) => end,
		};
		if let Some(end) = end {
			ensure!(end > start, Error::<T>::EndBeforeStart);
			ensure!(end > now, Error::<T>::AlreadyEnded);
		}
		let mut ids = ConsentsOf::<T>::get(&patient);
		let mut to_grantee = ConsentsByGrantee::<T>::get(&patient, &grantee);
		// At the per-grantee bound, the oldest of the pair's consents that a cleanup may take
		// without pruning anything, of those the signer paid for, goes first (see
		// `cleanable`), as `remove_consent` takes it: one makes the room. Its provision says
		// all the clean-up needs: nothing more is read.
		let at_bound = to_grantee.len() as u32 >= T::MaxConsentsPerGrantee::get();
		let cleaned = if at_bound { Self::cleanable(&to_grantee, &who, now) } else { None };
		let cleaned = cleaned.map(|at| to_grantee.remove(at));
		if let Some(cleaned) = &cleaned {
			ids.retain(|i| *i != cleaned.id);
		}
		let id = NextConsentId::<T>::get();
		let next = id.checked_add(1).ok_or(Error::<T>::IdsExhausted)?;
		ids.try_push(id).map_err(|_| Error::<T>::TooManyConsents)?;
		let grantee_kind = if T::Practitioners::key_agreement_key(&grantee).is_some() {
			GranteeKind::Practitioner
		} else {
			GranteeKind::Organisation
		};
		let consent = Consent {
			patient: patient.clone(),
			grantee: grantee.clone(),
			grantee_kind,
			decision,
			actions,
			scope,
			purposes,
			start,
			end,
			status: ConsentStatus::Active,
			granted_by: who.clone(),
			depositor: who.clone(),
			deposit: T::ConsentDeposit::get(),
			granted_at: now,
		};
		to_grantee
			.try_push(consent.provision(id))
			.map_err(|_| Error::<T>::TooManyConsentsToGrantee)?;
		Self::hold(HoldReason::ConsentDeposit, &who, consent.deposit)?;

		// *** No fail beyond this point ***
		if let Some(gone) = cleaned {
			// The signer's: the hold just taken read its holds and account.
			Consents::<T>::remove(gone.id);
			Self::release(HoldReason::ConsentDeposit, &gone.depositor, gone.deposit);
			Self::deposit_event(Event::ConsentRemoved {
				id: gone.id,
				depositor: gone.depositor,
				deposit: gone.deposit,
			});
		}
		Consents::<T>::insert(id, consent);
		ConsentsOf::<T>::insert(&patient, ids);
		ConsentsByGrantee::<T>::insert(&patient, &grantee, to_grantee);
		NextConsentId::<T>::put(next);
		// A deny that counts now narrows what the grantee may read: its envelopes go. (A deny
		// that starts later is not in force yet; the grantee may still read until then.)
		let pruned = if decision == Decision::Deny && start <= now {
			Self::prune(&patient, &grantee)
		} else {
			Weight::zero()
		};
		Self::deposit_event(Event::ConsentGranted { id, patient, grantee, decision, by: who });
		let grant = T::WeightInfo::grant_consent(items, u32::from(at_bound));
		Ok((id, grant.saturating_add(pruned)))
	}

	/// Where, in one (patient, grantee) list, is the consent that a grant at the per-grantee
	/// bound signed by `signer` cleans up first: the oldest (the list is in the order granted)
	/// of those `signer` paid the deposit of, that no longer count and whose removal prunes no
	/// envelope, that is the revoked ones (the revocation pruned already) and the denies that
	/// ended (removing a deny never prunes). A permit that ended another way (its end passed,
	/// or it lapsed with its delegate's appointment) stays until [`Pallet::remove_consent`],
	/// which is charged for pruning what it covered; so does a consent someone else paid for
	/// (its deposit goes back to them: anyone may remove it). Reads nothing: the list holds
	/// each consent's standing and depositor.
	pub(crate) fn cleanable(
		list: &[ProvisionOf<T>],
		signer: &T::AccountId,
		now: Moment,
	) -> Option<usize> {
		list.iter().position(|p| {
			p.depositor == *signer
				&& match p.standing(now) {
					ConsentStanding::Revoked => true,
					ConsentStanding::Ended => p.decision == Decision::Deny,
					ConsentStanding::InForce | ConsentStanding::NotYetStarted => false,
				}
		})
	}

	/// Sets the status of consent `id` to `status`, in the consent and in its (patient,
	/// grantee) index entry, so that both say the same.
	fn set_status(id: ConsentId, consent: &mut ConsentOf<T>, status: ConsentStatus) {
		consent.status = status;
		ConsentsByGrantee::<T>::mutate(&consent.patient, &consent.grantee, |list| {
			if let Some(p) = list.iter_mut().find(|p| p.id == id) {
				p.status = status;
			}
		});
		Consents::<T>::insert(id, &*consent);
	}

	/// Whether `origin` may revoke consent `id` now: what makes the revocation free of fees.
	pub(crate) fn may_revoke(origin: &OriginFor<T>, id: ConsentId) -> bool {
		let Ok(who) = frame_system::ensure_signed(origin.clone()) else { return false };
		Consents::<T>::get(id).is_some_and(|c| {
			c.status == ConsentStatus::Active
				&& Self::acts_for(&c.patient, &who, DelegateScope::ManageConsents)
		})
	}

	/// Revokes consent `id`; for a permit, prunes the grantee's envelopes after the state says
	/// so. Returns the weight of the pruning.
	pub(crate) fn do_revoke(who: T::AccountId, id: ConsentId) -> Result<Weight, DispatchError> {
		let mut consent = Consents::<T>::get(id).ok_or(Error::<T>::UnknownConsent)?;
		ensure!(
			Self::acts_for(&consent.patient, &who, DelegateScope::ManageConsents),
			Error::<T>::NotPermitted
		);
		match consent.status {
			ConsentStatus::Active => {},
			ConsentStatus::Revoked => return Err(Error::<T>::AlreadyRevoked.into()),
			ConsentStatus::Lapsed => return Err(Error::<T>::ConsentLapsed.into()),
		}

		// *** No fail beyond this point ***
		Self::set_status(id, &mut consent, ConsentStatus::Revoked);
		let (patient, grantee, decision) = (consent.patient, consent.grantee, consent.decision);
		// Revoking a deny widens access: nothing to prune.
		let pruned = match decision {
			Decision::Permit => Self::prune(&patient, &grantee),
			Decision::Deny => Weight::zero(),
		};
		Self::deposit_event(Event::ConsentRevoked { id, by: who });
		Ok(pruned)
	}

	/// Removes ended consent `id`; for a permit, prunes the grantee's envelopes after it is
	/// gone (an expired permit, or one whose delegate's appointment ended, is cleaned up
	/// here). Returns the weight of the pruning.
	pub(crate) fn do_remove_consent(id: ConsentId) -> Result<Weight, DispatchError> {
		let consent = Consents::<T>::get(id).ok_or(Error::<T>::UnknownConsent)?;
		ensure!(
			matches!(
				consent.standing(T::Time::now()),
				ConsentStanding::Ended | ConsentStanding::Revoked
			),
			Error::<T>::ConsentInForce
		);

		// *** No fail beyond this point ***
		ConsentsOf::<T>::mutate(&consent.patient, |ids| ids.retain(|i| *i != id));
		Self::unindex(&consent.patient, &consent.grantee, id);
		Consents::<T>::remove(id);
		Self::release(HoldReason::ConsentDeposit, &consent.depositor, consent.deposit);
		let pruned = match consent.decision {
			Decision::Permit => Self::prune(&consent.patient, &consent.grantee),
			Decision::Deny => Weight::zero(),
		};
		Self::deposit_event(Event::ConsentRemoved {
			id,
			depositor: consent.depositor,
			deposit: consent.deposit,
		});
		Ok(pruned)
	}

	/// Takes consent `id` off the (patient, grantee) index, removing a list it empties.
	pub(crate) fn unindex(patient: &T::AccountId, grantee: &T::AccountId, id: ConsentId) {
		ConsentsByGrantee::<T>::mutate_exists(patient, grantee, |ids| {
			if let Some(list) = ids {
				list.retain(|p| p.id != id);
				if list.is_empty() {
					*ids = None;
				}
			}
		});
	}

	// ---- delegates --------------------------------------------------------------------------

	pub(crate) fn do_add_delegate(
		patient: T::AccountId,
		delegate: T::AccountId,
		scopes: Vec<DelegateScope>,
		until: Option<Moment>,
	) -> DispatchResult {
		ensure!(patient != delegate, Error::<T>::DelegateToSelf);
		let scopes = Self::sorted_set(scopes, Error::<T>::NoScopes, Error::<T>::Duplicate)?;
		let now = T::Time::now();
		ensure!(until.map_or(true, |u| u > now), Error::<T>::AlreadyEnded);
		ensure!(!Delegates::<T>::contains_key(&patient, &delegate), Error::<T>::AlreadyDelegate);
		let count = DelegateCount::<T>::get(&patient);
		ensure!(count < T::MaxDelegatesPerPatient::get(), Error::<T>::TooManyDelegates);
		let deposit = T::DelegateDeposit::get();
		Self::hold(HoldReason::DelegateDeposit, &patient, deposit)?;

		// *** No fail beyond this point ***
		let listed = scopes.to_vec();
		Delegates::<T>::insert(
			&patient,
			&delegate,
			Delegation { scopes, until, deposit, since: now },
		);
		DelegateCount::<T>::insert(&patient, count.saturating_add(1));
		Self::deposit_event(Event::DelegateAdded { patient, delegate, scopes: listed, until });
		Ok(())
	}

	/// Ends `delegate`'s appointment: the active consents it granted lapse, then the
	/// delegate's envelopes it may no longer read are pruned. Returns how many of the
	/// patient's consents were looked at, and the weight of the pruning.
	pub(crate) fn do_remove_delegate(
		who: T::AccountId,
		patient: T::AccountId,
		delegate: T::AccountId,
	) -> Result<(u32, Weight), DispatchError> {
		let delegation =
			Delegates::<T>::get(&patient, &delegate).ok_or(Error::<T>::UnknownDelegate)?;
		ensure!(who == patient || who == delegate, Error::<T>::NotPermitted);

		// *** No fail beyond this point ***
		// Every consent the delegate granted and that is active lapses, whichever appointment
		// granted it (an earlier one's lapsed when it was removed), so that an access check
		// needs no `Delegates` read to know a consent ended with its appointment.
		let ids = ConsentsOf::<T>::get(&patient);
		for id in ids.iter() {
			let Some(mut consent) = Consents::<T>::get(id) else { continue };
			if consent.granted_by == delegate && consent.status == ConsentStatus::Active {
				Self::set_status(*id, &mut consent, ConsentStatus::Lapsed);
				Self::deposit_event(Event::ConsentLapsed { id: *id });
			}
		}
		Delegates::<T>::remove(&patient, &delegate);
		match DelegateCount::<T>::get(&patient).saturating_sub(1) {
			0 => DelegateCount::<T>::remove(&patient),
			remaining => DelegateCount::<T>::insert(&patient, remaining),
		}
		Self::release(HoldReason::DelegateDeposit, &patient, delegation.deposit);
		let pruned = Self::prune(&patient, &delegate);
		Self::deposit_event(Event::DelegateRemoved { patient, delegate });
		Ok((ids.len() as u32, pruned))
	}

	// ---- break-glass ------------------------------------------------------------------------

	/// Opens break-glass access; returns its id.
	pub(crate) fn do_open_emergency(
		practitioner: T::AccountId,
		patient: T::AccountId,
		statement: Hash256,
	) -> Result<EmergencyAccessId, DispatchError> {
		ensure!(
			T::Practitioners::may_use_emergency_access(&practitioner),
			Error::<T>::NotEmergencyPractitioner
		);
		ensure!(practitioner != patient, Error::<T>::EmergencyOnSelf);
		let now = T::Time::now();
		if let Some(open) =
			OpenEmergency::<T>::get(&patient, &practitioner).and_then(EmergencyAccesses::<T>::get)
		{
			ensure!(!open.is_open(now), Error::<T>::EmergencyAlreadyOpen);
		}
		let mut pending = PendingReviews::<T>::get(&patient, &practitioner);
		let id = NextEmergencyAccessId::<T>::get();
		let next = id.checked_add(1).ok_or(Error::<T>::IdsExhausted)?;
		pending.try_push(id).map_err(|_| Error::<T>::TooManyPendingReviews)?;
		let expires_at = now.saturating_add(T::EmergencyAccessDuration::get());
		let deposit = T::EmergencyDeposit::get();
		Self::hold(HoldReason::EmergencyDeposit, &practitioner, deposit)?;

		// *** No fail beyond this point ***
		EmergencyAccesses::<T>::insert(
			id,
			EmergencyAccess {
				practitioner: practitioner.clone(),
				patient: patient.clone(),
				statement,
				opened_at: now,
				expires_at,
				closed_at: None,
				deposit,
				review: Review::Pending,
			},
		);
		OpenEmergency::<T>::insert(&patient, &practitioner, id);
		PendingReviews::<T>::insert(&patient, &practitioner, pending);
		NextEmergencyAccessId::<T>::put(next);
		Self::deposit_event(Event::EmergencyAccessOpened {
			id,
			patient: patient.clone(),
			practitioner: practitioner.clone(),
			expires_at,
		});
		Self::append_disclosure(Disclosure {
			accessor: practitioner,
			patient,
			data: DisclosedData::AllData,
			action: AccessAction::Read,
			purpose: PurposeOfUse::EmergencyTreatment,
			basis: AccessBasis::Emergency(id),
			at: now,
		});
		Ok(id)
	}

	/// Closes break-glass access `id`, then prunes the practitioner's envelopes it may no
	/// longer read. Returns the weight of the pruning.
	pub(crate) fn do_close_emergency(
		who: T::AccountId,
		id: EmergencyAccessId,
	) -> Result<Weight, DispatchError> {
		let mut access =
			EmergencyAccesses::<T>::get(id).ok_or(Error::<T>::UnknownEmergencyAccess)?;
		ensure!(access.practitioner == who, Error::<T>::NotYourEmergencyAccess);
		let now = T::Time::now();
		ensure!(access.is_open(now), Error::<T>::EmergencyAccessNotOpen);

		// *** No fail beyond this point ***
		access.closed_at = Some(now);
		OpenEmergency::<T>::remove(&access.patient, &access.practitioner);
		let (patient, practitioner) = (access.patient.clone(), access.practitioner.clone());
		EmergencyAccesses::<T>::insert(id, access);
		let pruned = Self::prune(&patient, &practitioner);
		Self::deposit_event(Event::EmergencyAccessClosed { id });
		Ok(pruned)
	}

	/// Reviews an access: by the review origin (`None`) or a signed patient or delegate. Once
	/// the access no longer counts, prunes the practitioner's envelopes it may no longer read.
	/// Returns the weight of the pruning.
	pub(crate) fn do_review(
		reviewer: Option<T::AccountId>,
		id: EmergencyAccessId,
		justified: bool,
	) -> Result<Weight, DispatchError> {
		let mut access =
			EmergencyAccesses::<T>::get(id).ok_or(Error::<T>::UnknownEmergencyAccess)?;
		if let Some(who) = &reviewer {
			ensure!(
				Self::acts_for(&access.patient, who, DelegateScope::ManageConsents),
				Error::<T>::NotPermitted
			);
		}
		ensure!(access.review == Review::Pending, Error::<T>::AlreadyReviewed);
		let reason = HoldReason::EmergencyDeposit.into();
		if !justified {
			// Moving the held deposit is the last fallible step.
			T::Currency::transfer_on_hold(
				&reason,
				&access.practitioner,
				&T::SlashBeneficiary::get(),
				access.deposit,
				Precision::BestEffort,
				Restriction::Free,
				Fortitude::Force,
			)?;
		}

		// *** No fail beyond this point ***
		let now = T::Time::now();
		if justified {
			Self::release(HoldReason::EmergencyDeposit, &access.practitioner, access.deposit);
			access.review = Review::Justified;
		} else {
			access.review = Review::Unjustified;
			if access.closed_at.is_none() && now < access.expires_at {
				access.closed_at = Some(now);
			}
		}
		if OpenEmergency::<T>::get(&access.patient, &access.practitioner) == Some(id)
			&& !access.is_open(now)
		{
			OpenEmergency::<T>::remove(&access.patient, &access.practitioner);
		}
		PendingReviews::<T>::mutate_exists(&access.patient, &access.practitioner, |p| {
			if let Some(ids) = p {
				ids.retain(|i| *i != id);
				if ids.is_empty() {
					*p = None;
				}
			}
		});
		let still_open = access.is_open(now);
		let (patient, practitioner) = (access.patient.clone(), access.practitioner.clone());
		EmergencyAccesses::<T>::insert(id, access);
		let pruned = if still_open { Weight::zero() } else { Self::prune(&patient, &practitioner) };
		Self::deposit_event(Event::EmergencyAccessReviewed {
			id,
			justified,
			by_review_origin: reviewer.is_none(),
		});
		Ok(pruned)
	}

	// ---- access and disclosures -------------------------------------------------------------

	/// The access rule (see the crate docs), and how many consents it weighed: those of the
	/// patient to the accessor only, at most [`Config::MaxConsentsPerGrantee`], all in one
	/// item ([`ConsentsByGrantee`]'s provisions). It reads a constant number of items
	/// whatever the patient holds: the accessor's delegation, the break-glass access for an
	/// emergency purpose, that item, and the registry's (a constant number per lookup).
	pub fn access(
		accessor: &T::AccountId,
		patient: &T::AccountId,
		action: AccessAction,
		target: AccessTarget,
		purpose: PurposeOfUse,
	) -> (Result<AccessBasis, AccessDenial>, CheckReads) {
		let mut reads = CheckReads::default();
		if accessor == patient {
			return (Ok(AccessBasis::Patient), reads);
		}
		let now = T::Time::now();
		if Self::delegate_allows(patient, accessor, DelegateScope::AccessRecords, now) {
			return (Ok(AccessBasis::Delegate), reads);
		}
		if purpose == PurposeOfUse::EmergencyTreatment {
			if let Some(id) = OpenEmergency::<T>::get(patient, accessor) {
				if EmergencyAccesses::<T>::get(id).is_some_and(|a| a.is_open(now)) {
					if T::Practitioners::may_use_emergency_access(accessor) {
						return (Ok(AccessBasis::Emergency(id)), reads);
					}
				}
			}
		}
		let provisions = ConsentsByGrantee::<T>::get(patient, accessor);
		reads.consents = provisions.len() as u32;
		// The first covering permit, and the first granted to the grantee as anyone but a
		// practitioner: a registered practitioner needs a licence for every permit, anyone
		// else for the permits granted to them as a practitioner.
		let mut first: Option<ConsentId> = None;
		let mut first_not_practitioner: Option<ConsentId> = None;
		for provision in provisions.iter() {
			if !provision.covers(action, target, purpose)
				|| provision.standing(now) != ConsentStanding::InForce
			{
				continue;
			}
			match provision.decision {
				Decision::Deny => {
					return (Err(AccessDenial::ExplicitlyDenied(provision.id)), reads)
				},
				Decision::Permit => {
					first.get_or_insert(provision.id);
					if provision.grantee_kind != GranteeKind::Practitioner {
						first_not_practitioner.get_or_insert(provision.id);
					}
				},
			}
		}
		let Some(first) = first else { return (Err(AccessDenial::NoConsent), reads) };
		// The grantee's standing is decided now, in at most two reads (the registry's).
		let outcome = match (
			T::Practitioners::practitioner_standing(accessor, &LicenceQuery::any()),
			first_not_practitioner,
		) {
			(PractitionerStanding::Licensed, _) => Ok(AccessBasis::Consent(first)),
			(PractitionerStanding::NotRegistered, Some(id)) => Ok(AccessBasis::Consent(id)),
			_ => Err(AccessDenial::NotLicensed),
		};
		(outcome, reads)
	}

	/// Checks what the caller says (the patient exists; a named record is theirs and carries
	/// the tag given; a named tag is not another patient's), then the access, on the record's
	/// stable identity, and logs it with the version named (its id only); returns what the
	/// check read.
	pub(crate) fn do_log_access(
		accessor: T::AccountId,
		patient: T::AccountId,
		action: AccessAction,
		target: AccessTarget,
		purpose: PurposeOfUse,
	) -> Result<CheckReads, DispatchError> {
		ensure!(T::Records::is_patient(&patient), Error::<T>::UnknownPatient);
		let (checked, data) = match target {
			AccessTarget::Record { tag, record: version } => {
				let subject =
					T::Records::record_subject(version).ok_or(Error::<T>::UnknownRecord)?;
				ensure!(subject.patient == patient, Error::<T>::NotPatientsRecord);
				ensure!(subject.tag == tag, Error::<T>::WrongTag);
				(
					AccessTarget::Record { tag, record: subject.record },
					DisclosedData::Record(version),
				)
			},
			AccessTarget::Tag(tag) => {
				Self::ensure_own_tag(&patient, &tag)?;
				(target, DisclosedData::Tag(tag))
			},
			AccessTarget::AllData => (target, DisclosedData::AllData),
			AccessTarget::Relationship => (target, DisclosedData::Relationship),
		};
		let (outcome, read) = Self::access(&accessor, &patient, action, checked, purpose);
		let basis = outcome.map_err(Self::denial_error)?;

		// *** No fail beyond this point ***
		Self::append_disclosure(Disclosure {
			accessor,
			patient,
			data,
			action,
			purpose,
			basis,
			at: T::Time::now(),
		});
		Ok(read)
	}

	/// The error that says why an access was refused ([`AccessDenial::to_error`]).
	pub fn denial_error(denial: AccessDenial) -> DispatchError {
		denial
			.to_error(
				Error::<T>::UnknownPatient,
				Error::<T>::NotLicensed,
				Error::<T>::NoConsent,
				Error::<T>::ExplicitlyDenied,
			)
			.into()
	}

	/// Appends to the patient's ring and emits the full record. Cannot fail.
	pub(crate) fn append_disclosure(disclosure: DisclosureOf<T>) {
		let patient = disclosure.patient.clone();
		let seq = DisclosureCount::<T>::get(&patient);
		let slot = Self::slot_of(seq);
		DisclosureRing::<T>::insert(&patient, slot, disclosure.clone());
		DisclosureCount::<T>::insert(&patient, seq.saturating_add(1));
		Self::deposit_event(Event::Disclosed { seq, disclosure });
	}

	fn slot_of(seq: u64) -> u32 {
		// The remainder is below `MaxDisclosuresPerPatient`, a `u32`.
		(seq % u64::from(T::MaxDisclosuresPerPatient::get().max(1))) as u32
	}

	// ---- queries (runtime API) --------------------------------------------------------------

	/// A patient's consents with their standing now.
	pub fn consents_of(patient: &T::AccountId) -> Vec<ConsentView<ConsentOf<T>>> {
		let now = T::Time::now();
		ConsentsOf::<T>::get(patient)
			.into_iter()
			.filter_map(|id| {
				Consents::<T>::get(id).map(|consent| ConsentView {
					id,
					standing: consent.standing(now),
					consent,
				})
			})
			.collect()
	}

	/// Up to `max` disclosures of `patient`'s log from number `from` on, oldest first, with
	/// their numbers. Numbers older than the ring keeps are skipped.
	pub fn disclosures(patient: &T::AccountId, from: u64, max: u32) -> Vec<(u64, DisclosureOf<T>)> {
		let count = DisclosureCount::<T>::get(patient);
		let kept = u64::from(T::MaxDisclosuresPerPatient::get());
		let first = from.max(count.saturating_sub(kept));
		let last = count.min(first.saturating_add(u64::from(max)));
		(first..last)
			.filter_map(|seq| {
				DisclosureRing::<T>::get(patient, Self::slot_of(seq)).map(|d| (seq, d))
			})
			.collect()
	}

	/// A patient's break-glass accesses awaiting review, of every practitioner, oldest first.
	pub fn pending_reviews(
		patient: &T::AccountId,
	) -> Vec<(EmergencyAccessId, EmergencyAccessOf<T>)> {
		let mut ids: Vec<EmergencyAccessId> =
			PendingReviews::<T>::iter_prefix_values(patient).flatten().collect();
		ids.sort();
		ids.into_iter().filter_map(|id| EmergencyAccesses::<T>::get(id).map(|a| (id, a))).collect()
	}
}

impl<T: Config> ConsentVerifier<T::AccountId> for Pallet<T> {
	fn check_access_reading(
		accessor: &T::AccountId,
		patient: &T::AccountId,
		action: AccessAction,
		target: AccessTarget,
		purpose: PurposeOfUse,
	) -> (Result<AccessBasis, AccessDenial>, CheckReads) {
		Self::access(accessor, patient, action, target, purpose)
	}

	fn most_reads(_: PurposeOfUse) -> CheckReads {
		CheckReads { consents: T::MaxConsentsPerGrantee::get() }
	}

	#[cfg(feature = "runtime-benchmarks")]
	fn make_permitted_reading(
		accessor: &T::AccountId,
		patient: &T::AccountId,
		action: AccessAction,
		purpose: PurposeOfUse,
		reads: CheckReads,
	) {
		use frame_support::traits::fungible::{Inspect, Mutate};
		use sp_runtime::Saturating;

		let max = T::MaxConsentsPerPatient::get();
		let funds = T::ConsentDeposit::get()
			.saturating_mul(max.into())
			.saturating_add(T::Currency::minimum_balance());
		let _ = T::Currency::mint_into(patient, funds);
		T::Practitioners::make_licensed(accessor, false);
		let grant = |grantee: &T::AccountId, scope: ScopeRequestOf<T>| {
			Self::do_grant(
				patient.clone(),
				patient.clone(),
				grantee.clone(),
				Decision::Permit,
				alloc::vec![action],
				scope,
				alloc::vec![purpose],
				None,
				None,
			)
		};
		// An access check that weighs `reads.consents` consents: the patient's list one short of
		// `MaxConsentsPerPatient` (see the trait), that many of them (at most
		// `MaxConsentsPerGrantee`) to the accessor, each in force and about the action and the
		// purpose, the last one of all data (the permit that allows the access), the others of
		// the most tags a scope holds (the largest provisions to decode, each searched in
		// vain). Consents to others come first, each to its own grantee (they are not read,
		// whatever their number).
		let per_grantee = T::MaxConsentsPerGrantee::get().min(reads.consents.max(1));
		let count = || ConsentsOf::<T>::get(patient).len() as u32;
		let mut n = 0u32;
		while count().saturating_add(per_grantee).saturating_add(1) < max {
			let other: T::AccountId = frame_benchmarking::account("benchmark grantee", n, 0);
			n.saturating_inc();
			if grant(&other, ScopeRequest::AllData).is_err() {
				break;
			}
		}
		let tags: alloc::vec::Vec<Tag> = (0..T::MaxScopeItems::get())
			.map(|i| {
				let mut tag = [0xfe; 32];
				tag[..4].copy_from_slice(&i.to_be_bytes());
				tag
			})
			.collect();
		let tags = ScopeRequest::Tags(BoundedVec::truncate_from(tags));
		while (ConsentsByGrantee::<T>::get(patient, accessor).len() as u32).saturating_add(1)
			< per_grantee
		{
			if grant(accessor, tags.clone()).is_err() {
				break;
			}
		}
		let _ = grant(accessor, ScopeRequest::AllData);
	}

	#[cfg(feature = "runtime-benchmarks")]
	fn make_refused(
		grantee: &T::AccountId,
		patient: &T::AccountId,
		action: AccessAction,
		purpose: PurposeOfUse,
	) {
		T::Practitioners::make_unlicensed(grantee);
		Self::bench_delegated_permits(grantee, patient, action, purpose);
	}

	#[cfg(feature = "runtime-benchmarks")]
	fn make_ended(
		grantee: &T::AccountId,
		patient: &T::AccountId,
		action: AccessAction,
		purpose: PurposeOfUse,
	) {
		let agent = Self::bench_delegated_permits(grantee, patient, action, purpose);
		// The appointment ends: every permit it granted has ended with it.
		let _ = Self::do_remove_delegate(patient.clone(), patient.clone(), agent);
	}

	#[cfg(feature = "runtime-benchmarks")]
	fn make_emergency(practitioner: &T::AccountId, patient: &T::AccountId) {
		use frame_support::traits::fungible::{Inspect, Mutate};
		use sp_runtime::Saturating;

		T::Practitioners::make_licensed(practitioner, true);
		let funds = T::EmergencyDeposit::get().saturating_add(T::Currency::minimum_balance());
		let _ = T::Currency::mint_into(practitioner, funds);
		let _ = Self::do_open_emergency(practitioner.clone(), patient.clone(), [0u8; 32]);
	}
}

#[cfg(feature = "runtime-benchmarks")]
impl<T: Config> Pallet<T> {
	/// Benchmarks only: `MaxConsentsPerGrantee` permits of `patient` to `grantee`, each
	/// covering `action` on all data for `purpose`, granted by a delegate of the patient
	/// (appointed, and funded, if needed), so that a check reads each permit and its
	/// delegation. Returns the delegate.
	pub(crate) fn bench_delegated_permits(
		grantee: &T::AccountId,
		patient: &T::AccountId,
		action: AccessAction,
		purpose: PurposeOfUse,
	) -> T::AccountId {
		use frame_support::traits::fungible::{Inspect, Mutate};
		use sp_runtime::Saturating;

		let agent: T::AccountId = frame_benchmarking::account("benchmark delegate", 0, 0);
		let per_grantee = T::MaxConsentsPerGrantee::get();
		let minimum = T::Currency::minimum_balance();
		let _ = T::Currency::mint_into(patient, T::DelegateDeposit::get().saturating_add(minimum));
		let deposits = T::ConsentDeposit::get().saturating_mul(per_grantee.into());
		let _ = T::Currency::mint_into(&agent, deposits.saturating_add(minimum));
		if !Delegates::<T>::contains_key(patient, &agent) {
			let _ = Self::do_add_delegate(
				patient.clone(),
				agent.clone(),
				alloc::vec![DelegateScope::ManageConsents],
				None,
			);
		}
		while (ConsentsByGrantee::<T>::get(patient, grantee).len() as u32) < per_grantee {
			let granted = Self::do_grant(
				agent.clone(),
				patient.clone(),
				grantee.clone(),
				Decision::Permit,
				alloc::vec![action],
				ScopeRequest::AllData,
				alloc::vec![purpose],
				None,
				None,
			);
			if granted.is_err() {
				break;
			}
		}
		agent
	}
}

impl<T: Config> DisclosureLog<T::AccountId> for Pallet<T> {
	fn note_disclosure(disclosure: DisclosureOf<T>) -> DispatchResult {
		Self::append_disclosure(disclosure);
		Ok(())
	}
}

impl<T: Config> DelegationInspector<T::AccountId> for Pallet<T> {
	fn is_delegate(patient: &T::AccountId, agent: &T::AccountId, scope: DelegateScope) -> bool {
		Self::delegate_allows(patient, agent, scope, T::Time::now())
	}

	#[cfg(feature = "runtime-benchmarks")]
	fn make_delegate(patient: &T::AccountId, agent: &T::AccountId, scope: DelegateScope) {
		use frame_support::traits::fungible::{Inspect, Mutate};
		use sp_runtime::Saturating;

		let funds = T::DelegateDeposit::get().saturating_add(T::Currency::minimum_balance());
		let _ = T::Currency::mint_into(patient, funds);
		let _ = Self::do_add_delegate(patient.clone(), agent.clone(), alloc::vec![scope], None);
	}
}
