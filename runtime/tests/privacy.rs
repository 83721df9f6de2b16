//! Privacy by construction (issue 13), checked on the real runtime.
//!
//! - The metadata test walks the type of every event, storage item and call of the Telemed
//!   pallets and fails if one names a data category, a FHIR resource type, a health reason, an
//!   exact size, or holds a byte string that is neither public by design nor sealed (free text
//!   must go on chain as a hash).
//! - The journey test runs a patient's whole path through the chain (register, add, amend,
//!   grant, read, emergency, book, deliver, claim, revoke, re-key, shred) with the demo
//!   physician and an insurer, and checks that afterwards no state of the Telemed pallets holds
//!   the record's tag, ciphertext hashes, locators or sealed keys, every version keeps only its
//!   commitment and the time, and no envelope of the revoked grantee remains. No event of the
//!   journey carries any of them either.

use crate::common::{
	externalities, ok_next, refused_next, register_patient, set_now, start_block_at, sudo,
	BillingCall, ConsentCall, RecordsCall, HOUR, NOW,
};
use codec::Encode;
use frame_metadata::{v15::StorageEntryType, RuntimeMetadata, RuntimeMetadataPrefixed};
use scale_info::{form::PortableForm, PortableRegistry, Type, TypeDef, TypeDefPrimitive};
use sp_keyring::Sr25519Keyring;
use sp_runtime::{DispatchError, Permill};
use std::collections::BTreeSet;
use telemed_primitives::{
	AccessAction, AccessBasis, DisclosedData, Hash256, PurposeOfUse, RecordId, Tag,
};
use telemed_runtime::{AccountId, Billing, Consent, Runtime, RuntimeCall, System, UNITS};

/// Whether `needle` occurs in `haystack`.
fn contains(haystack: &[u8], needle: &[u8]) -> bool {
	!needle.is_empty() && haystack.windows(needle.len()).any(|w| w == needle)
}

// ---- the metadata test ------------------------------------------------------------------------

/// The Telemed pallets whose events, storage and calls are walked.
const TELEMED_PALLETS: [&str; 7] =
	["Records", "Consent", "Billing", "Practitioners", "Prescriptions", "Upgrades", "ValidatorSet"];

/// Parts of names (lower case) that say what health data is about: data categories, FHIR
/// resource types, coded emergency reasons. None may name a type, a field, a variant or a
/// storage item of the Telemed pallets.
const HEALTH_WORDS: [&str; 16] = [
	"category",
	"categories",
	"resource_type",
	"resourcetype",
	"emergencyreason",
	"mentalhealth",
	"mental_health",
	"sexualhealth",
	"sexual_health",
	"genomic",
	"diagnos",
	"immuniz",
	"allerg",
	"careplan",
	"vitalsign",
	"patientunresponsive",
];

/// Field names of user-typed text about care: on chain only as a hash (`[u8; 32]`), never as
/// bytes; a `reason` is never an enum of (health) reasons either.
const FREE_TEXT_FIELDS: [&str; 8] =
	["label", "description", "reason", "note", "notes", "comment", "text", "statement"];

/// Byte strings that are public by design: what a licence, a fee schedule or an insurer must
/// show (docs/PRIVACY.md). Allowed in events, state and calls.
const PUBLIC_BYTES: [(&str, &str); 9] = [
	("display_name", "a practitioner's name, as a licence shows it"),
	("name", "an organisation's name: a licensing authority or an insurer"),
	("jurisdiction", "an ISO 3166 code of a licence"),
	("jurisdictions", "the ISO 3166 codes of a licensing authority"),
	("specialty", "a practitioner's SNOMED CT specialty code"),
	("specialties", "a practitioner's SNOMED CT specialty codes"),
	("service", "a public service code of a fee schedule"),
	("covered", "the public service codes a policy covers"),
	("Billing.Services key", "a practitioner's public service code, as a storage key"),
];

