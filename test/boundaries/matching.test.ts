/**
 * How packets are matched to boundaries (sender group by ids and prefixes, registry namespace,
 * transport; AND across criteria, every matching boundary applies), the step's events, its store
 * failures (fail closed with the library's reasons) and its construction checks.
 */
import { describe, expect, it } from 'vitest';
import {
  ConfigurationError,
  HandoffGate,
  createDelegationEnvelope,
  issueTaskPacket,
  MemoryAgentRegistry,
  MemoryReplayStore,
  type AgentRegistry,
} from '../support/api.js';
import { BoundaryPolicyError, boundaryStep } from '../../src/boundaries/index.js';
import {
  ACME_ID,
  INTERNAL,
  PARTNER,
  PLANNER_ID,
  TWO_BOUNDARIES,
  acme,
  boundaryWorld,
  deeper,
  receiver,
} from './support.js';

const GROUPS = {
  version: 1,
  boundaries: [
    { name: 'corp', match: { agentPrefixes: ['agent:corp:'] }, require: { allowedIntents: ['summarize'] } },
    {
      name: 'acme',
      match: { agents: [ACME_ID], transports: ['https'] },
      require: { maxLifetimeSeconds: 60 },
    },
    { name: 'partners', match: { namespaces: ['partners'] }, require: { maxDelegationDepth: 1 } },
  ],
};

async function groupWorld(namespaces: Record<string, AgentRegistry>) {
  return boundaryWorld({ boundaries: { policy: GROUPS, namespaces } });
}

describe('matching', () => {
  it('by agent-id prefix: corp senders must use an allowed intent, on any transport', async () => {
    const w = await groupWorld({ partners: new MemoryAgentRegistry() });
    const ok = await w.gate.handle(w.compliant(), { arrival: { transport: 'anything' } });
    expect(ok.decision).toBe('ACCEPT');
    const refused = await w.gate.handle(w.compliant({ intent: 'delete' }));
    expect([refused.reason, refused.details]).toEqual([
      'boundary_intent_not_allowed',
      { boundary: 'corp', intent: 'delete' },
    ]);
  });

  it('criteria combine with AND: acme over https is limited, acme over another transport matches nothing', async () => {
    const w = await groupWorld({ partners: new MemoryAgentRegistry() });
    const signedByAcme = async (ttl: number, transport: string) => {
      const p = issueTaskPacket(
        acme,
        {
          from_agent: ACME_ID,
          to_agent: receiver.agentId,
          intent: 'x',
          risk_level: 'read',
          ttl_seconds: ttl,
        },
        { now: w.clock.now },
      );
      return w.gate.handle(createDelegationEnvelope(p), { arrival: { transport } });
    };
    expect((await signedByAcme(240, 'https')).reason).toBe('boundary_lifetime_exceeded');
    expect((await signedByAcme(30, 'https')).decision).toBe('ACCEPT');
    const other = await signedByAcme(30, 'mcp');
    expect([other.reason, other.details]).toEqual([
      'boundary_unmatched',
      { detail: 'no_boundary_matched', transport: 'mcp' },
    ]);
  });

  it('by registry namespace: a sender registered in the partners registry meets its requirements too', async () => {
    const partners = new MemoryAgentRegistry();
    const w = await groupWorld({ partners });
    // The planner is corp (prefix); depth 2 is fine there …
    expect((await w.gate.handle(deeper(w))).decision).toBe('ACCEPT');
    // … until it is also registered as a partner: every matching boundary applies.
    await partners.register(PLANNER_ID, acme.publicKeyPem);
    const d = await w.gate.handle(deeper(w));
    expect([d.reason, d.details]).toEqual([
      'boundary_depth_exceeded',
      { boundary: 'partners', depth: 2, max_depth: 1 },
    ]);
  });

  it('default allow lets unmatched packets through with the gate’s own checks only', async () => {
    const w = await boundaryWorld({
      boundaries: { policy: { ...TWO_BOUNDARIES, default: 'allow' }, approvers: new MemoryAgentRegistry() },
    });
    expect(
      (await w.gate.handle(w.compliant({ ttl_seconds: 900 }), { arrival: { transport: 'smtp' } })).decision,
    ).toBe('ACCEPT');
  });
});

