/**
 * The chain's facts as FHIR R4 resources: consents as `Consent`, disclosures as `AuditEvent`,
 * profiles and licences as `Practitioner` and `PractitionerRole`, record versions as
 * `DocumentReference`, and the `Bundle`s and `OperationOutcome`s around them. Pure functions:
 * what they put in a resource is what the chain says, nothing else (no health data is on chain;
 * a record's resource type is not either, so a `DocumentReference` says only where the
 * ciphertext is and how the versions follow each other).
 *
 * @module
 */

import { toHex } from '@telemed/sdk';
import type {
  AccessAction, AccessBasis, ClaimInfo, ConsentInfo, DisclosureInfo, LicenceInfo, PractitionerInfo, PurposeOfUse, RecordVersion,
} from './model.ts';

declare global {
  interface JSON {
    /**
     * A value `JSON.stringify` writes as `text`, verbatim (TC39 "JSON.parse source text access",
     * Node ≥ 21): how an exact decimal is written as a JSON number without passing through a
     * binary double.
     */
    rawJSON(text: string): unknown;
  }
}

// Amounts are exact decimals (`money`): without JSON.rawJSON they would be rounded to doubles.
if (typeof JSON.rawJSON !== 'function') throw new Error('the FHIR facade needs Node >= 22 (JSON.rawJSON writes exact decimal amounts)');

/** A FHIR resource as JSON. */
export type Resource = { resourceType: string; id?: string } & Record<string, unknown>;

/** The system of Telemed account identifiers (SS58 addresses). */
export const ACCOUNT_SYSTEM = 'urn:telemed:account';
/** The system of record identities (the id of a record's first version). */
export const RECORD_SYSTEM = 'urn:telemed:record';
/** The extension naming a blinded tag (hex; meaningless without the patient's tag key). */
export const TAG_EXTENSION = 'urn:telemed:fhir:blinded-tag';
/** The extension saying whether a consent counts now (`InForce`, `Ended`…). */
export const STANDING_EXTENSION = 'urn:telemed:fhir:standing';
/** The extension naming a licence's jurisdiction (ISO 3166). */
export const JURISDICTION_EXTENSION = 'urn:telemed:fhir:jurisdiction';
/** The extension saying a licence is endorsed for emergency care. */
export const EMERGENCY_CARE_EXTENSION = 'urn:telemed:fhir:emergency-care';
/** The extension naming how a record version came to be (`Original`, `Amendment`, `ReKey`). */
export const VERSION_KIND_EXTENSION = 'urn:telemed:fhir:version-kind';

export const ACT_REASON = 'http://terminology.hl7.org/CodeSystem/v3-ActReason';
export const ACT_CODE = 'http://terminology.hl7.org/CodeSystem/v3-ActCode';
export const CONSENT_ACTION = 'http://terminology.hl7.org/CodeSystem/consentaction';
const PRACTITIONER_ROLE = 'http://terminology.hl7.org/CodeSystem/practitioner-role';
const ISO_3166 = 'urn:iso:std:iso:3166';

/** HL7 v3 ActReason codes of the chain's purposes of use. */
export const PURPOSE_CODES: Record<PurposeOfUse, { code: string; display: string }> = {
  Treatment: { code: 'TREAT', display: 'treatment' },
  Payment: { code: 'HPAYMT', display: 'healthcare payment' },
  Operations: { code: 'HOPERAT', display: 'healthcare operations' },
  Research: { code: 'HRESCH', display: 'healthcare research' },
  EmergencyTreatment: { code: 'ETREAT', display: 'Emergency Treatment' },
};

/** FHIR consent actions of the chain's access actions. */
export const ACTION_CODES: Record<AccessAction, string> = { Read: 'access', Append: 'collect', Amend: 'correct' };

/** FHIR practitioner-role codes of the chain's roles (the nearest; the chain's name in `text`). */
const ROLE_CODES: Record<string, string> = {
  Physician: 'doctor',
  Nurse: 'nurse',
  Midwife: 'nurse',
  Pharmacist: 'pharmacist',
  Laboratory: 'ict',
  Therapist: 'doctor',
  Psychologist: 'doctor',
  Paramedic: 'nurse',
};

/** A millisecond time as a FHIR `instant`/`dateTime` (UTC). */
export function instant(ms: number): string {
  return new Date(ms).toISOString();
}

