//! Issue 13: scopes name blinded tags (another patient's covers nothing), the access target coverage
//! (records, tags, all data, the relationship alone), no emergency reason and no tag in the
//! log, and envelope pruning in every call that ends or narrows access, charged at the most
//! and refunded to what was used.

use super::*;
use crate::{ConsentScope, Consents, HoldReason, WeightInfo};
use codec::Encode;
use frame_support::{
	assert_noop, assert_ok,
	dispatch::{GetDispatchInfo, PostDispatchInfo},
	weights::Weight,
};
use sp_runtime::traits::Dispatchable;
use telemed_primitives::{DisclosedData, EnvelopeKeeper};

type Weights = <Test as crate::Config>::WeightInfo;

fn max_prune() -> Weight {
	<MockEnvelopes as EnvelopeKeeper<AccountId>>::max_prune_weight()
}

/// What the mock keeper's pruning of `n` envelopes weighs.
fn prune_of(n: u64) -> Weight {
	Weight::from_parts(PRUNE_BASE + PRUNE_PER_ENVELOPE * n, 0)
}

fn actual(post: PostDispatchInfo) -> Weight {
	post.actual_weight.expect("the calls that prune say what they used")
}

/// A second laboratory record of `PATIENT`.
const LAB_RECORD_2: RecordId = 104;

// ---- tag scopes -----------------------------------------------------------------------------

/// `check_access` of `accessor` on `OTHER_PATIENT`'s data.
fn check_others(
	accessor: AccountId,
	action: AccessAction,
	target: AccessTarget,
) -> Result<AccessBasis, AccessDenial> {
	<crate::Pallet<Test> as ConsentVerifier<AccountId>>::check_access(
		&accessor,
		&OTHER_PATIENT,
		action,
		target,
		PurposeOfUse::Treatment,
	)
}

/// A grant does not look tags up (a read each, issue 15): naming another patient's tag is
/// accepted, and opens (or closes) none of that patient's data, whoever grants it and however
/// the tag is hidden among the patient's own.
#[test]
fn a_scope_naming_another_patients_tag_covers_none_of_their_data() {
	new_test_ext().execute_with(|| {
		assert_ok!(add_delegate(PARENT, vec![DelegateScope::ManageConsents], None));
		let theirs = record(OTHERS_LAB_TAG, OTHERS_RECORD);
		let permits = [
			Grant::permit(DOC).tags(vec![OTHERS_LAB_TAG]).ok(),
			// Hidden among the patient's own tags, at the end of the sorted list.
			Grant::permit(DOC).tags(vec![LAB_TAG, MENTAL_TAG, OTHERS_LAB_TAG]).ok(),
			Grant { by: PARENT, ..Grant::permit(DOC) }.tags(vec![IMAGING_TAG, OTHERS_LAB_TAG]).ok(),
		];
		assert_eq!(
			Consents::<Test>::get(permits[0]).map(|c| c.scope),
			Some(ConsentScope::Tags(bounded(vec![OTHERS_LAB_TAG])))
		);
		// Nothing of the other patient's is open: their data is checked on their consents.
		for action in [AccessAction::Read, AccessAction::Append, AccessAction::Amend] {
			assert_eq!(check_others(DOC, action, theirs), Err(AccessDenial::NoConsent));
			assert_eq!(
				check_others(DOC, action, AccessTarget::Tag(OTHERS_LAB_TAG)),
				Err(AccessDenial::NoConsent)
			);
		}
		// Nor is it the patient's: logging an access to it against the patient is refused.
		assert_noop!(
			log(DOC, AccessTarget::Tag(OTHERS_LAB_TAG), PurposeOfUse::Treatment),
			CError::TagOfAnotherPatient
		);
		// The patient's own tag named beside it still counts.
		assert_eq!(read_lab(DOC), Ok(AccessBasis::Consent(permits[1])));

		// A deny naming it takes nothing from the other patient's own permit.
		assert_ok!(Balances::force_set_balance(RuntimeOrigin::root(), OTHER_PATIENT, 1_000));
		let their_permit =
			Grant { by: OTHER_PATIENT, patient: OTHER_PATIENT, ..Grant::permit(DOC) }
				.tags(vec![OTHERS_LAB_TAG])
				.ok();
		Grant::deny(DOC).tags(vec![OTHERS_LAB_TAG]).ok();
		assert_eq!(
			check_others(DOC, AccessAction::Read, theirs),
			Ok(AccessBasis::Consent(their_permit))
		);
		assert_invariants();
	});
}

