//! # Records
//!
//! The chain holds proof of and access to a patient's medical history, never the history
//! itself: anyone with a ciphertext and the chain can check it is intact; only those the
//! patient allows can open it.
//!
//! ## Overview
//!
//! A client encrypts each record (a FHIR resource) with a fresh random data key, pads the
//! ciphertext to a power of two, stores it in any blob store, and anchors here a blinded tag,
//! a salted commitment to the plaintext, the ciphertext's hash and size class, and a sealed
//! locator. Nothing on chain says what a record is about. The data key is sealed to each
//! reader's X25519 key-agreement key and stored as a key envelope per (record, grantee) — only
//! for grantees the consent pallet allows to read now. Amending adds a version that supersedes
//! the old one; history is append-only. Re-keying adds a version with the same content under a
//! fresh data key, so a revoked grantee's old key opens nothing current. When a consent ends,
//! the consent pallet has the grantee's envelopes removed
//! ([`telemed_primitives::EnvelopeKeeper`]). Crypto-shredding (the right to erasure) wipes
//! every version's metadata but its salted commitment and removes every envelope: without a
//! data key, any copy of the ciphertext left anywhere is noise. Wearable devices anchor batches
//! of readings as Merkle roots.
//!
//! The pallet asks the others through `telemed_primitives`: [`ConsentVerifier`] (may this
//! accessor read, append or amend now), [`PractitionerRegistry`] (licences, practitioners'
//! key-agreement keys), [`DelegationInspector`] (may this agent act for the patient) and
//! [`DisclosureLog`] (account for every read). It answers
//! [`telemed_primitives::RecordInspector`] and [`telemed_primitives::EnvelopeKeeper`].
//!
//! ## Terminology
//!
//! - **Patient**: an account registered with an X25519 key-agreement public key (rotatable;
//!   all-zero, small-order and non-canonical points are refused) and a deposit.
//! - **Record**: one version of a FHIR resource of a patient: blinded tag, salted commitment
//!   `blake2_256(salt ‖ plaintext)`, ciphertext hash, size class, sealed locator, author,
//!   time, kind (original, amendment, re-key), status (current, superseded; a shredded
//!   version keeps only its commitment and the time). The author's deposit pays for it.
//! - **Tag**: `HMAC-SHA-256(patient's tag key, category or type)`, computed off chain. The
//!   chain only compares tags; a tag in use belongs to one patient.
//! - **Size class**: the ciphertext is padded to exactly `2^size_class` bytes,
//!   [`MIN_SIZE_CLASS`]`..=`[`MAX_SIZE_CLASS`].
//! - **Version chain**: the versions of one record, each pointing at the one it supersedes; it
//!   ends in exactly one current version (or is shredded as a whole).
//! - **Record identity**: the id of a record's first version, stored in every version. Access
//!   checks name it, so a consent scoped to a record (permit or deny) covers every version.
//! - **Key envelope**: a record's data key sealed to one grantee's key-agreement key.
//! - **Crypto-shredding**: destroying access to data by destroying its keys.
//! - **Device**: a wearable's own account, named by its patient and confirmed by the device
//!   itself, that anchors batches of readings (a Merkle root, a sequence number, a sample
//!   count, a time window).
//!
//! ## Rules
//!
//! - Who may add a record: the patient; a delegate with `AccessRecords`; a licensed
//!   practitioner whose access for `Append` to that tag and purpose the consent pallet
//!   allows (break-glass included, purpose `EmergencyTreatment`). Amending needs `Amend`.
//!   Records are clinical documents: an author who is neither the patient nor a delegate must
//!   hold a valid licence, whatever the consent.
//! - Who may add a key envelope: the patient, a delegate with `AccessRecords`, or the version's
//!   author — and only for a grantee who may read it now for the envelope's purpose; or, by
//!   the patient or a delegate with `AccessRecords` only, a custody envelope for the patient's
//!   emergency custodian (purpose `EmergencyTreatment`). The key it is sealed to is the grantee's published
//!   one: the patient's own key for the patient, else the practitioner key from the registry,
//!   else the grantee's patient key (a custodian registers one with `register_patient`).
//! - **Emergency custodian** (a delegate with `EmergencyCustodian`, e.g. an emergency key
//!   service): it reads nothing, adds nothing, sees no log; it holds the custody envelopes
//!   the patient seals to it (purpose `EmergencyTreatment`: custody is a property of the
//!   envelope, not of the account, so a custodian's envelopes under a consent are held as
//!   anyone's) and may release one of the record's current version: seal its key, with
//!   purpose `EmergencyTreatment`, to a practitioner whose read access rests now on an open
//!   break-glass access (basis `Emergency`), never to itself. Each release is a disclosure in
//!   the patient's log on that emergency's basis, so the break-glass review shows it. Its
//!   custody envelopes are held while the appointment lasts (strangers get `StillHasAccess`, pruning
//!   and the licence sweep leave them, a re-key may renew them); when the patient removes
//!   the appointment the consent pallet prunes them in the same call, as for an ended
//!   consent, and once it expired anyone may remove them.
//! - Removing an envelope: the patient, a delegate with `AccessRecords` or the grantee at any
//!   time; anyone once the grantee's access has ended for good: no consent covers it any more
//!   (revoked or expired) or a deny does, and it is not a custody envelope of the patient's
//!   emergency custodian. While the only obstacle is the grantee's licence
//!   (suspended, expired or revoked: the registry cannot tell which may come back, so none is
//!   taken as final) strangers may not remove it. The deposit goes back to its payer.
//! - A tag belongs to one patient ([`TagPatients`]): a record of another patient with it is
//!   refused. The entry goes with the last live record carrying the tag.
//! - Reading: [`Pallet::access_record`] checks the access and logs the disclosure in one step;
//!   the accessor then reads its envelope from state (the event names no envelope). The
//!   runtime API returns an envelope only to a grantee with access now. Chain state is
//!   public: the envelope's seal, not the API, is what keeps the key from others.
//! - When a consent ends, the consent pallet calls
//!   [`telemed_primitives::EnvelopeKeeper::prune_envelopes`]: every envelope of the grantee for
//!   the patient's records that the grantee may not read now goes (deposits back), whatever
//!   the reason (a licence not valid now included: the patient re-adds what they want).
//! - When a licence is revoked for good, the practitioners pallet calls
//!   [`telemed_primitives::LicenceRevocation::licence_revoked`]: the holder is queued (at most
//!   `MaxRevocationQueue`; a full queue never fails the revocation) and `on_idle` removes,
//!   patient by patient through [`GranteePatients`], every envelope it held then and may not
//!   read now; anyone may do one patient at once with [`Pallet::prune_revoked`].
//! - Re-keying ([`Pallet::rekey_record`]): the patient or a delegate with `AccessRecords`
//!   adds a version of kind `ReKey` with the same commitment, a new ciphertext, size class and
//!   locator, and new envelopes, only for grantees who had one on the replaced version and may
//!   read now (for the same purpose). The replaced version loses its locator and every
//!   envelope. A re-key is not a clinical amendment (no `Amend` consent, same content) but it
//!   is a version of the chain: it counts toward `MaxVersions`, the bound that keeps a
//!   record's shredding bounded.
//! - Shredding a record shreds every version of it (each keeps only its commitment and the
//!   time; envelopes go, deposits go back); the patient (or a delegate with the `ShredRecords`
//!   scope — `AccessRecords` is not enough) may shred with no free balance: the call is free
//!   of fees when it will shred something, which each record allows once, and every record
//!   cost a deposit.
//! - A device is registered only with its own consent: the patient names it (a pending
//!   registration, the deposit held) and the device confirms with a call it signs. A pending
//!   registration blocks nothing for the device's account (it may still register as a
//!   patient, which then makes it unable to confirm); the patient may cancel it. A registered
//!   patient is never a device, and an active or retired device is never a patient.
//! - A device's batch sequence numbers strictly increase; a retired device anchors nothing.
//!   State keeps each device's latest batch; every batch is in its block (the anchor) and in
//!   its `BatchAnchored` event. A retired device may be removed (deposit back); if its
//!   account is registered as a device again, its sequence numbers continue above the highest
//!   it used, so no earlier batch number comes back.
//! - A patient may deregister (deposit back) once nothing of theirs is live: no record version
//!   that is not shredded, no active or pending device. Shredded tombstones stay; retired
//!   devices stay theirs to remove; deposits they paid for envelopes or records of others are
//!   not tied to the registration and come back when those go.
//!
//! ## Pallet API
//!
//! Patients: [`Pallet::register_patient`], [`Pallet::rotate_patient_key`],
//! [`Pallet::deregister_patient`], [`Pallet::shred_record`], [`Pallet::shred_all`],
//! [`Pallet::register_device`], [`Pallet::cancel_device`], [`Pallet::retire_device`],
//! [`Pallet::remove_device`].
//!
//! Patients, delegates and practitioners: [`Pallet::add_record`], [`Pallet::amend_record`],
//! [`Pallet::add_envelope`], [`Pallet::remove_envelope`], [`Pallet::access_record`];
//! patients and delegates: [`Pallet::rekey_record`].
//!
//! Devices: [`Pallet::confirm_device`], [`Pallet::anchor_batch`].
//!
//! Anyone: [`Pallet::prune_revoked`] (envelopes of a grantee whose licence was revoked).
//!
//! Migrations: [`migrations::v2::MigrateV1ToV2`] (stores each version's record identity),
//! [`migrations::v3::MigrateV2ToV3`] (tags, size classes, shredded versions wiped, envelopes
//! indexed by patient and grantee, hashed device labels), [`migrations::v4::MigrateV3ToV4`]
//! (the patients of each grantee indexed), [`migrations::v5::MigrateV4ToV5`] (a registered
//! patient's list of record versions kept, empty or not).

