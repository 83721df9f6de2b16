//! # Prescriptions
//!
//! E-prescriptions that cannot be forged, altered or filled twice, without putting what is
//! prescribed on chain.
//!
//! ## Overview
//!
//! A licensed prescriber issues a prescription for a patient. The content (medication, dose,
//! quantity) is encrypted off chain and sealed to the patient like a record; the chain keeps a
//! salted commitment to it, the hash of its ciphertext (so that a gateway serves that blob to
//! the patient and the prescriber only), an optional sealed locator, how many fills it allows,
//! when it expires, whether it is a controlled substance, and for each fill the hash of a one-time
//! **dispense secret** that only the patient holds (shown at the pharmacy, e.g. as a QR code).
//! A licensed pharmacist dispenses a fill by presenting the secret of the next fill: the chain
//! checks it against the hash, counts the fill and tells the patient, the prescriber and the
//! pharmacist (an event with ids and accounts only). The prescriber may cancel or amend (a new
//! version supersedes the old one, carrying the fills made); a prescription whose prescriber's
//! licence is not valid now is flagged and cannot be dispensed.
//!
//! The pallet asks the others through `telemed_primitives`: [`PractitionerRegistry`] (is the
//! prescriber licensed for a prescribing role, the dispenser for `Pharmacist`, now) and
//! [`ConsentVerifier`] (does the patient consent to the pharmacist, for a controlled
//! substance). It answers [`telemed_primitives::LicenceRevocation`].
//!
//! ## Terminology
//!
//! - **Prescriber**: an account holding, now, a valid licence for a role that may prescribe
//!   ([`telemed_primitives::PractitionerRole::PRESCRIBERS`]: physicians and midwives).
//! - **Pharmacist**: an account holding, now, a valid licence for the `Pharmacist` role.
//! - **Fill**: one dispensing of a prescription. Fills are numbered from 1 over every version
//!   of a prescription.
//! - **Dispense secret**: 32 random bytes, one per fill, held by the patient. The chain keeps
//!   `blake2_256(secret)`. A secret is presented in a public call: once used it is public, and
//!   it is never accepted again.
//! - **Version**: an amendment is a new prescription id that supersedes the old one (which is
//!   removed, so it can no longer be dispensed); [`Prescription::previous`] links them.
//! - **Flagged**: a prescription whose prescriber holds no prescribing licence valid now, or
//!   whose prescriber's licence was revoked for good after it was issued
//!   ([`PrescriptionStanding`]).
//!
//! ## Rules
//!
//! - Issuing: the prescriber holds a prescribing licence valid now (evaluated at the call, so
//!   a suspension or revocation stops new prescriptions at once) and is not the patient; one
//!   to [`Config::MaxFills`] fills, exactly one distinct secret hash per fill; expiry after
//!   now and at most [`Config::MaxValidity`] later; the patient has fewer than
//!   [`Config::MaxPrescriptionsPerPatient`] open prescriptions; [`Config::PrescriptionDeposit`]
//!   is held from the prescriber.
//! - Dispensing: the caller holds a `Pharmacist` licence valid now and is not the patient;
//!   the prescription is open, not expired, not flagged; the secret's hash is the next fill's (a secret already
//!   presented is refused as such); for a controlled substance, the patient's consent to the
//!   pharmacist (action `Read`, the relationship, purpose `Treatment`) and at least
//!   [`Config::MinRefillInterval`] since the previous fill. The last fill closes the
//!   prescription (deposit back).
//! - Amending (the prescriber, licensed now): the new version allows `fills` in all, at least
//!   one more than the fills made, and names exactly one new secret hash per remaining fill,
//!   none of them a presented one; the fills made, the time of the last fill and the presented
//!   secrets carry over, so no amendment lets more than `fills` be dispensed in all nor resets
//!   a controlled substance's refill interval. The deposit carries over.
//! - Cancelling: the prescriber (licensed or not: a suspended prescriber may still withdraw
//!   what they wrote) or the patient, at any time; deposit back to the prescriber.
//! - Expiring: anyone, once expired; the prescription is removed and the deposit goes back.
//! - Licence revocation for good ([`telemed_primitives::LicenceRevocation`]): a prescriber
//!   who has open prescriptions and, after it, holds no prescribing licence valid now is noted
//!   with the time ([`RevokedPrescribers`], one write, no sweep): every prescription of theirs
//!   issued at or before it stays flagged `PrescriberRevoked` even if they are licensed again.
//!   A prescriber who still prescribes under another licence is not noted. Suspension and
//!   expiry need no note: validity is evaluated at each call and query.
//!
//! ## Pallet API
//!
//! Prescribers: [`Pallet::issue`], [`Pallet::amend`], [`Pallet::cancel`].
//! Pharmacists: [`Pallet::dispense`]. Patients: [`Pallet::cancel`].
//! Anyone: [`Pallet::expire`].
//! Queries (the runtime API): [`Pallet::view`], [`Pallet::prescriptions_of`].

