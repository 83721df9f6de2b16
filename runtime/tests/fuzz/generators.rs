//! One generator per pallet: each draws one of the pallet's calls, with its origin (mostly the
//! one the call wants, sometimes another) and arguments from the small domains of
//! [`super::domain`], ids near those in use read from state. Governance calls go through
//! [`governed`]: a council or technical-committee motion, sudo (rarely), or a plain signer
//! (refused).

use super::domain::*;
use codec::{Decode, Encode};
use frame_support::weights::Weight;
use pallet_collective::{Instance1, Instance2};
use sp_core::proof_of_possession::ProofOfPossessionGenerator;
use sp_keyring::{Ed25519Keyring, Sr25519Keyring};
use sp_runtime::{traits::Get, Permill};
use telemed_primitives::{AccessTarget, DelegateScope};
use telemed_runtime::{Runtime, RuntimeCall, SessionKeys};

/// A signer and the call they sign.
pub type Gen = (Sr25519Keyring, RuntimeCall);

/// What the generators know of the chain beyond its storage.
pub struct World {
	/// The current block's timestamp.
	pub now: u64,
}

type PractitionersCall = pallet_practitioners::Call<Runtime>;
type ConsentCall = pallet_consent::Call<Runtime>;
type RecordsCall = pallet_records::Call<Runtime>;
type BillingCall = pallet_billing::Call<Runtime>;
type PrescriptionsCall = pallet_prescriptions::Call<Runtime>;
type CouncilCall = pallet_collective::Call<Runtime, Instance1>;
type TechnicalCall = pallet_collective::Call<Runtime, Instance2>;

/// Draws a call of a pallet, the pallets weighted by how much of the runtime's logic they hold.
pub fn any(rng: &mut Rng, w: &World) -> Gen {
	match rng.below(100) {
		0..=5 => balances(rng),
		6..=17 => practitioners(rng, w),
		18..=32 => consent(rng, w),
		33..=50 => records(rng, w),
		51..=68 => billing(rng, w),
		69..=76 => prescriptions(rng, w),
		77..=79 => upgrades(rng),
		80..=81 => validator_set(rng),
		82..=84 => session(rng),
		85..=92 => collectives(rng),
		93..=94 => membership(rng),
		95..=96 => preimage(rng),
		97 => treasury(rng),
		_ => system(rng),
	}
}

/// A governance call: mostly a council motion (which [`collectives`] votes on and closes
/// later), or a technical-committee motion, sudo (rarely), or a plain signer (refused).
pub fn governed(call: RuntimeCall, rng: &mut Rng) -> Gen {
	let length_bound = call.encoded_size() as u32;
	match rng.below(20) {
		0 => (rng.signer_or(Sr25519Keyring::Alice), sudo(call)),
		1..=3 => (rng.signer(), call),
		4..=7 => (
			rng.signer_among(&TECHNICAL),
			RuntimeCall::TechnicalCommittee(TechnicalCall::propose {
				threshold: rng.pick(&[1, 2, 2]),
				proposal: Box::new(call),
				length_bound,
			}),
		),
		_ => (
			rng.signer_among(&COUNCIL),
			RuntimeCall::Council(CouncilCall::propose {
				threshold: rng.pick(&[1, 2, 2, 2, 3]),
				proposal: Box::new(call),
				// Now and then one byte short: `WrongProposalLength`.
				length_bound: length_bound.saturating_sub(rng.chance(5) as u32),
			}),
		),
	}
}

fn sudo(call: RuntimeCall) -> RuntimeCall {
	RuntimeCall::Sudo(pallet_sudo::Call::sudo { call: Box::new(call) })
}

