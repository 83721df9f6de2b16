//! Domain types of the records pallet. None of them holds health data: a record is a blinded
//! tag, a commitment, a ciphertext's hash and padded size class, and an opaque sealed locator.

use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use frame_support::{
	traits::Get, BoundedVec, CloneNoBound, DebugNoBound, EqNoBound, PartialEqNoBound,
};
use scale_info::TypeInfo;

use telemed_primitives::{Hash256, KeyAgreementKey, Moment, PurposeOfUse, RecordId, Tag};

/// The fewest bytes a sealed data key can have: a 32-byte key and a 16-byte AEAD tag.
pub const MIN_ENVELOPE_LEN: u32 = 48;

/// The smallest size class: a ciphertext is padded to at least 2^10 bytes (1 KiB).
pub const MIN_SIZE_CLASS: u8 = 10;

/// The largest size class: 2^40 bytes (1 TiB), more than any clinical document or study.
pub const MAX_SIZE_CLASS: u8 = 40;

/// The smallest size class that holds `size` bytes, within
/// [`MIN_SIZE_CLASS`]`..=`[`MAX_SIZE_CLASS`] (a larger size gets the largest class).
pub fn size_class_of(size: u64) -> u8 {
	let mut class = MIN_SIZE_CLASS;
	while class < MAX_SIZE_CLASS && (1u64 << class) < size {
		class += 1;
	}
	class
}

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

/// A live version as its patient's list ([`crate::RecordsOf`]) keeps it: its id and its
/// record's stable identity (the id of the record's first version), so that the list alone
/// says which records a set of versions belongs to.
#[derive(
	Clone,
	Copy,
	PartialEq,
	Eq,
	PartialOrd,
	Ord,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
	Debug,
)]
pub struct ListedVersion {
	/// The version's id.
	pub id: RecordId,
	/// Its record's stable identity.
	pub record: RecordId,
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
	/// Amended or re-keyed: `by` is the version that replaced it. It stays, for the history.
	Superseded {
		/// The version that replaced this one.
		by: RecordId,
		/// When it was replaced.
		at: Moment,
	},
}

/// How a version came to be.
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
pub enum VersionKind {
	/// The record's first version.
	Original,
	/// A clinical amendment: new content.
	Amendment,
	/// A re-key: the same content (the same commitment) under a fresh data key, at a new
	/// ciphertext and locator, with new envelopes. Not a clinical amendment.
	ReKey,
}

/// One version of a patient's record, not shredded: proof that a ciphertext exists and has not
/// changed, and where to find it (sealed). The plaintext, the data key and what the record is
/// about never reach the chain.
#[derive(
	CloneNoBound, PartialEqNoBound, EqNoBound, Encode, Decode, MaxEncodedLen, TypeInfo, DebugNoBound,
)]
#[scale_info(skip_type_params(MaxLocatorLen))]
pub struct Record<
	AccountId: Clone + PartialEq + Eq + core::fmt::Debug,
	Balance: Clone + PartialEq + Eq + core::fmt::Debug,
	MaxLocatorLen: Get<u32>,
> {
	/// Whose record it is.
	pub patient: AccountId,
	/// Who added this version (the patient, a delegate or a practitioner); paid its deposit.
	pub author: AccountId,
	/// The blinded tag consents are scoped by: a keyed hash of a category or type under the
	/// patient's tag key. Every version of a record has the same.
	pub tag: Tag,
	/// `blake2_256(salt ‖ plaintext)`: proves the plaintext without revealing it (the salt
	/// travels inside the ciphertext).
	pub commitment: Hash256,
	/// `blake2_256` of the ciphertext: anyone holding the ciphertext can check it is intact.
	pub ciphertext_hash: Hash256,
	/// The ciphertext is padded by the client to exactly `2^size_class` bytes, so the chain
	/// shows a size class, not a size.
	pub size_class: u8,
	/// Where the ciphertext is kept, sealed by the client: opaque bytes to the chain. Empty
	/// once a re-key replaced this version.
	pub locator: BoundedVec<u8, MaxLocatorLen>,
	/// When this version was added.
	pub created_at: Moment,
	/// The record's stable identity: the id of its first version, the same for every
	/// version. Consents scoped to a record name it, so they cover every amendment.
	pub record: RecordId,
	/// 1 for the first version, then one more for each amendment or re-key.
	pub version: u32,
	/// The version this one replaced, if it is not the first.
	pub supersedes: Option<RecordId>,
	/// Original, amendment or re-key.
	pub kind: VersionKind,
	/// Current or superseded.
	pub status: RecordStatus,
	/// How many key envelopes this version has.
	pub envelopes: u32,
	/// The deposit held from the author until the record is shredded.
	pub deposit: Balance,
}

