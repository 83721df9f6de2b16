/**
 * Size classes (FORMATS.md, "Size classes"): every ciphertext is padded to exactly `2^k` bytes
 * and the chain keeps `k`, within the records pallet's `MIN_SIZE_CLASS..=MAX_SIZE_CLASS`.
 *
 * @module
 */

import { OversizeError } from './errors.ts';

/** The records pallet's smallest size class: 2^10 bytes (1 KiB). */
export const MIN_SIZE_CLASS = 10;

/** The records pallet's largest size class: 2^40 bytes (1 TiB). */
export const MAX_SIZE_CLASS = 40;

/** Whether `k` is a size class the chain accepts (an integer in 10..=40). */
export function isSizeClass(k: number): boolean {
  return Number.isInteger(k) && k >= MIN_SIZE_CLASS && k <= MAX_SIZE_CLASS;
}

/** The number of bytes of size class `k`: `2^k`. */
export function sizeOfClass(k: number): number {
  if (!isSizeClass(k)) throw new RangeError(`not a size class: ${k}`);
  return 2 ** k;
}

/**
 * The smallest size class whose `2^k` holds `bytes` bytes (at least {@link MIN_SIZE_CLASS}).
 *
 * @throws {@link OversizeError} if `bytes` is over `2^40`
 */
export function sizeClassOf(bytes: number): number {
  if (!Number.isInteger(bytes) || bytes < 0) throw new RangeError(`not a size: ${bytes}`);
  for (let k = MIN_SIZE_CLASS; k <= MAX_SIZE_CLASS; k++) if (2 ** k >= bytes) return k;
  throw new OversizeError('size-class', `${bytes} bytes is over the largest size class`);
}

/**
 * The size class of a byte length that must itself be exactly `2^k` (a padded ciphertext), or
 * `undefined` if it is not.
 */
export function exactSizeClass(length: number): number | undefined {
  for (let k = MIN_SIZE_CLASS; k <= MAX_SIZE_CLASS; k++) if (2 ** k === length) return k;
  return undefined;
}
