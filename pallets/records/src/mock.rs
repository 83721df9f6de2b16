//! A mock runtime for the records pallet's unit tests, with the mock practitioner registry,
//! consent verifier, delegations and disclosure log of `telemed_primitives::mocks`.

use crate as pallet_records;
use frame_support::{
	derive_impl,
	traits::{ConstU128, ConstU32},
};
use sp_runtime::BuildStorage;
pub use telemed_primitives::mocks::{MockConsent, MockRegistry};
use telemed_primitives::{mocks, KeyAgreementKey};

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
	pub type Records = pallet_records;
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

/// The deposits.
pub const PATIENT_DEPOSIT: Balance = 100;
pub const RECORD_DEPOSIT: Balance = 10;
pub const ENVELOPE_DEPOSIT: Balance = 3;
pub const DEVICE_DEPOSIT: Balance = 20;
/// The bounds.
pub const MAX_LOCATOR: u32 = 16;
pub const MAX_ENVELOPE: u32 = 80;
pub const MAX_RECORDS: u32 = 6;
pub const MAX_VERSIONS: u32 = 3;
pub const MAX_ENVELOPES: u32 = 2;
pub const MAX_GRANTEE_ENVELOPES: u32 = 4;
pub const MAX_REVOCATION_QUEUE: u32 = 2;

impl pallet_records::Config for Test {
	type Currency = Balances;
	type RuntimeHoldReason = RuntimeHoldReason;
	type Time = Timestamp;
	type Practitioners = MockRegistry;
	type Consent = MockConsent;
	type Delegation = MockConsent;
	type Disclosures = MockConsent;
	type PatientDeposit = ConstU128<PATIENT_DEPOSIT>;
	type RecordDeposit = ConstU128<RECORD_DEPOSIT>;
	type EnvelopeDeposit = ConstU128<ENVELOPE_DEPOSIT>;
	type DeviceDeposit = ConstU128<DEVICE_DEPOSIT>;
	type MaxLocatorLen = ConstU32<MAX_LOCATOR>;
	type MaxEnvelopeLen = ConstU32<MAX_ENVELOPE>;
	type MaxRecordsPerPatient = ConstU32<MAX_RECORDS>;
	type MaxVersions = ConstU32<MAX_VERSIONS>;
	type MaxEnvelopesPerRecord = ConstU32<MAX_ENVELOPES>;
	type MaxEnvelopesPerGrantee = ConstU32<MAX_GRANTEE_ENVELOPES>;
	type MaxDevicesPerPatient = ConstU32<2>;
	type MaxRevocationQueue = ConstU32<MAX_REVOCATION_QUEUE>;
	type WeightInfo = ();
}

/// A patient (registered in `new_test_ext`).
pub const PATIENT: AccountId = 1;
/// Another registered patient.
pub const OTHER_PATIENT: AccountId = 2;
/// A parent: the patient's delegate in some tests (registered as a patient too, for a key).
pub const PARENT: AccountId = 3;
/// A licensed physician.
pub const DOC: AccountId = 10;
/// A licensed nurse.
pub const NURSE: AccountId = 11;
/// A registered practitioner whose licence lapsed.
pub const LAPSED: AccountId = 12;
/// An account that is neither patient nor practitioner (e.g. an insurer).
pub const STRANGER: AccountId = 20;
/// A wearable's account.
pub const WATCH: AccountId = 40;
/// Another wearable's account.
pub const RING: AccountId = 41;
/// An account with only the existential deposit once set up.
pub const PAUPER: AccountId = 99;

/// The practitioners' key-agreement keys.
pub const DOC_KEY: KeyAgreementKey = [0xd0; 32];
pub const NURSE_KEY: KeyAgreementKey = [0x5e; 32];
/// The patient's key-agreement key.
pub const PATIENT_KEY: KeyAgreementKey = [0x21; 32];

/// Chain time at the start of every test: 2026-01-01T00:00:00Z.
pub const T0: u64 = 1_767_225_600_000;

pub fn new_test_ext() -> sp_io::TestExternalities {
	let mut storage = frame_system::GenesisConfig::<Test>::default().build_storage().unwrap();
	pallet_balances::GenesisConfig::<Test> {
		balances: [PATIENT, OTHER_PATIENT, PARENT, DOC, NURSE, LAPSED, STRANGER, WATCH, RING]
			.into_iter()
			.map(|who| (who, 1_000))
			.chain([(PAUPER, 1_000)])
			.collect(),
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
		MockRegistry::set(DOC, DOC_KEY, true);
		MockRegistry::set(NURSE, NURSE_KEY, true);
		MockRegistry::set(LAPSED, [0x1a; 32], false);
		for (who, key) in
			[(PATIENT, PATIENT_KEY), (OTHER_PATIENT, [0x22; 32]), (PARENT, [0x23; 32])]
		{
			Records::register_patient(RuntimeOrigin::signed(who), key).unwrap();
		}
	});
	ext
}

/// Moves the chain's clock to `at`.
pub fn set_now(at: u64) {
	pallet_timestamp::Now::<Test>::put(at);
}