#[test]
fn a_scope_may_name_a_tag_no_record_carries_yet() {
	new_test_ext().execute_with(|| {
		let id = Grant::permit(DOC).tags(vec![MENTAL_TAG]).ok();
		assert_eq!(
			Consents::<Test>::get(id).unwrap().scope,
			ConsentScope::Tags(bounded(vec![MENTAL_TAG]))
		);
		// It covers the record added later under that tag, and adding under it.
		MockRecords::add(7, PATIENT, MENTAL_TAG);
		let read = |t| check(DOC, AccessAction::Read, t, PurposeOfUse::Treatment);
		assert_eq!(read(record(MENTAL_TAG, 7)), Ok(AccessBasis::Consent(id)));
		assert_eq!(
			check(DOC, AccessAction::Read, AccessTarget::Tag(MENTAL_TAG), PurposeOfUse::Treatment),
			Ok(AccessBasis::Consent(id))
		);
		assert_invariants();
	});
}

/// A tag freed by a shred may then carry the patient's records: a scope that named it while
/// another patient's records carried it covers them from then on, like any tag named before
/// its first record.
#[test]
fn a_tag_named_while_another_patients_covers_the_patients_records_once_freed() {
	new_test_ext().execute_with(|| {
		let id = Grant::permit(DOC).tags(vec![OTHERS_LAB_TAG]).ok();
		let read = |t| check(DOC, AccessAction::Read, t, PurposeOfUse::Treatment);
		// Until then no record of the patient carries it (the records pallet refuses one),
		// and an access logged under it is refused.
		assert_noop!(
			log(DOC, AccessTarget::Tag(OTHERS_LAB_TAG), PurposeOfUse::Treatment),
			CError::TagOfAnotherPatient
		);
		MockRecords::shred(OTHERS_RECORD);
		MockRecords::add(7, PATIENT, OTHERS_LAB_TAG);
		assert_eq!(read(record(OTHERS_LAB_TAG, 7)), Ok(AccessBasis::Consent(id)));
		assert_invariants();
	});
}

#[test]
fn a_tag_scope_is_bounded_and_checked_as_a_set() {
	new_test_ext().execute_with(|| {
		assert_noop!(Grant::permit(DOC).tags(vec![]).call(), CError::EmptyScope);
		assert_noop!(
			Grant::permit(DOC).tags(vec![MENTAL_TAG, LAB_TAG, MENTAL_TAG]).call(),
			CError::Duplicate
		);
		// At the bound (3 in the mock) it is fine; past it the call does not even decode.
		Grant::permit(DOC).tags(vec![MENTAL_TAG, LAB_TAG, IMAGING_TAG]).ok();
		let four: BoundedVec<Tag, frame_support::traits::ConstU32<10>> =
			bounded(vec![[1; 32], [2; 32], [3; 32], [4; 32]]);
		let encoded =
			crate::ScopeRequest::<frame_support::traits::ConstU32<10>>::Tags(four).encode();
		assert!(<ScopeRequestOf<Test> as codec::Decode>::decode(&mut &encoded[..]).is_err());
	});
}

#[test]
fn the_tags_scope_keeps_the_categories_codec_index() {
	let tags = ScopeRequestOf::<Test>::Tags(bounded(vec![LAB_TAG])).encode();
	assert_eq!(tags[0], 1, "Tags replaces Categories at index 1");
	assert_eq!(ScopeRequestOf::<Test>::AllData.encode(), vec![0]);
	assert_eq!(ScopeRequestOf::<Test>::Records(bounded(vec![1])).encode()[0], 2);
}

// ---- coverage of access targets ---------------------------------------------------------------

/// Every kind of target `DOC` might ask for, with whether each consent scope covers it.
fn read(target: AccessTarget) -> Result<AccessBasis, AccessDenial> {
	check(DOC, AccessAction::Read, target, PurposeOfUse::Treatment)
}

