//! The traits through which the pallets talk, each with a `()` implementation for runtimes
//! and mocks without the pallet behind it.

use crate::{
	AccessAction, AccessBasis, AccessDenial, AccessTarget, CheckReads, DelegateScope, Disclosure,
	KeyAgreementKey, LicenceQuery, PractitionerStanding, PurposeOfUse, RecordId, RecordRefusal,
	RecordSubject, Tag,
};
use alloc::vec::Vec;
use frame_support::weights::Weight;
use sp_runtime::DispatchResult;

/// What the practitioners pallet tells the others about a clinician.
///
/// Validity is evaluated against the current time when asked: a licence that expired, or was
/// suspended or revoked, stops counting at once, with no storage sweep.
pub trait PractitionerRegistry<AccountId> {
	/// Whether `who` holds, now, an active licence that satisfies `query`. Reads a bounded
	/// handful of items whatever `who` holds (the weight of a call that asks includes it).
	fn is_licensed(who: &AccountId, query: &LicenceQuery) -> bool;

	/// Whether `who` may open break-glass emergency access now (a valid licence endorsed for
	/// emergency care). Reads as much as [`Self::is_licensed`].
	fn may_use_emergency_access(who: &AccountId) -> bool;

	/// `who`'s X25519 key-agreement key, if `who` is a registered practitioner.
	fn key_agreement_key(who: &AccountId) -> Option<KeyAgreementKey>;

	/// Whether `who` is a registered practitioner and, if so, whether it holds, now, an active
	/// licence that satisfies `query`: what an access check asks of an accessor whose permit
	/// may need a licence. By default [`Self::is_licensed`], then [`Self::key_agreement_key`]
	/// when not licensed; a registry that can answer both from one read overrides it.
	fn practitioner_standing(who: &AccountId, query: &LicenceQuery) -> PractitionerStanding {
		if Self::is_licensed(who, query) {
			PractitionerStanding::Licensed
		} else if Self::key_agreement_key(who).is_some() {
			PractitionerStanding::Unlicensed
		} else {
			PractitionerStanding::NotRegistered
		}
	}

	/// Benchmarks only: makes `who` a registered practitioner with a licence valid now,
	/// endorsed for emergency care if `emergency`, in the registry's worst case for lookups:
	/// the other licences before the valid one are candidates a lookup must check and refuse
	/// (active and in their window, but their authority no longer accredited for them), and
	/// whatever else the registry reads is as large as it may be, so that other pallets'
	/// benchmarks reach the longest lookup. Funds `who` if registering costs a deposit.
	#[cfg(feature = "runtime-benchmarks")]
	fn make_licensed(who: &AccountId, emergency: bool);

	/// Benchmarks only: as [`Self::make_licensed`] (not endorsed for emergency care), with
	/// the valid licence for `role`, so that a pallet asking for a role (a pharmacist, a
	/// prescriber) finds it. By default the registry's [`Self::make_licensed`], for
	/// registries that do not tell roles apart.
	#[cfg(feature = "runtime-benchmarks")]
	fn make_licensed_as(who: &AccountId, role: crate::PractitionerRole) {
		let _ = role;
		Self::make_licensed(who, false)
	}

	/// Benchmarks only: makes `who` a registered practitioner none of whose licences counts,
	/// in the registry's worst case for a lookup that fails (as many licences as allowed,
	/// each a candidate read and refused), so that other pallets' benchmarks reach the
	/// longest refusal (`NotLicensed`). Funds `who` if registering costs a deposit.
	#[cfg(feature = "runtime-benchmarks")]
	fn make_unlicensed(who: &AccountId);
}

/// No practitioner registry: nobody is licensed. For runtimes and mocks without one.
impl<AccountId> PractitionerRegistry<AccountId> for () {
	fn is_licensed(_: &AccountId, _: &LicenceQuery) -> bool {
		false
	}
	fn may_use_emergency_access(_: &AccountId) -> bool {
		false
	}
	fn key_agreement_key(_: &AccountId) -> Option<KeyAgreementKey> {
		None
	}
	#[cfg(feature = "runtime-benchmarks")]
	fn make_licensed(_: &AccountId, _: bool) {}
	#[cfg(feature = "runtime-benchmarks")]
	fn make_unlicensed(_: &AccountId) {}
}

