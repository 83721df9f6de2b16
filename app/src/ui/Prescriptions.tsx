import {
  checkDispenseToken,
  dispenseTokenFor,
  dispenseWithToken,
  issuePrescription,
  openPrescription,
  prescriptions,
  type CheckedToken,
} from '@telemed/sdk';
import { useMemo, useState } from 'preact/hooks';
import { renderSVG } from 'uqr';
import { describePrescription, medicationRequest } from '../fhir.ts';
import { formatTime, fromBase64Url, toBase64Url } from '../format.ts';
import type { AppAccount, Session } from '../session.ts';
import { ActionStatus, Address, Section, useAction, useLoad } from './common.tsx';

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
  const [state, run] = useAction();

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
                <td><button type="button" class="small" data-testid="prescription-open" disabled={state.busy} onClick={() => void open(id)}>Open</button></td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      <ActionStatus state={state} testid="prescription-open" />
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
    return `Prescription #${issued.id} issued: ${prepared.summary}, ${n} fill${n === 1 ? '' : 's'}.`;
  });

  return (
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
