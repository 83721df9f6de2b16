import { addResource, equalBytes, fromHex, KeyRing, practitioners, readRecord, records, send, toHex, type PurposeOfUse } from '@telemed/sdk';
import { useState } from 'preact/hooks';
import { checkStatement, closeEmergencyAccess, emergenciesOf, emergencyTerms, formatDuration, openEmergencyAccess, statementHash } from '../emergency.ts';
import { WouldBeRefusedError } from '../errors.ts';
import { summarise, type Prepared } from '../fhir.ts';
import { formatMed, formatTime } from '../format.ts';
import { addressOf, appendPermits, chainNow, describeLicence, licences, licenceStatus, sharedWith, type LicenceStatusView } from '../queries.ts';
import type { AppAccount, Session } from '../session.ts';
import { ActionStatus, Address, Section, useAction, useLoad } from './common.tsx';
import { Consultations } from './Consultations.tsx';
import { Dispense, Prescribe } from './Prescriptions.tsx';
import { RecordForm } from './RecordForm.tsx';

/** The clinician's screens: licence status, the patients who shared records, reading them, consultations. */
export function ClinicianView({ session, account }: { session: Session; account: AppAccount }) {
  const me = account.address;
  const actor = session.actor(me);
  const [changes, setChanges] = useState(0);
  const status = useLoad(() => licenceStatus(session.chain, me), [me, changes]);
  const list = useLoad(() => licences(session.chain, me), [me, changes]);
  const [keyState, runKey] = useAction();

  if (!actor) return <p class="hint">Unlock your health key to continue.</p>;
  const own = actor.keys instanceof KeyRing ? actor.keys.keyAgreement(0).publicKey : actor.keys.publicKey;
  const published = status.data?.keyAgreementKey ? fromHex(status.data.keyAgreementKey) : undefined;
  const keyMatches = published ? equalBytes(published, own) : false;

  return (
    <div class="screens" data-testid="clinician-view">
      <Section title="Licence" testid="licence" actions={<button type="button" class="link" onClick={() => setChanges((c) => c + 1)}>Refresh</button>}>
        {status.error ? <p class="status error">{status.error}</p> : null}
        {status.data ? (
          <p class={`licence ${status.data.licensed ? 'ok' : 'warn'}`} data-testid="licence-status">{describeLicence(status.data)}</p>
        ) : null}
        {list.data && list.data.length > 0 ? (
          <table>
            <thead><tr><th>Licence</th><th>Jurisdiction</th><th>Role</th><th>Valid from</th><th>Expires</th><th>Standing</th></tr></thead>
            <tbody>
              {list.data.map((l) => (
                <tr key={l.id} data-testid="licence-row">
                  <td>#{l.id}{l.emergencyCare ? ' (emergency care)' : ''}</td>
                  <td>{l.jurisdiction}</td>
                  <td>{l.role}</td>
                  <td>{formatTime(l.validFrom)}</td>
                  <td data-testid="licence-expiry">{formatTime(l.expiresAt)}</td>
                  <td>{l.standing}</td>
                </tr>
              ))}
            </tbody>
          </table>
        ) : null}
        {status.data?.registered && !keyMatches ? (
          <div>
            <p class="status error" data-testid="practitioner-key-mismatch">Your published key is not this health key: records shared with you will not open here.</p>
            {actor.keys instanceof KeyRing ? (
              <button type="button" onClick={() => runKey(async () => {
                await practitioners.rotateKeyAgreementKey(session.chain, session.sdkSigner(me), own);
                setChanges((c) => c + 1);
                return 'Published.';
              })}>Publish this health key</button>
            ) : null}
            <ActionStatus state={keyState} testid="practitioner-key" />
          </div>
        ) : null}
      </Section>
      <SharedPatients session={session} account={account} />
      <AddForPatient session={session} account={account} />
      <BreakGlass session={session} account={account} />
      <Consultations session={session} account={account} side="practitioner" />
      <Prescribe session={session} account={account} />
      <Dispense session={session} account={account} />
    </div>
  );
}

