/**
 * What the Redis stores need from a client, and the one place where a Redis command is run.
 *
 * This file never imports `@redis/client`: the stores take a connected client from the caller
 * (dependency injection), described here structurally. Both `createClient()` and `createCluster()`
 * of `@redis/client` ≥ 5 satisfy {@link RedisStoreClient}. Every command the stores send touches a
 * single key or, for the admission script, keys of one sender that share a hash tag (one slot), so
 * they work on Redis Cluster too (see docs/redis-cluster.md).
 */
import { ConfigurationError, StoreUnavailableError } from '../../errors.js';
import { attempt, withDeadline } from '../../lib/deadline.js';
import { RedisCircuitBreaker } from './breaker.js';
import { RedisStoreState } from './epoch.js';
import { hasHashTagCharacters } from './keys.js';

/** The subset of an `@redis/client` client (or cluster) the stores use. */
export interface RedisStoreClient {
  /** False while connecting, reconnecting or after close: the stores then fail without sending. */
  readonly isReady: boolean;
  set(
    key: string,
    value: string,
    options?: {
      expiration?: { type: 'EX' | 'PX'; value: number };
      condition?: 'NX';
    },
  ): Promise<unknown>;
  exists(key: string): Promise<unknown>;
  hSet(key: string, field: string, value: string): Promise<unknown>;
  hGet(key: string, field: string): Promise<unknown>;
  hExists(key: string, field: string): Promise<unknown>;
  eval(script: string, options: { keys: string[]; arguments: string[] }): Promise<unknown>;
  /** Used by the admission script when present (plain `eval` otherwise). */
  evalSha?(sha1: string, options: { keys: string[]; arguments: string[] }): Promise<unknown>;
  /** `@redis/client`'s view of the same connection with other command options; used when present. */
  withCommandOptions?(options: { timeout: number }): unknown;
}

/** Options shared by every Redis store. */
export interface RedisStoreOptions {
  /** A connected `@redis/client` client or cluster. The store never connects or closes it. */
  readonly client: RedisStoreClient;
  /** Prefix of every key this store writes; each store has its own `trusthandoff:<kind>:` default. */
  readonly keyPrefix?: string;
  /**
   * Longest a command may take before the store gives up with {@link StoreUnavailableError}
   * (default {@link DEFAULT_COMMAND_TIMEOUT_MS}). The command may still run on the server later.
   */
  readonly commandTimeoutMs?: number;
  /**
   * Replicas that must acknowledge each write that decides something (a new replay record, a
   * revocation, a registration) before the store reports it done: after the write the store sends
   * `WAIT <replicaAcks> <replicaAckTimeoutMs>` to the node that took it, and fewer acknowledgements
   * throw {@link StoreUnavailableError} (a gate then REJECTs). Default 0: no `WAIT`, asynchronous
   * replication, and a failover can lose acknowledged writes (measured in docs/redis-cluster.md).
   */
  readonly replicaAcks?: number;
  /** How long `WAIT` may wait for the acknowledgements (default {@link DEFAULT_REPLICA_ACK_TIMEOUT_MS}). */
  readonly replicaAckTimeoutMs?: number;
  /**
   * A circuit breaker on the same client: after consecutive timeouts the store's commands fail at
   * once instead of each waiting `commandTimeoutMs` (see docs/redis-operations.md). Share one breaker
   * between the stores of a client so that they trip together (`createRedisStores` does).
   */
  readonly breaker?: RedisCircuitBreaker;
  /**
   * The store-state epoch guard on the same client: while it is not trusted (the marker is missing
   * or changed: Redis lost its state), calls that answer a decision throw `StoreStateLostError`.
   */
  readonly storeState?: RedisStoreState;
}

/** How a command relates to the store-state epoch. */
export interface RunOptions {
  /**
   * True for a write that only adds state or restrictions (`revoke`, `register`): it is sent even
   * while the store's state is not trusted, so that an operator can restore it before re-arming.
   */
  readonly whileUntrusted?: boolean;
}

