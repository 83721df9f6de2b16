/**
 * The records pallet: patients, record versions, key envelopes, reads, re-keys and shredding.
 * Each call function signs, sends and waits for inclusion; a refusal throws
 * {@link DispatchError} (`records.NoConsent`…). Reads go through storage or the runtime's
 * `RecordsApi`.
 *
 * @module
 */

import { toHex } from '../bytes.ts';
import type { Account, Signer, TelemedChain } from './client.ts';
import { NotFoundError } from './errors.ts';
import { eventOf, send, type Included, type SendOptions } from './tx.ts';
import {
  big,
  bytes,
  envelopeFromJson,
  recordEntryFromJson,
  type KeyEnvelope,
  type PatientInfo,
  type PurposeOfUse,
  type RecordEntry,
  type RecordId,
  type RecordVersion,
} from './types.ts';

/** What a record version anchors: the output of `encryptContent` plus the sealed locator. */
export interface AnchoredVersion {
  /** `blake2_256(salt ‖ resource)`. */
  commitment: Uint8Array;
  /** `blake2_256(ciphertext)`. */
  ciphertextHash: Uint8Array;
  /** The ciphertext's size class. */
  sizeClass: number;
  /** The locator sealed under the version's data key. */
  locator: Uint8Array;
}

/** `records.registerPatient(key)`: registers the signer with a key-agreement public key. */
export async function registerPatient(chain: TelemedChain, signer: Signer, key: Uint8Array): Promise<Included> {
  return send(chain, chain.api.tx.records!.registerPatient!(toHex(key)), signer);
}

/** `records.rotatePatientKey(key)`. */
export async function rotatePatientKey(chain: TelemedChain, signer: Signer, key: Uint8Array): Promise<Included> {
  return send(chain, chain.api.tx.records!.rotatePatientKey!(toHex(key)), signer);
}

/**
 * `records.addRecord`: anchors the first version of a record of `patient`.
 *
 * @returns the new version's id (`RecordAdded.id`, also the record's identity)
 */
export async function addRecord(
  chain: TelemedChain,
  signer: Signer,
  patient: Account,
  tag: Uint8Array,
  content: AnchoredVersion,
  purpose: PurposeOfUse,
  options: SendOptions = {},
): Promise<RecordId> {
  const tx = chain.api.tx.records!.addRecord!(
    chain.address(patient), toHex(tag), toHex(content.commitment), toHex(content.ciphertextHash),
    content.sizeClass, toHex(content.locator), purpose);
  return big(eventOf(await send(chain, tx, signer, options), 'records', 'RecordAdded').fields.id);
}

/**
 * `records.amendRecord`: a new version superseding the current `previous`.
 *
 * @returns the new version's id
 */
export async function amendRecord(
  chain: TelemedChain,
  signer: Signer,
  previous: RecordId,
  content: AnchoredVersion,
  purpose: PurposeOfUse,
  options: SendOptions = {},
): Promise<RecordId> {
  const tx = chain.api.tx.records!.amendRecord!(
    previous, toHex(content.commitment), toHex(content.ciphertextHash), content.sizeClass,
    toHex(content.locator), purpose);
  return big(eventOf(await send(chain, tx, signer, options), 'records', 'RecordAmended').fields.id);
}

/** `records.addEnvelope`: stores `grantee`'s sealed data key for version `record`. */
export async function addEnvelope(
  chain: TelemedChain,
  signer: Signer,
  record: RecordId,
  grantee: Account,
  sealed: Uint8Array,
  purpose: PurposeOfUse,
  options: SendOptions = {},
): Promise<Included> {
  return send(chain, chain.api.tx.records!.addEnvelope!(record, chain.address(grantee), toHex(sealed), purpose), signer, options);
}

/** `records.removeEnvelope`. */
export async function removeEnvelope(chain: TelemedChain, signer: Signer, record: RecordId, grantee: Account): Promise<Included> {
  return send(chain, chain.api.tx.records!.removeEnvelope!(record, chain.address(grantee)), signer);
}

/** `records.accessRecord`: the checked and logged read of version `record` by the signer. */
export async function accessRecord(chain: TelemedChain, signer: Signer, record: RecordId, options: SendOptions = {}): Promise<Included> {
  return send(chain, chain.api.tx.records!.accessRecord!(record), signer, options);
}

/**
 * `records.rekeyRecord`: a `ReKey` version of the current `record` with the same commitment, a
 * new ciphertext and locator, and the given envelopes (grantee, sealed key).
 *
 * @returns the new version's id
 */
export async function rekeyRecord(
  chain: TelemedChain,
  signer: Signer,
  record: RecordId,
  content: AnchoredVersion,
  envelopes: readonly (readonly [Account, Uint8Array])[],
): Promise<RecordId> {
  const tx = chain.api.tx.records!.rekeyRecord!(
    record, toHex(content.commitment), toHex(content.ciphertextHash), content.sizeClass, toHex(content.locator),
    envelopes.map(([who, sealed]) => [chain.address(who), toHex(sealed)]));
  return big(eventOf(await send(chain, tx, signer), 'records', 'RecordReKeyed').fields.id);
}

/** `records.shredRecord`: crypto-shreds every version of the record `record` belongs to. */
export async function shredRecord(chain: TelemedChain, signer: Signer, record: RecordId): Promise<Included> {
  return send(chain, chain.api.tx.records!.shredRecord!(record), signer);
}

/** A stored version (`Records(id)`), or null if no version has this id. */
export async function recordEntry(chain: TelemedChain, id: RecordId): Promise<RecordEntry | null> {
  const json = (await chain.api.query.records!.records!(id)).toJSON() as Record<string, unknown> | null;
  return json && recordEntryFromJson(id, json);
}

