/**
 * The blob store the HTTP API uses: IPFS (`ipfs.ts`) in the gateway, a Map in unit tests.
 *
 * @module
 */

import type { CID } from 'multiformats/cid';

/** A content-addressed blob store. */
export interface BlobStore {
  /** Stores `bytes`; resolves to its CID (v1, UnixFS, raw leaves). */
  put(bytes: Uint8Array): Promise<CID>;
  /**
   * The blob under `cid`, from the local blockstore or, through bitswap, from a peer; at most
   * `maxBytes` (an `OversizeBlobError` past it); aborts with `signal`.
   */
  get(cid: CID, maxBytes: number, signal: AbortSignal): Promise<Uint8Array>;
  /** This node's peer id and listen addresses (each with `/p2p/<peer id>`). */
  info(): { peerId: string; addresses: string[]; connectedPeers: number };
  /** Stops the node (and the redial loop). */
  stop(): Promise<void>;
}

/** A blob past the size the caller accepts. */
export class OversizeBlobError extends Error {
  override name = 'OversizeBlobError';
}