/** {@link RunOptions} of writes that only add state or restrictions. */
export const WHILE_UNTRUSTED: RunOptions = Object.freeze({ whileUntrusted: true });

/**
 * 500 ms: a healthy Redis answers in well under a millisecond on a LAN, so half a second only trips
 * on a real outage or stall, and a gate waiting on it still answers (REJECT) quickly.
 */
export const DEFAULT_COMMAND_TIMEOUT_MS = 500;

/**
 * 100 ms: a replica on the same LAN acknowledges in about a millisecond, so this only trips when the
 * replica is missing or far behind, and the decision still answers (REJECT) quickly.
 */
export const DEFAULT_REPLICA_ACK_TIMEOUT_MS = 100;

const MAX_COMMAND_TIMEOUT_MS = 60_000;
const MAX_REPLICA_ACKS = 16;
const MAX_KEY_PREFIX_LENGTH = 256;

/** A validated client, prefix and timeout, and the fail-closed way to run a command. */
export class RedisCommandRunner {
  /** The client as given: what stores compare to know they share a connection. */
  readonly client: RedisStoreClient;
  /**
   * The same connection without the client's own per-command timer. `@redis/client` 6 arms an
   * `AbortSignal.timeout` (5 s by default) for every command; the runner bounds every command itself
   * (`commandTimeoutMs`), so that second timer only cost CPU: without it a Redis-backed gate went from
   * 12.1k to 14.2k decisions per second at c=64 (`npm run bench`, 2 cores).
   */
  readonly #commands: RedisStoreClient;
  readonly keyPrefix: string;
  readonly timeoutMs: number;
  /** Replicas each deciding write waits for (0: none). */
  readonly replicaAcks: number;
  readonly replicaAckTimeoutMs: number;
  /** True for a cluster client: the admission store then checks global revocation ids apart. */
  readonly isCluster: boolean;
  readonly breaker: RedisCircuitBreaker | undefined;
  readonly storeState: RedisStoreState | undefined;

  constructor(options: RedisStoreOptions, defaultPrefix: string, storeName: string) {
    if (options === null || typeof options !== 'object') {
      throw new ConfigurationError(`${storeName} needs options with a connected Redis client`);
    }
    const client = options.client as Partial<RedisStoreClient> | null | undefined;
    if (
      client === null ||
      typeof client !== 'object' ||
      typeof client.set !== 'function' ||
      typeof client.exists !== 'function' ||
      typeof client.eval !== 'function' ||
      typeof client.hSet !== 'function' ||
      typeof client.hGet !== 'function' ||
      typeof client.hExists !== 'function' ||
      !('isReady' in client)
    ) {
      throw new ConfigurationError(`${storeName}: client must be an @redis/client client or cluster`);
    }
    const keyPrefix = options.keyPrefix ?? defaultPrefix;
    if (typeof keyPrefix !== 'string' || keyPrefix.length > MAX_KEY_PREFIX_LENGTH) {
      throw new ConfigurationError(
        `${storeName}: keyPrefix must be a string of at most ${MAX_KEY_PREFIX_LENGTH} characters`,
      );
    }
    // A brace in the prefix would make its own hash tag and put every key of the store in one slot
    // (or split a sender's keys over several): the stores place keys in slots themselves.
    if (hasHashTagCharacters(keyPrefix)) {
      throw new ConfigurationError(`${storeName}: keyPrefix must not contain '{' or '}'`);
    }
    const timeoutMs = options.commandTimeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS;
    if (!Number.isInteger(timeoutMs) || timeoutMs < 1 || timeoutMs > MAX_COMMAND_TIMEOUT_MS) {
      throw new ConfigurationError(
        `${storeName}: commandTimeoutMs must be an integer in [1, ${MAX_COMMAND_TIMEOUT_MS}]`,
      );
    }
    const replicaAcks = options.replicaAcks ?? 0;
    if (!Number.isInteger(replicaAcks) || replicaAcks < 0 || replicaAcks > MAX_REPLICA_ACKS) {
      throw new ConfigurationError(
        `${storeName}: replicaAcks must be an integer in [0, ${MAX_REPLICA_ACKS}]`,
      );
    }
    const ackTimeoutMs = options.replicaAckTimeoutMs ?? DEFAULT_REPLICA_ACK_TIMEOUT_MS;
    // WAIT's timeout 0 means "forever": never send it.
    if (!Number.isInteger(ackTimeoutMs) || ackTimeoutMs < 1 || ackTimeoutMs > MAX_COMMAND_TIMEOUT_MS) {
      throw new ConfigurationError(
        `${storeName}: replicaAckTimeoutMs must be an integer in [1, ${MAX_COMMAND_TIMEOUT_MS}]`,
      );
    }
    const { breaker, storeState } = options;
    if (breaker !== undefined && (!(breaker instanceof RedisCircuitBreaker) || breaker.client !== client)) {
      throw new ConfigurationError(`${storeName}: breaker must be a RedisCircuitBreaker on the same client`);
    }
    if (
      storeState !== undefined &&
      (!(storeState instanceof RedisStoreState) || storeState.client !== client)
    ) {
      throw new ConfigurationError(`${storeName}: storeState must be a RedisStoreState on the same client`);
    }
    this.breaker = breaker;
    this.storeState = storeState;
    this.client = client as RedisStoreClient;
    this.#commands = withoutClientTimeout(this.client);
    this.keyPrefix = keyPrefix;
    this.timeoutMs = timeoutMs;
    this.replicaAcks = replicaAcks;
    this.replicaAckTimeoutMs = ackTimeoutMs;
    this.isCluster = isClusterClient(this.client);
  }

