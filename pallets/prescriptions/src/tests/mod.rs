//! Unit tests, by feature. Every call's success path and each of its errors; a failed call
//! changes nothing (`assert_noop!`); the invariants hold after every test that writes.

mod amend;
mod dispense;
mod issue;
mod lifecycle;

use crate::{impls::secret_hash, mock::*, DispenseHashesOf, Error, Event, LocatorOf};
use frame_support::{assert_ok, dispatch::DispatchResult, traits::fungible::InspectHold};
use telemed_primitives::{AccessAction, Hash256, PrescriptionId, PurposeOfUse};

pub(crate) type PError = Error<Test>;

/// The invariants, and every account's holds as the pallet's storage says.
pub(crate) fn assert_invariants() {
	crate::Pallet::<Test>::do_try_state().expect("invariants hold");
	let expected = crate::Pallet::<Test>::expected_holds();
	for who in ACCOUNTS {
		for (i, reason) in (0u8..).zip(crate::HOLD_REASONS.iter()) {
			let held = Balances::balance_on_hold(&(*reason).into(), &who);
			let want = expected.get(&(who, i)).copied().unwrap_or_default();
			assert_eq!(held, want, "{reason:?} held by {who}");
		}
	}
}

/// Runs `test` in a fresh externality and checks the invariants after it.
pub(crate) fn run(test: impl FnOnce()) {
	new_test_ext().execute_with(|| {
		test();
		assert_invariants();
	});
}

/// The events of this pallet so far.
pub(crate) fn events() -> Vec<Event<Test>> {
	System::events()
		.into_iter()
		.filter_map(|r| match r.event {
			RuntimeEvent::Prescriptions(e) => Some(e),
			_ => None,
		})
		.collect()
}

/// The latest event of this pallet.
pub(crate) fn last_event() -> Event<Test> {
	events().pop().expect("an event of this pallet")
}

/// The one-time secret of fill `fill` of a prescription whose secrets are drawn with `salt`.
pub(crate) fn secret(salt: u8, fill: u8) -> Hash256 {
	let mut s = [salt; 32];
	s[31] = fill;
	s
}

/// The hashes of the secrets of fills `from..=to` drawn with `salt`.
pub(crate) fn hashes(salt: u8, from: u8, to: u8) -> DispenseHashesOf<Test> {
	(from..=to)
		.map(|fill| secret_hash(&secret(salt, fill)))
		.collect::<Vec<_>>()
		.try_into()
		.expect("test input within MaxFills")
}

/// A sealed locator (test bytes).
pub(crate) fn locator(len: usize) -> LocatorOf<Test> {
	vec![0x5a; len].try_into().expect("test input within MaxLocatorLen")
}

/// A commitment (test bytes: no real content behind it).
pub(crate) const COMMITMENT: Hash256 = [0xc0; 32];

/// The hash of a ciphertext (test bytes).
pub(crate) const CIPHERTEXT: Hash256 = [0xd0; 32];

/// The default validity of the tests' prescriptions: 30 days.
pub(crate) const VALIDITY: u64 = 30 * DAY;

/// `prescriber` issues for `patient` a prescription of `fills` fills with secrets drawn with
/// `salt`, valid [`VALIDITY`]; returns its id.
pub(crate) fn issue_as(
	prescriber: AccountId,
	patient: AccountId,
	fills: u8,
	controlled: bool,
	salt: u8,
) -> PrescriptionId {
	let id = crate::NextPrescriptionId::<Test>::get();
	assert_ok!(Prescriptions::issue(
		RuntimeOrigin::signed(prescriber),
		patient,
		COMMITMENT,
		CIPHERTEXT,
		locator(8),
		fills as u32,
		pallet_timestamp::Now::<Test>::get() + VALIDITY,
		controlled,
		hashes(salt, 1, fills),
	));
	id
}

/// The physician issues for the patient a prescription of `fills` fills, secrets salted 0xa0.
pub(crate) fn issue(fills: u8, controlled: bool) -> PrescriptionId {
	issue_as(DOC, PATIENT, fills, controlled, 0xa0)
}

/// `pharmacist` dispenses prescription `id` with `secret`.
pub(crate) fn dispense(
	pharmacist: AccountId,
	id: PrescriptionId,
	secret: Hash256,
) -> DispatchResult {
	Prescriptions::dispense(RuntimeOrigin::signed(pharmacist), id, secret)
}

/// The patient consents to `pharmacist` dispensing (action `Read`, purpose `Treatment`).
pub(crate) fn consent_to(pharmacist: AccountId) {
	MockConsent::permit(pharmacist, PATIENT, AccessAction::Read, PurposeOfUse::Treatment, None);
}

/// What `who` holds as prescription deposits.
pub(crate) fn held(who: AccountId) -> Balance {
	Balances::balance_on_hold(&crate::HoldReason::PrescriptionDeposit.into(), &who)
}
