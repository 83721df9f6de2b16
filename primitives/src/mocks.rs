//! Mock implementations of the cross-pallet traits, for the pallets' unit tests (feature
//! `mocks`): a practitioner registry, a consent verifier that follows the consent pallet's
//! access rule, delegations and a disclosure log, all set by hand. Accounts are `u64`. State
//! is per thread: call [`reset`] at the start of every test.

use crate::{
	AccessAction, AccessBasis, AccessDenial, AccessTarget, ConsentVerifier, DelegateScope,
	DelegationInspector, Disclosure, DisclosureLog, KeyAgreementKey, LicenceQuery,
	PractitionerRegistry, PurposeOfUse, RecordId, Tag,
};
use core::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};

/// The mocks' account type.
pub type AccountId = u64;

/// A consent in the mock: `(accessor, patient, action, purpose)`, optionally for one tag.
type Grant = (AccountId, AccountId, AccessAction, PurposeOfUse);

thread_local! {
	static PRACTITIONERS: RefCell<BTreeMap<AccountId, KeyAgreementKey>> =
		RefCell::new(BTreeMap::new());
	static LICENSED: RefCell<BTreeSet<AccountId>> = RefCell::new(BTreeSet::new());
	static PERMITS: RefCell<BTreeMap<Grant, Option<Tag>>> = RefCell::new(BTreeMap::new());
	static DENIES: RefCell<BTreeSet<Grant>> = RefCell::new(BTreeSet::new());
	static DELEGATES: RefCell<BTreeSet<(AccountId, AccountId, DelegateScope)>> =
		RefCell::new(BTreeSet::new());
	static DISCLOSURES: RefCell<Vec<Disclosure<AccountId>>> = RefCell::new(Vec::new());
	static LAST_TARGET: RefCell<Option<AccessTarget>> = const { RefCell::new(None) };
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
	fn check_access(
		accessor: &AccountId,
		patient: &AccountId,
		action: AccessAction,
		target: AccessTarget,
		purpose: PurposeOfUse,
	) -> Result<AccessBasis, AccessDenial> {
		LAST_TARGET.with(|r| *r.borrow_mut() = Some(target));
		if accessor == patient {
			return Ok(AccessBasis::Patient);
		}
		if Self::is_delegate(patient, accessor, DelegateScope::AccessRecords) {
			return Ok(AccessBasis::Delegate);
		}
		let key = (*accessor, *patient, action, purpose);
		if DENIES.with(|d| d.borrow().contains(&key)) {
			return Err(AccessDenial::ExplicitlyDenied(0));
		}
		let covers = |scope: &Option<Tag>| match (scope, target) {
			(None, _) => true,
			(Some(_), AccessTarget::Relationship) => true,
			(Some(t), AccessTarget::Record { tag, .. } | AccessTarget::Tag(tag)) => *t == tag,
			(Some(_), AccessTarget::AllData) => false,
		};
		let permitted = PERMITS.with(|p| p.borrow().get(&key).is_some_and(covers));
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
		DELEGATES.with(|d| d.borrow().contains(&(*patient, *agent, scope)))
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
	PERMITS.with(|p| p.borrow_mut().clear());
	DENIES.with(|d| d.borrow_mut().clear());
	DELEGATES.with(|d| d.borrow_mut().clear());
	DISCLOSURES.with(|d| d.borrow_mut().clear());
	LAST_TARGET.with(|r| *r.borrow_mut() = None);
}
