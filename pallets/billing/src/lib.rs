//! # Billing
//!
//! A telemedicine visit is booked, paid and claimed without an administrator in the middle:
//! money sits in escrow, moves when both sides agree or a deadline passes, and claims are
//! checked against what really happened.
//!
//! ## Overview
//!
//! Licensed practitioners publish fee schedules. A patient (or a delegate with `BookCare`)
//! books a service for a time; the price is **held** from the booker (a `fungible` hold, not a
//! transfer). Under an insurance policy, the patient's copay is held from the booker and the
//! insurer's share is reserved in the insurer's pool (also held). The practitioner accepts or
//! declines, delivers, and is paid when the patient confirms or when the dispute window ends
//! without a dispute. Settling an insured visit creates a claim, checked by the chain for
//! fraud before the insurer sees it; the insurer approves or denies it before a deadline, and
//! silence approves. Disputes go to an arbiter origin (the council).
//!
//! The pallet asks the others through `telemed_primitives`: [`PractitionerRegistry`]
//! (licences), [`ConsentVerifier`] (the patient's consent to the insurer for purpose
//! `Payment`) and [`DelegationInspector`] (delegates with `BookCare`).
//!
//! ## Terminology
//!
//! - **Service**: an entry of a practitioner's fee schedule: code, the hash of its
//!   description (the text is kept off chain), price, duration.
//! - **Consultation**: a booked visit and its escrow.
//! - **Patient share / insurer share**: the insurer pays `coverage × price` (rounded down),
//!   the patient the rest (the copay); self-paid, the patient pays it all.
//! - **Pool**: what an insurer holds to pay claims; `committed` is the part promised to open
//!   bookings and pending claims.
//! - **Network fee**: [`Config::NetworkFee`] of every payout to a practitioner, paid to
//!   [`Config::FeeDestination`]. The only money billing moves anywhere but between the
//!   parties of a visit; billing mints and burns nothing.
//!
//! ## Rules
//!
//! - **Cancellation**: before acceptance, either side cancels with a full refund (the
//!   practitioner by declining). After acceptance the practitioner may cancel any time
//!   before delivery, with a full refund. The patient may cancel before the visit's time for a
//!   fee of [`Config::CancellationFee`] of the price, taken from the patient's share (at most
//!   all of it) and paid to the practitioner (less the network fee, as every payout); the
//!   insurer's share is released. If the
//!   practitioner has not delivered [`Config::NoShowGrace`] after the visit's end, the patient
//!   cancels with a full refund. Between the visit's time and then, the visit is under way
//!   and cannot be cancelled.
//! - **Delivery**: the practitioner marks the visit delivered from its time on, optionally
//!   with the commitment of the encounter record. Whether the practitioner held a valid
//!   licence then is recorded: **a practitioner without one cannot be paid** — settling such a
//!   visit refunds the patient in full and claims nothing.
//! - **Settlement**: the patient confirms (settles at once) or disputes within
//!   [`Config::DisputeWindow`] of delivery; after the window anyone may settle. The patient's
//!   share goes to the practitioner (less the network fee); the insurer's share becomes a claim.
//! - **Claims**: created at settlement and checked: the visit was delivered; the practitioner
//!   was licensed at delivery; the patient consents to the insurer for purpose `Payment` (see
//!   *Payment consent* below); the policy was in force at delivery and covers the service; the
//!   annual limit holds; the same visit (patient, practitioner, service, time) was not claimed
//!   before. A failed check rejects the claim with the reason. The insurer then has
//!   [`Config::ClaimDeadline`] to approve or deny; no answer approves. **A rejected or denied
//!   claim returns the insurer's share to its pool and leaves the patient not liable**: the
//!   practitioner accepted the booking under the policy, and bears the risk of its claim (no
//!   balance billing).
//! - **Annual limit**: what claims use of a policy's annual limit is kept per policy year
//!   (`PolicyUsage`), and a claim is charged to the policy year of the visit's **delivery**, so
//!   claims settled late or out of order never reset another year's usage. A denied claim gives
//!   its amount back to the year it was charged to.
//! - **Nobody confirms a visit they are paid for**: the practitioner cannot confirm or dispute
//!   their own visit, even as the patient's `BookCare` delegate or as its booker.
//! - **Disputes**: the disputer (the patient side) holds [`Config::DisputeBond`]. The arbiter
//!   refunds a fraction to the patient side (the booker's share and the insurer's reservation,
//!   in proportion) and settles the rest as above. A dispute is **upheld** when the arbiter
//!   refunds any part (or the practitioner was not licensed at delivery, and is paid nothing
//!   anyway): the bond goes back to the disputer. A dispute **rejected** (nothing refunded)
//!   forfeits the bond to the practitioner, as a payout (less the network fee): the one whose
//!   pay was held up by it. If the arbiter has not decided [`Config::DisputeDeadline`] after the
//!   dispute, anyone may close it by the **default: an even split** (half refunded, half
//!   settled) and the bond goes back. Why half: the chain cannot tell who is right, and an even
//!   split bounds what either side loses to the arbiter's silence at half the price, while
//!   neither side gains from stalling — the practitioner cannot get paid in full by waiting,
//!   the patient cannot get a full refund by disputing. The bond is returned because the
//!   silence is the arbiter's, not the disputer's fault.
//! - **Lapsed bookings**: a booking the practitioner has not accepted by the visit's time
//!   lapses: it can no longer be accepted, and anyone may release it (full refund, the
//!   insurer's reservation returned, the place in both open lists freed).
//! - **Deposits and reaping**: the booker holds [`Config::ConsultationDeposit`] from booking
//!   until the consultation is reaped. Anyone may reap a closed consultation (settled,
//!   resolved, refunded, cancelled, declined, lapsed) whose claim, if any, is final (approved,
//!   denied or rejected): the consultation, its claim and their indices are removed and the
//!   deposit goes back to the booker. The duplicate-claim key of a claimed visit
//!   (`ClaimedVisits`) is kept as long as it matters: a visit's time is past once it was
//!   delivered, so no new booking can reach the same key again; only a consultation for the
//!   same visit booked before may still be open. The key is removed when the last
//!   consultation of the visit (the claimed one or an open duplicate) is reaped, so a replay
//!   is refused as a duplicate even after the original was reaped.
//!
//! - **Session keys**: while a consultation is accepted (from acceptance until it is marked
//!   delivered or cancelled), its patient and its practitioner each publish an ephemeral
//!   X25519 key for it ([`Pallet::publish_session_key`]), signed by their own account: nobody
//!   else (not the booker, not a delegate) can put a key there. The two clients derive the
//!   visit's end-to-end session secret from exactly these two keys (the SDK's channel), so a
//!   man in the middle who swaps keys on the way is caught by comparing with the chain. A
//!   party may replace its key (a restarted device), which raises the key's revision and is
//!   announced by its own event, `SessionKeyReplaced`, so a swap is never silent. The keys
//!   expire with the visit: marking it delivered or cancelling it removes them
//!   (`SessionKeysExpired`); a booking never accepted never had any. The entry is bounded (two
//!   keys) and covered by the consultation deposit.
//!
//! - **Payment consent**: the chain knows no data categories (records carry blinded tags it
//!   cannot read), so the claim check does not ask for consent to a kind of data. It asks
//!   [`ConsentVerifier::check_access`] whether the insurer may `Read` the patient's
//!   [`AccessTarget::Relationship`] for purpose `Payment`: the standing relationship itself,
//!   no data. A permit of **any** scope (all data, some tags, some records) for `Read` and
//!   `Payment` passes it: a patient who lets an insurer read anything for payment consents to
//!   being its claimant. Only a deny of all data for `Read` and `Payment` blocks it; with no
//!   consent at all the claim is rejected (`NoPaymentConsent`). What the insurer may then read
//!   of the records is decided per record by the consent pallet, not here.
//!
//! ## Privacy
//!
//! Events name ids, accounts and amounts only: nothing in an event about a patient's booking
//! says which service was booked. The service code stays in the consultation's state, where
//! the coverage and duplicate checks need it; fee schedules (code, price, duration and the
//! hash of a description) are public by design. A service's description is stored as the hash
//! of a text kept off chain; insurers' names are organisation names, public.
//!
//! ## Pallet API
//!
//! Practitioners: [`Pallet::set_service`], [`Pallet::withdraw_service`], [`Pallet::accept`],
//! [`Pallet::decline`], [`Pallet::mark_delivered`], [`Pallet::cancel`].
//!
//! Patients and delegates: [`Pallet::book`], [`Pallet::cancel`], [`Pallet::confirm`],
//! [`Pallet::dispute`].
//!
//! The patient and the practitioner of an accepted visit: [`Pallet::publish_session_key`]
//! (read back from the `SessionKeysOf` storage item).
//!
//! Anyone: [`Pallet::settle`], [`Pallet::finalize_claim`], [`Pallet::release_lapsed`],
//! [`Pallet::close_dispute`], [`Pallet::reap`].
//!
//! Insurers: [`Pallet::fund_pool`], [`Pallet::withdraw_pool`], [`Pallet::issue_policy`],
//! [`Pallet::end_policy`], [`Pallet::adjudicate_claim`].
//!
//! Governance: [`Pallet::register_insurer`]; arbiter: [`Pallet::resolve_dispute`].

