// The app's gateway client (src/gateway.ts) against the gateway's own HTTP API (gateway/src/
// server.ts) with the gateway's test doubles (a chain the test sets, a memory store): the
// signatures the browser makes are the ones the gateway checks, raw and wallet-wrapped.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Keyring } from '@polkadot/keyring';
import type { KeyringPair } from '@polkadot/keyring/types';
import { u8aToHex, u8aWrapBytes } from '@polkadot/util';
import { blake2AsU8a, cryptoWaitReady, mnemonicGenerate } from '@polkadot/util-crypto';
import { readMessage as gatewayReadMessage, writeMessage as gatewayWriteMessage } from '../../../gateway/src/auth.ts';
import { createLogger } from '../../../gateway/src/log.ts';
import { HEADERS as GATEWAY_HEADERS, startApi, type GatewayApi } from '../../../gateway/src/server.ts';
import { FakeChain, MemoryBlobStore } from '../../../gateway/test/fakes.ts';
import { GatewayError, GatewayStore, HEADERS, readMessage, writeMessage, type RawSigner } from '../../src/gateway.ts';

function raw(pair: KeyringPair): RawSigner {
  return { address: pair.address, signRaw: async (m) => pair.sign(m) };
}

/** What a browser wallet does: signs the bytes wrapped in `<Bytes>…</Bytes>`. */
function wallet(pair: KeyringPair): RawSigner {
  return { address: pair.address, signRaw: async (m) => pair.sign(u8aWrapBytes(m)) };
}

describe('gateway client', () => {
  let chain: FakeChain;
  let api: GatewayApi;
  let patient: KeyringPair;
  let stranger: KeyringPair;

  before(async () => {
    await cryptoWaitReady();
    const keyring = new Keyring({ type: 'sr25519', ss58Format: 42 });
    patient = keyring.addFromMnemonic(mnemonicGenerate());
    stranger = keyring.addFromMnemonic(mnemonicGenerate());
    chain = new FakeChain();
    chain.patients.add(u8aToHex(patient.publicKey));
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

  test('the signed messages and headers are the gateway’s, byte for byte', () => {
    const genesisHash = new Uint8Array(32).fill(3);
    const body = new Uint8Array(1024).fill(9);
    const nonce = new Uint8Array(16).fill(1);
    assert.deepEqual(writeMessage({ genesisHash, timestamp: 1234, nonce, body }), gatewayWriteMessage({ genesisHash, timestamp: 1234, nonce, body }));
    const challenge = new Uint8Array(32).fill(5);
    assert.deepEqual(
      readMessage({ genesisHash, challenge, recordId: 77n, cid: 'bafyx', purpose: 'Research' }),
      gatewayReadMessage({ genesisHash, challenge, recordId: 77n, cid: 'bafyx', purpose: 'Research' }),
    );
    assert.deepEqual({ ...HEADERS }, { ...GATEWAY_HEADERS });
  });

  for (const [name, signer] of [['raw signatures', raw], ['a wallet’s wrapped signatures', wallet]] as const) {
    test(`a patient stores and reads back a blob with ${name}`, async () => {
      const store = new GatewayStore(api.url, signer(patient), chain.genesisHash);
      const bytes = crypto.getRandomValues(new Uint8Array(2048));
      const locator = await store.put(bytes);
      assert.match(locator, /^ipfs:\/\/b/);
      const id = BigInt(chain.versions.size + 10);
      chain.versions.set(id, {
        id, patient: patient.publicKey, tag: new Uint8Array(32).fill(1), record: id,
        ciphertextHash: blake2AsU8a(bytes, 256), sizeClass: 11, hasLocator: true,
      });
      assert.deepEqual(await store.reading(id).get(locator), bytes);
      await assert.rejects(store.get(locator), /names the record version/);
    });
  }

  test('a stranger is refused with the gateway’s reason', async () => {
    const store = new GatewayStore(api.url, raw(stranger), chain.genesisHash);
    await assert.rejects(store.put(new Uint8Array(1024)), (e: unknown) => e instanceof GatewayError && e.status === 403 && e.reason === 'forbidden');
    const owner = new GatewayStore(api.url, raw(patient), chain.genesisHash);
    const bytes = new Uint8Array(1024).fill(4);
    const locator = await owner.put(bytes);
    chain.versions.set(99n, {
      id: 99n, patient: patient.publicKey, tag: new Uint8Array(32).fill(1), record: 99n,
      ciphertextHash: blake2AsU8a(bytes, 256), sizeClass: 10, hasLocator: true,
    });
    await assert.rejects(store.reading(99n).get(locator), (e: unknown) => e instanceof GatewayError && e.status === 403 && e.reason === 'forbidden');
  });

  test('an unpadded body is refused before anything is stored', async () => {
    const store = new GatewayStore(api.url, raw(patient), chain.genesisHash);
    await assert.rejects(store.put(new Uint8Array(1000)), (e: unknown) => e instanceof GatewayError && e.reason === 'not_padded');
  });
});
