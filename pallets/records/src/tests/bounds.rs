//! Byte strings kept in storage are bounded in the calls themselves: an oversize argument
//! fails to decode, before any weight is spent on it (`BoundedVec<u8, _>` encodes like
//! `Vec<u8>`, so clients send the same bytes as before).

use super::*;
use codec::{Decode, Encode};

/// The records pallet's index in the mock runtime.
const PALLET: u8 = 3;

fn decodes(bytes: Vec<u8>) -> bool {
	RuntimeCall::decode(&mut &bytes[..]).is_ok()
}

fn add_record(locator: usize) -> Vec<u8> {
	(
		PALLET,
		2u8,
		PATIENT,
		LAB,
		[1u8; 32],
		[2u8; 32],
		12u8,
		vec![b'l'; locator],
		PurposeOfUse::Treatment,
	)
		.encode()
}

fn rekey(locator: usize, envelopes: Vec<(AccountId, Vec<u8>)>) -> Vec<u8> {
	(PALLET, 16u8, 0u64, [1u8; 32], [5u8; 32], 12u8, vec![b'l'; locator], envelopes).encode()
}

#[test]
fn oversize_sealed_record_fields_fail_to_decode() {
	// MaxLocatorLen = MAX_LOCATOR: the sealed locator.
	let locator = MAX_LOCATOR as usize;
	assert!(decodes(add_record(locator)));
	assert!(!decodes(add_record(locator + 1)));
	let amend = |len: usize| {
		(PALLET, 3u8, 0u64, [3u8; 32], [4u8; 32], 12u8, vec![b'l'; len], PurposeOfUse::Treatment)
			.encode()
	};
	assert!(decodes(amend(locator)));
	assert!(!decodes(amend(locator + 1)));
	// A re-key: the locator, each sealed key, and how many envelopes are all bounded.
	let key = |len: usize| vec![7u8; len];
	let full: Vec<_> = (0..MAX_ENVELOPES as u64).map(|g| (g, key(MAX_ENVELOPE as usize))).collect();
	assert!(decodes(rekey(locator, full.clone())));
	assert!(!decodes(rekey(locator + 1, full.clone())));
	let mut too_many = full.clone();
	too_many.push((99, key(48)));
	assert!(!decodes(rekey(locator, too_many)));
	assert!(!decodes(rekey(locator, vec![(DOC, key(MAX_ENVELOPE as usize + 1))])));
}

#[test]
fn oversize_envelopes_and_labels_fail_to_decode() {
	let envelope =
		|len: usize| (PALLET, 4u8, 0u64, DOC, vec![7u8; len], PurposeOfUse::Treatment).encode();
	assert!(decodes(envelope(MAX_ENVELOPE as usize)));
	assert!(!decodes(envelope(MAX_ENVELOPE as usize + 1)));
	// A device label is a 32-byte hash, not text.
	assert!(decodes((PALLET, 9u8, WATCH, [0u8; 32]).encode()));
	assert!(!decodes((PALLET, 9u8, WATCH, [0u8; 31]).encode()));
}