/// Byte strings that are sealed by the client: opaque to everyone but their holders. Allowed in
/// state and calls, never in events (an event carries ids and accounts only).
const SEALED_BYTES: [(&str, &str); 3] = [
	("locator", "sealed under the record's data key"),
	("sealed", "a data key sealed to a grantee's X25519 key"),
	("envelopes", "data keys sealed to grantees (re-keying)"),
];

/// Where a type is used: what may appear there differs.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Debug)]
enum Place {
	Event,
	Storage,
	Call,
}

/// Walks types of the metadata's registry and collects what breaks the rules.
struct Walker<'a> {
	types: &'a PortableRegistry,
	seen: BTreeSet<(u32, String, Place)>,
	findings: Vec<String>,
}

fn health_word(name: &str) -> Option<&'static str> {
	let lower = name.to_lowercase();
	HEALTH_WORDS.iter().copied().find(|w| lower.contains(w))
}

impl<'a> Walker<'a> {
	fn new(types: &'a PortableRegistry) -> Self {
		Self { types, seen: BTreeSet::new(), findings: Vec::new() }
	}

	fn resolve(&self, id: u32) -> &'a Type<PortableForm> {
		self.types.resolve(id).unwrap_or_else(|| panic!("type {id} is in the registry"))
	}

	/// Whether the type is a byte string: `Vec<u8>`, or a wrapper of one field around one
	/// (`BoundedVec<u8, _>`). Fixed arrays (`[u8; 32]`: hashes, keys, tags) are not.
	fn is_bytes(&self, id: u32) -> bool {
		match &self.resolve(id).type_def {
			TypeDef::Sequence(s) => matches!(
				self.resolve(s.type_param.id).type_def,
				TypeDef::Primitive(TypeDefPrimitive::U8)
			),
			TypeDef::Composite(c) if c.fields.len() == 1 => self.is_bytes(c.fields[0].ty.id),
			_ => false,
		}
	}

	/// Whether the type is text: a byte string or a `str`.
	fn is_text(&self, id: u32) -> bool {
		self.is_bytes(id)
			|| matches!(self.resolve(id).type_def, TypeDef::Primitive(TypeDefPrimitive::Str))
	}

	/// The type inside `Option`s.
	fn without_option(&self, id: u32) -> u32 {
		let ty = self.resolve(id);
		if ty.path.segments.last().map(String::as_str) == Some("Option") {
			if let TypeDef::Variant(v) = &ty.type_def {
				if let Some(field) =
					v.variants.iter().find(|v| v.name == "Some").and_then(|v| v.fields.first())
				{
					return self.without_option(field.ty.id);
				}
			}
		}
		id
	}

	fn allowed_bytes(name: &str, place: Place) -> bool {
		PUBLIC_BYTES.iter().any(|(n, _)| *n == name)
			|| (place != Place::Event && SEALED_BYTES.iter().any(|(n, _)| *n == name))
	}

	fn find(&mut self, finding: String) {
		self.findings.push(finding);
	}

	/// Walks type `id`, used under the (nearest) name `name`, at `at`.
	fn walk(&mut self, id: u32, name: &str, at: &str, place: Place) {
		if !self.seen.insert((id, name.to_string(), place)) {
			return;
		}
		let ty = self.resolve(id);
		let path = ty.path.segments.join("::");
		if let Some(word) = health_word(&path) {
			self.find(format!("{at}: type `{path}` names health data (`{word}`)"));
		}
		if self.is_bytes(id) {
			if !Self::allowed_bytes(name, place) {
				self.find(format!(
					"{at}: `{name}` is a byte string in {place:?}s: free text goes on chain as a \
					 hash, sealed data only in state and calls, public data must be listed in \
					 PUBLIC_BYTES with why"
				));
			}
			return;
		}
		match &ty.type_def {
			TypeDef::Composite(c) => {
				for field in &c.fields {
					self.field(field.name.as_deref(), field.ty.id, name, at, place);
				}
			},
			TypeDef::Variant(v) => {
				for variant in &v.variants {
					if let Some(word) = health_word(&variant.name) {
						self.find(format!(
							"{at}: variant `{}` of `{path}` names health data (`{word}`)",
							variant.name
						));
					}
					let at = format!("{at}::{}", variant.name);
					for field in &variant.fields {
						self.field(field.name.as_deref(), field.ty.id, name, &at, place);
					}
				}
			},
			TypeDef::Sequence(s) => self.walk(s.type_param.id, name, at, place),
			TypeDef::Array(a) => self.walk(a.type_param.id, name, at, place),
			TypeDef::Tuple(t) => {
				for field in &t.fields {
					self.walk(field.id, name, at, place);
				}
			},
			TypeDef::Compact(c) => self.walk(c.type_param.id, name, at, place),
			TypeDef::Primitive(TypeDefPrimitive::Str) => {
				self.find(format!("{at}: `{name}` is a string: free text goes on chain as a hash"))
			},
			TypeDef::Primitive(_) | TypeDef::BitSequence(_) => (),
		}
	}

	/// A field `field` (unnamed: it takes the nearest name, `inherited`) of type `id`.
	fn field(&mut self, field: Option<&str>, id: u32, inherited: &str, at: &str, place: Place) {
		let Some(field) = field else { return self.walk(id, inherited, at, place) };
		let at = format!("{at}.{field}");
		let lower = field.to_lowercase();
		if let Some(word) = health_word(&lower) {
			self.find(format!("{at}: the field names health data (`{word}`)"));
		}
		if lower.contains("size") && lower != "size_class" {
			self.find(format!("{at}: an exact size: store the padded size class instead"));
		}
		if FREE_TEXT_FIELDS.contains(&lower.as_str()) {
			let inner = self.without_option(id);
			if self.is_text(inner) {
				self.find(format!("{at}: user text in clear: store its hash"));
			}
			if lower == "reason" && matches!(self.resolve(inner).type_def, TypeDef::Variant(_)) {
				self.find(format!("{at}: a coded reason: commit to the reason with a hash"));
			}
		}
		self.walk(id, field, &at, place);
	}
}

