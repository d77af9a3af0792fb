/**
 * A circuit breaker for the Redis stores. A command that times out has cost its caller the whole
 * deadline (500 ms by default); during a silent partition every decision would pay it, and a gate
 * falls to a few decisions per second per in-flight slot. The breaker counts consecutive timeouts of
 * the commands run through it and, at `failureThreshold`, opens: every command then fails at once
 * with {@link StoreUnavailableError} (a gate REJECTs with its usual `…_unavailable` reason) without
 * touching the connection. After `openMs` the next command starts one probe in the background
 * (half-open) and still fails fast; a probe that answers closes the circuit, one that fails or times
 * out opens it for another `openMs`. No decision ever waits on a probe.
 *
 * `@redis/client`'s `pingInterval` does not notice a silent partition: its PING has no deadline, so
 * it waits for ever and no further PING is sent. With `heartbeatMs` the breaker sends its own probe,
 * with the command deadline, whenever no command answered within the last `heartbeatMs`: a silent
 * connection then opens the circuit within `heartbeatMs + probeTimeoutMs` even when no traffic flows.
 */
import { ConfigurationError, StoreUnavailableError } from '../../errors.js';
import type { EventCatalogue, EventPort } from '../../events/types.js';
import { attempt, withDeadline } from '../../lib/deadline.js';
import type { RedisStoreClient } from './client.js';

/** `closed`: commands flow. `open`: commands fail fast. `half-open`: a probe is in flight. */
export type CircuitState = 'closed' | 'open' | 'half-open';

export interface RedisCircuitBreakerOptions {
  /** The client whose commands this breaker guards (the stores check they were given the same one). */
  readonly client: RedisStoreClient;
  /** Consecutive command timeouts that open the circuit (default {@link DEFAULT_FAILURE_THRESHOLD}). */
  readonly failureThreshold?: number;
  /** How long the circuit stays open before a probe is sent (default {@link DEFAULT_OPEN_MS}). */
  readonly openMs?: number;
  /** Deadline of a probe (default 500 ms, the stores' command timeout). */
  readonly probeTimeoutMs?: number;
  /**
   * Probe the connection whenever no command answered within this many milliseconds (default 0:
   * off). Bounds how long a silent partition of an idle connection goes unnoticed. The timer never
   * keeps the process alive; {@link RedisCircuitBreaker.close} stops it.
   */
  readonly heartbeatMs?: number;
  /** The key a probe reads with `EXISTS` (default `trusthandoff:probe`; it never needs to exist). */
  readonly probeKey?: string;
  /** `store_circuit_opened` / `store_circuit_closed` go here. */
  readonly events?: EventPort;
  /** Clock in milliseconds (default `Date.now`); for tests. */
  readonly now?: () => number;
}

/** 3 consecutive timeouts: one slow command is noise, three in a row is an outage. */
export const DEFAULT_FAILURE_THRESHOLD = 3;
/** 1 s: how long fast failures last before the connection is probed again. */
export const DEFAULT_OPEN_MS = 1_000;

const DEFAULT_PROBE_TIMEOUT_MS = 500;
const MAX_MS = 600_000;

export interface CircuitStats {
  readonly state: CircuitState;
  /** Timeouts in a row since the last answer. */
  readonly consecutiveTimeouts: number;
  /** Times the circuit opened. */
  readonly opened: number;
  /** Commands refused without being sent. */
  readonly fastFailures: number;
  /** Probes sent (half-open and heartbeat). */
  readonly probes: number;
}

export class RedisCircuitBreaker {
  readonly client: RedisStoreClient;
  readonly failureThreshold: number;
  readonly openMs: number;
  readonly probeTimeoutMs: number;
  readonly heartbeatMs: number;
  readonly #probeKey: string;
  readonly #events: EventPort | undefined;
  readonly #now: () => number;
  #state: CircuitState = 'closed';
  #consecutiveTimeouts = 0;
  #openedAt = 0;
  #outageStartedAt = 0;
  #lastAnswerAt: number;
  #probing = false;
  #opened = 0;
  #fastFailures = 0;
  #probes = 0;
  #heartbeat: NodeJS.Timeout | undefined;

