/**
 * Fail closed on amnesia: notice when the shared Redis lost the state decisions rely on, and refuse
 * until someone says the state is trusted again.
 *
 * A Redis that restarts without persistence, is flushed, or fails over to an empty replica comes back
 * answering normally, but empty: every replay record, revocation and registration is gone, and a gate
 * would accept again every packet it already accepted, and every packet that was revoked. Nothing in
 * the data says so — an absent key reads as "never seen", "not revoked".
 *
 * The epoch marker makes the loss visible. `trustStoreState()` writes a random epoch id to one marker
 * key (`trusthandoff:{epoch}` by default); every {@link RedisStoreState} remembers the epoch it
 * trusts. The marker lives and dies with the data around it: a restart without persistence, FLUSHALL
 * or FLUSHDB, or an empty replica lose it too. The marker is checked
 * - atomically inside the one-round-trip admission script on a single Redis (one extra GET in the
 *   same script: a flush is noticed by the very next decision);
 * - when the client reconnects (`reconnecting`/`end` mark the state unverified until the marker was
 *   read again on the new connection: a restart is noticed before any command runs on it);
 * - every `checkIntervalMs` and on demand (`check()`).
 * A missing marker or another epoch than the trusted one makes the state `lost`: every store call that
 * answers a decision (replay check, revocation and registry reads, admission, overlap window, lock)
 * throws {@link StoreStateLostError} and a gate REJECTs with `store_state_lost`. Writes that only add
 * restrictions or state (`revoke`, `register`, the registry's `revoke`) keep working, so an operator
 * can restore revocations and registrations before re-arming.
 *
 * Re-arming: `trustStoreState()` (the operator's "the content is complete again") writes a new epoch
 * and trusts it; every other instance that saw the loss adopts a marker written after it noticed
 * (`by: 'fleet'`), so one call re-arms the fleet. A configured policy can do the same
 * (`autoTrustAfterMs`, see docs/redis-operations.md for when that is safe).
 */
import { randomUUID } from 'node:crypto';
import { ConfigurationError, StoreStateLostError, StoreUnavailableError } from '../../errors.js';
import type { EventCatalogue, EventPort } from '../../events/types.js';
import { attempt, withDeadline } from '../../lib/deadline.js';
import type { RedisStoreClient } from './client.js';
import { SLOTS, slotMarkerKey, slotOf } from './slots.js';

/** `unverified`: not checked yet (or reconnected); `trusted`: the marker holds our epoch; `lost`. */
export type StoreStateStatus = 'unverified' | 'trusted' | 'lost';

/** What `start()` does when Redis does not persist (AOF off, or unknown). */
export type PersistencePolicy = 'warn' | 'require' | 'ignore';

export interface RedisStoreStateOptions {
  /** The client the stores use (they check they were given the same one). */
  readonly client: RedisStoreClient;
  /** The marker key (default {@link DEFAULT_EPOCH_MARKER_KEY}); one per deployment sharing a Redis. */
  readonly markerKey?: string;
  /** Deadline of each marker read or write, ms (default 500). */
  readonly commandTimeoutMs?: number;
  /** Read the marker this often, ms (default 1000; 0: only at start, on reconnect and on demand). */
  readonly checkIntervalMs?: number;
  /**
   * At `start()`: `warn` (default) emits `store_persistence_warning` when AOF is off or cannot be
   * checked; `require` throws {@link ConfigurationError} instead; `ignore` does not ask.
   */
  readonly persistence?: PersistencePolicy;
  /**
   * Policy re-arm: once the state has been lost for this long (ms), trust it again by itself (a new
   * epoch, `by: 'policy'`). Off by default: only `trustStoreState()` re-arms.
   */
  readonly autoTrustAfterMs?: number;
  /** `store_state_lost`, `store_state_trusted`, `store_persistence_warning` go here. */
  readonly events?: EventPort;
  /** Clock in milliseconds (default `Date.now`); for tests. */
  readonly now?: () => number;
}

/** What `INFO persistence`, `INFO memory` and `CONFIG GET appendfsync` said (null: not read). */
export interface PersistenceReport {
  readonly aofEnabled: boolean | null;
  /** Only read when AOF is on. */
  readonly appendfsync: string | null;
  /** Anything but `noeviction` lets Redis drop replay records (they have a TTL) under memory pressure. */
  readonly maxmemoryPolicy: string | null;
}

const UNKNOWN: PersistenceReport = Object.freeze({
  aofEnabled: null,
  appendfsync: null,
  maxmemoryPolicy: null,
});