/// The runtime's metadata, v15, as a node serves it.
fn metadata_v15() -> frame_metadata::v15::RuntimeMetadataV15 {
	let bytes = sp_io::TestExternalities::default()
		.execute_with(|| Runtime::metadata_at_version(15))
		.expect("v15 metadata");
	let prefixed: RuntimeMetadataPrefixed =
		codec::Decode::decode(&mut &bytes[..]).expect("metadata decodes");
	let RuntimeMetadata::V15(metadata) = prefixed.1 else { panic!("asked for v15") };
	metadata
}

#[test]
fn no_event_storage_item_or_call_of_the_telemed_pallets_carries_health_metadata() {
	let metadata = metadata_v15();
	let mut walker = Walker::new(&metadata.types);
	let mut walked = 0;
	for pallet in metadata.pallets.iter().filter(|p| TELEMED_PALLETS.contains(&p.name.as_str())) {
		walked += 1;
		let name = &pallet.name;
		if let Some(event) = &pallet.event {
			walker.walk(event.ty.id, "event", &format!("{name} event"), Place::Event);
		}
		if let Some(calls) = &pallet.calls {
			walker.walk(calls.ty.id, "call", &format!("{name} call"), Place::Call);
		}
		for entry in pallet.storage.iter().flat_map(|s| s.entries.iter()) {
			let at = format!("{name}.{}", entry.name);
			if let Some(word) = health_word(&entry.name) {
				walker.find(format!("{at}: the storage item names health data (`{word}`)"));
			}
			match &entry.ty {
				StorageEntryType::Plain(ty) => walker.walk(ty.id, &entry.name, &at, Place::Storage),
				StorageEntryType::Map { key, value, .. } => {
					walker.walk(key.id, &format!("{at} key"), &format!("{at} key"), Place::Storage);
					walker.walk(value.id, &entry.name, &at, Place::Storage);
				},
			}
		}
	}
	assert_eq!(walked, TELEMED_PALLETS.len(), "every Telemed pallet is in the metadata");
	assert!(
		walker.findings.is_empty(),
		"health metadata in the runtime's types:\n{}",
		walker.findings.join("\n")
	);
}

