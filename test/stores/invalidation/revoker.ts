/**
 * Process A of the cross-process invalidation tests: revoke one agent or id in a shared store, then
 * exit. Args: <redis|postgres> <url> <prefix or schema> <agent|revocation> <id>. Run through
 * test/support/ts-child.ts, never imported.
 */
import { createClient } from '@redis/client';
import pg from 'pg';
import { createPostgresStores } from '../../../src/stores/postgres/index.js';
import { createRedisStores } from '../../../src/stores/redis/index.js';

const [backend, url, namespace, kind, id] = process.argv.slice(2);
if (backend === undefined || url === undefined || namespace === undefined || id === undefined) {
  throw new Error('usage: revoker <redis|postgres> <url> <prefix|schema> <agent|revocation> <id>');
}
if (backend === 'redis') {
  const client = createClient({ url });
  await client.connect();
  const stores = createRedisStores({ client, keyPrefix: namespace });
  if (kind === 'agent') await stores.agentRegistry.revoke(id);
  else await stores.revocationStore.revoke(id);
  client.destroy();
} else {
  const pool = new pg.Pool({ connectionString: url, max: 1 });
  const stores = createPostgresStores({ pool, schema: namespace });
  if (kind === 'agent') await stores.agentRegistry.revoke(id);
  else await stores.revocationStore.revoke(id);
  await pool.end();
}
process.stdout.write('revoked\n');
