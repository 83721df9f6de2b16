//! Ended licences give up their slots: `prune_licences` (anyone), issuing at the bound, and
//! governance's revocation. What "ended" means: revoked, expired, or issued under an
//! accreditation since withdrawn; a suspension or a jurisdiction taken away for now is not.
//! Also: bounded call arguments fail at decoding, and genesis refuses unusable keys.

use super::*;
use crate::{LicenceStanding, Licences, LicencesOf, Pallet};
use codec::{Decode, Encode};
use frame_support::assert_noop;
use sp_runtime::DispatchError;
use telemed_primitives::{LicenceQuery, PractitionerRegistry};

type Registry = Pallet<Test>;

/// Issues `DOC` a licence from `BOARD` valid from now until `until`.
fn issue_until(jurisdiction: &[u8], specialty: Option<&[u8]>, until: u64) -> LicenceId {
	let id = crate::NextLicenceId::<Test>::get();
	assert_ok!(try_issue(jurisdiction, specialty, until));
	id
}

fn try_issue(
	jurisdiction: &[u8],
	specialty: Option<&[u8]>,
	until: u64,
) -> sp_runtime::DispatchResultWithInfo<frame_support::dispatch::PostDispatchInfo> {
	Practitioners::issue_licence(
		RuntimeOrigin::signed(BOARD),
		DOC,
		bv(jurisdiction.to_vec()),
		PractitionerRole::Physician,
		specialty.map(|s| bv(s.to_vec())),
		[1u8; 32],
		[2u8; 32],
		T0,
		until,
		false,
	)
}

/// A board and `DOC` holding `MaxLicencesPerPractitioner` (4) licences, none ended:
/// `[FR, FR cardiology, GB-ENG, GB-ENG cardiology]`, the first expiring after a day and the
/// others after a year.
fn full_list() -> [LicenceId; 4] {
	add_board();
	register(DOC);
	[
		issue_until(b"FR", None, T0 + DAY),
		issue_until(b"FR", Some(CARDIOLOGY), T0 + 365 * DAY),
		issue_until(b"GB-ENG", None, T0 + 365 * DAY),
		issue_until(b"GB-ENG", Some(CARDIOLOGY), T0 + 365 * DAY),
	]
}

fn prune(
	holder: AccountId,
) -> sp_runtime::DispatchResultWithInfo<frame_support::dispatch::PostDispatchInfo> {
	Practitioners::prune_licences(RuntimeOrigin::signed(NURSE), holder)
}

fn listed() -> Vec<LicenceId> {
	LicencesOf::<Test>::get(DOC).to_vec()
}

#[test]
fn at_the_bound_anyone_prunes_ended_licences_and_issuing_works_again() {
	new_test_ext().execute_with(|| {
		let [first, second, third, fourth] = full_list();
		// Bound + 1: refused while nothing has ended.
		assert_noop!(try_issue(b"FR", Some(b"419192003"), T0 + DAY), PError::TooManyLicences);

		assert_ok!(Practitioners::revoke_licence(RuntimeOrigin::signed(BOARD), third, [4u8; 32]));
		set_now(T0 + DAY);
		// A stranger prunes the revoked and the expired licence: nothing else.
		assert_ok!(prune(DOC));
		assert_eq!(last_event(), Event::LicencesPruned { holder: DOC, ids: vec![first, third] });
		assert_eq!(listed(), vec![second, fourth]);
		assert!(Licences::<Test>::get(first).is_none() && Licences::<Test>::get(third).is_none());
		assert!(Registry::is_licensed(&DOC, &LicenceQuery::any()), "live licences untouched");
		assert_invariants();

		// Two free slots: the bound is reached again, and one past it is refused.
		assert_ok!(try_issue(b"FR", Some(b"419192003"), T0 + 365 * DAY));
		assert_ok!(try_issue(b"GB-ENG", Some(b"419192003"), T0 + 365 * DAY));
		assert_eq!(listed().len(), 4);
		assert_noop!(try_issue(b"FR", None, T0 + 365 * DAY), PError::TooManyLicences);
		assert_invariants();
	});
}

