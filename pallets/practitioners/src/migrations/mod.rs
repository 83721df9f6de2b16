//! Storage migrations of the practitioners pallet. Register them in order in the runtime's
//! `Migrations` tuple: `pallet_practitioners::migrations::v2::MigrateV1ToV2<Runtime>` (runs
//! once, by version).
//!
//! Practitioners v2 before consent v3: consent's pruning checks licences through the summary.
//! Register v2 BEFORE every consent migration (and anything else that asks whether someone is
//! licensed during the upgrade): until it has run, [`crate::ActiveLicences`] is empty, so
//! nobody is licensed, and consent's version 3 (and 4) would prune the envelopes of every
//! practitioner whose permits need a licence.

pub mod v2;
