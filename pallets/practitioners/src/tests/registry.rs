//! `PractitionerRegistry` and the runtime API's queries: standing is computed when asked, so
//! expiry, suspension, revocation and loss of accreditation count at once.

use super::*;
use crate::{LicenceStanding, Pallet};
use telemed_primitives::{LicenceQuery, PractitionerRegistry};

type Registry = Pallet<Test>;

fn fr() -> telemed_primitives::JurisdictionCode {
	b"FR".to_vec().try_into().unwrap()
}

#[test]
fn a_valid_licence_counts_and_matches_queries() {
	new_test_ext().execute_with(|| {
		licensed_doctor();
		assert!(Registry::is_licensed(&DOC, &LicenceQuery::any()));
		assert!(Registry::is_licensed(&DOC, &LicenceQuery::role(PractitionerRole::Physician)));
		assert!(!Registry::is_licensed(&DOC, &LicenceQuery::role(PractitionerRole::Nurse)));
		let q = LicenceQuery { jurisdiction: Some(fr()), ..LicenceQuery::any() };
		assert!(Registry::is_licensed(&DOC, &q));
		let q = LicenceQuery {
			jurisdiction: Some(b"GB-ENG".to_vec().try_into().unwrap()),
			..LicenceQuery::any()
		};
		assert!(!Registry::is_licensed(&DOC, &q));
		let q = LicenceQuery {
			specialty: Some(CARDIOLOGY.to_vec().try_into().unwrap()),
			..LicenceQuery::any()
		};
		assert!(!Registry::is_licensed(&DOC, &q), "the licence names no specialty");
		assert!(!Registry::is_licensed(&NURSE, &LicenceQuery::any()));
		assert_eq!(Registry::key_agreement_key(&DOC), Some(KEY));
		assert_eq!(Registry::key_agreement_key(&NURSE), None);
	});
}

#[test]
fn a_licence_counts_only_within_its_validity() {
	new_test_ext().execute_with(|| {
		let id = licensed_doctor();
		let licence = crate::Licences::<Test>::get(id).unwrap();
		assert_eq!(Registry::standing(&licence, T0 - 1), LicenceStanding::NotYetValid);
		assert_eq!(Registry::standing(&licence, T0), LicenceStanding::Valid);
		assert_eq!(Registry::standing(&licence, licence.expires_at - 1), LicenceStanding::Valid);
		assert_eq!(Registry::standing(&licence, licence.expires_at), LicenceStanding::Expired);

		set_now(licence.expires_at);
		assert!(!Registry::is_licensed(&DOC, &LicenceQuery::any()), "expired, no sweep needed");
		let status = Registry::status_of(&DOC);
		assert!(status.registered && !status.licensed);
		assert_eq!(Registry::licences_of(&DOC)[0].standing, LicenceStanding::Expired);
	});
}