/// Decides whether an access to a patient's data is allowed now, and on what basis.
///
/// An implementation consults the [`PractitionerRegistry`]: a grantee whose licence lapsed or
/// was revoked is denied even with a valid consent.
pub trait ConsentVerifier<AccountId> {
	/// May `accessor` perform `action` on `target` of `patient`'s data for `purpose` now? With
	/// what the check read of its bounded parts, for the weight of the call that asked.
	///
	/// A record target names the record's STABLE identity ([`RecordSubject::record`], the id
	/// of its first version), never a later version's id: a consent scoped to a record covers
	/// all its versions, and callers resolve a version through
	/// [`RecordInspector::record_subject`].
	fn check_access_reading(
		accessor: &AccountId,
		patient: &AccountId,
		action: AccessAction,
		target: AccessTarget,
		purpose: PurposeOfUse,
	) -> (Result<AccessBasis, AccessDenial>, CheckReads);

	/// The most a check for `purpose` reads ([`Self::check_access_reading`]): what a call
	/// that checks access is charged before it runs.
	fn most_reads(purpose: PurposeOfUse) -> CheckReads;

	/// [`Self::check_access_reading`]'s answer alone.
	fn check_access(
		accessor: &AccountId,
		patient: &AccountId,
		action: AccessAction,
		target: AccessTarget,
		purpose: PurposeOfUse,
	) -> Result<AccessBasis, AccessDenial> {
		Self::check_access_reading(accessor, patient, action, target, purpose).0
	}

	/// Benchmarks only: makes a consent of `patient` permit `accessor` to perform `action` on
	/// all data for `purpose`, found by a check that weighs `reads` (`reads.consents` permits
	/// to the accessor, each about the access and checked in full, at least one, at most the
	/// verifier's bound, the others of the largest scope the verifier stores;
	/// [`CheckReads::MOST`] for the most); the accessor a
	/// practitioner licensed in the registry's worst case for lookups
	/// ([`PractitionerRegistry::make_licensed`]), the patient's consent list all but full,
	/// so that other pallets' benchmarks pay for a check of that length. Funds `patient` for
	/// the deposits. Leaves room for one more such permit of the same patient.
	#[cfg(feature = "runtime-benchmarks")]
	fn make_permitted_reading(
		accessor: &AccountId,
		patient: &AccountId,
		action: AccessAction,
		purpose: PurposeOfUse,
		reads: CheckReads,
	);

	/// Benchmarks only: [`Self::make_permitted_reading`] in the verifier's worst case for
	/// lookups (the longest check).
	#[cfg(feature = "runtime-benchmarks")]
	fn make_permitted(
		accessor: &AccountId,
		patient: &AccountId,
		action: AccessAction,
		purpose: PurposeOfUse,
	) {
		Self::make_permitted_reading(accessor, patient, action, purpose, CheckReads::MOST)
	}

	/// Benchmarks only: makes `grantee` a registered practitioner whose licences all fail
	/// ([`PractitionerRegistry::make_unlicensed`]) holding, of `patient`, as many permits as a
	/// check reads, each covering `action` on all data for `purpose` and granted by a
	/// delegate of the patient (whose appointment each check reads): the verifier's longest
	/// check that refuses (`NotLicensed`), the worst case of pruning an envelope of a grantee
	/// whose access ended. Funds the deposits.
	#[cfg(feature = "runtime-benchmarks")]
	fn make_refused(
		grantee: &AccountId,
		patient: &AccountId,
		action: AccessAction,
		purpose: PurposeOfUse,
	);

