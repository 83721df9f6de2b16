/**
 * Wearable batches (FORMATS.md, "Wearable batch"): the Merkle root a device anchors over a batch
 * of samples (`records.anchorBatch`), a proof for one sample and its verifier, the batch's
 * plaintext layout (encrypted as content format 1 and kept in a blob store), and the batch key
 * sealed to the patient.
 *
 * The root commits to salted leaves: each leaf has its own salt derived from a batch salt that
 * travels only inside the encrypted batch, so the root (public on chain) cannot be tested
 * against guessed readings, and a proof for one sample (which carries that sample's leaf salt)
 * tells nothing about the others.
 *
 * @module
 */

import { blake2b } from '@noble/hashes/blake2.js';
import { concatBytes, equalBytes, secureRandom, u32le, u64le, utf8, type Random } from './bytes.ts';
import { DATA_KEY_LENGTH, SALT_LENGTH } from './content.ts';
import { HASH_LENGTH } from './envelope.ts';
import { MalformedError, OversizeError, TruncatedError, UnknownVersionError } from './errors.ts';
import { hpkeOpenVersioned, hpkeSealVersioned, X25519_KEY_LENGTH } from './hpke.ts';
import { checkDataKey } from './internal.ts';

/** The version byte of a batch's plaintext, a sample proof and a sealed batch key. */
export const BATCH_VERSION = 0x01;

/** The domain label of the Merkle tree (leaves and root); the `v1` is its version. */
export const BATCH_TREE_LABEL = 'telemed/batch/v1';

/** The label of a leaf salt's derivation. */
export const BATCH_LEAF_SALT_LABEL = 'telemed/batch/v1/leaf-salt';

/** The label that starts a sealed batch key's HPKE `info`. */
export const BATCH_KEY_INFO_LABEL = 'telemed/batch-key/v1';

/** First byte of a leaf's hash input. */
export const LEAF_PREFIX = 0x00;
/** First byte of an inner node's hash input. */
export const NODE_PREFIX = 0x01;
/** First byte of the root's hash input. */
export const ROOT_PREFIX = 0x02;

/** The most samples in one batch this version handles (2^20; the chain's count is a `u32`). */
export const MAX_BATCH_SAMPLES = 1 << 20;

/** The most bytes of one sample's value. */
export const MAX_SAMPLE_VALUE_LENGTH = 0xffff;

/** A sample proof's fixed part: version, index, count, leaf salt. */
export const SAMPLE_PROOF_HEADER_LENGTH = 1 + 4 + 4 + SALT_LENGTH;

/** A sealed batch key's length: version, key version, encapsulated key, sealed data key. */
export const SEALED_BATCH_KEY_LENGTH = 2 + X25519_KEY_LENGTH + DATA_KEY_LENGTH + 16;

/** One reading of a wearable. */
export interface Sample {
  /** When it was taken, milliseconds since the Unix epoch (a safe integer ≥ 0). */
  at: number;
  /** The reading, opaque bytes (at most {@link MAX_SAMPLE_VALUE_LENGTH}). */
  value: Uint8Array;
}

function hash(...parts: Uint8Array[]): Uint8Array {
  return blake2b(concatBytes(...parts), { dkLen: HASH_LENGTH });
}

function checkSample(sample: Sample): void {
  if (!Number.isSafeInteger(sample.at) || sample.at < 0) {
    throw new MalformedError('batch', `a sample's time is a safe integer ≥ 0, not ${sample.at}`);
  }
  if (sample.value.length > MAX_SAMPLE_VALUE_LENGTH) {
    throw new OversizeError('batch', `a sample's value has at most ${MAX_SAMPLE_VALUE_LENGTH} bytes`);
  }
}

function checkCount(count: number): void {
  if (count === 0) throw new MalformedError('batch', 'a batch has at least one sample');
  if (count > MAX_BATCH_SAMPLES) throw new OversizeError('batch', `a batch has at most ${MAX_BATCH_SAMPLES} samples`);
}

/** Sample `index`'s leaf salt: `blake2_256(UTF-8(leaf-salt label) ‖ batchSalt ‖ u32 LE index)`. */
export function leafSaltOf(batchSalt: Uint8Array, index: number): Uint8Array {
  if (batchSalt.length !== SALT_LENGTH) throw new MalformedError('batch', `a batch salt has ${SALT_LENGTH} bytes`);
  return hash(utf8(BATCH_LEAF_SALT_LABEL), batchSalt, u32le(index));
}

/**
 * A leaf: `blake2_256(0x00 ‖ UTF-8(tree label) ‖ u32 LE index ‖ leafSalt ‖ u64 LE at ‖ value)`.
 */
