//! Insurers, pools, policies, insured bookings and claims with their checks.

use super::*;
use crate::{ClaimStatus, FraudCheck, Quote, QuoteError};
use frame_support::assert_noop;
use sp_runtime::DispatchError;

fn pool(insurer: AccountId) -> (Balance, Balance) {
	crate::Insurers::<Test>::get(insurer).map(|i| (i.pool, i.committed)).expect("an insurer")
}

#[test]
fn governance_registers_insurers_who_fund_and_withdraw_their_pools() {
	new_test_ext().execute_with(|| {
		assert_noop!(
			Billing::register_insurer(RuntimeOrigin::signed(STRANGER), STRANGER, bounded(b"")),
			DispatchError::BadOrigin
		);
		assert_noop!(
			Billing::register_insurer(RuntimeOrigin::root(), INSURER, bounded(b"")),
			BError::AlreadyInsurer
		);
		assert_ok!(Billing::register_insurer(RuntimeOrigin::root(), STRANGER, bounded(b"Mutual")));
		assert_eq!(last_event(), Event::InsurerRegistered { insurer: STRANGER });
		assert_noop!(Billing::fund_pool(RuntimeOrigin::signed(PATIENT), 10), BError::NotInsurer);
		assert_noop!(
			Billing::fund_pool(RuntimeOrigin::signed(STRANGER), START + 1),
			BError::InsufficientBalance
		);
		assert_ok!(Billing::fund_pool(RuntimeOrigin::signed(STRANGER), 5_000));
		assert_eq!(last_event(), Event::InsurerPoolChanged { insurer: STRANGER, pool: 5_000 });
		assert_ok!(Billing::withdraw_pool(RuntimeOrigin::signed(STRANGER), 1_000));
		assert_eq!(pool(STRANGER), (4_000, 0));
		assert_noop!(
			Billing::withdraw_pool(RuntimeOrigin::signed(STRANGER), 4_001),
			BError::InsufficientPool
		);
		assert_noop!(Billing::withdraw_pool(RuntimeOrigin::signed(PATIENT), 1), BError::NotInsurer);
		assert_invariants();
	});
}

#[test]
fn policies_are_checked_and_ended_by_their_insurer() {
	new_test_ext().execute_with(|| {
		let issue = |insurer: AccountId, covered: Vec<&[u8]>, from: u64, until: u64| {
			Billing::issue_policy(
				RuntimeOrigin::signed(insurer),
				PATIENT,
				covered.into_iter().map(code).collect::<Vec<_>>().try_into().unwrap(),
				Permill::from_percent(80),
				5_000,
				from,
				until,
			)
		};
		assert_noop!(issue(STRANGER, vec![VIDEO], T0, T0 + DAY), BError::NotInsurer);
		assert_noop!(issue(INSURER, vec![], T0, T0 + DAY), BError::BadCoveredServices);
		assert_noop!(issue(INSURER, vec![VIDEO, VIDEO], T0, T0 + DAY), BError::BadCoveredServices);
		assert_noop!(issue(INSURER, vec![b""], T0, T0 + DAY), BError::BadServiceCode);
		assert_noop!(issue(INSURER, vec![VIDEO], T0 + DAY, T0 + DAY), BError::BadValidity);
		assert_noop!(issue(INSURER, vec![VIDEO], T0 - 2 * DAY, T0 - DAY), BError::BadValidity);
		let id = policy(INSURER, 80, 5_000);
		assert_eq!(last_event(), Event::PolicyIssued { id, insurer: INSURER, patient: PATIENT });
		assert_noop!(
			Billing::end_policy(RuntimeOrigin::signed(OTHER_INSURER), id),
			BError::NotYourPolicy
		);
		assert_noop!(
			Billing::end_policy(RuntimeOrigin::signed(INSURER), 42),
			BError::UnknownPolicy
		);
		assert_ok!(Billing::end_policy(RuntimeOrigin::signed(INSURER), id));
		assert_noop!(Billing::end_policy(RuntimeOrigin::signed(INSURER), id), BError::PolicyEnded);
		// An ended policy takes no bookings.
		assert_noop!(book(PATIENT, Some(id)), BError::PolicyNotInForce);
		assert_invariants();
	});
}

