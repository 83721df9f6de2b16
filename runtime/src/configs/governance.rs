//! Governance: a council and a technical committee (`pallet-collective` instances whose members
//! `pallet-membership` keeps), runtime upgrades through a timelock (`pallet-upgrades` on
//! `pallet-scheduler` and `pallet-preimage`), and the validator set (`pallet-session` with
//! `pallets/validator-set`).
//!
//! ## Thresholds
//!
//! | origin | who | used for |
//! |---|---|---|
//! | [`CouncilTwoThirds`] | at least 2/3 of the council | licensing authorities, insurers, validators, council and committee membership, scheduling upgrades, disapproving or killing a proposal of either collective |
//! | [`CouncilMajority`] | more than 1/2 of the council | break-glass reviews, billing disputes, cancelling an upgrade |
//! | [`TechnicalTwoThirds`] | at least 2/3 of the technical committee | fast-tracking an upgrade, cancelling one |
//!
//! The **treasury** (`pallet-treasury`) receives most of every transaction fee (see
//! `DealWithFees`); the council spends it.
//!
//! Root (sudo) keeps every power on the `development` chain only; the `local_testnet` preset
//! and any real network have no sudo key.
//!
//! ## The collectives' own origins
//!
//! `DisapproveOrigin` and `KillOrigin` (of both the council and the technical committee) are
//! [`CouncilTwoThirds`]: the council can withdraw a motion of its own that should not pass and
//! stop a technical-committee motion (a fast track it disagrees with) before it closes. The
//! technical committee cannot disapprove council motions. `SetMembersOrigin` is root only, on
//! purpose: `pallet-membership` (whose origins are [`CouncilTwoThirds`]) owns the member lists
//! and pushes them to the collectives; a `set_members` on a collective would bypass it, and the
//! next membership change would overwrite it. Without sudo, members change through
//! `councilMembership` / `technicalMembership` only.

use frame_support::traits::tokens::{pay::PayFromAccount, UnityAssetBalanceConversion};
use frame_support::{
	parameter_types,
	traits::{
		fungible::HoldConsideration, ConstU32, EitherOfDiverse, EqualPrivilegeOnly, Get,
		LinearStoragePrice,
	},
	weights::Weight,
};
use frame_system::{EnsureRoot, EnsureWithSuccess};
use sp_runtime::{
	traits::{ConvertInto, IdentityLookup},
	Perbill, Permill,
};

use super::RuntimeBlockWeights;
use crate::{
	AccountId, Balance, Balances, BlockNumber, CouncilCollective, OriginCaller, Preimage, Runtime,
	RuntimeCall, RuntimeEvent, RuntimeHoldReason, RuntimeOrigin, Scheduler, Session, SessionKeys,
	TechnicalCollective, ValidatorSet, DAYS, HOURS, MILLI_UNITS, MINUTES, UNITS,
};

/// At least two thirds of the council (or root on the development chain).
pub type CouncilTwoThirds = EitherOfDiverse<
	EnsureRoot<AccountId>,
	pallet_collective::EnsureProportionAtLeast<AccountId, CouncilCollective, 2, 3>,
>;

/// More than half of the council (or root on the development chain).
pub type CouncilMajority = EitherOfDiverse<
	EnsureRoot<AccountId>,
	pallet_collective::EnsureProportionMoreThan<AccountId, CouncilCollective, 1, 2>,
>;

/// At least two thirds of the technical committee (or root on the development chain).
pub type TechnicalTwoThirds = EitherOfDiverse<
	EnsureRoot<AccountId>,
	pallet_collective::EnsureProportionAtLeast<AccountId, TechnicalCollective, 2, 3>,
>;

parameter_types! {
	/// A motion is open for votes this long.
	pub const MotionDuration: BlockNumber = 3 * DAYS;
	/// A motion may use at most half a block.
	pub MaxProposalWeight: Weight = Perbill::from_percent(50) * RuntimeBlockWeights::get().max_block;
}

