import { consent, tagOf } from '@telemed/sdk';
import { PAYMENT_LABEL } from '../consents.ts';
import { formatMed, formatTime } from '../format.ts';
import { describePolicy, insurerOf, policiesWhere, policyStanding } from '../insurer.ts';
import { chainNow, patientConsents } from '../queries.ts';
import type { AppAccount, Session } from '../session.ts';
import { ActionStatus, Address, Section, useAction, useLoad } from './common.tsx';

/** The patient's insurance: their policies, and the payment consent each insurer's claims need. */
export function Insurance({ session, account, changes, onDone }: { session: Session; account: AppAccount; changes: number; onDone: () => void }) {
  const me = account.address;
  const data = useLoad(async () => {
    const now = await chainNow(session.chain);
    const [policies, consents] = await Promise.all([policiesWhere(session.chain, { patient: me }), patientConsents(session.chain, me)]);
    const insurers = [...new Set(policies.map((p) => p.insurer))];
    const names = new Map(await Promise.all(insurers.map(async (i) => [i, (await insurerOf(session.chain, i))?.name ?? ''] as const)));
    const consenting = new Set(consents
      .filter((c) => c.decision === 'permit' && c.standing === 'inForce' && c.purposes.includes('payment') && c.actions.includes('read'))
      .map((c) => c.grantee));
    return { now, policies, insurers, names, consenting };
  }, [me, changes]);
  const [state, run] = useAction();

  const allow = (insurer: string) => run(async (step) => {
    const actor = session.actor(me)!;
    if (!('tagKey' in actor.keys)) throw new Error('A payment consent needs a health key from a recovery phrase.');
    step('Granting the payment consent…');
    const id = await consent.grantConsent(session.chain, session.sdkSigner(me), me, insurer,
      { actions: ['Read'], scope: { Tags: [tagOf(actor.keys.tagKey(0), PAYMENT_LABEL)] }, purposes: ['Payment'] });
    onDone();
    return `Consent #${id}: this insurer’s claims for your visits can now pass the chain’s checks. It opens none of your records.`;
  });

  return (
    <Section title="My insurance" testid="insurance" actions={<button type="button" class="link" data-testid="insurance-refresh" onClick={data.refresh}>Refresh</button>}>
      {data.error ? <p class="status error">{data.error}</p> : null}
      {data.data && data.data.policies.length === 0 ? <p data-testid="insurance-none">No insurer has issued you a policy.</p> : null}
      {data.data && data.data.policies.length > 0 ? (
        <table>
          <thead><tr><th>Policy</th><th>Insurer</th><th>Covers</th><th>Valid</th><th>Now</th></tr></thead>
          <tbody>
            {data.data.policies.map((p) => (
              <tr key={String(p.id)} data-testid="my-policy" data-policy={String(p.id)}>
                <td>#{String(p.id)}</td>
                <td>{data.data!.names.get(p.insurer) || 'insurer'} <Address value={p.insurer} /></td>
                <td>{describePolicy(p)} (used this year: {formatMed(p.usedThisYear)})</td>
                <td>{formatTime(p.validFrom)} – {formatTime(p.validUntil)}</td>
                <td>{policyStanding(p, data.data!.now).words}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      {(data.data?.insurers ?? []).map((insurer) => (
        <p key={insurer} data-testid="payment-consent" data-insurer={insurer}>
          {data.data!.consenting.has(insurer) ? (
            <span class="licence ok" data-testid="payment-consent-given">{data.data!.names.get(insurer) || 'This insurer'} may handle payment for your visits (a Payment consent of yours is in force).</span>
          ) : (
            <>
              <span class="licence warn">{data.data!.names.get(insurer) || 'This insurer'} has no Payment consent of yours: the chain rejects its claims for your visits (and you pay only your share either way). </span>
              <button type="button" class="small" data-testid="payment-consent-grant" disabled={state.busy} onClick={() => void allow(insurer)}>Let this insurer handle my claims</button>
            </>
          )}
        </p>
      ))}
      <ActionStatus state={state} testid="insurance" />
    </Section>
  );
}
