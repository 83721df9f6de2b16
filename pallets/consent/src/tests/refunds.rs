//! What a call is charged in the end: what its checks read (the consents of the patient to the
//! accessor; a grant's scope items and its clean-up at the per-grantee bound; licence lookups
//! read a constant number of items), never more than it was charged before it ran, whatever
//! path the check took (the patient, a delegate, an organisation, a licensed practitioner,
//! break-glass that falls through to the consents).

use super::*;
use crate::WeightInfo;
use frame_support::dispatch::{GetDispatchInfo, PostDispatchInfo};
use frame_support::weights::Weight;
use sp_runtime::traits::Dispatchable;
use telemed_primitives::mocks::MOST_CONSENTS;

type Weights = <Test as crate::Config>::WeightInfo;

fn actual(post: PostDispatchInfo) -> Weight {
	post.actual_weight.expect("the call says what it used")
}

/// `log_access` of `PATIENT`'s laboratory record by `who` for `purpose`: charged before it
/// runs, and in the end.
fn log_weights(who: AccountId, purpose: PurposeOfUse) -> (Weight, Weight) {
	let call = RuntimeCall::Consent(crate::Call::log_access {
		patient: PATIENT,
		action: AccessAction::Read,
		target: record(LAB_TAG, LAB_RECORD),
		purpose,
	});
	let charged = call.get_dispatch_info().call_weight;
	let post = call.dispatch(RuntimeOrigin::signed(who)).expect("the access is allowed");
	(charged, actual(post))
}

#[test]
fn the_weights_depend_on_what_is_read() {
	// Otherwise nothing below tells a refund from none. The consents weighed are one item
	// (its proof is the same whatever they are): the time grows with them.
	assert!(Weights::log_access(1).all_lte(Weights::log_access(MOST_CONSENTS)));
	assert!(Weights::log_access(1).ref_time() < Weights::log_access(MOST_CONSENTS).ref_time());
	// A clean-up reads nothing more (the pair's list says whose deposit goes back), and
	// writes and takes time.
	assert!(Weights::grant_consent(1, 0).all_lte(Weights::grant_consent(1, 1)));
	assert!(Weights::grant_consent(1, 0).ref_time() < Weights::grant_consent(1, 1).ref_time());
	// Each record named costs no read (the patient's list is one item) and a binary search in
	// that list, under a microsecond: the benchmark may fit it at zero, never below.
	assert!(Weights::grant_consent(1, 0).all_lte(Weights::grant_consent(3, 0)));
	assert_eq!(
		Weights::grant_consent(1, 0).proof_size(),
		Weights::grant_consent(16, 0).proof_size()
	);
}

#[test]
fn log_access_is_charged_for_the_longest_check_and_refunded_to_what_it_read() {
	new_test_ext().execute_with(|| {
		Grant::permit(DOC).ok();
		Grant::permit(NURSE).ok();
		Grant::permit(NURSE).ok();
		let per_grantee = MaxConsentsPerGrantee::get();

		// Charged for the most: every consent the pair may hold.
		let (charged, used) = log_weights(DOC, PurposeOfUse::Treatment);
		assert_eq!(charged, Weights::log_access(per_grantee));
		// Refunded to one consent read.
		assert_eq!(used, Weights::log_access(1));
		// Two consents: the most for this pair.
		let (_, used) = log_weights(NURSE, PurposeOfUse::Treatment);
		assert_eq!(used, Weights::log_access(2));
		// The patient reads none.
		let (_, used) = log_weights(PATIENT, PurposeOfUse::Treatment);
		assert_eq!(used, Weights::log_access(0));
		assert_invariants();
	});
}

#[test]
fn an_organisations_permit_is_charged_for_the_consent_it_read() {
	new_test_ext().execute_with(|| {
		Grant::permit(INSURER).ok();
		let (_, used) = log_weights(INSURER, PurposeOfUse::Treatment);
		assert_eq!(used, Weights::log_access(1));
	});
}

