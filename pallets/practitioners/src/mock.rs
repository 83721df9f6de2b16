//! A mock runtime for the practitioners pallet's unit tests.

use crate as pallet_practitioners;
use frame_support::{
	derive_impl, parameter_types,
	traits::{ConstU128, ConstU32},
	weights::Weight,
};
use frame_system::EnsureRoot;
use sp_runtime::BuildStorage;

type Block = frame_system::mocking::MockBlock<Test>;
pub type AccountId = u64;
pub type Balance = u128;

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
	pub type Timestamp = pallet_timestamp;
	#[runtime::pallet_index(2)]
	pub type Balances = pallet_balances;
	#[runtime::pallet_index(3)]
	pub type Practitioners = pallet_practitioners;
}

#[derive_impl(frame_system::config_preludes::TestDefaultConfig)]
impl frame_system::Config for Test {
	type Block = Block;
	type AccountData = pallet_balances::AccountData<Balance>;
}

#[derive_impl(pallet_balances::config_preludes::TestDefaultConfig)]
impl pallet_balances::Config for Test {
	type Balance = Balance;
	type ExistentialDeposit = ConstU128<1>;
	type AccountStore = System;
	type RuntimeHoldReason = RuntimeHoldReason;
}

#[derive_impl(pallet_timestamp::config_preludes::TestDefaultConfig)]
impl pallet_timestamp::Config for Test {}

/// How many authorities may be accredited at once.
pub const MAX_AUTHORITIES: u32 = 8;

/// The deposit a practitioner pays.
pub const DEPOSIT: Balance = 100;

parameter_types! {
	pub const RegistrationDeposit: Balance = DEPOSIT;
}

impl pallet_practitioners::Config for Test {
	type Currency = Balances;
	type RuntimeHoldReason = RuntimeHoldReason;
	type Time = Timestamp;
	type GovernanceOrigin = EnsureRoot<AccountId>;
	type RegistrationDeposit = RegistrationDeposit;
	type MaxNameLength = ConstU32<32>;
	type MaxRoles = ConstU32<3>;
	type MaxSpecialties = ConstU32<3>;
	type MaxJurisdictionsPerAuthority = ConstU32<3>;
	type MaxAuthorities = ConstU32<MAX_AUTHORITIES>;
	type MaxLicencesPerPractitioner = ConstU32<4>;
	type LicenceRevocation = MockRevocation;
	type WeightInfo = ();
}

thread_local! {
	static REVOKED: core::cell::RefCell<Vec<AccountId>> = const { core::cell::RefCell::new(Vec::new()) };
}

/// What [`MockRevocation`] charges for each report.
pub const REPORT_WEIGHT: Weight = Weight::from_parts(1_000, 10);

/// Records the holders reported as having a licence ended for good, in order.
pub struct MockRevocation;

impl MockRevocation {
	/// The holders reported since the test began.
	pub fn reported() -> Vec<AccountId> {
		REVOKED.with(|r| r.borrow().clone())
	}
}

impl telemed_primitives::LicenceRevocation<AccountId> for MockRevocation {
	fn licence_revoked(holder: &AccountId) -> Weight {
		REVOKED.with(|r| r.borrow_mut().push(*holder));
		REPORT_WEIGHT
	}
	fn licence_revoked_weight() -> Weight {
		REPORT_WEIGHT
	}
}

/// A medical board accredited for `FR` and `GB-ENG`.
pub const BOARD: AccountId = 1;
/// A second board, accredited for `US-CA`.
pub const OTHER_BOARD: AccountId = 2;
/// A practitioner with funds.
pub const DOC: AccountId = 10;
/// Another practitioner with funds.
pub const NURSE: AccountId = 11;
/// An account with no funds.
pub const PAUPER: AccountId = 99;

/// Chain time at the start of every test: 2026-01-01T00:00:00Z.
pub const T0: u64 = 1_767_225_600_000;
/// One day in milliseconds.
pub const DAY: u64 = 86_400_000;

pub fn new_test_ext() -> sp_io::TestExternalities {
	let mut storage = frame_system::GenesisConfig::<Test>::default().build_storage().unwrap();
	pallet_balances::GenesisConfig::<Test> {
		balances: vec![(BOARD, 1_000), (OTHER_BOARD, 1_000), (DOC, 1_000), (NURSE, 1_000)],
		..Default::default()
	}
	.assimilate_storage(&mut storage)
	.unwrap();
	let mut ext = sp_io::TestExternalities::new(storage);
	// Tests may share a thread: start every one with nothing reported.
	REVOKED.with(|r| r.borrow_mut().clear());
	ext.execute_with(|| {
		System::set_block_number(1);
		Timestamp::set_timestamp(T0);
	});
	ext
}

/// Moves the chain's clock to `at`.
pub fn set_now(at: u64) {
	pallet_timestamp::Now::<Test>::put(at);
}