#![cfg_attr(not(feature = "std"), no_std)]
#![deny(missing_docs)]

extern crate alloc;

pub use impls::{HOLD_REASONS, MAX_PAGE_SCAN};
pub use pallet::*;
pub use types::*;
pub use weights::WeightInfo;

#[cfg(feature = "runtime-benchmarks")]
mod benchmarking;
mod impls;
pub mod migrations;
#[cfg(test)]
mod mock;
#[cfg(test)]
mod tests;
mod try_state;
mod types;
pub mod weights;

#[cfg(doc)]
use telemed_primitives::AccessTarget;
use telemed_primitives::{ConsentVerifier, DelegationInspector, PractitionerRegistry};

#[frame_support::pallet]
pub mod pallet {
	use super::*;
	use frame_support::{
		pallet_prelude::*,
		traits::{
			fungible::{Inspect, Mutate, MutateHold},
			Time,
		},
	};
	use frame_system::pallet_prelude::*;
	use sp_runtime::Permill;
	use telemed_primitives::{ClaimId, ConsultationId, Hash256, KeyAgreementKey, Moment, PolicyId};

	/// The balance type of [`Config::Currency`].
	pub type BalanceOf<T> =
		<<T as Config>::Currency as Inspect<<T as frame_system::Config>::AccountId>>::Balance;

	/// A service as stored.
	pub type ServiceOf<T> = Service<BalanceOf<T>>;

	/// A consultation as stored.
	pub type ConsultationOf<T> = Consultation<<T as frame_system::Config>::AccountId, BalanceOf<T>>;

	/// An insurer as stored.
	pub type InsurerOf<T> = Insurer<BalanceOf<T>, <T as Config>::MaxNameLen>;

	/// A policy as stored.
	pub type PolicyOf<T> =
		Policy<<T as frame_system::Config>::AccountId, BalanceOf<T>, <T as Config>::MaxCovered>;

	/// A claim as stored.
	pub type ClaimOf<T> = Claim<<T as frame_system::Config>::AccountId, BalanceOf<T>>;

	/// An open dispute as stored.
	pub type DisputeOf<T> = Dispute<<T as frame_system::Config>::AccountId, BalanceOf<T>>;

	/// The in-code storage version: 3 since services keep the hash of their description (see
	/// [`crate::migrations::v3`]); 2 since the consultation deposit, per-year policy usage and
	/// dispute bonds (see [`crate::migrations::v2`]).
	pub const STORAGE_VERSION: StorageVersion = StorageVersion::new(3);

	#[pallet::pallet]
	#[pallet::storage_version(STORAGE_VERSION)]
	pub struct Pallet<T>(_);

	/// Configuration of the billing pallet.
	#[pallet::config]
	pub trait Config: frame_system::Config<RuntimeEvent: From<Event<Self>>> {
		/// Holds escrows, insurers' pools and service deposits.
		type Currency: MutateHold<Self::AccountId, Reason = Self::RuntimeHoldReason>
			+ Mutate<Self::AccountId>;

