/**
 * Private helper of the sinks (not exported by the package): the bounded queue and background
 * sender every sink is built on, so that JSONL, NATS and Kafka share one overflow policy, one retry
 * rule and one set of counters.
 *
 * Overflow policy: **drop newest and count**. `offer` never waits — an event port must never block a
 * decision — so when the queue holds `maxEvents` items or `maxBytes` bytes, the new item is refused
 * and `dropped` goes up by one. Nothing already accepted is ever evicted.
 *
 * Delivery: one batch in flight at a time, in acceptance order. A batch that fails is retried with
 * exponential backoff (with jitter) up to `maxAttempts`; then its items are counted as `failed` and
 * the queue moves on. While the backend is down the queue fills and then drops newest: memory stays
 * bounded by `maxEvents` and `maxBytes`.
 */
import { ConfigurationError, StoreUnavailableError } from '../errors.js';

export interface RetryOptions {
  /** Tries per batch, the first included; an integer ≥ 1 or `Infinity` (retry until close). */
  readonly maxAttempts: number;
  /** First backoff delay, ms. */
  readonly initialDelayMs: number;
  /** Largest backoff delay, ms. */
  readonly maxDelayMs: number;
}

export interface QueueLimits {
  /** Most events held in memory waiting for delivery (an integer ≥ 1). */
  readonly maxEvents: number;
  /** Most bytes (serialized event sizes) held in memory waiting for delivery (an integer ≥ 1024). */
  readonly maxBytes: number;
  /** Most events handed to the backend in one batch (an integer ≥ 1). */
  readonly batchSize: number;
  /**
   * How long the sender waits after the first event of an idle queue before delivering, ms (0: the
   * next turn). A few milliseconds gather a burst into one write instead of many small ones.
   */
  readonly lingerMs: number;
}

/** Counters every sink reports. `accepted = delivered + failed + queued` at all times. */
export interface SinkStats {
  /** Events taken into the queue. */
  readonly accepted: number;
  /** Events the backend acknowledged (JSONL: written to the file; fsynced after `flush`). */
  readonly delivered: number;
  /** Events refused: the queue was full, the event too large, or the sink closed. Never queued. */
  readonly dropped: number;
  /** Accepted events given up after `maxAttempts` (or abandoned when `close` timed out). */
  readonly failed: number;
  /** Events waiting in memory now. */
  readonly queued: number;
  /** Bytes waiting in memory now. */
  readonly queuedBytes: number;
  /** Batch attempts that failed (each retry counts). */
  readonly retries: number;
}

interface Item<T> {
  readonly value: T;
  readonly bytes: number;
}

export interface DeliveryQueueOptions<T> {
  readonly limits: QueueLimits;
  readonly retry: RetryOptions;
  /** Deliver a batch (in order); reject to have it retried. */
  readonly deliver: (batch: readonly T[]) => Promise<void>;
  /** The sink's name, for error messages. */
  readonly name: string;
}

/** Validate the shared options; `what` names the sink in the error. */
export function checkQueueOptions(what: string, limits: QueueLimits, retry: RetryOptions): void {
  const int = (name: string, value: number, min: number): void => {
    if (!Number.isSafeInteger(value) || value < min)
      throw new ConfigurationError(`${what}: ${name} must be an integer >= ${min}`);
  };
  int('maxQueueEvents', limits.maxEvents, 1);
  int('maxQueueBytes', limits.maxBytes, 1024);
  int('batchSize', limits.batchSize, 1);
  if (!Number.isSafeInteger(limits.lingerMs) || limits.lingerMs < 0 || limits.lingerMs > 10_000)
    throw new ConfigurationError(`${what}: lingerMs must be an integer in [0, 10000]`);
  if (!(
    retry.maxAttempts === Infinity ||
    (Number.isSafeInteger(retry.maxAttempts) && retry.maxAttempts >= 1)
  ))
    throw new ConfigurationError(`${what}: retry.maxAttempts must be an integer >= 1 or Infinity`);
  for (const [name, value] of [
    ['retry.initialDelayMs', retry.initialDelayMs],
    ['retry.maxDelayMs', retry.maxDelayMs],
  ] as const) {
    if (!Number.isFinite(value) || value < 0 || value > 600_000)
      throw new ConfigurationError(`${what}: ${name} must be a number in [0, 600000]`);
  }
  if (retry.maxDelayMs < retry.initialDelayMs)
    throw new ConfigurationError(`${what}: retry.maxDelayMs must be >= retry.initialDelayMs`);
}

const sleep = (ms: number, signal: { wake?: () => void }): Promise<void> =>
  new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.wake = () => {
      clearTimeout(timer);
      resolve();
    };
  });

