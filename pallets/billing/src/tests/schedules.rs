//! Fee schedules.

use super::*;
use frame_support::assert_noop;

#[test]
fn a_licensed_practitioner_publishes_changes_and_withdraws_services() {
	new_test_ext().execute_with(|| {
		let held = || Balances::balance_on_hold(&crate::HoldReason::ServiceDeposit.into(), &NURSE);
		assert_ok!(Billing::set_service(
			RuntimeOrigin::signed(NURSE),
			code(b"99441"),
			description(b"Phone consultation"),
			300,
			HOUR / 4
		));
		assert_eq!(
			last_event(),
			Event::ServiceSet { practitioner: NURSE, service: code(b"99441"), price: 300 }
		);
		assert_eq!(held(), SERVICE_DEPOSIT);
		// Changing it holds no second deposit.
		assert_ok!(Billing::set_service(
			RuntimeOrigin::signed(NURSE),
			code(b"99441"),
			description(b""),
			350,
			HOUR
		));
		assert_eq!(held(), SERVICE_DEPOSIT);
		let service = code(b"99441");
		assert_eq!(
			crate::Services::<Test>::get(NURSE, &service).map(|s| (s.price, s.duration)),
			Some((350, HOUR))
		);
		assert_ok!(Billing::withdraw_service(RuntimeOrigin::signed(NURSE), code(b"99441")));
		assert_eq!(last_event(), Event::ServiceWithdrawn { practitioner: NURSE, service });
		assert_eq!(held(), 0);
		assert_noop!(
			Billing::withdraw_service(RuntimeOrigin::signed(NURSE), code(b"99441")),
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
					code.to_vec().try_into().expect("within the test's bound"),
					crate::mock::description(description),
					price,
					duration,
				)
			};
		assert_noop!(set(LAPSED, b"1", b"", 10, HOUR), BError::NotLicensed);
		assert_noop!(set(STRANGER, b"1", b"", 10, HOUR), BError::NotLicensed);
		assert_noop!(set(NURSE, b"", b"", 10, HOUR), BError::BadServiceCode);
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
			code(VIDEO),
			description(b""),
			5_000,
			HOUR
		));
		assert_eq!(crate::Consultations::<Test>::get(id).map(|c| c.price), Some(VIDEO_PRICE));
		assert_ok!(Billing::withdraw_service(RuntimeOrigin::signed(DOC), code(VIDEO)));
		// The booking goes on; new bookings of it are refused.
		assert_ok!(Billing::accept(RuntimeOrigin::signed(DOC), id));
		assert_noop!(book(PATIENT, None), BError::UnknownService);
		assert_invariants();
	});
}

/// Arguments bounded in storage are bounded in the call: oversize input fails at decoding,
/// before anything runs (and before any weight is spent on it).
#[test]
fn oversize_arguments_fail_at_decoding() {
	use codec::{Decode, Encode};
	// `Billing` is pallet 3 of the mock; each call by its index, then its arguments.
	let decode = |call_index: u8, args: Vec<u8>| {
		let mut bytes = vec![3u8, call_index];
		bytes.extend(args);
		RuntimeCall::decode(&mut &bytes[..])
	};
	let set_service = |code_len: usize| {
		let args = (vec![b'9'; code_len], [7u8; 32], 10u128, HOUR).encode();
		decode(0, args)
	};
	assert!(set_service(18).is_ok());
	assert!(set_service(19).is_err());
	// A description is a 32-byte hash: text in the place of the hash (as the call took before
	// storage version 3) does not decode.
	let text = (vec![b'9'; 5], b"Video consultation".to_vec(), 10u128, HOUR).encode();
	assert!(decode(0, text).is_err());
	let short = (vec![b'9'; 5], [7u8; 31]).encode();
	assert!(decode(0, short).is_err());
	assert!(decode(1, vec![b'9'; 19].encode()).is_err());
	let book =
		|code_len: usize| decode(2, (PATIENT, DOC, vec![b'9'; code_len], T0, None::<u64>).encode());
	assert!(book(18).is_ok());
	assert!(book(19).is_err());
	let register = |name_len: usize| decode(11, (STRANGER, vec![b'n'; name_len]).encode());
	assert!(register(16).is_ok());
	assert!(register(17).is_err());
	let issue = |covered: usize| {
		let covered = vec![b"99213".to_vec(); covered];
		let args = (PATIENT, covered, Permill::one(), 10u128, T0, T0 + DAY).encode();
		decode(14, args)
	};
	assert!(issue(3).is_ok());
	assert!(issue(4).is_err());
}
