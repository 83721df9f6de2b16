// Patient records end to end, with the SDK's cryptography on the client (sdk/FORMATS.md) and
// nothing on chain that says what a record is about: the patient (keys from an SDK recovery
// phrase) encrypts a (synthetic) FHIR Observation under a fresh data key, padded to a size class,
// keeps the ciphertext off chain and anchors its commitment, ciphertext hash, size class, a
// locator sealed under the data key and a blinded tag (HMAC-SHA-256 of its category under the
// patient's tag key). A consent scoped to the tag lets a licensed physician read through the
// chain (checked and logged) and take his HPKE envelope from state. Revoking the consent removes
// his envelope from state in the same call; a re-key then makes his old key useless for the
// current ciphertext. Shredding leaves only the commitment and the time. A wearable the patient
// names (by the hash of its label) confirms its registration itself, then anchors batches until
// it is retired and removed. Runs on the shared node, with accounts of its own.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createHash } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import '@polkadot/api-augment';
import type { ApiPromise } from '@polkadot/api';
import { stringToU8a, u8aConcat, u8aToHex } from '@polkadot/util';
import { blake2AsU8a } from '@polkadot/util-crypto';
import { x25519 } from '@noble/curves/ed25519.js';
import { startDevChain, stopDevChain, type DevChain } from '../lib/chain.ts';
import { funded } from '../lib/funding.ts';
import { httpUrlOf, jsonRpc, jsonRpcResult } from '../lib/jsonrpc.ts';
import { dev, type KeyringPair } from '../lib/keyring.ts';
import { licensedPhysician } from '../lib/practitioners.ts';
import { submit, submitOk } from '../lib/tx.ts';
import {
  type Actor, bindingFor, commitmentOf, consent, CONTENT_OVERHEAD, contentSizeClassFor, dataKeyOf,
  decryptAnchoredContent, decryptContent, encryptContent, equalBytes, eventNames, fieldsOf, fromHex,
  generateRecoveryPhrase, KeyRing, MAX_SIZE_CLASS, MemoryBlobStore, MIN_SIZE_CLASS, newDataKey, newSalt,
  openLocator, practitioners, records, refusal, type RecordId, type RecordVersion, sdkChain, sealEnvelope,
  sealFor, sealLocator, send, tagOf, type FlowContext, utf8,
} from '../lib/sdk.ts';
import { UNITS } from '../lib/units.ts';

/** A live record version as the chain's JSON gives it (byte fields in hex). */
interface RecordJson {
  patient: string;
  author: string;
  tag: string;
  commitment: string;
  ciphertextHash: string;
  sizeClass: number;
  locator: string;
  record: number;
  supersedes: number | null;
  kind: string;
  status: Record<string, unknown>;
  envelopes: number;
}

/** A stored version: live, or shredded (its commitment and the time only). */
type EntryJson = { live: RecordJson } | { shredded: { commitment: string; at: number } };

