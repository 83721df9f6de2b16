//! Money is conserved: many random sequences of bookings, cancellations, lapses, deliveries,
//! settlements, disputes (with their bonds, decided or closed by the default), claims and
//! reaping, with the invariants, every account's holds and the issuance checked after every
//! call, whether it succeeded or not.

use super::*;
use telemed_primitives::DelegateScope;

/// A small deterministic generator (xorshift64*), so that a failing sequence can be replayed.
struct Rng(u64);

impl Rng {
	fn next(&mut self) -> u64 {
		self.0 ^= self.0 >> 12;
		self.0 ^= self.0 << 25;
		self.0 ^= self.0 >> 27;
		self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
	}

	fn below(&mut self, n: u64) -> u64 {
		self.next() % n
	}

	fn pick<T: Copy>(&mut self, items: &[T]) -> T {
		items[self.below(items.len() as u64) as usize]
	}
}

fn random_step(rng: &mut Rng, policies: &[PolicyId]) {
	let patients = [PATIENT, OTHER_PATIENT];
	let anyone = [PATIENT, OTHER_PATIENT, PARENT, DOC, NURSE, INSURER, OTHER_INSURER, STRANGER];
	let consultations = crate::NextConsultationId::<Test>::get().max(1);
	let claims = crate::NextClaimId::<Test>::get().max(1);
	// Mostly an open consultation or a pending claim, sometimes any id (closed or unknown).
	let open = crate::OpenOfPractitioner::<Test>::get(DOC);
	let id = if !open.is_empty() && rng.below(4) != 0 {
		rng.pick(&open)
	} else {
		rng.below(consultations + 1)
	};
	let claim = rng.below(claims + 1);
	let now = Timestamp::get();
	let _ = match rng.below(24) {
		0 | 1 => {
			let patient = rng.pick(&patients);
			let payer = if rng.below(4) == 0 { PARENT } else { patient };
			let policy = if rng.below(2) == 0 { Some(rng.pick(policies)) } else { None };
			let service = if rng.below(2) == 0 { VIDEO } else { FOLLOW_UP };
			let at = now + 1 + rng.below(3 * DAY);
			Billing::book(RuntimeOrigin::signed(payer), patient, DOC, code(service), at, policy)
		},
		2 | 21 => Billing::accept(RuntimeOrigin::signed(DOC), id),
		3 => Billing::decline(RuntimeOrigin::signed(DOC), id),
		4 => Billing::cancel(RuntimeOrigin::signed(rng.pick(&anyone)), id),
		5 | 6 => Billing::mark_delivered(RuntimeOrigin::signed(DOC), id, None),
		7 => Billing::confirm(RuntimeOrigin::signed(rng.pick(&anyone)), id),
		8 | 22 => Billing::dispute(
			RuntimeOrigin::signed(rng.pick(&[PATIENT, OTHER_PATIENT, PARENT, DOC])),
			id,
		),
		9 => Billing::settle(RuntimeOrigin::signed(rng.pick(&anyone)), id),
		10 | 23 => Billing::resolve_dispute(
			RuntimeOrigin::root(),
			id,
			// A third rejected (nothing refunded), the rest upheld in part or whole.
			if rng.below(3) == 0 {
				Permill::from_percent(0)
			} else {
				Permill::from_parts(rng.below(1_000_001) as u32)
			},
		),
		11 => Billing::adjudicate_claim(
			RuntimeOrigin::signed(rng.pick(&[INSURER, OTHER_INSURER])),
			claim,
			rng.below(2) == 0,
			[3u8; 32],
		),
		12 => Billing::finalize_claim(RuntimeOrigin::signed(STRANGER), claim),
		13 => {
			let insurer = rng.pick(&[INSURER, OTHER_INSURER]);
			let amount = rng.below(3_000) as Balance;
			if rng.below(2) == 0 {
				Billing::fund_pool(RuntimeOrigin::signed(insurer), amount)
			} else {
				Billing::withdraw_pool(RuntimeOrigin::signed(insurer), amount)
			}
		},
		14 => {
			// Licences lapse and come back; consents to insurers come and go.
			MockRegistry::set(DOC, [1u8; 32], rng.below(4) != 0);
			let insurer = rng.pick(&[INSURER, OTHER_INSURER]);
			if rng.below(2) == 0 {
				MockConsent::revoke(insurer, PATIENT);
			} else {
				MockConsent::permit(
					insurer,
					PATIENT,
					AccessAction::Read,
					PurposeOfUse::Payment,
					None,
				);
			}
			Ok(())
		},
		16 => Billing::release_lapsed(RuntimeOrigin::signed(rng.pick(&anyone)), id),
		17 => Billing::close_dispute(RuntimeOrigin::signed(rng.pick(&anyone)), id),
		18 => Billing::reap(RuntimeOrigin::signed(rng.pick(&anyone)), rng.below(consultations + 1)),
		19 if rng.below(8) == 0 => {
			// Now and then past a dispute deadline or into the next policy year.
			set_now(now + rng.below(40 * DAY));
			Ok(())
		},
		_ => {
			set_now(now + rng.below(2 * DAY));
			Ok(())
		},
	};
}

