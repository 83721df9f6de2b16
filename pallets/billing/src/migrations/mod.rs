//! Storage migrations of the billing pallet.
//!
//! - [`v2`]: storage version 1 to 2 — consultations get their deposit, a policy's annual
//!   usage is kept per policy year (`PolicyUsage`) instead of one `(year, used)` pair, and
//!   open disputes get their record (`Disputes`).

pub mod v2;
