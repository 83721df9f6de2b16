//! Deposits and escrow on `fungible` holds, written once for every pallet.
//!
//! Each pallet holds funds under its own `HoldReason` and maps a failed hold to its own error
//! (`InsufficientBalance`); the arithmetic and the release policy are the same everywhere, so
//! they live here. `try_state` checks that what is held equals what the pallet's records say
//! ([`crate::check_holds`]).

use frame_support::traits::{
	fungible::MutateHold,
	tokens::{Balance, Precision},
};
use sp_runtime::{traits::Zero, DispatchError};

/// Holds `amount` of `who`'s free balance under `reason`. Holding nothing always succeeds and
/// changes nothing. On failure (too little free balance) nothing is held and the currency's
/// error is returned; the caller maps it to its own error.
pub fn hold<AccountId, C>(
	reason: &C::Reason,
	who: &AccountId,
	amount: C::Balance,
) -> Result<(), DispatchError>
where
	C: MutateHold<AccountId>,
{
	if amount.is_zero() {
		return Ok(());
	}
	C::hold(reason, who, amount)
}

/// Releases up to `amount` held from `who` under `reason` and returns what was released.
///
/// Best effort: the pallet's records say the amount is held under this reason (an invariant
/// `try_state` checks through [`crate::check_holds`]), so the whole of it is released; if the
/// records and the holds ever disagreed, what is held is released and no more.
pub fn release<AccountId, C>(reason: &C::Reason, who: &AccountId, amount: C::Balance) -> C::Balance
where
	C: MutateHold<AccountId>,
	C::Balance: Balance,
{
	if amount.is_zero() {
		return Zero::zero();
	}
	C::release(reason, who, amount, Precision::BestEffort).unwrap_or_else(|_| Zero::zero())
}
