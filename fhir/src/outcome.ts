/**
 * Every refusal as an HTTP status and a FHIR `OperationOutcome`: the facade's own (bad request,
 * authentication, access) and the chain's (`DispatchError` `pallet.ErrorName`, mapped to a FHIR
 * issue type by what the error means).
 *
 * @module
 */

import { BlobNotFoundError, DispatchError, FormatError, GatewayError, NotFoundError, OutcomeUnknownError, TransactionError } from '@telemed/sdk';
import { FUTURE_NONCE, isStateGone, STALE_NONCE } from './chain.ts';
import { operationOutcome, type Resource } from './resources.ts';
import type { Issue } from './validate.ts';

/** Most issues one `OperationOutcome` lists (the rest are counted in a last one). */
export const MAX_ISSUES = 50;

/** A refusal of the facade: status, FHIR issue type, a stable reason and a message. */
export class FhirError extends Error {
  /**
   * @param status - the HTTP status
   * @param code - the FHIR issue type (`forbidden`, `not-found`, `invalid`…)
   * @param reason - a stable machine-readable reason (`issue.details`), e.g. `records.NoConsent`
   * @param message - what went wrong (`issue.diagnostics`): ids and names only, never content
   */
  constructor(
    readonly status: number,
    readonly code: string,
    readonly reason: string,
    message: string,
    /** The problems one by one (a resource that is not valid R4), each an issue of the outcome. */
    readonly issues?: readonly Issue[],
    /** Headers the refusal calls for beyond its status's (`Retry-After` of a `429`). */
    readonly headers?: Readonly<Record<string, string>>,
  ) {
    super(message);
    this.name = 'FhirError';
  }

  /** This refusal as an `OperationOutcome`: one issue, or one per problem in {@link FhirError.issues}. */
  outcome(): Resource {
    const severity = this.status >= 500 ? 'fatal' : 'error';
    if (this.issues === undefined || this.issues.length === 0) return operationOutcome(severity, this.code, this.message, this.reason);
    const details = { coding: [{ system: 'urn:telemed:error', code: this.reason }], text: this.reason };
    const listed: Record<string, unknown>[] = this.issues.slice(0, MAX_ISSUES)
      .map((i) => ({ severity, code: i.code, details, diagnostics: i.diagnostics, expression: [i.expression] }));
    if (this.issues.length > MAX_ISSUES) {
      listed.push({ severity, code: 'too-costly', details, diagnostics: `and ${this.issues.length - MAX_ISSUES} more problems` });
    }
    return { resourceType: 'OperationOutcome', issue: listed };
  }
}

/** The FHIR issue type and HTTP status of each pallet error (by name), where the name alone says. */
const PALLET_ERRORS: Record<string, [number, string]> = {
  // Access refused: a consent, a licence, a role.
  NoConsent: [403, 'forbidden'],
  ExplicitlyDenied: [403, 'forbidden'],
  NotLicensed: [403, 'forbidden'],
  NotPermitted: [403, 'forbidden'],
  NotPatientsRecord: [403, 'forbidden'],
  TagOfAnotherPatient: [403, 'forbidden'],
  NoEnvelope: [403, 'forbidden'],
  NotDelegate: [403, 'forbidden'],
  BadOrigin: [403, 'security'],
  // Unknown things.
  UnknownPatient: [404, 'not-found'],
  UnknownRecord: [404, 'not-found'],
  UnknownConsent: [404, 'not-found'],
  NotRegistered: [404, 'not-found'],
  NoKeyAgreementKey: [422, 'business-rule'],
  // Gone.
  RecordShredded: [410, 'deleted'],
  // State conflicts.
  NotCurrent: [409, 'conflict'],
  AlreadyRevoked: [409, 'conflict'],
  ConsentLapsed: [409, 'conflict'],
  AlreadyRegistered: [409, 'duplicate'],
  EnvelopeExists: [409, 'duplicate'],
  WrongStatus: [409, 'conflict'],
  // Bad input the chain refused.
  InvalidKey: [400, 'value'],
  InvalidPeriod: [400, 'value'],
  EmptyScope: [400, 'required'],
  EmptyActions: [400, 'required'],
  EmptyPurposes: [400, 'required'],
  SelfGrant: [400, 'business-rule'],
  // Money.
  InsufficientBalance: [422, 'business-rule'],
};

