// A chain the unit tests set up (FhirChain without a node), and the helpers the tests share.
// The people are development accounts with made-up roles; no fixture looks like a real person.

import { Keyring } from '@polkadot/keyring';
import { cryptoWaitReady } from '@polkadot/util-crypto';
import type { KeyringPair } from '@polkadot/keyring/types';
import { MemoryBlobStore, type Actor, type Delegation, type PurposeOfUse, type RecordVersion } from '@telemed/sdk';
import { SnapshotGoneError, type CallOptions, type ChainView, type FhirChain, type SignedGrant } from '../src/chain.ts';
import { signRequest } from '../src/auth.ts';
import type { ClaimInfo, ConsentInfo, DisclosureInfo, LicenceInfo, PractitionerInfo } from '../src/model.ts';
import { startApi, type FhirApi, type FhirDeps } from '../src/server.ts';
import { createLogger } from '../../gateway/src/log.ts';

await cryptoWaitReady();
export const keyring = new Keyring({ type: 'sr25519', ss58Format: 42 });
/** The patient. */
export const patient = keyring.addFromUri('//FhirTestPatient');
/** A licensed practitioner whose keys the facade holds. */
export const doctor = keyring.addFromUri('//FhirTestDoctor');
/** A registered practitioner with no consent. */
export const other = keyring.addFromUri('//FhirTestOther');
/** An insurer. */
export const insurer = keyring.addFromUri('//FhirTestInsurer');
/** A delegate of the patient. */
export const carer = keyring.addFromUri('//FhirTestCarer');
export const genesisHash = new Uint8Array(32).fill(7);
export const T0 = Date.UTC(2026, 0, 1);
export const tag = new Uint8Array(32).fill(0xab);

/** A version of `patient`'s record. */
export function version(id: bigint, over: Partial<RecordVersion> = {}): RecordVersion {
  return {
    id, patient: patient.address, author: doctor.address, tag, commitment: new Uint8Array(32), ciphertextHash: new Uint8Array(32),
    sizeClass: 10, locator: new Uint8Array(40), createdAt: T0 + Number(id) * 6000, record: id, version: 1, supersedes: null,
    kind: 'Original', supersededBy: null, envelopes: 2, ...over,
  };
}

/** What a block of the fake holds: the live fields of {@link FakeChain} (its best block), or a frozen copy (an earlier block). */
type FakeState = Pick<FakeChain, 'now' | 'patients' | 'delegations' | 'emergencies' | 'consentList' | 'disclosureList' | 'profiles'
  | 'licenceList' | 'versions' | 'claimList' | 'readable' | 'envelopes'>;

/** The hash of the fake's block `height`. */
export function fakeBlockHash(height: number): string {
  return `0x${height.toString(16).padStart(64, '0')}`;
}

/**
 * The state the fake answers from; tests change it. Its fields are the best block's state;
 * {@link FakeChain.newBlock} keeps a copy under the block's hash (for `at(hash)`) and starts a
 * new best block, {@link FakeChain.prune} forgets a block's state.
 */
