import { appointCustodian, consent, custodianHoldings, NotFoundError, practitioners, sealToCustodian, type DelegateScope } from '@telemed/sdk';
import { useEffect, useState } from 'preact/hooks';
import { delegateDeposit, delegatesOf, endOfDay, envelopeDeposit, isCustodian, ORDINARY_SCOPES, scopeWords, untilWords } from '../delegates.ts';
import { explain } from '../errors.ts';
import { formatMed, formatTime } from '../format.ts';
import { patientRecords } from '../queries.ts';
import type { AppAccount, Session } from '../session.ts';
import { ActionStatus, Address, Section, useAction, useLoad } from './common.tsx';

/** An address as typed, checked: the chain's form of it, or an error in words. */
function checkedAddress(session: Session, text: string, me: string): string {
  const t = text.trim();
  if (!t) throw new Error('Enter the account’s address.');
  let address: string;
  try {
    address = session.chain.address(t);
  } catch {
    throw new Error('This is not a valid address.');
  }
  if (address === me) throw new Error('You cannot appoint yourself.');
  return address;
}

/**
 * The patient's delegates: each with what they may do and until when (`consent.Delegates`);
 * appointing one (scopes as checkboxes in words, an optional last day, the deposit shown) and
 * removing one.
 */
export function Delegates({ session, account, changes, onDone }: { session: Session; account: AppAccount; changes: number; onDone: () => void }) {
  const me = account.address;
  const list = useLoad(async () => ({ rows: await delegatesOf(session.chain, me), now: await session.chain.now() }), [me, changes]);
  const [address, setAddress] = useState('');
  const [scopes, setScopes] = useState<Set<DelegateScope>>(new Set());
  const [until, setUntil] = useState('');
  const [state, run] = useAction();
  const deposit = delegateDeposit(session.chain);

  const toggle = (scope: DelegateScope) => setScopes((s) => {
    const next = new Set(s);
    if (next.has(scope)) next.delete(scope);
    else next.add(scope);
    return next;
  });

  const appoint = () => run(async (step) => {
    const delegate = checkedAddress(session, address, me);
    const chosen = ORDINARY_SCOPES.map((s) => s.scope).filter((s) => scopes.has(s));
    if (chosen.length === 0) throw new Error('Choose at least one thing the delegate may do.');
    const end = endOfDay(until, await session.chain.now());
    step('Appointing the delegate…');
    await consent.addDelegate(session.chain, session.sdkSigner(me), delegate, chosen, end);
    setAddress('');
    setScopes(new Set());
    setUntil('');
    onDone();
    return `Delegate appointed: they may ${scopeWords(chosen)}, ${untilWords(end, Date.now())}.`;
  });

  const remove = (delegate: string) => run(async (step) => {
    step('Removing the delegate…');
    await consent.removeDelegate(session.chain, session.sdkSigner(me), me, delegate);
    onDone();
    return 'Delegate removed: their appointment has ended and the deposit is back with you.';
  });

  const rows = list.data?.rows ?? [];
  const now = list.data?.now ?? Date.now();
  return (
    <Section title="Delegates" testid="delegates" actions={<button type="button" class="link" data-testid="delegates-refresh" onClick={list.refresh}>Refresh</button>}>
      <p class="hint">A delegate (a guardian, a carer, a legal proxy) acts for you within what you allow, until the day you choose or until you remove them. Each appointment holds {formatMed(deposit)} of yours, returned when it ends.</p>
      {list.error ? <p class="status error">{list.error}</p> : null}
      {list.data && rows.length === 0 ? <p data-testid="delegates-none">You have appointed no delegate.</p> : null}
      {rows.length > 0 ? (
        <table>
          <thead><tr><th>Delegate</th><th>May</th><th>Since</th><th>Until</th><th>Deposit</th><th /></tr></thead>
          <tbody>
            {rows.map((d) => (
              <tr key={d.delegate} data-testid="delegate-row" data-delegate={d.delegate} data-custodian={String(isCustodian(d, now))}>
                <td><Address value={d.delegate} /></td>
                <td data-testid="delegate-scopes">{scopeWords(d.scopes)}</td>
                <td>{formatTime(d.since)}</td>
                <td data-testid="delegate-until">{untilWords(d.until, now)}</td>
                <td>{formatMed(d.deposit)}</td>
                <td><button type="button" class="small danger" data-testid="delegate-remove" disabled={state.busy} onClick={() => void remove(d.delegate)}>Remove</button></td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      <form class="grid" onSubmit={(e) => {
        e.preventDefault();
        void appoint();
      }}>
        <label>Delegate’s address
          <input data-testid="delegate-address" value={address} onInput={(e) => setAddress(e.currentTarget.value)} placeholder="5…" spellcheck={false} />
        </label>
        <fieldset class="scopes">
          <legend>They may</legend>
          {ORDINARY_SCOPES.map((s) => (
            <label key={s.scope}>
              <input type="checkbox" data-testid="delegate-scope" data-scope={s.scope} checked={scopes.has(s.scope)} onChange={() => toggle(s.scope)} />
              {s.words}
            </label>
          ))}
        </fieldset>
        <label>Last day (empty: until you remove them)
          <input type="date" data-testid="delegate-until-input" value={until} onInput={(e) => setUntil(e.currentTarget.value)} />
        </label>
        <p data-testid="delegate-deposit">Deposit: {formatMed(deposit)}, returned when the appointment ends.</p>
        <button type="submit" data-testid="delegate-add" disabled={state.busy}>Appoint</button>
      </form>
      <ActionStatus state={state} testid="delegate" />
    </Section>
  );
}

/**
 * The emergency custodian: a key service the patient appoints (`EmergencyCustodian`, the SDK's
 * `appointCustodian`) and seals chosen record keys to (`sealToCustodian`), with what it can and
 * cannot do in plain words.
 */
export function Custodian({ session, account, changes, onDone }: { session: Session; account: AppAccount; changes: number; onDone: () => void }) {
  const me = account.address;
  const data = useLoad(async () => {
    const [rows, now, current] = await Promise.all([delegatesOf(session.chain, me), session.chain.now(), patientRecords(session.chain, me)]);
    const custodians = await Promise.all(rows.filter((d) => isCustodian(d, now)).map(async (d) => ({
      ...d,
      holds: await custodianHoldings(session.context(me), me, d.delegate),
    })));
    return { custodians, current, now };
  }, [me, changes]);
  const [address, setAddress] = useState('');
  const [keyStatus, setKeyStatus] = useState<string | undefined>(undefined);
  const [until, setUntil] = useState('');
  const [state, run] = useAction();

  useEffect(() => {
    setKeyStatus(undefined);
    const t = address.trim();
    if (!t) return;
    let live = true;
    const timer = setTimeout(() => {
      let who: string;
      try {
        who = session.chain.address(t);
      } catch {
        setKeyStatus('Not a valid address.');
        return;
      }
      practitioners.keyAgreementKeyOf(session.chain, who).then(
        () => live && setKeyStatus('This account has published a key: your record keys can be sealed to it.'),
        (e: unknown) => live && setKeyStatus(e instanceof NotFoundError
          ? 'This account has published no key yet: nothing can be sealed to it (it registers one first).'
          : explain(e)),
      );
    }, 250);
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [address]);

  const current = data.data?.current ?? [];
  const seal = (custodian: string, held: readonly bigint[], step: (t: string) => void) => {
    const versions = current.map((r) => r.id).filter((id) => !held.includes(id));
    step(`Sealing ${versions.length} record key${versions.length === 1 ? '' : 's'} to the custodian…`);
    return sealToCustodian(session.context(me), session.actor(me)!, custodian, versions);
  };

  const appoint = () => run(async (step) => {
    const custodian = checkedAddress(session, address, me);
    const end = endOfDay(until, await session.chain.now());
    try {
      await practitioners.keyAgreementKeyOf(session.chain, custodian);
    } catch (e) {
      if (e instanceof NotFoundError) throw new Error('This account has published no key: your record keys cannot be sealed to it. It registers a key first.');
      throw e;
    }
    step('Appointing the emergency custodian…');
    await appointCustodian(session.context(me), session.actor(me)!, custodian, end);
    const sealed = await seal(custodian, [], step);
    setAddress('');
    setUntil('');
    onDone();
    return `Emergency custodian appointed ${untilWords(end, Date.now())}; ${sealed.length} record key${sealed.length === 1 ? '' : 's'} sealed to it.`;
  });

  const sealMore = (custodian: string, held: readonly bigint[]) => run(async (step) => {
    const sealed = await seal(custodian, held, step);
    onDone();
    return `${sealed.length} more record key${sealed.length === 1 ? '' : 's'} sealed to the custodian.`;
  });

  return (
    <Section title="Emergency custodian" testid="custodian">
      <div class="hint" data-testid="custodian-explained">
        <p>An emergency custodian is a key service you trust to hold the keys of the records you choose, for an emergency in which you cannot share them yourself.</p>
        <ul>
          <li><strong>It can</strong> hand a record’s key only to a practitioner who has opened an emergency (break-glass) access to your data, and only while that access is open; each hand-over is written in your disclosure log, and you review every emergency access afterwards.</li>
          <li><strong>It cannot</strong> read your records itself through the chain, grant consents, see your disclosure log or act for you in any other way; the keys it holds go when you remove it, and it releases only current versions (after an amendment or re-key the new key is sealed to it again).</li>
        </ul>
      </div>
      {data.error ? <p class="status error">{data.error}</p> : null}
      {(data.data?.custodians ?? []).map((c) => (
        <div key={c.delegate} class="row" data-testid="custodian-row" data-custodian={c.delegate}>
          <span>Custodian <Address value={c.delegate} /> {untilWords(c.until, data.data!.now)}: holds <span data-testid="custodian-holds">{c.holds.length}</span> of your record keys.</span>
          {current.some((r) => !c.holds.includes(r.id))
            ? <button type="button" class="small" data-testid="custodian-seal-more" disabled={state.busy} onClick={() => void sealMore(c.delegate, c.holds)}>Seal my other current records to it</button>
            : null}
        </div>
      ))}
      {data.data && data.data.custodians.length === 0 ? (
        <form class="grid" onSubmit={(e) => {
          e.preventDefault();
          void appoint();
        }}>
          <label>Custodian’s address
            <input data-testid="custodian-address" value={address} onInput={(e) => setAddress(e.currentTarget.value)} placeholder="5…" spellcheck={false} />
          </label>
          <p class="licence" data-testid="custodian-key">{keyStatus ?? 'Enter an address to check that it published a key.'}</p>
          <label>Last day (empty: until you remove it)
            <input type="date" data-testid="custodian-until" value={until} onInput={(e) => setUntil(e.currentTarget.value)} />
          </label>
          <p>The keys of your {current.length} current record{current.length === 1 ? '' : 's'} are sealed to it: {formatMed(delegateDeposit(session.chain))} deposit for the appointment and {formatMed(envelopeDeposit(session.chain))} for each key, returned when they go.</p>
          <button type="submit" data-testid="custodian-appoint" disabled={state.busy}>Appoint and seal my record keys</button>
        </form>
      ) : null}
      <ActionStatus state={state} testid="custodian" />
    </Section>
  );
}
