//! Issue 18: the treasury receives what the keyless accounts of earlier releases did. An
//! unjustified break-glass access's deposit and the network fee of a payout (billing.rs) go to
//! it; a justified access's deposit goes back to the practitioner. The runtime upgrade empties
//! the old keyless accounts (`tm/slash`, `tm/fees_`) into it, reaping them, without minting or
//! burning, and a second upgrade finds nothing to move.

use crate::common::{
	externalities, fees_paid, ok_next, refused_next, register_patient, start_block_at, sudo, NOW,
};
use frame_support::traits::{
	fungible::{Inspect, InspectHold, Mutate},
	OnRuntimeUpgrade,
};
use sp_keyring::Sr25519Keyring::{Alice, Bob, Charlie};
use telemed_runtime::{
	configs::{EmergencyDeposit, TreasuryAccount},
	migrations::{keyless_accounts, RetireKeylessAccounts},
	Balances, Executive, Runtime, RuntimeCall, RuntimeHoldReason, System, EXISTENTIAL_DEPOSIT,
	UNITS,
};

type ConsentCall = pallet_consent::Call<Runtime>;

fn treasury() -> telemed_runtime::Balance {
	Balances::balance(&TreasuryAccount::get())
}

fn emergency_deposit_of(who: &telemed_runtime::AccountId) -> telemed_runtime::Balance {
	Balances::balance_on_hold(
		&RuntimeHoldReason::Consent(pallet_consent::HoldReason::EmergencyDeposit),
		who,
	)
}

/// Charlie registers; Bob (the demo physician, endorsed for emergency care) breaks the glass.
fn break_the_glass() {
	ok_next(Charlie, register_patient([0x41; 32]));
	ok_next(
		Bob,
		RuntimeCall::Consent(ConsentCall::open_emergency_access {
			patient: Charlie.to_account_id(),
			statement: [0x5a; 32],
		}),
	);
	assert_eq!(emergency_deposit_of(&Bob.to_account_id()), EmergencyDeposit::get());
}

#[test]
fn an_unjustified_emergency_access_pays_its_deposit_to_the_treasury() {
	externalities("development").execute_with(|| {
		start_block_at(NOW);
		break_the_glass();
		let bob = Bob.to_account_id();
		let bob_total = Balances::total_balance(&bob);
		let before = treasury();
		let issuance = Balances::total_issuance();
		System::reset_events();

		// Sudo stands for the council's majority on the development chain.
		ok_next(
			Alice,
			sudo(RuntimeCall::Consent(ConsentCall::review_emergency_access {
				id: 0,
				justified: false,
			})),
		);
		assert_eq!(emergency_deposit_of(&bob), 0);
		assert_eq!(Balances::total_balance(&bob), bob_total - EmergencyDeposit::get());
		assert_eq!(treasury(), before + EmergencyDeposit::get() + fees_paid());
		assert_eq!(Balances::total_issuance(), issuance, "nothing minted or burnt");
		for old in keyless_accounts() {
			assert_eq!(Balances::total_balance(&old), 0, "nothing reaches the old accounts");
		}
	});
}

#[test]
fn a_justified_emergency_access_gets_its_deposit_back_and_the_treasury_only_fees() {
	externalities("development").execute_with(|| {
		start_block_at(NOW);
		break_the_glass();
		let bob = Bob.to_account_id();
		let bob_free = Balances::balance(&bob);
		let before = treasury();
		System::reset_events();

		// The patient reviews it herself.
		ok_next(
			Charlie,
			RuntimeCall::Consent(ConsentCall::review_emergency_access { id: 0, justified: true }),
		);
		assert_eq!(emergency_deposit_of(&bob), 0);
		assert_eq!(Balances::balance(&bob), bob_free + EmergencyDeposit::get());
		assert_eq!(treasury(), before + fees_paid());
		// A second review is refused and moves nothing.
		let before = treasury();
		System::reset_events();
		assert_eq!(
			refused_next(
				Charlie,
				RuntimeCall::Consent(ConsentCall::review_emergency_access {
					id: 0,
					justified: false,
				}),
			),
			pallet_consent::Error::<Runtime>::AlreadyReviewed.into()
		);
		assert_eq!(Balances::balance(&bob), bob_free + EmergencyDeposit::get());
		assert_eq!(treasury(), before + fees_paid());
	});
}

#[test]
fn the_upgrade_empties_the_keyless_accounts_into_the_treasury_once() {
	externalities("development").execute_with(|| {
		start_block_at(NOW);
		// As an earlier release left them: the fee account endowed at genesis with the
		// existential deposit plus the fees of some payouts; two slashed deposits.
		let [slash, fees] = keyless_accounts();
		Balances::mint_into(&fees, EXISTENTIAL_DEPOSIT + UNITS / 2).unwrap();
		Balances::mint_into(&slash, 20 * UNITS).unwrap();
		assert!(System::account_exists(&fees) && System::account_exists(&slash));
		let before = treasury();
		let issuance = Balances::total_issuance();

		let weight = RetireKeylessAccounts::on_runtime_upgrade();
		assert_eq!(treasury(), before + EXISTENTIAL_DEPOSIT + UNITS / 2 + 20 * UNITS);
		assert_eq!(Balances::total_issuance(), issuance);
		for old in [&slash, &fees] {
			assert_eq!(Balances::total_balance(old), 0);
			assert!(!System::account_exists(old), "the old account is reaped");
		}
		let db = <Runtime as frame_system::Config>::DbWeight::get();
		assert_eq!(weight, db.reads(2).saturating_add(db.reads_writes(4, 4)));

		// The next upgrade (through `Executive`, with every migration) finds nothing to move.
		let before = treasury();
		assert_eq!(RetireKeylessAccounts::on_runtime_upgrade(), db.reads(2));
		Executive::execute_on_runtime_upgrade();
		assert_eq!(treasury(), before);
		assert_eq!(Balances::total_issuance(), issuance);
	});
}

#[test]
fn the_upgrade_moves_nothing_when_the_keyless_accounts_are_empty() {
	externalities("development").execute_with(|| {
		start_block_at(NOW);
		// This release's genesis creates neither account; the treasury exists from genesis.
		for old in keyless_accounts() {
			assert!(!System::account_exists(&old));
		}
		assert!(treasury() >= EXISTENTIAL_DEPOSIT);
		let before = treasury();
		RetireKeylessAccounts::on_runtime_upgrade();
		assert_eq!(treasury(), before);
		for old in keyless_accounts() {
			assert!(!System::account_exists(&old));
		}
	});
}
