// Round trips, tamper cases and bad input of every format (FORMATS.md).

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { xchacha20poly1305 } from '@noble/ciphers/chacha.js';

import {
  CONTENT_OVERHEAD,
  ciphertextHashOf,
  commitmentOf,
  contentSizeClassFor,
  DecryptionError,
  decryptAnchoredContent,
  decryptContent,
  ENVELOPE_LENGTH,
  type EnvelopeBinding,
  encryptContent,
  fromHex,
  isValidKeyAgreementKey,
  MalformedError,
  MAX_CHAIN_ENVELOPE_LENGTH,
  MAX_LOCATOR_LENGTH,
  MAX_SEALED_LOCATOR_LENGTH,
  MIN_CHAIN_ENVELOPE_LENGTH,
  MismatchError,
  openEnvelope,
  openLocator,
  OversizeError,
  parseEnvelope,
  sealEnvelope,
  sealLocator,
  sizeClassOf,
  tagOf,
  toHex,
  TruncatedError,
  UnknownVersionError,
  utf8,
} from '../src/index.ts';
import { counter, counting, flip, keyPair } from './helpers.ts';

const dataKey = counting(32, 0xa0);
const otherKey = counting(32, 0xb0);
const resource = utf8(JSON.stringify({ resourceType: 'Observation', id: 'synthetic-1', valueQuantity: { value: 1 } }));

describe('blinded tags', () => {
  test('match the vectors of docs/PRIVACY.md', () => {
    const tagKey = counting(32);
    assert.equal(toHex(tagOf(tagKey, 'category/laboratory')),
      '0x7d9ec9148eed2bf4a6d34216e813eac5f4c3291dcb937af139f66bb9ddd48d41');
    assert.equal(toHex(tagOf(tagKey, 'category/mental-health')),
      '0xc1a0f488f3957b2ff760707533e4c4c956fc0203c1203b23b38eb75afa99bbb1');
  });
  test('differ per tag key and per label; a bad key or an empty label is refused', () => {
    assert.notEqual(toHex(tagOf(counting(32), 'a')), toHex(tagOf(counting(32, 1), 'a')));
    assert.notEqual(toHex(tagOf(counting(32), 'a')), toHex(tagOf(counting(32), 'b')));
    assert.throws(() => tagOf(counting(31), 'a'), MalformedError);
    assert.throws(() => tagOf(counting(33), 'a'), MalformedError);
    assert.throws(() => tagOf(counting(32), ''), MalformedError);
  });
});

describe('size classes', () => {
  test('at and past each bound', () => {
    assert.equal(sizeClassOf(0), 10);
    assert.equal(sizeClassOf(1024), 10);
    assert.equal(sizeClassOf(1025), 11);
    assert.equal(sizeClassOf(2 ** 40), 40);
    assert.throws(() => sizeClassOf(2 ** 40 + 1), OversizeError);
    assert.equal(contentSizeClassFor(1024 - CONTENT_OVERHEAD), 10);
    assert.equal(contentSizeClassFor(1024 - CONTENT_OVERHEAD + 1), 11);
    assert.throws(() => contentSizeClassFor(2 ** 32), OversizeError);
  });
});

