//! Benchmarks of every call, in their worst case: prescribers and pharmacists whose licence
//! checks read the most (through the registry's benchmark helper), a controlled substance
//! whose consent check reads the most (the verifier's helper), the most fills and the longest
//! locator, a full list of the patient's prescriptions with the one named last.

use super::*;
use crate::{impls::secret_hash, Pallet as PrescriptionsPallet};
use alloc::vec::Vec;
use frame_benchmarking::v2::*;
use frame_support::{
	traits::{fungible::Mutate, Get, Time},
	BoundedVec,
};
use frame_system::RawOrigin;
use sp_runtime::traits::Bounded;
use telemed_primitives::{
	AccessAction, ConsentVerifier, Hash256, LicenceRevocation, PractitionerRegistry,
	PractitionerRole, PrescriptionId, PurposeOfUse,
};

fn funded<T: Config>(name: &'static str, index: u32) -> T::AccountId {
	let who: T::AccountId = account(name, index, 0);
	// Enough for every deposit, and room for many funded accounts in the total issuance.
	T::Currency::set_balance(&who, BalanceOf::<T>::max_value() / 1024u32.into());
	who
}

/// A funded prescriber, licensed for the last of the prescribing roles (the longest check).
fn prescriber<T: Config>() -> T::AccountId {
	let who = funded::<T>("prescriber", 0);
	let last = PractitionerRole::PRESCRIBERS[PractitionerRole::PRESCRIBERS.len() - 1];
	T::Practitioners::make_licensed_as(&who, last);
	who
}

/// A licensed pharmacist to whom `patient` consents (as a controlled substance needs).
fn pharmacist<T: Config>(patient: &T::AccountId) -> T::AccountId {
	let who = funded::<T>("pharmacist", 0);
	T::Practitioners::make_licensed_as(&who, PractitionerRole::Pharmacist);
	T::Consent::make_permitted(&who, patient, AccessAction::Read, PurposeOfUse::Treatment);
	// The verifier's helper may have licensed the pharmacist for another role on top.
	T::Practitioners::make_licensed_as(&who, PractitionerRole::Pharmacist);
	who
}

/// The secret of fill `fill` of the prescription drawn with `salt`.
fn secret(salt: u8, fill: u32) -> Hash256 {
	let mut s = [salt; 32];
	s[28..].copy_from_slice(&fill.to_le_bytes());
	s
}

/// The hashes of `count` secrets drawn with `salt`, from fill `from`.
fn hashes<T: Config>(salt: u8, from: u32, count: u32) -> DispenseHashesOf<T> {
	let all: Vec<Hash256> = (from..from + count).map(|i| secret_hash(&secret(salt, i))).collect();
	BoundedVec::truncate_from(all)
}

/// The longest sealed locator.
fn locator<T: Config>() -> LocatorOf<T> {
	BoundedVec::truncate_from(alloc::vec![0x5a; T::MaxLocatorLen::get() as usize])
}

/// The latest expiry allowed now.
fn expiry<T: Config>() -> telemed_primitives::Moment {
	T::Time::now().saturating_add(T::MaxValidity::get())
}

/// Fills `patient`'s list with ids of other prescriptions, leaving `room` places.
fn fill_list<T: Config>(patient: &T::AccountId, room: u32) {
	let fill = T::MaxPrescriptionsPerPatient::get().saturating_sub(room) as u64;
	let ids: Vec<PrescriptionId> = (u64::MAX - fill..u64::MAX).collect();
	PrescriptionsOf::<T>::insert(patient, BoundedVec::truncate_from(ids));
}

/// A licensed prescriber, a patient whose list is full but for one controlled prescription
/// of the most fills (secrets drawn with 1) from the prescriber, and its id.
fn issued<T: Config>() -> (T::AccountId, T::AccountId, PrescriptionId) {
	let prescriber = prescriber::<T>();
	let patient: T::AccountId = account("patient", 0, 0);
	fill_list::<T>(&patient, 1);
	let max = T::MaxFills::get();
	let terms = PrescriptionTerms {
		commitment: [0xc0; 32],
		ciphertext_hash: [0xd0; 32],
		locator: locator::<T>(),
		fills: max,
		expires_at: expiry::<T>(),
		controlled: true,
		dispense_hashes: hashes::<T>(1, 1, max),
	};
	let id = PrescriptionsPallet::<T>::do_issue(prescriber.clone(), patient.clone(), terms)
		.expect("a valid prescription");
	(prescriber, patient, id)
}