export function leafHash(index: number, leafSalt: Uint8Array, sample: Sample): Uint8Array {
  checkSample(sample);
  return hash(new Uint8Array([LEAF_PREFIX]), utf8(BATCH_TREE_LABEL), u32le(index), leafSalt, u64le(sample.at), sample.value);
}

/** An inner node: `blake2_256(0x01 ‖ left ‖ right)`. */
export function nodeHash(left: Uint8Array, right: Uint8Array): Uint8Array {
  return hash(new Uint8Array([NODE_PREFIX]), left, right);
}

/** The root: `blake2_256(0x02 ‖ UTF-8(tree label) ‖ u32 LE count ‖ top)`. */
export function rootHash(count: number, top: Uint8Array): Uint8Array {
  return hash(new Uint8Array([ROOT_PREFIX]), utf8(BATCH_TREE_LABEL), u32le(count), top);
}

/** The levels of the tree over `leaves`, leaves first; an odd last node moves up unchanged. */
function levelsOf(leaves: Uint8Array[]): Uint8Array[][] {
  const levels = [leaves];
  for (let level = leaves; level.length > 1;) {
    const next: Uint8Array[] = [];
    for (let i = 0; i < level.length; i += 2) {
      next.push(i + 1 < level.length ? nodeHash(level[i]!, level[i + 1]!) : level[i]!);
    }
    levels.push(next);
    level = next;
  }
  return levels;
}

/** How many siblings a proof for `index` of `count` has (levels where the node is not the odd one out). */
function siblingCount(index: number, count: number): number {
  let n = 0;
  for (let i = index, width = count; width > 1; i >>= 1, width = (width + 1) >> 1) {
    if ((i ^ 1) < width) n += 1;
  }
  return n;
}

/** Options of {@link SampleBatch.build}. */
export interface BuildBatchOptions {
  /** The batch salt (a fresh random one by default): only for test vectors. */
  salt?: Uint8Array;
  /** Randomness for the salt. */
  random?: Random;
}

/** A batch of samples and its Merkle tree. */
export class SampleBatch {
  /** The samples, in order (a sample's index is its position). */
  readonly samples: readonly Sample[];
  /** The batch salt (secret: it travels only inside the encrypted batch). */
  readonly salt: Uint8Array;
  /** The Merkle root, what `records.anchorBatch` anchors. */
  readonly root: Uint8Array;
  /** The earliest and latest sample time: the anchored window. */
  readonly from: number;
  /** The latest sample time. */
  readonly to: number;
  readonly #levels: Uint8Array[][];

