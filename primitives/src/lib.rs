//! # Telemed primitives
//!
//! ## Overview
//!
//! The ids, domain types and traits that the Telemed pallets share. No pallet depends on another
//! pallet's crate: each one states what it needs from the others as a trait bound on its
//! `Config` (for example `type Practitioners: PractitionerRegistry<Self::AccountId>`), and the
//! runtime binds the trait to the pallet that implements it. Unit tests bind it to a mock.
//!
//! ## Terminology
//!
//! - **Practitioner**: a clinician (physician, nurse, pharmacist, …) who holds licences.
//! - **Licence**: a right to practise a role (and optionally a specialty) in a jurisdiction,
//!   issued by a licensing authority, valid between two instants, revocable.
//! - **Consent**: a patient's FHIR-shaped permit or deny for a grantee, an action, a scope of
//!   data, a purpose of use and a period.
//! - **Disclosure**: one access to a patient's data that went through the chain, kept in the
//!   patient's accounting of disclosures.
//!
//! ## Rules
//!
//! - Time is `pallet_timestamp` time in milliseconds ([`Moment`]); block numbers are never used
//!   for human periods.
//! - Every type here has a bounded encoding (`MaxEncodedLen`), so pallets may store it.
//! - Nothing here carries health data: data is named by blinded tags ([`Tag`]) and ids,
//!   purposes are codes, record contents are commitments and hashes held by the records pallet.

#![cfg_attr(not(feature = "std"), no_std)]
#![deny(missing_docs)]

extern crate alloc;

use alloc::vec::Vec;
use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use frame_support::{
	traits::{ConstU32, Get},
	BoundedVec,
};
use scale_info::TypeInfo;
use serde::{Deserialize, Serialize};
use sp_runtime::DispatchResult;
use frame_support::weights::Weight;

/// Milliseconds since the Unix epoch, as `pallet_timestamp` keeps them.
pub type Moment = u64;

/// Identifies a record (one version of a patient's record) in the records pallet.
pub type RecordId = u64;

/// Identifies a consent in the consent pallet.
pub type ConsentId = u64;

/// Identifies a break-glass emergency access in the consent pallet.
pub type EmergencyAccessId = u64;

/// Identifies a licence in the practitioners pallet.
pub type LicenceId = u64;

/// Identifies a consultation (a booked visit) in the billing pallet.
pub type ConsultationId = u64;

/// Identifies an insurance claim in the billing pallet.
pub type ClaimId = u64;

/// Identifies an insurance policy in the billing pallet.
pub type PolicyId = u64;

/// A 32-byte hash (blake2-256 unless said otherwise): commitments, ciphertext hashes, evidence.
pub type Hash256 = [u8; 32];

/// An X25519 key-agreement public key. Data keys are sealed to it; it is never a signing key.
pub type KeyAgreementKey = [u8; 32];

/// Whether `key` is an X25519 public key that data keys may be sealed to: its canonical
/// encoding (the top bit clear, the u-coordinate below p = 2^255 - 19) and not one of the
/// points of small order (u = 0, 1, p - 1 and the two of order 8). Sealing to a small-order
/// point gives a shared secret an observer can guess, so the chain refuses such keys.
pub fn is_valid_key_agreement_key(key: &KeyAgreementKey) -> bool {
	/// The u-coordinates of the points of small order, little-endian (libsodium's list, the
	/// canonical ones).
	const SMALL_ORDER: [[u8; 32]; 5] = [
		// 0 (order 4)
		[0; 32],
		// 1 (order 1)
		[
			1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
			0, 0, 0,
		],
		// 325606250916557431795983626356110631294008115727848805560023387167927233504 (order 8)
		[
			0xe0, 0xeb, 0x7a, 0x7c, 0x3b, 0x41, 0xb8, 0xae, 0x16, 0x56, 0xe3, 0xfa, 0xf1, 0x9f,
			0xc4, 0x6a, 0xda, 0x09, 0x8d, 0xeb, 0x9c, 0x32, 0xb1, 0xfd, 0x86, 0x62, 0x05, 0x16,
			0x5f, 0x49, 0xb8, 0x00,
		],
		// 39382357235489614581723060781553021112529911719440698176882885853963445705823 (order 8)
		[
			0x5f, 0x9c, 0x95, 0xbc, 0xa3, 0x50, 0x8c, 0x24, 0xb1, 0xd0, 0xb1, 0x55, 0x9c, 0x83,
			0xef, 0x5b, 0x04, 0x44, 0x5c, 0xc4, 0x58, 0x1c, 0x8e, 0x86, 0xd8, 0x22, 0x4e, 0xdd,
			0xd0, 0x9f, 0x11, 0x57,
		],
		// p - 1 (order 2)
		[
			0xec, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
			0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
			0xff, 0xff, 0xff, 0x7f,
		],
	];
	// Canonical: top bit clear and, read little-endian, below p = 2^255 - 19, whose encoding
	// is 0xed, then thirty 0xff, then 0x7f. Compare from the most significant byte down.
	const P: [u8; 32] = [
		0xed, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
		0xff, 0x7f,
	];
	let below_p =
		key.iter().rev().zip(P.iter().rev()).find(|(k, p)| k != p).map_or(false, |(k, p)| k < p);
	below_p && !SMALL_ORDER.contains(key)
}

