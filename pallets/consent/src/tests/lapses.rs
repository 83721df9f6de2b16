//! A delegate's consents lapse with its appointment, in the call that ends it, so that an
//! access check never reads a delegation for a consent: every path that ends an appointment
//! (removed by the patient, resigned), every later path (appointed again, revoked first,
//! cleaned up, at the per-grantee bound), and the migration that marks those of earlier
//! releases.

use super::*;
use crate::{
	migrations::v5::{standing_v4, MigrateV4ToV5},
	ConsentStanding, ConsentStatus, Consents, ConsentsByGrantee, ConsentsOf,
};
use frame_support::{
	assert_noop,
	traits::{GetStorageVersion, OnRuntimeUpgrade, StorageVersion},
};

fn status(id: ConsentId) -> ConsentStatus {
	Consents::<Test>::get(id).expect("stored").status
}

/// The status the (patient, grantee) index keeps for consent `id` to `grantee`.
fn indexed_status(grantee: AccountId, id: ConsentId) -> Option<ConsentStatus> {
	ConsentsByGrantee::<Test>::get(PATIENT, grantee).iter().find(|p| p.id == id).map(|p| p.status)
}

fn lapsed_events() -> Vec<ConsentId> {
	System::events()
		.into_iter()
		.filter_map(|r| match r.event {
			RuntimeEvent::Consent(Event::ConsentLapsed { id }) => Some(id),
			_ => None,
		})
		.collect()
}

fn manage() -> Vec<DelegateScope> {
	vec![DelegateScope::ManageConsents]
}

#[test]
fn removing_a_delegate_lapses_the_consents_it_granted_and_no_others() {
	new_test_ext().execute_with(|| {
		assert_ok!(add_delegate(PARENT, manage(), None));
		assert_ok!(add_delegate(INSURER, manage(), None));
		let by_parent = Grant { by: PARENT, ..Grant::permit(DOC) }.ok();
		let deny_by_parent = Grant { by: PARENT, ..Grant::deny(NURSE) }.ok();
		let by_insurer = Grant { by: INSURER, ..Grant::permit(NURSE) }.ok();
		let own = Grant::permit(DOC).tags(vec![LAB_TAG]).ok();
		System::reset_events();

		assert_ok!(Consent::remove_delegate(RuntimeOrigin::signed(PATIENT), PATIENT, PARENT));

		assert_eq!(status(by_parent), ConsentStatus::Lapsed);
		assert_eq!(status(deny_by_parent), ConsentStatus::Lapsed);
		assert_eq!(indexed_status(DOC, by_parent), Some(ConsentStatus::Lapsed));
		assert_eq!(indexed_status(NURSE, deny_by_parent), Some(ConsentStatus::Lapsed));
		assert_eq!(lapsed_events(), vec![by_parent, deny_by_parent]);
		// Another delegate's and the patient's own are untouched.
		assert_eq!(status(by_insurer), ConsentStatus::Active);
		assert_eq!(status(own), ConsentStatus::Active);
		// The checks: the doctor reads through the patient's own permit only, the nurse
		// through the other delegate's (the lapsed deny no longer refuses).
		assert_eq!(read_lab(DOC), Ok(AccessBasis::Consent(own)));
		assert_eq!(read_lab(NURSE), Ok(AccessBasis::Consent(by_insurer)));
		assert_invariants();
	});
}

#[test]
fn resigning_lapses_the_consents_too() {
	new_test_ext().execute_with(|| {
		assert_ok!(add_delegate(PARENT, manage(), None));
		let id = Grant { by: PARENT, ..Grant::permit(DOC) }.ok();
		assert_eq!(read_lab(DOC), Ok(AccessBasis::Consent(id)));

		assert_ok!(Consent::remove_delegate(RuntimeOrigin::signed(PARENT), PATIENT, PARENT));

		assert_eq!(status(id), ConsentStatus::Lapsed);
		assert_eq!(read_lab(DOC), Err(AccessDenial::NoConsent));
		assert_invariants();
	});
}

#[test]
fn a_delegate_appointed_again_does_not_revive_its_lapsed_consents() {
	new_test_ext().execute_with(|| {
		assert_ok!(add_delegate(PARENT, manage(), None));
		let old = Grant { by: PARENT, ..Grant::permit(DOC) }.ok();
		assert_ok!(Consent::remove_delegate(RuntimeOrigin::signed(PATIENT), PATIENT, PARENT));
		assert_ok!(add_delegate(PARENT, manage(), None));

		assert_eq!(status(old), ConsentStatus::Lapsed);
		assert_eq!(read_lab(DOC), Err(AccessDenial::NoConsent));
		// What the new appointment grants counts.
		let new = Grant { by: PARENT, ..Grant::permit(DOC) }.ok();
		assert_eq!(read_lab(DOC), Ok(AccessBasis::Consent(new)));
		// Removed again: only the new one lapses now (one event).
		System::reset_events();
		assert_ok!(Consent::remove_delegate(RuntimeOrigin::signed(PATIENT), PATIENT, PARENT));
		assert_eq!(lapsed_events(), vec![new]);
		assert_invariants();
	});
}

