//! Over-long vectors: a call whose bounded vector is at its bound, signed by a wallet, is
//! applied (it must not panic); the same call with one element more, encoded by hand and
//! signed the same way, must fail to decode — a node never gets to apply it.
//!
//! The hand encoding is checked on the call at its bound first: it must decode to that call.

use super::domain::{Rng, AUTHORITY, INSURER, PATIENTS, PRACTITIONERS};
use crate::common::tx_extension;
use codec::{Compact, Decode, Encode};
use frame_support::traits::Get;
use sp_core::crypto::Pair;
use sp_keyring::Sr25519Keyring;
use sp_runtime::{BoundedVec, MultiAddress, MultiSignature};
use telemed_primitives::{AccessAction, DelegateScope, PurposeOfUse};
use telemed_runtime::{Runtime, RuntimeCall, UncheckedExtrinsic};

/// A call with one bounded vector of `len` (its bound) copies of the encoded `element`.
pub struct AtBound {
	pub signer: Sr25519Keyring,
	pub call: RuntimeCall,
	pub len: u32,
	pub element: Vec<u8>,
}

/// A vector of `element`s exactly at its bound.
fn full<T: Clone, S: Get<u32>>(element: T) -> BoundedVec<T, S> {
	BoundedVec::try_from(vec![element; S::get() as usize]).unwrap_or_default()
}

/// Draws a call with a bounded vector at its bound, among the pallets' vector arguments.
pub fn at_bound(rng: &mut Rng) -> AtBound {
	use pallet_billing::Config as Billing;
	use pallet_consent::Config as Consent;
	use pallet_practitioners::Config as Practitioners;
	use pallet_prescriptions::Config as Prescriptions;
	use pallet_records::Config as Records;
	let patient = rng.pick(&PATIENTS);
	let code: pallet_billing::ServiceCode = b"gp".to_vec().try_into().unwrap_or_default();
	let (signer, call, len, element): (_, _, u32, Vec<u8>) = match rng.below(11) {
		0 => (
			rng.pick(&PRACTITIONERS),
			RuntimeCall::Practitioners(pallet_practitioners::Call::update_profile {
				display_name: full(0xee),
				roles: Default::default(),
				specialties: Default::default(),
			}),
			<Runtime as Practitioners>::MaxNameLength::get(),
			vec![0xee],
		),
		1 => {
			let fr: telemed_primitives::JurisdictionCode = b"FR".to_vec().try_into().unwrap();
			(
				AUTHORITY,
				RuntimeCall::Sudo(pallet_sudo::Call::sudo {
					call: Box::new(RuntimeCall::Practitioners(
						pallet_practitioners::Call::update_authority {
							authority: AUTHORITY.to_account_id(),
							name: b"Board".to_vec().try_into().unwrap(),
							jurisdictions: full(fr.clone()),
						},
					)),
				}),
				<Runtime as Practitioners>::MaxJurisdictionsPerAuthority::get(),
				fr.encode(),
			)
		},
		2 => (
			rng.pick(&PRACTITIONERS),
			RuntimeCall::Records(pallet_records::Call::add_record {
				patient: patient.to_account_id(),
				tag: rng.tag(),
				commitment: rng.hash(),
				ciphertext_hash: rng.hash(),
				size_class: 16,
				locator: full(0xee),
				purpose: PurposeOfUse::Treatment,
			}),
			<Runtime as Records>::MaxLocatorLen::get(),
			vec![0xee],
		),
		3 => (
			patient,
			RuntimeCall::Records(pallet_records::Call::add_envelope {
				record: rng.id(pallet_records::NextRecordId::<Runtime>::get()),
				grantee: rng.practitioner(),
				sealed: full(0xee),
				purpose: PurposeOfUse::Treatment,
			}),
			<Runtime as Records>::MaxEnvelopeLen::get(),
			vec![0xee],
		),
		4 => {
			let envelope = (
				rng.practitioner(),
				BoundedVec::<u8, <Runtime as Records>::MaxEnvelopeLen>::try_from(vec![0xee; 64])
					.unwrap_or_default(),
			);
			(
				patient,
				RuntimeCall::Records(pallet_records::Call::rekey_record {
					record: rng.id(pallet_records::NextRecordId::<Runtime>::get()),
					commitment: rng.hash(),
					ciphertext_hash: rng.hash(),
					size_class: 16,
					locator: b"Qm".to_vec().try_into().unwrap(),
					envelopes: full(envelope.clone()),
				}),
				<Runtime as Records>::MaxEnvelopesPerRecord::get(),
				envelope.encode(),
			)
		},
		5 => {
			let tag = [0xee; 32];
			(
				patient,
				RuntimeCall::Consent(pallet_consent::Call::grant_consent {
					patient: patient.to_account_id(),
					grantee: rng.practitioner(),
					decision: pallet_consent::Decision::Permit,
					actions: vec![AccessAction::Read].try_into().unwrap(),
					scope: pallet_consent::ScopeRequest::Tags(full(tag)),
					purposes: full(PurposeOfUse::Research),
					start: None,
					end: None,
				}),
				<Runtime as Consent>::MaxScopeItems::get(),
				tag.encode(),
			)
		},
		6 => (
			patient,
			RuntimeCall::Consent(pallet_consent::Call::add_delegate {
				delegate: rng.account(),
				scopes: full(DelegateScope::EmergencyCustodian),
				until: None,
			}),
			<pallet_consent::MaxDelegateScopes as Get<u32>>::get(),
			DelegateScope::EmergencyCustodian.encode(),
		),
		7 => (
			INSURER,
			RuntimeCall::Billing(pallet_billing::Call::issue_policy {
				patient: patient.to_account_id(),
				covered: full(code.clone()),
				coverage: sp_runtime::Permill::from_percent(80),
				annual_limit: telemed_runtime::UNITS,
				valid_from: 0,
				valid_until: u64::MAX,
			}),
			<Runtime as Billing>::MaxCovered::get(),
			code.encode(),
		),
		8 => (
			rng.pick(&PRACTITIONERS),
			RuntimeCall::Prescriptions(pallet_prescriptions::Call::issue {
				patient: patient.to_account_id(),
				commitment: rng.hash(),
				ciphertext_hash: rng.hash(),
				locator: full(0xee),
				fills: 1,
				expires_at: u64::MAX,
				controlled: false,
				dispense_hashes: vec![[0xdd; 32]].try_into().unwrap(),
			}),
			<Runtime as Prescriptions>::MaxLocatorLen::get(),
			vec![0xee],
		),
		9 => {
			let max = <Runtime as Prescriptions>::MaxFills::get();
			(
				rng.pick(&PRACTITIONERS),
				RuntimeCall::Prescriptions(pallet_prescriptions::Call::issue {
					patient: patient.to_account_id(),
					commitment: rng.hash(),
					ciphertext_hash: rng.hash(),
					locator: b"Qm".to_vec().try_into().unwrap(),
					fills: max,
					expires_at: u64::MAX,
					controlled: false,
					dispense_hashes: full([0xdd; 32]),
				}),
				max,
				[0xddu8; 32].encode(),
			)
		},
		_ => (
			Sr25519Keyring::Alice,
			RuntimeCall::Sudo(pallet_sudo::Call::sudo {
				call: Box::new(RuntimeCall::Billing(pallet_billing::Call::register_insurer {
					insurer: INSURER.to_account_id(),
					name: full(0xee),
				})),
			}),
			<Runtime as Billing>::MaxNameLen::get(),
			vec![0xee],
		),
	};
	AtBound { signer, call, len, element }
}

