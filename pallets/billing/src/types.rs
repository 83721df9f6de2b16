//! Domain types of the billing pallet.

use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use frame_support::{
	traits::{ConstU32, Get},
	BoundedVec, CloneNoBound, DebugNoBound, EqNoBound, PartialEqNoBound,
};
use scale_info::TypeInfo;
use sp_runtime::Permill;

use telemed_primitives::{ConsultationId, Hash256, KeyAgreementKey, Moment, PolicyId};

/// The longest service code (a CPT, HCPCS or SNOMED CT code, as text).
pub const MAX_SERVICE_CODE_LEN: u32 = 18;

/// A billable service's code, e.g. CPT `99213` or SNOMED CT `185389009`.
pub type ServiceCode = BoundedVec<u8, ConstU32<MAX_SERVICE_CODE_LEN>>;

/// One service of a practitioner's fee schedule. Fee schedules are public by design (a
/// patient must see what a service costs before booking it); the text describing a service is
/// kept off chain and only its hash is stored, so a practitioner's free text never reaches the
/// chain in clear.
#[derive(
	Clone, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo, Debug,
)]
pub struct Service<Balance> {
	/// The hash of what the service is, for patients: the text is kept off chain and checked
	/// against this hash by the client.
	pub description: Hash256,
	/// Its price; a booking keeps the price it was made at.
	pub price: Balance,
	/// How long a visit lasts, in milliseconds.
	pub duration: Moment,
	/// The deposit held from the practitioner for the entry.
	pub deposit: Balance,
}

/// Where a consultation stands.
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
pub enum ConsultationStatus {
	/// Booked; the practitioner has not answered.
	Requested,
	/// Accepted by the practitioner.
	Accepted,
	/// The practitioner says it took place; the patient may confirm or dispute until
	/// `dispute_until`.
	Delivered,
	/// The patient disputes it; the arbiter decides.
	Disputed,
	/// Paid out (and the claim, if insured, created).
	Settled,
	/// The practitioner declined it; refunded in full.
	Declined,
	/// Cancelled by either side under the cancellation rule.
	Cancelled,
	/// The arbiter split the escrow between patient and practitioner.
	Resolved,
	/// Delivered by a practitioner without a valid licence at the time: refunded in full.
	Refunded,
	/// Never answered by the practitioner before its time: released by anyone, refunded in
	/// full.
	Lapsed,
}

impl ConsultationStatus {
	/// Whether money is still held for it.
	pub fn is_open(&self) -> bool {
		matches!(self, Self::Requested | Self::Accepted | Self::Delivered | Self::Disputed)
	}
}

/// A booked visit, with its escrow.
#[derive(
	CloneNoBound, PartialEqNoBound, EqNoBound, Encode, Decode, MaxEncodedLen, TypeInfo, DebugNoBound,
)]
pub struct Consultation<
	AccountId: Clone + PartialEq + Eq + core::fmt::Debug,
	Balance: Clone + PartialEq + Eq + core::fmt::Debug,
> {
	/// Who is seen.
	pub patient: AccountId,
	/// Who gives the consultation.
	pub practitioner: AccountId,
	/// Who booked it and whose funds hold the patient's share (the patient or a delegate);
	/// refunds go back to them.
	pub payer: AccountId,
	/// The code of the service booked: a public fee-schedule code, no free text. Kept because
	/// the claim checks need it (the policy's coverage) and the price comes from it; public by
	/// design, as docs/PRIVACY.md explains. Never put in an event.
	pub service: ServiceCode,
	/// The price at booking.
	pub price: Balance,
	/// What the patient pays (all of it when self-paid, the copay when insured), held from
	/// `payer`.
	pub patient_share: Balance,
	/// What the insurer pays, reserved in its pool; zero when self-paid.
	pub insurer_share: Balance,
	/// The policy it was booked under, if insured.
	pub policy: Option<PolicyId>,
	/// When the visit is due, in milliseconds.
	pub scheduled_at: Moment,
	/// How long it lasts.
	pub duration: Moment,
	/// Where it stands.
	pub status: ConsultationStatus,
	/// When the practitioner marked it delivered.
	pub delivered_at: Option<Moment>,
	/// Whether the practitioner held a valid licence when marking it delivered.
	pub licensed_at_delivery: bool,
	/// The commitment of the encounter record, if the practitioner gave one.
	pub encounter: Option<Hash256>,
	/// Until when the patient may dispute it.
	pub dispute_until: Option<Moment>,
	/// The consultation deposit held from `payer` until the consultation is reaped.
	pub deposit: Balance,
}

/// An open dispute: who disputed, the bond they hold, and when the default applies.
#[derive(
	Clone, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo, Debug,
)]
pub struct Dispute<AccountId, Balance> {
	/// Who disputed and holds the bond.
	pub disputer: AccountId,
	/// The bond held from `disputer`.
	pub bond: Balance,
	/// From when anyone may close the dispute by the default (an even split).
	pub deadline: Moment,
}

/// A registered insurer and its pool.
#[derive(
	CloneNoBound, PartialEqNoBound, EqNoBound, Encode, Decode, MaxEncodedLen, TypeInfo, DebugNoBound,
)]
#[scale_info(skip_type_params(MaxNameLen))]
pub struct Insurer<Balance: Clone + PartialEq + Eq + core::fmt::Debug, MaxNameLen: Get<u32>> {
	/// The insurer's name.
	pub name: BoundedVec<u8, MaxNameLen>,
	/// What it holds in its pool (all of it on hold).
	pub pool: Balance,
	/// The part of the pool promised to open bookings and pending claims.
	pub committed: Balance,
}

