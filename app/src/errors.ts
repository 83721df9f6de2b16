/**
 * Every failure in plain words: the chain's refusals (`pallet.ErrorName`, from the SDK's
 * `DispatchError`), a transaction the pool refused or the user declined, the gateway's
 * refusals, and the SDK's checks of what it fetched.
 *
 * The chain documents every error (the runtime's metadata carries the docs, which the SDK puts
 * in `DispatchError.docs`); the errors a patient or a clinician meets in this app get a sentence
 * written for them here, every other one shows its documentation. The code is always shown too.
 *
 * @module
 */

import {
  BlobNotFoundError,
  DecryptionError,
  DispatchError,
  DispenseTokenError,
  FormatError,
  GatewayError,
  MetadataMismatchError,
  MismatchError,
  NotFoundError,
  QuoteRefusedError,
  TransactionError,
} from '@telemed/sdk';

/**
 * A call the app did not send because the chain would refuse it (the caller's licence, a
 * missing consent): `code` is the chain's error it would have met, explained as that error.
 */
export class WouldBeRefusedError extends Error {
  constructor(readonly code: string, readonly hint?: string) {
    super(`would be refused: ${code}`);
    this.name = 'WouldBeRefusedError';
  }
}

/** Sentences for the chain errors this app's screens lead to. */
export const PALLET_MESSAGES: Readonly<Record<string, string>> = {
  'records.AlreadyRegistered': 'This account is registered as a patient already.',
  'records.UnknownPatient': 'This account is not registered as a patient yet: register first.',
  'records.NotPermitted': 'Only the patient (or a delegate they appointed) may do this.',
  'records.NotLicensed': 'Refused: the clinician holds no licence that is valid now.',
  'records.NoConsent': 'Refused: no consent of the patient allows this access now (it may have been revoked or have expired).',
  'records.ExplicitlyDenied': 'Refused: the patient has denied this access.',
  'records.NoEnvelope': 'There is no key for you on this record version: the patient has not shared it with you, or your access ended.',
  'records.RecordShredded': 'This record was shredded: it can no longer be read.',
  'records.UnknownRecord': 'No record has this id.',
  'records.NotCurrent': 'A newer version of this record exists: open the current one.',
  'records.TooManyRecords': 'You have reached the most records a patient may keep.',
  'records.NoKeyAgreementKey': 'The grantee has published no encryption key yet, so nothing can be shared with them.',
  'records.EnvelopeExists': 'This person already holds the key of this record version.',
  'records.TooManyEnvelopes': 'This record version is shared with as many people as it can be.',
  'records.TooManyGranteeEnvelopes': 'This person already holds as many of your record keys as they may.',
  'records.InsufficientBalance': 'Your free balance does not cover the deposit.',
  'records.InvalidKey': 'This health key cannot be used (not a valid X25519 public key).',
  'records.TagOfAnotherPatient': 'This category tag belongs to another patient’s records.',
  'consent.GrantToSelf': 'You cannot grant a consent to yourself: you have access already.',
  'consent.NoActions': 'Choose at least one action.',
  'consent.NoPurposes': 'Choose at least one purpose.',
  'consent.EmptyScope': 'Choose at least one record or category (or all data).',
  'consent.Duplicate': 'The same item is listed twice.',
  'consent.EndBeforeStart': 'The end must come after the start.',
  'consent.AlreadyEnded': 'The end date is already in the past.',
  'consent.TooManyConsents': 'You have as many consents as a patient may: remove ended ones first.',
  'consent.UnknownConsent': 'No consent has this id.',
  'consent.NotPermitted': 'Only the patient (or a delegate they appointed) may do this.',
  'consent.AlreadyRevoked': 'This consent is revoked already.',
  'consent.ConsentLapsed': 'This consent lapsed when the delegate who granted it was removed: it no longer counts (anyone may clean it up).',
  'consent.NoConsent': 'Refused: no consent allows this access now.',
  'consent.NotLicensed': 'Refused: the clinician holds no licence that is valid now.',
  'consent.ExplicitlyDenied': 'Refused: the patient has denied this access.',
  'consent.UnknownPatient': 'Refused: this person is not a registered patient.',
  'consent.InsufficientBalance': 'Your free balance does not cover the deposit.',
  'practitioners.SameKeyAgreementKey': 'This key is already your published key.',
  'practitioners.NotRegistered': 'This account is not a registered practitioner.',
  'practitioners.InvalidKeyAgreementKey': 'This key cannot be used (not a valid X25519 public key).',
  'prescriptions.NotPrescriber': 'Refused: you hold no licence that allows prescribing now.',
  'prescriptions.NotPharmacist': 'Refused: you hold no pharmacist licence that is valid now.',
  'prescriptions.SelfPrescribing': 'You cannot prescribe for yourself.',
  'prescriptions.SelfDispensing': 'You cannot dispense your own prescription.',
  'prescriptions.UnknownPrescription': 'No open prescription has this id (filled, cancelled, amended or expired).',
  'prescriptions.NotPermitted': 'Only the prescriber (or, to cancel, the patient) may do this.',
  'prescriptions.WrongSecret': 'This code is not the next fill’s.',
  'prescriptions.SecretAlreadyUsed': 'This fill was dispensed already.',
  'prescriptions.TooEarly': 'Too early for the next fill of this controlled substance.',
  'prescriptions.NoConsent': 'A controlled substance: the patient has not consented to this pharmacist.',
  'prescriptions.PrescriptionExpired': 'This prescription has expired.',
  'prescriptions.PrescriberNotLicensed': 'The prescriber holds no valid licence now: the prescription cannot be dispensed.',
  'prescriptions.PrescriberRevoked': 'The prescriber’s licence was revoked: the prescription can never be dispensed.',
  'prescriptions.ValidityTooLong': 'A prescription may be valid for at most a year.',
  'prescriptions.TooManyFills': 'Too many fills (at most 12).',
  'prescriptions.TooManyPrescriptions': 'This patient has as many open prescriptions as they may.',
  'prescriptions.InsufficientBalance': 'Your free balance does not cover the prescription deposit.',
  'consent.NotEmergencyPractitioner': 'Refused: break-glass needs a valid licence endorsed for emergency care, and you hold none.',
  'consent.EmergencyOnSelf': 'You cannot break the glass on your own data.',
  'consent.EmergencyAlreadyOpen': 'You have an open emergency access to this patient already: use it, or close it first.',
  'consent.TooManyPendingReviews': 'Too many of your emergency accesses to this patient await review: they must be reviewed before you open another.',
  'consent.UnknownEmergencyAccess': 'No emergency access has this id.',
  'consent.NotYourEmergencyAccess': 'Only the clinician who opened this emergency access may close it.',
  'consent.EmergencyAccessNotOpen': 'This emergency access is closed or expired already.',
  'consent.TagOfAnotherPatient': 'This category tag belongs to another patient’s records.',
  'consent.TooManyScopeItems': 'The consent lists more items than a consent may.',
  'consent.TooManyConsentsToGrantee': 'You have as many consents to this person as you may: revoke or clean up one first.',
  'billing.NotLicensed': 'Only a practitioner with a valid licence may do this.',
  'billing.ZeroPriceOrDuration': 'A service needs a price and a duration above zero.',
  'billing.TooManyServices': 'Your fee schedule is full: withdraw a service first.',
  'billing.UnknownService': 'The practitioner offers no such service (unknown or withdrawn).',
  'billing.NotPermitted': 'Only the patient, whoever booked the visit, or a delegate allowed to book care may do this.',
  'billing.BookingSelf': 'You cannot book a visit with yourself.',
  'billing.InThePast': 'That time has passed: pick a time in the future.',
  'billing.TooManyOpenConsultations': 'The patient or the practitioner has as many open visits as they may: close one first.',
  'billing.UnknownConsultation': 'No visit has this id.',
  'billing.NotYourConsultation': 'Only the visit’s practitioner may do this.',
  'billing.WrongStatus': 'The visit is not at a stage that allows this (it may have moved on: refresh the list).',
  'billing.TooEarly': 'The visit’s time has not come yet.',
  'billing.VisitUnderway': 'The visit is under way: it can no longer be cancelled.',
  'billing.DisputeWindowClosed': 'The 48 hours to dispute this visit have passed.',
  'billing.DisputeWindowOpen': 'The patient may still dispute this visit: only they can settle it now, by confirming.',
  'billing.AlreadySettled': 'This visit was settled already.',
  'billing.OwnVisit': 'You are this visit’s practitioner: you cannot confirm or dispute it for the patient.',
  'billing.BookingLapsed': 'The visit’s time came before the practitioner accepted it: the booking lapsed (anyone may release it, refunding the payer).',
  'billing.StillOpen': 'The visit is still open: only a closed one can be cleaned up.',
  'billing.ClaimPending': 'The visit’s insurance claim is still pending.',
  'billing.NotAParty': 'Only the visit’s patient or practitioner may do this.',
  'billing.InvalidSessionKey': 'This session key is not a usable key (zero, weak or malformed).',
  'billing.NotInsurer': 'This account is not a registered insurer (governance registers insurers).',
  'billing.InsufficientBalance': 'Your free balance does not cover this amount.',
  'billing.InsufficientPool': 'The pool cannot cover this: the insurer’s pool has too little that is not already promised to bookings and claims.',
  'billing.UnknownPolicy': 'No policy has this id.',
  'billing.NotYourPolicy': 'This policy is not yours (another insurer’s, or another patient’s).',
  'billing.PolicyNotInForce': 'The policy is not in force at that time.',
  'billing.NotCovered': 'The policy does not cover this service.',
  'billing.LimitExceeded': 'This would exceed the policy’s annual limit.',
  'billing.BadCoveredServices': 'A policy covers at least one service, at most 32, none listed twice.',
  'billing.BadServiceCode': 'A service code cannot be empty.',
  'billing.BadValidity': 'The policy’s validity must end after it starts, and not be over already.',
  'billing.PolicyEnded': 'This policy was ended already.',
  'billing.UnknownClaim': 'No claim has this id.',
  'billing.NotYourClaim': 'Only the claim’s insurer may answer it.',
  'billing.ClaimClosed': 'This claim was answered already.',
  'billing.ClaimDeadlinePassed': 'The deadline to answer this claim has passed: it is approved by your silence, and paid once finalised.',
  'billing.ClaimStillPending': 'The insurer’s deadline has not passed yet: the claim cannot be finalised now.',
  'billing.IdsExhausted': 'The chain has run out of ids for this.',
  // Versions, re-keys and shredding; delegates and the emergency custodian; break-glass
  // reviews; amending and cancelling prescriptions (the patient's screens and the prescriber's list).
  'records.TooManyVersions': 'This record has as many versions as a record may keep.',
  'records.CommitmentMismatch': 'A re-key must keep the same content: the fresh ciphertext does not match the record.',
  'records.BadSizeClass': 'The record is larger than the chain accepts.',
  'records.EnvelopeTooShort': 'The sealed key is malformed.',
  'consent.DelegateToSelf': 'You cannot appoint yourself as your own delegate.',
  'consent.NoScopes': 'Choose at least one thing the delegate may do.',
  'consent.AlreadyDelegate': 'This account is your delegate already: remove it first to change what it may do.',
  'consent.UnknownDelegate': 'This account is not (or no longer) your delegate.',
  'consent.TooManyDelegates': 'You have as many delegates as a patient may: remove one first.',
  'consent.AlreadyReviewed': 'This emergency access was reviewed already: a finding cannot be changed.',
  'prescriptions.FillsNotAboveUsed': 'An amendment must allow more fills in all than were dispensed already.',
  'prescriptions.NoFills': 'A prescription allows at least one fill.',
  'prescriptions.ExpiryInPast': 'The expiry must be after now.',
  'prescriptions.SecretCountMismatch': 'The fill codes do not match the number of fills to come.',
  'prescriptions.DuplicateSecret': 'Two fills would share a code.',
  // The patient's consent form: chosen actions, records, categories or all data, allow or deny, a period.
  'consent.UnknownRecord': 'One of the records chosen no longer exists (shredded?): refresh the list and choose again.',
  'consent.NotPatientsRecord': 'One of the records chosen is not yours.',
  'consent.WrongTag': 'The record carries another category than the one given.',
  'consent.DelegateCannotGrantItself': 'A delegate cannot grant a consent to itself.',
  'consent.EndsAfterDelegation': 'A delegate cannot grant a consent that lasts beyond its own appointment: choose an earlier last day.',
  'consent.ConsentInForce': 'This consent still counts (in force or not yet started): revoke it first.',
  'consent.IdsExhausted': 'The chain has run out of consent ids.',
  'prescriptions.ConsentDenied': 'A controlled substance: the patient has denied this pharmacist.',
};

