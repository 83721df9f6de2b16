// Four real validators of the `local` chain on loopback (Alice, Bob, Charlie, Dave: GRANDPA
// needs more than two thirds, three of four): all four finalise; with one down finality goes on;
// with two down it stalls while Aura still authors in the live validators' slots; both restarted
// on their old base paths, finality recovers and all four agree on the finalised chain. The two
// validators are killed with SIGKILL: after the restart each still has every block it had
// finalised and the whole state at its last finalised block, the same as its peers'.
//
// Prints the time from the restart to finality recovering (a figure for the closing note).
//
// Then the handover: a fifth node's operator rotates keys on it (`author_rotateKeysWithOwner`)
// and registers them (`session.setKeys`); the council adds it to the validator set; two session
// changes later Aura and GRANDPA include its keys, it authors a block, and its votes are needed
// (with Dave stopped, finality goes on only with them); the council removes it, and two session
// changes later it is out of both sets and finality goes on without it. The chain's genesis sets
// sessions of SESSION_PERIOD blocks (`StoredSessionPeriod`; an hour on `local` otherwise).

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { u8aToHex } from '@polkadot/util';
import { eventOf } from '../lib/events.ts';
import { dev, keyringReady } from '../lib/keyring.ts';
import { connect, removeDir, stopAllNodes, tempDir, waitFor, type RunningNode } from '../lib/node.ts';
import { submit, submitOk } from '../lib/tx.ts';
import {
  SLOT_MS,
  best,
  councilPasses,
  finalized,
  hardKill,
  hashAt,
  header,
  heads,
  planNode,
  planValidators,
  rpc,
  running,
  startValidator,
  stateDigest,
  writeRawLocalSpec,
  type BlockRef,
  type Validator,
} from '../lib/network.ts';

const VALIDATOR_COUNT = 4;
/** Blocks per session on this network's chain (set in its genesis; an hour on `local`). */
const SESSION_PERIOD = 4;

/** What a validator had finalised when it was killed. */
interface BeforeKill {
  final: BlockRef;
  stateRoot: string;
  state: { keys: number; digest: string };
  /** Its finalised chain, block hashes from genesis. */
  chain: string[];
}

async function finalisedChain(v: Validator, upTo: number): Promise<string[]> {
  const node = running(v);
  const hashes: string[] = [];
  for (let n = 0; n <= upTo; n++) {
    const h = await hashAt(node, n);
    assert.ok(h, `${v.name} has no block #${n}`);
    hashes.push(h);
  }
  return hashes;
}

