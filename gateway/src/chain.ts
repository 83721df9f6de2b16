/**
 * Chain access for the gateway through the SDK's chain client (`TelemedChain` of
 * `@telemed/sdk`: connection, metadata check, the runtime API calls and their decoding), behind
 * the small interface the HTTP API and its tests use ({@link GatewayChain}). Every request asks
 * at ONE best block ({@link GatewayChain.atBest}, the SDK's `TelemedChain.at`) so the checks of
 * a request agree with each other.
 *
 * What the gateway adds is availability: every call is bounded by a timeout, and a node that is
 * not connected, does not answer in time, or whose connection drops while a call is waiting,
 * is a {@link ChainUnavailableError} (the API answers `503 chain_unavailable`).
 *
 * @module
 */

import { billing, consent, MetadataMismatchError, practitioners, prescriptions, records, TelemedChain } from '@telemed/sdk';
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

/**
 * Waits (at most `timeoutMs`) until a WebSocket to `url` opens: a node that is still starting
 * is waited for, since @polkadot/api gives up on a first failed connection.
 *
 * @throws {@link ChainUnavailableError} when it does not open in time
 */
export async function waitForNode(url: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await wsOpens(url))) {
    if (Date.now() > deadline) throw new ChainUnavailableError(`cannot connect to ${url} within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

/**
 * Connects the SDK's client to `url`, waiting for a node that is still starting.
 *
 * @throws {@link ChainUnavailableError} when the node cannot be reached within
 *   `connectTimeoutMs`; the SDK's `MetadataMismatchError` when the runtime has drifted from it
 */
export async function connectChain(url: string, connectTimeoutMs = 30_000): Promise<TelemedChain> {
  await waitForNode(url, connectTimeoutMs);
  try {
    return await TelemedChain.connect(url);
  } catch (e) {
    if (e instanceof MetadataMismatchError) throw e;
    throw new ChainUnavailableError(`cannot connect to ${url}: ${String((e as Error)?.message ?? e)}`);
  }
}

/** A licence status as `PractitionersApi.licence_status` gives it in JSON. */
interface LicenceJson {
  registered?: unknown;
  licensed?: unknown;
}

/** The gateway's {@link GatewayChain} on the SDK's chain client. */
export class SdkChain implements GatewayChain {
  readonly genesisHash: Uint8Array;

  /**
   * @param chain - a connected SDK client (closed by {@link SdkChain.close})
   * @param timeoutMs - the longest wait for one answer
   */
  constructor(
    readonly chain: TelemedChain,
    private readonly timeoutMs: number,
  ) {
    this.genesisHash = chain.genesisHash;
  }

  /** {@link connectChain}, then the adapter. */
  static async connect(url: string, timeoutMs: number, connectTimeoutMs = 30_000): Promise<SdkChain> {
    return new SdkChain(await connectChain(url, connectTimeoutMs), timeoutMs);
  }

  /** `promise()` within the timeout; any failure (or not being connected) is {@link ChainUnavailableError}. */
  private ask<T>(promise: () => Promise<T>, what: string): Promise<T> {
    if (!this.chain.api.isConnected) return Promise.reject(new ChainUnavailableError('not connected to the chain node'));
    return withTimeout(
      promise().catch((e: unknown) => {
        throw e instanceof ChainUnavailableError ? e : new ChainUnavailableError(`${what} failed: ${(e as Error)?.message ?? String(e)}`);
      }),
      this.timeoutMs,
      what,
    );
  }

  async atBest(): Promise<ChainAt> {
    const header = await this.ask(() => this.chain.api.rpc.chain.getHeader(), 'the best block');
    const blockHash = header.hash.toHex();
    const at = await this.ask(() => this.chain.at(blockHash), 'the runtime at the best block');
    return {
      blockHash,
      isPatient: async (who) => (await this.ask(() => records.patient(at, who), 'RecordsApi.patient')) !== null,
      licenceStatus: async (who) => {
        const json = (await this.ask(() => practitioners.licenceStatus(at, who), 'PractitionersApi.licence_status')) as LicenceJson | null;
        return { registered: json?.registered === true, licensed: json?.licensed === true };
      },
      recordVersion: async (id) => {
        const history = await this.ask(() => records.recordHistory(at, id), 'RecordsApi.record_history');
        const version = history.find((v) => v.id === id);
        if (version === undefined) return undefined;
        return {
          id,
          patient: at.accountId(version.patient),
          tag: version.tag,
          record: version.record,
          ciphertextHash: version.ciphertextHash,
          sizeClass: version.sizeClass,
          hasLocator: version.locator.length > 0,
        };
      },
      checkRead: async (accessor, version, purpose) => {
        const answer = await this.ask(
          () => consent.checkAccess(at, accessor, version.patient, 'Read', { record: { tag: version.tag, record: version.record } }, purpose),
          'ConsentApi.check_access',
        );
        if ('ok' in answer) return { allowed: true, basis: JSON.stringify(answer.ok) };
        return { allowed: false, denial: answer.err };
      },
      consultation: async (id) => {
        const found = await this.ask(() => billing.consultation(at, id), 'billing.consultations');
        if (found === null) return undefined;
        return { patient: at.accountId(found.patient), practitioner: at.accountId(found.practitioner), accepted: found.status === 'Accepted' };
      },
      prescription: async (id) => {
        const found = await this.ask(() => prescriptions.stored(at, id), 'prescriptions.prescriptions');
        if (found === null) return undefined;
        return {
          patient: at.accountId(found.patient),
          prescriber: at.accountId(found.prescriber),
          ciphertextHash: found.ciphertextHash ?? undefined,
        };
      },
    };
  }

  async close(): Promise<void> {
    await this.chain.disconnect();
  }
}
