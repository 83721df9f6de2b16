//! Named genesis presets, from which the node builds its `dev` and `local` chain specs.
//!
//! - [`sp_genesis_builder::DEV_RUNTIME_PRESET`] (`development`): Alice alone validates and is
//!   sudo; the well-known development accounts are endowed.
//! - [`sp_genesis_builder::LOCAL_TESTNET_RUNTIME_PRESET`] (`local_testnet`): Alice, Bob, Charlie
//!   and Dave validate. With four GRANDPA voters, one may be down and the other three (more
//!   than two thirds) still finalise. **No sudo**: governance only.
//!
//! Both: the council is Alice, Bob and Charlie (2 of 3 make two thirds); the technical
//! committee Alice and Bob. Validators are the session pallet's genesis keys and the validator
//! set's genesis members; Aura and GRANDPA take their authorities from the session.
//!
//! The `development` preset also has demo domain data, so that a fresh dev chain can be tried
//! at once from Polkadot.js Apps:
//! - Ferdie is the "Demo Medical Board", accredited for `FR` and `GB-ENG`;
//! - Bob is a registered physician (general practice) with a licence for `FR` valid from
//!   2026-01-01 to 2036-01-01 and endorsed for emergency care. His X25519 key-agreement key is
//!   the public key of the private key `sha256("telemed dev key agreement //Bob")`, a
//!   development key as well known as `//Bob` itself.

use crate::{
	AccountId, BalancesConfig, CouncilMembershipConfig, PractitionersConfig, RuntimeGenesisConfig,
	SessionConfig, SessionKeys, SudoConfig, TechnicalMembershipConfig, ValidatorSetConfig,
	EXISTENTIAL_DEPOSIT, UNITS,
};
use alloc::{vec, vec::Vec};
use frame_support::build_struct_json_patch;
use pallet_practitioners::GenesisLicence;
use serde_json::Value;
use sp_consensus_aura::sr25519::AuthorityId as AuraId;
use sp_consensus_grandpa::AuthorityId as GrandpaId;
use sp_genesis_builder::{self, PresetId};
use sp_keyring::{Ed25519Keyring, Sr25519Keyring};
use telemed_primitives::PractitionerRole;

/// What each endowed development account starts with.
pub const ENDOWMENT: u128 = 1_000_000 * UNITS;

// The endowment must keep every account alive.
const _: () = assert!(ENDOWMENT > EXISTENTIAL_DEPOSIT);

/// Start of the demo licence's validity: 2026-01-01T00:00:00Z, in milliseconds.
pub const DEMO_LICENCE_FROM: u64 = 1_767_225_600_000;
/// End of the demo licence's validity: 2036-01-01T00:00:00Z, in milliseconds.
pub const DEMO_LICENCE_UNTIL: u64 = 2_082_758_400_000;
/// Bob's demo X25519 key-agreement public key (see the module docs for its private key).
pub const DEMO_PRACTITIONER_KEY: [u8; 32] = [
	0xf2, 0x16, 0x6f, 0xe1, 0x2e, 0x1e, 0xbf, 0x2c, 0xdc, 0x6c, 0x8f, 0x02, 0x13, 0xb0, 0x58, 0xea,
	0x32, 0x02, 0x0b, 0x18, 0x31, 0x82, 0xf1, 0xb1, 0xec, 0x22, 0x8c, 0x23, 0xdc, 0x75, 0xcc, 0x2d,
];
/// SNOMED CT 394814009: general practice.
pub const GENERAL_PRACTICE: &[u8] = b"394814009";

/// `blake2_256` of `data`, as commitments and evidence hashes are made.
fn blake2_256(data: &[u8]) -> [u8; 32] {
	<sp_runtime::traits::BlakeTwo256 as sp_runtime::traits::Hash>::hash(data).0
}

/// Demo practitioners data: a licensing authority (Ferdie) and a licensed physician (Bob).
fn demo_practitioners() -> PractitionersConfig {
	let board = Sr25519Keyring::Ferdie.to_account_id();
	let doctor = Sr25519Keyring::Bob.to_account_id();
	PractitionersConfig {
		authorities: vec![(
			board.clone(),
			b"Demo Medical Board".to_vec(),
			vec![b"FR".to_vec(), b"GB-ENG".to_vec()],
		)],
		practitioners: vec![(
			doctor.clone(),
			b"Dr Demo Bob".to_vec(),
			vec![PractitionerRole::Physician],
			vec![GENERAL_PRACTICE.to_vec()],
			DEMO_PRACTITIONER_KEY,
		)],
		licences: vec![GenesisLicence {
			holder: doctor,
			authority: board,
			jurisdiction: b"FR".to_vec(),
			role: PractitionerRole::Physician,
			specialty: Some(GENERAL_PRACTICE.to_vec()),
			number_commitment: blake2_256(b"demo salt|FR-DEMO-0001"),
			evidence: blake2_256(b"demo evidence"),
			valid_from: DEMO_LICENCE_FROM,
			expires_at: DEMO_LICENCE_UNTIL,
			emergency_care: true,
		}],
	}
}