#![cfg_attr(not(feature = "std"), no_std)]
#![deny(missing_docs)]

extern crate alloc;

pub use pallet::*;
pub use revocation::RevocationSweepState;
pub use try_state::HOLD_REASONS;
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

use telemed_primitives::{
	ConsentVerifier, DelegationInspector, DisclosureLog, PractitionerRegistry,
};

#[frame_support::pallet]
pub mod pallet {
	use super::*;
	use frame_support::{
		dispatch::PostDispatchInfo,
		pallet_prelude::*,
		traits::{
			fungible::{Inspect, Mutate, MutateHold},
			Time,
		},
	};
	use frame_system::pallet_prelude::*;
	use telemed_primitives::{
		AccessBasis, Hash256, KeyAgreementKey, Moment, PurposeOfUse, RecordId, Tag,
	};

	/// The balance type of [`Config::Currency`].
	pub type BalanceOf<T> =
		<<T as Config>::Currency as Inspect<<T as frame_system::Config>::AccountId>>::Balance;

	/// A record version that is not shredded.
	pub type RecordOf<T> =
		Record<<T as frame_system::Config>::AccountId, BalanceOf<T>, <T as Config>::MaxLocatorLen>;

	/// A record version as stored: live, or shredded.
	pub type RecordEntryOf<T> = RecordEntry<
		<T as frame_system::Config>::AccountId,
		BalanceOf<T>,
		<T as Config>::MaxLocatorLen,
	>;

	/// A key envelope as stored.
	pub type KeyEnvelopeOf<T> = KeyEnvelope<
		<T as frame_system::Config>::AccountId,
		BalanceOf<T>,
		<T as Config>::MaxEnvelopeLen,
	>;

	/// A device as stored.
	pub type DeviceOf<T> = Device<<T as frame_system::Config>::AccountId, BalanceOf<T>>;

	/// A pending device registration as stored.
	pub type PendingDeviceOf<T> =
		PendingDevice<<T as frame_system::Config>::AccountId, BalanceOf<T>>;

	/// The in-code storage version. 2: record versions store their record's identity. 3:
	/// tags, size classes and version kinds; shredded versions keep only their commitment;
	/// envelopes indexed by patient and grantee; tags indexed; device labels hashed. 4: the
	/// patients of each grantee indexed ([`GranteePatients`]), for licence revocations. 5: a
	/// registered patient's [`RecordsOf`] is kept, empty or not, until deregistration. 6: it
	/// keeps each version's record identity ([`ListedVersion`]).
	pub(crate) const STORAGE_VERSION: StorageVersion = StorageVersion::new(6);

	#[pallet::pallet]
	#[pallet::storage_version(STORAGE_VERSION)]
	pub struct Pallet<T>(_);

	/// Configuration of the records pallet.
	#[pallet::config]
	pub trait Config: frame_system::Config<RuntimeEvent: From<Event<Self>>> {
		/// Holds the deposits of patients, records, envelopes and devices.
		type Currency: MutateHold<Self::AccountId, Reason = Self::RuntimeHoldReason>
			+ Mutate<Self::AccountId>;

		/// The runtime's hold reasons, of which [`HoldReason`] is part.
		type RuntimeHoldReason: From<HoldReason>;

		/// The chain's clock: milliseconds since the Unix epoch.
		type Time: Time<Moment = Moment>;

		/// Who is a licensed practitioner, and practitioners' key-agreement keys.
		type Practitioners: PractitionerRegistry<Self::AccountId>;

		/// Whether an access to a patient's data is allowed now, and on what basis.
		type Consent: ConsentVerifier<Self::AccountId>;

		/// Who may act for a patient.
		type Delegation: DelegationInspector<Self::AccountId>;

		/// The patient's accounting of disclosures.
		type Disclosures: DisclosureLog<Self::AccountId>;

