// The pure parts of the patient's consent form (src/consents.ts): the request built from the
// form (actions and purposes in the runtime's order, records and categories without repeats,
// the days at and past each boundary), every bad input refused in words, which keys a consent
// seals afterwards, and a consent in words; the errors and the call it leads to have sentences.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { tagOf, toHex, type ConsentRequest } from '@telemed/sdk';
import {
  ACTIONS,
  actionWords,
  categoryNames,
  consentRequest,
  coverFromJson,
  coverOfScope,
  coveredVersions,
  decisionWords,
  describeRequest,
  PAYMENT_LABEL,
  periodWords,
  PURPOSES,
  purposeWords,
  sealPlan,
  type ConsentForm,
} from '../../src/consents.ts';
import { PALLET_MESSAGES } from '../../src/errors.ts';
import { CATEGORIES } from '../../src/fhir.ts';
import { CALL_DESCRIPTIONS } from '../../src/transactions.ts';

const DAY = 86_400_000;
const NOON = Date.UTC(2026, 10, 26, 12);
const TODAY = '2026-11-26';
const TAG_KEY = new Uint8Array(32).fill(7);
/** The runtime's `consent.MaxScopeItems`. */
const MAX = 16;

function form(change: Partial<ConsentForm> = {}): ConsentForm {
  return { decision: 'Permit', actions: ['Read'], coverage: { kind: 'records', records: [3n] }, purposes: ['Treatment'], firstDay: '', lastDay: '', ...change };
}

function request(change: Partial<ConsentForm> = {}): ConsentRequest {
  return consentRequest(form(change), NOON, TAG_KEY, MAX);
}

