//! Unit tests, by feature. Every call's success path and each of its errors; a failed call
//! changes nothing (`assert_noop!`); the invariants hold after every test that writes.

mod accreditations;
mod authorities;
mod licences;
mod profiles;
mod registry;

mod pruning;
mod revocation;
mod standing;

use crate::{mock::*, Error, Event, LicenceStatus};
use frame_support::{assert_ok, traits::fungible::InspectHold, traits::Get, BoundedVec};
use telemed_primitives::{LicenceId, PractitionerRole};

pub(crate) type PError = Error<Test>;

/// A valid X25519 public key for tests (canonical, not of small order).
pub(crate) const KEY: [u8; 32] = [7u8; 32];
/// A point of order 8 on Curve25519 (libsodium's list, as in primitives' test): not a usable
/// key, though not all zeroes.
pub(crate) const ORDER_8: [u8; 32] = [
	0xe0, 0xeb, 0x7a, 0x7c, 0x3b, 0x41, 0xb8, 0xae, 0x16, 0x56, 0xe3, 0xfa, 0xf1, 0x9f, 0xc4, 0x6a,
	0xda, 0x09, 0x8d, 0xeb, 0x9c, 0x32, 0xb1, 0xfd, 0x86, 0x62, 0x05, 0x16, 0x5f, 0x49, 0xb8, 0x00,
];

/// A list or string as a call takes it (bounded); panics if it does not fit.
pub(crate) fn bv<V, S: Get<u32>>(items: Vec<V>) -> BoundedVec<V, S> {
	items.try_into().ok().expect("fits the bound")
}

/// A list of codes (jurisdictions or specialties) as a call takes it.
pub(crate) fn codes<C: Get<u32>, S: Get<u32>>(list: &[&[u8]]) -> BoundedVec<BoundedVec<u8, C>, S> {
	bv(list.iter().map(|c| bv(c.to_vec())).collect())
}
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
		bv(b"Demo Medical Board".to_vec()),
		codes(&[b"FR", b"GB-ENG"]),
	));
}

pub(crate) fn register(who: AccountId) {
	assert_ok!(Practitioners::register(
		RuntimeOrigin::signed(who),
		bv(b"Dr Example".to_vec()),
		bv(vec![PractitionerRole::Physician]),
		codes(&[CARDIOLOGY]),
		KEY,
	));
}

/// Issues a one-year FR physician licence from `BOARD` to `who`, valid from now.
pub(crate) fn issue(who: AccountId, emergency_care: bool) -> LicenceId {
	issue_from(BOARD, who, PractitionerRole::Physician, emergency_care)
}

/// Issues a one-year FR licence for `role` from `authority` to `who`, valid from now.
pub(crate) fn issue_from(
	authority: AccountId,
	who: AccountId,
	role: PractitionerRole,
	emergency_care: bool,
) -> LicenceId {
	let id = crate::NextLicenceId::<Test>::get();
	assert_ok!(Practitioners::issue_licence(
		RuntimeOrigin::signed(authority),
		who,
		bv(b"FR".to_vec()),
		role,
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
