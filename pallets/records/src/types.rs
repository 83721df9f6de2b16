//! Domain types of the records pallet. None of them holds health data: a record is a
//! commitment, a ciphertext's hash and size, and an opaque locator of the ciphertext.

use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use frame_support::{
	traits::Get, BoundedVec, CloneNoBound, DebugNoBound, EqNoBound, PartialEqNoBound,
};
use scale_info::TypeInfo;

use telemed_primitives::{DataCategory, Hash256, KeyAgreementKey, Moment, PurposeOfUse, RecordId};

/// The fewest bytes a sealed data key can have: a 32-byte key and a 16-byte AEAD tag.
pub const MIN_ENVELOPE_LEN: u32 = 48;

/// A registered patient.
#[derive(
	Clone, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo, Debug,
)]
pub struct Patient<Balance> {
	/// The X25519 key-agreement public key data keys are sealed to for the patient.
	pub key: KeyAgreementKey,
	/// The deposit held while registered.
	pub deposit: Balance,
	/// When the patient registered.
	pub registered_at: Moment,
}

/// Where a version stands in its record's history.
#[derive(
	Clone,
	Copy,
	PartialEq,
	Eq,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
	Debug,
)]
pub enum RecordStatus {
	/// The newest version of the record.
	Current,
	/// Amended: `by` is the version that replaced it. It stays, for the history.
	Superseded {
		/// The version that replaced this one.
		by: RecordId,
		/// When it was replaced.
		at: Moment,
	},
	/// Crypto-shredded for good: no locator, no envelopes; the commitment stays.
	Shredded {
		/// When it was shredded.
		at: Moment,
	},
}

/// One version of a patient's record: proof that a ciphertext exists and has not changed, and
/// where to find it. The plaintext and the data key never reach the chain.
#[derive(
	CloneNoBound, PartialEqNoBound, EqNoBound, Encode, Decode, MaxEncodedLen, TypeInfo, DebugNoBound,
)]
#[scale_info(skip_type_params(MaxTypeLen, MaxLocatorLen))]
pub struct Record<
	AccountId: Clone + PartialEq + Eq + core::fmt::Debug,
	Balance: Clone + PartialEq + Eq + core::fmt::Debug,
	MaxTypeLen: Get<u32>,
	MaxLocatorLen: Get<u32>,
> {
	/// Whose record it is.
	pub patient: AccountId,
	/// Who added this version (the patient, a delegate or a practitioner); paid its deposit.
	pub author: AccountId,
	/// The FHIR resource type, e.g. `Observation`, `DiagnosticReport` (ASCII letters).
	pub resource_type: BoundedVec<u8, MaxTypeLen>,
	/// The category consents are scoped by. Every version of a record has the same.
	pub category: DataCategory,
	/// `blake2_256(salt ‖ plaintext)`: proves the plaintext without revealing it (the salt
	/// travels inside the ciphertext).
	pub commitment: Hash256,
	/// `blake2_256` of the ciphertext: anyone holding the ciphertext can check it is intact.
	pub ciphertext_hash: Hash256,
	/// The ciphertext's size in bytes.
	pub ciphertext_size: u64,
	/// Where the ciphertext is kept: a URI or CID, opaque to the chain (a client may encrypt
	/// it too). Empty once shredded.
	pub locator: BoundedVec<u8, MaxLocatorLen>,
	/// When this version was added.
	pub created_at: Moment,
	/// The record's stable identity: the id of its first version, the same for every
	/// version. Consents scoped to a record name it, so they cover every amendment.
	pub record: RecordId,
	/// 1 for the first version, then one more for each amendment.
	pub version: u32,
	/// The version this one replaced, if it is an amendment.
	pub supersedes: Option<RecordId>,
	/// Current, superseded or shredded.
	pub status: RecordStatus,
	/// How many key envelopes this version has.
	pub envelopes: u32,
	/// The deposit held from the author; zero once shredded (it was released).
	pub deposit: Balance,
}

impl<
		AccountId: Clone + PartialEq + Eq + core::fmt::Debug,
		Balance: Clone + PartialEq + Eq + core::fmt::Debug,
		MaxTypeLen: Get<u32>,
		MaxLocatorLen: Get<u32>,
	> Record<AccountId, Balance, MaxTypeLen, MaxLocatorLen>
{
	/// Whether the record was shredded.
	pub fn is_shredded(&self) -> bool {
		matches!(self.status, RecordStatus::Shredded { .. })
	}

	/// The newer version, if this one was superseded.
	pub fn superseded_by(&self) -> Option<RecordId> {
		match self.status {
			RecordStatus::Superseded { by, .. } => Some(by),
			_ => None,
		}
	}
}

