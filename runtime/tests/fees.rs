//! Fees (issue 12, item 17): a transaction pays for its weight and its length, the multiplier
//! follows congestion, and no fee is burnt: the treasury and the block's author share it.

use crate::common::{externalities, signed, transfer};
use codec::Encode;
use frame_support::{
	dispatch::{DispatchClass, GetDispatchInfo},
	traits::{fungible::Inspect, Hooks},
	weights::Weight,
};
use sp_consensus_aura::{Slot, AURA_ENGINE_ID};
use sp_core::H256;
use sp_keyring::Sr25519Keyring;
use sp_runtime::{
	traits::{Header as HeaderT, One},
	Digest, DigestItem, Perbill,
};
use telemed_runtime::{
	configs::{TreasuryAccount, FEES_TO_TREASURY_PERCENT},
	Balances, Executive, Header, Runtime, RuntimeCall, SystemCall, TransactionPayment, MICRO_UNITS,
	MILLI_UNITS, UNITS,
};

/// Starts block 1 with Aura's pre-runtime digest for `slot`, as an authoring node does: the
/// author is the session validator whose turn the slot is (Alice, alone on the dev chain).
fn start_authored_block(slot: u64) {
	let digest =
		Digest { logs: vec![DigestItem::PreRuntime(AURA_ENGINE_ID, Slot::from(slot).encode())] };
	let header = Header::new(
		1,
		H256::zero(),
		H256::zero(),
		frame_system::BlockHash::<Runtime>::get(0),
		digest,
	);
	Executive::initialize_block(&header);
}

#[test]
fn a_transfer_fee_is_shared_by_the_treasury_and_the_author_and_nothing_is_burnt() {
	externalities("development").execute_with(|| {
		start_authored_block(1);
		let alice = Sr25519Keyring::Alice.to_account_id();
		let bob = Sr25519Keyring::Bob.to_account_id();
		let dave = Sr25519Keyring::Dave.to_account_id();
		let treasury = TreasuryAccount::get();
		assert_eq!(pallet_authorship::Pallet::<Runtime>::author(), Some(alice.clone()));
		let (issuance, alice_before, bob_before, treasury_before) = (
			Balances::total_issuance(),
			Balances::balance(&alice),
			Balances::balance(&bob),
			Balances::balance(&treasury),
		);

		let xt = signed(Sr25519Keyring::Bob, transfer(&dave, UNITS), 0);
		let len = xt.encoded_size() as u32;
		let expected_fee = TransactionPayment::compute_fee(len, &xt.get_dispatch_info(), 0);
		assert_eq!(Executive::apply_extrinsic(xt), Ok(Ok(())));

		let fee = bob_before - UNITS - Balances::balance(&bob);
		// The fee actually charged after the weight refund is at most the pre-dispatch one.
		assert!(fee > 0 && fee <= expected_fee, "fee {fee}, computed {expected_fee}");
		let to_treasury = Balances::balance(&treasury) - treasury_before;
		let to_author = Balances::balance(&alice) - alice_before;
		assert_eq!(to_treasury + to_author, fee, "all of the fee arrives somewhere");
		let share = Perbill::from_percent(FEES_TO_TREASURY_PERCENT) * fee;
		assert!(to_treasury.abs_diff(share) <= 1, "{to_treasury} vs {share}");
		assert_eq!(Balances::total_issuance(), issuance, "no fee is burnt");
		println!(
			"balances.transfer_keep_alive: {len} bytes, fee {fee} planck = {} µMED",
			fee / MICRO_UNITS
		);
	});
}

