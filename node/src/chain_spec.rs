//! Chain specifications: `dev` and `local`, each built from a runtime genesis preset.

use sc_service::ChainType;
use telemed_runtime::{SS58_PREFIX, TOKEN_DECIMALS, TOKEN_SYMBOL, WASM_BINARY};

/// The chain spec type of the Telemed chain (no extensions).
pub type ChainSpec = sc_service::GenericChainSpec;

/// What wallets read to display balances: `MED`, 12 decimals, SS58 prefix 42.
fn properties() -> sc_service::Properties {
	let mut properties = sc_service::Properties::new();
	properties.insert("tokenSymbol".into(), TOKEN_SYMBOL.into());
	properties.insert("tokenDecimals".into(), TOKEN_DECIMALS.into());
	properties.insert("ss58Format".into(), SS58_PREFIX.into());
	properties
}

/// A chain spec from one of the runtime's genesis presets.
fn from_preset(
	name: &str,
	id: &str,
	chain_type: ChainType,
	preset: &str,
) -> Result<ChainSpec, String> {
	let wasm = WASM_BINARY.ok_or_else(|| {
		"The runtime wasm is not available: the node was built with SKIP_WASM_BUILD".to_string()
	})?;
	Ok(ChainSpec::builder(wasm, None)
		.with_name(name)
		.with_id(id)
		.with_protocol_id("telemed")
		.with_chain_type(chain_type)
		.with_genesis_config_preset_name(preset)
		.with_properties(properties())
		.build())
}

/// `dev`: Alice alone authors and finalises; state is thrown away with `--tmp`.
pub fn development_chain_spec() -> Result<ChainSpec, String> {
	from_preset(
		"Telemed Development",
		"telemed_dev",
		ChainType::Development,
		sp_genesis_builder::DEV_RUNTIME_PRESET,
	)
}

/// `local`: Alice, Bob, Charlie and Dave validate on this machine.
pub fn local_chain_spec() -> Result<ChainSpec, String> {
	from_preset(
		"Telemed Local Testnet",
		"telemed_local",
		ChainType::Local,
		sp_genesis_builder::LOCAL_TESTNET_RUNTIME_PRESET,
	)
}
