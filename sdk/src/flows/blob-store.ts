/**
 * Where ciphertexts are kept off chain. The flows talk to a {@link BlobStore}; the chain only
 * sees the locator sealed under the version's data key. {@link MemoryBlobStore} keeps blobs in a
 * `Map` (tests, a single process); the IPFS gateway will implement the same interface.
 *
 * @module
 */

import { bytesToHex } from '@noble/hashes/utils.js';
import { secureRandom, type Random } from '../bytes.ts';

/** A blob store failed: nothing stored under that locator, or the store refused. */
export class BlobStoreError extends Error {
  /** The locator asked for (no content). */
  readonly locator: string;

  /** @param locator - the locator; @param message - what went wrong */
  constructor(locator: string, message: string) {
    super(`${locator}: ${message}`);
    this.name = new.target.name;
    this.locator = locator;
  }
}

/** Nothing is stored under the locator (never stored, or deleted). */
export class BlobNotFoundError extends BlobStoreError {}

/**
 * Keeps ciphertexts. A locator is a string of at most 215 UTF-8 bytes (it is sealed into at most
 * 256 bytes on chain: FORMATS.md, "Sealed locator"). A store must not name blobs by their
 * `blake2_256` hash (that is on chain: anyone could find the blob without an envelope).
 */
export interface BlobStore {
  /**
   * Stores `ciphertext`, resolving with its locator. A failure rejects and stores nothing.
   */
  put(ciphertext: Uint8Array): Promise<string>;
  /**
   * The blob stored under `locator`.
   *
   * @throws {@link BlobNotFoundError} if there is none
   */
  get(locator: string): Promise<Uint8Array>;
  /**
   * Forgets the blob under `locator` (after a re-key or a shred). Deleting an unknown locator is
   * not an error; a content-addressed store may only unpin.
   */
  delete(locator: string): Promise<void>;
}

/** A {@link BlobStore} in memory, with random `mem://<32 hex>` locators. */
export class MemoryBlobStore implements BlobStore {
  readonly #blobs = new Map<string, Uint8Array>();
  readonly #random: Random;

  /** @param random - randomness for locators (only tests pass one) */
  constructor(random: Random = secureRandom) {
    this.#random = random;
  }

  /** How many blobs it holds. */
  get size(): number {
    return this.#blobs.size;
  }

  /** Whether a blob is stored under `locator`. */
  has(locator: string): boolean {
    return this.#blobs.has(locator);
  }

  /** Stores a copy of `ciphertext` under a fresh random locator. */
  async put(ciphertext: Uint8Array): Promise<string> {
    const locator = `mem://${bytesToHex(this.#random(16))}`;
    this.#blobs.set(locator, ciphertext.slice());
    return locator;
  }

  /** A copy of the blob under `locator`; {@link BlobNotFoundError} if there is none. */
  async get(locator: string): Promise<Uint8Array> {
    const blob = this.#blobs.get(locator);
    if (!blob) throw new BlobNotFoundError(locator, 'no blob stored under this locator');
    return blob.slice();
  }

  /** Forgets the blob under `locator` (nothing if there is none). */
  async delete(locator: string): Promise<void> {
    this.#blobs.delete(locator);
  }
}