/// A record's data key, sealed to one grantee's key-agreement key (X25519 key agreement with
/// an ephemeral key, then an AEAD — the layout is the client's; the chain keeps the bytes).
#[derive(
	CloneNoBound, PartialEqNoBound, EqNoBound, Encode, Decode, MaxEncodedLen, TypeInfo, DebugNoBound,
)]
#[scale_info(skip_type_params(MaxEnvelopeLen))]
pub struct KeyEnvelope<
	AccountId: Clone + PartialEq + Eq + core::fmt::Debug,
	Balance: Clone + PartialEq + Eq + core::fmt::Debug,
	MaxEnvelopeLen: Get<u32>,
> {
	/// The sealed data key.
	pub sealed: BoundedVec<u8, MaxEnvelopeLen>,
	/// The grantee's key it was sealed to (a rotated key makes it stale).
	pub sealed_to: KeyAgreementKey,
	/// The purpose of use the grantee has access for: reads through the envelope are checked
	/// and logged with it.
	pub purpose: PurposeOfUse,
	/// Who added it and paid its deposit (the patient, a delegate or the record's author).
	pub depositor: AccountId,
	/// The deposit held from `depositor`.
	pub deposit: Balance,
	/// When it was added.
	pub added_at: Moment,
}

/// Whether a wearable device may still anchor.
#[derive(
	Clone,
	Copy,
	PartialEq,
	Eq,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
	Debug,
)]
pub enum DeviceStatus {
	/// Anchors batches.
	Active,
	/// Retired by the patient: anchors nothing any more, for good.
	Retired {
		/// When it was retired.
		at: Moment,
	},
}

/// One batch of a device's readings, anchored: the readings stay off chain.
#[derive(
	Clone,
	Copy,
	PartialEq,
	Eq,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
	Debug,
)]
pub struct BatchAnchor {
	/// The device's sequence number for the batch; strictly increasing.
	pub seq: u64,
	/// The Merkle root of the batch's (encrypted) samples.
	pub root: Hash256,
	/// How many samples the batch holds.
	pub samples: u32,
	/// The first sample's time, milliseconds since the Unix epoch.
	pub from: Moment,
	/// The last sample's time.
	pub to: Moment,
	/// When it was anchored (the block's time).
	pub anchored_at: Moment,
}

/// A wearable device of a patient: an account of its own that anchors batches of readings.
#[derive(
	CloneNoBound, PartialEqNoBound, EqNoBound, Encode, Decode, MaxEncodedLen, TypeInfo, DebugNoBound,
)]
#[scale_info(skip_type_params(MaxLabelLen))]
pub struct Device<
	AccountId: Clone + PartialEq + Eq + core::fmt::Debug,
	Balance: Clone + PartialEq + Eq + core::fmt::Debug,
	MaxLabelLen: Get<u32>,
> {
	/// Whose readings it anchors.
	pub patient: AccountId,
	/// The patient's label for it (opaque bytes, public: "watch", not a diagnosis).
	pub label: BoundedVec<u8, MaxLabelLen>,
	/// Active or retired.
	pub status: DeviceStatus,
	/// When it was registered.
	pub registered_at: Moment,
	/// The latest batch it anchored; every batch is also in its block and its event.
	pub latest: Option<BatchAnchor>,
	/// The deposit held from the patient: pays for the entry, which stays after retirement.
	pub deposit: Balance,
}

/// A device a patient named that has not confirmed yet: it anchors nothing and blocks nothing
/// for its account until it confirms with a call of its own.
#[derive(
	CloneNoBound, PartialEqNoBound, EqNoBound, Encode, Decode, MaxEncodedLen, TypeInfo, DebugNoBound,
)]
#[scale_info(skip_type_params(MaxLabelLen))]
pub struct PendingDevice<
	AccountId: Clone + PartialEq + Eq + core::fmt::Debug,
	Balance: Clone + PartialEq + Eq + core::fmt::Debug,
	MaxLabelLen: Get<u32>,
> {
	/// The device's account, which must confirm.
	pub device: AccountId,
	/// The patient's label for it (public).
	pub label: BoundedVec<u8, MaxLabelLen>,
	/// The deposit held from the patient; it stays held when the device confirms.
	pub deposit: Balance,
	/// When the patient named it.
	pub requested_at: Moment,
}

/// What a query for a patient's records filters on.
#[derive(Clone, PartialEq, Eq, Default, Encode, Decode, DecodeWithMemTracking, TypeInfo, Debug)]
pub struct RecordFilter {
	/// Only records of this category.
	pub category: Option<DataCategory>,
	/// Only records of this FHIR resource type.
	pub resource_type: Option<alloc::vec::Vec<u8>>,
	/// Only the current version of each record (no superseded ones).
	pub current_only: bool,
}
