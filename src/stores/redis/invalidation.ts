/**
 * Revocations pushed between verifiers on Redis (docs/invalidation.md).
 *
 * Write side ({@link RedisInvalidationLog}, used by `RedisRevocationStore.revoke` and
 * `RedisAgentRegistry.revoke` after their durable write): one script appends the revocation to a
 * stream, the revocation log (`XADD … MAXLEN ~ n`), and publishes `<entry id> <kind> <id>` on a
 * channel, atomically, so every published notice carries its position in the log.
 *
 * Read side ({@link RedisInvalidationFeed}): a dedicated subscriber connection receives the notices;
 * the feed remembers the last log position it knows it has seen in order. When the subscriber
 * connection comes back after a disconnect (or a cluster node it uses does), the feed first proves the
 * subscription is live again (it publishes a marker of its own and waits to hear it), then reads the
 * log from the remembered position and delivers what it missed. A log trimmed past that position is
 * reported as a `resync` notice: listeners check their state against the stores. A periodic read of
 * the log (`resyncIntervalMs`) is the safety net for a loss no connection event announced.
 *
 * On Redis Cluster the log and the channel share one hash tag (`<prefix>{feed}`): the script runs on
 * the one node serving that slot, and the notice goes out with sharded pub/sub (`SPUBLISH`, Redis ≥ 7),
 * which reaches only that shard's nodes instead of being broadcast over the whole cluster bus like a
 * classic `PUBLISH`. A single Redis uses classic `PUBLISH` by default (`sharded` overrides both).
 */
import { randomUUID } from 'node:crypto';
import { ConfigurationError, StoreUnavailableError } from '../../errors.js';
import { checkEventPort } from '../../events/check.js';
import type { EventPort } from '../../events/types.js';
import { InvalidationListeners } from '../invalidation.js';
import type { Invalidation, InvalidationFeed, InvalidationListener } from '../types.js';
import { WHILE_UNTRUSTED, RedisCommandRunner, unexpectedReply, type RedisStoreClient } from './client.js';

/** Default prefix of the revocation log and its channel (`<prefix>{feed}`). */
export const DEFAULT_INVALIDATION_KEY_PREFIX = 'trusthandoff:invalidation:';
/** Default bound of the revocation log: entries beyond it are trimmed (approximately) oldest first. */
export const DEFAULT_INVALIDATION_LOG_LENGTH = 10_000;
/** Default period of the safety-net read of the log, ms. */
export const DEFAULT_RESYNC_INTERVAL_MS = 10_000;

const MAX_LOG_LENGTH = 10_000_000;
const MARKER = '~sync ';
const MARKER_RETRY_MS = 250;
const READ_BATCH = 500;
const RECENT_IDS = 1024;

/** Where revocations are logged and announced, for the stores (write side). */
export interface RedisInvalidationOptions {
  /** Prefix of the log key and channel (default {@link DEFAULT_INVALIDATION_KEY_PREFIX}). */
  readonly keyPrefix?: string;
  /** `SPUBLISH` (sharded pub/sub) rather than `PUBLISH`. Default: true on a cluster client. */
  readonly sharded?: boolean;
  /** Approximate bound of the log (default {@link DEFAULT_INVALIDATION_LOG_LENGTH}). */
  readonly maxLength?: number;
}

/** The log key and channel (one string: keys and channels are separate namespaces) of `prefix`. */
export function invalidationKey(prefix: string): string {
  return `${prefix}{feed}`;
}

// XADD and the notice in one script: a published notice always names its log entry.
const APPEND_SCRIPT = `local id = redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[3], '*', 'k', ARGV[1], 'i', ARGV[2])
redis.call(ARGV[4], KEYS[1], id .. ' ' .. ARGV[1] .. ' ' .. ARGV[2])
return id`;

// The entries after ARGV[1] (exclusive); the log's first entry when entries were ever trimmed from
// it ('0-0' when none were: entries-added equals its length), and the last id it generated.
const READ_SCRIPT = `if redis.call('EXISTS', KEYS[1]) == 0 then return {'0-0', '0-0', {}} end
local info = redis.call('XINFO', 'STREAM', KEYS[1])
local first, last, added, length = '0-0', '0-0', 0, 0
for i = 1, #info, 2 do
  if info[i] == 'recorded-first-entry-id' then first = info[i + 1] end
  if info[i] == 'last-generated-id' then last = info[i + 1] end
  if info[i] == 'entries-added' then added = info[i + 1] end
  if info[i] == 'length' then length = info[i + 1] end
end
if added == length then first = '0-0' end
return {first, last, redis.call('XRANGE', KEYS[1], '(' .. ARGV[1], '+', 'COUNT', ARGV[2])}`;

