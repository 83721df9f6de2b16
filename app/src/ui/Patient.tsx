import { addResource, consent, equalBytes, grantAndSeal, readRecord, records, revokeConsent, registerPatient, tagOf, toHex, type PurposeOfUse } from '@telemed/sdk';
import { useEffect, useState } from 'preact/hooks';
import { explain } from '../errors.ts';
import { CATEGORIES, summarise, type Prepared } from '../fhir.ts';
import { formatTime } from '../format.ts';
import { kindWords } from '../history.ts';
import { addressOf, describeLicence, disclosureLog, licenceStatus, patientConsents, patientRecords, type LicenceStatusView, type RecordRow } from '../queries.ts';
import type { AppAccount, Session } from '../session.ts';
import { ActionStatus, Address, Section, useAction, useLoad } from './common.tsx';
import { Consultations } from './Consultations.tsx';
import { Custodian, Delegates } from './Delegates.tsx';
import { EmergencyAccesses } from './Emergencies.tsx';
import { PatientPrescriptions } from './Prescriptions.tsx';
import { RecordForm } from './RecordForm.tsx';
import { Insurance, PAYMENT_LABEL } from './PatientInsurance.tsx';
import { RecordPanel, ShreddedRecords, type RecordTool } from './RecordTools.tsx';

const PURPOSES: { value: PurposeOfUse; words: string }[] = [
  { value: 'Treatment', words: 'Treatment (care)' },
  { value: 'Payment', words: 'Payment (insurance)' },
  { value: 'Operations', words: 'Operations (clinic administration)' },
  { value: 'Research', words: 'Research' },
];

/**
 * The patient's screens: registration, records (with their versions, amending, re-keying and
 * shredding), sharing, consents, delegates and the emergency custodian, the disclosure log with
 * the break-glass reviews, consultations, prescriptions.
 */
export function PatientView({ session, account }: { session: Session; account: AppAccount }) {
  const me = account.address;
  const actor = session.actor(me);
  const [changes, setChanges] = useState(0);
  const changed = () => setChanges((c) => c + 1);
  const registration = useLoad(() => records.patient(session.chain, me), [me, changes]);

  if (!actor) return <p class="hint">Unlock your health key to continue.</p>;
  const registered = registration.data;
  const ownKey = actor.keys instanceof Object && 'keyAgreement' in actor.keys ? actor.keys.keyAgreement(0).publicKey : undefined;
  const keyMatches = registered && ownKey ? equalBytes(registered.key, ownKey) : true;

  return (
    <div class="screens" data-testid="patient-view">
      <Register session={session} account={account} registered={Boolean(registered)} loading={registration.loading} onDone={changed} />
      {registered && !keyMatches ? (
        <p class="status error" role="alert" data-testid="key-mismatch">
          This health key is not the one registered for this account: records sealed to the registered key will not open. Unlock the right recovery phrase.
        </p>
      ) : null}
      {registered ? (
        <>
          <AddRecord session={session} account={account} onDone={changed} />
          <Records session={session} account={account} changes={changes} onChanged={changed} />
          <Share session={session} account={account} changes={changes} onDone={changed} />
          <AllowAppend session={session} account={account} onDone={changed} />
          <Consents session={session} account={account} changes={changes} onDone={changed} />
          <Delegates session={session} account={account} changes={changes} onDone={changed} />
          <Custodian session={session} account={account} changes={changes} onDone={changed} />
          <Timeline session={session} account={account} changes={changes} onDone={changed} />
        </>
      ) : null}
      {registered ? <Insurance session={session} account={account} changes={changes} onDone={changed} /> : null}
      <Consultations session={session} account={account} side="patient" />
      <PatientPrescriptions session={session} account={account} />
    </div>
  );
}