pub fn balances(rng: &mut Rng) -> Gen {
	type Call = pallet_balances::Call<Runtime>;
	let dest = rng.account().into();
	let value = rng.amount();
	// `transfer_all` rarely: an account that gave everything away signs nothing more that
	// applies (it cannot pay a fee), and the calls it was cast for go untested.
	let call = match rng.below(40) {
		0..=9 => Call::transfer_allow_death { dest, value },
		10 => Call::transfer_all { dest, keep_alive: rng.chance(50) },
		_ => Call::transfer_keep_alive { dest, value },
	};
	(rng.signer(), RuntimeCall::Balances(call))
}

pub fn practitioners(rng: &mut Rng, w: &World) -> Gen {
	type Call = PractitionersCall;
	let licence = rng.id(pallet_practitioners::NextLicenceId::<Runtime>::get());
	let by_practitioner = |call: Call, rng: &mut Rng| {
		(rng.signer_among(&PRACTITIONERS), RuntimeCall::Practitioners(call))
	};
	let by_authority =
		|call: Call, rng: &mut Rng| (rng.signer_or(AUTHORITY), RuntimeCall::Practitioners(call));
	match rng.below(16) {
		0 => governed(
			RuntimeCall::Practitioners(Call::add_authority {
				authority: rng.account(),
				name: rng.bytes(),
				jurisdictions: rng.bounded(|rng| rng.jurisdiction()),
			}),
			rng,
		),
		1 => governed(
			RuntimeCall::Practitioners(Call::update_authority {
				authority: rng.signer_or(AUTHORITY).to_account_id(),
				name: rng.bytes(),
				jurisdictions: rng.bounded(|rng| rng.jurisdiction()),
			}),
			rng,
		),
		2 if rng.chance(20) => governed(
			RuntimeCall::Practitioners(Call::remove_authority {
				authority: rng.signer_or(AUTHORITY).to_account_id(),
			}),
			rng,
		),
		3 => governed(
			RuntimeCall::Practitioners(Call::force_revoke_licence {
				id: licence,
				reason: rng.hash(),
			}),
			rng,
		),
		4 => {
			let call = Call::register {
				display_name: rng.bytes(),
				roles: rng.bounded(|rng| rng.role()),
				specialties: rng.bounded(|rng| {
					let code: &[u8] = rng.pick(&[&b"394814009"[..], &b"419192003"[..], &b""[..]]);
					code.to_vec().try_into().unwrap_or_default()
				}),
				key_agreement_key: rng.key(),
			};
			(rng.signer(), RuntimeCall::Practitioners(call))
		},
		5 => by_practitioner(
			Call::update_profile {
				display_name: rng.bytes(),
				roles: rng.bounded(|rng| rng.role()),
				specialties: Default::default(),
			},
			rng,
		),
		6 => by_practitioner(Call::rotate_key_agreement_key { new_key: rng.key() }, rng),
		7 if rng.chance(20) => by_practitioner(Call::deregister {}, rng),
		8 | 9 => {
			let valid_from = rng.moment(w.now);
			let expires_at = if rng.chance(80) {
				valid_from.saturating_add(365 * DAY)
			} else {
				rng.moment(w.now)
			};
			by_authority(
				Call::issue_licence {
					holder: rng.practitioner(),
					jurisdiction: rng.jurisdiction(),
					role: rng.role(),
					specialty: None,
					number_commitment: rng.hash(),
					evidence: rng.hash(),
					valid_from,
					expires_at,
					emergency_care: rng.chance(70),
				},
				rng,
			)
		},
		10 => by_authority(
			Call::renew_licence {
				id: licence,
				expires_at: rng.moment(w.now),
				evidence: rng.chance(50).then(|| rng.hash()),
			},
			rng,
		),
		11 => by_authority(Call::suspend_licence { id: licence, reason: rng.hash() }, rng),
		12 => by_authority(Call::reinstate_licence { id: licence }, rng),
		13 if rng.chance(30) => {
			by_authority(Call::revoke_licence { id: licence, reason: rng.hash() }, rng)
		},
		14 if rng.chance(30) => by_practitioner(Call::surrender_licence { id: licence }, rng),
		_ => (
			rng.signer(),
			RuntimeCall::Practitioners(Call::prune_licences { holder: rng.practitioner() }),
		),
	}
}

