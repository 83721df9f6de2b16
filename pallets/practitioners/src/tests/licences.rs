//! Licences: issued by an authority in its jurisdictions, renewed, suspended, reinstated and
//! revoked by the issuing authority; revoked by governance.

use super::*;
use crate::{Licences, LicencesOf};
use frame_support::assert_noop;
use sp_runtime::DispatchError;

#[allow(clippy::too_many_arguments)]
fn issue_with(
	authority: AccountId,
	holder: AccountId,
	jurisdiction: &[u8],
	specialty: Option<&[u8]>,
	valid_from: u64,
	expires_at: u64,
) -> frame_support::dispatch::DispatchResultWithPostInfo {
	Practitioners::issue_licence(
		RuntimeOrigin::signed(authority),
		holder,
		bv(jurisdiction.to_vec()),
		PractitionerRole::Physician,
		specialty.map(|s| bv(s.to_vec())),
		[1u8; 32],
		[2u8; 32],
		valid_from,
		expires_at,
		false,
	)
}

#[test]
fn an_authority_issues_a_licence_in_its_jurisdiction() {
	new_test_ext().execute_with(|| {
		add_board();
		register(DOC);
		assert_ok!(issue_with(BOARD, DOC, b"GB-ENG", Some(CARDIOLOGY), T0, T0 + DAY));
		let l = Licences::<Test>::get(0).unwrap();
		assert_eq!((l.holder, l.authority), (DOC, BOARD));
		assert_eq!(l.jurisdiction.to_vec(), b"GB-ENG".to_vec());
		assert_eq!(l.specialty.map(|s| s.to_vec()), Some(CARDIOLOGY.to_vec()));
		assert_eq!(l.status, LicenceStatus::Active);
		assert_eq!(l.issued_at, T0);
		assert_eq!(LicencesOf::<Test>::get(DOC).to_vec(), vec![0]);
		assert_eq!(crate::NextLicenceId::<Test>::get(), 1);
		assert_eq!(
			last_event(),
			Event::LicenceIssued {
				id: 0,
				holder: DOC,
				authority: BOARD,
				jurisdiction: b"GB-ENG".to_vec(),
				role: PractitionerRole::Physician,
				valid_from: T0,
				expires_at: T0 + DAY,
				emergency_care: false,
			}
		);
		assert_invariants();
	});
}

#[test]
fn issuing_rejects_bad_input() {
	new_test_ext().execute_with(|| {
		register(DOC);
		assert_noop!(issue_with(BOARD, DOC, b"FR", None, T0, T0 + DAY), PError::UnknownAuthority);
		add_board();
		assert_noop!(
			issue_with(BOARD, DOC, b"US-CA", None, T0, T0 + DAY),
			PError::JurisdictionNotAccredited
		);
		assert_noop!(
			issue_with(BOARD, DOC, b"fr", None, T0, T0 + DAY),
			PError::InvalidJurisdiction
		);
		assert_noop!(
			issue_with(BOARD, DOC, b"FR", Some(b"cardio"), T0, T0 + DAY),
			PError::InvalidSpecialty
		);
		assert_noop!(issue_with(BOARD, NURSE, b"FR", None, T0, T0 + DAY), PError::NotRegistered);
		assert_noop!(issue_with(BOARD, DOC, b"FR", None, T0 + DAY, T0), PError::ExpiryBeforeStart);
		assert_noop!(issue_with(BOARD, DOC, b"FR", None, T0, T0), PError::ExpiryBeforeStart);
		assert_noop!(
			issue_with(BOARD, DOC, b"FR", None, T0 - 2 * DAY, T0 - DAY),
			PError::AlreadyExpired
		);
		assert_ok!(issue_with(BOARD, DOC, b"FR", None, T0, T0 + DAY));
		assert_noop!(
			issue_with(BOARD, DOC, b"FR", None, T0, T0 + 9 * DAY),
			PError::DuplicateLicence
		);
		// Another specialty, jurisdiction or a revoked/expired one is not a duplicate.
		assert_ok!(issue_with(BOARD, DOC, b"FR", Some(CARDIOLOGY), T0, T0 + DAY));
		assert_ok!(issue_with(BOARD, DOC, b"GB-ENG", None, T0, T0 + DAY));
		assert_ok!(Practitioners::revoke_licence(RuntimeOrigin::signed(BOARD), 0, [0u8; 32]));
		assert_ok!(issue_with(BOARD, DOC, b"FR", None, T0, T0 + DAY));
		assert_eq!(LicencesOf::<Test>::get(DOC).len(), 4);
		// At the bound, the revoked licence gives up its slot.
		assert_ok!(issue_with(BOARD, DOC, b"FR", Some(b"419192003"), T0, T0 + DAY));
		assert_eq!(LicencesOf::<Test>::get(DOC).to_vec(), vec![1, 2, 3, 4]);
		assert_noop!(
			issue_with(BOARD, DOC, b"GB-ENG", Some(b"419192003"), T0, T0 + DAY),
			PError::TooManyLicences
		);
		assert_noop!(
			Practitioners::issue_licence(
				RuntimeOrigin::root(),
				DOC,
				bv(b"FR".to_vec()),
				PractitionerRole::Physician,
				None,
				[0u8; 32],
				[0u8; 32],
				T0,
				T0 + DAY,
				false
			),
			DispatchError::BadOrigin
		);
		assert_invariants();
	});
}