#[test]
fn pruning_refuses_when_nothing_has_ended() {
	new_test_ext().execute_with(|| {
		assert_noop!(prune(DOC), PError::NothingToPrune);
		let [first, ..] = full_list();
		assert_noop!(prune(DOC), PError::NothingToPrune);
		assert_noop!(
			Practitioners::prune_licences(RuntimeOrigin::root(), DOC),
			DispatchError::BadOrigin
		);
		// A licence that is not valid yet has not ended either.
		assert_ok!(Practitioners::force_revoke_licence(RuntimeOrigin::root(), first, [0u8; 32]));
		assert_ok!(Practitioners::issue_licence(
			RuntimeOrigin::signed(BOARD),
			DOC,
			bv(b"FR".to_vec()),
			PractitionerRole::Physician,
			None,
			[1u8; 32],
			[2u8; 32],
			T0 + 10 * DAY,
			T0 + 20 * DAY,
			false,
		));
		assert_noop!(prune(DOC), PError::NothingToPrune);
	});
}

#[test]
fn a_suspended_licence_has_not_ended_but_an_expired_one_has() {
	new_test_ext().execute_with(|| {
		let id = licensed_doctor();
		assert_ok!(Practitioners::suspend_licence(RuntimeOrigin::signed(BOARD), id, [3u8; 32]));
		assert_noop!(prune(DOC), PError::NothingToPrune);
		assert_noop!(
			Practitioners::deregister(RuntimeOrigin::signed(DOC)),
			PError::HasLiveLicences
		);

		// Past its expiry a suspended licence can never count again: it has ended, can no
		// longer be reinstated or renewed, and keeps nobody registered.
		set_now(T0 + 365 * DAY);
		assert_noop!(
			Practitioners::reinstate_licence(RuntimeOrigin::signed(BOARD), id),
			PError::LicenceExpired
		);
		assert_noop!(
			Practitioners::renew_licence(RuntimeOrigin::signed(BOARD), id, T0 + 999 * DAY, None),
			PError::LicenceExpired
		);
		assert_ok!(prune(DOC));
		assert!(!LicencesOf::<Test>::contains_key(DOC), "an emptied list is not stored");
		assert!(Licences::<Test>::get(id).is_none());
		assert_ok!(Practitioners::deregister(RuntimeOrigin::signed(DOC)));
		assert_invariants();
	});
}

#[test]
fn a_suspended_licence_past_its_expiry_does_not_block_deregistration() {
	new_test_ext().execute_with(|| {
		let id = licensed_doctor();
		assert_ok!(Practitioners::suspend_licence(RuntimeOrigin::signed(BOARD), id, [3u8; 32]));
		set_now(T0 + 365 * DAY - 1);
		assert_noop!(
			Practitioners::deregister(RuntimeOrigin::signed(DOC)),
			PError::HasLiveLicences
		);
		set_now(T0 + 365 * DAY);
		assert_ok!(Practitioners::deregister(RuntimeOrigin::signed(DOC)));
		assert!(Licences::<Test>::get(id).is_none());
		assert_invariants();
	});
}

#[test]
fn issuing_at_the_bound_prunes_ended_licences_first() {
	new_test_ext().execute_with(|| {
		let [first, second, third, fourth] = full_list();
		set_now(T0 + DAY);
		assert_eq!(Registry::licences_of(&DOC)[0].standing, LicenceStanding::Expired);
		let next = crate::NextLicenceId::<Test>::get();
		assert_ok!(try_issue(b"FR", None, T0 + 365 * DAY));
		System::assert_has_event(Event::LicencesPruned { holder: DOC, ids: vec![first] }.into());
		assert_eq!(listed(), vec![second, third, fourth, next]);
		assert!(Licences::<Test>::get(first).is_none());
		assert_invariants();

		// Below the bound nothing is pruned: ended licences stay visible until needed.
		assert_ok!(Practitioners::revoke_licence(RuntimeOrigin::signed(BOARD), second, [0u8; 32]));
		assert_ok!(prune(DOC));
		let revoked_later = fourth;
		assert_ok!(Practitioners::revoke_licence(
			RuntimeOrigin::signed(BOARD),
			revoked_later,
			[0u8; 32]
		));
		assert_ok!(try_issue(b"FR", Some(CARDIOLOGY), T0 + 365 * DAY));
		assert!(Licences::<Test>::get(revoked_later).is_some(), "not at the bound: kept");
		assert_eq!(listed().len(), 4);
		assert_invariants();
	});
}

