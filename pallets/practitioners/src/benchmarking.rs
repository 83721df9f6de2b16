//! Benchmarks of every call, in their worst case: the longest names and lists, a holder with
//! as many licences as allowed, each from a different authority where the call reads the
//! licences' authorities (one authority read per licence), and governance's calls on a full
//! table of accreditations (every entry as large as allowed).

use super::*;
use crate::Pallet as Practitioners;
use alloc::{vec, vec::Vec};
use codec::Decode;
use frame_benchmarking::v2::*;
use frame_support::{
	traits::{fungible::Mutate, EnsureOrigin, Get, Time},
	BoundedVec,
};
use frame_system::RawOrigin;
use sp_runtime::traits::Bounded;
use telemed_primitives::{
	JurisdictionCode, LicenceId, PractitionerRole, SpecialtyCode, MAX_SPECIALTY_LEN,
};

/// Bounds a list the benchmarks built within its bound.
fn bounded<V, S: Get<u32>>(items: Vec<V>) -> BoundedVec<V, S> {
	items.try_into().ok().expect("built within the bound")
}

/// `n` distinct two-letter jurisdiction codes.
fn jurisdictions<T: Config>(n: u32) -> JurisdictionsOf<T> {
	bounded((0..n).map(code::<T>).collect())
}

/// Jurisdiction code number `i`: `AA`, `AB`, … (the registry's benchmark codes).
fn code<T: Config>(i: u32) -> JurisdictionCode {
	Practitioners::<T>::bench_licence_code(i)
}

/// Specialty code number `i` (from 1), of the longest allowed length.
fn specialty(i: u32) -> SpecialtyCode {
	let mut code = vec![b'9'; MAX_SPECIALTY_LEN as usize];
	let digits = alloc::format!("{}", i);
	let start = code.len() - digits.len();
	code[start..].copy_from_slice(digits.as_bytes());
	bounded(code)
}

/// `n` distinct specialty codes of the longest allowed length.
fn specialties<T: Config>(n: u32) -> SpecialtiesOf<T> {
	bounded((1..=n).map(specialty).collect())
}

/// `n` distinct roles (as many as there are, at most).
fn roles<T: Config>(n: u32) -> RolesOf<T> {
	bounded((0..n as u8).filter_map(|i| PractitionerRole::decode(&mut &[i][..]).ok()).collect())
}

fn name<T: Config>() -> NameOf<T> {
	bounded(vec![b'n'; T::MaxNameLength::get() as usize])
}

/// Account `index` of `name`, funded.
fn funded<T: Config>(name: &'static str, index: u32) -> T::AccountId {
	let who: T::AccountId = account(name, index, 0);
	// Enough for every deposit, and room for many funded accounts in the total issuance.
	T::Currency::set_balance(&who, BalanceOf::<T>::max_value() / 1024u32.into());
	who
}

/// An authority accredited for the most jurisdictions, `AA` among them.
fn authority<T: Config>() -> T::AccountId {
	let who: T::AccountId = account("authority", 0, 0);
	Practitioners::<T>::do_add_authority(
		who.clone(),
		name::<T>(),
		jurisdictions::<T>(T::MaxJurisdictionsPerAuthority::get()),
	)
	.expect("valid authority");
	who
}

/// A registered practitioner with the largest profile.
fn practitioner<T: Config>() -> T::AccountId {
	let who = funded::<T>("practitioner", 0);
	Practitioners::<T>::do_register(
		who.clone(),
		name::<T>(),
		roles::<T>(T::MaxRoles::get()),
		specialties::<T>(T::MaxSpecialties::get()),
		[7u8; 32],
	)
	.expect("valid practitioner");
	who
}

/// Issues `holder` licence number `i` (a distinct specialty each, so none is a duplicate).
fn licence<T: Config>(authority: &T::AccountId, holder: &T::AccountId, i: u32) -> LicenceId {
	issue::<T>(authority, code::<T>(0), holder, i)
}

