//! Mock implementations of the cross-pallet traits, for the pallets' unit tests (feature
//! `mocks`): a practitioner registry (the one every pallet's mock uses), a consent verifier
//! that follows the consent pallet's access rule, delegations and a disclosure log, all set by
//! hand. Accounts are `u64`. State is per thread: call [`reset`] at the start of every test.
//!
//! [`access_cases`] is the access rule as a table: the consent pallet's tests run it against
//! the pallet and this crate's tests against [`MockConsent`], so the mock cannot drift from
//! the rule it stands in for.

use crate::{
	AccessAction, AccessBasis, AccessDenial, AccessTarget, CheckReads, ConsentVerifier,
	DelegateScope, DelegationInspector, Disclosure, DisclosureLog, EmergencyAccessId,
	KeyAgreementKey, LicenceQuery, PractitionerRegistry, PractitionerStanding, PurposeOfUse,
	RecordId, Tag,
};
use core::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};

/// The most consents a mock access check reads.
pub const MOST_CONSENTS: u32 = 8;

/// The mocks' account type.
pub type AccountId = u64;

/// A consent in the mock: `(accessor, patient, action, purpose)`, optionally for one tag.
type Grant = (AccountId, AccountId, AccessAction, PurposeOfUse);

thread_local! {
	static PRACTITIONERS: RefCell<BTreeMap<AccountId, KeyAgreementKey>> =
		RefCell::new(BTreeMap::new());
	static LICENSED: RefCell<BTreeSet<AccountId>> = RefCell::new(BTreeSet::new());
	static EMERGENCY: RefCell<BTreeSet<AccountId>> = RefCell::new(BTreeSet::new());
	static PERMITS: RefCell<BTreeMap<Grant, Option<Tag>>> = RefCell::new(BTreeMap::new());
	static DENIES: RefCell<BTreeSet<Grant>> = RefCell::new(BTreeSet::new());
	static DELEGATES: RefCell<BTreeSet<(AccountId, AccountId, DelegateScope)>> =
		RefCell::new(BTreeSet::new());
	static DISCLOSURES: RefCell<Vec<Disclosure<AccountId>>> = RefCell::new(Vec::new());
	static EMERGENCIES: RefCell<BTreeMap<(AccountId, AccountId), EmergencyAccessId>> =
		RefCell::new(BTreeMap::new());
	static LAST_TARGET: RefCell<Option<AccessTarget>> = const { RefCell::new(None) };
	static CONSENT_READS: RefCell<BTreeMap<(AccountId, AccountId), u32>> =
		RefCell::new(BTreeMap::new());
}

/// A practitioner registry the tests set by hand. A registered practitioner has a key; being
/// licensed and being endorsed for emergency care are separate flags, and break-glass needs
/// both, as in the practitioners pallet (a valid licence endorsed for emergency care).
pub struct MockRegistry;

impl MockRegistry {
	/// Registers `who` as a practitioner with `key`, licensed or not. Its emergency
	/// endorsement is left as it was (none for a newcomer): see [`Self::set_emergency`].
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

	/// Endorses `who` for emergency care, or withdraws the endorsement. It counts only while
	/// `who` is licensed.
	pub fn set_emergency(who: AccountId, endorsed: bool) {
		EMERGENCY.with(|e| {
			let mut e = e.borrow_mut();
			if endorsed {
				e.insert(who)
			} else {
				e.remove(&who)
			}
		});
	}

	/// `who` deregisters as a practitioner: no key, no licence, no endorsement.
	pub fn deregister(who: AccountId) {
		PRACTITIONERS.with(|p| p.borrow_mut().remove(&who));
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
		PRACTITIONERS.with(|p| p.borrow().get(who).copied())
	}
	#[cfg(feature = "runtime-benchmarks")]
	fn make_licensed(who: &AccountId, emergency: bool) {
		Self::set(*who, [7u8; 32], true);
		Self::set_emergency(*who, emergency);
	}
	#[cfg(feature = "runtime-benchmarks")]
	fn make_unlicensed(who: &AccountId) {
		Self::set(*who, [7u8; 32], false);
		Self::set_emergency(*who, false);
	}
}

