/**
 * The event port: stamps the SPEC §8 envelope and the deciding verifier on what components emit,
 * cuts untrusted strings, freezes the event and hands it to every sink. It never throws into the
 * emitter and never waits for a sink: a sink that throws or rejects is counted, nothing more.
 *
 * There is no process-wide hub. An application makes one and passes it as `events` to each
 * component; a component without one emits nothing.
 */
import { randomUUID } from 'node:crypto';
import { ConfigurationError } from '../errors.js';
import { attempt, withDeadline } from '../lib/deadline.js';
import { cutString, defineData, sanitizeDetails, sanitizeValue } from '../lib/sanitize.js';
import type {
  EventCatalogue,
  EventPort,
  EventSink,
  EventType,
  TrustHandoffEvent,
  VerifierIdentity,
} from './types.js';

/** Longest string an event keeps, UTF-16 code units, marker included (default). */
export const DEFAULT_MAX_EVENT_STRING_LENGTH = 256;
/** Most fields (beyond the envelope) an event keeps (default). */
export const DEFAULT_MAX_EVENT_FIELDS = 32;
/** How long {@link EventHub.flush} / {@link EventHub.close} wait for one sink (default), ms. */
export const DEFAULT_SINK_FLUSH_TIMEOUT_MS = 5000;

export interface EventLimits {
  /**
   * Longest top-level string field an event keeps (ids, reasons, agents), UTF-16 code units, the
   * cut marker `…` included; an integer in [16, 65,536]. Values inside `details` and arrays follow
   * the SPEC §3 details limits (256 characters, 20 items, depth 4).
   */
  readonly maxStringLength: number;
  /** Most fields an event keeps beyond the envelope; an integer in [1, 256]. */
  readonly maxFields: number;
}

export interface EventHubOptions {
  /** The verifier stamped on every event. `instanceId` default: a random id made per hub. */
  readonly verifier: { readonly agentId: string; readonly instanceId?: string };
  readonly sinks?: readonly EventSink[];
  /** Clock in epoch milliseconds (default `Date.now`). */
  readonly now?: () => number;
  readonly limits?: Partial<EventLimits>;
  /** Deadline for one sink's `flush()` / `close()`, ms (default 5000); a miss counts as a failure. */
  readonly flushTimeoutMs?: number;
}

/** Per-sink delivery counters. */
export interface EventSinkStats {
  readonly name: string;
  /** `write()` calls that threw or whose promise rejected. */
  readonly writeFailures: number;
  readonly flushFailures: number;
  readonly closeFailures: number;
}

export interface EventHubStats {
  /** Events built and handed to the sinks. */
  readonly emitted: number;
  /** `emit` calls whose fields could not be read (a throwing getter, a revoked proxy); nothing sent. */
  readonly emitFailures: number;
  /** `emit` calls after {@link EventHub.close}; nothing sent. */
  readonly emittedAfterClose: number;
  readonly sinks: readonly EventSinkStats[];
}

/** What {@link EventHub.flush} and {@link EventHub.close} report; they never reject. */
export interface EventFlushResult {
  readonly ok: boolean;
  /** Names of the sinks whose flush/close threw, rejected or missed the deadline. */
  readonly failedSinks: readonly string[];
}

class SinkEntry {
  writeFailures = 0;
  flushFailures = 0;
  closeFailures = 0;
  readonly sink: EventSink;
  readonly name: string;
  // Made once per sink, so delivering to an async sink allocates no closure per event.
  readonly onRejected = (): void => {
    this.writeFailures++;
  };

  constructor(sink: EventSink, name: string) {
    this.sink = sink;
    this.name = name;
  }

  deliver(event: TrustHandoffEvent): void {
    try {
      const pending = this.sink.write(event) as unknown;
      if (
        pending !== undefined &&
        pending !== null &&
        typeof (pending as PromiseLike<void>).then === 'function'
      ) {
        (pending as PromiseLike<void>).then(undefined, this.onRejected);
      }
    } catch {
      this.writeFailures++;
    }
  }
}

// Envelope keys are stamped by the hub; a field of the same name is read (SPEC §8 rules) or ignored.
const ENVELOPE_KEYS: ReadonlySet<string> = new Set([
  'event_id',
  'event_type',
  'timestamp',
  'producer_id',
  'correlation_id',
  'idempotency_key',
  'verifier_id',
  'verifier_instance_id',
]);
const MAX_KEY_LENGTH = 128;

