/**
 * A whole gateway: chain connection, IPFS node and HTTP API, started and stopped together.
 *
 * @module
 */

import { cryptoWaitReady } from '@polkadot/util-crypto';
import { SdkChain, type GatewayChain } from './chain.ts';
import type { Config } from './config.ts';
import { startIpfs } from './ipfs.ts';
import type { BlobStore } from './store.ts';
import type { Logger } from './log.ts';
import { attachRelay, type Relay } from './relay.ts';
import { startApi, type GatewayApi } from './server.ts';

/** A running gateway. */
export interface Gateway {
  /** The HTTP API's URL. */
  url: string;
  chain: GatewayChain;
  store: BlobStore;
  api: GatewayApi;
  /** The consultation relay on the API's server. */
  relay: Relay;
  /** Stops the relay, the API, the IPFS node and the chain connection, in that order. */
  stop(): Promise<void>;
}

/**
 * Starts a gateway from `config`. `chain` replaces the connection the gateway would make (a test
 * double, or an {@link SdkChain} the caller shares). Whatever started is stopped again if a later part fails.
 */
export async function startGateway(config: Config, log: Logger, chain?: GatewayChain): Promise<Gateway> {
  await cryptoWaitReady();
  const ownChain = chain === undefined;
  const connected = chain ?? (await SdkChain.connect(config.nodeWs, config.chainTimeoutMs));
  let store: BlobStore | undefined;
  try {
    store = await startIpfs({
      dataDir: config.dataDir,
      listenHost: config.ipfsHost,
      listenPort: config.ipfsPort,
      peers: config.peers,
      redialMs: config.redialMs,
    }, log);
    const api = await startApi({ chain: connected, store, log, options: config }, config.host, config.port);
    const relay = attachRelay(api.server, { chain: connected, log, challenges: api.challenges, options: config });
    const info = store.info();
    log.info('gateway.started', { url: api.url, peerId: info.peerId, ipfs: info.addresses.join(' '), node: config.nodeWs });
    const running = store;
    return {
      url: api.url,
      chain: connected,
      store: running,
      api,
      relay,
      async stop() {
        relay.close();
        await api.close();
        await running.stop();
        if (ownChain) await connected.close();
        log.info('gateway.stopped', {});
      },
    };
  } catch (e) {
    await store?.stop().catch(() => {});
    if (ownChain) await connected.close().catch(() => {});
    throw e;
  }
}
