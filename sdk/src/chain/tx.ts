/**
 * Sending transactions and reading what happened: a dispatch failure becomes a
 * {@link DispatchError} named `pallet.ErrorName`, decoded with the node's metadata.
 *
 * Caveat (@polkadot/api 16.5): the block that applies a runtime upgrade
 * (`system.applyAuthorizedUpgrade`, `setCode`) already reports the new runtime version, so the
 * API decodes that one block's events with the new runtime's registry although the old runtime
 * emitted them: they read as undecodable or misnamed, and so would a dispatch error. The SDK
 * sends no upgrade; a caller who does should not trust `send()`'s outcome for it and read the
 * result from state instead (`:code`, `system.lastRuntimeUpgrade`), as
 * e2e/tests/governance.test.ts does. Every later block decodes correctly.
 *
 * @module
 */

import type { SubmittableExtrinsic } from '@polkadot/api/types';
import type { DispatchError as DispatchErrorCodec, EventRecord } from '@polkadot/types/interfaces';
import { stringCamelCase } from '@polkadot/util';
import type { TelemedChain, Signer } from './client.ts';
import { DispatchError, NotFoundError, OutcomeUnknownError, TransactionError } from './errors.ts';

/** A transaction built with `chain.api.tx.<pallet>.<call>(…)`. */
export type Transaction = SubmittableExtrinsic<'promise'>;

/** One event of an included transaction, with its fields by name. */
export interface ChainEvent {
  /** The pallet, lower camel case (`records`). */
  pallet: string;
  /** The event variant (`RecordAdded`). */
  name: string;
  /**
   * The fields by their names in the metadata, lower camel case (`id`, `patientShare`…), as JSON
   * (ids are numbers or hex).
   */
  fields: Record<string, unknown>;
}

/** A transaction included in a block without a dispatch error. */
export interface Included {
  /** The block that included it. */
  blockHash: string;
  /** Its events, in order. */
  events: ChainEvent[];
}

/** Options of {@link send}. */
export interface SendOptions {
  /** Resolve once the block is finalised (default: once included in the best chain). */
  finalized?: boolean;
  /**
   * A mortal transaction valid for about this many blocks from the best block (rounded up to a
   * power of two by the era encoding); default: the API's default era. A short one keeps a
   * transaction that waits in the pool from landing long after the checks made before it.
   */
  mortality?: number;
  /**
   * Give up waiting after this many ms (counted from the call): an
   * {@link OutcomeUnknownError} with the extrinsic's hash once it was handed to the node, a
   * {@link TransactionError} before. Default: no deadline (but a lost connection still ends the
   * wait).
   */
  timeoutMs?: number;
}

/**
 * Submissions in flight, by signer address: a signer's next transaction is signed only once the
 * previous one reached the pool, so its nonce (the pool's next one) is never taken twice.
 */
const submitting = new Map<string, Promise<void>>();

/**
 * The next nonce of each signer, by chain: fetched once (`system_accountNextIndex`), then counted
 * here, since the pool's count lags a submission that has just been made. Forgotten when a
 * transaction is refused by the pool, so the next one asks the node again.
 */
const nextNonces = new WeakMap<TelemedChain, Map<string, number>>();

async function takeNonce(chain: TelemedChain, address: string): Promise<number> {
  let nonces = nextNonces.get(chain);
  if (!nonces) {
    nonces = new Map();
    nextNonces.set(chain, nonces);
  }
  const nonce = nonces.get(address) ?? (await chain.api.rpc.system.accountNextIndex(address)).toNumber();
  nonces.set(address, nonce + 1);
  return nonce;
}

function forgetNonce(chain: TelemedChain, address: string): void {
  nextNonces.get(chain)?.delete(address);
}

/** The hash of `tx` once it is signed (`0x…`), else undefined. */
function signedHash(tx: Transaction): string | undefined {
  try {
    return tx.isSigned ? tx.hash.toHex() : undefined;
  } catch {
    return undefined;
  }
}

/** The provider's `disconnected` event, where the API has events (a fake in a test may not). */
interface ConnectionEvents {
  on?(type: 'disconnected', handler: () => void): unknown;
  off?(type: 'disconnected', handler: () => void): unknown;
}

/**
 * Signs `tx` with `signer` and sends it. Transactions of one signer are submitted one after
 * another (without waiting for inclusion) with nonces counted by the SDK, so a caller may send
 * several at once (`Promise.all`) and they can land in the same block. Another program signing
 * with the same account at the same time would take the same nonces: one of the two is then
 * refused ({@link TransactionError}) and the next send asks the node again.
 *
 * The wait ends, whatever the node does, once `options.timeoutMs` has passed (counted from this
 * call, the wait behind the signer's earlier transactions included) or the provider reports
 * `disconnected` (a subscription to a transaction's status is not renewed on reconnection, so
 * without this the wait would never end). Before the transaction was handed to the node that is
 * a {@link TransactionError} (it was not sent); after, an {@link OutcomeUnknownError} with the
 * extrinsic's hash: it may still be included.
 *
 * @returns the block and the transaction's events
 * @throws {@link DispatchError} (`records.NoConsent`…) when the runtime refused it;
 *   {@link TransactionError} when the pool refused or dropped it, or it was not sent;
 *   {@link OutcomeUnknownError} when its outcome was not reported in time or the connection was lost
 */
