//! Benchmarks of every call, in their worst case: a practitioner author or grantee whose
//! licence and consent checks read the most (through the registry's and verifier's
//! benchmark helpers), full per-patient lists, the longest inputs, and shredding the longest
//! version chain with the most envelopes, re-keying a version with the most envelopes, and
//! pruning the most envelopes of a grantee whose access ended, each after the verifier's
//! longest refusal ([`ConsentVerifier::make_refused`]: the grantee's own permits, as many as
//! a check reads, each granted by a delegate, then every licence of the grantee refused).

use super::*;
use crate::{impls::bench_content, Pallet as RecordsPallet};
use alloc::{vec, vec::Vec};
use frame_benchmarking::v2::*;
use frame_support::{
	traits::{fungible::Mutate, Get},
	BoundedVec,
};
use frame_system::RawOrigin;
use sp_runtime::traits::Bounded;
use telemed_primitives::{
	AccessAction, AccessTarget, CheckReads, ConsentVerifier, DelegateScope, DelegationInspector,
	EnvelopeKeeper, PurposeOfUse, RecordId, Tag,
};

/// The most consents an access check reads (a benchmark's range).
fn most_consents<T: Config>() -> u32 {
	T::Consent::most_reads(PurposeOfUse::Treatment).consents
}

/// The tag of the benchmarks' records.
const TAG: Tag = [0x7a; 32];

fn funded<T: Config>(name: &'static str, index: u32) -> T::AccountId {
	let who: T::AccountId = account(name, index, 0);
	// Enough for every deposit, and room for many funded accounts in the total issuance.
	T::Currency::set_balance(&who, BalanceOf::<T>::max_value() / 1024u32.into());
	who
}

/// A registered, funded patient.
fn patient<T: Config>() -> T::AccountId {
	let who = funded::<T>("patient", 0);
	RecordsPallet::<T>::do_register_patient(who.clone(), [1u8; 32]).expect("a new patient");
	who
}

/// A funded delegate of `patient` with `scope`: signing for the patient, it reads its
/// delegation, where the patient (or a version's author) is let in without a read.
fn delegate<T: Config>(patient: &T::AccountId, scope: DelegateScope) -> T::AccountId {
	let agent = funded::<T>("delegate", 0);
	T::Delegation::make_delegate(patient, &agent, scope);
	agent
}

/// A version's content with the longest locator.
fn content<T: Config>(seed: u8) -> Content<T::MaxLocatorLen> {
	bench_content::<T>(seed)
}

/// A device label's hash.
fn label() -> telemed_primitives::Hash256 {
	[0xdd; 32]
}

/// Names `device` for `patient` (pending, deposit held).
fn name_device<T: Config>(patient: &T::AccountId, device: &T::AccountId) {
	RecordsPallet::<T>::do_register_device(patient.clone(), device.clone(), label())
		.expect("room for a device");
}

/// Names `device` for `patient` and confirms it: an active device.
fn active_device<T: Config>(patient: &T::AccountId, device: &T::AccountId) {
	name_device::<T>(patient, device);
	RecordsPallet::<T>::do_confirm_device(device.clone(), patient.clone()).expect("confirmed");
}

/// Fills `patient`'s list of live versions with ids of no record, after the versions listed,
/// leaving `room` places.
fn fill_records<T: Config>(patient: &T::AccountId, room: u32) {
	RecordsPallet::<T>::bench_fill_records(patient, room);
}

/// A record of `patient` with `versions` versions, added by the patient; the newest's id.
fn record_chain<T: Config>(patient: &T::AccountId, versions: u32) -> RecordId {
	let mut id = RecordsPallet::<T>::do_add_record(
		patient.clone(),
		patient.clone(),
		TAG,
		content::<T>(0),
		PurposeOfUse::Treatment,
	)
	.expect("a valid record")
	.0;
	for v in 1..versions {
		id = RecordsPallet::<T>::do_amend_record(
			patient.clone(),
			id,
			content::<T>(v as u8),
			PurposeOfUse::Treatment,
		)
		.expect("a valid amendment")
		.0;
	}
	id
}

/// Puts an envelope for `grantee` on `record` as if added by `patient` (deposit held).
fn put_envelope<T: Config>(record: RecordId, patient: &T::AccountId, grantee: &T::AccountId) {
	RecordsPallet::<T>::bench_envelope(record, patient, grantee).expect("room and funds");
}

