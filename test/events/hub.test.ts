/** The event port: SPEC §8 envelope, verifier stamping, cut strings, isolated sinks, validated options. */
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  DEFAULT_MAX_EVENT_STRING_LENGTH,
  EventHub,
  MemoryEventSink,
  type EventSink,
  type TrustHandoffEvent,
} from '../support/api.js';
import { anyString } from '../support/arbitraries.js';

const T = Date.parse('2026-03-08T12:00:00.123Z');
const UUID4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const verifier = { agentId: 'agent:gate', instanceId: 'replica-2' };

function decision(packetId: string, fromAgent = 'agent:a') {
  return {
    packet_id: packetId,
    task_id: 't-1',
    from_agent: fromAgent,
    to_agent: 'agent:gate',
    intent: 'summarize',
    risk_level: 'read',
    ttl_seconds: 300,
    latency_ms: 0.25,
  };
}

// Any unhandled rejection during a test is a failure of the isolation this file checks.
let unhandled: unknown[] = [];
const onUnhandled = (reason: unknown): void => void unhandled.push(reason);
beforeEach(() => {
  unhandled = [];
  process.on('unhandledRejection', onUnhandled);
});
afterEach(() => {
  process.off('unhandledRejection', onUnhandled);
});

async function settle(): Promise<void> {
  // Rejections are reported after the microtask queue drains; two macrotask turns are plenty.
  await new Promise((resolve) => setImmediate(resolve));
  await new Promise((resolve) => setImmediate(resolve));
}

describe('envelope (SPEC §8) and the deciding verifier', () => {
  it('stamps every envelope field on every event', () => {
    const sink = new MemoryEventSink();
    const hub = new EventHub({ verifier, sinks: [sink], now: () => T });
    hub.emit('packet_accepted', { ...decision('pk-1'), reason: 'Packet verified and valid' });
    const [e] = sink.snapshot();
    expect(e).toMatchObject({
      event_type: 'packet_accepted',
      timestamp: '2026-03-08T12:00:00.123Z',
      producer_id: 'agent:a',
      correlation_id: 'pk-1',
      idempotency_key: 'pk-1',
      verifier_id: 'agent:gate',
      verifier_instance_id: 'replica-2',
      packet_id: 'pk-1',
      intent: 'summarize',
      latency_ms: 0.25,
      reason: 'Packet verified and valid',
    });
    expect(e!.event_id).toMatch(UUID4);
    expect(Object.isFrozen(e)).toBe(true);
  });

  it('decision events have one shape: exactly the catalogue fields, details null when none', () => {
    const sink = new MemoryEventSink();
    const hub = new EventHub({ verifier, sinks: [sink] });
    hub.emit('packet_rejected', {
      ...decision('pk-1'),
      reason: 'expired',
      step: 'validate',
      extra: 1,
    } as never);
    hub.emit('packet_rejected', { ...decision('pk-2'), reason: 'x', step: 's', details: { k: 'v' } });
    hub.emit('packet_accepted', { ...decision('pk-3'), reason: 'ok', task_id: undefined } as never);
    const [plain, withDetails, accepted] = sink.snapshot();
    const envelope = [
      'event_id',
      'event_type',
      'timestamp',
      'producer_id',
      'correlation_id',
      'idempotency_key',
      'verifier_id',
      'verifier_instance_id',
    ];
    const decisionKeys = [
      ...envelope,
      'packet_id',
      'task_id',
      'from_agent',
      'to_agent',
      'intent',
      'risk_level',
      'ttl_seconds',
      'latency_ms',
      'reason',
    ];
    expect(Object.keys(plain!)).toEqual([...decisionKeys, 'step', 'details']);
    expect(plain).toMatchObject({ details: null, step: 'validate' });
    expect(withDetails).toMatchObject({ details: { k: 'v' } });
    expect(Object.isFrozen((withDetails as { details: object }).details)).toBe(true);
    expect(Object.keys(accepted!)).toEqual(decisionKeys);
    expect(accepted).toMatchObject({ task_id: null });
  });

  it('follows the SPEC §8 fallbacks for producer, correlation and idempotency', () => {
    const sink = new MemoryEventSink();
    const hub = new EventHub({ verifier, sinks: [sink] });
    hub.emit('capability_chain_verified', {
      capability_id: 'cap-1',
      issuer_agent: 'agent:i',
      subject_agent: 'agent:s',
      depth: 2,
    });
    hub.emit('store_unavailable', { store: 'replay', operation: 'x', reason: 'r', packet_id: null });
    hub.emit('token_overlap_used', {
      packet_id: 'pk',
      from_agent: 'agent:a',
      reason: 'r',
      correlation_id: 'c',
      idempotency_key: 'i',
      producer_id: 'p',
    } as never);
    const [chain, anonymous, explicit] = sink.snapshot();
    expect(chain).toMatchObject({
      producer_id: 'agent:i',
      correlation_id: 'cap-1',
      idempotency_key: 'cap-1',
    });
    expect(anonymous!.producer_id).toBe('unknown');
    expect(anonymous!.correlation_id).toMatch(UUID4);
    expect(anonymous!.idempotency_key).toBe(anonymous!.correlation_id);
    expect(anonymous!.correlation_id).not.toBe(anonymous!.event_id);
    expect(explicit).toMatchObject({ correlation_id: 'c', idempotency_key: 'i', producer_id: 'p' });
  });

  it('a field cannot overwrite the stamped envelope', () => {
    const sink = new MemoryEventSink();
    const hub = new EventHub({ verifier, sinks: [sink], now: () => T });
    hub.emit('approval_rejected', {
      packet_id: 'pk',
      from_agent: null,
      reason: 'no_approvals',
      approvers: [],
      required: 1,
      event_id: 'forged',
      event_type: 'packet_accepted',
      timestamp: 'then',
      verifier_id: 'agent:evil',
      verifier_instance_id: 'evil',
    } as never);
    const [e] = sink.snapshot();
    expect(e).toMatchObject({
      event_type: 'approval_rejected',
      timestamp: '2026-03-08T12:00:00.123Z',
      verifier_id: 'agent:gate',
      verifier_instance_id: 'replica-2',
    });
    expect(e!.event_id).toMatch(UUID4);
  });

  it('makes a random instance id per hub when none is given', () => {
    const a = new EventHub({ verifier: { agentId: 'agent:gate' } });
    const b = new EventHub({ verifier: { agentId: 'agent:gate' } });
    expect(a.verifier.instanceId).toMatch(UUID4);
    expect(a.verifier.instanceId).not.toBe(b.verifier.instanceId);
    expect(Object.isFrozen(a.verifier)).toBe(true);
  });

  it('formats the time once per millisecond but never reuses it across milliseconds', () => {
    let now = T;
    const sink = new MemoryEventSink();
    const hub = new EventHub({ verifier, sinks: [sink], now: () => now });
    hub.emit('store_unavailable', { store: 'replay', operation: 'a', reason: 'r', packet_id: null });
    now += 1;
    hub.emit('store_unavailable', { store: 'replay', operation: 'b', reason: 'r', packet_id: null });
    now = Number.NaN;
    hub.emit('store_unavailable', { store: 'replay', operation: 'c', reason: 'r', packet_id: null });
    const [a, b, c] = sink.snapshot();
    expect(a!.timestamp).toBe('2026-03-08T12:00:00.123Z');
    expect(b!.timestamp).toBe('2026-03-08T12:00:00.124Z');
    // A broken clock costs the event nothing: the system clock stands in.
    expect(Date.parse(c!.timestamp)).toBeGreaterThan(0);
  });
});

