/**
 * The insurer's side of billing: its registration and pool (`billing.insurers`), its policies
 * (`billing.policies`, what claims used of each in a policy year from `billing.policyUsage`),
 * its claims (`billing.claims`) with what the chain checked, and the calls that change them.
 * The pure parts (the checks in words, a claim's outcome, the policy form's parsing) are
 * exported for the unit tests.
 *
 * **Listings.** An insurer's claims and policies, and a patient's policies, come from the
 * runtime API `BillingApi.claims` / `policies` (version 2) through the SDK's
 * `billing.claimsOf` / `policiesOf`: the runtime looks at up to 1,024 claim or policy ids a
 * call and returns the party's, so a listing costs one call per 1,024 ids on the chain.
 *
 * @module
 */

import { blake2b } from '@noble/hashes/blake2.js';
import { billing, send, toHex, type Included, type Signer, type TelemedChain } from '@telemed/sdk';
import { DECIMALS, formatMed } from './format.ts';
import { addressOf, serviceCode, variant } from './queries.ts';

/** A day, in ms. */
export const DAY_MS = 86_400_000;
/** The chain's bounds (runtime/src/configs/telemed.rs): the longest service code, the most per policy. */
export const MAX_SERVICE_CODE_BYTES = 18;
export const MAX_COVERED = 32;
/** The longest validity the form accepts, in days (ten years). */
export const MAX_VALIDITY_DAYS = 3650;

function big(value: unknown): bigint {
  if (typeof value === 'bigint') return value;
  if (typeof value === 'number') return BigInt(value);
  return BigInt(String(value));
}

// ---- the chain's checks, in words ----------------------------------------------------------

/** The chain's claim checks (`FraudCheck`), in the order `check_claim` runs them. */
export const CLAIM_CHECKS = ['notDelivered', 'notLicensed', 'notCovered', 'noPaymentConsent', 'duplicate', 'limitExceeded'] as const;
export type ClaimCheck = (typeof CLAIM_CHECKS)[number];

/** What each check asks, as a sentence that is true when it passed. */
export const CHECK_PASSED: Readonly<Record<ClaimCheck, string>> = {
  notDelivered: 'The practitioner marked the visit delivered.',
  notLicensed: 'The practitioner held a valid licence when delivering it.',
  notCovered: 'The policy was in force on the day of the visit and covers its service.',
  noPaymentConsent: 'The patient consents to you handling payment for their care (a Payment consent).',
  duplicate: 'The same visit (patient, practitioner, service, time) was not claimed before.',
  limitExceeded: 'The amount fits in what is left of the policy’s annual limit.',
};

/** Why a check failed, in words. */
export const CHECK_FAILED: Readonly<Record<ClaimCheck, string>> = {
  notDelivered: 'the visit was not delivered',
  notLicensed: 'the practitioner held no valid licence when delivering it',
  notCovered: 'the policy was not in force on the day of the visit, or does not cover its service',
  noPaymentConsent: 'the patient gave you no Payment consent (or denies it)',
  duplicate: 'the same visit was claimed already',
  limitExceeded: 'it would exceed the policy’s annual limit',
};

/** One check of a claim and how it went. */
export interface CheckResult {
  check: ClaimCheck;
  result: 'passed' | 'failed' | 'not reached';
  words: string;
}

function asCheck(name: string): ClaimCheck {
  const check = name.charAt(0).toLowerCase() + name.slice(1);
  if (!(CLAIM_CHECKS as readonly string[]).includes(check)) throw new RangeError(`unknown claim check ${name}`);
  return check as ClaimCheck;
}

/**
 * What the chain checked of a claim: every check passed (a claim is pending, approved or
 * denied only after all of them passed), or, for a rejected one, those before the failed check
 * passed, that one failed and the rest were not reached (`check_claim` stops at the first).
 */
export function claimChecks(status: ClaimStatus): CheckResult[] {
  const failed = status.kind === 'rejected' ? status.check : undefined;
  const at = failed === undefined ? CLAIM_CHECKS.length : CLAIM_CHECKS.indexOf(failed);
  return CLAIM_CHECKS.map((check, i) => (i < at
    ? { check, result: 'passed', words: CHECK_PASSED[check] }
    : i === at
      ? { check, result: 'failed', words: `Failed: ${CHECK_FAILED[check]}.` }
      : { check, result: 'not reached', words: CHECK_PASSED[check] }));
}

