import { useState } from 'preact/hooks';
import { explain } from '../errors.ts';
import { fromFile, observation, VITAL_SIGNS, type Prepared, type VitalSign } from '../fhir.ts';

/**
 * The form of a record's content: a vital-sign Observation (LOINC code, UCUM unit,
 * range-checked) or any FHIR JSON file; to add a record, or a new version of one. `onSubmit`
 * gets a function that builds the resource (and throws on a bad value, which the caller's
 * action shows) and says whether it succeeded: the form clears then. `prefix` keeps test ids
 * apart where two forms could meet (`''` for the patient's, `clinician-` for the clinician's,
 * `amend-` for an amendment); `verb` is what the buttons do ("add", "amend with").
 */
export function RecordForm({ onSubmit, busy, prefix = '', verb = 'add', submitWords }: {
  onSubmit: (prepared: () => Prepared) => Promise<boolean>;
  busy: boolean;
  prefix?: string;
  verb?: string;
  /** The observation button's words, when "Encrypt and <verb> the observation" is not right. */
  submitWords?: string;
}) {
  const [sign, setSign] = useState<VitalSign>('heart-rate');
  const [value, setValue] = useState('');
  const [date, setDate] = useState(() => new Date().toISOString().slice(0, 16));
  const [file, setFile] = useState<Prepared | undefined>(undefined);
  const [fileError, setFileError] = useState<string | undefined>(undefined);

  const submit = async (prepared: () => Prepared) => {
    if (await onSubmit(prepared)) {
      setValue('');
      setFile(undefined);
    }
  };

  return (
    <>
      <form class="grid" onSubmit={(e) => {
        e.preventDefault();
        void submit(() => observation(sign, Number(value), new Date(date)));
      }}>
        <label>Measurement
          <select data-testid={`${prefix}obs-kind`} value={sign} onChange={(e) => setSign(e.currentTarget.value as VitalSign)}>
            {Object.entries(VITAL_SIGNS).map(([k, v]) => <option key={k} value={k}>{v.display} ({v.unit})</option>)}
          </select>
        </label>
        <label>Value
          <input data-testid={`${prefix}obs-value`} type="number" step="any" required value={value} onInput={(e) => setValue(e.currentTarget.value)} />
        </label>
        <label>When
          <input data-testid={`${prefix}obs-date`} type="datetime-local" required value={date} onInput={(e) => setDate(e.currentTarget.value)} />
        </label>
        <button type="submit" data-testid={`${prefix}obs-add`} disabled={busy}>{submitWords ?? `Encrypt and ${verb} the observation`}</button>
      </form>
      <div class="row">
        <label>…or a FHIR JSON file
          <input type="file" accept=".json,application/json,application/fhir+json" data-testid={`${prefix}fhir-file`} onChange={async (e) => {
            const f = e.currentTarget.files?.[0];
            if (!f) return;
            try {
              setFile(fromFile(await f.text()));
              setFileError(undefined);
            } catch (err) {
              setFile(undefined);
              setFileError(explain(err));
            }
          }} />
        </label>
        {file ? <button type="button" data-testid={`${prefix}file-add`} disabled={busy} onClick={() => void submit(() => file)}>Encrypt and {verb} {file.summary}</button> : null}
      </div>
      {fileError ? <p class="status error" data-testid={`${prefix}file-error`}>{fileError}</p> : null}
    </>
  );
}
