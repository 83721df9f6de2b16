// Signed messages, challenges, nonces and configuration, without a server.

import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { Keyring } from '@polkadot/keyring';
import { u8aToU8a, u8aWrapBytes } from '@polkadot/util';
import { blake2AsHex, cryptoWaitReady } from '@polkadot/util-crypto';
import { ChallengeStore, NonceCache, parseAccount, readMessage, verifySignature, writeMessage } from '../src/auth.ts';
import { ChainUnavailableError, withTimeout } from '../src/chain-interface.ts';
import { ConfigError, DEFAULTS, loadConfig } from '../src/config.ts';

describe('auth', () => {
  before(async () => {
    await cryptoWaitReady();
  });

  test('the signed messages are the documented text', () => {
    const genesisHash = new Uint8Array(32).fill(0xab);
    const write = new TextDecoder().decode(writeMessage({
      genesisHash, timestamp: 1_764_000_000_000, nonce: new Uint8Array(16).fill(1), body: new Uint8Array(1024),
    }));
    assert.equal(write, [
      'telemed-gateway/v1',
      'PUT /blobs',
      `genesis:0x${'ab'.repeat(32)}`,
      'timestamp:1764000000000',
      `nonce:0x${'01'.repeat(16)}`,
      `body:${blake2AsHex(new Uint8Array(1024), 256)}`,
    ].join('\n'));
    const read = new TextDecoder().decode(readMessage({
      genesisHash, challenge: new Uint8Array(32).fill(2), recordId: 42n, cid: 'bafkqaaa', purpose: 'Treatment',
    }));
    assert.equal(read, [
      'telemed-gateway/v1',
      'GET /records/42/blob',
      `genesis:0x${'ab'.repeat(32)}`,
      `challenge:0x${'02'.repeat(32)}`,
      'cid:bafkqaaa',
      'purpose:Treatment',
    ].join('\n'));
  });

  test('sr25519 signatures verify raw or <Bytes>-wrapped, only for the signer', () => {
    const keyring = new Keyring({ type: 'sr25519' });
    const alice = keyring.addFromUri('//Alice');
    const bob = keyring.addFromUri('//Bob');
    const message = u8aToU8a('telemed-gateway/v1\ntest');
    assert.ok(verifySignature(message, alice.sign(message), alice.publicKey));
    assert.ok(verifySignature(message, alice.sign(u8aWrapBytes(message)), alice.publicKey));
    assert.ok(!verifySignature(message, alice.sign(message), bob.publicKey));
    assert.ok(!verifySignature(u8aToU8a('other'), alice.sign(message), alice.publicKey));
    assert.ok(!verifySignature(message, new Uint8Array(64), alice.publicKey));
    assert.ok(!verifySignature(message, alice.sign(message).slice(0, 63), alice.publicKey));
    // An ed25519 signature by the same seed is not accepted as sr25519.
    const aliceEd = new Keyring({ type: 'ed25519' }).addFromUri('//Alice');
    assert.ok(!verifySignature(message, aliceEd.sign(message), aliceEd.publicKey));
  });

  test('accounts parse from SS58 or 32-byte hex, nothing else', () => {
    const alice = new Keyring({ type: 'sr25519' }).addFromUri('//Alice');
    assert.deepEqual(parseAccount(alice.address), alice.publicKey);
    assert.deepEqual(parseAccount(`0x${Buffer.from(alice.publicKey).toString('hex')}`), alice.publicKey);
    assert.equal(parseAccount('not an address'), undefined);
    assert.equal(parseAccount('0x1234'), undefined);
  });

  test('challenges: issued without state, single use, expire at their TTL, redemptions bounded', () => {
    let now = 1_000;
    const store = new ChallengeStore(100, 2, () => now);
    // Issuing keeps nothing: any number of anonymous requests exhausts nothing.
    for (let i = 0; i < 1_000; i++) store.issue();
    assert.equal(store.size, 0);
    const a = store.issue();
    assert.equal(a.expiresAt, 1_100);
    assert.equal(a.challenge.length, 32);
    now = 1_099;
    assert.equal(store.consume(a.challenge), undefined);
    assert.equal(store.consume(a.challenge), 'used');
    // Not issued by this store: a forged tag, another store's, another expiry, another length.
    const forged = a.challenge.slice();
    forged[31] = (forged[31] as number) ^ 1;
    assert.equal(store.check(forged), 'unknown');
    assert.equal(store.check(new ChallengeStore(100, 2, () => now).issue().challenge), 'unknown');
    const later = a.challenge.slice();
    later[0] = (later[0] as number) ^ 1;
    assert.equal(store.check(later), 'unknown', 'the expiry is under the tag');
    assert.equal(store.check(new Uint8Array(32)), 'unknown');
    assert.equal(store.check(new Uint8Array(31)), 'unknown');
    const b = store.issue();
    assert.equal(store.consume(b.challenge), undefined);
    const c = store.issue();
    assert.equal(store.consume(c.challenge), 'busy', 'at most 2 redeemed remembered');
    now = c.expiresAt;
    assert.equal(store.check(c.challenge), 'expired');
    assert.equal(store.check(b.challenge), 'used', 'a redeemed one stays used until forgotten');
    now = 1_200;
    assert.equal(store.consume(store.issue().challenge), undefined, 'expired ones are forgotten');
    assert.equal(store.size, 1);
  });

  test('nonces: fresh within the window, remembered per account, bounded', () => {
    let now = 10_000;
    const cache = new NonceCache(1_000, 2, () => now);
    assert.ok(cache.isFresh(9_000) && cache.isFresh(11_000));
    assert.ok(!cache.isFresh(8_999) && !cache.isFresh(11_001));
    const alice = new Uint8Array(32).fill(1);
    const bob = new Uint8Array(32).fill(2);
    const nonce = new Uint8Array(16);
    assert.equal(cache.remember(alice, nonce), undefined);
    assert.equal(cache.remember(alice, nonce), 'replayed');
    assert.equal(cache.remember(bob, nonce), undefined);
    assert.equal(cache.remember(bob, new Uint8Array(16).fill(1)), 'full');
    now += 2_000;
    assert.equal(cache.remember(bob, new Uint8Array(16).fill(1)), undefined, 'forgotten after twice the window');
  });
});

