//! What must hold after every block, whatever the calls were:
//! - every telemed pallet's invariants (`do_try_state`), and with the `try-runtime` feature
//!   every pallet's `try_state`, frame's included;
//! - money: total issuance is the sum of every account's free and held balance, and moves only
//!   with a `Balances` event that says so; nothing mints, and what is burnt (fee credits that
//!   found no account, dust) is counted;
//! - holds: every hold of every account is explained by state (a deposit a pallet records, a
//!   preimage's ticket, session keys), under each of the runtime's hold reasons; and every
//!   deposit that state records for session keys and preimages is held;
//! - weight: no class of a block over its maximum, and no block over the block maximum unless
//!   a session ended in it (`pallet-session` then fills the block on purpose).

use frame_support::{dispatch::DispatchClass, traits::fungible::InspectHold};
use sp_runtime::traits::Zero;
use std::collections::{BTreeMap, BTreeSet};
use telemed_runtime::{
	configs::SessionKeyDeposit, AccountId, Balance, Balances, Billing, BlockNumber, Consent,
	Practitioners, Records, Runtime, RuntimeEvent, RuntimeHoldReason, System, Upgrades,
	ValidatorSet,
};

/// Total issuance as last seen, and what has been burnt since the start.
#[derive(Default)]
pub struct Ledger {
	pub issuance: Balance,
	pub burnt: Balance,
	pub burns: u64,
}

impl Ledger {
	pub fn new() -> Self {
		Self { issuance: pallet_balances::TotalIssuance::<Runtime>::get(), ..Default::default() }
	}
}

/// Checks everything after block `n` was finalised.
pub fn after_block(
	n: BlockNumber,
	ledger: &mut Ledger,
	genesis_validators: &BTreeSet<AccountId>,
) -> Result<(), String> {
	pallets(n)?;
	conservation(ledger)?;
	holds(genesis_validators)?;
	weight()
}

fn pallets(n: BlockNumber) -> Result<(), String> {
	let check = |name: &str, result: Result<(), sp_runtime::TryRuntimeError>| {
		result.map_err(|e| format!("{name}: invariant broken: {e:?}"))
	};
	check("practitioners", Practitioners::do_try_state())?;
	check("consent", Consent::do_try_state())?;
	check("records", Records::do_try_state())?;
	check("billing", Billing::do_try_state())?;
	check("upgrades", Upgrades::do_try_state(n))?;
	check("validator-set", ValidatorSet::do_try_state())?;
	#[cfg(feature = "try-runtime")]
	{
		use frame_support::traits::{TryState, TryStateSelect};
		check(
			"try_state of every pallet",
			<telemed_runtime::AllPalletsWithSystem as TryState<BlockNumber>>::try_state(
				n,
				TryStateSelect::All,
			),
		)?;
	}
	Ok(())
}

fn conservation(ledger: &mut Ledger) -> Result<(), String> {
	let issuance = pallet_balances::TotalIssuance::<Runtime>::get();
	let held_and_free: Balance = frame_system::Account::<Runtime>::iter_values()
		.map(|account| account.data.free.saturating_add(account.data.reserved))
		.fold(0, |sum: Balance, b| sum.saturating_add(b));
	if held_and_free != issuance {
		return Err(format!(
			"total issuance {issuance} differs from the accounts' free and held balances \
			 {held_and_free}"
		));
	}
	let (mut issued, mut burnt, mut burns) = (0 as Balance, 0 as Balance, 0u64);
	for record in System::events() {
		use pallet_balances::Event;
		match record.event {
			RuntimeEvent::Balances(Event::Issued { amount } | Event::Minted { amount, .. }) => {
				issued = issued.saturating_add(amount)
			},
			RuntimeEvent::Balances(Event::Rescinded { amount } | Event::Burned { amount, .. }) => {
				burnt = burnt.saturating_add(amount);
				burns += 1;
			},
			_ => {},
		}
	}
	if !issued.is_zero() {
		return Err(format!("{issued} planck issued: nothing in this runtime mints"));
	}
	let expected = ledger.issuance.saturating_sub(burnt);
	if issuance != expected {
		return Err(format!(
			"total issuance {issuance}, expected {expected}: {} before, {burnt} burnt by events",
			ledger.issuance
		));
	}
	ledger.issuance = issuance;
	ledger.burnt = ledger.burnt.saturating_add(burnt);
	ledger.burns += burns;
	Ok(())
}

/// The index of `reason` in a pallet's list of hold reasons, as its `expected_holds` keys it.
fn index<R: PartialEq>(reasons: &[R], reason: &R) -> u8 {
	reasons.iter().position(|r| r == reason).unwrap_or(u8::MAX as usize) as u8
}

/// What each account holds per preimage ticket.
fn preimage_tickets() -> BTreeMap<AccountId, Balance> {
	use codec::{Decode, Encode};
	use pallet_preimage::RequestStatus;
	let mut tickets: BTreeMap<AccountId, Balance> = BTreeMap::new();
	for status in pallet_preimage::RequestStatusFor::<Runtime>::iter_values() {
		let ticket = match status {
			RequestStatus::Unrequested { ticket, .. } => Some(ticket),
			RequestStatus::Requested { maybe_ticket, .. } => maybe_ticket,
		};
		if let Some((who, ticket)) = ticket {
			// `HoldConsideration` is the amount it holds (a private field): decode it.
			let amount = Balance::decode(&mut &ticket.encode()[..]).unwrap_or_default();
			*tickets.entry(who).or_default() += amount;
		}
	}
	tickets
}

