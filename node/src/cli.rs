//! Command-line interface: `telemed-node [SUBCOMMAND] [OPTIONS]`.

/// The node's subcommands. Without one, the node runs.
#[derive(Debug, clap::Subcommand)]
#[allow(clippy::large_enum_variant)]
pub enum Subcommand {
	/// Key management: generate, inspect, insert keys into the keystore.
	#[command(subcommand)]
	Key(sc_cli::KeySubcommand),

	/// Build a chain specification (deprecated in favour of `export-chain-spec`).
	BuildSpec(sc_cli::BuildSpecCmd),

	/// Export a chain specification.
	ExportChainSpec(sc_cli::ExportChainSpecCmd),

	/// Validate blocks.
	CheckBlock(sc_cli::CheckBlockCmd),

	/// Export blocks.
	ExportBlocks(sc_cli::ExportBlocksCmd),

	/// Export the state of a given block into a chain spec.
	ExportState(sc_cli::ExportStateCmd),

	/// Import blocks.
	ImportBlocks(sc_cli::ImportBlocksCmd),

	/// Remove the whole chain.
	PurgeChain(sc_cli::PurgeChainCmd),

	/// Revert the chain to a previous state.
	Revert(sc_cli::RevertCmd),

	/// Database metadata.
	ChainInfo(sc_cli::ChainInfoCmd),

	/// Benchmarks that need the node's own database (feature `storage-benchmark`). Pallets and
	/// block overhead are measured by `frame-omni-bencher` against the runtime's wasm
	/// (scripts/benchmark.sh).
	#[cfg(feature = "storage-benchmark")]
	#[command(subcommand)]
	Benchmark(BenchmarkCmd),
}

/// `telemed-node benchmark …`.
#[cfg(feature = "storage-benchmark")]
#[derive(Debug, clap::Subcommand)]
pub enum BenchmarkCmd {
	/// Read and write prices of this machine's database on a chain's state: writes the
	/// runtime's `DbWeight` constants (`--weight-path`).
	Storage(frame_benchmarking_cli::StorageCmd),
}

/// `telemed-node` command line.
#[derive(Debug, clap::Parser)]
pub struct Cli {
	/// A subcommand, or none to run the node.
	#[command(subcommand)]
	pub subcommand: Option<Subcommand>,

	/// Options for running the node.
	#[clap(flatten)]
	pub run: sc_cli::RunCmd,
}