/// A consent verifier the tests set by hand. It follows the consent pallet's rule: the
/// patient, then delegates with `AccessRecords`, then an open break-glass access (purpose
/// `EmergencyTreatment`, the practitioner still endorsed), then denies, then permits (a
/// practitioner's only while licensed).
pub struct MockConsent;

impl MockConsent {
	/// `patient` permits `accessor` to perform `action` for `purpose`, on all data or on one
	/// tag (a tag permit covers record and tag targets with that tag, and relationships).
	pub fn permit(
		accessor: AccountId,
		patient: AccountId,
		action: AccessAction,
		purpose: PurposeOfUse,
		tag: Option<Tag>,
	) {
		PERMITS.with(|p| p.borrow_mut().insert((accessor, patient, action, purpose), tag));
	}

	/// A check of `accessor`'s access to `patient`'s data that reaches the consents reads
	/// `consents` of them (1 unless set).
	pub fn set_consent_reads(accessor: AccountId, patient: AccountId, consents: u32) {
		CONSENT_READS.with(|r| r.borrow_mut().insert((accessor, patient), consents));
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

	/// `patient` appoints `agent` with `scope`.
	pub fn delegate(patient: AccountId, agent: AccountId, scope: DelegateScope) {
		DELEGATES.with(|d| d.borrow_mut().insert((patient, agent, scope)));
	}

	/// `patient` ends `agent`'s appointment with `scope` (or it expired).
	pub fn undelegate(patient: AccountId, agent: AccountId, scope: DelegateScope) {
		DELEGATES.with(|d| d.borrow_mut().remove(&(patient, agent, scope)));
	}

	/// `practitioner` broke the glass on `patient`'s data: access `id` is open until
	/// [`Self::close_emergency`]. It counts only while the registry lets the practitioner use
	/// emergency access (licensed and endorsed).
	pub fn open_emergency(practitioner: AccountId, patient: AccountId, id: EmergencyAccessId) {
		EMERGENCIES.with(|e| e.borrow_mut().insert((practitioner, patient), id));
	}

	/// `practitioner`'s break-glass access to `patient` is closed or expired.
	pub fn close_emergency(practitioner: AccountId, patient: AccountId) {
		EMERGENCIES.with(|e| e.borrow_mut().remove(&(practitioner, patient)));
	}

	/// The disclosures logged so far.
	pub fn disclosures() -> Vec<Disclosure<AccountId>> {
		DISCLOSURES.with(|d| d.borrow().clone())
	}

	/// The `target` argument of the latest `check_access`, if any was made since [`reset`].
	pub fn last_target() -> Option<AccessTarget> {
		LAST_TARGET.with(|r| *r.borrow())
	}

	/// The stable record named by the latest `check_access`, if one was made since [`reset`]
	/// (`Some(None)` when its target was not one record).
	pub fn last_record() -> Option<Option<RecordId>> {
		Self::last_target().map(|t| match t {
			AccessTarget::Record { record, .. } => Some(record),
			_ => None,
		})
	}
}

impl ConsentVerifier<AccountId> for MockConsent {
	fn check_access_reading(
		accessor: &AccountId,
		patient: &AccountId,
		action: AccessAction,
		target: AccessTarget,
		purpose: PurposeOfUse,
	) -> (Result<AccessBasis, AccessDenial>, CheckReads) {
		LAST_TARGET.with(|r| *r.borrow_mut() = Some(target));
		let mut reads = CheckReads::default();
		if accessor == patient {
			return (Ok(AccessBasis::Patient), reads);
		}
		if Self::is_delegate(patient, accessor, DelegateScope::AccessRecords) {
			return (Ok(AccessBasis::Delegate), reads);
		}
		if purpose == PurposeOfUse::EmergencyTreatment {
			let open = EMERGENCIES.with(|e| e.borrow().get(&(*accessor, *patient)).copied());
			if let Some(id) = open {
				if MockRegistry::may_use_emergency_access(accessor) {
					return (Ok(AccessBasis::Emergency(id)), reads);
				}
			}
		}
		reads.consents =
			CONSENT_READS.with(|r| r.borrow().get(&(*accessor, *patient)).copied().unwrap_or(1));
		let key = (*accessor, *patient, action, purpose);
		if DENIES.with(|d| d.borrow().contains(&key)) {
			return (Err(AccessDenial::ExplicitlyDenied(0)), reads);
		}
		let covers = |scope: &Option<Tag>| match (scope, target) {
			(None, _) => true,
			(Some(_), AccessTarget::Relationship) => true,
			(Some(t), AccessTarget::Record { tag, .. } | AccessTarget::Tag(tag)) => *t == tag,
			(Some(_), AccessTarget::AllData) => false,
		};
		let permitted = PERMITS.with(|p| p.borrow().get(&key).is_some_and(covers));
		if !permitted {
			return (Err(AccessDenial::NoConsent), reads);
		}
		if MockRegistry::practitioner_standing(accessor, &LicenceQuery::any())
			== PractitionerStanding::Unlicensed
		{
			return (Err(AccessDenial::NotLicensed), reads);
		}
		(Ok(AccessBasis::Consent(1)), reads)
	}

