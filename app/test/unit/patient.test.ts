// The pure parts of the patient's and the prescriber's new screens: delegate scopes and end
// dates in words, break-glass accesses (standing, review, the log's ids), a record's history in
// order, the checks before amending a prescription, the progress a store reports.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { MemoryBlobStore, type PrescriptionView, type RecordVersion } from '@telemed/sdk';
import { DELEGATE_SCOPES, endOfDay, isCustodian, ORDINARY_SCOPES, scopeFromJson, scopeWords, untilWords } from '../../src/delegates.ts';
import { emergencyFromJson, emergencyIdsIn, isOpen, reviewConsequence, reviewWords, standingWords } from '../../src/emergency-review.ts';
import { PALLET_MESSAGES } from '../../src/errors.ts';
import { historyRows, kindWords, reportingStore, SHRED_WARNING } from '../../src/history.ts';
import { amendProblem, amendTerms, MAX_FILLS } from '../../src/prescribing.ts';
import type { DisclosureRow } from '../../src/queries.ts';
import { CALL_DESCRIPTIONS, FREE_WHEN_SUCCESSFUL } from '../../src/transactions.ts';

const DAY = 86_400_000;
const NOON = Date.UTC(2026, 10, 26, 12);

describe('delegates', () => {
  test('scopes from the runtime’s JSON, either case; an unknown one is refused', () => {
    assert.equal(scopeFromJson('manageConsents'), 'ManageConsents');
    assert.equal(scopeFromJson('EmergencyCustodian'), 'EmergencyCustodian');
    assert.throws(() => scopeFromJson('readEverything'), /unknown delegate scope/);
    assert.throws(() => scopeFromJson(''), /unknown delegate scope/);
  });

  test('scopes in words, in the runtime’s order whatever the order given', () => {
    assert.equal(scopeWords(['ShredRecords', 'ManageConsents']),
      'grant and revoke my consents, and review emergency accesses; shred my records, for good');
    assert.equal(scopeWords([]), 'nothing');
    assert.equal(DELEGATE_SCOPES.length, 6, 'every DelegateScope of the runtime has words');
    assert.ok(!ORDINARY_SCOPES.some((s) => s.scope === 'EmergencyCustodian'), 'the custodian is appointed on its own form');
  });

  test('until when, as of now', () => {
    assert.equal(untilWords(null, NOON), 'until you remove them');
    assert.equal(untilWords(NOON + DAY, NOON), 'until 2026-11-27 12:00:00 UTC');
    assert.equal(untilWords(NOON, NOON), 'ended 2026-11-26 12:00:00 UTC', 'the end is exclusive');
  });

  test('the last day typed ends at the next midnight (UTC); empty is no end; bad or past days are refused', () => {
    assert.equal(endOfDay('', NOON), null);
    assert.equal(endOfDay('  ', NOON), null);
    assert.equal(endOfDay('2026-11-26', NOON), Date.UTC(2026, 10, 27), 'today lasts until midnight');
    assert.equal(endOfDay('2027-01-31', NOON), Date.UTC(2027, 1, 1));
    assert.throws(() => endOfDay('2026-11-25', NOON), /already over/);
    assert.throws(() => endOfDay('2026-11-26', Date.UTC(2026, 10, 27)), /already over/, 'at midnight the day is over');
    for (const bad of ['2027-02-30', '2027-13-01', '27-01-01', 'tomorrow', '2027/01/01', '2027-1-1']) {
      assert.throws(() => endOfDay(bad, NOON), /is a day/, bad);
    }
  });

  test('a custodian is one while its appointment lasts', () => {
    assert.ok(isCustodian({ scopes: ['EmergencyCustodian'], until: null }, NOON));
    assert.ok(isCustodian({ scopes: ['EmergencyCustodian'], until: NOON + 1 }, NOON));
    assert.ok(!isCustodian({ scopes: ['EmergencyCustodian'], until: NOON }, NOON));
    assert.ok(!isCustodian({ scopes: ['AccessRecords'], until: null }, NOON));
  });
});