impl pallet_collective::Config<pallet_collective::Instance1> for Runtime {
	type RuntimeOrigin = RuntimeOrigin;
	type Proposal = RuntimeCall;
	type RuntimeEvent = RuntimeEvent;
	type MotionDuration = MotionDuration;
	type MaxProposals = ConstU32<32>;
	type MaxMembers = ConstU32<32>;
	type DefaultVote = pallet_collective::PrimeDefaultVote;
	type WeightInfo = pallet_collective::weights::SubstrateWeight<Runtime>;
	/// Root only: `pallet-membership` keeps the members (see the module docs).
	type SetMembersOrigin = EnsureRoot<AccountId>;
	type MaxProposalWeight = MaxProposalWeight;
	type DisapproveOrigin = CouncilTwoThirds;
	type KillOrigin = CouncilTwoThirds;
	type Consideration = ();
}

impl pallet_membership::Config<pallet_membership::Instance1> for Runtime {
	type RuntimeEvent = RuntimeEvent;
	type AddOrigin = CouncilTwoThirds;
	type RemoveOrigin = CouncilTwoThirds;
	type SwapOrigin = CouncilTwoThirds;
	type ResetOrigin = CouncilTwoThirds;
	type PrimeOrigin = CouncilTwoThirds;
	type MembershipInitialized = crate::Council;
	type MembershipChanged = crate::Council;
	type MaxMembers = ConstU32<32>;
	type WeightInfo = pallet_membership::weights::SubstrateWeight<Runtime>;
}

impl pallet_collective::Config<pallet_collective::Instance2> for Runtime {
	type RuntimeOrigin = RuntimeOrigin;
	type Proposal = RuntimeCall;
	type RuntimeEvent = RuntimeEvent;
	/// Urgent fixes: a day.
	type MotionDuration = ConstU32<{ DAYS }>;
	type MaxProposals = ConstU32<16>;
	type MaxMembers = ConstU32<16>;
	type DefaultVote = pallet_collective::PrimeDefaultVote;
	type WeightInfo = pallet_collective::weights::SubstrateWeight<Runtime>;
	/// Root only: `pallet-membership` keeps the members (see the module docs).
	type SetMembersOrigin = EnsureRoot<AccountId>;
	type MaxProposalWeight = MaxProposalWeight;
	type DisapproveOrigin = CouncilTwoThirds;
	type KillOrigin = CouncilTwoThirds;
	type Consideration = ();
}

impl pallet_membership::Config<pallet_membership::Instance2> for Runtime {
	type RuntimeEvent = RuntimeEvent;
	/// The council appoints the technical committee.
	type AddOrigin = CouncilTwoThirds;
	type RemoveOrigin = CouncilTwoThirds;
	type SwapOrigin = CouncilTwoThirds;
	type ResetOrigin = CouncilTwoThirds;
	type PrimeOrigin = CouncilTwoThirds;
	type MembershipInitialized = crate::TechnicalCommittee;
	type MembershipChanged = crate::TechnicalCommittee;
	type MaxMembers = ConstU32<16>;
	type WeightInfo = pallet_membership::weights::SubstrateWeight<Runtime>;
}

parameter_types! {
	/// The scheduler may use 80 % of a block.
	pub MaximumSchedulerWeight: Weight = Perbill::from_percent(80) * RuntimeBlockWeights::get().max_block;
	pub const PreimageBaseDeposit: Balance = UNITS;
	pub const PreimageByteDeposit: Balance = MILLI_UNITS;
	pub const PreimageHoldReason: RuntimeHoldReason =
		RuntimeHoldReason::Preimage(pallet_preimage::HoldReason::Preimage);
}

impl pallet_scheduler::Config for Runtime {
	type RuntimeEvent = RuntimeEvent;
	type RuntimeOrigin = RuntimeOrigin;
	type PalletsOrigin = OriginCaller;
	type RuntimeCall = RuntimeCall;
	type MaximumWeight = MaximumSchedulerWeight;
	type ScheduleOrigin = CouncilTwoThirds;
	type OriginPrivilegeCmp = EqualPrivilegeOnly;
	type MaxScheduledPerBlock = ConstU32<50>;
	type WeightInfo = pallet_scheduler::weights::SubstrateWeight<Runtime>;
	type Preimages = Preimage;
	type BlockNumberProvider = frame_system::Pallet<Runtime>;
}

