//! The storage migrations: version 1 to 2, 2 to 3 (no categories, no emergency reasons,
//! disclosures naming `DisclosedData`), 3 to 4 (the (patient, grantee) index) and 5 to 6 (each
//! provision keeps its consent's depositor and deposit; 4 to 5 is in `lapses`). State is made
//! by the calls, then rewritten in the old layouts (`migrations::old`), or without the index
//! (version 3).

use super::*;
use crate::{
	migrations::{
		old::v5,
		v2::{v1, MigrateV1ToV2},
		v3::{v2, MigrateV2ToV3},
		v4::MigrateV3ToV4,
		v6::MigrateV5ToV6,
	},
	ConsentScope, Consents, ConsentsOf, Decision, DisclosureCount, DisclosureRing,
	EmergencyAccesses, HoldReason, PendingReviews, Review,
};
use codec::Encode;
use frame_support::traits::{GetStorageVersion, OnRuntimeUpgrade, StorageVersion};
use telemed_primitives::{DisclosedData, Disclosure};

/// A version 3 scope in the version 2 layout (no tags existed then).
fn old_scope(scope: ConsentScope<MaxItems>) -> v2::ConsentScope<MaxItems> {
	match scope {
		ConsentScope::AllData => v2::ConsentScope::AllData,
		ConsentScope::Records(r) => v2::ConsentScope::Records(r),
		ConsentScope::Tags(_) => unreachable!("the tests write no tag scope in an old layout"),
	}
}

type MaxItems = <Test as crate::Config>::MaxScopeItems;

/// Rewrites consent `id` as version 1 stored it, with `records` as its scope if given.
fn put_v1_consent(id: ConsentId, records: Option<Vec<RecordId>>) {
	let c = Consents::<Test>::get(id).expect("granted");
	let old: v1::ConsentOf<Test> = v1::Consent {
		patient: c.patient,
		grantee: c.grantee,
		grantee_kind: c.grantee_kind,
		decision: c.decision,
		actions: c.actions,
		scope: records.map_or(old_scope(c.scope), |r| v2::ConsentScope::Records(bounded(r))),
		purposes: c.purposes,
		start: c.start,
		end: c.end,
		status: c.status,
		depositor: c.depositor,
		deposit: c.deposit,
		granted_at: c.granted_at,
	};
	frame_support::storage::unhashed::put_raw(&Consents::<Test>::hashed_key_for(id), &old.encode());
}

/// Rewrites consent `id` as version 2 stored it, with the categories `categories` (by index)
/// as its scope if given.
fn put_v2_consent(id: ConsentId, categories: Option<Vec<u8>>) {
	let c = Consents::<Test>::get(id).expect("granted");
	let scope = categories.map_or(old_scope(c.scope), |c| v2::ConsentScope::Categories(bounded(c)));
	v2::Consents::<Test>::insert(
		id,
		v2::Consent {
			patient: c.patient,
			grantee: c.grantee,
			grantee_kind: c.grantee_kind,
			decision: c.decision,
			actions: c.actions,
			scope,
			purposes: c.purposes,
			start: c.start,
			end: c.end,
			status: c.status,
			granted_by: c.granted_by,
			depositor: c.depositor,
			deposit: c.deposit,
			granted_at: c.granted_at,
		},
	);
}

/// Rewrites every emergency access as version 2 stored it, with the coded reason `reason`.
fn put_v2_accesses(reason: u8) {
	let all: Vec<_> = EmergencyAccesses::<Test>::iter().collect();
	for (id, a) in all {
		v2::EmergencyAccesses::<Test>::insert(
			id,
			v2::EmergencyAccess {
				practitioner: a.practitioner,
				patient: a.patient,
				reason,
				statement: a.statement,
				opened_at: a.opened_at,
				expires_at: a.expires_at,
				closed_at: a.closed_at,
				deposit: a.deposit,
				review: a.review,
			},
		);
	}
}

/// A disclosure as version 2 logged it.
fn old_disclosure(record: Option<RecordId>, category: Option<u8>, at: u64) -> v2::Disclosure<u64> {
	v2::Disclosure {
		accessor: DOC,
		patient: PATIENT,
		record,
		category,
		action: AccessAction::Read,
		purpose: PurposeOfUse::Treatment,
		basis: AccessBasis::Consent(0),
		at,
	}
}

