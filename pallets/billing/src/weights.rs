// Bootstrap only: replaced by `scripts/benchmark.sh billing` before this pallet lands.

#![allow(missing_docs)]

use core::marker::PhantomData;
use frame_support::weights::Weight;

/// Weight functions needed for `pallet_billing`.
pub trait WeightInfo {
	fn set_service() -> Weight;
	fn withdraw_service() -> Weight;
	fn book() -> Weight;
	fn accept() -> Weight;
	fn decline() -> Weight;
	fn cancel() -> Weight;
	fn mark_delivered() -> Weight;
	fn confirm() -> Weight;
	fn dispute() -> Weight;
	fn settle() -> Weight;
	fn resolve_dispute() -> Weight;
	fn register_insurer() -> Weight;
	fn fund_pool() -> Weight;
	fn withdraw_pool() -> Weight;
	fn issue_policy() -> Weight;
	fn end_policy() -> Weight;
	fn adjudicate_claim() -> Weight;
	fn finalize_claim() -> Weight;
}

pub struct SubstrateWeight<T>(PhantomData<T>);
impl<T> WeightInfo for SubstrateWeight<T> {
	fn set_service() -> Weight {
		Weight::zero()
	}
	fn withdraw_service() -> Weight {
		Weight::zero()
	}
	fn book() -> Weight {
		Weight::zero()
	}
	fn accept() -> Weight {
		Weight::zero()
	}
	fn decline() -> Weight {
		Weight::zero()
	}
	fn cancel() -> Weight {
		Weight::zero()
	}
	fn mark_delivered() -> Weight {
		Weight::zero()
	}
	fn confirm() -> Weight {
		Weight::zero()
	}
	fn dispute() -> Weight {
		Weight::zero()
	}
	fn settle() -> Weight {
		Weight::zero()
	}
	fn resolve_dispute() -> Weight {
		Weight::zero()
	}
	fn register_insurer() -> Weight {
		Weight::zero()
	}
	fn fund_pool() -> Weight {
		Weight::zero()
	}
	fn withdraw_pool() -> Weight {
		Weight::zero()
	}
	fn issue_policy() -> Weight {
		Weight::zero()
	}
	fn end_policy() -> Weight {
		Weight::zero()
	}
	fn adjudicate_claim() -> Weight {
		Weight::zero()
	}
	fn finalize_claim() -> Weight {
		Weight::zero()
	}
}
impl WeightInfo for () {
	fn set_service() -> Weight {
		Weight::zero()
	}
	fn withdraw_service() -> Weight {
		Weight::zero()
	}
	fn book() -> Weight {
		Weight::zero()
	}
	fn accept() -> Weight {
		Weight::zero()
	}
	fn decline() -> Weight {
		Weight::zero()
	}
	fn cancel() -> Weight {
		Weight::zero()
	}
	fn mark_delivered() -> Weight {
		Weight::zero()
	}
	fn confirm() -> Weight {
		Weight::zero()
	}
	fn dispute() -> Weight {
		Weight::zero()
	}
	fn settle() -> Weight {
		Weight::zero()
	}
	fn resolve_dispute() -> Weight {
		Weight::zero()
	}
	fn register_insurer() -> Weight {
		Weight::zero()
	}
	fn fund_pool() -> Weight {
		Weight::zero()
	}
	fn withdraw_pool() -> Weight {
		Weight::zero()
	}
	fn issue_policy() -> Weight {
		Weight::zero()
	}
	fn end_policy() -> Weight {
		Weight::zero()
	}
	fn adjudicate_claim() -> Weight {
		Weight::zero()
	}
	fn finalize_claim() -> Weight {
		Weight::zero()
	}
}
