//! Domain types of the practitioners pallet.

use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use frame_support::{traits::Get, BoundedVec, CloneNoBound, DebugNoBound, PartialEqNoBound};
use scale_info::TypeInfo;

use telemed_primitives::{
	Hash256, JurisdictionCode, KeyAgreementKey, LicenceId, LicenceQuery, Moment, PractitionerRole,
	SpecialtyCode, MAX_JURISDICTION_LEN,
};

/// A licensing authority (a medical board, an accreditation body), accredited by governance
/// for a set of jurisdictions.
#[derive(
	CloneNoBound, PartialEqNoBound, Eq, Encode, Decode, MaxEncodedLen, TypeInfo, DebugNoBound,
)]
#[scale_info(skip_type_params(MaxName, MaxJurisdictions))]
pub struct Authority<MaxName: Get<u32>, MaxJurisdictions: Get<u32>> {
	/// The authority's public name, e.g. "General Medical Council".
	pub name: BoundedVec<u8, MaxName>,
	/// Where it may license: ISO 3166-1 / 3166-2 codes, sorted, no duplicates.
	pub jurisdictions: BoundedVec<JurisdictionCode, MaxJurisdictions>,
	/// When governance accredited it.
	pub accredited_at: Moment,
}

/// A jurisdiction code as [`crate::Accreditations`] keeps it: padded with zero bytes to its
/// bound (codes never contain one), so that a lookup decodes the table without allocating a
/// code at a time. Padded codes sort as the codes do.
pub type JurisdictionKey = [u8; MAX_JURISDICTION_LEN as usize];

/// `code` padded with zero bytes to its bound.
pub fn jurisdiction_key(code: &JurisdictionCode) -> JurisdictionKey {
	let mut key = [0u8; MAX_JURISDICTION_LEN as usize];
	for (slot, byte) in key.iter_mut().zip(code.iter()) {
		*slot = *byte;
	}
	key
}

/// What lookups need of an accredited authority ([`crate::Accreditations`]): the part of
/// [`Authority`] that decides whether its licences count, without its name.
#[derive(
	CloneNoBound, PartialEqNoBound, Eq, Encode, Decode, MaxEncodedLen, TypeInfo, DebugNoBound,
)]
#[scale_info(skip_type_params(MaxJurisdictions))]
pub struct Accredited<
	AccountId: Clone + PartialEq + Eq + core::fmt::Debug,
	MaxJurisdictions: Get<u32>,
> {
	/// The authority's account.
	pub authority: AccountId,
	/// When governance accredited it.
	pub accredited_at: Moment,
	/// Where it may license: sorted, no duplicates.
	pub jurisdictions: BoundedVec<JurisdictionKey, MaxJurisdictions>,
}

/// A practitioner's public profile. Registration holds `deposit` from the practitioner.
#[derive(
	CloneNoBound, PartialEqNoBound, Eq, Encode, Decode, MaxEncodedLen, TypeInfo, DebugNoBound,
)]
#[scale_info(skip_type_params(MaxName, MaxRoles, MaxSpecialties))]
pub struct Practitioner<
	Balance: Clone + PartialEq + Eq + core::fmt::Debug,
	MaxName: Get<u32>,
	MaxRoles: Get<u32>,
	MaxSpecialties: Get<u32>,
> {
	/// Name shown to patients, e.g. "Dr A. Example".
	pub display_name: BoundedVec<u8, MaxName>,
	/// The roles the practitioner says they practise, sorted, no duplicates. What they may do
	/// is decided by their licences, not by this list.
	pub roles: BoundedVec<PractitionerRole, MaxRoles>,
	/// Specialty codes (SNOMED CT), sorted, no duplicates.
	pub specialties: BoundedVec<SpecialtyCode, MaxSpecialties>,
	/// X25519 public key to which data keys are sealed for this practitioner.
	pub key_agreement_key: KeyAgreementKey,
	/// The deposit held for this profile, released on deregistration.
	pub deposit: Balance,
	/// When the practitioner registered.
	pub registered_at: Moment,
}

/// The status an authority (or governance) set on a licence.
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
pub enum LicenceStatus {
	/// In force (between its start and expiry).
	Active,
	/// Temporarily not in force; the issuing authority may reinstate it.
	Suspended,
	/// Withdrawn for good.
	Revoked,
}

/// A licence to practise a role (and optionally a specialty) in one jurisdiction.
#[derive(Clone, PartialEq, Eq, Encode, Decode, MaxEncodedLen, TypeInfo, Debug)]
pub struct Licence<AccountId> {
	/// Who holds it.
	pub holder: AccountId,
	/// Who issued it; only this authority (or governance, to revoke) may change it.
	pub authority: AccountId,
	/// Where it is valid.
	pub jurisdiction: JurisdictionCode,
	/// The role it grants.
	pub role: PractitionerRole,
	/// The specialty it names, if any.
	pub specialty: Option<SpecialtyCode>,
	/// `blake2_256(salt ‖ licence number)`: the number itself stays with the authority.
	pub number_commitment: Hash256,
	/// Hash of the evidence the authority relied on (a register extract, a certificate).
	pub evidence: Hash256,
	/// Start of validity, milliseconds since the Unix epoch.
	pub valid_from: Moment,
	/// End of validity (exclusive), milliseconds since the Unix epoch.
	pub expires_at: Moment,
	/// Set by the authority.
	pub status: LicenceStatus,
	/// Whether the authority endorses the holder for emergency care. A practitioner may open
	/// break-glass access only while holding a valid licence with this endorsement.
	pub emergency_care: bool,
	/// When it was issued.
	pub issued_at: Moment,
}