#[test]
fn a_tag_permit_covers_its_tags_and_the_relationship_only() {
	new_test_ext().execute_with(|| {
		let id = Grant::permit(DOC).tags(vec![LAB_TAG]).ok();
		let yes = Ok(AccessBasis::Consent(id));
		let no = Err(AccessDenial::NoConsent);
		assert_eq!(read(record(LAB_TAG, LAB_RECORD)), yes);
		assert_eq!(read(AccessTarget::Tag(LAB_TAG)), yes);
		assert_eq!(read(AccessTarget::Relationship), yes);
		assert_eq!(read(record(IMAGING_TAG, IMAGING_RECORD)), no);
		assert_eq!(read(AccessTarget::Tag(MENTAL_TAG)), no);
		assert_eq!(read(AccessTarget::AllData), no, "break-glass needs all data");
	});
}

#[test]
fn a_record_permit_covers_its_records_and_the_relationship_only() {
	new_test_ext().execute_with(|| {
		let id = Grant::permit(DOC).records(vec![LAB_RECORD]).ok();
		let yes = Ok(AccessBasis::Consent(id));
		let no = Err(AccessDenial::NoConsent);
		assert_eq!(read(record(LAB_TAG, LAB_RECORD)), yes);
		assert_eq!(read(AccessTarget::Relationship), yes);
		assert_eq!(read(AccessTarget::Tag(LAB_TAG)), no, "new data under the tag is not it");
		assert_eq!(read(record(LAB_TAG, LAB_RECORD_2)), no, "another record, same tag");
		assert_eq!(read(AccessTarget::AllData), no);
	});
}

#[test]
fn an_all_data_permit_covers_every_target() {
	new_test_ext().execute_with(|| {
		let id = Grant::permit(DOC).ok();
		for target in [
			record(LAB_TAG, LAB_RECORD),
			AccessTarget::Tag(MENTAL_TAG),
			AccessTarget::AllData,
			AccessTarget::Relationship,
		] {
			assert_eq!(read(target), Ok(AccessBasis::Consent(id)));
		}
	});
}

#[test]
fn the_relationship_is_denied_only_by_a_deny_of_all_data() {
	new_test_ext().execute_with(|| {
		let pay =
			|who| check(who, AccessAction::Read, AccessTarget::Relationship, PurposeOfUse::Payment);
		let payment = |g: Grant| Grant { purposes: vec![PurposeOfUse::Payment], ..g };
		// Any permit for the action and purpose will do, even of one record.
		let permit = payment(Grant::permit(INSURER)).records(vec![IMAGING_RECORD]).ok();
		assert_eq!(pay(INSURER), Ok(AccessBasis::Consent(permit)));
		// But not for another action or purpose.
		assert_eq!(
			check(INSURER, AccessAction::Append, AccessTarget::Relationship, PurposeOfUse::Payment),
			Err(AccessDenial::NoConsent)
		);
		assert_eq!(
			check(INSURER, AccessAction::Read, AccessTarget::Relationship, PurposeOfUse::Research),
			Err(AccessDenial::NoConsent)
		);
		// A deny of some tags or records withholds that data, not the relationship.
		payment(Grant::deny(INSURER)).tags(vec![MENTAL_TAG]).ok();
		payment(Grant::deny(INSURER)).records(vec![LAB_RECORD]).ok();
		assert_eq!(pay(INSURER), Ok(AccessBasis::Consent(permit)));
		// A deny of all data ends it.
		let all = payment(Grant::deny(INSURER)).ok();
		assert_eq!(pay(INSURER), Err(AccessDenial::ExplicitlyDenied(all)));
	});
}

#[test]
fn all_data_is_refused_by_a_deny_of_any_part() {
	new_test_ext().execute_with(|| {
		let permit = Grant::permit(DOC).ok();
		assert_eq!(read(AccessTarget::AllData), Ok(AccessBasis::Consent(permit)));
		// Withholding one tag withholds "everything" too: a deny is never weakened by asking
		// for more.
		let deny = Grant::deny(DOC).tags(vec![MENTAL_TAG]).ok();
		assert_eq!(read(AccessTarget::AllData), Err(AccessDenial::ExplicitlyDenied(deny)));
		assert_eq!(read(record(LAB_TAG, LAB_RECORD)), Ok(AccessBasis::Consent(permit)));
		assert_ok!(Consent::revoke_consent(RuntimeOrigin::signed(PATIENT), deny));
		let deny = Grant::deny(DOC).records(vec![IMAGING_RECORD]).ok();
		assert_eq!(read(AccessTarget::AllData), Err(AccessDenial::ExplicitlyDenied(deny)));
		assert_eq!(read(AccessTarget::Tag(IMAGING_TAG)), Ok(AccessBasis::Consent(permit)));
	});
}