function SharedPatients({ session, account }: { session: Session; account: AppAccount }) {
  const me = account.address;
  const shared = useLoad(() => sharedWith(session.chain, me), [me]);
  const [opened, setOpened] = useState<{ id: bigint; text: string; summary: string } | undefined>(undefined);
  const [byId, setById] = useState('');
  const [purpose, setPurpose] = useState<PurposeOfUse>('Treatment');
  const [state, run] = useAction();

  const open = (id: bigint) => run(async (step) => {
    setOpened(undefined);
    step(`Asking the chain for access to record #${id} (checked and logged in the patient’s disclosure log)…`);
    const result = await readRecord(session.context(me, { version: id, purpose }), session.actor(me)!, id);
    const resource = JSON.parse(new TextDecoder().decode(result.resource)) as unknown;
    setOpened({ id, text: JSON.stringify(resource, null, 2), summary: summarise(resource) });
    shared.refresh();
  });

  return (
    <Section title="Patients who shared records with you" testid="shared" actions={<button type="button" class="link" data-testid="shared-refresh" onClick={shared.refresh}>Refresh</button>}>
      <label>Purpose of my access
        <select value={purpose} data-testid="read-purpose" onChange={(e) => setPurpose(e.currentTarget.value as PurposeOfUse)}>
          <option value="Treatment">Treatment</option>
          <option value="Payment">Payment</option>
          <option value="Operations">Operations</option>
          <option value="Research">Research</option>
        </select>
      </label>
      {shared.error ? <p class="status error">{shared.error}</p> : null}
      {shared.data && shared.data.length === 0 ? <p data-testid="shared-none">No patient has shared a record with you.</p> : null}
      {(shared.data ?? []).map(({ patient, versions }) => (
        <div key={patient} class="patient" data-testid="shared-patient" data-patient={patient}>
          <h3>Patient <Address value={patient} /></h3>
          <ul>
            {versions.map((v) => (
              <li key={String(v)}>
                record #{String(v)} <button type="button" class="small" data-testid="shared-open" data-record={String(v)} disabled={state.busy} onClick={() => void open(v)}>Open</button>
              </li>
            ))}
          </ul>
        </div>
      ))}
      <form class="row" onSubmit={(e) => {
        e.preventDefault();
        if (/^\d+$/.test(byId.trim())) void open(BigInt(byId.trim()));
      }}>
        <label>Open a record by its id <input data-testid="open-by-id" inputMode="numeric" value={byId} onInput={(e) => setById(e.currentTarget.value)} /></label>
        <button type="submit" data-testid="open-by-id-submit" disabled={state.busy}>Open</button>
      </form>
      <ActionStatus state={state} testid="clinician-open" />
      {opened ? (
        <div class="opened" data-testid="clinician-record-content">
          <h3>Record #{String(opened.id)}: {opened.summary}</h3>
          <pre>{opened.text}</pre>
        </div>
      ) : null}
    </Section>
  );
}

/** Why a practitioner may not break the glass, in words, from their licence status. */
function emergencyHint(status: LicenceStatusView): string {
  if (!status.registered) return 'This account is not a registered practitioner.';
  if (!status.licensed) return 'You hold no licence that is valid now.';
  return 'Your licences are not endorsed for emergency care.';
}

/**
 * Break-glass: emergency access to a patient's data, with a statement of why that stays in
 * this browser (its blake2b-256 hash goes on chain); the clinician's accesses not closed yet,
 * and closing one. Reading records on this basis needs the patient's emergency custodian to
 * release their keys, which this app does not run.
 */
