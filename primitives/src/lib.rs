//! # Telemed primitives
//!
//! ## Overview
//!
//! The ids, domain types and traits that the Telemed pallets share. No pallet depends on another
//! pallet's crate: each one states what it needs from the others as a trait bound on its
//! `Config` (for example `type Practitioners: PractitionerRegistry<Self::AccountId>`), and the
//! runtime binds the trait to the pallet that implements it. Unit tests bind it to a mock.
//!
//! ## Terminology
//!
//! - **Practitioner**: a clinician (physician, nurse, pharmacist, …) who holds licences.
//! - **Licence**: a right to practise a role (and optionally a specialty) in a jurisdiction,
//!   issued by a licensing authority, valid between two instants, revocable.
//! - **Consent**: a patient's FHIR-shaped permit or deny for a grantee, an action, a scope of
//!   data, a purpose of use and a period.
//! - **Disclosure**: one access to a patient's data that went through the chain, kept in the
//!   patient's accounting of disclosures.
//!
//! ## Rules
//!
//! - Time is `pallet_timestamp` time in milliseconds ([`Moment`]); block numbers are never used
//!   for human periods.
//! - Every type here has a bounded encoding (`MaxEncodedLen`), so pallets may store it.
//! - Nothing here carries health data: data is named by blinded tags ([`Tag`]) and ids,
//!   purposes are codes, record contents are commitments and hashes held by the records pallet.
//!
//! ## Modules
//!
//! - [`ids`]: time, the id types, hashes, keys, tags and the jurisdiction/specialty codes.
//! - [`access`]: the access vocabulary (targets, actions, purposes, bases, denials, licence
//!   queries, disclosures, roles, delegate scopes, record subjects).
//! - [`traits`]: the traits between the pallets and their `()` implementations.
//! - [`support`]: helpers (key checks, sorted sets, the holds check of `try_state`).
//! - [`deposits`]: deposits and escrow on `fungible` holds.
//! - `mocks` (feature `mocks`): hand-set implementations of the traits for unit tests.
//!
//! Everything but `deposits` and `mocks` is re-exported at the crate root.

#![cfg_attr(not(feature = "std"), no_std)]
#![deny(missing_docs)]

extern crate alloc;

pub mod access;
pub mod deposits;
pub mod ids;
#[cfg(feature = "mocks")]
pub mod mocks;
pub mod support;
pub mod traits;

pub use access::*;
pub use ids::*;
pub use support::*;
pub use traits::*;