/// A consent scope: all data, some tags, or some records (ids near those in use).
fn scope(rng: &mut Rng) -> pallet_consent::ScopeRequestOf<Runtime> {
	let next = pallet_records::NextRecordId::<Runtime>::get();
	match rng.below(3) {
		0 => pallet_consent::ScopeRequest::AllData,
		1 => pallet_consent::ScopeRequest::Tags(rng.bounded(|rng| rng.tag())),
		_ => pallet_consent::ScopeRequest::Records(rng.bounded(|rng| rng.id(next))),
	}
}

pub fn consent(rng: &mut Rng, w: &World) -> Gen {
	type Call = ConsentCall;
	let consent = rng.id(pallet_consent::NextConsentId::<Runtime>::get());
	let access = rng.id(pallet_consent::NextEmergencyAccessId::<Runtime>::get());
	let patient = rng.signer_among(&PATIENTS);
	let call = match rng.below(12) {
		0..=2 => {
			let start = rng.chance(20).then(|| rng.moment(w.now));
			let end = rng.chance(30).then(|| rng.moment(w.now));
			Call::grant_consent {
				patient: rng.signer_or(patient).to_account_id(),
				grantee: rng.account(),
				decision: if rng.chance(85) {
					pallet_consent::Decision::Permit
				} else {
					pallet_consent::Decision::Deny
				},
				actions: rng.bounded(|rng| rng.action()),
				scope: scope(rng),
				purposes: rng.bounded(|rng| rng.purpose()),
				start,
				end,
			}
		},
		3 => Call::revoke_consent { id: consent },
		4 => Call::remove_consent { id: consent },
		5 => Call::add_delegate {
			delegate: rng.account(),
			scopes: rng.bounded(|rng| rng.pick(&DelegateScope::ALL)),
			until: rng.chance(30).then(|| rng.moment(w.now)),
		},
		6 => Call::remove_delegate { patient: patient.to_account_id(), delegate: rng.account() },
		7 => {
			return (
				rng.signer_among(&PRACTITIONERS),
				RuntimeCall::Consent(Call::open_emergency_access {
					patient: rng.patient(),
					statement: rng.hash(),
				}),
			)
		},
		8 => {
			return (
				rng.signer_among(&PRACTITIONERS),
				RuntimeCall::Consent(Call::close_emergency_access { id: access }),
			)
		},
		9 => {
			return governed(
				RuntimeCall::Consent(Call::review_emergency_access {
					id: access,
					justified: rng.chance(50),
				}),
				rng,
			)
		},
		_ => {
			let next = pallet_records::NextRecordId::<Runtime>::get();
			let target = match rng.below(4) {
				0 => AccessTarget::Record { tag: rng.tag(), record: rng.id(next) },
				1 => AccessTarget::Tag(rng.tag()),
				2 => AccessTarget::AllData,
				_ => AccessTarget::Relationship,
			};
			return (
				rng.signer(),
				RuntimeCall::Consent(Call::log_access {
					patient: rng.patient(),
					action: rng.action(),
					target,
					purpose: rng.purpose(),
				}),
			);
		},
	};
	(rng.signer_or(patient), RuntimeCall::Consent(call))
}

/// A sealed envelope: one byte short of the minimum, the minimum, a usual one, or the bound.
fn sealed<S: Get<u32>>(rng: &mut Rng) -> sp_runtime::BoundedVec<u8, S> {
	let min = pallet_records::MIN_ENVELOPE_LEN as usize;
	let len = rng.pick(&[min - 1, min, 104, 104, S::get() as usize]);
	vec![7u8; len].try_into().unwrap_or_default()
}

