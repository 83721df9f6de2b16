/**
 * The embedded IPFS node: Helia with a libp2p host on loopback TCP only (no public bootstrap,
 * no DHT, no mDNS, no HTTP gateways or delegated routing), blocks and the node's key on disk,
 * blobs exchanged with explicitly configured peers over bitswap.
 *
 * @module
 */

import { join } from 'node:path';
import { mkdir } from 'node:fs/promises';
import { createHeliaLight, type Helia } from 'helia';
import { withLibp2pLight, type HeliaWithLibp2p } from '@helia/libp2p';
import { withBitswap } from '@helia/bitswap';
import { unixfs, type UnixFS } from '@helia/unixfs';
import { tcp } from '@libp2p/tcp';
import { identify } from '@libp2p/identify';
import { noise } from '@chainsafe/libp2p-noise';
import { yamux } from '@chainsafe/libp2p-yamux';
import { multiaddr, type Multiaddr } from '@multiformats/multiaddr';
import { FsBlockstore } from 'blockstore-fs';
import { FsDatastore } from 'datastore-fs';
import type { Logger } from './log.ts';
import { OversizeBlobError, type BlobStore } from './store.ts';


/** Where and how the IPFS node runs. */
export interface IpfsOptions {
  /** Directory for blocks (`blocks/`) and the node's datastore with its key (`datastore/`). */
  dataDir: string;
  /** Host for the libp2p TCP listener; loopback by default. */
  listenHost: string;
  /** Port for the libp2p TCP listener; 0 picks a free one. */
  listenPort: number;
  /** Multiaddrs (with `/p2p/<peer id>`) of the other gateways' IPFS nodes, dialled and redialled. */
  peers: string[];
  /** How often to redial a configured peer that is not connected, in milliseconds. */
  redialMs: number;
}

/** Starts the IPFS node and dials the configured peers. */
export async function startIpfs(options: IpfsOptions, log: Logger): Promise<BlobStore> {
  const blocksDir = join(options.dataDir, 'blocks');
  const datastoreDir = join(options.dataDir, 'datastore');
  await mkdir(blocksDir, { recursive: true });
  await mkdir(datastoreDir, { recursive: true });
  const blockstore = new FsBlockstore(blocksDir);
  const datastore = new FsDatastore(datastoreDir);
  await blockstore.open();
  await datastore.open();

  const helia: Helia & HeliaWithLibp2p<{ identify: ReturnType<ReturnType<typeof identify>> }> =
    withBitswap(
      withLibp2pLight(createHeliaLight({ blockstore, datastore }), {
        addresses: { listen: [`/ip4/${options.listenHost}/tcp/${options.listenPort}`] },
        transports: [tcp()],
        connectionEncrypters: [noise()],
        streamMuxers: [yamux()],
        peerDiscovery: [],
        services: { identify: identify() },
      }),
    );
  await helia.start();
  const fs: UnixFS = unixfs(helia);

  const peers: Multiaddr[] = options.peers.map((p) => multiaddr(p));
  const dialAll = async (): Promise<void> => {
    for (const peer of peers) {
      const id = peer.getComponents().find((c) => c.name === 'p2p')?.value;
      if (id !== undefined && helia.libp2p.getConnections().some((c) => c.remotePeer.toString() === id)) {
        continue;
      }
      try {
        await helia.libp2p.dial(peer, { signal: AbortSignal.timeout(5_000) });
        log.info('ipfs.peer_connected', { peer: peer.toString() });
      } catch (e) {
        log.warn('ipfs.peer_unreachable', { peer: peer.toString(), reason: (e as Error).name });
      }
    }
  };
  await dialAll();
  const timer = setInterval(() => void dialAll(), options.redialMs);
  timer.unref();

  return {
    async put(bytes) {
      return await fs.addBytes(bytes, { cidVersion: 1, rawLeaves: true });
    },
    async get(cid, maxBytes, signal) {
      const chunks: Uint8Array[] = [];
      let total = 0;
      for await (const chunk of fs.cat(cid, { signal })) {
        total += chunk.length;
        if (total > maxBytes) throw new OversizeBlobError(`blob larger than ${maxBytes} bytes`);
        chunks.push(chunk);
      }
      const out = new Uint8Array(total);
      let at = 0;
      for (const c of chunks) {
        out.set(c, at);
        at += c.length;
      }
      return out;
    },
    info() {
      const peerId = helia.libp2p.peerId.toString();
      return {
        peerId,
        addresses: helia.libp2p.getMultiaddrs().map((a) => a.toString()),
        connectedPeers: helia.libp2p.getPeers().length,
      };
    },
    async stop() {
      clearInterval(timer);
      await helia.stop();
      await blockstore.close();
      await datastore.close();
    },
  };
}