#[test]
fn a_tag_deny_refuses_every_record_with_the_tag_whatever_the_permit() {
	new_test_ext().execute_with(|| {
		MockRecords::add(LAB_RECORD_2, PATIENT, LAB_TAG);
		Grant::permit(DOC).records(vec![LAB_RECORD, LAB_RECORD_2]).ok();
		let deny = Grant::deny(DOC).tags(vec![LAB_TAG]).ok();
		for id in [LAB_RECORD, LAB_RECORD_2] {
			assert_eq!(read(record(LAB_TAG, id)), Err(AccessDenial::ExplicitlyDenied(deny)));
		}
		// Amending does not escape it: the tag is inherited.
		MockRecords::amend(LAB_RECORD, 105);
		assert_noop!(
			log(DOC, record(LAB_TAG, 105), PurposeOfUse::Treatment),
			CError::ExplicitlyDenied
		);
	});
}

// ---- log_access with targets ----------------------------------------------------------------

#[test]
fn logging_cannot_lie_about_a_records_tag() {
	new_test_ext().execute_with(|| {
		// A permit of the lab tag must not open the imaging record by claiming the lab tag.
		Grant::permit(DOC).tags(vec![LAB_TAG]).ok();
		assert_noop!(
			log(DOC, record(LAB_TAG, IMAGING_RECORD), PurposeOfUse::Treatment),
			CError::WrongTag
		);
		assert_noop!(
			log(DOC, record(IMAGING_TAG, IMAGING_RECORD), PurposeOfUse::Treatment),
			CError::NoConsent
		);
		// A shredded record resolves no more.
		MockRecords::shred(LAB_RECORD);
		assert_noop!(
			log(DOC, record(LAB_TAG, LAB_RECORD), PurposeOfUse::Treatment),
			CError::UnknownRecord
		);
	});
}

#[test]
fn logging_refuses_another_patients_tag() {
	new_test_ext().execute_with(|| {
		Grant::permit(DOC).ok();
		assert_noop!(
			log(DOC, AccessTarget::Tag(OTHERS_LAB_TAG), PurposeOfUse::Treatment),
			CError::TagOfAnotherPatient
		);
		assert_noop!(
			log(PATIENT, AccessTarget::Tag(OTHERS_LAB_TAG), PurposeOfUse::Treatment),
			CError::TagOfAnotherPatient
		);
		assert_ok!(log(DOC, AccessTarget::Tag(MENTAL_TAG), PurposeOfUse::Treatment));
	});
}

#[test]
fn the_log_names_records_by_id_only_and_each_target_as_it_was() {
	new_test_ext().execute_with(|| {
		Grant::permit(DOC).ok();
		Grant { purposes: vec![PurposeOfUse::Payment], ..Grant::permit(INSURER) }
			.records(vec![LAB_RECORD])
			.ok();
		MockRecords::amend(LAB_RECORD, 106);
		assert_ok!(log(DOC, record(LAB_TAG, 106), PurposeOfUse::Treatment));
		let Event::Disclosed { disclosure, .. } = last_event() else { panic!("a disclosure") };
		assert_eq!(disclosure.data, DisclosedData::Record(106), "the version read, no tag");
		let encoded = last_event().encode();
		assert!(
			!encoded.windows(32).any(|w| w == LAB_TAG),
			"the event does not carry the record's tag"
		);
		assert_ok!(log(DOC, AccessTarget::Tag(MENTAL_TAG), PurposeOfUse::Treatment));
		let Event::Disclosed { disclosure, .. } = last_event() else { panic!("a disclosure") };
		assert_eq!(disclosure.data, DisclosedData::Tag(MENTAL_TAG));
		assert_ok!(log(DOC, AccessTarget::AllData, PurposeOfUse::Treatment));
		let Event::Disclosed { disclosure, .. } = last_event() else { panic!("a disclosure") };
		assert_eq!(disclosure.data, DisclosedData::AllData);
		assert_ok!(log(INSURER, AccessTarget::Relationship, PurposeOfUse::Payment));
		let Event::Disclosed { disclosure, .. } = last_event() else { panic!("a disclosure") };
		assert_eq!(disclosure.data, DisclosedData::Relationship);
		assert_invariants();
	});
}

