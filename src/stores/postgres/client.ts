/**
 * What the PostgreSQL stores need from a connection pool, and the one place where a statement is run.
 *
 * This file never imports `pg`: the stores take a pool from the caller (dependency injection),
 * described here structurally. A `pg.Pool` (node-postgres ≥ 8) satisfies {@link PostgresPool}.
 */
import { createHash } from 'node:crypto';
import { ConfigurationError, PayloadValidationError, StoreUnavailableError } from '../../errors.js';
import { withDeadline } from '../../lib/deadline.js';

/** One statement, as `pg`'s `client.query(config)` takes it. */
export interface PostgresQueryConfig {
  readonly text: string;
  readonly values?: unknown[];
  /** A prepared-statement name: the server parses and plans the text once per connection. */
  readonly name?: string;
}

/** The subset of a `pg.PoolClient` the stores use. */
export interface PostgresPoolClient {
  query(config: PostgresQueryConfig): Promise<{ rows: unknown[] }>;
  /** Back to the pool; with an error (or `true`) the pool closes the connection instead. */
  release(destroy?: Error | boolean): void;
  /**
   * `pg` emits `error` on a checked-out client whose connection breaks; without a listener that
   * would crash the process, so the stores listen while they hold a client.
   */
  on(event: 'error', listener: (error: Error) => void): unknown;
  removeListener(event: 'error', listener: (error: Error) => void): unknown;
}

/** The subset of a `pg.Pool` the stores use: checking a connection out. */
export interface PostgresPool {
  connect(): Promise<PostgresPoolClient>;
}

/** Options shared by both PostgreSQL stores. */
export interface PostgresStoreOptions {
  /**
   * A `pg.Pool`. The store never creates or ends it. Give the stores a pool of their own: they set
   * `statement_timeout` on every connection they check out (see the docs, "Deadlines").
   */
  readonly pool: PostgresPool;
  /** Schema holding the tables created by `migrate` (default `trusthandoff`). */
  readonly schema?: string;
  /**
   * Longest a call may take before the store gives up with {@link StoreUnavailableError} (default
   * {@link DEFAULT_COMMAND_TIMEOUT_MS}). It covers checking a connection out and the statement; the
   * same value is the connection's server-side `statement_timeout`, so the server stops too.
   */
  readonly commandTimeoutMs?: number;
  /**
   * Most calls of this store whose connection or statement has not settled, counting those it already
   * gave up on (default 1024). Beyond it calls fail at once: during a stall, waiting work — and
   * memory — stays bounded however many decisions arrive.
   */
  readonly maxInFlight?: number;
}

/** 500 ms, like the Redis stores: a healthy server answers an indexed lookup in well under 1 ms. */
export const DEFAULT_COMMAND_TIMEOUT_MS = 500;
/** The schema `migrate` and the stores use when none is given. */
export const DEFAULT_SCHEMA = 'trusthandoff';

const MAX_COMMAND_TIMEOUT_MS = 60_000;
const DEFAULT_MAX_IN_FLIGHT = 1024;
const MAX_IN_FLIGHT_LIMIT = 1_000_000;
// Lower case only (an unquoted identifier folds to lower case, so both spellings mean one schema);
// 63 bytes is PostgreSQL's NAMEDATALEN - 1; `pg_` names are reserved for the system.
const SCHEMA_NAME = /^(?!pg_)[a-z_][a-z0-9_]{0,62}$/;

/**
 * Longest id (agent id, revocation id) in UTF-8 bytes. A primary-key entry must fit a B-tree page
 * (about 2.7 kB); ids of this library are far shorter.
 */
export const MAX_ID_BYTES = 2048;

// In `u` mode a surrogate pair is one code point, so only a lone surrogate matches.
const LONE_SURROGATE = /[\uD800-\uDFFF]/u;

