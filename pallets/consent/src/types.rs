//! Domain types of the consent pallet, after FHIR R5 `Consent`.

use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use frame_support::{
	traits::{ConstU32, Get},
	BoundedVec, CloneNoBound, DebugNoBound, EqNoBound, PartialEqNoBound,
};
use scale_info::TypeInfo;

use telemed_primitives::{
	AccessAction, AccessTarget, ConsentId, DelegateScope, Hash256, Moment, PurposeOfUse, RecordId,
	Tag,
};

/// How many actions there are: a consent lists each at most once.
pub type MaxActions = ConstU32<3>;
/// How many purposes of use there are.
pub type MaxPurposes = ConstU32<5>;
/// How many delegate scopes there are: a delegation lists each at most once, so one may hold
/// them all (six since `EmergencyCustodian`). Raising the bound needs no migration: a
/// `BoundedVec` is encoded as a plain `Vec` (compact length, then the items), so every stored
/// delegation (at most five scopes) decodes unchanged under the higher bound; only its
/// `MaxEncodedLen`, the proof size charged for a `Delegates` read (here and in the records
/// pallet's weights), grows by one byte, which regenerated weights pick up.
pub type MaxDelegateScopes = ConstU32<6>;

/// FHIR `Consent.decision`: whether the provision permits or denies.
#[derive(
	Clone,
	Copy,
	PartialEq,
	Eq,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
	Debug,
)]
pub enum Decision {
	/// The grantee may do what the consent describes.
	Permit,
	/// The grantee may not, whatever any permit says.
	Deny,
}

/// What data a consent covers, as a call gives it. Lists are bounded by `MaxItems` (the
/// pallet's `MaxScopeItems`), so an oversize list fails when the call is decoded.
#[derive(
	CloneNoBound,
	PartialEqNoBound,
	EqNoBound,
	Encode,
	Decode,
	DecodeWithMemTracking,
	TypeInfo,
	DebugNoBound,
)]
#[scale_info(skip_type_params(MaxItems))]
pub enum ScopeRequest<MaxItems: Get<u32>> {
	/// All of the patient's data.
	AllData,
	/// The patient's data under these blinded tags (`telemed_primitives::Tag`, computed off
	/// chain from the patient's tag key). A tag no record carries yet is allowed (it covers
	/// future records); a tag in use by another patient's records is refused.
	Tags(BoundedVec<Tag, MaxItems>),
	/// These records of the patient (every version of each), each named by the id of any of
	/// its versions.
	Records(BoundedVec<RecordId, MaxItems>),
}

impl<MaxItems: Get<u32>> ScopeRequest<MaxItems> {
	/// How many tags or records it names (none for all data).
	pub fn items(&self) -> u32 {
		match self {
			Self::AllData => 0,
			Self::Tags(items) => items.len() as u32,
			Self::Records(items) => items.len() as u32,
		}
	}

	/// What a grant is charged for: the benchmark's scope of as many records (its worst
	/// case, whose resolution reads the patient's list of versions), at least one.
	pub fn charged_items(&self) -> u32 {
		self.items().max(1)
	}
}

/// What data a consent covers, as stored: lists sorted and without duplicates.
#[derive(
	CloneNoBound, PartialEqNoBound, EqNoBound, Encode, Decode, MaxEncodedLen, TypeInfo, DebugNoBound,
)]
#[scale_info(skip_type_params(MaxItems))]
pub enum ConsentScope<MaxItems: Get<u32>> {
	/// All of the patient's data.
	AllData,
	/// The patient's data under these blinded tags, sorted.
	Tags(BoundedVec<Tag, MaxItems>),
	/// These records of the patient, by stable identity (the id of each record's first
	/// version, `RecordSubject::record`): the scope covers every version of each.
	Records(BoundedVec<RecordId, MaxItems>),
}

impl<MaxItems: Get<u32>> ConsentScope<MaxItems> {
	/// Whether an access to the data of `target` falls in this scope:
	/// - all data covers every target;
	/// - a list of tags covers a record or a tag target whose tag it lists;
	/// - a list of records covers a record target whose stable identity it lists (the
	///   `ConsentVerifier::check_access` contract);
	/// - only all data covers an all-data target (break-glass);
	/// - a relationship target names no data: no scope covers it as data (see
	///   [`Consent::covers`] for how permits and denies treat it).
	pub fn covers(&self, target: AccessTarget) -> bool {
		match (self, target) {
			(ConsentScope::AllData, _) => true,
			(
				ConsentScope::Tags(tags),
				AccessTarget::Record { tag, .. } | AccessTarget::Tag(tag),
			) => tags.binary_search(&tag).is_ok(),
			(ConsentScope::Records(records), AccessTarget::Record { record, .. }) => {
				records.binary_search(&record).is_ok()
			},
			_ => false,
		}
	}