// ---- no emergency reason --------------------------------------------------------------------

#[test]
fn no_emergency_reason_is_kept_or_emitted() {
	use scale_info::{TypeDef, TypeInfo};
	let fields_of = |ty: scale_info::Type<scale_info::form::MetaForm>| -> Vec<String> {
		match ty.type_def {
			TypeDef::Composite(c) => {
				c.fields.iter().filter_map(|f| f.name.map(String::from)).collect()
			},
			TypeDef::Variant(v) => v
				.variants
				.iter()
				.flat_map(|v| v.fields.iter().filter_map(|f| f.name.map(String::from)))
				.collect(),
			_ => vec![],
		}
	};
	let access = fields_of(crate::EmergencyAccessOf::<Test>::type_info());
	assert!(access.contains(&"statement".to_string()));
	assert!(!access.iter().any(|f| f.contains("reason")), "{access:?}");
	let events = fields_of(Event::<Test>::type_info());
	assert!(!events.iter().any(|f| f.contains("reason") || f.contains("categor")), "{events:?}");
	let calls = fields_of(crate::Call::<Test>::type_info());
	assert!(!calls.iter().any(|f| f.contains("reason") || f.contains("categor")), "{calls:?}");
}

// ---- pruning --------------------------------------------------------------------------------

#[test]
fn revoking_a_permit_prunes_what_the_grantee_may_no_longer_read() {
	new_test_ext().execute_with(|| {
		let lab = Grant::permit(DOC).tags(vec![LAB_TAG]).ok();
		Grant::permit(DOC).tags(vec![IMAGING_TAG]).ok();
		MockEnvelopes::give(PATIENT, DOC, LAB_RECORD, PurposeOfUse::Treatment);
		MockEnvelopes::give(PATIENT, DOC, IMAGING_RECORD, PurposeOfUse::Treatment);
		MockEnvelopes::give(PATIENT, NURSE, LAB_RECORD, PurposeOfUse::Treatment);

		let post = Consent::revoke_consent(RuntimeOrigin::signed(PATIENT), lab).unwrap();
		assert_eq!(MockEnvelopes::prunes(), vec![(PATIENT, DOC)]);
		// Pruned after the revocation: the lab envelope goes, the imaging one (still under a
		// permit) stays, and another grantee's envelopes are not touched.
		assert_eq!(MockEnvelopes::held(PATIENT, DOC), vec![IMAGING_RECORD]);
		assert_eq!(MockEnvelopes::held(PATIENT, NURSE), vec![LAB_RECORD]);
		// Charged at the most, refunded to the envelopes checked.
		let call = crate::Call::<Test>::revoke_consent { id: lab };
		assert_eq!(call.get_dispatch_info().call_weight, Weights::revoke_consent() + max_prune());
		assert_eq!(actual(post), Weights::revoke_consent() + prune_of(2));
		assert!(actual(post).all_lte(call.get_dispatch_info().call_weight));
		assert_invariants();
	});
}

#[test]
fn a_refused_revocation_prunes_nothing() {
	new_test_ext().execute_with(|| {
		let id = Grant::permit(DOC).ok();
		MockEnvelopes::give(PATIENT, DOC, LAB_RECORD, PurposeOfUse::Treatment);
		assert_noop!(Consent::revoke_consent(RuntimeOrigin::signed(DOC), id), CError::NotPermitted);
		assert_noop!(
			Consent::revoke_consent(RuntimeOrigin::signed(PATIENT), 42),
			CError::UnknownConsent
		);
		assert_ok!(Consent::revoke_consent(RuntimeOrigin::signed(PATIENT), id));
		MockEnvelopes::forget_prunes();
		assert_noop!(
			Consent::revoke_consent(RuntimeOrigin::signed(PATIENT), id),
			CError::AlreadyRevoked
		);
		assert!(MockEnvelopes::prunes().is_empty());
		assert!(MockEnvelopes::held(PATIENT, DOC).is_empty());
	});
}

