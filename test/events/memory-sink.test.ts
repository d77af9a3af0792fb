/** The bounded memory sink: count and byte bounds, isolated listeners, and 1 MB ids that stay cut. */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  DEFAULT_MEMORY_SINK_MAX_BYTES,
  EventHub,
  MemoryEventSink,
  estimateEventBytes,
  type TrustHandoffEvent,
} from '../support/api.js';

const verifier = { agentId: 'agent:gate', instanceId: 'i-1' };

function stale(hub: EventHub, id: string): void {
  hub.emit('capability_stale', {
    capability_id: id,
    reason: 'revalidation_failed',
    is_revocation_stale: false,
  });
}

let unhandled: unknown[] = [];
const onUnhandled = (reason: unknown): void => void unhandled.push(reason);
beforeEach(() => {
  unhandled = [];
  process.on('unhandledRejection', onUnhandled);
});
afterEach(() => {
  process.off('unhandledRejection', onUnhandled);
});

describe('bounds', () => {
  it('keeps the newest maxEvents, oldest first, and counts the dropped', () => {
    const sink = new MemoryEventSink({ maxEvents: 3 });
    const hub = new EventHub({ verifier, sinks: [sink] });
    for (let i = 0; i < 10; i++) stale(hub, `c${i}`);
    expect(sink.snapshot().map((e) => e.correlation_id)).toEqual(['c7', 'c8', 'c9']);
    expect(sink.stats).toMatchObject({ written: 10, buffered: 3, dropped: 7 });
  });

  it('keeps the estimated bytes within maxBytes, dropping the oldest', () => {
    const sink = new MemoryEventSink({ maxBytes: 4096 });
    const hub = new EventHub({ verifier, sinks: [sink] });
    for (let i = 0; i < 1000; i++) stale(hub, `c${i}`);
    const kept = sink.snapshot();
    expect(sink.stats.bytes).toBeLessThanOrEqual(4096);
    expect(sink.stats.bytes).toBe(kept.reduce((sum, e) => sum + estimateEventBytes(e), 0));
    expect(kept.at(-1)!.correlation_id).toBe('c999');
    expect(sink.stats.dropped).toBe(1000 - kept.length);
  });

  it('an event larger than maxBytes on its own is dropped, not kept', () => {
    const sink = new MemoryEventSink({ maxBytes: 1024 });
    sink.write({ event_type: 'x', big: 'y'.repeat(10_000) } as unknown as TrustHandoffEvent);
    expect(sink.stats).toMatchObject({ buffered: 0, bytes: 0, dropped: 1 });
  });

  it('estimates size without walking without end: deep or cyclic input counts as too large', () => {
    const deep: Record<string, unknown> = {};
    let at = deep;
    for (let i = 0; i < 50; i++) at = at['n'] = {};
    expect(estimateEventBytes(deep)).toBe(Number.POSITIVE_INFINITY);
    const cyclic: Record<string, unknown> = {};
    cyclic['self'] = cyclic;
    expect(estimateEventBytes(cyclic)).toBe(Number.POSITIVE_INFINITY);
    expect(estimateEventBytes({ a: 'xy' })).toBe(64 + 16 + 2 + 16 + 4);
  });

  it('10,000 events with 1 MB packet_id / from_agent / reason stay under the byte bound and are cut', () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const sink = new MemoryEventSink();
    const hub = new EventHub({ verifier, sinks: [sink] });
    const mb = Buffer.alloc(1 << 20, 'a');
    const sharedAgent = 'agent:'.padEnd(1 << 20, 'b');
    const sharedReason = 'reason:'.padEnd(1 << 20, 'c');
    // Node makes strings of ~1 MB from a Buffer as external strings: count external memory too.
    const used = (): number => process.memoryUsage().heapUsed + process.memoryUsage().external;
    gc();
    const before = used();
    for (let i = 0; i < 10_000; i++) {
      // A distinct 1 MB string per event: a kept slice of it would keep the whole megabyte alive.
      mb.write(String(i).padStart(8, '0'), 0, 'latin1');
      const packetId = mb.toString('latin1');
      hub.emit('packet_rejected', {
        packet_id: packetId,
        task_id: null,
        from_agent: sharedAgent,
        to_agent: 'agent:gate',
        intent: null,
        risk_level: null,
        ttl_seconds: null,
        latency_ms: 1,
        reason: sharedReason,
        step: 'parse',
        details: { packet_id: packetId },
      });
    }
    gc();
    const grown = used() - before;
    const kept = sink.snapshot() as readonly TrustHandoffEvent<'packet_rejected'>[];
    // Cut to ~5 KB each (estimate), 10,000 such events exceed 16 MiB: the byte bound holds first.
    expect(sink.stats.bytes).toBeLessThanOrEqual(DEFAULT_MEMORY_SINK_MAX_BYTES);
    expect(sink.stats.bytes).toBeGreaterThan(DEFAULT_MEMORY_SINK_MAX_BYTES - 8192);
    expect(kept.length + sink.stats.dropped).toBe(10_000);
    expect(kept.length).toBeGreaterThan(1000);
    for (const e of [kept[0]!, kept.at(-1)!]) {
      expect(e.packet_id!.length).toBeLessThanOrEqual(256);
      expect(e.from_agent!.length).toBeLessThanOrEqual(256);
      expect(e.reason.length).toBeLessThanOrEqual(256);
      expect((e.details!['packet_id'] as string).length).toBeLessThanOrEqual(256);
    }
    expect(kept.at(-1)!.packet_id!.startsWith('00009999')).toBe(true);
    // Loose: the kept events are ~10,000 × a few KB; 10,000 retained megabytes would be ~10 GB.
    expect(grown).toBeLessThan(64 * 1024 * 1024);
  }, 60_000);
});

