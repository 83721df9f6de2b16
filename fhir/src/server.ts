/**
 * The FHIR R4 REST API (node:http, JSON): `GET /metadata`; searches (`GET [type]?…`, `POST
 * [type]/_search`) of `Consent`, `AuditEvent`, `PractitionerRole`, `DocumentReference`, `Claim`
 * and `ClaimResponse`, and the read by id of each entry they return and of `Practitioner`, each
 * asked of the chain at one best block and answered only to a caller with access; `POST Consent`
 * (a patient's signed `grantConsent`), `POST <record type>` and `POST /` (a batch `Bundle`): the
 * SDK encrypts, stores through the gateway, anchors and seals, once per key (`If-None-Exist`,
 * `X-Request-Id`); `GET <record type>/<id>` and its vread: the checked (first for free) and
 * logged read, checked against the chain. Every refusal is an `OperationOutcome` (`outcome.ts`).
 *
 * Nothing of a resource is kept past its request: the facade holds no database (the write keys
 * it remembers are ids); what it logs is the route template, the status, the reason, the
 * caller's account and ids.
 *
 * @module
 */

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import { isIP, type AddressInfo } from 'node:net';
import { isHex, u8aToHex } from '@polkadot/util';
import { BlobNotFoundError, FormatError, KeyRing, NonceCache, fromHex, parseAccount, tagOf, utf8, type Actor, type BlobStore, type PurposeOfUse, type RecordVersion } from '@telemed/sdk';
import { encodeAddress } from '@polkadot/util-crypto';
import { AccountNonceLimit, authenticate, DOMAIN, HEADERS, preAuthenticate } from './auth.ts';
import { capabilityStatement, RECORD_TYPES } from './capability.ts';
import type { CallOptions, ChainView, FhirChain, SignedGrant } from './chain.ts';
import { DEFAULT_CHAIN_CONCURRENCY, DEFAULT_MAX_HEAVY_REQUESTS, mapLimit, Slots } from './concurrency.ts';
import type { ClaimInfo, ConsentInfo } from './model.ts';
import { DEFAULT_KEYS, DEFAULT_KEYS_PER_CALLER, KEY_TTL_MS, WriteKeys, type RememberedWrite } from './idempotency.ts';
import { FhirError, toFhirError } from './outcome.ts';
import {
  ACT_CODE, ACT_REASON, ACTION_CODES, CONSENT_ACTION, auditEventResource, instant, claimResource, claimResponseResource, consentResource, documentReferenceResource, operationOutcome, PURPOSE_CODES, practitionerResource,
  practitionerRoleResource, searchBundle, TAG_EXTENSION, type Resource,
} from './resources.ts';
import { prepareValidation, resourceIssues } from './validate.ts';
import type { Logger } from '../../gateway/src/log.ts';

/** The extension of a posted `Consent` carrying the patient's signed `consent.grantConsent` extrinsic (hex). */
export const SIGNED_EXTRINSIC_EXTENSION = 'urn:telemed:fhir:signed-extrinsic';

/** What the API is built from. */
export interface FhirDeps {
  chain: FhirChain;
  log: Logger;
  /** The facade's public base URL (links and `fullUrl`s); by default the URL it listens on. */
  baseUrl?: string;
  /** The gateway's public URL (attachments point at it). */
  gatewayUrl: string;
  /** The accounts whose keys the facade holds (the clinic's practitioners), by SS58 address. */
  signers: ReadonlyMap<string, Actor>;
  /** The blob store acting as `actor` (the gateway's signed requests). */
  storeFor(actor: Actor, reading?: bigint): BlobStore;
  /** How far a request's timestamp may be from the clock (ms). */
  clockSkewMs: number;
  /** Largest request body (bytes). */
  maxBodyBytes: number;
  /** A request not answered within this time (ms) is answered `504 timeout`; chain waits end before it. */
  requestTimeoutMs: number;
  /** Most entries of a batch `Bundle`. */
  maxBatchEntries: number;
  /** Time to receive a request's headers (ms; `server.headersTimeout`), default {@link LIMITS}. */
  headersTimeoutMs?: number;
  /** Time to receive a whole request, headers and body (ms; `server.requestTimeout`), default {@link LIMITS}. */
  receiveTimeoutMs?: number;
  /** Most open connections (`server.maxConnections`; more are dropped), default {@link LIMITS}. */
  maxConnections?: number;
  /** Most nonces of one account in the replay cache (more: `429`), default {@link LIMITS}. */
  maxNoncesPerAccount?: number;
  /** Chain calls one request makes at once (per-version checks), default {@link DEFAULT_CHAIN_CONCURRENCY}. */
  chainConcurrency?: number;
  /** Requests whose chain calls grow with the data (DocumentReference, Claim searches) answered at once; more: `503`. Default {@link DEFAULT_MAX_HEAVY_REQUESTS}. */
  maxHeavyRequests?: number;
  /** Most write keys (`If-None-Exist`, `X-Request-Id`) remembered per caller for a day, default {@link DEFAULT_KEYS_PER_CALLER}. */
  maxKeysPerCaller?: number;
  /** How long a stop waits for the writes under way before it closes the connections (ms), default {@link LIMITS}. */
  drainTimeoutMs?: number;
  /** Serve HTTPS with this PEM certificate and key (else HTTP). */
  tls?: { cert: string; key: string };
  /** The clock (tests inject one). */
  now?: () => number;
}

/** Defaults of the connection limits (README.md, "Configuration"). */
export const LIMITS = {
  headersTimeoutMs: 10_000,
  receiveTimeoutMs: 30_000,
  maxConnections: 512,
  maxNoncesPerAccount: 10_000,
  drainTimeoutMs: 30_000,
} as const;

/** Default and largest `_count`. */
export const DEFAULT_COUNT = 50;
export const MAX_COUNT = 200;

const JSON_TYPE = 'application/fhir+json; charset=utf-8';

/** `Retry-After` of a `503` (s): about a block. */
export const RETRY_AFTER_S = 6;

/** The methods served (`Allow` of a `405`). */
const ALLOWED_METHODS = 'GET, POST';

/** What a failed request's work settles to for a stop waiting on it. */
const answerless: Res = { status: 500, resource: { resourceType: 'OperationOutcome' } };

/** The body of a `500` when even the answer could not be made. */
const FALLBACK_BODY = JSON.stringify(operationOutcome('fatal', 'exception', 'internal error', 'internal'));

/** The running API. */
export interface FhirApi {
  server: Server;
  url: string;
  close(): Promise<void>;
}

/** A request as the handlers see it. */
interface Req {
  method: string;
  /** Path and query as sent. */
  raw: string;
  url: URL;
  segments: string[];
  headers: IncomingMessage['headers'];
  body: Uint8Array;
  /** Aborted once the client has gone or the request's deadline has passed: stop before the next write. */
  signal: AbortSignal;
  /** The chain calls' limits: their waits end before the request's deadline. */
  limits: CallOptions;
}

/** A response: status, resource, extra headers, and what to log. */
interface Res {
  status: number;
  resource: Resource;
  headers?: Record<string, string>;
  log?: Record<string, string | number | boolean>;
}

/**
 * `Patient/<address>`, `<address>`, or the absolute `<base>/Patient/<address>` of this facade →
 * the SS58 address, else a 400 (an absolute reference to another server is not this one's).
 */
function accountParam(value: string | null, prefix: string, name: string, ss58: number, base: string): string {
  if (value === null || value === '') throw new FhirError(400, 'required', 'missing_parameter', `the search needs ${name}=`);
  const local = base !== '' && value.startsWith(`${base}/`) ? value.slice(base.length + 1) : value;
  const bare = local.startsWith(`${prefix}/`) ? local.slice(prefix.length + 1) : local;
  const id = parseAccount(bare);
  if (id === undefined) throw new FhirError(400, 'value', 'bad_parameter', `${name} is not a ${prefix} account (of this server)`);
  return encodeAddress(id, ss58);
}

function paging(url: URL): { count: number; offset: number } {
  const countText = url.searchParams.get('_count');
  const offsetText = url.searchParams.get('_offset');
  const count = countText === null ? DEFAULT_COUNT : Number(countText);
  const offset = offsetText === null ? 0 : Number(offsetText);
  if (!Number.isInteger(count) || count < 0) throw new FhirError(400, 'value', 'bad_parameter', '_count must be a non-negative integer (0: the total only)');
  if (!Number.isInteger(offset) || offset < 0) throw new FhirError(400, 'value', 'bad_parameter', '_offset must be a non-negative integer');
  return { count: Math.min(count, MAX_COUNT), offset };
}

const KNOWN_SEARCH = new Set(['_count', '_offset', '_format', '_at']);

