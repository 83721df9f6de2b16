/**
 * The patient's consent form (issue 17): allow or deny, which actions, what it covers (chosen
 * records, categories by name, or all data), for which purposes and over which days — each bad
 * input refused with a sentence before anything is sent, the rest turned into the SDK's
 * `ConsentRequest`; which current records' keys a permit to read seals to its grantee; and a
 * consent in words, for the form's summary and the consents table.
 *
 * The chain sees a category only as the patient's blinded tag (`HMAC-SHA-256(tag key, label)`,
 * the SDK's `tagOf`), so only the patient's app can name the categories a consent covers.
 *
 * @module
 */

import { tagOf, toHex, type AccessAction, type ConsentRequest, type ConsentScope, type Decision, type PurposeOfUse, type TelemedChain } from '@telemed/sdk';
import { CATEGORIES } from './fhir.ts';
import { formatTime, parseDay } from './format.ts';
import { describeScope, variant } from './queries.ts';

const DAY = 86_400_000;

/** Every `AccessAction` of the runtime, in its order, in words (the consents table's too). */
export const ACTIONS: readonly { action: AccessAction; words: string; hint: string }[] = [
  { action: 'Read', words: 'read', hint: 'open and see the records (their keys are sealed to the grantee)' },
  { action: 'Append', words: 'append (add new records)', hint: 'add new records, encrypted and sealed to you too' },
  { action: 'Amend', words: 'amend (write new versions)', hint: 'write new versions of records; the old ones stay in their history' },
];

/** Every `PurposeOfUse` of the runtime, in its order, in words. */
export const PURPOSES: readonly { purpose: PurposeOfUse; words: string }[] = [
  { purpose: 'Treatment', words: 'treatment (care)' },
  { purpose: 'Payment', words: 'payment (insurance)' },
  { purpose: 'Operations', words: 'operations (clinic administration)' },
  { purpose: 'Research', words: 'research' },
  { purpose: 'EmergencyTreatment', words: 'emergency treatment' },
];

/** What a deny does, said on the form whenever "deny" is chosen. */
export const DENY_EXPLAINED =
  'A deny overrides any permit for what it covers: while it lasts, this person may not do the chosen actions on it for the chosen purposes, '
  + 'whatever any consent of yours allows. A deny that starts now also removes from the chain, in the same transaction, the keys of those records they hold.';

/** The warning shown whenever "all data" is chosen. */
export const ALL_DATA_WARNING =
  'All data means every record you have and every record you add later, in every category, until the consent ends or you revoke it.';

/**
 * The label of the tag a patient's payment consent to an insurer is scoped to: no record
 * carries it, so the consent opens no record; it says the patient lets the insurer handle
 * payment for their care, which the chain's claim check asks (a Payment permit of any scope).
 */
export const PAYMENT_LABEL = 'insurance/payment';

/** The names of the tags a patient's tag key makes (0x hex → words): each category, and the insurer-payment tag. */
export function categoryNames(tagKey: Uint8Array): ReadonlyMap<string, string> {
  const names = new Map<string, string>(CATEGORIES.map((c) => [toHex(tagOf(tagKey, c.label)), `category: ${c.words}`]));
  names.set(toHex(tagOf(tagKey, PAYMENT_LABEL)), 'claims only (no record)');
  return names;
}

/** `consent.MaxScopeItems`: how many records or tags a consent's scope may list. */
export function maxScopeItems(chain: TelemedChain): number {
  return Number(chain.api.consts.consent!.maxScopeItems!.toString());
}

/** What the form says the consent covers. */
export type Coverage =
  | { kind: 'records'; records: readonly bigint[] }
  | { kind: 'categories'; labels: readonly string[] }
  | { kind: 'all' };

/** The consent form as the patient filled it in. */
export interface ConsentForm {
  decision: Decision;
  actions: readonly AccessAction[];
  coverage: Coverage;
  purposes: readonly PurposeOfUse[];
  /** The first day it counts (`YYYY-MM-DD`, UTC); empty: from now. */
  firstDay: string;
  /** The last day it counts (`YYYY-MM-DD`, UTC, included); empty: until revoked. */
  lastDay: string;
}

/**
 * The request the form makes, as of the chain's `now` (ms), with `tagKey` the patient's tag key
 * (categories become blinded tags) and `maxItems` the runtime's `consent.MaxScopeItems`.
 * Actions and purposes in the runtime's order, records and categories without repeats. A first
 * day of today means from now; the last day is included (the chain's end is exclusive: the start
 * of the next day).
 *
 * @throws `RangeError` with a sentence for each bad input: no action, no record or category
 *   chosen, too many, no purpose, a day that is not a day or is over, the last before the first
 */
