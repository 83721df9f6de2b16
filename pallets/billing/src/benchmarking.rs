//! Benchmarks of every call, in their worst case: insured visits (a policy, an insurer's pool,
//! a claim), full open-consultation lists, a practitioner whose licence check and an insurer
//! whose consent check read the most (through the registry's and verifier's benchmark
//! helpers), the longest inputs. Time-dependent states (a visit due, a window closed, a
//! deadline passed) are reached by moving the consultation's, dispute's or claim's times to
//! now.

use super::*;
use crate::Pallet as Billing;
use alloc::{vec, vec::Vec};
use frame_benchmarking::v2::*;
use frame_support::{
	traits::{fungible::Mutate, EnsureOrigin, Get, Time},
	BoundedVec,
};
use frame_system::RawOrigin;
use sp_runtime::{
	traits::{Bounded, Saturating},
	Permill,
};
use telemed_primitives::{
	AccessAction, ConsultationId, DelegateScope, Hash256, Moment, PolicyId, PractitionerRegistry,
	PurposeOfUse,
};

fn funded<T: Config>(name: &'static str, index: u32) -> T::AccountId {
	let who: T::AccountId = account(name, index, 0);
	T::Currency::set_balance(&who, BalanceOf::<T>::max_value() / 1024u32.into());
	who
}

fn code(i: u32) -> ServiceCode {
	let mut c = vec![b'9'; MAX_SERVICE_CODE_LEN as usize];
	c[..4].copy_from_slice(&i.to_be_bytes());
	BoundedVec::truncate_from(c)
}

/// The hash of a service's description (the text stays off chain).
fn description() -> Hash256 {
	[b'd'; 32]
}

fn name<T: Config>() -> BoundedVec<u8, T::MaxNameLen> {
	BoundedVec::truncate_from(vec![b'n'; T::MaxNameLen::get() as usize])
}

fn covered<T: Config>() -> BoundedVec<ServiceCode, T::MaxCovered> {
	BoundedVec::truncate_from((0..T::MaxCovered::get()).rev().map(code).collect())
}

fn price<T: Config>() -> BalanceOf<T> {
	T::ServiceDeposit::get().max(1_000_000u32.into()).saturating_mul(1_000u32.into())
}

/// The actors of an insured visit: patient, licensed practitioner with a service, insurer with
/// a funded pool, a policy covering the service, and the patient's consent to the insurer for
/// payment in the verifier's worst case.
struct Actors<T: Config> {
	patient: T::AccountId,
	practitioner: T::AccountId,
	insurer: T::AccountId,
	policy: PolicyId,
}

fn actors<T: Config>() -> Actors<T> {
	T::Currency::set_balance(
		&T::FeeDestination::get(),
		BalanceOf::<T>::max_value() / 1024u32.into(),
	);
	let patient = funded::<T>("patient", 0);
	let practitioner = funded::<T>("practitioner", 0);
	T::Practitioners::make_licensed(&practitioner, false);
	Billing::<T>::do_set_service(
		practitioner.clone(),
		code(0),
		description(),
		price::<T>(),
		30 * 60 * 1000,
	)
	.expect("a licensed practitioner");
	let insurer = funded::<T>("insurer", 0);
	Billing::<T>::do_register_insurer(insurer.clone(), name::<T>()).expect("a new insurer");
	Billing::<T>::do_fund_pool(insurer.clone(), price::<T>().saturating_mul(100u32.into()))
		.expect("funded");
	let policy = Billing::<T>::do_issue_policy(
		insurer.clone(),
		patient.clone(),
		covered::<T>(),
		Permill::from_percent(80),
		price::<T>().saturating_mul(50u32.into()),
		0,
		Moment::MAX / 2,
	)
	.expect("a valid policy");
	T::Consent::make_permitted(&insurer, &patient, AccessAction::Read, PurposeOfUse::Payment);
	Actors { patient, practitioner, insurer, policy }
}

/// Fills both open lists of a visit's parties but for one place.
fn fill_open<T: Config>(a: &Actors<T>) {
	let fill = T::MaxOpenConsultations::get().saturating_sub(1) as u64;
	let ids: Vec<ConsultationId> = (u64::MAX - fill..u64::MAX).collect();
	OpenOfPatient::<T>::insert(&a.patient, BoundedVec::truncate_from(ids.clone()));
	OpenOfPractitioner::<T>::insert(&a.practitioner, BoundedVec::truncate_from(ids));
}

