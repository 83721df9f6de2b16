//! The pallets whose benchmarks the runtime exposes to `benchmark pallet` / frame-omni-bencher.
//!
//! `define_benchmarks!` makes the `list_benchmarks!` and `add_benchmarks!` macros that
//! `apis.rs` calls (this module is `#[macro_use]`, declared before `apis`); the pallet names
//! below are resolved where they are called, so `apis.rs` imports them.

pub use frame_benchmarking::baseline::Pallet as BaselineBench;
pub use frame_system_benchmarking::{
	extensions::Pallet as SystemExtensionsBench, Pallet as SystemBench,
};

use crate::Runtime;

impl frame_benchmarking::baseline::Config for Runtime {}
impl frame_system_benchmarking::Config for Runtime {}
impl pallet_transaction_payment::BenchmarkConfig for Runtime {}

frame_benchmarking::define_benchmarks!(
	[frame_benchmarking, BaselineBench::<Runtime>]
	[frame_system, SystemBench::<Runtime>]
	[frame_system_extensions, SystemExtensionsBench::<Runtime>]
	[pallet_balances, Balances]
	[pallet_transaction_payment, TransactionPayment]
	[pallet_timestamp, Timestamp]
	[pallet_grandpa, Grandpa]
	[pallet_utility, Utility]
	[pallet_multisig, Multisig]
	[pallet_proxy, Proxy]
	[pallet_sudo, Sudo]
	[pallet_practitioners, Practitioners]
	[pallet_consent, Consent]
	[pallet_records, Records]
	[pallet_billing, Billing]
	[pallet_prescriptions, Prescriptions]
	[pallet_validator_set, ValidatorSet]
	[pallet_upgrades, Upgrades]
);