#[test]
fn suspension_revocation_and_withdrawal_stop_a_licence_at_once() {
	new_test_ext().execute_with(|| {
		let id = licensed_doctor();
		let standing = || Registry::licences_of(&DOC)[0].standing;

		assert_ok!(Practitioners::suspend_licence(RuntimeOrigin::signed(BOARD), id, [0u8; 32]));
		assert_eq!(standing(), LicenceStanding::Suspended);
		assert!(!Registry::is_licensed(&DOC, &LicenceQuery::any()));
		assert_ok!(Practitioners::reinstate_licence(RuntimeOrigin::signed(BOARD), id));
		assert!(Registry::is_licensed(&DOC, &LicenceQuery::any()));

		assert_ok!(Practitioners::update_authority(
			RuntimeOrigin::root(),
			BOARD,
			bv(b"Board".to_vec()),
			codes(&[b"GB-ENG"])
		));
		assert_eq!(standing(), LicenceStanding::AuthorityWithdrawn);
		assert!(!Registry::is_licensed(&DOC, &LicenceQuery::any()));
		assert_ok!(Practitioners::update_authority(
			RuntimeOrigin::root(),
			BOARD,
			bv(b"Board".to_vec()),
			codes(&[b"FR"])
		));
		assert!(Registry::is_licensed(&DOC, &LicenceQuery::any()), "accreditation restored");

		assert_ok!(Practitioners::remove_authority(RuntimeOrigin::root(), BOARD));
		assert!(!Registry::is_licensed(&DOC, &LicenceQuery::any()));
		set_now(T0 + 1);
		assert_ok!(Practitioners::add_authority(
			RuntimeOrigin::root(),
			BOARD,
			bv(b"Board".to_vec()),
			codes(&[b"FR"])
		));
		// A new accreditation does not revive what the withdrawn one issued.
		assert_eq!(standing(), LicenceStanding::AuthorityWithdrawn);
		assert!(!Registry::is_licensed(&DOC, &LicenceQuery::any()));
		assert_ok!(Practitioners::revoke_licence(RuntimeOrigin::signed(BOARD), id, [0u8; 32]));
		assert_eq!(standing(), LicenceStanding::Revoked);
		assert!(!Registry::is_licensed(&DOC, &LicenceQuery::any()));
	});
}

#[test]
fn emergency_access_needs_a_valid_endorsed_licence() {
	new_test_ext().execute_with(|| {
		let plain = licensed_doctor();
		assert!(!Registry::may_use_emergency_access(&DOC));
		assert_ok!(Practitioners::revoke_licence(RuntimeOrigin::signed(BOARD), plain, [0u8; 32]));
		let endorsed = issue(DOC, true);
		assert!(Registry::may_use_emergency_access(&DOC));
		assert!(Registry::status_of(&DOC).emergency_access);
		assert_ok!(Practitioners::suspend_licence(
			RuntimeOrigin::signed(BOARD),
			endorsed,
			[0u8; 32]
		));
		assert!(!Registry::may_use_emergency_access(&DOC));
	});
}

#[test]
fn status_summarises_an_account() {
	new_test_ext().execute_with(|| {
		assert_eq!(Registry::status_of(&DOC), crate::PractitionerStatus::default());
		licensed_doctor();
		issue_second();
		let status = Registry::status_of(&DOC);
		assert!(status.registered && status.licensed && !status.emergency_access);
		assert_eq!(status.valid_licences, 2);
		assert_eq!(status.key_agreement_key, Some(KEY));
		let views = Registry::licences_of(&DOC);
		assert_eq!(views.iter().map(|v| v.id).collect::<Vec<_>>(), vec![0, 1]);
	});
}

fn issue_second() {
	assert_ok!(Practitioners::issue_licence(
		RuntimeOrigin::signed(BOARD),
		DOC,
		bv(b"GB-ENG".to_vec()),
		PractitionerRole::Physician,
		None,
		[1u8; 32],
		[2u8; 32],
		T0,
		T0 + DAY,
		false,
	));
}

#[test]
fn an_unregistered_account_is_never_licensed() {
	new_test_ext().execute_with(|| {
		assert!(!Registry::is_licensed(&PAUPER, &LicenceQuery::any()));
		assert!(!Registry::may_use_emergency_access(&PAUPER));
	});
}

#[test]
fn genesis_builds_authorities_practitioners_and_licences() {
	use sp_runtime::BuildStorage;
	let mut storage = frame_system::GenesisConfig::<Test>::default().build_storage().unwrap();
	pallet_balances::GenesisConfig::<Test> { balances: vec![(DOC, 1_000)], ..Default::default() }
		.assimilate_storage(&mut storage)
		.unwrap();
	crate::GenesisConfig::<Test> {
		authorities: vec![(BOARD, b"Board".to_vec(), vec![b"FR".to_vec()])],
		practitioners: vec![(
			DOC,
			b"Dr Example".to_vec(),
			vec![PractitionerRole::Physician],
			vec![CARDIOLOGY.to_vec()],
			KEY,
		)],
		licences: vec![crate::GenesisLicence {
			holder: DOC,
			authority: BOARD,
			jurisdiction: b"FR".to_vec(),
			role: PractitionerRole::Physician,
			specialty: Some(CARDIOLOGY.to_vec()),
			number_commitment: [1u8; 32],
			evidence: [2u8; 32],
			valid_from: 0,
			expires_at: T0 + DAY,
			emergency_care: true,
		}],
	}
	.assimilate_storage(&mut storage)
	.unwrap();
	sp_io::TestExternalities::new(storage).execute_with(|| {
		set_now(T0);
		assert!(Registry::is_licensed(&DOC, &LicenceQuery::any()));
		assert!(Registry::may_use_emergency_access(&DOC));
		assert_eq!(held(DOC), DEPOSIT);
		assert_invariants();
	});
}

