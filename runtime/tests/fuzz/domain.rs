//! The fuzzer's randomness and the small domains its arguments are drawn from: a seeded PRNG
//! (SplitMix64: no crypto needed, the same seed gives the same sequence), the accounts that
//! sign, ids near those in use, a handful of hashes, keys and instants, and bounded vectors at
//! and below their bounds. Small domains make calls hit existing state (the record just added,
//! the consent just granted) instead of failing on an unknown id.

use frame_support::traits::Get;
use sp_keyring::Sr25519Keyring;
use sp_runtime::BoundedVec;
use telemed_primitives::{AccessAction, PractitionerRole, PurposeOfUse};
use telemed_runtime::AccountId;

/// A small, fast, seeded PRNG (SplitMix64).
pub struct Rng(u64);

impl Rng {
	pub fn new(seed: u64) -> Self {
		Self(seed)
	}

	pub fn next_u64(&mut self) -> u64 {
		self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
		let mut z = self.0;
		z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
		z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
		z ^ (z >> 31)
	}

	/// A number in `0..n` (`0` when `n` is `0`).
	pub fn below(&mut self, n: u64) -> u64 {
		if n == 0 {
			0
		} else {
			self.next_u64() % n
		}
	}

	/// `true` with probability `percent` / 100.
	pub fn chance(&mut self, percent: u64) -> bool {
		self.below(100) < percent
	}

	/// One of `items` (which must not be empty).
	pub fn pick<T: Clone>(&mut self, items: &[T]) -> T {
		items[self.below(items.len() as u64) as usize].clone()
	}
}

/// Who signs: the development accounts with their roles on the `development` chain after the
/// fuzzer's prologue, and one account that holds nothing (its transactions cannot pay).
pub const SIGNERS: [Sr25519Keyring; 9] = [
	// Sudo, council, technical committee, validator.
	Sr25519Keyring::Alice,
	// Licensed physician (genesis), council, technical committee.
	Sr25519Keyring::Bob,
	// Patient, council.
	Sr25519Keyring::Charlie,
	// Insurer.
	Sr25519Keyring::Dave,
	// Licensed nurse (prologue), has session keys.
	Sr25519Keyring::Eve,
	// Licensing authority (genesis).
	Sr25519Keyring::Ferdie,
	// Patient.
	Sr25519Keyring::AliceStash,
	// A wearable device, a delegate.
	Sr25519Keyring::FerdieStash,
	// Holds nothing.
	Sr25519Keyring::One,
];

/// The council at genesis.
pub const COUNCIL: [Sr25519Keyring; 3] =
	[Sr25519Keyring::Alice, Sr25519Keyring::Bob, Sr25519Keyring::Charlie];
/// The technical committee at genesis.
pub const TECHNICAL: [Sr25519Keyring; 2] = [Sr25519Keyring::Alice, Sr25519Keyring::Bob];
/// Registered patients (prologue).
pub const PATIENTS: [Sr25519Keyring; 2] = [Sr25519Keyring::Charlie, Sr25519Keyring::AliceStash];
/// Registered practitioners (genesis and prologue).
pub const PRACTITIONERS: [Sr25519Keyring; 2] = [Sr25519Keyring::Bob, Sr25519Keyring::Eve];
/// The licensing authority (genesis).
pub const AUTHORITY: Sr25519Keyring = Sr25519Keyring::Ferdie;
/// The insurer (prologue).
pub const INSURER: Sr25519Keyring = Sr25519Keyring::Dave;

/// Milliseconds.
pub const MINUTE: u64 = 60_000;
pub const HOUR: u64 = 60 * MINUTE;
pub const DAY: u64 = 24 * HOUR;

impl Rng {
	/// Any signer; the empty account rarely.
	pub fn signer(&mut self) -> Sr25519Keyring {
		if self.chance(3) {
			Sr25519Keyring::One
		} else {
			self.pick(&SIGNERS[..SIGNERS.len() - 1])
		}
	}

	/// `preferred` most of the time (the origin the call wants), another signer otherwise.
	pub fn signer_or(&mut self, preferred: Sr25519Keyring) -> Sr25519Keyring {
		if self.chance(80) {
			preferred
		} else {
			self.signer()
		}
	}

	/// One of `preferred` most of the time, another signer otherwise.
	pub fn signer_among(&mut self, preferred: &[Sr25519Keyring]) -> Sr25519Keyring {
		let first = self.pick(preferred);
		self.signer_or(first)
	}

	/// Any account, as an argument.
	pub fn account(&mut self) -> AccountId {
		self.pick(&SIGNERS).to_account_id()
	}

	/// A patient mostly, any account otherwise.
	pub fn patient(&mut self) -> AccountId {
		self.signer_among(&PATIENTS).to_account_id()
	}

