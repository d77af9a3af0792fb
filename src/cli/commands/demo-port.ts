/**
 * The demo's event port: stamps each event's envelope (SPEC §8) and hands it to Sentinel and to the
 * demo's event log.
 */
import { randomUUID } from 'node:crypto';
import type { EventCatalogue, EventPort, EventType } from '../../events/types.js';
import type { Sentinel } from '../../sentinel/index.js';

export function demoEventPort(agentId: string, sentinel: Sentinel, log: string[]): EventPort {
  const instanceId = randomUUID();
  return {
    verifier: { agentId, instanceId },
    emit<T extends EventType>(type: T, fields: EventCatalogue[T]): void {
      const f = fields as Readonly<Record<string, unknown>>;
      const pick = (...names: string[]): string | undefined => {
        for (const n of names) if (typeof f[n] === 'string') return f[n];
        return undefined;
      };
      const correlation = pick('correlation_id', 'packet_id', 'capability_id') ?? randomUUID();
      const event = {
        ...f,
        event_id: randomUUID(),
        event_type: type,
        timestamp: new Date().toISOString(),
        producer_id: pick('producer_id', 'from_agent', 'issuer_agent') ?? 'unknown',
        correlation_id: correlation,
        idempotency_key: pick('idempotency_key') ?? correlation,
        verifier_id: agentId,
        verifier_instance_id: instanceId,
      };
      log.push(JSON.stringify(event));
      sentinel.ingest(event);
    },
  };
}
