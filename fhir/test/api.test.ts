// The HTTP API on a fake chain: every route, every refusal, and every response validated
// against FHIR R4 (test/validate.ts: the official JSON schema and the R4 invariants).

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { get as httpsGet } from 'node:https';
import { connect } from 'node:net';
import { join } from 'node:path';
import { after, afterEach, before, beforeEach, describe, test } from 'node:test';
import { BlobNotFoundError, DispatchError, GatewayError, MismatchError, OutcomeUnknownError, TransactionError } from '@telemed/sdk';
import { RECORD_TYPES, SUPPORTED } from '../src/capability.ts';
import { sendOptionsUntil } from '../src/chain.ts';
import { mapLimit } from '../src/concurrency.ts';
import { WriteKeys } from '../src/idempotency.ts';
import { ConfigError, DEFAULTS, loadConfig } from '../src/config.ts';
import { palletErrorIssue, toFhirError } from '../src/outcome.ts';
import { narrativeProblems } from '../src/narrative.ts';
import { medDecimal } from '../src/resources.ts';
import { signRequest } from '../src/auth.ts';
import { call, carer, doctor, FakeChain, fakeApi, genesisHash, insurer, linkCheck, other, patient, T0, tag, version } from './fakes.ts';
import type { DisclosureInfo } from '../src/model.ts';
import { assertValid, problems } from './validate.ts';
import type { FhirApi } from '../src/server.ts';

let chain: FakeChain;
let api: FhirApi;
let lines: string[];

function seed(c: FakeChain): void {
  c.consentList = [
    {
      id: 1n, patient: patient.address, grantee: doctor.address, granteeKind: 'Practitioner', decision: 'Permit',
      actions: ['Read', 'Append'], scope: { tags: [tag] }, purposes: ['Treatment'], start: T0, end: T0 + 86_400_000 * 365,
      status: 'Active', grantedBy: patient.address, grantedAt: T0, standing: 'InForce',
    },
    {
      id: 2n, patient: patient.address, grantee: other.address, granteeKind: 'Organisation', decision: 'Deny',
      actions: ['Read'], scope: { records: [1n] }, purposes: ['Research', 'Operations'], start: T0, end: null,
      status: 'Revoked', grantedBy: carer.address, grantedAt: T0 + 5, standing: 'Revoked',
    },
  ];
  c.disclosureList = [
    { seq: 0n, patient: patient.address, accessor: doctor.address, data: { tag }, action: 'Append', purpose: 'Treatment', basis: { consent: 1n }, at: T0 + 10 },
    { seq: 1n, patient: patient.address, accessor: doctor.address, data: { record: 2n }, action: 'Read', purpose: 'Treatment', basis: { consent: 1n }, at: T0 + 20 },
    { seq: 2n, patient: patient.address, accessor: carer.address, data: 'AllData', action: 'Read', purpose: 'EmergencyTreatment', basis: { emergency: 4n }, at: T0 + 30 },
    { seq: 3n, patient: patient.address, accessor: patient.address, data: 'Relationship', action: 'Read', purpose: 'Payment', basis: 'Patient', at: T0 + 40 },
  ];
  c.profiles.set(doctor.address, { account: doctor.address, displayName: 'Dr Test Example', roles: ['Physician'], specialties: ['394814009'], registeredAt: T0 });
  c.licenceList = [
    { id: 0n, holder: doctor.address, authority: carer.address, jurisdiction: 'FR', role: 'Physician', specialty: '394814009', validFrom: T0, expiresAt: T0 + 10 * 365 * 86_400_000, status: 'Active', emergencyCare: true, issuedAt: T0, standing: 'Valid' },
    { id: 3n, holder: doctor.address, authority: carer.address, jurisdiction: 'GB-ENG', role: 'Nurse', specialty: null, validFrom: T0, expiresAt: T0 + 1000, status: 'Active', emergencyCare: false, issuedAt: T0, standing: 'Expired' },
  ];
  c.versions = [
    version(1n, { supersededBy: 2n }),
    version(2n, { record: 1n, version: 2, supersedes: 1n, kind: 'Amendment' }),
    version(3n, { author: patient.address, tag: new Uint8Array(32).fill(0xcd) }),
  ];
  c.readable.set(doctor.address, new Set([1n, 2n]));
  const claim = {
    consultation: 7n, patient: patient.address, practitioner: doctor.address, insurer: insurer.address, policy: 2n,
    service: '99213', amount: 12_500_000_000_000n, deliveredAt: T0 + 3_600_000, createdAt: T0 + 7_200_000,
  };
  c.claimList = [
    { ...claim, id: 0n, status: 'Approved', deadline: null, check: null },
    { ...claim, id: 1n, consultation: 8n, amount: 1n, status: 'Pending', deadline: T0 + 30 * 86_400_000, check: null },
    { ...claim, id: 2n, consultation: 9n, status: 'Rejected', deadline: null, check: 'PolicyNotInForce', deliveredAt: null },
    { ...claim, id: 3n, consultation: 10n, status: 'Denied', deadline: null, check: null, insurer: other.address },
  ];
}

before(async () => {
  chain = new FakeChain();
  ({ api, lines } = await fakeApi(chain));
  // Every Location and fullUrl an answer gives is resolved at once (review F8; test/fakes.ts).
  linkCheck.on = true;
});
after(async () => api.close());
afterEach(() => {
  assert.deepEqual(linkCheck.failures.splice(0), [], 'a Location or fullUrl the facade gave does not resolve');
});
beforeEach(() => {
  chain.consentList = []; chain.disclosureList = []; chain.profiles.clear(); chain.licenceList = []; chain.versions = [];
  chain.readable.clear(); chain.claimList = []; chain.writes = []; chain.writeError = undefined; chain.grant = undefined; chain.submitted = []; chain.emergencies.clear();
  chain.writeGate = undefined; chain.writesStarted = 0; chain.lastLimits = undefined; chain.atBestError = undefined;
  chain.stored.clear(); chain.readError = undefined; chain.envelopes.clear(); chain.readsSubmitted = 0;
  chain.logged = []; chain.logError = undefined; chain.logGate = undefined;
  chain.recordsGate = undefined; chain.canReadAsked = []; chain.canReadDelayMs = 0; chain.canReadMaxInFlight = 0;
  chain.blocks.clear(); chain.atAsked = [];
  chain.delegations = new Map([[carer.address, { scopes: ['ManageConsents', 'ViewDisclosureLog', 'AccessRecords'], until: null, since: T0 }]]);
  seed(chain);
});

/** Asserts a FHIR refusal: the status, a valid OperationOutcome with the issue code (and reason). */
function refused(r: { status: number; json: Record<string, any> }, status: number, code: string, reason?: string): void {
  assert.equal(r.status, status, JSON.stringify(r.json));
  assert.equal(r.json.resourceType, 'OperationOutcome');
  assert.equal(r.json.issue[0].code, code);
  if (reason !== undefined) assert.equal(r.json.issue[0].details.coding[0].code, reason);
  assertValid(r.json);
}

const entries = (bundle: Record<string, any>): Record<string, any>[] => (bundle.entry ?? []).map((e: any) => e.resource);

describe('validation', () => {
  test('the validator refuses what is not R4 (so a pass means something)', () => {
    assert.notDeepEqual(problems({ resourceType: 'Consent', status: 'granted' }), []);
    assert.notDeepEqual(problems({ resourceType: 'Bundle', type: 'searchset', entry: [{ resource: { resourceType: 'AuditEvent' } }] }), []);
    assert.notDeepEqual(problems({ resourceType: 'Consent', status: 'active', scope: {}, category: [{ text: 'x' }] }), []); // ppc-1
    assert.notDeepEqual(problems({ resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'nope' }] }), []);
  });
});

describe('GET /metadata', () => {
  test('a valid CapabilityStatement listing exactly the routes served, without a signature', async () => {
    const r = await call(api.url, null, 'GET', '/metadata');
    assert.equal(r.status, 200);
    assertValid(r.json);
    assert.equal(r.json.fhirVersion, '4.0.1');
    const listed = Object.fromEntries(r.json.rest[0].resource.map((x: any) => [x.type, x.interaction.map((i: any) => i.code).sort()]));
    const expected: Record<string, string[]> = Object.fromEntries(Object.entries(SUPPORTED).map(([t, s]) => [t, [...s.interactions].sort()]));
    for (const t of RECORD_TYPES) expected[t] = ['create', 'read', 'vread'];
    assert.deepEqual(listed, expected);
    assert.deepEqual(r.json.rest[0].interaction.map((i: any) => i.code), ['batch']);
    // `_at` (review F10) is a parameter of every search type.
    for (const x of r.json.rest[0].resource.filter((x: any) => x.interaction.some((i: any) => i.code === 'search-type'))) {
      assert.ok(x.searchParam.some((p: any) => p.name === '_at' && /410/.test(p.documentation)), x.type);
    }
  });
});

describe('signed requests', () => {
  test('missing, malformed, stale, forged, replayed, for another chain or another facade: 401 OperationOutcome', async () => {
    const path = `/Consent?patient=${patient.address}`;
    refused(await call(api.url, null, 'GET', path), 401, 'login', 'missing_auth');
    // Signed for another facade (another clinic's base URL): not replayable here.
    refused(await call(api.url, patient, 'GET', path, undefined, { audience: 'https://fhir.other-clinic.example' }), 401, 'login', 'bad_signature');
    // The base URL with a trailing slash is the same audience.
    assert.equal((await call(api.url, patient, 'GET', path, undefined, { audience: `${api.url}/` })).status, 200);
    refused(await call(api.url, patient, 'GET', path, undefined, { timestamp: Date.now() - 60_001 }), 401, 'login', 'stale_timestamp');
    refused(await call(api.url, patient, 'GET', path, undefined, { timestamp: Date.now() + 120_000 }), 401, 'login', 'stale_timestamp');
    refused(await call(api.url, patient, 'GET', path, undefined, { genesis: new Uint8Array(32) }), 401, 'login', 'bad_signature');
    // Signed for one path, sent to another.
    const { signRequest } = await import('../src/auth.ts');
    const headers = signRequest(patient, chain.genesisHash, api.url, 'GET', `/Consent?patient=${other.address}`);
    let res = await fetch(`${api.url}${path}`, { headers });
    refused({ status: res.status, json: await res.json() as any }, 401, 'login', 'bad_signature');
    // Replayed: the same headers twice.
    const good = signRequest(patient, chain.genesisHash, api.url, 'GET', path);
    assert.equal((await fetch(`${api.url}${path}`, { headers: good })).status, 200);
    res = await fetch(`${api.url}${path}`, { headers: good });
    refused({ status: res.status, json: await res.json() as any }, 401, 'login', 'replayed');
    res = await fetch(`${api.url}${path}`, { headers: { ...good, 'x-telemed-nonce': '0x12' } });
    refused({ status: res.status, json: await res.json() as any }, 401, 'login', 'bad_auth');
  });
});

describe('Consent search', () => {
  test('the patient sees every consent: status, decision, actor, action, purpose, period, provisions', async () => {
    const r = await call(api.url, patient, 'GET', `/Consent?patient=Patient/${patient.address}`);
    assert.equal(r.status, 200);
    assertValid(r.json);
    assert.equal(r.json.type, 'searchset');
    assert.equal(r.json.total, 2);
    const [permit, deny] = entries(r.json);
    assert.equal(permit!.id, '1');
    assert.equal(permit!.status, 'active');
    assert.equal(permit!.provision.type, 'permit');
    assert.deepEqual(permit!.provision.actor[0].reference, { reference: `Practitioner/${doctor.address}` });
    assert.deepEqual(permit!.provision.action.map((a: any) => a.coding[0].code), ['access', 'collect']);
    assert.deepEqual(permit!.provision.purpose.map((p: any) => p.code), ['TREAT']);
    assert.equal(permit!.provision.period.start, new Date(T0).toISOString());
    assert.equal(permit!.provision.extension[0].valueString, `0x${'ab'.repeat(32)}`);
    assert.equal(deny!.status, 'inactive');
    assert.equal(deny!.provision.type, 'deny');
    assert.deepEqual(deny!.provision.data, [{ meaning: 'instance', reference: { reference: 'DocumentReference/1' } }]);
    assert.equal(deny!.provision.period.end, undefined);
    assert.equal(deny!.performer[0].identifier.value, carer.address);
    assert.deepEqual(deny!.provision.purpose.map((p: any) => p.code), ['HRESCH', 'HOPERAT']);
  });

  test('a delegate managing consents sees all, a grantee only its own, a stranger 403', async () => {
    assert.equal((await call(api.url, carer, 'GET', `/Consent?patient=${patient.address}`)).json.total, 2);
    const own = await call(api.url, doctor, 'GET', `/Consent?patient=${patient.address}`);
    assertValid(own.json);
    assert.deepEqual(entries(own.json).map((c) => c.id), ['1']);
    chain.consentList = chain.consentList.filter((c) => c.grantee !== other.address);
    refused(await call(api.url, other, 'GET', `/Consent?patient=${patient.address}`), 403, 'forbidden', 'forbidden');
    // A delegate whose appointment ended is a stranger.
    chain.delegations.set(carer.address, { scopes: ['ManageConsents'], until: chain.now, since: T0 });
    refused(await call(api.url, carer, 'GET', `/Consent?patient=${patient.address}`), 403, 'forbidden');
    chain.delegations.set(carer.address, { scopes: ['ManageConsents', 'ViewDisclosureLog', 'AccessRecords'], until: null, since: T0 });
  });

  test('_count pages with self, first, next, previous and last links; bad parameters are 400', async () => {
    const first = await call(api.url, patient, 'GET', `/Consent?patient=${patient.address}&_count=1`);
    assertValid(first.json);
    assert.deepEqual(entries(first.json).map((c) => c.id), ['1']);
    const links = Object.fromEntries(first.json.link.map((l: any) => [l.relation, l.url]));
    assert.ok(links.next.endsWith('_count=1&_offset=1'));
    assert.equal(links.previous, undefined);
    const next = new URL(links.next);
    const second = await call(api.url, patient, 'GET', `${next.pathname}${next.search}`);
    assertValid(second.json);
    assert.deepEqual(entries(second.json).map((c) => c.id), ['2']);
    const links2 = Object.fromEntries(second.json.link.map((l: any) => [l.relation, l.url]));
    assert.equal(links2.next, undefined);
    assert.ok(links2.previous.endsWith('_offset=0'));
    const beyond = await call(api.url, patient, 'GET', `/Consent?patient=${patient.address}&_offset=5`);
    assertValid(beyond.json);
    assert.equal(beyond.json.entry, undefined);
    refused(await call(api.url, patient, 'GET', `/Consent?patient=${patient.address}&_count=-1`), 400, 'value');
    refused(await call(api.url, patient, 'GET', `/Consent?patient=${patient.address}&_count=1.5`), 400, 'value');
    refused(await call(api.url, patient, 'GET', `/Consent?patient=${patient.address}&_offset=-1`), 400, 'value');
    refused(await call(api.url, patient, 'GET', '/Consent'), 400, 'required');
    refused(await call(api.url, patient, 'GET', '/Consent?patient=nobody'), 400, 'value');
    refused(await call(api.url, patient, 'GET', `/Consent?patient=${patient.address}&status=active`), 400, 'not-supported');
    // JSON only: _format=json (or its MIME types) is served, XML is refused rather than ignored.
    for (const format of ['json', 'application/fhir+json', 'application/json']) {
      assert.equal((await call(api.url, patient, 'GET', `/Consent?patient=${patient.address}&_format=${encodeURIComponent(format)}`)).status, 200, format);
    }
    refused(await call(api.url, patient, 'GET', `/Consent?patient=${patient.address}&_format=xml`), 406, 'not-supported', 'format_unsupported');
  });
});

