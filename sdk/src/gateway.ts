/**
 * A blob gateway's signed HTTP API (gateway/README.md, "API"), as its clients call it: the
 * messages a request signs, the requests, and the SDK's {@link BlobStore} over them. One client
 * for Node ≥ 20 and browsers (the global `fetch` and `crypto.getRandomValues`), acting as a
 * signer that may be a `KeyringPair` or a browser wallet's raw signer: the gateway's own tests,
 * the end-to-end tests, the FHIR facade and the web app all use this one.
 *
 * - A write (`PUT /blobs`) is signed over a fresh timestamp and 16 random bytes (a nonce).
 * - A read is signed over a single-use challenge (`GET /challenge`): a record version's blob
 *   (`GET /records/{id}/blob`, for a purpose of use; the gateway asks the chain whether the
 *   reader may read that version now) or a prescription's (`GET /prescriptions/{id}/blob`; the
 *   patient's or the prescriber's only). The gateway serves a blob only if its `blake2_256` is
 *   the one the chain keeps.
 *
 * @module
 */

import { blake2b } from '@noble/hashes/blake2.js';

import { fromHex, toHex } from './bytes.ts';
import { BlobNotFoundError, type BlobStore } from './flows/blob-store.ts';
import { signedMessage } from './signed-request.ts';

/** The first line of every message signed for a gateway. */
export const GATEWAY_DOMAIN = 'telemed-gateway/v1';

/** The headers of a signed request. */
export const GATEWAY_HEADERS = {
  account: 'x-telemed-account',
  timestamp: 'x-telemed-timestamp',
  nonce: 'x-telemed-nonce',
  signature: 'x-telemed-signature',
  challenge: 'x-telemed-challenge',
} as const;

/** The scheme of the locators a {@link GatewayBlobStore} seals: `ipfs://<cid>`. */
export const GATEWAY_LOCATOR_SCHEME = 'ipfs://';

/** Who signs gateway requests: an sr25519 account (a `KeyringPair`, or a wallet's raw signer). */
export interface GatewaySigner {
  /** SS58 address. */
  address: string;
  /** The sr25519 signature of `message` (raw, or `<Bytes>`-wrapped as wallets sign). */
  sign(message: Uint8Array): Uint8Array | Promise<Uint8Array>;
}

/** What a write signs. */
export interface WriteMessage {
  /** The chain's genesis hash (32 bytes). */
  genesisHash: Uint8Array;
  /** Milliseconds since the Unix epoch, as the client's clock reads it. */
  timestamp: number;
  /** 16 random bytes, never reused by the account within the freshness window. */
  nonce: Uint8Array;
  /** The body (the ciphertext). */
  body: Uint8Array;
}

/** The bytes a write signs: `PUT /blobs`, genesis, timestamp, nonce, `blake2_256(body)`. */
export function writeMessage(m: WriteMessage): Uint8Array {
  return signedMessage(GATEWAY_DOMAIN, 'PUT /blobs', [
    ['genesis', toHex(m.genesisHash)],
    ['timestamp', String(m.timestamp)],
    ['nonce', toHex(m.nonce)],
    ['body', toHex(blake2b(m.body, { dkLen: 32 }))],
  ]);
}

/** What a read of a record version's blob signs. */
export interface ReadMessage {
  /** The chain's genesis hash (32 bytes). */
  genesisHash: Uint8Array;
  /** The challenge from `GET /challenge` (32 bytes). */
  challenge: Uint8Array;
  /** The record version asked for. */
  recordId: bigint;
  /** The CID asked for, as in the query. */
  cid: string;
  /** The purpose of use, as in the query. */
  purpose: string;
}

/** The bytes a record read signs: `GET /records/{id}/blob`, genesis, challenge, CID, purpose. */
export function readMessage(m: ReadMessage): Uint8Array {
  return signedMessage(GATEWAY_DOMAIN, `GET /records/${m.recordId}/blob`, [
    ['genesis', toHex(m.genesisHash)],
    ['challenge', toHex(m.challenge)],
    ['cid', m.cid],
    ['purpose', m.purpose],
  ]);
}

