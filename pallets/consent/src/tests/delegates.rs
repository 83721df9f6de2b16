//! Delegates and guardians.

use super::*;
use crate::{DelegateCount, Delegates, HoldReason};
use frame_support::{assert_noop, assert_ok};
use telemed_primitives::{DelegateScope, DelegationInspector};

fn appoint(scopes: Vec<DelegateScope>) -> frame_support::dispatch::DispatchResult {
	add_delegate(PARENT, scopes, None)
}

#[test]
fn a_patient_appoints_a_delegate_with_a_deposit() {
	new_test_ext().execute_with(|| {
		assert_ok!(appoint(vec![DelegateScope::ViewDisclosureLog, DelegateScope::ManageConsents]));
		let delegation = Delegates::<Test>::get(PATIENT, PARENT).unwrap();
		assert_eq!(
			delegation.scopes.to_vec(),
			vec![DelegateScope::ManageConsents, DelegateScope::ViewDisclosureLog]
		);
		assert_eq!(held(HoldReason::DelegateDeposit, PATIENT), DELEGATE_DEPOSIT);
		assert_eq!(DelegateCount::<Test>::get(PATIENT), 1);
		assert!(<Consent as DelegationInspector<_>>::is_delegate(
			&PATIENT,
			&PARENT,
			DelegateScope::ManageConsents
		));
		assert!(!<Consent as DelegationInspector<_>>::is_delegate(
			&PATIENT,
			&PARENT,
			DelegateScope::BookCare
		));
		assert!(<Consent as DelegationInspector<_>>::may_act_for(
			&PATIENT,
			&PATIENT,
			DelegateScope::BookCare
		));
		assert_eq!(
			last_event(),
			Event::DelegateAdded {
				patient: PATIENT,
				delegate: PARENT,
				scopes: vec![DelegateScope::ManageConsents, DelegateScope::ViewDisclosureLog],
				until: None
			}
		);
		assert_invariants();
	});
}

#[test]
fn appointing_rejects_bad_input() {
	new_test_ext().execute_with(|| {
		assert_noop!(
			Consent::add_delegate(
				RuntimeOrigin::signed(PATIENT),
				PATIENT,
				bounded(vec![DelegateScope::BookCare]),
				None
			),
			CError::DelegateToSelf
		);
		assert_noop!(appoint(vec![]), CError::NoScopes);
		assert_noop!(
			appoint(vec![DelegateScope::BookCare, DelegateScope::BookCare]),
			CError::Duplicate
		);
		assert_noop!(
			Consent::add_delegate(
				RuntimeOrigin::signed(PATIENT),
				PARENT,
				bounded(vec![DelegateScope::BookCare]),
				Some(T0)
			),
			CError::AlreadyEnded
		);
		assert_noop!(
			Consent::add_delegate(
				RuntimeOrigin::signed(PAUPER),
				PARENT,
				bounded(vec![DelegateScope::BookCare]),
				None
			),
			CError::InsufficientBalance
		);
		assert_ok!(appoint(vec![DelegateScope::BookCare]));
		assert_noop!(appoint(vec![DelegateScope::BookCare]), CError::AlreadyDelegate);
		assert_ok!(Consent::add_delegate(
			RuntimeOrigin::signed(PATIENT),
			DOC,
			bounded(vec![DelegateScope::BookCare]),
			None
		));
		assert_noop!(
			Consent::add_delegate(
				RuntimeOrigin::signed(PATIENT),
				NURSE,
				bounded(vec![DelegateScope::BookCare]),
				None
			),
			CError::TooManyDelegates
		);
	});
}

