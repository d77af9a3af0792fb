/**
 * Revocations pushed between verifiers on PostgreSQL (docs/invalidation.md).
 *
 * Write side: nothing in the stores. Migration 2 adds triggers: every new row of `revocations` and
 * every agent's first `revoked_at` is appended to `<schema>.revocation_log` (a numbered, append-only
 * log) and announced with `NOTIFY` — in the revoking transaction, so a notice is delivered at commit,
 * never for a revocation that rolled back, whoever wrote it (a store, or SQL behind its back).
 *
 * Read side ({@link PostgresInvalidationFeed}): one connection of its own, checked out of the pool for
 * the feed's lifetime, runs `LISTEN`. When that connection breaks, the feed checks out another one,
 * `LISTEN`s again (from then on nothing is missed) and reads the log from its last position, so
 * revocations committed while it was away are delivered too. The log's numbers come from a sequence,
 * drawn at insert and not at commit: a transaction that commits late can log a number below one
 * already read. The resync therefore reads again from `resyncOverlap` entries before its position
 * (default 256) and drops what it already delivered. The log is never trimmed.
 */
import { ConfigurationError, StoreUnavailableError } from '../../errors.js';
import { checkEventPort } from '../../events/check.js';
import type { EventPort } from '../../events/types.js';
import { withDeadline } from '../../lib/deadline.js';
import { InvalidationListeners } from '../invalidation.js';
import type { Invalidation, InvalidationFeed, InvalidationListener } from '../types.js';
import {
  checkIn,
  checkOut,
  DEFAULT_SCHEMA,
  quotedSchema,
  type PostgresPool,
  type PostgresPoolClient,
} from './client.js';
import { invalidationChannel } from './invalidation-channel.js';

export { invalidationChannel } from './invalidation-channel.js';

/** A `pg.PoolClient` as the feed uses it: it also emits `notification` and `end`. */
interface ListeningClient extends PostgresPoolClient {
  on(event: 'error', listener: (error: Error) => void): unknown;
  on(event: 'notification', listener: (message: { channel: string; payload?: string }) => void): unknown;
  on(event: 'end', listener: () => void): unknown;
}

export interface PostgresInvalidationFeedOptions {
  /** A `pg.Pool`; the feed holds one of its connections while it runs. */
  readonly pool: PostgresPool;
  /** Schema migrated by `migrate` (default `trusthandoff`). */
  readonly schema?: string;
  /** Deadline of connecting, `LISTEN` and each log read, ms (default 2000). */
  readonly commandTimeoutMs?: number;
  /** Wait before connecting again after the listening connection broke, ms (default 250). */
  readonly reconnectDelayMs?: number;
  /** Entries before its position a resync reads again (default 256; see the module comment). */
  readonly resyncOverlap?: number;
  /** Where `invalidation_resync` goes. */
  readonly events?: EventPort;
}

const READ_BATCH = 500;
const RECENT_ENTRIES = 4096;

/**
 * An {@link InvalidationFeed} over PostgreSQL `LISTEN`/`NOTIFY` with resync from the revocation log
 * (see the module comment). {@link start} resolves once the feed listens; {@link close} gives the
 * connection back.
 */
export class PostgresInvalidationFeed implements InvalidationFeed {
  readonly #pool: PostgresPool;
  readonly #schema: string;
  readonly #channel: string;
  readonly #timeoutMs: number;
  readonly #reconnectDelayMs: number;
  readonly #overlap: number;
  readonly #events: EventPort | undefined;
  readonly #listeners = new InvalidationListeners();
  readonly #recent = new Set<string>();
  #client: ListeningClient | undefined;
  #position = 0n;
  // The log's end when the feed started: what came before is not news, overlap or not.
  #floor = 0n;
  #synced = false;
  #started = false;
  #closed = false;
  #retry: NodeJS.Timeout | undefined;

