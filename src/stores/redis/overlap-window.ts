import { overlapWindowMs } from '../durations.js';
import type { OverlapWindow } from '../types.js';
import { existsReply, RedisCommandRunner, unexpectedReply, type RedisStoreOptions } from './client.js';

/** Default key prefix of {@link RedisOverlapWindow}. */
export const DEFAULT_OVERLAP_KEY_PREFIX = 'trusthandoff:overlap:';

export interface RedisOverlapWindowOptions extends RedisStoreOptions {
  /** Window length in seconds (default 30, SPEC §5); fractions are allowed (millisecond precision). */
  readonly windowSeconds?: number;
}

/**
 * An {@link OverlapWindow} shared by every verifier on one Redis: `register` sets `<prefix><tokenId>`
 * with `PX <window>`, so the server expires it and every verifier agrees on when the window closes
 * (no clock of a verifier is involved). Registering again restarts the window.
 */
export class RedisOverlapWindow implements OverlapWindow {
  readonly #redis: RedisCommandRunner;
  readonly #windowMs: number;

  constructor(options: RedisOverlapWindowOptions) {
    this.#redis = new RedisCommandRunner(options, DEFAULT_OVERLAP_KEY_PREFIX, 'RedisOverlapWindow');
    this.#windowMs = overlapWindowMs(options.windowSeconds, 'RedisOverlapWindow');
  }

  async register(tokenId: string): Promise<void> {
    const fullKey = this.#redis.keyPrefix + tokenId;
    const px = this.#windowMs;
    const reply = await this.#redis.run((client) =>
      client.set(fullKey, '1', { expiration: { type: 'PX', value: px } }),
    );
    if (reply !== 'OK') throw unexpectedReply('SET PX');
  }

  async isValid(tokenId: string): Promise<boolean> {
    const fullKey = this.#redis.keyPrefix + tokenId;
    return existsReply(await this.#redis.run((client) => client.exists(fullKey)), 'EXISTS');
  }
}
