//! Self-paid consultations: booking, acceptance, cancellation, delivery, settlement.

use super::*;
use frame_support::assert_noop;
use telemed_primitives::DelegateScope;

#[test]
fn a_self_paid_visit_from_booking_to_payout() {
	new_test_ext().execute_with(|| {
		let id = booked(None);
		assert_eq!(
			last_event(),
			Event::ConsultationBooked {
				id,
				patient: PATIENT,
				practitioner: DOC,
				patient_share: VIDEO_PRICE,
				insurer_share: 0
			}
		);
		// Held, not transferred.
		assert_eq!(escrow(PATIENT), VIDEO_PRICE);
		assert_eq!(Balances::total_balance(&PATIENT), START);
		assert_eq!(Billing::consultations_of(&PATIENT).len(), 1);
		assert_eq!(Billing::schedule(&DOC).1.len(), 1);

		assert_ok!(Billing::accept(RuntimeOrigin::signed(DOC), id));
		assert_eq!(status(id), ConsultationStatus::Accepted);
		// Not before the visit's time.
		assert_noop!(
			Billing::mark_delivered(RuntimeOrigin::signed(DOC), id, None),
			BError::TooEarly
		);
		set_now(T0 + DAY + HOUR);
		assert_ok!(Billing::mark_delivered(RuntimeOrigin::signed(DOC), id, Some([7u8; 32])));
		let c = crate::Consultations::<Test>::get(id).unwrap();
		assert_eq!(
			(c.status, c.delivered_at, c.encounter),
			(ConsultationStatus::Delivered, Some(T0 + DAY + HOUR), Some([7u8; 32]))
		);
		assert_eq!(c.dispute_until, Some(T0 + DAY + HOUR + DISPUTE_WINDOW));

		// Nobody but the patient settles during the dispute window.
		assert_noop!(
			Billing::settle(RuntimeOrigin::signed(STRANGER), id),
			BError::DisputeWindowOpen
		);
		set_now(T0 + DAY + HOUR + DISPUTE_WINDOW);
		let doc_before = Balances::free_balance(DOC);
		assert_ok!(Billing::settle(RuntimeOrigin::signed(STRANGER), id));
		assert_eq!(last_event(), Event::ConsultationSettled { id, paid: 980, fee: 20 });
		assert_eq!(Balances::free_balance(DOC), doc_before + 980);
		assert_eq!(Balances::free_balance(FEES), 1 + 20);
		assert_eq!(Balances::total_balance(&PATIENT), START - VIDEO_PRICE);
		assert_eq!(escrow(PATIENT), 0);
		assert_eq!(status(id), ConsultationStatus::Settled);
		assert!(Billing::consultations_of(&PATIENT).is_empty());
		assert!(Billing::claim_of(id).is_none(), "a self-paid visit has no claim");
		// Double settlement.
		assert_noop!(Billing::settle(RuntimeOrigin::signed(STRANGER), id), BError::AlreadySettled);
		assert_noop!(Billing::confirm(RuntimeOrigin::signed(PATIENT), id), BError::WrongStatus);
		assert_invariants();
	});
}

#[test]
fn the_patient_confirms_and_settles_at_once() {
	new_test_ext().execute_with(|| {
		let id = delivered(None);
		assert_noop!(Billing::confirm(RuntimeOrigin::signed(STRANGER), id), BError::NotPermitted);
		assert_noop!(Billing::confirm(RuntimeOrigin::signed(DOC), id), BError::NotPermitted);
		assert_ok!(Billing::confirm(RuntimeOrigin::signed(PATIENT), id));
		assert_eq!(status(id), ConsultationStatus::Settled);
		assert_invariants();
	});
}