describe('AuditEvent search', () => {
  test('the patient sees the whole log: who, when, purpose, basis, emergency flagged', async () => {
    const r = await call(api.url, patient, 'GET', `/AuditEvent?patient=${patient.address}`);
    assert.equal(r.status, 200);
    assertValid(r.json);
    const events = entries(r.json);
    assert.equal(events.length, 4);
    const [added, read, emergency, own] = events;
    assert.equal(added!.action, 'C');
    assert.equal(added!.agent[0].who.identifier.value, doctor.address);
    assert.deepEqual(added!.agent[0].policy, ['urn:telemed:basis:consent:1']);
    assert.equal(read!.action, 'R');
    assert.equal(read!.recorded, new Date(T0 + 20).toISOString());
    assert.deepEqual(read!.entity[1].what, { reference: 'DocumentReference/2' });
    assert.equal(read!.purposeOfEvent[0].coding[0].code, 'TREAT');
    assert.equal(emergency!.meta.security[0].code, 'BTG');
    assert.equal(emergency!.purposeOfEvent[0].coding[0].code, 'ETREAT');
    assert.deepEqual(emergency!.agent[0].policy, ['urn:telemed:basis:emergency:4']);
    assert.deepEqual(own!.agent[0].policy, ['urn:telemed:basis:patient']);
    assert.equal(own!.meta, undefined);
  });

  test('a practitioner sees only its own accesses; a stranger is 403', async () => {
    const r = await call(api.url, doctor, 'GET', `/AuditEvent?patient=${patient.address}`);
    assertValid(r.json);
    assert.deepEqual(entries(r.json).map((e) => e.agent[0].who.identifier.value), [doctor.address, doctor.address]);
    refused(await call(api.url, other, 'GET', `/AuditEvent?patient=${patient.address}`), 403, 'forbidden');
  });
});

describe('Practitioner and PractitionerRole', () => {
  test('profile and licences: status, period, jurisdiction, specialty codes', async () => {
    const p = await call(api.url, other, 'GET', `/Practitioner/${doctor.address}`);
    assert.equal(p.status, 200);
    assertValid(p.json);
    assert.equal(p.json.active, true);
    assert.equal(p.json.name[0].text, 'Dr Test Example');
    assert.equal(p.json.qualification.length, 2);
    const roles = await call(api.url, other, 'GET', `/PractitionerRole?practitioner=Practitioner/${doctor.address}`);
    assertValid(roles.json);
    const [valid, expired] = entries(roles.json);
    assert.equal(valid!.active, true);
    assert.equal(valid!.code[0].coding[0].code, 'doctor');
    assert.deepEqual(valid!.specialty.map((s: any) => s.coding[0].code), ['394814009']);
    assert.equal(valid!.extension[0].valueCodeableConcept.coding[0].code, 'FR');
    assert.equal(valid!.extension[1].valueBoolean, true);
    assert.equal(expired!.active, false);
    assert.equal(expired!.extension[2].valueCode, 'Expired');
    assert.equal(expired!.period.end, new Date(T0 + 1000).toISOString());
    refused(await call(api.url, other, 'GET', `/Practitioner/${patient.address}`), 404, 'not-found');
    refused(await call(api.url, other, 'GET', '/Practitioner/x'), 404, 'not-found');
    const none = await call(api.url, other, 'GET', `/PractitionerRole?practitioner=${patient.address}`);
    assertValid(none.json);
    assert.equal(none.json.total, 0);
  });
});

describe('DocumentReference search', () => {
  test('the patient sees every version with its chain as relatesTo and the attachment at the gateway', async () => {
    const r = await call(api.url, patient, 'GET', `/DocumentReference?patient=${patient.address}`);
    assertValid(r.json);
    const [v1, v2, v3] = entries(r.json);
    assert.equal(v1!.status, 'superseded');
    assert.equal(v2!.status, 'current');
    assert.deepEqual(v2!.relatesTo, [{ code: 'replaces', target: { reference: 'DocumentReference/1' } }]);
    assert.equal(v2!.content[0].attachment.url, 'http://gateway.test/records/2/blob');
    assert.equal(v2!.content[0].attachment.size, 1024);
    assert.deepEqual(v2!.author, [{ reference: `Practitioner/${doctor.address}` }]);
    assert.deepEqual(v3!.author, [{ reference: `Patient/${patient.address}` }]);
  });

  test('a grantee sees what it may read now; a stranger is 403; break-glass opens all', async () => {
    const r = await call(api.url, doctor, 'GET', `/DocumentReference?patient=${patient.address}`);
    assertValid(r.json);
    assert.deepEqual(entries(r.json).map((d) => d.id), ['1', '2']);
    // A stranger is refused before the patient's versions are listed (they cost a query each).
    const listings = chain.recordListings;
    refused(await call(api.url, other, 'GET', `/DocumentReference?patient=${patient.address}`), 403, 'forbidden');
    assert.equal(chain.recordListings, listings);
    chain.emergencies.add(other.address);
    const glass = await call(api.url, other, 'GET', `/DocumentReference?patient=${patient.address}`);
    assertValid(glass.json);
    assert.equal(glass.json.total, 3);
    // A grantee of an in-force permit with nothing readable yet gets an empty set, not a 403.
    chain.readable.clear();
    const empty = await call(api.url, doctor, 'GET', `/DocumentReference?patient=${patient.address}`);
    assert.equal(empty.status, 200);
    assert.equal(empty.json.total, 0);
  });
});

describe('Claim and ClaimResponse search', () => {
  test('from billing: the patient sees all, the practitioner and the insurer theirs, a stranger 403', async () => {
    const claims = await call(api.url, patient, 'GET', `/Claim?patient=${patient.address}`);
    assert.equal(claims.status, 200);
    assertValid(claims.json);
    const [approved, pending, rejected] = entries(claims.json);
    assert.equal(approved!.provider.reference, `Practitioner/${doctor.address}`);
    assert.equal(approved!.insurer.identifier.value, insurer.address);
    assert.equal(approved!.item[0].productOrService.coding[0].code, '99213');
    assert.equal(approved!.total.value, 12.5);
    assert.equal(pending!.total.value, 0.000000000001);
    assert.equal(rejected!.item[0].servicedDate, undefined);
    const responses = await call(api.url, patient, 'GET', `/ClaimResponse?patient=${patient.address}`);
    assertValid(responses.json);
    assert.deepEqual(entries(responses.json).map((r) => r.outcome), ['complete', 'queued', 'error', 'complete']);
    const [paid, queued, error, denied] = entries(responses.json);
    assert.equal(paid!.payment.amount.value, 12.5);
    assert.equal(paid!.request.reference, 'Claim/0');
    assert.match(queued!.disposition, /^pending/);
    assert.equal(error!.error[0].code.coding[0].code, 'PolicyNotInForce');
    assert.equal(denied!.disposition, 'denied by the insurer');
    assert.equal(denied!.payment, undefined);
    const theirs = await call(api.url, insurer, 'GET', `/ClaimResponse?patient=${patient.address}`);
    assertValid(theirs.json);
    assert.deepEqual(entries(theirs.json).map((r) => r.id), ['0', '1', '2']);
    assert.equal((await call(api.url, doctor, 'GET', `/Claim?patient=${patient.address}`)).json.total, 4);
    refused(await call(api.url, carer, 'GET', `/Claim?patient=${patient.address}`), 403, 'forbidden');
    chain.delegations.set(carer.address, { scopes: ['BookCare'], until: null, since: T0 });
    assert.equal((await call(api.url, carer, 'GET', `/Claim?patient=${patient.address}`)).json.total, 4);
    chain.delegations.set(carer.address, { scopes: ['ManageConsents', 'ViewDisclosureLog', 'AccessRecords'], until: null, since: T0 });
  });
});

const observation = {
  resourceType: 'Observation',
  status: 'final',
  code: { coding: [{ system: 'http://loinc.org', code: '8867-4', display: 'Heart rate' }] },
  subject: { reference: `Patient/${patient.address}` },
  valueQuantity: { value: 61, unit: 'beats/minute', system: 'http://unitsofmeasure.org', code: '/min' },
};

/**
 * The patient's Consent to `other` as an EHR posts it: access for treatment, carrying the signed
 * grant (`0x1234` in the fake chain); `provision` adds to the provision. A fresh object each call.
 */
function signedConsent(provision: Record<string, unknown> = {}) {
  return {
    resourceType: 'Consent',
    extension: [{ url: 'urn:telemed:fhir:signed-extrinsic', valueString: '0x1234' }],
    status: 'active',
    scope: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/consentscope', code: 'patient-privacy' }] },
    category: [{ coding: [{ system: 'http://loinc.org', code: '59284-0' }] }],
    patient: { reference: `Patient/${patient.address}` },
    policyRule: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'OPTIN' }] },
    provision: {
      ...provision,
      actor: [{ role: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ParticipationType', code: 'IRCP' }] }, reference: { reference: `Practitioner/${other.address}` } }],
      action: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/consentaction', code: 'access' }] }],
      purpose: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ActReason', code: 'TREAT' }],
    },
  };
}