/// A locator: empty (refused), short, or at its bound.
fn locator<S: Get<u32>>(rng: &mut Rng) -> sp_runtime::BoundedVec<u8, S> {
	let len = rng.pick(&[0, 46, 46, 46, S::get() as usize]);
	vec![b'Q'; len].try_into().unwrap_or_default()
}

/// A size class: in range mostly, at and one past its bounds.
fn size_class(rng: &mut Rng) -> u8 {
	use pallet_records::{MAX_SIZE_CLASS, MIN_SIZE_CLASS};
	rng.pick(&[MIN_SIZE_CLASS - 1, MIN_SIZE_CLASS, 16, 16, 20, MAX_SIZE_CLASS, MAX_SIZE_CLASS + 1])
}

pub fn records(rng: &mut Rng, w: &World) -> Gen {
	type Call = RecordsCall;
	let record = rng.id(pallet_records::NextRecordId::<Runtime>::get());
	let patient = rng.signer_among(&PATIENTS);
	let author = rng.signer_among(&[PRACTITIONERS[0], PRACTITIONERS[1], patient]);
	let device = rng.signer_or(Sr25519Keyring::FerdieStash);
	let (signer, call) = match rng.below(22) {
		0 => (rng.signer(), Call::register_patient { key: rng.key() }),
		1 => (patient, Call::rotate_patient_key { key: rng.key() }),
		2..=5 => (
			author,
			Call::add_record {
				patient: rng.patient(),
				tag: rng.tag(),
				commitment: rng.hash(),
				ciphertext_hash: rng.hash(),
				size_class: size_class(rng),
				locator: locator(rng),
				purpose: rng.purpose(),
			},
		),
		6 | 7 => (
			author,
			Call::amend_record {
				previous: record,
				commitment: rng.hash(),
				ciphertext_hash: rng.hash(),
				size_class: size_class(rng),
				locator: locator(rng),
				purpose: rng.purpose(),
			},
		),
		8..=10 => (
			rng.signer_among(&[patient, author]),
			Call::add_envelope {
				record,
				grantee: rng.account(),
				sealed: sealed(rng),
				purpose: rng.purpose(),
			},
		),
		11 => (
			rng.signer_among(&[patient, author]),
			Call::remove_envelope { record, grantee: rng.account() },
		),
		12 => (rng.signer(), Call::access_record { record }),
		13 => (patient, Call::shred_record { record }),
		14 if rng.chance(20) => (
			patient,
			Call::shred_all { patient: rng.patient(), max_records: rng.pick(&[0, 1, 5, u32::MAX]) },
		),
		15 => (
			patient,
			Call::register_device {
				device: rng.signer_or(Sr25519Keyring::FerdieStash).to_account_id(),
				label: rng.hash(),
			},
		),
		16 => (device, Call::confirm_device { patient: rng.patient() }),
		17 => {
			let from = rng.moment(w.now);
			(
				device,
				Call::anchor_batch {
					seq: rng.pick(&[0, 1, 2, 3, u64::MAX]),
					root: rng.hash(),
					samples: rng.pick(&[0, 1, 60, u32::MAX]),
					from,
					to: from.saturating_add(rng.pick(&[0, HOUR, u64::MAX])),
				},
			)
		},
		18 => (patient, Call::retire_device { device: device.to_account_id() }),
		19 => (
			rng.signer_among(&[patient, device]),
			Call::cancel_device { device: device.to_account_id() },
		),
		20 => (
			rng.signer_among(&[patient, device]),
			Call::remove_device { device: device.to_account_id() },
		),
		21 if rng.chance(10) => (patient, Call::deregister_patient {}),
		_ if rng.chance(50) => {
			let envelopes = rng.bounded(|rng| (rng.account(), sealed(rng)));
			(
				rng.signer_among(&[patient, author]),
				Call::rekey_record {
					record,
					commitment: rng.hash(),
					ciphertext_hash: rng.hash(),
					size_class: size_class(rng),
					locator: locator(rng),
					envelopes,
				},
			)
		},
		_ => (rng.signer(), Call::prune_revoked { grantee: rng.account(), patient: rng.patient() }),
	};
	(signer, RuntimeCall::Records(call))
}

