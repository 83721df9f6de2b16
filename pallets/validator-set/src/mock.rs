//! A mock runtime for the validator-set pallet's unit tests, with session-key registration set
//! by hand.

use crate as pallet_validator_set;
use core::cell::RefCell;
use frame_support::{derive_impl, traits::ConstU32};
use frame_system::EnsureRoot;
use sp_runtime::BuildStorage;
use std::collections::BTreeSet;

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
	pub type ValidatorSet = pallet_validator_set;
}

#[derive_impl(frame_system::config_preludes::TestDefaultConfig)]
impl frame_system::Config for Test {
	type Block = Block;
}

thread_local! {
	static REGISTERED: RefCell<BTreeSet<AccountId>> = RefCell::new(BTreeSet::new());
}

/// Session-key registration the tests set by hand.
pub struct MockKeys;

impl MockKeys {
	/// `who` registers session keys.
	pub fn register(who: AccountId) {
		REGISTERED.with(|r| r.borrow_mut().insert(who));
	}
}

impl frame_support::traits::ValidatorRegistration<AccountId> for MockKeys {
	fn is_registered(who: &AccountId) -> bool {
		REGISTERED.with(|r| r.borrow().contains(who))
	}
}

#[cfg(feature = "runtime-benchmarks")]
impl crate::BenchmarkHelper<AccountId> for MockKeys {
	fn register_keys(who: &AccountId) {
		Self::register(*who);
	}
}

/// The bounds.
pub const MAX_VALIDATORS: u32 = 5;
pub const MIN_VALIDATORS: u32 = 2;

impl pallet_validator_set::Config for Test {
	type AddRemoveOrigin = EnsureRoot<AccountId>;
	type ValidatorRegistration = MockKeys;
	type MaxValidators = ConstU32<MAX_VALIDATORS>;
	type MinValidators = ConstU32<MIN_VALIDATORS>;
	type WeightInfo = ();
	#[cfg(feature = "runtime-benchmarks")]
	type BenchmarkHelper = MockKeys;
}

/// The genesis validators.
pub const ALICE: AccountId = 1;
pub const BOB: AccountId = 2;
pub const CHARLIE: AccountId = 3;
/// A node operator who registered keys but is not a validator.
pub const DAVE: AccountId = 4;
/// An account without session keys.
pub const EVE: AccountId = 5;

pub fn new_test_ext() -> sp_io::TestExternalities {
	let mut storage = frame_system::GenesisConfig::<Test>::default().build_storage().unwrap();
	pallet_validator_set::GenesisConfig::<Test> { validators: vec![CHARLIE, ALICE, BOB] }
		.assimilate_storage(&mut storage)
		.unwrap();
	REGISTERED.with(|r| r.borrow_mut().clear());
	let mut ext = sp_io::TestExternalities::new(storage);
	ext.execute_with(|| {
		System::set_block_number(1);
		for who in [ALICE, BOB, CHARLIE, DAVE] {
			MockKeys::register(who);
		}
	});
	ext
}
