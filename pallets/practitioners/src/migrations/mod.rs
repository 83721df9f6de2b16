//! Storage migrations of the practitioners pallet. Register them in order in the runtime's
//! `Migrations` tuple: `pallet_practitioners::migrations::v2::MigrateV1ToV2<Runtime>`, then
//! `v3::MigrateV2ToV3<Runtime>` (each runs once, by version).
//!
//! Practitioners v2 and v3 before consent v3: consent's pruning checks licences through the
//! summary and the table of accreditations. Register both BEFORE every consent migration (and
//! anything else that asks whether someone is licensed during the upgrade): until they have
//! run, [`crate::ActiveLicences`] or [`crate::Accreditations`] is empty, so nobody is licensed,
//! and consent's version 3 (and 4) would prune the envelopes of every practitioner whose
//! permits need a licence.

pub mod v2;
pub mod v3;
