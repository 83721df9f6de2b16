// Patient records end to end, with real cryptography on the client and nothing on chain that
// says what a record is about: the patient encrypts a (synthetic) FHIR Observation under a fresh
// data key, padded to a size class, keeps the ciphertext off chain and anchors its commitment,
// ciphertext hash, size class, a locator sealed under the data key and a blinded tag
// (HMAC-SHA-256 of its category under the patient's tag key). A consent scoped to the tag lets
// the demo physician read through the chain (checked and logged) and take his envelope from
// state. Revoking the consent removes his envelope from state in the same call; a re-key then
// makes his old key useless for the current ciphertext. Shredding leaves only the commitment and
// the time. A wearable the patient names (by the hash of its label) confirms its registration
// itself, then anchors batches until it is retired and removed.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createHash, randomBytes } from 'node:crypto';
import '@polkadot/api-augment';
import type { ApiPromise } from '@polkadot/api';
import { hexToU8a, stringToU8a, u8aConcat, u8aEq, u8aToHex } from '@polkadot/util';
import { blake2AsU8a } from '@polkadot/util-crypto';
import { x25519 } from '@noble/curves/ed25519.js';
import { startDevChain, stopDevChain, type DevChain } from '../lib/chain.ts';
import { eventOf } from '../lib/events.ts';
import { funded } from '../lib/funding.ts';
import { dev, type KeyringPair } from '../lib/keyring.ts';
import {
  commitmentOf, decryptRecord, encryptRecord, MAX_SIZE_CLASS, MIN_SIZE_CLASS, newTagKey, openKey, openLocator,
  sealKey, sealLocator, sizeClassFor, tagOf,
} from '../lib/privacy.ts';
import { submit, submitOk } from '../lib/tx.ts';
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

/** A blob store off chain (a clinic's server, IPFS…): ciphertexts by name. */
const blobStore = new Map<string, Uint8Array>();

/** Stores a ciphertext under a random name (not its hash, which is on chain). */
function store(ciphertext: Uint8Array): string {
  const locator = `blob://${randomBytes(16).toString('hex')}`;
  blobStore.set(locator, ciphertext);
  return locator;
}