describe('content', () => {
  test('round trip: padded to exactly its size class, commitment and hash as the chain keeps them', () => {
    for (const length of [0, 1, 1024 - CONTENT_OVERHEAD, 1024 - CONTENT_OVERHEAD + 1, 5000]) {
      const plain = counting(length, 7);
      const sealed = encryptContent(dataKey, plain);
      assert.equal(sealed.ciphertext.length, 2 ** sealed.sizeClass);
      assert.equal(sealed.sizeClass, contentSizeClassFor(length));
      assert.deepEqual(sealed.commitment, commitmentOf(sealed.salt, plain));
      assert.deepEqual(sealed.ciphertextHash, ciphertextHashOf(sealed.ciphertext));
      const opened = decryptContent(dataKey, sealed.ciphertext);
      assert.deepEqual(opened.resource, plain);
      assert.deepEqual(opened.salt, sealed.salt);
      assert.deepEqual(opened.commitment, sealed.commitment);
    }
  });

  test('a re-key keeps the commitment: same salt, new key, new ciphertext', () => {
    const first = encryptContent(dataKey, resource);
    const again = encryptContent(otherKey, resource, { salt: first.salt });
    assert.deepEqual(again.commitment, first.commitment);
    assert.notDeepEqual(again.ciphertextHash, first.ciphertextHash);
    assert.throws(() => decryptContent(dataKey, again.ciphertext), DecryptionError);
  });

  test('every single flipped bit (version, nonce, salt, length, resource, padding, tag) is refused', () => {
    const { ciphertext } = encryptContent(dataKey, resource, { random: counter() });
    assert.equal(ciphertext.length, 1024);
    for (let bit = 0; bit < 8; bit++) {
      assert.throws(() => decryptContent(dataKey, flip(ciphertext, 0, bit)), UnknownVersionError);
    }
    for (let index = 1; index < ciphertext.length; index++) {
      for (let bit = 0; bit < 8; bit++) {
        assert.throws(() => decryptContent(dataKey, flip(ciphertext, index, bit)), DecryptionError, `byte ${index} bit ${bit}`);
      }
    }
  });

  test('wrong key, wrong version, truncated, not a size class, oversize', () => {
    const { ciphertext } = encryptContent(dataKey, resource);
    assert.throws(() => decryptContent(otherKey, ciphertext), DecryptionError);
    assert.throws(() => decryptContent(counting(31), ciphertext), MalformedError);
    const v2 = ciphertext.slice();
    v2[0] = 2;
    assert.throws(() => decryptContent(dataKey, v2), UnknownVersionError);
    assert.throws(() => decryptContent(dataKey, new Uint8Array()), TruncatedError);
    assert.throws(() => decryptContent(dataKey, ciphertext.subarray(0, 1023)), TruncatedError);
    assert.throws(() => decryptContent(dataKey, ciphertext.subarray(0, ciphertext.length - 1)), TruncatedError);
    const longer = new Uint8Array(1536);
    longer.set(ciphertext);
    assert.throws(() => decryptContent(dataKey, longer), MalformedError);
    // A 1024-byte prefix of a 2048-byte ciphertext is a size class but does not authenticate.
    const big = encryptContent(dataKey, counting(1500)).ciphertext;
    assert.throws(() => decryptContent(dataKey, big.subarray(0, 1024)), DecryptionError);
  });

  test('a writer holding the key cannot smuggle bytes into the padding or declare a length past the end', () => {
    // Built by hand as a malicious writer would: authentic under the key, but not canonical.
    const aad = new Uint8Array([...utf8('telemed/content'), 1]);
    const nonce = counting(24);
    const forge = (body: Uint8Array) => new Uint8Array([1, ...nonce, ...xchacha20poly1305(dataKey, nonce, aad).encrypt(body)]);
    const body = new Uint8Array(1024 - 1 - 24 - 16);
    new DataView(body.buffer).setUint32(32, 10, true);
    assert.equal(decryptContent(dataKey, forge(body)).resource.length, 10, 'the canonical form opens');
    const dirty = body.slice();
    dirty[body.length - 1] = 1;
    assert.throws(() => decryptContent(dataKey, forge(dirty)), MalformedError);
    const past = body.slice();
    new DataView(past.buffer).setUint32(32, body.length - 36 + 1, true);
    assert.throws(() => decryptContent(dataKey, forge(past)), MalformedError);
    const exact = body.slice();
    new DataView(exact.buffer).setUint32(32, body.length - 36, true);
    assert.equal(decryptContent(dataKey, forge(exact)).resource.length, body.length - 36, 'at the bound');
  });

  test('anchored read: the ciphertext hash, size class and commitment must be the chain\'s', () => {
    const sealed = encryptContent(dataKey, resource);
    const anchored = { commitment: sealed.commitment, ciphertextHash: sealed.ciphertextHash, sizeClass: sealed.sizeClass };
    assert.deepEqual(decryptAnchoredContent(dataKey, sealed.ciphertext, anchored).resource, resource);
    assert.throws(() => decryptAnchoredContent(dataKey, sealed.ciphertext, { ...anchored, ciphertextHash: flip(anchored.ciphertextHash, 0) }), MismatchError);
    assert.throws(() => decryptAnchoredContent(dataKey, sealed.ciphertext, { ...anchored, commitment: flip(anchored.commitment, 31) }), MismatchError);
    assert.throws(() => decryptAnchoredContent(dataKey, sealed.ciphertext, { ...anchored, sizeClass: 11 }), MismatchError);
    // A ciphertext swapped for another record's, with its own hash: the commitment catches it.
    const other = encryptContent(dataKey, utf8('another resource'));
    assert.throws(() => decryptAnchoredContent(dataKey, other.ciphertext, { ...anchored, ciphertextHash: other.ciphertextHash }), MismatchError);
  });

  test('bad salt or key to the encoder', () => {
    assert.throws(() => encryptContent(dataKey, resource, { salt: counting(31) }), MalformedError);
    assert.throws(() => encryptContent(counting(16), resource), MalformedError);
  });
});