/// Rewrites every disclosure as version 2 logged it (a record with category 5, laboratory).
fn put_v2_ring() {
	let all: Vec<_> = DisclosureRing::<Test>::iter().collect();
	for (patient, slot, d) in all {
		let record = match d.data {
			DisclosedData::Record(id) => Some(id),
			_ => None,
		};
		v2::DisclosureRing::<Test>::insert(
			patient,
			slot,
			v2::Disclosure {
				accessor: d.accessor,
				patient: d.patient,
				record,
				category: record.map(|_| 5),
				action: d.action,
				purpose: d.purpose,
				basis: d.basis,
				at: d.at,
			},
		);
	}
}

/// Runs the migrations from storage version `version` (below 4: no (patient, grantee) index
/// existed, so the index the calls built is dropped first).
fn upgrade_from(version: u16) {
	if version < 4 {
		drop_index();
	}
	StorageVersion::new(version).put::<Consent>();
	#[cfg(feature = "try-runtime")]
	{
		MigrateV1ToV2::<Test>::try_on_runtime_upgrade(true).expect("pre and post checks pass");
		MigrateV2ToV3::<Test>::try_on_runtime_upgrade(true).expect("pre and post checks pass");
		MigrateV3ToV4::<Test>::try_on_runtime_upgrade(true).expect("pre and post checks pass");
	}
	#[cfg(not(feature = "try-runtime"))]
	{
		MigrateV1ToV2::<Test>::on_runtime_upgrade();
		MigrateV2ToV3::<Test>::on_runtime_upgrade();
		MigrateV3ToV4::<Test>::on_runtime_upgrade();
	}
	assert_eq!(Consent::on_chain_storage_version(), StorageVersion::new(4));
}

#[test]
fn version_1_state_is_translated_through_version_2() {
	new_test_ext().execute_with(|| {
		assert_ok!(add_delegate(PARENT, vec![DelegateScope::ManageConsents], None));
		MockRecords::amend(LAB_RECORD, 102);
		let by_patient = Grant::deny(DOC).records(vec![LAB_RECORD]).ok();
		let by_delegate = Grant { by: PARENT, ..Grant::permit(NURSE) }.ok();
		// Version 1 stored the version ids it was given: 102, and an id that resolves no
		// more (kept as it is).
		put_v1_consent(by_patient, Some(vec![102, 555]));
		put_v1_consent(by_delegate, None);
		set_practitioner(NURSE, true, true);
		for who in [DOC, NURSE] {
			assert_ok!(Consent::open_emergency_access(
				RuntimeOrigin::signed(who),
				PATIENT,
				[0u8; 32]
			));
		}
		put_v2_accesses(3);
		put_v2_ring();
		let _ = PendingReviews::<Test>::clear(u32::MAX, None);
		v1::PendingReviews::<Test>::insert(PATIENT, bounded::<_, MaxPending>(vec![0, 1]));

		upgrade_from(1);

		let migrated = Consents::<Test>::get(by_patient).expect("decodes as version 3");
		assert_eq!(migrated.granted_by, PATIENT);
		assert_eq!(migrated.scope, ConsentScope::Records(bounded(vec![LAB_RECORD, 555])));
		assert_eq!(Consents::<Test>::get(by_delegate).unwrap().granted_by, PARENT);
		assert_eq!(PendingReviews::<Test>::get(PATIENT, DOC).to_vec(), vec![0]);
		assert_eq!(PendingReviews::<Test>::get(PATIENT, NURSE).to_vec(), vec![1]);
		assert_eq!(EmergencyAccesses::<Test>::get(1).unwrap().practitioner, NURSE);
		assert_eq!(read_lab(NURSE), Ok(AccessBasis::Consent(by_delegate)));
		assert_invariants();

		// Once only: a second run changes nothing.
		let before = Consents::<Test>::get(by_patient);
		MigrateV1ToV2::<Test>::on_runtime_upgrade();
		MigrateV2ToV3::<Test>::on_runtime_upgrade();
		assert_eq!(Consents::<Test>::get(by_patient), before);
	});
}

type MaxPending = <Test as crate::Config>::MaxPendingReviews;