#[test]
fn an_insured_visit_from_booking_to_claim_approval() {
	new_test_ext().execute_with(|| {
		let policy_id = policy(INSURER, 80, 5_000);
		assert_eq!(
			Billing::quote(&PATIENT, &DOC, &code(VIDEO), Some(policy_id), T0 + DAY),
			Ok(Quote { price: VIDEO_PRICE, patient_share: 200, insurer_share: 800 })
		);
		let id = booked(Some(policy_id));
		// The copay is held from the patient, the insurer's share reserved in its pool.
		assert_eq!(escrow(PATIENT), 200);
		assert_eq!(pool(INSURER), (POOL, 800));
		assert_noop!(
			Billing::withdraw_pool(RuntimeOrigin::signed(INSURER), POOL - 799),
			BError::InsufficientPool
		);
		assert_ok!(Billing::accept(RuntimeOrigin::signed(DOC), id));
		set_now(T0 + DAY);
		assert_ok!(Billing::mark_delivered(RuntimeOrigin::signed(DOC), id, None));
		let doc_before = Balances::free_balance(DOC);
		assert_ok!(Billing::confirm(RuntimeOrigin::signed(PATIENT), id));
		assert!(events().contains(&Event::ConsultationSettled { id, paid: 196, fee: 4 }));
		let (claim_id, claim) = claim_of(id);
		assert_eq!(claim.amount, 800);
		assert_eq!(claim.status, ClaimStatus::Pending { deadline: T0 + DAY + CLAIM_DEADLINE });
		assert_eq!(
			last_event(),
			Event::ClaimCreated {
				id: claim_id,
				consultation: id,
				amount: 800,
				deadline: T0 + DAY + CLAIM_DEADLINE
			}
		);
		assert_invariants();

		// Another insurer cannot approve it; its insurer does.
		assert_noop!(
			Billing::adjudicate_claim(
				RuntimeOrigin::signed(OTHER_INSURER),
				claim_id,
				true,
				[0u8; 32]
			),
			BError::NotYourClaim
		);
		assert_ok!(Billing::adjudicate_claim(
			RuntimeOrigin::signed(INSURER),
			claim_id,
			true,
			[0u8; 32]
		));
		assert_eq!(last_event(), Event::ClaimApproved { id: claim_id, paid: 784, fee: 16 });
		assert_eq!(Balances::free_balance(DOC), doc_before + 196 + 784);
		assert_eq!(pool(INSURER), (POOL - 800, 0));
		assert_eq!(Balances::total_balance(&INSURER), START - 800);
		assert_eq!(Balances::total_balance(&PATIENT), START - 200);
		assert_eq!(Balances::free_balance(FEES), 1 + 4 + 16);
		assert_noop!(
			Billing::adjudicate_claim(RuntimeOrigin::signed(INSURER), claim_id, true, [0u8; 32]),
			BError::ClaimClosed
		);
		assert_noop!(
			Billing::finalize_claim(RuntimeOrigin::signed(STRANGER), claim_id),
			BError::ClaimClosed
		);
		assert_invariants();
	});
}

#[test]
fn silence_approves_a_claim_at_its_deadline() {
	new_test_ext().execute_with(|| {
		let policy_id = policy(INSURER, 50, 5_000);
		let id = delivered(Some(policy_id));
		assert_ok!(Billing::confirm(RuntimeOrigin::signed(PATIENT), id));
		let (claim_id, _) = claim_of(id);
		assert_noop!(
			Billing::finalize_claim(RuntimeOrigin::signed(STRANGER), claim_id),
			BError::ClaimStillPending
		);
		set_now(T0 + DAY + CLAIM_DEADLINE);
		assert_noop!(
			Billing::adjudicate_claim(RuntimeOrigin::signed(INSURER), claim_id, false, [1u8; 32]),
			BError::ClaimDeadlinePassed
		);
		assert_ok!(Billing::finalize_claim(RuntimeOrigin::signed(STRANGER), claim_id));
		assert_eq!(claim_of(id).1.status, ClaimStatus::Approved);
		assert_eq!(pool(INSURER), (POOL - 500, 0));
		assert_noop!(
			Billing::finalize_claim(RuntimeOrigin::signed(STRANGER), 42),
			BError::UnknownClaim
		);
		assert_invariants();
	});
}