/**
 * A version that is not shredded.
 *
 * @throws {@link NotFoundError} if there is no such version or it was shredded
 */
export async function recordVersion(chain: TelemedChain, id: RecordId): Promise<RecordVersion> {
  const entry = await recordEntry(chain, id);
  if (!entry) throw new NotFoundError(`no record version ${id}`);
  if (entry.shredded) throw new NotFoundError(`record version ${id} was shredded`);
  return entry.version;
}

/** Every version of the record `id` belongs to, oldest first (`RecordsApi.record_history`). */
export async function recordHistory(chain: TelemedChain, id: RecordId): Promise<RecordVersion[]> {
  const json = (await chain.api.call.recordsApi!.recordHistory!(id)).toJSON() as [number | string, Record<string, unknown>][];
  return json.map(([vid, r]) => {
    const entry = recordEntryFromJson(big(vid), { live: r });
    if (entry.shredded) throw new Error('unreachable: a live entry');
    return entry.version;
  });
}

/** `grantee`'s envelope for version `record` (`RecordsApi.envelope`), or null. */
export async function envelope(chain: TelemedChain, record: RecordId, grantee: Account): Promise<KeyEnvelope | null> {
  const json = (await chain.api.call.recordsApi!.envelope!(record, chain.address(grantee))).toJSON() as Record<string, unknown> | null;
  return json && envelopeFromJson(json);
}

/**
 * `grantee`'s envelope for version `record` as stored (`Envelopes`), whether or not the grantee
 * may read now (an emergency custodian's custody envelope, purpose `EmergencyTreatment`), or null.
 */
export async function storedEnvelope(chain: TelemedChain, record: RecordId, grantee: Account): Promise<KeyEnvelope | null> {
  const json = (await chain.api.query.records!.envelopes!(record, chain.address(grantee))).toJSON() as Record<string, unknown> | null;
  return json && envelopeFromJson(json);
}

/** The version ids `grantee` holds envelopes for among `patient`'s records (`EnvelopesOf`). */
export async function envelopesOf(chain: TelemedChain, patient: Account, grantee: Account): Promise<RecordId[]> {
  const json = (await chain.api.query.records!.envelopesOf!(chain.address(patient), chain.address(grantee))).toJSON() as (number | string)[];
  return json.map(big);
}

/** A registered patient (`RecordsApi.patient`), or null. */
export async function patient(chain: TelemedChain, who: Account): Promise<PatientInfo | null> {
  const json = (await chain.api.call.recordsApi!.patient!(chain.address(who))).toJSON() as Record<string, unknown> | null;
  return json && { key: bytes(json.key), deposit: big(json.deposit), registeredAt: Number(json.registeredAt) };
}

/** A device's anchored batch (`BatchAnchor`). */
export interface BatchAnchor {
  /** The device's sequence number for the batch. */
  seq: bigint;
  /** The Merkle root of its samples. */
  root: Uint8Array;
  /** How many samples. */
  samples: number;
  /** The first sample's time (ms). */
  from: number;
  /** The last sample's time (ms). */
  to: number;
  /** When it was anchored (the block's time, ms). */
  anchoredAt: number;
}

function batchFromJson(json: Record<string, unknown>): BatchAnchor {
  return {
    seq: big(json.seq),
    root: bytes(json.root),
    samples: Number(json.samples),
    from: Number(json.from),
    to: Number(json.to),
    anchoredAt: Number(json.anchoredAt),
  };
}

/**
 * `records.registerDevice(device, label)`: the patient names a wearable's account (pending
 * until the device confirms); `label` is a 32-byte hash of the patient's name for it.
 */
export async function registerDevice(chain: TelemedChain, signer: Signer, device: Account, label: Uint8Array): Promise<Included> {
  return send(chain, chain.api.tx.records!.registerDevice!(chain.address(device), toHex(label)), signer);
}

/** `records.confirmDevice(patient)`: signed by the device, its consent to the registration. */
export async function confirmDevice(chain: TelemedChain, signer: Signer, patient: Account): Promise<Included> {
  return send(chain, chain.api.tx.records!.confirmDevice!(chain.address(patient)), signer);
}

/**
 * `records.anchorBatch(seq, root, samples, from, to)`: signed by the device.
 *
 * @returns the anchor as the chain stored it (from `BatchAnchored`)
 */
export async function anchorBatch(
  chain: TelemedChain,
  signer: Signer,
  anchor: Omit<BatchAnchor, 'anchoredAt'>,
): Promise<BatchAnchor> {
  const tx = chain.api.tx.records!.anchorBatch!(anchor.seq, toHex(anchor.root), anchor.samples, anchor.from, anchor.to);
  return batchFromJson(eventOf(await send(chain, tx, signer), 'records', 'BatchAnchored').fields.batch as Record<string, unknown>);
}

/** A device's latest anchored batch (`RecordsApi.latest_batch`), or null. */
export async function latestBatch(chain: TelemedChain, device: Account): Promise<BatchAnchor | null> {
  const json = (await chain.api.call.recordsApi!.latestBatch!(chain.address(device))).toJSON() as Record<string, unknown> | null;
  return json && batchFromJson(json);
}

/**
 * The patients for whom `grantee` holds envelopes (`GranteePatients`), at most `max` (a
 * grantee's envelopes are bounded per patient, not the number of patients: page with
 * `max`).
 */
export async function granteePatients(chain: TelemedChain, grantee: Account, max = 256): Promise<string[]> {
  const keys = await chain.api.query.records!.granteePatients!.keysPaged({ args: [chain.address(grantee)], pageSize: max });
  return keys.map((k) => chain.address(k.args[1]!.toU8a()));
}
