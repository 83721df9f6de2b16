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

test('NonceCache: bounded, expired entries dropped from the front, a renewed nonce moves to the back', () => {
  let now = 0;
  const nonces = new NonceCache(50, 3, () => now);
  const who = new Uint8Array(32).fill(1);
  const n = (i: number) => new Uint8Array([i]);
  assert.equal(nonces.remember(who, n(1)), undefined);
  now = 10;
  assert.equal(nonces.remember(who, n(2)), undefined);
  now = 20;
  assert.equal(nonces.remember(who, n(3)), undefined);
  // Full: a fourth is refused while all three live, and nothing is forgotten for it.
  assert.equal(nonces.remember(who, n(4)), 'full');
  assert.equal(nonces.remember(who, n(2)), 'replayed');
  // Nonce 1 expires at 100 (twice the window after it was seen): it is dropped, 4 fits.
  now = 100;
  assert.equal(nonces.remember(who, n(4)), undefined);
  assert.equal(nonces.size, 3);
  // 1 is new again; 2 (expiring at 110) is still a replay until then.
  now = 109;
  assert.equal(nonces.remember(who, n(2)), 'replayed');
  now = 110;
  assert.equal(nonces.remember(who, n(1)), undefined);
  // 2 and 3 expired at 110 and 120; at 130 only 4 (until 200) and 1 (until 210) remain, in that order.
  now = 130;
  assert.equal(nonces.remember(who, n(5)), undefined);
  assert.equal(nonces.size, 3);
  now = 200;
  assert.equal(nonces.remember(who, n(6)), undefined);
  assert.equal(nonces.size, 3, '4 dropped from the front; 1, 5 and 6 remain');
  assert.equal(nonces.remember(who, n(1)), 'replayed');
});
