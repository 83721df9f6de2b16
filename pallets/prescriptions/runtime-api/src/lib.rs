//! Runtime API of the prescriptions pallet: what a patient's wallet, a prescriber and a
//! pharmacy ask about prescriptions.
//!
//! Answers are computed at the block asked about, against that block's timestamp: a
//! prescription's standing says whether it can be dispensed now, or why not (expired, or
//! flagged because its prescriber's licence is not valid now or was revoked for good).

#![cfg_attr(not(feature = "std"), no_std)]
#![deny(missing_docs)]

extern crate alloc;

use alloc::vec::Vec;
use codec::Codec;
pub use pallet_prescriptions::{PrescriptionStanding, PrescriptionView};
use telemed_primitives::PrescriptionId;

sp_api::decl_runtime_apis! {
	/// Open prescriptions: their standing, fills allowed and used, and times.
	pub trait PrescriptionsApi<AccountId: Codec> {
		/// Open prescription `id` (the current version of a prescription), with its standing
		/// now; `None` if no open prescription has this id (never issued, fully filled,
		/// cancelled, superseded or expired and removed).
		fn prescription(id: PrescriptionId) -> Option<PrescriptionView<AccountId>>;
		/// `patient`'s open prescriptions, in the order first issued, each with its standing
		/// now: flagged ones are listed too, so the patient sees them.
		fn prescriptions_of(patient: AccountId) -> Vec<(PrescriptionId, PrescriptionView<AccountId>)>;
	}
}
