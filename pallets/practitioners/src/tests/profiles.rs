//! Practitioner profiles: registration with a deposit, updates, key rotation, deregistration.

use super::*;
use crate::Practitioners as Profiles;
use frame_support::assert_noop;
use sp_runtime::DispatchError;

#[test]
fn registering_holds_the_deposit_and_stores_a_sorted_profile() {
	new_test_ext().execute_with(|| {
		assert_ok!(Practitioners::register(
			RuntimeOrigin::signed(DOC),
			bv(b"Dr Example".to_vec()),
			bv(vec![PractitionerRole::Therapist, PractitionerRole::Physician]),
			codes(&[b"419192003", CARDIOLOGY]),
			KEY,
		));
		let p = Profiles::<Test>::get(DOC).unwrap();
		assert_eq!(
			p.roles.to_vec(),
			vec![PractitionerRole::Physician, PractitionerRole::Therapist]
		);
		assert_eq!(p.specialties[0].to_vec(), CARDIOLOGY.to_vec());
		assert_eq!(p.deposit, DEPOSIT);
		assert_eq!(p.registered_at, T0);
		assert_eq!(held(DOC), DEPOSIT);
		assert_eq!(Balances::free_balance(DOC), 1_000 - DEPOSIT);
		assert_eq!(
			last_event(),
			Event::PractitionerRegistered { who: DOC, key_agreement_key: KEY, deposit: DEPOSIT }
		);
		assert_invariants();
	});
}

#[test]
fn registration_rejects_bad_input() {
	new_test_ext().execute_with(|| {
		let reg = |who, name: &[u8], roles: Vec<PractitionerRole>, specs: Vec<&[u8]>, key| {
			Practitioners::register(
				RuntimeOrigin::signed(who),
				bv(name.to_vec()),
				bv(roles),
				codes(&specs),
				key,
			)
		};
		let doc = vec![PractitionerRole::Physician];
		assert_noop!(reg(DOC, b"", doc.clone(), vec![], KEY), PError::EmptyName);
		assert_noop!(reg(DOC, b"Dr", vec![], vec![], KEY), PError::NoRoles);
		assert_noop!(
			reg(DOC, b"Dr", vec![PractitionerRole::Nurse, PractitionerRole::Nurse], vec![], KEY),
			PError::Duplicate
		);
		for bad in [&b""[..], b"12a", b"0123"] {
			assert_noop!(reg(DOC, b"Dr", doc.clone(), vec![bad], KEY), PError::InvalidSpecialty);
		}
		assert_noop!(reg(DOC, b"Dr", doc.clone(), vec![b"1", b"1"], KEY), PError::Duplicate);
		// The all-zero key and the other small-order points (here one of order 8) are refused.
		for bad in [[0u8; 32], ORDER_8] {
			assert_noop!(reg(DOC, b"Dr", doc.clone(), vec![], bad), PError::InvalidKeyAgreementKey);
		}
		assert_noop!(reg(PAUPER, b"Dr", doc.clone(), vec![], KEY), PError::InsufficientBalance);
		register(DOC);
		assert_noop!(reg(DOC, b"Dr", doc, vec![], KEY), PError::AlreadyRegistered);
	});
}

#[test]
fn registration_needs_a_signed_origin() {
	new_test_ext().execute_with(|| {
		assert_noop!(
			Practitioners::register(
				RuntimeOrigin::root(),
				bv(b"Dr".to_vec()),
				bv(vec![PractitionerRole::Nurse]),
				codes(&[]),
				KEY
			),
			DispatchError::BadOrigin
		);
	});
}

#[test]
fn a_practitioner_updates_their_profile() {
	new_test_ext().execute_with(|| {
		assert_noop!(
			Practitioners::update_profile(
				RuntimeOrigin::signed(DOC),
				bv(b"Dr".to_vec()),
				bv(vec![PractitionerRole::Nurse]),
				codes(&[])
			),
			PError::NotRegistered
		);
		register(DOC);
		assert_noop!(
			Practitioners::update_profile(
				RuntimeOrigin::signed(DOC),
				bv(b"Dr".to_vec()),
				bv(vec![]),
				codes(&[])
			),
			PError::NoRoles
		);
		assert_ok!(Practitioners::update_profile(
			RuntimeOrigin::signed(DOC),
			bv(b"Nurse Example".to_vec()),
			bv(vec![PractitionerRole::Nurse]),
			codes(&[]),
		));
		let p = Profiles::<Test>::get(DOC).unwrap();
		assert_eq!(p.display_name.to_vec(), b"Nurse Example".to_vec());
		assert_eq!(p.roles.to_vec(), vec![PractitionerRole::Nurse]);
		assert!(p.specialties.is_empty());
		assert_eq!(p.key_agreement_key, KEY, "the key is untouched");
		assert_eq!(last_event(), Event::ProfileUpdated { who: DOC });
	});
}

