/**
 * The in-process side of every {@link InvalidationFeed}: a set of listeners and a fan-out that no
 * listener can break. The memory stores use it directly; the Redis and PostgreSQL feeds deliver what
 * their connection receives through it.
 */
import { ConfigurationError } from '../errors.js';
import {
  isInvalidationFeed,
  type Invalidation,
  type InvalidationFeed,
  type InvalidationListener,
} from './types.js';

/** Listeners of one feed. `emit` calls each once per notice; a listener that throws is ignored. */
export class InvalidationListeners implements InvalidationFeed {
  readonly #listeners = new Set<InvalidationListener>();

  get size(): number {
    return this.#listeners.size;
  }

  subscribe(listener: InvalidationListener): () => void {
    if (typeof listener !== 'function') throw new ConfigurationError('listener must be a function');
    // A wrapper per subscription: the same function subscribed twice is two subscriptions.
    const entry: InvalidationListener = (invalidation) => {
      listener(invalidation);
    };
    this.#listeners.add(entry);
    return () => {
      this.#listeners.delete(entry);
    };
  }

  emit(invalidation: Invalidation): void {
    const notice = Object.freeze(invalidation);
    for (const listener of [...this.#listeners]) {
      try {
        listener(notice);
      } catch {
        // A listener never stops the others from hearing of a revocation.
      }
    }
  }
}

/** One feed that delivers the notices of all of `feeds` (e.g. a memory registry and a memory revocation store). */
export function combineInvalidationFeeds(...feeds: readonly InvalidationFeed[]): InvalidationFeed {
  for (const feed of feeds) {
    if (!isInvalidationFeed(feed)) throw new ConfigurationError('every feed must have subscribe()');
  }
  return Object.freeze({
    subscribe(listener: InvalidationListener): () => void {
      const stops = feeds.map((feed) => feed.subscribe(listener));
      return () => {
        for (const stop of stops) stop();
      };
    },
  });
}