describe('the request built from the form', () => {
  test('the defaults share records: allow, read, for treatment, from now until revoked', () => {
    assert.deepEqual(request(), { decision: 'Permit', actions: ['Read'], scope: { Records: [3n] }, purposes: ['Treatment'], start: null, end: null });
  });

  test('actions and purposes in the runtime’s order whatever the order ticked; records without repeats', () => {
    const r = request({ actions: ['Amend', 'Read', 'Append'], purposes: ['Research', 'EmergencyTreatment', 'Treatment'], coverage: { kind: 'records', records: [5n, 3n, 5n] } });
    assert.deepEqual(r.actions, ['Read', 'Append', 'Amend']);
    assert.deepEqual(r.purposes, ['Treatment', 'Research', 'EmergencyTreatment']);
    assert.deepEqual(r.scope, { Records: [5n, 3n] }, 'the chain refuses a repeat (consent.Duplicate)');
  });

  test('a deny of all data; categories become the patient’s blinded tags, without repeats', () => {
    assert.deepEqual(request({ decision: 'Deny', coverage: { kind: 'all' }, purposes: ['Research'] }),
      { decision: 'Deny', actions: ['Read'], scope: 'AllData', purposes: ['Research'], start: null, end: null });
    const r = request({ coverage: { kind: 'categories', labels: ['category/allergy', 'category/vital-signs', 'category/allergy'] } });
    assert.deepEqual(r.scope, { Tags: [tagOf(TAG_KEY, 'category/allergy'), tagOf(TAG_KEY, 'category/vital-signs')] });
    const other = consentRequest(form({ coverage: { kind: 'categories', labels: ['category/allergy'] } }), NOON, new Uint8Array(32).fill(8), MAX);
    assert.notDeepEqual(other.scope, { Tags: [tagOf(TAG_KEY, 'category/allergy')] }, 'another patient’s key makes another tag');
  });

  test('records and categories at the scope bound; one past it refused', () => {
    const sixteen = Array.from({ length: MAX }, (_, i) => BigInt(i + 1));
    assert.deepEqual(request({ coverage: { kind: 'records', records: sixteen } }).scope, { Records: sixteen });
    assert.throws(() => request({ coverage: { kind: 'records', records: [...sixteen, 17n] } }), /at most 16 records/);
    assert.equal((request({ coverage: { kind: 'categories', labels: CATEGORIES.map((c) => c.label) } }).scope as { Tags: Uint8Array[] }).Tags.length, CATEGORIES.length);
    assert.throws(() => consentRequest(form({ coverage: { kind: 'categories', labels: ['category/allergy', 'category/bundle'] } }), NOON, TAG_KEY, 1), /at most 1 categories/);
  });

  test('the first day: empty or today is from now; a later day from its midnight (UTC); a day over refused', () => {
    assert.equal(request({ firstDay: '' }).start, null);
    assert.equal(request({ firstDay: TODAY }).start, null, 'today: from now, not from a midnight past');
    assert.equal(request({ firstDay: '2026-11-27' }).start, Date.UTC(2026, 10, 27));
    assert.equal(consentRequest(form({ firstDay: '2026-11-27' }), Date.UTC(2026, 10, 27), TAG_KEY, MAX).start, null, 'at its midnight it starts now');
    assert.equal(consentRequest(form({ firstDay: '2026-11-27' }), Date.UTC(2026, 10, 27) - 1, TAG_KEY, MAX).start, Date.UTC(2026, 10, 27));
    assert.throws(() => request({ firstDay: '2026-11-25' }), /The first day is already over/);
  });

  test('the last day is included: the end is the next midnight; a day over refused; the last before the first refused', () => {
    assert.equal(request({ lastDay: TODAY }).end, Date.UTC(2026, 10, 27), 'today lasts until midnight');
    assert.throws(() => request({ lastDay: '2026-11-25' }), /The last day is already over/);
    assert.throws(() => consentRequest(form({ lastDay: TODAY }), Date.UTC(2026, 10, 27), TAG_KEY, MAX), /already over/, 'at midnight today is over');
    const sameDay = request({ firstDay: '2026-11-28', lastDay: '2026-11-28' });
    assert.deepEqual([sameDay.start, sameDay.end], [Date.UTC(2026, 10, 28), Date.UTC(2026, 10, 29)], 'one day');
    assert.throws(() => request({ firstDay: '2026-11-28', lastDay: '2026-11-27' }), /The last day is before the first day/);
    assert.equal(request({ firstDay: TODAY, lastDay: TODAY }).end, Date.UTC(2026, 10, 27), 'from now to the end of today');
  });

  test('every bad input is refused with a sentence, before anything is sent', () => {
    const refusals: [string, Partial<ConsentForm>, RegExp][] = [
      ['no action', { actions: [] }, /^Choose at least one action: read, append or amend\.$/],
      ['no purpose', { purposes: [] }, /^Choose at least one purpose\.$/],
      ['no record chosen', { coverage: { kind: 'records', records: [] } }, /^Choose at least one record/],
      ['no category chosen', { coverage: { kind: 'categories', labels: [] } }, /^Choose at least one category/],
      ['an unknown category', { coverage: { kind: 'categories', labels: ['category/secrets'] } }, /There is no category category\/secrets/],
      ['a first day that is no day', { firstDay: '2026-02-30' }, /The first day is a day \(YYYY-MM-DD\)/],
      ['a last day that is no day', { lastDay: 'tomorrow' }, /The last day is a day \(YYYY-MM-DD\)/],
      ['the end before the start', { firstDay: '2027-01-02', lastDay: '2027-01-01' }, /before the first day/],
    ];
    for (const [why, change, message] of refusals) {
      assert.throws(() => request(change), (e: unknown) => e instanceof RangeError && message.test(e.message), why);
    }
  });
});

