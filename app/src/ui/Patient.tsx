import { addResource, consent, equalBytes, readRecord, records, revokeConsent, registerPatient, sealToGrantee, tagOf, type AccessAction, type Decision, type PurposeOfUse } from '@telemed/sdk';
import { useEffect, useState } from 'preact/hooks';
import {
  ACTIONS,
  actionWords,
  ALL_DATA_WARNING,
  categoryNames,
  consentRequest,
  coverFromJson,
  coverOfScope,
  coveredVersions,
  decisionWords,
  DENY_EXPLAINED,
  describeRequest,
  maxScopeItems,
  periodWords,
  PURPOSES,
  purposeWords,
  sealPlan,
  type ConsentForm,
  type Cover,
  type Coverage,
  type SealPlan,
} from '../consents.ts';
import { explain, WouldBeRefusedError } from '../errors.ts';
import { CATEGORIES, summarise, type Prepared } from '../fhir.ts';
import { formatTime } from '../format.ts';
import { kindWords } from '../history.ts';
import { addressOf, describeLicence, disclosureLog, licenceStatus, patientConsents, patientRecords, variant, type ConsentRow, type LicenceStatusView, type RecordRow } from '../queries.ts';
import type { AppAccount, Session } from '../session.ts';
import { ActionStatus, Address, Section, useAction, useLoad } from './common.tsx';
import { Consultations } from './Consultations.tsx';
import { Custodian, Delegates } from './Delegates.tsx';
import { EmergencyAccesses } from './Emergencies.tsx';
import { PatientPrescriptions } from './Prescriptions.tsx';
import { RecordForm } from './RecordForm.tsx';
import { Insurance } from './PatientInsurance.tsx';
import { Steps } from './Confirm.tsx';
import { RecordPanel, ShreddedRecords, type RecordTool } from './RecordTools.tsx';

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

/**
 * The patient's consent form: to whom (their licence status shown as the address is typed),
 * allow or deny, which actions, what it covers (chosen records, categories by name, or all
 * data), for which purposes, from and until which day. Every bad input is refused in words
 * before anything is sent (src/consents.ts). A permit to read that counts now then seals the
 * keys of the current records it covers to the grantee, one by one; a deny seals nothing. Its
 * defaults (allow, read, chosen records, treatment, from now until revoked) share records.
 */