/** The status and issue type of a pallet error name (`NoConsent`, `TooManyEnvelopes`…). */
export function palletErrorIssue(error: string): [number, string] {
  const known = PALLET_ERRORS[error];
  if (known) return known;
  if (error.startsWith('TooMany') || error.endsWith('Full')) return [422, 'too-costly'];
  if (error.startsWith('Unknown') || error.startsWith('No')) return [404, 'not-found'];
  if (error.startsWith('Not')) return [403, 'forbidden'];
  if (error.startsWith('Already') || error.endsWith('Exists')) return [409, 'duplicate'];
  if (error.startsWith('Invalid') || error.startsWith('Bad')) return [400, 'value'];
  if (error.includes('Expired')) return [422, 'expired'];
  return [422, 'business-rule'];
}

/**
 * Whether `e` is the chain connection's failure as @polkadot/api's WebSocket provider raises it
 * (not connected, the connection lost under a request, no answer in its time): transient.
 */
export function isProviderError(e: unknown): boolean {
  if (!(e instanceof Error)) return false;
  return /^(WebSocket is not connected|No response received from RPC endpoint in [\d.]+s|disconnected from \S+: \d+::.*)$/.test(e.message);
}

/** Any failure as a {@link FhirError}: the facade's own, the chain's, the store's, or an unexpected one. */
export function toFhirError(e: unknown): FhirError {
  if (e instanceof FhirError) return e;
  if (e instanceof DispatchError) {
    const [status, code] = palletErrorIssue(e.error);
    return new FhirError(status, code, e.code, `the chain refused ${e.call ?? 'the call'}: ${e.code}`);
  }
  if (e instanceof TransactionError) {
    // Retrying cannot help a replayed, stale or future extrinsic, nor one the pool refused.
    if (e.reason === STALE_NONCE) return new FhirError(409, 'conflict', 'stale_nonce', 'the extrinsic\'s nonce was used already: sign the grant again');
    if (e.reason === FUTURE_NONCE) return new FhirError(422, 'business-rule', 'future_nonce', 'the extrinsic\'s nonce is not the signer\'s next one');
    if (e.reason === 'Invalid') return new FhirError(422, 'invalid', 'invalid_transaction', 'the pool refused the extrinsic');
    return new FhirError(503, 'transient', 'transaction', `the transaction was not included: ${e.message}`);
  }
  if (e instanceof OutcomeUnknownError) {
    // Sent, but what became of it is not known: the client must not blindly send again.
    return new FhirError(504, 'timeout', 'outcome_unknown',
      `${e.call}${e.txHash ? ` (extrinsic ${e.txHash})` : ''} was sent but ${e.reason === 'timeout' ? 'not reported in a block in time' : 'the connection to the node was lost'}: it may still be included; look the extrinsic up on chain before sending the request again`);
  }
  // A search's snapshot (`_at`) the node no longer has (pruned) or never had: 410 either way (a
  // pruned block and an unknown one look alike to a node that is not an archive).
  if (isStateGone(e)) {
    return new FhirError(410, 'not-found', 'snapshot_gone', 'the node has no state of the block named by _at (pruned or unknown): search again without _at');
  }
  if (isProviderError(e)) return new FhirError(503, 'transient', 'chain_unavailable', 'the chain did not answer (the node is unreachable or slow)');
  if (e instanceof BlobNotFoundError) return new FhirError(404, 'not-found', 'blob_not_found', 'the ciphertext was not found in the store');
  if (e instanceof NotFoundError) return new FhirError(404, 'not-found', 'not_found', e.message);
  if (e instanceof FormatError) return new FhirError(422, 'processing', `format.${e.format}`, `the stored data does not match the chain (${e.format})`);
  // The gateway's refusals, as the SDK's client raises them.
  if (e instanceof GatewayError) {
    const g = e;
    if (g.status === 403) return new FhirError(403, 'forbidden', `gateway.${g.reason}`, 'the gateway refused the request');
    if (g.status === 503) return new FhirError(503, 'transient', `gateway.${g.reason}`, 'the gateway could not ask the chain');
    return new FhirError(502, 'exception', `gateway.${g.reason}`, `the gateway answered ${g.status} ${g.reason}`);
  }
  if ((e as { name?: string })?.name === 'ChainUnavailableError') return new FhirError(503, 'transient', 'chain_unavailable', 'the chain did not answer');
  return new FhirError(500, 'exception', 'internal', 'internal error');
}
