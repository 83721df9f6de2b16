// The web app's end-to-end harness, shared by the suites in this folder: a real dev node
// (testing/node.ts), a real gateway (gateway/'s own `startGateway`, Helia on loopback), the built
// app served by `vite preview` (the gateway behind `/gateway`), Debian's Chromium through
// playwright-core, an @polkadot/api connection for the set-up that has no screen (governance,
// a key service), and the steps every suite takes in a page: sign in, create a health key,
// approve a transaction in the app's dialog (its fee shown first), photograph a screen.

import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ApiPromise, WsProvider } from '@polkadot/api';
import type { SubmittableExtrinsic } from '@polkadot/api/types';
import type { KeyringPair } from '@polkadot/keyring/types';
import type { EventRecord } from '@polkadot/types/interfaces';
import { cryptoWaitReady } from '@polkadot/util-crypto';
import { chromium, type Browser, type Page } from 'playwright-core';
import { preview, type PreviewServer } from 'vite';
import { DEFAULTS } from '../../../gateway/src/config.ts';
import { startGateway, type Gateway } from '../../../gateway/src/gateway.ts';
import { createLogger } from '../../../gateway/src/log.ts';
import { freePort, removeDir, startNode, stopAllNodes, tempDir, type RunningNode } from '../../../testing/node.ts';

const appDir = resolve(fileURLToPath(import.meta.url), '../../..');
/** Where every suite's screenshots go. */
export const SHOTS = join(appDir, 'test-results', 'screenshots');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** The development accounts the suites act as. */
export const BOB = '5FHneW46xGXgs5mUiveU4sbTyGBzmstUspZC92UhjJM694ty';
export const CHARLIE = '5FLSigC9HGRKVhB9FiEo4Y3koPsNmBmLJbpXg2mp1hXcS59Y';
export const DAVE = '5DAAnrj7VHTznn2AWBemMuyBwZWs6FNFjdyVXUeYum3PTXFy';
export const EVE = '5HGjWAeFDfFCWPsjFQdVV2Msvz2XtMktvgocEZcCj68kUMaw';
export const DAY = 86_400_000;
/** Transactions land in 6-second blocks; a flow of two takes about 12 s, more on loaded cores. */
export const STEP = 90_000;

/** A running node, gateway, preview server and browser, for one suite. */
export interface AppSuite {
  node: RunningNode;
  gateway: Gateway;
  /** The app's URL, naming the node. */
  url: string;
  browser: Browser;
  /** @polkadot/api on the node, for the set-up that has no screen. */
  api: ApiPromise;
  /** What the gateway logged (JSON lines), for the suites that check it. */
  gatewayLines: string[];
  /** A new browser context and page (1280×900), failing steps after {@link STEP}. */
  open(): Promise<Page>;
  /** Stops everything and removes the suite's directory. */
  stop(): Promise<void>;
  /** The set-up given to {@link startAppSuite}, run while the rest started. */
  setUp: Promise<unknown>;
}

/**
 * Starts a suite's node, then runs `setUp` (set-up through @polkadot/api, e.g. governance) while
 * the gateway, the preview server and the browser start.
 */
