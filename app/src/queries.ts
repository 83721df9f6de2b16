/**
 * What the screens read from the chain, in plain types: a patient's records, consents and
 * disclosure log, a practitioner's licence status and licences. Through the SDK where it has the
 * read, else the runtime APIs on the SDK's connection (`chain.api.call.*`).
 *
 * @module
 */

import { consent, emergencyBasis, practitioners, records, type Disclosure, type TelemedChain } from '@telemed/sdk';
import { DECIMALS } from './format.ts';

export { formatMed } from './format.ts';

/** `[variant, value]` of a runtime enum as @polkadot/api's JSON gives it (`"Permit"`, `{ records: [1] }`). */
export function variant(json: unknown): [string, unknown] {
  if (typeof json === 'string') return [lowerFirst(json), null];
  if (json && typeof json === 'object') {
    const [key, value] = Object.entries(json as Record<string, unknown>)[0] ?? ['unknown', null];
    return [lowerFirst(key), value];
  }
  return ['unknown', json];
}

function lowerFirst(s: string): string {
  return s.charAt(0).toLowerCase() + s.slice(1);
}

export interface RecordRow {
  id: bigint;
  record: bigint;
  version: number;
  kind: string;
  author: string;
  createdAt: number;
  envelopes: number;
  /** The blinded tag of its category (0x hex, lower case): what a consent by category covers. */
  tag: string;
}

/** The patient's current record versions (`RecordsApi.records`, current only), newest first. */
export async function patientRecords(chain: TelemedChain, patient: string): Promise<RecordRow[]> {
  const result = (await chain.api.call.recordsApi!.records!(patient, { tag: null, currentOnly: true }, 0, 256)).toJSON() as
    [[number | string, Record<string, unknown>][], number | null];
  return result[0].map(([id, r]) => ({
    id: BigInt(id),
    record: BigInt(r.record as number),
    version: Number(r.version),
    kind: variant(r.kind)[0],
    author: chain.address(String(r.author)),
    createdAt: Number(r.createdAt),
    envelopes: Number(r.envelopes ?? 0),
    tag: String(r.tag).toLowerCase(),
  })).sort((a, b) => Number(b.id - a.id));
}

export interface ConsentRow {
  id: bigint;
  grantee: string;
  decision: string;
  actions: string[];
  /** The scope in words. */
  scope: string;
  /** The scope as the runtime's JSON gives it (consents.ts `coverFromJson`). */
  scopeJson: unknown;
  purposes: string[];
  start: number;
  end: number | null;
  standing: string;
}

/**
 * The patient's consents (`ConsentApi.consents`), newest first. `names` names the category
 * tags the patient's own key makes (hex → words), so a scope of tags reads as categories.
 */
export async function patientConsents(chain: TelemedChain, patient: string, names?: ReadonlyMap<string, string>): Promise<ConsentRow[]> {
  const json = (await chain.api.call.consentApi!.consents!(patient)).toJSON() as
    { id: number; consent: Record<string, unknown>; standing: unknown }[];
  return json.map(({ id, consent: c, standing }) => ({
    id: BigInt(id),
    grantee: chain.address(String(c.grantee)),
    decision: variant(c.decision)[0],
    actions: (c.actions as unknown[]).map((a) => variant(a)[0]),
    scope: describeScope(c.scope, names),
    scopeJson: c.scope,
    purposes: (c.purposes as unknown[]).map((p) => variant(p)[0]),
    start: Number(c.start),
    end: c.end === null || c.end === undefined ? null : Number(c.end),
    standing: variant(standing)[0],
  })).sort((a, b) => Number(b.id - a.id));
}

/** A consent's scope in words; tags named in `names` (hex → words) by their names. */
export function describeScope(scope: unknown, names?: ReadonlyMap<string, string>): string {
  const [kind, value] = variant(scope);
  if (kind === 'allData') return 'all data';
  if (kind === 'records') return `records ${(value as (number | string)[]).map((r) => `#${r}`).join(', ')}`;
  if (kind === 'tags') {
    const tags = (value as unknown[]).map((t) => String(t).toLowerCase());
    const named = tags.map((t) => names?.get(t));
    if (tags.length > 0 && named.every((n) => n !== undefined)) return named.join(', ');
    return `${tags.length} categor${tags.length === 1 ? 'y' : 'ies'}`;
  }
  return kind;
}

/** A consent that lets `grantee` add records to a patient's categories (an Append permit for treatment, by tags). */
export interface AppendPermit {
  consent: bigint;
  /** The blinded tags it covers (0x hex). */
  tags: string[];
  end: number | null;
  /**
   * Whether it lets the grantee read them too: an author keeps a key of what they add (the
   * SDK's `addResource` seals one to them), which the chain gives only to a reader.
   */
  read: boolean;
}

