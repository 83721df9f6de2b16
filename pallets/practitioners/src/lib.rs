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
//!   expiry, and its authority must still be accredited for its jurisdiction, by the
//!   accreditation under which it issued the licence. Standing is computed when asked, so
//!   expiry, suspension, revocation and loss of accreditation take effect at once with no
//!   storage sweep.
//! - **Ended licence**: one that can never count again: revoked, past its expiry (whatever its
//!   status), or issued under an accreditation that governance withdrew (the authority was
//!   removed, and perhaps accredited again since). A suspended licence within its validity,
//!   or one whose authority merely lost the jurisdiction for now (governance may give it
//!   back), has not ended.
//! - **Emergency care endorsement**: a flag an authority sets on a licence. A practitioner may
//!   open break-glass emergency access only while holding a valid licence so endorsed.
//!
//! ## Pallet API
//!
//! Governance ([`Config::GovernanceOrigin`]): [`Pallet::add_authority`],
//! [`Pallet::update_authority`], [`Pallet::remove_authority`], [`Pallet::force_revoke_licence`].
//!
//! Anyone (signed): [`Pallet::prune_licences`].
//!
//! Practitioners (signed): [`Pallet::register`], [`Pallet::update_profile`],
//! [`Pallet::rotate_key_agreement_key`], [`Pallet::deregister`], [`Pallet::surrender_licence`].
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
//! - An authority never licenses its own account. A holder may always surrender a licence
//!   ([`Pallet::surrender_licence`]): giving up a right harms nobody, and an authority cannot
//!   trap a practitioner with licences they never asked for (filling their slots, or keeping
//!   them from deregistering).
//! - An authority acts only in the jurisdictions it is accredited for *now*.
//! - An ended licence is final: it cannot be renewed, suspended or reinstated (a licence is
//!   renewed before it expires; after, the authority issues a new one).
//! - Withdrawing an authority ends every licence it issued: accrediting the same account again
//!   later does not bring them back (it must issue new ones). Taking a jurisdiction away from
//!   an authority only stops its licences there from counting while the jurisdiction is away.
//! - A practitioner cannot deregister while holding a licence that is valid, not yet valid or
//!   suspended within its validity (a suspension may be lifted); deregistering removes their
//!   other licences and releases the deposit.
//! - A practitioner holds at most [`Config::MaxLicencesPerPractitioner`] licences, ended ones
//!   included. Ended licences can be pruned by anyone ([`Pallet::prune_licences`]): they can
//!   never count again, so removing them harms nobody, and no other pallet keeps a licence id
//!   (licence history lives in the events). Issuing a licence to a practitioner at the bound
//!   prunes their ended licences first, so a slot held by an ended licence is never lost.
//!   Governance's revocation ([`Pallet::force_revoke_licence`]) removes the licence at once;
//!   an issuing authority's revocation leaves it visible (standing `Revoked`) until pruned.
//! - "Is `who` licensed" ([`telemed_primitives::PractitionerRegistry::is_licensed`],
//!   `may_use_emergency_access`) reads two items whatever `who` holds: the holder's summary of
//!   licences whose status is `Active` ([`ActiveLicences`]) and, if one within its validity
//!   window matches the question, the table of accreditations ([`Accreditations`], one entry
//!   per authority, at most [`Config::MaxAuthorities`]), never the licences themselves. Status
//!   changes rewrite the summary in the same call, governance's authority changes the table;
//!   expiry is evaluated when asked. No sweep.
//! - Every key-agreement key is checked with
//!   [`telemed_primitives::is_valid_key_agreement_key`]: the all-zero key and the other
//!   small-order or non-canonical X25519 points are refused, at registration, rotation and
//!   genesis alike.

#![cfg_attr(not(feature = "std"), no_std)]
#![deny(missing_docs)]

extern crate alloc;

pub use pallet::*;
pub use types::*;
pub use weights::WeightInfo;

