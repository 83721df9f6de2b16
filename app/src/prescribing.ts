/**
 * A prescriber's open prescriptions, and the checks of an amendment before anything is
 * encrypted or sent: what the prescriber typed (fills in all, days valid) and whether the
 * prescription can still be amended.
 *
 * @module
 */

import { prescriptions, type PrescriptionView, type TelemedChain } from '@telemed/sdk';

const DAY = 86_400_000;

/** The most fills a prescription allows (`prescriptions.MaxFills` of the runtime). */
export const MAX_FILLS = 12;
/** The longest validity the form offers (the runtime's `MaxValidity` is a year). */
export const MAX_DAYS = 360;

/** The most open prescriptions the prescriber's list reads through (a page at a time). */
export const SCAN_LIMIT = 4096;
const PAGE = 256;

/**
 * The open prescriptions `prescriber` issued, oldest first, with their views. The chain keeps
 * no list by prescriber, only their count (`OpenOfPrescriber`): the open prescriptions are read
 * a page at a time until that many are found, at most {@link SCAN_LIMIT} (`complete` says
 * whether every one was found).
 */
export async function issuedBy(chain: TelemedChain, prescriber: string): Promise<{ rows: [bigint, PrescriptionView][]; complete: boolean }> {
  const me = chain.address(prescriber);
  const expected = Number((await chain.api.query.prescriptions!.openOfPrescriber!(me)).toString());
  const ids: bigint[] = [];
  let startKey: string | undefined;
  let read = 0;
  while (ids.length < expected && read < SCAN_LIMIT) {
    const page = await chain.api.query.prescriptions!.prescriptions!.entriesPaged({ args: [], pageSize: PAGE, ...(startKey ? { startKey } : {}) });
    if (page.length === 0) break;
    read += page.length;
    for (const [key, value] of page) {
      const p = value.toJSON() as { prescriber?: string } | null;
      if (p?.prescriber && chain.address(p.prescriber) === me) ids.push(BigInt(key.args[0]!.toString()));
    }
    startKey = page.at(-1)![0].toHex();
    if (page.length < PAGE) break;
  }
  const views = await Promise.all(ids.map(async (id) => [id, await prescriptions.view(chain, id)] as const));
  const rows = views.filter((r): r is readonly [bigint, PrescriptionView] => r[1] !== null).map(([id, v]) => [id, v] as [bigint, PrescriptionView]);
  return { rows: rows.sort((a, b) => Number(a[0] - b[0])), complete: ids.length >= expected };
}

/**
 * Why prescription `id` cannot be amended by `prescriber` now, in words, or null if it can: it
 * must be open (not fully dispensed, cancelled, amended already or expired and removed), theirs,
 * and not expired.
 */
export function amendProblem(id: bigint, view: PrescriptionView | null, prescriber: string, address: (a: string) => string = (a) => a): string | null {
  if (!view) return `Prescription #${id} is no longer open (fully dispensed, cancelled, amended already or expired): it cannot be amended. Issue a new one instead.`;
  if (address(view.prescriber) !== address(prescriber)) return `Prescription #${id} was issued by another prescriber: only they may amend it.`;
  if (view.standing === 'Expired') return `Prescription #${id} has expired: it cannot be amended. Issue a new one instead.`;
  return null;
}

/**
 * The terms of an amendment from the form: fills in all (at least one more than the
 * `fillsUsed` made, at most {@link MAX_FILLS}) and days valid from `now`.
 *
 * @throws `RangeError` in words
 */
export function amendTerms(fillsText: string, daysText: string, fillsUsed: number, now: number): { fills: number; expiresAt: number } {
  const fills = /^\s*\d+\s*$/.test(fillsText) ? Number(fillsText) : Number.NaN;
  const least = fillsUsed + 1;
  if (!Number.isInteger(fills) || fills < least || fills > MAX_FILLS) {
    throw new RangeError(`fills in all: a whole number from ${least} (${fillsUsed} made, plus at least one to come) to ${MAX_FILLS}`);
  }
  const days = /^\s*\d+\s*$/.test(daysText) ? Number(daysText) : Number.NaN;
  if (!Number.isInteger(days) || days < 1 || days > MAX_DAYS) throw new RangeError(`valid for: 1 to ${MAX_DAYS} days from today`);
  return { fills, expiresAt: now + days * DAY };
}