#[test]
fn a_denied_claim_returns_the_share_and_leaves_the_patient_not_liable() {
	new_test_ext().execute_with(|| {
		let policy_id = policy(INSURER, 80, 5_000);
		let id = delivered(Some(policy_id));
		assert_ok!(Billing::confirm(RuntimeOrigin::signed(PATIENT), id));
		let (claim_id, _) = claim_of(id);
		assert_ok!(Billing::adjudicate_claim(
			RuntimeOrigin::signed(INSURER),
			claim_id,
			false,
			[5u8; 32]
		));
		assert_eq!(last_event(), Event::ClaimDenied { id: claim_id, reason: [5u8; 32] });
		assert_eq!(pool(INSURER), (POOL, 0));
		assert_eq!(Balances::total_balance(&PATIENT), START - 200);
		// A denied claim does not use the limit.
		assert_eq!(crate::PolicyUsage::<Test>::get(policy_id, 0), 0);
		assert!(!crate::PolicyUsage::<Test>::contains_key(policy_id, 0), "no empty entry");
		assert_invariants();
	});
}

#[test]
fn claims_failing_the_checks_are_rejected_with_the_reason() {
	new_test_ext().execute_with(|| {
		// No consent of the patient to the insurer for payment.
		let policy_id = policy(INSURER, 80, 5_000);
		MockConsent::revoke(INSURER, PATIENT);
		let id = delivered(Some(policy_id));
		assert_ok!(Billing::confirm(RuntimeOrigin::signed(PATIENT), id));
		let (claim_id, claim) = claim_of(id);
		assert_eq!(claim.status, ClaimStatus::Rejected { check: FraudCheck::NoPaymentConsent });
		assert_eq!(
			last_event(),
			Event::ClaimRejected { id: claim_id, check: FraudCheck::NoPaymentConsent }
		);
		assert_eq!(pool(INSURER), (POOL, 0));
		assert_noop!(
			Billing::adjudicate_claim(RuntimeOrigin::signed(INSURER), claim_id, true, [0u8; 32]),
			BError::ClaimClosed
		);
		assert_invariants();
	});
}

#[test]
fn a_policy_ended_before_delivery_does_not_cover_the_visit() {
	new_test_ext().execute_with(|| {
		let policy_id = policy(INSURER, 80, 5_000);
		let id = accepted(Some(policy_id));
		assert_ok!(Billing::end_policy(RuntimeOrigin::signed(INSURER), policy_id));
		set_now(T0 + DAY);
		assert_ok!(Billing::mark_delivered(RuntimeOrigin::signed(DOC), id, None));
		assert_ok!(Billing::confirm(RuntimeOrigin::signed(PATIENT), id));
		assert_eq!(claim_of(id).1.status, ClaimStatus::Rejected { check: FraudCheck::NotCovered });
		assert_invariants();
	});
}

#[test]
fn the_same_visit_claimed_twice_is_a_duplicate() {
	new_test_ext().execute_with(|| {
		let policy_id = policy(INSURER, 80, 5_000);
		let first = delivered(Some(policy_id));
		set_now(T0);
		let second = accepted(Some(policy_id));
		set_now(T0 + DAY);
		assert_ok!(Billing::mark_delivered(RuntimeOrigin::signed(DOC), second, None));
		assert_ok!(Billing::confirm(RuntimeOrigin::signed(PATIENT), first));
		assert_ok!(Billing::confirm(RuntimeOrigin::signed(PATIENT), second));
		assert!(matches!(claim_of(first).1.status, ClaimStatus::Pending { .. }));
		assert_eq!(
			claim_of(second).1.status,
			ClaimStatus::Rejected { check: FraudCheck::Duplicate }
		);
		assert_eq!(pool(INSURER), (POOL, 800));
		assert_invariants();
	});
}

