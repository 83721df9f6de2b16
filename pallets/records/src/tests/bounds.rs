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

fn add_record(resource_type: usize, locator: usize) -> Vec<u8> {
	(
		PALLET,
		2u8,
		PATIENT,
		vec![b'A'; resource_type],
		DataCategory::Laboratory,
		[1u8; 32],
		[2u8; 32],
		10u64,
		vec![b'l'; locator],
		PurposeOfUse::Treatment,
	)
		.encode()
}

#[test]
fn oversize_record_fields_fail_to_decode() {
	// MaxResourceTypeLen = 20, MaxLocatorLen = MAX_LOCATOR.
	let locator = MAX_LOCATOR as usize;
	assert!(decodes(add_record(20, locator)));
	assert!(!decodes(add_record(21, locator)));
	assert!(!decodes(add_record(20, locator + 1)));
	let amend = |len: usize| {
		(PALLET, 3u8, 0u64, [3u8; 32], [4u8; 32], 10u64, vec![b'l'; len], PurposeOfUse::Treatment)
			.encode()
	};
	assert!(decodes(amend(locator)));
	assert!(!decodes(amend(locator + 1)));
}

#[test]
fn oversize_envelopes_and_labels_fail_to_decode() {
	let envelope =
		|len: usize| (PALLET, 4u8, 0u64, DOC, vec![7u8; len], PurposeOfUse::Treatment).encode();
	assert!(decodes(envelope(MAX_ENVELOPE as usize)));
	assert!(!decodes(envelope(MAX_ENVELOPE as usize + 1)));
	// MaxLabelLen = 8.
	let device = |len: usize| (PALLET, 9u8, WATCH, vec![b'w'; len]).encode();
	assert!(decodes(device(8)));
	assert!(!decodes(device(9)));
}
