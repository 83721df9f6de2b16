//! `telemed-node`: the Telemed chain's node. Aura authors blocks in 6-second slots, GRANDPA
//! finalises them; clients talk to it over the standard Substrate JSON-RPC.

#![warn(missing_docs)]

mod chain_spec;
mod cli;
mod command;
mod rpc;
mod service;
mod telemed_rpc;

fn main() -> sc_cli::Result<()> {
	command::run()
}
