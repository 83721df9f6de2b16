//! The access vocabulary: what is accessed, how, why, on what grounds, why refused, and what
//! the patient's accounting of disclosures keeps; the roles and scopes it is decided on.

use crate::{ConsentId, EmergencyAccessId, JurisdictionCode, Moment, RecordId, SpecialtyCode, Tag};
use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use scale_info::TypeInfo;
use serde::{Deserialize, Serialize};

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

impl PractitionerRole {
	/// Every role, in encoding order: a role appended to the enum is appended here (a
	/// compile-time check below makes the two meet).
	pub const ALL: [PractitionerRole; 8] = [
		PractitionerRole::Physician,
		PractitionerRole::Nurse,
		PractitionerRole::Midwife,
		PractitionerRole::Pharmacist,
		PractitionerRole::Laboratory,
		PractitionerRole::Therapist,
		PractitionerRole::Psychologist,
		PractitionerRole::Paramedic,
	];

	/// The roles whose licence lets the holder prescribe medicines: physicians and midwives.
	/// `Nurse` is not among them: it covers registered nurses too, who do not prescribe (a
	/// prescribing nurse's role would be appended to the enum, keeping the encodings).
	pub const PRESCRIBERS: [PractitionerRole; 2] =
		[PractitionerRole::Physician, PractitionerRole::Midwife];

	/// Whether a licence for this role lets its holder prescribe ([`Self::PRESCRIBERS`]).
	pub fn may_prescribe(&self) -> bool {
		Self::PRESCRIBERS.contains(self)
	}
}

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

impl AccessDenial {
	/// The pallet error that says why the access was refused, out of the four a pallet names
	/// for the four reasons (in the order of the variants). The one mapping of a denial to an
	/// error: the consent and records pallets both report denials through it.
	pub fn to_error<E>(
		self,
		unknown_patient: E,
		not_licensed: E,
		no_consent: E,
		explicitly_denied: E,
	) -> E {
		match self {
			AccessDenial::UnknownPatient => unknown_patient,
			AccessDenial::NotLicensed => not_licensed,
			AccessDenial::NoConsent => no_consent,
			AccessDenial::ExplicitlyDenied(_) => explicitly_denied,
		}
	}
}

/// Where an account stands as a practitioner, as an access check needs it
/// ([`crate::PractitionerRegistry::practitioner_standing`]).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum PractitionerStanding {
	/// Not a registered practitioner.
	NotRegistered,
	/// A registered practitioner without a licence, valid now, that satisfies the query.
	Unlicensed,
	/// A registered practitioner with a licence, valid now, that satisfies the query.
	Licensed,
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
	/// The roles of which the licence must grant one.
	pub roles: Option<RoleSet>,
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
		Self::roles(&[role])
	}

	/// A valid licence for one of `roles`, in any specialty and jurisdiction: one lookup
	/// whatever the number of roles.
	pub fn roles(roles: &[PractitionerRole]) -> Self {
		Self { roles: Some(RoleSet::of(roles)), ..Self::default() }
	}

	/// A valid licence that lets its holder prescribe ([`PractitionerRole::PRESCRIBERS`]).
	pub fn prescriber() -> Self {
		Self::roles(&PractitionerRole::PRESCRIBERS)
	}

	/// Whether a licence with these attributes satisfies the query.
	pub fn matches(
		&self,
		role: PractitionerRole,
		specialty: Option<&SpecialtyCode>,
		jurisdiction: &JurisdictionCode,
	) -> bool {
		self.roles.map_or(true, |set| set.contains(role))
			&& self.specialty.as_ref().map_or(true, |s| specialty == Some(s))
			&& self.jurisdiction.as_ref().map_or(true, |j| j == jurisdiction)
	}
}

/// A set of roles (one bit per [`PractitionerRole`], by its index).
#[derive(
	Clone,
	Copy,
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
pub struct RoleSet(u16);

impl RoleSet {
	/// The set of `roles`.
	pub fn of(roles: &[PractitionerRole]) -> Self {
		Self(roles.iter().fold(0, |bits, role| bits | Self::bit(*role)))
	}

	/// Whether `role` is in the set.
	pub fn contains(&self, role: PractitionerRole) -> bool {
		self.0 & Self::bit(role) != 0
	}

	fn bit(role: PractitionerRole) -> u16 {
		1u16 << (role as u16)
	}
}

// `PractitionerRole::ALL` lists every role in encoding order, and every role has a bit of its
// own in a `RoleSet` (a role appended past the sixteenth must widen it). The match has no
// wildcard: a role appended to the enum fails to compile here until it is given its position,
// and appended to `ALL` too.
const _: () = {
	const fn position(role: PractitionerRole) -> usize {
		match role {
			PractitionerRole::Physician => 0,
			PractitionerRole::Nurse => 1,
			PractitionerRole::Midwife => 2,
			PractitionerRole::Pharmacist => 3,
			PractitionerRole::Laboratory => 4,
			PractitionerRole::Therapist => 5,
			PractitionerRole::Psychologist => 6,
			PractitionerRole::Paramedic => 7,
		}
	}
	let mut i = 0;
	while i < PractitionerRole::ALL.len() {
		assert!(position(PractitionerRole::ALL[i]) == i);
		assert!(PractitionerRole::ALL[i] as usize == i);
		i += 1;
	}
	assert!(position(PractitionerRole::Paramedic) + 1 == PractitionerRole::ALL.len());
	assert!(PractitionerRole::ALL.len() <= 16);
};