type PersistenceProblem = EventCatalogue['store_persistence_warning']['detail'];

const PROBLEMS: Readonly<Record<PersistenceProblem, string>> = Object.freeze({
  unknown: 'Redis persistence could not be checked (INFO refused)',
  aof_disabled: 'Redis runs without AOF persistence (appendonly no)',
  eviction: 'Redis may evict keys under memory pressure (maxmemory-policy is not noeviction)',
  appendfsync_no: 'Redis AOF is written without fsync (appendfsync no)',
});

function persistenceProblem(report: PersistenceReport): PersistenceProblem | undefined {
  if (report.aofEnabled === null || report.maxmemoryPolicy === null) return 'unknown';
  if (!report.aofEnabled) return 'aof_disabled';
  if (report.maxmemoryPolicy !== 'noeviction') return 'eviction';
  if (report.appendfsync === 'no') return 'appendfsync_no';
  return undefined;
}

/** `trusthandoff:{epoch}`: the braces make it a hash tag of its own on Redis Cluster. */
export const DEFAULT_EPOCH_MARKER_KEY = 'trusthandoff:{epoch}';

const DEFAULT_TIMEOUT_MS = 500;
const DEFAULT_CHECK_INTERVAL_MS = 1_000;
// While not trusted, refused calls trigger a marker read at most this often.
const MIN_CHECK_GAP_MS = 100;
const GET_SCRIPT = "return redis.call('GET', KEYS[1])";

interface EmitterLike {
  on(event: string, listener: () => void): unknown;
  off?(event: string, listener: () => void): unknown;
}

export class RedisStoreState {
  readonly client: RedisStoreClient;
  readonly markerKey: string;
  readonly commandTimeoutMs: number;
  readonly checkIntervalMs: number;
  /** A cluster client: one marker per slot (`<markerKey without braces>:{<slot tag>}`). */
  readonly isCluster: boolean;
  readonly #markerBase: string;
  readonly #persistencePolicy: PersistencePolicy;
  readonly #autoTrustAfterMs: number | undefined;
  readonly #events: EventPort | undefined;
  readonly #now: () => number;
  #status: StoreStateStatus = 'unverified';
  /** The epoch trusted now, or the last one trusted (while unverified or lost). */
  #epoch: string | undefined;
  /** The marker's value when the loss was noticed: a marker other than this was written after it. */
  #lostFound: string | null = null;
  #lostAt = 0;
  #lastCheckAt = Number.NEGATIVE_INFINITY;
  /** Counts reconnects: a marker read from before the last one says nothing about the new server. */
  #generation = 0;
  #checking: Promise<StoreStateStatus> | undefined;
  #timer: NodeJS.Timeout | undefined;
  #detach: (() => void) | undefined;
  #persistence: PersistenceReport | undefined;

  constructor(options: RedisStoreStateOptions) {
    if (
      options === null ||
      typeof options !== 'object' ||
      options.client === null ||
      typeof options.client !== 'object'
    ) {
      throw new ConfigurationError('RedisStoreState needs options with a Redis client');
    }
    const markerKey = options.markerKey ?? DEFAULT_EPOCH_MARKER_KEY;
    if (typeof markerKey !== 'string' || markerKey.length === 0 || markerKey.length > 512) {
      throw new ConfigurationError(
        'RedisStoreState: markerKey must be a non-empty string of at most 512 characters',
      );
    }
    const timeout = options.commandTimeoutMs ?? DEFAULT_TIMEOUT_MS;
    if (!Number.isInteger(timeout) || timeout < 1 || timeout > 60_000) {
      throw new ConfigurationError('RedisStoreState: commandTimeoutMs must be an integer in [1, 60000]');
    }
    const interval = options.checkIntervalMs ?? DEFAULT_CHECK_INTERVAL_MS;
    if (!Number.isInteger(interval) || interval < 0 || interval > 3_600_000) {
      throw new ConfigurationError('RedisStoreState: checkIntervalMs must be an integer in [0, 3600000]');
    }
    const persistence = options.persistence ?? 'warn';
    if (persistence !== 'warn' && persistence !== 'require' && persistence !== 'ignore') {
      throw new ConfigurationError("RedisStoreState: persistence must be 'warn', 'require' or 'ignore'");
    }
    const autoTrust = options.autoTrustAfterMs;
    if (autoTrust !== undefined && (!Number.isInteger(autoTrust) || autoTrust < 0)) {
      throw new ConfigurationError('RedisStoreState: autoTrustAfterMs must be a non-negative integer');
    }
    this.client = options.client;
    this.markerKey = markerKey;
    this.isCluster = 'masters' in options.client || 'slots' in options.client;
    this.#markerBase = markerKey.replace(/[{}]/g, '');
    this.commandTimeoutMs = timeout;
    this.checkIntervalMs = interval;
    this.#persistencePolicy = persistence;
    this.#autoTrustAfterMs = autoTrust;
    this.#events = options.events;
    this.#now = options.now ?? Date.now;
  }

