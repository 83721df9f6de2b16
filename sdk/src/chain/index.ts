/**
 * Chain access: a connection checked against the runtime's metadata, transactions whose
 * refusals are typed `pallet.ErrorName` errors, and the telemed calls, queries and runtime APIs
 * the flows use.
 *
 * @module
 */

export * from './errors.ts';
export * from './client.ts';
export * from './tx.ts';
export type * from './types.ts';
export * as records from './records.ts';
export * as consent from './consent.ts';
export * as practitioners from './practitioners.ts';
export * as billing from './billing.ts';
export * as prescriptions from './prescriptions.ts';
export type { AnchoredVersion } from './records.ts';
export type { AccessTarget, ConsentRequest } from './consent.ts';
export type {
  Booking,
  ConsultationParties,
  ConsultationSessionKeys,
  PinnedSessionKey,
  SessionKeyPublication,
  Settlement,
} from './billing.ts';
export type {
  Fill,
  PrescriptionId,
  PrescriptionStanding,
  PrescriptionTerms,
  PrescriptionView,
  StoredPrescription,
} from './prescriptions.ts';
