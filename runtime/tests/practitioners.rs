//! The practitioners pallet in the runtime: the demo data of the `development` preset, and
//! licensing driven by signed transactions as a wallet sends them.

use crate::common::{
	externalities, ok, set_now, signed, start_block_at, sudo, PractitionersCall, NOW,
};
use frame_support::traits::fungible::InspectHold;
use sp_keyring::Sr25519Keyring;
use sp_runtime::{DispatchError, ModuleError};
use telemed_primitives::{LicenceQuery, PractitionerRegistry, PractitionerRole, RoleSet};
use telemed_runtime::{
	configs::PractitionerDeposit,
	genesis_config_presets::{DEMO_LICENCE_UNTIL, DEMO_PRACTITIONER_KEY, GENERAL_PRACTICE},
	Balances, Executive, Practitioners, Runtime, RuntimeCall, RuntimeHoldReason,
};

fn deposit_of(who: &telemed_runtime::AccountId) -> u128 {
	Balances::balance_on_hold(
		&RuntimeHoldReason::Practitioners(pallet_practitioners::HoldReason::PractitionerDeposit),
		who,
	)
}

#[test]
fn the_development_preset_has_a_board_and_a_licensed_physician() {
	externalities("development").execute_with(|| {
		start_block_at(NOW);
		let board = Sr25519Keyring::Ferdie.to_account_id();
		let bob = Sr25519Keyring::Bob.to_account_id();

		let authority = pallet_practitioners::Authorities::<Runtime>::get(&board).expect("board");
		assert_eq!(authority.name.to_vec(), b"Demo Medical Board".to_vec());
		assert_eq!(deposit_of(&bob), PractitionerDeposit::get());

		let status = Practitioners::status_of(&bob);
		assert!(status.registered && status.licensed && status.emergency_access, "{status:?}");
		assert_eq!(status.key_agreement_key, Some(DEMO_PRACTITIONER_KEY));
		let query = LicenceQuery {
			roles: Some(RoleSet::of(&[PractitionerRole::Physician])),
			specialty: Some(GENERAL_PRACTICE.to_vec().try_into().unwrap()),
			jurisdiction: Some(b"FR".to_vec().try_into().unwrap()),
		};
		assert!(<Practitioners as PractitionerRegistry<_>>::is_licensed(&bob, &query));

		// Nobody swept anything: at the expiry the licence simply stops counting.
		set_now(DEMO_LICENCE_UNTIL);
		assert!(!<Practitioners as PractitionerRegistry<_>>::is_licensed(&bob, &query));
		assert!(!Practitioners::status_of(&bob).licensed);
	});
}

#[test]
fn the_local_preset_has_no_demo_practitioners() {
	externalities("local_testnet").execute_with(|| {
		assert_eq!(pallet_practitioners::Practitioners::<Runtime>::iter().count(), 0);
		assert_eq!(pallet_practitioners::Authorities::<Runtime>::iter().count(), 0);
	});
}

#[test]
fn register_license_and_revoke_with_signed_transactions() {
	externalities("development").execute_with(|| {
		start_block_at(NOW);
		let charlie = Sr25519Keyring::Charlie.to_account_id();

		let register = RuntimeCall::Practitioners(PractitionersCall::register {
			display_name: b"Nurse Demo Charlie".to_vec().try_into().unwrap(),
			roles: vec![PractitionerRole::Nurse].try_into().unwrap(),
			specialties: Default::default(),
			key_agreement_key: [9u8; 32],
		});
		ok(Sr25519Keyring::Charlie, register, 0);
		assert_eq!(deposit_of(&charlie), PractitionerDeposit::get());

		let issue = RuntimeCall::Practitioners(PractitionersCall::issue_licence {
			holder: charlie.clone(),
			jurisdiction: b"GB-ENG".to_vec().try_into().unwrap(),
			role: PractitionerRole::Nurse,
			specialty: None,
			number_commitment: [1u8; 32],
			evidence: [2u8; 32],
			valid_from: NOW,
			expires_at: NOW + 365 * 86_400_000,
			emergency_care: false,
		});

		// Someone who is not an accredited authority cannot license.
		let by_dave = signed(Sr25519Keyring::Dave, issue.clone(), 0);
		let Ok(Err(DispatchError::Module(ModuleError { message, .. }))) =
			Executive::apply_extrinsic(by_dave)
		else {
			panic!("a non-authority's licence must fail in dispatch")
		};
		assert_eq!(message, Some("UnknownAuthority"));
		assert!(!Practitioners::status_of(&charlie).licensed);

		// The demo board can.
		ok(Sr25519Keyring::Ferdie, issue, 0);
		let status = Practitioners::status_of(&charlie);
		assert!(status.licensed && !status.emergency_access, "{status:?}");
		let id = Practitioners::licences_of(&charlie)[0].id;

		// Governance (sudo on the dev chain) revokes it: it stops counting at once, and the
		// licence is removed, freeing Charlie's slot.
		let revoke = sudo(RuntimeCall::Practitioners(PractitionersCall::force_revoke_licence {
			id,
			reason: [3u8; 32],
		}));
		ok(Sr25519Keyring::Alice, revoke, 0);
		assert!(!Practitioners::status_of(&charlie).licensed);
		assert!(Practitioners::licences_of(&charlie).is_empty());
		assert!(pallet_practitioners::Licences::<Runtime>::get(id).is_none());
	});
}