function Share({ session, account, changes, onDone }: { session: Session; account: AppAccount; changes: number; onDone: () => void }) {
  const me = account.address;
  const list = useLoad(() => patientRecords(session.chain, me), [me, changes]);
  const [grantee, setGrantee] = useState('');
  const [decision, setDecision] = useState<Decision>('Permit');
  const [actions, setActions] = useState<ReadonlySet<AccessAction>>(new Set(['Read']));
  const [kind, setKind] = useState<Coverage['kind']>('records');
  const [chosen, setChosen] = useState<ReadonlySet<string>>(new Set());
  const [labels, setLabels] = useState<ReadonlySet<string>>(new Set());
  const [purposes, setPurposes] = useState<ReadonlySet<PurposeOfUse>>(new Set(['Treatment']));
  const [firstDay, setFirstDay] = useState('');
  const [lastDay, setLastDay] = useState('');
  const [steps, setSteps] = useState<string[]>([]);
  const [state, run] = useAction();
  const tagKey = tagKeyOf(session, me);
  const names = tagKey ? categoryNames(tagKey) : undefined;

  const form = (): ConsentForm => ({
    decision,
    actions: [...actions],
    coverage: kind === 'all' ? { kind } : kind === 'records' ? { kind, records: [...chosen].map((id) => BigInt(id)) } : { kind, labels: [...labels] },
    purposes: [...purposes],
    firstDay,
    lastDay,
  });
  let summary: string | undefined;
  try {
    summary = tagKey ? describeRequest(consentRequest(form(), Date.now(), tagKey, maxScopeItems(session.chain)), names, Date.now()) : undefined;
  } catch {
    summary = undefined;
  }

  const submit = () => run(async (step) => {
    setSteps([]);
    const report = (text: string) => {
      setSteps((s) => [...s, text]);
      step(text);
    };
    const who = addressOf(session.chain, grantee, 'the grantee');
    if (who === session.chain.address(me)) throw new WouldBeRefusedError('consent.GrantToSelf');
    if (!tagKey) throw new Error('Consents need a health key from a recovery phrase.');
    const request = consentRequest(form(), await session.chain.now(), tagKey, maxScopeItems(session.chain));
    report(request.decision === 'Deny' ? 'Granting the deny…' : 'Granting the consent…');
    const id = await consent.grantConsent(session.chain, session.sdkSigner(me), me, who, request);
    onDone();
    const plan = await sealCovered(session, me, who, id, coverOfScope(request.scope), { ...request, decision: request.decision ?? 'Permit', start: request.start ?? null }, report);
    setChosen(new Set());
    if (request.decision === 'Deny') return `Consent #${id} granted: a DENY (it overrides any permit for what it covers); no key sealed.`;
    if (plan.versions.length === 0) return `Consent #${id} granted; no record key sealed. ${plan.why ?? ''}`.trim();
    return `Consent #${id} granted; ${plan.versions.length} record key${plan.versions.length === 1 ? '' : 's'} sealed.`;
  });

  return (
    <Section title="Share or grant a consent" testid="share">
      <form class="grid" onSubmit={(e) => {
        e.preventDefault();
        void submit();
      }}>
        <GranteeField session={session} value={grantee} onInput={setGrantee} testid="grantee" label="Grantee’s address (a clinician, an insurer, a researcher…)" />
        <fieldset class="scopes">
          <legend>Decision</legend>
          {(['Permit', 'Deny'] as const).map((d) => (
            <label key={d}>
              <input type="radio" name="consent-decision" data-testid="consent-decision" data-decision={d} checked={decision === d} onChange={() => setDecision(d)} />
              {d === 'Permit' ? 'allow' : 'deny'}
            </label>
          ))}
        </fieldset>
        {decision === 'Deny' ? <p class="status warn wide" data-testid="consent-deny-explained">{DENY_EXPLAINED}</p> : null}
        <fieldset class="scopes">
          <legend>{decision === 'Deny' ? 'Actions denied' : 'Actions allowed'}</legend>
          {ACTIONS.map((a) => (
            <label key={a.action} title={a.hint}>
              <input type="checkbox" data-testid="consent-action" data-action={a.action} checked={actions.has(a.action)} onChange={() => setActions(toggled(actions, a.action))} />
              {a.words}
            </label>
          ))}
        </fieldset>
        <fieldset class="scopes">
          <legend>What it covers</legend>
          {([['records', 'chosen records'], ['categories', 'categories'], ['all', 'all data']] as const).map(([k, words]) => (
            <label key={k}>
              <input type="radio" name="consent-cover" data-testid="consent-cover" data-cover={k} checked={kind === k} onChange={() => setKind(k)} />
              {words}
            </label>
          ))}
        </fieldset>
        {kind === 'records' ? (
          <fieldset>
            <legend>Records</legend>
            {(list.data ?? []).length === 0 ? <p class="hint">You have no records yet.</p> : null}
            {(list.data ?? []).map((r) => (
              <label key={String(r.id)}>
                <input type="checkbox" data-testid="share-record" data-record={String(r.id)} checked={chosen.has(String(r.id))} onChange={() => setChosen(toggled(chosen, String(r.id)))} />
                record #{String(r.id)} ({formatTime(r.createdAt)}{names?.get(r.tag) ? `, ${names.get(r.tag)}` : ''})
              </label>
            ))}
          </fieldset>
        ) : null}
        {kind === 'categories' ? (
          <fieldset class="scopes">
            <legend>Categories (the records you have and add in them)</legend>
            {CATEGORIES.map((c) => (
              <label key={c.label}>
                <input type="checkbox" data-testid="consent-category" data-category={c.label} checked={labels.has(c.label)} onChange={() => setLabels(toggled(labels, c.label))} />
                {c.words}
              </label>
            ))}
          </fieldset>
        ) : null}
        {kind === 'all' ? <p class="status warn wide" role="alert" data-testid="consent-all-warning">{ALL_DATA_WARNING}</p> : null}
        <fieldset class="scopes">
          <legend>For which purposes</legend>
          {PURPOSES.map((p) => (
            <label key={p.purpose}>
              <input type="checkbox" data-testid="consent-purpose" data-purpose={p.purpose} checked={purposes.has(p.purpose)} onChange={() => setPurposes(toggled(purposes, p.purpose))} />
              {p.words}
            </label>
          ))}
        </fieldset>
        <label>First day (empty: from now)
          <input type="date" data-testid="consent-first-day" value={firstDay} onInput={(e) => setFirstDay(e.currentTarget.value)} />
        </label>
        <label>Last day, included (empty: until you revoke)
          <input type="date" data-testid="consent-last-day" value={lastDay} onInput={(e) => setLastDay(e.currentTarget.value)} />
        </label>
        {summary ? <p class="hint wide" data-testid="consent-summary">{summary}</p> : null}
        <button type="submit" data-testid="share-grant" disabled={state.busy}>{decision === 'Deny' ? 'Grant the deny' : 'Grant and share'}</button>
      </form>
      <Steps steps={steps} busy={state.busy} testid="share-steps" />
      <ActionStatus state={state} testid="share" />
    </Section>
  );
}