	/// Benchmarks only: gives `grantee`, of `patient`, as many permits as a check reads, each
	/// covering `action` on all data for `purpose` and granted by a delegate whose
	/// appointment has since ended: the verifier's longest check that refuses for good
	/// (`NoConsent`, every permit and its delegation read), the worst case of a stranger
	/// cleaning up an envelope. Funds the deposits.
	#[cfg(feature = "runtime-benchmarks")]
	fn make_ended(
		grantee: &AccountId,
		patient: &AccountId,
		action: AccessAction,
		purpose: PurposeOfUse,
	);

	/// Benchmarks only: makes `practitioner` licensed and endorsed for emergency care and
	/// opens a break-glass access of theirs to `patient`, open now, so that `check_access`
	/// for `EmergencyTreatment` answers `Emergency`. Funds the deposit.
	#[cfg(feature = "runtime-benchmarks")]
	fn make_emergency(practitioner: &AccountId, patient: &AccountId);
}

/// No consent verifier: only the patient may access their own data.
impl<AccountId: PartialEq> ConsentVerifier<AccountId> for () {
	fn check_access_reading(
		accessor: &AccountId,
		patient: &AccountId,
		_: AccessAction,
		_: AccessTarget,
		_: PurposeOfUse,
	) -> (Result<AccessBasis, AccessDenial>, CheckReads) {
		let outcome = if accessor == patient {
			Ok(AccessBasis::Patient)
		} else {
			Err(AccessDenial::NoConsent)
		};
		(outcome, CheckReads::default())
	}
	fn most_reads(_: PurposeOfUse) -> CheckReads {
		CheckReads::default()
	}
	#[cfg(feature = "runtime-benchmarks")]
	fn make_permitted_reading(
		_: &AccountId,
		_: &AccountId,
		_: AccessAction,
		_: PurposeOfUse,
		_: CheckReads,
	) {
	}
	#[cfg(feature = "runtime-benchmarks")]
	fn make_refused(_: &AccountId, _: &AccountId, _: AccessAction, _: PurposeOfUse) {}
	#[cfg(feature = "runtime-benchmarks")]
	fn make_ended(_: &AccountId, _: &AccountId, _: AccessAction, _: PurposeOfUse) {}
	#[cfg(feature = "runtime-benchmarks")]
	fn make_emergency(_: &AccountId, _: &AccountId) {}
}

/// Who may act for a patient: the consent pallet keeps the delegates.
pub trait DelegationInspector<AccountId> {
	/// Whether `agent` is, now, a delegate of `patient` with `scope`.
	fn is_delegate(patient: &AccountId, agent: &AccountId, scope: DelegateScope) -> bool;

	/// Whether `agent` is `patient` or, now, a delegate of `patient` with `scope`.
	fn may_act_for(patient: &AccountId, agent: &AccountId, scope: DelegateScope) -> bool
	where
		AccountId: PartialEq,
	{
		patient == agent || Self::is_delegate(patient, agent, scope)
	}

	/// Benchmarks only: appoints `agent` a delegate of `patient` with `scope` alone, valid
	/// now, funding the deposit.
	#[cfg(feature = "runtime-benchmarks")]
	fn make_delegate(patient: &AccountId, agent: &AccountId, scope: DelegateScope);
}

/// No delegates: only patients act for themselves.
impl<AccountId> DelegationInspector<AccountId> for () {
	fn is_delegate(_: &AccountId, _: &AccountId, _: DelegateScope) -> bool {
		false
	}
	#[cfg(feature = "runtime-benchmarks")]
	fn make_delegate(_: &AccountId, _: &AccountId, _: DelegateScope) {}
}

/// What the records pallet tells the others about a record.
pub trait RecordInspector<AccountId> {
	/// For any version id of a record: its patient, tag and stable identity, if the version
	/// exists and is not shredded (a shredded record keeps no tag).
	fn record_subject(version: RecordId) -> Option<RecordSubject<AccountId>>;

