//! A mock runtime for the consent pallet's unit tests, with the practitioner registry every
//! pallet's mock uses (`telemed_primitives::mocks::MockRegistry`), a mock records pallet
//! (record subjects and tag owners) and a mock envelope keeper that prunes by asking the
//! pallet, as the records pallet does, and remembers every call.

use crate as pallet_consent;
use core::cell::RefCell;
use frame_support::{
	derive_impl, parameter_types,
	traits::{ConstU128, ConstU32, ConstU64},
	weights::Weight,
};
use frame_system::EnsureRoot;
use sp_runtime::BuildStorage;
use std::collections::{BTreeMap, BTreeSet};
use telemed_primitives::{
	AccessAction, AccessTarget, ConsentVerifier, EnvelopeKeeper, KeyAgreementKey, PurposeOfUse,
	RecordId, RecordInspector, RecordSubject, Tag,
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
	static PATIENTS: RefCell<BTreeSet<AccountId>> = RefCell::new(BTreeSet::new());
	static RECORDS: RefCell<BTreeMap<RecordId, RecordSubject<AccountId>>> =
		RefCell::new(BTreeMap::new());
	static ENVELOPES: RefCell<BTreeSet<(AccountId, AccountId, RecordId, PurposeOfUse)>> =
		RefCell::new(BTreeSet::new());
	static PRUNES: RefCell<Vec<(AccountId, AccountId)>> = const { RefCell::new(Vec::new()) };
}

pub use telemed_primitives::mocks::MockRegistry;

/// The key every practitioner of these tests registers with.
pub const PRACTITIONER_KEY: KeyAgreementKey = [1u8; 32];

/// Registers `who` as a practitioner, licensed or not, endorsed for emergencies or not.
pub fn set_practitioner(who: AccountId, licensed: bool, emergency: bool) {
	MockRegistry::set(who, PRACTITIONER_KEY, licensed);
	MockRegistry::set_emergency(who, emergency);
}

/// A records pallet the tests set by hand: patients, and record versions with their subject.
pub struct MockRecords;

impl MockRecords {
	/// Registers `who` as a patient.
	pub fn add_patient(who: AccountId) {
		PATIENTS.with(|p| p.borrow_mut().insert(who));
	}

	/// Adds version `version` of record `record` (its first version's id) of `patient`.
	pub fn add_version(version: RecordId, record: RecordId, patient: AccountId, tag: Tag) {
		RECORDS.with(|r| r.borrow_mut().insert(version, RecordSubject { patient, tag, record }));
	}

	/// Adds a new record `id` (its first version) of `patient`.
	pub fn add(id: RecordId, patient: AccountId, tag: Tag) {
		Self::add_version(id, id, patient, tag);
	}

	/// Amends the record of which `previous` is a version: version `next`, same identity.
	pub fn amend(previous: RecordId, next: RecordId) {
		let subject = Self::record_subject(previous).expect("amend an existing version");
		Self::add_version(next, subject.record, subject.patient, subject.tag);
	}

	/// Shreds every version of the record of which `version` is one: none resolves any more,
	/// and its tag belongs to nobody once no other record carries it.
	pub fn shred(version: RecordId) {
		let subject = Self::record_subject(version).expect("shred an existing version");
		RECORDS.with(|r| r.borrow_mut().retain(|_, s| s.record != subject.record));
	}
}

impl RecordInspector<AccountId> for MockRecords {
	fn record_subject(version: RecordId) -> Option<RecordSubject<AccountId>> {
		RECORDS.with(|r| r.borrow().get(&version).cloned())
	}
	fn is_patient(who: &AccountId) -> bool {
		PATIENTS.with(|p| p.borrow().contains(who))
	}
	fn tag_patient(tag: &Tag) -> Option<AccountId> {
		RECORDS.with(|r| r.borrow().values().find(|s| &s.tag == tag).map(|s| s.patient))
	}
	#[cfg(feature = "runtime-benchmarks")]
	fn make_record(patient: &AccountId, tag: Tag) -> RecordId {
		Self::add_patient(*patient);
		let id = RECORDS.with(|r| r.borrow().keys().next_back().map_or(0, |last| last + 1));
		Self::add(id, *patient, tag);
		id
	}
}

/// How many envelopes of one patient a grantee may hold in the mock keeper.
pub const MAX_ENVELOPES: u32 = 4;
/// What the mock keeper's pruning weighs: a base, and this much per envelope it checks.
pub const PRUNE_BASE: u64 = 1_000;
/// See [`PRUNE_BASE`].
pub const PRUNE_PER_ENVELOPE: u64 = 10_000;

/// An envelope keeper the tests fill by hand. Like the records pallet, it prunes a grantee's
/// envelopes of a patient by asking the consent pallet whether the grantee may still read
/// each (with the envelope's purpose, on the record's tag and stable identity), and removes
/// those it may not (and those of records no longer there). It remembers every call.
pub struct MockEnvelopes;

impl MockEnvelopes {
	/// Gives `grantee` an envelope of record version `version` of `patient` for `purpose`.
	pub fn give(patient: AccountId, grantee: AccountId, version: RecordId, purpose: PurposeOfUse) {
		assert!((Self::held(patient, grantee).len() as u32) < MAX_ENVELOPES, "within the bound");
		ENVELOPES.with(|e| e.borrow_mut().insert((patient, grantee, version, purpose)));
	}

