/**
 * Byte helpers shared by the formats: concatenation, little-endian integers, hex, and the
 * randomness source (overridable only for test vectors).
 *
 * @module
 */

import { randomBytes as nobleRandomBytes } from '@noble/hashes/utils.js';

/** Concatenates byte arrays into a new one. */
export function concatBytes(...parts: Uint8Array[]): Uint8Array {
  let length = 0;
  for (const part of parts) length += part.length;
  const out = new Uint8Array(length);
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

/** UTF-8 bytes of `text`. */
export function utf8(text: string): Uint8Array {
  return new TextEncoder().encode(text);
}

/** `value` as 4 little-endian bytes (a SCALE `u32`). */
export function u32le(value: number): Uint8Array {
  if (!Number.isInteger(value) || value < 0 || value > 0xffff_ffff) {
    throw new RangeError(`not a u32: ${value}`);
  }
  const out = new Uint8Array(4);
  new DataView(out.buffer).setUint32(0, value, true);
  return out;
}

/** `value` as 8 little-endian bytes (a SCALE `u64`, the chain's `RecordId`). */
export function u64le(value: bigint | number): Uint8Array {
  const v = BigInt(value);
  if (v < 0n || v > 0xffff_ffff_ffff_ffffn) throw new RangeError(`not a u64: ${value}`);
  const out = new Uint8Array(8);
  new DataView(out.buffer).setBigUint64(0, v, true);
  return out;
}

/** Lower-case hex with a `0x` prefix. */
export function toHex(bytes: Uint8Array): string {
  return `0x${Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('hex')}`;
}

/** Bytes of a hex string (with or without `0x`); throws `RangeError` on odd length or non-hex. */
export function fromHex(hex: string): Uint8Array {
  const body = hex.startsWith('0x') ? hex.slice(2) : hex;
  if (body.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(body)) {
    throw new RangeError('not a hex string');
  }
  return new Uint8Array(Buffer.from(body, 'hex'));
}

/** Constant-time equality of two byte arrays (length is not secret). */
export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= (a[i] as number) ^ (b[i] as number);
  return diff === 0;
}

/**
 * A source of random bytes. The default is the platform's CSPRNG; the encoders accept another
 * one only so that `scripts/make-vectors.ts` can produce deterministic test vectors. Never pass
 * one in production.
 */
export type Random = (length: number) => Uint8Array;

/** The platform's cryptographically secure random bytes (`crypto.getRandomValues`). */
export const secureRandom: Random = (length) => nobleRandomBytes(length);