		/// Held from a patient while registered.
		#[pallet::constant]
		type PatientDeposit: Get<BalanceOf<Self>>;

		/// Held from a version's author until the record is shredded.
		#[pallet::constant]
		type RecordDeposit: Get<BalanceOf<Self>>;

		/// Held from whoever adds a key envelope until it is removed.
		#[pallet::constant]
		type EnvelopeDeposit: Get<BalanceOf<Self>>;

		/// Held from a patient for each device named (pending) or registered, until removed.
		#[pallet::constant]
		type DeviceDeposit: Get<BalanceOf<Self>>;

		/// The longest sealed locator.
		#[pallet::constant]
		type MaxLocatorLen: Get<u32>;

		/// The longest sealed data key.
		#[pallet::constant]
		type MaxEnvelopeLen: Get<u32>;

		/// How many live (not shredded) record versions a patient may have.
		#[pallet::constant]
		type MaxRecordsPerPatient: Get<u32>;

		/// How many versions a record may have.
		#[pallet::constant]
		type MaxVersions: Get<u32>;

		/// How many key envelopes a record version may have.
		#[pallet::constant]
		type MaxEnvelopesPerRecord: Get<u32>;

		/// How many key envelopes one grantee may hold for one patient's record versions: bounds
		/// what [`telemed_primitives::EnvelopeKeeper::prune_envelopes`] removes when a consent
		/// ends.
		#[pallet::constant]
		type MaxEnvelopesPerGrantee: Get<u32>;

		/// How many devices a patient may have active and pending together.
		#[pallet::constant]
		type MaxDevicesPerPatient: Get<u32>;

		/// How many grantees whose licence was revoked for good may wait in
		/// [`RevokedGrantees`] for `on_idle` to prune their envelopes. A revocation while it is
		/// full still succeeds; the holder is not queued ([`Event::RevocationQueueFull`]).
		#[pallet::constant]
		type MaxRevocationQueue: Get<u32>;

		/// Weights of the calls, from the benchmarks.
		type WeightInfo: WeightInfo;
	}

	/// Why this pallet holds funds.
	#[pallet::composite_enum]
	pub enum HoldReason {
		/// The deposit of a registered patient.
		#[codec(index = 0)]
		PatientDeposit,
		/// The deposit of a record version, held from its author.
		#[codec(index = 1)]
		RecordDeposit,
		/// The deposit of a key envelope.
		#[codec(index = 2)]
		EnvelopeDeposit,
		/// The deposit of a wearable device.
		#[codec(index = 3)]
		DeviceDeposit,
	}

	/// Registered patients.
	// Hasher: user-chosen key (the account): `Blake2_128Concat`.
	#[pallet::storage]
	pub type Patients<T: Config> =
		StorageMap<_, Blake2_128Concat, T::AccountId, Patient<BalanceOf<T>>, OptionQuery>;

	/// Every record version, by id. Shredded versions stay, as their commitment and the time.
	// Hasher: ids are assigned sequentially by the pallet: `Twox64Concat`.
	#[pallet::storage]
	pub type Records<T: Config> =
		StorageMap<_, Twox64Concat, RecordId, RecordEntryOf<T>, OptionQuery>;

	/// Whose each tag in use is, and how many live records (version chains) carry it: a tag
	/// belongs to one patient. The entry goes with the last live record carrying the tag.
	// Hasher: user-chosen key (the tag): `Blake2_128Concat`.
	#[pallet::storage]
	pub type TagPatients<T: Config> =
		StorageMap<_, Blake2_128Concat, Tag, (T::AccountId, u32), OptionQuery>;

	/// Each patient's live (not shredded) record versions, oldest first (ids increasing), each
	/// with its record's stable identity. Kept, empty or not, from the patient's registration
	/// to their deregistration: it is there exactly while the patient is registered, so adding
	/// a record reads one item to know both; and a consent naming up to `MaxScopeItems`
	/// versions is checked against it in one read (storage version 6).
	// Hasher: user-chosen key (the patient): `Blake2_128Concat`.
	#[pallet::storage]
	pub type RecordsOf<T: Config> = StorageMap<
		_,
		Blake2_128Concat,
		T::AccountId,
		BoundedVec<ListedVersion, T::MaxRecordsPerPatient>,
		ValueQuery,
	>;

	/// The id the next record version will get.
	#[pallet::storage]
	pub type NextRecordId<T> = StorageValue<_, RecordId, ValueQuery>;

	/// Key envelopes, by record version and grantee.
	// Hasher: the record id is assigned by the pallet (`Twox64Concat`); the grantee is
	// user-chosen (`Blake2_128Concat`).
	#[pallet::storage]
	pub type Envelopes<T: Config> = StorageDoubleMap<
		_,
		Twox64Concat,
		RecordId,
		Blake2_128Concat,
		T::AccountId,
		KeyEnvelopeOf<T>,
		OptionQuery,
	>;

	/// The record versions for which a grantee holds an envelope, by patient and grantee: the
	/// same envelopes as [`Envelopes`], found without a scan when a consent ends.
	// Hasher: user-chosen keys (the accounts): `Blake2_128Concat`.
	#[pallet::storage]
	pub type EnvelopesOf<T: Config> = StorageDoubleMap<
		_,
		Blake2_128Concat,
		T::AccountId,
		Blake2_128Concat,
		T::AccountId,
		BoundedVec<RecordId, T::MaxEnvelopesPerGrantee>,
		ValueQuery,
	>;

	/// The patients for whom a grantee holds envelopes: exactly the (grantee, patient) pairs
	/// whose [`EnvelopesOf`] is not empty, so a licence revocation finds them without a scan.
	// Hasher: user-chosen keys (the accounts): `Blake2_128Concat`.
	#[pallet::storage]
	pub type GranteePatients<T: Config> = StorageDoubleMap<
		_,
		Blake2_128Concat,
		T::AccountId,
		Blake2_128Concat,
		T::AccountId,
		(),
		OptionQuery,
	>;

	/// Grantees whose licence was revoked for good, with the time of the revocation, waiting
	/// for `on_idle` to prune the envelopes they held then and may not read now. At most
	/// [`Config::MaxRevocationQueue`].
	// Hasher: user-chosen key (the account): `Blake2_128Concat`.
	#[pallet::storage]
	pub type RevokedGrantees<T: Config> =
		CountedStorageMap<_, Blake2_128Concat, T::AccountId, Moment, OptionQuery>;

	/// The grantee `on_idle` is sweeping, and the last of its patients done: the sweep resumes
	/// there in the next block.
	#[pallet::storage]
	pub type RevocationSweep<T: Config> =
		StorageValue<_, RevocationSweepState<T::AccountId>, OptionQuery>;