impl pallet_preimage::Config for Runtime {
	type RuntimeEvent = RuntimeEvent;
	type WeightInfo = pallet_preimage::weights::SubstrateWeight<Runtime>;
	type Currency = Balances;
	type ManagerOrigin = CouncilTwoThirds;
	type Consideration = HoldConsideration<
		AccountId,
		Balances,
		PreimageHoldReason,
		LinearStoragePrice<PreimageBaseDeposit, PreimageByteDeposit, Balance>,
	>;
}

parameter_types! {
	/// The timelock between the council's decision and the upgrade's authorisation: ten
	/// minutes. Kept in storage (`twox_128(":UpgradeDelay:")`) so that a chain may set another
	/// with `system.set_storage` (the end-to-end test shortens it on the dev chain).
	pub storage UpgradeDelay: BlockNumber = 10 * MINUTES;
	/// An authorisation nobody applies is withdrawn after three days. Applying needs one
	/// person to submit the code, so hours would do; three days leave room for a weekend or
	/// an operator's absence without a new council motion, and are short enough that a
	/// forgotten authorisation cannot be acted on long after the council and the committee
	/// stopped watching it (a stale runtime, applied once newer code is out, would also need
	/// its storage migrations to still fit the state). Equal to a council motion's duration:
	/// a new motion can replace the decision within the window.
	pub const UpgradeAuthorizationWindow: BlockNumber = 3 * DAYS;
}

impl pallet_upgrades::Config for Runtime {
	type RuntimeCall = RuntimeCall;
	type PalletsOrigin = OriginCaller;
	type Scheduler = Scheduler;
	type Preimages = Preimage;
	type ScheduleOrigin = CouncilTwoThirds;
	type FastTrackOrigin = TechnicalTwoThirds;
	type CancelOrigin = EitherOfDiverse<CouncilMajority, TechnicalTwoThirds>;
	type UpgradeDelay = UpgradeDelay;
	type AuthorizationWindow = UpgradeAuthorizationWindow;
	type WeightInfo = pallet_upgrades::weights::SubstrateWeight<Runtime>;
}

parameter_types! {
	/// A session lasts an hour; validator changes are queued at a session change and active
	/// from the next one. Kept in storage (`twox_128(":StoredSessionPeriod:")`, a `u32`) so
	/// that a chain may set another in its genesis or with `system.set_storage` (the network
	/// test's chain has sessions of a few blocks, to see a validator join and leave); read
	/// through [`SessionPeriod`].
	pub storage StoredSessionPeriod: BlockNumber = HOURS;
	pub const SessionOffset: BlockNumber = 0;
	/// Held from an account while it has session keys (`session.setKeys`), released by
	/// `session.purgeKeys`: the keys' storage is not free. Genesis validators hold none.
	pub const SessionKeyDeposit: Balance = 10 * UNITS;
}

/// The session length in blocks: [`StoredSessionPeriod`], at least one block (a zero written
/// to storage would make every block's `now % period` divide by zero).
pub struct SessionPeriod;

impl Get<BlockNumber> for SessionPeriod {
	fn get() -> BlockNumber {
		StoredSessionPeriod::get().max(1)
	}
}

impl pallet_session::Config for Runtime {
	type RuntimeEvent = RuntimeEvent;
	type ValidatorId = AccountId;
	type ValidatorIdOf = ConvertInto;
	type ShouldEndSession = pallet_session::PeriodicSessions<SessionPeriod, SessionOffset>;
	type NextSessionRotation = pallet_session::PeriodicSessions<SessionPeriod, SessionOffset>;
	type SessionManager = ValidatorSet;
	type SessionHandler = <SessionKeys as sp_runtime::traits::OpaqueKeys>::KeyTypeIdProviders;
	type Keys = SessionKeys;
	type DisablingStrategy = ();
	type WeightInfo = pallet_session::weights::SubstrateWeight<Runtime>;
	type Currency = Balances;
	/// Governance decides who validates; the deposit pays for the keys' storage.
	type KeyDeposit = SessionKeyDeposit;
}