		/// The runtime's hold reasons, of which [`HoldReason`] is part.
		type RuntimeHoldReason: From<HoldReason>;

		/// The chain's clock: milliseconds since the Unix epoch.
		type Time: Time<Moment = Moment>;

		/// Who holds a valid licence now.
		type Practitioners: PractitionerRegistry<Self::AccountId>;

		/// The patient's consents (to the insurer, for purpose `Payment`, asked about the
		/// relationship itself: [`AccessTarget::Relationship`]).
		type Consent: ConsentVerifier<Self::AccountId>;

		/// Who may book for a patient (`BookCare`).
		type Delegation: DelegationInspector<Self::AccountId>;

		/// Registers insurers.
		type GovernanceOrigin: EnsureOrigin<Self::RuntimeOrigin>;

		/// Resolves disputes.
		type ArbiterOrigin: EnsureOrigin<Self::RuntimeOrigin>;

		/// Receives the network fee.
		type FeeDestination: Get<Self::AccountId>;

		/// The part of every payout to a practitioner that goes to [`Config::FeeDestination`].
		#[pallet::constant]
		type NetworkFee: Get<Permill>;

		/// The part of the price a patient pays for cancelling an accepted visit before its
		/// time (at most the patient's share).
		#[pallet::constant]
		type CancellationFee: Get<Permill>;

		/// Held from a practitioner for each service of their schedule.
		#[pallet::constant]
		type ServiceDeposit: Get<BalanceOf<Self>>;

		/// How long after delivery the patient may dispute, in milliseconds.
		#[pallet::constant]
		type DisputeWindow: Get<Moment>;

		/// How long an insurer has to answer a claim, in milliseconds.
		#[pallet::constant]
		type ClaimDeadline: Get<Moment>;

		/// How long after a visit's end an undelivered visit counts as a no-show, in
		/// milliseconds.
		#[pallet::constant]
		type NoShowGrace: Get<Moment>;

		/// Held from whoever disputes a visit until the dispute ends: back if upheld, paid to
		/// the practitioner if rejected.
		#[pallet::constant]
		type DisputeBond: Get<BalanceOf<Self>>;

		/// How long the arbiter has to decide a dispute, in milliseconds; after it anyone may
		/// close the dispute by the default (an even split).
		#[pallet::constant]
		type DisputeDeadline: Get<Moment>;

		/// Held from the booker of every consultation until it is reaped, for the storage of
		/// the consultation and its claim.
		#[pallet::constant]
		type ConsultationDeposit: Get<BalanceOf<Self>>;

		/// The longest insurer name.
		#[pallet::constant]
		type MaxNameLen: Get<u32>;

		/// How many service codes a policy may cover.
		#[pallet::constant]
		type MaxCovered: Get<u32>;

		/// How many services a practitioner may publish.
		#[pallet::constant]
		type MaxServices: Get<u32>;

		/// How many open consultations a patient, or a practitioner, may have.
		#[pallet::constant]
		type MaxOpenConsultations: Get<u32>;

		/// Weights of the calls, from the benchmarks.
		type WeightInfo: WeightInfo;
	}

	/// Why this pallet holds funds.
	#[pallet::composite_enum]
	pub enum HoldReason {
		/// The patient's share of an open consultation, held from the booker.
		#[codec(index = 0)]
		Escrow,
		/// An insurer's pool.
		#[codec(index = 1)]
		InsurerPool,
		/// The deposit of a service in a fee schedule.
		#[codec(index = 2)]
		ServiceDeposit,
		/// The bond of an open dispute, held from the disputer.
		#[codec(index = 3)]
		DisputeBond,
		/// The deposit of a consultation (and its claim), held from the booker until reaped.
		#[codec(index = 4)]
		ConsultationDeposit,
	}

	/// Fee schedules: each practitioner's services by code.
	// Hasher: the practitioner and the code are user-chosen: `Blake2_128Concat`.
	#[pallet::storage]
	pub type Services<T: Config> = StorageDoubleMap<
		_,
		Blake2_128Concat,
		T::AccountId,
		Blake2_128Concat,
		ServiceCode,
		ServiceOf<T>,
		OptionQuery,
	>;

	/// How many services each practitioner publishes, to bound them.
	// Hasher: user-chosen key (the practitioner): `Blake2_128Concat`.
	#[pallet::storage]
	pub type ServiceCount<T: Config> =
		StorageMap<_, Blake2_128Concat, T::AccountId, u32, ValueQuery>;

	/// Every consultation, by id; closed ones stay, for the record and the claims, until reaped.
	// Hasher: ids are assigned sequentially by the pallet: `Twox64Concat`.
	#[pallet::storage]
	pub type Consultations<T: Config> =
		StorageMap<_, Twox64Concat, ConsultationId, ConsultationOf<T>, OptionQuery>;

	/// The id the next consultation will get.
	#[pallet::storage]
	pub type NextConsultationId<T> = StorageValue<_, ConsultationId, ValueQuery>;

	/// Each patient's open consultations.
	// Hasher: user-chosen key (the patient): `Blake2_128Concat`.
	#[pallet::storage]
	pub type OpenOfPatient<T: Config> = StorageMap<
		_,
		Blake2_128Concat,
		T::AccountId,
		BoundedVec<ConsultationId, T::MaxOpenConsultations>,
		ValueQuery,
	>;

	/// Each practitioner's open consultations: their schedule.
	// Hasher: user-chosen key (the practitioner): `Blake2_128Concat`.
	#[pallet::storage]
	pub type OpenOfPractitioner<T: Config> = StorageMap<
		_,
		Blake2_128Concat,
		T::AccountId,
		BoundedVec<ConsultationId, T::MaxOpenConsultations>,
		ValueQuery,
	>;

	/// Registered insurers and their pools.
	// Hasher: user-chosen key (the insurer): `Blake2_128Concat`.
	#[pallet::storage]
	pub type Insurers<T: Config> =
		StorageMap<_, Blake2_128Concat, T::AccountId, InsurerOf<T>, OptionQuery>;

