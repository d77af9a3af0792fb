/**
 * Shared state across processes: four verifier processes, each with its own Redis connection, receive
 * 20,000 distinct valid packets — every packet delivered to two of them at the same time — and then
 * 2,000 replays. Every packet must be accepted exactly once across the cluster; every replay rejected.
 * Run twice: on one Redis, and on a real Redis Cluster (3 masters + 3 replicas, started here) where
 * the verifiers use cluster clients and the one-round-trip admission script runs per sender slot.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AgentIdentity } from '../support/api.js';
import { RedisAgentRegistry, type RedisStoreClient } from '../../src/stores/redis/index.js';
import { REDIS_URL, redisAvailable } from '../support/services.js';
import {
  CLUSTER_PORTS,
  makeClusterClient,
  redisClusterAvailable,
  startLocalRedisCluster,
  type LocalRedisCluster,
} from '../support/redis-cluster.js';
import { transpileForChildProcesses, type Transpiled } from '../support/transpile.js';
import { deleteKeys, makeClient, runPrefix, type TestRedisClient } from '../stores/redis-clients.js';

const WORKERS = 4;
const BATCH = 500;

type Row = [packetId: string | null, decision: string, reason: string | undefined];

class Verifier {
  readonly #child: ChildProcess;
  readonly #pending = new Map<number, (rows: Row[]) => void>();
  #next = 0;

  constructor(script: string) {
    this.#child = fork(script, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    this.#child.on('message', (m: { type: string; batch?: number; decisions?: Row[]; wires?: string[] }) => {
      if (m.type === 'signed') {
        this.#signed?.(m.wires!);
      } else if (m.type === 'decisions') {
        this.#pending.get(m.batch!)!(m.decisions!);
        this.#pending.delete(m.batch!);
      } else if (m.type === 'ready') this.#pending.get(-1)?.([]);
    });
  }

  init(prefix: string, agentId: string, clusterRootNodes?: readonly { url: string }[]): Promise<unknown> {
    return new Promise((resolve) => {
      this.#pending.set(-1, resolve);
      this.#child.send({
        type: 'init',
        redisUrl: REDIS_URL,
        prefix,
        agentId,
        ...(clusterRootNodes === undefined ? {} : { clusterRootNodes }),
      });
    });
  }

  #signed: ((wires: string[]) => void) | undefined;

  sign(from: number, to: number, senders: readonly AgentIdentity[], agentId: string): Promise<string[]> {
    return new Promise((resolve) => {
      this.#signed = resolve;
      this.#child.send({ type: 'sign', from, to, senders: senders.map((s) => s.privateKeyPem), agentId });
    });
  }

  handle(envelopes: string[]): Promise<Row[]> {
    const batch = this.#next++;
    return new Promise((resolve) => {
      this.#pending.set(batch, resolve);
      this.#child.send({ type: 'batch', batch, envelopes });
    });
  }

  stop(): void {
    if (this.#child.connected) this.#child.send({ type: 'exit' });
    setTimeout(() => this.#child.kill(), 2000).unref();
  }
}

/** Where the verifiers keep their shared state, and the parent's own connection to it. */
interface Target {
  readonly name: string;
  readonly available: boolean;
  /** Distinct packets (each sent to two verifiers at once) and replays afterwards. */
  readonly packets: number;
  readonly replays: number;
  connect(): Promise<{
    client: RedisStoreClient;
    clusterRootNodes?: readonly { url: string }[];
    close(prefix: string): Promise<void>;
  }>;
}

const targets: Target[] = [
  {
    name: 'one Redis',
    available: await redisAvailable(),
    packets: 20_000,
    replays: 2_000,
    async connect() {
      const client: TestRedisClient = makeClient(REDIS_URL);
      await client.connect();
      return {
        client,
        async close(prefix) {
          if (client.isReady) await deleteKeys(client, prefix);
          await client.close();
        },
      };
    },
  },
  {
    name: 'Redis Cluster (3 masters + 3 replicas)',
    available: await redisClusterAvailable(),
    // Fewer packets: six servers share the machine's cores with the verifiers, and the cluster suites
    // together must stay under a minute. 6,000 packets still put ~2,000 races on each master.
    packets: 6_000,
    replays: 600,
    async connect() {
      const cluster: LocalRedisCluster = await startLocalRedisCluster({ basePort: CLUSTER_PORTS.gate });
      const client = makeClusterClient(cluster.rootNodes);
      await client.connect();
      return {
        client,
        clusterRootNodes: cluster.rootNodes,
        async close() {
          await client.close().catch(() => undefined);
          await cluster.stop();
        },
      };
    },
  },
];

