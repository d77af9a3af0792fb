/**
 * `trusthandoff/postgres`: a durable agent registry and revocation store on PostgreSQL, the system
 * of record for who is trusted and what is revoked (pair it with the Redis replay store for the hot
 * nonce path). The caller creates and ends the `pg` pool; nothing here imports `pg`, and the core
 * entry point never imports this module. Run {@link migrate} before using the stores.
 */
import type { AgentRegistry, RevocationStore } from '../types.js';
import { ConfigurationError } from '../../errors.js';
import { PostgresAgentRegistry } from './agent-registry.js';
import type { PostgresStoreOptions } from './client.js';
import { PostgresRevocationStore } from './revocation-store.js';

export {
  DEFAULT_COMMAND_TIMEOUT_MS,
  DEFAULT_SCHEMA,
  MAX_ID_BYTES,
  type PostgresPool,
  type PostgresPoolClient,
  type PostgresQueryConfig,
  type PostgresStoreOptions,
} from './client.js';
export { migrate, SCHEMA_VERSION, type MigrateOptions, type MigrationResult } from './migrate.js';
export { PostgresAgentRegistry } from './agent-registry.js';
export { PostgresRevocationStore } from './revocation-store.js';
export {
  PostgresInvalidationFeed,
  invalidationChannel,
  type PostgresInvalidationFeedOptions,
} from './invalidation.js';

export interface PostgresStores {
  readonly agentRegistry: AgentRegistry;
  readonly revocationStore: RevocationStore;
}

/** Both PostgreSQL stores on one pool, schema and deadline. Options are checked here, not per call. */
export function createPostgresStores(options: PostgresStoreOptions): PostgresStores {
  if (options === null || typeof options !== 'object') {
    throw new ConfigurationError('createPostgresStores needs options with a pg Pool');
  }
  return Object.freeze({
    agentRegistry: new PostgresAgentRegistry(options),
    revocationStore: new PostgresRevocationStore(options),
  });
}