export function consentRequest(form: ConsentForm, now: number, tagKey: Uint8Array, maxItems: number): ConsentRequest {
  const actions = ACTIONS.map((a) => a.action).filter((a) => form.actions.includes(a));
  if (actions.length === 0) throw new RangeError('Choose at least one action: read, append or amend.');
  const scope = scopeOf(form.coverage, tagKey, maxItems);
  const purposes = PURPOSES.map((p) => p.purpose).filter((p) => form.purposes.includes(p));
  if (purposes.length === 0) throw new RangeError('Choose at least one purpose.');

  let start: number | null = null;
  if (form.firstDay.trim()) {
    const first = parseDay(form.firstDay, 'The first day');
    if (first + DAY <= now) throw new RangeError('The first day is already over: choose today or a later day (or leave it empty: from now).');
    start = first > now ? first : null;
  }
  let end: number | null = null;
  if (form.lastDay.trim()) {
    end = parseDay(form.lastDay, 'The last day') + DAY;
    if (end <= now) throw new RangeError('The last day is already over: choose today or a later day (or leave it empty: until you revoke).');
    if (start !== null && end <= start) throw new RangeError('The last day is before the first day: choose a last day on or after the first.');
  }
  return { decision: form.decision, actions, scope, purposes, start, end };
}

function scopeOf(coverage: Coverage, tagKey: Uint8Array, maxItems: number): ConsentScope {
  if (coverage.kind === 'all') return 'AllData';
  if (coverage.kind === 'records') {
    const records = [...new Set(coverage.records)];
    if (records.length === 0) throw new RangeError('Choose at least one record (or cover categories or all data).');
    if (records.length > maxItems) throw new RangeError(`A consent lists at most ${maxItems} records: choose fewer, or cover their categories or all data.`);
    return { Records: records };
  }
  const labels = [...new Set(coverage.labels)];
  if (labels.length === 0) throw new RangeError('Choose at least one category (or cover records or all data).');
  for (const label of labels) {
    if (!CATEGORIES.some((c) => c.label === label)) throw new RangeError(`There is no category ${label}.`);
  }
  if (labels.length > maxItems) throw new RangeError(`A consent lists at most ${maxItems} categories.`);
  return { Tags: labels.map((label) => tagOf(tagKey, label)) };
}

/** What a consent covers, by the record ids (any version's) or the 0x-hex tags it names. */
export type Cover = { kind: 'allData' } | { kind: 'records'; records: readonly bigint[] } | { kind: 'tags'; tags: readonly string[] };

/** The cover of a request's scope. */
export function coverOfScope(scope: ConsentScope): Cover {
  if (scope === 'AllData') return { kind: 'allData' };
  if ('Tags' in scope) return { kind: 'tags', tags: scope.Tags.map((t) => toHex(t).toLowerCase()) };
  return { kind: 'records', records: scope.Records };
}

/** The cover of a stored consent's scope, from the runtime's JSON (`"AllData"`, `{ records: [1] }`, `{ tags: ["0x…"] }`). */
export function coverFromJson(json: unknown): Cover {
  const [kind, value] = variant(json);
  if (kind === 'allData') return { kind: 'allData' };
  if (kind === 'records') return { kind: 'records', records: (value as (number | string)[]).map((r) => BigInt(r)) };
  if (kind === 'tags') return { kind: 'tags', tags: (value as unknown[]).map((t) => String(t).toLowerCase()) };
  throw new TypeError(`unknown consent scope ${kind}`);
}

/** A current record version as far as a cover goes: its id, its record's stable id, its tag (0x hex). */
export interface CoveredRow {
  id: bigint;
  record: bigint;
  tag: string;
}

/**
 * The current versions a cover takes in, in the order of `rows`: all of them, those whose tag it
 * names, or those whose version or record it names (a stored consent names a record by its
 * stable id, the form by the current version's).
 */
export function coveredVersions(cover: Cover, rows: readonly CoveredRow[]): bigint[] {
  if (cover.kind === 'allData') return rows.map((r) => r.id);
  if (cover.kind === 'tags') return rows.filter((r) => cover.tags.includes(r.tag.toLowerCase())).map((r) => r.id);
  return rows.filter((r) => cover.records.includes(r.id) || cover.records.includes(r.record)).map((r) => r.id);
}

