/**
 * The SDK's `BlobStore` over a gateway's signed HTTP API (gateway/README.md), from a browser:
 * `fetch`, `crypto.getRandomValues`, and a signer that may be a browser wallet (which signs raw
 * bytes wrapped in `<Bytes>…</Bytes>`; the gateway accepts both).
 *
 * The signed messages are those of gateway/src/auth.ts, which imports Node's crypto and cannot
 * be bundled; test/unit/gateway.test.ts checks that these are byte for byte the same.
 *
 * @module
 */

import { hexToU8a, u8aToHex } from '@polkadot/util';
import { blake2AsU8a } from '@polkadot/util-crypto';
import { BlobNotFoundError, type BlobStore, type PurposeOfUse, type RecordId } from '@telemed/sdk';

/** gateway/src/auth.ts `DOMAIN`. */
export const DOMAIN = 'telemed-gateway/v1';

/** The request headers (gateway/src/server.ts `HEADERS`). */
export const HEADERS = {
  account: 'x-telemed-account',
  timestamp: 'x-telemed-timestamp',
  nonce: 'x-telemed-nonce',
  signature: 'x-telemed-signature',
  challenge: 'x-telemed-challenge',
} as const;

/** Who signs gateway requests: an sr25519 account, raw signatures. */
export interface RawSigner {
  address: string;
  signRaw(message: Uint8Array): Promise<Uint8Array>;
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

/** The bytes a write signs. */
export function writeMessage(m: { genesisHash: Uint8Array; timestamp: number; nonce: Uint8Array; body: Uint8Array }): Uint8Array {
  return new TextEncoder().encode([
    DOMAIN,
    'PUT /blobs',
    `genesis:${u8aToHex(m.genesisHash)}`,
    `timestamp:${m.timestamp}`,
    `nonce:${u8aToHex(m.nonce)}`,
    `body:${u8aToHex(blake2AsU8a(m.body, 256))}`,
  ].join('\n'));
}

/** The bytes a read signs. */
export function readMessage(m: { genesisHash: Uint8Array; challenge: Uint8Array; recordId: bigint; cid: string; purpose: string }): Uint8Array {
  return new TextEncoder().encode([
    DOMAIN,
    `GET /records/${m.recordId}/blob`,
    `genesis:${u8aToHex(m.genesisHash)}`,
    `challenge:${u8aToHex(m.challenge)}`,
    `cid:${m.cid}`,
    `purpose:${m.purpose}`,
  ].join('\n'));
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

const IPFS = 'ipfs://';

/**
 * A `BlobStore` at the gateway `url`, acting as `signer`. A read names the record version (the
 * gateway checks the reader may read that version now): use {@link GatewayStore.reading}.
 */
export class GatewayStore implements BlobStore {
  constructor(
    readonly url: string,
    readonly signer: RawSigner,
    readonly genesisHash: Uint8Array,
    readonly version?: RecordId,
    readonly purpose: PurposeOfUse = 'Treatment',
  ) {}

  /** The same store, reading record version `version` for `purpose`. */
  reading(version: RecordId, purpose: PurposeOfUse = 'Treatment'): GatewayStore {
    return new GatewayStore(this.url, this.signer, this.genesisHash, version, purpose);
  }

  async put(ciphertext: Uint8Array): Promise<string> {
    const timestamp = Date.now();
    const nonce = crypto.getRandomValues(new Uint8Array(16));
    const signature = await this.signer.signRaw(writeMessage({ genesisHash: this.genesisHash, timestamp, nonce, body: ciphertext }));
    const res = await fetch(`${this.url}/blobs`, {
      method: 'PUT',
      headers: {
        'content-type': 'application/octet-stream',
        [HEADERS.account]: this.signer.address,
        [HEADERS.timestamp]: String(timestamp),
        [HEADERS.nonce]: u8aToHex(nonce),
        [HEADERS.signature]: u8aToHex(signature),
      },
      body: ciphertext as Uint8Array<ArrayBuffer>,
    });
    if (res.status !== 201) throw await refusal(res);
    return `${IPFS}${((await res.json()) as { cid: string }).cid}`;
  }

  async get(locator: string): Promise<Uint8Array> {
    if (this.version === undefined) throw new Error('a gateway read names the record version: use reading(version)');
    if (!locator.startsWith(IPFS)) throw new BlobNotFoundError(locator, 'not a gateway locator');
    const cid = locator.slice(IPFS.length);
    const res = await fetch(`${this.url}/challenge`);
    if (res.status !== 200) throw await refusal(res);
    const challenge = hexToU8a(((await res.json()) as { challenge: string }).challenge);
    const signature = await this.signer.signRaw(readMessage({
      genesisHash: this.genesisHash, challenge, recordId: this.version, cid, purpose: this.purpose,
    }));
    const path = `/records/${this.version}/blob?cid=${encodeURIComponent(cid)}&purpose=${encodeURIComponent(this.purpose)}`;
    const blob = await fetch(`${this.url}${path}`, {
      headers: {
        [HEADERS.account]: this.signer.address,
        [HEADERS.challenge]: u8aToHex(challenge),
        [HEADERS.signature]: u8aToHex(signature),
      },
    });
    if (blob.status !== 200) throw await refusal(blob);
    return new Uint8Array(await blob.arrayBuffer());
  }

  async delete(_locator: string): Promise<void> {
    // The gateway keeps every blob it stored (no DELETE yet, gateway/README.md): nothing to do.
  }
}
