//! Unit tests, by feature. Every call's success path and each of its errors; a failed call
//! changes nothing (`assert_noop!`); the invariants hold after every test that writes.

mod bounds;
mod devices;
mod envelopes;
mod patients;
mod records;
mod shredding;

use crate::{mock::*, Error, Event};
use frame_support::{assert_ok, dispatch::DispatchResult, traits::Get, BoundedVec};
use telemed_primitives::{DataCategory, PurposeOfUse, RecordId};

pub(crate) type RError = Error<Test>;

pub(crate) fn assert_invariants() {
	crate::Pallet::<Test>::do_try_state().expect("invariants hold");
}

/// `bytes` as a call's bounded argument; a test that passes too many is wrong.
pub(crate) fn bounded<S: Get<u32>>(bytes: &[u8]) -> BoundedVec<u8, S> {
	bytes.to_vec().try_into().expect("within the bound: oversize input cannot be decoded")
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
	pub resource_type: Vec<u8>,
	pub category: DataCategory,
	pub size: u64,
	pub locator: Vec<u8>,
	pub purpose: PurposeOfUse,
}

impl NewRecord {
	/// The patient adds a laboratory `Observation` of their own.
	pub fn by(by: AccountId) -> Self {
		NewRecord {
			by,
			patient: PATIENT,
			resource_type: b"Observation".to_vec(),
			category: DataCategory::Laboratory,
			size: 1_234,
			locator: b"ipfs://bafy1".to_vec(),
			purpose: PurposeOfUse::Treatment,
		}
	}

	pub fn call(&self) -> DispatchResult {
		Records::add_record(
			RuntimeOrigin::signed(self.by),
			self.patient,
			bounded(&self.resource_type),
			self.category,
			[1u8; 32],
			[2u8; 32],
			self.size,
			bounded(&self.locator),
			self.purpose,
		)
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
		2_000,
		bounded(b"ipfs://bafy2"),
		PurposeOfUse::Treatment,
	)
}

/// A sealed data key of a valid length.
pub(crate) fn sealed() -> Vec<u8> {
	vec![0x5a; 72]
}

/// Adds an envelope of `record` for `grantee`, signed by `by`, for treatment.
pub(crate) fn envelope(by: AccountId, record: RecordId, grantee: AccountId) -> DispatchResult {
	Records::add_envelope(
		RuntimeOrigin::signed(by),
		record,
		grantee,
		bounded(&sealed()),
		PurposeOfUse::Treatment,
	)
}

/// `patient` names `device` with `label`.
pub(crate) fn name_device(patient: AccountId, device: AccountId, label: &[u8]) -> DispatchResult {
	Records::register_device(RuntimeOrigin::signed(patient), device, bounded(label))
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