  constructor(options: PostgresInvalidationFeedOptions) {
    if (options === null || typeof options !== 'object') {
      throw new ConfigurationError('PostgresInvalidationFeed needs options with a pg Pool');
    }
    const pool = options.pool as Partial<PostgresPool> | null | undefined;
    if (pool === null || typeof pool !== 'object' || typeof pool.connect !== 'function') {
      throw new ConfigurationError('PostgresInvalidationFeed: pool must be a pg Pool');
    }
    this.#pool = pool as PostgresPool;
    const schemaName = options.schema ?? DEFAULT_SCHEMA;
    this.#schema = quotedSchema(schemaName, 'PostgresInvalidationFeed');
    this.#channel = invalidationChannel(schemaName);
    this.#timeoutMs = integerOption(options.commandTimeoutMs, 2000, 1, 60_000, 'commandTimeoutMs');
    this.#reconnectDelayMs = integerOption(options.reconnectDelayMs, 250, 1, 60_000, 'reconnectDelayMs');
    this.#overlap = integerOption(options.resyncOverlap, 256, 0, 1_000_000, 'resyncOverlap');
    this.#events = checkEventPort(options.events);
  }

  /** True while the feed listens and has read the log up to the last notice it heard. */
  get synced(): boolean {
    return this.#synced;
  }

  subscribe(listener: InvalidationListener): () => void {
    return this.#listeners.subscribe(listener);
  }

