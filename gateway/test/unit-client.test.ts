// The SDK's gateway client (sdk/src/gateway.ts, which the web app, the FHIR facade and the
// end-to-end tests use) against this gateway's HTTP API with the test doubles (a chain the test
// sets, a memory store): what the client signs is what the gateway checks, with raw signatures
// and with a browser wallet's `<Bytes>`-wrapped ones, for records and prescriptions.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Keyring } from '@polkadot/keyring';
import type { KeyringPair } from '@polkadot/keyring/types';
import { u8aToHex, u8aWrapBytes } from '@polkadot/util';
import { blake2AsU8a, cryptoWaitReady, mnemonicGenerate } from '@polkadot/util-crypto';
import { GatewayBlobStore, GatewayError, writeMessage, type GatewaySigner } from '@telemed/sdk';
import { createLogger } from '../src/log.ts';
import { startApi, type GatewayApi } from '../src/server.ts';
import { FakeChain, MemoryBlobStore } from './fakes.ts';

function raw(pair: KeyringPair): GatewaySigner {
  return { address: pair.address, sign: async (m) => pair.sign(m) };
}

/** What a browser wallet does: signs the bytes wrapped in `<Bytes>…</Bytes>`. */
function wallet(pair: KeyringPair): GatewaySigner {
  return { address: pair.address, sign: async (m) => pair.sign(u8aWrapBytes(m)) };
}

describe('the SDK\'s gateway client', () => {
  let chain: FakeChain;
  let api: GatewayApi;
  let patient: KeyringPair;
  let doctor: KeyringPair;
  let stranger: KeyringPair;

  before(async () => {
    await cryptoWaitReady();
    const keyring = new Keyring({ type: 'sr25519', ss58Format: 42 });
    patient = keyring.addFromMnemonic(mnemonicGenerate());
    doctor = keyring.addFromMnemonic(mnemonicGenerate());
    stranger = keyring.addFromMnemonic(mnemonicGenerate());
    chain = new FakeChain();
    chain.patients.add(u8aToHex(patient.publicKey));
    chain.licensed.add(u8aToHex(doctor.publicKey));
    api = await startApi({
      chain,
      store: new MemoryBlobStore(),
      log: createLogger('error', () => {}),
      options: { maxBlobBytes: 8192, challengeTtlMs: 30_000, maxChallenges: 100, clockSkewMs: 60_000, fetchTimeoutMs: 2_000 },
    }, '127.0.0.1', 0);
  });

  after(async () => {
    await api?.close();
  });

  test('a write signs the body\'s blake2_256 (test vector)', () => {
    const message = new TextDecoder().decode(writeMessage({
      genesisHash: new Uint8Array(32).fill(3), timestamp: 1234, nonce: new Uint8Array(16).fill(1), body: new Uint8Array(1024).fill(9),
    }));
    assert.equal(message, [
      'telemed-gateway/v1', 'PUT /blobs', `genesis:0x${'03'.repeat(32)}`, 'timestamp:1234', `nonce:0x${'01'.repeat(16)}`,
      `body:${u8aToHex(blake2AsU8a(new Uint8Array(1024).fill(9), 256))}`,
    ].join('\n'));
  });

  for (const [name, signer] of [['raw signatures', raw], ['a wallet’s wrapped signatures', wallet]] as const) {
    test(`a patient stores and reads back a record blob with ${name}`, async () => {
      const store = new GatewayBlobStore(api.url, signer(patient), chain.genesisHash);
      const bytes = crypto.getRandomValues(new Uint8Array(2048));
      const locator = await store.put(bytes);
      assert.match(locator, /^ipfs:\/\/b/);
      const id = BigInt(chain.versions.size + 10);
      chain.versions.set(id, {
        id, patient: patient.publicKey, tag: new Uint8Array(32).fill(1), record: id,
        ciphertextHash: blake2AsU8a(bytes, 256), sizeClass: 11, hasLocator: true,
      });
      assert.deepEqual(await store.reading(id).get(locator), bytes);
      await assert.rejects(store.get(locator), /names what it reads/);
    });

    test(`the prescriber stores a prescription blob, the patient reads it with ${name}`, async () => {
      const bytes = crypto.getRandomValues(new Uint8Array(1024));
      const locator = await new GatewayBlobStore(api.url, signer(doctor), chain.genesisHash).put(bytes);
      const id = BigInt(chain.prescriptions.size + 20);
      chain.prescriptions.set(id, { patient: patient.publicKey, prescriber: doctor.publicKey, ciphertextHash: blake2AsU8a(bytes, 256) });
      const reading = new GatewayBlobStore(api.url, signer(patient), chain.genesisHash).readingPrescription(id);
      assert.deepEqual(await reading.get(locator), bytes);
      // The same store does not read a record of the same id.
      await assert.rejects(
        new GatewayBlobStore(api.url, signer(patient), chain.genesisHash).reading(id).get(locator),
        (e: unknown) => e instanceof GatewayError && e.status === 404 && e.reason === 'unknown_record',
      );
    });
  }

  test('a stranger is refused with the gateway’s reason', async () => {
    const store = new GatewayBlobStore(api.url, raw(stranger), chain.genesisHash);
    await assert.rejects(store.put(new Uint8Array(1024)), (e: unknown) => e instanceof GatewayError && e.status === 403 && e.reason === 'forbidden');
    const owner = new GatewayBlobStore(api.url, raw(patient), chain.genesisHash);
    const bytes = new Uint8Array(1024).fill(4);
    const locator = await owner.put(bytes);
    chain.versions.set(99n, {
      id: 99n, patient: patient.publicKey, tag: new Uint8Array(32).fill(1), record: 99n,
      ciphertextHash: blake2AsU8a(bytes, 256), sizeClass: 10, hasLocator: true,
    });
    await assert.rejects(store.reading(99n).get(locator), (e: unknown) => e instanceof GatewayError && e.status === 403 && e.reason === 'forbidden');
    chain.prescriptions.set(99n, { patient: patient.publicKey, prescriber: doctor.publicKey, ciphertextHash: blake2AsU8a(bytes, 256) });
    await assert.rejects(store.readingPrescription(99n).get(locator), (e: unknown) => e instanceof GatewayError && e.status === 403 && e.reason === 'forbidden');
    // A locator of another store is not a gateway's: nothing is asked.
    await assert.rejects(owner.reading(99n).get('mem://00'), (e: unknown) => (e as Error).name === 'BlobNotFoundError');
  });

  test('an unpadded body is refused before anything is stored', async () => {
    const store = new GatewayBlobStore(api.url, raw(patient), chain.genesisHash);
    await assert.rejects(store.put(new Uint8Array(1000)), (e: unknown) => e instanceof GatewayError && e.reason === 'not_padded');
  });
});
