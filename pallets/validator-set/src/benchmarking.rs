//! Benchmarks: adding to and removing from a set of `v` validators (the sorted insert and
//! removal are linear in it).

use super::*;
use alloc::vec::Vec;
use frame_benchmarking::v2::*;
use frame_support::{
	traits::{EnsureOrigin, Get},
	BoundedVec,
};

/// A set of `v` validators with keys.
fn set_of<T: Config>(v: u32) -> Vec<T::AccountId> {
	let validators: Vec<T::AccountId> = (0..v)
		.map(|i| {
			let who: T::AccountId = account("validator", i, 0);
			T::BenchmarkHelper::register_keys(&who);
			who
		})
		.collect();
	let mut sorted = validators.clone();
	sorted.sort();
	Validators::<T>::put(BoundedVec::truncate_from(sorted));
	validators
}

#[benchmarks]
mod benchmarks {
	use super::*;

	#[benchmark]
	fn add_validator(
		v: Linear<{ T::MinValidators::get().max(1) }, { T::MaxValidators::get() - 1 }>,
	) -> Result<(), BenchmarkError> {
		set_of::<T>(v);
		let new: T::AccountId = account("new validator", 0, 0);
		T::BenchmarkHelper::register_keys(&new);
		let origin =
			T::AddRemoveOrigin::try_successful_origin().map_err(|_| BenchmarkError::Weightless)?;

		#[extrinsic_call]
		_(origin as T::RuntimeOrigin, new.clone());

		assert!(Validators::<T>::get().contains(&new));
		Ok(())
	}

	#[benchmark]
	fn remove_validator(
		v: Linear<{ T::MinValidators::get().max(1) + 1 }, { T::MaxValidators::get() }>,
	) -> Result<(), BenchmarkError> {
		let validators = set_of::<T>(v);
		let gone = validators[0].clone();
		let origin =
			T::AddRemoveOrigin::try_successful_origin().map_err(|_| BenchmarkError::Weightless)?;

		#[extrinsic_call]
		_(origin as T::RuntimeOrigin, gone.clone());

		assert!(!Validators::<T>::get().contains(&gone));
		Ok(())
	}

	impl_benchmark_test_suite!(Pallet, crate::mock::new_test_ext(), crate::mock::Test);
}