describe('break-glass accesses', () => {
  const json = {
    practitioner: '5FHneW46xGXgs5mUiveU4sbTyGBzmstUspZC92UhjJM694ty',
    patient: '5FLSigC9HGRKVhB9FiEo4Y3koPsNmBmLJbpXg2mp1hXcS59Y',
    statement: '0x00',
    openedAt: NOON,
    expiresAt: NOON + 4 * 3_600_000,
    closedAt: null,
    deposit: '10000000000000',
    review: 'pending',
  };
  const chain = { address: (a: string) => a };

  test('read from the runtime’s JSON', () => {
    const a = emergencyFromJson(3n, json, chain);
    assert.deepEqual(a, {
      id: 3n, practitioner: json.practitioner, patient: json.patient, openedAt: NOON, expiresAt: NOON + 4 * 3_600_000,
      closedAt: null, deposit: 10_000_000_000_000n, review: 'Pending',
    });
    assert.throws(() => emergencyFromJson(3n, { ...json, review: 'maybe' }, chain), /unknown review/);
  });

  test('open until it expires, is closed or found unjustified; its standing in words', () => {
    const a = emergencyFromJson(3n, json, chain);
    assert.ok(isOpen(a, NOON));
    assert.equal(standingWords(a, NOON), 'OPEN');
    assert.ok(!isOpen(a, a.expiresAt), 'the expiry is exclusive');
    assert.equal(standingWords(a, a.expiresAt), 'ended (expired)');
    const closed = { ...a, closedAt: NOON + 1 };
    assert.ok(!isOpen(closed, NOON + 2));
    assert.equal(standingWords(closed, NOON + 2), 'ended (closed by the practitioner)');
    const unjustified = { ...a, review: 'Unjustified' as const, closedAt: NOON + 5 };
    assert.ok(!isOpen(unjustified, NOON + 6));
    assert.equal(standingWords(unjustified, NOON + 6), 'ended (closed by your review)');
    assert.equal(reviewWords('Pending'), 'awaiting your review');
    assert.equal(reviewWords('Unjustified'), 'reviewed: NOT justified');
  });

  test('what each review does, with the deposit', () => {
    assert.match(reviewConsequence(true, 10_000_000_000_000n), /deposit of 10 MED is returned to them/);
    const no = reviewConsequence(false, 10_000_000_000_000n);
    assert.match(no, /10 MED goes to the treasury/);
    assert.match(no, /closed at once/);
    assert.match(no, /cannot be changed/);
  });

  test('the break-glass ids the log names, each once, newest first', () => {
    const row = (seq: number, emergencyId: bigint | null): DisclosureRow => ({
      seq: BigInt(seq), accessor: 'x', what: 'all data', action: 'Read', purpose: 'EmergencyTreatment', basis: '', emergency: emergencyId !== null, emergencyId, at: 0,
    });
    assert.deepEqual(emergencyIdsIn([row(1, 2n), row(2, null), row(3, 7n), row(4, 2n)]), [7n, 2n]);
    assert.deepEqual(emergencyIdsIn([row(1, null)]), []);
  });
});

function version(id: bigint, v: number, kind: RecordVersion['kind'], supersededBy: bigint | null, locator = new Uint8Array(8)): RecordVersion {
  return {
    id, patient: 'p', author: 'a', tag: new Uint8Array(32), commitment: new Uint8Array(32), ciphertextHash: new Uint8Array(32), sizeClass: 10,
    locator, createdAt: Number(id), record: 1n, version: v, supersedes: v === 1 ? null : id - 1n, kind, supersededBy, envelopes: 1,
  };
}

