/**
 * Record content (FORMATS.md, "Content" and "Salted commitment"): a FHIR resource encrypted
 * with XChaCha20-Poly1305 under a fresh data key, the commitment salt inside, padded inside the
 * encryption to a size class; and the two hashes the chain keeps of it.
 *
 * @module
 */

import { xchacha20poly1305 } from '@noble/ciphers/chacha.js';
import { blake2b } from '@noble/hashes/blake2.js';

import { concatBytes, equalBytes, type Random, secureRandom, utf8 } from './bytes.ts';
import {
  DecryptionError,
  MalformedError,
  MismatchError,
  OversizeError,
  TruncatedError,
  UnknownVersionError,
} from './errors.ts';
import { checkDataKey } from './internal.ts';
import { exactSizeClass, MAX_SIZE_CLASS, MIN_SIZE_CLASS, sizeClassOf } from './size.ts';

/** The content format's version byte. */
export const CONTENT_VERSION = 0x01;

/** Length of a data key (XChaCha20-Poly1305), in bytes. */
export const DATA_KEY_LENGTH = 32;

/** Length of the commitment salt, in bytes. */
export const SALT_LENGTH = 32;

/** Length of an XChaCha20-Poly1305 nonce, in bytes. */
export const NONCE_LENGTH = 24;

/** Length of a Poly1305 tag, in bytes. */
export const AEAD_TAG_LENGTH = 16;

/** The content's bytes besides the resource and padding: version, nonce, tag, salt, length. */
export const CONTENT_OVERHEAD = 1 + NONCE_LENGTH + AEAD_TAG_LENGTH + SALT_LENGTH + 4;

/** The longest resource one content can hold: its length is a `u32`. */
export const MAX_RESOURCE_LENGTH = 0xffff_ffff;

/** The associated data of content version 1: a domain label and the version byte. */
const CONTENT_AAD = concatBytes(utf8('telemed/content'), new Uint8Array([CONTENT_VERSION]));

/** A fresh random 32-byte data key. One per record version: never reuse it. */
export function newDataKey(random: Random = secureRandom): Uint8Array {
  return random(DATA_KEY_LENGTH);
}

/** A fresh random 32-byte commitment salt. */
export function newSalt(random: Random = secureRandom): Uint8Array {
  return random(SALT_LENGTH);
}

/**
 * The salted commitment the chain keeps: `blake2b-256(salt ‖ resource)` (Substrate's
 * `blake2_256`). It does not depend on the data key or the padding, so a re-key keeps it.
 *
 * @throws {@link MalformedError} if the salt is not 32 bytes
 */
export function commitmentOf(salt: Uint8Array, resource: Uint8Array): Uint8Array {
  if (salt.length !== SALT_LENGTH) {
    throw new MalformedError('commitment', `a salt has ${SALT_LENGTH} bytes, not ${salt.length}`);
  }
  return blake2b(concatBytes(salt, resource), { dkLen: 32 });
}

/** The ciphertext hash the chain keeps: `blake2b-256(ciphertext)` (Substrate's `blake2_256`). */
export function ciphertextHashOf(ciphertext: Uint8Array): Uint8Array {
  return blake2b(ciphertext, { dkLen: 32 });
}

/** The size class a resource of `resourceLength` bytes is padded to. */
export function contentSizeClassFor(resourceLength: number): number {
  if (!Number.isInteger(resourceLength) || resourceLength < 0) {
    throw new RangeError(`not a length: ${resourceLength}`);
  }
  if (resourceLength > MAX_RESOURCE_LENGTH) {
    throw new OversizeError('content', `a resource has at most ${MAX_RESOURCE_LENGTH} bytes`);
  }
  return sizeClassOf(CONTENT_OVERHEAD + resourceLength);
}

/** What {@link encryptContent} returns: the blob to store and what the chain is given. */
export interface EncryptedContent {
  /** The blob to store off chain: exactly `2^sizeClass` bytes. */
  ciphertext: Uint8Array;
  /** `k` for `addRecord`/`amendRecord`/`rekeyRecord`. */
  sizeClass: number;
  /** The salt inside the ciphertext (keep it to re-key with the same commitment). */
  salt: Uint8Array;
  /** `blake2_256(salt ‖ resource)`, the record's `commitment`. */
  commitment: Uint8Array;
  /** `blake2_256(ciphertext)`, the record's `ciphertextHash`. */
  ciphertextHash: Uint8Array;
}

/** Options of {@link encryptContent}. */
export interface EncryptContentOptions {
  /** The commitment salt: a fresh one by default; a re-key passes the record's salt. */
  salt?: Uint8Array;
  /** Randomness for the nonce (and salt): only for test vectors. */
  random?: Random;
}

/**
 * Encrypts `resource` under `dataKey` in content format 1:
 * `0x01 ‖ nonce (24) ‖ XChaCha20-Poly1305(dataKey, nonce, aad, salt ‖ u32 LE length ‖ resource ‖
 * zeros)`, exactly `2^k` bytes.
 *
 * @param dataKey - a fresh 32-byte data key ({@link newDataKey})
 * @param resource - the plaintext (a serialised FHIR resource)
 * @throws {@link MalformedError} for a key or salt of the wrong size;
 *   {@link OversizeError} for a resource past the largest size class or `u32` length
 */
