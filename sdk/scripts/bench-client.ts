// Client benchmark (not a test; `scripts/bench-client.sh` runs it with the gateway's Node 22):
// HPKE seals per second, content encryption MB/s, store-and-fetch latency of a 1 MB synthetic
// FHIR bundle written at one gateway and fetched through another (two Helia nodes on loopback,
// started as gateway/test/integration.test.ts does), and the SDK's add-record and read-record
// flows end to end against a real dev node with the ciphertext on IPFS. Prints a Markdown table
// and a JSON line. Options: BENCH_ROUNDS (default 5, chain rounds), TELEMED_NODE (the node).

import { performance } from 'node:perf_hooks';
import { join } from 'node:path';
import { Keyring } from '@polkadot/keyring';
import { cryptoWaitReady, mnemonicGenerate } from '@polkadot/util-crypto';

import { putBlob, readBlob } from '../../gateway/src/client.ts';
import { DEFAULTS, type Config } from '../../gateway/src/config.ts';
import { startGateway, type Gateway } from '../../gateway/src/gateway.ts';
import { createLogger } from '../../gateway/src/log.ts';
import { removeDir, startNode, stopAllNodes, tempDir } from '../../testing/node.ts';
import {
  addResource,
  type Actor,
  GatewayBlobStore,
  decryptContent,
  encryptContent,
  type FlowContext,
  generateRecoveryPhrase,
  KeyRing,
  newDataKey,
  readRecord,
  records,
  registerPatient,
  sealLocator,
  sealEnvelope,
  send,
  tagOf,
  TelemedChain,
  utf8,
} from '../src/index.ts';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const UNITS = 10n ** 12n;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** A synthetic FHIR Bundle of about `bytes` bytes: observations of nobody. */
function syntheticBundle(bytes: number, seed: number): Uint8Array {
  const entry = [];
  let size = 0;
  for (let i = 0; size < bytes; i++) {
    const resource = {
      resourceType: 'Observation', id: `bench-${seed}-${i}`, status: 'final',
      code: { coding: [{ system: 'http://loinc.org', code: '8867-4', display: 'Heart rate' }] },
      subject: { reference: 'Patient/synthetic-0' },
      effectiveDateTime: new Date(1_800_000_000_000 + i * 60_000).toISOString(),
      valueQuantity: { value: 60 + ((i * 7 + seed) % 40), unit: '/min', system: 'http://unitsofmeasure.org', code: '/min' },
    };
    size += JSON.stringify(resource).length + 14;
    entry.push({ resource });
  }
  const text = JSON.stringify({ resourceType: 'Bundle', type: 'collection', entry });
  return utf8(text.length > bytes ? text : text.padEnd(bytes, ' '));
}

async function offline(): Promise<{ sealsPerSecond: number; encryptMBps: number; decryptMBps: number }> {
  const ring = KeyRing.fromRecoveryPhrase(generateRecoveryPhrase());
  const { publicKey } = ring.keyAgreement(0);
  const binding = { genesisHash: new Uint8Array(32), record: 1n, version: 1, grantee: new Uint8Array(32).fill(1) };
  const dataKey = newDataKey();
  for (let i = 0; i < 50; i++) await sealEnvelope(dataKey, publicKey, 0, binding); // warm up
  const seals = 1000;
  let t = performance.now();
  for (let i = 0; i < seals; i++) await sealEnvelope(dataKey, publicKey, 0, binding);
  const sealsPerSecond = seals / ((performance.now() - t) / 1000);

  const mib = 1 << 20;
  const resource = new Uint8Array(mib - 77); // exactly one 1 MiB blob (size class 20)
  encryptContent(dataKey, resource);
  const reps = 20;
  t = performance.now();
  let blob: Uint8Array = new Uint8Array();
  for (let i = 0; i < reps; i++) blob = encryptContent(dataKey, resource).ciphertext;
  const encryptMBps = (reps * resource.length) / 1e6 / ((performance.now() - t) / 1000);
  t = performance.now();
  for (let i = 0; i < reps; i++) decryptContent(dataKey, blob);
  const decryptMBps = (reps * resource.length) / 1e6 / ((performance.now() - t) / 1000);
  return { sealsPerSecond, encryptMBps, decryptMBps };
}

interface Online {
  bundleBytes: number;
  putMs: number;
  fetchAcrossMs: number;
  fetchCachedMs: number;
  addRecordMs: number;
  readRecordMs: number;
  rounds: number;
}

