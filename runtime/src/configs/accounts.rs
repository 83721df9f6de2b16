//! What wallets and organisations expect of accounts (issue 18): batches (`pallet-utility`),
//! multisig accounts (`pallet-multisig`: a clinic or an insurer is several people) and proxies
//! (`pallet-proxy`) whose types fit the domain.
//!
//! # Proxy types
//!
//! A proxy acts for the account that added it, for the calls its type allows; anything else is
//! refused with `CallFiltered` (the proxy call itself succeeds, its `ProxyExecuted` event
//! carries the error). The filter follows the call into `utility` batches: a batch of allowed
//! calls passes, a batch with one other call does not. `multisig` is open to `Any` only: a
//! multisig call dispatches as the multisig account, out of the proxy's filter.
//!
//! | type | may | may not |
//! |---|---|---|
//! | `Any` | everything | |
//! | `NonTransfer` | everything that moves no money: records, consent, practitioners, prescriptions, governance | `balances`, `billing` (escrow, payouts, pools), `treasury`, `multisig`, `sudo` (it dispatches as root, out of any filter) |
//! | `Governance` | the council's and the technical committee's motions and votes | anything else |
//! | `FrontDesk` (a clinic's front desk, for a practitioner) | the fee schedule; accept, decline, cancel bookings, mark them delivered; clean up lapsed and closed ones | read or add records, publish the visit's session key (that would let it into the consultation), move funds, anything else |
//! | `PatientCare` (a guardian's device, for a patient) | grant and revoke consents; add and amend records and seal their keys; book, cancel, confirm or dispute a visit and join it (its session key); cancel a prescription | move funds, shred, deregister, rotate the health key, appoint delegates, anything else |

use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use frame_support::{parameter_types, traits::InstanceFilter};
use scale_info::TypeInfo;
use sp_runtime::traits::BlakeTwo256;

use super::super::{
	Balance, Balances, OriginCaller, Runtime, RuntimeCall, RuntimeEvent, MILLI_UNITS, UNITS,
};

impl pallet_utility::Config for Runtime {
	type RuntimeEvent = RuntimeEvent;
	type RuntimeCall = RuntimeCall;
	type PalletsOrigin = OriginCaller;
	type WeightInfo = crate::weights::pallet_utility::WeightInfo<Runtime>;
}

/// A deposit for `items` storage items holding `bytes` bytes: 0.1 MED an item, 1 milli-MED a
/// byte (the scale of the domain pallets' deposits).
pub const fn deposit(items: u32, bytes: u32) -> Balance {
	items as Balance * 100 * MILLI_UNITS + bytes as Balance * MILLI_UNITS
}

parameter_types! {
	/// A multisig operation's deposit: its storage item (an account, a timepoint, the
	/// approvals) ...
	pub const MultisigDepositBase: Balance = deposit(1, 88);
	/// ... and 32 bytes a signatory.
	pub const MultisigDepositFactor: Balance = deposit(0, 32);
	/// A proxy list's deposit: its storage item ...
	pub const ProxyDepositBase: Balance = deposit(1, 8);
	/// ... and a proxy's entry (an account, a type, a delay).
	pub const ProxyDepositFactor: Balance = deposit(0, 33);
	/// An announcement list's deposit ...
	pub const AnnouncementDepositBase: Balance = deposit(1, 8);
	/// ... and an announcement's entry (an account, a call hash, a block number).
	pub const AnnouncementDepositFactor: Balance = deposit(0, 66);
}

impl pallet_multisig::Config for Runtime {
	type RuntimeEvent = RuntimeEvent;
	type RuntimeCall = RuntimeCall;
	type Currency = Balances;
	type DepositBase = MultisigDepositBase;
	type DepositFactor = MultisigDepositFactor;
	/// A council-sized organisation.
	type MaxSignatories = frame_support::traits::ConstU32<32>;
	type WeightInfo = crate::weights::pallet_multisig::WeightInfo<Runtime>;
	type BlockNumberProvider = frame_system::Pallet<Runtime>;
}

/// What a proxy may do for the account that added it (the module's table).
#[derive(
	Copy,
	Clone,
	Eq,
	PartialEq,
	Ord,
	PartialOrd,
	Encode,
	Decode,
	DecodeWithMemTracking,
	Debug,
	MaxEncodedLen,
	TypeInfo,
	Default,
)]
pub enum ProxyType {
	/// Everything (the most permissive: `pallet-proxy` requires it to be the default).
	#[default]
	#[codec(index = 0)]
	Any,
	/// Everything that moves no money.
	#[codec(index = 1)]
	NonTransfer,
	/// The council's and the technical committee's motions and votes.
	#[codec(index = 2)]
	Governance,
	/// A clinic's front desk for a practitioner: the fee schedule and the bookings' course.
	#[codec(index = 3)]
	FrontDesk,
	/// A guardian's device for a patient: consents, records, visits, prescriptions.
	#[codec(index = 4)]
	PatientCare,
}

