// Patient records end to end, with real cryptography on the client: the patient encrypts a
// (synthetic) FHIR Observation with XChaCha20-Poly1305 under a fresh data key, keeps the
// ciphertext off chain and anchors its commitment, hash and locator; grants the demo physician
// a consent and seals the data key to his X25519 key; the physician reads through the chain
// (checked and logged), opens the envelope and decrypts. After the consent is revoked and the
// record shredded, the physician can no longer get the key. A wearable the patient names
// confirms its registration itself, then anchors batches until it is retired and removed.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createHash, randomBytes } from 'node:crypto';
import '@polkadot/api-augment';
import type { ApiPromise } from '@polkadot/api';
import { Keyring } from '@polkadot/keyring';
import type { KeyringPair } from '@polkadot/keyring/types';
import { hexToU8a, stringToU8a, u8aConcat, u8aEq, u8aToHex, u8aToString } from '@polkadot/util';
import { blake2AsU8a, cryptoWaitReady, mnemonicGenerate } from '@polkadot/util-crypto';
import { xchacha20poly1305 } from '@noble/ciphers/chacha.js';
import { x25519 } from '@noble/curves/ed25519.js';
import { connect, removeDir, startNode, stopAllNodes, tempDir, type RunningNode } from '../lib/node.ts';
import { submit, submitOk } from '../lib/tx.ts';

const UNITS = 10n ** 12n;

// ---- the client's cryptography ---------------------------------------------------------------

/**
 * Seals `dataKey` to `recipient`'s X25519 public key: ephemeral key ‖ nonce ‖ AEAD(key), as
 * hex (polkadot.js reads a `Uint8Array` given for `Bytes` as already length-prefixed).
 */
function seal(dataKey: Uint8Array, recipient: Uint8Array): string {
  const ephemeral = x25519.utils.randomSecretKey();
  const ephemeralPublic = x25519.getPublicKey(ephemeral);
  const kek = blake2AsU8a(u8aConcat(x25519.getSharedSecret(ephemeral, recipient), ephemeralPublic, recipient), 256);
  const nonce = randomBytes(24);
  return u8aToHex(u8aConcat(ephemeralPublic, nonce, xchacha20poly1305(kek, nonce).encrypt(dataKey)));
}

/** Opens an envelope with the recipient's X25519 private key. */
function open(envelope: Uint8Array, secret: Uint8Array): Uint8Array {
  const ephemeralPublic = envelope.subarray(0, 32);
  const nonce = envelope.subarray(32, 56);
  const kek = blake2AsU8a(
    u8aConcat(x25519.getSharedSecret(secret, ephemeralPublic), ephemeralPublic, x25519.getPublicKey(secret)), 256);
  return xchacha20poly1305(kek, nonce).decrypt(envelope.subarray(56));
}

/** A record version as the chain's JSON gives it (byte fields in hex). */
interface RecordJson {
  status: Record<string, unknown>;
  locator: string;
  ciphertextHash: string;
  commitment: string;
}

/** A blob store off chain (a clinic's server, IPFS…): ciphertexts by locator. */
const blobStore = new Map<string, Uint8Array>();

