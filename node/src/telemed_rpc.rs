//! `telemed_*`: JSON-RPC methods that answer in plain JSON, for programs that do not decode
//! SCALE (an EHR's integration engine, a shell script with curl). Each is a thin reading of one
//! of the runtime APIs the pallets declare, at the best block or at the block `at` names:
//!
//! - `telemed_licenceStatus(who, at?)`: a practitioner's standing and licences;
//! - `telemed_checkAccess(accessor, patient, action, target, purpose, at?)`: whether an access
//!   would be allowed now, and on what basis or why not;
//! - `telemed_disclosures(patient, from?, max?, at?)`: a page of the patient's disclosure log;
//! - `telemed_recordHistory(id, at?)`: every version of a record, oldest first.
//!
//! They read public state only, the same the runtime APIs give anyone (docs/PRIVACY.md), and
//! run behind the same server as every standard method: `--rpc-methods`, `--rpc-max-connections`
//! and `--rpc-rate-limit` apply to them alike. Accounts are SS58 strings, hashes and keys
//! `0x` hex, times milliseconds since the Unix epoch, names of enumerations as the metadata
//! spells them (`Read`, `Treatment`, `Valid`). README.md ("JSON-RPC for integrators") has curl
//! examples.

use std::sync::Arc;

use jsonrpsee::{
	core::RpcResult,
	proc_macros::rpc,
	types::{error::ErrorObject, ErrorObjectOwned},
};
use pallet_consent_runtime_api::ConsentApi;
use pallet_practitioners_runtime_api::PractitionersApi;
use pallet_records_runtime_api::RecordsApi;
use serde_json::{json, Value};
use sp_api::ProvideRuntimeApi;
use sp_blockchain::HeaderBackend;
use sp_core::crypto::Ss58Codec;
use telemed_primitives::{
	AccessAction, AccessBasis, AccessDenial, AccessTarget, DisclosedData, PurposeOfUse,
};
use telemed_runtime::{opaque::Block, AccountId, Balance, Hash, Runtime};

/// The most disclosure entries one call returns (and the default page).
pub const MAX_DISCLOSURES: u32 = 100;

/// The JSON-RPC error codes of these methods (the JSON-RPC spec's and the server range).
mod code {
	/// A parameter is not what the method takes (an address, an action, a target).
	pub const INVALID_PARAMS: i32 = -32602;
	/// The runtime could not answer (an unknown block, a runtime without the API).
	pub const RUNTIME: i32 = -32000;
}

fn invalid(what: impl Into<String>) -> ErrorObjectOwned {
	ErrorObject::owned(code::INVALID_PARAMS, what.into(), None::<()>)
}

fn runtime_error(e: impl std::fmt::Display) -> ErrorObjectOwned {
	ErrorObject::owned(code::RUNTIME, format!("the runtime could not answer: {e}"), None::<()>)
}

/// An SS58 address as a parameter.
fn account(name: &str, ss58: &str) -> Result<AccountId, ErrorObjectOwned> {
	AccountId::from_ss58check(ss58).map_err(|_| invalid(format!("{name}: not an SS58 address")))
}

/// `0x` and 64 hex digits as a parameter.
fn hash32(name: &str, hex: &str) -> Result<[u8; 32], ErrorObjectOwned> {
	sp_core::bytes::from_hex(hex)
		.ok()
		.and_then(|bytes| <[u8; 32]>::try_from(bytes).ok())
		.ok_or_else(|| invalid(format!("{name}: 0x and 64 hex digits")))
}

/// A unit variant by its name in the metadata (`Read`, `Treatment`).
fn variant<T: serde::de::DeserializeOwned>(name: &str, value: &str) -> Result<T, ErrorObjectOwned> {
	serde_json::from_value(Value::String(value.to_owned()))
		.map_err(|_| invalid(format!("{name}: unknown value {value:?}")))
}

/// An access target: `{"allData": null}`, `{"relationship": null}`, `{"tag": "0x…"}` or
/// `{"record": {"tag": "0x…", "record": <the record's first version id>}}` (the same shape
/// Polkadot.js gives the runtime API, keys in either case).
fn target(value: &Value) -> Result<AccessTarget, ErrorObjectOwned> {
	let bad = || {
		invalid(
			"target: {\"allData\": null}, {\"relationship\": null}, {\"tag\": \"0x…\"} or \
			 {\"record\": {\"tag\": \"0x…\", \"record\": <id>}}",
		)
	};
	let object = value.as_object().filter(|o| o.len() == 1).ok_or_else(bad)?;
	let (key, inner) = object.iter().next().ok_or_else(bad)?;
	match key.to_ascii_lowercase().as_str() {
		"alldata" => Ok(AccessTarget::AllData),
		"relationship" => Ok(AccessTarget::Relationship),
		"tag" => Ok(AccessTarget::Tag(hash32("target.tag", inner.as_str().ok_or_else(bad)?)?)),
		"record" => {
			let tag = inner.get("tag").and_then(Value::as_str).ok_or_else(bad)?;
			let record = inner.get("record").and_then(Value::as_u64).ok_or_else(bad)?;
			Ok(AccessTarget::Record { tag: hash32("target.record.tag", tag)?, record })
		},
		_ => Err(bad()),
	}
}

