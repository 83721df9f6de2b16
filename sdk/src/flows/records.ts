/**
 * Record flows: register a patient, add a FHIR resource, read it, amend it, shred it. Each is
 * the whole sequence of crypto, store and chain steps; the chain's refusals surface as
 * `DispatchError` (`records.NoConsent`…), the formats' as `FormatError` subclasses
 * (`MismatchError` for a blob that does not match the chain, `DecryptionError` for an envelope
 * that does not open).
 *
 * @module
 */

import type { Account } from '../chain/client.ts';
import { NotFoundError } from '../chain/errors.ts';
import { keyAgreementKeyOf } from '../chain/practitioners.ts';
import * as records from '../chain/records.ts';
import type { Included, SendOptions } from '../chain/tx.ts';
import type { KeyEnvelope, PurposeOfUse, RecordId, RecordVersion } from '../chain/types.ts';
import { FormatError } from '../errors.ts';
import { decryptAnchoredContent, encryptContent, newDataKey, type DecryptedContent } from '../content.ts';
import { openEnvelope, sealEnvelope, type EnvelopeBinding } from '../envelope.ts';
import { openLocator, sealLocator } from '../locator.ts';
import { currentKey, secretKeyFor, type Actor, type FlowContext } from './context.ts';
import { actsForPatient, custodiansHolding, EMERGENCY_PURPOSE } from './emergency.ts';

/**
 * Registers `patient` with their current key-agreement public key (`records.registerPatient`).
 */
export async function registerPatient(ctx: FlowContext, patient: Actor): Promise<Included> {
  return records.registerPatient(ctx.chain, patient.signer, currentKey(patient).publicKey);
}

/** The envelope binding of `grantee` for a version: genesis, record identity, version number. */
export function bindingFor(ctx: FlowContext, version: Pick<RecordVersion, 'record' | 'version'>, grantee: Account): EnvelopeBinding {
  return {
    genesisHash: ctx.chain.genesisHash,
    record: version.record,
    version: version.version,
    grantee: ctx.chain.accountId(grantee),
  };
}

/**
 * Seals `dataKey` to `grantee`'s published key (a patient's registered key, else a
 * practitioner's), bound to this chain, the version's record and number, and `grantee`.
 *
 * @param granteeKeyVersion - the key version the grantee's published key has (the chain does not
 *   say; 0 unless the grantee told you otherwise; a key ring opens any version anyway)
 * @throws `NotFoundError` if the grantee has published no key
 */
export async function sealFor(
  ctx: FlowContext,
  dataKey: Uint8Array,
  version: Pick<RecordVersion, 'record' | 'version'>,
  grantee: Account,
  granteeKeyVersion = 0,
): Promise<Uint8Array> {
  const key = await keyAgreementKeyOf(ctx.chain, grantee);
  return sealEnvelope(dataKey, key, granteeKeyVersion, bindingFor(ctx, version, grantee));
}

/** Options of {@link addResource} and {@link amendResource}. */
export interface WriteOptions {
  /** The purpose of use (consent check for a practitioner author; the envelopes' purpose). */
  purpose: PurposeOfUse;
  /** Also seal the new version's key to these accounts (e.g. the patient, when a practitioner writes). */
  sealTo?: Account[];
  /** How each of the write's transactions is sent (e.g. `timeoutMs`: a deadline for each). */
  send?: SendOptions;
}

/** What a write anchored. */
export interface Written {
  /** The new version's id. */
  id: RecordId;
  /** The version as the chain keeps it. */
  version: RecordVersion;
  /** Its data key (keep it only as long as needed). */
  dataKey: Uint8Array;
  /** Where the ciphertext is (unsealed). */
  locator: string;
}

/**
 * Adds a FHIR resource to `patient`'s records: encrypt under a fresh data key → store the
 * ciphertext → anchor tag, commitment, ciphertext hash, size class and sealed locator
 * (`records.addRecord`) → the author's own envelope (`records.addEnvelope`), and one for each of
 * `options.sealTo`.
 *
 * If the chain refuses the record, the ciphertext is deleted from the store again, so nothing is
 * left behind.
 *
 * @param tag - the blinded tag (`tagOf(patient's tag key, label)`)
 * @throws `DispatchError` (`records.UnknownPatient`, `records.NoConsent`…); `BlobStoreError`;
 *   `FormatError` for a resource past the largest size class
 */