/// A registered practitioner whose access to `patient`'s records ended, in the verifier's
/// longest refusal: as many permits of the patient (reading, for treatment, granted by a
/// delegate) as a check reads, then every licence of the practitioner read and refused.
fn refused<T: Config>(patient: &T::AccountId, name: &'static str) -> T::AccountId {
	let grantee: T::AccountId = account(name, 0, 0);
	T::Consent::make_refused(&grantee, patient, AccessAction::Read, PurposeOfUse::Treatment);
	grantee
}

/// A grantee whose access to `patient`'s records ended for good, in the verifier's longest
/// such refusal: as many permits of the patient (reading, for treatment) as a check reads,
/// each granted by a delegate whose appointment has ended, each read with its delegation.
fn ended<T: Config>(patient: &T::AccountId) -> T::AccountId {
	let grantee: T::AccountId = account("former grantee", 0, 0);
	T::Consent::make_ended(&grantee, patient, AccessAction::Read, PurposeOfUse::Treatment);
	grantee
}

/// A licensed practitioner whom `patient` permits `action` for treatment, in the worst case
/// for the licence and consent checks.
fn permitted<T: Config>(patient: &T::AccountId, action: AccessAction) -> T::AccountId {
	permitted_reading::<T>(patient, action, CheckReads::MOST)
}

/// A licensed practitioner whom `patient` permits `action` for treatment, found by checks
/// that read `reads` (`c` consents of the patient to the practitioner, each covering the
/// access), licensed in the registry's worst case for lookups.
fn permitted_reading<T: Config>(
	patient: &T::AccountId,
	action: AccessAction,
	reads: CheckReads,
) -> T::AccountId {
	let practitioner = funded::<T>("practitioner", 0);
	T::Consent::make_permitted_reading(
		&practitioner,
		patient,
		action,
		PurposeOfUse::Treatment,
		reads,
	);
	practitioner
}

#[benchmarks]
mod benchmarks {
	use super::*;

	#[benchmark]
	fn register_patient() {
		let who = funded::<T>("patient", 0);

		// The signer's account is read and written before the call (its nonce, its fee).
		frame_benchmarking::whitelist_account!(who);
		#[extrinsic_call]
		_(RawOrigin::Signed(who.clone()), [1u8; 32]);

		assert!(Patients::<T>::contains_key(&who));
	}

	#[benchmark]
	fn rotate_patient_key() {
		let who = patient::<T>();

		// The signer's account is read and written before the call (its nonce, its fee).
		frame_benchmarking::whitelist_account!(who);
		#[extrinsic_call]
		_(RawOrigin::Signed(who.clone()), [2u8; 32]);

		assert_eq!(Patients::<T>::get(&who).map(|p| p.key), Some([2u8; 32]));
	}

	/// `c`: the consents of the patient to the author the access check reads.
	#[benchmark]
	fn add_record(c: Linear<1, { most_consents::<T>() }>) {
		let patient = patient::<T>();
		let author =
			permitted_reading::<T>(&patient, AccessAction::Append, CheckReads { consents: c });
		fill_records::<T>(&patient, 1);
		let c = content::<T>(0);

		// The signer's account is read and written before the call (its nonce, its fee).
		frame_benchmarking::whitelist_account!(author);
		#[extrinsic_call]
		_(
			RawOrigin::Signed(author),
			patient.clone(),
			TAG,
			c.commitment,
			c.ciphertext_hash,
			c.size_class,
			c.locator,
			PurposeOfUse::Treatment,
		);

		assert_eq!(
			RecordsOf::<T>::decode_len(&patient),
			Some(T::MaxRecordsPerPatient::get() as usize)
		);
	}

	/// `c`: as for `add_record`.
	#[benchmark]
	fn amend_record(c: Linear<1, { most_consents::<T>() }>) {
		let patient = patient::<T>();
		let previous = record_chain::<T>(&patient, T::MaxVersions::get().saturating_sub(1));
		let author =
			permitted_reading::<T>(&patient, AccessAction::Amend, CheckReads { consents: c });
		fill_records::<T>(&patient, 1);
		let c = content::<T>(7);

		// The signer's account is read and written before the call (its nonce, its fee).
		frame_benchmarking::whitelist_account!(author);
		#[extrinsic_call]
		_(
			RawOrigin::Signed(author),
			previous,
			c.commitment,
			c.ciphertext_hash,
			c.size_class,
			c.locator,
			PurposeOfUse::Treatment,
		);

		assert!(RecordsPallet::<T>::record(previous).is_some_and(|r| r.superseded_by().is_some()));
	}

