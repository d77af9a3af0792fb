/**
 * The one-call admission path (registry + revocation + replay stores that combine into an
 * AdmissionStore) decides exactly as the per-store path (forced here by a step that requires a
 * registry-bound key) — same decision, reason and details — for every case where the order of the
 * checks matters, with and without extra steps and per-call expectations, on memory and on Redis.
 * Gates share nothing but the stores' contents: each case uses fresh packets per gate.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AgentIdentity,
  MemoryAgentRegistry,
  MemoryReplayStore,
  MemoryRevocationStore,
  HandoffGate,
  createChain,
  createDelegationEnvelope,
  issueTaskPacket,
  type AgentRegistry,
  type CallExpectations,
  type GateStep,
  type DelegationEnvelope,
  type GateDecision,
  type ReplayStore,
  type RevocationStore,
  type SignedTaskPacket,
  type TaskPacketInput,
} from '../support/api.js';
import { createRedisStores } from '../../src/stores/redis/index.js';
import { REDIS_URL, redisAvailable } from '../support/services.js';
import { deleteKeys, makeClient, runPrefix, type TestRedisClient } from '../stores/redis-clients.js';

interface Stores {
  readonly registry: AgentRegistry;
  readonly replayStore: ReplayStore;
  readonly revocationStore: RevocationStore;
}

const sender = AgentIdentity.generate();
const receiver = AgentIdentity.generate();
const mallory = AgentIdentity.generate();
const stranger = AgentIdentity.generate();

interface GatePair {
  readonly admission: HandoffGate;
  readonly perStore: HandoffGate;
}

// Forces the per-store path without changing any decision.
const boundKeyNoop: GateStep = { name: 'bound-key-noop', requiresBoundKey: true, check: () => undefined };
// An extra step with an opinion: packets with intent "deny" are refused.
const denyStep: GateStep = {
  name: 'deny',
  check: (ctx) => (ctx.packet.intent === 'deny' ? { reason: 'custom:denied' } : undefined),
};

function gates(stores: Stores, extraSteps: readonly GateStep[] = []): GatePair {
  const common = { agentId: receiver.agentId, ...stores, env: {} };
  const admission = new HandoffGate({ ...common, extraSteps });
  const perStore = new HandoffGate({ ...common, extraSteps: [...extraSteps, boundKeyNoop] });
  expect(admission.path).toBe('admission');
  expect(admission.stepNames).toContain('admission');
  expect(perStore.path).toBe('per-store');
  expect(perStore.stepNames).toContain('replay');
  return { admission, perStore };
}

function packet(input: Partial<TaskPacketInput> = {}, identity: AgentIdentity = sender): SignedTaskPacket {
  return issueTaskPacket(identity, {
    to_agent: receiver.agentId,
    intent: 'summarize',
    risk_level: 'read',
    ...input,
  });
}

function envelope(p: SignedTaskPacket): DelegationEnvelope {
  return createDelegationEnvelope(p, createChain(p));
}

// Each gate sees its own packet, so a packet id in the details is compared by presence only.
function shape(d: GateDecision): unknown {
  const details =
    d.details !== undefined && typeof d.details['packet_id'] === 'string'
      ? { ...d.details, packet_id: '<packet id>' }
      : d.details;
  return { decision: d.decision, reason: d.reason, details };
}

type Case = [
  name: string,
  make: (stores: Stores) => Promise<DelegationEnvelope>,
  expected: string,
  /** The reason with the `deny` extra step, when it differs. */
  withExtra?: string | undefined,
  expect?: CallExpectations,
];

const token = (capabilityId: string): string =>
  Buffer.from(JSON.stringify({ capability_id: capabilityId })).toString('base64url');