	/// Wearable devices, by their account; retired ones stay.
	// Hasher: user-chosen key (the device's account): `Blake2_128Concat`.
	#[pallet::storage]
	pub type Devices<T: Config> =
		StorageMap<_, Blake2_128Concat, T::AccountId, DeviceOf<T>, OptionQuery>;

	/// Each patient's active devices.
	// Hasher: user-chosen key (the patient): `Blake2_128Concat`.
	#[pallet::storage]
	pub type DevicesOf<T: Config> = StorageMap<
		_,
		Blake2_128Concat,
		T::AccountId,
		BoundedVec<T::AccountId, T::MaxDevicesPerPatient>,
		ValueQuery,
	>;

	/// Each patient's device registrations that the device has not confirmed yet. Keyed by
	/// the patient, so naming an account blocks nothing for it nor for other patients.
	// Hasher: user-chosen key (the patient): `Blake2_128Concat`.
	#[pallet::storage]
	pub type PendingDevices<T: Config> = StorageMap<
		_,
		Blake2_128Concat,
		T::AccountId,
		BoundedVec<PendingDeviceOf<T>, T::MaxDevicesPerPatient>,
		ValueQuery,
	>;

	/// For a device account whose entry was removed: the highest batch sequence number it
	/// used. Registered again, it anchors only above it, so no earlier batch number recurs.
	// Hasher: user-chosen key (the device's account): `Blake2_128Concat`.
	#[pallet::storage]
	pub type SpentSequence<T: Config> =
		StorageMap<_, Blake2_128Concat, T::AccountId, u64, OptionQuery>;

	/// Events of the records pallet.
	#[pallet::event]
	#[pallet::generate_deposit(pub(super) fn deposit_event)]
	pub enum Event<T: Config> {
		/// A patient registered.
		PatientRegistered {
			/// The patient.
			patient: T::AccountId,
			/// Their key-agreement key.
			key: KeyAgreementKey,
		},
		/// A patient rotated their key-agreement key; envelopes sealed to the old one are
		/// stale.
		PatientKeyRotated {
			/// The patient.
			patient: T::AccountId,
			/// The new key.
			key: KeyAgreementKey,
		},
		/// A record was added (its first version).
		RecordAdded {
			/// The version's id.
			id: RecordId,
			/// Whose record.
			patient: T::AccountId,
			/// Who added it.
			author: T::AccountId,
		},
		/// A record was amended: a new version supersedes the previous one.
		RecordAmended {
			/// The new version's id.
			id: RecordId,
			/// The version it supersedes.
			previous: RecordId,
			/// Who amended it.
			author: T::AccountId,
		},
		/// A record was re-keyed: a new version with the same content under a fresh data key
		/// supersedes the previous one, which lost its locator and envelopes.
		RecordReKeyed {
			/// The new version's id.
			id: RecordId,
			/// The version it supersedes.
			previous: RecordId,
		},
		/// A key envelope was added for a grantee.
		EnvelopeAdded {
			/// The record version.
			record: RecordId,
			/// Who can now open it.
			grantee: T::AccountId,
			/// Who added it.
			by: T::AccountId,
		},
		/// A key envelope was removed and its deposit returned.
		EnvelopeRemoved {
			/// The record version.
			record: RecordId,
			/// Whose envelope.
			grantee: T::AccountId,
		},
		/// A grantee read a record: the access was checked and logged. The accessor's envelope
		/// is in [`Envelopes`].
		RecordAccessed {
			/// The record version.
			record: RecordId,
			/// Who read it.
			accessor: T::AccountId,
			/// On what grounds.
			basis: AccessBasis,
		},
		/// Every version of a record was crypto-shredded.
		RecordShredded {
			/// The version named in the request.
			record: RecordId,
			/// Whose record.
			patient: T::AccountId,
			/// How many versions were shredded.
			versions: u32,
			/// How many key envelopes were destroyed.
			envelopes: u32,
		},
		/// A patient's request to shred all their records made progress.
		AllShredded {
			/// The patient.
			patient: T::AccountId,
			/// How many records (version chains) this call shredded.
			records: u32,
			/// How many live versions are left: call again while not zero.
			remaining: u32,
		},
		/// A patient deregistered; their deposit was returned.
		PatientDeregistered {
			/// The former patient.
			patient: T::AccountId,
		},
		/// A patient named a wearable device; it must confirm before it can anchor.
		DeviceRequested {
			/// The device's account.
			device: T::AccountId,
			/// The patient.
			patient: T::AccountId,
		},
		/// A patient cancelled a pending device registration; its deposit was returned.
		DeviceRequestCancelled {
			/// The device's account.
			device: T::AccountId,
			/// The patient.
			patient: T::AccountId,
		},
		/// A device confirmed its registration: it is an active device of the patient.
		DeviceRegistered {
			/// The device's account.
			device: T::AccountId,
			/// The patient.
			patient: T::AccountId,
		},
		/// A patient retired a device: it anchors nothing any more.
		DeviceRetired {
			/// The device's account.
			device: T::AccountId,
		},
		/// A retired device's entry was removed and its deposit returned.
		DeviceRemoved {
			/// The device's account.
			device: T::AccountId,
		},
		/// A grantee whose licence was revoked for good was queued: `on_idle` will remove the
		/// envelopes it held then and may not read now.
		RevocationQueued {
			/// Whose envelopes.
			grantee: T::AccountId,
		},
		/// A grantee's licence was revoked for good while [`RevokedGrantees`] was full: it was
		/// not queued (the revocation itself stands). Its envelopes go when its consents end or
		/// the patient removes them, or through [`Pallet::prune_revoked`] once it is no
		/// registered practitioner.
		RevocationQueueFull {
			/// Whose envelopes.
			grantee: T::AccountId,
		},
		/// `on_idle` went through every patient of a revoked grantee.
		RevocationSwept {
			/// Whose envelopes.
			grantee: T::AccountId,
		},
		/// A device anchored a batch of readings.
		BatchAnchored {
			/// The device's account.
			device: T::AccountId,
			/// Whose readings.
			patient: T::AccountId,
			/// The anchor.
			batch: BatchAnchor,
		},
	}