pub fn billing(rng: &mut Rng, w: &World) -> Gen {
	type Call = BillingCall;
	let consultation = rng.id(pallet_billing::NextConsultationId::<Runtime>::get());
	let claim = rng.id(pallet_billing::NextClaimId::<Runtime>::get());
	let policy = rng.id(pallet_billing::NextPolicyId::<Runtime>::get());
	let patient = rng.signer_among(&PATIENTS);
	let practitioner = rng.signer_among(&PRACTITIONERS);
	let insurer = rng.signer_or(INSURER);
	let party = rng.signer_among(&[patient, practitioner]);
	let (signer, call) = match rng.below(24) {
		0 => (
			practitioner,
			Call::set_service {
				service: rng.service(),
				description: rng.hash(),
				price: rng.pick(&[0, 1, 50 * telemed_runtime::UNITS, u128::MAX]),
				duration: rng.pick(&[0, 30 * MINUTE, HOUR, u64::MAX]),
			},
		),
		1 => (practitioner, Call::withdraw_service { service: rng.service() }),
		2..=4 => (
			patient,
			Call::book {
				patient: rng.patient(),
				practitioner: rng.practitioner(),
				service: rng.service(),
				scheduled_at: rng.moment(w.now),
				policy: rng.chance(50).then_some(policy),
			},
		),
		5 => (practitioner, Call::accept { id: consultation }),
		6 => (practitioner, Call::decline { id: consultation }),
		7 => (party, Call::cancel { id: consultation }),
		8 | 9 => (
			practitioner,
			Call::mark_delivered {
				id: consultation,
				encounter: rng.chance(50).then(|| rng.hash()),
			},
		),
		10 => (patient, Call::confirm { id: consultation }),
		11 => (patient, Call::dispute { id: consultation }),
		12 => (rng.signer(), Call::settle { id: consultation }),
		13 => {
			let refund = Permill::from_percent(rng.pick(&[0u32, 50, 100]));
			return governed(
				RuntimeCall::Billing(Call::resolve_dispute { id: consultation, refund }),
				rng,
			);
		},
		14 if rng.chance(30) => {
			return governed(
				RuntimeCall::Billing(Call::register_insurer {
					insurer: rng.account(),
					name: rng.bytes(),
				}),
				rng,
			);
		},
		15 => (insurer, Call::fund_pool { amount: rng.amount() }),
		16 => (insurer, Call::withdraw_pool { amount: rng.amount() }),
		17 => {
			let valid_from = rng.moment(w.now);
			(
				insurer,
				Call::issue_policy {
					patient: rng.patient(),
					covered: rng.bounded(|rng| rng.service()),
					coverage: Permill::from_percent(rng.pick(&[0u32, 80, 100])),
					annual_limit: rng.amount(),
					valid_from,
					valid_until: valid_from.saturating_add(rng.pick(&[0, DAY, 365 * DAY])),
				},
			)
		},
		18 => (insurer, Call::end_policy { id: policy }),
		19 => (
			insurer,
			Call::adjudicate_claim { id: claim, approve: rng.chance(70), reason: rng.hash() },
		),
		20 => (rng.signer(), Call::finalize_claim { id: claim }),
		21 => (rng.signer(), Call::release_lapsed { id: consultation }),
		22 => (rng.signer(), Call::close_dispute { id: consultation }),
		_ => (rng.signer(), Call::reap { id: consultation }),
	};
	(signer, RuntimeCall::Billing(call))
}

/// A dispense secret: one of six, so that a presented secret is often the next fill's.
fn dispense_secret(rng: &mut Rng) -> [u8; 32] {
	[0x70 + rng.below(6) as u8; 32]
}