export class FakeChain implements FhirChain {
  readonly genesisHash = genesisHash;
  readonly ss58Format = 42;
  now = T0 + 1_000_000;
  patients = new Set([patient.address]);
  delegations = new Map<string, Delegation>([[carer.address, { scopes: ['ManageConsents', 'ViewDisclosureLog', 'AccessRecords'], until: null, since: T0 }]]);
  emergencies = new Set<string>();
  consentList: ConsentInfo[] = [];
  disclosureList: DisclosureInfo[] = [];
  profiles = new Map<string, PractitionerInfo>();
  licenceList: LicenceInfo[] = [];
  versions: RecordVersion[] = [];
  /** How many times a patient's record versions were listed (each a chain query per version). */
  recordListings = 0;
  /** Awaited by each listing of record versions (a slow node). */
  recordsGate: Promise<void> | undefined;
  /** The versions `check_access` was asked about, in order. */
  canReadAsked: bigint[] = [];
  /** How long each `check_access` takes (ms), and the most of them in flight at once. */
  canReadDelayMs = 0;
  canReadInFlight = 0;
  canReadMaxInFlight = 0;
  claimList: ClaimInfo[] = [];
  /** accessor → record ids readable for Treatment. */
  readable = new Map<string, Set<bigint>>();
  /** `<version id>/<grantee>` → the purpose of the grantee's envelope (a write seals to its author and `sealTo`, for Treatment). */
  envelopes = new Map<string, PurposeOfUse>();
  /** How many reads were submitted (`records.accessRecord`: a fee each). */
  readsSubmitted = 0;
  writes: { author: string; patient: string; resource: string; tag: Uint8Array; sealTo: string[] }[] = [];
  writeError: Error | undefined;
  /** Awaited by each write before it writes (a promise that never settles: a write that never returns). */
  writeGate: Promise<void> | undefined;
  /** How many writes began. */
  writesStarted = 0;
  /** The writes logged in the patient's accounting of disclosures (`logAccess`). */
  logged: { author: string; patient: string; id: bigint }[] = [];
  /** Thrown by `logAppend` (the record stays anchored). */
  logError: Error | undefined;
  /** Awaited by each `logAppend` (a slow node). */
  logGate: Promise<void> | undefined;
  /** The limits of the last chain call (write, read, grant). */
  lastLimits: CallOptions | undefined;
  /** Thrown by `atBest` (a lost node). */
  atBestError: Error | undefined;
  grant: SignedGrant | undefined;
  submitted: string[] = [];
  /** What a read of a version decrypts to instead of what was written (stored content the tests make up). */
  stored = new Map<bigint, string>();
  /** Thrown by a read once it was submitted (a blob that does not match, or is gone). */
  readError: Error | undefined;
  /** The best block's height and hash. */
  height = 0;
  bestHash = fakeBlockHash(0);
  /** The state of earlier blocks still kept, by hash. */
  blocks = new Map<string, FakeState>();
  /** The hashes `at` was asked for. */
  atAsked: string[] = [];

  /** Ends the best block: its state is kept under its hash (returned); the fields are the new best block's. */
  newBlock(): string {
    const sealed = this.bestHash;
    const { now, patients, delegations, emergencies, consentList, disclosureList, profiles, licenceList, versions, claimList, readable, envelopes } = this;
    this.blocks.set(sealed, structuredClone({ now, patients, delegations, emergencies, consentList, disclosureList, profiles, licenceList, versions, claimList, readable, envelopes }));
    this.height += 1;
    this.bestHash = fakeBlockHash(this.height);
    return sealed;
  }

  /** Forgets block `hash`'s state (a node's state pruning). */
  prune(hash: string): void {
    this.blocks.delete(hash);
  }

  async atBest(): Promise<ChainView> {
    if (this.atBestError) throw this.atBestError;
    return this.view(this, this.bestHash);
  }

  async at(hash: string): Promise<ChainView> {
    this.atAsked.push(hash);
    if (this.atBestError) throw this.atBestError;
    if (hash === this.bestHash) return this.view(this, hash);
    const state = this.blocks.get(hash);
    if (state === undefined) throw new SnapshotGoneError(hash);
    return this.view(state, hash);
  }

  private view(s: FakeState, hash: string): ChainView {
    return {
      hash,
      now: async () => s.now,
      isPatient: async (who) => s.patients.has(who),
      delegation: async (p, d) => (p === patient.address ? s.delegations.get(d) ?? null : null),
      emergencyOpen: async (p, who) => p === patient.address && s.emergencies.has(who),
      consents: async (p) => s.consentList.filter((c) => c.patient === p),
      disclosures: async (p) => s.disclosureList.filter((d) => d.patient === p),
      practitioner: async (who) => s.profiles.get(who) ?? null,
      licences: async (who) => s.licenceList.filter((l) => l.holder === who),
      records: async (p) => {
        this.recordListings += 1;
        if (this.recordsGate) await this.recordsGate;
        return s.versions.filter((v) => v.patient === p);
      },
      claims: async (p) => s.claimList.filter((c) => c.patient === p),
      canRead: async (who, v, purpose: PurposeOfUse) => {
        this.canReadAsked.push(v.id);
        this.canReadInFlight += 1;
        this.canReadMaxInFlight = Math.max(this.canReadMaxInFlight, this.canReadInFlight);
        try {
          if (this.canReadDelayMs > 0) await new Promise((r) => setTimeout(r, this.canReadDelayMs));
          return who === v.patient
            || (purpose === 'Treatment' && (s.readable.get(who)?.has(v.id) ?? false))
            || (purpose === 'EmergencyTreatment' && s.emergencies.has(who));
        } finally {
          this.canReadInFlight -= 1;
        }
      },
      consent: async (id) => s.consentList.find((c) => c.id === id) ?? null,
      licence: async (id) => s.licenceList.find((l) => l.id === id) ?? null,
      claim: async (id) => s.claimList.find((c) => c.id === id) ?? null,
      recordVersion: async (id) => s.versions.find((v) => v.id === id) ?? null,
      envelopePurpose: async (id, who) => s.envelopes.get(`${id}/${who}`) ?? null,
    };
  }