#[test]
fn a_shredded_version_keeps_only_its_commitment_and_time_by_type() {
	let metadata = metadata_v15();
	let records = metadata.pallets.iter().find(|p| p.name == "Records").expect("Records");
	let entry = records
		.storage
		.iter()
		.flat_map(|s| s.entries.iter())
		.find(|e| e.name == "Records")
		.expect("Records.Records");
	let StorageEntryType::Map { value, .. } = &entry.ty else { panic!("Records is a map") };
	let TypeDef::Variant(stored) = &metadata.types.resolve(value.id).expect("resolves").type_def
	else {
		panic!("a stored version is live or shredded")
	};
	let shredded = stored.variants.iter().find(|v| v.name == "Shredded").expect("a Shredded one");
	let fields: Vec<&str> = shredded.fields.iter().filter_map(|f| f.name.as_deref()).collect();
	assert_eq!(fields, vec!["commitment", "at"]);
}

/// The walker itself finds what it must: a test that could never fail proves nothing.
#[test]
fn the_metadata_walker_catches_categories_sizes_free_text_and_coded_reasons() {
	#[allow(dead_code)]
	#[derive(scale_info::TypeInfo)]
	enum DataCategory {
		Laboratory,
		MentalHealth,
	}
	#[allow(dead_code)]
	#[derive(scale_info::TypeInfo)]
	enum Why {
		Unresponsive,
	}
	#[allow(dead_code)]
	#[derive(scale_info::TypeInfo)]
	struct Leaky {
		category: DataCategory,
		resource_type: Vec<u8>,
		ciphertext_size: u64,
		label: Vec<u8>,
		description: Option<Vec<u8>>,
		reason: Why,
		note: String,
		// Allowed: hashes, size classes, sealed locators in state, public names.
		label_hash: [u8; 32],
		size_class: u8,
		locator: Vec<u8>,
		display_name: Vec<u8>,
	}
	let mut registry = scale_info::Registry::new();
	let id = registry.register_type(&scale_info::meta_type::<Leaky>()).id;
	let types: PortableRegistry = registry.into();

	let mut walker = Walker::new(&types);
	walker.walk(id, "value", "Leaky", Place::Storage);
	let found = |what: &str| walker.findings.iter().any(|f| f.contains(what));
	for what in [
		"Leaky.category: the field names health data",
		"DataCategory` names health data",
		"variant `MentalHealth`",
		"Leaky.resource_type: the field names health data",
		"Leaky.ciphertext_size: an exact size",
		"Leaky.label: user text in clear",
		"Leaky.description: user text in clear",
		"Leaky.reason: a coded reason",
		"Leaky.note: user text in clear",
	] {
		assert!(found(what), "missed {what:?} in {:#?}", walker.findings);
	}
	for fine in ["label_hash", "size_class", "Leaky.locator", "display_name"] {
		assert!(!found(fine), "{fine} is allowed, found {:#?}", walker.findings);
	}

	// In an event, a sealed locator is not allowed: events carry ids and accounts only.
	let mut walker = Walker::new(&types);
	walker.walk(id, "event", "Leaky", Place::Event);
	assert!(walker.findings.iter().any(|f| f.contains("Leaky.locator")), "{:#?}", walker.findings);
	assert!(!walker.findings.iter().any(|f| f.contains("display_name")), "{:#?}", walker.findings);
}

// ---- the patient journey ----------------------------------------------------------------------

fn records_error(error: pallet_records::Error<Runtime>) -> DispatchError {
	error.into()
}

/// Distinctive bytes for `label`: pseudo-random, so that finding them in state is no accident.
fn bytes_of(label: &str, len: usize) -> Vec<u8> {
	(0u32..).flat_map(|i| sp_io::hashing::blake2_256(&(label, i).encode())).take(len).collect()
}

fn hash_of(label: &str) -> Hash256 {
	sp_io::hashing::blake2_256(label.as_bytes())
}

/// A locator as the SDK seals it: version byte, nonce, ciphertext (opaque to the chain).
fn sealed_locator(label: &str) -> Vec<u8> {
	let mut locator = vec![0x01];
	locator.extend(bytes_of(label, 24 + 16 + 40));
	locator
}