/// Issues `holder` a licence in `jurisdiction` with specialty number `i + 1`.
fn issue<T: Config>(
	authority: &T::AccountId,
	jurisdiction: JurisdictionCode,
	holder: &T::AccountId,
	i: u32,
) -> LicenceId {
	Practitioners::<T>::do_issue_licence(
		authority.clone(),
		holder.clone(),
		LicenceTerms {
			jurisdiction,
			role: PractitionerRole::Physician,
			specialty: Some(specialty(i + 1)),
			number_commitment: [1u8; 32],
			evidence: [2u8; 32],
			valid_from: 0,
			expires_at: u64::MAX,
			emergency_care: true,
		},
	)
	.expect("valid licence")
	.id
}

/// Issues `holder` licence number `i` from authority number `i` (a distinct authority each,
/// accredited for a jurisdiction of its own) and returns the licence and its authority.
fn distinct_licence<T: Config>(holder: &T::AccountId, i: u32) -> (LicenceId, T::AccountId) {
	let (board, jurisdiction) = Practitioners::<T>::benchmark_authority(i);
	(issue::<T>(&board, jurisdiction, holder, i), board)
}

/// Fills `holder`'s list (and summary) with active licences from `authority` and returns the
/// first.
fn full_list<T: Config>(authority: &T::AccountId, holder: &T::AccountId) -> LicenceId {
	let first = licence::<T>(authority, holder, 0);
	for i in 1..T::MaxLicencesPerPractitioner::get() {
		licence::<T>(authority, holder, i);
	}
	first
}

#[benchmarks]
mod benchmarks {
	use super::*;

	#[benchmark]
	fn add_authority() -> Result<(), BenchmarkError> {
		let origin =
			T::GovernanceOrigin::try_successful_origin().map_err(|_| BenchmarkError::Weightless)?;
		let who: T::AccountId = account("authority", 0, 0);
		let js = jurisdictions::<T>(T::MaxJurisdictionsPerAuthority::get());
		Practitioners::<T>::bench_room_for_one_authority();

		#[extrinsic_call]
		_(origin as T::RuntimeOrigin, who.clone(), name::<T>(), js);

		assert!(Authorities::<T>::contains_key(&who));
		assert_eq!(Accreditations::<T>::decode_len(), Some(T::MaxAuthorities::get() as usize));
		Ok(())
	}

	#[benchmark]
	fn update_authority() -> Result<(), BenchmarkError> {
		let origin =
			T::GovernanceOrigin::try_successful_origin().map_err(|_| BenchmarkError::Weightless)?;
		Practitioners::<T>::bench_room_for_one_authority();
		let who = authority::<T>();
		let mut js = jurisdictions::<T>(T::MaxJurisdictionsPerAuthority::get()).into_inner();
		js.reverse();
		let js: JurisdictionsOf<T> = bounded(js);

		#[extrinsic_call]
		_(origin as T::RuntimeOrigin, who.clone(), name::<T>(), js);

		assert!(Authorities::<T>::contains_key(&who));
		Ok(())
	}

	#[benchmark]
	fn remove_authority() -> Result<(), BenchmarkError> {
		let origin =
			T::GovernanceOrigin::try_successful_origin().map_err(|_| BenchmarkError::Weightless)?;
		Practitioners::<T>::bench_room_for_one_authority();
		let who = authority::<T>();

		#[extrinsic_call]
		_(origin as T::RuntimeOrigin, who.clone());

		assert!(!Authorities::<T>::contains_key(&who));
		Ok(())
	}

	#[benchmark]
	fn register() {
		let who = funded::<T>("practitioner", 0);

		// The signer's account is read and written before the call (its nonce, its fee).
		frame_benchmarking::whitelist_account!(who);
		#[extrinsic_call]
		_(
			RawOrigin::Signed(who.clone()),
			name::<T>(),
			roles::<T>(T::MaxRoles::get()),
			specialties::<T>(T::MaxSpecialties::get()),
			[7u8; 32],
		);

		assert!(Practitioners::<T>::key_agreement_key_of(&who).is_some());
	}

	#[benchmark]
	fn update_profile() {
		let who = practitioner::<T>();
		let mut specs = specialties::<T>(T::MaxSpecialties::get()).into_inner();
		specs.reverse();
		let specs: SpecialtiesOf<T> = bounded(specs);

		// The signer's account is read and written before the call (its nonce, its fee).
		frame_benchmarking::whitelist_account!(who);
		#[extrinsic_call]
		_(RawOrigin::Signed(who.clone()), name::<T>(), roles::<T>(T::MaxRoles::get()), specs);

		assert!(Practitioners::<T>::key_agreement_key_of(&who).is_some());
	}