	fn most_reads(_: PurposeOfUse) -> CheckReads {
		CheckReads { consents: MOST_CONSENTS }
	}

	#[cfg(feature = "runtime-benchmarks")]
	fn make_permitted_reading(
		accessor: &AccountId,
		patient: &AccountId,
		action: AccessAction,
		purpose: PurposeOfUse,
		reads: CheckReads,
	) {
		MockRegistry::make_licensed(accessor, false);
		Self::permit(*accessor, *patient, action, purpose, None);
		Self::set_consent_reads(*accessor, *patient, reads.consents.clamp(1, MOST_CONSENTS));
	}

	#[cfg(feature = "runtime-benchmarks")]
	fn make_refused(
		grantee: &AccountId,
		patient: &AccountId,
		action: AccessAction,
		purpose: PurposeOfUse,
	) {
		MockRegistry::make_unlicensed(grantee);
		Self::permit(*grantee, *patient, action, purpose, None);
	}

	#[cfg(feature = "runtime-benchmarks")]
	fn make_ended(grantee: &AccountId, patient: &AccountId, _: AccessAction, _: PurposeOfUse) {
		// Whatever permits there were, none counts.
		Self::revoke(*grantee, *patient);
	}

	#[cfg(feature = "runtime-benchmarks")]
	fn make_emergency(practitioner: &AccountId, patient: &AccountId) {
		MockRegistry::make_licensed(practitioner, true);
		Self::open_emergency(*practitioner, *patient, 0);
	}
}

impl DelegationInspector<AccountId> for MockConsent {
	fn is_delegate(patient: &AccountId, agent: &AccountId, scope: DelegateScope) -> bool {
		DELEGATES.with(|d| d.borrow().contains(&(*patient, *agent, scope)))
	}
	#[cfg(feature = "runtime-benchmarks")]
	fn make_delegate(patient: &AccountId, agent: &AccountId, scope: DelegateScope) {
		Self::delegate(*patient, *agent, scope);
	}
}

impl DisclosureLog<AccountId> for MockConsent {
	fn note_disclosure(disclosure: Disclosure<AccountId>) -> sp_runtime::DispatchResult {
		DISCLOSURES.with(|d| d.borrow_mut().push(disclosure));
		Ok(())
	}
}

/// Forgets everything the mocks were told.
pub fn reset() {
	PRACTITIONERS.with(|p| p.borrow_mut().clear());
	LICENSED.with(|l| l.borrow_mut().clear());
	EMERGENCY.with(|e| e.borrow_mut().clear());
	PERMITS.with(|p| p.borrow_mut().clear());
	DENIES.with(|d| d.borrow_mut().clear());
	DELEGATES.with(|d| d.borrow_mut().clear());
	DISCLOSURES.with(|d| d.borrow_mut().clear());
	EMERGENCIES.with(|e| e.borrow_mut().clear());
	LAST_TARGET.with(|r| *r.borrow_mut() = None);
	CONSENT_READS.with(|r| r.borrow_mut().clear());
}

// ---- the access rule as a table ---------------------------------------------------------------

/// The patient of every access case.
pub const CASE_PATIENT: AccountId = 1;
/// Who asks in an access case, unless the patient does.
pub const CASE_ASKER: AccountId = 40;
/// The asker's key when it is a registered practitioner.
pub const CASE_KEY: KeyAgreementKey = [0x40; 32];
/// A tag of the patient's that the cases' scopes name (no record of another patient has it).
pub const CASE_TAG: Tag = [0xa1; 32];
/// Another tag of the patient's.
pub const CASE_OTHER_TAG: Tag = [0xa2; 32];

/// Every delegate scope but `EmergencyCustodian`: none of them is granted by that one.
pub const SCOPES_BESIDES_CUSTODIAN: [DelegateScope; 5] = [
	DelegateScope::ManageConsents,
	DelegateScope::ViewDisclosureLog,
	DelegateScope::BookCare,
	DelegateScope::AccessRecords,
	DelegateScope::ShredRecords,
];

/// Who asks, in an access case.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Asker {
	/// The patient themself.
	Patient,
	/// A delegate of the patient, with this one scope.
	Delegate(DelegateScope),
	/// A registered practitioner, licensed or not.
	Practitioner {
		/// Whether the practitioner holds a licence valid now.
		licensed: bool,
	},
	/// An account that is no practitioner (an insurer, an organisation).
	Organisation,
}

