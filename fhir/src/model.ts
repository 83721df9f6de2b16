/**
 * The chain's facts as the facade maps them to FHIR: plain values (accounts as SS58 addresses,
 * ids as `bigint`, times in ms), converted from the runtime's JSON in `chain.ts`, so the
 * mapping (`resources.ts`) and its tests need no node.
 *
 * @module
 */

import type { AccessAction, PurposeOfUse, RecordVersion } from '@telemed/sdk';

export type { AccessAction, PurposeOfUse, RecordVersion };

/** A patient's consent with its standing now (`ConsentApi.consents`). */
export interface ConsentInfo {
  id: bigint;
  patient: string;
  grantee: string;
  /** What the grantee was when granted. */
  granteeKind: 'Practitioner' | 'Organisation';
  decision: 'Permit' | 'Deny';
  actions: AccessAction[];
  /** All data, blinded tags (32 bytes each) or records (stable identities). */
  scope: 'AllData' | { tags: Uint8Array[] } | { records: bigint[] };
  purposes: PurposeOfUse[];
  /** ms since the Unix epoch. */
  start: number;
  /** Exclusive end (ms), or null until revoked. */
  end: number | null;
  /** `Lapsed`: the delegate who signed it was removed, or resigned (its standing is `Ended`). */
  status: 'Active' | 'Revoked' | 'Lapsed';
  /** The patient, or the delegate who signed it. */
  grantedBy: string;
  grantedAt: number;
  /** Whether it counts now. */
  standing: 'InForce' | 'NotYetStarted' | 'Ended' | 'Revoked';
}

/** What a disclosure names: a record version, a tag (a record added), all data, or nothing. */
export type DisclosedData = { record: bigint } | { tag: Uint8Array } | 'AllData' | 'Relationship';

/** On what grounds an access was allowed. */
export type AccessBasis = 'Patient' | 'Delegate' | { consent: bigint } | { emergency: bigint };

/** One entry of a patient's accounting of disclosures (`ConsentApi.disclosures`). */
export interface DisclosureInfo {
  /** Its number in the patient's log. */
  seq: bigint;
  patient: string;
  accessor: string;
  data: DisclosedData;
  action: AccessAction;
  purpose: PurposeOfUse;
  basis: AccessBasis;
  at: number;
}

/** A practitioner's public profile (`Practitioners` storage). */
export interface PractitionerInfo {
  account: string;
  displayName: string;
  /** The roles they say they practise (`Physician`…). */
  roles: string[];
  /** SNOMED CT specialty codes. */
  specialties: string[];
  registeredAt: number;
}

/** One licence with its standing now (`PractitionersApi.licences`). */
export interface LicenceInfo {
  id: bigint;
  holder: string;
  authority: string;
  /** ISO 3166 code (`FR`, `US-CA`). */
  jurisdiction: string;
  role: string;
  specialty: string | null;
  validFrom: number;
  expiresAt: number;
  status: 'Active' | 'Suspended' | 'Revoked';
  emergencyCare: boolean;
  issuedAt: number;
  standing: 'Valid' | 'NotYetValid' | 'Expired' | 'Suspended' | 'Revoked' | 'AuthorityWithdrawn';
}

/** An insurance claim of a patient's consultation (`BillingApi.consultations` + `BillingApi.claim`). */
export interface ClaimInfo {
  id: bigint;
  consultation: bigint;
  patient: string;
  practitioner: string;
  insurer: string;
  policy: bigint;
  /** The public fee-schedule code of the service. */
  service: string;
  /** The amount claimed (the insurer's share), in planck (10^-12 MED). */
  amount: bigint;
  /** When the visit was delivered (ms), if it was. */
  deliveredAt: number | null;
  createdAt: number;
  status: 'Pending' | 'Approved' | 'Denied' | 'Rejected';
  /** Pending: the insurer's deadline (ms). */
  deadline: number | null;
  /** Rejected: the check that failed. */
  check: string | null;
}
