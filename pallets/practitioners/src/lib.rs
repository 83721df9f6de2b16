//! # Practitioners
//!
//! Doctor identity for the Telemed chain: licensing authorities, practitioner profiles and
//! expiring, revocable licences.
//!
//! ## Overview
//!
//! Patients must know they are talking to a licensed clinician, and the chain must stop a
//! clinician whose licence lapsed or was revoked from reading records or being paid, at once
//! and everywhere. This pallet keeps who is licensed for what, where and until when, and answers
//! the other pallets through [`telemed_primitives::PractitionerRegistry`].
//!
//! ## Terminology
//!
//! - **Licensing authority**: a medical board or accreditation body, accredited by governance
//!   for a set of jurisdictions (ISO 3166-1 alpha-2 such as `FR`, or ISO 3166-2 such as
//!   `US-CA`). It issues and manages licences in those jurisdictions only.
//! - **Practitioner**: an account with a public profile (display name, roles, specialties) and
//!   an X25519 key-agreement key, to which patients' data keys are sealed. Registering holds a
//!   deposit.
//! - **Licence**: issued by an authority to a practitioner for one jurisdiction, one role and
//!   optionally one specialty, valid from a start to an expiry (timestamps in milliseconds).
//!   It carries a salted commitment to the licence number (never the number) and the hash of
//!   the authority's evidence. Its status is Active, Suspended or Revoked.
//! - **Standing**: whether a licence counts *now*: it must be Active, between its start and its
//!   expiry, and its authority must still be accredited for its jurisdiction. Standing is
//!   computed when asked, so expiry, suspension, revocation and loss of accreditation take
//!   effect at once with no storage sweep.
//! - **Emergency care endorsement**: a flag an authority sets on a licence. A practitioner may
//!   open break-glass emergency access only while holding a valid licence so endorsed.
//!
//! ## Pallet API
//!
//! Governance ([`Config::GovernanceOrigin`]): [`Pallet::add_authority`],
//! [`Pallet::update_authority`], [`Pallet::remove_authority`], [`Pallet::force_revoke_licence`].
//!
//! Practitioners (signed): [`Pallet::register`], [`Pallet::update_profile`],
//! [`Pallet::rotate_key_agreement_key`], [`Pallet::deregister`].
//!
//! Authorities (signed): [`Pallet::issue_licence`], [`Pallet::renew_licence`],
//! [`Pallet::suspend_licence`], [`Pallet::reinstate_licence`], [`Pallet::revoke_licence`].
//!
//! Other pallets: [`telemed_primitives::PractitionerRegistry`], implemented by [`Pallet`].
//! Clients: the `PractitionersApi` runtime API (`pallet-practitioners-runtime-api`).
//!
//! ## Rules
//!
//! - Only the issuing authority changes a licence; governance may also revoke any licence.
//! - An authority acts only in the jurisdictions it is accredited for *now*.
//! - A revoked licence is final: it cannot be renewed or reinstated.
//! - A practitioner cannot deregister while holding a licence that is valid or suspended
//!   (suspension may be lifted); deregistering removes their ended licences and releases the
//!   deposit.

#![cfg_attr(not(feature = "std"), no_std)]
#![deny(missing_docs)]

extern crate alloc;

pub use pallet::*;
pub use types::*;
pub use weights::WeightInfo;

#[cfg(feature = "runtime-benchmarks")]
mod benchmarking;
mod impls;
#[cfg(test)]
mod mock;
#[cfg(test)]
mod tests;
mod types;
pub mod weights;

/// The log target of this pallet.
pub const LOG_TARGET: &str = "runtime::practitioners";

#[frame_support::pallet]
pub mod pallet {
	use super::*;
	use alloc::vec::Vec;
	use frame_support::{
		pallet_prelude::*,
		traits::{
			fungible::{Inspect, Mutate, MutateHold},
			Time,
		},
	};
	use frame_system::pallet_prelude::*;
	use telemed_primitives::{Hash256, KeyAgreementKey, LicenceId, Moment, PractitionerRole};

	/// The balance type of [`Config::Currency`].
	pub type BalanceOf<T> =
		<<T as Config>::Currency as Inspect<<T as frame_system::Config>::AccountId>>::Balance;

