// The load harness's actors and workloads on the development chain: `senders` patients and as
// many practitioners (registered, licensed by the demo board //Ferdie, each offering a service),
// funded by //Alice; and for each workload the transactions of one burst (`perSender` per
// sender). Everything is synthetic: derived keys, random commitments and tags, no health data.

import type { ApiPromise } from '@polkadot/api';
import type { KeyringPair } from '@polkadot/keyring/types';
import { x25519 } from '@noble/curves/ed25519.js';
import { u8aToHex } from '@polkadot/util';
import { blake2AsU8a, randomAsU8a } from '@polkadot/util-crypto';
import type { Keyring } from '@polkadot/keyring';
import type { BlockFollower, Planned } from './chain.ts';
import { signAll, submitAll } from './chain.ts';
import { DAY, UNITS } from '../lib/units.ts';

/** The workloads, in the order they run (each may rely on the state the earlier ones left). */
export const WORKLOADS = ['transfer', 'remark', 'add_record', 'grant_consent', 'access_record', 'book'] as const;
export type Workload = (typeof WORKLOADS)[number];

/** The accounts of a run. */
export interface Actors {
  alice: KeyringPair;
  board: KeyringPair;
  patients: KeyringPair[];
  practitioners: KeyringPair[];
  /** Each patient's first record (the one `access_record` reads), once added. */
  records: bigint[];
}

/** The service every load practitioner offers. */
export const SERVICE = 'LOAD1';

/** A valid X25519 public key (a key agreement key the chain accepts), from a fresh secret. */
function keyAgreementKey(): Uint8Array {
  return x25519.getPublicKey(x25519.utils.randomSecretKey());
}

/**
 * Submits `planned` at once and waits until all are in blocks; throws if some are not, or
 * failed in dispatch. Returns each transaction's events (`section.method` and data as JSON), in
 * the order planned.
 */
export async function runSetup(
  api: ApiPromise, follower: BlockFollower, what: string, planned: Planned[],
): Promise<{ name: string; data: unknown[] }[][]> {
  if (planned.length === 0) return [];
  const signed = await signAll(api, planned);
  await submitAll(api, signed);
  const hashes = new Set(signed.map((s) => s.hash));
  const included = await follower.waitIncluded(hashes, 4);
  if (included.size !== hashes.size) throw new Error(`${what}: ${hashes.size - included.size} of ${hashes.size} transactions not included`);
  const events = await eventsOf(api, follower, hashes);
  const failures = [...events.values()].flat().filter((e) => e.name.startsWith('error:'));
  if (failures.length > 0) throw new Error(`${what}: ${failures.length} failed in dispatch, e.g. ${failures[0]!.name.slice(6)}`);
  return signed.map((s) => events.get(s.hash) ?? []);
}

/**
 * The events of the extrinsics `hashes` in the blocks followed, by hash; a dispatch failure is
 * an event named `error:section.Error`.
 */
async function eventsOf(api: ApiPromise, follower: BlockFollower, hashes: Set<string>): Promise<Map<string, { name: string; data: unknown[] }[]>> {
  const byHash = new Map<string, { name: string; data: unknown[] }[]>();
  for (const block of follower.blocks) {
    const ours = new Map(block.extrinsics.flatMap((x, i) => (hashes.has(x) ? [[i, x] as const] : [])));
    if (ours.size === 0) continue;
    const events = await (await api.at(block.hash)).query.system.events();
    for (const { phase, event } of events) {
      if (!phase.isApplyExtrinsic) continue;
      const hash = ours.get(phase.asApplyExtrinsic.toNumber());
      if (hash === undefined) continue;
      const list = byHash.get(hash) ?? [];
      byHash.set(hash, list);
      if (api.events.system.ExtrinsicFailed.is(event)) {
        const error = event.data.dispatchError;
        const name = error.isModule ? (({ section, name: n }) => `${section}.${n}`)(api.registry.findMetaError(error.asModule)) : error.toString();
        list.push({ name: `error:${name}`, data: [] });
      } else {
        list.push({ name: `${event.section}.${event.method}`, data: event.data.toJSON() as unknown[] });
      }
    }
  }
  return byHash;
}

/**
 * Creates and sets up the actors: funds them, registers the patients and the practitioners,
 * licenses the practitioners (one licence each, by the demo board) and has each offer
 * {@link SERVICE}.
 */