/// Why a list could not become a set ([`sorted_set`]).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum SetError {
	/// More items than the bound.
	TooMany,
	/// An item is listed twice.
	Duplicate,
}

/// A call's list as stored: sorted (so lookups can binary-search), without duplicates, within
/// the bound `S`. The pallets map the error to their own.
pub fn sorted_set<V: Ord, S: Get<u32>>(mut items: Vec<V>) -> Result<BoundedVec<V, S>, SetError> {
	if items.len() > S::get() as usize {
		return Err(SetError::TooMany);
	}
	items.sort();
	if items.windows(2).any(|w| w[0] == w[1]) {
		return Err(SetError::Duplicate);
	}
	items.try_into().map_err(|_| SetError::TooMany)
}

/// For `try_state`: what each account has on hold under each of `reasons` equals what the
/// pallet's records say. `expected` is keyed by account and the reason's index in `reasons`;
/// a missing entry means nothing held.
pub fn check_holds<AccountId, C, R>(
	expected: &alloc::collections::btree_map::BTreeMap<(AccountId, u8), C::Balance>,
	reasons: &[R],
) -> Result<(), &'static str>
where
	AccountId: Ord + Clone,
	C: frame_support::traits::fungible::InspectHold<AccountId>,
	R: Copy + Into<C::Reason>,
{
	let mut accounts: Vec<&AccountId> = expected.keys().map(|(who, _)| who).collect();
	accounts.dedup();
	for who in accounts {
		for (index, reason) in reasons.iter().enumerate() {
			let wanted = expected.get(&(who.clone(), index as u8)).copied().unwrap_or_default();
			if C::balance_on_hold(&(*reason).into(), who) != wanted {
				return Err("held deposits differ from the pallet's records");
			}
		}
	}
	Ok(())
}

/// The longest ISO 3166-2 subdivision code, e.g. `GB-ENG`, `US-CA`, `DE-BY`.
pub const MAX_JURISDICTION_LEN: u32 = 6;

/// The longest specialty code (SNOMED CT concept ids are at most 18 digits).
pub const MAX_SPECIALTY_LEN: u32 = 18;

/// An ISO 3166-1 alpha-2 country code (`FR`) or ISO 3166-2 subdivision code (`US-NY`).
pub type JurisdictionCode = BoundedVec<u8, ConstU32<MAX_JURISDICTION_LEN>>;

/// A practice specialty as a code (SNOMED CT "clinical specialty" concept id, as text).
pub type SpecialtyCode = BoundedVec<u8, ConstU32<MAX_SPECIALTY_LEN>>;

/// The role a licence lets its holder practise.
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
	Serialize,
	Deserialize,
)]
pub enum PractitionerRole {
	/// A medical doctor.
	Physician,
	/// A registered nurse or nurse practitioner.
	Nurse,
	/// A midwife.
	Midwife,
	/// A pharmacist.
	Pharmacist,
	/// A clinical laboratory professional.
	Laboratory,
	/// A physiotherapist, occupational or speech therapist.
	Therapist,
	/// A clinical psychologist.
	Psychologist,
	/// A paramedic or emergency medical technician.
	Paramedic,
}

/// A blinded tag: `HMAC-SHA-256(tag key, label)` computed off chain, where the tag key is a
/// secret of the patient (shared sealed with whoever writes for them) and the label is a data
/// category or FHIR resource type. The chain compares tags for equality only: it matches a
/// consent scoped to tags against a record's tag without learning what either means, and two
/// patients' tags for the same category are unrelated. The labels and the derivation are the
/// SDK's (`docs/PRIVACY.md`).
pub type Tag = [u8; 32];

