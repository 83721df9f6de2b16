// Shared test helpers: deterministic bytes and bit flips.

import { x25519 } from '@noble/curves/ed25519.js';

/** `length` bytes `start, start + 1, …` (mod 256). */
export function counting(length: number, start = 0): Uint8Array {
  return Uint8Array.from({ length }, (_, i) => (start + i) & 0xff);
}

/** A deterministic randomness source for tests: bytes from a counter. */
export function counter(seed = 0x40): (length: number) => Uint8Array {
  let next = seed;
  return (length) => {
    const out = counting(length, next);
    next = (next + length) & 0xff;
    return out;
  };
}

/** A copy of `bytes` with bit `bit` (0..=7) of byte `index` flipped. */
export function flip(bytes: Uint8Array, index: number, bit = 0): Uint8Array {
  const out = bytes.slice();
  out[index] = (out[index] as number) ^ (1 << bit);
  return out;
}

/** An X25519 key pair from a fixed 32-byte secret. */
export function keyPair(fill: number): { secretKey: Uint8Array; publicKey: Uint8Array } {
  const secretKey = new Uint8Array(32).fill(fill);
  return { secretKey, publicKey: x25519.getPublicKey(secretKey) };
}