#[test]
fn a_revoked_consent_stays_revoked_when_its_delegate_goes() {
	new_test_ext().execute_with(|| {
		assert_ok!(add_delegate(PARENT, manage(), None));
		let id = Grant { by: PARENT, ..Grant::permit(DOC) }.ok();
		assert_ok!(Consent::revoke_consent(RuntimeOrigin::signed(PATIENT), id));
		System::reset_events();

		assert_ok!(Consent::remove_delegate(RuntimeOrigin::signed(PATIENT), PATIENT, PARENT));

		assert_eq!(status(id), ConsentStatus::Revoked);
		assert_eq!(indexed_status(DOC, id), Some(ConsentStatus::Revoked));
		assert!(lapsed_events().is_empty());
		assert_invariants();
	});
}

#[test]
fn a_lapsed_consent_cannot_be_revoked_but_is_cleaned_up_and_pruned() {
	new_test_ext().execute_with(|| {
		assert_ok!(add_delegate(PARENT, manage(), None));
		let id = Grant { by: PARENT, ..Grant::permit(DOC) }.ok();
		MockEnvelopes::give(PATIENT, DOC, LAB_RECORD, PurposeOfUse::Treatment);
		assert_ok!(Consent::remove_delegate(RuntimeOrigin::signed(PATIENT), PATIENT, PARENT));
		// Lapsing prunes nothing itself: the clean-up does.
		assert_eq!(MockEnvelopes::held(PATIENT, DOC), vec![LAB_RECORD]);
		assert_noop!(
			Consent::revoke_consent(RuntimeOrigin::signed(PATIENT), id),
			CError::ConsentLapsed
		);

		assert_ok!(Consent::remove_consent(RuntimeOrigin::signed(NURSE), id));

		assert!(Consents::<Test>::get(id).is_none());
		assert!(ConsentsByGrantee::<Test>::get(PATIENT, DOC).is_empty());
		assert!(MockEnvelopes::held(PATIENT, DOC).is_empty());
		// The delegate who paid the deposit has it back.
		assert_eq!(
			Balances::balance_on_hold(
				&RuntimeHoldReason::Consent(crate::HoldReason::ConsentDeposit),
				&PARENT
			),
			0
		);
		assert_invariants();
	});
}

#[test]
fn at_the_per_grantee_bound_a_removed_delegates_lapsed_consents_wait_for_remove_consent() {
	new_test_ext().execute_with(|| {
		// Below the patient's bound, so that the pair's bound is the one reached.
		MaxConsentsPerGrantee::set(3);
		let bound = MaxConsentsPerGrantee::get();
		assert_ok!(add_delegate(PARENT, manage(), None));
		let deny = Grant { by: PARENT, ..Grant::deny(DOC).tags(vec![MENTAL_TAG]) }.ok();
		for _ in 1..bound {
			Grant { by: PARENT, ..Grant::permit(DOC).tags(vec![LAB_TAG]) }.ok();
		}
		assert_ok!(Consent::remove_delegate(RuntimeOrigin::signed(PATIENT), PATIENT, PARENT));

		// The removed delegate paid for all of them: the patient's grant cleans none up (a
		// grant cleans up only what its signer paid for), whatever it is.
		assert_noop!(Grant::permit(DOC).call(), CError::TooManyConsentsToGrantee);
		// Anyone removes the lapsed deny (nothing pruned), its deposit back to the delegate;
		// then the grant fits.
		let parent_held = held(crate::HoldReason::ConsentDeposit, PARENT);
		MockEnvelopes::forget_prunes();
		assert_ok!(Consent::remove_consent(RuntimeOrigin::signed(INSURER), deny));
		assert!(MockEnvelopes::prunes().is_empty());
		assert_eq!(held(crate::HoldReason::ConsentDeposit, PARENT), parent_held - CONSENT_DEPOSIT);
		let new = Grant::permit(DOC).ok();
		assert_eq!(read_lab(DOC), Ok(AccessBasis::Consent(new)));
		assert_noop!(Grant::permit(DOC).call(), CError::TooManyConsentsToGrantee);
		assert_invariants();
	});
}

#[test]
fn a_delegates_consent_ends_with_its_appointment_whatever_end_it_asked() {
	new_test_ext().execute_with(|| {
		set_now(T0);
		assert_ok!(add_delegate(PARENT, manage(), Some(T0 + HOUR)));
		let open = Grant { by: PARENT, ..Grant::permit(DOC) }.ok();
		assert_eq!(Consents::<Test>::get(open).expect("granted").end, Some(T0 + HOUR));
		assert_noop!(
			Grant { by: PARENT, end: Some(T0 + 2 * HOUR), ..Grant::permit(NURSE) }.call(),
			CError::EndsAfterDelegation
		);
		set_now(T0 + HOUR);
		// No lapse is needed: the consent's own end says it, and the check reads no
		// delegation.
		assert_eq!(status(open), ConsentStatus::Active);
		assert_eq!(read_lab(DOC), Err(AccessDenial::NoConsent));
		assert_invariants();
	});
}

