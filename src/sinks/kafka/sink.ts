/**
 * `KafkaSink`: events produced to a Kafka topic with `@platformatic/kafka` (maintained, pure
 * TypeScript; see docs/sinks.md for why not `@confluentinc/kafka-javascript` or `kafkajs`), or with a
 * producer you pass in.
 *
 * Key rule of the reference: correlation_id | packet_id | capability_id | "default", so every event of
 * one handoff lands on one partition, in order. `acks = all` (-1) and the idempotent producer: the
 * broker drops a resend of a batch within one producer session. A batch retried by this sink after a
 * failed `send` is a new send: delivery is at least once, and consumers de-duplicate on the
 * `event_id` header. Queueing, overflow (drop newest and count), retries and counters: `../queue.ts`.
 */
import { ConfigurationError } from '../../errors.js';
import type { TrustHandoffEvent } from '../../events/types.js';
import { checkQueueOptions, DeliveryQueue, type RetryOptions, type SinkStats } from '../queue.js';
import { eventJson } from '../serialize.js';

/** `acks = all`: the leader waits for the full set of in-sync replicas. */
export const KAFKA_ACKS_ALL = -1;

/** One message as the sink hands it to the producer. */
export interface KafkaMessage {
  readonly topic: string;
  readonly key: Buffer;
  readonly value: Buffer;
  readonly headers: Readonly<Record<string, Buffer>>;
}

/** What the sink needs of a producer (`@platformatic/kafka`'s `Producer` has it). */
export interface KafkaProducerLike {
  send(options: { messages: KafkaMessage[]; acks: number; idempotent: boolean }): Promise<unknown>;
  close(): Promise<void>;
}

export interface KafkaSinkOptions {
  /** Brokers (`host:port`); the sink makes an idempotent `@platformatic/kafka` producer. Or `producer`. */
  readonly brokers?: readonly string[];
  /** A producer you made and own (the sink never closes it). Or `brokers`. */
  readonly producer?: KafkaProducerLike;
  /** Topic (default `trusthandoff.events`). */
  readonly topic?: string;
  /** Client id of the producer the sink makes (default `trusthandoff-events`). */
  readonly clientId?: string;
  /** Body of each message (default: the event's JSON). */
  readonly serialize?: (event: TrustHandoffEvent) => string | Uint8Array;
  readonly maxQueueEvents?: number;
  readonly maxQueueBytes?: number;
  /** Wait this long after the first event of an idle queue before delivering, ms (default 5). */
  readonly lingerMs?: number;
  /** Messages per `send` (default 500). */
  readonly batchSize?: number;
  /** Default: retry until close (Infinity tries), 100 ms doubling to 5 s. */
  readonly retry?: Partial<RetryOptions>;
  /** How long `close()` waits for the queue to drain (default 30 s). */
  readonly closeTimeoutMs?: number;
}

const TOPIC = /^[A-Za-z0-9._-]{1,249}$/;

function nonEmpty(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0;
}

/** The reference's message key: correlation_id | packet_id | capability_id | "default". */
export function kafkaMessageKey(event: TrustHandoffEvent): string {
  const fields = event as unknown as Record<string, unknown>;
  for (const name of ['correlation_id', 'packet_id', 'capability_id']) {
    const value = fields[name];
    if (nonEmpty(value)) return value;
  }
  return 'default';
}

export class KafkaSink {
  readonly topic: string;
  readonly #queue: DeliveryQueue<KafkaMessage>;
  readonly #serialize: (event: TrustHandoffEvent) => string | Uint8Array;
  readonly #closeTimeoutMs: number;
  readonly #injected: KafkaProducerLike | undefined;
  readonly #brokers: readonly string[] | undefined;
  readonly #clientId: string;
  #own: Promise<KafkaProducerLike> | undefined;
  #closing: Promise<void> | undefined;

