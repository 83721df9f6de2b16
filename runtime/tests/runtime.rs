//! Runtime integration tests: the genesis presets build, a signed transfer applies, the version
//! and metadata are what clients expect.
//!
//! The presets are built by the real wasm runtime (what the node runs), through the same
//! genesis-builder calls the node makes; transactions run natively against that state.

use crate::common::{externalities, signed, start_block, transfer, tx_extension, wasm, Caller};
use frame_metadata::{RuntimeMetadata, RuntimeMetadataPrefixed};
use frame_support::traits::fungible::Inspect;
use sp_keyring::Sr25519Keyring;
use sp_runtime::{
	traits::StaticLookup,
	transaction_validity::{InvalidTransaction, TransactionValidityError},
	BuildStorage,
};
use telemed_runtime::{
	genesis_config_presets::ENDOWMENT, Balances, Executive, Runtime, System, UncheckedExtrinsic,
	UNITS, VERSION,
};

/// What `construct_runtime`'s own unit test checks, here because the runtime's lib is not built
/// as a test binary (`[lib] test = false`): every pallet's `integrity_test` hook (its bounds and
/// constants agree).
#[test]
fn every_pallet_passes_its_integrity_test() {
	sp_io::TestExternalities::new_empty().execute_with(|| {
		<telemed_runtime::AllPalletsWithSystem as frame_support::traits::IntegrityTest>::integrity_test()
	});
}

#[test]
fn the_runtime_lists_its_presets() {
	let names: Vec<String> =
		Caller::new(wasm()).preset_names().expect("preset_names is callable").into_iter().collect();
	assert_eq!(names, vec!["development", "local_testnet"]);
}

#[test]
fn genesis_builds_from_every_preset() {
	let expected = [("development", 1, true), ("local_testnet", 4, false)];
	for (name, validators, has_sudo) in expected {
		externalities(name).execute_with(|| {
			assert_eq!(pallet_aura::Authorities::<Runtime>::get().len(), validators, "{name}");
			assert_eq!(pallet_grandpa::Pallet::<Runtime>::grandpa_authorities().len(), validators);
			for who in Sr25519Keyring::well_known() {
				assert_eq!(
					Balances::total_balance(&who.to_account_id()),
					ENDOWMENT,
					"{name}: {who}"
				);
			}
			// Sudo on the development chain only.
			assert_eq!(
				pallet_sudo::Key::<Runtime>::get(),
				has_sudo.then(|| Sr25519Keyring::Alice.to_account_id()),
				"{name}"
			);
			// The validators are the session's, and governance is in place.
			assert_eq!(pallet_session::Validators::<Runtime>::get().len(), validators);
			assert_eq!(pallet_validator_set::Validators::<Runtime>::get().len(), validators);
			assert_eq!(
				pallet_collective::Members::<Runtime, pallet_collective::Instance1>::get().len(),
				3
			);
			assert_eq!(
				pallet_collective::Members::<Runtime, pallet_collective::Instance2>::get().len(),
				2
			);
		});
	}
}

#[test]
fn an_unknown_preset_is_refused() {
	assert!(Caller::new(wasm())
		.get_storage_for_named_preset(Some(&"no-such-preset".to_string()))
		.is_err());
}

#[test]
fn the_default_genesis_builds_natively_too() {
	// The native `RuntimeGenesisConfig` (what `build_state` deserialises into) is complete.
	let storage = telemed_runtime::RuntimeGenesisConfig::default().build_storage();
	assert!(storage.is_ok());
}

#[test]
fn a_signed_transfer_applies_and_pays_a_fee() {
	externalities("development").execute_with(|| {
		start_block();
		let alice = Sr25519Keyring::Alice.to_account_id();
		let dave = Sr25519Keyring::Dave.to_account_id();
		let amount = 42 * UNITS;

		let xt = signed(Sr25519Keyring::Alice, transfer(&dave, amount), 0);
		let outcome = Executive::apply_extrinsic(xt);
		assert_eq!(outcome, Ok(Ok(())));

		assert_eq!(Balances::balance(&dave), ENDOWMENT + amount);
		let alice_after = Balances::balance(&alice);
		assert!(alice_after < ENDOWMENT - amount, "a fee was paid");
		assert!(ENDOWMENT - amount - alice_after < UNITS, "the fee is small");
		assert_eq!(System::account_nonce(&alice), 1);
	});
}