/// A delegate of the patient's with `BookCare`, funded: signing for the patient side, it
/// reads the delegation (the patient or the payer reads nothing to be let in).
fn booking_delegate<T: Config>(a: &Actors<T>) -> T::AccountId {
	let agent = funded::<T>("delegate", 0);
	T::Delegation::make_delegate(&a.patient, &agent, DelegateScope::BookCare);
	agent
}

/// What a booking by a delegate needs: the actors, both open lists one short of full, the
/// patient's `BookCare` delegate (who signs and pays) and a time an hour from now.
fn booking<T: Config>() -> (Actors<T>, T::AccountId, Moment) {
	let a = actors::<T>();
	fill_open::<T>(&a);
	let agent = booking_delegate::<T>(&a);
	let at = T::Time::now().saturating_add(60 * 60 * 1000);
	(a, agent, at)
}

/// An insured visit booked by the patient, with both open lists full.
fn booked<T: Config>(a: &Actors<T>) -> ConsultationId {
	fill_open::<T>(a);
	Billing::<T>::do_book(
		a.patient.clone(),
		a.patient.clone(),
		a.practitioner.clone(),
		code(0),
		T::Time::now().saturating_add(60 * 60 * 1000),
		Some(a.policy),
	)
	.expect("a valid booking")
}

fn accepted<T: Config>(a: &Actors<T>) -> ConsultationId {
	let id = booked::<T>(a);
	Billing::<T>::do_accept(a.practitioner.clone(), id).expect("accepted");
	id
}

/// An ordinary X25519 point as a session key, distinct per `byte`.
fn session_key(byte: u8) -> telemed_primitives::KeyAgreementKey {
	[byte; 32]
}

/// Both parties of `id` publish their session keys, so that ending the visit removes them.
fn keyed<T: Config>(a: &Actors<T>, id: ConsultationId) {
	Billing::<T>::do_publish_session_key(a.patient.clone(), id, session_key(0x42))
		.expect("the patient's key");
	Billing::<T>::do_publish_session_key(a.practitioner.clone(), id, session_key(0x24))
		.expect("the practitioner's key");
}

/// An accepted visit whose time has come.
fn due<T: Config>(a: &Actors<T>) -> ConsultationId {
	let id = accepted::<T>(a);
	Consultations::<T>::mutate(id, |c| {
		if let Some(c) = c {
			c.scheduled_at = T::Time::now()
		}
	});
	id
}

fn delivered<T: Config>(a: &Actors<T>) -> ConsultationId {
	let id = due::<T>(a);
	Billing::<T>::do_mark_delivered(a.practitioner.clone(), id, Some([1u8; 32]))
		.expect("delivered");
	id
}

/// A settled insured visit with a pending claim; the claim's id.
fn pending_claim<T: Config>(a: &Actors<T>) -> telemed_primitives::ClaimId {
	let id = delivered::<T>(a);
	Billing::<T>::do_confirm(a.patient.clone(), id).expect("settled");
	let (claim, c) = Billing::<T>::claim_of(id).expect("a claim");
	assert!(matches!(c.status, ClaimStatus::Pending { .. }));
	claim
}

#[benchmarks]
mod benchmarks {
	use super::*;

	/// A new service filling the practitioner's list; the practitioner licensed in the
	/// registry's worst case for lookups.
	#[benchmark]
	fn set_service() {
		let practitioner = funded::<T>("practitioner", 0);
		T::Practitioners::make_licensed(&practitioner, false);
		for i in 1..T::MaxServices::get() {
			Billing::<T>::do_set_service(
				practitioner.clone(),
				code(i),
				description(),
				10u32.into(),
				1,
			)
			.expect("room for services");
		}

		// The signer's account is read and written before the call (its nonce, its fee).
		frame_benchmarking::whitelist_account!(practitioner);
		#[extrinsic_call]
		_(RawOrigin::Signed(practitioner.clone()), code(0), description(), price::<T>(), 1_800_000);

		assert_eq!(ServiceCount::<T>::get(&practitioner), T::MaxServices::get());
	}

	#[benchmark]
	fn withdraw_service() {
		let a = actors::<T>();

		// The signer's account is read and written before the call (its nonce, its fee).
		let signer = a.practitioner.clone();
		frame_benchmarking::whitelist_account!(signer);
		#[extrinsic_call]
		_(RawOrigin::Signed(a.practitioner.clone()), code(0));

		assert_eq!(ServiceCount::<T>::get(&a.practitioner), 0);
	}