/**
 * The permits to add records among a patient's consents (`ConsentApi.consents` JSON) for
 * `grantee`: in force, a permit, `Append` among its actions, `Treatment` among its purposes, a
 * scope of tags. The chain decides in the end (a deny may still refuse).
 */
export function appendPermitsFrom(json: { id: number | string; consent: Record<string, unknown>; standing: unknown }[], grantee: string, address: (a: string) => string): AppendPermit[] {
  return json.flatMap(({ id, consent: c, standing }) => {
    if (address(String(c.grantee)) !== grantee) return [];
    if (variant(c.decision)[0] !== 'permit' || variant(standing)[0] !== 'inForce') return [];
    if (!(c.actions as unknown[]).some((a) => variant(a)[0] === 'append')) return [];
    if (!(c.purposes as unknown[]).some((p) => variant(p)[0] === 'treatment')) return [];
    const [kind, value] = variant(c.scope);
    if (kind !== 'tags') return [];
    return [{
      consent: BigInt(id),
      tags: (value as unknown[]).map((t) => String(t).toLowerCase()),
      end: c.end === null || c.end === undefined ? null : Number(c.end),
      read: (c.actions as unknown[]).some((a) => variant(a)[0] === 'read'),
    }];
  });
}

/** {@link appendPermitsFrom} of `patient`'s consents now. */
export async function appendPermits(chain: TelemedChain, patient: string, grantee: string): Promise<AppendPermit[]> {
  const json = (await chain.api.call.consentApi!.consents!(patient)).toJSON() as { id: number; consent: Record<string, unknown>; standing: unknown }[];
  return appendPermitsFrom(json, grantee, (a) => chain.address(a));
}

export interface DisclosureRow {
  seq: bigint;
  accessor: string;
  what: string;
  action: string;
  purpose: string;
  basis: string;
  emergency: boolean;
  /** The break-glass access the disclosure rests on, if it was an emergency. */
  emergencyId: bigint | null;
  at: number;
}

/** What a disclosure was of, in words. */
export function describeData(data: unknown): string {
  const [kind, value] = variant(data);
  if (kind === 'record') return `record #${String(value)}`;
  if (kind === 'allData') return 'all data';
  if (kind === 'tag') return 'a new record (by category)';
  if (kind === 'relationship') return 'the care relationship (no data)';
  return kind;
}

/** On what grounds, in words, and whether it was an emergency. */
export function describeBasis(basis: unknown): { text: string; emergency: boolean } {
  const [kind, value] = variant(basis);
  if (kind === 'consent') return { text: `consent #${String(value)}`, emergency: false };
  if (kind === 'emergency') return { text: `EMERGENCY (break-glass #${String(value)})`, emergency: true };
  if (kind === 'patient') return { text: 'the patient', emergency: false };
  if (kind === 'delegate') return { text: 'a delegate', emergency: false };
  return { text: kind, emergency: false };
}

/** The patient's disclosure log (`ConsentApi.disclosures`), newest first. */
export async function disclosureLog(chain: TelemedChain, patient: string): Promise<DisclosureRow[]> {
  const rows = await consent.disclosures(chain, patient, 0, 256);
  return rows.map(([seq, d]: [bigint, Disclosure]) => {
    const basis = describeBasis(d.basis);
    return {
      seq,
      accessor: chain.address(d.accessor),
      what: describeData(d.data),
      action: d.action,
      purpose: d.purpose,
      basis: basis.text,
      emergency: basis.emergency,
      emergencyId: emergencyBasis(d.basis),
      at: d.at,
    };
  }).sort((a, b) => Number(b.seq - a.seq));
}

export interface LicenceStatusView {
  registered: boolean;
  licensed: boolean;
  emergencyAccess: boolean;
  validLicences: number;
  keyAgreementKey: string | null;
}

/** `PractitionersApi.licence_status`. */
export async function licenceStatus(chain: TelemedChain, who: string): Promise<LicenceStatusView> {
  const json = (await practitioners.licenceStatus(chain, who)) as Record<string, unknown>;
  return {
    registered: Boolean(json.registered),
    licensed: Boolean(json.licensed),
    emergencyAccess: Boolean(json.emergencyAccess),
    validLicences: Number(json.validLicences ?? 0),
    keyAgreementKey: (json.keyAgreementKey as string | null) ?? null,
  };
}