	/// By a delegate of the patient's with `AccessRecords` (who pays the deposit).
	#[benchmark]
	fn add_envelope() {
		let patient = patient::<T>();
		let record = record_chain::<T>(&patient, 1);
		for i in 1..T::MaxEnvelopesPerRecord::get() {
			put_envelope::<T>(record, &patient, &account("grantee", i, 0));
		}
		let grantee = permitted::<T>(&patient, AccessAction::Read);
		let sealed: BoundedVec<u8, T::MaxEnvelopeLen> =
			BoundedVec::truncate_from(vec![9u8; T::MaxEnvelopeLen::get() as usize]);
		let agent = delegate::<T>(&patient, DelegateScope::AccessRecords);

		// The signer's account is read and written before the call (its nonce, its fee).
		frame_benchmarking::whitelist_account!(agent);
		#[extrinsic_call]
		_(RawOrigin::Signed(agent), record, grantee.clone(), sealed, PurposeOfUse::Treatment);

		assert!(Envelopes::<T>::contains_key(record, &grantee));
	}

	/// An emergency custodian releases a key it holds to a practitioner who broke the glass:
	/// the custodian's delegation and envelope checked, the practitioner's emergency access
	/// found through the registry's longest lookup, the disclosure logged; the version has room
	/// for one more envelope only.
	#[benchmark]
	fn add_envelope_by_custodian() {
		let patient = patient::<T>();
		let record = record_chain::<T>(&patient, 1);
		let custodian = funded::<T>("custodian", 0);
		T::Delegation::make_delegate(&patient, &custodian, DelegateScope::EmergencyCustodian);
		put_envelope::<T>(record, &patient, &custodian);
		// A custody envelope: only one for emergency treatment may be released.
		Envelopes::<T>::mutate(record, &custodian, |own| {
			if let Some(own) = own {
				own.purpose = PurposeOfUse::EmergencyTreatment;
			}
		});
		for i in 2..T::MaxEnvelopesPerRecord::get() {
			put_envelope::<T>(record, &patient, &account("grantee", i, 0));
		}
		let practitioner = funded::<T>("practitioner", 0);
		T::Consent::make_emergency(&practitioner, &patient);
		let sealed: BoundedVec<u8, T::MaxEnvelopeLen> =
			BoundedVec::truncate_from(vec![9u8; T::MaxEnvelopeLen::get() as usize]);

		// The signer's account is read and written before the call (its nonce, its fee).
		frame_benchmarking::whitelist_account!(custodian);
		#[extrinsic_call]
		add_envelope(
			RawOrigin::Signed(custodian),
			record,
			practitioner.clone(),
			sealed,
			PurposeOfUse::EmergencyTreatment,
		);

		assert!(Envelopes::<T>::contains_key(record, &practitioner));
	}

	#[benchmark]
	fn remove_envelope() {
		// A stranger cleans up the envelope of a grantee whose access ended for good: the
		// longest such check (a delegate lookup, then every permit of the grantee with its
		// ended delegation). A licence that fails refuses the stranger (`AccessMayResume`).
		let patient = patient::<T>();
		let record = record_chain::<T>(&patient, 1);
		let grantee = ended::<T>(&patient);
		put_envelope::<T>(record, &patient, &grantee);
		let stranger = funded::<T>("stranger", 0);

		// The signer's account is read and written before the call (its nonce, its fee).
		frame_benchmarking::whitelist_account!(stranger);
		#[extrinsic_call]
		_(RawOrigin::Signed(stranger), record, grantee.clone());

		assert!(!Envelopes::<T>::contains_key(record, &grantee));
	}

