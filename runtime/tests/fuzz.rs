//! A whole-runtime fuzzer, in the spirit of SR Labs' substrate-runtime-fuzzer: random
//! sequences of signed extrinsics over every pallet's calls, from the development accounts,
//! executed through `Executive` block by block as a node builds blocks (an Aura pre-digest,
//! the timestamp inherent, extrinsics until the block is full or enough, `finalize_block`);
//! between blocks the clock jumps minutes to months and the block number with it. After each
//! block every invariant of [`invariants`] is checked; a panic anywhere is caught.
//!
//! - Seeds: `TELEMED_FUZZ_SEED` (decimal or `0x` hex) replays one seed; without it a fixed seed
//!   and a random one run, each printed. A seed gives the same calls in the same order.
//! - Time box: `TELEMED_FUZZ_SECONDS` per seed (default [`DEFAULT_SECONDS`]);
//!   `TELEMED_FUZZ_BLOCKS` stops after that many blocks (an exact replay; the time box is then
//!   a day unless set).
//! - `scripts/fuzz.sh` runs it for an hour with the `try-runtime` feature, where every pallet's
//!   `try_state` (frame's included) runs after each block too.
//!
//! On a finding the test fails with the seed, the block, the call and a command to replay it.

mod domain;
mod generators;
mod invariants;
mod overlong;

use crate::common::{register_patient, signed, signed_with_tip, NOW};
use codec::Encode;
use domain::{Rng, DAY, HOUR, MINUTE};
use frame_support::traits::GetCallMetadata;
use generators::{Gen, World};
use sp_core::H256;
use sp_keyring::Sr25519Keyring;
use sp_runtime::{
	traits::Header as _,
	transaction_validity::{InvalidTransaction, TransactionValidityError},
	Digest, DigestItem, Storage,
};
use std::{
	collections::{BTreeMap, BTreeSet},
	panic::{catch_unwind, AssertUnwindSafe},
	time::{Duration, Instant},
};
use telemed_runtime::{
	AccountId, BlockNumber, Executive, Header, Runtime, RuntimeCall, System, UncheckedExtrinsic,
	DAYS, SLOT_DURATION, UNITS,
};

/// The seed every run tries first.
const FIXED_SEED: u64 = 0x7e1e_3ed0_f022_2026;
/// Seconds per seed in CI: the whole test (two seeds, genesis built once) stays well under
/// 30 s in release on two cores.
const DEFAULT_SECONDS: u64 = 5;
/// Calls in an ordinary block: one to this many.
const MAX_CALLS_PER_BLOCK: u64 = 32;
/// Calls in a block meant to fill up (until `ExhaustsResources`).
const STUFFED_BLOCK_CALLS: u64 = 4_000;
/// Blocks between two commits of the externalities' overlay (it slows down as it grows).
const COMMIT_EVERY: u64 = 64;

#[test]
fn random_signed_extrinsics_keep_every_invariant() {
	let var = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
	let max_blocks: Option<u64> =
		var("TELEMED_FUZZ_BLOCKS").map(|s| s.parse().expect("TELEMED_FUZZ_BLOCKS: a number"));
	// A replay of so many blocks is not cut short by the default time box.
	let default_seconds = if max_blocks.is_some() { 24 * 3600 } else { DEFAULT_SECONDS };
	let seconds = var("TELEMED_FUZZ_SECONDS")
		.map_or(default_seconds, |s| s.parse().expect("TELEMED_FUZZ_SECONDS: a number of seconds"));
	let seeds = match var("TELEMED_FUZZ_SEED") {
		Some(seed) => vec![parse_seed(&seed)],
		None => vec![FIXED_SEED, random_seed()],
	};
	let genesis = native_genesis("development");
	let mut total = Stats::default();
	for seed in seeds {
		println!(
			"fuzz: seed {seed:#x}, {seconds} s (replay: TELEMED_FUZZ_SEED={seed:#x} \
			 TELEMED_FUZZ_SECONDS={seconds})"
		);
		let stats = run(seed, &genesis, Duration::from_secs(seconds), max_blocks);
		stats.print(&format!("seed {seed:#x}"));
		total.add(&stats);
	}
	total.print("total");
	if var("TELEMED_FUZZ_COVERAGE").is_some() {
		total.print_coverage();
	}
}

