/**
 * Issue 12.3 benchmark: a Redis-backed gate during a silent network partition, with and without the
 * circuit breaker, next to the baseline of a gate whose store answers "unavailable" instantly (a
 * client that is not ready: the stores refuse without sending), measured in the same run.
 *
 * Setup: a `redis-server` of our own on a free port behind a TCP proxy (bench/tcp-proxy.ts); the
 * partition is `proxy.stall()` — connections stay open and every byte is held both ways, the failure
 * mode no FIN/RST ever reports. Each configuration is a closed loop of CONCURRENCY workers: healthy
 * for a moment, partitioned for PARTITION_MS, then the path comes back; decisions/s and latency are
 * taken over the partition window, and the time to recover is from the end of the partition to the
 * first decision the store answered again (an ACCEPT, or a replay of a packet the cycling workers
already sent). The baseline runs the same workers over the same window length on the same packets.
 * Target: breaker-open decisions/s ≥ 0.9 × the baseline.
 */
import { createClient } from '@redis/client';
import {
  AgentIdentity,
  HandoffGate,
  createDelegationEnvelope,
  issueTaskPacket,
  type DelegationEnvelope,
} from '../src/index.js';
import { createRedisStores, type RedisStoreClient } from '../src/stores/redis/index.js';
import { printComparisons } from './harness.js';
import { redisServerPresent, startLocalRedisServer } from './local-redis-server.js';
import { TcpProxy } from './tcp-proxy.js';

const CONCURRENCY = 64;
const PARTITION_MS = 12_000;
const HEALTHY_MS = 1_000;
const PACKETS = 4_000;

interface Window {
  readonly decisions: number;
  readonly accepted: number;
  readonly seconds: number;
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
}

interface PartitionRun {
  readonly partition: Window;
  /** End of the partition to the first ACCEPT, ms. */
  readonly recoverMs: number;
  readonly opened: number;
}

function summarise(latencies: number[], accepted: number, seconds: number): Window {
  latencies.sort((a, b) => a - b);
  const at = (q: number): number =>
    latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * q))] ?? 0;
  return { decisions: latencies.length, accepted, seconds, p50: at(0.5), p99: at(0.99), max: at(1) };
}

