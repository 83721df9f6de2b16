//! # Telemed runtime
//!
//! ## Overview
//!
//! The state transition function of the Telemed chain: the trust layer of a telemedicine
//! network. It holds who may do what with a patient's data, proofs that the data exists and is
//! unchanged, the sealed keys that let the right people read it, and the money that moves when
//! care is given. It never holds health data.
//!
//! This file holds only types, the runtime version and the pallet list. Each pallet's
//! configuration lives in [`configs`], the runtime APIs in [`apis`], the named genesis presets
//! in [`genesis_config_presets`].
//!
//! ## Token
//!
//! `MED`, 12 decimals: one MED is [`UNITS`] planck.

#![cfg_attr(not(feature = "std"), no_std)]
// `construct_runtime` needs a high recursion limit.
#![recursion_limit = "256"]

#[cfg(feature = "std")]
include!(concat!(env!("OUT_DIR"), "/wasm_binary.rs"));

extern crate alloc;

use alloc::vec::Vec;

#[cfg(feature = "runtime-benchmarks")]
#[macro_use]
mod benchmarks;
pub mod apis;
pub mod configs;
pub mod genesis_config_presets;
pub mod migrations;
pub mod weights;

use sp_runtime::{
	generic, impl_opaque_keys,
	traits::{BlakeTwo256, IdentifyAccount, Verify},
	MultiAddress, MultiSignature,
};
use sp_version::{runtime_version, RuntimeVersion};

pub use frame_system::Call as SystemCall;
pub use pallet_balances::Call as BalancesCall;
pub use pallet_timestamp::Call as TimestampCall;
#[cfg(any(feature = "std", test))]
pub use sp_runtime::BuildStorage;

/// Opaque types: what the node needs to know of blocks without knowing the runtime's types,
/// so that it keeps syncing across runtime upgrades.
pub mod opaque {
	use super::*;
	use sp_runtime::traits::Hash as HashT;

	pub use sp_runtime::OpaqueExtrinsic as UncheckedExtrinsic;

	/// Opaque block header type.
	pub type Header = generic::Header<BlockNumber, BlakeTwo256>;
	/// Opaque block type.
	pub type Block = generic::Block<Header, UncheckedExtrinsic>;
	/// Opaque block identifier type.
	pub type BlockId = generic::BlockId<Block>;
	/// Opaque block hash type.
	pub type Hash = <BlakeTwo256 as HashT>::Output;
}

impl_opaque_keys! {
	/// The keys a validator registers: Aura to author blocks, GRANDPA to finalise them.
	pub struct SessionKeys {
		/// Block production.
		pub aura: Aura,
		/// Finality.
		pub grandpa: Grandpa,
	}
}

/// The runtime version. `spec_version` must rise with every upgrade that changes behaviour.
#[cfg(not(feature = "upgrade-test"))]
#[runtime_version]
pub const VERSION: RuntimeVersion = RuntimeVersion {
	spec_name: alloc::borrow::Cow::Borrowed("telemed"),
	impl_name: alloc::borrow::Cow::Borrowed("telemed-node"),
	authoring_version: 1,
	spec_version: 100,
	impl_version: 1,
	apis: apis::RUNTIME_API_VERSIONS,
	transaction_version: 1,
	system_version: 1,
};

/// The same runtime with the next `spec_version` (feature `upgrade-test`): the end-to-end test
/// of a runtime upgrade through governance builds it and submits it to a running chain.
#[cfg(feature = "upgrade-test")]
#[runtime_version]
pub const VERSION: RuntimeVersion = RuntimeVersion {
	spec_name: alloc::borrow::Cow::Borrowed("telemed"),
	impl_name: alloc::borrow::Cow::Borrowed("telemed-node"),
	authoring_version: 1,
	spec_version: 101,
	impl_version: 1,
	apis: apis::RUNTIME_API_VERSIONS,
	transaction_version: 1,
	system_version: 1,
};

/// Target block time. Aura's slot is this long; timestamps move by it.
pub const MILLI_SECS_PER_BLOCK: u64 = 6000;

/// Aura slot duration. It cannot change once the chain has started.
pub const SLOT_DURATION: u64 = MILLI_SECS_PER_BLOCK;

/// One minute in blocks.
pub const MINUTES: BlockNumber = 60_000 / (MILLI_SECS_PER_BLOCK as BlockNumber);
/// One hour in blocks.
pub const HOURS: BlockNumber = MINUTES * 60;
/// One day in blocks.
pub const DAYS: BlockNumber = HOURS * 24;

/// One MED in planck (12 decimals).
pub const UNITS: Balance = 1_000_000_000_000;
/// A thousandth of a MED.
pub const MILLI_UNITS: Balance = UNITS / 1_000;
/// A millionth of a MED.
pub const MICRO_UNITS: Balance = UNITS / 1_000_000;

/// The smallest balance an account may hold; below it the account is reaped.
pub const EXISTENTIAL_DEPOSIT: Balance = MILLI_UNITS;