export async function startAppSuite(name: string, setUp?: (api: ApiPromise) => Promise<unknown>): Promise<AppSuite> {
  const started = Date.now();
  const dir = tempDir(`telemed-app-${name}-e2e-`);
  // libp2p's peer store may still write under the gateway's data dir just after it stopped.
  process.on('exit', () => removeDir(dir));
  mkdirSync(SHOTS, { recursive: true });
  const node = await startNode({ basePath: join(dir, 'node') });
  console.log(`# the node answered after ${Math.round((Date.now() - started) / 1000)} s`);
  await cryptoWaitReady();
  const api = await ApiPromise.create({ provider: new WsProvider(node.wsUrl), noInitWarn: true });
  // Until block #1 the chain's clock reads 0: a page that asks then sees every licence "not yet
  // valid" (and keeps what it read until refreshed). The pages open once the clock has started.
  const firstBlock = new Promise<void>((resolve) => {
    void api.rpc.chain.subscribeNewHeads((header) => {
      if (header.number.toNumber() >= 1) resolve();
    });
  });
  const set = setUp ? setUp(api) : Promise.resolve();
  // Not awaited here: a failure surfaces in the test that awaits it.
  set.catch(() => undefined);
  const gatewayLines: string[] = [];
  const gateway = await startGateway({ ...DEFAULTS, port: 0, ipfsPort: 0, dataDir: join(dir, 'gateway'), nodeWs: node.wsUrl },
    createLogger('info', (line) => gatewayLines.push(line)));
  process.env.TELEMED_GATEWAY_URL = gateway.url;
  const server: PreviewServer = await preview({ root: appDir, logLevel: 'warn', preview: { port: await freePort(), strictPort: true } });
  const base = server.resolvedUrls?.local[0];
  assert.ok(base, 'vite preview gave no URL');
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  await firstBlock;
  return {
    node,
    gateway,
    url: `${base}?node=${encodeURIComponent(node.wsUrl)}`,
    browser,
    api,
    gatewayLines,
    setUp: set,
    async open() {
      const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
      const page = await context.newPage();
      page.setDefaultTimeout(STEP);
      page.on('pageerror', (e) => console.log(`# page error: ${e.message}`));
      return page;
    },
    async stop() {
      await browser.close();
      await api.disconnect();
      await new Promise<void>((r) => server.httpServer.close(() => r()));
      await gateway.stop();
      await stopAllNodes();
      removeDir(dir);
      console.log(`# the ${name} suite took ${Math.round((Date.now() - started) / 1000)} s`);
    },
  };
}

/** A full-page screenshot `<name>.png` in {@link SHOTS}. */
export async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
}

/** Waits for the approval dialog of `call`, checks it shows a fee, and signs; the fee shown. */
export async function approve(page: Page, call: string, screenshot?: string): Promise<string> {
  const dialog = page.getByTestId('approve-dialog');
  await dialog.waitFor().catch(async (e: unknown) => {
    // What the page says went wrong, for the report.
    throw new Error(`no approval dialog for ${call}; the page shows: ${(await page.getByRole('alert').allTextContents()).join(' | ')}`, { cause: e });
  });
  assert.equal(await page.getByTestId('approve-call').textContent(), call);
  const fee = (await page.getByTestId('approve-fee').textContent()) ?? '';
  assert.match(fee, /^\d[\d ]*(\.\d+)? MED/, `the fee of ${call} is shown before signing: ${fee}`);
  if (screenshot) await shot(page, screenshot);
  await page.getByTestId('approve-sign').click();
  await dialog.waitFor({ state: 'detached' });
  return fee;
}

/** Opens the app at `url` and chooses the development account `name`. */
export async function signIn(page: Page, url: string, name: string): Promise<void> {
  await page.goto(url);
  await page.getByTestId('chain-name').waitFor();
  assert.equal(await page.getByTestId('chain-name').textContent(), 'Telemed Development');
  await page.getByTestId('account-select').selectOption({ label: `${name} (development)` });
  await page.getByTestId('health-key').waitFor();
}

/** A fresh health key made in the page (24 words, confirmed as written down). */
export async function createHealthKey(page: Page): Promise<void> {
  await page.getByTestId('health-key-create').click();
  await page.getByTestId('phrase-backed-up').check();
  await page.getByTestId('phrase-use').click();
  await page.getByTestId('health-key-unlocked').waitFor();
}

/**
 * `tx` signed by `signer` through @polkadot/api and in a block without error (a sudo call's own
 * result checked too, `sudo.Sudid`); its events.
 */
export function included(tx: SubmittableExtrinsic<'promise'>, signer: KeyringPair): Promise<EventRecord[]> {
  return new Promise<EventRecord[]>((resolve, reject) => {
    tx.signAndSend(signer, ({ status, dispatchError, events }) => {
      if (dispatchError) reject(new Error(`${tx.method.section}.${tx.method.method}: ${dispatchError.toString()}`));
      else if (status.isInBlock) {
        const sudid = events.find(({ event }) => event.section === 'sudo' && event.method === 'Sudid');
        const result = sudid?.event.data[0]?.toJSON() as { err?: unknown } | undefined;
        if (result?.err !== undefined) reject(new Error(`sudo: ${JSON.stringify(result.err)}`));
        else resolve(events);
      }
    }).catch(reject);
  });
}