	/// Every policy, by id.
	// Hasher: ids are assigned sequentially by the pallet: `Twox64Concat`.
	#[pallet::storage]
	pub type Policies<T: Config> = StorageMap<_, Twox64Concat, PolicyId, PolicyOf<T>, OptionQuery>;

	/// The id the next policy will get.
	#[pallet::storage]
	pub type NextPolicyId<T> = StorageValue<_, PolicyId, ValueQuery>;

	/// Every claim, by id.
	// Hasher: ids are assigned sequentially by the pallet: `Twox64Concat`.
	#[pallet::storage]
	pub type Claims<T: Config> = StorageMap<_, Twox64Concat, ClaimId, ClaimOf<T>, OptionQuery>;

	/// The id the next claim will get.
	#[pallet::storage]
	pub type NextClaimId<T> = StorageValue<_, ClaimId, ValueQuery>;

	/// The claim of each insured consultation.
	// Hasher: ids are assigned by the pallet: `Twox64Concat`.
	#[pallet::storage]
	pub type ClaimOfConsultation<T: Config> =
		StorageMap<_, Twox64Concat, ConsultationId, ClaimId, OptionQuery>;

	/// Visits claimed so far, by `blake2_256(patient, practitioner, service, time)`: a second
	/// claim for the same visit is a duplicate. Kept until the last consultation of the visit is
	/// reaped.
	// Hasher: the key is a hash of user-chosen data: `Blake2_128Concat`.
	#[pallet::storage]
	pub type ClaimedVisits<T: Config> =
		StorageMap<_, Blake2_128Concat, Hash256, ClaimId, OptionQuery>;

	/// What claims (pending or approved) used of a policy's annual limit, by policy and policy
	/// year (the year of each visit's delivery). A year with nothing used has no entry.
	// Hasher: ids and years are assigned by the pallet: `Twox64Concat`.
	#[pallet::storage]
	pub type PolicyUsage<T: Config> =
		StorageDoubleMap<_, Twox64Concat, PolicyId, Twox64Concat, u32, BalanceOf<T>, ValueQuery>;

	/// The open disputes: who disputed, their bond and the arbiter's deadline.
	// Hasher: ids are assigned sequentially by the pallet: `Twox64Concat`.
	#[pallet::storage]
	pub type Disputes<T: Config> =
		StorageMap<_, Twox64Concat, ConsultationId, DisputeOf<T>, OptionQuery>;

	/// The session keys of each accepted consultation (one per party), from which the two
	/// parties derive the visit's end-to-end secret. Removed when the consultation is marked
	/// delivered or cancelled: an entry exists only for an accepted consultation.
	// Hasher: ids are assigned sequentially by the pallet: `Twox64Concat`.
	#[pallet::storage]
	pub type SessionKeysOf<T: Config> =
		StorageMap<_, Twox64Concat, ConsultationId, SessionKeys, OptionQuery>;