  /**
   * Run a write of `fullKey`; when `replicaAcks` > 0 and `wrote(reply)` says the write changed
   * something, wait for the replicas before answering (see {@link confirmWrite}).
   */
  async runWrite<T>(
    fullKey: string,
    command: (client: RedisStoreClient) => Promise<T>,
    wrote: (reply: T) => boolean,
    options?: RunOptions,
  ): Promise<T> {
    if (this.replicaAcks === 0) return this.run(command, options);
    const target = await this.writeTarget(fullKey);
    const reply = await this.run(command, options);
    if (wrote(reply)) await this.confirmWrite(fullKey, target);
    return reply;
  }

  /**
   * The connection that will take a write of `fullKey`: the client itself, or on a cluster the
   * master node's client (asked before the write, so that {@link confirmWrite} can tell whether the
   * slot moved while the write was in flight). Undefined when no replica acks are required.
   */
  async writeTarget(fullKey: string): Promise<WaitTarget | undefined> {
    if (this.replicaAcks === 0) return undefined;
    if (!this.isCluster) return this.#commands as unknown as WaitTarget;
    return this.run(() => nodeClientFor(this.client, fullKey));
  }

  /**
   * `WAIT <replicaAcks> <replicaAckTimeoutMs>` on the connection that took the write (every earlier
   * write of that connection, ours included, must be acknowledged). Throws
   * {@link StoreUnavailableError} when fewer replicas acknowledged, or when the key's slot is now
   * served by another node than the one asked before the write (a failover or resharding in flight:
   * we cannot tell which node took the write, so it counts as unconfirmed).
   */
  async confirmWrite(fullKey: string, target: WaitTarget | undefined): Promise<void> {
    if (target === undefined) return;
    if (this.isCluster) {
      const now = await this.run(() => nodeClientFor(this.client, fullKey));
      if (now !== target) throw new StoreUnavailableError('redis slot moved while a write was in flight');
    }
    const args = ['WAIT', String(this.replicaAcks), String(this.replicaAckTimeoutMs)];
    const acks = await this.run(() => target.sendCommand(args));
    if (typeof acks !== 'number') throw unexpectedReply('WAIT');
    if (acks < this.replicaAcks) {
      throw new StoreUnavailableError(`redis write acknowledged by ${acks} of ${this.replicaAcks} replicas`);
    }
  }

