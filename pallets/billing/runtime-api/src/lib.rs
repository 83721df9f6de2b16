//! Runtime API of the billing pallet: what a patient's wallet, a practitioner's practice
//! software and an insurer ask.
//!
//! Answers are computed at the block asked about, against that block's timestamp.

#![cfg_attr(not(feature = "std"), no_std)]
#![deny(missing_docs)]

extern crate alloc;

use alloc::vec::Vec;
use codec::Codec;
pub use pallet_billing::{Claim, ClaimStatus, FraudCheck, Quote, QuoteError, ServiceCode};
use telemed_primitives::{ClaimId, ConsultationId, Moment, PolicyId};

sp_api::decl_runtime_apis! {
	/// Consultations, schedules, quotes and claims.
	pub trait BillingApi<AccountId: Codec, Balance: Codec, Consultation: Codec, Service: Codec> {
		/// `patient`'s open consultations.
		fn consultations(patient: AccountId) -> Vec<(ConsultationId, Consultation)>;
		/// `practitioner`'s fee schedule and open consultations.
		fn schedule(practitioner: AccountId) -> (Vec<(ServiceCode, Service)>, Vec<(ConsultationId, Consultation)>);
		/// The split of `service`'s price for `patient` at `at`, self-paid or under `policy`.
		fn quote(patient: AccountId, practitioner: AccountId, service: ServiceCode, policy: Option<PolicyId>, at: Moment) -> Result<Quote<Balance>, QuoteError>;
		/// A consultation's claim and its status, if it has one.
		fn claim(consultation: ConsultationId) -> Option<(ClaimId, Claim<AccountId, Balance>)>;
	}
}
