//! Runtime API of the records pallet: what a patient's wallet and a clinic's system ask.
//!
//! Answers are computed at the block asked about, against that block's timestamp.

#![cfg_attr(not(feature = "std"), no_std)]
#![deny(missing_docs)]

extern crate alloc;

use alloc::vec::Vec;
use codec::Codec;
pub use pallet_records::{BatchAnchor, Patient, RecordFilter};
use telemed_primitives::RecordId;

sp_api::decl_runtime_apis! {
	/// Patients, records and their versions, key envelopes, wearable devices.
	pub trait RecordsApi<AccountId: Codec, Balance: Codec, Record: Codec, Envelope: Codec, Device: Codec> {
		/// `who` as a registered patient.
		fn patient(who: AccountId) -> Option<Patient<Balance>>;
		/// Up to `max` of `patient`'s live record versions that pass `filter` (by blinded tag,
		/// current versions only), from position
		/// `from` of their list on, with the position to ask from next if any is left.
		fn records(patient: AccountId, filter: RecordFilter, from: u32, max: u32) -> (Vec<(RecordId, Record)>, Option<u32>);
		/// Every version of the record `id` belongs to, oldest first (empty if unknown or
		/// shredded: a shredded version keeps nothing that links it to the others).
		fn record_history(id: RecordId) -> Vec<(RecordId, Record)>;
		/// `grantee`'s envelope for `record`, if and only if `grantee` may read it now, or it
		/// is a custody envelope (purpose `EmergencyTreatment`) of the record's patient's
		/// emergency custodian now (it holds keys to release them; only a current version's).
		fn envelope(record: RecordId, grantee: AccountId) -> Option<Envelope>;
		/// A wearable device, with its latest batch.
		fn device(device: AccountId) -> Option<Device>;
		/// A device's latest batch.
		fn latest_batch(device: AccountId) -> Option<BatchAnchor>;
	}
}