	/// Whether this is the scope of all data.
	pub fn is_all_data(&self) -> bool {
		matches!(self, ConsentScope::AllData)
	}
}

/// Whether the grantee was a registered practitioner when the consent was granted. A permit
/// granted to a practitioner counts only while they hold a valid licence, even if they
/// deregister later (so deregistering does not escape a revocation). A permit granted to any
/// other account needs a licence too once that account is a registered practitioner at the
/// time of the access: the kind is decided at each access, this field only remembers the
/// grant.
#[derive(
	Clone,
	Copy,
	PartialEq,
	Eq,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
	Debug,
)]
pub enum GranteeKind {
	/// A registered practitioner: must be licensed at the time of each access.
	Practitioner,
	/// Any other account.
	Organisation,
}

/// Whether the patient withdrew a consent.
#[derive(
	Clone,
	Copy,
	PartialEq,
	Eq,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
	Debug,
)]
pub enum ConsentStatus {
	/// In force within its period.
	Active,
	/// Revoked by the patient or a delegate; kept until cleaned up, for the record.
	Revoked,
	/// Granted by a delegate whose appointment was removed (by the patient, or resigned):
	/// it ended with the appointment, for good (a later appointment of the same delegate does
	/// not revive it); kept until cleaned up, for the record.
	Lapsed,
}

/// A patient's consent (FHIR `Consent` with one provision).
#[derive(
	CloneNoBound, PartialEqNoBound, EqNoBound, Encode, Decode, MaxEncodedLen, TypeInfo, DebugNoBound,
)]
#[scale_info(skip_type_params(MaxItems))]
pub struct Consent<
	AccountId: Clone + PartialEq + Eq + core::fmt::Debug,
	Balance: Clone + PartialEq + Eq + core::fmt::Debug,
	MaxItems: Get<u32>,
> {
	/// Whose data (FHIR `Consent.subject`).
	pub patient: AccountId,
	/// Who it is for (FHIR `provision.actor`).
	pub grantee: AccountId,
	/// Practitioner or organisation, as the grantee was when granted.
	pub grantee_kind: GranteeKind,
	/// Permit or deny.
	pub decision: Decision,
	/// What the grantee may (or may not) do, sorted.
	pub actions: BoundedVec<AccessAction, MaxActions>,
	/// Which data.
	pub scope: ConsentScope<MaxItems>,
	/// For which purposes of use, sorted.
	pub purposes: BoundedVec<PurposeOfUse, MaxPurposes>,
	/// Start of the period, milliseconds since the Unix epoch.
	pub start: Moment,
	/// End of the period (exclusive), or `None` until revoked. A consent a delegate signed
	/// ends no later than the appointment does.
	pub end: Option<Moment>,
	/// Active, revoked, or lapsed with the appointment of the delegate who signed it.
	pub status: ConsentStatus,
	/// Who signed it: the patient, or a delegate with `ManageConsents`. A consent a delegate
	/// signed counts only while that appointment (the one in force when it was granted) lasts:
	/// its end is no later than the appointment's, and it lapses, for good, when the
	/// appointment is removed ([`ConsentStatus::Lapsed`]).
	pub granted_by: AccountId,
	/// Who paid the deposit (the patient or the delegate who granted it), refunded on cleanup.
	pub depositor: AccountId,
	/// The deposit held from `depositor`.
	pub deposit: Balance,
	/// When it was granted.
	pub granted_at: Moment,
}

