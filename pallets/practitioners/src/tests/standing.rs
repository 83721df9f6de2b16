//! The summary of active licences (`ActiveLicences`): "is `who` licensed" reads it and the
//! authorities, never the licences, and gives the answer the licences give. Every way a
//! licence stops (or starts again) counting is tried, with and without another licence of the
//! same holder still valid; `try_state` compares the summary with the licences after each.

use super::*;
use crate::{migrations::v2::MigrateV1ToV2, ActiveLicences, Authorities, LicenceStanding, Pallet};
use frame_support::{
	assert_ok,
	traits::{GetStorageVersion, OnRuntimeUpgrade, StorageVersion},
};
use telemed_primitives::{LicenceQuery, PractitionerRegistry};

type Registry = Pallet<Test>;

/// `OTHER_BOARD`, accredited for `US-CA`.
fn add_other_board() {
	assert_ok!(Practitioners::add_authority(
		RuntimeOrigin::root(),
		OTHER_BOARD,
		bv(b"Other Board".to_vec()),
		codes(&[b"US-CA"]),
	));
}

/// Issues `who` a physician licence from `board` in `jurisdiction`, valid `from..until`.
fn issue_from(
	board: AccountId,
	who: AccountId,
	jurisdiction: &[u8],
	from: u64,
	until: u64,
	emergency_care: bool,
) -> LicenceId {
	let id = crate::NextLicenceId::<Test>::get();
	assert_ok!(Practitioners::issue_licence(
		RuntimeOrigin::signed(board),
		who,
		bv(jurisdiction.to_vec()),
		PractitionerRole::Physician,
		None,
		[1u8; 32],
		[2u8; 32],
		from,
		until,
		emergency_care,
	));
	id
}

/// `BOARD` renews licence `id` until `until`.
fn renew(id: LicenceId, until: u64) {
	assert_ok!(Practitioners::renew_licence(RuntimeOrigin::signed(BOARD), id, until, None));
}

/// The ids in `who`'s summary.
fn summarised(who: AccountId) -> Vec<LicenceId> {
	ActiveLicences::<Test>::get(who).iter().map(|a| a.id).collect()
}

fn licensed(who: AccountId) -> bool {
	Registry::is_licensed(&who, &LicenceQuery::any())
}

/// The registry's answer agrees with the licences' standing (the runtime API's view).
fn agrees(who: AccountId) {
	let valid =
		Registry::licences_of(&who).iter().filter(|v| v.standing == LicenceStanding::Valid).count();
	assert_eq!(licensed(who), valid > 0);
	let emergency = Registry::licences_of(&who)
		.iter()
		.any(|v| v.standing == LicenceStanding::Valid && v.licence.emergency_care);
	assert_eq!(Registry::may_use_emergency_access(&who), emergency);
	assert_invariants();
}

#[test]
fn the_summary_follows_every_status_change() {
	new_test_ext().execute_with(|| {
		let id = licensed_doctor();
		assert_eq!(summarised(DOC), vec![id]);
		assert!(licensed(DOC));

		assert_ok!(Practitioners::suspend_licence(RuntimeOrigin::signed(BOARD), id, [0; 32]));
		assert!(!ActiveLicences::<Test>::contains_key(DOC), "no empty summary is kept");
		assert!(!licensed(DOC));
		agrees(DOC);
		// Renewing a suspended licence does not make it count.
		renew(id, T0 + 400 * DAY);
		assert!(summarised(DOC).is_empty());
		agrees(DOC);

		assert_ok!(Practitioners::reinstate_licence(RuntimeOrigin::signed(BOARD), id));
		assert_eq!(summarised(DOC), vec![id]);
		assert_eq!(ActiveLicences::<Test>::get(DOC)[0].expires_at, T0 + 400 * DAY);
		assert!(licensed(DOC));
		agrees(DOC);

		// Renewed while active: the new expiry counts.
		renew(id, T0 + 500 * DAY);
		set_now(T0 + 450 * DAY);
		assert!(licensed(DOC));
		agrees(DOC);

		assert_ok!(Practitioners::revoke_licence(RuntimeOrigin::signed(BOARD), id, [0; 32]));
		assert!(summarised(DOC).is_empty());
		assert!(!licensed(DOC));
		agrees(DOC);
	});
}

