//! Domain types of the prescriptions pallet. None of them holds health data: a prescription is
//! a salted commitment to its content, an opaque sealed locator, counts, times, a flag and the
//! hashes of one-time dispense secrets.

use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use frame_support::{
	traits::Get, BoundedVec, CloneNoBound, DebugNoBound, EqNoBound, PartialEqNoBound,
};
use scale_info::TypeInfo;

use telemed_primitives::{Hash256, Moment, PrescriptionId};

/// One open version of a prescription, as stored.
///
/// Fills are counted over every version of a prescription: an amendment carries the fills
/// made under the versions it supersedes ([`Self::carried`]), so that no amendment can make
/// the total exceed [`Self::fills_allowed`]. The dispense secret of fill number `n` (1-based,
/// over every version) is the preimage of `dispense_hashes[n - 1 - carried]`.
#[derive(
	CloneNoBound, PartialEqNoBound, EqNoBound, Encode, Decode, MaxEncodedLen, TypeInfo, DebugNoBound,
)]
#[scale_info(skip_type_params(MaxFills, MaxLocatorLen))]
pub struct Prescription<AccountId, Balance, MaxFills, MaxLocatorLen>
where
	AccountId: Clone + PartialEq + Eq + core::fmt::Debug,
	Balance: Clone + PartialEq + Eq + core::fmt::Debug,
	MaxFills: Get<u32>,
	MaxLocatorLen: Get<u32>,
{
	/// For whom.
	pub patient: AccountId,
	/// Who prescribed it; pays the deposit; the only one who may amend it.
	pub prescriber: AccountId,
	/// Salted commitment `blake2_256(salt ‖ content)` to the content (medication, dose,
	/// quantity), which is encrypted off chain and sealed to the patient like a record.
	pub commitment: Hash256,
	/// `blake2_256` of the encrypted content (the blob the locator names), so that a gateway
	/// serves the patient and the prescriber that blob and no other. `None` only for a
	/// version issued before the chain kept it (storage version 1, see
	/// [`crate::migrations::v2`]): no gateway serves its blob.
	pub ciphertext_hash: Option<Hash256>,
	/// Where the encrypted content is, sealed by the client under the content's data key
	/// (opaque to the chain; may be empty when the patient receives it another way).
	pub locator: BoundedVec<u8, MaxLocatorLen>,
	/// How many fills the prescription allows in all, over every version.
	pub fills_allowed: u32,
	/// How many fills were made, over every version.
	pub fills_used: u32,
	/// How many of [`Self::fills_used`] were made under earlier versions.
	pub carried: u32,
	/// `blake2_256` of the one-time dispense secret of each fill of this version, in order:
	/// `fills_allowed - carried` of them. The patient holds the secrets.
	pub dispense_hashes: BoundedVec<Hash256, MaxFills>,
	/// The hashes of the secrets presented so far, over every version: an amendment may not
	/// name them again (a presented secret is public, it is in its block).
	pub spent: BoundedVec<Hash256, MaxFills>,
	/// A controlled substance: each fill needs the patient's consent to the pharmacist and
	/// comes at least `MinRefillInterval` after the previous fill.
	pub controlled: bool,
	/// When this version was issued.
	pub issued_at: Moment,
	/// From when it can no longer be dispensed.
	pub expires_at: Moment,
	/// When the latest fill was made, over every version.
	pub last_fill_at: Option<Moment>,
	/// The version this one superseded, if it is an amendment.
	pub previous: Option<PrescriptionId>,
	/// Held from the prescriber until the prescription is fully filled, cancelled or expired.
	pub deposit: Balance,
}

impl<AccountId, Balance, MaxFills, MaxLocatorLen>
	Prescription<AccountId, Balance, MaxFills, MaxLocatorLen>
where
	AccountId: Clone + PartialEq + Eq + core::fmt::Debug,
	Balance: Clone + PartialEq + Eq + core::fmt::Debug,
	MaxFills: Get<u32>,
	MaxLocatorLen: Get<u32>,
{
	/// How many fills are left.
	pub fn remaining(&self) -> u32 {
		self.fills_allowed.saturating_sub(self.fills_used)
	}

	/// The hash the next fill's secret must have, if a fill is left.
	pub fn next_hash(&self) -> Option<Hash256> {
		let index = self.fills_used.checked_sub(self.carried)?;
		if self.fills_used >= self.fills_allowed {
			return None;
		}
		self.dispense_hashes.get(index as usize).copied()
	}
}

/// Whether a prescription can be dispensed now, and if not, why: what the patient's wallet
/// and the pharmacy see.
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
pub enum PrescriptionStanding {
	/// It can be dispensed (for a controlled substance, subject to the refill interval and
	/// the patient's consent).
	Dispensable,
	/// Past its expiry: it can only be cleaned up ([`crate::Pallet::expire`]).
	Expired,
	/// Flagged: its prescriber holds no prescribing licence valid now (expired, suspended or
	/// revoked). It can be dispensed again if a licence becomes valid again, unless revoked.
	PrescriberNotLicensed,
	/// Flagged: its prescriber's licence was revoked for good after it was issued. It can
	/// never be dispensed; the prescriber or the patient cancels it, or it expires.
	PrescriberRevoked,
}

/// What the runtime API tells about one open prescription: ids, counts and times (no content).
#[derive(
	Clone, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo, Debug,
)]
pub struct PrescriptionView<AccountId> {
	/// For whom.
	pub patient: AccountId,
	/// Who prescribed it.
	pub prescriber: AccountId,
	/// The salted commitment to its content.
	pub commitment: Hash256,
	/// How many fills it allows in all.
	pub fills_allowed: u32,
	/// How many fills were made.
	pub fills_used: u32,
	/// A controlled substance.
	pub controlled: bool,
	/// When this version was issued.
	pub issued_at: Moment,
	/// When it expires.
	pub expires_at: Moment,
	/// When the latest fill was made.
	pub last_fill_at: Option<Moment>,
	/// The earliest time the next fill may be made (a controlled substance's refill
	/// interval), if later than now.
	pub next_fill_not_before: Option<Moment>,
	/// The version it superseded, if an amendment.
	pub previous: Option<PrescriptionId>,
	/// Whether it can be dispensed now, or why not.
	pub standing: PrescriptionStanding,
}
