//! Runtime-level migrations: the ones that belong to no single pallet.
//!
//! [`RetireKeylessAccounts`] moves what the two keyless accounts of earlier releases hold into
//! the treasury. Before the treasury, the deposits of unjustified emergency accesses went to
//! `modl tm/slash` and the network fee of every payout to `modl tm/fees_`: nobody holds a key to
//! either, so the money was stuck. Both now go to the treasury (`SlashBeneficiary` and
//! `FeeDestination` in `configs/telemed.rs`), and this migration empties the old accounts into
//! it, reaping them.
//!
//! It keeps no version of its own: it reads two accounts and moves only what is there, so a
//! second run (the next upgrade) finds nothing and writes nothing. It can leave `Migrations`
//! once every network has run it.

use crate::{AccountId, Balances, Runtime};
use frame_support::{
	traits::{
		fungible::{Inspect, Mutate},
		tokens::{Fortitude, Preservation},
		OnRuntimeUpgrade,
	},
	weights::Weight,
	PalletId,
};
use sp_runtime::traits::AccountIdConversion;

#[cfg(feature = "try-runtime")]
use alloc::vec::Vec;

const LOG_TARGET: &str = "runtime::migrations";

/// The keyless accounts of earlier releases, in the order they are emptied: the slashed
/// emergency deposits (`tm/slash`) and the billing network fee (`tm/fees_`).
pub fn keyless_accounts() -> [AccountId; 2] {
	[
		PalletId(*b"tm/slash").into_account_truncating(),
		PalletId(*b"tm/fees_").into_account_truncating(),
	]
}

/// Empties the keyless accounts of earlier releases into the treasury (see the module's
/// documentation).
pub struct RetireKeylessAccounts;

impl RetireKeylessAccounts {
	/// What `who` can give up entirely: its free balance less anything locked or frozen (there
	/// should be none: nobody could have locked it). Whatever stays (a freeze) stays with it.
	fn movable(who: &AccountId) -> crate::Balance {
		<Balances as Inspect<AccountId>>::reducible_balance(
			who,
			Preservation::Expendable,
			Fortitude::Polite,
		)
	}
}

impl OnRuntimeUpgrade for RetireKeylessAccounts {
	fn on_runtime_upgrade() -> Weight {
		let treasury = crate::configs::TreasuryAccount::get();
		let db = <Runtime as frame_system::Config>::DbWeight::get();
		let mut weight = Weight::zero();
		for old in keyless_accounts() {
			// One read of the old account's balance.
			weight = weight.saturating_add(db.reads(1));
			let amount = Self::movable(&old);
			if amount == 0 {
				continue;
			}
			// The transfer reads and writes both accounts (and, when the old one is reaped,
			// its providers: the same account entry) and the total issuance stays.
			weight = weight.saturating_add(db.reads_writes(2, 2));
			match <Balances as Mutate<AccountId>>::transfer(
				&old,
				&treasury,
				amount,
				Preservation::Expendable,
			) {
				Ok(_) => log::info!(
					target: LOG_TARGET,
					"moved {amount} from the keyless account {old:?} to the treasury"
				),
				// The treasury exists from genesis, so this cannot fail on an amount the old
				// account can give up; if it did, the money stays where it was (nothing lost).
				Err(e) => log::error!(
					target: LOG_TARGET,
					"could not move {amount} from {old:?} to the treasury: {e:?}"
				),
			}
		}
		weight
	}

	#[cfg(feature = "try-runtime")]
	fn pre_upgrade() -> Result<Vec<u8>, sp_runtime::TryRuntimeError> {
		use codec::Encode;
		let treasury = crate::configs::TreasuryAccount::get();
		let movable: crate::Balance = keyless_accounts().iter().map(Self::movable).sum();
		Ok((Balances::balance(&treasury), movable, Balances::total_issuance()).encode())
	}

	#[cfg(feature = "try-runtime")]
	fn post_upgrade(state: Vec<u8>) -> Result<(), sp_runtime::TryRuntimeError> {
		use codec::Decode;
		let (treasury_before, movable, issuance): (crate::Balance, crate::Balance, crate::Balance) =
			Decode::decode(&mut &state[..]).map_err(|_| "RetireKeylessAccounts: bad state")?;
		let treasury = crate::configs::TreasuryAccount::get();
		frame_support::ensure!(
			Balances::balance(&treasury) == treasury_before.saturating_add(movable),
			"RetireKeylessAccounts: the treasury did not receive exactly what the keyless accounts held"
		);
		for old in keyless_accounts() {
			frame_support::ensure!(
				Self::movable(&old) == 0,
				"RetireKeylessAccounts: a keyless account still holds a movable balance"
			);
		}
		frame_support::ensure!(
			Balances::total_issuance() == issuance,
			"RetireKeylessAccounts: the total issuance changed"
		);
		Ok(())
	}
}
