/**
 * Fail closed on Redis: unreachable (closed port), going away mid-run and stalling (through a TCP
 * proxy in front of the shared server). No packet is accepted without a replay record; decisions are
 * REJECT `replay_store_unavailable` and come back within a bounded time; the gate recovers.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createServer } from 'node:net';
import {
  MemoryAgentRegistry,
  HandoffGate,
  createChain,
  createDelegationEnvelope,
  issueTaskPacket,
  replayKey,
  type GateDecision,
  type SignedTaskPacket,
} from '../support/api.js';
import {
  RedisReplayStore,
  RedisRevocationStore,
  RedisAgentRegistry,
  replayStoreKey,
} from '../../src/stores/redis/index.js';
import { REDIS_URL, redisAvailable } from '../support/services.js';
import { TcpProxy } from '../support/tcp-proxy.js';
import { deleteKeys, makeClient, runPrefix, type TestRedisClient } from '../stores/redis-clients.js';
import { receiver, sender } from './support.js';

const available = await redisAvailable();
// Liveness, not speed: a decision that has not come back after this long means the gate hung.
const HANG = 15_000;

function within<T>(promise: Promise<T>): Promise<T> {
  return Promise.race([
    promise,
    new Promise<T>((_, reject) =>
      setTimeout(() => {
        reject(new Error('gate did not decide: hung'));
      }, HANG).unref(),
    ),
  ]);
}

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((resolve) =>
    server.close(() => {
      resolve();
    }),
  );
  return port;
}

const packet = (): SignedTaskPacket =>
  issueTaskPacket(sender, { to_agent: receiver.agentId, intent: 'x', risk_level: 'read' });
const envelope = (p: SignedTaskPacket) => createDelegationEnvelope(p, createChain(p));

describe.skipIf(!available)('gate fails closed on Redis', () => {
  const prefix = runPrefix();
  let direct: TestRedisClient;
  const registry = new MemoryAgentRegistry();

  beforeAll(async () => {
    direct = makeClient(REDIS_URL);
    await direct.connect();
    await registry.register(sender.agentId, sender.publicKeyPem);
  });
  afterAll(async () => {
    await deleteKeys(direct, prefix);
    await direct.close();
  });

  async function hasReplayRecord(p: SignedTaskPacket, storePrefix: string): Promise<boolean> {
    return (await direct.exists(replayStoreKey(storePrefix, replayKey(p)))) === 1;
  }

  it('rejects with replay_store_unavailable when Redis is unreachable (closed port)', async () => {
    const client = makeClient(`redis://127.0.0.1:${await closedPort()}`);
    client.connect().catch(() => undefined);
    const gate = new HandoffGate({
      agentId: receiver.agentId,
      registry,
      replayStore: new RedisReplayStore({ client, keyPrefix: `${prefix}closed:` }),
    });
    const decisions = await within(
      Promise.all(Array.from({ length: 20 }, () => gate.handle(envelope(packet())))),
    );
    expect(decisions.every((d) => d.decision === 'REJECT' && d.reason === 'replay_store_unavailable')).toBe(
      true,
    );
    // With every store on the dead Redis, the first store consulted names the failure; never ACCEPT.
    const allRedis = new HandoffGate({
      agentId: receiver.agentId,
      registry: new RedisAgentRegistry({ client, keyPrefix: `${prefix}closed:agent:` }),
      replayStore: new RedisReplayStore({ client, keyPrefix: `${prefix}closed:` }),
      revocationStore: new RedisRevocationStore({ client, keyPrefix: `${prefix}closed:rev:` }),
    });
    expect((await within(allRedis.handle(envelope(packet())))).reason).toBe('registry_unavailable');
    client.destroy();
  });

  it('never accepts without a replay record while Redis goes away and stalls mid-run, and recovers', async () => {
    const proxy = await TcpProxy.forUrl(REDIS_URL);
    const client = makeClient(proxy.url);
    await client.connect();
    const storePrefix = `${prefix}proxy:replay:`;
    const gate = new HandoffGate({
      agentId: receiver.agentId,
      registry,
      replayStore: new RedisReplayStore({ client, keyPrefix: storePrefix, commandTimeoutMs: 300 }),
    });
    const seen: [SignedTaskPacket, GateDecision][] = [];
    const run = async (n: number): Promise<GateDecision[]> => {
      const packets = Array.from({ length: n }, packet);
      const decisions = await within(Promise.all(packets.map((p) => gate.handle(envelope(p)))));
      packets.forEach((p, i) => seen.push([p, decisions[i]!]));
      return decisions;
    };

    expect((await run(20)).every((d) => d.decision === 'ACCEPT')).toBe(true);

    // Gone mid-run: decisions in flight while the port closes, then decisions while it is closed.
    const inFlight = run(50);
    await proxy.stop();
    await inFlight;
    const downFrom = seen.length;
    const down = await run(30);
    expect(down.every((d) => d.decision === 'REJECT' && d.reason === 'replay_store_unavailable')).toBe(true);

    // Back.
    await proxy.start();
    await vi.waitFor(
      async () => {
        expect((await gate.handle(envelope(packet()))).decision).toBe('ACCEPT');
      },
      {
        timeout: 10_000,
        interval: 100,
      },
    );
    // A packet refused while Redis was away was not remembered: it is accepted now.
    const refused = seen[downFrom]![0];
    expect((await gate.handle(envelope(refused))).decision).toBe('ACCEPT');

    // Stalled: the connection stays open but nothing comes back; the store's deadline decides.
    proxy.stall();
    const stalled = await run(10);
    expect(stalled.every((d) => d.decision === 'REJECT' && d.reason === 'replay_store_unavailable')).toBe(
      true,
    );
    proxy.unstall();
    await vi.waitFor(
      async () => {
        expect((await gate.handle(envelope(packet()))).decision).toBe('ACCEPT');
      },
      {
        timeout: 10_000,
        interval: 100,
      },
    );

    // The invariant over the whole run: every ACCEPT has its replay record on the server.
    const accepted = seen.filter(([, d]) => d.decision === 'ACCEPT');
    expect(accepted.length).toBeGreaterThanOrEqual(20);
    for (const [p] of accepted) expect(await hasReplayRecord(p, storePrefix)).toBe(true);
    expect(seen.every(([, d]) => d.decision === 'ACCEPT' || d.reason === 'replay_store_unavailable')).toBe(
      true,
    );
    client.destroy();
    await proxy.stop();
  }, 60_000);
});
