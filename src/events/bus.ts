/**
 * Structured events of SPEC §8: a bounded in-process buffer plus listeners. The buffer drops the
 * oldest events when full (and counts them), so memory is bounded whatever the traffic. A listener
 * that throws is isolated: it never changes a decision or breaks the emitter.
 */
import { randomUUID } from 'node:crypto';

export interface TrustHandoffEvent {
  readonly event_id: string;
  readonly event_type: string;
  /** ISO 8601 UTC. */
  readonly timestamp: string;
  readonly producer_id: string;
  readonly correlation_id: string;
  readonly idempotency_key: string;
  readonly [field: string]: unknown;
}

export type EventListener = (event: TrustHandoffEvent) => void;

export interface EventBusOptions {
  /** Events kept in the buffer (default 10,000). */
  readonly capacity?: number;
  /** Clock in epoch milliseconds (default `Date.now`). */
  readonly now?: () => number;
}

/** The common way every component reports what it decided. */
export interface EventEmitter {
  emit(eventType: string, payload: Record<string, unknown>): TrustHandoffEvent;
}

export class EventBus implements EventEmitter {
  readonly capacity: number;
  readonly #buffer: TrustHandoffEvent[] = [];
  readonly #listeners = new Set<EventListener>();
  readonly #now: () => number;
  #dropped = 0;
  #listenerErrors = 0;
  // Several events share a millisecond under load; formatting the time once per millisecond is cheaper.
  #isoMs = Number.NaN;
  #iso = '';

  constructor(options: EventBusOptions = {}) {
    this.capacity = options.capacity ?? 10_000;
    this.#now = options.now ?? Date.now;
  }

  emit(eventType: string, payload: Record<string, unknown>): TrustHandoffEvent {
    const correlationId =
      stringField(payload, 'correlation_id') ??
      stringField(payload, 'packet_id') ??
      stringField(payload, 'capability_id') ??
      randomUUID();
    // Object.assign, not `{...payload, …}`: V8 (Node 20) takes a slow path, ~10 µs, for a spread
    // followed by more properties, which showed as the gate's largest cost after Ed25519.
    const event: TrustHandoffEvent = Object.freeze(
      Object.assign({}, payload, {
        event_id: randomUUID(),
        event_type: eventType,
        timestamp: this.#isoTime(this.#now()),
        producer_id:
          stringField(payload, 'producer_id') ??
          stringField(payload, 'from_agent') ??
          stringField(payload, 'issuer_agent') ??
          'unknown',
        correlation_id: correlationId,
        idempotency_key: stringField(payload, 'idempotency_key') ?? correlationId,
      }),
    );
    if (this.#buffer.length >= this.capacity) {
      this.#buffer.shift();
      this.#dropped++;
    }
    this.#buffer.push(event);
    for (const listener of this.#listeners) {
      try {
        listener(event);
      } catch {
        this.#listenerErrors++;
      }
    }
    return event;
  }

  #isoTime(ms: number): string {
    if (ms !== this.#isoMs) {
      this.#iso = new Date(ms).toISOString();
      this.#isoMs = ms;
    }
    return this.#iso;
  }

  /** Call `listener` for every future event; returns the unsubscribe function. */
  subscribe(listener: EventListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** The buffered events, oldest first. */
  snapshot(): readonly TrustHandoffEvent[] {
    return [...this.#buffer];
  }

  /** Remove and return the buffered events. */
  drain(): TrustHandoffEvent[] {
    return this.#buffer.splice(0, this.#buffer.length);
  }

  clear(): void {
    this.#buffer.length = 0;
  }

  /** Events pushed out of the full buffer, and listener calls that threw, since creation. */
  get stats(): { dropped: number; listenerErrors: number; buffered: number } {
    return { dropped: this.#dropped, listenerErrors: this.#listenerErrors, buffered: this.#buffer.length };
  }
}

function stringField(payload: Record<string, unknown>, key: string): string | undefined {
  const value = payload[key];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

let defaultBus = new EventBus();

/**
 * The process-wide default bus, used by components created without an `events` option. Documented
 * and replaceable with {@link setDefaultEventBus}; pass your own bus per component to avoid it.
 */
export function getDefaultEventBus(): EventBus {
  return defaultBus;
}

export function setDefaultEventBus(bus: EventBus): void {
  defaultBus = bus;
}
