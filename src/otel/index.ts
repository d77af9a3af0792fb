/**
 * `trusthandoff/otel`: OpenTelemetry spans and metrics for the gate, capability chain verification
 * and attestations, through `@opentelemetry/api` only (an optional peer dependency).
 */
export { gateTracing, type GateTracingOptions } from './gate-tracing.js';
export {
  traceAttestationCreation,
  traceAttestationVerification,
  traceCapabilityChainVerification,
} from './spans.js';
export { ATTR as OTEL_ATTRIBUTES, TOOL_CALL_CONTEXT_KEY } from './attributes.js';
export { activeTraceparent } from './traceparent.js';