/** The purpose of use whose ActReason code is `code` (`TREAT` → `Treatment`), if any. */
export function purposeOfCode(code: string): PurposeOfUse | undefined {
  return (Object.keys(PURPOSE_CODES) as PurposeOfUse[]).find((p) => PURPOSE_CODES[p].code === code);
}

/** The access action whose consent action code is `code`, if any. */
export function actionOfCode(code: string): AccessAction | undefined {
  return (Object.keys(ACTION_CODES) as AccessAction[]).find((a) => ACTION_CODES[a] === code);
}

function purposeCoding(purpose: PurposeOfUse) {
  return { system: ACT_REASON, ...PURPOSE_CODES[purpose] };
}

function accountIdentifier(account: string) {
  return { system: ACCOUNT_SYSTEM, value: account };
}

/** A reference to a patient account. */
export function patientRef(account: string) {
  return { reference: `Patient/${account}` };
}

/**
 * A consent as a FHIR R4 `Consent` (one provision: the chain's consent has one): `active` once
 * signed (also before its start: `provision.period.start` says when it begins to count, and the
 * standing extension `NotYetStarted`), `inactive` once ended or revoked.
 */
export function consentResource(c: ConsentInfo): Resource {
  const inForce = c.standing === 'InForce';
  const grantee = c.granteeKind === 'Practitioner'
    ? { reference: `Practitioner/${c.grantee}` }
    : { type: 'Organization', identifier: accountIdentifier(c.grantee) };
  const provision: Record<string, unknown> = {
    type: c.decision === 'Permit' ? 'permit' : 'deny',
    period: { start: instant(c.start), ...(c.end === null ? {} : { end: instant(c.end) }) },
    actor: [{
      role: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ParticipationType', code: 'IRCP', display: 'information recipient' }] },
      reference: grantee,
    }],
    action: c.actions.map((a) => ({ coding: [{ system: CONSENT_ACTION, code: ACTION_CODES[a] }], text: a })),
    purpose: c.purposes.map(purposeCoding),
  };
  if (c.scope !== 'AllData' && 'records' in c.scope) {
    provision.data = c.scope.records.map((r) => ({ meaning: 'instance', reference: { reference: `DocumentReference/${r}` } }));
  }
  if (c.scope !== 'AllData' && 'tags' in c.scope) {
    provision.extension = c.scope.tags.map((t) => ({ url: TAG_EXTENSION, valueString: toHex(t) }));
  }
  return {
    resourceType: 'Consent',
    id: String(c.id),
    extension: [{ url: STANDING_EXTENSION, valueCode: c.standing }],
    // Signed and not yet started is agreed, not proposed: `active`, its start in provision.period.
    status: inForce || c.standing === 'NotYetStarted' ? 'active' : 'inactive',
    scope: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/consentscope', code: 'patient-privacy' }] },
    category: [{ coding: [{ system: 'http://loinc.org', code: '59284-0', display: 'Patient Consent' }] }],
    patient: patientRef(c.patient),
    dateTime: instant(c.grantedAt),
    performer: [c.grantedBy === c.patient ? patientRef(c.grantedBy) : { type: 'RelatedPerson', identifier: accountIdentifier(c.grantedBy) }],
    policyRule: { coding: [{ system: ACT_CODE, code: c.decision === 'Permit' ? 'OPTIN' : 'OPTOUT' }] },
    provision,
  };
}

/** The `agent.policy` URI of an access basis (`urn:telemed:basis:consent:3`). */
export function basisUri(basis: AccessBasis): string {
  if (basis === 'Patient') return 'urn:telemed:basis:patient';
  if (basis === 'Delegate') return 'urn:telemed:basis:delegate';
  if ('consent' in basis) return `urn:telemed:basis:consent:${basis.consent}`;
  return `urn:telemed:basis:emergency:${basis.emergency}`;
}

/** The id of a disclosure's `AuditEvent`: the patient's account and the entry's number. */
export function auditEventId(patient: string, seq: bigint): string {
  return `${patient}-${seq}`;
}