	/// Events of the billing pallet.
	#[pallet::event]
	#[pallet::generate_deposit(pub(super) fn deposit_event)]
	pub enum Event<T: Config> {
		/// A practitioner published or changed a service.
		ServiceSet {
			/// The practitioner.
			practitioner: T::AccountId,
			/// The service's code.
			service: ServiceCode,
			/// Its price now.
			price: BalanceOf<T>,
		},
		/// A practitioner withdrew a service; bookings keep their price.
		ServiceWithdrawn {
			/// The practitioner.
			practitioner: T::AccountId,
			/// The service's code.
			service: ServiceCode,
		},
		/// A consultation was booked and its escrow held.
		ConsultationBooked {
			/// The consultation.
			id: ConsultationId,
			/// The patient.
			patient: T::AccountId,
			/// The practitioner.
			practitioner: T::AccountId,
			/// What the booker holds.
			patient_share: BalanceOf<T>,
			/// What the insurer reserves.
			insurer_share: BalanceOf<T>,
		},
		/// The practitioner accepted a booking.
		ConsultationAccepted {
			/// The consultation.
			id: ConsultationId,
		},
		/// The practitioner declined a booking; refunded in full.
		ConsultationDeclined {
			/// The consultation.
			id: ConsultationId,
		},
		/// A consultation was cancelled.
		ConsultationCancelled {
			/// The consultation.
			id: ConsultationId,
			/// Who cancelled.
			by: T::AccountId,
			/// The fee paid to the practitioner.
			fee: BalanceOf<T>,
			/// What went back to the booker.
			refund: BalanceOf<T>,
		},
		/// The practitioner marked a consultation delivered.
		ConsultationDelivered {
			/// The consultation.
			id: ConsultationId,
			/// Whether the practitioner held a valid licence then (if not, no payment).
			licensed: bool,
			/// Until when the patient may dispute.
			dispute_until: Moment,
		},
		/// The patient side disputes a delivered consultation and holds the bond.
		ConsultationDisputed {
			/// The consultation.
			id: ConsultationId,
			/// Who disputed.
			by: T::AccountId,
			/// The bond held from them.
			bond: BalanceOf<T>,
		},
		/// A consultation was settled: the practitioner paid the patient's share.
		ConsultationSettled {
			/// The consultation.
			id: ConsultationId,
			/// What the practitioner received.
			paid: BalanceOf<T>,
			/// The network fee.
			fee: BalanceOf<T>,
		},
		/// A consultation delivered without a valid licence was refunded in full.
		ConsultationRefunded {
			/// The consultation.
			id: ConsultationId,
		},
		/// The arbiter resolved a dispute.
		DisputeResolved {
			/// The consultation.
			id: ConsultationId,
			/// The fraction refunded to the patient side.
			refunded: Permill,
		},
		/// The arbiter did not decide a dispute by its deadline: it was closed by the default,
		/// an even split.
		DisputeDefaulted {
			/// The consultation.
			id: ConsultationId,
			/// The fraction refunded to the patient side (one half).
			refunded: Permill,
		},
		/// A dispute was upheld (or defaulted): the bond went back to the disputer.
		DisputeBondReturned {
			/// The consultation.
			id: ConsultationId,
			/// The disputer.
			to: T::AccountId,
			/// The bond.
			bond: BalanceOf<T>,
		},
		/// A dispute was rejected: the bond was paid to the practitioner (less the network fee).
		DisputeBondForfeited {
			/// The consultation.
			id: ConsultationId,
			/// The disputer.
			from: T::AccountId,
			/// The bond.
			bond: BalanceOf<T>,
		},
		/// A booking the practitioner never answered lapsed at its time and was released;
		/// refunded in full.
		ConsultationLapsed {
			/// The consultation.
			id: ConsultationId,
		},
		/// A closed consultation and its final claim were removed; the deposit went back to the
		/// booker.
		ConsultationReaped {
			/// The consultation.
			id: ConsultationId,
			/// Its claim, removed with it.
			claim: Option<ClaimId>,
			/// The deposit returned.
			deposit: BalanceOf<T>,
		},
		/// A party of an accepted consultation published its first session key (read it from
		/// `SessionKeysOf`; the event names no key).
		SessionKeyPublished {
			/// The consultation.
			id: ConsultationId,
			/// The party: the consultation's patient or practitioner.
			by: T::AccountId,
		},
		/// A party replaced its session key: whoever pinned the old key must fetch the new one
		/// and re-establish the channel. A replacement nobody expected is the sign of a
		/// compromised account, never of a relay: only the party's account can publish it.
		SessionKeyReplaced {
			/// The consultation.
			id: ConsultationId,
			/// The party.
			by: T::AccountId,
			/// The new key's revision (2 for the first replacement).
			revision: u32,
		},
		/// A consultation was marked delivered or cancelled: its session keys were removed.
		SessionKeysExpired {
			/// The consultation.
			id: ConsultationId,
		},
		/// Governance registered an insurer.
		InsurerRegistered {
			/// The insurer.
			insurer: T::AccountId,
		},
		/// An insurer's pool changed.
		InsurerPoolChanged {
			/// The insurer.
			insurer: T::AccountId,
			/// The pool now.
			pool: BalanceOf<T>,
		},
		/// An insurer issued a policy.
		PolicyIssued {
			/// The policy.
			id: PolicyId,
			/// The insurer.
			insurer: T::AccountId,
			/// The insured patient.
			patient: T::AccountId,
		},
		/// An insurer ended a policy.
		PolicyEnded {
			/// The policy.
			id: PolicyId,
		},
		/// A claim was created at settlement and awaits the insurer.
		ClaimCreated {
			/// The claim.
			id: ClaimId,
			/// The consultation.
			consultation: ConsultationId,
			/// The amount claimed.
			amount: BalanceOf<T>,
			/// The insurer's deadline.
			deadline: Moment,
		},
		/// A claim failed the chain's checks.
		ClaimRejected {
			/// The claim.
			id: ClaimId,
			/// Which check failed.
			check: FraudCheck,
		},
		/// A claim was approved (by the insurer or by its deadline) and paid.
		ClaimApproved {
			/// The claim.
			id: ClaimId,
			/// What the practitioner received.
			paid: BalanceOf<T>,
			/// The network fee.
			fee: BalanceOf<T>,
		},
		/// The insurer denied a claim.
		ClaimDenied {
			/// The claim.
			id: ClaimId,
			/// The commitment of the insurer's statement.
			reason: Hash256,
		},
	}

	/// Errors of the billing pallet.
	#[pallet::error]
	pub enum Error<T> {
		/// Only a practitioner with a valid licence may do this.
		NotLicensed,
		/// The service code is empty or too long.
		BadServiceCode,
		/// Unused since storage version 3 (a description is a fixed-size hash). Kept for the
		/// indices of the errors after it.
		DescriptionTooLong,
		/// A price and a duration must not be zero.
		ZeroPriceOrDuration,
		/// The practitioner publishes `MaxServices` services.
		TooManyServices,
		/// The practitioner publishes no such service (unknown or withdrawn).
		UnknownService,
		/// Only the patient or a delegate with `BookCare` may do this.
		NotPermitted,
		/// A patient cannot book themselves.
		BookingSelf,
		/// The visit's time is in the past.
		InThePast,
		/// The booker cannot hold the patient's share.
		InsufficientBalance,
		/// The patient or the practitioner has `MaxOpenConsultations` open consultations.
		TooManyOpenConsultations,
		/// No consultation has this id.
		UnknownConsultation,
		/// Only the consultation's practitioner may do this.
		NotYourConsultation,
		/// The consultation is not in a state that allows this.
		WrongStatus,
		/// The visit's time has not come yet.
		TooEarly,
		/// The visit is under way: it cannot be cancelled now.
		VisitUnderway,
		/// The dispute window has closed.
		DisputeWindowClosed,
		/// The dispute window is still open: only the patient may settle now (by confirming).
		DisputeWindowOpen,
		/// The consultation was settled already.
		AlreadySettled,
		/// The account is a registered insurer already.
		AlreadyInsurer,
		/// The account is not a registered insurer.
		NotInsurer,
		/// The name is longer than `MaxNameLen`. (Kept for its index: calls take a bounded name,
		/// so oversize input fails at decoding.)
		NameTooLong,
		/// The insurer's pool cannot cover this.
		InsufficientPool,
		/// No policy has this id.
		UnknownPolicy,
		/// The policy belongs to another patient.
		NotYourPolicy,
		/// The policy is not in force now.
		PolicyNotInForce,
		/// The policy does not cover the service.
		NotCovered,
		/// The insurer's share would exceed the policy's annual limit.
		LimitExceeded,
		/// A policy needs at least one covered service, within `MaxCovered`, none twice.
		BadCoveredServices,
		/// The policy's validity must end after it starts, and not be over.
		BadValidity,
		/// The policy was ended already.
		PolicyEnded,
		/// No claim has this id.
		UnknownClaim,
		/// Only the claim's insurer may adjudicate it.
		NotYourClaim,
		/// The claim was answered already.
		ClaimClosed,
		/// The insurer's deadline has passed: the claim is approved by `finalize_claim`.
		ClaimDeadlinePassed,
		/// The insurer's deadline has not passed yet.
		ClaimStillPending,
		/// Ids are exhausted.
		IdsExhausted,
		/// The practitioner of a visit cannot act for its patient side on it (confirm or
		/// dispute), whatever other role they hold: nobody confirms a visit they are paid for.
		OwnVisit,
		/// The visit's time has come and the booking was never accepted: it lapsed.
		BookingLapsed,
		/// The arbiter's deadline for the dispute has not passed yet.
		DisputeDeadlineNotReached,
		/// The consultation is still open: only a closed one can be reaped.
		StillOpen,
		/// The consultation's claim is still pending: reap it once the claim is answered.
		ClaimPending,
		/// Only the consultation's patient or practitioner may publish a session key for it.
		NotAParty,
		/// The session key is all-zero, of small order or non-canonical: a secret derived from
		/// it could be guessed.
		InvalidSessionKey,
	}