#[test]
fn revoking_a_deny_prunes_nothing() {
	new_test_ext().execute_with(|| {
		let deny = Grant { start: Some(T0 + HOUR), ..Grant::deny(DOC) }.ok();
		assert!(MockEnvelopes::prunes().is_empty(), "a deny starting later prunes nothing yet");
		let post = Consent::revoke_consent(RuntimeOrigin::signed(PATIENT), deny).unwrap();
		assert!(MockEnvelopes::prunes().is_empty());
		assert_eq!(actual(post), Weights::revoke_consent());
	});
}

#[test]
fn a_delegate_revoking_prunes_too() {
	new_test_ext().execute_with(|| {
		assert_ok!(add_delegate(PARENT, vec![DelegateScope::ManageConsents], None));
		let id = Grant::permit(DOC).ok();
		MockEnvelopes::give(PATIENT, DOC, LAB_RECORD, PurposeOfUse::Treatment);
		assert_ok!(Consent::revoke_consent(RuntimeOrigin::signed(PARENT), id));
		assert!(MockEnvelopes::held(PATIENT, DOC).is_empty());
	});
}

#[test]
fn cleaning_up_an_expired_permit_prunes() {
	new_test_ext().execute_with(|| {
		let id = Grant { end: Some(T0 + HOUR), ..Grant::permit(DOC) }.ok();
		MockEnvelopes::give(PATIENT, DOC, LAB_RECORD, PurposeOfUse::Treatment);
		MockEnvelopes::give(PATIENT, DOC, IMAGING_RECORD, PurposeOfUse::Treatment);
		assert_noop!(
			Consent::remove_consent(RuntimeOrigin::signed(NURSE), id),
			CError::ConsentInForce
		);
		assert!(MockEnvelopes::prunes().is_empty());
		set_now(T0 + HOUR);
		// Anyone cleans up; the envelopes go with the consent.
		let post = Consent::remove_consent(RuntimeOrigin::signed(NURSE), id).unwrap();
		assert_eq!(MockEnvelopes::prunes(), vec![(PATIENT, DOC)]);
		assert!(MockEnvelopes::held(PATIENT, DOC).is_empty());
		assert_eq!(actual(post), Weights::remove_consent() + prune_of(2));
		let call = crate::Call::<Test>::remove_consent { id };
		assert_eq!(call.get_dispatch_info().call_weight, Weights::remove_consent() + max_prune());
		assert_eq!(held(HoldReason::ConsentDeposit, PATIENT), 0);
		assert_invariants();
	});
}

#[test]
fn cleaning_up_a_deny_prunes_nothing() {
	new_test_ext().execute_with(|| {
		let deny = Grant::deny(DOC).tags(vec![MENTAL_TAG]).ok();
		assert_ok!(Consent::revoke_consent(RuntimeOrigin::signed(PATIENT), deny));
		MockEnvelopes::forget_prunes();
		let post = Consent::remove_consent(RuntimeOrigin::signed(DOC), deny).unwrap();
		assert!(MockEnvelopes::prunes().is_empty());
		assert_eq!(actual(post), Weights::remove_consent());
	});
}

#[test]
fn the_envelopes_of_a_delegates_grantee_go_when_its_consent_is_cleaned_up() {
	new_test_ext().execute_with(|| {
		assert_ok!(add_delegate(PARENT, vec![DelegateScope::ManageConsents], None));
		let id = Grant { by: PARENT, ..Grant::permit(DOC) }.ok();
		MockEnvelopes::give(PATIENT, DOC, LAB_RECORD, PurposeOfUse::Treatment);
		assert_ok!(Consent::remove_delegate(RuntimeOrigin::signed(PATIENT), PATIENT, PARENT));
		// The consent no longer counts; its clean-up (open to anyone) takes the envelopes.
		assert_eq!(read_lab(DOC), Err(AccessDenial::NoConsent));
		assert_ok!(Consent::remove_consent(RuntimeOrigin::signed(PATIENT), id));
		assert!(MockEnvelopes::held(PATIENT, DOC).is_empty());
		assert_invariants();
	});
}