/** A disclosure as a FHIR R4 `AuditEvent`: who, when, why, on what basis, break-glass flagged. */
export function auditEventResource(d: DisclosureInfo): Resource {
  const emergency = d.basis !== 'Patient' && d.basis !== 'Delegate' && 'emergency' in d.basis;
  const entity: Record<string, unknown>[] = [{
    what: patientRef(d.patient),
    type: { system: 'http://terminology.hl7.org/CodeSystem/audit-entity-type', code: '1', display: 'Person' },
    role: { system: 'http://terminology.hl7.org/CodeSystem/object-role', code: '1', display: 'Patient' },
  }];
  if (d.data !== 'AllData' && d.data !== 'Relationship' && 'record' in d.data) {
    entity.push({
      what: { reference: `DocumentReference/${d.data.record}` },
      type: { system: 'http://terminology.hl7.org/CodeSystem/audit-entity-type', code: '2', display: 'System Object' },
    });
  } else if (d.data !== 'AllData' && d.data !== 'Relationship' && 'tag' in d.data) {
    entity.push({
      type: { system: 'http://terminology.hl7.org/CodeSystem/audit-entity-type', code: '2', display: 'System Object' },
      extension: [{ url: TAG_EXTENSION, valueString: toHex(d.data.tag) }],
    });
  } else {
    entity.push({
      type: { system: 'http://terminology.hl7.org/CodeSystem/audit-entity-type', code: '2', display: 'System Object' },
      description: d.data === 'AllData' ? 'all of the patient\'s data' : 'no data: a relationship check',
    });
  }
  return {
    resourceType: 'AuditEvent',
    id: auditEventId(d.patient, d.seq),
    ...(emergency ? { meta: { security: [{ system: ACT_CODE, code: 'BTG', display: 'break the glass' }] } } : {}),
    type: { system: 'http://terminology.hl7.org/CodeSystem/audit-event-type', code: 'rest', display: 'RESTful Operation' },
    action: d.action === 'Read' ? 'R' : d.action === 'Append' ? 'C' : 'U',
    recorded: instant(d.at),
    outcome: '0',
    purposeOfEvent: [{ coding: [purposeCoding(d.purpose)] }],
    agent: [{
      who: { identifier: accountIdentifier(d.accessor) },
      requestor: true,
      policy: [basisUri(d.basis)],
      purposeOfUse: [{ coding: [purposeCoding(d.purpose)] }],
    }],
    source: {
      observer: { display: 'Telemed chain (consent pallet disclosure log)' },
      type: [{ system: 'http://terminology.hl7.org/CodeSystem/security-source-type', code: '4', display: 'Application Server' }],
    },
    entity,
  };
}

function roleConcept(role: string) {
  return { coding: [{ system: PRACTITIONER_ROLE, code: ROLE_CODES[role] ?? 'doctor' }], text: role };
}

function specialtyConcept(code: string) {
  return { coding: [{ system: 'http://snomed.info/sct', code }] };
}

/** A licence counts now. */
export function licenceValid(l: LicenceInfo): boolean {
  return l.standing === 'Valid';
}

/** A profile and its licences as a FHIR R4 `Practitioner`: active while a licence is valid. */
export function practitionerResource(p: PractitionerInfo, licences: readonly LicenceInfo[]): Resource {
  return {
    resourceType: 'Practitioner',
    id: p.account,
    identifier: [accountIdentifier(p.account)],
    active: licences.some(licenceValid),
    ...(p.displayName.trim() === '' ? {} : { name: [{ text: p.displayName }] }),
    ...(licences.length === 0 ? {} : {
      qualification: licences.map((l) => ({
        identifier: [{ system: 'urn:telemed:licence', value: String(l.id) }],
        code: roleConcept(l.role),
        period: { start: instant(l.validFrom), end: instant(l.expiresAt) },
        issuer: { identifier: accountIdentifier(l.authority) },
        extension: [{ url: JURISDICTION_EXTENSION, valueCodeableConcept: { coding: [{ system: ISO_3166, code: l.jurisdiction }] } }],
      })),
    }),
  };
}

/** The id of a licence's `PractitionerRole`. */
export function practitionerRoleId(licence: bigint): string {
  return `licence-${licence}`;
}

