//! The consent pallet in the runtime, wired to the practitioners and records pallets: a
//! licence that is revoked stops consented access at once, a patient revokes a consent free of
//! fees, a deny on a record keeps refusing after the record is amended, and revoking a consent
//! or granting a deny removes the grantee's envelopes in the same call.

use crate::common::{
	charlie_consents, envelope_for, externalities, ok, refused, register_patient, signed,
	start_block_at, sudo, ConsentCall, RecordsCall, LAB_TAG, NOW,
};
use frame_support::traits::{
	fungible::{Inspect, Mutate},
	tokens::{Fortitude, Preservation},
};
use sp_keyring::Sr25519Keyring;
use sp_runtime::transaction_validity::{InvalidTransaction, TransactionValidityError};
use telemed_primitives::{
	AccessAction, AccessBasis, AccessDenial, AccessTarget, ConsentVerifier, PurposeOfUse,
};
use telemed_runtime::{Balances, Consent, Executive, Runtime, RuntimeCall, EXISTENTIAL_DEPOSIT};

fn grant(grantee: &telemed_runtime::AccountId) -> RuntimeCall {
	charlie_consents(
		grantee,
		pallet_consent::Decision::Permit,
		vec![AccessAction::Read],
		pallet_consent::ScopeRequest::Tags(vec![LAB_TAG].try_into().unwrap()),
	)
}

fn bob_reads_charlies_labs() -> Result<AccessBasis, AccessDenial> {
	<Consent as ConsentVerifier<_>>::check_access(
		&Sr25519Keyring::Bob.to_account_id(),
		&Sr25519Keyring::Charlie.to_account_id(),
		AccessAction::Read,
		AccessTarget::Tag(LAB_TAG),
		PurposeOfUse::Treatment,
	)
}

#[test]
fn a_consent_to_the_demo_physician_stops_counting_when_his_licence_is_revoked() {
	externalities("development").execute_with(|| {
		start_block_at(NOW);
		let bob = Sr25519Keyring::Bob.to_account_id();
		assert_eq!(bob_reads_charlies_labs(), Err(AccessDenial::NoConsent));

		ok(Sr25519Keyring::Charlie, grant(&bob), 0);
		assert_eq!(bob_reads_charlies_labs(), Ok(AccessBasis::Consent(0)));

		let licence = pallet_practitioners::Pallet::<Runtime>::licences_of(&bob)[0].id;
		let revoke =
			sudo(RuntimeCall::Practitioners(pallet_practitioners::Call::force_revoke_licence {
				id: licence,
				reason: [0u8; 32],
			}));
		ok(Sr25519Keyring::Alice, revoke, 0);
		assert_eq!(bob_reads_charlies_labs(), Err(AccessDenial::NotLicensed));
	});
}

#[test]
fn a_patient_who_cannot_pay_fees_still_revokes_and_others_cannot_for_free() {
	externalities("development").execute_with(|| {
		start_block_at(NOW);
		let charlie = Sr25519Keyring::Charlie.to_account_id();
		let bob = Sr25519Keyring::Bob.to_account_id();
		ok(Sr25519Keyring::Charlie, grant(&bob), 0);

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
		ok(Sr25519Keyring::Charlie, revoke.clone(), 1);
		assert_eq!(Balances::balance(&charlie), EXISTENTIAL_DEPOSIT);
		assert_eq!(bob_reads_charlies_labs(), Err(AccessDenial::NoConsent));

		// A second revocation is not free, and Charlie cannot pay for it.
		assert_eq!(
			Executive::apply_extrinsic(signed(Sr25519Keyring::Charlie, revoke, 2)),
			Err(TransactionValidityError::Invalid(InvalidTransaction::Payment))
		);
	});
}

/// Charlie's consent to Bob: `decision` on reading `scope` for treatment.
fn consent_to_bob(
	decision: pallet_consent::Decision,
	scope: pallet_consent::ScopeRequestOf<Runtime>,
) -> RuntimeCall {
	charlie_consents(
		&Sr25519Keyring::Bob.to_account_id(),
		decision,
		vec![AccessAction::Read],
		scope,
	)
}

fn envelope_for_bob(record: u64) -> RuntimeCall {
	envelope_for(record, &Sr25519Keyring::Bob.to_account_id())
}

