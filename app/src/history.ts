/**
 * A record's versions (`RecordsApi.record_history`) as the patient reads them, and what the
 * amend and re-key screens do around the SDK's flows: who held the previous version's key and
 * may still read (they get the new one), progress of each step, and what shredding does.
 *
 * @module
 */

import {
  amendResource,
  consent,
  records,
  rekeyRecord,
  sealToGrantee,
  type Actor,
  type BlobStore,
  type FlowContext,
  type PurposeOfUse,
  type RecordId,
  type RecordVersion,
  type TelemedChain,
  type VersionKind,
  type Written,
} from '@telemed/sdk';

/** One version in a record's history. */
export interface HistoryRow {
  id: RecordId;
  /** 1 for the first version. */
  version: number;
  kind: VersionKind;
  /** What the version is, in words. */
  what: string;
  author: string;
  createdAt: number;
  /** Whether it is the record's current version. */
  current: boolean;
  /** Whether a re-key replaced it (its locator and keys are gone; the same content lives on). */
  replaced: boolean;
  envelopes: number;
}

const KIND_WORDS: Readonly<Record<VersionKind, string>> = {
  Original: 'first version',
  Amendment: 'amendment (new content)',
  ReKey: 're-key (same content, fresh key)',
};

/** A version's kind in words (`Original` or the runtime JSON's `original`…). */
export function kindWords(kind: string): string {
  const name = kind.charAt(0).toUpperCase() + kind.slice(1);
  return (KIND_WORDS as Record<string, string>)[name] ?? kind;
}

/**
 * A record's versions, oldest to newest (by version number, then id), the last one marked
 * current. The runtime answers oldest first already; the order is checked, not assumed.
 */
export function historyRows(versions: readonly RecordVersion[]): HistoryRow[] {
  const sorted = [...versions].sort((a, b) => a.version - b.version || Number(a.id - b.id));
  return sorted.map((v, i) => ({
    id: v.id,
    version: v.version,
    kind: v.kind,
    what: kindWords(v.kind),
    author: v.author,
    createdAt: v.createdAt,
    current: i === sorted.length - 1 && v.supersededBy === null,
    replaced: v.locator.length === 0,
    envelopes: v.envelopes,
  }));
}

/** Who holds a key of a version, and for what purpose. */
export interface Holder {
  grantee: string;
  purpose: PurposeOfUse;
}

/** The holders of version `id`'s keys (`records.Envelopes` under the version: bounded per version). */
export async function holdersOf(chain: TelemedChain, id: RecordId): Promise<Holder[]> {
  const entries = await chain.api.query.records!.envelopes!.entries(id);
  return entries.map(([key, value]) => {
    const json = value.toJSON() as { purpose: string };
    const purpose = String(json.purpose);
    return { grantee: chain.address(key.args[1]!.toU8a()), purpose: (purpose.charAt(0).toUpperCase() + purpose.slice(1)) as PurposeOfUse };
  });
}

/**
 * The holders of `version`'s keys other than the patient and their emergency custodians'
 * custody keys (the SDK's flows carry those over themselves), split into those who may still
 * read the record now (`ConsentApi.check_access`, their envelope's purpose) and those who may not.
 */
export async function readersOf(chain: TelemedChain, version: RecordVersion): Promise<{ keep: Holder[]; dropped: Holder[] }> {
  const patient = chain.address(version.patient);
  const holders = (await holdersOf(chain, version.id)).filter((h) => h.grantee !== patient && h.purpose !== 'EmergencyTreatment');
  const access = await Promise.all(holders.map((h) =>
    consent.checkAccess(chain, h.grantee, patient, 'Read', { record: { tag: version.tag, record: version.record } }, h.purpose)));
  return {
    keep: holders.filter((_, i) => 'ok' in access[i]!),
    dropped: holders.filter((_, i) => !('ok' in access[i]!)),
  };
}

/**
 * A store that reports each of its steps before taking it (`put`, `get`, `delete`): the
 * progress of a flow that uses it, in words.
 */