  constructor(options: KafkaSinkOptions) {
    if (options === null || typeof options !== 'object')
      throw new ConfigurationError('KafkaSink: options required');
    const { brokers, producer } = options;
    if ((brokers === undefined) === (producer === undefined))
      throw new ConfigurationError('KafkaSink: give exactly one of brokers or producer');
    if (brokers !== undefined) {
      const list: readonly unknown[] = Array.isArray(brokers) ? (brokers as readonly unknown[]) : [];
      if (list.length === 0 || !list.every(nonEmpty))
        throw new ConfigurationError('KafkaSink: brokers must be a non-empty list of host:port');
      this.#brokers = list.filter(nonEmpty);
    }
    if (producer !== undefined && (producer === null || typeof producer.send !== 'function'))
      throw new ConfigurationError('KafkaSink: producer must have send()');
    this.#injected = producer;
    this.topic = options.topic ?? 'trusthandoff.events';
    if (!TOPIC.test(this.topic) || this.topic === '.' || this.topic === '..')
      throw new ConfigurationError('KafkaSink: topic must match [A-Za-z0-9._-]{1,249}');
    this.#clientId = options.clientId ?? 'trusthandoff-events';
    if (!nonEmpty(this.#clientId))
      throw new ConfigurationError('KafkaSink: clientId must be a non-empty string');
    if (options.serialize !== undefined && typeof options.serialize !== 'function')
      throw new ConfigurationError('KafkaSink: serialize must be a function');
    this.#serialize = options.serialize ?? eventJson;
    const closeTimeoutMs = options.closeTimeoutMs ?? 30_000;
    if (!Number.isSafeInteger(closeTimeoutMs) || closeTimeoutMs < 1)
      throw new ConfigurationError('KafkaSink: closeTimeoutMs must be a positive integer');
    this.#closeTimeoutMs = closeTimeoutMs;
    const limits = {
      maxEvents: options.maxQueueEvents ?? 10_000,
      maxBytes: options.maxQueueBytes ?? 16 * 1024 * 1024,
      batchSize: options.batchSize ?? 500,
      lingerMs: options.lingerMs ?? 5,
    };
    const retry = { maxAttempts: Infinity, initialDelayMs: 100, maxDelayMs: 5000, ...options.retry };
    checkQueueOptions('KafkaSink', limits, retry);
    this.#queue = new DeliveryQueue<KafkaMessage>({
      name: 'KafkaSink',
      limits,
      retry,
      deliver: async (batch) => {
        const producer = await this.#producer();
        await producer.send({ messages: [...batch], acks: KAFKA_ACKS_ALL, idempotent: true });
      },
    });
  }

  get stats(): SinkStats {
    return this.#queue.stats;
  }

  /** Queue one event; never waits, never throws. */
  write(event: TrustHandoffEvent): void {
    let message: KafkaMessage;
    try {
      const body = this.#serialize(event);
      const value = typeof body === 'string' ? Buffer.from(body, 'utf8') : Buffer.from(body);
      if (!nonEmpty(event.event_id) || !nonEmpty(event.event_type)) throw new TypeError('not an event');
      message = {
        topic: this.topic,
        key: Buffer.from(kafkaMessageKey(event), 'utf8'),
        value,
        headers: {
          event_id: Buffer.from(event.event_id, 'utf8'),
          event_type: Buffer.from(event.event_type, 'utf8'),
          'content-type': Buffer.from('application/json', 'utf8'),
        },
      };
    } catch {
      this.#queue.drop();
      return;
    }
    this.#queue.offer(message, message.value.length + message.key.length + 128);
  }

  /** Resolve once every event accepted before the call is acknowledged by all in-sync replicas. */
  flush(): Promise<void> {
    return this.#queue.settle();
  }

  /** Flush (at most `closeTimeoutMs`), then close the producer the sink made. */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      try {
        await this.#queue.close(this.#closeTimeoutMs);
      } finally {
        if (this.#own !== undefined) await (await this.#own.catch(() => undefined))?.close();
      }
    })();
    return this.#closing;
  }

  #producer(): Promise<KafkaProducerLike> {
    if (this.#injected !== undefined) return Promise.resolve(this.#injected);
    this.#own ??= (async () => {
      const { Producer } = await import('@platformatic/kafka');
      return new Producer({
        clientId: this.#clientId,
        bootstrapBrokers: [...this.#brokers!],
        idempotent: true,
        acks: KAFKA_ACKS_ALL,
        autocreateTopics: true,
      });
    })();
    return this.#own;
  }
}