#[test]
fn a_deny_on_a_record_keeps_refusing_the_demo_physician_after_the_record_is_amended() {
	externalities("development").execute_with(|| {
		start_block_at(NOW);
		let charlie = Sr25519Keyring::Charlie.to_account_id();
		let mut nonce = 0..;
		let mut charlie_does = |call| ok(Sr25519Keyring::Charlie, call, nonce.next().unwrap());

		charlie_does(register_patient([0x41; 32]));
		charlie_does(add_lab_record(&charlie));
		let first = 0;
		// Charlie lets Bob read all his data, but not this record.
		charlie_does(consent_to_bob(
			pallet_consent::Decision::Permit,
			pallet_consent::ScopeRequest::AllData,
		));
		let deny = 1;
		charlie_does(consent_to_bob(
			pallet_consent::Decision::Deny,
			pallet_consent::ScopeRequest::Records(vec![first].try_into().unwrap()),
		));

		// Charlie amends the record: a new version, a new id, the same record.
		charlie_does(RuntimeCall::Records(RecordsCall::amend_record {
			previous: first,
			commitment: [3u8; 32],
			ciphertext_hash: [4u8; 32],
			size_class: 12,
			locator: b"sealed locator 2".to_vec().try_into().unwrap(),
			purpose: PurposeOfUse::Treatment,
		}));
		let second = 1;
		assert_eq!(pallet_records::Pallet::<Runtime>::record(second).map(|r| r.version), Some(2));

		// The deny still covers the new version: it cannot be sealed to Bob, and logging an
		// access to it is refused.
		assert_eq!(
			refused(Sr25519Keyring::Charlie, envelope_for_bob(second), 5),
			pallet_records::Error::<Runtime>::ExplicitlyDenied.into()
		);
		let log_access = RuntimeCall::Consent(ConsentCall::log_access {
			patient: charlie.clone(),
			action: AccessAction::Read,
			target: AccessTarget::Record { tag: LAB_TAG, record: second },
			purpose: PurposeOfUse::Treatment,
		});
		assert_eq!(
			refused(Sr25519Keyring::Bob, log_access, 0),
			pallet_consent::Error::<Runtime>::ExplicitlyDenied.into()
		);

		// An envelope sealed while the deny was lifted goes when the deny naming the first
		// version is granted again, in the same call; Bob's read of the second is refused.
		let bob = Sr25519Keyring::Bob.to_account_id();
		let mut nonce = 6..;
		let mut charlie_does = |call| ok(Sr25519Keyring::Charlie, call, nonce.next().unwrap());
		charlie_does(RuntimeCall::Consent(ConsentCall::revoke_consent { id: deny }));
		charlie_does(envelope_for_bob(second));
		assert!(pallet_records::Envelopes::<Runtime>::get(second, &bob).is_some());
		charlie_does(consent_to_bob(
			pallet_consent::Decision::Deny,
			pallet_consent::ScopeRequest::Records(vec![first].try_into().unwrap()),
		));
		assert!(pallet_records::Envelopes::<Runtime>::get(second, &bob).is_none());
		assert!(no_envelopes_of_charlie_for(&bob));
		let _ = refused(
			Sr25519Keyring::Bob,
			RuntimeCall::Records(RecordsCall::access_record { record: second }),
			1,
		);
		assert!(Consent::disclosures(&charlie, 0, 10).is_empty(), "nothing was disclosed");
	});
}

/// Whether the index of envelopes by (patient, grantee) lists none of Charlie's for `grantee`.
fn no_envelopes_of_charlie_for(grantee: &telemed_runtime::AccountId) -> bool {
	pallet_records::EnvelopesOf::<Runtime>::iter_prefix(Sr25519Keyring::Charlie.to_account_id())
		.all(|(g, list)| &g != grantee || list.is_empty())
}

/// Charlie's first record: a laboratory result, padded to 2^12 bytes.
fn add_lab_record(charlie: &telemed_runtime::AccountId) -> RuntimeCall {
	RuntimeCall::Records(RecordsCall::add_record {
		patient: charlie.clone(),
		tag: LAB_TAG,
		commitment: [1u8; 32],
		ciphertext_hash: [2u8; 32],
		size_class: 12,
		locator: b"sealed locator 1".to_vec().try_into().unwrap(),
		purpose: PurposeOfUse::Treatment,
	})
}