/// Removes the filler ids [`fill_list`] put in `patient`'s list (before `try_state` looks).
fn unfill_list<T: Config>(patient: &T::AccountId) {
	PrescriptionsOf::<T>::mutate_exists(patient, |list| {
		if let Some(ids) = list {
			ids.retain(|id| Prescriptions::<T>::contains_key(id));
			if ids.is_empty() {
				*list = None;
			}
		}
	});
}

#[benchmarks]
mod benchmarks {
	use super::*;

	#[benchmark]
	fn issue() {
		let prescriber = prescriber::<T>();
		let patient: T::AccountId = account("patient", 0, 0);
		fill_list::<T>(&patient, 1);
		let max = T::MaxFills::get();

		// The signer's account is read and written before the call (its nonce, its fee).
		frame_benchmarking::whitelist_account!(prescriber);
		#[extrinsic_call]
		_(
			RawOrigin::Signed(prescriber.clone()),
			patient.clone(),
			[0xc0; 32],
			[0xd0; 32],
			locator::<T>(),
			max,
			expiry::<T>(),
			true,
			hashes::<T>(1, 1, max),
		);

		assert_eq!(OpenOfPrescriber::<T>::get(&prescriber), 1);
		unfill_list::<T>(&patient);
	}

	/// The last fill of a controlled substance: the consent check, and the prescription
	/// closed (its deposit released, the patient's full list shortened).
	#[benchmark]
	fn dispense() {
		let (_, patient, id) = issued::<T>();
		let pharmacist = pharmacist::<T>(&patient);
		let max = T::MaxFills::get();
		// Every fill but the last made (no time between them: the clock cannot move here).
		Prescriptions::<T>::mutate(id, |p| {
			if let Some(p) = p {
				p.fills_used = max - 1;
				p.spent = hashes::<T>(1, 1, max - 1);
			}
		});

		// The signer's account is read and written before the call (its nonce, its fee).
		frame_benchmarking::whitelist_account!(pharmacist);
		#[extrinsic_call]
		_(RawOrigin::Signed(pharmacist), id, secret(1, max));

		assert!(!Prescriptions::<T>::contains_key(id));
		unfill_list::<T>(&patient);
	}

	/// The most new secrets, checked against the most presented ones is not reachable at
	/// once (they share `MaxFills`): the most new secrets, the patient's list full.
	#[benchmark]
	fn amend() {
		let (prescriber, patient, id) = issued::<T>();
		let max = T::MaxFills::get();

		// The signer's account is read and written before the call (its nonce, its fee).
		frame_benchmarking::whitelist_account!(prescriber);
		#[extrinsic_call]
		_(
			RawOrigin::Signed(prescriber),
			id,
			[0xc1; 32],
			[0xd1; 32],
			locator::<T>(),
			max,
			expiry::<T>(),
			true,
			hashes::<T>(2, 1, max),
		);

		assert!(!Prescriptions::<T>::contains_key(id));
		unfill_list::<T>(&patient);
	}

	#[benchmark]
	fn cancel() {
		let (_, patient, id) = issued::<T>();

		// The signer's account is read and written before the call (its nonce, its fee).
		frame_benchmarking::whitelist_account!(patient);
		#[extrinsic_call]
		_(RawOrigin::Signed(patient.clone()), id);

		assert!(!Prescriptions::<T>::contains_key(id));
		unfill_list::<T>(&patient);
	}

	#[benchmark]
	fn expire() {
		let (_, patient, id) = issued::<T>();
		// Expired now (the clock cannot move here).
		Prescriptions::<T>::mutate(id, |p| {
			if let Some(p) = p {
				p.expires_at = T::Time::now();
			}
		});
		let anyone = funded::<T>("anyone", 0);

		// The signer's account is read and written before the call (its nonce, its fee).
		frame_benchmarking::whitelist_account!(anyone);
		#[extrinsic_call]
		_(RawOrigin::Signed(anyone), id);

		assert!(!Prescriptions::<T>::contains_key(id));
		unfill_list::<T>(&patient);
	}

	/// A revocation reported for a prescriber with open prescriptions: the count and the
	/// prescribing-licence checks (the note's writes are added to the weight on top).
	#[benchmark]
	fn licence_revoked() {
		let (prescriber, patient, _) = issued::<T>();

		#[block]
		{
			<PrescriptionsPallet<T> as LicenceRevocation<T::AccountId>>::licence_revoked(
				&prescriber,
			);
		}

		unfill_list::<T>(&patient);
	}

	impl_benchmark_test_suite!(PrescriptionsPallet, crate::mock::new_test_ext(), crate::mock::Test);
}
