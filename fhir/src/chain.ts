/**
 * What the facade asks the chain and how it writes, behind one interface ({@link FhirChain}):
 * `SdkFhirChain` implements it on the SDK's `TelemedChain` (runtime APIs and storage read at one
 * block per request: the best block, or the snapshot a search's `_at` names; writes through the
 * SDK's flows); the unit tests use a fake.
 *
 * @module
 */

import type { ApiPromise } from '@polkadot/api';
import type { EventRecord, Extrinsic } from '@polkadot/types/interfaces';
import {
  addResource, billing, consent, decodeDispatchError, fromHex, OutcomeUnknownError, readRecord, records, send, toHex, TransactionError,
  type Actor, type SendOptions, type BlobStore, type Delegation, type PurposeOfUse, type RecordVersion, type TelemedChain,
} from '@telemed/sdk';
import { DEFAULT_CHAIN_CONCURRENCY, mapLimit } from './concurrency.ts';
import type {
  AccessBasis, ClaimInfo, ConsentInfo, DisclosedData, DisclosureInfo, LicenceInfo, PractitionerInfo,
} from './model.ts';

/**
 * A submitted grant not in a block within this time is given up (ten 6-second blocks): an
 * `OutcomeUnknownError` with its hash (it may still be included), as the SDK's `send()` gives.
 */
export const SUBMIT_DEADLINE_MS = 60_000;
/** `TransactionError` reasons of a grant refused before submission. */
export const STALE_NONCE = 'stale nonce';
export const FUTURE_NONCE = 'future nonce';

/** Limits of one chain write or read. */
export interface CallOptions {
  /**
   * When to give up waiting (ms since the Unix epoch, `Date.now()`'s clock): each transaction is
   * sent with the time left then (`SendOptions.timeoutMs`), so a lost outcome is an
   * `OutcomeUnknownError` with the extrinsic's hash, not a wait without end.
   */
  deadline?: number;
}

/**
 * `SendOptions` whose `timeoutMs` is read at each send (a getter): the time left before
 * `deadline`, so each transaction of a write (anchor, envelopes, `logAccess`) waits at most
 * until the deadline, not its own full allowance after the previous one.
 *
 * @internal exported for the tests
 */
export function sendOptionsUntil(deadline: number | undefined): SendOptions {
  if (deadline === undefined) return {};
  return {
    get timeoutMs() {
      return Math.max(1, deadline - Date.now());
    },
  };
}

/**
 * A block whose state the node cannot answer from: it does not know the block, or it pruned the
 * block's state (a node keeps the state of its last blocks only, `--state-pruning`). A search
 * asked `_at` such a block is `410 Gone`.
 */
export class SnapshotGoneError extends Error {
  constructor(readonly blockHash: string) {
    super(`the node has no state of block ${blockHash}`);
    this.name = 'SnapshotGoneError';
  }
}

/**
 * Whether `e` is the node's answer for a block it does not know or whose state it discarded:
 * `UnknownBlock: State already discarded for 0x…`, `UnknownBlock: Header was not found…`, the
 * older `Api called for an unknown Block…` (an RPC error `-32000`/`4003`, as @polkadot/api raises it).
 */
export function isStateGone(e: unknown): boolean {
  return e instanceof SnapshotGoneError
    || (e instanceof Error && /UnknownBlock|unknown Block|State already discarded|Header was not found/i.test(e.message));
}

