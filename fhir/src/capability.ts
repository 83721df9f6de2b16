/**
 * `GET /metadata`: the `CapabilityStatement` of exactly what the facade serves.
 *
 * @module
 */

import type { Resource } from './resources.ts';

/**
 * The search parameters and interactions of each resource type the facade serves: every entry a
 * search returns is also read by id (its `fullUrl`), with the search's access rules.
 */
export const SUPPORTED = {
  Consent: { interactions: ['read', 'search-type', 'create'], search: [['patient', 'reference', 'The patient whose consents (Patient/<SS58 address>)']] },
  AuditEvent: { interactions: ['read', 'search-type'], search: [['patient', 'reference', 'The patient whose disclosure log (Patient/<SS58 address>)']] },
  Practitioner: { interactions: ['read'], search: [] },
  PractitionerRole: { interactions: ['read', 'search-type'], search: [['practitioner', 'reference', 'The practitioner whose licences (Practitioner/<SS58 address>)']] },
  DocumentReference: { interactions: ['read', 'search-type'], search: [['patient', 'reference', 'The patient whose record versions (Patient/<SS58 address>)']] },
  Claim: { interactions: ['read', 'search-type'], search: [['patient', 'reference', 'The patient whose consultations\' claims (Patient/<SS58 address>)']] },
  ClaimResponse: { interactions: ['read', 'search-type'], search: [['patient', 'reference', 'The patient whose claims\' adjudications (Patient/<SS58 address>)']] },
} as const;

/**
 * `_at`, a search parameter of every search type (review F10): the snapshot a search is answered
 * at, which every paging link names, so the pages of one search agree with each other.
 */
export const AT_PARAM = ['_at', 'special', 'The block whose state the search answers from: 0x and the 32-byte block hash in hex, as every paging link (self, first, previous, next, last) gives it; without it, the best block. A malformed hash is 400; a block the node does not know or whose state it pruned is 410 Gone (search again without _at). The caller\'s access is checked at that block and at the best block: a right lost since (a consent revoked, a delegation ended) is refused (403) or narrows the answer, even for an older snapshot.'] as const;

/**
 * The resource types the facade stores as encrypted records (create) and reads back (read):
 * clinical content a patient's record holds. Consent, the facade's own views (AuditEvent,
 * DocumentReference, Practitioner, PractitionerRole) and Bundle are not stored as records.
 */
export const RECORD_TYPES = [
  'AllergyIntolerance', 'CarePlan', 'Composition', 'Condition', 'DiagnosticReport', 'Encounter', 'Immunization',
  'MedicationRequest', 'MedicationStatement', 'Observation', 'Procedure', 'QuestionnaireResponse',
] as const;

/** The interactions of each record type: create, read, and vread (a record version is its own resource, of one version). */
export const RECORD_INTERACTIONS = ['create', 'read', 'vread'] as const;

/** The CapabilityStatement (R4) of a facade at `baseUrl`. */
export function capabilityStatement(baseUrl: string, date: string): Resource {
  const resource = Object.entries(SUPPORTED).map(([type, s]) => ({
    type,
    // The chain keeps no versions of these (a consent is revoked in place, a licence suspended).
    versioning: 'no-version',
    readHistory: false,
    interaction: s.interactions.map((code) => ({ code })),
    ...(s.search.length === 0 ? {} : {
      searchParam: [...s.search, AT_PARAM].map(([name, type, documentation]) => ({ name, type, documentation })),
    }),
    ...(type === 'Consent' ? {
      conditionalCreate: true,
      documentation: 'create: the body carries the patient\'s signed consent.grantConsent extrinsic (extension urn:telemed:fhir:signed-extrinsic); the facade checks it says what the resource says and submits it.',
    } : {}),
  }));
  return {
    resourceType: 'CapabilityStatement',
    status: 'active',
    date,
    publisher: 'Telemed',
    kind: 'instance',
    software: { name: 'Telemed FHIR facade', version: '0.1.0' },
    implementation: { description: 'FHIR R4 facade over the Telemed chain', url: baseUrl },
    fhirVersion: '4.0.1',
    format: ['json'],
    rest: [{
      mode: 'server',
      documentation: 'Searches are GET [type]?… or POST [type]/_search with a form body, and page with _count (default 50, at most 200; 0: the total only) and _offset, at one snapshot: every paging link names the block the search was answered at (_at=<block hash>), so its pages agree whatever the chain did since. A parameter given twice is refused; references may be relative or absolute to this server. _summary, _total, _elements and _pretty are ignored (an OperationOutcome entry says so) unless Prefer: handling=strict; any other unknown parameter is refused. Every request but GET /metadata is signed by a Telemed account (fhir/README.md).',
      security: {
        description: 'Signed requests: headers X-Telemed-Account, X-Telemed-Timestamp, X-Telemed-Nonce and X-Telemed-Signature, the account\'s sr25519 signature over the layout telemed-fhir/v2, which binds: the HTTP method; the path with its query exactly as sent; the genesis hash of the chain; the audience, this facade\'s base URL; the timestamp (ms, within the clock-skew window of the server\'s clock); the nonce (16 random bytes, accepted once); and the blake2-256 hash of the body. Reads are answered only to a caller with access on chain; 401 (with WWW-Authenticate) and 403 come with an OperationOutcome.',
      },
      resource: [
        ...resource,
        ...RECORD_TYPES.map((type) => ({
          type,
          versioning: 'versioned',
          readHistory: false,
          // If-None-Exist: identifier=…, matched against the writes the caller made with it in the last day.
          conditionalCreate: true,
          interaction: RECORD_INTERACTIONS.map((code) => ({ code })),
          documentation: 'create encrypts the resource, stores it through the gateway and anchors it as a record of the patient it names (subject or patient), on behalf of a practitioner or patient whose keys the facade holds (201, Location <type>/<record version id>/_history/<version>, ETag, Last-Modified); read is the checked and logged read (records.accessRecord) of that record version, for a reader whose keys the facade holds. Each record version is its own resource with one version: meta.versionId is the chain\'s number of the version in its record (1 the original, 2 its first amendment…), and vread answers that one only. An amendment is a new resource (DocumentReference relatesTo replaces).',
        })),
      ],
      interaction: [{ code: 'batch', documentation: 'POST / with a Bundle of type batch: each entry created as above. A transaction is not supported: the chain cannot roll back an anchored record. A write is made once per key: If-None-Exist (identifier=[system|]value; request.ifNoneExist of a batch entry) or X-Request-Id (#<entry index> for a batch), remembered per caller for 24 hours: a retry is answered 200 with the first write\'s Location, one while the first is under way 409 with Retry-After. A write anchored but not logged in the patient\'s accounting of disclosures is 201 with a warning OperationOutcome.' }],
    }],
  };
}
