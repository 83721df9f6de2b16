// What a Telemed client does so that the chain learns identifiers and proofs only
// (docs/PRIVACY.md, "Formats"): blinded tags, ciphertexts padded to size classes, sealed
// locators, and data keys sealed to a grantee's X25519 key. Crypto from audited libraries
// (@noble/*); nothing here talks to the chain.

import { randomBytes } from 'node:crypto';
import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { xchacha20poly1305 } from '@noble/ciphers/chacha.js';
import { x25519 } from '@noble/curves/ed25519.js';
import { stringToU8a, u8aConcat, u8aToString } from '@polkadot/util';
import { blake2AsU8a } from '@polkadot/util-crypto';

// ---- blinded tags ------------------------------------------------------------------------------

/** A fresh tag key: 32 random bytes, kept by the patient and shared sealed with writers. */
export function newTagKey(): Uint8Array {
  return new Uint8Array(randomBytes(32));
}

/**
 * The blinded tag of `label` (`category/laboratory`, `type/Observation`…) under a patient's
 * tag key: `HMAC-SHA-256(tag key, "telemed/tag/v1/" ‖ label)`. The chain only compares tags;
 * two patients' tags for the same label are unrelated.
 */
export function tagOf(tagKey: Uint8Array, label: string): Uint8Array {
  return hmac(sha256, tagKey, stringToU8a(`telemed/tag/v1/${label}`));
}

// ---- size classes and record encryption --------------------------------------------------------

/** The records pallet's size classes: a ciphertext is padded to 2^k bytes, k in 10..=40. */
export const MIN_SIZE_CLASS = 10;
export const MAX_SIZE_CLASS = 40;

const NONCE = 24;
const AEAD_TAG = 16;
const SALT = 32;
const LENGTH = 4;

/** The size class of a record whose resource has `resourceLength` bytes. */
export function sizeClassFor(resourceLength: number): number {
  const needed = NONCE + SALT + LENGTH + resourceLength + AEAD_TAG;
  for (let k = MIN_SIZE_CLASS; k <= MAX_SIZE_CLASS; k++) if (2 ** k >= needed) return k;
  throw new Error(`a resource of ${resourceLength} bytes is over the largest size class`);
}

/** The salted commitment the chain keeps: `blake2_256(salt ‖ resource)`. */
export function commitmentOf(salt: Uint8Array, resource: Uint8Array): Uint8Array {
  return blake2AsU8a(u8aConcat(salt, resource), 256);
}

/**
 * Encrypts `resource` under `dataKey`: `nonce ‖ XChaCha20-Poly1305(salt ‖ u32 LE length ‖
 * resource ‖ zeros)`, padded inside the encryption to exactly `2^sizeClass` bytes, so the
 * commitment does not depend on the padding (a re-key pads again under a new key).
 */
export function encryptRecord(
  dataKey: Uint8Array, salt: Uint8Array, resource: Uint8Array,
): { ciphertext: Uint8Array; sizeClass: number } {
  const sizeClass = sizeClassFor(resource.length);
  const body = new Uint8Array(2 ** sizeClass - NONCE - AEAD_TAG);
  body.set(salt, 0);
  new DataView(body.buffer).setUint32(SALT, resource.length, true);
  body.set(resource, SALT + LENGTH);
  const nonce = new Uint8Array(randomBytes(NONCE));
  const ciphertext = u8aConcat(nonce, xchacha20poly1305(dataKey, nonce).encrypt(body));
  return { ciphertext, sizeClass };
}

/** Decrypts a record (throws if `dataKey` is not the one it was encrypted under). */
export function decryptRecord(dataKey: Uint8Array, ciphertext: Uint8Array): { salt: Uint8Array; resource: Uint8Array } {
  const body = xchacha20poly1305(dataKey, ciphertext.subarray(0, NONCE)).decrypt(ciphertext.subarray(NONCE));
  const length = new DataView(body.buffer, body.byteOffset).getUint32(SALT, true);
  return { salt: body.subarray(0, SALT), resource: body.subarray(SALT + LENGTH, SALT + LENGTH + length) };
}

// ---- sealed locators ----------------------------------------------------------------------------

const LOCATOR_VERSION = 0x01;

/** Seals where the ciphertext is under the record's data key: `0x01 ‖ nonce ‖ AEAD(locator)`. */
export function sealLocator(dataKey: Uint8Array, locator: string): Uint8Array {
  const nonce = new Uint8Array(randomBytes(NONCE));
  return u8aConcat([LOCATOR_VERSION], nonce, xchacha20poly1305(dataKey, nonce).encrypt(stringToU8a(locator)));
}

/** Opens a sealed locator (throws if `dataKey` is not the record's). */
export function openLocator(dataKey: Uint8Array, sealed: Uint8Array): string {
  if (sealed[0] !== LOCATOR_VERSION) throw new Error(`unknown locator version ${sealed[0]}`);
  const nonce = sealed.subarray(1, 1 + NONCE);
  return u8aToString(xchacha20poly1305(dataKey, nonce).decrypt(sealed.subarray(1 + NONCE)));
}

// ---- key envelopes ------------------------------------------------------------------------------

/** Seals `dataKey` to `recipient`'s X25519 public key: ephemeral key ‖ nonce ‖ AEAD(key). */
export function sealKey(dataKey: Uint8Array, recipient: Uint8Array): Uint8Array {
  const ephemeral = x25519.utils.randomSecretKey();
  const ephemeralPublic = x25519.getPublicKey(ephemeral);
  const kek = blake2AsU8a(u8aConcat(x25519.getSharedSecret(ephemeral, recipient), ephemeralPublic, recipient), 256);
  const nonce = new Uint8Array(randomBytes(NONCE));
  return u8aConcat(ephemeralPublic, nonce, xchacha20poly1305(kek, nonce).encrypt(dataKey));
}

/** Opens an envelope with the recipient's X25519 private key. */
export function openKey(envelope: Uint8Array, secret: Uint8Array): Uint8Array {
  const ephemeralPublic = envelope.subarray(0, 32);
  const nonce = envelope.subarray(32, 32 + NONCE);
  const kek = blake2AsU8a(
    u8aConcat(x25519.getSharedSecret(secret, ephemeralPublic), ephemeralPublic, x25519.getPublicKey(secret)), 256);
  return xchacha20poly1305(kek, nonce).decrypt(envelope.subarray(32 + NONCE));
}