describe('records', () => {
  let chain: DevChain | undefined;
  let api: ApiPromise;
  let ctx: FlowContext;
  /** A blob store off chain (a clinic's server, IPFS…): ciphertexts under random locators. */
  const store = new MemoryBlobStore();
  let patient: Actor;
  let doctor: Actor;
  let watch: KeyringPair;
  // Key-agreement and tag keys from recovery phrases of their own (not the signing wallets').
  const patientKeys = KeyRing.fromRecoveryPhrase(generateRecoveryPhrase());
  const doctorKeys = KeyRing.fromRecoveryPhrase(generateRecoveryPhrase());
  // The demo physician's development key-agreement key (see the dev preset's docs).
  const demoSecret = new Uint8Array(createHash('sha256').update('telemed dev key agreement //Bob').digest());

  // The patient's tag key, and the record's tag: its category, blinded.
  const tagKey = patientKeys.tagKey(0);
  const tag = tagOf(tagKey, 'category/laboratory');

  // A synthetic observation: a LOINC glucose result of nobody.
  const resource = utf8(JSON.stringify({
    resourceType: 'Observation',
    status: 'final',
    code: { coding: [{ system: 'http://loinc.org', code: '2339-0' }] },
    valueQuantity: { value: 5.4, unit: 'mmol/L' },
  }));
  const salt = newSalt();
  const commitment = commitmentOf(salt, resource);
  const dataKey = newDataKey();
  let recordId: RecordId = -1n; // the record's current version
  let firstId: RecordId = -1n; // its first version
  let consentId = -1n;
  /** The data key the physician obtained while his consent held. */
  let doctorsKey: Uint8Array | undefined;

  async function entryOf(id: RecordId): Promise<EntryJson> {
    return (await api.query.records.records(id)).toJSON() as unknown as EntryJson;
  }

  async function liveRecord(id: RecordId): Promise<RecordJson> {
    const entry = await entryOf(id);
    assert.ok('live' in entry, `version ${id} is live: ${JSON.stringify(entry)}`);
    return entry.live;
  }

  /** The grantee's envelope for a version, read from state (public; the seal protects it). */
  async function envelopeInState(id: RecordId, grantee: string): Promise<Uint8Array | null> {
    const envelope = (await api.query.records.envelopes(id, grantee)).toJSON() as { sealed: string } | null;
    return envelope && fromHex(envelope.sealed);
  }

  async function envelopesOf(grantee: string): Promise<RecordId[]> {
    return await records.envelopesOf(ctx.chain, patient.signer.address, grantee);
  }

  /**
   * Fetches and decrypts the current ciphertext of `version` with `key`, checking it on the way
   * (the SDK checks hash, size class and commitment; the checks are spelled out here too).
   */
  async function openCurrent(version: RecordVersion, key: Uint8Array): Promise<Uint8Array> {
    const blob = await store.get(openLocator(key, version.locator));
    assert.equal(blob.length, 2 ** version.sizeClass, 'padded to its size class');
    assert.ok(equalBytes(blake2AsU8a(blob, 256), version.ciphertextHash), 'the ciphertext is intact');
    const opened = decryptAnchoredContent(key, blob, version);
    assert.ok(equalBytes(commitmentOf(opened.salt, opened.resource), version.commitment), 'it matches the commitment');
    return opened.resource;
  }

  /** The patient's own envelope of `version`, sealed to their current key. */
  async function ownEnvelope(key: Uint8Array, version: Pick<RecordVersion, 'record' | 'version'>): Promise<Uint8Array> {
    const own = patientKeys.keyAgreement(0);
    return await sealEnvelope(key, own.publicKey, own.keyVersion, bindingFor(ctx, version, patient.signer.address));
  }

  before(async () => {
    chain = await startDevChain({ shared: true });
    api = chain.api;
    ctx = { chain: sdkChain(api), store };
    const [patientPair, doctorPair, watchPair] = await Promise.all([
      funded(api, 10n * UNITS),
      licensedPhysician(api, doctorKeys.keyAgreement(0).publicKey),
      funded(api, 1n * UNITS),
    ]);
    patient = { signer: patientPair, keys: patientKeys };
    doctor = { signer: doctorPair, keys: doctorKeys };
    watch = watchPair;
  });

  after(async () => {
    await stopDevChain(chain);
  });

  test('tags, size classes and sealed locators follow docs/PRIVACY.md', () => {
    // The documented test vectors.
    const key = new Uint8Array(Array.from({ length: 32 }, (_, i) => i));
    assert.equal(u8aToHex(tagOf(key, 'category/laboratory')),
      '0x7d9ec9148eed2bf4a6d34216e813eac5f4c3291dcb937af139f66bb9ddd48d41');
    assert.equal(u8aToHex(tagOf(key, 'category/mental-health')),
      '0xc1a0f488f3957b2ff760707533e4c4c956fc0203c1203b23b38eb75afa99bbb1');
    // Another patient's tag for the same category is unrelated.
    const otherPatient = KeyRing.fromRecoveryPhrase(generateRecoveryPhrase());
    assert.ok(!equalBytes(tagOf(otherPatient.tagKey(0), 'category/laboratory'), tag));

    // Padding: the smallest class that holds it, and exactly 2^k bytes.
    assert.equal(contentSizeClassFor(0), MIN_SIZE_CLASS);
    assert.equal(contentSizeClassFor(1024 - CONTENT_OVERHEAD), 10);
    assert.equal(contentSizeClassFor(1024 - CONTENT_OVERHEAD + 1), 11);
    assert.throws(() => contentSizeClassFor(2 ** MAX_SIZE_CLASS));
    const { ciphertext, sizeClass } = encryptContent(dataKey, resource, { salt });
    assert.equal(ciphertext.length, 2 ** sizeClass);
    assert.deepEqual(decryptContent(dataKey, ciphertext).resource, resource);
    assert.throws(() => decryptContent(new Uint8Array(32), ciphertext), 'another key opens nothing');

    // A sealed locator opens with the data key only.
    const sealed = sealLocator(dataKey, 'blob://somewhere');
    assert.equal(openLocator(dataKey, sealed), 'blob://somewhere');
    assert.throws(() => openLocator(new Uint8Array(32), sealed));
  });

  test("the demo physician's published key is the public key of his development secret", async () => {
    const published = await practitioners.keyAgreementKeyOf(ctx.chain, dev('Bob').address);
    assert.ok(equalBytes(published, x25519.getPublicKey(demoSecret)));
  });

  test('the patient anchors a record as a blinded tag, a size class and a sealed locator', async () => {
    await records.registerPatient(ctx.chain, patient.signer, patientKeys.keyAgreement(0).publicKey);

    const content = encryptContent(dataKey, resource, { salt });
    assert.ok(equalBytes(content.commitment, commitment));
    const locator = await store.put(content.ciphertext);
    const anchored = { ...content, locator: sealLocator(dataKey, locator) };
    // Out of range, the size class is refused.
    assert.equal(await refusal(records.addRecord(ctx.chain, patient.signer, patient.signer.address, tag,
      { ...anchored, sizeClass: MAX_SIZE_CLASS + 1 }, 'Treatment')), 'records.BadSizeClass');

    const addedOutcome = await send(ctx.chain, api.tx.records.addRecord(
      patient.signer.address, tag, content.commitment, content.ciphertextHash, content.sizeClass,
      u8aToHex(anchored.locator), 'Treatment'), patient.signer);
    const added = Object.values(fieldsOf(addedOutcome, 'records.RecordAdded'));
    assert.equal(added.length, 3, 'RecordAdded carries ids and accounts only');
    recordId = BigInt(added[0] as number);
    firstId = recordId;

    const record = await liveRecord(recordId);
    assert.equal(record.tag, u8aToHex(tag));
    assert.equal(record.sizeClass, content.sizeClass);
    assert.equal(record.kind, 'Original');
    for (const field of ['category', 'resourceType', 'ciphertextSize']) assert.ok(!(field in record), field);
    const owner = (await api.query.records.tagPatients(tag)).toJSON() as [string, number];
    assert.equal(owner[0], patient.signer.address);

    // The patient keeps an envelope for themselves, sealed to their own key.
    const version = await records.recordVersion(ctx.chain, recordId);
    await records.addEnvelope(ctx.chain, patient.signer, recordId, patient.signer.address,
      await ownEnvelope(dataKey, version), 'Treatment');
    assert.ok(await envelopeInState(recordId, patient.signer.address));
    const own = await dataKeyOf(ctx, patient, recordId);
    assert.deepEqual(await openCurrent(own.version, own.dataKey), resource);
  });

  test('no envelope for the physician without a consent', async () => {
    const version = await records.recordVersion(ctx.chain, recordId);
    const sealed = await sealFor(ctx, dataKey, version, doctor.signer.address);
    assert.equal(await refusal(records.addEnvelope(ctx.chain, patient.signer, recordId, doctor.signer.address, sealed,
      'Treatment')), 'records.NoConsent');
    assert.equal(await envelopeInState(recordId, doctor.signer.address), null);
  });

  test('a consent scoped to the tag: the physician reads through the chain, then takes his envelope from state', async () => {
    consentId = await consent.grantConsent(ctx.chain, patient.signer, patient.signer.address, doctor.signer.address,
      { actions: ['Read'], scope: { Tags: [tag] }, purposes: ['Treatment'] });

    // The patient's wallet seals the data key to the key the physician published on chain.
    const version = await records.recordVersion(ctx.chain, recordId);
    await records.addEnvelope(ctx.chain, patient.signer, recordId, doctor.signer.address,
      await sealFor(ctx, dataKey, version, doctor.signer.address), 'Treatment');
    assert.deepEqual(await envelopesOf(doctor.signer.address), [recordId]);

    // One transaction checks the consent and logs the disclosure; its event names no key.
    const read = await records.accessRecord(ctx.chain, doctor.signer, recordId);
    assert.ok(eventNames(read).includes('consent.Disclosed'), eventNames(read).join(', '));
    const accessed = Object.values(fieldsOf(read, 'records.RecordAccessed'));
    assert.equal(accessed.length, 3, 'RecordAccessed carries the record, the accessor and the basis only');
    assert.deepEqual(accessed[2], { consent: Number(consentId) });

    // He takes his envelope from state, opens it, finds and decrypts the ciphertext.
    assert.ok(await envelopeInState(recordId, doctor.signer.address), 'his envelope is in state');
    doctorsKey = (await dataKeyOf(ctx, doctor, recordId)).dataKey;
    const opened = await openCurrent(await records.recordVersion(ctx.chain, recordId), doctorsKey);
    assert.deepEqual(JSON.parse(new TextDecoder().decode(opened)).valueQuantity, { value: 5.4, unit: 'mmol/L' });

    // The patient sees the read in the log: the record by id, never its tag.
    const log = (await api.call.consentApi.disclosures(patient.signer.address, 0, 10)).toJSON() as
      [number, { accessor: string; data: unknown }][];
    assert.ok(log.some(([, d]) => d.accessor === doctor.signer.address &&
      JSON.stringify(d.data) === JSON.stringify({ record: Number(recordId) })), JSON.stringify(log));
  });

  test("revoking removes the physician's envelope from state, and a re-key makes his old key useless", async () => {
    // The revocation prunes his envelopes of this patient in the same call.
    const revoked = await consent.revokeConsent(ctx.chain, patient.signer, consentId);
    assert.ok(eventNames(revoked).includes('records.EnvelopeRemoved'), eventNames(revoked).join(', '));
    assert.equal(await envelopeInState(recordId, doctor.signer.address), null);
    assert.deepEqual(await envelopesOf(doctor.signer.address), []);
    assert.equal(await refusal(records.accessRecord(ctx.chain, doctor.signer, recordId)), 'records.NoEnvelope');
    // No new envelope can be sealed to him.
    const before = await records.recordVersion(ctx.chain, recordId);
    assert.equal(await refusal(records.addEnvelope(ctx.chain, patient.signer, recordId, doctor.signer.address,
      await sealFor(ctx, dataKey, before, doctor.signer.address), 'Treatment')), 'records.NoConsent');

    // But he kept the key he was given while allowed: it still opens the old ciphertext.
    assert.ok(doctorsKey);
    assert.deepEqual(await openCurrent(before, doctorsKey), resource);

    // The patient re-keys: the same resource and salt (so the same commitment) under a fresh
    // data key, padded again, at a new locator, sealed to the patient alone.
    const freshKey = newDataKey();
    const content = encryptContent(freshKey, resource, { salt });
    const locator = await store.put(content.ciphertext);
    const next = { record: before.record, version: before.version + 1 };
    const rekey = (sealedCommitment: Uint8Array, envelopes: [string, Uint8Array][]) => records.rekeyRecord(
      ctx.chain, patient.signer, recordId, { ...content, commitment: sealedCommitment, locator: sealLocator(freshKey, locator) },
      envelopes);
    const own: [string, Uint8Array] = [patient.signer.address, await ownEnvelope(freshKey, next)];

    // A different commitment is not a re-key, and the revoked physician gets no envelope.
    assert.equal(await refusal(rekey(blake2AsU8a(stringToU8a('other content'), 256), [own])), 'records.CommitmentMismatch');
    const forDoctor = await refusal(rekey(commitment,
      [own, [doctor.signer.address, await sealFor(ctx, freshKey, next, doctor.signer.address)]]));
    assert.ok(['records.NoEnvelope', 'records.NoConsent'].includes(forDoctor), forDoctor);
    assert.equal((await liveRecord(recordId)).status.current, null, 'nothing changed');

    const rekeyOutcome = await send(ctx.chain, api.tx.records.rekeyRecord(
      recordId, content.commitment, content.ciphertextHash, content.sizeClass, u8aToHex(sealLocator(freshKey, locator)),
      [[own[0], u8aToHex(own[1])]]), patient.signer);
    const [current, previous] = Object.values(fieldsOf(rekeyOutcome, 'records.RecordReKeyed')).map((v) => BigInt(v as number));
    assert.equal(previous, recordId);

    // The replaced version lost its locator and envelopes; the new one keeps the commitment.
    const replaced = await liveRecord(recordId);
    assert.equal(replaced.locator, '0x');
    assert.equal(replaced.envelopes, 0);
    assert.equal(await envelopeInState(recordId, patient.signer.address), null);
    const rekeyedJson = await liveRecord(current!);
    assert.equal(rekeyedJson.kind, 'ReKey');
    assert.equal(rekeyedJson.commitment, u8aToHex(commitment));
    assert.equal(BigInt(rekeyedJson.supersedes!), recordId);
    assert.equal(rekeyedJson.tag, u8aToHex(tag));

    // The store drops the old ciphertext. The physician's old key opens neither the new
    // locator nor the current ciphertext; the patient's new envelope opens both.
    await store.delete(openLocator(dataKey, before.locator));
    const rekeyed = await records.recordVersion(ctx.chain, current!);
    assert.throws(() => openLocator(doctorsKey!, rekeyed.locator));
    const currentBlob = await store.get(locator);
    assert.throws(() => decryptContent(doctorsKey!, currentBlob), "the revoked physician's old key opens nothing current");
    assert.ok(await envelopeInState(current!, patient.signer.address));
    const mine = await dataKeyOf(ctx, patient, current!);
    assert.deepEqual(await openCurrent(rekeyed, mine.dataKey), resource);
    recordId = current!;
  });

  test('an integrator reads the same over plain JSON-RPC (telemed_*), and bad parameters are refused', async () => {
    const url = httpUrlOf(chain!.wsUrl);
    const call = <T>(method: string, ...params: unknown[]) => jsonRpcResult<T>(url, `telemed_${method}`, params);
    const doctorAddress = doctor.signer.address;
    const patientAddress = patient.signer.address;

    const status = await call<{ licensed: boolean; keyAgreementKey: string; licences: Record<string, unknown>[] }>(
      'licenceStatus', doctorAddress);
    assert.equal(status.licensed, true);
    assert.equal(status.keyAgreementKey, u8aToHex(doctorKeys.keyAgreement(0).publicKey));
    assert.ok(status.licences.some((l) => l.standing === 'Valid' && l.role === 'Physician'), JSON.stringify(status));

    // Access checks answer as the runtime API does: the patient for herself; the physician,
    // whose consent was revoked, no longer.
    const target = { record: { tag: u8aToHex(tag), record: Number(firstId) } };
    assert.deepEqual(await call('checkAccess', patientAddress, patientAddress, 'Read', target, 'Treatment'),
      { allowed: true, basis: { kind: 'patient' } });
    assert.deepEqual(await call('checkAccess', doctorAddress, patientAddress, 'Read', target, 'Treatment'),
      { allowed: false, denial: { kind: 'noConsent' } });
    const viaApi = (await api.call.consentApi.checkAccess(doctorAddress, patientAddress, 'Read',
      { Record: { tag: u8aToHex(tag), record: Number(firstId) } }, 'Treatment')).toJSON();
    assert.deepEqual(viaApi, { err: { noConsent: null } });

    // The physician's read is in the disclosure log, on the basis of the consent.
    const log = await call<{ entries: Record<string, unknown>[]; next: number | null }>(
      'disclosures', patientAddress, 0, 10);
    assert.ok(log.entries.some((e) => e.accessor === doctorAddress && e.action === 'Read' &&
      isDeepStrictEqual(e.data, { kind: 'record', record: Number(firstId) }) &&
      isDeepStrictEqual(e.basis, { kind: 'consent', consent: Number(consentId) }) &&
      e.emergency === false), JSON.stringify(log));
    assert.equal(log.next, (log.entries.at(-1)!.n as number) + 1);

    // The record's history: the original, superseded by the re-key, which is current.
    const history = await call<Record<string, unknown>[]>('recordHistory', Number(firstId));
    assert.deepEqual(history.map((v) => [v.id, v.version, v.kind, v.status]),
      [[Number(firstId), 1, 'Original', 'Superseded'], [Number(recordId), 2, 'ReKey', 'Current']]);
    assert.equal(history[0].supersededBy, Number(recordId));
    assert.equal(history[1].commitment, u8aToHex(commitment));
    assert.deepEqual(await call('recordHistory', 2 ** 52), []);

    // Bad parameters: a JSON-RPC "invalid params" error that says which.
    for (const [method, params, says] of [
      ['licenceStatus', ['not-an-address'], 'who'],
      ['checkAccess', [doctorAddress, patientAddress, 'Peek', target, 'Treatment'], 'action'],
      ['checkAccess', [doctorAddress, patientAddress, 'Read', { everything: null }, 'Treatment'], 'target'],
      ['checkAccess', [doctorAddress, patientAddress, 'Read', { tag: '0x12' }, 'Treatment'], 'target.tag'],
      ['disclosures', [patientAddress, 0, 0], 'max'],
      ['disclosures', [patientAddress, 0, 101], 'max'],
    ] as const) {
      const { error } = await jsonRpc(url, `telemed_${method}`, [...params]);
      assert.equal(error?.code, -32602, `${method} ${JSON.stringify(params)}: ${JSON.stringify(error)}`);
      assert.ok(error.message.startsWith(says), error.message);
    }
  });

  test('shredding keeps only the commitment and the time: even a new consent cannot bring the record back', async () => {
    const shredded = await records.shredRecord(ctx.chain, patient.signer, recordId);
    const events = eventNames(shredded);
    assert.ok(events.includes('records.RecordShredded'), events.join(', '));
    assert.ok(events.includes('skipFeelessPayment.FeeSkipped'), 'shredding is free for the patient');
    for (const id of [firstId, recordId]) {
      const entry = await entryOf(id);
      assert.ok('shredded' in entry, JSON.stringify(entry));
      assert.deepEqual(Object.keys(entry.shredded).sort(), ['at', 'commitment']);
      assert.equal(entry.shredded.commitment, u8aToHex(commitment));
    }
    assert.equal((await api.query.records.tagPatients(tag)).toJSON(), null, 'the tag is no longer anyone\'s');
    assert.equal(await envelopeInState(recordId, patient.signer.address), null);
    assert.deepEqual(await envelopesOf(patient.signer.address), []);

    await consent.grantConsent(ctx.chain, patient.signer, patient.signer.address, doctor.signer.address,
      { actions: ['Read'], scope: 'AllData', purposes: ['Treatment'] });
    const doctorKey = await practitioners.keyAgreementKeyOf(ctx.chain, doctor.signer.address);
    const sealed = await sealEnvelope(dataKey, doctorKey, 0, bindingFor(ctx, { record: firstId, version: 3 }, doctor.signer.address));
    assert.equal(await refusal(records.addEnvelope(ctx.chain, patient.signer, recordId, doctor.signer.address, sealed,
      'Treatment')), 'records.RecordShredded');
    assert.equal(await refusal(records.accessRecord(ctx.chain, doctor.signer, recordId)), 'records.RecordShredded');
  });

  test('a wearable confirms its registration, anchors increasing batches until it is retired', async () => {
    // The chain keeps a hash of the label; the label stays with the patient.
    const label = blake2AsU8a(stringToU8a('left wrist watch'), 256);
    const named = eventNames(await send(ctx.chain, api.tx.records.registerDevice(watch.address, label), patient.signer));
    assert.ok(named.includes('records.DeviceRequested'), named.join(', '));
    // Named but not confirmed: not a device yet.
    assert.equal((await submit(api, api.tx.records.anchorBatch(1, new Uint8Array(32), 1, 0, 0), watch)).error,
      'records.UnknownDevice');
    // The device consents with a transaction it signs itself.
    const { events: confirmed } = await submitOk(api, api.tx.records.confirmDevice(patient.signer.address), watch);
    assert.ok(confirmed.includes('records.DeviceRegistered'), confirmed.join(', '));
    const device = (await api.query.records.devices(watch.address)).toJSON() as { label: string };
    assert.equal(device.label, u8aToHex(label));
    const samples = Array.from({ length: 8 }, (_, i) => blake2AsU8a(stringToU8a(`sample ${i}`), 256));
    let level = samples;
    while (level.length > 1) {
      const next: Uint8Array[] = [];
      for (let i = 0; i < level.length; i += 2) next.push(blake2AsU8a(u8aConcat(level[i], level[i + 1]), 256));
      level = next;
    }
    const root = level[0];
    const now = Date.now();
    await submitOk(api, api.tx.records.anchorBatch(1, root, samples.length, now - 60_000, now), watch);
    const latest = (await api.call.recordsApi.latestBatch(watch.address)).toJSON() as { seq: number; root: string; samples: number };
    assert.equal(latest.seq, 1);
    assert.equal(latest.samples, 8);
    assert.equal(latest.root, u8aToHex(root));

    assert.equal((await submit(api, api.tx.records.anchorBatch(1, root, 8, now, now), watch)).error,
      'records.SequenceNotIncreasing');
    await send(ctx.chain, api.tx.records.retireDevice(watch.address), patient.signer);
    assert.equal((await submit(api, api.tx.records.anchorBatch(2, root, 8, now, now), watch)).error,
      'records.DeviceRetired');

    // Removed, its deposit comes back and the account anchors nothing.
    const removed = eventNames(await send(ctx.chain, api.tx.records.removeDevice(watch.address), patient.signer));
    assert.ok(removed.includes('records.DeviceRemoved'), removed.join(', '));
    assert.equal((await submit(api, api.tx.records.anchorBatch(2, root, 8, now, now), watch)).error,
      'records.UnknownDevice');
  });
});
