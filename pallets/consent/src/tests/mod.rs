//! Unit tests, by feature. Every call's success path and each of its errors; a failed call
//! changes nothing (`assert_noop!`); the invariants hold after every test that writes.

mod access;
mod cases;
mod consents;
mod delegates;
mod disclosures;
mod emergency;
mod hardening;
mod index;
mod lapses;
mod migration;
mod privacy;
mod refunds;

use crate::{mock::*, Error, Event, ScopeRequest, ScopeRequestOf};
use frame_support::{assert_ok, traits::fungible::InspectHold, BoundedVec};
use telemed_primitives::{
	AccessAction, AccessBasis, AccessDenial, AccessTarget, ConsentId, ConsentVerifier,
	DelegateScope, PurposeOfUse, RecordId, Tag,
};

/// A list as a call takes it, bounded (the tests stay within the mock's bounds).
pub(crate) fn bounded<V: core::fmt::Debug, S: frame_support::traits::Get<u32>>(
	items: Vec<V>,
) -> BoundedVec<V, S> {
	items.try_into().expect("within the bound")
}

/// Appoints `delegate` for `PATIENT` with `scopes` until `until`.
pub(crate) fn add_delegate(
	delegate: AccountId,
	scopes: Vec<DelegateScope>,
	until: Option<u64>,
) -> frame_support::dispatch::DispatchResult {
	Consent::add_delegate(RuntimeOrigin::signed(PATIENT), delegate, bounded(scopes), until)
}

pub(crate) type CError = Error<Test>;

pub(crate) fn assert_invariants() {
	crate::Pallet::<Test>::do_try_state().expect("invariants hold");
}

pub(crate) fn last_event() -> Event<Test> {
	System::events()
		.into_iter()
		.rev()
		.find_map(|r| match r.event {
			RuntimeEvent::Consent(e) => Some(e),
			_ => None,
		})
		.expect("an event of this pallet")
}

/// Everything a grant sets, with defaults a test overrides field by field.
#[derive(Clone)]
pub(crate) struct Grant {
	pub by: AccountId,
	pub patient: AccountId,
	pub grantee: AccountId,
	pub decision: crate::Decision,
	pub actions: Vec<AccessAction>,
	pub scope: ScopeRequestOf<Test>,
	pub purposes: Vec<PurposeOfUse>,
	pub start: Option<u64>,
	pub end: Option<u64>,
}

impl Grant {
	/// The patient permits `grantee` to read all data for treatment, from now, open-ended.
	pub fn permit(grantee: AccountId) -> Self {
		Grant {
			by: PATIENT,
			patient: PATIENT,
			grantee,
			decision: crate::Decision::Permit,
			actions: vec![AccessAction::Read],
			scope: ScopeRequest::AllData,
			purposes: vec![PurposeOfUse::Treatment],
			start: None,
			end: None,
		}
	}

	pub fn deny(grantee: AccountId) -> Self {
		Grant { decision: crate::Decision::Deny, ..Self::permit(grantee) }
	}

	pub fn tags(self, t: Vec<Tag>) -> Self {
		Grant { scope: ScopeRequest::Tags(bounded(t)), ..self }
	}

	pub fn records(self, r: Vec<RecordId>) -> Self {
		Grant { scope: ScopeRequest::Records(bounded(r)), ..self }
	}

	pub fn call(&self) -> frame_support::dispatch::DispatchResultWithPostInfo {
		Consent::grant_consent(
			RuntimeOrigin::signed(self.by),
			self.patient,
			self.grantee,
			self.decision,
			bounded(self.actions.clone()),
			self.scope.clone(),
			bounded(self.purposes.clone()),
			self.start,
			self.end,
		)
	}

	/// The call that grants it (for its dispatch info).
	pub fn as_call(&self) -> RuntimeCall {
		RuntimeCall::Consent(crate::Call::grant_consent {
			patient: self.patient,
			grantee: self.grantee,
			decision: self.decision,
			actions: bounded(self.actions.clone()),
			scope: self.scope.clone(),
			purposes: bounded(self.purposes.clone()),
			start: self.start,
			end: self.end,
		})
	}

	/// Grants and returns the new consent's id.
	pub fn ok(&self) -> ConsentId {
		let id = crate::NextConsentId::<Test>::get();
		assert_ok!(self.call());
		id
	}
}

/// The target of reading record `record` (its stable identity) with tag `tag`.
pub(crate) fn record(tag: Tag, record: RecordId) -> AccessTarget {
	AccessTarget::Record { tag, record }
}

/// `check_access` for reading `PATIENT`'s laboratory record for treatment.
pub(crate) fn read_lab(accessor: AccountId) -> Result<AccessBasis, AccessDenial> {
	check(accessor, AccessAction::Read, record(LAB_TAG, LAB_RECORD), PurposeOfUse::Treatment)
}

/// `check_access` for reading `PATIENT`'s imaging record for treatment.
pub(crate) fn read_imaging(accessor: AccountId) -> Result<AccessBasis, AccessDenial> {
	check(
		accessor,
		AccessAction::Read,
		record(IMAGING_TAG, IMAGING_RECORD),
		PurposeOfUse::Treatment,
	)
}

pub(crate) fn check(
	accessor: AccountId,
	action: AccessAction,
	target: AccessTarget,
	purpose: PurposeOfUse,
) -> Result<AccessBasis, AccessDenial> {
	<crate::Pallet<Test> as ConsentVerifier<AccountId>>::check_access(
		&accessor, &PATIENT, action, target, purpose,
	)
}

/// `log_access` by `who` on `PATIENT`'s data: the dispatch error only.
pub(crate) fn log(
	who: AccountId,
	target: AccessTarget,
	purpose: PurposeOfUse,
) -> Result<(), sp_runtime::DispatchError> {
	Consent::log_access(RuntimeOrigin::signed(who), PATIENT, AccessAction::Read, target, purpose)
		.map(|_| ())
		.map_err(|e| e.error)
}

pub(crate) fn held(reason: crate::HoldReason, who: AccountId) -> Balance {
	<Balances as InspectHold<AccountId>>::balance_on_hold(&RuntimeHoldReason::Consent(reason), &who)
}
