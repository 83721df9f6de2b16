// The chain's units: balances in planck (12 decimals, as the runtime's `UNITS`), time in
// milliseconds (as `pallet_timestamp`).

/** One MED in planck (`telemed_runtime::UNITS`). */
export const UNITS = 10n ** 12n;

/** A second, a minute, an hour and a day in milliseconds: the unit of the chain's clock. */
export const SECOND = 1_000;
export const MINUTE = 60 * SECOND;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;