/// Token symbol, for chain-spec properties and wallets.
pub const TOKEN_SYMBOL: &str = "MED";
/// Token decimals, for chain-spec properties and wallets.
pub const TOKEN_DECIMALS: u8 = 12;
/// SS58 address prefix: the generic Substrate prefix.
pub const SS58_PREFIX: u16 = 42;

/// Block number.
pub type BlockNumber = u32;

/// Signature of a transaction: sr25519, ed25519 or ecdsa.
pub type Signature = MultiSignature;

/// An account: the public key of the signing scheme.
pub type AccountId = <<Signature as Verify>::Signer as IdentifyAccount>::AccountId;

/// A balance, in planck.
pub type Balance = u128;

/// Transaction counter of an account.
pub type Nonce = u32;

/// Block and state hash.
pub type Hash = sp_core::H256;

/// How transactions address accounts.
pub type Address = MultiAddress<AccountId, ()>;

/// Block header.
pub type Header = generic::Header<BlockNumber, BlakeTwo256>;

/// Block.
pub type Block = generic::Block<Header, UncheckedExtrinsic>;

/// The checks every signed transaction passes, in order. `CheckMetadataHash` lets an offline
/// wallet prove which metadata it decoded the call with (RFC-0078). The fee is skipped for
/// calls marked `feeless_if` whose condition holds (a patient revoking their own consent).
pub type TxExtension = (
	frame_system::AuthorizeCall<Runtime>,
	frame_system::CheckNonZeroSender<Runtime>,
	frame_system::CheckSpecVersion<Runtime>,
	frame_system::CheckTxVersion<Runtime>,
	frame_system::CheckGenesis<Runtime>,
	frame_system::CheckEra<Runtime>,
	frame_system::CheckNonce<Runtime>,
	frame_system::CheckWeight<Runtime>,
	pallet_skip_feeless_payment::SkipCheckIfFeeless<
		Runtime,
		pallet_transaction_payment::ChargeTransactionPayment<Runtime>,
	>,
	frame_metadata_hash_extension::CheckMetadataHash<Runtime>,
	frame_system::WeightReclaim<Runtime>,
);

/// Extrinsic as the runtime decodes it.
pub type UncheckedExtrinsic =
	generic::UncheckedExtrinsic<Address, RuntimeCall, Signature, TxExtension>;

/// The payload a signer signs.
pub type SignedPayload = generic::SignedPayload<RuntimeCall, TxExtension>;

/// Storage migrations run at the next runtime upgrade, beyond those of the pallets. Each is
/// versioned (it runs once, when the pallet's on-chain storage version matches) and checks
/// itself with `pre_upgrade`/`post_upgrade` under `try-runtime`.
type Migrations = (
	pallet_billing::migrations::v2::MigrateV1ToV2<Runtime>,
	pallet_billing::migrations::v3::MigrateV2ToV3<Runtime>,
	// Records before consent: consent's migrations resolve record scopes through the records
	// pallet as the current code reads it (the stable identity of v2, the layout of v3), and
	// consent's v3 prunes envelopes through records' new envelope index.
	pallet_records::migrations::v2::MigrateV1ToV2<Runtime>,
	pallet_records::migrations::v3::MigrateV2ToV3<Runtime>,
	// The index of the patients each grantee holds envelopes for (a licence revoked for good
	// sweeps it), before consent's v3 prunes envelopes through it.
	pallet_records::migrations::v4::MigrateV3ToV4<Runtime>,
	// A registered patient's list of record versions is kept, empty or not: `add_record`
	// reads it alone to know the patient registered. Independent of the others.
	pallet_records::migrations::v5::MigrateV4ToV5<Runtime>,
	// Each listed version keeps its record's identity: a consent naming records reads the
	// patient's list once. Independent of the others (it reads the records as they are).
	pallet_records::migrations::v6::MigrateV5ToV6<Runtime>,
	// Practitioners v2 and v3 before consent v3: consent's pruning checks licences through the
	// summary of active licences and the table of accreditations (before they are built,
	// nobody is licensed).
	pallet_practitioners::migrations::v2::MigrateV1ToV2<Runtime>,
	pallet_practitioners::migrations::v3::MigrateV2ToV3<Runtime>,
	pallet_consent::migrations::v2::MigrateV1ToV2<Runtime>,
	// Builds the (patient, grantee) index itself before it prunes envelopes.
	pallet_consent::migrations::v3::MigrateV2ToV3<Runtime>,
	// The (patient, grantee) index: rebuilt (the same as v3 built it, if v3 ran), and the
	// consents over the per-grantee bound cleaned up.
	pallet_consent::migrations::v4::MigrateV3ToV4<Runtime>,
	// The index keeps each consent's provision, and the consents of ended appointments are
	// marked lapsed: the access check reads neither the consents nor the delegations.
	pallet_consent::migrations::v5::MigrateV4ToV5<Runtime>,
	// Each provision keeps its consent's depositor and deposit: a grant at the per-grantee
	// bound cleans up without reading the consent.
	pallet_consent::migrations::v6::MigrateV5ToV6<Runtime>,
	// Each open prescription version keeps the hash of its ciphertext (none for those issued
	// before): independent of the others.
	pallet_prescriptions::migrations::v2::MigrateV1ToV2<Runtime>,
	// What the keyless accounts of earlier releases hold (slashed emergency deposits, the
	// billing network fee) moves to the treasury, where both now go: independent of the others.
	migrations::RetireKeylessAccounts,
);

