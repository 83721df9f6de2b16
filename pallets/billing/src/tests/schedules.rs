//! Fee schedules.

use super::*;
use frame_support::assert_noop;

#[test]
fn a_licensed_practitioner_publishes_changes_and_withdraws_services() {
	new_test_ext().execute_with(|| {
		let held = || Balances::balance_on_hold(&crate::HoldReason::ServiceDeposit.into(), &NURSE);
		assert_ok!(Billing::set_service(
			RuntimeOrigin::signed(NURSE),
			b"99441".to_vec(),
			b"Phone consultation".to_vec(),
			300,
			HOUR / 4
		));
		assert_eq!(
			last_event(),
			Event::ServiceSet {
				practitioner: NURSE,
				service: b"99441".to_vec().try_into().unwrap(),
				price: 300
			}
		);
		assert_eq!(held(), SERVICE_DEPOSIT);
		// Changing it holds no second deposit.
		assert_ok!(Billing::set_service(
			RuntimeOrigin::signed(NURSE),
			b"99441".to_vec(),
			vec![],
			350,
			HOUR
		));
		assert_eq!(held(), SERVICE_DEPOSIT);
		let code: crate::ServiceCode = b"99441".to_vec().try_into().unwrap();
		assert_eq!(
			crate::Services::<Test>::get(NURSE, &code).map(|s| (s.price, s.duration)),
			Some((350, HOUR))
		);
		assert_ok!(Billing::withdraw_service(RuntimeOrigin::signed(NURSE), b"99441".to_vec()));
		assert_eq!(last_event(), Event::ServiceWithdrawn { practitioner: NURSE, service: code });
		assert_eq!(held(), 0);
		assert_noop!(
			Billing::withdraw_service(RuntimeOrigin::signed(NURSE), b"99441".to_vec()),
			BError::UnknownService
		);
		assert_invariants();
	});
}

#[test]
fn bad_services_are_refused() {
	new_test_ext().execute_with(|| {
		let set =
			|who: AccountId, code: &[u8], description: &[u8], price: Balance, duration: u64| {
				Billing::set_service(
					RuntimeOrigin::signed(who),
					code.to_vec(),
					description.to_vec(),
					price,
					duration,
				)
			};
		assert_noop!(set(LAPSED, b"1", b"", 10, HOUR), BError::NotLicensed);
		assert_noop!(set(STRANGER, b"1", b"", 10, HOUR), BError::NotLicensed);
		assert_noop!(set(NURSE, b"", b"", 10, HOUR), BError::BadServiceCode);
		assert_noop!(set(NURSE, &[b'9'; 19], b"", 10, HOUR), BError::BadServiceCode);
		assert_noop!(set(NURSE, b"1", &[b'd'; 33], 10, HOUR), BError::DescriptionTooLong);
		assert_noop!(set(NURSE, b"1", b"", 0, HOUR), BError::ZeroPriceOrDuration);
		assert_noop!(set(NURSE, b"1", b"", 10, 0), BError::ZeroPriceOrDuration);
		// MaxServices = 3: the physician has two.
		assert_ok!(set(DOC, b"3", b"", 10, HOUR));
		assert_noop!(set(DOC, b"4", b"", 10, HOUR), BError::TooManyServices);
		assert_invariants();
	});
}

#[test]
fn a_booking_keeps_its_price_when_the_schedule_changes() {
	new_test_ext().execute_with(|| {
		let id = booked(None);
		assert_ok!(Billing::set_service(
			RuntimeOrigin::signed(DOC),
			VIDEO.to_vec(),
			vec![],
			5_000,
			HOUR
		));
		assert_eq!(crate::Consultations::<Test>::get(id).map(|c| c.price), Some(VIDEO_PRICE));
		assert_ok!(Billing::withdraw_service(RuntimeOrigin::signed(DOC), VIDEO.to_vec()));
		// The booking goes on; new bookings of it are refused.
		assert_ok!(Billing::accept(RuntimeOrigin::signed(DOC), id));
		assert_noop!(book(PATIENT, None), BError::UnknownService);
		assert_invariants();
	});
}