/** A licence status in words. */
export function describeLicence(s: LicenceStatusView): string {
  if (!s.registered) return 'not a registered practitioner';
  if (!s.licensed) return 'registered practitioner, NO valid licence';
  return `licensed (${s.validLicences} valid licence${s.validLicences === 1 ? '' : 's'}${s.emergencyAccess ? ', emergency care' : ''})`;
}

export interface LicenceRow {
  id: number;
  jurisdiction: string;
  role: string;
  validFrom: number;
  expiresAt: number;
  standing: string;
  emergencyCare: boolean;
}

/** `PractitionersApi.licences`. */
export async function licences(chain: TelemedChain, who: string): Promise<LicenceRow[]> {
  const json = (await chain.api.call.practitionersApi!.licences!(who)).toJSON() as
    { id: number; licence: Record<string, unknown>; standing: unknown }[];
  return json.map(({ id, licence: l, standing }) => ({
    id,
    jurisdiction: hexText(l.jurisdiction),
    role: variant(l.role)[0],
    validFrom: Number(l.validFrom),
    expiresAt: Number(l.expiresAt),
    standing: variant(standing)[0],
    emergencyCare: Boolean(l.emergencyCare),
  }));
}

function hexText(value: unknown): string {
  if (typeof value !== 'string' || !value.startsWith('0x')) return String(value);
  const bytes = value.slice(2).match(/../g) ?? [];
  return bytes.map((b) => String.fromCharCode(parseInt(b, 16))).join('');
}

/** The patients whose records `grantee` holds keys of, with those versions. */
export async function sharedWith(chain: TelemedChain, grantee: string): Promise<{ patient: string; versions: bigint[] }[]> {
  const patients = await records.granteePatients(chain, grantee);
  return Promise.all(patients.map(async (patient) => ({
    patient,
    versions: (await records.envelopesOf(chain, patient, grantee)).sort((a, b) => Number(b - a)),
  })));
}

/** The chain's time now (`timestamp.now`, ms): what a booking's time is compared with. */
export async function chainNow(chain: TelemedChain): Promise<number> {
  return Number((await chain.api.query.timestamp!.now!()).toJSON());
}

/** MED typed by a person (`5`, `0.25`) as planck; refuses anything else. */
export function parseMed(text: string): bigint {
  const match = /^\s*(\d{1,12})(?:\.(\d{1,12}))?\s*$/.exec(text);
  if (!match) throw new Error('An amount is a number of MED with at most 12 decimals (e.g. 5 or 0.25).');
  return BigInt(match[1]!) * 10n ** BigInt(DECIMALS) + BigInt((match[2] ?? '').padEnd(DECIMALS, '0'));
}

export interface ConsultationRow {
  id: bigint;
  patient: string;
  practitioner: string;
  service: string;
  price: bigint;
  scheduledAt: number;
  status: string;
}

/**
 * Open consultations: a patient's (`BillingApi.consultations`) or a practitioner's
 * (`BillingApi.schedule`), newest first.
 */
export async function consultationsOf(chain: TelemedChain, who: string, side: 'patient' | 'practitioner'): Promise<ConsultationRow[]> {
  const api = chain.api.call.billingApi!;
  const rows = side === 'patient'
    ? (await api.consultations!(who)).toJSON() as [number | string, Record<string, unknown>][]
    : ((await api.schedule!(who)).toJSON() as [unknown, [number | string, Record<string, unknown>][]])[1];
  return rows.map(([id, c]) => ({
    id: BigInt(id),
    patient: chain.address(String(c.patient)),
    practitioner: chain.address(String(c.practitioner)),
    service: serviceCode(c.service),
    price: BigInt(String(c.price)),
    scheduledAt: Number(c.scheduledAt),
    status: String(c.status),
  })).sort((a, b) => Number(b.id - a.id));
}

/** A service code as the chain keeps it (bytes, hex in JSON) as text. */
export function serviceCode(value: unknown): string {
  const text = String(value);
  if (!/^0x([0-9a-f]{2})*$/i.test(text)) return text;
  const bytes = Uint8Array.from(text.slice(2).match(/../g) ?? [], (h) => parseInt(h, 16));
  return new TextDecoder().decode(bytes);
}

/**
 * An account typed by a person, as the chain's address; `who` names it in the error
 * (`the patient`). Throws on an empty or invalid address.
 */
export function addressOf(chain: Pick<TelemedChain, 'address'>, text: string, who: string): string {
  const typed = text.trim();
  if (typed === '') throw new RangeError(`Enter ${who}’s address.`);
  try {
    return chain.address(typed);
  } catch {
    throw new RangeError(`${who.charAt(0).toUpperCase()}${who.slice(1)}’s address is not a valid address.`);
  }
}