describe('config', () => {
  test('defaults, environment, then flags', () => {
    assert.deepEqual({ ...loadConfig([], {}), dataDir: DEFAULTS.dataDir }, DEFAULTS);
    const env = { GATEWAY_PORT: '9000', GATEWAY_PEERS: '/ip4/127.0.0.1/tcp/4101/p2p/12D3KooWabc, ', GATEWAY_MAX_BLOB_BYTES: '2048' };
    const fromEnv = loadConfig([], env);
    assert.equal(fromEnv.port, 9000);
    assert.deepEqual(fromEnv.peers, ['/ip4/127.0.0.1/tcp/4101/p2p/12D3KooWabc']);
    assert.equal(fromEnv.maxBlobBytes, 2048);
    const fromFlags = loadConfig(['--port', '9001', '--node-ws=ws://127.0.0.1:1'], env);
    assert.equal(fromFlags.port, 9001);
    assert.equal(fromFlags.nodeWs, 'ws://127.0.0.1:1');
  });

  test('bad settings name the flag and the variable', () => {
    assert.throws(() => loadConfig(['--port', 'x'], {}), (e: Error) => e instanceof ConfigError && /--port \/ GATEWAY_PORT/.test(e.message));
    assert.throws(() => loadConfig(['--nope', '1'], {}), /unknown flag --nope/);
    assert.throws(() => loadConfig([], { GATEWAY_PEERS: '/ip4/127.0.0.1/tcp/1' }), /p2p/);
    assert.throws(() => loadConfig([], { GATEWAY_NODE_WS: 'http://x' }), /ws:\/\//);
    assert.throws(() => loadConfig(['--max-blob-bytes', '10'], {}), /1024/);
    assert.throws(() => loadConfig(['--log-level', 'loud'], {}), /log-level/);
    assert.throws(() => loadConfig(['--port'], {}), /needs a value/);
  });
});

describe('chain timeouts', () => {
  test('a chain answer that never comes is a ChainUnavailableError after the timeout', async () => {
    const started = Date.now();
    await assert.rejects(withTimeout(new Promise(() => {}), 50, 'RecordsApi.patient'), (e: Error) =>
      e instanceof ChainUnavailableError && /RecordsApi.patient within 50 ms/.test(e.message));
    assert.ok(Date.now() - started >= 45);
    assert.equal(await withTimeout(Promise.resolve(7), 50, 'x'), 7);
  });
});
