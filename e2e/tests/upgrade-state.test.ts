// Upgrade with state: a chain started from the runtime of the previous release (commit 175e699,
// spec_version 100, kept as a test artifact in testing/artifacts/) is filled through that
// runtime's own calls — patients, practitioners licensed by the demo board, records with
// amendments, envelopes and a shredded one, consents of every kind the old runtime had (all
// data, categories, records, a deny, one granted by a delegate), a delegate, a device, a
// break-glass access awaiting review, bookings in several states, an insurer with a policy and
// claims pending, approved and denied — and then upgraded by the council, as the governance
// suite does, to the current runtime (TELEMED_UPGRADE_WASM, built with try-runtime).
//
// At the block that applied the code (its state has the new `:code`; the migrations run in the
// next block's initialisation) the test calls `TryRuntime_on_runtime_upgrade(All)`: the
// migrations' `pre_upgrade`/`post_upgrade` checks, the decoding of the whole state and every
// pallet's `try_state`, in an overlay. Then the real upgrade happens, and every item of the four
// domain pallets, every balance and every hold of the actors is compared with what was there
// before, mapped as the migrations document it (pallets/*/src/migrations/). Last, the old data
// is used under the new runtime: a practitioner reads a record through a migrated consent and
// opens its envelope, a pending claim is approved, the pending break-glass review is done, an
// old booking is accepted. About 3 minutes (75 s filling, 55 s the council's upgrade).

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { after, before, describe, test } from 'node:test';
import '@polkadot/api-augment';
import type { ApiPromise } from '@polkadot/api';
import type { SubmittableExtrinsic } from '@polkadot/api/types';
import { compactFromU8a, hexToU8a, stringToU8a, u8aConcat, u8aToHex } from '@polkadot/util';
import { blake2AsHex, blake2AsU8a, decodeAddress, encodeAddress, xxhashAsHex } from '@polkadot/util-crypto';
import { x25519 } from '@noble/curves/ed25519.js';
import { fund } from '../lib/funding.ts';
import { dev, fresh, keyringReady, type KeyringPair } from '../lib/keyring.ts';
import { councilPasses, rpc } from '../lib/network.ts';
import { connect, nodeBinary, removeDir, startNode, stopAllNodes, tempDir, waitFor, type RunningNode } from '../lib/node.ts';
import { deriveKeyAgreementKey, openEnvelope, sealEnvelope, type KeyAgreementKeyPair } from '../lib/sdk.ts';
import { chainNow, submit, submitOk, type Outcome } from '../lib/tx.ts';
import { DAY, HOUR, MINUTE, UNITS } from '../lib/units.ts';

/** The previous release's runtime, as testing/artifacts/README.md describes it. */
const PREVIOUS = {
  file: join(dirname(fileURLToPath(import.meta.url)), '../../testing/artifacts/telemed-runtime-175e699.compact.compressed.wasm'),
  sha256: '0dc4a5f2c5565fe93a6c6c20f776190a045600f6ddb3a62dc90007c273e70fea',
  specVersion: 100,
};
/** The storage versions of the previous release and of the current code. */
const STORAGE_VERSIONS = {
  Practitioners: [1, 3],
  Consent: [1, 6],
  Records: [1, 6],
  Billing: [1, 3],
  // Added by this upgrade: FRAME sets a new pallet's version before the migrations run.
  Prescriptions: [0, 2],
} as const;
/** The pallets whose every storage item is compared across the upgrade. */
const DOMAIN_PALLETS = ['practitioners', 'consent', 'records', 'billing'] as const;
/** `pallet_billing::Config::DisputeDeadline` of the current runtime: 14 days. */
const DISPUTE_DEADLINE = 14 * DAY;
const YEAR = 365 * DAY;

// ---- helpers ------------------------------------------------------------------------------------

function previousRuntime(): Uint8Array {
  const code = new Uint8Array(readFileSync(PREVIOUS.file));
  const digest = createHash('sha256').update(code).digest('hex');
  assert.equal(digest, PREVIOUS.sha256, `${PREVIOUS.file} is not the artifact testing/artifacts/README.md names`);
  return code;
}

function nextRuntime(): Uint8Array {
  const path = process.env.TELEMED_UPGRADE_WASM;
  assert.ok(path, 'TELEMED_UPGRADE_WASM must name the upgrade-test runtime (scripts/test.sh builds it)');
  return new Uint8Array(readFileSync(path));
}

/**
 * The `dev` chain's spec with the previous release's code: the plain spec's `runtimeGenesis` is
 * the code and the `development` preset as a patch (the preset is the same in both releases);
 * with the old code in its place, the raw spec's genesis state is built by the old runtime.
 */
async function previousReleaseSpec(dir: string, code: Uint8Array): Promise<string> {
  const run = promisify(execFile);
  const options = { maxBuffer: 64 * 1024 * 1024 };
  const { stdout } = await run(nodeBinary(), ['build-spec', '--chain', 'dev'], options);
  const plain = JSON.parse(stdout) as { genesis: { runtimeGenesis?: { code?: string; patch?: unknown } } };
  const genesis = plain.genesis.runtimeGenesis;
  assert.ok(genesis?.code && genesis.patch, 'a plain spec holds the code and the preset as a patch');
  genesis.code = u8aToHex(code);
  const plainPath = join(dir, 'previous-plain.json');
  writeFileSync(plainPath, JSON.stringify(plain));
  const raw = await run(nodeBinary(), ['build-spec', '--chain', plainPath, '--raw'], options);
  const rawPath = join(dir, 'previous-raw.json');
  writeFileSync(rawPath, raw.stdout);
  return rawPath;
}

/** A storage value's raw bytes, at the best block or at `at`, read over plain JSON-RPC. */
async function rawStorage(node: RunningNode, pallet: string, item: string, at?: string): Promise<Uint8Array | null> {
  const key = u8aToHex(u8aConcat(hexToU8a(xxhashAsHex(pallet, 128)), hexToU8a(xxhashAsHex(item, 128))));
  const value = await rpc<string | null>(node, 'state_getStorage', at ? [key, at] : [key]);
  return value === null ? null : hexToU8a(value);
}

/** A pallet's storage version (a `u16` under `:__STORAGE_VERSION__:`), 0 when none is stored. */
async function storageVersion(node: RunningNode, pallet: string): Promise<number> {
  const bytes = (await rawStorage(node, pallet, ':__STORAGE_VERSION__:')) ?? new Uint8Array(2);
  return (bytes[0] ?? 0) + 256 * (bytes[1] ?? 0);
}

