//! Configuration of every pallet in the runtime.
//!
//! One file per domain once a domain grows (`governance.rs`, `telemed.rs`); the consensus,
//! currency and fee pallets stay here.

mod accounts;
mod governance;
mod telemed;
pub use accounts::*;
pub use governance::*;
pub use telemed::*;

use frame_support::{
	derive_impl,
	dispatch::DispatchClass,
	parameter_types,
	traits::{
		fungible::{Balanced, Credit},
		tokens::imbalance::ResolveTo,
		ConstBool, ConstU128, ConstU32, ConstU64, ConstU8, Imbalance, OnUnbalanced, VariantCountOf,
	},
	weights::{constants::WEIGHT_REF_TIME_PER_SECOND, ConstantMultiplier, Weight},
};
use frame_system::limits::{BlockLength, BlockWeights};
use pallet_transaction_payment::{FungibleAdapter, Multiplier, TargetedFeeAdjustment};
use sp_consensus_aura::sr25519::AuthorityId as AuraId;
use sp_runtime::{traits::One, FixedPointNumber, Perbill, Perquintill};
use sp_version::RuntimeVersion;

use super::{
	AccountId, Aura, Balance, Balances, Block, BlockNumber, Hash, Nonce, PalletInfo, Runtime,
	RuntimeCall, RuntimeEvent, RuntimeFreezeReason, RuntimeHoldReason, RuntimeOrigin, RuntimeTask,
	System, EXISTENTIAL_DEPOSIT, MICRO_UNITS, SLOT_DURATION, SS58_PREFIX, VERSION,
};

/// Share of a block that ordinary (non-operational) transactions may fill.
const NORMAL_DISPATCH_RATIO: Perbill = Perbill::from_percent(75);
/// A block's compute: two seconds of the six-second slot (proof size unbounded: a solochain).
const MAXIMUM_BLOCK_WEIGHT: Weight =
	Weight::from_parts(2u64 * WEIGHT_REF_TIME_PER_SECOND, u64::MAX);

parameter_types! {
	/// How many recent block hashes the runtime keeps (for mortal transactions).
	pub const BlockHashCount: BlockNumber = 2400;
	/// The runtime version, as `frame_system` reports it.
	pub const Version: RuntimeVersion = VERSION;

	/// Two seconds of compute in a six-second block, three quarters of it for ordinary
	/// transactions (the rest is kept for operational ones), a tenth of it expected for
	/// `on_initialize`. The base weights of a block and of an extrinsic are measured here
	/// (`crate::weights`), not upstream's constants.
	pub RuntimeBlockWeights: BlockWeights = BlockWeights::builder()
		.base_block(crate::weights::BlockExecutionWeight::get())
		.for_class(DispatchClass::all(), |weights| {
			weights.base_extrinsic = crate::weights::extrinsic_base_weight();
		})
		.for_class(DispatchClass::Normal, |weights| {
			weights.max_total = Some(NORMAL_DISPATCH_RATIO * MAXIMUM_BLOCK_WEIGHT);
		})
		.for_class(DispatchClass::Operational, |weights| {
			weights.max_total = Some(MAXIMUM_BLOCK_WEIGHT);
			let normal = NORMAL_DISPATCH_RATIO * MAXIMUM_BLOCK_WEIGHT;
			weights.reserved = Some(MAXIMUM_BLOCK_WEIGHT.saturating_sub(normal));
		})
		.avg_block_initialization(Perbill::from_percent(10))
		.build_or_panic();
	/// At most 5 MiB of extrinsics in a block.
	pub RuntimeBlockLength: BlockLength = BlockLength::builder()
		.max_length(5 * 1024 * 1024)
		.modify_max_length_for_class(DispatchClass::Normal, |max| {
			*max = NORMAL_DISPATCH_RATIO * *max
		})
		.build();
	/// The SS58 prefix addresses are shown with.
	pub const SS58Prefix: u16 = SS58_PREFIX;
}

#[derive_impl(frame_system::config_preludes::SolochainDefaultConfig)]
impl frame_system::Config for Runtime {
	type Block = Block;
	type BlockWeights = RuntimeBlockWeights;
	type BlockLength = RuntimeBlockLength;
	type AccountId = AccountId;
	type Nonce = Nonce;
	type Hash = Hash;
	type BlockHashCount = BlockHashCount;
	/// The node's database is ParityDB, its prices measured on this project's machine
	/// (`scripts/benchmark.sh storage`), not upstream's reference (8 µs a read, 50 µs a write).
	type DbWeight = crate::weights::paritydb_weights::constants::ParityDbWeight;
	type Version = Version;
	type AccountData = pallet_balances::AccountData<Balance>;
	type SS58Prefix = SS58Prefix;
	type MaxConsumers = ConstU32<16>;
	/// Measured here (`runtime/src/weights/`), like every weight below that names that module.
	type SystemWeightInfo = crate::weights::frame_system::WeightInfo<Runtime>;
	/// What the transaction extensions (nonce, mortality, weight, genesis and version checks)
	/// cost each transaction, measured here; `()` charged nothing for them.
	type ExtensionsWeightInfo = crate::weights::frame_system_extensions::WeightInfo<Runtime>;
}

impl pallet_timestamp::Config for Runtime {
	/// Milliseconds since the Unix epoch: the chain's clock for every human period.
	type Moment = u64;
	type OnTimestampSet = Aura;
	type MinimumPeriod = ConstU64<{ SLOT_DURATION / 2 }>;
	type WeightInfo = crate::weights::pallet_timestamp::WeightInfo<Runtime>;
}