/// A version's fills and one secret hash per fill (sometimes one too few, or repeated ones):
/// none, one, a few, at and one past `MaxFills`.
fn fills_and_hashes(rng: &mut Rng) -> (u32, pallet_prescriptions::DispenseHashesOf<Runtime>) {
	let max = <Runtime as pallet_prescriptions::Config>::MaxFills::get();
	let fills = rng.pick(&[0, 1, 1, 2, 3, max, max + 1]);
	let count = if rng.chance(80) { fills } else { fills.saturating_sub(1) };
	let hashes: Vec<[u8; 32]> = (0..count.min(max))
		.map(|_| pallet_prescriptions::secret_hash(&dispense_secret(rng)))
		.collect();
	(fills, hashes.try_into().unwrap_or_default())
}

pub fn prescriptions(rng: &mut Rng, w: &World) -> Gen {
	type Call = PrescriptionsCall;
	let id = rng.id(pallet_prescriptions::NextPrescriptionId::<Runtime>::get());
	let prescriber = rng.signer_among(&PRACTITIONERS);
	let patient = rng.signer_among(&PATIENTS);
	let (fills, dispense_hashes) = fills_and_hashes(rng);
	let (signer, call) = match rng.below(10) {
		0..=2 => (
			prescriber,
			Call::issue {
				patient: rng.patient(),
				commitment: rng.hash(),
				ciphertext_hash: rng.hash(),
				locator: locator(rng),
				fills,
				expires_at: rng.moment(w.now),
				controlled: rng.chance(30),
				dispense_hashes,
			},
		),
		3..=5 => {
			(rng.signer_among(&PRACTITIONERS), Call::dispense { id, secret: dispense_secret(rng) })
		},
		6 => (
			prescriber,
			Call::amend {
				id,
				commitment: rng.hash(),
				ciphertext_hash: rng.hash(),
				locator: locator(rng),
				fills,
				expires_at: rng.moment(w.now),
				controlled: rng.chance(30),
				dispense_hashes,
			},
		),
		7 | 8 => (rng.signer_among(&[prescriber, patient]), Call::cancel { id }),
		_ => (rng.signer(), Call::expire { id }),
	};
	(signer, RuntimeCall::Prescriptions(call))
}

/// A code hash: of no code, or of the runtime's own code (an upgrade to the same version is
/// refused when applied).
fn code_hash(rng: &mut Rng) -> sp_core::H256 {
	sp_core::H256::from(rng.hash())
}

pub fn upgrades(rng: &mut Rng) -> Gen {
	type Call = pallet_upgrades::Call<Runtime>;
	let call = match rng.below(3) {
		0 => Call::schedule_upgrade { code_hash: code_hash(rng) },
		1 => Call::fast_track_upgrade { code_hash: code_hash(rng) },
		_ => Call::cancel_upgrade {},
	};
	governed(RuntimeCall::Upgrades(call), rng)
}

pub fn validator_set(rng: &mut Rng) -> Gen {
	type Call = pallet_validator_set::Call<Runtime>;
	let validator = rng.signer_among(&[Sr25519Keyring::Alice, Sr25519Keyring::Eve]);
	let call = if rng.chance(50) {
		Call::add_validator { validator: validator.to_account_id() }
	} else {
		Call::remove_validator { validator: validator.to_account_id() }
	};
	governed(RuntimeCall::ValidatorSet(call), rng)
}

/// The session keys of a development account, with the proof that the keys sign the account.
pub fn session_keys(who: Sr25519Keyring) -> (SessionKeys, Vec<u8>) {
	let ed = match who {
		Sr25519Keyring::Alice => Ed25519Keyring::Alice,
		Sr25519Keyring::Bob => Ed25519Keyring::Bob,
		Sr25519Keyring::Charlie => Ed25519Keyring::Charlie,
		Sr25519Keyring::Dave => Ed25519Keyring::Dave,
		Sr25519Keyring::Eve => Ed25519Keyring::Eve,
		_ => Ed25519Keyring::Ferdie,
	};
	let keys = SessionKeys { aura: who.public().into(), grandpa: ed.public().into() };
	let owner = who.to_account_id().encode();
	let proof = (
		who.pair().generate_proof_of_possession(&owner),
		ed.pair().generate_proof_of_possession(&owner),
	)
		.encode();
	(keys, proof)
}