/**
 * The `spec_version` of `system.lastRuntimeUpgrade` (`Compact<u32>` first): the version whose
 * migrations last ran. Read raw: @polkadot/api decodes a block's state with the runtime of its
 * parent, which at the block that applied the code is not the one whose metadata it holds.
 */
async function lastUpgrade(node: RunningNode, at?: string): Promise<number> {
  const bytes = await rawStorage(node, 'System', 'LastRuntimeUpgrade', at);
  assert.ok(bytes, 'a runtime upgrade is recorded');
  return compactFromU8a(bytes)[1].toNumber();
}

/** The tag the records migration gives a record anchored before tags existed. */
function legacyTag(api: ApiPromise, record: number): string {
  return blake2AsHex(api.createType('(Text, u64)', ['telemed/legacy-record', record]).toU8a(), 256);
}

/** The smallest size class (2^class bytes, 10 to 40) that holds `size` bytes. */
function sizeClassOf(size: number): number {
  let sizeClass = 10;
  while (sizeClass < 40 && 2 ** sizeClass < size) sizeClass++;
  return sizeClass;
}

/** A record's content as the client anchors it: commitment, ciphertext hash, size, locator. */
interface Anchor {
  commitment: string;
  ciphertextHash: string;
  size: number;
  locator: string;
}

function anchor(label: string, size: number): Anchor {
  const ciphertextHash = blake2AsHex(stringToU8a(`ciphertext|${label}`), 256);
  return {
    commitment: blake2AsHex(stringToU8a(`salt|${label}`), 256),
    ciphertextHash,
    size,
    locator: `blob://${ciphertextHash.slice(2, 18)}`,
  };
}

/** The event data of the first `name` event of `outcome`. */
function eventOf(outcome: Outcome, name: string): unknown[] {
  const found = outcome.eventData.find((e) => e.name === name);
  assert.ok(found, `${name} in ${outcome.events.join(', ')}`);
  return found.data as unknown[];
}

function idOf(outcome: Outcome, name: string): number {
  return Number(eventOf(outcome, name)[0]);
}

// ---- the state, read through the metadata ------------------------------------------------------

/** One storage item: its keys' arguments (JSON text) → its value (JSON). */
type Entries = Map<string, unknown>;
/** Storage items by `pallet.item` (the metadata's names). */
type State = Map<string, Entries>;
type Json = Record<string, unknown>;

/** Every item of the domain pallets, as the connected runtime's metadata decodes it. */
async function readState(api: ApiPromise): Promise<State> {
  const state: State = new Map();
  for (const pallet of DOMAIN_PALLETS) {
    for (const [item, query] of Object.entries(api.query[pallet] ?? {})) {
      // @polkadot/api's own entry for the storage version, which the suite checks apart.
      if (item === 'palletVersion') continue;
      const entries: Entries = new Map();
      if (query.creator.meta.type.isPlain) {
        entries.set('[]', (await query()).toJSON());
      } else {
        for (const [key, value] of await query.entries()) {
          entries.set(JSON.stringify(key.args.map((a) => a.toJSON())), value.toJSON());
        }
      }
      state.set(`${pallet}.${item}`, entries);
    }
  }
  return state;
}

function item(state: State, name: string): Entries {
  const entries = state.get(name);
  assert.ok(entries, `no storage item ${name}`);
  return entries;
}

function keyOf(key: string): unknown[] {
  return JSON.parse(key) as unknown[];
}

/** An account's balance and holds, in planck. */
interface Funds {
  nonce: number;
  free: bigint;
  reserved: bigint;
  frozen: bigint;
  holds: Map<string, bigint>;
}

/** The account of a pallet id (`modl` + 8 bytes, zero padded), in SS58. */
function palletAccount(id: string): string {
  const bytes = new Uint8Array(32);
  bytes.set(stringToU8a(id));
  return encodeAddress(bytes, 42);
}

async function fundsOf(api: ApiPromise, who: string): Promise<Funds> {
  const { nonce, data } = await api.query.system.account(who);
  const holds = new Map<string, bigint>();
  const list = (await api.query.balances.holds(who)).toJSON() as { id: Record<string, string>; amount: number | string }[];
  for (const { id, amount } of list) {
    const [pallet, reason] = Object.entries(id)[0] ?? ['?', '?'];
    holds.set(`${pallet}.${reason}`, BigInt(amount));
  }
  return {
    nonce: nonce.toNumber(),
    free: data.free.toBigInt(),
    reserved: data.reserved.toBigInt(),
    frozen: data.frozen.toBigInt(),
    holds,
  };
}

// ---- what the migrations make of the old state (pallets/*/src/migrations/) ------------------------

/** What the upgrade releases from holds: deposits of consents that ended and envelopes pruned. */
type Releases = Map<string, Map<string, bigint>>;

function release(releases: Releases, who: string, hold: string, amount: bigint): void {
  const holds = releases.get(who) ?? new Map<string, bigint>();
  holds.set(hold, (holds.get(hold) ?? 0n) + amount);
  releases.set(who, holds);
}

/**
 * The state the current runtime must hold after the upgrade, computed from the state before it:
 * - records (v2, v3, v4): each version stores its record's identity (its first version's id);
 *   a live version loses its resource type, category and exact size for the legacy tag of its
 *   record, the smallest size class that holds it and its kind; a shredded one keeps only its
 *   commitment and time; the tag, envelope and grantee indices are built; device labels become
 *   their hashes; (v5, v6) each registered patient keeps a list of versions, each listed with
 *   its record's identity;
 * - consent (v2 to v6): `granted_by` is the depositor; a record scope names identities; a permit
 *   of categories ends (removed, its deposit released), a deny of categories denies all data;
 *   the grantees of those lose the envelopes of the patient they may no longer read (here:
 *   those with no other permit of the patient; docA keeps rA2's through the permit of all data,
 *   which the pruning's access check reads through the index built before it); the coded
 *   emergency reason goes; pending reviews are filed by (patient, practitioner); a disclosure
 *   names its record, or all data; the consents are indexed by (patient, grantee) in each
 *   patient's order, each as its provision (what the access check needs of it, and who paid
 *   its deposit and how much, for a clean-up at the per-grantee bound), no pair of
 *   the scenario being over `MaxConsentsPerGrantee`; nothing lapses (the delegate who granted
 *   a consent is still appointed, without an end);
 * - billing (v2, v3): consultations get a zero deposit; a policy's `(year, used)` pair becomes
 *   `PolicyUsage` rebuilt from the pending and approved claims; a disputed consultation gets a
 *   dispute without bond, due `DisputeDeadline` after the upgrade; a service's description
 *   becomes the hash of its text;
 * - practitioners (v2): each holder's licences whose status is `Active` are summarised, in id
 *   order, with what a lookup needs.
 */