/** The keys to seal after a consent, or why none is. */
export interface SealPlan {
  /** The versions whose keys go to the grantee. */
  versions: bigint[];
  /** The purpose each envelope is sealed for (the consent's first, in the runtime's order). */
  purpose: PurposeOfUse | null;
  /** Why nothing is sealed, when nothing is. */
  why: string | null;
}

/**
 * Which keys a consent has sealed to its grantee, as of `now`: those of the `covered` current
 * versions the grantee does not `held` yet, when it is a permit to read that counts now. A deny,
 * a permit without `Read` and one that starts later seal nothing (the chain gives a key only to
 * someone who may read it now). Decision, actions and purposes in either case (`Read`, `read`).
 */
export function sealPlan(consent: { decision: string; actions: readonly string[]; purposes: readonly string[]; start: number | null },
  covered: readonly bigint[], held: readonly bigint[], now: number): SealPlan {
  const none = (why: string): SealPlan => ({ versions: [], purpose: null, why });
  if (consent.decision.toLowerCase() !== 'permit') return none('A deny seals no key.');
  if (!consent.actions.some((a) => a.toLowerCase() === 'read')) return none('It does not allow reading: no record key is sealed.');
  if (consent.start !== null && consent.start > now) {
    return none(`It starts ${formatTime(consent.start)}: the record keys can be sealed once it counts (“Seal keys” in the consents table).`);
  }
  const purpose = PURPOSES.find((p) => consent.purposes.some((q) => q.toLowerCase() === p.purpose.toLowerCase()))?.purpose ?? null;
  if (purpose === null) return none('It names no purpose: no record key is sealed.');
  if (covered.length === 0) return none('It covers none of your current records yet: no key to seal.');
  const versions = covered.filter((v) => !held.includes(v));
  if (versions.length === 0) return none('They hold the key of every current record it covers already.');
  return { versions, purpose, why: null };
}

/** Actions in words, in the runtime's order, from the SDK's names or the runtime's JSON (`read`). */
export function actionWords(actions: readonly string[]): string {
  return wordsOf(ACTIONS.map((a) => [a.action, a.words]), actions);
}

/** Purposes in words, in the runtime's order, from the SDK's names or the runtime's JSON (`emergencyTreatment`). */
export function purposeWords(purposes: readonly string[]): string {
  return wordsOf(PURPOSES.map((p) => [p.purpose, p.words]), purposes);
}

function wordsOf(known: [string, string][], given: readonly string[]): string {
  const lower = given.map((g) => g.toLowerCase());
  const words = known.filter(([name]) => lower.includes(name.toLowerCase())).map(([, w]) => w);
  const unknown = given.filter((g) => !known.some(([name]) => name.toLowerCase() === g.toLowerCase()));
  return [...words, ...unknown].join(', ') || 'nothing';
}

/** A decision in words: `allow` or `DENY`. */
export function decisionWords(decision: string): string {
  return decision.toLowerCase() === 'deny' ? 'DENY' : 'allow';
}

/** A consent's period in words as of `now`: from when (`from now` if `start` is null) until when. */
export function periodWords(start: number | null, end: number | null, now: number): string {
  const from = start === null ? 'from now' : start > now ? `from ${formatTime(start)}` : `since ${formatTime(start)}`;
  const until = end === null ? 'until revoked' : end > now ? `until ${formatTime(end)}` : `ended ${formatTime(end)}`;
  return `${from} ${until}`;
}

/** The scope of a request as the runtime's JSON would give it, for {@link describeScope}. */
export function scopeJson(scope: ConsentScope): unknown {
  if (scope === 'AllData') return 'AllData';
  if ('Tags' in scope) return { tags: scope.Tags.map((t) => toHex(t)) };
  return { records: scope.Records.map(String) };
}

/** A request in one sentence, as of `now`; `names` names the patient's category tags. */
export function describeRequest(request: ConsentRequest, names: ReadonlyMap<string, string> | undefined, now: number): string {
  const verb = (request.decision ?? 'Permit') === 'Deny' ? 'DENY' : 'Allow';
  return `${verb}: ${actionWords(request.actions)} — ${describeScope(scopeJson(request.scope), names)} — for ${purposeWords(request.purposes)} — `
    + `${periodWords(request.start ?? null, request.end ?? null, now)}.`;
}
