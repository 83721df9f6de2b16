//! # Upgrades
//!
//! Runtime upgrades decided by the network's governance, not by one key.
//!
//! ## Overview
//!
//! `frame_system::authorize_upgrade` takes the root origin. This pallet is how governance
//! reaches it: [`Config::ScheduleOrigin`] (the council, by a 2/3 motion) schedules the
//! authorisation of a code hash after [`Config::UpgradeDelay`] blocks (a timelock, on
//! `pallet-scheduler`, the call kept by `pallet-preimage` if large); when the scheduler
//! dispatches it, anyone may submit the code with `system.apply_authorized_upgrade`, which checks
//! the hash, that the spec name is the same and that `spec_version` rises. During the timelock
//! [`Config::CancelOrigin`] may cancel, and [`Config::FastTrackOrigin`] (the technical
//! committee) may authorise at once, for an urgent fix.
//!
//! ## Pallet API
//!
//! [`Pallet::schedule_upgrade`], [`Pallet::fast_track_upgrade`], [`Pallet::cancel_upgrade`].

#![cfg_attr(not(feature = "std"), no_std)]
#![deny(missing_docs)]

extern crate alloc;

pub use pallet::*;
pub use weights::WeightInfo;

#[cfg(feature = "runtime-benchmarks")]
mod benchmarking;
#[cfg(test)]
mod mock;
#[cfg(test)]
mod tests;
pub mod weights;

#[frame_support::pallet]
pub mod pallet {
	use super::*;
	use frame_support::{
		dispatch::{GetDispatchInfo, PostDispatchInfo},
		pallet_prelude::*,
		traits::{
			schedule::{v3::Named as ScheduleNamed, DispatchTime},
			QueryPreimage, StorePreimage,
		},
	};
	use frame_system::pallet_prelude::*;
	use sp_runtime::traits::{Dispatchable, Saturating};

	/// The scheduler's name for the pending upgrade: one at a time.
	pub const UPGRADE_TASK: [u8; 32] = *b"telemed/upgrades/authorisation__";

	#[pallet::pallet]
	pub struct Pallet<T>(_);

	/// Configuration of the upgrades pallet.
	#[pallet::config]
	pub trait Config: frame_system::Config<RuntimeEvent: From<Event<Self>>> {
		/// The runtime's calls: the scheduled `authorize_upgrade` is one.
		type RuntimeCall: Parameter
			+ Dispatchable<RuntimeOrigin = Self::RuntimeOrigin, PostInfo = PostDispatchInfo>
			+ GetDispatchInfo
			+ From<frame_system::Call<Self>>;

		/// The runtime's pallet origins: the scheduled call runs as root.
		type PalletsOrigin: From<frame_system::RawOrigin<Self::AccountId>>;

		/// The scheduler that keeps the timelock.
		type Scheduler: ScheduleNamed<
			BlockNumberFor<Self>,
			<Self as Config>::RuntimeCall,
			Self::PalletsOrigin,
			Hasher = Self::Hashing,
		>;

		/// Where the scheduled call is kept.
		type Preimages: QueryPreimage<H = Self::Hashing> + StorePreimage;

		/// Schedules an upgrade's authorisation after the timelock: the council.
		type ScheduleOrigin: EnsureOrigin<Self::RuntimeOrigin>;

		/// Authorises an upgrade at once: the technical committee.
		type FastTrackOrigin: EnsureOrigin<Self::RuntimeOrigin>;

		/// Cancels a scheduled upgrade.
		type CancelOrigin: EnsureOrigin<Self::RuntimeOrigin>;

		/// The timelock, in blocks.
		#[pallet::constant]
		type UpgradeDelay: Get<BlockNumberFor<Self>>;

		/// Weights of the calls, from the benchmarks.
		type WeightInfo: WeightInfo;
	}

	/// The upgrade waiting out its timelock: its code hash and when it will be authorised.
	#[pallet::storage]
	pub type Scheduled<T: Config> = StorageValue<_, (T::Hash, BlockNumberFor<T>), OptionQuery>;

	/// Events of the upgrades pallet.
	#[pallet::event]
	#[pallet::generate_deposit(pub(super) fn deposit_event)]
	pub enum Event<T: Config> {
		/// An upgrade will be authorised at block `at`.
		UpgradeScheduled {
			/// The code's hash.
			code_hash: T::Hash,
			/// When the authorisation is dispatched.
			at: BlockNumberFor<T>,
		},
		/// An upgrade was authorised at once; the code may be applied now.
		UpgradeFastTracked {
			/// The code's hash.
			code_hash: T::Hash,
		},
		/// The scheduled upgrade was cancelled.
		UpgradeCancelled {
			/// The code's hash.
			code_hash: T::Hash,
		},
	}

