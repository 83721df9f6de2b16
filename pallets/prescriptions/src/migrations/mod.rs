//! Storage migrations of the prescriptions pallet. Register them in order in the runtime's
//! `Migrations` tuple.
//!
//! - [`v2`]: storage version 1 to 2 — each open prescription version keeps the hash of its
//!   ciphertext (`None` for those issued before), so that a gateway can serve its blob.

pub mod v2;
