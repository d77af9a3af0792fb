/**
 * The parties every LangGraph / LangChain test uses: a caller the receiver's gate knows, the
 * receiver's identity and gate, and the receiving bodies of the matrix (counting runs).
 */
import { z } from 'zod';
import {
  AgentIdentity,
  AttestationReplayTracker,
  HandoffGate,
  MemoryAgentRegistry,
  MemoryReplayStore,
  type ApprovalVerifier,
} from '../../support/api.js';

export interface Parties {
  readonly caller: AgentIdentity;
  readonly receiver: AgentIdentity;
  readonly gate: HandoffGate;
  readonly tracker: () => AttestationReplayTracker;
}

export async function parties(humanApproval?: ApprovalVerifier): Promise<Parties> {
  const caller = AgentIdentity.generate();
  const receiver = AgentIdentity.generate();
  const registry = new MemoryAgentRegistry();
  await registry.register(caller.agentId, caller.publicKeyPem);
  const gate = new HandoffGate({
    agentId: receiver.agentId,
    registry,
    replayStore: new MemoryReplayStore(),
    ...(humanApproval === undefined ? {} : { humanApproval }),
  });
  return {
    caller,
    receiver,
    gate,
    tracker: () => new AttestationReplayTracker({ replayStore: new MemoryReplayStore() }),
  };
}

export const fileSchema = z.object({ path: z.string() });
export const noArgs = z.object({});
