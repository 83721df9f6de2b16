import type { ComponentChildren } from 'preact';
import {
  amendPrescription,
  checkDispenseToken,
  dispenseTokenFor,
  dispenseWithToken,
  issuePrescription,
  openPrescription,
  prescriptions,
  type CheckedToken,
  type PrescriptionView,
} from '@telemed/sdk';
import { useMemo, useState } from 'preact/hooks';
import { renderSVG } from 'uqr';
import { describePrescription, medicationRequest } from '../fhir.ts';
import { formatTime, fromBase64Url, toBase64Url } from '../format.ts';
import { amendProblem, amendTerms, issuedBy, MAX_FILLS } from '../prescribing.ts';
import type { AppAccount, Session } from '../session.ts';
import { ActionStatus, Address, Section, useAction, useLoad } from './common.tsx';
import { Confirm } from './Confirm.tsx';

const DAY = 86_400_000;

/** Why a prescription cannot be dispensed now, in words. */
const STANDING: Readonly<Record<prescriptions.PrescriptionStanding, string>> = {
  Dispensable: 'can be dispensed',
  Expired: 'expired',
  PrescriberNotLicensed: 'on hold: the prescriber holds no valid licence now',
  PrescriberRevoked: 'void: the prescriber’s licence was revoked',
};

/** The content of a prescription as the patient opened it, decoded. */
function describeContent(bytes: Uint8Array): string {
  try {
    return describePrescription(JSON.parse(new TextDecoder().decode(bytes)) as unknown);
  } catch {
    return 'unreadable content';
  }
}

/**
 * The patient's prescriptions: each open one with its fills and standing; opening one decrypts
 * it (the key sealed to the patient on chain, the file from the gateway, both checked) and
 * shows the next fill's dispense code as a QR code and as text, for the pharmacy.
 */