	/// Errors of the upgrades pallet.
	#[pallet::error]
	pub enum Error<T> {
		/// An upgrade is scheduled already: cancel it first.
		AlreadyScheduled,
		/// No upgrade is scheduled.
		NothingScheduled,
		/// The scheduler refused the task.
		SchedulerFailed,
	}

	#[pallet::call]
	impl<T: Config> Pallet<T> {
		/// Schedules `frame_system::authorize_upgrade(code_hash)` (with the version check) to
		/// run as root after [`Config::UpgradeDelay`] blocks.
		///
		/// Origin: [`Config::ScheduleOrigin`].
		///
		/// # Errors
		/// - `AlreadyScheduled`; `SchedulerFailed`.
		///
		/// # Events
		/// `UpgradeScheduled`.
		#[pallet::call_index(0)]
		#[pallet::weight(T::WeightInfo::schedule_upgrade())]
		pub fn schedule_upgrade(origin: OriginFor<T>, code_hash: T::Hash) -> DispatchResult {
			T::ScheduleOrigin::ensure_origin(origin)?;
			ensure!(Scheduled::<T>::get().is_none(), Error::<T>::AlreadyScheduled);
			let call: <T as Config>::RuntimeCall =
				frame_system::Call::<T>::authorize_upgrade { code_hash }.into();
			let bounded = T::Preimages::bound(call)?;
			let at =
				frame_system::Pallet::<T>::block_number().saturating_add(T::UpgradeDelay::get());
			T::Scheduler::schedule_named(
				UPGRADE_TASK,
				DispatchTime::At(at),
				None,
				0,
				frame_system::RawOrigin::Root.into(),
				bounded,
			)
			.map_err(|_| Error::<T>::SchedulerFailed)?;

			// *** No fail beyond this point ***
			Scheduled::<T>::put((code_hash, at));
			Self::deposit_event(Event::UpgradeScheduled { code_hash, at });
			Ok(())
		}

		/// Authorises `code_hash` at once (with the version check), replacing any scheduled
		/// upgrade.
		///
		/// Origin: [`Config::FastTrackOrigin`].
		///
		/// # Events
		/// `UpgradeFastTracked` (and `UpgradeCancelled` for a scheduled one it replaces).
		#[pallet::call_index(1)]
		#[pallet::weight(T::WeightInfo::fast_track_upgrade())]
		pub fn fast_track_upgrade(origin: OriginFor<T>, code_hash: T::Hash) -> DispatchResult {
			T::FastTrackOrigin::ensure_origin(origin)?;
			if let Some((scheduled, _)) = Scheduled::<T>::take() {
				let _ = T::Scheduler::cancel_named(UPGRADE_TASK);
				Self::deposit_event(Event::UpgradeCancelled { code_hash: scheduled });
			}
			frame_system::Pallet::<T>::do_authorize_upgrade(code_hash, true);
			Self::deposit_event(Event::UpgradeFastTracked { code_hash });
			Ok(())
		}

		/// Cancels the scheduled upgrade.
		///
		/// Origin: [`Config::CancelOrigin`].
		///
		/// # Errors
		/// - `NothingScheduled`.
		///
		/// # Events
		/// `UpgradeCancelled`.
		#[pallet::call_index(2)]
		#[pallet::weight(T::WeightInfo::cancel_upgrade())]
		pub fn cancel_upgrade(origin: OriginFor<T>) -> DispatchResult {
			T::CancelOrigin::ensure_origin(origin)?;
			let (code_hash, _) = Scheduled::<T>::get().ok_or(Error::<T>::NothingScheduled)?;
			// The task may have run already (the authorisation is then in `frame_system`).
			let _ = T::Scheduler::cancel_named(UPGRADE_TASK);

			// *** No fail beyond this point ***
			Scheduled::<T>::kill();
			Self::deposit_event(Event::UpgradeCancelled { code_hash });
			Ok(())
		}
	}

	#[pallet::hooks]
	impl<T: Config> Hooks<BlockNumberFor<T>> for Pallet<T> {
		/// Forgets the scheduled upgrade in the block after the scheduler dispatched it.
		fn on_initialize(n: BlockNumberFor<T>) -> Weight {
			match Scheduled::<T>::get() {
				Some((_, at)) if at < n => {
					Scheduled::<T>::kill();
					T::DbWeight::get().reads_writes(1, 1)
				},
				_ => T::DbWeight::get().reads(1),
			}
		}
	}
}