	/// A licensing authority as stored.
	pub type AuthorityOf<T> =
		Authority<<T as Config>::MaxNameLength, <T as Config>::MaxJurisdictionsPerAuthority>;

	/// A practitioner profile as stored.
	pub type PractitionerOf<T> = Practitioner<
		BalanceOf<T>,
		<T as Config>::MaxNameLength,
		<T as Config>::MaxRoles,
		<T as Config>::MaxSpecialties,
	>;

	/// A licence as stored.
	pub type LicenceOf<T> = Licence<<T as frame_system::Config>::AccountId>;

	/// The in-code storage version.
	const STORAGE_VERSION: StorageVersion = StorageVersion::new(1);

	#[pallet::pallet]
	#[pallet::storage_version(STORAGE_VERSION)]
	pub struct Pallet<T>(_);

	/// Configuration of the practitioners pallet.
	#[pallet::config]
	pub trait Config: frame_system::Config<RuntimeEvent: From<Event<Self>>> {
		/// Holds registration deposits.
		type Currency: MutateHold<Self::AccountId, Reason = Self::RuntimeHoldReason>
			+ Mutate<Self::AccountId>;

		/// The runtime's hold reasons, of which [`HoldReason`] is part.
		type RuntimeHoldReason: From<HoldReason>;

		/// The chain's clock: milliseconds since the Unix epoch (`pallet_timestamp`).
		type Time: Time<Moment = Moment>;

		/// Accredits and withdraws licensing authorities, and may revoke any licence.
		type GovernanceOrigin: EnsureOrigin<Self::RuntimeOrigin>;

		/// Held from a practitioner while registered.
		#[pallet::constant]
		type RegistrationDeposit: Get<BalanceOf<Self>>;

		/// The longest display name of a practitioner or name of an authority, in bytes.
		#[pallet::constant]
		type MaxNameLength: Get<u32>;

		/// How many roles a profile may list.
		#[pallet::constant]
		type MaxRoles: Get<u32>;

		/// How many specialties a profile may list.
		#[pallet::constant]
		type MaxSpecialties: Get<u32>;

		/// How many jurisdictions an authority may be accredited for.
		#[pallet::constant]
		type MaxJurisdictionsPerAuthority: Get<u32>;

		/// How many licences (of any status) a practitioner may hold at once.
		#[pallet::constant]
		type MaxLicencesPerPractitioner: Get<u32>;

		/// Weights of the calls, from the benchmarks.
		type WeightInfo: WeightInfo;
	}

	/// Why this pallet holds funds.
	#[pallet::composite_enum]
	pub enum HoldReason {
		/// The deposit of a registered practitioner's profile.
		#[codec(index = 0)]
		PractitionerDeposit,
	}

	/// Accredited licensing authorities.
	// Hasher: the key is an account chosen by governance; `Blake2_128Concat` keeps it
	// enumerable and unpredictable-prefix safe.
	#[pallet::storage]
	pub type Authorities<T: Config> =
		StorageMap<_, Blake2_128Concat, T::AccountId, AuthorityOf<T>, OptionQuery>;

	/// Registered practitioners' profiles.
	// Hasher: user-chosen key (the registering account): `Blake2_128Concat`.
	#[pallet::storage]
	pub type Practitioners<T: Config> =
		StorageMap<_, Blake2_128Concat, T::AccountId, PractitionerOf<T>, OptionQuery>;

	/// Every licence, by id.
	// Hasher: ids are assigned sequentially by the pallet, not chosen by users: `Twox64Concat`.
	#[pallet::storage]
	pub type Licences<T: Config> =
		StorageMap<_, Twox64Concat, LicenceId, LicenceOf<T>, OptionQuery>;

	/// The ids of each practitioner's licences, so that "is `who` licensed" reads a bounded
	/// list instead of every licence.
	// Hasher: user-chosen key (the practitioner's account): `Blake2_128Concat`.
	#[pallet::storage]
	pub type LicencesOf<T: Config> = StorageMap<
		_,
		Blake2_128Concat,
		T::AccountId,
		BoundedVec<LicenceId, T::MaxLicencesPerPractitioner>,
		ValueQuery,
	>;

	/// The id the next licence will get.
	#[pallet::storage]
	pub type NextLicenceId<T> = StorageValue<_, LicenceId, ValueQuery>;

