/**
 * A bounded in-memory event sink: keeps the newest events, by count and by estimated bytes, and
 * lets listeners watch them live. For tests, dashboards of one process, and short audit windows.
 *
 * Size estimate (cheap, no serialization): per event 64 bytes; per own field 16 + 2 × key length
 * plus its value; a string 16 + 2 × its length (UTF-16, so an upper bound for Latin-1 strings); a
 * number, boolean or null 8; an array 32 + 8 per item plus the items; an object 64 plus its fields.
 * The walk stops at depth 8 or after 4,096 values and then counts the event as larger than any
 * bound (it is dropped, not kept). Strings are shared with the event's other holders, so the
 * estimate is what this sink keeps alive, not what it alone allocated.
 */
import { ConfigurationError } from '../errors.js';
import type { EventSink, TrustHandoffEvent } from './types.js';

export const DEFAULT_MEMORY_SINK_MAX_EVENTS: number = 10_000;
/** 16 MiB. */
export const DEFAULT_MEMORY_SINK_MAX_BYTES: number = 16 * 1024 * 1024;

export type EventListener = (event: TrustHandoffEvent) => void | Promise<void>;

export interface MemoryEventSinkOptions {
  /** Most events kept (default 10,000); an integer ≥ 1. */
  readonly maxEvents?: number;
  /** Most estimated bytes kept (default 16 MiB); an integer ≥ 1,024. */
  readonly maxBytes?: number;
  readonly name?: string;
}

export interface MemoryEventSinkStats {
  /** Events written since creation (kept or not). */
  readonly written: number;
  readonly buffered: number;
  /** Estimated bytes of the buffered events (see the module comment). */
  readonly bytes: number;
  /** Events pushed out by either bound, events larger than `maxBytes` alone, writes after close. */
  readonly dropped: number;
  /** Listener calls that threw or whose promise rejected. */
  readonly listenerErrors: number;
}

const EVENT_OVERHEAD = 64;
const FIELD_OVERHEAD = 16;
const STRING_OVERHEAD = 16;
const SCALAR = 8;
const ARRAY_OVERHEAD = 32;
const MAX_WALK_DEPTH = 8;
const MAX_WALK_VALUES = 4096;

/**
 * Estimated bytes of one event (see the module comment). `Infinity` when the walk hits its depth or
 * value budget, so a pathological event is never kept.
 */
export function estimateEventBytes(event: object): number {
  const budget = { values: MAX_WALK_VALUES };
  return EVENT_OVERHEAD + fieldsBytes(event as Record<string, unknown>, 1, budget);
}

function fieldsBytes(
  object: Readonly<Record<string, unknown>>,
  depth: number,
  budget: { values: number },
): number {
  let total = 0;
  for (const key in object) {
    if (!Object.hasOwn(object, key)) continue;
    total += FIELD_OVERHEAD + key.length * 2 + valueBytes(object[key], depth, budget);
  }
  return total;
}

function valueBytes(value: unknown, depth: number, budget: { values: number }): number {
  if (--budget.values < 0) return Infinity;
  if (typeof value === 'string') return STRING_OVERHEAD + value.length * 2;
  if (value === null || typeof value !== 'object') return SCALAR;
  if (depth >= MAX_WALK_DEPTH) return Infinity;
  if (Array.isArray(value)) {
    let total = ARRAY_OVERHEAD;
    for (const item of value as readonly unknown[]) total += SCALAR + valueBytes(item, depth + 1, budget);
    return total;
  }
  return EVENT_OVERHEAD + fieldsBytes(value as Record<string, unknown>, depth + 1, budget);
}

