/**
 * The gate through the event port (issue 8): junk with huge ids keeps event memory under the
 * documented bound; listeners and sinks that throw or reject change nothing and crash nothing; every
 * decision event names the deciding verifier and its latency.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EventHub, MemoryEventSink, type TrustHandoffEvent } from '../support/api.js';
import { fixture, receiver, sender } from './support.js';

// A full collection before each reading, so the figures are what is retained, not garbage.
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
function retained(): number {
  gc();
  const usage = process.memoryUsage();
  return usage.heapUsed + usage.external;
}

describe('the gate through the event port', () => {
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown): void => {
    unhandled.push(reason);
  };
  beforeEach(() => {
    unhandled.length = 0;
    process.on('unhandledRejection', onUnhandled);
  });
  afterEach(() => {
    process.off('unhandledRejection', onUnhandled);
  });

  it('10,000 junk envelopes with 1 MB ids keep the event memory under the byte bound', async () => {
    const sink = new MemoryEventSink({ maxBytes: 4 * 1024 * 1024 });
    const hub = new EventHub({ verifier: { agentId: receiver.agentId, instanceId: 'test' }, sinks: [sink] });
    // Limits raised past the ids on purpose: the bound must hold for a deployment that allows them.
    const f = await fixture({ events: hub, limits: { maxBytes: 4_000_000 } });
    const megabyte = 'x'.repeat(1_000_000);
    const e = f.envelope();
    const before = retained();
    for (let i = 0; i < 10_000; i++) {
      const packetId = `${megabyte}${i}`;
      const junk = { ...e, packet: { ...e.packet, packet_id: packetId, signature: 'AAAA' } };
      const decision = await f.gate.handle(junk);
      expect(decision.decision).toBe('REJECT');
    }
    const after = retained();
    const stats = sink.stats;
    expect(stats.bytes).toBeLessThanOrEqual(4 * 1024 * 1024);
    expect(stats.written).toBe(10_000);
    expect(stats.dropped + stats.buffered).toBe(10_000);
    for (const event of sink.snapshot()) {
      for (const value of Object.values(event))
        if (typeof value === 'string') expect(value.length).toBeLessThanOrEqual(256);
    }
    // 10,000 retained ids would be 10 GB; heap and external memory grow by far less than one of them per event.
    expect(after - before).toBeLessThan(32 * 1024 * 1024);
  });

  it('a sink that throws and an async sink that rejects change no decision and crash nothing', async () => {
    const writes: TrustHandoffEvent[] = [];
    const hub = new EventHub({
      verifier: { agentId: receiver.agentId },
      sinks: [
        {
          write: () => {
            throw new Error('sink down');
          },
        },
        { write: () => Promise.reject(new Error('async sink down')) },
        { write: (event) => void writes.push(event) },
      ],
    });
    const sink = new MemoryEventSink();
    sink.subscribe(() => Promise.reject(new Error('listener down')));
    sink.subscribe(() => {
      throw new Error('listener down');
    });
    hub.addSink(sink);
    const f = await fixture({ events: hub });
    const e = f.envelope();
    expect((await f.gate.handle(e)).decision).toBe('ACCEPT');
    expect((await f.gate.handle(e)).reason).toBe('Replay detected');
    await new Promise((resolve) => setImmediate(resolve));
    expect(unhandled).toEqual([]);
    expect(writes.map((w) => w.event_type)).toEqual(['packet_accepted', 'packet_rejected']);
    expect(hub.stats.sinks.map((s) => s.writeFailures).slice(0, 2)).toEqual([2, 2]);
    expect(sink.stats.listenerErrors).toBe(4);
  });

  it('decision events name the sender, the deciding verifier, the step and the latency', async () => {
    const sink = new MemoryEventSink();
    const hub = new EventHub({
      verifier: { agentId: receiver.agentId, instanceId: 'replica-7' },
      sinks: [sink],
    });
    const f = await fixture({ events: hub });
    const e = f.envelope({ intent: 'summarize' });
    await f.gate.handle(e);
    await f.gate.handle(e);
    const [accepted, rejected] = sink.snapshot();
    expect(accepted).toMatchObject({
      event_type: 'packet_accepted',
      producer_id: sender.agentId,
      verifier_id: receiver.agentId,
      verifier_instance_id: 'replica-7',
      packet_id: e.packet.packet_id,
      intent: 'summarize',
    });
    expect(rejected).toMatchObject({
      event_type: 'packet_rejected',
      reason: 'Replay detected',
      step: 'admission',
    });
    for (const event of [accepted, rejected]) {
      expect(typeof (event as { latency_ms?: unknown }).latency_ms).toBe('number');
      expect((event as { latency_ms: number }).latency_ms).toBeGreaterThanOrEqual(0);
    }
  });

  it('a store that fails closed is reported as store_unavailable', async () => {
    const sink = new MemoryEventSink();
    const hub = new EventHub({ verifier: { agentId: receiver.agentId }, sinks: [sink] });
    const f = await fixture({
      events: hub,
      extraSteps: [{ name: 'bound', requiresBoundKey: true, check: () => undefined }],
      replayStore: { checkAndStore: () => Promise.reject(new Error('down')) },
    });
    expect((await f.gate.handle(f.envelope())).reason).toBe('replay_store_unavailable');
    expect(sink.snapshot().find((x) => x.event_type === 'store_unavailable')).toMatchObject({
      store: 'replay',
      operation: 'replay',
      reason: 'replay_store_unavailable',
    });
  });
});
