/**
 * trusthandoff/otel with the OpenTelemetry SDK's in-memory exporters: spans per decision and step,
 * GenAI attributes, no secrets or context contents, metrics, and the check wrappers.
 */
import { context, trace, type Tracer } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import {
  AggregationTemporality,
  InMemoryMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
  type HistogramMetricData,
  type SumMetricData,
} from '@opentelemetry/sdk-metrics';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
  type ReadableSpan,
} from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  AgentIdentity,
  MemoryAgentRegistry,
  MemoryReplayStore,
  MemoryRevocationStore,
  HandoffGate,
  bindToolCall,
  issueAttestation,
  createDelegationEnvelope,
  issueTaskPacket,
  serializeDelegationEnvelope,
  verifyAttestation,
  verifyCapabilityChain,
  type GateHooks,
  type JsonObject,
} from '../support/api.js';
import {
  activeTraceparent,
  gateTracing,
  OTEL_ATTRIBUTES as A,
  traceAttestationCreation,
  traceAttestationVerification,
  traceCapabilityChainVerification,
} from '../../src/otel/index.js';

const spans = new InMemorySpanExporter();
const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spans)] });
const tracer: Tracer = provider.getTracer('trusthandoff-test');
const metrics = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
const reader = new PeriodicExportingMetricReader({ exporter: metrics, exportIntervalMillis: 3_600_000 });
const meterProvider = new MeterProvider({ readers: [reader] });
const contextManager = new AsyncLocalStorageContextManager();

const sender = AgentIdentity.generate();
const receiver = AgentIdentity.generate();
const SECRET = 'SECRET-CONTEXT-VALUE-7f3a';

beforeAll(() => {
  context.setGlobalContextManager(contextManager.enable());
});
afterAll(async () => {
  context.disable();
  await provider.shutdown();
  await meterProvider.shutdown();
});

async function makeGate(hooks: GateHooks): Promise<HandoffGate> {
  const registry = new MemoryAgentRegistry();
  await registry.register(sender.agentId, sender.publicKeyPem);
  return new HandoffGate({
    agentId: receiver.agentId,
    registry,
    replayStore: new MemoryReplayStore(),
    revocationStore: new MemoryRevocationStore(),
    hooks,
  });
}

function envelope(context: JsonObject = { note: SECRET }): string {
  const packet = issueTaskPacket(sender, {
    to_agent: receiver.agentId,
    intent: 'Research company background',
    permissions: { allowed_actions: ['read'], max_tool_calls: 5 },
    context,
    risk_level: 'read',
  });
  return serializeDelegationEnvelope(createDelegationEnvelope(packet));
}

const byName = (name: string): ReadableSpan[] => spans.getFinishedSpans().filter((s) => s.name === name);
const decisionSpans = (): ReadableSpan[] => byName('trusthandoff.gate.handle');
const childrenOf = (parent: ReadableSpan): ReadableSpan[] =>
  spans
    .getFinishedSpans()
    .filter((s) => s.parentSpanContext?.spanId === parent.spanContext().spanId)
    .sort((a, b) => (a.startTime[0] - b.startTime[0]) * 1e9 + (a.startTime[1] - b.startTime[1]));

beforeEach(() => {
  spans.reset();
});

