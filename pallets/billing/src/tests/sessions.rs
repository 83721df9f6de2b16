//! Session keys of an accepted visit: only its two parties publish them, only while it is
//! accepted, a replacement is announced, and they are gone when the visit ends.

use super::*;
use crate::{SessionKey, SessionKeys, SessionKeysOf};
use codec::Encode;
use frame_support::assert_noop;
use telemed_primitives::{DelegateScope, KeyAgreementKey};

/// The patient's session key in these tests (an ordinary X25519 point).
const PATIENT_KEY: KeyAgreementKey = [0x42; 32];
/// The practitioner's session key.
const DOC_KEY: KeyAgreementKey = [0x24; 32];
/// A key published to replace another.
const NEW_KEY: KeyAgreementKey = [0x43; 32];

fn publish(who: AccountId, id: ConsultationId, key: KeyAgreementKey) -> DispatchResult {
	Billing::publish_session_key(RuntimeOrigin::signed(who), id, key)
}

/// An accepted visit with both keys published.
fn keyed() -> ConsultationId {
	let id = accepted(None);
	assert_ok!(publish(PATIENT, id, PATIENT_KEY));
	assert_ok!(publish(DOC, id, DOC_KEY));
	id
}

fn key_of(session: &Option<SessionKey>) -> Option<KeyAgreementKey> {
	session.as_ref().map(|k| k.key)
}

#[test]
fn both_parties_publish_their_keys_while_the_visit_is_accepted() {
	new_test_ext().execute_with(|| {
		let id = accepted(None);
		assert_eq!(Billing::session_keys(id), None);
		set_now(T0 + HOUR);
		assert_ok!(publish(PATIENT, id, PATIENT_KEY));
		assert_eq!(last_event(), Event::SessionKeyPublished { id, by: PATIENT });
		let keys = Billing::session_keys(id).expect("the patient's key");
		assert_eq!(
			keys.patient,
			Some(SessionKey { key: PATIENT_KEY, published_at: T0 + HOUR, revision: 1 })
		);
		assert_eq!(keys.practitioner, None);
		assert_invariants();

		assert_ok!(publish(DOC, id, DOC_KEY));
		assert_eq!(last_event(), Event::SessionKeyPublished { id, by: DOC });
		let keys = SessionKeysOf::<Test>::get(id).expect("both keys");
		assert_eq!(
			(key_of(&keys.patient), key_of(&keys.practitioner)),
			(Some(PATIENT_KEY), Some(DOC_KEY))
		);
		// Also once the visit's time has come (it is under way until marked delivered).
		set_now(T0 + DAY + HOUR);
		assert_ok!(publish(DOC, id, NEW_KEY));
		assert_invariants();
	});
}

#[test]
fn nobody_but_the_patient_and_the_practitioner_publishes_a_key() {
	new_test_ext().execute_with(|| {
		// Booked and paid by a delegate with `BookCare`, who acts for the patient in billing
		// but never holds the visit's secret.
		MockConsent::delegate(PATIENT, PARENT, DelegateScope::BookCare);
		let id = crate::NextConsultationId::<Test>::get();
		assert_ok!(book(PARENT, None));
		assert_ok!(Billing::accept(RuntimeOrigin::signed(DOC), id));
		for who in [PARENT, STRANGER, OTHER_PATIENT, NURSE, INSURER, FEES] {
			assert_noop!(publish(who, id, PATIENT_KEY), BError::NotAParty);
		}
		// A third party is refused even where the slot it would take is empty or full.
		assert_ok!(publish(PATIENT, id, PATIENT_KEY));
		assert_ok!(publish(DOC, id, DOC_KEY));
		for who in [PARENT, STRANGER, NURSE] {
			assert_noop!(publish(who, id, NEW_KEY), BError::NotAParty);
		}
		let keys = Billing::session_keys(id).unwrap();
		assert_eq!(
			(key_of(&keys.patient), key_of(&keys.practitioner)),
			(Some(PATIENT_KEY), Some(DOC_KEY))
		);
		// Unsigned origins are refused outright.
		assert_noop!(
			Billing::publish_session_key(RuntimeOrigin::none(), id, NEW_KEY),
			sp_runtime::DispatchError::BadOrigin
		);
		assert_noop!(
			Billing::publish_session_key(RuntimeOrigin::root(), id, NEW_KEY),
			sp_runtime::DispatchError::BadOrigin
		);
		assert_invariants();
	});
}

