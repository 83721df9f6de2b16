/**
 * Who is calling: every request but `GET /metadata` is signed by a Telemed account, as the
 * gateway's writes are (gateway/README.md, "Signed requests"), and checked with the SDK's
 * shared implementation (`verifySignature`, `NonceCache`, `parseAccount` of `@telemed/sdk`).
 * The message binds the chain, the facade it is for (its base URL: a request signed for one
 * facade is refused by another), the method, the path with its query as sent, a fresh
 * timestamp, a nonce used once, and the body's hash:
 *
 *     telemed-fhir/v2
 *     <METHOD> <path?query>
 *     genesis:0x<genesis hash>
 *     audience:<the facade's base URL, no trailing slash>
 *     timestamp:<ms>
 *     nonce:0x<16 bytes>
 *     body:0x<blake2_256(body)>
 *
 * @module
 */

import { hexToU8a, isHex, u8aToHex } from '@polkadot/util';
import { blake2AsU8a, encodeAddress } from '@polkadot/util-crypto';
import { GATEWAY_HEADERS, NonceCache, parseAccount, signedMessage, verifySignature } from '@telemed/sdk';
import { randomBytes } from 'node:crypto';
import { FhirError } from './outcome.ts';

/** First line of every signed request to the facade; a new layout gets a new version (2: the audience). */
export const DOMAIN = 'telemed-fhir/v2';

/** The request headers: the gateway's names (the facade takes no challenge). */
export const HEADERS = GATEWAY_HEADERS;

/** What a request signs. */
export interface RequestMessage {
  genesisHash: Uint8Array;
  /** The facade's base URL as the client calls it (`https://fhir.clinic.example`). */
  audience: string;
  /** `GET`, `POST`. */
  method: string;
  /** The path and query exactly as sent (`/Consent?patient=5F…&_count=10`). */
  path: string;
  timestamp: number;
  nonce: Uint8Array;
  body: Uint8Array;
}

/** A base URL as it is signed: without trailing slashes. */
export function audienceOf(baseUrl: string): string {
  return baseUrl.replace(/\/+$/, '');
}

/** The bytes a request signs. */
export function requestMessage(m: RequestMessage): Uint8Array {
  return signedMessage(DOMAIN, `${m.method} ${m.path}`, [
    ['genesis', u8aToHex(m.genesisHash)],
    ['audience', audienceOf(m.audience)],
    ['timestamp', String(m.timestamp)],
    ['nonce', u8aToHex(m.nonce)],
    ['body', u8aToHex(blake2AsU8a(m.body, 256))],
  ]);
}

/** An sr25519 signer (a `KeyringPair` is one). */
export interface RequestSigner {
  address: string;
  sign(message: Uint8Array): Uint8Array;
}

/** The headers of a signed request (what an EHR's client sends). */
export function signRequest(
  signer: RequestSigner,
  genesisHash: Uint8Array,
  audience: string,
  method: string,
  path: string,
  body: Uint8Array = new Uint8Array(),
  { timestamp = Date.now(), nonce = new Uint8Array(randomBytes(16)) } = {},
): Record<string, string> {
  const signature = signer.sign(requestMessage({ genesisHash, audience, method, path, timestamp, nonce, body }));
  return {
    [HEADERS.account]: signer.address,
    [HEADERS.timestamp]: String(timestamp),
    [HEADERS.nonce]: u8aToHex(nonce),
    [HEADERS.signature]: u8aToHex(signature),
  };
}

/** The headers a request arrived with (lower-case names). */
export type Headers = Record<string, string | string[] | undefined>;

function header(headers: Headers, name: string): string {
  const value = headers[name];
  return Array.isArray(value) ? (value[0] ?? '') : (value ?? '');
}

/** What {@link preAuthenticate} found in a request's headers. */
export interface SignedHeaders {
  account: Uint8Array;
  timestamp: number;
  nonce: Uint8Array;
  signature: Uint8Array;
}

/**
 * The checks of a signed request that need no body: the headers present and well formed, the
 * timestamp fresh. Run before a body is read, so that an unsigned or stale request costs the
 * facade no upload.
 *
 * @throws {@link FhirError} 401 (`missing_auth`, `bad_auth`, `stale_timestamp`)
 */