/// What data an access is to, as the chain sees it: identifiers only.
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
pub enum AccessTarget {
	/// One record: its blinded tag and its STABLE identity ([`RecordSubject::record`], the id
	/// of its first version). Covered by a scope of all data, of a list of tags holding the
	/// tag, or of a list of records holding the record.
	Record {
		/// The record's blinded tag.
		tag: Tag,
		/// The record's stable identity.
		record: RecordId,
	},
	/// New data under a tag (adding a record). Covered by a scope of all data or of a list of
	/// tags holding the tag.
	Tag(Tag),
	/// All of the patient's data (a break-glass emergency access). Covered by a scope of all
	/// data only.
	AllData,
	/// No data: the standing relationship itself for the action and purpose (an insurer's
	/// payment consent, checked when a claim is made). Permitted by a consent of ANY scope for
	/// the action and purpose; denied only by a deny of all data.
	Relationship,
}

/// What one access disclosed, as the patient's log keeps it. A record is named by its id
/// alone, never with its tag, so shredding the record leaves nothing in the log that links
/// the record to a tag.
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
pub enum DisclosedData {
	/// One record (the version read).
	Record(RecordId),
	/// Data under a tag (a record added).
	Tag(Tag),
	/// All of the patient's data (break-glass).
	AllData,
	/// No data (a relationship check).
	Relationship,
}

/// What an accessor wants to do with a patient's data (FHIR Consent `provision.action`).
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
	Serialize,
	Deserialize,
)]
pub enum AccessAction {
	/// Read existing records (receive a data key envelope).
	Read,
	/// Add new records.
	Append,
	/// Add a new version of an existing record.
	Amend,
}

/// Why data is accessed: HL7 v3 `PurposeOfUse` codes.
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
	Serialize,
	Deserialize,
)]
pub enum PurposeOfUse {
	/// `TREAT`: treatment.
	Treatment,
	/// `HPAYMT`: payment (insurers, billing).
	Payment,
	/// `HOPERAT`: healthcare operations.
	Operations,
	/// `HRESCH`: research.
	Research,
	/// `ETREAT`: emergency treatment (break-glass).
	EmergencyTreatment,
}

/// On what grounds an access was allowed.
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
pub enum AccessBasis {
	/// The accessor is the patient.
	Patient,
	/// The accessor is a delegate (guardian, carer, proxy) of the patient within their scope.
	Delegate,
	/// A consent of the patient permits it.
	Consent(ConsentId),
	/// A break-glass emergency access that is open now.
	Emergency(EmergencyAccessId),
}

impl AccessBasis {
	/// Whether the access rests on break-glass, so it must be flagged and reviewed.
	pub fn is_emergency(&self) -> bool {
		matches!(self, AccessBasis::Emergency(_))
	}
}

/// Why an access was refused. Each reason says what would have to change.
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
pub enum AccessDenial {
	/// The patient is not registered.
	UnknownPatient,
	/// The accessor holds no licence valid now (none, expired, suspended or revoked).
	NotLicensed,
	/// No consent of the patient covers this action, data and purpose now.
	NoConsent,
	/// A deny consent of the patient covers this request; a deny overrides any permit.
	ExplicitlyDenied(ConsentId),
}

/// A filter on licences: each `Some` must match one and the same licence.
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
pub struct LicenceQuery {
	/// The role the licence must grant.
	pub role: Option<PractitionerRole>,
	/// The specialty the licence must name.
	pub specialty: Option<SpecialtyCode>,
	/// The jurisdiction the licence must be issued for.
	pub jurisdiction: Option<JurisdictionCode>,
}

impl LicenceQuery {
	/// Any valid licence will do.
	pub fn any() -> Self {
		Self::default()
	}

	/// A valid licence for `role`, in any specialty and jurisdiction.
	pub fn role(role: PractitionerRole) -> Self {
		Self { role: Some(role), ..Self::default() }
	}

	/// Whether a licence with these attributes satisfies the query.
	pub fn matches(
		&self,
		role: PractitionerRole,
		specialty: Option<&SpecialtyCode>,
		jurisdiction: &JurisdictionCode,
	) -> bool {
		self.role.map_or(true, |r| r == role)
			&& self.specialty.as_ref().map_or(true, |s| specialty == Some(s))
			&& self.jurisdiction.as_ref().map_or(true, |j| j == jurisdiction)
	}
}

