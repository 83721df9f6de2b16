//! The (patient, grantee) index: an access check reads the accessor's consents only, the
//! per-grantee bound, the index kept by every path that creates or removes a consent, and
//! `try_state` catching an index that differs from the consents.

use super::*;
use crate::{Consents, ConsentsByGrantee, ConsentsOf, HoldReason, Pallet};
use frame_support::{assert_noop, assert_ok};

/// The patient's consents to `grantee`, as the index lists them.
fn indexed(grantee: AccountId) -> Vec<ConsentId> {
	ConsentsByGrantee::<Test>::get(PATIENT, grantee).iter().map(|p| p.id).collect()
}

/// Consent `id`'s provision, as the index should hold it.
fn provision(id: ConsentId) -> crate::ProvisionOf<Test> {
	Consents::<Test>::get(id).expect("a consent").provision(id)
}

/// The access check on reading the laboratory record, and how many consents it read.
fn read_lab_counted(accessor: AccountId) -> (Result<AccessBasis, AccessDenial>, u32) {
	let (outcome, reads) = Pallet::<Test>::access(
		&accessor,
		&PATIENT,
		AccessAction::Read,
		record(LAB_TAG, LAB_RECORD),
		PurposeOfUse::Treatment,
	);
	(outcome, reads.consents)
}

#[test]
fn an_access_check_reads_only_the_accessors_consents() {
	new_test_ext().execute_with(|| {
		// The patient's list is full; one consent is the doctor's.
		for grantee in [INSURER, NURSE, PARENT] {
			Grant::permit(grantee).ok();
		}
		let doc = Grant::permit(DOC).ok();
		assert_eq!(ConsentsOf::<Test>::get(PATIENT).len(), 4);

		assert_eq!(read_lab_counted(DOC), (Ok(AccessBasis::Consent(doc)), 1));
		// Someone without a consent reads nothing at all.
		assert_eq!(read_lab_counted(LAPSED), (Err(AccessDenial::NoConsent), 0));
		// `log_access` is charged for what it read, not for the patient's list.
		let info = Consent::log_access(
			RuntimeOrigin::signed(DOC),
			PATIENT,
			AccessAction::Read,
			record(LAB_TAG, LAB_RECORD),
			PurposeOfUse::Treatment,
		)
		.expect("permitted");
		assert_eq!(info.actual_weight, Some(<() as crate::WeightInfo>::log_access(1)));
		assert_invariants();
	});
}

#[test]
fn a_deny_among_the_accessors_consents_still_overrides_a_permit() {
	new_test_ext().execute_with(|| {
		Grant::permit(INSURER).ok();
		let permit = Grant::permit(DOC).ok();
		let deny = Grant::deny(DOC).records(vec![LAB_RECORD]).ok();
		assert_eq!(indexed(DOC), vec![permit, deny]);
		assert_eq!(read_lab_counted(DOC), (Err(AccessDenial::ExplicitlyDenied(deny)), 2));
		// The imaging record is not denied: the permit counts.
		assert_eq!(read_imaging(DOC), Ok(AccessBasis::Consent(permit)));
		assert_invariants();
	});
}

#[test]
fn a_patient_has_a_bounded_number_of_consents_to_one_grantee() {
	new_test_ext().execute_with(|| {
		MaxConsentsPerGrantee::set(2);
		assert_ok!(add_delegate(PARENT, vec![DelegateScope::ManageConsents], None));
		let first = Grant::permit(DOC).ok();
		let second = Grant::deny(DOC).tags(vec![MENTAL_TAG]).ok();
		// At the bound: refused whoever signs, nothing changes.
		assert_noop!(Grant::permit(DOC).call(), CError::TooManyConsentsToGrantee);
		assert_noop!(
			Grant { by: PARENT, ..Grant::permit(DOC) }.call(),
			CError::TooManyConsentsToGrantee
		);
		// Other grantees are not affected.
		Grant::permit(NURSE).ok();
		// A revoked consent stays listed until it is cleaned up; a grant at the bound cleans
		// it up first (`a_grant_at_the_grantee_bound_cleans_up_...` below).
		assert_ok!(Consent::revoke_consent(RuntimeOrigin::signed(PATIENT), first));
		assert_eq!(indexed(DOC), vec![first, second]);
		let third = Grant::permit(DOC).ok();
		assert!(Consents::<Test>::get(first).is_none());
		assert_eq!(indexed(DOC), vec![second, third]);
		// The per-patient bound is checked first.
		Grant::permit(INSURER).ok();
		assert_noop!(Grant::permit(DOC).call(), CError::TooManyConsents);
		assert_invariants();
	});
}