const PUBLISH_SCRIPT = `return redis.call(ARGV[1], KEYS[1], ARGV[2])`;

function checkPrefix(prefix: unknown, owner: string): string {
  if (typeof prefix !== 'string' || prefix.length > 256 || prefix.includes('{') || prefix.includes('}')) {
    throw new ConfigurationError(`${owner}: invalidation keyPrefix must be a string without braces`);
  }
  return prefix;
}

/** The write side: appends a revocation to the log and announces it (see the module comment). */
export class RedisInvalidationLog {
  readonly #runner: RedisCommandRunner;
  readonly #key: string;
  readonly #publish: 'PUBLISH' | 'SPUBLISH';
  readonly #maxLength: string;

  constructor(runner: RedisCommandRunner, options: RedisInvalidationOptions, owner: string) {
    if (options === null || typeof options !== 'object') {
      throw new ConfigurationError(`${owner}: invalidation must be an object or false`);
    }
    this.#runner = runner;
    this.#key = invalidationKey(checkPrefix(options.keyPrefix ?? DEFAULT_INVALIDATION_KEY_PREFIX, owner));
    const sharded = options.sharded ?? runner.isCluster;
    if (typeof sharded !== 'boolean')
      throw new ConfigurationError(`${owner}: invalidation.sharded must be a boolean`);
    this.#publish = sharded ? 'SPUBLISH' : 'PUBLISH';
    const maxLength = options.maxLength ?? DEFAULT_INVALIDATION_LOG_LENGTH;
    if (!Number.isInteger(maxLength) || maxLength < 1 || maxLength > MAX_LOG_LENGTH) {
      throw new ConfigurationError(
        `${owner}: invalidation.maxLength must be an integer in [1, ${MAX_LOG_LENGTH}]`,
      );
    }
    this.#maxLength = String(maxLength);
  }