/// The genesis storage of a named preset, built natively as the node builds it from the wasm
/// (the runtime's default genesis config, the preset merged in, every pallet's genesis build):
/// the fuzzer executes the runtime natively and needs no wasm (`scripts/fuzz.sh` builds none).
fn native_genesis(name: &str) -> Storage {
	use sp_runtime::BuildStorage;
	use telemed_runtime::{genesis_config_presets::get_preset, RuntimeGenesisConfig};
	let patch = get_preset(&name.into()).unwrap_or_else(|| panic!("no preset {name}"));
	let patch: serde_json::Value = serde_json::from_slice(&patch).expect("the preset is JSON");
	let mut config =
		serde_json::to_value(RuntimeGenesisConfig::default()).expect("the default serialises");
	sc_chain_spec::json_merge(&mut config, patch);
	serde_json::from_value::<RuntimeGenesisConfig>(config)
		.expect("the preset is a genesis config")
		.build_storage()
		.expect("the genesis builds")
}

fn parse_seed(seed: &str) -> u64 {
	match seed.strip_prefix("0x") {
		Some(hex) => u64::from_str_radix(hex, 16),
		None => seed.parse(),
	}
	.expect("TELEMED_FUZZ_SEED: a decimal or 0x-hex u64")
}

/// A seed from the clock and the process: different each run, printed for replay.
fn random_seed() -> u64 {
	let nanos = std::time::SystemTime::now()
		.duration_since(std::time::UNIX_EPOCH)
		.map_or(0, |d| d.as_nanos() as u64);
	Rng::new(nanos ^ (u64::from(std::process::id()) << 32)).next_u64()
}

/// What a run did.
#[derive(Default)]
struct Stats {
	blocks: u64,
	/// Extrinsics given to `apply_extrinsic`, inherents excluded.
	executions: u64,
	/// Applied (valid), whether their dispatch succeeded or failed.
	applied: u64,
	dispatched_ok: u64,
	/// Refused as invalid (a wrong nonce, no funds for the fee, a full block).
	invalid: u64,
	/// Over-long vectors refused at decoding.
	overlong_refused: u64,
	burnt: u128,
	burns: u64,
	elapsed: Duration,
	/// Per (pallet, call): dispatches that succeeded, and all applied.
	calls: BTreeMap<(&'static str, &'static str), (u64, u64)>,
}

impl Stats {
	fn add(&mut self, other: &Stats) {
		self.blocks += other.blocks;
		self.executions += other.executions;
		self.applied += other.applied;
		self.dispatched_ok += other.dispatched_ok;
		self.invalid += other.invalid;
		self.overlong_refused += other.overlong_refused;
		self.burnt += other.burnt;
		self.burns += other.burns;
		self.elapsed += other.elapsed;
		for (call, (ok, all)) in &other.calls {
			let entry = self.calls.entry(*call).or_default();
			entry.0 += ok;
			entry.1 += all;
		}
	}

	fn print(&self, what: &str) {
		let seconds = self.elapsed.as_secs_f64().max(1e-9);
		println!(
			"fuzz {what}: {} blocks, {} executions ({:.0}/s): {} applied ({} dispatched Ok), {} \
			 invalid, {} over-long refused; {} planck burnt in {} burns; {:.1} s",
			self.blocks,
			self.executions,
			self.executions as f64 / seconds,
			self.applied,
			self.dispatched_ok,
			self.invalid,
			self.overlong_refused,
			self.burnt,
			self.burns,
			seconds,
		);
	}

	fn print_coverage(&self) {
		println!("fuzz coverage: pallet call: dispatched Ok / applied");
		for ((pallet, call), (ok, all)) in &self.calls {
			println!("  {pallet} {call}: {ok} / {all}");
		}
	}
}

/// A finding: what broke, in which block, during which call.
struct Finding {
	block: BlockNumber,
	what: String,
	call: Option<Gen>,
}

/// The fuzzer's state between blocks.
struct Fuzzer {
	seed: u64,
	rng: Rng,
	number: BlockNumber,
	now: u64,
	parent: H256,
	ledger: invariants::Ledger,
	genesis_validators: BTreeSet<AccountId>,
	stats: Stats,
	/// The call being applied, for the report of a panic.
	current: Option<Gen>,
}

