/**
 * `WorkerSink`: the audit sinks on a worker thread, so that hashing, file writes and broker
 * publishing never run on the thread that decides. The decision thread only serializes each event
 * (once, shared with any other sink) and queues the text; batches cross to the worker as one string.
 *
 * Overflow policy, as every sink's: **drop newest and count**. The events held on this side (not yet
 * acknowledged by the worker) are bounded by `maxQueueEvents` and `maxQueueBytes`; inside the worker
 * each sink keeps its own bounded queue, retries and counters. `flush()` and `close()` return once
 * every event accepted before them has been handed over and the worker's sinks have flushed or
 * closed. If the worker dies, the events it had not acknowledged and every later one are counted as
 * failed or dropped, never silently lost.
 */
import { Worker, type ResourceLimits } from 'node:worker_threads';
import { ConfigurationError } from '../../errors.js';
import type { TrustHandoffEvent } from '../../events/types.js';
import type { SinkStats } from '../queue.js';
import { eventJson } from '../serialize.js';
import type { FromWorker, NamedSinkStats, ToWorker, WorkerSinkSpec } from './protocol.js';

export interface WorkerSinkOptions {
  /** The sinks the worker builds and feeds, in order. At least one. */
  readonly sinks: readonly WorkerSinkSpec[];
  /** Events held on the decision thread, not yet acknowledged by the worker (default 10,000). */
  readonly maxQueueEvents?: number;
  /** Bytes of event JSON held on the decision thread (default 16 MiB, ≥ 1024). */
  readonly maxQueueBytes?: number;
  /** Largest event accepted, bytes of JSON (default 64 KiB); larger ones are dropped and counted. */
  readonly maxEventBytes?: number;
  /** Events per batch sent to the worker (default 512). */
  readonly batchSize?: number;
  /** Wait this long after the first event of an idle queue before sending, ms (default 2). */
  readonly lingerMs?: number;
  /** How long `flush()` / `close()` wait for the worker, ms (default 30 s). */
  readonly closeTimeoutMs?: number;
  /** Passed to the `Worker`: `resourceLimits` bound its heap; `execArgv` e.g. loader hooks. */
  readonly worker?: { readonly resourceLimits?: ResourceLimits; readonly execArgv?: readonly string[] };
}

/**
 * Counters: this side's (`accepted`, `dropped`, `queued`: not yet acknowledged by the worker) plus
 * each worker sink's, as the worker last reported them (at every batch, every 200 ms while they
 * change, and at `flush()` / `close()`).
 */
export interface WorkerSinkStats extends SinkStats {
  /** Each sink in the worker, as of its last acknowledgement. */
  readonly sinks: readonly NamedSinkStats[];
  /** The worker stopped unexpectedly. */
  readonly workerDied: boolean;
}

const DEFAULTS = {
  maxQueueEvents: 10_000,
  maxQueueBytes: 16 * 1024 * 1024,
  maxEventBytes: 64 * 1024,
  batchSize: 512,
  lingerMs: 2,
  closeTimeoutMs: 30_000,
} as const;

interface InFlight {
  readonly count: number;
  readonly bytes: number;
}