#[test]
fn force_revoke_frees_the_slot_at_once() {
	new_test_ext().execute_with(|| {
		let [first, second, third, fourth] = full_list();
		assert_ok!(Practitioners::force_revoke_licence(RuntimeOrigin::root(), third, [4u8; 32]));
		assert_eq!(listed(), vec![first, second, fourth]);
		assert!(Licences::<Test>::get(third).is_none());
		assert!(Registry::licences_of(&DOC).iter().all(|v| v.id != third));
		// The slot is free without any pruning.
		System::reset_events();
		assert_ok!(try_issue(b"GB-ENG", None, T0 + 365 * DAY));
		assert!(!System::events()
			.iter()
			.any(|r| matches!(r.event, RuntimeEvent::Practitioners(Event::LicencesPruned { .. }))));
		assert_noop!(
			Practitioners::renew_licence(RuntimeOrigin::signed(BOARD), third, T0 + 999 * DAY, None),
			PError::UnknownLicence
		);
		assert_invariants();
	});
}

#[test]
fn withdrawing_an_authority_ends_its_licences_for_good() {
	new_test_ext().execute_with(|| {
		let id = licensed_doctor();
		assert_ok!(Practitioners::suspend_licence(RuntimeOrigin::signed(BOARD), id, [3u8; 32]));
		assert_ok!(Practitioners::remove_authority(RuntimeOrigin::root(), BOARD));
		set_now(T0 + DAY);
		add_board();

		// The new accreditation neither revives the licence nor lets the authority change it.
		assert_eq!(Registry::licences_of(&DOC)[0].standing, LicenceStanding::AuthorityWithdrawn);
		assert_noop!(
			Practitioners::reinstate_licence(RuntimeOrigin::signed(BOARD), id),
			PError::AccreditationWithdrawn
		);
		assert_noop!(
			Practitioners::renew_licence(RuntimeOrigin::signed(BOARD), id, T0 + 999 * DAY, None),
			PError::AccreditationWithdrawn
		);
		assert!(!Registry::is_licensed(&DOC, &LicenceQuery::any()));

		// It has ended: it is no duplicate of a new licence, and may be pruned.
		let fresh = issue(DOC, false);
		assert!(Registry::is_licensed(&DOC, &LicenceQuery::any()), "the new licence counts");
		assert_ok!(prune(DOC));
		assert_eq!(listed(), vec![fresh]);
		assert_invariants();
	});
}

#[test]
fn a_jurisdiction_taken_away_for_now_has_not_ended() {
	new_test_ext().execute_with(|| {
		let id = licensed_doctor();
		assert_ok!(Practitioners::update_authority(
			RuntimeOrigin::root(),
			BOARD,
			bv(b"Board".to_vec()),
			codes(&[b"GB-ENG"])
		));
		assert_eq!(Registry::licences_of(&DOC)[0].standing, LicenceStanding::AuthorityWithdrawn);
		assert_noop!(prune(DOC), PError::NothingToPrune);
		set_now(T0 + DAY);
		assert_ok!(Practitioners::update_authority(
			RuntimeOrigin::root(),
			BOARD,
			bv(b"Board".to_vec()),
			codes(&[b"FR", b"GB-ENG"])
		));
		assert!(Registry::is_licensed(&DOC, &LicenceQuery::any()), "given back: counts again");
		assert_eq!(listed(), vec![id]);
	});
}

