//! A mock runtime for the prescriptions pallet's unit tests: the mock consent verifier of
//! `telemed_primitives::mocks`, and a practitioner registry that tells roles apart (the
//! shared mock's licence flag, and the roles each account is licensed for).

use crate as pallet_prescriptions;
use core::cell::RefCell;
use frame_support::{
	derive_impl,
	traits::{ConstU128, ConstU32, ConstU64},
};
use sp_runtime::BuildStorage;
use std::collections::BTreeSet;
pub use telemed_primitives::mocks::{MockConsent, MockRegistry};
use telemed_primitives::{
	mocks, KeyAgreementKey, LicenceQuery, PractitionerRegistry, PractitionerRole,
};

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
	pub type Prescriptions = pallet_prescriptions;
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

thread_local! {
	static ROLES: RefCell<BTreeSet<(AccountId, PractitionerRole)>> =
		const { RefCell::new(BTreeSet::new()) };
}

/// A practitioner registry with roles: `who` is licensed for a query when the shared mock
/// says `who` is licensed now (so a test suspends a licence with `MockRegistry::set(…,
/// false)`) and, if the query names roles, `who` holds one of them.
pub struct RoleRegistry;

impl RoleRegistry {
	/// Registers `who` as a licensed practitioner of `role` (adding to the roles it has).
	pub fn license(who: AccountId, role: PractitionerRole) {
		MockRegistry::set(who, [who as u8; 32], true);
		ROLES.with(|r| r.borrow_mut().insert((who, role)));
	}

	/// Suspends (`false`) or reinstates (`true`) every licence of `who`.
	pub fn set_valid(who: AccountId, valid: bool) {
		MockRegistry::set(who, [who as u8; 32], valid);
	}

	/// Forgets every role.
	pub fn reset() {
		ROLES.with(|r| r.borrow_mut().clear());
	}
}

impl PractitionerRegistry<AccountId> for RoleRegistry {
	fn is_licensed(who: &AccountId, query: &LicenceQuery) -> bool {
		let role = query.roles.map_or(true, |set| {
			ROLES.with(|r| {
				r.borrow().iter().any(|(holder, role)| holder == who && set.contains(*role))
			})
		});
		MockRegistry::is_licensed(who, query) && role
	}
	fn may_use_emergency_access(who: &AccountId) -> bool {
		MockRegistry::may_use_emergency_access(who)
	}
	fn key_agreement_key(who: &AccountId) -> Option<KeyAgreementKey> {
		MockRegistry::key_agreement_key(who)
	}
	#[cfg(feature = "runtime-benchmarks")]
	fn make_licensed(who: &AccountId, emergency: bool) {
		MockRegistry::make_licensed(who, emergency);
		ROLES.with(|r| r.borrow_mut().insert((*who, PractitionerRole::Physician)));
	}
	#[cfg(feature = "runtime-benchmarks")]
	fn make_licensed_as(who: &AccountId, role: PractitionerRole) {
		MockRegistry::make_licensed(who, false);
		ROLES.with(|r| r.borrow_mut().insert((*who, role)));
	}
	#[cfg(feature = "runtime-benchmarks")]
	fn make_unlicensed(who: &AccountId) {
		MockRegistry::make_unlicensed(who);
		ROLES.with(|r| r.borrow_mut().retain(|(holder, _)| holder != who));
	}
}

/// The deposit of a prescription.
pub const DEPOSIT: Balance = 10;
/// The most fills a prescription allows.
pub const MAX_FILLS: u32 = 4;
/// The longest validity: 90 days.
pub const MAX_VALIDITY: u64 = 90 * DAY;
/// The least time between two fills of a controlled substance: 7 days.
pub const MIN_REFILL_INTERVAL: u64 = 7 * DAY;
/// The longest sealed locator.
pub const MAX_LOCATOR_LEN: u32 = 16;
/// How many open prescriptions a patient may have.
pub const MAX_PER_PATIENT: u32 = 3;