#[test]
fn a_managing_delegate_grants_and_revokes_for_the_patient_and_pays_the_deposit() {
	new_test_ext().execute_with(|| {
		assert_ok!(appoint(vec![DelegateScope::ManageConsents]));
		let id = Grant { by: PARENT, ..Grant::permit(DOC) }.ok();
		assert_eq!(held(HoldReason::ConsentDeposit, PARENT), CONSENT_DEPOSIT);
		assert_eq!(read_lab(DOC), Ok(AccessBasis::Consent(id)));
		assert_ok!(Consent::revoke_consent(RuntimeOrigin::signed(PARENT), id));
		assert_ok!(Consent::remove_consent(RuntimeOrigin::signed(PATIENT), id));
		assert_eq!(
			held(HoldReason::ConsentDeposit, PARENT),
			0,
			"refunded to the delegate who paid"
		);
		assert_invariants();
	});
}

#[test]
fn a_delegate_acts_only_within_their_scope_and_period() {
	new_test_ext().execute_with(|| {
		assert_ok!(Consent::add_delegate(
			RuntimeOrigin::signed(PATIENT),
			PARENT,
			bounded(vec![DelegateScope::BookCare]),
			Some(T0 + HOUR)
		));
		assert_noop!(Grant { by: PARENT, ..Grant::permit(DOC) }.call(), CError::NotPermitted);
		assert_noop!(
			Consent::log_access(
				RuntimeOrigin::signed(PARENT),
				PATIENT,
				AccessAction::Read,
				record(LAB_TAG, LAB_RECORD),
				PurposeOfUse::Treatment
			),
			CError::NoConsent
		);
		assert!(<Consent as DelegationInspector<_>>::is_delegate(
			&PATIENT,
			&PARENT,
			DelegateScope::BookCare
		));
		set_now(T0 + HOUR);
		assert!(!<Consent as DelegationInspector<_>>::is_delegate(
			&PATIENT,
			&PARENT,
			DelegateScope::BookCare
		));
	});
}

#[test]
fn the_patient_removes_a_delegate_or_the_delegate_resigns() {
	new_test_ext().execute_with(|| {
		assert_ok!(appoint(vec![DelegateScope::BookCare]));
		assert_noop!(
			Consent::remove_delegate(RuntimeOrigin::signed(DOC), PATIENT, PARENT),
			CError::NotPermitted
		);
		assert_noop!(
			Consent::remove_delegate(RuntimeOrigin::signed(PATIENT), PATIENT, DOC),
			CError::UnknownDelegate
		);
		assert_ok!(Consent::remove_delegate(RuntimeOrigin::signed(PARENT), PATIENT, PARENT));
		assert_eq!(last_event(), Event::DelegateRemoved { patient: PATIENT, delegate: PARENT });
		assert_eq!(held(HoldReason::DelegateDeposit, PATIENT), 0);
		assert_eq!(DelegateCount::<Test>::get(PATIENT), 0);

		assert_ok!(appoint(vec![DelegateScope::BookCare]));
		assert_ok!(Consent::remove_delegate(RuntimeOrigin::signed(PATIENT), PATIENT, PARENT));
		assert_invariants();
	});
}

#[test]
fn an_emergency_custodian_acts_in_no_other_scope() {
	new_test_ext().execute_with(|| {
		assert_ok!(appoint(vec![DelegateScope::EmergencyCustodian]));
		assert_eq!(
			last_event(),
			Event::DelegateAdded {
				patient: PATIENT,
				delegate: PARENT,
				scopes: vec![DelegateScope::EmergencyCustodian],
				until: None,
			}
		);
		assert!(<Consent as DelegationInspector<_>>::is_delegate(
			&PATIENT,
			&PARENT,
			DelegateScope::EmergencyCustodian
		));
		for scope in telemed_primitives::mocks::SCOPES_BESIDES_CUSTODIAN {
			assert!(!<Consent as DelegationInspector<_>>::may_act_for(&PATIENT, &PARENT, scope));
		}
		// It grants nothing, reviews nothing and reads nothing through the log.
		assert_noop!(Grant { by: PARENT, ..Grant::permit(DOC) }.call(), CError::NotPermitted);
		assert_noop!(
			Consent::log_access(
				RuntimeOrigin::signed(PARENT),
				PATIENT,
				AccessAction::Read,
				AccessTarget::AllData,
				PurposeOfUse::EmergencyTreatment
			),
			CError::NoConsent
		);
		assert_ok!(Consent::open_emergency_access(RuntimeOrigin::signed(DOC), PATIENT, [4u8; 32]));
		assert_noop!(
			Consent::review_emergency_access(RuntimeOrigin::signed(PARENT), 0, true),
			CError::NotPermitted
		);
		assert_invariants();
	});
}