describe('untrusted strings are cut before anything keeps them', () => {
  it('cuts every string field, the envelope ids and details, and keeps no reference to the original', () => {
    const sink = new MemoryEventSink();
    const hub = new EventHub({ verifier, sinks: [sink] });
    const huge = 'x'.repeat(1 << 20);
    hub.emit('packet_rejected', {
      ...decision(huge, huge),
      reason: huge,
      step: huge,
      details: { field: huge, nested: { deeper: [huge] } },
    });
    const [e] = sink.snapshot() as [TrustHandoffEvent<'packet_rejected'>];
    for (const value of [e.packet_id, e.from_agent, e.reason, e.step, e.producer_id, e.correlation_id]) {
      expect(value).toHaveLength(DEFAULT_MAX_EVENT_STRING_LENGTH);
      expect(value!.endsWith('…')).toBe(true);
    }
    expect(e.idempotency_key).toBe(e.correlation_id);
    expect((e.details!['field'] as string).length).toBeLessThanOrEqual(256);
    expect(JSON.stringify(e).length).toBeLessThan(4096);
  });

  it('never splits a surrogate pair when cutting', () => {
    const sink = new MemoryEventSink();
    const hub = new EventHub({ verifier, sinks: [sink], limits: { maxStringLength: 16 } });
    const astral = '😀'.repeat(100);
    hub.emit('capability_stale', { capability_id: astral, reason: 'a' + astral, is_revocation_stale: false });
    const [e] = sink.snapshot() as [TrustHandoffEvent<'capability_stale'>];
    for (const value of [e.capability_id, e.reason]) {
      expect(value.length).toBeLessThanOrEqual(16);
      expect(value.endsWith('…')).toBe(true);
      expect(Buffer.from(value, 'utf8').toString('utf8')).toBe(value); // well-formed UTF-16
    }
  });

  it('bounds the number of fields and sanitizes non-JSON values', () => {
    const sink = new MemoryEventSink();
    const hub = new EventHub({ verifier, sinks: [sink], limits: { maxFields: 4 } });
    const fields: Record<string, unknown> = { packet_id: 'pk', fn: () => 1, n: Number.NaN, big: 10n };
    for (let i = 0; i < 100; i++) fields[`extra_${i}`] = i;
    hub.emit('store_unavailable', fields as never);
    const [e] = sink.snapshot();
    expect(e).toMatchObject({ packet_id: 'pk', fn: '<function>', n: null, big: '10', '…': 'fields cut' });
    expect(Object.keys(e!).length).toBe(8 + 4 + 1);
  });

  it('an own __proto__ field stays data and does not change the prototype', () => {
    const sink = new MemoryEventSink();
    const hub = new EventHub({ verifier, sinks: [sink] });
    hub.emit('store_unavailable', JSON.parse('{"__proto__": {"polluted": true}, "reason": "r"}') as never);
    const [e] = sink.snapshot();
    expect(Object.getPrototypeOf(e)).toBe(Object.prototype);
    expect(Object.hasOwn(e!, '__proto__')).toBe(true);
    expect((e as unknown as { polluted?: unknown }).polluted).toBeUndefined();
  });

  it('property: any fields give a frozen, JSON-serializable event with every string within the limit', () => {
    const huge = fc.oneof(
      anyString,
      fc.tuple(anyString, fc.integer({ min: 0, max: 5000 })).map(([s, n]) => s.repeat(n)),
      fc.constant('😀'.repeat(3000)),
    );
    const value = fc.oneof(huge, fc.integer(), fc.double(), fc.boolean(), fc.constant(null));
    const fields = fc.dictionary(
      huge,
      fc.oneof(value, fc.array(value, { maxLength: 30 }), fc.dictionary(huge, value)),
      {
        maxKeys: 40,
      },
    );
    const sink = new MemoryEventSink({ maxEvents: 10 });
    const hub = new EventHub({ verifier, sinks: [sink] });
    fc.assert(
      fc.property(fc.constantFrom('packet_rejected', 'approval_accepted', 'whatever'), fields, (type, f) => {
        sink.clear();
        hub.emit(type as 'packet_rejected', f as never);
        const [e] = sink.snapshot();
        expect(e).toBeDefined();
        expect(Object.isFrozen(e)).toBe(true);
        const json = JSON.stringify(e);
        expect(typeof json).toBe('string');
        const walk = (v: unknown): void => {
          if (typeof v === 'string') expect(v.length).toBeLessThanOrEqual(DEFAULT_MAX_EVENT_STRING_LENGTH);
          else if (v !== null && typeof v === 'object') {
            expect(Object.isFrozen(v)).toBe(true);
            for (const [k, inner] of Object.entries(v)) {
              expect(k.length).toBeLessThanOrEqual(128);
              walk(inner);
            }
          }
        };
        walk(e);
      }),
      { numRuns: 200 },
    );
  });
});