describe('gateTracing: spans', () => {
  const verifier = { agentId: receiver.agentId, instanceId: 'replica-2' };

  it('an ACCEPT: one decision span with a child span per step, ids and GenAI attributes', async () => {
    const gate = await makeGate(gateTracing({ tracer, verifier }));
    const wire = envelope();
    const packet = JSON.parse(wire) as { packet: { packet_id: string; task_id: string; signature: string } };
    const decision = await gate.handle(wire);
    expect(decision.decision).toBe('ACCEPT');
    const [span, ...others] = decisionSpans();
    expect(others).toHaveLength(0);
    expect(span!.attributes).toMatchObject({
      [A.decision]: 'ACCEPT',
      [A.reason]: decision.reason,
      [A.genAiOperation]: 'invoke_agent',
      [A.genAiAgentId]: receiver.agentId,
      [A.packetId]: packet.packet.packet_id,
      [A.taskId]: packet.packet.task_id,
      [A.sender]: sender.agentId,
      [A.audience]: receiver.agentId,
      [A.verifierId]: receiver.agentId,
      [A.verifierInstanceId]: 'replica-2',
    });
    expect(span!.status.code).toBe(0);
    const steps = childrenOf(span!);
    expect(steps.length).toBeGreaterThan(3);
    expect(steps[0]!.name).toBe('trusthandoff.gate.step parse');
    for (const step of steps) {
      expect(step.name).toBe(`trusthandoff.gate.step ${String(step.attributes[A.step])}`);
      expect(step.attributes[A.stepOutcome]).toBe('pass');
      expect(step.spanContext().traceId).toBe(span!.spanContext().traceId);
    }
    // Never the context's contents, the signature or a key.
    const everything = JSON.stringify(spans.getFinishedSpans().map((s) => [s.name, s.attributes, s.status]));
    expect(everything).not.toContain(SECRET);
    expect(everything).not.toContain(packet.packet.signature);
    expect(everything).not.toContain('PUBLIC KEY');
  });

  it('a REJECT: the rejecting step and the decision carry the reason, status ERROR', async () => {
    const gate = await makeGate(gateTracing({ tracer }));
    const wire = JSON.parse(envelope()) as { packet: { intent: string } };
    wire.packet.intent = 'Wire the money';
    const decision = await gate.handle(JSON.stringify(wire));
    expect(decision).toMatchObject({ decision: 'REJECT', reason: 'Invalid signature' });
    const [span] = decisionSpans();
    expect(span!.attributes).toMatchObject({
      [A.decision]: 'REJECT',
      [A.reason]: 'Invalid signature',
      [A.errorType]: 'Invalid signature',
      [A.sender]: sender.agentId,
    });
    expect(span!.status).toMatchObject({ code: 2, message: 'Invalid signature' });
    const steps = childrenOf(span!);
    const last = steps.at(-1)!;
    expect(last.attributes).toMatchObject({ [A.stepOutcome]: 'reject', [A.reason]: 'Invalid signature' });
    expect(span!.attributes[A.rejectedStep]).toBe(last.attributes[A.step]);
    expect(steps.slice(0, -1).every((s) => s.attributes[A.stepOutcome] === 'pass')).toBe(true);
  });

  it('a tool call bound into the packet: execute_tool with gen_ai.tool.name (never the arguments)', async () => {
    const gate = await makeGate(gateTracing({ tracer }));
    const args = { path: `/etc/${SECRET}` };
    const decision = await gate.handle(envelope({ ...bindToolCall('read_file', args) }), {
      expect: { toolCall: { name: 'read_file', arguments: args } },
    });
    expect(decision.decision).toBe('ACCEPT');
    expect(decisionSpans()[0]!.attributes).toMatchObject({
      [A.genAiOperation]: 'execute_tool',
      [A.genAiToolName]: 'read_file',
    });
    expect(JSON.stringify(spans.getFinishedSpans().map((s) => s.attributes))).not.toContain(SECRET);
  });

  it('junk input: a decision span with the parse step; untrusted ids cut', async () => {
    const gate = await makeGate(gateTracing({ tracer }));
    const wire = JSON.parse(envelope()) as { packet: { packet_id: string } };
    wire.packet.packet_id = 'x'.repeat(100_000);
    await gate.handle(JSON.stringify(wire));
    await gate.handle('{not json');
    const [first, second] = decisionSpans();
    for (const s of [first!, second!]) expect(s.attributes[A.decision]).toBe('REJECT');
    for (const s of spans.getFinishedSpans())
      for (const v of Object.values(s.attributes))
        if (typeof v === 'string') expect(v.length).toBeLessThanOrEqual(256);
    expect(childrenOf(second!).map((s) => s.name)).toEqual(['trusthandoff.gate.step parse']);
  });

  it('the decision span is a child of the caller’s active span; concurrent calls keep their own spans', async () => {
    const gate = await makeGate(gateTracing({ tracer }));
    const parent = tracer.startSpan('http.request');
    await context.with(trace.setSpan(context.active(), parent), () =>
      Promise.all([gate.handle(envelope()), gate.handle(envelope()), gate.handle(envelope())]),
    );
    parent.end();
    const decisions = decisionSpans();
    expect(decisions).toHaveLength(3);
    for (const d of decisions) {
      expect(d.parentSpanContext?.spanId).toBe(parent.spanContext().spanId);
      expect(childrenOf(d).length).toBeGreaterThan(3);
    }
    expect(new Set(decisions.map((d) => d.attributes[A.packetId])).size).toBe(3);
  });

  it('stepSpans: false — the decision span alone, the rejecting step still named', async () => {
    const gate = await makeGate(gateTracing({ tracer, stepSpans: false }));
    const wire = JSON.parse(envelope()) as { packet: { intent: string } };
    wire.packet.intent = 'tampered';
    await gate.handle(JSON.stringify(wire));
    const [span, ...rest] = spans.getFinishedSpans();
    expect(rest).toHaveLength(0);
    expect(span!.name).toBe('trusthandoff.gate.handle');
    expect(span!.attributes).toMatchObject({ [A.decision]: 'REJECT', [A.rejectedStep]: 'signature' });
  });

  it('options are validated at construction', () => {
    for (const options of [
      {},
      { tracer, stepSpans: 'no' },
      { tracer: {} },
      { meter: {} },
      { tracer, maxAttributeLength: 1 },
      { tracer, verifier: { agentId: '' } },
    ])
      expect(() => gateTracing(options as never)).toThrow(
        expect.objectContaining({ code: 'ERR_CONFIGURATION' }) as Error,
      );
  });
});