	#[pallet::hooks]
	impl<T: Config> Hooks<BlockNumberFor<T>> for Pallet<T> {
		#[cfg(feature = "try-runtime")]
		fn try_state(_n: BlockNumberFor<T>) -> Result<(), sp_runtime::TryRuntimeError> {
			Self::do_try_state()
		}
	}

	#[pallet::call]
	impl<T: Config> Pallet<T> {
		/// Publishes a service in the caller's fee schedule, or changes it; holds
		/// [`Config::ServiceDeposit`] for a new one. Bookings keep the price they were made at.
		/// `description` is the hash of the service's description, whose text the practitioner
		/// publishes off chain: no free text reaches the chain.
		///
		/// Origin: signed, a practitioner with a valid licence.
		///
		/// # Errors
		/// - `NotLicensed`; `BadServiceCode` (empty); `ZeroPriceOrDuration`.
		/// - `TooManyServices`; `InsufficientBalance`.
		///
		/// # Events
		/// `ServiceSet`.
		#[pallet::call_index(0)]
		#[pallet::weight(T::WeightInfo::set_service())]
		pub fn set_service(
			origin: OriginFor<T>,
			service: ServiceCode,
			description: Hash256,
			price: BalanceOf<T>,
			duration: Moment,
		) -> DispatchResult {
			let practitioner = ensure_signed(origin)?;
			Self::do_set_service(practitioner, service, description, price, duration)
		}

		/// Withdraws a service and returns its deposit. Open bookings of it go on.
		///
		/// Origin: signed, the practitioner.
		///
		/// # Errors
		/// - `BadServiceCode`; `UnknownService`.
		///
		/// # Events
		/// `ServiceWithdrawn`.
		#[pallet::call_index(1)]
		#[pallet::weight(T::WeightInfo::withdraw_service())]
		pub fn withdraw_service(origin: OriginFor<T>, service: ServiceCode) -> DispatchResult {
			let practitioner = ensure_signed(origin)?;
			Self::do_withdraw_service(practitioner, service)
		}