describe('sinks are isolated and counted', () => {
  it('a sink that throws and an async sink that rejects change nothing for the emitter or other sinks', async () => {
    const kept = new MemoryEventSink();
    const throwing: EventSink = {
      name: 'throwing',
      write() {
        throw new Error('disk full');
      },
    };
    const rejecting: EventSink = {
      name: 'rejecting',
      async write() {
        await Promise.resolve();
        throw new Error('broker down');
      },
    };
    const hub = new EventHub({ verifier, sinks: [throwing, rejecting, kept] });
    for (let i = 0; i < 5; i++) {
      // emit returns nothing and never throws, whatever the sinks do.
      expect(() => {
        hub.emit('capability_stale', { capability_id: `c${i}`, reason: 'r', is_revocation_stale: false });
      }).not.toThrow();
    }
    await settle();
    expect(unhandled).toEqual([]);
    expect(kept.snapshot()).toHaveLength(5);
    expect(hub.stats).toMatchObject({
      emitted: 5,
      sinks: [
        { name: 'throwing', writeFailures: 5 },
        { name: 'rejecting', writeFailures: 5 },
        { name: 'memory', writeFailures: 0 },
      ],
    });
  });

  it('a field whose getter throws costs the event, never the emitter', () => {
    const sink = new MemoryEventSink();
    const hub = new EventHub({ verifier, sinks: [sink] });
    const hostile = {
      get packet_id(): string {
        throw new Error('boom');
      },
    };
    expect(() => {
      hub.emit('packet_accepted', hostile as never);
    }).not.toThrow();
    expect(hub.stats).toMatchObject({ emitted: 0, emitFailures: 1 });
    expect(sink.snapshot()).toEqual([]);
  });

  it('addSink / removeSink take effect for later events; a sink is added once', () => {
    const a = new MemoryEventSink({ name: 'a' });
    const b = new MemoryEventSink({ name: 'b' });
    const hub = new EventHub({ verifier, sinks: [a] });
    hub.addSink(b);
    hub.addSink(b);
    hub.emit('store_unavailable', { store: 'replay', operation: 'x', reason: 'r', packet_id: null });
    expect(hub.removeSink(a)).toBe(true);
    expect(hub.removeSink(a)).toBe(false);
    hub.emit('store_unavailable', { store: 'replay', operation: 'y', reason: 'r', packet_id: null });
    expect(a.snapshot()).toHaveLength(1);
    expect(b.snapshot()).toHaveLength(2);
    expect(hub.stats.sinks.map((s) => s.name)).toEqual(['b']);
  });
});

