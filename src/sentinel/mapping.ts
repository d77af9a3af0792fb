/**
 * SPEC §8's mapping of an event to a Sentinel record, and the severities of the reference.
 */
import type { SentinelEvent, SentinelRecord, SentinelSeverity } from './types.js';

/** The reference's severities by event type; any other type is INFO. */
export const EVENT_SEVERITIES: Readonly<Record<string, SentinelSeverity>> = Object.freeze({
  packet_accepted: 'INFO',
  packet_rejected: 'ERROR',
  capability_stale: 'ERROR',
  token_overlap_used: 'WARN',
  ai_generated_payload: 'WARN',
});

const MAPPED = new Set(['event_id', 'event_type', 'timestamp', 'producer_id', 'correlation_id']);

/** The severity SPEC §8 gives an event type. */
export function eventSeverity(eventType: string): SentinelSeverity {
  return Object.hasOwn(EVENT_SEVERITIES, eventType) ? EVENT_SEVERITIES[eventType]! : 'INFO';
}

/**
 * Map one event (already known to be an object with a string `event_type`) to its record.
 * `observedAt` is Sentinel's ingestion time (ISO 8601). Missing envelope fields map to `""`
 * (`producer_id` to `"unknown"`, as the reference's envelope does).
 */
export function toSentinelRecord(event: SentinelEvent, observedAt: string): SentinelRecord {
  const eventType = String(event['event_type']);
  const attributes: Record<string, unknown> = {};
  for (const key of Object.keys(event)) if (!MAPPED.has(key)) attributes[key] = event[key];
  const reason = event['reason'];
  return Object.freeze({
    event_id: text(event['event_id']),
    event_type: eventType,
    timestamp: text(event['timestamp']),
    observed_at: observedAt,
    severity: eventSeverity(eventType),
    producer_id: typeof event['producer_id'] === 'string' ? event['producer_id'] : 'unknown',
    trace_id: text(event['correlation_id']),
    body: typeof reason === 'string' ? `${eventType} — ${reason}` : eventType,
    attributes: Object.freeze(attributes),
    source_system: 'trusthandoff',
  });
}

function text(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

/** A string attribute of a record, or null. */
export function attr(record: SentinelRecord, name: string): string | null {
  const value = record.attributes[name];
  return typeof value === 'string' ? value : null;
}