/// One entry of a patient's accounting of disclosures.
#[derive(
	Clone, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo, Debug,
)]
pub struct Disclosure<AccountId> {
	/// Who accessed the data.
	pub accessor: AccountId,
	/// Whose data it was.
	pub patient: AccountId,
	/// What was disclosed.
	pub data: DisclosedData,
	/// What was done.
	pub action: AccessAction,
	/// Why.
	pub purpose: PurposeOfUse,
	/// On what grounds it was allowed.
	pub basis: AccessBasis,
	/// When, in milliseconds since the Unix epoch.
	pub at: Moment,
}

/// What the practitioners pallet tells the others about a clinician.
///
/// Validity is evaluated against the current time when asked: a licence that expired, or was
/// suspended or revoked, stops counting at once, with no storage sweep.
pub trait PractitionerRegistry<AccountId> {
	/// Whether `who` holds, now, an active licence that satisfies `query`.
	fn is_licensed(who: &AccountId, query: &LicenceQuery) -> bool;

	/// Whether `who` may open break-glass emergency access now.
	fn may_use_emergency_access(who: &AccountId) -> bool;

	/// `who`'s X25519 key-agreement key, if `who` is a registered practitioner.
	fn key_agreement_key(who: &AccountId) -> Option<KeyAgreementKey>;

	/// Benchmarks only: makes `who` a registered practitioner with a licence valid now,
	/// endorsed for emergency care if `emergency`, in the registry's worst case for lookups
	/// (as many other, non-counting licences as allowed, before the valid one), so that other
	/// pallets' benchmarks reach their worst case. Funds `who` if registering costs a deposit.
	#[cfg(feature = "runtime-benchmarks")]
	fn make_licensed(who: &AccountId, emergency: bool);
}

/// No practitioner registry: nobody is licensed. For runtimes and mocks without one.
impl<AccountId> PractitionerRegistry<AccountId> for () {
	fn is_licensed(_: &AccountId, _: &LicenceQuery) -> bool {
		false
	}
	fn may_use_emergency_access(_: &AccountId) -> bool {
		false
	}
	fn key_agreement_key(_: &AccountId) -> Option<KeyAgreementKey> {
		None
	}
	#[cfg(feature = "runtime-benchmarks")]
	fn make_licensed(_: &AccountId, _: bool) {}
}

/// Decides whether an access to a patient's data is allowed now, and on what basis.
///
/// An implementation consults the [`PractitionerRegistry`]: a grantee whose licence lapsed or
/// was revoked is denied even with a valid consent.
pub trait ConsentVerifier<AccountId> {
	/// May `accessor` perform `action` on `target` of `patient`'s data for `purpose` now?
	///
	/// A record target names the record's STABLE identity ([`RecordSubject::record`], the id
	/// of its first version), never a later version's id: a consent scoped to a record covers
	/// all its versions, and callers resolve a version through
	/// [`RecordInspector::record_subject`].
	fn check_access(
		accessor: &AccountId,
		patient: &AccountId,
		action: AccessAction,
		target: AccessTarget,
		purpose: PurposeOfUse,
	) -> Result<AccessBasis, AccessDenial>;

	/// Benchmarks only: makes a consent of `patient` permit `accessor` to perform `action` on
	/// all data for `purpose`, in the verifier's worst case for lookups (the patient's consent
	/// list filled with consents to others before the permit, the accessor a licensed
	/// practitioner), so that other pallets' benchmarks pay for the longest check. Funds
	/// `patient` for the deposits. Leaves room for one more such permit of the same patient.
	#[cfg(feature = "runtime-benchmarks")]
	fn make_permitted(
		accessor: &AccountId,
		patient: &AccountId,
		action: AccessAction,
		purpose: PurposeOfUse,
	);
}

/// No consent verifier: only the patient may access their own data.
impl<AccountId: PartialEq> ConsentVerifier<AccountId> for () {
	fn check_access(
		accessor: &AccountId,
		patient: &AccountId,
		_: AccessAction,
		_: AccessTarget,
		_: PurposeOfUse,
	) -> Result<AccessBasis, AccessDenial> {
		if accessor == patient {
			Ok(AccessBasis::Patient)
		} else {
			Err(AccessDenial::NoConsent)
		}
	}
	#[cfg(feature = "runtime-benchmarks")]
	fn make_permitted(_: &AccountId, _: &AccountId, _: AccessAction, _: PurposeOfUse) {}
}

