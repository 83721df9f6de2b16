//! The runtime's next release, for the end-to-end test of a runtime upgrade through
//! governance: `telemed-runtime` with its `upgrade-test` feature (the next `spec_version`) and
//! `try-runtime` (the `TryRuntime` runtime API: the upgrade test with state runs the migrations'
//! and the pallets' checks through it on the block that applied the code).
//!
//! Natively this crate holds only the blob ([`WASM_BINARY`]); `scripts/test.sh` hands its file,
//! `wbuild/telemed-runtime-next/telemed_runtime_next.compact.compressed.wasm` under the release
//! target dir, to the upgrade test. In the wasm build it is the runtime itself.

#![cfg_attr(not(feature = "std"), no_std)]

#[cfg(feature = "std")]
include!(concat!(env!("OUT_DIR"), "/wasm_binary.rs"));

#[cfg(target_arch = "wasm32")]
pub use telemed_runtime::*;
