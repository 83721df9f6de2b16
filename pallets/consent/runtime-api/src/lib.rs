//! Runtime API of the consent pallet: what a patient's wallet and a clinic's system ask.
//!
//! Answers are computed at the block asked about, against that block's timestamp.

#![cfg_attr(not(feature = "std"), no_std)]
#![deny(missing_docs)]

extern crate alloc;

use alloc::vec::Vec;
use codec::Codec;
pub use pallet_consent::{ConsentStanding, ConsentView, EmergencyAccess};
use telemed_primitives::{
	AccessAction, AccessBasis, AccessDenial, AccessTarget, Disclosure, EmergencyAccessId,
	PurposeOfUse,
};

sp_api::decl_runtime_apis! {
	/// Access checks, consents, the disclosure log and pending break-glass reviews.
	///
	/// Version 2: `check_access` takes an `AccessTarget` (a record by tag and stable identity,
	/// a tag, all data, or the relationship) instead of a data category and an optional record.
	#[api_version(2)]
	pub trait ConsentApi<AccountId: Codec, Consent: Codec, Balance: Codec> {
		/// May `accessor` perform `action` on `target` of `patient`'s data for `purpose` now?
		/// The basis, or why not. A record target names the record's tag and STABLE identity
		/// (the id of its first version), as `ConsentVerifier::check_access` takes it. A tag
		/// target is matched against the consents' scopes only, not checked to be the
		/// patient's (`log_access` and adding a record check that).
		fn check_access(
			accessor: AccountId,
			patient: AccountId,
			action: AccessAction,
			target: AccessTarget,
			purpose: PurposeOfUse,
		) -> Result<AccessBasis, AccessDenial>;
		/// `patient`'s consents, each with its standing now.
		fn consents(patient: AccountId) -> Vec<ConsentView<Consent>>;
		/// Up to `max` entries of `patient`'s disclosure log from number `from` on, oldest
		/// first, with their numbers.
		fn disclosures(patient: AccountId, from: u64, max: u32) -> Vec<(u64, Disclosure<AccountId>)>;
		/// `patient`'s break-glass accesses awaiting review.
		fn pending_emergency_reviews(patient: AccountId) -> Vec<(EmergencyAccessId, EmergencyAccess<AccountId, Balance>)>;
	}
}
