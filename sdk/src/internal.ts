/**
 * Checks shared by the formats; not part of the public API (not exported from index.ts).
 *
 * @module
 */

import { MalformedError } from './errors.ts';

/** Length of a data key (XChaCha20-Poly1305), in bytes. */
const DATA_KEY_LENGTH = 32;

/** Throws unless `key` is a 32-byte data key. */
export function checkDataKey(key: Uint8Array, format: 'content' | 'locator' | 'envelope' | 'prescription'): void {
  if (key.length !== DATA_KEY_LENGTH) {
    throw new MalformedError(format, `a data key has ${DATA_KEY_LENGTH} bytes, not ${key.length}`);
  }
}

/** Throws unless `keyVersion` fits the key-version byte. */
export function checkKeyVersion(keyVersion: number): void {
  if (!Number.isInteger(keyVersion) || keyVersion < 0 || keyVersion > 255) {
    throw new RangeError(`a key version is a byte (0..=255), not ${keyVersion}`);
  }
}
