/**
 * Chain access for the gateway, behind a small interface ({@link GatewayChain}) so that the
 * SDK's chain client can replace this adapter later. The adapter here uses @polkadot/api and
 * the runtime APIs the node exposes (`RecordsApi`, `PractitionersApi`, `ConsentApi`), all asked
 * at ONE best block per request ({@link GatewayChain.atBest}) so the checks of a request agree
 * with each other.
 *
 * Every call is bounded by a timeout; a node that is not connected, or that does not answer in
 * time, or a connection that drops while a call is waiting, is a {@link ChainUnavailableError}.
 *
 * @module
 */

import { ApiPromise, WsProvider } from '@polkadot/api';
import { hexToU8a, u8aToHex } from '@polkadot/util';
import { decodeAddress } from '@polkadot/util-crypto';
import {
  ChainUnavailableError, withTimeout, type ChainAt, type GatewayChain,
} from './chain-interface.ts';

export * from './chain-interface.ts';

/** Whether a WebSocket to `url` opens within 2 s (Node >= 22 has `WebSocket`). */
function wsOpens(url: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = new WebSocket(url);
    const done = (ok: boolean) => {
      clearTimeout(timer);
      socket.onopen = socket.onerror = null;
      socket.close();
      resolve(ok);
    };
    const timer = setTimeout(() => done(false), 2_000);
    socket.onopen = () => done(true);
    socket.onerror = () => done(false);
  });
}

/** A live version as `record_history`'s JSON gives it. */
interface RecordJson {
  patient: string;
  tag: string;
  ciphertextHash: string;
  sizeClass: number;
  locator: string;
  record: number | string;
}

/** The @polkadot/api adapter. */
export class PolkadotChain implements GatewayChain {
  readonly genesisHash: Uint8Array;

  private constructor(
    private readonly api: ApiPromise,
    private readonly timeoutMs: number,
  ) {
    this.genesisHash = api.genesisHash.toU8a();
  }

  /**
   * Connects to `url` and waits (at most `connectTimeoutMs`) for the API to be ready. Throws
   * {@link ChainUnavailableError} when it is not. Afterwards the provider reconnects by itself
   * when the connection drops; calls made meanwhile fail with {@link ChainUnavailableError}.
   */
  static async connect(url: string, timeoutMs: number, connectTimeoutMs = 30_000): Promise<PolkadotChain> {
    // A node that is still starting is waited for (a WebSocket opened every half second) before
    // the API connects, since the API gives up on a first failed connection.
    const deadline = Date.now() + connectTimeoutMs;
    while (!(await wsOpens(url))) {
      if (Date.now() > deadline) throw new ChainUnavailableError(`cannot connect to ${url} within ${connectTimeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 500));
    }
    const provider = new WsProvider(url, 1_000);
    const api = new ApiPromise({ provider, noInitWarn: true });
    api.on('error', () => {}); // reported per call instead
    try {
      await withTimeout(api.isReadyOrError, Math.max(deadline - Date.now(), 1_000), `connecting to ${url}`);
    } catch (e) {
      await api.disconnect().catch(() => {});
      throw e instanceof ChainUnavailableError ? e : new ChainUnavailableError(`cannot connect to ${url}: ${String((e as Error)?.message ?? e)}`);
    }
    return new PolkadotChain(api, timeoutMs);
  }

  async atBest(): Promise<ChainAt> {
    const ask = <T>(promise: () => Promise<T>, what: string): Promise<T> => {
      if (!this.api.isConnected) return Promise.reject(new ChainUnavailableError('not connected to the chain node'));
      return withTimeout(
        promise().catch((e: unknown) => {
          throw e instanceof ChainUnavailableError ? e : new ChainUnavailableError(`${what} failed: ${(e as Error).message}`);
        }),
        this.timeoutMs,
        what,
      );
    };
    const header = await ask(() => this.api.rpc.chain.getHeader(), 'the best block');
    const blockHash = header.hash.toHex();
    const at = await ask(() => this.api.at(blockHash), 'the runtime at the best block');
    // The runtime APIs come from the node's metadata (v15+), so they are not typed here.
    const call = at.call as unknown as Record<string, Record<string, (...args: unknown[]) => Promise<{ toJSON(): unknown; isSome?: boolean }>>>;
    const records = call['recordsApi']!;
    const practitioners = call['practitionersApi']!;
    const consent = call['consentApi']!;
    return {
      blockHash,
      isPatient: async (who) => {
        const answer = await ask(() => records['patient']!(u8aToHex(who)), 'RecordsApi.patient');
        return answer.isSome === true;
      },
      licenceStatus: async (who) => {
        const answer = await ask(() => practitioners['licenceStatus']!(u8aToHex(who)), 'PractitionersApi.licence_status');
        const json = answer.toJSON() as { registered: boolean; licensed: boolean };
        return { registered: json.registered === true, licensed: json.licensed === true };
      },
      recordVersion: async (id) => {
        const answer = await ask(() => records['recordHistory']!(id.toString()), 'RecordsApi.record_history');
        const history = answer.toJSON() as [number | string, RecordJson][];
        const entry = history.find(([versionId]) => BigInt(versionId) === id);
        if (entry === undefined) return undefined;
        const json = entry[1];
        return {
          id,
          patient: decodeAddress(json.patient),
          tag: hexToU8a(json.tag),
          record: BigInt(json.record),
          ciphertextHash: hexToU8a(json.ciphertextHash),
          sizeClass: json.sizeClass,
          hasLocator: hexToU8a(json.locator).length > 0,
        };
      },
      checkRead: async (accessor, version, purpose) => {
        const answer = await ask(
          () => consent['checkAccess']!(
            u8aToHex(accessor),
            u8aToHex(version.patient),
            'Read',
            { Record: { tag: u8aToHex(version.tag), record: version.record.toString() } },
            purpose,
          ),
          'ConsentApi.check_access',
        );
        const json = answer.toJSON() as { ok?: unknown; err?: unknown };
        if (json.ok !== undefined) return { allowed: true, basis: JSON.stringify(json.ok) };
        return { allowed: false, denial: JSON.stringify(json.err ?? json) };
      },
    };
  }

  async close(): Promise<void> {
    await this.api.disconnect();
  }
}