/** Run CONCURRENCY workers over `envelopes` (cycling) until `stop()` says so; record per decision. */
function load(
  gate: HandoffGate,
  envelopes: readonly DelegationEnvelope[],
  onDecision: (accepted: boolean, ms: number, storeAnswered: boolean) => void,
): { stop(): Promise<void> } {
  let running = true;
  let next = 0;
  const worker = async (): Promise<void> => {
    while (running) {
      const envelope = envelopes[next++ % envelopes.length]!;
      const t0 = performance.now();
      const decision = await gate.handle(envelope);
      // ACCEPT, or any REJECT but a store failure (a replay of a cycled packet, say): the store answered.
      const answered = decision.decision === 'ACCEPT' || !decision.reason.endsWith('_unavailable');
      onDecision(decision.decision === 'ACCEPT', performance.now() - t0, answered);
    }
  };
  const workers = Array.from({ length: CONCURRENCY }, () => worker());
  return {
    async stop() {
      running = false;
      await Promise.all(workers);
    },
  };
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

async function gateOn(
  client: RedisStoreClient,
  receiver: string,
  senders: readonly AgentIdentity[],
  breaker: boolean,
) {
  const stores = createRedisStores({
    client,
    keyPrefix: `th-bench-partition:${Math.random().toString(36).slice(2)}:`,
    ...(breaker ? {} : { breaker: false as const }),
  });
  for (const s of senders) await stores.agentRegistry.register(s.agentId, s.publicKeyPem);
  return {
    gate: new HandoffGate({
      agentId: receiver,
      registry: stores.agentRegistry,
      replayStore: stores.replayStore,
      revocationStore: stores.revocationStore,
    }),
    stores,
  };
}

async function partitioned(
  url: string,
  receiver: string,
  senders: readonly AgentIdentity[],
  envelopes: readonly DelegationEnvelope[],
  breaker: boolean,
): Promise<PartitionRun> {
  const proxy = await TcpProxy.forUrl(url);
  const client = createClient({ url: proxy.url, disableOfflineQueue: true });
  client.on('error', () => undefined);
  await client.connect();
  try {
    const { gate, stores } = await gateOn(client, receiver, senders, breaker);
    let phase: 'healthy' | 'partition' | 'recovering' = 'healthy';
    const latencies: number[] = [];
    let accepted = 0;
    let healedAt = 0;
    let recoveredAt = 0;
    const running = load(gate, envelopes, (ok, ms, answered) => {
      if (phase === 'partition') {
        latencies.push(ms);
        if (ok) accepted++;
      } else if (phase === 'recovering' && answered && recoveredAt === 0) {
        recoveredAt = performance.now();
      }
    });
    await sleep(HEALTHY_MS);
    proxy.stall();
    const start = performance.now();
    phase = 'partition';
    await sleep(PARTITION_MS);
    const seconds = (performance.now() - start) / 1000;
    phase = 'recovering';
    healedAt = performance.now();
    proxy.unstall();
    while (recoveredAt === 0 && performance.now() - healedAt < 30_000) await sleep(5);
    await running.stop();
    stores.breaker?.close();
    return {
      partition: summarise(latencies, accepted, seconds),
      recoverMs: recoveredAt === 0 ? Number.POSITIVE_INFINITY : recoveredAt - healedAt,
      opened: stores.breaker?.stats.opened ?? 0,
    };
  } finally {
    client.destroy();
    await proxy.stop();
  }
}

/** The same gate over a client that is never ready: every store call is refused at once. */
async function instantUnavailable(
  receiver: string,
  envelopes: readonly DelegationEnvelope[],
  ms: number,
): Promise<Window> {
  const refuse = (): Promise<never> => Promise.reject(new Error('not connected'));
  const client: RedisStoreClient = {
    isReady: false,
    set: refuse,
    exists: refuse,
    hSet: refuse,
    hGet: refuse,
    hExists: refuse,
    eval: refuse,
  };
  const stores = createRedisStores({ client, breaker: false });
  const gate = new HandoffGate({
    agentId: receiver,
    registry: stores.agentRegistry,
    replayStore: stores.replayStore,
    revocationStore: stores.revocationStore,
  });
  const latencies: number[] = [];
  let accepted = 0;
  const start = performance.now();
  const running = load(gate, envelopes, (ok, t) => {
    latencies.push(t);
    if (ok) accepted++;
  });
  await sleep(ms);
  await running.stop();
  return summarise(latencies, accepted, (performance.now() - start) / 1000);
}

function latency(w: Window): string {
  return `p50 ${w.p50.toFixed(2)} ms, p99 ${w.p99.toFixed(2)} ms, max ${w.max.toFixed(0)} ms`;
}

export async function run(): Promise<void> {
  if (!(await redisServerPresent())) {
    console.log('redis-server/redis-cli not found: partition benchmark skipped');
    return;
  }
  const receiver = AgentIdentity.generate();
  const senders = Array.from({ length: 8 }, () => AgentIdentity.generate());
  const envelopes = Array.from({ length: PACKETS }, (_, i) =>
    createDelegationEnvelope(
      issueTaskPacket(senders[i % senders.length]!, {
        to_agent: receiver.agentId,
        intent: 'Research company background',
        permissions: { allowed_actions: ['read', 'search'], max_tool_calls: 5 },
        risk_level: 'read',
        ttl_seconds: 3600,
      }),
    ),
  );
  const server = await startLocalRedisServer();
  try {
    // Warm-up (JIT, script cache), then baseline, breaker, baseline, no breaker: the two baseline
    // windows bracket the runs, and each run is compared with the mean of both.
    await instantUnavailable(receiver.agentId, envelopes, 1_000);
    const before = await instantUnavailable(receiver.agentId, envelopes, PARTITION_MS);
    const withBreaker = await partitioned(server.url, receiver.agentId, senders, envelopes, true);
    const after = await instantUnavailable(receiver.agentId, envelopes, PARTITION_MS);
    const without = await partitioned(server.url, receiver.agentId, senders, envelopes, false);
    const rate = (w: Window): number => w.decisions / w.seconds;
    const baseline = (rate(before) + rate(after)) / 2;
    const breakerRate = rate(withBreaker.partition);
    printComparisons(`gate decisions during a ${PARTITION_MS / 1000} s silent partition, c=${CONCURRENCY}`, [
      {
        name: 'partition, breaker (3 timeouts, open 1 s)',
        opsPerSecond: breakerRate,
        baselineName: 'store refuses instantly (same run)',
        baselineOpsPerSecond: baseline,
        target: 0.9,
        extra: `${latency(withBreaker.partition)}; recovered ${withBreaker.recoverMs.toFixed(0)} ms after the partition ended; opened ${withBreaker.opened}×; ACCEPT during partition ${withBreaker.partition.accepted}`,
      },
      {
        name: 'partition, no breaker (each waits 500 ms)',
        opsPerSecond: rate(without.partition),
        baselineName: 'store refuses instantly (same run)',
        baselineOpsPerSecond: baseline,
        extra: `${latency(without.partition)}; recovered ${without.recoverMs.toFixed(0)} ms after the partition ended; ACCEPT during partition ${without.partition.accepted}`,
      },
    ]);
    console.log(
      `baseline windows: ${Math.round(rate(before)).toLocaleString('en-US')} and ${Math.round(rate(after)).toLocaleString('en-US')} decisions/s (${latency(before)})`,
    );
  } finally {
    await server.stop();
  }
}