/** The chain as of one block, for reads. */
export interface ChainView {
  /** The block's hash (`0x` + 64 lower-case hex digits): a search's snapshot, named in its links as `_at`. */
  readonly hash: string;
  /** The chain's clock at that block (ms). */
  now(): Promise<number>;
  /** Whether `who` is a registered patient. */
  isPatient(who: string): Promise<boolean>;
  /** `delegate`'s appointment by `patient`, or null. */
  delegation(patient: string, delegate: string): Promise<Delegation | null>;
  /** Whether `practitioner` holds a break-glass access to `patient` open now. */
  emergencyOpen(patient: string, practitioner: string): Promise<boolean>;
  /** `patient`'s consents with their standing. */
  consents(patient: string): Promise<ConsentInfo[]>;
  /** `patient`'s disclosure log (the last 256 entries the chain keeps), oldest first. */
  disclosures(patient: string): Promise<DisclosureInfo[]>;
  /** `who`'s practitioner profile, or null. */
  practitioner(who: string): Promise<PractitionerInfo | null>;
  /** `who`'s licences (ended ones included until pruned). */
  licences(who: string): Promise<LicenceInfo[]>;
  /** `patient`'s live record versions (current and superseded), by id. */
  records(patient: string): Promise<RecordVersion[]>;
  /** The claims of `patient`'s consultations still in state (`BillingApi.consultations`, `claim`). */
  claims(patient: string): Promise<ClaimInfo[]>;
  /** Whether `accessor` may read `version` now for `purpose` (`ConsentApi.check_access`). */
  canRead(accessor: string, version: RecordVersion, purpose: PurposeOfUse): Promise<boolean>;
  /** Consent `id` with its standing (`Consents`, then its patient's `ConsentApi.consents`), or null. */
  consent(id: bigint): Promise<ConsentInfo | null>;
  /** Licence `id` with its standing (`Licences`, then its holder's `PractitionersApi.licences`), or null. */
  licence(id: bigint): Promise<LicenceInfo | null>;
  /** Claim `id` with its consultation (`Claims`, `Consultations`), or null (none, or its consultation reaped). */
  claim(id: bigint): Promise<ClaimInfo | null>;
  /** Record version `id`, or null when there is none or it was shredded (`Records`). */
  recordVersion(id: bigint): Promise<RecordVersion | null>;
  /**
   * The purpose of `grantee`'s envelope for version `id` as stored (`Envelopes`), or null: what
   * `records.accessRecord` checks access for (and refuses `NoEnvelope` without).
   */
  envelopePurpose(id: bigint, grantee: string): Promise<PurposeOfUse | null>;
}

/** A consent to grant, decoded from a patient's signed `consent.grantConsent` extrinsic. */
export interface SignedGrant {
  /** Who signed it. */
  signer: string;
  patient: string;
  grantee: string;
  decision: 'Permit' | 'Deny';
  actions: string[];
  scope: 'AllData' | { tags: string[] } | { records: bigint[] };
  purposes: string[];
  start: number | null;
  end: number | null;
}

/** What the facade needs from the chain. */
export interface FhirChain {
  /** The genesis hash (signed requests are bound to it). */
  readonly genesisHash: Uint8Array;
  /** The SS58 prefix of the chain's addresses. */
  readonly ss58Format: number;
  /** The chain at the best block. */
  atBest(): Promise<ChainView>;
  /**
   * The chain at block `hash` (`0x` + 64 lower-case hex digits): a search's snapshot, so its
   * pages agree with each other (review F10).
   *
   * @throws {@link SnapshotGoneError} when the node does not know the block or pruned its state
   */
  at(hash: string): Promise<ChainView>;
  /**
   * Encrypts `resource`, stores it in `store`, anchors it for `patient` under `tag`, seals it to the author and `sealTo`.
   *
   * @throws `OutcomeUnknownError` when a transaction's outcome is lost (deadline, connection)
   */
  write(store: BlobStore, author: Actor, patient: string, resource: Uint8Array, tag: Uint8Array, purpose: PurposeOfUse, sealTo: string[], options?: CallOptions): Promise<RecordVersion>;
  /**
   * Logs an anchored write in `patient`'s accounting of disclosures (`consent.logAccess`,
   * Append, the record version): `addRecord` checks the author's access but logs nothing.
   *
   * @throws `DispatchError`, `OutcomeUnknownError`…: the record stays anchored
   */
  logAppend(author: Actor, patient: string, version: RecordVersion, purpose: PurposeOfUse, options?: CallOptions): Promise<void>;
  /** Reads version `id` as `reader` (`accessRecord`: checked and logged), fetched from `store`. */
  read(store: BlobStore, reader: Actor, id: bigint, options?: CallOptions): Promise<{ resource: Uint8Array; version: RecordVersion }>;
  /**
   * Decodes a signed `consent.grantConsent` extrinsic (hex).
   *
   * @throws `Error` when it is not one (not an extrinsic, unsigned, another call)
   */
  decodeGrant(extrinsic: string): SignedGrant;
  /**
   * Submits a signed extrinsic and waits for it in a block: the granted consent's id.
   *
   * @throws `OutcomeUnknownError` when it is not in a block by the deadline (at most
   *   {@link SUBMIT_DEADLINE_MS}) or the connection is lost first
   */
  submitGrant(extrinsic: string, options?: CallOptions): Promise<bigint>;
}