/// Each way the first of two licences stops counting, then the standing asked: the second
/// (from another authority, in another jurisdiction) keeps the holder licensed; once the
/// second ends too, they are not.
#[test]
fn another_valid_licence_keeps_the_holder_licensed() {
	type End = fn(LicenceId);
	let ways: [(&str, End); 8] = [
		("suspended", |id| {
			assert_ok!(Practitioners::suspend_licence(RuntimeOrigin::signed(BOARD), id, [0; 32]));
		}),
		("revoked", |id| {
			assert_ok!(Practitioners::revoke_licence(RuntimeOrigin::signed(BOARD), id, [0; 32]));
		}),
		("revoked by governance", |id| {
			assert_ok!(Practitioners::force_revoke_licence(RuntimeOrigin::root(), id, [0; 32]));
		}),
		("surrendered", |id| {
			assert_ok!(Practitioners::surrender_licence(RuntimeOrigin::signed(DOC), id));
		}),
		("expired", |_| set_now(T0 + 10 * DAY)),
		("its authority removed", |_| {
			assert_ok!(Practitioners::remove_authority(RuntimeOrigin::root(), BOARD));
		}),
		("its jurisdiction dropped", |_| {
			assert_ok!(Practitioners::update_authority(
				RuntimeOrigin::root(),
				BOARD,
				bv(b"Board".to_vec()),
				codes(&[b"GB-ENG"]),
			));
		}),
		("its authority removed and accredited again", |_| {
			assert_ok!(Practitioners::remove_authority(RuntimeOrigin::root(), BOARD));
			set_now(T0 + DAY);
			add_board();
		}),
	];
	for (how, end) in ways {
		new_test_ext().execute_with(|| {
			add_board();
			add_other_board();
			register(DOC);
			let first = issue_from(BOARD, DOC, b"FR", T0, T0 + 10 * DAY, true);
			let second = issue_from(OTHER_BOARD, DOC, b"US-CA", T0, T0 + 365 * DAY, false);
			assert_eq!(summarised(DOC), vec![first, second]);
			assert!(Registry::may_use_emergency_access(&DOC));

			end(first);

			assert!(licensed(DOC), "licensed by the second after the first {how}");
			assert!(
				!Registry::may_use_emergency_access(&DOC),
				"the endorsement was the first's ({how})"
			);
			agrees(DOC);
			assert_ok!(Practitioners::suspend_licence(
				RuntimeOrigin::signed(OTHER_BOARD),
				second,
				[0; 32]
			));
			assert!(!licensed(DOC), "nothing counts once the second is suspended too ({how})");
			agrees(DOC);
		});
	}
}

#[test]
fn expiry_and_the_start_of_validity_need_no_write() {
	new_test_ext().execute_with(|| {
		add_board();
		register(DOC);
		let id = issue_from(BOARD, DOC, b"FR", T0 + DAY, T0 + 2 * DAY, false);
		let before = ActiveLicences::<Test>::get(DOC);
		assert!(!licensed(DOC), "not valid yet");
		set_now(T0 + DAY);
		assert!(licensed(DOC));
		set_now(T0 + 2 * DAY - 1);
		assert!(licensed(DOC));
		set_now(T0 + 2 * DAY);
		assert!(!licensed(DOC), "expired at its expiry");
		assert_eq!(ActiveLicences::<Test>::get(DOC), before, "no write");
		agrees(DOC);
		// Pruned: gone from the summary with the licence.
		assert_ok!(Practitioners::prune_licences(RuntimeOrigin::signed(NURSE), DOC));
		assert!(crate::Licences::<Test>::get(id).is_none());
		assert!(!ActiveLicences::<Test>::contains_key(DOC));
		agrees(DOC);
	});
}

#[test]
fn authority_changes_count_when_asked() {
	new_test_ext().execute_with(|| {
		licensed_doctor();
		let only_england = || {
			assert_ok!(Practitioners::update_authority(
				RuntimeOrigin::root(),
				BOARD,
				bv(b"Board".to_vec()),
				codes(&[b"GB-ENG"]),
			));
		};
		only_england();
		assert!(!licensed(DOC));
		agrees(DOC);
		// The jurisdiction given back: the licence counts again.
		assert_ok!(Practitioners::update_authority(
			RuntimeOrigin::root(),
			BOARD,
			bv(b"Board".to_vec()),
			codes(&[b"FR"]),
		));
		assert!(licensed(DOC));
		agrees(DOC);
		// Withdrawn and accredited again later: ended for good.
		assert_ok!(Practitioners::remove_authority(RuntimeOrigin::root(), BOARD));
		assert!(!licensed(DOC));
		set_now(T0 + DAY);
		add_board();
		assert!(Authorities::<Test>::contains_key(BOARD));
		assert!(!licensed(DOC));
		agrees(DOC);
	});
}

#[test]
fn queries_on_role_specialty_and_jurisdiction_read_the_summary() {
	new_test_ext().execute_with(|| {
		add_board();
		add_other_board();
		register(DOC);
		issue_from(BOARD, DOC, b"FR", T0, T0 + DAY, false);
		issue_from(OTHER_BOARD, DOC, b"US-CA", T0, T0 + 365 * DAY, false);
		let in_fr = LicenceQuery { jurisdiction: Some(bv(b"FR".to_vec())), ..LicenceQuery::any() };
		let in_ca =
			LicenceQuery { jurisdiction: Some(bv(b"US-CA".to_vec())), ..LicenceQuery::any() };
		assert!(Registry::is_licensed(&DOC, &in_fr));
		assert!(Registry::is_licensed(&DOC, &in_ca));
		assert!(!Registry::is_licensed(&DOC, &LicenceQuery::role(PractitionerRole::Nurse)));
		set_now(T0 + DAY);
		assert!(!Registry::is_licensed(&DOC, &in_fr), "the FR licence expired");
		assert!(Registry::is_licensed(&DOC, &in_ca));
		agrees(DOC);
	});
}

