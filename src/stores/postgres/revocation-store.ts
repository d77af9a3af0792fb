import type { RevocationStore } from '../types.js';
import {
  isStorableId,
  PostgresStatementRunner,
  statement,
  storableId,
  unexpectedReply,
  type PostgresStoreOptions,
  type PreparedStatement,
} from './client.js';

/**
 * A {@link RevocationStore} on PostgreSQL: one row per revoked id in `<schema>.revocations` (created
 * by `migrate`). Rows are append-only — a database trigger refuses UPDATE and DELETE — so a
 * revocation is permanent and seen by every verifier's next lookup once committed. Nothing is cached
 * in-process. Failures and timeouts throw {@link StoreUnavailableError}; a gate must not read that as
 * "not revoked".
 */
export class PostgresRevocationStore implements RevocationStore {
  readonly #pg: PostgresStatementRunner;
  readonly #revoke: PreparedStatement;
  readonly #isRevoked: PreparedStatement;

  constructor(options: PostgresStoreOptions) {
    this.#pg = new PostgresStatementRunner(options, 'PostgresRevocationStore');
    const revocations = `${this.#pg.schema}.revocations`;
    this.#revoke = statement(`INSERT INTO ${revocations} (id) VALUES ($1) ON CONFLICT (id) DO NOTHING`);
    this.#isRevoked = statement(`SELECT EXISTS (SELECT 1 FROM ${revocations} WHERE id = $1) AS revoked`);
  }

  /** This store's own per-call deadline, ms; a gate adds none of its own on top. */
  get commandTimeoutMs(): number {
    return this.#pg.timeoutMs;
  }

  async revoke(id: string): Promise<void> {
    await this.#pg.run(this.#revoke, [storableId(id, 'revocation id')]);
  }

  async isRevoked(id: string): Promise<boolean> {
    // Such an id cannot have been revoked here: `revoke` refuses it.
    if (!isStorableId(id)) return false;
    const rows = await this.#pg.run(this.#isRevoked, [id]);
    const row = rows[0] as { revoked?: unknown } | null | undefined;
    if (rows.length !== 1 || row === null || typeof row !== 'object' || typeof row.revoked !== 'boolean') {
      throw unexpectedReply('isRevoked');
    }
    return row.revoked;
  }
}