#[test]
fn the_annual_limit_bounds_bookings_and_claims() {
	new_test_ext().execute_with(|| {
		let policy_id = policy(INSURER, 80, 1_000);
		let id = delivered(Some(policy_id));
		// 800 reserved: a second booking would take the year to 1 600.
		set_now(T0);
		assert_noop!(book(PATIENT, Some(policy_id)), BError::LimitExceeded);
		assert_eq!(
			Billing::quote(&PATIENT, &DOC, &code(VIDEO), Some(policy_id), T0 + DAY),
			Err(QuoteError::LimitExceeded)
		);
		// If claims used the limit meanwhile, the claim is rejected.
		crate::PolicyUsage::<Test>::insert(policy_id, 0, 900);
		set_now(T0 + DAY);
		assert_ok!(Billing::confirm(RuntimeOrigin::signed(PATIENT), id));
		assert_eq!(
			claim_of(id).1.status,
			ClaimStatus::Rejected { check: FraudCheck::LimitExceeded }
		);
	});
}

#[test]
fn the_checks_refuse_undelivered_visits_and_unlicensed_practitioners() {
	new_test_ext().execute_with(|| {
		let policy_id = policy(INSURER, 80, 5_000);
		let p = crate::Policies::<Test>::get(policy_id).unwrap();
		let id = accepted(Some(policy_id));
		let mut c = crate::Consultations::<Test>::get(id).unwrap();
		assert_eq!(Billing::check_claim(&c, &p, 800), Err(FraudCheck::NotDelivered));
		c.status = ConsultationStatus::Delivered;
		c.delivered_at = Some(T0 + DAY);
		assert_eq!(Billing::check_claim(&c, &p, 800), Err(FraudCheck::NotLicensed));
		c.licensed_at_delivery = true;
		assert_eq!(Billing::check_claim(&c, &p, 800), Ok((0, 800)));
	});
}

#[test]
fn bookings_under_a_policy_are_checked() {
	new_test_ext().execute_with(|| {
		let policy_id = policy(INSURER, 80, 50_000);
		assert_noop!(book(PATIENT, Some(42)), BError::UnknownPolicy);
		assert_noop!(
			Billing::book(
				RuntimeOrigin::signed(OTHER_PATIENT),
				OTHER_PATIENT,
				DOC,
				code(VIDEO),
				T0 + DAY,
				Some(policy_id)
			),
			BError::NotYourPolicy
		);
		assert_ok!(Billing::set_service(
			RuntimeOrigin::signed(DOC),
			code(b"X1"),
			description(b""),
			100,
			HOUR
		));
		assert_noop!(
			Billing::book(
				RuntimeOrigin::signed(PATIENT),
				PATIENT,
				DOC,
				code(b"X1"),
				T0 + DAY,
				Some(policy_id)
			),
			BError::NotCovered
		);
		assert_noop!(
			Billing::book(
				RuntimeOrigin::signed(PATIENT),
				PATIENT,
				DOC,
				code(VIDEO),
				T0 + 400 * DAY,
				Some(policy_id)
			),
			BError::PolicyNotInForce
		);
		// The insurer's pool cannot cover the share.
		assert_ok!(Billing::withdraw_pool(RuntimeOrigin::signed(INSURER), POOL - 700));
		assert_noop!(book(PATIENT, Some(policy_id)), BError::InsufficientPool);
		assert_invariants();
	});
}

/// A policy year.
const YEAR: u64 = 365 * DAY;

