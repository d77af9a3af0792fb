import type { RevocationStore } from '../types.js';
import {
  existsReply,
  RedisCommandRunner,
  unexpectedReply,
  WHILE_UNTRUSTED,
  type RedisStoreOptions,
} from './client.js';

/** Default key prefix of {@link RedisRevocationStore} (SPEC §5). */
export const DEFAULT_REVOCATION_KEY_PREFIX = 'trusthandoff:revocation:';

/**
 * A {@link RevocationStore} shared by every verifier on one Redis: `<prefix><id>` is set without a
 * TTL, so a revocation survives restarts of the verifiers (and of Redis, when it persists). Failures
 * and timeouts throw {@link StoreUnavailableError}; a gate must not read that as "not revoked".
 * Revocation ids are global (not tied to a sender), so on Redis Cluster each lives in the slot of its
 * own key; the admission store reads them beside its script (docs/redis-cluster.md).
 */
export class RedisRevocationStore implements RevocationStore {
  readonly #redis: RedisCommandRunner;

  constructor(options: RedisStoreOptions) {
    this.#redis = new RedisCommandRunner(options, DEFAULT_REVOCATION_KEY_PREFIX, 'RedisRevocationStore');
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
  }

  async isRevoked(id: string): Promise<boolean> {
    const fullKey = this.#redis.keyPrefix + id;
    return existsReply(await this.#redis.run((client) => client.exists(fullKey)), 'EXISTS');
  }
}
