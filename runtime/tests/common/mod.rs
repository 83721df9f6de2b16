//! What the runtime integration tests share: genesis state built by the wasm runtime from a
//! named preset, and transactions signed the way a wallet signs them.
#![allow(dead_code)]

use codec::Encode;
use sc_chain_spec::GenesisConfigBuilderRuntimeCaller;
use sp_core::{crypto::Pair, H256};
use sp_keyring::Sr25519Keyring;
use sp_runtime::{
	generic::Era,
	traits::{Header as HeaderT, StaticLookup},
	Storage,
};
use telemed_runtime::{
	Balance, Executive, Header, Runtime, RuntimeCall, SignedPayload, TxExtension,
	UncheckedExtrinsic, WASM_BINARY,
};

pub type Caller<'a> = GenesisConfigBuilderRuntimeCaller<'a, sp_io::SubstrateHostFunctions>;

pub fn wasm() -> &'static [u8] {
	WASM_BINARY.expect("the runtime tests need the wasm: do not set SKIP_WASM_BUILD")
}

/// Genesis storage of a named preset, built by the wasm runtime.
pub fn preset_storage(name: &str) -> Storage {
	Caller::new(wasm())
		.get_storage_for_named_preset(Some(&name.to_string()))
		.unwrap_or_else(|e| panic!("preset {name} must build: {e}"))
}

pub fn externalities(name: &str) -> sp_io::TestExternalities {
	sp_io::TestExternalities::new(preset_storage(name))
}

/// The extensions of a transaction signed by a wallet with a given nonce.
pub fn tx_extension(nonce: u32, tip: Balance) -> TxExtension {
	(
		frame_system::AuthorizeCall::<Runtime>::new(),
		frame_system::CheckNonZeroSender::<Runtime>::new(),
		frame_system::CheckSpecVersion::<Runtime>::new(),
		frame_system::CheckTxVersion::<Runtime>::new(),
		frame_system::CheckGenesis::<Runtime>::new(),
		frame_system::CheckEra::<Runtime>::from(Era::Immortal),
		frame_system::CheckNonce::<Runtime>::from(nonce),
		frame_system::CheckWeight::<Runtime>::new(),
		pallet_skip_feeless_payment::SkipCheckIfFeeless::from(
			pallet_transaction_payment::ChargeTransactionPayment::<Runtime>::from(tip),
		),
		frame_metadata_hash_extension::CheckMetadataHash::<Runtime>::new(false),
		frame_system::WeightReclaim::<Runtime>::new(),
	)
}

/// A transaction signed the way a wallet signs it.
pub fn signed(signer: Sr25519Keyring, call: RuntimeCall, nonce: u32) -> UncheckedExtrinsic {
	let extension = tx_extension(nonce, 0);
	let payload = SignedPayload::new(call.clone(), extension.clone()).expect("valid payload");
	let signature = payload.using_encoded(|bytes| signer.pair().sign(bytes));
	UncheckedExtrinsic::new_signed(
		call,
		<Runtime as frame_system::Config>::Lookup::unlookup(signer.to_account_id()),
		signature.into(),
		extension,
	)
}

pub fn start_block() {
	let header = Header::new(
		1,
		H256::zero(),
		H256::zero(),
		frame_system::BlockHash::<Runtime>::get(0),
		Default::default(),
	);
	Executive::initialize_block(&header);
}