/// A data key sealed to a grantee: ephemeral key, nonce, AEAD of the key (104 bytes).
fn sealed_key(label: &str) -> Vec<u8> {
	bytes_of(label, 104)
}

/// The blinded tag of the record (its category under the patient's tag key, off chain).
fn tag() -> Tag {
	hash_of("journey: HMAC-SHA-256(Charlie's tag key, category/laboratory)")
}

fn envelope(record: RecordId, grantee: &AccountId, sealed: Vec<u8>) -> RuntimeCall {
	RuntimeCall::Records(RecordsCall::add_envelope {
		record,
		grantee: grantee.clone(),
		sealed: sealed.try_into().expect("a sealed key is short"),
		purpose: PurposeOfUse::Treatment,
	})
}

/// A sealed data key as the records pallet's calls take it.
type Sealed = frame_support::BoundedVec<u8, <Runtime as pallet_records::Config>::MaxEnvelopeLen>;

/// Charlie re-keys version 1 of his record: `commitment`, a new ciphertext and locator, and
/// `envelopes` (grantee, sealed data key).
fn rekey(commitment: Hash256, envelopes: Vec<(AccountId, Vec<u8>)>) -> RuntimeCall {
	RuntimeCall::Records(RecordsCall::rekey_record {
		record: 1,
		commitment,
		ciphertext_hash: hash_of("ciphertext 3"),
		size_class: 13,
		locator: sealed_locator("locator 3").try_into().expect("short"),
		envelopes: envelopes
			.into_iter()
			.map(|(grantee, sealed)| {
				let sealed: Sealed = sealed.try_into().expect("a sealed key is short");
				(grantee, sealed)
			})
			.collect::<Vec<_>>()
			.try_into()
			.expect("few envelopes"),
	})
}

/// Every key and value stored by `pallet` (under its prefix).
fn pallet_state(pallet: &str) -> Vec<(Vec<u8>, Vec<u8>)> {
	let prefix = sp_io::hashing::twox_128(pallet.as_bytes()).to_vec();
	let mut entries = Vec::new();
	let mut key = prefix.clone();
	while let Some(next) = sp_io::storage::next_key(&key) {
		if !next.starts_with(&prefix) {
			break;
		}
		let value = sp_io::storage::get(&next).map(|v| v.to_vec()).unwrap_or_default();
		entries.push((next.clone(), value));
		key = next;
	}
	entries
}

