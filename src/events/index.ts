export {
  EventHub,
  DEFAULT_MAX_EVENT_STRING_LENGTH,
  DEFAULT_MAX_EVENT_FIELDS,
  DEFAULT_SINK_FLUSH_TIMEOUT_MS,
  type EventHubOptions,
  type EventHubStats,
  type EventLimits,
  type EventSinkStats,
  type EventFlushResult,
} from './hub.js';
export {
  MemoryEventSink,
  estimateEventBytes,
  DEFAULT_MEMORY_SINK_MAX_EVENTS,
  DEFAULT_MEMORY_SINK_MAX_BYTES,
  type EventListener,
  type MemoryEventSinkOptions,
  type MemoryEventSinkStats,
} from './memory-sink.js';
export type {
  EventCatalogue,
  EventEnvelope,
  EventPort,
  EventSink,
  EventType,
  PacketDecisionFields,
  TrustHandoffEvent,
  VerifierIdentity,
} from './types.js';
