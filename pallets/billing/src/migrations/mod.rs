//! Storage migrations of the billing pallet.
//!
//! - [`v2`]: storage version 1 to 2 — consultations get their deposit, a policy's annual
//!   usage is kept per policy year (`PolicyUsage`) instead of one `(year, used)` pair, and
//!   open disputes get their record (`Disputes`).
//! - [`v3`]: storage version 2 to 3 — a service's description becomes the hash of its text
//!   (no free text in state).

pub mod v2;
pub mod v3;
