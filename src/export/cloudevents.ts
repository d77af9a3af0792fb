/**
 * CloudEvents 1.0 envelopes (JSON event format) for trusthandoff events, with the Distributed Tracing
 * extension (`traceparent`, `tracestate`). Pure data: no client, no I/O.
 *
 *   specversion "1.0" · id = event_id · source = urn:trusthandoff:<verifier_id>:<verifier_instance_id>
 *   type = dev.trusthandoff.<event_type> · time = timestamp · subject = packet_id | capability_id
 *   datacontenttype "application/json" · correlationid = correlation_id · data = the event
 */
import { ConfigurationError } from '../errors.js';
import type { TrustHandoffEvent } from '../events/types.js';

/** Prefix of every CloudEvents `type` this library produces. */
export const CLOUDEVENT_TYPE_PREFIX = 'dev.trusthandoff.';

const TRACEPARENT = /^00-(?!0{32})[0-9a-f]{32}-(?!0{16})[0-9a-f]{16}-[0-9a-f]{2}$/;
// W3C trace-context: list-members of key=value, at most 512 characters in total (we keep it short).
const TRACESTATE =
  /^[\x20-\x2b\x2d-\x3c\x3e-\x7e]*=[\x20-\x2b\x2d-\x3c\x3e-\x7e]*(,[\x20-\x2b\x2d-\x3c\x3e-\x7e]*=[\x20-\x2b\x2d-\x3c\x3e-\x7e]*)*$/;

export interface CloudEventOptions {
  /** W3C `traceparent` of the trace the event belongs to (e.g. from `activeTraceparent()` in trusthandoff/otel). */
  readonly traceparent?: string;
  /** W3C `tracestate` to carry with it (only with `traceparent`). */
  readonly tracestate?: string;
  /** Override the `source` URI-reference (default `urn:trusthandoff:<verifier_id>:<verifier_instance_id>`). */
  readonly source?: string;
}

/** A trusthandoff event as a CloudEvents 1.0 JSON envelope. */
export interface TrustHandoffCloudEvent {
  readonly specversion: '1.0';
  readonly id: string;
  readonly source: string;
  readonly type: string;
  readonly time: string;
  readonly subject?: string;
  readonly datacontenttype: 'application/json';
  /** Extension: the SPEC §8 correlation id. */
  readonly correlationid: string;
  /** Distributed Tracing extension. */
  readonly traceparent?: string;
  readonly tracestate?: string;
  readonly data: TrustHandoffEvent;
}

/** True when `value` is a well-formed W3C `traceparent` (version 00, non-zero ids). */
export function isTraceparent(value: unknown): value is string {
  return typeof value === 'string' && TRACEPARENT.test(value);
}

/** Wrap one event in a CloudEvents 1.0 envelope. Throws `ConfigurationError` for a malformed traceparent. */
export function toCloudEvent(
  event: TrustHandoffEvent,
  options: CloudEventOptions = {},
): TrustHandoffCloudEvent {
  const { traceparent, tracestate } = options;
  if (traceparent !== undefined && !isTraceparent(traceparent))
    throw new ConfigurationError('toCloudEvent: traceparent is not a W3C traceparent');
  if (
    tracestate !== undefined &&
    (traceparent === undefined || tracestate.length > 512 || !TRACESTATE.test(tracestate))
  )
    throw new ConfigurationError('toCloudEvent: tracestate needs a traceparent and must be a W3C tracestate');
  if (options.source !== undefined && (typeof options.source !== 'string' || options.source.length === 0))
    throw new ConfigurationError('toCloudEvent: source must be a non-empty URI-reference');
  const source =
    options.source ??
    `urn:trusthandoff:${encodeURIComponent(event.verifier_id)}:${encodeURIComponent(event.verifier_instance_id)}`;
  const fields = event as unknown as Record<string, unknown>;
  const subject = [fields['packet_id'], fields['capability_id']].find(
    (v): v is string => typeof v === 'string' && v.length > 0,
  );
  return {
    specversion: '1.0',
    id: event.event_id,
    source,
    type: `${CLOUDEVENT_TYPE_PREFIX}${event.event_type}`,
    time: event.timestamp,
    ...(subject === undefined ? {} : { subject }),
    datacontenttype: 'application/json',
    correlationid: event.correlation_id,
    ...(traceparent === undefined ? {} : { traceparent }),
    ...(tracestate === undefined ? {} : { tracestate }),
    data: event,
  };
}