  private constructor(samples: readonly Sample[], salt: Uint8Array) {
    checkCount(samples.length);
    if (salt.length !== SALT_LENGTH) throw new MalformedError('batch', `a batch salt has ${SALT_LENGTH} bytes`);
    this.samples = samples.map((s) => ({ at: s.at, value: s.value.slice() }));
    this.salt = salt.slice();
    this.#levels = levelsOf(this.samples.map((s, i) => leafHash(i, leafSaltOf(salt, i), s)));
    this.root = rootHash(samples.length, this.#levels.at(-1)![0]!);
    this.from = Math.min(...samples.map((s) => s.at));
    this.to = Math.max(...samples.map((s) => s.at));
  }

  /**
   * The tree over `samples` (1..={@link MAX_BATCH_SAMPLES}) under a fresh batch salt.
   *
   * @throws {@link MalformedError} (no sample, a bad time or salt), {@link OversizeError}
   */
  static build(samples: readonly Sample[], options: BuildBatchOptions = {}): SampleBatch {
    return new SampleBatch(samples, options.salt ?? (options.random ?? secureRandom)(SALT_LENGTH));
  }

  /** How many samples. */
  get count(): number {
    return this.samples.length;
  }

  /**
   * The proof for sample `index`: `0x01 ‖ u32 LE index ‖ u32 LE count ‖ leafSalt (32) ‖
   * siblings (32 each, leaf level first)`.
   *
   * @throws `RangeError` for an index outside the batch
   */
  proof(index: number): Uint8Array {
    if (!Number.isInteger(index) || index < 0 || index >= this.count) {
      throw new RangeError(`sample ${index} is not in a batch of ${this.count}`);
    }
    const siblings: Uint8Array[] = [];
    let i = index;
    for (const level of this.#levels.slice(0, -1)) {
      const sibling = level[i ^ 1];
      if (sibling) siblings.push(sibling);
      i >>= 1;
    }
    return concatBytes(new Uint8Array([BATCH_VERSION]), u32le(index), u32le(this.count), leafSaltOf(this.salt, index), ...siblings);
  }
}

/** A parsed sample proof. */
export interface SampleProof {
  /** The sample's index. */
  index: number;
  /** How many samples the batch has. */
  count: number;
  /** The sample's leaf salt. */
  leafSalt: Uint8Array;
  /** The sibling hashes, leaf level first. */
  siblings: Uint8Array[];
}

/**
 * Parses a sample proof and checks its shape (the number of siblings follows from index and
 * count).
 *
 * @throws {@link TruncatedError}, {@link UnknownVersionError}, {@link MalformedError} (index not
 *   below count, a count of 0 or past the bound, the wrong number of siblings)
 */
export function parseSampleProof(proof: Uint8Array): SampleProof {
  if (proof.length === 0) throw new TruncatedError('batch', 'empty proof');
  if (proof[0] !== BATCH_VERSION) throw new UnknownVersionError('batch', proof[0] as number);
  if (proof.length < SAMPLE_PROOF_HEADER_LENGTH) throw new TruncatedError('batch', `a proof has at least ${SAMPLE_PROOF_HEADER_LENGTH} bytes`);
  const view = new DataView(proof.buffer, proof.byteOffset, proof.byteLength);
  const index = view.getUint32(1, true);
  const count = view.getUint32(5, true);
  if (count === 0 || count > MAX_BATCH_SAMPLES) throw new MalformedError('batch', `a batch of ${count} samples`);
  if (index >= count) throw new MalformedError('batch', `sample ${index} is not in a batch of ${count}`);
  const rest = proof.length - SAMPLE_PROOF_HEADER_LENGTH;
  if (rest % HASH_LENGTH !== 0 || rest / HASH_LENGTH !== siblingCount(index, count)) {
    throw new MalformedError('batch', `a proof for sample ${index} of ${count} has ${siblingCount(index, count)} siblings`);
  }
  const siblings: Uint8Array[] = [];
  for (let at = SAMPLE_PROOF_HEADER_LENGTH; at < proof.length; at += HASH_LENGTH) siblings.push(proof.slice(at, at + HASH_LENGTH));
  return { index, count, leafSalt: proof.slice(9, SAMPLE_PROOF_HEADER_LENGTH), siblings };
}

/**
 * Whether `proof` shows `sample` in the batch whose anchored root is `root` (and, if given,
 * whose anchored sample count is `count`). Never throws for a bad proof or sample: anything
 * that does not verify is `false`.
 */
export function verifySampleProof(root: Uint8Array, sample: Sample, proof: Uint8Array, count?: number): boolean {
  let parsed: SampleProof;
  let node: Uint8Array;
  try {
    parsed = parseSampleProof(proof);
    node = leafHash(parsed.index, parsed.leafSalt, sample);
  } catch {
    return false;
  }
  if (count !== undefined && parsed.count !== count) return false;
  let s = 0;
  for (let i = parsed.index, width = parsed.count; width > 1; i >>= 1, width = (width + 1) >> 1) {
    if ((i ^ 1) >= width) continue; // the odd one out moves up unchanged
    const sibling = parsed.siblings[s++]!;
    node = i & 1 ? nodeHash(sibling, node) : nodeHash(node, sibling);
  }
  return equalBytes(rootHash(parsed.count, node), root);
}

/**
 * A batch's plaintext (encrypted as content format 1):
 * `0x01 ‖ batchSalt (32) ‖ u64 LE seq ‖ u32 LE count ‖ count × (u64 LE at ‖ u16 LE length ‖ value)`.
 */
export function encodeBatch(seq: bigint, batch: SampleBatch): Uint8Array {
  const parts: Uint8Array[] = [new Uint8Array([BATCH_VERSION]), batch.salt, u64le(seq), u32le(batch.count)];
  for (const s of batch.samples) parts.push(u64le(s.at), new Uint8Array([s.value.length & 0xff, s.value.length >> 8]), s.value);
  return concatBytes(...parts);
}

/** What {@link parseBatch} returns. */
export interface ParsedBatch {
  /** The device's sequence number the batch was anchored under. */
  seq: bigint;
  /** The batch, its tree rebuilt (compare `batch.root` with the anchored root). */
  batch: SampleBatch;
}

/**
 * Parses a batch's plaintext and rebuilds its tree.
 *
 * @throws {@link TruncatedError}, {@link UnknownVersionError}, {@link OversizeError} (bytes past
 *   the last sample), {@link MalformedError}
 */
export function parseBatch(bytes: Uint8Array): ParsedBatch {
  if (bytes.length === 0) throw new TruncatedError('batch', 'empty');
  if (bytes[0] !== BATCH_VERSION) throw new UnknownVersionError('batch', bytes[0] as number);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const need = (at: number, n: number) => {
    if (at + n > bytes.length) throw new TruncatedError('batch', `${bytes.length} bytes`);
  };
  need(0, 1 + SALT_LENGTH + 8 + 4);
  const salt = bytes.slice(1, 1 + SALT_LENGTH);
  const seq = view.getBigUint64(1 + SALT_LENGTH, true);
  const count = view.getUint32(1 + SALT_LENGTH + 8, true);
  checkCount(count);
  const samples: Sample[] = [];
  let at = 1 + SALT_LENGTH + 12;
  for (let i = 0; i < count; i++) {
    need(at, 10);
    const time = view.getBigUint64(at, true);
    if (time > BigInt(Number.MAX_SAFE_INTEGER)) throw new MalformedError('batch', 'a sample time past 2^53');
    const length = view.getUint16(at + 8, true);
    need(at + 10, length);
    samples.push({ at: Number(time), value: bytes.slice(at + 10, at + 10 + length) });
    at += 10 + length;
  }
  if (at !== bytes.length) throw new OversizeError('batch', `${bytes.length - at} bytes after the last sample`);
  return { seq, batch: SampleBatch.build(samples, { salt }) };
}

/** What a sealed batch key is bound to. */
export interface BatchKeyBinding {
  /** The chain's genesis hash (32 bytes). */
  genesisHash: Uint8Array;
  /** The device's account (32 bytes). */
  device: Uint8Array;
  /** The patient's account (32 bytes). */
  patient: Uint8Array;
  /** The batch's sequence number. */
  seq: bigint;
}

/** The HPKE `info` of a sealed batch key: label ‖ genesis ‖ device ‖ patient ‖ u64 LE seq. */
export function batchKeyInfo(binding: BatchKeyBinding): Uint8Array {
  for (const name of ['genesisHash', 'device', 'patient'] as const) {
    if (binding[name].length !== HASH_LENGTH) throw new MalformedError('batch', `${name} has 32 bytes`);
  }
  return concatBytes(utf8(BATCH_KEY_INFO_LABEL), binding.genesisHash, binding.device, binding.patient, u64le(binding.seq));
}

/** Options of {@link sealBatchKey}. */
export interface SealBatchKeyOptions {
  /** Fixes HPKE's ephemeral key: only for test vectors. */
  ekm?: Uint8Array;
}

/**
 * Seals a batch's data key to the patient's key-agreement key:
 * `0x01 ‖ keyVersion ‖ enc (32) ‖ HPKE-seal(pk, info, aad = 0x01 ‖ keyVersion, dataKey)`, 82 bytes.
 *
 * @throws {@link MalformedError} for a bad key or binding
 */
export async function sealBatchKey(
  dataKey: Uint8Array,
  patientPublicKey: Uint8Array,
  keyVersion: number,
  binding: BatchKeyBinding,
  options: SealBatchKeyOptions = {},
): Promise<Uint8Array> {
  checkDataKey(dataKey, 'envelope');
  return hpkeSealVersioned('batch', BATCH_VERSION, patientPublicKey, keyVersion, batchKeyInfo(binding), dataKey, options.ekm);
}

/** The key version a sealed batch key names (its second byte), after checking its length. */
export function batchKeyVersion(sealed: Uint8Array): number {
  if (sealed.length === 0) throw new TruncatedError('batch', 'empty batch key');
  if (sealed[0] !== BATCH_VERSION) throw new UnknownVersionError('batch', sealed[0] as number);
  if (sealed.length < SEALED_BATCH_KEY_LENGTH) throw new TruncatedError('batch', `${sealed.length} bytes`);
  if (sealed.length > SEALED_BATCH_KEY_LENGTH) throw new OversizeError('batch', `${sealed.length} bytes`);
  return sealed[1] as number;
}

/**
 * Opens a sealed batch key with the patient's secret key (of its key version).
 *
 * @throws as {@link batchKeyVersion}; `DecryptionError` for another key or binding or a changed bit
 */
export async function openBatchKey(sealed: Uint8Array, secretKey: Uint8Array, binding: BatchKeyBinding): Promise<Uint8Array> {
  batchKeyVersion(sealed);
  const dataKey = await hpkeOpenVersioned('batch', secretKey, sealed, batchKeyInfo(binding));
  if (dataKey.length !== DATA_KEY_LENGTH) throw new MalformedError('batch', 'the sealed key is not 32 bytes');
  return dataKey;
}
