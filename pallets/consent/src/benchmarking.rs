//! Benchmarks of every call, in their worst case: the longest lists, a delegate signing (one
//! more read than the patient), full per-patient and per-practitioner bounds, record scopes
//! of `MaxScopeItems` records each resolved through [`Config::Records`] (in its worst case for
//! lookups), an access check that weighs every consent of the patient to the accessor
//! (`MaxConsentsPerGrantee` of them, among `MaxConsentsPerPatient`, each of the largest
//! scope), and a delegate's removal that lapses every consent of the patient.
//!
//! The calls that prune envelopes ([`Config::Envelopes`]) run with the grantee holding no
//! envelope: their weight is the consent pallet's own work. The pruning is the envelope
//! keeper's, benchmarked there (`prune_envelopes(n)`), and the calls charge its most on top
//! (`EnvelopeKeeper::max_prune_weight`, refunded to what was removed): counted once.

use super::*;
use crate::Pallet as ConsentPallet;
use alloc::{vec, vec::Vec};
use frame_benchmarking::v2::*;
use frame_support::{
	traits::{fungible::Mutate, Get},
	BoundedVec,
};
use frame_system::RawOrigin;
use sp_runtime::traits::Bounded;
use telemed_primitives::{
	AccessAction, AccessTarget, ConsentId, DelegateScope, EmergencyAccessId, PractitionerRegistry,
	PurposeOfUse, RecordId, RecordInspector, RecordSubject, Tag,
};

/// The tag of the benchmark's records.
const TAG: Tag = [0x42; 32];

fn funded<T: Config>(name: &'static str, index: u32) -> T::AccountId {
	let who: T::AccountId = account(name, index, 0);
	// Enough for every deposit, and room for many funded accounts in the total issuance.
	T::Currency::set_balance(&who, BalanceOf::<T>::max_value() / 1024u32.into());
	who
}

fn all_actions() -> Vec<AccessAction> {
	vec![AccessAction::Read, AccessAction::Append, AccessAction::Amend]
}

fn all_purposes() -> Vec<PurposeOfUse> {
	vec![
		PurposeOfUse::Treatment,
		PurposeOfUse::Payment,
		PurposeOfUse::Operations,
		PurposeOfUse::Research,
		PurposeOfUse::EmergencyTreatment,
	]
}

/// `MaxScopeItems` records of `patient` (registered as a patient by the inspector's helper),
/// each named by the version the inspector resolves at the highest cost.
fn records<T: Config>(patient: &T::AccountId) -> Vec<RecordId> {
	let records =
		(0..T::MaxScopeItems::get()).map(|_| T::Records::make_record(patient, TAG)).collect();
	// The patient's list as long as it gets: what resolving named records reads and searches.
	T::Records::fill_records(patient);
	records
}

/// The largest scope: the given records, `MaxScopeItems` of them.
fn largest_scope<T: Config>(records: &[RecordId]) -> ScopeRequestOf<T> {
	ScopeRequest::Records(BoundedVec::truncate_from(records.to_vec()))
}

/// A delegate of `patient` with every scope.
fn delegate<T: Config>(patient: &T::AccountId) -> T::AccountId {
	let agent = funded::<T>("delegate", 0);
	ConsentPallet::<T>::do_add_delegate(
		patient.clone(),
		agent.clone(),
		vec![
			DelegateScope::ManageConsents,
			DelegateScope::ViewDisclosureLog,
			DelegateScope::BookCare,
			DelegateScope::AccessRecords,
			DelegateScope::ShredRecords,
		],
		None,
	)
	.expect("valid delegate");
	agent
}

/// `n` consents of `patient` to `grantee` signed by `by` (the patient or a delegate),
/// permitting everything on `records`.
fn consents<T: Config>(
	by: &T::AccountId,
	patient: &T::AccountId,
	grantee: &T::AccountId,
	records: &[RecordId],
	n: u32,
) -> Vec<ConsentId> {
	(0..n)
		.map(|_| {
			ConsentPallet::<T>::do_grant(
				by.clone(),
				patient.clone(),
				grantee.clone(),
				Decision::Permit,
				all_actions(),
				largest_scope::<T>(records),
				all_purposes(),
				None,
				None,
			)
			.expect("valid consent")
			.0
		})
		.collect()
}