/// An insurance policy of a patient.
#[derive(
	CloneNoBound, PartialEqNoBound, EqNoBound, Encode, Decode, MaxEncodedLen, TypeInfo, DebugNoBound,
)]
#[scale_info(skip_type_params(MaxCovered))]
pub struct Policy<
	AccountId: Clone + PartialEq + Eq + core::fmt::Debug,
	Balance: Clone + PartialEq + Eq + core::fmt::Debug,
	MaxCovered: Get<u32>,
> {
	/// The insurer.
	pub insurer: AccountId,
	/// The insured patient.
	pub patient: AccountId,
	/// The service codes it covers, sorted.
	pub covered: BoundedVec<ServiceCode, MaxCovered>,
	/// The insurer's part of each covered price; the patient pays the rest (the copay).
	pub coverage: Permill,
	/// The most the insurer pays in a policy year (from `valid_from`, 365 days each).
	pub annual_limit: Balance,
	/// Start of validity, milliseconds.
	pub valid_from: Moment,
	/// End of validity (exclusive).
	pub valid_until: Moment,
	/// When the insurer ended it early, if it did.
	pub ended_at: Option<Moment>,
	/// The insurer's shares of open bookings under it. What claims used of the limit is kept
	/// per policy year in `PolicyUsage`.
	pub reserved: Balance,
}

impl<
		AccountId: Clone + PartialEq + Eq + core::fmt::Debug,
		Balance: Clone + PartialEq + Eq + core::fmt::Debug,
		MaxCovered: Get<u32>,
	> Policy<AccountId, Balance, MaxCovered>
{
	/// Whether it is in force at `at`.
	pub fn in_force(&self, at: Moment) -> bool {
		self.valid_from <= at && at < self.valid_until && self.ended_at.map_or(true, |e| at < e)
	}

	/// Whether it covers `service`.
	pub fn covers(&self, service: &ServiceCode) -> bool {
		self.covered.binary_search(service).is_ok()
	}

	/// The policy year `at` falls in.
	pub fn year_of(&self, at: Moment) -> u32 {
		const YEAR: Moment = 365 * 24 * 60 * 60 * 1000;
		(at.saturating_sub(self.valid_from) / YEAR).try_into().unwrap_or(u32::MAX)
	}
}

/// Why a claim was rejected by the chain's checks, before the insurer saw it.
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
pub enum FraudCheck {
	/// The consultation was not delivered.
	NotDelivered,
	/// The practitioner held no valid licence at the time of service.
	NotLicensed,
	/// The patient gave the insurer no consent for purpose `Payment` (of any scope), or denies
	/// it reading all data for `Payment`.
	NoPaymentConsent,
	/// The policy does not cover the service, or was not in force at the time of service.
	NotCovered,
	/// The claim would exceed the policy's annual limit.
	LimitExceeded,
	/// The same visit (patient, practitioner, service, time) was claimed already.
	Duplicate,
}

/// Where a claim stands.
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
pub enum ClaimStatus {
	/// Awaiting the insurer until `deadline`; no answer by then means approved.
	Pending {
		/// The insurer's deadline, milliseconds.
		deadline: Moment,
	},
	/// Approved (by the insurer or by its silence) and paid.
	Approved,
	/// Denied by the insurer; `reason` commits to its statement.
	Denied {
		/// The commitment of the insurer's statement.
		reason: Hash256,
	},
	/// Rejected by the chain's checks.
	Rejected {
		/// Which check failed.
		check: FraudCheck,
	},
}

/// An insurance claim for a settled consultation.
#[derive(
	Clone, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo, Debug,
)]
pub struct Claim<AccountId, Balance> {
	/// The consultation claimed for.
	pub consultation: ConsultationId,
	/// The policy.
	pub policy: PolicyId,
	/// The insurer who pays.
	pub insurer: AccountId,
	/// The practitioner who is paid.
	pub practitioner: AccountId,
	/// The amount claimed: the insurer's share.
	pub amount: Balance,
	/// When it was created.
	pub created_at: Moment,
	/// Where it stands.
	pub status: ClaimStatus,
}

/// Why a quote cannot be given.
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
pub enum QuoteError {
	/// The practitioner publishes no such service.
	UnknownService,
	/// No policy has this id, or it is another patient's.
	UnknownPolicy,
	/// The policy is not in force now.
	PolicyNotInForce,
	/// The policy does not cover the service.
	NotCovered,
	/// The insurer's share would exceed what is left of the annual limit.
	LimitExceeded,
}

/// The split of a price between patient and insurer.
#[derive(
	Clone, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo, Debug,
)]
pub struct Quote<Balance> {
	/// The price.
	pub price: Balance,
	/// What the patient pays.
	pub patient_share: Balance,
	/// What the insurer pays.
	pub insurer_share: Balance,
}

/// One party's ephemeral session key for a consultation, as published on chain.
#[derive(
	Clone, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo, Debug,
)]
pub struct SessionKey {
	/// The party's ephemeral X25519 public key for this consultation (never its registered
	/// key-agreement key: a fresh key per visit).
	pub key: KeyAgreementKey,
	/// When it was published (the latest replacement), in milliseconds.
	pub published_at: Moment,
	/// 1 for the first key, one more at each replacement: a client that pinned a key sees
	/// from the revision (and the `SessionKeyReplaced` event) that it changed.
	pub revision: u32,
}

/// The session keys of a consultation while it is accepted: one per party, each published by
/// that party's own account. Both sides derive the session secret from exactly these two keys.
#[derive(
	Clone,
	PartialEq,
	Eq,
	Default,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
	Debug,
)]
pub struct SessionKeys {
	/// The patient's key, once published.
	pub patient: Option<SessionKey>,
	/// The practitioner's key, once published.
	pub practitioner: Option<SessionKey>,
}
