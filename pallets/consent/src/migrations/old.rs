//! The consent pallet's stored layouts before the current one, frozen, each defined once:
//! version 1's ([`v1`]: consents without `granted_by`, pending reviews per patient), version
//! 2's ([`v2`]: category scopes, coded emergency reasons, disclosures naming a category) and
//! version 5's ([`v5`]: provisions without the consent's depositor and deposit). The
//! migrations read and write these (and their tests write them); nothing else may.

use crate::{pallet::*, types::*};
use frame_support::pallet_prelude::*;
use telemed_primitives::{
	AccessAction, AccessBasis, EmergencyAccessId, Hash256, Moment, PurposeOfUse, RecordId,
};

/// The version 1 types and storage (where they differ from version 2's).
// `storage_alias` generates an undocumented prefix struct.
#[allow(missing_docs)]
pub mod v1 {
	use super::v2::ConsentScope;
	use super::*;

	/// A consent as version 1 stored it: without `granted_by`.
	#[derive(Encode, Decode, Clone, PartialEq, Eq, Debug, TypeInfo)]
	#[scale_info(skip_type_params(MaxItems))]
	pub struct Consent<AccountId, Balance, MaxItems: Get<u32>> {
		/// Whose data.
		pub patient: AccountId,
		/// Who it is for.
		pub grantee: AccountId,
		/// Practitioner or organisation, as the grantee was when granted.
		pub grantee_kind: GranteeKind,
		/// Permit or deny.
		pub decision: Decision,
		/// The actions, sorted.
		pub actions: BoundedVec<AccessAction, MaxActions>,
		/// Which data; record scopes held version ids.
		pub scope: ConsentScope<MaxItems>,
		/// The purposes, sorted.
		pub purposes: BoundedVec<PurposeOfUse, MaxPurposes>,
		/// Start of the period.
		pub start: Moment,
		/// End of the period.
		pub end: Option<Moment>,
		/// Active or revoked.
		pub status: ConsentStatus,
		/// Who paid the deposit: in version 1 always the signer.
		pub depositor: AccountId,
		/// The deposit.
		pub deposit: Balance,
		/// When it was granted.
		pub granted_at: Moment,
	}

	/// A version 1 consent of a runtime.
	pub type ConsentOf<T> = Consent<
		<T as frame_system::Config>::AccountId,
		BalanceOf<T>,
		<T as crate::Config>::MaxScopeItems,
	>;

	/// Version 1's pending reviews: one list per patient.
	#[frame_support::storage_alias]
	pub type PendingReviews<T: crate::Config> = StorageMap<
		crate::Pallet<T>,
		Blake2_128Concat,
		<T as frame_system::Config>::AccountId,
		BoundedVec<EmergencyAccessId, <T as crate::Config>::MaxPendingReviews>,
		ValueQuery,
	>;
}

/// The version 2 types and storage (version 1's too, where they are the same).
// `storage_alias` generates an undocumented prefix struct.
#[allow(missing_docs)]
pub mod v2 {
	use super::*;

	/// A scope as versions 1 and 2 stored it. A data category was a fieldless enum of 16
	/// values, encoded as one byte: it is kept here as that byte.
	#[derive(Encode, Decode, Clone, PartialEq, Eq, Debug, TypeInfo)]
	#[scale_info(skip_type_params(MaxItems))]
	pub enum ConsentScope<MaxItems: Get<u32>> {
		/// All of the patient's data.
		AllData,
		/// Data categories, by their index.
		Categories(BoundedVec<u8, MaxItems>),
		/// Records: version ids in version 1, stable identities in version 2.
		Records(BoundedVec<RecordId, MaxItems>),
	}

	/// A consent as version 2 stored it: the version 3 layout with the old scope.
	#[derive(Encode, Decode, Clone, PartialEq, Eq, Debug, TypeInfo)]
	#[scale_info(skip_type_params(MaxItems))]
	pub struct Consent<AccountId, Balance, MaxItems: Get<u32>> {
		/// Whose data.
		pub patient: AccountId,
		/// Who it is for.
		pub grantee: AccountId,
		/// Practitioner or organisation, as the grantee was when granted.
		pub grantee_kind: GranteeKind,
		/// Permit or deny.
		pub decision: Decision,
		/// The actions, sorted.
		pub actions: BoundedVec<AccessAction, MaxActions>,
		/// Which data.
		pub scope: ConsentScope<MaxItems>,
		/// The purposes, sorted.
		pub purposes: BoundedVec<PurposeOfUse, MaxPurposes>,
		/// Start of the period.
		pub start: Moment,
		/// End of the period.
		pub end: Option<Moment>,
		/// Active or revoked.
		pub status: ConsentStatus,
		/// Who signed it.
		pub granted_by: AccountId,
		/// Who paid the deposit.
		pub depositor: AccountId,
		/// The deposit.
		pub deposit: Balance,
		/// When it was granted.
		pub granted_at: Moment,
	}

