import { toHex } from '@telemed/sdk';
import { useState } from 'preact/hooks';
import { WouldBeRefusedError } from '../errors.ts';
import { formatMed, formatTime } from '../format.ts';
import {
  adjudicate,
  checkReason,
  claimChecks,
  claimOutcome,
  claimsOf,
  endPolicy,
  finalizeClaim,
  formatPercent,
  fundPool,
  insurerOf,
  issuePolicy,
  parsePositiveMed,
  policiesWhere,
  policyStanding,
  policyTerms,
  reasonHash,
  withdrawPool,
  type ClaimRow,
} from '../insurer.ts';
import { chainNow } from '../queries.ts';
import type { AppAccount, Session } from '../session.ts';
import { ActionStatus, Address, Section, useAction, useLoad } from './common.tsx';

/**
 * The insurer's screens: its registration and pool, the policies it issued (and issuing,
 * ending one), the claims the chain checked and passed to it (approve, or deny with a reason
 * whose hash only goes on chain), and its past claims. No health key is needed: an insurer
 * reads no records here.
 */
export function InsurerView({ session, account }: { session: Session; account: AppAccount }) {
  const me = account.address;
  const [changes, setChanges] = useState(0);
  const changed = () => setChanges((c) => c + 1);
  const insurer = useLoad(() => insurerOf(session.chain, me), [me, changes]);

  return (
    <div class="screens" data-testid="insurer-view">
      <Section title="Insurer" testid="insurer" actions={<button type="button" class="link" data-testid="insurer-refresh" onClick={changed}>Refresh</button>}>
        {insurer.error ? <p class="status error">{insurer.error}</p> : null}
        {insurer.data === null ? (
          <p class="licence warn" data-testid="insurer-unregistered">
            This account is not a registered insurer. Governance registers insurers (`billing.registerInsurer`, two thirds of the council).
          </p>
        ) : null}
        {insurer.data ? (
          <>
            <p data-testid="insurer-name">Registered insurer <strong>{insurer.data.name}</strong></p>
            <dl class="facts">
              <dt>Pool</dt><dd data-testid="insurer-pool">{formatMed(insurer.data.pool)}</dd>
              <dt>Promised to bookings and pending claims</dt><dd data-testid="insurer-committed">{formatMed(insurer.data.committed)}</dd>
              <dt>Free to withdraw</dt><dd data-testid="insurer-available">{formatMed(insurer.data.available)}</dd>
            </dl>
            <Pool session={session} me={me} available={insurer.data.available} onDone={changed} />
          </>
        ) : null}
      </Section>
      {insurer.data ? (
        <>
          <IssuePolicy session={session} me={me} onDone={changed} />
          <Policies session={session} me={me} changes={changes} onDone={changed} />
          <Claims session={session} me={me} changes={changes} onDone={changed} />
        </>
      ) : null}
    </div>
  );
}

function Pool({ session, me, available, onDone }: { session: Session; me: string; available: bigint; onDone: () => void }) {
  const [amount, setAmount] = useState('');
  const [state, run] = useAction();
  const act = (kind: 'fund' | 'withdraw') => run(async (step) => {
    const planck = parsePositiveMed(amount);
    if (kind === 'withdraw' && planck > available) {
      throw new WouldBeRefusedError('billing.InsufficientPool', `At most ${formatMed(available)} is free to withdraw now.`);
    }
    step(kind === 'fund' ? 'Adding to the pool…' : 'Withdrawing from the pool…');
    if (kind === 'fund') await fundPool(session.chain, session.sdkSigner(me), planck);
    else await withdrawPool(session.chain, session.sdkSigner(me), planck);
    onDone();
    setAmount('');
    return kind === 'fund' ? `Added ${formatMed(planck)} to the pool.` : `Withdrew ${formatMed(planck)} from the pool.`;
  });
  return (
    <>
      <div class="row">
        <label>Amount (MED) <input data-testid="pool-amount" inputMode="decimal" value={amount} onInput={(e) => setAmount(e.currentTarget.value)} /></label>
        <button type="button" data-testid="pool-fund" disabled={state.busy} onClick={() => void act('fund')}>Add to the pool</button>
        <button type="button" class="secondary" data-testid="pool-withdraw" disabled={state.busy} onClick={() => void act('withdraw')}>Withdraw</button>
      </div>
      <ActionStatus state={state} testid="pool" />
    </>
  );
}