#[test]
fn bad_bookings_are_refused_and_hold_nothing() {
	new_test_ext().execute_with(|| {
		let book_as = |payer: AccountId,
		               patient: AccountId,
		               practitioner: AccountId,
		               code: &[u8],
		               at: u64| {
			Billing::book(
				RuntimeOrigin::signed(payer),
				patient,
				practitioner,
				crate::mock::code(code),
				at,
				None,
			)
		};
		assert_noop!(book_as(STRANGER, PATIENT, DOC, VIDEO, T0 + DAY), BError::NotPermitted);
		assert_noop!(book_as(DOC, DOC, DOC, VIDEO, T0 + DAY), BError::BookingSelf);
		assert_noop!(book_as(PATIENT, PATIENT, DOC, b"00000", T0 + DAY), BError::UnknownService);
		assert_noop!(book_as(PATIENT, PATIENT, NURSE, VIDEO, T0 + DAY), BError::UnknownService);
		assert_noop!(book_as(PATIENT, PATIENT, DOC, b"", T0 + DAY), BError::BadServiceCode);
		assert_noop!(book_as(PATIENT, PATIENT, DOC, VIDEO, T0), BError::InThePast);
		// A practitioner whose licence lapsed cannot be booked.
		MockRegistry::set(DOC, [1u8; 32], false);
		assert_noop!(book_as(PATIENT, PATIENT, DOC, VIDEO, T0 + DAY), BError::NotLicensed);
		MockRegistry::set(DOC, [1u8; 32], true);
		// Not enough funds.
		assert_ok!(Balances::transfer_allow_death(
			RuntimeOrigin::signed(PATIENT),
			STRANGER,
			START - 500
		));
		assert_noop!(book_as(PATIENT, PATIENT, DOC, VIDEO, T0 + DAY), BError::InsufficientBalance);
		assert_eq!(escrow(PATIENT), 0);
		// MaxOpenConsultations = 4 per patient.
		for _ in 0..4 {
			assert_ok!(book_as(OTHER_PATIENT, OTHER_PATIENT, DOC, b"99212", T0 + DAY));
		}
		assert_noop!(
			book_as(OTHER_PATIENT, OTHER_PATIENT, DOC, b"99212", T0 + DAY),
			BError::TooManyOpenConsultations
		);
		assert_invariants();
	});
}

#[test]
fn a_delegate_with_book_care_books_and_pays() {
	new_test_ext().execute_with(|| {
		assert_noop!(book(PARENT, None), BError::NotPermitted);
		MockConsent::delegate(PATIENT, PARENT, DelegateScope::ManageConsents);
		assert_noop!(book(PARENT, None), BError::NotPermitted);
		MockConsent::delegate(PATIENT, PARENT, DelegateScope::BookCare);
		let id = crate::NextConsultationId::<Test>::get();
		assert_ok!(book(PARENT, None));
		assert_eq!(escrow(PARENT), VIDEO_PRICE);
		assert_eq!(escrow(PATIENT), 0);
		// The practitioner declines: the refund goes to whoever paid.
		assert_ok!(Billing::decline(RuntimeOrigin::signed(DOC), id));
		assert_eq!(escrow(PARENT), 0);
		// The deposit stays with the consultation until it is reaped, then goes back too.
		assert_eq!(Balances::free_balance(PARENT), START - CONSULTATION_DEPOSIT);
		assert_ok!(Billing::reap(RuntimeOrigin::signed(STRANGER), id));
		assert_eq!(Balances::free_balance(PARENT), START);
		assert_invariants();
	});
}

#[test]
fn only_the_practitioner_accepts_declines_or_delivers_their_bookings() {
	new_test_ext().execute_with(|| {
		let id = booked(None);
		assert_noop!(
			Billing::accept(RuntimeOrigin::signed(NURSE), id),
			BError::NotYourConsultation
		);
		assert_noop!(
			Billing::decline(RuntimeOrigin::signed(NURSE), id),
			BError::NotYourConsultation
		);
		assert_noop!(Billing::accept(RuntimeOrigin::signed(DOC), 42), BError::UnknownConsultation);
		assert_noop!(
			Billing::mark_delivered(RuntimeOrigin::signed(DOC), id, None),
			BError::WrongStatus
		);
		MockRegistry::set(DOC, [1u8; 32], false);
		assert_noop!(Billing::accept(RuntimeOrigin::signed(DOC), id), BError::NotLicensed);
		MockRegistry::set(DOC, [1u8; 32], true);
		assert_ok!(Billing::accept(RuntimeOrigin::signed(DOC), id));
		assert_noop!(Billing::accept(RuntimeOrigin::signed(DOC), id), BError::WrongStatus);
		assert_noop!(Billing::decline(RuntimeOrigin::signed(DOC), id), BError::WrongStatus);
		set_now(T0 + DAY);
		assert_noop!(
			Billing::mark_delivered(RuntimeOrigin::signed(NURSE), id, None),
			BError::NotYourConsultation
		);
		assert_invariants();
	});
}

