//! Unit tests: every call, its errors, and what the session pallet is handed.

use crate::{mock::*, Changed, Error, Event, Validators};
use frame_support::{assert_noop, assert_ok};
use pallet_session::SessionManager;
use sp_runtime::DispatchError;

type VError = Error<Test>;

fn validators() -> Vec<AccountId> {
	Validators::<Test>::get().into_inner()
}

fn invariants() {
	crate::Pallet::<Test>::do_try_state().expect("invariants hold");
}

#[test]
fn genesis_sorts_the_set_and_hands_it_to_the_first_session() {
	new_test_ext().execute_with(|| {
		assert_eq!(validators(), vec![ALICE, BOB, CHARLIE]);
		assert_eq!(ValidatorSet::new_session_genesis(0), Some(vec![ALICE, BOB, CHARLIE]));
		// Nothing changed: the session pallet keeps its set.
		assert_eq!(ValidatorSet::new_session(1), None);
		invariants();
	});
}

#[test]
fn governance_adds_a_validator_with_session_keys_from_the_next_session_change() {
	new_test_ext().execute_with(|| {
		assert_noop!(
			ValidatorSet::add_validator(RuntimeOrigin::signed(DAVE), DAVE),
			DispatchError::BadOrigin
		);
		assert_noop!(
			ValidatorSet::add_validator(RuntimeOrigin::root(), EVE),
			VError::NoSessionKeys
		);
		assert_noop!(
			ValidatorSet::add_validator(RuntimeOrigin::root(), BOB),
			VError::AlreadyValidator
		);
		assert_ok!(ValidatorSet::add_validator(RuntimeOrigin::root(), DAVE));
		System::assert_last_event(Event::ValidatorAdded { validator: DAVE }.into());
		assert_eq!(validators(), vec![ALICE, BOB, CHARLIE, DAVE]);
		assert!(Changed::<Test>::get());
		assert_eq!(ValidatorSet::new_session(1), Some(vec![ALICE, BOB, CHARLIE, DAVE]));
		assert_eq!(ValidatorSet::new_session(2), None);
		invariants();
	});
}

#[test]
fn the_set_is_bounded() {
	new_test_ext().execute_with(|| {
		for who in [10, 11, 12] {
			MockKeys::register(who);
		}
		assert_ok!(ValidatorSet::add_validator(RuntimeOrigin::root(), 10));
		assert_ok!(ValidatorSet::add_validator(RuntimeOrigin::root(), 11));
		// MAX_VALIDATORS = 5.
		assert_noop!(
			ValidatorSet::add_validator(RuntimeOrigin::root(), 12),
			VError::TooManyValidators
		);
		invariants();
	});
}

#[test]
fn governance_removes_validators_but_never_below_the_minimum() {
	new_test_ext().execute_with(|| {
		assert_noop!(
			ValidatorSet::remove_validator(RuntimeOrigin::signed(ALICE), BOB),
			DispatchError::BadOrigin
		);
		assert_noop!(
			ValidatorSet::remove_validator(RuntimeOrigin::root(), DAVE),
			VError::NotValidator
		);
		assert_ok!(ValidatorSet::remove_validator(RuntimeOrigin::root(), BOB));
		System::assert_last_event(Event::ValidatorRemoved { validator: BOB }.into());
		assert_eq!(ValidatorSet::new_session(1), Some(vec![ALICE, CHARLIE]));
		// MIN_VALIDATORS = 2: and never the last one.
		assert_noop!(
			ValidatorSet::remove_validator(RuntimeOrigin::root(), CHARLIE),
			VError::TooFewValidators
		);
		invariants();
	});
}
