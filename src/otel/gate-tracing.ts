/**
 * `gateTracing`: OpenTelemetry spans and metrics for a gate, built on its step hooks. Uses
 * `@opentelemetry/api` only (the application brings the SDK and exporters).
 *
 * One span per decision (`trusthandoff.gate.handle`), a child span per step
 * (`trusthandoff.gate.step <step>`), a decision counter by result and reason, and a latency
 * histogram. Attributes name the packet, task, sender, audience and verifier — never a signature, a
 * key, the packet's context or its payload. Untrusted strings (ids of a rejected packet) are cut.
 */
import {
  context as otelContext,
  SpanKind,
  SpanStatusCode,
  trace,
  type Attributes,
  type Context,
  type Counter,
  type Histogram,
  type Meter,
  type Span,
  type Tracer,
} from '@opentelemetry/api';
import { ConfigurationError } from '../errors.js';
import type { GateDecision } from '../gate/decision.js';
import type { GateCall, GateHooks, StepReport } from '../gate/hooks.js';
import type { SignedTaskPacket } from '../packet/types.js';
import { ATTR, cut, TOOL_CALL_CONTEXT_KEY } from './attributes.js';

export interface GateTracingOptions {
  /** Spans are made with this tracer (e.g. `trace.getTracer('trusthandoff')`). Optional. */
  readonly tracer?: Tracer;
  /** The decision counter and latency histogram are made with this meter. Optional. */
  readonly meter?: Meter;
  /** The deciding verifier, stamped on every decision span. */
  readonly verifier?: { readonly agentId: string; readonly instanceId?: string };
  /**
   * A child span per step (default true). Each span costs the SDK about 1–2 µs; a decision runs ~8
   * steps. With false, the decision span alone is made (the rejecting step is still an attribute).
   */
  readonly stepSpans?: boolean;
  /** Longest string attribute value kept, UTF-16 code units (default 256, in [16, 4096]). */
  readonly maxAttributeLength?: number;
}

interface CallState {
  readonly span: Span;
  readonly context: Context;
  step: Span | undefined;
  rejectedStep: string | undefined;
}

/** Latency buckets, seconds: 50 µs to 5 s (a gate decision is typically well under a millisecond). */
const LATENCY_BUCKETS = [
  0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5,
];

function toolName(packet: SignedTaskPacket | undefined): string | undefined {
  const context = packet?.context as Record<string, unknown> | undefined;
  if (context === undefined || context === null || typeof context !== 'object') return undefined;
  const call = Object.prototype.hasOwnProperty.call(context, TOOL_CALL_CONTEXT_KEY)
    ? (context[TOOL_CALL_CONTEXT_KEY] as { name?: unknown } | null)
    : undefined;
  // Only the tool's name (the convention's binding) is read; arguments and the rest of the context never.
  return call !== null && typeof call === 'object' && typeof call.name === 'string' ? call.name : undefined;
}

/**
 * Hooks for a gate (`hooks:` option) that trace every decision and step and record decision metrics.
 * Either `tracer` or `meter` (or both) must be given.
 */
