//! The storage migration from version 1 to 2.

use super::*;
use crate::{
	migrations::v2::{v1, MigrateV1ToV2},
	ConsentScope, Consents, EmergencyReason, PendingReviews,
};
use codec::Encode;
use frame_support::traits::{GetStorageVersion, OnRuntimeUpgrade, StorageVersion};

/// Rewrites consent `id` as version 1 stored it.
fn put_v1_consent(id: ConsentId, scope: Option<Vec<RecordId>>) {
	let c = Consents::<Test>::get(id).expect("granted");
	let old: v1::ConsentOf<Test> = v1::Consent {
		patient: c.patient,
		grantee: c.grantee,
		grantee_kind: c.grantee_kind,
		decision: c.decision,
		actions: c.actions,
		scope: scope.map_or(c.scope, |r| ConsentScope::Records(bounded(r))),
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

#[test]
fn version_1_state_is_translated() {
	new_test_ext().execute_with(|| {
		// State made by the calls, then rewritten in the version 1 format.
		assert_ok!(add_delegate(PARENT, vec![DelegateScope::ManageConsents], None));
		MockRecords::amend(LAB_RECORD, 102);
		let by_patient = Grant::deny(DOC).records(vec![LAB_RECORD]).ok();
		let by_delegate = Grant { by: PARENT, ..Grant::permit(NURSE) }.ok();
		// Version 1 stored the version ids it was given: 102, and an id that resolves no
		// more (kept as it is).
		put_v1_consent(by_patient, Some(vec![102, 555]));
		put_v1_consent(by_delegate, None);
		MockRegistry::set(NURSE, true, true);
		for who in [DOC, NURSE] {
			assert_ok!(Consent::open_emergency_access(
				RuntimeOrigin::signed(who),
				PATIENT,
				EmergencyReason::Other,
				[0u8; 32],
			));
		}
		let _ = PendingReviews::<Test>::clear(u32::MAX, None);
		v1::PendingReviews::<Test>::insert(PATIENT, bounded::<_, ConstU32Max>(vec![0, 1]));
		StorageVersion::new(1).put::<Consent>();

		#[cfg(feature = "try-runtime")]
		MigrateV1ToV2::<Test>::try_on_runtime_upgrade(true).expect("pre and post checks pass");
		#[cfg(not(feature = "try-runtime"))]
		MigrateV1ToV2::<Test>::on_runtime_upgrade();

		assert_eq!(Consent::on_chain_storage_version(), StorageVersion::new(2));
		let migrated = Consents::<Test>::get(by_patient).expect("decodes as version 2");
		assert_eq!(migrated.granted_by, PATIENT);
		assert_eq!(migrated.scope, ConsentScope::Records(bounded(vec![LAB_RECORD, 555])));
		assert_eq!(Consents::<Test>::get(by_delegate).unwrap().granted_by, PARENT);
		assert_eq!(PendingReviews::<Test>::get(PATIENT, DOC).to_vec(), vec![0]);
		assert_eq!(PendingReviews::<Test>::get(PATIENT, NURSE).to_vec(), vec![1]);
		assert_eq!(
			check(
				NURSE,
				AccessAction::Read,
				DataCategory::Laboratory,
				None,
				PurposeOfUse::Treatment
			),
			Ok(AccessBasis::Consent(by_delegate))
		);
		assert_invariants();

		// Once only: a second run changes nothing.
		let before = Consents::<Test>::get(by_patient);
		MigrateV1ToV2::<Test>::on_runtime_upgrade();
		assert_eq!(Consents::<Test>::get(by_patient), before);
	});
}

type ConstU32Max = <Test as crate::Config>::MaxPendingReviews;
