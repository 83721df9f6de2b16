/**
 * The HTTP API (see README.md, "API"): `GET /challenge`, `PUT /blobs`,
 * `GET /records/{recordId}/blob?cid=…&purpose=…`, `GET /prescriptions/{id}/blob?cid=…`, `GET /info`. Every error is a status and a
 * JSON body `{ "reason": "<code>", "message": "<text>" }`; a refused read is `403` with that
 * body and nothing else. Checks come first and the write comes last: a refused or failed
 * upload stores nothing.
 *
 * @module
 */

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { hexToU8a, isHex, u8aEq, u8aToHex } from '@polkadot/util';
import { blake2AsU8a, encodeAddress } from '@polkadot/util-crypto';
import { CID } from 'multiformats/cid';
import { GATEWAY_HEADERS } from '@telemed/sdk';
import {
  ChallengeStore, NonceCache, parseAccount, prescriptionReadMessage, readMessage, verifySignature, writeMessage,
  type ChallengeRefusal,
} from './auth.ts';
import { ChainUnavailableError, PURPOSES, type GatewayChain, type Purpose } from './chain-interface.ts';
import { OversizeBlobError, type BlobStore } from './store.ts';
import type { Fields, Logger } from './log.ts';

/** The settings the HTTP API uses (a subset of the gateway's {@link Config}). */
export interface ApiOptions {
  maxBlobBytes: number;
  challengeTtlMs: number;
  maxChallenges: number;
  clockSkewMs: number;
  fetchTimeoutMs: number;
}

/** A refusal: an HTTP status, a stable machine-readable reason and a human message. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly reason: string,
    message: string,
  ) {
    super(message);
  }
}

/** Request headers of signed requests (lower case, as Node gives them): the SDK's client sends them. */
export const HEADERS = GATEWAY_HEADERS;

/** The running HTTP API. */
export interface GatewayApi {
  server: Server;
  /** The URL it listens on (`http://host:port`). */
  url: string;
  /** Its single-use challenges (the relay uses the same). */
  challenges: ChallengeStore;
  close(): Promise<void>;
}

/** What the API is built from. */
export interface ApiDeps {
  chain: GatewayChain;
  store: BlobStore;
  log: Logger;
  options: ApiOptions;
  /** The clock (tests inject one). */
  now?: () => number;
  /** The single-use challenges (shared with the relay); a new store by default. */
  challenges?: ChallengeStore;
}

/** Smallest blob accepted: size class 10 (FORMATS.md). */
export const MIN_BLOB_BYTES = 1024;

/**
 * The largest prescription blob served: a prescription's content is at most 2,048 bytes (a
 * dispense token carries it, sdk `MAX_DISPENSE_CONTENT_LENGTH`), so its padded ciphertext is
 * at most size class 12.
 */
export const MAX_PRESCRIPTION_BLOB_BYTES = 4096;