#[test]
fn licence_ids_never_overflow() {
	new_test_ext().execute_with(|| {
		add_board();
		register(DOC);
		crate::NextLicenceId::<Test>::put(u64::MAX);
		assert_noop!(issue_with(BOARD, DOC, b"FR", None, T0, T0 + DAY), PError::IdsExhausted);
	});
}

#[test]
fn renewal_extends_and_only_the_issuer_may_renew() {
	new_test_ext().execute_with(|| {
		let id = licensed_doctor();
		let expiry = T0 + 365 * DAY;
		assert_noop!(
			Practitioners::renew_licence(RuntimeOrigin::signed(BOARD), 9, expiry + DAY, None),
			PError::UnknownLicence
		);
		assert_ok!(Practitioners::add_authority(
			RuntimeOrigin::root(),
			OTHER_BOARD,
			bv(b"Other".to_vec()),
			codes(&[b"FR"])
		));
		assert_noop!(
			Practitioners::renew_licence(
				RuntimeOrigin::signed(OTHER_BOARD),
				id,
				expiry + DAY,
				None
			),
			PError::NotIssuingAuthority
		);
		assert_noop!(
			Practitioners::renew_licence(RuntimeOrigin::signed(BOARD), id, expiry, None),
			PError::RenewalMustExtend
		);
		assert_ok!(Practitioners::renew_licence(
			RuntimeOrigin::signed(BOARD),
			id,
			expiry + DAY,
			Some([5u8; 32])
		));
		let l = Licences::<Test>::get(id).unwrap();
		assert_eq!((l.expires_at, l.evidence), (expiry + DAY, [5u8; 32]));
		assert_eq!(last_event(), Event::LicenceRenewed { id, expires_at: expiry + DAY });

		// Just before the expiry it may still be renewed.
		set_now(expiry + DAY - 1);
		assert_ok!(Practitioners::renew_licence(
			RuntimeOrigin::signed(BOARD),
			id,
			expiry + 2 * DAY,
			None
		));

		// An expired licence has ended (anyone may prune it): it cannot be renewed, suspended
		// or reinstated; the authority issues a new one.
		set_now(expiry + 2 * DAY);
		assert_noop!(
			Practitioners::renew_licence(
				RuntimeOrigin::signed(BOARD),
				id,
				expiry + 400 * DAY,
				None
			),
			PError::LicenceExpired
		);
		assert_noop!(
			Practitioners::suspend_licence(RuntimeOrigin::signed(BOARD), id, [3u8; 32]),
			PError::LicenceExpired
		);
		assert_ok!(issue_with(BOARD, DOC, b"FR", None, expiry + 2 * DAY, expiry + 400 * DAY));
		assert_invariants();
	});
}

#[test]
fn a_revoked_licence_cannot_be_renewed_suspended_or_reinstated() {
	new_test_ext().execute_with(|| {
		let id = licensed_doctor();
		assert_ok!(Practitioners::revoke_licence(RuntimeOrigin::signed(BOARD), id, [4u8; 32]));
		assert_noop!(
			Practitioners::renew_licence(RuntimeOrigin::signed(BOARD), id, T0 + 999 * DAY, None),
			PError::LicenceRevoked
		);
		assert_noop!(
			Practitioners::suspend_licence(RuntimeOrigin::signed(BOARD), id, [0u8; 32]),
			PError::LicenceRevoked
		);
		assert_noop!(
			Practitioners::reinstate_licence(RuntimeOrigin::signed(BOARD), id),
			PError::LicenceRevoked
		);
		assert_noop!(
			Practitioners::revoke_licence(RuntimeOrigin::signed(BOARD), id, [0u8; 32]),
			PError::LicenceRevoked
		);
		assert_noop!(
			Practitioners::force_revoke_licence(RuntimeOrigin::root(), id, [0u8; 32]),
			PError::LicenceRevoked
		);
	});
}

