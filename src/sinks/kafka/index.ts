/**
 * `trusthandoff/sinks/kafka`: events into a Kafka topic, keyed by the reference's rule, `acks=all`,
 * idempotent producer. Needs the optional peer dependency `@platformatic/kafka` unless you pass your
 * own producer.
 */
export {
  KAFKA_ACKS_ALL,
  KafkaSink,
  kafkaMessageKey,
  type KafkaMessage,
  type KafkaProducerLike,
  type KafkaSinkOptions,
} from './sink.js';
export type { RetryOptions, SinkStats } from '../queue.js';