	/// Events of the practitioners pallet.
	#[pallet::event]
	#[pallet::generate_deposit(pub(super) fn deposit_event)]
	pub enum Event<T: Config> {
		/// Governance accredited a licensing authority.
		AuthorityAdded {
			/// The authority's account.
			authority: T::AccountId,
			/// Where it may license.
			jurisdictions: Vec<Vec<u8>>,
		},
		/// Governance changed an authority's name or jurisdictions.
		AuthorityUpdated {
			/// The authority's account.
			authority: T::AccountId,
			/// Where it may license from now on.
			jurisdictions: Vec<Vec<u8>>,
		},
		/// Governance withdrew an authority's accreditation; its licences stop counting.
		AuthorityRemoved {
			/// The authority's account.
			authority: T::AccountId,
		},
		/// A practitioner registered.
		PractitionerRegistered {
			/// The practitioner.
			who: T::AccountId,
			/// Their key-agreement key.
			key_agreement_key: KeyAgreementKey,
			/// The deposit held.
			deposit: BalanceOf<T>,
		},
		/// A practitioner changed their profile.
		ProfileUpdated {
			/// The practitioner.
			who: T::AccountId,
		},
		/// A practitioner rotated their key-agreement key. Data keys sealed to the old key
		/// should be sealed again to the new one.
		KeyAgreementKeyRotated {
			/// The practitioner.
			who: T::AccountId,
			/// The previous key.
			old: KeyAgreementKey,
			/// The new key.
			new: KeyAgreementKey,
		},
		/// A practitioner deregistered; their ended licences were removed.
		PractitionerDeregistered {
			/// The practitioner.
			who: T::AccountId,
			/// The deposit released.
			deposit: BalanceOf<T>,
			/// How many ended licences were removed with the profile.
			licences_removed: u32,
		},
		/// An authority issued a licence.
		LicenceIssued {
			/// The new licence.
			id: LicenceId,
			/// Its holder.
			holder: T::AccountId,
			/// The issuing authority.
			authority: T::AccountId,
			/// Where it is valid.
			jurisdiction: Vec<u8>,
			/// The role it grants.
			role: PractitionerRole,
			/// Start of validity.
			valid_from: Moment,
			/// End of validity.
			expires_at: Moment,
			/// Whether it is endorsed for emergency care.
			emergency_care: bool,
		},
		/// The issuing authority extended a licence.
		LicenceRenewed {
			/// The licence.
			id: LicenceId,
			/// The new end of validity.
			expires_at: Moment,
		},
		/// The issuing authority suspended a licence.
		LicenceSuspended {
			/// The licence.
			id: LicenceId,
			/// Hash of the decision.
			reason: Hash256,
		},
		/// The issuing authority lifted a suspension.
		LicenceReinstated {
			/// The licence.
			id: LicenceId,
		},
		/// A licence was revoked for good.
		LicenceRevoked {
			/// The licence.
			id: LicenceId,
			/// Hash of the decision.
			reason: Hash256,
			/// Whether governance (rather than the issuing authority) revoked it.
			by_governance: bool,
		},
	}