#[cfg(feature = "runtime-benchmarks")]
mod benchmarking;
mod impls;
pub mod migrations;
#[cfg(test)]
mod mock;
mod revocation;
#[cfg(test)]
mod tests;
mod try_state;
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
	use telemed_primitives::{
		Hash256, JurisdictionCode, KeyAgreementKey, LicenceId, LicenceRevocation, Moment,
		PractitionerRole, SpecialtyCode,
	};

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

	/// A name (of a practitioner or an authority) as a call takes it and as stored.
	pub type NameOf<T> = BoundedVec<u8, <T as Config>::MaxNameLength>;

	/// The jurisdictions of an authority as a call takes them.
	pub type JurisdictionsOf<T> =
		BoundedVec<JurisdictionCode, <T as Config>::MaxJurisdictionsPerAuthority>;

	/// The roles of a profile as a call takes them.
	pub type RolesOf<T> = BoundedVec<PractitionerRole, <T as Config>::MaxRoles>;

	/// An entry of [`Accreditations`].
	pub type AccreditedOf<T> = Accredited<
		<T as frame_system::Config>::AccountId,
		<T as Config>::MaxJurisdictionsPerAuthority,
	>;

	/// The specialties of a profile as a call takes them.
	pub type SpecialtiesOf<T> = BoundedVec<SpecialtyCode, <T as Config>::MaxSpecialties>;

	/// The in-code storage version. 2: each holder's licences whose status is `Active` are
	/// summarised in [`ActiveLicences`]; see [`crate::migrations::v2`]. 3: what lookups need of
	/// every authority is kept in one table, [`Accreditations`]; see [`crate::migrations::v3`].
	pub(crate) const STORAGE_VERSION: StorageVersion = StorageVersion::new(3);

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

		/// How many authorities may be accredited at once: the bound of [`Accreditations`],
		/// which every licence lookup reads whole.
		#[pallet::constant]
		type MaxAuthorities: Get<u32>;

		/// How many licences (of any status, ended ones included until pruned) a practitioner
		/// may hold at once.
		#[pallet::constant]
		type MaxLicencesPerPractitioner: Get<u32>;

		/// Told whenever a licence ends for good by a decision (revoked by its authority or by
		/// governance, surrendered, or its authority withdrawn), so that the holder's key
		/// envelopes it may no longer read leave state (the records pallet). Suspension and
		/// expiry are not reported.
		type LicenceRevocation: LicenceRevocation<Self::AccountId>;

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

	/// What licence lookups need of every accredited authority (when it was accredited, where
	/// it may license), sorted by account: one read answers for all of a holder's licences,
	/// whatever their authorities. Rewritten with [`Authorities`] by `add_authority`,
	/// `update_authority` and `remove_authority` (governance), never otherwise.
	#[pallet::storage]
	pub type Accreditations<T: Config> =
		StorageValue<_, BoundedVec<AccreditedOf<T>, T::MaxAuthorities>, ValueQuery>;

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
	/// list instead of every licence. Never stored empty.
	// Hasher: user-chosen key (the practitioner's account): `Blake2_128Concat`.
	#[pallet::storage]
	pub type LicencesOf<T: Config> = StorageMap<
		_,
		Blake2_128Concat,
		T::AccountId,
		BoundedVec<LicenceId, T::MaxLicencesPerPractitioner>,
		ValueQuery,
	>;

	/// Each holder's licences whose status is `Active`, by id, with what their standing and
	/// lookups need ([`ActiveLicence`]): "is `who` licensed" reads this and [`Accreditations`],
	/// never the licences themselves. Rewritten by every call that changes a licence's status
	/// or window (issue, renew, suspend, reinstate, revoke, surrender, prune, deregister);
	/// expiry is evaluated when asked. Never stored empty.
	// Hasher: user-chosen key (the practitioner's account): `Blake2_128Concat`.
	#[pallet::storage]
	pub type ActiveLicences<T: Config> = StorageMap<
		_,
		Blake2_128Concat,
		T::AccountId,
		BoundedVec<ActiveLicence<T::AccountId>, T::MaxLicencesPerPractitioner>,
		ValueQuery,
	>;

	/// The id the next licence will get.
	#[pallet::storage]
	pub type NextLicenceId<T> = StorageValue<_, LicenceId, ValueQuery>;

	/// After an authority's withdrawal: the next licence id `on_idle` examines and the end of
	/// the walk (exclusive), to report the holders of the licences it ended to
	/// [`Config::LicenceRevocation`]. Absent when no walk is under way.
	#[pallet::storage]
	pub type WithdrawalSweep<T> = StorageValue<_, (LicenceId, LicenceId), OptionQuery>;

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
		/// A licence was revoked for good. When governance revoked it, a `LicencesPruned`
		/// follows: the licence is removed at once.
		LicenceRevoked {
			/// The licence.
			id: LicenceId,
			/// Hash of the decision.
			reason: Hash256,
			/// Whether governance (rather than the issuing authority) revoked it.
			by_governance: bool,
		},
		/// A holder gave up a licence: it was removed at once.
		LicenceSurrendered {
			/// The licence.
			id: LicenceId,
			/// Its former holder.
			holder: T::AccountId,
		},
		/// Ended licences were removed from a practitioner's list and from storage: by
		/// `prune_licences`, by `issue_licence` at the bound, or by `force_revoke_licence`.
		LicencesPruned {
			/// The practitioner who held them.
			holder: T::AccountId,
			/// The licences removed.
			ids: Vec<LicenceId>,
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
		/// More jurisdictions than `MaxJurisdictionsPerAuthority` (genesis only: calls take a
		/// bounded list, so a longer one fails to decode).
		TooManyJurisdictions,
		/// The same jurisdiction, role or specialty is listed twice.
		Duplicate,
		/// A name must not be empty.
		EmptyName,
		/// A name is longer than `MaxNameLength` (genesis only: calls take bounded names, so
		/// a longer one fails to decode).
		NameTooLong,
		/// A profile must list at least one role.
		NoRoles,
		/// More roles than `MaxRoles` (genesis only: calls take a bounded list).
		TooManyRoles,
		/// More specialties than `MaxSpecialties` (genesis only: calls take a bounded list).
		TooManySpecialties,
		/// A specialty must be a SNOMED CT concept id: 1 to 18 decimal digits.
		InvalidSpecialty,
		/// The key-agreement key is not a usable X25519 public key: all zeroes, another point
		/// of small order (data keys sealed to it would be readable by anyone), or not in
		/// canonical form. See [`telemed_primitives::is_valid_key_agreement_key`].
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
		/// None of the practitioner's licences has ended: there is nothing to prune.
		NothingToPrune,
		/// The licence was issued under an earlier accreditation of its authority, which
		/// governance withdrew: it has ended and cannot be changed. Issue a new one.
		AccreditationWithdrawn,
		/// The licence has expired: it has ended and cannot be renewed, suspended or
		/// reinstated (anyone may prune it). Issue a new one.
		LicenceExpired,
		/// An authority cannot license its own account: a licence needs a licensing authority
		/// other than its holder.
		SelfLicensing,
		/// Only a licence's holder may surrender it.
		NotHolder,
		/// `MaxAuthorities` authorities are accredited already: withdraw one first.
		TooManyAuthorities,
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

	// An invalid entry stops the build with a message naming it: a chain spec with a bad entry
	// must not start a chain.
	#[pallet::genesis_build]
	impl<T: Config> BuildGenesisConfig for GenesisConfig<T> {
		fn build(&self) {
			for (authority, name, jurisdictions) in &self.authorities {
				Pallet::<T>::genesis_authority(authority.clone(), name, jurisdictions)
					.expect("genesis authorities are valid");
			}
			for (who, name, roles, specialties, key) in &self.practitioners {
				assert!(
					telemed_primitives::is_valid_key_agreement_key(key),
					"genesis practitioner {who:?}: the key-agreement key is not a valid X25519 \
					 public key (all-zero, small-order or non-canonical)",
				);
				Pallet::<T>::genesis_practitioner(who.clone(), name, roles, specialties, *key)
					.expect("genesis practitioners are valid and can pay their deposit");
			}
			for l in &self.licences {
				Pallet::<T>::do_issue_licence(
					l.authority.clone(),
					l.holder.clone(),
					LicenceTerms {
						jurisdiction: Pallet::<T>::parse_jurisdiction(
							l.jurisdiction.clone().try_into().expect("genesis jurisdictions fit"),
						)
						.expect("genesis jurisdictions are valid"),
						role: l.role,
						specialty: l
							.specialty
							.clone()
							.map(|s| {
								Pallet::<T>::parse_specialty(
									s.try_into().map_err(|_| Error::<T>::InvalidSpecialty)?,
								)
							})
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
		/// Continues the walk over the licences of withdrawn authorities, reporting their
		/// holders to [`Config::LicenceRevocation`], within `remaining_weight`.
		fn on_idle(_n: BlockNumberFor<T>, remaining_weight: Weight) -> Weight {
			Self::sweep_withdrawn(remaining_weight)
		}

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
		/// `name` and `jurisdictions` are bounded (`MaxNameLength`, `MaxJurisdictionsPerAuthority`,
		/// 6 bytes a code): longer input fails to decode, before any work is done.
		///
		/// # Errors
		/// - `AuthorityAlreadyExists`: `authority` is accredited already.
		/// - `TooManyAuthorities`: `MaxAuthorities` are accredited already.
		/// - `EmptyName`: the name.
		/// - `NoJurisdictions`, `InvalidJurisdiction`, `Duplicate`: the jurisdictions.
		///
		/// # Events
		/// `AuthorityAdded`.
		#[pallet::call_index(0)]
		#[pallet::weight(T::WeightInfo::add_authority())]
		pub fn add_authority(
			origin: OriginFor<T>,
			authority: T::AccountId,
			name: NameOf<T>,
			jurisdictions: JurisdictionsOf<T>,
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
			name: NameOf<T>,
			jurisdictions: JurisdictionsOf<T>,
		) -> DispatchResult {
			T::GovernanceOrigin::ensure_origin(origin)?;
			Self::do_update_authority(authority, name, jurisdictions)
		}

		/// Withdraws an authority's accreditation. Every licence it issued has ended at once
		/// and for good: accrediting the same account again later does not revive them. They
		/// stay on chain (standing `AuthorityWithdrawn`) until pruned. `on_idle` then walks the
		/// licences and reports their holders to [`Config::LicenceRevocation`].
		///
		/// Origin: [`Config::GovernanceOrigin`].
		///
		/// # Errors
		/// - `UnknownAuthority`: `authority` is not accredited.
		///
		/// # Events
		/// `AuthorityRemoved`.
		#[pallet::call_index(2)]
		#[pallet::weight(T::WeightInfo::remove_authority()
			.saturating_add(Pallet::<T>::start_withdrawal_sweep_weight()))]
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
		/// which patients' data keys will be sealed; it is not their signing key. The name and
		/// lists are bounded (`MaxNameLength`, `MaxRoles`, `MaxSpecialties`, 18 bytes a code):
		/// longer input fails to decode.
		///
		/// # Errors
		/// - `AlreadyRegistered`.
		/// - `EmptyName`; `NoRoles`; `InvalidSpecialty`; `Duplicate`.
		/// - `InvalidKeyAgreementKey`: all-zero, small-order or non-canonical key.
		/// - `InsufficientBalance`: the deposit cannot be held.
		///
		/// # Events
		/// `PractitionerRegistered`.
		#[pallet::call_index(3)]
		#[pallet::weight(T::WeightInfo::register())]
		pub fn register(
			origin: OriginFor<T>,
			display_name: NameOf<T>,
			roles: RolesOf<T>,
			specialties: SpecialtiesOf<T>,
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
			display_name: NameOf<T>,
			roles: RolesOf<T>,
			specialties: SpecialtiesOf<T>,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_update_profile(who, display_name, roles, specialties)
		}

		/// Replaces the caller's key-agreement key.
		///
		/// Origin: signed, a registered practitioner.
		///
		/// # Errors
		/// - `NotRegistered`; `SameKeyAgreementKey`.
		/// - `InvalidKeyAgreementKey`: all-zero, small-order or non-canonical key.
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

		/// Removes the caller's profile and releases the deposit. Their licences, none of which
		/// may be live, are removed with it.
		///
		/// Origin: signed, a registered practitioner.
		///
		/// # Errors
		/// - `NotRegistered`.
		/// - `HasLiveLicences`: a licence is valid, not yet valid, or suspended within its
		///   validity. (Ended licences, and licences of an authority that lost the
		///   jurisdiction, do not block.)
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
		/// break-glass emergency access. `jurisdiction` (6 bytes) and `specialty` (18 bytes)
		/// are bounded: longer input fails to decode.
		///
		/// If the holder already holds `MaxLicencesPerPractitioner` licences, their ended
		/// licences are pruned first (see [`Pallet::prune_licences`]).
		///
		/// # Errors
		/// - `UnknownAuthority`; `JurisdictionNotAccredited`; `InvalidJurisdiction`;
		///   `InvalidSpecialty`.
		/// - `NotRegistered`: the holder is not a registered practitioner.
		/// - `SelfLicensing`: the holder is the authority itself.
		/// - `ExpiryBeforeStart`; `AlreadyExpired`.
		/// - `DuplicateLicence`; `IdsExhausted`.
		/// - `TooManyLicences`: the holder has `MaxLicencesPerPractitioner` licences and none
		///   of them has ended.
		///
		/// # Events
		/// `LicencesPruned` if ended licences made room, then `LicenceIssued`.
		#[pallet::call_index(7)]
		#[pallet::weight(
			T::WeightInfo::issue_licence(T::MaxLicencesPerPractitioner::get().saturating_sub(1))
				.saturating_add(T::WeightInfo::prune_licences(T::MaxLicencesPerPractitioner::get()))
		)]
		pub fn issue_licence(
			origin: OriginFor<T>,
			holder: T::AccountId,
			jurisdiction: JurisdictionCode,
			role: PractitionerRole,
			specialty: Option<SpecialtyCode>,
			number_commitment: Hash256,
			evidence: Hash256,
			valid_from: Moment,
			expires_at: Moment,
			emergency_care: bool,
		) -> DispatchResultWithPostInfo {
			let authority = ensure_signed(origin)?;
			let jurisdiction = Self::parse_jurisdiction(jurisdiction)?;
			let specialty = specialty.map(Self::parse_specialty).transpose()?;
			let issued = Self::do_issue_licence(
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
			)?;
			let max_scanned = T::MaxLicencesPerPractitioner::get().saturating_sub(1);
			let mut weight = T::WeightInfo::issue_licence(issued.scanned.min(max_scanned));
			if issued.pruned > 0 {
				weight.saturating_accrue(T::WeightInfo::prune_licences(issued.pruned));
			}
			Ok(Some(weight).into())
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
		/// - `LicenceExpired`: an expired licence has ended: issue a new one.
		/// - `AccreditationWithdrawn`: issued under an accreditation since withdrawn.
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
		///   `JurisdictionNotAccredited`; `LicenceRevoked`; `LicenceExpired`;
		///   `AccreditationWithdrawn`; `NotActive`.
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
		///   `JurisdictionNotAccredited`; `LicenceRevoked`; `LicenceExpired`;
		///   `AccreditationWithdrawn`; `NotSuspended`.
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
		#[pallet::weight(T::WeightInfo::revoke_licence()
			.saturating_add(T::LicenceRevocation::licence_revoked_weight()))]
		pub fn revoke_licence(
			origin: OriginFor<T>,
			id: LicenceId,
			reason: Hash256,
		) -> DispatchResult {
			let authority = ensure_signed(origin)?;
			Self::do_revoke(Some(authority), id, reason)
		}

		/// Revokes any licence for good and removes it at once, freeing the holder's slot. The
		/// record of the decision is the event.
		///
		/// Origin: [`Config::GovernanceOrigin`].
		///
		/// # Errors
		/// - `UnknownLicence`; `LicenceRevoked` (already revoked by its authority: anyone may
		///   prune it, [`Pallet::prune_licences`]).
		///
		/// # Events
		/// `LicenceRevoked` with `by_governance: true`, then `LicencesPruned` with its id.
		#[pallet::call_index(12)]
		#[pallet::weight(T::WeightInfo::force_revoke_licence()
			.saturating_add(T::LicenceRevocation::licence_revoked_weight()))]
		pub fn force_revoke_licence(
			origin: OriginFor<T>,
			id: LicenceId,
			reason: Hash256,
		) -> DispatchResult {
			T::GovernanceOrigin::ensure_origin(origin)?;
			Self::do_revoke(None, id, reason)
		}

		/// Removes every ended licence of `holder` from their list and from storage, freeing
		/// their slots. A licence has ended when it can never count again: revoked, past its
		/// expiry (whatever its status: a suspension of an expired licence changes nothing on
		/// chain), or issued under an accreditation governance withdrew. A suspended licence
		/// within its validity has not ended, nor has one whose authority lost the
		/// jurisdiction for now.
		///
		/// Origin: signed, anyone. Removing an ended licence harms nobody: no pallet keeps
		/// licence ids, and the licence's history is in the events.
		///
		/// # Errors
		/// - `NothingToPrune`: none of `holder`'s licences has ended (or they have none).
		///
		/// # Events
		/// `LicencesPruned`.
		#[pallet::call_index(13)]
		#[pallet::weight(T::WeightInfo::prune_licences(T::MaxLicencesPerPractitioner::get()))]
		pub fn prune_licences(
			origin: OriginFor<T>,
			holder: T::AccountId,
		) -> DispatchResultWithPostInfo {
			ensure_signed(origin)?;
			let pruned = Self::do_prune_licences(holder)?;
			Ok(Some(T::WeightInfo::prune_licences(pruned)).into())
		}

		/// Gives up one of the caller's licences, whatever its status: it is removed at once
		/// and its slot freed. The record of it is the events. Giving up a suspended licence
		/// ends it for good (the holder escapes nothing: the licence no longer counts).
		///
		/// Origin: signed, the licence's holder.
		///
		/// # Errors
		/// - `UnknownLicence`; `NotHolder`: the caller does not hold it.
		///
		/// # Events
		/// `LicenceSurrendered`.
		#[pallet::call_index(14)]
		#[pallet::weight(T::WeightInfo::surrender_licence()
			.saturating_add(T::LicenceRevocation::licence_revoked_weight()))]
		pub fn surrender_licence(origin: OriginFor<T>, id: LicenceId) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_surrender(who, id)
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

/// What issuing a licence did, for the call's actual weight.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Issued {
	/// The new licence's id.
	pub id: telemed_primitives::LicenceId,
	/// How many of the holder's licences were checked for a duplicate.
	pub scanned: u32,
	/// How many ended licences were pruned to make room.
	pub pruned: u32,
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