impl pallet_aura::Config for Runtime {
	type AuthorityId = AuraId;
	type DisabledValidators = ();
	type MaxAuthorities = ConstU32<32>;
	type AllowMultipleBlocksPerSlot = ConstBool<false>;
	type SlotDuration = pallet_aura::MinimumPeriodTimesTwo<Runtime>;
}

impl pallet_grandpa::Config for Runtime {
	type RuntimeEvent = RuntimeEvent;
	type WeightInfo = crate::weights::GrandpaWeights;
	type MaxAuthorities = ConstU32<32>;
	type MaxNominators = ConstU32<0>;
	type MaxSetIdSessionEntries = ConstU64<0>;
	/// No equivocation reports until validators are staked and sessions are tracked.
	type KeyOwnerProof = sp_core::Void;
	type EquivocationReportSystem = ();
}

impl pallet_balances::Config for Runtime {
	type RuntimeEvent = RuntimeEvent;
	type RuntimeHoldReason = RuntimeHoldReason;
	type RuntimeFreezeReason = RuntimeFreezeReason;
	type WeightInfo = crate::weights::pallet_balances::WeightInfo<Runtime>;
	type Balance = Balance;
	type DustRemoval = ();
	type ExistentialDeposit = ConstU128<EXISTENTIAL_DEPOSIT>;
	type AccountStore = System;
	type ReserveIdentifier = [u8; 8];
	type FreezeIdentifier = RuntimeFreezeReason;
	type MaxLocks = ConstU32<50>;
	type MaxReserves = ConstU32<0>;
	type MaxFreezes = VariantCountOf<RuntimeFreezeReason>;
	type DoneSlashHandler = ();
}

parameter_types! {
	/// What a unit of weight costs: ten planck per picosecond of reference compute, so a full
	/// block of ordinary transactions (1.5 s of compute) costs 15 MED before the multiplier.
	pub const WeightFee: Balance = 10;
	/// What a byte of transaction costs: 10 µMED, so the largest ordinary block (3.75 MiB)
	/// costs about 39 MED in length alone, whether its calls succeed or fail.
	pub const LengthFee: Balance = 10 * MICRO_UNITS;
	/// The fee multiplier aims at blocks a quarter full: above that it rises, below it falls.
	pub const TargetBlockFullness: Perquintill = Perquintill::from_percent(25);
	/// How fast the multiplier moves: with this value a run of full blocks roughly doubles fees
	/// in about 2 000 blocks (3.5 hours), as on Polkadot.
	pub AdjustmentVariable: Multiplier = Multiplier::saturating_from_rational(75, 1_000_000);
	/// Fees never fall below their base price: an idle chain does not make spam cheap.
	pub MinimumMultiplier: Multiplier = Multiplier::one();
	/// Congestion may raise fees up to a hundred thousand times their base price.
	pub MaximumMultiplier: Multiplier = Multiplier::saturating_from_integer(100_000);
}

/// Where transaction fees go: [`FEES_TO_TREASURY_PERCENT`] % of each fee to the treasury (which
/// the council spends), the rest of the fee and the whole tip to the block's author. Nothing is
/// burnt; an author who fills blocks with its own transactions still pays the treasury's part.
pub struct DealWithFees;

/// The treasury's share of every transaction fee, in percent; tips go to the author in full.
pub const FEES_TO_TREASURY_PERCENT: u32 = 80;

impl OnUnbalanced<Credit<AccountId, Balances>> for DealWithFees {
	fn on_unbalanceds(mut fees_then_tips: impl Iterator<Item = Credit<AccountId, Balances>>) {
		let Some(fees) = fees_then_tips.next() else { return };
		let (to_treasury, mut to_author) =
			fees.ration(FEES_TO_TREASURY_PERCENT, 100 - FEES_TO_TREASURY_PERCENT);
		for tip in fees_then_tips {
			tip.merge_into(&mut to_author);
		}
		ResolveTo::<TreasuryAccount, Balances>::on_unbalanced(to_treasury);
		// No author (a block built without Aura's digest, as in some tests): the treasury.
		// A credit that cannot be resolved (an account that does not exist, a credit below the
		// existential deposit) is dropped, i.e. burnt.
		match pallet_authorship::Pallet::<Runtime>::author() {
			Some(author) => {
				let _ = <Balances as Balanced<AccountId>>::resolve(&author, to_author);
			},
			None => ResolveTo::<TreasuryAccount, Balances>::on_unbalanced(to_author),
		}
	}
}

impl pallet_transaction_payment::Config for Runtime {
	type RuntimeEvent = RuntimeEvent;
	/// Fees are withdrawn from the signer and shared by the treasury and the block author.
	type OnChargeTransaction = FungibleAdapter<Balances, DealWithFees>;
	type OperationalFeeMultiplier = ConstU8<5>;
	type WeightToFee = ConstantMultiplier<Balance, WeightFee>;
	type LengthToFee = ConstantMultiplier<Balance, LengthFee>;
	type FeeMultiplierUpdate = TargetedFeeAdjustment<
		Self,
		TargetBlockFullness,
		AdjustmentVariable,
		MinimumMultiplier,
		MaximumMultiplier,
	>;
	type WeightInfo = crate::weights::pallet_transaction_payment::WeightInfo<Runtime>;
}

impl pallet_authorship::Config for Runtime {
	/// The author is the session validator whose Aura slot it is.
	type FindAuthor = pallet_session::FindAccountFromAuthorIndex<Self, Aura>;
	type EventHandler = ();
}

impl pallet_sudo::Config for Runtime {
	type RuntimeEvent = RuntimeEvent;
	type RuntimeCall = RuntimeCall;
	type WeightInfo = pallet_sudo::weights::SubstrateWeight<Runtime>;
}