#[test]
fn oversized_call_arguments_fail_at_decoding() {
	new_test_ext().execute_with(|| {
		// The same bytes a client sends for `Vec<u8>` arguments: `register` is call 3 of
		// pallet 3 in the mock.
		let register = |name: Vec<u8>, specialties: Vec<Vec<u8>>| {
			let mut bytes = vec![3u8, 3u8];
			(name, vec![PractitionerRole::Physician], specialties, KEY).encode_to(&mut bytes);
			RuntimeCall::decode(&mut &bytes[..])
		};
		assert!(register(vec![b'x'; 32], vec![b"1".to_vec()]).is_ok(), "at the bound");
		assert!(register(vec![b'x'; 33], vec![]).is_err(), "name one past the bound");
		assert!(register(b"Dr".to_vec(), vec![vec![b'1'; 19]]).is_err(), "code past 18 bytes");
		let four = vec![b"1".to_vec(), b"2".to_vec(), b"3".to_vec(), b"4".to_vec()];
		assert!(register(b"Dr".to_vec(), four).is_err(), "one specialty past the bound");

		// `add_authority`: call 0; a jurisdiction code is at most 6 bytes.
		let add = |jurisdictions: Vec<Vec<u8>>| {
			let mut bytes = vec![3u8, 0u8];
			(BOARD, b"Board".to_vec(), jurisdictions).encode_to(&mut bytes);
			RuntimeCall::decode(&mut &bytes[..])
		};
		assert!(add(vec![b"US-CA".to_vec()]).is_ok());
		assert!(add(vec![b"US-CALI".to_vec()]).is_err());
		assert!(add(vec![b"FR".to_vec(), b"DE".to_vec(), b"IT".to_vec(), b"ES".to_vec()]).is_err());
	});
}

#[test]
#[should_panic(expected = "key-agreement key is not a valid X25519 public key")]
fn genesis_refuses_a_small_order_key() {
	use sp_runtime::BuildStorage;
	let mut storage = frame_system::GenesisConfig::<Test>::default().build_storage().unwrap();
	pallet_balances::GenesisConfig::<Test> { balances: vec![(DOC, 1_000)], ..Default::default() }
		.assimilate_storage(&mut storage)
		.unwrap();
	crate::GenesisConfig::<Test> {
		authorities: vec![],
		practitioners: vec![(
			DOC,
			b"Dr Example".to_vec(),
			vec![PractitionerRole::Physician],
			vec![],
			ORDER_8,
		)],
		licences: vec![],
	}
	.assimilate_storage(&mut storage)
	.unwrap();
}

#[test]
fn a_holder_surrenders_an_unwanted_licence_and_is_never_trapped() {
	new_test_ext().execute_with(|| {
		// An authority fills the practitioner's slots with licences that never expire.
		add_board();
		register(DOC);
		let forever: Vec<LicenceId> = [&b"FR"[..], b"GB-ENG"]
			.into_iter()
			.flat_map(|j| [None, Some(CARDIOLOGY)].map(|s| issue_until(j, s, u64::MAX)))
			.collect();
		assert_noop!(try_issue(b"FR", Some(b"419192003"), u64::MAX), PError::TooManyLicences);
		assert_noop!(
			Practitioners::deregister(RuntimeOrigin::signed(DOC)),
			PError::HasLiveLicences
		);

		// Only the holder may give one up.
		assert_noop!(
			Practitioners::surrender_licence(RuntimeOrigin::signed(BOARD), forever[0]),
			PError::NotHolder
		);
		assert_noop!(
			Practitioners::surrender_licence(RuntimeOrigin::signed(DOC), 99),
			PError::UnknownLicence
		);
		assert_ok!(Practitioners::suspend_licence(
			RuntimeOrigin::signed(BOARD),
			forever[1],
			[3u8; 32]
		));
		for id in forever.iter().copied() {
			assert_ok!(Practitioners::surrender_licence(RuntimeOrigin::signed(DOC), id));
			assert_eq!(last_event(), Event::LicenceSurrendered { id, holder: DOC });
			assert!(Licences::<Test>::get(id).is_none());
		}
		assert!(!LicencesOf::<Test>::contains_key(DOC));
		assert!(!Registry::is_licensed(&DOC, &LicenceQuery::any()));
		assert_noop!(
			Practitioners::surrender_licence(RuntimeOrigin::signed(DOC), forever[0]),
			PError::UnknownLicence
		);
		assert_invariants();
		assert_ok!(Practitioners::deregister(RuntimeOrigin::signed(DOC)));
		assert_eq!(held(DOC), 0);
	});
}
