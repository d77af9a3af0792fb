import { context as otelContext, isSpanContextValid, trace, type Context } from '@opentelemetry/api';

/**
 * The W3C `traceparent` of the span active in `ctx` (default: the active context), or undefined when
 * there is none — for `toCloudEvent(event, { traceparent })` in trusthandoff/export.
 */
export function activeTraceparent(ctx: Context = otelContext.active()): string | undefined {
  const span = trace.getSpan(ctx);
  if (span === undefined) return undefined;
  const sc = span.spanContext();
  if (!isSpanContextValid(sc)) return undefined;
  // Bit 0 of trace-flags is `sampled` (W3C Trace Context).
  const sampled = (sc.traceFlags & 1) === 1;
  return `00-${sc.traceId}-${sc.spanId}-${sampled ? '01' : '00'}`;
}