export function reportingStore(store: BlobStore, report: (step: string) => void, words: { get?: string; put?: string; delete?: string } = {}): BlobStore {
  return {
    async put(ciphertext) {
      report(words.put ?? 'Storing the ciphertext at the gateway…');
      return store.put(ciphertext);
    },
    async get(locator) {
      report(words.get ?? 'Fetching the ciphertext from the gateway…');
      return store.get(locator);
    },
    async delete(locator) {
      report(words.delete ?? 'Forgetting the old ciphertext…');
      return store.delete(locator);
    },
  };
}

/** What an amendment did. */
export interface Amended {
  written: Written;
  /** Who got the new version's key besides the patient (and custodians). */
  resealed: string[];
  /** Who held the previous version's key but may no longer read: no key for them. */
  dropped: string[];
}

/**
 * The patient amends `previous`: the SDK's `amendResource` (encrypted in the page, stored,
 * anchored, the patient's own key and their custodians'), sealing the new version's key to every
 * holder of the previous one who may still read, each for the purpose of their envelope.
 */
export async function amendKeepingReaders(ctx: FlowContext, patient: Actor, previous: RecordVersion, resource: Uint8Array, step: (text: string) => void): Promise<Amended> {
  step('Checking who holds the current version’s key and may still read it…');
  const { keep, dropped } = await readersOf(ctx.chain, previous);
  const treatment = keep.filter((h) => h.purpose === 'Treatment');
  const others = keep.filter((h) => h.purpose !== 'Treatment');
  const store = reportingStore(ctx.store, step, { put: 'Encrypted in this browser; storing the ciphertext at the gateway…' });
  const written = await amendResource({ ...ctx, store }, patient, previous.id, resource, { purpose: 'Treatment', sealTo: treatment.map((h) => h.grantee) });
  for (const h of others) {
    step(`Sealing the new key to ${h.grantee} (${h.purpose})…`);
    await sealToGrantee(ctx, patient, written.id, h.grantee, h.purpose);
  }
  return { written, resealed: keep.map((h) => h.grantee), dropped: dropped.map((h) => h.grantee) };
}

/** What a re-key did. */
export interface Rekeyed {
  written: Written;
  /** Who keeps access (a key of the new version). */
  kept: string[];
  /** Who held the replaced version's key but may no longer read: no key for them. */
  dropped: string[];
}

/**
 * The patient re-keys current version `current` (the SDK's `rekeyRecord`: the same content under
 * a fresh data key), keeping every holder who may still read now; `ctx`'s store must read that
 * version. Each step is reported.
 */
export async function rekeyKeepingReaders(ctx: FlowContext, patient: Actor, current: RecordVersion, step: (text: string) => void): Promise<Rekeyed> {
  step('Checking who holds the current key and may still read…');
  const { keep, dropped } = await readersOf(ctx.chain, current);
  const store = reportingStore(ctx.store, step, {
    get: 'Fetching the current ciphertext and checking it against the chain…',
    put: 'Re-encrypted under a fresh key in this browser; storing the new ciphertext at the gateway…',
    delete: 'Anchored; forgetting the old ciphertext…',
  });
  const written = await rekeyRecord({ ...ctx, store }, patient, current.id, { keep: keep.map((h) => h.grantee) });
  return { written, kept: keep.map((h) => h.grantee), dropped: dropped.map((h) => h.grantee) };
}

/** The current version of the record `id` belongs to. @throws `NotFoundError` if shredded or unknown */
export async function currentVersion(chain: TelemedChain, id: RecordId): Promise<RecordVersion> {
  const history = await records.recordHistory(chain, id);
  const current = history.at(-1);
  if (!current) {
    const entry = await records.recordEntry(chain, id);
    throw new Error(entry?.shredded ? `Record #${id} was shredded: it can no longer be opened or changed.` : `No record has the id ${id}.`);
  }
  return current;
}

/** What shredding does, for its confirmation. */
export const SHRED_WARNING =
  'Shredding removes every key of every version of this record from the chain, and all its metadata; only a salted fingerprint and the time remain. '
  + 'Nobody can open it again through the chain: not you, not the clinicians you shared it with, not your emergency custodian. '
  + 'Anyone who opened it before may have kept a copy. This cannot be undone. The transaction is free when it succeeds.';
