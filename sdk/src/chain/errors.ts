/**
 * Typed errors of chain access. A call the runtime refuses becomes a {@link DispatchError}
 * named `pallet.ErrorName` (decoded from the node's metadata), so a caller can branch on
 * `error.pallet === 'records' && error.error === 'NoConsent'` instead of parsing messages.
 *
 * @module
 */

/** Base class of every error the chain layer throws. */
export class ChainError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/**
 * The runtime refused a transaction in dispatch (it was included and paid its fee; nothing else
 * changed). `code` is `pallet.ErrorName`, e.g. `records.NoConsent`; a non-module error
 * (`BadOrigin`, `Token(FundsUnavailable)`…) has `pallet` `''` and its kind as `error`.
 */
export class DispatchError extends ChainError {
  /** The pallet's name in the runtime, lower camel case as the metadata gives it (`records`). */
  readonly pallet: string;
  /** The error variant's name (`NoConsent`). */
  readonly error: string;
  /** The call that failed, `pallet.method` (`records.addEnvelope`). */
  readonly call: string;
  /** The error's documentation from the metadata, if any. */
  readonly docs: string;

  /**
   * @param pallet - the pallet name, `''` for a non-module error
   * @param error - the variant name
   * @param call - `pallet.method` of the failed call
   * @param docs - the variant's documentation
   */
  constructor(pallet: string, error: string, call: string, docs = '') {
    super(`${call} failed: ${pallet ? `${pallet}.` : ''}${error}${docs ? ` (${docs})` : ''}`);
    this.pallet = pallet;
    this.error = error;
    this.call = call;
    this.docs = docs;
  }

  /** `pallet.ErrorName` (`records.NoConsent`), or the bare kind for a non-module error. */
  get code(): string {
    return this.pallet ? `${this.pallet}.${this.error}` : this.error;
  }
}

/** The pool refused the transaction, or it was dropped or usurped: it was never included. */
export class TransactionError extends ChainError {
  /** The status or the pool's reason (`Invalid`, `Dropped`, `1010: Invalid Transaction…`). */
  readonly reason: string;

  /** @param call - `pallet.method`; @param reason - why it was not included */
  constructor(call: string, reason: string) {
    super(`${call} was not included: ${reason}`);
    this.reason = reason;
  }
}

/**
 * A transaction was handed to the node, but what became of it is not known: the deadline of
 * {@link send} (`SendOptions.timeoutMs`) passed, or the connection to the node was lost, before
 * it was reported in a block. It may still be (or already be) included: look it up by
 * {@link OutcomeUnknownError.txHash} (in the blocks since, or with the signer's nonce) before
 * sending it again: sending it again blindly may do it twice.
 */
export class OutcomeUnknownError extends ChainError {
  /** The call, `pallet.method`. */
  readonly call: string;
  /** The signed extrinsic's hash (`0x…`), when it was signed before the outcome was lost. */
  readonly txHash: string | undefined;
  /** Why the wait ended: the deadline passed, or the provider reported `disconnected`. */
  readonly reason: 'timeout' | 'disconnected';

  /** @param call - `pallet.method`; @param txHash - the extrinsic's hash, if known; @param reason - why */
  constructor(call: string, txHash: string | undefined, reason: 'timeout' | 'disconnected') {
    super(`the outcome of ${call}${txHash ? ` (extrinsic ${txHash})` : ''} is unknown: ${reason === 'timeout' ? 'not reported in a block in time' : 'the connection to the node was lost'}`);
    this.call = call;
    this.txHash = txHash;
    this.reason = reason;
  }
}

/**
 * The node's runtime lacks a call, storage item, runtime API method or argument this SDK uses,
 * or has it with other arguments: the SDK and the runtime have drifted apart. Thrown by
 * `TelemedChain.connect` before anything is sent.
 */
export class MetadataMismatchError extends ChainError {
  /** Each missing or different item, e.g. `tx records.addRecord: args patient,tag,… ≠ …`. */
  readonly problems: readonly string[];

  /** @param problems - each missing or different item */
  constructor(problems: readonly string[]) {
    super(`the runtime's metadata does not match the SDK:\n  ${problems.join('\n  ')}`);
    this.problems = problems;
  }
}

/** Something the chain should have (an event, a stored value) is not there. */
export class NotFoundError extends ChainError {}