fn run(seed: u64, genesis: &Storage, time: Duration, max_blocks: Option<u64>) -> Stats {
	let mut ext = sp_io::TestExternalities::new(genesis.clone());
	let mut fuzzer = ext.execute_with(|| Fuzzer::new(seed));
	let started = Instant::now();
	let outcome = ext.execute_with(|| fuzzer.prologue());
	fuzzer.check(outcome);
	while started.elapsed() < time && max_blocks.map_or(true, |max| fuzzer.stats.blocks < max) {
		let outcome = ext.execute_with(|| fuzzer.block());
		fuzzer.check(outcome);
		if fuzzer.stats.blocks.is_multiple_of(COMMIT_EVERY) {
			ext.commit_all().expect("the overlay commits");
		}
	}
	fuzzer.stats.elapsed = started.elapsed();
	fuzzer.stats
}

impl Fuzzer {
	fn new(seed: u64) -> Self {
		Self {
			seed,
			rng: Rng::new(seed),
			number: 0,
			now: NOW,
			parent: frame_system::BlockHash::<Runtime>::get(0),
			ledger: invariants::Ledger::new(),
			genesis_validators: pallet_session::NextKeys::<Runtime>::iter_keys().collect(),
			stats: Stats::default(),
			current: None,
		}
	}

	/// Fails the test on a finding, with what is needed to replay it.
	fn check(&self, outcome: Result<(), Finding>) {
		if let Err(Finding { block, what, call }) = outcome {
			let call = call.map_or("none".into(), |(signer, call)| format!("{signer:?}: {call:?}"));
			panic!(
				"fuzz finding in block {block} (seed {seed:#x}): {what}\n  during: {call}\n  \
				 replay: TELEMED_FUZZ_SEED={seed:#x} TELEMED_FUZZ_BLOCKS={blocks} cargo test \
				 --release -p telemed-runtime --test integration fuzz -- --nocapture",
				seed = self.seed,
				blocks = self.stats.blocks + 1,
			);
		}
	}

	/// Moves the clock and the block number: mostly one slot, sometimes minutes, hours, days or
	/// months (the block number jumps as far as the time would take).
	fn advance(&mut self) {
		let rng = &mut self.rng;
		let (blocks, millis) = match rng.below(100) {
			0..=69 => (1, SLOT_DURATION),
			70..=84 => (1 + rng.below(10), MINUTE * (1 + rng.below(60))),
			85..=94 => (1 + rng.below(600), HOUR * (1 + rng.below(48))),
			95..=98 => (1 + rng.below(2 * DAYS as u64), DAY * (1 + rng.below(30))),
			_ => (1 + rng.below(10), DAY * (30 + rng.below(60))),
		};
		self.number = self.number.saturating_add(blocks as BlockNumber);
		self.now = self.now.saturating_add(millis.max(SLOT_DURATION));
	}

	/// Starts the next block as a node does: an Aura pre-digest with the slot of `now`, then
	/// the timestamp inherent.
	fn start_block(&mut self) {
		self.advance();
		self.open_block();
	}

	/// Opens block `self.number` at `self.now` (see [`Self::start_block`]).
	fn open_block(&mut self) {
		let slot = sp_consensus_aura::Slot::from(self.now / SLOT_DURATION);
		let digest = Digest {
			logs: vec![DigestItem::PreRuntime(sp_consensus_aura::AURA_ENGINE_ID, slot.encode())],
		};
		// `frame_system` wants the parent's number: the blocks skipped by a jump are not built
		// (their hooks do not run), as if they had been empty of everything but the hooks'
		// bookkeeping that a jump makes catch up at once.
		System::set_block_number(self.number - 1);
		Executive::initialize_block(&Header::new(
			self.number,
			H256::zero(),
			H256::zero(),
			self.parent,
			digest,
		));
		let timestamp = RuntimeCall::Timestamp(pallet_timestamp::Call::set { now: self.now });
		let applied = Executive::apply_extrinsic(UncheckedExtrinsic::new_bare(timestamp));
		assert_eq!(applied, Ok(Ok(())), "the timestamp inherent applies");
	}