/// What a patient lets a delegate (guardian, carer, legal proxy) do on their behalf.
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
	Serialize,
	Deserialize,
)]
pub enum DelegateScope {
	/// Grant, revoke and clean up the patient's consents; review break-glass accesses.
	ManageConsents,
	/// Read the patient's accounting of disclosures.
	ViewDisclosureLog,
	/// Book, confirm and cancel consultations for the patient.
	BookCare,
	/// Read and add to the patient's records, as the patient would.
	AccessRecords,
	/// Crypto-shred the patient's records (for good, and free of fees): a scope of its own,
	/// since `AccessRecords` alone must not be able to erase a history.
	ShredRecords,
}

/// Who may act for a patient: the consent pallet keeps the delegates.
pub trait DelegationInspector<AccountId> {
	/// Whether `agent` is, now, a delegate of `patient` with `scope`.
	fn is_delegate(patient: &AccountId, agent: &AccountId, scope: DelegateScope) -> bool;

	/// Whether `agent` is `patient` or, now, a delegate of `patient` with `scope`.
	fn may_act_for(patient: &AccountId, agent: &AccountId, scope: DelegateScope) -> bool
	where
		AccountId: PartialEq,
	{
		patient == agent || Self::is_delegate(patient, agent, scope)
	}
}

/// No delegates: only patients act for themselves.
impl<AccountId> DelegationInspector<AccountId> for () {
	fn is_delegate(_: &AccountId, _: &AccountId, _: DelegateScope) -> bool {
		false
	}
}

/// What the records pallet tells the others about one version of a record.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct RecordSubject<AccountId> {
	/// Whose record it is.
	pub patient: AccountId,
	/// Its blinded tag (every version of a record has the same).
	pub tag: Tag,
	/// The record's stable identity: the id of its first version. Every version of a record
	/// has the same, so a consent scoped to a record covers all its versions.
	pub record: RecordId,
}

/// What the records pallet tells the others about a record.
pub trait RecordInspector<AccountId> {
	/// For any version id of a record: its patient, tag and stable identity, if the version
	/// exists and is not shredded (a shredded record keeps no tag).
	fn record_subject(version: RecordId) -> Option<RecordSubject<AccountId>>;

	/// Whether `who` is a registered patient.
	fn is_patient(who: &AccountId) -> bool;

	/// The patient whose live records carry `tag`, if any does. Tags are keyed by a secret of
	/// each patient, so a tag in use belongs to one patient only: a consent scope or a record
	/// naming another patient's tag is refused.
	fn tag_patient(tag: &Tag) -> Option<AccountId>;

	/// Benchmarks only: registers `patient` if needed (funding the deposit) and adds a record
	/// with `tag` for them in the inspector's worst case for lookups; returns a version id
	/// of it (the newest, when [`Self::record_subject`] costs more for later versions).
	#[cfg(feature = "runtime-benchmarks")]
	fn make_record(patient: &AccountId, tag: Tag) -> RecordId;
}

/// No records: no record and no patient exists.
impl<AccountId> RecordInspector<AccountId> for () {
	fn record_subject(_: RecordId) -> Option<RecordSubject<AccountId>> {
		None
	}
	fn is_patient(_: &AccountId) -> bool {
		false
	}
	fn tag_patient(_: &Tag) -> Option<AccountId> {
		None
	}
	#[cfg(feature = "runtime-benchmarks")]
	fn make_record(_: &AccountId, _: Tag) -> RecordId {
		0
	}
}

/// The patient's accounting of disclosures.
pub trait DisclosureLog<AccountId> {
	/// Appends a disclosure to the patient's log. Fails only if it cannot be kept.
	fn note_disclosure(disclosure: Disclosure<AccountId>) -> DispatchResult;
}

/// No disclosure log: disclosures are accepted and dropped. For mocks only.
impl<AccountId> DisclosureLog<AccountId> for () {
	fn note_disclosure(_: Disclosure<AccountId>) -> DispatchResult {
		Ok(())
	}
}

