//! Amending: a new version supersedes the old, which can no longer be dispensed; the fills
//! made, the presented secrets and the refill interval carry over, so no amendment fills more.

use super::*;
use crate::{OpenOfPrescriber, PrescriptionsOf};
use frame_support::assert_noop;

/// `who` amends `id` to allow `fills` in all, with `hashes`, valid [`VALIDITY`] from now.
fn amend(
	who: AccountId,
	id: PrescriptionId,
	fills: u32,
	controlled: bool,
	hashes: DispenseHashesOf<Test>,
) -> DispatchResult {
	Prescriptions::amend(
		RuntimeOrigin::signed(who),
		id,
		[0xc1; 32],
		[0xd1; 32],
		locator(4),
		fills,
		pallet_timestamp::Now::<Test>::get() + VALIDITY,
		controlled,
		hashes,
	)
}

#[test]
fn an_amendment_supersedes_the_old_version_which_can_no_longer_be_dispensed() {
	run(|| {
		let old = issue(2, false);
		let other = issue_as(OTHER_DOC, PATIENT, 1, false, 0xb0);
		assert_ok!(amend(DOC, old, 3, false, hashes(0xd0, 1, 3)));
		let new = old + 2;
		assert_eq!(
			last_event(),
			Event::Amended { id: new, previous: old, patient: PATIENT, prescriber: DOC }
		);
		assert!(crate::Prescriptions::<Test>::get(old).is_none());
		let p = crate::Prescriptions::<Test>::get(new).expect("the new version");
		assert_eq!(p.commitment, [0xc1; 32]);
		// The new version's ciphertext, not the old one's: a gateway serves the new blob.
		assert_eq!(p.ciphertext_hash, Some([0xd1; 32]));
		assert_eq!((p.fills_allowed, p.fills_used, p.carried, p.previous), (3, 0, 0, Some(old)));
		// It took the old one's place in the patient's list; the deposit carried over.
		assert_eq!(PrescriptionsOf::<Test>::get(PATIENT).to_vec(), vec![new, other]);
		assert_eq!(OpenOfPrescriber::<Test>::get(DOC), 1);
		assert_eq!(held(DOC), DEPOSIT);
		// The old id is gone; the old secrets do not open the new version.
		assert_noop!(dispense(PHARMACIST, old, secret(0xa0, 1)), PError::UnknownPrescription);
		assert_noop!(dispense(PHARMACIST, new, secret(0xa0, 1)), PError::WrongSecret);
		assert_ok!(dispense(PHARMACIST, new, secret(0xd0, 1)));
		assert_eq!(Prescriptions::view(new).unwrap().previous, Some(old));
	});
}

#[test]
fn fills_made_carry_over_so_an_amendment_never_fills_more_than_allowed() {
	run(|| {
		let old = issue(3, false);
		assert_ok!(dispense(PHARMACIST, old, secret(0xa0, 1)));
		assert_ok!(dispense(PHARMACIST, old, secret(0xa0, 2)));
		// Three fresh secrets for "three fills" would allow five in all.
		assert_noop!(amend(DOC, old, 3, false, hashes(0xd0, 1, 3)), PError::SecretCountMismatch);
		// Nor may the total fall to the fills made or below.
		assert_noop!(amend(DOC, old, 2, false, hashes(0xd0, 1, 0)), PError::FillsNotAboveUsed);
		assert_noop!(amend(DOC, old, 1, false, hashes(0xd0, 1, 0)), PError::FillsNotAboveUsed);
		// One more fill, one secret.
		assert_ok!(amend(DOC, old, 3, false, hashes(0xd0, 1, 1)));
		let new = old + 1;
		let p = crate::Prescriptions::<Test>::get(new).unwrap();
		assert_eq!((p.fills_allowed, p.fills_used, p.carried), (3, 2, 2));
		assert_ok!(dispense(PHARMACIST, new, secret(0xd0, 1)));
		assert_eq!(
			last_event(),
			Event::Dispensed {
				id: new,
				patient: PATIENT,
				prescriber: DOC,
				pharmacist: PHARMACIST,
				fill: 3,
				remaining: 0,
			}
		);
		assert!(crate::Prescriptions::<Test>::get(new).is_none());
		// Raising the total past MaxFills by amendments is refused too.
		let again = issue(1, false);
		assert_noop!(
			amend(DOC, again, MAX_FILLS + 1, false, hashes(0xe0, 1, MAX_FILLS as u8)),
			PError::TooManyFills
		);
		assert_ok!(amend(DOC, again, MAX_FILLS, false, hashes(0xe0, 1, MAX_FILLS as u8)));
	});
}

