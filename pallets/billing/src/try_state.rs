//! The pallet's invariants, checked by `try_state` (and after every unit test).

use crate::{pallet::*, types::*, HOLD_REASONS};
use frame_support::ensure;
use sp_runtime::traits::{Saturating, Zero};
use telemed_primitives::{Hash256, PolicyId};

impl<T: Config> Pallet<T> {
	// ---- invariants -------------------------------------------------------------------------

	/// What this pallet should hold from each account, by reason (its index into
	/// [`HOLD_REASONS`], as [`telemed_primitives::check_holds`] takes it), according to its storage: escrows of open consultations (by booker),
	/// consultation deposits (by booker, until reaped), dispute bonds (by disputer), pools (by
	/// insurer), service deposits (by practitioner). An account missing from the map should
	/// hold nothing.
	pub fn expected_holds(
	) -> alloc::collections::btree_map::BTreeMap<(T::AccountId, u8), BalanceOf<T>> {
		use alloc::collections::btree_map::BTreeMap;
		let mut holds: BTreeMap<(T::AccountId, u8), BalanceOf<T>> = BTreeMap::new();
		let mut add = |who: &T::AccountId, reason: HoldReason, v: BalanceOf<T>| {
			// Five reasons: the index fits a `u8`.
			let index = HOLD_REASONS.iter().position(|r| *r == reason).unwrap_or_default() as u8;
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
	///   claim; every duplicate key belongs to an existing claim or consultation of the visit;
	/// - session keys exist only for an accepted consultation, never empty, each a valid
	///   X25519 key with a revision of at least 1.
	pub fn do_try_state() -> Result<(), sp_runtime::TryRuntimeError> {
		use alloc::collections::{btree_map::BTreeMap, btree_set::BTreeSet};

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
		for (id, session) in SessionKeysOf::<T>::iter() {
			let c = Consultations::<T>::get(id).ok_or("session keys of a missing consultation")?;
			ensure!(
				c.status == ConsultationStatus::Accepted,
				"session keys of a consultation that is not accepted"
			);
			ensure!(
				session.patient.is_some() || session.practitioner.is_some(),
				"an empty session keys entry"
			);
			for k in session.patient.iter().chain(session.practitioner.iter()) {
				ensure!(
					telemed_primitives::is_valid_key_agreement_key(&k.key) && k.revision >= 1,
					"a session key the call would refuse"
				);
			}
		}
		telemed_primitives::check_holds::<_, T::Currency, _>(
			&Self::expected_holds(),
			&HOLD_REASONS,
		)?;
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