#[test]
fn length_is_priced_so_a_large_failing_call_is_expensive() {
	externalities("development").execute_with(|| {
		start_authored_block(1);
		// A 3.5 MB remark, the kind of argument that used to cost ~0.0004 MED.
		let call = RuntimeCall::System(SystemCall::remark { remark: vec![0u8; 3_500_000] });
		let xt = signed(Sr25519Keyring::Bob, call, 0);
		let len = xt.encoded_size() as u32;
		let fee = TransactionPayment::compute_fee(len, &xt.get_dispatch_info(), 0);
		assert!(fee >= 35 * UNITS, "3.5 MB costs at least 35 MED: {fee}");
		// Per byte, what the README states: 10 µMED.
		let small = TransactionPayment::compute_fee(100, &xt.get_dispatch_info(), 0);
		let larger = TransactionPayment::compute_fee(101, &xt.get_dispatch_info(), 0);
		assert_eq!(larger - small, 10 * MICRO_UNITS);
	});
}

#[test]
fn the_fee_multiplier_rises_with_full_blocks_and_never_falls_below_one() {
	externalities("development").execute_with(|| {
		start_authored_block(1);
		let one = sp_runtime::FixedU128::one();
		assert_eq!(pallet_transaction_payment::NextFeeMultiplier::<Runtime>::get(), one);
		// An idle block: the multiplier stays at its floor.
		TransactionPayment::on_finalize(1);
		assert_eq!(pallet_transaction_payment::NextFeeMultiplier::<Runtime>::get(), one);

		// Full blocks: it rises, block after block.
		let max = <Runtime as frame_system::Config>::BlockWeights::get()
			.get(DispatchClass::Normal)
			.max_total
			.unwrap_or(Weight::MAX);
		let mut last = one;
		for n in 2..5u32 {
			frame_system::BlockWeight::<Runtime>::kill();
			frame_system::Pallet::<Runtime>::register_extra_weight_unchecked(
				max,
				DispatchClass::Normal,
			);
			TransactionPayment::on_finalize(n);
			let now = pallet_transaction_payment::NextFeeMultiplier::<Runtime>::get();
			assert!(now > last, "block {n}: {now:?} after {last:?}");
			last = now;
		}
		// The same transaction now costs more than at the floor.
		let xt = signed(Sr25519Keyring::Bob, transfer(&Sr25519Keyring::Dave.to_account_id(), 1), 0);
		let info = xt.get_dispatch_info();
		let len = xt.encoded_size() as u32;
		let congested = TransactionPayment::compute_fee(len, &info, 0);

		// Empty blocks: it falls back, but never below one.
		for n in 5..1_000u32 {
			frame_system::BlockWeight::<Runtime>::kill();
			TransactionPayment::on_finalize(n);
		}
		assert_eq!(pallet_transaction_payment::NextFeeMultiplier::<Runtime>::get(), one);
		let idle = TransactionPayment::compute_fee(len, &info, 0);
		assert!(congested > idle, "{congested} > {idle}");
		assert!(idle >= MILLI_UNITS, "a transfer never costs less than 1 mMED: {idle}");
	});
}

/// The base weights are this machine's measurements (runtime/src/weights/), and a transaction's
/// extensions are charged once: by their own weights, not again inside the base weight.
#[test]
fn the_base_weights_are_measured_here_and_the_extensions_are_charged_once() {
	use frame_support::weights::constants::WEIGHT_REF_TIME_PER_MICROS;
	use telemed_runtime::{configs::RuntimeBlockWeights, weights};
	let limits = RuntimeBlockWeights::get();
	assert_eq!(limits.base_block, weights::BlockExecutionWeight::get());
	let measured = weights::extrinsic_weights::ExtrinsicBaseWeight::get();
	for class in [DispatchClass::Normal, DispatchClass::Operational, DispatchClass::Mandatory] {
		let base = limits.get(class).base_extrinsic;
		assert_eq!(base, weights::extrinsic_base_weight());
		// What is left of a signed remark once its extensions are paid for: at least the
		// signature check (tens of µs); if the extensions weighed more than the whole remark,
		// one of the two measurements would be wrong.
		assert!(base.ref_time() >= 20 * WEIGHT_REF_TIME_PER_MICROS, "{base:?}");
		assert!(base.ref_time() < measured.ref_time(), "{base:?} {measured:?}");
	}
	// A transfer's extensions weigh what the measured extension weights say (nonce, weight,
	// mortality checks and the fee's withdrawal), not nothing as before.
	externalities("development").execute_with(|| {
		let dave = Sr25519Keyring::Dave.to_account_id();
		let info = signed(Sr25519Keyring::Bob, transfer(&dave, 1), 0).get_dispatch_info();
		assert!(info.extension_weight.ref_time() > 50 * WEIGHT_REF_TIME_PER_MICROS, "{info:?}");
	});
}