/// What an access check read of its bounded part: the patient's consents to the accessor (at
/// most `MaxConsentsPerGrantee`). A call that checked access is charged in the end for these
/// (its benchmark's component), below the worst case it was charged first. The rest of a
/// check (the accessor's licence lookups among it) reads a constant number of items.
#[derive(Clone, Copy, PartialEq, Eq, Default, Debug)]
pub struct CheckReads {
	/// Consents of the patient to the accessor read.
	pub consents: u32,
}

impl CheckReads {
	/// As many as the verifier allows (benchmarks: its worst case).
	pub const MOST: Self = Self { consents: u32::MAX };
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
	/// Hold the data keys the patient seals to it, and release them only to a practitioner
	/// whose break-glass access to the patient is open now (an emergency key service). It
	/// grants NO access of its own: no read, no append, no log, no consents; its envelopes are
	/// kept while the appointment lasts and go with it. Appended last: the encodings of the
	/// scopes above are unchanged.
	EmergencyCustodian,
}

impl DelegateScope {
	/// Every scope, in their order. One delegation may hold them all: the consent pallet's
	/// `MaxDelegateScopes` is this length.
	pub const ALL: [DelegateScope; 6] = [
		DelegateScope::ManageConsents,
		DelegateScope::ViewDisclosureLog,
		DelegateScope::BookCare,
		DelegateScope::AccessRecords,
		DelegateScope::ShredRecords,
		DelegateScope::EmergencyCustodian,
	];
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

/// Why a version named as one of a patient's records is not one.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum RecordRefusal {
	/// No live version has that id (never added, or shredded).
	Unknown,
	/// It is a live version of another patient's record.
	OtherPatient,
}

#[cfg(test)]
mod tests {
	use super::*;
	use codec::{Decode, Encode, MaxEncodedLen};

	fn code(s: &str) -> JurisdictionCode {
		s.as_bytes().to_vec().try_into().expect("test codes are short")
	}

	#[test]
	fn every_delegate_scope_is_listed_once_in_order() {
		let scale_info::TypeDef::Variant(scopes) = DelegateScope::type_info().type_def else {
			unreachable!("DelegateScope is an enum")
		};
		assert_eq!(scopes.variants.len(), DelegateScope::ALL.len());
		assert!(DelegateScope::ALL.windows(2).all(|pair| pair[0] < pair[1]));
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
			roles: Some(RoleSet::of(&[PractitionerRole::Physician])),
			specialty: Some(cardio.clone()),
			jurisdiction: Some(fr.clone()),
		};
		assert!(q.matches(PractitionerRole::Physician, Some(&cardio), &fr));
		assert!(!q.matches(PractitionerRole::Physician, None, &fr));
		assert!(!q.matches(PractitionerRole::Physician, Some(&cardio), &code("US-CA")));
	}

	#[test]
	fn a_role_set_holds_its_roles_and_no_other() {
		let all = PractitionerRole::ALL;
		for (i, role) in all.iter().enumerate() {
			let one = RoleSet::of(&[*role]);
			for (j, other) in all.iter().enumerate() {
				assert_eq!(one.contains(*other), i == j, "{role:?} {other:?}");
			}
		}
		assert!(all.iter().all(|r| RoleSet::of(&all).contains(*r)));
		assert!(all.iter().all(|r| !RoleSet::default().contains(*r)));
		// The prescriber query: one lookup for either prescribing role, none for the others.
		let fr = code("FR");
		let q = LicenceQuery::prescriber();
		for role in all {
			assert_eq!(q.matches(role, None, &fr), role.may_prescribe(), "{role:?}");
		}
		assert!(LicenceQuery::any().matches(PractitionerRole::Paramedic, None, &fr));
	}

	#[test]
	fn physicians_and_midwives_prescribe_and_pharmacists_do_not() {
		assert!(PractitionerRole::Physician.may_prescribe());
		assert!(PractitionerRole::Midwife.may_prescribe());
		for role in [
			PractitionerRole::Nurse,
			PractitionerRole::Pharmacist,
			PractitionerRole::Laboratory,
			PractitionerRole::Therapist,
			PractitionerRole::Psychologist,
			PractitionerRole::Paramedic,
		] {
			assert!(!role.may_prescribe(), "{role:?}");
		}
	}

	#[test]
	fn each_denial_maps_to_its_own_error() {
		let pick = |d: AccessDenial| d.to_error("unknown", "unlicensed", "none", "denied");
		assert_eq!(pick(AccessDenial::UnknownPatient), "unknown");
		assert_eq!(pick(AccessDenial::NotLicensed), "unlicensed");
		assert_eq!(pick(AccessDenial::NoConsent), "none");
		assert_eq!(pick(AccessDenial::ExplicitlyDenied(7)), "denied");
	}

	#[test]
	fn delegate_scopes_keep_their_encodings_and_the_custodian_comes_last() {
		// The bytes stored before `EmergencyCustodian` existed decode as they did: no
		// migration.
		let old = [
			(0u8, DelegateScope::ManageConsents),
			(1, DelegateScope::ViewDisclosureLog),
			(2, DelegateScope::BookCare),
			(3, DelegateScope::AccessRecords),
			(4, DelegateScope::ShredRecords),
		];
		for (byte, scope) in old {
			assert_eq!(DelegateScope::decode(&mut &[byte][..]).unwrap(), scope);
			assert_eq!(scope.encode(), vec![byte]);
		}
		assert_eq!(DelegateScope::EmergencyCustodian.encode(), vec![5u8]);
		assert_eq!(
			DelegateScope::decode(&mut &[5u8][..]).unwrap(),
			DelegateScope::EmergencyCustodian
		);
		assert!(DelegateScope::decode(&mut &[6u8][..]).is_err());
		assert_eq!(DelegateScope::max_encoded_len(), 1);
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
