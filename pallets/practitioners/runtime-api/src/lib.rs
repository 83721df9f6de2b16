//! Runtime API of the practitioners pallet: what wallets and dApps ask about a clinician.
//!
//! Both answers are computed at the block asked about, against that block's timestamp: a
//! licence that expired, or was suspended or revoked, shows so at once.

#![cfg_attr(not(feature = "std"), no_std)]
#![deny(missing_docs)]

extern crate alloc;

use alloc::vec::Vec;
use codec::Codec;
pub use pallet_practitioners::{LicenceStanding, LicenceView, PractitionerStatus};

sp_api::decl_runtime_apis! {
	/// Licence status and licences of an account.
	pub trait PractitionersApi<AccountId: Codec> {
		/// Whether `who` is registered, licensed now, and may use emergency access now.
		fn licence_status(who: AccountId) -> PractitionerStatus;
		/// `who`'s licences, each with its standing now.
		fn licences(who: AccountId) -> Vec<LicenceView<AccountId>>;
	}
}
