// An EHR against the facade, with a real `telemed-node --dev` (TELEMED_NODE, started by the
// repository's testing/node.ts on free loopback ports), a real gateway (gateway/'s own
// `startGateway`: Helia on loopback) and the facade on free ports. The facade holds the demo
// physician's keys (//Bob, licensed on the dev chain, with his development key-agreement key),
// as a clinic's facade holds its practitioners'. The patient is the development account //Eve
// with fresh SDK keys; no fixture looks like a real person. Every response is validated against
// FHIR R4.

import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { Keyring } from '@polkadot/keyring';
import type { KeyringPair } from '@polkadot/keyring/types';
import { cryptoWaitReady } from '@polkadot/util-crypto';
import { x25519 } from '@noble/curves/ed25519.js';
import {
  eventOf, KeyRing, generateRecoveryPhrase, registerPatient, send, tagOf, toHex, type Actor, type TelemedChain,
} from '@telemed/sdk';
import { removeDir, startNode, tempDir, type RunningNode } from '../../../testing/node.ts';
import { connectChain, SdkChain } from '../../../gateway/src/chain.ts';
import { DEFAULTS } from '../../../gateway/src/config.ts';
import { startGateway, type Gateway } from '../../../gateway/src/gateway.ts';
import { createLogger } from '../../../gateway/src/log.ts';
import { signRequest } from '../../src/auth.ts';
import { startFacade, type Facade } from '../../src/facade.ts';
import { LIMITS } from '../../src/server.ts';
import { assertValid } from '../validate.ts';

let dir: string;
let node: RunningNode;
let chain: TelemedChain;
let gateway: Gateway;
let facade: Facade;
const lines: string[] = [];
let bob: KeyringPair;
let stranger: KeyringPair;
let patientPair: KeyringPair;
let patient: Actor;
let tag: Uint8Array;

before(async () => {
  await cryptoWaitReady();
  dir = tempDir('telemed-fhir-');
  node = await startNode({ basePath: join(dir, 'node') });
  chain = await connectChain(node.wsUrl, 120_000);
  gateway = await startGateway(
    { ...DEFAULTS, port: 0, ipfsPort: 0, dataDir: join(dir, 'gateway'), nodeWs: node.wsUrl },
    createLogger('error'),
    new SdkChain(chain, 10_000),
  );
  const keyring = new Keyring({ type: 'sr25519', ss58Format: 42 });
  bob = keyring.addFromUri('//Bob');
  stranger = keyring.addFromUri('//FhirEhrStranger');
  // A development account endowed at genesis and given no role (saves a funding transfer).
  patientPair = keyring.addFromUri('//Eve');
  const bobSecret = new Uint8Array(createHash('sha256').update('telemed dev key agreement //Bob').digest());
  const bobActor: Actor = { signer: bob, keys: { keyVersion: 0, secretKey: bobSecret, publicKey: x25519.getPublicKey(bobSecret) } };
  facade = await startFacade({
    host: '127.0.0.1',
    port: 0,
    nodeWs: node.wsUrl,
    gatewayUrl: gateway.url,
    clockSkewMs: 60_000,
    maxBodyBytes: 1024 * 1024,
    // A write is three transactions in turn; on a loaded CI machine a block can take 40 s.
    requestTimeoutMs: 300_000,
    maxBatchEntries: 20,
    ...LIMITS,
    chainConcurrency: 8,
    maxHeavyRequests: 4,
    maxKeysPerCaller: 10_000,
    signers: [bobActor],
    logLevel: 'info',
  }, createLogger('info', (l) => lines.push(l)), chain);
  patient = { signer: patientPair, keys: KeyRing.fromRecoveryPhrase(generateRecoveryPhrase()) };
  tag = tagOf(patient.keys instanceof KeyRing ? patient.keys.tagKey(0) : new Uint8Array(32), 'category/vital-signs');
  // The patient registers with the SDK's key.
  await registerPatient({ chain, store: undefined as never }, patient);
});

after(async () => {
  await facade?.stop().catch(() => {});
  await gateway?.stop().catch(() => {});
  await chain?.disconnect().catch(() => {});
  await node?.stop();
  if (dir) removeDir(dir);
});