impl<
		AccountId: Clone + PartialEq + Eq + core::fmt::Debug,
		Balance: Clone + PartialEq + Eq + core::fmt::Debug,
		MaxItems: Get<u32>,
	> Consent<AccountId, Balance, MaxItems>
{
	/// Whether it counts at `now`, and if not, why ([`standing`]). Everything a consent's
	/// standing depends on is in the consent: a delegate's appointment bounds the end of the
	/// consents it grants, and its removal marks them [`ConsentStatus::Lapsed`].
	pub fn standing(&self, now: Moment) -> ConsentStanding {
		standing(self.status, self.start, self.end, now)
	}

	/// Whether `appointment` (of the delegate who granted it) was in force when it was
	/// granted: appointed no later than the grant. A delegate removed and appointed again
	/// after the grant holds another appointment, which does not carry the consent.
	pub fn granted_under<B>(&self, appointment: &Delegation<B>) -> bool {
		appointment.since <= self.granted_at
	}

	/// What an access check needs of it, under its id ([`Provision`]).
	pub fn provision(&self, id: ConsentId) -> Provision<AccountId, Balance, MaxItems> {
		Provision {
			id,
			grantee_kind: self.grantee_kind,
			decision: self.decision,
			actions: self.actions.clone(),
			scope: self.scope.clone(),
			purposes: self.purposes.clone(),
			start: self.start,
			end: self.end,
			status: self.status,
			depositor: self.depositor.clone(),
			deposit: self.deposit.clone(),
		}
	}

	/// Whether it is about `action` on `target` for `purpose`. The data part:
	/// - a relationship target (no data, e.g. an insurer's standing consent checked at claim
	///   time) is covered by a PERMIT of any scope, and by a DENY of all data only;
	/// - an all-data target (break-glass) is covered by a PERMIT of all data only, and by a
	///   DENY of any scope: all data includes whatever a deny withholds, so a deny of some
	///   tags or records refuses an access to everything (a deny is never weakened);
	/// - a record or tag target as [`ConsentScope::covers`] says, for both decisions.
	pub fn covers(
		&self,
		action: AccessAction,
		target: AccessTarget,
		purpose: PurposeOfUse,
	) -> bool {
		covers(self.decision, &self.actions, &self.scope, &self.purposes, action, target, purpose)
	}
}

/// Whether a consent of this status and period counts at `now`, and if not, why: revoked or
/// lapsed, it does not; else its period decides (an end at or before `now` ends it, even
/// one before the start).
pub fn standing(
	status: ConsentStatus,
	start: Moment,
	end: Option<Moment>,
	now: Moment,
) -> ConsentStanding {
	match status {
		ConsentStatus::Revoked => ConsentStanding::Revoked,
		ConsentStatus::Lapsed => ConsentStanding::Ended,
		ConsentStatus::Active if end.is_some_and(|end| now >= end) => ConsentStanding::Ended,
		ConsentStatus::Active if now < start => ConsentStanding::NotYetStarted,
		ConsentStatus::Active => ConsentStanding::InForce,
	}
}

/// Whether a consent with these terms is about `action` on `target` for `purpose` (see
/// [`Consent::covers`]): the one rule, for a consent and its [`Provision`].
pub fn covers<MaxItems: Get<u32>>(
	decision: Decision,
	actions: &[AccessAction],
	scope: &ConsentScope<MaxItems>,
	purposes: &[PurposeOfUse],
	action: AccessAction,
	target: AccessTarget,
	purpose: PurposeOfUse,
) -> bool {
	let data = match (target, decision) {
		(AccessTarget::Relationship, Decision::Permit) => true,
		(AccessTarget::Relationship, Decision::Deny) => scope.is_all_data(),
		(AccessTarget::AllData, Decision::Deny) => true,
		(target, _) => scope.covers(target),
	};
	data && actions.binary_search(&action).is_ok() && purposes.binary_search(&purpose).is_ok()
}

/// What an access check needs of a consent (after FHIR's `Consent.provision`, with the
/// consent's id, period and status), kept beside each consent in the pallet's (patient,
/// grantee) index, so that a check reads one item for all of a pair's consents. Written with
/// the consent, in the same call, whenever the consent changes: it always equals
/// [`Consent::provision`] of the consent under its id (`try_state` checks it). It also keeps
/// who paid the consent's deposit and how much (storage version 6), so that a grant at the
/// per-grantee bound cleans up one of the pair's consents without reading it.
#[derive(
	CloneNoBound, PartialEqNoBound, EqNoBound, Encode, Decode, MaxEncodedLen, TypeInfo, DebugNoBound,
)]
#[scale_info(skip_type_params(MaxItems))]
pub struct Provision<
	AccountId: Clone + PartialEq + Eq + core::fmt::Debug,
	Balance: Clone + PartialEq + Eq + core::fmt::Debug,
	MaxItems: Get<u32>,