	#[benchmark]
	fn rotate_key_agreement_key() {
		let who = practitioner::<T>();

		// The signer's account is read and written before the call (its nonce, its fee).
		frame_benchmarking::whitelist_account!(who);
		#[extrinsic_call]
		_(RawOrigin::Signed(who.clone()), [8u8; 32]);

		assert_eq!(Practitioners::<T>::key_agreement_key_of(&who), Some([8u8; 32]));
	}

	/// `l`: how many ended licences go with the profile, each from a different authority,
	/// since withdrawn (so that the liveness check reads each one's authority).
	#[benchmark]
	fn deregister(l: Linear<0, { T::MaxLicencesPerPractitioner::get() }>) {
		let who = practitioner::<T>();
		for i in 0..l {
			let (_, board) = distinct_licence::<T>(&who, i);
			Practitioners::<T>::do_remove_authority(board).expect("accredited");
		}

		// The signer's account is read and written before the call (its nonce, its fee).
		frame_benchmarking::whitelist_account!(who);
		#[extrinsic_call]
		_(RawOrigin::Signed(who.clone()));

		assert!(Practitioners::<T>::key_agreement_key_of(&who).is_none());
		assert!(LicencesOf::<T>::get(&who).is_empty());
	}

	/// `l`: how many licences the holder has already (each is checked for a duplicate).
	#[benchmark]
	fn issue_licence(l: Linear<0, { T::MaxLicencesPerPractitioner::get() - 1 }>) {
		let board = authority::<T>();
		let who = practitioner::<T>();
		for i in 0..l {
			licence::<T>(&board, &who, i);
		}
		let specialty = Some(specialty(l + 1));

		// The signer's account is read and written before the call (its nonce, its fee).
		frame_benchmarking::whitelist_account!(board);
		#[extrinsic_call]
		_(
			RawOrigin::Signed(board),
			who.clone(),
			code::<T>(0),
			PractitionerRole::Physician,
			specialty,
			[1u8; 32],
			[2u8; 32],
			0,
			u64::MAX,
			true,
		);

		assert_eq!(LicencesOf::<T>::get(&who).len() as u32, l + 1);
	}

	/// The holder's list and summary are full: the licence's entry is the first rewritten.
	#[benchmark]
	fn renew_licence() {
		let board = authority::<T>();
		let who = practitioner::<T>();
		let id = full_list::<T>(&board, &who);
		let now = T::Time::now();
		Licences::<T>::mutate(id, |l| l.as_mut().expect("issued").expires_at = now + 1_000);

		// The signer's account is read and written before the call (its nonce, its fee).
		frame_benchmarking::whitelist_account!(board);
		#[extrinsic_call]
		_(RawOrigin::Signed(board), id, now + 2_000, Some([3u8; 32]));

		assert_eq!(Licences::<T>::get(id).map(|l| l.expires_at), Some(now + 2_000));
	}

	/// The holder's summary is full: the licence's entry, the first, goes.
	#[benchmark]
	fn suspend_licence() {
		let board = authority::<T>();
		let who = practitioner::<T>();
		let id = full_list::<T>(&board, &who);

		// The signer's account is read and written before the call (its nonce, its fee).
		frame_benchmarking::whitelist_account!(board);
		#[extrinsic_call]
		_(RawOrigin::Signed(board), id, [3u8; 32]);

		assert_eq!(Licences::<T>::get(id).map(|l| l.status), Some(LicenceStatus::Suspended));
	}

	/// The holder's summary is full but for this licence, which goes back first.
	#[benchmark]
	fn reinstate_licence() {
		let board = authority::<T>();
		let who = practitioner::<T>();
		let id = full_list::<T>(&board, &who);
		Practitioners::<T>::do_set_status(board.clone(), id, LicenceStatus::Suspended, [0u8; 32])
			.expect("suspendable");

		// The signer's account is read and written before the call (its nonce, its fee).
		frame_benchmarking::whitelist_account!(board);
		#[extrinsic_call]
		_(RawOrigin::Signed(board), id);

		assert_eq!(Licences::<T>::get(id).map(|l| l.status), Some(LicenceStatus::Active));
	}