	fn finish_block(&mut self) -> Result<(), Finding> {
		let header = Executive::finalize_block();
		self.parent = header.hash();
		self.stats.blocks += 1;
		let result =
			invariants::after_block(self.number, &mut self.ledger, &self.genesis_validators);
		self.stats.burnt = self.ledger.burnt;
		self.stats.burns = self.ledger.burns;
		result.map_err(|what| Finding { block: self.number, what, call: None })
	}

	/// Applies `call` signed by `signer` (mostly with the right nonce, no tip) in a storage
	/// transaction that an invalid extrinsic rolls back, as a block builder does. Returns
	/// whether the block is full.
	fn apply(&mut self, (signer, call): Gen) -> bool {
		let who = signer.to_account_id();
		let nonce = match self.rng.below(100) {
			0 => System::account_nonce(&who).wrapping_sub(1),
			1 => System::account_nonce(&who) + 1,
			_ => System::account_nonce(&who),
		};
		let tip = if self.rng.chance(5) { self.rng.pick(&[1, UNITS]) } else { 0 };
		let xt = signed_with_tip(signer, call.clone(), nonce, tip);
		self.current = Some((signer, call));
		self.execute(xt)
	}

	/// Applies an extrinsic; returns whether the block is full.
	fn execute(&mut self, xt: UncheckedExtrinsic) -> bool {
		let metadata = xt.function.get_call_metadata();
		self.stats.executions += 1;
		sp_io::storage::start_transaction();
		let outcome = Executive::apply_extrinsic(xt);
		match outcome {
			Ok(dispatched) => {
				sp_io::storage::commit_transaction();
				self.stats.applied += 1;
				let entry = self
					.stats
					.calls
					.entry((metadata.pallet_name, metadata.function_name))
					.or_default();
				entry.1 += 1;
				if dispatched.is_ok() {
					self.stats.dispatched_ok += 1;
					entry.0 += 1;
				}
				false
			},
			Err(error) => {
				sp_io::storage::rollback_transaction();
				self.stats.invalid += 1;
				error == TransactionValidityError::Invalid(InvalidTransaction::ExhaustsResources)
			},
		}
	}

	/// A call at its bound is applied; the same call one element longer must not decode.
	fn overlong(&mut self) -> Result<bool, String> {
		let at = overlong::at_bound(&mut self.rng);
		let nonce = System::account_nonce(at.signer.to_account_id());
		let xt = overlong::check(&at, nonce)?;
		self.stats.overlong_refused += 1;
		self.current = Some((at.signer, at.call));
		Ok(self.execute(xt))
	}

	/// One block of random calls; every invariant checked after it, a panic caught.
	fn block(&mut self) -> Result<(), Finding> {
		self.current = None;
		let calls = if self.rng.chance(2) {
			STUFFED_BLOCK_CALLS
		} else {
			1 + self.rng.below(MAX_CALLS_PER_BLOCK)
		};
		let body = catch_unwind(AssertUnwindSafe(|| -> Result<(), String> {
			self.start_block();
			let world = World { now: self.now };
			for _ in 0..calls {
				let full = if self.rng.chance(3) {
					self.overlong()?
				} else {
					let generated = generators::any(&mut self.rng, &world);
					self.apply(generated)
				};
				if full {
					break;
				}
			}
			Ok(())
		}));
		let what = match body {
			Ok(Ok(())) => {
				self.current = None;
				let finished = catch_unwind(AssertUnwindSafe(|| self.finish_block()));
				match finished {
					Ok(result) => return result,
					Err(panic) => {
						format!("panic in finalize_block or a check: {}", message(&*panic))
					},
				}
			},
			Ok(Err(what)) => what,
			Err(panic) => format!("panic: {}", message(&*panic)),
		};
		Err(Finding { block: self.number, what, call: self.current.take() })
	}

