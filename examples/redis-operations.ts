/**
 * A production gate on Redis (docs/redis-operations.md): the client settings, the circuit breaker
 * (fail fast during a partition) and the store-state epoch (fail closed when Redis lost its state).
 * Run by test/gate/redis-operations-example.test.ts against a redis-server of its own, or after
 * `npm run build` with `node dist/examples/redis-operations.js` (REDIS_URL; it writes one marker key
 * and agent keys under `trusthandoff:`, so point it at a Redis of your own).
 */
import { createClient } from '@redis/client';
import { EventHub, HandoffGate, MemoryEventSink } from 'trusthandoff';
import {
  createRedisStores,
  RedisStoreState,
  type RedisStores,
  type StoreStateStatus,
} from 'trusthandoff/redis';

export interface Inbox {
  readonly gate: HandoffGate;
  readonly stores: RedisStores;
  readonly storeState: RedisStoreState;
  /** The store state at start. */
  readonly status: StoreStateStatus;
  readonly audit: MemoryEventSink;
  close(): Promise<void>;
}

export async function startGate(redisUrl: string, agentId: string): Promise<Inbox> {
  const client = createClient({
    url: redisUrl,
    disableOfflineQueue: true, // fail fast while disconnected; never queue decisions in memory
    socket: { connectTimeout: 2_000, reconnectStrategy: (retries) => Math.min(50 * 2 ** retries, 1_000) },
  });
  client.on('error', () => undefined); // failures surface as REJECT decisions and events
  await client.connect();

  const audit = new MemoryEventSink({ maxEvents: 10_000 });
  const events = new EventHub({ verifier: { agentId, instanceId: 'gate-1' }, sinks: [audit] });

  // Fail closed on amnesia: the epoch marker is read now, after every reconnect, every second, and
  // inside each admission. `persistence: 'require'` would refuse to start on a Redis without AOF.
  const storeState = new RedisStoreState({ client, events, persistence: 'warn' });
  const status = await storeState.start(); // 'trusted', or 'lost' (a new deployment: no marker yet)

  // Fail fast on a partition: after 3 timeouts in a row, store calls fail at once for 1 s, then a
  // background probe decides; a heartbeat notices a silent connection even when idle.
  const stores = createRedisStores({
    client,
    storeState,
    breaker: { failureThreshold: 3, openMs: 1_000, heartbeatMs: 1_000, events },
  });
  const gate = new HandoffGate({
    agentId,
    registry: stores.agentRegistry,
    replayStore: stores.replayStore,
    revocationStore: stores.revocationStore,
    events,
  });

  return {
    gate,
    stores,
    storeState,
    status,
    audit,
    async close() {
      storeState.close();
      stores.breaker?.close();
      await client.close();
    },
  };
}

if (process.argv[1]?.endsWith('redis-operations.js') === true) {
  const inbox = await startGate(process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379', 'agent:inbox');
  console.log('store state at start:', inbox.status, 'persistence:', inbox.storeState.persistence);
  // A new deployment — or one whose Redis lost its state — is initialised (re-armed) explicitly,
  // after the registrations and revocations it needs have been (re)written:
  if (inbox.status === 'lost') console.log('trusted epoch:', await inbox.storeState.trustStoreState());
  await inbox.close();
}
