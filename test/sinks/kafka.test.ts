/**
 * KafkaSink. The unit tests use an injected producer double: they prove the key rule, the message
 * shape, acks=all + idempotent on every send, queueing, retries and counters — not that a broker
 * accepts the messages. The broker suite runs only when KAFKA_BROKERS is set (no broker runs on our
 * machines, so CI here does not run it; see docs/sinks.md).
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { TrustHandoffEvent } from '../../src/events/types.js';
import {
  KAFKA_ACKS_ALL,
  KafkaSink,
  kafkaMessageKey,
  type KafkaMessage,
  type KafkaProducerLike,
} from '../../src/sinks/kafka/index.js';
import { decisionEvent } from './support.js';

class ProducerDouble implements KafkaProducerLike {
  readonly sends: { messages: KafkaMessage[]; acks: number; idempotent: boolean }[] = [];
  failNext = 0;
  delayMs = 0;
  closed = false;
  async send(options: { messages: KafkaMessage[]; acks: number; idempotent: boolean }): Promise<void> {
    if (this.delayMs > 0) await new Promise((r) => setTimeout(r, this.delayMs));
    if (this.failNext > 0) {
      this.failNext--;
      throw new Error('NOT_ENOUGH_REPLICAS');
    }
    this.sends.push(options);
  }
  close(): Promise<void> {
    this.closed = true;
    return Promise.resolve();
  }
  get messages(): KafkaMessage[] {
    return this.sends.flatMap((s) => s.messages);
  }
}

const base = {
  event_id: 'e',
  timestamp: '2026-03-08T12:00:00.000Z',
  producer_id: 'agent:x',
  idempotency_key: 'k',
  verifier_id: 'agent:v',
  verifier_instance_id: 'i',
};

describe('KafkaSink with a producer double (mapping, queueing, counters only)', () => {
  it('key rule of the reference: correlation_id | packet_id | capability_id | "default"', () => {
    const stale = {
      ...base,
      event_type: 'capability_stale',
      capability_id: 'cap-1',
      reason: 'r',
      is_revocation_stale: false,
    };
    expect(kafkaMessageKey({ ...stale, correlation_id: 'corr-1' } as TrustHandoffEvent)).toBe('corr-1');
    expect(kafkaMessageKey({ ...stale, correlation_id: '' } as TrustHandoffEvent)).toBe('cap-1');
    expect(kafkaMessageKey(decisionEvent(4))).toBe('pkt-4');
    const noIds = {
      ...decisionEvent(5),
      correlation_id: '',
      packet_id: null,
    } as unknown as TrustHandoffEvent;
    expect(kafkaMessageKey(noIds)).toBe('default');
    const packetOnly = { ...decisionEvent(6), correlation_id: '' } as unknown as TrustHandoffEvent;
    expect(kafkaMessageKey(packetOnly)).toBe('pkt-6');
  });

  it('messages: topic, key, JSON value, event_id/event_type headers; every send acks=all, idempotent', async () => {
    const producer = new ProducerDouble();
    const sink = new KafkaSink({ producer, topic: 'audit.events', batchSize: 4 });
    const events = Array.from({ length: 10 }, (_, i) => decisionEvent(i));
    for (const e of events) sink.write(e);
    await sink.close();
    expect(producer.closed).toBe(false); // the caller's producer stays open
    expect(producer.sends.map((s) => s.messages.length)).toEqual([4, 4, 2]);
    for (const s of producer.sends) expect(s).toMatchObject({ acks: KAFKA_ACKS_ALL, idempotent: true });
    producer.messages.forEach((m, i) => {
      expect(m.topic).toBe('audit.events');
      expect(m.key.toString()).toBe(`pkt-${i}`);
      expect(JSON.parse(m.value.toString())).toEqual(events[i]);
      expect(m.headers['event_id']!.toString()).toBe(events[i]!.event_id);
      expect(m.headers['event_type']!.toString()).toBe(events[i]!.event_type);
    });
    expect(sink.stats).toMatchObject({ accepted: 10, delivered: 10, failed: 0, dropped: 0 });
  });

  it('a failed send is retried with backoff; a bounded retry gives up and counts failed', async () => {
    const producer = new ProducerDouble();
    producer.failNext = 3;
    const sink = new KafkaSink({ producer, retry: { initialDelayMs: 1, maxDelayMs: 4 } });
    for (let i = 0; i < 5; i++) sink.write(decisionEvent(i));
    await sink.flush();
    expect(sink.stats).toMatchObject({ delivered: 5, retries: 3, failed: 0 });
    producer.failNext = 100;
    const bounded = new KafkaSink({ producer, retry: { maxAttempts: 2, initialDelayMs: 1, maxDelayMs: 1 } });
    bounded.write(decisionEvent(9));
    await expect(bounded.flush()).rejects.toMatchObject({ code: 'ERR_STORE_UNAVAILABLE' });
    expect(bounded.stats).toMatchObject({ accepted: 1, delivered: 0, failed: 1 });
    await sink.close();
  });

  it('a slow broker: the queue is bounded, newest dropped and counted, counters add up', async () => {
    const producer = new ProducerDouble();
    producer.delayMs = 20;
    const sink = new KafkaSink({ producer, maxQueueEvents: 100, batchSize: 10 });
    for (let i = 0; i < 5000; i++) sink.write(decisionEvent(i));
    expect(sink.stats.queued).toBeLessThanOrEqual(100);
    await sink.close();
    const s = sink.stats;
    expect(s.accepted).toBeLessThanOrEqual(100);
    expect(s.accepted + s.dropped).toBe(5000);
    expect(s.delivered).toBe(s.accepted);
    expect(producer.messages).toHaveLength(s.delivered);
  });

  it('close() with a broker that never answers gives up after closeTimeoutMs and counts the rest failed', async () => {
    const producer = new ProducerDouble();
    producer.failNext = Number.MAX_SAFE_INTEGER;
    const sink = new KafkaSink({
      producer,
      closeTimeoutMs: 50,
      retry: { initialDelayMs: 5, maxDelayMs: 10 },
    });
    for (let i = 0; i < 3; i++) sink.write(decisionEvent(i));
    await expect(sink.close()).rejects.toMatchObject({ code: 'ERR_STORE_UNAVAILABLE' });
    expect(sink.stats).toMatchObject({ accepted: 3, failed: 3, queued: 0 });
    sink.write(decisionEvent(4));
    expect(sink.stats.dropped).toBe(1);
  });

  it('options are validated at construction', () => {
    const producer = new ProducerDouble();
    for (const options of [
      {},
      { producer, brokers: ['localhost:9092'] },
      { brokers: [] },
      { brokers: [''] },
      { producer, topic: 'a b' },
      { producer, batchSize: 0 },
      { producer, closeTimeoutMs: -1 },
    ])
      expect(() => new KafkaSink(options as never)).toThrow(
        expect.objectContaining({ code: 'ERR_CONFIGURATION' }) as Error,
      );
  });
});

const BROKERS = process.env['KAFKA_BROKERS'];

describe.runIf(BROKERS !== undefined && BROKERS !== '')(
  'KafkaSink against a real broker (KAFKA_BROKERS)',
  () => {
    it('produces every event; read back from the topic, each event_id once, keyed by the reference rule', async () => {
      const { Admin, Consumer } = await import('@platformatic/kafka');
      const brokers = BROKERS!.split(',').map((b) => b.trim());
      const topic = `trusthandoff-test-${randomUUID()}`;
      const admin = new Admin({ clientId: 'th-test-admin', bootstrapBrokers: brokers });
      await admin.createTopics({ topics: [topic], partitions: 3, replicas: 1 });
      const sink = new KafkaSink({ brokers, topic });
      const events = Array.from({ length: 200 }, (_, i) => decisionEvent(i));
      for (const e of events) sink.write(e);
      await sink.close();
      expect(sink.stats).toMatchObject({ accepted: 200, delivered: 200, failed: 0 });

      const consumer = new Consumer({
        clientId: 'th-test-consumer',
        groupId: randomUUID(),
        bootstrapBrokers: brokers,
      });
      const stream = await consumer.consume({ topics: [topic], mode: 'earliest' });
      const seen = new Map<string, number>();
      for await (const message of stream) {
        const event = JSON.parse(message.value.toString()) as { event_id: string; packet_id: string };
        expect(message.key.toString()).toBe(event.packet_id);
        seen.set(event.event_id, (seen.get(event.event_id) ?? 0) + 1);
        if (seen.size === events.length) break;
      }
      await stream.close();
      await consumer.close();
      await admin.deleteTopics({ topics: [topic] });
      await admin.close();
      for (const e of events) expect(seen.get(e.event_id)).toBe(1);
    });
  },
);