/// `n` consents of `patient` to as many other grantees (one each), permitting everything on
/// `records`: they fill the patient's list without being read by an access check.
fn consents_to_others<T: Config>(patient: &T::AccountId, records: &[RecordId], n: u32) {
	for i in 0..n {
		let other: T::AccountId = account("other grantee", i, 0);
		consents::<T>(patient, patient, &other, records, 1);
	}
}

/// `n` emergency accesses of `practitioner` to `patient`, closed and awaiting review: the
/// practitioner's pending list for the patient, the one a new access is added to.
fn pending_emergencies<T: Config>(patient: &T::AccountId, practitioner: &T::AccountId, n: u32) {
	for _ in 0..n {
		let id =
			ConsentPallet::<T>::do_open_emergency(practitioner.clone(), patient.clone(), [0u8; 32])
				.expect("valid emergency access");
		ConsentPallet::<T>::do_close_emergency(practitioner.clone(), id).expect("open");
	}
}

/// An emergency practitioner with an open access to `patient`, and the access id; the
/// practitioner's pending list for the patient is full.
fn open_emergency<T: Config>(patient: &T::AccountId) -> (T::AccountId, EmergencyAccessId) {
	let practitioner = funded::<T>("practitioner", 0);
	T::Practitioners::make_licensed(&practitioner, true);
	pending_emergencies::<T>(patient, &practitioner, T::MaxPendingReviews::get().saturating_sub(1));
	let id =
		ConsentPallet::<T>::do_open_emergency(practitioner.clone(), patient.clone(), [1u8; 32])
			.expect("valid emergency access");
	(practitioner, id)
}

#[benchmarks]
mod benchmarks {
	use super::*;

	/// By a delegate, naming `r` records (resolved by the inspector against the patient's list
	/// of versions, as long as it gets, in one read; a scope of all data or of tags reads
	/// nothing to resolve, and is charged as a records scope of as many items, at least one);
	/// a permit (a deny in force at once also prunes the grantee's envelopes, which the call
	/// charges on top: `EnvelopeKeeper::max_prune_weight`). `k` = 1: the patient's list is
	/// full, and so is the grantee's, all of it paid for by the signer, its last consent alone
	/// revoked: the grant looks through the whole list and cleans that one up (removed, its
	/// deposit released to the signer, an event; its provision says whose and how much);
	/// `k` = 0: the grantee has none, the patient's list is one short of full.
	#[benchmark]
	fn grant_consent(r: Linear<1, { T::MaxScopeItems::get() }>, k: Linear<0, 1>) {
		let patient = funded::<T>("patient", 0);
		let agent = delegate::<T>(&patient);
		let grantee = funded::<T>("practitioner", 0);
		T::Practitioners::make_licensed(&grantee, false);
		let records = records::<T>(&patient);
		let (max, per_grantee) = (T::MaxConsentsPerPatient::get(), T::MaxConsentsPerGrantee::get());
		let grantees = if k == 1 { per_grantee } else { 0 };
		consents_to_others::<T>(&patient, &records, max - grantees.max(1));
		let to_grantee = consents::<T>(&agent, &patient, &grantee, &records, grantees);
		if let Some(last) = to_grantee.last() {
			ConsentPallet::<T>::do_revoke(patient.clone(), *last).expect("in force");
		}
		assert_eq!(ConsentsOf::<T>::get(&patient).len() as u32, max - 1 + k);
		let scope = largest_scope::<T>(&records[..r as usize]);

		// The signer's account is read and written before the call (its nonce, its fee).
		frame_benchmarking::whitelist_account!(agent);
		#[extrinsic_call]
		_(
			RawOrigin::Signed(agent),
			patient.clone(),
			grantee.clone(),
			Decision::Permit,
			BoundedVec::truncate_from(all_actions()),
			scope,
			BoundedVec::truncate_from(all_purposes()),
			None,
			Some(u64::MAX),
		);

		assert_eq!(ConsentsOf::<T>::get(&patient).len() as u32, max);
		let listed = ConsentsByGrantee::<T>::get(&patient, &grantee);
		assert_eq!(listed.len() as u32, grantees.max(1));
		if let Some(last) = to_grantee.last() {
			assert!(Consents::<T>::get(last).is_none() && listed.iter().all(|p| p.id != *last));
		}
	}