export class EventHub implements EventPort {
  readonly verifier: VerifierIdentity;
  readonly limits: EventLimits;
  readonly #now: () => number;
  readonly #flushTimeoutMs: number;
  readonly #max: number;
  // Replaced, never mutated, so a sink added or removed during delivery cannot disturb it.
  #sinks: readonly SinkEntry[] = [];
  #emitted = 0;
  #emitFailures = 0;
  #afterClose = 0;
  #closing: Promise<EventFlushResult> | undefined;
  // Several events share a millisecond under load; formatting the time once per millisecond is cheaper.
  #isoMs = Number.NaN;
  #iso = '';

  constructor(options: EventHubOptions) {
    if (options === null || typeof options !== 'object')
      throw new ConfigurationError('EventHub needs options');
    const verifier = options.verifier as Partial<EventHubOptions['verifier']> | undefined;
    if (verifier === null || typeof verifier !== 'object')
      throw new ConfigurationError('verifier must be { agentId, instanceId? }');
    const limits: EventLimits = Object.freeze({
      maxStringLength: limit(
        options.limits?.maxStringLength,
        DEFAULT_MAX_EVENT_STRING_LENGTH,
        16,
        65_536,
        'maxStringLength',
      ),
      maxFields: limit(options.limits?.maxFields, DEFAULT_MAX_EVENT_FIELDS, 1, 256, 'maxFields'),
    });
    const agentId = verifier.agentId;
    if (typeof agentId !== 'string' || agentId === '' || agentId.length > limits.maxStringLength)
      throw new ConfigurationError('verifier.agentId must be a non-empty string within maxStringLength');
    const instanceId = verifier.instanceId ?? randomUUID();
    if (typeof instanceId !== 'string' || instanceId === '' || instanceId.length > limits.maxStringLength)
      throw new ConfigurationError('verifier.instanceId must be a non-empty string within maxStringLength');
    const now = options.now ?? Date.now;
    if (typeof now !== 'function') throw new ConfigurationError('now must be a function');
    this.#flushTimeoutMs = limit(
      options.flushTimeoutMs,
      DEFAULT_SINK_FLUSH_TIMEOUT_MS,
      1,
      2_147_483_647,
      'flushTimeoutMs',
    );
    const sinks: readonly EventSink[] = options.sinks ?? [];
    if (!isList(sinks)) throw new ConfigurationError('sinks must be an array of EventSink');
    for (const sink of sinks) checkSink(sink);
    this.verifier = Object.freeze({ agentId, instanceId });
    this.limits = limits;
    this.#max = limits.maxStringLength;
    this.#now = now;
    for (const sink of sinks) this.addSink(sink);
  }

  /** Deliver future events to `sink` too. Adding a sink twice delivers once. */
  addSink(sink: EventSink): void {
    checkSink(sink);
    if (this.#sinks.some((entry) => entry.sink === sink)) return;
    const name = sinkName(sink, this.#sinks.length);
    this.#sinks = Object.freeze([...this.#sinks, new SinkEntry(sink, name)]);
  }

  /** Stop delivering to `sink` (it is neither flushed nor closed). True when it was attached. */
  removeSink(sink: EventSink): boolean {
    const kept = this.#sinks.filter((entry) => entry.sink !== sink);
    if (kept.length === this.#sinks.length) return false;
    this.#sinks = Object.freeze(kept);
    return true;
  }

  emit<T extends EventType>(type: T, fields: EventCatalogue[T]): void {
    if (this.#closing !== undefined) {
      this.#afterClose++;
      return;
    }
    let event: TrustHandoffEvent;
    try {
      event = this.#build(type, fields as unknown as Readonly<Record<string, unknown>>);
    } catch {
      // Only hostile input gets here (a throwing getter, a revoked proxy): the emitter never sees it.
      this.#emitFailures++;
      return;
    }
    this.#emitted++;
    const sinks = this.#sinks;
    for (let i = 0; i < sinks.length; i++) sinks[i]!.deliver(event);
  }

  #build(type: string, fields: Readonly<Record<string, unknown>>): TrustHandoffEvent {
    if (type === 'packet_accepted' || type === 'packet_rejected') return this.#decision(type, fields);
    const max = this.#max;
    const correlationId =
      idField(fields['correlation_id'], max) ??
      idField(fields['packet_id'], max) ??
      idField(fields['capability_id'], max) ??
      randomUUID();
    // One literal for the envelope: V8 (Node 20) takes a slow path, ~10 µs, for `{...a, ...}` and
    // for Object.assign of a spread, which showed as the gate's largest cost after Ed25519.
    const event: Record<string, unknown> = {
      event_id: randomUUID(),
      event_type: typeof type === 'string' ? cutString(type, max) : 'unknown',
      timestamp: this.#isoTime(this.#now()),
      producer_id:
        idField(fields['producer_id'], max) ??
        idField(fields['from_agent'], max) ??
        idField(fields['issuer_agent'], max) ??
        'unknown',
      correlation_id: correlationId,
      idempotency_key: idField(fields['idempotency_key'], max) ?? correlationId,
      verifier_id: this.verifier.agentId,
      verifier_instance_id: this.verifier.instanceId,
    };
    let kept = 0;
    const maxFields = this.limits.maxFields;
    for (const key in fields) {
      if (!Object.hasOwn(fields, key) || ENVELOPE_KEYS.has(key)) continue;
      if (kept++ >= maxFields) {
        event['…'] = 'fields cut';
        break;
      }
      const value = fields[key];
      const name = key.length > MAX_KEY_LENGTH ? cutString(key, MAX_KEY_LENGTH) : key;
      const safe =
        typeof value === 'string'
          ? cutString(value, max)
          : key === 'details' && value !== null && typeof value === 'object' && !Array.isArray(value)
            ? sanitizeDetails(value as Readonly<Record<string, unknown>>)
            : scalar(value);
      if (name === '__proto__') defineData(event, name, safe);
      else event[name] = safe;
    }
    return Object.freeze(event) as unknown as TrustHandoffEvent;
  }

  // The gate's decision events, on every request: one literal with exactly the catalogue fields (a
  // stable shape V8 builds in one step; the generic path adds fields one by one, ~2x the cost).
  #decision(
    type: 'packet_accepted' | 'packet_rejected',
    f: Readonly<Record<string, unknown>>,
  ): TrustHandoffEvent {
    const max = this.#max;
    const packetId = idField(f['packet_id'], max);
    const fromAgent = idField(f['from_agent'], max);
    const correlationId = idField(f['correlation_id'], max) ?? packetId ?? randomUUID();
    const timestamp = this.#isoTime(this.#now());
    const producerId = idField(f['producer_id'], max) ?? fromAgent ?? 'unknown';
    const idempotencyKey = idField(f['idempotency_key'], max) ?? correlationId;
    if (type === 'packet_accepted') {
      return Object.freeze({
        event_id: randomUUID(),
        event_type: type,
        timestamp,
        producer_id: producerId,
        correlation_id: correlationId,
        idempotency_key: idempotencyKey,
        verifier_id: this.verifier.agentId,
        verifier_instance_id: this.verifier.instanceId,
        packet_id: packetId ?? null,
        task_id: text(f['task_id'], max),
        from_agent: fromAgent ?? null,
        to_agent: text(f['to_agent'], max),
        intent: text(f['intent'], max),
        risk_level: text(f['risk_level'], max),
        ttl_seconds: finite(f['ttl_seconds']),
        latency_ms: finite(f['latency_ms']) ?? 0,
        reason: text(f['reason'], max) ?? '',
      });
    }
    const details = f['details'];
    return Object.freeze({
      event_id: randomUUID(),
      event_type: type,
      timestamp,
      producer_id: producerId,
      correlation_id: correlationId,
      idempotency_key: idempotencyKey,
      verifier_id: this.verifier.agentId,
      verifier_instance_id: this.verifier.instanceId,
      packet_id: packetId ?? null,
      task_id: text(f['task_id'], max),
      from_agent: fromAgent ?? null,
      to_agent: text(f['to_agent'], max),
      intent: text(f['intent'], max),
      risk_level: text(f['risk_level'], max),
      ttl_seconds: finite(f['ttl_seconds']),
      latency_ms: finite(f['latency_ms']) ?? 0,
      reason: text(f['reason'], max) ?? '',
      step: text(f['step'], max) ?? '',
      // Always present (null when none): one shape for every rejection.
      details:
        details !== null && typeof details === 'object' && !Array.isArray(details)
          ? sanitizeDetails(details as Readonly<Record<string, unknown>>)
          : null,
    });
  }

  #isoTime(ms: number): string {
    if (ms !== this.#isoMs) {
      // A clock that answers garbage must not cost the event: fall back to the system clock.
      const at = typeof ms === 'number' && Number.isFinite(ms) && Math.abs(ms) <= 8.64e15 ? ms : Date.now();
      this.#iso = new Date(at).toISOString();
      this.#isoMs = ms;
    }
    return this.#iso;
  }

  /** Counters since creation; a fresh frozen object each call. */
  get stats(): EventHubStats {
    return Object.freeze({
      emitted: this.#emitted,
      emitFailures: this.#emitFailures,
      emittedAfterClose: this.#afterClose,
      sinks: Object.freeze(
        this.#sinks.map((entry) =>
          Object.freeze({
            name: entry.name,
            writeFailures: entry.writeFailures,
            flushFailures: entry.flushFailures,
            closeFailures: entry.closeFailures,
          }),
        ),
      ),
    });
  }

  /**
   * Ask every sink to deliver what it has (`flush()`, in parallel, each under the flush deadline).
   * Never rejects: failures are counted in {@link stats} and named in the result.
   */
  async flush(): Promise<EventFlushResult> {
    const entries = this.#sinks;
    const failed = await Promise.all(entries.map((entry) => this.#call(entry, 'flush')));
    return result(entries, failed);
  }

  /**
   * Stop accepting events, then flush and close every sink (each under the flush deadline). Later
   * `emit` calls are counted and dropped; calling close again returns the same result.
   */
  close(): Promise<EventFlushResult> {
    this.#closing ??= (async () => {
      const entries = this.#sinks;
      const failed = await Promise.all(
        entries.map(async (entry) => {
          const flushFailed = await this.#call(entry, 'flush');
          const closeFailed = await this.#call(entry, 'close');
          return flushFailed || closeFailed;
        }),
      );
      return result(entries, failed);
    })();
    return this.#closing;
  }

  // True when the call failed (threw, rejected or missed the deadline).
  async #call(entry: SinkEntry, method: 'flush' | 'close'): Promise<boolean> {
    const sink = entry.sink;
    if (typeof sink[method] !== 'function') return false;
    try {
      await withDeadline(
        attempt(() => sink[method]!(), failed),
        this.#flushTimeoutMs,
        () => new Error('timeout'),
        failed,
      );
      return false;
    } catch {
      if (method === 'flush') entry.flushFailures++;
      else entry.closeFailures++;
      return true;
    }
  }
}

