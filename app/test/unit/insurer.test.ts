// The pure parts of the insurer's, the break-glass and the clinician-authoring screens: the
// chain's claim checks and outcomes in words, the policy form's parsing at and past its
// bounds, the hashes that go on chain instead of text, the permits to add records, and the
// errors and calls these screens meet in plain words.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { blake2AsU8a, cryptoWaitReady } from '@polkadot/util-crypto';
import { DispatchError, QuoteRefusedError, toHex } from '@telemed/sdk';
import { checkStatement, formatDuration, MIN_STATEMENT_LENGTH, statementHash } from '../../src/emergency.ts';
import { explain, PALLET_MESSAGES, QUOTE_PROBLEMS, WouldBeRefusedError } from '../../src/errors.ts';
import {
  CLAIM_CHECKS,
  checkReason,
  claimChecks,
  claimOutcome,
  claimStatusFromJson,
  DAY_MS,
  describePolicy,
  formatPercent,
  parseDays,
  parsePercent,
  parsePositiveMed,
  parseServiceCodes,
  policyStanding,
  policyTerms,
  reasonHash,
} from '../../src/insurer.ts';
import { addressOf, appendPermitsFrom, describeScope } from '../../src/queries.ts';
import { CALL_DESCRIPTIONS } from '../../src/transactions.ts';

const MED = 1_000_000_000_000n;
const ALICE = '5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY';
const BOB = '5FHneW46xGXgs5mUiveU4sbTyGBzmstUspZC92UhjJM694ty';
/** A stand-in for `TelemedChain.address`: accepts the two addresses above, refuses the rest. */
const chain = {
  address: (a: string) => {
    if (a !== ALICE && a !== BOB) throw new Error(`not an address: ${a}`);
    return a;
  },
};