#[test]
fn deregistering_removes_the_summary() {
	new_test_ext().execute_with(|| {
		let id = licensed_doctor();
		assert_ok!(Practitioners::surrender_licence(RuntimeOrigin::signed(DOC), id));
		issue_from(BOARD, DOC, b"FR", T0, T0 + DAY, false);
		set_now(T0 + DAY);
		assert!(ActiveLicences::<Test>::contains_key(DOC), "expired, still listed");
		assert_ok!(Practitioners::deregister(RuntimeOrigin::signed(DOC)));
		assert!(!ActiveLicences::<Test>::contains_key(DOC));
		assert!(!licensed(DOC));
		assert_invariants();
	});
}

#[test]
fn try_state_catches_a_summary_that_differs_from_the_licences() {
	new_test_ext().execute_with(|| {
		let id = licensed_doctor();
		register(NURSE);
		let nurse = issue(NURSE, false);
		assert_invariants();
		let check = || Pallet::<Test>::do_try_state();
		let entry = ActiveLicences::<Test>::get(DOC)[0].clone();

		// A licence missing: its holder would read as unlicensed.
		ActiveLicences::<Test>::remove(DOC);
		assert!(check().is_err());
		// A suspended licence still listed: it would count.
		ActiveLicences::<Test>::insert(DOC, bv::<_, MaxLicences>(vec![entry.clone()]));
		crate::Licences::<Test>::mutate(id, |l| {
			l.as_mut().unwrap().status = LicenceStatus::Suspended
		});
		assert!(check().is_err());
		crate::Licences::<Test>::mutate(id, |l| l.as_mut().unwrap().status = LicenceStatus::Active);
		assert_invariants();
		// A stale window: a later expiry than the licence's.
		let stale = crate::ActiveLicence { expires_at: entry.expires_at + DAY, ..entry.clone() };
		ActiveLicences::<Test>::insert(DOC, bv::<_, MaxLicences>(vec![stale]));
		assert!(check().is_err());
		// Listed under another holder.
		ActiveLicences::<Test>::insert(DOC, bv::<_, MaxLicences>(vec![entry.clone()]));
		let mut theirs = ActiveLicences::<Test>::get(NURSE).into_inner();
		theirs.push(entry);
		ActiveLicences::<Test>::insert(NURSE, bv::<_, MaxLicences>(theirs));
		assert!(check().is_err());
		ActiveLicences::<Test>::insert(
			NURSE,
			bv::<_, MaxLicences>(vec![crate::ActiveLicence::of(
				nurse,
				&crate::Licences::<Test>::get(nurse).unwrap(),
			)]),
		);
		assert_invariants();
		// An empty summary kept.
		ActiveLicences::<Test>::insert(PAUPER, bv::<_, MaxLicences>(vec![]));
		assert!(check().is_err());
	});
}

type MaxLicences = <Test as crate::Config>::MaxLicencesPerPractitioner;

#[test]
fn version_1_licences_are_summarised() {
	new_test_ext().execute_with(|| {
		add_board();
		add_other_board();
		register(DOC);
		register(NURSE);
		let active = issue_from(BOARD, DOC, b"FR", T0, T0 + DAY, true);
		let suspended = issue_from(OTHER_BOARD, DOC, b"US-CA", T0, T0 + DAY, false);
		assert_ok!(Practitioners::suspend_licence(
			RuntimeOrigin::signed(OTHER_BOARD),
			suspended,
			[0; 32]
		));
		let revoked = issue(NURSE, false);
		assert_ok!(Practitioners::revoke_licence(RuntimeOrigin::signed(BOARD), revoked, [0; 32]));
		let expected = ActiveLicences::<Test>::get(DOC);
		// Version 1: no summaries.
		let _ = ActiveLicences::<Test>::clear(u32::MAX, None);
		StorageVersion::new(1).put::<Practitioners>();
		assert!(Pallet::<Test>::do_try_state().is_err(), "a missing summary is caught");
		assert!(!licensed(DOC), "without the summary nothing counts");

		#[cfg(feature = "try-runtime")]
		MigrateV1ToV2::<Test>::try_on_runtime_upgrade(true).expect("pre and post checks pass");
		#[cfg(not(feature = "try-runtime"))]
		MigrateV1ToV2::<Test>::on_runtime_upgrade();

		assert_eq!(Practitioners::on_chain_storage_version(), StorageVersion::new(2));
		assert_eq!(ActiveLicences::<Test>::get(DOC), expected);
		assert_eq!(summarised(DOC), vec![active]);
		assert!(!ActiveLicences::<Test>::contains_key(NURSE), "only a revoked licence");
		assert!(licensed(DOC));
		assert!(Registry::may_use_emergency_access(&DOC));
		agrees(DOC);
		agrees(NURSE);

		// Once only.
		ActiveLicences::<Test>::remove(DOC);
		MigrateV1ToV2::<Test>::on_runtime_upgrade();
		assert!(!ActiveLicences::<Test>::contains_key(DOC));
	});
}