/// One of a holder's licences whose status is `Active`, with what its standing needs besides
/// its status (its validity window, its authority and jurisdiction, when it was issued) and
/// what lookups ask (role, specialty, emergency endorsement). The holder's list of these
/// ([`crate::ActiveLicences`]) and the table of accreditations ([`crate::Accreditations`])
/// answer "is `who` licensed" in two reads: a status change rewrites the list in the same
/// call, an authority's change the table; expiry (the window) is evaluated when asked.
#[derive(Clone, PartialEq, Eq, Encode, Decode, MaxEncodedLen, TypeInfo, Debug)]
pub struct ActiveLicence<AccountId> {
	/// The licence's id.
	pub id: LicenceId,
	/// Who issued it: its accreditation is read when asked.
	pub authority: AccountId,
	/// Where it is valid.
	pub jurisdiction: JurisdictionCode,
	/// The role it grants.
	pub role: PractitionerRole,
	/// The specialty it names, if any.
	pub specialty: Option<SpecialtyCode>,
	/// Start of validity (inclusive).
	pub valid_from: Moment,
	/// End of validity (exclusive).
	pub expires_at: Moment,
	/// Whether the authority endorses the holder for emergency care.
	pub emergency_care: bool,
	/// When it was issued (an accreditation later than this is a new one).
	pub issued_at: Moment,
}

impl<AccountId: Clone> ActiveLicence<AccountId> {
	/// What the holder's list keeps of licence `id`.
	pub fn of(id: LicenceId, licence: &Licence<AccountId>) -> Self {
		Self {
			id,
			authority: licence.authority.clone(),
			jurisdiction: licence.jurisdiction.clone(),
			role: licence.role,
			specialty: licence.specialty.clone(),
			valid_from: licence.valid_from,
			expires_at: licence.expires_at,
			emergency_care: licence.emergency_care,
			issued_at: licence.issued_at,
		}
	}

	/// Whether `now` is within its validity window.
	pub fn in_window(&self, now: Moment) -> bool {
		self.valid_from <= now && now < self.expires_at
	}

	/// Whether its role, specialty and jurisdiction answer `query` (validity aside).
	pub fn answers(&self, query: &LicenceQuery) -> bool {
		query.matches(self.role, self.specialty.as_ref(), &self.jurisdiction)
	}
}

/// Whether a licence counts right now, and if not, why. Computed when asked, never stored.
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
pub enum LicenceStanding {
	/// In force now.
	Valid,
	/// Its validity has not started yet.
	NotYetValid,
	/// Its validity ended.
	Expired,
	/// Suspended by its authority.
	Suspended,
	/// Revoked by its authority or by governance.
	Revoked,
	/// Its authority is no longer accredited for its jurisdiction.
	AuthorityWithdrawn,
}

/// A licence with its id and its standing now, as the runtime API returns it.
#[derive(Clone, PartialEq, Eq, Encode, Decode, TypeInfo, Debug)]
pub struct LicenceView<AccountId> {
	/// The licence id.
	pub id: LicenceId,
	/// The licence as stored.
	pub licence: Licence<AccountId>,
	/// Whether it counts now.
	pub standing: LicenceStanding,
}

/// An account's standing as a practitioner now, as the runtime API returns it.
#[derive(Clone, PartialEq, Eq, Default, Encode, Decode, TypeInfo, Debug)]
pub struct PractitionerStatus {
	/// Whether the account is a registered practitioner.
	pub registered: bool,
	/// Whether it holds at least one licence valid now.
	pub licensed: bool,
	/// Whether it may open break-glass emergency access now.
	pub emergency_access: bool,
	/// How many of its licences are valid now.
	pub valid_licences: u32,
	/// Its key-agreement key, if registered.
	pub key_agreement_key: Option<KeyAgreementKey>,
}

/// How a licence stands with the authority that issued it. Computed, never stored.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Accreditation {
	/// The authority is accredited for the licence's jurisdiction, by the accreditation under
	/// which it issued the licence.
	Current,
	/// The authority is still accredited, but no longer for the licence's jurisdiction:
	/// governance may give the jurisdiction back, and the licence counts again.
	JurisdictionWithdrawn,
	/// Governance withdrew the accreditation under which the licence was issued (the
	/// authority is gone, or was accredited again since): the licence has ended for good.
	Withdrawn,
}