#[test]
fn break_glass_that_falls_through_is_charged_within_the_charge() {
	new_test_ext().execute_with(|| {
		Grant { purposes: vec![PurposeOfUse::EmergencyTreatment], ..Grant::permit(DOC) }.ok();
		assert_ok!(Consent::open_emergency_access(RuntimeOrigin::signed(DOC), PATIENT, [1; 32]));
		// The endorsement is gone: the break-glass lookup refuses, the permit's lookup allows.
		MockRegistry::set_emergency(DOC, false);
		let (charged, used) = log_weights(DOC, PurposeOfUse::EmergencyTreatment);
		assert_eq!(charged, Weights::log_access(MaxConsentsPerGrantee::get()));
		assert_eq!(used, Weights::log_access(1));
		assert!(used.all_lte(charged));
		// Still endorsed: the break-glass lookup alone, no consent read.
		MockRegistry::set_emergency(DOC, true);
		let (_, used) = log_weights(DOC, PurposeOfUse::EmergencyTreatment);
		assert_eq!(used, Weights::log_access(0));
	});
}

#[test]
fn a_refused_check_keeps_the_whole_charge() {
	new_test_ext().execute_with(|| {
		Grant::permit(LAPSED).ok();
		let call = RuntimeCall::Consent(crate::Call::log_access {
			patient: PATIENT,
			action: AccessAction::Read,
			target: record(LAB_TAG, LAB_RECORD),
			purpose: PurposeOfUse::Treatment,
		});
		let refused = call.dispatch(RuntimeOrigin::signed(LAPSED)).expect_err("not licensed");
		assert_eq!(refused.error, CError::NotLicensed.into());
		assert_eq!(refused.post_info.actual_weight, None);
	});
}

#[test]
fn a_grant_is_charged_for_its_scope_and_a_clean_up_and_refunded_when_there_was_none() {
	new_test_ext().execute_with(|| {
		let grant = |g: Grant| {
			let call = g.as_call();
			let charged = call.get_dispatch_info().call_weight;
			(charged, actual(call.dispatch(RuntimeOrigin::signed(g.by)).expect("granted")))
		};
		// Two tags named: charged and used for two items; nothing to clean up.
		let (charged, used) = grant(Grant::permit(DOC).tags(vec![LAB_TAG, IMAGING_TAG]));
		assert_eq!(charged, Weights::grant_consent(2, 1));
		assert_eq!(used, Weights::grant_consent(2, 0));
		// All data names none: charged as one item, what the weights measure at least.
		let (charged, used) = grant(Grant::permit(NURSE));
		assert_eq!((charged, used), (Weights::grant_consent(1, 1), Weights::grant_consent(1, 0)));

		assert_invariants();
	});
	new_test_ext().execute_with(|| {
		// At the per-grantee bound, the oldest of the pair's revoked consents is cleaned up
		// first: charged.
		for _ in 0..MaxConsentsPerGrantee::get() {
			Grant::permit(DOC).ok();
		}
		for p in crate::ConsentsByGrantee::<Test>::get(PATIENT, DOC).to_vec() {
			assert_ok!(Consent::revoke_consent(RuntimeOrigin::signed(PATIENT), p.id));
		}
		let call = Grant::permit(DOC).as_call();
		let charged = call.get_dispatch_info().call_weight;
		let used = actual(call.dispatch(RuntimeOrigin::signed(PATIENT)).expect("granted"));
		assert_eq!((charged, used), (Weights::grant_consent(1, 1), Weights::grant_consent(1, 1)));
		assert_eq!(
			crate::ConsentsByGrantee::<Test>::get(PATIENT, DOC).len() as u32,
			MaxConsentsPerGrantee::get()
		);
		assert_invariants();
	});
}

#[test]
fn break_glass_refused_is_charged_in_full() {
	new_test_ext().execute_with(|| {
		let call = RuntimeCall::Consent(crate::Call::open_emergency_access {
			patient: PATIENT,
			statement: [4u8; 32],
		});
		assert_eq!(call.get_dispatch_info().call_weight, Weights::open_emergency_access());
		// Not endorsed for emergency care: refused and charged in full.
		set_practitioner(NURSE, true, false);
		let refused = call.dispatch(RuntimeOrigin::signed(NURSE)).expect_err("not endorsed");
		assert_eq!(refused.error, crate::Error::<Test>::NotEmergencyPractitioner.into());
		assert_eq!(refused.post_info.actual_weight, None);
	});
}