describe('writes', () => {
  test('POST Observation by a held practitioner: anchored under the consent\'s tag, sealed to the patient, 201 with the id', async () => {
    const r = await call(api.url, doctor, 'POST', '/Observation', observation);
    assert.equal(r.status, 201, JSON.stringify(r.json));
    assertValid(r.json);
    assert.equal(r.json.id, '101');
    assert.ok(r.headers.get('location')!.endsWith('/Observation/101/_history/1'));
    assert.equal(chain.writes.length, 1);
    assert.deepEqual(chain.writes[0]!.tag, tag);
    assert.deepEqual(chain.writes[0]!.sealTo, [patient.address]);
    assert.deepEqual(JSON.parse(chain.writes[0]!.resource), observation);
    // The read back is the held reader's.
    const back = await call(api.url, doctor, 'GET', '/Observation/101');
    assert.equal(back.status, 200);
    assertValid(back.json);
    assert.equal(back.json.valueQuantity.value, 61);
    refused(await call(api.url, doctor, 'GET', '/Condition/101'), 404, 'not-found');
    refused(await call(api.url, other, 'GET', '/Observation/101'), 403, 'forbidden', 'no_held_key');
    // Nothing of the resource in the logs: no type, no value, no code.
    const log = lines.join('\n');
    for (const word of ['Observation', 'Heart', '8867', 'beats', 'Condition']) assert.ok(!log.includes(word), word);
  });

  test('refusals: not held, no patient, another type, an id, no tag, and the chain\'s errors mapped', async () => {
    refused(await call(api.url, other, 'POST', '/Observation', observation), 403, 'forbidden', 'no_held_key');
    refused(await call(api.url, doctor, 'POST', '/Observation', { ...observation, subject: undefined }), 400, 'required', 'no_patient');
    refused(await call(api.url, doctor, 'POST', '/Condition', observation), 400, 'invalid', 'type_mismatch');
    refused(await call(api.url, doctor, 'POST', '/Patient', { resourceType: 'Patient' }), 404, 'not-supported');
    refused(await call(api.url, doctor, 'POST', '/Observation', { ...observation, id: '9' }), 400, 'invalid', 'id_given');
    refused(await call(api.url, doctor, 'POST', '/Observation', { ...observation, meta: { tag: [{ system: 'urn:telemed:fhir:blinded-tag', code: '0x12' }] } }), 400, 'value', 'bad_tag');
    const res = await fetch(`${api.url}/Observation`, { method: 'POST', body: 'not json' });
    assert.equal(res.status, 401); // the signature is checked before the body is parsed
    // POST /Consent takes a Consent only (a batch routes on the type; the route did not).
    refused(await call(api.url, patient, 'POST', '/Consent', observation), 400, 'invalid', 'type_mismatch');
    // Bad percent-encoding is a 400 before anything else, not a 500.
    refused(await call(api.url, doctor, 'GET', '/Practitioner/%E0'), 400, 'invalid', 'bad_path');
    // A refused request of a signed caller is logged with the caller.
    assert.ok(lines.some((l) => l.includes('"status":400') && l.includes(`"account":"${patient.address}"`)), 'the refusal names its caller');
    // No consent at all: forbidden, as a write naming a tag gets from the chain.
    chain.consentList = [];
    refused(await call(api.url, doctor, 'POST', '/Observation', observation), 403, 'forbidden', 'no_consent');
    // A permit to append, but over all data (no tag to pick): the author must name the tag.
    seed(chain);
    chain.consentList = chain.consentList.map((c) => ({ ...c, scope: 'AllData' as const }));
    refused(await call(api.url, doctor, 'POST', '/Observation', observation), 422, 'business-rule', 'no_tag');
    // Two tags the doctor may append under and none named: which category is not guessed.
    seed(chain);
    const second = { ...chain.consentList[0]!, id: 3n, scope: { tags: [new Uint8Array(32).fill(0xcd)] } };
    chain.consentList = [...chain.consentList, second];
    refused(await call(api.url, doctor, 'POST', '/Observation', observation), 422, 'business-rule', 'ambiguous_tag');
    seed(chain);
    chain.writeError = new DispatchError('records', 'NoConsent', 'records.addRecord');
    refused(await call(api.url, doctor, 'POST', '/Observation', observation), 403, 'forbidden', 'records.NoConsent');
    chain.writeError = new DispatchError('records', 'UnknownPatient', 'records.addRecord');
    refused(await call(api.url, doctor, 'POST', '/Observation', observation), 404, 'not-found', 'records.UnknownPatient');
    chain.writeError = new DispatchError('records', 'TooManyRecords', 'records.addRecord');
    refused(await call(api.url, doctor, 'POST', '/Observation', observation), 422, 'too-costly', 'records.TooManyRecords');
    chain.writeError = new Error('boom');
    refused(await call(api.url, doctor, 'POST', '/Observation', observation), 500, 'exception', 'internal');
    assert.equal(chain.writes.length, 0);
  });

  test('a batch Bundle: each entry created or refused on its own; a transaction is refused', async () => {
    const bundle = {
      resourceType: 'Bundle',
      type: 'batch',
      entry: [
        { resource: observation, request: { method: 'POST', url: 'Observation' } },
        { resource: { ...observation, subject: undefined }, request: { method: 'POST', url: 'Observation' } },
      ],
    };
    const r = await call(api.url, doctor, 'POST', '/', bundle);
    assert.equal(r.status, 200);
    assertValid(r.json);
    assert.equal(r.json.type, 'batch-response');
    assert.deepEqual(r.json.entry.map((e: any) => e.response.status), ['201', '400']);
    refused(await call(api.url, doctor, 'POST', '/', { ...bundle, type: 'transaction' }), 422, 'not-supported', 'transaction_unsupported');
  });

  test('POST Consent: the patient\'s signed grant, checked against the resource, then submitted', async () => {
    const consent = signedConsent({ type: 'permit' });
    assertValid(consent);
    chain.grant = {
      signer: patient.address, patient: patient.address, grantee: other.address, decision: 'Permit', actions: ['Read'],
      scope: 'AllData', purposes: ['Treatment'], start: null, end: null,
    };
    // The signer must be the caller.
    refused(await call(api.url, carer, 'POST', '/Consent', consent), 403, 'forbidden', 'signer_mismatch');
    // What is signed must be what the resource says.
    for (const [field, wrong] of [
      ['grantee', carer.address], ['decision', 'Deny'], ['actions', ['Read', 'Amend']], ['purposes', ['Research']],
      ['end', T0], ['scope', { records: [1n] }], ['patient', carer.address],
    ] as const) {
      chain.grant = { ...chain.grant, [field]: wrong };
      refused(await call(api.url, patient, 'POST', '/Consent', consent), 400, 'invariant', 'extrinsic_mismatch');
      chain.grant = {
        signer: patient.address, patient: patient.address, grantee: other.address, decision: 'Permit', actions: ['Read'],
        scope: 'AllData', purposes: ['Treatment'], start: null, end: null,
      };
    }
    // Nor may the resource say what the chain cannot hold or what was not signed.
    const provision = consent.provision;
    for (const wrong of [
      { ...consent, provision: { ...provision, provision: [{ type: 'deny', data: [{ meaning: 'instance', reference: { reference: 'DocumentReference/5' } }] }] } },
      { ...consent, provision: { ...provision, dataPeriod: { start: '2026-01-01' } } },
      { ...consent, provision: { ...provision, period: { start: new Date(T0).toISOString() } } },
      { ...consent, provision: { ...provision, data: [{ meaning: 'instance', reference: { reference: 'DocumentReference/1' } }] } },
      { ...consent, provision: { ...provision, action: [{ coding: [{ system: 'urn:other', code: 'access' }] }] } },
      { ...consent, provision: { ...provision, purpose: [{ system: 'urn:other', code: 'TREAT' }] } },
      { ...consent, policyRule: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'OPTOUT' }] } },
      { ...consent, status: 'inactive' },
    ]) {
      refused(await call(api.url, patient, 'POST', '/Consent', wrong), 400, 'invariant', 'extrinsic_mismatch');
    }
    refused(await call(api.url, patient, 'POST', '/Consent', { ...consent, extension: [] }), 400, 'required', 'no_signed_extrinsic');
    refused(await call(api.url, patient, 'POST', '/Consent', { ...consent, extension: [{ url: 'urn:telemed:fhir:signed-extrinsic', valueString: '0x99' }] }), 400, 'invalid', 'bad_extrinsic');
    assert.deepEqual(chain.submitted, []);
    const r = await call(api.url, patient, 'POST', '/Consent', consent);
    assert.equal(r.status, 201, JSON.stringify(r.json));
    assertValid(r.json);
    assert.equal(r.json.id, '3');
    assert.equal(r.json.provision.actor[0].reference.reference, `Practitioner/${other.address}`);
    assert.deepEqual(chain.submitted, ['0x1234']);
  });

  test('pallet errors map to FHIR issue types', () => {
    assert.deepEqual(palletErrorIssue('NoConsent'), [403, 'forbidden']);
    assert.deepEqual(palletErrorIssue('ExplicitlyDenied'), [403, 'forbidden']);
    assert.deepEqual(palletErrorIssue('RecordShredded'), [410, 'deleted']);
    assert.deepEqual(palletErrorIssue('NotCurrent'), [409, 'conflict']);
    assert.deepEqual(palletErrorIssue('UnknownConsent'), [404, 'not-found']);
    assert.deepEqual(palletErrorIssue('TooManyConsents'), [422, 'too-costly']);
    assert.deepEqual(palletErrorIssue('InvalidKey'), [400, 'value']);
    assert.deepEqual(palletErrorIssue('InsufficientBalance'), [422, 'business-rule']);
    assert.deepEqual(palletErrorIssue('SomethingElse'), [422, 'business-rule']);
  });

  test('the gateway\'s refusals map to FHIR: 403 forbidden, 503 transient, anything else 502', () => {
    const mapped = (status: number, reason: string) => {
      const e = toFhirError(new GatewayError(status, reason, 'refused'));
      return [e.status, e.code, e.reason];
    };
    assert.deepEqual(mapped(403, 'forbidden'), [403, 'forbidden', 'gateway.forbidden']);
    assert.deepEqual(mapped(503, 'chain_unavailable'), [503, 'transient', 'gateway.chain_unavailable']);
    assert.deepEqual(mapped(409, 'blob_mismatch'), [502, 'exception', 'gateway.blob_mismatch']);
    // An error that only calls itself a gateway's is an internal one.
    const impostor = Object.assign(new Error('x'), { name: 'GatewayError', status: 403, reason: 'forbidden' });
    assert.equal(toFhirError(impostor).status, 500);
  });

  test('unknown routes and methods are OperationOutcomes', async () => {
    refused(await call(api.url, patient, 'GET', '/Patient'), 404, 'not-supported');
    refused(await call(api.url, patient, 'GET', '/Consent/1/extra'), 404, 'not-found');
    const res = await fetch(`${api.url}/Consent`, { method: 'DELETE' });
    refused({ status: res.status, json: await res.json() as any }, 405, 'not-supported');
  });
});

/** A promise and the function that settles it. */
function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

/** Waits until `ready()` (polling), at most 5 s. */
async function until(ready: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !ready(); i++) await new Promise((r) => setTimeout(r, 10));
  assert.ok(ready(), 'timed out waiting');
}

describe('deadlines and a lost node (review F1)', () => {
  test('a chain write that never returns: 504 timeout at the request\'s deadline, the chain call bounded before it', { timeout: 60_000 }, async () => {
    const slow = new FakeChain();
    seed(slow);
    const { api: quick, lines: quickLines } = await fakeApi(slow, { requestTimeoutMs: 400 });
    try {
      slow.writeGate = new Promise(() => undefined);
      const started = Date.now();
      const r = await call(quick.url, doctor, 'POST', '/Observation', observation);
      const ended = Date.now();
      // Only the request's deadline answers 504 "deadline": the write never returns. (No bound
      // on the wall clock: a loaded machine may start the request late.)
      refused(r, 504, 'timeout', 'deadline');
      // The chain's waits were told to end inside the request, before its answer.
      const deadline = slow.lastLimits?.deadline;
      assert.ok(deadline !== undefined && deadline > started && deadline < ended, `${started} < ${deadline} < ${ended}`);
      await until(() => quickLines.some((l) => l.includes('"status":504') && l.includes('POST /{type}')));
      // A read that never returns: the same.
      slow.atBestError = undefined;
      const view = slow.atBest.bind(slow);
      slow.atBest = () => new Promise(() => undefined);
      refused(await call(quick.url, patient, 'GET', `/Consent?patient=${patient.address}`), 504, 'timeout', 'deadline');
      slow.atBest = view;
    } finally {
      await quick.close();
    }
  });

  test('a write whose outcome the SDK lost: 504 timeout naming the extrinsic hash', async () => {
    const hash = `0x${'5e'.repeat(32)}`;
    chain.writeError = new OutcomeUnknownError('records.addRecord', hash, 'timeout');
    const r = await call(api.url, doctor, 'POST', '/Observation', observation);
    refused(r, 504, 'timeout', 'outcome_unknown');
    assert.ok(r.json.issue[0].diagnostics.includes(hash), r.json.issue[0].diagnostics);
    assert.match(r.json.issue[0].diagnostics, /look the extrinsic up/);
    chain.writeError = new OutcomeUnknownError('consent.logAccess', undefined, 'disconnected');
    refused(await call(api.url, doctor, 'POST', '/Observation', observation), 504, 'timeout', 'outcome_unknown');
    // The facade's deadline reached the chain call.
    assert.ok(chain.lastLimits?.deadline !== undefined);
  });

  test('each transaction of a chain write is sent with the time left before the deadline', async () => {
    assert.deepEqual(sendOptionsUntil(undefined), {});
    const before = Date.now();
    const options = sendOptionsUntil(before + 1_000);
    const first = options.timeoutMs!;
    // What is left: the deadline less the time since (however slow the machine).
    assert.ok(first <= 1_000 && first >= 1_000 - (Date.now() - before), String(first));
    await new Promise((r) => setTimeout(r, 60));
    assert.ok(options.timeoutMs! <= first - 50, 'read again at each send');
    assert.equal(sendOptionsUntil(Date.now() - 5).timeoutMs, 1);
  });

  test('a lost node (WebSocket is not connected, an RPC timeout) is 503 transient with Retry-After, not 500', async () => {
    for (const message of ['WebSocket is not connected', 'No response received from RPC endpoint in 60s', 'disconnected from ws://127.0.0.1:9944: 1006:: Abnormal Closure']) {
      chain.atBestError = new Error(message);
      const r = await call(api.url, patient, 'GET', `/Consent?patient=${patient.address}`);
      refused(r, 503, 'transient', 'chain_unavailable');
      assert.equal(r.headers.get('retry-after'), '6');
      // A write needing the chain (the consent's tag) too.
      refused(await call(api.url, doctor, 'POST', '/Observation', observation), 503, 'transient', 'chain_unavailable');
    }
    chain.atBestError = undefined;
    // Not sent at all (SDK: the deadline passed before the node took it): transient as well.
    chain.writeError = new TransactionError('records.addRecord', 'not sent in time');
    const r = await call(api.url, doctor, 'POST', '/Observation', observation);
    refused(r, 503, 'transient');
    assert.equal(r.headers.get('retry-after'), '6');
    // An unrelated error stays an internal one.
    chain.atBestError = new Error('WebSocket is not connected, or is it');
    refused(await call(api.url, patient, 'GET', `/Consent?patient=${patient.address}`), 500, 'exception', 'internal');
  });
});

describe('posted content is validated (review F3)', () => {
  test('the narrative check refuses script, event handlers, script URLs, and what is not the XHTML subset', () => {
    const div = (inner: string) => `<div xmlns="http://www.w3.org/1999/xhtml">${inner}</div>`;
    assert.deepEqual(narrativeProblems(div('<p>Heart rate <b>61</b>&nbsp;/min &amp; <a href="https://x.example/a">more</a></p><br/><img src="#pic" alt="x"/>')), []);
    for (const bad of [
      div('<script>alert(1)</script>'),
      div('<p onclick="x()">a</p>'),
      div('<p ONMOUSEOVER="x()">a</p>'),
      div('<a href="javascript:alert(1)">a</a>'),
      div('<a href="jav&#x61;script:alert(1)">a</a>'),
      div('<a href=" java\tscript:alert(1)">a</a>'),
      div('<img src="data:image/svg+xml;base64,AAAA"/>'),
      div('<p style="background:url(https://x.example)">a</p>'),
      div('<!-- a --><p>a</p>'),
      div('<![CDATA[<script>x</script>]]>'),
      div('<svg><p>a</p></svg>'),
      div('<iframe src="https://x.example"></iframe>'),
      div('<p>a</div>'),
      div('<p>a & b</p>'),
      div(''),
      '<div><p>a</p></div>',
      `${div('<p>a</p>')}<script>x</script>`,
      '<p>a</p>',
    ]) assert.notDeepEqual(narrativeProblems(bad), [], bad);
  });

  test('POST Observation: script in text.div, no status, no code: 422 listing each problem, nothing written', async () => {
    const script = await call(api.url, doctor, 'POST', '/Observation', {
      ...observation, text: { status: 'generated', div: '<div xmlns="http://www.w3.org/1999/xhtml"><p>61</p><script>alert(1)</script></div>' },
    });
    refused(script, 422, 'security', 'invalid_resource');
    assert.deepEqual(script.json.issue[0].expression, ['Observation.text.div']);
    const handler = await call(api.url, doctor, 'POST', '/Observation', {
      ...observation, text: { status: 'generated', div: '<div xmlns="http://www.w3.org/1999/xhtml"><p onclick="steal()">61</p></div>' },
    });
    refused(handler, 422, 'security', 'invalid_resource');
    const { status: _s, code: _c, ...bare } = observation;
    const missing = await call(api.url, doctor, 'POST', '/Observation', bare);
    assert.equal(missing.status, 422, JSON.stringify(missing.json));
    assertValid(missing.json);
    const where = missing.json.issue.map((i: any) => i.expression[0]).sort();
    assert.deepEqual(where, ['Observation.code', 'Observation.status']);
    assert.ok(missing.json.issue.every((i: any) => i.code === 'required' && i.details.coding[0].code === 'invalid_resource'));
    // Wrong shapes and unknown elements: 422, never 500.
    for (const wrong of [
      { ...observation, code: [] }, { ...observation, status: 'done' }, { ...observation, subject: 'Patient/x' },
      { ...observation, meta: { tag: {} } }, { ...observation, valueQuantity: { value: '61' } }, { ...observation, colour: 'red' },
      { ...observation, extension: [{ valueString: 'no url' }] }, { ...observation, text: { status: 'generated', div: 5 } },
    ]) {
      const r = await call(api.url, doctor, 'POST', '/Observation', wrong);
      assert.equal(r.status, 422, JSON.stringify(wrong));
      assertValid(r.json);
    }
    assert.equal(chain.writesStarted, 0);
    // A safe narrative is stored.
    const ok = await call(api.url, doctor, 'POST', '/Observation', {
      ...observation, text: { status: 'generated', div: '<div xmlns="http://www.w3.org/1999/xhtml"><p>Heart rate <b>61</b>/min</p></div>' },
    });
    assert.equal(ok.status, 201, JSON.stringify(ok.json));
    assertValid(ok.json);
  });

  test('POST Consent with extension {} (or provision.actor {}): 422, not 500; nothing submitted', async () => {
    chain.grant = {
      signer: patient.address, patient: patient.address, grantee: other.address, decision: 'Permit', actions: ['Read'],
      scope: 'AllData', purposes: ['Treatment'], start: null, end: null,
    };
    const consent = {
      resourceType: 'Consent',
      status: 'active',
      scope: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/consentscope', code: 'patient-privacy' }] },
      category: [{ coding: [{ system: 'http://loinc.org', code: '59284-0' }] }],
      patient: { reference: `Patient/${patient.address}` },
      policyRule: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'OPTIN' }] },
    };
    const r = await call(api.url, patient, 'POST', '/Consent', { ...consent, extension: {} });
    refused(r, 422, 'structure', 'invalid_resource');
    assert.deepEqual(r.json.issue[0].expression, ['Consent.extension']);
    const signed = { ...consent, extension: [{ url: 'urn:telemed:fhir:signed-extrinsic', valueString: '0x1234' }] };
    for (const provision of [{ actor: {} }, { action: 'access' }, { purpose: {} }, { data: 1 }]) {
      const x = await call(api.url, patient, 'POST', '/Consent', { ...signed, provision });
      assert.equal(x.status, 422, JSON.stringify(provision));
      assertValid(x.json);
    }
    refused(await call(api.url, patient, 'POST', '/Consent', { ...signed, status: undefined }), 422, 'required', 'invalid_resource');
    assert.deepEqual(chain.submitted, []);
  });

  test('POST / with entry {} is 400; an invalid entry is refused on its own (422) while the others are written', async () => {
    const bad = await call(api.url, doctor, 'POST', '/', { resourceType: 'Bundle', type: 'batch', entry: {} });
    refused(bad, 400, 'structure', 'bad_structure');
    refused(await call(api.url, doctor, 'POST', '/', { resourceType: 'Bundle', type: 'batch', entry: [5] }), 400, 'structure', 'bad_structure');
    // The Bundle's own elements are validated too.
    const odd = await call(api.url, doctor, 'POST', '/', { resourceType: 'Bundle', type: 'batch', entry: [{ request: { method: 'POST', url: 'Observation' }, colour: 'red' }] });
    assert.equal(odd.status, 422);
    assertValid(odd.json);
    const r = await call(api.url, doctor, 'POST', '/', {
      resourceType: 'Bundle',
      type: 'batch',
      entry: [
        { resource: { ...observation, text: { status: 'generated', div: '<div xmlns="http://www.w3.org/1999/xhtml"><script>x</script></div>' } }, request: { method: 'POST', url: 'Observation' } },
        { resource: observation, request: { method: 'POST', url: 'Observation' } },
        { resource: 'Observation', request: { method: 'POST', url: 'Observation' } },
      ],
    });
    assert.equal(r.status, 200, JSON.stringify(r.json));
    assertValid(r.json);
    assert.deepEqual(r.json.entry.map((e: any) => e.response.status), ['422', '201', '400']);
    assert.equal(chain.writes.length, 1);
  });
});

