// Emergency key custody without a node: the runtime's JSON of delegations, break-glass accesses
// and disclosures; the runtime's `allows`/`is_open` rules at their bounds; the flows with a
// fake chain: the custodian's release opens its own envelope and seals the same data key bound
// to the practitioner (which only the practitioner opens), sent as `addEnvelope(…,
// EmergencyTreatment)`; a version the practitioner has an envelope for is not sent again;
// appointing sends `addDelegate(custodian, [EmergencyCustodian], until)`.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeAddress } from '@polkadot/util-crypto';

import {
  amendResource,
  appointCustodian,
  emergencyBasis,
  encryptContent,
  fromHex,
  RELEASE_MORTALITY,
  type ReleaseFacts,
  ReleaseRefused,
  releaseDecision,
  rekeyRecord,
  renewCustody,
  currentKey,
  sealLocator,
  sealToCustodian,
  utf8,
  bindingFor,
  consent,
  DecryptionError,
  type FlowContext,
  MemoryBlobStore,
  newDataKey,
  openEnvelope,
  releaseToEmergency,
  sealEnvelope,
  type Signer,
  type TelemedChain,
  toHex,
} from '../src/index.ts';
import { delegationFromJson, disclosureFromJson, emergencyAccessFromJson } from '../src/chain/types.ts';
import { counting, keyPair } from './helpers.ts';

const PATIENT = `0x${'a1'.repeat(32)}`;
const CUSTODIAN = `0x${'c5'.repeat(32)}`;
const DOCTOR = `0x${'d0'.repeat(32)}`;

test("delegations, break-glass accesses and disclosures from the runtime's JSON", () => {
  const d = delegationFromJson({ scopes: ['ViewDisclosureLog', 'EmergencyCustodian'], until: 5_000, deposit: 1, since: 10 });
  assert.deepEqual(d, { scopes: ['ViewDisclosureLog', 'EmergencyCustodian'], until: 5_000, since: 10 });
  assert.equal(delegationFromJson({ scopes: [], until: null, deposit: 0, since: 0 }).until, null);
  const e = emergencyAccessFromJson({
    practitioner: '5Dr', patient: '5P', statement: '0x00', openedAt: 1, expiresAt: 9, closedAt: null, deposit: 3, review: 'Pending',
  });
  assert.deepEqual(e, { practitioner: '5Dr', patient: '5P', openedAt: 1, expiresAt: 9, closedAt: null, review: 'Pending' });
  const x = disclosureFromJson({
    accessor: '5Dr', patient: '5P', data: { record: 7 }, action: 'Read', purpose: 'EmergencyTreatment', basis: { emergency: 3 }, at: 42,
  });
  assert.deepEqual(x, { accessor: '5Dr', data: { record: 7 }, action: 'Read', purpose: 'EmergencyTreatment', basis: { emergency: 3 }, at: 42 });
});

test("the runtime's rules: an appointment counts before its end, an access while open, not closed, not unjustified", () => {
  const appointment = { scopes: ['EmergencyCustodian' as const], until: 100, since: 0 };
  assert.equal(consent.delegationAllows(appointment, 'EmergencyCustodian', 99), true);
  assert.equal(consent.delegationAllows(appointment, 'EmergencyCustodian', 100), false);
  assert.equal(consent.delegationAllows({ ...appointment, until: null }, 'EmergencyCustodian', 10 ** 15), true);
  assert.equal(consent.delegationAllows({ ...appointment, scopes: [] }, 'EmergencyCustodian', 0), false);
  assert.equal(consent.delegationAllows(null, 'EmergencyCustodian', 0), false);
  const access = { practitioner: '5Dr', patient: '5P', openedAt: 0, expiresAt: 100, closedAt: null, review: 'Pending' };
  assert.equal(consent.emergencyIsOpen(access, 99), true);
  assert.equal(consent.emergencyIsOpen(access, 100), false);
  assert.equal(consent.emergencyIsOpen({ ...access, closedAt: 50 }, 60), false);
  assert.equal(consent.emergencyIsOpen({ ...access, review: 'Unjustified' }, 60), false);
  assert.equal(consent.emergencyIsOpen(null, 0), false);
});