#[test]
fn removing_a_delegate_prunes_what_it_held_as_the_patients_delegate() {
	new_test_ext().execute_with(|| {
		assert_ok!(add_delegate(PARENT, vec![DelegateScope::AccessRecords], None));
		assert_ok!(add_delegate(DOC, vec![DelegateScope::AccessRecords], None));
		// DOC also holds a consent of his own for imaging.
		Grant::permit(DOC).tags(vec![IMAGING_TAG]).ok();
		MockEnvelopes::give(PATIENT, PARENT, LAB_RECORD, PurposeOfUse::Treatment);
		MockEnvelopes::give(PATIENT, DOC, LAB_RECORD, PurposeOfUse::Treatment);
		MockEnvelopes::give(PATIENT, DOC, IMAGING_RECORD, PurposeOfUse::Treatment);
		assert_noop!(
			Consent::remove_delegate(RuntimeOrigin::signed(NURSE), PATIENT, PARENT),
			CError::NotPermitted
		);
		assert!(MockEnvelopes::prunes().is_empty());

		// Resigning: everything the delegate held goes.
		let post =
			Consent::remove_delegate(RuntimeOrigin::signed(PARENT), PATIENT, PARENT).unwrap();
		assert!(MockEnvelopes::held(PATIENT, PARENT).is_empty());
		// Refunded to the patient's one consent looked at, from the most a patient holds.
		assert_eq!(actual(post), Weights::remove_delegate(1) + prune_of(1));
		let call = crate::Call::<Test>::remove_delegate { patient: PATIENT, delegate: PARENT };
		let most = <<Test as crate::Config>::MaxConsentsPerPatient as frame_support::traits::Get<
			u32,
		>>::get();
		assert_eq!(
			call.get_dispatch_info().call_weight,
			Weights::remove_delegate(most) + max_prune()
		);
		// Removed by the patient: what a consent still covers stays.
		assert_ok!(Consent::remove_delegate(RuntimeOrigin::signed(PATIENT), PATIENT, DOC));
		assert_eq!(MockEnvelopes::held(PATIENT, DOC), vec![IMAGING_RECORD]);
		assert_eq!(MockEnvelopes::prunes(), vec![(PATIENT, PARENT), (PATIENT, DOC)]);
		assert_invariants();
	});
}

#[test]
fn a_deny_in_force_prunes_what_it_covers_at_once() {
	new_test_ext().execute_with(|| {
		Grant::permit(DOC).ok();
		MockEnvelopes::give(PATIENT, DOC, LAB_RECORD, PurposeOfUse::Treatment);
		MockEnvelopes::give(PATIENT, DOC, IMAGING_RECORD, PurposeOfUse::Treatment);
		// A deny starting later prunes nothing yet.
		Grant { start: Some(T0 + HOUR), ..Grant::deny(DOC) }.tags(vec![IMAGING_TAG]).ok();
		assert!(MockEnvelopes::prunes().is_empty());
		assert_eq!(MockEnvelopes::held(PATIENT, DOC).len(), 2);
		// A deny in force now takes the envelopes it covers, and only those.
		let post = Grant::deny(DOC).tags(vec![LAB_TAG]).call().unwrap();
		assert_eq!(MockEnvelopes::prunes(), vec![(PATIENT, DOC)]);
		assert_eq!(MockEnvelopes::held(PATIENT, DOC), vec![IMAGING_RECORD]);
		assert_eq!(actual(post), Weights::grant_consent(1, 0) + prune_of(2));
		// A permit prunes nothing and pays no pruning.
		let post = Grant::permit(NURSE).call().unwrap();
		assert_eq!(actual(post), Weights::grant_consent(1, 0));
		assert_eq!(MockEnvelopes::prunes().len(), 1);
		assert_invariants();
	});
}

#[test]
fn closing_a_break_glass_access_prunes_what_rested_on_it() {
	new_test_ext().execute_with(|| {
		assert_ok!(Consent::open_emergency_access(RuntimeOrigin::signed(DOC), PATIENT, [1; 32]));
		// One envelope under a consent, one under break-glass only.
		Grant::permit(DOC).tags(vec![IMAGING_TAG]).ok();
		MockEnvelopes::give(PATIENT, DOC, LAB_RECORD, PurposeOfUse::EmergencyTreatment);
		MockEnvelopes::give(PATIENT, DOC, IMAGING_RECORD, PurposeOfUse::Treatment);
		assert_noop!(
			Consent::close_emergency_access(RuntimeOrigin::signed(NURSE), 0),
			CError::NotYourEmergencyAccess
		);
		assert!(MockEnvelopes::prunes().is_empty());
		let post = Consent::close_emergency_access(RuntimeOrigin::signed(DOC), 0).unwrap();
		assert_eq!(MockEnvelopes::held(PATIENT, DOC), vec![IMAGING_RECORD]);
		assert_eq!(actual(post), Weights::close_emergency_access() + prune_of(2));
		assert_invariants();
	});
}