#[test]
fn suspension_and_reinstatement() {
	new_test_ext().execute_with(|| {
		let id = licensed_doctor();
		assert_noop!(
			Practitioners::reinstate_licence(RuntimeOrigin::signed(BOARD), id),
			PError::NotSuspended
		);
		assert_noop!(
			Practitioners::suspend_licence(RuntimeOrigin::signed(OTHER_BOARD), id, [3u8; 32]),
			PError::NotIssuingAuthority
		);
		assert_ok!(Practitioners::suspend_licence(RuntimeOrigin::signed(BOARD), id, [3u8; 32]));
		assert_eq!(status(id), LicenceStatus::Suspended);
		assert_eq!(last_event(), Event::LicenceSuspended { id, reason: [3u8; 32] });
		assert_noop!(
			Practitioners::suspend_licence(RuntimeOrigin::signed(BOARD), id, [3u8; 32]),
			PError::NotActive
		);
		assert_ok!(Practitioners::reinstate_licence(RuntimeOrigin::signed(BOARD), id));
		assert_eq!(status(id), LicenceStatus::Active);
		assert_eq!(last_event(), Event::LicenceReinstated { id });
	});
}

#[test]
fn an_authority_acts_only_while_accredited_for_the_jurisdiction() {
	new_test_ext().execute_with(|| {
		let id = licensed_doctor();
		assert_ok!(Practitioners::update_authority(
			RuntimeOrigin::root(),
			BOARD,
			bv(b"Board".to_vec()),
			codes(&[b"GB-ENG"])
		));
		assert_noop!(
			Practitioners::suspend_licence(RuntimeOrigin::signed(BOARD), id, [3u8; 32]),
			PError::JurisdictionNotAccredited
		);
		assert_ok!(Practitioners::remove_authority(RuntimeOrigin::root(), BOARD));
		assert_noop!(
			Practitioners::renew_licence(RuntimeOrigin::signed(BOARD), id, T0 + 999 * DAY, None),
			PError::UnknownAuthority
		);
		// It may still revoke what it issued.
		assert_ok!(Practitioners::revoke_licence(RuntimeOrigin::signed(BOARD), id, [4u8; 32]));
	});
}

#[test]
fn only_the_issuer_or_governance_revokes() {
	new_test_ext().execute_with(|| {
		let id = licensed_doctor();
		assert_noop!(
			Practitioners::revoke_licence(RuntimeOrigin::signed(DOC), id, [4u8; 32]),
			PError::NotIssuingAuthority
		);
		assert_noop!(
			Practitioners::force_revoke_licence(RuntimeOrigin::signed(BOARD), id, [4u8; 32]),
			DispatchError::BadOrigin
		);
		assert_noop!(
			Practitioners::force_revoke_licence(RuntimeOrigin::root(), 77, [4u8; 32]),
			PError::UnknownLicence
		);
		assert_ok!(Practitioners::force_revoke_licence(RuntimeOrigin::root(), id, [4u8; 32]));
		System::assert_has_event(
			Event::LicenceRevoked { id, reason: [4u8; 32], by_governance: true }.into(),
		);
		// Governance's revocation frees the slot at once.
		assert_eq!(last_event(), Event::LicencesPruned { holder: DOC, ids: vec![id] });
		assert!(Licences::<Test>::get(id).is_none());
		assert!(!LicencesOf::<Test>::contains_key(DOC));

		let second = issue(DOC, false);
		assert_ok!(Practitioners::revoke_licence(RuntimeOrigin::signed(BOARD), second, [5u8; 32]));
		assert_eq!(
			last_event(),
			Event::LicenceRevoked { id: second, reason: [5u8; 32], by_governance: false }
		);
		assert_invariants();
	});
}

#[test]
fn an_authority_cannot_license_itself() {
	new_test_ext().execute_with(|| {
		add_board();
		register(BOARD);
		assert_noop!(issue_with(BOARD, BOARD, b"FR", None, T0, T0 + DAY), PError::SelfLicensing);
		// Another authority may license the board's account.
		assert_ok!(Practitioners::add_authority(
			RuntimeOrigin::root(),
			OTHER_BOARD,
			bv(b"Other".to_vec()),
			codes(&[b"FR"])
		));
		assert_ok!(issue_with(OTHER_BOARD, BOARD, b"FR", None, T0, T0 + DAY));
		assert_invariants();
	});
}