/** A block hash as `_at` takes it: `0x` and 32 bytes in hex. */
const BLOCK_HASH = /^0x[0-9a-fA-F]{64}$/;

/**
 * The views a search answers from (review F10): `snap`, the block its data comes from (the one
 * `_at` names, else the best block; its hash goes into every paging link), and `best`, the best
 * block, where the caller's access is checked as well: a right lost since the first page (a
 * consent revoked, a delegation ended) is lost for the next pages too. The same object when the
 * search has no `_at` or `_at` is the best block.
 */
interface SearchViews {
  snap: ChainView;
  best: ChainView;
}

/**
 * Result parameters the facade does not apply: ignored (the whole resources, every total are
 * answered, and an `OperationOutcome` entry says so) unless the client asks for strict handling
 * (`Prefer: handling=strict`: then `400`). None of them filters, so ignoring one never answers
 * with less than asked for.
 */
const LENIENT_PARAMS = new Set(['_summary', '_total', '_elements', '_pretty']);

/** The `_format` values that mean JSON (FHIR R4 http.html#mime); the facade serves nothing else. */
const JSON_FORMATS = new Set(['json', 'application/json', 'application/fhir+json']);
/** The media types of JSON a client may send or accept (`application/json+fhir`: the DSTU2 name). */
const JSON_TYPES = new Set(['application/fhir+json', 'application/json', 'application/json+fhir']);

function checkParams(url: URL, allowed: string[]): void {
  for (const name of url.searchParams.keys()) {
    if (!KNOWN_SEARCH.has(name) && !allowed.includes(name)) {
      throw new FhirError(400, 'not-supported', 'unsupported_parameter', `search parameter ${name} is not supported`);
    }
  }
}

function header(headers: IncomingMessage['headers'], name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v.join(', ') : v;
}

/**
 * What the client will take: JSON only. A `_format` other than JSON, or an `Accept` naming no
 * JSON type (nor a wildcard) with a non-zero quality: `406`. Every request, `/metadata` too.
 */
function negotiate(url: URL, headers: IncomingMessage['headers']): void {
  const format = url.searchParams.get('_format');
  if (format !== null && !JSON_FORMATS.has(format.toLowerCase())) {
    throw new FhirError(406, 'not-supported', 'format_unsupported', 'only JSON is served (_format=json)');
  }
  const accept = header(headers, 'accept');
  if (accept === undefined || accept.trim() === '') return;
  const acceptable = accept.split(',').some((range) => {
    const [type = '', ...params] = range.split(';').map((p) => p.trim().toLowerCase());
    const q = params.find((p) => p.startsWith('q='));
    if (q !== undefined && !(Number(q.slice(2)) > 0)) return false;
    return type === '*/*' || type === 'application/*' || JSON_TYPES.has(type);
  });
  if (!acceptable) throw new FhirError(406, 'not-supported', 'format_unsupported', 'only JSON is served (Accept: application/fhir+json)');
}

/** Whether the client asked for strict handling of search parameters (`Prefer: handling=strict`). */
function strictHandling(headers: IncomingMessage['headers']): boolean {
  return (header(headers, 'prefer') ?? '').split(/[,;]/).some((p) => p.trim().toLowerCase().replace(/\s+/g, '') === 'handling=strict');
}

