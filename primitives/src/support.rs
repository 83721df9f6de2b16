//! Helpers the pallets share: key checks, sets as stored, and the holds check of `try_state`.

use crate::KeyAgreementKey;
use alloc::vec::Vec;
use frame_support::{traits::Get, BoundedVec};

/// Whether `key` is an X25519 public key that data keys may be sealed to: its canonical
/// encoding (the top bit clear, the u-coordinate below p = 2^255 - 19) and not one of the
/// points of small order (u = 0, 1, p - 1 and the two of order 8). Sealing to a small-order
/// point gives a shared secret an observer can guess, so the chain refuses such keys.
pub fn is_valid_key_agreement_key(key: &KeyAgreementKey) -> bool {
	/// The u-coordinates of the points of small order, little-endian (libsodium's list, the
	/// canonical ones).
	const SMALL_ORDER: [[u8; 32]; 5] = [
		// 0 (order 4)
		[0; 32],
		// 1 (order 1)
		[
			1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
			0, 0, 0,
		],
		// 325606250916557431795983626356110631294008115727848805560023387167927233504 (order 8)
		[
			0xe0, 0xeb, 0x7a, 0x7c, 0x3b, 0x41, 0xb8, 0xae, 0x16, 0x56, 0xe3, 0xfa, 0xf1, 0x9f,
			0xc4, 0x6a, 0xda, 0x09, 0x8d, 0xeb, 0x9c, 0x32, 0xb1, 0xfd, 0x86, 0x62, 0x05, 0x16,
			0x5f, 0x49, 0xb8, 0x00,
		],
		// 39382357235489614581723060781553021112529911719440698176882885853963445705823 (order 8)
		[
			0x5f, 0x9c, 0x95, 0xbc, 0xa3, 0x50, 0x8c, 0x24, 0xb1, 0xd0, 0xb1, 0x55, 0x9c, 0x83,
			0xef, 0x5b, 0x04, 0x44, 0x5c, 0xc4, 0x58, 0x1c, 0x8e, 0x86, 0xd8, 0x22, 0x4e, 0xdd,
			0xd0, 0x9f, 0x11, 0x57,
		],
		// p - 1 (order 2)
		[
			0xec, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
			0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
			0xff, 0xff, 0xff, 0x7f,
		],
	];
	// Canonical: top bit clear and, read little-endian, below p = 2^255 - 19, whose encoding
	// is 0xed, then thirty 0xff, then 0x7f. Compare from the most significant byte down.
	const P: [u8; 32] = [
		0xed, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
		0xff, 0x7f,
	];
	let below_p =
		key.iter().rev().zip(P.iter().rev()).find(|(k, p)| k != p).map_or(false, |(k, p)| k < p);
	below_p && !SMALL_ORDER.contains(key)
}

/// Why a list could not become a set ([`sorted_set`]).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum SetError {
	/// More items than the bound.
	TooMany,
	/// An item is listed twice.
	Duplicate,
}

/// A call's list as stored: sorted (so lookups can binary-search), without duplicates, within
/// the bound `S`. The pallets map the error to their own.
pub fn sorted_set<V: Ord, S: Get<u32>>(mut items: Vec<V>) -> Result<BoundedVec<V, S>, SetError> {
	if items.len() > S::get() as usize {
		return Err(SetError::TooMany);
	}
	items.sort();
	if items.windows(2).any(|w| w[0] == w[1]) {
		return Err(SetError::Duplicate);
	}
	items.try_into().map_err(|_| SetError::TooMany)
}

/// For `try_state`: what each account has on hold under each of `reasons` equals what the
/// pallet's records say. `expected` is keyed by account and the reason's index in `reasons`;
/// a missing entry means nothing held.
pub fn check_holds<AccountId, C, R>(
	expected: &alloc::collections::btree_map::BTreeMap<(AccountId, u8), C::Balance>,
	reasons: &[R],
) -> Result<(), &'static str>
where
	AccountId: Ord + Clone,
	C: frame_support::traits::fungible::InspectHold<AccountId>,
	R: Copy + Into<C::Reason>,
{
	let mut accounts: Vec<&AccountId> = expected.keys().map(|(who, _)| who).collect();
	accounts.dedup();
	for who in accounts {
		for (index, reason) in reasons.iter().enumerate() {
			let wanted = expected.get(&(who.clone(), index as u8)).copied().unwrap_or_default();
			if C::balance_on_hold(&(*reason).into(), who) != wanted {
				return Err("held deposits differ from the pallet's records");
			}
		}
	}
	Ok(())
}

#[cfg(test)]
mod tests {
	use super::*;
	use frame_support::traits::ConstU32;

	#[test]
	fn sorted_set_sorts_bounds_and_refuses_duplicates() {
		assert_eq!(sorted_set::<u8, ConstU32<3>>(vec![3, 1, 2]).unwrap().to_vec(), vec![1, 2, 3]);
		assert_eq!(sorted_set::<u8, ConstU32<2>>(vec![3, 1, 2]), Err(SetError::TooMany));
		assert_eq!(sorted_set::<u8, ConstU32<3>>(vec![1, 2, 1]), Err(SetError::Duplicate));
	}

	#[test]
	fn key_agreement_keys_refuse_small_order_and_non_canonical_points() {
		// The public key of the documented dev secret sha256("telemed dev key agreement //Bob")
		// is an ordinary point; so is 9, the base point.
		let mut base = [0u8; 32];
		base[0] = 9;
		assert!(is_valid_key_agreement_key(&base));
		assert!(is_valid_key_agreement_key(&[0x42; 32]));
		// Small order: 0, 1, p - 1 and the two points of order 8.
		assert!(!is_valid_key_agreement_key(&[0; 32]));
		let mut one = [0u8; 32];
		one[0] = 1;
		assert!(!is_valid_key_agreement_key(&one));
		let mut p_minus_1 = [0xff; 32];
		p_minus_1[0] = 0xec;
		p_minus_1[31] = 0x7f;
		assert!(!is_valid_key_agreement_key(&p_minus_1));
		let order8: [u8; 32] = [
			0xe0, 0xeb, 0x7a, 0x7c, 0x3b, 0x41, 0xb8, 0xae, 0x16, 0x56, 0xe3, 0xfa, 0xf1, 0x9f,
			0xc4, 0x6a, 0xda, 0x09, 0x8d, 0xeb, 0x9c, 0x32, 0xb1, 0xfd, 0x86, 0x62, 0x05, 0x16,
			0x5f, 0x49, 0xb8, 0x00,
		];
		assert!(!is_valid_key_agreement_key(&order8));
		// Non-canonical: p, p + 1 (which X25519 reads as 0 and 1), anything with the top bit.
		let mut p = p_minus_1;
		p[0] = 0xed;
		assert!(!is_valid_key_agreement_key(&p));
		p[0] = 0xee;
		assert!(!is_valid_key_agreement_key(&p));
		let mut high = base;
		high[31] = 0x80;
		assert!(!is_valid_key_agreement_key(&high));
		assert!(!is_valid_key_agreement_key(&[0xff; 32]));
		// Just below p - 1 is fine.
		let mut below = p_minus_1;
		below[0] = 0xeb;
		assert!(is_valid_key_agreement_key(&below));
	}
}