describe('which keys a consent seals', () => {
  const rows = [
    { id: 9n, record: 4n, tag: '0xaa' },
    { id: 6n, record: 6n, tag: '0xbb' },
    { id: 5n, record: 5n, tag: '0xAA' },
  ];

  test('the current versions covered: all data, by tag, by version or stable record id', () => {
    assert.deepEqual(coveredVersions({ kind: 'allData' }, rows), [9n, 6n, 5n]);
    assert.deepEqual(coveredVersions({ kind: 'tags', tags: ['0xaa'] }, rows), [9n, 5n], 'tags compared in lower case');
    assert.deepEqual(coveredVersions({ kind: 'records', records: [9n] }, rows), [9n], 'the form names the current version');
    assert.deepEqual(coveredVersions({ kind: 'records', records: [4n, 6n] }, rows), [9n, 6n], 'the chain names the record by its first version');
    assert.deepEqual(coveredVersions({ kind: 'records', records: [1n] }, rows), []);
  });

  test('a cover from a request and from the runtime’s JSON, either case', () => {
    assert.deepEqual(coverOfScope('AllData'), { kind: 'allData' });
    assert.deepEqual(coverOfScope({ Records: [3n] }), { kind: 'records', records: [3n] });
    assert.deepEqual(coverOfScope({ Tags: [new Uint8Array([0xab, 0xcd])] }), { kind: 'tags', tags: ['0xabcd'] });
    assert.deepEqual(coverFromJson('AllData'), { kind: 'allData' });
    assert.deepEqual(coverFromJson({ allData: null }), { kind: 'allData' });
    assert.deepEqual(coverFromJson({ records: [3, '4'] }), { kind: 'records', records: [3n, 4n] });
    assert.deepEqual(coverFromJson({ tags: ['0xABCD'] }), { kind: 'tags', tags: ['0xabcd'] });
    assert.throws(() => coverFromJson({ everything: null }), /unknown consent scope/);
  });

  test('a permit to read that counts now seals what the grantee lacks, for its first purpose in the runtime’s order', () => {
    const permit = { decision: 'Permit', actions: ['Read'], purposes: ['Research', 'Treatment'], start: null };
    assert.deepEqual(sealPlan(permit, [9n, 6n], [], NOON), { versions: [9n, 6n], purpose: 'Treatment', why: null });
    assert.deepEqual(sealPlan(permit, [9n, 6n], [6n, 2n], NOON).versions, [9n]);
    assert.deepEqual(sealPlan({ ...permit, start: NOON }, [9n], [], NOON).versions, [9n], 'a start at now counts');
    assert.deepEqual(sealPlan({ decision: 'permit', actions: ['append', 'read'], purposes: ['emergencyTreatment', 'payment'], start: NOON - DAY }, [9n], [], NOON),
      { versions: [9n], purpose: 'Payment', why: null }, 'the runtime’s JSON names');
  });

  test('nothing sealed, with the reason: a deny, no read, a later start, no purpose, nothing covered, everything held', () => {
    const permit = { decision: 'Permit', actions: ['Read'], purposes: ['Treatment'], start: null };
    const cases: [string, Parameters<typeof sealPlan>, RegExp][] = [
      ['a deny', [{ ...permit, decision: 'Deny' }, [9n], [], NOON], /A deny seals no key/],
      ['no read', [{ ...permit, actions: ['Append', 'Amend'] }, [9n], [], NOON], /does not allow reading/],
      ['a later start', [{ ...permit, start: NOON + 1 }, [9n], [], NOON], /It starts 2026-11-26 12:00:00 UTC: the record keys can be sealed once it counts/],
      ['no purpose', [{ ...permit, purposes: [] }, [9n], [], NOON], /names no purpose/],
      ['nothing covered', [permit, [], [], NOON], /covers none of your current records yet/],
      ['everything held', [permit, [9n], [9n], NOON], /hold the key of every current record it covers already/],
    ];
    for (const [why, args, reason] of cases) {
      const plan = sealPlan(...args);
      assert.deepEqual([plan.versions, plan.purpose], [[], null], why);
      assert.match(plan.why ?? '', reason, why);
    }
  });
});