function toggled<T>(set: ReadonlySet<T>, item: T): ReadonlySet<T> {
  const next = new Set(set);
  if (next.has(item)) next.delete(item);
  else next.add(item);
  return next;
}

/** The patient's tag key (of their recovery phrase), or undefined for a key without one. */
function tagKeyOf(session: Session, address: string): Uint8Array | undefined {
  const keys = session.actor(address)?.keys;
  return keys && 'tagKey' in keys ? keys.tagKey(0) : undefined;
}

/**
 * Seals to `grantee` the keys of the patient's current records that consent `id` covers and
 * they do not hold yet, when it is a permit to read that counts now (consents.ts `sealPlan`),
 * reporting each record. The consent stays granted if a seal fails: the error says which.
 */
async function sealCovered(session: Session, me: string, grantee: string, id: bigint, cover: Cover,
  terms: { decision: string; actions: readonly string[]; purposes: readonly string[]; start: number | null },
  report: (text: string) => void): Promise<SealPlan> {
  if (terms.decision.toLowerCase() !== 'permit') return sealPlan(terms, [], [], 0);
  const [rows, held, now] = await Promise.all([patientRecords(session.chain, me), records.envelopesOf(session.chain, me, grantee), session.chain.now()]);
  const plan = sealPlan(terms, coveredVersions(cover, rows), held, now);
  for (const [i, version] of plan.versions.entries()) {
    report(`Sealing the key of record #${version} to the grantee (${i + 1} of ${plan.versions.length})…`);
    try {
      await sealToGrantee(session.context(me), session.actor(me)!, version, grantee, plan.purpose!);
    } catch (e) {
      throw new Error(`Consent #${id} is granted, but the key of record #${version} was not sealed: ${explain(e)} Try again with “Seal keys” in the consents table.`);
    }
  }
  return plan;
}