	/// Errors of the records pallet.
	#[pallet::error]
	pub enum Error<T> {
		/// The account is a registered patient already.
		AlreadyRegistered,
		/// The patient is not registered.
		UnknownPatient,
		/// Only the patient (or a delegate with `AccessRecords`), or who the rules name, may
		/// do this.
		NotPermitted,
		/// The author or accessor is not the patient or a delegate, and holds no licence
		/// valid now.
		NotLicensed,
		/// No consent of the patient covers this action, data and purpose now.
		NoConsent,
		/// A deny consent of the patient covers this.
		ExplicitlyDenied,
		/// The size class is outside `MIN_SIZE_CLASS..=MAX_SIZE_CLASS`.
		BadSizeClass,
		/// The tag is in use by another patient's records.
		TagOfAnotherPatient,
		/// The locator is empty.
		EmptyLocator,
		/// The locator is longer than `MaxLocatorLen`. Not returned since the calls take a
		/// bounded value (oversize input fails to decode); kept for the indices.
		LocatorTooLong,
		/// A re-key must keep the content: its commitment must equal the replaced version's.
		CommitmentMismatch,
		/// The patient has `MaxRecordsPerPatient` live record versions.
		TooManyRecords,
		/// No record version has this id.
		UnknownRecord,
		/// The record was shredded: it can be neither read, amended nor given envelopes.
		RecordShredded,
		/// Only the current version of a record can be amended, re-keyed, or have its key
		/// released by an emergency custodian.
		NotCurrent,
		/// The record has `MaxVersions` versions.
		TooManyVersions,
		/// A sealed data key is shorter than a key and an AEAD tag (48 bytes).
		EnvelopeTooShort,
		/// A sealed data key is longer than `MaxEnvelopeLen`. Not returned since the call takes
		/// a bounded value (oversize input fails to decode); kept for the indices.
		EnvelopeTooLong,
		/// The grantee has published no key-agreement key (as a patient or practitioner).
		NoKeyAgreementKey,
		/// The grantee has an envelope for this version already (remove it first), or a
		/// re-key names a grantee twice.
		EnvelopeExists,
		/// The version has `MaxEnvelopesPerRecord` envelopes.
		TooManyEnvelopes,
		/// The grantee has no envelope for this version.
		NoEnvelope,
		/// The grantee may still read the record: only the patient, a delegate or the grantee
		/// may remove the envelope.
		StillHasAccess,
		/// Nothing to shred: the patient has no live record, or the limit is zero.
		NothingToShred,
		/// A patient cannot register themselves as a device.
		DeviceIsPatient,
		/// The account is a registered device already.
		DeviceExists,
		/// Not returned since device labels are hashes; kept for the indices.
		LabelTooLong,
		/// The patient has `MaxDevicesPerPatient` active and pending devices.
		TooManyDevices,
		/// The account is not a registered device.
		UnknownDevice,
		/// The device was retired.
		DeviceRetired,
		/// The batch's sequence number is not above the device's latest.
		SequenceNotIncreasing,
		/// A batch must hold at least one sample.
		EmptyBatch,
		/// The batch's window ends before it starts.
		WindowEndsBeforeStart,
		/// The deposit cannot be held: not enough free balance.
		InsufficientBalance,
		/// Ids are exhausted.
		IdsExhausted,
		/// The key-agreement key is not a usable X25519 public key: all-zero, of small order
		/// (an observer could guess the shared secret) or not canonically encoded.
		InvalidKey,
		/// The grantee's access is only paused (their licence is not valid now and may be
		/// again): only the patient, a delegate or the grantee may remove the envelope.
		AccessMayResume,
		/// The patient has named this device already; it has yet to confirm.
		DevicePending,
		/// The patient has not named the caller (or this account) as a device, or the
		/// registration was cancelled.
		NoPendingDevice,
		/// Only a retired device can be removed: retire it first.
		DeviceNotRetired,
		/// The patient still has record versions that are not shredded: shred them first.
		RecordsRemain,
		/// The patient still has active or pending devices: retire or cancel them first.
		DevicesRemain,
		/// The grantee holds `MaxEnvelopesPerGrantee` envelopes for this patient's records.
		TooManyGranteeEnvelopes,
		/// No licence revocation of the grantee is waiting to be swept, and it is a registered
		/// practitioner: its envelopes are not for strangers to prune.
		NotRevoked,
		/// The grantee holds no envelope for this patient's records.
		NoGranteeEnvelopes,
	}

	#[pallet::hooks]
	impl<T: Config> Hooks<BlockNumberFor<T>> for Pallet<T> {
		/// Prunes the envelopes of grantees whose licence was revoked for good, one (patient,
		/// grantee) pair at a time, within `remaining_weight`.
		fn on_idle(_n: BlockNumberFor<T>, remaining_weight: Weight) -> Weight {
			Self::sweep_revoked(remaining_weight)
		}

		#[cfg(feature = "try-runtime")]
		fn try_state(_n: BlockNumberFor<T>) -> Result<(), sp_runtime::TryRuntimeError> {
			Self::do_try_state()
		}
	}

	#[pallet::call]
	impl<T: Config> Pallet<T> {
		/// Registers the caller as a patient with an X25519 key-agreement public key, holding
		/// [`Config::PatientDeposit`].
		///
		/// Origin: signed, the patient.
		///
		/// A pending device registration naming the caller does not stop this (the caller just
		/// can no longer confirm it).
		///
		/// # Errors
		/// - `InvalidKey`; `AlreadyRegistered`; `DeviceIsPatient` (the account is an active or
		///   retired device); `InsufficientBalance`.
		///
		/// # Events
		/// `PatientRegistered`.
		#[pallet::call_index(0)]
		#[pallet::weight(T::WeightInfo::register_patient())]
		pub fn register_patient(origin: OriginFor<T>, key: KeyAgreementKey) -> DispatchResult {
			let patient = ensure_signed(origin)?;
			Self::do_register_patient(patient, key)
		}

		/// Replaces the caller's key-agreement key. Envelopes sealed to the old key stay (the
		/// patient re-seals what they need).
		///
		/// Origin: signed, a registered patient.
		///
		/// # Errors
		/// - `InvalidKey`; `UnknownPatient`.
		///
		/// # Events
		/// `PatientKeyRotated`.
		#[pallet::call_index(1)]
		#[pallet::weight(T::WeightInfo::rotate_patient_key())]
		pub fn rotate_patient_key(origin: OriginFor<T>, key: KeyAgreementKey) -> DispatchResult {
			let patient = ensure_signed(origin)?;
			Self::do_rotate_key(patient, key)
		}

		/// Adds a record of `patient`: the first version of a FHIR resource, with its blinded
		/// `tag`, anchored by its salted `commitment` and `ciphertext_hash`, the ciphertext
		/// padded to `2^size_class` bytes and found at the sealed `locator`. The caller pays
		/// [`Config::RecordDeposit`].
		///
		/// Origin: signed, the patient, a delegate with `AccessRecords`, or a licensed
		/// practitioner allowed to `Append` under `tag` for `purpose`.
		///
		/// # Errors
		/// - `UnknownPatient`; `BadSizeClass`; `EmptyLocator` (an oversize locator fails to
		///   decode); `TagOfAnotherPatient`.
		/// - `NotLicensed`, `NoConsent`, `ExplicitlyDenied`.
		/// - `TooManyRecords`; `InsufficientBalance`; `IdsExhausted`.
		///
		/// # Events
		/// `RecordAdded`.
		#[pallet::call_index(2)]
		// Charged for the longest checks `purpose` allows, refunded to what they read.
		#[pallet::weight(T::WeightInfo::add_record(T::Consent::most_reads(*purpose).consents))]
		pub fn add_record(
			origin: OriginFor<T>,
			patient: T::AccountId,
			tag: Tag,
			commitment: Hash256,
			ciphertext_hash: Hash256,
			size_class: u8,
			locator: BoundedVec<u8, T::MaxLocatorLen>,
			purpose: PurposeOfUse,
		) -> DispatchResultWithPostInfo {
			let author = ensure_signed(origin)?;
			let content = Content { commitment, ciphertext_hash, size_class, locator };
			let (_, read) = Self::do_add_record(author, patient, tag, content, purpose)?;
			Ok(Some(T::WeightInfo::add_record(read.consents)).into())
		}