#[test]
fn version_2_categories_end_permits_and_widen_denies() {
	new_test_ext().execute_with(|| {
		assert_ok!(add_delegate(PARENT, vec![DelegateScope::ManageConsents], None));
		let kept = Grant::permit(DOC).ok();
		let permit_by_patient =
			Grant { purposes: vec![PurposeOfUse::Payment], ..Grant::permit(INSURER) }.ok();
		let permit_by_delegate = Grant { by: PARENT, ..Grant::permit(NURSE) }.ok();
		let deny = Grant::deny(DOC).records(vec![IMAGING_RECORD]).ok();
		assert_eq!(held(HoldReason::ConsentDeposit, PATIENT), 3 * CONSENT_DEPOSIT);
		assert_eq!(held(HoldReason::ConsentDeposit, PARENT), CONSENT_DEPOSIT);
		put_v2_consent(kept, None);
		// Laboratory (5) for the insurer, all but mental health for the nurse, mental health
		// (13) denied to the doctor.
		put_v2_consent(permit_by_patient, Some(vec![5]));
		put_v2_consent(permit_by_delegate, Some(vec![0, 1, 2]));
		put_v2_consent(deny, Some(vec![13]));
		assert_ok!(Consent::open_emergency_access(RuntimeOrigin::signed(DOC), PATIENT, [7; 32]));
		put_v2_accesses(0);
		MockEnvelopes::give(PATIENT, INSURER, LAB_RECORD, PurposeOfUse::Payment);
		MockEnvelopes::give(PATIENT, NURSE, LAB_RECORD, PurposeOfUse::Treatment);
		MockEnvelopes::give(PATIENT, DOC, LAB_RECORD, PurposeOfUse::Treatment);
		MockEnvelopes::give(PATIENT, DOC, IMAGING_RECORD, PurposeOfUse::EmergencyTreatment);
		// The log: a record, a category alone, break-glass (nothing named).
		let _ = DisclosureRing::<Test>::clear(u32::MAX, None);
		v2::DisclosureRing::<Test>::insert(
			PATIENT,
			0,
			old_disclosure(Some(LAB_RECORD), Some(5), 1),
		);
		v2::DisclosureRing::<Test>::insert(PATIENT, 1, old_disclosure(None, Some(13), 2));
		v2::DisclosureRing::<Test>::insert(PATIENT, 2, old_disclosure(None, None, 3));
		DisclosureCount::<Test>::insert(PATIENT, 3);
		// The deny's grant pruned once already.
		MockEnvelopes::forget_prunes();

		upgrade_from(2);

		// The permits with categories ended: gone, off the list, deposits back to the payer.
		assert!(Consents::<Test>::get(permit_by_patient).is_none());
		assert!(Consents::<Test>::get(permit_by_delegate).is_none());
		assert_eq!(ConsentsOf::<Test>::get(PATIENT).to_vec(), vec![kept, deny]);
		assert_eq!(held(HoldReason::ConsentDeposit, PATIENT), 2 * CONSENT_DEPOSIT);
		assert_eq!(held(HoldReason::ConsentDeposit, PARENT), 0);
		assert_eq!(
			check(INSURER, AccessAction::Read, AccessTarget::Relationship, PurposeOfUse::Payment),
			Err(AccessDenial::NoConsent)
		);
		assert_eq!(read_lab(NURSE), Err(AccessDenial::NoConsent));
		// The deny of a category became a deny of all data: never weaker than before.
		let migrated = Consents::<Test>::get(deny).unwrap();
		assert_eq!((migrated.decision, migrated.scope), (Decision::Deny, ConsentScope::AllData));
		assert_eq!(read_lab(DOC), Err(AccessDenial::ExplicitlyDenied(deny)));
		// Their grantees' envelopes went, once each, after the whole translation: the
		// doctor keeps only what his open break-glass access covers.
		assert_eq!(
			MockEnvelopes::prunes(),
			vec![(PATIENT, DOC), (PATIENT, NURSE), (PATIENT, INSURER)]
		);
		assert!(MockEnvelopes::held(PATIENT, INSURER).is_empty());
		assert!(MockEnvelopes::held(PATIENT, NURSE).is_empty());
		assert_eq!(MockEnvelopes::held(PATIENT, DOC), vec![IMAGING_RECORD]);
		// Other consents are untouched.
		assert_eq!(Consents::<Test>::get(kept).unwrap().scope, ConsentScope::AllData);
		// The emergency access keeps everything but the reason.
		let access = EmergencyAccesses::<Test>::get(0).expect("decodes as version 3");
		assert_eq!((access.statement, access.review), ([7; 32], Review::Pending));
		// The log names records by id, and nothing else but "all data".
		let data: Vec<_> = Consent::disclosures(&PATIENT, 0, 10)
			.into_iter()
			.map(|(seq, d): (u64, Disclosure<u64>)| (seq, d.data, d.at))
			.collect();
		assert_eq!(
			data,
			vec![
				(0, DisclosedData::Record(LAB_RECORD), 1),
				(1, DisclosedData::AllData, 2),
				(2, DisclosedData::AllData, 3)
			]
		);
		assert_invariants();

		// Once only.
		let before: Vec<_> = Consents::<Test>::iter().collect();
		MigrateV2ToV3::<Test>::on_runtime_upgrade();
		assert_eq!(Consents::<Test>::iter().collect::<Vec<_>>(), before);
		assert_eq!(MockEnvelopes::prunes().len(), 3);
	});
}

