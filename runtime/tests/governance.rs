//! Governance in the runtime: council motions authorise upgrades after the timelock, a motion
//! short of the threshold does nothing, wrong or same-version code is refused, the technical
//! committee fast-tracks only the scheduled hash, the council disapproves or kills a committee
//! motion, session keys hold a deposit, and a validator added by the council enters the
//! authority set at the session after the next change.

use crate::common::{externalities, ok, refused, signed, start_block};
use codec::Encode;
use frame_support::traits::{fungible::InspectHold, OnInitialize};
use sp_core::{proof_of_possession::ProofOfPossessionGenerator, traits::ReadRuntimeVersion, H256};
use sp_keyring::{Ed25519Keyring, Sr25519Keyring};
use sp_runtime::traits::{BlakeTwo256, Hash};
use telemed_runtime::{
	Balances, Executive, Runtime, RuntimeCall, RuntimeEvent, RuntimeHoldReason, Scheduler, Session,
	SessionKeys, System, Upgrades, UNITS, VERSION, WASM_BINARY,
};

type CouncilCall = pallet_collective::Call<Runtime, pallet_collective::Instance1>;
type TechnicalCall = pallet_collective::Call<Runtime, pallet_collective::Instance2>;
type TechnicalProposals = pallet_collective::ProposalOf<Runtime, pallet_collective::Instance2>;

/// Whether the last council motion closed executed its call with an error.
fn last_motion_failed() -> bool {
	System::events().iter().any(|r| {
		matches!(
			&r.event,
			RuntimeEvent::Council(pallet_collective::Event::Executed { result: Err(_), .. })
		)
	})
}

/// Alice and Bob (the whole technical committee) pass `call`: Alice proposes with threshold 2
/// (Alice's nonce `alice`, `alice + 1` for her vote and `alice + 2` for the close; Bob's
/// `bob`). Returns whether it executed successfully.
fn technical_motion(call: RuntimeCall, alice: u32, bob: u32) -> bool {
	let length = call.encoded_size() as u32;
	let hash = BlakeTwo256::hash_of(&call);
	ok(
		Sr25519Keyring::Alice,
		RuntimeCall::TechnicalCommittee(TechnicalCall::propose {
			threshold: 2,
			proposal: Box::new(call.clone()),
			length_bound: length,
		}),
		alice,
	);
	let index =
		pallet_collective::ProposalCount::<Runtime, pallet_collective::Instance2>::get() - 1;
	for (signer, nonce) in [(Sr25519Keyring::Alice, alice + 1), (Sr25519Keyring::Bob, bob)] {
		ok(
			signer,
			RuntimeCall::TechnicalCommittee(TechnicalCall::vote {
				proposal: hash,
				index,
				approve: true,
			}),
			nonce,
		);
	}
	System::reset_events();
	ok(
		Sr25519Keyring::Alice,
		RuntimeCall::TechnicalCommittee(TechnicalCall::close {
			proposal_hash: hash,
			index,
			proposal_weight_bound: frame_support::weights::Weight::from_parts(
				10_000_000_000,
				1_000_000,
			),
			length_bound: length,
		}),
		alice + 2,
	);
	System::events().iter().any(|r| {
		matches!(
			&r.event,
			RuntimeEvent::TechnicalCommittee(pallet_collective::Event::Executed {
				result: Ok(()),
				..
			})
		)
	})
}