type Json = Record<string, unknown>;

/** `emergencyCustodian` → `EmergencyCustodian` (unit variants in @polkadot/api's JSON). */
function pascal(name: unknown): string {
  const s = String(name);
  return s.charAt(0).toUpperCase() + s.slice(1);
}

/** A unit or data enum in @polkadot/api's JSON: its variant name (Pascal case) and value. */
function variant(json: unknown): [string, unknown] {
  if (typeof json === 'string') return [pascal(json), null];
  const [key, value] = Object.entries(json as Json)[0] ?? ['', null];
  return [pascal(key), value];
}

/** Bytes in JSON (hex) as UTF-8 text (a name, a code). */
function text(json: unknown): string {
  const s = String(json ?? '');
  if (!s.startsWith('0x')) return s;
  return new TextDecoder().decode(fromHex(s));
}

/** @internal `ConsentView` JSON. */
export function consentFromJson(view: Json, address: (a: unknown) => string): ConsentInfo {
  const c = view.consent as Json;
  const [scopeName, scopeValue] = variant(c.scope);
  const scope: ConsentInfo['scope'] = scopeName === 'Tags'
    ? { tags: (scopeValue as string[]).map((t) => fromHex(t)) }
    : scopeName === 'Records' ? { records: (scopeValue as (number | string)[]).map((r) => BigInt(r)) } : 'AllData';
  return {
    id: BigInt(view.id as number),
    patient: address(c.patient),
    grantee: address(c.grantee),
    granteeKind: pascal(c.granteeKind) as ConsentInfo['granteeKind'],
    decision: pascal(c.decision) as ConsentInfo['decision'],
    actions: (c.actions as string[]).map(pascal) as ConsentInfo['actions'],
    scope,
    purposes: (c.purposes as string[]).map(pascal) as ConsentInfo['purposes'],
    start: Number(c.start),
    end: c.end === null || c.end === undefined ? null : Number(c.end),
    status: pascal(c.status) as ConsentInfo['status'],
    grantedBy: address(c.grantedBy),
    grantedAt: Number(c.grantedAt),
    standing: pascal(view.standing) as ConsentInfo['standing'],
  };
}

/** @internal One `(seq, Disclosure)` of `ConsentApi.disclosures`. */
export function disclosureFromJson(seq: unknown, d: Json, address: (a: unknown) => string): DisclosureInfo {
  const [dataName, dataValue] = variant(d.data);
  const data: DisclosedData = dataName === 'Record'
    ? { record: BigInt(dataValue as number) }
    : dataName === 'Tag' ? { tag: fromHex(String(dataValue)) } : dataName === 'AllData' ? 'AllData' : 'Relationship';
  const [basisName, basisValue] = variant(d.basis);
  const basis: AccessBasis = basisName === 'Consent'
    ? { consent: BigInt(basisValue as number) }
    : basisName === 'Emergency' ? { emergency: BigInt(basisValue as number) } : (basisName as 'Patient' | 'Delegate');
  return {
    seq: BigInt(seq as number),
    patient: address(d.patient),
    accessor: address(d.accessor),
    data,
    action: pascal(d.action) as DisclosureInfo['action'],
    purpose: pascal(d.purpose) as DisclosureInfo['purpose'],
    basis,
    at: Number(d.at),
  };
}

/** @internal `Practitioner` JSON of `who`. */
export function practitionerFromJson(who: string, p: Json): PractitionerInfo {
  return {
    account: who,
    displayName: text(p.displayName),
    roles: (p.roles as string[]).map(pascal),
    specialties: (p.specialties as unknown[]).map(text),
    registeredAt: Number(p.registeredAt),
  };
}

/** @internal `LicenceView` JSON. */
export function licenceFromJson(view: Json, address: (a: unknown) => string): LicenceInfo {
  const l = view.licence as Json;
  return {
    id: BigInt(view.id as number),
    holder: address(l.holder),
    authority: address(l.authority),
    jurisdiction: text(l.jurisdiction),
    role: pascal(l.role),
    specialty: l.specialty === null || l.specialty === undefined ? null : text(l.specialty),
    validFrom: Number(l.validFrom),
    expiresAt: Number(l.expiresAt),
    status: pascal(l.status) as LicenceInfo['status'],
    emergencyCare: l.emergencyCare === true,
    issuedAt: Number(l.issuedAt),
    standing: pascal(view.standing) as LicenceInfo['standing'],
  };
}