> {
	/// The consent's id.
	pub id: ConsentId,
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
	/// Who paid the consent's deposit ([`Consent::depositor`]).
	pub depositor: AccountId,
	/// The deposit held from `depositor` ([`Consent::deposit`]).
	pub deposit: Balance,
}

impl<
		AccountId: Clone + PartialEq + Eq + core::fmt::Debug,
		Balance: Clone + PartialEq + Eq + core::fmt::Debug,
		MaxItems: Get<u32>,
	> Provision<AccountId, Balance, MaxItems>
{
	/// Whether the consent counts at `now` ([`standing`], as [`Consent::standing`]).
	pub fn standing(&self, now: Moment) -> ConsentStanding {
		standing(self.status, self.start, self.end, now)
	}

	/// Whether the consent is about `action` on `target` for `purpose` ([`covers`], as
	/// [`Consent::covers`]).
	pub fn covers(
		&self,
		action: AccessAction,
		target: AccessTarget,
		purpose: PurposeOfUse,
	) -> bool {
		covers(self.decision, &self.actions, &self.scope, &self.purposes, action, target, purpose)
	}
}

/// Whether a consent counts now. Computed when asked, never stored.
#[derive(
	Clone,
	Copy,
	PartialEq,
	Eq,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
	Debug,
)]
pub enum ConsentStanding {
	/// Counts now.
	InForce,
	/// Its period has not started.
	NotYetStarted,
	/// Its period ended; it may be cleaned up.
	Ended,
	/// Revoked; it may be cleaned up.
	Revoked,
}

/// A delegate's appointment by a patient.
#[derive(
	Clone, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo, Debug,
)]
pub struct Delegation<Balance> {
	/// What the delegate may do for the patient, sorted.
	pub scopes: BoundedVec<DelegateScope, MaxDelegateScopes>,
	/// When the appointment ends (exclusive), or `None` until removed.
	pub until: Option<Moment>,
	/// The deposit held from the patient.
	pub deposit: Balance,
	/// When the patient appointed them.
	pub since: Moment,
}

impl<Balance> Delegation<Balance> {
	/// Whether the appointment covers `scope` at `now`.
	pub fn allows(&self, scope: DelegateScope, now: Moment) -> bool {
		self.until.map_or(true, |until| now < until) && self.scopes.binary_search(&scope).is_ok()
	}
}

/// Where the review of an emergency access stands.
#[derive(
	Clone,
	Copy,
	PartialEq,
	Eq,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
	Debug,
)]
pub enum Review {
	/// Not reviewed yet: the deposit is held.
	Pending,
	/// Found justified: the deposit was returned.
	Justified,
	/// Found unjustified: the deposit was slashed.
	Unjustified,
}

/// A break-glass emergency access.
#[derive(
	Clone, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo, Debug,
)]
pub struct EmergencyAccess<AccountId, Balance> {
	/// Who broke the glass.
	pub practitioner: AccountId,
	/// Whose data.
	pub patient: AccountId,
	/// Hash of the practitioner's statement (which says why, in words), kept off chain: no
	/// reason is stored in clear, not even as a code.
	pub statement: Hash256,
	/// When it opened.
	pub opened_at: Moment,
	/// When it stops counting, at the latest.
	pub expires_at: Moment,
	/// When it was closed early (by the practitioner or an unjustified review), if it was.
	pub closed_at: Option<Moment>,
	/// The deposit held from the practitioner until the review.
	pub deposit: Balance,
	/// The review.
	pub review: Review,
}

impl<AccountId, Balance> EmergencyAccess<AccountId, Balance> {
	/// Whether it grants access at `now`.
	pub fn is_open(&self, now: Moment) -> bool {
		self.closed_at.is_none() && now < self.expires_at && self.review != Review::Unjustified
	}
}

/// A consent with its id and standing now, as the runtime API returns it.
#[derive(Clone, PartialEq, Eq, Encode, Decode, TypeInfo, Debug)]
pub struct ConsentView<Consent> {
	/// The consent id.
	pub id: ConsentId,
	/// The consent as stored.
	pub consent: Consent,
	/// Whether it counts now.
	pub standing: ConsentStanding,
}
