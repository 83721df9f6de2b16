//! Storage migrations of the consent pallet. Register them in order in the runtime's
//! `Migrations` tuple: `pallet_consent::migrations::v2::MigrateV1ToV2<Runtime>`, then
//! `pallet_consent::migrations::v3::MigrateV2ToV3<Runtime>`, then
//! `pallet_consent::migrations::v4::MigrateV3ToV4<Runtime>`, then
//! `pallet_consent::migrations::v5::MigrateV4ToV5<Runtime>`, then
//! `pallet_consent::migrations::v6::MigrateV5ToV6<Runtime>` (each runs once, by version).
//!
//! Across pallets: the records pallet's migrations first (version 3 prunes envelopes through
//! records' envelope index), and practitioners v2 before consent v3: consent's pruning checks
//! licences through the summary (`pallet_practitioners::migrations::v2::MigrateV1ToV2`
//! builds `ActiveLicences`; before it, nobody is licensed and the pruning would take the
//! envelopes of every practitioner whose permits need a licence). Version 3 builds the
//! (patient, grantee) index itself before it prunes (see [`v3`]).

pub mod old;
pub mod v2;
pub mod v3;
pub mod v4;
pub mod v5;
pub mod v6;
