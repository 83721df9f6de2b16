// Bootstrap only: replaced by `scripts/benchmark.sh pallet_records` before this pallet lands.

#![allow(missing_docs)]

use core::marker::PhantomData;
use frame_support::weights::Weight;

/// Weight functions needed for `pallet_records`.
pub trait WeightInfo {
	fn register_patient() -> Weight;
	fn rotate_patient_key() -> Weight;
	fn add_record() -> Weight;
	fn amend_record() -> Weight;
	fn add_envelope() -> Weight;
	fn remove_envelope() -> Weight;
	fn access_record() -> Weight;
	fn shred_record(v: u32, e: u32) -> Weight;
	fn register_device() -> Weight;
	fn retire_device() -> Weight;
	fn anchor_batch() -> Weight;
}

pub struct SubstrateWeight<T>(PhantomData<T>);
impl<T> WeightInfo for SubstrateWeight<T> {
	fn register_patient() -> Weight { Weight::zero() }
	fn rotate_patient_key() -> Weight { Weight::zero() }
	fn add_record() -> Weight { Weight::zero() }
	fn amend_record() -> Weight { Weight::zero() }
	fn add_envelope() -> Weight { Weight::zero() }
	fn remove_envelope() -> Weight { Weight::zero() }
	fn access_record() -> Weight { Weight::zero() }
	fn shred_record(_v: u32, _e: u32) -> Weight { Weight::zero() }
	fn register_device() -> Weight { Weight::zero() }
	fn retire_device() -> Weight { Weight::zero() }
	fn anchor_batch() -> Weight { Weight::zero() }
}
impl WeightInfo for () {
	fn register_patient() -> Weight { Weight::zero() }
	fn rotate_patient_key() -> Weight { Weight::zero() }
	fn add_record() -> Weight { Weight::zero() }
	fn amend_record() -> Weight { Weight::zero() }
	fn add_envelope() -> Weight { Weight::zero() }
	fn remove_envelope() -> Weight { Weight::zero() }
	fn access_record() -> Weight { Weight::zero() }
	fn shred_record(_v: u32, _e: u32) -> Weight { Weight::zero() }
	fn register_device() -> Weight { Weight::zero() }
	fn retire_device() -> Weight { Weight::zero() }
	fn anchor_batch() -> Weight { Weight::zero() }
}