#[test]
fn the_cancellation_rule() {
	new_test_ext().execute_with(|| {
		// Before acceptance: a full refund, either side.
		let id = booked(None);
		assert_ok!(Billing::cancel(RuntimeOrigin::signed(PATIENT), id));
		assert_eq!(
			last_event(),
			Event::ConsultationCancelled { id, by: PATIENT, fee: 0, refund: VIDEO_PRICE }
		);
		assert_eq!(Balances::free_balance(PATIENT), START - CONSULTATION_DEPOSIT);
		assert_noop!(Billing::cancel(RuntimeOrigin::signed(PATIENT), id), BError::WrongStatus);

		// After acceptance, the practitioner cancels: a full refund.
		let id = accepted(None);
		assert_ok!(Billing::cancel(RuntimeOrigin::signed(DOC), id));
		assert_eq!(
			last_event(),
			Event::ConsultationCancelled { id, by: DOC, fee: 0, refund: VIDEO_PRICE }
		);

		// After acceptance, the patient cancels before the visit: half the price to the
		// practitioner (less the network fee).
		let id = accepted(None);
		let doc_before = Balances::free_balance(DOC);
		assert_ok!(Billing::cancel(RuntimeOrigin::signed(PATIENT), id));
		assert_eq!(
			last_event(),
			Event::ConsultationCancelled { id, by: PATIENT, fee: 500, refund: 500 }
		);
		assert_eq!(Balances::free_balance(DOC), doc_before + 490);
		assert_eq!(Balances::total_balance(&PATIENT), START - 500);

		// During the visit: not cancellable; after the no-show grace: a full refund.
		let id = accepted(None);
		set_now(T0 + DAY + HOUR / 4);
		assert_noop!(Billing::cancel(RuntimeOrigin::signed(PATIENT), id), BError::VisitUnderway);
		set_now(T0 + DAY + HOUR / 2 + NO_SHOW_GRACE);
		assert_ok!(Billing::cancel(RuntimeOrigin::signed(PATIENT), id));
		assert_eq!(
			last_event(),
			Event::ConsultationCancelled { id, by: PATIENT, fee: 0, refund: VIDEO_PRICE }
		);

		// Others may not cancel; a delivered visit is not cancelled but disputed.
		set_now(T0);
		let id = delivered(None);
		assert_noop!(Billing::cancel(RuntimeOrigin::signed(STRANGER), 0), BError::NotPermitted);
		assert_noop!(Billing::cancel(RuntimeOrigin::signed(PATIENT), id), BError::WrongStatus);
		assert_invariants();
	});
}

#[test]
fn a_practitioner_without_a_valid_licence_at_delivery_is_not_paid() {
	new_test_ext().execute_with(|| {
		let id = accepted(None);
		MockRegistry::set(DOC, [1u8; 32], false);
		set_now(T0 + DAY);
		assert_ok!(Billing::mark_delivered(RuntimeOrigin::signed(DOC), id, None));
		assert_eq!(
			last_event(),
			Event::ConsultationDelivered {
				id,
				licensed: false,
				dispute_until: T0 + DAY + DISPUTE_WINDOW
			}
		);
		let doc_before = Balances::free_balance(DOC);
		assert_ok!(Billing::confirm(RuntimeOrigin::signed(PATIENT), id));
		assert_eq!(last_event(), Event::ConsultationRefunded { id });
		assert_eq!(status(id), ConsultationStatus::Refunded);
		assert_eq!(Balances::free_balance(DOC), doc_before);
		assert_eq!(Balances::free_balance(PATIENT), START - CONSULTATION_DEPOSIT);
		assert_invariants();
	});
}

