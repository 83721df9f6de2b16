//! The records pallet's stored layouts before their migrations, frozen, each defined once:
//! version 1's record ([`v1`]), version 2's record and devices ([`v2`]), and what both share;
//! version 5's lists of record versions ([`v5`]).
//! The migrations read these (and their tests write them); nothing else may.

use crate::pallet::{BalanceOf, Config, Pallet};
use codec::{Decode, Encode, MaxEncodedLen};
use frame_support::{pallet_prelude::*, CloneNoBound, DebugNoBound, EqNoBound, PartialEqNoBound};
use scale_info::TypeInfo;
use telemed_primitives::{Hash256, Moment, RecordId};

/// A bound that holds every resource type, locator and label stored before version 3 (the
/// runtime's bounds were 64, 256 and 32): decoding needs a bound at least as large.
pub type LegacyBound = frame_support::traits::ConstU32<1024>;

/// A record's status before version 3, when a shredded version kept its metadata.
#[derive(Clone, Copy, PartialEq, Eq, Encode, Decode, MaxEncodedLen, TypeInfo, Debug)]
pub enum RecordStatus {
	/// The newest version.
	Current,
	/// Replaced by `by` at `at`.
	Superseded {
		/// The newer version.
		by: RecordId,
		/// When.
		at: Moment,
	},
	/// Shredded at `at`.
	Shredded {
		/// When.
		at: Moment,
	},
}

/// The types as they were at storage version 1 (what [`super::v2`] reads).
// `storage_alias` generates an undocumented prefix type.
#[allow(missing_docs)]
pub mod v1 {
	use super::*;

	/// A record version before it stored its record's identity.
	#[derive(
		CloneNoBound,
		PartialEqNoBound,
		EqNoBound,
		Encode,
		Decode,
		MaxEncodedLen,
		TypeInfo,
		DebugNoBound,
	)]
	#[scale_info(skip_type_params(MaxTypeLen, MaxLocatorLen))]
	pub struct Record<
		AccountId: Clone + PartialEq + Eq + core::fmt::Debug,
		Balance: Clone + PartialEq + Eq + core::fmt::Debug,
		MaxTypeLen: Get<u32>,
		MaxLocatorLen: Get<u32>,
	> {
		/// Whose record it is.
		pub patient: AccountId,
		/// Who added this version.
		pub author: AccountId,
		/// The FHIR resource type.
		pub resource_type: BoundedVec<u8, MaxTypeLen>,
		/// The category (an enum index of the former `DataCategory`).
		pub category: u8,
		/// The salted commitment.
		pub commitment: Hash256,
		/// The ciphertext's hash.
		pub ciphertext_hash: Hash256,
		/// The ciphertext's size.
		pub ciphertext_size: u64,
		/// The locator.
		pub locator: BoundedVec<u8, MaxLocatorLen>,
		/// When this version was added.
		pub created_at: Moment,
		/// The version's number.
		pub version: u32,
		/// The version this one replaced.
		pub supersedes: Option<RecordId>,
		/// Current, superseded or shredded.
		pub status: RecordStatus,
		/// How many key envelopes this version has.
		pub envelopes: u32,
		/// The deposit held from the author.
		pub deposit: Balance,
	}

	/// A record version as stored at version 1.
	pub type RecordOf<T> =
		Record<<T as frame_system::Config>::AccountId, BalanceOf<T>, LegacyBound, LegacyBound>;

	/// `Records` as it was at version 1.
	#[frame_support::storage_alias]
	pub type Records<T: Config> =
		StorageMap<Pallet<T>, Twox64Concat, RecordId, RecordOf<T>, OptionQuery>;
}

/// The types as they were at storage version 2 (what [`super::v2`] writes and [`super::v3`]
/// reads): records with their identity, devices with labels in clear.
#[allow(missing_docs)]
pub mod v2 {
	use super::*;
	use crate::types::{BatchAnchor, DeviceStatus};

