//! Weights of the upstream pallets (system, balances, timestamp, transaction payment, GRANDPA,
//! utility, multisig, proxy), of the transaction extensions and of a block's and an
//! extrinsic's overhead, measured on this project's machine with `scripts/benchmark.sh runtime`
//! (frame-omni-bencher against the runtime wasm built with `runtime-benchmarks`), like the
//! Telemed pallets' own `weights.rs`; and the database's read and write prices every weight
//! adds (`paritydb_weights.rs`, `scripts/benchmark.sh storage DIR`: the node's
//! `benchmark storage` on a chain snapshot). Upstream's `SubstrateWeight` values were measured on other
//! hardware, and `()` (zero) on none.

use crate::Runtime;
use frame_support::weights::Weight;

pub mod block_weights;
pub mod extrinsic_weights;
pub mod frame_system;
pub mod frame_system_extensions;
pub mod pallet_balances;
pub mod pallet_grandpa;
pub mod pallet_multisig;
pub mod pallet_proxy;
pub mod pallet_timestamp;
pub mod pallet_transaction_payment;
pub mod pallet_utility;
pub mod paritydb_weights;

pub use block_weights::BlockExecutionWeight;

/// Storage the transaction extensions touch on a signed transaction, which their weights charge
/// at the database's price (`Storage:` in their generated files): the signer's account read and
/// written by the nonce check (r:1 w:1), the signer's and the fee recipient's by the payment
/// (r:2 w:2).
const EXTENSIONS_READS: u64 = 3;
/// See [`EXTENSIONS_READS`].
const EXTENSIONS_WRITES: u64 = 3;

/// The base weight of every extrinsic: what the overhead benchmark measured for a signed
/// `System::remark` ([`extrinsic_weights::ExtrinsicBaseWeight`]: decoding, the signature check,
/// the transaction extensions, dispatch, events; executed in memory) less the execution time
/// of the transaction extensions, which their own weights charge, so that it is not charged
/// twice (polkadot-sdk issue 9981). Their storage accesses are not in the overhead measured in
/// memory and stay charged by their weights. What remains is mostly the signature check.
pub fn extrinsic_base_weight() -> Weight {
	use ::frame_system::{Config, ExtensionsWeightInfo as _};
	use ::pallet_transaction_payment::WeightInfo as _;
	type System = frame_system_extensions::WeightInfo<Runtime>;
	type Payment = pallet_transaction_payment::WeightInfo<Runtime>;
	// The extensions of `crate::TxExtension` that weigh something on a mortal transaction, as
	// every wallet sends; `AuthorizeCall` weighs a call's `authorize` (none here) and
	// `CheckMetadataHash` nothing.
	let extensions = [
		System::check_non_zero_sender(),
		System::check_spec_version(),
		System::check_tx_version(),
		System::check_genesis(),
		System::check_mortality_mortal_transaction(),
		System::check_nonce(),
		System::check_weight(),
		Payment::charge_transaction_payment(),
		System::weight_reclaim(),
	]
	.into_iter()
	.fold(Weight::zero(), Weight::saturating_add);
	let storage =
		<Runtime as Config>::DbWeight::get().reads_writes(EXTENSIONS_READS, EXTENSIONS_WRITES);
	let execution = extensions.saturating_sub(storage);
	extrinsic_weights::ExtrinsicBaseWeight::get().saturating_sub(execution)
}

/// GRANDPA's weights from its benchmarks measured here ([`self::pallet_grandpa`]'s, written
/// with the pallets' template: the pallet's own trait is not its benchmarks').
/// `report_equivocation` is the equivocation proof's check (`check_equivocation_proof`): on
/// this chain it does nothing else (no key-owner proof decodes, `KeyOwnerProof` is `Void`, and
/// no offence is reported, `EquivocationReportSystem` is `()`), so no call of it can pass
/// decoding today.
pub struct GrandpaWeights;

impl ::pallet_grandpa::WeightInfo for GrandpaWeights {
	fn report_equivocation(validator_count: u32, _max_nominators_per_validator: u32) -> Weight {
		use self::pallet_grandpa::WeightInfo as _;
		self::pallet_grandpa::SubstrateWeight::<Runtime>::check_equivocation_proof(validator_count)
	}

	fn note_stalled() -> Weight {
		use self::pallet_grandpa::WeightInfo as _;
		self::pallet_grandpa::SubstrateWeight::<Runtime>::note_stalled()
	}
}