pub fn session(rng: &mut Rng) -> Gen {
	type Call = pallet_session::Call<Runtime>;
	let signer = rng.signer_among(&[Sr25519Keyring::Eve, Sr25519Keyring::Alice]);
	let call = if rng.chance(70) {
		// Another account's keys now and then: refused (a bad proof, or keys in use).
		let owner = if rng.chance(85) { signer } else { rng.signer() };
		let (keys, mut proof) = session_keys(owner);
		if rng.chance(5) {
			proof.truncate(proof.len() / 2);
		}
		Call::set_keys { keys, proof }
	} else {
		Call::purge_keys {}
	};
	(signer, RuntimeCall::Session(call))
}

/// The index of an open motion of a collective, from its votes (`Votes` begins with it).
fn motion_index<V: Encode>(votes: Option<V>) -> u32 {
	votes.and_then(|v| u32::decode(&mut &v.encode()[..]).ok()).unwrap_or_default()
}

/// Votes on, closes, disapproves or kills an open motion of the council or the technical
/// committee; proposes a governance call when none is open.
pub fn collectives(rng: &mut Rng) -> Gen {
	let council = rng.chance(70);
	let proposals: Vec<sp_core::H256> = if council {
		pallet_collective::Proposals::<Runtime, Instance1>::get().into_inner()
	} else {
		pallet_collective::Proposals::<Runtime, Instance2>::get().into_inner()
	};
	if proposals.is_empty() {
		return governed(governance_call(rng), rng);
	}
	let hash = rng.pick(&proposals);
	let (index, length) = if council {
		(
			motion_index(pallet_collective::Voting::<Runtime, Instance1>::get(hash)),
			pallet_collective::ProposalOf::<Runtime, Instance1>::get(hash)
				.map(|p| p.encoded_size() as u32),
		)
	} else {
		(
			motion_index(pallet_collective::Voting::<Runtime, Instance2>::get(hash)),
			pallet_collective::ProposalOf::<Runtime, Instance2>::get(hash)
				.map(|p| p.encoded_size() as u32),
		)
	};
	let length_bound = length.unwrap_or_default();
	let bound = Weight::from_parts(1_000_000_000_000, 5 * 1024 * 1024);
	let members: &[Sr25519Keyring] = if council { &COUNCIL } else { &TECHNICAL };
	let signer = rng.signer_among(members);
	match rng.below(10) {
		0..=5 => {
			let approve = rng.chance(85);
			let call = if council {
				RuntimeCall::Council(CouncilCall::vote { proposal: hash, index, approve })
			} else {
				RuntimeCall::TechnicalCommittee(TechnicalCall::vote {
					proposal: hash,
					index,
					approve,
				})
			};
			(signer, call)
		},
		6..=8 => {
			let call = if council {
				RuntimeCall::Council(CouncilCall::close {
					proposal_hash: hash,
					index,
					proposal_weight_bound: bound,
					length_bound,
				})
			} else {
				RuntimeCall::TechnicalCommittee(TechnicalCall::close {
					proposal_hash: hash,
					index,
					proposal_weight_bound: bound,
					length_bound,
				})
			};
			(signer, call)
		},
		_ => {
			let call = if council {
				RuntimeCall::Council(CouncilCall::disapprove_proposal { proposal_hash: hash })
			} else {
				RuntimeCall::TechnicalCommittee(TechnicalCall::kill { proposal_hash: hash })
			};
			governed(call, rng)
		},
	}
}