// ---- claims ----------------------------------------------------------------------------------

/** Where a claim stands (`ClaimStatus`). */
export type ClaimStatus =
  | { kind: 'pending'; deadline: number }
  | { kind: 'approved' }
  | { kind: 'denied'; reason: string }
  | { kind: 'rejected'; check: ClaimCheck };

/** `ClaimStatus` from the runtime's JSON (`{ pending: { deadline } }`, `{ approved: null }`…). */
export function claimStatusFromJson(json: unknown): ClaimStatus {
  const [kind, value] = variant(json);
  const fields = (value ?? {}) as Record<string, unknown>;
  if (kind === 'pending') return { kind, deadline: Number(fields.deadline) };
  if (kind === 'approved') return { kind };
  if (kind === 'denied') return { kind, reason: String(fields.reason) };
  if (kind === 'rejected') return { kind, check: asCheck(String(fields.check)) };
  throw new RangeError(`unknown claim status ${JSON.stringify(json)}`);
}

/**
 * A claim's outcome in words at `now` (ms): pending until its deadline, then approved by the
 * insurer's silence (paid once anyone finalises it); approved and paid; denied; rejected by the
 * chain with the failed check.
 */
export function claimOutcome(status: ClaimStatus, now: number): { words: string; open: boolean; overdue: boolean } {
  switch (status.kind) {
    case 'pending':
      return now < status.deadline
        ? { words: 'pending: every check passed, awaiting your answer', open: true, overdue: false }
        : { words: 'deadline passed without an answer: approved, paid once finalised', open: false, overdue: true };
    case 'approved':
      return { words: 'approved and paid', open: false, overdue: false };
    case 'denied':
      return { words: 'denied (only the hash of your reason is on chain)', open: false, overdue: false };
    case 'rejected':
      return { words: `rejected by the chain: ${CHECK_FAILED[status.check]}`, open: false, overdue: false };
  }
}

/** A claim as the screens show it. */
export interface ClaimRow {
  id: bigint;
  consultation: bigint;
  policy: bigint;
  insurer: string;
  practitioner: string;
  amount: bigint;
  createdAt: number;
  status: ClaimStatus;
  /** The visit, while the consultation is kept (a closed one may be reaped). */
  visit: { patient: string; service: string; scheduledAt: number; deliveredAt: number | null } | null;
}

/** `insurer`'s claims (`BillingApi.claims`, which gives each with its visit), newest first. */
export async function claimsOf(chain: TelemedChain, insurer: string): Promise<ClaimRow[]> {
  const listed = await billing.claimsOf(chain, insurer);
  return listed
    .filter(({ claim }) => chain.address(String(claim.insurer)) === insurer)
    .map(({ id, claim: c, consultation: visit }) => ({
      id,
      consultation: big(c.consultation),
      policy: big(c.policy),
      insurer,
      practitioner: chain.address(String(c.practitioner)),
      amount: big(c.amount),
      createdAt: Number(c.createdAt),
      status: claimStatusFromJson(c.status),
      visit: {
        patient: chain.address(String(visit.patient)),
        service: serviceCode(visit.service),
        scheduledAt: Number(visit.scheduledAt),
        deliveredAt: visit.deliveredAt === null || visit.deliveredAt === undefined ? null : Number(visit.deliveredAt),
      },
    } satisfies ClaimRow))
    .sort((a, b) => Number(b.id - a.id));
}

/** The commitment of a denial's reason: blake2b-256 of its UTF-8 text (the text stays here). */
export function reasonHash(text: string): Uint8Array {
  return blake2b(new TextEncoder().encode(text), { dkLen: 32 });
}

/** The reason typed by the insurer, checked: some words, not only blanks. */
export function checkReason(text: string): string {
  const reason = text.trim();
  if (reason.length < 3) throw new RangeError('Type the reason for the denial (it stays with you; only its hash goes on chain).');
  return reason;
}

/** `billing.adjudicateClaim`: approve (pays the practitioner) or deny with the reason's hash. */
export async function adjudicate(chain: TelemedChain, signer: Signer, id: bigint, decision: { approve: true } | { approve: false; reason: string }): Promise<Included> {
  const hash = decision.approve ? new Uint8Array(32) : reasonHash(checkReason(decision.reason));
  return send(chain, chain.api.tx.billing!.adjudicateClaim!(id, decision.approve, toHex(hash)), signer);
}

