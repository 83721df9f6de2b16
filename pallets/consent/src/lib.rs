//! # Consent
//!
//! The patient decides who sees what, for what purpose and for how long, and can see afterwards
//! who looked.
//!
//! ## Overview
//!
//! Consents are shaped after FHIR R5 `Consent` (subject, actor, decision, one provision with
//! period, action, purpose and data), so that they map onto hospital systems. The chain never
//! learns what the data is: a scope names blinded tags ([`telemed_primitives::Tag`], keyed
//! hashes computed off chain from the patient's tag key) or record ids, never a category. Patients
//! appoint delegates (guardians, carers, legal proxies) who act for them within a scope.
//! Licensed practitioners endorsed for emergency care may break the glass for a limited time;
//! every break-glass access is reviewed afterwards. Every access that goes through the chain is
//! written to the patient's disclosure log.
//!
//! The other pallets ask this one through [`telemed_primitives::ConsentVerifier`] (may this
//! access happen now, and on what basis), [`telemed_primitives::DisclosureLog`] (account for
//! it) and [`telemed_primitives::DelegationInspector`] (may this agent act for the patient).
//!
//! ## Terminology
//!
//! - **Consent**: a patient's permit or deny for one grantee, a set of actions (read, append,
//!   amend), a scope (all data, blinded tags, or named records), purposes of use (HL7
//!   `PurposeOfUse`) and a period (start, optional end). It holds a deposit until cleaned up.
//! - **Scope**: all data, blinded tags, or named records. A record is named by the id of any
//!   of its versions and stored by its stable identity (the id of its first version, resolved
//!   through [`Config::Records`]), so a record scope, permit or deny, covers every version,
//!   amendments included. Only the patient's own existing records can be named: checked
//!   against the patient's list of versions in one read however many are named
//!   ([`RecordInspector::patient_records`]). Any tag may be named: one no record carries yet
//!   covers the patient's future records; one another patient's records carry covers nothing
//!   while they carry it (a scope covers the patient's own data only, and the records pallet
//!   refuses a record of theirs with another patient's tag), so it is not looked up, a read
//!   per tag.
//! - **Access target**: what an access is to ([`telemed_primitives::AccessTarget`]): one
//!   record (its tag and stable identity), data under a tag (adding a record), all data
//!   (break-glass), or the relationship alone (no data: an insurer's payment consent, checked
//!   when a claim is made).
//! - **Grantee kind**: decided at each access. A permit needs the grantee to hold a valid
//!   licence if the grantee is a registered practitioner now, or was one when the consent was
//!   granted (deregistering does not escape a revocation); a permit to any other account (an
//!   organisation such as an insurer) needs none.
//! - **Delegate**: an account a patient appoints with scopes ([`DelegateScope`]) and an
//!   optional end. `ManageConsents` lets it grant, revoke and review for the patient;
//!   `AccessRecords` gives it the patient's own access to their data; `EmergencyCustodian`
//!   gives it no access at all (the access rule never names it): the records pallet lets it
//!   hold the data keys the patient seals to it and release them only to a practitioner whose
//!   break-glass access is open, each release logged on that emergency's basis. A delegate
//!   cannot grant a consent to itself, and a consent it grants ends no later than its
//!   appointment: its end is capped to the appointment's end, and it stops counting for good
//!   once the appointment expires or is removed (the removal marks it
//!   [`ConsentStatus::Lapsed`] in the same call, so no access reads a delegation). Nothing
//!   on chain can tell that a second account is controlled by the same person as the
//!   delegate: a delegate can still grant to such an account, but that consent too ends with
//!   the delegation.
//! - **Break-glass**: emergency access opened by a practitioner whom the
//!   [`telemed_primitives::PractitionerRegistry`] allows (a valid licence endorsed for
//!   emergency care). It covers any action for the purpose `EmergencyTreatment`, overrides the
//!   patient's consents (denies included), lasts [`Config::EmergencyAccessDuration`] at most and
//!   holds [`Config::EmergencyDeposit`] until reviewed.
//! - **Disclosure log**: the patient's accounting of disclosures (HIPAA style). An entry names
//!   a record by its id only, never with its tag ([`telemed_primitives::DisclosedData`]).
//! - **Envelope pruning**: the records pallet keeps each grantee's sealed data keys
//!   ([`Config::Envelopes`]). Whenever a call here ends or narrows what a grantee may read
//!   (a permit revoked or cleaned up, a deny granted, a break-glass access closed or
//!   reviewed, a delegate removed), it asks the keeper, in the same call, to remove the
//!   grantee's envelopes of that patient that the grantee may no longer read; the call
//!   charges [`EnvelopeKeeper::max_prune_weight`] up front and refunds what was not used.
//!   Each call prunes for one grantee (bounded): the grantees of the consents a removed
//!   delegate granted lose theirs when those consents are cleaned up.
//!
//! ## Access rule
//!
//! `check_access(accessor, patient, action, target, purpose)` decides, in order:
//! 1. the patient themselves: allowed (`Patient`);
//! 2. a delegate with `AccessRecords` now: allowed (`Delegate`);
//! 3. an open break-glass access of the accessor for the patient, purpose
//!    `EmergencyTreatment`, accessor still endorsed: allowed (`Emergency`);
//! 4. a deny consent of the patient for the accessor covering the request and in force:
//!    refused (`ExplicitlyDenied`) — a deny overrides every permit;
//! 5. a permit in force covering the request: allowed (`Consent`) if it needs no licence, or
//!    the accessor holds a valid licence now. A permit needs a licence when the accessor is a
//!    registered practitioner now, or the permit was granted to them as a practitioner. If
//!    every covering permit needs a licence the accessor lacks: refused (`NotLicensed`);
//! 6. otherwise refused (`NoConsent`).
//!
//! Steps 4 and 5 read one item: the provisions of the patient's consents to the accessor in
//! the [`ConsentsByGrantee`] index (at most [`Config::MaxConsentsPerGrantee`] of them, in the
//! order granted), never the consents themselves nor a delegation: an access check reads a
//! constant number of items whatever the patient holds. A check says how many consents it
//! weighed ([`telemed_primitives::ConsentVerifier::check_access_reading`]; its licence
//! lookups, the break-glass lookup of step 3 and the licence lookup of step 5, read a constant
//! number of items each); the calls that check access (here
//! [`Pallet::log_access`], in the records pallet adding, amending and reading a record) are
//! charged for the most ([`telemed_primitives::ConsentVerifier::most_reads`]) and refunded to
//! that.
//!
//! "Covering" ([`Consent::covers`]): the consent lists the action and the purpose, and its
//! scope covers the target: all data covers every target; tags cover a record or tag target
//! with a listed tag; records cover a record target whose stable identity is listed. A
//! relationship target is covered by a permit of any scope but only by a deny of all data; an
//! all-data target is covered by a permit of all data only, and by a deny of any scope (all
//! data includes what the deny withholds).
//!
//! "In force" means: active (neither revoked nor lapsed) and within its period. For a consent a
//! delegate granted this includes the appointment: the period ends no later than the
//! appointment's end, and the appointment's removal marks the consent lapsed. A record scope matches the record target's stable identity: callers of
//! [`telemed_primitives::ConsentVerifier::check_access`] pass it (the records pallet resolves
//! the version read), and [`Pallet::log_access`] resolves the version it is given.
//!
//! Expiry needs no sweep: periods, delegations and licences are evaluated against the current
//! time when asked. The envelopes of a grantee whose consent expired (or whose delegate-granted
//! consent ended with the delegation) go when the consent is cleaned up
//! ([`Pallet::remove_consent`], open to anyone, the patient included).
//!
//! ## Break-glass reviews
//!
//! Each practitioner may have at most [`Config::MaxPendingReviews`] unreviewed break-glass
//! accesses to one patient: the bound is per (patient, practitioner), so one practitioner's
//! unreviewed accesses never stop another from breaking the glass.
//!
//! ## Disclosure log storage
//!
//! Each patient's log is a ring of the last [`Config::MaxDisclosuresPerPatient`] disclosures,
//! numbered from 0 in the order they happened; older entries are overwritten. Every disclosure
//! is also emitted in full as a `Disclosed` event, so an indexer or the patient's wallet keeps
//! the whole history. The ring bounds storage without making the accessor pay a deposit.
//!
//! ## Pallet API
//!
//! Patients and delegates: [`Pallet::grant_consent`], [`Pallet::revoke_consent`] (free of fees
//! when it succeeds, so a patient with no free balance can still revoke),
//! [`Pallet::add_delegate`], [`Pallet::remove_delegate`], [`Pallet::review_emergency_access`].
//!
//! Anyone: [`Pallet::remove_consent`] (cleanup of an ended consent; the deposit goes back to
//! whoever paid it, and a permit's grantee loses the envelopes it may no longer read).
//!
//! Practitioners and other accessors: [`Pallet::open_emergency_access`],
//! [`Pallet::close_emergency_access`], [`Pallet::log_access`] (the patient must be registered,
//! a named record must be that patient's and carry the tag given, a named tag must not be
//! another patient's).
//!
//! Review origin ([`Config::ReviewOrigin`]): [`Pallet::review_emergency_access`].