export async function send(chain: TelemedChain, tx: Transaction, signer: Signer, options: SendOptions = {}): Promise<Included> {
  const call = `${tx.method.section}.${tx.method.method}`;
  const previous = submitting.get(signer.address) ?? Promise.resolve();
  let submitted!: () => void;
  const mine = new Promise<void>((r) => {
    submitted = r;
  });
  const queue = previous.then(() => mine);
  submitting.set(signer.address, queue);
  /** Lets the signer's next transaction be signed (idempotent). */
  const release = () => {
    submitted();
    if (submitting.get(signer.address) === queue) submitting.delete(signer.address);
  };
  const events = chain.api as unknown as ConnectionEvents;
  return new Promise<Included>((resolve, reject) => {
    let settled = false;
    /** `signAndSend` was called: from here on the transaction may be in the pool. */
    let handedOver = false;
    let txHash: string | undefined;
    let unsubscribe: (() => void) | undefined;
    const finish = (f: () => void) => {
      if (settled) return;
      settled = true;
      if (timer !== undefined) clearTimeout(timer);
      events.off?.('disconnected', onDisconnected);
      unsubscribe?.();
      release();
      f();
    };
    const giveUp = (reason: 'timeout' | 'disconnected') => {
      // The nonce counted for it may be unused (not sent) or used (sent): the node knows.
      forgetNonce(chain, signer.address);
      if (!handedOver) {
        finish(() => reject(new TransactionError(call, reason === 'timeout' ? 'not sent in time' : 'disconnected before it was sent')));
      } else {
        finish(() => reject(new OutcomeUnknownError(call, txHash ?? signedHash(tx), reason)));
      }
    };
    const onDisconnected = () => giveUp('disconnected');
    const timer = options.timeoutMs === undefined ? undefined : setTimeout(() => giveUp('timeout'), options.timeoutMs);
    events.on?.('disconnected', onDisconnected);
    (async () => {
      await previous;
      if (settled) return;
      const nonce = await takeNonce(chain, signer.address);
      if (settled) {
        forgetNonce(chain, signer.address);
        return;
      }
      handedOver = true;
      const u = await tx.signAndSend(signer, options.mortality === undefined ? { nonce } : { nonce, era: options.mortality }, (result) => {
        const { status, dispatchError } = result;
        txHash ??= (result as { txHash?: { toHex(): string } }).txHash?.toHex();
        if (status.isInvalid || status.isDropped || status.isUsurped) {
          forgetNonce(chain, signer.address);
          finish(() => reject(new TransactionError(call, status.type)));
          return;
        }
        const done = options.finalized ? status.isFinalized : status.isInBlock || status.isFinalized;
        if (!done) return;
        if (dispatchError) {
          finish(() => reject(decodeDispatchError(chain, dispatchError, call)));
          return;
        }
        const blockHash = (status.isFinalized ? status.asFinalized : status.asInBlock).toHex();
        finish(() => resolve({ blockHash, events: result.events.map(toChainEvent) }));
      });
      txHash ??= signedHash(tx);
      release();
      if (settled) u();
      else unsubscribe = u;
    })().catch((e: unknown) => {
      forgetNonce(chain, signer.address);
      finish(() => reject(new TransactionError(call, e instanceof Error ? e.message : String(e))));
    });
  });
}

/** Decodes a dispatch error with the chain's metadata. */
export function decodeDispatchError(chain: TelemedChain, error: DispatchErrorCodec, call: string): DispatchError {
  if (error.isModule) {
    const meta = chain.api.registry.findMetaError(error.asModule);
    return new DispatchError(meta.section, meta.name, call, meta.docs.join(' ').trim());
  }
  if (error.isToken) return new DispatchError('', `Token.${error.asToken.type}`, call);
  if (error.isArithmetic) return new DispatchError('', `Arithmetic.${error.asArithmetic.type}`, call);
  return new DispatchError('', error.type, call);
}

/** Every event of block `blockHash` (`system.events` there), decoded as {@link send} decodes them. */
export async function blockEvents(chain: TelemedChain, blockHash: string): Promise<ChainEvent[]> {
  const at = await chain.api.at(blockHash);
  const records = (await at.query.system!.events!()) as unknown as EventRecord[];
  return records.map(toChainEvent);
}

function toChainEvent({ event }: EventRecord): ChainEvent {
  const names = event.meta.fields.map((f, i) => (f.name.isSome ? stringCamelCase(f.name.unwrap().toString()) : String(i)));
  const values = event.data.toJSON() as unknown[];
  const fields: Record<string, unknown> = {};
  names.forEach((name, i) => {
    fields[name] = values[i];
  });
  return { pallet: event.section, name: event.method, fields };
}

/**
 * The first event `pallet.name` of an included transaction.
 *
 * @throws {@link NotFoundError} if it has none
 */
export function eventOf(included: Included, pallet: string, name: string): ChainEvent {
  const found = included.events.find((e) => e.pallet === pallet && e.name === name);
  if (!found) {
    throw new NotFoundError(`no ${pallet}.${name} among ${included.events.map((e) => `${e.pallet}.${e.name}`).join(', ')}`);
  }
  return found;
}

/** Whether an included transaction emitted `pallet.name`. */
export function hasEvent(included: Included, pallet: string, name: string): boolean {
  return included.events.some((e) => e.pallet === pallet && e.name === name);
}
