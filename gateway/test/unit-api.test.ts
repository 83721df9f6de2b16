// The HTTP API with an in-memory blob store and a fake chain: every refusal is a status and a
// JSON reason, a refused or failed write stores nothing, a refused read gets 403 and nothing
// else, and no log line carries a blob.

import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import { request } from 'node:http';
import { randomBytes } from 'node:crypto';
import { Keyring } from '@polkadot/keyring';
import type { KeyringPair } from '@polkadot/keyring/types';
import { u8aToHex } from '@polkadot/util';
import { blake2AsU8a, cryptoWaitReady, mnemonicGenerate } from '@polkadot/util-crypto';
import {
  getChallenge, putBlob, readBlob, readPrescriptionBlob, signPrescriptionRead, signRead, signWrite, GatewayError,
} from '../src/client.ts';
import { createLogger } from '../src/log.ts';
import { HEADERS, startApi, type ApiOptions, type GatewayApi } from '../src/server.ts';
import { FakeChain, MemoryBlobStore } from './fakes.ts';

const OPTIONS: ApiOptions = {
  maxBlobBytes: 8192,
  challengeTtlMs: 30_000,
  maxChallenges: 100,
  clockSkewMs: 60_000,
  fetchTimeoutMs: 2_000,
};

/** A padded ciphertext stand-in: random bytes, a power of two long. */
function blob(size = 2048): Uint8Array {
  return new Uint8Array(randomBytes(size));
}

async function expectRefusal(promise: Promise<unknown>, status: number, reason: string): Promise<void> {
  await assert.rejects(promise, (e: unknown) => {
    assert.ok(e instanceof GatewayError, String(e));
    assert.equal(e.status, status, e.message);
    assert.equal(e.reason, reason, e.message);
    return true;
  });
}

