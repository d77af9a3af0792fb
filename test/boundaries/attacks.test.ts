/**
 * Named attacks across two trust boundaries: for each requirement the partner boundary states, the
 * same envelope is refused crossing into `partner` (HTTPS) with that requirement's reason — and then
 * accepted inside `internal` (in-process), which proves the refusal spent no nonce. Run on both store
 * paths: the one-call admission path and the per-store path.
 */
import { describe, expect, it } from 'vitest';
import {
  AgentIdentity,
  attachApprovals,
  attachCapabilityChain,
  createDelegationEnvelope,
  issueApproval,
  issueCapability,
  serializeCapabilityToken,
  serializeDelegationEnvelope,
  deriveCapability,
  Timestamp,
  type DelegationEnvelope,
  type GateDecision,
} from '../support/api.js';
import {
  INTERNAL,
  PARTNER,
  PLANNER_ID,
  alice,
  bob,
  boundKeyNoop,
  boundaryWorld,
  deeper,
  otherRoot,
  planner,
  root,
  type BoundaryWorld,
} from './support.js';

interface Attack {
  readonly name: string;
  readonly reason: string;
  readonly details?: Record<string, unknown>;
  readonly envelope: (world: BoundaryWorld) => DelegationEnvelope;
}

const ATTACKS: readonly Attack[] = [
  {
    name: 'a long-lived packet (15 min) crossing into a boundary that allows 5 min',
    reason: 'boundary_lifetime_exceeded',
    details: { boundary: 'partner', lifetime_seconds: 900, max_lifetime_seconds: 300 },
    envelope: (w) => w.compliant({ ttl_seconds: 900 }),
  },
  {
    name: 'a re-delegated packet (depth 2) crossing into a boundary that allows direct requests only',
    reason: 'boundary_depth_exceeded',
    details: { boundary: 'partner', depth: 2, max_depth: 1 },
    envelope: (w) => deeper(w),
  },
  {
    name: 'a packet without the signed approval the boundary requires',
    reason: 'boundary_approval_missing',
    details: { boundary: 'partner', required: 1 },
    envelope: (w) => w.compliant({}, { approvers: [] }),
  },
  {
    name: 'a packet approved only by an approver the boundary does not list',
    reason: 'boundary_approval_missing',
    details: { boundary: 'partner', required: 1 },
    envelope: (w) => w.compliant({}, { approvers: [[bob, 'human:bob']] }),
  },
  {
    name: 'a packet approved by its own sender key posing as the listed approver',
    reason: 'boundary_approval_missing',
    details: { boundary: 'partner', required: 1 },
    envelope: (w) => w.compliant({}, { approvers: [[planner, 'human:alice']] }),
  },
  {
    name: 'a packet without a capability chain',
    reason: 'boundary_capability_required',
    details: { boundary: 'partner', capability_reason: 'capability_required' },
    envelope: (w) => w.compliant({}, { capability: null }),
  },
  {
    name: 'a packet whose capability chain starts at a root the boundary does not trust',
    reason: 'boundary_capability_required',
    details: {
      boundary: 'partner',
      capability_reason: 'capability_untrusted_root',
      chain_reason: 'untrusted_root',
    },
    envelope: (w) => w.compliant({}, { capability: { issuer: otherRoot } }),
  },
  {
    name: 'a packet whose capability does not authorize its intent',
    reason: 'boundary_capability_required',
    details: { boundary: 'partner', capability_reason: 'capability_action_not_authorized' },
    envelope: (w) => w.compliant({}, { capability: { actions: ['search'] } }),
  },
  {
    name: 'a packet with an intent the boundary does not allow',
    reason: 'boundary_intent_not_allowed',
    details: { boundary: 'partner', intent: 'delete_records' },
    envelope: (w) =>
      w.compliant({ intent: 'delete_records' }, { capability: { actions: ['delete_records'] } }),
  },
  {
    name: 'a packet granting an action the boundary does not allow',
    reason: 'boundary_action_not_allowed',
    details: { boundary: 'partner', actions: ['write'] },
    envelope: (w) => w.compliant({ permissions: { allowed_actions: ['read', 'write'], max_tool_calls: 3 } }),
  },
  {
    name: 'a packet whose data boundary is not allowed across',
    reason: 'boundary_data_not_allowed',
    details: { boundary: 'partner', source: 'packet', data_boundary: 'customer-pii' },
    envelope: (w) =>
      w.compliant({
        constraints: {
          max_runtime_seconds: null,
          data_boundary: 'customer-pii',
          requires_human_review: null,
        },
      }),
  },
  {
    name: 'a packet declaring no data boundary at all',
    reason: 'boundary_data_not_allowed',
    details: { boundary: 'partner', source: 'none', data_boundary: null },
    envelope: (w) => w.compliant({ constraints: null }, { capability: { dataBoundary: null } }),
  },
  {
    name: 'a packet that declares a public data boundary under a capability granted for another one',
    reason: 'boundary_data_not_allowed',
    details: { boundary: 'partner', source: 'capability', data_boundary: 'finance' },
    envelope: (w) => w.compliant({}, { capability: { dataBoundary: 'finance' } }),
  },
];