/// This pallet's events, in order.
fn consent_events() -> Vec<Event<Test>> {
	System::events()
		.into_iter()
		.filter_map(|r| match r.event {
			RuntimeEvent::Consent(e) => Some(e),
			_ => None,
		})
		.collect()
}

#[test]
fn a_grant_at_the_grantee_bound_cleans_up_the_oldest_revoked_consent_or_ended_deny_the_signer_paid()
{
	new_test_ext().execute_with(|| {
		MaxConsentsPerGrantee::set(3);
		assert_ok!(add_delegate(PARENT, vec![DelegateScope::ManageConsents], None));
		let by_parent = Grant { by: PARENT, ..Grant::permit(DOC) }.ok();
		let revoked = Grant::permit(DOC).records(vec![IMAGING_RECORD]).ok();
		let ended = Grant { end: Some(T0 + 10), ..Grant::deny(DOC).records(vec![LAB_RECORD]) }.ok();
		for id in [by_parent, revoked] {
			assert_ok!(Consent::revoke_consent(RuntimeOrigin::signed(PATIENT), id));
		}
		set_now(T0 + 10);
		assert_eq!(indexed(DOC), vec![by_parent, revoked, ended]);
		let patient_held = held(HoldReason::ConsentDeposit, PATIENT);
		let parent_held = held(HoldReason::ConsentDeposit, PARENT);
		MockEnvelopes::forget_prunes();
		System::reset_events();

		// One past the bound, signed by the patient: the oldest the grant may take of those
		// the patient paid for, the revoked permit, goes first as `remove_consent` takes it,
		// its deposit back to the patient. Not the older one the delegate paid for. One only:
		// the ended deny stays listed, and still counts for nothing.
		let new = Grant::permit(DOC).tags(vec![LAB_TAG]).ok();
		assert_eq!(indexed(DOC), vec![by_parent, ended, new]);
		assert_eq!(ConsentsOf::<Test>::get(PATIENT).to_vec(), vec![by_parent, ended, new]);
		assert!(Consents::<Test>::get(revoked).is_none());
		assert!(Consents::<Test>::get(ended).is_some());
		// The deposit back, the new consent's held: the same.
		assert_eq!(held(HoldReason::ConsentDeposit, PATIENT), patient_held);
		assert_eq!(held(HoldReason::ConsentDeposit, PARENT), parent_held);
		let granted = |id, by| Event::ConsentGranted {
			id,
			patient: PATIENT,
			grantee: DOC,
			decision: crate::Decision::Permit,
			by,
		};
		assert_eq!(
			consent_events(),
			vec![
				Event::ConsentRemoved { id: revoked, depositor: PATIENT, deposit: CONSENT_DEPOSIT },
				granted(new, PATIENT),
			]
		);
		assert_eq!(read_lab(DOC), Ok(AccessBasis::Consent(new)));

		// The next grant at the bound takes the ended deny.
		System::reset_events();
		let newer = Grant::permit(DOC).tags(vec![MENTAL_TAG]).ok();
		assert_eq!(indexed(DOC), vec![by_parent, new, newer]);
		assert!(Consents::<Test>::get(ended).is_none());
		assert_eq!(held(HoldReason::ConsentDeposit, PATIENT), patient_held);
		assert_eq!(
			consent_events(),
			vec![
				Event::ConsentRemoved { id: ended, depositor: PATIENT, deposit: CONSENT_DEPOSIT },
				granted(newer, PATIENT),
			]
		);
		// Their removal pruned nothing (the revocation pruned already; a deny never does).
		assert!(MockEnvelopes::prunes().is_empty());
		// Nothing left the patient paid for: refused, nothing changes, the delegate's
		// revoked consent untouched.
		assert_noop!(Grant::permit(DOC).call(), CError::TooManyConsentsToGrantee);

		// The delegate's grant at the bound takes the one the delegate paid for, the deposit
		// back to the delegate.
		System::reset_events();
		let by_parent_again = Grant { by: PARENT, ..Grant::permit(DOC) }.ok();
		assert_eq!(indexed(DOC), vec![new, newer, by_parent_again]);
		assert!(Consents::<Test>::get(by_parent).is_none());
		assert_eq!(held(HoldReason::ConsentDeposit, PARENT), parent_held);
		assert_eq!(
			consent_events(),
			vec![
				Event::ConsentRemoved {
					id: by_parent,
					depositor: PARENT,
					deposit: CONSENT_DEPOSIT
				},
				granted(by_parent_again, PARENT),
			]
		);
		assert_invariants();
	});
}