/** A signed request to the facade as `who`; every answer is validated as FHIR R4. */
async function fhir(who: KeyringPair, method: string, path: string, body?: unknown): Promise<{ status: number; json: Record<string, any> }> {
  const bytes = body === undefined ? new Uint8Array() : new TextEncoder().encode(JSON.stringify(body));
  const headers = signRequest(who, chain.genesisHash, facade.url, method, path, bytes);
  let res: Response;
  try {
    res = await fetch(`${facade.url}${path}`, {
      method,
      headers: body === undefined ? headers : { ...headers, 'content-type': 'application/fhir+json' },
      ...(body === undefined ? {} : { body: bytes }),
    });
  } catch (e) {
    throw new Error(`${method} ${path}: ${String((e as Error).cause ?? e)}\n${lines.slice(-5).join('\n')}`);
  }
  const json = (await res.json()) as Record<string, any>;
  assertValid(json);
  return { status: res.status, json };
}

const resources = (bundle: Record<string, any>): Record<string, any>[] => (bundle.entry ?? []).map((e: any) => e.resource);

test('an EHR: consent by the patient\'s signature, an Observation written, found, read and audited; strangers refused', async () => {
  // The patient grants the physician Read and Append under one blinded tag, for treatment: a
  // Consent whose signed grantConsent extrinsic the patient's wallet made.
  const grant = chain.api.tx.consent!.grantConsent!(
    patientPair.address, bob.address, 'Permit', ['Read', 'Append'], { Tags: [toHex(tag)] }, ['Treatment'], null, null);
  await grant.signAsync(patientPair, { nonce: -1 });
  const consent = {
    resourceType: 'Consent',
    extension: [{ url: 'urn:telemed:fhir:signed-extrinsic', valueString: grant.toHex() }],
    status: 'active',
    scope: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/consentscope', code: 'patient-privacy' }] },
    category: [{ coding: [{ system: 'http://loinc.org', code: '59284-0' }] }],
    patient: { reference: `Patient/${patientPair.address}` },
    policyRule: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'OPTIN' }] },
    provision: {
      type: 'permit',
      actor: [{
        role: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ParticipationType', code: 'IRCP' }] },
        reference: { reference: `Practitioner/${bob.address}` },
      }],
      action: ['access', 'collect'].map((code) => ({ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/consentaction', code }] })),
      purpose: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ActReason', code: 'TREAT' }],
      extension: [{ url: 'urn:telemed:fhir:blinded-tag', valueString: toHex(tag) }],
    },
  };
  // Posted by someone else than its signer: refused, nothing submitted.
  const foreign = await fhir(stranger, 'POST', '/Consent', consent);
  assert.equal(foreign.status, 403);
  assert.equal(foreign.json.issue[0].details.coding[0].code, 'signer_mismatch');
  const granted = await fhir(patientPair, 'POST', '/Consent', consent);
  assert.equal(granted.status, 201, JSON.stringify(granted.json));
  assert.equal(granted.json.status, 'active');
  assert.equal(granted.json.provision.actor[0].reference.reference, `Practitioner/${bob.address}`);
  const consentId = granted.json.id as string;
  // The same signed grant again (a replay): its nonce is spent, refused before submission.
  const replayed = await fhir(patientPair, 'POST', '/Consent', consent);
  assert.equal(replayed.status, 409, JSON.stringify(replayed.json));
  assert.equal(replayed.json.issue[0].details.coding[0].code, 'stale_nonce');

  // The EHR, as the physician, posts an Observation for the patient.
  const observation = {
    resourceType: 'Observation',
    status: 'final',
    category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'vital-signs' }] }],
    code: { coding: [{ system: 'http://loinc.org', code: '8867-4', display: 'Heart rate' }] },
    subject: { reference: `Patient/${patientPair.address}` },
    effectiveDateTime: '2026-11-26T09:00:00Z',
    valueQuantity: { value: 58, unit: 'beats/minute', system: 'http://unitsofmeasure.org', code: '/min' },
  };
  const created = await fhir(bob, 'POST', '/Observation', observation);
  assert.equal(created.status, 201, JSON.stringify(created.json));
  const id = created.json.id as string;
  assert.match(id, /^\d+$/);

  // It is among the patient's DocumentReferences, for the physician: current, by him, at the gateway.
  const docs = await fhir(bob, 'GET', `/DocumentReference?patient=Patient/${patientPair.address}&_count=10`);
  assert.equal(docs.status, 200);
  const doc = resources(docs.json).find((d) => d.id === id);
  assert.ok(doc, `DocumentReference/${id} in ${JSON.stringify(docs.json)}`);
  assert.equal(doc.status, 'current');
  assert.deepEqual(doc.author, [{ reference: `Practitioner/${bob.address}` }]);
  assert.equal(doc.content[0].attachment.url, `${gateway.url}/records/${id}/blob`);
  assert.equal(doc.subject.reference, `Patient/${patientPair.address}`);

  // The EHR reads it back: checked and logged on chain, decrypted for the request only.
  const read = await fhir(bob, 'GET', `/Observation/${id}`);
  assert.equal(read.status, 200, JSON.stringify(read.json));
  assert.equal(read.json.valueQuantity.value, 58);
  assert.equal(read.json.id, id);

  // Its write and its read are in the patient's disclosure log, as AuditEvents.
  const audit = await fhir(bob, 'GET', `/AuditEvent?patient=${patientPair.address}`);
  assert.equal(audit.status, 200);
  const mine = resources(audit.json).filter((e) => e.entity.some((x: any) => x.what?.reference === `DocumentReference/${id}`));
  assert.deepEqual(mine.map((e) => e.action).sort(), ['C', 'R']);
  for (const e of mine) {
    assert.equal(e.agent[0].who.identifier.value, bob.address);
    assert.deepEqual(e.agent[0].policy, [`urn:telemed:basis:consent:${consentId}`]);
    assert.equal(e.purposeOfEvent[0].coding[0].code, 'TREAT');
  }

  // The patient sees the consent, the document and the whole log.
  const consents = await fhir(patientPair, 'GET', `/Consent?patient=${patientPair.address}`);
  assert.deepEqual(resources(consents.json).map((c) => c.id), [consentId]);
  assert.ok(resources((await fhir(patientPair, 'GET', `/DocumentReference?patient=${patientPair.address}`)).json).some((d) => d.id === id));
  assert.ok(resources((await fhir(patientPair, 'GET', `/AuditEvent?patient=${patientPair.address}`)).json).length >= 2);

  // A caller without access: 403 OperationOutcome, for every view of the patient's data.
  for (const path of [
    `/DocumentReference?patient=${patientPair.address}`,
    `/AuditEvent?patient=${patientPair.address}`,
    `/Consent?patient=${patientPair.address}`,
  ]) {
    const refused = await fhir(stranger, 'GET', path);
    assert.equal(refused.status, 403, path);
    assert.equal(refused.json.resourceType, 'OperationOutcome');
    assert.equal(refused.json.issue[0].code, 'forbidden');
  }
  // The stranger cannot write through the facade either (no key held), nor read the record.
  assert.equal((await fhir(stranger, 'POST', '/Observation', observation)).status, 403);
  assert.equal((await fhir(stranger, 'GET', `/Observation/${id}`)).status, 403);

  // The physician's profile and licence, from the chain.
  const practitioner = await fhir(stranger, 'GET', `/Practitioner/${bob.address}`);
  assert.equal(practitioner.status, 200);
  assert.equal(practitioner.json.active, true);
  const roles = await fhir(stranger, 'GET', `/PractitionerRole?practitioner=${bob.address}`);
  const role = resources(roles.json)[0];
  assert.ok(role);
  assert.equal(role.active, true);
  assert.equal(role.extension[0].valueCodeableConcept.coding[0].code, 'FR');

  // Nothing of the Observation in the facade's logs.
  const log = lines.join('\n');
  for (const word of ['Observation', 'Heart', '8867', 'beats', 'vital']) assert.ok(!log.includes(word), word);
});

