/**
 * How much of the node one request may use at once (review F5): per-item chain calls run at
 * most `limit` at a time ({@link mapLimit}), and the requests whose cost grows with the data
 * (a patient's record versions, every claim page) hold one of a few slots ({@link Slots}), so a
 * burst of them is refused (`503` with `Retry-After`) instead of queued against the node.
 *
 * @module
 */

/** Default of `FHIR_CHAIN_CONCURRENCY`: chain calls one request makes at once. */
export const DEFAULT_CHAIN_CONCURRENCY = 8;
/** Default of `FHIR_MAX_HEAVY_REQUESTS`: requests listing per-item chain data at once. */
export const DEFAULT_MAX_HEAVY_REQUESTS = 4;

/**
 * `fn` of each item, at most `limit` running at once, the results in the items' order. The
 * first failure is thrown once the calls running then have ended (none is started after it).
 */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  let failed = false;
  const worker = async () => {
    while (!failed && next < items.length) {
      const i = next++;
      try {
        results[i] = await fn(items[i]!, i);
      } catch (e) {
        failed = true;
        throw e;
      }
    }
  };
  const settled = await Promise.allSettled(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  const failure = settled.find((s) => s.status === 'rejected');
  if (failure) throw (failure as PromiseRejectedResult).reason;
  return results;
}

/** A fixed number of slots taken without waiting: none free, the caller is refused. */
export class Slots {
  private used = 0;

  /** @param size - how many may be held at once */
  constructor(readonly size: number) {}

  /** Takes a slot: its release function, or undefined when all are held. */
  tryTake(): (() => void) | undefined {
    if (this.used >= this.size) return undefined;
    this.used += 1;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.used -= 1;
    };
  }

  /** How many are held. */
  get held(): number {
    return this.used;
  }
}