describe('gateway HTTP API (fake chain, memory store)', () => {
  let chain: FakeChain;
  let store: MemoryBlobStore;
  let api: GatewayApi;
  let clock = Date.now();
  const lines: string[] = [];
  let patient: KeyringPair;
  let doctor: KeyringPair;
  let stranger: KeyringPair;

  before(async () => {
    await cryptoWaitReady();
    const keyring = new Keyring({ type: 'sr25519', ss58Format: 42 });
    patient = keyring.addFromMnemonic(mnemonicGenerate());
    doctor = keyring.addFromMnemonic(mnemonicGenerate());
    stranger = keyring.addFromMnemonic(mnemonicGenerate());
  });

  beforeEach(async () => {
    await api?.close();
    chain = new FakeChain();
    store = new MemoryBlobStore();
    clock = Date.now();
    lines.length = 0;
    chain.patients.add(u8aToHex(patient.publicKey));
    chain.licensed.add(u8aToHex(doctor.publicKey));
    api = await startApi(
      { chain, store, log: createLogger('debug', (l) => lines.push(l)), options: OPTIONS, now: () => clock },
      '127.0.0.1',
      0,
    );
  });

  after(async () => {
    await api?.close();
  });

  /** Anchors `bytes` as record version `id` of the patient (stable identity `record`). */
  function anchor(id: bigint, bytes: Uint8Array, record = id, hasLocator = true): void {
    chain.versions.set(id, {
      id,
      patient: patient.publicKey,
      tag: new Uint8Array(32).fill(1),
      record,
      ciphertextHash: blake2AsU8a(bytes, 256),
      sizeClass: Math.log2(bytes.length),
      hasLocator,
    });
  }

  /** PUT with raw headers, for the cases the client would not send. */
  async function rawPut(headers: Record<string, string>, body: Uint8Array): Promise<{ status: number; json: { reason: string } }> {
    const res = await fetch(`${api.url}/blobs`, { method: 'PUT', headers, body });
    return { status: res.status, json: (await res.json()) as { reason: string } };
  }

  test('a registered patient stores a blob and reads it back', async () => {
    const bytes = blob();
    const cid = await putBlob(api.url, patient, chain.genesisHash, bytes);
    assert.equal(store.blobs.size, 1);
    anchor(5n, bytes);
    assert.deepEqual(await readBlob(api.url, patient, chain.genesisHash, 5n, cid), bytes);
  });

  test('a licensed practitioner may store; a stranger and an unlicensed practitioner get 403 and nothing is stored', async () => {
    await putBlob(api.url, doctor, chain.genesisHash, blob());
    assert.equal(store.blobs.size, 1);
    await expectRefusal(putBlob(api.url, stranger, chain.genesisHash, blob()), 403, 'forbidden');
    chain.licensed.delete(u8aToHex(doctor.publicKey)); // the licence lapses
    await expectRefusal(putBlob(api.url, doctor, chain.genesisHash, blob()), 403, 'forbidden');
    assert.equal(store.blobs.size, 1);
  });

  test('an expired or stale write timestamp is refused before the body is stored', async () => {
    const bytes = blob();
    const old = await signWrite(patient, chain.genesisHash, bytes, { timestamp: clock - OPTIONS.clockSkewMs - 1 });
    assert.deepEqual((await rawPut(old, bytes)).json.reason, 'stale_timestamp');
    const future = await signWrite(patient, chain.genesisHash, bytes, { timestamp: clock + OPTIONS.clockSkewMs + 1 });
    const res = await rawPut(future, bytes);
    assert.equal(res.status, 401);
    assert.equal(res.json.reason, 'stale_timestamp');
    // At the bound it is fresh.
    const edge = await signWrite(patient, chain.genesisHash, bytes, { timestamp: clock - OPTIONS.clockSkewMs });
    assert.equal((await rawPut(edge, bytes)).status, 201);
  });

  test('a replayed write (same signed headers) is refused and stores nothing more', async () => {
    const bytes = blob();
    const headers = await signWrite(patient, chain.genesisHash, bytes);
    assert.equal((await rawPut(headers, bytes)).status, 201);
    store.blobs.clear();
    const again = await rawPut(headers, bytes);
    assert.deepEqual([again.status, again.json.reason], [401, 'replayed']);
    assert.equal(store.blobs.size, 0);
    // The same nonce by another account is that account's own nonce.
    const nonce = new Uint8Array(16).fill(9);
    assert.equal((await rawPut(await signWrite(patient, chain.genesisHash, bytes, { nonce }), bytes)).status, 201);
    assert.equal((await rawPut(await signWrite(doctor, chain.genesisHash, bytes, { nonce }), bytes)).status, 201);
  });

  test('a write signed by another account, over another body or for another chain is refused', async () => {
    const bytes = blob();
    const byStranger = await signWrite(stranger, chain.genesisHash, bytes);
    const wrongSigner = { ...byStranger, [HEADERS.account]: patient.address };
    assert.deepEqual((await rawPut(wrongSigner, bytes)).json.reason, 'bad_signature');
    const headers = await signWrite(patient, chain.genesisHash, bytes);
    const otherBody = blob();
    assert.deepEqual((await rawPut(headers, otherBody)).json.reason, 'bad_signature');
    const otherChain = await signWrite(patient, new Uint8Array(32).fill(8), bytes);
    assert.deepEqual((await rawPut(otherChain, bytes)).json.reason, 'bad_signature');
    const noSignature: Record<string, string> = { ...headers };
    delete noSignature[HEADERS.signature];
    const res = await rawPut(noSignature, bytes);
    assert.deepEqual([res.status, res.json.reason], [401, 'missing_auth']);
    assert.equal(store.blobs.size, 0);
  });

  test('an oversize upload is 413, at the limit it is stored; a body that is not a size class is 400', async () => {
    const over = blob(OPTIONS.maxBlobBytes + 1);
    const res = await rawPut(await signWrite(patient, chain.genesisHash, over), over);
    assert.deepEqual([res.status, res.json.reason], [413, 'too_large']);
    // Declared far past the limit: refused without reading it.
    const huge = blob(OPTIONS.maxBlobBytes * 4);
    const hugeRes = await rawPut(await signWrite(patient, chain.genesisHash, huge), huge);
    assert.deepEqual([hugeRes.status, hugeRes.json.reason], [413, 'too_large']);
    assert.equal(store.blobs.size, 0);
    await putBlob(api.url, patient, chain.genesisHash, blob(OPTIONS.maxBlobBytes));
    assert.equal(store.blobs.size, 1);
    const odd = blob(3000);
    const oddRes = await rawPut(await signWrite(patient, chain.genesisHash, odd), odd);
    assert.deepEqual([oddRes.status, oddRes.json.reason], [400, 'not_padded']);
    const small = blob(512);
    assert.equal((await rawPut(await signWrite(patient, chain.genesisHash, small), small)).json.reason, 'not_padded');
    assert.equal(store.blobs.size, 1);
  });

  test('an oversize upload without a content length (chunked) is 413 and stores nothing', async () => {
    const over = blob(OPTIONS.maxBlobBytes * 2);
    const headers = await signWrite(patient, chain.genesisHash, over);
    const url = new URL(`${api.url}/blobs`);
    const { status, body } = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = request({ host: url.hostname, port: url.port, path: '/blobs', method: 'PUT', headers }, (res) => {
        let text = '';
        res.on('data', (c: Buffer) => (text += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
      });
      req.on('error', reject);
      for (let i = 0; i < over.length; i += 1024) req.write(over.subarray(i, i + 1024));
      req.end();
    });
    assert.equal(status, 413);
    assert.equal(JSON.parse(body).reason, 'too_large');
    assert.equal(store.blobs.size, 0);
  });

  test('the chain connection dropping mid-write is 503 chain_unavailable and nothing is stored', async () => {
    chain.drop();
    await expectRefusal(putBlob(api.url, patient, chain.genesisHash, blob()), 503, 'chain_unavailable');
    assert.equal(store.blobs.size, 0);
  });

  test('an expired challenge is refused; at one millisecond before expiry it is accepted', async () => {
    const bytes = blob();
    const cid = await putBlob(api.url, patient, chain.genesisHash, bytes);
    anchor(1n, bytes);
    const challenge = await getChallenge(api.url);
    clock += OPTIONS.challengeTtlMs;
    const late = await signRead(patient, chain.genesisHash, challenge, 1n, cid);
    const res = await fetch(`${api.url}${late.path}`, { headers: late.headers });
    assert.equal(res.status, 401);
    assert.equal(((await res.json()) as { reason: string }).reason, 'challenge_expired');

    const fresh = await getChallenge(api.url);
    clock += OPTIONS.challengeTtlMs - 1;
    const inTime = await signRead(patient, chain.genesisHash, fresh, 1n, cid);
    assert.equal((await fetch(`${api.url}${inTime.path}`, { headers: inTime.headers })).status, 200);
  });

  test('a replayed read signature is refused (challenges are single use); an unknown challenge too', async () => {
    const bytes = blob();
    const cid = await putBlob(api.url, patient, chain.genesisHash, bytes);
    anchor(1n, bytes);
    const signed = await signRead(patient, chain.genesisHash, await getChallenge(api.url), 1n, cid);
    assert.equal((await fetch(`${api.url}${signed.path}`, { headers: signed.headers })).status, 200);
    const replay = await fetch(`${api.url}${signed.path}`, { headers: signed.headers });
    assert.deepEqual([replay.status, ((await replay.json()) as { reason: string }).reason], [401, 'challenge_used']);
    const made = await signRead(patient, chain.genesisHash, new Uint8Array(32).fill(3), 1n, cid);
    const unknown = await fetch(`${api.url}${made.path}`, { headers: made.headers });
    assert.deepEqual([unknown.status, ((await unknown.json()) as { reason: string }).reason], [401, 'unknown_challenge']);
  });

  test('a read signed by another account, or over another record, CID or purpose, is refused and does not use the challenge', async () => {
    const bytes = blob();
    const cid = await putBlob(api.url, patient, chain.genesisHash, bytes);
    anchor(1n, bytes);
    anchor(2n, bytes);
    const challenge = await getChallenge(api.url);
    const byStranger = await signRead(stranger, chain.genesisHash, challenge, 1n, cid);
    const forged = { ...byStranger.headers, [HEADERS.account]: patient.address };
    const res = await fetch(`${api.url}${byStranger.path}`, { headers: forged });
    assert.deepEqual([res.status, ((await res.json()) as { reason: string }).reason], [401, 'bad_signature']);
    const forOne = await signRead(patient, chain.genesisHash, challenge, 1n, cid);
    const other = await fetch(`${api.url}${forOne.path.replace('/records/1/', '/records/2/')}`, { headers: forOne.headers });
    assert.equal(((await other.json()) as { reason: string }).reason, 'bad_signature');
    const otherPurpose = await fetch(`${api.url}${forOne.path.replace('Treatment', 'Research')}`, { headers: forOne.headers });
    assert.equal(((await otherPurpose.json()) as { reason: string }).reason, 'bad_signature');
    // The genuine request with the same challenge still works: a forgery does not burn it.
    assert.equal((await fetch(`${api.url}${forOne.path}`, { headers: forOne.headers })).status, 200);
  });

  test('a stranger, a revoked grantee and an unlicensed practitioner get 403 and nothing else', async () => {
    const bytes = blob();
    const cid = await putBlob(api.url, patient, chain.genesisHash, bytes);
    anchor(1n, bytes);
    const forbidden = async (who: KeyringPair) => {
      const signed = await signRead(who, chain.genesisHash, await getChallenge(api.url), 1n, cid);
      const res = await fetch(`${api.url}${signed.path}`, { headers: signed.headers });
      assert.equal(res.status, 403);
      assert.equal(res.headers.get('content-type'), 'application/json');
      assert.deepEqual(await res.json(), { reason: 'forbidden', message: 'this account may not read this record now' });
    };
    await forbidden(stranger);
    chain.grant(doctor.publicKey, 1n);
    assert.deepEqual(await readBlob(api.url, doctor, chain.genesisHash, 1n, cid), bytes);
    chain.revoke(doctor.publicKey, 1n);
    await forbidden(doctor);
    // Even for a CID the gateway does not have: the access check comes first.
    const signed = await signRead(stranger, chain.genesisHash, await getChallenge(api.url), 1n, 'bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy');
    assert.equal((await fetch(`${api.url}${signed.path}`, { headers: signed.headers })).status, 403);
  });

  test('a CID nobody stored is 404 blob_not_found; a blob that is not the record\'s is 409', async () => {
    const bytes = blob();
    anchor(1n, bytes);
    const never = 'bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy';
    await expectRefusal(readBlob(api.url, patient, chain.genesisHash, 1n, never), 404, 'blob_not_found');
    const otherCid = await putBlob(api.url, patient, chain.genesisHash, blob());
    await expectRefusal(readBlob(api.url, patient, chain.genesisHash, 1n, otherCid), 409, 'blob_mismatch');
    const biggerCid = await putBlob(api.url, patient, chain.genesisHash, blob(4096));
    await expectRefusal(readBlob(api.url, patient, chain.genesisHash, 1n, biggerCid), 409, 'blob_mismatch');
    await expectRefusal(readBlob(api.url, patient, chain.genesisHash, 99n, otherCid), 404, 'unknown_record');
  });

  test('a version whose ciphertext a re-key retired is 410', async () => {
    const bytes = blob();
    const cid = await putBlob(api.url, patient, chain.genesisHash, bytes);
    anchor(1n, bytes, 1n, false);
    await expectRefusal(readBlob(api.url, patient, chain.genesisHash, 1n, cid), 410, 'retired');
  });

  test('the chain connection dropping mid-read is 503 chain_unavailable and serves nothing', async () => {
    const bytes = blob();
    const cid = await putBlob(api.url, patient, chain.genesisHash, bytes);
    anchor(1n, bytes);
    chain.drop(50);
    await expectRefusal(readBlob(api.url, patient, chain.genesisHash, 1n, cid), 503, 'chain_unavailable');
  });

  test('malformed requests: bad record id, missing or bad CID, unknown purpose, unknown route, wrong method', async () => {
    const challenge = await getChallenge(api.url);
    const { headers } = await signRead(patient, chain.genesisHash, challenge, 1n, 'x');
    const reason = async (path: string, init: RequestInit = { headers }) => {
      const res = await fetch(`${api.url}${path}`, init);
      return [res.status, ((await res.json()) as { reason: string }).reason];
    };
    assert.deepEqual(await reason('/records/abc/blob?cid=x'), [400, 'bad_record_id']);
    assert.deepEqual(await reason('/records/18446744073709551616/blob?cid=x'), [400, 'bad_record_id']);
    assert.deepEqual(await reason('/records/1/blob'), [400, 'bad_cid']);
    assert.deepEqual(await reason('/records/1/blob?cid=notacid'), [400, 'bad_cid']);
    assert.deepEqual(await reason('/records/1/blob?cid=bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy&purpose=Gossip'), [400, 'bad_purpose']);
    assert.deepEqual(await reason('/nowhere'), [404, 'not_found']);
    assert.deepEqual(await reason('/blobs', { method: 'GET' }), [405, 'method_not_allowed']);
    assert.deepEqual(await reason('/records/1/blob?cid=bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy', {}), [401, 'missing_auth']);
  });

  test('log lines are JSON with no blob bytes in them', async () => {
    const bytes = blob();
    const cid = await putBlob(api.url, patient, chain.genesisHash, bytes);
    anchor(1n, bytes);
    await readBlob(api.url, patient, chain.genesisHash, 1n, cid);
    await expectRefusal(readBlob(api.url, stranger, chain.genesisHash, 1n, cid), 403, 'forbidden');
    assert.ok(lines.length >= 4, lines.join('\n'));
    const hex = Buffer.from(bytes).toString('hex');
    const b64 = Buffer.from(bytes).toString('base64');
    for (const line of lines) {
      const parsed = JSON.parse(line) as { event: string; cid?: string };
      assert.equal(typeof parsed.event, 'string');
      assert.ok(!line.includes(hex.slice(0, 32)) && !line.includes(b64.slice(0, 32)), line);
      assert.ok(!line.includes(cid), `no CID in the logs: ${line}`);
    }
    const denied = lines.map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l.status === 403);
    assert.equal(denied?.reason, 'forbidden');
    assert.equal(denied?.account, stranger.address);
  });

  /** Anchors `bytes` as open prescription `id` of the patient by the doctor (no hash: issued before the chain kept it). */
  function prescribe(id: bigint, bytes: Uint8Array | undefined): void {
    chain.prescriptions.set(id, {
      patient: patient.publicKey,
      prescriber: doctor.publicKey,
      ciphertextHash: bytes === undefined ? undefined : blake2AsU8a(bytes, 256),
    });
  }

  test('a prescription\'s blob is served to its patient and its prescriber, and to nobody else', async () => {
    const bytes = blob();
    const cid = await putBlob(api.url, doctor, chain.genesisHash, bytes);
    prescribe(3n, bytes);
    assert.deepEqual(await readPrescriptionBlob(api.url, patient, chain.genesisHash, 3n, cid), bytes);
    assert.deepEqual(await readPrescriptionBlob(api.url, doctor, chain.genesisHash, 3n, cid), bytes);
    // A stranger; a practitioner with every grant of the patient's records (consent does not
    // open a prescription); the patient's own record read of the same id.
    await expectRefusal(readPrescriptionBlob(api.url, stranger, chain.genesisHash, 3n, cid), 403, 'forbidden');
    const nurse = new Keyring({ type: 'sr25519' }).addFromMnemonic(mnemonicGenerate());
    chain.licensed.add(u8aToHex(nurse.publicKey));
    chain.grant(nurse.publicKey, 3n);
    await expectRefusal(readPrescriptionBlob(api.url, nurse, chain.genesisHash, 3n, cid), 403, 'forbidden');
    const served = lines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.route === '/prescriptions/{id}/blob');
    assert.deepEqual(served.map((l) => [l.status, l.basis ?? l.reason, l.prescription]), [
      [200, 'patient', '3'], [200, 'prescriber', '3'], [403, 'forbidden', '3'], [403, 'forbidden', '3'],
    ]);
  });

  test('a prescription read: unknown id 404, another blob 409, a blob past 4,096 bytes 409, a version without a hash 409', async () => {
    const bytes = blob();
    const cid = await putBlob(api.url, doctor, chain.genesisHash, bytes);
    await expectRefusal(readPrescriptionBlob(api.url, patient, chain.genesisHash, 3n, cid), 404, 'unknown_prescription');
    prescribe(3n, blob());
    await expectRefusal(readPrescriptionBlob(api.url, patient, chain.genesisHash, 3n, cid), 409, 'blob_mismatch');
    // Its hash, but larger than any prescription's ciphertext: not served whatever the chain says.
    const big = blob(8192);
    const bigCid = await putBlob(api.url, doctor, chain.genesisHash, big);
    prescribe(4n, big);
    await expectRefusal(readPrescriptionBlob(api.url, patient, chain.genesisHash, 4n, bigCid), 409, 'blob_mismatch');
    const edge = blob(4096);
    const edgeCid = await putBlob(api.url, doctor, chain.genesisHash, edge);
    prescribe(5n, edge);
    assert.deepEqual(await readPrescriptionBlob(api.url, patient, chain.genesisHash, 5n, edgeCid), edge);
    prescribe(6n, undefined);
    await expectRefusal(readPrescriptionBlob(api.url, patient, chain.genesisHash, 6n, cid), 409, 'no_ciphertext_hash');
    // A stranger learns nothing of the version's hash: refused before.
    await expectRefusal(readPrescriptionBlob(api.url, stranger, chain.genesisHash, 6n, cid), 403, 'forbidden');
  });

  test('a read signed for a record does not open a prescription of the same id, nor the reverse', async () => {
    const bytes = blob();
    const cid = await putBlob(api.url, patient, chain.genesisHash, bytes);
    anchor(3n, bytes);
    prescribe(3n, bytes);
    const challenge = await getChallenge(api.url);
    const forRecord = await signRead(patient, chain.genesisHash, challenge, 3n, cid);
    const asPrescription = await fetch(`${api.url}/prescriptions/3/blob?cid=${cid}`, { headers: forRecord.headers });
    assert.deepEqual([asPrescription.status, ((await asPrescription.json()) as { reason: string }).reason], [401, 'bad_signature']);
    const forPrescription = await signPrescriptionRead(patient, chain.genesisHash, challenge, 3n, cid);
    const asRecord = await fetch(`${api.url}/records/3/blob?cid=${cid}`, { headers: forPrescription.headers });
    assert.deepEqual([asRecord.status, ((await asRecord.json()) as { reason: string }).reason], [401, 'bad_signature']);
    const another = await fetch(`${api.url}/prescriptions/4/blob?cid=${cid}`, { headers: forPrescription.headers });
    assert.equal(((await another.json()) as { reason: string }).reason, 'bad_signature');
    // Neither forgery used the challenge up.
    assert.equal((await fetch(`${api.url}${forPrescription.path}`, { headers: forPrescription.headers })).status, 200);
  });

  test('malformed prescription reads: bad id, missing CID, wrong method', async () => {
    const { headers } = await signPrescriptionRead(patient, chain.genesisHash, await getChallenge(api.url), 1n, 'x');
    const reason = async (path: string, init: RequestInit = { headers }) => {
      const res = await fetch(`${api.url}${path}`, init);
      return [res.status, ((await res.json()) as { reason: string }).reason];
    };
    assert.deepEqual(await reason('/prescriptions/abc/blob?cid=x'), [400, 'bad_prescription_id']);
    assert.deepEqual(await reason('/prescriptions/18446744073709551616/blob?cid=x'), [400, 'bad_prescription_id']);
    assert.deepEqual(await reason('/prescriptions/1/blob'), [400, 'bad_cid']);
    assert.deepEqual(await reason('/prescriptions/1/blob', { method: 'PUT' }), [405, 'method_not_allowed']);
  });
});