	/// Insured, by a delegate (who pays), both open lists one short of full.
	#[benchmark]
	fn book() {
		let (a, agent, at) = booking::<T>();

		// The signer's account is read and written before the call (its nonce, its fee).
		frame_benchmarking::whitelist_account!(agent);
		#[extrinsic_call]
		book(
			RawOrigin::Signed(agent),
			a.patient.clone(),
			a.practitioner.clone(),
			code(0),
			at,
			Some(a.policy),
		);

		assert_eq!(NextConsultationId::<T>::get(), 1);
	}

	/// Self-paid (no policy: nothing of an insurer read or written), by a delegate (who
	/// pays), both open lists one short of full.
	#[benchmark]
	fn book_self_paid() {
		let (a, agent, at) = booking::<T>();

		// The signer's account is read and written before the call (its nonce, its fee).
		frame_benchmarking::whitelist_account!(agent);
		#[extrinsic_call]
		book(
			RawOrigin::Signed(agent),
			a.patient.clone(),
			a.practitioner.clone(),
			code(0),
			at,
			None,
		);

		assert_eq!(NextConsultationId::<T>::get(), 1);
	}

	#[benchmark]
	fn accept() {
		let a = actors::<T>();
		let id = booked::<T>(&a);

		// The signer's account is read and written before the call (its nonce, its fee).
		let signer = a.practitioner.clone();
		frame_benchmarking::whitelist_account!(signer);
		#[extrinsic_call]
		_(RawOrigin::Signed(a.practitioner), id);

		assert_eq!(
			Consultations::<T>::get(id).map(|c| c.status),
			Some(ConsultationStatus::Accepted)
		);
	}

	#[benchmark]
	fn decline() {
		let a = actors::<T>();
		let id = booked::<T>(&a);

		// The signer's account is read and written before the call (its nonce, its fee).
		let signer = a.practitioner.clone();
		frame_benchmarking::whitelist_account!(signer);
		#[extrinsic_call]
		_(RawOrigin::Signed(a.practitioner), id);

		assert_eq!(
			Consultations::<T>::get(id).map(|c| c.status),
			Some(ConsultationStatus::Declined)
		);
	}

	/// A delegate of the patient's (not the payer) cancels an accepted insured visit before
	/// its time: a fee paid out, a refund, a reservation released.
	#[benchmark]
	fn cancel() {
		let a = actors::<T>();
		let id = accepted::<T>(&a);
		keyed::<T>(&a, id);
		let agent = booking_delegate::<T>(&a);

		// The signer's account is read and written before the call (its nonce, its fee).
		frame_benchmarking::whitelist_account!(agent);
		#[extrinsic_call]
		_(RawOrigin::Signed(agent), id);

		assert_eq!(
			Consultations::<T>::get(id).map(|c| c.status),
			Some(ConsultationStatus::Cancelled)
		);
		assert!(!SessionKeysOf::<T>::contains_key(id));
	}

	#[benchmark]
	fn mark_delivered() {
		let a = actors::<T>();
		let id = due::<T>(&a);
		keyed::<T>(&a, id);

		// The signer's account is read and written before the call (its nonce, its fee).
		let signer = a.practitioner.clone();
		frame_benchmarking::whitelist_account!(signer);
		#[extrinsic_call]
		_(RawOrigin::Signed(a.practitioner), id, Some([1u8; 32]));

		assert_eq!(
			Consultations::<T>::get(id).map(|c| c.status),
			Some(ConsultationStatus::Delivered)
		);
		assert!(!SessionKeysOf::<T>::contains_key(id));
	}

	/// A delegate of the patient's (not the payer) confirms an insured visit: payout, and a
	/// claim that passes every check.
	#[benchmark]
	fn confirm() {
		let a = actors::<T>();
		let id = delivered::<T>(&a);
		let agent = booking_delegate::<T>(&a);

		// The signer's account is read and written before the call (its nonce, its fee).
		frame_benchmarking::whitelist_account!(agent);
		#[extrinsic_call]
		_(RawOrigin::Signed(agent), id);

		assert!(Billing::<T>::claim_of(id).is_some());
	}

	/// By a delegate of the patient's (not the payer), who pays the bond.
	#[benchmark]
	fn dispute() {
		let a = actors::<T>();
		let id = delivered::<T>(&a);
		let agent = booking_delegate::<T>(&a);

		// The signer's account is read and written before the call (its nonce, its fee).
		frame_benchmarking::whitelist_account!(agent);
		#[extrinsic_call]
		_(RawOrigin::Signed(agent), id);

		assert_eq!(
			Consultations::<T>::get(id).map(|c| c.status),
			Some(ConsultationStatus::Disputed)
		);
	}

