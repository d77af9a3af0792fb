/** Events built by hand for sink tests (the shape an EventHub hands to its sinks). */
import { randomUUID } from 'node:crypto';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { TrustHandoffEvent } from '../../src/events/types.js';

export function decisionEvent(i: number, accepted = i % 3 !== 0): TrustHandoffEvent {
  const packetId = `pkt-${i}`;
  const common = {
    event_id: randomUUID(),
    timestamp: new Date(1_760_000_000_000 + i).toISOString(),
    producer_id: 'agent:sender',
    correlation_id: packetId,
    idempotency_key: packetId,
    verifier_id: 'agent:verifier',
    verifier_instance_id: 'instance-1',
    packet_id: packetId,
    task_id: `task-${i}`,
    from_agent: 'agent:sender',
    to_agent: 'agent:verifier',
    intent: 'Research company background',
    risk_level: 'read',
    ttl_seconds: 300,
    latency_ms: 0.25,
  };
  return Object.freeze(
    accepted
      ? { ...common, event_type: 'packet_accepted' as const, reason: 'Packet accepted' }
      : {
          ...common,
          event_type: 'packet_rejected' as const,
          reason: 'Replay detected',
          step: 'replay',
          details: { nonce: 'n-1' },
        },
  );
}

/** A forced full GC, so heap figures measure what is retained, not garbage not yet collected. */
export function collectGarbage(): void {
  setFlagsFromString('--expose-gc');
  (runInNewContext('gc') as () => void)();
}
