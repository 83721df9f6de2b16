import { equalBytes, fromHex, KeyRing, practitioners, readRecord, type PurposeOfUse } from '@telemed/sdk';
import { useState } from 'preact/hooks';
import { summarise } from '../fhir.ts';
import { formatTime } from '../format.ts';
import { describeLicence, licences, licenceStatus, sharedWith } from '../queries.ts';
import type { AppAccount, Session } from '../session.ts';
import { ActionStatus, Address, Section, useAction, useLoad } from './common.tsx';
import { Consultations } from './Consultations.tsx';
import { Dispense, Prescribe } from './Prescriptions.tsx';

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
