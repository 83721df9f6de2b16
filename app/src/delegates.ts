/**
 * A patient's delegates (`consent.Delegates`, by patient) and their scopes in plain words, the
 * end date of an appointment as typed, and the emergency custodian (a delegate whose only scope
 * is `EmergencyCustodian`).
 *
 * @module
 */

import type { DelegateScope, TelemedChain } from '@telemed/sdk';
import { formatTime, parseDay } from './format.ts';

const DAY = 86_400_000;

/** Every scope a patient can give, in the runtime's order, with what it lets a delegate do. */
export const DELEGATE_SCOPES: readonly { scope: DelegateScope; words: string }[] = [
  { scope: 'ManageConsents', words: 'grant and revoke my consents, and review emergency accesses' },
  { scope: 'ViewDisclosureLog', words: 'see who read my data (the disclosure log)' },
  { scope: 'BookCare', words: 'book, confirm and cancel visits for me' },
  { scope: 'AccessRecords', words: 'read and add to my records, as I would' },
  { scope: 'ShredRecords', words: 'shred my records, for good' },
  { scope: 'EmergencyCustodian', words: 'hold my record keys as emergency custodian (no access of its own)' },
];

/** The scopes a patient appoints an ordinary delegate with (the custodian has its own form). */
export const ORDINARY_SCOPES: readonly { scope: DelegateScope; words: string }[] =
  DELEGATE_SCOPES.filter((s) => s.scope !== 'EmergencyCustodian');

const WORDS: ReadonlyMap<string, string> = new Map(DELEGATE_SCOPES.map((s) => [s.scope, s.words]));

/** A scope as the runtime's JSON names it (`manageConsents` or `ManageConsents`), checked. */
export function scopeFromJson(json: unknown): DelegateScope {
  const text = String(json);
  const scope = text.charAt(0).toUpperCase() + text.slice(1);
  if (!WORDS.has(scope)) throw new TypeError(`unknown delegate scope ${text}`);
  return scope as DelegateScope;
}

/** What a delegation's scopes let the delegate do, in one sentence fragment (runtime order). */
export function scopeWords(scopes: readonly DelegateScope[]): string {
  if (scopes.length === 0) return 'nothing';
  return DELEGATE_SCOPES.filter((s) => scopes.includes(s.scope)).map((s) => s.words).join('; ');
}

/** Until when an appointment lasts, in words, as of `now` (ms). */
export function untilWords(until: number | null, now: number): string {
  if (until === null) return 'until you remove them';
  return until > now ? `until ${formatTime(until)}` : `ended ${formatTime(until)}`;
}

/**
 * The end of an appointment from a date field (`YYYY-MM-DD`, the last day it lasts, UTC): the
 * start of the next day, since the chain's end is exclusive. Empty: no end (null).
 *
 * @throws `RangeError` for a text that is not such a date, or a day already over at `now`
 */
export function endOfDay(text: string, now: number): number | null {
  const t = text.trim();
  if (!t) return null;
  const start = parseDay(t, 'the end date');
  const end = start + DAY;
  if (end <= now) throw new RangeError('the end date is already over: choose today or a later day');
  return end;
}

/** A patient's delegate as the screen shows it. */
export interface DelegateRow {
  delegate: string;
  scopes: DelegateScope[];
  until: number | null;
  since: number;
  deposit: bigint;
}

/**
 * `patient`'s delegates (`consent.Delegates` under the patient's prefix: at most
 * `MaxDelegatesPerPatient`), oldest appointment first.
 */
export async function delegatesOf(chain: TelemedChain, patient: string): Promise<DelegateRow[]> {
  const entries = await chain.api.query.consent!.delegates!.entries(chain.address(patient));
  return entries.map(([key, value]) => {
    const d = value.toJSON() as { scopes: unknown[]; until: number | null; since: number; deposit: number | string };
    return {
      delegate: chain.address(key.args[1]!.toU8a()),
      scopes: d.scopes.map(scopeFromJson),
      until: d.until === null || d.until === undefined ? null : Number(d.until),
      since: Number(d.since),
      deposit: BigInt(d.deposit),
    };
  }).sort((a, b) => a.since - b.since || a.delegate.localeCompare(b.delegate));
}

/** Whether a delegation makes its holder the patient's emergency custodian now. */
export function isCustodian(row: Pick<DelegateRow, 'scopes' | 'until'>, now: number): boolean {
  return row.scopes.includes('EmergencyCustodian') && (row.until === null || now < row.until);
}

/** `consent.DelegateDeposit`: what each appointment holds from the patient. */
export function delegateDeposit(chain: TelemedChain): bigint {
  return BigInt(chain.api.consts.consent!.delegateDeposit!.toString());
}

/** `records.EnvelopeDeposit`: what each sealed key (an envelope) holds from whoever adds it. */
export function envelopeDeposit(chain: TelemedChain): bigint {
  return BigInt(chain.api.consts.records!.envelopeDeposit!.toString());
}