describe('batch size and an abandoned batch (review F6)', () => {
  const entry = { resource: observation, request: { method: 'POST', url: 'Observation' } };

  test('more entries than FHIR_MAX_BATCH_ENTRIES (20): 422 too-costly, nothing written', async () => {
    const r = await call(api.url, doctor, 'POST', '/', { resourceType: 'Bundle', type: 'batch', entry: Array.from({ length: 21 }, () => entry) });
    refused(r, 422, 'too-costly', 'too_many_entries');
    assert.equal(chain.writesStarted, 0);
    const full = await call(api.url, doctor, 'POST', '/', { resourceType: 'Bundle', type: 'batch', entry: Array.from({ length: 20 }, () => entry) });
    assert.equal(full.status, 200);
    assert.equal(chain.writes.length, 20);
  });

  test('a client that has gone: the batch stops before its next entry', async () => {
    const gate = deferred();
    chain.writeGate = gate.promise;
    const client = new AbortController();
    const pending = call(api.url, doctor, 'POST', '/', { resourceType: 'Bundle', type: 'batch', entry: [entry, entry, entry] }, { signal: client.signal });
    pending.catch(() => undefined);
    await until(() => chain.writesStarted === 1);
    client.abort();
    await assert.rejects(pending);
    // The server notices the closed connection, then the first write completes.
    await new Promise((r) => setTimeout(r, 100));
    gate.resolve();
    await until(() => lines.some((l) => l.includes('fhir.batch_stopped')));
    assert.equal(chain.writesStarted, 1);
    assert.equal(chain.writes.length, 1);
    assert.ok(lines.some((l) => l.includes('fhir.batch_stopped') && l.includes('"written":1') && l.includes('"entries":3')));
  });
});

describe('status headers and the last-resort 500 (review F12)', () => {
  test('401 with WWW-Authenticate, 405 with Allow, 503 with Retry-After, a 500 that cannot be serialised still an OperationOutcome', async () => {
    const unsigned = await call(api.url, null, 'GET', `/Consent?patient=${patient.address}`);
    refused(unsigned, 401, 'login', 'missing_auth');
    assert.match(unsigned.headers.get('www-authenticate') ?? '', /^Telemed-Signature realm="http:\/\/127\.0\.0\.1:\d+", layout="telemed-fhir\/v2", headers="x-telemed-account x-telemed-timestamp x-telemed-nonce x-telemed-signature", error="missing_auth"$/i);
    const res = await fetch(`${api.url}/Consent`, { method: 'PUT' });
    refused({ status: res.status, json: await res.json() as any }, 405, 'not-supported');
    assert.equal(res.headers.get('allow'), 'GET, POST');
    chain.atBestError = new Error('WebSocket is not connected');
    assert.equal((await call(api.url, patient, 'GET', `/Consent?patient=${patient.address}`)).headers.get('retry-after'), '6');
    chain.atBestError = undefined;
    // A value the answer cannot be written with (a bigint where a string belongs).
    chain.consentList = [{ ...chain.consentList[0]!, actions: [1n as unknown as 'Read'] }];
    const broken = await call(api.url, patient, 'GET', `/Consent?patient=${patient.address}`);
    refused(broken, 500, 'exception', 'internal');
  });
});

describe('content negotiation (review F13)', () => {
  test('_format and Accept apply to /metadata too: XML only is 406; JSON, wildcards and a JSON alternative are served', async () => {
    refused(await call(api.url, null, 'GET', '/metadata?_format=xml'), 406, 'not-supported', 'format_unsupported');
    refused(await call(api.url, null, 'GET', '/metadata', undefined, { headers: { accept: 'application/fhir+xml' } }), 406, 'not-supported', 'format_unsupported');
    refused(await call(api.url, patient, 'GET', `/Consent?patient=${patient.address}`, undefined, { headers: { accept: 'application/fhir+xml' } }), 406, 'not-supported');
    refused(await call(api.url, null, 'GET', '/metadata', undefined, { headers: { accept: 'application/fhir+json;q=0, application/xml' } }), 406, 'not-supported');
    for (const accept of ['application/fhir+json', 'application/json', '*/*', 'application/*', 'application/fhir+xml, application/fhir+json;q=0.5', 'text/html, */*;q=0.1']) {
      assert.equal((await call(api.url, null, 'GET', '/metadata', undefined, { headers: { accept } })).status, 200, accept);
    }
    assert.equal((await call(api.url, null, 'GET', '/metadata?_format=json')).status, 200);
  });

  test('a POST whose Content-Type is not JSON (or none) is 415, nothing written', async () => {
    for (const type of ['text/plain', 'application/xml', 'application/fhir+xml', 'application/fhir+json; charset=iso-8859-1', null]) {
      refused(await call(api.url, doctor, 'POST', '/Observation', observation, { headers: { 'content-type': type } }), 415, 'not-supported', 'media_type_unsupported');
    }
    assert.equal(chain.writesStarted, 0);
    for (const type of ['application/json', 'application/fhir+json; charset=UTF-8', 'application/json+fhir']) {
      assert.equal((await call(api.url, doctor, 'POST', '/Observation', observation, { headers: { 'content-type': type } })).status, 201, type);
    }
  });
});

describe('mapping details (review F15)', () => {
  test('a signed consent not yet started is active, with its future start in provision.period', async () => {
    const start = chain.now + 86_400_000;
    chain.consentList = [{ ...chain.consentList[0]!, start, standing: 'NotYetStarted' }];
    const r = await call(api.url, patient, 'GET', `/Consent?patient=${patient.address}`);
    assertValid(r.json);
    const [c] = entries(r.json);
    assert.equal(c!.status, 'active');
    assert.equal(c!.provision.period.start, new Date(start).toISOString());
    assert.ok(Date.parse(c!.provision.period.start) > chain.now);
    assert.equal(c!.extension[0].valueCode, 'NotYetStarted');
  });

  test('amounts are exact decimals in the JSON, not rounded through a double', async () => {
    assert.equal(medDecimal(12_500_000_000_000n), '12.5');
    assert.equal(medDecimal(1n), '0.000000000001');
    assert.equal(medDecimal(-3_000_000_000_000n), '-3');
    assert.equal(medDecimal(0n), '0');
    chain.claimList = [
      { ...chain.claimList[0]!, amount: 1_234_567_890_123_456_789n },
      { ...chain.claimList[0]!, id: 9n, amount: 2n ** 53n + 1n },
    ];
    const r = await call(api.url, patient, 'GET', `/Claim?patient=${patient.address}`);
    assert.equal(r.status, 200);
    assertValid(r.json);
    assert.ok(r.text.includes('"value":1234567.890123456789,'), r.text);
    assert.ok(r.text.includes('"value":9007.199254740993,'), r.text);
    // What a double would have made of them.
    assert.notEqual(String(Number('1234567.890123456789')), '1234567.890123456789');
    assert.notEqual(String(Number('9007.199254740993')), '9007.199254740993');
    const responses = await call(api.url, patient, 'GET', `/ClaimResponse?patient=${patient.address}`);
    assert.ok(responses.text.includes('"value":1234567.890123456789,'));
  });

  test('the CapabilityStatement names everything a request signs', async () => {
    const r = await call(api.url, null, 'GET', '/metadata');
    const description: string = r.json.rest[0].security.description;
    for (const word of ['method', 'path', 'query', 'genesis', 'audience', 'base URL', 'timestamp', 'nonce', 'body', 'telemed-fhir/v2']) {
      assert.ok(description.includes(word), word);
    }
  });
});

describe('listen address and TLS (review F9)', () => {
  /** A self-signed certificate for 127.0.0.1 and its key (openssl), in a directory removed after the test. */
  function selfSigned(): { dir: string; cert: string; key: string } | undefined {
    const dir = mkdtempSync(join(import.meta.dirname, '.tls-'));
    const made = spawnSync('openssl', [
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1',
      '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'),
    ], { stdio: 'ignore' });
    if (made.status !== 0) {
      rmSync(dir, { recursive: true, force: true });
      return undefined;
    }
    return { dir, cert: join(dir, 'cert.pem'), key: join(dir, 'key.pem') };
  }

  test('a non-loopback listen address is refused unless TLS is served or the base URL is https:', () => {
    for (const host of ['127.0.0.1', '127.0.0.2', 'localhost', '::1']) {
      assert.equal(loadConfig({ FHIR_HOST: host }).host, host);
    }
    for (const host of ['0.0.0.0', '::', '10.0.0.5', 'fhir.clinic.example', '::ffff:10.0.0.5']) {
      assert.throws(() => loadConfig({ FHIR_HOST: host }), (e: unknown) => e instanceof ConfigError && /FHIR_TLS_CERT/.test(e.message) && /https:/.test(e.message), host);
      assert.throws(() => loadConfig({ FHIR_HOST: host, FHIR_BASE_URL: 'http://fhir.clinic.example' }), ConfigError, host);
      // A TLS proxy in front: its https: URL is the base URL.
      assert.equal(loadConfig({ FHIR_HOST: host, FHIR_BASE_URL: 'https://fhir.clinic.example' }).baseUrl, 'https://fhir.clinic.example');
    }
    assert.throws(() => loadConfig({ FHIR_TLS_CERT: '/nowhere/cert.pem' }), /both or neither/);
    assert.throws(() => loadConfig({ FHIR_TLS_CERT: '/nowhere/cert.pem', FHIR_TLS_KEY: '/nowhere/key.pem' }), /FHIR_TLS_CERT: cannot read/);
    // The new limits, with their defaults and bounds.
    const config = loadConfig({});
    assert.equal(config.requestTimeoutMs, 120_000);
    assert.equal(config.maxBatchEntries, 20);
    assert.equal(loadConfig({ FHIR_MAX_BATCH_ENTRIES: '5' }).maxBatchEntries, 5);
    assert.throws(() => loadConfig({ FHIR_MAX_BATCH_ENTRIES: '0' }), /FHIR_MAX_BATCH_ENTRIES/);
    assert.throws(() => loadConfig({ FHIR_REQUEST_TIMEOUT_MS: 'soon' }), /FHIR_REQUEST_TIMEOUT_MS/);
  });

  test('with FHIR_TLS_CERT and FHIR_TLS_KEY any address is allowed and the API is served over HTTPS', async (t) => {
    const files = selfSigned();
    if (files === undefined) {
      t.skip('openssl is not available to make a certificate');
      return;
    }
    try {
      const config = loadConfig({ FHIR_HOST: '0.0.0.0', FHIR_TLS_CERT: files.cert, FHIR_TLS_KEY: files.key });
      assert.ok(config.tls?.cert.includes('BEGIN CERTIFICATE'));
      // A key that is not the certificate's: refused, and the message quotes neither.
      const other = selfSigned()!;
      try {
        assert.throws(() => loadConfig({ FHIR_HOST: '0.0.0.0', FHIR_TLS_CERT: files.cert, FHIR_TLS_KEY: other.key }),
          (e: unknown) => e instanceof ConfigError && !/BEGIN/.test(e.message));
      } finally {
        rmSync(other.dir, { recursive: true, force: true });
      }
      const { api: secure } = await fakeApi(chain, { tls: config.tls! });
      try {
        assert.match(secure.url, /^https:\/\/127\.0\.0\.1:\d+$/);
        const answer = await new Promise<{ status: number; body: string }>((resolve, reject) => {
          httpsGet(`${secure.url}/metadata`, { ca: config.tls!.cert }, (res) => {
            let body = '';
            res.on('data', (c: Buffer) => (body += c.toString()));
            res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
          }).on('error', reject);
        });
        assert.equal(answer.status, 200);
        assertValid(JSON.parse(answer.body));
      } finally {
        await secure.close();
      }
    } finally {
      rmSync(files.dir, { recursive: true, force: true });
    }
  });
});