export function PatientPrescriptions({ session, account }: { session: Session; account: AppAccount }) {
  const me = account.address;
  const list = useLoad(() => prescriptions.prescriptionsOf(session.chain, me), [me]);
  const [shown, setShown] = useState<{ id: bigint; summary: string; code: string | undefined; fill: number | null } | undefined>(undefined);
  const [cancelling, setCancelling] = useState<bigint | undefined>(undefined);
  const [state, run] = useAction();

  const cancel = (id: bigint) => run(async (step) => {
    setShown(undefined);
    step(`Cancelling prescription #${id}…`);
    await prescriptions.cancel(session.chain, session.sdkSigner(me), id);
    list.refresh();
    return `Prescription #${id} cancelled: no pharmacy can dispense it any more.`;
  });

  const open = (id: bigint) => run(async (step) => {
    setShown(undefined);
    step(`Opening prescription #${id}: its key from the chain, the file from the gateway…`);
    const ctx = session.context(me, { prescription: id });
    const opened = await openPrescription(ctx, session.actor(me)!, id);
    const code = opened.nextFill === null ? undefined : toBase64Url(dispenseTokenFor(ctx, opened));
    setShown({ id, summary: describeContent(opened.content), code, fill: opened.nextFill });
  });

  return (
    <Section title="My prescriptions" testid="prescriptions" actions={<button type="button" class="link" data-testid="prescriptions-refresh" onClick={list.refresh}>Refresh</button>}>
      {list.error ? <p class="status error">{list.error}</p> : null}
      {list.data && list.data.length === 0 ? <p data-testid="prescriptions-none">No open prescription.</p> : null}
      {list.data && list.data.length > 0 ? (
        <table>
          <thead><tr><th>Prescription</th><th>Prescriber</th><th>Fills</th><th>Expires</th><th>Standing</th><th /></tr></thead>
          <tbody>
            {list.data.map(([id, v]) => (
              <tr key={String(id)} data-testid="prescription-row" data-prescription={String(id)}>
                <td>#{String(id)}{v.controlled ? ' (controlled)' : ''}</td>
                <td><Address value={v.prescriber} /></td>
                <td data-testid="prescription-fills">{v.fillsUsed} of {v.fillsAllowed}</td>
                <td>{formatTime(v.expiresAt)}</td>
                <td data-testid="prescription-standing">
                  {STANDING[v.standing]}
                  {v.nextFillNotBefore !== null ? `; next fill from ${formatTime(v.nextFillNotBefore)}` : ''}
                </td>
                <td class="actions">
                  <button type="button" class="small" data-testid="prescription-open" disabled={state.busy} onClick={() => void open(id)}>Open</button>
                  <button type="button" class="small danger" data-testid="prescription-cancel" disabled={state.busy} onClick={() => setCancelling(id)}>Cancel</button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      <ActionStatus state={state} testid="prescription-open" />
      {cancelling !== undefined ? (
        <ConfirmCancel id={cancelling} testid="prescription-cancel" onDone={() => setCancelling(undefined)} cancel={cancel}>
          No pharmacy can dispense it after this, and its codes stop working; the prescriber’s deposit goes back to them. This cannot be undone: ask your prescriber for a new one if you need it again.
        </ConfirmCancel>
      ) : null}
      {shown ? (
        <div class="opened" data-testid="prescription-content">
          <h3>Prescription #{String(shown.id)}: <span data-testid="prescription-summary">{shown.summary}</span></h3>
          {shown.code ? <DispenseCode code={shown.code} fill={shown.fill!} /> : <p>Every fill has been dispensed.</p>}
        </div>
      ) : null}
    </Section>
  );
}

/** The dispense code of a fill: a QR code of its text, and the text to copy. */
function DispenseCode({ code, fill }: { code: string; fill: number }) {
  const svg = useMemo(() => renderSVG(code, { ecc: 'L', border: 2 }), [code]);
  return (
    <div class="dispense-code">
      <p>Show this code at the pharmacy for fill {fill}. It works once: keep it to yourself until then.</p>
      {/* The SVG is uqr's rendering of the code's text: no markup of ours or the chain's in it. */}
      <div class="qr" data-testid="dispense-qr" dangerouslySetInnerHTML={{ __html: svg }} />
      <textarea readOnly rows={4} data-testid="dispense-code" value={code} />
    </div>
  );
}

/**
 * A prescriber's form: the patient, the medication, dosage and quantity (a FHIR
 * MedicationRequest, encrypted in the page and sealed to the patient), fills, validity and
 * whether it is a controlled substance.
 */
export function Prescribe({ session, account }: { session: Session; account: AppAccount }) {
  const me = account.address;
  const [patient, setPatient] = useState('');
  const [medication, setMedication] = useState('');
  const [dosage, setDosage] = useState('');
  const [quantity, setQuantity] = useState('30');
  const [fills, setFills] = useState('1');
  const [days, setDays] = useState('30');
  const [controlled, setControlled] = useState(false);
  const [issuedChanges, setIssuedChanges] = useState(0);
  const [state, run] = useAction();

  const submit = () => run(async (step) => {
    const prepared = medicationRequest(medication, dosage, Number(quantity));
    const n = Number(fills);
    const d = Number(days);
    if (!Number.isInteger(n) || n < 1 || n > 12) throw new RangeError('fills: a whole number from 1 to 12');
    if (!Number.isInteger(d) || d < 1 || d > 360) throw new RangeError('valid for: 1 to 360 days');
    step('Encrypting the prescription, storing it at the gateway, sealing its key to the patient…');
    const expiresAt = (await session.chain.now()) + d * DAY;
    const issued = await issuePrescription(session.context(me), session.actor(me)!, patient.trim(), prepared.bytes, { fills: n, expiresAt, controlled });
    setIssuedChanges((c) => c + 1);
    return `Prescription #${issued.id} issued: ${prepared.summary}, ${n} fill${n === 1 ? '' : 's'}.`;
  });

  return (
    <>
      <Section title="Prescribe" testid="prescribe">
        <form class="grid" onSubmit={(e) => {
          e.preventDefault();
          void submit();
        }}>
          <label>Patient (address) <input data-testid="prescribe-patient" value={patient} onInput={(e) => setPatient(e.currentTarget.value)} /></label>
          <label>Medication <input data-testid="prescribe-medication" value={medication} onInput={(e) => setMedication(e.currentTarget.value)} /></label>
          <label>Dosage <input data-testid="prescribe-dosage" value={dosage} onInput={(e) => setDosage(e.currentTarget.value)} /></label>
          <label>Quantity per fill <input data-testid="prescribe-quantity" inputMode="numeric" value={quantity} onInput={(e) => setQuantity(e.currentTarget.value)} /></label>
          <label>Fills <input data-testid="prescribe-fills" inputMode="numeric" value={fills} onInput={(e) => setFills(e.currentTarget.value)} /></label>
          <label>Valid for (days) <input data-testid="prescribe-days" inputMode="numeric" value={days} onInput={(e) => setDays(e.currentTarget.value)} /></label>
          <label class="check"><input type="checkbox" data-testid="prescribe-controlled" checked={controlled} onChange={(e) => setControlled(e.currentTarget.checked)} /> Controlled substance (the patient’s consent to the pharmacist, a week between fills)</label>
          <button type="submit" data-testid="prescribe-submit" disabled={state.busy}>Issue the prescription</button>
        </form>
        <ActionStatus state={state} testid="prescribe" />
      </Section>
      <IssuedPrescriptions session={session} account={account} changes={issuedChanges} />
    </>
  );
}

const PRESCRIBER_STANDING: Readonly<Record<prescriptions.PrescriptionStanding, string>> = {
  ...STANDING,
  PrescriberNotLicensed: 'on hold: you hold no valid prescribing licence now',
  PrescriberRevoked: 'void: your licence was revoked after you issued it',
};

/**
 * The prescriptions a prescriber issued that are still open, with their fills and standing;
 * amending one (a new MedicationRequest, encrypted and sealed to the patient as issuing does:
 * the SDK's `amendPrescription`) and cancelling one. Closed ones (fully dispensed, cancelled,
 * amended, expired) are no longer on chain, so they leave the list.
 */
function IssuedPrescriptions({ session, account, changes }: { session: Session; account: AppAccount; changes: number }) {
  const me = account.address;
  const [local, setLocal] = useState(0);
  const list = useLoad(() => issuedBy(session.chain, me), [me, changes, local]);
  const [amending, setAmending] = useState<{ id: bigint; view: PrescriptionView } | undefined>(undefined);
  const [cancelling, setCancelling] = useState<bigint | undefined>(undefined);
  const [medication, setMedication] = useState('');
  const [dosage, setDosage] = useState('');
  const [quantity, setQuantity] = useState('30');
  const [fills, setFills] = useState('1');
  const [days, setDays] = useState('30');
  const [state, run] = useAction();

  const startAmend = (id: bigint, view: PrescriptionView) => {
    setAmending({ id, view });
    setMedication('');
    setDosage('');
    setFills(String(Math.max(view.fillsAllowed, view.fillsUsed + 1)));
  };

  const amend = () => run(async (step) => {
    if (!amending) return;
    const { id } = amending;
    // The chain's state now, not the list's: it may have been dispensed or cancelled meanwhile.
    const view = await prescriptions.view(session.chain, id);
    const problem = amendProblem(id, view, me, (a) => session.chain.address(a));
    if (problem) {
      // The list still shows it: read it again, so it leaves when it is closed.
      setLocal((c) => c + 1);
      throw new Error(problem);
    }
    const prepared = medicationRequest(medication, dosage, Number(quantity));
    const terms = amendTerms(fills, days, view!.fillsUsed, await session.chain.now());
    step('Encrypting the new version in this browser, storing it at the gateway, sealing its key to the patient…');
    const amended = await amendPrescription(session.context(me), session.actor(me)!, id, prepared.bytes, { ...terms, controlled: view!.controlled });
    setAmending(undefined);
    setLocal((c) => c + 1);
    return `Prescription #${id} amended: #${amended.id} now reads ${prepared.summary}, ${terms.fills} fill${terms.fills === 1 ? '' : 's'} in all (${view!.fillsUsed} made). The patient’s earlier codes no longer work.`;
  });

  const cancel = (id: bigint) => run(async (step) => {
    step(`Cancelling prescription #${id}…`);
    await prescriptions.cancel(session.chain, session.sdkSigner(me), id);
    if (amending?.id === id) setAmending(undefined);
    setLocal((c) => c + 1);
    return `Prescription #${id} cancelled: it can no longer be dispensed; your deposit is back.`;
  });

  const rows = list.data?.rows ?? [];
  return (
    <Section title="Prescriptions I issued" testid="issued" actions={<button type="button" class="link" data-testid="issued-refresh" onClick={() => setLocal((c) => c + 1)}>Refresh</button>}>
      {list.error ? <p class="status error">{list.error}</p> : null}
      {list.data && rows.length === 0 ? <p data-testid="issued-none">No open prescription of yours.</p> : null}
      {list.data && !list.data.complete ? <p class="hint">Not every open prescription of yours was found among those read: amend or cancel others from the patient’s copy.</p> : null}
      {rows.length > 0 ? (
        <table>
          <thead><tr><th>Prescription</th><th>Patient</th><th>Fills</th><th>Expires</th><th>Standing</th><th /></tr></thead>
          <tbody>
            {rows.map(([id, v]) => (
              <tr key={String(id)} data-testid="issued-row" data-prescription={String(id)}>
                <td>#{String(id)}{v.controlled ? ' (controlled)' : ''}{v.previous !== null ? <span class="hint"> (amends #{String(v.previous)})</span> : null}</td>
                <td><Address value={session.chain.address(v.patient)} /></td>
                <td data-testid="issued-fills">{v.fillsUsed} of {v.fillsAllowed}</td>
                <td>{formatTime(v.expiresAt)}</td>
                <td data-testid="issued-standing">{PRESCRIBER_STANDING[v.standing]}</td>
                <td class="actions">
                  <button type="button" class="small secondary" data-testid="issued-amend" disabled={state.busy} onClick={() => startAmend(id, v)}>Amend</button>
                  <button type="button" class="small danger" data-testid="issued-cancel" disabled={state.busy} onClick={() => setCancelling(id)}>Cancel</button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      {amending ? (
        <div class="opened" data-testid="amend-prescription">
          <h3>Amend prescription #{String(amending.id)} ({amending.view.fillsUsed} of {amending.view.fillsAllowed} fills made)</h3>
          <p class="hint">Write the whole prescription again: its content is sealed to the patient, so you cannot read the current one back here.</p>
          <form class="grid" onSubmit={(e) => {
            e.preventDefault();
            void amend();
          }}>
            <label>Medication <input data-testid="amend-medication" value={medication} onInput={(e) => setMedication(e.currentTarget.value)} /></label>
            <label>Dosage <input data-testid="amend-dosage" value={dosage} onInput={(e) => setDosage(e.currentTarget.value)} /></label>
            <label>Quantity per fill <input data-testid="amend-quantity" inputMode="numeric" value={quantity} onInput={(e) => setQuantity(e.currentTarget.value)} /></label>
            <label>Fills in all (made ones included, at most {MAX_FILLS}) <input data-testid="amend-fills" inputMode="numeric" value={fills} onInput={(e) => setFills(e.currentTarget.value)} /></label>
            <label>Valid for (days from today) <input data-testid="amend-days" inputMode="numeric" value={days} onInput={(e) => setDays(e.currentTarget.value)} /></label>
            <div class="buttons">
              <button type="button" class="secondary" data-testid="amend-prescription-close" onClick={() => setAmending(undefined)}>Close</button>
              <button type="submit" data-testid="amend-prescription-submit" disabled={state.busy}>Amend the prescription</button>
            </div>
          </form>
        </div>
      ) : null}
      <ActionStatus state={state} testid="issued" />
      {cancelling !== undefined ? (
        <ConfirmCancel id={cancelling} testid="issued-cancel" onDone={() => setCancelling(undefined)} cancel={cancel}>
          No pharmacy can dispense it after this; the patient’s codes stop working and your deposit comes back. This cannot be undone.
        </ConfirmCancel>
      ) : null}
    </Section>
  );
}

/** The confirmation before cancelling prescription `id`, saying what it does (`children`), for the patient or the prescriber. */
function ConfirmCancel({ id, testid, onDone, cancel, children }: {
  id: bigint;
  testid: string;
  onDone: () => void;
  cancel: (id: bigint) => Promise<void>;
  children: ComponentChildren;
}) {
  return (
    <Confirm title={`Cancel prescription #${id}?`} yes="Cancel the prescription" no="Keep it" danger testid={testid}
      onNo={onDone}
      onYes={() => {
        onDone();
        void cancel(id);
      }}>
      <p>{children}</p>
    </Confirm>
  );
}

/**
 * A pharmacist's counter: the patient's dispense code (scanned or typed) is checked against the
 * chain — the medication against the prescription's commitment, the fill, its secret, the
 * prescription's standing — and shown; dispensing presents the secret on chain, once.
 */
export function Dispense({ session, account }: { session: Session; account: AppAccount }) {
  const me = account.address;
  const [code, setCode] = useState('');
  const [checked, setChecked] = useState<{ code: string; checked: CheckedToken } | undefined>(undefined);
  const [state, run] = useAction();

  const check = () => run(async () => {
    setChecked(undefined);
    const result = await checkDispenseToken(session.context(me), fromBase64Url(code));
    setChecked({ code, checked: result });
  });
  const dispense = () => run(async (step) => {
    if (!checked) return;
    step('Presenting the fill’s code on chain…');
    const filled = await dispenseWithToken(session.context(me), { signer: session.sdkSigner(me) }, fromBase64Url(checked.code));
    setChecked(undefined);
    setCode('');
    return `Fill ${filled.fill} of prescription #${filled.id} dispensed; ${filled.remaining} left.`;
  });

  const token = checked?.checked.token;
  const view = checked?.checked.view;
  return (
    <Section title="Dispense" testid="dispense">
      <form class="row" onSubmit={(e) => {
        e.preventDefault();
        void check();
      }}>
        <label>The patient’s dispense code <textarea rows={3} data-testid="dispense-input" value={code} onInput={(e) => {
          setCode(e.currentTarget.value);
          setChecked(undefined);
        }} /></label>
        <button type="submit" data-testid="dispense-check" disabled={state.busy || !code.trim()}>Check</button>
      </form>
      {token && view ? (
        <div class="opened" data-testid="dispense-checked">
          <h3>Prescription #{String(token.prescription)}, fill {token.fill} of {view.fillsAllowed}{view.controlled ? ' (controlled)' : ''}</h3>
          <p data-testid="dispense-summary">{describeContent(token.content)}</p>
          <p>Prescribed by <Address value={view.prescriber} /> for <Address value={view.patient} />; expires {formatTime(view.expiresAt)}.</p>
          <button type="button" data-testid="dispense-submit" disabled={state.busy} onClick={() => void dispense()}>Dispense this fill</button>
        </div>
      ) : null}
      <ActionStatus state={state} testid="dispense" />
    </Section>
  );
}
