/**
 * End to end: a real gate emitting through a real EventHub into the JSONL and JetStream sinks, with
 * OpenTelemetry hooks attached; and the 100,000-event burst through the port into a slow sink.
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  AgentIdentity,
  EventHub,
  MemoryAgentRegistry,
  MemoryReplayStore,
  MemoryRevocationStore,
  HandoffGate,
  createDelegationEnvelope,
  issueTaskPacket,
  serializeDelegationEnvelope,
  type EventSink,
} from '../support/api.js';
import { gateTracing } from '../../src/otel/index.js';
import { JsonlFileSink, verifyJsonlLog, type JsonlFile } from '../../src/sinks/jsonl/index.js';
import { NatsJetStreamSink } from '../../src/sinks/nats/index.js';
import { NATS_URL, natsAvailable } from '../support/services.js';
import { collectGarbage } from './support.js';

const sender = AgentIdentity.generate();
const receiver = AgentIdentity.generate();
let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'th-e2e-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function gateWith(hub: EventHub, hooks?: ReturnType<typeof gateTracing>): Promise<HandoffGate> {
  const registry = new MemoryAgentRegistry();
  await registry.register(sender.agentId, sender.publicKeyPem);
  return new HandoffGate({
    agentId: receiver.agentId,
    registry,
    replayStore: new MemoryReplayStore(),
    revocationStore: new MemoryRevocationStore(),
    events: hub,
    ...(hooks === undefined ? {} : { hooks }),
  });
}

function wire(): string {
  const packet = issueTaskPacket(sender, {
    to_agent: receiver.agentId,
    intent: 'Research company background',
    permissions: { allowed_actions: ['read'], max_tool_calls: 5 },
    context: { company: 'Example Corp' },
    risk_level: 'read',
  });
  return serializeDelegationEnvelope(createDelegationEnvelope(packet));
}

const nats = await natsAvailable();

describe('gate → EventHub → sinks', () => {
  it('JSONL (sealed by the verifier) and JetStream receive every decision once; spans recorded', async () => {
    const path = join(dir, 'audit.jsonl');
    const jsonl = new JsonlFileSink({ path, identity: receiver });
    const stream = `TH_E2E_${randomUUID().replaceAll('-', '')}`;
    const sinks: EventSink[] = [jsonl];
    const natsSink = nats
      ? new NatsJetStreamSink({ servers: NATS_URL, stream, subjectPrefix: `th.e2e.${stream}` })
      : undefined;
    if (natsSink !== undefined) sinks.push(natsSink);
    const hub = new EventHub({ verifier: { agentId: receiver.agentId, instanceId: 'replica-1' }, sinks });
    const spans = new InMemorySpanExporter();
    const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spans)] });
    const gate = await gateWith(hub, gateTracing({ tracer: provider.getTracer('e2e') }));

    const decisions: string[] = [];
    for (let i = 0; i < 60; i++) {
      const w = wire();
      decisions.push((await gate.handle(w)).decision);
      if (i % 10 === 0) decisions.push((await gate.handle(w)).decision); // a replay
    }
    decisions.push((await gate.handle('{junk')).decision);
    expect((await hub.close()).ok).toBe(true);

    const verdict = await verifyJsonlLog(path, { publicKey: receiver.publicKeyPem, requireCheckpoint: true });
    expect(verdict).toMatchObject({
      ok: true,
      events: decisions.length,
      checkpoint: { valid: true, trusted: true },
    });
    const lines = (await readFile(path, 'utf8')).trim().split('\n');
    const events = lines.slice(0, -1).map((l) => (JSON.parse(l) as { event: Record<string, unknown> }).event);
    expect(events.map((e) => (e['event_type'] === 'packet_accepted' ? 'ACCEPT' : 'REJECT'))).toEqual(
      decisions,
    );
    for (const e of events)
      expect(e).toMatchObject({ verifier_id: receiver.agentId, verifier_instance_id: 'replica-1' });
    expect(events.filter((e) => e['reason'] === 'Replay detected')).toHaveLength(6);
    expect(jsonl.stats).toMatchObject({ accepted: decisions.length, dropped: 0, failed: 0 });
    expect(spans.getFinishedSpans().filter((s) => s.name === 'trusthandoff.gate.handle')).toHaveLength(
      decisions.length,
    );

    if (natsSink !== undefined) {
      expect(natsSink.stats).toMatchObject({ accepted: decisions.length, delivered: decisions.length });
      const nc = await connect({ servers: NATS_URL });
      const jsm = await jetstreamManager(nc);
      expect((await jsm.streams.info(stream)).state.messages).toBe(decisions.length);
      await jsm.streams.delete(stream);
      await nc.close();
    }
    await provider.shutdown();
  });

  it('100,000 events through the port into a slow sink: decisions keep flowing, memory bounded, counters add up', async () => {
    const path = join(dir, 'burst.jsonl');
    const { open } = await import('node:fs/promises');
    // The disk accepts nothing until the burst is over: a decision that waited on it would never end.
    let release: () => void = () => undefined;
    const diskHeld = new Promise<void>((resolve) => {
      release = resolve;
    });
    const slowDisk = async (p: string): Promise<JsonlFile> => {
      const h = await open(p, 'a');
      return {
        async write(data) {
          await diskHeld;
          await h.write(data);
        },
        sync: () => h.sync(),
        truncate: (n) => h.truncate(n),
        close: () => h.close(),
      };
    };
    const sink = new JsonlFileSink({
      path,
      maxQueueEvents: 5000,
      maxQueueBytes: 4 * 1024 * 1024,
      openFile: slowDisk,
    });
    const hub = new EventHub({ verifier: { agentId: receiver.agentId }, sinks: [sink] });
    const gate = await gateWith(hub);
    const fields = {
      packet_id: 'x'.repeat(1_000_000), // cut by the hub before the sink sees it
      task_id: null,
      from_agent: sender.agentId,
      to_agent: receiver.agentId,
      intent: null,
      risk_level: null,
      ttl_seconds: null,
      latency_ms: 0.1,
      reason: 'Invalid signature',
      step: 'signature',
    };
    collectGarbage();
    const before = process.memoryUsage().heapUsed;
    let decided = 0;
    let maxQueued = 0;
    for (let i = 0; i < 100_000; i++) {
      hub.emit('packet_rejected', fields);
      if (i % 10_000 === 0) {
        expect((await gate.handle(wire())).decision).toBe('ACCEPT');
        decided++;
        maxQueued = Math.max(maxQueued, sink.stats.queued);
      }
    }
    collectGarbage();
    // Retained, not allocated: the queue's bound (5000 events, 4 MiB) plus bookkeeping.
    const grown = process.memoryUsage().heapUsed - before;
    expect(maxQueued).toBeLessThanOrEqual(5000);
    expect(sink.stats.queuedBytes).toBeLessThanOrEqual(4 * 1024 * 1024);
    expect(grown).toBeLessThan(32 * 1024 * 1024);
    // Every decision completed while the disk had written nothing: none waited on the sink.
    expect(decided).toBe(10);
    expect(sink.stats.delivered).toBe(0);
    release();
    expect((await hub.close()).ok).toBe(true);
    const s = sink.stats;
    // The burst plus one packet_accepted per decision.
    expect(hub.stats.emitted).toBe(100_010);
    expect(s.accepted + s.dropped).toBe(hub.stats.emitted);
    expect(s.dropped).toBeGreaterThan(0);
    expect(s.delivered).toBe(s.accepted);
    expect(s.failed).toBe(0);
    const verdict = await verifyJsonlLog(path);
    expect(verdict).toMatchObject({ ok: true, events: s.delivered });
  });
});