#[cfg(feature = "runtime-benchmarks")]
/// Gives an account session keys in benchmarks, as `session.setKeys` would.
pub struct SessionKeysHelper;

#[cfg(feature = "runtime-benchmarks")]
impl pallet_validator_set::BenchmarkHelper<AccountId> for SessionKeysHelper {
	fn register_keys(who: &AccountId) {
		use codec::Encode;
		use sp_runtime::traits::{BlakeTwo256, Hash};
		let seed = who.encode();
		let derive = |tag: &[u8]| BlakeTwo256::hash(&[tag, &seed[..]].concat()).0;
		let keys = SessionKeys {
			aura: sp_consensus_aura::sr25519::AuthorityId::from(
				sp_core::sr25519::Public::from_raw(derive(b"aura")),
			),
			grandpa: sp_consensus_grandpa::AuthorityId::from(sp_core::ed25519::Public::from_raw(
				derive(b"gran"),
			)),
		};
		pallet_session::NextKeys::<Runtime>::insert(who, keys);
	}
}

impl pallet_validator_set::Config for Runtime {
	type AddRemoveOrigin = CouncilTwoThirds;
	type ValidatorRegistration = Session;
	type MaxValidators = ConstU32<32>;
	/// GRANDPA tolerates ⌊(n − 1) / 3⌋ faults: with fewer than four validators, none.
	type MinValidators = ConstU32<1>;
	type WeightInfo = pallet_validator_set::weights::SubstrateWeight<Runtime>;
	#[cfg(feature = "runtime-benchmarks")]
	type BenchmarkHelper = SessionKeysHelper;
}

parameter_types! {
	/// The treasury's account: `modlpy/tm/trsry`, holds what fees pay in.
	pub const TreasuryPalletId: frame_support::PalletId = frame_support::PalletId(*b"tm/trsry");
	pub TreasuryAccount: AccountId = pallet_treasury::Pallet::<Runtime>::account_id();
	/// Approved spends are paid out once a week.
	pub const SpendPeriod: BlockNumber = 7 * DAYS;
	/// Nothing is burnt at the end of a spend period: the treasury's income is transaction
	/// fees, whose purpose is to pay for the network (validators' operators, audits, the
	/// gateway); unspent funds stay for the next period. Governance may change it by upgrade.
	pub const TreasuryBurn: Permill = Permill::zero();
	/// A spend must be claimed within thirty days of becoming payable.
	pub const PayoutPeriod: BlockNumber = 30 * DAYS;
	/// The council may spend up to everything the treasury holds with a 2/3 motion.
	pub const MaxTreasurySpend: Balance = Balance::MAX;
}

impl pallet_treasury::Config for Runtime {
	type Currency = Balances;
	/// Rejecting an approved spend: a council majority.
	type RejectOrigin = CouncilMajority;
	type RuntimeEvent = RuntimeEvent;
	type SpendPeriod = SpendPeriod;
	type Burn = TreasuryBurn;
	type PalletId = TreasuryPalletId;
	type BurnDestination = ();
	type WeightInfo = pallet_treasury::weights::SubstrateWeight<Runtime>;
	type SpendFunds = ();
	type MaxApprovals = ConstU32<64>;
	/// Spending: the council, by a 2/3 motion (root on the development chain).
	type SpendOrigin = EnsureWithSuccess<CouncilTwoThirds, AccountId, MaxTreasurySpend>;
	/// Only MED.
	type AssetKind = ();
	type Beneficiary = AccountId;
	type BeneficiaryLookup = IdentityLookup<AccountId>;
	type Paymaster = PayFromAccount<Balances, TreasuryAccount>;
	type BalanceConverter = UnityAssetBalanceConversion;
	type PayoutPeriod = PayoutPeriod;
	#[cfg(feature = "runtime-benchmarks")]
	type BenchmarkHelper = ();
	type BlockNumberProvider = frame_system::Pallet<Runtime>;
}
