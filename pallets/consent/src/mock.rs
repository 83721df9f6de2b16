//! A mock runtime for the consent pallet's unit tests, with a mock practitioner registry.

use crate as pallet_consent;
use core::cell::RefCell;
use frame_support::{
	derive_impl, parameter_types,
	traits::{ConstU128, ConstU32, ConstU64},
};
use frame_system::EnsureRoot;
use sp_runtime::BuildStorage;
use std::collections::{BTreeMap, BTreeSet};
use telemed_primitives::{
	DataCategory, KeyAgreementKey, LicenceQuery, PractitionerRegistry, RecordId, RecordInspector,
	RecordSubject,
};

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
	pub type Consent = pallet_consent;
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
	static REGISTERED: RefCell<BTreeSet<AccountId>> = RefCell::new(BTreeSet::new());
	static LICENSED: RefCell<BTreeSet<AccountId>> = RefCell::new(BTreeSet::new());
	static EMERGENCY: RefCell<BTreeSet<AccountId>> = RefCell::new(BTreeSet::new());
	static PATIENTS: RefCell<BTreeSet<AccountId>> = RefCell::new(BTreeSet::new());
	static RECORDS: RefCell<BTreeMap<RecordId, RecordSubject<AccountId>>> =
		RefCell::new(BTreeMap::new());
}

/// A practitioner registry the tests set by hand.
pub struct MockRegistry;

impl MockRegistry {
	/// Registers `who` as a practitioner, licensed or not, endorsed for emergencies or not.
	pub fn set(who: AccountId, licensed: bool, emergency: bool) {
		REGISTERED.with(|r| r.borrow_mut().insert(who));
		LICENSED.with(|l| {
			let mut l = l.borrow_mut();
			if licensed {
				l.insert(who)
			} else {
				l.remove(&who)
			}
		});
		EMERGENCY.with(|e| {
			let mut e = e.borrow_mut();
			if emergency {
				e.insert(who)
			} else {
				e.remove(&who)
			}
		});
	}
}

impl MockRegistry {
	/// `who` deregisters as a practitioner: no key, no licence, no endorsement.
	pub fn deregister(who: AccountId) {
		REGISTERED.with(|r| r.borrow_mut().remove(&who));
		LICENSED.with(|l| l.borrow_mut().remove(&who));
		EMERGENCY.with(|e| e.borrow_mut().remove(&who));
	}
}

impl PractitionerRegistry<AccountId> for MockRegistry {
	fn is_licensed(who: &AccountId, _: &LicenceQuery) -> bool {
		LICENSED.with(|l| l.borrow().contains(who))
	}
	fn may_use_emergency_access(who: &AccountId) -> bool {
		Self::is_licensed(who, &LicenceQuery::any()) && EMERGENCY.with(|e| e.borrow().contains(who))
	}
	fn key_agreement_key(who: &AccountId) -> Option<KeyAgreementKey> {
		REGISTERED.with(|r| r.borrow().contains(who)).then_some([1u8; 32])
	}
	#[cfg(feature = "runtime-benchmarks")]
	fn make_licensed(who: &AccountId, emergency: bool) {
		Self::set(*who, true, emergency);
	}
}

/// A records pallet the tests set by hand: patients, and record versions with their subject.
pub struct MockRecords;

impl MockRecords {
	/// Registers `who` as a patient.
	pub fn add_patient(who: AccountId) {
		PATIENTS.with(|p| p.borrow_mut().insert(who));
	}

	/// Adds version `version` of record `record` (its first version's id) of `patient`.
	pub fn add_version(
		version: RecordId,
		record: RecordId,
		patient: AccountId,
		category: DataCategory,
	) {
		RECORDS
			.with(|r| r.borrow_mut().insert(version, RecordSubject { patient, category, record }));
	}

	/// Adds a new record `id` (its first version) of `patient`.
	pub fn add(id: RecordId, patient: AccountId, category: DataCategory) {
		Self::add_version(id, id, patient, category);
	}

	/// Amends the record of which `previous` is a version: version `next`, same identity.
	pub fn amend(previous: RecordId, next: RecordId) {
		let subject = Self::record_subject(previous).expect("amend an existing version");
		Self::add_version(next, subject.record, subject.patient, subject.category);
	}
}

impl RecordInspector<AccountId> for MockRecords {
	fn record_subject(version: RecordId) -> Option<RecordSubject<AccountId>> {
		RECORDS.with(|r| r.borrow().get(&version).cloned())
	}
	fn is_patient(who: &AccountId) -> bool {
		PATIENTS.with(|p| p.borrow().contains(who))
	}
	#[cfg(feature = "runtime-benchmarks")]
	fn make_record(patient: &AccountId, category: DataCategory) -> RecordId {
		Self::add_patient(*patient);
		let id = RECORDS.with(|r| r.borrow().keys().next_back().map_or(0, |last| last + 1));
		Self::add(id, *patient, category);
		id
	}
}

