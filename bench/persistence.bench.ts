/**
 * Issue 12.2 measurement: what Redis persistence costs a Redis-backed gate and what it keeps.
 *
 * For each setting — no persistence, AOF with `appendfsync no`, `everysec`, `always` — a
 * `redis-server` of our own on a free port with its own temp dir:
 * - cost: gate decisions/s (all ACCEPT, one admission script per decision) at c=64, next to the
 *   same gate on the server without persistence, measured back to back in rotating order (median of
 *   the rounds' ratios; ops/s is the best round);
 * - crash: ACCEPT a batch of packets, SIGKILL the server right after the last answer, start it again
 *   on the same dir, and send every accepted packet again to a gate without the epoch guard: each one
 *   ACCEPTed again is a replay record the crash lost.
 * A process crash is what can be measured here; what `appendfsync` adds is the bound on a crash of
 * the machine (power, kernel), which no test in a process can cause (see docs/redis-operations.md).
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
import { measureAsync, printComparisons, type ComparisonRow } from './harness.js';
import { redisServerPresent, startLocalRedisServer, type LocalRedisServer } from './local-redis-server.js';

const PACKETS = 4_000;
const CRASH_PACKETS = 5_000;
const CONCURRENCY = 64;
const ROUNDS = 5;

type Setting = 'none' | 'no' | 'everysec' | 'always';
const SETTINGS: readonly Setting[] = ['none', 'no', 'everysec', 'always'];

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

async function connect(url: string) {
  const client = createClient({
    url,
    disableOfflineQueue: true,
    socket: { reconnectStrategy: () => 50 },
  });
  client.on('error', () => undefined);
  await client.connect();
  return client;
}

async function gateOn(
  client: RedisStoreClient,
  receiver: string,
  senders: readonly AgentIdentity[],
  prefix: string,
) {
  const stores = createRedisStores({ client, keyPrefix: prefix });
  for (const s of senders) await stores.agentRegistry.register(s.agentId, s.publicKeyPem);
  return new HandoffGate({
    agentId: receiver,
    registry: stores.agentRegistry,
    replayStore: stores.replayStore,
    revocationStore: stores.revocationStore,
  });
}

async function rate(
  client: RedisStoreClient,
  receiver: string,
  senders: readonly AgentIdentity[],
  envelopes: readonly DelegationEnvelope[],
) {
  const gate = await gateOn(
    client,
    receiver,
    senders,
    `th-bench-aof:${Math.random().toString(36).slice(2)}:`,
  );
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

/** Accepted before the crash, and how many of them a gate accepts again after the restart. */
async function crash(
  server: LocalRedisServer,
  receiver: string,
  senders: readonly AgentIdentity[],
  envelopes: readonly DelegationEnvelope[],
): Promise<{ accepted: number; acceptedAgain: number }> {
  const prefix = 'th-bench-crash:';
  let client = await connect(server.url);
  let gate = await gateOn(client, receiver, senders, prefix);
  const accepted: DelegationEnvelope[] = [];
  await measureAsync(
    async (i) => {
      if ((await gate.handle(envelopes[i]!)).decision === 'ACCEPT') accepted.push(envelopes[i]!);
    },
    { total: envelopes.length, concurrency: CONCURRENCY },
  );
  await server.kill();
  client.destroy();
  await server.start();
  client = await connect(server.url);
  // Registrations may be gone too: register again, as an operator would, then replay everything.
  gate = await gateOn(client, receiver, senders, prefix);
  let acceptedAgain = 0;
  for (const envelope of accepted) if ((await gate.handle(envelope)).decision === 'ACCEPT') acceptedAgain++;
  client.destroy();
  return { accepted: accepted.length, acceptedAgain };
}

export async function run(): Promise<void> {
  if (!(await redisServerPresent())) {
    console.log('redis-server/redis-cli not found: persistence benchmark skipped');
    return;
  }
  const receiver = AgentIdentity.generate();
  const senders = Array.from({ length: 8 }, () => AgentIdentity.generate());
  const envelopes = (n: number): DelegationEnvelope[] =>
    Array.from({ length: n }, (_, i) =>
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
  const corpus = envelopes(PACKETS);
  const servers = new Map<Setting, LocalRedisServer>();
  const clients = new Map<Setting, Awaited<ReturnType<typeof connect>>>();
  try {
    for (const setting of SETTINGS) {
      const server = await startLocalRedisServer(setting === 'none' ? {} : { appendfsync: setting });
      servers.set(setting, server);
      clients.set(setting, await connect(server.url));
    }
    const decide = (setting: Setting) => rate(clients.get(setting)!, receiver.agentId, senders, corpus);
    for (const setting of SETTINGS) await decide(setting); // warm-up
    const best = new Map<Setting, { opsPerSecond: number; p50: number; p99: number }>();
    const ratios = new Map<Setting, number[]>(SETTINGS.map((s) => [s, []]));
    for (let r = 0; r < ROUNDS; r++) {
      const round = new Map<Setting, number>();
      for (let k = 0; k < SETTINGS.length; k++) {
        const setting = SETTINGS[(r + k) % SETTINGS.length]!;
        const figure = await decide(setting);
        round.set(setting, figure.opsPerSecond);
        if (figure.opsPerSecond > (best.get(setting)?.opsPerSecond ?? 0)) best.set(setting, figure);
      }
      for (const setting of SETTINGS) ratios.get(setting)!.push(round.get(setting)! / round.get('none')!);
    }
    for (const client of clients.values()) client.destroy();
    clients.clear();

    const crashes = new Map<Setting, { accepted: number; acceptedAgain: number }>();
    for (const setting of SETTINGS) {
      crashes.set(
        setting,
        await crash(servers.get(setting)!, receiver.agentId, senders, envelopes(CRASH_PACKETS)),
      );
    }
    const label: Record<Setting, string> = {
      none: 'no persistence',
      no: 'AOF, appendfsync no',
      everysec: 'AOF, appendfsync everysec',
      always: 'AOF, appendfsync always',
    };
    const rows: ComparisonRow[] = SETTINGS.map((setting) => {
      const figure = best.get(setting)!;
      const c = crashes.get(setting)!;
      return {
        name: `gate, ${label[setting]}, c=${CONCURRENCY}`,
        opsPerSecond: figure.opsPerSecond,
        baselineName: 'gate, no persistence (same run)',
        baselineOpsPerSecond: best.get('none')!.opsPerSecond,
        ratio: median(ratios.get(setting)!),
        extra: `p50 ${figure.p50.toFixed(2)} ms, p99 ${figure.p99.toFixed(2)} ms; SIGKILL after ${c.accepted} ACCEPTs: ${c.acceptedAgain} accepted again after restart`,
      };
    });
    printComparisons(
      `Redis persistence: cost and what a process crash loses (${PACKETS} packets per round)`,
      rows,
    );
  } finally {
    for (const client of clients.values()) client.destroy();
    for (const server of servers.values()) await server.stop();
  }
}