describe('flush and close', () => {
  it('reach every sink; close flushes first, then closes; later emits are counted and dropped', async () => {
    const calls: string[] = [];
    const sink: EventSink = {
      name: 's',
      write: () => {
        calls.push('write');
      },
      flush: () => {
        calls.push('flush');
        return Promise.resolve();
      },
      close: () => {
        calls.push('close');
        return Promise.resolve();
      },
    };
    const hub = new EventHub({ verifier, sinks: [sink, { write: () => undefined }] });
    hub.emit('store_unavailable', { store: 'replay', operation: 'x', reason: 'r', packet_id: null });
    expect(await hub.flush()).toEqual({ ok: true, failedSinks: [] });
    expect(calls).toEqual(['write', 'flush']);
    const closing = hub.close();
    expect(hub.close()).toBe(closing);
    expect(await closing).toEqual({ ok: true, failedSinks: [] });
    expect(calls).toEqual(['write', 'flush', 'flush', 'close']);
    hub.emit('store_unavailable', { store: 'replay', operation: 'x', reason: 'r', packet_id: null });
    expect(calls).toHaveLength(4);
    expect(hub.stats).toMatchObject({ emitted: 1, emittedAfterClose: 1 });
  });

  it('a sink whose flush or close throws, rejects or hangs is reported and counted, never thrown', async () => {
    const hub = new EventHub({
      verifier,
      flushTimeoutMs: 50,
      sinks: [
        {
          name: 'throws',
          write: () => undefined,
          flush: () => {
            throw new Error('x');
          },
        },
        { name: 'rejects', write: () => undefined, close: () => Promise.reject(new Error('x')) },
        { name: 'hangs', write: () => undefined, flush: () => new Promise<void>(() => undefined) },
      ],
    });
    expect(await hub.flush()).toEqual({ ok: false, failedSinks: ['throws', 'hangs'] });
    expect(await hub.close()).toEqual({ ok: false, failedSinks: ['throws', 'rejects', 'hangs'] });
    await settle();
    expect(unhandled).toEqual([]);
    expect(hub.stats.sinks).toEqual([
      { name: 'throws', writeFailures: 0, flushFailures: 2, closeFailures: 0 },
      { name: 'rejects', writeFailures: 0, flushFailures: 0, closeFailures: 1 },
      { name: 'hangs', writeFailures: 0, flushFailures: 2, closeFailures: 0 },
    ]);
  });
});

describe('options are validated at construction', () => {
  const bad: [string, unknown][] = [
    ['no options', undefined],
    ['no verifier', {}],
    ['missing agentId', { verifier: {} }],
    ['empty agentId', { verifier: { agentId: '' } }],
    ['agentId too long', { verifier: { agentId: 'a'.repeat(300) } }],
    ['empty instanceId', { verifier: { agentId: 'a', instanceId: '' } }],
    ['maxStringLength NaN', { verifier, limits: { maxStringLength: Number.NaN } }],
    ['maxStringLength negative', { verifier, limits: { maxStringLength: -1 } }],
    ['maxStringLength fractional', { verifier, limits: { maxStringLength: 100.5 } }],
    ['maxStringLength too small', { verifier, limits: { maxStringLength: 2 } }],
    ['maxFields Infinity', { verifier, limits: { maxFields: Number.POSITIVE_INFINITY } }],
    ['flushTimeoutMs 0', { verifier, flushTimeoutMs: 0 }],
    ['sink without write', { verifier, sinks: [{}] }],
    ['sink null', { verifier, sinks: [null] }],
    ['sink flush not a function', { verifier, sinks: [{ write: () => undefined, flush: 1 }] }],
    ['sinks not an array', { verifier, sinks: { write: () => undefined } }],
    ['now not a function', { verifier, now: 5 }],
  ];
  it.each(bad)('%s → ConfigurationError', (_name, options) => {
    expect(() => new EventHub(options as never)).toThrow(
      expect.objectContaining({ code: 'ERR_CONFIGURATION' }),
    );
  });

  it('addSink checks the sink too', () => {
    const hub = new EventHub({ verifier });
    expect(() => {
      hub.addSink({} as never);
    }).toThrow(expect.objectContaining({ code: 'ERR_CONFIGURATION' }));
  });
});