/** @internal A consultation's JSON and its claim's (`[claimId, Claim]`). */
export function claimFromJson(consultation: unknown, c: Json, claimId: unknown, claim: Json, address: (a: unknown) => string): ClaimInfo {
  const [status, value] = variant(claim.status);
  const data = (value ?? {}) as Json;
  return {
    id: BigInt(claimId as number),
    consultation: BigInt(consultation as number),
    patient: address(c.patient),
    practitioner: address(claim.practitioner),
    insurer: address(claim.insurer),
    policy: BigInt(claim.policy as number),
    service: text(c.service),
    amount: BigInt(claim.amount as number),
    deliveredAt: c.deliveredAt === null || c.deliveredAt === undefined ? null : Number(c.deliveredAt),
    createdAt: Number(claim.createdAt),
    status: status as ClaimInfo['status'],
    deadline: status === 'Pending' ? Number(data.deadline) : null,
    check: status === 'Rejected' ? variant(data.check)[0] : null,
  };
}

/** Most record versions listed for one patient (the runtime API pages by 64). */
const MAX_LISTED = 1024;

/** The facade's {@link FhirChain} on the SDK's chain client. */
export class SdkFhirChain implements FhirChain {
  readonly genesisHash: Uint8Array;
  readonly ss58Format: number;

  /**
   * @param chain - a connected SDK client (the caller closes it)
   * @param concurrency - most chain queries one listing makes at once (a patient's record versions)
   */
  constructor(readonly chain: TelemedChain, readonly concurrency = DEFAULT_CHAIN_CONCURRENCY) {
    this.genesisHash = chain.genesisHash;
    this.ss58Format = chain.api.registry.chainSS58 ?? 42;
  }

  async atBest(): Promise<ChainView> {
    const header = await this.chain.api.rpc.chain.getHeader();
    return this.at(header.hash.toHex());
  }