#[test]
fn a_grant_at_the_bound_does_not_clean_up_a_consent_another_account_paid_for() {
	new_test_ext().execute_with(|| {
		MaxConsentsPerGrantee::set(2);
		assert_ok!(add_delegate(PARENT, vec![DelegateScope::ManageConsents], None));
		let revoked = Grant::permit(DOC).ok();
		let ended = Grant { end: Some(T0 + 10), ..Grant::deny(DOC).records(vec![LAB_RECORD]) }.ok();
		assert_ok!(Consent::revoke_consent(RuntimeOrigin::signed(PATIENT), revoked));
		set_now(T0 + 10);
		let patient_held = held(HoldReason::ConsentDeposit, PATIENT);
		let parent_held = held(HoldReason::ConsentDeposit, PARENT);
		// Both could go, but the patient paid for both: the delegate's grant is refused, and
		// nothing changes (nobody's deposit moves).
		for grant in [Grant::permit(DOC), Grant::deny(DOC)] {
			assert_noop!(Grant { by: PARENT, ..grant }.call(), CError::TooManyConsentsToGrantee);
		}
		assert_eq!(held(HoldReason::ConsentDeposit, PATIENT), patient_held);
		assert_eq!(held(HoldReason::ConsentDeposit, PARENT), parent_held);
		// Anyone may remove one, the deposit back to the patient; then the delegate grants.
		assert_ok!(Consent::remove_consent(RuntimeOrigin::signed(INSURER), revoked));
		assert_eq!(held(HoldReason::ConsentDeposit, PATIENT), patient_held - CONSENT_DEPOSIT);
		let new = Grant { by: PARENT, ..Grant::permit(DOC) }.ok();
		assert_eq!(indexed(DOC), vec![ended, new]);
		assert_eq!(held(HoldReason::ConsentDeposit, PARENT), parent_held + CONSENT_DEPOSIT);
		// The list keeps who paid for each: the patient's grant at the bound takes its own
		// ended deny, not the delegate's permit.
		let own = Grant::permit(DOC).tags(vec![LAB_TAG]).ok();
		assert_eq!(indexed(DOC), vec![new, own]);
		let listed = ConsentsByGrantee::<Test>::get(PATIENT, DOC);
		assert_eq!(
			listed.iter().map(|p| (p.depositor, p.deposit)).collect::<Vec<_>>(),
			vec![(PARENT, CONSENT_DEPOSIT), (PATIENT, CONSENT_DEPOSIT)]
		);
		assert_invariants();
	});
}

#[test]
fn the_consent_cleaned_up_at_the_bound_is_the_oldest_the_grant_may_take_wherever_it_is() {
	new_test_ext().execute_with(|| {
		MaxConsentsPerGrantee::set(4);
		// In the order granted: in force, a permit whose end passed (not taken: its removal
		// prunes), revoked, revoked.
		let in_force = Grant::permit(DOC).ok();
		let expired = Grant { end: Some(T0 + 10), ..Grant::permit(DOC).tags(vec![LAB_TAG]) }.ok();
		let first_revoked = Grant::permit(DOC).tags(vec![IMAGING_TAG]).ok();
		let second_revoked = Grant::permit(DOC).tags(vec![MENTAL_TAG]).ok();
		// Revoked in the other order: the order granted decides, not the order revoked.
		for id in [second_revoked, first_revoked] {
			assert_ok!(Consent::revoke_consent(RuntimeOrigin::signed(PATIENT), id));
		}
		set_now(T0 + 10);
		MockEnvelopes::forget_prunes();
		let new = Grant::deny(DOC).records(vec![LAB_RECORD]).ok();
		assert_eq!(indexed(DOC), vec![in_force, expired, second_revoked, new]);
		assert!(Consents::<Test>::get(first_revoked).is_none());
		// The expired permit is still there for `remove_consent`, which prunes what it covered.
		assert_ok!(Consent::remove_consent(RuntimeOrigin::signed(INSURER), expired));
		assert_eq!(indexed(DOC), vec![in_force, second_revoked, new]);
		assert_invariants();
	});
}

