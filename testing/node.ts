// Starts and stops a real `telemed-node` for the tests that need one: the e2e suites
// (e2e/lib/node.ts adds a connected @polkadot/api), the SDK's and the gateway's integration tests.
// Node built-ins only, so every client package imports it by relative path without installing
// anything for it.
//
// Every node gets free loopback ports and its own base path; `stop()` always ends the process
// (SIGINT, then SIGKILL after a grace period), and `stopAllNodes()` is registered as a safety
// net so no node outlives the test run, even when a test fails.

import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** The node binary: `$TELEMED_NODE`, else the release build in the cargo target dir. */
export function nodeBinary(): string {
  const candidates = [
    process.env.TELEMED_NODE,
    process.env.CARGO_TARGET_DIR && join(process.env.CARGO_TARGET_DIR, 'release', 'telemed-node'),
    join(repoRoot, 'target', 'release', 'telemed-node'),
  ].filter((p): p is string => Boolean(p));
  const found = candidates.find((p) => existsSync(p));
  if (!found) {
    throw new Error(`telemed-node not found (looked at ${candidates.join(', ')}); build it or set TELEMED_NODE`);
  }
  return found;
}

/**
 * A TCP port on 127.0.0.1 that nothing listens on right now and no other test run will be
 * handed: below the kernel's ephemeral range (so no outgoing connection takes it while a node is
 * still starting, which can take a minute on a loaded machine), and reserved for this process in
 * the directory scripts/node-helpers.sh's `free_port` shares (`<tmp>/telemed-ports/<port>`, the
 * owner's pid inside; a dead owner's reservation is cleared for a later draw).
 */
export async function freePort(): Promise<number> {
  const [low, high] = portRange();
  const dir = join(tmpdir(), 'telemed-ports');
  mkdirSync(dir, { recursive: true });
  for (;;) {
    const port = low + Math.floor(Math.random() * (high - low + 1));
    if (!reservePort(join(dir, String(port)))) continue;
    if (await listensFree(port)) return port;
  }
}

/** The ports `freePort` chooses from: 10000 up to just below the ephemeral range. */
function portRange(): [number, number] {
  let ephemeralLow = 32768;
  try {
    const first = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);
    if (Number.isInteger(first) && first > 11000) ephemeralLow = first;
  } catch {
    // Not Linux: the IANA ephemeral range starts at 49152; 32768 is below it either way.
  }
  return [10000, ephemeralLow - 1];
}

/**
 * Takes the reservation file `path` for this process if nobody holds it. A file left by a
 * process that is gone is removed (the port can be chosen again on a later draw), never
 * rewritten in place, so two runs cannot both take it over.
 */
