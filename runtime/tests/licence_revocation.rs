//! A licence revoked for good removes its holder's key envelopes from state: the practitioners
//! pallet tells the records pallet, which queues the holder and removes, in `on_idle`, every
//! envelope the holder held for any patient that it may no longer read. A practitioner who
//! still holds another valid licence keeps the envelopes that licence still allows.

use crate::common::{
	externalities, ok, register_patient, signed, start_block, PractitionersCall, RecordsCall, NOW,
};
use frame_support::{traits::OnIdle, weights::Weight};
use sp_keyring::Sr25519Keyring;
use telemed_primitives::{AccessAction, PractitionerRole, PurposeOfUse, Tag};
use telemed_runtime::{
	AccountId, AllPalletsWithSystem, BlockNumber, Executive, Records, Runtime, RuntimeCall,
};

/// One year in milliseconds.
const YEAR: u64 = 365 * 86_400_000;

/// Charlie's blinded tag for laboratory results.
const CHARLIE_TAG: Tag = [0x1a; 32];
/// Eve's blinded tag for laboratory results (unrelated to Charlie's).
const EVE_TAG: Tag = [0x2a; 32];

fn account(who: Sr25519Keyring) -> AccountId {
	who.to_account_id()
}

/// The patient permits `grantee` to read all their data for treatment.
fn permit_reading(patient: &AccountId, grantee: &AccountId) -> RuntimeCall {
	RuntimeCall::Consent(pallet_consent::Call::grant_consent {
		patient: patient.clone(),
		grantee: grantee.clone(),
		decision: pallet_consent::Decision::Permit,
		actions: vec![AccessAction::Read].try_into().unwrap(),
		scope: pallet_consent::ScopeRequest::AllData,
		purposes: vec![PurposeOfUse::Treatment].try_into().unwrap(),
		start: None,
		end: None,
	})
}

fn add_record(patient: &AccountId, tag: Tag) -> RuntimeCall {
	RuntimeCall::Records(RecordsCall::add_record {
		patient: patient.clone(),
		tag,
		commitment: [1u8; 32],
		ciphertext_hash: [2u8; 32],
		size_class: 12,
		locator: b"\x01 a locator sealed under the data key".to_vec().try_into().unwrap(),
		purpose: PurposeOfUse::Treatment,
	})
}

fn add_envelope(record: u64, grantee: &AccountId) -> RuntimeCall {
	RuntimeCall::Records(RecordsCall::add_envelope {
		record,
		grantee: grantee.clone(),
		sealed: vec![7u8; 104].try_into().unwrap(),
		purpose: PurposeOfUse::Treatment,
	})
}

/// Ferdie (the demo board) licenses `holder` as a physician in `jurisdiction` for a year.
fn license(holder: &AccountId, jurisdiction: &[u8]) -> RuntimeCall {
	RuntimeCall::Practitioners(PractitionersCall::issue_licence {
		holder: holder.clone(),
		jurisdiction: jurisdiction.to_vec().try_into().unwrap(),
		role: PractitionerRole::Physician,
		specialty: None,
		number_commitment: [3u8; 32],
		evidence: [4u8; 32],
		valid_from: NOW,
		expires_at: NOW + YEAR,
		emergency_care: false,
	})
}

/// The id of `holder`'s licence in `jurisdiction`.
fn licence_in(holder: &AccountId, jurisdiction: &[u8]) -> u64 {
	pallet_practitioners::Pallet::<Runtime>::licences_of(holder)
		.into_iter()
		.find(|l| l.licence.jurisdiction.as_slice() == jurisdiction)
		.expect("a licence there")
		.id
}

/// Runs every pallet's `on_idle` with a whole block's weight, as `Executive` does at the end of
/// a block with nothing else in it.
fn idle_block(n: BlockNumber) -> Weight {
	let max = <Runtime as frame_system::Config>::BlockWeights::get().max_block;
	<AllPalletsWithSystem as OnIdle<BlockNumber>>::on_idle(n, max)
}

/// Whether `grantee` holds any envelope, or any index entry, in the records pallet's state.
fn holds_anything(grantee: &AccountId) -> bool {
	pallet_records::Envelopes::<Runtime>::iter_keys().any(|(_, g)| &g == grantee)
		|| pallet_records::EnvelopesOf::<Runtime>::iter_keys().any(|(_, g)| &g == grantee)
		|| pallet_records::GranteePatients::<Runtime>::iter_key_prefix(grantee).next().is_some()
}

