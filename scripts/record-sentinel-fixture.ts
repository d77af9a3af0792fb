/**
 * Records test/fixtures/sentinel/recorded-events.jsonl: the events real gates emit for a scripted
 * session (accepts, a tampered packet, a replay burst, AI provenance, a token-rotation overlap,
 * repeated bad signatures, a misaddressed packet, a revoked agent, and a second verifier whose
 * registry missed the revocation). Re-run only to refresh the fixture:
 *   npm run build && node dist/scripts/record-sentinel-fixture.js > test/fixtures/sentinel/recorded-events.jsonl
 * The capability_stale lines of the fixture are appended by hand in the Python reference's shape
 * (what a log written by the reference's revalidation watcher holds).
 */
import {
  AgentIdentity,
  EventHub,
  MemoryAgentRegistry,
  MemoryReplayStore,
  issueTaskPacket,
} from '../src/index.js';
import { MemoryOverlapWindow } from '../src/stores/index.js';
import { HandoffGate, createDelegationEnvelope, serializeDelegationEnvelope } from '../src/index.js';

const lines: string[] = [];
let clock = Date.parse('2026-12-04T09:00:00.000Z');
const now = (): number => clock;

/** A real event hub whose one sink writes the fixture's lines. */
function recordingHub(agentId: string, instanceId: string): EventHub {
  return new EventHub({
    verifier: { agentId, instanceId },
    now,
    sinks: [
      {
        name: 'fixture',
        write: (event) => {
          lines.push(JSON.stringify(event));
        },
      },
    ],
  });
}

const planner = AgentIdentity.fromSeed(new Uint8Array(32).fill(1));
const worker = AgentIdentity.fromSeed(new Uint8Array(32).fill(2));
const mallory = AgentIdentity.fromSeed(new Uint8Array(32).fill(3));
const registry = new MemoryAgentRegistry();
for (const a of [planner, worker, mallory]) await registry.register(a.agentId, a.publicKeyPem);
const overlapWindow = new MemoryOverlapWindow({ now });
const gate = new HandoffGate({
  agentId: worker.agentId,
  registry,
  replayStore: new MemoryReplayStore({ now }),
  overlapWindow,
  events: recordingHub(worker.agentId, 'worker-1'),
  now,
});
const tick = (seconds: number): void => {
  clock += seconds * 1000;
};
const task = (from: AgentIdentity, intent: string, extra: Record<string, unknown> = {}) =>
  issueTaskPacket(from, { to_agent: worker.agentId, intent, risk_level: 'read', ...extra }, { now });

// A legitimate handoff, then its tampered copy and three replays within a minute.
const legit = serializeDelegationEnvelope(createDelegationEnvelope(task(planner, 'Summarise the Q3 report')));
await gate.handle(legit);
tick(2);
await gate.handle(legit.replace('Summarise the Q3 report', 'Wire 10k to account 99'));
for (let i = 0; i < 3; i++) {
  tick(5);
  await gate.handle(legit);
}
// AI provenance.
tick(3);
await gate.handle(
  createDelegationEnvelope(
    task(planner, 'Draft reply', { ai_provenance: { source: 'llm', model: 'gpt-x' } }),
  ),
);
// An expired packet inside its rotation overlap window.
const rotated = task(planner, 'Rotate credentials');
tick(880);
await overlapWindow.register(rotated.packet_id); // rotation starts 20 s before expiry
tick(25);
await gate.handle(createDelegationEnvelope(rotated));
// Mallory's packets with a forged signature, three times.
for (let i = 0; i < 3; i++) {
  tick(10);
  const forged = serializeDelegationEnvelope(createDelegationEnvelope(task(mallory, `Export table ${i}`)));
  await gate.handle(forged.replace(`Export table ${i}`, `Drop table ${i}`));
}
// A packet for someone else's inbox.
tick(4);
await gate.handle(
  createDelegationEnvelope(
    issueTaskPacket(
      planner,
      { to_agent: mallory.agentId, intent: 'Not for you', risk_level: 'read' },
      { now },
    ),
  ),
);
// Mallory is revoked; the worker's gate refuses her next packet ...
tick(20);
await registry.revoke(mallory.agentId);
await gate.handle(createDelegationEnvelope(task(mallory, 'Read secrets')));
// ... but a second verifier (another replica whose registry missed the revocation) accepts one.
tick(15);
const staleRegistry = new MemoryAgentRegistry();
for (const a of [planner, mallory]) await staleRegistry.register(a.agentId, a.publicKeyPem);
const replica = new HandoffGate({
  agentId: worker.agentId,
  registry: staleRegistry,
  replayStore: new MemoryReplayStore({ now }),
  events: recordingHub(worker.agentId, 'worker-2'),
  now,
});
await replica.handle(createDelegationEnvelope(task(mallory, 'Read secrets again')));
tick(6);
await gate.handle(createDelegationEnvelope(task(planner, 'Publish summary')));

process.stdout.write(lines.join('\n') + '\n');
