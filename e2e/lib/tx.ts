// Sending transactions the way a dApp does, and reading back what happened.

import type { ApiPromise } from '@polkadot/api';
import type { SubmittableExtrinsic } from '@polkadot/api/types';
import type { ISubmittableResult } from '@polkadot/types/types';
import type { KeyringPair } from '@polkadot/keyring/types';
import { withSignerLock } from './signer-lock.ts';

export interface Outcome {
  /** The block that included the transaction. */
  blockHash: string;
  /** `section.method` of every event of the transaction. */
  events: string[];
  /** The transaction's events with their data, as JSON. */
  eventData: { name: string; data: unknown }[];
  /** `section.Error` when the call failed in dispatch (the fee is paid, nothing else changes). */
  error?: string;
}

/**
 * Signs and sends `tx`, resolving once it is in a block (or, with `finalized`, in a finalised
 * block). A dispatch failure resolves with `error` set; an invalid or dropped transaction
 * rejects. Submissions of one signer are ordered (lib/signer-lock.ts), also across the processes
 * of suites that share a node.
 */
export function submit(
  api: ApiPromise,
  tx: SubmittableExtrinsic<'promise'>,
  signer: KeyringPair,
  { finalized = false } = {},
): Promise<Outcome> {
  return new Promise((resolveTx, rejectTx) => {
    const onStatus = ({ status, events, dispatchError }: ISubmittableResult) => {
      if (status.isInvalid || status.isDropped || status.isUsurped) {
        rejectTx(new Error(`transaction ${status.type}`));
        return;
      }
      const done = finalized ? status.isFinalized : status.isInBlock || status.isFinalized;
      if (!done) return;
      let error: string | undefined;
      if (dispatchError) {
        if (dispatchError.isModule) {
          const meta = api.registry.findMetaError(dispatchError.asModule);
          error = `${meta.section}.${meta.name}`;
        } else {
          error = dispatchError.toString();
        }
      }
      resolveTx({
        blockHash: (status.isFinalized ? status.asFinalized : status.asInBlock).toHex(),
        events: events.map(({ event }) => `${event.section}.${event.method}`),
        eventData: events.map(({ event }) => ({
          name: `${event.section}.${event.method}`,
          data: event.data.toJSON(),
        })),
        error,
      });
    };
    // The nonce is asked for here, not left to `signAndSend`: @polkadot/api keeps its derived
    // signing info for a moment, so two quick submissions of one signer would take one nonce.
    // The signer's lock is held until the pool reports the transaction (its first status).
    withSignerLock(signer.address, async () => {
      const nonce = await api.rpc.system.accountNextIndex(signer.address);
      await new Promise<void>((pooled, failed) => {
        tx.signAndSend(signer, { nonce }, (result) => {
          pooled();
          onStatus(result);
        }).catch(failed);
      });
    }).catch(rejectTx);
  });
}

/** Like `submit`, but a dispatch failure rejects. */
export async function submitOk(
  api: ApiPromise,
  tx: SubmittableExtrinsic<'promise'>,
  signer: KeyringPair,
  options: { finalized?: boolean } = {},
): Promise<Outcome> {
  const outcome = await submit(api, tx, signer, options);
  if (outcome.error) throw new Error(`${tx.method.section}.${tx.method.method} failed: ${outcome.error}`);
  return outcome;
}

/** The chain's clock (`timestamp.now`) at the best block, in milliseconds. */
export async function chainNow(api: ApiPromise): Promise<number> {
  return (await api.query.timestamp.now()).toNumber();
}
