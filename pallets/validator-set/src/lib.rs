//! # Validator set
//!
//! The validators of a Telemed network, changed by governance.
//!
//! ## Overview
//!
//! `pallet-session` asks this pallet, as its `SessionManager`, for the validators of each new
//! session; their Aura and GRANDPA keys are the session keys each validator registered with
//! `session.setKeys` (after `author_rotateKeysWithOwner` on their node, which returns the keys
//! and the proof that they belong to the account). Governance adds and removes
//! validators; a change is handed to the session pallet at the next session change, which
//! queues it, and it is active from the session after (the session pallet always announces a
//! set one session ahead, so that GRANDPA can hand over).
//!
//! ## Terminology
//!
//! - **Validator**: an account whose node authors blocks (Aura) and votes on finality
//!   (GRANDPA).
//! - **Fault tolerance**: GRANDPA finalises while more than two thirds of the validators are
//!   honest and online: with `n` validators, `⌊(n − 1) / 3⌋` may fail (one of four, two of
//!   seven). Aura keeps producing blocks with fewer, but finality stalls below that.
//!
//! ## Pallet API
//!
//! [`Config::AddRemoveOrigin`]: [`Pallet::add_validator`], [`Pallet::remove_validator`].

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

/// Benchmarks only: registers session keys for an account, so that it may become a validator.
#[cfg(feature = "runtime-benchmarks")]
pub trait BenchmarkHelper<AccountId> {
	/// Gives `who` session keys.
	fn register_keys(who: &AccountId);
}

#[frame_support::pallet]
pub mod pallet {
	use super::*;
	use alloc::vec::Vec;
	use frame_support::{pallet_prelude::*, traits::ValidatorRegistration};
	use frame_system::pallet_prelude::*;

	/// The in-code storage version.
	const STORAGE_VERSION: StorageVersion = StorageVersion::new(1);

	#[pallet::pallet]
	#[pallet::storage_version(STORAGE_VERSION)]
	pub struct Pallet<T>(_);

	/// Configuration of the validator-set pallet.
	#[pallet::config]
	pub trait Config: frame_system::Config<RuntimeEvent: From<Event<Self>>> {
		/// Adds and removes validators: governance.
		type AddRemoveOrigin: EnsureOrigin<Self::RuntimeOrigin>;

		/// Whether an account has registered session keys (the session pallet).
		type ValidatorRegistration: ValidatorRegistration<Self::AccountId>;

		/// The most validators there may be.
		#[pallet::constant]
		type MaxValidators: Get<u32>;

		/// The fewest validators there may be (at least one).
		#[pallet::constant]
		type MinValidators: Get<u32>;

		/// Weights of the calls, from the benchmarks.
		type WeightInfo: WeightInfo;

		/// Registers session keys in benchmarks.
		#[cfg(feature = "runtime-benchmarks")]
		type BenchmarkHelper: BenchmarkHelper<Self::AccountId>;
	}

	/// The validators, sorted: the set the next session change hands to the session pallet.
	#[pallet::storage]
	pub type Validators<T: Config> =
		StorageValue<_, BoundedVec<T::AccountId, T::MaxValidators>, ValueQuery>;

	/// Whether the set changed since it was last handed to the session pallet.
	#[pallet::storage]
	pub type Changed<T> = StorageValue<_, bool, ValueQuery>;

	/// The validators at genesis.
	#[pallet::genesis_config]
	#[derive(frame_support::DefaultNoBound)]
	pub struct GenesisConfig<T: Config> {
		/// The initial validators (they also need session keys in the session pallet's
		/// genesis).
		pub validators: Vec<T::AccountId>,
	}

	#[pallet::genesis_build]
	impl<T: Config> BuildGenesisConfig for GenesisConfig<T> {
		fn build(&self) {
			let mut validators = self.validators.clone();
			validators.sort();
			validators.dedup();
			// An empty set leaves the first sessions to the session pallet's genesis keys.
			assert!(
				validators.is_empty() || validators.len() as u32 >= T::MinValidators::get().max(1),
				"genesis needs at least MinValidators validators"
			);
			let validators: BoundedVec<_, _> =
				validators.try_into().expect("genesis validators exceed MaxValidators");
			Validators::<T>::put(validators);
		}
	}

	/// Events of the validator-set pallet.
	#[pallet::event]
	#[pallet::generate_deposit(pub(super) fn deposit_event)]
	pub enum Event<T: Config> {
		/// A validator was added; it takes part from the session after next.
		ValidatorAdded {
			/// The validator.
			validator: T::AccountId,
		},
		/// A validator was removed; it stops from the session after next.
		ValidatorRemoved {
			/// The validator.
			validator: T::AccountId,
		},
	}