  async at(hash: string): Promise<ChainView> {
    let at: TelemedChain;
    try {
      at = await this.chain.at(hash);
      // The decoration may come from a cache: ask the block's state once, so a pruned block is
      // refused here (a query later in the request that finds it pruned is mapped alike).
      await (at.api as ApiPromise).query.timestamp!.now!();
    } catch (e) {
      if (isStateGone(e)) throw new SnapshotGoneError(hash);
      throw e;
    }
    const api = at.api as ApiPromise;
    const address = (a: unknown) => at.address(String(a));
    const consentsOf = async (patient: string) => {
      const json = (await api.call.consentApi!.consents!(at.address(patient))).toJSON() as Json[];
      return json.map((v) => consentFromJson(v, address));
    };
    const licencesOf = async (who: string) => {
      const json = (await api.call.practitionersApi!.licences!(at.address(who))).toJSON() as Json[];
      return json.map((v) => licenceFromJson(v, address));
    };
    return {
      hash: hash.toLowerCase(),
      now: async () => Number((await api.query.timestamp!.now!()).toString()),
      isPatient: async (who) => (await records.patient(at, who)) !== null,
      delegation: (patient, delegate) => consent.delegation(at, patient, delegate),
      emergencyOpen: async (patient, practitioner) => {
        const now = Number((await api.query.timestamp!.now!()).toString());
        for (const open of await consent.openEmergencies(at, patient)) {
          if (open.practitioner !== at.address(practitioner)) continue;
          if (consent.emergencyIsOpen(await consent.emergencyAccess(at, open.id), now)) return true;
        }
        return false;
      },
      consents: consentsOf,
      disclosures: async (patient) => {
        const out: DisclosureInfo[] = [];
        let from = 0;
        for (;;) {
          const page = (await api.call.consentApi!.disclosures!(at.address(patient), from, 64)).toJSON() as [number, Json][];
          for (const [seq, d] of page) out.push(disclosureFromJson(seq, d, address));
          if (page.length < 64) return out;
          from = Number(page[page.length - 1]![0]) + 1;
        }
      },
      practitioner: async (who) => {
        const json = (await api.query.practitioners!.practitioners!(at.address(who))).toJSON() as Json | null;
        return json && practitionerFromJson(at.address(who), json);
      },
      licences: licencesOf,
      records: async (patient) => {
        const ids: bigint[] = [];
        let from = 0;
        while (ids.length < MAX_LISTED) {
          const [page, next] = (await api.call.recordsApi!.records!(
            at.address(patient), { tag: null, currentOnly: false }, from, 64)).toJSON() as [[number, Json][], number | null];
          for (const [id] of page) ids.push(BigInt(id));
          if (next === null || next === undefined) break;
          from = Number(next);
        }
        // A query per version: a few at a time, not 1024 at once against the node.
        return mapLimit(ids, this.concurrency, (id) => records.recordVersion(at, id));
      },
      // Every claim of the patient's visits (`BillingApi.claims`): a claim is created when its
      // visit settles, so the open consultations never list it.
      claims: async (patient) => {
        const who = at.address(patient);
        return (await billing.claimsOf(at, who))
          .filter(({ consultation: c }) => address(c.patient) === who)
          .map(({ id, claim, consultation: c }) => claimFromJson(claim.consultation, c, id, claim, address));
      },
      canRead: async (accessor, version, purpose) => {
        const answer = await consent.checkAccess(at, accessor, version.patient, 'Read', { record: { tag: version.tag, record: version.record } }, purpose);
        return 'ok' in answer;
      },
      // By id: the stored item names its patient (holder), whose listing has the standing.
      consent: async (id) => {
        const stored = (await api.query.consent!.consents!(id)).toJSON() as Json | null;
        if (!stored) return null;
        return (await consentsOf(address(stored.patient))).find((c) => c.id === id) ?? null;
      },
      licence: async (id) => {
        const stored = (await api.query.practitioners!.licences!(id)).toJSON() as Json | null;
        if (!stored) return null;
        return (await licencesOf(address(stored.holder))).find((l) => l.id === id) ?? null;
      },
      claim: async (id) => {
        const claim = (await api.query.billing!.claims!(id)).toJSON() as Json | null;
        if (!claim) return null;
        const c = (await api.query.billing!.consultations!(claim.consultation as number)).toJSON() as Json | null;
        return c && claimFromJson(claim.consultation, c, id, claim, address);
      },
      recordVersion: async (id) => {
        const entry = await records.recordEntry(at, id);
        return entry === null || entry.shredded ? null : entry.version;
      },
      envelopePurpose: async (id, grantee) => (await records.storedEnvelope(at, id, grantee))?.purpose ?? null,
    };
  }

  async write(store: BlobStore, author: Actor, patient: string, resource: Uint8Array, tag: Uint8Array, purpose: PurposeOfUse, sealTo: string[], options: CallOptions = {}): Promise<RecordVersion> {
    const sending = sendOptionsUntil(options.deadline);
    const written = await addResource({ chain: this.chain, store }, author, patient, resource, tag, { purpose, sealTo, send: sending });
    written.dataKey.fill(0);
    return written.version;
  }

  async logAppend(author: Actor, patient: string, version: RecordVersion, purpose: PurposeOfUse, options: CallOptions = {}): Promise<void> {
    // The write in the patient's accounting of disclosures (an AuditEvent): `logAccess` checks
    // the author's access again and logs it, by record id.
    await send(this.chain, this.chain.api.tx.consent!.logAccess!(
      patient, 'Append', { Record: { tag: toHex(version.tag), record: version.id } }, purpose), author.signer, sendOptionsUntil(options.deadline));
  }

  async read(store: BlobStore, reader: Actor, id: bigint, options: CallOptions = {}): Promise<{ resource: Uint8Array; version: RecordVersion }> {
    const { resource, version } = await readRecord({ chain: this.chain, store }, reader, id, { send: sendOptionsUntil(options.deadline) });
    return { resource, version };
  }