/** What the fake chain answers for the release checks; a test changes what it needs. */
interface FakeState {
  /** `check_access` of the doctor: the basis JSON or the denial. */
  access: { ok: unknown } | { err: string };
  /** The version's envelope count. */
  envelopeCount: number;
  /** The version that replaced it, if any. */
  supersededBy: number | null;
  free: bigint;
  /** The doctor's other envelopes of the patient's records (besides one of version 10 in `envelopes`). */
  doctorOthers: number;
  /** The patient's delegates: account → scopes. */
  delegates: Map<string, string[]>;
  /** The purpose of a version-10 envelope by grantee (default EmergencyTreatment). */
  purposes: Map<string, string>;
  /** The record's latest version (`record_history` lists 10..=latest). */
  latest: number;
  /** Envelopes of later versions a test sets, `version/grantee`. */
  sealedLater: Map<string, { sealed: Uint8Array; sealedTo: Uint8Array }>;
  /** Version 10's content fields (hex), if a test anchors real content. */
  content?: { commitment: string; ciphertextHash: string; sizeClass: number; locator: string };
}

/**
 * A fake chain: record versions 10 (current unless `state.supersededBy`) and later ones the
 * flows anchor, envelopes by version and grantee, a practitioner key, the release checks'
 * answers in `state`; sent calls (and their signing options) recorded.
 */