	/// Block 1: the cast of the fuzz, through real calls. Patients register, Eve registers as a
	/// nurse and the board licenses her, governance registers the insurer, who funds a pool
	/// and insures Charlie; Bob and Eve publish a service; Charlie consents to Bob (treatment)
	/// and to the insurer (payment); Eve sets session keys. Sessions last ten blocks (as the
	/// network suite's chain), so that validator changes take effect during a run.
	fn prologue(&mut self) -> Result<(), Finding> {
		use domain::{AUTHORITY, INSURER};
		use pallet_billing::Call as Billing;
		use telemed_primitives::{AccessAction, PractitionerRole, PurposeOfUse};
		use Sr25519Keyring::*;
		telemed_runtime::configs::StoredSessionPeriod::set(&10);
		let fail = |number, what: String| Finding { block: number, what, call: None };
		// Block 1, one slot on: never a session's last block, whose rotation takes the whole
		// block's weight in `on_initialize` (a jump to one refused the prologue's first call).
		self.number = self.number.saturating_add(1);
		self.now = self.now.saturating_add(SLOT_DURATION);
		self.open_block();
		let gp: pallet_billing::ServiceCode = b"gp".to_vec().try_into().unwrap();
		let consent = |grantee: Sr25519Keyring, purpose| {
			RuntimeCall::Consent(pallet_consent::Call::grant_consent {
				patient: Charlie.to_account_id(),
				grantee: grantee.to_account_id(),
				decision: pallet_consent::Decision::Permit,
				actions: vec![AccessAction::Read, AccessAction::Append, AccessAction::Amend]
					.try_into()
					.unwrap(),
				scope: pallet_consent::ScopeRequest::AllData,
				purposes: vec![purpose].try_into().unwrap(),
				start: None,
				end: None,
			})
		};
		let service = |price| {
			RuntimeCall::Billing(Billing::set_service {
				service: gp.clone(),
				description: [0xa0; 32],
				price,
				duration: 30 * MINUTE,
			})
		};
		let steps: Vec<Gen> = vec![
			(Charlie, register_patient([0x41; 32])),
			(AliceStash, register_patient([0x42; 32])),
			(
				Eve,
				RuntimeCall::Practitioners(pallet_practitioners::Call::register {
					display_name: b"Nurse Eve".to_vec().try_into().unwrap(),
					roles: vec![PractitionerRole::Nurse].try_into().unwrap(),
					specialties: Default::default(),
					key_agreement_key: [0x43; 32],
				}),
			),
			(
				AUTHORITY,
				RuntimeCall::Practitioners(pallet_practitioners::Call::issue_licence {
					holder: Eve.to_account_id(),
					jurisdiction: b"FR".to_vec().try_into().unwrap(),
					role: PractitionerRole::Nurse,
					specialty: None,
					number_commitment: [0xa1; 32],
					evidence: [0xa2; 32],
					valid_from: NOW - DAY,
					expires_at: NOW + 3650 * DAY,
					emergency_care: true,
				}),
			),
			(
				Alice,
				RuntimeCall::Sudo(pallet_sudo::Call::sudo {
					call: Box::new(RuntimeCall::Billing(Billing::register_insurer {
						insurer: INSURER.to_account_id(),
						name: b"Mutual".to_vec().try_into().unwrap(),
					})),
				}),
			),
			(INSURER, RuntimeCall::Billing(Billing::fund_pool { amount: 10_000 * UNITS })),
			(
				INSURER,
				RuntimeCall::Billing(Billing::issue_policy {
					patient: Charlie.to_account_id(),
					covered: vec![gp.clone()].try_into().unwrap(),
					coverage: sp_runtime::Permill::from_percent(80),
					annual_limit: 1_000 * UNITS,
					valid_from: NOW - DAY,
					valid_until: NOW + 365 * DAY,
				}),
			),
			(Bob, service(50 * UNITS)),
			(Eve, service(20 * UNITS)),
			(Charlie, consent(Bob, PurposeOfUse::Treatment)),
			(Charlie, consent(INSURER, PurposeOfUse::Payment)),
			(Eve, {
				let (keys, proof) = generators::session_keys(Eve);
				RuntimeCall::Session(pallet_session::Call::set_keys { keys, proof })
			}),
		];
		for (signer, call) in steps {
			let nonce = System::account_nonce(signer.to_account_id());
			let outcome = Executive::apply_extrinsic(signed(signer, call.clone(), nonce));
			if outcome != Ok(Ok(())) {
				return Err(fail(
					self.number,
					format!("prologue: {signer:?} {call:?}: {outcome:?}"),
				));
			}
		}
		self.finish_block()
	}
}

/// The message of a caught panic.
fn message(panic: &(dyn std::any::Any + Send)) -> String {
	panic
		.downcast_ref::<String>()
		.cloned()
		.or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
		.unwrap_or_else(|| "(no message)".into())
}
