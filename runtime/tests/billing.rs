//! The billing pallet in the runtime, wired to the practitioners and consent pallets: an
//! insured visit with the demo physician, from booking to claim approval, where the claim's
//! checks read the real licence and the patient's real consent to the insurer; an unanswered
//! booking released by a stranger and reaped; a dispute with its bond closed by the default
//! after the runtime's deadline. Issue 13: a service keeps only the hash of its description;
//! the claim check asks the consent pallet about the relationship (a payment consent of any
//! scope, here one blinded tag, passes; a deny of all data for payment rejects the claim).

use crate::common::{
	externalities, fees_paid, ok, refused, set_now, start_block_at, BillingCall, HOUR, NOW,
};
use frame_support::traits::fungible::{Inspect, InspectHold};
use sp_keyring::Sr25519Keyring;
use sp_runtime::Permill;
use telemed_primitives::{AccessAction, PurposeOfUse, Tag};
use telemed_runtime::{
	configs::{ConsultationDeposit, DisputeBond, TreasuryAccount},
	Balances, Billing, Runtime, RuntimeCall, UNITS,
};

fn code() -> pallet_billing::ServiceCode {
	b"99213".to_vec().try_into().expect("a short code")
}

/// A blinded tag of Charlie's (computed off chain from Charlie's tag key): the scope of the
/// payment consent to the insurer. No record carries it: any scope is a payment consent.
const PAYMENT_TAG: Tag = [0x42; 32];

/// The hash of the video consultation's description, as a client computes it; the text stays
/// off chain.
fn description() -> [u8; 32] {
	sp_io::hashing::blake2_256(b"Video consultation")
}

/// Bob, the demo physician, publishes the video consultation (50 MED, 30 min).
fn publish(nonce: u32) {
	ok(
		Sr25519Keyring::Bob,
		RuntimeCall::Billing(BillingCall::set_service {
			service: code(),
			description: description(),
			price: 50 * UNITS,
			duration: HOUR / 2,
		}),
		nonce,
	);
}

/// Alice, with Sudo on the development chain, dispatches `call`.
fn sudo(call: BillingCall, nonce: u32) {
	ok(Sr25519Keyring::Alice, crate::common::sudo(RuntimeCall::Billing(call)), nonce);
}

#[test]
fn an_insured_visit_with_the_demo_physician_from_booking_to_claim_approval() {
	externalities("development").execute_with(|| {
		start_block_at(NOW);
		let charlie = Sr25519Keyring::Charlie.to_account_id();
		let bob = Sr25519Keyring::Bob.to_account_id();
		let dave = Sr25519Keyring::Dave.to_account_id();

		// Bob publishes a service; governance registers Dave as an insurer, who funds a pool
		// and insures Charlie at 80 % for it.
		publish(0);
		assert_eq!(
			pallet_billing::Services::<Runtime>::get(&bob, code()).map(|s| s.description),
			Some(description())
		);
		sudo(
			BillingCall::register_insurer {
				insurer: dave.clone(),
				name: b"Demo Mutual".to_vec().try_into().expect("short"),
			},
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
				covered: vec![code()].try_into().expect("one code"),
				coverage: Permill::from_percent(80),
				annual_limit: 500 * UNITS,
				valid_from: NOW,
				valid_until: NOW + 365 * 24 * HOUR,
			}),
			1,
		);
		// Charlie lets the insurer read the records of one of Charlie's tags for payment: a
		// payment consent, whatever its scope.
		ok(
			Sr25519Keyring::Charlie,
			RuntimeCall::Consent(pallet_consent::Call::grant_consent {
				patient: charlie.clone(),
				grantee: dave.clone(),
				decision: pallet_consent::Decision::Permit,
				actions: vec![AccessAction::Read].try_into().unwrap(),
				scope: pallet_consent::ScopeRequest::Tags(vec![PAYMENT_TAG].try_into().unwrap()),
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
				service: code(),
				scheduled_at: NOW + HOUR,
				policy: Some(0),
			}),
			1,
		);
		let escrow = pallet_billing::HoldReason::Escrow.into();
		assert_eq!(Balances::balance_on_hold(&escrow, &charlie), 10 * UNITS);
		ok(Sr25519Keyring::Bob, RuntimeCall::Billing(BillingCall::accept { id: 0 }), 1);
		set_now(NOW + HOUR);
		ok(
			Sr25519Keyring::Bob,
			RuntimeCall::Billing(BillingCall::mark_delivered { id: 0, encounter: None }),
			2,
		);

		let bob_before = Balances::balance(&bob);
		let treasury_before = Balances::balance(&TreasuryAccount::get());
		telemed_runtime::System::reset_events();
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
		// Bob got the copay and the insurer's share, less 1 %; the treasury the rest (Bob
		// paid fees for his own transactions before `bob_before`), besides the two
		// transactions' fees (this block has no author, so the treasury gets them whole).
		assert_eq!(Balances::balance(&bob), bob_before + 49_500_000_000_000);
		let transaction_fees = fees_paid();
		assert!(transaction_fees > 0);
		assert_eq!(
			Balances::balance(&TreasuryAccount::get()),
			treasury_before + UNITS / 2 + transaction_fees
		);
		assert_eq!(Balances::balance_on_hold(&escrow, &charlie), 0);
	});
}