#[test]
fn an_amendment_may_not_name_a_presented_secret_nor_one_twice() {
	run(|| {
		let old = issue(2, false);
		assert_ok!(dispense(PHARMACIST, old, secret(0xa0, 1)));
		// The first secret is public now (it was in the dispense call).
		let reused: DispenseHashesOf<Test> =
			vec![secret_hash(&secret(0xa0, 1)), secret_hash(&secret(0xd0, 2))].try_into().unwrap();
		assert_noop!(amend(DOC, old, 3, false, reused), PError::SecretAlreadyUsed);
		let twice: DispenseHashesOf<Test> =
			vec![secret_hash(&secret(0xd0, 1)), secret_hash(&secret(0xd0, 1))].try_into().unwrap();
		assert_noop!(amend(DOC, old, 3, false, twice), PError::DuplicateSecret);
		// Keeping the unused second secret is fine.
		let kept: DispenseHashesOf<Test> =
			vec![secret_hash(&secret(0xa0, 2)), secret_hash(&secret(0xd0, 3))].try_into().unwrap();
		assert_ok!(amend(DOC, old, 3, false, kept));
		// The spent secret stays spent through the new version, and a second amendment.
		let new = old + 1;
		assert_noop!(dispense(PHARMACIST, new, secret(0xa0, 1)), PError::SecretAlreadyUsed);
		assert_ok!(dispense(PHARMACIST, new, secret(0xa0, 2)));
		let reused: DispenseHashesOf<Test> =
			vec![secret_hash(&secret(0xa0, 1))].try_into().unwrap();
		assert_noop!(amend(DOC, new, 3, false, reused), PError::SecretAlreadyUsed);
	});
}

#[test]
fn an_amendment_does_not_reset_the_refill_interval() {
	run(|| {
		consent_to(PHARMACIST);
		let old = issue(2, true);
		assert_ok!(dispense(PHARMACIST, old, secret(0xa0, 1)));
		assert_ok!(amend(DOC, old, 2, true, hashes(0xd0, 1, 1)));
		let new = old + 1;
		assert_noop!(dispense(PHARMACIST, new, secret(0xd0, 1)), PError::TooEarly);
		set_now(T0 + MIN_REFILL_INTERVAL);
		assert_ok!(dispense(PHARMACIST, new, secret(0xd0, 1)));
	});
}

#[test]
fn only_its_prescriber_amends() {
	run(|| {
		let id = issue(1, false);
		for who in [OTHER_DOC, MIDWIFE, PATIENT, PHARMACIST, STRANGER] {
			assert_noop!(amend(who, id, 2, false, hashes(0xd0, 1, 2)), PError::NotPermitted);
		}
		assert_noop!(amend(DOC, 99, 2, false, hashes(0xd0, 1, 2)), PError::UnknownPrescription);
	});
}

#[test]
fn a_suspended_prescriber_cannot_amend() {
	run(|| {
		let id = issue(1, false);
		RoleRegistry::set_valid(DOC, false);
		assert_noop!(amend(DOC, id, 2, false, hashes(0xd0, 1, 2)), PError::NotPrescriber);
	});
}

#[test]
fn an_expired_prescription_cannot_be_amended() {
	run(|| {
		let id = issue(1, false);
		set_now(T0 + VALIDITY);
		assert_noop!(amend(DOC, id, 2, false, hashes(0xd0, 1, 2)), PError::PrescriptionExpired);
	});
}

#[test]
fn an_amendment_keeps_to_the_validity_bounds() {
	run(|| {
		let id = issue(1, false);
		let with_expiry = |expires_at: u64| {
			Prescriptions::amend(
				RuntimeOrigin::signed(DOC),
				id,
				[0xc1; 32],
				[0xd1; 32],
				locator(4),
				1,
				expires_at,
				false,
				hashes(0xd0, 1, 1),
			)
		};
		assert_noop!(with_expiry(T0), PError::ExpiryInPast);
		assert_noop!(with_expiry(T0 + MAX_VALIDITY + 1), PError::ValidityTooLong);
		assert_ok!(with_expiry(T0 + MAX_VALIDITY));
	});
}
