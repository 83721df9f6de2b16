/**
 * Writes named by the client, remembered per caller (review F2): a write sent with a key
 * (`If-None-Exist`, `X-Request-Id`, a batch entry's `request.ifNoneExist`) and answered, or whose
 * answer was lost (the client gone, the deadline passed) while the chain completed it, is
 * remembered for a day, so the retry is answered with the first write's `Location` instead of
 * writing (and paying) twice. Only ids are kept (type, id, version, time), never content; at most
 * `maxPerCaller` keys per caller and `max` in all, the oldest dropped first.
 *
 * @module
 */

/** What is remembered of a completed write: where it is, nothing of what it says. */
export interface RememberedWrite {
  /** The `Location` it was answered with. */
  location: string;
  /** Its `ETag` and `Last-Modified`, if it had them (record versions). */
  etag?: string;
  lastModified?: string;
}

/** How long a key is remembered: a day. */
export const KEY_TTL_MS = 24 * 60 * 60 * 1000;
/** Default most keys of one caller. */
export const DEFAULT_KEYS_PER_CALLER = 10_000;
/** Default most keys in all. */
export const DEFAULT_KEYS = 200_000;

/** Keys of writes, per caller. */
export class WriteKeys {
  /** caller → key → the write and when it is forgotten; insertion-ordered (so oldest first). */
  private readonly byCaller = new Map<string, Map<string, { write: RememberedWrite; expiry: number }>>();
  /** Every remembered key in insertion order (expiry order), for sweeping; stale ones skipped. */
  private queue: [string, string, number][] = [];
  private head = 0;
  private count = 0;
  /** `caller\nkey` of the writes under way. */
  private readonly underWay = new Set<string>();

  constructor(
    readonly ttlMs = KEY_TTL_MS,
    readonly maxPerCaller = DEFAULT_KEYS_PER_CALLER,
    readonly max = DEFAULT_KEYS,
    private readonly now: () => number = Date.now,
  ) {}

  /** The write remembered under `key` for `caller`; `'under-way'` while one is being made; else undefined. */
  lookup(caller: string, key: string): RememberedWrite | 'under-way' | undefined {
    this.sweep();
    if (this.underWay.has(`${caller}\n${key}`)) return 'under-way';
    return this.byCaller.get(caller)?.get(key)?.write;
  }

  /** Marks a write under `key` as under way: false if one already is (do not write twice). */
  begin(caller: string, key: string): boolean {
    const id = `${caller}\n${key}`;
    if (this.underWay.has(id)) return false;
    this.underWay.add(id);
    return true;
  }

  /** Ends the write under `key`: remembers it if it was made (`write`), else forgets the key. */
  finish(caller: string, key: string, write?: RememberedWrite): void {
    this.underWay.delete(`${caller}\n${key}`);
    if (write === undefined) return;
    this.sweep();
    let keys = this.byCaller.get(caller);
    if (keys === undefined) {
      keys = new Map();
      this.byCaller.set(caller, keys);
    }
    if (keys.delete(key)) this.count -= 1;
    // One caller's keys do not push out another's: its own oldest go first.
    while (keys.size >= this.maxPerCaller) {
      const oldest = keys.keys().next().value as string;
      keys.delete(oldest);
      this.count -= 1;
    }
    while (this.count >= this.max && this.dropOldest()) { /* until under the bound */ }
    const expiry = this.now() + this.ttlMs;
    keys.set(key, { write, expiry });
    this.count += 1;
    this.queue.push([caller, key, expiry]);
  }

  /** How many keys are remembered. */
  get size(): number {
    this.sweep();
    return this.count;
  }

  /** Drops the oldest remembered key of all; false when there is none. */
  private dropOldest(): boolean {
    while (this.head < this.queue.length) {
      const [caller, key, expiry] = this.queue[this.head]!;
      this.head += 1;
      if (this.forget(caller, key, expiry)) return true;
    }
    return false;
  }

  /** Forgets `key` of `caller` if it is the one remembered until `expiry` (not a later one). */
  private forget(caller: string, key: string, expiry: number): boolean {
    const keys = this.byCaller.get(caller);
    if (keys?.get(key)?.expiry !== expiry) return false;
    keys.delete(key);
    this.count -= 1;
    if (keys.size === 0) this.byCaller.delete(caller);
    return true;
  }

  private sweep(): void {
    const now = this.now();
    while (this.head < this.queue.length && this.queue[this.head]![2] <= now) {
      const [caller, key, expiry] = this.queue[this.head]!;
      this.head += 1;
      this.forget(caller, key, expiry);
    }
    if (this.head > 1024 && this.head * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
  }
}