/** A `POST [type]/_search` body is a form (`application/x-www-form-urlencoded`, UTF-8): else `415`. */
function checkFormType(headers: IncomingMessage['headers']): void {
  const [type = '', ...params] = (header(headers, 'content-type') ?? '').split(';').map((p) => p.trim().toLowerCase());
  const charset = params.find((p) => p.startsWith('charset='))?.slice('charset='.length).replace(/"/g, '');
  if (type !== 'application/x-www-form-urlencoded' || (charset !== undefined && charset !== 'utf-8')) {
    throw new FhirError(415, 'not-supported', 'media_type_unsupported', 'a search by POST is a form: Content-Type application/x-www-form-urlencoded');
  }
}

/** A posted body must say it is JSON (UTF-8): else `415`. */
function checkContentType(headers: IncomingMessage['headers']): void {
  const value = header(headers, 'content-type');
  const [type = '', ...params] = (value ?? '').split(';').map((p) => p.trim().toLowerCase());
  const charset = params.find((p) => p.startsWith('charset='))?.slice('charset='.length).replace(/"/g, '');
  if (!JSON_TYPES.has(type) || (charset !== undefined && charset !== 'utf-8')) {
    throw new FhirError(415, 'not-supported', 'media_type_unsupported', 'a body must be JSON: Content-Type application/fhir+json (UTF-8)');
  }
}

/** `value` if it is an array (an absent one: empty), else a `400 structure`. */
function list<T>(value: unknown, where: string): T[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) throw new FhirError(400, 'structure', 'bad_structure', `${where} must be an array`);
  return value as T[];
}

/** Refuses a posted resource that is not valid FHIR R4 (src/validate.ts), every problem an issue of the `422`. */
function checkResource(resource: Resource): void {
  const issues = resourceIssues(resource);
  if (issues.length > 0) {
    throw new FhirError(422, 'processing', 'invalid_resource', `the ${resource.resourceType} is not valid FHIR R4 (${issues.length} problems)`, issues);
  }
}

/** What is known of a request for its log line: its route template and its caller. */
interface Seen {
  template: string;
  caller?: string;
}

/** Refuses a caller with no relation to the data. */
function forbidden(): FhirError {
  return new FhirError(403, 'forbidden', 'forbidden', 'the caller has no access to this patient\'s data');
}

/** `ETag` (weak, the chain's version number) and `Last-Modified` (when the chain anchored it) of a record version. */
function versionHeaders(v: RecordVersion): Record<string, string> {
  return { etag: `W/"${v.version}"`, 'last-modified': new Date(v.createdAt).toUTCString() };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The request handler, and how a stop lets the requests under way end. */
export interface FhirHandler {
  (req: IncomingMessage, res: ServerResponse): void;
  /** From now on a request is answered `503` (`stopping`) with `Connection: close`. */
  stop(): void;
  /**
   * Waits until the requests under way (their chain work too, past a `504`) have ended and been
   * answered, at most `timeoutMs`: whether they all did.
   */
  drain(timeoutMs: number): Promise<boolean>;
  /** How many requests are under way. */
  pending(): number;
}

/** Builds the request handler. */
export function createHandler(deps: FhirDeps): FhirHandler {
  const now = deps.now ?? Date.now;
  const { chain, log } = deps;
  const nonces = new NonceCache(deps.clockSkewMs, 1_000_000, now);
  // A nonce stays in the cache twice the skew (NonceCache): counted per account as long.
  const writeKeys = new WriteKeys(KEY_TTL_MS, deps.maxKeysPerCaller ?? DEFAULT_KEYS_PER_CALLER, DEFAULT_KEYS, now);
  const chainConcurrency = deps.chainConcurrency ?? DEFAULT_CHAIN_CONCURRENCY;
  const heavySlots = new Slots(deps.maxHeavyRequests ?? DEFAULT_MAX_HEAVY_REQUESTS);
  const perAccount = new AccountNonceLimit(deps.maxNoncesPerAccount ?? LIMITS.maxNoncesPerAccount, 2 * deps.clockSkewMs, now);
  const ss58 = chain.ss58Format;

  /** The base URL, read when needed (`startApi` sets it once it listens). */
  const baseOf = () => (deps.baseUrl ?? '').replace(/\/+$/, '');

  /** The SS58 address of a `Patient/<address>` reference (also `<this facade's base>/Patient/<address>`), else undefined. */
  const patientReference = (reference: string): string | undefined => {
    const local = reference.startsWith(`${baseOf()}/`) ? reference.slice(baseOf().length + 1) : reference;
    if (!local.startsWith('Patient/')) return undefined;
    const id = parseAccount(local.slice('Patient/'.length));
    return id === undefined ? undefined : encodeAddress(id, ss58);
  };

  const readBody = async (req: IncomingMessage): Promise<Uint8Array> => {
    const chunks: Buffer[] = [];
    let total = 0;
    for await (const chunk of req as AsyncIterable<Buffer>) {
      total += chunk.length;
      if (total > deps.maxBodyBytes) throw new FhirError(413, 'too-long', 'too_large', `the body is larger than ${deps.maxBodyBytes} bytes`);
      chunks.push(chunk);
    }
    return new Uint8Array(Buffer.concat(chunks));
  };

  const parseJson = (body: Uint8Array): Resource => {
    let json: unknown;
    try {
      json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(body));
    } catch {
      throw new FhirError(400, 'structure', 'bad_json', 'the body is not JSON');
    }
    if (typeof json !== 'object' || json === null || Array.isArray(json) || typeof (json as Resource).resourceType !== 'string') {
      throw new FhirError(400, 'structure', 'not_a_resource', 'the body is not a FHIR resource');
    }
    return json as Resource;
  };

  /**
   * The {@link SearchViews} of a search: `_at` checked for its form (`400 bad_parameter`) before
   * the chain is asked; a block the node does not know or pruned is `410 snapshot_gone`.
   */
  const searchViews = async (url: URL): Promise<SearchViews> => {
    const at = url.searchParams.get('_at');
    if (at === null) {
      const best = await chain.atBest();
      return { snap: best, best };
    }
    if (!BLOCK_HASH.test(at)) throw new FhirError(400, 'value', 'bad_parameter', '_at must be a block hash (0x and 64 hex digits), as the search\'s links give it');
    const [snap, best] = await Promise.all([chain.at(at.toLowerCase()), chain.atBest()]);
    return snap.hash === best.hash ? { snap: best, best } : { snap, best };
  };

  /** Whether `caller` is `patient` or a delegate of theirs with `scope` now. */
  const actsFor = async (view: ChainView, caller: string, patient: string, scope: 'ManageConsents' | 'ViewDisclosureLog' | 'AccessRecords'): Promise<boolean> => {
    if (caller === patient) return true;
    const d = await view.delegation(patient, caller);
    return d !== null && d.scopes.includes(scope) && (d.until === null || (await view.now()) < d.until);
  };

  // --- reads -------------------------------------------------------------------------------

  const searchConsent = async (r: Req, caller: string): Promise<Res> => {
    checkParams(r.url, ['patient']);
    const patient = accountParam(r.url.searchParams.get('patient'), 'Patient', 'patient', ss58, baseOf());
    const { count, offset } = paging(r.url);
    const { snap, best } = await searchViews(r.url);
    const all = await snap.consents(patient);
    // The patient and a delegate managing consents see every consent; a grantee its own. Under
    // `_at`, the narrower of the snapshot's right and today's.
    const manages = (await actsFor(snap, caller, patient, 'ManageConsents')) && (best === snap || (await actsFor(best, caller, patient, 'ManageConsents')));
    const visible = manages ? all : all.filter((c) => c.grantee === caller);
    if (!manages) {
      if (visible.length === 0) throw forbidden();
      if (best !== snap && !(await best.consents(patient)).some((c) => c.grantee === caller)) throw forbidden();
    }
    const resources = visible.sort((a, b) => Number(a.id - b.id)).map(consentResource);
    return { status: 200, resource: searchBundle(baseOf(), 'Consent', r.url.searchParams, resources, offset, count, snap.hash), log: { results: resources.length } };
  };

  const searchAuditEvent = async (r: Req, caller: string): Promise<Res> => {
    checkParams(r.url, ['patient']);
    const patient = accountParam(r.url.searchParams.get('patient'), 'Patient', 'patient', ss58, baseOf());
    const { count, offset } = paging(r.url);
    const { snap, best } = await searchViews(r.url);
    // The patient and a delegate with the log scope see the whole log; anyone else what they did.
    // Under `_at`, the whole log only to whom has it at the snapshot and now.
    const whole = (await actsFor(snap, caller, patient, 'ViewDisclosureLog')) && (best === snap || (await actsFor(best, caller, patient, 'ViewDisclosureLog')));
    const all = await snap.disclosures(patient);
    const visible = whole ? all : all.filter((d) => d.accessor === caller);
    if (!whole) {
      if (visible.length === 0) throw forbidden();
      if (best !== snap && !(await best.disclosures(patient)).some((d) => d.accessor === caller)) throw forbidden();
    }
    const resources = visible.map(auditEventResource);
    return { status: 200, resource: searchBundle(baseOf(), 'AuditEvent', r.url.searchParams, resources, offset, count, snap.hash), log: { results: resources.length } };
  };

  const readPractitioner = async (id: string): Promise<Res> => {
    const account = parseAccount(id);
    if (account === undefined) throw new FhirError(404, 'not-found', 'unknown_practitioner', 'no practitioner has this id');
    const who = encodeAddress(account, ss58);
    const view = await chain.atBest();
    const profile = await view.practitioner(who);
    if (profile === null) throw new FhirError(404, 'not-found', 'unknown_practitioner', 'no practitioner has this id');
    return { status: 200, resource: practitionerResource(profile, await view.licences(who)) };
  };

  const searchPractitionerRole = async (r: Req): Promise<Res> => {
    checkParams(r.url, ['practitioner']);
    const who = accountParam(r.url.searchParams.get('practitioner'), 'Practitioner', 'practitioner', ss58, baseOf());
    const { count, offset } = paging(r.url);
    // Public: the snapshot alone.
    const { snap } = await searchViews(r.url);
    const [profile, licences] = await Promise.all([snap.practitioner(who), snap.licences(who)]);
    const resources = licences.sort((a, b) => Number(a.id - b.id)).map((l) => practitionerRoleResource(profile, l));
    return { status: 200, resource: searchBundle(baseOf(), 'PractitionerRole', r.url.searchParams, resources, offset, count, snap.hash), log: { results: resources.length } };
  };

  /**
   * Runs a request whose chain calls grow with the data (a patient's record versions, every
   * claim page) in one of the {@link Slots} of such requests: none free, `503 busy` with
   * `Retry-After` at once, rather than queued against the node.
   */
  const heavy = async (answer: () => Promise<Res>): Promise<Res> => {
    const release = heavySlots.tryTake();
    if (release === undefined) throw new FhirError(503, 'throttled', 'busy', 'too many searches are being answered: try again shortly');
    try {
      return await answer();
    } finally {
      release();
    }
  };

  /**
   * Which of `caller`'s versions `check_access` could allow, from the caller's in-force permits
   * to read for Treatment: `'all'` when one covers all data, else the tags and records they name.
   * A version outside them is not asked about (the chain would refuse it).
   */
  const readScope = (consents: readonly ConsentInfo[], caller: string): 'all' | { tags: Set<string>; records: Set<bigint> } => {
    const tags = new Set<string>();
    const records = new Set<bigint>();
    for (const c of consents) {
      if (c.grantee !== caller || c.decision !== 'Permit' || c.standing !== 'InForce' || !c.actions.includes('Read') || !c.purposes.includes('Treatment')) continue;
      if (c.scope === 'AllData') return 'all';
      if ('tags' in c.scope) for (const t of c.scope.tags) tags.add(u8aToHex(t));
      else for (const id of c.scope.records) records.add(id);
    }
    return { tags, records };
  };

  /** The versions of `patient`'s record `caller` may see at `view` (the search's rules), else `403`. */
  const visibleVersions = async (view: ChainView, caller: string, patient: string): Promise<RecordVersion[]> => {
    let visible: RecordVersion[];
    if (await actsFor(view, caller, patient, 'AccessRecords')) {
      visible = await view.records(patient);
    } else {
      // The relation first, in one or two queries: without an open break-glass access or an
      // in-force permit of the patient's, the chain would refuse every version, so a stranger
      // is refused before the versions are listed and checked one by one.
      const emergency = await view.emergencyOpen(patient, caller);
      let scope: ReturnType<typeof readScope> = 'all';
      if (!emergency) {
        const consents = await view.consents(patient);
        if (!consents.some((c) => c.grantee === caller && c.decision === 'Permit' && c.standing === 'InForce')) throw forbidden();
        scope = readScope(consents, caller);
      }
      const purposes: PurposeOfUse[] = emergency ? ['Treatment', 'EmergencyTreatment'] : ['Treatment'];
      const candidates = (await view.records(patient))
        .filter((v) => scope === 'all' || scope.tags.has(u8aToHex(v.tag)) || scope.records.has(v.record));
      // One check_access per version (two under break-glass), a few at a time.
      const readable = await mapLimit(candidates, chainConcurrency, async (v) => {
        for (const p of purposes) if (await view.canRead(caller, v, p)) return true;
        return false;
      });
      visible = candidates.filter((_, i) => readable[i]);
    }
    return visible;
  };

  const searchDocumentReference = async (r: Req, caller: string): Promise<Res> => {
    checkParams(r.url, ['patient']);
    const patient = accountParam(r.url.searchParams.get('patient'), 'Patient', 'patient', ss58, baseOf());
    const { count, offset } = paging(r.url);
    const { snap, best } = await searchViews(r.url);
    let visible = await visibleVersions(snap, caller, patient);
    if (best !== snap) {
      // Under `_at`: a version of the snapshot the caller may also see now (not one whose
      // consent was revoked since, nor one shredded since); none now: 403.
      const now = new Set((await visibleVersions(best, caller, patient)).map((v) => v.id));
      visible = visible.filter((v) => now.has(v.id));
    }
    const resources = visible.sort((a, b) => Number(a.id - b.id))
      .map((v) => documentReferenceResource(v, deps.gatewayUrl, v.author === v.patient));
    return { status: 200, resource: searchBundle(baseOf(), 'DocumentReference', r.url.searchParams, resources, offset, count, snap.hash), log: { results: resources.length } };
  };

  const searchClaims = async (r: Req, caller: string, type: 'Claim' | 'ClaimResponse'): Promise<Res> => {
    checkParams(r.url, ['patient']);
    const patient = accountParam(r.url.searchParams.get('patient'), 'Patient', 'patient', ss58, baseOf());
    const { count, offset } = paging(r.url);
    const { snap, best } = await searchViews(r.url);
    const all = await snap.claims(patient);
    // The patient and a delegate who books care see every claim; the practitioner and the insurer
    // theirs. Under `_at`, every claim only to a delegate who books care at the snapshot and now.
    const booksCare = async (view: ChainView): Promise<boolean> => {
      const d = await view.delegation(patient, caller);
      return d !== null && d.scopes.includes('BookCare') && (d.until === null || (await view.now()) < d.until);
    };
    const own = (c: ClaimInfo) => c.practitioner === caller || c.insurer === caller;
    let visible = all;
    if (caller !== patient && !((await booksCare(snap)) && (best === snap || (await booksCare(best))))) {
      visible = all.filter(own);
      if (visible.length === 0) throw forbidden();
      if (best !== snap && !(await best.claims(patient)).some(own)) throw forbidden();
    }
    const resources = visible.sort((a, b) => Number(a.id - b.id)).map(type === 'Claim' ? claimResource : claimResponseResource);
    return { status: 200, resource: searchBundle(baseOf(), type, r.url.searchParams, resources, offset, count, snap.hash), log: { results: resources.length } };
  };

  // --- reads by id: the entries of the searches, with the searches' access rules --------------

  /** A chain id in a path (`^\d{1,19}$`), else a 404 (no such resource). */
  const chainId = (text: string, what: string): bigint => {
    if (!/^\d{1,19}$/.test(text)) throw new FhirError(404, 'not-found', `unknown_${what}`, `no ${what} has this id`);
    return BigInt(text);
  };

  /** `GET Consent/{id}`: the patient and a delegate managing consents, or the grantee. */
  const readConsent = async (idText: string, caller: string): Promise<Res> => {
    const id = chainId(idText, 'consent');
    const view = await chain.atBest();
    const c = await view.consent(id);
    if (c === null) throw new FhirError(404, 'not-found', 'unknown_consent', 'no consent has this id');
    if (c.grantee !== caller && !(await actsFor(view, caller, c.patient, 'ManageConsents'))) throw forbidden();
    return { status: 200, resource: consentResource(c), log: { consent: idText } };
  };

  /**
   * `GET AuditEvent/{patient}-{seq}`: the patient and a delegate with the log scope, or the
   * accessor it names. Anyone else is refused whether or not the entry exists (403): the log's
   * length is not theirs to learn.
   */
  const readAuditEvent = async (idText: string, caller: string): Promise<Res> => {
    const match = /^([1-9A-HJ-NP-Za-km-z]{40,60})-(\d{1,19})$/.exec(idText);
    const account = match ? parseAccount(match[1]!) : undefined;
    if (!match || account === undefined) throw new FhirError(404, 'not-found', 'unknown_audit_event', 'no disclosure has this id');
    const patient = encodeAddress(account, ss58);
    const seq = BigInt(match[2]!);
    const view = await chain.atBest();
    const whole = await actsFor(view, caller, patient, 'ViewDisclosureLog');
    const entry = (await view.disclosures(patient)).find((d) => d.seq === seq);
    if (!whole && entry?.accessor !== caller) throw forbidden();
    if (entry === undefined) throw new FhirError(404, 'not-found', 'unknown_audit_event', 'no disclosure has this id (the chain keeps the last 256)');
    return { status: 200, resource: auditEventResource(entry) };
  };

  /** `GET PractitionerRole/licence-{id}`: any signed caller (licences are public on chain). */
  const readPractitionerRole = async (idText: string): Promise<Res> => {
    const id = chainId(idText.startsWith('licence-') ? idText.slice('licence-'.length) : '', 'licence');
    const view = await chain.atBest();
    const licence = await view.licence(id);
    if (licence === null) throw new FhirError(404, 'not-found', 'unknown_licence', 'no licence has this id');
    return { status: 200, resource: practitionerRoleResource(await view.practitioner(licence.holder), licence) };
  };

  /** Whether `caller` may read `v` now: the patient, a delegate with `AccessRecords`, or `check_access` for Treatment (also EmergencyTreatment while break-glass is open). */
  const mayReadVersion = async (view: ChainView, caller: string, v: RecordVersion): Promise<boolean> => {
    if (await actsFor(view, caller, v.patient, 'AccessRecords')) return true;
    if (await view.canRead(caller, v, 'Treatment')) return true;
    return (await view.emergencyOpen(v.patient, caller)) && view.canRead(caller, v, 'EmergencyTreatment');
  };

  /** `GET DocumentReference/{id}`: as the search, one version. */
  const readDocumentReference = async (idText: string, caller: string): Promise<Res> => {
    const id = chainId(idText, 'record');
    const view = await chain.atBest();
    const v = await view.recordVersion(id);
    if (v === null) throw new FhirError(404, 'not-found', 'unknown_record', 'no record version has this id');
    if (!(await mayReadVersion(view, caller, v))) throw forbidden();
    return { status: 200, resource: documentReferenceResource(v, deps.gatewayUrl, v.author === v.patient), log: { record: idText } };
  };

  /** `GET Claim/{id}`, `GET ClaimResponse/{id}`: the patient, a delegate booking care, the practitioner, the insurer. */
  const readClaim = async (idText: string, caller: string, type: 'Claim' | 'ClaimResponse'): Promise<Res> => {
    const id = chainId(idText, 'claim');
    const view = await chain.atBest();
    const c = await view.claim(id);
    if (c === null) throw new FhirError(404, 'not-found', 'unknown_claim', 'no claim has this id (or its consultation was reaped)');
    if (caller !== c.patient && caller !== c.practitioner && caller !== c.insurer) {
      const d = await view.delegation(c.patient, caller);
      const booksCare = d !== null && d.scopes.includes('BookCare') && (d.until === null || (await view.now()) < d.until);
      if (!booksCare) throw forbidden();
    }
    return { status: 200, resource: type === 'Claim' ? claimResource(c) : claimResponseResource(c) };
  };

  const heldActor = (caller: string): Actor => {
    const actor = deps.signers.get(caller);
    if (!actor) {
      throw new FhirError(403, 'forbidden', 'no_held_key',
        'the facade holds no key of this account: it writes and decrypts only for the accounts it holds keys of (fhir/README.md)');
    }
    return actor;
  };

  /**
   * `GET <type>/{id}` and its vread `GET <type>/{id}/_history/{vid}`: the checked and logged read
   * of record version `id`. Each record version is its own resource, of one version: its
   * `versionId` is the chain's number of that version in its record (`1` for the original, `2`
   * for its first amendment…), so a vread of any other `vid` is a 404.
   */
  const readRecordResource = async (r: Req, type: string, idText: string, caller: string, vid?: string): Promise<Res> => {
    const id = chainId(idText, 'record');
    const reader = heldActor(caller);
    // `records.accessRecord` costs the reader a fee: what the chain would refuse is refused
    // first with free queries (the version, the reader's envelope, check_access for its purpose).
    const view = await chain.atBest();
    const v = await view.recordVersion(id);
    if (v === null) throw new FhirError(404, 'not-found', vid === undefined ? 'unknown_record' : 'unknown_version', 'no record version has this id');
    if (vid !== undefined && String(v.version) !== vid) throw new FhirError(404, 'not-found', 'unknown_version', 'no version of this resource has this id');
    if (v.locator.length === 0) throw new FhirError(404, 'not-found', 'rekeyed', 'this record version was re-keyed: read the version that replaced it');
    const purpose = await view.envelopePurpose(id, caller);
    if (purpose === null) throw new FhirError(403, 'forbidden', 'no_envelope', 'the caller holds no key of this record version');
    if (!(await view.canRead(caller, v, purpose))) throw forbidden();
    let read: { resource: Uint8Array; version: RecordVersion };
    try {
      read = await chain.read(deps.storeFor(reader, id), reader, id, r.limits);
    } catch (e) {
      // The stored ciphertext is not what the chain anchored (another hash, key, commitment),
      // or it is gone after the read was logged: the fault is upstream, not the client's.
      if (e instanceof FormatError) throw new FhirError(502, 'exception', `format.${e.format}`, 'the stored record does not match what the chain anchored');
      if (e instanceof BlobNotFoundError) throw new FhirError(502, 'exception', 'blob_missing', 'the read was logged but the store has no ciphertext for this record version');
      throw e;
    }
    const { resource, version } = read;
    let parsed: Resource;
    try {
      parsed = parseJson(resource);
    } catch {
      throw new FhirError(502, 'exception', 'bad_stored_content', 'the stored record is not a FHIR resource in JSON');
    } finally {
      resource.fill(0);
    }
    if (parsed.resourceType !== type) throw new FhirError(404, 'not-found', 'unknown_record', 'no record of this type has this id');
    // What the content says of its patient must be what the chain says: a resource about
    // another patient anchored in this patient's record is not served as theirs.
    if (!namesPatient(parsed, version.patient)) {
      throw new FhirError(502, 'exception', 'subject_mismatch', 'the stored record names another patient than the chain\'s record');
    }
    // The version and its time are the chain's, whatever the stored content says.
    const meta = { ...(isObject(parsed.meta) ? parsed.meta : {}), versionId: String(version.version), lastUpdated: instant(version.createdAt) };
    return { status: 200, resource: { ...parsed, id: idText, meta }, headers: versionHeaders(version), log: { record: idText } };
  };

  /**
   * Whether a stored resource's `subject` and `patient` (those it has) reference `patient`
   * (`Patient/<address>`, or this facade's `<base>/Patient/<address>`). A resource naming no
   * patient (the app's own writes) is served as stored.
   */
  const namesPatient = (resource: Resource, patient: string): boolean => {
    for (const field of ['subject', 'patient'] as const) {
      const element = resource[field];
      if (element === undefined) continue;
      const reference = isObject(element) ? element.reference : undefined;
      if (typeof reference !== 'string') return false;
      const account = patientReference(reference);
      if (account !== patient) return false;
    }
    return true;
  };

  // --- writes ------------------------------------------------------------------------------

  const patientOf = (resource: Resource): string => {
    const ref = (resource.subject ?? resource.patient) as { reference?: unknown } | undefined;
    const given = typeof ref?.reference === 'string' ? ref.reference : '';
    // This facade's absolute reference is the same (`<base>/Patient/<address>`).
    const text = given.startsWith(`${baseOf()}/`) ? given.slice(baseOf().length + 1) : given;
    if (!text.startsWith('Patient/')) throw new FhirError(400, 'required', 'no_patient', 'the resource must name its patient (subject or patient: Patient/<SS58 address>)');
    const id = parseAccount(text.slice('Patient/'.length));
    if (id === undefined) throw new FhirError(400, 'value', 'bad_patient', 'the patient reference is not an account');
    return encodeAddress(id, ss58);
  };

  /**
   * The blinded tag to anchor under: named in `meta.tag`; else, for the patient writing their
   * own data, their tag of the resource type (`type/<Type>`, sdk/FORMATS.md); else the one tag
   * the author's consents to append name. Several such tags and none named: refused, so that a
   * resource is never filed under a category it may not belong to (and shared with whoever
   * that category is shared with).
   */
  const tagFor = async (resource: Resource, author: Actor, caller: string, patient: string): Promise<Uint8Array> => {
    const meta = resource.meta as { tag?: unknown } | undefined;
    const named = list<{ system?: unknown; code?: unknown }>(meta?.tag, 'meta.tag').find((t) => t?.system === TAG_EXTENSION);
    if (named !== undefined) {
      if (typeof named.code !== 'string' || !isHex(named.code, 256)) throw new FhirError(400, 'value', 'bad_tag', 'a blinded tag is 0x-prefixed hex of 32 bytes');
      return fromHex(named.code);
    }
    if (caller === patient && author.keys instanceof KeyRing) {
      return tagOf(author.keys.tagKey(0), `type/${resource.resourceType}`);
    }
    const view = await chain.atBest();
    const consents = await view.consents(patient);
    const tags = new Map<string, Uint8Array>();
    let permitted = false;
    for (const c of consents) {
      if (c.grantee !== caller || c.decision !== 'Permit' || c.standing !== 'InForce'
        || !c.actions.includes('Append') || !c.purposes.includes('Treatment')) continue;
      permitted = true;
      for (const t of c.scope !== 'AllData' && 'tags' in c.scope ? c.scope.tags : []) tags.set(u8aToHex(t), t);
    }
    // No permit to append at all is a lack of access, as the chain would say it.
    if (!permitted) throw new FhirError(403, 'forbidden', 'no_consent', 'no consent of the patient in force lets this author add to their records');
    if (tags.size === 0) {
      throw new FhirError(422, 'business-rule', 'no_tag',
        'no consent of the patient lets this author append under a tag: name the blinded tag in meta.tag (system urn:telemed:fhir:blinded-tag)');
    }
    if (tags.size > 1) {
      throw new FhirError(422, 'business-rule', 'ambiguous_tag',
        'the patient\'s consents let this author append under several tags: name the one for this resource in meta.tag (system urn:telemed:fhir:blinded-tag)');
    }
    return [...tags.values()][0]!;
  };

  const createRecord = async (r: Req, type: string, resource: Resource, caller: string): Promise<Res> => {
    if (!(RECORD_TYPES as readonly string[]).includes(type)) {
      throw new FhirError(404, 'not-supported', 'unsupported_type', 'this resource type is not supported (see /metadata)');
    }
    if (resource.resourceType !== type) throw new FhirError(400, 'invalid', 'type_mismatch', 'the body\'s resourceType is not the one in the path');
    if (resource.id !== undefined) throw new FhirError(400, 'invalid', 'id_given', 'a created resource has no id: the chain assigns it');
    const author = heldActor(caller);
    checkResource(resource);
    const patient = patientOf(resource);
    const tag = await tagFor(resource, author, caller, patient);
    const plaintext = utf8(JSON.stringify(resource));
    let version: RecordVersion;
    try {
      version = await chain.write(deps.storeFor(author), author, patient, plaintext, tag, 'Treatment', patient === caller ? [] : [patient], r.limits);
    } finally {
      plaintext.fill(0);
    }
    const id = String(version.id);
    const location = `${baseOf()}/${type}/${id}/_history/${version.version}`;
    const headers = { location, ...versionHeaders(version) };
    // Anchored: from here on the write is made, whatever befalls its log entry. A failure to log
    // it is not a failure of the write (the client must not write it again): 201 with a warning.
    try {
      await chain.logAppend(author, patient, version, 'Treatment', r.limits);
    } catch (e) {
      const why = toFhirError(e);
      log.warn('fhir.write_unlogged', { account: caller, record: id, reason: why.reason });
      return {
        status: 201,
        resource: operationOutcome('warning', 'incomplete',
          `created as ${location}, but not logged in the patient's accounting of disclosures (${why.reason}): the record is anchored, do not send it again`, 'unlogged'),
        headers,
        log: { record: id, unlogged: why.reason },
      };
    }
    return {
      status: 201,
      resource: { ...resource, id, meta: { ...(resource.meta as object | undefined), versionId: String(version.version), lastUpdated: new Date(version.createdAt).toISOString() } },
      headers,
      log: { record: id },
    };
  };

  // --- idempotent writes: the same key, the same answer -------------------------------------

  /**
   * The key of a write, if the client named one: `If-None-Exist` (`identifier=[system|]value`:
   * matched against the writes this caller made with it, not a search of the encrypted records),
   * else `X-Request-Id` (`#<entry>` for each entry of a batch); per resource type.
   */
  const writeKey = (type: string, ifNoneExist: unknown, requestId: string | undefined): string | undefined => {
    if (ifNoneExist !== undefined) {
      const text = typeof ifNoneExist === 'string' ? ifNoneExist.replace(/^\?/, '') : '';
      const query = new URLSearchParams(text);
      const names = [...query.keys()];
      if (names.length !== 1 || names[0] !== 'identifier' || !query.get('identifier')) {
        throw new FhirError(400, 'not-supported', 'bad_if_none_exist',
          'If-None-Exist takes one identifier=[system|]value (matched against the writes this caller made with it in the last 24 hours: encrypted records cannot be searched)');
      }
      return `${type}\nif-none-exist\n${query.get('identifier')}`;
    }
    if (requestId !== undefined) {
      if (!/^[\x21-\x7e]{1,200}$/.test(requestId)) throw new FhirError(400, 'value', 'bad_request_id', 'X-Request-Id is 1 to 200 visible ASCII characters');
      return `${type}\nrequest-id\n${requestId}`;
    }
    return undefined;
  };

  /**
   * Makes a write under `key` once: a key already answered is answered again (`200`, the first
   * write's `Location`, nothing written); one whose write is under way (a retry while the first
   * still waits for the chain) is `409` with `Retry-After`. Only a write that was made is
   * remembered (its answer may have been lost: the client gone, the deadline passed); a refused
   * one is forgotten, so that the retry is made.
   */
  const once = async (caller: string, key: string | undefined, write: () => Promise<Res>): Promise<Res> => {
    if (key === undefined) return write();
    const known = writeKeys.lookup(caller, key);
    if (known === 'under-way' || (known === undefined && !writeKeys.begin(caller, key))) {
      throw new FhirError(409, 'conflict', 'write_in_progress', 'a write with this key is under way: ask again shortly', undefined, { 'retry-after': String(RETRY_AFTER_S) });
    }
    if (known !== undefined) {
      return {
        status: 200,
        resource: operationOutcome('information', 'informational', `already created: ${known.location} (nothing was written again)`, 'already_created'),
        headers: { location: known.location, ...(known.etag ? { etag: known.etag } : {}), ...(known.lastModified ? { 'last-modified': known.lastModified } : {}) },
        log: { replayed: true },
      };
    }
    let made: RememberedWrite | undefined;
    try {
      const answer = await write();
      const location = answer.headers?.location;
      if (answer.status === 201 && location !== undefined) {
        made = { location, ...(answer.headers?.etag ? { etag: answer.headers.etag } : {}), ...(answer.headers?.['last-modified'] ? { lastModified: answer.headers['last-modified'] } : {}) };
      }
      return answer;
    } finally {
      writeKeys.finish(caller, key, made);
    }
  };

  /** Checks that `grant` (what the patient signed) says what `resource` (the posted Consent) says. */
  const grantMatches = (grant: SignedGrant, resource: Resource): string | undefined => {
    const patient = patientOf(resource);
    if (grant.patient !== patient) return 'patient';
    const provision = (resource.provision ?? {}) as Record<string, unknown>;
    // What the chain cannot hold must not be in the resource: it would say more than was signed
    // (a nested provision is an exception, "permit all but …").
    for (const field of ['provision', 'dataPeriod', 'securityLabel', 'class', 'code']) {
      if (provision[field] !== undefined) return `provision.${field} (the chain has no such term)`;
    }
    if (!['active', 'proposed'].includes(resource.status as string)) return 'status';
    const rule = list<{ system?: string; code?: string }>((resource.policyRule as { coding?: unknown } | undefined)?.coding, 'policyRule.coding')[0];
    if (rule !== undefined && (rule.system !== ACT_CODE || rule.code !== (grant.decision === 'Permit' ? 'OPTIN' : 'OPTOUT'))) return 'policyRule';
    if ((provision.type ?? 'permit') !== (grant.decision === 'Permit' ? 'permit' : 'deny')) return 'provision.type';
    const actors = list<{ reference?: { reference?: string; identifier?: { value?: string } } }>(provision.actor, 'provision.actor');
    const grantees = actors.map((a) => {
      const given = a.reference?.reference ?? '';
      const ref = given.startsWith(`${baseOf()}/`) ? given.slice(baseOf().length + 1) : given;
      const id = parseAccount(ref.includes('/') ? ref.slice(ref.indexOf('/') + 1) : (a.reference?.identifier?.value ?? ''));
      return id && encodeAddress(id, ss58);
    });
    if (grantees.length !== 1 || grantees[0] !== grant.grantee) return 'provision.actor';
    const actionCodings = list<{ coding?: unknown }>(provision.action, 'provision.action')
      .map((a) => list<{ system?: string; code?: string }>(a.coding, 'provision.action.coding')[0]);
    if (actionCodings.some((c) => c?.system !== CONSENT_ACTION)) return 'provision.action (system)';
    const actions = actionCodings.map((c) => c?.code).sort();
    if (JSON.stringify(actions) !== JSON.stringify(grant.actions.map((a) => ACTION_CODES[a as keyof typeof ACTION_CODES]).sort())) return 'provision.action';
    const purposeCodings = list<{ system?: string; code?: string }>(provision.purpose, 'provision.purpose');
    if (purposeCodings.some((p) => p.system !== ACT_REASON)) return 'provision.purpose (system)';
    const purposes = purposeCodings.map((p) => p.code).sort();
    if (JSON.stringify(purposes) !== JSON.stringify(grant.purposes.map((p) => PURPOSE_CODES[p as PurposeOfUse]?.code).sort())) return 'provision.purpose';
    const period = (provision.period ?? {}) as { start?: string; end?: string };
    const ms = (s: string | undefined) => (s === undefined ? null : Date.parse(s));
    if (ms(period.start) !== grant.start) return 'provision.period.start';
    if (ms(period.end) !== grant.end) return 'provision.period.end';
    const data = list<{ reference?: { reference?: string } }>(provision.data, 'provision.data').map((d) => d.reference?.reference ?? '');
    const tags = list<{ url?: string; valueString?: string }>(provision.extension, 'provision.extension').filter((e) => e.url === TAG_EXTENSION).map((e) => e.valueString);
    if (grant.scope === 'AllData') {
      if (data.length > 0 || tags.length > 0) return 'provision.data';
    } else if ('records' in grant.scope) {
      if (tags.length > 0) return 'provision.extension (blinded tags)';
      if (JSON.stringify(data.sort()) !== JSON.stringify(grant.scope.records.map((r) => `DocumentReference/${r}`).sort())) return 'provision.data';
    } else {
      if (data.length > 0) return 'provision.data';
      if (JSON.stringify(tags.sort()) !== JSON.stringify([...grant.scope.tags].sort())) return 'provision.extension (blinded tags)';
    }
    return undefined;
  };

  const createConsent = async (r: Req, resource: Resource, caller: string): Promise<Res> => {
    if (resource.resourceType !== 'Consent') throw new FhirError(400, 'invalid', 'type_mismatch', 'POST /Consent takes a Consent');
    if (resource.id !== undefined) throw new FhirError(400, 'invalid', 'id_given', 'a created resource has no id: the chain assigns it');
    checkResource(resource);
    const extension = list<{ url?: string; valueString?: unknown }>(resource.extension, 'extension').find((e) => e.url === SIGNED_EXTRINSIC_EXTENSION);
    if (extension === undefined || typeof extension.valueString !== 'string' || !isHex(extension.valueString)) {
      throw new FhirError(400, 'required', 'no_signed_extrinsic',
        `a Consent is granted by the patient's own signature: put their signed consent.grantConsent extrinsic (hex) in extension ${SIGNED_EXTRINSIC_EXTENSION}`);
    }
    let grant: SignedGrant;
    try {
      grant = chain.decodeGrant(extension.valueString);
    } catch (e) {
      throw new FhirError(400, 'invalid', 'bad_extrinsic', (e as Error).message);
    }
    if (grant.signer !== caller) throw new FhirError(403, 'forbidden', 'signer_mismatch', 'the extrinsic is not signed by the caller');
    const mismatch = grantMatches(grant, resource);
    if (mismatch !== undefined) throw new FhirError(400, 'invariant', 'extrinsic_mismatch', `the signed extrinsic does not say what the resource says (${mismatch})`);
    const id = await chain.submitGrant(extension.valueString, r.limits);
    const view = await chain.atBest();
    const created = (await view.consents(grant.patient)).find((c) => c.id === id);
    return {
      status: 201,
      resource: created ? consentResource(created) : { ...resource, id: String(id) },
      // The chain keeps no versions of a consent (a revocation changes it in place): its URL.
      headers: { location: `${baseOf()}/Consent/${id}` },
      log: { consent: String(id) },
    };
  };

  const batch = async (r: Req, bundle: Resource, caller: string): Promise<Res> => {
    if (bundle.resourceType !== 'Bundle') throw new FhirError(400, 'invalid', 'not_a_bundle', 'POST / takes a Bundle');
    if (bundle.type === 'transaction') {
      throw new FhirError(422, 'not-supported', 'transaction_unsupported', 'a transaction is not supported (the chain cannot roll back an anchored record): send a batch');
    }
    if (bundle.type !== 'batch') throw new FhirError(400, 'value', 'bad_bundle_type', 'POST / takes a Bundle of type batch');
    const entries = list<unknown>(bundle.entry, 'Bundle.entry');
    // Each entry is several transactions and a stored ciphertext: the size of a batch is bounded
    // before anything is written.
    if (entries.length > deps.maxBatchEntries) {
      throw new FhirError(422, 'too-costly', 'too_many_entries', `a batch has at most ${deps.maxBatchEntries} entries; nothing was written`);
    }
    if (entries.some((e) => typeof e !== 'object' || e === null || Array.isArray(e))) {
      throw new FhirError(400, 'structure', 'bad_structure', 'each Bundle.entry must be an object');
    }
    // The Bundle itself (its entries' resources are checked one by one, each answered on its own).
    checkResource({ ...bundle, entry: (entries as Record<string, unknown>[]).map(({ resource: _r, ...entry }) => entry) });
    const out: Record<string, unknown>[] = [];
    const batchRequestId = header(r.headers, 'x-request-id');
    for (const [i, entry] of (entries as { resource?: unknown; request?: { method?: unknown; url?: unknown; ifNoneExist?: unknown } }[]).entries()) {
      // A client that has gone (or a request past its deadline) gets nothing more written.
      if (r.signal.aborted) {
        log.warn('fhir.batch_stopped', { account: caller, written: i, entries: entries.length, reason: String(r.signal.reason ?? 'aborted') });
        break;
      }
      try {
        const resource = entry.resource as Resource | undefined;
        if (entry.request?.method !== 'POST' || typeof resource !== 'object' || resource === null || typeof resource.resourceType !== 'string') {
          throw new FhirError(400, 'not-supported', 'bad_entry', 'a batch entry must POST a resource');
        }
        const type = resource.resourceType;
        if ((entry.request.url ?? type) !== type) throw new FhirError(400, 'invalid', 'type_mismatch', 'the entry\'s url is not its resource type');
        const key = writeKey(type, entry.request.ifNoneExist, batchRequestId === undefined ? undefined : `${batchRequestId}#${i}`);
        const done = await once(caller, key, () => (type === 'Consent' ? createConsent(r, resource, caller) : createRecord(r, type, resource, caller)));
        // A warning (anchored, not logged) or a replay: the outcome, as the entry's.
        const outcome = done.resource.resourceType === 'OperationOutcome' ? { outcome: done.resource } : {};
        out.push({
          ...(outcome.outcome ? {} : { resource: done.resource }),
          response: { status: String(done.status), location: done.headers?.location, ...(done.headers?.etag ? { etag: done.headers.etag } : {}), ...outcome },
        });
      } catch (e) {
        const err = toFhirError(e);
        out.push({ response: { status: String(err.status), outcome: err.outcome() } });
      }
    }
    return { status: 200, resource: { resourceType: 'Bundle', type: 'batch-response', ...(out.length === 0 ? {} : { entry: out }) } };
  };

  // --- searches: GET [type]?… and POST [type]/_search ---------------------------------------

  /** The search of each type (whose handler checks its own parameters). */
  const searches: Record<string, (r: Req, caller: string) => Promise<Res>> = {
    Consent: (r, caller) => searchConsent(r, caller),
    AuditEvent: (r, caller) => searchAuditEvent(r, caller),
    PractitionerRole: (r) => searchPractitionerRole(r),
    DocumentReference: (r, caller) => heavy(() => searchDocumentReference(r, caller)),
    Claim: (r, caller) => heavy(() => searchClaims(r, caller, 'Claim')),
    ClaimResponse: (r, caller) => heavy(() => searchClaims(r, caller, 'ClaimResponse')),
  };

  /**
   * A search with the parameters of `url`: none repeated (`400 repeated_parameter`: none of the
   * facade's takes several values); the result parameters it does not apply ignored, and named in
   * an `OperationOutcome` entry (`search.mode` `outcome`), unless `Prefer: handling=strict` (`400`).
   */
  const search = async (r: Req, url: URL, caller: string, handler: (r: Req, caller: string) => Promise<Res>): Promise<Res> => {
    const names = [...url.searchParams.keys()];
    const repeated = names.find((name, i) => names.indexOf(name) !== i);
    if (repeated !== undefined) throw new FhirError(400, 'value', 'repeated_parameter', `search parameter ${repeated} is given more than once`);
    const ignored = names.filter((name) => LENIENT_PARAMS.has(name));
    if (ignored.length > 0 && strictHandling(r.headers)) {
      throw new FhirError(400, 'not-supported', 'unsupported_parameter', `search parameter ${ignored[0]} is not supported (Prefer: handling=strict)`);
    }
    const applied = new URL(url);
    for (const name of ignored) applied.searchParams.delete(name);
    const answer = await handler({ ...r, url: applied }, caller);
    if (ignored.length === 0) return answer;
    const note = operationOutcome('warning', 'not-supported', `ignored: ${ignored.join(', ')} (not supported; every element and the total are answered)`, 'ignored_parameter');
    const bundle = answer.resource as Resource & { entry?: unknown[] };
    return { ...answer, resource: { ...bundle, entry: [...(bundle.entry ?? []), { resource: note, search: { mode: 'outcome' } }] } };
  };

  // --- routing -----------------------------------------------------------------------------

  /**
   * Routes a request; `seen.caller` is set as soon as the signature checks out and
   * `seen.template` once the route is known, so a refusal (or a request past its deadline) is
   * logged with both.
   */
  const route = async (r: Req, seen: Seen): Promise<Res> => {
    const [first, second, third, fourth, ...rest] = r.segments;
    negotiate(r.url, r.headers);
    if (r.method === 'GET' && first === 'metadata' && second === undefined) {
      seen.template = 'GET /metadata';
      return { status: 200, resource: capabilityStatement(baseOf(), new Date(now()).toISOString()) };
    }
    const caller = authenticate(r.headers, r.method, r.raw, r.body, chain.genesisHash, baseOf(), nonces, ss58, perAccount);
    seen.caller = caller;
    const isRecordType = first !== undefined && (RECORD_TYPES as readonly string[]).includes(first);
    const vread = r.method === 'GET' && isRecordType && second !== undefined && third === '_history' && fourth !== undefined;
    if (rest.length > 0 || (third !== undefined && !vread)) throw new FhirError(404, 'not-found', 'no_route', 'no such route');
    const as = (template: string, answer: () => Promise<Res>): Promise<Res> => {
      seen.template = template;
      return answer();
    };
    if (vread) return as('GET /{type}/{id}/_history/{vid}', () => readRecordResource(r, first!, second!, caller, fourth));
    const searchOf = first === undefined ? undefined : searches[first];
    if (searchOf !== undefined && r.method === 'GET' && second === undefined) {
      return as(`GET /${first}`, () => search(r, r.url, caller, searchOf));
    }
    // A search by POST (a form body, e.g. to keep parameters out of logs of URLs): as the GET.
    if (searchOf !== undefined && r.method === 'POST' && second === '_search') {
      return as(`POST /${first}/_search`, async () => {
        checkFormType(r.headers);
        let form: URLSearchParams;
        try {
          form = new URLSearchParams(new TextDecoder('utf-8', { fatal: true }).decode(r.body));
        } catch {
          throw new FhirError(400, 'structure', 'bad_form', 'the form is not UTF-8');
        }
        const url = new URL(r.url);
        for (const [name, value] of form) url.searchParams.append(name, value);
        return search(r, url, caller, searchOf);
      });
    }
    if (r.method === 'GET' && second !== undefined) {
      switch (first) {
        case 'Practitioner': return as('GET /Practitioner/{id}', () => readPractitioner(second));
        case 'Consent': return as('GET /Consent/{id}', () => readConsent(second, caller));
        case 'AuditEvent': return as('GET /AuditEvent/{id}', () => readAuditEvent(second, caller));
        case 'PractitionerRole': return as('GET /PractitionerRole/{id}', () => readPractitionerRole(second));
        case 'DocumentReference': return as('GET /DocumentReference/{id}', () => readDocumentReference(second, caller));
        case 'Claim': return as('GET /Claim/{id}', () => readClaim(second, caller, 'Claim'));
        case 'ClaimResponse': return as('GET /ClaimResponse/{id}', () => readClaim(second, caller, 'ClaimResponse'));
        default:
          if (isRecordType) return as('GET /{type}/{id}', () => readRecordResource(r, first!, second, caller));
      }
    }
    if (r.method === 'POST' && second === undefined) {
      const posted = (template: string, answer: (resource: Resource) => Promise<Res>) => as(template, () => {
        checkContentType(r.headers);
        return answer(parseJson(r.body));
      });
      if (first === undefined) return posted('POST /', (body) => batch(r, body, caller));
      const key = () => writeKey(first, header(r.headers, 'if-none-exist'), header(r.headers, 'x-request-id'));
      if (first === 'Consent') return posted('POST /Consent', (body) => once(caller, key(), () => createConsent(r, body, caller)));
      if (/^[A-Z][A-Za-z]{1,63}$/.test(first)) return posted('POST /{type}', (body) => once(caller, key(), () => createRecord(r, first, body, caller)));
    }
    throw new FhirError(404, 'not-supported', 'no_route', 'no such interaction (see /metadata)');
  };

  /** The headers a status calls for (RFC 9110): who may retry when, how to authenticate, which methods. */
  const statusHeaders = (status: number, reason: string | undefined): Record<string, string> => {
    if (status === 401) {
      return { 'www-authenticate': `Telemed-Signature realm="${baseOf()}", layout="${DOMAIN}", headers="${[HEADERS.account, HEADERS.timestamp, HEADERS.nonce, HEADERS.signature].join(' ')}"${reason ? `, error="${reason}"` : ''}` };
    }
    if (status === 405) return { allow: ALLOWED_METHODS };
    if (status === 503) return { 'retry-after': String(RETRY_AFTER_S) };
    return {};
  };

  /** Reads, routes and answers one request, within its deadline. */
  const handle = async (req: IncomingMessage, res: ServerResponse, seen: Seen, started: (work: Promise<Res>) => void): Promise<Res> => {
    // Aborted when the client goes before its answer (the response closes unfinished) or the
    // deadline passes: a batch stops before its next entry, and chain waits end by then.
    const controller = new AbortController();
    res.once('close', () => {
      if (!res.writableFinished) controller.abort('client gone');
    });
    const deadlineAt = Date.now() + deps.requestTimeoutMs;
    // The chain's own waits end a little before the request's, so that the answer can name the
    // extrinsic whose outcome is unknown (an OutcomeUnknownError with its hash).
    const limits: CallOptions = { deadline: deadlineAt - Math.min(1_000, Math.floor(deps.requestTimeoutMs / 10)) };
    const work = (async () => {
      const raw = req.url ?? '/';
      const url = new URL(raw, 'http://facade');
      let segments: string[];
      try {
        segments = url.pathname.split('/').filter((s) => s !== '').map(decodeURIComponent);
      } catch {
        throw new FhirError(400, 'invalid', 'bad_path', 'the path is not valid percent-encoding');
      }
      if (req.method !== 'GET' && req.method !== 'POST') throw new FhirError(405, 'not-supported', 'method', 'only GET and POST are served');
      let body: Uint8Array = new Uint8Array();
      if (req.method === 'POST') {
        // Nothing of an oversized or unsigned request is read: its declared length and its
        // signature headers (present, well formed, fresh) are checked first.
        const declared = header(req.headers, 'content-length');
        if (declared !== undefined && Number(declared) > deps.maxBodyBytes) {
          throw new FhirError(413, 'too-long', 'too_large', `the body is larger than ${deps.maxBodyBytes} bytes`);
        }
        preAuthenticate(req.headers, nonces);
        body = await readBody(req);
      }
      return route({ method: req.method, raw, url, segments, headers: req.headers, body, signal: controller.signal, limits }, seen);
    })();
    // A stop waits for this work, which goes on past a 504 (a write the chain may yet complete).
    started(work.catch(() => answerless));
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        controller.abort('deadline');
        reject(new FhirError(504, 'timeout', 'deadline',
          `no answer within ${deps.requestTimeoutMs} ms (the chain or the gateway did not answer in time); a write may still complete: look for it before sending it again`));
      }, deps.requestTimeoutMs);
      // A request still under way after a stop's drain does not keep the process alive until its
      // deadline: while the server listens, the server does.
      timer.unref();
    });
    try {
      return await Promise.race([work, deadline]);
    } finally {
      clearTimeout(timer);
      // What the request came to once it was answered without it (nothing of the content).
      work.then(
        (late) => controller.signal.reason === 'deadline' && log.warn('fhir.after_deadline', { route: seen.template, status: late.status }),
        (e: unknown) => controller.signal.reason === 'deadline' && log.warn('fhir.after_deadline', { route: seen.template, status: toFhirError(e).status }),
      );
    }
  };

  let stopping = false;
  /** Each request under way: settled once its work has ended and its answer was sent. */
  const underWay = new Set<Promise<unknown>>();

  const handler = (req: IncomingMessage, res: ServerResponse): void => {
    const started = now();
    const seen: Seen = { template: `${req.method ?? ''} ?` };
    const answered = new Promise<void>((resolve) => {
      res.once('finish', resolve);
      res.once('close', resolve);
    });
    let work: Promise<unknown> = Promise.resolve();
    const tracked: Promise<unknown> = answered.then(() => work).catch(() => undefined);
    underWay.add(tracked);
    void tracked.finally(() => underWay.delete(tracked));
    void (async () => {
      let answer: Res;
      try {
        if (stopping) throw new FhirError(503, 'transient', 'stopping', 'the facade is stopping: send the request again (to another instance)');
        const handled = handle(req, res, seen, (w) => (work = w));
        answer = await handled;
      } catch (e) {
        const err = toFhirError(e);
        if (err.status === 500) log.error('fhir.failure', { error: (e as Error)?.name ?? 'unknown' });
        answer = { status: err.status, resource: err.outcome(), ...(err.headers ? { headers: { ...err.headers } } : {}), log: { reason: err.reason } };
      }
      let body: string;
      try {
        body = JSON.stringify(answer.resource);
      } catch (e) {
        log.error('fhir.failure', { error: (e as Error)?.name ?? 'unknown', stage: 'serialise' });
        answer = { status: 500, resource: operationOutcome('fatal', 'exception', 'internal error', 'internal'), log: { reason: 'internal' } };
        body = FALLBACK_BODY;
      }
      const reason = answer.log?.reason;
      res.writeHead(answer.status, {
        'content-type': JSON_TYPE, 'cache-control': 'no-store', ...statusHeaders(answer.status, typeof reason === 'string' ? reason : undefined), ...answer.headers,
        // A body left unread (refused before it was read, or too large) is not drained: the
        // connection ends with the answer.
        ...(answer.status === 413 || !req.complete || stopping ? { connection: 'close' } : {}),
      });
      res.end(body);
      log.info('fhir.request', { route: seen.template, status: answer.status, account: seen.caller, ms: now() - started, ...answer.log });
    })().catch(() => {
      // Even the answer could not be made: still an OperationOutcome.
      if (!res.headersSent) res.writeHead(500, { 'content-type': JSON_TYPE, 'cache-control': 'no-store' });
      res.end(res.headersSent ? undefined : FALLBACK_BODY);
    });
  };

  return Object.assign(handler, {
    stop: () => {
      stopping = true;
    },
    drain: async (timeoutMs: number): Promise<boolean> => {
      const until = Date.now() + timeoutMs;
      while (underWay.size > 0 && Date.now() < until) {
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([
          Promise.all([...underWay]),
          new Promise((resolve) => (timer = setTimeout(resolve, until - Date.now()))),
        ]);
        clearTimeout(timer);
      }
      return underWay.size === 0;
    },
    pending: () => underWay.size,
  });
}

