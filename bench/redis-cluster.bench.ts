/**
 * Issue 12 benchmark: gate decisions per second at concurrency 64 on a local Redis Cluster (3 masters
 * + 3 replicas, started here) next to one Redis (a `redis-server` started here with the same settings)
 * in the same run, and the cost of `replicaAcks: 1` (a `WAIT` after each admission) on the cluster.
 * Target: cluster ≥ 0.9 × one Redis.
 *
 * Method (bench/harness.ts): the packets are signed once; each round builds fresh gates (fresh key
 * namespaces) so every decision is a full ACCEPT, runs the configurations back to back in rotating
 * order, and the ratio is the median of the rounds' own ratios; ops/s is the best round of each.
 * The gates pick the one-round-trip admission store on both backends.
 */
import { randomUUID } from 'node:crypto';
import { createClient, createCluster } from '@redis/client';
import {
  AgentIdentity,
  TrustHandoffMiddleware,
  createEnvelope,
  issueTaskPacket,
  type DelegationEnvelope,
} from '../src/index.js';
import { createRedisStores, type RedisStoreClient } from '../src/stores/redis/index.js';
import { measureAsync, printComparisons, type ComparisonRow } from './harness.js';
import { redisClusterToolsPresent, startLocalRedis, startLocalRedisCluster } from './local-redis-cluster.js';

const PACKETS = 4000;
const CONCURRENCY = 64;
const ROUNDS = 5;
const CLUSTER_BASE_PORT = 7141;
const SINGLE_PORT = 7151;

interface Figure {
  readonly opsPerSecond: number;
  readonly p50: number;
  readonly p99: number;
}

async function decide(
  client: RedisStoreClient,
  receiver: string,
  senders: readonly AgentIdentity[],
  envelopes: readonly DelegationEnvelope[],
  replicaAcks: number,
  revocations = true,
): Promise<Figure> {
  const stores = createRedisStores({ client, keyPrefix: `th-bench:${randomUUID()}:`, replicaAcks });
  for (const s of senders) await stores.agentRegistry.register(s.agentId, s.publicKeyPem);
  const gate = new TrustHandoffMiddleware({
    agentId: receiver,
    registry: stores.agentRegistry,
    replayStore: stores.replayStore,
    ...(revocations ? { revocationStore: stores.revocationStore } : {}),
  });
  let rejected = 0;
  const figure = await measureAsync(
    async (i) => {
      if ((await gate.handle(envelopes[i]!)).decision !== 'ACCEPT') rejected++;
    },
    { total: envelopes.length, concurrency: CONCURRENCY },
  );
  if (rejected > 0) throw new Error(`benchmark corpus: ${rejected} decisions were REJECT`);
  return figure;
}