describe('network: four validators on loopback', { timeout: 900_000 }, () => {
  let dir: string;
  let spec: string;
  let validators: Validator[];
  let alice: Validator, bob: Validator, charlie: Validator, dave: Validator;
  const killed = new Map<Validator, BeforeKill>();
  /** The finalised head while two validators were down. */
  let stalled: BlockRef;

  /** Waits until every running validator's finalised head is at least `n`. */
  async function allFinalise(n: number, timeoutMs: number, what: string): Promise<void> {
    const up = validators.filter((v) => v.node);
    try {
      await waitFor(
        async () => (await Promise.all(up.map(async (v) => (await finalized(running(v))).number >= n))).every(Boolean),
        timeoutMs,
        what,
        500,
      );
    } catch (e) {
      throw new Error(`${(e as Error).message}\n${await heads(validators)}`);
    }
  }

  /** Records what `v` has finalised, then kills it with SIGKILL. */
  async function killHard(v: Validator): Promise<void> {
    const node = running(v);
    const final = await finalized(node);
    killed.set(v, {
      final,
      stateRoot: (await header(node, final.hash)).stateRoot,
      state: await stateDigest(node, final.hash),
      chain: await finalisedChain(v, final.number),
    });
    await hardKill(v);
  }

  before(async () => {
    await keyringReady();
    dir = tempDir('telemed-network-');
    spec = await writeRawLocalSpec(dir, { sessionPeriod: SESSION_PERIOD });
    validators = await planValidators(dir);
    [alice, bob, charlie, dave] = validators as [Validator, Validator, Validator, Validator];
    await Promise.all(validators.map((v) => startValidator(spec, v, validators)));
  });

  after(async () => {
    await stopAllNodes();
    if (dir) removeDir(dir);
  });

  test('all four validators finalise', async () => {
    await allFinalise(2, 90_000, 'all four validators to finalise block #2');
    const peers = async () =>
      await Promise.all(validators.map(async (v) => (await rpc<{ peers: number }>(running(v), 'system_health')).peers));
    await waitFor(async () => (await peers()).every((p) => p === 3), 30_000, 'every validator to see the three others')
      .catch(async (e: Error) => {
        throw new Error(`${e.message}: peers ${(await peers()).join(', ')}`);
      });
  });

  test('with one validator down, finality continues', async () => {
    await killHard(dave);
    const from = (await finalized(running(alice))).number;
    await allFinalise(from + 2, 60_000, `finality past #${from + 1} with Dave down`);
  });

  test('with two validators down, finality stalls while blocks continue', async () => {
    await killHard(charlie);
    // A round under way may still conclude with the votes already cast: let it settle.
    await new Promise((r) => setTimeout(r, SLOT_MS));
    stalled = await finalized(running(alice));
    const bestBefore = (await best(running(alice))).number;
    const watchUntil = Date.now() + 4 * SLOT_MS;
    while (Date.now() < watchUntil) {
      for (const v of [alice, bob]) {
        const f = await finalized(running(v));
        const why = `${v.name} finalised #${f.number} past #${stalled.number} with two of four down`;
        assert.ok(f.number <= stalled.number, why);
      }
      await new Promise((r) => setTimeout(r, 1_000));
    }
    assert.deepEqual(await finalized(running(alice)), stalled, 'the finalised head stays put');
    // Alice and Bob hold two of every four Aura slots: four slots hold at least one of theirs.
    const bestAfter = (await best(running(alice))).number;
    assert.ok(bestAfter > bestBefore, `Alice and Bob keep authoring (best #${bestBefore} → #${bestAfter})`);
    console.log(
      `# stalled: finalised #${stalled.number} for ${(4 * SLOT_MS) / 1000} s ` +
        `while best went #${bestBefore} → #${bestAfter}`,
    );
  });

  test('both restarted on their base paths: finality recovers, all four agree', async () => {
    const t0 = Date.now();
    await Promise.all([charlie, dave].map((v) => startValidator(spec, v, validators)));
    const up = Date.now();
    await waitFor(
      async () => (await finalized(running(alice))).number > stalled.number,
      120_000,
      `finality past #${stalled.number} after the restart`,
      250,
    ).catch(async (e: Error) => {
      throw new Error(`${e.message}\n${await heads(validators)}`);
    });
    const recovered = Date.now();
    console.log(
      `# finality recovered ${((recovered - t0) / 1000).toFixed(1)} s after the restart began ` +
        `(${((recovered - up) / 1000).toFixed(1)} s after both RPCs answered; ` +
        `start took ${((up - t0) / 1000).toFixed(1)} s)`,
    );

    const target = (await finalized(running(alice))).number;
    await allFinalise(target, 60_000, `all four to finalise #${target}`);
    const finals = await Promise.all(validators.map(async (v) => await finalized(running(v))));
    const common = Math.min(...finals.map((f) => f.number));
    const atCommon = await Promise.all(validators.map(async (v) => await hashAt(running(v), common)));
    assert.ok(
      atCommon.every((h) => h === atCommon[0]),
      `all four have the same block at finalised #${common}: ${atCommon.join(', ')}`,
    );
    // Each node's finalised head is on Alice's chain.
    for (const [i, v] of validators.entries()) {
      const f = finals[i]!;
      const why = `${v.name}'s finalised head is Alice's block #${f.number}`;
      assert.equal(await hashAt(running(alice), f.number), f.hash, why);
    }
  });

  test('a validator killed with SIGKILL lost no finalised block and no state', async () => {
    for (const [v, before] of killed) {
      const node = running(v);
      const { final } = before;
      assert.ok((await finalized(node)).number >= final.number, `${v.name} finalised at least #${final.number} again`);
      assert.deepEqual(await finalisedChain(v, final.number), before.chain, `${v.name} kept its finalised chain`);
      assert.deepEqual(await finalisedChain(alice, final.number), before.chain, `${v.name}'s chain is Alice's`);
      const root = (await header(node, final.hash)).stateRoot;
      assert.equal(root, before.stateRoot, `${v.name}: state root at #${final.number} as before the kill`);
      assert.equal((await header(running(alice), final.hash)).stateRoot, root, `${v.name}: state root as Alice's`);
      const state = await stateDigest(node, final.hash);
      assert.deepEqual(state, before.state, `${v.name}: the whole state at #${final.number} as before the kill`);
      assert.deepEqual(await stateDigest(running(bob), final.hash), state, `${v.name}: the same state as Bob's`);
      console.log(
        `# ${v.name}: after SIGKILL and restart, #${final.number} state root ${root} ` +
          `(${state.keys} keys) as before and as its peers'`,
      );
    }
    assert.equal(killed.size, 2, 'two validators were killed');
  });

  test("a fifth node's operator registers its keys; the council adds it, it authors and votes; removed, it leaves", async () => {
    const eve = dev('Eve');
    const fifth = await planNode(dir, 'eve', VALIDATOR_COUNT);
    const fifthNode = await startValidator(spec, fifth, [...validators, fifth]);
    const api = await connect(running(alice));
    try {
      const { methods } = await rpc<{ methods: string[] }>(fifthNode, 'rpc_methods');
      assert.ok(methods.includes('author_rotateKeysWithOwner'), 'the node offers author_rotateKeysWithOwner');
      const generated = await rpc<{ keys: string; proof?: string }>(fifthNode, 'author_rotateKeysWithOwner', [
        u8aToHex(eve.publicKey),
      ]);
      assert.ok(generated.proof, 'the runtime proves the keys belong to Eve');
      const hasKeys = async (node: RunningNode) =>
        await rpc<boolean>(node, 'author_hasSessionKeys', [generated.keys]);
      assert.equal(await hasKeys(fifthNode), true, "the keys are in the fifth node's keystore");
      assert.equal(await hasKeys(running(alice)), false, "and not in Alice's");
      // SessionKeys { aura: sr25519, grandpa: ed25519 }, 32 bytes each.
      const eveAura = `0x${generated.keys.slice(2, 66)}`;
      const eveGrandpa = `0x${generated.keys.slice(66, 130)}`;

      // The proof is for Eve: Ferdie cannot register Eve's keys as his.
      const [stolen] = await Promise.all([
        submit(api, api.tx.session.setKeys(generated.keys, generated.proof), dev('Ferdie')),
        submitOk(api, api.tx.session.setKeys(generated.keys, generated.proof), eve),
      ]);
      assert.equal(stolen.error, 'session.InvalidProof');
      assert.equal((await api.query.session.nextKeys(eve.address)).unwrap().toHex(), generated.keys);

      const added = await councilPasses(api, api.tx.validatorSet.addValidator(eve.address));
      eventOf(added, 'validatorSet.ValidatorAdded');
      const members = async () => (await api.query.validatorSet.validators()).toJSON() as string[];
      assert.ok((await members()).includes(eve.address), 'Eve is in the validator set');
      const session = (await api.query.session.validators()).map((a) => a.toString());
      assert.ok(!session.includes(eve.address), 'not a validator of this session');

      // The next session change queues the set, the one after makes it active: Aura authors
      // with Eve's key from then, and GRANDPA schedules a set with her key.
      const auraKeys = async (at?: string): Promise<string[]> => {
        // `.at` is typed as a bare Codec; the value is the same Vec of sr25519 keys.
        const set = (at ? await api.query.aura.authorities.at(at) : await api.query.aura.authorities()) as unknown as {
          toHex(): string;
        }[];
        return set.map((k) => k.toHex());
      };
      const grandpaKeys = async (): Promise<string[]> =>
        (await api.query.grandpa.authorities()).map(([k]) => k.toHex());
      const within = 3 * SESSION_PERIOD * SLOT_MS + 30_000;
      await waitFor(async () => (await auraKeys()).includes(eveAura), within, "Eve's key in the Aura set");
      await waitFor(async () => (await grandpaKeys()).includes(eveGrandpa), within, "Eve's key in the GRANDPA set");
      assert.equal((await auraKeys()).length, VALIDATOR_COUNT + 1);
      const joined = await best(running(alice));
      console.log(`# handover: Eve in the Aura and GRANDPA sets at #${joined.number}`);

      // She authors: a block whose Aura slot falls to her key (slot mod the set's size).
      const authorOf = async (hash: string): Promise<string | undefined> => {
        const h = await api.rpc.chain.getHeader(hash);
        const aura = h.digest.logs.find((l) => l.isPreRuntime && l.asPreRuntime[0].toString() === 'aura');
        if (!aura) return undefined;
        const slot = api.createType('u64', aura.asPreRuntime[1]).toBigInt();
        const set = await auraKeys(h.parentHash.toHex());
        return set[Number(slot % BigInt(set.length))];
      };
      let authored: BlockRef | undefined;
      await waitFor(
        async () => {
          const b = await best(running(alice));
          for (let n = joined.number; n <= b.number && !authored; n++) {
            const hash = await hashAt(running(alice), n);
            if (hash && (await authorOf(hash)) === eveAura) authored = { number: n, hash };
          }
          return authored !== undefined;
        },
        (VALIDATOR_COUNT + 1) * 3 * SLOT_MS,
        'a block authored by Eve',
      );
      console.log(`# handover: Eve authored #${authored!.number}`);

      // She votes: once the set with her is final, four of five must vote; with Dave down,
      // Alice, Bob and Charlie are three: finality goes on only with Eve's votes.
      await allFinalise(joined.number, 60_000, `finality past the block where Eve joined (#${joined.number})`);
      await running(dave).stop();
      dave.node = undefined;
      const withoutDave = (await finalized(running(alice))).number;
      await allFinalise(withoutDave + 3, 90_000, `finality past #${withoutDave + 2} with Dave down and Eve voting`);

      // Removed by the council: out of Aura and GRANDPA two session changes later.
      const removed = await councilPasses(api, api.tx.validatorSet.removeValidator(eve.address));
      eventOf(removed, 'validatorSet.ValidatorRemoved');
      assert.ok(!(await members()).includes(eve.address), 'Eve is out of the validator set');
      await waitFor(async () => !(await auraKeys()).includes(eveAura), within, "Eve's key out of the Aura set");
      await waitFor(async () => !(await grandpaKeys()).includes(eveGrandpa), within, "Eve's key out of the GRANDPA set");
      const left = await best(running(alice));
      await allFinalise(left.number, 60_000, `finality past the block where Eve left (#${left.number})`);
      // Her votes are no longer needed: with her node stopped too, Alice, Bob and Charlie are
      // three of the four (Dave still down) and finalise.
      await fifthNode.stop();
      const withoutEve = (await finalized(running(alice))).number;
      await allFinalise(withoutEve + 3, 90_000, `finality past #${withoutEve + 2} without Eve and Dave`);
      console.log(`# handover: Eve removed, out of both sets at #${left.number}; sessions of ${SESSION_PERIOD} blocks`);
    } finally {
      await api.disconnect();
    }
  });
});
