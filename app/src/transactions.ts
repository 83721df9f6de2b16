/**
 * Every transaction the app sends, from the fee shown before signing to finality.
 *
 * The SDK's flows sign through @polkadot/api (`send()` in sdk/src/chain/tx.ts). The app gives
 * them an account that is an address only, and installs {@link AppSigner} as the API's signer:
 * each payload comes here first, its fee is estimated (`TransactionPaymentApi`, the same call
 * with a fake signature) and shown, and nothing is signed until the user approves. The API then
 * reports the transaction's status to the signer's `update` (in the pool, in a block); the
 * finality of that block is followed on the finalised heads. No flow of the SDK changes.
 *
 * @module
 */

import type { ApiPromise } from '@polkadot/api';
import type { Signer, SignerPayloadJSON, SignerPayloadRaw, SignerResult, ISubmittableResult } from '@polkadot/types/types';
import type { H256 } from '@polkadot/types/interfaces';
import { decodeDispatchError, type TelemedChain } from '@telemed/sdk';
import { explain } from './errors.ts';
import { Store } from './store.ts';

/** Where a transaction is. */
export type TxState = 'estimating' | 'awaiting-approval' | 'signing' | 'submitted' | 'in-block' | 'finalised' | 'failed' | 'declined';

export interface TxItem {
  id: number;
  /** `pallet.call`, as in the metadata. */
  call: string;
  /** Who signs. */
  signer: string;
  /** The estimated fee in planck (the most it takes; some calls refund it when they succeed). */
  fee?: bigint;
  feeError?: string;
  state: TxState;
  blockHash?: string;
  blockNumber?: number;
  error?: string;
}

/** Signs a payload for an account the app holds (a development pair, a browser wallet). */
export interface PayloadSigner {
  signPayload(payload: SignerPayloadJSON): Promise<{ signature: `0x${string}` }>;
  signRaw(raw: SignerPayloadRaw): Promise<{ signature: `0x${string}` }>;
}

/** Calls that cost nothing when they succeed (README: revoking, shredding). */
export const FREE_WHEN_SUCCESSFUL = new Set(['consent.revokeConsent', 'records.shredRecord', 'records.shredAll']);

