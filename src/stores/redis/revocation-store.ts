import type { RevocationStore } from '../types.js';
import {
  existsReply,
  RedisCommandRunner,
  unexpectedReply,
  WHILE_UNTRUSTED,
  type RedisStoreOptions,
} from './client.js';
import { RedisInvalidationLog, type RedisInvalidationOptions } from './invalidation.js';

export interface RedisRevocationStoreOptions extends RedisStoreOptions {
  /**
   * Where each revocation is logged and announced to `RedisInvalidationFeed`s (docs/invalidation.md);
   * default: the default log. `false`: revocations are only read by lookups (and polling watchers).
   */
  readonly invalidation?: RedisInvalidationOptions | false;
}

/** Default key prefix of {@link RedisRevocationStore} (SPEC §5). */
export const DEFAULT_REVOCATION_KEY_PREFIX = 'trusthandoff:revocation:';

/**
 * A {@link RevocationStore} shared by every verifier on one Redis: `<prefix><id>` is set without a
 * TTL, so a revocation survives restarts of the verifiers (and of Redis, when it persists). Failures
 * and timeouts throw {@link StoreUnavailableError}; a gate must not read that as "not revoked".
 * Revocation ids are global (not tied to a sender), so on Redis Cluster each lives in the slot of its
 * own key; the admission store reads them beside its script (docs/redis-cluster.md).
 * After the mark is written, the revocation is appended to the revocation log and published to every
 * `RedisInvalidationFeed` (unless `invalidation: false`); a failure there rejects `revoke` (the mark
 * stays: retry, revocation is idempotent).
 */
export class RedisRevocationStore implements RevocationStore {
  readonly #redis: RedisCommandRunner;
  readonly #log: RedisInvalidationLog | undefined;

  constructor(options: RedisRevocationStoreOptions) {
    this.#redis = new RedisCommandRunner(options, DEFAULT_REVOCATION_KEY_PREFIX, 'RedisRevocationStore');
    const invalidation = options.invalidation ?? {};
    this.#log =
      invalidation === false
        ? undefined
        : new RedisInvalidationLog(this.#redis, invalidation, 'RedisRevocationStore');
  }

  /** The runner, so that `RedisAgentRegistry.admissionStore` can check the stores share a client. */
  get redisRunner(): RedisCommandRunner {
    return this.#redis;
  }

  /** This store's own per-command deadline, ms; a gate adds none of its own on top. */
  get commandTimeoutMs(): number {
    return this.#redis.timeoutMs;
  }

  async revoke(id: string): Promise<void> {
    const fullKey = this.#redis.keyPrefix + id;
    const reply = await this.#redis.runWrite(
      fullKey,
      (client) => client.set(fullKey, '1'),
      (stored) => stored === 'OK',
      WHILE_UNTRUSTED,
    );
    if (reply !== 'OK') throw unexpectedReply('SET');
    await this.#log?.append('revocation', id);
  }

  async isRevoked(id: string): Promise<boolean> {
    const fullKey = this.#redis.keyPrefix + id;
    return existsReply(await this.#redis.run((client) => client.exists(fullKey)), 'EXISTS');
  }
}
