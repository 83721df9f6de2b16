//! A mock runtime for the upgrades pallet's unit tests: the real scheduler and preimage
//! pallets; account 1 is "the council", 2 "the technical committee".

use crate as pallet_upgrades;
use frame_support::{
	derive_impl, ord_parameter_types, parameter_types,
	traits::{ConstU32, ConstU64, EitherOfDiverse, EqualPrivilegeOnly, OnFinalize, OnInitialize},
	weights::Weight,
};
use frame_system::{EnsureRoot, EnsureSignedBy};
use sp_runtime::BuildStorage;

type Block = frame_system::mocking::MockBlock<Test>;
pub type AccountId = u64;

#[frame_support::runtime]
mod runtime {
	#[runtime::runtime]
	#[runtime::derive(
		RuntimeCall,
		RuntimeEvent,
		RuntimeError,
		RuntimeOrigin,
		RuntimeFreezeReason,
		RuntimeHoldReason,
		RuntimeSlashReason,
		RuntimeLockId,
		RuntimeTask,
		RuntimeViewFunction
	)]
	pub struct Test;

	#[runtime::pallet_index(0)]
	pub type System = frame_system;
	#[runtime::pallet_index(1)]
	pub type Preimage = pallet_preimage;
	#[runtime::pallet_index(2)]
	pub type Scheduler = pallet_scheduler;
	#[runtime::pallet_index(3)]
	pub type Upgrades = pallet_upgrades;
}

#[derive_impl(frame_system::config_preludes::TestDefaultConfig)]
impl frame_system::Config for Test {
	type Block = Block;
}

impl pallet_preimage::Config for Test {
	type RuntimeEvent = RuntimeEvent;
	type WeightInfo = ();
	type Currency = ();
	type ManagerOrigin = EnsureRoot<AccountId>;
	type Consideration = ();
}

parameter_types! {
	pub MaximumSchedulerWeight: Weight = Weight::from_parts(1_000_000_000_000, u64::MAX);
}

impl pallet_scheduler::Config for Test {
	type RuntimeEvent = RuntimeEvent;
	type RuntimeOrigin = RuntimeOrigin;
	type PalletsOrigin = OriginCaller;
	type RuntimeCall = RuntimeCall;
	type MaximumWeight = MaximumSchedulerWeight;
	type ScheduleOrigin = EnsureRoot<AccountId>;
	type OriginPrivilegeCmp = EqualPrivilegeOnly;
	type MaxScheduledPerBlock = ConstU32<10>;
	type WeightInfo = ();
	type Preimages = Preimage;
	type BlockNumberProvider = System;
}

pub const COUNCIL: AccountId = 1;
pub const TECHNICAL: AccountId = 2;
pub const STRANGER: AccountId = 3;
/// The timelock.
pub const DELAY: u64 = 10;
/// How long an authorisation stays valid unapplied.
pub const WINDOW: u64 = 5;

ord_parameter_types! {
	pub const Council: AccountId = COUNCIL;
	pub const Technical: AccountId = TECHNICAL;
}

impl pallet_upgrades::Config for Test {
	type RuntimeCall = RuntimeCall;
	type PalletsOrigin = OriginCaller;
	type Scheduler = Scheduler;
	type Preimages = Preimage;
	type ScheduleOrigin = EnsureSignedBy<Council, AccountId>;
	type FastTrackOrigin = EnsureSignedBy<Technical, AccountId>;
	type CancelOrigin =
		EitherOfDiverse<EnsureSignedBy<Council, AccountId>, EnsureSignedBy<Technical, AccountId>>;
	type UpgradeDelay = ConstU64<DELAY>;
	type AuthorizationWindow = ConstU64<WINDOW>;
	type WeightInfo = ();
}

pub fn new_test_ext() -> sp_io::TestExternalities {
	let storage = frame_system::GenesisConfig::<Test>::default().build_storage().unwrap();
	let mut ext = sp_io::TestExternalities::new(storage);
	ext.execute_with(|| System::set_block_number(1));
	ext
}

/// Runs blocks up to and including `n`.
pub fn run_to(n: u64) {
	while System::block_number() < n {
		let next = System::block_number() + 1;
		Scheduler::on_finalize(System::block_number());
		System::set_block_number(next);
		Scheduler::on_initialize(next);
		Upgrades::on_initialize(next);
		Upgrades::do_try_state(next).expect("the upgrades pallet's invariants hold");
	}
}
