/**
 * PostgreSQL connections for the store tests: pools configured the way docs/postgres.md recommends,
 * a random schema name per run (other suites share the server and the database), and cleanup that
 * drops only our schemas.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';

export type TestPool = pg.Pool;

/** A pool as recommended for the stores: bounded connect time, errors of idle clients absorbed. */
export function makePool(connectionString: string, options: { max?: number } = {}): TestPool {
  const pool = new pg.Pool({
    connectionString,
    max: options.max ?? 8,
    connectionTimeoutMillis: 1000,
    idleTimeoutMillis: 5000,
    keepAlive: true,
  });
  // A connection that breaks while idle in the pool surfaces here; the stores see the next failure.
  pool.on('error', () => undefined);
  return pool;
}

/** A fresh schema name for this run: `th_test_` and random hex. */
export function runSchema(): string {
  return `th_test_${randomBytes(6).toString('hex')}`;
}

/** Drop every schema in `schemas` (each name was made by {@link runSchema}). */
export async function dropSchemas(pool: TestPool, schemas: Iterable<string>): Promise<void> {
  for (const schema of schemas) {
    if (!/^th_test_[0-9a-f]+(?:_[0-9a-z_]+)?$/.test(schema)) throw new Error(`refusing to drop ${schema}`);
    await pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  }
}

/** `url` with its host and port replaced: the same database through a proxy. */
export function viaPort(url: string, port: number): string {
  const u = new URL(url);
  u.hostname = '127.0.0.1';
  u.port = String(port);
  return u.href;
}