#[test]
fn try_state_catches_an_active_consent_of_an_ended_appointment() {
	new_test_ext().execute_with(|| {
		assert_ok!(add_delegate(PARENT, manage(), None));
		Grant { by: PARENT, ..Grant::permit(DOC) }.ok();
		assert_invariants();
		// The appointment gone without the lapse (what `remove_delegate` prevents).
		crate::Delegates::<Test>::remove(PATIENT, PARENT);
		crate::DelegateCount::<Test>::remove(PATIENT);
		let held = RuntimeHoldReason::Consent(crate::HoldReason::DelegateDeposit);
		let _ = <Balances as frame_support::traits::fungible::MutateHold<_>>::release(
			&held,
			&PATIENT,
			DELEGATE_DEPOSIT,
			frame_support::traits::tokens::Precision::Exact,
		);
		assert!(crate::Pallet::<Test>::try_state_appointments().is_err());
	});
}

/// What earlier releases left: a consent of a removed delegate still active, one of a
/// delegate removed and appointed again since, one ending after its appointment, and an
/// index of ids (version 4's layout).
#[test]
fn version_4_consents_of_ended_appointments_lapse_and_the_index_keeps_provisions() {
	new_test_ext().execute_with(|| {
		set_now(T0);
		assert_ok!(add_delegate(PARENT, manage(), None));
		assert_ok!(add_delegate(INSURER, manage(), Some(T0 + 2 * HOUR)));
		let removed = Grant { by: PARENT, ..Grant::permit(DOC) }.ok();
		let timed = Grant { by: INSURER, ..Grant::permit(NURSE) }.ok();
		let own = Grant::permit(DOC).tags(vec![LAB_TAG]).ok();
		set_now(T0 + 1);
		// Version 4 kept the consents active: the check read the delegation.
		for id in [removed, timed] {
			Consents::<Test>::mutate(id, |c| {
				let c = c.as_mut().expect("granted");
				c.status = ConsentStatus::Active;
				c.end = None;
			});
		}
		assert_ok!(Consent::remove_delegate(RuntimeOrigin::signed(PATIENT), PATIENT, PARENT));
		Consents::<Test>::mutate(removed, |c| {
			c.as_mut().expect("kept").status = ConsentStatus::Active
		});
		// The removed delegate is appointed again later: the old consent stays ended.
		assert_ok!(add_delegate(PARENT, manage(), None));
		let ids: Vec<ConsentId> = ConsentsOf::<Test>::get(PATIENT).to_vec();
		for grantee in [DOC, NURSE] {
			let listed: Vec<ConsentId> = ids
				.iter()
				.copied()
				.filter(|id| Consents::<Test>::get(id).is_some_and(|c| c.grantee == grantee))
				.collect();
			frame_support::storage::unhashed::put(
				&ConsentsByGrantee::<Test>::hashed_key_for(PATIENT, grantee),
				&listed,
			);
		}
		StorageVersion::new(4).put::<Consent>();
		let now = T0 + 1;
		let before: Vec<(ConsentId, ConsentStanding)> =
			Consents::<Test>::iter().map(|(id, c)| (id, standing_v4::<Test>(&c, now))).collect();
		assert_eq!(
			standing_v4::<Test>(&Consents::<Test>::get(removed).unwrap(), now),
			ConsentStanding::Ended
		);

		#[cfg(feature = "try-runtime")]
		MigrateV4ToV5::<Test>::try_on_runtime_upgrade(true).expect("pre and post checks pass");
		#[cfg(not(feature = "try-runtime"))]
		MigrateV4ToV5::<Test>::on_runtime_upgrade();

		assert_eq!(Consent::on_chain_storage_version(), StorageVersion::new(5));
		assert_eq!(status(removed), ConsentStatus::Lapsed);
		assert_eq!(status(timed), ConsentStatus::Active);
		assert_eq!(Consents::<Test>::get(timed).unwrap().end, Some(T0 + 2 * HOUR));
		assert_eq!(status(own), ConsentStatus::Active);
		for (id, standing) in before {
			assert_eq!(Consents::<Test>::get(id).unwrap().standing(now), standing);
		}
		assert_eq!(indexed_status(DOC, removed), Some(ConsentStatus::Lapsed));
		assert_eq!(read_lab(DOC), Ok(AccessBasis::Consent(own)));
		assert_eq!(read_lab(NURSE), Ok(AccessBasis::Consent(timed)));
		set_now(T0 + 2 * HOUR);
		assert_eq!(read_lab(NURSE), Err(AccessDenial::NoConsent));
		assert_invariants();
		// Once is enough: run again, nothing changes.
		let after: Vec<_> = Consents::<Test>::iter().collect();
		crate::migrations::v4::InnerMigrateV3ToV4::<Test>::build();
		assert_eq!(Consents::<Test>::iter().collect::<Vec<_>>(), after);
		assert_invariants();
	});
}