/// Issue 12 item 13: the practitioner who is also the patient's `BookCare` delegate cannot
/// confirm (skipping the dispute window) nor dispute their own visit; the patient still can.
#[test]
fn the_practitioner_as_the_patients_delegate_cannot_confirm_or_dispute() {
	new_test_ext().execute_with(|| {
		MockConsent::delegate(PATIENT, DOC, DelegateScope::BookCare);
		let id = delivered(None);
		assert_noop!(Billing::confirm(RuntimeOrigin::signed(DOC), id), BError::OwnVisit);
		assert_noop!(Billing::dispute(RuntimeOrigin::signed(DOC), id), BError::OwnVisit);
		// Nor before the window closes by `settle`.
		assert_noop!(Billing::settle(RuntimeOrigin::signed(DOC), id), BError::DisputeWindowOpen);
		assert_ok!(Billing::confirm(RuntimeOrigin::signed(PATIENT), id));
		assert_invariants();
	});
}

/// Issue 12 item 13: the practitioner who booked (and paid for) the visit cannot confirm it,
/// neither while a delegate nor after the delegation ended.
#[test]
fn the_practitioner_as_the_booker_cannot_confirm_or_dispute() {
	new_test_ext().execute_with(|| {
		MockConsent::delegate(PATIENT, DOC, DelegateScope::BookCare);
		let id = crate::NextConsultationId::<Test>::get();
		assert_ok!(book(DOC, None));
		assert_eq!(crate::Consultations::<Test>::get(id).unwrap().payer, DOC);
		assert_ok!(Billing::accept(RuntimeOrigin::signed(DOC), id));
		set_now(T0 + DAY);
		assert_ok!(Billing::mark_delivered(RuntimeOrigin::signed(DOC), id, None));
		assert_noop!(Billing::confirm(RuntimeOrigin::signed(DOC), id), BError::OwnVisit);
		// The delegation ends: the practitioner is the booker only.
		telemed_primitives::mocks::reset();
		MockRegistry::set(DOC, [1u8; 32], true);
		assert_noop!(Billing::confirm(RuntimeOrigin::signed(DOC), id), BError::OwnVisit);
		assert_noop!(Billing::dispute(RuntimeOrigin::signed(DOC), id), BError::OwnVisit);
		// The patient confirms; the booker's money pays the practitioner, as booked.
		assert_ok!(Billing::confirm(RuntimeOrigin::signed(PATIENT), id));
		assert_invariants();
	});
}

/// The practitioner who is the patient's delegate cancels by the practitioner's rule (a full
/// refund), never by the patient's (which would pay the practitioner a fee).
#[test]
fn the_practitioner_as_delegate_cancels_by_the_practitioners_rule() {
	new_test_ext().execute_with(|| {
		MockConsent::delegate(PATIENT, DOC, DelegateScope::BookCare);
		let id = accepted(None);
		let doc_before = Balances::free_balance(DOC);
		assert_ok!(Billing::cancel(RuntimeOrigin::signed(DOC), id));
		assert_eq!(
			last_event(),
			Event::ConsultationCancelled { id, by: DOC, fee: 0, refund: VIDEO_PRICE }
		);
		assert_eq!(Balances::free_balance(DOC), doc_before);
		assert_invariants();
	});
}