/// Issue 12 items 15 and 16: Bob never answers Charlie's booking; before its time nobody can
/// release it, at its time Dave (a stranger) does and Charlie is refunded; reaping it returns
/// the consultation deposit.
#[test]
fn an_unanswered_booking_is_released_by_a_stranger_and_reaped() {
	externalities("development").execute_with(|| {
		start_block_at(NOW);
		let charlie = Sr25519Keyring::Charlie.to_account_id();
		publish(0);
		ok(
			Sr25519Keyring::Charlie,
			RuntimeCall::Billing(BillingCall::book {
				patient: charlie.clone(),
				practitioner: Sr25519Keyring::Bob.to_account_id(),
				service: code(),
				scheduled_at: NOW + HOUR,
				policy: None,
			}),
			0,
		);
		let escrow = pallet_billing::HoldReason::Escrow.into();
		let deposit = pallet_billing::HoldReason::ConsultationDeposit.into();
		assert_eq!(Balances::balance_on_hold(&escrow, &charlie), 50 * UNITS);
		assert_eq!(Balances::balance_on_hold(&deposit, &charlie), ConsultationDeposit::get());

		let release = RuntimeCall::Billing(BillingCall::release_lapsed { id: 0 });
		assert_eq!(
			refused(Sr25519Keyring::Dave, release.clone(), 0),
			pallet_billing::Error::<Runtime>::TooEarly.into()
		);
		assert_eq!(
			refused(Sr25519Keyring::Dave, RuntimeCall::Billing(BillingCall::reap { id: 0 }), 1),
			pallet_billing::Error::<Runtime>::StillOpen.into()
		);
		set_now(NOW + HOUR);
		assert_eq!(
			refused(Sr25519Keyring::Bob, RuntimeCall::Billing(BillingCall::accept { id: 0 }), 1),
			pallet_billing::Error::<Runtime>::BookingLapsed.into()
		);
		ok(Sr25519Keyring::Dave, release, 2);
		assert_eq!(Balances::balance_on_hold(&escrow, &charlie), 0);
		assert_eq!(Balances::balance_on_hold(&deposit, &charlie), ConsultationDeposit::get());
		ok(Sr25519Keyring::Dave, RuntimeCall::Billing(BillingCall::reap { id: 0 }), 3);
		assert_eq!(Balances::balance_on_hold(&deposit, &charlie), 0);
		assert!(pallet_billing::Consultations::<Runtime>::get(0).is_none());
	});
}

/// Issue 12 items 13 and 14: Bob cannot confirm his own visit; Charlie disputes it and holds
/// the bond; the council does not decide within the runtime's fourteen days, so Dave closes it
/// by the default: half refunded, half paid to Bob (less 1 %), the bond back to Charlie.
#[test]
fn an_undecided_dispute_is_closed_by_the_default_after_fourteen_days() {
	externalities("development").execute_with(|| {
		start_block_at(NOW);
		let charlie = Sr25519Keyring::Charlie.to_account_id();
		let bob = Sr25519Keyring::Bob.to_account_id();
		publish(0);
		ok(
			Sr25519Keyring::Charlie,
			RuntimeCall::Billing(BillingCall::book {
				patient: charlie.clone(),
				practitioner: bob.clone(),
				service: code(),
				scheduled_at: NOW + HOUR,
				policy: None,
			}),
			0,
		);
		ok(Sr25519Keyring::Bob, RuntimeCall::Billing(BillingCall::accept { id: 0 }), 1);
		set_now(NOW + HOUR);
		ok(
			Sr25519Keyring::Bob,
			RuntimeCall::Billing(BillingCall::mark_delivered { id: 0, encounter: None }),
			2,
		);
		assert_eq!(
			refused(Sr25519Keyring::Bob, RuntimeCall::Billing(BillingCall::confirm { id: 0 }), 3),
			pallet_billing::Error::<Runtime>::NotPermitted.into()
		);
		ok(Sr25519Keyring::Charlie, RuntimeCall::Billing(BillingCall::dispute { id: 0 }), 1);
		let bond = pallet_billing::HoldReason::DisputeBond.into();
		assert_eq!(Balances::balance_on_hold(&bond, &charlie), DisputeBond::get());

		let close = RuntimeCall::Billing(BillingCall::close_dispute { id: 0 });
		let fourteen_days = 14 * 24 * HOUR;
		set_now(NOW + HOUR + fourteen_days - 1);
		assert_eq!(
			refused(Sr25519Keyring::Dave, close.clone(), 0),
			pallet_billing::Error::<Runtime>::DisputeDeadlineNotReached.into()
		);
		set_now(NOW + HOUR + fourteen_days);
		let bob_before = Balances::balance(&bob);
		let charlie_before = Balances::balance(&charlie);
		ok(Sr25519Keyring::Dave, close, 1);
		assert_eq!(Balances::balance_on_hold(&bond, &charlie), 0);
		// Half of 50 MED back, with the bond; half to Bob less 1 %.
		assert_eq!(Balances::balance(&charlie), charlie_before + 25 * UNITS + DisputeBond::get());
		assert_eq!(Balances::balance(&bob), bob_before + 25 * UNITS * 99 / 100);
		assert_eq!(
			pallet_billing::Consultations::<Runtime>::get(0).map(|c| c.status),
			Some(pallet_billing::ConsultationStatus::Resolved)
		);
	});
}