export class MemoryEventSink implements EventSink {
  readonly name: string;
  readonly maxEvents: number;
  readonly maxBytes: number;
  // A queue with a moving head: dropping the oldest is O(1), compaction amortized.
  #events: (TrustHandoffEvent | undefined)[] = [];
  #sizes: number[] = [];
  #head = 0;
  #bytes = 0;
  #written = 0;
  #dropped = 0;
  #listenerErrors = 0;
  #closed = false;
  // Replaced, never mutated, so (un)subscribing during a notification cannot disturb it.
  #listeners: readonly EventListener[] = [];
  readonly #onListenerRejected = (): void => {
    this.#listenerErrors++;
  };

  constructor(options: MemoryEventSinkOptions = {}) {
    if (options === null || typeof options !== 'object')
      throw new ConfigurationError('MemoryEventSink options must be an object');
    this.maxEvents = bound(options.maxEvents, DEFAULT_MEMORY_SINK_MAX_EVENTS, 1, 'maxEvents');
    this.maxBytes = bound(options.maxBytes, DEFAULT_MEMORY_SINK_MAX_BYTES, 1024, 'maxBytes');
    const name = options.name ?? 'memory';
    if (typeof name !== 'string' || name === '' || name.length > 64)
      throw new ConfigurationError('name must be a non-empty string of at most 64 characters');
    this.name = name;
  }

  write(event: TrustHandoffEvent): void {
    this.#written++;
    if (this.#closed) {
      this.#dropped++;
      return;
    }
    const size = event !== null && typeof event === 'object' ? estimateEventBytes(event) : Infinity;
    if (size > this.maxBytes) {
      this.#dropped++;
    } else {
      this.#events.push(event);
      this.#sizes.push(size);
      this.#bytes += size;
      while (this.#events.length - this.#head > this.maxEvents || this.#bytes > this.maxBytes)
        this.#dropOldest();
    }
    const listeners = this.#listeners;
    for (let i = 0; i < listeners.length; i++) this.#notify(listeners[i]!, event);
  }

  #dropOldest(): void {
    const head = this.#head;
    this.#bytes -= this.#sizes[head]!;
    this.#events[head] = undefined;
    this.#head = head + 1;
    this.#dropped++;
    if (this.#head >= 1024 && this.#head * 2 >= this.#events.length) {
      this.#events.splice(0, this.#head);
      this.#sizes.splice(0, this.#head);
      this.#head = 0;
    }
  }

  #notify(listener: EventListener, event: TrustHandoffEvent): void {
    try {
      const pending = listener(event) as unknown;
      if (
        pending !== undefined &&
        pending !== null &&
        typeof (pending as PromiseLike<void>).then === 'function'
      ) {
        (pending as PromiseLike<void>).then(undefined, this.#onListenerRejected);
      }
    } catch {
      this.#listenerErrors++;
    }
  }

  /**
   * Call `listener` for every event written from now on (kept or not). A listener that throws or
   * rejects is counted in {@link stats} and never affects the writer or other listeners. Returns
   * the unsubscribe function.
   */
  subscribe(listener: EventListener): () => void {
    if (typeof listener !== 'function') throw new ConfigurationError('listener must be a function');
    if (this.#closed) return () => undefined;
    this.#listeners = [...this.#listeners, listener];
    return () => {
      const at = this.#listeners.indexOf(listener);
      if (at >= 0) this.#listeners = this.#listeners.filter((_, i) => i !== at);
    };
  }

  /** The kept events, oldest first. */
  snapshot(): readonly TrustHandoffEvent[] {
    return Object.freeze(this.#events.slice(this.#head) as TrustHandoffEvent[]);
  }

  /** Remove and return the kept events, oldest first. */
  drain(): TrustHandoffEvent[] {
    const out = this.#events.slice(this.#head) as TrustHandoffEvent[];
    this.clear();
    return out;
  }

  /** Forget the kept events (counters stay). */
  clear(): void {
    this.#events = [];
    this.#sizes = [];
    this.#head = 0;
    this.#bytes = 0;
  }

  get stats(): MemoryEventSinkStats {
    return Object.freeze({
      written: this.#written,
      buffered: this.#events.length - this.#head,
      bytes: this.#bytes,
      dropped: this.#dropped,
      listenerErrors: this.#listenerErrors,
    });
  }

  /** Nothing to deliver: events are kept as they are written. */
  flush(): Promise<void> {
    return Promise.resolve();
  }

  /** Stop keeping events and drop the listeners; what is kept stays readable. */
  close(): Promise<void> {
    this.#closed = true;
    this.#listeners = [];
    return Promise.resolve();
  }
}

function bound(value: unknown, fallback: number, min: number, name: string): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min)
    throw new ConfigurationError(`${name} must be an integer ≥ ${min}`);
  return value;
}