/** Starts the API on `host:port` (0: any free port). */
export async function startApi(deps: FhirDeps, host: string, port: number): Promise<FhirApi> {
  const own = { ...deps };
  // The schemas of what can be posted, compiled before the first request rather than in it.
  prepareValidation([...RECORD_TYPES, 'Consent', 'Bundle']);
  const handler = createHandler(own);
  // A client gets `headersTimeoutMs` for its headers and `receiveTimeoutMs` for the whole
  // request (then 408 and the connection closed), checked every second at most; at most
  // `maxConnections` connections are open (more are dropped).
  const headersTimeout = deps.headersTimeoutMs ?? LIMITS.headersTimeoutMs;
  const requestTimeout = Math.max(headersTimeout, deps.receiveTimeoutMs ?? LIMITS.receiveTimeoutMs);
  const options = { headersTimeout, requestTimeout, connectionsCheckingInterval: Math.min(1_000, Math.max(50, Math.floor(headersTimeout / 4))) };
  const server: Server = deps.tls ? createTlsServer({ ...options, cert: deps.tls.cert, key: deps.tls.key }, handler) : createServer(options, handler);
  server.maxConnections = deps.maxConnections ?? LIMITS.maxConnections;
  // Longer than clients keep an idle connection (undici: 4 s by default), so a client never
  // sends on a connection the server is closing; writes are not idempotent, a lost one is costly.
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const { port: bound } = server.address() as AddressInfo;
  const url = `${deps.tls ? 'https' : 'http'}://${isIP(host) === 6 ? `[${host}]` : host}:${bound}`;
  own.baseUrl ??= url;
  return {
    server,
    url,
    // A graceful stop: no new connection, new requests on open ones refused (503 stopping); the
    // requests under way (a write waiting for its blocks) end and are answered, at most
    // `drainTimeoutMs`; then every connection is closed.
    close: async () => {
      handler.stop();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      const waiting = handler.pending();
      const drained = await handler.drain(deps.drainTimeoutMs ?? LIMITS.drainTimeoutMs);
      if (waiting > 0) deps.log[drained ? 'info' : 'warn']('fhir.drained', { waited: waiting, left: handler.pending() });
      server.closeAllConnections();
      await closed;
    },
  };
}