#![cfg_attr(not(feature = "std"), no_std)]
#![deny(missing_docs)]

extern crate alloc;

pub use impls::{secret_hash, HOLD_REASONS};
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

use telemed_primitives::{ConsentVerifier, PractitionerRegistry};

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
	use telemed_primitives::{Hash256, Moment, PrescriptionId};

	/// The balance type of [`Config::Currency`].
	pub type BalanceOf<T> =
		<<T as Config>::Currency as Inspect<<T as frame_system::Config>::AccountId>>::Balance;

	/// A prescription version as stored.
	pub type PrescriptionOf<T> = Prescription<
		<T as frame_system::Config>::AccountId,
		BalanceOf<T>,
		<T as Config>::MaxFills,
		<T as Config>::MaxLocatorLen,
	>;

	/// The secret hashes of a call: one per fill.
	pub type DispenseHashesOf<T> = BoundedVec<Hash256, <T as Config>::MaxFills>;

	/// A sealed locator as a call takes it.
	pub type LocatorOf<T> = BoundedVec<u8, <T as Config>::MaxLocatorLen>;

	/// The in-code storage version. 2: each version keeps the hash of its ciphertext; see
	/// [`crate::migrations::v2`].
	pub(crate) const STORAGE_VERSION: StorageVersion = StorageVersion::new(2);

	#[pallet::pallet]
	#[pallet::storage_version(STORAGE_VERSION)]
	pub struct Pallet<T>(_);

	/// Configuration of the prescriptions pallet.
	#[pallet::config]
	pub trait Config: frame_system::Config<RuntimeEvent: From<Event<Self>>> {
		/// Holds the prescribers' deposits.
		type Currency: MutateHold<Self::AccountId, Reason = Self::RuntimeHoldReason>
			+ Mutate<Self::AccountId>;

		/// The runtime's hold reasons, of which [`HoldReason`] is part.
		type RuntimeHoldReason: From<HoldReason>;

		/// The chain's clock: milliseconds since the Unix epoch.
		type Time: Time<Moment = Moment>;

		/// Who holds a licence valid now, for which role.
		type Practitioners: PractitionerRegistry<Self::AccountId>;

		/// Whether the patient consents to a pharmacist (controlled substances).
		type Consent: ConsentVerifier<Self::AccountId>;

		/// Held from the prescriber for each open prescription.
		#[pallet::constant]
		type PrescriptionDeposit: Get<BalanceOf<Self>>;

		/// The most fills a prescription may allow (over all its versions).
		#[pallet::constant]
		type MaxFills: Get<u32>;

		/// The longest a prescription may be valid, from its issue (or amendment), in
		/// milliseconds.
		#[pallet::constant]
		type MaxValidity: Get<Moment>;

		/// The least time between two fills of a controlled substance, in milliseconds.
		#[pallet::constant]
		type MinRefillInterval: Get<Moment>;

		/// The longest sealed locator.
		#[pallet::constant]
		type MaxLocatorLen: Get<u32>;

		/// How many open prescriptions a patient may have.
		#[pallet::constant]
		type MaxPrescriptionsPerPatient: Get<u32>;

		/// Weights of the calls, from the benchmarks.
		type WeightInfo: WeightInfo;
	}

	/// Why this pallet holds funds.
	#[pallet::composite_enum]
	pub enum HoldReason {
		/// The deposit of an open prescription, held from its prescriber.
		#[codec(index = 0)]
		PrescriptionDeposit,
	}

	/// Open prescriptions (the current version of each), by id. A prescription leaves when it
	/// is fully filled, cancelled, superseded by an amendment or cleaned up after expiry; its
	/// events stay in the blocks.
	// Hasher: ids are assigned sequentially by the pallet: `Twox64Concat`.
	#[pallet::storage]
	pub type Prescriptions<T: Config> =
		StorageMap<_, Twox64Concat, PrescriptionId, PrescriptionOf<T>, OptionQuery>;

	/// Each patient's open prescriptions, in the order first issued (an amendment takes the
	/// place of the version it supersedes): exactly the ids in [`Prescriptions`] of that
	/// patient.
	// Hasher: user-chosen key (the patient): `Blake2_128Concat`.
	#[pallet::storage]
	pub type PrescriptionsOf<T: Config> = StorageMap<
		_,
		Blake2_128Concat,
		T::AccountId,
		BoundedVec<PrescriptionId, T::MaxPrescriptionsPerPatient>,
		ValueQuery,
	>;

	/// How many open prescriptions each prescriber has: a licence revocation is noted only
	/// for a prescriber with some.
	// Hasher: user-chosen key (the prescriber): `Blake2_128Concat`.
	#[pallet::storage]
	pub type OpenOfPrescriber<T: Config> =
		StorageMap<_, Blake2_128Concat, T::AccountId, u32, ValueQuery>;

	/// Prescribers whose licence was revoked for good while they had open prescriptions, with
	/// the time of the (latest) revocation: their prescriptions issued at or before it are
	/// flagged for good. The entry goes with their last open prescription.
	// Hasher: user-chosen key (the prescriber): `Blake2_128Concat`.
	#[pallet::storage]
	pub type RevokedPrescribers<T: Config> =
		StorageMap<_, Blake2_128Concat, T::AccountId, Moment, OptionQuery>;

	/// The id the next prescription version will get.
	#[pallet::storage]
	pub type NextPrescriptionId<T> = StorageValue<_, PrescriptionId, ValueQuery>;

	/// Events of the prescriptions pallet: ids and accounts only, never what is prescribed.
	#[pallet::event]
	#[pallet::generate_deposit(pub(super) fn deposit_event)]
	pub enum Event<T: Config> {
		/// A prescription was issued.
		Issued {
			/// Its id.
			id: PrescriptionId,
			/// For whom.
			patient: T::AccountId,
			/// Who prescribed it.
			prescriber: T::AccountId,
		},
		/// A fill was dispensed.
		Dispensed {
			/// The prescription.
			id: PrescriptionId,
			/// For whom.
			patient: T::AccountId,
			/// Who prescribed it.
			prescriber: T::AccountId,
			/// Who dispensed the fill.
			pharmacist: T::AccountId,
			/// The fill's number, from 1, over every version.
			fill: u32,
			/// How many fills are left: at 0 the prescription is closed and its deposit
			/// returned.
			remaining: u32,
		},
		/// A prescription was amended: a new version supersedes the previous one, which can no
		/// longer be dispensed.
		Amended {
			/// The new version's id.
			id: PrescriptionId,
			/// The version it supersedes.
			previous: PrescriptionId,
			/// For whom.
			patient: T::AccountId,
			/// Who prescribed it.
			prescriber: T::AccountId,
		},
		/// A prescription was cancelled; the deposit was returned.
		Cancelled {
			/// The prescription.
			id: PrescriptionId,
			/// For whom.
			patient: T::AccountId,
			/// Who cancelled it: the prescriber or the patient.
			by: T::AccountId,
		},
		/// An expired prescription was removed; the deposit was returned.
		Expired {
			/// The prescription.
			id: PrescriptionId,
			/// For whom.
			patient: T::AccountId,
		},
		/// A prescriber's licence was revoked for good while they had open prescriptions, and
		/// they hold no other prescribing licence valid now: those issued until now are flagged
		/// for good (the runtime API says which).
		PrescriberRevoked {
			/// The prescriber.
			prescriber: T::AccountId,
		},
	}

	/// Errors of the prescriptions pallet.
	#[pallet::error]
	pub enum Error<T> {
		/// The caller holds no licence valid now for a role that may prescribe.
		NotPrescriber,
		/// The caller holds no `Pharmacist` licence valid now.
		NotPharmacist,
		/// A prescriber may not prescribe for themselves.
		SelfPrescribing,
		/// No open prescription has this id: never issued, or fully filled, cancelled,
		/// superseded by an amendment, or expired and removed.
		UnknownPrescription,
		/// Only the prescriber (or, to cancel, the patient) may do this.
		NotPermitted,
		/// A prescription allows at least one fill.
		NoFills,
		/// More fills than [`Config::MaxFills`].
		TooManyFills,
		/// The number of secret hashes is not the number of fills to come.
		SecretCountMismatch,
		/// The same secret hash is named twice.
		DuplicateSecret,
		/// A secret hash named was presented already: it is public and cannot be reused.
		SecretAlreadyUsed,
		/// The expiry is not after now.
		ExpiryInPast,
		/// The expiry is more than [`Config::MaxValidity`] after now.
		ValidityTooLong,
		/// The patient has [`Config::MaxPrescriptionsPerPatient`] open prescriptions.
		TooManyPrescriptions,
		/// The deposit cannot be held: not enough free balance.
		InsufficientBalance,
		/// Ids are exhausted.
		IdsExhausted,
		/// The prescription has expired.
		PrescriptionExpired,
		/// The prescription has not expired yet.
		NotExpired,
		/// Flagged: the prescriber holds no prescribing licence valid now.
		PrescriberNotLicensed,
		/// Flagged: the prescriber's licence was revoked for good after the prescription was
		/// issued.
		PrescriberRevoked,
		/// The secret is not the next fill's.
		WrongSecret,
		/// A controlled substance's previous fill was less than [`Config::MinRefillInterval`]
		/// ago.
		TooEarly,
		/// A controlled substance: no consent of the patient lets this pharmacist dispense it.
		NoConsent,
		/// A controlled substance: a deny of the patient covers this pharmacist.
		ConsentDenied,
		/// An amendment must allow more fills than were made.
		FillsNotAboveUsed,
		/// A pharmacist may not dispense a prescription of their own.
		SelfDispensing,
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
		/// Issues a prescription for `patient`, holding [`Config::PrescriptionDeposit`] from
		/// the caller.
		///
		/// Origin: signed, a prescriber (a prescribing licence valid now).
		///
		/// `commitment` is `blake2_256(salt ‖ content)`; `ciphertext_hash` the `blake2_256` of
		/// the encrypted content (a gateway serves the patient and the prescriber that blob
		/// only); `locator` the sealed locator of the encrypted content (may be empty); `fills` how many fills it allows; `expires_at`
		/// when it stops being dispensable; `controlled` whether it is a controlled substance;
		/// `dispense_hashes` the `blake2_256` of each fill's one-time secret, in fill order,
		/// exactly `fills` distinct ones.
		///
		/// # Errors
		/// - `NotPrescriber`; `SelfPrescribing`; `NoFills`; `TooManyFills`;
		///   `SecretCountMismatch`; `DuplicateSecret`; `ExpiryInPast`; `ValidityTooLong`;
		///   `TooManyPrescriptions`; `InsufficientBalance`; `IdsExhausted`.
		///
		/// # Events
		/// `Issued`.
		#[pallet::call_index(0)]
		#[pallet::weight(T::WeightInfo::issue())]
		pub fn issue(
			origin: OriginFor<T>,
			patient: T::AccountId,
			commitment: Hash256,
			ciphertext_hash: Hash256,
			locator: LocatorOf<T>,
			fills: u32,
			expires_at: Moment,
			controlled: bool,
			dispense_hashes: DispenseHashesOf<T>,
		) -> DispatchResult {
			let prescriber = ensure_signed(origin)?;
			let terms = PrescriptionTerms {
				commitment,
				ciphertext_hash,
				locator,
				fills,
				expires_at,
				controlled,
				dispense_hashes,
			};
			Self::do_issue(prescriber, patient, terms).map(|_| ())
		}

		/// Dispenses the next fill of prescription `id`, presenting its one-time `secret`.
		///
		/// Origin: signed, a pharmacist (a `Pharmacist` licence valid now).
		///
		/// The last fill closes the prescription and returns the prescriber's deposit.
		///
		/// # Errors
		/// - `NotPharmacist`; `UnknownPrescription`; `SelfDispensing`; `PrescriptionExpired`;
		///   `PrescriberRevoked`; `PrescriberNotLicensed`; `SecretAlreadyUsed` (the secret of
		///   a fill made); `WrongSecret`; for a controlled substance `TooEarly`, `NoConsent`,
		///   `ConsentDenied`.
		///
		/// # Events
		/// `Dispensed`.
		#[pallet::call_index(1)]
		#[pallet::weight(T::WeightInfo::dispense())]
		pub fn dispense(
			origin: OriginFor<T>,
			id: PrescriptionId,
			secret: Hash256,
		) -> DispatchResult {
			let pharmacist = ensure_signed(origin)?;
			Self::do_dispense(pharmacist, id, secret)
		}

		/// Amends prescription `id`: a new version, with a new id, supersedes it, and `id` can
		/// no longer be dispensed. The fills made, the time of the last fill, the presented
		/// secrets and the deposit carry over.
		///
		/// Origin: signed, the prescription's prescriber, holding a prescribing licence valid
		/// now.
		///
		/// `fills` is the total the new version allows, fills made included; `dispense_hashes`
		/// names one new secret hash per remaining fill (`fills` minus the fills made). The
		/// other arguments are as for [`Pallet::issue`].
		///
		/// # Errors
		/// - `UnknownPrescription`; `NotPermitted`; `NotPrescriber`; `PrescriptionExpired`;
		///   `NoFills`; `TooManyFills`; `FillsNotAboveUsed`; `SecretCountMismatch`;
		///   `DuplicateSecret`; `SecretAlreadyUsed`; `ExpiryInPast`; `ValidityTooLong`;
		///   `IdsExhausted`.
		///
		/// # Events
		/// `Amended`.
		#[pallet::call_index(2)]
		#[pallet::weight(T::WeightInfo::amend())]
		pub fn amend(
			origin: OriginFor<T>,
			id: PrescriptionId,
			commitment: Hash256,
			ciphertext_hash: Hash256,
			locator: LocatorOf<T>,
			fills: u32,
			expires_at: Moment,
			controlled: bool,
			dispense_hashes: DispenseHashesOf<T>,
		) -> DispatchResult {
			let prescriber = ensure_signed(origin)?;
			let terms = PrescriptionTerms {
				commitment,
				ciphertext_hash,
				locator,
				fills,
				expires_at,
				controlled,
				dispense_hashes,
			};
			Self::do_amend(prescriber, id, terms).map(|_| ())
		}

		/// Cancels prescription `id`; the deposit goes back to the prescriber.
		///
		/// Origin: signed, the prescription's prescriber (licensed now or not) or its patient.
		///
		/// # Errors
		/// - `UnknownPrescription`; `NotPermitted`.
		///
		/// # Events
		/// `Cancelled`.
		#[pallet::call_index(3)]
		#[pallet::weight(T::WeightInfo::cancel())]
		pub fn cancel(origin: OriginFor<T>, id: PrescriptionId) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_cancel(who, id)
		}

		/// Removes an expired prescription; the deposit goes back to the prescriber.
		///
		/// Origin: signed, anyone.
		///
		/// # Errors
		/// - `UnknownPrescription`; `NotExpired`.
		///
		/// # Events
		/// `Expired`.
		#[pallet::call_index(4)]
		#[pallet::weight(T::WeightInfo::expire())]
		pub fn expire(origin: OriginFor<T>, id: PrescriptionId) -> DispatchResult {
			ensure_signed(origin)?;
			Self::do_expire(id)
		}
	}
}

/// A version's terms as a call gives them (checked by the pallet): what [`Pallet::issue`] and
/// [`Pallet::amend`] take besides the patient or the prescription.
pub struct PrescriptionTerms<T: Config> {
	/// The salted commitment to the content.
	pub commitment: telemed_primitives::Hash256,
	/// `blake2_256` of the encrypted content.
	pub ciphertext_hash: telemed_primitives::Hash256,
	/// Where the encrypted content is, sealed.
	pub locator: LocatorOf<T>,
	/// How many fills the version allows in all, fills already made included.
	pub fills: u32,
	/// When it stops being dispensable.
	pub expires_at: telemed_primitives::Moment,
	/// A controlled substance.
	pub controlled: bool,
	/// The hashes of the secrets of the fills to come, in order.
	pub dispense_hashes: DispenseHashesOf<T>,
}