function reservePort(path: string): boolean {
  try {
    writeFileSync(path, String(process.pid), { flag: 'wx' });
    return true;
  } catch {
    try {
      const owner = Number(readFileSync(path, 'utf8'));
      if (!Number.isInteger(owner) || !processAlive(owner)) rmSync(path, { force: true });
    } catch {
      // Removed meanwhile by another run: the next draw may take it.
    }
    return false;
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Whether `port` can be listened on now. */
async function listensFree(port: number): Promise<boolean> {
  const server = createServer();
  const listening = once(server, 'listening').then(() => true);
  const failed = once(server, 'error').then(() => false);
  server.listen(port, '127.0.0.1');
  const free = await Promise.race([listening, failed]);
  if (free) {
    server.close();
    await once(server, 'close');
  }
  return free;
}

/** A fresh temporary directory, removed by `removeDir`. */
export function tempDir(prefix = 'telemed-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

export interface NodeOptions {
  /** Chain to run: `--dev` when omitted. */
  chain?: string;
  /** Base path; the caller owns (and removes) it. */
  basePath: string;
  /** Extra command-line arguments. */
  args?: string[];
  /** Loopback p2p port, for a node others must find again after a restart: free when omitted. */
  p2pPort?: number;
}

const running = new Set<RunningNode>();

export class RunningNode {
  readonly rpcPort: number;
  readonly prometheusPort: number;
  readonly process: ChildProcess;
  private output = '';
  private exited: Promise<number | null>;

  constructor(child: ChildProcess, rpcPort: number, prometheusPort: number) {
    this.process = child;
    this.rpcPort = rpcPort;
    this.prometheusPort = prometheusPort;
    const keep = (chunk: Buffer) => {
      this.output = (this.output + chunk.toString()).slice(-64 * 1024);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    this.exited = new Promise((resolveExit) => child.on('exit', (code) => resolveExit(code)));
  }

  get wsUrl(): string {
    return `ws://127.0.0.1:${this.rpcPort}`;
  }

  /** The last 64 KiB the node printed, for failure messages. */
  log(): string {
    return this.output;
  }

  get hasExited(): boolean {
    return this.process.exitCode !== null || this.process.signalCode !== null;
  }

  /** Stops the node: SIGINT, then SIGKILL if it has not exited within `graceMs`. */
  async stop(graceMs = 20_000): Promise<number | null> {
    running.delete(this);
    if (this.hasExited) return this.process.exitCode;
    this.process.kill('SIGINT');
    const timer = setTimeout(() => this.process.kill('SIGKILL'), graceMs);
    try {
      return await this.exited;
    } finally {
      clearTimeout(timer);
    }
  }
}

/**
 * How long a node's start may take before its RPC answers. It compiles the runtime twice (the
 * genesis build's and the client's executor: 13 s of CPU on an idle 2-core machine), and the CI
 * starts a dozen nodes at once beside its client-side tests (scripts/test.sh): one waited over
 * 120 s there. The deadline is for a node that never answers, not a slow one; a node that exits
 * fails at once. The shell tests wait as long (scripts/node-helpers.sh, `wait_finalized`).
 */
export const START_TIMEOUT_MS = 300_000;

/** Starts a node on free loopback ports and resolves once its RPC answers (`START_TIMEOUT_MS`). */
export async function startNode(options: NodeOptions): Promise<RunningNode> {
  const rpcPort = await freePort();
  const p2pPort = options.p2pPort ?? (await freePort());
  const prometheusPort = await freePort();
  const args = [
    ...(options.chain ? ['--chain', options.chain] : ['--dev']),
    '--base-path', options.basePath,
    '--rpc-port', String(rpcPort),
    '--listen-addr', `/ip4/127.0.0.1/tcp/${p2pPort}`,
    '--prometheus-port', String(prometheusPort),
    '--no-telemetry',
    '--no-mdns',
    ...(options.args ?? []),
  ];
  const child = spawn(nodeBinary(), args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const node = new RunningNode(child, rpcPort, prometheusPort);
  running.add(node);
  try {
    await waitFor(async () => {
      if (node.hasExited) throw new Error(`telemed-node exited early:\n${node.log()}`);
      return await rpcAnswers(node.rpcPort);
    }, START_TIMEOUT_MS, 'the node RPC to answer');
  } catch (e) {
    await node.stop();
    throw e;
  }
  return node;
}

/** Stops every node this process started and has not stopped yet. */
export async function stopAllNodes(): Promise<void> {
  await Promise.all([...running].map((n) => n.stop()));
}

process.on('exit', () => {
  for (const node of running) node.process.kill('SIGKILL');
});

async function rpcAnswers(port: number): Promise<boolean> {
  try {
    const res = await fetch(`http://127.0.0.1:${port}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ id: 1, jsonrpc: '2.0', method: 'system_health', params: [] }),
    });
    return res.ok;
  } catch {
    return false;
  }
}

/** Polls `check` until it returns true; throws after `timeoutMs` saying what was awaited. */
export async function waitFor(
  check: () => Promise<boolean> | boolean,
  timeoutMs: number,
  what: string,
  intervalMs = 250,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