	/// A record version at version 2: version 1's, with its record's identity.
	#[derive(
		CloneNoBound,
		PartialEqNoBound,
		EqNoBound,
		Encode,
		Decode,
		MaxEncodedLen,
		TypeInfo,
		DebugNoBound,
	)]
	#[scale_info(skip_type_params(MaxTypeLen, MaxLocatorLen))]
	pub struct Record<
		AccountId: Clone + PartialEq + Eq + core::fmt::Debug,
		Balance: Clone + PartialEq + Eq + core::fmt::Debug,
		MaxTypeLen: Get<u32>,
		MaxLocatorLen: Get<u32>,
	> {
		/// Whose record it is.
		pub patient: AccountId,
		/// Who added this version.
		pub author: AccountId,
		/// The FHIR resource type.
		pub resource_type: BoundedVec<u8, MaxTypeLen>,
		/// The category (an enum index of the former `DataCategory`).
		pub category: u8,
		/// The salted commitment.
		pub commitment: Hash256,
		/// The ciphertext's hash.
		pub ciphertext_hash: Hash256,
		/// The ciphertext's size.
		pub ciphertext_size: u64,
		/// The locator.
		pub locator: BoundedVec<u8, MaxLocatorLen>,
		/// When this version was added.
		pub created_at: Moment,
		/// The record's identity: its first version's id.
		pub record: RecordId,
		/// The version's number.
		pub version: u32,
		/// The version this one replaced.
		pub supersedes: Option<RecordId>,
		/// Current, superseded or shredded.
		pub status: RecordStatus,
		/// How many key envelopes this version has.
		pub envelopes: u32,
		/// The deposit held from the author.
		pub deposit: Balance,
	}

	/// A record version as stored at version 2.
	pub type RecordOf<T> =
		Record<<T as frame_system::Config>::AccountId, BalanceOf<T>, LegacyBound, LegacyBound>;

	/// `Records` as it was at version 2.
	#[frame_support::storage_alias]
	pub type Records<T: Config> =
		StorageMap<Pallet<T>, Twox64Concat, RecordId, RecordOf<T>, OptionQuery>;

	/// A device at version 2.
	#[derive(
		CloneNoBound,
		PartialEqNoBound,
		EqNoBound,
		Encode,
		Decode,
		MaxEncodedLen,
		TypeInfo,
		DebugNoBound,
	)]
	#[scale_info(skip_type_params(MaxLabelLen))]
	pub struct Device<
		AccountId: Clone + PartialEq + Eq + core::fmt::Debug,
		Balance: Clone + PartialEq + Eq + core::fmt::Debug,
		MaxLabelLen: Get<u32>,
	> {
		/// Whose readings it anchors.
		pub patient: AccountId,
		/// The label, in clear.
		pub label: BoundedVec<u8, MaxLabelLen>,
		/// Active or retired.
		pub status: DeviceStatus,
		/// When it was registered.
		pub registered_at: Moment,
		/// The latest batch.
		pub latest: Option<BatchAnchor>,
		/// The deposit.
		pub deposit: Balance,
	}

	/// A pending device registration at version 2.
	#[derive(
		CloneNoBound,
		PartialEqNoBound,
		EqNoBound,
		Encode,
		Decode,
		MaxEncodedLen,
		TypeInfo,
		DebugNoBound,
	)]
	#[scale_info(skip_type_params(MaxLabelLen))]
	pub struct PendingDevice<
		AccountId: Clone + PartialEq + Eq + core::fmt::Debug,
		Balance: Clone + PartialEq + Eq + core::fmt::Debug,
		MaxLabelLen: Get<u32>,
	> {
		/// The device's account.
		pub device: AccountId,
		/// The label, in clear.
		pub label: BoundedVec<u8, MaxLabelLen>,
		/// The deposit.
		pub deposit: Balance,
		/// When the patient named it.
		pub requested_at: Moment,
	}

	/// A device as stored at version 2.
	pub type DeviceOf<T> =
		Device<<T as frame_system::Config>::AccountId, BalanceOf<T>, LegacyBound>;

	/// A pending registration as stored at version 2.
	pub type PendingDeviceOf<T> =
		PendingDevice<<T as frame_system::Config>::AccountId, BalanceOf<T>, LegacyBound>;

	/// `Devices` as it was at version 2.
	#[frame_support::storage_alias]
	pub type Devices<T: Config> = StorageMap<
		Pallet<T>,
		Blake2_128Concat,
		<T as frame_system::Config>::AccountId,
		DeviceOf<T>,
		OptionQuery,
	>;

	/// `PendingDevices` as it was at version 2.
	#[frame_support::storage_alias]
	pub type PendingDevices<T: Config> = StorageMap<
		Pallet<T>,
		Blake2_128Concat,
		<T as frame_system::Config>::AccountId,
		BoundedVec<PendingDeviceOf<T>, <T as Config>::MaxDevicesPerPatient>,
		ValueQuery,
	>;
}

/// The lists of record versions as they were from storage version 2 to 5 (what [`super::v6`]
/// reads): ids alone.
#[allow(missing_docs)]
pub mod v5 {
	use super::*;

	/// `RecordsOf` as it was before version 6.
	#[frame_support::storage_alias]
	pub type RecordsOf<T: Config> = StorageMap<
		Pallet<T>,
		Blake2_128Concat,
		<T as frame_system::Config>::AccountId,
		BoundedVec<RecordId, <T as Config>::MaxRecordsPerPatient>,
		ValueQuery,
	>;
}