/** Builds the request handler. */
export function createHandler(deps: ApiDeps): (req: IncomingMessage, res: ServerResponse) => void {
  const now = deps.now ?? Date.now;
  const { chain, store, log, options } = deps;
  const challenges = deps.challenges ?? new ChallengeStore(options.challengeTtlMs, options.maxChallenges, now);
  const nonces = new NonceCache(options.clockSkewMs, 1_000_000, now);

  const header = (req: IncomingMessage, name: string): string => {
    const value = req.headers[name];
    if (typeof value !== 'string' || value === '') {
      throw new HttpError(401, 'missing_auth', `the ${name} header is missing`);
    }
    return value;
  };
  const hexHeader = (req: IncomingMessage, name: string, length: number): Uint8Array => {
    const value = header(req, name);
    if (!isHex(value, length * 8)) {
      throw new HttpError(401, 'bad_auth', `${name} must be 0x-prefixed hex of ${length} bytes`);
    }
    return hexToU8a(value);
  };
  const account = (req: IncomingMessage): Uint8Array => {
    const id = parseAccount(header(req, HEADERS.account));
    if (id === undefined) throw new HttpError(401, 'bad_auth', `${HEADERS.account} is not an SS58 address or a 32-byte hex account id`);
    return id;
  };

  /** Reads the body, at most `maxBlobBytes`; past it, reads on to the end (up to twice the limit) and refuses. */
  const readBody = async (req: IncomingMessage): Promise<Uint8Array> => {
    const max = options.maxBlobBytes;
    const declared = Number(req.headers['content-length'] ?? NaN);
    if (Number.isFinite(declared) && declared > 2 * max) {
      req.resume();
      throw new HttpError(413, 'too_large', `the body is larger than ${max} bytes`);
    }
    const chunks: Buffer[] = [];
    let total = 0;
    for await (const chunk of req as AsyncIterable<Buffer>) {
      total += chunk.length;
      if (total > 2 * max) break;
      if (total <= max) chunks.push(chunk);
    }
    if (total > max) throw new HttpError(413, 'too_large', `the body is larger than ${max} bytes`);
    return new Uint8Array(Buffer.concat(chunks));
  };

  const putBlob = async (req: IncomingMessage, res: ServerResponse, ctx: Ctx): Promise<void> => {
    const who = account(req);
    ctx.account = encodeAddress(who, 42);
    const signature = hexHeader(req, HEADERS.signature, 64);
    const nonce = hexHeader(req, HEADERS.nonce, 16);
    const timestampText = header(req, HEADERS.timestamp);
    const timestamp = Number(timestampText);
    if (!/^\d{1,16}$/.test(timestampText) || !Number.isSafeInteger(timestamp)) {
      throw new HttpError(401, 'bad_auth', `${HEADERS.timestamp} must be milliseconds since the Unix epoch`);
    }
    if (!nonces.isFresh(timestamp)) {
      req.resume();
      throw new HttpError(401, 'stale_timestamp', `the timestamp is more than ${options.clockSkewMs} ms from the gateway's clock`);
    }
    const body = await readBody(req);
    ctx.bytes = body.length;
    if (!verifySignature(writeMessage({ genesisHash: chain.genesisHash, timestamp, nonce, body }), signature, who)) {
      throw new HttpError(401, 'bad_signature', 'the signature is not the account\'s over this request');
    }
    const seen = nonces.remember(who, nonce);
    if (seen === 'replayed') throw new HttpError(401, 'replayed', 'this nonce was already used: sign each request with a fresh nonce');
    if (seen === 'full') throw new HttpError(503, 'busy', 'too many recent writes; try again later');
    if (body.length < MIN_BLOB_BYTES || (body.length & (body.length - 1)) !== 0) {
      throw new HttpError(400, 'not_padded', 'a blob is a padded ciphertext: a power of two of at least 1024 bytes');
    }
    const at = await chain.atBest();
    ctx.block = at.blockHash;
    const patient = await at.isPatient(who);
    const writer = patient || (await at.licenceStatus(who)).licensed;
    if (!writer) {
      throw new HttpError(403, 'forbidden', 'only a registered patient or a licensed practitioner may store blobs');
    }
    // *** Every check passed: the write is the last step. ***
    const cid = await store.put(body);
    send(res, 201, { cid: cid.toString(), size: body.length });
  };

  const getChallenge = (res: ServerResponse): void => {
    const issued = challenges.issue();
    send(res, 200, {
      challenge: u8aToHex(issued.challenge),
      expiresAt: issued.expiresAt,
      genesisHash: u8aToHex(chain.genesisHash),
    });
  };

  /** A u64 id from the path, or a 400 `reason`. */
  const u64 = (text: string, reason: string, what: string): bigint => {
    if (!/^\d{1,20}$/.test(text) || BigInt(text) >= 2n ** 64n) throw new HttpError(400, reason, `the ${what} id is not a u64`);
    return BigInt(text);
  };

  /**
   * The caller of a signed read and the CID it names: the `cid` query, the account, and the
   * signature over `message` and a fresh single-use challenge, which is used up.
   */
  const signedRead = (req: IncomingMessage, url: URL, ctx: Ctx, message: (challenge: Uint8Array, cid: string) => Uint8Array): { who: Uint8Array; cid: CID } => {
    const cidText = url.searchParams.get('cid');
    if (cidText === null) throw new HttpError(400, 'bad_cid', 'the cid query parameter is missing');
    let cid: CID;
    try {
      cid = CID.parse(cidText);
    } catch {
      throw new HttpError(400, 'bad_cid', 'the cid query parameter is not a CID');
    }
    const who = account(req);
    ctx.account = encodeAddress(who, 42);
    const challenge = hexHeader(req, HEADERS.challenge, 32);
    const signature = hexHeader(req, HEADERS.signature, 64);
    const refusal = challenges.check(challenge);
    if (refusal !== undefined) throw challengeError(refusal);
    if (!verifySignature(message(challenge, cidText), signature, who)) {
      throw new HttpError(401, 'bad_signature', 'the signature is not the account\'s over this request and challenge');
    }
    const used = challenges.consume(challenge);
    if (used !== undefined) throw challengeError(used);
    return { who, cid };
  };

  /**
   * Sends the blob under `cid` if it is at most `maxBytes` and its `blake2_256` is `hash` (what
   * the chain keeps); `what` names it in the refusals.
   */
  const sendBlob = async (res: ServerResponse, cid: CID, maxBytes: number, hash: Uint8Array, what: string, ctx: Ctx): Promise<void> => {
    const mismatch = new HttpError(409, 'blob_mismatch', `the blob under this CID is not the ${what}'s ciphertext`);
    let blob: Uint8Array;
    try {
      blob = await store.get(cid, maxBytes, AbortSignal.timeout(options.fetchTimeoutMs));
    } catch (e) {
      if (e instanceof OversizeBlobError) throw mismatch;
      throw new HttpError(404, 'blob_not_found', `no blob under this CID could be found within ${options.fetchTimeoutMs} ms`);
    }
    if (!u8aEq(blake2AsU8a(blob, 256), hash)) throw mismatch;
    ctx.bytes = blob.length;
    res.writeHead(200, {
      'content-type': 'application/octet-stream',
      'content-length': String(blob.length),
      'cache-control': 'no-store',
    });
    res.end(blob);
  };

  const getBlob = async (req: IncomingMessage, res: ServerResponse, url: URL, idText: string, ctx: Ctx): Promise<void> => {
    const recordId = u64(idText, 'bad_record_id', 'record');
    ctx.record = idText;
    const purposeText = url.searchParams.get('purpose') ?? 'Treatment';
    if (!(PURPOSES as readonly string[]).includes(purposeText)) {
      throw new HttpError(400, 'bad_purpose', `purpose must be one of ${PURPOSES.join(', ')}`);
    }
    const purpose = purposeText as Purpose;
    const { who, cid } = signedRead(req, url, ctx, (challenge, cidText) =>
      readMessage({ genesisHash: chain.genesisHash, challenge, recordId, cid: cidText, purpose: purposeText }));

    const at = await chain.atBest();
    ctx.block = at.blockHash;
    const version = await at.recordVersion(recordId);
    if (version === undefined) throw new HttpError(404, 'unknown_record', 'no live record version has this id');
    if (!u8aEq(version.patient, who)) {
      const decision = await at.checkRead(who, version, purpose);
      if (!decision.allowed) {
        ctx.denial = decision.denial;
        throw new HttpError(403, 'forbidden', 'this account may not read this record now');
      }
      ctx.basis = decision.basis;
    } else {
      ctx.basis = 'patient';
    }
    if (!version.hasLocator) {
      throw new HttpError(410, 'retired', 'this version was re-keyed: read the current version');
    }
    const expected = 2 ** version.sizeClass;
    if (expected > options.maxBlobBytes) {
      throw new HttpError(413, 'too_large', `the record's blob is larger than this gateway serves (${options.maxBlobBytes} bytes)`);
    }
    await sendBlob(res, cid, expected, version.ciphertextHash, 'record', ctx);
  };

  /** A prescription's blob: to its patient and its prescriber only, whatever consents say. */
  const getPrescriptionBlob = async (req: IncomingMessage, res: ServerResponse, url: URL, idText: string, ctx: Ctx): Promise<void> => {
    const id = u64(idText, 'bad_prescription_id', 'prescription');
    ctx.prescription = idText;
    const { who, cid } = signedRead(req, url, ctx, (challenge, cidText) =>
      prescriptionReadMessage({ genesisHash: chain.genesisHash, challenge, prescription: id, cid: cidText }));

    const at = await chain.atBest();
    ctx.block = at.blockHash;
    const prescription = await at.prescription(id);
    if (prescription === undefined) throw new HttpError(404, 'unknown_prescription', 'no open prescription version has this id');
    if (u8aEq(prescription.patient, who)) ctx.basis = 'patient';
    else if (u8aEq(prescription.prescriber, who)) ctx.basis = 'prescriber';
    else throw new HttpError(403, 'forbidden', 'only the prescription\'s patient and prescriber may read its blob');
    if (prescription.ciphertextHash === undefined) {
      throw new HttpError(409, 'no_ciphertext_hash', 'this version was issued before the chain kept its ciphertext\'s hash: no gateway serves it');
    }
    await sendBlob(res, cid, Math.min(MAX_PRESCRIPTION_BLOB_BYTES, options.maxBlobBytes), prescription.ciphertextHash, 'prescription', ctx);
  };

  return (req, res) => {
    const started = now();
    const ctx: Ctx = {};
    const url = new URL(req.url ?? '/', 'http://gateway');
    const blobRoute = /^\/records\/([^/]+)\/blob$/.exec(url.pathname);
    const prescriptionRoute = /^\/prescriptions\/([^/]+)\/blob$/.exec(url.pathname);
    const route = blobRoute ? '/records/{id}/blob' : prescriptionRoute ? '/prescriptions/{id}/blob' : url.pathname;
    const handle = async (): Promise<void> => {
      if (url.pathname === '/challenge') {
        if (req.method !== 'GET') throw new HttpError(405, 'method_not_allowed', 'use GET');
        return getChallenge(res);
      }
      if (url.pathname === '/blobs') {
        if (req.method !== 'PUT') throw new HttpError(405, 'method_not_allowed', 'use PUT');
        return await putBlob(req, res, ctx);
      }
      if (blobRoute) {
        if (req.method !== 'GET') throw new HttpError(405, 'method_not_allowed', 'use GET');
        return await getBlob(req, res, url, blobRoute[1]!, ctx);
      }
      if (prescriptionRoute) {
        if (req.method !== 'GET') throw new HttpError(405, 'method_not_allowed', 'use GET');
        return await getPrescriptionBlob(req, res, url, prescriptionRoute[1]!, ctx);
      }
      if (url.pathname === '/info') {
        if (req.method !== 'GET') throw new HttpError(405, 'method_not_allowed', 'use GET');
        return send(res, 200, { ...store.info(), genesisHash: u8aToHex(chain.genesisHash) });
      }
      throw new HttpError(404, 'not_found', 'no such route');
    };
    handle()
      .then(() => {
        log.info('http.request', { method: req.method, route, status: res.statusCode, ms: now() - started, ...ctx });
      })
      .catch((e: unknown) => {
        const error = refusalOf(e, log, 'http.internal_error', { route });
        if (!res.headersSent) {
          send(res, error.status, { reason: error.reason, message: error.message });
        } else {
          res.destroy();
        }
        log.info('http.request', {
          method: req.method, route, status: error.status, reason: error.reason, ms: now() - started, ...ctx,
        });
      });
  };
}