#[test]
fn a_party_of_one_visit_publishes_nothing_for_another() {
	new_test_ext().execute_with(|| {
		let id = accepted(None);
		// The practitioner's other visit with another patient.
		assert_ok!(Billing::book(
			RuntimeOrigin::signed(OTHER_PATIENT),
			OTHER_PATIENT,
			DOC,
			code(VIDEO),
			T0 + 2 * DAY,
			None
		));
		let other = id + 1;
		assert_ok!(Billing::accept(RuntimeOrigin::signed(DOC), other));
		assert_noop!(publish(PATIENT, other, PATIENT_KEY), BError::NotAParty);
		assert_noop!(publish(OTHER_PATIENT, id, PATIENT_KEY), BError::NotAParty);
		assert_ok!(publish(OTHER_PATIENT, other, PATIENT_KEY));
		assert_eq!(Billing::session_keys(id), None);
		assert_noop!(publish(PATIENT, id + 7, PATIENT_KEY), BError::UnknownConsultation);
		assert_invariants();
	});
}

#[test]
fn no_key_before_acceptance() {
	new_test_ext().execute_with(|| {
		let id = booked(None);
		assert_noop!(publish(PATIENT, id, PATIENT_KEY), BError::WrongStatus);
		assert_noop!(publish(DOC, id, DOC_KEY), BError::WrongStatus);
		// Nor after the booking was declined or lapsed, which never went through acceptance.
		assert_ok!(Billing::decline(RuntimeOrigin::signed(DOC), id));
		assert_noop!(publish(PATIENT, id, PATIENT_KEY), BError::WrongStatus);
		let lapsed = booked(None);
		set_now(T0 + DAY);
		assert_noop!(Billing::accept(RuntimeOrigin::signed(DOC), lapsed), BError::BookingLapsed);
		assert_noop!(publish(DOC, lapsed, DOC_KEY), BError::WrongStatus);
		assert_ok!(Billing::release_lapsed(RuntimeOrigin::signed(STRANGER), lapsed));
		assert_noop!(publish(DOC, lapsed, DOC_KEY), BError::WrongStatus);
		assert_eq!(SessionKeysOf::<Test>::iter().count(), 0);
		assert_invariants();
	});
}

#[test]
fn delivery_removes_both_keys_and_none_can_be_published_after() {
	new_test_ext().execute_with(|| {
		let id = keyed();
		set_now(T0 + DAY);
		assert_ok!(Billing::mark_delivered(RuntimeOrigin::signed(DOC), id, None));
		assert!(events().contains(&Event::SessionKeysExpired { id }));
		assert!(!SessionKeysOf::<Test>::contains_key(id));
		assert_eq!(Billing::session_keys(id), None);
		assert_noop!(publish(PATIENT, id, PATIENT_KEY), BError::WrongStatus);
		assert_noop!(publish(DOC, id, NEW_KEY), BError::WrongStatus);
		// Disputed, resolved, reaped: still nothing.
		assert_ok!(Billing::dispute(RuntimeOrigin::signed(PATIENT), id));
		assert_noop!(publish(PATIENT, id, PATIENT_KEY), BError::WrongStatus);
		assert_ok!(Billing::resolve_dispute(RuntimeOrigin::root(), id, Permill::zero()));
		assert_noop!(publish(PATIENT, id, PATIENT_KEY), BError::WrongStatus);
		assert_ok!(Billing::reap(RuntimeOrigin::signed(STRANGER), id));
		assert_noop!(publish(PATIENT, id, PATIENT_KEY), BError::UnknownConsultation);
		assert_eq!(SessionKeysOf::<Test>::iter().count(), 0);
		assert_invariants();
	});
}