export async function addResource(
  ctx: FlowContext,
  author: Actor,
  patient: Account,
  resource: Uint8Array,
  tag: Uint8Array,
  options: WriteOptions,
): Promise<Written> {
  const dataKey = newDataKey();
  const content = encryptContent(dataKey, resource);
  const locator = await ctx.store.put(content.ciphertext);
  let id: RecordId;
  try {
    id = await records.addRecord(ctx.chain, author.signer, patient, tag, { ...content, locator: sealLocator(dataKey, locator) }, options.purpose, options.send);
  } catch (e) {
    await ctx.store.delete(locator);
    throw e;
  }
  const version = await records.recordVersion(ctx.chain, id);
  await sealOwnAndOthers(ctx, author, dataKey, version, options);
  return { id, version, dataKey, locator };
}

/**
 * Amends the current version `previous`: the new resource under a fresh data key, stored, then
 * `records.amendRecord`, then the author's envelope and `options.sealTo`'s. Grantees of the old
 * version get no envelope for the new one unless named in `sealTo`, except, when the author is
 * the patient (or a delegate with `AccessRecords`), the patient's emergency custodians that
 * held a custody envelope of the old one: they get one with purpose `EmergencyTreatment` (the
 * key service releases only current versions). After another author's amendment the patient
 * calls `renewCustody` (flows/emergency.ts; the chain refuses custody envelopes from an author).
 *
 * @throws `DispatchError` (`records.NotCurrent`, `records.NoConsent`…); as {@link addResource}
 */
export async function amendResource(
  ctx: FlowContext,
  author: Actor,
  previous: RecordId,
  resource: Uint8Array,
  options: WriteOptions,
): Promise<Written> {
  // An unknown or shredded `previous` is left to the chain to refuse, as before. Only the
  // patient (or a delegate with AccessRecords) may seal custody envelopes.
  const old = await records.recordEntry(ctx.chain, previous);
  const custodians = old && !old.shredded && (await actsForPatient(ctx, old.version.patient, author.signer.address))
    ? await custodiansHolding(ctx, old.version.patient, previous)
    : [];
  const dataKey = newDataKey();
  const content = encryptContent(dataKey, resource);
  const locator = await ctx.store.put(content.ciphertext);
  let id: RecordId;
  try {
    id = await records.amendRecord(ctx.chain, author.signer, previous, { ...content, locator: sealLocator(dataKey, locator) }, options.purpose, options.send);
  } catch (e) {
    await ctx.store.delete(locator);
    throw e;
  }
  const version = await records.recordVersion(ctx.chain, id);
  await sealOwnAndOthers(ctx, author, dataKey, version, options, custodians);
  return { id, version, dataKey, locator };
}

async function sealOwnAndOthers(
  ctx: FlowContext,
  author: Actor,
  dataKey: Uint8Array,
  version: RecordVersion,
  options: WriteOptions,
  custodians: readonly string[] = [],
): Promise<void> {
  const own = currentKey(author);
  const me = author.signer.address;
  const envelopes: [Account, Uint8Array][] = [[me, await sealEnvelope(dataKey, own.publicKey, own.keyVersion, bindingFor(ctx, version, me))]];
  for (const grantee of options.sealTo ?? []) {
    if (ctx.chain.address(grantee) !== ctx.chain.address(me)) envelopes.push([grantee, await sealFor(ctx, dataKey, version, grantee)]);
  }
  const named = new Set(envelopes.map(([grantee]) => ctx.chain.address(grantee)));
  const custody: [Account, Uint8Array][] = [];
  for (const custodian of custodians) {
    if (!named.has(ctx.chain.address(custodian))) custody.push([custodian, await sealFor(ctx, dataKey, version, custodian)]);
  }
  // Sent together: they land in the same block (send() orders one signer's nonces).
  await Promise.all([
    ...envelopes.map(([grantee, sealed]) =>
      records.addEnvelope(ctx.chain, author.signer, version.id, grantee, sealed, options.purpose, options.send)),
    ...custody.map(([custodian, sealed]) =>
      records.addEnvelope(ctx.chain, author.signer, version.id, custodian, sealed, EMERGENCY_PURPOSE, options.send)),
  ]);
}

/**
 * The data key of version `id` for `holder`, from their envelope in state.
 *
 * @throws `NotFoundError` (no envelope, or sealed to a key the holder does not have);
 *   `DecryptionError` (it does not open: bound to another record, version, grantee or chain)
 */
export async function dataKeyOf(ctx: FlowContext, holder: Actor, id: RecordId): Promise<{ dataKey: Uint8Array; version: RecordVersion }> {
  const version = await records.recordVersion(ctx.chain, id);
  const envelope = await records.envelope(ctx.chain, id, holder.signer.address);
  if (!envelope) throw new NotFoundError(`${holder.signer.address} has no envelope for record version ${id}`);
  return { dataKey: await openKeyEnvelope(ctx, holder, version, envelope), version };
}