describe.each(targets)('gate cluster on $name', (target) => {
  const prefix = runPrefix();
  let transpiled: Transpiled | undefined;
  let connection: Awaited<ReturnType<Target['connect']>> | undefined;
  const verifiers: Verifier[] = [];

  beforeAll(async () => {
    if (!target.available) return;
    transpiled = transpileForChildProcesses(['test/gate/cluster/verifier.ts']);
    connection = await target.connect();
  });

  afterAll(async () => {
    for (const v of verifiers) v.stop();
    await connection?.close(prefix);
    transpiled?.remove();
  });

  it.skipIf(!target.available)(
    `accepts each of ${target.packets} packets exactly once when two verifiers get it at the same time, and rejects ${target.replays} replays`,
    async () => {
      const PACKETS = target.packets;
      const REPLAYS = target.replays;
      const receiver = AgentIdentity.generate();
      const senders = Array.from({ length: 8 }, () => AgentIdentity.generate());
      const registry = new RedisAgentRegistry({ client: connection!.client, keyPrefix: `${prefix}agent:` });
      for (const s of senders) await registry.register(s.agentId, s.publicKeyPem);
      for (let i = 0; i < WORKERS; i++)
        verifiers.push(new Verifier(transpiled!.path('test/gate/cluster/verifier.ts')));
      await Promise.all(verifiers.map((v) => v.init(prefix, receiver.agentId, connection!.clusterRootNodes)));
      // Signing is spread over the verifier processes (both cores); the packets come back as wire text.
      const share = PACKETS / WORKERS;
      const wires = (
        await Promise.all(
          verifiers.map((v, w) => v.sign(w * share, (w + 1) * share, senders, receiver.agentId)),
        )
      ).flat();
      expect(wires).toHaveLength(PACKETS);

      // Packet i goes to verifiers i % 4 and one other, in the same round, so both race on Redis.
      const plan: number[][] = Array.from({ length: WORKERS }, () => []);
      for (let i = 0; i < PACKETS; i++) {
        const first = i % WORKERS;
        plan[first]!.push(i);
        plan[(first + 1 + (Math.floor(i / WORKERS) % (WORKERS - 1))) % WORKERS]!.push(i);
      }
      const accepted = new Map<string, number>();
      const reasons = new Map<string, number>();
      const record = (rows: Row[]): void => {
        for (const [id, decision, reason] of rows) {
          if (decision === 'ACCEPT') accepted.set(id!, (accepted.get(id!) ?? 0) + 1);
          else reasons.set(reason ?? '', (reasons.get(reason ?? '') ?? 0) + 1);
        }
      };
      const rounds = Math.max(...plan.map((p) => Math.ceil(p.length / BATCH)));
      for (let r = 0; r < rounds; r++) {
        const results = await Promise.all(
          verifiers.map((v, w) => v.handle(plan[w]!.slice(r * BATCH, (r + 1) * BATCH).map((i) => wires[i]!))),
        );
        for (const rows of results) record(rows);
      }
      expect(accepted.size).toBe(PACKETS);
      expect([...accepted.values()].every((n) => n === 1)).toBe(true);
      expect(Object.fromEntries(reasons)).toEqual({ 'Replay detected': PACKETS });

      // Replays: already accepted packets, to any verifier.
      const replayed: string[][] = Array.from({ length: WORKERS }, () => []);
      for (let k = 0; k < REPLAYS; k++) replayed[k % WORKERS]!.push(wires[(k * 7919) % PACKETS]!);
      const replayRows = (await Promise.all(verifiers.map((v, w) => v.handle(replayed[w]!)))).flat();
      expect(replayRows).toHaveLength(REPLAYS);
      expect(
        replayRows.every(([, decision, reason]) => decision === 'REJECT' && reason === 'Replay detected'),
      ).toBe(true);
    },
    180_000,
  );
});
