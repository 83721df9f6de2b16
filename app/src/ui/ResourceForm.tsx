import { useEffect, useState } from 'preact/hooks';
import { explain } from '../errors.ts';
import { fromFile, observation, VITAL_SIGNS, type Prepared, type VitalSign } from '../fhir.ts';

/**
 * A FHIR resource to encrypt: an Observation of a vital sign from a small form (LOINC code,
 * UCUM unit, range-checked), or any FHIR JSON file. Used to add a record and to amend one; the
 * test ids carry `prefix` (`''` for adding, `'amend-'` for amending).
 */
export function ResourceForm({ prefix, busy, verb, onSubmit, clearKey }: {
  prefix: string;
  busy: boolean;
  /** What the buttons do: "add", "amend with". */
  verb: string;
  /** Called with a function that prepares the resource (and throws in words on bad input). */
  onSubmit: (prepare: () => Prepared) => void;
  /** Changing it clears the form (after a success). */
  clearKey: number;
}) {
  const [sign, setSign] = useState<VitalSign>('heart-rate');
  const [value, setValue] = useState('');
  const [date, setDate] = useState(() => new Date().toISOString().slice(0, 16));
  const [file, setFile] = useState<Prepared | undefined>(undefined);
  const [fileError, setFileError] = useState<string | undefined>(undefined);
  useEffect(() => {
    setValue('');
    setFile(undefined);
  }, [clearKey]);

  return (
    <>
      <form class="grid" onSubmit={(e) => {
        e.preventDefault();
        onSubmit(() => observation(sign, Number(value), new Date(date)));
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
        <button type="submit" data-testid={`${prefix}obs-add`} disabled={busy}>Encrypt and {verb} the observation</button>
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
        {file ? <button type="button" data-testid={`${prefix}file-add`} disabled={busy} onClick={() => onSubmit(() => file)}>Encrypt and {verb} {file.summary}</button> : null}
      </div>
      {fileError ? <p class="status error" data-testid={`${prefix}file-error`}>{fileError}</p> : null}
    </>
  );
}
