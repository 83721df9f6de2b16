// `npm test`: runs the suites (tests/*.test.ts, or the files named on the command line) with
// node:test, several files at a time, and one dev node that the suites which change no
// chain-wide state share (`startDevChain({ shared: true })`, e2e/lib/chain.ts): each of them uses
// accounts of its own, so none depends on another's state. Suites that upgrade the runtime,
// govern or restart their node start nodes of their own, as before.
//
// The shared node starts while the first files do; it is published in a directory
// (`TELEMED_E2E_SHARED_DIR`, `node.json`) that the suites wait for. The same directory holds the
// cross-process signer locks (`TELEMED_E2E_LOCK_DIR`, e2e/lib/signer-lock.ts). Files at a time:
// `TELEMED_E2E_CONCURRENCY`, default 8 (every suite at once today: they mostly wait for 6-second
// blocks; figures in the README, "Build facts"). The node and the directories are removed at the
// end, whatever happened.

import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SHARED_DIR_VARIABLE } from './lib/chain.ts';
import { removeDir, startNode, stopAllNodes, tempDir, type RunningNode } from './lib/node.ts';

const here = dirname(fileURLToPath(import.meta.url));
const concurrency = Number(process.env.TELEMED_E2E_CONCURRENCY ?? 8);
const files = process.argv.length > 2
  ? process.argv.slice(2)
  : readdirSync(join(here, 'tests')).filter((f) => f.endsWith('.test.ts')).sort().map((f) => join('tests', f));

const shared = tempDir('telemed-e2e-shared-');
const locks = join(shared, 'locks');
mkdirSync(locks);
// The suites' temporary directories (their own nodes' base paths, gateways' data) go here too,
// so that nothing is left behind even by a suite that fails half-way.
const tmp = join(shared, 'tmp');
mkdirSync(tmp);
const basePath = join(shared, 'chain');

let node: RunningNode | undefined;
const nodeStarted = startNode({ basePath }).then((n) => {
  node = n;
  writeFileSync(join(shared, 'node.json'), JSON.stringify({ wsUrl: n.wsUrl }));
}, (e: unknown) => {
  // The suites waiting for it fail at once with the reason.
  const error = e instanceof Error ? e.message : String(e);
  writeFileSync(join(shared, 'node.json'), JSON.stringify({ error }));
  throw e;
});

const tests = spawn(process.execPath, [
  '--import', 'tsx', '--test', `--test-concurrency=${concurrency}`, ...files,
], {
  cwd: here,
  stdio: 'inherit',
  env: { ...process.env, [SHARED_DIR_VARIABLE]: shared, TELEMED_E2E_LOCK_DIR: locks, TMPDIR: tmp },
});
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => tests.kill(signal));

const [code, signal] = (await once(tests, 'exit')) as [number | null, NodeJS.Signals | null];
let failure = code ?? (signal ? 1 : 0);
try {
  await nodeStarted;
} catch (e) {
  console.error(`the shared node did not start: ${e instanceof Error ? e.message : String(e)}`);
  failure ||= 1;
}
if (node && (await node.stop()) !== 0) console.error(`the shared node did not exit cleanly:\n${node.log().slice(-4096)}`);
await stopAllNodes();
removeDir(shared);
process.exit(failure);