/// The table of accreditations is full, every entry with as many of the longest jurisdiction
/// codes as allowed (what a lookup decodes at most).
#[cfg(feature = "runtime-benchmarks")]
fn assert_full_table() {
	let table = crate::Accreditations::<Test>::get();
	assert_eq!(table.len(), MAX_AUTHORITIES as usize);
	let most: u32 = <Test as crate::Config>::MaxJurisdictionsPerAuthority::get();
	assert!(table.iter().all(|a| a.jurisdictions.len() == most as usize));
	assert!(table.iter().all(|a| a.jurisdictions.iter().any(|j| !j.contains(&0))));
}

/// Other pallets' benchmarks reach the registry's worst case: a full list of active licences
/// within their window, every one's authority having lost the licence's jurisdiction but the
/// last, valid one; the table of accreditations full.
#[cfg(feature = "runtime-benchmarks")]
#[test]
fn make_licensed_fills_the_list_and_the_table() {
	new_test_ext().execute_with(|| {
		Registry::make_licensed(&NURSE, true);
		let views = Registry::licences_of(&NURSE);
		let max: u32 = <Test as crate::Config>::MaxLicencesPerPractitioner::get();
		let max = max as usize;
		assert_eq!(views.len(), max);
		let (last, before) = views.split_last().unwrap();
		assert!(crate::Authorities::<Test>::get(last.licence.authority)
			.is_some_and(|a| a.jurisdictions.contains(&last.licence.jurisdiction)));
		assert!(before.iter().all(|v| {
			crate::Authorities::<Test>::get(v.licence.authority)
				.is_some_and(|a| !a.jurisdictions.contains(&v.licence.jurisdiction))
		}));
		assert_eq!(last.standing, LicenceStanding::Valid);
		// Active and within their window: each is a candidate looked up in the table.
		assert!(before.iter().all(|v| v.standing == LicenceStanding::AuthorityWithdrawn
			&& v.licence.status == crate::LicenceStatus::Active));
		assert_eq!(crate::ActiveLicences::<Test>::get(NURSE).len(), max);
		assert_full_table();
		assert!(Registry::is_licensed(&NURSE, &LicenceQuery::any()));
		assert!(Registry::may_use_emergency_access(&NURSE));
		// Another practitioner's worst case uses other authorities: this one's stands.
		Registry::make_licensed(&DOC, false);
		assert!(Registry::is_licensed(&DOC, &LicenceQuery::any()));
		assert!(Registry::is_licensed(&NURSE, &LicenceQuery::any()));
		assert!(Registry::may_use_emergency_access(&NURSE));
		assert_full_table();
		assert_invariants();
	});
}