export function gateTracing(options: GateTracingOptions): GateHooks {
  if (options === null || typeof options !== 'object')
    throw new ConfigurationError('gateTracing: options required');
  const { tracer, meter, verifier } = options;
  if (tracer === undefined && meter === undefined)
    throw new ConfigurationError('gateTracing: give a tracer, a meter or both');
  if (tracer !== undefined && typeof tracer.startSpan !== 'function')
    throw new ConfigurationError('gateTracing: tracer must be an OpenTelemetry Tracer');
  if (meter !== undefined && typeof meter.createCounter !== 'function')
    throw new ConfigurationError('gateTracing: meter must be an OpenTelemetry Meter');
  if (verifier !== undefined && (typeof verifier?.agentId !== 'string' || verifier.agentId.length === 0))
    throw new ConfigurationError('gateTracing: verifier.agentId must be a non-empty string');
  const stepSpans = options.stepSpans ?? true;
  if (typeof stepSpans !== 'boolean')
    throw new ConfigurationError('gateTracing: stepSpans must be a boolean');
  const max = options.maxAttributeLength ?? 256;
  if (!Number.isSafeInteger(max) || max < 16 || max > 4096)
    throw new ConfigurationError('gateTracing: maxAttributeLength must be an integer in [16, 4096]');

  const verifierAttributes: Attributes = {};
  if (verifier !== undefined) {
    verifierAttributes[ATTR.verifierId] = cut(verifier.agentId, max);
    if (verifier.instanceId !== undefined)
      verifierAttributes[ATTR.verifierInstanceId] = cut(verifier.instanceId, max);
  }
  const decisions: Counter | undefined = meter?.createCounter('trusthandoff.gate.decisions', {
    description: 'Gate decisions, by decision (ACCEPT/REJECT) and reason',
    unit: '{decision}',
  });
  const latency: Histogram | undefined = meter?.createHistogram('trusthandoff.gate.decision.duration', {
    description: 'Time from handle() to the decision',
    unit: 's',
    advice: { explicitBucketBoundaries: LATENCY_BUCKETS },
  });

  const calls = new WeakMap<GateCall, CallState>();
  // Step names come from the gate's configuration (a few); the cap only guards against misuse.
  const stepNames = new Map<string, string>();
  const state = (call: GateCall): CallState | undefined => {
    if (tracer === undefined) return undefined;
    let s = calls.get(call);
    if (s === undefined) {
      // The first hook of a call runs synchronously inside handle(): the active context is the caller's.
      const parent = otelContext.active();
      const span = tracer.startSpan(
        'trusthandoff.gate.handle',
        { kind: SpanKind.INTERNAL, startTime: call.startedAt, attributes: verifierAttributes },
        parent,
      );
      s = { span, context: trace.setSpan(parent, span), step: undefined, rejectedStep: undefined };
      calls.set(call, s);
    }
    return s;
  };

  return {
    ...(tracer === undefined
      ? {}
      : {
          beforeStep(call: GateCall, step: string): void {
            const s = state(call)!;
            if (!stepSpans) return;
            let name = stepNames.get(step);
            if (name === undefined) {
              name = `trusthandoff.gate.step ${step}`;
              if (stepNames.size < 256) stepNames.set(step, name);
            }
            s.step = tracer.startSpan(name, { attributes: { [ATTR.step]: step } }, s.context);
          },
          afterStep(call: GateCall, report: StepReport): void {
            const s = state(call)!;
            if (report.outcome === 'reject') s.rejectedStep = report.step;
            const span = s.step;
            s.step = undefined;
            if (span === undefined) return;
            span.setAttribute(ATTR.stepOutcome, report.outcome);
            if (report.outcome === 'reject') {
              if (report.reason !== undefined) span.setAttribute(ATTR.reason, report.reason);
              span.setStatus({ code: SpanStatusCode.ERROR, message: report.reason ?? 'reject' });
            }
            span.end();
          },
        }),
    afterDecision(call: GateCall, decision: GateDecision, latencyMs: number): void {
      decisions?.add(1, { [ATTR.decision]: decision.decision, [ATTR.reason]: decision.reason });
      latency?.record(latencyMs / 1000, { [ATTR.decision]: decision.decision });
      const s = state(call);
      if (s === undefined) return;
      calls.delete(call);
      const packet = decision.decision === 'ACCEPT' ? decision.packet : call.packet;
      const tool = toolName(packet);
      const attributes: Attributes = {
        [ATTR.decision]: decision.decision,
        [ATTR.reason]: decision.reason,
        [ATTR.genAiOperation]: tool === undefined ? 'invoke_agent' : 'execute_tool',
        [ATTR.latencyMs]: latencyMs,
      };
      const set = (key: string, value: unknown): void => {
        if (typeof value === 'string') attributes[key] = cut(value, max);
      };
      set(ATTR.packetId, decision.packet_id ?? packet?.packet_id);
      if (packet !== undefined) {
        set(ATTR.taskId, packet.task_id);
        set(ATTR.sender, packet.from_agent);
        set(ATTR.audience, packet.to_agent);
        set(ATTR.genAiAgentId, packet.to_agent);
      }
      if (tool !== undefined) set(ATTR.genAiToolName, tool);
      if (s.rejectedStep !== undefined) attributes[ATTR.rejectedStep] = s.rejectedStep;
      s.span.setAttributes(attributes);
      if (decision.decision === 'REJECT') {
        s.span.setAttribute(ATTR.errorType, decision.reason);
        s.span.setStatus({ code: SpanStatusCode.ERROR, message: decision.reason });
      }
      s.span.end();
    },
  };
}