	/// `c`: the consents of the patient to the grantee the access check reads.
	#[benchmark]
	fn access_record(c: Linear<1, { most_consents::<T>() }>) {
		let patient = patient::<T>();
		let record = record_chain::<T>(&patient, 1);
		let grantee =
			permitted_reading::<T>(&patient, AccessAction::Read, CheckReads { consents: c });
		put_envelope::<T>(record, &patient, &grantee);

		// The signer's account is read and written before the call (its nonce, its fee).
		frame_benchmarking::whitelist_account!(grantee);
		#[extrinsic_call]
		_(RawOrigin::Signed(grantee), record);
	}

	/// A delegate of the patient's with `ShredRecords` shreds a record of `v` versions carrying
	/// `e` envelopes in all, out of a full list.
	#[benchmark]
	fn shred_record(
		v: Linear<1, { T::MaxVersions::get() }>,
		e: Linear<0, { T::MaxVersions::get().saturating_mul(T::MaxEnvelopesPerRecord::get()) }>,
	) {
		let patient = patient::<T>();
		fill_records::<T>(&patient, v);
		let newest = record_chain::<T>(&patient, v);
		let chain: Vec<RecordId> =
			RecordsPallet::<T>::version_chain(newest).into_iter().map(|(id, _)| id).collect();
		let per_version = T::MaxEnvelopesPerRecord::get();
		for i in 0..e {
			let version = chain[((i / per_version) as usize).min(chain.len() - 1)];
			put_envelope::<T>(version, &patient, &account("grantee", i, 0));
		}
		let agent = delegate::<T>(&patient, DelegateScope::ShredRecords);

		// The signer's account is read and written before the call (its nonce, its fee).
		frame_benchmarking::whitelist_account!(agent);
		#[extrinsic_call]
		_(RawOrigin::Signed(agent), newest);

		assert!(Records::<T>::get(newest).is_some_and(|r| r.is_shredded()));
	}

	/// The patient names one more device, after every other place is taken by pending ones
	/// (the longest scan for a duplicate).
	#[benchmark]
	fn register_device() {
		let patient = patient::<T>();
		for i in 1..T::MaxDevicesPerPatient::get() {
			name_device::<T>(&patient, &account("device", i, 0));
		}
		let device: T::AccountId = account("device", 0, 0);

		// The signer's account is read and written before the call (its nonce, its fee).
		frame_benchmarking::whitelist_account!(patient);
		#[extrinsic_call]
		_(RawOrigin::Signed(patient.clone()), device.clone(), label());

		assert!(PendingDevices::<T>::get(&patient).iter().any(|p| p.device == device));
	}

	/// The device confirms, last in a full list of pending registrations.
	#[benchmark]
	fn confirm_device() {
		let patient = patient::<T>();
		for i in 1..T::MaxDevicesPerPatient::get() {
			name_device::<T>(&patient, &account("device", i, 0));
		}
		let device: T::AccountId = account("device", 0, 0);
		name_device::<T>(&patient, &device);

		// The signer's account is read and written before the call (its nonce, its fee).
		frame_benchmarking::whitelist_account!(device);
		#[extrinsic_call]
		_(RawOrigin::Signed(device.clone()), patient.clone());

		assert!(Devices::<T>::get(&device).is_some_and(|d| d.status == DeviceStatus::Active));
	}

	/// The patient cancels the last of a full list of pending registrations.
	#[benchmark]
	fn cancel_device() {
		let patient = patient::<T>();
		for i in 1..T::MaxDevicesPerPatient::get() {
			name_device::<T>(&patient, &account("device", i, 0));
		}
		let device: T::AccountId = account("device", 0, 0);
		name_device::<T>(&patient, &device);

		// The signer's account is read and written before the call (its nonce, its fee).
		frame_benchmarking::whitelist_account!(patient);
		#[extrinsic_call]
		_(RawOrigin::Signed(patient.clone()), device.clone());

		assert!(!PendingDevices::<T>::get(&patient).iter().any(|p| p.device == device));
	}

	#[benchmark]
	fn retire_device() {
		let patient = patient::<T>();
		for i in 0..T::MaxDevicesPerPatient::get() {
			active_device::<T>(&patient, &account("device", i, 0));
		}
		let device: T::AccountId = account("device", 0, 0);

		// The signer's account is read and written before the call (its nonce, its fee).
		frame_benchmarking::whitelist_account!(patient);
		#[extrinsic_call]
		_(RawOrigin::Signed(patient), device.clone());

		assert!(Devices::<T>::get(&device).is_some_and(|d| d.status != DeviceStatus::Active));
	}