// Sink errors are counted, never kept: their text may carry anything.
const failed = (): Error => new Error('sink failed');

function result(entries: readonly SinkEntry[], failed: readonly boolean[]): EventFlushResult {
  const failedSinks = entries.filter((_, i) => failed[i]).map((entry) => entry.name);
  return Object.freeze({ ok: failedSinks.length === 0, failedSinks: Object.freeze(failedSinks) });
}

// A top-level non-string field: finite numbers, booleans and null as they are; containers through
// the SPEC §3 sanitizer; anything else a type tag.
function scalar(value: unknown): unknown {
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (value === null || typeof value === 'boolean') return value;
  return sanitizeValue(value);
}

// A nullable string field: cut, or null when absent or not a string.
function text(value: unknown, max: number): string | null {
  return typeof value === 'string' ? cutString(value, max) : null;
}

function finite(value: unknown): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

// SPEC §8: an envelope id comes from a field only when it is a non-empty string.
function idField(value: unknown, max: number): string | undefined {
  return typeof value === 'string' && value !== '' ? cutString(value, max) : undefined;
}

// Array.isArray would widen a readonly array to any[].
function isList(value: unknown): value is readonly EventSink[] {
  return Array.isArray(value);
}

function checkSink(sink: EventSink): void {
  if (sink === null || typeof sink !== 'object' || typeof sink.write !== 'function')
    throw new ConfigurationError('every sink needs a write(event) method');
  for (const method of ['flush', 'close'] as const) {
    if (sink[method] !== undefined && typeof sink[method] !== 'function')
      throw new ConfigurationError(`sink.${method} must be a method when present`);
  }
}

function sinkName(sink: EventSink, index: number): string {
  if (typeof sink.name === 'string' && sink.name !== '') return cutString(sink.name, 64);
  const ctor = (Object.getPrototypeOf(sink) as { constructor?: { name?: unknown } } | null)?.constructor
    ?.name;
  return typeof ctor === 'string' && ctor !== '' && ctor !== 'Object' ? `${ctor}#${index}` : `sink#${index}`;
}

function limit(value: unknown, fallback: number, min: number, max: number, name: string): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max)
    throw new ConfigurationError(`${name} must be an integer in [${min}, ${max}]`);
  return value;
}