function migrated(api: ApiPromise, old: State, upgradedAt: number): { state: State; releases: Releases } {
  const state: State = new Map([...old].map(([name, entries]) => [name, new Map(entries)]));
  const releases: Releases = new Map();
  const balance = (value: bigint | number) => api.createType('u128', value).toJSON();

  // Records: identities first (an amendment has a larger id than what it supersedes).
  const versions = [...item(old, 'records.records')]
    .map(([key, value]) => [Number(keyOf(key)[0]), value as Json] as const)
    .sort(([a], [b]) => a - b);
  const identity = new Map<number, number>();
  for (const [id, version] of versions) {
    const previous = version.supersedes as number | null;
    identity.set(id, previous === null ? id : (identity.get(previous) ?? previous));
  }

  // Consent: the consents that end, the denies widened, the grantees to prune.
  const consents = item(state, 'consent.consents');
  const ended = new Set<number>();
  const narrowed: [string, string][] = [];
  for (const [key, value] of item(old, 'consent.consents')) {
    const consent = value as Json;
    const scope = consent.scope as Json;
    const next: Json = { ...consent, grantedBy: consent.depositor };
    if ('categories' in scope) {
      narrowed.push([consent.patient as string, consent.grantee as string]);
      if (consent.decision === 'Permit') {
        ended.add(Number(keyOf(key)[0]));
        release(releases, consent.depositor as string, 'consent.ConsentDeposit', BigInt(consent.deposit as number | string));
        consents.delete(key);
        continue;
      }
      next.scope = { allData: null };
    }
    if ('records' in scope) {
      const ids = (scope.records as number[]).map((v) => identity.get(v) ?? v);
      next.scope = { records: [...new Set(ids)].sort((a, b) => a - b) };
    }
    consents.set(key, next);
  }
  const stillPermitted = (patient: string, grantee: string) =>
    [...consents.values()].some((c) => {
      const consent = c as Json;
      return consent.patient === patient && consent.grantee === grantee && consent.decision === 'Permit';
    });
  const consentsOf = item(state, 'consent.consentsOf');
  for (const [key, value] of consentsOf) {
    const ids = (value as number[]).filter((id) => !ended.has(id));
    if (ids.length === 0) consentsOf.delete(key);
    else consentsOf.set(key, ids);
  }
  const byGrantee: Entries = new Map();
  for (const [key, value] of consentsOf) {
    const [patient] = keyOf(key) as [string];
    for (const id of value as number[]) {
      const consent = consents.get(JSON.stringify([id])) as Json | undefined;
      if (!consent) continue;
      // Each consent's provision: what the access check needs of it (storage version 5), and
      // who paid its deposit and how much (version 6).
      const { granteeKind, decision, actions, scope, purposes, start, end, status, depositor, deposit } = consent;
      const provision: Json = { id, granteeKind, decision, actions, scope, purposes, start, end, status, depositor, deposit };
      const pair = JSON.stringify([patient, consent.grantee]);
      byGrantee.set(pair, [...((byGrantee.get(pair) as Json[] | undefined) ?? []), provision]);
    }
  }
  state.set('consent.consentsByGrantee', byGrantee);

  // Envelopes of grantees whose access narrowed and who hold no other permit of the patient.
  const records = item(state, 'records.records');
  const envelopes = item(state, 'records.envelopes');
  const patientOf = (id: number) => (versions.find(([v]) => v === id)?.[1].patient as string | undefined) ?? '';
  for (const [key, value] of envelopes) {
    const [id, grantee] = keyOf(key) as [number, string];
    const envelope = value as Json;
    const patient = patientOf(id);
    const lost = narrowed.some(([p, g]) => p === patient && g === grantee) && grantee !== patient &&
      !stillPermitted(patient, grantee);
    if (!lost) continue;
    envelopes.delete(key);
    release(releases, envelope.depositor as string, 'records.EnvelopeDeposit', BigInt(envelope.deposit as number | string));
  }
  const envelopeCount = (id: number) => [...envelopes.keys()].filter((key) => keyOf(key)[0] === id).length;

  const tagPatients: Entries = new Map();
  for (const [id, version] of versions) {
    const key = JSON.stringify([id]);
    const status = version.status as Json;
    if ('shredded' in status) {
      records.set(key, { shredded: { commitment: version.commitment, at: (status.shredded as Json).at } });
      continue;
    }
    const record = identity.get(id) ?? id;
    const tag = legacyTag(api, record);
    records.set(key, {
      live: {
        patient: version.patient,
        author: version.author,
        tag,
        commitment: version.commitment,
        ciphertextHash: version.ciphertextHash,
        sizeClass: sizeClassOf(Number(version.ciphertextSize)),
        locator: version.locator,
        createdAt: version.createdAt,
        record,
        version: version.version,
        supersedes: version.supersedes,
        kind: version.supersedes === null ? 'Original' : 'Amendment',
        status,
        envelopes: envelopeCount(id),
        deposit: version.deposit,
      },
    });
    if (version.supersedes === null) tagPatients.set(JSON.stringify([tag]), [version.patient, 1]);
  }
  state.set('records.tagPatients', tagPatients);
  // Version 5: every registered patient keeps a list of record versions, empty or not.
  const recordsOf = item(state, 'records.recordsOf');
  for (const key of item(state, 'records.patients').keys()) if (!recordsOf.has(key)) recordsOf.set(key, []);
  // Version 6: each listed version with its record's identity, in the same order (by id).
  for (const [key, ids] of recordsOf) {
    recordsOf.set(key, (ids as number[]).map((v) => ({ id: v, record: identity.get(v) ?? v })));
  }
  const envelopesOf: Entries = new Map();
  const granteePatients: Entries = new Map();
  for (const key of envelopes.keys()) {
    const [id, grantee] = keyOf(key) as [number, string];
    const pair = JSON.stringify([patientOf(id), grantee]);
    envelopesOf.set(pair, [...((envelopesOf.get(pair) as number[] | undefined) ?? []), id]);
    granteePatients.set(JSON.stringify([grantee, patientOf(id)]), null);
  }
  state.set('records.envelopesOf', envelopesOf);
  state.set('records.granteePatients', granteePatients);
  const devices = item(state, 'records.devices');
  for (const [key, value] of devices) {
    const device = value as Json;
    devices.set(key, { ...device, label: blake2AsHex(hexToU8a(device.label as string), 256) });
  }
  for (const name of ['records.revokedGrantees', 'records.pendingDevices', 'records.spentSequence']) {
    state.set(name, new Map());
  }
  state.set('records.counterForRevokedGrantees', new Map([['[]', 0]]));
  state.set('records.revocationSweep', new Map([['[]', null]]));

  // Consent: emergency accesses, pending reviews, disclosures.
  const accesses = item(state, 'consent.emergencyAccesses');
  for (const [key, value] of accesses) {
    const { reason: _reason, ...access } = value as Json;
    accesses.set(key, access);
  }
  const pending: Entries = new Map();
  for (const [key, value] of item(old, 'consent.pendingReviews')) {
    const [patient] = keyOf(key) as [string];
    for (const id of value as number[]) {
      const access = accesses.get(JSON.stringify([id])) as Json | undefined;
      if (!access) continue;
      const pair = JSON.stringify([patient, access.practitioner]);
      pending.set(pair, [...((pending.get(pair) as number[] | undefined) ?? []), id]);
    }
  }
  state.set('consent.pendingReviews', pending);
  const ring = item(state, 'consent.disclosureRing');
  for (const [key, value] of ring) {
    const { record, category: _category, ...disclosure } = value as Json;
    ring.set(key, { ...disclosure, data: record === null ? { allData: null } : { record } });
  }

  // Billing.
  const services = item(state, 'billing.services');
  for (const [key, value] of services) {
    const service = value as Json;
    services.set(key, { ...service, description: blake2AsHex(hexToU8a(service.description as string), 256) });
  }
  const consultations = item(state, 'billing.consultations');
  const disputes: Entries = new Map();
  for (const [key, value] of consultations) {
    const consultation = value as Json;
    consultations.set(key, { ...consultation, deposit: balance(0) });
    if (consultation.status === 'Disputed') {
      disputes.set(key, { disputer: consultation.payer, bond: balance(0), deadline: upgradedAt + DISPUTE_DEADLINE });
    }
  }
  state.set('billing.disputes', disputes);
  const policies = item(state, 'billing.policies');
  const usage = new Map<string, bigint>();
  for (const [key, value] of policies) {
    const { year, used, ...policy } = value as Json;
    policies.set(key, policy);
    if (BigInt(used as number | string) > 0n) usage.set(JSON.stringify([keyOf(key)[0], year]), BigInt(used as number | string));
  }
  const fromClaims = new Map<string, bigint>();
  for (const value of item(old, 'billing.claims').values()) {
    const claim = value as Json;
    const status = claim.status as Json;
    if (!('pending' in status) && !('approved' in status)) continue;
    const policy = item(old, 'billing.policies').get(JSON.stringify([claim.policy])) as Json | undefined;
    const visit = item(old, 'billing.consultations').get(JSON.stringify([claim.consultation])) as Json | undefined;
    if (!policy || visit?.deliveredAt == null) continue;
    const year = Math.floor((Number(visit.deliveredAt) - Number(policy.validFrom)) / YEAR);
    const pair = JSON.stringify([claim.policy, year]);
    fromClaims.set(pair, (fromClaims.get(pair) ?? 0n) + BigInt(claim.amount as number | string));
  }
  for (const [pair, amount] of fromClaims) usage.set(pair, amount > (usage.get(pair) ?? 0n) ? amount : usage.get(pair) ?? 0n);
  state.set('billing.policyUsage', new Map([...usage].map(([pair, amount]) => [pair, balance(amount)])));

  // Practitioners: a new, empty sweep; the summaries of active licences.
  state.set('practitioners.withdrawalSweep', new Map([['[]', null]]));
  const licences = item(state, 'practitioners.licences');
  const activeLicences: Entries = new Map();
  for (const [key, value] of item(state, 'practitioners.licencesOf')) {
    const summary = [...(value as number[])]
      .sort((a, b) => a - b)
      .flatMap((id) => {
        const licence = licences.get(JSON.stringify([id])) as Json | undefined;
        if (licence?.status !== 'Active') return [];
        const { authority, jurisdiction, role, specialty, validFrom, expiresAt, emergencyCare, issuedAt } = licence;
        return [{ id, authority, jurisdiction, role, specialty, validFrom, expiresAt, emergencyCare, issuedAt }];
      });
    if (summary.length > 0) activeLicences.set(key, summary);
  }
  state.set('practitioners.activeLicences', activeLicences);
  // The table of accreditations (version 3): every authority's accreditation, sorted by account,
  // its codes padded with zero bytes to their six.
  const padded = (code: string) => code + '00'.repeat(6 - (code.length - 2) / 2);
  const accreditations = [...item(state, 'practitioners.authorities')]
    .map(([key, value]) => {
      const { jurisdictions, accreditedAt } = value as Json;
      return { authority: keyOf(key)[0] as string, accreditedAt, jurisdictions: (jurisdictions as string[]).map(padded) };
    })
    .map((entry) => ({ entry, raw: u8aToHex(decodeAddress(entry.authority)) }))
    .sort((a, b) => (a.raw < b.raw ? -1 : a.raw > b.raw ? 1 : 0))
    .map(({ entry }) => entry);
  state.set('practitioners.accreditations', new Map([['[]', accreditations]]));
  return { state, releases };
}