		/// Books `practitioner`'s `service` for `patient` at `scheduled_at`, self-paid or under
		/// `policy`. Holds the patient's share and [`Config::ConsultationDeposit`] (until the
		/// consultation is reaped) from the caller and reserves the insurer's share in its pool.
		///
		/// Origin: signed, the patient or a delegate with `BookCare` (who pays).
		///
		/// # Errors
		/// - `NotPermitted`; `BookingSelf`; `BadServiceCode`; `UnknownService`; `NotLicensed`;
		///   `InThePast`.
		/// - Under a policy: `UnknownPolicy`, `NotYourPolicy`, `PolicyNotInForce`,
		///   `NotCovered`, `LimitExceeded`, `InsufficientPool`.
		/// - `TooManyOpenConsultations`; `InsufficientBalance`; `IdsExhausted`.
		///
		/// # Events
		/// `ConsultationBooked`.
		#[pallet::call_index(2)]
		// A self-paid booking reads and writes nothing of an insurer's.
		#[pallet::weight(if policy.is_some() {
			T::WeightInfo::book()
		} else {
			T::WeightInfo::book_self_paid()
		})]
		pub fn book(
			origin: OriginFor<T>,
			patient: T::AccountId,
			practitioner: T::AccountId,
			service: ServiceCode,
			scheduled_at: Moment,
			policy: Option<PolicyId>,
		) -> DispatchResult {
			let payer = ensure_signed(origin)?;
			Self::do_book(payer, patient, practitioner, service, scheduled_at, policy).map(|_| ())
		}

		/// Accepts a booking, before the visit's time (at its time an unanswered booking lapses).
		///
		/// Origin: signed, the consultation's practitioner, licensed now.
		///
		/// # Errors
		/// - `UnknownConsultation`; `NotYourConsultation`; `WrongStatus`; `BookingLapsed`;
		///   `NotLicensed`.
		///
		/// # Events
		/// `ConsultationAccepted`.
		#[pallet::call_index(3)]
		#[pallet::weight(T::WeightInfo::accept())]
		pub fn accept(origin: OriginFor<T>, id: ConsultationId) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_accept(who, id)
		}

		/// Declines a booking: the booker is refunded in full, the insurer's share released.
		///
		/// Origin: signed, the consultation's practitioner.
		///
		/// # Errors
		/// - `UnknownConsultation`; `NotYourConsultation`; `WrongStatus`.
		///
		/// # Events
		/// `ConsultationDeclined`.
		#[pallet::call_index(4)]
		#[pallet::weight(T::WeightInfo::decline())]
		pub fn decline(origin: OriginFor<T>, id: ConsultationId) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_decline(who, id)
		}

		/// Cancels a consultation under the cancellation rule (see the crate docs).
		///
		/// Origin: signed, the patient, the booker, a delegate with `BookCare`, or the
		/// practitioner.
		///
		/// # Errors
		/// - `UnknownConsultation`; `NotPermitted`; `WrongStatus`; `VisitUnderway`.
		///
		/// # Events
		/// `ConsultationCancelled`.
		#[pallet::call_index(5)]
		#[pallet::weight(T::WeightInfo::cancel())]
		pub fn cancel(origin: OriginFor<T>, id: ConsultationId) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_cancel(who, id)
		}

		/// Marks a consultation delivered, from its time on, optionally with the commitment
		/// of the encounter record; records whether the practitioner is licensed now and opens
		/// the dispute window.
		///
		/// Origin: signed, the consultation's practitioner.
		///
		/// # Errors
		/// - `UnknownConsultation`; `NotYourConsultation`; `WrongStatus`; `TooEarly`.
		///
		/// # Events
		/// `ConsultationDelivered`.
		#[pallet::call_index(6)]
		#[pallet::weight(T::WeightInfo::mark_delivered())]
		pub fn mark_delivered(
			origin: OriginFor<T>,
			id: ConsultationId,
			encounter: Option<Hash256>,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_mark_delivered(who, id, encounter)
		}

		/// Confirms a delivered consultation and settles it at once.
		///
		/// Origin: signed, the patient, the booker or a delegate with `BookCare`; never the
		/// practitioner of the visit.
		///
		/// # Errors
		/// - `UnknownConsultation`; `NotPermitted`; `OwnVisit`; `WrongStatus`.
		///
		/// # Events
		/// `ConsultationSettled` or `ConsultationRefunded`; `ClaimCreated` or `ClaimRejected` when
		/// insured.
		#[pallet::call_index(7)]
		#[pallet::weight(T::WeightInfo::confirm())]
		pub fn confirm(origin: OriginFor<T>, id: ConsultationId) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_confirm(who, id)
		}

		/// Disputes a delivered consultation within the dispute window and holds
		/// [`Config::DisputeBond`] from the caller; the arbiter decides before
		/// [`Config::DisputeDeadline`], or anyone closes it by the default after.
		///
		/// Origin: signed, the patient, the booker or a delegate with `BookCare`; never the
		/// practitioner of the visit.
		///
		/// # Errors
		/// - `UnknownConsultation`; `NotPermitted`; `OwnVisit`; `WrongStatus`;
		///   `DisputeWindowClosed`; `InsufficientBalance`.
		///
		/// # Events
		/// `ConsultationDisputed`.
		#[pallet::call_index(8)]
		#[pallet::weight(T::WeightInfo::dispute())]
		pub fn dispute(origin: OriginFor<T>, id: ConsultationId) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_dispute(who, id)
		}

		/// Settles a delivered consultation once its dispute window has closed undisputed.
		///
		/// Origin: signed, anyone.
		///
		/// # Errors
		/// - `UnknownConsultation`; `AlreadySettled`; `WrongStatus`; `DisputeWindowOpen`.
		///
		/// # Events
		/// `ConsultationSettled` or `ConsultationRefunded`; `ClaimCreated` or `ClaimRejected` when
		/// insured.
		#[pallet::call_index(9)]
		#[pallet::weight(T::WeightInfo::settle())]
		pub fn settle(origin: OriginFor<T>, id: ConsultationId) -> DispatchResult {
			ensure_signed(origin)?;
			Self::do_settle_after_window(id)
		}

		/// Resolves a dispute: `refund` of the escrow goes back to the patient side (the
		/// booker's share and the insurer's reservation, in proportion); the rest is settled.
		/// A refund of any part upholds the dispute (the bond goes back); none rejects it (the
		/// bond is paid to the practitioner), unless the practitioner was not licensed at
		/// delivery.
		///
		/// Origin: [`Config::ArbiterOrigin`].
		///
		/// # Errors
		/// - `UnknownConsultation`; `WrongStatus`.
		///
		/// # Events
		/// `DisputeBondReturned` or `DisputeBondForfeited`, `DisputeResolved`, then as settlement
		/// for the rest.
		#[pallet::call_index(10)]
		#[pallet::weight(T::WeightInfo::resolve_dispute())]
		pub fn resolve_dispute(
			origin: OriginFor<T>,
			id: ConsultationId,
			refund: Permill,
		) -> DispatchResult {
			T::ArbiterOrigin::ensure_origin(origin)?;
			Self::do_resolve(id, refund)
		}

		/// Registers `insurer`.
		///
		/// Origin: [`Config::GovernanceOrigin`].
		///
		/// # Errors
		/// - `AlreadyInsurer`.
		///
		/// # Events
		/// `InsurerRegistered`.
		#[pallet::call_index(11)]
		#[pallet::weight(T::WeightInfo::register_insurer())]
		pub fn register_insurer(
			origin: OriginFor<T>,
			insurer: T::AccountId,
			name: BoundedVec<u8, T::MaxNameLen>,
		) -> DispatchResult {
			T::GovernanceOrigin::ensure_origin(origin)?;
			Self::do_register_insurer(insurer, name)
		}

		/// Adds `amount` to the caller's pool (held).
		///
		/// Origin: signed, a registered insurer.
		///
		/// # Errors
		/// - `NotInsurer`; `InsufficientBalance`.
		///
		/// # Events
		/// `InsurerPoolChanged`.
		#[pallet::call_index(12)]
		#[pallet::weight(T::WeightInfo::fund_pool())]
		pub fn fund_pool(origin: OriginFor<T>, amount: BalanceOf<T>) -> DispatchResult {
			let insurer = ensure_signed(origin)?;
			Self::do_fund_pool(insurer, amount)
		}

		/// Takes `amount` out of the caller's pool: what is not committed to open bookings and
		/// pending claims.
		///
		/// Origin: signed, a registered insurer.
		///
		/// # Errors
		/// - `NotInsurer`; `InsufficientPool`.
		///
		/// # Events
		/// `InsurerPoolChanged`.
		#[pallet::call_index(13)]
		#[pallet::weight(T::WeightInfo::withdraw_pool())]
		pub fn withdraw_pool(origin: OriginFor<T>, amount: BalanceOf<T>) -> DispatchResult {
			let insurer = ensure_signed(origin)?;
			Self::do_withdraw_pool(insurer, amount)
		}

		/// Issues a policy to `patient`: the `covered` service codes, the insurer's `coverage`
		/// of each price, an annual limit, and validity `valid_from`..`valid_until`.
		///
		/// Origin: signed, a registered insurer.
		///
		/// # Errors
		/// - `NotInsurer`; `BadCoveredServices`; `BadServiceCode`; `BadValidity`;
		///   `IdsExhausted`.
		///
		/// # Events
		/// `PolicyIssued`.
		#[pallet::call_index(14)]
		#[pallet::weight(T::WeightInfo::issue_policy())]
		pub fn issue_policy(
			origin: OriginFor<T>,
			patient: T::AccountId,
			covered: BoundedVec<ServiceCode, T::MaxCovered>,
			coverage: Permill,
			annual_limit: BalanceOf<T>,
			valid_from: Moment,
			valid_until: Moment,
		) -> DispatchResult {
			let insurer = ensure_signed(origin)?;
			Self::do_issue_policy(
				insurer,
				patient,
				covered,
				coverage,
				annual_limit,
				valid_from,
				valid_until,
			)
			.map(|_| ())
		}

		/// Ends a policy now. Bookings made under it keep their reservation; their claims are
		/// checked against the policy at the time of service.
		///
		/// Origin: signed, the policy's insurer.
		///
		/// # Errors
		/// - `UnknownPolicy`; `NotYourPolicy`; `PolicyEnded`.
		///
		/// # Events
		/// `PolicyEnded`.
		#[pallet::call_index(15)]
		#[pallet::weight(T::WeightInfo::end_policy())]
		pub fn end_policy(origin: OriginFor<T>, id: PolicyId) -> DispatchResult {
			let insurer = ensure_signed(origin)?;
			Self::do_end_policy(insurer, id)
		}

		/// Approves (pays) or denies (with the commitment of a statement) a pending claim,
		/// before its deadline.
		///
		/// Origin: signed, the claim's insurer.
		///
		/// # Errors
		/// - `UnknownClaim`; `NotYourClaim`; `ClaimClosed`; `ClaimDeadlinePassed`.
		///
		/// # Events
		/// `ClaimApproved` or `ClaimDenied`.
		#[pallet::call_index(16)]
		#[pallet::weight(T::WeightInfo::adjudicate_claim())]
		pub fn adjudicate_claim(
			origin: OriginFor<T>,
			id: ClaimId,
			approve: bool,
			reason: Hash256,
		) -> DispatchResult {
			let insurer = ensure_signed(origin)?;
			Self::do_adjudicate(insurer, id, approve, reason)
		}

		/// Approves and pays a claim its insurer did not answer by the deadline.
		///
		/// Origin: signed, anyone.
		///
		/// # Errors
		/// - `UnknownClaim`; `ClaimClosed`; `ClaimStillPending`.
		///
		/// # Events
		/// `ClaimApproved`.
		#[pallet::call_index(17)]
		#[pallet::weight(T::WeightInfo::finalize_claim())]
		pub fn finalize_claim(origin: OriginFor<T>, id: ClaimId) -> DispatchResult {
			ensure_signed(origin)?;
			Self::do_finalize_claim(id)
		}

		/// Releases a booking the practitioner did not accept by the visit's time: the booker
		/// is refunded in full, the insurer's reservation returned, and the places in both open
		/// lists freed. The consultation deposit stays until the consultation is reaped.
		///
		/// Origin: signed, anyone.
		///
		/// # Errors
		/// - `UnknownConsultation`; `WrongStatus` (not `Requested`); `TooEarly` (before the
		///   visit's time).
		///
		/// # Events
		/// `ConsultationLapsed`.
		#[pallet::call_index(18)]
		#[pallet::weight(T::WeightInfo::release_lapsed())]
		pub fn release_lapsed(origin: OriginFor<T>, id: ConsultationId) -> DispatchResult {
			ensure_signed(origin)?;
			Self::do_release_lapsed(id)
		}

		/// Closes a dispute the arbiter did not decide by its deadline, by the default: half
		/// of the escrow is refunded to the patient side, half settled; the bond goes back to
		/// the disputer.
		///
		/// Origin: signed, anyone.
		///
		/// # Errors
		/// - `UnknownConsultation`; `WrongStatus` (not disputed);
		///   `DisputeDeadlineNotReached`.
		///
		/// # Events
		/// `DisputeBondReturned`, `DisputeDefaulted`, then as settlement for the rest.
		#[pallet::call_index(19)]
		#[pallet::weight(T::WeightInfo::close_dispute())]
		pub fn close_dispute(origin: OriginFor<T>, id: ConsultationId) -> DispatchResult {
			ensure_signed(origin)?;
			Self::do_close_dispute(id)
		}

		/// Removes a closed consultation and its claim (which must be final: approved, denied
		/// or rejected), and returns the consultation deposit to the booker. The visit's
		/// duplicate-claim key goes with the last consultation of the visit.
		///
		/// Origin: signed, anyone.
		///
		/// # Errors
		/// - `UnknownConsultation`; `StillOpen`; `ClaimPending`.
		///
		/// # Events
		/// `ConsultationReaped`.
		#[pallet::call_index(20)]
		#[pallet::weight(T::WeightInfo::reap())]
		pub fn reap(origin: OriginFor<T>, id: ConsultationId) -> DispatchResult {
			ensure_signed(origin)?;
			Self::do_reap(id)
		}

		/// Publishes the caller's ephemeral X25519 session `key` for consultation `id`, or
		/// replaces the one they published (a new revision). The two parties derive the visit's
		/// end-to-end secret from their two keys as stored in `SessionKeysOf`. The keys are
		/// removed when the consultation is marked delivered or cancelled.
		///
		/// Origin: signed, the consultation's patient or practitioner (not the booker or a
		/// delegate: the key must come from the party who will hold its secret).
		///
		/// # Errors
		/// - `UnknownConsultation`; `NotAParty`; `WrongStatus` (not accepted: before acceptance,
		///   after delivery, cancellation or any other end); `InvalidSessionKey`.
		///
		/// # Events
		/// `SessionKeyPublished` (the first key of the caller) or `SessionKeyReplaced`.
		#[pallet::call_index(21)]
		#[pallet::weight(T::WeightInfo::publish_session_key())]
		pub fn publish_session_key(
			origin: OriginFor<T>,
			id: ConsultationId,
			key: KeyAgreementKey,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_publish_session_key(who, id, key)
		}
	}
}