/// Calls every type but `Any` treats the same: batches (whose calls the filter then checks one
/// by one) pass, a multisig call does not (it dispatches out of the proxy's filter).
fn common(c: &RuntimeCall) -> Option<bool> {
	match c {
		RuntimeCall::Utility(
			pallet_utility::Call::batch { .. }
			| pallet_utility::Call::batch_all { .. }
			| pallet_utility::Call::force_batch { .. },
		) => Some(true),
		RuntimeCall::Multisig(..) => Some(false),
		_ => None,
	}
}

impl InstanceFilter<RuntimeCall> for ProxyType {
	fn filter(&self, c: &RuntimeCall) -> bool {
		if *self == ProxyType::Any {
			return true;
		}
		if let Some(answer) = common(c) {
			return answer;
		}
		match self {
			ProxyType::Any => true,
			// Sudo dispatches its call as root, out of any filter.
			ProxyType::NonTransfer => !matches!(
				c,
				RuntimeCall::Balances(..)
					| RuntimeCall::Billing(..)
					| RuntimeCall::Treasury(..)
					| RuntimeCall::Sudo(..)
					| RuntimeCall::Utility(..)
			),
			ProxyType::Governance => {
				matches!(c, RuntimeCall::Council(..) | RuntimeCall::TechnicalCommittee(..))
			},
			ProxyType::FrontDesk => matches!(
				c,
				RuntimeCall::Billing(
					pallet_billing::Call::set_service { .. }
						| pallet_billing::Call::withdraw_service { .. }
						| pallet_billing::Call::accept { .. }
						| pallet_billing::Call::decline { .. }
						| pallet_billing::Call::cancel { .. }
						| pallet_billing::Call::mark_delivered { .. }
						| pallet_billing::Call::release_lapsed { .. }
						| pallet_billing::Call::reap { .. }
				)
			),
			ProxyType::PatientCare => matches!(
				c,
				RuntimeCall::Consent(
					pallet_consent::Call::grant_consent { .. }
						| pallet_consent::Call::revoke_consent { .. }
						| pallet_consent::Call::remove_consent { .. }
				) | RuntimeCall::Records(
					pallet_records::Call::add_record { .. }
						| pallet_records::Call::amend_record { .. }
						| pallet_records::Call::add_envelope { .. }
						| pallet_records::Call::remove_envelope { .. }
				) | RuntimeCall::Billing(
					pallet_billing::Call::book { .. }
						| pallet_billing::Call::cancel { .. }
						| pallet_billing::Call::confirm { .. }
						| pallet_billing::Call::dispute { .. }
						| pallet_billing::Call::publish_session_key { .. }
				) | RuntimeCall::Prescriptions(pallet_prescriptions::Call::cancel { .. })
			),
		}
	}

	fn is_superset(&self, o: &Self) -> bool {
		match (self, o) {
			(x, y) if x == y => true,
			(ProxyType::Any, _) => true,
			(_, ProxyType::Any) => false,
			// Governance moves no money.
			(ProxyType::NonTransfer, ProxyType::Governance) => true,
			_ => false,
		}
	}
}

impl pallet_proxy::Config for Runtime {
	type RuntimeEvent = RuntimeEvent;
	type RuntimeCall = RuntimeCall;
	type Currency = Balances;
	type ProxyType = ProxyType;
	type ProxyDepositBase = ProxyDepositBase;
	type ProxyDepositFactor = ProxyDepositFactor;
	type MaxProxies = frame_support::traits::ConstU32<16>;
	type WeightInfo = crate::weights::pallet_proxy::WeightInfo<Runtime>;
	type MaxPending = frame_support::traits::ConstU32<16>;
	type CallHasher = BlakeTwo256;
	type AnnouncementDepositBase = AnnouncementDepositBase;
	type AnnouncementDepositFactor = AnnouncementDepositFactor;
	type BlockNumberProvider = frame_system::Pallet<Runtime>;
}

// Deposits stay below a unit: a proxy for a practitioner's front desk costs 0.141 MED.
const _: () = assert!(deposit(1, 8) + deposit(0, 33) < UNITS);