  async write(_store: unknown, author: Actor, p: string, resource: Uint8Array, t: Uint8Array, _purpose: PurposeOfUse, sealTo: string[], limits?: CallOptions): Promise<RecordVersion> {
    this.lastLimits = limits;
    this.writesStarted += 1;
    if (this.writeGate) await this.writeGate;
    if (this.writeError) throw this.writeError;
    this.writes.push({ author: author.signer.address, patient: p, resource: new TextDecoder().decode(resource), tag: t, sealTo });
    const v = version(BigInt(100 + this.writes.length), { author: author.signer.address, patient: p, tag: t });
    this.versions.push(v);
    for (const who of [author.signer.address, ...sealTo]) this.envelopes.set(`${v.id}/${who}`, 'Treatment');
    // The author appended under a consent that lets it read what it added.
    if (!this.readable.has(author.signer.address)) this.readable.set(author.signer.address, new Set());
    this.readable.get(author.signer.address)!.add(v.id);
    return v;
  }

  async logAppend(author: Actor, p: string, v: RecordVersion, _purpose: PurposeOfUse, limits?: CallOptions): Promise<void> {
    this.lastLimits = limits;
    if (this.logGate) await this.logGate;
    if (this.logError) throw this.logError;
    this.logged.push({ author: author.signer.address, patient: p, id: v.id });
  }

  async read(_store: unknown, reader: Actor, id: bigint, limits?: CallOptions): Promise<{ resource: Uint8Array; version: RecordVersion }> {
    this.lastLimits = limits;
    this.readsSubmitted += 1;
    const w = this.writes[Number(id) - 101];
    if (!w || reader.signer.address !== w.author) throw new Error('unreadable');
    if (this.readError) throw this.readError;
    return { resource: new TextEncoder().encode(this.stored.get(id) ?? w.resource), version: this.versions.find((v) => v.id === id)! };
  }

  decodeGrant(extrinsic: string): SignedGrant {
    if (!this.grant || extrinsic !== '0x1234') throw new Error('not an extrinsic of this chain');
    return this.grant;
  }

  async submitGrant(extrinsic: string, limits?: CallOptions): Promise<bigint> {
    this.lastLimits = limits;
    this.submitted.push(extrinsic);
    const g = this.grant!;
    const id = BigInt(this.consentList.length + 1);
    this.consentList.push({
      id, patient: g.patient, grantee: g.grantee, granteeKind: 'Practitioner', decision: g.decision,
      actions: g.actions as ConsentInfo['actions'], scope: 'AllData', purposes: g.purposes as PurposeOfUse[],
      start: g.start ?? this.now, end: g.end, status: 'Active', grantedBy: g.signer, grantedAt: this.now, standing: 'InForce',
    });
    return id;
  }
}

/** An API on a fake chain, the doctor's keys held; its log lines. */
export async function fakeApi(chain: FakeChain, over: Partial<FhirDeps> = {}): Promise<{ api: FhirApi; lines: string[] }> {
  const lines: string[] = [];
  const doctorActor: Actor = { signer: doctor, keys: { keyVersion: 0, secretKey: new Uint8Array(32).fill(1), publicKey: new Uint8Array(32).fill(2) } };
  const api = await startApi({
    chain,
    log: createLogger('debug', (l) => lines.push(l)),
    gatewayUrl: 'http://gateway.test',
    signers: new Map([[doctor.address, doctorActor]]),
    storeFor: () => new MemoryBlobStore(),
    clockSkewMs: 60_000,
    maxBodyBytes: 64 * 1024,
    // The production deadline: the CI runs these tests beside a build, and a gated request (one
    // held while others are refused) must not reach a shorter one. Deadline tests set their own.
    requestTimeoutMs: 120_000,
    maxBatchEntries: 20,
    // A stop waits this long for the requests under way (some tests leave a write hanging).
    drainTimeoutMs: 500,
    ...over,
  }, '127.0.0.1', 0);
  return { api, lines };
}