/** Why the chain would not quote a booking (`QuoteError`, the SDK's `QuoteRefusedError`): nothing was sent. */
export const QUOTE_PROBLEMS: Readonly<Record<string, string>> = {
  UnknownService: 'The practitioner offers no such service.',
  UnknownPolicy: 'No policy of yours has this id.',
  PolicyNotInForce: 'Your policy is not in force at the time of the visit.',
  NotCovered: 'Your policy does not cover this service.',
  LimitExceeded: 'The insurer’s share would exceed what is left of your policy’s annual limit.',
};

/** Why a dispense token was refused before anything was sent (the SDK's `DispenseTokenError`). */
export const DISPENSE_PROBLEMS: Readonly<Record<string, string>> = {
  OtherChain: 'This code is for another network.',
  UnknownPrescription: 'No open prescription matches this code (filled, cancelled, amended or expired).',
  ContentMismatch: 'The medication in this code is not what was prescribed: do not dispense.',
  FillAlreadyMade: 'This fill was dispensed already.',
  NotTheNextFill: 'This code is for a later fill: ask for the next one.',
  WrongSecret: 'This code is not the prescription’s: do not dispense.',
  TooEarly: 'Too early for the next fill of this controlled substance.',
  Expired: 'This prescription has expired.',
  PrescriberNotLicensed: 'The prescriber holds no valid licence now.',
  PrescriberRevoked: 'The prescriber’s licence was revoked for good.',
};

