//! Parses the command line and runs the node or the subcommand asked for.

use crate::{
	chain_spec,
	cli::{Cli, Subcommand},
	service,
};
use sc_cli::SubstrateCli;
use sc_service::PartialComponents;
use telemed_runtime::opaque::Block;

impl SubstrateCli for Cli {
	fn impl_name() -> String {
		"Telemed Node".into()
	}

	fn impl_version() -> String {
		env!("SUBSTRATE_CLI_IMPL_VERSION").into()
	}

	fn description() -> String {
		env!("CARGO_PKG_DESCRIPTION").into()
	}

	fn author() -> String {
		env!("CARGO_PKG_AUTHORS").into()
	}

	fn support_url() -> String {
		"https://example.invalid/telemed/issues".into()
	}

	fn copyright_start_year() -> i32 {
		2026
	}

	/// `dev` (or `--dev`), `local`, or a chain spec file. No chain is an error: the built-in
	/// chains hand their validators, council and (on `dev`) sudo to the public `//Alice…` keys,
	/// so a node must never start one of them unless asked by name.
	fn load_spec(&self, id: &str) -> Result<Box<dyn sc_service::ChainSpec>, String> {
		Ok(match id {
			"" => return Err(NO_CHAIN.into()),
			"dev" => Box::new(chain_spec::development_chain_spec()?),
			"local" => Box::new(chain_spec::local_chain_spec()?),
			path => {
				Box::new(chain_spec::ChainSpec::from_json_file(std::path::PathBuf::from(path))?)
			},
		})
	}
}

/// Why the node refuses to start without `--chain` or `--dev`, and what to pass instead.
const NO_CHAIN: &str = "no chain given: pass --dev for a development chain, --chain local for \
	the local test network (both run on the public //Alice... keys), or --chain <spec.json> for a \
	real network";

/// An operator who names an RPC port expects the node there or nowhere: Substrate's default is
/// to fall back to a random port when it is taken, which leaves wallets talking to nothing (or
/// to another node). With `--rpc-port` given, a taken port is an error instead.
fn insist_on_rpc_port(config: &mut sc_service::Configuration) {
	for endpoint in config.rpc.addr.iter_mut().flatten() {
		endpoint.retry_random_port = false;
	}
}

/// The RPC listen addresses, as `ip:port` text, for error messages.
fn rpc_addresses(config: &sc_service::Configuration) -> String {
	config
		.rpc
		.addr
		.iter()
		.flatten()
		.map(|e| e.listen_addr.to_string())
		.collect::<Vec<_>>()
		.join(", ")
}

/// The RPC server reports a taken port as a bare `Address already in use`: say which address
/// and what to do about it.
fn explain_rpc_bind_error(e: sc_cli::Error, rpc_addrs: &str) -> sc_cli::Error {
	if let sc_cli::Error::Service(sc_service::Error::Application(inner)) = &e {
		if let Some(io) = inner.downcast_ref::<std::io::Error>() {
			if io.kind() == std::io::ErrorKind::AddrInUse {
				return sc_cli::Error::Input(format!(
					"cannot start the JSON-RPC server: {rpc_addrs} is already in use \
					 (another node?). Stop it or choose another port with --rpc-port."
				));
			}
		}
	}
	e
}

/// Parses the command line and runs what it asks for.
pub fn run() -> sc_cli::Result<()> {
	let cli = Cli::from_args();

	match &cli.subcommand {
		Some(Subcommand::Key(cmd)) => cmd.run(&cli),
		Some(Subcommand::BuildSpec(cmd)) => {
			let runner = cli.create_runner(cmd)?;
			runner.sync_run(|config| cmd.run(config.chain_spec, config.network))
		},
		Some(Subcommand::ExportChainSpec(cmd)) => {
			let chain_spec = cli.load_spec(&cmd.chain)?;
			cmd.run(chain_spec)
		},
		Some(Subcommand::CheckBlock(cmd)) => {
			let runner = cli.create_runner(cmd)?;
			runner.async_run(|config| {
				let PartialComponents { client, task_manager, import_queue, .. } =
					service::new_partial(&config)?;
				Ok((cmd.run(client, import_queue), task_manager))
			})
		},
		Some(Subcommand::ExportBlocks(cmd)) => {
			let runner = cli.create_runner(cmd)?;
			runner.async_run(|config| {
				let PartialComponents { client, task_manager, .. } = service::new_partial(&config)?;
				Ok((cmd.run(client, config.database), task_manager))
			})
		},
		Some(Subcommand::ExportState(cmd)) => {
			let runner = cli.create_runner(cmd)?;
			runner.async_run(|config| {
				let PartialComponents { client, task_manager, .. } = service::new_partial(&config)?;
				Ok((cmd.run(client, config.chain_spec), task_manager))
			})
		},
		Some(Subcommand::ImportBlocks(cmd)) => {
			let runner = cli.create_runner(cmd)?;
			runner.async_run(|config| {
				let PartialComponents { client, task_manager, import_queue, .. } =
					service::new_partial(&config)?;
				Ok((cmd.run(client, import_queue), task_manager))
			})
		},
		Some(Subcommand::PurgeChain(cmd)) => {
			let runner = cli.create_runner(cmd)?;
			runner.sync_run(|config| cmd.run(config.database))
		},
		Some(Subcommand::Revert(cmd)) => {
			let runner = cli.create_runner(cmd)?;
			runner.async_run(|config| {
				let PartialComponents { client, task_manager, backend, .. } =
					service::new_partial(&config)?;
				// GRANDPA keeps its own authority-set data next to the blocks: revert it too.
				let aux_revert = Box::new(|client, _, blocks| {
					sc_consensus_grandpa::revert(client, blocks)?;
					Ok(())
				});
				Ok((cmd.run(client, backend, Some(aux_revert)), task_manager))
			})
		},
		Some(Subcommand::ChainInfo(cmd)) => {
			let runner = cli.create_runner(cmd)?;
			runner.sync_run(|config| cmd.run::<Block>(&config))
		},
		#[cfg(feature = "storage-benchmark")]
		Some(Subcommand::Benchmark(crate::cli::BenchmarkCmd::Storage(cmd))) => {
			let runner = cli.create_runner(cmd)?;
			runner.sync_run(|config| {
				let PartialComponents { client, backend, .. } = service::new_partial(&config)?;
				let db = backend.expose_db();
				let storage = backend.expose_storage();
				let shared_trie_cache = backend.expose_shared_trie_cache();
				cmd.run(config, client, db, storage, shared_trie_cache)
			})
		},
		None => {
			let runner = cli.create_runner(&cli.run)?;
			let explicit_rpc_port = cli.run.rpc_params.rpc_port.is_some();
			runner.run_node_until_exit(|mut config| async move {
				if explicit_rpc_port {
					insist_on_rpc_port(&mut config);
				}
				let rpc_addrs = rpc_addresses(&config);
				let started = match config.network.network_backend {
					sc_network::config::NetworkBackendType::Libp2p => service::new_full::<
						sc_network::NetworkWorker<
							Block,
							<Block as sp_runtime::traits::Block>::Hash,
						>,
					>(config)
					.map_err(sc_cli::Error::Service),
					sc_network::config::NetworkBackendType::Litep2p => {
						service::new_full::<sc_network::Litep2pNetworkBackend>(config)
							.map_err(sc_cli::Error::Service)
					},
				};
				started.map_err(|e| explain_rpc_bind_error(e, &rpc_addrs))
			})
		},
	}
}
