// Two gateways, each with its own Helia node on loopback, against a real dev node. A blob
// written at one is fetched through the other (bitswap between the two IPFS nodes, no shared
// disk); reads and writes are checked through the runtime APIs at the best block: the patient
// and a consented, licensed physician read; a stranger, an unlicensed practitioner with a
// consent and the physician after the revocation get 403 and nothing else. Chain state is made
// with @polkadot/api directly. When the node goes away, requests get 503 chain_unavailable.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApiPromise, WsProvider } from '@polkadot/api';
import { Keyring } from '@polkadot/keyring';
import type { KeyringPair } from '@polkadot/keyring/types';
import { u8aToHex } from '@polkadot/util';
import { blake2AsU8a, cryptoWaitReady, mnemonicGenerate } from '@polkadot/util-crypto';
import { GatewayError, putBlob, readBlob } from '../src/client.ts';
import { DEFAULTS, type Config } from '../src/config.ts';
import { startGateway, type Gateway } from '../src/gateway.ts';
import { createLogger, type Logger } from '../src/log.ts';
import { startDevNode, type DevNode } from './node.ts';

const UNITS = 10n ** 12n;

/** A valid X25519 public key (what `registerPatient` and `practitioners.register` take). */
function x25519PublicKey(): Uint8Array {
  const jwk = generateKeyPairSync('x25519').publicKey.export({ format: 'jwk' });
  return new Uint8Array(Buffer.from(jwk.x!, 'base64url'));
}

/** Sends `tx` signed by `signer` and resolves with its events once in a block; a dispatch error rejects. */
function submit(
  api: ApiPromise,
  tx: ReturnType<ApiPromise['tx'][string][string]>,
  signer: KeyringPair,
  nonce = -1,
): Promise<{ name: string; data: unknown }[]> {
  return new Promise((resolve, reject) => {
    tx.signAndSend(signer, { nonce }, ({ status, events, dispatchError }) => {
      if (status.isInvalid || status.isDropped || status.isUsurped) reject(new Error(`transaction ${status.type}`));
      if (!status.isInBlock) return;
      if (dispatchError) {
        const detail = dispatchError.isModule ? api.registry.findMetaError(dispatchError.asModule) : undefined;
        reject(new Error(`${tx.method.section}.${tx.method.method}: ${detail ? `${detail.section}.${detail.name}` : dispatchError.toString()}`));
        return;
      }
      resolve(events.map(({ event }) => ({ name: `${event.section}.${event.method}`, data: event.data.toJSON() })));
    }).catch(reject);
  });
}

async function refused(promise: Promise<unknown>): Promise<{ status: number; reason: string }> {
  try {
    await promise;
  } catch (e) {
    if (e instanceof GatewayError) return { status: e.status, reason: e.reason };
    throw e;
  }
  assert.fail('the gateway accepted the request');
}