/**
 * Opens `envelope` as `holder`'s envelope for `version`.
 *
 * @throws `NotFoundError` (sealed to a key the holder does not have); `DecryptionError`
 */
export async function openKeyEnvelope(ctx: FlowContext, holder: Actor, version: RecordVersion, envelope: KeyEnvelope): Promise<Uint8Array> {
  const secret = secretKeyFor(holder, envelope.sealedTo, envelope.sealed);
  return openEnvelope(envelope.sealed, secret, bindingFor(ctx, version, holder.signer.address));
}

/** What {@link readRecord} returns. */
export interface ReadResult extends DecryptedContent {
  /** The version read. */
  version: RecordVersion;
}

/**
 * Opens a version with a data key: open the sealed locator → fetch the blob → check its
 * ciphertext hash and size class against the chain → decrypt → check the commitment.
 *
 * @throws `DecryptionError` (another key); `BlobNotFoundError`; `MismatchError` (`content`: the
 *   blob is not the anchored one, e.g. tampered; `commitment`: the plaintext is not the
 *   committed one)
 */
export async function openVersion(ctx: FlowContext, version: RecordVersion, dataKey: Uint8Array): Promise<ReadResult> {
  if (version.locator.length === 0) throw new NotFoundError(`record version ${version.id} was re-keyed: read the current version`);
  const blob = await ctx.store.get(openLocator(dataKey, version.locator));
  const opened = decryptAnchoredContent(dataKey, blob, version);
  return { ...opened, version };
}

/** Options of {@link readRecord}. */
export interface ReadOptions {
  /**
   * Send `records.accessRecord` first (default true): the chain checks the reader may read now
   * and logs the disclosure. The patient reading their own record may skip it.
   */
  access?: boolean;
  /** How `records.accessRecord` is sent (e.g. `timeoutMs`). */
  send?: SendOptions;
}

/**
 * Reads version `id` as `reader`: `records.accessRecord` (checked and logged) → the reader's
 * envelope from state → open it → fetch, check ciphertext hash and commitment → decrypt.
 *
 * @throws `DispatchError` (`records.NoEnvelope`, `records.NoConsent`, `records.RecordShredded`…);
 *   as {@link dataKeyOf} and {@link openVersion}
 */
export async function readRecord(ctx: FlowContext, reader: Actor, id: RecordId, options: ReadOptions = {}): Promise<ReadResult> {
  if (options.access ?? true) await records.accessRecord(ctx.chain, reader.signer, id, options.send);
  const { dataKey, version } = await dataKeyOf(ctx, reader, id);
  return openVersion(ctx, version, dataKey);
}

/** What {@link shredRecord} did. */
export interface Shredded {
  /** How many ciphertexts were deleted from the store. */
  deleted: number;
  /**
   * How many versions still had a locator the patient could not open (no envelope of theirs,
   * or one sealed to a key they no longer hold): their ciphertexts stay wherever they are, but
   * with the envelopes gone nobody can decrypt them from the chain.
   */
  unreachable: number;
  /** The shred's inclusion. */
  included: Included;
}

/**
 * Crypto-shreds the record `id` belongs to: finds every version's ciphertext the patient can
 * still locate (through their own envelopes), `records.shredRecord` (every version loses its
 * envelopes and metadata; the commitment stays), then deletes those ciphertexts from the store.
 * A version the patient cannot open does not stop the shred.
 *
 * @throws `DispatchError` (`records.RecordShredded`, `records.NotPermitted`…): nothing is
 *   deleted then
 */
export async function shredRecord(ctx: FlowContext, patient: Actor, id: RecordId): Promise<Shredded> {
  const locators: string[] = [];
  let unreachable = 0;
  for (const version of await records.recordHistory(ctx.chain, id)) {
    if (version.locator.length === 0) continue;
    try {
      const envelope = await records.envelope(ctx.chain, version.id, patient.signer.address);
      if (!envelope) throw new NotFoundError(`no envelope for record version ${version.id}`);
      const dataKey = await openKeyEnvelope(ctx, patient, version, envelope);
      locators.push(openLocator(dataKey, version.locator));
    } catch (e) {
      if (!(e instanceof NotFoundError || e instanceof FormatError)) throw e;
      unreachable += 1;
    }
  }
  const included = await records.shredRecord(ctx.chain, patient.signer, id);
  for (const locator of locators) await ctx.store.delete(locator);
  return { deleted: locators.length, unreachable, included };
}