describe('a record’s history', () => {
  test('oldest to newest whatever the order given; only the last is current; a re-keyed one is marked replaced', () => {
    const versions = [
      version(9n, 3, 'ReKey', null),
      version(1n, 1, 'Original', 4n),
      version(4n, 2, 'Amendment', 9n, new Uint8Array(0)),
    ];
    const rows = historyRows(versions);
    assert.deepEqual(rows.map((r) => r.version), [1, 2, 3]);
    assert.deepEqual(rows.map((r) => r.current), [false, false, true]);
    assert.deepEqual(rows.map((r) => r.replaced), [false, true, false]);
    assert.deepEqual(rows.map((r) => r.what), ['first version', 'amendment (new content)', 're-key (same content, fresh key)']);
    assert.deepEqual(historyRows([]), []);
  });

  test('a last version the chain says is superseded is not called current', () => {
    assert.equal(historyRows([version(1n, 1, 'Original', 2n)])[0]!.current, false);
  });

  test('kinds in words, from either case', () => {
    assert.equal(kindWords('Amendment'), 'amendment (new content)');
    assert.equal(kindWords('reKey'), 're-key (same content, fresh key)');
    assert.equal(kindWords('somethingElse'), 'somethingElse');
  });

  test('a store reports each step before taking it, and still does it', async () => {
    const steps: string[] = [];
    const inner = new MemoryBlobStore();
    const store = reportingStore(inner, (s) => steps.push(s), { put: 'put', get: 'get' });
    const locator = await store.put(new Uint8Array([1, 2, 3]));
    assert.deepEqual(await store.get(locator), new Uint8Array([1, 2, 3]));
    await store.delete(locator);
    assert.deepEqual(steps, ['put', 'get', 'Forgetting the old ciphertext…']);
    await assert.rejects(inner.get(locator));
  });

  test('the shred warning says what it does and that it cannot be undone', () => {
    assert.match(SHRED_WARNING, /every key of every version/);
    assert.match(SHRED_WARNING, /cannot be undone/);
    assert.match(SHRED_WARNING, /may have kept a copy/);
  });
});

describe('amending a prescription', () => {
  const view: PrescriptionView = {
    patient: 'pat', prescriber: 'doc', commitment: new Uint8Array(32), fillsAllowed: 3, fillsUsed: 1, controlled: false,
    issuedAt: NOON, expiresAt: NOON + 30 * DAY, lastFillAt: NOON, nextFillNotBefore: null, previous: null, standing: 'Dispensable',
  };

  test('only an open prescription of one’s own that has not expired', () => {
    assert.equal(amendProblem(4n, view, 'doc'), null);
    assert.match(amendProblem(4n, null, 'doc') ?? '', /#4 is no longer open \(fully dispensed, cancelled, amended already or expired\): it cannot be amended/);
    assert.match(amendProblem(4n, view, 'other') ?? '', /another prescriber/);
    assert.match(amendProblem(4n, { ...view, standing: 'Expired' }, 'doc') ?? '', /has expired/);
    assert.equal(amendProblem(4n, { ...view, standing: 'PrescriberNotLicensed' }, 'doc'), null, 'the chain says NotPrescriber in words');
    assert.equal(amendProblem(4n, view, 'DOC', (a) => a.toLowerCase()), null, 'addresses compared in the chain’s form');
  });

  test('fills in all from one more than made to the most; days from 1 to 360', () => {
    assert.deepEqual(amendTerms('2', '30', 1, NOON), { fills: 2, expiresAt: NOON + 30 * DAY });
    assert.deepEqual(amendTerms(' 12 ', '360', 1, NOON), { fills: MAX_FILLS, expiresAt: NOON + 360 * DAY });
    assert.deepEqual(amendTerms('1', '1', 0, NOON), { fills: 1, expiresAt: NOON + DAY });
    for (const bad of ['1', '0', '13', '2.5', '', 'two', '-3']) assert.throws(() => amendTerms(bad, '30', 1, NOON), /from 2 \(1 made/, bad);
    for (const bad of ['0', '361', '1.5', '']) assert.throws(() => amendTerms('2', bad, 1, NOON), /1 to 360 days/, bad);
  });
});

describe('the new calls and errors have words', () => {
  test('every call these screens send is described; the shred is free when it succeeds', () => {
    for (const call of ['records.amendRecord', 'records.rekeyRecord', 'records.shredRecord', 'consent.addDelegate', 'consent.removeDelegate',
      'consent.reviewEmergencyAccess', 'prescriptions.amend', 'prescriptions.cancel']) {
      assert.ok(CALL_DESCRIPTIONS[call], call);
    }
    assert.ok(FREE_WHEN_SUCCESSFUL.has('records.shredRecord'));
  });

  test('the errors these screens meet have sentences', () => {
    for (const code of ['records.NotCurrent', 'records.RecordShredded', 'records.TooManyVersions', 'consent.AlreadyDelegate', 'consent.UnknownDelegate',
      'consent.TooManyDelegates', 'consent.NoScopes', 'consent.DelegateToSelf', 'consent.AlreadyReviewed', 'prescriptions.UnknownPrescription',
      'prescriptions.FillsNotAboveUsed', 'prescriptions.NotPermitted']) {
      assert.ok(PALLET_MESSAGES[code], code);
    }
  });
});