describe('events', () => {
  it('boundary_satisfied names the boundaries crossed; boundary_refused the failing one', async () => {
    const w = await boundaryWorld();
    await w.gate.handle(w.compliant(), { arrival: PARTNER });
    await w.gate.handle(w.compliant({ ttl_seconds: 900 }), { arrival: PARTNER });
    await w.gate.handle(w.compliant(), { arrival: { transport: 'smtp' } });
    const mine = w.events.snapshot().filter((e) => e.event_type.startsWith('boundary_'));
    expect(mine).toMatchObject([
      {
        event_type: 'boundary_satisfied',
        from_agent: PLANNER_ID,
        transport: 'https',
        boundaries: ['partner'],
      },
      {
        event_type: 'boundary_refused',
        transport: 'https',
        boundary: 'partner',
        reason: 'boundary_lifetime_exceeded',
      },
      { event_type: 'boundary_refused', transport: 'smtp', boundary: null, reason: 'boundary_unmatched' },
    ]);
    const rejected = w.events.snapshot().filter((e) => e.event_type === 'packet_rejected');
    expect(rejected.map((e) => [(e as { step?: string }).step, (e as { reason?: string }).reason])).toEqual([
      ['boundary', 'boundary_lifetime_exceeded'],
      ['boundary', 'boundary_unmatched'],
    ]);
    expect(w.events.snapshot().filter((e) => e.event_type === 'approval_accepted')).toHaveLength(1);
  });
});

describe('stores fail closed', () => {
  const failing = (base: AgentRegistry): AgentRegistry =>
    new Proxy(base, {
      get(target, prop, receiverObj) {
        if (prop === 'isRegistered' || prop === 'resolve') return () => Promise.reject(new Error('down'));
        return Reflect.get(target, prop, receiverObj) as unknown;
      },
    });

  it('a namespace registry that fails is registry_unavailable, and a store_unavailable event', async () => {
    const w = await groupWorld({ partners: failing(new MemoryAgentRegistry()) });
    const d = await w.gate.handle(w.compliant());
    expect([d.reason, d.details]).toEqual([
      'registry_unavailable',
      { detail: 'namespace_registry_unavailable', namespace: 'partners' },
    ]);
    expect(w.events.snapshot().some((e) => e.event_type === 'store_unavailable')).toBe(true);
    expect((await w.gate.handle(w.compliant(), { arrival: INTERNAL })).reason).toBe('registry_unavailable');
  });

  it('an approver registry that fails is approval_check_unavailable', async () => {
    const approvers = new MemoryAgentRegistry();
    const w = await boundaryWorld({ boundaries: { policy: TWO_BOUNDARIES, approvers: failing(approvers) } });
    const d = await w.gate.handle(w.compliant(), { arrival: PARTNER });
    expect([d.reason, d.details]).toEqual(['approval_check_unavailable', { boundary: 'partner' }]);
  });

  it('an approver registry that never answers misses the store deadline', async () => {
    const approvers = new MemoryAgentRegistry();
    const hanging = new Proxy(approvers, {
      get(target, prop, r) {
        if (prop === 'resolve') return () => new Promise(() => undefined);
        return Reflect.get(target, prop, r) as unknown;
      },
    });
    const w = await boundaryWorld({
      storeTimeoutMs: 20,
      boundaries: { policy: TWO_BOUNDARIES, approvers: hanging },
    });
    expect((await w.gate.handle(w.compliant(), { arrival: PARTNER })).reason).toBe(
      'approval_check_unavailable',
    );
  });
});

describe('construction', () => {
  const base = {
    agentId: receiver.agentId,
    registry: new MemoryAgentRegistry(),
    replayStore: new MemoryReplayStore(),
  };

  it('a bad policy is a BoundaryPolicyError naming the field, at construction', () => {
    const bad = { ...TWO_BOUNDARIES, boundaries: [{ name: 'x', match: { transports: [] } }] };
    let error: unknown;
    try {
      new HandoffGate({ ...base, boundaries: { policy: bad } });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(BoundaryPolicyError);
    expect((error as BoundaryPolicyError).code).toBe('ERR_BOUNDARY_POLICY');
    expect((error as BoundaryPolicyError).path).toBe('$.boundaries[0].match.transports');
  });

  it('approvals without an approver registry, or a namespace without a registry, are refused', () => {
    expect(() => new HandoffGate({ ...base, boundaries: { policy: TWO_BOUNDARIES } })).toThrow(
      ConfigurationError,
    );
    expect(() => new HandoffGate({ ...base, boundaries: { policy: GROUPS } })).toThrow(BoundaryPolicyError);
    expect(() => boundaryStep({ policy: GROUPS, namespaces: { partners: {} as AgentRegistry } })).toThrow(
      ConfigurationError,
    );
    expect(() => new HandoffGate({ ...base, boundaries: null as never })).toThrow(ConfigurationError);
  });

  it('the step sits after the capability step and before extra steps and replay', () => {
    const gate = new HandoffGate({
      ...base,
      capabilities: { trustedRoots: ['agent:root'] },
      extraSteps: [{ name: 'mine', check: () => undefined }],
      boundaries: {
        policy: { version: 1, boundaries: [{ name: 'all', match: { agentPrefixes: ['agent:'] } }] },
      },
    });
    const names = gate.stepNames;
    expect(names.indexOf('capability')).toBeLessThan(names.indexOf('boundary'));
    expect(names.indexOf('boundary')).toBeLessThan(names.indexOf('mine'));
    expect(names.at(-1)).toBe(gate.path === 'admission' ? 'admission' : 'replay');
  });
});