function Register({ session, account, registered, loading, onDone }: { session: Session; account: AppAccount; registered: boolean; loading: boolean; onDone: () => void }) {
  const [state, run] = useAction();
  if (loading && !registered) return <Section title="Registration" testid="registration"><p>Checking…</p></Section>;
  return (
    <Section title="Registration" testid="registration">
      {registered ? (
        <p data-testid="registered">Registered as a patient: your health key is published on chain, so records can be sealed to you.</p>
      ) : (
        <>
          <p>Register as a patient: your health key’s public part goes on chain (1 MED deposit, returned when you leave).</p>
          <button type="button" data-testid="register" disabled={state.busy} onClick={() => run(async (step) => {
            step('Registering…');
            await registerPatient(session.context(account.address), session.actor(account.address)!);
            onDone();
            return 'Registered.';
          })}>Register</button>
        </>
      )}
      <ActionStatus state={state} testid="register" />
    </Section>
  );
}

function AddRecord({ session, account, onDone }: { session: Session; account: AppAccount; onDone: () => void }) {
  const [state, run] = useAction();

  const submit = async (prepared: () => Prepared): Promise<boolean> => {
    let added = false;
    await run(async (step) => {
      const resource = prepared();
      const actor = session.actor(account.address)!;
      if (!('tagKey' in actor.keys)) throw new Error('A patient’s records need a health key from a recovery phrase.');
      const tag = tagOf(actor.keys.tagKey(0), resource.label);
      step('Encrypting in this browser, storing the ciphertext at the gateway, anchoring on chain…');
      const written = await addResource(session.context(account.address), actor, account.address, resource.bytes, tag, { purpose: 'Treatment' });
      onDone();
      added = true;
      return `Added record #${written.id} (${resource.summary}).`;
    });
    return added;
  };

  return (
    <Section title="Add a record" testid="add-record">
      <RecordForm onSubmit={submit} busy={state.busy} />
      <ActionStatus state={state} testid="add-record" />
    </Section>
  );
}