/// Other pallets' benchmarks reach the registry's longest refusal: a registered practitioner
/// with a full summary of active licences within their window, each of whose authority has
/// lost the licence's jurisdiction (each looked up in the full table, each refused).
#[cfg(feature = "runtime-benchmarks")]
#[test]
fn make_unlicensed_fills_the_list_and_refuses_every_licence() {
	new_test_ext().execute_with(|| {
		Registry::make_unlicensed(&NURSE);
		let max: u32 = <Test as crate::Config>::MaxLicencesPerPractitioner::get();
		let max = max as usize;
		let views = Registry::licences_of(&NURSE);
		assert_eq!(views.len(), max);
		assert_full_table();
		assert!(views.iter().all(|v| v.standing == LicenceStanding::AuthorityWithdrawn
			&& v.licence.status == crate::LicenceStatus::Active));
		assert_eq!(crate::ActiveLicences::<Test>::get(NURSE).len(), max);
		assert!(Registry::key_agreement_key(&NURSE).is_some(), "registered");
		assert!(!Registry::is_licensed(&NURSE, &LicenceQuery::any()));
		assert!(!Registry::may_use_emergency_access(&NURSE));
		// Another practitioner's worst case stands.
		Registry::make_licensed(&DOC, false);
		assert!(Registry::is_licensed(&DOC, &LicenceQuery::any()));
		assert_invariants();
	});
}

/// `practitioner_standing` (what an access check asks, in at most two reads) gives the answer
/// `is_licensed` and the profile give, whatever the holder's licences came to.
#[test]
fn practitioner_standing_agrees_with_the_licences_and_the_profile() {
	use telemed_primitives::PractitionerStanding::{Licensed, NotRegistered, Unlicensed};
	let standing = |who, query: &LicenceQuery| {
		let answer = Registry::practitioner_standing(&who, query);
		let expected = if Registry::is_licensed(&who, query) {
			Licensed
		} else if Registry::key_agreement_key(&who).is_some() {
			Unlicensed
		} else {
			NotRegistered
		};
		assert_eq!(answer, expected, "as the licences and the profile say");
		answer
	};
	let any = LicenceQuery::any;
	new_test_ext().execute_with(|| {
		assert_eq!(standing(DOC, &any()), NotRegistered);
		let id = licensed_doctor();
		assert_eq!(standing(DOC, &any()), Licensed);
		assert_eq!(standing(DOC, &LicenceQuery::role(PractitionerRole::Nurse)), Unlicensed);
		// Registered with no licence at all: no summary kept, the profile answers.
		register(NURSE);
		assert!(!crate::ActiveLicences::<Test>::contains_key(NURSE));
		assert_eq!(standing(NURSE, &any()), Unlicensed);

		// Suspended: the summary is gone, the profile answers; reinstated: licensed again.
		assert_ok!(Practitioners::suspend_licence(RuntimeOrigin::signed(BOARD), id, [0u8; 32]));
		assert_eq!(standing(DOC, &any()), Unlicensed);
		assert_ok!(Practitioners::reinstate_licence(RuntimeOrigin::signed(BOARD), id));
		assert_eq!(standing(DOC, &any()), Licensed);
		// The authority's accreditation withdrawn: the summary stays, nothing in it counts.
		assert_ok!(Practitioners::update_authority(
			RuntimeOrigin::root(),
			BOARD,
			bv(b"Board".to_vec()),
			codes(&[b"GB-ENG"])
		));
		assert!(crate::ActiveLicences::<Test>::contains_key(DOC));
		assert_eq!(standing(DOC, &any()), Unlicensed);
		assert_ok!(Practitioners::update_authority(
			RuntimeOrigin::root(),
			BOARD,
			bv(b"Board".to_vec()),
			codes(&[b"FR"])
		));
		assert_eq!(standing(DOC, &any()), Licensed);
		// Expired: still summarised (no sweep), not counted.
		let expires = crate::Licences::<Test>::get(id).unwrap().expires_at;
		set_now(expires);
		assert_eq!(standing(DOC, &any()), Unlicensed);
		// Revoked for good, then deregistered: not registered any more.
		assert_ok!(Practitioners::revoke_licence(RuntimeOrigin::signed(BOARD), id, [0u8; 32]));
		assert_eq!(standing(DOC, &any()), Unlicensed);
		assert_ok!(Practitioners::deregister(RuntimeOrigin::signed(DOC)));
		assert_eq!(standing(DOC, &any()), NotRegistered);
		assert_invariants();
	});
}