/// The insurer issues `PATIENT` a two-year policy for the video service, `coverage` percent,
/// `limit` a year; the patient consents to the insurer for payment.
fn two_year_policy(coverage: u32, limit: Balance) -> PolicyId {
	let id = crate::NextPolicyId::<Test>::get();
	assert_ok!(Billing::issue_policy(
		RuntimeOrigin::signed(INSURER),
		PATIENT,
		vec![code(VIDEO)].try_into().unwrap(),
		Permill::from_percent(coverage),
		limit,
		T0,
		T0 + 2 * YEAR,
	));
	MockConsent::permit(
		INSURER,
		PATIENT,
		AccessAction::Read,
		PurposeOfUse::Payment,
		Some(PAYMENT_TAG),
	);
	id
}

/// Books the video visit for `PATIENT` at `at` under `policy` (now), and the physician
/// accepts it.
fn insured_at(policy: PolicyId, at: u64) -> DispatchResult {
	let id = crate::NextConsultationId::<Test>::get();
	Billing::book(RuntimeOrigin::signed(PATIENT), PATIENT, DOC, code(VIDEO), at, Some(policy))?;
	Billing::accept(RuntimeOrigin::signed(DOC), id)
}

/// Moves to `at` and marks `id` delivered then.
fn deliver_at(id: ConsultationId, at: u64) {
	set_now(at);
	assert_ok!(Billing::mark_delivered(RuntimeOrigin::signed(DOC), id, None));
}

fn confirm(id: ConsultationId) {
	assert_ok!(Billing::confirm(RuntimeOrigin::signed(PATIENT), id));
	assert!(matches!(claim_of(id).1.status, ClaimStatus::Pending { .. }), "claim {id} accepted");
}

/// What the claims of `year` (their visit's delivery) add up to, pending or approved.
fn claimed_in(policy: PolicyId, year: u32) -> Balance {
	crate::Claims::<Test>::iter()
		.filter(|(_, c)| {
			c.policy == policy
				&& matches!(c.status, ClaimStatus::Pending { .. } | ClaimStatus::Approved)
		})
		.filter(|(_, c)| {
			let at =
				crate::Consultations::<Test>::get(c.consultation).unwrap().delivered_at.unwrap();
			crate::Policies::<Test>::get(policy).unwrap().year_of(at) == year
		})
		.map(|(_, c)| c.amount)
		.sum()
}

/// Issue 12 item 12: with one `(year, used)` pair per policy, settling a visit delivered in
/// year 0 after year 1 began reset year 1's usage, so year 1 could claim past its limit by
/// alternating. Usage is now kept per year: the fourth year-1 visit is refused.
#[test]
fn claims_alternating_years_cannot_exceed_the_annual_limit() {
	new_test_ext().execute_with(|| {
		// 30 % of 1 000: each claim is 300; the limit is 1 000 a year.
		let policy_id = two_year_policy(30, 1_000);
		// Two visits of year 0, delivered in year 0, left unsettled.
		let (v1, v2) = (0, 1);
		assert_ok!(insured_at(policy_id, T0 + DAY));
		assert_ok!(insured_at(policy_id, T0 + DAY + HOUR));
		deliver_at(v1, T0 + DAY);
		deliver_at(v2, T0 + DAY + HOUR);
		// Year 1: a visit claimed, then a late year-0 settlement, and again.
		let mut at = T0 + YEAR + DAY;
		for late in [Some(v1), Some(v2), None] {
			let id = crate::NextConsultationId::<Test>::get();
			set_now(at - HOUR);
			assert_ok!(insured_at(policy_id, at));
			deliver_at(id, at);
			confirm(id);
			if let Some(late) = late {
				confirm(late);
			}
			at += DAY;
		}
		assert_eq!(crate::PolicyUsage::<Test>::get(policy_id, 0), 600);
		assert_eq!(crate::PolicyUsage::<Test>::get(policy_id, 1), 900);
		// A fourth year-1 visit would take year 1 to 1 200.
		set_now(at - HOUR);
		assert_noop!(insured_at(policy_id, at), BError::LimitExceeded);
		assert!(claimed_in(policy_id, 0) <= 1_000 && claimed_in(policy_id, 1) <= 1_000);
		assert_invariants();
	});
}