	/// Errors of the practitioners pallet.
	#[pallet::error]
	pub enum Error<T> {
		/// The account is already an accredited authority: update it instead.
		AuthorityAlreadyExists,
		/// The account is not an accredited authority.
		UnknownAuthority,
		/// The authority is not accredited for this jurisdiction.
		JurisdictionNotAccredited,
		/// A jurisdiction must be an ISO 3166-1 alpha-2 code (`FR`) or an ISO 3166-2 code
		/// (`US-CA`): upper-case letters and digits, at most 6 bytes.
		InvalidJurisdiction,
		/// An authority must be accredited for at least one jurisdiction.
		NoJurisdictions,
		/// More jurisdictions than `MaxJurisdictionsPerAuthority`.
		TooManyJurisdictions,
		/// The same jurisdiction, role or specialty is listed twice.
		Duplicate,
		/// A name must not be empty.
		EmptyName,
		/// A name is longer than `MaxNameLength`.
		NameTooLong,
		/// A profile must list at least one role.
		NoRoles,
		/// More roles than `MaxRoles`.
		TooManyRoles,
		/// More specialties than `MaxSpecialties`.
		TooManySpecialties,
		/// A specialty must be a SNOMED CT concept id: 1 to 18 decimal digits.
		InvalidSpecialty,
		/// The key-agreement key is all zeroes, which no X25519 public key is.
		InvalidKeyAgreementKey,
		/// The new key-agreement key is the current one.
		SameKeyAgreementKey,
		/// The account is already a registered practitioner.
		AlreadyRegistered,
		/// The account is not a registered practitioner.
		NotRegistered,
		/// The deposit cannot be held: not enough free balance.
		InsufficientBalance,
		/// The practitioner holds licences that are valid or suspended; they must end (expire
		/// or be revoked) before the profile can go.
		HasLiveLicences,
		/// The practitioner holds `MaxLicencesPerPractitioner` licences already.
		TooManyLicences,
		/// This authority already issued a live licence for the same practitioner,
		/// jurisdiction, role and specialty: renew that one instead.
		DuplicateLicence,
		/// The expiry must come after the start.
		ExpiryBeforeStart,
		/// The expiry is already in the past.
		AlreadyExpired,
		/// No licence has this id.
		UnknownLicence,
		/// Only the authority that issued the licence may change it.
		NotIssuingAuthority,
		/// A revoked licence is final: it cannot be renewed, suspended or reinstated.
		LicenceRevoked,
		/// Only an active licence can be suspended.
		NotActive,
		/// Only a suspended licence can be reinstated.
		NotSuspended,
		/// A renewal must move the expiry later.
		RenewalMustExtend,
		/// Licence ids are exhausted.
		IdsExhausted,
	}

	/// Genesis: authorities, practitioners and licences of a new chain (development and test
	/// networks; a live network accredits through governance).
	#[pallet::genesis_config]
	#[derive(frame_support::DefaultNoBound)]
	pub struct GenesisConfig<T: Config> {
		/// `(account, name, jurisdictions)` of each accredited authority.
		pub authorities: Vec<(T::AccountId, Vec<u8>, Vec<Vec<u8>>)>,
		/// `(account, display name, roles, specialties, key-agreement key)` of each
		/// practitioner; their deposits are held at genesis.
		pub practitioners:
			Vec<(T::AccountId, Vec<u8>, Vec<PractitionerRole>, Vec<Vec<u8>>, KeyAgreementKey)>,
		/// Licences, issued at genesis.
		pub licences: Vec<GenesisLicence<T::AccountId>>,
	}

	#[pallet::genesis_build]
	impl<T: Config> BuildGenesisConfig for GenesisConfig<T> {
		fn build(&self) {
			for (authority, name, jurisdictions) in &self.authorities {
				Pallet::<T>::do_add_authority(
					authority.clone(),
					name.clone(),
					jurisdictions.clone(),
				)
				.expect("genesis authorities are valid");
			}
			for (who, name, roles, specialties, key) in &self.practitioners {
				Pallet::<T>::do_register(
					who.clone(),
					name.clone(),
					roles.clone(),
					specialties.clone(),
					*key,
				)
				.expect("genesis practitioners are valid and can pay their deposit");
			}
			for l in &self.licences {
				Pallet::<T>::do_issue_licence(
					l.authority.clone(),
					l.holder.clone(),
					LicenceTerms {
						jurisdiction: Pallet::<T>::parse_jurisdiction(l.jurisdiction.clone())
							.expect("genesis jurisdictions are valid"),
						role: l.role,
						specialty: l
							.specialty
							.clone()
							.map(Pallet::<T>::parse_specialty)
							.transpose()
							.expect("genesis specialties are valid"),
						number_commitment: l.number_commitment,
						evidence: l.evidence,
						valid_from: l.valid_from,
						expires_at: l.expires_at,
						emergency_care: l.emergency_care,
					},
				)
				.expect("genesis licences are valid");
			}
		}
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
		/// Accredits a licensing authority for a set of jurisdictions.
		///
		/// Origin: [`Config::GovernanceOrigin`].
		///
		/// # Errors
		/// - `AuthorityAlreadyExists`: `authority` is accredited already.
		/// - `EmptyName`, `NameTooLong`: the name.
		/// - `NoJurisdictions`, `TooManyJurisdictions`, `InvalidJurisdiction`, `Duplicate`: the
		///   jurisdictions.
		///
		/// # Events
		/// `AuthorityAdded`.
		#[pallet::call_index(0)]
		#[pallet::weight(T::WeightInfo::add_authority())]
		pub fn add_authority(
			origin: OriginFor<T>,
			authority: T::AccountId,
			name: Vec<u8>,
			jurisdictions: Vec<Vec<u8>>,
		) -> DispatchResult {
			T::GovernanceOrigin::ensure_origin(origin)?;
			Self::do_add_authority(authority, name, jurisdictions)
		}

