//! Storage migrations of the consent pallet. Register the newest in the runtime's
//! `Migrations` tuple: `pallet_consent::migrations::v2::MigrateV1ToV2<Runtime>`.

pub mod v2;