/** A licence as a FHIR R4 `PractitionerRole`: role, specialty, period, jurisdiction, standing. */
export function practitionerRoleResource(p: PractitionerInfo | null, l: LicenceInfo): Resource {
  const specialties = [...new Set([...(l.specialty === null ? [] : [l.specialty]), ...(p?.specialties ?? [])])];
  return {
    resourceType: 'PractitionerRole',
    id: practitionerRoleId(l.id),
    extension: [
      { url: JURISDICTION_EXTENSION, valueCodeableConcept: { coding: [{ system: ISO_3166, code: l.jurisdiction }] } },
      { url: EMERGENCY_CARE_EXTENSION, valueBoolean: l.emergencyCare },
      { url: STANDING_EXTENSION, valueCode: l.standing },
    ],
    identifier: [{ system: 'urn:telemed:licence', value: String(l.id) }],
    active: licenceValid(l),
    period: { start: instant(l.validFrom), end: instant(l.expiresAt) },
    practitioner: { reference: `Practitioner/${l.holder}` },
    code: [roleConcept(l.role)],
    ...(specialties.length === 0 ? {} : { specialty: specialties.map(specialtyConcept) }),
  };
}

/** Where a version's ciphertext is served: the gateway's read route (the CID is in the sealed locator). */
export function blobUrl(gatewayUrl: string, id: bigint): string {
  return `${gatewayUrl.replace(/\/+$/, '')}/records/${id}/blob`;
}

/**
 * A record version as a FHIR R4 `DocumentReference`: status (`current`, `superseded`), author,
 * time, the version chain as `relatesTo` (`replaces` the version it superseded), and the
 * attachment at the gateway (the padded ciphertext: its exact size class, no content type of the
 * plaintext). The resource type of the content is not on chain, so it is not here either.
 */
export function documentReferenceResource(v: RecordVersion, gatewayUrl: string, authorIsPatient: boolean): Resource {
  return {
    resourceType: 'DocumentReference',
    id: String(v.id),
    extension: [
      { url: TAG_EXTENSION, valueString: toHex(v.tag) },
      { url: VERSION_KIND_EXTENSION, valueCode: v.kind },
    ],
    masterIdentifier: { system: RECORD_SYSTEM, value: `${v.record}.${v.version}` },
    identifier: [{ system: RECORD_SYSTEM, value: String(v.record) }],
    status: v.supersededBy === null ? 'current' : 'superseded',
    subject: patientRef(v.patient),
    date: instant(v.createdAt),
    author: [authorIsPatient ? patientRef(v.author) : { reference: `Practitioner/${v.author}` }],
    ...(v.supersedes === null ? {} : {
      relatesTo: [{ code: 'replaces', target: { reference: `DocumentReference/${v.supersedes}` } }],
    }),
    content: [{
      attachment: {
        contentType: 'application/octet-stream',
        url: blobUrl(gatewayUrl, v.id),
        size: 2 ** v.sizeClass,
        creation: instant(v.createdAt),
      },
    }],
  };
}

/** A planck amount (10^-12 MED) as the exact decimal text of MED (`12.5`, `0.000000000001`, `-3`). */
export function medDecimal(planck: bigint): string {
  const sign = planck < 0n ? '-' : '';
  const abs = planck < 0n ? -planck : planck;
  const whole = abs / 10n ** 12n;
  const fraction = (abs % 10n ** 12n).toString().padStart(12, '0').replace(/0+$/, '');
  return `${sign}${whole}${fraction === '' ? '' : `.${fraction}`}`;
}

/**
 * A planck amount (10^-12 MED) as FHIR `Money`: MED has no ISO 4217 code, so `XXX` ("no
 * currency") with the token in an extension. The value is the exact decimal, written verbatim
 * into the JSON (`JSON.rawJSON`): a JS number would round any amount past 2^53 planck (about
 * 9007 MED) or with more than 15-17 significant digits; FHIR's decimal keeps its precision.
 */
export function money(planck: bigint): Record<string, unknown> {
  return {
    extension: [{ url: 'urn:telemed:fhir:token', valueCode: 'MED' }],
    value: JSON.rawJSON(medDecimal(planck)),
    currency: 'XXX',
  };
}