describe('sealed locators', () => {
  const cid = 'ipfs://bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy';

  test('round trip; only the data key opens it; fits the chain\'s bound at the longest locator', () => {
    assert.equal(openLocator(dataKey, sealLocator(dataKey, cid)), cid);
    assert.throws(() => openLocator(otherKey, sealLocator(dataKey, cid)), DecryptionError);
    const longest = 'x'.repeat(MAX_LOCATOR_LENGTH);
    const sealed = sealLocator(dataKey, longest);
    assert.equal(sealed.length, MAX_SEALED_LOCATOR_LENGTH);
    assert.equal(openLocator(dataKey, sealed), longest);
    assert.throws(() => sealLocator(dataKey, `${longest}x`), OversizeError);
    assert.throws(() => sealLocator(dataKey, ''), MalformedError);
  });

  test('one flipped bit anywhere, wrong version, truncated, oversize', () => {
    const sealed = sealLocator(dataKey, cid);
    assert.throws(() => openLocator(dataKey, flip(sealed, 0)), UnknownVersionError);
    // Version 1 is docs/PRIVACY.md's (e2e) layout without associated data: not read.
    assert.throws(() => openLocator(dataKey, flip(sealed, 0, 1).fill(1, 0, 1)), UnknownVersionError);
    for (let index = 1; index < sealed.length; index++) {
      for (let bit = 0; bit < 8; bit++) {
        assert.throws(() => openLocator(dataKey, flip(sealed, index, bit)), DecryptionError, `byte ${index} bit ${bit}`);
      }
    }
    assert.throws(() => openLocator(dataKey, new Uint8Array()), TruncatedError);
    assert.throws(() => openLocator(dataKey, sealed.subarray(0, 41)), TruncatedError);
    assert.throws(() => openLocator(dataKey, sealed.subarray(0, sealed.length - 1)), DecryptionError);
    const oversize = new Uint8Array(MAX_SEALED_LOCATOR_LENGTH + 1);
    oversize[0] = 2;
    assert.throws(() => openLocator(dataKey, oversize), OversizeError);
  });
});