/** Gateway refusals (gateway/README.md, "API"). */
const GATEWAY_MESSAGES: Readonly<Record<string, string>> = {
  forbidden: 'The gateway refused: you may not read this record now.',
  unknown_record: 'The gateway knows no live record version with this id.',
  retired: 'This version was re-keyed: read the current version.',
  blob_not_found: 'The gateway could not find the encrypted file.',
  blob_mismatch: 'The gateway holds a different file than the one anchored on chain.',
  unknown_prescription: 'The gateway knows no open prescription with this id.',
  no_ciphertext_hash: 'This prescription was issued before the chain kept its file’s hash: the gateway does not serve it.',
  chain_unavailable: 'The gateway cannot reach the chain right now: try again.',
  too_large: 'The file is larger than the gateway accepts.',
  stale_timestamp: 'Your clock and the gateway’s differ too much: check the time of this device.',
};

/** What went wrong, in a sentence, with the technical code after it. */
export function explain(e: unknown): string {
  if (e instanceof DispatchError) {
    const code = e.pallet ? `${e.pallet}.${e.error}` : e.error;
    const text = PALLET_MESSAGES[code] ?? (e.docs ? sentence(e.docs) : `The chain refused ${e.call}.`);
    return `${text} (${code})`;
  }
  if (e instanceof TransactionError) {
    if (/cancel/i.test(e.reason)) return `You declined to sign ${e.message.split(' ')[0]}.`;
    return `The transaction was not included: ${e.reason}.`;
  }
  if (e instanceof GatewayError) {
    return `${GATEWAY_MESSAGES[e.reason] ?? `The gateway refused (${e.status}).`} (gateway: ${e.reason})`;
  }
  if (e instanceof WouldBeRefusedError) {
    const text = PALLET_MESSAGES[e.code] ?? `The chain would refuse this (${e.code}).`;
    return `${text}${e.hint ? ` ${e.hint}` : ''} Nothing was sent. (${e.code})`;
  }
  if (e instanceof QuoteRefusedError) {
    const reason = e.reason.charAt(0).toUpperCase() + e.reason.slice(1);
    return `${QUOTE_PROBLEMS[reason] ?? 'The chain would not book this.'} Nothing was sent. (quote: ${reason})`;
  }
  if (e instanceof DispenseTokenError) return `${DISPENSE_PROBLEMS[e.problem] ?? 'The code does not match the chain.'} (${e.problem})`;
  if (e instanceof MetadataMismatchError) return `This node runs a runtime the app does not know: ${e.problems.join('; ')}`;
  if (e instanceof MismatchError) return 'The file fetched is not the one anchored on chain: it was not shown. (content mismatch)';
  if (e instanceof DecryptionError) return 'The key does not open this record: it was sealed for someone else or another version. (decryption)';
  if (e instanceof BlobNotFoundError) return 'The encrypted file was not found in storage.';
  if (e instanceof FormatError) return `Unreadable data: ${e.message}`;
  if (e instanceof NotFoundError) return sentence(e.message);
  if (e instanceof Error) return sentence(e.message);
  return String(e);
}

function sentence(text: string): string {
  const t = text.trim();
  if (!t) return t;
  const capital = t[0]!.toUpperCase() + t.slice(1);
  return /[.!?]$/.test(capital) ? capital : `${capital}.`;
}