/** Waits until `check` holds, polling every second, or fails after `ms`. */
async function until(check: () => Promise<boolean>, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 1_000));
  }
}

test('an insured visit\'s Claim and ClaimResponse from the real chain: queued, then paid; the insurer sees it, a stranger is refused', async () => {
  const api = chain.api;
  const keyring = new Keyring({ type: 'sr25519', ss58Format: 42 });
  // A patient of its own (the first test signed the other's consent outside the SDK, which
  // counts each signer's nonces itself).
  const [alice, insurer, insured] = [keyring.addFromUri('//Alice'), keyring.addFromUri('//Dave'), keyring.addFromUri('//Ferdie')];
  const insuredActor: Actor = { signer: insured, keys: KeyRing.fromRecoveryPhrase(generateRecoveryPhrase()) };
  const UNIT = 1_000_000_000_000n;
  const SERVICE = '99213';
  const chainNow = async () => Number((await api.query.timestamp!.now!()).toString());
  // Governance (sudo on the dev chain) registers the insurer; the physician publishes a
  // service; the patient consents to the insurer for payment (any scope is a payment consent).
  await Promise.all([
    registerPatient({ chain, store: undefined as never }, insuredActor),
    send(chain, api.tx.sudo!.sudo!(api.tx.billing!.registerInsurer!(insurer.address, 'Example Mutual')), alice),
    send(chain, api.tx.billing!.setService!(SERVICE, new Uint8Array(32).fill(7), 50n * UNIT, 30 * 60_000), bob),
    send(chain, api.tx.consent!.grantConsent!(insured.address, insurer.address, 'Permit', ['Read'],
      { Tags: [toHex(tagOf((insuredActor.keys as KeyRing).tagKey(0), 'category/billing'))] }, ['Payment'], null, null), insured),
  ]);
  const now = await chainNow();
  await send(chain, api.tx.billing!.fundPool!(500n * UNIT), insurer);
  const issued = await send(chain, api.tx.billing!.issuePolicy!(insured.address, [SERVICE], 800_000, 200n * UNIT, now, now + 365 * 86_400_000), insurer);
  const policy = Number(eventOf(issued, 'billing', 'PolicyIssued').fields.id);
  // The patient books six blocks ahead; the physician accepts and delivers at the visit's time;
  // the patient confirms: the visit settles and the claim for the insurer's 80 % is created.
  const at = (await chainNow()) + 36_000;
  const booked = await send(chain, api.tx.billing!.book!(insured.address, bob.address, SERVICE, at, policy), insured);
  const visit = Number(eventOf(booked, 'billing', 'ConsultationBooked').fields.id);
  await send(chain, api.tx.billing!.accept!(visit), bob);
  await until(async () => (await chainNow()) >= at, 90_000, 'the visit time');
  await send(chain, api.tx.billing!.markDelivered!(visit, null), bob);
  const settled = await send(chain, api.tx.billing!.confirm!(visit), insured);
  const claimId = String(eventOf(settled, 'billing', 'ClaimCreated').fields.id);
  // The visit is closed: no longer among the patient's open consultations, yet its claim is found.
  assert.deepEqual((await api.call.billingApi!.consultations!(insured.address)).toJSON(), []);

  const claims = await fhir(insured, 'GET', `/Claim?patient=${insured.address}`);
  assert.equal(claims.status, 200);
  const [claim] = resources(claims.json);
  assert.equal(claims.json.total, 1);
  assert.equal(claim!.id, claimId);
  assert.equal(claim!.identifier[0].value, String(visit));
  assert.equal(claim!.provider.reference, `Practitioner/${bob.address}`);
  assert.equal(claim!.insurer.identifier.value, insurer.address);
  assert.equal(claim!.insurance[0].coverage.identifier.value, String(policy));
  assert.equal(claim!.item[0].productOrService.coding[0].code, SERVICE);
  assert.equal(claim!.total.value, 40);
  const queued = resources((await fhir(insured, 'GET', `/ClaimResponse?patient=${insured.address}`)).json);
  assert.deepEqual(queued.map((r) => [r.id, r.outcome]), [[claimId, 'queued']]);
  assert.match(queued[0]!.disposition, /^pending/);
  // The insurer and the physician see it; a stranger is refused.
  assert.equal((await fhir(insurer, 'GET', `/Claim?patient=${insured.address}`)).json.total, 1);
  assert.equal((await fhir(bob, 'GET', `/Claim?patient=${insured.address}`)).json.total, 1);
  const refused = await fhir(stranger, 'GET', `/ClaimResponse?patient=${insured.address}`);
  assert.equal(refused.status, 403);
  assert.equal(refused.json.resourceType, 'OperationOutcome');

  // The insurer approves: the response is complete and paid.
  await send(chain, api.tx.billing!.adjudicateClaim!(claimId, true, new Uint8Array(32)), insurer);
  const paid = resources((await fhir(insurer, 'GET', `/ClaimResponse?patient=${insured.address}`)).json);
  assert.deepEqual(paid.map((r) => [r.id, r.outcome, r.disposition]), [[claimId, 'complete', 'approved and paid']]);
  assert.equal(paid[0]!.payment.amount.value, 40);
});