#[test]
fn version_2_pruning_keeps_the_envelopes_another_permit_covers() {
	new_test_ext().execute_with(|| {
		// The doctor holds a permit of all data and a permit of a category (which ends), and
		// an envelope the first still covers.
		let all = Grant::permit(DOC).ok();
		let category = Grant::permit(DOC).records(vec![LAB_RECORD]).ok();
		put_v2_consent(all, None);
		put_v2_consent(category, Some(vec![5]));
		MockEnvelopes::give(PATIENT, DOC, LAB_RECORD, PurposeOfUse::Treatment);
		MockEnvelopes::forget_prunes();

		upgrade_from(2);

		assert!(Consents::<Test>::get(category).is_none());
		assert_eq!(ConsentsOf::<Test>::get(PATIENT).to_vec(), vec![all]);
		// Version 3 pruned the doctor's envelopes through the index it built first: the one
		// the permit of all data covers stays.
		assert_eq!(MockEnvelopes::prunes(), vec![(PATIENT, DOC)]);
		assert_eq!(MockEnvelopes::held(PATIENT, DOC), vec![LAB_RECORD]);
		assert_eq!(indexed(PATIENT, DOC), vec![all]);
		assert_eq!(read_lab(DOC), Ok(AccessBasis::Consent(all)));
		assert_invariants();
	});
}

#[test]
fn version_2_upgrade_indexes_before_pruning_and_version_4_rebuilds_the_same() {
	new_test_ext().execute_with(|| {
		let all = Grant::permit(DOC).ok();
		let category = Grant::permit(NURSE).records(vec![LAB_RECORD]).ok();
		put_v2_consent(all, None);
		put_v2_consent(category, Some(vec![5]));
		drop_index();
		StorageVersion::new(2).put::<Consent>();

		MigrateV2ToV3::<Test>::on_runtime_upgrade();

		// Version 3 alone leaves the index whole.
		assert_eq!(Consent::on_chain_storage_version(), StorageVersion::new(3));
		assert_eq!(indexed(PATIENT, DOC), vec![all]);
		assert_eq!(crate::ConsentsByGrantee::<Test>::iter().count(), 1);
		assert_invariants();
		let consents: Vec<_> = Consents::<Test>::iter().collect();
		MigrateV3ToV4::<Test>::on_runtime_upgrade();
		assert_eq!(indexed(PATIENT, DOC), vec![all]);
		assert_eq!(crate::ConsentsByGrantee::<Test>::iter().count(), 1);
		assert_eq!(Consents::<Test>::iter().collect::<Vec<_>>(), consents);
		assert_invariants();
	});
}

/// The ids of `patient`'s consents to `grantee`, as the index lists them.
fn indexed(patient: AccountId, grantee: AccountId) -> Vec<ConsentId> {
	crate::ConsentsByGrantee::<Test>::get(patient, grantee).iter().map(|p| p.id).collect()
}

/// Version 3 state: no (patient, grantee) index.
fn drop_index() {
	let _ = crate::ConsentsByGrantee::<Test>::clear(u32::MAX, None);
}

