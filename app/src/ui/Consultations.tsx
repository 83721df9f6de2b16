import {
  acceptConsultation,
  billing,
  bookConsultation,
  connectRelay,
  connectSession,
  deliverConsultation,
  payConsultation,
  pinSessionKey,
  sessionChannel,
  type SessionConnection,
} from '@telemed/sdk';
import { blake2b } from '@noble/hashes/blake2.js';
import { useEffect, useRef, useState } from 'preact/hooks';
import { explain } from '../errors.ts';
import { formatTime } from '../format.ts';
import { describePolicy, policiesWhere, policyStanding } from '../insurer.ts';
import { addressOf, chainNow, consultationsOf, formatMed, parseMed, type ConsultationRow } from '../queries.ts';
import type { AppAccount, Session } from '../session.ts';
import { cancelWarning, DISPUTE_BOND, DISPUTE_WARNING } from '../visits.ts';
import { ActionStatus, Address, Section, useAction, useLoad } from './common.tsx';

type Side = 'patient' | 'practitioner';


/**
 * Consultations, for the patient (book, see, pay) and the practitioner (offer a service,
 * accept, deliver), and the secure session of an accepted visit.
 */
export function Consultations({ session, account, side }: { session: Session; account: AppAccount; side: Side }) {
  const me = account.address;
  const [changes, setChanges] = useState(0);
  const changed = () => setChanges((c) => c + 1);
  const list = useLoad(() => consultationsOf(session.chain, me, side), [me, side, changes]);
  const [state, run] = useAction();
  const [open, setOpen] = useState<bigint | undefined>(undefined);
  const ctx = session.context(me);
  const actor = session.actor(me)!;

  const act = (text: string, work: () => Promise<unknown>) => run(async () => {
    await work();
    changed();
    return text;
  });

  return (
    <>
      {side === 'practitioner' ? <OfferService session={session} account={account} onDone={changed} /> : <Book session={session} account={account} changes={changes} onDone={changed} />}
      <Section title="Consultations" testid="consultations" actions={<button type="button" class="link" data-testid="consultations-refresh" onClick={changed}>Refresh</button>}>
        {list.error ? <p class="status error">{list.error}</p> : null}
        {list.data && list.data.length === 0 ? <p data-testid="consultations-none">No open consultation.</p> : null}
        {list.data && list.data.length > 0 ? (
          <table>
            <thead><tr><th>Visit</th><th>With</th><th>When</th><th>Price</th><th>Status</th><th /></tr></thead>
            <tbody>
              {list.data.map((c: ConsultationRow) => (
                <tr key={String(c.id)} data-testid="consultation-row" data-id={String(c.id)} data-status={c.status}>
                  <td>#{String(c.id)} {c.service}</td>
                  <td><Address value={side === 'patient' ? c.practitioner : c.patient} /></td>
                  <td>{formatTime(c.scheduledAt)}</td>
                  <td>{formatMed(c.price)}</td>
                  <td data-testid="consultation-status">{c.status}</td>
                  <td class="actions">
                    {side === 'practitioner' && c.status === 'Requested' ? (
                      <button type="button" data-testid="consultation-accept" onClick={() => act(`Accepted visit #${c.id}.`, () => acceptConsultation(ctx, actor, c.id))}>Accept</button>
                    ) : null}
                    {c.status === 'Accepted' ? (
                      <button type="button" data-testid="consultation-session" onClick={() => setOpen(c.id)}>Secure session</button>
                    ) : null}
                    {side === 'practitioner' && c.status === 'Accepted' ? (
                      <button type="button" class="secondary" data-testid="consultation-deliver" onClick={() => act(`Visit #${c.id} marked delivered.`, () => deliverConsultation(ctx, actor, c.id))}>Mark delivered</button>
                    ) : null}
                    {side === 'patient' && c.status === 'Delivered' ? (
                      <>
                        <button type="button" data-testid="consultation-pay" onClick={() => act(`Visit #${c.id} confirmed and paid.`, () => payConsultation(ctx, actor, c.id))}>Confirm and pay</button>
                        <button type="button" class="secondary danger" data-testid="consultation-dispute" onClick={() => {
                          if (!window.confirm(DISPUTE_WARNING)) return;
                          void act(`Visit #${c.id} disputed: the council decides; your ${formatMed(DISPUTE_BOND)} bond is held until then.`, () => billing.dispute(session.chain, session.sdkSigner(me), c.id));
                        }}>Dispute</button>
                      </>
                    ) : null}
                    {side === 'practitioner' && c.status === 'Requested' ? (
                      <button type="button" class="secondary" data-testid="consultation-decline" onClick={() => act(`Declined visit #${c.id}: the patient is refunded in full.`, () => billing.decline(session.chain, session.sdkSigner(me), c.id))}>Decline</button>
                    ) : null}
                    {(side === 'patient' && c.status === 'Requested') || c.status === 'Accepted' ? (
                      <button type="button" class="secondary" data-testid="consultation-cancel" onClick={() => {
                        if (!window.confirm(cancelWarning(side, c.status))) return;
                        void act(`Visit #${c.id} cancelled.`, () => billing.cancel(session.chain, session.sdkSigner(me), c.id));
                      }}>Cancel</button>
                    ) : null}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        ) : null}
        <ActionStatus state={state} testid="consultation" />
      </Section>
      {open !== undefined ? <SecureSession key={String(open)} session={session} account={account} side={side} id={open} /> : null}
    </>
  );
}

function OfferService({ session, account, onDone }: { session: Session; account: AppAccount; onDone: () => void }) {
  const [code, setCode] = useState('video-15');
  const [description, setDescription] = useState('Video consultation, 15 minutes');
  const [price, setPrice] = useState('5');
  const [minutes, setMinutes] = useState('15');
  const [state, run] = useAction();
  const submit = () => run(async () => {
    const planck = parseMed(price);
    const duration = Number(minutes);
    if (!Number.isInteger(duration) || duration < 1) throw new Error('The duration is a whole number of minutes.');
    // Only the description's hash goes on chain.
    await billing.setService(session.chain, session.sdkSigner(account.address), code.trim(), blake2b(new TextEncoder().encode(description), { dkLen: 32 }), planck, duration * 60_000);
    onDone();
    return `Offering ${code.trim()} at ${formatMed(planck)}.`;
  });
  return (
    <Section title="Services" testid="services">
      <div class="row">
        <label>Code <input data-testid="service-code" value={code} onInput={(e) => setCode(e.currentTarget.value)} /></label>
        <label>Description (kept off chain) <input value={description} onInput={(e) => setDescription(e.currentTarget.value)} /></label>
        <label>Price (MED) <input data-testid="service-price" value={price} onInput={(e) => setPrice(e.currentTarget.value)} /></label>
        <label>Minutes <input value={minutes} onInput={(e) => setMinutes(e.currentTarget.value)} /></label>
        <button type="button" data-testid="service-offer" disabled={state.busy} onClick={submit}>Offer</button>
      </div>
      <ActionStatus state={state} testid="service" />
    </Section>
  );
}

function Book({ session, account, changes, onDone }: { session: Session; account: AppAccount; changes: number; onDone: () => void }) {
  const [practitioner, setPractitioner] = useState('');
  const [service, setService] = useState('video-15');
  const [minutes, setMinutes] = useState('2');
  const [policy, setPolicy] = useState('');
  const policies = useLoad(async () => {
    const now = await chainNow(session.chain);
    return (await policiesWhere(session.chain, { patient: account.address })).filter((p) => policyStanding(p, now).inForce);
  }, [account.address, changes]);
  const [state, run] = useAction();
  const submit = () => run(async (step) => {
    const ahead = Number(minutes);
    if (!Number.isFinite(ahead) || ahead <= 0) throw new Error('Book a time in the future (minutes from now).');
    const who = addressOf(session.chain, practitioner, 'the practitioner');
    step('Asking the chain for a quote…');
    const at = (await chainNow(session.chain)) + Math.round(ahead * 60_000);
    const under = policy === '' ? null : BigInt(policy);
    const booked = await bookConsultation(session.context(account.address), session.actor(account.address)!, who, service.trim(), at, under);
    onDone();
    return `Booked visit #${booked.id}: ${formatMed(booked.patientShare)} held until you confirm it took place${
      under === null ? '' : `; policy #${under} pays ${formatMed(booked.insurerShare)}`}.`;
  });
  return (
    <Section title="Book a visit" testid="book">
      <div class="row">
        <label>Practitioner <input data-testid="book-practitioner" value={practitioner} placeholder="address" onInput={(e) => setPractitioner(e.currentTarget.value)} /></label>
        <label>Service <input data-testid="book-service" value={service} onInput={(e) => setService(e.currentTarget.value)} /></label>
        <label>In (minutes) <input data-testid="book-minutes" value={minutes} onInput={(e) => setMinutes(e.currentTarget.value)} /></label>
        <label>Paid by
          <select data-testid="book-policy" value={policy} onChange={(e) => setPolicy(e.currentTarget.value)} onFocus={policies.refresh}>
            <option value="">myself</option>
            {(policies.data ?? []).map((p) => <option key={String(p.id)} value={String(p.id)}>policy #{String(p.id)}: {describePolicy(p)}</option>)}
          </select>
        </label>
        <button type="button" data-testid="book-submit" disabled={state.busy || practitioner.trim() === ''} onClick={submit}>Book</button>
      </div>
      <ActionStatus state={state} testid="book" />
    </Section>
  );
}

interface Line {
  from: 'me' | 'them';
  text: string;
}

/**
 * The end-to-end session of accepted visit `id`: a fresh key pinned on chain, the other
 * party's key read from the chain, the channel over the gateway's relay. "Verified" only once
 * the other party's hello matched the key the chain pins for them.
 */
function SecureSession({ session, account, side, id }: { session: Session; account: AppAccount; side: Side; id: bigint }) {
  const me = account.address;
  const [state, run] = useAction();
  const [connection, setConnection] = useState<SessionConnection | undefined>(undefined);
  const [lines, setLines] = useState<Line[]>([]);
  const [draft, setDraft] = useState('');
  const [failure, setFailure] = useState<string | undefined>(undefined);
  const close = useRef<(() => void) | undefined>(undefined);

  useEffect(() => () => close.current?.(), []);

  const start = () => run(async (step) => {
    const ctx = session.context(me);
    step('Pinning a fresh session key on chain…');
    const pinned = await pinSessionKey(ctx, session.actor(me)!, id);
    step('Waiting for the other party to pin theirs…');
    let keys = await billing.sessionKeys(session.chain, id);
    for (let i = 0; i < 120 && !(keys?.patient && keys.practitioner); i++) {
      await new Promise((r) => setTimeout(r, 2_000));
      keys = await billing.sessionKeys(session.chain, id);
    }
    const channel = await sessionChannel(ctx, side, id, pinned.keys);
    step('Connecting through the gateway’s relay…');
    const relay = await connectRelay(session.config.gateway, id, session.gatewaySigner(me), session.genesisHash);
    close.current = () => relay.close();
    const connected = await connectSession(channel, relay);
    setConnection(connected);
    void (async () => {
      try {
        for (;;) {
          const text = new TextDecoder().decode(await connected.receive());
          setLines((l) => [...l, { from: 'them', text }]);
        }
      } catch (e) {
        setFailure(explain(e));
      }
    })();
    void relay.closed.then(({ code }) => setFailure((f) => f ?? `The relay closed (${code}).`));
    return undefined;
  });

  const send = () => {
    if (!connection || draft.trim() === '') return;
    connection.send(new TextEncoder().encode(draft));
    setLines((l) => [...l, { from: 'me', text: draft }]);
    setDraft('');
  };

  return (
    <Section title={`Secure session · visit #${id}`} testid="secure-session">
      {!connection ? (
        <>
          <p>Each of you pins a fresh key on chain; the messages are encrypted end to end with those two keys, and the relay sees only ciphertext.</p>
          <button type="button" data-testid="session-start" disabled={state.busy} onClick={start}>Start</button>
        </>
      ) : (
        <>
          <p class="status ok" data-testid="session-verified">
            Verified: end-to-end encrypted with the keys pinned on chain for this visit.
            Safety code <strong data-testid="session-sas">{connection.channel.sas}</strong> (the same on both screens).
          </p>
          <p class="hint">Fingerprint <code data-testid="session-fingerprint">{connection.channel.fingerprintHex}</code></p>
          <ul class="chat" data-testid="session-messages">
            {lines.map((l, i) => <li key={i} class={l.from} data-testid={`session-message-${l.from}`}>{l.text}</li>)}
          </ul>
          <div class="row">
            <input data-testid="session-draft" value={draft} onInput={(e) => setDraft(e.currentTarget.value)} onKeyDown={(e) => { if (e.key === 'Enter') send(); }} />
            <button type="button" data-testid="session-send" onClick={send}>Send</button>
          </div>
        </>
      )}
      {failure ? <p class="status error" role="alert" data-testid="session-error">{failure}</p> : null}
      <ActionStatus state={state} testid="session" />
    </Section>
  );
}
