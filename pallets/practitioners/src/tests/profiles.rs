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
			b"Dr Example".to_vec(),
			vec![PractitionerRole::Therapist, PractitionerRole::Physician],
			vec![b"419192003".to_vec(), CARDIOLOGY.to_vec()],
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
				name.to_vec(),
				roles,
				specs.into_iter().map(|s| s.to_vec()).collect(),
				key,
			)
		};
		let doc = vec![PractitionerRole::Physician];
		assert_noop!(reg(DOC, b"", doc.clone(), vec![], KEY), PError::EmptyName);
		assert_noop!(reg(DOC, &[b'x'; 33], doc.clone(), vec![], KEY), PError::NameTooLong);
		assert_noop!(reg(DOC, b"Dr", vec![], vec![], KEY), PError::NoRoles);
		assert_noop!(
			reg(
				DOC,
				b"Dr",
				vec![
					PractitionerRole::Physician,
					PractitionerRole::Nurse,
					PractitionerRole::Midwife,
					PractitionerRole::Pharmacist
				],
				vec![],
				KEY
			),
			PError::TooManyRoles
		);
		assert_noop!(
			reg(DOC, b"Dr", vec![PractitionerRole::Nurse, PractitionerRole::Nurse], vec![], KEY),
			PError::Duplicate
		);
		assert_noop!(
			reg(DOC, b"Dr", doc.clone(), vec![b"1", b"2", b"3", b"4"], KEY),
			PError::TooManySpecialties
		);
		for bad in [&b""[..], b"12a", b"0123", &[b'1'; 19]] {
			assert_noop!(reg(DOC, b"Dr", doc.clone(), vec![bad], KEY), PError::InvalidSpecialty);
		}
		assert_noop!(reg(DOC, b"Dr", doc.clone(), vec![b"1", b"1"], KEY), PError::Duplicate);
		assert_noop!(
			reg(DOC, b"Dr", doc.clone(), vec![], [0u8; 32]),
			PError::InvalidKeyAgreementKey
		);
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
				b"Dr".to_vec(),
				vec![PractitionerRole::Nurse],
				vec![],
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
				b"Dr".to_vec(),
				vec![PractitionerRole::Nurse],
				vec![]
			),
			PError::NotRegistered
		);
		register(DOC);
		assert_noop!(
			Practitioners::update_profile(
				RuntimeOrigin::signed(DOC),
				b"Dr".to_vec(),
				vec![],
				vec![]
			),
			PError::NoRoles
		);
		assert_ok!(Practitioners::update_profile(
			RuntimeOrigin::signed(DOC),
			b"Nurse Example".to_vec(),
			vec![PractitionerRole::Nurse],
			vec![],
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
		assert_noop!(
			Practitioners::rotate_key_agreement_key(RuntimeOrigin::signed(DOC), [0u8; 32]),
			PError::InvalidKeyAgreementKey
		);
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
			b"GB-ENG".to_vec(),
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