#[test]
fn zero_and_small_order_keys_are_refused_in_dispatch() {
	externalities("development").execute_with(|| {
		start_block_at(NOW);
		// A point of order 8 (libsodium's list): data keys sealed to it are readable by all.
		let order_8: [u8; 32] = [
			0xe0, 0xeb, 0x7a, 0x7c, 0x3b, 0x41, 0xb8, 0xae, 0x16, 0x56, 0xe3, 0xfa, 0xf1, 0x9f,
			0xc4, 0x6a, 0xda, 0x09, 0x8d, 0xeb, 0x9c, 0x32, 0xb1, 0xfd, 0x86, 0x62, 0x05, 0x16,
			0x5f, 0x49, 0xb8, 0x00,
		];
		for (nonce, key) in [[0u8; 32], order_8].into_iter().enumerate() {
			let register = RuntimeCall::Practitioners(PractitionersCall::register {
				display_name: b"Nurse Demo Charlie".to_vec().try_into().unwrap(),
				roles: vec![PractitionerRole::Nurse].try_into().unwrap(),
				specialties: Default::default(),
				key_agreement_key: key,
			});
			let Ok(Err(DispatchError::Module(ModuleError { message, .. }))) =
				Executive::apply_extrinsic(signed(Sr25519Keyring::Charlie, register, nonce as u32))
			else {
				panic!("an unusable key must fail in dispatch")
			};
			assert_eq!(message, Some("InvalidKeyAgreementKey"));
		}
		let bob = Sr25519Keyring::Bob.to_account_id();
		let rotate = RuntimeCall::Practitioners(PractitionersCall::rotate_key_agreement_key {
			new_key: order_8,
		});
		let Ok(Err(DispatchError::Module(ModuleError { message, .. }))) =
			Executive::apply_extrinsic(signed(Sr25519Keyring::Bob, rotate, 0))
		else {
			panic!("an unusable key must fail in dispatch")
		};
		assert_eq!(message, Some("InvalidKeyAgreementKey"));
		assert_eq!(Practitioners::status_of(&bob).key_agreement_key, Some(DEMO_PRACTITIONER_KEY));
	});
}

#[test]
fn anyone_prunes_an_ended_licence_with_a_signed_transaction() {
	externalities("development").execute_with(|| {
		start_block_at(NOW);
		let bob = Sr25519Keyring::Bob.to_account_id();
		let id = Practitioners::licences_of(&bob)[0].id;

		// Bob's demo licence is valid: nothing to prune.
		let prune =
			RuntimeCall::Practitioners(PractitionersCall::prune_licences { holder: bob.clone() });
		let Ok(Err(DispatchError::Module(ModuleError { message, .. }))) =
			Executive::apply_extrinsic(signed(Sr25519Keyring::Dave, prune.clone(), 0))
		else {
			panic!("pruning a valid licence must fail in dispatch")
		};
		assert_eq!(message, Some("NothingToPrune"));

		// The board revokes it; then a stranger (Dave) prunes it.
		let revoke =
			RuntimeCall::Practitioners(PractitionersCall::revoke_licence { id, reason: [3u8; 32] });
		ok(Sr25519Keyring::Ferdie, revoke, 0);
		ok(Sr25519Keyring::Dave, prune, 1);
		assert!(Practitioners::licences_of(&bob).is_empty());
		assert!(pallet_practitioners::Licences::<Runtime>::get(id).is_none());
		assert!(Practitioners::status_of(&bob).registered);
	});
}