	/// The record versions `grantee` holds envelopes of, of `patient`'s records.
	pub fn held(patient: AccountId, grantee: AccountId) -> Vec<RecordId> {
		ENVELOPES.with(|e| {
			e.borrow()
				.iter()
				.filter(|(p, g, _, _)| *p == patient && *g == grantee)
				.map(|(_, _, v, _)| *v)
				.collect()
		})
	}

	/// Every `prune_envelopes(patient, grantee)` call so far, in order.
	pub fn prunes() -> Vec<(AccountId, AccountId)> {
		PRUNES.with(|p| p.borrow().clone())
	}

	/// Forgets the calls so far (the envelopes stay).
	pub fn forget_prunes() {
		PRUNES.with(|p| p.borrow_mut().clear());
	}
}

impl EnvelopeKeeper<AccountId> for MockEnvelopes {
	fn prune_envelopes(patient: &AccountId, grantee: &AccountId) -> Weight {
		PRUNES.with(|p| p.borrow_mut().push((*patient, *grantee)));
		let held: Vec<_> = ENVELOPES.with(|e| {
			e.borrow().iter().filter(|(p, g, _, _)| p == patient && g == grantee).copied().collect()
		});
		for envelope in held.iter() {
			let (_, _, version, purpose) = *envelope;
			let readable = MockRecords::record_subject(version).is_some_and(|s| {
				<Consent as ConsentVerifier<AccountId>>::check_access(
					grantee,
					patient,
					AccessAction::Read,
					AccessTarget::Record { tag: s.tag, record: s.record },
					purpose,
				)
				.is_ok()
			});
			if !readable {
				ENVELOPES.with(|e| e.borrow_mut().remove(envelope));
			}
		}
		Weight::from_parts(PRUNE_BASE + PRUNE_PER_ENVELOPE * held.len() as u64, 0)
	}
	fn max_prune_weight() -> Weight {
		Weight::from_parts(PRUNE_BASE + PRUNE_PER_ENVELOPE * u64::from(MAX_ENVELOPES), 0)
	}
	#[cfg(feature = "runtime-benchmarks")]
	fn make_envelopes(patient: &AccountId, grantee: &AccountId) {
		while (Self::held(*patient, *grantee).len() as u32) < MAX_ENVELOPES {
			let version = MockRecords::make_record(patient, [0xbe; 32]);
			Self::give(*patient, *grantee, version, PurposeOfUse::Treatment);
		}
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
	/// The per-grantee bound: as large as the per-patient one unless a test lowers it (the
	/// tests of the per-patient bound grant every consent to one grantee).
	pub static MaxConsentsPerGrantee: u32 = 4;
}

impl pallet_consent::Config for Test {
	type Currency = Balances;
	type RuntimeHoldReason = RuntimeHoldReason;
	type Time = Timestamp;
	type Practitioners = MockRegistry;
	type Records = MockRecords;
	type Envelopes = MockEnvelopes;
	type ReviewOrigin = EnsureRoot<AccountId>;
	type SlashBeneficiary = SlashBeneficiary;
	type ConsentDeposit = ConstU128<CONSENT_DEPOSIT>;
	type DelegateDeposit = ConstU128<DELEGATE_DEPOSIT>;
	type EmergencyDeposit = ConstU128<EMERGENCY_DEPOSIT>;
	type EmergencyAccessDuration = ConstU64<EMERGENCY_DURATION>;
	type MaxConsentsPerPatient = ConstU32<4>;
	type MaxConsentsPerGrantee = MaxConsentsPerGrantee;
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
/// `PATIENT`'s blinded tag for laboratory data (in truth an HMAC under the patient's key).
pub const LAB_TAG: Tag = [0x1a; 32];
/// `PATIENT`'s blinded tag for imaging.
pub const IMAGING_TAG: Tag = [0x1b; 32];
/// `PATIENT`'s tag for mental health: no record carries it yet.
pub const MENTAL_TAG: Tag = [0x1c; 32];
/// `OTHER_PATIENT`'s tag for laboratory data: unrelated to `LAB_TAG`.
pub const OTHERS_LAB_TAG: Tag = [0x2a; 32];

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
	telemed_primitives::mocks::reset();
	MaxConsentsPerGrantee::set(4);
	let mut ext = sp_io::TestExternalities::new(storage);
	ext.execute_with(|| {
		System::set_block_number(1);
		pallet_timestamp::Now::<Test>::put(T0);
		set_practitioner(DOC, true, true);
		set_practitioner(NURSE, true, false);
		set_practitioner(LAPSED, false, false);
		MockRecords::add_patient(PATIENT);
		MockRecords::add_patient(OTHER_PATIENT);
		MockRecords::add(LAB_RECORD, PATIENT, LAB_TAG);
		MockRecords::add(IMAGING_RECORD, PATIENT, IMAGING_TAG);
		MockRecords::add(OTHERS_RECORD, OTHER_PATIENT, OTHERS_LAB_TAG);
	});
	ext
}

/// Moves the chain's clock to `at`.
pub fn set_now(at: u64) {
	pallet_timestamp::Now::<Test>::put(at);
}
