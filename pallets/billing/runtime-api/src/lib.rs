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
	/// Consultations, schedules, quotes, claims and policies.
	///
	/// Version 2: `claims` and `policies` list what a party is in, page by page: a claim is
	/// created when its visit settles, after which the visit is no longer among the open
	/// consultations `consultations` and `schedule` return.
	#[api_version(2)]
	pub trait BillingApi<AccountId: Codec, Balance: Codec, Consultation: Codec, Service: Codec, Policy: Codec> {
		/// `patient`'s open consultations.
		fn consultations(patient: AccountId) -> Vec<(ConsultationId, Consultation)>;
		/// `practitioner`'s fee schedule and open consultations.
		fn schedule(practitioner: AccountId) -> (Vec<(ServiceCode, Service)>, Vec<(ConsultationId, Consultation)>);
		/// The split of `service`'s price for `patient` at `at`, self-paid or under `policy`.
		fn quote(patient: AccountId, practitioner: AccountId, service: ServiceCode, policy: Option<PolicyId>, at: Moment) -> Result<Quote<Balance>, QuoteError>;
		/// A consultation's claim and its status, if it has one.
		fn claim(consultation: ConsultationId) -> Option<(ClaimId, Claim<AccountId, Balance>)>;
		/// The claims `party` is in (as the insurer, the practitioner or the patient) among
		/// the claim ids from `from` on, each with its consultation, and the id to go on from
		/// while ids remain. A page looks at `max` ids (1 to `MAX_PAGE_SCAN`, 1024), the
		/// party's or not: a page may be empty and have a next one.
		#[api_version(2)]
		fn claims(party: AccountId, from: ClaimId, max: u32) -> (Vec<(ClaimId, Claim<AccountId, Balance>, Consultation)>, Option<ClaimId>);
		/// The policies `party` is in (as the insurer or the insured patient) among the policy
		/// ids from `from` on, each with what claims used of its annual limit in the policy
		/// year of now; paged as `claims`.
		#[api_version(2)]
		fn policies(party: AccountId, from: PolicyId, max: u32) -> (Vec<(PolicyId, Policy, Balance)>, Option<PolicyId>);
	}
}
