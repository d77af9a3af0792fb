/**
 * Replayed attestations across verifiers that share Redis: two clients in this process, two separate
 * Node processes, entry lifetime on the server, and fail-closed when Redis goes away.
 */
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AgentIdentity,
  AttestationReplayTracker,
  serializeNodeOutput,
  verifyNodeOutput,
  wrapNode,
} from '../support/api.js';
import { RedisReplayStore, replayStoreKey } from '../../src/stores/redis/index.js';
import { deleteKeys, makeClient, runPrefix, type TestRedisClient } from '../stores/redis-clients.js';
import { REDIS_URL, redisAvailable } from '../support/services.js';
import { TcpProxy } from '../support/tcp-proxy.js';
import { createTsChildRunner } from '../support/ts-child.js';

const available = await redisAvailable();
const prefix = runPrefix();
const worker = AgentIdentity.generate();
const node = wrapNode((state: { packet_id: string; n: number }) => ({ n: state.n, done: true }), {
  identity: worker,
});
const clients: TestRedisClient[] = available ? [makeClient(REDIS_URL), makeClient(REDIS_URL)] : [];
const VERIFIER_PROCESS = fileURLToPath(new URL('./fixtures/redis-verifier-process.ts', import.meta.url));

beforeAll(async () => {
  await Promise.all(clients.map((client) => client.connect()));
});

const children = createTsChildRunner();
const runTsChild = (file: string, args: readonly string[], stdin: string): Promise<string> =>
  children.run(file, args, stdin);

afterAll(async () => {
  children.dispose();
  if (clients[0]?.isReady) await deleteKeys(clients[0], prefix);
  await Promise.all(clients.map((client) => client.close()));
});

function tracker(client: TestRedisClient, namespace: string): AttestationReplayTracker {
  return new AttestationReplayTracker({
    replayStore: new RedisReplayStore({ client, keyPrefix: `${prefix}${namespace}:` }),
  });
}

describe.skipIf(!available)('replayed attestation across verifiers sharing Redis', () => {
  it('two verifiers on separate connections: accepted once, rejected the second time', async () => {
    const output = await node({ packet_id: 'pk-redis-1', n: 1 });
    const first = await verifyNodeOutput(output, worker.publicKeyPem, {
      replayTracker: tracker(clients[0]!, 'pair'),
    });
    const second = await verifyNodeOutput(output, worker.publicKeyPem, {
      replayTracker: tracker(clients[1]!, 'pair'),
    });
    expect(first.ok).toBe(true);
    expect(second).toEqual({ ok: false, reason: 'attestation_replayed' });
  });

  it('the entry lives for the freshness window (plus the future skew), then Redis forgets it', async () => {
    const replay = tracker(clients[0]!, 'ttl');
    const output = await node({ packet_id: 'pk-redis-ttl', n: 2 });
    expect((await verifyNodeOutput(output, worker.publicKeyPem, { replayTracker: replay })).ok).toBe(true);
    const pttl = await clients[0]!.pTTL(replayStoreKey(`${prefix}ttl:`, replay.keyFor(output.attestation)));
    expect(pttl).toBeGreaterThan(300_000 + 30_000 - 10_000);
    expect(pttl).toBeLessThanOrEqual(300_000 + 30_000);
  });

  it('two verifier processes racing over the same outputs: each output is accepted exactly once', async () => {
    const outputs = await Promise.all(
      Array.from({ length: 12 }, async (_, n) =>
        serializeNodeOutput(await node({ packet_id: `pk-proc-${n}`, n })),
      ),
    );
    const input = JSON.stringify({ publicKeyPem: worker.publicKeyPem, outputs });
    // Warm the children's transpile cache first, so that the two racers start equally fast.
    await runTsChild(
      VERIFIER_PROCESS,
      [REDIS_URL, `${prefix}warm:`],
      JSON.stringify({ publicKeyPem: '', outputs: [] }),
    );
    const runs = await Promise.all([
      runTsChild(VERIFIER_PROCESS, [REDIS_URL, `${prefix}procs:`], input),
      runTsChild(VERIFIER_PROCESS, [REDIS_URL, `${prefix}procs:`], input),
    ]);
    const [a, b] = runs.map((stdout) => stdout.trim().split('\n'));
    expect(a).toHaveLength(outputs.length);
    expect(b).toHaveLength(outputs.length);
    for (let i = 0; i < outputs.length; i++) {
      const pair = [a![i], b![i]].sort();
      expect(pair).toEqual(['attestation_replayed', 'valid']);
    }
    // A third process, after both: everything is a replay.
    const late = (await runTsChild(VERIFIER_PROCESS, [REDIS_URL, `${prefix}procs:`], input))
      .trim()
      .split('\n');
    expect(new Set(late)).toEqual(new Set(['attestation_replayed']));
  }, 60_000);

  it('Redis unreachable: the verdict is replay_store_unavailable, and the output is still usable afterwards', async () => {
    const proxy = await TcpProxy.forUrl(REDIS_URL);
    const client = makeClient(proxy.url);
    await client.connect();
    try {
      const replay = new AttestationReplayTracker({
        replayStore: new RedisReplayStore({ client, keyPrefix: `${prefix}down:`, commandTimeoutMs: 300 }),
      });
      const output = await node({ packet_id: 'pk-redis-down', n: 3 });
      await proxy.stop();
      expect(await verifyNodeOutput(output, worker.publicKeyPem, { replayTracker: replay })).toEqual({
        ok: false,
        reason: 'replay_store_unavailable',
      });
      await proxy.start();
      // The failed attempt recorded nothing: once Redis is back, the genuine output is accepted once.
      let verdict = await verifyNodeOutput(output, worker.publicKeyPem, { replayTracker: replay });
      for (let i = 0; i < 40 && !verdict.ok && verdict.reason === 'replay_store_unavailable'; i++) {
        await new Promise((r) => setTimeout(r, 100));
        verdict = await verifyNodeOutput(output, worker.publicKeyPem, { replayTracker: replay });
      }
      expect(verdict.ok).toBe(true);
      expect(await verifyNodeOutput(output, worker.publicKeyPem, { replayTracker: replay })).toEqual({
        ok: false,
        reason: 'attestation_replayed',
      });
    } finally {
      await client.close().catch(() => undefined);
      await proxy.stop();
    }
  });
});
