/**
 * Signed requests to Telemed's off-chain services (the blob gateway, the FHIR facade): who is
 * asking is an account that signs the request with its sr25519 key, so a service identifies its
 * caller the way the chain does, with no passwords or tokens of its own.
 *
 * A signed message is UTF-8 text, lines joined by `\n`: the service's domain (with a layout
 * version), the request line (method and path), then `name:value` fields that bind it to the
 * chain (`genesis:`), to a moment (a timestamp and a nonce, or a single-use challenge) and to
 * what the request is about (the body's hash, a CID, a purpose). It is signed raw, or wrapped in
 * `<Bytes>…</Bytes>` as browser wallets sign. The gateway's messages (gateway/README.md, "Signed
 * requests") and the FHIR facade's (fhir/README.md) are both built here, and both services
 * check them with {@link verifySignature}, {@link NonceCache} and {@link ChallengeStore}: one
 * implementation of the check.
 *
 * @module
 */

import { u8aToHex, u8aWrapBytes } from '@polkadot/util';
import { decodeAddress, sr25519Verify } from '@polkadot/util-crypto';
import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { randomBytes } from 'node:crypto';

/**
 * The bytes a signed request signs: `domain`, the request line, then each field as
 * `name:value`, joined by `\n`. Field names and values must not contain a newline (a value
 * taken from a request, e.g. a path or a query value, is checked by the caller: a newline in it
 * is refused with {@link RangeError} here).
 */
export function signedMessage(domain: string, requestLine: string, fields: readonly (readonly [string, string])[]): Uint8Array {
  const lines = [domain, requestLine, ...fields.map(([name, value]) => `${name}:${value}`)];
  for (const line of lines) {
    if (line.includes('\n')) throw new RangeError('a signed request line must not contain a newline');
  }
  return new TextEncoder().encode(lines.join('\n'));
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

/**
 * Whether `signature` is `account`'s sr25519 signature of `message` (raw or `<Bytes>`-wrapped).
 * Needs `cryptoWaitReady()` of `@polkadot/util-crypto` to have resolved once.
 */
export function verifySignature(message: Uint8Array, signature: Uint8Array, account: Uint8Array): boolean {
  if (signature.length !== 64 || account.length !== 32) return false;
  try {
    return sr25519Verify(message, signature, account) || sr25519Verify(u8aWrapBytes(message), signature, account);
  } catch {
    return false;
  }
}

/** Why a challenge was not accepted (`busy`: too many redeemed ones are remembered now). */
export type ChallengeRefusal = 'unknown' | 'expired' | 'used' | 'busy';

/** A challenge's length: expiry (8), random (8), tag (16). */
export const CHALLENGE_LENGTH = 32;

/**
 * Single-use challenges with a time to live, issued **without state**: a challenge is its expiry
 * (u64 LE ms), 8 random bytes and the first 16 bytes of an HMAC-SHA256 of those under a secret of
 * this store, so issuing remembers nothing and cannot be exhausted by anonymous requests (the
 * gateway's `GET /challenge`). Only a challenge redeemed with a valid signature is remembered,
 * until it would have expired, so a replay is told apart from a challenge never issued; at most
 * `max` are remembered at once (past it a redemption is refused `busy`, and a caller must have
 * signed each of them).
 */
export class ChallengeStore {
  private readonly secret = new Uint8Array(randomBytes(32));
  private readonly used = new Map<string, number>();

  /**
   * @param ttlMs - how long a challenge is valid
   * @param max - most redeemed challenges remembered at once (until their expiry)
   * @param now - the clock (injectable for tests)
   */
  constructor(
    readonly ttlMs: number,
    private readonly max: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** A fresh challenge and when it expires. */
  issue(): { challenge: Uint8Array; expiresAt: number } {
    const expiresAt = this.now() + this.ttlMs;
    const body = new Uint8Array(16);
    new DataView(body.buffer).setBigUint64(0, BigInt(expiresAt), true);
    body.set(randomBytes(8), 8);
    const challenge = new Uint8Array(CHALLENGE_LENGTH);
    challenge.set(body);
    challenge.set(this.tag(body), 16);
    return { challenge, expiresAt };
  }

  /** Whether `challenge` may be used now, without using it. */
  check(challenge: Uint8Array): ChallengeRefusal | undefined {
    if (challenge.length !== CHALLENGE_LENGTH) return 'unknown';
    const body = challenge.subarray(0, 16);
    const expected = this.tag(body);
    let diff = 0;
    for (let i = 0; i < 16; i++) diff |= (expected[i] as number) ^ (challenge[16 + i] as number);
    if (diff !== 0) return 'unknown';
    if (this.used.has(u8aToHex(challenge))) return 'used';
    if (this.now() >= this.expiryOf(challenge)) return 'expired';
    return undefined;
  }

  /** Uses `challenge` (after its signature was checked); as {@link check} if it cannot be. */
  consume(challenge: Uint8Array): ChallengeRefusal | undefined {
    const refusal = this.check(challenge);
    if (refusal !== undefined) return refusal;
    this.sweep();
    if (this.used.size >= this.max) return 'busy';
    this.used.set(u8aToHex(challenge), this.expiryOf(challenge));
    return undefined;
  }

  /** How many redeemed challenges are remembered (not yet expired). */
  get size(): number {
    return this.used.size;
  }

  private expiryOf(challenge: Uint8Array): number {
    return Number(new DataView(challenge.buffer, challenge.byteOffset, 8).getBigUint64(0, true));
  }

  private tag(body: Uint8Array): Uint8Array {
    return hmac(sha256, this.secret, body).subarray(0, 16);
  }

  private sweep(): void {
    const now = this.now();
    // Insertion order is redemption order, which with one TTL for all is nearly expiry order:
    // drop from the front until one has not expired (amortised O(1) per redemption; one
    // redeemed late may keep a few expired ones behind it a little longer).
    for (const [key, expiresAt] of this.used) {
      if (now < expiresAt) break;
      this.used.delete(key);
    }
  }
}

/**
 * Nonces of timestamped signed requests seen within the freshness window, per account. A
 * request whose timestamp is outside the window is refused before its nonce is looked at, so a
 * nonce need only be remembered for twice the window.
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

  /** Whether `timestamp` is within the window of the service's clock. */
  isFresh(timestamp: number): boolean {
    return Math.abs(this.now() - timestamp) <= this.windowMs;
  }

  /**
   * Remembers (account, nonce); `'replayed'` if already seen, `'full'` if too many are remembered.
   * Amortised O(1): expired entries are dropped from the front (a full cache does not scan all of
   * its entries on every request).
   */
  remember(account: Uint8Array, nonce: Uint8Array): 'replayed' | 'full' | undefined {
    const now = this.now();
    this.sweep(now);
    const key = `${u8aToHex(account)}/${u8aToHex(nonce)}`;
    const until = this.seen.get(key);
    if (until !== undefined && until > now) return 'replayed';
    if (this.seen.size >= this.max) return 'full';
    // Deleted first so that a renewed entry moves to the back: the map stays in expiry order.
    this.seen.delete(key);
    this.seen.set(key, now + 2 * this.windowMs);
    return undefined;
  }

  /** How many nonces are remembered. */
  get size(): number {
    return this.seen.size;
  }

  /**
   * Drops the expired entries at the front. Entries are inserted in the order of their expiry
   * (the same lifetime from each insertion), so the first live one ends the sweep; a clock that
   * stepped back only leaves some expired entries for a later sweep.
   */
  private sweep(now: number): void {
    for (const [key, until] of this.seen) {
      if (until > now) break;
      this.seen.delete(key);
    }
  }
}