function IssuePolicy({ session, me, onDone }: { session: Session; me: string; onDone: () => void }) {
  const [form, setForm] = useState({ patient: '', services: 'video-15', coverage: '80', limit: '100', days: '365' });
  const [state, run] = useAction();
  const field = (name: keyof typeof form) => ({
    value: form[name],
    onInput: (e: { currentTarget: HTMLInputElement }) => setForm((f) => ({ ...f, [name]: e.currentTarget.value })),
  });
  return (
    <Section title="Issue a policy" testid="issue-policy">
      <form class="grid" onSubmit={(e) => {
        e.preventDefault();
        void run(async (step) => {
          const terms = policyTerms(session.chain, form);
          if (terms.patient === me) throw new RangeError('An insurer does not insure itself: enter the patient’s address.');
          step('Issuing the policy…');
          const id = await issuePolicy(session.chain, session.sdkSigner(me), terms, await chainNow(session.chain));
          onDone();
          setForm((f) => ({ ...f, patient: '' }));
          return `Policy #${id} issued: ${terms.covered.join(', ')} at ${formatPercent(terms.coverage)}, up to ${formatMed(terms.annualLimit)} a year, for ${terms.days} days.`;
        });
      }}>
        <label>Patient’s address <input data-testid="policy-patient" spellcheck={false} placeholder="5…" {...field('patient')} /></label>
        <label>Covered service codes (commas or spaces) <input data-testid="policy-services" {...field('services')} /></label>
        <label>Coverage: your share of each price (%) <input data-testid="policy-coverage" inputMode="decimal" {...field('coverage')} /></label>
        <label>Annual limit (MED) <input data-testid="policy-limit" inputMode="decimal" {...field('limit')} /></label>
        <label>Valid for (days, from now) <input data-testid="policy-days" inputMode="numeric" {...field('days')} /></label>
        <button type="submit" data-testid="policy-issue" disabled={state.busy}>Issue the policy</button>
      </form>
      <ActionStatus state={state} testid="policy-issue" />
    </Section>
  );
}

