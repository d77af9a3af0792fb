/**
 * The local Redis Cluster of the cluster suites (bench/local-redis-cluster.ts starts it). Like the
 * other services: when `CI=true`, missing `redis-server`/`redis-cli` fails the suite instead of
 * skipping it. Each suite takes its own port range so that suites running in parallel never share one.
 */
import { createCluster, type RedisClusterType } from '@redis/client';
import { redisClusterToolsPresent } from '../../bench/local-redis-cluster.js';
import { IN_CI } from './services.js';

export { startLocalRedisCluster, type LocalRedisCluster } from '../../bench/local-redis-cluster.js';

export type TestClusterClient = RedisClusterType;

/** First ports of each suite's cluster (six ports each, bus ports +10000). */
export const CLUSTER_PORTS = { stores: 7101, gate: 7111, failover: 7121, amnesia: 7161 } as const;

export async function redisClusterAvailable(): Promise<boolean> {
  const present = await redisClusterToolsPresent();
  if (!present && IN_CI) throw new Error('CI=true and redis-server/redis-cli are not installed');
  if (!present) console.warn('redis-server/redis-cli not found: Redis Cluster suites are skipped');
  return present;
}

/**
 * A cluster client configured as the docs recommend for the stores: no offline queue on any node
 * connection, quick connect and reconnect, and a prompt topology refresh after a node goes away.
 */
export function makeClusterClient(rootNodes: readonly { url: string }[]): TestClusterClient {
  const client = createCluster({
    rootNodes: [...rootNodes],
    defaults: {
      disableOfflineQueue: true,
      socket: { connectTimeout: 1000, reconnectStrategy: () => 50 },
    },
    topologyRefreshOnReconnectionAttemptStrategy: 100,
  }) as unknown as TestClusterClient;
  client.on('error', () => undefined);
  return client;
}