#[test]
fn revoking_a_consent_removes_the_grantees_envelopes_in_the_same_call() {
	externalities("development").execute_with(|| {
		start_block_at(NOW);
		let charlie = Sr25519Keyring::Charlie.to_account_id();
		let bob = Sr25519Keyring::Bob.to_account_id();
		let mut nonce = 0..;
		let mut charlie_does = |call| ok(Sr25519Keyring::Charlie, call, nonce.next().unwrap());

		charlie_does(register_patient([0x41; 32]));
		charlie_does(add_lab_record(&charlie));
		charlie_does(grant(&bob));
		charlie_does(envelope_for_bob(0));
		assert!(pallet_records::Envelopes::<Runtime>::get(0, &bob).is_some());

		charlie_does(RuntimeCall::Consent(ConsentCall::revoke_consent { id: 0 }));
		// Bob can no longer read his sealed key from state.
		assert!(pallet_records::Envelopes::<Runtime>::get(0, &bob).is_none());
		assert!(no_envelopes_of_charlie_for(&bob));
		assert_eq!(bob_reads_charlies_labs(), Err(AccessDenial::NoConsent));
	});
}

#[test]
fn a_grant_at_the_per_grantee_bound_cleans_up_only_a_consent_its_signer_paid_for() {
	use crate::common::{ok_next, refused_next};
	use frame_support::traits::{fungible::InspectHold, Get};
	externalities("development").execute_with(|| {
		start_block_at(NOW);
		let charlie = Sr25519Keyring::Charlie.to_account_id();
		let bob = Sr25519Keyring::Bob.to_account_id();
		let dave = Sr25519Keyring::Dave.to_account_id();
		let bound: u32 = <Runtime as pallet_consent::Config>::MaxConsentsPerGrantee::get();
		let add_delegate = RuntimeCall::Consent(ConsentCall::add_delegate {
			delegate: dave.clone(),
			scopes: vec![telemed_primitives::DelegateScope::ManageConsents].try_into().unwrap(),
			until: None,
		});
		ok_next(Sr25519Keyring::Charlie, add_delegate);
		// Charlie grants Bob as many consents as one grantee may have, then revokes them.
		for _ in 0..bound {
			ok_next(Sr25519Keyring::Charlie, grant(&bob));
		}
		for id in 0..u64::from(bound) {
			ok_next(
				Sr25519Keyring::Charlie,
				RuntimeCall::Consent(ConsentCall::revoke_consent { id }),
			);
		}
		let deposit = pallet_consent::HoldReason::ConsentDeposit.into();
		let held = |who| Balances::balance_on_hold(&deposit, who);
		let (charlie_held, dave_held) = (held(&charlie), held(&dave));
		let listed = || pallet_consent::ConsentsByGrantee::<Runtime>::get(&charlie, &bob);

		// Dave paid for none of them: his grant at the bound is refused, nothing moves.
		assert_eq!(
			refused_next(Sr25519Keyring::Dave, grant(&bob)),
			pallet_consent::Error::<Runtime>::TooManyConsentsToGrantee.into()
		);
		assert_eq!((held(&charlie), held(&dave)), (charlie_held, dave_held));
		assert_eq!(listed().len() as u32, bound);

		// Charlie's takes the oldest of his: its deposit back, the new one held.
		ok_next(Sr25519Keyring::Charlie, grant(&bob));
		assert!(pallet_consent::Consents::<Runtime>::get(0).is_none());
		assert_eq!(listed().first().map(|p| p.id), Some(1));
		assert_eq!(listed().len() as u32, bound);
		assert_eq!(held(&charlie), charlie_held);

		// Anyone removes one of Charlie's (its deposit back to him); then Dave's grant fits,
		// and the list keeps that Dave paid for it.
		ok_next(Sr25519Keyring::Dave, RuntimeCall::Consent(ConsentCall::remove_consent { id: 1 }));
		ok_next(Sr25519Keyring::Dave, grant(&bob));
		let last = listed().last().cloned().expect("listed");
		assert_eq!((last.depositor, last.deposit), (dave.clone(), held(&dave) - dave_held));
		assert!(held(&dave) > dave_held);
		assert_eq!(held(&charlie), charlie_held - last.deposit);
	});
}