export class WorkerSink {
  readonly name = 'WorkerSink';
  readonly #worker: Worker;
  readonly #ready: Promise<void>;
  readonly #limits: {
    maxEvents: number;
    maxBytes: number;
    maxEventBytes: number;
    batchSize: number;
    lingerMs: number;
    closeTimeoutMs: number;
  };
  #pending: string[] = [];
  #pendingBytes = 0;
  readonly #inFlight = new Map<number, InFlight>();
  #inFlightCount = 0;
  #inFlightBytes = 0;
  #nextId = 1;
  #timer: NodeJS.Timeout | undefined;
  readonly #waiters = new Map<number, (message: FromWorker) => void>();
  #accepted = 0;
  #dropped = 0;
  #lost = 0;
  #sinkStats: readonly NamedSinkStats[] = [];
  #dead = false;
  #closing: Promise<void> | undefined;

  constructor(options: WorkerSinkOptions) {
    if (options === null || typeof options !== 'object') throw new ConfigurationError('options required');
    if (!Array.isArray(options.sinks) || options.sinks.length === 0)
      throw new ConfigurationError('WorkerSink: sinks must list at least one sink');
    const int = (name: string, value: number | undefined, fallback: number, min: number): number => {
      if (value === undefined) return fallback;
      if (!Number.isSafeInteger(value) || value < min)
        throw new ConfigurationError(`WorkerSink: ${name} must be an integer >= ${min}`);
      return value;
    };
    this.#limits = {
      maxEvents: int('maxQueueEvents', options.maxQueueEvents, DEFAULTS.maxQueueEvents, 1),
      maxBytes: int('maxQueueBytes', options.maxQueueBytes, DEFAULTS.maxQueueBytes, 1024),
      maxEventBytes: int('maxEventBytes', options.maxEventBytes, DEFAULTS.maxEventBytes, 256),
      batchSize: int('batchSize', options.batchSize, DEFAULTS.batchSize, 1),
      lingerMs: int('lingerMs', options.lingerMs, DEFAULTS.lingerMs, 0),
      closeTimeoutMs: int('closeTimeoutMs', options.closeTimeoutMs, DEFAULTS.closeTimeoutMs, 1),
    };
    // The worker script sits next to this file (thread.js once built; thread.ts under a TS loader).
    const script = new URL(import.meta.url.endsWith('.ts') ? './thread.ts' : './thread.js', import.meta.url);
    this.#worker = new Worker(script, {
      ...(options.worker?.execArgv === undefined ? {} : { execArgv: [...options.worker.execArgv] }),
      ...(options.worker?.resourceLimits === undefined
        ? {}
        : { resourceLimits: options.worker.resourceLimits }),
    });
    // The worker must not keep an application alive on its own; close() ends it.
    this.#worker.unref();
    let settleReady: (error?: Error) => void = () => undefined;
    this.#ready = new Promise<void>((resolve, reject) => {
      settleReady = (error) => {
        if (error === undefined) resolve();
        else reject(error);
      };
    });
    // A failed start is reported by flush()/close(); nothing awaits #ready before then.
    this.#ready.catch(() => undefined);
    this.#worker.on('message', (message: FromWorker) => {
      switch (message.t) {
        case 'ready':
          settleReady();
          return;
        case 'init_failed':
          settleReady(new ConfigurationError(`WorkerSink: a sink could not be built: ${message.message}`));
          this.#die();
          return;
        case 'ack': {
          const batch = this.#inFlight.get(message.id);
          if (batch !== undefined) {
            this.#inFlight.delete(message.id);
            this.#inFlightCount -= batch.count;
            this.#inFlightBytes -= batch.bytes;
          }
          this.#sinkStats = message.stats;
          return;
        }
        case 'stats':
          this.#sinkStats = message.stats;
          return;
        case 'done':
          this.#sinkStats = message.stats;
          this.#waiters.get(message.id)?.(message);
          this.#waiters.delete(message.id);
          return;
      }
    });
    const died = (): void => {
      settleReady(new ConfigurationError('WorkerSink: the worker stopped'));
      this.#die();
    };
    this.#worker.on('error', died);
    this.#worker.on('exit', () => {
      if (this.#closing === undefined) died();
    });
    this.#post({ t: 'init', specs: options.sinks });
  }

  get stats(): WorkerSinkStats {
    const queued = this.#pending.length + this.#inFlightCount;
    const inner = this.#sinkStats;
    // An event is delivered once every sink delivered it: the slowest sink's count.
    const delivered = inner.length === 0 ? 0 : Math.min(...inner.map((s) => s.delivered));
    return {
      accepted: this.#accepted,
      delivered,
      dropped: this.#dropped + inner.reduce((n, s) => n + s.dropped, 0),
      failed: this.#lost + inner.reduce((n, s) => n + s.failed, 0),
      queued,
      queuedBytes: this.#pendingBytes + this.#inFlightBytes,
      retries: inner.reduce((n, s) => n + s.retries, 0),
      sinks: inner,
      workerDied: this.#dead && this.#closing === undefined,
    };
  }

  /** Queue one event; never waits, never throws. */
  write(event: TrustHandoffEvent): void {
    if (this.#dead || this.#closing !== undefined) {
      this.#dropped++;
      return;
    }
    let json: string;
    try {
      json = eventJson(event);
    } catch {
      this.#dropped++;
      return;
    }
    // JSON text is mostly ASCII: its length bounds its UTF-8 size closely enough for a queue limit,
    // and the exact byte count would cost a pass over every event.
    const bytes = json.length;
    if (
      bytes > this.#limits.maxEventBytes ||
      this.#pending.length + this.#inFlightCount >= this.#limits.maxEvents ||
      this.#pendingBytes + this.#inFlightBytes + bytes > this.#limits.maxBytes
    ) {
      this.#dropped++;
      return;
    }
    this.#accepted++;
    this.#pending.push(json);
    this.#pendingBytes += bytes;
    if (this.#pending.length >= this.#limits.batchSize) this.#send();
    else
      this.#timer ??= setTimeout(() => {
        this.#send();
      }, this.#limits.lingerMs);
  }

  /** Resolve once every event accepted before the call is handed over and the worker's sinks flushed. */
  async flush(): Promise<void> {
    await this.#request('flush');
  }

  /** Flush, close the worker's sinks, and stop the worker. Nothing accepted before it is lost. */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      try {
        await this.#request('close');
      } finally {
        await this.#worker.terminate();
      }
    })();
    return this.#closing;
  }

  async #request(t: 'flush' | 'close'): Promise<void> {
    await this.#ready;
    this.#send();
    if (this.#dead) throw new ConfigurationError('WorkerSink: the worker stopped');
    const id = this.#nextId++;
    const answer = new Promise<FromWorker>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiters.delete(id);
        reject(new ConfigurationError(`WorkerSink: ${t} timed out`));
      }, this.#limits.closeTimeoutMs);
      this.#waiters.set(id, (message) => {
        clearTimeout(timer);
        resolve(message);
      });
    });
    this.#post({ t, id });
    const message = await answer;
    if (message.t === 'done' && message.failed.length > 0)
      throw new ConfigurationError(`WorkerSink: ${t} failed for ${message.failed.join(', ')}`);
  }

  #send(): void {
    if (this.#timer !== undefined) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
    }
    while (this.#pending.length > 0 && !this.#dead) {
      const batch = this.#pending.splice(0, this.#limits.batchSize);
      let bytes = 0;
      for (const json of batch) bytes += json.length;
      this.#pendingBytes -= bytes;
      const id = this.#nextId++;
      this.#inFlight.set(id, { count: batch.length, bytes });
      this.#inFlightCount += batch.length;
      this.#inFlightBytes += bytes;
      this.#post({ t: 'batch', id, lines: batch.join('\n'), count: batch.length });
    }
  }

  #post(message: ToWorker): void {
    try {
      this.#worker.postMessage(message);
    } catch {
      this.#die();
    }
  }

  /** The worker is gone: what it had not acknowledged, and what waits here, is lost — count it. */
  #die(): void {
    if (this.#dead) return;
    this.#dead = true;
    this.#lost += this.#inFlightCount + this.#pending.length;
    this.#inFlight.clear();
    this.#inFlightCount = 0;
    this.#inFlightBytes = 0;
    this.#pending = [];
    this.#pendingBytes = 0;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    for (const waiter of this.#waiters.values())
      waiter({ t: 'done', id: 0, stats: this.#sinkStats, failed: ['worker'] });
    this.#waiters.clear();
  }
}