function latency(f: Figure): string {
  return `p50 ${f.p50.toFixed(2)} ms, p99 ${f.p99.toFixed(2)} ms`;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

export async function run(): Promise<void> {
  if (!(await redisClusterToolsPresent())) {
    console.log('redis-server/redis-cli not found: Redis Cluster benchmark skipped');
    return;
  }
  const receiver = AgentIdentity.generate();
  const senders = Array.from({ length: 8 }, () => AgentIdentity.generate());
  const envelopes = Array.from({ length: PACKETS }, (_, i) =>
    createEnvelope(
      issueTaskPacket(senders[i % senders.length]!, {
        to_agent: receiver.agentId,
        intent: 'Research company background',
        permissions: { allowed_actions: ['read', 'search'], max_tool_calls: 5 },
        context: { company: 'Example Corp', quarter: 3, tags: ['finance', 'q3'] },
        risk_level: 'read',
      }),
    ),
  );

  const cluster = await startLocalRedisCluster({ basePort: CLUSTER_BASE_PORT });
  const single = await startLocalRedis(SINGLE_PORT);
  const singleClient = createClient({ url: single.url, disableOfflineQueue: true });
  const clusterClient = createCluster({
    rootNodes: [...cluster.rootNodes],
    defaults: { disableOfflineQueue: true },
  });
  singleClient.on('error', () => undefined);
  clusterClient.on('error', () => undefined);
  try {
    await singleClient.connect();
    await clusterClient.connect();
    const configs = {
      single: () => decide(singleClient, receiver.agentId, senders, envelopes, 0),
      cluster: () => decide(clusterClient, receiver.agentId, senders, envelopes, 0),
      clusterWait: () => decide(clusterClient, receiver.agentId, senders, envelopes, 1),
      // Diagnostic: without a revocation store the cluster path sends only the script (no EXISTS of
      // global revocation ids beside it), which isolates what that read costs.
      singleNoRevocations: () => decide(singleClient, receiver.agentId, senders, envelopes, 0, false),
      clusterNoRevocations: () => decide(clusterClient, receiver.agentId, senders, envelopes, 0, false),
    };
    type Name = keyof typeof configs;
    const names = Object.keys(configs) as Name[];
    // Warm-up: connections, script caches, JIT.
    for (const name of names) await configs[name]();
    const best: Record<Name, Figure> = {
      single: { opsPerSecond: 0, p50: 0, p99: 0 },
      cluster: { opsPerSecond: 0, p50: 0, p99: 0 },
      clusterWait: { opsPerSecond: 0, p50: 0, p99: 0 },
      singleNoRevocations: { opsPerSecond: 0, p50: 0, p99: 0 },
      clusterNoRevocations: { opsPerSecond: 0, p50: 0, p99: 0 },
    };
    const clusterToSingle: number[] = [];
    const waitToSingle: number[] = [];
    const waitToCluster: number[] = [];
    const withoutRevocations: number[] = [];
    for (let r = 0; r < ROUNDS; r++) {
      const round = {} as Record<Name, Figure>;
      // Rotate the order so that a drift of the machine's speed favours no configuration.
      for (let k = 0; k < names.length; k++) {
        const name = names[(r + k) % names.length]!;
        round[name] = await configs[name]();
        if (round[name].opsPerSecond > best[name].opsPerSecond) best[name] = round[name];
      }
      clusterToSingle.push(round.cluster.opsPerSecond / round.single.opsPerSecond);
      waitToSingle.push(round.clusterWait.opsPerSecond / round.single.opsPerSecond);
      waitToCluster.push(round.clusterWait.opsPerSecond / round.cluster.opsPerSecond);
      withoutRevocations.push(
        round.clusterNoRevocations.opsPerSecond / round.singleNoRevocations.opsPerSecond,
      );
    }
    const rows: ComparisonRow[] = [
      {
        name: 'gate, Redis Cluster 3+3, c=64',
        opsPerSecond: best.cluster.opsPerSecond,
        baselineName: 'gate, one Redis, c=64 (same run)',
        baselineOpsPerSecond: best.single.opsPerSecond,
        ratio: median(clusterToSingle),
        target: 0.9,
        extra: `${latency(best.cluster)} (one Redis: ${latency(best.single)})`,
      },
      {
        name: 'gate, Redis Cluster + WAIT 1, c=64',
        opsPerSecond: best.clusterWait.opsPerSecond,
        baselineName: 'gate, Redis Cluster, c=64 (same run)',
        baselineOpsPerSecond: best.cluster.opsPerSecond,
        ratio: median(waitToCluster),
        extra: latency(best.clusterWait),
      },
      {
        name: 'gate, Redis Cluster + WAIT 1, c=64',
        opsPerSecond: best.clusterWait.opsPerSecond,
        baselineName: 'gate, one Redis, c=64 (same run)',
        baselineOpsPerSecond: best.single.opsPerSecond,
        ratio: median(waitToSingle),
      },
      {
        name: 'diagnostic: cluster, no revocation store',
        opsPerSecond: best.clusterNoRevocations.opsPerSecond,
        baselineName: 'one Redis, no revocation store',
        baselineOpsPerSecond: best.singleNoRevocations.opsPerSecond,
        ratio: median(withoutRevocations),
      },
    ];
    printComparisons(
      `gate decisions on Redis Cluster (${PACKETS} packets per round, ${ROUNDS} rounds)`,
      rows,
    );
  } finally {
    singleClient.destroy();
    clusterClient.destroy();
    await cluster.stop();
    await single.stop();
  }
}
