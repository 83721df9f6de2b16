//! The pallet's invariants, checked by `try_state` (and after every unit test).

use crate::{pallet::*, HOLD_REASONS};
use alloc::collections::btree_map::BTreeMap;
use frame_support::{ensure, traits::Get};
use sp_runtime::traits::{Saturating, Zero};

impl<T: Config> Pallet<T> {
	/// What this pallet should hold from each account, by reason (its index into
	/// [`HOLD_REASONS`], as [`telemed_primitives::check_holds`] takes it), according to its
	/// storage: the deposit of each open prescription, from its prescriber. An account missing
	/// from the map should hold nothing.
	pub fn expected_holds() -> BTreeMap<(T::AccountId, u8), BalanceOf<T>> {
		let mut holds: BTreeMap<(T::AccountId, u8), BalanceOf<T>> = BTreeMap::new();
		// One reason: its index is 0.
		let index = HOLD_REASONS
			.iter()
			.position(|r| *r == HoldReason::PrescriptionDeposit)
			.unwrap_or_default() as u8;
		for (_, p) in Prescriptions::<T>::iter() {
			let e = holds.entry((p.prescriber.clone(), index)).or_insert_with(Zero::zero);
			*e = e.saturating_add(p.deposit);
		}
		holds
	}

	/// The pallet's invariants:
	/// - every open prescription's fills never exceed what it allows (nor `MaxFills`); the
	///   fills carried from earlier versions are at most the fills made; it names exactly one
	///   secret hash per fill of its version, all distinct; one secret was spent per fill;
	///   a prescription with fills made has the time of the last one; it is below
	///   `NextPrescriptionId` and was superseded by none still open;
	/// - [`PrescriptionsOf`] lists exactly the open prescriptions, each once, under their
	///   patient, and no empty list is kept;
	/// - [`OpenOfPrescriber`] counts each prescriber's open prescriptions, and keeps no zero;
	///   [`RevokedPrescribers`] names only prescribers with open prescriptions;
	/// - what each account has on hold is what [`Self::expected_holds`] computes: the deposits
	///   of the open prescriptions.
	pub fn do_try_state() -> Result<(), sp_runtime::TryRuntimeError> {
		let next = NextPrescriptionId::<T>::get();
		let mut per_prescriber: BTreeMap<T::AccountId, u32> = BTreeMap::new();
		let mut open = 0usize;
		for (id, p) in Prescriptions::<T>::iter() {
			open += 1;
			ensure!(id < next, "prescription id not below NextPrescriptionId");
			ensure!(p.fills_allowed > 0, "a prescription without fills");
			ensure!(p.fills_allowed <= T::MaxFills::get(), "more fills allowed than MaxFills");
			ensure!(p.fills_used < p.fills_allowed, "an open prescription fully filled");
			ensure!(p.carried <= p.fills_used, "more fills carried than made");
			ensure!(
				p.dispense_hashes.len() as u32 == p.fills_allowed - p.carried,
				"secret hashes do not match the fills of the version"
			);
			ensure!(p.spent.len() as u32 == p.fills_used, "one spent secret per fill");
			ensure!(p.last_fill_at.is_some() == (p.fills_used > 0), "time of the last fill");
			let mut hashes = p.dispense_hashes.to_vec();
			hashes.sort_unstable();
			ensure!(hashes.windows(2).all(|w| w[0] != w[1]), "a secret hash named twice");
			if let Some(previous) = p.previous {
				ensure!(previous < id, "a version supersedes a later one");
				ensure!(
					!Prescriptions::<T>::contains_key(previous),
					"a superseded version is still open"
				);
			}
			let listed =
				PrescriptionsOf::<T>::get(&p.patient).iter().filter(|other| **other == id).count();
			ensure!(listed == 1, "open prescription not listed once by its patient");
			let count = per_prescriber.entry(p.prescriber.clone()).or_default();
			*count = count.saturating_add(1);
		}
		let mut listed = 0usize;
		for (patient, ids) in PrescriptionsOf::<T>::iter() {
			ensure!(!ids.is_empty(), "an empty list kept");
			for id in ids.iter() {
				let p = Prescriptions::<T>::get(id).ok_or("a listed prescription is not open")?;
				ensure!(p.patient == patient, "a prescription listed under another patient");
			}
			listed += ids.len();
		}
		ensure!(listed == open, "open prescriptions listed");
		ensure!(
			OpenOfPrescriber::<T>::iter().count() == per_prescriber.len(),
			"a prescriber counted without open prescriptions"
		);
		for (prescriber, count) in per_prescriber.iter() {
			ensure!(
				OpenOfPrescriber::<T>::get(prescriber) == *count,
				"a prescriber's open prescriptions miscounted"
			);
		}
		for prescriber in RevokedPrescribers::<T>::iter_keys() {
			ensure!(
				per_prescriber.contains_key(&prescriber),
				"a revocation noted for a prescriber without open prescriptions"
			);
		}
		telemed_primitives::check_holds::<_, T::Currency, _>(
			&Self::expected_holds(),
			&HOLD_REASONS,
		)?;
		Ok(())
	}
}
