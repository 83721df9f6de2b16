//! Benchmarks of the three calls. `fast_track_upgrade` needs the upgrade scheduled (it cancels
//! the task and authorises); `cancel_upgrade`'s worst case cancels a scheduled task and withdraws
//! an older authorisation the pallet gave that `frame_system` still holds.

use super::*;
use crate::Pallet as Upgrades;
use frame_benchmarking::v2::*;
use frame_support::traits::{EnsureOrigin, Get};
use sp_runtime::traits::{Hash, Saturating};

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
		assert_eq!(Upgrades::<T>::authorized_in_system(), Some(T::Hash::default()));
		assert!(Authorized::<T>::get().is_some());
		Ok(())
	}

	#[benchmark]
	fn cancel_upgrade() -> Result<(), BenchmarkError> {
		// An older authorisation of the pallet's, unapplied, and a newer upgrade scheduled.
		let older = T::Hashing::hash(b"older");
		let expires_at =
			frame_system::Pallet::<T>::block_number().saturating_add(T::AuthorizationWindow::get());
		frame_system::Pallet::<T>::do_authorize_upgrade(older, true);
		Authorized::<T>::put((older, expires_at));
		let council = origin_of::<T::ScheduleOrigin, T::RuntimeOrigin>()?;
		Upgrades::<T>::schedule_upgrade(council, T::Hash::default())
			.map_err(|_| BenchmarkError::Weightless)?;
		let origin = origin_of::<T::CancelOrigin, T::RuntimeOrigin>()?;

		#[extrinsic_call]
		_(origin as T::RuntimeOrigin);

		assert!(Scheduled::<T>::get().is_none());
		assert!(Authorized::<T>::get().is_none());
		assert_eq!(Upgrades::<T>::authorized_in_system(), None);
		Ok(())
	}

	impl_benchmark_test_suite!(Upgrades, crate::mock::new_test_ext(), crate::mock::Test);
}