export function preAuthenticate(headers: Headers, nonces: NonceCache): SignedHeaders {
  const values = [HEADERS.account, HEADERS.timestamp, HEADERS.nonce, HEADERS.signature].map((h) => header(headers, h));
  if (values.some((v) => v === '')) {
    throw new FhirError(401, 'login', 'missing_auth', 'a signed request is needed (X-Telemed-Account, -Timestamp, -Nonce, -Signature)');
  }
  const [accountText, timestampText, nonceText, signatureText] = values as [string, string, string, string];
  const account = parseAccount(accountText);
  const timestamp = Number(timestampText);
  if (
    account === undefined || !/^\d{1,16}$/.test(timestampText) || !isHex(nonceText, 128) || !isHex(signatureText, 512)
  ) {
    throw new FhirError(401, 'login', 'bad_auth', 'a signed-request header is malformed');
  }
  if (!nonces.isFresh(timestamp)) throw new FhirError(401, 'login', 'stale_timestamp', 'the request timestamp is too far from the server clock');
  return { account, timestamp, nonce: hexToU8a(nonceText), signature: hexToU8a(signatureText) };
}

/**
 * The nonces of each account the replay cache holds, at most `max` per account: an account
 * past it is refused (`429`, `Retry-After` until its oldest nonce leaves the cache) while other
 * accounts are not, so one signer cannot fill the cache that every caller's requests need.
 * Each nonce is counted for as long as the cache keeps it (`lifetimeMs`: twice the clock skew).
 */
export class AccountNonceLimit {
  /** Expiries of each account's counted nonces, oldest first. */
  private readonly byAccount = new Map<string, number[]>();
  /** Every counted nonce in the order counted (so in expiry order): account and expiry. */
  private queue: [string, number][] = [];
  private head = 0;

  constructor(
    readonly max: number,
    readonly lifetimeMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Seconds until `account` may have another nonce counted (0: now). */
  retryAfter(account: string): number {
    this.sweep();
    const list = this.byAccount.get(account);
    if (list === undefined || list.length < this.max) return 0;
    return Math.max(1, Math.ceil((list[0]! - this.now()) / 1000));
  }

  /** Counts one nonce of `account`. */
  note(account: string): void {
    const expiry = this.now() + this.lifetimeMs;
    const list = this.byAccount.get(account);
    if (list === undefined) this.byAccount.set(account, [expiry]);
    else list.push(expiry);
    this.queue.push([account, expiry]);
  }

  /** How many accounts have a nonce counted. */
  get accounts(): number {
    this.sweep();
    return this.byAccount.size;
  }

  /** Drops the expired from the front (amortised O(1) per nonce). */
  private sweep(): void {
    const now = this.now();
    while (this.head < this.queue.length && this.queue[this.head]![1] <= now) {
      const [account] = this.queue[this.head]!;
      this.head += 1;
      const list = this.byAccount.get(account);
      list?.shift();
      if (list !== undefined && list.length === 0) this.byAccount.delete(account);
    }
    if (this.head > 1024 && this.head * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
  }
}

/**
 * Checks a request's signature: headers present and well formed, timestamp fresh (as
 * {@link preAuthenticate}), the account's signature over this method, path, body, chain and
 * facade (`audience`, its base URL), the account under its share of the replay cache
 * (`limit`), nonce not seen. Returns the caller's SS58 address.
 *
 * @throws {@link FhirError} 401 (`login`) with the reason (`missing_auth`, `bad_auth`,
 *   `stale_timestamp`, `bad_signature`, `replayed`); 429 (`throttled`, with `Retry-After`) when
 *   the account has `limit.max` nonces in the cache; 503 when too many nonces are remembered
 */
export function authenticate(
  headers: Headers,
  method: string,
  path: string,
  body: Uint8Array,
  genesisHash: Uint8Array,
  audience: string,
  nonces: NonceCache,
  ss58Format: number,
  limit?: AccountNonceLimit,
): string {
  const { account, timestamp, nonce, signature } = preAuthenticate(headers, nonces);
  if (!verifySignature(requestMessage({ genesisHash, audience, method, path, timestamp, nonce, body }), signature, account)) {
    throw new FhirError(401, 'login', 'bad_signature', 'not the account\'s signature over this request');
  }
  const address = encodeAddress(account, ss58Format);
  const wait = limit?.retryAfter(address) ?? 0;
  if (wait > 0) {
    throw new FhirError(429, 'throttled', 'too_many_requests', `this account sent more than ${limit!.max} requests within the replay window`, undefined, { 'retry-after': String(wait) });
  }
  const seen = nonces.remember(account, nonce);
  if (seen === 'replayed') throw new FhirError(401, 'login', 'replayed', 'this nonce was used already');
  if (seen === 'full') throw new FhirError(503, 'throttled', 'busy', 'too many requests at once');
  limit?.note(address);
  return address;
}