describe('two gateways against a dev node', { timeout: 300_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'telemed-gateway-it-'));
  const lines: string[] = [];
  const log: Logger = createLogger('info', (line) => lines.push(line));
  let node: DevNode | undefined;
  let api: ApiPromise;
  let a: Gateway | undefined;
  let b: Gateway | undefined;
  let genesis: Uint8Array;
  let alice: KeyringPair;
  let doctor: KeyringPair; // //Bob: the dev chain's licensed demo physician
  let patient: KeyringPair;
  let nurse: KeyringPair; // registered practitioner, no licence
  let stranger: KeyringPair;
  const ciphertext = new Uint8Array(randomBytes(4096)); // a padded ciphertext stand-in, size class 12
  let cid = '';
  let recordId = 0n;
  let doctorConsent = 0;

  const config = (name: string, peers: string[]): Config => ({
    ...DEFAULTS,
    port: 0,
    ipfsPort: 0,
    dataDir: join(dir, name),
    nodeWs: node!.wsUrl,
    peers,
    redialMs: 500,
    chainTimeoutMs: 3_000,
    fetchTimeoutMs: 3_000,
  });

  before(async () => {
    await cryptoWaitReady();
    node = await startDevNode(join(dir, 'chain'));
    api = await ApiPromise.create({ provider: new WsProvider(node.wsUrl, 1_000), noInitWarn: true, throwOnConnect: true });
    genesis = api.genesisHash.toU8a();
    const keyring = new Keyring({ type: 'sr25519', ss58Format: 42 });
    alice = keyring.addFromUri('//Alice');
    doctor = keyring.addFromUri('//Bob');
    patient = keyring.addFromMnemonic(mnemonicGenerate());
    nurse = keyring.addFromMnemonic(mnemonicGenerate());
    stranger = keyring.addFromMnemonic(mnemonicGenerate());
    // Two transfers in one block (explicit nonces), while gateway A starts.
    const aliceNonce = await nextNonce(alice);
    const funded = Promise.all([
      submit(api, api.tx.balances.transferKeepAlive(patient.address, 10n * UNITS), alice, aliceNonce),
      submit(api, api.tx.balances.transferKeepAlive(nurse.address, 100n * UNITS), alice, aliceNonce + 1),
    ]);
    a = await startGateway(config('a', []), log);
    b = await startGateway(config('b', a.store.info().addresses), log);
    await funded;
    await Promise.all([
      submit(api, api.tx.records.registerPatient(x25519PublicKey()), patient),
      submit(api, api.tx.practitioners.register('Nurse Demo', ['Nurse'], [], x25519PublicKey()), nurse),
    ]);
  });

  async function nextNonce(who: KeyringPair): Promise<number> {
    return (await api.rpc.system.accountNextIndex(who.address)).toNumber();
  }

  after(async () => {
    await b?.stop().catch(() => {});
    await a?.stop().catch(() => {});
    await api?.disconnect().catch(() => {});
    await node?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test('the gateways run separate IPFS nodes on loopback and are connected', async () => {
    const infoA = a!.store.info();
    const infoB = b!.store.info();
    assert.notEqual(infoA.peerId, infoB.peerId);
    for (const address of [...infoA.addresses, ...infoB.addresses]) assert.match(address, /^\/ip4\/127\.0\.0\.1\/tcp\/\d+\/p2p\//);
    assert.equal(infoB.connectedPeers, 1);
    const res = await fetch(`${b!.url}/info`);
    assert.equal(((await res.json()) as { genesisHash: string }).genesisHash, u8aToHex(genesis));
  });

  test('a stranger may not store; the patient stores at gateway A and anchors the record', async () => {
    assert.deepEqual(await refused(putBlob(a!.url, stranger, genesis, ciphertext)), { status: 403, reason: 'forbidden' });
    cid = await putBlob(a!.url, patient, genesis, ciphertext);
    const events = await submit(api, api.tx.records.addRecord(
      patient.address, u8aToHex(randomBytes(32)), u8aToHex(randomBytes(32)), blake2AsU8a(ciphertext, 256), 12,
      u8aToHex(randomBytes(64)), 'Treatment'), patient);
    const added = events.find((e) => e.name === 'records.RecordAdded');
    assert.ok(added, events.map((e) => e.name).join(', '));
    recordId = BigInt((added.data as [number])[0]);
  });

  test('the patient reads the blob through gateway B (fetched from A over bitswap)', async () => {
    const started = Date.now();
    assert.deepEqual(await readBlob(b!.url, patient, genesis, recordId, cid), ciphertext);
    assert.ok(Date.now() - started < 10_000);
  });

  test('a stranger and a physician without consent get 403 and nothing else', async () => {
    assert.deepEqual(await refused(readBlob(b!.url, stranger, genesis, recordId, cid)), { status: 403, reason: 'forbidden' });
    assert.deepEqual(await refused(readBlob(b!.url, doctor, genesis, recordId, cid)), { status: 403, reason: 'forbidden' });
  });

  test('with a consent the licensed physician reads; an unlicensed practitioner with one gets 403', async () => {
    const nonce = await nextNonce(patient);
    const [granted] = await Promise.all([
      submit(api, api.tx.consent.grantConsent(
        patient.address, doctor.address, 'Permit', ['Read'], { Records: [recordId.toString()] }, ['Treatment'], null, null),
      patient, nonce),
      submit(api, api.tx.consent.grantConsent(
        patient.address, nurse.address, 'Permit', ['Read'], { Records: [recordId.toString()] }, ['Treatment'], null, null),
      patient, nonce + 1),
    ]);
    doctorConsent = (granted.find((e) => e.name === 'consent.ConsentGranted')!.data as [number])[0];
    assert.deepEqual(await readBlob(b!.url, doctor, genesis, recordId, cid), ciphertext);
    assert.deepEqual(await readBlob(a!.url, doctor, genesis, recordId, cid), ciphertext);
    // Another purpose than the consent's is refused.
    assert.deepEqual(await refused(readBlob(b!.url, doctor, genesis, recordId, cid, 'Research')), { status: 403, reason: 'forbidden' });
    assert.deepEqual(await refused(readBlob(b!.url, nurse, genesis, recordId, cid)), { status: 403, reason: 'forbidden' });
    const denial = lines.map((l) => JSON.parse(l) as Record<string, unknown>)
      .filter((l) => l.status === 403 && l.account === nurse.address).at(-1);
    assert.match(String(denial?.denial), /notLicensed/);
  });

  test('writes: the licensed physician may store, the unlicensed practitioner may not', async () => {
    const other = new Uint8Array(randomBytes(2048));
    assert.match(await putBlob(b!.url, doctor, genesis, other), /^baf/);
    assert.deepEqual(await refused(putBlob(b!.url, nurse, genesis, other)), { status: 403, reason: 'forbidden' });
  });

  test('a CID nobody stored is 404 (after the fetch timeout), at either gateway', async () => {
    const nobody = 'bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy';
    for (const gateway of [a!, b!]) {
      assert.deepEqual(await refused(readBlob(gateway.url, patient, genesis, recordId, nobody)), { status: 404, reason: 'blob_not_found' });
    }
  });

  test('after the revocation the physician gets 403', async () => {
    await submit(api, api.tx.consent.revokeConsent(doctorConsent), patient);
    assert.deepEqual(await refused(readBlob(b!.url, doctor, genesis, recordId, cid)), { status: 403, reason: 'forbidden' });
    assert.deepEqual(await readBlob(b!.url, patient, genesis, recordId, cid), ciphertext);
  });

  test('no log line carries the blob', () => {
    const hex = Buffer.from(ciphertext).toString('hex').slice(0, 64);
    const b64 = Buffer.from(ciphertext).toString('base64').slice(0, 44);
    assert.ok(lines.length > 10);
    for (const line of lines) assert.ok(!line.includes(hex) && !line.includes(b64), line);
  });

  test('when the chain node goes away, requests are 503 chain_unavailable, nothing served or stored', async () => {
    await node!.stop();
    assert.deepEqual(await refused(readBlob(b!.url, patient, genesis, recordId, cid)), { status: 503, reason: 'chain_unavailable' });
    assert.deepEqual(await refused(putBlob(a!.url, patient, genesis, new Uint8Array(randomBytes(1024)))), { status: 503, reason: 'chain_unavailable' });
  });
});