function fakeChain(envelopes: Map<string, { sealed: Uint8Array; sealedTo: Uint8Array }>, doctorKey: Uint8Array, keys = new Map<string, Uint8Array>()) {
  const sent: { call: string; args: unknown[] }[] = [];
  const options: unknown[] = [];
  const state: FakeState = {
    access: { ok: { emergency: 3 } }, envelopeCount: 1, supersededBy: null, free: 10_000n, doctorOthers: 0, delegates: new Map(),
    purposes: new Map(), latest: 10, sealedLater: new Map(),
  };
  const version = (id: number) => ({
    patient: PATIENT, author: PATIENT, tag: toHex(counting(32)), commitment: toHex(counting(32, 1)),
    ciphertextHash: toHex(counting(32, 2)), sizeClass: 12, locator: '0x01', createdAt: 0, record: 10, version: id - 9,
    supersedes: id === 10 ? null : id - 1, kind: id === 10 ? 'Original' : 'Amendment',
    status: id === 10 && state.supersededBy !== null ? { superseded: { by: state.supersededBy } } : 'Current',
    envelopes: state.envelopeCount,
    ...(id === 10 ? state.content : {}),
  });
  /** Envelopes of versions other than 10, `version/grantee`. */
  const later = new Map<string, string>();
  let nextId = 11;
  const json = (value: unknown) => ({ toJSON: () => value, isSome: value !== null, toString: () => String(value) });
  const tx = (section: string, method: string) => (...args: unknown[]) => ({
    method: { section, method },
    paymentInfo: async () => ({ partialFee: { toBigInt: () => 100n } }),
    signAndSend: (_signer: unknown, signing: unknown, callback: (r: unknown) => void) => {
      sent.push({ call: `${section}.${method}`, args });
      options.push(signing);
      const events: unknown[] = [];
      if (method === 'amendRecord' || method === 'rekeyRecord') {
        const id = nextId++;
        const name = method === 'amendRecord' ? 'RecordAmended' : 'RecordReKeyed';
        events.push({ event: { section: 'records', method: name, meta: { fields: [{ name: { isSome: true, unwrap: () => 'id' } }] }, data: { toJSON: () => [id] } } });
        if (method === 'rekeyRecord') for (const [who] of args[5] as [string, string][]) later.set(`${id}/${who}`, 'EmergencyTreatment');
      }
      if (method === 'addEnvelope' && args[0] !== 10n) later.set(`${args[0]}/${args[1]}`, String(args[3]));
      if (method === 'addEnvelope' && args[0] === 10n) state.purposes.set(String(args[1]), String(args[3]));
      setTimeout(() => callback({
        status: { type: 'InBlock', isInBlock: true, isFinalized: false, asInBlock: { toHex: () => '0xb10c' } },
        events,
        dispatchError: undefined,
      }), 1);
      return Promise.resolve(() => undefined);
    },
  });
  const holds = (grantee: string) => {
    const held: number[] = envelopes.has(grantee) ? [10] : [];
    for (const key of later.keys()) if (key.endsWith(`/${grantee}`)) held.push(Number(key.split('/')[0]));
    if (grantee === DOCTOR) for (let i = 0; i < state.doctorOthers; i++) held.push(1_000 + i);
    return held;
  };
  const api = {
    rpc: {
      system: { accountNextIndex: async () => ({ toNumber: () => 0 }) },
      chain: { getBlockHash: async () => ({ toHex: () => '0xbe57' }) },
    },
    call: {
      recordsApi: {
        recordHistory: async () => json(Array.from({ length: state.latest - 9 }, (_, i) => [10 + i, version(10 + i)])),
        envelope: async (id: bigint, grantee: string) => {
          const e = id === 10n ? envelopes.get(grantee) : state.sealedLater.get(`${id}/${grantee}`);
          return json(e ? { sealed: toHex(e.sealed), sealedTo: toHex(e.sealedTo), purpose: 'EmergencyTreatment', depositor: PATIENT } : null);
        },
        patient: async (who: string) => json(keys.has(who) ? { key: toHex(keys.get(who)!), deposit: 1, registeredAt: 0 } : null),
      },
      consentApi: { checkAccess: async () => json(state.access) },
    },
    query: {
      records: {
        records: async (id: bigint) => json({ live: version(Number(id)) }),
        envelopes: async (id: bigint, grantee: string) => {
          const purpose = id === 10n ? (envelopes.has(grantee) ? state.purposes.get(grantee) ?? 'EmergencyTreatment' : undefined)
            : later.get(`${id}/${grantee}`);
          return json(purpose ? { sealed: '0x00', sealedTo: '0x00', purpose, depositor: PATIENT } : null);
        },
        envelopesOf: async (_patient: string, grantee: string) => json(holds(grantee)),
      },
      practitioners: { practitioners: async () => json({ keyAgreementKey: toHex(doctorKey) }) },
      consent: {
        delegates: Object.assign(
          async (_patient: string, who: string) => json(state.delegates.has(who) ? { scopes: state.delegates.get(who), until: null, deposit: 1, since: 0 } : null),
          {
            entries: async () => [...state.delegates].map(([who, scopes]) => [
              { args: [PATIENT, { toU8a: () => who }] },
              json({ scopes, until: null, deposit: 1, since: 0 }),
            ]),
          },
        ),
      },
      system: { account: async () => json({ data: { free: state.free.toString() } }) },
      timestamp: { now: async () => json(5) },
    },
    consts: {
      records: { maxEnvelopesPerRecord: json(16), maxEnvelopesPerGrantee: json(8), envelopeDeposit: json(1_000) },
      balances: { existentialDeposit: json(10) },
    },
    tx: {
      records: {
        addEnvelope: tx('records', 'addEnvelope'), amendRecord: tx('records', 'amendRecord'), rekeyRecord: tx('records', 'rekeyRecord'),
      },
      consent: { addDelegate: tx('consent', 'addDelegate') },
    },
  };
  const chain = {
    api,
    genesisHash: counting(32, 0x20),
    accountId: (a: string | Uint8Array) => (typeof a === 'string' ? decodeAddress(a) : a),
    address: (a: string | Uint8Array) => (typeof a === 'string' ? a : toHex(a)),
    now: async () => 5,
    at: async () => chain,
  } as unknown as TelemedChain;
  return { chain, sent, options, state, later };
}