const PATHS = ['admission', 'per-store'] as const;

async function world(path: (typeof PATHS)[number]): Promise<BoundaryWorld> {
  const w = await boundaryWorld(path === 'per-store' ? { extraSteps: [boundKeyNoop] } : {});
  expect(w.gate.path).toBe(path);
  expect(w.gate.stepNames).toContain('boundary');
  return w;
}

function summary(decision: GateDecision): Record<string, unknown> {
  return { decision: decision.decision, reason: decision.reason, details: decision.details };
}

describe.each(PATHS)('two boundaries, %s path', (path) => {
  it('the compliant packet crosses into either boundary', async () => {
    const w = await world(path);
    expect((await w.gate.handle(w.compliant(), { arrival: PARTNER })).decision).toBe('ACCEPT');
    expect((await w.gate.handle(w.compliant(), { arrival: INTERNAL })).decision).toBe('ACCEPT');
    // Over the wire too: approvals and capability chain travel beside the packet.
    const wire = serializeDelegationEnvelope(w.compliant());
    expect((await w.gate.handle(wire, { arrival: PARTNER })).decision).toBe('ACCEPT');
  });

  for (const attack of ATTACKS) {
    it(`refuses at partner, accepts inside internal: ${attack.name}`, async () => {
      const w = await world(path);
      const envelope = attack.envelope(w);
      const refused = await w.gate.handle(envelope, { arrival: PARTNER });
      expect(refused.decision).toBe('REJECT');
      expect(refused.reason).toBe(attack.reason);
      expect(refused.details).toMatchObject(attack.details ?? {});
      // The refusal spent no nonce: the very same envelope is accepted where it is allowed …
      expect((await w.gate.handle(envelope, { arrival: INTERNAL })).decision).toBe('ACCEPT');
      // … exactly once.
      expect((await w.gate.handle(envelope, { arrival: INTERNAL })).reason).toBe('Replay detected');
    });
  }

  it('a packet arriving on a transport no boundary names is refused (default deny), nonce unspent', async () => {
    const w = await world(path);
    const envelope = w.compliant();
    for (const arrival of [undefined, { transport: 'smtp' }, {}]) {
      const d = await w.gate.handle(envelope, arrival === undefined ? {} : { arrival });
      expect(d.reason).toBe('boundary_unmatched');
      expect(d.details).toMatchObject({ detail: 'no_boundary_matched' });
    }
    expect((await w.gate.handle(envelope, { arrival: INTERNAL })).decision).toBe('ACCEPT');
  });

  it('arrival naming a boundary applies it whatever the transport; an unknown name is refused', async () => {
    const w = await world(path);
    const long = w.compliant({ ttl_seconds: 900 });
    const named = await w.gate.handle(long, { arrival: { transport: 'in-process', boundary: 'partner' } });
    expect(named.reason).toBe('boundary_lifetime_exceeded');
    const unknown = await w.gate.handle(long, { arrival: { boundary: 'extranet' } });
    expect([unknown.reason, unknown.details]).toEqual([
      'boundary_unmatched',
      { detail: 'unknown_boundary', boundary: 'extranet' },
    ]);
    expect((await w.gate.handle(long, { arrival: { boundary: 'internal' } })).decision).toBe('ACCEPT');
  });

  it('an arrival that is not strings is refused, never a crash', async () => {
    const w = await world(path);
    for (const arrival of [
      { transport: 42 },
      { boundary: ['partner'] },
      { transport: 'x'.repeat(10_000) },
      null,
      'https',
    ]) {
      const d = await w.gate.handle(w.compliant(), { arrival: arrival as never });
      expect([d.reason, d.details]).toEqual(['boundary_unmatched', { detail: 'invalid_arrival' }]);
    }
  });

  it('a derived capability chain from the trusted root crosses; the ACCEPT carries the chain', async () => {
    const w = await world(path);
    const broker = AgentIdentity.generate();
    await w.registry.register(broker.agentId, broker.publicKeyPem);
    const parent = issueCapability(
      root,
      {
        subject_agent: broker.agentId,
        delegated_permissions: { allowed_actions: ['summarize', 'search'], max_tool_calls: 10 },
        constraints: { max_runtime_seconds: null, data_boundary: 'public', requires_human_review: null },
        expires_at: Timestamp.fromEpochMillis(w.clock.ms + 3_600_000),
      },
      { now: w.clock.now },
    );
    const leaf = deriveCapability(
      parent,
      broker,
      {
        subject_agent: PLANNER_ID,
        delegated_permissions: { allowed_actions: ['summarize'], max_tool_calls: 5 },
      },
      { now: w.clock.now },
    );
    const p = w.packet({ capability_token: serializeCapabilityToken(leaf) }, null);
    const approved = attachApprovals(createDelegationEnvelope(p), [
      issueApproval(p, alice, { approverId: 'human:alice', now: w.clock.now }),
    ]);
    // Without its ancestors the leaf is not a root: refused.
    const bare = await w.gate.handle(approved, { arrival: PARTNER });
    expect(bare.details).toMatchObject({
      capability_reason: 'capability_chain_invalid',
      chain_reason: 'root_has_parent',
    });
    const d = await w.gate.handle(attachCapabilityChain(approved, [parent, leaf]), { arrival: PARTNER });
    expect(d.decision).toBe('ACCEPT');
    expect(d.decision === 'ACCEPT' ? d.capabilities?.map((c) => c.capability_id) : []).toEqual([
      parent.capability_id,
      leaf.capability_id,
    ]);
  });
});

describe('admission path and per-store path decide alike', () => {
  it('same decision, reason and details for every attack and for unregistered senders', async () => {
    const admission = await world('admission');
    const perStore = await world('per-store');
    for (const attack of ATTACKS) {
      const a = await admission.gate.handle(attack.envelope(admission), { arrival: PARTNER });
      const b = await perStore.gate.handle(attack.envelope(perStore), { arrival: PARTNER });
      const strip = (s: Record<string, unknown>) =>
        JSON.parse(JSON.stringify(s).replace(/"capability_id":"[^"]+"/g, '"capability_id":"…"')) as unknown;
      expect(strip(summary(a)), attack.name).toEqual(strip(summary(b)));
    }
    // A sender nobody registered is public_key_mismatch on both paths, even where a boundary would refuse.
    for (const w of [admission, perStore]) {
      await w.registry.revoke(PLANNER_ID);
      const d = await w.gate.handle(w.compliant({ ttl_seconds: 900 }), { arrival: PARTNER });
      expect(d.reason, w.gate.path).toBe('agent_revoked');
    }
  });
});