/** `schema`, checked, as a quoted SQL identifier. Throws {@link ConfigurationError}. */
export function quotedSchema(schema: unknown, owner: string): string {
  if (typeof schema !== 'string' || !SCHEMA_NAME.test(schema)) {
    throw new ConfigurationError(
      `${owner}: schema must match ${SCHEMA_NAME.source} (lower-case letters, digits, underscores)`,
    );
  }
  // Validated above, and quoted anyway: nothing from outside reaches SQL text except through this.
  return `"${schema}"`;
}

/**
 * Whether `id` can be stored: PostgreSQL `text` holds neither NUL nor lone surrogates (the driver
 * would turn a lone surrogate into U+FFFD, so two different ids would share one row).
 */
export function isStorableId(id: unknown): id is string {
  return (
    typeof id === 'string' &&
    !LONE_SURROGATE.test(id) &&
    !id.includes('\u0000') &&
    Buffer.byteLength(id, 'utf8') <= MAX_ID_BYTES
  );
}

/** {@link isStorableId}, or a {@link PayloadValidationError} for a write that cannot be stored. */
export function storableId(id: unknown, what: string): string {
  if (!isStorableId(id)) {
    throw new PayloadValidationError(
      `${what} must be a well-formed string without NUL of at most ${MAX_ID_BYTES} UTF-8 bytes`,
    );
  }
  return id;
}

/** A statement's text and the prepared-statement name it runs under. */
export interface PreparedStatement {
  readonly text: string;
  readonly name: string;
}

/** A statement with a stable prepared-statement name derived from its text. */
export function statement(text: string): PreparedStatement {
  return Object.freeze({
    text,
    name: `trusthandoff_${createHash('sha256').update(text).digest('hex').slice(0, 32)}`,
  });
}

/** A reply that does not have the shape a statement promises means the backend cannot be trusted. */
export function unexpectedReply(what: string): StoreUnavailableError {
  return new StoreUnavailableError(`unexpected postgres reply to ${what}`);
}

/**
 * Check a client out of `pool` for the caller to hold: its `error` events are absorbed (the failure
 * also rejects the statement in flight, which is where the caller sees it) until {@link checkIn}.
 */
export async function checkOut(pool: PostgresPool): Promise<PostgresPoolClient> {
  const client = await pool.connect();
  client.on('error', absorb);
  return client;
}

/** Give a client from {@link checkOut} back; with `destroy`, the pool closes its connection. */
export function checkIn(client: PostgresPoolClient, destroy?: Error): void {
  try {
    client.removeListener('error', absorb);
    client.release(destroy);
  } catch {
    // Releasing twice (the pool already dropped it) must not turn into an unhandled error.
  }
}

function absorb(): void {}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error('postgres call failed');
}

/** An error the server reported (an ErrorResponse: severity and SQLSTATE), not a broken connection. */
function isServerError(error: unknown): boolean {
  if (error === null || typeof error !== 'object') return false;
  const { severity, code } = error as { severity?: unknown; code?: unknown };
  // FATAL and PANIC end the session; only ERROR leaves the connection usable.
  return severity === 'ERROR' && typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code);
}

// The `statement_timeout` each connection was last given by a store, so it is set once per
// connection (one round trip when the connection is new), not per call.
const sessionTimeouts = new WeakMap<PostgresPoolClient, number>();

const SET_STATEMENT_TIMEOUT = statement(`SELECT set_config('statement_timeout', $1, false)`);

/** A validated pool, schema and deadline, and the fail-closed way to run a statement. */
export class PostgresStatementRunner {
  readonly pool: PostgresPool;
  /** The schema as a quoted identifier, ready for SQL text. */
  readonly schema: string;
  readonly timeoutMs: number;
  readonly #maxInFlight: number;
  readonly #onTimeout: () => Error;
  #inFlight = 0;