/** `billing.finalizeClaim`: pays a claim its insurer did not answer by the deadline (anyone may). */
export async function finalizeClaim(chain: TelemedChain, signer: Signer, id: bigint): Promise<Included> {
  return send(chain, chain.api.tx.billing!.finalizeClaim!(id), signer);
}

// ---- the insurer and its pool ----------------------------------------------------------------

/** A registered insurer (`billing.insurers`). */
export interface InsurerView {
  name: string;
  pool: bigint;
  committed: bigint;
  /** What may be withdrawn: the pool less what open bookings and pending claims hold. */
  available: bigint;
}

/** `who` as an insurer, or null if governance has not registered it. */
export async function insurerOf(chain: TelemedChain, who: string): Promise<InsurerView | null> {
  const json = (await chain.api.query.billing!.insurers!(who)).toJSON() as Record<string, unknown> | null;
  if (!json) return null;
  const pool = big(json.pool);
  const committed = big(json.committed);
  return { name: serviceCode(json.name), pool, committed, available: pool > committed ? pool - committed : 0n };
}

/** An amount of MED typed for the pool: more than zero. */
export function parsePositiveMed(text: string): bigint {
  const match = /^\s*(\d{1,15})(?:\.(\d{1,12}))?\s*$/.exec(text);
  if (!match) throw new RangeError('An amount is a number of MED with at most 12 decimals (e.g. 100 or 2.5).');
  const planck = BigInt(match[1]!) * 10n ** BigInt(DECIMALS) + BigInt((match[2] ?? '').padEnd(DECIMALS, '0'));
  if (planck === 0n) throw new RangeError('The amount must be more than 0 MED.');
  return planck;
}

/** `billing.fundPool`: holds `amount` more in the pool. */
export async function fundPool(chain: TelemedChain, signer: Signer, amount: bigint): Promise<Included> {
  return send(chain, chain.api.tx.billing!.fundPool!(amount), signer);
}

/** `billing.withdrawPool`: releases `amount` of what the pool does not hold for bookings and claims. */
export async function withdrawPool(chain: TelemedChain, signer: Signer, amount: bigint): Promise<Included> {
  return send(chain, chain.api.tx.billing!.withdrawPool!(amount), signer);
}

// ---- policies ----------------------------------------------------------------------------------

/** A policy as the screens show it. */
export interface PolicyRow {
  id: bigint;
  insurer: string;
  patient: string;
  covered: string[];
  /** Parts per million (`Permill`). */
  coverage: number;
  annualLimit: bigint;
  validFrom: number;
  validUntil: number;
  endedAt: number | null;
  /** The insurer's shares of open bookings under it. */
  reserved: bigint;
  /** What claims used of the limit in the policy year of now. */
  usedThisYear: bigint;
}


/** Where a policy stands at `now`, in words. */
export function policyStanding(p: Pick<PolicyRow, 'validFrom' | 'validUntil' | 'endedAt'>, now: number): { words: string; inForce: boolean } {
  if (p.endedAt !== null && p.endedAt <= now) return { words: 'ended by the insurer', inForce: false };
  if (now < p.validFrom) return { words: 'not started', inForce: false };
  if (now >= p.validUntil) return { words: 'expired', inForce: false };
  return { words: 'in force', inForce: true };
}

/** A `Permill` as a percentage (`800000` → `80 %`, `805000` → `80.5 %`). */
export function formatPercent(parts: number): string {
  const whole = Math.floor(parts / 10_000);
  const frac = String(parts % 10_000).padStart(4, '0').replace(/0+$/, '');
  return `${whole}${frac ? `.${frac}` : ''} %`;
}

/** A coverage typed as a percentage (`80`, `62.5`, `80 %`) as `Permill` parts; above 0, at most 100, four decimals. */
export function parsePercent(text: string): number {
  const match = /^\s*(\d{1,3})(?:\.(\d{1,4}))?\s*%?\s*$/.exec(text);
  if (!match) throw new RangeError('The coverage is a percentage (e.g. 80 or 62.5), with at most four decimals.');
  const parts = Number(match[1]) * 10_000 + Number((match[2] ?? '').padEnd(4, '0'));
  if (parts === 0 || parts > 1_000_000) throw new RangeError('The coverage is above 0 % and at most 100 %.');
  return parts;
}