export function encryptContent(
  dataKey: Uint8Array,
  resource: Uint8Array,
  options: EncryptContentOptions = {},
): EncryptedContent {
  checkDataKey(dataKey, 'content');
  const random = options.random ?? secureRandom;
  const salt = options.salt ?? newSalt(random);
  const commitment = commitmentOf(salt, resource);
  const sizeClass = contentSizeClassFor(resource.length);
  const body = new Uint8Array(2 ** sizeClass - 1 - NONCE_LENGTH - AEAD_TAG_LENGTH);
  body.set(salt, 0);
  new DataView(body.buffer).setUint32(SALT_LENGTH, resource.length, true);
  body.set(resource, SALT_LENGTH + 4);
  const nonce = random(NONCE_LENGTH);
  const sealed = xchacha20poly1305(dataKey, nonce, CONTENT_AAD).encrypt(body);
  const ciphertext = concatBytes(new Uint8Array([CONTENT_VERSION]), nonce, sealed);
  return { ciphertext, sizeClass, salt, commitment, ciphertextHash: ciphertextHashOf(ciphertext) };
}

/** What {@link decryptContent} returns. */
export interface DecryptedContent {
  /** The plaintext resource. */
  resource: Uint8Array;
  /** The commitment salt found inside. */
  salt: Uint8Array;
  /** The ciphertext's size class. */
  sizeClass: number;
  /** `blake2_256(salt ‖ resource)`: compare with the record's commitment. */
  commitment: Uint8Array;
}

/**
 * Decrypts content format 1.
 *
 * @throws {@link TruncatedError} (shorter than the smallest size class),
 *   {@link UnknownVersionError}, {@link OversizeError} (longer than the largest size class),
 *   {@link MalformedError} (not exactly a size class; a declared length past the end; padding
 *   that is not zeros), {@link DecryptionError} (another key, or a changed byte)
 */
export function decryptContent(dataKey: Uint8Array, ciphertext: Uint8Array): DecryptedContent {
  checkDataKey(dataKey, 'content');
  if (ciphertext.length === 0) throw new TruncatedError('content', 'empty');
  const version = ciphertext[0] as number;
  if (version !== CONTENT_VERSION) throw new UnknownVersionError('content', version);
  if (ciphertext.length < 2 ** MIN_SIZE_CLASS) {
    throw new TruncatedError('content', `${ciphertext.length} bytes is under the smallest size class`);
  }
  if (ciphertext.length > 2 ** MAX_SIZE_CLASS) {
    throw new OversizeError('content', 'over the largest size class');
  }
  const sizeClass = exactSizeClass(ciphertext.length);
  if (sizeClass === undefined) {
    throw new MalformedError('content', `${ciphertext.length} bytes is not a size class`);
  }
  const nonce = ciphertext.subarray(1, 1 + NONCE_LENGTH);
  let body: Uint8Array;
  try {
    body = xchacha20poly1305(dataKey, nonce, CONTENT_AAD).decrypt(ciphertext.subarray(1 + NONCE_LENGTH));
  } catch {
    throw new DecryptionError('content', 'does not open with this data key (or was changed)');
  }
  const length = new DataView(body.buffer, body.byteOffset, body.length).getUint32(SALT_LENGTH, true);
  const start = SALT_LENGTH + 4;
  if (length > body.length - start) throw new MalformedError('content', 'declared length past the end');
  const padding = body.subarray(start + length);
  if (padding.some((byte) => byte !== 0)) throw new MalformedError('content', 'padding is not zeros');
  const salt = body.slice(0, SALT_LENGTH);
  const resource = body.slice(start, start + length);
  return { resource, salt, sizeClass, commitment: commitmentOf(salt, resource) };
}

/** What the chain keeps of a record version, to check a fetched blob against. */
export interface AnchoredContent {
  /** The version's `commitment`. */
  commitment: Uint8Array;
  /** The version's `ciphertextHash`. */
  ciphertextHash: Uint8Array;
  /** The version's `sizeClass`, if checked too. */
  sizeClass?: number;
}

/**
 * Checks a fetched blob against what the chain keeps, then decrypts it and checks the
 * commitment: the read path's integrity check.
 *
 * @throws {@link MismatchError} if the ciphertext hash, size class or commitment differs; else
 *   as {@link decryptContent}
 */
export function decryptAnchoredContent(
  dataKey: Uint8Array,
  ciphertext: Uint8Array,
  anchored: AnchoredContent,
): DecryptedContent {
  if (!equalBytes(ciphertextHashOf(ciphertext), anchored.ciphertextHash)) {
    throw new MismatchError('content', 'the ciphertext hash differs from the anchored one');
  }
  const opened = decryptContent(dataKey, ciphertext);
  if (anchored.sizeClass !== undefined && opened.sizeClass !== anchored.sizeClass) {
    throw new MismatchError('content', 'the size class differs from the anchored one');
  }
  if (!equalBytes(opened.commitment, anchored.commitment)) {
    throw new MismatchError('commitment', 'the commitment differs from the anchored one');
  }
  return opened;
}