  /** Log and announce a revocation that is already durable. Throws {@link StoreUnavailableError}. */
  async append(kind: 'agent' | 'revocation', id: string): Promise<void> {
    // Revocations keep working while the store's state is untrusted (an operator restoring it),
    // and so does announcing them.
    const reply = await this.#runner.run(
      (client) =>
        client.eval(APPEND_SCRIPT, {
          keys: [this.#key],
          arguments: [kind, id, this.#maxLength, this.#publish],
        }),
      WHILE_UNTRUSTED,
    );
    if (typeof reply !== 'string') throw unexpectedReply('XADD');
  }
}

/** What the feed's subscriber hands its listener: text, or bytes when a client is in buffer mode. */
export type RedisPubSubListener = (message: string | Buffer, channel: string | Buffer) => void;

/** The subset of an `@redis/client` client (or cluster) the feed subscribes with. */
export interface RedisSubscriberClient {
  readonly isReady: boolean;
  subscribe(channel: string, listener: RedisPubSubListener): Promise<unknown>;
  unsubscribe(channel: string, listener?: RedisPubSubListener): Promise<unknown>;
  sSubscribe?(channel: string, listener: RedisPubSubListener): Promise<unknown>;
  sUnsubscribe?(channel: string, listener?: RedisPubSubListener): Promise<unknown>;
  on(event: string, listener: (...args: unknown[]) => void): unknown;
  off?(event: string, listener: (...args: unknown[]) => void): unknown;
}

export interface RedisInvalidationFeedOptions extends RedisInvalidationOptions {
  /** A connected client or cluster for reading the log and publishing markers (the stores' own is fine). */
  readonly client: RedisStoreClient;
  /**
   * A connected connection of its own (`client.duplicate()`), given over to pub/sub: a connection in
   * subscribe mode can run no other command. The feed never connects or closes it.
   */
  readonly subscriber: RedisSubscriberClient;
  /** Per-command deadline for log reads, ms (default 500). */
  readonly commandTimeoutMs?: number;
  /** Period of the safety-net read of the log, ms (default 10,000; 0 turns it off). */
  readonly resyncIntervalMs?: number;
  /** Where `invalidation_resync` goes. */
  readonly events?: EventPort;
}

interface LogPosition {
  readonly ms: bigint;
  readonly seq: bigint;
}

const ZERO: LogPosition = { ms: 0n, seq: 0n };

function parsePosition(id: string): LogPosition | undefined {
  const dash = id.indexOf('-');
  if (dash < 1) return undefined;
  const ms = id.slice(0, dash);
  const seq = id.slice(dash + 1);
  if (!/^\d{1,20}$/.test(ms) || !/^\d{1,20}$/.test(seq)) return undefined;
  return { ms: BigInt(ms), seq: BigInt(seq) };
}

function after(a: LogPosition, b: LogPosition): boolean {
  return a.ms > b.ms || (a.ms === b.ms && a.seq > b.seq);
}

function format(position: LogPosition): string {
  return `${position.ms}-${position.seq}`;
}

/**
 * An {@link InvalidationFeed} over Redis pub/sub with resync from the revocation log (see the module
 * comment). Call {@link start} once (it resolves when the subscription is live), {@link close} when
 * done. Listeners hear `agent` and `revocation` notices at least once, and `resync` when the log was
 * trimmed past what this feed had seen.
 */
export class RedisInvalidationFeed implements InvalidationFeed {
  readonly #runner: RedisCommandRunner;
  readonly #subscriber: RedisSubscriberClient;
  readonly #key: string;
  readonly #sharded: boolean;
  readonly #resyncIntervalMs: number;
  readonly #events: EventPort | undefined;
  readonly #listeners = new InvalidationListeners();
  readonly #recent = new Set<string>();
  readonly #onMessage: RedisPubSubListener = (message) => {
    this.#message(typeof message === 'string' ? message : message.toString('utf8'));
  };
  readonly #onDown = (): void => {
    this.#synced = false;
  };
  readonly #onUp = (): void => {
    this.#synced = false;
    this.#confirmThenResync();
  };
  #position: LogPosition = ZERO;
  #synced = false;
  #started = false;
  #closed = false;
  #marker: string | undefined;
  #markerTimer: NodeJS.Timeout | undefined;
  #resyncTimer: NodeJS.Timeout | undefined;
  #reading: Promise<void> | undefined;
  #readAgain = false;

  constructor(options: RedisInvalidationFeedOptions) {
    if (options === null || typeof options !== 'object') {
      throw new ConfigurationError('RedisInvalidationFeed needs options with a client and a subscriber');
    }
    this.#runner = new RedisCommandRunner(
      {
        client: options.client,
        ...(options.commandTimeoutMs === undefined ? {} : { commandTimeoutMs: options.commandTimeoutMs }),
      },
      '',
      'RedisInvalidationFeed',
    );
    const subscriber = options.subscriber as Partial<RedisSubscriberClient> | null | undefined;
    if (
      subscriber === null ||
      typeof subscriber !== 'object' ||
      typeof subscriber.subscribe !== 'function' ||
      typeof subscriber.unsubscribe !== 'function' ||
      typeof subscriber.on !== 'function'
    ) {
      throw new ConfigurationError(
        'RedisInvalidationFeed: subscriber must be an @redis/client client or cluster',
      );
    }
    if ((subscriber as unknown) === (options.client as unknown)) {
      throw new ConfigurationError('RedisInvalidationFeed: subscriber must be a connection of its own');
    }
    this.#subscriber = subscriber as RedisSubscriberClient;
    this.#key = invalidationKey(
      checkPrefix(options.keyPrefix ?? DEFAULT_INVALIDATION_KEY_PREFIX, 'RedisInvalidationFeed'),
    );
    const sharded = options.sharded ?? this.#runner.isCluster;
    if (typeof sharded !== 'boolean')
      throw new ConfigurationError('RedisInvalidationFeed: sharded must be a boolean');
    if (sharded && typeof subscriber.sSubscribe !== 'function') {
      throw new ConfigurationError('RedisInvalidationFeed: sharded pub/sub needs a client with sSubscribe');
    }
    this.#sharded = sharded;
    const interval = options.resyncIntervalMs ?? DEFAULT_RESYNC_INTERVAL_MS;
    if (!Number.isInteger(interval) || interval < 0 || interval > 3_600_000) {
      throw new ConfigurationError(
        'RedisInvalidationFeed: resyncIntervalMs must be an integer in [0, 3600000]',
      );
    }
    this.#resyncIntervalMs = interval;
    this.#events = checkEventPort(options.events);
  }

  /** True while the subscription is live and every logged revocation up to the last one heard was delivered. */
  get synced(): boolean {
    return this.#synced;
  }

  subscribe(listener: InvalidationListener): () => void {
    return this.#listeners.subscribe(listener);
  }

  /**
   * Subscribe and take the log's current end as the starting position. Resolves once notices flow;
   * rejects with {@link StoreUnavailableError} when Redis fails (then call it again).
   */
  async start(): Promise<void> {
    if (this.#closed) throw new ConfigurationError('RedisInvalidationFeed is closed');
    if (this.#started) return;
    this.#started = true;
    try {
      for (const event of ['ready', 'node-ready']) this.#subscriber.on(event, this.#onUp);
      for (const event of ['end', 'reconnecting', 'node-reconnecting', 'node-disconnect']) {
        this.#subscriber.on(event, this.#onDown);
      }
      await (this.#sharded
        ? this.#subscriber.sSubscribe!(this.#key, this.#onMessage)
        : this.#subscriber.subscribe(this.#key, this.#onMessage));
      const { last } = await this.#read(ZERO, 0);
      this.#position = last;
      this.#synced = true;
    } catch (error) {
      this.#started = false;
      this.#detach();
      throw error instanceof StoreUnavailableError
        ? error
        : new StoreUnavailableError('redis invalidation feed could not subscribe', { cause: error });
    }
    if (this.#resyncIntervalMs > 0) {
      this.#resyncTimer = setInterval(() => {
        if (this.#synced) void this.resync();
      }, this.#resyncIntervalMs);
      this.#resyncTimer.unref();
    }
  }

  /** Read the log from the last known position now and deliver what was missed. */
  resync(): Promise<void> {
    if (this.#reading !== undefined) {
      this.#readAgain = true;
      return this.#reading;
    }
    const run = this.#catchUp().finally(() => {
      this.#reading = undefined;
      if (this.#readAgain && !this.#closed) {
        this.#readAgain = false;
        void this.resync();
      }
    });
    this.#reading = run;
    return run;
  }

  /** Unsubscribe and stop every timer. The connections stay open (they are the caller's). */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#synced = false;
    this.#detach();
    if (this.#subscriber.isReady) {
      try {
        await (this.#sharded
          ? this.#subscriber.sUnsubscribe?.(this.#key, this.#onMessage)
          : this.#subscriber.unsubscribe(this.#key, this.#onMessage));
      } catch {
        // The connection is the caller's to close; a failed UNSUBSCRIBE leaves nothing of ours behind.
      }
    }
  }

  #detach(): void {
    if (this.#markerTimer !== undefined) clearTimeout(this.#markerTimer);
    if (this.#resyncTimer !== undefined) clearInterval(this.#resyncTimer);
    this.#markerTimer = undefined;
    this.#resyncTimer = undefined;
    const subscriber = this.#subscriber;
    if (typeof subscriber.off !== 'function') return;
    for (const event of ['ready', 'node-ready']) subscriber.off(event, this.#onUp);
    for (const event of ['end', 'reconnecting', 'node-reconnecting', 'node-disconnect']) {
      subscriber.off(event, this.#onDown);
    }
  }

  // The subscription is back: publish a marker of our own until we hear it (then SUBSCRIBE is live
  // on the server again), and only then read what was missed.
  #confirmThenResync(): void {
    if (this.#closed || !this.#started) return;
    const marker = `${MARKER}${randomUUID()}`;
    this.#marker = marker;
    const attemptPublish = (): void => {
      if (this.#closed || this.#marker !== marker) return;
      void this.#runner
        .run((client) =>
          client.eval(PUBLISH_SCRIPT, {
            keys: [this.#key],
            arguments: [this.#sharded ? 'SPUBLISH' : 'PUBLISH', marker],
          }),
        )
        .catch(() => undefined);
      this.#markerTimer = setTimeout(attemptPublish, MARKER_RETRY_MS);
      this.#markerTimer.unref();
    };
    if (this.#markerTimer !== undefined) clearTimeout(this.#markerTimer);
    attemptPublish();
  }

  #message(message: string): void {
    if (this.#closed || typeof message !== 'string') return;
    if (message.startsWith(MARKER)) {
      if (message === this.#marker) {
        this.#marker = undefined;
        if (this.#markerTimer !== undefined) clearTimeout(this.#markerTimer);
        this.#markerTimer = undefined;
        void this.resync();
      }
      return;
    }
    const first = message.indexOf(' ');
    const second = first < 0 ? -1 : message.indexOf(' ', first + 1);
    if (second < 0) return;
    const position = parsePosition(message.slice(0, first));
    const kind = message.slice(first + 1, second);
    if (position === undefined || (kind !== 'agent' && kind !== 'revocation')) return;
    // Only while nothing can have been missed does a live notice move the position forward.
    if (this.#synced && after(position, this.#position)) this.#position = position;
    this.#deliver(message.slice(0, first), kind, message.slice(second + 1));
  }

  #deliver(entryId: string, kind: 'agent' | 'revocation', id: string): void {
    if (this.#recent.has(entryId)) return;
    this.#recent.add(entryId);
    if (this.#recent.size > RECENT_IDS) {
      const oldest = this.#recent.values().next().value;
      if (oldest !== undefined) this.#recent.delete(oldest);
    }
    const notice: Invalidation = kind === 'agent' ? { kind: 'agent', id } : { kind: 'revocation', id };
    this.#listeners.emit(notice);
  }

  async #catchUp(): Promise<void> {
    let replayed = 0;
    let gap = false;
    try {
      for (;;) {
        const from = this.#position;
        const batch = await this.#read(from, READ_BATCH);
        // Entries before `trimmedBefore` were trimmed: when our position is older, some we never
        // heard of may be gone (or only our own last one: a recheck too many, never one too few).
        if (after(batch.trimmedBefore, from)) gap = true;
        for (const entry of batch.entries) {
          this.#position = entry.position;
          if (!this.#recent.has(entry.entryId)) replayed++;
          this.#deliver(entry.entryId, entry.kind, entry.id);
        }
        if (batch.entries.length < READ_BATCH) break;
      }
    } catch {
      // Redis is away again: the next reconnect (or the periodic read) tries again.
      return;
    }
    if (gap) this.#listeners.emit({ kind: 'resync' });
    this.#synced = this.#subscriber.isReady;
    if (replayed > 0 || gap) {
      this.#events?.emit('invalidation_resync', { backend: 'redis', replayed, gap });
    }
  }

  async #read(
    from: LogPosition,
    count: number,
  ): Promise<{
    trimmedBefore: LogPosition;
    last: LogPosition;
    entries: { entryId: string; position: LogPosition; kind: 'agent' | 'revocation'; id: string }[];
  }> {
    const reply = await this.#runner.run((client) =>
      client.eval(READ_SCRIPT, { keys: [this.#key], arguments: [format(from), String(count)] }),
    );
    if (!Array.isArray(reply) || reply.length !== 3) throw unexpectedReply('XRANGE');
    const [firstId, lastId, rows] = reply as unknown[];
    const trimmedBefore = typeof firstId === 'string' ? parsePosition(firstId) : undefined;
    const last = typeof lastId === 'string' ? parsePosition(lastId) : undefined;
    if (trimmedBefore === undefined || last === undefined || !Array.isArray(rows)) {
      throw unexpectedReply('XRANGE');
    }
    const entries: { entryId: string; position: LogPosition; kind: 'agent' | 'revocation'; id: string }[] =
      [];
    for (const row of rows as unknown[]) {
      if (!Array.isArray(row) || typeof row[0] !== 'string' || !Array.isArray(row[1])) {
        throw unexpectedReply('XRANGE');
      }
      const entryId = row[0];
      const position = parsePosition(entryId);
      const fields = row[1] as unknown[];
      let kind: unknown;
      let id: unknown;
      for (let i = 0; i + 1 < fields.length; i += 2) {
        if (fields[i] === 'k') kind = fields[i + 1];
        if (fields[i] === 'i') id = fields[i + 1];
      }
      if (position === undefined || (kind !== 'agent' && kind !== 'revocation') || typeof id !== 'string') {
        throw unexpectedReply('XRANGE');
      }
      entries.push({ entryId, position, kind, id });
    }
    return { trimmedBefore, last, entries };
  }
}
