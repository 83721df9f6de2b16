/**
 * A minimal client for the gateway's signed requests (what the SDK will wrap): builds the
 * messages of `auth.ts`, signs them and sends the requests with `fetch`.
 *
 * @module
 */

import { hexToU8a, u8aToHex } from '@polkadot/util';
import { randomBytes } from 'node:crypto';
import { readMessage, writeMessage } from './auth.ts';
import { HEADERS } from './server.ts';

/** An sr25519 signer: a `KeyringPair` of @polkadot/keyring is one. */
export interface Signer {
  /** SS58 address. */
  address: string;
  /** sr25519 signature of `message` (64 bytes). */
  sign(message: Uint8Array): Uint8Array;
}

/** A gateway's refusal: its status and JSON reason. */
export class GatewayError extends Error {
  constructor(
    readonly status: number,
    readonly reason: string,
    message: string,
  ) {
    super(`${status} ${reason}: ${message}`);
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

/** The headers of a signed `PUT /blobs` of `body` (exported for tests that tamper with them). */
export function signWrite(
  signer: Signer,
  genesisHash: Uint8Array,
  body: Uint8Array,
  { timestamp = Date.now(), nonce = new Uint8Array(randomBytes(16)) } = {},
): Record<string, string> {
  const signature = signer.sign(writeMessage({ genesisHash, timestamp, nonce, body }));
  return {
    [HEADERS.account]: signer.address,
    [HEADERS.timestamp]: String(timestamp),
    [HEADERS.nonce]: u8aToHex(nonce),
    [HEADERS.signature]: u8aToHex(signature),
  };
}

/** Stores `body` at the gateway `url`; resolves to its CID. Throws {@link GatewayError}. */
export async function putBlob(url: string, signer: Signer, genesisHash: Uint8Array, body: Uint8Array): Promise<string> {
  const res = await fetch(`${url}/blobs`, {
    method: 'PUT',
    headers: { 'content-type': 'application/octet-stream', ...signWrite(signer, genesisHash, body) },
    body,
  });
  if (res.status !== 201) throw await refusal(res);
  return ((await res.json()) as { cid: string }).cid;
}

/** A fresh challenge from the gateway at `url`. */
export async function getChallenge(url: string): Promise<Uint8Array> {
  const res = await fetch(`${url}/challenge`);
  if (res.status !== 200) throw await refusal(res);
  return hexToU8a(((await res.json()) as { challenge: string }).challenge);
}

/** The path and headers of a signed read over `challenge` (exported for tests). */
export function signRead(
  signer: Signer,
  genesisHash: Uint8Array,
  challenge: Uint8Array,
  recordId: bigint,
  cid: string,
  purpose = 'Treatment',
): { path: string; headers: Record<string, string> } {
  const signature = signer.sign(readMessage({ genesisHash, challenge, recordId, cid, purpose }));
  return {
    path: `/records/${recordId}/blob?cid=${encodeURIComponent(cid)}&purpose=${encodeURIComponent(purpose)}`,
    headers: {
      [HEADERS.account]: signer.address,
      [HEADERS.challenge]: u8aToHex(challenge),
      [HEADERS.signature]: u8aToHex(signature),
    },
  };
}

/** Reads record version `recordId`'s blob `cid` through the gateway at `url`. Throws {@link GatewayError}. */
export async function readBlob(
  url: string,
  signer: Signer,
  genesisHash: Uint8Array,
  recordId: bigint,
  cid: string,
  purpose = 'Treatment',
): Promise<Uint8Array> {
  const challenge = await getChallenge(url);
  const { path, headers } = signRead(signer, genesisHash, challenge, recordId, cid, purpose);
  const res = await fetch(`${url}${path}`, { headers });
  if (res.status !== 200) throw await refusal(res);
  return new Uint8Array(await res.arrayBuffer());
}