/// A visit booked in year 0 but delivered in year 1 is charged to year 1 (its delivery), and
/// the claim check refuses it when year 1 is used up, whatever year 0 has left.
#[test]
fn a_claim_is_charged_to_the_year_of_its_delivery() {
	new_test_ext().execute_with(|| {
		let policy_id = two_year_policy(30, 1_000);
		assert_ok!(insured_at(policy_id, T0 + YEAR - HOUR));
		assert_ok!(insured_at(policy_id, T0 + YEAR - 2 * HOUR));
		deliver_at(0, T0 + YEAR + HOUR);
		confirm(0);
		assert_eq!(crate::PolicyUsage::<Test>::get(policy_id, 0), 0);
		assert_eq!(crate::PolicyUsage::<Test>::get(policy_id, 1), 300);
		// Year 1 used up meanwhile (say by visits at other practices): the second is rejected.
		crate::PolicyUsage::<Test>::insert(policy_id, 1, 800);
		deliver_at(1, T0 + YEAR + 2 * HOUR);
		assert_ok!(Billing::confirm(RuntimeOrigin::signed(PATIENT), 1));
		assert_eq!(
			claim_of(1).1.status,
			ClaimStatus::Rejected { check: FraudCheck::LimitExceeded }
		);
		assert_eq!(crate::PolicyUsage::<Test>::get(policy_id, 1), 800);
	});
}

/// A denied claim gives its amount back to the year it was charged to, not to the year of the
/// last claim.
#[test]
fn a_denied_claim_gives_back_to_its_own_year() {
	new_test_ext().execute_with(|| {
		let policy_id = two_year_policy(30, 1_000);
		assert_ok!(insured_at(policy_id, T0 + DAY));
		deliver_at(0, T0 + DAY);
		set_now(T0 + YEAR);
		assert_ok!(insured_at(policy_id, T0 + YEAR + DAY));
		deliver_at(1, T0 + YEAR + DAY);
		confirm(1);
		confirm(0);
		let (claim0, _) = claim_of(0);
		assert_ok!(Billing::adjudicate_claim(
			RuntimeOrigin::signed(INSURER),
			claim0,
			false,
			[1u8; 32]
		));
		assert_eq!(crate::PolicyUsage::<Test>::get(policy_id, 0), 0);
		assert_eq!(crate::PolicyUsage::<Test>::get(policy_id, 1), 300);
		assert_invariants();
	});
}