  constructor(options: PostgresStoreOptions, storeName: string) {
    if (options === null || typeof options !== 'object') {
      throw new ConfigurationError(`${storeName} needs options with a pg Pool`);
    }
    const pool = options.pool as Partial<PostgresPool> | null | undefined;
    if (pool === null || typeof pool !== 'object' || typeof pool.connect !== 'function') {
      throw new ConfigurationError(`${storeName}: pool must be a pg Pool`);
    }
    const timeoutMs = options.commandTimeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS;
    if (!Number.isInteger(timeoutMs) || timeoutMs < 1 || timeoutMs > MAX_COMMAND_TIMEOUT_MS) {
      throw new ConfigurationError(
        `${storeName}: commandTimeoutMs must be an integer in [1, ${MAX_COMMAND_TIMEOUT_MS}]`,
      );
    }
    const maxInFlight = options.maxInFlight ?? DEFAULT_MAX_IN_FLIGHT;
    if (!Number.isInteger(maxInFlight) || maxInFlight < 1 || maxInFlight > MAX_IN_FLIGHT_LIMIT) {
      throw new ConfigurationError(
        `${storeName}: maxInFlight must be an integer in [1, ${MAX_IN_FLIGHT_LIMIT}]`,
      );
    }
    this.pool = pool as PostgresPool;
    this.schema = quotedSchema(options.schema === undefined ? DEFAULT_SCHEMA : options.schema, storeName);
    this.timeoutMs = timeoutMs;
    this.#maxInFlight = maxInFlight;
    this.#onTimeout = () => new StoreUnavailableError(`postgres call timed out after ${timeoutMs} ms`);
  }

  /**
   * Run one statement on a connection of the pool, failing closed: every failure is a
   * {@link StoreUnavailableError}, and a call that has not settled within the deadline fails even
   * though the driver keeps waiting. A connection whose statement was given up on is closed, not put
   * back (its reply may still arrive and would be read as the next caller's); one checked out after
   * the caller gave up goes straight back.
   */
  run(query: PreparedStatement, values: unknown[]): Promise<unknown[]> {
    if (this.#inFlight >= this.#maxInFlight) {
      return Promise.reject(new StoreUnavailableError('too many postgres calls in flight'));
    }
    this.#inFlight++;
    let abandoned = false;
    let held: PostgresPoolClient | undefined;
    const giveBack = (client: PostgresPoolClient, destroy?: Error): void => {
      if (held !== client) return;
      held = undefined;
      checkIn(client, destroy);
    };
    const work = (async (): Promise<unknown[]> => {
      const client = await checkOut(this.pool);
      held = client;
      if (abandoned) {
        giveBack(client);
        throw this.#onTimeout();
      }
      try {
        if (sessionTimeouts.get(client) !== this.timeoutMs) {
          await client.query({ ...SET_STATEMENT_TIMEOUT, values: [`${this.timeoutMs}ms`] });
          sessionTimeouts.set(client, this.timeoutMs);
        }
        const result = await client.query({ text: query.text, name: query.name, values });
        giveBack(client);
        if (result === null || typeof result !== 'object' || !Array.isArray(result.rows)) {
          throw unexpectedReply('query');
        }
        return result.rows;
      } catch (error) {
        // The server answered with an error (a missing table, a cancelled statement): the connection
        // is idle and sound, and closing it would turn a misconfiguration into a reconnect storm.
        // Anything else may have left it mid-protocol: close it.
        giveBack(client, isServerError(error) ? undefined : asError(error));
        throw error;
      }
    })();
    const settled = work.finally(() => {
      this.#inFlight--;
    });
    // The deadline's own rejection is what the caller sees; this one is only bookkeeping.
    settled.catch(() => undefined);
    return withDeadline(
      settled,
      this.timeoutMs,
      () => {
        abandoned = true;
        if (held !== undefined) giveBack(held, new Error('postgres call abandoned after its deadline'));
        return this.#onTimeout();
      },
      (error) =>
        error instanceof StoreUnavailableError
          ? error
          : new StoreUnavailableError('postgres call failed', { cause: error }),
    );
  }
}
