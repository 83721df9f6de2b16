//! Storage migrations of the records pallet, one module per storage version reached.

pub mod old;
pub mod v2;
pub mod v3;
pub mod v4;
pub mod v5;
pub mod v6;