fn hex(bytes: &[u8]) -> String {
	sp_core::bytes::to_hex(bytes, false)
}

/// A unit variant's name, as the metadata spells it.
fn name(value: impl std::fmt::Debug) -> String {
	format!("{value:?}")
}

/// A code the chain keeps as bytes (a jurisdiction, a specialty): text when it is UTF-8.
fn code_text(bytes: &[u8]) -> Value {
	match std::str::from_utf8(bytes) {
		Ok(text) => json!(text),
		Err(_) => json!(hex(bytes)),
	}
}

fn basis(basis: &AccessBasis) -> Value {
	match basis {
		AccessBasis::Patient => json!({ "kind": "patient" }),
		AccessBasis::Delegate => json!({ "kind": "delegate" }),
		AccessBasis::Consent(id) => json!({ "kind": "consent", "consent": id }),
		AccessBasis::Emergency(id) => json!({ "kind": "emergency", "emergencyAccess": id }),
	}
}

fn denial(denial: &AccessDenial) -> Value {
	match denial {
		AccessDenial::ExplicitlyDenied(id) => json!({ "kind": "explicitlyDenied", "consent": id }),
		AccessDenial::UnknownPatient => json!({ "kind": "unknownPatient" }),
		AccessDenial::NotLicensed => json!({ "kind": "notLicensed" }),
		AccessDenial::NoConsent => json!({ "kind": "noConsent" }),
	}
}

fn disclosed(data: &DisclosedData) -> Value {
	match data {
		DisclosedData::Record(id) => json!({ "kind": "record", "record": id }),
		DisclosedData::Tag(tag) => json!({ "kind": "tag", "tag": hex(tag) }),
		DisclosedData::AllData => json!({ "kind": "allData" }),
		DisclosedData::Relationship => json!({ "kind": "relationship" }),
	}
}

/// The `telemed_*` methods.
#[rpc(server, namespace = "telemed")]
pub trait TelemedApi {
	/// A practitioner's standing now and each of their licences with its standing.
	#[method(name = "licenceStatus")]
	fn licence_status(&self, who: String, at: Option<Hash>) -> RpcResult<Value>;

	/// Whether `accessor` may perform `action` on `target` of `patient`'s data for `purpose`
	/// now: `{"allowed": true, "basis": …}` or `{"allowed": false, "denial": …}`.
	#[method(name = "checkAccess")]
	fn check_access(
		&self,
		accessor: String,
		patient: String,
		action: String,
		target: Value,
		purpose: String,
		at: Option<Hash>,
	) -> RpcResult<Value>;

	/// Up to `max` (default and at most [`MAX_DISCLOSURES`]) entries of `patient`'s disclosure
	/// log from number `from` (default 0) on, oldest first, and the number to ask for next.
	#[method(name = "disclosures")]
	fn disclosures(
		&self,
		patient: String,
		from: Option<u64>,
		max: Option<u32>,
		at: Option<Hash>,
	) -> RpcResult<Value>;

	/// Every version of the record that version `id` belongs to, oldest first (empty for an
	/// unknown id or a shredded record).
	#[method(name = "recordHistory")]
	fn record_history(&self, id: u64, at: Option<Hash>) -> RpcResult<Value>;
}

/// Serves [`TelemedApiServer`] from the client's runtime APIs.
pub struct Telemed<C> {
	client: Arc<C>,
}

impl<C> Telemed<C> {
	/// The methods over `client`.
	pub fn new(client: Arc<C>) -> Self {
		Self { client }
	}
}

impl<C> Telemed<C>
where
	C: HeaderBackend<Block>,
{
	fn at(&self, at: Option<Hash>) -> Hash {
		at.unwrap_or_else(|| self.client.info().best_hash)
	}
}

