/**
 * Plain-words formatting of amounts, times and accounts.
 *
 * @module
 */

/** MED has 12 decimals. */
export const DECIMALS = 12;
const UNIT = 10n ** BigInt(DECIMALS);

/** An amount of planck as MED, with up to `digits` decimals (at least one significant). */
export function formatMed(planck: bigint, digits = 4): string {
  const negative = planck < 0n;
  const abs = negative ? -planck : planck;
  const whole = abs / UNIT;
  const frac = abs % UNIT;
  let shown = digits;
  // A small non-zero fee still shows its first significant digit.
  while (whole === 0n && frac !== 0n && shown < DECIMALS && frac / 10n ** BigInt(DECIMALS - shown) === 0n) shown += 1;
  const scaled = frac / 10n ** BigInt(DECIMALS - shown);
  const fracText = scaled.toString().padStart(shown, '0').replace(/0+$/, '');
  const wholeText = whole.toString().replace(/\B(?=(\d{3})+(?!\d))/g, ' ');
  return `${negative ? '-' : ''}${wholeText}${fracText ? `.${fracText}` : ''} MED`;
}

/** `5GrwvaEF…utQY`: an address shortened for a table. */
export function shortAddress(address: string): string {
  return address.length > 16 ? `${address.slice(0, 8)}…${address.slice(-4)}` : address;
}

/** A chain time (ms since the epoch) in the reader's locale, to the second. */
export function formatTime(ms: number): string {
  return new Date(ms).toISOString().replace('T', ' ').replace(/\.\d+Z$/, ' UTC');
}
