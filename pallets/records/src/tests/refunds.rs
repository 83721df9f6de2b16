//! What the calls that check access are charged in the end: what the checks read (the
//! consents of the patient to the caller; licence lookups read a constant number of items),
//! never more than they were charged before they ran, whatever path the check took.

use super::*;
use crate::WeightInfo;
use frame_support::dispatch::{GetDispatchInfo, PostDispatchInfo};
use frame_support::weights::Weight;
use sp_runtime::traits::Dispatchable;
use telemed_primitives::mocks::MOST_CONSENTS;
use telemed_primitives::{AccessAction, DelegateScope};

type Weights = <Test as crate::Config>::WeightInfo;

/// Dispatches `call` as `who`: charged before it ran, and in the end.
fn weights(call: RuntimeCall, who: AccountId) -> (Weight, Weight) {
	let charged = call.get_dispatch_info().call_weight;
	let post: PostDispatchInfo = call.dispatch(RuntimeOrigin::signed(who)).expect("allowed");
	(charged, post.actual_weight.expect("the call says what it used"))
}

/// `add_record` of a laboratory result of `PATIENT` for `purpose`.
fn add_call(purpose: PurposeOfUse) -> RuntimeCall {
	let r = NewRecord { purpose, ..NewRecord::by(PATIENT) };
	RuntimeCall::Records(crate::Call::add_record {
		patient: r.patient,
		tag: r.tag,
		commitment: [1u8; 32],
		ciphertext_hash: [2u8; 32],
		size_class: r.size_class,
		locator: bounded(&r.locator),
		purpose,
	})
}

#[test]
fn the_weights_depend_on_what_is_read() {
	// The consents weighed are one item (its proof is the same whatever they are): the time
	// grows with them, by under a microsecond each (their decoding), which a benchmark run on
	// a noisy machine may fit at zero, never below.
	for weight in [Weights::add_record, Weights::access_record, Weights::amend_record] {
		assert!(weight(1).all_lte(weight(MOST_CONSENTS)));
	}
}

#[test]
fn adding_is_charged_for_the_longest_checks_and_refunded_to_what_they_read() {
	new_test_ext().execute_with(|| {
		// The patient: no check reads anything.
		let (charged, used) = weights(add_call(PurposeOfUse::Treatment), PATIENT);
		assert_eq!(charged, Weights::add_record(MOST_CONSENTS));
		assert_eq!(used, Weights::add_record(0));
		// A delegate with `AccessRecords`: neither.
		MockConsent::delegate(PATIENT, PARENT, DelegateScope::AccessRecords);
		let (_, used) = weights(add_call(PurposeOfUse::Treatment), PARENT);
		assert_eq!(used, Weights::add_record(0));
		// A practitioner: two consents read.
		MockConsent::permit(DOC, PATIENT, AccessAction::Append, PurposeOfUse::Treatment, None);
		MockConsent::set_consent_reads(DOC, PATIENT, 2);
		let (_, used) = weights(add_call(PurposeOfUse::Treatment), DOC);
		assert_eq!(used, Weights::add_record(2));
		// Amending it: the same checks.
		let id = crate::NextRecordId::<Test>::get() - 1;
		MockConsent::permit(DOC, PATIENT, AccessAction::Amend, PurposeOfUse::Treatment, None);
		let amend = RuntimeCall::Records(crate::Call::amend_record {
			previous: id,
			commitment: [3u8; 32],
			ciphertext_hash: [4u8; 32],
			size_class: 13,
			locator: bounded(b"ipfs://bafy2"),
			purpose: PurposeOfUse::Treatment,
		});
		let (charged, used) = weights(amend, DOC);
		assert_eq!(charged, Weights::amend_record(MOST_CONSENTS));
		assert_eq!(used, Weights::amend_record(2));
		assert_invariants();
	});
}

#[test]
fn break_glass_is_charged_for_the_longest_check_and_refunded_within_the_charge() {
	new_test_ext().execute_with(|| {
		// The break-glass lookup refuses (no endorsement), the permit's lookup allows.
		MockConsent::open_emergency(DOC, PATIENT, 7);
		MockConsent::permit(
			DOC,
			PATIENT,
			AccessAction::Append,
			PurposeOfUse::EmergencyTreatment,
			None,
		);
		let (charged, used) = weights(add_call(PurposeOfUse::EmergencyTreatment), DOC);
		assert_eq!(charged, Weights::add_record(MOST_CONSENTS));
		assert_eq!(used, Weights::add_record(1));
		assert!(used.all_lte(charged));
	});
}

#[test]
fn reading_is_charged_for_the_longest_check_of_any_purpose_and_refunded_to_what_it_read() {
	new_test_ext().execute_with(|| {
		let id = NewRecord::by(PATIENT).add();
		MockConsent::permit(DOC, PATIENT, AccessAction::Read, PurposeOfUse::Treatment, None);
		assert_ok!(envelope(PATIENT, id, DOC));
		let read = RuntimeCall::Records(crate::Call::access_record { record: id });
		let (charged, used) = weights(read, DOC);
		// The envelope's purpose is read in the call: the most of any purpose is charged.
		assert_eq!(charged, Weights::access_record(MOST_CONSENTS));
		assert_eq!(used, Weights::access_record(1));
	});
}

#[test]
fn a_refused_write_keeps_the_whole_charge() {
	new_test_ext().execute_with(|| {
		MockConsent::permit(LAPSED, PATIENT, AccessAction::Append, PurposeOfUse::Treatment, None);
		let refused = add_call(PurposeOfUse::Treatment)
			.dispatch(RuntimeOrigin::signed(LAPSED))
			.expect_err("not licensed");
		assert_eq!(refused.error, RError::NotLicensed.into());
		assert_eq!(refused.post_info.actual_weight, None);
	});
}