  constructor(options: RedisCircuitBreakerOptions) {
    if (
      options === null ||
      typeof options !== 'object' ||
      options.client === null ||
      typeof options.client !== 'object'
    ) {
      throw new ConfigurationError('RedisCircuitBreaker needs options with a Redis client');
    }
    this.client = options.client;
    this.failureThreshold = checkInteger(
      options.failureThreshold ?? DEFAULT_FAILURE_THRESHOLD,
      1,
      1_000,
      'failureThreshold',
    );
    this.openMs = checkInteger(options.openMs ?? DEFAULT_OPEN_MS, 1, MAX_MS, 'openMs');
    this.probeTimeoutMs = checkInteger(
      options.probeTimeoutMs ?? DEFAULT_PROBE_TIMEOUT_MS,
      1,
      60_000,
      'probeTimeoutMs',
    );
    this.heartbeatMs = checkInteger(options.heartbeatMs ?? 0, 0, MAX_MS, 'heartbeatMs');
    const probeKey = options.probeKey ?? 'trusthandoff:probe';
    if (typeof probeKey !== 'string' || probeKey.length === 0 || probeKey.length > 512) {
      throw new ConfigurationError(
        'RedisCircuitBreaker: probeKey must be a non-empty string of at most 512 characters',
      );
    }
    this.#probeKey = probeKey;
    this.#events = options.events;
    this.#now = options.now ?? Date.now;
    this.#lastAnswerAt = this.#now();
    if (this.heartbeatMs > 0) {
      this.#heartbeat = setInterval(() => {
        this.#beat();
      }, this.heartbeatMs);
      this.#heartbeat.unref();
    }
  }

  get state(): CircuitState {
    return this.#state;
  }

  get stats(): CircuitStats {
    return {
      state: this.#state,
      consecutiveTimeouts: this.#consecutiveTimeouts,
      opened: this.#opened,
      fastFailures: this.#fastFailures,
      probes: this.#probes,
    };
  }

  /**
   * Undefined when a command may be sent; otherwise the error to fail it with at once. While open,
   * the first call after `openMs` starts a probe in the background.
   */
  refusal(): StoreUnavailableError | undefined {
    if (this.#state === 'closed') return undefined;
    if (this.#state === 'open' && this.#now() - this.#openedAt >= this.openMs) this.#probe();
    this.#fastFailures++;
    return new StoreUnavailableError('redis circuit open: the store timed out repeatedly');
  }

  /** A command answered (a reply or a server error: either way the server is reachable). */
  answered(): void {
    this.#consecutiveTimeouts = 0;
    this.#lastAnswerAt = this.#now();
  }

  /** A command missed its deadline. */
  timedOut(): void {
    if (this.#state !== 'closed') return;
    this.#consecutiveTimeouts++;
    if (this.#consecutiveTimeouts >= this.failureThreshold) this.#open('timeouts');
  }

  /** Stop the heartbeat timer (the breaker keeps working without it). */
  close(): void {
    if (this.#heartbeat !== undefined) clearInterval(this.#heartbeat);
    this.#heartbeat = undefined;
  }

  #open(cause: 'timeouts' | 'heartbeat'): void {
    const now = this.#now();
    this.#state = 'open';
    this.#openedAt = now;
    this.#outageStartedAt = now;
    this.#opened++;
    this.#emit('store_circuit_opened', {
      store: 'redis',
      cause,
      consecutive_timeouts: this.#consecutiveTimeouts,
      open_ms: this.openMs,
    });
  }

  #probe(): void {
    if (this.#probing) return;
    this.#probing = true;
    this.#probes++;
    this.#state = 'half-open';
    void this.#ping().then((ok) => {
      this.#probing = false;
      if (ok) {
        const outage = this.#now() - this.#outageStartedAt;
        this.#state = 'closed';
        this.#consecutiveTimeouts = 0;
        this.#lastAnswerAt = this.#now();
        this.#emit('store_circuit_closed', { store: 'redis', outage_ms: outage });
      } else {
        this.#state = 'open';
        this.#openedAt = this.#now();
      }
    });
  }

  #beat(): void {
    if (this.#state !== 'closed' || this.#probing) return;
    if (this.#now() - this.#lastAnswerAt < this.heartbeatMs) return;
    this.#probing = true;
    this.#probes++;
    void this.#ping().then((ok) => {
      this.#probing = false;
      if (ok) this.#lastAnswerAt = this.#now();
      else if (this.#state === 'closed' && this.client.isReady) this.#open('heartbeat');
    });
  }

  /** True when the server answered `EXISTS <probeKey>` within the probe deadline. */
  #ping(): Promise<boolean> {
    if (!this.client.isReady) return Promise.resolve(false);
    const fail = (): Error => new StoreUnavailableError('probe failed');
    return withDeadline(
      attempt(() => this.client.exists(this.#probeKey), fail),
      this.probeTimeoutMs,
      fail,
      fail,
    ).then(
      () => true,
      () => false,
    );
  }

  #emit<T extends 'store_circuit_opened' | 'store_circuit_closed'>(type: T, fields: EventCatalogue[T]): void {
    try {
      this.#events?.emit(type, fields);
    } catch {
      // Events are observability; a failing port never changes what the breaker does.
    }
  }
}

function checkInteger(value: number, min: number, max: number, name: string): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ConfigurationError(`RedisCircuitBreaker: ${name} must be an integer in [${min}, ${max}]`);
  }
  return value;
}