/** An address field with the licence status of the address typed (after a short pause). */
function GranteeField({ session, value, onInput, testid, label }: { session: Session; value: string; onInput: (text: string) => void; testid: string; label: string }) {
  const { status, statusError } = useLicenceOf(session, value);
  return (
    <>
      <label>{label}
        <input data-testid={testid} value={value} onInput={(e) => onInput(e.currentTarget.value)} placeholder="5…" spellcheck={false} />
      </label>
      <p class={`licence ${status?.licensed ? 'ok' : 'warn'}`} data-testid={`${testid}-licence`}>
        {statusError ?? (status ? `Licence status: ${describeLicence(status)}` : 'Enter an address to see the licence status.')}
      </p>
    </>
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

/**
 * The patient lets a clinician add records to one category of theirs: a consent to `Append`
 * (and `Read`: the author keeps a key of what they add, which the chain gives only to a reader)
 * for treatment, scoped to the category's blinded tag (the chain never sees the category's
 * name). The clinician's app lists the tags it may add under.
 */
function AllowAppend({ session, account, onDone }: { session: Session; account: AppAccount; onDone: () => void }) {
  const [grantee, setGrantee] = useState('');
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
        <GranteeField session={session} value={grantee} onInput={setGrantee} testid="append-grantee" label="Clinician’s address" />
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
  const me = account.address;
  const list = useLoad(async () => {
    const tagKey = tagKeyOf(session, me);
    const [rows, now] = await Promise.all([patientConsents(session.chain, me, tagKey ? categoryNames(tagKey) : undefined), session.chain.now()]);
    return { rows, now };
  }, [me, changes]);
  const [state, run] = useAction();
  const [steps, setSteps] = useState<string[]>([]);
  const rows = list.data?.rows;
  const seal = (c: ConsentRow) => run(async (step) => {
    setSteps([]);
    const report = (text: string) => {
      setSteps((s) => [...s, text]);
      step(text);
    };
    const plan = await sealCovered(session, me, c.grantee, c.id, coverFromJson(c.scopeJson), c, report);
    onDone();
    if (plan.versions.length === 0) return `Consent #${c.id}: nothing to seal. ${plan.why ?? ''}`.trim();
    return `Consent #${c.id}: ${plan.versions.length} record key${plan.versions.length === 1 ? '' : 's'} sealed.`;
  });
  return (
    <Section title="Consents" testid="consents" actions={<button type="button" class="link" data-testid="consents-refresh" onClick={list.refresh}>Refresh</button>}>
      {list.error ? <p class="status error">{list.error}</p> : null}
      {rows && rows.length === 0 ? <p>You have granted no consent.</p> : null}
      {rows && rows.length > 0 ? (
        <table>
          <thead><tr><th>#</th><th>To</th><th>Decision</th><th>Actions</th><th>Covers</th><th>For</th><th>When</th><th>Now</th><th /></tr></thead>
          <tbody>
            {rows.map((c) => {
              const open = c.standing === 'inForce' || c.standing === 'notYetStarted';
              const deny = c.decision === 'deny';
              return (
                <tr key={String(c.id)} class={deny ? 'deny' : ''} data-testid="consent-row" data-consent={String(c.id)} data-standing={c.standing} data-decision={c.decision}>
                  <td>{String(c.id)}</td>
                  <td><Address value={c.grantee} /></td>
                  <td data-testid="consent-decision-words">{deny ? <strong>{decisionWords(c.decision)}</strong> : decisionWords(c.decision)}</td>
                  <td data-testid="consent-actions">{actionWords(c.actions)}</td>
                  <td data-testid="consent-scope">{variant(c.scopeJson)[0] === 'allData' ? <strong>{c.scope}</strong> : c.scope}</td>
                  <td data-testid="consent-purposes">{purposeWords(c.purposes)}</td>
                  <td data-testid="consent-period">{periodWords(c.start, c.end, list.data!.now)}</td>
                  <td data-testid="consent-standing">{standingWords(c.standing)}</td>
                  <td class="actions">
                    {c.standing === 'inForce' && !deny && c.actions.includes('read') ? (
                      <button type="button" class="small secondary" data-testid="consent-seal" disabled={state.busy} title="Seal to the grantee the keys of the current records it covers that they do not hold yet"
                        onClick={() => void seal(c)}>Seal keys</button>
                    ) : null}
                    {open ? (
                      <button type="button" class="small danger" data-testid="consent-revoke" disabled={state.busy} onClick={() => run(async (step) => {
                        setSteps([]);
                        step(`Revoking consent #${c.id}…`);
                        await revokeConsent(session.context(me), session.actor(me)!, c.id);
                        onDone();
                        return deny
                          ? `Consent #${c.id} revoked: the deny no longer counts.`
                          : `Consent #${c.id} revoked: the chain removed the grantee’s keys of your records it covered.`;
                      })}>Revoke</button>
                    ) : null}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      ) : null}
      <Steps steps={steps} busy={state.busy} testid="consent-steps" />
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