/// Alice proposes `call` to the council with `threshold`; Alice and Bob vote aye; Alice closes
/// it. Nonces: Alice's first, Bob's, Alice's for the close.
/// Returns whether the proposal was executed successfully.
fn council_motion(call: RuntimeCall, threshold: u32, nonces: (u32, u32, u32)) -> bool {
	let length = call.encoded_size() as u32;
	let hash = BlakeTwo256::hash_of(&call);
	ok(
		Sr25519Keyring::Alice,
		RuntimeCall::Council(CouncilCall::propose {
			threshold,
			proposal: Box::new(call.clone()),
			length_bound: length,
		}),
		nonces.0,
	);
	let index =
		pallet_collective::ProposalCount::<Runtime, pallet_collective::Instance1>::get() - 1;
	if threshold > 1 {
		// Proposing is not voting: the proposer votes too.
		ok(
			Sr25519Keyring::Alice,
			RuntimeCall::Council(CouncilCall::vote { proposal: hash, index, approve: true }),
			nonces.0 + 1,
		);
		ok(
			Sr25519Keyring::Bob,
			RuntimeCall::Council(CouncilCall::vote { proposal: hash, index, approve: true }),
			nonces.1,
		);
		ok(
			Sr25519Keyring::Alice,
			RuntimeCall::Council(CouncilCall::close {
				proposal_hash: hash,
				index,
				proposal_weight_bound: frame_support::weights::Weight::from_parts(
					10_000_000_000,
					1_000_000,
				),
				length_bound: length,
			}),
			nonces.2,
		);
	}
	System::events().iter().any(|r| {
		matches!(
			&r.event,
			RuntimeEvent::Council(pallet_collective::Event::Executed { result: Ok(()), .. })
		)
	})
}

/// Runs the scheduler (and the upgrades pallet's hook) up to block `n`.
fn run_to(n: u32) {
	while System::block_number() < n {
		let next = System::block_number() + 1;
		System::set_block_number(next);
		Scheduler::on_initialize(next);
		<Upgrades as OnInitialize<u32>>::on_initialize(next);
	}
}

fn authorized() -> Option<H256> {
	System::authorized_upgrade().map(|a| *a.code_hash())
}

/// Reads a runtime version the way the node does, but one `spec_version` higher: so that the
/// real runtime blob can play the part of the next release in this test.
struct NextVersion;

impl ReadRuntimeVersion for NextVersion {
	fn read_runtime_version(
		&self,
		_wasm: &[u8],
		_ext: &mut dyn sp_core::traits::Externalities,
	) -> Result<Vec<u8>, String> {
		let mut version = VERSION;
		version.spec_version += 1;
		Ok(version.encode())
	}
}

/// Reads the blob's own version (the same as the running one).
struct SameVersion;

impl ReadRuntimeVersion for SameVersion {
	fn read_runtime_version(
		&self,
		_wasm: &[u8],
		_ext: &mut dyn sp_core::traits::Externalities,
	) -> Result<Vec<u8>, String> {
		Ok(VERSION.encode())
	}
}

fn code() -> Vec<u8> {
	WASM_BINARY.expect("the runtime tests need the wasm").to_vec()
}

#[test]
fn a_council_motion_authorises_an_upgrade_after_the_timelock_and_it_applies() {
	let mut ext = externalities("local_testnet");
	ext.register_extension(sp_core::traits::ReadRuntimeVersionExt::new(NextVersion));
	ext.execute_with(|| {
		start_block();
		let code = code();
		let hash = BlakeTwo256::hash(&code);
		let schedule =
			RuntimeCall::Upgrades(pallet_upgrades::Call::schedule_upgrade { code_hash: hash });
		assert!(council_motion(schedule.clone(), 2, (0, 0, 2)), "2 of 3 is two thirds");
		let (_, at) = pallet_upgrades::Scheduled::<Runtime>::get().expect("scheduled");

		// A vote after the close is refused: the motion is gone.
		let index =
			pallet_collective::ProposalCount::<Runtime, pallet_collective::Instance1>::get() - 1;
		let Ok(Err(refused)) = Executive::apply_extrinsic(signed(
			Sr25519Keyring::Charlie,
			RuntimeCall::Council(CouncilCall::vote {
				proposal: BlakeTwo256::hash_of(&schedule),
				index,
				approve: true,
			}),
			0,
		)) else {
			panic!("a valid transaction whose dispatch fails")
		};
		assert_eq!(
			refused,
			pallet_collective::Error::<Runtime, pallet_collective::Instance1>::ProposalMissing
				.into()
		);

		// Before the timelock ends nothing is authorised: applying is refused.
		run_to(at - 1);
		assert_eq!(authorized(), None);
		let apply = RuntimeCall::System(frame_system::Call::apply_authorized_upgrade {
			code: code.clone(),
		});
		let Ok(Err(refused)) =
			Executive::apply_extrinsic(signed(Sr25519Keyring::Eve, apply.clone(), 0))
		else {
			panic!("a valid transaction whose dispatch fails")
		};
		assert_eq!(refused, frame_system::Error::<Runtime>::NothingAuthorized.into());

		run_to(at);
		assert_eq!(authorized(), Some(hash));
		// Wrong code is refused and the authorisation stays.
		let wrong = RuntimeCall::System(frame_system::Call::apply_authorized_upgrade {
			code: b"not the code".to_vec(),
		});
		let Ok(Err(refused)) = Executive::apply_extrinsic(signed(Sr25519Keyring::Eve, wrong, 1))
		else {
			panic!("a valid transaction whose dispatch fails")
		};
		assert_eq!(refused, frame_system::Error::<Runtime>::Unauthorized.into());
		assert_eq!(authorized(), Some(hash));

		// Anyone applies the authorised code: it replaces the runtime code.
		let _ = Executive::apply_extrinsic(signed(Sr25519Keyring::Eve, apply, 2));
		assert!(System::events().iter().any(|r| matches!(
			r.event,
			RuntimeEvent::System(frame_system::Event::CodeUpdated { .. })
		)));
		assert_eq!(authorized(), None);
	});
}