describe('records', () => {
  const basePath = tempDir();
  let node: RunningNode | undefined;
  let api: ApiPromise;
  let patient: KeyringPair;
  let doctor: KeyringPair;
  let watch: KeyringPair;
  const patientSecret = x25519.utils.randomSecretKey();
  // The demo physician's development key-agreement key (see the dev preset's docs).
  const doctorSecret = new Uint8Array(createHash('sha256').update('telemed dev key agreement //Bob').digest());

  // A synthetic observation: a LOINC glucose result of nobody.
  const plaintext = stringToU8a(JSON.stringify({
    resourceType: 'Observation',
    status: 'final',
    code: { coding: [{ system: 'http://loinc.org', code: '2339-0' }] },
    valueQuantity: { value: 5.4, unit: 'mmol/L' },
  }));
  const salt = randomBytes(32);
  const dataKey = randomBytes(32);
  let recordId = -1;
  let consentId = -1;
  let locator = '';

  async function envelopeFromApi(grantee: string): Promise<Uint8Array | null> {
    const result = (await api.call.recordsApi.envelope(recordId, grantee)).toJSON() as { sealed: string } | null;
    return result && hexToU8a(result.sealed);
  }

  async function recordOf(id: number): Promise<RecordJson> {
    return (await api.query.records.records(id)).toJSON() as unknown as RecordJson;
  }

  async function hasEnvelope(grantee: string): Promise<boolean> {
    return (await api.query.records.envelopes(recordId, grantee)).toJSON() !== null;
  }

  async function publishedKey(who: string): Promise<Uint8Array> {
    const profile = (await api.query.practitioners.practitioners(who)).toJSON() as { keyAgreementKey: string };
    return hexToU8a(profile.keyAgreementKey);
  }

  before(async () => {
    await cryptoWaitReady();
    node = await startNode({ basePath });
    api = await connect(node);
    const keyring = new Keyring({ type: 'sr25519', ss58Format: 42 });
    doctor = keyring.addFromUri('//Bob'); // the dev chain's licensed demo physician
    patient = keyring.addFromMnemonic(mnemonicGenerate());
    watch = keyring.addFromMnemonic(mnemonicGenerate());
    const alice = keyring.addFromUri('//Alice');
    await submitOk(api, api.tx.balances.transferKeepAlive(patient.address, 10n * UNITS), alice);
    await submitOk(api, api.tx.balances.transferKeepAlive(watch.address, 1n * UNITS), alice);
  });

  after(async () => {
    await api?.disconnect();
    await stopAllNodes();
    removeDir(basePath);
  });

  test("the demo physician's published key is the public key of his development secret", async () => {
    assert.ok(u8aEq(await publishedKey(doctor.address), x25519.getPublicKey(doctorSecret)));
  });

  test('the patient registers, encrypts a record on the client and anchors it', async () => {
    await submitOk(api, api.tx.records.registerPatient(x25519.getPublicKey(patientSecret)), patient);

    const nonce = randomBytes(24);
    const ciphertext = u8aConcat(nonce, xchacha20poly1305(dataKey, nonce).encrypt(u8aConcat(salt, plaintext)));
    const ciphertextHash = blake2AsU8a(ciphertext, 256);
    locator = `blob://${u8aToHex(ciphertextHash).slice(2)}`;
    blobStore.set(locator, ciphertext);

    const { eventData } = await submitOk(api, api.tx.records.addRecord(
      patient.address, 'Observation', 'Laboratory', blake2AsU8a(u8aConcat(salt, plaintext), 256),
      ciphertextHash, ciphertext.length, locator, 'Treatment'), patient);
    recordId = (eventData.find((e) => e.name === 'records.RecordAdded')!.data as [number])[0];

    // The patient keeps an envelope for themselves, sealed to their own key.
    await submitOk(api, api.tx.records.addEnvelope(
      recordId, patient.address, seal(dataKey, x25519.getPublicKey(patientSecret)), 'Treatment'), patient);
    const own = await envelopeFromApi(patient.address);
    assert.ok(own && u8aEq(open(own, patientSecret), dataKey));

    const history = (await api.call.recordsApi.recordHistory(recordId)).toJSON() as [number, { status: unknown; locator: string }][];
    assert.equal(history.length, 1);
    assert.deepEqual(history[0][1].status, { current: null });
    assert.equal(u8aToString(hexToU8a(history[0][1].locator)), locator);
  });

  test('no envelope for the physician without a consent', async () => {
    const { error } = await submit(api, api.tx.records.addEnvelope(
      recordId, doctor.address, seal(dataKey, x25519.getPublicKey(doctorSecret)), 'Treatment'), patient);
    assert.equal(error, 'records.NoConsent');
    assert.equal(await envelopeFromApi(doctor.address), null);
  });

  test('with a consent the physician gets the key through the chain and decrypts', async () => {
    const { eventData } = await submitOk(api, api.tx.consent.grantConsent(
      patient.address, doctor.address, 'Permit', ['Read'], { Categories: ['Laboratory'] },
      ['Treatment'], null, null), patient);
    consentId = (eventData.find((e) => e.name === 'consent.ConsentGranted')!.data as [number])[0];

    // The patient's wallet seals the data key to the key the physician published on chain.
    const published = await publishedKey(doctor.address);
    await submitOk(api, api.tx.records.addEnvelope(recordId, doctor.address, seal(dataKey, published), 'Treatment'), patient);

    // The physician reads: one transaction checks the consent, logs the disclosure and hands
    // over his envelope.
    const { events, eventData: read } = await submitOk(api, api.tx.records.accessRecord(recordId), doctor);
    assert.ok(events.includes('consent.Disclosed'), events.join(', '));
    const accessed = read.find((e) => e.name === 'records.RecordAccessed')!.data as [number, string, unknown, string];
    assert.deepEqual(accessed[2], { consent: consentId });
    const key = open(hexToU8a(accessed[3]), doctorSecret);

    // He fetches the ciphertext, checks it against the anchor, decrypts and checks the commitment.
    const record = await recordOf(recordId);
    const blob = blobStore.get(u8aToString(hexToU8a(record.locator)))!;
    assert.ok(u8aEq(blake2AsU8a(blob, 256), hexToU8a(record.ciphertextHash)), 'the ciphertext is intact');
    const opened = xchacha20poly1305(key, blob.subarray(0, 24)).decrypt(blob.subarray(24));
    assert.ok(u8aEq(blake2AsU8a(opened, 256), hexToU8a(record.commitment)), 'the plaintext matches the commitment');
    assert.deepEqual(JSON.parse(u8aToString(opened.subarray(32))).valueQuantity, { value: 5.4, unit: 'mmol/L' });

    // The runtime API gives him the same envelope, and the patient sees the read in the log.
    const viaApi = await envelopeFromApi(doctor.address);
    assert.ok(viaApi && u8aEq(open(viaApi, doctorSecret), dataKey));
    const log = (await api.call.consentApi.disclosures(patient.address, 0, 10)).toJSON() as [number, { accessor: string; record: number }][];
    assert.ok(log.some(([, d]) => d.accessor === doctor.address && d.record === recordId));
  });

  test('after revocation the physician cannot read, and the patient removes his envelope', async () => {
    await submitOk(api, api.tx.consent.revokeConsent(consentId), patient);
    assert.equal(await envelopeFromApi(doctor.address), null);
    const { error } = await submit(api, api.tx.records.accessRecord(recordId), doctor);
    assert.equal(error, 'records.NoConsent');
    const { events } = await submitOk(api, api.tx.records.removeEnvelope(recordId, doctor.address), patient);
    assert.ok(events.includes('records.EnvelopeRemoved'), events.join(', '));
    assert.equal(await hasEnvelope(doctor.address), false);
  });

  test('shredding destroys every key: even a new consent cannot bring the record back', async () => {
    const { events } = await submitOk(api, api.tx.records.shredRecord(recordId), patient);
    assert.ok(events.includes('records.RecordShredded'), events.join(', '));
    assert.ok(events.includes('skipFeelessPayment.FeeSkipped'), 'shredding is free for the patient');
    const record = await recordOf(recordId);
    assert.ok('shredded' in record.status, JSON.stringify(record.status));
    assert.equal(record.locator, '0x');
    assert.equal(await hasEnvelope(patient.address), false);
    assert.equal(await envelopeFromApi(patient.address), null);

    await submitOk(api, api.tx.consent.grantConsent(
      patient.address, doctor.address, 'Permit', ['Read'], 'AllData', ['Treatment'], null, null), patient);
    const sealAgain = await submit(api, api.tx.records.addEnvelope(
      recordId, doctor.address, seal(dataKey, x25519.getPublicKey(doctorSecret)), 'Treatment'), patient);
    assert.equal(sealAgain.error, 'records.RecordShredded');
    const read = await submit(api, api.tx.records.accessRecord(recordId), doctor);
    assert.equal(read.error, 'records.RecordShredded');
    assert.equal(await envelopeFromApi(doctor.address), null);
  });

  test('a wearable confirms its registration, anchors increasing batches until it is retired', async () => {
    const { events: named } = await submitOk(api, api.tx.records.registerDevice(watch.address, 'watch'), patient);
    assert.ok(named.includes('records.DeviceRequested'), named.join(', '));
    // Named but not confirmed: not a device yet.
    assert.equal((await submit(api, api.tx.records.anchorBatch(1, new Uint8Array(32), 1, 0, 0), watch)).error,
      'records.UnknownDevice');
    // The device consents with a transaction it signs itself.
    const { events: confirmed } = await submitOk(api, api.tx.records.confirmDevice(patient.address), watch);
    assert.ok(confirmed.includes('records.DeviceRegistered'), confirmed.join(', '));
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
