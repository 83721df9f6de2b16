//! What the runtime integration tests share: genesis state built by the wasm runtime from a
//! named preset, transactions signed the way a wallet signs them and applied (`ok`, `refused`),
//! the clock (`NOW`, `start_block_at`), and the fixtures several suites use (Charlie's
//! laboratory tag, his consent to a grantee, an envelope for a grantee). Each suite keeps only
//! its story.
#![allow(dead_code)]

use codec::Encode;
use sc_chain_spec::GenesisConfigBuilderRuntimeCaller;
use sp_core::{crypto::Pair, H256};
use sp_keyring::Sr25519Keyring;
use sp_runtime::{
	generic::Era,
	traits::{Header as HeaderT, StaticLookup},
	DispatchError, Storage,
};
use std::{collections::BTreeMap, sync::Mutex};
use telemed_primitives::{AccessAction, PurposeOfUse, Tag};
use telemed_runtime::{
	AccountId, Balance, BalancesCall, Executive, Header, Runtime, RuntimeCall, SignedPayload,
	System, TxExtension, UncheckedExtrinsic, WASM_BINARY,
};

pub type Caller<'a> = GenesisConfigBuilderRuntimeCaller<'a, sp_io::SubstrateHostFunctions>;

pub type BillingCall = pallet_billing::Call<Runtime>;
pub type ConsentCall = pallet_consent::Call<Runtime>;
pub type PractitionersCall = pallet_practitioners::Call<Runtime>;
pub type RecordsCall = pallet_records::Call<Runtime>;

/// 2026-11-23T00:00:00Z: inside the demo licence's validity.
pub const NOW: u64 = 1_795_392_000_000;
/// An hour in milliseconds, the unit of the runtime's clock.
pub const HOUR: u64 = 3_600_000;

/// Charlie's blinded tag for laboratory data (an HMAC under his tag key, off chain).
pub const LAB_TAG: Tag = [0x1a; 32];

pub fn wasm() -> &'static [u8] {
	WASM_BINARY.expect("the runtime tests need the wasm: do not set SKIP_WASM_BUILD")
}

/// Genesis storage of a named preset, built by the wasm runtime.
///
/// Built once per preset and test binary: each build instantiates the wasm runtime in a new
/// executor, which compiles the blob (about 5 s of CPU; once per test it was most of this
/// binary's run). The storage is a value: every test gets its own copy.
pub fn preset_storage(name: &str) -> Storage {
	static BUILT: Mutex<BTreeMap<String, Storage>> = Mutex::new(BTreeMap::new());
	let mut built = BUILT.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
	built
		.entry(name.to_string())
		.or_insert_with(|| {
			Caller::new(wasm())
				.get_storage_for_named_preset(Some(&name.to_string()))
				.unwrap_or_else(|e| panic!("preset {name} must build: {e}"))
		})
		.clone()
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
	signed_with_tip(signer, call, nonce, 0)
}

/// A transaction signed the way a wallet signs it, with a tip for the block's author.
pub fn signed_with_tip(
	signer: Sr25519Keyring,
	call: RuntimeCall,
	nonce: u32,
	tip: Balance,
) -> UncheckedExtrinsic {
	let extension = tx_extension(nonce, tip);
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

/// Starts block 1 with the clock at `now`. (The clock is written directly: the timestamp
/// inherent would also check `now` against an Aura slot, which these tests do not produce.)
pub fn start_block_at(now: u64) {
	start_block();
	set_now(now);
}

/// Sets the clock of the current block.
pub fn set_now(now: u64) {
	pallet_timestamp::Now::<Runtime>::put(now);
}

/// Applies `call` signed by `signer` with `nonce`; the transaction is valid and the dispatch
/// succeeds.
pub fn ok(signer: Sr25519Keyring, call: RuntimeCall, nonce: u32) {
	assert_eq!(Executive::apply_extrinsic(signed(signer, call, nonce)), Ok(Ok(())));
}

/// Applies a valid transaction whose dispatch fails, and returns why.
pub fn refused(signer: Sr25519Keyring, call: RuntimeCall, nonce: u32) -> DispatchError {
	match Executive::apply_extrinsic(signed(signer, call, nonce)) {
		Ok(Err(error)) => error,
		other => panic!("expected a valid transaction whose dispatch fails, got {other:?}"),
	}
}

/// [`ok`] with the signer's next nonce.
pub fn ok_next(signer: Sr25519Keyring, call: RuntimeCall) {
	ok(signer, call, System::account_nonce(signer.to_account_id()));
}

/// [`refused`] with the signer's next nonce.
pub fn refused_next(signer: Sr25519Keyring, call: RuntimeCall) -> DispatchError {
	refused(signer, call, System::account_nonce(signer.to_account_id()))
}

/// `call` dispatched by Sudo (Alice, on the development chain).
pub fn sudo(call: RuntimeCall) -> RuntimeCall {
	RuntimeCall::Sudo(pallet_sudo::Call::sudo { call: Box::new(call) })
}

/// A transfer that keeps the sender alive.
pub fn transfer(to: &AccountId, value: Balance) -> RuntimeCall {
	RuntimeCall::Balances(BalancesCall::transfer_keep_alive { dest: to.clone().into(), value })
}

/// Charlie's consent to `grantee`: `decision` on `actions` over `scope`, for treatment, from
/// now on and without end.
pub fn charlie_consents(
	grantee: &AccountId,
	decision: pallet_consent::Decision,
	actions: Vec<AccessAction>,
	scope: pallet_consent::ScopeRequestOf<Runtime>,
) -> RuntimeCall {
	RuntimeCall::Consent(ConsentCall::grant_consent {
		patient: Sr25519Keyring::Charlie.to_account_id(),
		grantee: grantee.clone(),
		decision,
		actions: actions.try_into().unwrap(),
		scope,
		purposes: vec![PurposeOfUse::Treatment].try_into().unwrap(),
		start: None,
		end: None,
	})
}

/// Registers the signer as a patient with key-agreement key `key`, which must be a valid X25519
/// public key (canonical, not of small order): the suites use one byte repeated, 0x41–0x45.
pub fn register_patient(key: [u8; 32]) -> RuntimeCall {
	RuntimeCall::Records(RecordsCall::register_patient { key })
}

/// An envelope of `record` for `grantee`, for treatment: a data key sealed to the grantee
/// (104 opaque bytes to the chain).
pub fn envelope_for(record: u64, grantee: &AccountId) -> RuntimeCall {
	RuntimeCall::Records(RecordsCall::add_envelope {
		record,
		grantee: grantee.clone(),
		sealed: vec![7u8; 104].try_into().unwrap(),
		purpose: PurposeOfUse::Treatment,
	})
}

/// The transaction fees paid since the events were last reset (`System::reset_events`): in a
/// block without an author (as [`start_block`] starts), the treasury receives all of them.
pub fn fees_paid() -> Balance {
	System::events()
		.into_iter()
		.filter_map(|r| match r.event {
			telemed_runtime::RuntimeEvent::TransactionPayment(
				pallet_transaction_payment::Event::TransactionFeePaid { actual_fee, .. },
			) => Some(actual_fee),
			_ => None,
		})
		.sum()
}