	/// The holder's summary is full: the licence's entry, the first, goes.
	#[benchmark]
	fn revoke_licence() {
		let board = authority::<T>();
		let who = practitioner::<T>();
		let id = full_list::<T>(&board, &who);

		// The signer's account is read and written before the call (its nonce, its fee).
		frame_benchmarking::whitelist_account!(board);
		#[extrinsic_call]
		_(RawOrigin::Signed(board), id, [4u8; 32]);

		assert_eq!(Licences::<T>::get(id).map(|l| l.status), Some(LicenceStatus::Revoked));
	}

	/// The holder's list is full: removing the licence rewrites the longest list.
	#[benchmark]
	fn force_revoke_licence() -> Result<(), BenchmarkError> {
		let origin =
			T::GovernanceOrigin::try_successful_origin().map_err(|_| BenchmarkError::Weightless)?;
		let board = authority::<T>();
		let who = practitioner::<T>();
		let max = T::MaxLicencesPerPractitioner::get();
		for i in 0..max {
			licence::<T>(&board, &who, i);
		}
		let id = LicencesOf::<T>::get(&who)[0];

		#[extrinsic_call]
		_(origin as T::RuntimeOrigin, id, [4u8; 32]);

		assert!(Licences::<T>::get(id).is_none());
		assert_eq!(LicencesOf::<T>::get(&who).len() as u32, max - 1);
		Ok(())
	}

	/// `p`: how many of a full list's licences have ended and go. Each licence is from a
	/// different authority, and every licence's authority is read: the ended ones' authorities
	/// were withdrawn, the others are live.
	#[benchmark]
	fn prune_licences(p: Linear<1, { T::MaxLicencesPerPractitioner::get() }>) {
		let who = practitioner::<T>();
		let max = T::MaxLicencesPerPractitioner::get();
		for i in 0..max {
			let (_, board) = distinct_licence::<T>(&who, i);
			if i < p {
				Practitioners::<T>::do_remove_authority(board).expect("accredited");
			}
		}
		let caller: T::AccountId = whitelisted_caller();

		// The signer's account is read and written before the call (its nonce, its fee).
		frame_benchmarking::whitelist_account!(caller);
		#[extrinsic_call]
		_(RawOrigin::Signed(caller), who.clone());

		assert_eq!(LicencesOf::<T>::get(&who).len() as u32, max - p);
	}

	/// The holder's list is full: removing the licence rewrites the longest list.
	#[benchmark]
	fn surrender_licence() {
		let board = authority::<T>();
		let who = practitioner::<T>();
		let max = T::MaxLicencesPerPractitioner::get();
		for i in 0..max {
			licence::<T>(&board, &who, i);
		}
		let id = LicencesOf::<T>::get(&who)[0];

		// The signer's account is read and written before the call (its nonce, its fee).
		frame_benchmarking::whitelist_account!(who);
		#[extrinsic_call]
		_(RawOrigin::Signed(who.clone()), id);

		assert!(Licences::<T>::get(id).is_none());
		assert_eq!(LicencesOf::<T>::get(&who).len() as u32, max - 1);
	}

	/// One licence of the walk that follows an authority's withdrawal (`on_idle`): the walk's
	/// position read and written, the licence and its authority read, its holder reported to
	/// [`Config::LicenceRevocation`].
	#[benchmark]
	fn withdrawal_step() {
		let board = authority::<T>();
		let who = practitioner::<T>();
		let id = licence::<T>(&board, &who, 0);
		Practitioners::<T>::do_remove_authority(board).expect("accredited authority");
		WithdrawalSweep::<T>::put((id, id.saturating_add(1)));

		#[block]
		{
			Practitioners::<T>::sweep_withdrawn(frame_support::weights::Weight::MAX);
		}

		assert!(WithdrawalSweep::<T>::get().is_none());
	}

	impl_benchmark_test_suite!(Practitioners, crate::mock::new_test_ext(), crate::mock::Test);
}
