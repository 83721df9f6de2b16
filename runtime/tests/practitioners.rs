//! The practitioners pallet in the runtime: the demo data of the `development` preset, and
//! licensing driven by signed transactions as a wallet sends them.

mod common;

use common::{externalities, signed, start_block};
use frame_support::traits::fungible::InspectHold;
use sp_keyring::Sr25519Keyring;
use sp_runtime::{DispatchError, ModuleError};
use telemed_primitives::{LicenceQuery, PractitionerRegistry, PractitionerRole};
use telemed_runtime::{
	configs::PractitionerDeposit,
	genesis_config_presets::{DEMO_LICENCE_UNTIL, DEMO_PRACTITIONER_KEY, GENERAL_PRACTICE},
	Balances, Executive, Practitioners, Runtime, RuntimeCall, RuntimeHoldReason,
};

type PractitionersCall = pallet_practitioners::Call<Runtime>;

/// 2026-11-23T00:00:00Z: inside the demo licence's validity.
const NOW: u64 = 1_795_392_000_000;

fn deposit_of(who: &telemed_runtime::AccountId) -> u128 {
	Balances::balance_on_hold(
		&RuntimeHoldReason::Practitioners(pallet_practitioners::HoldReason::PractitionerDeposit),
		who,
	)
}

/// Starts a block whose clock reads `now`. (The clock is written directly: the timestamp
/// inherent would also check `now` against an Aura slot, which these tests do not produce.)
fn start_block_at(now: u64) {
	start_block();
	set_now(now);
}

fn set_now(now: u64) {
	pallet_timestamp::Now::<Runtime>::put(now);
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
			role: Some(PractitionerRole::Physician),
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
			display_name: b"Nurse Demo Charlie".to_vec(),
			roles: vec![PractitionerRole::Nurse],
			specialties: vec![],
			key_agreement_key: [9u8; 32],
		});
		assert_eq!(
			Executive::apply_extrinsic(signed(Sr25519Keyring::Charlie, register, 0)),
			Ok(Ok(()))
		);
		assert_eq!(deposit_of(&charlie), PractitionerDeposit::get());

		let issue = RuntimeCall::Practitioners(PractitionersCall::issue_licence {
			holder: charlie.clone(),
			jurisdiction: b"GB-ENG".to_vec(),
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
		assert_eq!(
			Executive::apply_extrinsic(signed(Sr25519Keyring::Ferdie, issue, 0)),
			Ok(Ok(()))
		);
		let status = Practitioners::status_of(&charlie);
		assert!(status.licensed && !status.emergency_access, "{status:?}");
		let id = Practitioners::licences_of(&charlie)[0].id;

		// Governance (sudo on the dev chain) revokes it: it stops counting at once.
		let revoke = RuntimeCall::Sudo(pallet_sudo::Call::sudo {
			call: Box::new(RuntimeCall::Practitioners(PractitionersCall::force_revoke_licence {
				id,
				reason: [3u8; 32],
			})),
		});
		assert_eq!(
			Executive::apply_extrinsic(signed(Sr25519Keyring::Alice, revoke, 0)),
			Ok(Ok(()))
		);
		assert!(!Practitioners::status_of(&charlie).licensed);
		assert_eq!(
			Practitioners::licences_of(&charlie)[0].standing,
			pallet_practitioners::LicenceStanding::Revoked
		);
	});
}