	/// By a delegate; the permit revoked is the grantee's only one, and the grantee holds as
	/// many envelopes of the patient as allowed: every one is checked and removed.
	#[benchmark]
	fn revoke_consent() {
		let patient = funded::<T>("patient", 0);
		let agent = delegate::<T>(&patient);
		let grantee = funded::<T>("grantee", 0);
		let records = records::<T>(&patient);
		let max = T::MaxConsentsPerPatient::get();
		consents_to_others::<T>(&patient, &records, max.saturating_sub(1));
		let id = consents::<T>(&patient, &patient, &grantee, &records, 1)[0];

		// The signer's account is read and written before the call (its nonce, its fee).
		frame_benchmarking::whitelist_account!(agent);
		#[extrinsic_call]
		_(RawOrigin::Signed(agent), id);

		assert_eq!(Consents::<T>::get(id).map(|c| c.status), Some(ConsentStatus::Revoked));
	}

	/// An expired permit (the clean-up of expired consents), the first of the grantee's full
	/// list (`MaxConsentsPerGrantee`) in the patient's full list; the grantee holds as many
	/// envelopes of the patient as allowed, all removed.
	#[benchmark]
	fn remove_consent() {
		let patient = funded::<T>("patient", 0);
		let grantee = funded::<T>("grantee", 0);
		let records = records::<T>(&patient);
		let (max, per_grantee) = (T::MaxConsentsPerPatient::get(), T::MaxConsentsPerGrantee::get());
		let id = consents::<T>(&patient, &patient, &grantee, &records, per_grantee)[0];
		consents_to_others::<T>(&patient, &records, max - per_grantee);
		// Ended without a call that would prune (as when its period is over).
		Consents::<T>::mutate(id, |c| {
			if let Some(c) = c {
				c.status = ConsentStatus::Revoked;
			}
		});
		let caller = funded::<T>("caller", 0);

		// The signer's account is read and written before the call (its nonce, its fee).
		frame_benchmarking::whitelist_account!(caller);
		#[extrinsic_call]
		_(RawOrigin::Signed(caller), id);

		assert!(Consents::<T>::get(id).is_none());
	}

	#[benchmark]
	fn add_delegate() {
		let patient = funded::<T>("patient", 0);
		for i in 0..T::MaxDelegatesPerPatient::get().saturating_sub(1) {
			let other: T::AccountId = account("other delegate", i, 0);
			ConsentPallet::<T>::do_add_delegate(
				patient.clone(),
				other,
				vec![DelegateScope::BookCare],
				None,
			)
			.expect("valid delegate");
		}
		let agent: T::AccountId = account("delegate", 0, 0);
		let scopes = BoundedVec::truncate_from(DelegateScope::ALL.to_vec());
		// Every scope: the longest sort and the largest delegation stored.
		assert_eq!(scopes.len() as u32, <MaxDelegateScopes as Get<u32>>::get());

		// The signer's account is read and written before the call (its nonce, its fee).
		frame_benchmarking::whitelist_account!(patient);
		#[extrinsic_call]
		_(RawOrigin::Signed(patient.clone()), agent.clone(), scopes, Some(u64::MAX));

		assert!(Delegates::<T>::contains_key(&patient, &agent));
	}

	/// `n`: the patient's consents, each granted by the delegate to a grantee of its own, all
	/// lapsing (each written, with its pair's list). The delegate holds as many envelopes of
	/// the patient as allowed, all removed.
	#[benchmark]
	fn remove_delegate(n: Linear<0, { T::MaxConsentsPerPatient::get() }>) {
		let patient = funded::<T>("patient", 0);
		let agent = delegate::<T>(&patient);
		let records = records::<T>(&patient);
		for i in 0..n {
			let grantee: T::AccountId = account("grantee", i, 0);
			consents::<T>(&agent, &patient, &grantee, &records, 1);
		}

		// The signer's account is read and written before the call (its nonce, its fee).
		frame_benchmarking::whitelist_account!(agent);
		#[extrinsic_call]
		_(RawOrigin::Signed(agent.clone()), patient.clone(), agent.clone());

		assert!(!Delegates::<T>::contains_key(&patient, &agent));
		let lapsed = ConsentsOf::<T>::get(&patient)
			.iter()
			.filter(|id| Consents::<T>::get(id).is_some_and(|c| c.status == ConsentStatus::Lapsed))
			.count();
		assert_eq!(lapsed as u32, n);
	}

