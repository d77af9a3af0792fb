/**
 * SPEC §8 revalidation watcher: while a long task runs, call `revalidate()` every interval (at least
 * 0.5 s, ± jitter) and mark the capability stale when it returns false (`revalidation_failed`), throws
 * (`revalidation_exception:<Name>:<message>`), throws a RevocationConsistencyError (revocation-stale,
 * reason = the error's message), does not answer within the check timeout, or when `expires_at`
 * passes (`expired_by_revalidation_watcher`). Going stale emits `capability_stale` once and stops
 * the watcher. Timers are unref'd: a watcher never keeps the process alive.
 *
 * With `invalidation` the watcher also listens to an {@link InvalidationFeed} (docs/invalidation.md):
 * a pushed revocation of one of the watched agents or ids makes it stale at once (`invalidated`),
 * without waiting for the next check; a `resync` notice (the feed may have missed revocations) runs a
 * check at once. Polling stays on as the safety net for a feed that is down.
 */
import { ConfigurationError, RevocationConsistencyError, StaleCapabilityError } from '../errors.js';
import { checkEventPort } from '../events/check.js';
import type { EventPort } from '../events/types.js';
import { Timestamp } from '../wire/timestamp.js';
import { attempt, withDeadline } from '../lib/deadline.js';
import { isInvalidationFeed, type Invalidation, type InvalidationFeed } from '../stores/types.js';

export const MIN_REVALIDATION_INTERVAL_SECONDS = 0.5;
export const DEFAULT_REVALIDATION_JITTER = 0.2;

/** The stale reason of a watcher told by its feed that something it watches was revoked. */
export const INVALIDATED_REASON = 'invalidated';

/** What a watcher listens for on an {@link InvalidationFeed}. */
export interface WatcherInvalidation {
  readonly feed: InvalidationFeed;
  /** Agents whose revocation (registry) makes the watched capability stale: sender, issuers. */
  readonly agents?: Iterable<string>;
  /** Ids whose revocation (revocation store) makes it stale: packet, task, capability ids. */
  readonly ids?: Iterable<string>;
}

export interface RevalidationWatcherOptions {
  /** What is watched (a packet id or capability id); carried in `capability_stale`. */
  readonly capabilityId: string;
  /** Resolves true while the capability is still good. */
  readonly revalidate: () => boolean | Promise<boolean>;
  /** Seconds between checks; unset or ≤ 0 disables the watcher; values below 0.5 count as 0.5. */
  readonly intervalSeconds?: number | null;
  /** Relative jitter in [0, 1] (default 0.2): each wait is drawn from interval × [1 − j, 1 + j]. */
  readonly jitter?: number;
  /** The capability's own expiry. */
  readonly expiresAt?: Timestamp | Date | number | null;
  /** A `revalidate()` call that takes longer is a failure (default: max(interval, 5 s)). */
  readonly checkTimeoutMs?: number;
  /** Stops the watcher when aborted. */
  readonly signal?: AbortSignal;
  /** Pushed revocations: stale at once when one names a watched agent or id (see the module comment). */
  readonly invalidation?: WatcherInvalidation;
  /** Where `capability_stale` goes. Without a port the watcher emits nothing. */
  readonly events?: EventPort;
  /** Clock in epoch milliseconds (default `Date.now`). */
  readonly now?: () => number;
  /** Random source in [0, 1) for the jitter (default `Math.random`). */
  readonly random?: () => number;
}

export interface RevalidationState {
  readonly staleDetected: boolean;
  readonly staleReason: string | null;
  readonly isRevocationStale: boolean;
  /** Epoch ms of the last check, or null before the first. */
  readonly lastCheckedAt: number | null;
  readonly lastResult: boolean | null;
  readonly lastError: string | null;
  /** Seconds from start to the last check. */
  readonly elapsedSeconds: number;
  readonly checks: number;
}

class RevalidationTimeout extends Error {
  override readonly name = 'TimeoutError';
}