	/// Anyone settles an insured visit after its window: as `confirm`, signed by a stranger.
	#[benchmark]
	fn settle() {
		let a = actors::<T>();
		let id = delivered::<T>(&a);
		Consultations::<T>::mutate(id, |c| {
			if let Some(c) = c {
				c.dispute_until = Some(T::Time::now())
			}
		});
		let stranger = funded::<T>("stranger", 0);

		// The signer's account is read and written before the call (its nonce, its fee).
		frame_benchmarking::whitelist_account!(stranger);
		#[extrinsic_call]
		_(RawOrigin::Signed(stranger), id);

		assert!(Billing::<T>::claim_of(id).is_some());
	}

	/// The arbiter splits a disputed insured visit: refunds, payout and claim.
	#[benchmark]
	fn resolve_dispute() -> Result<(), BenchmarkError> {
		let a = actors::<T>();
		let id = delivered::<T>(&a);
		Billing::<T>::do_dispute(a.patient.clone(), id).expect("disputed");
		let origin =
			T::ArbiterOrigin::try_successful_origin().map_err(|_| BenchmarkError::Weightless)?;

		#[extrinsic_call]
		_(origin as T::RuntimeOrigin, id, Permill::from_percent(30));

		assert!(Billing::<T>::claim_of(id).is_some());
		Ok(())
	}

	#[benchmark]
	fn register_insurer() -> Result<(), BenchmarkError> {
		let insurer: T::AccountId = account("insurer", 0, 0);
		let origin =
			T::GovernanceOrigin::try_successful_origin().map_err(|_| BenchmarkError::Weightless)?;

		#[extrinsic_call]
		_(origin as T::RuntimeOrigin, insurer.clone(), name::<T>());

		assert!(Insurers::<T>::contains_key(&insurer));
		Ok(())
	}

	#[benchmark]
	fn fund_pool() {
		let a = actors::<T>();

		// The signer's account is read and written before the call (its nonce, its fee).
		let signer = a.insurer.clone();
		frame_benchmarking::whitelist_account!(signer);
		#[extrinsic_call]
		_(RawOrigin::Signed(a.insurer.clone()), price::<T>());
	}

	#[benchmark]
	fn withdraw_pool() {
		let a = actors::<T>();
		let _ = booked::<T>(&a);

		// The signer's account is read and written before the call (its nonce, its fee).
		let signer = a.insurer.clone();
		frame_benchmarking::whitelist_account!(signer);
		#[extrinsic_call]
		_(RawOrigin::Signed(a.insurer.clone()), price::<T>());
	}

	#[benchmark]
	fn issue_policy() {
		let a = actors::<T>();

		// The signer's account is read and written before the call (its nonce, its fee).
		let signer = a.insurer.clone();
		frame_benchmarking::whitelist_account!(signer);
		#[extrinsic_call]
		_(
			RawOrigin::Signed(a.insurer),
			a.patient,
			covered::<T>(),
			Permill::from_percent(70),
			price::<T>(),
			0,
			Moment::MAX / 2,
		);

		assert_eq!(NextPolicyId::<T>::get(), 2);
	}

	#[benchmark]
	fn end_policy() {
		let a = actors::<T>();

		// The signer's account is read and written before the call (its nonce, its fee).
		let signer = a.insurer.clone();
		frame_benchmarking::whitelist_account!(signer);
		#[extrinsic_call]
		_(RawOrigin::Signed(a.insurer), a.policy);

		assert!(Policies::<T>::get(a.policy).is_some_and(|p| p.ended_at.is_some()));
	}

	/// The insurer approves: the heavier answer (a payout with its fee).
	#[benchmark]
	fn adjudicate_claim() {
		let a = actors::<T>();
		let claim = pending_claim::<T>(&a);

		// The signer's account is read and written before the call (its nonce, its fee).
		let signer = a.insurer.clone();
		frame_benchmarking::whitelist_account!(signer);
		#[extrinsic_call]
		_(RawOrigin::Signed(a.insurer), claim, true, [0u8; 32]);

		assert_eq!(Claims::<T>::get(claim).map(|c| c.status), Some(ClaimStatus::Approved));
	}

	#[benchmark]
	fn finalize_claim() {
		let a = actors::<T>();
		let claim = pending_claim::<T>(&a);
		Claims::<T>::mutate(claim, |c| {
			if let Some(c) = c {
				c.status = ClaimStatus::Pending { deadline: T::Time::now() }
			}
		});
		let stranger = funded::<T>("stranger", 0);

		// The signer's account is read and written before the call (its nonce, its fee).
		frame_benchmarking::whitelist_account!(stranger);
		#[extrinsic_call]
		_(RawOrigin::Signed(stranger), claim);

		assert_eq!(Claims::<T>::get(claim).map(|c| c.status), Some(ClaimStatus::Approved));
	}