#![cfg_attr(not(feature = "std"), no_std)]
#![deny(missing_docs)]

extern crate alloc;

pub use pallet::*;
pub use try_state::HOLD_REASONS;
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
		AccessAction, AccessTarget, ConsentId, ConsentVerifier, DelegateScope, Disclosure,
		EmergencyAccessId, EnvelopeKeeper, Hash256, Moment, PractitionerRegistry, PurposeOfUse,
		RecordInspector,
	};

	/// The balance type of [`Config::Currency`].
	pub type BalanceOf<T> =
		<<T as Config>::Currency as Inspect<<T as frame_system::Config>::AccountId>>::Balance;

	/// A consent as stored.
	pub type ConsentOf<T> =
		Consent<<T as frame_system::Config>::AccountId, BalanceOf<T>, <T as Config>::MaxScopeItems>;

	/// What an access check needs of a consent, as the (patient, grantee) index keeps it.
	pub type ProvisionOf<T> = Provision<
		<T as frame_system::Config>::AccountId,
		BalanceOf<T>,
		<T as Config>::MaxScopeItems,
	>;

	/// An emergency access as stored.
	pub type EmergencyAccessOf<T> =
		EmergencyAccess<<T as frame_system::Config>::AccountId, BalanceOf<T>>;

	/// A disclosure as logged.
	pub type DisclosureOf<T> = Disclosure<<T as frame_system::Config>::AccountId>;

	/// A consent scope as a call gives it.
	pub type ScopeRequestOf<T> = ScopeRequest<<T as Config>::MaxScopeItems>;

	/// The in-code storage version. 2: consents record who granted them (`granted_by`), record
	/// scopes hold stable record identities, pending reviews are kept per (patient,
	/// practitioner); see [`crate::migrations::v2`]. 3: scopes name blinded tags instead of
	/// categories, emergency accesses keep no coded reason, disclosures name
	/// [`telemed_primitives::DisclosedData`]; see [`crate::migrations::v3`]. 4: consents are
	/// indexed by (patient, grantee) in [`ConsentsByGrantee`]; see [`crate::migrations::v4`].
	/// 5: the index keeps what the access check needs of each consent ([`Provision`]), and the
	/// consents of a removed delegate are marked [`ConsentStatus::Lapsed`], so that the check
	/// reads neither the consents nor the delegations; see [`crate::migrations::v5`]. 6: each
	/// provision also keeps the consent's depositor and deposit, so that a grant at the
	/// per-grantee bound cleans up without reading the consent; see [`crate::migrations::v6`].
	pub(crate) const STORAGE_VERSION: StorageVersion = StorageVersion::new(6);

	#[pallet::pallet]
	#[pallet::storage_version(STORAGE_VERSION)]
	pub struct Pallet<T>(_);

	/// Configuration of the consent pallet.
	#[pallet::config]
	pub trait Config: frame_system::Config<RuntimeEvent: From<Event<Self>>> {
		/// Holds the deposits of consents, delegations and emergency accesses.
		type Currency: MutateHold<Self::AccountId, Reason = Self::RuntimeHoldReason>
			+ Mutate<Self::AccountId>;

		/// The runtime's hold reasons, of which [`HoldReason`] is part.
		type RuntimeHoldReason: From<HoldReason>;

		/// The chain's clock: milliseconds since the Unix epoch.
		type Time: Time<Moment = Moment>;

		/// Who is a licensed practitioner, and who may break the glass.
		type Practitioners: PractitionerRegistry<Self::AccountId>;

		/// Who is a patient, whose (and with which tag) a record is, and whose a tag is:
		/// resolves the records a scope names to their stable identities, refuses scopes
		/// naming another patient's tags, and checks what `log_access` is told.
		type Records: RecordInspector<Self::AccountId>;

		/// Keeps the grantees' key envelopes (the records pallet): asked to remove the
		/// envelopes a grantee may no longer read whenever a call here ends or narrows access.
		type Envelopes: EnvelopeKeeper<Self::AccountId>;

		/// May review any emergency access (besides the patient and their delegates).
		type ReviewOrigin: EnsureOrigin<Self::RuntimeOrigin>;

		/// Receives the deposit of an emergency access found unjustified (a treasury account).
		type SlashBeneficiary: Get<Self::AccountId>;

		/// Held from whoever grants a consent, until it is cleaned up.
		#[pallet::constant]
		type ConsentDeposit: Get<BalanceOf<Self>>;

		/// Held from a patient for each delegate, until the delegate is removed.
		#[pallet::constant]
		type DelegateDeposit: Get<BalanceOf<Self>>;

		/// Held from a practitioner who breaks the glass, until the access is reviewed.
		#[pallet::constant]
		type EmergencyDeposit: Get<BalanceOf<Self>>;

		/// How long a break-glass access lasts, in milliseconds.
		#[pallet::constant]
		type EmergencyAccessDuration: Get<Moment>;

		/// How many consents (of any standing) a patient may have at once.
		#[pallet::constant]
		type MaxConsentsPerPatient: Get<u32>;

		/// How many consents (of any standing) a patient may have at once to one grantee: an
		/// access check reads at most this many consents, whatever the patient's count. A
		/// grant at this bound first cleans up the oldest of the pair's revoked consents and
		/// ended denies (one: a grant reads one more consent at most). At least 1, at most
		/// [`Config::MaxConsentsPerPatient`].
		#[pallet::constant]
		type MaxConsentsPerGrantee: Get<u32>;

		/// How many tags or records a consent's scope may list.
		#[pallet::constant]
		type MaxScopeItems: Get<u32>;

		/// How many delegates a patient may appoint.
		#[pallet::constant]
		type MaxDelegatesPerPatient: Get<u32>;

		/// How many emergency accesses of one practitioner to one patient may await review at
		/// once. Per (patient, practitioner): one practitioner cannot block another.
		#[pallet::constant]
		type MaxPendingReviews: Get<u32>;

		/// How many disclosures each patient's log keeps (a ring: older ones are overwritten,
		/// the events keep them all).
		#[pallet::constant]
		type MaxDisclosuresPerPatient: Get<u32>;

		/// Weights of the calls, from the benchmarks.
		type WeightInfo: WeightInfo;
	}

	/// Why this pallet holds funds.
	#[pallet::composite_enum]
	pub enum HoldReason {
		/// The deposit of a consent.
		#[codec(index = 0)]
		ConsentDeposit,
		/// The deposit of a delegate's appointment.
		#[codec(index = 1)]
		DelegateDeposit,
		/// The deposit of a break-glass access awaiting review.
		#[codec(index = 2)]
		EmergencyDeposit,
	}

	/// Every consent, by id.
	// Hasher: ids are assigned sequentially by the pallet: `Twox64Concat`.
	#[pallet::storage]
	pub type Consents<T: Config> =
		StorageMap<_, Twox64Concat, ConsentId, ConsentOf<T>, OptionQuery>;

	/// The ids of each patient's consents, in the order granted: what bounds a patient's
	/// consents, and what a delegate's removal walks to lapse the consents it granted.
	// Hasher: user-chosen key (the patient): `Blake2_128Concat`.
	#[pallet::storage]
	pub type ConsentsOf<T: Config> = StorageMap<
		_,
		Blake2_128Concat,
		T::AccountId,
		BoundedVec<ConsentId, T::MaxConsentsPerPatient>,
		ValueQuery,
	>;

	/// What an access check needs of each of a patient's consents to each grantee
	/// ([`Provision`]), in the order granted: the one item an access check reads of the
	/// consents, whatever the patient's count (at most [`Config::MaxConsentsPerGrantee`]
	/// provisions, the accessor's). Lists every stored consent (of any standing) exactly once,
	/// under its (patient, grantee), equal to [`Consent::provision`] of it; an emptied list is
	/// removed.
	// Hasher: both keys are user-chosen accounts: `Blake2_128Concat`.
	#[pallet::storage]
	pub type ConsentsByGrantee<T: Config> = StorageDoubleMap<
		_,
		Blake2_128Concat,
		T::AccountId,
		Blake2_128Concat,
		T::AccountId,
		BoundedVec<ProvisionOf<T>, T::MaxConsentsPerGrantee>,
		ValueQuery,
	>;

	/// The id the next consent will get.
	#[pallet::storage]
	pub type NextConsentId<T> = StorageValue<_, ConsentId, ValueQuery>;

	/// Delegates, by patient and delegate.
	// Hasher: both keys are user-chosen accounts: `Blake2_128Concat`.
	#[pallet::storage]
	pub type Delegates<T: Config> = StorageDoubleMap<
		_,
		Blake2_128Concat,
		T::AccountId,
		Blake2_128Concat,
		T::AccountId,
		Delegation<BalanceOf<T>>,
		OptionQuery,
	>;

	/// How many delegates each patient has, to bound them.
	// Hasher: user-chosen key (the patient): `Blake2_128Concat`.
	#[pallet::storage]
	pub type DelegateCount<T: Config> =
		StorageMap<_, Blake2_128Concat, T::AccountId, u32, ValueQuery>;

	/// Every break-glass access, by id. Kept after review, for the record.
	// Hasher: ids are assigned sequentially by the pallet: `Twox64Concat`.
	#[pallet::storage]
	pub type EmergencyAccesses<T: Config> =
		StorageMap<_, Twox64Concat, EmergencyAccessId, EmergencyAccessOf<T>, OptionQuery>;

	/// The latest break-glass access of a practitioner to a patient, while not closed.
	// Hasher: both keys are user-chosen accounts: `Blake2_128Concat`.
	#[pallet::storage]
	pub type OpenEmergency<T: Config> = StorageDoubleMap<
		_,
		Blake2_128Concat,
		T::AccountId,
		Blake2_128Concat,
		T::AccountId,
		EmergencyAccessId,
		OptionQuery,
	>;

	/// The break-glass accesses that await review, by patient and practitioner: bounded per
	/// practitioner, so that one practitioner's unreviewed accesses never stop another's.
	// Hasher: both keys are user-chosen accounts: `Blake2_128Concat`.
	#[pallet::storage]
	pub type PendingReviews<T: Config> = StorageDoubleMap<
		_,
		Blake2_128Concat,
		T::AccountId,
		Blake2_128Concat,
		T::AccountId,
		BoundedVec<EmergencyAccessId, T::MaxPendingReviews>,
		ValueQuery,
	>;

	/// The id the next emergency access will get.
	#[pallet::storage]
	pub type NextEmergencyAccessId<T> = StorageValue<_, EmergencyAccessId, ValueQuery>;

	/// Each patient's disclosure log: a ring of slots `0..MaxDisclosuresPerPatient`; disclosure
	/// number `n` lives in slot `n % MaxDisclosuresPerPatient`.
	// Hasher: the patient is user-chosen (`Blake2_128Concat`); the slot is a small number
	// chosen by the pallet (`Twox64Concat`).
	#[pallet::storage]
	pub type DisclosureRing<T: Config> = StorageDoubleMap<
		_,
		Blake2_128Concat,
		T::AccountId,
		Twox64Concat,
		u32,
		DisclosureOf<T>,
		OptionQuery,
	>;

	/// How many disclosures each patient's log has had in all (the next one's number).
	// Hasher: user-chosen key (the patient): `Blake2_128Concat`.
	#[pallet::storage]
	pub type DisclosureCount<T: Config> =
		StorageMap<_, Blake2_128Concat, T::AccountId, u64, ValueQuery>;

	/// Events of the consent pallet.
	#[pallet::event]
	#[pallet::generate_deposit(pub(super) fn deposit_event)]
	pub enum Event<T: Config> {
		/// A consent was granted.
		ConsentGranted {
			/// The new consent.
			id: ConsentId,
			/// Whose data.
			patient: T::AccountId,
			/// For whom.
			grantee: T::AccountId,
			/// Permit or deny.
			decision: Decision,
			/// Who signed it: the patient or a delegate.
			by: T::AccountId,
		},
		/// A consent was revoked; it stops counting at once.
		ConsentRevoked {
			/// The consent.
			id: ConsentId,
			/// Who revoked it: the patient or a delegate.
			by: T::AccountId,
		},
		/// An ended consent was cleaned up and its deposit returned.
		ConsentRemoved {
			/// The consent.
			id: ConsentId,
			/// Who got the deposit back.
			depositor: T::AccountId,
			/// The deposit returned.
			deposit: BalanceOf<T>,
		},
		/// A patient appointed a delegate.
		DelegateAdded {
			/// The patient.
			patient: T::AccountId,
			/// The delegate.
			delegate: T::AccountId,
			/// What the delegate may do.
			scopes: Vec<DelegateScope>,
			/// Until when, if limited.
			until: Option<Moment>,
		},
		/// A delegate was removed (by the patient) or resigned.
		DelegateRemoved {
			/// The patient.
			patient: T::AccountId,
			/// The delegate.
			delegate: T::AccountId,
		},
		/// A practitioner broke the glass: the patient's wallet should alert the patient.
		EmergencyAccessOpened {
			/// The access.
			id: EmergencyAccessId,
			/// Whose data.
			patient: T::AccountId,
			/// Who broke the glass.
			practitioner: T::AccountId,
			/// When it stops counting.
			expires_at: Moment,
		},
		/// The practitioner closed a break-glass access before it expired.
		EmergencyAccessClosed {
			/// The access.
			id: EmergencyAccessId,
		},
		/// A break-glass access was reviewed.
		EmergencyAccessReviewed {
			/// The access.
			id: EmergencyAccessId,
			/// The finding: justified (deposit returned) or not (deposit slashed).
			justified: bool,
			/// Whether the review origin (rather than the patient or a delegate) reviewed it.
			by_review_origin: bool,
		},
		/// An access to a patient's data was accounted for.
		Disclosed {
			/// Its number in the patient's log.
			seq: u64,
			/// The full record.
			disclosure: DisclosureOf<T>,
		},
		// Appended: the indices above are those of earlier releases.
		/// A consent a delegate granted lapsed with the delegate's appointment (removed, or
		/// resigned): it no longer counts, and may be cleaned up.
		ConsentLapsed {
			/// The consent.
			id: ConsentId,
		},
	}

	/// Errors of the consent pallet.
	#[pallet::error]
	pub enum Error<T> {
		/// A patient cannot grant a consent to themselves: they have access already.
		GrantToSelf,
		/// A consent must list at least one action.
		NoActions,
		/// A consent must list at least one purpose of use.
		NoPurposes,
		/// A scope of tags or records must not be empty.
		EmptyScope,
		/// A scope lists more items than `MaxScopeItems`.
		TooManyScopeItems,
		/// The same action, purpose, tag, record or scope is listed twice.
		Duplicate,
		/// The period's end must come after its start.
		EndBeforeStart,
		/// The end is already in the past.
		AlreadyEnded,
		/// The patient has `MaxConsentsPerPatient` consents: clean up ended ones first.
		TooManyConsents,
		/// No consent has this id.
		UnknownConsent,
		/// Only the patient, or a delegate with the needed scope, may do this.
		NotPermitted,
		/// The consent is revoked already.
		AlreadyRevoked,
		/// The consent is still in force (or not yet started): revoke it first.
		ConsentInForce,
		/// A patient cannot be their own delegate.
		DelegateToSelf,
		/// A delegate must be given at least one scope.
		NoScopes,
		/// The account is a delegate of this patient already: remove it first to change it.
		AlreadyDelegate,
		/// The account is not a delegate of this patient.
		UnknownDelegate,
		/// The patient has `MaxDelegatesPerPatient` delegates.
		TooManyDelegates,
		/// Break-glass needs a valid licence endorsed for emergency care.
		NotEmergencyPractitioner,
		/// A practitioner cannot break the glass on their own data.
		EmergencyOnSelf,
		/// The practitioner has an open break-glass access to this patient already.
		EmergencyAlreadyOpen,
		/// `MaxPendingReviews` break-glass accesses of this practitioner to this patient await
		/// review: they must be reviewed first.
		TooManyPendingReviews,
		/// No emergency access has this id.
		UnknownEmergencyAccess,
		/// Only the practitioner who opened it may close it.
		NotYourEmergencyAccess,
		/// The emergency access is closed or expired already.
		EmergencyAccessNotOpen,
		/// The emergency access was reviewed already.
		AlreadyReviewed,
		/// The deposit cannot be held: not enough free balance.
		InsufficientBalance,
		/// The access is refused: the accessor is a practitioner without a valid licence.
		NotLicensed,
		/// The access is refused: no consent covers it now.
		NoConsent,
		/// The access is refused: a deny consent of the patient covers it.
		ExplicitlyDenied,
		/// The access is refused: the patient is not registered.
		UnknownPatient,
		/// Ids are exhausted.
		IdsExhausted,
		/// No record has this version id (or it was shredded).
		UnknownRecord,
		/// The record is another patient's.
		NotPatientsRecord,
		/// The record carries another tag than the one given.
		WrongTag,
		/// A delegate cannot grant a consent to itself.
		DelegateCannotGrantItself,
		/// A delegate cannot grant a consent that ends after its own appointment.
		EndsAfterDelegation,
		/// The tag is carried by another patient's records: an access logged may name only the
		/// patient's own tags (or tags no record carries yet). (A grant no longer refuses one:
		/// naming it in a scope covers nothing.)
		TagOfAnotherPatient,
		/// The patient has `MaxConsentsPerGrantee` consents to this grantee that a grant does
		/// not clean up (in force, not yet started, or permits that ended without a
		/// revocation): clean up ended ones with `remove_consent`, or revoke one, first.
		TooManyConsentsToGrantee,
		/// The consent lapsed with the appointment of the delegate who granted it: it no
		/// longer counts; clean it up with `remove_consent`.
		ConsentLapsed,
	}

	#[pallet::hooks]
	impl<T: Config> Hooks<BlockNumberFor<T>> for Pallet<T> {
		fn integrity_test() {
			let per_grantee = T::MaxConsentsPerGrantee::get();
			assert!(
				(1..=T::MaxConsentsPerPatient::get()).contains(&per_grantee),
				"MaxConsentsPerGrantee must be in 1..=MaxConsentsPerPatient"
			);
		}

		#[cfg(feature = "try-runtime")]
		fn try_state(_n: BlockNumberFor<T>) -> Result<(), sp_runtime::TryRuntimeError> {
			Self::do_try_state()
		}
	}

	#[pallet::call]
	impl<T: Config> Pallet<T> {
		/// Grants a consent: `grantee` may (or, with `Deny`, may not) perform `actions` on the
		/// data in `scope` of `patient` for `purposes`, from `start` (now if `None`) until `end`
		/// (until revoked if `None`).
		///
		/// Records in `scope` are named by the id of any of their versions; each is stored by
		/// its stable identity, so the consent covers every version (duplicates are merged).
		/// Tags in `scope` are blinded tags; a tag another patient's records carry is refused,
		/// a tag no record carries yet is allowed.
		///
		/// A deny that counts at once narrows what the grantee may read: the grantee's
		/// envelopes of the patient's records it now covers are removed in the same call
		/// ([`Config::Envelopes`]; charged at the most, refunded to what was removed).
		///
		/// Origin: signed, the patient or a delegate with `ManageConsents`; the signer pays
		/// [`Config::ConsentDeposit`]. A delegate cannot be the grantee; a consent it grants
		/// ends no later than its appointment (an open `end` is capped to the appointment's
		/// end) and stops counting once the appointment ends or is removed.
		///
		/// # Errors
		/// - `NotPermitted`; `GrantToSelf`; `DelegateCannotGrantItself`.
		/// - `NoActions`, `NoPurposes`, `EmptyScope`, `TooManyScopeItems`, `Duplicate`.
		/// - `UnknownRecord`, `NotPatientsRecord`: a named record does not exist, or is
		///   another patient's.
		/// - `EndBeforeStart`, `AlreadyEnded`, `EndsAfterDelegation`.
		/// - `TooManyConsents`; `TooManyConsentsToGrantee`: the patient has
		///   `MaxConsentsPerGrantee` consents to `grantee` and none of them is a revoked consent
		///   or an ended deny, paid for by the signer, that the grant could clean up (a permit
		///   that ended otherwise stays until `remove_consent`, which prunes what it covered; so
		///   does a consent another account paid for: anyone may remove it, its deposit going
		///   back to that account).
		/// - `InsufficientBalance`; `IdsExhausted`.
		///
		/// At the per-grantee bound the grant first cleans up the oldest of the pair's revoked
		/// consents and ended denies whose deposit the signer paid, as
		/// [`Pallet::remove_consent`] does (off both lists, the deposit back to the signer); its
		/// removal prunes no envelope. One, the room the grant needs: the others stay listed,
		/// for the next grant at the bound or `remove_consent`. The clean-up reads nothing the
		/// grant does not: the pair's list keeps each consent's depositor and deposit.
		///
		/// # Events
		/// `ConsentRemoved` for the consent cleaned up at the bound, then `ConsentGranted`.
		#[pallet::call_index(0)]
		// Charged for the scope items named and a clean-up at the per-grantee bound, refunded
		// when there was none (and to the envelopes a deny pruned).
		#[pallet::weight(T::WeightInfo::grant_consent(scope.charged_items(), 1).saturating_add(
			// Only a deny prunes envelopes; a permit is not charged for it.
			if *decision == Decision::Deny {
				T::Envelopes::max_prune_weight()
			} else {
				Weight::zero()
			}
		))]
		pub fn grant_consent(
			origin: OriginFor<T>,
			patient: T::AccountId,
			grantee: T::AccountId,
			decision: Decision,
			actions: BoundedVec<AccessAction, MaxActions>,
			scope: ScopeRequestOf<T>,
			purposes: BoundedVec<PurposeOfUse, MaxPurposes>,
			start: Option<Moment>,
			end: Option<Moment>,
		) -> DispatchResultWithPostInfo {
			let who = ensure_signed(origin)?;
			let (_, weight) = Self::do_grant(
				who,
				patient,
				grantee,
				decision,
				actions.into_inner(),
				scope,
				purposes.into_inner(),
				start,
				end,
			)?;
			Ok(Some(weight).into())
		}

		/// Revokes a consent: it stops counting at once. Free of fees when it succeeds, so a
		/// patient can always revoke; the deposit comes back on cleanup
		/// ([`Pallet::remove_consent`]). Revoking a permit removes, in the same call, the
		/// grantee's envelopes of the patient's records that the grantee may no longer read
		/// ([`Config::Envelopes`]; charged at the most, refunded to what was removed), so a
		/// revoked grantee cannot read its sealed data keys from state.
		///
		/// Origin: signed, the patient or a delegate with `ManageConsents`.
		///
		/// # Errors
		/// - `UnknownConsent`; `NotPermitted`; `AlreadyRevoked`; `ConsentLapsed`.
		///
		/// # Events
		/// `ConsentRevoked`.
		#[pallet::call_index(1)]
		#[pallet::weight(
			T::WeightInfo::revoke_consent().saturating_add(T::Envelopes::max_prune_weight())
		)]
		#[pallet::feeless_if(|origin: &OriginFor<T>, id: &ConsentId| -> bool {
			Pallet::<T>::may_revoke(origin, *id)
		})]
		pub fn revoke_consent(origin: OriginFor<T>, id: ConsentId) -> DispatchResultWithPostInfo {
			let who = ensure_signed(origin)?;
			let base = T::WeightInfo::revoke_consent();
			let pruned = Self::do_revoke(who, id)?;
			Ok(Some(base.saturating_add(pruned)).into())
		}

		/// Removes a consent that ended (revoked, its period is over, or the delegate who
		/// granted it is no longer appointed) and returns its deposit to whoever paid it. For a
		/// permit, the grantee's envelopes of the patient's records that the grantee may no
		/// longer read go in the same call ([`Config::Envelopes`]; charged at the most,
		/// refunded to what was removed): this is the clean-up of expired consents.
		///
		/// Origin: signed, anyone.
		///
		/// # Errors
		/// - `UnknownConsent`; `ConsentInForce`.
		///
		/// # Events
		/// `ConsentRemoved`.
		#[pallet::call_index(2)]
		#[pallet::weight(
			T::WeightInfo::remove_consent().saturating_add(T::Envelopes::max_prune_weight())
		)]
		pub fn remove_consent(origin: OriginFor<T>, id: ConsentId) -> DispatchResultWithPostInfo {
			ensure_signed(origin)?;
			let base = T::WeightInfo::remove_consent();
			let pruned = Self::do_remove_consent(id)?;
			Ok(Some(base.saturating_add(pruned)).into())
		}

		/// Appoints `delegate` to act for the caller within `scopes`, until `until` (until
		/// removed if `None`).
		///
		/// Origin: signed, the patient, who pays [`Config::DelegateDeposit`].
		///
		/// # Errors
		/// - `DelegateToSelf`; `NoScopes`; `Duplicate`; `AlreadyEnded`.
		/// - `AlreadyDelegate`; `TooManyDelegates`; `InsufficientBalance`.
		///
		/// # Events
		/// `DelegateAdded`.
		#[pallet::call_index(3)]
		#[pallet::weight(T::WeightInfo::add_delegate())]
		pub fn add_delegate(
			origin: OriginFor<T>,
			delegate: T::AccountId,
			scopes: BoundedVec<DelegateScope, MaxDelegateScopes>,
			until: Option<Moment>,
		) -> DispatchResult {
			let patient = ensure_signed(origin)?;
			Self::do_add_delegate(patient, delegate, scopes.into_inner(), until)
		}

		/// Ends a delegate's appointment and returns the deposit to the patient. The consents
		/// the delegate granted that were still active lapse at once, in this call
		/// ([`ConsentStatus::Lapsed`], each with a `ConsentLapsed` event): they stop counting
		/// for good, and their grantees' envelopes go when they are cleaned up
		/// ([`Pallet::remove_consent`], open to anyone). The delegate's own envelopes of the
		/// patient's records that it may no longer read (those it held as the patient's
		/// delegate, or as its emergency custodian) go in the same call ([`Config::Envelopes`];
		/// charged at the most, refunded to what was removed). Charged for a patient with
		/// [`Config::MaxConsentsPerPatient`] consents, all the delegate's; refunded to the
		/// patient's count.
		///
		/// Origin: signed, the patient, or the delegate (resigning).
		///
		/// # Errors
		/// - `UnknownDelegate`; `NotPermitted`.
		///
		/// # Events
		/// `ConsentLapsed` for each consent that lapsed; `DelegateRemoved`.
		#[pallet::call_index(4)]
		#[pallet::weight(
			T::WeightInfo::remove_delegate(T::MaxConsentsPerPatient::get())
				.saturating_add(T::Envelopes::max_prune_weight())
		)]
		pub fn remove_delegate(
			origin: OriginFor<T>,
			patient: T::AccountId,
			delegate: T::AccountId,
		) -> DispatchResultWithPostInfo {
			let who = ensure_signed(origin)?;
			let (scanned, pruned) = Self::do_remove_delegate(who, patient, delegate)?;
			let base = T::WeightInfo::remove_delegate(scanned);
			Ok(Some(base.saturating_add(pruned)).into())
		}

		/// Breaks the glass: opens emergency access to `patient`'s data for
		/// [`Config::EmergencyAccessDuration`], holds [`Config::EmergencyDeposit`] until the
		/// access is reviewed, and logs the opening as an emergency disclosure of all data.
		/// `statement` is the hash of the practitioner's statement of why, kept off chain; no
		/// reason goes on chain in clear, not even as a code.
		///
		/// Origin: signed, a practitioner the registry allows emergency access (a valid licence
		/// endorsed for emergency care).
		///
		/// # Errors
		/// - `NotEmergencyPractitioner`; `EmergencyOnSelf`; `EmergencyAlreadyOpen`.
		/// - `TooManyPendingReviews`: this practitioner has `MaxPendingReviews` accesses to this
		///   patient awaiting review (other practitioners are not affected).
		/// - `InsufficientBalance`; `IdsExhausted`.
		///
		/// # Events
		/// `EmergencyAccessOpened`, `Disclosed`.
		#[pallet::call_index(5)]
		#[pallet::weight(T::WeightInfo::open_emergency_access())]
		pub fn open_emergency_access(
			origin: OriginFor<T>,
			patient: T::AccountId,
			statement: Hash256,
		) -> DispatchResult {
			let practitioner = ensure_signed(origin)?;
			Self::do_open_emergency(practitioner, patient, statement).map(|_| ())
		}

		/// Closes a break-glass access before it expires. The review is still owed. The
		/// practitioner's envelopes of the patient's records that it may no longer read (those
		/// it held on the break-glass basis only) go in the same call ([`Config::Envelopes`];
		/// charged at the most, refunded to what was removed).
		///
		/// Origin: signed, the practitioner who opened it.
		///
		/// # Errors
		/// - `UnknownEmergencyAccess`; `NotYourEmergencyAccess`; `EmergencyAccessNotOpen`.
		///
		/// # Events
		/// `EmergencyAccessClosed`.
		#[pallet::call_index(6)]
		#[pallet::weight(
			T::WeightInfo::close_emergency_access()
				.saturating_add(T::Envelopes::max_prune_weight())
		)]
		pub fn close_emergency_access(
			origin: OriginFor<T>,
			id: EmergencyAccessId,
		) -> DispatchResultWithPostInfo {
			let who = ensure_signed(origin)?;
			let base = T::WeightInfo::close_emergency_access();
			let pruned = Self::do_close_emergency(who, id)?;
			Ok(Some(base.saturating_add(pruned)).into())
		}

		/// Reviews a break-glass access: justified returns the deposit to the practitioner;
		/// unjustified closes the access if still open and moves the deposit to
		/// [`Config::SlashBeneficiary`]. Once the access no longer counts (expired, closed, or
		/// found unjustified), the practitioner's envelopes of the patient's records that it
		/// may no longer read go in the same call ([`Config::Envelopes`]; charged at the most,
		/// refunded to what was removed): the review is the clean-up of an expired access.
		///
		/// Origin: [`Config::ReviewOrigin`], or signed by the patient or a delegate with
		/// `ManageConsents`.
		///
		/// # Errors
		/// - `UnknownEmergencyAccess`; `NotPermitted`; `AlreadyReviewed`.
		///
		/// # Events
		/// `EmergencyAccessReviewed`.
		#[pallet::call_index(7)]
		#[pallet::weight(
			T::WeightInfo::review_emergency_access()
				.saturating_add(T::Envelopes::max_prune_weight())
		)]
		pub fn review_emergency_access(
			origin: OriginFor<T>,
			id: EmergencyAccessId,
			justified: bool,
		) -> DispatchResultWithPostInfo {
			let base = T::WeightInfo::review_emergency_access();
			let reviewer = match T::ReviewOrigin::try_origin(origin) {
				Ok(_) => None,
				Err(origin) => Some(ensure_signed(origin)?),
			};
			let pruned = Self::do_review(reviewer, id, justified)?;
			Ok(Some(base.saturating_add(pruned)).into())
		}

		/// Checks that the caller may perform `action` on `target` of `patient`'s data for
		/// `purpose` now, and logs the disclosure: one step, so every access through the chain
		/// is accounted for. Clients call it before fetching data.
		///
		/// `target` names identifiers only: a record (`Record { tag, record }`, `record` the id
		/// of any of its versions, `tag` its blinded tag), data under a tag, all data, or the
		/// relationship alone. The patient must be registered; a named record must exist, be
		/// that patient's and carry `tag`; a named tag must not be another patient's. The check
		/// matches the record's stable identity; the log keeps the version named (by its id
		/// only, never its tag).
		///
		/// Origin: signed, the accessor.
		///
		/// # Errors
		/// - `UnknownPatient`; `UnknownRecord`, `NotPatientsRecord`, `WrongTag`;
		///   `TagOfAnotherPatient`.
		/// - The reason for a refusal: `NotLicensed`, `NoConsent`, `ExplicitlyDenied`.
		///
		/// # Events
		/// `Disclosed`.
		#[pallet::call_index(8)]
		// The access check reads the accessor's consents only (at most `MaxConsentsPerGrantee`):
		// charged for the most `purpose` allows, refunded to what it read.
		#[pallet::weight(T::WeightInfo::log_access(
			<Pallet<T> as ConsentVerifier<T::AccountId>>::most_reads(*purpose).consents
		))]
		pub fn log_access(
			origin: OriginFor<T>,
			patient: T::AccountId,
			action: AccessAction,
			target: AccessTarget,
			purpose: PurposeOfUse,
		) -> DispatchResultWithPostInfo {
			let accessor = ensure_signed(origin)?;
			let read = Self::do_log_access(accessor, patient, action, target, purpose)?;
			Ok(Some(T::WeightInfo::log_access(read.consents)).into())
		}
	}
}