/// Issue 13: the claim check asks the consent pallet whether the insurer may read Charlie's
/// relationship for payment. A permit of one tag passes it (the first test); a deny of all data
/// for payment overrides the permit, and the claim is rejected before the insurer sees it:
/// the insurer's share goes back to its pool, Charlie pays only the copay.
#[test]
fn a_deny_of_all_data_for_payment_rejects_the_claim() {
	externalities("development").execute_with(|| {
		start_block_at(NOW);
		let charlie = Sr25519Keyring::Charlie.to_account_id();
		let bob = Sr25519Keyring::Bob.to_account_id();
		let dave = Sr25519Keyring::Dave.to_account_id();
		publish(0);
		sudo(
			BillingCall::register_insurer {
				insurer: dave.clone(),
				name: b"Demo Mutual".to_vec().try_into().expect("short"),
			},
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
				covered: vec![code()].try_into().expect("one code"),
				coverage: Permill::from_percent(80),
				annual_limit: 500 * UNITS,
				valid_from: NOW,
				valid_until: NOW + 365 * 24 * HOUR,
			}),
			1,
		);
		let consent = |decision: pallet_consent::Decision, scope| {
			RuntimeCall::Consent(pallet_consent::Call::grant_consent {
				patient: charlie.clone(),
				grantee: dave.clone(),
				decision,
				actions: vec![AccessAction::Read].try_into().unwrap(),
				scope,
				purposes: vec![PurposeOfUse::Payment].try_into().unwrap(),
				start: None,
				end: None,
			})
		};
		ok(
			Sr25519Keyring::Charlie,
			consent(
				pallet_consent::Decision::Permit,
				pallet_consent::ScopeRequest::Tags(vec![PAYMENT_TAG].try_into().unwrap()),
			),
			0,
		);
		ok(
			Sr25519Keyring::Charlie,
			consent(pallet_consent::Decision::Deny, pallet_consent::ScopeRequest::AllData),
			1,
		);
		ok(
			Sr25519Keyring::Charlie,
			RuntimeCall::Billing(BillingCall::book {
				patient: charlie.clone(),
				practitioner: bob.clone(),
				service: code(),
				scheduled_at: NOW + HOUR,
				policy: Some(0),
			}),
			2,
		);
		ok(Sr25519Keyring::Bob, RuntimeCall::Billing(BillingCall::accept { id: 0 }), 1);
		set_now(NOW + HOUR);
		ok(
			Sr25519Keyring::Bob,
			RuntimeCall::Billing(BillingCall::mark_delivered { id: 0, encounter: None }),
			2,
		);
		ok(Sr25519Keyring::Charlie, RuntimeCall::Billing(BillingCall::confirm { id: 0 }), 3);
		assert_eq!(
			Billing::claim_of(0).map(|(_, c)| c.status),
			Some(pallet_billing::ClaimStatus::Rejected {
				check: pallet_billing::FraudCheck::NoPaymentConsent
			})
		);
		let pool = pallet_billing::Insurers::<Runtime>::get(&dave).expect("an insurer");
		assert_eq!((pool.pool, pool.committed), (1_000 * UNITS, 0));
		let escrow = pallet_billing::HoldReason::Escrow.into();
		assert_eq!(Balances::balance_on_hold(&escrow, &charlie), 0);
	});
}
