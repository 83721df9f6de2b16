//! Licensing authorities: accredited, updated and withdrawn by governance.

use super::*;
use crate::Authorities;
use frame_support::assert_noop;
use sp_runtime::DispatchError;

#[test]
fn governance_adds_an_authority_with_sorted_jurisdictions() {
	new_test_ext().execute_with(|| {
		assert_ok!(Practitioners::add_authority(
			RuntimeOrigin::root(),
			BOARD,
			bv(b"Board".to_vec()),
			codes(&[b"GB-ENG", b"FR"]),
		));
		let info = Authorities::<Test>::get(BOARD).unwrap();
		assert_eq!(
			info.jurisdictions.iter().map(|j| j.to_vec()).collect::<Vec<_>>(),
			vec![b"FR".to_vec(), b"GB-ENG".to_vec()]
		);
		assert_eq!(info.accredited_at, T0);
		assert_eq!(
			last_event(),
			Event::AuthorityAdded {
				authority: BOARD,
				jurisdictions: vec![b"FR".to_vec(), b"GB-ENG".to_vec()],
			}
		);
	});
}

#[test]
fn only_governance_manages_authorities() {
	new_test_ext().execute_with(|| {
		assert_noop!(
			Practitioners::add_authority(
				RuntimeOrigin::signed(BOARD),
				BOARD,
				bv(b"Board".to_vec()),
				codes(&[b"FR"])
			),
			DispatchError::BadOrigin
		);
		add_board();
		assert_noop!(
			Practitioners::update_authority(
				RuntimeOrigin::signed(BOARD),
				BOARD,
				bv(b"B".to_vec()),
				codes(&[b"FR"])
			),
			DispatchError::BadOrigin
		);
		assert_noop!(
			Practitioners::remove_authority(RuntimeOrigin::signed(BOARD), BOARD),
			DispatchError::BadOrigin
		);
	});
}

#[test]
fn adding_an_authority_rejects_bad_input() {
	new_test_ext().execute_with(|| {
		let add = |name: &[u8], js: Vec<&[u8]>| {
			Practitioners::add_authority(
				RuntimeOrigin::root(),
				BOARD,
				bv(name.to_vec()),
				codes(&js),
			)
		};
		assert_noop!(add(b"", vec![b"FR"]), PError::EmptyName);
		assert_noop!(add(b"Board", vec![]), PError::NoJurisdictions);
		for bad in [&b"fr"[..], b"F", b"FRA", b"FR-", b"FR-abc", b"F1", b"FR_75"] {
			assert_noop!(add(b"Board", vec![bad]), PError::InvalidJurisdiction);
		}
		assert_noop!(add(b"Board", vec![b"FR", b"FR"]), PError::Duplicate);
		add_board();
		assert_noop!(add(b"Board", vec![b"DE"]), PError::AuthorityAlreadyExists);
	});
}

#[test]
fn updating_and_removing_an_unknown_authority_fails() {
	new_test_ext().execute_with(|| {
		assert_noop!(
			Practitioners::update_authority(
				RuntimeOrigin::root(),
				BOARD,
				bv(b"B".to_vec()),
				codes(&[b"FR"])
			),
			PError::UnknownAuthority
		);
		assert_noop!(
			Practitioners::remove_authority(RuntimeOrigin::root(), BOARD),
			PError::UnknownAuthority
		);
	});
}

#[test]
fn updating_keeps_the_accreditation_date_and_validates() {
	new_test_ext().execute_with(|| {
		add_board();
		set_now(T0 + DAY);
		assert_noop!(
			Practitioners::update_authority(
				RuntimeOrigin::root(),
				BOARD,
				bv(b"B".to_vec()),
				codes(&[])
			),
			PError::NoJurisdictions
		);
		assert_ok!(Practitioners::update_authority(
			RuntimeOrigin::root(),
			BOARD,
			bv(b"Renamed".to_vec()),
			codes(&[b"DE-BY"]),
		));
		let info = Authorities::<Test>::get(BOARD).unwrap();
		assert_eq!(info.name.to_vec(), b"Renamed".to_vec());
		assert_eq!(info.accredited_at, T0);
		assert_eq!(
			last_event(),
			Event::AuthorityUpdated { authority: BOARD, jurisdictions: vec![b"DE-BY".to_vec()] }
		);
	});
}

#[test]
fn removing_an_authority_emits_and_forgets_it() {
	new_test_ext().execute_with(|| {
		add_board();
		assert_ok!(Practitioners::remove_authority(RuntimeOrigin::root(), BOARD));
		assert!(!Authorities::<Test>::contains_key(BOARD));
		assert_eq!(last_event(), Event::AuthorityRemoved { authority: BOARD });
	});
}