function Records({ session, account, changes, onChanged }: { session: Session; account: AppAccount; changes: number; onChanged: () => void }) {
  const list = useLoad(() => patientRecords(session.chain, account.address), [account.address, changes]);
  const [opened, setOpened] = useState<{ id: bigint; text: string; summary: string } | undefined>(undefined);
  const [panel, setPanel] = useState<{ row: RecordRow; tool: RecordTool } | undefined>(undefined);
  const [state, run] = useAction();
  const tool = (row: RecordRow, name: RecordTool, label: string, cls = 'small secondary') => (
    <button type="button" class={cls} data-testid={`record-${name}`} disabled={state.busy} onClick={() => {
      setOpened(undefined);
      setPanel({ row, tool: name });
    }}>{label}</button>
  );
  return (
    <Section title="My records" testid="records" actions={<button type="button" class="link" data-testid="records-refresh" onClick={list.refresh}>Refresh</button>}>
      {list.error ? <p class="status error">{list.error}</p> : null}
      {list.data && list.data.length === 0 ? <p>No records yet.</p> : null}
      {list.data && list.data.length > 0 ? (
        <table>
          <thead><tr><th>Record</th><th>Version</th><th>Added</th><th>By</th><th>Keys</th><th /></tr></thead>
          <tbody>
            {list.data.map((r) => (
              <tr key={String(r.id)} data-testid="record-row" data-record={String(r.id)} data-version={r.version}>
                <td>#{String(r.id)}{r.version > 1 ? <span class="hint"> (record #{String(r.record)})</span> : null}</td>
                <td>{r.version} ({kindWords(r.kind)})</td>
                <td>{formatTime(r.createdAt)}</td>
                <td>{r.author === account.address ? 'you' : <Address value={r.author} />}</td>
                <td>{r.envelopes}</td>
                <td class="actions">
                  <button type="button" class="small" data-testid="record-open" disabled={state.busy} onClick={() => run(async (step) => {
                    setPanel(undefined);
                    step(`Fetching and decrypting record #${r.id}…`);
                    const result = await readRecord(session.context(account.address, { version: r.id }), session.actor(account.address)!, r.id, { access: false });
                    const resource = JSON.parse(new TextDecoder().decode(result.resource)) as unknown;
                    setOpened({ id: r.id, text: JSON.stringify(resource, null, 2), summary: summarise(resource) });
                  })}>Open</button>
                  {tool(r, 'history', 'Versions')}
                  {tool(r, 'amend', 'Amend')}
                  {tool(r, 'rekey', 'Re-key')}
                  {tool(r, 'shred', 'Shred', 'small danger')}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      <ShreddedRecords session={session} account={account} changes={changes} />
      <ActionStatus state={state} testid="record-open" />
      {opened ? (
        <div class="opened" data-testid="record-content">
          <h3>Record #{String(opened.id)}: {opened.summary}</h3>
          <pre>{opened.text}</pre>
        </div>
      ) : null}
      {panel ? (
        <RecordPanel key={`${panel.tool}-${panel.row.id}`} session={session} account={account} row={panel.row} tool={panel.tool}
          onChanged={onChanged} onClose={() => setPanel(undefined)} />
      ) : null}
    </Section>
  );
}

function Share({ session, account, changes, onDone }: { session: Session; account: AppAccount; changes: number; onDone: () => void }) {
  const list = useLoad(() => patientRecords(session.chain, account.address), [account.address, changes]);
  const [grantee, setGrantee] = useState('');
  const { status, statusError } = useLicenceOf(session, grantee);
  const [chosen, setChosen] = useState<Set<string>>(new Set());
  const [purpose, setPurpose] = useState<PurposeOfUse>('Treatment');
  const [days, setDays] = useState('');
  const [state, run] = useAction();

  const toggle = (id: string) => setChosen((s) => {
    const next = new Set(s);
    if (next.has(id)) next.delete(id);
    else next.add(id);
    return next;
  });

  return (
    <Section title="Share with a clinician" testid="share">
      <form class="grid" onSubmit={(e) => {
        e.preventDefault();
        void run(async (step) => {
          const versions = [...chosen].map((s) => BigInt(s));
          if (versions.length === 0) throw new Error('Choose at least one record to share.');
          const who = session.chain.address(grantee.trim());
          const end = await endAfterDays(session, days);
          step('Granting the consent, then sealing each record’s key to the clinician…');
          const granted = await grantAndSeal(session.context(account.address), session.actor(account.address)!, who,
            { actions: ['Read'], scope: { Records: versions }, purposes: [purpose], end }, versions, purpose);
          onDone();
          setChosen(new Set());
          return `Consent #${granted.consent} granted; ${granted.sealed.length} record key${granted.sealed.length === 1 ? '' : 's'} sealed.`;
        });
      }}>
        <label>Clinician’s address
          <input data-testid="grantee" value={grantee} onInput={(e) => setGrantee(e.currentTarget.value)} placeholder="5…" spellcheck={false} />
        </label>
        <p class={`licence ${status?.licensed ? 'ok' : 'warn'}`} data-testid="grantee-licence">
          {statusError ?? (status ? `Licence status: ${describeLicence(status)}` : 'Enter an address to see the licence status.')}
        </p>
        <fieldset>
          <legend>Records to share (read only)</legend>
          {(list.data ?? []).map((r) => (
            <label key={String(r.id)}>
              <input type="checkbox" data-testid="share-record" data-record={String(r.id)} checked={chosen.has(String(r.id))} onChange={() => toggle(String(r.id))} />
              record #{String(r.id)} ({formatTime(r.createdAt)})
            </label>
          ))}
        </fieldset>
        <label>Purpose
          <select data-testid="share-purpose" value={purpose} onChange={(e) => setPurpose(e.currentTarget.value as PurposeOfUse)}>
            {PURPOSES.map((p) => <option key={p.value} value={p.value}>{p.words}</option>)}
          </select>
        </label>
        <label>For how many days (empty: until you revoke)
          <input type="number" min="1" data-testid="share-days" value={days} onInput={(e) => setDays(e.currentTarget.value)} />
        </label>
        <button type="submit" data-testid="share-grant" disabled={state.busy}>Grant and share</button>
      </form>
      <ActionStatus state={state} testid="share" />
    </Section>
  );
}

/** The licence status of the address being typed (after a short pause), or why it cannot be read. */
export function useLicenceOf(session: Session, typed: string): { status: LicenceStatusView | undefined; statusError: string | undefined } {
  const [status, setStatus] = useState<LicenceStatusView | undefined>(undefined);
  const [statusError, setStatusError] = useState<string | undefined>(undefined);
  useEffect(() => {
    setStatus(undefined);
    setStatusError(undefined);
    const who = typed.trim();
    if (!who) return;
    let live = true;
    const timer = setTimeout(() => {
      try {
        session.chain.address(who);
      } catch {
        setStatusError('Not a valid address.');
        return;
      }
      licenceStatus(session.chain, who).then((s) => live && setStatus(s), (e: unknown) => live && setStatusError(explain(e)));
    }, 250);
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [typed]);
  return { status, statusError };
}

/** The names of the category tags this patient's key makes (hex → words), and of the insurer-payment tag. */
function categoryNames(session: Session, address: string): ReadonlyMap<string, string> | undefined {
  const keys = session.actor(address)?.keys;
  if (!keys || !('tagKey' in keys)) return undefined;
  const names = new Map<string, string>(CATEGORIES.map((c) => [toHex(tagOf(keys.tagKey(0), c.label)), `category: ${c.words}`]));
  names.set(toHex(tagOf(keys.tagKey(0), PAYMENT_LABEL)), 'claims only (no record)');
  return names;
}

/**
 * The patient lets a clinician add records to one category of theirs: a consent to `Append`
 * (and `Read`: the author keeps a key of what they add, which the chain gives only to a reader)
 * for treatment, scoped to the category's blinded tag (the chain never sees the category's
 * name). The clinician's app lists the tags it may add under.
 */
function AllowAppend({ session, account, onDone }: { session: Session; account: AppAccount; onDone: () => void }) {
  const [grantee, setGrantee] = useState('');
  const { status, statusError } = useLicenceOf(session, grantee);
  const [label, setLabel] = useState(CATEGORIES[0]!.label);
  const [days, setDays] = useState('');
  const [state, run] = useAction();
  return (
    <Section title="Let a clinician add records" testid="allow-append">
      <p class="hint">The clinician may then add records to the category you choose (encrypted in their browser, sealed to you too) and read what they added; your other records stay closed to them unless you share them.</p>
      <form class="grid" onSubmit={(e) => {
        e.preventDefault();
        void run(async (step) => {
          const who = addressOf(session.chain, grantee, 'the clinician');
          const actor = session.actor(account.address)!;
          if (!('tagKey' in actor.keys)) throw new Error('Categories need a health key from a recovery phrase.');
          const end = await endAfterDays(session, days);
          const category = CATEGORIES.find((c) => c.label === label)!;
          step('Granting the consent…');
          const id = await consent.grantConsent(session.chain, session.sdkSigner(account.address), account.address, who,
            { actions: ['Read', 'Append'], scope: { Tags: [tagOf(actor.keys.tagKey(0), label)] }, purposes: ['Treatment'], end });
          onDone();
          return `Consent #${id}: the clinician may add records to “${category.words}”.`;
        });
      }}>
        <label>Clinician’s address
          <input data-testid="append-grantee" value={grantee} onInput={(e) => setGrantee(e.currentTarget.value)} placeholder="5…" spellcheck={false} />
        </label>
        <p class={`licence ${status?.licensed ? 'ok' : 'warn'}`} data-testid="append-grantee-licence">
          {statusError ?? (status ? `Licence status: ${describeLicence(status)}` : 'Enter an address to see the licence status.')}
        </p>
        <label>Category
          <select data-testid="append-category" value={label} onChange={(e) => setLabel(e.currentTarget.value)}>
            {CATEGORIES.map((c) => <option key={c.label} value={c.label}>{c.words}</option>)}
          </select>
        </label>
        <label>For how many days (empty: until you revoke)
          <input type="number" min="1" data-testid="append-days" value={days} onInput={(e) => setDays(e.currentTarget.value)} />
        </label>
        <button type="submit" data-testid="append-grant" disabled={state.busy}>Allow adding records</button>
      </form>
      <ActionStatus state={state} testid="append" />
    </Section>
  );
}

/** The end of a consent `days` from the chain's now, or null for an empty field; refuses anything but a whole number of days. */
async function endAfterDays(session: Session, days: string): Promise<number | null> {
  const text = days.trim();
  if (text === '') return null;
  if (!/^\d{1,5}$/.test(text) || Number(text) < 1) throw new RangeError('The number of days is a whole number from 1.');
  return (await session.chain.now()) + Number(text) * 86_400_000;
}

function Consents({ session, account, changes, onDone }: { session: Session; account: AppAccount; changes: number; onDone: () => void }) {
  const list = useLoad(() => patientConsents(session.chain, account.address, categoryNames(session, account.address)), [account.address, changes]);
  const [state, run] = useAction();
  return (
    <Section title="Consents" testid="consents" actions={<button type="button" class="link" data-testid="consents-refresh" onClick={list.refresh}>Refresh</button>}>
      {list.error ? <p class="status error">{list.error}</p> : null}
      {list.data && list.data.length === 0 ? <p>You have granted no consent.</p> : null}
      {list.data && list.data.length > 0 ? (
        <table>
          <thead><tr><th>#</th><th>To</th><th>Allows</th><th>Covers</th><th>For</th><th>Until</th><th>Now</th><th /></tr></thead>
          <tbody>
            {list.data.map((c) => (
              <tr key={String(c.id)} data-testid="consent-row" data-consent={String(c.id)} data-standing={c.standing}>
                <td>{String(c.id)}</td>
                <td><Address value={c.grantee} /></td>
                <td>{c.decision === 'deny' ? 'DENY ' : ''}{c.actions.join(', ')}</td>
                <td>{c.scope}</td>
                <td>{c.purposes.join(', ')}</td>
                <td>{c.end === null ? 'until revoked' : formatTime(c.end)}</td>
                <td data-testid="consent-standing">{standingWords(c.standing)}</td>
                <td>{c.standing === 'inForce' || c.standing === 'notYetStarted' ? (
                  <button type="button" class="small danger" data-testid="consent-revoke" disabled={state.busy} onClick={() => run(async (step) => {
                    step(`Revoking consent #${c.id}…`);
                    await revokeConsent(session.context(account.address), session.actor(account.address)!, c.id);
                    onDone();
                    return `Consent #${c.id} revoked: the chain removed the clinician’s keys of your records.`;
                  })}>Revoke</button>
                ) : null}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      <ActionStatus state={state} testid="consent" />
    </Section>
  );
}

function standingWords(standing: string): string {
  return ({ inForce: 'in force', notYetStarted: 'not started', ended: 'ended', revoked: 'revoked' } as Record<string, string>)[standing] ?? standing;
}

function Timeline({ session, account, changes, onDone }: { session: Session; account: AppAccount; changes: number; onDone: () => void }) {
  const log = useLoad(() => disclosureLog(session.chain, account.address), [account.address, changes]);
  return (
    <Section title="Who read what: the disclosure log" testid="timeline" actions={<button type="button" class="link" data-testid="timeline-refresh" onClick={log.refresh}>Refresh</button>}>
      {log.error ? <p class="status error">{log.error}</p> : null}
      {log.data ? <EmergencyAccesses session={session} account={account} log={log.data} onReviewed={onDone} /> : null}
      {log.data && log.data.length === 0 ? <p>Nobody has accessed your data.</p> : null}
      {log.data && log.data.length > 0 ? (
        <table>
          <thead><tr><th>When</th><th>Who</th><th>What</th><th>Did</th><th>Why</th><th>On what basis</th></tr></thead>
          <tbody>
            {log.data.map((d) => (
              <tr key={String(d.seq)} class={d.emergency ? 'emergency' : ''} data-testid="disclosure-row" data-emergency={String(d.emergency)}>
                <td>{formatTime(d.at)}</td>
                <td>{d.accessor === account.address ? 'you' : <Address value={d.accessor} />}</td>
                <td>{d.what}</td>
                <td>{d.action}</td>
                <td>{d.purpose}</td>
                <td>{d.emergency ? <strong>{d.basis}</strong> : d.basis}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
    </Section>
  );
}
