// Cross-agent invalidation: a running task stops the moment its packet's sender is revoked.
// Memory stores here; with Redis or PostgreSQL the feed is a RedisInvalidationFeed or a
// PostgresInvalidationFeed, and the revocation may come from any other process.
import {
  AgentIdentity,
  HandoffGate,
  MemoryAgentRegistry,
  MemoryReplayStore,
  MemoryRevocationStore,
  TaskExecutor,
  createDelegationEnvelope,
  issueTaskPacket,
} from 'trusthandoff';
import { revocationRevalidator } from 'trusthandoff/gate';
import { combineInvalidationFeeds } from 'trusthandoff/stores';

const planner = AgentIdentity.generate();
const worker = AgentIdentity.generate();
const registry = new MemoryAgentRegistry();
const revocationStore = new MemoryRevocationStore();
await registry.register(planner.agentId, planner.publicKeyPem);
const gate = new HandoffGate({
  agentId: worker.agentId,
  registry,
  revocationStore,
  replayStore: new MemoryReplayStore(),
});

const executor = new TaskExecutor({
  gate,
  revalidation: {
    intervalSeconds: 60, // the safety net: a check a minute
    revalidate: revocationRevalidator({ registry, revocationStore }),
    // the fast path: revocations pushed by the stores (memory stores are their own feeds)
    invalidation: combineInvalidationFeeds(registry, revocationStore),
  },
});

const packet = issueTaskPacket(planner, { to_agent: worker.agentId, intent: 'crawl', risk_level: 'read' });
const outcome = await executor.execute(createDelegationEnvelope(packet), async (_packet, { signal }) => {
  const stopped = new Promise<string>((resolve) => {
    signal.addEventListener('abort', () => {
      resolve('partial crawl');
    });
  });
  // Somewhere else, an operator revokes the planner while the task runs.
  await registry.revoke(planner.agentId);
  return stopped;
});
console.log(outcome.decision.decision, outcome.decision.reason); // REJECT invalidated
console.log('result' in outcome); // false: produced without authority, withheld
