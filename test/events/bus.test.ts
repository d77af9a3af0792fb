import { describe, expect, it } from 'vitest';
import { EventBus } from '../../src/index.js';

describe('EventBus (SPEC §8 envelope)', () => {
  it('fills event_id, timestamp, producer, correlation and idempotency keys', () => {
    const bus = new EventBus({ now: () => Date.parse('2026-03-08T12:00:00Z') });
    const e = bus.emit('packet_accepted', { packet_id: 'pk-1', from_agent: 'agent:a' });
    expect(e).toMatchObject({
      event_type: 'packet_accepted',
      timestamp: '2026-03-08T12:00:00.000Z',
      producer_id: 'agent:a',
      correlation_id: 'pk-1',
      idempotency_key: 'pk-1',
    });
    expect(e.event_id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(bus.emit('capability_stale', { capability_id: 'cap', issuer_agent: 'agent:i' })).toMatchObject({
      correlation_id: 'cap',
      producer_id: 'agent:i',
    });
    const anonymous = bus.emit('x', {});
    expect(anonymous.producer_id).toBe('unknown');
    expect(anonymous.idempotency_key).toBe(anonymous.correlation_id);
    expect(bus.emit('x', { correlation_id: 'c', idempotency_key: 'i', producer_id: 'p' })).toMatchObject({
      correlation_id: 'c',
      idempotency_key: 'i',
      producer_id: 'p',
    });
  });

  it('is bounded: the oldest events are dropped and counted', () => {
    const bus = new EventBus({ capacity: 3 });
    for (let i = 0; i < 10; i++) bus.emit('e', { packet_id: String(i) });
    expect(bus.snapshot().map((e) => e.packet_id)).toEqual(['7', '8', '9']);
    expect(bus.stats.dropped).toBe(7);
  });

  it('a throwing listener never breaks the emitter or other listeners', () => {
    const bus = new EventBus();
    const seen: string[] = [];
    bus.subscribe(() => {
      throw new Error('sink down');
    });
    const unsubscribe = bus.subscribe((e) => seen.push(e.event_type));
    expect(() => bus.emit('a', {})).not.toThrow();
    unsubscribe();
    bus.emit('b', {});
    expect(seen).toEqual(['a']);
    expect(bus.stats.listenerErrors).toBe(2);
  });
});