describe('links that resolve, reads by id, vread, ETag (review F8)', () => {
  test('create and read carry ETag and Last-Modified; vread answers the chain\'s version of it, any other 404', async () => {
    const created = await call(api.url, doctor, 'POST', '/Observation', observation);
    assert.equal(created.status, 201);
    const v = chain.versions.find((x) => x.id === 101n)!;
    assert.equal(created.headers.get('etag'), 'W/"1"');
    assert.equal(created.headers.get('last-modified'), new Date(v.createdAt).toUTCString());
    assert.equal(created.headers.get('location'), `${api.url}/Observation/101/_history/1`);
    assert.equal(created.json.meta.versionId, '1');
    for (const path of ['/Observation/101', '/Observation/101/_history/1']) {
      const read = await call(api.url, doctor, 'GET', path);
      assert.equal(read.status, 200, path);
      assertValid(read.json);
      assert.equal(read.headers.get('etag'), 'W/"1"', path);
      assert.equal(read.headers.get('last-modified'), new Date(v.createdAt).toUTCString(), path);
    }
    refused(await call(api.url, doctor, 'GET', '/Observation/101/_history/2'), 404, 'not-found', 'unknown_version');
    refused(await call(api.url, doctor, 'GET', '/Observation/999/_history/1'), 404, 'not-found', 'unknown_version');
    refused(await call(api.url, doctor, 'GET', '/Observation/101/_history'), 404, 'not-found', 'no_route');
    refused(await call(api.url, doctor, 'GET', '/Consent/1/_history/1'), 404, 'not-found', 'no_route');
  });

  test('reads by id answer what the search answers, to whom the search answers it', async () => {
    const ok = async (who: typeof patient, path: string) => {
      const r = await call(api.url, who, 'GET', path);
      assert.equal(r.status, 200, `${path}: ${JSON.stringify(r.json)}`);
      assertValid(r.json);
      return r.json;
    };
    // Consent: the patient, a delegate, the grantee; not another.
    assert.equal((await ok(patient, '/Consent/1')).provision.type, 'permit');
    await ok(carer, '/Consent/2');
    await ok(doctor, '/Consent/1');
    await ok(other, '/Consent/2');
    refused(await call(api.url, other, 'GET', '/Consent/1'), 403, 'forbidden');
    refused(await call(api.url, patient, 'GET', '/Consent/99'), 404, 'not-found', 'unknown_consent');
    refused(await call(api.url, patient, 'GET', '/Consent/x'), 404, 'not-found', 'unknown_consent');
    // AuditEvent: the whole log to the patient; an accessor its own entries; 403 otherwise, whether or not it exists.
    assert.equal((await ok(doctor, `/AuditEvent/${patient.address}-1`)).action, 'R');
    await ok(patient, `/AuditEvent/${patient.address}-2`);
    refused(await call(api.url, doctor, 'GET', `/AuditEvent/${patient.address}-2`), 403, 'forbidden');
    refused(await call(api.url, other, 'GET', `/AuditEvent/${patient.address}-1`), 403, 'forbidden');
    refused(await call(api.url, other, 'GET', `/AuditEvent/${patient.address}-99`), 403, 'forbidden');
    refused(await call(api.url, patient, 'GET', `/AuditEvent/${patient.address}-99`), 404, 'not-found');
    refused(await call(api.url, patient, 'GET', '/AuditEvent/nobody-1'), 404, 'not-found');
    // DocumentReference: what the caller may read now.
    await ok(doctor, '/DocumentReference/2');
    await ok(carer, '/DocumentReference/3');
    refused(await call(api.url, doctor, 'GET', '/DocumentReference/3'), 403, 'forbidden');
    refused(await call(api.url, other, 'GET', '/DocumentReference/1'), 403, 'forbidden');
    chain.emergencies.add(other.address);
    await ok(other, '/DocumentReference/3');
    refused(await call(api.url, patient, 'GET', '/DocumentReference/99'), 404, 'not-found', 'unknown_record');
    // PractitionerRole: public.
    assert.equal((await ok(other, '/PractitionerRole/licence-3')).active, false);
    refused(await call(api.url, other, 'GET', '/PractitionerRole/licence-9'), 404, 'not-found');
    refused(await call(api.url, other, 'GET', '/PractitionerRole/3'), 404, 'not-found');
    // Claim and ClaimResponse: the patient, the practitioner, the insurer, a delegate booking care.
    await ok(insurer, '/Claim/0');
    await ok(other, '/ClaimResponse/3');
    await ok(doctor, '/ClaimResponse/3');
    refused(await call(api.url, insurer, 'GET', '/Claim/3'), 403, 'forbidden');
    refused(await call(api.url, carer, 'GET', '/Claim/0'), 403, 'forbidden');
    chain.delegations.set(carer.address, { scopes: ['BookCare'], until: null, since: T0 });
    assert.equal((await ok(carer, '/ClaimResponse/0')).outcome, 'complete');
    chain.delegations.set(carer.address, { scopes: ['ManageConsents', 'ViewDisclosureLog', 'AccessRecords'], until: null, since: T0 });
    refused(await call(api.url, patient, 'GET', '/Claim/9'), 404, 'not-found', 'unknown_claim');
  });

  test('the CapabilityStatement lists exactly the interactions served', async () => {
    const statement = (await call(api.url, null, 'GET', '/metadata')).json;
    const declared = new Set<string>();
    for (const r of statement.rest[0].resource) for (const i of r.interaction) declared.add(`${r.type} ${i.code}`);
    const types = [...new Set([...statement.rest[0].resource.map((r: any) => r.type), 'Patient', 'Organization', 'Bundle', 'Coverage'])];
    const served = new Set<string>();
    // Not served: no route, or a type the route refuses as such.
    const isServed = (r: { json: Record<string, any> }) => !['no_route', 'unsupported_type'].includes(r.json.issue?.[0]?.details?.coding?.[0]?.code);
    for (const type of types) {
      if (isServed(await call(api.url, patient, 'GET', `/${type}/1`))) served.add(`${type} read`);
      if (isServed(await call(api.url, patient, 'GET', `/${type}/1/_history/1`))) served.add(`${type} vread`);
      if (isServed(await call(api.url, patient, 'GET', `/${type}?_count=1`))) served.add(`${type} search-type`);
      if (isServed(await call(api.url, patient, 'POST', `/${type}`, { resourceType: type }))) served.add(`${type} create`);
    }
    assert.deepEqual([...served].sort(), [...declared].sort());
    assert.equal(chain.writesStarted, 0);
    assert.deepEqual(chain.submitted, []);
  });
});

describe('a read checked against the chain (review F7)', () => {
  /** Writes the observation as the doctor (record version 101), then stores `content` in its place. */
  async function stored(content: unknown): Promise<void> {
    chain.stored.clear();
    assert.equal((await call(api.url, doctor, 'POST', '/Observation', observation)).status, 201);
    chain.stored.set(101n, typeof content === 'string' ? content : JSON.stringify(content));
  }

  test('content naming another patient than the chain\'s record is 502 subject_mismatch; this facade\'s absolute reference is the patient', async () => {
    await stored({ ...observation, subject: { reference: `Patient/${other.address}` } });
    const r = await call(api.url, doctor, 'GET', '/Observation/101');
    refused(r, 502, 'exception', 'subject_mismatch');
    assert.ok(!r.text.includes(other.address), 'the other patient is not named');
    for (const subject of [{ reference: 'Patient/nobody' }, { identifier: { value: patient.address } }, { reference: `Group/${patient.address}` }]) {
      chain.stored.set(101n, JSON.stringify({ ...observation, subject }));
      refused(await call(api.url, doctor, 'GET', '/Observation/101'), 502, 'exception', 'subject_mismatch');
    }
    // `patient` is checked as `subject` is (AllergyIntolerance, Immunization…).
    chain.stored.set(101n, JSON.stringify({ ...observation, patient: { reference: `Patient/${carer.address}` } }));
    refused(await call(api.url, doctor, 'GET', '/Observation/101/_history/1'), 502, 'exception', 'subject_mismatch');
    chain.stored.set(101n, JSON.stringify({ ...observation, subject: { reference: `${api.url}/Patient/${patient.address}` } }));
    assert.equal((await call(api.url, doctor, 'GET', '/Observation/101')).status, 200);
    // A resource naming no patient (as the app writes them) is served as stored.
    const { subject: _s, ...bare } = observation;
    chain.stored.set(101n, JSON.stringify(bare));
    assert.equal((await call(api.url, doctor, 'GET', '/Observation/101')).status, 200);
  });

  test('meta.versionId and meta.lastUpdated are the chain\'s, whatever the stored content says', async () => {
    await stored({ ...observation, meta: { versionId: '7', lastUpdated: '2001-01-01T00:00:00Z', tag: [{ system: 'urn:x', code: 'y' }] } });
    const v = chain.versions.find((x) => x.id === 101n)!;
    v.version = 2;
    v.createdAt = T0 + 123_456;
    const r = await call(api.url, doctor, 'GET', '/Observation/101');
    assert.equal(r.status, 200);
    assertValid(r.json);
    assert.equal(r.json.meta.versionId, '2');
    assert.equal(r.json.meta.lastUpdated, new Date(T0 + 123_456).toISOString());
    assert.deepEqual(r.json.meta.tag, [{ system: 'urn:x', code: 'y' }]);
    assert.equal(r.headers.get('etag'), 'W/"2"');
    assert.equal((await call(api.url, doctor, 'GET', '/Observation/101/_history/2')).json.meta.versionId, '2');
  });

  test('stored content that is not a resource, or not the anchored one, is 502 (the client is not blamed)', async () => {
    for (const content of ['not json', '[1]', '{"no":"type"}', '\u00ff']) {
      await stored(content);
      refused(await call(api.url, doctor, 'GET', '/Observation/101'), 502, 'exception', 'bad_stored_content');
      chain.writes = [];
      chain.versions = chain.versions.filter((v) => v.id < 100n);
    }
    await stored(observation);
    chain.readError = new MismatchError('content', 'the blob is not the anchored one');
    refused(await call(api.url, doctor, 'GET', '/Observation/101'), 502, 'exception');
  });
});

describe('a read is checked for free before its fee is paid (review F11)', () => {
  test('an unknown version, no envelope, no access, another vid, a re-keyed version: 404/403 with nothing submitted', async () => {
    assert.equal((await call(api.url, doctor, 'POST', '/Observation', observation)).status, 201);
    const before = chain.readsSubmitted;
    const writes = chain.writesStarted;
    refused(await call(api.url, doctor, 'GET', '/Observation/999'), 404, 'not-found', 'unknown_record');
    refused(await call(api.url, doctor, 'GET', '/Observation/101/_history/3'), 404, 'not-found', 'unknown_version');
    // Version 1 exists, but the doctor holds no envelope of it (the chain: records.NoEnvelope).
    refused(await call(api.url, doctor, 'GET', '/Observation/1'), 403, 'forbidden', 'no_envelope');
    // An envelope, but no access now (a consent ended): check_access refuses it.
    chain.envelopes.set(`3/${doctor.address}`, 'Treatment');
    refused(await call(api.url, doctor, 'GET', '/Observation/3'), 403, 'forbidden', 'forbidden');
    chain.readable.get(doctor.address)!.delete(101n);
    refused(await call(api.url, doctor, 'GET', '/Observation/101'), 403, 'forbidden', 'forbidden');
    chain.readable.get(doctor.address)!.add(101n);
    // Re-keyed: its locator is gone, the read would find nothing to open.
    const v = chain.versions.find((x) => x.id === 101n)!;
    v.locator = new Uint8Array();
    refused(await call(api.url, doctor, 'GET', '/Observation/101'), 404, 'not-found', 'rekeyed');
    assert.equal(chain.readsSubmitted, before, 'no accessRecord was submitted');
    assert.equal(chain.writesStarted, writes);
    // An emergency custody envelope is checked for its own purpose.
    v.locator = new Uint8Array(40);
    chain.readable.get(doctor.address)!.delete(101n);
    chain.envelopes.set(`101/${doctor.address}`, 'EmergencyTreatment');
    refused(await call(api.url, doctor, 'GET', '/Observation/101'), 403, 'forbidden');
    chain.emergencies.add(doctor.address);
    assert.equal((await call(api.url, doctor, 'GET', '/Observation/101')).status, 200);
    assert.equal(chain.readsSubmitted, before + 1);
  });

  test('a ciphertext missing after the read was logged is 502, not 404', async () => {
    assert.equal((await call(api.url, doctor, 'POST', '/Observation', observation)).status, 201);
    const before = chain.readsSubmitted;
    chain.readError = new BlobNotFoundError('bafy-test', 'not stored');
    refused(await call(api.url, doctor, 'GET', '/Observation/101'), 502, 'exception', 'blob_missing');
    assert.equal(chain.readsSubmitted, before + 1);
  });
});

/**
 * Sends a request's headers (and `body`, if any) without ending it, and resolves with the
 * answer as soon as it comes: what the server says before it has read a body.
 */
function beforeBody(url: string, method: string, path: string, headers: Record<string, string>, body?: Uint8Array): Promise<{ status: number; headers: Record<string, unknown>; json: Record<string, any> }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(`${url}${path}`, { method, headers, agent: false }, (res) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c.toString()));
      res.on('end', () => {
        req.destroy();
        resolve({ status: res.statusCode ?? 0, headers: res.headers, json: JSON.parse(text) as Record<string, any> });
      });
    });
    req.on('error', reject);
    req.setTimeout(3_000, () => reject(new Error('no answer before the body')));
    req.flushHeaders();
    if (body) req.write(body);
  });
}

/** Opens a raw connection, writes `text`, and resolves with what came back once the server closed it (at most `ms`). */
function untilClosed(url: string, text: string, ms = 3_000): Promise<{ closed: boolean; data: string; after: number }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const started = Date.now();
    let data = '';
    const socket = connect(Number(port), hostname, () => socket.write(text));
    socket.on('data', (c) => (data += c.toString()));
    const timer = setTimeout(() => {
      socket.destroy();
      resolve({ closed: false, data, after: Date.now() - started });
    }, ms);
    socket.on('close', () => {
      clearTimeout(timer);
      resolve({ closed: true, data, after: Date.now() - started });
    });
    socket.on('error', () => undefined);
  });
}

