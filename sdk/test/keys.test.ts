// Keys from a recovery phrase, rotation by key version, guardian recovery kits.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import {
  DecryptionError,
  deriveKeyAgreementKey,
  deriveTagKey,
  type EnvelopeBinding,
  generateRecoveryPhrase,
  isValidKeyAgreementKey,
  isValidRecoveryPhrase,
  KeyRing,
  MalformedError,
  openEnvelope,
  openRecoveryKit,
  OversizeError,
  parseEnvelope,
  parseRecoveryKit,
  RECOVERY_KIT_LENGTH,
  type RecoveryBinding,
  recoverKeyRing,
  sealEnvelope,
  sealRecoveryKit,
  seedFromRecoveryPhrase,
  TruncatedError,
  UnknownVersionError,
} from '../src/index.ts';
import { counting, flip } from './helpers.ts';

// The BIP-39 test phrase of all-zero entropy: a fixture, never a real person's.
const PHRASE = 'abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about';
const binding: EnvelopeBinding = { genesisHash: counting(32, 0x20), record: 42n, version: 3, grantee: counting(32, 0x60) };

describe('keys from a recovery phrase', () => {
  test('a new phrase is valid, 24 words by default, 12 on request', () => {
    const phrase = generateRecoveryPhrase();
    assert.equal(phrase.split(' ').length, 24);
    assert.ok(isValidRecoveryPhrase(phrase));
    assert.equal(generateRecoveryPhrase(12).split(' ').length, 12);
  });

  test('the seed is BIP-39\'s; spacing does not matter; the passphrase does; a bad checksum is refused', () => {
    const seed = seedFromRecoveryPhrase(PHRASE);
    assert.equal(seed.length, 64);
    // BIP-39's published seed of this phrase with the passphrase "TREZOR".
    assert.equal(Buffer.from(seedFromRecoveryPhrase(PHRASE, 'TREZOR')).toString('hex'),
      'c55257c360c07c72029aebc1b53c05ed0362ada38ead3e3e9efa3708e53495531f09a6987599d18264c1e1c92f2cf141630c7a3c4ab7c81b2f001698e7463b04');
    assert.deepEqual(seedFromRecoveryPhrase(`  ${PHRASE.replaceAll(' ', '   ')} `), seed);
    assert.throws(() => seedFromRecoveryPhrase(PHRASE.replace(/about$/, 'abandon')), MalformedError);
    assert.throws(() => seedFromRecoveryPhrase('not a phrase'), MalformedError);
    assert.ok(!isValidRecoveryPhrase(PHRASE.replace(/about$/, 'abandon')));
  });

  test('key-agreement and tag keys: distinct labels, distinct versions, deterministic, valid on chain', () => {
    const seed = seedFromRecoveryPhrase(PHRASE);
    const ka0 = deriveKeyAgreementKey(seed, 0);
    const ka1 = deriveKeyAgreementKey(seed, 1);
    const tag0 = deriveTagKey(seed, 0);
    assert.deepEqual(deriveKeyAgreementKey(seed, 0), ka0);
    assert.notDeepEqual(ka0.secretKey, ka1.secretKey);
    assert.notDeepEqual(ka0.secretKey, tag0);
    assert.notDeepEqual(tag0, deriveTagKey(seed, 1));
    assert.ok(isValidKeyAgreementKey(ka0.publicKey) && isValidKeyAgreementKey(ka1.publicKey));
    assert.equal(ka1.keyVersion, 1);
    assert.notDeepEqual(deriveKeyAgreementKey(seedFromRecoveryPhrase(PHRASE, 'x'), 0).publicKey, ka0.publicKey);
    assert.throws(() => deriveKeyAgreementKey(seed.subarray(0, 63), 0), MalformedError);
    assert.throws(() => deriveKeyAgreementKey(seed, 256), RangeError);
    assert.throws(() => deriveTagKey(seed, -1), RangeError);
    assert.throws(() => new KeyRing(new Uint8Array(32)), MalformedError);
  });

  test('a key ring opens an envelope with the key version its header names', async () => {
    const ring = KeyRing.fromRecoveryPhrase(PHRASE);
    const dataKey = counting(32, 0x99);
    for (const version of [0, 1, 255]) {
      const envelope = await sealEnvelope(dataKey, ring.keyAgreement(version).publicKey, version, binding);
      assert.deepEqual(await ring.openEnvelope(envelope, binding), dataKey);
    }
    // An envelope that claims another key version than the one it was sealed to does not open.
    const sealedToV1 = await sealEnvelope(dataKey, ring.keyAgreement(1).publicKey, 0, binding);
    await assert.rejects(ring.openEnvelope(sealedToV1, binding), DecryptionError);
  });
});