	/// A practitioner mostly, any account otherwise.
	pub fn practitioner(&mut self) -> AccountId {
		self.signer_among(&PRACTITIONERS).to_account_id()
	}

	/// An id among those issued (`0..next`), or the next one or the one after (unknown).
	pub fn id(&mut self, next: u64) -> u64 {
		if next > 0 && self.chance(85) {
			// Recent ids most: they are the ones most likely still alive.
			let recent = next.min(8);
			if self.chance(70) {
				next - 1 - self.below(recent)
			} else {
				self.below(next)
			}
		} else {
			next + self.below(2)
		}
	}

	/// One of four hashes (commitments, evidence, descriptions, statements, code hashes).
	pub fn hash(&mut self) -> [u8; 32] {
		[0xa0 + self.below(4) as u8; 32]
	}

	/// A blinded tag: four of them, so that tags collide across records and patients.
	pub fn tag(&mut self) -> [u8; 32] {
		[0x10 + self.below(4) as u8; 32]
	}

	/// An X25519 public key: one of a few ordinary ones, sometimes a small-order one (refused).
	pub fn key(&mut self) -> [u8; 32] {
		match self.below(10) {
			0 => [0u8; 32],
			1 => {
				let mut one = [0u8; 32];
				one[0] = 1;
				one
			},
			n => [0x40 + n as u8; 32],
		}
	}

	/// An instant near `now`: in the past, now, soon, later, far, or the end of time.
	pub fn moment(&mut self, now: u64) -> u64 {
		match self.below(9) {
			0 => now.saturating_sub(DAY),
			1 => now,
			2 => now + HOUR,
			3 => now + DAY,
			4 => now + 30 * DAY,
			5 => now + 365 * DAY,
			6 => 0,
			7 => u64::MAX,
			_ => now + self.below(7 * DAY),
		}
	}

	/// An amount: nothing, one planck, around the existential deposit, a few MED, a lot, all.
	pub fn amount(&mut self) -> u128 {
		use telemed_runtime::{EXISTENTIAL_DEPOSIT, UNITS};
		match self.below(8) {
			0 => 0,
			1 => 1,
			2 => EXISTENTIAL_DEPOSIT - 1,
			3 => EXISTENTIAL_DEPOSIT,
			4 => self.below(100) as u128 * UNITS,
			5 => 1_000_000 * UNITS,
			6 => u128::MAX,
			_ => self.below(1_000) as u128 * UNITS / 10,
		}
	}

	pub fn purpose(&mut self) -> PurposeOfUse {
		self.pick(&[
			PurposeOfUse::Treatment,
			PurposeOfUse::Treatment,
			PurposeOfUse::Payment,
			PurposeOfUse::Operations,
			PurposeOfUse::Research,
			PurposeOfUse::EmergencyTreatment,
		])
	}

	pub fn action(&mut self) -> AccessAction {
		self.pick(&[AccessAction::Read, AccessAction::Append, AccessAction::Amend])
	}

	pub fn role(&mut self) -> PractitionerRole {
		self.pick(&PractitionerRole::ALL)
	}

	/// A length for a vector bounded by `max`: mostly one, sometimes none, two or the bound.
	pub fn len(&mut self, max: u32) -> usize {
		let max = max as usize;
		match self.below(10) {
			0 => 0,
			1 => max,
			2 => 2.min(max),
			_ => 1.min(max),
		}
	}

	/// A bounded vector of `S::get()` elements at most, each from `element`.
	pub fn bounded<T, S: Get<u32>>(
		&mut self,
		mut element: impl FnMut(&mut Self) -> T,
	) -> BoundedVec<T, S> {
		let len = self.len(S::get());
		let items: Vec<T> = (0..len).map(|_| element(self)).collect();
		BoundedVec::try_from(items).unwrap_or_default()
	}

	/// Bytes of a bounded vector: a repeated byte, at most `S::get()` of them.
	pub fn bytes<S: Get<u32>>(&mut self) -> BoundedVec<u8, S> {
		let byte = b'a' + self.below(3) as u8;
		self.bounded(|_| byte)
	}

	/// A jurisdiction: the demo board's two, one it does not cover, or an empty one.
	pub fn jurisdiction(&mut self) -> telemed_primitives::JurisdictionCode {
		let code: &[u8] =
			self.pick(&[&b"FR"[..], &b"FR"[..], &b"GB-ENG"[..], &b"DE"[..], &b""[..]]);
		code.to_vec().try_into().unwrap_or_default()
	}

	/// A service code: two in use, one unknown.
	pub fn service(&mut self) -> pallet_billing::ServiceCode {
		let code: &[u8] = self.pick(&[&b"gp"[..], &b"gp"[..], &b"lab"[..], &b"x"[..]]);
		code.to_vec().try_into().unwrap_or_default()
	}
}
