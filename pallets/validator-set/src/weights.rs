// Bootstrap only: replaced by `scripts/benchmark.sh validator-set` before this pallet lands.

#![allow(missing_docs)]

use core::marker::PhantomData;
use frame_support::weights::Weight;

/// Weight functions needed for `pallet_validator_set`.
pub trait WeightInfo {
	fn add_validator(v: u32) -> Weight;
	fn remove_validator(v: u32) -> Weight;
}

pub struct SubstrateWeight<T>(PhantomData<T>);
impl<T> WeightInfo for SubstrateWeight<T> {
	fn add_validator(_v: u32) -> Weight {
		Weight::zero()
	}
	fn remove_validator(_v: u32) -> Weight {
		Weight::zero()
	}
}
impl WeightInfo for () {
	fn add_validator(_v: u32) -> Weight {
		Weight::zero()
	}
	fn remove_validator(_v: u32) -> Weight {
		Weight::zero()
	}
}
