/** The NOTIFY channel of a schema's revocation log: shared by the migration and the feed. */
import { createHash } from 'node:crypto';

/**
 * `th_invalidation_<24 hex>`: a channel per schema (a channel name is an identifier of at most 63
 * bytes, too short to hold every schema name, so the name is hashed). Lower case and unquoted-safe.
 */
export function invalidationChannel(schemaName: string): string {
  return `th_invalidation_${createHash('sha256').update(schemaName).digest('hex').slice(0, 24)}`;
}