  decodeGrant(extrinsic: string): SignedGrant {
    const ext = this.decode(extrinsic);
    if (ext.method.section !== 'consent' || ext.method.method !== 'grantConsent') {
      throw new Error(`the extrinsic is ${ext.method.section}.${ext.method.method}, not consent.grantConsent`);
    }
    const args = ext.method.toJSON() as { args: Json };
    const a = args.args;
    const [scopeName, scopeValue] = variant(a.scope);
    return {
      signer: this.chain.address(ext.signer.toString()),
      patient: this.chain.address(String(a.patient)),
      grantee: this.chain.address(String(a.grantee)),
      decision: pascal(a.decision) as SignedGrant['decision'],
      actions: (a.actions as string[]).map(pascal),
      scope: scopeName === 'Tags'
        ? { tags: (scopeValue as string[]).map(String) }
        : scopeName === 'Records' ? { records: (scopeValue as number[]).map((r) => BigInt(r)) } : 'AllData',
      purposes: (a.purposes as string[]).map(pascal),
      start: a.start === null || a.start === undefined ? null : Number(a.start),
      end: a.end === null || a.end === undefined ? null : Number(a.end),
    };
  }

  private decode(extrinsic: string): Extrinsic {
    let ext: Extrinsic;
    try {
      ext = this.chain.api.createType('Extrinsic', extrinsic);
    } catch {
      throw new Error('not an extrinsic of this chain');
    }
    if (!ext.isSigned) throw new Error('the extrinsic is not signed');
    return ext;
  }

  async submitGrant(extrinsic: string, options: CallOptions = {}): Promise<bigint> {
    const ext = this.decode(extrinsic);
    const call = `${ext.method.section}.${ext.method.method}`;
    const api = this.chain.api;
    // Only the signer's next nonce can be included: an older one is a replay (or a grant already
    // made), a later one would wait in the pool's future queue, and the request with it.
    const next = (await api.rpc.system.accountNextIndex(ext.signer.toString())).toBigInt();
    const nonce = ext.nonce.toBigInt();
    if (nonce < next) throw new TransactionError(call, STALE_NONCE);
    if (nonce > next) throw new TransactionError(call, FUTURE_NONCE);
    const hash = ext.hash.toHex();
    const waitMs = Math.max(1, Math.min(SUBMIT_DEADLINE_MS, (options.deadline ?? Infinity) - Date.now()));
    const blockHash = await new Promise<string>((resolve, reject) => {
      let unsubscribe: (() => void) | undefined;
      let settled = false;
      const finish = (f: () => void) => {
        if (settled) return;
        settled = true;
        clearTimeout(deadline);
        api.off('disconnected', onDisconnected);
        unsubscribe?.();
        f();
      };
      // As the SDK's send(): a status subscription is not renewed after a reconnection.
      const onDisconnected = () => finish(() => reject(new OutcomeUnknownError(call, hash, 'disconnected')));
      const deadline = setTimeout(() => finish(() => reject(new OutcomeUnknownError(call, hash, 'timeout'))), waitMs);
      api.on('disconnected', onDisconnected);
      api.rpc.author.submitAndWatchExtrinsic(ext, (status) => {
        if (status.isInvalid || status.isDropped || status.isUsurped) finish(() => reject(new TransactionError(call, status.type)));
        else if (status.isInBlock) finish(() => resolve(status.asInBlock.toHex()));
        else if (status.isFinalized) finish(() => resolve(status.asFinalized.toHex()));
      })
        .then((u) => {
          if (settled) u();
          else unsubscribe = u;
        })
        .catch((e: unknown) => finish(() => reject(new TransactionError(call, e instanceof Error ? e.message : String(e)))));
    });
    const block = await api.rpc.chain.getBlock(blockHash);
    const index = block.block.extrinsics.findIndex((x) => x.hash.eq(ext.hash));
    const at = await api.at(blockHash);
    const events = ((await at.query.system!.events!()) as unknown as EventRecord[])
      .filter(({ phase }) => phase.isApplyExtrinsic && phase.asApplyExtrinsic.toNumber() === index);
    for (const { event } of events) {
      if (api.events.system!.ExtrinsicFailed!.is(event)) {
        throw decodeDispatchError(this.chain, event.data[0] as never, call);
      }
    }
    const granted = events.find(({ event }) => event.section === 'consent' && event.method === 'ConsentGranted');
    if (!granted) throw new TransactionError(call, 'no consent.ConsentGranted event');
    // `ConsentGranted { id, patient, grantee, decision }`: the id first.
    return BigInt((granted.event.data.toJSON() as (number | string)[])[0]!);
  }
}