#[test]
fn key_rotation_replaces_the_key_and_says_so() {
	new_test_ext().execute_with(|| {
		assert_noop!(
			Practitioners::rotate_key_agreement_key(RuntimeOrigin::signed(DOC), [9u8; 32]),
			PError::NotRegistered
		);
		register(DOC);
		assert_noop!(
			Practitioners::rotate_key_agreement_key(RuntimeOrigin::signed(DOC), KEY),
			PError::SameKeyAgreementKey
		);
		for bad in [[0u8; 32], ORDER_8] {
			assert_noop!(
				Practitioners::rotate_key_agreement_key(RuntimeOrigin::signed(DOC), bad),
				PError::InvalidKeyAgreementKey
			);
		}
		assert_ok!(Practitioners::rotate_key_agreement_key(RuntimeOrigin::signed(DOC), [9u8; 32]));
		assert_eq!(Profiles::<Test>::get(DOC).unwrap().key_agreement_key, [9u8; 32]);
		assert_eq!(
			last_event(),
			Event::KeyAgreementKeyRotated { who: DOC, old: KEY, new: [9u8; 32] }
		);
	});
}

#[test]
fn deregistering_releases_the_deposit() {
	new_test_ext().execute_with(|| {
		assert_noop!(Practitioners::deregister(RuntimeOrigin::signed(DOC)), PError::NotRegistered);
		register(DOC);
		assert_ok!(Practitioners::deregister(RuntimeOrigin::signed(DOC)));
		assert!(!Profiles::<Test>::contains_key(DOC));
		assert_eq!(held(DOC), 0);
		assert_eq!(Balances::free_balance(DOC), 1_000);
		assert_eq!(
			last_event(),
			Event::PractitionerDeregistered { who: DOC, deposit: DEPOSIT, licences_removed: 0 }
		);
		assert_invariants();
	});
}

#[test]
fn deregistering_with_live_licences_fails_until_they_end() {
	new_test_ext().execute_with(|| {
		let id = licensed_doctor();
		assert_noop!(
			Practitioners::deregister(RuntimeOrigin::signed(DOC)),
			PError::HasLiveLicences
		);

		// Suspended licences may be reinstated: still live.
		assert_ok!(Practitioners::suspend_licence(RuntimeOrigin::signed(BOARD), id, [3u8; 32]));
		assert_noop!(
			Practitioners::deregister(RuntimeOrigin::signed(DOC)),
			PError::HasLiveLicences
		);

		// A licence that is not valid yet is live too.
		let future = crate::NextLicenceId::<Test>::get();
		assert_ok!(Practitioners::issue_licence(
			RuntimeOrigin::signed(BOARD),
			DOC,
			bv(b"GB-ENG".to_vec()),
			PractitionerRole::Physician,
			None,
			[1u8; 32],
			[2u8; 32],
			T0 + 10 * DAY,
			T0 + 20 * DAY,
			false,
		));
		assert_ok!(Practitioners::revoke_licence(RuntimeOrigin::signed(BOARD), id, [4u8; 32]));
		assert_noop!(
			Practitioners::deregister(RuntimeOrigin::signed(DOC)),
			PError::HasLiveLicences
		);

		// Once the second expires, both have ended: the profile goes with them.
		set_now(T0 + 20 * DAY);
		assert_ok!(Practitioners::deregister(RuntimeOrigin::signed(DOC)));
		assert!(crate::Licences::<Test>::get(id).is_none());
		assert!(crate::Licences::<Test>::get(future).is_none());
		assert!(crate::LicencesOf::<Test>::get(DOC).is_empty());
		assert_eq!(
			last_event(),
			Event::PractitionerDeregistered { who: DOC, deposit: DEPOSIT, licences_removed: 2 }
		);
		assert_invariants();
	});
}