	/// A version 2 consent of a runtime.
	pub type ConsentOf<T> = Consent<
		<T as frame_system::Config>::AccountId,
		BalanceOf<T>,
		<T as crate::Config>::MaxScopeItems,
	>;

	/// An emergency access as versions 1 and 2 stored it: with a coded reason (an enum of 4
	/// values, one byte).
	#[derive(Encode, Decode, Clone, PartialEq, Eq, Debug, TypeInfo)]
	pub struct EmergencyAccess<AccountId, Balance> {
		/// Who broke the glass.
		pub practitioner: AccountId,
		/// Whose data.
		pub patient: AccountId,
		/// The coded reason, by its index.
		pub reason: u8,
		/// Hash of the statement.
		pub statement: Hash256,
		/// When it opened.
		pub opened_at: Moment,
		/// When it stops counting.
		pub expires_at: Moment,
		/// When it was closed early.
		pub closed_at: Option<Moment>,
		/// The deposit.
		pub deposit: Balance,
		/// The review.
		pub review: Review,
	}

	/// A version 2 emergency access of a runtime.
	pub type EmergencyAccessOf<T> =
		EmergencyAccess<<T as frame_system::Config>::AccountId, BalanceOf<T>>;

	/// A disclosure as versions 1 and 2 logged it: a record and a category (by its index).
	#[derive(Encode, Decode, Clone, PartialEq, Eq, Debug, TypeInfo)]
	pub struct Disclosure<AccountId> {
		/// Who accessed the data.
		pub accessor: AccountId,
		/// Whose data.
		pub patient: AccountId,
		/// The record (version) accessed, if one.
		pub record: Option<RecordId>,
		/// The category, if one.
		pub category: Option<u8>,
		/// What was done.
		pub action: AccessAction,
		/// Why.
		pub purpose: PurposeOfUse,
		/// On what grounds.
		pub basis: AccessBasis,
		/// When.
		pub at: Moment,
	}

	/// Version 2's consents.
	#[frame_support::storage_alias]
	pub type Consents<T: crate::Config> =
		StorageMap<crate::Pallet<T>, Twox64Concat, telemed_primitives::ConsentId, ConsentOf<T>>;

	/// Version 2's emergency accesses.
	#[frame_support::storage_alias]
	pub type EmergencyAccesses<T: crate::Config> =
		StorageMap<crate::Pallet<T>, Twox64Concat, EmergencyAccessId, EmergencyAccessOf<T>>;

	/// Version 2's disclosure rings.
	#[frame_support::storage_alias]
	pub type DisclosureRing<T: crate::Config> = StorageDoubleMap<
		crate::Pallet<T>,
		Blake2_128Concat,
		<T as frame_system::Config>::AccountId,
		Twox64Concat,
		u32,
		Disclosure<<T as frame_system::Config>::AccountId>,
	>;
}

/// The version 5 types (where they differ from version 6's).
pub mod v5 {
	use super::*;

	/// A provision as versions 5 kept it in the (patient, grantee) index: version 6's without
	/// the consent's depositor and deposit.
	#[derive(Encode, Decode, Clone, PartialEq, Eq, Debug, TypeInfo)]
	#[scale_info(skip_type_params(MaxItems))]
	pub struct Provision<MaxItems: Get<u32>> {
		/// The consent's id.
		pub id: telemed_primitives::ConsentId,
		/// Practitioner or organisation, as the grantee was when granted.
		pub grantee_kind: GranteeKind,
		/// Permit or deny.
		pub decision: Decision,
		/// The actions, sorted.
		pub actions: BoundedVec<AccessAction, MaxActions>,
		/// Which data.
		pub scope: ConsentScope<MaxItems>,
		/// The purposes, sorted.
		pub purposes: BoundedVec<PurposeOfUse, MaxPurposes>,
		/// Start of the period.
		pub start: Moment,
		/// End of the period (exclusive), if any.
		pub end: Option<Moment>,
		/// Active, revoked or lapsed.
		pub status: ConsentStatus,
	}

	/// A version 5 provision of a runtime.
	pub type ProvisionOf<T> = Provision<<T as crate::Config>::MaxScopeItems>;

	impl<MaxItems: Get<u32>> Provision<MaxItems> {
		/// Version 6's provision less what version 5 did not keep.
		pub fn from_current<AccountId, Balance>(
			p: crate::Provision<AccountId, Balance, MaxItems>,
		) -> Self
		where
			AccountId: Clone + PartialEq + Eq + core::fmt::Debug,
			Balance: Clone + PartialEq + Eq + core::fmt::Debug,
		{
			Self {
				id: p.id,
				grantee_kind: p.grantee_kind,
				decision: p.decision,
				actions: p.actions,
				scope: p.scope,
				purposes: p.purposes,
				start: p.start,
				end: p.end,
				status: p.status,
			}
		}
	}
}
