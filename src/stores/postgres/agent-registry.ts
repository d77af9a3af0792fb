import { StoreUnavailableError } from '../../errors.js';
import { parsePublicKeyPem } from '../../identity/keys.js';
import type { AgentRegistry, RegisteredAgent } from '../types.js';
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
 * An {@link AgentRegistry} on PostgreSQL, the system of record for who is trusted: one row per agent
 * in `<schema>.agents` (created by `migrate`), with its key (PEM text and raw bytes) and a sticky
 * `revoked_at`. A registration replaces the key (rotation) and never touches `revoked_at`; a database
 * trigger refuses to clear it, so nothing — not even SQL behind the registry's back — un-revokes.
 *
 * Consistency: the binding itself is never cached. Every `resolve`, `isRegistered` and `isRevoked`
 * reads the committed row, so a rotation or revocation committed by any process is seen by the next
 * call everywhere. Only the PEM → key import is cached, in the bounded process-wide cache of
 * `parsePublicKeyPem` (keyed by the exact PEM text): a decision does not parse a PEM again, and a
 * rotated key is a different text, so it can never be answered with the old key.
 *
 * Keys are checked before anything is written (`InvalidKeyError`, nothing changes). A stored row
 * whose PEM does not import, or does not match its raw bytes, is a backend failure:
 * {@link StoreUnavailableError}.
 */
export class PostgresAgentRegistry implements AgentRegistry {
  readonly #pg: PostgresStatementRunner;
  readonly #register: PreparedStatement;
  readonly #resolve: PreparedStatement;
  readonly #isRegistered: PreparedStatement;
  readonly #revoke: PreparedStatement;
  readonly #isRevoked: PreparedStatement;

  constructor(options: PostgresStoreOptions) {
    this.#pg = new PostgresStatementRunner(options, 'PostgresAgentRegistry');
    const agents = `${this.#pg.schema}.agents`;
    this.#register = statement(
      `INSERT INTO ${agents} AS a (agent_id, public_key_pem, public_key_raw, registered_at, key_updated_at)
       VALUES ($1, $2, $3, now(), now())
       ON CONFLICT (agent_id) DO UPDATE SET
         public_key_pem = EXCLUDED.public_key_pem,
         public_key_raw = EXCLUDED.public_key_raw,
         registered_at = COALESCE(a.registered_at, EXCLUDED.registered_at),
         key_updated_at = EXCLUDED.key_updated_at`,
    );
    this.#resolve = statement(`SELECT public_key_pem, public_key_raw FROM ${agents} WHERE agent_id = $1`);
    this.#isRegistered = statement(
      `SELECT public_key_pem IS NOT NULL AS registered FROM ${agents} WHERE agent_id = $1`,
    );
    // A revocation of an agent that never registered creates its row, so a later registration finds
    // the mark already there. An agent already revoked keeps its first revocation time (no write).
    this.#revoke = statement(
      `INSERT INTO ${agents} AS a (agent_id, revoked_at) VALUES ($1, now())
       ON CONFLICT (agent_id) DO UPDATE SET revoked_at = EXCLUDED.revoked_at WHERE a.revoked_at IS NULL`,
    );
    this.#isRevoked = statement(
      `SELECT revoked_at IS NOT NULL AS revoked FROM ${agents} WHERE agent_id = $1`,
    );
  }

  /** This store's own per-call deadline, ms; a gate adds none of its own on top. */
  get commandTimeoutMs(): number {
    return this.#pg.timeoutMs;
  }

  async register(agentId: string, publicKeyPem: string): Promise<void> {
    const publicKey = parsePublicKeyPem(publicKeyPem);
    const id = storableId(agentId, 'agentId');
    await this.#pg.run(this.#register, [id, publicKeyPem, publicKey.raw]);
  }

  async resolve(agentId: string): Promise<RegisteredAgent | undefined> {
    // An id that cannot be stored was never registered.
    if (!isStorableId(agentId)) return undefined;
    const row = firstRow(await this.#pg.run(this.#resolve, [agentId]), 'resolve');
    if (row === undefined || row['public_key_pem'] === null) return undefined;
    const publicKeyPem = row['public_key_pem'];
    const raw = row['public_key_raw'];
    if (typeof publicKeyPem !== 'string' || !Buffer.isBuffer(raw)) throw unexpectedReply('resolve');
    let publicKey;
    try {
      publicKey = parsePublicKeyPem(publicKeyPem);
    } catch (error) {
      throw new StoreUnavailableError('agent registry holds a key that does not import', { cause: error });
    }
    if (!publicKey.raw.equals(raw)) {
      throw new StoreUnavailableError('agent registry row: the PEM and the raw key differ');
    }
    return Object.freeze({ agentId, publicKeyPem, publicKey });
  }

  async isRegistered(agentId: string): Promise<boolean> {
    if (!isStorableId(agentId)) return false;
    return booleanColumn(await this.#pg.run(this.#isRegistered, [agentId]), 'registered');
  }

  async revoke(agentId: string): Promise<void> {
    const id = storableId(agentId, 'agentId');
    await this.#pg.run(this.#revoke, [id]);
  }

  async isRevoked(agentId: string): Promise<boolean> {
    // Such an id cannot have been revoked here: `revoke` refuses it.
    if (!isStorableId(agentId)) return false;
    return booleanColumn(await this.#pg.run(this.#isRevoked, [agentId]), 'revoked');
  }
}

/** The only row of a primary-key lookup, or undefined when there is none. */
function firstRow(rows: unknown[], what: string): Record<string, unknown> | undefined {
  if (rows.length === 0) return undefined;
  const row = rows[0];
  if (rows.length !== 1 || row === null || typeof row !== 'object') throw unexpectedReply(what);
  return row as Record<string, unknown>;
}

/** A boolean column of a primary-key lookup; no row is false. Anything else fails closed. */
function booleanColumn(rows: unknown[], column: string): boolean {
  const row = firstRow(rows, column);
  if (row === undefined) return false;
  const value = row[column];
  if (typeof value !== 'boolean') throw unexpectedReply(column);
  return value;
}