#[test]
fn version_3_consents_are_indexed_by_grantee() {
	new_test_ext().execute_with(|| {
		assert_ok!(add_delegate(PARENT, vec![DelegateScope::ManageConsents], None));
		let doc = Grant::permit(DOC).ok();
		let nurse = Grant { by: PARENT, ..Grant::permit(NURSE) }.ok();
		let deny = Grant::deny(DOC).records(vec![LAB_RECORD]).ok();
		assert_ok!(Consent::revoke_consent(RuntimeOrigin::signed(PATIENT), nurse));
		let before: Vec<_> = Consents::<Test>::iter().collect();
		MockEnvelopes::forget_prunes();
		drop_index();
		StorageVersion::new(3).put::<Consent>();
		assert!(crate::Pallet::<Test>::do_try_state().is_err(), "an unindexed consent is caught");

		#[cfg(feature = "try-runtime")]
		MigrateV3ToV4::<Test>::try_on_runtime_upgrade(true).expect("pre and post checks pass");
		#[cfg(not(feature = "try-runtime"))]
		MigrateV3ToV4::<Test>::on_runtime_upgrade();

		assert_eq!(Consent::on_chain_storage_version(), StorageVersion::new(4));
		assert_eq!(indexed(PATIENT, DOC), vec![doc, deny]);
		assert_eq!(indexed(PATIENT, NURSE), vec![nurse]);
		assert_eq!(crate::ConsentsByGrantee::<Test>::iter().count(), 2);
		// Nothing else changed, and the checks read through the index.
		assert_eq!(Consents::<Test>::iter().collect::<Vec<_>>(), before);
		assert_eq!(ConsentsOf::<Test>::get(PATIENT).to_vec(), vec![doc, nurse, deny]);
		assert_eq!(read_lab(DOC), Err(AccessDenial::ExplicitlyDenied(deny)));
		assert_eq!(read_lab(NURSE), Err(AccessDenial::NoConsent));
		// Nothing over the bound: nothing cleaned up, nothing pruned.
		assert!(MockEnvelopes::prunes().is_empty());
		assert_invariants();

		// Once only.
		crate::ConsentsByGrantee::<Test>::remove(PATIENT, NURSE);
		MigrateV3ToV4::<Test>::on_runtime_upgrade();
		assert!(!crate::ConsentsByGrantee::<Test>::contains_key(PATIENT, NURSE));
	});
}

#[test]
fn version_3_consents_over_the_grantee_bound_keep_denies_then_permits_in_force() {
	new_test_ext().execute_with(|| {
		let permit = Grant::permit(DOC).ok();
		let deny = Grant::deny(DOC).records(vec![LAB_RECORD]).ok();
		let revoked = Grant::permit(DOC).tags(vec![LAB_TAG]).ok();
		let newer = Grant::permit(DOC).tags(vec![IMAGING_TAG]).ok();
		assert_ok!(Consent::revoke_consent(RuntimeOrigin::signed(PATIENT), revoked));
		assert_eq!(held(HoldReason::ConsentDeposit, PATIENT), 4 * CONSENT_DEPOSIT);
		MockEnvelopes::give(PATIENT, DOC, IMAGING_RECORD, PurposeOfUse::Treatment);
		MockEnvelopes::forget_prunes();
		drop_index();
		StorageVersion::new(3).put::<Consent>();
		MaxConsentsPerGrantee::set(2);

		#[cfg(feature = "try-runtime")]
		MigrateV3ToV4::<Test>::try_on_runtime_upgrade(true).expect("pre and post checks pass");
		#[cfg(not(feature = "try-runtime"))]
		MigrateV3ToV4::<Test>::on_runtime_upgrade();

		// The deny and the oldest permit in force stay; the revoked and the newest permit are
		// cleaned up as `remove_consent` does.
		assert_eq!(indexed(PATIENT, DOC), vec![permit, deny]);
		assert_eq!(ConsentsOf::<Test>::get(PATIENT).to_vec(), vec![permit, deny]);
		assert!(Consents::<Test>::get(revoked).is_none());
		assert!(Consents::<Test>::get(newer).is_none());
		assert_eq!(held(HoldReason::ConsentDeposit, PATIENT), 2 * CONSENT_DEPOSIT);
		assert_eq!(read_lab(DOC), Err(AccessDenial::ExplicitlyDenied(deny)));
		// Each cleaned up as `remove_consent` tells it.
		for id in [revoked, newer] {
			System::assert_has_event(
				Event::ConsentRemoved { id, depositor: PATIENT, deposit: CONSENT_DEPOSIT }.into(),
			);
		}
		// The grantee's envelopes it may no longer read went, once.
		assert_eq!(MockEnvelopes::prunes(), vec![(PATIENT, DOC)]);
		assert_invariants();
	});
}

/// Rewrites the whole index in the version 5 layout: provisions without depositor and deposit.
fn put_v5_index() {
	let pairs: Vec<_> = crate::ConsentsByGrantee::<Test>::iter().collect();
	for (patient, grantee, list) in pairs {
		let old: Vec<v5::ProvisionOf<Test>> =
			list.into_iter().map(v5::Provision::from_current).collect();
		frame_support::storage::unhashed::put(
			&crate::ConsentsByGrantee::<Test>::hashed_key_for(patient, grantee),
			&old,
		);
	}
}