async function online(): Promise<Online> {
  await cryptoWaitReady();
  const dir = tempDir('telemed-bench-');
  // libp2p may still write its peer store after a gateway stops: remove the directory at exit too.
  process.on('exit', () => removeDir(dir));
  const gateways: Gateway[] = [];
  let chain: TelemedChain | undefined;
  try {
    const node = await startNode({ basePath: join(dir, 'chain') });
    chain = await TelemedChain.connect(node.wsUrl);
    const log = createLogger('warn', () => {});
    const config = (name: string, peers: string[]): Config => ({
      ...DEFAULTS, port: 0, ipfsPort: 0, dataDir: join(dir, name), nodeWs: node.wsUrl, peers, redialMs: 500,
    });
    const keyring = new Keyring({ type: 'sr25519', ss58Format: 42 });
    const patient: Actor = { signer: keyring.addFromMnemonic(mnemonicGenerate()), keys: KeyRing.fromRecoveryPhrase(generateRecoveryPhrase()) };
    const funded = send(chain, chain.api.tx.balances!.transferKeepAlive!(patient.signer.address, 100n * UNITS), keyring.addFromUri('//Alice'));
    gateways.push(await startGateway(config('a', []), log));
    gateways.push(await startGateway(config('b', gateways[0]!.store.info().addresses), log));
    const [a, b] = gateways as [Gateway, Gateway];
    await funded;
    // Writes at gateway A, reads through gateway B (bitswap from A's IPFS node).
    const writer = new GatewayBlobStore(a.url, patient.signer, chain.genesisHash);
    const reader = new GatewayBlobStore(b.url, patient.signer, chain.genesisHash);
    const ctx: FlowContext = { chain, store: writer };
    await registerPatient(ctx, patient);
    const tag = tagOf((patient.keys as KeyRing).tagKey(0), 'category/vital-signs');

    // Add-record and read-record flows end to end (a small Observation; ciphertext on IPFS).
    const addMs: number[] = [];
    const readMs: number[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      const resource = syntheticBundle(2_000, i);
      let t = performance.now();
      const written = await addResource(ctx, patient, patient.signer.address, resource, tag, { purpose: 'Treatment' });
      addMs.push(performance.now() - t);
      t = performance.now();
      const read = await readRecord({ chain, store: reader.reading(written.id) }, patient, written.id);
      readMs.push(performance.now() - t);
      if (read.resource.length !== resource.length) throw new Error('read back something else');
    }

    // A 1 MB bundle: encrypt, store at A, anchor it (the gateway serves only a record's own
    // ciphertext; not timed), fetch through B (bitswap from A's node), decrypt.
    const putMs: number[] = [];
    const fetchMs: number[] = [];
    const cachedMs: number[] = [];
    const dataKey = newDataKey();
    for (let i = 0; i < ROUNDS; i++) {
      const content = encryptContent(dataKey, syntheticBundle(1_000_000, 1000 + i));
      const { ciphertext } = content;
      let t = performance.now();
      const cid = await putBlob(a.url, patient.signer, chain.genesisHash, ciphertext);
      putMs.push(performance.now() - t);
      const id = await records.addRecord(chain, patient.signer, patient.signer.address, tag,
        { ...content, locator: sealLocator(dataKey, `ipfs://${cid}`) }, 'Treatment');
      t = performance.now();
      const fetched = await readBlob(b.url, patient.signer, chain.genesisHash, id, cid);
      fetchMs.push(performance.now() - t);
      t = performance.now();
      await readBlob(b.url, patient.signer, chain.genesisHash, id, cid);
      cachedMs.push(performance.now() - t);
      if (fetched.length !== ciphertext.length) throw new Error('fetched something else');
      decryptContent(dataKey, fetched);
    }
    return {
      bundleBytes: 1 << 20,
      putMs: median(putMs), fetchAcrossMs: median(fetchMs), fetchCachedMs: median(cachedMs),
      addRecordMs: median(addMs), readRecordMs: median(readMs), rounds: ROUNDS,
    };
  } finally {
    for (const g of gateways.reverse()) await g.stop().catch(() => {});
    await chain?.disconnect().catch(() => {});
    await stopAllNodes();
    removeDir(dir);
  }
}

const started = performance.now();
const results = { node: process.version, ...await offline(), ...await online() };
const f = (n: number, d = 0) => n.toFixed(d);
console.log(`
| what | figure |
|---|---|
| HPKE envelope seals (X25519, HKDF-SHA256, ChaCha20-Poly1305) | ${f(results.sealsPerSecond)} per second |
| content encryption (XChaCha20-Poly1305, 1 MiB blobs) | ${f(results.encryptMBps, 1)} MB/s (decryption ${f(results.decryptMBps, 1)} MB/s) |
| 1 MiB FHIR bundle ciphertext: store at gateway A | ${f(results.putMs)} ms (median of ${results.rounds}) |
| … fetch through gateway B (bitswap from A's IPFS node) | ${f(results.fetchAcrossMs)} ms (again, from B's blockstore: ${f(results.fetchCachedMs)} ms) |
| add-record flow (encrypt → store at A → add_record → own envelope), 2 kB resource | ${f(results.addRecordMs)} ms (median of ${results.rounds}) |
| read-record flow (access_record → envelope → fetch through B → check → decrypt) | ${f(results.readRecordMs)} ms (median of ${results.rounds}) |
`);
console.log(JSON.stringify({ ...results, totalSeconds: Math.round((performance.now() - started) / 1000) }));
