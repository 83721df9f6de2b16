//! A mock runtime for the records pallet's unit tests, with a mock practitioner registry,
//! consent verifier, delegations and disclosure log that the tests set by hand.

use crate as pallet_records;
use core::cell::RefCell;
use frame_support::{
	derive_impl,
	traits::{ConstU128, ConstU32},
};
use sp_runtime::BuildStorage;
use std::collections::{BTreeMap, BTreeSet};
use telemed_primitives::{
	AccessAction, AccessBasis, AccessDenial, ConsentVerifier, DataCategory, DelegateScope,
	DelegationInspector, Disclosure, DisclosureLog, KeyAgreementKey, LicenceQuery,
	PractitionerRegistry, PurposeOfUse, RecordId,
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

/// A consent in the mock: `(accessor, patient, action, purpose)`, optionally for one category.
type Grant = (AccountId, AccountId, AccessAction, PurposeOfUse);

thread_local! {
	static PRACTITIONERS: RefCell<BTreeMap<AccountId, KeyAgreementKey>> =
		RefCell::new(BTreeMap::new());
	static LICENSED: RefCell<BTreeSet<AccountId>> = RefCell::new(BTreeSet::new());
	static PERMITS: RefCell<BTreeMap<Grant, Option<DataCategory>>> = RefCell::new(BTreeMap::new());
	static DENIES: RefCell<BTreeSet<Grant>> = RefCell::new(BTreeSet::new());
	static DELEGATES: RefCell<BTreeSet<(AccountId, AccountId)>> = RefCell::new(BTreeSet::new());
	static DISCLOSURES: RefCell<Vec<Disclosure<AccountId>>> = RefCell::new(Vec::new());
}

/// A practitioner registry the tests set by hand.
pub struct MockRegistry;

impl MockRegistry {
	/// Registers `who` as a practitioner with `key`, licensed or not.
	pub fn set(who: AccountId, key: KeyAgreementKey, licensed: bool) {
		PRACTITIONERS.with(|p| p.borrow_mut().insert(who, key));
		LICENSED.with(|l| {
			let mut l = l.borrow_mut();
			if licensed {
				l.insert(who)
			} else {
				l.remove(&who)
			}
		});
	}
}

impl PractitionerRegistry<AccountId> for MockRegistry {
	fn is_licensed(who: &AccountId, _: &LicenceQuery) -> bool {
		LICENSED.with(|l| l.borrow().contains(who))
	}
	fn may_use_emergency_access(who: &AccountId) -> bool {
		Self::is_licensed(who, &LicenceQuery::any())
	}
	fn key_agreement_key(who: &AccountId) -> Option<KeyAgreementKey> {
		PRACTITIONERS.with(|p| p.borrow().get(who).copied())
	}
	#[cfg(feature = "runtime-benchmarks")]
	fn make_licensed(who: &AccountId, _: bool) {
		Self::set(*who, [7u8; 32], true);
	}
}

/// A consent verifier the tests set by hand. It follows the consent pallet's rule: the
/// patient, then delegates, then denies, then permits (a practitioner's only while licensed).
pub struct MockConsent;

impl MockConsent {
	/// `patient` permits `accessor` to perform `action` for `purpose`, on all data or on one
	/// category.
	pub fn permit(
		accessor: AccountId,
		patient: AccountId,
		action: AccessAction,
		purpose: PurposeOfUse,
		category: Option<DataCategory>,
	) {
		PERMITS.with(|p| p.borrow_mut().insert((accessor, patient, action, purpose), category));
	}

	/// `patient` withdraws every permit of `accessor`.
	pub fn revoke(accessor: AccountId, patient: AccountId) {
		PERMITS
			.with(|p| p.borrow_mut().retain(|(a, p, _, _), _| !(*a == accessor && *p == patient)));
	}

	/// `patient` denies `accessor` `action` for `purpose`.
	pub fn deny(
		accessor: AccountId,
		patient: AccountId,
		action: AccessAction,
		purpose: PurposeOfUse,
	) {
		DENIES.with(|d| d.borrow_mut().insert((accessor, patient, action, purpose)));
	}

	/// `patient` appoints `agent` with `AccessRecords`.
	pub fn delegate(patient: AccountId, agent: AccountId) {
		DELEGATES.with(|d| d.borrow_mut().insert((patient, agent)));
	}

	/// The disclosures logged so far.
	pub fn disclosures() -> Vec<Disclosure<AccountId>> {
		DISCLOSURES.with(|d| d.borrow().clone())
	}
}

impl ConsentVerifier<AccountId> for MockConsent {
	fn check_access(
		accessor: &AccountId,
		patient: &AccountId,
		action: AccessAction,
		category: DataCategory,
		_: Option<RecordId>,
		purpose: PurposeOfUse,
	) -> Result<AccessBasis, AccessDenial> {
		if accessor == patient {
			return Ok(AccessBasis::Patient);
		}
		if DELEGATES.with(|d| d.borrow().contains(&(*patient, *accessor))) {
			return Ok(AccessBasis::Delegate);
		}
		let key = (*accessor, *patient, action, purpose);
		if DENIES.with(|d| d.borrow().contains(&key)) {
			return Err(AccessDenial::ExplicitlyDenied(0));
		}
		let permitted = PERMITS
			.with(|p| p.borrow().get(&key).is_some_and(|c| c.map_or(true, |c| c == category)));
		if !permitted {
			return Err(AccessDenial::NoConsent);
		}
		let practitioner = MockRegistry::key_agreement_key(accessor).is_some();
		if practitioner && !MockRegistry::is_licensed(accessor, &LicenceQuery::any()) {
			return Err(AccessDenial::NotLicensed);
		}
		Ok(AccessBasis::Consent(1))
	}

	#[cfg(feature = "runtime-benchmarks")]
	fn make_permitted(
		accessor: &AccountId,
		patient: &AccountId,
		action: AccessAction,
		purpose: PurposeOfUse,
	) {
		MockRegistry::make_licensed(accessor, false);
		Self::permit(*accessor, *patient, action, purpose, None);
	}
}

impl DelegationInspector<AccountId> for MockConsent {
	fn is_delegate(patient: &AccountId, agent: &AccountId, scope: DelegateScope) -> bool {
		scope == DelegateScope::AccessRecords
			&& DELEGATES.with(|d| d.borrow().contains(&(*patient, *agent)))
	}
}

impl DisclosureLog<AccountId> for MockConsent {
	fn note_disclosure(
		disclosure: Disclosure<AccountId>,
	) -> frame_support::dispatch::DispatchResult {
		DISCLOSURES.with(|d| d.borrow_mut().push(disclosure));
		Ok(())
	}
}

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
	type MaxResourceTypeLen = ConstU32<20>;
	type MaxLocatorLen = ConstU32<MAX_LOCATOR>;
	type MaxEnvelopeLen = ConstU32<MAX_ENVELOPE>;
	type MaxLabelLen = ConstU32<8>;
	type MaxRecordsPerPatient = ConstU32<MAX_RECORDS>;
	type MaxVersions = ConstU32<MAX_VERSIONS>;
	type MaxEnvelopesPerRecord = ConstU32<MAX_ENVELOPES>;
	type MaxDevicesPerPatient = ConstU32<2>;
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
pub const PATIENT_KEY: KeyAgreementKey = [0xa1; 32];

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
	PRACTITIONERS.with(|p| p.borrow_mut().clear());
	LICENSED.with(|l| l.borrow_mut().clear());
	PERMITS.with(|p| p.borrow_mut().clear());
	DENIES.with(|d| d.borrow_mut().clear());
	DELEGATES.with(|d| d.borrow_mut().clear());
	DISCLOSURES.with(|d| d.borrow_mut().clear());
	ext.execute_with(|| {
		System::set_block_number(1);
		pallet_timestamp::Now::<Test>::put(T0);
		MockRegistry::set(DOC, DOC_KEY, true);
		MockRegistry::set(NURSE, NURSE_KEY, true);
		MockRegistry::set(LAPSED, [0x1a; 32], false);
		for (who, key) in
			[(PATIENT, PATIENT_KEY), (OTHER_PATIENT, [0xa2; 32]), (PARENT, [0xa3; 32])]
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