export class RevalidationWatcher {
  readonly capabilityId: string;
  /** The effective interval in seconds, or null when disabled. */
  readonly intervalSeconds: number | null;
  readonly jitter: number;
  readonly #revalidate: () => boolean | Promise<boolean>;
  readonly #expiresAtMs: number | null;
  readonly #checkTimeoutMs: number;
  readonly #events: EventPort | undefined;
  readonly #now: () => number;
  readonly #random: () => number;
  readonly #signal: AbortSignal | undefined;
  readonly #onAbort = (): void => void this.stop();
  readonly #stale = new AbortController();
  readonly #invalidation:
    { readonly feed: InvalidationFeed; readonly agents: Set<string>; readonly ids: Set<string> } | undefined;
  #unsubscribe: (() => void) | undefined;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;
  #checkAgain = false;
  #started = false;
  #stopped = false;
  #startedAt = 0;
  #state: RevalidationState = Object.freeze({
    staleDetected: false,
    staleReason: null,
    isRevocationStale: false,
    lastCheckedAt: null,
    lastResult: null,
    lastError: null,
    elapsedSeconds: 0,
    checks: 0,
  });

  constructor(options: RevalidationWatcherOptions) {
    if (typeof options.capabilityId !== 'string' || options.capabilityId === '') {
      throw new ConfigurationError('capabilityId must be a non-empty string');
    }
    if (typeof options.revalidate !== 'function')
      throw new ConfigurationError('revalidate must be a function');
    const jitter = options.jitter ?? DEFAULT_REVALIDATION_JITTER;
    if (typeof jitter !== 'number' || !(jitter >= 0 && jitter <= 1))
      throw new ConfigurationError('jitter must be in [0, 1]');
    const interval = options.intervalSeconds;
    if (
      interval !== undefined &&
      interval !== null &&
      (typeof interval !== 'number' || Number.isNaN(interval))
    ) {
      throw new ConfigurationError('intervalSeconds must be a number');
    }
    this.capabilityId = options.capabilityId;
    this.intervalSeconds =
      interval === undefined || interval === null || interval <= 0
        ? null
        : Math.max(interval, MIN_REVALIDATION_INTERVAL_SECONDS);
    this.jitter = jitter;
    this.#revalidate = options.revalidate;
    this.#expiresAtMs = toEpochMs(options.expiresAt);
    const timeout = options.checkTimeoutMs ?? Math.max((this.intervalSeconds ?? 0) * 1000, 5000);
    if (!(timeout > 0)) throw new ConfigurationError('checkTimeoutMs must be > 0');
    this.#checkTimeoutMs = timeout;
    this.#events = checkEventPort(options.events);
    this.#now = options.now ?? Date.now;
    this.#random = options.random ?? Math.random;
    this.#signal = options.signal;
    this.#invalidation = watchedInvalidation(options.invalidation);
  }

  get enabled(): boolean {
    return this.intervalSeconds !== null;
  }

  get state(): RevalidationState {
    return this.#state;
  }

  get isStale(): boolean {
    return this.#state.staleDetected;
  }

  /** Aborted (with a StaleCapabilityError or RevocationConsistencyError as reason) once stale. */
  get staleSignal(): AbortSignal {
    return this.#stale.signal;
  }

  /** Start checking (the first check runs at once). No-op when disabled, started, or stopped. */
  start(): this {
    if (!this.enabled || this.#started || this.#stopped) return this;
    this.#started = true;
    this.#startedAt = this.#now();
    if (this.#signal !== undefined) {
      if (this.#signal.aborted) {
        void this.stop();
        return this;
      }
      this.#signal.addEventListener('abort', this.#onAbort, { once: true });
    }
    // Subscribed before the first check: a revocation landing between the gate's decision and now is
    // either seen by that check (it reads the stores) or pushed.
    if (this.#invalidation !== undefined) {
      this.#unsubscribe = this.#invalidation.feed.subscribe((notice) => {
        this.#onInvalidation(notice);
      });
    }
    this.#schedule(0);
    return this;
  }

  /** Stop; resolves once a check that is running has finished. Idempotent. */
  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#signal?.removeEventListener('abort', this.#onAbort);
    this.#stopListening();
    if (this.#running !== undefined) await this.#running;
  }

  /** Run one check now (also when not started). Resolves when it is done. */
  checkNow(): Promise<void> {
    if (this.#running !== undefined) return this.#running;
    const run = this.#check().finally(() => {
      this.#running = undefined;
      // A resync arrived while this check was reading the stores: its answer may predate it.
      if (this.#checkAgain) {
        this.#checkAgain = false;
        if (!this.#stopped) void this.checkNow();
      }
    });
    this.#running = run;
    return run;
  }

  /** Throw StaleCapabilityError, or RevocationConsistencyError for revocation staleness, when stale. */
  raiseIfStale(): void {
    const state = this.#state;
    if (!state.staleDetected) return;
    if (state.isRevocationStale) {
      throw new RevocationConsistencyError(this.capabilityId, state.staleReason ?? 'stale_revocation_state');
    }
    throw new StaleCapabilityError(this.capabilityId, state.staleReason ?? 'stale_detected');
  }

  #stopListening(): void {
    const unsubscribe = this.#unsubscribe;
    this.#unsubscribe = undefined;
    unsubscribe?.();
  }

  #onInvalidation(notice: Invalidation): void {
    if (this.#stopped || this.#state.staleDetected) return;
    const watched = this.#invalidation;
    if (watched === undefined) return;
    if (notice.kind === 'resync') {
      // Revocations may have been missed: ask the stores now rather than at the next tick.
      if (this.#running === undefined) void this.checkNow();
      else this.#checkAgain = true;
      return;
    }
    const hit = notice.kind === 'agent' ? watched.agents.has(notice.id) : watched.ids.has(notice.id);
    if (!hit) return;
    this.#record(false, `${notice.kind}_revoked`);
    this.#markStale(INVALIDATED_REASON, false);
  }

  #schedule(delayMs: number): void {
    if (this.#stopped || this.#state.staleDetected) return;
    let delay = delayMs;
    // Notice expiry when it happens, not at the next regular check.
    if (this.#expiresAtMs !== null) delay = Math.min(delay, Math.max(0, this.#expiresAtMs - this.#now()));
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      void this.checkNow().then(() => {
        this.#schedule(this.#nextDelayMs());
      });
    }, delay);
    this.#timer.unref();
  }

  #nextDelayMs(): number {
    const base = (this.intervalSeconds ?? MIN_REVALIDATION_INTERVAL_SECONDS) * 1000;
    if (this.jitter === 0) return base;
    const factor = 1 - this.jitter + 2 * this.jitter * this.#random();
    return Math.max(MIN_REVALIDATION_INTERVAL_SECONDS * 1000, base * factor);
  }

  async #check(): Promise<void> {
    if (this.#state.staleDetected) return;
    if (this.#expiresAtMs !== null && this.#now() >= this.#expiresAtMs) {
      this.#record(false, 'expired_by_revalidation_watcher');
      this.#markStale('expired_by_revalidation_watcher', false);
      return;
    }
    let result: boolean;
    try {
      // Only a real `true` keeps the capability fresh (a truthy 'no' must not).
      const value: unknown = await this.#bounded();
      result = value === true;
    } catch (error) {
      if (error instanceof RevocationConsistencyError) {
        this.#record(false, error.message);
        this.#markStale(error.message, true);
        return;
      }
      const name = error instanceof Error ? error.name : typeof error;
      const message = error instanceof Error ? error.message : String(error);
      this.#record(false, message);
      this.#markStale(`revalidation_exception:${name}:${message}`, false);
      return;
    }
    this.#record(result, null);
    if (!result) this.#markStale('revalidation_failed', false);
  }

  #bounded(): Promise<boolean> {
    const asError = (error: unknown): Error => (error instanceof Error ? error : new Error(String(error)));
    return withDeadline(
      attempt(() => this.#revalidate(), asError),
      this.#checkTimeoutMs,
      () => new RevalidationTimeout(`revalidate did not answer within ${this.#checkTimeoutMs} ms`),
      asError,
    );
  }

  #record(result: boolean, error: string | null): void {
    const now = this.#now();
    this.#state = Object.freeze({
      ...this.#state,
      lastCheckedAt: now,
      lastResult: result,
      lastError: error === null ? null : error.slice(0, 256),
      elapsedSeconds: this.#started ? (now - this.#startedAt) / 1000 : 0,
      checks: this.#state.checks + 1,
    });
  }

  #markStale(reason: string, isRevocation: boolean): void {
    const cut = reason.length > 256 ? reason.slice(0, 256) : reason;
    this.#state = Object.freeze({
      ...this.#state,
      staleDetected: true,
      staleReason: cut,
      isRevocationStale: isRevocation,
    });
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#stopListening();
    try {
      this.#events?.emit('capability_stale', {
        capability_id: this.capabilityId,
        reason: cut,
        is_revocation_stale: isRevocation,
      });
    } catch {
      // An event sink must never change what the watcher decided.
    }
    this.#stale.abort(
      isRevocation
        ? new RevocationConsistencyError(this.capabilityId, cut)
        : new StaleCapabilityError(this.capabilityId, cut),
    );
  }
}

function watchedInvalidation(
  value: WatcherInvalidation | undefined,
): { readonly feed: InvalidationFeed; readonly agents: Set<string>; readonly ids: Set<string> } | undefined {
  if (value === undefined) return undefined;
  if (value === null || typeof value !== 'object' || !isInvalidationFeed(value.feed)) {
    throw new ConfigurationError('invalidation.feed must be an InvalidationFeed (an object with subscribe)');
  }
  const set = (ids: Iterable<string> | undefined, what: string): Set<string> => {
    const out = new Set<string>();
    for (const id of ids ?? []) {
      if (typeof id !== 'string') throw new ConfigurationError(`invalidation.${what} must hold strings`);
      out.add(id);
    }
    return out;
  };
  return { feed: value.feed, agents: set(value.agents, 'agents'), ids: set(value.ids, 'ids') };
}

function toEpochMs(value: Timestamp | Date | number | null | undefined): number | null {
  if (value === undefined || value === null) return null;
  if (value instanceof Timestamp) return value.epochMillis;
  if (value instanceof Date) return value.getTime();
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  throw new ConfigurationError('expiresAt must be a Timestamp, a Date or epoch milliseconds');
}