	/// Errors of the validator-set pallet.
	#[pallet::error]
	pub enum Error<T> {
		/// The account is a validator already.
		AlreadyValidator,
		/// The account is not a validator.
		NotValidator,
		/// The account has not registered session keys (`session.setKeys`).
		NoSessionKeys,
		/// There are `MaxValidators` validators.
		TooManyValidators,
		/// Removing it would leave fewer than `MinValidators` (never none).
		TooFewValidators,
	}

	#[pallet::hooks]
	impl<T: Config> Hooks<BlockNumberFor<T>> for Pallet<T> {
		#[cfg(feature = "try-runtime")]
		fn try_state(_n: BlockNumberFor<T>) -> Result<(), sp_runtime::TryRuntimeError> {
			Self::do_try_state()
		}
	}

	#[pallet::call]
	impl<T: Config> Pallet<T> {
		/// Adds `validator`, who must have registered session keys.
		///
		/// Origin: [`Config::AddRemoveOrigin`].
		///
		/// # Errors
		/// - `AlreadyValidator`; `NoSessionKeys`; `TooManyValidators`.
		///
		/// # Events
		/// `ValidatorAdded`.
		#[pallet::call_index(0)]
		#[pallet::weight(T::WeightInfo::add_validator(T::MaxValidators::get()))]
		pub fn add_validator(origin: OriginFor<T>, validator: T::AccountId) -> DispatchResult {
			T::AddRemoveOrigin::ensure_origin(origin)?;
			let mut validators = Validators::<T>::get();
			let Err(at) = validators.binary_search(&validator) else {
				return Err(Error::<T>::AlreadyValidator.into());
			};
			ensure!(T::ValidatorRegistration::is_registered(&validator), Error::<T>::NoSessionKeys);
			validators
				.try_insert(at, validator.clone())
				.map_err(|_| Error::<T>::TooManyValidators)?;

			// *** No fail beyond this point ***
			Validators::<T>::put(validators);
			Changed::<T>::put(true);
			Self::deposit_event(Event::ValidatorAdded { validator });
			Ok(())
		}

		/// Removes `validator`.
		///
		/// Origin: [`Config::AddRemoveOrigin`].
		///
		/// # Errors
		/// - `NotValidator`; `TooFewValidators`.
		///
		/// # Events
		/// `ValidatorRemoved`.
		#[pallet::call_index(1)]
		#[pallet::weight(T::WeightInfo::remove_validator(T::MaxValidators::get()))]
		pub fn remove_validator(origin: OriginFor<T>, validator: T::AccountId) -> DispatchResult {
			T::AddRemoveOrigin::ensure_origin(origin)?;
			let mut validators = Validators::<T>::get();
			let at = validators.binary_search(&validator).map_err(|_| Error::<T>::NotValidator)?;
			let left = validators.len().saturating_sub(1) as u32;
			ensure!(left >= T::MinValidators::get().max(1), Error::<T>::TooFewValidators);

			// *** No fail beyond this point ***
			validators.remove(at);
			Validators::<T>::put(validators);
			Changed::<T>::put(true);
			Self::deposit_event(Event::ValidatorRemoved { validator });
			Ok(())
		}
	}

	impl<T: Config> Pallet<T> {
		/// The invariants: the set is sorted, without duplicates, within the bounds.
		pub fn do_try_state() -> Result<(), sp_runtime::TryRuntimeError> {
			let validators = Validators::<T>::get();
			ensure!(validators.windows(2).all(|w| w[0] < w[1]), "validators sorted, unique");
			ensure!(
				validators.is_empty() || validators.len() as u32 >= T::MinValidators::get().max(1),
				"fewer than MinValidators"
			);
			Ok(())
		}
	}

	impl<T: Config> pallet_session::SessionManager<T::AccountId> for Pallet<T> {
		fn new_session(_index: u32) -> Option<Vec<T::AccountId>> {
			Changed::<T>::take().then(|| Validators::<T>::get().into_inner())
		}

		fn new_session_genesis(_index: u32) -> Option<Vec<T::AccountId>> {
			let validators = Validators::<T>::get();
			(!validators.is_empty()).then(|| validators.into_inner())
		}

		fn end_session(_index: u32) {}

		fn start_session(_index: u32) {}
	}
}
