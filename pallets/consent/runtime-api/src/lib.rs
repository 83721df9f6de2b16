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
	AccessAction, AccessBasis, AccessDenial, DataCategory, Disclosure, EmergencyAccessId,
	PurposeOfUse, RecordId,
};

sp_api::decl_runtime_apis! {
	/// Access checks, consents, the disclosure log and pending break-glass reviews.
	pub trait ConsentApi<AccountId: Codec, Consent: Codec, Balance: Codec> {
		/// May `accessor` perform `action` on `patient`'s data of `category` (and `record`)
		/// for `purpose` now? The basis, or why not.
		fn check_access(
			accessor: AccountId,
			patient: AccountId,
			action: AccessAction,
			category: DataCategory,
			record: Option<RecordId>,
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