#[test]
fn a_full_list_a_grant_may_not_clean_up_is_still_refused() {
	new_test_ext().execute_with(|| {
		MaxConsentsPerGrantee::set(2);
		let in_force = Grant::permit(DOC).ok();
		let expiring = Grant { end: Some(T0 + 10), ..Grant::permit(DOC).tags(vec![LAB_TAG]) }.ok();
		// Every consent in force: refused, whatever the decision, nothing changes.
		assert_noop!(Grant::permit(DOC).call(), CError::TooManyConsentsToGrantee);
		assert_noop!(Grant::deny(DOC).call(), CError::TooManyConsentsToGrantee);
		set_now(T0 + 10);
		// A permit whose end passed is not cleaned up by a grant (its removal prunes what it
		// covered, which `remove_consent` is charged for): still refused.
		assert_noop!(Grant::permit(DOC).call(), CError::TooManyConsentsToGrantee);
		assert_ok!(Consent::remove_consent(RuntimeOrigin::signed(INSURER), expiring));
		let new = Grant::permit(DOC).tags(vec![IMAGING_TAG]).ok();
		assert_eq!(indexed(DOC), vec![in_force, new]);
		assert_invariants();
	});
}

#[test]
fn a_list_full_of_consents_not_yet_started_is_refused() {
	new_test_ext().execute_with(|| {
		MaxConsentsPerGrantee::set(2);
		for _ in 0..2 {
			Grant { start: Some(T0 + 100), ..Grant::permit(DOC) }.ok();
		}
		assert_noop!(Grant::permit(DOC).call(), CError::TooManyConsentsToGrantee);
		assert_invariants();
	});
}

#[test]
fn every_path_that_ends_a_consent_keeps_the_index() {
	new_test_ext().execute_with(|| {
		assert_ok!(add_delegate(PARENT, vec![DelegateScope::ManageConsents], None));
		let revoked = Grant::permit(DOC).ok();
		let expiring = Grant { end: Some(T0 + HOUR), ..Grant::deny(DOC) }.ok();
		let by_delegate = Grant { by: PARENT, ..Grant::permit(DOC) }.ok();
		let other = Grant::permit(NURSE).ok();
		assert_eq!(indexed(DOC), vec![revoked, expiring, by_delegate]);
		assert_eq!(indexed(NURSE), vec![other]);

		// Revoked: listed until cleaned up; cleaned up once only.
		assert_ok!(Consent::revoke_consent(RuntimeOrigin::signed(PATIENT), revoked));
		assert_eq!(indexed(DOC), vec![revoked, expiring, by_delegate]);
		assert_ok!(Consent::remove_consent(RuntimeOrigin::signed(NURSE), revoked));
		assert_noop!(
			Consent::remove_consent(RuntimeOrigin::signed(NURSE), revoked),
			CError::UnknownConsent
		);
		assert_eq!(indexed(DOC), vec![expiring, by_delegate]);
		assert_invariants();

		// Expired: no write until cleaned up, and it no longer counts meanwhile.
		set_now(T0 + HOUR);
		assert_eq!(indexed(DOC), vec![expiring, by_delegate]);
		assert_eq!(read_lab(DOC), Ok(AccessBasis::Consent(by_delegate)));
		assert_ok!(Consent::remove_consent(RuntimeOrigin::signed(NURSE), expiring));
		assert_eq!(indexed(DOC), vec![by_delegate]);

		// Ended with the delegation that granted it.
		assert_ok!(Consent::remove_delegate(RuntimeOrigin::signed(PATIENT), PATIENT, PARENT));
		assert_eq!(read_lab(DOC), Err(AccessDenial::NoConsent));
		assert_ok!(Consent::remove_consent(RuntimeOrigin::signed(NURSE), by_delegate));
		// The emptied list is removed, the other grantee's untouched.
		assert!(!ConsentsByGrantee::<Test>::contains_key(PATIENT, DOC));
		assert_eq!(indexed(NURSE), vec![other]);
		assert_invariants();
	});
}

