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

/** A day as typed in a date field (`YYYY-MM-DD`, UTC): the start of that day (ms). */
export function parseDay(text: string, what: string): number {
  const t = text.trim();
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(t);
  const start = match ? Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3])) : Number.NaN;
  if (!match || Number.isNaN(start) || new Date(start).toISOString().slice(0, 10) !== t) {
    throw new RangeError(`${what} is a day (YYYY-MM-DD)`);
  }
  return start;
}

/** Bytes as base64url without padding: a dispense token as text (its QR code, or typed by a scanner). */
export function toBase64Url(bytes: Uint8Array): string {
  let binary = '';
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/** The bytes of a base64url text (whitespace ignored). Throws `SyntaxError` on another character. */
export function fromBase64Url(text: string): Uint8Array {
  const clean = text.replace(/\s+/g, '');
  if (!/^[A-Za-z0-9_-]*$/.test(clean) || clean.length % 4 === 1) throw new SyntaxError('not a dispense code (base64url)');
  const binary = atob(clean.replace(/-/g, '+').replace(/_/g, '/').padEnd(Math.ceil(clean.length / 4) * 4, '='));
  return Uint8Array.from(binary, (c) => c.charCodeAt(0));
}