#[test]
fn reviewing_an_expired_access_prunes_and_an_open_one_does_not() {
	new_test_ext().execute_with(|| {
		assert_ok!(Consent::open_emergency_access(RuntimeOrigin::signed(DOC), PATIENT, [1; 32]));
		MockEnvelopes::give(PATIENT, DOC, LAB_RECORD, PurposeOfUse::EmergencyTreatment);
		// Found justified while still open: it still counts, nothing goes.
		let post =
			Consent::review_emergency_access(RuntimeOrigin::signed(PATIENT), 0, true).unwrap();
		assert!(MockEnvelopes::prunes().is_empty());
		assert_eq!(actual(post), Weights::review_emergency_access());
		assert_eq!(MockEnvelopes::held(PATIENT, DOC), vec![LAB_RECORD]);

		// Expired, then cleaned up: a second access reviewed after its expiry prunes.
		set_now(T0 + EMERGENCY_DURATION);
		assert_ok!(Consent::open_emergency_access(RuntimeOrigin::signed(DOC), PATIENT, [2; 32]));
		set_now(T0 + 2 * EMERGENCY_DURATION);
		let post = Consent::review_emergency_access(RuntimeOrigin::root(), 1, true).unwrap();
		assert_eq!(MockEnvelopes::prunes(), vec![(PATIENT, DOC)]);
		assert!(MockEnvelopes::held(PATIENT, DOC).is_empty());
		assert_eq!(actual(post), Weights::review_emergency_access() + prune_of(1));
		assert_invariants();
	});
}

#[test]
fn an_unjustified_review_closes_the_access_and_prunes() {
	new_test_ext().execute_with(|| {
		assert_ok!(Consent::open_emergency_access(RuntimeOrigin::signed(DOC), PATIENT, [1; 32]));
		MockEnvelopes::give(PATIENT, DOC, LAB_RECORD, PurposeOfUse::EmergencyTreatment);
		assert_noop!(
			Consent::review_emergency_access(RuntimeOrigin::signed(NURSE), 0, false),
			CError::NotPermitted
		);
		assert_eq!(MockEnvelopes::held(PATIENT, DOC), vec![LAB_RECORD]);
		assert_ok!(Consent::review_emergency_access(RuntimeOrigin::signed(PATIENT), 0, false));
		assert!(MockEnvelopes::held(PATIENT, DOC).is_empty());
		assert_invariants();
	});
}

#[test]
fn the_refund_never_exceeds_the_charge() {
	new_test_ext().execute_with(|| {
		let id = Grant::permit(DOC).ok();
		for version in [LAB_RECORD, IMAGING_RECORD, 1, 2] {
			MockEnvelopes::give(PATIENT, DOC, version, PurposeOfUse::Treatment);
		}
		// At the keeper's bound: the actual weight is the most that was charged.
		let post = Consent::revoke_consent(RuntimeOrigin::signed(PATIENT), id).unwrap();
		assert_eq!(actual(post), Weights::revoke_consent() + max_prune());
	});
}

#[test]
fn only_a_deny_is_charged_for_pruning_up_front() {
	new_test_ext().execute_with(|| {
		// A permit prunes nothing, so its fee does not pay for the most a prune can cost.
		let permit = Grant::permit(DOC).as_call();
		assert_eq!(permit.get_dispatch_info().call_weight, Weights::grant_consent(1, 1));
		// A deny may prune at once: charged at the most, refunded to what was used.
		let deny = Grant::deny(DOC).as_call();
		assert_eq!(
			deny.get_dispatch_info().call_weight,
			Weights::grant_consent(1, 1) + max_prune()
		);
		let post = deny.dispatch(RuntimeOrigin::signed(PATIENT)).expect("the deny is granted");
		assert!(actual(post).all_lte(Weights::grant_consent(1, 1) + max_prune()));
	});
}