		/// Amends a record: adds a version that supersedes `previous` (which must be current),
		/// with the same tag and record identity. The old version stays, superseded. The
		/// consent check names the record's tag and identity (its first version).
		///
		/// Origin: signed, the patient, a delegate with `AccessRecords`, or a licensed
		/// practitioner allowed to `Amend` the record for `purpose`; pays
		/// [`Config::RecordDeposit`].
		///
		/// # Errors
		/// - `UnknownRecord`; `RecordShredded`; `NotCurrent`; `TooManyVersions`.
		/// - `BadSizeClass`, `EmptyLocator`.
		/// - `NotLicensed`, `NoConsent`, `ExplicitlyDenied`.
		/// - `TooManyRecords`; `InsufficientBalance`; `IdsExhausted`.
		///
		/// # Events
		/// `RecordAmended`.
		#[pallet::call_index(3)]
		// Charged for the longest checks `purpose` allows, refunded to what they read.
		#[pallet::weight(T::WeightInfo::amend_record(T::Consent::most_reads(*purpose).consents))]
		pub fn amend_record(
			origin: OriginFor<T>,
			previous: RecordId,
			commitment: Hash256,
			ciphertext_hash: Hash256,
			size_class: u8,
			locator: BoundedVec<u8, T::MaxLocatorLen>,
			purpose: PurposeOfUse,
		) -> DispatchResultWithPostInfo {
			let author = ensure_signed(origin)?;
			let content = Content { commitment, ciphertext_hash, size_class, locator };
			let (_, read) = Self::do_amend_record(author, previous, content, purpose)?;
			Ok(Some(T::WeightInfo::amend_record(read.consents)).into())
		}