const CLAIM_TYPE = { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/claim-type', code: 'professional' }] };

/** A claim as a FHIR R4 `Claim`: patient, provider, insurer, policy, the service code, the amount. */
export function claimResource(c: ClaimInfo): Resource {
  return {
    resourceType: 'Claim',
    id: String(c.id),
    identifier: [{ system: 'urn:telemed:consultation', value: String(c.consultation) }],
    status: 'active',
    type: CLAIM_TYPE,
    use: 'claim',
    patient: patientRef(c.patient),
    created: instant(c.createdAt),
    insurer: { identifier: accountIdentifier(c.insurer) },
    provider: { reference: `Practitioner/${c.practitioner}` },
    priority: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/processpriority', code: 'normal' }] },
    insurance: [{ sequence: 1, focal: true, coverage: { identifier: { system: 'urn:telemed:policy', value: String(c.policy) } } }],
    item: [{
      sequence: 1,
      productOrService: { coding: [{ system: 'urn:telemed:service-code', code: c.service }] },
      ...(c.deliveredAt === null ? {} : { servicedDate: instant(c.deliveredAt).slice(0, 10) }),
      net: money(c.amount),
    }],
    total: money(c.amount),
  };
}

/** A claim's adjudication as a FHIR R4 `ClaimResponse`: queued while pending, complete (approved or denied), error when the chain's checks rejected it. */
export function claimResponseResource(c: ClaimInfo): Resource {
  const outcome = c.status === 'Pending' ? 'queued' : c.status === 'Rejected' ? 'error' : 'complete';
  const disposition = c.status === 'Pending'
    ? `pending: approved by silence at ${instant(c.deadline ?? c.createdAt)}`
    : c.status === 'Approved' ? 'approved and paid' : c.status === 'Denied' ? 'denied by the insurer' : `rejected by the chain's check ${c.check ?? ''}`.trim();
  return {
    resourceType: 'ClaimResponse',
    id: String(c.id),
    status: 'active',
    type: CLAIM_TYPE,
    use: 'claim',
    patient: patientRef(c.patient),
    created: instant(c.createdAt),
    insurer: { identifier: accountIdentifier(c.insurer) },
    requestor: { reference: `Practitioner/${c.practitioner}` },
    request: { reference: `Claim/${c.id}` },
    outcome,
    disposition,
    ...(c.status === 'Approved' ? {
      payment: { type: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/ex-paymenttype', code: 'complete' }] }, amount: money(c.amount) },
    } : {}),
    ...(c.status === 'Rejected' ? { error: [{ code: { coding: [{ system: 'urn:telemed:claim-check', code: c.check ?? 'unknown' }] } }] } : {}),
  };
}

/**
 * One page of a search: the `Bundle` of type `searchset` with `self`, `first`, `previous`,
 * `next`, `last` links, each naming the snapshot `_at=<block hash>` the search was answered at
 * (review F10: the pages of one search agree, whatever the chain did between them).
 */
export function searchBundle(
  baseUrl: string,
  path: string,
  params: URLSearchParams,
  all: readonly Resource[],
  offset: number,
  count: number,
  blockHash: string,
): Resource {
  const base = baseUrl.replace(/\/+$/, '');
  const link = (from: number) => {
    const q = new URLSearchParams(params);
    for (const name of ['_at', '_count', '_offset']) q.delete(name);
    q.set('_at', blockHash);
    q.set('_count', String(count));
    q.set('_offset', String(from));
    return `${base}/${path}?${q.toString()}`;
  };
  const page = all.slice(offset, offset + count);
  const links = [{ relation: 'self', url: link(offset) }];
  // `_count=0` asks for the total only: no page to go to.
  if (count > 0) {
    links.push({ relation: 'first', url: link(0) });
    if (offset > 0) links.push({ relation: 'previous', url: link(Math.max(0, offset - count)) });
    if (offset + count < all.length) links.push({ relation: 'next', url: link(offset + count) });
    if (all.length > 0) links.push({ relation: 'last', url: link(Math.floor((all.length - 1) / count) * count) });
  }
  return {
    resourceType: 'Bundle',
    type: 'searchset',
    total: all.length,
    link: links,
    ...(page.length === 0 ? {} : {
      entry: page.map((r) => ({ fullUrl: `${base}/${r.resourceType}/${r.id}`, resource: r, search: { mode: 'match' } })),
    }),
  };
}

/** FHIR issue severities. */
export type Severity = 'fatal' | 'error' | 'warning' | 'information';

/** An `OperationOutcome` with one issue. */
export function operationOutcome(severity: Severity, code: string, diagnostics: string, details?: string): Resource {
  return {
    resourceType: 'OperationOutcome',
    issue: [{
      severity,
      code,
      ...(details === undefined ? {} : { details: { coding: [{ system: 'urn:telemed:error', code: details }], text: details } }),
      diagnostics,
    }],
  };
}
