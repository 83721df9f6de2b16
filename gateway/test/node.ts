// Starts a real `telemed-node --dev` for the integration test, on free loopback ports with its
// own base path (the binary and the ports from testing/node.ts, shared with e2e and the SDK), and stops it whatever happens.

import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { freePort, nodeBinary } from '../../testing/node.ts';

export { freePort, nodeBinary };

/** A running dev node. */
export class DevNode {
  private output = '';
  private readonly exited: Promise<unknown>;

  constructor(
    readonly process: ChildProcess,
    readonly rpcPort: number,
  ) {
    const keep = (chunk: Buffer) => {
      this.output = (this.output + chunk.toString()).slice(-32 * 1024);
    };
    process.stdout?.on('data', keep);
    process.stderr?.on('data', keep);
    this.exited = once(process, 'exit');
  }

  get wsUrl(): string {
    return `ws://127.0.0.1:${this.rpcPort}`;
  }

  log(): string {
    return this.output;
  }

  get hasExited(): boolean {
    return this.process.exitCode !== null || this.process.signalCode !== null;
  }

  /** SIGINT, then SIGKILL after `graceMs`. */
  async stop(graceMs = 10_000): Promise<void> {
    if (this.hasExited) return;
    this.process.kill('SIGINT');
    const timer = setTimeout(() => this.process.kill('SIGKILL'), graceMs);
    try {
      await this.exited;
    } finally {
      clearTimeout(timer);
    }
  }
}

/** Starts `telemed-node --dev` and resolves once its RPC answers (at most 120 s). */
export async function startDevNode(basePath: string): Promise<DevNode> {
  const [rpcPort, p2pPort, prometheusPort] = [await freePort(), await freePort(), await freePort()];
  const child = spawn(nodeBinary(), [
    '--dev',
    '--base-path', basePath,
    '--rpc-port', String(rpcPort),
    '--listen-addr', `/ip4/127.0.0.1/tcp/${p2pPort}`,
    '--prometheus-port', String(prometheusPort),
    '--no-telemetry',
    '--no-mdns',
  ], { stdio: ['ignore', 'pipe', 'pipe'] });
  const node = new DevNode(child, rpcPort);
  process.on('exit', () => child.kill('SIGKILL'));
  const deadline = Date.now() + 120_000;
  for (;;) {
    if (node.hasExited) throw new Error(`telemed-node exited early:\n${node.log()}`);
    try {
      const res = await fetch(`http://127.0.0.1:${rpcPort}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ id: 1, jsonrpc: '2.0', method: 'system_health', params: [] }),
      });
      if (res.ok) return node;
    } catch {
      // not up yet
    }
    if (Date.now() > deadline) {
      await node.stop();
      throw new Error(`telemed-node RPC did not answer within 120 s:\n${node.log()}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}