#[test]
fn a_transaction_with_a_bad_signature_or_nonce_is_refused() {
	externalities("development").execute_with(|| {
		start_block();
		let dave = Sr25519Keyring::Dave.to_account_id();

		// Signed by Alice's key but claiming to be from Charlie.
		let good = signed(Sr25519Keyring::Alice, transfer(&dave, UNITS), 0);
		let forged = UncheckedExtrinsic::new_signed(
			good.function.clone(),
			<Runtime as frame_system::Config>::Lookup::unlookup(
				Sr25519Keyring::Charlie.to_account_id(),
			),
			match &good.preamble {
				sp_runtime::generic::Preamble::Signed(_, sig, _) => sig.clone(),
				_ => unreachable!("built signed"),
			},
			tx_extension(0, 0),
		);
		assert_eq!(
			Executive::apply_extrinsic(forged),
			Err(TransactionValidityError::Invalid(InvalidTransaction::BadProof))
		);

		// A nonce from the future.
		let future = signed(Sr25519Keyring::Alice, transfer(&dave, UNITS), 5);
		assert_eq!(
			Executive::apply_extrinsic(future),
			Err(TransactionValidityError::Invalid(InvalidTransaction::Future))
		);
		assert_eq!(Balances::balance(&dave), ENDOWMENT, "nothing moved");
	});
}

#[test]
fn runtime_version_is_sane() {
	assert_eq!(VERSION.spec_name, "telemed");
	assert_eq!(VERSION.impl_name, "telemed-node");
	assert!(VERSION.spec_version >= 100);
	assert!(VERSION.transaction_version >= 1);
	assert_eq!(VERSION.system_version, 1, "state version 1 (trie v1)");

	// The wasm blob reports the same version as the native code.
	let wasm_version = sc_executor::read_embedded_version(
		&sc_executor_common::runtime_blob::RuntimeBlob::uncompress_if_needed(wasm())
			.expect("valid wasm"),
	)
	.expect("readable")
	.expect("the wasm embeds its version");
	assert_eq!(wasm_version.spec_name, VERSION.spec_name);
	assert_eq!(wasm_version.spec_version, VERSION.spec_version);
	let sorted = |apis: &[([u8; 8], u32)]| {
		let mut apis = apis.to_vec();
		apis.sort();
		apis
	};
	assert_eq!(sorted(&wasm_version.apis), sorted(&VERSION.apis));
}

#[test]
fn metadata_lists_the_pallets_and_the_transaction_extensions() {
	let versions = Runtime::metadata_versions();
	assert!(versions.contains(&14) && versions.contains(&15), "{versions:?}");

	// Inside externalities, as the node asks: a storage-backed constant (the upgrade timelock)
	// reads its value.
	let bytes = sp_io::TestExternalities::default()
		.execute_with(|| Runtime::metadata_at_version(15))
		.expect("v15 metadata");
	let prefixed: RuntimeMetadataPrefixed =
		codec::Decode::decode(&mut &bytes[..]).expect("metadata decodes");
	let RuntimeMetadata::V15(metadata) = prefixed.1 else { panic!("asked for v15") };

	let pallets: Vec<&str> = metadata.pallets.iter().map(|p| p.name.as_str()).collect();
	for expected in [
		"System",
		"Timestamp",
		"Aura",
		"Grandpa",
		"Balances",
		"TransactionPayment",
		"Sudo",
		"Practitioners",
		"Consent",
		"SkipFeelessPayment",
		"Records",
		"Billing",
		"Council",
		"TechnicalCommittee",
		"Scheduler",
		"Preimage",
		"Upgrades",
		"ValidatorSet",
		"Session",
		"Authorship",
		"Treasury",
		"Prescriptions",
	] {
		assert!(pallets.contains(&expected), "{expected} missing from {pallets:?}");
	}
	let extensions: Vec<&str> =
		metadata.extrinsic.signed_extensions.iter().map(|e| e.identifier.as_str()).collect();
	assert!(extensions.contains(&"CheckMetadataHash"), "{extensions:?}");
	assert!(extensions.contains(&"ChargeTransactionPayment"), "{extensions:?}");
	let apis: Vec<&str> = metadata.apis.iter().map(|a| a.name.as_str()).collect();
	for expected in [
		"Core",
		"Metadata",
		"GenesisBuilder",
		"AccountNonceApi",
		"TransactionPaymentApi",
		"PractitionersApi",
		"ConsentApi",
		"PrescriptionsApi",
	] {
		assert!(apis.contains(&expected), "{expected} missing from {apis:?}");
	}
}