impl<
		AccountId: Clone + PartialEq + Eq + core::fmt::Debug,
		Balance: Clone + PartialEq + Eq + core::fmt::Debug,
		MaxLocatorLen: Get<u32>,
	> Record<AccountId, Balance, MaxLocatorLen>
{
	/// The newer version, if this one was superseded.
	pub fn superseded_by(&self) -> Option<RecordId> {
		match self.status {
			RecordStatus::Superseded { by, .. } => Some(by),
			_ => None,
		}
	}
}

/// A record version as stored: its metadata while live; after a crypto-shred only the salted
/// commitment and the time of the shred, so nothing links it to a patient, author, tag, size,
/// locator or the record's other versions any more.
#[derive(
	CloneNoBound, PartialEqNoBound, EqNoBound, Encode, Decode, MaxEncodedLen, TypeInfo, DebugNoBound,
)]
#[scale_info(skip_type_params(MaxLocatorLen))]
pub enum RecordEntry<
	AccountId: Clone + PartialEq + Eq + core::fmt::Debug,
	Balance: Clone + PartialEq + Eq + core::fmt::Debug,
	MaxLocatorLen: Get<u32>,
> {
	/// A version that is not shredded (current or superseded).
	Live(Record<AccountId, Balance, MaxLocatorLen>),
	/// Crypto-shredded for good: no metadata, no envelopes; the commitment stays.
	Shredded {
		/// The salted commitment to the plaintext it was.
		commitment: Hash256,
		/// When it was shredded.
		at: Moment,
	},
}

impl<
		AccountId: Clone + PartialEq + Eq + core::fmt::Debug,
		Balance: Clone + PartialEq + Eq + core::fmt::Debug,
		MaxLocatorLen: Get<u32>,
	> RecordEntry<AccountId, Balance, MaxLocatorLen>
{
	/// Whether the version was shredded.
	pub fn is_shredded(&self) -> bool {
		matches!(self, RecordEntry::Shredded { .. })
	}

	/// The version, if it is not shredded.
	pub fn live(self) -> Option<Record<AccountId, Balance, MaxLocatorLen>> {
		match self {
			RecordEntry::Live(record) => Some(record),
			RecordEntry::Shredded { .. } => None,
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
pub struct Device<
	AccountId: Clone + PartialEq + Eq + core::fmt::Debug,
	Balance: Clone + PartialEq + Eq + core::fmt::Debug,
> {
	/// Whose readings it anchors.
	pub patient: AccountId,
	/// A hash of the patient's label for it (the label itself stays off chain).
	pub label: Hash256,
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
pub struct PendingDevice<
	AccountId: Clone + PartialEq + Eq + core::fmt::Debug,
	Balance: Clone + PartialEq + Eq + core::fmt::Debug,
> {
	/// The device's account, which must confirm.
	pub device: AccountId,
	/// A hash of the patient's label for it.
	pub label: Hash256,
	/// The deposit held from the patient; it stays held when the device confirms.
	pub deposit: Balance,
	/// When the patient named it.
	pub requested_at: Moment,
}

/// What a query for a patient's records filters on.
#[derive(Clone, PartialEq, Eq, Default, Encode, Decode, DecodeWithMemTracking, TypeInfo, Debug)]
pub struct RecordFilter {
	/// Only records with this blinded tag.
	pub tag: Option<Tag>,
	/// Only the current version of each record (no superseded ones).
	pub current_only: bool,
}

/// Who added an envelope: whoever may hand the key out (the patient, a delegate, the author),
/// or the patient's emergency custodian releasing a key it holds (that release pays no fee).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Released {
	/// The patient, a delegate with `AccessRecords`, or the version's author.
	ByHolder,
	/// The patient's emergency custodian, to a practitioner who broke the glass.
	ByCustodian,
}