test('the custodian releases: its envelope opened, the same key sealed bound to the practitioner, once', async () => {
  const custodianKeys = { keyVersion: 0, ...keyPair(0x11) };
  const doctorKeys = keyPair(0x22);
  const envelopes = new Map<string, { sealed: Uint8Array; sealedTo: Uint8Array }>();
  const { chain, sent } = fakeChain(envelopes, doctorKeys.publicKey);
  const ctx: FlowContext = { chain, store: new MemoryBlobStore() };
  const version = { record: 10n, version: 1 };
  const dataKey = newDataKey();
  envelopes.set(CUSTODIAN, {
    sealed: await sealEnvelope(dataKey, custodianKeys.publicKey, 0, bindingFor(ctx, version, CUSTODIAN)),
    sealedTo: custodianKeys.publicKey,
  });
  const custodian = { signer: { address: CUSTODIAN } as Signer, keys: custodianKeys };

  assert.equal(await releaseToEmergency(ctx, custodian, 10n, DOCTOR, 3n), 'sealed');
  assert.equal(sent.length, 1);
  const [id, grantee, sealedHex, purpose] = sent[0]!.args as [bigint, string, string, string];
  assert.deepEqual([sent[0]!.call, id, grantee, purpose], ['records.addEnvelope', 10n, DOCTOR, 'EmergencyTreatment']);
  const sealed = Uint8Array.from(Buffer.from(sealedHex.slice(2), 'hex'));
  assert.deepEqual(await openEnvelope(sealed, doctorKeys.secretKey, bindingFor(ctx, version, DOCTOR)), dataKey);
  // Bound to the practitioner: presented as another grantee's (even with his key) it does not open.
  await assert.rejects(openEnvelope(sealed, doctorKeys.secretKey, bindingFor(ctx, version, CUSTODIAN)), DecryptionError);

  // Once he has an envelope, a release sends nothing.
  envelopes.set(DOCTOR, { sealed, sealedTo: doctorKeys.publicKey });
  assert.equal(await releaseToEmergency(ctx, custodian, 10n, DOCTOR, 3n), 'already');
  assert.equal(sent.length, 1);
});

test('appointing sends addDelegate(custodian, [EmergencyCustodian], until)', async () => {
  const { chain, sent } = fakeChain(new Map(), keyPair(0x22).publicKey);
  const patient = { signer: { address: PATIENT } as Signer, keys: { keyVersion: 0, ...keyPair(0x33) } };
  await appointCustodian({ chain, store: new MemoryBlobStore() }, patient, CUSTODIAN, 1_000);
  assert.deepEqual(sent, [{ call: 'consent.addDelegate', args: [CUSTODIAN, ['EmergencyCustodian'], 1_000] }]);
});

/** Release facts that allow a release of version 10 for emergency 3 (each test spoils one). */
function allowing(): ReleaseFacts {
  const version = {
    id: 10n, patient: PATIENT, author: PATIENT, tag: counting(32), commitment: counting(32, 1), ciphertextHash: counting(32, 2),
    sizeClass: 12, locator: counting(1), createdAt: 0, record: 10n, version: 1, supersedes: null, kind: 'Original' as const,
    supersededBy: null, envelopes: 15,
  };
  return {
    version, custodianHolds: true, access: { ok: { emergency: 3 } }, practitionerHolds: [1n, 2n, 3n, 4n, 5n, 6n, 7n],
    maxEnvelopesPerRecord: 16, maxEnvelopesPerGrantee: 8, free: 1_110n, deposit: 1_000n, fee: 100n, existentialDeposit: 10n,
  };
}

