/**
 * A patient's break-glass accesses: those awaiting review (`ConsentApi.pending_emergency_reviews`)
 * and those the disclosure log names (each opening logs a disclosure on the access's basis), with
 * their standing, the disclosures made on each, and what a review does, in words.
 *
 * @module
 */

import { send, type Included, type Signer, type TelemedChain } from '@telemed/sdk';
import { formatMed } from './format.ts';
import type { DisclosureRow } from './queries.ts';

/** Where a review stands. */
export type Review = 'Pending' | 'Justified' | 'Unjustified';

/** A break-glass access as the screen shows it. */
export interface EmergencyRow {
  id: bigint;
  practitioner: string;
  openedAt: number;
  expiresAt: number;
  closedAt: number | null;
  /** The deposit held from the practitioner until the review. */
  deposit: bigint;
  review: Review;
  /** The disclosures made on its basis, newest first. */
  disclosures: DisclosureRow[];
}

function reviewFromJson(json: unknown): Review {
  const text = String(json);
  const review = text.charAt(0).toUpperCase() + text.slice(1);
  if (review !== 'Pending' && review !== 'Justified' && review !== 'Unjustified') throw new TypeError(`unknown review ${text}`);
  return review;
}

/** An `EmergencyAccess` from the runtime's JSON. */
export function emergencyFromJson(id: bigint, json: Record<string, unknown>, chain: Pick<TelemedChain, 'address'>): Omit<EmergencyRow, 'disclosures'> & { patient: string } {
  return {
    id,
    practitioner: chain.address(String(json.practitioner)),
    patient: chain.address(String(json.patient)),
    openedAt: Number(json.openedAt),
    expiresAt: Number(json.expiresAt),
    closedAt: json.closedAt === null || json.closedAt === undefined ? null : Number(json.closedAt),
    deposit: BigInt(json.deposit as number | string),
    review: reviewFromJson(json.review),
  };
}

/** Whether the access grants access at `now`: the runtime's `EmergencyAccess::is_open`. */
export function isOpen(row: Pick<EmergencyRow, 'closedAt' | 'expiresAt' | 'review'>, now: number): boolean {
  return row.closedAt === null && now < row.expiresAt && row.review !== 'Unjustified';
}

/** The access's standing at `now`, in words. */
export function standingWords(row: Pick<EmergencyRow, 'closedAt' | 'expiresAt' | 'review'>, now: number): string {
  if (isOpen(row, now)) return 'OPEN';
  if (row.review === 'Unjustified' && row.closedAt !== null) return 'ended (closed by your review)';
  if (row.closedAt !== null && row.closedAt < row.expiresAt) return 'ended (closed by the practitioner)';
  return 'ended (expired)';
}

/** The review in words. */
export function reviewWords(review: Review): string {
  return ({ Pending: 'awaiting your review', Justified: 'reviewed: justified', Unjustified: 'reviewed: NOT justified' } as const)[review];
}

/** What a review does, for its confirmation. */
export function reviewConsequence(justified: boolean, deposit: bigint): string {
  return justified
    ? `Justified: the practitioner’s deposit of ${formatMed(deposit)} is returned to them. The finding cannot be changed afterwards.`
    : `Not justified: the practitioner’s deposit of ${formatMed(deposit)} goes to the treasury, and the access is closed at once if it is still open. The finding cannot be changed afterwards.`;
}

/** The break-glass ids the log names, each once, newest first. */
export function emergencyIdsIn(log: readonly DisclosureRow[]): bigint[] {
  const ids = new Set<bigint>();
  for (const row of log) if (row.emergencyId !== null) ids.add(row.emergencyId);
  return [...ids].sort((a, b) => Number(b - a));
}

/**
 * `patient`'s break-glass accesses: those awaiting review and those the log names (reviewed
 * ones stay in `EmergencyAccesses`, for the record), each with the log's disclosures on its
 * basis, newest first.
 */
export async function emergencyAccesses(chain: TelemedChain, patient: string, log: readonly DisclosureRow[]): Promise<EmergencyRow[]> {
  const me = chain.address(patient);
  const pending = (await chain.api.call.consentApi!.pendingEmergencyReviews!(me)).toJSON() as [number | string, Record<string, unknown>][];
  const found = new Map<bigint, Omit<EmergencyRow, 'disclosures'> & { patient: string }>();
  for (const [id, json] of pending) found.set(BigInt(id), emergencyFromJson(BigInt(id), json, chain));
  const others = emergencyIdsIn(log).filter((id) => !found.has(id));
  const stored = await Promise.all(others.map(async (id) => [id, (await chain.api.query.consent!.emergencyAccesses!(id)).toJSON()] as const));
  for (const [id, json] of stored) if (json) found.set(id, emergencyFromJson(id, json as Record<string, unknown>, chain));
  return [...found.values()]
    .filter((a) => a.patient === me)
    .map(({ patient: _, ...a }) => ({ ...a, disclosures: log.filter((d) => d.emergencyId === a.id) }))
    .sort((a, b) => Number(b.id - a.id));
}

/**
 * `consent.reviewEmergencyAccess(id, justified)`, signed by the patient (or a delegate with
 * `ManageConsents`): justified returns the practitioner's deposit, not justified moves it to the
 * treasury and closes the access if it is still open.
 *
 * @throws `DispatchError` (`consent.AlreadyReviewed`, `consent.NotPermitted`…)
 */
export async function reviewEmergency(chain: TelemedChain, signer: Signer, id: bigint, justified: boolean): Promise<Included> {
  return send(chain, chain.api.tx.consent!.reviewEmergencyAccess!(id, justified), signer);
}
