/**
 * The PostgreSQL stores against the real server: the shared store contract (registry and
 * revocations), migrations (idempotent, concurrent, versioned), the schema's own guarantees, the
 * consistency rule (no cached binding), id limits and the per-call deadline.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AgentIdentity } from '../../src/identity/agent-identity.js';
import { parsePublicKeyPem } from '../../src/identity/keys.js';
import {
  createPostgresStores,
  DEFAULT_COMMAND_TIMEOUT_MS,
  DEFAULT_SCHEMA,
  MAX_ID_BYTES,
  migrate,
  PostgresAgentRegistry,
  PostgresRevocationStore,
  SCHEMA_VERSION,
  type PostgresPool,
} from '../../src/stores/postgres/index.js';
import { POSTGRES_URL, postgresAvailable } from '../support/services.js';
import { agentRegistryContract, revocationStoreContract } from './contract.js';
import { dropSchemas, makePool, runSchema, type TestPool } from './postgres-pools.js';

const available = await postgresAvailable();
const base = runSchema();
const schemas = new Set<string>();
let serial = 0;
/** A schema name of this run, dropped after it. */
const newSchema = (): string => {
  const schema = `${base}_${serial++}`;
  schemas.add(schema);
  return schema;
};

// Two pools: "two verifiers" really use different connections.
const pools: TestPool[] = available ? [makePool(POSTGRES_URL), makePool(POSTGRES_URL)] : [];
let turn = 0;
const nextPool = (): TestPool => pools[turn++ % pools.length]!;

// The contract hands out stores synchronously for namespaces it makes up; each new namespace takes
// the next schema migrated in advance, so namespaces are isolated exactly as separate deployments are.
const prepared: string[] = [];
const schemaOf = new Map<string, string>();
function schemaFor(namespace: string): string {
  let schema = schemaOf.get(namespace);
  if (schema === undefined) {
    schema = prepared.shift();
    if (schema === undefined) throw new Error('test setup: more namespaces than prepared schemas');
    schemaOf.set(namespace, schema);
  }
  return schema;
}

async function codeOf(promise: Promise<unknown>): Promise<string | undefined> {
  try {
    await promise;
    return undefined;
  } catch (error) {
    return (error as { code?: string }).code;
  }
}

beforeAll(async () => {
  if (!available) return;
  for (let i = 0; i < 16; i++) {
    const schema = newSchema();
    await migrate(pools[0]!, { schema });
    prepared.push(schema);
  }
});

afterAll(async () => {
  if (pools[0] !== undefined) await dropSchemas(pools[0], schemas);
  await Promise.all(pools.map((pool) => pool.end()));
});