/// Who keeps the key envelopes (the records pallet): when a consent ends, the consent pallet
/// asks it to remove the envelopes the grantee may no longer use, in the same call, so a
/// revoked grantee cannot read its sealed data keys from state.
pub trait EnvelopeKeeper<AccountId> {
	/// Removes every envelope `grantee` holds for `patient`'s records that the grantee may no
	/// longer read now (the [`ConsentVerifier`] is asked for each, with the envelope's
	/// purpose), returning the deposits. Returns the weight used, at most
	/// [`Self::max_prune_weight`].
	fn prune_envelopes(patient: &AccountId, grantee: &AccountId) -> Weight;

	/// The most [`Self::prune_envelopes`] can weigh (a grantee holding as many envelopes of
	/// one patient as allowed, all removed): callers charge it up front.
	fn max_prune_weight() -> Weight;

	/// Benchmarks only: gives `grantee` as many envelopes of `patient`'s records as allowed,
	/// registering the patient and funding deposits as needed.
	#[cfg(feature = "runtime-benchmarks")]
	fn make_envelopes(patient: &AccountId, grantee: &AccountId);
}

/// No envelopes kept: nothing to prune. For runtimes and mocks without a records pallet.
impl<AccountId> EnvelopeKeeper<AccountId> for () {
	fn prune_envelopes(_: &AccountId, _: &AccountId) -> Weight {
		Weight::zero()
	}
	fn max_prune_weight() -> Weight {
		Weight::zero()
	}
	#[cfg(feature = "runtime-benchmarks")]
	fn make_envelopes(_: &AccountId, _: &AccountId) {}
}

pub mod deposits;

#[cfg(feature = "mocks")]
pub mod mocks;

#[cfg(test)]
mod tests {
	use super::*;

	fn code(s: &str) -> JurisdictionCode {
		s.as_bytes().to_vec().try_into().expect("test codes are short")
	}

	#[test]
	fn licence_query_matches_each_field() {
		let fr = code("FR");
		let cardio: SpecialtyCode = b"394579002".to_vec().try_into().unwrap();
		assert!(LicenceQuery::any().matches(PractitionerRole::Nurse, None, &fr));
		assert!(LicenceQuery::role(PractitionerRole::Nurse).matches(
			PractitionerRole::Nurse,
			None,
			&fr
		));
		assert!(!LicenceQuery::role(PractitionerRole::Physician).matches(
			PractitionerRole::Nurse,
			None,
			&fr
		));
		let q = LicenceQuery {
			role: Some(PractitionerRole::Physician),
			specialty: Some(cardio.clone()),
			jurisdiction: Some(fr.clone()),
		};
		assert!(q.matches(PractitionerRole::Physician, Some(&cardio), &fr));
		assert!(!q.matches(PractitionerRole::Physician, None, &fr));
		assert!(!q.matches(PractitionerRole::Physician, Some(&cardio), &code("US-CA")));
	}

	#[test]
	fn sorted_set_sorts_bounds_and_refuses_duplicates() {
		assert_eq!(sorted_set::<u8, ConstU32<3>>(vec![3, 1, 2]).unwrap().to_vec(), vec![1, 2, 3]);
		assert_eq!(sorted_set::<u8, ConstU32<2>>(vec![3, 1, 2]), Err(SetError::TooMany));
		assert_eq!(sorted_set::<u8, ConstU32<3>>(vec![1, 2, 1]), Err(SetError::Duplicate));
	}

	#[test]
	fn key_agreement_keys_refuse_small_order_and_non_canonical_points() {
		// The public key of the documented dev secret sha256("telemed dev key agreement //Bob")
		// is an ordinary point; so is 9, the base point.
		let mut base = [0u8; 32];
		base[0] = 9;
		assert!(is_valid_key_agreement_key(&base));
		assert!(is_valid_key_agreement_key(&[0x42; 32]));
		// Small order: 0, 1, p - 1 and the two points of order 8.
		assert!(!is_valid_key_agreement_key(&[0; 32]));
		let mut one = [0u8; 32];
		one[0] = 1;
		assert!(!is_valid_key_agreement_key(&one));
		let mut p_minus_1 = [0xff; 32];
		p_minus_1[0] = 0xec;
		p_minus_1[31] = 0x7f;
		assert!(!is_valid_key_agreement_key(&p_minus_1));
		let order8: [u8; 32] = [
			0xe0, 0xeb, 0x7a, 0x7c, 0x3b, 0x41, 0xb8, 0xae, 0x16, 0x56, 0xe3, 0xfa, 0xf1, 0x9f,
			0xc4, 0x6a, 0xda, 0x09, 0x8d, 0xeb, 0x9c, 0x32, 0xb1, 0xfd, 0x86, 0x62, 0x05, 0x16,
			0x5f, 0x49, 0xb8, 0x00,
		];
		assert!(!is_valid_key_agreement_key(&order8));
		// Non-canonical: p, p + 1 (which X25519 reads as 0 and 1), anything with the top bit.
		let mut p = p_minus_1;
		p[0] = 0xed;
		assert!(!is_valid_key_agreement_key(&p));
		p[0] = 0xee;
		assert!(!is_valid_key_agreement_key(&p));
		let mut high = base;
		high[31] = 0x80;
		assert!(!is_valid_key_agreement_key(&high));
		assert!(!is_valid_key_agreement_key(&[0xff; 32]));
		// Just below p - 1 is fine.
		let mut below = p_minus_1;
		below[0] = 0xeb;
		assert!(is_valid_key_agreement_key(&below));
	}