/// A permit of the patient for the asker, in an access case.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct CasePermit {
	/// The one action permitted.
	pub action: AccessAction,
	/// The one purpose permitted.
	pub purpose: PurposeOfUse,
	/// The scope: all data (`None`) or one tag.
	pub tag: Option<Tag>,
}

/// What an access check answers, without the ids (they differ between the mock and the
/// pallet).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Outcome {
	/// Allowed: the asker is the patient.
	Patient,
	/// Allowed: the asker is a delegate with `AccessRecords`.
	Delegate,
	/// Allowed: a permit covers it.
	Consent,
	/// Allowed: an open break-glass access.
	Emergency,
	/// Refused: the patient is not registered.
	UnknownPatient,
	/// Refused: a practitioner without a valid licence.
	NotLicensed,
	/// Refused: no permit covers it.
	NoConsent,
	/// Refused: a deny covers it.
	ExplicitlyDenied,
}

impl Outcome {
	/// The outcome of an access check's answer.
	pub fn of(answer: Result<AccessBasis, AccessDenial>) -> Self {
		match answer {
			Ok(AccessBasis::Patient) => Outcome::Patient,
			Ok(AccessBasis::Delegate) => Outcome::Delegate,
			Ok(AccessBasis::Consent(_)) => Outcome::Consent,
			Ok(AccessBasis::Emergency(_)) => Outcome::Emergency,
			Err(AccessDenial::UnknownPatient) => Outcome::UnknownPatient,
			Err(AccessDenial::NotLicensed) => Outcome::NotLicensed,
			Err(AccessDenial::NoConsent) => Outcome::NoConsent,
			Err(AccessDenial::ExplicitlyDenied(_)) => Outcome::ExplicitlyDenied,
		}
	}
}