impl<C> TelemedApiServer for Telemed<C>
where
	C: ProvideRuntimeApi<Block> + HeaderBackend<Block> + Send + Sync + 'static,
	C::Api: PractitionersApi<Block, AccountId>,
	C::Api: ConsentApi<Block, AccountId, pallet_consent::ConsentOf<Runtime>, Balance>,
	C::Api: RecordsApi<
		Block,
		AccountId,
		Balance,
		pallet_records::RecordOf<Runtime>,
		pallet_records::KeyEnvelopeOf<Runtime>,
		pallet_records::DeviceOf<Runtime>,
	>,
{
	fn licence_status(&self, who: String, at: Option<Hash>) -> RpcResult<Value> {
		let who = account("who", &who)?;
		let (api, at) = (self.client.runtime_api(), self.at(at));
		let status = api.licence_status(at, who.clone()).map_err(runtime_error)?;
		let licences = api.licences(at, who).map_err(runtime_error)?;
		let licences: Vec<Value> = licences
			.into_iter()
			.map(|view| {
				let l = view.licence;
				json!({
					"id": view.id,
					"standing": name(view.standing),
					"authority": l.authority.to_ss58check(),
					"jurisdiction": code_text(&l.jurisdiction),
					"role": name(l.role),
					"specialty": l.specialty.as_ref().map(|s| code_text(s)),
					"status": name(l.status),
					"validFrom": l.valid_from,
					"expiresAt": l.expires_at,
					"emergencyCare": l.emergency_care,
					"issuedAt": l.issued_at,
				})
			})
			.collect();
		Ok(json!({
			"registered": status.registered,
			"licensed": status.licensed,
			"emergencyAccess": status.emergency_access,
			"validLicences": status.valid_licences,
			"keyAgreementKey": status.key_agreement_key.map(|k| hex(&k)),
			"licences": licences,
		}))
	}

	fn check_access(
		&self,
		accessor: String,
		patient: String,
		action: String,
		target_value: Value,
		purpose: String,
		at: Option<Hash>,
	) -> RpcResult<Value> {
		let accessor = account("accessor", &accessor)?;
		let patient = account("patient", &patient)?;
		let action: AccessAction = variant("action", &action)?;
		let purpose: PurposeOfUse = variant("purpose", &purpose)?;
		let target = target(&target_value)?;
		let answer = self
			.client
			.runtime_api()
			.check_access(self.at(at), accessor, patient, action, target, purpose)
			.map_err(runtime_error)?;
		Ok(match answer {
			Ok(b) => json!({ "allowed": true, "basis": basis(&b) }),
			Err(d) => json!({ "allowed": false, "denial": denial(&d) }),
		})
	}

	fn disclosures(
		&self,
		patient: String,
		from: Option<u64>,
		max: Option<u32>,
		at: Option<Hash>,
	) -> RpcResult<Value> {
		let patient = account("patient", &patient)?;
		let from = from.unwrap_or(0);
		let max = max.unwrap_or(MAX_DISCLOSURES);
		if max == 0 || max > MAX_DISCLOSURES {
			return Err(invalid(format!("max: from 1 to {MAX_DISCLOSURES}")));
		}
		let entries = self
			.client
			.runtime_api()
			.disclosures(self.at(at), patient, from, max)
			.map_err(runtime_error)?;
		let next = entries.last().map(|(n, _)| n.saturating_add(1));
		let entries: Vec<Value> = entries
			.into_iter()
			.map(|(n, d)| {
				json!({
					"n": n,
					"accessor": d.accessor.to_ss58check(),
					"data": disclosed(&d.data),
					"action": name(d.action),
					"purpose": name(d.purpose),
					"basis": basis(&d.basis),
					"emergency": d.basis.is_emergency(),
					"at": d.at,
				})
			})
			.collect();
		Ok(json!({ "entries": entries, "next": next }))
	}

	fn record_history(&self, id: u64, at: Option<Hash>) -> RpcResult<Value> {
		let versions =
			self.client.runtime_api().record_history(self.at(at), id).map_err(runtime_error)?;
		let versions: Vec<Value> = versions
			.into_iter()
			.map(|(id, r)| {
				let (status, superseded_by, superseded_at) = match r.status {
					pallet_records::RecordStatus::Current => ("Current", None, None),
					pallet_records::RecordStatus::Superseded { by, at } => {
						("Superseded", Some(by), Some(at))
					},
				};
				json!({
					"id": id,
					"record": r.record,
					"version": r.version,
					"kind": name(r.kind),
					"status": status,
					"supersededBy": superseded_by,
					"supersededAt": superseded_at,
					"supersedes": r.supersedes,
					"patient": r.patient.to_ss58check(),
					"author": r.author.to_ss58check(),
					"createdAt": r.created_at,
					"tag": hex(&r.tag),
					"commitment": hex(&r.commitment),
					"ciphertextHash": hex(&r.ciphertext_hash),
					"sizeClass": r.size_class,
					"locator": hex(&r.locator),
					"envelopes": r.envelopes,
				})
			})
			.collect();
		Ok(Value::Array(versions))
	}
}