#[test]
fn after_the_revoke_and_the_shred_nothing_links_the_record_to_its_tag_size_or_locator() {
	externalities("development").execute_with(|| {
		start_block_at(NOW);
		let charlie = Sr25519Keyring::Charlie.to_account_id();
		let bob = Sr25519Keyring::Bob.to_account_id();
		let dave = Sr25519Keyring::Dave.to_account_id();
		use Sr25519Keyring::{Alice, Bob, Charlie, Dave};

		// Register: Charlie is a patient.
		ok_next(Charlie, register_patient([0x41; 32]));

		// Grant: Charlie lets Bob, the demo physician, read, add and amend data under one tag
		// for treatment. No record carries the tag yet: a scope may name future records.
		ok_next(
			Charlie,
			RuntimeCall::Consent(ConsentCall::grant_consent {
				patient: charlie.clone(),
				grantee: bob.clone(),
				decision: pallet_consent::Decision::Permit,
				actions: vec![AccessAction::Read, AccessAction::Append, AccessAction::Amend]
					.try_into()
					.unwrap(),
				scope: pallet_consent::ScopeRequest::Tags(vec![tag()].try_into().unwrap()),
				purposes: vec![PurposeOfUse::Treatment].try_into().unwrap(),
				start: None,
				end: None,
			}),
		);
		let bobs_consent = 0;

		// Add: Bob writes a laboratory result into Charlie's history, as a tag, a size class
		// and a sealed locator.
		ok_next(
			Bob,
			RuntimeCall::Records(RecordsCall::add_record {
				patient: charlie.clone(),
				tag: tag(),
				commitment: hash_of("commitment 1"),
				ciphertext_hash: hash_of("ciphertext 1"),
				size_class: 12,
				locator: sealed_locator("locator 1").try_into().unwrap(),
				purpose: PurposeOfUse::Treatment,
			}),
		);
		assert_eq!(
			pallet_records::TagPatients::<Runtime>::get(tag()).map(|(who, _)| who),
			Some(charlie.clone())
		);
		// A size class out of range is refused.
		assert_eq!(
			refused_next(
				Charlie,
				RuntimeCall::Records(RecordsCall::add_record {
					patient: charlie.clone(),
					tag: tag(),
					commitment: hash_of("too big"),
					ciphertext_hash: hash_of("too big"),
					size_class: 64,
					locator: sealed_locator("too big").try_into().unwrap(),
					purpose: PurposeOfUse::Treatment,
				}),
			),
			records_error(pallet_records::Error::BadSizeClass)
		);

		// Amend: Bob adds version 1 of record 0; the tag is inherited.
		ok_next(
			Bob,
			RuntimeCall::Records(RecordsCall::amend_record {
				previous: 0,
				commitment: hash_of("commitment 2"),
				ciphertext_hash: hash_of("ciphertext 2"),
				size_class: 13,
				locator: sealed_locator("locator 2").try_into().unwrap(),
				purpose: PurposeOfUse::Treatment,
			}),
		);
		let Some(pallet_records::RecordEntry::Live(amended)) =
			pallet_records::Records::<Runtime>::get(1)
		else {
			panic!("version 1 is live")
		};
		assert_eq!((amended.tag, amended.record, amended.supersedes), (tag(), 0, Some(0)));
		assert_eq!(amended.kind, pallet_records::VersionKind::Amendment);

		// Charlie seals the data key of version 1 to Bob and to himself.
		ok_next(Charlie, envelope(1, &bob, sealed_key("key 2 for Bob")));
		ok_next(Charlie, envelope(1, &charlie, sealed_key("key 2 for Charlie")));
		assert_eq!(pallet_records::EnvelopesOf::<Runtime>::get(&charlie, &bob).to_vec(), vec![1]);

		// Read: the access is checked and logged; the event names no envelope, Bob takes his
		// from state. The log names the record by id, never by its tag.
		ok_next(Bob, RuntimeCall::Records(RecordsCall::access_record { record: 1 }));
		assert_eq!(
			pallet_records::Envelopes::<Runtime>::get(1, &bob).map(|e| e.sealed.to_vec()),
			Some(sealed_key("key 2 for Bob"))
		);
		let log = Consent::disclosures(&charlie, 0, 10);
		let (_, read) = log.last().expect("the read is logged");
		assert_eq!(
			(read.accessor.clone(), read.data, read.basis),
			(bob.clone(), DisclosedData::Record(1), AccessBasis::Consent(bobs_consent))
		);

		// Emergency: Bob breaks the glass with the hash of his signed statement (no reason on
		// chain), then closes it. Closing prunes only what Bob may no longer read: his consent
		// still covers version 1, so his envelope stays.
		ok_next(
			Bob,
			RuntimeCall::Consent(ConsentCall::open_emergency_access {
				patient: charlie.clone(),
				statement: hash_of("statement: patient found unresponsive"),
			}),
		);
		assert!(pallet_consent::EmergencyAccesses::<Runtime>::get(0).is_some());
		ok_next(Bob, RuntimeCall::Consent(ConsentCall::close_emergency_access { id: 0 }));
		assert!(pallet_records::Envelopes::<Runtime>::get(1, &bob).is_some());

		// Book: Bob publishes a service (its description as a hash); governance registers Dave
		// as an insurer, who insures Charlie. Charlie's payment consent to Dave names one record
		// only: the claim check names no data, so a consent of any scope permits it.
		let code: pallet_billing::ServiceCode = b"99213".to_vec().try_into().unwrap();
		ok_next(
			Bob,
			RuntimeCall::Billing(BillingCall::set_service {
				service: code.clone(),
				description: hash_of("Video consultation"),
				price: 50 * UNITS,
				duration: HOUR / 2,
			}),
		);
		ok_next(
			Alice,
			sudo(RuntimeCall::Billing(BillingCall::register_insurer {
				insurer: dave.clone(),
				name: b"Demo Mutual".to_vec().try_into().unwrap(),
			})),
		);
		ok_next(Dave, RuntimeCall::Billing(BillingCall::fund_pool { amount: 1_000 * UNITS }));
		ok_next(
			Dave,
			RuntimeCall::Billing(BillingCall::issue_policy {
				patient: charlie.clone(),
				covered: vec![code.clone()].try_into().unwrap(),
				coverage: Permill::from_percent(80),
				annual_limit: 500 * UNITS,
				valid_from: NOW,
				valid_until: NOW + 365 * 24 * HOUR,
			}),
		);
		ok_next(
			Charlie,
			RuntimeCall::Consent(ConsentCall::grant_consent {
				patient: charlie.clone(),
				grantee: dave.clone(),
				decision: pallet_consent::Decision::Permit,
				actions: vec![AccessAction::Read].try_into().unwrap(),
				scope: pallet_consent::ScopeRequest::Records(vec![0].try_into().unwrap()),
				purposes: vec![PurposeOfUse::Payment].try_into().unwrap(),
				start: None,
				end: None,
			}),
		);
		ok_next(
			Charlie,
			RuntimeCall::Billing(BillingCall::book {
				patient: charlie.clone(),
				practitioner: bob.clone(),
				service: code,
				scheduled_at: NOW + HOUR,
				policy: Some(0),
			}),
		);
		ok_next(Bob, RuntimeCall::Billing(BillingCall::accept { id: 0 }));

		// Deliver, and claim: Charlie confirms, the claim passes its checks (the consent
		// check is the relationship alone), and Dave approves it.
		set_now(NOW + HOUR);
		ok_next(Bob, RuntimeCall::Billing(BillingCall::mark_delivered { id: 0, encounter: None }));
		ok_next(Charlie, RuntimeCall::Billing(BillingCall::confirm { id: 0 }));
		let (claim, _) = Billing::claim_of(0).expect("a claim");
		ok_next(
			Dave,
			RuntimeCall::Billing(BillingCall::adjudicate_claim {
				id: claim,
				approve: true,
				reason: [0u8; 32],
			}),
		);
		assert_eq!(
			Billing::claim_of(0).map(|(_, c)| c.status),
			Some(pallet_billing::ClaimStatus::Approved)
		);

		// Revoke: in the same call, Bob's envelopes for Charlie's records go from state.
		ok_next(Charlie, RuntimeCall::Consent(ConsentCall::revoke_consent { id: bobs_consent }));
		assert!(pallet_records::Envelopes::<Runtime>::get(1, &bob).is_none());
		assert!(pallet_records::EnvelopesOf::<Runtime>::get(&charlie, &bob).is_empty());
		assert!(pallet_records::Envelopes::<Runtime>::iter().all(|(_, grantee, _)| grantee != bob));
		assert_eq!(
			refused_next(Bob, RuntimeCall::Records(RecordsCall::access_record { record: 1 })),
			records_error(pallet_records::Error::NoEnvelope)
		);
		// Nor can Charlie seal a key to Bob again.
		assert_eq!(
			refused_next(Charlie, envelope(1, &bob, sealed_key("key 2 for Bob, again"))),
			records_error(pallet_records::Error::NoConsent)
		);
		// The revoked consent names the tag until it is cleaned up (a patient-tag link, not a
		// record's); cleaning it up removes it.
		ok_next(Charlie, RuntimeCall::Consent(ConsentCall::remove_consent { id: bobs_consent }));

		// Re-key: the same content under a fresh data key, sealed to Charlie only. A different
		// commitment or an envelope for the revoked Bob is refused, and nothing changes.
		let same = hash_of("commitment 2");
		assert_eq!(
			refused_next(Charlie, rekey(hash_of("other content"), vec![])),
			records_error(pallet_records::Error::CommitmentMismatch)
		);
		let for_bob = refused_next(
			Charlie,
			rekey(
				same,
				vec![
					(charlie.clone(), sealed_key("key 3 for Charlie")),
					(bob.clone(), sealed_key("key 3 for Bob")),
				],
			),
		);
		assert!(
			[pallet_records::Error::NoEnvelope, pallet_records::Error::NoConsent]
				.into_iter()
				.any(|e| records_error(e) == for_bob),
			"{for_bob:?}"
		);
		assert!(pallet_records::Records::<Runtime>::get(2).is_none());
		ok_next(Charlie, rekey(same, vec![(charlie.clone(), sealed_key("key 3 for Charlie"))]));
		let Some(pallet_records::RecordEntry::Live(rekeyed)) =
			pallet_records::Records::<Runtime>::get(2)
		else {
			panic!("version 2 is live")
		};
		assert_eq!(
			(rekeyed.kind, rekeyed.commitment, rekeyed.supersedes, rekeyed.record),
			(pallet_records::VersionKind::ReKey, same, Some(1), 0)
		);
		let Some(pallet_records::RecordEntry::Live(replaced)) =
			pallet_records::Records::<Runtime>::get(1)
		else {
			panic!("version 1 is live, superseded")
		};
		assert!(replaced.locator.is_empty() && replaced.envelopes == 0);
		assert!(pallet_records::Envelopes::<Runtime>::iter_prefix(1).next().is_none());

		// Shred: every version keeps only its commitment and the time.
		ok_next(Charlie, RuntimeCall::Records(RecordsCall::shred_record { record: 0 }));
		let now = NOW + HOUR;
		for (version, commitment) in
			[(0, hash_of("commitment 1")), (1, hash_of("commitment 2")), (2, same)]
		{
			assert_eq!(
				pallet_records::Records::<Runtime>::get(version),
				Some(pallet_records::RecordEntry::Shredded { commitment, at: now }),
				"version {version}"
			);
		}
		assert!(pallet_records::TagPatients::<Runtime>::get(tag()).is_none());
		assert!(pallet_records::Envelopes::<Runtime>::iter().next().is_none());
		assert!(pallet_records::EnvelopesOf::<Runtime>::iter().next().is_none());

		// Nothing in the Telemed pallets' state, nor in any event of the journey, holds the
		// tag, a ciphertext hash, a locator or a sealed key of the record.
		let secrets: Vec<(&str, Vec<u8>)> = vec![
			("the tag", tag().to_vec()),
			("ciphertext hash 1", hash_of("ciphertext 1").to_vec()),
			("ciphertext hash 2", hash_of("ciphertext 2").to_vec()),
			("ciphertext hash 3", hash_of("ciphertext 3").to_vec()),
			("locator 1", sealed_locator("locator 1")),
			("locator 2", sealed_locator("locator 2")),
			("locator 3", sealed_locator("locator 3")),
			("Bob's sealed key", sealed_key("key 2 for Bob")),
			("Charlie's sealed key", sealed_key("key 2 for Charlie")),
			("Charlie's re-keyed sealed key", sealed_key("key 3 for Charlie")),
		];
		for pallet in ["Records", "Consent", "Billing", "Practitioners"] {
			let state = pallet_state(pallet);
			assert!(!state.is_empty(), "{pallet} has state");
			for (what, secret) in &secrets {
				for (key, value) in &state {
					assert!(
						!contains(key, secret) && !contains(value, secret),
						"{what} is still in {pallet}'s state under key 0x{}",
						hex(key)
					);
				}
			}
		}
		let events: Vec<Vec<u8>> =
			System::read_events_no_consensus().map(|record| record.event.encode()).collect();
		assert!(events.len() > 20, "the journey's events are kept in the block");
		for (what, secret) in &secrets {
			assert!(!events.iter().any(|e| contains(e, secret)), "{what} is in an event");
		}
	});
}

fn hex(bytes: &[u8]) -> String {
	bytes.iter().map(|b| format!("{b:02x}")).collect()
}