test('release decision: each refusal, at and one past its bound; an envelope already there is not a refusal', () => {
  const ok = allowing();
  assert.equal(releaseDecision(ok, 10n, 3n), 'release', 'one envelope short of each bound, balance exactly deposit + fee + ED');
  const cases: [Partial<ReleaseFacts>, string][] = [
    [{ version: null }, 'UnknownRecord'],
    [{ version: { ...ok.version!, supersededBy: 11n } }, 'NotCurrent'],
    [{ custodianHolds: false }, 'NotHeld'],
    [{ access: { err: 'noConsent' } }, 'NotEmergency'],
    [{ access: { ok: { consent: 3 } } }, 'NotEmergency'],
    [{ access: { ok: 'patient' } }, 'NotEmergency'],
    [{ access: { ok: { emergency: 4 } } }, 'OtherEmergency'],
    [{ version: { ...ok.version!, envelopes: 16 } }, 'TooManyEnvelopes'],
    [{ practitionerHolds: [1n, 2n, 3n, 4n, 5n, 6n, 7n, 8n] }, 'TooManyGranteeEnvelopes'],
    [{ free: 1_109n }, 'InsufficientBalance'],
  ];
  for (const [change, expected] of cases) assert.equal(releaseDecision({ ...ok, ...change }, 10n, 3n), expected, expected);
  assert.equal(releaseDecision({ ...ok, practitionerHolds: [10n], access: { err: 'noConsent' } }, 10n, 3n), 'already');
  assert.equal(emergencyBasis({ emergency: '0x05' }), 5n);
  assert.equal(emergencyBasis(null), null);
});

test('a refused release sends nothing; an allowed one is sent with a short mortality', async () => {
  const custodianKeys = { keyVersion: 0, ...keyPair(0x11) };
  const doctorKeys = keyPair(0x22);
  const envelopes = new Map<string, { sealed: Uint8Array; sealedTo: Uint8Array }>();
  const { chain, sent, options, state } = fakeChain(envelopes, doctorKeys.publicKey);
  const ctx: FlowContext = { chain, store: new MemoryBlobStore() };
  envelopes.set(CUSTODIAN, {
    sealed: await sealEnvelope(newDataKey(), custodianKeys.publicKey, 0, bindingFor(ctx, { record: 10n, version: 1 }, CUSTODIAN)),
    sealedTo: custodianKeys.publicKey,
  });
  const custodian = { signer: { address: CUSTODIAN } as Signer, keys: custodianKeys };
  const spoil: [() => void, string][] = [
    [() => { state.access = { err: 'noConsent' }; }, 'NotEmergency'],
    [() => { state.access = { ok: { emergency: 9 } }; }, 'OtherEmergency'],
    [() => { state.supersededBy = 11; }, 'NotCurrent'],
    [() => { state.envelopeCount = 16; }, 'TooManyEnvelopes'],
    [() => { state.doctorOthers = 8; }, 'TooManyGranteeEnvelopes'],
    [() => { state.free = 1_109n; }, 'InsufficientBalance'],
  ];
  for (const [change, reason] of spoil) {
    Object.assign(state, { access: { ok: { emergency: 3 } }, supersededBy: null, envelopeCount: 1, doctorOthers: 0, free: 1_110n });
    change();
    await assert.rejects(releaseToEmergency(ctx, custodian, 10n, DOCTOR, 3n),
      (e: unknown) => e instanceof ReleaseRefused && e.reason === reason, reason);
    assert.equal(sent.length, 0, `${reason}: nothing sent`);
  }
  Object.assign(state, { access: { ok: { emergency: 3 } }, supersededBy: null, envelopeCount: 15, doctorOthers: 7, free: 1_110n });
  assert.equal(await releaseToEmergency(ctx, custodian, 10n, DOCTOR, 3n), 'sealed');
  assert.equal(sent.length, 1);
  assert.deepEqual(options[0], { nonce: 0, era: RELEASE_MORTALITY });
  assert.ok(RELEASE_MORTALITY <= 16);
});