/** An item's entries in a stable order, lists that are sets sorted, for comparison. */
function canonical(name: string, entries: Entries): [string, unknown][] {
  return [...entries]
    .map(([key, value]): [string, unknown] => [key, name === 'records.envelopesOf' ? [...(value as number[])].sort() : value])
    .sort(([a], [b]) => a.localeCompare(b));
}

/** `(Weight, Weight)` as SCALE: two `{ ref_time: Compact<u64>, proof_size: Compact<u64> }`. */
function decodeWeights(bytes: Uint8Array): bigint[] {
  const values: bigint[] = [];
  let offset = 0;
  for (let i = 0; i < 4; i++) {
    const [length, value] = compactFromU8a(bytes.subarray(offset));
    values.push(BigInt(value.toString()));
    offset += length;
  }
  assert.equal(offset, bytes.length, 'the result is two weights and nothing else');
  return values;
}

// ---- the suite --------------------------------------------------------------------------------------

const ACTORS = ['docA', 'docB', 'p1', 'p2', 'p3', 'guardian', 'insurer', 'watch'] as const;
type Tx = [KeyringPair, SubmittableExtrinsic<'promise'>];

describe('upgrade with state', () => {
  const dir = tempDir('telemed-upgrade-state-');
  let node: RunningNode;
  let api: ApiPromise;
  let genesisHash: Uint8Array;
  // Accounts of the suite's own; of the development accounts, Alice (sudo, council), Bob (the
  // demo physician, council), Charlie (applies the code) and Ferdie (the demo board) act.
  let actors: Record<(typeof ACTORS)[number], KeyringPair>;
  const keys = new Map<string, KeyAgreementKeyPair>();
  // The demo physician's development key (README: sha256 of a public phrase).
  const bobKey = x25519.getPublicKey(createHash('sha256').update('telemed dev key agreement //Bob').digest());

  /** What the suite wrote, by its own names. */
  const records = new Map<string, { id: number; anchor: Anchor; dataKey: Uint8Array; root: string; version: number }>();
  const consents = new Map<string, number>();
  const visits = new Map<string, number>();
  const claims = new Map<string, number>();
  let emergency = -1;
  /** The state, the actors' funds and Bob's holds before the upgrade. */
  let remembered: State;
  const fundsBefore = new Map<string, Funds>();
  let bobHolds: Map<string, bigint>;
  /** The timestamp of the block that applied the code: the migrations' `now`. */
  let upgradedAt = 0;
  /** The keyless accounts of the previous release (slashed deposits, the network fee) and the treasury, before the upgrade. */
  const keyless = ['modltm/slash', 'modltm/fees_'].map(palletAccount);
  let keylessBefore = 0n;
  let treasuryBefore = 0n;

  const record = (name: string) => {
    const r = records.get(name);
    assert.ok(r, `record ${name}`);
    return r;
  };
  const id = (map: Map<string, number>, name: string) => {
    const found = map.get(name);
    assert.ok(found !== undefined, name);
    return found;
  };
  const keyOf = (who: KeyringPair) => {
    const key = keys.get(who.address);
    assert.ok(key);
    return key;
  };

  /** Submits every transaction at once (one block, as far as the pool goes); all must succeed. */
  async function phase(txs: Tx[]): Promise<Outcome[]> {
    return await Promise.all(txs.map(([signer, tx]) => submitOk(api, tx, signer)));
  }

  /** A record version as the old runtime takes it: resource type, category, exact size. */
  function anchorRecord(patient: KeyringPair, name: string, category: string, size: number): Tx {
    const a = anchor(name, size);
    records.set(name, { id: -1, anchor: a, dataKey: blake2AsU8a(`data key|${name}`, 256), root: name, version: 1 });
    return [patient, api.tx.records.addRecord(patient.address, 'Observation', category, a.commitment, a.ciphertextHash,
      a.size, a.locator, 'Treatment')];
  }

  function amendRecord(patient: KeyringPair, name: string, previous: string, size: number): Tx {
    const a = anchor(name, size);
    const { root, version } = record(previous);
    records.set(name, { id: -1, anchor: a, dataKey: blake2AsU8a(`data key|${name}`, 256), root, version: version + 1 });
    return [patient, api.tx.records.amendRecord(record(previous).id, a.commitment, a.ciphertextHash, a.size, a.locator,
      'Treatment')];
  }

  /** The client's envelope of `name`'s data key for `grantee`, bound to the record version. */
  async function envelope(signer: KeyringPair, name: string, grantee: string, publicKey: Uint8Array): Promise<Tx> {
    const { id, dataKey, root, version } = record(name);
    const binding = { genesisHash, record: record(root).id, version, grantee: decodeAddress(grantee) };
    const sealed = u8aToHex(await sealEnvelope(dataKey, publicKey, 0, binding));
    return [signer, api.tx.records.addEnvelope(id, grantee, sealed, 'Treatment')];
  }

  function grant(signer: KeyringPair, patient: KeyringPair, grantee: string, decision: string, actions: string[],
    scope: unknown, purposes: string[]): Tx {
    return [signer, api.tx.consent.grantConsent(patient.address, grantee, decision, actions, scope, purposes, null, null)];
  }

  before(async () => {
    await keyringReady();
    const spec = await previousReleaseSpec(dir, previousRuntime());
    // A chain from a file needs a node key (the dev chain's `--dev` makes one) and, alone,
    // `--force-authoring` (`--dev` sets it) to author without peers.
    const nodeKey = u8aToHex(blake2AsU8a('upgrade-state node key', 256)).slice(2);
    node = await startNode({
      chain: spec,
      basePath: join(dir, 'chain'),
      args: ['--alice', '--force-authoring', '--node-key', nodeKey],
    });
    api = await connect(node);
    genesisHash = api.genesisHash.toU8a();
    actors = Object.fromEntries(ACTORS.map((name) => [name, fresh()])) as typeof actors;
    for (const who of Object.values(actors)) keys.set(who.address, deriveKeyAgreementKey(blake2AsU8a(who.address, 512), 0));
  });

  after(async () => {
    await api?.disconnect();
    await stopAllNodes();
    removeDir(dir);
  });

  test('the previous release runs the chain and its own calls fill it', async () => {
    assert.equal((await api.rpc.state.getRuntimeVersion()).specVersion.toNumber(), PREVIOUS.specVersion);
    for (const [pallet, [old]] of Object.entries(STORAGE_VERSIONS)) assert.equal(await storageVersion(node, pallet), old, pallet);
    const { docA, docB, p1, p2, p3, guardian, insurer, watch } = actors;
    const [alice, bob, ferdie] = [dev('Alice'), dev('Bob'), dev('Ferdie')];

    // Money; the insurer (sudo stands for the council on the dev chain); the upgrade's timelock
    // shortened to three blocks, as the governance suite does.
    const delay: [string, string] = [xxhashAsHex(':UpgradeDelay:', 128), api.createType('u32', 3).toHex(true)];
    await Promise.all([
      ...[docA, docB, p1, p2, p3, guardian].map((who) => fund(api, who, 200n * UNITS)),
      fund(api, insurer, 2_000n * UNITS),
      fund(api, watch, UNITS),
      submitOk(api, api.tx.sudo.sudo(api.tx.billing.registerInsurer(insurer.address, 'Demo Mutual')), alice),
      submitOk(api, api.tx.sudo.sudo(api.tx.system.setStorage([delay])), alice),
    ]);

    // Practitioners and patients register; the insurer funds its pool; Bob publishes a service.
    await phase([
      [docA, api.tx.practitioners.register('Physician A', ['Physician'], [], keyOf(docA).publicKey)],
      [docB, api.tx.practitioners.register('Nurse B', ['Nurse'], [], keyOf(docB).publicKey)],
      ...[p1, p2, p3].map((p): Tx => [p, api.tx.records.registerPatient(keyOf(p).publicKey)]),
      [insurer, api.tx.billing.fundPool(1_000n * UNITS)],
      [bob, api.tx.billing.setService('99214', 'Follow-up consultation', 15n * UNITS, 20 * MINUTE)],
    ]);

    // The demo board licenses both; records, a delegate with a device, a policy.
    let now = await chainNow(api);
    const licence = (who: KeyringPair, role: string): Tx => [ferdie, api.tx.practitioners.issueLicence(who.address, 'FR',
      role, null, blake2AsU8a(`licence|${who.address}`, 256), blake2AsU8a('evidence', 256), now - HOUR, now + YEAR, false)];
    let done = await phase([
      licence(docA, 'Physician'),
      licence(docB, 'Nurse'),
      [p1, api.tx.consent.addDelegate(guardian.address, ['ManageConsents', 'BookCare', 'AccessRecords'], null)],
      [p1, api.tx.records.registerDevice(watch.address, 'wrist monitor')],
      anchorRecord(p1, 'rA', 'Encounter', 1_500),
      anchorRecord(p2, 'rB', 'Observation', 700),
      anchorRecord(p2, 'rC', 'Condition', 100),
      anchorRecord(p3, 'rD', 'Laboratory', 3_000),
      [insurer, api.tx.billing.issuePolicy(p1.address, ['99213'], 800_000, 100n * UNITS, now, now + YEAR)],
    ]);
    for (const [i, name] of ['rA', 'rB', 'rC', 'rD'].entries()) record(name).id = idOf(done[4 + i], 'records.RecordAdded');
    const policy = idOf(done[8], 'billing.PolicyIssued');

    // Consents of every kind the old runtime had (all data; categories, permit and deny; one
    // granted by the delegate), amendments, a shredded record, a batch of the device.
    now = await chainNow(api);
    done = await phase([
      [docA, api.tx.billing.setService('99213', 'Video consultation', 10n * UNITS, 30 * MINUTE)],
      grant(p1, p1, docA.address, 'Permit', ['Read', 'Append', 'Amend'], { AllData: null }, ['Treatment']),
      grant(p1, p1, insurer.address, 'Permit', ['Read'], { Categories: ['Encounter'] }, ['Payment']),
      amendRecord(p1, 'rA2', 'rA', 5_000),
      amendRecord(p2, 'rB2', 'rB', 70_000),
      [p2, api.tx.records.shredRecord(record('rC').id)],
      grant(p3, p3, docB.address, 'Permit', ['Read'], { Categories: ['Laboratory'] }, ['Treatment']),
      grant(p3, p3, bob.address, 'Deny', ['Read'], { Categories: ['MentalHealth'] }, ['Treatment']),
      grant(guardian, p1, docB.address, 'Permit', ['Read'], { AllData: null }, ['Operations']),
      [watch, api.tx.records.anchorBatch(1, blake2AsU8a('samples', 256), 16, now - MINUTE, now)],
      // A permit of a category to a practitioner who also holds a permit of all data: it ends
      // at the upgrade, and the pruning that follows must keep what the other permit covers.
      grant(p1, p1, docA.address, 'Permit', ['Read'], { Categories: ['Encounter'] }, ['Treatment']),
    ]);
    for (const [i, name] of ['docA@p1', 'insurer@p1'].entries()) consents.set(name, idOf(done[1 + i], 'consent.ConsentGranted'));
    record('rA2').id = idOf(done[3], 'records.RecordAmended');
    record('rB2').id = idOf(done[4], 'records.RecordAmended');
    for (const [i, name] of ['docB@p3', 'bob@p3', 'docB@p1'].entries()) consents.set(name, idOf(done[6 + i], 'consent.ConsentGranted'));
    consents.set('docA@p1 category', idOf(done[10], 'consent.ConsentGranted'));

    // Envelopes (one the patient's own), a record-scoped consent, bookings (three insured, one
    // self-paid, one booked by the delegate), a break-glass access.
    const visit = (await chainNow(api)) + 30_000;
    const book = (payer: KeyringPair, patient: KeyringPair, doctor: string, service: string, at: number,
      insured: boolean): Tx => [payer, api.tx.billing.book(patient.address, doctor, service, at, insured ? policy : null)];
    done = await phase([
      await envelope(p1, 'rA2', docA.address, keyOf(docA).publicKey),
      await envelope(p1, 'rA2', p1.address, keyOf(p1).publicKey),
      book(p1, p1, docA.address, '99213', visit, true),
      book(p1, p1, docA.address, '99213', visit + 1_000, true),
      book(p1, p1, docA.address, '99213', visit + 2_000, true),
      grant(p2, p2, bob.address, 'Permit', ['Read'], { Records: [record('rB2').id] }, ['Treatment']),
      await envelope(p2, 'rB2', bob.address, bobKey),
      book(p2, p2, bob.address, '99214', visit + 3_000, false),
      await envelope(p3, 'rD', docB.address, keyOf(docB).publicKey),
      book(guardian, p1, docA.address, '99213', visit + HOUR, false),
      [bob, api.tx.consent.openEmergencyAccess(p2.address, 'PatientUnresponsive', blake2AsU8a('statement', 256))],
    ]);
    for (const [i, name] of ['c0', 'c1', 'c2'].entries()) visits.set(name, idOf(done[2 + i], 'billing.Booked'));
    consents.set('bob@p2', idOf(done[5], 'consent.ConsentGranted'));
    visits.set('c3', idOf(done[7], 'billing.Booked'));
    visits.set('c4', idOf(done[9], 'billing.Booked'));
    emergency = idOf(done[10], 'consent.EmergencyAccessOpened');
    const insured = ['c0', 'c1', 'c2'].map((name) => id(visits, name));

    // Accepted, read through the chain (disclosed), delivered once their time has come,
    // confirmed (three claims) or disputed; the insurer approves one claim and denies one.
    await phase([
      ...insured.map((c): Tx => [docA, api.tx.billing.accept(c)]),
      [docA, api.tx.records.accessRecord(record('rA2').id)],
      [bob, api.tx.billing.accept(id(visits, 'c3'))],
      [bob, api.tx.records.accessRecord(record('rB2').id)],
    ]);
    await waitFor(async () => (await chainNow(api)) >= visit + 3_000, 60_000, 'the visits\' time');
    await phase([
      ...insured.map((c): Tx => [docA, api.tx.billing.markDelivered(c, null)]),
      [bob, api.tx.billing.markDelivered(id(visits, 'c3'), blake2AsHex('encounter', 256))],
    ]);
    done = await phase([...insured.map((c): Tx => [p1, api.tx.billing.confirm(c)]), [p2, api.tx.billing.dispute(id(visits, 'c3'))]]);
    for (const [i, name] of ['claim0', 'claim1', 'claim2'].entries()) claims.set(name, idOf(done[i], 'billing.ClaimCreated'));
    await phase([
      [insurer, api.tx.billing.adjudicateClaim(id(claims, 'claim1'), true, new Uint8Array(32))],
      [insurer, api.tx.billing.adjudicateClaim(id(claims, 'claim2'), false, blake2AsU8a('statement', 256))],
    ]);

    // Remembered: every item of the domain pallets, the actors' money, Bob's holds.
    remembered = await readState(api);
    for (const who of Object.values(actors)) fundsBefore.set(who.address, await fundsOf(api, who.address));
    bobHolds = (await fundsOf(api, bob.address)).holds;
    for (const who of keyless) keylessBefore += (await api.query.system.account(who)).data.free.toBigInt();
    treasuryBefore = (await api.query.system.account(palletAccount('modltm/trsry'))).data.free.toBigInt();
    assert.ok(keylessBefore > 0n, 'the previous release paid the network fee to its keyless account');

    // The state has what the scenario claims.
    const kinds = (name: string, kind: (v: Json) => string) => [...item(remembered, name).values()].map((v) => kind(v as Json)).sort();
    assert.deepEqual(kinds('billing.claims', (c) => Object.keys(c.status as Json)[0] ?? ''), ['approved', 'denied', 'pending']);
    assert.deepEqual(kinds('billing.consultations', (c) => String(c.status)),
      ['Disputed', 'Requested', 'Settled', 'Settled', 'Settled']);
    assert.deepEqual(kinds('records.records', (r) => Object.keys(r.status as Json)[0] ?? ''),
      ['current', 'current', 'current', 'shredded', 'superseded', 'superseded']);
    assert.deepEqual(kinds('consent.consents', (c) => Object.keys(c.scope as Json)[0] ?? ''),
      ['allData', 'allData', 'categories', 'categories', 'categories', 'categories', 'records']);
    assert.equal(item(remembered, 'records.envelopes').size, 4);
    assert.equal(item(remembered, 'consent.pendingReviews').size, 1);
    assert.equal(item(remembered, 'consent.disclosureRing').size, 3, 'two reads and the break-glass are disclosed');
    // The old runtime's API: the nurse may read the patient's laboratory data.
    const access = await api.call.consentApi.checkAccess(docB.address, p3.address, 'Read', 'Laboratory', null, 'Treatment');
    assert.deepEqual(access.toJSON(), { ok: { consent: id(consents, 'docB@p3') } });
  });

  test('the council upgrades it; the migrations pass their try-runtime checks on that state', async () => {
    const code = nextRuntime();
    const codeHash = blake2AsHex(code);
    const closed = await councilPasses(api, api.tx.upgrades.scheduleUpgrade(codeHash));
    assert.ok(closed.events.includes('upgrades.UpgradeScheduled'), closed.events.join(', '));
    await waitFor(async () => !(await api.query.system.authorizedUpgrade()).isEmpty, 60_000, 'the authorisation');
    const applied = await submit(api, api.tx.system.applyAuthorizedUpgrade(u8aToHex(code)), dev('Charlie'));

    // The block that applied the code: its state has the new code, its parent's the old, and
    // no block has run the new code yet (the migrations run in the next one).
    const at = applied.blockHash;
    const codeKey = u8aToHex(stringToU8a(':code'));
    assert.equal((await api.rpc.state.getStorageHash(codeKey, at)).toHex(), codeHash);
    const parent = (await api.rpc.chain.getHeader(at)).parentHash.toHex();
    assert.notEqual((await api.rpc.state.getStorageHash(codeKey, parent)).toHex(), codeHash);
    assert.equal(await lastUpgrade(node, at), PREVIOUS.specVersion, 'no block has run the new code');
    const now = (await rawStorage(node, 'Timestamp', 'Now', at)) ?? new Uint8Array(8);
    upgradedAt = Number(new DataView(now.buffer, now.byteOffset, 8).getBigUint64(0, true));

    // pre_upgrade, the migrations, post_upgrade, the whole state decoded and every pallet's
    // try_state, in an overlay on that block's state and code (UpgradeCheckSelect::All = 1). A
    // failing check panics in the runtime: the call fails, the node's log says why.
    let result: Uint8Array = new Uint8Array();
    try {
      result = (await api.rpc.state.call('TryRuntime_on_runtime_upgrade', '0x01', at)).toU8a(true);
    } catch (e) {
      assert.fail(`TryRuntime_on_runtime_upgrade: ${(e as Error).message}\n${node.log().slice(-8192)}`);
    }
    const [refTime = 0n, proofSize = 0n, maxRefTime = 0n] = decodeWeights(result);
    assert.ok(refTime > 0n && proofSize > 0n, 'the migrations did some work');
    assert.ok(refTime < maxRefTime, `the migrations fit in a block: ${refTime} of ${maxRefTime}`);

    await waitFor(async () => (await lastUpgrade(node)) === PREVIOUS.specVersion + 1, 60_000, 'a block run by the new code');
  });

  test('every record, consent, delegate, booking, claim, balance and hold is there, as migrated', async () => {
    // A connection that reads the new metadata from the start.
    await api.disconnect();
    api = await connect(node);
    assert.equal((await api.rpc.state.getRuntimeVersion()).specVersion.toNumber(), PREVIOUS.specVersion + 1);
    for (const [pallet, [, current]] of Object.entries(STORAGE_VERSIONS)) {
      assert.equal(await storageVersion(node, pallet), current, `${pallet}'s storage version`);
    }

    // Every item of the four pallets, old and new, against the old state migrated.
    const after = await readState(api);
    const expected = migrated(api, remembered, upgradedAt);
    for (const name of new Set([...after.keys(), ...expected.state.keys()])) {
      assert.deepStrictEqual(canonical(name, after.get(name) ?? new Map()), canonical(name, expected.state.get(name) ?? new Map()), name);
    }

    // The documented mapping, on this scenario's state, against what the suite wrote.
    const { docA, docB, p1, p3, guardian } = actors;
    const consent = (name: string) => item(after, 'consent.consents').get(JSON.stringify([id(consents, name)])) as Json | undefined;
    assert.equal(consent('insurer@p1'), undefined, 'a permit of categories ended');
    assert.equal(consent('docB@p3'), undefined, 'a permit of categories ended');
    assert.equal(consent('docA@p1 category'), undefined, 'a permit of categories ended');
    assert.deepEqual(consent('bob@p3')?.scope, { allData: null }, 'a deny of categories denies all data');
    assert.deepEqual(consent('bob@p2')?.scope, { records: [record('rB').id] }, 'a record scope names the record');
    assert.equal(consent('docB@p1')?.grantedBy, guardian.address, 'the delegate granted it');
    assert.ok(!item(after, 'records.envelopes').has(JSON.stringify([record('rD').id, docB.address])),
      'the envelope of a grantee who may no longer read is gone');
    assert.ok(item(after, 'records.envelopes').has(JSON.stringify([record('rA2').id, docA.address])),
      'the envelope another permit still covers survives the pruning of a permit of categories');
    for (const [name, { id: version, anchor: a, root }] of records) {
      const entry = item(after, 'records.records').get(JSON.stringify([version])) as Json;
      if (name === 'rC') {
        assert.equal((entry.shredded as Json).commitment, a.commitment, 'a shredded version keeps its commitment');
        continue;
      }
      const live = entry.live as Json;
      assert.deepEqual([live.commitment, live.ciphertextHash, live.locator, live.sizeClass, live.record],
        [a.commitment, a.ciphertextHash, u8aToHex(stringToU8a(a.locator)), sizeClassOf(a.size), record(root).id], name);
    }

    // Balances and holds: as before, but for the deposits the upgrade gave back.
    const deposit = 100n * UNITS / 1_000n;
    assert.deepEqual(expected.releases.get(p1.address), new Map([['consent.ConsentDeposit', 2n * deposit]]));
    assert.deepEqual(expected.releases.get(p3.address),
      new Map([['consent.ConsentDeposit', deposit], ['records.EnvelopeDeposit', deposit]]));
    for (const who of Object.values(actors)) {
      const was = fundsBefore.get(who.address);
      assert.ok(was);
      const holds = new Map(was.holds);
      let released = 0n;
      for (const [hold, amount] of expected.releases.get(who.address) ?? []) {
        released += amount;
        const left = (holds.get(hold) ?? 0n) - amount;
        if (left === 0n) holds.delete(hold);
        else holds.set(hold, left);
      }
      assert.deepStrictEqual(await fundsOf(api, who.address),
        { ...was, free: was.free + released, reserved: was.reserved - released, holds }, who.address);
    }
    assert.deepStrictEqual((await fundsOf(api, dev('Bob').address)).holds, bobHolds, 'the physician\'s deposits are held');

    // The keyless accounts were emptied into the treasury and reaped (the treasury also received
    // the fees of the upgrade's own transactions since).
    for (const who of keyless) {
      const { providers, data } = await api.query.system.account(who);
      assert.deepEqual([providers.toNumber(), data.free.toBigInt()], [0, 0n], `${who} is reaped`);
    }
    const treasury = (await api.query.system.account(palletAccount('modltm/trsry'))).data.free.toBigInt();
    assert.ok(treasury >= treasuryBefore + keylessBefore, `the treasury received ${keylessBefore}: ${treasuryBefore} → ${treasury}`);
  });

  test('the old data works under the new runtime', async () => {
    const { docA, docB, p1, p2, p3, insurer } = actors;
    const bob = dev('Bob');

    // Access checks on migrated consents: the all-data permit, the delegate's grant, the deny
    // widened to all data, the permit that ended.
    const check = async (who: KeyringPair, patient: KeyringPair, root: string, purpose: string) => {
      const target = { Record: { tag: legacyTag(api, record(root).id), record: record(root).id } };
      return (await api.call.consentApi.checkAccess(who.address, patient.address, 'Read', target, purpose)).toJSON();
    };
    assert.deepEqual(await check(docA, p1, 'rA', 'Treatment'), { ok: { consent: id(consents, 'docA@p1') } });
    assert.deepEqual(await check(docB, p1, 'rA', 'Operations'), { ok: { consent: id(consents, 'docB@p1') } });
    assert.deepEqual(await check(bob, p3, 'rD', 'Treatment'), { err: { explicitlyDenied: id(consents, 'bob@p3') } });
    assert.deepEqual(await check(docB, p3, 'rD', 'Treatment'), { err: { noConsent: null } });

    const pool = async () => (await fundsOf(api, insurer.address)).holds.get('billing.InsurerPool') ?? 0n;
    const poolBefore = await pool();
    const claim0 = id(claims, 'claim0');
    const [read, accepted, approved, reviewed] = await phase([
      [docA, api.tx.records.accessRecord(record('rA2').id)],
      [docA, api.tx.billing.accept(id(visits, 'c4'))],
      [insurer, api.tx.billing.adjudicateClaim(claim0, true, new Uint8Array(32))],
      [p2, api.tx.consent.reviewEmergencyAccess(emergency, true)],
    ]);

    // The practitioner reads through the chain and opens the data key sealed before the upgrade.
    assert.ok(read?.events.includes('records.RecordAccessed'), read?.events.join(', '));
    const sealed = (await api.call.recordsApi.envelope(record('rA2').id, docA.address)).toJSON() as { sealed: string };
    const binding = { genesisHash, record: record('rA').id, version: 2, grantee: decodeAddress(docA.address) };
    assert.deepEqual(await openEnvelope(hexToU8a(sealed.sealed), keyOf(docA).secretKey, binding), record('rA2').dataKey);
    const log = (await api.call.consentApi.disclosures(p1.address, 0, 16)).toJSON() as [number, { data: unknown }][];
    assert.deepEqual(log.at(-1)?.[1].data, { record: record('rA2').id });

    // An old booking is accepted; the pending claim is approved and paid from the pool.
    assert.ok(accepted?.events.includes('billing.ConsultationAccepted'), accepted?.events.join(', '));
    assert.ok(approved);
    const [, paid = 0n, fee = 0n] = eventOf(approved, 'billing.ClaimApproved').map((v) => BigInt(v as number | string));
    const amount = BigInt((item(remembered, 'billing.claims').get(JSON.stringify([claim0])) as Json).amount as number | string);
    assert.equal(paid + fee, amount);
    assert.equal(await pool(), poolBefore - amount);
    const claim = (await api.call.billingApi.claim(id(visits, 'c0'))).toJSON() as [number, { status: unknown }];
    assert.deepEqual(claim[1].status, { approved: null });

    // The break-glass review, filed under (patient, practitioner) by the migration, is done.
    assert.ok(reviewed?.events.includes('consent.EmergencyAccessReviewed'), reviewed?.events.join(', '));
    assert.equal((await fundsOf(api, bob.address)).holds.get('consent.EmergencyDeposit'), undefined);
    assert.deepEqual((await api.call.consentApi.pendingEmergencyReviews(p2.address)).toJSON(), []);
  });
});
