// One submission at a time per signing account. A transaction takes its nonce from the node's
// pool when it is signed (`system_accountNextIndex`), so two submissions for one account that
// overlap between signing and reaching the pool could take the same nonce. Within a process a
// promise chain per account orders them; suites that share a node run in separate processes, and
// the development accounts sign in several of them (Alice funds, Ferdie licenses), so while
// `TELEMED_E2E_LOCK_DIR` is set (e2e/run.ts sets it) the account is also locked across processes
// by an atomic `mkdir` in that directory. The lock is held only until the pool has the
// transaction, not until it is in a block.

import { mkdirSync, rmdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';

const chains = new Map<string, Promise<void>>();

/** A lock older than this was left by a process that died while holding it. */
const STALE_MS = 30_000;

function tryLock(path: string): boolean {
  try {
    mkdirSync(path);
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    try {
      if (Date.now() - statSync(path).mtimeMs > STALE_MS) rmdirSync(path);
    } catch {
      // released meanwhile
    }
    return false;
  }
}

async function acrossProcesses<T>(address: string, f: () => Promise<T>): Promise<T> {
  const dir = process.env.TELEMED_E2E_LOCK_DIR;
  if (!dir) return await f();
  const path = join(dir, address);
  while (!tryLock(path)) await new Promise((r) => setTimeout(r, 20));
  try {
    return await f();
  } finally {
    rmSync(path, { recursive: true, force: true });
  }
}

/** Runs `submitToPool` (sign and submit, resolving once the pool has it) holding `address`'s lock. */
export async function withSignerLock<T>(address: string, submitToPool: () => Promise<T>): Promise<T> {
  const previous = chains.get(address) ?? Promise.resolve();
  let release!: () => void;
  const mine = new Promise<void>((r) => {
    release = r;
  });
  const queue = previous.then(() => mine);
  chains.set(address, queue);
  await previous;
  try {
    return await acrossProcesses(address, submitToPool);
  } finally {
    release();
    if (chains.get(address) === queue) chains.delete(address);
  }
}