		/// Replaces an authority's name and jurisdictions. Licences in jurisdictions it loses
		/// stop counting at once (and count again if the jurisdiction is given back).
		///
		/// Origin: [`Config::GovernanceOrigin`].
		///
		/// # Errors
		/// - `UnknownAuthority`: `authority` is not accredited.
		/// - as [`Pallet::add_authority`] for the name and jurisdictions.
		///
		/// # Events
		/// `AuthorityUpdated`.
		#[pallet::call_index(1)]
		#[pallet::weight(T::WeightInfo::update_authority())]
		pub fn update_authority(
			origin: OriginFor<T>,
			authority: T::AccountId,
			name: Vec<u8>,
			jurisdictions: Vec<Vec<u8>>,
		) -> DispatchResult {
			T::GovernanceOrigin::ensure_origin(origin)?;
			Self::do_update_authority(authority, name, jurisdictions)
		}

		/// Withdraws an authority's accreditation. Every licence it issued stops counting at
		/// once; the licences stay on chain for the record.
		///
		/// Origin: [`Config::GovernanceOrigin`].
		///
		/// # Errors
		/// - `UnknownAuthority`: `authority` is not accredited.
		///
		/// # Events
		/// `AuthorityRemoved`.
		#[pallet::call_index(2)]
		#[pallet::weight(T::WeightInfo::remove_authority())]
		pub fn remove_authority(origin: OriginFor<T>, authority: T::AccountId) -> DispatchResult {
			T::GovernanceOrigin::ensure_origin(origin)?;
			Self::do_remove_authority(authority)
		}

		/// Registers the caller as a practitioner and holds [`Config::RegistrationDeposit`].
		///
		/// Origin: signed, the practitioner.
		///
		/// `roles` and `specialties` are what the practitioner says they practise; what they may
		/// do is decided by their licences. `key_agreement_key` is their X25519 public key, to
		/// which patients' data keys will be sealed; it is not their signing key.
		///
		/// # Errors
		/// - `AlreadyRegistered`.
		/// - `EmptyName`, `NameTooLong`; `NoRoles`, `TooManyRoles`; `TooManySpecialties`,
		///   `InvalidSpecialty`; `Duplicate`; `InvalidKeyAgreementKey`.
		/// - `InsufficientBalance`: the deposit cannot be held.
		///
		/// # Events
		/// `PractitionerRegistered`.
		#[pallet::call_index(3)]
		#[pallet::weight(T::WeightInfo::register())]
		pub fn register(
			origin: OriginFor<T>,
			display_name: Vec<u8>,
			roles: Vec<PractitionerRole>,
			specialties: Vec<Vec<u8>>,
			key_agreement_key: KeyAgreementKey,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_register(who, display_name, roles, specialties, key_agreement_key)
		}

		/// Replaces the caller's display name, roles and specialties.
		///
		/// Origin: signed, a registered practitioner.
		///
		/// # Errors
		/// - `NotRegistered`.
		/// - as [`Pallet::register`] for the fields.
		///
		/// # Events
		/// `ProfileUpdated`.
		#[pallet::call_index(4)]
		#[pallet::weight(T::WeightInfo::update_profile())]
		pub fn update_profile(
			origin: OriginFor<T>,
			display_name: Vec<u8>,
			roles: Vec<PractitionerRole>,
			specialties: Vec<Vec<u8>>,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_update_profile(who, display_name, roles, specialties)
		}

		/// Replaces the caller's key-agreement key.
		///
		/// Origin: signed, a registered practitioner.
		///
		/// # Errors
		/// - `NotRegistered`; `InvalidKeyAgreementKey`; `SameKeyAgreementKey`.
		///
		/// # Events
		/// `KeyAgreementKeyRotated`, with the old and new keys, so that patients' wallets know
		/// to seal their data keys again.
		#[pallet::call_index(5)]
		#[pallet::weight(T::WeightInfo::rotate_key_agreement_key())]
		pub fn rotate_key_agreement_key(
			origin: OriginFor<T>,
			new_key: KeyAgreementKey,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_rotate_key(who, new_key)
		}