/// The runtime API's listings: an insurer, the practitioner and the patient each find a claim
/// they are in, nobody else does; paging looks at a bounded number of ids, always ends, and
/// goes on where the last page stopped; a reaped claim is gone; policies list for the insurer
/// and the patient with what claims used of the year's limit.
#[test]
fn claims_and_policies_are_listed_for_their_parties_only_page_by_page() {
	new_test_ext().execute_with(|| {
		let ids = |party: AccountId, from: u64, max: u32| {
			let (found, next) = Billing::claims_of(&party, from, max);
			(found.into_iter().map(|(id, _, _)| id).collect::<Vec<_>>(), next)
		};
		assert_eq!(ids(INSURER, 0, 10), (vec![], None), "no claim yet");

		let mine = policy(INSURER, 80, 5_000);
		let theirs = policy(OTHER_INSURER, 50, 5_000);
		// Two settled insured visits, one under each insurer's policy.
		let first = delivered(Some(mine));
		assert_ok!(Billing::confirm(RuntimeOrigin::signed(PATIENT), first));
		let second = crate::NextConsultationId::<Test>::get();
		let at = T0 + 2 * DAY;
		assert_ok!(Billing::book(
			RuntimeOrigin::signed(PATIENT),
			PATIENT,
			DOC,
			code(VIDEO),
			at,
			Some(theirs)
		));
		assert_ok!(Billing::accept(RuntimeOrigin::signed(DOC), second));
		set_now(at);
		assert_ok!(Billing::mark_delivered(RuntimeOrigin::signed(DOC), second, None));
		assert_ok!(Billing::confirm(RuntimeOrigin::signed(PATIENT), second));
		let (a, _) = claim_of(first);
		let (b, _) = claim_of(second);
		assert_eq!((a, b), (0, 1));
		assert!(matches!(claim_of(second).1.status, ClaimStatus::Pending { .. }));

		assert_eq!(ids(INSURER, 0, 10), (vec![a], None));
		assert_eq!(ids(OTHER_INSURER, 0, 10), (vec![b], None));
		assert_eq!(ids(DOC, 0, 10), (vec![a, b], None));
		assert_eq!(ids(PATIENT, 0, 10), (vec![a, b], None));
		assert_eq!(ids(STRANGER, 0, 10), (vec![], None));
		let (found, _) = Billing::claims_of(&PATIENT, 0, 10);
		assert_eq!(found[0].1.insurer, INSURER);
		assert_eq!(found[0].2.patient, PATIENT);
		assert_eq!(found[0].1.consultation, first);

		// One id a page: the second page goes on from the first's end; a page of ids that are
		// not the party's is empty and still says where to go on; 0 means 1; past the end
		// there is nothing and no next page.
		assert_eq!(ids(INSURER, 0, 1), (vec![a], Some(1)));
		assert_eq!(ids(INSURER, 1, 1), (vec![], None));
		assert_eq!(ids(OTHER_INSURER, 0, 1), (vec![], Some(1)));
		assert_eq!(ids(PATIENT, 0, 0), (vec![a], Some(1)));
		assert_eq!(ids(PATIENT, 2, 10), (vec![], None));
		assert_eq!(ids(PATIENT, u64::MAX, u32::MAX), (vec![], None));
		// A page never looks at more than MAX_PAGE_SCAN ids.
		crate::NextClaimId::<Test>::put(u64::from(crate::MAX_PAGE_SCAN) * 3);
		assert_eq!(ids(PATIENT, 0, u32::MAX), (vec![a, b], Some(u64::from(crate::MAX_PAGE_SCAN))));
		crate::NextClaimId::<Test>::put(2);

		// The insurer answers the first claim; once its visit is reaped, it is gone.
		assert_ok!(Billing::adjudicate_claim(RuntimeOrigin::signed(INSURER), a, true, [0u8; 32]));
		assert_ok!(Billing::reap(RuntimeOrigin::signed(STRANGER), first));
		assert_eq!(ids(PATIENT, 0, 10), (vec![b], None));

		// Policies: the insurer sees its own, the patient both, with what was used this year.
		let policies = |party: AccountId| {
			let (found, next) = Billing::policies_of(&party, 0, 10, T0 + DAY);
			(found.into_iter().map(|(id, p, used)| (id, p.insurer, used)).collect::<Vec<_>>(), next)
		};
		assert_eq!(policies(INSURER), (vec![(mine, INSURER, 800)], None));
		assert_eq!(
			policies(PATIENT),
			(vec![(mine, INSURER, 800), (theirs, OTHER_INSURER, 500)], None)
		);
		assert_eq!(policies(STRANGER), (vec![], None));
		assert_eq!(
			Billing::policies_of(&PATIENT, 0, 1, T0).0.len(),
			1,
			"one id looked at, one found"
		);
		assert_invariants();
	});
}

#[test]
fn a_self_paid_booking_is_charged_for_no_insurer_and_an_insured_one_for_its_policy() {
	use crate::weights::WeightInfo as _;
	use frame_support::dispatch::GetDispatchInfo;
	type Weights = ();
	let call = |policy| crate::Call::<Test>::book {
		patient: PATIENT,
		practitioner: DOC,
		service: code(VIDEO),
		scheduled_at: T0 + DAY,
		policy,
	};
	assert_eq!(call(None).get_dispatch_info().call_weight, Weights::book_self_paid());
	assert_eq!(call(Some(0)).get_dispatch_info().call_weight, Weights::book());
	// The insurer's pool and the policy are read (and written) only under a policy: a
	// self-paid booking costs less, and is never charged for them.
	assert!(Weights::book_self_paid().all_lte(Weights::book()));
	assert!(Weights::book_self_paid().ref_time() < Weights::book().ref_time());
}