/// Issue 12 item 15: a booking the practitioner never answered lapses at its time: it cannot
/// be accepted any more, and anyone releases it — a full refund, the insurer's reservation
/// back, the places in the open lists freed.
#[test]
fn an_unanswered_booking_lapses_at_its_time_and_anyone_releases_it() {
	new_test_ext().execute_with(|| {
		let policy_id = policy(INSURER, 80, 5_000);
		let id = booked(Some(policy_id));
		assert_eq!(escrow(PATIENT), 200);
		assert_noop!(
			Billing::release_lapsed(RuntimeOrigin::signed(STRANGER), id),
			BError::TooEarly
		);
		set_now(T0 + DAY - 1);
		assert_noop!(
			Billing::release_lapsed(RuntimeOrigin::signed(STRANGER), id),
			BError::TooEarly
		);
		set_now(T0 + DAY);
		assert_noop!(Billing::accept(RuntimeOrigin::signed(DOC), id), BError::BookingLapsed);
		assert_ok!(Billing::release_lapsed(RuntimeOrigin::signed(STRANGER), id));
		assert_eq!(last_event(), Event::ConsultationLapsed { id });
		assert_eq!(status(id), ConsultationStatus::Lapsed);
		assert_eq!(escrow(PATIENT), 0);
		assert_eq!(Balances::free_balance(PATIENT), START - CONSULTATION_DEPOSIT);
		assert_eq!(crate::Insurers::<Test>::get(INSURER).unwrap().committed, 0);
		assert_eq!(crate::Policies::<Test>::get(policy_id).unwrap().reserved, 0);
		assert!(Billing::schedule(&DOC).1.is_empty(), "the slot is free");
		assert!(Billing::consultations_of(&PATIENT).is_empty());
		assert!(Billing::claim_of(id).is_none());
		assert_noop!(
			Billing::release_lapsed(RuntimeOrigin::signed(STRANGER), id),
			BError::WrongStatus
		);
		assert_noop!(Billing::accept(RuntimeOrigin::signed(DOC), id), BError::WrongStatus);
		assert_invariants();
		// Reaped, the deposit goes back too: the patient is whole.
		assert_ok!(Billing::reap(RuntimeOrigin::signed(STRANGER), id));
		assert_eq!(Balances::free_balance(PATIENT), START);
		assert_invariants();
	});
}

/// Later than the visit's time, a stranger still releases it; an accepted booking is not
/// released (the practitioner answered: the no-show rule applies).
#[test]
fn only_unanswered_bookings_lapse() {
	new_test_ext().execute_with(|| {
		let unanswered = booked(None);
		let answered = accepted(None);
		set_now(T0 + 3 * DAY);
		assert_noop!(
			Billing::release_lapsed(RuntimeOrigin::signed(STRANGER), answered),
			BError::WrongStatus
		);
		assert_noop!(
			Billing::release_lapsed(RuntimeOrigin::signed(STRANGER), 42),
			BError::UnknownConsultation
		);
		assert_ok!(Billing::release_lapsed(RuntimeOrigin::signed(DOC), unanswered));
		assert_eq!(escrow(PATIENT), VIDEO_PRICE);
		// Before its time the practitioner still accepts a booking.
		set_now(T0);
		let id = booked(None);
		set_now(T0 + DAY - 1);
		assert_ok!(Billing::accept(RuntimeOrigin::signed(DOC), id));
		assert_invariants();
	});
}

/// Booking holds the escrow and the consultation deposit, both or neither.
#[test]
fn booking_holds_the_deposit_with_the_escrow_or_nothing() {
	new_test_ext().execute_with(|| {
		assert_ok!(Balances::transfer_allow_death(
			RuntimeOrigin::signed(PATIENT),
			STRANGER,
			START - VIDEO_PRICE - CONSULTATION_DEPOSIT + 1
		));
		// Enough for the price, not for the deposit too.
		assert_noop!(book(PATIENT, None), BError::InsufficientBalance);
		assert_eq!(escrow(PATIENT), 0);
		assert_ok!(Balances::transfer_allow_death(RuntimeOrigin::signed(STRANGER), PATIENT, 10));
		let id = booked(None);
		assert_eq!(escrow(PATIENT), VIDEO_PRICE);
		assert_eq!(
			Balances::balance_on_hold(&crate::HoldReason::ConsultationDeposit.into(), &PATIENT),
			CONSULTATION_DEPOSIT
		);
		assert_eq!(crate::Consultations::<Test>::get(id).unwrap().deposit, CONSULTATION_DEPOSIT);
		assert_invariants();
	});
}