		/// Removes the caller's profile and releases the deposit. Licences that have ended
		/// (expired, revoked, or whose authority was withdrawn) are removed with it.
		///
		/// Origin: signed, a registered practitioner.
		///
		/// # Errors
		/// - `NotRegistered`.
		/// - `HasLiveLicences`: a licence is valid, not yet valid, or suspended.
		///
		/// # Events
		/// `PractitionerDeregistered`.
		#[pallet::call_index(6)]
		#[pallet::weight(T::WeightInfo::deregister(T::MaxLicencesPerPractitioner::get()))]
		pub fn deregister(origin: OriginFor<T>) -> DispatchResultWithPostInfo {
			let who = ensure_signed(origin)?;
			let removed = Self::do_deregister(who)?;
			Ok(Some(T::WeightInfo::deregister(removed)).into())
		}

		/// Issues a licence to a registered practitioner.
		///
		/// Origin: signed, an accredited authority, for one of its jurisdictions.
		///
		/// `number_commitment` is `blake2_256(salt ‖ licence number)`: the number stays with
		/// the authority, which can prove it later by revealing the salt. `evidence` is the hash
		/// of what the authority relied on. `emergency_care` endorses the holder for
		/// break-glass emergency access.
		///
		/// # Errors
		/// - `UnknownAuthority`; `JurisdictionNotAccredited`; `InvalidJurisdiction`;
		///   `InvalidSpecialty`.
		/// - `NotRegistered`: the holder is not a registered practitioner.
		/// - `ExpiryBeforeStart`; `AlreadyExpired`.
		/// - `DuplicateLicence`; `TooManyLicences`; `IdsExhausted`.
		///
		/// # Events
		/// `LicenceIssued`.
		#[pallet::call_index(7)]
		#[pallet::weight(T::WeightInfo::issue_licence(T::MaxLicencesPerPractitioner::get()))]
		pub fn issue_licence(
			origin: OriginFor<T>,
			holder: T::AccountId,
			jurisdiction: Vec<u8>,
			role: PractitionerRole,
			specialty: Option<Vec<u8>>,
			number_commitment: Hash256,
			evidence: Hash256,
			valid_from: Moment,
			expires_at: Moment,
			emergency_care: bool,
		) -> DispatchResult {
			let authority = ensure_signed(origin)?;
			let jurisdiction = Self::parse_jurisdiction(jurisdiction)?;
			let specialty = specialty.map(Self::parse_specialty).transpose()?;
			Self::do_issue_licence(
				authority,
				holder,
				LicenceTerms {
					jurisdiction,
					role,
					specialty,
					number_commitment,
					evidence,
					valid_from,
					expires_at,
					emergency_care,
				},
			)
			.map(|_| ())
		}

		/// Moves a licence's expiry later, optionally with new evidence. A suspended licence
		/// stays suspended.
		///
		/// Origin: signed, the issuing authority, still accredited for the jurisdiction.
		///
		/// # Errors
		/// - `UnknownLicence`; `NotIssuingAuthority`; `UnknownAuthority`;
		///   `JurisdictionNotAccredited`.
		/// - `LicenceRevoked`: a revoked licence cannot be renewed.
		/// - `RenewalMustExtend`; `AlreadyExpired`.
		///
		/// # Events
		/// `LicenceRenewed`.
		#[pallet::call_index(8)]
		#[pallet::weight(T::WeightInfo::renew_licence())]
		pub fn renew_licence(
			origin: OriginFor<T>,
			id: LicenceId,
			expires_at: Moment,
			evidence: Option<Hash256>,
		) -> DispatchResult {
			let authority = ensure_signed(origin)?;
			Self::do_renew_licence(authority, id, expires_at, evidence)
		}

		/// Suspends an active licence: it stops counting at once.
		///
		/// Origin: signed, the issuing authority, still accredited for the jurisdiction.
		///
		/// # Errors
		/// - `UnknownLicence`; `NotIssuingAuthority`; `UnknownAuthority`;
		///   `JurisdictionNotAccredited`; `LicenceRevoked`; `NotActive`.
		///
		/// # Events
		/// `LicenceSuspended`.
		#[pallet::call_index(9)]
		#[pallet::weight(T::WeightInfo::suspend_licence())]
		pub fn suspend_licence(
			origin: OriginFor<T>,
			id: LicenceId,
			reason: Hash256,
		) -> DispatchResult {
			let authority = ensure_signed(origin)?;
			Self::do_set_status(authority, id, LicenceStatus::Suspended, reason)
		}