export async function setUp(api: ApiPromise, keyring: Keyring, follower: BlockFollower, senders: number): Promise<Actors> {
  const alice = keyring.addFromUri('//Alice');
  const board = keyring.addFromUri('//Ferdie');
  const patients = Array.from({ length: senders }, (_, i) => keyring.addFromUri(`//load/patient/${i}`));
  const practitioners = Array.from({ length: senders }, (_, i) => keyring.addFromUri(`//load/practitioner/${i}`));
  const actors: Actors = { alice, board, patients, practitioners, records: [] };

  await runSetup(api, follower, 'funding', [...patients, ...practitioners].map((who) => ({
    signer: alice, tx: api.tx.balances.transferKeepAlive(who.address, 1_000n * UNITS),
  })));
  await runSetup(api, follower, 'registration', [
    ...patients.map((p) => ({ signer: p, tx: api.tx.records.registerPatient(keyAgreementKey()) })),
    ...practitioners.map((p) => ({ signer: p, tx: api.tx.practitioners.register('Load Practitioner', ['Physician'], [], keyAgreementKey()) })),
  ]);
  const now = (await api.query.timestamp.now()).toNumber();
  await runSetup(api, follower, 'licences', practitioners.map((p) => ({
    signer: board,
    tx: api.tx.practitioners.issueLicence(p.address, 'FR', 'Physician', null, blake2AsU8a(`load|${p.address}`), blake2AsU8a('load evidence'),
      now, now + 365 * DAY, false),
  })));
  await runSetup(api, follower, 'services', practitioners.map((p) => ({
    signer: p, tx: api.tx.billing.setService(SERVICE, blake2AsU8a('load service'), 1n * UNITS, 30 * 60_000),
  })));
  return actors;
}

/**
 * `n` random bytes for a `Bytes` (a `Vec<u8>`) argument, as hex: @polkadot/api reads a
 * `Uint8Array` given for `Bytes` as already encoded (its length prefix first).
 */
function bytes(n: number): string {
  return u8aToHex(randomAsU8a(n));
}

/** A record's synthetic anchoring: random commitment, hash, tag and locator. */
function randomRecord(api: ApiPromise, patient: KeyringPair) {
  return api.tx.records.addRecord(patient.address, randomAsU8a(32), randomAsU8a(32), randomAsU8a(32), 10, bytes(96), 'Treatment');
}

/**
 * The transactions of one burst of `workload`: `perSender` per sender. `access_record` first
 * needs each patient's first record sealed to their practitioner ({@link prepare}).
 */
export function burst(api: ApiPromise, actors: Actors, workload: Workload, perSender: number, now: number): Planned[] {
  const { patients, practitioners } = actors;
  const n = patients.length;
  const planned: Planned[] = [];
  for (let i = 0; i < n; i++) {
    const patient = patients[i]!;
    const practitioner = practitioners[i]!;
    for (let k = 0; k < perSender; k++) {
      switch (workload) {
        case 'transfer':
          planned.push({ signer: patient, tx: api.tx.balances.transferKeepAlive(practitioners[(i + k) % n]!.address, UNITS / 1000n) });
          break;
        case 'remark':
          planned.push({ signer: patient, tx: api.tx.system.remark(bytes(32)) });
          break;
        case 'add_record':
          planned.push({ signer: patient, tx: randomRecord(api, patient) });
          break;
        case 'grant_consent':
          // A permit to another practitioner each time (at most `MaxConsentsPerGrantee` per pair).
          planned.push({
            signer: patient,
            tx: api.tx.consent.grantConsent(patient.address, practitioners[(i + k) % n]!.address, 'Permit', ['Read'], 'AllData',
              ['Treatment'], null, null),
          });
          break;
        case 'access_record':
          planned.push({ signer: practitioner, tx: api.tx.records.accessRecord(actors.records[i]!) });
          break;
        case 'book':
          planned.push({
            signer: patient,
            tx: api.tx.billing.book(patient.address, practitioners[(i + k) % n]!.address, SERVICE, now + DAY + k * 3_600_000, null),
          });
          break;
      }
    }
  }
  return planned;
}

/**
 * What a workload needs before its burst: for `access_record`, each patient's first record and
 * its key sealed to the patient's practitioner (whom the `grant_consent` burst permitted).
 */
export async function prepare(api: ApiPromise, follower: BlockFollower, actors: Actors, workload: Workload): Promise<void> {
  if (workload !== 'access_record') return;
  if (actors.records.length === 0) {
    const events = await runSetup(api, follower, 'a record each', actors.patients.map((p) => ({ signer: p, tx: randomRecord(api, p) })));
    for (const list of events) {
      const added = list.find((e) => e.name === 'records.RecordAdded');
      if (!added) throw new Error('a record was added without RecordAdded');
      actors.records.push(BigInt(added.data[0] as number));
    }
  }
  await runSetup(api, follower, 'envelopes', actors.patients.map((p, i) => ({
    signer: p, tx: api.tx.records.addEnvelope(actors.records[i]!, actors.practitioners[i]!.address, bytes(120), 'Treatment'),
  })));
}
