// Wearable batches (FORMATS.md, "Wearable batch"): the salted Merkle tree against a tree built
// by hand from the definition, every proof of batches of 1..=17 samples, the tamper cases
// (another sample, index, root or count; a proof from another batch; changed bytes), the
// batch's plaintext round trip and its decoding errors, and the sealed batch key's binding.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { blake2b } from '@noble/hashes/blake2.js';

import {
  concatBytes,
  DecryptionError,
  encodeBatch,
  leafHash,
  leafSaltOf,
  MalformedError,
  MAX_SAMPLE_VALUE_LENGTH,
  nodeHash,
  openBatchKey,
  OversizeError,
  parseBatch,
  parseSampleProof,
  rootHash,
  type Sample,
  SampleBatch,
  sealBatchKey,
  TruncatedError,
  u32le,
  UnknownVersionError,
  utf8,
  verifySampleProof,
} from '../src/index.ts';
import { counter, counting, flip, keyPair } from './helpers.ts';

/** `n` synthetic readings of nobody, one a second. */
function readings(n: number, base = 1_800_000_000_000): Sample[] {
  return Array.from({ length: n }, (_, i) => ({ at: base + i * 1000, value: utf8(JSON.stringify({ hr: 60 + (i % 40) })) }));
}

const h = (...parts: Uint8Array[]) => blake2b(concatBytes(...parts), { dkLen: 32 });