#[test]
fn settlement_leaves_no_key_either_way() {
	new_test_ext().execute_with(|| {
		let id = keyed();
		set_now(T0 + DAY);
		assert_ok!(Billing::mark_delivered(RuntimeOrigin::signed(DOC), id, None));
		assert_ok!(Billing::confirm(RuntimeOrigin::signed(PATIENT), id));
		assert_noop!(publish(PATIENT, id, PATIENT_KEY), BError::WrongStatus);
		assert_noop!(publish(DOC, id, DOC_KEY), BError::WrongStatus);
		assert_eq!(SessionKeysOf::<Test>::iter().count(), 0);
		assert_invariants();
	});
}

#[test]
fn every_cancellation_removes_the_keys() {
	new_test_ext().execute_with(|| {
		// The patient cancels before the visit's time (with the fee).
		let by_patient = keyed();
		assert_ok!(Billing::cancel(RuntimeOrigin::signed(PATIENT), by_patient));
		assert!(events().contains(&Event::SessionKeysExpired { id: by_patient }));
		assert!(!SessionKeysOf::<Test>::contains_key(by_patient));
		assert_noop!(publish(PATIENT, by_patient, PATIENT_KEY), BError::WrongStatus);
		// The practitioner cancels.
		let by_doc = keyed();
		assert_ok!(Billing::cancel(RuntimeOrigin::signed(DOC), by_doc));
		assert!(!SessionKeysOf::<Test>::contains_key(by_doc));
		assert_noop!(publish(DOC, by_doc, DOC_KEY), BError::WrongStatus);
		// A no-show: only the practitioner had published; the patient cancels after the grace.
		let no_show = accepted(None);
		assert_ok!(publish(DOC, no_show, DOC_KEY));
		let c = crate::Consultations::<Test>::get(no_show).unwrap();
		set_now(c.scheduled_at + c.duration + NO_SHOW_GRACE);
		assert_ok!(Billing::cancel(RuntimeOrigin::signed(PATIENT), no_show));
		assert_eq!(
			events().iter().filter(|e| matches!(e, Event::SessionKeysExpired { .. })).count(),
			3
		);
		assert_eq!(SessionKeysOf::<Test>::iter().count(), 0);
		assert_invariants();
	});
}

#[test]
fn a_visit_without_keys_ends_without_an_expiry_event() {
	new_test_ext().execute_with(|| {
		let cancelled = accepted(None);
		assert_ok!(Billing::cancel(RuntimeOrigin::signed(DOC), cancelled));
		assert!(!events().iter().any(|e| matches!(e, Event::SessionKeysExpired { .. })));
		let id = delivered(None);
		assert!(!events().iter().any(|e| matches!(e, Event::SessionKeysExpired { .. })));
		assert_eq!(status(id), ConsultationStatus::Delivered);
		assert_invariants();
	});
}

#[test]
fn a_replacement_is_announced_with_its_revision() {
	new_test_ext().execute_with(|| {
		let id = keyed();
		set_now(T0 + 2 * HOUR);
		assert_ok!(publish(PATIENT, id, NEW_KEY));
		assert_eq!(last_event(), Event::SessionKeyReplaced { id, by: PATIENT, revision: 2 });
		let keys = Billing::session_keys(id).unwrap();
		assert_eq!(
			keys.patient,
			Some(SessionKey { key: NEW_KEY, published_at: T0 + 2 * HOUR, revision: 2 })
		);
		// The other party's key is untouched.
		assert_eq!(
			keys.practitioner,
			Some(SessionKey { key: DOC_KEY, published_at: T0, revision: 1 })
		);
		// Publishing the same key again is a replacement too: every publication after the
		// first is announced, so no change of a pinned key goes unseen.
		assert_ok!(publish(PATIENT, id, NEW_KEY));
		assert_eq!(last_event(), Event::SessionKeyReplaced { id, by: PATIENT, revision: 3 });
		assert_ok!(publish(DOC, id, PATIENT_KEY));
		assert_eq!(last_event(), Event::SessionKeyReplaced { id, by: DOC, revision: 2 });
		assert_invariants();
	});
}