/// One access case: the state (who asks, what the patient permitted and denied them), the
/// request, and the answer the access rule gives.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct AccessCase {
	/// What the case shows.
	pub name: &'static str,
	/// Who asks.
	pub asker: Asker,
	/// A permit of the patient for the asker, if any.
	pub permit: Option<CasePermit>,
	/// A deny of all data by the patient for the asker, for an action and a purpose, if any.
	pub deny: Option<(AccessAction, PurposeOfUse)>,
	/// The action asked for.
	pub action: AccessAction,
	/// The data asked for.
	pub target: AccessTarget,
	/// The purpose asked for.
	pub purpose: PurposeOfUse,
	/// The access rule's answer.
	pub expected: Outcome,
}

impl AccessCase {
	/// The asker's account.
	pub fn accessor(&self) -> AccountId {
		match self.asker {
			Asker::Patient => CASE_PATIENT,
			_ => CASE_ASKER,
		}
	}

	/// Puts the asker in the [`MockRegistry`], if a practitioner (the registry every pallet's
	/// mock uses, the consent pallet's too).
	pub fn set_up_registry(&self) {
		if let Asker::Practitioner { licensed } = self.asker {
			MockRegistry::set(CASE_ASKER, CASE_KEY, licensed);
		}
	}

	/// Forgets the mocks' state, then sets the case's state in them.
	pub fn set_up_mocks(&self) {
		reset();
		self.set_up_registry();
		if let Asker::Delegate(scope) = self.asker {
			MockConsent::delegate(CASE_PATIENT, CASE_ASKER, scope);
		}
		if let Some(p) = self.permit {
			MockConsent::permit(CASE_ASKER, CASE_PATIENT, p.action, p.purpose, p.tag);
		}
		if let Some((action, purpose)) = self.deny {
			MockConsent::deny(CASE_ASKER, CASE_PATIENT, action, purpose);
		}
	}

	/// The request, put to `V`.
	pub fn check<V: ConsentVerifier<AccountId>>(&self) -> Outcome {
		Outcome::of(V::check_access(
			&self.accessor(),
			&CASE_PATIENT,
			self.action,
			self.target,
			self.purpose,
		))
	}
}