function BreakGlass({ session, account }: { session: Session; account: AppAccount }) {
  const me = account.address;
  const [changes, setChanges] = useState(0);
  const terms = useLoad(() => emergencyTerms(session.chain), []);
  const list = useLoad(async () => emergenciesOf(session.chain, me, await chainNow(session.chain)), [me, changes]);
  const [patient, setPatient] = useState('');
  const [statement, setStatement] = useState('');
  // The statements of the accesses opened in this page, by id: they never leave the browser.
  const [statements, setStatements] = useState<ReadonlyMap<string, string>>(new Map());
  const [state, run] = useAction();

  const open = () => run(async (step) => {
    const who = addressOf(session.chain, patient, 'the patient');
    const text = checkStatement(statement);
    if (who === me) throw new WouldBeRefusedError('consent.EmergencyOnSelf');
    const status = await licenceStatus(session.chain, me);
    if (!status.emergencyAccess) throw new WouldBeRefusedError('consent.NotEmergencyPractitioner', emergencyHint(status));
    step('Opening the emergency access…');
    const id = await openEmergencyAccess(session.chain, session.sdkSigner(me), who, text);
    setStatements((m) => new Map(m).set(String(id), text));
    setStatement('');
    setChanges((c) => c + 1);
    return `Emergency access #${id} is open. Your statement stayed in this browser (save it for the review); the chain holds only its hash. `
      + 'You can read this patient’s records on this basis only if they appointed an emergency custodian, which then releases their keys to you.';
  });

  return (
    <Section title="Emergency access (break-glass)" testid="break-glass" actions={<button type="button" class="link" data-testid="emergency-refresh" onClick={() => setChanges((c) => c + 1)}>Refresh</button>}>
      <p class="hint" data-testid="emergency-terms">
        {terms.data
          ? `Opening holds a ${formatMed(terms.data.deposit)} deposit from you until the access is reviewed (returned if it is found justified) and lasts ${formatDuration(terms.data.durationMs)}. `
          : 'Reading the deposit and duration… '}
        The patient sees it, in red, in their disclosure log. Only for an emergency: the review may forfeit the deposit.
      </p>
      <form class="grid" onSubmit={(e) => {
        e.preventDefault();
        void open();
      }}>
        <label>Patient’s address <input data-testid="emergency-patient" spellcheck={false} placeholder="5…" value={patient} onInput={(e) => setPatient(e.currentTarget.value)} /></label>
        <label>Why you need access now (kept in this browser; only its hash goes on chain)
          <textarea rows={3} data-testid="emergency-statement" value={statement} onInput={(e) => setStatement(e.currentTarget.value)} />
        </label>
        <button type="submit" class="danger" data-testid="emergency-open" disabled={state.busy}>Break the glass</button>
      </form>
      <ActionStatus state={state} testid="emergency" />
      <h3>Your emergency accesses not closed yet</h3>
      <p class="hint">Read by scanning every open emergency access on the chain (there is no index by practitioner): fine for a small network.</p>
      {list.error ? <p class="status error">{list.error}</p> : null}
      {list.data && list.data.length === 0 ? <p data-testid="emergency-none">You have no emergency access open.</p> : null}
      {list.data && list.data.length > 0 ? (
        <table>
          <thead><tr><th>Access</th><th>Patient</th><th>Opened</th><th>Until</th><th>Now</th><th>Statement</th><th /></tr></thead>
          <tbody>
            {list.data.map((a) => {
              const text = statements.get(String(a.id));
              return (
                <tr key={String(a.id)} class="emergency" data-testid="emergency-row" data-access={String(a.id)} data-open={String(a.open)}>
                  <td>#{String(a.id)}</td>
                  <td><Address value={a.patient} /></td>
                  <td>{formatTime(a.openedAt)}</td>
                  <td>{formatTime(a.expiresAt)}</td>
                  <td data-testid="emergency-standing">{a.open ? 'open' : 'expired'} (review {a.review.toLowerCase()})</td>
                  <td>
                    <code title={a.statement}>{a.statement.slice(0, 12)}…</code>
                    {text !== undefined ? (
                      <> <a data-testid="emergency-statement-save" download={`emergency-access-${a.id}-statement.txt`}
                        href={`data:text/plain;charset=utf-8,${encodeURIComponent(`${text}\n\nblake2b-256: ${toHex(statementHash(text))}\n`)}`}>save the statement</a></>
                    ) : null}
                  </td>
                  <td>{a.open ? (
                    <button type="button" class="small" data-testid="emergency-close" disabled={state.busy} onClick={() => run(async (step) => {
                      step(`Closing emergency access #${a.id}…`);
                      await closeEmergencyAccess(session.chain, session.sdkSigner(me), a.id);
                      setChanges((c) => c + 1);
                      return `Emergency access #${a.id} closed. The review is still owed; the deposit stays held until then.`;
                    })}>Close</button>
                  ) : null}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      ) : null}
    </Section>
  );
}

/**
 * The clinician adds a record for a patient who lets them (an `Append` and `Read` consent for
 * treatment scoped to category tags; `Read` because the author keeps a key of what they add):
 * encrypted in this browser, stored at the gateway, anchored under
 * one of those tags, its key sealed to the patient and to the clinician, then the addition
 * logged in the patient's disclosure log (`consent.logAccess`), as the FHIR facade does.
 */
function AddForPatient({ session, account }: { session: Session; account: AppAccount }) {
  const me = account.address;
  const [patient, setPatient] = useState('');
  const [changes, setChanges] = useState(0);
  const [tag, setTag] = useState('');
  const target = useLoad(async () => {
    const typed = patient.trim();
    if (typed === '') return undefined;
    let who: string;
    try {
      who = session.chain.address(typed);
    } catch {
      return { who: undefined, registered: false, permits: [] };
    }
    const registered = (await records.patient(session.chain, who)) !== null;
    return { who, registered, permits: registered ? await appendPermits(session.chain, who, me) : [] };
  }, [patient, me, changes]);
  const [state, run] = useAction();
  const tags = (target.data?.permits ?? []).flatMap((p) => p.tags.map((t) => ({ tag: t, consent: p.consent, end: p.end, read: p.read })));
  const chosen = tags.find((t) => t.tag === tag) ?? tags[0];

  const submit = async (prepared: () => Prepared): Promise<boolean> => {
    let added = false;
    await run(async (step) => {
      const who = addressOf(session.chain, patient, 'the patient');
      const found = target.data;
      if (!found || found.who !== who) throw new Error('Still reading this patient’s permits: try again in a moment.');
      if (!found.registered) throw new Error('This address is not a registered patient: records are added only for registered patients.');
      if (!chosen) throw new WouldBeRefusedError('records.NoConsent', 'This patient has given you no permit to add records: ask them to let you add to one of their categories (“Let a clinician add records” in their app).');
      if (!chosen.read) {
        throw new WouldBeRefusedError('records.NoConsent', 'This permit lets you add records but not read them, and you keep a key of what you add: ask the patient for a permit to add and read (“Let a clinician add records” in their app).');
      }
      const resource = prepared();
      const actor = session.actor(me)!;
      const blinded = fromHex(chosen.tag);
      step('Encrypting in this browser, storing the ciphertext at the gateway, anchoring it, sealing its key to the patient and to you…');
      const written = await addResource(session.context(me), actor, who, resource.bytes, blinded, { purpose: 'Treatment', sealTo: [who] });
      written.dataKey.fill(0);
      step('Logging the addition in the patient’s disclosure log…');
      await send(session.chain, session.chain.api.tx.consent!.logAccess!(who, 'Append', { Record: { tag: toHex(blinded), record: written.id } }, 'Treatment'), session.sdkSigner(me));
      added = true;
      setChanges((c) => c + 1);
      return `Added record #${written.id} (${resource.summary}) to the patient’s records: its key is sealed to the patient and to you.`;
    });
    return added;
  };

  return (
    <Section title="Add a record for a patient" testid="clinician-add" actions={<button type="button" class="link" data-testid="clinician-add-refresh" onClick={() => setChanges((c) => c + 1)}>Check again</button>}>
      <p class="hint">For a patient who lets you add to one of their categories. The chain sees the category only as a blinded tag.</p>
      <div class="row">
        <label>Patient’s address <input data-testid="clinician-add-patient" spellcheck={false} placeholder="5…" value={patient} onInput={(e) => setPatient(e.currentTarget.value)} /></label>
        {tags.length > 0 ? (
          <label>Category (blinded tag)
            <select data-testid="clinician-add-tag" value={chosen?.tag ?? ''} onChange={(e) => setTag(e.currentTarget.value)}>
              {tags.map((t) => <option key={t.tag} value={t.tag}>{t.tag.slice(0, 14)}… (consent #{String(t.consent)}{t.end !== null ? `, until ${formatTime(t.end)}` : ''})</option>)}
            </select>
          </label>
        ) : null}
      </div>
      {target.error ? <p class="status error">{target.error}</p> : null}
      {target.data && target.data.who === undefined ? <p class="status error" data-testid="clinician-add-invalid">Not a valid address.</p> : null}
      {target.data?.who !== undefined && !target.data.registered ? <p class="licence warn">Not a registered patient.</p> : null}
      {target.data?.registered ? (
        <p class={`licence ${tags.length > 0 ? 'ok' : 'warn'}`} data-testid="clinician-add-permits">
          {tags.length > 0
            ? `This patient lets you add records to ${tags.length} categor${tags.length === 1 ? 'y' : 'ies'}.`
            : 'This patient has given you no permit to add records.'}
        </p>
      ) : null}
      <RecordForm onSubmit={submit} busy={state.busy} prefix="clinician-" submitWords="Encrypt and add for the patient" />
      <ActionStatus state={state} testid="clinician-add" />
    </Section>
  );
}