#[test]
fn weak_keys_are_refused() {
	new_test_ext().execute_with(|| {
		let id = accepted(None);
		let mut one = [0u8; 32];
		one[0] = 1;
		let mut p = [0xff; 32];
		p[0] = 0xed;
		p[31] = 0x7f;
		let mut high = PATIENT_KEY;
		high[31] |= 0x80;
		for bad in [[0u8; 32], one, p, high, [0xff; 32]] {
			assert_noop!(publish(PATIENT, id, bad), BError::InvalidSessionKey);
			assert_noop!(publish(DOC, id, bad), BError::InvalidSessionKey);
		}
		// Not as a replacement either: the pinned key stays.
		assert_ok!(publish(PATIENT, id, PATIENT_KEY));
		assert_noop!(publish(PATIENT, id, [0u8; 32]), BError::InvalidSessionKey);
		assert_eq!(key_of(&Billing::session_keys(id).unwrap().patient), Some(PATIENT_KEY));
		assert_invariants();
	});
}

#[test]
fn events_name_ids_and_accounts_never_keys() {
	new_test_ext().execute_with(|| {
		let id = keyed();
		assert_ok!(publish(PATIENT, id, NEW_KEY));
		set_now(T0 + DAY);
		assert_ok!(Billing::mark_delivered(RuntimeOrigin::signed(DOC), id, None));
		for event in events() {
			let bytes = event.encode();
			for key in [PATIENT_KEY, DOC_KEY, NEW_KEY] {
				assert!(!bytes.windows(32).any(|w| w == key), "{event:?} carries a key");
			}
		}
	});
}

#[test]
fn try_state_catches_keys_outliving_their_visit() {
	new_test_ext().execute_with(|| {
		let keys = SessionKeys {
			patient: Some(SessionKey { key: PATIENT_KEY, published_at: T0, revision: 1 }),
			practitioner: None,
		};
		// Booked before the clock moves to the visit's time.
		let id = booked(None);
		let live = accepted(None);
		// Of a booking not accepted.
		SessionKeysOf::<Test>::insert(id, keys.clone());
		assert!(crate::Pallet::<Test>::do_try_state().is_err());
		// Of a delivered visit.
		SessionKeysOf::<Test>::remove(id);
		let done = delivered(None);
		SessionKeysOf::<Test>::insert(done, keys.clone());
		assert!(crate::Pallet::<Test>::do_try_state().is_err());
		SessionKeysOf::<Test>::remove(done);
		// Of no consultation at all.
		SessionKeysOf::<Test>::insert(99, keys.clone());
		assert!(crate::Pallet::<Test>::do_try_state().is_err());
		SessionKeysOf::<Test>::remove(99);
		// An empty entry, a weak key or a revision 0 on an accepted visit.
		SessionKeysOf::<Test>::insert(live, SessionKeys::default());
		assert!(crate::Pallet::<Test>::do_try_state().is_err());
		let mut weak = keys.clone();
		weak.patient.as_mut().unwrap().key = [0; 32];
		SessionKeysOf::<Test>::insert(live, weak);
		assert!(crate::Pallet::<Test>::do_try_state().is_err());
		let mut zero = keys.clone();
		zero.patient.as_mut().unwrap().revision = 0;
		SessionKeysOf::<Test>::insert(live, zero);
		assert!(crate::Pallet::<Test>::do_try_state().is_err());
		SessionKeysOf::<Test>::insert(live, keys);
		assert_invariants();
	});
}