#[test]
fn the_same_spec_version_is_refused() {
	let mut ext = externalities("local_testnet");
	ext.register_extension(sp_core::traits::ReadRuntimeVersionExt::new(SameVersion));
	ext.execute_with(|| {
		start_block();
		let code = code();
		let hash = BlakeTwo256::hash(&code);
		// The technical committee's fast track, here through root's stand-in on a test chain.
		frame_system::Pallet::<Runtime>::do_authorize_upgrade(hash, true);
		let apply = RuntimeCall::System(frame_system::Call::apply_authorized_upgrade { code });
		ok(Sr25519Keyring::Eve, apply, 0);
		assert!(System::events().iter().any(|r| matches!(
			r.event,
			RuntimeEvent::System(frame_system::Event::RejectedInvalidAuthorizedUpgrade { .. })
		)));
		assert!(!System::events().iter().any(|r| matches!(
			r.event,
			RuntimeEvent::System(frame_system::Event::CodeUpdated { .. })
		)));
	});
}

#[test]
fn a_motion_short_of_two_thirds_does_nothing_and_non_members_cannot_propose() {
	externalities("local_testnet").execute_with(|| {
		start_block();
		let schedule = RuntimeCall::Upgrades(pallet_upgrades::Call::schedule_upgrade {
			code_hash: H256::repeat_byte(1),
		});
		// Threshold 1: executed at once with 1 of 3 voices — the call needs two thirds.
		council_motion(schedule.clone(), 1, (0, 0, 0));
		assert!(pallet_upgrades::Scheduled::<Runtime>::get().is_none());
		assert!(System::events().iter().any(|r| matches!(
			&r.event,
			RuntimeEvent::Council(pallet_collective::Event::Executed { result: Err(_), .. })
		)));

		let Ok(Err(refused)) = Executive::apply_extrinsic(signed(
			Sr25519Keyring::Eve,
			RuntimeCall::Council(CouncilCall::propose {
				threshold: 2,
				proposal: Box::new(schedule.clone()),
				length_bound: schedule.encoded_size() as u32,
			}),
			0,
		)) else {
			panic!("a valid transaction whose dispatch fails")
		};
		assert_eq!(
			refused,
			pallet_collective::Error::<Runtime, pallet_collective::Instance1>::NotMember.into()
		);
	});
}

