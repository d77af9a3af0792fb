/**
 * The tables of the PostgreSQL stores, created and upgraded by the library itself. Migrations are
 * numbered, recorded in `<schema>.schema_migrations`, and applied in one transaction under an advisory
 * lock, so two processes starting at once apply each migration exactly once (the second waits, then
 * finds nothing to do). DDL is transactional in PostgreSQL: a migration that fails leaves nothing.
 */
import { ConfigurationError, StoreUnavailableError } from '../../errors.js';
import { withDeadline } from '../../lib/deadline.js';
import { invalidationChannel } from './invalidation-channel.js';
import {
  checkIn,
  checkOut,
  DEFAULT_SCHEMA,
  MAX_ID_BYTES,
  quotedSchema,
  type PostgresPool,
  type PostgresPoolClient,
} from './client.js';

export interface MigrateOptions {
  /** Schema to create the tables in (default `trusthandoff`); created when missing. */
  readonly schema?: string;
  /**
   * Longest the whole migration may take, waiting for another process's migration included
   * (default 30,000 ms). Past it the transaction is abandoned (nothing is applied) and `migrate`
   * rejects with {@link StoreUnavailableError}.
   */
  readonly timeoutMs?: number;
}

export interface MigrationResult {
  /** The schema, as given. */
  readonly schema: string;
  /** The schema version now in the database: {@link SCHEMA_VERSION}. */
  readonly version: number;
  /** Versions this call applied, in order; empty when the schema was already up to date. */
  readonly applied: readonly number[];
}

interface Migration {
  readonly version: number;
  readonly description: string;
  /** The statements, for a schema given as a quoted identifier. */
  readonly statements: (schema: string, schemaName: string) => readonly string[];
}

// A revocation cannot be undone through SQL either: the rows are append-only, and an agent's
// revocation mark can be neither cleared nor deleted with its row. (TRUNCATE and dropping the
// trigger remain possible for an operator who means it.)
const MIGRATIONS: readonly Migration[] = Object.freeze([
  {
    version: 1,
    description: 'agents and revocations',
    statements: (s: string) => [
      `CREATE TABLE ${s}.agents (
        agent_id text PRIMARY KEY CHECK (octet_length(agent_id) <= ${MAX_ID_BYTES}),
        public_key_pem text CHECK (octet_length(public_key_pem) BETWEEN 1 AND 4096),
        public_key_raw bytea CHECK (octet_length(public_key_raw) = 32),
        registered_at timestamptz,
        key_updated_at timestamptz,
        revoked_at timestamptz,
        CONSTRAINT agents_key_complete CHECK (
          (public_key_pem IS NULL) = (public_key_raw IS NULL) AND
          (public_key_pem IS NULL) = (registered_at IS NULL) AND
          (public_key_pem IS NULL) = (key_updated_at IS NULL)
        )
      )`,
      `CREATE TABLE ${s}.revocations (
        id text PRIMARY KEY CHECK (octet_length(id) <= ${MAX_ID_BYTES}),
        revoked_at timestamptz NOT NULL DEFAULT now()
      )`,
      `CREATE FUNCTION ${s}.keep_agent_revoked() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF OLD.revoked_at IS NOT NULL AND (TG_OP = 'DELETE' OR NEW.revoked_at IS DISTINCT FROM OLD.revoked_at) THEN
          RAISE EXCEPTION 'trusthandoff: an agent revocation is permanent' USING ERRCODE = 'check_violation';
        END IF;
        IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
        RETURN NEW;
      END $$`,
      `CREATE TRIGGER agents_revocation_is_permanent BEFORE UPDATE OR DELETE ON ${s}.agents
        FOR EACH ROW EXECUTE FUNCTION ${s}.keep_agent_revoked()`,
      `CREATE FUNCTION ${s}.keep_revocation() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'trusthandoff: a revocation is permanent' USING ERRCODE = 'check_violation';
      END $$`,
      `CREATE TRIGGER revocations_are_permanent BEFORE UPDATE OR DELETE ON ${s}.revocations
        FOR EACH ROW EXECUTE FUNCTION ${s}.keep_revocation()`,
    ],
  },
  {
    // Every revocation (an id, or an agent's first revoked_at) is appended to a numbered log and
    // announced with NOTIFY in the same transaction, so a listener hears of it at commit, and one
    // that was disconnected reads what it missed from the log (docs/invalidation.md).
    version: 2,
    description: 'revocation log and NOTIFY for invalidation feeds',
    statements: (s: string, name: string) => [
      `CREATE TABLE ${s}.revocation_log (
        seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        kind text NOT NULL CHECK (kind IN ('agent', 'revocation')),
        id text NOT NULL CHECK (octet_length(id) <= ${MAX_ID_BYTES}),
        logged_at timestamptz NOT NULL DEFAULT now()
      )`,
      `CREATE FUNCTION ${s}.log_revocation() RETURNS trigger LANGUAGE plpgsql AS $$
      DECLARE
        entry bigint;
        kind text;
        revoked text;
      BEGIN
        IF TG_TABLE_NAME = 'agents' THEN
          IF NEW.revoked_at IS NULL OR (TG_OP = 'UPDATE' AND OLD.revoked_at IS NOT NULL) THEN
            RETURN NULL;
          END IF;
          kind := 'agent';
          revoked := NEW.agent_id;
        ELSE
          kind := 'revocation';
          revoked := NEW.id;
        END IF;
        INSERT INTO ${s}.revocation_log (kind, id) VALUES (kind, revoked) RETURNING seq INTO entry;
        PERFORM pg_notify('${invalidationChannel(name)}', entry::text || ' ' || kind || ' ' || revoked);
        RETURN NULL;
      END $$`,
      `CREATE TRIGGER agents_revocation_logged AFTER INSERT OR UPDATE OF revoked_at ON ${s}.agents
        FOR EACH ROW EXECUTE FUNCTION ${s}.log_revocation()`,
      `CREATE TRIGGER revocations_logged AFTER INSERT ON ${s}.revocations
        FOR EACH ROW EXECUTE FUNCTION ${s}.log_revocation()`,
      `CREATE TRIGGER revocation_log_is_permanent BEFORE UPDATE OR DELETE ON ${s}.revocation_log
        FOR EACH ROW EXECUTE FUNCTION ${s}.keep_revocation()`,
    ],
  },
]);