export class DeliveryQueue<T> {
  readonly #options: DeliveryQueueOptions<T>;
  // A ring would save the occasional shift cost; an array with a head index does the same simply.
  #items: Item<T>[] = [];
  #head = 0;
  #bytes = 0;
  #accepted = 0;
  #delivered = 0;
  #dropped = 0;
  #failed = 0;
  #retries = 0;
  #running = false;
  #closed = false;
  #abandon = false;
  readonly #sleeper: { wake?: () => void } = {};
  #waiters: { ticket: number; resolve: () => void }[] = [];
  #lastError: unknown;

  constructor(options: DeliveryQueueOptions<T>) {
    this.#options = options;
  }

  get stats(): SinkStats {
    return {
      accepted: this.#accepted,
      delivered: this.#delivered,
      dropped: this.#dropped,
      failed: this.#failed,
      queued: this.#items.length - this.#head,
      queuedBytes: this.#bytes,
      retries: this.#retries,
    };
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Count one refused event (too large, unserializable) without queueing it. */
  drop(): void {
    this.#dropped++;
  }

  /** Take an item or refuse it (drop newest); never waits. */
  offer(value: T, bytes: number): boolean {
    const { maxEvents, maxBytes } = this.#options.limits;
    if (this.#closed || this.#items.length - this.#head >= maxEvents || this.#bytes + bytes > maxBytes) {
      this.#dropped++;
      return false;
    }
    this.#items.push({ value, bytes });
    this.#bytes += bytes;
    this.#accepted++;
    if (!this.#running) {
      this.#running = true;
      // Start on a later turn so a burst of offers forms one batch.
      const start = (): void => {
        void this.#drain();
      };
      if (this.#options.limits.lingerMs === 0) setImmediate(start);
      else setTimeout(start, this.#options.limits.lingerMs);
    }
    return true;
  }

  /**
   * Resolve when every item accepted before the call is settled (delivered or failed). Rejects with
   * `StoreUnavailableError` when some of them failed.
   */
  async settle(): Promise<void> {
    const ticket = this.#accepted;
    const failedBefore = this.#failed;
    if (this.#settledCount() < ticket) {
      await new Promise<void>((resolve) => {
        this.#waiters.push({ ticket, resolve });
      });
    }
    if (this.#failed > failedBefore)
      throw new StoreUnavailableError(
        `${this.#options.name}: ${this.#failed - failedBefore} event(s) could not be delivered`,
        { cause: this.#lastError },
      );
  }

  /** Refuse new items; wait for the queue to drain, at most `timeoutMs`, then count the rest failed. */
  async close(timeoutMs: number): Promise<void> {
    this.#closed = true;
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => {
        resolve('timeout');
      }, timeoutMs);
    });
    const outcome = await Promise.race([
      this.settle().then(
        () => 'ok' as const,
        (e: unknown) => e,
      ),
      timedOut,
    ]);
    clearTimeout(timer);
    if (outcome === 'timeout') {
      this.#abandon = true;
      this.#sleeper.wake?.();
      // The batch in flight (if any) settles on its own; everything still queued is given up.
      await this.settle().catch(() => undefined);
      throw new StoreUnavailableError(
        `${this.#options.name}: close timed out; undelivered events counted as failed`,
      );
    }
    if (outcome !== 'ok') throw outcome;
  }

  #settledCount(): number {
    return this.#delivered + this.#failed;
  }

  #wakeWaiters(): void {
    const settled = this.#settledCount();
    if (this.#waiters.length === 0) return;
    const still: { ticket: number; resolve: () => void }[] = [];
    for (const w of this.#waiters) {
      if (settled >= w.ticket) w.resolve();
      else still.push(w);
    }
    this.#waiters = still;
  }

  async #drain(): Promise<void> {
    const { batchSize } = this.#options.limits;
    const { maxAttempts, initialDelayMs, maxDelayMs } = this.#options.retry;
    try {
      while (this.#head < this.#items.length) {
        const end = Math.min(this.#items.length, this.#head + batchSize);
        const batch = this.#items.slice(this.#head, end);
        let attempt = 0;
        let ok = false;
        while (!this.#abandon) {
          attempt++;
          try {
            await this.#options.deliver(batch.map((i) => i.value));
            ok = true;
            break;
          } catch (error) {
            this.#lastError = error;
            this.#retries++;
            if (attempt >= maxAttempts) break;
            const base = Math.min(maxDelayMs, initialDelayMs * 2 ** Math.min(attempt - 1, 30));
            await sleep(base / 2 + Math.random() * (base / 2), this.#sleeper);
          }
        }
        this.#head = end;
        for (const item of batch) this.#bytes -= item.bytes;
        if (ok) this.#delivered += batch.length;
        else this.#failed += batch.length;
        if (this.#head > 4096 && this.#head * 2 > this.#items.length) {
          this.#items = this.#items.slice(this.#head);
          this.#head = 0;
        }
        this.#wakeWaiters();
      }
    } finally {
      this.#items = [];
      this.#head = 0;
      this.#running = false;
      this.#wakeWaiters();
    }
  }
}