	/// Removes a retired device that anchored, whose account was removed once before (the
	/// spent sequence number is read and raised).
	#[benchmark]
	fn remove_device() {
		let patient = patient::<T>();
		let device: T::AccountId = account("device", 0, 0);
		for seq in [1, 2] {
			active_device::<T>(&patient, &device);
			RecordsPallet::<T>::do_anchor_batch(device.clone(), seq, [1u8; 32], 10, 0, 1)
				.expect("a batch");
			RecordsPallet::<T>::do_retire_device(patient.clone(), device.clone()).expect("retired");
			if seq == 1 {
				RecordsPallet::<T>::do_remove_device(patient.clone(), device.clone())
					.expect("removed");
			}
		}

		// The signer's account is read and written before the call (its nonce, its fee).
		frame_benchmarking::whitelist_account!(patient);
		#[extrinsic_call]
		_(RawOrigin::Signed(patient), device.clone());

		assert!(!Devices::<T>::contains_key(&device));
		assert_eq!(SpentSequence::<T>::get(&device), Some(2));
	}

	/// A device's first batch after its account was registered again: the spent sequence
	/// number is read too.
	#[benchmark]
	fn anchor_batch() {
		let patient = patient::<T>();
		let device: T::AccountId = account("device", 0, 0);
		active_device::<T>(&patient, &device);
		RecordsPallet::<T>::do_anchor_batch(device.clone(), 1, [1u8; 32], 10, 0, 1)
			.expect("a first batch");
		RecordsPallet::<T>::do_retire_device(patient.clone(), device.clone()).expect("retired");
		RecordsPallet::<T>::do_remove_device(patient.clone(), device.clone()).expect("removed");
		active_device::<T>(&patient, &device);

		// The signer's account is read and written before the call (its nonce, its fee).
		frame_benchmarking::whitelist_account!(device);
		#[extrinsic_call]
		_(RawOrigin::Signed(device.clone()), 2, [2u8; 32], 100, 1, 2);

		assert_eq!(Devices::<T>::get(&device).and_then(|d| d.latest).map(|b| b.seq), Some(2));
	}

	/// A patient whose records were all shredded (an empty list left) deregisters.
	#[benchmark]
	fn deregister_patient() {
		let patient = patient::<T>();
		record_chain::<T>(&patient, 1);
		RecordsPallet::<T>::do_shred_all(patient.clone(), patient.clone(), 1).expect("shredded");

		// The signer's account is read and written before the call (its nonce, its fee).
		frame_benchmarking::whitelist_account!(patient);
		#[extrinsic_call]
		_(RawOrigin::Signed(patient.clone()));

		assert!(!Patients::<T>::contains_key(&patient));
	}

	/// A delegate of the patient's with `AccessRecords` (who pays the deposit) re-keys the
	/// current version of a record one version short of the longest, which carries the most
	/// envelopes (all dropped); `e` of its grantees get a new one, each a licensed practitioner
	/// with a read consent (as many as the verifier lets a patient permit: a grantee it did not
	/// permit is left out).
	#[benchmark]
	fn rekey_record(e: Linear<0, { T::MaxEnvelopesPerRecord::get() }>) {
		let patient = patient::<T>();
		let previous = record_chain::<T>(&patient, T::MaxVersions::get().saturating_sub(1));
		fill_records::<T>(&patient, 1);
		let target = RecordsPallet::<T>::record(previous)
			.map(|r| AccessTarget::Record { tag: r.tag, record: r.record })
			.expect("a live version");
		let sealed: BoundedVec<u8, T::MaxEnvelopeLen> =
			BoundedVec::truncate_from(vec![9u8; T::MaxEnvelopeLen::get() as usize]);
		let mut envelopes = Vec::new();
		for i in 0..T::MaxEnvelopesPerRecord::get() {
			let grantee: T::AccountId = account("grantee", i, 0);
			put_envelope::<T>(previous, &patient, &grantee);
			if i < e {
				T::Consent::make_permitted(
					&grantee,
					&patient,
					AccessAction::Read,
					PurposeOfUse::Treatment,
				);
				let allowed = T::Consent::check_access(
					&grantee,
					&patient,
					AccessAction::Read,
					target,
					PurposeOfUse::Treatment,
				)
				.is_ok();
				if allowed {
					envelopes.push((grantee, sealed.clone()));
				}
			}
		}
		let envelopes = BoundedVec::truncate_from(envelopes);
		let c = content::<T>(9);
		let commitment =
			RecordsPallet::<T>::record(previous).map(|r| r.commitment).unwrap_or_default();
		let agent = delegate::<T>(&patient, DelegateScope::AccessRecords);

		// The signer's account is read and written before the call (its nonce, its fee).
		frame_benchmarking::whitelist_account!(agent);
		#[extrinsic_call]
		_(
			RawOrigin::Signed(agent),
			previous,
			commitment,
			c.ciphertext_hash,
			c.size_class,
			c.locator,
			envelopes,
		);

		assert!(RecordsPallet::<T>::record(previous).is_some_and(|r| r.superseded_by().is_some()));
	}