		/// Lifts a suspension: the licence counts again (if within its validity).
		///
		/// Origin: signed, the issuing authority, still accredited for the jurisdiction.
		///
		/// # Errors
		/// - `UnknownLicence`; `NotIssuingAuthority`; `UnknownAuthority`;
		///   `JurisdictionNotAccredited`; `LicenceRevoked`; `NotSuspended`.
		///
		/// # Events
		/// `LicenceReinstated`.
		#[pallet::call_index(10)]
		#[pallet::weight(T::WeightInfo::reinstate_licence())]
		pub fn reinstate_licence(origin: OriginFor<T>, id: LicenceId) -> DispatchResult {
			let authority = ensure_signed(origin)?;
			Self::do_set_status(authority, id, LicenceStatus::Active, [0u8; 32])
		}

		/// Revokes a licence for good.
		///
		/// Origin: signed, the issuing authority (accredited or not: an authority may always
		/// withdraw what it issued).
		///
		/// # Errors
		/// - `UnknownLicence`; `NotIssuingAuthority`; `LicenceRevoked` (already revoked).
		///
		/// # Events
		/// `LicenceRevoked` with `by_governance: false`.
		#[pallet::call_index(11)]
		#[pallet::weight(T::WeightInfo::revoke_licence())]
		pub fn revoke_licence(
			origin: OriginFor<T>,
			id: LicenceId,
			reason: Hash256,
		) -> DispatchResult {
			let authority = ensure_signed(origin)?;
			Self::do_revoke(Some(authority), id, reason)
		}

		/// Revokes any licence for good.
		///
		/// Origin: [`Config::GovernanceOrigin`].
		///
		/// # Errors
		/// - `UnknownLicence`; `LicenceRevoked` (already revoked).
		///
		/// # Events
		/// `LicenceRevoked` with `by_governance: true`.
		#[pallet::call_index(12)]
		#[pallet::weight(T::WeightInfo::force_revoke_licence())]
		pub fn force_revoke_licence(
			origin: OriginFor<T>,
			id: LicenceId,
			reason: Hash256,
		) -> DispatchResult {
			T::GovernanceOrigin::ensure_origin(origin)?;
			Self::do_revoke(None, id, reason)
		}
	}
}

/// A licence in the genesis config.
#[derive(Clone, PartialEq, Eq, Debug, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GenesisLicence<AccountId> {
	/// The holder, a practitioner registered in the same genesis.
	pub holder: AccountId,
	/// The issuing authority, accredited in the same genesis.
	pub authority: AccountId,
	/// Where it is valid (ISO 3166 code).
	pub jurisdiction: alloc::vec::Vec<u8>,
	/// The role it grants.
	pub role: telemed_primitives::PractitionerRole,
	/// The specialty it names, if any (SNOMED CT id).
	pub specialty: Option<alloc::vec::Vec<u8>>,
	/// Commitment to the licence number.
	pub number_commitment: telemed_primitives::Hash256,
	/// Hash of the evidence.
	pub evidence: telemed_primitives::Hash256,
	/// Start of validity.
	pub valid_from: telemed_primitives::Moment,
	/// End of validity.
	pub expires_at: telemed_primitives::Moment,
	/// Emergency care endorsement.
	pub emergency_care: bool,
}

/// What an authority sets when it issues a licence, validated.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct LicenceTerms {
	/// Where it is valid.
	pub jurisdiction: telemed_primitives::JurisdictionCode,
	/// The role it grants.
	pub role: telemed_primitives::PractitionerRole,
	/// The specialty it names, if any.
	pub specialty: Option<telemed_primitives::SpecialtyCode>,
	/// Commitment to the licence number.
	pub number_commitment: telemed_primitives::Hash256,
	/// Hash of the evidence.
	pub evidence: telemed_primitives::Hash256,
	/// Start of validity.
	pub valid_from: telemed_primitives::Moment,
	/// End of validity.
	pub expires_at: telemed_primitives::Moment,
	/// Emergency care endorsement.
	pub emergency_care: bool,
}