/// A governance call, for a motion when none is open.
fn governance_call(rng: &mut Rng) -> RuntimeCall {
	match rng.below(5) {
		0 => RuntimeCall::Practitioners(PractitionersCall::add_authority {
			authority: rng.account(),
			name: rng.bytes(),
			jurisdictions: rng.bounded(|rng| rng.jurisdiction()),
		}),
		1 => RuntimeCall::Upgrades(pallet_upgrades::Call::schedule_upgrade {
			code_hash: code_hash(rng),
		}),
		2 => RuntimeCall::ValidatorSet(pallet_validator_set::Call::add_validator {
			validator: rng.account(),
		}),
		3 => RuntimeCall::Billing(BillingCall::register_insurer {
			insurer: rng.account(),
			name: rng.bytes(),
		}),
		_ => RuntimeCall::Consent(ConsentCall::review_emergency_access {
			id: rng.id(pallet_consent::NextEmergencyAccessId::<Runtime>::get()),
			justified: rng.chance(50),
		}),
	}
}

pub fn membership(rng: &mut Rng) -> Gen {
	type Council = pallet_membership::Call<Runtime, Instance1>;
	type Technical = pallet_membership::Call<Runtime, Instance2>;
	let who = rng.signer_among(&[Sr25519Keyring::Dave, Sr25519Keyring::Charlie]);
	let call = match rng.below(6) {
		0 => {
			RuntimeCall::CouncilMembership(Council::add_member { who: who.to_account_id().into() })
		},
		1 if rng.chance(30) => RuntimeCall::CouncilMembership(Council::remove_member {
			who: who.to_account_id().into(),
		}),
		2 => RuntimeCall::CouncilMembership(Council::set_prime { who: who.to_account_id().into() }),
		3 => RuntimeCall::TechnicalMembership(Technical::add_member {
			who: who.to_account_id().into(),
		}),
		4 if rng.chance(30) => RuntimeCall::TechnicalMembership(Technical::remove_member {
			who: who.to_account_id().into(),
		}),
		_ => RuntimeCall::CouncilMembership(Council::clear_prime {}),
	};
	governed(call, rng)
}

pub fn preimage(rng: &mut Rng) -> Gen {
	type Call = pallet_preimage::Call<Runtime>;
	let bytes = vec![rng.below(3) as u8; rng.pick(&[0, 1, 32, 1000])];
	let hash = sp_core::H256(sp_io::hashing::blake2_256(&bytes));
	match rng.below(5) {
		0 | 1 => (rng.signer(), RuntimeCall::Preimage(Call::note_preimage { bytes })),
		2 => (rng.signer(), RuntimeCall::Preimage(Call::unnote_preimage { hash })),
		3 => governed(RuntimeCall::Preimage(Call::request_preimage { hash }), rng),
		_ => governed(RuntimeCall::Preimage(Call::unrequest_preimage { hash }), rng),
	}
}

pub fn treasury(rng: &mut Rng) -> Gen {
	type Call = pallet_treasury::Call<Runtime>;
	let index = rng.below(pallet_treasury::SpendCount::<Runtime>::get() as u64 + 1) as u32;
	match rng.below(4) {
		0 => governed(
			RuntimeCall::Treasury(Call::spend {
				asset_kind: Box::new(()),
				amount: rng.amount(),
				beneficiary: Box::new(rng.account()),
				valid_from: None,
			}),
			rng,
		),
		1 => (rng.signer(), RuntimeCall::Treasury(Call::payout { index })),
		2 => (rng.signer(), RuntimeCall::Treasury(Call::check_status { index })),
		_ => governed(RuntimeCall::Treasury(Call::void_spend { index }), rng),
	}
}

pub fn system(rng: &mut Rng) -> Gen {
	type Call = frame_system::Call<Runtime>;
	let remark = vec![0u8; rng.pick(&[0, 32, 4096])];
	let call =
		if rng.chance(50) { Call::remark { remark } } else { Call::remark_with_event { remark } };
	(rng.signer(), RuntimeCall::System(call))
}