		/// Stores `record`'s data key sealed to `grantee`'s key-agreement key, for a grantee who
		/// may read the record now for `purpose`, or a custody envelope for the patient's
		/// emergency custodian (a delegate with `EmergencyCustodian`, which holds keys without
		/// any access of its own; purpose `EmergencyTreatment`; sealed by the patient or a
		/// delegate with `AccessRecords`, not by an author: which keys an emergency may release
		/// is the patient's choice; it needs a key-agreement key like any grantee: it registers
		/// one with [`Pallet::register_patient`]). The caller pays [`Config::EnvelopeDeposit`].
		///
		/// An emergency custodian may release a key it holds: it seals version `record`'s key
		/// to `grantee` with purpose `EmergencyTreatment` only when it is, now, an
		/// `EmergencyCustodian` delegate of the record's patient, holds a custody envelope
		/// (purpose `EmergencyTreatment`) of this version, the version is the record's current
		/// one, `grantee` is another account, and `grantee`'s read access rests now on a
		/// break-glass access (basis `Emergency`: open, not closed or expired, the practitioner
		/// still endorsed). The release is written to the patient's disclosure log (accessor
		/// the practitioner, the version, purpose `EmergencyTreatment`, basis
		/// `Emergency(id)`), so the break-glass review shows it; the custodian pays the
		/// deposit (back when the envelope is removed after the access ends) and a successful
		/// release pays no fee, so that releases cannot drain the custodian's balance (the fee
		/// is taken first and refunded; a refused release keeps it).
		///
		/// Origin: signed, the patient, a delegate with `AccessRecords`, or the version's
		/// author; or the patient's emergency custodian, as above.
		///
		/// # Errors
		/// - `UnknownRecord`; `RecordShredded`.
		/// - `NotPermitted`: the caller is none of the above; or, for an emergency custodian,
		///   any of its conditions fails (no custody envelope of its own for this version,
		///   another purpose, itself as the grantee, a grantee whose access is not break-glass
		///   now); or an author seals a custody envelope.
		/// - `NotCurrent`: a custodian's release of a superseded version (the patient seals the
		///   new version's key to the custodian after an amendment or a re-key).
		/// - `EnvelopeTooShort` (an oversize one fails to decode); `NoKeyAgreementKey`.
		/// - The grantee's access refused: `NotLicensed`, `NoConsent`, `ExplicitlyDenied`.
		/// - `EnvelopeExists`; `TooManyEnvelopes`; `TooManyGranteeEnvelopes`;
		///   `InsufficientBalance`.
		///
		/// # Events
		/// `EnvelopeAdded`; for a custodian's release also the consent pallet's `Disclosed`.
		#[pallet::call_index(4)]
		#[pallet::weight(
			T::WeightInfo::add_envelope().max(T::WeightInfo::add_envelope_by_custodian())
		)]
		pub fn add_envelope(
			origin: OriginFor<T>,
			record: RecordId,
			grantee: T::AccountId,
			sealed: BoundedVec<u8, T::MaxEnvelopeLen>,
			purpose: PurposeOfUse,
		) -> DispatchResultWithPostInfo {
			let who = ensure_signed(origin)?;
			Ok(match Self::do_add_envelope(who, record, grantee, sealed, purpose)? {
				Released::ByHolder => Some(T::WeightInfo::add_envelope()).into(),
				Released::ByCustodian => PostDispatchInfo {
					actual_weight: Some(T::WeightInfo::add_envelope_by_custodian()),
					pays_fee: Pays::No,
				},
			})
		}

		/// Removes `grantee`'s envelope for `record` and returns its deposit to whoever paid
		/// it.
		///
		/// Origin: signed, the patient, a delegate with `AccessRecords` or the grantee at any
		/// time; anyone once the grantee's access has ended for good (no consent covers it any
		/// more, or a deny does) — not while only their licence is invalid, which may change,
		/// and not while it is a custody envelope of the patient's emergency custodian (held
		/// while the appointment lasts).
		///
		/// # Errors
		/// - `UnknownRecord`; `NoEnvelope`; `StillHasAccess` (the grantee may read it, or it
		///   is a custody envelope of the patient's emergency custodian); `AccessMayResume`.
		///
		/// # Events
		/// `EnvelopeRemoved`.
		#[pallet::call_index(5)]
		#[pallet::weight(T::WeightInfo::remove_envelope())]
		pub fn remove_envelope(
			origin: OriginFor<T>,
			record: RecordId,
			grantee: T::AccountId,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_remove_envelope(who, record, grantee)
		}

		/// Reads a record: checks that the caller may read it now (for the purpose their
		/// envelope was given for) and logs the disclosure — one step, so every read that uses
		/// the chain is accounted for. The caller then reads its envelope from [`Envelopes`].
		///
		/// Origin: signed, a grantee with an envelope.
		///
		/// # Errors
		/// - `UnknownRecord`; `RecordShredded`; `NoEnvelope`.
		/// - `NotLicensed`, `NoConsent`, `ExplicitlyDenied`.
		///
		/// # Events
		/// `RecordAccessed` (and the consent pallet's `Disclosed`).
		#[pallet::call_index(6)]
		// The envelope's purpose is read in the call: charged for the longest check of any
		// purpose, refunded to what it read.
		#[pallet::weight(T::WeightInfo::access_record(
			T::Consent::most_reads(PurposeOfUse::EmergencyTreatment).consents
		))]
		pub fn access_record(origin: OriginFor<T>, record: RecordId) -> DispatchResultWithPostInfo {
			let accessor = ensure_signed(origin)?;
			let read = Self::do_access_record(accessor, record)?;
			Ok(Some(T::WeightInfo::access_record(read.consents)).into())
		}

		/// Crypto-shreds a record: every version loses its envelopes and all its metadata but
		/// the salted commitment, and is marked shredded for good with the time; deposits go
		/// back to their payers. Free of
		/// fees when it will shred something, so it works with no free balance.
		///
		/// Origin: signed, the patient or a delegate with `ShredRecords`.
		///
		/// # Errors
		/// - `UnknownRecord`; `RecordShredded`; `NotPermitted`.
		///
		/// # Events
		/// `RecordShredded`.
		#[pallet::call_index(7)]
		#[pallet::weight(T::WeightInfo::shred_record(
			T::MaxVersions::get(),
			T::MaxVersions::get().saturating_mul(T::MaxEnvelopesPerRecord::get()),
		))]
		#[pallet::feeless_if(|origin: &OriginFor<T>, record: &RecordId| -> bool {
			Pallet::<T>::may_shred(origin, *record)
		})]
		pub fn shred_record(origin: OriginFor<T>, record: RecordId) -> DispatchResultWithPostInfo {
			let who = ensure_signed(origin)?;
			let (versions, envelopes) = Self::do_shred_record(who, record)?;
			Ok(Some(T::WeightInfo::shred_record(versions, envelopes)).into())
		}

		/// Crypto-shreds up to `max_records` of `patient`'s records (every version of each),
		/// oldest first. Call again while `AllShredded.remaining` is not zero. Free of fees
		/// when it will shred something.
		///
		/// Origin: signed, the patient or a delegate with `ShredRecords`.
		///
		/// # Errors
		/// - `NotPermitted`; `NothingToShred`.
		///
		/// # Events
		/// `RecordShredded` for each record, then `AllShredded`.
		#[pallet::call_index(8)]
		#[pallet::weight(T::WeightInfo::shred_record(
			T::MaxVersions::get(),
			T::MaxVersions::get().saturating_mul(T::MaxEnvelopesPerRecord::get()),
		).saturating_mul((*max_records).into()))]
		#[pallet::feeless_if(|origin: &OriginFor<T>, patient: &T::AccountId, max_records: &u32| -> bool {
			Pallet::<T>::may_shred_all(origin, patient, *max_records)
		})]
		pub fn shred_all(
			origin: OriginFor<T>,
			patient: T::AccountId,
			max_records: u32,
		) -> DispatchResultWithPostInfo {
			let who = ensure_signed(origin)?;
			let weight = Self::do_shred_all(who, patient, max_records)?;
			Ok(Some(weight).into())
		}

		/// Names `device` (the wearable's own account) to anchor batches of the caller's
		/// readings, holding [`Config::DeviceDeposit`] from the caller. The registration is
		/// pending until the device confirms it ([`Pallet::confirm_device`]); until then it
		/// anchors nothing and blocks nothing for its account. `label` is a hash of the
		/// patient's label for it; the label itself stays off chain.
		///
		/// Origin: signed, a registered patient.
		///
		/// # Errors
		/// - `UnknownPatient`; `DeviceIsPatient` (the caller, or a registered patient);
		///   `DeviceExists` (an active or retired device); `DevicePending`; `TooManyDevices`
		///   (active and pending); `InsufficientBalance`.
		///
		/// # Events
		/// `DeviceRequested`.
		#[pallet::call_index(9)]
		#[pallet::weight(T::WeightInfo::register_device())]
		pub fn register_device(
			origin: OriginFor<T>,
			device: T::AccountId,
			label: Hash256,
		) -> DispatchResult {
			let patient = ensure_signed(origin)?;
			Self::do_register_device(patient, device, label)
		}

		/// Retires a device for good: it anchors nothing any more. Its entry (with its latest
		/// batch) and its deposit stay until [`Pallet::remove_device`]; it no longer counts
		/// toward `MaxDevicesPerPatient`.
		///
		/// Origin: signed, the device's patient.
		///
		/// # Errors
		/// - `UnknownDevice`; `NotPermitted`; `DeviceRetired`.
		///
		/// # Events
		/// `DeviceRetired`.
		#[pallet::call_index(10)]
		#[pallet::weight(T::WeightInfo::retire_device())]
		pub fn retire_device(origin: OriginFor<T>, device: T::AccountId) -> DispatchResult {
			let patient = ensure_signed(origin)?;
			Self::do_retire_device(patient, device)
		}

		/// Anchors a batch of the caller's readings: sequence number `seq` (above the last
		/// one), the Merkle `root` of the samples, how many `samples`, and the window
		/// `from`..=`to` in milliseconds.
		///
		/// Origin: signed, an active device.
		///
		/// # Errors
		/// - `UnknownDevice`; `DeviceRetired`; `EmptyBatch`; `WindowEndsBeforeStart`;
		///   `SequenceNotIncreasing`.
		///
		/// # Events
		/// `BatchAnchored`.
		#[pallet::call_index(11)]
		#[pallet::weight(T::WeightInfo::anchor_batch())]
		pub fn anchor_batch(
			origin: OriginFor<T>,
			seq: u64,
			root: Hash256,
			samples: u32,
			from: Moment,
			to: Moment,
		) -> DispatchResult {
			let device = ensure_signed(origin)?;
			Self::do_anchor_batch(device, seq, root, samples, from, to)
		}

		/// Confirms the caller's registration as a device of `patient`, who named it with
		/// [`Pallet::register_device`]: the device's own consent. It becomes an active device;
		/// the patient's deposit stays held.
		///
		/// Origin: signed, the device's account.
		///
		/// # Errors
		/// - `NoPendingDevice`; `DeviceIsPatient` (the caller registered as a patient since);
		///   `DeviceExists` (the caller is a device of someone already); `TooManyDevices`.
		///
		/// # Events
		/// `DeviceRegistered`.
		#[pallet::call_index(12)]
		#[pallet::weight(T::WeightInfo::confirm_device())]
		pub fn confirm_device(origin: OriginFor<T>, patient: T::AccountId) -> DispatchResult {
			let device = ensure_signed(origin)?;
			Self::do_confirm_device(device, patient)
		}

		/// Cancels the caller's pending registration of `device` and returns its deposit.
		///
		/// Origin: signed, the patient who named the device.
		///
		/// # Errors
		/// - `NoPendingDevice`.
		///
		/// # Events
		/// `DeviceRequestCancelled`.
		#[pallet::call_index(13)]
		#[pallet::weight(T::WeightInfo::cancel_device())]
		pub fn cancel_device(origin: OriginFor<T>, device: T::AccountId) -> DispatchResult {
			let patient = ensure_signed(origin)?;
			Self::do_cancel_device(patient, device)
		}

		/// Removes a retired device's entry and returns its deposit. The highest sequence
		/// number it used is kept, so if its account is registered as a device again no
		/// earlier batch number comes back. Once removed the account anchors nothing, and may
		/// register as a patient.
		///
		/// Origin: signed, the device's patient.
		///
		/// # Errors
		/// - `UnknownDevice`; `NotPermitted`; `DeviceNotRetired`.
		///
		/// # Events
		/// `DeviceRemoved`.
		#[pallet::call_index(14)]
		#[pallet::weight(T::WeightInfo::remove_device())]
		pub fn remove_device(origin: OriginFor<T>, device: T::AccountId) -> DispatchResult {
			let patient = ensure_signed(origin)?;
			Self::do_remove_device(patient, device)
		}

		/// Deregisters the caller as a patient and returns the patient deposit. Only once
		/// nothing of theirs is live: every record version shredded, no active or pending
		/// device. Shredded tombstones and retired devices stay; the account may register
		/// again.
		///
		/// Origin: signed, a registered patient.
		///
		/// # Errors
		/// - `UnknownPatient`; `RecordsRemain`; `DevicesRemain`.
		///
		/// # Events
		/// `PatientDeregistered`.
		#[pallet::call_index(15)]
		#[pallet::weight(T::WeightInfo::deregister_patient())]
		pub fn deregister_patient(origin: OriginFor<T>) -> DispatchResult {
			let patient = ensure_signed(origin)?;
			Self::do_deregister_patient(patient)
		}

		/// Re-keys a record: adds a version of kind `ReKey` that supersedes `record` (the
		/// current version) with the same `commitment`, pointing at a new ciphertext (under a
		/// fresh data key, padded to `2^size_class` bytes) at a new sealed `locator`, with new
		/// `envelopes` (grantee, sealed data key). Each grantee must have had an envelope on
		/// the replaced version (its purpose carries over) and may read now. The replaced
		/// version loses its locator and every envelope (deposits back to their payers), so an
		/// old data key opens nothing current. Not a clinical amendment: no `Amend` consent is
		/// asked; it counts toward `MaxVersions`. The caller pays [`Config::RecordDeposit`] and
		/// [`Config::EnvelopeDeposit`] for each new envelope.
		///
		/// Origin: signed, the patient or a delegate with `AccessRecords`.
		///
		/// # Errors
		/// - `UnknownRecord`; `RecordShredded`; `NotCurrent`; `NotPermitted`;
		///   `CommitmentMismatch`; `TooManyVersions`; `BadSizeClass`, `EmptyLocator`.
		/// - For an envelope: `EnvelopeExists` (a grantee twice); `EnvelopeTooShort`;
		///   `NoEnvelope` (none on the replaced version); `NoKeyAgreementKey`; the grantee's
		///   access refused: `NotLicensed`, `NoConsent`, `ExplicitlyDenied`.
		/// - `TooManyRecords`; `InsufficientBalance`; `IdsExhausted`.
		///
		/// # Events
		/// `RecordReKeyed`.
		#[pallet::call_index(16)]
		#[pallet::weight(T::WeightInfo::rekey_record(T::MaxEnvelopesPerRecord::get()))]
		pub fn rekey_record(
			origin: OriginFor<T>,
			record: RecordId,
			commitment: Hash256,
			ciphertext_hash: Hash256,
			size_class: u8,
			locator: BoundedVec<u8, T::MaxLocatorLen>,
			envelopes: BoundedVec<
				(T::AccountId, BoundedVec<u8, T::MaxEnvelopeLen>),
				T::MaxEnvelopesPerRecord,
			>,
		) -> DispatchResultWithPostInfo {
			let who = ensure_signed(origin)?;
			let content = Content { commitment, ciphertext_hash, size_class, locator };
			let dropped = Self::do_rekey_record(who, record, content, envelopes)?;
			Ok(Some(T::WeightInfo::rekey_record(dropped)).into())
		}

		/// Prunes at once what `on_idle` would: every envelope `grantee` held for `patient`'s
		/// records when its licence was revoked for good that it may not read now (deposits
		/// back). For a grantee that is no registered practitioner, every envelope for the
		/// patient's records it may not read now. Free of fees when it removed an envelope;
		/// charged when it removed none.
		///
		/// Origin: signed, anyone.
		///
		/// # Errors
		/// - `NotRevoked`: no revocation of `grantee` is queued or being swept, and it is a
		///   registered practitioner.
		/// - `NoGranteeEnvelopes`: `grantee` holds no envelope for `patient`'s records.
		///
		/// # Events
		/// `EnvelopeRemoved` for each envelope removed.
		#[pallet::call_index(17)]
		#[pallet::weight(T::WeightInfo::prune_revoked(T::MaxEnvelopesPerGrantee::get()))]
		pub fn prune_revoked(
			origin: OriginFor<T>,
			grantee: T::AccountId,
			patient: T::AccountId,
		) -> DispatchResultWithPostInfo {
			ensure_signed(origin)?;
			Self::do_prune_revoked(grantee, patient)
		}
	}
}

/// A version's content as a call gives it (checked by the pallet).
pub struct Content<MaxLocatorLen: frame_support::traits::Get<u32>> {
	/// The salted commitment to the plaintext.
	pub commitment: telemed_primitives::Hash256,
	/// The ciphertext's hash.
	pub ciphertext_hash: telemed_primitives::Hash256,
	/// The ciphertext is padded to `2^size_class` bytes.
	pub size_class: u8,
	/// Where the ciphertext is, sealed.
	pub locator: frame_support::BoundedVec<u8, MaxLocatorLen>,
}
