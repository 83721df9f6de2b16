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
			Event::Booked {
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
		assert_eq!(last_event(), Event::Settled { id, paid: 980, fee: 20 });
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
				code.to_vec(),
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
		assert_eq!(last_event(), Event::Cancelled { id, by: PATIENT, fee: 0, refund: VIDEO_PRICE });
		assert_eq!(Balances::free_balance(PATIENT), START);
		assert_noop!(Billing::cancel(RuntimeOrigin::signed(PATIENT), id), BError::WrongStatus);

		// After acceptance, the practitioner cancels: a full refund.
		let id = accepted(None);
		assert_ok!(Billing::cancel(RuntimeOrigin::signed(DOC), id));
		assert_eq!(last_event(), Event::Cancelled { id, by: DOC, fee: 0, refund: VIDEO_PRICE });

		// After acceptance, the patient cancels before the visit: half the price to the
		// practitioner (less the network fee).
		let id = accepted(None);
		let doc_before = Balances::free_balance(DOC);
		assert_ok!(Billing::cancel(RuntimeOrigin::signed(PATIENT), id));
		assert_eq!(last_event(), Event::Cancelled { id, by: PATIENT, fee: 500, refund: 500 });
		assert_eq!(Balances::free_balance(DOC), doc_before + 490);
		assert_eq!(Balances::total_balance(&PATIENT), START - 500);

		// During the visit: not cancellable; after the no-show grace: a full refund.
		let id = accepted(None);
		set_now(T0 + DAY + HOUR / 4);
		assert_noop!(Billing::cancel(RuntimeOrigin::signed(PATIENT), id), BError::VisitUnderway);
		set_now(T0 + DAY + HOUR / 2 + NO_SHOW_GRACE);
		assert_ok!(Billing::cancel(RuntimeOrigin::signed(PATIENT), id));
		assert_eq!(last_event(), Event::Cancelled { id, by: PATIENT, fee: 0, refund: VIDEO_PRICE });

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
			Event::Delivered { id, licensed: false, dispute_until: T0 + DAY + DISPUTE_WINDOW }
		);
		let doc_before = Balances::free_balance(DOC);
		assert_ok!(Billing::confirm(RuntimeOrigin::signed(PATIENT), id));
		assert_eq!(last_event(), Event::Refunded { id });
		assert_eq!(status(id), ConsultationStatus::Refunded);
		assert_eq!(Balances::free_balance(DOC), doc_before);
		assert_eq!(Balances::free_balance(PATIENT), START);
		assert_invariants();
	});
}