/** The newest schema version this library knows. */
export const SCHEMA_VERSION: number = MIGRATIONS[MIGRATIONS.length - 1]!.version;

const DEFAULT_MIGRATE_TIMEOUT_MS = 30_000;
const MAX_MIGRATE_TIMEOUT_MS = 600_000;
// First half of the advisory-lock key: "th" for trusthandoff; the second half is the schema's hash.
const ADVISORY_LOCK_CLASS = 0x7468_0000;

/**
 * Create or upgrade the tables of the PostgreSQL stores in `schema`. Idempotent; safe to run from
 * every process at start-up, concurrently. Rejects with {@link ConfigurationError} for a bad schema
 * name or a database whose schema is newer than this library, and with {@link StoreUnavailableError}
 * when the database fails or the deadline passes (then nothing was applied).
 */
export async function migrate(pool: PostgresPool, options: MigrateOptions = {}): Promise<MigrationResult> {
  if (pool === null || typeof pool !== 'object' || typeof pool.connect !== 'function') {
    throw new ConfigurationError('migrate: pool must be a pg Pool');
  }
  if (options === null || typeof options !== 'object') {
    throw new ConfigurationError('migrate: options must be an object');
  }
  const schemaName = options.schema === undefined ? DEFAULT_SCHEMA : options.schema;
  const schema = quotedSchema(schemaName, 'migrate');
  const timeoutMs = options.timeoutMs ?? DEFAULT_MIGRATE_TIMEOUT_MS;
  if (!Number.isInteger(timeoutMs) || timeoutMs < 1 || timeoutMs > MAX_MIGRATE_TIMEOUT_MS) {
    throw new ConfigurationError(`migrate: timeoutMs must be an integer in [1, ${MAX_MIGRATE_TIMEOUT_MS}]`);
  }

  let held: PostgresPoolClient | undefined;
  const giveBack = (destroy?: Error): void => {
    const client = held;
    held = undefined;
    if (client !== undefined) checkIn(client, destroy);
  };
  let abandoned = false;
  const work = async (): Promise<MigrationResult> => {
    const client = await checkOut(pool);
    held = client;
    if (abandoned) {
      giveBack();
      throw new StoreUnavailableError('migrate timed out');
    }
    const sql = (text: string, values?: unknown[]) =>
      client.query(values === undefined ? { text } : { text, values });
    try {
      await sql('BEGIN');
      await sql(`SELECT set_config('statement_timeout', $1, true)`, [`${timeoutMs}ms`]);
      await sql('SELECT pg_advisory_xact_lock($1, hashtext($2))', [ADVISORY_LOCK_CLASS, schemaName]);
      await sql(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
      await sql(`CREATE TABLE IF NOT EXISTS ${schema}.schema_migrations (
        version integer PRIMARY KEY CHECK (version > 0),
        description text NOT NULL,
        applied_at timestamptz NOT NULL DEFAULT now()
      )`);
      const { rows } = await sql(`SELECT version FROM ${schema}.schema_migrations`);
      const present = new Set(rows.map((row) => Number((row as { version?: unknown }).version)));
      const newest = Math.max(0, ...present);
      if (newest > SCHEMA_VERSION) {
        await sql('ROLLBACK');
        giveBack();
        throw new ConfigurationError(
          `migrate: schema ${schemaName} is at version ${newest}, newer than this library's ${SCHEMA_VERSION}`,
        );
      }
      const applied: number[] = [];
      for (const migration of MIGRATIONS) {
        if (present.has(migration.version)) continue;
        for (const text of migration.statements(schema, schemaName)) await sql(text);
        await sql(`INSERT INTO ${schema}.schema_migrations (version, description) VALUES ($1, $2)`, [
          migration.version,
          migration.description,
        ]);
        applied.push(migration.version);
      }
      await sql('COMMIT');
      giveBack();
      return Object.freeze({ schema: schemaName, version: SCHEMA_VERSION, applied: Object.freeze(applied) });
    } catch (error) {
      // A connection left inside a failed transaction must not go back to the pool.
      giveBack(error instanceof Error ? error : new Error('migrate failed'));
      throw error;
    }
  };
  return withDeadline(
    work(),
    timeoutMs,
    () => {
      abandoned = true;
      giveBack(new Error('migrate abandoned after its deadline'));
      return new StoreUnavailableError(`migrate timed out after ${timeoutMs} ms`);
    },
    (error) =>
      error instanceof ConfigurationError || error instanceof StoreUnavailableError
        ? error
        : new StoreUnavailableError('migrate failed', { cause: error }),
  );
}