describe('the chain’s claim checks in words', () => {
  test('a pending, approved or denied claim passed every check, in the order check_claim runs them', () => {
    for (const status of [{ kind: 'pending', deadline: 1 }, { kind: 'approved' }, { kind: 'denied', reason: '0x00' }] as const) {
      const checks = claimChecks(status);
      assert.deepEqual(checks.map((c) => c.check), [...CLAIM_CHECKS]);
      assert.ok(checks.every((c) => c.result === 'passed'), status.kind);
    }
    assert.deepEqual([...CLAIM_CHECKS], ['notDelivered', 'notLicensed', 'notCovered', 'noPaymentConsent', 'duplicate', 'limitExceeded']);
  });

  test('a rejected claim: the checks before the failed one passed, it failed, the rest were not reached', () => {
    CLAIM_CHECKS.forEach((failed, at) => {
      const checks = claimChecks({ kind: 'rejected', check: failed });
      assert.deepEqual(checks.map((c) => c.result), CLAIM_CHECKS.map((_, i) => (i < at ? 'passed' : i === at ? 'failed' : 'not reached')), failed);
      assert.match(checks[at]!.words, /^Failed: /);
    });
  });

  test('the runtime’s JSON of a claim status, and anything else refused', () => {
    assert.deepEqual(claimStatusFromJson({ pending: { deadline: 1_700_000_000_000 } }), { kind: 'pending', deadline: 1_700_000_000_000 });
    assert.deepEqual(claimStatusFromJson({ approved: null }), { kind: 'approved' });
    assert.deepEqual(claimStatusFromJson('Approved'), { kind: 'approved' });
    assert.deepEqual(claimStatusFromJson({ denied: { reason: '0xab' } }), { kind: 'denied', reason: '0xab' });
    assert.deepEqual(claimStatusFromJson({ rejected: { check: 'NoPaymentConsent' } }), { kind: 'rejected', check: 'noPaymentConsent' });
    assert.throws(() => claimStatusFromJson({ rejected: { check: 'Forged' } }), /unknown claim check/);
    assert.throws(() => claimStatusFromJson({ paid: null }), /unknown claim status/);
  });

  test('the outcome: pending until the deadline, approved by silence from it on, answered, rejected with the check', () => {
    const deadline = 1_000_000;
    assert.deepEqual(claimOutcome({ kind: 'pending', deadline }, deadline - 1), { words: 'pending: every check passed, awaiting your answer', open: true, overdue: false });
    assert.equal(claimOutcome({ kind: 'pending', deadline }, deadline).overdue, true, 'at the deadline the insurer can no longer answer');
    assert.match(claimOutcome({ kind: 'pending', deadline }, deadline).words, /approved, paid once finalised/);
    assert.equal(claimOutcome({ kind: 'approved' }, 0).words, 'approved and paid');
    assert.match(claimOutcome({ kind: 'denied', reason: '0x' }, 0).words, /^denied \(only the hash/);
    assert.equal(claimOutcome({ kind: 'rejected', check: 'limitExceeded' }, 0).words, 'rejected by the chain: it would exceed the policy’s annual limit');
    assert.equal(claimOutcome({ kind: 'rejected', check: 'notLicensed' }, 0).open, false);
  });
});

describe('the policy form', () => {
  test('coverage as a percentage: above 0, at most 100, four decimals', () => {
    assert.equal(parsePercent('80'), 800_000);
    assert.equal(parsePercent(' 62.5 % '), 625_000);
    assert.equal(parsePercent('0.0001'), 1, 'one part per million');
    assert.equal(parsePercent('0.01'), 100);
    assert.equal(parsePercent('100'), 1_000_000);
    for (const bad of ['0', '0.0000', '100.0001', '101', '1.23456', '-5', 'eighty', '', '1e2']) {
      assert.throws(() => parsePercent(bad), RangeError, bad);
    }
    for (const parts of [1, 100, 625_000, 800_000, 999_999, 1_000_000]) assert.equal(parsePercent(formatPercent(parts)), parts);
    assert.equal(formatPercent(805_000), '80.5 %');
  });

  test('service codes: at least one, each at most 18 bytes, none twice, at most 32', () => {
    assert.deepEqual(parseServiceCodes('video-15, 99213;lab  x'), ['video-15', '99213', 'lab', 'x']);
    assert.deepEqual(parseServiceCodes('a'.repeat(18)), ['a'.repeat(18)]);
    assert.throws(() => parseServiceCodes('a'.repeat(19)), /longer than 18 bytes/);
    assert.deepEqual(parseServiceCodes('é'.repeat(9)), ['é'.repeat(9)], 'bytes, not characters: 18 bytes');
    assert.throws(() => parseServiceCodes('é'.repeat(10)), /longer than 18 bytes/);
    assert.throws(() => parseServiceCodes(' , '), /at least one/);
    assert.throws(() => parseServiceCodes('video-15 video-15'), /listed twice/);
    const codes = Array.from({ length: 33 }, (_, i) => `c${i}`);
    assert.equal(parseServiceCodes(codes.slice(0, 32).join(' ')).length, 32);
    assert.throws(() => parseServiceCodes(codes.join(' ')), /at most 32/);
  });

  test('validity: a whole number of days from 1 to 3650', () => {
    assert.equal(parseDays('1'), 1);
    assert.equal(parseDays(' 3650 '), 3650);
    for (const bad of ['0', '3651', '1.5', '', '-1', 'a year']) assert.throws(() => parseDays(bad), RangeError, bad);
  });

  test('amounts of MED for the pool and the limit: more than zero, 12 decimals at most', () => {
    assert.equal(parsePositiveMed('100'), 100n * MED);
    assert.equal(parsePositiveMed('2.5'), 2n * MED + MED / 2n);
    assert.equal(parsePositiveMed('0.000000000001'), 1n);
    for (const bad of ['0', '0.000000000000', '0.0000000000001', '-1', '1,5', '', '1e3']) assert.throws(() => parsePositiveMed(bad), RangeError, bad);
  });

  test('the whole form, with the patient’s address checked', () => {
    const form = { patient: ` ${BOB} `, services: 'video-15', coverage: '80', limit: '100', days: '365' };
    assert.deepEqual(policyTerms(chain, form), { patient: BOB, covered: ['video-15'], coverage: 800_000, annualLimit: 100n * MED, days: 365 });
    assert.throws(() => policyTerms(chain, { ...form, patient: '' }), /^RangeError: Enter the patient’s address\.$/);
    assert.throws(() => policyTerms(chain, { ...form, patient: 'not-an-address' }), /The patient’s address is not a valid address/);
    assert.throws(() => policyTerms(chain, { ...form, coverage: '0' }), /above 0 %/);
    assert.equal(describePolicy({ covered: ['video-15', '99213'], coverage: 800_000, annualLimit: 100n * MED }), 'video-15, 99213 at 80 %, up to 100 MED a year');
  });

  test('policy standing, at each boundary', () => {
    const from = 1_000_000;
    const p = { validFrom: from, validUntil: from + 30 * DAY_MS, endedAt: null };
    assert.deepEqual(policyStanding(p, from - 1), { words: 'not started', inForce: false });
    assert.deepEqual(policyStanding(p, from), { words: 'in force', inForce: true });
    assert.deepEqual(policyStanding(p, p.validUntil - 1), { words: 'in force', inForce: true });
    assert.deepEqual(policyStanding(p, p.validUntil), { words: 'expired', inForce: false });
    assert.equal(policyStanding({ ...p, endedAt: from + 5 }, from + 4).inForce, true, 'ended later: in force until then');
    assert.deepEqual(policyStanding({ ...p, endedAt: from + 5 }, from + 5), { words: 'ended by the insurer', inForce: false });
  });
});

describe('only hashes on chain', () => {
  test('a denial’s reason and a break-glass statement go on chain as blake2b-256 of their UTF-8 text', async () => {
    await cryptoWaitReady();
    for (const text of ['the visit code does not match', 'é — ✓', 'x'.repeat(10_000)]) {
      const expected = toHex(blake2AsU8a(new TextEncoder().encode(text), 256));
      assert.equal(toHex(reasonHash(text)), expected);
      assert.equal(toHex(statementHash(text)), expected);
    }
    assert.equal(toHex(reasonHash('abc')), '0xbddd813c634239723171ef3fee98579b94964e3bb1cb3e427262c8c068d52319');
  });

  test('a reason and a statement must say something', () => {
    assert.throws(() => checkReason('  '), /Type the reason/);
    assert.throws(() => checkReason(' no '), /Type the reason/);
    assert.equal(checkReason('  not covered  '), 'not covered');
    const nine = 'x'.repeat(MIN_STATEMENT_LENGTH - 1);
    assert.throws(() => checkStatement(` ${nine}  `), /at least 10 characters/);
    assert.equal(checkStatement(` ${nine}y `), `${nine}y`);
  });

  test('the emergency’s duration in words', () => {
    assert.equal(formatDuration(4 * 3_600_000), '4 hours');
    assert.equal(formatDuration(3_600_000), '1 hour');
    assert.equal(formatDuration(90 * 60_000), '1 hour 30 minutes');
    assert.equal(formatDuration(60_000), '1 minute');
    assert.equal(formatDuration(0), '0 minutes');
  });
});

describe('permits to add records', () => {
  const consent = (over: Record<string, unknown>, standing: unknown = 'InForce') => ({
    id: 7,
    consent: { grantee: BOB, decision: 'Permit', actions: ['Read', 'Append'], scope: { tags: ['0xAB'] }, purposes: ['Treatment'], end: null, ...over },
    standing,
  });

  test('a permit in force to append for treatment under tags, for this grantee only', () => {
    assert.deepEqual(appendPermitsFrom([consent({})], BOB, chain.address), [{ consent: 7n, tags: ['0xab'], end: null, read: true }]);
    assert.deepEqual(appendPermitsFrom([consent({ actions: ['Append'], end: 5 })], BOB, chain.address), [{ consent: 7n, tags: ['0xab'], end: 5, read: false }]);
    for (const [why, c] of [
      ['another grantee', consent({ grantee: ALICE })],
      ['a deny', consent({ decision: 'Deny' })],
      ['revoked', consent({}, 'Revoked')],
      ['not started', consent({}, 'NotYetStarted')],
      ['read only', consent({ actions: ['Read'] })],
      ['for payment only', consent({ purposes: ['Payment'] })],
      ['all data (not a category)', consent({ scope: 'AllData' })],
      ['records (not a category)', consent({ scope: { records: [1] } })],
    ] as const) {
      assert.deepEqual(appendPermitsFrom([c], BOB, chain.address), [], why);
    }
  });

  test('a scope of tags names its categories when the patient’s key makes them', () => {
    const names = new Map([['0xab', 'category: vital signs'], ['0xcd', 'claims only (no record)']]);
    assert.equal(describeScope({ tags: ['0xAB'] }, names), 'category: vital signs');
    assert.equal(describeScope({ tags: ['0xab', '0xcd'] }, names), 'category: vital signs, claims only (no record)');
    assert.equal(describeScope({ tags: ['0xab', '0xef'] }, names), '2 categories', 'one unknown: counted, not half-named');
    assert.equal(describeScope({ tags: ['0xab'] }), '1 category');
  });

  test('an address typed by a person', () => {
    assert.equal(addressOf(chain, ` ${ALICE}\n`, 'the clinician'), ALICE);
    assert.throws(() => addressOf(chain, '   ', 'the clinician'), /^RangeError: Enter the clinician’s address\.$/);
    assert.throws(() => addressOf(chain, '5Gx', 'the clinician'), /^RangeError: The clinician’s address is not a valid address\.$/);
  });
});

describe('these screens’ errors and calls in plain words', () => {
  test('a break-glass refusal, from the chain or before sending', () => {
    assert.equal(explain(new DispatchError('consent', 'NotEmergencyPractitioner', 'consent.openEmergencyAccess', 'docs')),
      'Refused: break-glass needs a valid licence endorsed for emergency care, and you hold none. (consent.NotEmergencyPractitioner)');
    assert.equal(explain(new WouldBeRefusedError('consent.NotEmergencyPractitioner', 'You hold no licence that is valid now.')),
      'Refused: break-glass needs a valid licence endorsed for emergency care, and you hold none. You hold no licence that is valid now. Nothing was sent. (consent.NotEmergencyPractitioner)');
    assert.equal(explain(new WouldBeRefusedError('x.Unknown')), 'The chain would refuse this (x.Unknown). Nothing was sent. (x.Unknown)');
  });

  test('a booking the chain would not quote', () => {
    assert.equal(explain(new QuoteRefusedError('NotCovered')), 'Your policy does not cover this service. Nothing was sent. (quote: NotCovered)');
    assert.equal(explain(new QuoteRefusedError('limitExceeded')), `${QUOTE_PROBLEMS.LimitExceeded} Nothing was sent. (quote: LimitExceeded)`);
    assert.match(explain(new QuoteRefusedError('Other')), /would not book this/);
  });

  test('every error these screens can meet has a sentence, and every call they send a description', () => {
    const codes = [
      'billing.NotInsurer', 'billing.InsufficientBalance', 'billing.InsufficientPool', 'billing.UnknownPolicy', 'billing.NotYourPolicy',
      'billing.PolicyNotInForce', 'billing.NotCovered', 'billing.LimitExceeded', 'billing.BadCoveredServices', 'billing.BadServiceCode',
      'billing.BadValidity', 'billing.PolicyEnded', 'billing.UnknownClaim', 'billing.NotYourClaim', 'billing.ClaimClosed',
      'billing.ClaimDeadlinePassed', 'billing.ClaimStillPending', 'billing.IdsExhausted',
      'consent.NotEmergencyPractitioner', 'consent.EmergencyOnSelf', 'consent.EmergencyAlreadyOpen', 'consent.TooManyPendingReviews',
      'consent.UnknownEmergencyAccess', 'consent.NotYourEmergencyAccess', 'consent.EmergencyAccessNotOpen', 'consent.InsufficientBalance',
      'consent.TagOfAnotherPatient', 'consent.TooManyConsentsToGrantee', 'consent.NoConsent', 'consent.NotLicensed', 'consent.UnknownPatient',
      'records.NoConsent', 'records.NotLicensed', 'records.UnknownPatient', 'records.TagOfAnotherPatient', 'records.InsufficientBalance',
    ];
    for (const code of codes) assert.ok(PALLET_MESSAGES[code], code);
    for (const call of ['billing.fundPool', 'billing.withdrawPool', 'billing.issuePolicy', 'billing.endPolicy', 'billing.adjudicateClaim',
      'billing.finalizeClaim', 'consent.openEmergencyAccess', 'consent.closeEmergencyAccess', 'consent.logAccess', 'consent.grantConsent',
      'records.addRecord', 'records.addEnvelope', 'billing.book']) {
      assert.ok(CALL_DESCRIPTIONS[call], call);
    }
  });
});
