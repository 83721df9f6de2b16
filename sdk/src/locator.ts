/**
 * Sealed locators (FORMATS.md, "Sealed locators"): where a record's ciphertext is stored (an
 * IPFS CID, a gateway URL), sealed under the record's data key so only envelope holders can
 * find it. The chain keeps the sealed bytes (at most `MaxLocatorLen` = 256).
 *
 * @module
 */

import { xchacha20poly1305 } from '@noble/ciphers/chacha.js';

import { concatBytes, type Random, secureRandom, utf8 } from './bytes.ts';
import { AEAD_TAG_LENGTH, NONCE_LENGTH } from './content.ts';
import {
  DecryptionError,
  MalformedError,
  OversizeError,
  TruncatedError,
  UnknownVersionError,
} from './errors.ts';
import { checkDataKey } from './internal.ts';

/**
 * The sealed locator format's version byte. Version 1 is the unauthenticated-header layout of
 * docs/PRIVACY.md and e2e/lib/privacy.ts (no associated data); this SDK neither writes nor
 * reads it.
 */
export const LOCATOR_VERSION = 0x02;

/** The records pallet's `MaxLocatorLen` in the runtime: the longest sealed locator. */
export const MAX_SEALED_LOCATOR_LENGTH = 256;

/** The sealed locator's bytes besides the locator: version, nonce, tag. */
export const LOCATOR_OVERHEAD = 1 + NONCE_LENGTH + AEAD_TAG_LENGTH;

/** The longest locator (UTF-8 bytes) that seals within {@link MAX_SEALED_LOCATOR_LENGTH}. */
export const MAX_LOCATOR_LENGTH = MAX_SEALED_LOCATOR_LENGTH - LOCATOR_OVERHEAD;

const LOCATOR_AAD = concatBytes(utf8('telemed/locator'), new Uint8Array([LOCATOR_VERSION]));

/**
 * Seals `locator` under the record's data key:
 * `0x02 ‖ nonce (24) ‖ XChaCha20-Poly1305(dataKey, nonce, aad, UTF-8 locator)`.
 *
 * @throws {@link MalformedError} for an empty locator or a key of the wrong size;
 *   {@link OversizeError} for a locator over {@link MAX_LOCATOR_LENGTH} bytes
 */
export function sealLocator(dataKey: Uint8Array, locator: string, random: Random = secureRandom): Uint8Array {
  checkDataKey(dataKey, 'locator');
  const bytes = utf8(locator);
  if (bytes.length === 0) throw new MalformedError('locator', 'empty locator');
  if (bytes.length > MAX_LOCATOR_LENGTH) {
    throw new OversizeError('locator', `${bytes.length} bytes; at most ${MAX_LOCATOR_LENGTH} seal within the chain's bound`);
  }
  const nonce = random(NONCE_LENGTH);
  const sealed = xchacha20poly1305(dataKey, nonce, LOCATOR_AAD).encrypt(bytes);
  return concatBytes(new Uint8Array([LOCATOR_VERSION]), nonce, sealed);
}

/**
 * Opens a sealed locator with the record's data key.
 *
 * @throws {@link TruncatedError}, {@link UnknownVersionError}, {@link OversizeError} (over the
 *   chain's bound), {@link DecryptionError} (another key, a changed byte),
 *   {@link MalformedError} (not UTF-8)
 */
export function openLocator(dataKey: Uint8Array, sealed: Uint8Array): string {
  checkDataKey(dataKey, 'locator');
  if (sealed.length === 0) throw new TruncatedError('locator', 'empty');
  const version = sealed[0] as number;
  if (version !== LOCATOR_VERSION) throw new UnknownVersionError('locator', version);
  if (sealed.length > MAX_SEALED_LOCATOR_LENGTH) {
    throw new OversizeError('locator', `${sealed.length} bytes is over the chain's bound`);
  }
  if (sealed.length <= LOCATOR_OVERHEAD) throw new TruncatedError('locator', `${sealed.length} bytes`);
  let bytes: Uint8Array;
  try {
    bytes = xchacha20poly1305(dataKey, sealed.subarray(1, 1 + NONCE_LENGTH), LOCATOR_AAD).decrypt(
      sealed.subarray(1 + NONCE_LENGTH),
    );
  } catch {
    throw new DecryptionError('locator', 'does not open with this data key (or was changed)');
  }
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new MalformedError('locator', 'not UTF-8');
  }
}
