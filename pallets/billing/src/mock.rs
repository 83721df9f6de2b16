//! A mock runtime for the billing pallet's unit tests, with the mock practitioner registry,
//! consent verifier, delegations and consents of `telemed_primitives::mocks`.

use crate as pallet_billing;
use frame_support::{
	derive_impl, parameter_types,
	traits::{ConstU128, ConstU32, ConstU64},
};
use frame_system::EnsureRoot;
use sp_runtime::{BuildStorage, Permill};
use telemed_primitives::mocks;
pub use telemed_primitives::mocks::{MockConsent, MockRegistry};

type Block = frame_system::mocking::MockBlock<Test>;
pub type AccountId = mocks::AccountId;
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
	pub type Billing = pallet_billing;
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

/// The service deposit.
pub const SERVICE_DEPOSIT: Balance = 5;
/// The dispute window: two days.
pub const DISPUTE_WINDOW: u64 = 2 * DAY;
/// The insurer's deadline: thirty days.
pub const CLAIM_DEADLINE: u64 = 30 * DAY;
/// How long after a visit's end an undelivered visit is a no-show: one day.
pub const NO_SHOW_GRACE: u64 = DAY;
/// The bond of a dispute.
pub const DISPUTE_BOND: Balance = 50;
/// The arbiter's deadline: fourteen days.
pub const DISPUTE_DEADLINE: u64 = 14 * DAY;
/// The deposit of a consultation.
pub const CONSULTATION_DEPOSIT: Balance = 3;
/// The account that receives the network fee.
pub const FEES: AccountId = 1000;

parameter_types! {
	pub const FeeDestination: AccountId = FEES;
	/// 2 % of every payout.
	pub const NetworkFee: Permill = Permill::from_percent(2);
	/// Half the price for a late cancellation.
	pub const CancellationFee: Permill = Permill::from_percent(50);
}

impl pallet_billing::Config for Test {
	type Currency = Balances;
	type RuntimeHoldReason = RuntimeHoldReason;
	type Time = Timestamp;
	type Practitioners = MockRegistry;
	type Consent = MockConsent;
	type Delegation = MockConsent;
	type GovernanceOrigin = EnsureRoot<AccountId>;
	type ArbiterOrigin = EnsureRoot<AccountId>;
	type FeeDestination = FeeDestination;
	type NetworkFee = NetworkFee;
	type CancellationFee = CancellationFee;
	type ServiceDeposit = ConstU128<SERVICE_DEPOSIT>;
	type DisputeWindow = ConstU64<DISPUTE_WINDOW>;
	type ClaimDeadline = ConstU64<CLAIM_DEADLINE>;
	type NoShowGrace = ConstU64<NO_SHOW_GRACE>;
	type DisputeBond = ConstU128<DISPUTE_BOND>;
	type DisputeDeadline = ConstU64<DISPUTE_DEADLINE>;
	type ConsultationDeposit = ConstU128<CONSULTATION_DEPOSIT>;
	type MaxNameLen = ConstU32<16>;
	type MaxCovered = ConstU32<3>;
	type MaxServices = ConstU32<3>;
	type MaxOpenConsultations = ConstU32<4>;
	type WeightInfo = ();
}

/// A patient.
pub const PATIENT: AccountId = 1;
/// Another patient.
pub const OTHER_PATIENT: AccountId = 2;
/// A parent: the patient's delegate with `BookCare` in some tests.
pub const PARENT: AccountId = 3;
/// A licensed physician who publishes services.
pub const DOC: AccountId = 10;
/// Another licensed practitioner.
pub const NURSE: AccountId = 11;
/// A registered practitioner whose licence lapsed.
pub const LAPSED: AccountId = 12;
/// An insurer (registered in `new_test_ext`, pool 10 000).
pub const INSURER: AccountId = 20;
/// Another insurer (registered, pool 10 000).
pub const OTHER_INSURER: AccountId = 21;
/// Anyone.
pub const STRANGER: AccountId = 30;

/// Every account's starting balance.
pub const START: Balance = 100_000;
/// The starting pools.
pub const POOL: Balance = 10_000;

/// One hour and one day in milliseconds.
pub const HOUR: u64 = 3_600_000;
pub const DAY: u64 = 24 * HOUR;
/// Chain time at the start of every test: 2026-01-01T00:00:00Z.
pub const T0: u64 = 1_767_225_600_000;

/// The physician's services: a video consultation (1 000, 30 min) and a follow-up.
pub const VIDEO: &[u8] = b"99213";
pub const FOLLOW_UP: &[u8] = b"99212";
pub const VIDEO_PRICE: Balance = 1_000;

/// Every account the tests use, for conservation checks.
pub const ACCOUNTS: [AccountId; 11] = [
	PATIENT,
	OTHER_PATIENT,
	PARENT,
	DOC,
	NURSE,
	LAPSED,
	INSURER,
	OTHER_INSURER,
	STRANGER,
	FEES,
	99,
];

pub fn new_test_ext() -> sp_io::TestExternalities {
	let mut storage = frame_system::GenesisConfig::<Test>::default().build_storage().unwrap();
	pallet_balances::GenesisConfig::<Test> {
		balances: ACCOUNTS.iter().map(|who| (*who, if *who == FEES { 1 } else { START })).collect(),
		..Default::default()
	}
	.assimilate_storage(&mut storage)
	.unwrap();
	let mut ext = sp_io::TestExternalities::new(storage);
	// Tests may share a thread: start every one from an empty mock world.
	mocks::reset();
	ext.execute_with(|| {
		System::set_block_number(1);
		pallet_timestamp::Now::<Test>::put(T0);
		MockRegistry::set(DOC, [1u8; 32], true);
		MockRegistry::set(NURSE, [2u8; 32], true);
		MockRegistry::set(LAPSED, [3u8; 32], false);
		let origin = RuntimeOrigin::signed(DOC);
		Billing::set_service(
			origin.clone(),
			code(VIDEO),
			description(b"Video consultation"),
			VIDEO_PRICE,
			HOUR / 2,
		)
		.unwrap();
		Billing::set_service(origin, code(FOLLOW_UP), description(b"Follow-up"), 400, HOUR / 4)
			.unwrap();
		for insurer in [INSURER, OTHER_INSURER] {
			Billing::register_insurer(RuntimeOrigin::root(), insurer, bounded(b"Insurer")).unwrap();
			Billing::fund_pool(RuntimeOrigin::signed(insurer), POOL).unwrap();
		}
		System::reset_events();
	});
	ext
}

/// A service code (panics if too long: test input).
pub fn code(c: &[u8]) -> crate::ServiceCode {
	c.to_vec().try_into().expect("a short code")
}

/// The hash of a service's description, as a client computes it (the text stays off chain).
pub fn description(text: &[u8]) -> telemed_primitives::Hash256 {
	sp_io::hashing::blake2_256(text)
}

/// Bounded bytes (a name; panics if too long: test input).
pub fn bounded<S: frame_support::traits::Get<u32>>(b: &[u8]) -> frame_support::BoundedVec<u8, S> {
	b.to_vec().try_into().expect("short input")
}

/// Moves the chain's clock to `at`.
pub fn set_now(at: u64) {
	pallet_timestamp::Now::<Test>::put(at);
}