describe('gateTracing: metrics', () => {
  it('counts decisions by result and reason and records latency', async () => {
    const meter = meterProvider.getMeter('trusthandoff-test');
    const gate = await makeGate(gateTracing({ meter }));
    for (let i = 0; i < 3; i++) await gate.handle(envelope());
    const replayed = envelope();
    await gate.handle(replayed);
    await gate.handle(replayed);
    await gate.handle('junk');
    await reader.forceFlush();
    const scope = metrics
      .getMetrics()
      .at(-1)!
      .scopeMetrics.find((s) => s.scope.name === 'trusthandoff-test')!;
    const counter = scope.metrics.find(
      (m) => m.descriptor.name === 'trusthandoff.gate.decisions',
    ) as SumMetricData;
    const counts = Object.fromEntries(
      counter.dataPoints.map((p) => [
        `${String(p.attributes[A.decision])}/${String(p.attributes[A.reason])}`,
        p.value,
      ]),
    );
    expect(counts).toEqual({
      'ACCEPT/Packet verified and valid': 4,
      'REJECT/Replay detected': 1,
      'REJECT/malformed_envelope': 1,
    });
    const histogram = scope.metrics.find(
      (m) => m.descriptor.name === 'trusthandoff.gate.decision.duration',
    ) as HistogramMetricData;
    expect(histogram.descriptor.unit).toBe('s');
    const total = histogram.dataPoints.reduce((n, p) => n + p.value.count, 0);
    expect(total).toBe(6);
    for (const p of histogram.dataPoints) expect(p.value.max!).toBeLessThan(5);
  });
});

describe('spans around capability chains and attestations', () => {
  it('attestation create and verify: spans with ids, verdict and reason; sync stays sync', () => {
    const create = traceAttestationCreation(tracer, issueAttestation);
    const verify = traceAttestationVerification(tracer, verifyAttestation);
    const attestation = create({ packetId: 'pkt-1', result: { answer: SECRET }, signer: sender });
    expect(attestation.packet_id).toBe('pkt-1');
    const good = verify(attestation, sender.publicKeyPem, { result: { answer: SECRET } });
    const bad = verify(attestation, sender.publicKeyPem, { result: { answer: 'other' } });
    expect(good).toMatchObject({ ok: true });
    expect(bad).toMatchObject({ ok: false });
    const [created] = byName('trusthandoff.attestation.create');
    expect(created!.attributes).toMatchObject({ [A.packetId]: 'pkt-1', [A.signedBy]: sender.agentId });
    const verified = byName('trusthandoff.attestation.verify');
    expect(verified.map((s) => s.attributes[A.verdict])).toEqual(['valid', 'invalid']);
    expect(verified[1]!.attributes[A.reason]).toBe((bad as { reason: string }).reason);
    expect(verified[1]!.status.code).toBe(2);
    const everything = JSON.stringify(spans.getFinishedSpans().map((s) => s.attributes));
    expect(everything).not.toContain(SECRET);
    expect(everything).not.toContain(attestation.signature);
  });

  it('a throwing check: span ends with the error code, the error propagates unchanged', () => {
    const create = traceAttestationCreation(tracer, issueAttestation);
    expect(() => create({ packetId: 'pkt-2', result: { x: 1.5 }, signer: sender })).toThrow(
      expect.objectContaining({ code: 'ERR_CANONICALIZATION' }) as Error,
    );
    const [span] = byName('trusthandoff.attestation.create');
    expect(span!.attributes[A.errorType]).toBe('ERR_CANONICALIZATION');
    expect(span!.status.code).toBe(2);
  });

  it('capability chain verification (async): verdict, reason and chain length', async () => {
    const verify = traceCapabilityChainVerification(tracer, verifyCapabilityChain);
    const registry = new MemoryAgentRegistry();
    const result = await verify([], { registry, trustedRoots: [sender.agentId] });
    if (result.ok) throw new Error('an empty chain must not verify');
    const [span] = byName('trusthandoff.capability_chain.verify');
    expect(span!.attributes).toMatchObject({
      [A.chainLength]: 0,
      [A.verdict]: 'invalid',
      [A.reason]: result.reason,
    });
  });
});

describe('activeTraceparent', () => {
  it('the active span as a W3C traceparent; none outside a span', () => {
    expect(activeTraceparent()).toBeUndefined();
    tracer.startActiveSpan('outer', (span) => {
      const sc = span.spanContext();
      expect(activeTraceparent()).toBe(`00-${sc.traceId}-${sc.spanId}-01`);
      span.end();
    });
  });
});