describe.skipIf(!available)('PostgreSQL stores', () => {
  const backend = {
    name: 'postgres',
    revocationStore: (namespace: string) =>
      new PostgresRevocationStore({ pool: nextPool(), schema: schemaFor(namespace) }),
    agentRegistry: (namespace: string) =>
      new PostgresAgentRegistry({ pool: nextPool(), schema: schemaFor(namespace) }),
  };
  revocationStoreContract(backend);
  agentRegistryContract(backend);

  describe('migrations', () => {
    it('creates the schema, records versions 1 and 2 and is idempotent', async () => {
      const pool = pools[0]!;
      const schema = newSchema();
      expect(await migrate(pool, { schema })).toEqual({ schema, version: SCHEMA_VERSION, applied: [1, 2] });
      expect(await migrate(pool, { schema })).toEqual({ schema, version: SCHEMA_VERSION, applied: [] });
      const { rows } = await pool.query<{ version: number }>(
        `SELECT version FROM "${schema}".schema_migrations ORDER BY version`,
      );
      expect(rows.map((row) => row.version)).toEqual([1, 2]);
      const tables = await pool.query<{ table_name: string }>(
        `SELECT table_name FROM information_schema.tables WHERE table_schema = $1 ORDER BY table_name`,
        [schema],
      );
      expect(tables.rows.map((row) => row.table_name)).toEqual([
        'agents',
        'revocation_log',
        'revocations',
        'schema_migrations',
      ]);
    });

    it('eight processes migrating one schema at once apply each migration exactly once', async () => {
      const schema = newSchema();
      const racers = Array.from({ length: 8 }, () => makePool(POSTGRES_URL, { max: 1 }));
      try {
        const results = await Promise.all(racers.map((pool) => migrate(pool, { schema })));
        expect(results.filter((r) => r.applied.length > 0)).toHaveLength(1);
        expect(results.every((r) => r.version === SCHEMA_VERSION)).toBe(true);
      } finally {
        await Promise.all(racers.map((pool) => pool.end()));
      }
      const { rows } = await pools[0]!.query(`SELECT version FROM "${schema}".schema_migrations`);
      expect(rows).toHaveLength(SCHEMA_VERSION);
    });

    it('refuses a database whose schema is newer than the library (ERR_CONFIGURATION), changing nothing', async () => {
      const pool = pools[0]!;
      const schema = newSchema();
      await migrate(pool, { schema });
      await pool.query(
        `INSERT INTO "${schema}".schema_migrations (version, description) VALUES ($1, 'from the future')`,
        [SCHEMA_VERSION + 1],
      );
      expect(await codeOf(migrate(pool, { schema }))).toBe('ERR_CONFIGURATION');
      const { rows } = await pool.query(`SELECT version FROM "${schema}".schema_migrations`);
      expect(rows).toHaveLength(SCHEMA_VERSION + 1);
    });

    it('validates the schema name and never builds SQL from a hostile one', async () => {
      const pool = pools[0]!;
      const hostile: unknown[] = [
        'x"; DROP SCHEMA public CASCADE; --',
        'Public',
        'pg_catalog',
        '',
        '1abc',
        'a-b',
        'a'.repeat(64),
        'schéma',
        42,
        null,
      ];
      for (const schema of hostile) {
        expect(await codeOf(migrate(pool, { schema: schema as string }))).toBe('ERR_CONFIGURATION');
        expect(() => new PostgresAgentRegistry({ pool, schema: schema as string })).toThrow(
          expect.objectContaining({ code: 'ERR_CONFIGURATION' }),
        );
        expect(() => new PostgresRevocationStore({ pool, schema: schema as string })).toThrow(
          expect.objectContaining({ code: 'ERR_CONFIGURATION' }),
        );
      }
      expect(DEFAULT_SCHEMA).toBe('trusthandoff');
      expect(await codeOf(migrate({} as PostgresPool))).toBe('ERR_CONFIGURATION');
      expect(await codeOf(migrate(pool, { schema: newSchema(), timeoutMs: 0 }))).toBe('ERR_CONFIGURATION');
    });

    it('a store on a schema that was never migrated fails closed with ERR_STORE_UNAVAILABLE', async () => {
      const stores = createPostgresStores({ pool: pools[0]!, schema: newSchema() });
      expect(await codeOf(stores.agentRegistry.resolve('agent:x'))).toBe('ERR_STORE_UNAVAILABLE');
      expect(await codeOf(stores.agentRegistry.isRevoked('agent:x'))).toBe('ERR_STORE_UNAVAILABLE');
      expect(await codeOf(stores.revocationStore.isRevoked('cap'))).toBe('ERR_STORE_UNAVAILABLE');
    });

    it('a statement the server refuses keeps its connection (no reconnect storm on a misconfiguration)', async () => {
      const pool = makePool(POSTGRES_URL, { max: 1 });
      try {
        const pid = async (): Promise<unknown> =>
          (await pool.query('SELECT pg_backend_pid() AS pid')).rows[0];
        const before = await pid();
        const unmigrated = createPostgresStores({ pool, schema: newSchema() });
        for (let i = 0; i < 3; i++) {
          expect(await codeOf(unmigrated.revocationStore.isRevoked('cap'))).toBe('ERR_STORE_UNAVAILABLE');
        }
        expect(await pid()).toEqual(before);
      } finally {
        await pool.end();
      }
    });
  });

  describe('schema', () => {
    let schema: string;
    const pool = (): TestPool => pools[0]!;
    beforeAll(async () => {
      schema = newSchema();
      await migrate(pool(), { schema });
    });

    it('stores the PEM, the raw key and the times; a revocation before registration has no key', async () => {
      const bob = AgentIdentity.generate();
      const { agentRegistry } = createPostgresStores({ pool: pool(), schema });
      await agentRegistry.register(bob.agentId, bob.publicKeyPem);
      await agentRegistry.revoke('agent:early');
      const { rows } = await pool().query<{
        agent_id: string;
        public_key_pem: string | null;
        public_key_raw: Buffer | null;
        has_times: boolean;
        revoked: boolean;
      }>(
        `SELECT agent_id, public_key_pem, public_key_raw, revoked_at IS NOT NULL AS revoked,
           registered_at IS NOT NULL AND key_updated_at IS NOT NULL AS has_times
         FROM "${schema}".agents ORDER BY agent_id`,
      );
      const byId = new Map(rows.map((row) => [row.agent_id, row]));
      expect(byId.get(bob.agentId)).toMatchObject({
        public_key_pem: bob.publicKeyPem,
        has_times: true,
        revoked: false,
      });
      expect(byId.get(bob.agentId)?.public_key_raw?.equals(bob.publicKeyRaw)).toBe(true);
      expect(byId.get('agent:early')).toMatchObject({
        public_key_pem: null,
        public_key_raw: null,
        revoked: true,
      });
    });

    it('the database itself refuses to un-revoke: no clearing, no deleting', async () => {
      const { agentRegistry, revocationStore } = createPostgresStores({ pool: pool(), schema });
      const carol = AgentIdentity.generate();
      await agentRegistry.register(carol.agentId, carol.publicKeyPem);
      await agentRegistry.revoke(carol.agentId);
      await revocationStore.revoke('cap-permanent');
      const sqlState = async (text: string, values: unknown[]): Promise<string | undefined> => {
        try {
          await pool().query(text, values);
          return undefined;
        } catch (error) {
          return (error as { code?: string }).code;
        }
      };
      // 23514: check_violation, raised by the triggers.
      expect(
        await sqlState(`UPDATE "${schema}".agents SET revoked_at = NULL WHERE agent_id = $1`, [
          carol.agentId,
        ]),
      ).toBe('23514');
      expect(await sqlState(`DELETE FROM "${schema}".agents WHERE agent_id = $1`, [carol.agentId])).toBe(
        '23514',
      );
      expect(await sqlState(`DELETE FROM "${schema}".revocations WHERE id = $1`, ['cap-permanent'])).toBe(
        '23514',
      );
      expect(
        await sqlState(`UPDATE "${schema}".revocations SET id = 'other' WHERE id = $1`, ['cap-permanent']),
      ).toBe('23514');
      // A key without its raw bytes, or raw bytes of the wrong length, cannot be written either.
      expect(
        await sqlState(`UPDATE "${schema}".agents SET public_key_raw = NULL WHERE agent_id = $1`, [
          carol.agentId,
        ]),
      ).toBe('23514');
      expect(
        await sqlState(`UPDATE "${schema}".agents SET public_key_raw = '\\x00' WHERE agent_id = $1`, [
          carol.agentId,
        ]),
      ).toBe('23514');
      expect(await agentRegistry.isRevoked(carol.agentId)).toBe(true);
      expect(await revocationStore.isRevoked('cap-permanent')).toBe(true);
      // Rotation still works on a revoked agent, and leaves the mark.
      const rotated = AgentIdentity.generate();
      await agentRegistry.register(carol.agentId, rotated.publicKeyPem);
      expect((await agentRegistry.resolve(carol.agentId))?.publicKeyPem).toBe(rotated.publicKeyPem);
      expect(await agentRegistry.isRevoked(carol.agentId)).toBe(true);
    });

    it('a corrupted row fails closed with ERR_STORE_UNAVAILABLE', async () => {
      const dave = AgentIdentity.generate();
      const erin = AgentIdentity.generate();
      await pool().query(
        `INSERT INTO "${schema}".agents (agent_id, public_key_pem, public_key_raw, registered_at, key_updated_at)
         VALUES ($1, 'not a key', $2, now(), now()), ($3, $4, $5, now(), now())`,
        ['agent:garbled', dave.publicKeyRaw, 'agent:swapped', dave.publicKeyPem, erin.publicKeyRaw],
      );
      const registry = new PostgresAgentRegistry({ pool: pool(), schema });
      expect(await codeOf(registry.resolve('agent:garbled'))).toBe('ERR_STORE_UNAVAILABLE');
      expect(await codeOf(registry.resolve('agent:swapped'))).toBe('ERR_STORE_UNAVAILABLE');
    });
  });

  describe('consistency: the binding is never cached, only the PEM import', () => {
    let schema: string;
    beforeAll(async () => {
      schema = newSchema();
      await migrate(pools[0]!, { schema });
    });

    it('a rotation or revocation committed elsewhere is seen by the next call', async () => {
      const frank = AgentIdentity.generate();
      const rotated = AgentIdentity.generate();
      const verifier = new PostgresAgentRegistry({ pool: pools[0]!, schema });
      const admin = new PostgresAgentRegistry({ pool: pools[1]!, schema });
      await admin.register(frank.agentId, frank.publicKeyPem);
      const first = await verifier.resolve(frank.agentId);
      // The import is shared: resolving again hands out the very same imported key, no new parse.
      expect((await verifier.resolve(frank.agentId))?.publicKey).toBe(first?.publicKey);
      expect(first?.publicKey).toBe(parsePublicKeyPem(frank.publicKeyPem));

      await admin.register(frank.agentId, rotated.publicKeyPem);
      expect((await verifier.resolve(frank.agentId))?.publicKey.raw.equals(rotated.publicKeyRaw)).toBe(true);

      // Straight SQL, behind every registry's back, is seen too.
      await pools[1]!.query(
        `UPDATE "${schema}".agents SET public_key_pem = $2, public_key_raw = $3 WHERE agent_id = $1`,
        [frank.agentId, frank.publicKeyPem, frank.publicKeyRaw],
      );
      expect((await verifier.resolve(frank.agentId))?.publicKeyPem).toBe(frank.publicKeyPem);

      expect(await verifier.isRevoked(frank.agentId)).toBe(false);
      await pools[1]!.query(`UPDATE "${schema}".agents SET revoked_at = now() WHERE agent_id = $1`, [
        frank.agentId,
      ]);
      expect(await verifier.isRevoked(frank.agentId)).toBe(true);
    });
  });

  describe('ids', () => {
    let stores: ReturnType<typeof createPostgresStores>;
    beforeAll(async () => {
      const schema = newSchema();
      await migrate(pools[0]!, { schema });
      stores = createPostgresStores({ pool: pools[0]!, schema });
    });

    it('ids are opaque text: separators, unicode, empty and prefix-like ids do not collide', async () => {
      const ids = [
        'a:b',
        'a',
        'a:',
        ':a',
        'ü🙂',
        '',
        'trusthandoff:revocation:x',
        'x',
        'x'.repeat(MAX_ID_BYTES),
      ];
      for (const id of ids) {
        expect(await stores.revocationStore.isRevoked(id)).toBe(false);
        await stores.revocationStore.revoke(id);
        expect(await stores.revocationStore.isRevoked(id)).toBe(true);
      }
      expect(await stores.revocationStore.isRevoked('A')).toBe(false);
    });

    it('ids that text cannot hold are refused on write (ERR_PAYLOAD_VALIDATION) and absent on read', async () => {
      const alice = AgentIdentity.generate();
      const unstorable = [
        'nul\u0000byte',
        'lone\uD800',
        'lone\uDC00',
        'x'.repeat(MAX_ID_BYTES + 1),
        'ü'.repeat(1025),
      ];
      for (const id of unstorable) {
        expect(await codeOf(stores.revocationStore.revoke(id))).toBe('ERR_PAYLOAD_VALIDATION');
        expect(await stores.revocationStore.isRevoked(id)).toBe(false);
        expect(await codeOf(stores.agentRegistry.register(id, alice.publicKeyPem))).toBe(
          'ERR_PAYLOAD_VALIDATION',
        );
        expect(await codeOf(stores.agentRegistry.revoke(id))).toBe('ERR_PAYLOAD_VALIDATION');
        expect(await stores.agentRegistry.resolve(id)).toBeUndefined();
        expect(await stores.agentRegistry.isRegistered(id)).toBe(false);
        expect(await stores.agentRegistry.isRevoked(id)).toBe(false);
      }
      // Two lone surrogates that a UTF-8 encoder would both turn into U+FFFD stay distinct ids.
      expect(await stores.revocationStore.isRevoked('\uFFFD')).toBe(false);
    });
  });

  describe('deadline', () => {
    it('a call stuck behind a lock fails closed at commandTimeoutMs and is cancelled on the server too', async () => {
      const schema = newSchema();
      await migrate(pools[0]!, { schema });
      const grace = AgentIdentity.generate();
      const rotated = AgentIdentity.generate();
      const registry = new PostgresAgentRegistry({ pool: pools[0]!, schema, commandTimeoutMs: 200 });
      await registry.register(grace.agentId, grace.publicKeyPem);

      const blocker = await pools[1]!.connect();
      try {
        await blocker.query('BEGIN');
        await blocker.query(`SELECT 1 FROM "${schema}".agents WHERE agent_id = $1 FOR UPDATE`, [
          grace.agentId,
        ]);
        const started = Date.now();
        expect(await codeOf(registry.register(grace.agentId, rotated.publicKeyPem))).toBe(
          'ERR_STORE_UNAVAILABLE',
        );
        expect(Date.now() - started).toBeLessThan(2000);
        // Reads do not wait for row locks.
        expect((await registry.resolve(grace.agentId))?.publicKeyPem).toBe(grace.publicKeyPem);
        await new Promise((resolve) => setTimeout(resolve, 300));
      } finally {
        await blocker.query('COMMIT');
        blocker.release();
      }
      // The registration the store gave up on was not applied after the lock went away.
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect((await registry.resolve(grace.agentId))?.publicKeyPem).toBe(grace.publicKeyPem);
    });

    it('sets statement_timeout on its connections to its own deadline', async () => {
      const pool = makePool(POSTGRES_URL, { max: 1 });
      try {
        const schema = newSchema();
        await migrate(pool, { schema });
        await new PostgresRevocationStore({ pool, schema, commandTimeoutMs: 321 }).isRevoked('x');
        const { rows } = await pool.query<{ statement_timeout: string }>('SHOW statement_timeout');
        expect(rows[0]?.statement_timeout).toBe('321ms');
      } finally {
        await pool.end();
      }
    });
  });

  describe('construction', () => {
    it('defaults to a 500 ms deadline and refuses unsafe options with ERR_CONFIGURATION', () => {
      const pool = pools[0]!;
      expect(DEFAULT_COMMAND_TIMEOUT_MS).toBe(500);
      expect(new PostgresAgentRegistry({ pool }).commandTimeoutMs).toBe(500);
      expect(new PostgresRevocationStore({ pool, commandTimeoutMs: 50 }).commandTimeoutMs).toBe(50);
      const bad: unknown[] = [
        undefined,
        null,
        {},
        { pool: {} },
        { pool: null },
        { pool, commandTimeoutMs: 0 },
        { pool, commandTimeoutMs: 1.5 },
        { pool, commandTimeoutMs: Number.NaN },
        { pool, commandTimeoutMs: 120_000 },
        { pool, maxInFlight: 0 },
        { pool, maxInFlight: 2.5 },
        { pool, schema: 5 },
      ];
      for (const Store of [PostgresAgentRegistry, PostgresRevocationStore]) {
        for (const options of bad) {
          expect(() => new Store(options as { pool: PostgresPool })).toThrow(
            expect.objectContaining({ code: 'ERR_CONFIGURATION' }),
          );
        }
      }
      expect(() => createPostgresStores(null as unknown as { pool: PostgresPool })).toThrow(
        expect.objectContaining({ code: 'ERR_CONFIGURATION' }),
      );
    });
  });
});