impl pallet_prescriptions::Config for Test {
	type Currency = Balances;
	type RuntimeHoldReason = RuntimeHoldReason;
	type Time = Timestamp;
	type Practitioners = RoleRegistry;
	type Consent = MockConsent;
	type PrescriptionDeposit = ConstU128<DEPOSIT>;
	type MaxFills = ConstU32<MAX_FILLS>;
	type MaxValidity = ConstU64<MAX_VALIDITY>;
	type MinRefillInterval = ConstU64<MIN_REFILL_INTERVAL>;
	type MaxLocatorLen = ConstU32<MAX_LOCATOR_LEN>;
	type MaxPrescriptionsPerPatient = ConstU32<MAX_PER_PATIENT>;
	type WeightInfo = ();
}

/// A patient.
pub const PATIENT: AccountId = 1;
/// Another patient.
pub const OTHER_PATIENT: AccountId = 2;
/// A licensed physician: a prescriber.
pub const DOC: AccountId = 10;
/// A licensed midwife: a prescriber.
pub const MIDWIFE: AccountId = 11;
/// A licensed nurse: not a prescriber.
pub const NURSE: AccountId = 12;
/// Another licensed physician.
pub const OTHER_DOC: AccountId = 13;
/// A licensed pharmacist.
pub const PHARMACIST: AccountId = 20;
/// Another licensed pharmacist.
pub const OTHER_PHARMACIST: AccountId = 21;
/// Anyone.
pub const STRANGER: AccountId = 30;
/// A licensed physician with no free balance to speak of.
pub const POOR_DOC: AccountId = 40;

/// Every account's starting balance (the poor physician's aside).
pub const START: Balance = 1_000;

/// Every account the tests use, for the holds checks.
pub const ACCOUNTS: [AccountId; 10] = [
	PATIENT,
	OTHER_PATIENT,
	DOC,
	MIDWIFE,
	NURSE,
	OTHER_DOC,
	PHARMACIST,
	OTHER_PHARMACIST,
	STRANGER,
	POOR_DOC,
];

/// One hour and one day in milliseconds.
pub const HOUR: u64 = 3_600_000;
pub const DAY: u64 = 24 * HOUR;
/// Chain time at the start of every test: 2026-01-01T00:00:00Z.
pub const T0: u64 = 1_767_225_600_000;

pub fn new_test_ext() -> sp_io::TestExternalities {
	let mut storage = frame_system::GenesisConfig::<Test>::default().build_storage().unwrap();
	pallet_balances::GenesisConfig::<Test> {
		balances: ACCOUNTS
			.iter()
			.map(|who| (*who, if *who == POOR_DOC { DEPOSIT - 1 } else { START }))
			.collect(),
		..Default::default()
	}
	.assimilate_storage(&mut storage)
	.unwrap();
	let mut ext = sp_io::TestExternalities::new(storage);
	// Tests may share a thread: start every one from an empty mock world.
	mocks::reset();
	RoleRegistry::reset();
	ext.execute_with(|| {
		System::set_block_number(1);
		pallet_timestamp::Now::<Test>::put(T0);
		RoleRegistry::license(DOC, PractitionerRole::Physician);
		RoleRegistry::license(OTHER_DOC, PractitionerRole::Physician);
		RoleRegistry::license(POOR_DOC, PractitionerRole::Physician);
		RoleRegistry::license(MIDWIFE, PractitionerRole::Midwife);
		RoleRegistry::license(NURSE, PractitionerRole::Nurse);
		RoleRegistry::license(PHARMACIST, PractitionerRole::Pharmacist);
		RoleRegistry::license(OTHER_PHARMACIST, PractitionerRole::Pharmacist);
	});
	ext
}

/// Moves the chain's clock to `at`.
pub fn set_now(at: u64) {
	pallet_timestamp::Now::<Test>::put(at);
}
