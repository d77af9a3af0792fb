/**
 * One verifier process of the cluster test: its own Redis connection (a single Redis, or a Redis
 * Cluster client when the parent gives cluster seed nodes), Redis stores under the test's namespace,
 * and a gate. It handles the wire envelopes the parent sends, all of a batch concurrently,
 * and answers with the decisions. Run transpiled (see test/support/transpile.ts), never imported.
 */
import { createClient, createCluster } from '@redis/client';
import {
  AgentIdentity,
  TrustHandoffMiddleware,
  createEnvelope,
  issueTaskPacket,
  serializeEnvelope,
} from '../../../src/index.js';
import {
  RedisAgentRegistry,
  RedisReplayStore,
  RedisRevocationStore,
} from '../../../src/stores/redis/index.js';

interface Init {
  readonly type: 'init';
  readonly redisUrl: string;
  /** Seed nodes of a Redis Cluster; when given, `redisUrl` is ignored. */
  readonly clusterRootNodes?: readonly { url: string }[];
  readonly prefix: string;
  readonly agentId: string;
}
interface Batch {
  readonly type: 'batch';
  readonly batch: number;
  readonly envelopes: readonly string[];
}
/** Sign packets `from`..`to` (exclusive) so the parent need not sign 20,000 packets on one core. */
interface Sign {
  readonly type: 'sign';
  readonly from: number;
  readonly to: number;
  readonly senders: readonly string[];
  readonly agentId: string;
}
type Message = Init | Batch | Sign | { readonly type: 'exit' };

let gate: TrustHandoffMiddleware | undefined;
let client: ReturnType<typeof createClient> | ReturnType<typeof createCluster> | undefined;

process.on('message', (message: Message) => {
  void (async () => {
    if (message.type === 'init') {
      client =
        message.clusterRootNodes === undefined
          ? createClient({ url: message.redisUrl, disableOfflineQueue: true })
          : createCluster({
              rootNodes: [...message.clusterRootNodes],
              defaults: { disableOfflineQueue: true },
            });
      client.on('error', () => undefined);
      await client.connect();
      gate = new TrustHandoffMiddleware({
        agentId: message.agentId,
        registry: new RedisAgentRegistry({
          client,
          keyPrefix: `${message.prefix}agent:`,
          commandTimeoutMs: 10_000,
        }),
        replayStore: new RedisReplayStore({
          client,
          keyPrefix: `${message.prefix}replay:`,
          commandTimeoutMs: 10_000,
        }),
        revocationStore: new RedisRevocationStore({
          client,
          keyPrefix: `${message.prefix}revocation:`,
          commandTimeoutMs: 10_000,
        }),
        storeTimeoutMs: 20_000,
      });
      process.send!({ type: 'ready', pid: process.pid });
    } else if (message.type === 'sign') {
      const senders = message.senders.map((pem) => AgentIdentity.fromPrivateKeyPem(pem));
      const wires: string[] = [];
      for (let i = message.from; i < message.to; i++) {
        const packet = issueTaskPacket(senders[i % senders.length]!, {
          to_agent: message.agentId,
          intent: `task ${i}`,
          risk_level: 'read',
        });
        wires.push(serializeEnvelope(createEnvelope(packet), i % 2 === 0 ? 'reference' : 'compact'));
      }
      process.send!({ type: 'signed', from: message.from, wires });
    } else if (message.type === 'batch') {
      const decisions = await Promise.all(message.envelopes.map((e) => gate!.handle(e)));
      process.send!({
        type: 'decisions',
        batch: message.batch,
        decisions: decisions.map((d) => [d.packet_id, d.decision, d.reason]),
      });
    } else {
      client?.destroy();
      process.exit(0);
    }
  })();
});