const cases: Case[] = [
  ['a valid packet', () => Promise.resolve(envelope(packet())), 'Packet verified and valid'],
  ['an unregistered sender', () => Promise.resolve(envelope(packet({}, stranger))), 'public_key_mismatch'],
  [
    'key substitution (valid signature by another key)',
    () => Promise.resolve(envelope(packet({ from_agent: sender.agentId }, mallory))),
    'public_key_mismatch',
  ],
  [
    'key substitution with a broken signature (binding wins over signature)',
    () => {
      const p = packet({ from_agent: sender.agentId }, mallory);
      return Promise.resolve(envelope({ ...p, signature: Buffer.alloc(64, 7).toString('base64') }));
    },
    'public_key_mismatch',
  ],
  [
    'an unregistered sender with an expired packet (binding wins over validation)',
    () => Promise.resolve(envelope(packet({ issued_at: new Date(Date.now() - 7200_000) }, stranger))),
    'public_key_mismatch',
  ],
  [
    'a bad signature by the registered sender',
    () => {
      const p = packet();
      return Promise.resolve(envelope({ ...p, signature: Buffer.alloc(64, 7).toString('base64') }));
    },
    'Invalid signature',
  ],
  [
    'a revoked agent',
    async (s) => {
      await s.registry.revoke(mallory.agentId);
      return envelope(packet({}, mallory));
    },
    'agent_revoked',
  ],
  [
    'a revoked packet id',
    async (s) => {
      const p = packet();
      await s.revocationStore.revoke(p.packet_id);
      return envelope(p);
    },
    'capability_revoked',
  ],
  [
    // Issue 9.6: revoking a task blocks its packets.
    'a revoked task id',
    async (s) => {
      const p = packet({ task_id: `task-${globalThis.crypto.randomUUID()}` });
      await s.revocationStore.revoke(p.task_id);
      return envelope(p);
    },
    'capability_revoked',
  ],
  [
    'a revoked capability',
    async (s) => {
      await s.revocationStore.revoke('cap-revoked');
      return envelope(packet({ capability_token: token('cap-revoked') }));
    },
    'capability_revoked',
  ],
  [
    'an unreadable capability token',
    () => Promise.resolve(envelope(packet({ capability_token: '%%%' }))),
    'malformed_capability_token',
  ],
  [
    'an unreadable capability token from an unregistered sender',
    () => Promise.resolve(envelope(packet({ capability_token: '%%%' }, stranger))),
    'public_key_mismatch',
  ],
  [
    'an extra step rejects',
    () => Promise.resolve(envelope(packet({ intent: 'deny' }))),
    'Packet verified and valid',
    'custom:denied',
  ],
  [
    'an extra step rejects an unregistered sender (binding wins)',
    () => Promise.resolve(envelope(packet({ intent: 'deny' }, stranger))),
    'public_key_mismatch',
  ],
  [
    'an extra step rejects a revoked packet (revocation wins)',
    async (s) => {
      const p = packet({ intent: 'deny' });
      await s.revocationStore.revoke(p.packet_id);
      return envelope(p);
    },
    'capability_revoked',
  ],
  [
    'an extra step rejects a packet of a revoked agent',
    async (s) => {
      await s.registry.revoke(mallory.agentId);
      return envelope(packet({ intent: 'deny' }, mallory));
    },
    'agent_revoked',
  ],
  [
    'a mismatched expectation',
    () => Promise.resolve(envelope(packet())),
    'intent_mismatch',
    undefined,
    { intent: 'delete' },
  ],
  [
    'a mismatched expectation from an unregistered sender (binding wins)',
    () => Promise.resolve(envelope(packet({}, stranger))),
    'public_key_mismatch',
    undefined,
    { intent: 'delete' },
  ],
  [
    'a mismatched expectation on a revoked packet (expectations are checked before revocation)',
    async (s) => {
      const p = packet();
      await s.revocationStore.revoke(p.packet_id);
      return envelope(p);
    },
    'intent_mismatch',
    undefined,
    { intent: 'delete' },
  ],
];

async function parity(stores: () => Promise<Stores>): Promise<void> {
  for (const extra of [[], [denyStep]] as const) {
    for (const [name, make, expected, withExtra, expectation] of cases) {
      const s = await stores();
      await s.registry.register(sender.agentId, sender.publicKeyPem);
      await s.registry.register(mallory.agentId, mallory.publicKeyPem);
      const { admission, perStore } = gates(s, extra);
      const options = expectation === undefined ? {} : { expect: expectation };
      const a = shape(await admission.handle(await make(s), options));
      const b = shape(await perStore.handle(await make(s), options));
      const label = `${name}${extra.length > 0 ? ' (with an extra step)' : ''}`;
      expect({ label, decision: a }).toEqual({ label, decision: b });
      const want = extra.length > 0 ? (withExtra ?? expected) : expected;
      expect({ label, reason: (a as { reason: string }).reason }).toEqual({ label, reason: want });
    }
  }
  // Replay: the same envelope through both paths, on shared stores, is accepted once.
  const s = await stores();
  await s.registry.register(sender.agentId, sender.publicKeyPem);
  const { admission, perStore } = gates(s, [denyStep]);
  const e = envelope(packet());
  expect((await admission.handle(e)).decision).toBe('ACCEPT');
  expect(shape(await admission.handle(e))).toEqual(shape(await perStore.handle(e)));
  expect((await perStore.handle(e)).reason).toBe('Replay detected');
  const e2 = envelope(packet());
  expect((await perStore.handle(e2)).decision).toBe('ACCEPT');
  expect((await admission.handle(e2)).reason).toBe('Replay detected');
}

const available = await redisAvailable();

describe('admission path decides as the per-store path', () => {
  it('on memory stores', async () => {
    await parity(() =>
      Promise.resolve({
        registry: new MemoryAgentRegistry(),
        replayStore: new MemoryReplayStore(),
        revocationStore: new MemoryRevocationStore(),
      }),
    );
  });

  describe.skipIf(!available)('on Redis', () => {
    const prefix = runPrefix();
    const client: TestRedisClient | undefined = available ? makeClient(REDIS_URL) : undefined;
    let n = 0;
    const redisStores = (): Promise<Stores> => {
      const stores = createRedisStores({ client: client!, keyPrefix: `${prefix}${n++}:` });
      return Promise.resolve({
        registry: stores.agentRegistry,
        replayStore: stores.replayStore,
        revocationStore: stores.revocationStore,
      });
    };
    beforeAll(async () => {
      await client!.connect();
    });
    afterAll(async () => {
      if (client!.isReady) await deleteKeys(client!, prefix);
      await client!.close();
    });

    it('for every ordering-sensitive case', async () => {
      await parity(redisStores);
    });

    it('store down: both paths reject with registry_unavailable, and never accept', async () => {
      const idle = makeClient(REDIS_URL);
      const stores = createRedisStores({ client: idle, keyPrefix: `${prefix}down:` });
      const { admission, perStore } = gates({
        registry: stores.agentRegistry,
        replayStore: stores.replayStore,
        revocationStore: stores.revocationStore,
      });
      for (const p of [packet(), packet({}, stranger)]) {
        const a = await admission.handle(envelope(p));
        expect(shape(a)).toEqual(shape(await perStore.handle(envelope(p))));
        expect(a.reason).toBe('registry_unavailable');
      }
    });
  });
});