/// Storage is priced at what the node's database measured here (`scripts/benchmark.sh storage`),
/// not upstream's reference figures for ParityDB; a write costs more than a read.
#[test]
fn storage_is_priced_at_the_database_measured_here() {
	use frame_support::{traits::Get, weights::constants::WEIGHT_REF_TIME_PER_MICROS};
	use telemed_runtime::weights::paritydb_weights::constants::ParityDbWeight as Measured;
	let db: frame_support::weights::RuntimeDbWeight =
		<<Runtime as frame_system::Config>::DbWeight as Get<_>>::get();
	assert_eq!(db, Measured::get());
	assert_ne!(db, frame_support::weights::constants::ParityDbWeight::get());
	// A read and a write each take microseconds on an SSD, a write more than a read.
	let (read, write) = (db.reads(1).ref_time(), db.writes(1).ref_time());
	assert!(read >= WEIGHT_REF_TIME_PER_MICROS && read < 1_000 * WEIGHT_REF_TIME_PER_MICROS);
	assert!(write > read && write < 1_000 * WEIGHT_REF_TIME_PER_MICROS, "{db:?}");
}

/// The upstream pallets added for integrators and the finality gadget are charged this machine's
/// measurements (runtime/src/weights/), not upstream's reference hardware nor zero.
#[test]
fn utility_multisig_proxy_and_grandpa_weights_are_measured_here() {
	use pallet_grandpa::WeightInfo as _;
	use pallet_multisig::WeightInfo as _;
	use pallet_proxy::WeightInfo as _;
	use pallet_utility::WeightInfo as _;
	use telemed_runtime::weights;
	type Utility = <Runtime as pallet_utility::Config>::WeightInfo;
	type Multisig = <Runtime as pallet_multisig::Config>::WeightInfo;
	type Proxy = <Runtime as pallet_proxy::Config>::WeightInfo;
	type Grandpa = <Runtime as pallet_grandpa::Config>::WeightInfo;
	assert_eq!(Utility::batch(3), weights::pallet_utility::WeightInfo::<Runtime>::batch(3));
	assert_ne!(Utility::batch(3), pallet_utility::weights::SubstrateWeight::<Runtime>::batch(3));
	assert_eq!(
		Multisig::as_multi_threshold_1(64),
		weights::pallet_multisig::WeightInfo::<Runtime>::as_multi_threshold_1(64)
	);
	assert_ne!(
		Multisig::as_multi_threshold_1(64),
		pallet_multisig::weights::SubstrateWeight::<Runtime>::as_multi_threshold_1(64)
	);
	assert_eq!(Proxy::proxy(4), weights::pallet_proxy::WeightInfo::<Runtime>::proxy(4));
	assert_ne!(Proxy::proxy(4), pallet_proxy::weights::SubstrateWeight::<Runtime>::proxy(4));
	// GRANDPA was charged upstream's `()` (numbers set by hand in its `default_weights`); its
	// root-only call now weighs what it does here, and an equivocation report (which no
	// key-owner proof can reach on this chain) what checking its proof does.
	assert!(Grandpa::note_stalled().ref_time() > 0);
	assert_ne!(Grandpa::note_stalled(), <() as pallet_grandpa::WeightInfo>::note_stalled());
	{
		use weights::pallet_grandpa::WeightInfo as _;
		assert_eq!(
			Grandpa::report_equivocation(4, 0),
			weights::pallet_grandpa::SubstrateWeight::<Runtime>::check_equivocation_proof(4)
		);
	}
}
