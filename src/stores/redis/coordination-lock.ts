import { randomUUID } from 'node:crypto';
import { DEFAULT_LOCK_TTL_SECONDS, normaliseLeaseSeconds } from '../durations.js';
import type { CoordinationLock } from '../types.js';
import { RedisCommandRunner, unexpectedReply, type RedisStoreOptions } from './client.js';

/** Default key prefix of {@link RedisCoordinationLock}. */
export const DEFAULT_LOCK_KEY_PREFIX = 'trusthandoff:lock:';

// Delete the lock only while it still holds our token: compare and delete in one atomic step.
const RELEASE_IF_OWNER = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) else return 0 end`;

/**
 * A {@link CoordinationLock} on Redis: `acquire` is `SET <prefix><name> <owner> NX EX <ttl>`, where
 * `<owner>` is a random token of this lock object. Stricter than the reference (which releases with a
 * plain `DEL`): `release` deletes the key only while it still holds this object's token, so a holder
 * whose lease expired cannot release a lock that someone else has taken since. Not reentrant: a second
 * `acquire` by the holder resolves false until the lease ends or it releases.
 */
export class RedisCoordinationLock implements CoordinationLock {
  readonly #redis: RedisCommandRunner;
  readonly #owner = randomUUID();

  constructor(options: RedisStoreOptions) {
    this.#redis = new RedisCommandRunner(options, DEFAULT_LOCK_KEY_PREFIX, 'RedisCoordinationLock');
  }

  async acquire(name: string, ttlSeconds: number = DEFAULT_LOCK_TTL_SECONDS): Promise<boolean> {
    const ex = normaliseLeaseSeconds(ttlSeconds);
    const fullKey = this.#redis.keyPrefix + name;
    const owner = this.#owner;
    const reply = await this.#redis.run((client) =>
      client.set(fullKey, owner, { condition: 'NX', expiration: { type: 'EX', value: ex } }),
    );
    if (reply === 'OK') return true;
    if (reply === null) return false;
    throw unexpectedReply('SET NX EX');
  }

  async release(name: string): Promise<void> {
    const fullKey = this.#redis.keyPrefix + name;
    const owner = this.#owner;
    const reply = await this.#redis.run((client) =>
      client.eval(RELEASE_IF_OWNER, { keys: [fullKey], arguments: [owner] }),
    );
    if (reply !== 0 && reply !== 1) throw unexpectedReply('EVAL release');
  }
}
