//! Storage migrations of the practitioners pallet. Register them in order in the runtime's
//! `Migrations` tuple: `pallet_practitioners::migrations::v2::MigrateV1ToV2<Runtime>` (runs
//! once, by version).

pub mod v2;