fn holds(genesis_validators: &BTreeSet<AccountId>) -> Result<(), String> {
	let practitioners: BTreeMap<AccountId, Balance> =
		pallet_practitioners::Practitioners::<Runtime>::iter()
			.map(|(who, profile)| (who, profile.deposit))
			.collect();
	let consent = Consent::expected_holds();
	let records = Records::expected_holds();
	let billing = Billing::expected_holds();
	let tickets = preimage_tickets();
	let has_local_keys = |who: &AccountId| {
		pallet_session::NextKeys::<Runtime>::contains_key(who)
			&& !pallet_session::ExternallySetKeys::<Runtime>::contains_key(who)
	};
	for (who, holds) in pallet_balances::Holds::<Runtime>::iter() {
		for hold in holds {
			let key = |i: u8| (who.clone(), i);
			let get = |map: &BTreeMap<(AccountId, u8), Balance>, i| {
				map.get(&key(i)).copied().unwrap_or_default()
			};
			// Exhaustive: a new hold reason in the runtime must be explained here.
			let expected = match hold.id {
				RuntimeHoldReason::Practitioners(_) => {
					practitioners.get(&who).copied().unwrap_or_default()
				},
				RuntimeHoldReason::Consent(r) => {
					get(&consent, index(&pallet_consent::HOLD_REASONS, &r))
				},
				RuntimeHoldReason::Records(r) => {
					get(&records, index(&pallet_records::HOLD_REASONS, &r))
				},
				RuntimeHoldReason::Billing(r) => {
					get(&billing, index(&pallet_billing::HOLD_REASONS, &r))
				},
				RuntimeHoldReason::Preimage(_) => tickets.get(&who).copied().unwrap_or_default(),
				RuntimeHoldReason::Session(_) => {
					if has_local_keys(&who) {
						SessionKeyDeposit::get()
					} else {
						0
					}
				},
				// No consideration for proposals: the collectives hold nothing.
				RuntimeHoldReason::Council(_) | RuntimeHoldReason::TechnicalCommittee(_) => 0,
			};
			if hold.amount != expected {
				return Err(format!(
					"{who} holds {} under {:?}; the state explains {expected}",
					hold.amount, hold.id
				));
			}
		}
	}
	// The other way: what state says is held for session keys and preimages is held. (Each
	// telemed pallet's `do_try_state` checks its own deposits are held.)
	let session = RuntimeHoldReason::Session(pallet_session::HoldReason::Keys);
	for who in pallet_session::NextKeys::<Runtime>::iter_keys() {
		let held = Balances::balance_on_hold(&session, &who);
		let genesis_keys = genesis_validators.contains(&who) && held.is_zero();
		if has_local_keys(&who) && !genesis_keys && held != SessionKeyDeposit::get() {
			return Err(format!("{who} has session keys and holds {held} for them"));
		}
	}
	let preimage = RuntimeHoldReason::Preimage(pallet_preimage::HoldReason::Preimage);
	for (who, amount) in tickets {
		let held = Balances::balance_on_hold(&preimage, &who);
		if held != amount {
			return Err(format!("{who} holds {held} for preimages whose tickets say {amount}"));
		}
	}
	Ok(())
}

/// What FRAME guarantees of a block's weight (`frame_system::limits::WeightsPerClass` and
/// `CheckWeight`), checked rather than assumed: no class over its own maximum; ordinary
/// transactions and the hooks within the block's maximum; and the whole block over it by at
/// most the operational reserve, which lets operational transactions (governance) in even once
/// the block is full. A block where a session ended is exempt from the last two: `pallet-session`
/// fills that block on purpose.
///
/// First finding of the long run (seed 0x7e1e3ed0f0222026, block 843): the scheduler's
/// `on_initialize` used its whole budget (`MaximumSchedulerWeight`, 80 % of the block), ordinary
/// transactions the rest, and council votes and closes (operational) 14 ms more: 2.0025 s of a
/// 2 s block, which FRAME allows (the worst case is the maximum plus the operational reserve,
/// 2.5 s). The check asserted `total <= max_block` until then.
fn weight() -> Result<(), String> {
	let limits = <Runtime as frame_system::Config>::BlockWeights::get();
	let consumed = System::block_weight();
	for class in [DispatchClass::Normal, DispatchClass::Operational] {
		if let Some(max) = limits.get(class).max_total {
			if !consumed.get(class).all_lte(max) {
				return Err(format!(
					"{class:?} weight {:?} over its maximum {max:?}",
					consumed.get(class)
				));
			}
		}
	}
	let session_ended = System::events().iter().any(|r| {
		matches!(r.event, RuntimeEvent::Session(pallet_session::Event::NewSession { .. }))
	});
	if session_ended {
		return Ok(());
	}
	let normal = consumed.get(DispatchClass::Normal);
	let operational = consumed.get(DispatchClass::Operational);
	let mandatory = consumed.get(DispatchClass::Mandatory);
	let described = format!(
		"(normal {normal:?}, operational {operational:?}, mandatory {mandatory:?}, maximum {:?})",
		limits.max_block
	);
	if !normal.saturating_add(*mandatory).all_lte(limits.max_block) {
		return Err(format!(
			"ordinary transactions and hooks over the block's maximum {described}"
		));
	}
	let reserve = limits.get(DispatchClass::Operational).reserved.unwrap_or_default();
	if !consumed.total().all_lte(limits.max_block.saturating_add(reserve)) {
		return Err(format!("block over its maximum and the operational reserve {described}"));
	}
	Ok(())
}