describe('a consent in words', () => {
  test('every action and purpose of the runtime has words, shown in its order from either case; an unknown one as it is', () => {
    assert.deepEqual(ACTIONS.map((a) => a.action), ['Read', 'Append', 'Amend'], 'the runtime’s MaxActions is 3');
    assert.deepEqual(PURPOSES.map((p) => p.purpose), ['Treatment', 'Payment', 'Operations', 'Research', 'EmergencyTreatment'], 'MaxPurposes is 5');
    assert.equal(actionWords(['append', 'read']), 'read, append (add new records)');
    assert.equal(actionWords(['Amend']), 'amend (write new versions)');
    assert.equal(actionWords([]), 'nothing');
    assert.equal(purposeWords(['research', 'Treatment']), 'treatment (care), research');
    assert.equal(purposeWords(['emergencyTreatment']), 'emergency treatment');
    assert.equal(purposeWords(['marketing']), 'marketing');
  });

  test('decision and period', () => {
    assert.equal(decisionWords('deny'), 'DENY');
    assert.equal(decisionWords('Deny'), 'DENY');
    assert.equal(decisionWords('permit'), 'allow');
    assert.equal(periodWords(null, null, NOON), 'from now until revoked');
    assert.equal(periodWords(NOON + DAY, null, NOON), 'from 2026-11-27 12:00:00 UTC until revoked');
    assert.equal(periodWords(NOON, NOON + DAY, NOON), 'since 2026-11-26 12:00:00 UTC until 2026-11-27 12:00:00 UTC');
    assert.equal(periodWords(NOON - DAY, NOON, NOON), 'since 2026-11-25 12:00:00 UTC ended 2026-11-26 12:00:00 UTC', 'the end is exclusive');
  });

  test('categories named by the patient’s own key only; the payment tag too', () => {
    const names = categoryNames(TAG_KEY);
    assert.equal(names.size, CATEGORIES.length + 1);
    assert.equal(names.get(toHex(tagOf(TAG_KEY, 'category/vital-signs'))), 'category: vital signs');
    assert.equal(names.get(toHex(tagOf(TAG_KEY, PAYMENT_LABEL))), 'claims only (no record)');
    assert.equal(categoryNames(new Uint8Array(32).fill(8)).get(toHex(tagOf(TAG_KEY, 'category/vital-signs'))), undefined);
  });

  test('the form’s summary: a deny of all data, a permit to read a category from tomorrow', () => {
    const names = categoryNames(TAG_KEY);
    assert.equal(describeRequest(request({ decision: 'Deny', coverage: { kind: 'all' }, purposes: ['Research'] }), names, NOON),
      'DENY: read — all data — for research — from now until revoked.');
    assert.equal(describeRequest(request({ coverage: { kind: 'categories', labels: ['category/vital-signs'] }, firstDay: '2026-11-27', lastDay: '2026-12-31' }), names, NOON),
      'Allow: read — category: vital signs — for treatment (care) — from 2026-11-27 00:00:00 UTC until 2027-01-01 00:00:00 UTC.');
    assert.equal(describeRequest(request({ coverage: { kind: 'records', records: [3n, 5n] }, actions: ['Read', 'Append'] }), names, NOON),
      'Allow: read, append (add new records) — records #3, #5 — for treatment (care) — from now until revoked.');
  });
});

describe('the errors and calls of the consent form have words', () => {
  test('every error grant_consent and add_envelope document has a sentence', () => {
    const errorsOf = (file: string, call: string): string[] => {
      const source = readFileSync(new URL(`../../../pallets/${file}`, import.meta.url), 'utf8');
      const end = source.indexOf(`pub fn ${call}(`);
      const docs = source.slice(source.lastIndexOf('# Errors', end), source.lastIndexOf('# Events', end));
      // The names in backticks that are variants of the pallet's `Error` (not bounds such as `MaxConsentsPerGrantee`).
      const enumStart = source.indexOf('pub enum Error<T> {');
      const variants = new Set([...source.slice(enumStart, source.indexOf('\n\t}', enumStart)).matchAll(/^\s*(\w+),\s*$/gm)].map((m) => m[1]!));
      assert.ok(variants.size > 10, `the Error enum of ${file}`);
      return [...new Set([...docs.matchAll(/`(\w+)`/g)].map((m) => m[1]!))].filter((name) => variants.has(name));
    };
    const grant = errorsOf('consent/src/lib.rs', 'grant_consent');
    assert.ok(grant.includes('TooManyConsentsToGrantee') && grant.includes('EndBeforeStart'), grant.join());
    for (const name of grant) assert.ok(PALLET_MESSAGES[`consent.${name}`], `consent.${name}`);
    const seal = errorsOf('records/src/lib.rs', 'add_envelope');
    assert.ok(seal.includes('NoKeyAgreementKey'), seal.join());
    for (const name of seal) assert.ok(PALLET_MESSAGES[`records.${name}`], `records.${name}`);
  });

  test('the calls it sends are described; a grant says what a deny does', () => {
    for (const call of ['consent.grantConsent', 'records.addEnvelope', 'consent.revokeConsent']) assert.ok(CALL_DESCRIPTIONS[call], call);
    assert.match(CALL_DESCRIPTIONS['consent.grantConsent']!, /deny/);
  });
});
