// The gateway's chain adapter on the SDK's client (src/chain.ts), with a stand-in for the
// node's API: the runtime API answers are converted by the SDK and asked at one block; a
// connection that drops while a call waits, a node not connected and an answer that never comes
// are ChainUnavailableError (and 503 chain_unavailable through the HTTP API, nothing stored).

import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { randomBytes } from 'node:crypto';
import { Keyring } from '@polkadot/keyring';
import type { KeyringPair } from '@polkadot/keyring/types';
import { TypeRegistry } from '@polkadot/types';
import { u8aToHex } from '@polkadot/util';
import { cryptoWaitReady, mnemonicGenerate } from '@polkadot/util-crypto';
import { TelemedChain } from '@telemed/sdk';
import type { ApiPromise } from '@polkadot/api';
import { ChainUnavailableError, SdkChain } from '../src/chain.ts';
import { GatewayError, putBlob } from '../src/client.ts';
import { silentLogger } from '../src/log.ts';
import { startApi } from '../src/server.ts';
import { MemoryBlobStore } from './fakes.ts';

type Answer = () => Promise<unknown>;

/** A stand-in for @polkadot/api: runtime API calls answer with `answers[name]`, as JSON. */
class StubApi {
  isConnected = true;
  readonly registry = new TypeRegistry();
  readonly genesisHash = { toU8a: () => new Uint8Array(32).fill(9) };
  readonly atHashes: string[] = [];
  readonly answers: Record<string, Answer> = {};
  readonly rpc = { chain: { getHeader: async () => ({ hash: { toHex: () => '0xbest' } }) } };

  private method(name: string) {
    return async (...args: unknown[]) => {
      const answer = this.answers[name];
      if (!answer) throw new Error(`no answer for ${name}(${args.length} args)`);
      const json = await answer();
      return { toJSON: () => json };
    };
  }

  async at(hash: string) {
    this.atHashes.push(hash);
    const call = {
      recordsApi: { patient: this.method('patient'), recordHistory: this.method('recordHistory') },
      practitionersApi: { licenceStatus: this.method('licenceStatus') },
      consentApi: { checkAccess: this.method('checkAccess') },
    };
    return { call, registry: this.registry };
  }

  /** The connection drops `afterMs` from now: calls waiting then fail as @polkadot/api's do. */
  dropIn(afterMs: number): Answer {
    return () => new Promise((_, reject) => setTimeout(() => {
      this.isConnected = false;
      reject(new Error('disconnected from ws://127.0.0.1:9944: 1006:: Abnormal Closure'));
    }, afterMs));
  }
}

function adapter(stub: StubApi, timeoutMs = 2_000): SdkChain {
  return new SdkChain(TelemedChain.fromApi(stub as unknown as ApiPromise, { checkMetadata: false }), timeoutMs);
}

describe('the gateway chain adapter on the SDK client', () => {
  let patient: KeyringPair;

  before(async () => {
    await cryptoWaitReady();
    patient = new Keyring({ type: 'sr25519', ss58Format: 42 }).addFromMnemonic(mnemonicGenerate());
  });

  test('answers are the SDK conversions, all asked at the one best block', async () => {
    const stub = new StubApi();
    const tag = u8aToHex(new Uint8Array(32).fill(1));
    stub.answers.patient = async () => ({ key: u8aToHex(new Uint8Array(32).fill(2)), deposit: 1, registeredAt: 5 });
    stub.answers.licenceStatus = async () => ({ registered: true, licensed: false });
    stub.answers.recordHistory = async () => [[4, {
      patient: patient.address, author: patient.address, tag, commitment: tag, ciphertextHash: tag, sizeClass: 12,
      locator: '0x', createdAt: 1, record: 3, version: 2, supersedes: 3, kind: 'Amendment', status: 'Current', envelopes: 0,
    }]];
    stub.answers.checkAccess = async () => ({ err: { explicitlyDenied: 7 } });
    const at = await adapter(stub).atBest();
    assert.equal(at.blockHash, '0xbest');
    assert.equal(await at.isPatient(patient.publicKey), true);
    assert.deepEqual(await at.licenceStatus(patient.publicKey), { registered: true, licensed: false });
    const version = await at.recordVersion(4n);
    assert.ok(version);
    assert.deepEqual(version.patient, patient.publicKey);
    assert.equal(version.record, 3n);
    assert.equal(version.sizeClass, 12);
    assert.equal(version.hasLocator, false);
    assert.equal(await at.recordVersion(5n), undefined);
    assert.deepEqual(await at.checkRead(patient.publicKey, version, 'Treatment'), { allowed: false, denial: '{"explicitlyDenied":7}' });
    stub.answers.checkAccess = async () => ({ ok: { consent: 1 } });
    assert.deepEqual(await at.checkRead(patient.publicKey, version, 'Treatment'), { allowed: true, basis: '{"consent":1}' });
    assert.deepEqual(stub.atHashes, ['0xbest']);
  });

  test('the connection dropping while a call waits is ChainUnavailableError naming the call', async () => {
    const stub = new StubApi();
    const at = await adapter(stub).atBest();
    stub.answers.patient = stub.dropIn(20);
    await assert.rejects(at.isPatient(patient.publicKey), (e: unknown) => {
      assert.ok(e instanceof ChainUnavailableError, String(e));
      assert.match(e.message, /RecordsApi\.patient failed: disconnected/);
      return true;
    });
    // Afterwards, until the provider reconnects: not connected, at once.
    await assert.rejects(adapter(stub).atBest(), /not connected to the chain node/);
  });

  test('an answer that never comes is ChainUnavailableError after the timeout', { timeout: 60_000 }, async () => {
    const stub = new StubApi();
    stub.answers.licenceStatus = () => new Promise(() => {});
    const at = await adapter(stub, 100).atBest();
    // The answer never comes: the rejection is the timeout's.
    await assert.rejects(at.licenceStatus(patient.publicKey), /no answer from the chain for PractitionersApi\.licence_status within 100 ms/);
  });

  test('through the HTTP API: the connection dropping mid-write is 503 chain_unavailable, nothing stored', async () => {
    const stub = new StubApi();
    stub.answers.patient = stub.dropIn(30);
    const chain = adapter(stub);
    const store = new MemoryBlobStore();
    const api = await startApi({
      chain,
      store,
      log: silentLogger,
      options: { maxBlobBytes: 8192, challengeTtlMs: 30_000, maxChallenges: 10, clockSkewMs: 60_000, fetchTimeoutMs: 1_000 },
    }, '127.0.0.1', 0);
    try {
      await assert.rejects(putBlob(api.url, patient, chain.genesisHash, new Uint8Array(randomBytes(2048))), (e: unknown) => {
        assert.ok(e instanceof GatewayError, String(e));
        assert.deepEqual([e.status, e.reason], [503, 'chain_unavailable']);
        return true;
      });
      assert.equal(store.blobs.size, 0);
    } finally {
      await api.close();
    }
  });
});
