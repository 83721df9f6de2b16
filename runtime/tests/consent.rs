//! The consent pallet in the runtime, wired to the practitioners pallet: a licence that is
//! revoked stops consented access at once, and a patient revokes a consent free of fees.

mod common;

use common::{externalities, signed, start_block};
use frame_support::traits::{
	fungible::{Inspect, Mutate},
	tokens::{Fortitude, Preservation},
};
use sp_keyring::Sr25519Keyring;
use sp_runtime::transaction_validity::{InvalidTransaction, TransactionValidityError};
use telemed_primitives::{
	AccessAction, AccessBasis, AccessDenial, ConsentVerifier, DataCategory, PurposeOfUse,
};
use telemed_runtime::{Balances, Consent, Executive, Runtime, RuntimeCall, EXISTENTIAL_DEPOSIT};

type ConsentCall = pallet_consent::Call<Runtime>;

/// 2026-11-23T00:00:00Z: inside the demo licence's validity.
const NOW: u64 = 1_795_392_000_000;

fn grant(grantee: &telemed_runtime::AccountId) -> RuntimeCall {
	RuntimeCall::Consent(ConsentCall::grant_consent {
		patient: Sr25519Keyring::Charlie.to_account_id(),
		grantee: grantee.clone(),
		decision: pallet_consent::Decision::Permit,
		actions: vec![AccessAction::Read],
		scope: pallet_consent::ScopeRequest::Categories(vec![DataCategory::Laboratory]),
		purposes: vec![PurposeOfUse::Treatment],
		start: None,
		end: None,
	})
}

fn bob_reads_charlies_labs() -> Result<AccessBasis, AccessDenial> {
	<Consent as ConsentVerifier<_>>::check_access(
		&Sr25519Keyring::Bob.to_account_id(),
		&Sr25519Keyring::Charlie.to_account_id(),
		AccessAction::Read,
		DataCategory::Laboratory,
		None,
		PurposeOfUse::Treatment,
	)
}

#[test]
fn a_consent_to_the_demo_physician_stops_counting_when_his_licence_is_revoked() {
	externalities("development").execute_with(|| {
		start_block();
		pallet_timestamp::Now::<Runtime>::put(NOW);
		let bob = Sr25519Keyring::Bob.to_account_id();
		assert_eq!(bob_reads_charlies_labs(), Err(AccessDenial::NoConsent));

		assert_eq!(
			Executive::apply_extrinsic(signed(Sr25519Keyring::Charlie, grant(&bob), 0)),
			Ok(Ok(()))
		);
		assert_eq!(bob_reads_charlies_labs(), Ok(AccessBasis::Consent(0)));

		let licence = pallet_practitioners::Pallet::<Runtime>::licences_of(&bob)[0].id;
		let revoke = RuntimeCall::Sudo(pallet_sudo::Call::sudo {
			call: Box::new(RuntimeCall::Practitioners(
				pallet_practitioners::Call::force_revoke_licence { id: licence, reason: [0u8; 32] },
			)),
		});
		assert_eq!(
			Executive::apply_extrinsic(signed(Sr25519Keyring::Alice, revoke, 0)),
			Ok(Ok(()))
		);
		assert_eq!(bob_reads_charlies_labs(), Err(AccessDenial::NotLicensed));
	});
}

#[test]
fn a_patient_who_cannot_pay_fees_still_revokes_and_others_cannot_for_free() {
	externalities("development").execute_with(|| {
		start_block();
		pallet_timestamp::Now::<Runtime>::put(NOW);
		let charlie = Sr25519Keyring::Charlie.to_account_id();
		let bob = Sr25519Keyring::Bob.to_account_id();
		assert_eq!(
			Executive::apply_extrinsic(signed(Sr25519Keyring::Charlie, grant(&bob), 0)),
			Ok(Ok(()))
		);

		// Charlie gives away everything he can: what is left is the existential deposit.
		let spendable =
			Balances::reducible_balance(&charlie, Preservation::Preserve, Fortitude::Polite);
		Balances::burn_from(
			&charlie,
			spendable,
			Preservation::Preserve,
			frame_support::traits::tokens::Precision::Exact,
			Fortitude::Polite,
		)
		.unwrap();
		assert_eq!(Balances::balance(&charlie), EXISTENTIAL_DEPOSIT);

		// Someone else cannot revoke Charlie's consent, and does not get to try for free.
		let revoke = RuntimeCall::Consent(ConsentCall::revoke_consent { id: 0 });
		let dave_before = Balances::balance(&Sr25519Keyring::Dave.to_account_id());
		let Ok(Err(_)) =
			Executive::apply_extrinsic(signed(Sr25519Keyring::Dave, revoke.clone(), 0))
		else {
			panic!("Dave may not revoke Charlie's consent")
		};
		assert!(
			Balances::balance(&Sr25519Keyring::Dave.to_account_id()) < dave_before,
			"Dave paid a fee"
		);

		// Charlie can, without paying anything.
		assert_eq!(
			Executive::apply_extrinsic(signed(Sr25519Keyring::Charlie, revoke.clone(), 1)),
			Ok(Ok(()))
		);
		assert_eq!(Balances::balance(&charlie), EXISTENTIAL_DEPOSIT);
		assert_eq!(bob_reads_charlies_labs(), Err(AccessDenial::NoConsent));

		// A second revocation is not free, and Charlie cannot pay for it.
		assert_eq!(
			Executive::apply_extrinsic(signed(Sr25519Keyring::Charlie, revoke, 2)),
			Err(TransactionValidityError::Invalid(InvalidTransaction::Payment))
		);
	});
}