#[test]
fn a_licence_revoked_by_its_authority_takes_the_holders_envelopes_out_of_state() {
	externalities("development").execute_with(|| {
		start_block();
		pallet_timestamp::Now::<Runtime>::put(NOW);
		let (bob, charlie, dave, eve) = (
			account(Sr25519Keyring::Bob),
			account(Sr25519Keyring::Charlie),
			account(Sr25519Keyring::Dave),
			account(Sr25519Keyring::Eve),
		);

		// Dave registers as a physician and the demo board licenses him in both of its
		// jurisdictions; Bob is the demo physician, licensed in FR only.
		ok(
			Sr25519Keyring::Dave,
			RuntimeCall::Practitioners(PractitionersCall::register {
				display_name: b"Dr Demo Dave".to_vec().try_into().unwrap(),
				roles: vec![PractitionerRole::Physician].try_into().unwrap(),
				specialties: Default::default(),
				key_agreement_key: [0x44; 32],
			}),
			0,
		);
		ok(Sr25519Keyring::Ferdie, license(&dave, b"FR"), 0);
		ok(Sr25519Keyring::Ferdie, license(&dave, b"GB-ENG"), 1);

		// Two patients; each permits Bob to read, Charlie Dave too; each seals a record's key
		// to them.
		ok(Sr25519Keyring::Charlie, register_patient([0x41; 32]), 0);
		ok(Sr25519Keyring::Eve, register_patient([0x45; 32]), 0);
		ok(Sr25519Keyring::Charlie, permit_reading(&charlie, &bob), 1);
		ok(Sr25519Keyring::Charlie, permit_reading(&charlie, &dave), 2);
		ok(Sr25519Keyring::Eve, permit_reading(&eve, &bob), 1);
		let charlies = pallet_records::NextRecordId::<Runtime>::get();
		ok(Sr25519Keyring::Charlie, add_record(&charlie, CHARLIE_TAG), 3);
		let eves = pallet_records::NextRecordId::<Runtime>::get();
		ok(Sr25519Keyring::Eve, add_record(&eve, EVE_TAG), 2);
		ok(Sr25519Keyring::Charlie, add_envelope(charlies, &bob), 4);
		ok(Sr25519Keyring::Charlie, add_envelope(charlies, &dave), 5);
		ok(Sr25519Keyring::Eve, add_envelope(eves, &bob), 3);
		assert!(Records::envelope_for(charlies, &bob).is_some());
		assert!(Records::envelope_for(eves, &bob).is_some());
		let mut bobs: Vec<_> =
			pallet_records::GranteePatients::<Runtime>::iter_key_prefix(&bob).collect();
		bobs.sort();
		let mut expected = vec![charlie.clone(), eve.clone()];
		expected.sort();
		assert_eq!(bobs, expected);

		// The board revokes Bob's only licence, and Dave's FR one (his GB-ENG one stays).
		ok(
			Sr25519Keyring::Ferdie,
			RuntimeCall::Practitioners(PractitionersCall::revoke_licence {
				id: licence_in(&bob, b"FR"),
				reason: [5u8; 32],
			}),
			2,
		);
		ok(
			Sr25519Keyring::Ferdie,
			RuntimeCall::Practitioners(PractitionersCall::revoke_licence {
				id: licence_in(&dave, b"FR"),
				reason: [5u8; 32],
			}),
			3,
		);
		// Both queued; reads through the chain stop at once for Bob, the envelopes wait for
		// the end of the block.
		assert!(pallet_records::RevokedGrantees::<Runtime>::contains_key(&bob));
		assert!(pallet_records::RevokedGrantees::<Runtime>::contains_key(&dave));
		assert!(Records::envelope_for(charlies, &bob).is_none());
		assert!(pallet_records::Envelopes::<Runtime>::contains_key(charlies, &bob));

		let held_by_charlie = pallet_balances::Holds::<Runtime>::get(&charlie);
		idle_block(1);

		// Bob: nothing of his is left in the records pallet's state, for either patient.
		assert!(!pallet_records::Envelopes::<Runtime>::contains_key(charlies, &bob));
		assert!(!pallet_records::Envelopes::<Runtime>::contains_key(eves, &bob));
		assert!(!holds_anything(&bob));
		// Dave keeps what his other licence still allows.
		assert!(pallet_records::Envelopes::<Runtime>::contains_key(charlies, &dave));
		assert!(Records::envelope_for(charlies, &dave).is_some());
		// The queue and the sweep are done; the deposit of Bob's envelope went back.
		assert_eq!(pallet_records::RevokedGrantees::<Runtime>::count(), 0);
		assert!(pallet_records::RevocationSweep::<Runtime>::get().is_none());
		assert_ne!(pallet_balances::Holds::<Runtime>::get(&charlie), held_by_charlie);
		assert_eq!(
			pallet_records::Pallet::<Runtime>::record(charlies).map(|r| r.envelopes),
			Some(1)
		);

		// A later block finds nothing to do.
		idle_block(2);
		assert!(pallet_records::Envelopes::<Runtime>::contains_key(charlies, &dave));
		#[cfg(feature = "try-runtime")]
		pallet_records::Pallet::<Runtime>::do_try_state().expect("records invariants");
	});
}

#[test]
fn anyone_prunes_a_revoked_holders_envelopes_for_one_patient_free_of_fees() {
	externalities("development").execute_with(|| {
		start_block();
		pallet_timestamp::Now::<Runtime>::put(NOW);
		let (bob, charlie) = (account(Sr25519Keyring::Bob), account(Sr25519Keyring::Charlie));
		ok(Sr25519Keyring::Charlie, register_patient([0x41; 32]), 0);
		ok(Sr25519Keyring::Charlie, permit_reading(&charlie, &bob), 1);
		let record = pallet_records::NextRecordId::<Runtime>::get();
		ok(Sr25519Keyring::Charlie, add_record(&charlie, CHARLIE_TAG), 2);
		ok(Sr25519Keyring::Charlie, add_envelope(record, &bob), 3);

		let prune = RuntimeCall::Records(RecordsCall::prune_revoked {
			grantee: bob.clone(),
			patient: charlie.clone(),
		});
		// Not revoked: refused.
		assert_eq!(
			Executive::apply_extrinsic(signed(Sr25519Keyring::Dave, prune.clone(), 0)),
			Ok(Err(pallet_records::Error::<Runtime>::NotRevoked.into()))
		);
		ok(
			Sr25519Keyring::Ferdie,
			RuntimeCall::Practitioners(PractitionersCall::revoke_licence {
				id: licence_in(&bob, b"FR"),
				reason: [5u8; 32],
			}),
			0,
		);
		// Dave, a stranger, prunes at once; the envelope went, so Dave paid no fee.
		let dave = account(Sr25519Keyring::Dave);
		let before = pallet_balances::Pallet::<Runtime>::free_balance(&dave);
		ok(Sr25519Keyring::Dave, prune, 1);
		assert_eq!(pallet_balances::Pallet::<Runtime>::free_balance(&dave), before);
		assert!(!holds_anything(&bob));
	});
}