describe('unauthenticated resource exhaustion (review F4)', () => {
  test('a declared Content-Length over the limit is 413 with Connection: close, before the body is sent', async () => {
    const path = '/Observation';
    const headers = { ...signRequest(doctor, genesisHash, api.url, 'POST', path, new Uint8Array()), 'content-type': 'application/fhir+json', 'content-length': String(64 * 1024 + 1) };
    const r = await beforeBody(api.url, 'POST', path, headers);
    assert.equal(r.status, 413);
    assert.equal(r.headers.connection, 'close');
    refused(r, 413, 'too-long', 'too_large');
    // Unsigned, even a huge one: 413 first, without a byte of it read.
    const unsigned = await beforeBody(api.url, 'POST', path, { 'content-type': 'application/fhir+json', 'content-length': String(1 << 30) });
    assert.equal(unsigned.status, 413);
    assert.equal(chain.writesStarted, 0);
  });

  test('a POST without signature headers (or stale, or malformed) is 401 before its body is read, and the connection closed', async () => {
    const base = { 'content-type': 'application/fhir+json', 'content-length': '1000' };
    const none = await beforeBody(api.url, 'POST', '/Observation', base);
    refused(none, 401, 'login', 'missing_auth');
    assert.equal(none.headers.connection, 'close');
    const stale = signRequest(doctor, genesisHash, api.url, 'POST', '/Observation', new Uint8Array(), { timestamp: Date.now() - 3_600_000 });
    refused(await beforeBody(api.url, 'POST', '/Observation', { ...base, ...stale }), 401, 'login', 'stale_timestamp');
    refused(await beforeBody(api.url, 'POST', '/', { ...base, 'x-telemed-account': doctor.address, 'x-telemed-timestamp': String(Date.now()), 'x-telemed-nonce': '0x1', 'x-telemed-signature': '0x2' }), 401, 'login', 'bad_auth');
    // A body streamed past the limit without a declared length: 413 once the limit is passed, closed.
    const signed = signRequest(doctor, genesisHash, api.url, 'POST', '/Observation', new Uint8Array());
    const chunked = await beforeBody(api.url, 'POST', '/Observation', { ...signed, 'content-type': 'application/fhir+json', 'transfer-encoding': 'chunked' }, new Uint8Array(64 * 1024 + 10));
    assert.equal(chunked.status, 413);
    assert.equal(chunked.headers.connection, 'close');
    assert.equal(chain.writesStarted, 0);
  });

  test('headers not received within headersTimeoutMs, or a body not within receiveTimeoutMs: 408 and the connection closed', async () => {
    const { api: strict } = await fakeApi(chain, { headersTimeoutMs: 200, receiveTimeoutMs: 500 });
    try {
      assert.equal(strict.server.headersTimeout, 200);
      assert.equal(strict.server.requestTimeout, 500);
      const slowHeaders = await untilClosed(strict.url, 'GET /metadata HTTP/1.1\r\nHost: x\r\nX-Slow: ');
      assert.ok(slowHeaders.closed, 'closed');
      assert.match(slowHeaders.data, /^HTTP\/1\.1 408/);
      const path = '/Observation';
      const headers = signRequest(doctor, genesisHash, strict.url, 'POST', path, new Uint8Array(100));
      const head = [`POST ${path} HTTP/1.1`, 'Host: x', 'Content-Type: application/fhir+json', 'Content-Length: 100', ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`)].join('\r\n');
      const slowBody = await untilClosed(strict.url, `${head}\r\n\r\n{"resourceType":`);
      assert.ok(slowBody.closed, 'closed');
      assert.ok(slowBody.after >= 400, String(slowBody.after));
      assert.match(slowBody.data, /^HTTP\/1\.1 408/);
      assert.equal(chain.writesStarted, 0);
    } finally {
      await strict.close();
    }
    // The defaults: 10 s for headers, 30 s for a whole request, 512 connections.
    assert.equal(api.server.headersTimeout, 10_000);
    assert.equal(api.server.requestTimeout, 30_000);
    assert.equal(api.server.maxConnections, 512);
  });

  test('at most maxConnections connections: one more is dropped, and served again once one closed', async () => {
    const { api: few } = await fakeApi(chain, { maxConnections: 2 });
    const { hostname, port } = new URL(few.url);
    const open = await Promise.all([0, 1].map(() => new Promise<ReturnType<typeof connect>>((resolve) => {
      const s = connect(Number(port), hostname, () => resolve(s));
      s.on('error', () => undefined);
    })));
    // The server's own count, not a pause: under a busy CPU (the CI runs this beside a build) a
    // close may take the server far longer than any fixed pause to see.
    const connections = () => new Promise<number>((resolve, reject) => few.server.getConnections((e, n) => (e ? reject(e) : resolve(n))));
    const counted = async (n: number) => {
      for (let i = 0; i < 3_000 && (await connections()) !== n; i++) await new Promise((r) => setTimeout(r, 10));
      assert.equal(await connections(), n);
    };
    try {
      await counted(2);
      const third = await untilClosed(few.url, 'GET /metadata HTTP/1.1\r\nHost: x\r\n\r\n', 30_000);
      assert.ok(third.closed && third.data === '', `dropped unanswered: ${JSON.stringify(third)}`);
      open[0]!.destroy();
      await counted(1);
      const again = await untilClosed(few.url, 'GET /metadata HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n', 30_000);
      assert.match(again.data, /^HTTP\/1\.1 200/);
    } finally {
      for (const s of open) s.destroy();
      await few.close();
    }
  });

  test('an account past its share of the replay cache is 429 with Retry-After; other accounts are served', async () => {
    let clock = Date.now();
    const { api: capped } = await fakeApi(chain, { maxNoncesPerAccount: 3, now: () => clock });
    // Counted requests only: the links' resolution (their own requests) is checked elsewhere.
    linkCheck.on = false;
    try {
      const search = (who: typeof patient) => call(capped.url, who, 'GET', `/Consent?patient=${patient.address}`, undefined, { timestamp: clock });
      for (let i = 0; i < 3; i++) assert.equal((await search(patient)).status, 200);
      const throttled = await search(patient);
      refused(throttled, 429, 'throttled', 'too_many_requests');
      assert.equal(throttled.headers.get('retry-after'), '120');
      // Another account is not affected.
      assert.equal((await search(doctor)).status, 200);
      // A refused request's nonce is not kept: the same request once the window has moved on is served.
      clock += 60_000;
      assert.equal((await search(patient)).headers.get('retry-after'), '60');
      clock += 60_001;
      assert.equal((await search(patient)).status, 200);
    } finally {
      linkCheck.on = true;
      await capped.close();
    }
  });

  test('the limits\' settings: defaults, bounds, the headers\' time within the request\'s', () => {
    const config = loadConfig({});
    assert.equal(config.headersTimeoutMs, 10_000);
    assert.equal(config.receiveTimeoutMs, 30_000);
    assert.equal(config.maxConnections, 512);
    assert.equal(config.maxNoncesPerAccount, 10_000);
    assert.equal(DEFAULTS.maxConnections, 512);
    assert.equal(loadConfig({ FHIR_MAX_CONNECTIONS: '8', FHIR_MAX_NONCES_PER_ACCOUNT: '100' }).maxConnections, 8);
    assert.throws(() => loadConfig({ FHIR_HEADERS_TIMEOUT_MS: '40000' }), /FHIR_HEADERS_TIMEOUT_MS/);
    assert.throws(() => loadConfig({ FHIR_MAX_CONNECTIONS: '0' }), /FHIR_MAX_CONNECTIONS/);
    assert.throws(() => loadConfig({ FHIR_RECEIVE_TIMEOUT_MS: 'slow' }), /FHIR_RECEIVE_TIMEOUT_MS/);
  });
});

describe('the DocumentReference search does not flood the node (review F5)', () => {
  const many = (n: number, over: Partial<ReturnType<typeof version>> = {}) =>
    Array.from({ length: n }, (_, i) => version(BigInt(1000 + i), { record: BigInt(1000 + i), ...over }));

  test('mapLimit: at most `limit` at once, results in order, the first failure thrown and nothing started after it', async () => {
    let inFlight = 0;
    let most = 0;
    const out = await mapLimit(Array.from({ length: 40 }, (_, i) => i), 8, async (n) => {
      inFlight += 1;
      most = Math.max(most, inFlight);
      await new Promise((r) => setTimeout(r, 2));
      inFlight -= 1;
      return n * 2;
    });
    assert.equal(most, 8);
    assert.deepEqual(out, Array.from({ length: 40 }, (_, i) => i * 2));
    const started: number[] = [];
    await assert.rejects(mapLimit(Array.from({ length: 40 }, (_, i) => i), 4, async (n) => {
      started.push(n);
      await new Promise((r) => setTimeout(r, 2));
      if (n === 5) throw new Error('five');
      return n;
    }), /five/);
    assert.ok(started.length < 12, `started ${started.length}`);
    assert.deepEqual(await mapLimit([], 8, async () => 1), []);
  });

  test('check_access is asked about the versions at most 8 at a time (not one by one, not all at once)', async () => {
    chain.versions = many(120);
    chain.consentList = [{ ...chain.consentList[0]!, scope: 'AllData' }];
    chain.readable.set(doctor.address, new Set(chain.versions.map((v) => v.id)));
    chain.canReadDelayMs = 3;
    linkCheck.on = false;
    try {
      const r = await call(api.url, doctor, 'GET', `/DocumentReference?patient=${patient.address}&_count=1`);
      assert.equal(r.status, 200);
      assert.equal(r.json.total, 120);
    } finally {
      linkCheck.on = true;
    }
    assert.equal(chain.canReadMaxInFlight, 8);
    assert.equal(chain.canReadAsked.length, 120);
  });

  test('versions the caller\'s consents cannot cover are not asked about', async () => {
    const otherTag = new Uint8Array(32).fill(0xcd);
    chain.versions = [...chain.versions, ...many(50, { tag: otherTag })];
    const permit = chain.consentList[0]!;
    // Consent 1: read under tag 0xab only.
    const r = await call(api.url, doctor, 'GET', `/DocumentReference?patient=${patient.address}`);
    assert.deepEqual(entries(r.json).map((d) => d.id), ['1', '2']);
    const asked = new Set(chain.canReadAsked);
    assert.ok(!chain.versions.some((v) => v.tag[0] === 0xcd && asked.has(v.id)), `asked about ${[...asked]}`);
    // A consent naming records: those records only.
    chain.canReadAsked = [];
    chain.consentList = [{ ...permit, scope: { records: [1000n, 1001n] } }];
    chain.readable.set(doctor.address, new Set([1000n]));
    const byRecord = await call(api.url, doctor, 'GET', `/DocumentReference?patient=${patient.address}&_count=1`);
    assert.deepEqual(entries(byRecord.json).map((d) => d.id), ['1000']);
    assert.deepEqual([...new Set(chain.canReadAsked)].sort(), [1000n, 1001n]);
    // A consent to append only, or for research only: nothing can be read, nothing is asked.
    chain.canReadAsked = [];
    chain.consentList = [{ ...permit, actions: ['Append'], scope: 'AllData' }];
    assert.equal((await call(api.url, doctor, 'GET', `/DocumentReference?patient=${patient.address}`)).json.total, 0);
    chain.consentList = [{ ...permit, purposes: ['Research'], scope: 'AllData' }];
    assert.equal((await call(api.url, doctor, 'GET', `/DocumentReference?patient=${patient.address}`)).json.total, 0);
    assert.deepEqual(chain.canReadAsked, []);
    // Over all data, or under break-glass: every version is asked about.
    chain.consentList = [{ ...permit, scope: 'AllData' }];
    linkCheck.on = false;
    try {
      await call(api.url, doctor, 'GET', `/DocumentReference?patient=${patient.address}`);
      assert.equal(new Set(chain.canReadAsked).size, chain.versions.length);
      chain.canReadAsked = [];
      chain.emergencies.add(other.address);
      assert.equal((await call(api.url, other, 'GET', `/DocumentReference?patient=${patient.address}`)).json.total, chain.versions.length);
      assert.equal(new Set(chain.canReadAsked).size, chain.versions.length);
    } finally {
      linkCheck.on = true;
    }
  });

  test('past FHIR_MAX_HEAVY_REQUESTS searches listing per-version data at once: 503 busy with Retry-After; lighter ones are served', async () => {
    const { api: one } = await fakeApi(chain, { maxHeavyRequests: 1 });
    const gate = deferred();
    chain.recordsGate = gate.promise;
    try {
      const listings = chain.recordListings;
      const first = call(one.url, patient, 'GET', `/DocumentReference?patient=${patient.address}`);
      await until(() => chain.recordListings > listings);
      for (const path of [`/DocumentReference?patient=${patient.address}`, `/Claim?patient=${patient.address}`, `/ClaimResponse?patient=${patient.address}`]) {
        const busy = await call(one.url, patient, 'GET', path);
        refused(busy, 503, 'throttled', 'busy');
        assert.equal(busy.headers.get('retry-after'), '6');
      }
      assert.equal(chain.recordListings, listings + 1, 'the refused ones asked nothing');
      assert.equal((await call(one.url, patient, 'GET', `/Consent?patient=${patient.address}`)).status, 200);
      gate.resolve();
      assert.equal((await first).status, 200);
      assert.equal((await call(one.url, patient, 'GET', `/Claim?patient=${patient.address}`)).status, 200);
    } finally {
      gate.resolve();
      await one.close();
    }
  });

  test('the settings: FHIR_CHAIN_CONCURRENCY and FHIR_MAX_HEAVY_REQUESTS', () => {
    const config = loadConfig({});
    assert.equal(config.chainConcurrency, 8);
    assert.equal(config.maxHeavyRequests, 4);
    assert.equal(loadConfig({ FHIR_CHAIN_CONCURRENCY: '2', FHIR_MAX_HEAVY_REQUESTS: '1' }).chainConcurrency, 2);
    assert.throws(() => loadConfig({ FHIR_CHAIN_CONCURRENCY: '0' }), /FHIR_CHAIN_CONCURRENCY/);
    assert.throws(() => loadConfig({ FHIR_MAX_HEAVY_REQUESTS: '-1' }), /FHIR_MAX_HEAVY_REQUESTS/);
  });
});

describe('search details (review F14)', () => {
  test('POST [type]/_search with a form answers as the GET; the URL\'s parameters and the form\'s together', async () => {
    const get = await call(api.url, patient, 'GET', `/Consent?patient=${patient.address}`);
    const post = await call(api.url, patient, 'POST', '/Consent/_search', `patient=${encodeURIComponent(`Patient/${patient.address}`)}`);
    assert.equal(post.status, 200, JSON.stringify(post.json));
    assertValid(post.json);
    assert.deepEqual(entries(post.json), entries(get.json));
    assert.equal(post.json.total, 2);
    // The self link is the GET of the same search.
    assert.ok(post.json.link[0].url.startsWith(`${api.url}/Consent?patient=`));
    const mixed = await call(api.url, patient, 'POST', `/Consent/_search?_count=1`, `patient=${patient.address}`);
    assert.deepEqual(entries(mixed.json).map((c) => c.id), ['1']);
    for (const type of ['AuditEvent', 'DocumentReference', 'Claim', 'ClaimResponse']) {
      const r = await call(api.url, patient, 'POST', `/${type}/_search`, `patient=${patient.address}`);
      assert.equal(r.status, 200, type);
      assertValid(r.json);
    }
    assert.equal((await call(api.url, other, 'POST', '/PractitionerRole/_search', `practitioner=${doctor.address}`)).json.total, 2);
    // Who may see what is the GET's.
    refused(await call(api.url, other, 'POST', '/AuditEvent/_search', `patient=${patient.address}`), 403, 'forbidden');
    // A JSON body, or none of the form's type: 415; a type without search: no route; the body is signed.
    refused(await call(api.url, patient, 'POST', '/Consent/_search', { patient: patient.address }), 415, 'not-supported', 'media_type_unsupported');
    refused(await call(api.url, patient, 'POST', '/Consent/_search', `patient=${patient.address}`, { headers: { 'content-type': 'text/plain' } }), 415, 'not-supported');
    refused(await call(api.url, patient, 'POST', '/Observation/_search', `patient=${patient.address}`), 404, 'not-supported', 'no_route');
    refused(await call(api.url, patient, 'POST', '/Consent/_search', `patient=${patient.address}&colour=red`), 400, 'not-supported', 'unsupported_parameter');
    const headers = signRequest(patient, genesisHash, api.url, 'POST', '/Consent/_search', new TextEncoder().encode(`patient=${patient.address}`));
    const forged = await fetch(`${api.url}/Consent/_search`, { method: 'POST', headers: { ...headers, 'content-type': 'application/x-www-form-urlencoded' }, body: `patient=${carer.address}` });
    refused({ status: forged.status, json: await forged.json() as any }, 401, 'login', 'bad_signature');
  });

  test('_count=0 answers the total only', async () => {
    for (const type of ['Consent', 'DocumentReference', 'Claim']) {
      const r = await call(api.url, patient, 'GET', `/${type}?patient=${patient.address}&_count=0`);
      assert.equal(r.status, 200, type);
      assertValid(r.json);
      assert.ok(r.json.total > 0, type);
      assert.equal(r.json.entry, undefined);
      assert.deepEqual(r.json.link.map((l: any) => l.relation), ['self']);
    }
    // Still only to whom the search answers.
    refused(await call(api.url, other, 'GET', `/AuditEvent?patient=${patient.address}&_count=0`), 403, 'forbidden');
  });

  test('a repeated parameter is 400 (not the first one silently)', async () => {
    refused(await call(api.url, patient, 'GET', `/Consent?patient=${patient.address}&patient=${carer.address}`), 400, 'value', 'repeated_parameter');
    refused(await call(api.url, patient, 'GET', `/Consent?patient=${patient.address}&patient=${patient.address}`), 400, 'value', 'repeated_parameter');
    refused(await call(api.url, patient, 'GET', `/Consent?patient=${patient.address}&_count=1&_count=2`), 400, 'value', 'repeated_parameter');
    refused(await call(api.url, patient, 'POST', `/Consent/_search?patient=${patient.address}`, `patient=${carer.address}`), 400, 'value', 'repeated_parameter');
    refused(await call(api.url, other, 'GET', `/PractitionerRole?practitioner=${doctor.address}&practitioner=${other.address}`), 400, 'value', 'repeated_parameter');
  });

  test('an absolute reference to this facade is accepted; to another server it is not', async () => {
    const own = await call(api.url, patient, 'GET', `/Consent?patient=${encodeURIComponent(`${api.url}/Patient/${patient.address}`)}`);
    assert.equal(own.status, 200);
    assert.equal(own.json.total, 2);
    assert.equal((await call(api.url, other, 'GET', `/PractitionerRole?practitioner=${encodeURIComponent(`${api.url}/Practitioner/${doctor.address}`)}`)).json.total, 2);
    refused(await call(api.url, patient, 'GET', `/Consent?patient=${encodeURIComponent(`https://fhir.elsewhere.example/Patient/${patient.address}`)}`), 400, 'value', 'bad_parameter');
    // And in a posted resource.
    const created = await call(api.url, doctor, 'POST', '/Observation', { ...observation, subject: { reference: `${api.url}/Patient/${patient.address}` } });
    assert.equal(created.status, 201, JSON.stringify(created.json));
    assert.equal(chain.writes[0]!.patient, patient.address);
    refused(await call(api.url, doctor, 'POST', '/Observation', { ...observation, subject: { reference: `https://fhir.elsewhere.example/Patient/${patient.address}` } }), 400, 'required', 'no_patient');
  });

  test('_summary, _total, _elements, _pretty are ignored and said so, unless Prefer: handling=strict', async () => {
    const path = `/Consent?patient=${patient.address}&_summary=true&_total=accurate&_elements=id,status&_pretty=true`;
    const lenient = await call(api.url, patient, 'GET', path);
    assert.equal(lenient.status, 200, JSON.stringify(lenient.json));
    assertValid(lenient.json);
    assert.equal(lenient.json.total, 2);
    const outcome = lenient.json.entry.at(-1);
    assert.equal(outcome.search.mode, 'outcome');
    assert.equal(outcome.resource.resourceType, 'OperationOutcome');
    assert.equal(outcome.resource.issue[0].severity, 'warning');
    assert.match(outcome.resource.issue[0].diagnostics, /_summary, _total, _elements, _pretty/);
    // Whole resources, and the links without what was not applied.
    assert.equal(entries(lenient.json)[0]!.provision.type, 'permit');
    assert.ok(!lenient.json.link[0].url.includes('_summary'));
    for (const prefer of ['handling=strict', 'return=representation, handling=strict']) {
      refused(await call(api.url, patient, 'GET', path, undefined, { headers: { prefer } }), 400, 'not-supported', 'unsupported_parameter');
    }
    assert.equal((await call(api.url, patient, 'GET', path, undefined, { headers: { prefer: 'handling=lenient' } })).status, 200);
    // Without them, strict handling changes nothing; an unknown parameter is refused either way.
    assert.equal((await call(api.url, patient, 'GET', `/Consent?patient=${patient.address}`, undefined, { headers: { prefer: 'handling=strict' } })).status, 200);
    refused(await call(api.url, patient, 'GET', `/Consent?patient=${patient.address}&status=active`), 400, 'not-supported', 'unsupported_parameter');
  });
});

describe('a write is made once (review F2)', () => {
  const withKey = (key: string) => ({ headers: { 'x-request-id': key } });

  test('X-Request-Id: the retry is answered with the first write\'s Location (200), nothing written again; another key writes', async () => {
    const first = await call(api.url, doctor, 'POST', '/Observation', observation, withKey('ehr-7f3a'));
    assert.equal(first.status, 201);
    const again = await call(api.url, doctor, 'POST', '/Observation', observation, withKey('ehr-7f3a'));
    assert.equal(again.status, 200, JSON.stringify(again.json));
    assertValid(again.json);
    assert.equal(again.json.issue[0].details.coding[0].code, 'already_created');
    assert.equal(again.headers.get('location'), first.headers.get('location'));
    assert.equal(again.headers.get('etag'), first.headers.get('etag'));
    assert.equal(again.headers.get('last-modified'), first.headers.get('last-modified'));
    assert.equal(chain.writesStarted, 1);
    assert.equal(chain.logged.length, 1);
    assert.equal((await call(api.url, doctor, 'POST', '/Observation', observation, withKey('ehr-7f3b'))).status, 201);
    assert.equal((await call(api.url, doctor, 'POST', '/Observation', observation)).status, 201, 'no key: written');
    assert.equal(chain.writesStarted, 3);
    // Per type: the same key to another type is another write.
    const condition = { resourceType: 'Condition', subject: observation.subject, code: { text: 'x' } };
    assert.equal((await call(api.url, doctor, 'POST', '/Condition', condition, withKey('ehr-7f3a'))).status, 201);
    refused(await call(api.url, doctor, 'POST', '/Observation', observation, withKey('bad key with spaces')), 400, 'value', 'bad_request_id');
    refused(await call(api.url, doctor, 'POST', '/Observation', observation, withKey('x'.repeat(201))), 400, 'value', 'bad_request_id');
  });

  test('If-None-Exist: identifier=…, matched against this caller\'s writes with it; anything else 400', async () => {
    const key = { headers: { 'if-none-exist': 'identifier=urn:ehr:obs|1234' } };
    assert.equal((await call(api.url, doctor, 'POST', '/Observation', observation, key)).status, 201);
    const again = await call(api.url, doctor, 'POST', '/Observation', observation, key);
    assert.equal(again.status, 200);
    assert.ok(again.headers.get('location')!.endsWith('/Observation/101/_history/1'));
    assert.equal(chain.writesStarted, 1);
    for (const bad of ['patient=Patient/x', 'identifier=', 'identifier=a&code=b', '']) {
      refused(await call(api.url, doctor, 'POST', '/Observation', observation, { headers: { 'if-none-exist': bad } }), 400, 'not-supported', 'bad_if_none_exist');
    }
    assert.equal(chain.writesStarted, 1);
  });

  test('a retry while the first write is under way: 409 with Retry-After, nothing written; then the first\'s Location', async () => {
    const gate = deferred();
    chain.writeGate = gate.promise;
    const first = call(api.url, doctor, 'POST', '/Observation', observation, withKey('slow-1'));
    await until(() => chain.writesStarted === 1);
    const during = await call(api.url, doctor, 'POST', '/Observation', observation, withKey('slow-1'));
    refused(during, 409, 'conflict', 'write_in_progress');
    assert.equal(during.headers.get('retry-after'), '6');
    gate.resolve();
    assert.equal((await first).status, 201);
    assert.equal((await call(api.url, doctor, 'POST', '/Observation', observation, withKey('slow-1'))).status, 200);
    assert.equal(chain.writesStarted, 1);
  });

  test('an answer lost to the deadline while the chain completed the write: the retry gets its Location, not a second write', async () => {
    const slow = new FakeChain();
    seed(slow);
    const { api: quick } = await fakeApi(slow, { requestTimeoutMs: 300 });
    try {
      const gate = deferred();
      slow.writeGate = gate.promise;
      refused(await call(quick.url, doctor, 'POST', '/Observation', observation, withKey('lost-1')), 504, 'timeout', 'deadline');
      gate.resolve();
      await until(() => slow.logged.length === 1);
      const retry = await call(quick.url, doctor, 'POST', '/Observation', observation, withKey('lost-1'));
      assert.equal(retry.status, 200);
      assert.ok(retry.headers.get('location')!.endsWith('/Observation/101/_history/1'));
      assert.equal(slow.writesStarted, 1);
    } finally {
      await quick.close();
    }
  });

  test('a refused write is not remembered: its retry is made', async () => {
    chain.writeError = new DispatchError('records', 'NoConsent', 'records.addRecord');
    refused(await call(api.url, doctor, 'POST', '/Observation', observation, withKey('retry-me')), 403, 'forbidden');
    chain.writeError = undefined;
    assert.equal((await call(api.url, doctor, 'POST', '/Observation', observation, withKey('retry-me'))).status, 201);
    assert.equal(chain.writes.length, 1);
  });

  test('POST Consent with a key: the retry is answered, the signed grant not submitted again', async () => {
    chain.grant = {
      signer: patient.address, patient: patient.address, grantee: other.address, decision: 'Permit', actions: ['Read'],
      scope: 'AllData', purposes: ['Treatment'], start: null, end: null,
    };
    const consent = signedConsent();
    const first = await call(api.url, patient, 'POST', '/Consent', consent, withKey('grant-1'));
    assert.equal(first.status, 201, JSON.stringify(first.json));
    const again = await call(api.url, patient, 'POST', '/Consent', consent, withKey('grant-1'));
    assert.equal(again.status, 200);
    assert.equal(again.headers.get('location'), first.headers.get('location'));
    assert.deepEqual(chain.submitted, ['0x1234']);
  });

  test('a batch with X-Request-Id, or entries with request.ifNoneExist: the retried batch writes nothing again', async () => {
    const bundle = (entries: Record<string, unknown>[]) => ({ resourceType: 'Bundle', type: 'batch', entry: entries });
    const entry = { resource: observation, request: { method: 'POST', url: 'Observation' } };
    const first = await call(api.url, doctor, 'POST', '/', bundle([entry, entry]), withKey('batch-1'));
    assert.deepEqual(first.json.entry.map((e: any) => e.response.status), ['201', '201']);
    const again = await call(api.url, doctor, 'POST', '/', bundle([entry, entry]), withKey('batch-1'));
    assertValid(again.json);
    assert.deepEqual(again.json.entry.map((e: any) => e.response.status), ['200', '200']);
    assert.deepEqual(again.json.entry.map((e: any) => e.response.location), first.json.entry.map((e: any) => e.response.location));
    assert.equal(chain.writesStarted, 2);
    // request.ifNoneExist: the second entry with the same is the first one's (a conditional create).
    const keyed = { ...entry, request: { ...entry.request, ifNoneExist: 'identifier=urn:ehr|9' } };
    const conditional = await call(api.url, doctor, 'POST', '/', bundle([keyed, keyed]));
    assertValid(conditional.json);
    assert.deepEqual(conditional.json.entry.map((e: any) => e.response.status), ['201', '200']);
    assert.equal(conditional.json.entry[0].response.location, conditional.json.entry[1].response.location);
    assert.equal(chain.writesStarted, 3);
  });

  test('a write anchored whose logging failed: 201 with a warning OperationOutcome and its Location (so it is not sent again)', async () => {
    for (const error of [new DispatchError('consent', 'NoConsent', 'consent.logAccess'), new OutcomeUnknownError('consent.logAccess', `0x${'ab'.repeat(32)}`, 'timeout')]) {
      chain.writes = [];
      chain.versions = chain.versions.filter((v) => v.id < 100n);
      chain.logError = error;
      const r = await call(api.url, doctor, 'POST', '/Observation', observation);
      assert.equal(r.status, 201, JSON.stringify(r.json));
      assertValid(r.json);
      assert.equal(r.json.resourceType, 'OperationOutcome');
      assert.equal(r.json.issue[0].severity, 'warning');
      assert.equal(r.json.issue[0].details.coding[0].code, 'unlogged');
      assert.ok(r.json.issue[0].diagnostics.includes('/Observation/101/_history/1'));
      assert.ok(r.headers.get('location')!.endsWith('/Observation/101/_history/1'));
      assert.equal(r.headers.get('etag'), 'W/"1"');
    }
    assert.ok(lines.some((l) => l.includes('fhir.write_unlogged') && l.includes('consent.NoConsent')));
    // In a batch: the entry's outcome says so.
    chain.writes = [];
    chain.versions = chain.versions.filter((v) => v.id < 100n);
    const b = await call(api.url, doctor, 'POST', '/', { resourceType: 'Bundle', type: 'batch', entry: [{ resource: observation, request: { method: 'POST', url: 'Observation' } }] });
    assertValid(b.json);
    assert.equal(b.json.entry[0].response.status, '201');
    assert.equal(b.json.entry[0].response.outcome.issue[0].severity, 'warning');
    assert.equal(chain.logged.length, 0);
  });

  test('WriteKeys: a day, per caller, bounded (a caller\'s oldest go first, not another\'s)', () => {
    let clock = 0;
    const keys = new WriteKeys(1_000, 2, 3, () => clock);
    const at = (n: number) => ({ location: `L${n}` });
    assert.ok(keys.begin('a', 'k1'));
    assert.equal(keys.begin('a', 'k1'), false);
    assert.equal(keys.lookup('a', 'k1'), 'under-way');
    keys.finish('a', 'k1', at(1));
    assert.deepEqual(keys.lookup('a', 'k1'), at(1));
    assert.equal(keys.lookup('b', 'k1'), undefined, 'per caller');
    keys.begin('a', 'k2');
    keys.finish('a', 'k2');
    assert.equal(keys.lookup('a', 'k2'), undefined, 'a write not made is forgotten');
    keys.finish('a', 'k2', at(2));
    keys.finish('a', 'k3', at(3));
    assert.equal(keys.lookup('a', 'k1'), undefined, 'the caller\'s oldest went');
    keys.finish('b', 'k1', at(4));
    keys.finish('c', 'k1', at(5));
    assert.equal(keys.size, 3);
    assert.equal(keys.lookup('a', 'k2'), undefined, 'the oldest of all went');
    clock = 999;
    assert.deepEqual(keys.lookup('c', 'k1'), at(5));
    clock = 1_000;
    assert.equal(keys.lookup('c', 'k1'), undefined, 'forgotten after its time');
    assert.equal(keys.size, 0);
  });

  test('a stop answers the write under way before it closes the connections; new requests are refused; the wait is bounded', { timeout: 60_000 }, async () => {
    const stopping = new FakeChain();
    seed(stopping);
    const { api: running, lines: runLines } = await fakeApi(stopping, { drainTimeoutMs: 5_000 });
    const gate = deferred();
    stopping.writeGate = gate.promise;
    // A connection open before the stop, to send a request on during it.
    const { hostname, port } = new URL(running.url);
    const idle = connect(Number(port), hostname);
    idle.on('error', () => undefined);
    await new Promise((r) => idle.once('connect', r));
    // Half a request sent: the connection is not idle when the stop begins.
    idle.write('GET /metadata HTTP/1.1\r\nHost: x\r\n');
    // The server stops: the Location of the answer cannot be resolved on it afterwards.
    linkCheck.on = false;
    const write = call(running.url, doctor, 'POST', '/Observation', observation).finally(() => (linkCheck.on = true));
    await until(() => stopping.writesStarted === 1);
    let closed = false;
    const closing = running.close().then(() => (closed = true));
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(closed, false, 'waits for the write');
    const late = await untilClosed(running.url, 'GET /metadata HTTP/1.1\r\nHost: x\r\n\r\n', 1_000);
    assert.ok(!late.data.startsWith('HTTP/1.1 200'), 'no new connection is served');
    let refusedData = '';
    idle.on('data', (c) => (refusedData += c.toString()));
    idle.write('\r\n');
    await until(() => refusedData.includes('stopping') || idle.destroyed);
    assert.match(refusedData, /^HTTP\/1\.1 503[\s\S]*connection: close[\s\S]*"stopping"/i);
    gate.resolve();
    const answered = await write;
    assert.equal(answered.status, 201);
    await closing;
    assert.ok(runLines.some((l) => l.includes('fhir.drained')));
    // Bounded: a write that never ends does not hold the stop past drainTimeoutMs.
    const stuck = new FakeChain();
    seed(stuck);
    stuck.writeGate = new Promise(() => undefined);
    const { api: hung, lines: hungLines } = await fakeApi(stuck, { drainTimeoutMs: 300 });
    const never = call(hung.url, doctor, 'POST', '/Observation', observation).catch((e: unknown) => e);
    await until(() => stuck.writesStarted === 1);
    // The write never ends, so the stop returning at all is its bound (the test's timeout
    // catches a stop that waits for it).
    await hung.close();
    assert.ok(await never instanceof Error, 'its connection was closed');
    assert.ok(hungLines.some((l) => l.includes('fhir.drained') && l.includes('"left":1')));
  });
});

describe('a search pages at one snapshot (review F10)', () => {
  const disclosure = (seq: number, accessor = doctor.address): DisclosureInfo => ({
    seq: BigInt(seq), patient: patient.address, accessor, data: { record: 1n }, action: 'Read', purpose: 'Treatment', basis: { consent: 1n }, at: T0 + seq,
  });
  const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => `${patient.address}-${from + i}`);
  const ids = (bundle: Record<string, any>) => entries(bundle).map((e) => e.id);
  const linksOf = (bundle: Record<string, any>): Record<string, string> => Object.fromEntries(bundle.link.map((l: any) => [l.relation, l.url]));
  const pathOf = (url: string) => `${new URL(url).pathname}${new URL(url).search}`;
  const RELATIONS = ['self', 'first', 'previous', 'next', 'last'];
  const assertAt = (bundle: Record<string, any>, hash: string) => {
    for (const { relation, url } of bundle.link) assert.equal(new URL(url).searchParams.get('_at'), hash, relation);
  };

  test('256 disclosures, 10 more after page 1: page 2 is entries 100-199 of page 1\'s snapshot, the same total', async () => {
    chain.disclosureList = Array.from({ length: 256 }, (_, i) => disclosure(i));
    const first = await call(api.url, patient, 'GET', `/AuditEvent?patient=${patient.address}&_count=100`);
    assert.equal(first.status, 200, JSON.stringify(first.json));
    assertValid(first.json);
    assert.equal(first.json.total, 256);
    assert.deepEqual(ids(first.json), range(0, 100));
    const snapshot = chain.bestHash;
    assert.deepEqual(first.json.link.map((l: any) => l.relation), ['self', 'first', 'next', 'last']);
    assertAt(first.json, snapshot);
    // Ten disclosures in a new best block: the chain keeps the last 256, so the log slides by ten.
    chain.newBlock();
    chain.disclosureList = [...chain.disclosureList.slice(10), ...Array.from({ length: 10 }, (_, i) => disclosure(256 + i))];
    const second = await call(api.url, patient, 'GET', pathOf(linksOf(first.json).next!));
    assert.equal(second.status, 200, JSON.stringify(second.json));
    assertValid(second.json);
    assert.equal(second.json.total, 256);
    assert.deepEqual(ids(second.json), range(100, 200));
    assert.deepEqual(second.json.link.map((l: any) => l.relation), RELATIONS);
    assertAt(second.json, snapshot);
    // Onwards and back, all at the snapshot: the last page, and page 1 again as it was.
    const last = await call(api.url, patient, 'GET', pathOf(linksOf(second.json).last!));
    assertValid(last.json);
    assert.deepEqual(ids(last.json), range(200, 256));
    assert.equal(linksOf(last.json).next, undefined);
    // (Entries 0-9 have left the chain's log since: their reads by id, at the best block, are 404.)
    linkCheck.on = false;
    const back = await call(api.url, patient, 'GET', pathOf(linksOf(second.json).previous!)).finally(() => { linkCheck.on = true; });
    assert.deepEqual(ids(back.json), range(0, 100));
    refused(await call(api.url, patient, 'GET', `/AuditEvent/${patient.address}-0`), 404, 'not-found', 'unknown_audit_event');
    // The same by POST _search with _at in the form.
    const posted = await call(api.url, patient, 'POST', '/AuditEvent/_search', `patient=${patient.address}&_count=100&_offset=100&_at=${snapshot}`);
    assert.equal(posted.status, 200, JSON.stringify(posted.json));
    assert.deepEqual(ids(posted.json), range(100, 200));
    // Without _at: the best block, where the window has slid (what page 2 would have been).
    const fresh = await call(api.url, patient, 'GET', `/AuditEvent?patient=${patient.address}&_count=100&_offset=100`);
    assertValid(fresh.json);
    assert.equal(fresh.json.total, 256);
    assert.deepEqual(ids(fresh.json), range(110, 210));
    assertAt(fresh.json, chain.bestHash);
    assert.notEqual(chain.bestHash, snapshot);
  });

  test('every search names its snapshot in its links and answers at it', async () => {
    const searches = [
      `/Consent?patient=${patient.address}`, `/AuditEvent?patient=${patient.address}`, `/DocumentReference?patient=${patient.address}`,
      `/Claim?patient=${patient.address}`, `/ClaimResponse?patient=${patient.address}`, `/PractitionerRole?practitioner=${doctor.address}`,
    ];
    const before = new Map<string, Record<string, any>>();
    for (const path of searches) {
      const r = await call(api.url, patient, 'GET', `${path}&_count=0`);
      assert.equal(r.status, 200, path);
      assertAt(r.json, chain.bestHash);
      before.set(path, r.json);
    }
    const snapshot = chain.newBlock();
    // Everything changes in the new best block (a record version added: one shredded would be
    // left out of the snapshot's answer as well, see below).
    chain.consentList = []; chain.disclosureList = []; chain.claimList = []; chain.licenceList = [];
    chain.versions = [...chain.versions, version(4n)];
    for (const path of searches) {
      const r = await call(api.url, patient, 'GET', `${path}&_count=0&_at=${snapshot}`);
      assert.equal(r.status, 200, `${path}: ${JSON.stringify(r.json)}`);
      assertValid(r.json);
      assert.equal(r.json.total, before.get(path)!.total, path);
      assert.ok(r.json.total > 0, path);
      assertAt(r.json, snapshot);
    }
    // A hash in upper case is the same block; the links give it in lower case.
    const upper = await call(api.url, patient, 'GET', `/Consent?patient=${patient.address}&_count=0&_at=0x${snapshot.slice(2).toUpperCase()}`);
    assert.equal(upper.json.total, 2);
    assertAt(upper.json, snapshot);
    // A version shredded since the snapshot is not served from it.
    chain.versions = chain.versions.filter((v) => v.id !== 3n);
    const docs = await call(api.url, patient, 'GET', `/DocumentReference?patient=${patient.address}&_at=${snapshot}`);
    assert.deepEqual(entries(docs.json).map((d) => d.id), ['1', '2']);
  });

  test('_at: a malformed hash is 400 before the chain is asked; a block pruned or unknown is 410 Gone', async () => {
    for (const bad of ['', '0x1234', 'latest', `0x${'zz'.repeat(32)}`, 'ab'.repeat(32), `0x${'ab'.repeat(33)}`, `0x${'ab'.repeat(31)}`]) {
      refused(await call(api.url, patient, 'GET', `/Consent?patient=${patient.address}&_at=${encodeURIComponent(bad)}`), 400, 'value', 'bad_parameter');
    }
    refused(await call(api.url, patient, 'GET', `/Consent?patient=${patient.address}&_at=1&_at=2`), 400, 'value', 'repeated_parameter');
    assert.deepEqual(chain.atAsked, []);
    const unknown = `0x${'ee'.repeat(32)}`;
    const gone = await call(api.url, patient, 'GET', `/AuditEvent?patient=${patient.address}&_at=${unknown}`);
    refused(gone, 410, 'not-found', 'snapshot_gone');
    assert.match(gone.json.issue[0].diagnostics, /without _at/);
    const old = chain.newBlock();
    assert.equal((await call(api.url, patient, 'GET', `/Consent?patient=${patient.address}&_at=${old}`)).status, 200);
    chain.prune(old);
    for (const path of [
      `/Consent?patient=${patient.address}`, `/AuditEvent?patient=${patient.address}`, `/DocumentReference?patient=${patient.address}`,
      `/Claim?patient=${patient.address}`, `/ClaimResponse?patient=${patient.address}`, `/PractitionerRole?practitioner=${doctor.address}`,
    ]) {
      refused(await call(api.url, patient, 'GET', `${path}&_at=${old}`), 410, 'not-found', 'snapshot_gone');
    }
    // The node's own words for a pruned or unknown block, met in the middle of a request, alike.
    for (const message of [
      '-32000: Client error: UnknownBlock: State already discarded for 0x3f2c',
      '4003: Client error: UnknownBlock: Header was not found in the database: 0x3f2c',
      '-32000: Client error: Api called for an unknown Block: State already discarded for BlockId::Hash(0x3f2c)',
    ]) {
      const e = toFhirError(new Error(message));
      assert.deepEqual([e.status, e.reason], [410, 'snapshot_gone'], message);
    }
    // A lost node is still 503 under _at.
    chain.atBestError = new Error('WebSocket is not connected');
    refused(await call(api.url, patient, 'GET', `/Consent?patient=${patient.address}&_at=${chain.bestHash}`), 503, 'transient', 'chain_unavailable');
  });

  test('a right lost after page 1 is refused on page 2, even at page 1\'s snapshot (403)', async () => {
    // A delegate with the log scope reads page 1 of the whole log; the patient ends the delegation.
    chain.disclosureList = Array.from({ length: 256 }, (_, i) => disclosure(i));
    const first = await call(api.url, carer, 'GET', `/AuditEvent?patient=${patient.address}&_count=100`);
    assert.equal(first.json.total, 256);
    const next = pathOf(linksOf(first.json).next!);
    chain.newBlock();
    chain.delegations.delete(carer.address);
    refused(await call(api.url, carer, 'GET', next), 403, 'forbidden', 'forbidden');
    // A grantee pages the patient's documents; the patient revokes its consent.
    const docs = await call(api.url, doctor, 'GET', `/DocumentReference?patient=${patient.address}&_count=1`);
    assert.equal(docs.status, 200, JSON.stringify(docs.json));
    assert.equal(docs.json.total, 2);
    const docsNext = pathOf(linksOf(docs.json).next!);
    assert.equal(await call(api.url, doctor, 'GET', docsNext).then((r) => r.status), 200);
    chain.newBlock();
    chain.consentList = chain.consentList.map((c) => (c.id === 1n ? { ...c, status: 'Revoked', standing: 'Revoked' } : c));
    chain.readable.delete(doctor.address);
    refused(await call(api.url, doctor, 'GET', docsNext), 403, 'forbidden', 'forbidden');
    // The consent search: a grantee still sees the consents granted to it (revoked included), as
    // without _at; a stranger now (a grant withdrawn from state) is refused.
    const consents = await call(api.url, doctor, 'GET', `/Consent?patient=${patient.address}&_count=1`);
    const consentsAt = pathOf(linksOf(consents.json).self!);
    chain.newBlock();
    chain.consentList = chain.consentList.filter((c) => c.grantee !== doctor.address);
    refused(await call(api.url, doctor, 'GET', consentsAt), 403, 'forbidden', 'forbidden');
  });

  test('a right narrowed since the snapshot narrows the answer: the old delegate sees only its own entries', async () => {
    chain.disclosureList = Array.from({ length: 256 }, (_, i) => disclosure(i, i === 5 ? carer.address : doctor.address));
    const first = await call(api.url, carer, 'GET', `/AuditEvent?patient=${patient.address}&_count=100`);
    assert.equal(first.json.total, 256);
    chain.newBlock();
    chain.delegations.delete(carer.address);
    const next = await call(api.url, carer, 'GET', pathOf(linksOf(first.json).next!));
    assert.equal(next.status, 200, JSON.stringify(next.json));
    assertValid(next.json);
    assert.equal(next.json.total, 1);
    assert.equal(next.json.entry, undefined);
    const own = await call(api.url, carer, 'GET', pathOf(linksOf(next.json).first!));
    assert.deepEqual(ids(own.json), range(5, 6));
  });
});

describe('every link the tests were given (review F8)', () => {
  test('each Location and fullUrl above resolved with a signed GET (200; another caller 200 or 403)', () => {
    assert.ok(linkCheck.checked >= 40, `only ${linkCheck.checked} links were checked`);
  });
});