test('sealing to the custodian uses EmergencyTreatment', async () => {
  const patientKeys = { keyVersion: 0, ...keyPair(0x33) };
  const custodianKeys = keyPair(0x11);
  const envelopes = new Map<string, { sealed: Uint8Array; sealedTo: Uint8Array }>();
  const { chain, sent } = fakeChain(envelopes, keyPair(0x22).publicKey, new Map([[CUSTODIAN, custodianKeys.publicKey]]));
  const ctx: FlowContext = { chain, store: new MemoryBlobStore() };
  envelopes.set(PATIENT, {
    sealed: await sealEnvelope(newDataKey(), patientKeys.publicKey, 0, bindingFor(ctx, { record: 10n, version: 1 }, PATIENT)),
    sealedTo: patientKeys.publicKey,
  });
  const patient = { signer: { address: PATIENT } as Signer, keys: patientKeys };
  assert.deepEqual(await sealToCustodian(ctx, patient, CUSTODIAN, [10n]), [10n]);
  assert.deepEqual(sent.map((x) => [x.call, x.args[1], x.args[3]]), [['records.addEnvelope', CUSTODIAN, 'EmergencyTreatment']]);
});

/** A patient with an anchored version 10 (real content in the store) and their envelope of it. */
async function withRecord(custodianHolds: boolean, scopes = ['EmergencyCustodian']) {
  const patientKeys = { keyVersion: 0, ...keyPair(0x33) };
  const custodianKeys = keyPair(0x11);
  const envelopes = new Map<string, { sealed: Uint8Array; sealedTo: Uint8Array }>();
  const fake = fakeChain(envelopes, keyPair(0x22).publicKey, new Map([[CUSTODIAN, custodianKeys.publicKey], [PATIENT, patientKeys.publicKey]]));
  const ctx: FlowContext = { chain: fake.chain, store: new MemoryBlobStore() };
  const dataKey = newDataKey();
  const content = encryptContent(dataKey, utf8('{"resourceType":"AllergyIntolerance"}'));
  const locator = await ctx.store.put(content.ciphertext);
  fake.state.content = {
    commitment: toHex(content.commitment), ciphertextHash: toHex(content.ciphertextHash), sizeClass: content.sizeClass,
    locator: toHex(sealLocator(dataKey, locator)),
  };
  const binding = (who: string) => bindingFor(ctx, { record: 10n, version: 1 }, who);
  envelopes.set(PATIENT, { sealed: await sealEnvelope(dataKey, patientKeys.publicKey, 0, binding(PATIENT)), sealedTo: patientKeys.publicKey });
  if (custodianHolds) {
    envelopes.set(CUSTODIAN, { sealed: await sealEnvelope(dataKey, custodianKeys.publicKey, 0, binding(CUSTODIAN)), sealedTo: custodianKeys.publicKey });
  }
  fake.state.delegates.set(CUSTODIAN, scopes);
  const patient = { signer: { address: PATIENT } as Signer, keys: patientKeys };
  return { ...fake, ctx, patient, custodianKeys };
}

test('amending re-seals to the custodian that held the previous version (EmergencyTreatment), to no other', async () => {
  const held = await withRecord(true);
  const amended = await amendResource(held.ctx, held.patient, 10n, utf8('{"resourceType":"AllergyIntolerance","v":2}'), { purpose: 'Treatment' });
  assert.deepEqual(held.sent.map((x) => x.call === 'records.amendRecord' ? [x.call, x.args[0]] : [x.call, x.args[0], x.args[1], x.args[3]]), [
    ['records.amendRecord', 10n],
    ['records.addEnvelope', amended.id, PATIENT, 'Treatment'],
    ['records.addEnvelope', amended.id, CUSTODIAN, 'EmergencyTreatment'],
  ]);
  // What the custodian got opens, for the new version, to the new data key.
  const sealed = fromHex(held.sent[2]!.args[2] as string);
  assert.deepEqual(await openEnvelope(sealed, held.custodianKeys.secretKey, bindingFor(held.ctx, amended.version, CUSTODIAN)), amended.dataKey);

  for (const other of [await withRecord(false), await withRecord(true, ['ViewDisclosureLog'])]) {
    await amendResource(other.ctx, other.patient, 10n, utf8('{}'), { purpose: 'Treatment' });
    assert.deepEqual(other.sent.map((x) => x.args[1]).slice(1), [PATIENT], 'no custodian envelope');
  }
});