describe('wearable batch Merkle tree', () => {
  test('the root of 5 samples equals the tree built by hand (odd last node moves up unchanged)', () => {
    const salt = counting(32, 0xa0);
    const samples = readings(5);
    const batch = SampleBatch.build(samples, { salt });
    const leaf = (i: number) => h(new Uint8Array([0]), utf8('telemed/batch/v1'), u32le(i),
      h(utf8('telemed/batch/v1/leaf-salt'), salt, u32le(i)),
      (() => { const b = new Uint8Array(8); new DataView(b.buffer).setBigUint64(0, BigInt(samples[i]!.at), true); return b; })(),
      samples[i]!.value);
    const node = (l: Uint8Array, r: Uint8Array) => h(new Uint8Array([1]), l, r);
    for (let i = 0; i < 5; i++) assert.deepEqual(leafHash(i, leafSaltOf(salt, i), samples[i]!), leaf(i));
    const top = node(node(node(leaf(0), leaf(1)), node(leaf(2), leaf(3))), leaf(4));
    assert.deepEqual(batch.root, h(new Uint8Array([2]), utf8('telemed/batch/v1'), u32le(5), top));
    assert.deepEqual(batch.root, rootHash(5, top));
    assert.equal(batch.from, samples[0]!.at);
    assert.equal(batch.to, samples[4]!.at);
    // Sample 4 is the odd one out at the first two levels: one sibling; sample 1 has three.
    assert.deepEqual(parseSampleProof(batch.proof(4)).siblings, [node(node(leaf(0), leaf(1)), node(leaf(2), leaf(3)))]);
    assert.deepEqual(parseSampleProof(batch.proof(1)).siblings, [leaf(0), node(leaf(2), leaf(3)), leaf(4)]);
  });

  test('every proof of batches of 1..=17 samples verifies, for its own sample only', () => {
    for (let n = 1; n <= 17; n++) {
      const samples = readings(n);
      const batch = SampleBatch.build(samples, { random: counter(n) });
      for (let i = 0; i < n; i++) {
        const proof = batch.proof(i);
        assert.ok(verifySampleProof(batch.root, samples[i]!, proof), `${i} of ${n}`);
        assert.ok(verifySampleProof(batch.root, samples[i]!, proof, n));
        if (n > 1) assert.ok(!verifySampleProof(batch.root, samples[(i + 1) % n]!, proof), `another sample, ${i} of ${n}`);
      }
    }
  });

  test('tampering: wrong sample, wrong index, wrong root, wrong count, proof from another batch, flipped bits', () => {
    const samples = readings(8);
    const batch = SampleBatch.build(samples);
    const proof = batch.proof(3);
    const sample = samples[3]!;
    assert.ok(verifySampleProof(batch.root, sample, proof, 8));
    // Wrong sample: another value, another time.
    assert.ok(!verifySampleProof(batch.root, { ...sample, value: utf8('{"hr":61}') }, proof));
    assert.ok(!verifySampleProof(batch.root, { ...sample, at: sample.at + 1 }, proof));
    // Wrong index: the same siblings presented as sample 2's (same shape in a full tree).
    const moved = proof.slice();
    moved.set(u32le(2), 1);
    assert.doesNotThrow(() => parseSampleProof(moved));
    assert.ok(!verifySampleProof(batch.root, sample, moved));
    // An index outside the batch is malformed, and not verified.
    const outside = proof.slice();
    outside.set(u32le(8), 1);
    assert.throws(() => parseSampleProof(outside), MalformedError);
    assert.ok(!verifySampleProof(batch.root, sample, outside));
    // Wrong root; wrong anchored count.
    assert.ok(!verifySampleProof(flip(batch.root, 0), sample, proof));
    assert.ok(!verifySampleProof(batch.root, sample, proof, 9));
    // The same samples under another batch salt: its proof does not verify against this root.
    const other = SampleBatch.build(samples);
    assert.ok(verifySampleProof(other.root, sample, other.proof(3)));
    assert.ok(!verifySampleProof(batch.root, sample, other.proof(3)));
    // Every flipped bit of the proof.
    for (let i = 0; i < proof.length; i++) {
      for (let bit = 0; bit < 8; bit++) assert.ok(!verifySampleProof(batch.root, sample, flip(proof, i, bit)), `byte ${i} bit ${bit}`);
    }
    // Truncated or extended proofs.
    assert.ok(!verifySampleProof(batch.root, sample, proof.subarray(0, proof.length - 32)));
    assert.ok(!verifySampleProof(batch.root, sample, concatBytes(proof, new Uint8Array(32))));
  });

  test('bad input: no sample, a bad time, an oversize value, a salt of the wrong size, an unknown proof version', () => {
    assert.throws(() => SampleBatch.build([]), MalformedError);
    assert.throws(() => SampleBatch.build([{ at: -1, value: new Uint8Array() }]), MalformedError);
    assert.throws(() => SampleBatch.build([{ at: 1.5, value: new Uint8Array() }]), MalformedError);
    assert.throws(() => SampleBatch.build([{ at: 0, value: new Uint8Array(MAX_SAMPLE_VALUE_LENGTH + 1) }]), OversizeError);
    assert.throws(() => SampleBatch.build(readings(1), { salt: new Uint8Array(31) }), MalformedError);
    const batch = SampleBatch.build(readings(3));
    assert.throws(() => batch.proof(3), RangeError);
    assert.throws(() => parseSampleProof(new Uint8Array()), TruncatedError);
    assert.throws(() => parseSampleProof(flip(batch.proof(0), 0, 1)), UnknownVersionError);
    assert.throws(() => parseSampleProof(batch.proof(0).subarray(0, 20)), TruncatedError);
    // Domain separation: a leaf is never a node of the same bytes.
    const [a, b] = [counting(32), counting(32, 32)];
    assert.notDeepEqual(nodeHash(a, b), h(new Uint8Array([0]), a, b));
  });

  test('the batch plaintext round-trips and its decoder refuses bad input', () => {
    const samples = readings(4);
    const batch = SampleBatch.build(samples);
    const bytes = encodeBatch(9n, batch);
    const parsed = parseBatch(bytes);
    assert.equal(parsed.seq, 9n);
    assert.deepEqual(parsed.batch.root, batch.root);
    assert.deepEqual(parsed.batch.samples, samples);
    assert.throws(() => parseBatch(new Uint8Array()), TruncatedError);
    assert.throws(() => parseBatch(flip(bytes, 0, 1)), UnknownVersionError);
    assert.throws(() => parseBatch(bytes.subarray(0, bytes.length - 1)), TruncatedError);
    assert.throws(() => parseBatch(concatBytes(bytes, new Uint8Array(1))), OversizeError);
    const empty = bytes.slice(0, 45);
    empty.set(u32le(0), 41);
    assert.throws(() => parseBatch(empty), MalformedError);
    // A changed sample gives another root (the caller compares it with the anchor).
    assert.notDeepEqual(parseBatch(flip(bytes, bytes.length - 2)).batch.root, batch.root);
  });

  test('the sealed batch key opens only for its patient, device, sequence number and chain', async () => {
    const patient = keyPair(3);
    const binding = { genesisHash: counting(32, 1), device: counting(32, 2), patient: counting(32, 3), seq: 5n };
    const dataKey = counting(32, 0x55);
    const sealed = await sealBatchKey(dataKey, patient.publicKey, 0, binding);
    assert.equal(sealed.length, 82);
    assert.deepEqual(await openBatchKey(sealed, patient.secretKey, binding), dataKey);
    for (const other of [
      { ...binding, seq: 6n }, { ...binding, device: counting(32, 9) }, { ...binding, patient: counting(32, 9) },
      { ...binding, genesisHash: counting(32, 9) },
    ]) {
      await assert.rejects(openBatchKey(sealed, patient.secretKey, other), DecryptionError);
    }
    await assert.rejects(openBatchKey(sealed, keyPair(4).secretKey, binding), DecryptionError);
    await assert.rejects(openBatchKey(flip(sealed, 40), patient.secretKey, binding), DecryptionError);
    await assert.rejects(openBatchKey(flip(sealed, 0, 1), patient.secretKey, binding), UnknownVersionError);
    await assert.rejects(openBatchKey(sealed.subarray(0, 81), patient.secretKey, binding), TruncatedError);
  });
});
