/**
 * `trusthandoff/redis`: the stores of SPEC §5 on Redis, for verifiers that share replay, revocation
 * and registry state. The caller creates, connects and closes the `@redis/client` client; nothing here
 * imports it, and the core entry point never imports this module.
 */
import type {
  AgentRegistry,
  CoordinationLock,
  OverlapWindow,
  ReplayStore,
  RevocationStore,
} from '../types.js';
import { ConfigurationError } from '../../errors.js';
import { RedisAgentRegistry } from './agent-registry.js';
import { RedisCircuitBreaker, type RedisCircuitBreakerOptions } from './breaker.js';
import type { RedisStoreClient } from './client.js';
import type { RedisStoreState } from './epoch.js';
import { RedisCoordinationLock } from './coordination-lock.js';
import { RedisOverlapWindow } from './overlap-window.js';
import { RedisReplayStore } from './replay-store.js';
import { RedisRevocationStore } from './revocation-store.js';

export {
  DEFAULT_COMMAND_TIMEOUT_MS,
  DEFAULT_REPLICA_ACK_TIMEOUT_MS,
  type RedisStoreClient,
  type RedisStoreOptions,
} from './client.js';
export {
  RedisCircuitBreaker,
  DEFAULT_FAILURE_THRESHOLD,
  DEFAULT_OPEN_MS,
  type CircuitState,
  type CircuitStats,
  type RedisCircuitBreakerOptions,
} from './breaker.js';
export {
  RedisStoreState,
  DEFAULT_EPOCH_MARKER_KEY,
  type PersistencePolicy,
  type PersistenceReport,
  type RedisStoreStateOptions,
  type StoreStateStatus,
} from './epoch.js';
export { agentKey, hashTagOf, replayStoreKey, senderReplayKey } from './keys.js';
export { RedisReplayStore, DEFAULT_REPLAY_KEY_PREFIX } from './replay-store.js';
export {
  RedisRevocationStore,
  DEFAULT_REVOCATION_KEY_PREFIX,
  type RedisRevocationStoreOptions,
} from './revocation-store.js';
export {
  RedisAgentRegistry,
  DEFAULT_AGENT_KEY_PREFIX,
  type RedisAgentRegistryOptions,
} from './agent-registry.js';
export {
  RedisInvalidationFeed,
  DEFAULT_INVALIDATION_KEY_PREFIX,
  DEFAULT_INVALIDATION_LOG_LENGTH,
  DEFAULT_RESYNC_INTERVAL_MS,
  invalidationKey,
  type RedisInvalidationFeedOptions,
  type RedisInvalidationOptions,
  type RedisSubscriberClient,
  type RedisPubSubListener,
} from './invalidation.js';
import type { RedisInvalidationOptions } from './invalidation.js';
export {
  RedisOverlapWindow,
  DEFAULT_OVERLAP_KEY_PREFIX,
  type RedisOverlapWindowOptions,
} from './overlap-window.js';
export { RedisCoordinationLock, DEFAULT_LOCK_KEY_PREFIX } from './coordination-lock.js';

export interface CreateRedisStoresOptions {
  /** A connected `@redis/client` client or cluster, shared by all five stores. */
  readonly client: RedisStoreClient;
  /**
   * Namespace of every key (default `trusthandoff:`); each store appends its kind
   * (`replay:`, `revocation:`, `agent:`, `overlap:`, `lock:`). The defaults equal the stores' own.
   */
  readonly keyPrefix?: string;
  /** Per-command deadline in milliseconds (default 500). */
  readonly commandTimeoutMs?: number;
  /** Replicas that must acknowledge each deciding write (`WAIT`; default 0, see `RedisStoreOptions`). */
  readonly replicaAcks?: number;
  /** `WAIT` timeout in milliseconds (default 100). */
  readonly replicaAckTimeoutMs?: number;
  /** Overlap window in seconds (default 30). */
  readonly overlapWindowSeconds?: number;
  /**
   * The circuit breaker the five stores share (they trip together): its options (default `{}`, the
   * breaker's defaults), a breaker of your own on the same client, or `false` for none.
   */
  readonly breaker?: Omit<RedisCircuitBreakerOptions, 'client'> | RedisCircuitBreaker | false;
  /**
   * The store-state epoch guard (fail closed on amnesia), created and started by you on the same
   * client; none by default. See docs/redis-operations.md.
   */
  readonly storeState?: RedisStoreState;
  /**
   * The revocation log and channel the revocation store and registry announce to (default: under
   * `<keyPrefix>invalidation:`; give a `RedisInvalidationFeed` the same `keyPrefix`). `false`: none.
   */
  readonly invalidation?: Omit<RedisInvalidationOptions, 'keyPrefix'> | false;
}

export interface RedisStores {
  readonly replayStore: ReplayStore;
  readonly revocationStore: RevocationStore;
  readonly agentRegistry: AgentRegistry;
  readonly overlapWindow: OverlapWindow;
  readonly coordinationLock: CoordinationLock;
  /** The breaker the stores share (undefined with `breaker: false`). */
  readonly breaker: RedisCircuitBreaker | undefined;
}

/** The five Redis stores on one client and one namespace. Options are checked here, not per call. */
export function createRedisStores(options: CreateRedisStoresOptions): RedisStores {
  if (options === null || typeof options !== 'object') {
    throw new ConfigurationError('createRedisStores needs options with a connected Redis client');
  }
  const namespace = options.keyPrefix ?? 'trusthandoff:';
  // Each store checks its own prefix (including the cluster hash-tag rule) in its constructor.
  if (typeof namespace !== 'string')
    throw new ConfigurationError('createRedisStores: keyPrefix must be a string');
  const breakerOption = options.breaker ?? {};
  if (breakerOption !== false && (breakerOption === null || typeof breakerOption !== 'object')) {
    throw new ConfigurationError(
      'createRedisStores: breaker must be options, a RedisCircuitBreaker or false',
    );
  }
  const breaker =
    breakerOption === false
      ? undefined
      : breakerOption instanceof RedisCircuitBreaker
        ? breakerOption
        : new RedisCircuitBreaker({
            probeKey: `${namespace}probe`,
            ...breakerOption,
            client: options.client,
          });
  const common = (kind: string) => ({
    client: options.client,
    keyPrefix: `${namespace}${kind}:`,
    ...(options.commandTimeoutMs === undefined ? {} : { commandTimeoutMs: options.commandTimeoutMs }),
    ...(options.replicaAcks === undefined ? {} : { replicaAcks: options.replicaAcks }),
    ...(options.replicaAckTimeoutMs === undefined
      ? {}
      : { replicaAckTimeoutMs: options.replicaAckTimeoutMs }),
    ...(breaker === undefined ? {} : { breaker }),
    ...(options.storeState === undefined ? {} : { storeState: options.storeState }),
  });
  const invalidation =
    options.invalidation === false
      ? false
      : { ...options.invalidation, keyPrefix: `${namespace}invalidation:` };
  return Object.freeze({
    replayStore: new RedisReplayStore(common('replay')),
    revocationStore: new RedisRevocationStore({ ...common('revocation'), invalidation }),
    agentRegistry: new RedisAgentRegistry({ ...common('agent'), invalidation }),
    overlapWindow: new RedisOverlapWindow({
      ...common('overlap'),
      ...(options.overlapWindowSeconds === undefined ? {} : { windowSeconds: options.overlapWindowSeconds }),
    }),
    coordinationLock: new RedisCoordinationLock(common('lock')),
    breaker,
  });
}