/// The session keys of a validator: Aura to author, GRANDPA to finalise.
fn session_keys(aura: AuraId, grandpa: GrandpaId) -> SessionKeys {
	SessionKeys { aura, grandpa }
}

/// A genesis with these validators (account and session keys), endowed accounts, council and
/// technical committee, an optional sudo key (the development chain only) and, optionally, demo
/// practitioners.
fn telemed_genesis(
	validators: Vec<(AccountId, AuraId, GrandpaId)>,
	endowed: Vec<AccountId>,
	root: Option<AccountId>,
	council: Vec<AccountId>,
	technical: Vec<AccountId>,
	practitioners: PractitionersConfig,
) -> Value {
	build_struct_json_patch!(RuntimeGenesisConfig {
		balances: BalancesConfig {
			balances: endowed.into_iter().map(|who| (who, ENDOWMENT)).collect::<Vec<_>>(),
		},
		// Aura and GRANDPA take their authorities from the session keys.
		validator_set: ValidatorSetConfig {
			validators: validators.iter().map(|(who, _, _)| who.clone()).collect::<Vec<_>>(),
		},
		session: SessionConfig {
			keys: validators
				.into_iter()
				.map(|(who, aura, grandpa)| (who.clone(), who, session_keys(aura, grandpa)))
				.collect::<Vec<_>>(),
		},
		council_membership: CouncilMembershipConfig {
			members: council.try_into().expect("a small council; qed"),
		},
		technical_membership: TechnicalMembershipConfig {
			members: technical.try_into().expect("a small committee; qed"),
		},
		sudo: SudoConfig { key: root },
		practitioners,
	})
}

/// A well-known development validator: its account and session keys (Aura sr25519, GRANDPA
/// ed25519).
fn dev_validator(sr: Sr25519Keyring, ed: Ed25519Keyring) -> (AccountId, AuraId, GrandpaId) {
	(sr.to_account_id(), sr.public().into(), ed.public().into())
}

/// The well-known development accounts (Alice … Ferdie and their stashes).
fn dev_accounts() -> Vec<AccountId> {
	Sr25519Keyring::well_known().map(|k| k.to_account_id()).collect()
}

/// The development council (Alice, Bob, Charlie) and technical committee (Alice, Bob).
fn dev_governance() -> (Vec<AccountId>, Vec<AccountId>) {
	let [alice, bob, charlie] =
		[Sr25519Keyring::Alice, Sr25519Keyring::Bob, Sr25519Keyring::Charlie]
			.map(|k| k.to_account_id());
	(vec![alice.clone(), bob.clone(), charlie], vec![alice, bob])
}

/// `development`: Alice alone, with sudo.
pub fn development_config_genesis() -> Value {
	let (council, technical) = dev_governance();
	telemed_genesis(
		vec![dev_validator(Sr25519Keyring::Alice, Ed25519Keyring::Alice)],
		dev_accounts(),
		Some(Sr25519Keyring::Alice.to_account_id()),
		council,
		technical,
		demo_practitioners(),
	)
}

/// `local_testnet`: Alice, Bob, Charlie and Dave, governed by the council; no sudo.
pub fn local_config_genesis() -> Value {
	let (council, technical) = dev_governance();
	telemed_genesis(
		vec![
			dev_validator(Sr25519Keyring::Alice, Ed25519Keyring::Alice),
			dev_validator(Sr25519Keyring::Bob, Ed25519Keyring::Bob),
			dev_validator(Sr25519Keyring::Charlie, Ed25519Keyring::Charlie),
			dev_validator(Sr25519Keyring::Dave, Ed25519Keyring::Dave),
		],
		dev_accounts(),
		None,
		council,
		technical,
		PractitionersConfig::default(),
	)
}

/// The JSON of a named preset, or `None` for an unknown name.
pub fn get_preset(id: &PresetId) -> Option<Vec<u8>> {
	let patch = match id.as_ref() {
		sp_genesis_builder::DEV_RUNTIME_PRESET => development_config_genesis(),
		sp_genesis_builder::LOCAL_TESTNET_RUNTIME_PRESET => local_config_genesis(),
		_ => return None,
	};
	Some(
		serde_json::to_string(&patch)
			.expect("serialization to json is expected to work. qed.")
			.into_bytes(),
	)
}

/// The names of the presets this runtime knows.
pub fn preset_names() -> Vec<PresetId> {
	vec![
		PresetId::from(sp_genesis_builder::DEV_RUNTIME_PRESET),
		PresetId::from(sp_genesis_builder::LOCAL_TESTNET_RUNTIME_PRESET),
	]
}
