//! Unit tests, by feature. Every call's success path and each of its errors; a failed call
//! changes nothing (`assert_noop!`); the invariants hold after every test that writes.

mod bounds;
mod custodian;
mod devices;
mod envelopes;
mod patients;
mod privacy;
mod records;
mod refunds;
mod rekey;
mod revocation;
mod shredding;

use crate::{mock::*, Error, Event};
use frame_support::{
	assert_ok,
	dispatch::{DispatchResult, DispatchResultWithPostInfo},
	traits::Get,
	BoundedVec,
};
use telemed_primitives::{PurposeOfUse, RecordId, Tag};

pub(crate) type RError = Error<Test>;

pub(crate) fn assert_invariants() {
	crate::Pallet::<Test>::do_try_state().expect("invariants hold");
}

/// `bytes` as a call's bounded argument; a test that passes too many is wrong.
pub(crate) fn bounded<S: Get<u32>>(bytes: &[u8]) -> BoundedVec<u8, S> {
	bytes.to_vec().try_into().expect("within the bound: oversize input cannot be decoded")
}

/// The patient's blinded tag for laboratory results (a test value: any 32 bytes).
pub(crate) const LAB: Tag = [0x1a; 32];
/// The patient's blinded tag for imaging.
pub(crate) const IMAGING: Tag = [0x1b; 32];
/// The other patient's tag for laboratory results: unrelated to the patient's.
pub(crate) const THEIR_LAB: Tag = [0x2a; 32];

/// The ids of `patient`'s listed versions, in the list's order.
pub(crate) fn listed(patient: AccountId) -> Vec<RecordId> {
	crate::RecordsOf::<Test>::get(patient).iter().map(|entry| entry.id).collect()
}

/// The live version `id`; a test that asks for a missing or shredded one is wrong.
pub(crate) fn rec(id: RecordId) -> crate::RecordOf<Test> {
	crate::Pallet::<Test>::record(id).expect("a live version")
}

pub(crate) fn last_event() -> Event<Test> {
	System::events()
		.into_iter()
		.rev()
		.find_map(|r| match r.event {
			RuntimeEvent::Records(e) => Some(e),
			_ => None,
		})
		.expect("an event of this pallet")
}

/// Everything `add_record` takes, with defaults a test overrides field by field.
#[derive(Clone)]
pub(crate) struct NewRecord {
	pub by: AccountId,
	pub patient: AccountId,
	pub tag: Tag,
	pub size_class: u8,
	pub locator: Vec<u8>,
	pub purpose: PurposeOfUse,
}

impl NewRecord {
	/// The patient adds a laboratory result of their own.
	pub fn by(by: AccountId) -> Self {
		NewRecord {
			by,
			patient: PATIENT,
			tag: LAB,
			size_class: 12,
			locator: b"ipfs://bafy1".to_vec(),
			purpose: PurposeOfUse::Treatment,
		}
	}

	pub fn call(&self) -> DispatchResult {
		Records::add_record(
			RuntimeOrigin::signed(self.by),
			self.patient,
			self.tag,
			[1u8; 32],
			[2u8; 32],
			self.size_class,
			bounded(&self.locator),
			self.purpose,
		)
		.map(|_| ())
		.map_err(|e| e.error)
	}

	/// Adds it and returns its id.
	pub fn add(&self) -> RecordId {
		let id = crate::NextRecordId::<Test>::get();
		assert_ok!(self.call());
		id
	}
}

/// Amends `previous` as `by`, with a default content.
pub(crate) fn amend(by: AccountId, previous: RecordId) -> DispatchResult {
	Records::amend_record(
		RuntimeOrigin::signed(by),
		previous,
		[3u8; 32],
		[4u8; 32],
		13,
		bounded(b"ipfs://bafy2"),
		PurposeOfUse::Treatment,
	)
	.map(|_| ())
	.map_err(|e| e.error)
}

/// A sealed data key of a valid length.
pub(crate) fn sealed() -> Vec<u8> {
	vec![0x5a; 72]
}

/// Adds an envelope of `record` for `grantee`, signed by `by`, for treatment.
pub(crate) fn envelope(
	by: AccountId,
	record: RecordId,
	grantee: AccountId,
) -> DispatchResultWithPostInfo {
	Records::add_envelope(
		RuntimeOrigin::signed(by),
		record,
		grantee,
		bounded(&sealed()),
		PurposeOfUse::Treatment,
	)
}

/// `patient` names `device` with (the hash of) `label`.
pub(crate) fn name_device(patient: AccountId, device: AccountId, label: &[u8]) -> DispatchResult {
	Records::register_device(
		RuntimeOrigin::signed(patient),
		device,
		sp_io::hashing::blake2_256(label),
	)
}

/// Re-keys `record` as `by`, keeping `commitment`, with a new ciphertext and locator and a
/// new envelope for each of `grantees`.
pub(crate) fn rekey(
	by: AccountId,
	record: RecordId,
	commitment: [u8; 32],
	grantees: &[AccountId],
) -> DispatchResult {
	let envelopes: Vec<(AccountId, BoundedVec<u8, _>)> =
		grantees.iter().map(|g| (*g, bounded(&[0x6b; 64]))).collect();
	Records::rekey_record(
		RuntimeOrigin::signed(by),
		record,
		commitment,
		[5u8; 32],
		14,
		bounded(b"sealed:new"),
		envelopes.try_into().expect("within MaxEnvelopesPerRecord"),
	)
	.map(|_| ())
	.map_err(|e| e.error)
}

/// `device` confirms it is `patient`'s.
pub(crate) fn confirm(device: AccountId, patient: AccountId) -> DispatchResult {
	Records::confirm_device(RuntimeOrigin::signed(device), patient)
}

/// `patient` names `device`, which confirms: an active device.
pub(crate) fn add_device(patient: AccountId, device: AccountId) {
	assert_ok!(name_device(patient, device, b""));
	assert_ok!(confirm(device, patient));
}

/// What `who` has on hold in all.
pub(crate) fn held(who: AccountId) -> Balance {
	use frame_support::traits::fungible::InspectHold;
	Balances::total_balance_on_hold(&who)
}