/// Dispatches calls to the pallets and runs the block lifecycle.
pub type Executive = frame_executive::Executive<
	Runtime,
	Block,
	frame_system::ChainContext<Runtime>,
	Runtime,
	AllPalletsWithSystem,
	Migrations,
>;

/// The council's instance of `pallet-collective`.
pub type CouncilCollective = pallet_collective::Instance1;

/// The technical committee's instance of `pallet-collective`.
pub type TechnicalCollective = pallet_collective::Instance2;

/// The pallets of the runtime. Indices are part of the encoding of calls and storage: never
/// reuse or renumber one.
#[frame_support::runtime]
mod runtime {
	#[runtime::runtime]
	#[runtime::derive(
		RuntimeCall,
		RuntimeEvent,
		RuntimeError,
		RuntimeOrigin,
		RuntimeFreezeReason,
		RuntimeHoldReason,
		RuntimeSlashReason,
		RuntimeLockId,
		RuntimeTask,
		RuntimeViewFunction
	)]
	pub struct Runtime;

	/// Accounts, blocks, events, runtime code.
	#[runtime::pallet_index(0)]
	pub type System = frame_system;

	/// Time in milliseconds, set by the block author's inherent.
	#[runtime::pallet_index(1)]
	pub type Timestamp = pallet_timestamp;

	/// Block authoring in slots.
	#[runtime::pallet_index(2)]
	pub type Aura = pallet_aura;

	/// Finality.
	#[runtime::pallet_index(3)]
	pub type Grandpa = pallet_grandpa;

	/// MED balances, holds and freezes.
	#[runtime::pallet_index(4)]
	pub type Balances = pallet_balances;

	/// Transaction fees.
	#[runtime::pallet_index(5)]
	pub type TransactionPayment = pallet_transaction_payment;

	/// Temporary superuser, until governance lands; never on a live network.
	#[runtime::pallet_index(6)]
	pub type Sudo = pallet_sudo;

	/// Licensing authorities, practitioner profiles and licences.
	#[runtime::pallet_index(7)]
	pub type Practitioners = pallet_practitioners;

	/// Consents, delegates, break-glass access and the disclosure log.
	#[runtime::pallet_index(8)]
	pub type Consent = pallet_consent;

	/// Lets `feeless_if` calls through without a fee.
	#[runtime::pallet_index(9)]
	pub type SkipFeelessPayment = pallet_skip_feeless_payment;

	/// Patients, anchored and versioned encrypted records, key envelopes, wearable batches.
	#[runtime::pallet_index(10)]
	pub type Records = pallet_records;

	/// Fee schedules, consultations in escrow, insurers, policies, claims, disputes.
	#[runtime::pallet_index(11)]
	pub type Billing = pallet_billing;

	/// The council: hospitals, regulators, insurers.
	#[runtime::pallet_index(12)]
	pub type Council = pallet_collective<Instance1>;

	/// Who sits on the council.
	#[runtime::pallet_index(13)]
	pub type CouncilMembership = pallet_membership<Instance1>;

	/// The technical committee: fast-tracks urgent upgrades.
	#[runtime::pallet_index(14)]
	pub type TechnicalCommittee = pallet_collective<Instance2>;

	/// Who sits on the technical committee.
	#[runtime::pallet_index(15)]
	pub type TechnicalMembership = pallet_membership<Instance2>;

	/// Dispatches calls later: the upgrade timelock.
	#[runtime::pallet_index(16)]
	pub type Scheduler = pallet_scheduler;

	/// Keeps large scheduled calls.
	#[runtime::pallet_index(17)]
	pub type Preimage = pallet_preimage;

	/// Runtime upgrades through governance.
	#[runtime::pallet_index(18)]
	pub type Upgrades = pallet_upgrades;

	/// The validators, changed by governance.
	#[runtime::pallet_index(19)]
	pub type ValidatorSet = pallet_validator_set;

	/// Sessions: validators' Aura and GRANDPA keys.
	#[runtime::pallet_index(20)]
	pub type Session = pallet_session;

	/// Who authored the current block: the author's share of transaction fees.
	#[runtime::pallet_index(21)]
	pub type Authorship = pallet_authorship;

	/// The network's funds: most of every transaction fee; the council spends them.
	#[runtime::pallet_index(22)]
	pub type Treasury = pallet_treasury;

	/// E-prescriptions: commitments, fills dispensed with one-time secrets.
	#[runtime::pallet_index(23)]
	pub type Prescriptions = pallet_prescriptions;

	/// Batches of calls.
	#[runtime::pallet_index(24)]
	pub type Utility = pallet_utility;

	/// Multisig accounts: clinics and insurers are several people.
	#[runtime::pallet_index(25)]
	pub type Multisig = pallet_multisig;

	/// Proxies with the domain's types (`configs::ProxyType`).
	#[runtime::pallet_index(26)]
	pub type Proxy = pallet_proxy;
}