#[test]
fn random_sequences_conserve_money() {
	let (mut settled, mut claims, mut lapsed, mut reaped) = (0, 0, 0, 0);
	let (mut disputed, mut defaulted, mut forfeited) = (0, 0, 0);
	for seed in 1..=24u64 {
		new_test_ext().execute_with(|| {
			MockConsent::delegate(PATIENT, PARENT, DelegateScope::BookCare);
			MockConsent::delegate(OTHER_PATIENT, PARENT, DelegateScope::BookCare);
			// The physician is a delegate of one patient: never on the patient side of their
			// own visits.
			MockConsent::delegate(OTHER_PATIENT, DOC, DelegateScope::BookCare);
			let policies = [policy(INSURER, 80, 6_000), policy(OTHER_INSURER, 100, 3_000), {
				let id = crate::NextPolicyId::<Test>::get();
				assert_ok!(Billing::issue_policy(
					RuntimeOrigin::signed(INSURER),
					OTHER_PATIENT,
					vec![code(VIDEO)].try_into().unwrap(),
					Permill::from_percent(60),
					4_000,
					T0,
					T0 + 2 * 365 * DAY,
				));
				id
			}];
			let mut rng = Rng(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15));
			for _ in 0..400 {
				random_step(&mut rng, &policies);
				assert_invariants();
			}
			for e in events() {
				match e {
					Event::ConsultationSettled { .. } => settled += 1,
					Event::ClaimCreated { .. } | Event::ClaimRejected { .. } => claims += 1,
					Event::ConsultationLapsed { .. } => lapsed += 1,
					Event::ConsultationReaped { .. } => reaped += 1,
					Event::ConsultationDisputed { .. } => disputed += 1,
					Event::DisputeDefaulted { .. } => defaulted += 1,
					Event::DisputeBondForfeited { .. } => forfeited += 1,
					_ => {},
				}
			}
		});
	}
	// The sequences went the whole way: visits were settled, claims made, bookings lapsed,
	// consultations reaped, disputes bonded, decided and closed by the default.
	let counts = [settled, claims, lapsed, reaped, disputed, defaulted, forfeited];
	assert!(
		settled > 10 && claims > 5 && counts.iter().all(|c| *c > 0),
		"settled, claims, lapsed, reaped, disputed, defaulted, forfeited: {counts:?}"
	);
}

/// `try_state` compares every hold of every account the storage names with the storage
/// (through `telemed_primitives::check_holds`), also under the reasons the storage says
/// nothing about for that account: a hold the storage does not know of, or one too small,
/// breaks the invariant.
#[test]
fn try_state_catches_holds_that_differ_from_the_storage() {
	use frame_support::traits::{fungible::MutateHold, tokens::Precision};
	new_test_ext().execute_with(|| {
		booked(None);
		assert_ok!(crate::Pallet::<Test>::do_try_state());
		// The booker holds escrow and a deposit; a bond the storage does not know of.
		let bond = crate::HoldReason::DisputeBond.into();
		assert_ok!(Balances::hold(&bond, &PATIENT, 1));
		assert!(crate::Pallet::<Test>::do_try_state().is_err());
		assert_ok!(Balances::release(&bond, &PATIENT, 1, Precision::Exact));
		assert_ok!(crate::Pallet::<Test>::do_try_state());
		// Less escrow held than the booking says.
		let escrow = crate::HoldReason::Escrow.into();
		assert_ok!(Balances::release(&escrow, &PATIENT, 1, Precision::Exact));
		assert!(crate::Pallet::<Test>::do_try_state().is_err());
	});
}