	/// A consent ends: `n` envelopes of the grantee for the patient's records are all removed,
	/// each after the longest refusal (every permit of the grantee, each granted by a
	/// delegate, then every licence of the grantee: [`refused`]).
	#[benchmark]
	fn prune_envelopes(n: Linear<0, { T::MaxEnvelopesPerGrantee::get() }>) {
		let patient = patient::<T>();
		let grantee = refused::<T>(&patient, "former grantee");
		for _ in 0..n {
			let record = record_chain::<T>(&patient, 1);
			put_envelope::<T>(record, &patient, &grantee);
		}

		#[block]
		{
			RecordsPallet::<T>::prune_envelopes(&patient, &grantee);
		}

		assert!(!EnvelopesOf::<T>::contains_key(&patient, &grantee));
	}

	/// A grantee whose licence was revoked (queued) and who may no longer read: `n` of its
	/// envelopes for one patient's records are all removed, each after the longest refusal
	/// ([`refused`]).
	#[benchmark]
	fn prune_revoked(n: Linear<0, { T::MaxEnvelopesPerGrantee::get() }>) {
		let patient = patient::<T>();
		let grantee = refused::<T>(&patient, "revoked grantee");
		for _ in 0..n {
			let record = record_chain::<T>(&patient, 1);
			put_envelope::<T>(record, &patient, &grantee);
		}
		if n == 0 {
			// The index names the pair (never the case without envelopes): the call's reads.
			GranteePatients::<T>::insert(&grantee, &patient, ());
		}
		RevokedGrantees::<T>::insert(&grantee, telemed_primitives::Moment::MAX);
		let caller = funded::<T>("caller", 0);

		// The signer's account is read and written before the call (its nonce, its fee).
		frame_benchmarking::whitelist_account!(caller);
		#[extrinsic_call]
		_(RawOrigin::Signed(caller), grantee.clone(), patient.clone());

		assert!(!EnvelopesOf::<T>::contains_key(&patient, &grantee));
	}

	/// One step of `on_idle`'s sweep: a revoked grantee taken from the queue, the index read
	/// for its next patient, and `n` envelopes for that patient's records all removed, each
	/// after the longest refusal ([`refused`]); the cursor written.
	#[benchmark]
	fn sweep_step(n: Linear<0, { T::MaxEnvelopesPerGrantee::get() }>) {
		let patient = patient::<T>();
		let grantee = refused::<T>(&patient, "revoked grantee");
		for _ in 0..n {
			let record = record_chain::<T>(&patient, 1);
			put_envelope::<T>(record, &patient, &grantee);
		}
		if n == 0 {
			GranteePatients::<T>::insert(&grantee, &patient, ());
		}
		RevokedGrantees::<T>::insert(&grantee, telemed_primitives::Moment::MAX);
		// Room for exactly one step.
		let limit = T::DbWeight::get()
			.reads(1)
			.saturating_add(T::WeightInfo::sweep_step(T::MaxEnvelopesPerGrantee::get()));

		#[block]
		{
			RecordsPallet::<T>::sweep_revoked(limit);
		}

		assert!(!EnvelopesOf::<T>::contains_key(&patient, &grantee));
		assert!(RevocationSweep::<T>::get().is_some_and(|s| s.last == Some(patient)));
	}

	impl_benchmark_test_suite!(RecordsPallet, crate::mock::new_test_ext(), crate::mock::Test);
}
