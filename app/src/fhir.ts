/**
 * The FHIR resources the app writes: an Observation from a small form, or any FHIR R5 JSON
 * resource from a file, and the category its blinded tag is made from (docs/PRIVACY.md: the
 * chain sees only `HMAC-SHA-256(tag key, label)`).
 *
 * @module
 */

/** The vital signs the form offers (LOINC codes and UCUM units). */
export const VITAL_SIGNS = {
  'heart-rate': { code: '8867-4', display: 'Heart rate', unit: '/min', min: 1, max: 400 },
  'body-temperature': { code: '8310-5', display: 'Body temperature', unit: 'Cel', min: 20, max: 50 },
  'body-weight': { code: '29463-7', display: 'Body weight', unit: 'kg', min: 0.1, max: 700 },
  'systolic-blood-pressure': { code: '8480-6', display: 'Systolic blood pressure', unit: 'mm[Hg]', min: 20, max: 350 },
  'oxygen-saturation': { code: '59408-5', display: 'Oxygen saturation', unit: '%', min: 0, max: 100 },
} as const;

export type VitalSign = keyof typeof VITAL_SIGNS;

/** A resource ready to encrypt, and the label of its tag. */
export interface Prepared {
  bytes: Uint8Array;
  resource: Record<string, unknown>;
  label: string;
  summary: string;
}

/** A FHIR R5 `Observation` of a vital sign. Throws on a value outside the sign's range. */
export function observation(sign: VitalSign, value: number, effective: Date): Prepared {
  const spec = VITAL_SIGNS[sign];
  if (!Number.isFinite(value) || value < spec.min || value > spec.max) {
    throw new RangeError(`${spec.display} must be between ${spec.min} and ${spec.max} ${spec.unit}`);
  }
  if (Number.isNaN(effective.getTime())) throw new RangeError('the date is not valid');
  const resource = {
    resourceType: 'Observation',
    status: 'final',
    category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'vital-signs' }] }],
    code: { coding: [{ system: 'http://loinc.org', code: spec.code, display: spec.display }] },
    effectiveDateTime: effective.toISOString(),
    valueQuantity: { value, unit: spec.unit, system: 'http://unitsofmeasure.org', code: spec.unit },
  };
  return { bytes: encode(resource), resource, label: 'category/vital-signs', summary: `${spec.display}: ${value} ${spec.unit}` };
}

const CATEGORY_OF: Readonly<Record<string, string>> = {
  Observation: 'category/observation',
  AllergyIntolerance: 'category/allergy',
  MedicationStatement: 'category/medication',
  Condition: 'category/condition',
  Immunization: 'category/immunization',
  DiagnosticReport: 'category/laboratory',
  Bundle: 'category/bundle',
};

/**
 * The categories a patient files records under (the labels their blinded tags are made from),
 * in words: what a patient may let a clinician add to.
 */
export const CATEGORIES: readonly { label: string; words: string }[] = [
  { label: 'category/vital-signs', words: 'vital signs' },
  { label: 'category/observation', words: 'observations' },
  { label: 'category/allergy', words: 'allergies' },
  { label: 'category/medication', words: 'medications' },
  { label: 'category/condition', words: 'conditions' },
  { label: 'category/immunization', words: 'immunizations' },
  { label: 'category/laboratory', words: 'laboratory results' },
  { label: 'category/bundle', words: 'bundles' },
  { label: 'category/other', words: 'other' },
];

/** A FHIR JSON resource from a file's text. Throws if it is not JSON with a `resourceType`. */
export function fromFile(text: string): Prepared {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new SyntaxError('the file is not JSON');
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new TypeError('a FHIR resource is a JSON object');
  const resource = parsed as Record<string, unknown>;
  const type = resource.resourceType;
  if (typeof type !== 'string' || !/^[A-Z][A-Za-z]+$/.test(type)) throw new TypeError('a FHIR resource names its resourceType');
  return { bytes: encode(resource), resource, label: CATEGORY_OF[type] ?? 'category/other', summary: type };
}

/** The most bytes a prescription's content may have (a dispense token carries it: the SDK's bound). */
export const MAX_PRESCRIPTION_BYTES = 2048;

/**
 * A FHIR R5 `MedicationRequest` from the prescribing form: the medication and the dosage as the
 * prescriber writes them, and the quantity per fill. Throws on an empty field, a quantity that
 * is not a positive integer, or content past {@link MAX_PRESCRIPTION_BYTES}.
 */
export function medicationRequest(medication: string, dosage: string, quantity: number): Prepared {
  if (!medication.trim()) throw new RangeError('name the medication');
  if (!dosage.trim()) throw new RangeError('give the dosage instructions');
  if (!Number.isInteger(quantity) || quantity < 1 || quantity > 10_000) throw new RangeError('the quantity is a whole number from 1 to 10,000');
  const resource = {
    resourceType: 'MedicationRequest',
    status: 'active',
    intent: 'order',
    medication: { concept: { text: medication.trim() } },
    dosageInstruction: [{ text: dosage.trim() }],
    dispenseRequest: { quantity: { value: quantity, unit: 'unit' } },
  };
  const bytes = encode(resource);
  if (bytes.length > MAX_PRESCRIPTION_BYTES) throw new RangeError(`a prescription is at most ${MAX_PRESCRIPTION_BYTES} bytes: shorten the text`);
  return { bytes, resource, label: 'category/medication', summary: describePrescription(resource) };
}

/** What a prescription's content says, in one line: medication, dosage, quantity. */
export function describePrescription(resource: unknown): string {
  if (!resource || typeof resource !== 'object') return 'not a FHIR resource';
  const r = resource as Record<string, any>;
  if (r.resourceType !== 'MedicationRequest') return summarise(resource);
  const medication = r.medication?.concept?.text ?? r.medication?.concept?.coding?.[0]?.display ?? r.medicationCodeableConcept?.text ?? 'medication';
  const dosage = r.dosageInstruction?.[0]?.text;
  const quantity = r.dispenseRequest?.quantity?.value;
  return `${medication}${dosage ? ` — ${dosage}` : ''}${quantity !== undefined ? ` — ${quantity} per fill` : ''}`;
}

/** A one-line description of a decrypted resource. */
export function summarise(resource: unknown): string {
  if (!resource || typeof resource !== 'object') return 'not a FHIR resource';
  const r = resource as Record<string, any>;
  const type = String(r.resourceType ?? 'resource');
  const coding = r.code?.coding?.[0];
  const what = coding?.display ?? r.code?.text ?? '';
  const q = r.valueQuantity;
  const value = q && q.value !== undefined ? `: ${q.value} ${q.unit ?? ''}`.trimEnd() : '';
  return `${type}${what ? ` — ${what}` : ''}${value}`;
}

function encode(resource: unknown): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(resource));
}