	#[test]
	fn jurisdiction_codes_are_bounded() {
		assert!(JurisdictionCode::try_from(b"GB-ENG".to_vec()).is_ok());
		assert!(JurisdictionCode::try_from(b"GB-ENGL".to_vec()).is_err());
	}

	#[test]
	fn unit_implementations_deny_everything_but_the_patient() {
		assert!(!<() as PractitionerRegistry<u64>>::is_licensed(&1, &LicenceQuery::any()));
		assert!(!<() as PractitionerRegistry<u64>>::may_use_emergency_access(&1));
		assert_eq!(
			<() as ConsentVerifier<u64>>::check_access(
				&1,
				&1,
				AccessAction::Read,
				AccessTarget::Tag([3; 32]),
				PurposeOfUse::Treatment
			),
			Ok(AccessBasis::Patient)
		);
		assert_eq!(
			<() as ConsentVerifier<u64>>::check_access(
				&2,
				&1,
				AccessAction::Read,
				AccessTarget::Tag([3; 32]),
				PurposeOfUse::Treatment
			),
			Err(AccessDenial::NoConsent)
		);
		assert!(<() as RecordInspector<u64>>::record_subject(7).is_none());
		assert!(!<() as RecordInspector<u64>>::is_patient(&1));
	}

	#[test]
	fn disclosures_round_trip_and_have_a_bounded_size() {
		let d = Disclosure::<u64> {
			accessor: 2,
			patient: 1,
			data: DisclosedData::Record(9),
			action: AccessAction::Read,
			purpose: PurposeOfUse::EmergencyTreatment,
			basis: AccessBasis::Emergency(3),
			at: 1_700_000_000_000,
		};
		let bytes = d.encode();
		assert!(bytes.len() <= Disclosure::<u64>::max_encoded_len());
		assert_eq!(Disclosure::<u64>::decode(&mut &bytes[..]).unwrap(), d);
		assert!(d.basis.is_emergency());
	}
}

// ==== Licence revocation (issue 13, item 3) ====================================================
// Kept together at the end of the file: the lead moves this block into its module at merge.

/// Who must hear when a licence is revoked **for good** (the records pallet): it then removes,
/// later and within a bound, the key envelopes the holder may no longer read. Suspension and
/// expiry are not revocations for good and are not reported.
pub trait LicenceRevocation<AccountId> {
	/// `holder`'s licence was revoked for good (or given up, or ended by its authority's
	/// withdrawal). Cheap and infallible: it only notes the holder; it never makes the
	/// revocation fail. Returns the weight used, at most [`Self::licence_revoked_weight`].
	fn licence_revoked(holder: &AccountId) -> Weight;

	/// The most [`Self::licence_revoked`] can weigh: the revoking call charges it up front.
	fn licence_revoked_weight() -> Weight;
}

/// Nobody to tell. For runtimes and mocks without a records pallet.
impl<AccountId> LicenceRevocation<AccountId> for () {
	fn licence_revoked(_: &AccountId) -> Weight {
		Weight::zero()
	}
	fn licence_revoked_weight() -> Weight {
		Weight::zero()
	}
}

#[cfg(test)]
mod licence_revocation_tests {
	use super::*;

	#[test]
	fn nobody_to_tell_weighs_nothing() {
		assert_eq!(<() as LicenceRevocation<u64>>::licence_revoked(&1), Weight::zero());
		assert_eq!(<() as LicenceRevocation<u64>>::licence_revoked_weight(), Weight::zero());
	}
}
// ==== end of licence revocation ================================================================