#[test]
fn removing_an_emergency_custodian_prunes_its_envelopes_in_the_same_call() {
	new_test_ext().execute_with(|| {
		assert_ok!(appoint(vec![DelegateScope::EmergencyCustodian]));
		MockEnvelopes::give(PATIENT, PARENT, LAB_RECORD, PurposeOfUse::EmergencyTreatment);
		MockEnvelopes::forget_prunes();
		let info = Consent::remove_delegate(RuntimeOrigin::signed(PATIENT), PATIENT, PARENT)
			.expect("the patient removes it");
		// The keeper was asked for this pair, and removed the envelope; the call is charged
		// for what was pruned (bounded by the most one grantee holds).
		assert_eq!(MockEnvelopes::prunes(), vec![(PATIENT, PARENT)]);
		assert!(MockEnvelopes::held(PATIENT, PARENT).is_empty());
		assert!(info.actual_weight.is_some_and(|w| w.all_lte(
			<() as crate::WeightInfo>::remove_delegate(
				<<Test as crate::Config>::MaxConsentsPerPatient as frame_support::traits::Get<
					u32,
				>>::get()
			)
			.saturating_add(
				<MockEnvelopes as telemed_primitives::EnvelopeKeeper<_>>::max_prune_weight()
			)
		)));
		assert_invariants();
	});
}

#[test]
fn a_delegate_may_hold_every_scope() {
	new_test_ext().execute_with(|| {
		use frame_support::traits::Get;
		// The bound is the number of scopes (`ALL` lists every one: a test of the primitives
		// crate checks it), so a scope added later must raise it.
		assert_eq!(
			<crate::MaxDelegateScopes as Get<u32>>::get() as usize,
			DelegateScope::ALL.len()
		);
		assert_ok!(appoint(DelegateScope::ALL.to_vec()));
		let delegation = Delegates::<Test>::get(PATIENT, PARENT).expect("appointed");
		assert_eq!(delegation.scopes.to_vec(), DelegateScope::ALL.to_vec());
		for scope in DelegateScope::ALL {
			assert!(<Consent as DelegationInspector<_>>::is_delegate(&PATIENT, &PARENT, scope));
		}
		assert_invariants();
	});
}

/// Raising `MaxDelegateScopes` from 5 to 6 needs no migration: a delegation stored under the
/// old bound decodes unchanged, and only the bound's one extra byte is added to the most a
/// `Delegates` value may take (the proof size weights charge).
#[test]
fn a_delegation_stored_under_the_old_bound_decodes_unchanged() {
	use codec::{Decode, Encode, MaxEncodedLen};
	use frame_support::{traits::ConstU32, BoundedVec};
	/// `Delegation` as stored before the rise.
	#[derive(Encode, MaxEncodedLen)]
	struct OldDelegation {
		scopes: BoundedVec<DelegateScope, ConstU32<5>>,
		until: Option<u64>,
		deposit: Balance,
		since: u64,
	}
	let five: Vec<_> = DelegateScope::ALL.iter().copied().take(5).collect();
	let old = OldDelegation {
		scopes: five.clone().try_into().expect("five"),
		until: Some(T0 + HOUR),
		deposit: DELEGATE_DEPOSIT,
		since: T0,
	};
	let new = crate::Delegation::<Balance>::decode(&mut &old.encode()[..]).expect("decodes");
	assert_eq!(new.scopes.to_vec(), five);
	assert_eq!((new.until, new.deposit, new.since), (Some(T0 + HOUR), DELEGATE_DEPOSIT, T0));
	assert_eq!(new.encode(), old.encode());
	assert_eq!(
		crate::Delegation::<Balance>::max_encoded_len(),
		OldDelegation::max_encoded_len() + 1
	);
}
