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
//! [`Config::FastTrackOrigin`] (the technical committee) may end the timelock early for an
//! urgent fix, but only for the hash the council scheduled: it never names new code.
//!
//! ## Terminology
//!
//! - *Scheduled*: the council's decision, waiting out the timelock ([`Scheduled`]).
//! - *Authorised*: `frame_system` accepts the code with this hash
//!   (`frame_system::AuthorizedUpgrade`). An authorisation this pallet gave is remembered in
//!   [`Authorized`] with the block it expires at, until it expires or is cancelled.
//! - *Authorisation window*: [`Config::AuthorizationWindow`]; an authorisation nobody applies
//!   within it is withdrawn in `on_initialize`, so that a forgotten decision cannot be acted on
//!   long after the fact.
//!
//! ## Pallet API
//!
//! [`Pallet::schedule_upgrade`], [`Pallet::fast_track_upgrade`], [`Pallet::cancel_upgrade`].
//!
//! [`Config::CancelOrigin`] cancels whatever this pallet has put in motion and not yet seen
//! applied: the scheduled task, and the authorisation in `frame_system` if it is still the one
//! this pallet gave (also in the block the scheduler gave it and after a fast track). A cancel
//! that would change nothing fails with [`Error::NothingScheduled`].

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

/// `frame_system`'s storage that `frame_system` does not let another pallet write.
mod system_storage {
	use frame_support::pallet_prelude::OptionQuery;