test('re-keying keeps the custodian that held the replaced version; one that did not gets nothing', async () => {
  const held = await withRecord(true);
  await rekeyRecord(held.ctx, held.patient, 10n);
  const rekey = held.sent.find((x) => x.call === 'records.rekeyRecord')!;
  assert.deepEqual((rekey.args[5] as [string, string][]).map(([who]) => who), [PATIENT, CUSTODIAN]);
  const none = await withRecord(false);
  await rekeyRecord(none.ctx, none.patient, 10n);
  assert.deepEqual((none.sent.find((x) => x.call === 'records.rekeyRecord')!.args[5] as [string, string][]).map(([who]) => who), [PATIENT]);
});

test('custody is the envelope\'s: a custodian holding the old version under a consent gets no custody envelope', async () => {
  const amend = await withRecord(true);
  amend.state.purposes.set(CUSTODIAN, 'Treatment');
  await amendResource(amend.ctx, amend.patient, 10n, utf8('{}'), { purpose: 'Treatment' });
  assert.deepEqual(amend.sent.map((x) => x.args[1]).slice(1), [PATIENT]);
  const rekey = await withRecord(true);
  rekey.state.purposes.set(CUSTODIAN, 'Treatment');
  await rekeyRecord(rekey.ctx, rekey.patient, 10n);
  assert.deepEqual((rekey.sent.find((x) => x.call === 'records.rekeyRecord')!.args[5] as [string, string][]).map(([who]) => who), [PATIENT]);
});

test('a practitioner\'s amendment seals nothing to the custodian; the patient renews custody of the current version', async () => {
  const held = await withRecord(true);
  const doctor = { signer: { address: DOCTOR } as Signer, keys: { keyVersion: 0, ...keyPair(0x22) } };
  const amended = await amendResource(held.ctx, doctor, 10n, utf8('{"v":2}'), { purpose: 'Treatment', sealTo: [PATIENT] });
  assert.deepEqual(held.sent.slice(1).map((x) => [x.args[1], x.args[3]]), [[DOCTOR, 'Treatment'], [PATIENT, 'Treatment']]);
  // The chain now has version 11 current; the patient's app renews the custodian's envelope.
  held.state.latest = 11;
  held.state.supersededBy = 11;
  const patientEnvelope = held.sent.find((x) => x.args[1] === PATIENT)!.args[2] as string;
  held.state.sealedLater.set(`11/${PATIENT}`, { sealed: fromHex(patientEnvelope), sealedTo: currentKey(held.patient).publicKey });
  held.sent.length = 0;
  assert.deepEqual(await renewCustody(held.ctx, held.patient, 10n), [CUSTODIAN]);
  assert.deepEqual(held.sent.map((x) => [x.call, x.args[0], x.args[1], x.args[3]]), [['records.addEnvelope', 11n, CUSTODIAN, 'EmergencyTreatment']]);
  const sealed = fromHex(held.sent[0]!.args[2] as string);
  assert.deepEqual(await openEnvelope(sealed, held.custodianKeys.secretKey, bindingFor(held.ctx, amended.version, CUSTODIAN)), amended.dataKey);
  // Done once: the custodian holds the current version now; nothing more to renew.
  assert.deepEqual(await renewCustody(held.ctx, held.patient, 11n), []);
  assert.equal(held.sent.length, 1);
});

test('a delegate with AccessRecords amending acts for the patient: the custodian gets its envelope', async () => {
  const held = await withRecord(true);
  held.state.delegates.set(DOCTOR, ['AccessRecords']);
  const delegate = { signer: { address: DOCTOR } as Signer, keys: { keyVersion: 0, ...keyPair(0x22) } };
  await amendResource(held.ctx, delegate, 10n, utf8('{}'), { purpose: 'Treatment' });
  assert.deepEqual(held.sent.slice(1).map((x) => [x.args[1], x.args[3]]), [[DOCTOR, 'Treatment'], [CUSTODIAN, 'EmergencyTreatment']]);
});