/** Service codes typed as a list (commas or spaces): each 1 to 18 bytes, none twice, at most 32. */
export function parseServiceCodes(text: string): string[] {
  const codes = text.split(/[\s,;]+/).filter((c) => c !== '');
  if (codes.length === 0) throw new RangeError('List at least one service code the policy covers (e.g. video-15).');
  if (codes.length > MAX_COVERED) throw new RangeError(`A policy covers at most ${MAX_COVERED} service codes.`);
  const seen = new Set<string>();
  for (const code of codes) {
    if (new TextEncoder().encode(code).length > MAX_SERVICE_CODE_BYTES) throw new RangeError(`The service code ${code} is longer than ${MAX_SERVICE_CODE_BYTES} bytes.`);
    if (seen.has(code)) throw new RangeError(`The service code ${code} is listed twice.`);
    seen.add(code);
  }
  return codes;
}

/** A number of days typed for a validity: a whole number from 1 to {@link MAX_VALIDITY_DAYS}. */
export function parseDays(text: string): number {
  if (!/^\s*\d{1,5}\s*$/.test(text)) throw new RangeError('The validity is a whole number of days.');
  const days = Number(text);
  if (days < 1 || days > MAX_VALIDITY_DAYS) throw new RangeError(`The validity is from 1 to ${MAX_VALIDITY_DAYS} days.`);
  return days;
}

/** The terms of a policy to issue, checked. */
export interface PolicyTerms {
  patient: string;
  covered: string[];
  coverage: number;
  annualLimit: bigint;
  days: number;
}

/** The issue form's fields, checked and parsed. */
export function policyTerms(chain: Pick<TelemedChain, 'address'>, form: { patient: string; services: string; coverage: string; limit: string; days: string }): PolicyTerms {
  return {
    patient: addressOf(chain, form.patient, 'the patient'),
    covered: parseServiceCodes(form.services),
    coverage: parsePercent(form.coverage),
    annualLimit: parsePositiveMed(form.limit),
    days: parseDays(form.days),
  };
}

/**
 * The policies matching `filter` (by insurer or by patient), newest first, with what claims
 * used this policy year (`BillingApi.policies`, at the best block's time).
 */
export async function policiesWhere(chain: TelemedChain, filter: { insurer: string } | { patient: string }): Promise<PolicyRow[]> {
  const party = 'insurer' in filter ? filter.insurer : filter.patient;
  const listed = await billing.policiesOf(chain, party);
  return listed
    .filter(({ policy: p }) => ('insurer' in filter
      ? chain.address(String(p.insurer)) === filter.insurer
      : chain.address(String(p.patient)) === filter.patient))
    .map(({ id, policy: p, usedThisYear }) => ({
      id,
      insurer: chain.address(String(p.insurer)),
      patient: chain.address(String(p.patient)),
      covered: (p.covered as unknown[]).map(serviceCode),
      coverage: Number(p.coverage),
      annualLimit: big(p.annualLimit),
      validFrom: Number(p.validFrom),
      validUntil: Number(p.validUntil),
      endedAt: p.endedAt === null || p.endedAt === undefined ? null : Number(p.endedAt),
      reserved: big(p.reserved),
      usedThisYear,
    } satisfies PolicyRow))
    .sort((a, b) => Number(b.id - a.id));
}

/** `billing.issuePolicy` from now for `terms.days` days; the new policy's id. */
export async function issuePolicy(chain: TelemedChain, signer: Signer, terms: PolicyTerms, now: number): Promise<bigint> {
  const included = await send(chain, chain.api.tx.billing!.issuePolicy!(
    terms.patient, terms.covered, terms.coverage, terms.annualLimit, now, now + terms.days * DAY_MS), signer);
  const event = included.events.find((e) => e.pallet === 'billing' && e.name === 'PolicyIssued');
  if (!event) throw new Error('The chain issued no policy.');
  return big(event.fields.id);
}

/** `billing.endPolicy`: ends it now (bookings made under it keep their reservation). */
export async function endPolicy(chain: TelemedChain, signer: Signer, id: bigint): Promise<Included> {
  return send(chain, chain.api.tx.billing!.endPolicy!(id), signer);
}

/** A policy in one line: what it covers, how much, up to what. */
export function describePolicy(p: Pick<PolicyRow, 'covered' | 'coverage' | 'annualLimit'>): string {
  return `${p.covered.join(', ')} at ${formatPercent(p.coverage)}, up to ${formatMed(p.annualLimit)} a year`;
}