/** What a request's log line carries: ids, accounts, sizes; never a body. */
interface Ctx {
  [key: string]: string | number | undefined;
  account?: string;
  record?: string;
  prescription?: string;
  block?: string;
  bytes?: number;
  basis?: string;
  denial?: string;
}

/**
 * What a failure is to the client (shared with the relay): a refusal as it is, an unreachable
 * chain `503 chain_unavailable`, anything else `500 internal` (logged as `event` with the
 * error's name only).
 */
export function refusalOf(e: unknown, log: Logger, event: string, fields: Fields = {}): HttpError {
  if (e instanceof HttpError) return e;
  if (e instanceof ChainUnavailableError) return new HttpError(503, 'chain_unavailable', e.message);
  log.error(event, { ...fields, error: (e as Error)?.name ?? 'unknown' });
  return new HttpError(500, 'internal', 'internal error');
}

/** The refusal of a challenge that cannot be used (shared with the relay). */
export function challengeError(refusal: ChallengeRefusal): HttpError {
  switch (refusal) {
    case 'busy':
      return new HttpError(503, 'busy', 'too many signed reads within the challenge TTL; try again later');
    case 'unknown':
      return new HttpError(401, 'unknown_challenge', 'this gateway did not issue this challenge (or forgot it): get a new one');
    case 'expired':
      return new HttpError(401, 'challenge_expired', 'the challenge has expired: get a new one');
    case 'used':
      return new HttpError(401, 'challenge_used', 'the challenge was already used (a replayed request?): get a new one');
  }
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': String(Buffer.byteLength(text)),
    'cache-control': 'no-store',
  });
  res.end(text);
}

/** Starts the HTTP API on `host:port` (0: a free port). */
export async function startApi(deps: ApiDeps, host: string, port: number): Promise<GatewayApi> {
  const challenges = deps.challenges
    ?? new ChallengeStore(deps.options.challengeTtlMs, deps.options.maxChallenges, deps.now ?? Date.now);
  const server = createServer(createHandler({ ...deps, challenges }));
  await new Promise<void>((resolveListen, rejectListen) => {
    server.once('error', rejectListen);
    server.listen(port, host, () => resolveListen());
  });
  const address = server.address() as AddressInfo;
  return {
    server,
    challenges,
    url: `http://${host.includes(':') ? `[${host}]` : host}:${address.port}`,
    close: () => new Promise<void>((resolveClose) => {
      server.closeAllConnections();
      server.close(() => resolveClose());
    }),
  };
}