#[test]
fn a_validator_added_by_the_council_enters_the_authority_set_at_the_next_session() {
	externalities("local_testnet").execute_with(|| {
		start_block();
		let eve = Sr25519Keyring::Eve.to_account_id();
		let keys = SessionKeys {
			aura: Sr25519Keyring::Eve.public().into(),
			grandpa: Ed25519Keyring::Eve.public().into(),
		};
		// Eve's operator registers session keys (the proof: each key signs Eve's account).
		let owner = eve.encode();
		let proof = (
			Sr25519Keyring::Eve.pair().generate_proof_of_possession(&owner),
			Ed25519Keyring::Eve.pair().generate_proof_of_possession(&owner),
		)
			.encode();
		ok(
			Sr25519Keyring::Eve,
			RuntimeCall::Session(pallet_session::Call::set_keys { keys, proof }),
			0,
		);

		let add = RuntimeCall::ValidatorSet(pallet_validator_set::Call::add_validator {
			validator: eve.clone(),
		});
		assert!(council_motion(add, 2, (0, 0, 2)));
		assert!(pallet_validator_set::Validators::<Runtime>::get().contains(&eve));
		assert!(!Session::validators().contains(&eve));
		let authorities = || pallet_aura::Authorities::<Runtime>::get().len();
		assert_eq!(authorities(), 4);

		// The next session change queues the new set; the one after makes it active.
		Session::rotate_session();
		assert!(!Session::validators().contains(&eve));
		Session::rotate_session();
		assert!(Session::validators().contains(&eve));
		assert_eq!(authorities(), 5);
		assert_eq!(
			pallet_grandpa::Pallet::<Runtime>::grandpa_authorities().len(),
			4,
			"GRANDPA switches after its delay"
		);
	});
}

#[test]
fn the_technical_committee_fast_tracks_only_the_hash_the_council_scheduled() {
	externalities("local_testnet").execute_with(|| {
		start_block();
		let scheduled = H256::repeat_byte(1);
		let other = H256::repeat_byte(2);
		let fast_track = |code_hash| {
			RuntimeCall::Upgrades(pallet_upgrades::Call::fast_track_upgrade { code_hash })
		};
		// Nothing scheduled: the committee cannot authorise anything.
		assert!(!technical_motion(fast_track(other), 0, 0));
		assert_eq!(authorized(), None);

		let schedule =
			RuntimeCall::Upgrades(pallet_upgrades::Call::schedule_upgrade { code_hash: scheduled });
		assert!(council_motion(schedule, 2, (3, 1, 5)));
		assert!(!technical_motion(fast_track(other), 6, 2), "not another hash");
		assert_eq!(authorized(), None);
		assert!(technical_motion(fast_track(scheduled), 9, 3));
		assert_eq!(authorized(), Some(scheduled));
		assert!(pallet_upgrades::Scheduled::<Runtime>::get().is_none());
		let (_, expires_at) = pallet_upgrades::Authorized::<Runtime>::get().expect("recorded");
		assert_eq!(expires_at, System::block_number() + 3 * telemed_runtime::DAYS);

		// The council majority cancels: the authorisation is withdrawn.
		let cancel = RuntimeCall::Upgrades(pallet_upgrades::Call::cancel_upgrade {});
		System::reset_events();
		assert!(council_motion(cancel, 2, (12, 4, 14)));
		assert_eq!(authorized(), None);
	});
}

#[test]
fn a_council_motion_disapproves_or_kills_a_technical_committee_motion() {
	externalities("local_testnet").execute_with(|| {
		start_block();
		// Alice proposes to the committee (threshold 2: it stays open).
		let propose_to_committee = |code_hash, nonce| {
			let call =
				RuntimeCall::Upgrades(pallet_upgrades::Call::fast_track_upgrade { code_hash });
			ok(
				Sr25519Keyring::Alice,
				RuntimeCall::TechnicalCommittee(TechnicalCall::propose {
					threshold: 2,
					proposal: Box::new(call.clone()),
					length_bound: call.encoded_size() as u32,
				}),
				nonce,
			);
			BlakeTwo256::hash_of(&call)
		};
		let first = propose_to_committee(H256::repeat_byte(1), 0);
		let second = propose_to_committee(H256::repeat_byte(2), 1);
		assert!(TechnicalProposals::get(first).is_some());

		let disapprove = RuntimeCall::TechnicalCommittee(TechnicalCall::disapprove_proposal {
			proposal_hash: first,
		});
		let kill = RuntimeCall::TechnicalCommittee(TechnicalCall::kill { proposal_hash: second });

		// A single council member, or a stranger, cannot.
		for (signer, nonce) in [(Sr25519Keyring::Alice, 2), (Sr25519Keyring::Eve, 0)] {
			assert_eq!(
				refused(signer, disapprove.clone(), nonce),
				sp_runtime::DispatchError::BadOrigin
			);
			assert_eq!(
				refused(signer, kill.clone(), nonce + 1),
				sp_runtime::DispatchError::BadOrigin
			);
		}
		// Nor a council motion passed by one voice of three.
		System::reset_events();
		council_motion(disapprove.clone(), 1, (4, 0, 4));
		assert!(last_motion_failed());
		System::reset_events();
		council_motion(kill.clone(), 1, (5, 0, 5));
		assert!(last_motion_failed());
		assert!(TechnicalProposals::get(first).is_some());
		assert!(TechnicalProposals::get(second).is_some());

		// Two of three can.
		System::reset_events();
		assert!(council_motion(disapprove, 2, (6, 0, 8)));
		assert!(TechnicalProposals::get(first).is_none());
		assert!(System::events().iter().any(|r| matches!(
			r.event,
			RuntimeEvent::TechnicalCommittee(pallet_collective::Event::Disapproved { .. })
		)));
		System::reset_events();
		assert!(council_motion(kill, 2, (9, 1, 11)));
		assert!(TechnicalProposals::get(second).is_none());
		assert!(System::events().iter().any(|r| matches!(
			r.event,
			RuntimeEvent::TechnicalCommittee(pallet_collective::Event::Killed { .. })
		)));
		assert!(
			pallet_collective::Proposals::<Runtime, pallet_collective::Instance2>::get().is_empty()
		);
	});
}