describe('key envelopes', () => {
  const grantee = keyPair(0x11);
  const binding: EnvelopeBinding = {
    genesisHash: counting(32, 0x20),
    record: 7n,
    version: 1,
    grantee: counting(32, 0x60),
  };

  test('round trip within the chain\'s bounds; the key version is in the header', async () => {
    const envelope = await sealEnvelope(dataKey, grantee.publicKey, 3, binding);
    assert.equal(envelope.length, ENVELOPE_LENGTH);
    assert.ok(envelope.length >= MIN_CHAIN_ENVELOPE_LENGTH && envelope.length <= MAX_CHAIN_ENVELOPE_LENGTH);
    assert.equal(parseEnvelope(envelope).keyVersion, 3);
    assert.deepEqual(await openEnvelope(envelope, grantee.secretKey, binding), dataKey);
    // Two seals of the same key differ (a fresh ephemeral key each time).
    assert.notDeepEqual(await sealEnvelope(dataKey, grantee.publicKey, 3, binding), envelope);
  });

  test('moved to another record, version, grantee or chain, it does not open', async () => {
    const envelope = await sealEnvelope(dataKey, grantee.publicKey, 0, binding);
    const moved: EnvelopeBinding[] = [
      { ...binding, record: 8n },
      { ...binding, record: 7n + 2n ** 32n },
      { ...binding, version: 2 },
      { ...binding, grantee: flip(binding.grantee, 31, 7) },
      { ...binding, genesisHash: flip(binding.genesisHash, 0) },
    ];
    for (const other of moved) await assert.rejects(openEnvelope(envelope, grantee.secretKey, other), DecryptionError);
    await assert.rejects(openEnvelope(envelope, keyPair(0x12).secretKey, binding), DecryptionError);
  });

  test('every single flipped bit (header, encapsulated key, ciphertext, tag) is refused', async () => {
    const envelope = await sealEnvelope(dataKey, grantee.publicKey, 0, binding);
    for (let bit = 0; bit < 8; bit++) {
      await assert.rejects(openEnvelope(flip(envelope, 0, bit), grantee.secretKey, binding), UnknownVersionError);
    }
    for (let index = 1; index < envelope.length; index++) {
      for (let bit = 0; bit < 8; bit++) {
        // The top bit of the encapsulated key is ignored by X25519 itself; HPKE's key
        // schedule hashes the encapsulated key's bytes, so it is still refused.
        await assert.rejects(openEnvelope(flip(envelope, index, bit), grantee.secretKey, binding), DecryptionError, `byte ${index} bit ${bit}`);
      }
    }
    // The key-version byte is authenticated: changing it is a decryption failure, not a
    // silently different key version.
    await assert.rejects(openEnvelope(flip(envelope, 1), grantee.secretKey, binding), DecryptionError);
  });

  test('wrong version, truncated, oversize, bad keys and bindings', async () => {
    const envelope = await sealEnvelope(dataKey, grantee.publicKey, 0, binding);
    const v2 = envelope.slice();
    v2[0] = 2;
    assert.throws(() => parseEnvelope(v2), UnknownVersionError);
    assert.throws(() => parseEnvelope(new Uint8Array()), TruncatedError);
    assert.throws(() => parseEnvelope(envelope.subarray(0, ENVELOPE_LENGTH - 1)), TruncatedError);
    const longer = new Uint8Array(ENVELOPE_LENGTH + 1);
    longer.set(envelope);
    assert.throws(() => parseEnvelope(longer), OversizeError);
    await assert.rejects(openEnvelope(envelope, counting(31), binding), MalformedError);
    await assert.rejects(sealEnvelope(dataKey, new Uint8Array(32), 0, binding), MalformedError);
    await assert.rejects(sealEnvelope(dataKey, counting(31), 0, binding), MalformedError);
    await assert.rejects(sealEnvelope(counting(31), grantee.publicKey, 0, binding), MalformedError);
    await assert.rejects(sealEnvelope(dataKey, grantee.publicKey, 256, binding), RangeError);
    await assert.rejects(sealEnvelope(dataKey, grantee.publicKey, 0, { ...binding, grantee: counting(31) }), MalformedError);
    await assert.rejects(sealEnvelope(dataKey, grantee.publicKey, 0, { ...binding, genesisHash: counting(33) }), MalformedError);
    await assert.rejects(sealEnvelope(dataKey, grantee.publicKey, 0, { ...binding, version: -1 }), RangeError);
  });

  test('key-agreement key validity matches the chain (primitives::is_valid_key_agreement_key)', () => {
    assert.ok(isValidKeyAgreementKey(grantee.publicKey));
    assert.ok(!isValidKeyAgreementKey(new Uint8Array(32)));
    assert.ok(!isValidKeyAgreementKey(fromHex('0x0100000000000000000000000000000000000000000000000000000000000000')));
    assert.ok(!isValidKeyAgreementKey(fromHex('0xe0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800')));
    assert.ok(!isValidKeyAgreementKey(fromHex('0xedffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f')), 'p itself');
    assert.ok(isValidKeyAgreementKey(fromHex('0xebffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f')), 'p - 2');
    assert.ok(!isValidKeyAgreementKey(flip(grantee.publicKey, 31, 7)), 'top bit set');
  });
});