	/// The stable identities of the records `versions` are versions of, in their order, if
	/// each is a live version of `patient`'s records; otherwise why the first that is not is
	/// refused. By default one [`Self::record_subject`] each; the records pallet answers from
	/// the patient's list of versions, in one read whatever their number (one more for a
	/// refusal).
	fn patient_records(
		patient: &AccountId,
		versions: &[RecordId],
	) -> Result<Vec<RecordId>, RecordRefusal>
	where
		AccountId: PartialEq,
	{
		versions
			.iter()
			.map(|version| {
				let subject = Self::record_subject(*version).ok_or(RecordRefusal::Unknown)?;
				if &subject.patient == patient {
					Ok(subject.record)
				} else {
					Err(RecordRefusal::OtherPatient)
				}
			})
			.collect()
	}

	/// Whether `who` is a registered patient.
	fn is_patient(who: &AccountId) -> bool;

	/// The patient whose live records carry `tag`, if any does. Tags are keyed by a secret of
	/// each patient, so a tag in use belongs to one patient only: a consent scope or a record
	/// naming another patient's tag is refused.
	fn tag_patient(tag: &Tag) -> Option<AccountId>;

	/// Benchmarks only: registers `patient` if needed (funding the deposit) and adds a record
	/// with `tag` for them in the inspector's worst case for lookups; returns a version id
	/// of it (the newest, when [`Self::record_subject`] costs more for later versions).
	#[cfg(feature = "runtime-benchmarks")]
	fn make_record(patient: &AccountId, tag: Tag) -> RecordId;

	/// Benchmarks only: fills `patient`'s records up to the inspector's bound with versions of
	/// no record, after those they have, where [`Self::patient_records`] costs the most.
	#[cfg(feature = "runtime-benchmarks")]
	fn fill_records(_patient: &AccountId) {}
}

/// No records: no record and no patient exists.
impl<AccountId> RecordInspector<AccountId> for () {
	fn record_subject(_: RecordId) -> Option<RecordSubject<AccountId>> {
		None
	}
	fn is_patient(_: &AccountId) -> bool {
		false
	}
	fn tag_patient(_: &Tag) -> Option<AccountId> {
		None
	}
	#[cfg(feature = "runtime-benchmarks")]
	fn make_record(_: &AccountId, _: Tag) -> RecordId {
		0
	}
}

/// The patient's accounting of disclosures.
pub trait DisclosureLog<AccountId> {
	/// Appends a disclosure to the patient's log. Fails only if it cannot be kept.
	fn note_disclosure(disclosure: Disclosure<AccountId>) -> DispatchResult;
}

/// No disclosure log: disclosures are accepted and dropped. For mocks only.
impl<AccountId> DisclosureLog<AccountId> for () {
	fn note_disclosure(_: Disclosure<AccountId>) -> DispatchResult {
		Ok(())
	}
}

/// Who keeps the key envelopes (the records pallet): when a consent ends, the consent pallet
/// asks it to remove the envelopes the grantee may no longer use, in the same call, so a
/// revoked grantee cannot read its sealed data keys from state.
pub trait EnvelopeKeeper<AccountId> {
	/// Removes every envelope `grantee` holds for `patient`'s records that the grantee may no
	/// longer read now (the [`ConsentVerifier`] is asked for each, with the envelope's
	/// purpose), returning the deposits. Returns the weight used, at most
	/// [`Self::max_prune_weight`].
	fn prune_envelopes(patient: &AccountId, grantee: &AccountId) -> Weight;

	/// The most [`Self::prune_envelopes`] can weigh (a grantee holding as many envelopes of
	/// one patient as allowed, all removed): callers charge it up front.
	fn max_prune_weight() -> Weight;

	/// Benchmarks only: gives `grantee` as many envelopes of `patient`'s records as allowed,
	/// registering the patient and funding deposits as needed.
	#[cfg(feature = "runtime-benchmarks")]
	fn make_envelopes(patient: &AccountId, grantee: &AccountId);
}

/// No envelopes kept: nothing to prune. For runtimes and mocks without a records pallet.
impl<AccountId> EnvelopeKeeper<AccountId> for () {
	fn prune_envelopes(_: &AccountId, _: &AccountId) -> Weight {
		Weight::zero()
	}
	fn max_prune_weight() -> Weight {
		Weight::zero()
	}
	#[cfg(feature = "runtime-benchmarks")]
	fn make_envelopes(_: &AccountId, _: &AccountId) {}
}