  get status(): StoreStateStatus {
    return this.#status;
  }

  /**
   * The marker that lives with `key`: the one marker on a single Redis; on a cluster the marker of
   * `key`'s slot, so a script can read it atomically with `key`.
   */
  markerKeyFor(key: string): string {
    return this.isCluster ? slotMarkerKey(this.#markerBase, slotOf(key)) : this.markerKey;
  }

  /** The epoch id this instance trusts, while trusted. */
  get epoch(): string | undefined {
    return this.#status === 'trusted' ? this.#epoch : undefined;
  }

  /** What the persistence check at `start()` found (undefined before, or with `persistence: 'ignore'`). */
  get persistence(): PersistenceReport | undefined {
    return this.#persistence;
  }

  /**
   * Check persistence (per the `persistence` policy), follow the client's reconnects, start the
   * periodic check, and read the marker. Resolves with the status: `trusted` when the marker is there
   * (its epoch is adopted: the first trust of a process comes from the store), `lost` when it is
   * missing — a new deployment too, until `trustStoreState()` initialises it.
   */
  async start(): Promise<StoreStateStatus> {
    if (this.#persistencePolicy !== 'ignore') {
      const report = await this.checkPersistence();
      this.#persistence = report;
      const detail = persistenceProblem(report);
      if (detail !== undefined && this.#persistencePolicy === 'require' && detail !== 'appendfsync_no') {
        throw new ConfigurationError(`RedisStoreState: ${PROBLEMS[detail]}`);
      }
      if (detail !== undefined) {
        this.#emit('store_persistence_warning', {
          store: 'redis',
          aof_enabled: report.aofEnabled,
          appendfsync: report.appendfsync,
          maxmemory_policy: report.maxmemoryPolicy,
          detail,
        });
      }
    }
    this.#follow();
    if (this.checkIntervalMs > 0 && this.#timer === undefined) {
      this.#timer = setInterval(() => {
        void this.check();
      }, this.checkIntervalMs);
      this.#timer.unref();
    }
    return this.check();
  }

  /** Read the marker now (concurrent calls share one read) and update the status. */
  check(): Promise<StoreStateStatus> {
    if (this.#checking !== undefined) return this.#checking;
    this.#lastCheckAt = this.#now();
    const generation = this.#generation;
    const checking = this.#readMarker().then(
      (found) => {
        // A reconnect while the read was in flight: the answer may come from the old server.
        if (generation !== this.#generation) return this.#status;
        return this.#evaluate(found);
      },
      // Redis did not answer: nothing learned (the stores fail closed on their own meanwhile).
      () => this.#status,
    );
    this.#checking = checking;
    void checking.finally(() => {
      this.#checking = undefined;
    });
    return checking;
  }

  /**
   * The operator's re-arm: "the store's content is complete" (restored from a backup, or rebuilt).
   * Writes a new epoch id to the marker and trusts it; other instances that saw the loss adopt it.
   * Also how a new deployment is initialised. Resolves with the new epoch id.
   */
  trustStoreState(): Promise<string> {
    return this.#writeEpoch('operator');
  }

  /**
   * Undefined when a decision may use the store; otherwise the error to refuse it with:
   * {@link StoreStateLostError} when the state was lost, {@link StoreUnavailableError} while it is
   * not verified yet. Triggers a marker read (at most every 100 ms) while not trusted.
   */
  refusal(): Error | undefined {
    const status = this.#status;
    if (status === 'trusted') return undefined;
    if (this.#checking === undefined && this.#now() - this.#lastCheckAt >= MIN_CHECK_GAP_MS)
      void this.check();
    return status === 'lost'
      ? new StoreStateLostError('redis store state lost: epoch marker missing or changed')
      : new StoreUnavailableError('redis store state not verified yet');
  }

  /**
   * The admission script found the marker not holding `expected` (null when missing): the state is
   * lost, unless the epoch changed meanwhile through this object.
   */
  sawMarker(expected: string, found: string | null): void {
    if (this.#status !== 'trusted' || this.#epoch !== expected) return;
    this.#lose(found);
  }

  /** Stop the periodic check and stop following the client's reconnects. */
  close(): void {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
    this.#detach?.();
    this.#detach = undefined;
  }

  /**
   * `aof_enabled` (`INFO persistence`), `maxmemory_policy` (`INFO memory`) and `appendfsync`
   * (`CONFIG GET`; managed Redis often refuses CONFIG: null then). On a cluster client every master
   * is asked and the weakest answer is reported.
   */
  async checkPersistence(): Promise<PersistenceReport> {
    if (!this.isCluster) return this.#nodePersistence(this.client);
    const masters = (this.client as { masters?: unknown }).masters;
    const nodeClient = (this.client as { nodeClient?: unknown }).nodeClient;
    if (!Array.isArray(masters) || masters.length === 0 || typeof nodeClient !== 'function') return UNKNOWN;
    const reports = await Promise.all(
      masters.map(async (master: unknown) => {
        try {
          const node = await this.#bounded(() =>
            (nodeClient as (node: unknown) => Promise<unknown>).call(this.client, master),
          );
          return await this.#nodePersistence(node);
        } catch {
          return UNKNOWN;
        }
      }),
    );
    const weakest = <T>(values: (T | null)[], order: readonly T[]): T | null =>
      values.includes(null) ? null : (order.find((v) => values.includes(v)) ?? values[0] ?? null);
    return {
      aofEnabled: weakest(
        reports.map((r) => r.aofEnabled),
        [false, true],
      ),
      appendfsync: weakest(
        reports.map((r) => r.appendfsync),
        ['no', 'everysec', 'always'],
      ),
      maxmemoryPolicy:
        reports.find((r) => r.maxmemoryPolicy !== 'noeviction')?.maxmemoryPolicy ?? 'noeviction',
    };
  }

  async #nodePersistence(node: unknown): Promise<PersistenceReport> {
    const send = (node as { sendCommand?: unknown } | null)?.sendCommand;
    if (typeof send !== 'function') return UNKNOWN;
    const command = (args: string[]): Promise<unknown> =>
      this.#bounded(() => (send as (args: string[]) => Promise<unknown>).call(node, args));
    const info = async (section: string, field: string): Promise<string | null> => {
      try {
        const text = String(await command(['INFO', section]));
        return new RegExp(`^${field}:(.*)$`, 'm').exec(text)?.[1]?.trim() ?? null;
      } catch {
        return null;
      }
    };
    const aof = await info('persistence', 'aof_enabled');
    const aofEnabled = aof === null ? null : aof === '1';
    const maxmemoryPolicy = await info('memory', 'maxmemory_policy');
    let appendfsync: string | null = null;
    if (aofEnabled === true) {
      try {
        const reply = await command(['CONFIG', 'GET', 'appendfsync']);
        const value = Array.isArray(reply)
          ? (reply as unknown[])[1]
          : reply !== null && typeof reply === 'object'
            ? (reply as Record<string, unknown>)['appendfsync']
            : undefined;
        if (typeof value === 'string' || value instanceof Uint8Array) appendfsync = String(value);
      } catch {
        appendfsync = null;
      }
    }
    return { aofEnabled, appendfsync, maxmemoryPolicy };
  }

  #evaluate(found: string | null): StoreStateStatus {
    const status = this.#status;
    if (status === 'lost') {
      if (found !== null && found !== this.#lostFound) this.#trust(found, 'fleet');
      else if (this.#autoTrustAfterMs !== undefined && this.#now() - this.#lostAt >= this.#autoTrustAfterMs) {
        void this.#writeEpoch('policy').catch(() => undefined);
      }
      return this.#status;
    }
    if (this.#epoch === undefined) {
      if (found === null) this.#lose(null);
      else this.#trust(found, 'startup');
    } else if (found === this.#epoch) {
      this.#status = 'trusted';
    } else {
      this.#lose(found);
    }
    return this.#status;
  }

  #lose(found: string | null): void {
    const expected = this.#epoch ?? null;
    this.#status = 'lost';
    this.#lostFound = found;
    this.#lostAt = this.#now();
    this.#emit('store_state_lost', {
      store: 'redis',
      marker_key: this.markerKey,
      detail: found === null ? 'marker_missing' : 'marker_changed',
      expected_epoch: expected,
      found_epoch: found,
    });
  }

  #trust(epoch: string, by: EventCatalogue['store_state_trusted']['by']): void {
    this.#epoch = epoch;
    this.#status = 'trusted';
    this.#emit('store_state_trusted', { store: 'redis', marker_key: this.markerKey, epoch, by });
  }

  async #writeEpoch(by: 'operator' | 'policy'): Promise<string> {
    const epoch = randomUUID();
    const keys = this.isCluster
      ? Array.from({ length: SLOTS }, (_, slot) => slotMarkerKey(this.#markerBase, slot))
      : [this.markerKey];
    // On a cluster: every slot's marker, 1,024 writes in flight at a time.
    for (let i = 0; i < keys.length; i += 1024) {
      const replies = await Promise.all(
        keys.slice(i, i + 1024).map((key) => this.#bounded(() => this.client.set(key, epoch))),
      );
      if (replies.some((reply) => reply !== 'OK')) {
        throw new StoreUnavailableError('unexpected redis reply to SET (epoch marker)');
      }
    }
    this.#trust(epoch, by);
    return epoch;
  }

  /**
   * The marker's value (null: missing). On a cluster, the marker of one slot of every master: null
   * when any is missing, else a value other than the trusted epoch when any differs.
   */
  async #readMarker(): Promise<string | null> {
    if (!this.isCluster) return this.#get(this.markerKey);
    const slots = this.#masterSlots();
    if (slots.length === 0) throw new StoreUnavailableError('redis cluster topology unknown');
    const values = await Promise.all(slots.map((slot) => this.#get(slotMarkerKey(this.#markerBase, slot))));
    if (values.includes(null)) return null;
    return values.find((value) => value !== this.#epoch) ?? values[0]!;
  }

  async #get(key: string): Promise<string | null> {
    const reply = await this.#bounded(() => this.client.eval(GET_SCRIPT, { keys: [key], arguments: [] }));
    if (reply === null || reply === undefined) return null;
    if (typeof reply !== 'string')
      throw new StoreUnavailableError('unexpected redis reply to GET (epoch marker)');
    return reply;
  }

  /** One slot served by each master of the cluster client's current topology. */
  #masterSlots(): number[] {
    const shards = (this.client as { slots?: unknown }).slots;
    if (!Array.isArray(shards)) return [];
    const seen = new Set<unknown>();
    const slots: number[] = [];
    for (let slot = 0; slot < shards.length; slot++) {
      const master = (shards[slot] as { master?: unknown } | undefined)?.master;
      if (master === undefined || seen.has(master)) continue;
      seen.add(master);
      slots.push(slot);
    }
    return slots;
  }

  #bounded<T>(command: () => Promise<T>): Promise<T> {
    if (!this.client.isReady)
      return Promise.reject(new StoreUnavailableError('redis connection is not ready'));
    const failed = (error: unknown): Error =>
      new StoreUnavailableError('redis command failed', { cause: error });
    return withDeadline(
      attempt(command, failed),
      this.commandTimeoutMs,
      () => new StoreUnavailableError(`redis command timed out after ${this.commandTimeoutMs} ms`),
      failed,
    );
  }

  /** A reconnect means a possibly different server: unverified until the marker was read again. */
  #follow(): void {
    if (this.#detach !== undefined) return;
    const emitter = this.client as unknown as Partial<EmitterLike>;
    if (typeof emitter.on !== 'function') return;
    const unverify = (): void => {
      this.#generation++;
      if (this.#status === 'trusted') this.#status = 'unverified';
    };
    const ready = (): void => {
      void this.check();
    };
    // A single client's events, and a cluster client's per-node ones.
    const lost = ['reconnecting', 'end', 'node-reconnecting', 'node-disconnect'];
    const back = ['ready', 'node-ready'];
    for (const event of lost) emitter.on.call(this.client, event, unverify);
    for (const event of back) emitter.on.call(this.client, event, ready);
    this.#detach = () => {
      if (typeof emitter.off !== 'function') return;
      for (const event of lost) emitter.off.call(this.client, event, unverify);
      for (const event of back) emitter.off.call(this.client, event, ready);
    };
  }

  #emit<T extends 'store_state_lost' | 'store_state_trusted' | 'store_persistence_warning'>(
    type: T,
    fields: EventCatalogue[T],
  ): void {
    try {
      this.#events?.emit(type, fields);
    } catch {
      // Events are observability; a failing port never changes the status.
    }
  }
}