/** What a read of a prescription's blob signs. */
export interface PrescriptionReadMessage {
  /** The chain's genesis hash (32 bytes). */
  genesisHash: Uint8Array;
  /** The challenge from `GET /challenge` (32 bytes). */
  challenge: Uint8Array;
  /** The open prescription version asked for. */
  prescription: bigint;
  /** The CID asked for, as in the query. */
  cid: string;
}

/** The bytes a prescription read signs: `GET /prescriptions/{id}/blob`, genesis, challenge, CID. */
export function prescriptionReadMessage(m: PrescriptionReadMessage): Uint8Array {
  return signedMessage(GATEWAY_DOMAIN, `GET /prescriptions/${m.prescription}/blob`, [
    ['genesis', toHex(m.genesisHash)],
    ['challenge', toHex(m.challenge)],
    ['cid', m.cid],
  ]);
}

/** A gateway's refusal: its status and JSON reason (gateway/README.md, "Errors"). */
export class GatewayError extends Error {
  /**
   * @param status - the HTTP status
   * @param reason - the JSON body's `reason`
   * @param message - the JSON body's `message`
   */
  constructor(
    readonly status: number,
    readonly reason: string,
    message: string,
  ) {
    super(`${status} ${reason}: ${message}`);
    this.name = 'GatewayError';
  }
}

async function refusal(res: Response): Promise<GatewayError> {
  const text = await res.text();
  try {
    const body = JSON.parse(text) as { reason?: string; message?: string };
    return new GatewayError(res.status, body.reason ?? 'unknown', body.message ?? text);
  } catch {
    return new GatewayError(res.status, 'unknown', text);
  }
}

function base(url: string): string {
  return url.replace(/\/$/, '');
}

/**
 * A fresh single-use challenge from the gateway at `url` (`GET /challenge`).
 *
 * @throws {@link GatewayError} if the gateway refuses (`503 busy`…)
 */
export async function fetchChallenge(url: string): Promise<Uint8Array> {
  const res = await fetch(`${base(url)}/challenge`);
  if (res.status !== 200) throw await refusal(res);
  return fromHex(((await res.json()) as { challenge: string }).challenge);
}

/** The headers of a signed write of `body` (`timestamp` and `nonce` fresh unless given, for tests). */
export async function signWrite(
  signer: GatewaySigner,
  genesisHash: Uint8Array,
  body: Uint8Array,
  { timestamp = Date.now(), nonce = crypto.getRandomValues(new Uint8Array(16)) } = {},
): Promise<Record<string, string>> {
  const signature = await signer.sign(writeMessage({ genesisHash, timestamp, nonce, body }));
  return {
    [GATEWAY_HEADERS.account]: signer.address,
    [GATEWAY_HEADERS.timestamp]: String(timestamp),
    [GATEWAY_HEADERS.nonce]: toHex(nonce),
    [GATEWAY_HEADERS.signature]: toHex(signature),
  };
}

/**
 * Stores `body` (a padded ciphertext) at the gateway `url` as `signer` (a registered patient or
 * a licensed practitioner); resolves to its CID.
 *
 * @throws {@link GatewayError}
 */
export async function putBlob(url: string, signer: GatewaySigner, genesisHash: Uint8Array, body: Uint8Array): Promise<string> {
  const res = await fetch(`${base(url)}/blobs`, {
    method: 'PUT',
    headers: { 'content-type': 'application/octet-stream', ...(await signWrite(signer, genesisHash, body)) },
    body: body as Uint8Array<ArrayBuffer>,
  });
  if (res.status !== 201) throw await refusal(res);
  return ((await res.json()) as { cid: string }).cid;
}

/** What a read is of: a record version (for a purpose of use) or an open prescription. */
export type BlobTarget =
  | { kind: 'record'; id: bigint; purpose?: string }
  | { kind: 'prescription'; id: bigint };

