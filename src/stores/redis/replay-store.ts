import { normaliseTtlMs } from '../durations.js';
import type { ReplayStore } from '../types.js';
import { RedisCommandRunner, unexpectedReply, type RedisStoreOptions } from './client.js';
import { replayStoreKey } from './keys.js';

/** Default key prefix of {@link RedisReplayStore} (SPEC §5). */
export const DEFAULT_REPLAY_KEY_PREFIX = 'trusthandoff:replay:';

/**
 * A {@link ReplayStore} shared by every verifier on one Redis. Each check is a single atomic
 * `SET <prefix><key> 1 NX PX <ttl>`: exactly one of any number of concurrent callers sees "new", and
 * the record expires on the server (the reference's SETNX-then-EXPIRE could leave an immortal key, or
 * none). On any failure or timeout it throws {@link StoreUnavailableError}; it never answers "new"
 * without the server having stored the key.
 *
 * Key layout: a key in the gate's form `<n>:<from_agent>:<nonce>` is stored as
 * `<prefix>{<from_agent>}<key>`, in the sender's Redis Cluster slot next to its registry hash (so the
 * admission script can touch both); any other key as `<prefix>{<key>}`.
 */
export class RedisReplayStore implements ReplayStore {
  readonly #redis: RedisCommandRunner;

  constructor(options: RedisStoreOptions) {
    this.#redis = new RedisCommandRunner(options, DEFAULT_REPLAY_KEY_PREFIX, 'RedisReplayStore');
  }

  /** The runner, so that `RedisAgentRegistry.admissionStore` can check the stores share a client. */
  get redisRunner(): RedisCommandRunner {
    return this.#redis;
  }

  /** This store's own per-command deadline, ms; a gate adds none of its own on top. */
  get commandTimeoutMs(): number {
    return this.#redis.timeoutMs;
  }

  async checkAndStore(key: string, ttlMs: number): Promise<boolean> {
    const px = normaliseTtlMs(ttlMs);
    const fullKey = replayStoreKey(this.#redis.keyPrefix, key);
    const reply = await this.#redis.runWrite(
      fullKey,
      (client) => client.set(fullKey, '1', { condition: 'NX', expiration: { type: 'PX', value: px } }),
      (stored) => stored === 'OK',
    );
    if (reply === 'OK') return true;
    if (reply === null) return false;
    throw unexpectedReply('SET NX PX');
  }
}
