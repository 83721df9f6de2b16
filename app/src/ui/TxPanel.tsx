import { formatMed, shortAddress } from '../format.ts';
import { useStore } from '../store.ts';
import { CALL_DESCRIPTIONS, FREE_WHEN_SUCCESSFUL, type TxItem, type Transactions } from '../transactions.ts';

const STATE_WORDS: Record<TxItem['state'], string> = {
  estimating: 'estimating the fee',
  'awaiting-approval': 'waiting for your approval',
  signing: 'signing',
  submitted: 'in the transaction pool',
  'in-block': 'in a block — waiting for finality',
  finalised: 'finalised',
  failed: 'failed',
  declined: 'declined',
};

/** The approval dialog: the call, its fee, approve or decline. */
export function ApprovalDialog({ txs }: { txs: Transactions }) {
  const pending = useStore(txs.pending);
  if (!pending) return null;
  const { item } = pending;
  return (
    <div class="modal-backdrop">
      <div class="modal" role="dialog" aria-modal="true" aria-labelledby="approve-title" data-testid="approve-dialog">
        <h2 id="approve-title">Sign this transaction?</h2>
        <p class="call" data-testid="approve-call">{item.call}</p>
        <p>{CALL_DESCRIPTIONS[item.call] ?? 'A transaction on the Telemed chain.'}</p>
        <dl>
          <dt>Signer</dt>
          <dd><code title={item.signer}>{shortAddress(item.signer)}</code></dd>
          <dt>Estimated fee</dt>
          <dd data-testid="approve-fee">
            {item.fee !== undefined ? formatMed(item.fee) : `unknown (${item.feeError ?? 'not estimated'})`}
            {FREE_WHEN_SUCCESSFUL.has(item.call) ? ' — refunded when it succeeds' : ''}
          </dd>
        </dl>
        <div class="buttons">
          <button type="button" class="secondary" data-testid="approve-decline" onClick={() => pending.decline()}>Decline</button>
          <button type="button" data-testid="approve-sign" onClick={() => pending.approve()}>Sign and send</button>
        </div>
      </div>
    </div>
  );
}

/** The transactions of this session, newest first, with their progress. */
export function TxList({ txs }: { txs: Transactions }) {
  const items = useStore(txs.items);
  if (items.length === 0) return null;
  return (
    <aside class="tx-list" data-testid="tx-list">
      <h2>Transactions</h2>
      <ol>
        {[...items].reverse().slice(0, 12).map((item) => (
          <li key={item.id} class={`tx tx-${item.state}`} data-testid="tx-item" data-call={item.call} data-state={item.state}>
            <span class="tx-call">{item.call}</span>
            <span class="tx-state">
              {STATE_WORDS[item.state]}
              {item.blockNumber !== undefined ? ` (#${item.blockNumber})` : ''}
            </span>
            {item.fee !== undefined ? <span class="tx-fee">fee ≤ {formatMed(item.fee)}</span> : null}
            {item.error ? <span class="tx-error">{item.error}</span> : null}
          </li>
        ))}
      </ol>
    </aside>
  );
}
