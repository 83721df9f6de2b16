// The tests' check that an answer is FHIR R4: the facade's own validator (src/validate.ts: the
// official R4 JSON schema, the required elements the schema cannot say, the R4 invariants, and
// the narrative check), the same code that checks every posted resource.

import { problems } from '../src/validate.ts';

export { problems };

/** Throws unless `resource` is valid FHIR R4 (every problem in the message). */
export function assertValid(resource: unknown): void {
  const found = problems(resource);
  if (found.length > 0) throw new Error(`not valid FHIR R4:\n${found.join('\n')}\n${JSON.stringify(resource, null, 1).slice(0, 3000)}`);
}
