//! E-prescriptions with real licences: the demo physician (Bob) prescribes a controlled
//! substance for Charlie; Dave, licensed as a pharmacist by the demo board (Ferdie), dispenses
//! it with Charlie's one-time secret and Charlie's consent; a secret is never accepted twice;
//! someone without a pharmacist licence is refused; when the board revokes Bob's licence, the
//! prescription is flagged and refused.

use crate::common::{
	charlie_consents, externalities, ok, refused, register_patient, set_now, start_block,
	PractitionersCall, NOW,
};
use sp_keyring::Sr25519Keyring;
use telemed_primitives::{AccessAction, PractitionerRole};
use telemed_runtime::{AccountId, Prescriptions, Runtime, RuntimeCall};

/// One day and one year in milliseconds.
const DAY: u64 = 86_400_000;
const YEAR: u64 = 365 * DAY;

type PrescriptionsCall = pallet_prescriptions::Call<Runtime>;
type PError = pallet_prescriptions::Error<Runtime>;

fn account(who: Sr25519Keyring) -> AccountId {
	who.to_account_id()
}

/// Charlie's one-time secret for fill `fill` (his wallet draws them at random).
fn secret(fill: u8) -> [u8; 32] {
	let mut s = [0x5c; 32];
	s[31] = fill;
	s
}

fn dispense(id: u64, fill: u8) -> RuntimeCall {
	RuntimeCall::Prescriptions(PrescriptionsCall::dispense { id, secret: secret(fill) })
}

#[test]
fn a_licensed_pharmacist_dispenses_each_fill_once_until_the_prescribers_licence_is_revoked() {
	externalities("development").execute_with(|| {
		start_block();
		set_now(NOW);
		let (bob, charlie, dave) = (
			account(Sr25519Keyring::Bob),
			account(Sr25519Keyring::Charlie),
			account(Sr25519Keyring::Dave),
		);

		// Dave registers as a pharmacist and the demo board licenses him for a year.
		ok(
			Sr25519Keyring::Dave,
			RuntimeCall::Practitioners(PractitionersCall::register {
				display_name: b"Demo Pharmacist Dave".to_vec().try_into().unwrap(),
				roles: vec![PractitionerRole::Pharmacist].try_into().unwrap(),
				specialties: Default::default(),
				key_agreement_key: [0x44; 32],
			}),
			0,
		);
		ok(
			Sr25519Keyring::Ferdie,
			RuntimeCall::Practitioners(PractitionersCall::issue_licence {
				holder: dave.clone(),
				jurisdiction: b"FR".to_vec().try_into().unwrap(),
				role: PractitionerRole::Pharmacist,
				specialty: None,
				number_commitment: [3u8; 32],
				evidence: [4u8; 32],
				valid_from: NOW,
				expires_at: NOW + YEAR,
				emergency_care: false,
			}),
			0,
		);
		// Charlie registers as a patient and lets Dave dispense to him (a controlled
		// substance needs it).
		ok(Sr25519Keyring::Charlie, register_patient([0x41; 32]), 0);
		let permit = charlie_consents(
			&dave,
			pallet_consent::Decision::Permit,
			vec![AccessAction::Read],
			pallet_consent::ScopeRequest::AllData,
		);
		ok(Sr25519Keyring::Charlie, permit, 1);

		// Bob, the demo physician, prescribes two fills of a controlled substance for 90 days.
		let id = pallet_prescriptions::NextPrescriptionId::<Runtime>::get();
		ok(
			Sr25519Keyring::Bob,
			RuntimeCall::Prescriptions(PrescriptionsCall::issue {
				patient: charlie.clone(),
				commitment: [0xc0; 32],
				ciphertext_hash: [0xd0; 32],
				locator: b"\x01 sealed under the data key".to_vec().try_into().unwrap(),
				fills: 2,
				expires_at: NOW + 90 * DAY,
				controlled: true,
				dispense_hashes: vec![
					sp_io::hashing::blake2_256(&secret(1)),
					sp_io::hashing::blake2_256(&secret(2)),
				]
				.try_into()
				.unwrap(),
			}),
			0,
		);
		// A pharmacist licence is needed: Eve has none, Bob (a physician) neither.
		assert_eq!(refused(Sr25519Keyring::Eve, dispense(id, 1), 0), PError::NotPharmacist.into());
		assert_eq!(refused(Sr25519Keyring::Bob, dispense(id, 1), 1), PError::NotPharmacist.into());

		// Dave dispenses the first fill; the same secret again is refused.
		ok(Sr25519Keyring::Dave, dispense(id, 1), 1);
		let view = Prescriptions::view(id).expect("open");
		assert_eq!((view.fills_allowed, view.fills_used), (2, 1));
		assert_eq!(view.patient, charlie);
		assert_eq!(
			refused(Sr25519Keyring::Dave, dispense(id, 1), 2),
			PError::SecretAlreadyUsed.into()
		);
		// The second fill waits for the refill interval.
		assert_eq!(refused(Sr25519Keyring::Dave, dispense(id, 2), 3), PError::TooEarly.into());

		// The board revokes Bob's licence: his prescription is flagged and refused at once.
		let licence = pallet_practitioners::Pallet::<Runtime>::licences_of(&bob)
			.into_iter()
			.next()
			.expect("Bob's demo licence")
			.id;
		ok(
			Sr25519Keyring::Ferdie,
			RuntimeCall::Practitioners(PractitionersCall::revoke_licence {
				id: licence,
				reason: [5u8; 32],
			}),
			1,
		);
		assert!(pallet_prescriptions::RevokedPrescribers::<Runtime>::contains_key(&bob));
		set_now(NOW + 8 * DAY);
		assert_eq!(
			Prescriptions::prescriptions_of(&charlie)[0].1.standing,
			pallet_prescriptions::PrescriptionStanding::PrescriberRevoked
		);
		assert_eq!(
			refused(Sr25519Keyring::Dave, dispense(id, 2), 4),
			PError::PrescriberRevoked.into()
		);
		// Charlie withdraws it; Bob's deposit comes back.
		ok(
			Sr25519Keyring::Charlie,
			RuntimeCall::Prescriptions(PrescriptionsCall::cancel { id }),
			2,
		);
		assert!(Prescriptions::view(id).is_none());
		assert!(!pallet_prescriptions::RevokedPrescribers::<Runtime>::contains_key(&bob));
		#[cfg(feature = "try-runtime")]
		pallet_prescriptions::Pallet::<Runtime>::do_try_state().expect("prescriptions invariants");
	});
}