/// `encoded` with its last vector of `len` copies of `element` given one copy more.
fn stretch(encoded: &[u8], len: u32, element: &[u8]) -> Option<Vec<u8>> {
	let mut pattern = Compact(len).encode();
	pattern.extend(element.repeat(len as usize));
	let at = encoded.windows(pattern.len()).rposition(|w| w == &pattern[..])?;
	let mut out = encoded[..at].to_vec();
	out.extend(Compact(len + 1).encode());
	out.extend(element.repeat(len as usize + 1));
	out.extend(&encoded[at + pattern.len()..]);
	Some(out)
}

/// A signed extrinsic (format 4) of the encoded `call`, built by hand as a wallet builds it:
/// the signature covers the call, the extensions and their implicit data (hashed when longer
/// than 256 bytes).
fn signed_by_hand(signer: Sr25519Keyring, call: &[u8], nonce: u32) -> Vec<u8> {
	let extension = tx_extension(nonce, 0);
	let implicit = <telemed_runtime::TxExtension as sp_runtime::traits::TransactionExtension<
		RuntimeCall,
	>>::implicit(&extension)
	.expect("the extensions' implicit data");
	let mut payload = call.to_vec();
	extension.encode_to(&mut payload);
	implicit.encode_to(&mut payload);
	let signature = if payload.len() > 256 {
		signer.pair().sign(&sp_io::hashing::blake2_256(&payload))
	} else {
		signer.pair().sign(&payload)
	};
	// Signed (the top bit), format version 4.
	let mut body = vec![0x84u8];
	MultiAddress::<telemed_runtime::AccountId, ()>::Id(signer.to_account_id()).encode_to(&mut body);
	MultiSignature::Sr25519(signature).encode_to(&mut body);
	extension.encode_to(&mut body);
	body.extend_from_slice(call);
	body.encode()
}

/// The extrinsic of `at` (at its bound), decoded from its hand encoding; checks that the same
/// call one element longer fails to decode.
pub fn check(at: &AtBound, nonce: u32) -> Result<UncheckedExtrinsic, String> {
	let raw = at.call.encode();
	let good = signed_by_hand(at.signer, &raw, nonce);
	let decoded = UncheckedExtrinsic::decode(&mut &good[..])
		.map_err(|e| format!("the hand encoding at the bound does not decode: {e}"))?;
	if decoded.function != at.call {
		return Err("the hand encoding decodes to another call".into());
	}
	let long = stretch(&raw, at.len, &at.element)
		.ok_or_else(|| format!("no vector of {} elements in the call", at.len))?;
	let bad = signed_by_hand(at.signer, &long, nonce);
	match UncheckedExtrinsic::decode(&mut &bad[..]) {
		Ok(xt) => Err(format!("a vector one past its bound decoded: {:?}", xt.function)),
		Err(_) => Ok(decoded),
	}
}