describe('reading', () => {
  it('snapshot copies, drain empties, clear forgets (counters stay)', () => {
    const sink = new MemoryEventSink();
    const hub = new EventHub({ verifier, sinks: [sink] });
    stale(hub, 'a');
    stale(hub, 'b');
    const snap = sink.snapshot();
    expect(Object.isFrozen(snap)).toBe(true);
    expect(sink.drain().map((e) => e.correlation_id)).toEqual(['a', 'b']);
    expect(snap).toHaveLength(2);
    expect(sink.stats).toMatchObject({ buffered: 0, bytes: 0, written: 2 });
    stale(hub, 'c');
    sink.clear();
    expect(sink.snapshot()).toEqual([]);
    expect(sink.stats.written).toBe(3);
  });

  it('stays correct across many evictions (queue compaction)', () => {
    const sink = new MemoryEventSink({ maxEvents: 5 });
    const hub = new EventHub({ verifier, sinks: [sink] });
    for (let i = 0; i < 5000; i++) stale(hub, `c${i}`);
    expect(sink.snapshot().map((e) => e.correlation_id)).toEqual([
      'c4995',
      'c4996',
      'c4997',
      'c4998',
      'c4999',
    ]);
    expect(sink.stats).toMatchObject({ buffered: 5, dropped: 4995 });
  });
});

describe('listeners', () => {
  it('a listener that throws or rejects is counted and never stops the writer or other listeners', async () => {
    const sink = new MemoryEventSink();
    const hub = new EventHub({ verifier, sinks: [sink] });
    const seen: string[] = [];
    sink.subscribe(() => {
      throw new Error('listener down');
    });
    sink.subscribe(async () => {
      await Promise.resolve();
      throw new Error('async listener down');
    });
    const unsubscribe = sink.subscribe((e) => void seen.push(e.correlation_id));
    stale(hub, 'a');
    unsubscribe();
    unsubscribe();
    stale(hub, 'b');
    await new Promise((resolve) => setImmediate(resolve));
    await new Promise((resolve) => setImmediate(resolve));
    expect(unhandled).toEqual([]);
    expect(seen).toEqual(['a']);
    expect(sink.stats.listenerErrors).toBe(4);
    expect(sink.snapshot()).toHaveLength(2);
    expect(hub.stats.sinks[0]!.writeFailures).toBe(0);
  });

  it('close drops listeners and stops keeping events; what was kept stays readable', async () => {
    const sink = new MemoryEventSink();
    const hub = new EventHub({ verifier, sinks: [sink] });
    let calls = 0;
    sink.subscribe(() => {
      calls++;
    });
    stale(hub, 'a');
    await sink.close();
    sink.write(sink.snapshot()[0]!);
    expect(calls).toBe(1);
    expect(sink.snapshot()).toHaveLength(1);
    expect(sink.stats.dropped).toBe(1);
  });
});

describe('options', () => {
  const bad: [string, unknown][] = [
    ['maxEvents NaN', { maxEvents: Number.NaN }],
    ['maxEvents 0', { maxEvents: 0 }],
    ['maxEvents negative', { maxEvents: -5 }],
    ['maxEvents fractional', { maxEvents: 1.5 }],
    ['maxEvents Infinity', { maxEvents: Number.POSITIVE_INFINITY }],
    ['maxBytes NaN', { maxBytes: Number.NaN }],
    ['maxBytes too small', { maxBytes: 10 }],
    ['maxBytes a string', { maxBytes: '1000000' }],
    ['empty name', { name: '' }],
    ['options null', null],
  ];
  it.each(bad)('%s → ConfigurationError', (_name, options) => {
    expect(() => new MemoryEventSink(options as never)).toThrow(
      expect.objectContaining({ code: 'ERR_CONFIGURATION' }),
    );
  });

  it('subscribe refuses a non-function', () => {
    expect(() => new MemoryEventSink().subscribe(1 as never)).toThrow(
      expect.objectContaining({ code: 'ERR_CONFIGURATION' }),
    );
  });
});