	/// `frame_system::AuthorizedUpgrade`: `CodeUpgradeAuthorization { code_hash, check_version }`
	/// is encoded as this pair. `frame_system` exposes only a getter, whose `code_hash()` exists
	/// only in `std` builds; withdrawing an authorisation needs the write.
	#[frame_support::storage_alias(pallet_name)]
	pub type AuthorizedUpgrade<T: frame_system::Config> = StorageValue<
		frame_system::Pallet<T>,
		(<T as frame_system::Config>::Hash, bool),
		OptionQuery,
	>;
}

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
	use sp_runtime::traits::{Dispatchable, One, Saturating, Zero};

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

		/// Ends the timelock of the scheduled upgrade at once: the technical committee.
		type FastTrackOrigin: EnsureOrigin<Self::RuntimeOrigin>;

		/// Cancels a scheduled upgrade, or withdraws an authorisation not yet applied.
		type CancelOrigin: EnsureOrigin<Self::RuntimeOrigin>;

		/// The timelock, in blocks.
		#[pallet::constant]
		type UpgradeDelay: Get<BlockNumberFor<Self>>;

		/// How many blocks an authorisation this pallet gave stays valid if nobody applies it
		/// (at least 1). Counted from the block it was given: valid in that block and the
		/// `AuthorizationWindow - 1` after it, withdrawn in `on_initialize` of the next.
		#[pallet::constant]
		type AuthorizationWindow: Get<BlockNumberFor<Self>>;

		/// Weights of the calls, from the benchmarks.
		type WeightInfo: WeightInfo;
	}

	/// The upgrade waiting out its timelock: its code hash and when it will be authorised.
	/// Cleared in `on_initialize` of the first block after `at` in which the scheduler's task
	/// is no longer pending (normally `at + 1`), or by a fast track or a cancel.
	#[pallet::storage]
	pub type Scheduled<T: Config> = StorageValue<_, (T::Hash, BlockNumberFor<T>), OptionQuery>;

	/// The last authorisation this pallet gave: its code hash and the block in which it
	/// expires (from which `frame_system` no longer holds it, if nobody applied it before).
	/// Exists so that a cancel can withdraw an authorisation after the scheduler gave it, and
	/// so that an authorisation nobody applies does not stay valid forever. Applying the code
	/// does not clear it (`frame_system` then holds nothing): it is cleared at expiry.
	#[pallet::storage]
	pub type Authorized<T: Config> = StorageValue<_, (T::Hash, BlockNumberFor<T>), OptionQuery>;

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
		/// The scheduled upgrade was authorised at once; the code may be applied now.
		UpgradeFastTracked {
			/// The code's hash.
			code_hash: T::Hash,
		},
		/// The scheduled upgrade was cancelled, or its authorisation withdrawn.
		UpgradeCancelled {
			/// The code's hash.
			code_hash: T::Hash,
		},
		/// An authorisation this pallet gave is in force (the scheduler gave it, or a fast
		/// track): the code may be applied until block `expires_at` (excluded).
		UpgradeAuthorized {
			/// The code's hash.
			code_hash: T::Hash,
			/// The first block in which the authorisation is no longer valid.
			expires_at: BlockNumberFor<T>,
		},
		/// Nobody applied the code within [`Config::AuthorizationWindow`]: the authorisation
		/// was withdrawn.
		UpgradeAuthorizationExpired {
			/// The code's hash.
			code_hash: T::Hash,
		},
	}

	/// Errors of the upgrades pallet.
	#[pallet::error]
	pub enum Error<T> {
		/// An upgrade is scheduled already: cancel it first.
		AlreadyScheduled,
		/// No upgrade is scheduled (for a cancel: and no authorisation this pallet gave is
		/// waiting to be applied).
		NothingScheduled,
		/// The scheduler refused the task.
		SchedulerFailed,
		/// A fast track names a hash other than the scheduled one: the technical committee may
		/// only shorten the timelock of the code the council chose.
		NotTheScheduledUpgrade,
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

		/// Ends the timelock of the scheduled upgrade: authorises its code at once (with the
		/// version check) and cancels the scheduled task. It never authorises other code:
		/// `code_hash` must be the scheduled hash (so that a motion voted for one hash cannot
		/// fast-track another one the council scheduled in the meantime).
		///
		/// Origin: [`Config::FastTrackOrigin`].
		///
		/// # Errors
		/// - `NothingScheduled`: no upgrade is scheduled.
		/// - `NotTheScheduledUpgrade`: `code_hash` is not the scheduled hash.
		///
		/// # Events
		/// `UpgradeFastTracked`, `UpgradeAuthorized`.
		#[pallet::call_index(1)]
		#[pallet::weight(T::WeightInfo::fast_track_upgrade())]
		pub fn fast_track_upgrade(origin: OriginFor<T>, code_hash: T::Hash) -> DispatchResult {
			T::FastTrackOrigin::ensure_origin(origin)?;
			let (scheduled, _) = Scheduled::<T>::get().ok_or(Error::<T>::NothingScheduled)?;
			ensure!(scheduled == code_hash, Error::<T>::NotTheScheduledUpgrade);
			// The task may have run already (in block `at`): nothing to cancel then.
			let _ = T::Scheduler::cancel_named(UPGRADE_TASK);

			// *** No fail beyond this point ***
			Scheduled::<T>::kill();
			Self::deposit_event(Event::UpgradeFastTracked { code_hash });
			frame_system::Pallet::<T>::do_authorize_upgrade(code_hash, true);
			Self::note_authorized(code_hash, frame_system::Pallet::<T>::block_number());
			Ok(())
		}

		/// Cancels what this pallet put in motion and nobody applied yet: the scheduled task,
		/// and the authorisation in `frame_system` if it is one this pallet gave (the scheduled
		/// hash, which the scheduler may have authorised in this very block, or the hash in
		/// [`Authorized`]); it is withdrawn, so `system.apply_authorized_upgrade` fails after.
		///
		/// Origin: [`Config::CancelOrigin`].
		///
		/// # Errors
		/// - `NothingScheduled`: nothing is scheduled and `frame_system` holds no authorisation
		///   this pallet gave (it was applied, expired, replaced or never given).
		///
		/// # Events
		/// `UpgradeCancelled` for the scheduled hash and for a withdrawn authorisation of
		/// another hash.
		#[pallet::call_index(2)]
		#[pallet::weight(T::WeightInfo::cancel_upgrade())]
		pub fn cancel_upgrade(origin: OriginFor<T>) -> DispatchResult {
			T::CancelOrigin::ensure_origin(origin)?;
			let scheduled = Scheduled::<T>::get().map(|(code_hash, _)| code_hash);
			let ours = Authorized::<T>::get().map(|(code_hash, _)| code_hash);
			let live = Self::authorized_in_system()
				.filter(|code_hash| Some(*code_hash) == scheduled || Some(*code_hash) == ours);
			ensure!(scheduled.is_some() || live.is_some(), Error::<T>::NothingScheduled);
			// The task may have run already (the authorisation is then `live`).
			let _ = T::Scheduler::cancel_named(UPGRADE_TASK);

			// *** No fail beyond this point ***
			Scheduled::<T>::kill();
			Authorized::<T>::kill();
			if live.is_some() {
				system_storage::AuthorizedUpgrade::<T>::kill();
			}
			if let Some(code_hash) = scheduled {
				Self::deposit_event(Event::UpgradeCancelled { code_hash });
			}
			if let Some(code_hash) = live.filter(|code_hash| Some(*code_hash) != scheduled) {
				Self::deposit_event(Event::UpgradeCancelled { code_hash });
			}
			Ok(())
		}
	}

	#[pallet::hooks]
	impl<T: Config> Hooks<BlockNumberFor<T>> for Pallet<T> {
		/// Once the scheduler has dispatched the scheduled authorisation (it runs before this
		/// pallet, in block `at`), forgets the schedule and remembers the authorisation in
		/// [`Authorized`], expiring [`Config::AuthorizationWindow`] blocks after block `at` (or
		/// after the block before this one, if the scheduler had postponed the task). Withdraws
		/// an authorisation of this pallet's that reaches its expiry unapplied, unless
		/// `frame_system` holds another one by then.
		fn on_initialize(n: BlockNumberFor<T>) -> Weight {
			let db = T::DbWeight::get();
			// `Scheduled` and `Authorized`.
			let mut weight = db.reads(2);
			if let Some((code_hash, at)) = Scheduled::<T>::get().filter(|(_, at)| *at < n) {
				// The scheduler's `Lookup` and `Agenda`.
				weight.saturating_accrue(db.reads(2));
				if T::Scheduler::next_dispatch_time(UPGRADE_TASK).is_err() {
					// `AuthorizedUpgrade` read; `Scheduled` and `Authorized` written.
					weight.saturating_accrue(db.reads_writes(1, 2));
					Scheduled::<T>::kill();
					if Self::authorized_in_system() == Some(code_hash) {
						let given = n.saturating_sub(One::one()).max(at);
						Self::note_authorized(code_hash, given);
					}
				}
			}
			if let Some((code_hash, _)) =
				Authorized::<T>::get().filter(|(_, expires_at)| *expires_at <= n)
			{
				// `AuthorizedUpgrade` read and maybe removed; `Authorized` removed.
				weight.saturating_accrue(db.reads_writes(1, 2));
				Authorized::<T>::kill();
				if Self::authorized_in_system() == Some(code_hash) {
					system_storage::AuthorizedUpgrade::<T>::kill();
					Self::deposit_event(Event::UpgradeAuthorizationExpired { code_hash });
				}
			}
			weight
		}

		fn integrity_test() {
			assert!(
				!T::AuthorizationWindow::get().is_zero(),
				"an authorisation must be valid for at least one block"
			);
		}

		#[cfg(feature = "try-runtime")]
		fn try_state(n: BlockNumberFor<T>) -> Result<(), sp_runtime::TryRuntimeError> {
			Self::do_try_state(n)
		}
	}

	impl<T: Config> Pallet<T> {
		/// The code hash `frame_system` would accept now, if any.
		pub fn authorized_in_system() -> Option<T::Hash> {
			system_storage::AuthorizedUpgrade::<T>::get().map(|(code_hash, _)| code_hash)
		}

		/// Remembers that this pallet's authorisation of `code_hash` was given in block
		/// `given`: it expires [`Config::AuthorizationWindow`] blocks later.
		fn note_authorized(code_hash: T::Hash, given: BlockNumberFor<T>) {
			let expires_at = given.saturating_add(T::AuthorizationWindow::get());
			Authorized::<T>::put((code_hash, expires_at));
			Self::deposit_event(Event::UpgradeAuthorized { code_hash, expires_at });
		}

		/// Invariants, after `on_initialize(n)`: a recorded authorisation has not expired and
		/// expires within the window; a schedule whose block has passed still has its task
		/// pending (the scheduler postponed it).
		pub fn do_try_state(n: BlockNumberFor<T>) -> Result<(), sp_runtime::TryRuntimeError> {
			if let Some((_, expires_at)) = Authorized::<T>::get() {
				ensure!(expires_at > n, "an expired authorisation is still recorded");
				ensure!(
					expires_at <= n.saturating_add(T::AuthorizationWindow::get()),
					"an authorisation expires later than the window allows"
				);
			}
			if let Some((_, at)) = Scheduled::<T>::get() {
				ensure!(
					at >= n || T::Scheduler::next_dispatch_time(UPGRADE_TASK).is_ok(),
					"a schedule whose task has run is still recorded"
				);
			}
			Ok(())
		}
	}
}