	/// The practitioner's pending list for the patient one short of full; the practitioner
	/// licensed in the registry's worst case for lookups.
	#[benchmark]
	fn open_emergency_access() {
		let patient = funded::<T>("patient", 0);
		let practitioner = funded::<T>("practitioner", 0);
		T::Practitioners::make_licensed(&practitioner, true);
		pending_emergencies::<T>(
			&patient,
			&practitioner,
			T::MaxPendingReviews::get().saturating_sub(1),
		);

		// The signer's account is read and written before the call (its nonce, its fee).
		frame_benchmarking::whitelist_account!(practitioner);
		#[extrinsic_call]
		_(RawOrigin::Signed(practitioner.clone()), patient.clone(), [1u8; 32]);

		assert!(OpenEmergency::<T>::contains_key(&patient, &practitioner));
	}

	/// The practitioner holds as many envelopes of the patient as allowed, all removed.
	#[benchmark]
	fn close_emergency_access() {
		let patient = funded::<T>("patient", 0);
		let (practitioner, id) = open_emergency::<T>(&patient);

		// The signer's account is read and written before the call (its nonce, its fee).
		frame_benchmarking::whitelist_account!(practitioner);
		#[extrinsic_call]
		_(RawOrigin::Signed(practitioner.clone()), id);

		assert!(!OpenEmergency::<T>::contains_key(&patient, &practitioner));
	}

	/// The heaviest review: by a delegate (one more lookup than the patient or the review
	/// origin), unjustified (the deposit moves to the slash beneficiary, the access closes,
	/// the practitioner's envelopes of the patient, as many as allowed, all go).
	#[benchmark]
	fn review_emergency_access() {
		let patient = funded::<T>("patient", 0);
		let agent = delegate::<T>(&patient);
		let (_practitioner, id) = open_emergency::<T>(&patient);

		// The signer's account is read and written before the call (its nonce, its fee).
		frame_benchmarking::whitelist_account!(agent);
		#[extrinsic_call]
		_(RawOrigin::Signed(agent), id, false);

		assert_eq!(EmergencyAccesses::<T>::get(id).map(|a| a.review), Some(Review::Unjustified));
	}

	/// `c`: how many consents of the patient to the accessor the access check weighs (at most
	/// `MaxConsentsPerGrantee`, one item); the patient's list is full with consents to others,
	/// which it does not read. Each of the accessor's is of the largest scope and covers the
	/// access (each searched in full); the record named is resolved through the inspector;
	/// the accessor is a practitioner licensed in the registry's worst case for lookups.
	#[benchmark]
	fn log_access(c: Linear<1, { T::MaxConsentsPerGrantee::get() }>) {
		let patient = funded::<T>("patient", 0);
		let accessor = funded::<T>("practitioner", 0);
		T::Practitioners::make_licensed(&accessor, false);
		let records = records::<T>(&patient);
		consents_to_others::<T>(&patient, &records, T::MaxConsentsPerPatient::get() - c);
		consents::<T>(&patient, &patient, &accessor, &records, c);
		let record = *records.last().expect("MaxScopeItems records");
		let tag = T::Records::record_subject(record).map_or(TAG, |s: RecordSubject<_>| s.tag);

		// The signer's account is read and written before the call (its nonce, its fee).
		frame_benchmarking::whitelist_account!(accessor);
		#[extrinsic_call]
		_(
			RawOrigin::Signed(accessor),
			patient.clone(),
			AccessAction::Read,
			AccessTarget::Record { tag, record },
			PurposeOfUse::Treatment,
		);

		assert_eq!(DisclosureCount::<T>::get(&patient), 1);
	}

	impl_benchmark_test_suite!(ConsentPallet, crate::mock::new_test_ext(), crate::mock::Test);
}