/**
 * Every `Location` and search `fullUrl` (and a batch entry's `response.location`) an answer to
 * {@link call} gives is resolved at once while `on` (review F8): a signed GET by the same caller
 * must be 200 with the resource it names, and by {@link other} 200 or 403 (never 404, 500).
 * What did not resolve is in `failures`; `checked` counts the links resolved.
 */
export const linkCheck = { on: false, checked: 0, failures: [] as string[] };

type Answer = { status: number; json: Record<string, any>; text: string; headers: Headers };

/** How {@link call} signs and sends. */
export interface RequestOptions {
  genesis?: Uint8Array;
  timestamp?: number;
  audience?: string;
  headers?: Record<string, string | null>;
  signal?: AbortSignal;
}

/** A signed request, without the link check. */
async function send(
  url: string, who: KeyringPair | null, method: string, path: string, body?: unknown,
  options: RequestOptions = {},
): Promise<Answer> {
  // A string body is sent as it is (a form), anything else as JSON.
  const bytes = body === undefined ? new Uint8Array() : new TextEncoder().encode(typeof body === 'string' ? body : JSON.stringify(body));
  const headers: Record<string, string> = body === undefined ? {}
    : { 'content-type': typeof body === 'string' ? 'application/x-www-form-urlencoded' : 'application/fhir+json' };
  if (who) Object.assign(headers, signRequest(who, options.genesis ?? genesisHash, options.audience ?? url, method, path, bytes, options.timestamp === undefined ? {} : { timestamp: options.timestamp }));
  for (const [name, value] of Object.entries(options.headers ?? {})) {
    if (value === null) delete headers[name];
    else headers[name] = value;
  }
  const res = await fetch(`${url}${path}`, {
    method, headers, ...(body === undefined ? {} : { body: bytes }), ...(options.signal ? { signal: options.signal } : {}),
  }).catch((e: unknown) => {
    // undici's "fetch failed" keeps what failed in `cause`: the test's failure names it.
    const cause = e instanceof Error ? e.cause as NodeJS.ErrnoException | undefined : undefined;
    if (!(cause instanceof Error)) throw e;
    throw new Error(`${method} ${path}: ${(e as Error).message}: ${cause.message}${cause.code ? ` (${cause.code})` : ''}`, { cause: e });
  });
  const text = await res.text();
  return { status: res.status, json: JSON.parse(text) as Record<string, any>, text, headers: res.headers };
}

/** The links an answer gives: its `Location`, its entries' `fullUrl`s, a batch entry's location. */
export function linksOf(answer: Answer): string[] {
  const links: string[] = [];
  const location = answer.headers.get('location');
  if (location) links.push(location);
  for (const e of answer.json?.entry ?? []) {
    if (typeof e?.fullUrl === 'string') links.push(e.fullUrl);
    if (typeof e?.response?.location === 'string') links.push(e.response.location);
  }
  return links;
}

async function resolveLinks(url: string, who: KeyringPair, answer: Answer): Promise<void> {
  for (const link of linksOf(answer)) {
    if (!link.startsWith(`${url}/`)) {
      linkCheck.failures.push(`${link}: not under the base URL ${url}`);
      continue;
    }
    const path = link.slice(url.length);
    const [, type, id] = path.split('/');
    const own = await send(url, who, 'GET', path);
    linkCheck.checked += 1;
    if (own.status !== 200 || own.json.resourceType !== type || own.json.id !== id) {
      linkCheck.failures.push(`${link} as its caller: ${own.status} ${own.json.resourceType}/${own.json.id} ${JSON.stringify(own.json.issue ?? '')}`);
    }
    if (who.address !== other.address) {
      const stranger = await send(url, other, 'GET', path);
      if (stranger.status !== 200 && stranger.status !== 403) linkCheck.failures.push(`${link} as another caller: ${stranger.status}`);
    }
  }
}

/**
 * A signed request as `who` to the API at `url`; the answer's status, JSON, text and headers.
 * A string `body` is sent as a form, any other as JSON. `options.headers` are sent as well (a
 * `null` value: not sent); `options.signal` aborts it.
 */
export async function call(
  url: string, who: KeyringPair | null, method: string, path: string, body?: unknown, options: RequestOptions = {},
): Promise<Answer> {
  const answer = await send(url, who, method, path, body, options);
  if (linkCheck.on && who !== null && answer.status < 300) await resolveLinks(url, who, answer);
  return answer;
}
