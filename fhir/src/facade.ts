/**
 * A whole facade: the chain connection (the SDK's, waited for like the gateway's) and the HTTP
 * API, started and stopped together.
 *
 * @module
 */

import { cryptoWaitReady } from '@polkadot/util-crypto';
import { GatewayBlobStore, type TelemedChain } from '@telemed/sdk';
import { connectChain } from '../../gateway/src/chain.ts';
import type { Logger } from '../../gateway/src/log.ts';
import { SdkFhirChain } from './chain.ts';
import type { FhirConfig } from './config.ts';
import { startApi, type FhirApi } from './server.ts';

/** A running facade. */
export interface Facade {
  url: string;
  api: FhirApi;
  stop(): Promise<void>;
}

/** Starts the facade; `chain` replaces the connection it would make (the caller closes it). */
export async function startFacade(config: FhirConfig, log: Logger, chain?: TelemedChain): Promise<Facade> {
  await cryptoWaitReady();
  const connected = chain ?? (await connectChain(config.nodeWs));
  try {
    const fhirChain = new SdkFhirChain(connected, config.chainConcurrency);
    const signers = new Map(config.signers.map((a) => [connected.address(a.signer.address), a]));
    const api = await startApi({
      chain: fhirChain,
      log,
      ...(config.baseUrl ? { baseUrl: config.baseUrl } : {}),
      gatewayUrl: config.gatewayUrl,
      signers,
      storeFor: (actor, reading) => {
        const store = new GatewayBlobStore(config.gatewayUrl, actor.signer, connected.genesisHash);
        return reading === undefined ? store : store.reading(reading);
      },
      clockSkewMs: config.clockSkewMs,
      maxBodyBytes: config.maxBodyBytes,
      requestTimeoutMs: config.requestTimeoutMs,
      maxBatchEntries: config.maxBatchEntries,
      headersTimeoutMs: config.headersTimeoutMs,
      receiveTimeoutMs: config.receiveTimeoutMs,
      maxConnections: config.maxConnections,
      maxNoncesPerAccount: config.maxNoncesPerAccount,
      chainConcurrency: config.chainConcurrency,
      maxHeavyRequests: config.maxHeavyRequests,
      drainTimeoutMs: config.drainTimeoutMs,
      maxKeysPerCaller: config.maxKeysPerCaller,
      ...(config.tls ? { tls: config.tls } : {}),
    }, config.host, config.port);
    log.info('fhir.started', { url: api.url, node: config.nodeWs, heldKeys: signers.size });
    return {
      url: api.url,
      api,
      async stop() {
        await api.close();
        if (!chain) await connected.disconnect();
        log.info('fhir.stopped', {});
      },
    };
  } catch (e) {
    if (!chain) await connected.disconnect().catch(() => {});
    throw e;
  }
}
