/**
 * Several verifier instances behind a load balancer share replay, revocation and registry state in
 * Redis (the README, "The handoff gate"). Each instance has its own connection; a packet delivered to two instances at
 * once is accepted by exactly one; a revocation made through one instance is seen by all. Needs Redis
 * at REDIS_URL (default redis://127.0.0.1:6379). Run through test/gate/examples.test.ts, or after
 * `npm run build` with `node dist/examples/gate-cluster.js`.
 */
import { randomUUID } from 'node:crypto';
import { createClient } from '@redis/client';
import {
  AgentIdentity,
  createDelegationEnvelope,
  HandoffGate,
  issueTaskPacket,
  serializeDelegationEnvelope,
} from 'trusthandoff';
import { createRedisStores } from 'trusthandoff/redis';

export async function clusterExample(redisUrl: string): Promise<Record<string, string>> {
  const planner = AgentIdentity.generate();
  const researcher = AgentIdentity.generate();
  // A namespace of our own; production would keep the default `trusthandoff:`.
  const keyPrefix = `th-example:${randomUUID()}:`;

  // Two instances, as in two processes: each its own client (no offline queue: fail fast when Redis
  // is away; the gate then rejects with *_unavailable instead of waiting).
  const instances = await Promise.all(
    [1, 2].map(async () => {
      const client = createClient({ url: redisUrl, disableOfflineQueue: true });
      client.on('error', () => undefined); // failures surface as REJECT decisions
      await client.connect();
      const stores = createRedisStores({ client, keyPrefix });
      const gate = new HandoffGate({
        agentId: researcher.agentId,
        registry: stores.agentRegistry,
        replayStore: stores.replayStore,
        revocationStore: stores.revocationStore,
        overlapWindow: stores.overlapWindow,
      });
      return { client, stores, gate };
    }),
  );
  const [a, b] = instances as [(typeof instances)[0], (typeof instances)[0]];
  try {
    await a.stores.agentRegistry.register(planner.agentId, planner.publicKeyPem); // seen by both
    const out: Record<string, string> = {};
    const wire = serializeDelegationEnvelope(
      createDelegationEnvelope(
        issueTaskPacket(planner, {
          to_agent: researcher.agentId,
          intent: 'Summarize Q3',
          risk_level: 'read',
        }),
      ),
    );
    const [first, second] = await Promise.all([a.gate.handle(wire), b.gate.handle(wire)]);
    out['sameEnvelopeTwice'] = [first, second]
      .map((d) => `${d.decision} ${d.reason ?? ''}`.trim())
      .sort()
      .join(' | ');

    const next = issueTaskPacket(planner, {
      to_agent: researcher.agentId,
      intent: 'Draft memo',
      risk_level: 'read',
    });
    await a.stores.revocationStore.revoke(next.packet_id); // revoked through instance A…
    out['revokedElsewhere'] = (await b.gate.handle(createDelegationEnvelope(next))).reason ?? ''; // …refused by B
    return out;
  } finally {
    const keys: string[] = [];
    for await (const batch of a.client.scanIterator({ MATCH: `${keyPrefix}*` })) keys.push(...batch);
    if (keys.length > 0) await a.client.del(keys);
    for (const { client } of instances) client.destroy();
  }
}

if (process.argv[1]?.endsWith('gate-cluster.js') === true) {
  console.log(await clusterExample(process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379'));
}