  /**
   * Run one command, failing closed. A client that is not ready fails at once instead of queueing
   * (an offline queue would hold requests, and memory, for as long as Redis is away). A command that
   * does not settle within the timeout fails even though the client keeps waiting for its reply:
   * `@redis/client`'s own `timeout` option stops applying once a command is written to the socket,
   * so a stalled server would otherwise hang the caller.
   *
   * With a store-state guard, a call refuses while the state is not trusted (unless `whileUntrusted`);
   * with a breaker, a call fails at once while the circuit is open, and a timeout counts toward
   * opening it.
   */
  run<T>(command: (client: RedisStoreClient) => Promise<T>, options?: RunOptions): Promise<T> {
    if (!this.client.isReady) {
      return Promise.reject(new StoreUnavailableError('redis connection is not ready'));
    }
    const state = this.storeState;
    if (state !== undefined && options?.whileUntrusted !== true) {
      const refused = state.refusal();
      if (refused !== undefined) return Promise.reject(refused);
    }
    const breaker = this.breaker;
    if (breaker !== undefined) {
      const refused = breaker.refusal();
      if (refused !== undefined) return Promise.reject(refused);
    }
    const failed = (error: unknown): Error =>
      new StoreUnavailableError('redis command failed', { cause: error });
    const send =
      breaker === undefined
        ? () => command(this.#commands)
        : () =>
            command(this.#commands).then((reply) => {
              breaker.answered();
              return reply;
            });
    // The socket keeps the process alive while a command is in flight; the deadline need not.
    // A synchronous throw keeps its raw error here, so it is wrapped once, like a rejection.
    return withDeadline(
      attempt(send, (error) => (error instanceof Error ? error : new Error(String(error)))),
      this.timeoutMs,
      () => {
        breaker?.timedOut();
        return new StoreUnavailableError(`redis command timed out after ${this.timeoutMs} ms`);
      },
      failed,
    );
  }
}

/** A connection that can run a raw command: where `WAIT` is sent. */
export interface WaitTarget {
  sendCommand(args: string[]): Promise<unknown>;
}

/** A cluster client (`createCluster`) rather than a single-node one. */
export function isClusterClient(client: RedisStoreClient): boolean {
  return 'masters' in client || 'slots' in client;
}

/** The master node client that serves `key`'s slot (`@redis/client` ≥ 5.9 `getNodeClientForKey`). */
function nodeClientFor(client: RedisStoreClient, key: string): Promise<WaitTarget> {
  const lookup = (client as { getNodeClientForKey?: unknown }).getNodeClientForKey;
  if (typeof lookup !== 'function') {
    return Promise.reject(new StoreUnavailableError('cluster client cannot name the node of a key'));
  }
  return (lookup as (key: string, isReadonly?: boolean) => Promise<WaitTarget>).call(client, key, false);
}

/** `client` with its per-command timeout turned off (0 disables it), or `client` itself if it has none. */
function withoutClientTimeout(client: RedisStoreClient): RedisStoreClient {
  if (typeof client.withCommandOptions !== 'function') return client;
  const view = client.withCommandOptions({ timeout: 0 }) as Partial<RedisStoreClient> | null;
  // A client whose view lacks the commands (an unexpected version) is used as it is.
  return view !== null &&
    typeof view === 'object' &&
    typeof view.set === 'function' &&
    typeof view.eval === 'function'
    ? (view as RedisStoreClient)
    : client;
}

/** A reply that does not have the shape a command promises means the backend cannot be trusted. */
export function unexpectedReply(command: string): StoreUnavailableError {
  return new StoreUnavailableError(`unexpected redis reply to ${command}`);
}

/** EXISTS / HEXISTS reply (a number, or a boolean under some type mappings) as a boolean. */
export function existsReply(reply: unknown, command: string): boolean {
  if (reply === 1 || reply === true) return true;
  if (reply === 0 || reply === false) return false;
  throw unexpectedReply(command);
}

/** The runner of a Redis store built by this module, or undefined for any other store. */
export function runnerOf(store: object): RedisCommandRunner | undefined {
  const runner = (store as { readonly redisRunner?: unknown }).redisRunner;
  return runner instanceof RedisCommandRunner ? runner : undefined;
}