#[test]
fn session_keys_hold_a_deposit_that_purge_keys_releases() {
	externalities("local_testnet").execute_with(|| {
		start_block();
		let eve = Sr25519Keyring::Eve.to_account_id();
		let held = || {
			Balances::balance_on_hold(
				&RuntimeHoldReason::Session(pallet_session::HoldReason::Keys),
				&eve,
			)
		};
		let set_keys = || {
			let keys = SessionKeys {
				aura: Sr25519Keyring::Eve.public().into(),
				grandpa: Ed25519Keyring::Eve.public().into(),
			};
			let owner = eve.encode();
			let proof = (
				Sr25519Keyring::Eve.pair().generate_proof_of_possession(&owner),
				Ed25519Keyring::Eve.pair().generate_proof_of_possession(&owner),
			)
				.encode();
			RuntimeCall::Session(pallet_session::Call::set_keys { keys, proof })
		};
		assert_eq!(held(), 0);
		ok(Sr25519Keyring::Eve, set_keys(), 0);
		assert_eq!(held(), 10 * UNITS);
		// Setting keys again (a rotation) holds nothing more.
		ok(Sr25519Keyring::Eve, set_keys(), 1);
		assert_eq!(held(), 10 * UNITS);
		ok(Sr25519Keyring::Eve, RuntimeCall::Session(pallet_session::Call::purge_keys {}), 2);
		assert_eq!(held(), 0);
		assert!(pallet_session::NextKeys::<Runtime>::get(&eve).is_none());
	});
}

#[test]
fn the_session_period_is_read_from_storage_and_never_zero() {
	use frame_support::traits::Get;
	use pallet_session::ShouldEndSession;
	use telemed_runtime::{
		configs::{SessionPeriod, StoredSessionPeriod},
		HOURS,
	};
	externalities("local_testnet").execute_with(|| {
		let key = sp_io::hashing::twox_128(b":StoredSessionPeriod:");
		assert_eq!(StoredSessionPeriod::key(), key, "the key the README and the network test use");
		assert_eq!(SessionPeriod::get(), HOURS);
		let should_end =
			|n: u32| <Runtime as pallet_session::Config>::ShouldEndSession::should_end_session(n);
		assert!(should_end(HOURS) && !should_end(4));
		// A chain with sessions of four blocks (as the network test's genesis sets).
		sp_io::storage::set(&key, &4u32.encode());
		assert_eq!(SessionPeriod::get(), 4);
		assert!(should_end(4) && should_end(8) && !should_end(6));
		// Zero in storage means one block, not a division by zero at every block.
		sp_io::storage::set(&key, &0u32.encode());
		assert_eq!(SessionPeriod::get(), 1);
		assert!(should_end(7));
	});
}
