/**
 * Signed requests. A write is signed over a fresh timestamp and a random nonce; a read over a
 * single-use challenge the gateway issued. Both messages are UTF-8 text, bound to the chain's
 * genesis hash, the method and path, and what the request is about (the body's hash, the CID,
 * the purpose), and signed with the account's sr25519 key (raw, or wrapped in `<Bytes>…</Bytes>`
 * as browser wallets sign). See README.md, "Signed requests".
 *
 * @module
 */

import { u8aToHex, u8aWrapBytes } from '@polkadot/util';
import { blake2AsU8a, decodeAddress, sr25519Verify } from '@polkadot/util-crypto';
import { randomBytes } from 'node:crypto';

/** First line of every signed message; a new layout gets a new version. */
export const DOMAIN = 'telemed-gateway/v1';

/** What a write signs. */
export interface WriteMessage {
  genesisHash: Uint8Array;
  /** Milliseconds since the Unix epoch, as the client's clock reads it. */
  timestamp: number;
  /** 16 random bytes, never reused by the account within the freshness window. */
  nonce: Uint8Array;
  /** The body (the ciphertext). */
  body: Uint8Array;
}

/** The bytes a write signs. */
export function writeMessage(m: WriteMessage): Uint8Array {
  return new TextEncoder().encode([
    DOMAIN,
    'PUT /blobs',
    `genesis:${u8aToHex(m.genesisHash)}`,
    `timestamp:${m.timestamp}`,
    `nonce:${u8aToHex(m.nonce)}`,
    `body:${u8aToHex(blake2AsU8a(m.body, 256))}`,
  ].join('\n'));
}

/** What a read signs. */
export interface ReadMessage {
  genesisHash: Uint8Array;
  /** The challenge from `GET /challenge` (32 bytes). */
  challenge: Uint8Array;
  /** The record version asked for. */
  recordId: bigint;
  /** The CID asked for, as in the query. */
  cid: string;
  /** The purpose of use, as in the query. */
  purpose: string;
}

/** The bytes a read signs. */
export function readMessage(m: ReadMessage): Uint8Array {
  return new TextEncoder().encode([
    DOMAIN,
    `GET /records/${m.recordId}/blob`,
    `genesis:${u8aToHex(m.genesisHash)}`,
    `challenge:${u8aToHex(m.challenge)}`,
    `cid:${m.cid}`,
    `purpose:${m.purpose}`,
  ].join('\n'));
}

/** The 32-byte account id of an SS58 address or a 0x-prefixed 32-byte hex, or `undefined`. */
export function parseAccount(value: string): Uint8Array | undefined {
  try {
    const id = decodeAddress(value);
    return id.length === 32 ? id : undefined;
  } catch {
    return undefined;
  }
}

/** Whether `signature` is `account`'s sr25519 signature of `message` (raw or `<Bytes>`-wrapped). */
export function verifySignature(message: Uint8Array, signature: Uint8Array, account: Uint8Array): boolean {
  if (signature.length !== 64 || account.length !== 32) return false;
  try {
    return sr25519Verify(message, signature, account) || sr25519Verify(u8aWrapBytes(message), signature, account);
  } catch {
    return false;
  }
}

/** Why a challenge was not accepted. */
export type ChallengeRefusal = 'unknown' | 'expired' | 'used';

/**
 * Single-use read challenges with a time to live. A used challenge is remembered until it
 * would have expired, so a replay is told apart from a challenge never issued.
 */
export class ChallengeStore {
  private readonly entries = new Map<string, { expiresAt: number; used: boolean }>();

  /**
   * @param ttlMs - how long a challenge is valid
   * @param max - most challenges outstanding (issued, not yet expired) at once
   * @param now - the clock (injectable for tests)
   */
  constructor(
    readonly ttlMs: number,
    private readonly max: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** A fresh challenge and when it expires, or `undefined` when `max` are outstanding. */
  issue(): { challenge: Uint8Array; expiresAt: number } | undefined {
    this.sweep();
    if (this.entries.size >= this.max) return undefined;
    const challenge = new Uint8Array(randomBytes(32));
    const expiresAt = this.now() + this.ttlMs;
    this.entries.set(u8aToHex(challenge), { expiresAt, used: false });
    return { challenge, expiresAt };
  }

  /** Whether `challenge` may be used now, without using it. */
  check(challenge: Uint8Array): ChallengeRefusal | undefined {
    const entry = this.entries.get(u8aToHex(challenge));
    if (entry === undefined) return 'unknown';
    if (entry.used) return 'used';
    if (this.now() >= entry.expiresAt) return 'expired';
    return undefined;
  }

  /** Uses `challenge` (after its signature was checked); as {@link check} if it cannot be. */
  consume(challenge: Uint8Array): ChallengeRefusal | undefined {
    const refusal = this.check(challenge);
    if (refusal !== undefined) return refusal;
    this.entries.get(u8aToHex(challenge))!.used = true;
    return undefined;
  }

  /** How many are remembered (outstanding or used, not yet expired). */
  get size(): number {
    return this.entries.size;
  }

  private sweep(): void {
    const now = this.now();
    for (const [key, entry] of this.entries) {
      if (now >= entry.expiresAt) this.entries.delete(key);
    }
  }
}

/**
 * Nonces of signed writes seen within the freshness window, per account. A write whose
 * timestamp is outside the window is refused before its nonce is looked at, so a nonce need
 * only be remembered for twice the window.
 */
export class NonceCache {
  private readonly seen = new Map<string, number>();

  /**
   * @param windowMs - the allowed clock skew (a timestamp is fresh within ± this)
   * @param max - most nonces remembered at once
   * @param now - the clock
   */
  constructor(
    readonly windowMs: number,
    private readonly max: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Whether `timestamp` is within the window of the gateway's clock. */
  isFresh(timestamp: number): boolean {
    return Math.abs(this.now() - timestamp) <= this.windowMs;
  }

  /** Remembers (account, nonce); `'replayed'` if already seen, `'full'` if too many are remembered. */
  remember(account: Uint8Array, nonce: Uint8Array): 'replayed' | 'full' | undefined {
    const now = this.now();
    const key = `${u8aToHex(account)}/${u8aToHex(nonce)}`;
    const until = this.seen.get(key);
    if (until !== undefined && until > now) return 'replayed';
    if (this.seen.size >= this.max) {
      for (const [k, t] of this.seen) if (t <= now) this.seen.delete(k);
      if (this.seen.size >= this.max) return 'full';
    }
    this.seen.set(key, now + 2 * this.windowMs);
    return undefined;
  }
}