#[test]
fn try_state_catches_an_index_that_differs_from_the_consents() {
	new_test_ext().execute_with(|| {
		let doc = Grant::permit(DOC).ok();
		let nurse = Grant::permit(NURSE).ok();
		assert_invariants();
		let check = || crate::Pallet::<Test>::do_try_state();

		// A consent missing from the index: an access check would not see it.
		ConsentsByGrantee::<Test>::remove(PATIENT, DOC);
		assert!(check().is_err());
		// Listed under another grantee.
		ConsentsByGrantee::<Test>::insert(
			PATIENT,
			DOC,
			bounded::<_, MaxConsentsPerGrantee>(vec![provision(nurse)]),
		);
		assert!(check().is_err());
		// Listed twice.
		ConsentsByGrantee::<Test>::insert(
			PATIENT,
			DOC,
			bounded::<_, MaxConsentsPerGrantee>(vec![provision(doc), provision(doc)]),
		);
		assert!(check().is_err());
		// Listed with terms other than the consent's: revoked in the consent, active in the
		// index (the check would still count it), or for more purposes.
		let mut stale = provision(doc);
		Consents::<Test>::mutate(doc, |c| {
			c.as_mut().expect("granted").status = crate::ConsentStatus::Revoked
		});
		ConsentsByGrantee::<Test>::insert(
			PATIENT,
			DOC,
			bounded::<_, MaxConsentsPerGrantee>(vec![stale.clone()]),
		);
		assert!(check().is_err());
		Consents::<Test>::mutate(doc, |c| {
			c.as_mut().expect("granted").status = crate::ConsentStatus::Active
		});
		stale.purposes = bounded(vec![PurposeOfUse::Treatment, PurposeOfUse::Research]);
		ConsentsByGrantee::<Test>::insert(
			PATIENT,
			DOC,
			bounded::<_, MaxConsentsPerGrantee>(vec![stale]),
		);
		assert!(check().is_err());
		// An empty list kept.
		ConsentsByGrantee::<Test>::insert(
			PATIENT,
			DOC,
			bounded::<_, MaxConsentsPerGrantee>(vec![provision(doc)]),
		);
		ConsentsByGrantee::<Test>::insert(
			PATIENT,
			INSURER,
			bounded::<_, MaxConsentsPerGrantee>(vec![]),
		);
		assert!(check().is_err());
		ConsentsByGrantee::<Test>::remove(PATIENT, INSURER);
		// Listed under another patient.
		ConsentsByGrantee::<Test>::insert(
			OTHER_PATIENT,
			DOC,
			bounded::<_, MaxConsentsPerGrantee>(vec![provision(doc)]),
		);
		assert!(check().is_err());
		ConsentsByGrantee::<Test>::remove(OTHER_PATIENT, DOC);
		assert_invariants();
	});
}

/// Other pallets' benchmarks reach the longest refusal: `MaxConsentsPerGrantee` permits, each
/// covering the access and granted by a delegate, to a practitioner none of whose licences
/// counts.
#[cfg(feature = "runtime-benchmarks")]
#[test]
fn make_refused_reads_every_permit_then_refuses_the_licence() {
	new_test_ext().execute_with(|| {
		let grantee: AccountId = 77;
		<Consent as ConsentVerifier<AccountId>>::make_refused(
			&grantee,
			&PATIENT,
			AccessAction::Read,
			PurposeOfUse::Treatment,
		);
		let ids = indexed(grantee);
		assert_eq!(ids.len() as u32, MaxConsentsPerGrantee::get());
		assert!(ids.iter().all(|id| Consents::<Test>::get(id)
			.is_some_and(|c| c.granted_by != PATIENT && c.decision == crate::Decision::Permit)));
		assert_eq!(
			read_lab_counted(grantee),
			(Err(AccessDenial::NotLicensed), MaxConsentsPerGrantee::get())
		);
		assert_invariants();
	});
}

/// A stranger's cleanup reaches the longest refusal for good: `MaxConsentsPerGrantee`
/// covering permits, each granted by a delegate whose appointment has ended.
#[cfg(feature = "runtime-benchmarks")]
#[test]
fn make_ended_reads_every_permit_then_finds_no_consent() {
	new_test_ext().execute_with(|| {
		let grantee: AccountId = 77;
		<Consent as ConsentVerifier<AccountId>>::make_ended(
			&grantee,
			&PATIENT,
			AccessAction::Read,
			PurposeOfUse::Treatment,
		);
		assert_eq!(indexed(grantee).len() as u32, MaxConsentsPerGrantee::get());
		assert_eq!(
			read_lab_counted(grantee),
			(Err(AccessDenial::NoConsent), MaxConsentsPerGrantee::get())
		);
		assert_invariants();
	});
}
