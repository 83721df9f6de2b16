/**
 * The remembered health key: when a user asks the app to remember their recovery phrase in this
 * browser, it is stored encrypted under a passcode of theirs, never in plain. The key comes from
 * the passcode with scrypt (`@noble/hashes`, memory-hard: a stolen copy of local storage costs a
 * guesser scrypt per guess); the phrase is sealed with AES-256-GCM (the browser's WebCrypto),
 * bound to the account it belongs to.
 *
 * Stored (JSON, version 1): `{ v: 1, kdf: "scrypt", n, r, p, salt, iv, ct }`, hex fields:
 * `key = scrypt(UTF-8(passcode), salt (16), N = n, r, p, dkLen = 32)`,
 * `ct = AES-256-GCM(key, iv (12), aad = UTF-8("telemed/app/keystore/v1|" + address), UTF-8(phrase))`.
 *
 * @module
 */

import { scryptAsync } from '@noble/hashes/scrypt.js';

/** The stored format's version. */
export const KEYSTORE_VERSION = 1;

/** The shortest passcode accepted. */
export const MIN_PASSCODE_LENGTH = 8;

/** scrypt's cost: N = 2^15, r = 8, p = 1 (32 MiB, a fraction of a second in a browser). */
export const SCRYPT = { n: 2 ** 15, r: 8, p: 1 } as const;

/** The passcode does not open the remembered key (or it was changed, or is another account's). */
export class WrongPasscodeError extends Error {
  override name = 'WrongPasscodeError';
}

/** What is stored is not a keystore of a version this app knows (e.g. a plain phrase of an older app). */
export class UnknownKeystoreError extends Error {
  override name = 'UnknownKeystoreError';
}

interface Stored {
  v: number;
  kdf: string;
  n: number;
  r: number;
  p: number;
  salt: string;
  iv: string;
  ct: string;
}

/** A copy backed by a plain ArrayBuffer (what WebCrypto's types take). */
const buf = (bytes: Uint8Array): Uint8Array<ArrayBuffer> => new Uint8Array(bytes);
const hex = (bytes: Uint8Array): string => Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
const unhex = (text: string): Uint8Array => {
  if (!/^([0-9a-f]{2})*$/.test(text)) throw new UnknownKeystoreError('not hex');
  return Uint8Array.from(text.match(/../g) ?? [], (h) => parseInt(h, 16));
};

function aad(address: string): Uint8Array<ArrayBuffer> {
  return buf(new TextEncoder().encode(`telemed/app/keystore/v1|${address}`));
}

async function keyOf(passcode: string, salt: Uint8Array, cost: { n: number; r: number; p: number }): Promise<CryptoKey> {
  const raw = await scryptAsync(new TextEncoder().encode(passcode), salt, { N: cost.n, r: cost.r, p: cost.p, dkLen: 32 });
  return crypto.subtle.importKey('raw', buf(raw), 'AES-GCM', false, ['encrypt', 'decrypt']);
}

/** Options of {@link sealPhrase}: fixed salt and iv and a lower cost, for tests only. */
export interface SealOptions {
  salt?: Uint8Array;
  iv?: Uint8Array;
  cost?: { n: number; r: number; p: number };
}

/**
 * Seals `phrase` for `address` under `passcode`: the JSON to keep in local storage.
 *
 * @throws `RangeError` for a passcode shorter than {@link MIN_PASSCODE_LENGTH}
 */
export async function sealPhrase(phrase: string, passcode: string, address: string, options: SealOptions = {}): Promise<string> {
  if (passcode.length < MIN_PASSCODE_LENGTH) {
    throw new RangeError(`Choose a passcode of at least ${MIN_PASSCODE_LENGTH} characters for this browser.`);
  }
  const salt = options.salt ?? crypto.getRandomValues(new Uint8Array(16));
  const iv = options.iv ?? crypto.getRandomValues(new Uint8Array(12));
  const cost = options.cost ?? SCRYPT;
  const key = await keyOf(passcode, salt, cost);
  const ct = new Uint8Array(await crypto.subtle.encrypt({ name: 'AES-GCM', iv: buf(iv), additionalData: aad(address) }, key, buf(new TextEncoder().encode(phrase))));
  const stored: Stored = { v: KEYSTORE_VERSION, kdf: 'scrypt', ...cost, salt: hex(salt), iv: hex(iv), ct: hex(ct) };
  return JSON.stringify(stored);
}

/**
 * Opens what {@link sealPhrase} stored for `address`.
 *
 * @throws {@link WrongPasscodeError} for another passcode, account or a changed byte;
 *   {@link UnknownKeystoreError} for anything that is not a version-1 keystore
 */
export async function openPhrase(stored: string, passcode: string, address: string): Promise<string> {
  let s: Stored;
  try {
    s = JSON.parse(stored) as Stored;
  } catch {
    throw new UnknownKeystoreError('not a keystore');
  }
  if (typeof s !== 'object' || s === null || s.v !== KEYSTORE_VERSION || s.kdf !== 'scrypt'
    || ![s.n, s.r, s.p].every((x) => Number.isSafeInteger(x) && x > 0) || s.n > 2 ** 20
    || typeof s.salt !== 'string' || typeof s.iv !== 'string' || typeof s.ct !== 'string') {
    throw new UnknownKeystoreError('not a version-1 keystore');
  }
  const [salt, iv, ct] = [unhex(s.salt), unhex(s.iv), unhex(s.ct)];
  const key = await keyOf(passcode, salt, s);
  try {
    const plain = await crypto.subtle.decrypt({ name: 'AES-GCM', iv: buf(iv), additionalData: aad(address) }, key, buf(ct));
    return new TextDecoder().decode(plain);
  } catch {
    throw new WrongPasscodeError('This passcode does not open the key remembered here.');
  }
}

/** Whether `stored` looks like a keystore (as opposed to a plain phrase an older app kept). */
export function isKeystore(stored: string): boolean {
  return stored.trimStart().startsWith('{');
}
