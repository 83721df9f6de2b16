// Test doubles: an in-memory blob store with real CIDs, and a chain whose answers the test sets.

import { u8aEq, u8aToHex } from '@polkadot/util';
import { CID } from 'multiformats/cid';
import * as raw from 'multiformats/codecs/raw';
import { sha256 } from 'multiformats/hashes/sha2';
import {
  ChainUnavailableError, type AccessDecision, type ChainAt, type ConsultationParties, type GatewayChain, type LicenceStatus, type Purpose,
  type PrescriptionParties, type RecordVersion,
} from '../src/chain-interface.ts';
import { OversizeBlobError, type BlobStore } from '../src/store.ts';

/** Blobs in a Map, under raw sha2-256 CIDs v1. */
export class MemoryBlobStore implements BlobStore {
  readonly blobs = new Map<string, Uint8Array>();

  async put(bytes: Uint8Array): Promise<CID> {
    const cid = CID.createV1(raw.code, await sha256.digest(bytes));
    this.blobs.set(cid.toString(), bytes.slice());
    return cid;
  }

  async get(cid: CID, maxBytes: number): Promise<Uint8Array> {
    const blob = this.blobs.get(cid.toString());
    if (blob === undefined) throw Object.assign(new Error('not found'), { name: 'LoadBlockFailedError' });
    if (blob.length > maxBytes) throw new OversizeBlobError('too big');
    return blob;
  }

  info() {
    return { peerId: 'memory', addresses: [], connectedPeers: 0 };
  }

  async stop(): Promise<void> {}
}

/** A chain that answers from what the test put in it; `drop()` makes every call fail as a lost connection. */
export class FakeChain implements GatewayChain {
  readonly genesisHash = new Uint8Array(32).fill(7);
  readonly patients = new Set<string>();
  readonly licensed = new Set<string>();
  readonly versions = new Map<bigint, RecordVersion>();
  /** Consultations by id (the relay's admission). */
  readonly consultations = new Map<bigint, ConsultationParties>();
  readonly prescriptions = new Map<bigint, PrescriptionParties>();
  /** `accessor/record` → allowed. */
  readonly grants = new Set<string>();
  /** Set by `drop`: calls wait for this long, then fail. */
  private dropAfterMs: number | undefined;
  /** How many calls were made. */
  calls = 0;

  /** From now on every call waits `afterMs` and then fails as a dropped connection would. */
  drop(afterMs = 20): void {
    this.dropAfterMs = afterMs;
  }

  grant(accessor: Uint8Array, record: bigint): void {
    this.grants.add(`${u8aToHex(accessor)}/${record}`);
  }

  revoke(accessor: Uint8Array, record: bigint): void {
    this.grants.delete(`${u8aToHex(accessor)}/${record}`);
  }

  private async answer<T>(value: () => T): Promise<T> {
    this.calls++;
    if (this.dropAfterMs !== undefined) {
      await new Promise((r) => setTimeout(r, this.dropAfterMs));
      throw new ChainUnavailableError('the connection to the chain node dropped');
    }
    return value();
  }

  async atBest(): Promise<ChainAt> {
    return await this.answer(() => ({
      blockHash: '0xfake',
      isPatient: (who: Uint8Array) => this.answer(() => this.patients.has(u8aToHex(who))),
      licenceStatus: (who: Uint8Array) =>
        this.answer((): LicenceStatus => ({ registered: this.licensed.has(u8aToHex(who)), licensed: this.licensed.has(u8aToHex(who)) })),
      recordVersion: (id: bigint) => this.answer(() => this.versions.get(id)),
      checkRead: (accessor: Uint8Array, version: RecordVersion, _purpose: Purpose) =>
        this.answer((): AccessDecision =>
          u8aEq(accessor, version.patient)
            ? { allowed: true, basis: 'patient' }
            : this.grants.has(`${u8aToHex(accessor)}/${version.record}`)
              ? { allowed: true, basis: '{"consent":1}' }
              : { allowed: false, denial: '{"noConsent":null}' }),
      consultation: (id: bigint) => this.answer(() => this.consultations.get(id)),
      prescription: (id: bigint) => this.answer(() => this.prescriptions.get(id)),
    }));
  }

  async close(): Promise<void> {}
}