/** The path and headers of a signed read of `target`'s blob `cid` over `challenge` (exported for tests). */
export async function signRead(
  signer: GatewaySigner,
  genesisHash: Uint8Array,
  challenge: Uint8Array,
  target: BlobTarget,
  cid: string,
): Promise<{ path: string; headers: Record<string, string> }> {
  let message: Uint8Array;
  let path: string;
  if (target.kind === 'record') {
    const purpose = target.purpose ?? 'Treatment';
    message = readMessage({ genesisHash, challenge, recordId: target.id, cid, purpose });
    path = `/records/${target.id}/blob?cid=${encodeURIComponent(cid)}&purpose=${encodeURIComponent(purpose)}`;
  } else {
    message = prescriptionReadMessage({ genesisHash, challenge, prescription: target.id, cid });
    path = `/prescriptions/${target.id}/blob?cid=${encodeURIComponent(cid)}`;
  }
  const signature = await signer.sign(message);
  return {
    path,
    headers: {
      [GATEWAY_HEADERS.account]: signer.address,
      [GATEWAY_HEADERS.challenge]: toHex(challenge),
      [GATEWAY_HEADERS.signature]: toHex(signature),
    },
  };
}

/**
 * Reads `target`'s blob `cid` through the gateway at `url` as `signer`, over a fresh challenge.
 *
 * @throws {@link GatewayError} (`403 forbidden`, `404 unknown_record`, `409 blob_mismatch`…)
 */
export async function readBlob(
  url: string,
  signer: GatewaySigner,
  genesisHash: Uint8Array,
  target: BlobTarget,
  cid: string,
): Promise<Uint8Array> {
  const challenge = await fetchChallenge(url);
  const { path, headers } = await signRead(signer, genesisHash, challenge, target, cid);
  const res = await fetch(`${base(url)}${path}`, { headers });
  if (res.status !== 200) throw await refusal(res);
  return new Uint8Array(await res.arrayBuffer());
}

/** The CID a gateway locator names. @throws {@link BlobNotFoundError} for another locator */
export function cidOf(locator: string): string {
  if (!locator.startsWith(GATEWAY_LOCATOR_SCHEME)) throw new BlobNotFoundError(locator, 'not a gateway locator');
  return locator.slice(GATEWAY_LOCATOR_SCHEME.length);
}

/**
 * The SDK's {@link BlobStore} over a gateway, acting as `signer`: `put` is a signed write (the
 * locator is `ipfs://<cid>`: content addressed, any gateway of the network serves it); `get` a
 * signed read, which the gateway allows only for what the signer may read now, so a store that
 * reads names what it reads ({@link GatewayBlobStore.reading},
 * {@link GatewayBlobStore.readingPrescription}). The gateway has no delete yet
 * (gateway/README.md): `delete` only forgets.
 */
export class GatewayBlobStore implements BlobStore {
  /**
   * @param url - the gateway's base URL
   * @param signer - who signs the requests
   * @param genesisHash - the chain's genesis hash (32 bytes)
   * @param target - what a read is of (none: the store only writes)
   */
  constructor(
    readonly url: string,
    readonly signer: GatewaySigner,
    readonly genesisHash: Uint8Array,
    readonly target?: BlobTarget,
  ) {}

  /** The same store, reading record version `version` for `purpose`. */
  reading(version: bigint, purpose = 'Treatment'): GatewayBlobStore {
    return new GatewayBlobStore(this.url, this.signer, this.genesisHash, { kind: 'record', id: version, purpose });
  }

  /** The same store, reading open prescription version `id` (its patient or prescriber). */
  readingPrescription(id: bigint): GatewayBlobStore {
    return new GatewayBlobStore(this.url, this.signer, this.genesisHash, { kind: 'prescription', id });
  }

  async put(ciphertext: Uint8Array): Promise<string> {
    return `${GATEWAY_LOCATOR_SCHEME}${await putBlob(this.url, this.signer, this.genesisHash, ciphertext)}`;
  }

  async get(locator: string): Promise<Uint8Array> {
    const cid = cidOf(locator);
    if (this.target === undefined) {
      throw new Error('a gateway read names what it reads: use reading(version) or readingPrescription(id)');
    }
    return await readBlob(this.url, this.signer, this.genesisHash, this.target, cid);
  }

  async delete(_locator: string): Promise<void> {
    // The gateway keeps every blob it stored (no DELETE yet, gateway/README.md): nothing to do.
  }
}