function Policies({ session, me, changes, onDone }: { session: Session; me: string; changes: number; onDone: () => void }) {
  const list = useLoad(async () => {
    const now = await chainNow(session.chain);
    return { now, policies: await policiesWhere(session.chain, { insurer: me }) };
  }, [me, changes]);
  const [state, run] = useAction();
  return (
    <Section title="Policies" testid="policies">
      {list.error ? <p class="status error">{list.error}</p> : null}
      {list.data && list.data.policies.length === 0 ? <p data-testid="policies-none">You have issued no policy.</p> : null}
      {list.data && list.data.policies.length > 0 ? (
        <table>
          <thead><tr><th>Policy</th><th>Patient</th><th>Covers</th><th>Coverage</th><th>Annual limit</th><th>Used this year</th><th>Held for bookings</th><th>Valid</th><th>Now</th><th /></tr></thead>
          <tbody>
            {list.data.policies.map((p) => {
              const standing = policyStanding(p, list.data!.now);
              return (
                <tr key={String(p.id)} data-testid="policy-row" data-policy={String(p.id)} data-in-force={String(standing.inForce)}>
                  <td>#{String(p.id)}</td>
                  <td><Address value={p.patient} /></td>
                  <td data-testid="policy-covered">{p.covered.join(', ')}</td>
                  <td data-testid="policy-coverage-shown">{formatPercent(p.coverage)}</td>
                  <td>{formatMed(p.annualLimit)}</td>
                  <td data-testid="policy-used">{formatMed(p.usedThisYear)}</td>
                  <td>{formatMed(p.reserved)}</td>
                  <td>{formatTime(p.validFrom)} – {formatTime(p.validUntil)}</td>
                  <td data-testid="policy-standing">{p.endedAt !== null ? `${standing.words} ${formatTime(p.endedAt)}` : standing.words}</td>
                  <td>{p.endedAt === null && list.data!.now < p.validUntil ? (
                    <button type="button" class="small danger" data-testid="policy-end" disabled={state.busy} onClick={() => run(async (step) => {
                      step(`Ending policy #${p.id}…`);
                      await endPolicy(session.chain, session.sdkSigner(me), p.id);
                      onDone();
                      return `Policy #${p.id} ended: bookings already made under it keep their cover.`;
                    })}>End</button>
                  ) : null}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      ) : null}
      <ActionStatus state={state} testid="policy" />
    </Section>
  );
}

function Claims({ session, me, changes, onDone }: { session: Session; me: string; changes: number; onDone: () => void }) {
  const list = useLoad(async () => {
    const now = await chainNow(session.chain);
    return { now, claims: await claimsOf(session.chain, me) };
  }, [me, changes]);
  const [state, run] = useAction();
  const now = list.data?.now ?? 0;
  const claims = list.data?.claims ?? [];
  const pending = claims.filter((c) => claimOutcome(c.status, now).open);
  const past = claims.filter((c) => !claimOutcome(c.status, now).open);

  const answer = (claim: ClaimRow, decision: { approve: true } | { approve: false; reason: string }) => run(async (step) => {
    step(decision.approve ? `Approving claim #${claim.id}…` : `Denying claim #${claim.id} (only the hash of your reason goes on chain)…`);
    await adjudicate(session.chain, session.sdkSigner(me), claim.id, decision);
    onDone();
    return decision.approve
      ? `Claim #${claim.id} approved: ${formatMed(claim.amount)} paid to the practitioner from your pool.`
      : `Claim #${claim.id} denied. Keep your reason: the chain holds only its hash (${toHex(reasonHash(decision.reason)).slice(0, 18)}…).`;
  });

  return (
    <>
      <Section title="Claims to answer" testid="claims-pending" actions={<button type="button" class="link" data-testid="claims-refresh" onClick={list.refresh}>Refresh</button>}>
        <p class="hint">
          The chain checked each claim when the visit was settled; a claim reaches you only if every check passed. With no answer by the deadline it is approved.
        </p>
        {list.error ? <p class="status error">{list.error}</p> : null}
        {list.data && pending.length === 0 ? <p data-testid="claims-none">No claim awaits your answer.</p> : null}
        {pending.map((c) => <PendingClaim key={String(c.id)} claim={c} busy={state.busy} onAnswer={(d) => void answer(c, d)} />)}
        <ActionStatus state={state} testid="claim" />
      </Section>
      <Section title="Past claims" testid="claims-past">
        {list.data && past.length === 0 ? <p>No past claim.</p> : null}
        {past.length > 0 ? (
          <table>
            <thead><tr><th>Claim</th><th>Visit</th><th>Practitioner</th><th>Amount</th><th>Outcome</th><th /></tr></thead>
            <tbody>
              {past.map((c) => {
                const outcome = claimOutcome(c.status, now);
                return (
                  <tr key={String(c.id)} data-testid="claim-past" data-claim={String(c.id)} data-outcome={c.status.kind}>
                    <td>#{String(c.id)} (policy #{String(c.policy)})</td>
                    <td>#{String(c.consultation)}{c.visit ? ` ${c.visit.service}` : ''}</td>
                    <td><Address value={c.practitioner} /></td>
                    <td>{formatMed(c.amount)}</td>
                    <td data-testid="claim-outcome">{outcome.words}{c.status.kind === 'denied' ? <> <code title={c.status.reason}>{c.status.reason.slice(0, 18)}…</code></> : null}</td>
                    <td>{outcome.overdue ? (
                      <button type="button" class="small" data-testid="claim-finalize" disabled={state.busy} onClick={() => run(async () => {
                        await finalizeClaim(session.chain, session.sdkSigner(me), c.id);
                        onDone();
                        return `Claim #${c.id} paid.`;
                      })}>Pay now</button>
                    ) : null}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        ) : null}
      </Section>
    </>
  );
}

function PendingClaim({ claim, busy, onAnswer }: { claim: ClaimRow; busy: boolean; onAnswer: (d: { approve: true } | { approve: false; reason: string }) => void }) {
  const [reason, setReason] = useState('');
  const [reasonError, setReasonError] = useState<string | undefined>(undefined);
  const deadline = claim.status.kind === 'pending' ? claim.status.deadline : 0;
  return (
    <div class="claim" data-testid="claim-pending" data-claim={String(claim.id)} data-consultation={String(claim.consultation)}>
      <h3>Claim #{String(claim.id)}: {formatMed(claim.amount)} for visit #{String(claim.consultation)}</h3>
      <dl class="facts">
        <dt>Service</dt><dd data-testid="claim-service">{claim.visit?.service ?? 'the consultation was removed'}</dd>
        <dt>Patient</dt><dd>{claim.visit ? <Address value={claim.visit.patient} /> : '—'}</dd>
        <dt>Practitioner</dt><dd><Address value={claim.practitioner} /></dd>
        <dt>Visit</dt><dd>{claim.visit ? `${formatTime(claim.visit.scheduledAt)}${claim.visit.deliveredAt !== null ? `, delivered ${formatTime(claim.visit.deliveredAt)}` : ''}` : '—'}</dd>
        <dt>Policy</dt><dd>#{String(claim.policy)}</dd>
        <dt>Answer by</dt><dd data-testid="claim-deadline">{formatTime(deadline)} (no answer by then approves it)</dd>
      </dl>
      <p>What the chain checked:</p>
      <ul class="checks" data-testid="claim-checks">
        {claimChecks(claim.status).map((c) => (
          <li key={c.check} class={`check ${c.result === 'passed' ? 'ok' : 'failed'}`} data-testid="claim-check" data-result={c.result}>
            {c.result === 'passed' ? '✓ ' : c.result === 'failed' ? '✗ ' : '· not reached: '}{c.words}
          </li>
        ))}
      </ul>
      <div class="row">
        <button type="button" data-testid="claim-approve" disabled={busy} onClick={() => onAnswer({ approve: true })}>Approve and pay</button>
        <label>Reason for a denial (stays with you; only its hash goes on chain)
          <textarea rows={2} data-testid="claim-reason" value={reason} onInput={(e) => setReason(e.currentTarget.value)} />
        </label>
        <button type="button" class="danger" data-testid="claim-deny" disabled={busy} onClick={() => {
          try {
            onAnswer({ approve: false, reason: checkReason(reason) });
            setReasonError(undefined);
          } catch (e) {
            setReasonError(e instanceof Error ? e.message : String(e));
          }
        }}>Deny</button>
      </div>
      {reasonError ? <p class="status error" role="alert" data-testid="claim-reason-error">{reasonError}</p> : null}
    </div>
  );
}