#[test]
fn version_5_provisions_gain_their_depositor_and_deposit() {
	new_test_ext().execute_with(|| {
		assert_ok!(add_delegate(PARENT, vec![DelegateScope::ManageConsents], None));
		let by_patient = Grant::permit(DOC).ok();
		let by_delegate = Grant { by: PARENT, ..Grant::permit(DOC).tags(vec![LAB_TAG]) }.ok();
		let deny = Grant::deny(DOC).records(vec![IMAGING_RECORD]).ok();
		let revoked = Grant { by: PARENT, ..Grant::permit(NURSE) }.ok();
		assert_ok!(Consent::revoke_consent(RuntimeOrigin::signed(PATIENT), revoked));
		let consents: Vec<_> = Consents::<Test>::iter().collect();
		let checks = [read_lab(DOC), read_imaging(DOC), read_lab(NURSE)];
		put_v5_index();
		StorageVersion::new(5).put::<Consent>();
		// The old layout is not this version's: the index no longer decodes.
		assert!(crate::ConsentsByGrantee::<Test>::try_get(PATIENT, DOC).is_err());
		MockEnvelopes::forget_prunes();
		System::reset_events();

		#[cfg(feature = "try-runtime")]
		MigrateV5ToV6::<Test>::try_on_runtime_upgrade(true).expect("pre and post checks pass");
		#[cfg(not(feature = "try-runtime"))]
		MigrateV5ToV6::<Test>::on_runtime_upgrade();

		assert_eq!(Consent::on_chain_storage_version(), StorageVersion::new(6));
		assert_eq!(indexed(PATIENT, DOC), vec![by_patient, by_delegate, deny]);
		assert_eq!(indexed(PATIENT, NURSE), vec![revoked]);
		let paid = |grantee| {
			crate::ConsentsByGrantee::<Test>::get(PATIENT, grantee)
				.iter()
				.map(|p| (p.depositor, p.deposit))
				.collect::<Vec<_>>()
		};
		assert_eq!(
			paid(DOC),
			vec![(PATIENT, CONSENT_DEPOSIT), (PARENT, CONSENT_DEPOSIT), (PATIENT, CONSENT_DEPOSIT)]
		);
		assert_eq!(paid(NURSE), vec![(PARENT, CONSENT_DEPOSIT)]);
		// Nothing else changed: the consents, the checks; nothing pruned, no event.
		assert_eq!(Consents::<Test>::iter().collect::<Vec<_>>(), consents);
		assert_eq!([read_lab(DOC), read_imaging(DOC), read_lab(NURSE)], checks);
		assert!(MockEnvelopes::prunes().is_empty());
		assert!(System::events().is_empty());
		assert_invariants();

		// Once only.
		crate::ConsentsByGrantee::<Test>::remove(PATIENT, NURSE);
		MigrateV5ToV6::<Test>::on_runtime_upgrade();
		assert!(!crate::ConsentsByGrantee::<Test>::contains_key(PATIENT, NURSE));
	});
}

#[test]
fn after_version_6_a_delegate_at_the_bound_cleans_up_what_it_paid_for() {
	new_test_ext().execute_with(|| {
		MaxConsentsPerGrantee::set(2);
		assert_ok!(add_delegate(PARENT, vec![DelegateScope::ManageConsents], None));
		let own = Grant::permit(DOC).ok();
		let paid = Grant { by: PARENT, ..Grant::permit(DOC).tags(vec![LAB_TAG]) }.ok();
		assert_ok!(Consent::revoke_consent(RuntimeOrigin::signed(PATIENT), paid));
		put_v5_index();
		StorageVersion::new(5).put::<Consent>();
		MigrateV5ToV6::<Test>::on_runtime_upgrade();
		let parent_held = held(HoldReason::ConsentDeposit, PARENT);

		// The migrated list says who paid: the delegate's grant takes its own revoked permit.
		let new = Grant { by: PARENT, ..Grant::permit(DOC).tags(vec![IMAGING_TAG]) }.ok();
		assert_eq!(indexed(PATIENT, DOC), vec![own, new]);
		assert!(Consents::<Test>::get(paid).is_none());
		assert_eq!(held(HoldReason::ConsentDeposit, PARENT), parent_held);
		assert_invariants();
	});
}