	/// A stranger releases an unanswered insured booking at its time: a refund, a reservation
	/// released, both open lists full.
	#[benchmark]
	fn release_lapsed() {
		let a = actors::<T>();
		let id = booked::<T>(&a);
		Consultations::<T>::mutate(id, |c| {
			if let Some(c) = c {
				c.scheduled_at = T::Time::now()
			}
		});
		let stranger = funded::<T>("stranger", 0);

		// The signer's account is read and written before the call (its nonce, its fee).
		frame_benchmarking::whitelist_account!(stranger);
		#[extrinsic_call]
		_(RawOrigin::Signed(stranger), id);

		assert_eq!(Consultations::<T>::get(id).map(|c| c.status), Some(ConsultationStatus::Lapsed));
	}

	/// A stranger closes an undecided dispute of an insured visit by the default: the bond
	/// back, refunds, payout and claim.
	#[benchmark]
	fn close_dispute() {
		let a = actors::<T>();
		let id = delivered::<T>(&a);
		Billing::<T>::do_dispute(a.patient.clone(), id).expect("disputed");
		Disputes::<T>::mutate(id, |d| {
			if let Some(d) = d {
				d.deadline = T::Time::now()
			}
		});
		let stranger = funded::<T>("stranger", 0);

		// The signer's account is read and written before the call (its nonce, its fee).
		frame_benchmarking::whitelist_account!(stranger);
		#[extrinsic_call]
		_(RawOrigin::Signed(stranger), id);

		assert!(Billing::<T>::claim_of(id).is_some());
		assert!(Disputes::<T>::get(id).is_none());
	}

	/// A stranger reaps an insured visit with its approved claim and the visit's duplicate key,
	/// while the patient's open list is full of other visits, each read to look for the same
	/// visit.
	#[benchmark]
	fn reap() {
		let a = actors::<T>();
		let claim = pending_claim::<T>(&a);
		Claims::<T>::mutate(claim, |c| {
			if let Some(c) = c {
				c.status = ClaimStatus::Pending { deadline: T::Time::now() }
			}
		});
		Billing::<T>::do_finalize_claim(claim).expect("approved");
		let id = Claims::<T>::get(claim).expect("the claim").consultation;
		let visit = Consultations::<T>::get(id).expect("the visit");
		let others: Vec<ConsultationId> =
			(0..T::MaxOpenConsultations::get() as u64).map(|i| u64::MAX - i).collect();
		for (i, other) in others.iter().enumerate() {
			let mut c = visit.clone();
			c.scheduled_at = c.scheduled_at.saturating_add(i as u64 + 1);
			c.status = ConsultationStatus::Accepted;
			Consultations::<T>::insert(other, c);
		}
		OpenOfPatient::<T>::insert(&a.patient, BoundedVec::truncate_from(others));
		let key = Billing::<T>::visit_key(&visit);
		assert!(ClaimedVisits::<T>::contains_key(key));
		let stranger = funded::<T>("stranger", 0);

		// The signer's account is read and written before the call (its nonce, its fee).
		frame_benchmarking::whitelist_account!(stranger);
		#[extrinsic_call]
		_(RawOrigin::Signed(stranger), id);

		assert!(Consultations::<T>::get(id).is_none());
		assert!(Claims::<T>::get(claim).is_none());
		assert!(!ClaimedVisits::<T>::contains_key(key));
	}

	/// The worst case is a replacement: both keys are there and the caller's is rewritten.
	#[benchmark]
	fn publish_session_key() {
		let a = actors::<T>();
		let id = accepted::<T>(&a);
		keyed::<T>(&a, id);

		// The signer's account is read and written before the call (its nonce, its fee).
		let signer = a.practitioner.clone();
		frame_benchmarking::whitelist_account!(signer);
		#[extrinsic_call]
		_(RawOrigin::Signed(a.practitioner.clone()), id, session_key(0x43));

		let keys = SessionKeysOf::<T>::get(id).expect("the keys");
		assert_eq!(keys.practitioner.map(|k| (k.key, k.revision)), Some((session_key(0x43), 2)));
	}

	impl_benchmark_test_suite!(Billing, crate::mock::new_test_ext(), crate::mock::Test);
}
