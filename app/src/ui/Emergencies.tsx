import { useState } from 'preact/hooks';
import { emergencyAccesses, isOpen, reviewEmergency, reviewConsequence, reviewWords, standingWords, type EmergencyRow } from '../emergency-review.ts';
import { formatMed, formatTime } from '../format.ts';
import type { DisclosureRow } from '../queries.ts';
import type { AppAccount, Session } from '../session.ts';
import { ActionStatus, Address, useAction, useLoad } from './common.tsx';
import { Confirm } from './Confirm.tsx';

/**
 * The patient's break-glass accesses, in the disclosure timeline: those awaiting review
 * (`ConsentApi.pending_emergency_reviews`) and those the log names, each with who, when, until
 * when, open or ended, the disclosures made on its basis, and the review ("justified" returns
 * the practitioner's deposit, "not justified" sends it to the treasury), confirmed first.
 */
export function EmergencyAccesses({ session, account, log, onReviewed }: {
  session: Session;
  account: AppAccount;
  log: readonly DisclosureRow[];
  onReviewed: () => void;
}) {
  const me = account.address;
  const list = useLoad(async () => ({ rows: await emergencyAccesses(session.chain, me, log), now: await session.chain.now() }), [me, log]);
  const [asking, setAsking] = useState<{ row: EmergencyRow; justified: boolean } | undefined>(undefined);
  const [state, run] = useAction();

  const submit = (row: EmergencyRow, justified: boolean) => run(async (step) => {
    step(`Recording your review of emergency access #${row.id}…`);
    await reviewEmergency(session.chain, session.sdkSigner(me), row.id, justified);
    onReviewed();
    return justified
      ? `Emergency access #${row.id} reviewed as justified: ${formatMed(row.deposit)} returned to the practitioner.`
      : `Emergency access #${row.id} reviewed as NOT justified: the practitioner’s ${formatMed(row.deposit)} went to the treasury.`;
  });

  const rows = list.data?.rows ?? [];
  if (list.error) return <p class="status error">{list.error}</p>;
  if (rows.length === 0) return null;
  const now = list.data!.now;
  return (
    <div class="emergencies" data-testid="emergencies">
      <h3>Emergency (break-glass) accesses</h3>
      <table>
        <thead><tr><th>#</th><th>Who</th><th>Opened</th><th>Until</th><th>Now</th><th>Disclosures on it</th><th>Review</th></tr></thead>
        <tbody>
          {rows.map((a) => (
            <tr key={String(a.id)} class="emergency" data-testid="emergency-row" data-emergency-id={String(a.id)} data-review={a.review} data-open={String(isOpen(a, now))}>
              <td>{String(a.id)}</td>
              <td><Address value={a.practitioner} /></td>
              <td>{formatTime(a.openedAt)}</td>
              <td>{formatTime(a.closedAt !== null && a.closedAt < a.expiresAt ? a.closedAt : a.expiresAt)}</td>
              <td data-testid="emergency-standing"><strong>{standingWords(a, now)}</strong></td>
              <td>
                {a.disclosures.length === 0 ? 'none in the log' : (
                  <ul class="compact" data-testid="emergency-disclosures">
                    {a.disclosures.map((d) => <li key={String(d.seq)}>{formatTime(d.at)}: {d.action} {d.what}</li>)}
                  </ul>
                )}
              </td>
              <td data-testid="emergency-review">
                {reviewWords(a.review)}
                {a.review === 'Pending' ? (
                  <div class="actions">
                    <button type="button" class="small" data-testid="emergency-justified" disabled={state.busy} onClick={() => setAsking({ row: a, justified: true })}>Justified</button>
                    <button type="button" class="small danger" data-testid="emergency-unjustified" disabled={state.busy} onClick={() => setAsking({ row: a, justified: false })}>Not justified</button>
                  </div>
                ) : null}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <ActionStatus state={state} testid="emergency" />
      {asking ? (
        <Confirm title={`Emergency access #${asking.row.id}: ${asking.justified ? 'justified' : 'not justified'}?`}
          yes={asking.justified ? 'Yes, justified' : 'Yes, not justified'} danger={!asking.justified} testid="review"
          onNo={() => setAsking(undefined)}
          onYes={() => {
            const { row, justified } = asking;
            setAsking(undefined);
            void submit(row, justified);
          }}>
          <p>{reviewConsequence(asking.justified, asking.row.deposit)}</p>
        </Confirm>
      ) : null}
    </div>
  );
}