/// The access rule as a table of cases (see the module docs): the patient, delegates, permits
/// by scope, action and purpose, licences, and denies overriding permits but not the patient's
/// delegates.
pub fn access_cases() -> Vec<AccessCase> {
	use AccessAction::{Amend, Append, Read};
	use Outcome::*;
	use PurposeOfUse::{EmergencyTreatment, Payment, Research, Treatment};

	let record = AccessTarget::Record { tag: CASE_TAG, record: 7 };
	let other_record = AccessTarget::Record { tag: CASE_OTHER_TAG, record: 8 };
	let licensed = Asker::Practitioner { licensed: true };
	let lapsed = Asker::Practitioner { licensed: false };
	let all = |action, purpose| Some(CasePermit { action, purpose, tag: None });
	let tag = |action, purpose| Some(CasePermit { action, purpose, tag: Some(CASE_TAG) });
	let case = |name, asker, permit, deny, action, target, purpose, expected| AccessCase {
		name,
		asker,
		permit,
		deny,
		action,
		target,
		purpose,
		expected,
	};
	vec![
		case("the patient", Asker::Patient, None, None, Read, record, Treatment, Patient),
		case(
			"a delegate for records",
			Asker::Delegate(DelegateScope::AccessRecords),
			None,
			None,
			Read,
			record,
			Treatment,
			Delegate,
		),
		case(
			"a delegate for the log only",
			Asker::Delegate(DelegateScope::ViewDisclosureLog),
			None,
			None,
			Read,
			record,
			Treatment,
			NoConsent,
		),
		case("no consent", licensed, None, None, Read, record, Treatment, NoConsent),
		case("a permit", licensed, all(Read, Treatment), None, Read, record, Treatment, Consent),
		case(
			"a permit of all data covers all data",
			licensed,
			all(Read, Treatment),
			None,
			Read,
			AccessTarget::AllData,
			Treatment,
			Consent,
		),
		case(
			"a permit, no licence",
			lapsed,
			all(Read, Treatment),
			None,
			Read,
			record,
			Treatment,
			NotLicensed,
		),
		case(
			"a permit to an organisation",
			Asker::Organisation,
			all(Read, Payment),
			None,
			Read,
			AccessTarget::Relationship,
			Payment,
			Consent,
		),
		case(
			"a permit for another purpose",
			licensed,
			all(Read, Research),
			None,
			Read,
			record,
			Treatment,
			NoConsent,
		),
		case(
			"a permit for another action",
			licensed,
			all(Append, Treatment),
			None,
			Read,
			record,
			Treatment,
			NoConsent,
		),
		case(
			"a tag permit covers a record with the tag",
			licensed,
			tag(Read, Treatment),
			None,
			Read,
			record,
			Treatment,
			Consent,
		),
		case(
			"a tag permit covers new data under the tag",
			licensed,
			tag(Append, Treatment),
			None,
			Append,
			AccessTarget::Tag(CASE_TAG),
			Treatment,
			Consent,
		),
		case(
			"a tag permit, a record with another tag",
			licensed,
			tag(Read, Treatment),
			None,
			Read,
			other_record,
			Treatment,
			NoConsent,
		),
		case(
			"a tag permit covers the relationship",
			licensed,
			tag(Read, Treatment),
			None,
			Read,
			AccessTarget::Relationship,
			Treatment,
			Consent,
		),
		case(
			"a tag permit does not cover all data",
			licensed,
			tag(Read, Treatment),
			None,
			Read,
			AccessTarget::AllData,
			Treatment,
			NoConsent,
		),
		case(
			"a deny overrides a permit",
			licensed,
			all(Read, Treatment),
			Some((Read, Treatment)),
			Read,
			record,
			Treatment,
			ExplicitlyDenied,
		),
		case(
			"a deny comes before the licence",
			lapsed,
			all(Read, Treatment),
			Some((Read, Treatment)),
			Read,
			record,
			Treatment,
			ExplicitlyDenied,
		),
		case(
			"a deny for another purpose leaves the permit",
			licensed,
			all(Read, Treatment),
			Some((Read, Research)),
			Read,
			record,
			Treatment,
			Consent,
		),
		case(
			"a deny of all data covers the relationship",
			Asker::Organisation,
			all(Read, Payment),
			Some((Read, Payment)),
			Read,
			AccessTarget::Relationship,
			Payment,
			ExplicitlyDenied,
		),
		case(
			"a delegate for records despite a deny",
			Asker::Delegate(DelegateScope::AccessRecords),
			None,
			Some((Read, Treatment)),
			Read,
			record,
			Treatment,
			Delegate,
		),
		// An emergency custodian holds keys; it gets no access of its own.
		case(
			"an emergency custodian asking to read",
			Asker::Delegate(DelegateScope::EmergencyCustodian),
			None,
			None,
			Read,
			record,
			Treatment,
			NoConsent,
		),
		case(
			"an emergency custodian asking to read in an emergency",
			Asker::Delegate(DelegateScope::EmergencyCustodian),
			None,
			None,
			Read,
			record,
			EmergencyTreatment,
			NoConsent,
		),
		case(
			"an emergency custodian asking for all data",
			Asker::Delegate(DelegateScope::EmergencyCustodian),
			None,
			None,
			Read,
			AccessTarget::AllData,
			EmergencyTreatment,
			NoConsent,
		),
		case(
			"an emergency custodian asking to add",
			Asker::Delegate(DelegateScope::EmergencyCustodian),
			None,
			None,
			Append,
			AccessTarget::Tag(CASE_TAG),
			Treatment,
			NoConsent,
		),
		case(
			"an emergency custodian asking to amend",
			Asker::Delegate(DelegateScope::EmergencyCustodian),
			None,
			None,
			Amend,
			record,
			EmergencyTreatment,
			NoConsent,
		),
		case(
			"an emergency custodian asking for the relationship",
			Asker::Delegate(DelegateScope::EmergencyCustodian),
			None,
			None,
			Read,
			AccessTarget::Relationship,
			Payment,
			NoConsent,
		),
	]
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn the_mock_consent_verifier_answers_every_access_case() {
		for case in access_cases() {
			case.set_up_mocks();
			assert_eq!(case.check::<MockConsent>(), case.expected, "case: {}", case.name);
		}
		reset();
	}

	#[test]
	fn an_emergency_custodian_may_not_act_for_the_patient_in_any_other_scope() {
		reset();
		MockConsent::delegate(CASE_PATIENT, CASE_ASKER, DelegateScope::EmergencyCustodian);
		assert!(MockConsent::is_delegate(
			&CASE_PATIENT,
			&CASE_ASKER,
			DelegateScope::EmergencyCustodian
		));
		for scope in SCOPES_BESIDES_CUSTODIAN {
			assert!(!MockConsent::may_act_for(&CASE_PATIENT, &CASE_ASKER, scope));
		}
		MockConsent::undelegate(CASE_PATIENT, CASE_ASKER, DelegateScope::EmergencyCustodian);
		assert!(!MockConsent::is_delegate(
			&CASE_PATIENT,
			&CASE_ASKER,
			DelegateScope::EmergencyCustodian
		));
		reset();
	}

	#[test]
	fn the_mock_opens_emergency_access_only_for_emergency_treatment_while_endorsed() {
		reset();
		MockRegistry::set(CASE_ASKER, CASE_KEY, true);
		MockRegistry::set_emergency(CASE_ASKER, true);
		MockConsent::open_emergency(CASE_ASKER, CASE_PATIENT, 5);
		let read = |purpose| {
			MockConsent::check_access(
				&CASE_ASKER,
				&CASE_PATIENT,
				AccessAction::Read,
				AccessTarget::AllData,
				purpose,
			)
		};
		assert_eq!(read(PurposeOfUse::EmergencyTreatment), Ok(AccessBasis::Emergency(5)));
		assert_eq!(read(PurposeOfUse::Treatment), Err(AccessDenial::NoConsent));
		MockRegistry::set_emergency(CASE_ASKER, false);
		assert_eq!(read(PurposeOfUse::EmergencyTreatment), Err(AccessDenial::NoConsent));
		MockRegistry::set_emergency(CASE_ASKER, true);
		MockConsent::close_emergency(CASE_ASKER, CASE_PATIENT);
		assert_eq!(read(PurposeOfUse::EmergencyTreatment), Err(AccessDenial::NoConsent));
		reset();
	}

	#[test]
	fn emergency_access_needs_a_licence_and_an_endorsement() {
		reset();
		MockRegistry::set(CASE_ASKER, CASE_KEY, true);
		assert!(!MockRegistry::may_use_emergency_access(&CASE_ASKER));
		MockRegistry::set_emergency(CASE_ASKER, true);
		assert!(MockRegistry::may_use_emergency_access(&CASE_ASKER));
		MockRegistry::set(CASE_ASKER, CASE_KEY, false);
		assert!(!MockRegistry::may_use_emergency_access(&CASE_ASKER));
		MockRegistry::set(CASE_ASKER, CASE_KEY, true);
		assert!(MockRegistry::may_use_emergency_access(&CASE_ASKER));
		MockRegistry::deregister(CASE_ASKER);
		assert!(!MockRegistry::may_use_emergency_access(&CASE_ASKER));
		assert_eq!(MockRegistry::key_agreement_key(&CASE_ASKER), None);
		reset();
	}
}