/// Who must hear when a licence is revoked **for good** (the records pallet): it then removes,
/// later and within a bound, the key envelopes the holder may no longer read. Suspension and
/// expiry are not revocations for good and are not reported.
pub trait LicenceRevocation<AccountId> {
	/// `holder`'s licence was revoked for good (or given up, or ended by its authority's
	/// withdrawal). Cheap and infallible: it only notes the holder; it never makes the
	/// revocation fail. Returns the weight used, at most [`Self::licence_revoked_weight`].
	fn licence_revoked(holder: &AccountId) -> Weight;

	/// The most [`Self::licence_revoked`] can weigh: the revoking call charges it up front.
	fn licence_revoked_weight() -> Weight;
}

/// Nobody to tell. For runtimes and mocks without a records pallet.
impl<AccountId> LicenceRevocation<AccountId> for () {
	fn licence_revoked(_: &AccountId) -> Weight {
		Weight::zero()
	}
	fn licence_revoked_weight() -> Weight {
		Weight::zero()
	}
}

/// Two pallets to tell, in order (the records and the prescriptions pallets): each hears of
/// every revocation, and the weight is the sum of theirs.
impl<AccountId, A, B> LicenceRevocation<AccountId> for (A, B)
where
	A: LicenceRevocation<AccountId>,
	B: LicenceRevocation<AccountId>,
{
	fn licence_revoked(holder: &AccountId) -> Weight {
		A::licence_revoked(holder).saturating_add(B::licence_revoked(holder))
	}

	fn licence_revoked_weight() -> Weight {
		A::licence_revoked_weight().saturating_add(B::licence_revoked_weight())
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn unit_implementations_deny_everything_but_the_patient() {
		assert!(!<() as PractitionerRegistry<u64>>::is_licensed(&1, &LicenceQuery::any()));
		assert!(!<() as PractitionerRegistry<u64>>::may_use_emergency_access(&1));
		assert_eq!(
			<() as ConsentVerifier<u64>>::check_access(
				&1,
				&1,
				AccessAction::Read,
				AccessTarget::Tag([3; 32]),
				PurposeOfUse::Treatment
			),
			Ok(AccessBasis::Patient)
		);
		assert_eq!(
			<() as ConsentVerifier<u64>>::check_access(
				&2,
				&1,
				AccessAction::Read,
				AccessTarget::Tag([3; 32]),
				PurposeOfUse::Treatment
			),
			Err(AccessDenial::NoConsent)
		);
		assert!(<() as RecordInspector<u64>>::record_subject(7).is_none());
		assert!(!<() as RecordInspector<u64>>::is_patient(&1));
	}

	/// Counts the revocations it hears of, for the pair test.
	struct Counting<const W: u64>;

	std::thread_local! {
		static HEARD: core::cell::RefCell<Vec<(u64, u64)>> = const { core::cell::RefCell::new(Vec::new()) };
	}

	impl<const W: u64> LicenceRevocation<u64> for Counting<W> {
		fn licence_revoked(holder: &u64) -> Weight {
			HEARD.with(|h| h.borrow_mut().push((W, *holder)));
			Weight::from_parts(W, 0)
		}
		fn licence_revoked_weight() -> Weight {
			Weight::from_parts(W * 10, 0)
		}
	}

	#[test]
	fn a_pair_tells_both_in_order_and_adds_their_weights() {
		type Both = (Counting<1>, Counting<2>);
		assert_eq!(Both::licence_revoked(&7), Weight::from_parts(3, 0));
		assert_eq!(Both::licence_revoked_weight(), Weight::from_parts(30, 0));
		assert_eq!(HEARD.with(|h| h.borrow().clone()), vec![(1, 7), (2, 7)]);
	}

	#[test]
	fn nobody_to_tell_weighs_nothing() {
		assert_eq!(<() as LicenceRevocation<u64>>::licence_revoked(&1), Weight::zero());
		assert_eq!(<() as LicenceRevocation<u64>>::licence_revoked_weight(), Weight::zero());
	}
}
