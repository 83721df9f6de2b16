//! Storage migrations of the consent pallet. Register them in order in the runtime's
//! `Migrations` tuple: `pallet_consent::migrations::v2::MigrateV1ToV2<Runtime>`, then
//! `pallet_consent::migrations::v3::MigrateV2ToV3<Runtime>`, then
//! `pallet_consent::migrations::v4::MigrateV3ToV4<Runtime>` (each runs once, by version).

pub mod old;
pub mod v2;
pub mod v3;
pub mod v4;