/** Plain words for the calls the app sends. */
export const CALL_DESCRIPTIONS: Readonly<Record<string, string>> = {
  'records.registerPatient': 'Register as a patient with your health key (1 MED deposit, returned when you deregister)',
  'records.addRecord': 'Anchor a new encrypted record (0.2 MED deposit)',
  'records.addEnvelope': 'Put a sealed copy of a record’s key on chain for its reader',
  'records.accessRecord': 'Open a record: the chain checks your access and logs it in the patient’s disclosure log',
  'consent.grantConsent': 'Grant a consent: allow, or deny whatever any permit says, the actions chosen on what it covers for the purposes chosen (0.1 MED deposit until it is cleaned up; a deny that starts now also removes the grantee’s keys of the records it covers)',
  'consent.revokeConsent': 'Revoke a consent (free when it succeeds)',
  'practitioners.rotateKeyAgreementKey': 'Publish your health key as your practitioner key',
  'billing.setService': 'Offer a service at a price (only the description’s hash goes on chain)',
  'billing.book': 'Book a visit: the price is held from you until you confirm it took place (0.2 MED deposit)',
  'billing.accept': 'Accept the booked visit',
  'billing.publishSessionKey': 'Pin a fresh session key for this visit, so the other party can check it is you',
  'billing.markDelivered': 'Say the visit took place: the patient then confirms, which pays you',
  'billing.dispute': 'Dispute the visit: the payment stays held and the council decides; your 1 MED bond is held until then',
  'billing.decline': 'Decline the booked visit: the patient is refunded in full',
  'billing.cancel': 'Cancel the visit under the cancellation rule (a refund, or half the price as a fee if accepted)',
  'billing.confirm': 'Confirm the visit took place: the held price goes to the practitioner (less the 1 % network fee)',
  'prescriptions.issue': 'Issue the prescription: its commitment, its file’s hash and the key sealed to the patient go on chain (0.2 MED deposit until it is closed)',
  'prescriptions.dispense': 'Dispense this fill: its one-time code goes on chain and can never be used again',
  'billing.fundPool': 'Add to your insurer pool: the amount is held from your balance to pay claims',
  'billing.withdrawPool': 'Take back from your insurer pool what is not promised to open bookings and pending claims',
  'billing.issuePolicy': 'Issue an insurance policy to the patient: the covered service codes, your share of each price, the annual limit and the validity go on chain',
  'billing.endPolicy': 'End this policy now: bookings made under it keep their reservation, new ones are refused',
  'billing.adjudicateClaim': 'Answer the claim: approving pays the practitioner from your pool; a denial puts only the hash of your reason on chain',
  'billing.finalizeClaim': 'Pay a claim whose insurer did not answer by the deadline (approved by its silence)',
  'consent.openEmergencyAccess': 'Break the glass: open emergency access to the patient’s data for 4 hours, logged in red in their disclosure log; a 10 MED deposit is held until the access is reviewed; only the hash of your statement goes on chain',
  'consent.closeEmergencyAccess': 'Close your emergency access now (the review is still owed; the deposit stays held until then)',
  'consent.logAccess': 'Log your access in the patient’s disclosure log (the chain checks it is allowed first)',
  // The patient's record versions, delegates, custodian and break-glass reviews; amending and
  // cancelling prescriptions.
  'records.amendRecord': 'Anchor a new version of this record (0.2 MED deposit): the old one stays in its history, superseded',
  'records.rekeyRecord': 'Re-key this record: the same content under a fresh key; every key of the old version is removed from the chain (0.2 MED deposit, 0.1 MED for each key kept)',
  'records.shredRecord': 'Shred this record for good: every version loses its keys and metadata; cannot be undone (free when it succeeds)',
  'consent.addDelegate': 'Appoint a delegate to act for you within the scopes chosen (0.1 MED deposit, returned when removed)',
  'consent.removeDelegate': 'Remove this delegate: their appointment ends now and the deposit comes back to you',
  'consent.reviewEmergencyAccess': 'Record your review of this emergency access: justified returns the practitioner’s deposit, not justified sends it to the treasury',
  'prescriptions.amend': 'Amend the prescription: a new version replaces it (its earlier codes stop working; the fills made carry over)',
  'prescriptions.cancel': 'Cancel the prescription: it can no longer be dispensed; the deposit goes back to the prescriber',
};

let nextId = 1;

/** The transactions of this session, newest last, and the one waiting for approval. */
export class Transactions {
  readonly items = new Store<TxItem[]>([]);
  readonly pending = new Store<{ item: TxItem; approve(): void; decline(): void } | null>(null);
  /** Approve every transaction without asking (off by default; not offered in the UI). */
  autoApprove = false;
  #watch: (() => void) | undefined;
  #chain: TelemedChain | undefined;

  patch(id: number, change: Partial<TxItem>): void {
    this.items.update((items) => items.map((i) => (i.id === id ? { ...i, ...change } : i)));
  }

  get(id: number): TxItem | undefined {
    return this.items.value.find((i) => i.id === id);
  }

