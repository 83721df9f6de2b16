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
  appointCustodian,
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

/** A fake chain: one record version, envelopes by grantee, a practitioner key; sent calls recorded. */
function fakeChain(envelopes: Map<string, { sealed: Uint8Array; sealedTo: Uint8Array }>, doctorKey: Uint8Array) {
  const sent: { call: string; args: unknown[] }[] = [];
  const version = {
    patient: PATIENT, author: PATIENT, tag: toHex(counting(32)), commitment: toHex(counting(32, 1)),
    ciphertextHash: toHex(counting(32, 2)), sizeClass: 12, locator: '0x01', createdAt: 0, record: 10, version: 1,
    supersedes: null, kind: 'Original', status: 'Current', envelopes: 1,
  };
  const json = (value: unknown) => ({ toJSON: () => value, isSome: value !== null });
  const tx = (section: string, method: string) => (...args: unknown[]) => ({
    method: { section, method },
    signAndSend: (_signer: unknown, _options: unknown, callback: (r: unknown) => void) => {
      sent.push({ call: `${section}.${method}`, args });
      setTimeout(() => callback({
        status: { type: 'InBlock', isInBlock: true, isFinalized: false, asInBlock: { toHex: () => '0xb10c' } },
        events: [],
        dispatchError: undefined,
      }), 1);
      return Promise.resolve(() => undefined);
    },
  });
  const api = {
    rpc: { system: { accountNextIndex: async () => ({ toNumber: () => 0 }) } },
    call: {
      recordsApi: {
        envelope: async (_id: unknown, grantee: string) => {
          const e = envelopes.get(grantee);
          return json(e ? { sealed: toHex(e.sealed), sealedTo: toHex(e.sealedTo), purpose: 'EmergencyTreatment', depositor: PATIENT } : null);
        },
        patient: async () => json(null),
      },
    },
    query: {
      records: { records: async () => json({ live: version }) },
      practitioners: { practitioners: async () => json({ keyAgreementKey: toHex(doctorKey) }) },
    },
    tx: { records: { addEnvelope: tx('records', 'addEnvelope') }, consent: { addDelegate: tx('consent', 'addDelegate') } },
  };
  const chain = {
    api,
    genesisHash: counting(32, 0x20),
    accountId: (a: string | Uint8Array) => (typeof a === 'string' ? decodeAddress(a) : a),
    address: (a: string | Uint8Array) => String(a),
  } as unknown as TelemedChain;
  return { chain, sent };
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

  assert.equal(await releaseToEmergency(ctx, custodian, 10n, DOCTOR), 'sealed');
  assert.equal(sent.length, 1);
  const [id, grantee, sealedHex, purpose] = sent[0]!.args as [bigint, string, string, string];
  assert.deepEqual([sent[0]!.call, id, grantee, purpose], ['records.addEnvelope', 10n, DOCTOR, 'EmergencyTreatment']);
  const sealed = Uint8Array.from(Buffer.from(sealedHex.slice(2), 'hex'));
  assert.deepEqual(await openEnvelope(sealed, doctorKeys.secretKey, bindingFor(ctx, version, DOCTOR)), dataKey);
  // Bound to the practitioner: presented as another grantee's (even with his key) it does not open.
  await assert.rejects(openEnvelope(sealed, doctorKeys.secretKey, bindingFor(ctx, version, CUSTODIAN)), DecryptionError);

  // Once he has an envelope, a release sends nothing.
  envelopes.set(DOCTOR, { sealed, sealedTo: doctorKeys.publicKey });
  assert.equal(await releaseToEmergency(ctx, custodian, 10n, DOCTOR), 'already');
  assert.equal(sent.length, 1);
});

test('appointing sends addDelegate(custodian, [EmergencyCustodian], until)', async () => {
  const { chain, sent } = fakeChain(new Map(), keyPair(0x22).publicKey);
  const patient = { signer: { address: PATIENT } as Signer, keys: { keyVersion: 0, ...keyPair(0x33) } };
  await appointCustodian({ chain, store: new MemoryBlobStore() }, patient, CUSTODIAN, 1_000);
  assert.deepEqual(sent, [{ call: 'consent.addDelegate', args: [CUSTODIAN, ['EmergencyCustodian'], 1_000] }]);
});
