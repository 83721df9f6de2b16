//! Ids, time and the small codes every pallet names things by: what is stored is identifiers
//! and codes only, never health data.

use frame_support::{traits::ConstU32, BoundedVec};

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

/// Identifies a prescription (one version of it) in the prescriptions pallet.
pub type PrescriptionId = u64;

/// A 32-byte hash (blake2-256 unless said otherwise): commitments, ciphertext hashes, evidence.
pub type Hash256 = [u8; 32];

/// An X25519 key-agreement public key. Data keys are sealed to it; it is never a signing key.
pub type KeyAgreementKey = [u8; 32];

/// A blinded tag: `HMAC-SHA-256(tag key, label)` computed off chain, where the tag key is a
/// secret of the patient (shared sealed with whoever writes for them) and the label is a data
/// category or FHIR resource type. The chain compares tags for equality only: it matches a
/// consent scoped to tags against a record's tag without learning what either means, and two
/// patients' tags for the same category are unrelated. The labels and the derivation are the
/// SDK's (`docs/PRIVACY.md`).
pub type Tag = [u8; 32];

/// The longest ISO 3166-2 subdivision code, e.g. `GB-ENG`, `US-CA`, `DE-BY`.
pub const MAX_JURISDICTION_LEN: u32 = 6;

/// The longest specialty code (SNOMED CT concept ids are at most 18 digits).
pub const MAX_SPECIALTY_LEN: u32 = 18;

/// An ISO 3166-1 alpha-2 country code (`FR`) or ISO 3166-2 subdivision code (`US-NY`).
pub type JurisdictionCode = BoundedVec<u8, ConstU32<MAX_JURISDICTION_LEN>>;

/// A practice specialty as a code (SNOMED CT "clinical specialty" concept id, as text).
pub type SpecialtyCode = BoundedVec<u8, ConstU32<MAX_SPECIALTY_LEN>>;

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn jurisdiction_codes_are_bounded() {
		assert!(JurisdictionCode::try_from(b"GB-ENG".to_vec()).is_ok());
		assert!(JurisdictionCode::try_from(b"GB-ENGL".to_vec()).is_err());
	}
}
