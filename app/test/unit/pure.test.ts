// The app's pure parts: configuration, amounts, FHIR resources, the runtime's JSON in words,
// and every error in plain words.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DispatchError, DispenseTokenError, GatewayError, MismatchError, TransactionError } from '@telemed/sdk';
import { configFrom, DEFAULT_GATEWAY, DEFAULT_NODE } from '../../src/config.ts';
import { DISPENSE_PROBLEMS, explain, PALLET_MESSAGES } from '../../src/errors.ts';
import { describePrescription, fromFile, MAX_PRESCRIPTION_BYTES, medicationRequest, observation, summarise, VITAL_SIGNS } from '../../src/fhir.ts';
import { formatMed, fromBase64Url, shortAddress, toBase64Url } from '../../src/format.ts';
import { describeBasis, describeData, describeLicence, describeScope, variant } from '../../src/queries.ts';

describe('configuration', () => {
  test('query first, then the build’s environment, then the defaults', () => {
    assert.deepEqual(configFrom(''), { node: DEFAULT_NODE, gateway: DEFAULT_GATEWAY });
    assert.deepEqual(configFrom('', { VITE_TELEMED_NODE: 'wss://n.example', VITE_TELEMED_GATEWAY: 'https://g.example/' }),
      { node: 'wss://n.example', gateway: 'https://g.example' });
    assert.deepEqual(configFrom('?node=ws://127.0.0.1:1234&gateway=/gw/', { VITE_TELEMED_NODE: 'wss://n.example' }),
      { node: 'ws://127.0.0.1:1234', gateway: '/gw' });
  });

  test('a node URL that is not a WebSocket is refused', () => {
    assert.throws(() => configFrom('?node=http://127.0.0.1:9944'), /ws:\/\//);
  });
});

describe('amounts', () => {
  test('MED with 12 decimals; a small fee keeps its first significant digit', () => {
    assert.equal(formatMed(0n), '0 MED');
    assert.equal(formatMed(1_000_000_000_000n), '1 MED');
    assert.equal(formatMed(1_234_567_000_000_000n), '1 234.567 MED');
    assert.equal(formatMed(7_718_000_000n), '0.0077 MED');
    assert.equal(formatMed(12_000n), '0.00000001 MED');
    assert.equal(formatMed(1n), '0.000000000001 MED');
    assert.equal(formatMed(-500_000_000_000n), '-0.5 MED');
  });

  test('addresses are shortened for tables only when long', () => {
    assert.equal(shortAddress('5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY'), '5GrwvaEF…utQY');
    assert.equal(shortAddress('short'), 'short');
  });
});

describe('FHIR resources', () => {
  test('an Observation of a vital sign, with its LOINC code and unit, tagged as a vital sign', () => {
    const p = observation('heart-rate', 64, new Date('2026-11-26T10:00:00Z'));
    const r = JSON.parse(new TextDecoder().decode(p.bytes));
    assert.equal(r.resourceType, 'Observation');
    assert.equal(r.code.coding[0].code, '8867-4');
    assert.deepEqual(r.valueQuantity, { value: 64, unit: '/min', system: 'http://unitsofmeasure.org', code: '/min' });
    assert.equal(r.effectiveDateTime, '2026-11-26T10:00:00.000Z');
    assert.equal(p.label, 'category/vital-signs');
    assert.equal(summarise(r), 'Observation — Heart rate: 64 /min');
  });

  test('values at the bounds pass, one past them and nonsense are refused', () => {
    const { min, max } = VITAL_SIGNS['oxygen-saturation'];
    observation('oxygen-saturation', min, new Date());
    observation('oxygen-saturation', max, new Date());
    assert.throws(() => observation('oxygen-saturation', max + 1, new Date()), RangeError);
    assert.throws(() => observation('oxygen-saturation', min - 1, new Date()), RangeError);
    assert.throws(() => observation('heart-rate', Number.NaN, new Date()), RangeError);
    assert.throws(() => observation('heart-rate', 60, new Date('nope')), RangeError);
  });

  test('a file must be a JSON object naming its resourceType; the category follows the type', () => {
    assert.equal(fromFile('{"resourceType":"AllergyIntolerance","code":{"text":"x"}}').label, 'category/allergy');
    assert.equal(fromFile('{"resourceType":"MedicationStatement"}').label, 'category/medication');
    assert.equal(fromFile('{"resourceType":"Patient"}').label, 'category/other');
    assert.throws(() => fromFile('not json'), SyntaxError);
    assert.throws(() => fromFile('[1]'), TypeError);
    assert.throws(() => fromFile('{"resourceType":"lowercase"}'), TypeError);
    assert.throws(() => fromFile('{"id":"x"}'), TypeError);
  });
});

describe('the runtime’s JSON in words', () => {
  test('enums as @polkadot/api gives them', () => {
    assert.deepEqual(variant('InForce'), ['inForce', null]);
    assert.deepEqual(variant({ records: [1, 2] }), ['records', [1, 2]]);
    assert.deepEqual(variant({ AllData: null }), ['allData', null]);
  });

  test('scopes, disclosed data and bases; an emergency is flagged', () => {
    assert.equal(describeScope({ records: [3, 4] }), 'records #3, #4');
    assert.equal(describeScope({ allData: null }), 'all data');
    assert.equal(describeScope('AllData'), 'all data');
    assert.equal(describeScope({ tags: ['0x00'] }), '1 category');
    assert.equal(describeData({ record: 7 }), 'record #7');
    assert.equal(describeData('allData'), 'all data');
    assert.deepEqual(describeBasis({ consent: 2 }), { text: 'consent #2', emergency: false });
    assert.deepEqual(describeBasis({ emergency: 5 }), { text: 'EMERGENCY (break-glass #5)', emergency: true });
    assert.deepEqual(describeBasis('Patient'), { text: 'the patient', emergency: false });
  });

  test('licence status', () => {
    const base = { registered: true, licensed: true, emergencyAccess: true, validLicences: 1, keyAgreementKey: null };
    assert.equal(describeLicence(base), 'licensed (1 valid licence, emergency care)');
    assert.equal(describeLicence({ ...base, licensed: false }), 'registered practitioner, NO valid licence');
    assert.equal(describeLicence({ ...base, registered: false }), 'not a registered practitioner');
  });
});

describe('errors in plain words', () => {
  test('a known pallet error gets its sentence and its code', () => {
    const e = new DispatchError('records', 'NoConsent', 'records.accessRecord', 'No consent of the patient covers this action');
    assert.equal(explain(e), `${PALLET_MESSAGES['records.NoConsent']} (records.NoConsent)`);
  });

  test('any other pallet error shows the chain’s own documentation', () => {
    assert.equal(PALLET_MESSAGES['billing.DescriptionTooLong'], undefined, 'an error with no sentence of its own');
    const e = new DispatchError('billing', 'DescriptionTooLong', 'billing.setService', 'the description is too long');
    assert.equal(explain(e), 'The description is too long. (billing.DescriptionTooLong)');
    assert.equal(explain(new DispatchError('', 'Token.FundsUnavailable', 'x.y')), 'The chain refused x.y. (Token.FundsUnavailable)');
  });

  test('every code is pallet.ErrorName and its text one sentence', () => {
    for (const [code, text] of Object.entries(PALLET_MESSAGES)) {
      assert.match(code, /^[a-z]+\.[A-Z][A-Za-z]+$/);
      assert.match(text, /^[A-Z].*[.]$/);
    }
  });

  test('declined, refused by the pool, gateway refusals, tampered content', () => {
    assert.equal(explain(new TransactionError('records.addRecord', 'Cancelled by the user')), 'You declined to sign records.addRecord.');
    assert.equal(explain(new TransactionError('records.addRecord', 'Invalid')), 'The transaction was not included: Invalid.');
    assert.match(explain(new GatewayError(403, 'forbidden', 'no')), /may not read this record now.*\(gateway: forbidden\)/);
    assert.match(explain(new GatewayError(500, 'weird', 'no')), /refused \(500\)/);
    assert.match(explain(new MismatchError('content', 'changed')), /not the one anchored/);
  });
  test('a dispense code refused before anything is sent says why', () => {
    assert.match(explain(new DispenseTokenError('ContentMismatch')), /not what was prescribed.*\(ContentMismatch\)/);
    assert.match(explain(new DispenseTokenError('FillAlreadyMade')), /dispensed already/);
    for (const problem of ['OtherChain', 'UnknownPrescription', 'ContentMismatch', 'FillAlreadyMade', 'NotTheNextFill', 'WrongSecret', 'TooEarly',
      'Expired', 'PrescriberNotLicensed', 'PrescriberRevoked'] as const) {
      assert.ok(DISPENSE_PROBLEMS[problem], problem);
    }
  });
});

describe('prescriptions', () => {
  test('a MedicationRequest from the form, described in one line', () => {
    const p = medicationRequest('  Example tablet 10 mg ', 'one a day', 30);
    assert.equal(p.resource.resourceType, 'MedicationRequest');
    assert.deepEqual(p.resource.medication, { concept: { text: 'Example tablet 10 mg' } });
    assert.equal(p.summary, 'Example tablet 10 mg — one a day — 30 per fill');
    assert.equal(describePrescription(JSON.parse(new TextDecoder().decode(p.bytes))), p.summary);
    assert.equal(describePrescription({ resourceType: 'Observation', code: { text: 'x' } }), 'Observation — x');
  });

  test('empty fields, a bad quantity and content past 2,048 bytes are refused', () => {
    assert.throws(() => medicationRequest(' ', 'one a day', 1), /name the medication/);
    assert.throws(() => medicationRequest('x', '', 1), /dosage/);
    for (const q of [0, 1.5, 10_001, Number.NaN]) assert.throws(() => medicationRequest('x', 'y', q), /quantity/);
    assert.equal(medicationRequest('x', 'y', 10_000).resource.resourceType, 'MedicationRequest');
    // At the bound and one byte past it.
    const room = MAX_PRESCRIPTION_BYTES - medicationRequest('x', 'y', 1).bytes.length;
    assert.equal(medicationRequest('x'.repeat(1 + room), 'y', 1).bytes.length, MAX_PRESCRIPTION_BYTES);
    assert.throws(() => medicationRequest('x'.repeat(2 + room), 'y', 1), /at most 2048 bytes/);
  });

  test('a dispense code is base64url both ways; other characters are refused', () => {
    for (const length of [0, 1, 2, 3, 4, 255, 2157]) {
      const bytes = Uint8Array.from({ length }, (_, i) => (i * 37 + length) & 0xff);
      const text = toBase64Url(bytes);
      assert.match(text, /^[A-Za-z0-9_-]*$/);
      assert.deepEqual(fromBase64Url(text), bytes);
      assert.deepEqual(fromBase64Url(` ${text.slice(0, 5)}\n${text.slice(5)} `), bytes, 'whitespace is ignored');
    }
    assert.throws(() => fromBase64Url('abc+'), SyntaxError);
    assert.throws(() => fromBase64Url('a'), SyntaxError);
  });
});

describe('visit actions in words', () => {
  test('cancelling says who gets what, by side and stage; a dispute names its bond', async () => {
    const { cancelWarning, DISPUTE_BOND, DISPUTE_WARNING } = await import('../../src/visits.ts');
    assert.match(cancelWarning('practitioner', 'Accepted'), /refunded in full/);
    assert.match(cancelWarning('patient', 'Requested'), /not accepted it yet: you are refunded in full/);
    assert.match(cancelWarning('patient', 'Accepted'), /half the price goes to the practitioner/);
    assert.equal(DISPUTE_BOND, 10n ** 12n, '1 MED, the runtime\'s DisputeBond');
    assert.match(DISPUTE_WARNING, /1 MED is held from you as a bond/);
  });
});
