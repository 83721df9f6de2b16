// Bootstrap only: replaced by `scripts/benchmark.sh upgrades` before this pallet lands.

#![allow(missing_docs)]

use core::marker::PhantomData;
use frame_support::weights::Weight;

/// Weight functions needed for `pallet_upgrades`.
pub trait WeightInfo {
	fn schedule_upgrade() -> Weight;
	fn fast_track_upgrade() -> Weight;
	fn cancel_upgrade() -> Weight;
}

pub struct SubstrateWeight<T>(PhantomData<T>);
impl<T> WeightInfo for SubstrateWeight<T> {
	fn schedule_upgrade() -> Weight {
		Weight::zero()
	}
	fn fast_track_upgrade() -> Weight {
		Weight::zero()
	}
	fn cancel_upgrade() -> Weight {
		Weight::zero()
	}
}
impl WeightInfo for () {
	fn schedule_upgrade() -> Weight {
		Weight::zero()
	}
	fn fast_track_upgrade() -> Weight {
		Weight::zero()
	}
	fn cancel_upgrade() -> Weight {
		Weight::zero()
	}
}