  /**
   * Listen, and take the log's current end as the starting position. Rejects with
   * {@link StoreUnavailableError} when the database fails (then call it again).
   */
  async start(): Promise<void> {
    if (this.#closed) throw new ConfigurationError('PostgresInvalidationFeed is closed');
    if (this.#started) return;
    this.#started = true;
    try {
      await this.#listen(true);
    } catch (error) {
      this.#started = false;
      throw error;
    }
  }

  /** Stop listening and give the connection back. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#synced = false;
    if (this.#retry !== undefined) clearTimeout(this.#retry);
    const client = this.#client;
    this.#client = undefined;
    if (client === undefined) return;
    try {
      await withDeadline(
        client.query({ text: `UNLISTEN ${this.#channel}` }),
        this.#timeoutMs,
        () => new Error('UNLISTEN timed out'),
        failed,
      );
      checkIn(client);
    } catch (error) {
      checkIn(client, error instanceof Error ? error : new Error('UNLISTEN failed'));
    }
  }

  // Check a connection out, LISTEN on it, then read the log: from its end on the first start, from
  // our position (less the overlap) after a reconnect.
  async #listen(first: boolean): Promise<void> {
    let client: ListeningClient | undefined;
    try {
      const checkingOut = checkOut(this.#pool);
      client = (await withDeadline(
        checkingOut,
        this.#timeoutMs,
        () => {
          // A connection that arrives after the deadline goes straight back.
          checkingOut.then(
            (late) => {
              checkIn(late, new Error('connected after the deadline'));
            },
            () => undefined,
          );
          return new StoreUnavailableError('postgres invalidation feed could not connect in time');
        },
        failed,
      )) as ListeningClient;
      const held = client;
      client.on('notification', (message) => {
        if (this.#client === held && message.channel === this.#channel) this.#notice(message.payload);
      });
      const lost = (): void => {
        this.#lost(held);
      };
      client.on('error', lost);
      client.on('end', lost);
      this.#client = client;
      await this.#query(client, `LISTEN ${this.#channel}`);
      if (first) {
        const rows = await this.#query(
          client,
          `SELECT coalesce(max(seq), 0)::text AS seq FROM ${this.#schema}.revocation_log`,
        );
        const end = (rows[0] as { seq?: unknown } | undefined)?.seq;
        if (typeof end !== 'string' || !/^\d{1,19}$/.test(end)) {
          throw new StoreUnavailableError('unexpected end of the revocation log');
        }
        this.#position = BigInt(end);
        this.#floor = this.#position;
      } else {
        await this.#catchUp(client);
      }
      if (this.#client === held) this.#synced = true;
    } catch (error) {
      if (first) {
        // start() reports the failure; nothing is retried behind its back.
        if (client !== undefined && this.#client === client) {
          this.#client = undefined;
          checkIn(client, failed(error));
        }
        throw error instanceof StoreUnavailableError
          ? error
          : new StoreUnavailableError('postgres invalidation feed could not listen', { cause: error });
      }
      if (client !== undefined && this.#client === client) this.#lost(client, error);
      else this.#scheduleRetry();
    }
  }

  #lost(client: ListeningClient, error?: unknown): void {
    if (this.#client !== client) return;
    this.#client = undefined;
    this.#synced = false;
    checkIn(client, error instanceof Error ? error : new Error('listening connection lost'));
    this.#scheduleRetry();
  }

  #scheduleRetry(): void {
    if (this.#closed || !this.#started || this.#retry !== undefined) return;
    this.#retry = setTimeout(() => {
      this.#retry = undefined;
      if (!this.#closed) void this.#listen(false);
    }, this.#reconnectDelayMs);
    this.#retry.unref();
  }

  async #query(client: PostgresPoolClient, text: string, values?: unknown[]): Promise<unknown[]> {
    const result = await withDeadline(
      client.query(values === undefined ? { text } : { text, values }),
      this.#timeoutMs,
      () => new StoreUnavailableError('postgres invalidation feed query timed out'),
      failed,
    );
    return result.rows;
  }

  #notice(payload: string | undefined): void {
    if (this.#closed || typeof payload !== 'string') return;
    const first = payload.indexOf(' ');
    const second = first < 0 ? -1 : payload.indexOf(' ', first + 1);
    if (second < 0) return;
    const seqText = payload.slice(0, first);
    const kind = payload.slice(first + 1, second);
    if (!/^\d{1,19}$/.test(seqText) || (kind !== 'agent' && kind !== 'revocation')) return;
    const seq = BigInt(seqText);
    if (this.#synced && seq > this.#position) this.#position = seq;
    this.#deliver(seqText, kind, payload.slice(second + 1));
  }

  #deliver(seq: string, kind: 'agent' | 'revocation', id: string): boolean {
    if (this.#recent.has(seq)) return false;
    this.#recent.add(seq);
    if (this.#recent.size > RECENT_ENTRIES) {
      const oldest = this.#recent.values().next().value;
      if (oldest !== undefined) this.#recent.delete(oldest);
    }
    const notice: Invalidation = kind === 'agent' ? { kind: 'agent', id } : { kind: 'revocation', id };
    this.#listeners.emit(notice);
    return true;
  }

  async #catchUp(client: ListeningClient): Promise<void> {
    let from = this.#position - BigInt(this.#overlap);
    if (from < this.#floor) from = this.#floor;
    let replayed = 0;
    for (;;) {
      const rows = await this.#query(
        client,
        `SELECT seq::text AS seq, kind, id FROM ${this.#schema}.revocation_log
         WHERE seq > $1 ORDER BY seq LIMIT ${READ_BATCH}`,
        [from.toString()],
      );
      for (const row of rows as { seq?: unknown; kind?: unknown; id?: unknown }[]) {
        const { seq, kind, id } = row;
        if (
          typeof seq !== 'string' ||
          typeof id !== 'string' ||
          (kind !== 'agent' && kind !== 'revocation')
        ) {
          throw new StoreUnavailableError('unexpected row in the revocation log');
        }
        const position = BigInt(seq);
        from = position;
        if (position > this.#position) this.#position = position;
        if (this.#deliver(seq, kind, id)) replayed++;
      }
      if (rows.length < READ_BATCH) break;
    }
    if (replayed > 0)
      this.#events?.emit('invalidation_resync', { backend: 'postgres', replayed, gap: false });
  }
}

function failed(error: unknown): Error {
  return error instanceof Error ? error : new StoreUnavailableError('postgres invalidation feed failed');
}

function integerOption(value: unknown, fallback: number, min: number, max: number, name: string): number {
  const n = value ?? fallback;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < min || n > max) {
    throw new ConfigurationError(`PostgresInvalidationFeed: ${name} must be an integer in [${min}, ${max}]`);
  }
  return n;
}