describe('rotation', () => {
  test('re-seals what was held for the old key to the new one, same binding; the old key no longer opens them', async () => {
    const ring = KeyRing.fromRecoveryPhrase(PHRASE);
    const v0 = ring.keyAgreement(0);
    const bindings = [binding, { ...binding, record: 43n, version: 1 }];
    const keys = [counting(32, 1), counting(32, 2)];
    const held = await Promise.all(bindings.map(async (b, i) => ({
      envelope: await sealEnvelope(keys[i] as Uint8Array, v0.publicKey, 0, b), binding: b,
    })));
    const already = { envelope: await sealEnvelope(counting(32, 3), ring.keyAgreement(1).publicKey, 1, binding), binding };
    const resealed = await ring.resealForRotation([...held, already], 1);
    assert.equal(resealed.length, 2, 'the one already sealed to version 1 is left out');
    for (const [i, { envelope, binding: b }] of resealed.entries()) {
      assert.equal(parseEnvelope(envelope).keyVersion, 1);
      assert.deepEqual(b, bindings[i]);
      assert.deepEqual(await openEnvelope(envelope, ring.keyAgreement(1).secretKey, b), keys[i]);
      await assert.rejects(openEnvelope(envelope, v0.secretKey, b), DecryptionError);
      await assert.rejects(ring.openEnvelope(envelope, bindings[1 - i] as EnvelopeBinding), DecryptionError);
    }
  });

  test('an envelope that is not the holder\'s fails the whole rotation', async () => {
    const ring = KeyRing.fromRecoveryPhrase(PHRASE);
    const stranger = KeyRing.fromRecoveryPhrase(PHRASE, 'someone else');
    const foreign = { envelope: await sealEnvelope(counting(32), stranger.keyAgreement(0).publicKey, 0, binding), binding };
    await assert.rejects(ring.resealForRotation([foreign], 1), DecryptionError);
    await assert.rejects(ring.resealForRotation([], 256), RangeError);
  });
});

describe('guardian recovery', () => {
  const owner = KeyRing.fromRecoveryPhrase(PHRASE);
  const guardian = KeyRing.fromRecoveryPhrase(PHRASE, 'guardian');
  const rb: RecoveryBinding = { genesisHash: counting(32, 0x20), owner: counting(32, 0x70), guardian: counting(32, 0x80) };

  test('the guardian gives back every key of the owner', async () => {
    const kit = await sealRecoveryKit(owner.exportSeed(), guardian.keyAgreement(2).publicKey, 2, rb);
    assert.equal(kit.length, RECOVERY_KIT_LENGTH);
    assert.equal(parseRecoveryKit(kit).guardianKeyVersion, 2);
    const recovered = await recoverKeyRing(kit, guardian, rb);
    assert.deepEqual(recovered.keyAgreement(0), owner.keyAgreement(0));
    assert.deepEqual(recovered.tagKey(0), owner.tagKey(0));
    assert.deepEqual(recovered.exportSeed(), owner.exportSeed());
  });

  test('another guardian, owner, chain or key does not open it; every flipped bit is refused', async () => {
    const kit = await sealRecoveryKit(owner.exportSeed(), guardian.keyAgreement(0).publicKey, 0, rb);
    const sk = guardian.keyAgreement(0).secretKey;
    for (const other of [{ ...rb, owner: flip(rb.owner, 0) }, { ...rb, guardian: flip(rb.guardian, 5) }, { ...rb, genesisHash: flip(rb.genesisHash, 31) }]) {
      await assert.rejects(openRecoveryKit(kit, sk, other), DecryptionError);
    }
    await assert.rejects(openRecoveryKit(kit, owner.keyAgreement(0).secretKey, rb), DecryptionError);
    await assert.rejects(openRecoveryKit(kit, guardian.keyAgreement(1).secretKey, rb), DecryptionError);
    await assert.rejects(openRecoveryKit(flip(kit, 0), sk, rb), UnknownVersionError);
    for (let index = 1; index < kit.length; index++) {
      await assert.rejects(openRecoveryKit(flip(kit, index, index % 8), sk, rb), DecryptionError, `byte ${index}`);
    }
  });

  test('truncated, oversize, bad seed or binding', async () => {
    const kit = await sealRecoveryKit(owner.exportSeed(), guardian.keyAgreement(0).publicKey, 0, rb);
    assert.throws(() => parseRecoveryKit(new Uint8Array()), TruncatedError);
    assert.throws(() => parseRecoveryKit(kit.subarray(0, kit.length - 1)), TruncatedError);
    const longer = new Uint8Array(kit.length + 1);
    longer.set(kit);
    assert.throws(() => parseRecoveryKit(longer), OversizeError);
    await assert.rejects(sealRecoveryKit(counting(32), guardian.keyAgreement(0).publicKey, 0, rb), MalformedError);
    await assert.rejects(sealRecoveryKit(owner.exportSeed(), guardian.keyAgreement(0).publicKey, 0, { ...rb, owner: counting(20) }), MalformedError);
    await assert.rejects(sealRecoveryKit(owner.exportSeed(), new Uint8Array(32), 0, rb), MalformedError);
  });
});