  /** Follows finality for the transactions in blocks. */
  async attach(chain: TelemedChain): Promise<void> {
    this.#chain = chain;
    this.#watch?.();
    this.#watch = await chain.api.rpc.chain.subscribeFinalizedHeads(async (header) => {
      const finalised = header.number.toNumber();
      for (const item of this.items.value) {
        if (item.state !== 'in-block' || item.blockNumber === undefined || item.blockNumber > finalised) continue;
        const canonical = (await chain.api.rpc.chain.getBlockHash(item.blockNumber)).toHex();
        if (canonical === item.blockHash) this.patch(item.id, { state: 'finalised' });
        else this.patch(item.id, { state: 'failed', error: 'Its block was not finalised (a fork was chosen): check whether it landed again.' });
      }
    }) as unknown as () => void;
  }

  detach(): void {
    this.#watch?.();
    this.#watch = undefined;
  }

  /** A signer for the API that asks first, signing with `signerOf(address)`. */
  signer(api: ApiPromise, signerOf: (address: string) => PayloadSigner | undefined): Signer {
    return new AppSigner(this, api, signerOf);
  }

  /** Records the approval request and waits for the user. */
  async ask(item: TxItem): Promise<void> {
    this.patch(item.id, { state: 'awaiting-approval' });
    if (this.autoApprove) return;
    await new Promise<void>((resolve, reject) => {
      this.pending.set({
        item: this.get(item.id) ?? item,
        approve: () => {
          this.pending.set(null);
          resolve();
        },
        decline: () => {
          this.pending.set(null);
          reject(new Error('Cancelled by the user'));
        },
      });
    });
  }

  add(call: string, signer: string): TxItem {
    const item: TxItem = { id: nextId++, call, signer, state: 'estimating' };
    this.items.update((items) => [...items.slice(-49), item]);
    return item;
  }

  /** The API's status report for transaction `id`. */
  async report(id: number, result: H256 | ISubmittableResult): Promise<void> {
    if (!('status' in result)) return;
    const { status, dispatchError } = result;
    const item = this.get(id);
    if (!item) return;
    if (status.isInvalid || status.isDropped || status.isUsurped) {
      this.patch(id, { state: 'failed', error: `The transaction pool refused it (${status.type}).` });
      return;
    }
    if (status.isReady || status.isBroadcast || status.isFuture) {
      if (item.state === 'signing') this.patch(id, { state: 'submitted' });
      return;
    }
    if (status.isInBlock || status.isFinalized) {
      const blockHash = (status.isInBlock ? status.asInBlock : status.asFinalized).toHex();
      const chain = this.#chain;
      const blockNumber = chain ? (await chain.api.rpc.chain.getHeader(blockHash)).number.toNumber() : undefined;
      const error = dispatchError && chain ? explain(decodeDispatchError(chain, dispatchError, item.call)) : undefined;
      const current = this.get(id);
      if (current?.state === 'finalised') return;
      this.patch(id, {
        state: error ? 'failed' : status.isFinalized ? 'finalised' : 'in-block',
        blockHash,
        blockNumber,
        ...(error ? { error } : {}),
      });
    }
  }
}

/** The API's signer: estimate, ask, then sign with the account's own signer. */
class AppSigner implements Signer {
  constructor(
    readonly txs: Transactions,
    readonly api: ApiPromise,
    readonly signerOf: (address: string) => PayloadSigner | undefined,
  ) {}

  async signPayload(payload: SignerPayloadJSON): Promise<SignerResult> {
    const call = this.api.registry.createType('Call', payload.method);
    const item = this.txs.add(`${call.section}.${call.method}`, payload.address);
    const signer = this.signerOf(payload.address);
    if (!signer) {
      this.txs.patch(item.id, { state: 'failed', error: 'This account cannot sign here.' });
      throw new Error(`no signer for ${payload.address}`);
    }
    try {
      const info = await this.api.tx(call).paymentInfo(payload.address);
      this.txs.patch(item.id, { fee: info.partialFee.toBigInt() });
    } catch (e) {
      this.txs.patch(item.id, { feeError: e instanceof Error ? e.message : String(e) });
    }
    try {
      await this.txs.ask(item);
    } catch (e) {
      this.txs.patch(item.id, { state: 'declined' });
      throw e;
    }
    this.txs.patch(item.id, { state: 'signing' });
    try {
      const { signature } = await signer.signPayload(payload);
      return { id: item.id, signature };
    } catch (e) {
      this.txs.patch(item.id, { state: 'failed', error: `Not signed: ${e instanceof Error ? e.message : String(e)}` });
      throw e;
    }
  }

  update(id: number, result: H256 | ISubmittableResult): void {
    void this.txs.report(id, result);
  }
}