/// The deposits.
pub const CONSENT_DEPOSIT: Balance = 10;
pub const DELEGATE_DEPOSIT: Balance = 20;
pub const EMERGENCY_DEPOSIT: Balance = 50;
/// Four hours, in milliseconds.
pub const EMERGENCY_DURATION: u64 = 4 * 3_600_000;
/// The account that receives slashed emergency deposits.
pub const TREASURY: AccountId = 1000;

parameter_types! {
	pub const SlashBeneficiary: AccountId = TREASURY;
}

impl pallet_consent::Config for Test {
	type Currency = Balances;
	type RuntimeHoldReason = RuntimeHoldReason;
	type Time = Timestamp;
	type Practitioners = MockRegistry;
	type Records = MockRecords;
	type ReviewOrigin = EnsureRoot<AccountId>;
	type SlashBeneficiary = SlashBeneficiary;
	type ConsentDeposit = ConstU128<CONSENT_DEPOSIT>;
	type DelegateDeposit = ConstU128<DELEGATE_DEPOSIT>;
	type EmergencyDeposit = ConstU128<EMERGENCY_DEPOSIT>;
	type EmergencyAccessDuration = ConstU64<EMERGENCY_DURATION>;
	type MaxConsentsPerPatient = ConstU32<4>;
	type MaxScopeItems = ConstU32<3>;
	type MaxDelegatesPerPatient = ConstU32<2>;
	type MaxPendingReviews = ConstU32<2>;
	type MaxDisclosuresPerPatient = ConstU32<3>;
	type WeightInfo = ();
}

/// A patient.
pub const PATIENT: AccountId = 1;
/// A licensed physician, endorsed for emergency care.
pub const DOC: AccountId = 10;
/// A licensed nurse, not endorsed for emergency care.
pub const NURSE: AccountId = 11;
/// A registered practitioner without a valid licence.
pub const LAPSED: AccountId = 12;
/// An insurer (an organisation, not a practitioner).
pub const INSURER: AccountId = 20;
/// A parent: the patient's delegate in some tests.
pub const PARENT: AccountId = 30;
/// An account with no funds.
pub const PAUPER: AccountId = 99;
/// Another patient.
pub const OTHER_PATIENT: AccountId = 2;
/// A laboratory record of `PATIENT` (version 1, its identity).
pub const LAB_RECORD: RecordId = 100;
/// An imaging record of `PATIENT`.
pub const IMAGING_RECORD: RecordId = 101;
/// A laboratory record of `OTHER_PATIENT`.
pub const OTHERS_RECORD: RecordId = 200;

/// Chain time at the start of every test: 2026-01-01T00:00:00Z.
pub const T0: u64 = 1_767_225_600_000;
/// One hour in milliseconds.
pub const HOUR: u64 = 3_600_000;

pub fn new_test_ext() -> sp_io::TestExternalities {
	let mut storage = frame_system::GenesisConfig::<Test>::default().build_storage().unwrap();
	pallet_balances::GenesisConfig::<Test> {
		balances: vec![
			(PATIENT, 1_000),
			(DOC, 1_000),
			(NURSE, 1_000),
			(LAPSED, 1_000),
			(INSURER, 1_000),
			(PARENT, 1_000),
			(TREASURY, 1),
		],
		..Default::default()
	}
	.assimilate_storage(&mut storage)
	.unwrap();
	let mut ext = sp_io::TestExternalities::new(storage);
	ext.execute_with(|| {
		System::set_block_number(1);
		pallet_timestamp::Now::<Test>::put(T0);
		MockRegistry::set(DOC, true, true);
		MockRegistry::set(NURSE, true, false);
		MockRegistry::set(LAPSED, false, false);
		MockRecords::add_patient(PATIENT);
		MockRecords::add_patient(OTHER_PATIENT);
		MockRecords::add(LAB_RECORD, PATIENT, DataCategory::Laboratory);
		MockRecords::add(IMAGING_RECORD, PATIENT, DataCategory::Imaging);
		MockRecords::add(OTHERS_RECORD, OTHER_PATIENT, DataCategory::Laboratory);
	});
	ext
}

/// Moves the chain's clock to `at`.
pub fn set_now(at: u64) {
	pallet_timestamp::Now::<Test>::put(at);
}