describe('records', () => {
  let chain: DevChain | undefined;
  let api: ApiPromise;
  let patient: KeyringPair;
  let doctor: KeyringPair;
  let watch: KeyringPair;
  const patientSecret = x25519.utils.randomSecretKey();
  // The demo physician's development key-agreement key (see the dev preset's docs).
  const doctorSecret = new Uint8Array(createHash('sha256').update('telemed dev key agreement //Bob').digest());

  // The patient's tag key, and the record's tag: its category, blinded.
  const tagKey = newTagKey();
  const tag = tagOf(tagKey, 'category/laboratory');

  // A synthetic observation: a LOINC glucose result of nobody.
  const resource = stringToU8a(JSON.stringify({
    resourceType: 'Observation',
    status: 'final',
    code: { coding: [{ system: 'http://loinc.org', code: '2339-0' }] },
    valueQuantity: { value: 5.4, unit: 'mmol/L' },
  }));
  const salt = new Uint8Array(randomBytes(32));
  const commitment = commitmentOf(salt, resource);
  const dataKey = new Uint8Array(randomBytes(32));
  let recordId = -1; // the record's current version
  let firstId = -1; // its first version
  let consentId = -1;
  /** The data key the physician obtained while his consent held. */
  let doctorsKey: Uint8Array | undefined;

  async function entryOf(id: number): Promise<EntryJson> {
    return (await api.query.records.records(id)).toJSON() as unknown as EntryJson;
  }

  async function liveRecord(id: number): Promise<RecordJson> {
    const entry = await entryOf(id);
    assert.ok('live' in entry, `version ${id} is live: ${JSON.stringify(entry)}`);
    return entry.live;
  }

  /** The grantee's envelope for a version, read from state (public; the seal protects it). */
  async function envelopeInState(id: number, grantee: string): Promise<Uint8Array | null> {
    const envelope = (await api.query.records.envelopes(id, grantee)).toJSON() as { sealed: string } | null;
    return envelope && hexToU8a(envelope.sealed);
  }

  async function envelopesOf(grantee: string): Promise<number[]> {
    return (await api.query.records.envelopesOf(patient.address, grantee)).toJSON() as number[];
  }

  async function publishedKey(who: string): Promise<Uint8Array> {
    const profile = (await api.query.practitioners.practitioners(who)).toJSON() as { keyAgreementKey: string };
    return hexToU8a(profile.keyAgreementKey);
  }

  /** Fetches and decrypts the current ciphertext of `record` with `key`, checking it on the way. */
  function openCurrent(record: RecordJson, key: Uint8Array): Uint8Array {
    const blob = blobStore.get(openLocator(key, hexToU8a(record.locator)));
    assert.ok(blob, 'the blob store has the ciphertext');
    assert.equal(blob.length, 2 ** record.sizeClass, 'padded to its size class');
    assert.ok(u8aEq(blake2AsU8a(blob, 256), hexToU8a(record.ciphertextHash)), 'the ciphertext is intact');
    const opened = decryptRecord(key, blob);
    assert.ok(u8aEq(commitmentOf(opened.salt, opened.resource), hexToU8a(record.commitment)), 'it matches the commitment');
    return opened.resource;
  }

  before(async () => {
    chain = await startDevChain();
    api = chain.api;
    doctor = dev('Bob'); // the dev chain's licensed demo physician
    patient = await funded(api, 10n * UNITS);
    watch = await funded(api, 1n * UNITS);
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
    assert.ok(!u8aEq(tagOf(newTagKey(), 'category/laboratory'), tag));

    // Padding: the smallest class that holds it, and exactly 2^k bytes.
    assert.equal(sizeClassFor(0), MIN_SIZE_CLASS);
    assert.equal(sizeClassFor(1024 - 76), 10);
    assert.equal(sizeClassFor(1024 - 75), 11);
    assert.throws(() => sizeClassFor(2 ** MAX_SIZE_CLASS));
    const { ciphertext, sizeClass } = encryptRecord(dataKey, salt, resource);
    assert.equal(ciphertext.length, 2 ** sizeClass);
    assert.deepEqual(decryptRecord(dataKey, ciphertext).resource, resource);
    assert.throws(() => decryptRecord(new Uint8Array(32), ciphertext), 'another key opens nothing');

    // A sealed locator opens with the data key only.
    const sealed = sealLocator(dataKey, 'blob://somewhere');
    assert.equal(openLocator(dataKey, sealed), 'blob://somewhere');
    assert.throws(() => openLocator(new Uint8Array(32), sealed));
  });

  test("the demo physician's published key is the public key of his development secret", async () => {
    assert.ok(u8aEq(await publishedKey(doctor.address), x25519.getPublicKey(doctorSecret)));
  });

  test('the patient anchors a record as a blinded tag, a size class and a sealed locator', async () => {
    await submitOk(api, api.tx.records.registerPatient(x25519.getPublicKey(patientSecret)), patient);

    const { ciphertext, sizeClass } = encryptRecord(dataKey, salt, resource);
    const locator = store(ciphertext);
    // Out of range, the size class is refused.
    const tooBig = await submit(api, api.tx.records.addRecord(
      patient.address, tag, commitment, blake2AsU8a(ciphertext, 256), MAX_SIZE_CLASS + 1,
      u8aToHex(sealLocator(dataKey, locator)), 'Treatment'), patient);
    assert.equal(tooBig.error, 'records.BadSizeClass');

    const addedOutcome = await submitOk(api, api.tx.records.addRecord(
      patient.address, tag, commitment, blake2AsU8a(ciphertext, 256), sizeClass,
      u8aToHex(sealLocator(dataKey, locator)), 'Treatment'), patient);
    const added = eventOf(addedOutcome, 'records.RecordAdded');
    assert.equal(added.length, 3, 'RecordAdded carries ids and accounts only');
    recordId = added[0] as number;
    firstId = recordId;

    const record = await liveRecord(recordId);
    assert.equal(record.tag, u8aToHex(tag));
    assert.equal(record.sizeClass, sizeClass);
    assert.equal(record.kind, 'Original');
    for (const field of ['category', 'resourceType', 'ciphertextSize']) assert.ok(!(field in record), field);
    const owner = (await api.query.records.tagPatients(tag)).toJSON() as [string, number];
    assert.equal(owner[0], patient.address);

    // The patient keeps an envelope for themselves, sealed to their own key.
    await submitOk(api, api.tx.records.addEnvelope(
      recordId, patient.address, u8aToHex(sealKey(dataKey, x25519.getPublicKey(patientSecret))), 'Treatment'), patient);
    const own = await envelopeInState(recordId, patient.address);
    assert.ok(own);
    assert.deepEqual(openCurrent(record, openKey(own, patientSecret)), resource);
  });

  test('no envelope for the physician without a consent', async () => {
    const { error } = await submit(api, api.tx.records.addEnvelope(
      recordId, doctor.address, u8aToHex(sealKey(dataKey, await publishedKey(doctor.address))), 'Treatment'), patient);
    assert.equal(error, 'records.NoConsent');
    assert.equal(await envelopeInState(recordId, doctor.address), null);
  });

  test('a consent scoped to the tag: the physician reads through the chain, then takes his envelope from state', async () => {
    const granted = await submitOk(api, api.tx.consent.grantConsent(
      patient.address, doctor.address, 'Permit', ['Read'], { Tags: [u8aToHex(tag)] },
      ['Treatment'], null, null), patient);
    consentId = eventOf(granted, 'consent.ConsentGranted')[0] as number;

    // The patient's wallet seals the data key to the key the physician published on chain.
    await submitOk(api, api.tx.records.addEnvelope(
      recordId, doctor.address, u8aToHex(sealKey(dataKey, await publishedKey(doctor.address))), 'Treatment'), patient);
    assert.deepEqual(await envelopesOf(doctor.address), [recordId]);

    // One transaction checks the consent and logs the disclosure; its event names no key.
    const { events, eventData: read } = await submitOk(api, api.tx.records.accessRecord(recordId), doctor);
    assert.ok(events.includes('consent.Disclosed'), events.join(', '));
    const accessed = read.find((e) => e.name === 'records.RecordAccessed')!.data as unknown[];
    assert.equal(accessed.length, 3, 'RecordAccessed carries the record, the accessor and the basis only');
    assert.deepEqual(accessed[2], { consent: consentId });

    // He takes his envelope from state, opens it, finds and decrypts the ciphertext.
    const envelope = await envelopeInState(recordId, doctor.address);
    assert.ok(envelope, 'his envelope is in state');
    doctorsKey = openKey(envelope, doctorSecret);
    const opened = openCurrent(await liveRecord(recordId), doctorsKey);
    assert.deepEqual(JSON.parse(new TextDecoder().decode(opened)).valueQuantity, { value: 5.4, unit: 'mmol/L' });

    // The patient sees the read in the log: the record by id, never its tag.
    const log = (await api.call.consentApi.disclosures(patient.address, 0, 10)).toJSON() as
      [number, { accessor: string; data: unknown }][];
    assert.ok(log.some(([, d]) => d.accessor === doctor.address && JSON.stringify(d.data) === JSON.stringify({ record: recordId })),
      JSON.stringify(log));
  });

  test("revoking removes the physician's envelope from state, and a re-key makes his old key useless", async () => {
    // The revocation prunes his envelopes of this patient in the same call.
    const { events } = await submitOk(api, api.tx.consent.revokeConsent(consentId), patient);
    assert.ok(events.includes('records.EnvelopeRemoved'), events.join(', '));
    assert.equal(await envelopeInState(recordId, doctor.address), null);
    assert.deepEqual(await envelopesOf(doctor.address), []);
    assert.equal((await submit(api, api.tx.records.accessRecord(recordId), doctor)).error, 'records.NoEnvelope');
    // No new envelope can be sealed to him.
    const again = await submit(api, api.tx.records.addEnvelope(
      recordId, doctor.address, u8aToHex(sealKey(dataKey, await publishedKey(doctor.address))), 'Treatment'), patient);
    assert.equal(again.error, 'records.NoConsent');

    // But he kept the key he was given while allowed: it still opens the old ciphertext.
    assert.ok(doctorsKey);
    const before = await liveRecord(recordId);
    assert.deepEqual(openCurrent(before, doctorsKey), resource);

    // The patient re-keys: the same resource and salt (so the same commitment) under a fresh
    // data key, padded again, at a new locator, sealed to the patient alone.
    const freshKey = new Uint8Array(randomBytes(32));
    const { ciphertext, sizeClass } = encryptRecord(freshKey, salt, resource);
    const locator = store(ciphertext);
    const rekey = (sealedCommitment: Uint8Array, envelopes: [string, string][]) => api.tx.records.rekeyRecord(
      recordId, sealedCommitment, blake2AsU8a(ciphertext, 256), sizeClass, u8aToHex(sealLocator(freshKey, locator)),
      envelopes);
    const own: [string, string] = [patient.address, u8aToHex(sealKey(freshKey, x25519.getPublicKey(patientSecret)))];

    // A different commitment is not a re-key, and the revoked physician gets no envelope.
    const other = await submit(api, rekey(blake2AsU8a(stringToU8a('other content'), 256), [own]), patient);
    assert.equal(other.error, 'records.CommitmentMismatch');
    const forDoctor = await submit(api, rekey(commitment,
      [own, [doctor.address, u8aToHex(sealKey(freshKey, await publishedKey(doctor.address)))]]), patient);
    assert.ok(['records.NoEnvelope', 'records.NoConsent'].includes(forDoctor.error ?? ''), forDoctor.error);
    assert.equal((await liveRecord(recordId)).status.current, null, 'nothing changed');

    const rekeyOutcome = await submitOk(api, rekey(commitment, [own]), patient);
    const [current, previous] = eventOf(rekeyOutcome, 'records.RecordReKeyed') as [number, number];
    assert.equal(previous, recordId);

    // The replaced version lost its locator and envelopes; the new one keeps the commitment.
    const replaced = await liveRecord(recordId);
    assert.equal(replaced.locator, '0x');
    assert.equal(replaced.envelopes, 0);
    assert.equal(await envelopeInState(recordId, patient.address), null);
    const rekeyed = await liveRecord(current);
    assert.equal(rekeyed.kind, 'ReKey');
    assert.equal(rekeyed.commitment, u8aToHex(commitment));
    assert.equal(rekeyed.supersedes, recordId);
    assert.equal(rekeyed.tag, u8aToHex(tag));

    // The store drops the old ciphertext. The physician's old key opens neither the new
    // locator nor the current ciphertext; the patient's new envelope opens both.
    blobStore.delete(openLocator(dataKey, hexToU8a(before.locator)));
    assert.throws(() => openLocator(doctorsKey!, hexToU8a(rekeyed.locator)));
    const currentBlob = blobStore.get(locator)!;
    assert.throws(() => decryptRecord(doctorsKey!, currentBlob), "the revoked physician's old key opens nothing current");
    const mine = await envelopeInState(current, patient.address);
    assert.ok(mine);
    assert.deepEqual(openCurrent(rekeyed, openKey(mine, patientSecret)), resource);
    recordId = current;
  });

  test('shredding keeps only the commitment and the time: even a new consent cannot bring the record back', async () => {
    const { events } = await submitOk(api, api.tx.records.shredRecord(recordId), patient);
    assert.ok(events.includes('records.RecordShredded'), events.join(', '));
    assert.ok(events.includes('skipFeelessPayment.FeeSkipped'), 'shredding is free for the patient');
    for (const id of [firstId, recordId]) {
      const entry = await entryOf(id);
      assert.ok('shredded' in entry, JSON.stringify(entry));
      assert.deepEqual(Object.keys(entry.shredded).sort(), ['at', 'commitment']);
      assert.equal(entry.shredded.commitment, u8aToHex(commitment));
    }
    assert.equal((await api.query.records.tagPatients(tag)).toJSON(), null, 'the tag is no longer anyone\'s');
    assert.equal(await envelopeInState(recordId, patient.address), null);
    assert.deepEqual(await envelopesOf(patient.address), []);

    await submitOk(api, api.tx.consent.grantConsent(
      patient.address, doctor.address, 'Permit', ['Read'], 'AllData', ['Treatment'], null, null), patient);
    const sealAgain = await submit(api, api.tx.records.addEnvelope(
      recordId, doctor.address, u8aToHex(sealKey(dataKey, await publishedKey(doctor.address))), 'Treatment'), patient);
    assert.equal(sealAgain.error, 'records.RecordShredded');
    const read = await submit(api, api.tx.records.accessRecord(recordId), doctor);
    assert.equal(read.error, 'records.RecordShredded');
  });

  test('a wearable confirms its registration, anchors increasing batches until it is retired', async () => {
    // The chain keeps a hash of the label; the label stays with the patient.
    const label = blake2AsU8a(stringToU8a('left wrist watch'), 256);
    const { events: named } = await submitOk(api, api.tx.records.registerDevice(watch.address, label), patient);
    assert.ok(named.includes('records.DeviceRequested'), named.join(', '));
    // Named but not confirmed: not a device yet.
    assert.equal((await submit(api, api.tx.records.anchorBatch(1, new Uint8Array(32), 1, 0, 0), watch)).error,
      'records.UnknownDevice');
    // The device consents with a transaction it signs itself.
    const { events: confirmed } = await submitOk(api, api.tx.records.confirmDevice(patient.address), watch);
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
    await submitOk(api, api.tx.records.retireDevice(watch.address), patient);
    assert.equal((await submit(api, api.tx.records.anchorBatch(2, root, 8, now, now), watch)).error,
      'records.DeviceRetired');

    // Removed, its deposit comes back and the account anchors nothing.
    const { events: removed } = await submitOk(api, api.tx.records.removeDevice(watch.address), patient);
    assert.ok(removed.includes('records.DeviceRemoved'), removed.join(', '));
    assert.equal((await submit(api, api.tx.records.anchorBatch(2, root, 8, now, now), watch)).error,
      'records.UnknownDevice');
  });
});
