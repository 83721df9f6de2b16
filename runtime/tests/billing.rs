//! The billing pallet in the runtime, wired to the practitioners and consent pallets: an
//! insured visit with the demo physician, from booking to claim approval, where the claim's
//! checks read the real licence and the patient's real consent to the insurer.

mod common;

use common::{externalities, signed, start_block};
use frame_support::traits::fungible::{Inspect, InspectHold};
use sp_keyring::Sr25519Keyring;
use sp_runtime::Permill;
use telemed_primitives::{AccessAction, DataCategory, PurposeOfUse};
use telemed_runtime::{
	configs::NetworkFeeAccount, Balances, Billing, Executive, Runtime, RuntimeCall, UNITS,
};

type BillingCall = pallet_billing::Call<Runtime>;

/// 2026-11-23T00:00:00Z: inside the demo licence's validity.
const NOW: u64 = 1_795_392_000_000;
const HOUR: u64 = 3_600_000;

fn ok(signer: Sr25519Keyring, call: RuntimeCall, nonce: u32) {
	assert_eq!(Executive::apply_extrinsic(signed(signer, call, nonce)), Ok(Ok(())));
}

fn sudo(call: BillingCall, nonce: u32) {
	ok(
		Sr25519Keyring::Alice,
		RuntimeCall::Sudo(pallet_sudo::Call::sudo { call: Box::new(RuntimeCall::Billing(call)) }),
		nonce,
	);
}

#[test]
fn an_insured_visit_with_the_demo_physician_from_booking_to_claim_approval() {
	externalities("development").execute_with(|| {
		start_block();
		pallet_timestamp::Now::<Runtime>::put(NOW);
		let charlie = Sr25519Keyring::Charlie.to_account_id();
		let bob = Sr25519Keyring::Bob.to_account_id();
		let dave = Sr25519Keyring::Dave.to_account_id();

		// Bob publishes a service; governance registers Dave as an insurer, who funds a pool
		// and insures Charlie at 80 % for it.
		ok(
			Sr25519Keyring::Bob,
			RuntimeCall::Billing(BillingCall::set_service {
				service: b"99213".to_vec(),
				description: b"Video consultation".to_vec(),
				price: 50 * UNITS,
				duration: HOUR / 2,
			}),
			0,
		);
		sudo(
			BillingCall::register_insurer { insurer: dave.clone(), name: b"Demo Mutual".to_vec() },
			0,
		);
		ok(
			Sr25519Keyring::Dave,
			RuntimeCall::Billing(BillingCall::fund_pool { amount: 1_000 * UNITS }),
			0,
		);
		ok(
			Sr25519Keyring::Dave,
			RuntimeCall::Billing(BillingCall::issue_policy {
				patient: charlie.clone(),
				covered: vec![b"99213".to_vec()],
				coverage: Permill::from_percent(80),
				annual_limit: 500 * UNITS,
				valid_from: NOW,
				valid_until: NOW + 365 * 24 * HOUR,
			}),
			1,
		);
		// Charlie lets the insurer read encounter data for payment.
		ok(
			Sr25519Keyring::Charlie,
			RuntimeCall::Consent(pallet_consent::Call::grant_consent {
				patient: charlie.clone(),
				grantee: dave.clone(),
				decision: pallet_consent::Decision::Permit,
				actions: vec![AccessAction::Read].try_into().unwrap(),
				scope: pallet_consent::ScopeRequest::Categories(
					vec![DataCategory::Encounter].try_into().unwrap(),
				),
				purposes: vec![PurposeOfUse::Payment].try_into().unwrap(),
				start: None,
				end: None,
			}),
			0,
		);

		ok(
			Sr25519Keyring::Charlie,
			RuntimeCall::Billing(BillingCall::book {
				patient: charlie.clone(),
				practitioner: bob.clone(),
				service: b"99213".to_vec(),
				scheduled_at: NOW + HOUR,
				policy: Some(0),
			}),
			1,
		);
		let escrow = pallet_billing::HoldReason::Escrow.into();
		assert_eq!(Balances::balance_on_hold(&escrow, &charlie), 10 * UNITS);
		ok(Sr25519Keyring::Bob, RuntimeCall::Billing(BillingCall::accept { id: 0 }), 1);
		pallet_timestamp::Now::<Runtime>::put(NOW + HOUR);
		ok(
			Sr25519Keyring::Bob,
			RuntimeCall::Billing(BillingCall::mark_delivered { id: 0, encounter: None }),
			2,
		);

		let bob_before = Balances::balance(&bob);
		let fees_before = Balances::balance(&NetworkFeeAccount::get());
		ok(Sr25519Keyring::Charlie, RuntimeCall::Billing(BillingCall::confirm { id: 0 }), 2);
		let (claim, _) = Billing::claim_of(0).expect("a claim");
		ok(
			Sr25519Keyring::Dave,
			RuntimeCall::Billing(BillingCall::adjudicate_claim {
				id: claim,
				approve: true,
				reason: [0u8; 32],
			}),
			2,
		);
		assert_eq!(
			Billing::claim_of(0).map(|(_, c)| c.status),
			Some(pallet_billing::ClaimStatus::Approved)
		);
		// Bob got the copay and the insurer's share, less 1 %; the fee account the rest (Bob
		// paid fees for his own transactions before `bob_before`).
		assert_eq!(Balances::balance(&bob), bob_before + 49_500_000_000_000);
		assert_eq!(Balances::balance(&NetworkFeeAccount::get()), fees_before + UNITS / 2);
		assert_eq!(Balances::balance_on_hold(&escrow, &charlie), 0);
	});
}
