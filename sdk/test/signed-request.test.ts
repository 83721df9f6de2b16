import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Keyring } from '@polkadot/keyring';
import { cryptoWaitReady } from '@polkadot/util-crypto';
import { NonceCache, parseAccount, signedMessage, verifySignature } from '../src/index.ts';

test('signedMessage: domain, request line and fields, one a line; a newline anywhere is refused', () => {
  const m = signedMessage('telemed-x/v1', 'GET /a?b=c', [['genesis', '0x00'], ['nonce', '0x01']]);
  assert.equal(new TextDecoder().decode(m), 'telemed-x/v1\nGET /a?b=c\ngenesis:0x00\nnonce:0x01');
  assert.throws(() => signedMessage('d', 'GET /a\nforged:1', []), RangeError);
  assert.throws(() => signedMessage('d', 'GET /a', [['cid', 'x\npurpose:Research']]), RangeError);
  assert.throws(() => signedMessage('d', 'GET /a', [['a\nb', 'x']]), RangeError);
});

test('verifySignature and NonceCache: the shared check of signed requests', async () => {
  await cryptoWaitReady();
  const alice = new Keyring({ type: 'sr25519' }).addFromUri('//Alice');
  const m = signedMessage('telemed-x/v1', 'POST /b', [['body', '0x02']]);
  assert.ok(verifySignature(m, alice.sign(m), alice.publicKey));
  assert.ok(!verifySignature(signedMessage('telemed-y/v1', 'POST /b', [['body', '0x02']]), alice.sign(m), alice.publicKey));
  assert.deepEqual(parseAccount(alice.address), alice.publicKey);
  let now = 1_000;
  const nonces = new NonceCache(100, 10, () => now);
  assert.ok(nonces.isFresh(900) && nonces.isFresh(1_100) && !nonces.isFresh(899) && !nonces.isFresh(1_101));
  assert.equal(nonces.remember(alice.publicKey, new Uint8Array([1])), undefined);
  assert.equal(nonces.remember(alice.publicKey, new Uint8Array([1])), 'replayed');
  now += 201;
  assert.equal(nonces.remember(alice.publicKey, new Uint8Array([1])), undefined);
});
