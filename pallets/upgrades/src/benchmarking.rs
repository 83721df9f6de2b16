//! Benchmarks of the three calls; `fast_track_upgrade` replaces a scheduled upgrade (its worst
//! case).

use super::*;
use crate::Pallet as Upgrades;
use frame_benchmarking::v2::*;
use frame_support::traits::EnsureOrigin;

fn origin_of<O: EnsureOrigin<Ro>, Ro>() -> Result<Ro, BenchmarkError> {
	O::try_successful_origin().map_err(|_| BenchmarkError::Weightless)
}

#[benchmarks]
mod benchmarks {
	use super::*;

	#[benchmark]
	fn schedule_upgrade() -> Result<(), BenchmarkError> {
		let origin = origin_of::<T::ScheduleOrigin, T::RuntimeOrigin>()?;

		#[extrinsic_call]
		_(origin as T::RuntimeOrigin, T::Hash::default());

		assert!(Scheduled::<T>::get().is_some());
		Ok(())
	}

	#[benchmark]
	fn fast_track_upgrade() -> Result<(), BenchmarkError> {
		let council = origin_of::<T::ScheduleOrigin, T::RuntimeOrigin>()?;
		Upgrades::<T>::schedule_upgrade(council, T::Hash::default())
			.map_err(|_| BenchmarkError::Weightless)?;
		let origin = origin_of::<T::FastTrackOrigin, T::RuntimeOrigin>()?;

		#[extrinsic_call]
		_(origin as T::RuntimeOrigin, T::Hash::default());

		assert!(Scheduled::<T>::get().is_none());
		Ok(())
	}

	#[benchmark]
	fn cancel_upgrade() -> Result<(), BenchmarkError> {
		let council = origin_of::<T::ScheduleOrigin, T::RuntimeOrigin>()?;
		Upgrades::<T>::schedule_upgrade(council, T::Hash::default())
			.map_err(|_| BenchmarkError::Weightless)?;
		let origin = origin_of::<T::CancelOrigin, T::RuntimeOrigin>()?;

		#[extrinsic_call]
		_(origin as T::RuntimeOrigin);

		assert!(Scheduled::<T>::get().is_none());
		Ok(())
	}

	impl_benchmark_test_suite!(Upgrades, crate::mock::new_test_ext(), crate::mock::Test);
}
