/**
 * The gate benchmarks' shared corpus: one receiver, eight senders and signed envelopes with a
 * realistic small context, and the decisions-per-second of a gate on fresh memory stores (every
 * decision a full ACCEPT path). Used by the observability and sinks suites, which compare a gate with
 * something attached against the same gate without it.
 */
import {
  AgentIdentity,
  HandoffGate,
  MemoryAgentRegistry,
  MemoryReplayStore,
  MemoryRevocationStore,
  createDelegationEnvelope,
  issueTaskPacket,
  type DelegationEnvelope,
  type HandoffGateOptions,
} from '../src/index.js';
import { measureAsync } from './harness.js';

export interface GateCorpus {
  readonly receiver: AgentIdentity;
  readonly senders: readonly AgentIdentity[];
  readonly envelopes: readonly DelegationEnvelope[];
}

export function buildGateCorpus(packets: number): GateCorpus {
  const receiver = AgentIdentity.generate();
  const senders = Array.from({ length: 8 }, () => AgentIdentity.generate());
  const envelopes: DelegationEnvelope[] = [];
  for (let i = 0; i < packets; i++) {
    envelopes.push(
      createDelegationEnvelope(
        issueTaskPacket(senders[i % senders.length]!, {
          to_agent: receiver.agentId,
          intent: 'Research company background',
          permissions: { allowed_actions: ['read', 'search'], max_tool_calls: 5 },
          context: { company: 'Example Corp', quarter: 3, tags: ['finance', 'q3'] },
          risk_level: 'read',
        }),
      ),
    );
  }
  return { receiver, senders, envelopes };
}

/** Decisions per second of a gate on fresh memory stores, plus `options`; every decision must ACCEPT. */
export async function gateAcceptRate(
  corpus: GateCorpus,
  options: Partial<HandoffGateOptions>,
  concurrency: number,
): Promise<number> {
  const registry = new MemoryAgentRegistry();
  for (const s of corpus.senders) await registry.register(s.agentId, s.publicKeyPem);
  const gate = new HandoffGate({
    agentId: corpus.receiver.agentId,
    registry,
    replayStore: new MemoryReplayStore(),
    revocationStore: new MemoryRevocationStore(),
    ...options,
  });
  let rejected = 0;
  const figure = await measureAsync(
    async (i) => {
      if ((await gate.handle(corpus.envelopes[i]!)).decision !== 'ACCEPT') rejected++;
    },
    { total: corpus.envelopes.length, concurrency },
  );
  if (rejected > 0) throw new Error(`benchmark corpus: ${rejected} decisions were REJECT`);
  return figure.opsPerSecond;
}
