//! Unit tests, by feature. Every call's success path and each of its errors; a failed call
//! changes nothing (`assert_noop!`); the invariants hold after every test that writes.

mod authorities;
mod licences;
mod profiles;
mod registry;

use crate::{mock::*, Error, Event, LicenceStatus};
use frame_support::{assert_ok, traits::fungible::InspectHold};
use telemed_primitives::{LicenceId, PractitionerRole};

pub(crate) type PError = Error<Test>;

/// A valid X25519 public key for tests (any non-zero 32 bytes).
pub(crate) const KEY: [u8; 32] = [7u8; 32];
/// A specialty code: SNOMED CT 394579002, cardiology.
pub(crate) const CARDIOLOGY: &[u8] = b"394579002";

pub(crate) fn assert_invariants() {
	crate::Pallet::<Test>::do_try_state().expect("invariants hold");
}

pub(crate) fn last_event() -> Event<Test> {
	System::events()
		.into_iter()
		.rev()
		.find_map(|r| match r.event {
			RuntimeEvent::Practitioners(e) => Some(e),
			_ => None,
		})
		.expect("an event of this pallet")
}

pub(crate) fn add_board() {
	assert_ok!(Practitioners::add_authority(
		RuntimeOrigin::root(),
		BOARD,
		b"Demo Medical Board".to_vec(),
		vec![b"FR".to_vec(), b"GB-ENG".to_vec()],
	));
}

pub(crate) fn register(who: AccountId) {
	assert_ok!(Practitioners::register(
		RuntimeOrigin::signed(who),
		b"Dr Example".to_vec(),
		vec![PractitionerRole::Physician],
		vec![CARDIOLOGY.to_vec()],
		KEY,
	));
}

/// Issues a one-year FR physician licence from `BOARD` to `who`, valid from now.
pub(crate) fn issue(who: AccountId, emergency_care: bool) -> LicenceId {
	let id = crate::NextLicenceId::<Test>::get();
	assert_ok!(Practitioners::issue_licence(
		RuntimeOrigin::signed(BOARD),
		who,
		b"FR".to_vec(),
		PractitionerRole::Physician,
		None,
		[1u8; 32],
		[2u8; 32],
		T0,
		T0 + 365 * DAY,
		emergency_care,
	));
	id
}

/// A board, a registered doctor and a valid licence.
pub(crate) fn licensed_doctor() -> LicenceId {
	add_board();
	register(DOC);
	issue(DOC, false)
}

pub(crate) fn held(who: AccountId) -> Balance {
	<Balances as InspectHold<AccountId>>::balance_on_hold(
		&RuntimeHoldReason::Practitioners(crate::HoldReason::PractitionerDeposit),
		&who,
	)
}

pub(crate) fn status(id: LicenceId) -> LicenceStatus {
	crate::Licences::<Test>::get(id).expect("licence exists").status
}
