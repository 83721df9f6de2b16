//! `telemed-node`: the Telemed chain's node. Aura authors blocks in 6-second slots, GRANDPA
//! finalises them; clients talk to it over the standard Substrate JSON-RPC.

#![warn(missing_docs)]

mod chain_spec;
mod cli;
mod command;
mod rpc;
mod service;
mod telemed_rpc;

/// jemalloc rather than glibc's allocator, on Linux as in Polkadot's node: glibc's per-thread
/// arenas keep the memory the node's many threads freed, so the same work holds 2.5 to 3.5
/// times the resident memory (README, "Load": 371 MiB against 104 MiB after a burst).
#[cfg(target_os = "linux")]
#[global_allocator]
static ALLOC: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

fn main() -> sc_cli::Result<()> {
	command::run()
}
