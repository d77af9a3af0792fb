/**
 * The built-in capability step in a real gate (memory stores, both store paths): one REJECT reason
 * per failure, every rejection before replay (the nonce stays unspent), stores fail closed (an error
 * and a missed deadline), the chain's lookups run in parallel, and the chain verifier's events.
 */
import { describe, expect, it } from 'vitest';
import {
  AgentIdentity,
  MemoryAgentRegistry,
  MemoryReplayStore,
  MemoryRevocationStore,
  HandoffGate,
  CapabilityChainVerifier,
  createDelegationEnvelope,
  deriveCapability,
  serializeCapabilityToken,
  issueTaskPacket,
  serializeDelegationEnvelope,
  revocationRevalidator,
  watchedRevocations,
  type AgentRegistry,
  type DelegationCapability,
  type GateDecision,
  type GateEnvelope,
  type RejectDecision,
  type RevocationStore,
  type SignedTaskPacket,
  type TaskPacketInput,
} from '../support/api.js';
import type { EventCatalogue, EventPort, EventType } from '../../src/events/types.js';
import {
  CAPABILITY_REASONS,
  attachCapabilityChain,
  capabilityStep,
  type CapabilityStepOptions,
} from '../../src/gate/steps/capability.js';
import { replayKey } from '../../src/gate/steps/replay.js';
import { ConfigurationError } from '../../src/errors.js';
import { NOW_MS, at, clock, planner, researcher, rootCapability, writer } from '../capability/fixture.js';

const inbox = AgentIdentity.generate();
const courier = AgentIdentity.generate();

/** planner → researcher → writer → courier: the courier presents the grandchild. */
function chainOfThree(): DelegationCapability[] {
  const root = rootCapability();
  const child = deriveCapability(
    root,
    researcher,
    {
      capability_id: 'cap-child',
      subject_agent: writer.agentId,
      delegated_permissions: { allowed_actions: ['read', 'search'], max_tool_calls: 5 },
      expires_at: '2026-03-08T12:45:00Z',
    },
    { now: clock },
  );
  const grandchild = deriveCapability(
    child,
    writer,
    {
      capability_id: 'cap-grandchild',
      subject_agent: courier.agentId,
      delegated_permissions: { allowed_actions: ['search'], max_tool_calls: 2 },
      expires_at: '2026-03-08T12:40:00Z',
    },
    { now: clock },
  );
  return [root, child, grandchild];
}

const CHAIN = chainOfThree();
const TOKENS = CHAIN.map((c) => serializeCapabilityToken(c));
const LEAF_TOKEN = TOKENS[2]!;

type Path = 'admission' | 'per-store';

// The memory registry without `admissionStore`: the gate then consults each store on its own.
function perStoreRegistry(registry: MemoryAgentRegistry): AgentRegistry {
  return {
    inProcess: true,
    register: (id, pem) => registry.register(id, pem),
    resolve: (id) => registry.resolve(id),
    isRegistered: (id) => registry.isRegistered(id),
    revoke: (id) => registry.revoke(id),
    isRevoked: (id) => registry.isRevoked(id),
  };
}

interface Setup {
  readonly registry: MemoryAgentRegistry;
  readonly replayStore: MemoryReplayStore;
  readonly revocations: MemoryRevocationStore;
  readonly clock: { ms: number; readonly now: () => number };
  gate(step?: Partial<CapabilityStepOptions>): HandoffGate;
  /** A gate with the same stores and no capability step: the rest of the pipeline's verdict. */
  plainGate(): HandoffGate;
  packet(input?: Partial<TaskPacketInput>, identity?: AgentIdentity): SignedTaskPacket;
  envelope(packet: SignedTaskPacket, chain?: readonly string[]): GateEnvelope;
  /** True when the replay store has never seen the packet's nonce (the check stores it). */
  unspent(packet: SignedTaskPacket): Promise<boolean>;
}

async function setup(path: Path): Promise<Setup> {
  const time = { ms: NOW_MS, now: (): number => time.ms };
  const registry = new MemoryAgentRegistry();
  for (const identity of [planner, researcher, writer, courier, inbox])
    await registry.register(identity.agentId, identity.publicKeyPem);
  const replayStore = new MemoryReplayStore({ now: time.now });
  const revocations = new MemoryRevocationStore();
  const gateRegistry = path === 'admission' ? registry : perStoreRegistry(registry);
  const gateWith = (extraSteps: CapabilityStepOptions | undefined): HandoffGate =>
    new HandoffGate({
      agentId: inbox.agentId,
      registry: gateRegistry,
      replayStore,
      revocationStore: revocations,
      now: time.now,
      env: {},
      ...(extraSteps === undefined ? {} : { extraSteps: [capabilityStep(extraSteps)] }),
    });
  return {
    registry,
    replayStore,
    revocations,
    clock: time,
    gate: (step = {}) =>
      gateWith({
        trustedRoots: [planner],
        registry,
        revocationStore: revocations,
        now: time.now,
        env: {},
        ...step,
      }),
    plainGate: () => gateWith(undefined),
    packet: (input = {}, identity = courier) =>
      issueTaskPacket(
        identity,
        {
          to_agent: inbox.agentId,
          intent: 'search',
          risk_level: 'read',
          capability_token: LEAF_TOKEN,
          ...input,
        },
        { now: time.now },
      ),
    envelope: (packet, chain = TOKENS) => ({ ...createDelegationEnvelope(packet), capability_chain: chain }),
    unspent: (packet) => replayStore.checkAndStore(replayKey(packet), 60_000),
  };
}

function reject(decision: GateDecision): RejectDecision {
  if (decision.decision !== 'REJECT') expect.fail(`expected REJECT, got ${decision.decision}`);
  return decision;
}

describe.each<Path>(['admission', 'per-store'])('capability step on the %s path', (path) => {
  it('uses the path it is meant to test, with the step before replay', async () => {
    const s = await setup(path);
    const gate = s.gate();
    expect(gate.path).toBe(path);
    const names = gate.stepNames;
    expect(names).toContain('capability');
    expect(names.indexOf('capability')).toBeLessThan(names.length - 1);
  });

  it('accepts a valid chain, carries it on the ACCEPT, and the nonce is then spent', async () => {
    const s = await setup(path);
    const gate = s.gate();
    const packet = s.packet();
    const decision = await gate.handle(s.envelope(packet));
    expect(decision).toMatchObject({ decision: 'ACCEPT', reason: 'Packet verified and valid' });
    expect(decision.decision === 'ACCEPT' && decision.capabilities?.map((c) => c.capability_id)).toEqual([
      'cap-root',
      'cap-child',
      'cap-grandchild',
    ]);
    expect(reject(await gate.handle(s.envelope(packet))).reason).toBe('Replay detected');
  });

  it('accepts a root token alone, without capability_chain', async () => {
    const s = await setup(path);
    const packet = s.packet({ intent: 'summarize', capability_token: TOKENS[0]! }, researcher);
    expect((await s.gate().handle(createDelegationEnvelope(packet))).decision).toBe('ACCEPT');
  });

  it('accepts the chain over the wire (serializeDelegationEnvelope → handle(string))', async () => {
    const s = await setup(path);
    const packet = s.packet();
    const wire = serializeDelegationEnvelope(attachCapabilityChain(createDelegationEnvelope(packet), CHAIN));
    expect(JSON.parse(wire)).toMatchObject({ capability_chain: TOKENS });
    expect((await s.gate().handle(wire)).decision).toBe('ACCEPT');
    const compact = serializeDelegationEnvelope(
      attachCapabilityChain(createDelegationEnvelope(s.packet()), CHAIN),
      'compact',
    );
    expect((await s.gate().handle(compact)).decision).toBe('ACCEPT');
  });

  // Each case: the envelope, the gate's step options, the reason, and the details it must carry.
  interface Case {
    readonly name: string;
    readonly step?: Partial<CapabilityStepOptions>;
    readonly arrange?: (s: Setup) => Promise<void> | void;
    readonly envelope: (s: Setup) => { envelope: GateEnvelope; packet: SignedTaskPacket };
    readonly reason: string;
    readonly details?: Record<string, unknown>;
  }
  const standard = (s: Setup): { envelope: GateEnvelope; packet: SignedTaskPacket } => {
    const packet = s.packet();
    return { packet, envelope: s.envelope(packet) };
  };
  const cases: Case[] = [
    {
      name: 'untrusted root',
      step: { trustedRoots: [researcher.agentId] },
      envelope: standard,
      reason: CAPABILITY_REASONS.untrustedRoot,
      details: { chain_reason: 'untrusted_root', index: 0, capability_id: 'cap-root' },
    },
    {
      name: 'subject ≠ sender (a stolen leaf token in the thief’s own signed packet)',
      envelope: (s) => {
        const packet = s.packet({}, writer);
        return { packet, envelope: s.envelope(packet) };
      },
      reason: CAPABILITY_REASONS.subjectMismatch,
      details: { chain_reason: 'subject_mismatch', index: 2 },
    },
    {
      name: 'action not authorized by the leaf',
      envelope: (s) => {
        const packet = s.packet({ intent: 'read' });
        return { packet, envelope: s.envelope(packet) };
      },
      reason: CAPABILITY_REASONS.actionNotAuthorized,
      details: { action: 'read', detail: 'action_not_allowed', capability_id: 'cap-grandchild' },
    },
    {
      name: 'revoked link (the root, which the revocation step does not see)',
      arrange: (s) => s.revocations.revoke('cap-root'),
      envelope: standard,
      reason: CAPABILITY_REASONS.revoked,
      details: { chain_reason: 'revoked', index: 0, capability_id: 'cap-root' },
    },
    {
      name: 'revoked issuer of a link',
      arrange: (s) => s.registry.revoke(researcher.agentId),
      envelope: standard,
      reason: CAPABILITY_REASONS.revoked,
      details: { chain_reason: 'issuer_revoked', index: 1 },
    },
    {
      name: 'expired link (the child expired at 12:45; the packet is fresh at 12:46)',
      arrange: (s) => {
        s.clock.ms = at('2026-03-08T12:46:00Z').epochMillis;
      },
      envelope: standard,
      reason: CAPABILITY_REASONS.expired,
      details: { chain_reason: 'expired', index: 1, capability_id: 'cap-child' },
    },
    {
      name: 'link not yet valid (the gate’s clock is two minutes before the root was issued)',
      arrange: (s) => {
        s.clock.ms = at('2026-03-08T11:58:00Z').epochMillis;
      },
      envelope: standard,
      reason: CAPABILITY_REASONS.notYetValid,
      details: { chain_reason: 'issued_in_future', index: 0, capability_id: 'cap-root' },
    },
    {
      name: 'bad signature on an ancestor',
      envelope: (s) => {
        const packet = s.packet();
        const forged = serializeCapabilityToken({
          ...CHAIN[0]!,
          signature: Buffer.alloc(64, 7).toString('base64'),
        });
        return { packet, envelope: s.envelope(packet, [forged, TOKENS[1]!, LEAF_TOKEN]) };
      },
      reason: CAPABILITY_REASONS.invalidSignature,
      details: { chain_reason: 'invalid_signature', index: 0 },
    },
    {
      name: 'widened ancestor (signature of the original kept)',
      envelope: (s) => {
        const packet = s.packet();
        const widened = serializeCapabilityToken({
          ...CHAIN[1]!,
          delegated_permissions: { allowed_actions: ['read', 'search'], max_tool_calls: 9 },
        });
        return { packet, envelope: s.envelope(packet, [TOKENS[0]!, widened, LEAF_TOKEN]) };
      },
      reason: CAPABILITY_REASONS.invalidSignature,
      details: { index: 1 },
    },
    {
      name: 'issuer key not the registered one',
      arrange: (s) => s.registry.register(writer.agentId, AgentIdentity.generate().publicKeyPem),
      envelope: standard,
      reason: CAPABILITY_REASONS.issuerUnbound,
      details: { chain_reason: 'issuer_key_mismatch', index: 2 },
    },
    {
      // The revocation step reads the leaf's ids first (on both paths), with its own reason.
      name: 'malformed leaf token',
      envelope: (s) => {
        const packet = s.packet({ capability_token: 'not a token!' });
        return { packet, envelope: createDelegationEnvelope(packet) };
      },
      reason: 'malformed_capability_token',
    },
    {
      name: 'malformed ancestor token',
      envelope: (s) => {
        const packet = s.packet();
        return { packet, envelope: s.envelope(packet, ['%%%', TOKENS[1]!, LEAF_TOKEN]) };
      },
      reason: CAPABILITY_REASONS.tokenMalformed,
      details: { index: 0 },
    },
    {
      name: 'token longer than maxTokenLength',
      step: { maxTokenLength: 64 },
      envelope: standard,
      reason: CAPABILITY_REASONS.tokenMalformed,
      details: { index: 0 },
    },
    {
      name: 'missing token when required (the default)',
      envelope: (s) => {
        const packet = s.packet({ capability_token: null });
        return { packet, envelope: createDelegationEnvelope(packet) };
      },
      reason: CAPABILITY_REASONS.required,
    },
    {
      name: 'derived token without its ancestors',
      envelope: (s) => {
        const packet = s.packet();
        return { packet, envelope: createDelegationEnvelope(packet) };
      },
      reason: CAPABILITY_REASONS.chainInvalid,
      details: { chain_reason: 'root_has_parent', index: 0 },
    },
    {
      name: 'capability_chain that does not end with the packet’s token',
      envelope: (s) => {
        const packet = s.packet();
        return { packet, envelope: s.envelope(packet, TOKENS.slice(0, 2)) };
      },
      reason: CAPABILITY_REASONS.chainMismatch,
      details: { detail: 'last_token_differs' },
    },
    {
      name: 'capability_chain without a token (required: false)',
      step: { required: false },
      envelope: (s) => {
        const packet = s.packet({ capability_token: null });
        return { packet, envelope: s.envelope(packet) };
      },
      reason: CAPABILITY_REASONS.chainMismatch,
      details: { detail: 'chain_without_token' },
    },
    {
      name: 'chain longer than maxChainLength',
      step: { maxChainLength: 2 },
      envelope: standard,
      reason: CAPABILITY_REASONS.chainInvalid,
      details: { chain_reason: 'chain_too_long' },
    },
    {
      name: 'registry down (calls reject)',
      step: {
        registry: {
          ...perStoreRegistry(new MemoryAgentRegistry()),
          resolve: () => Promise.reject(new Error('down')),
        },
      },
      envelope: standard,
      reason: CAPABILITY_REASONS.storeUnavailable,
      details: { chain_reason: 'registry_unavailable' },
    },
    {
      name: 'revocation store that throws synchronously',
      step: {
        revocationStore: {
          revoke: () => Promise.resolve(),
          isRevoked: () => {
            throw new Error('not connected');
          },
        },
      },
      envelope: standard,
      reason: CAPABILITY_REASONS.storeUnavailable,
      details: { chain_reason: 'revocation_store_unavailable' },
    },
    {
      name: 'revocation store that never answers (deadline)',
      step: {
        storeTimeoutMs: 40,
        revocationStore: { revoke: () => Promise.resolve(), isRevoked: () => new Promise<boolean>(() => {}) },
      },
      envelope: standard,
      reason: CAPABILITY_REASONS.storeUnavailable,
      details: { chain_reason: 'revocation_store_unavailable' },
    },
    {
      name: 'registry that never answers (deadline)',
      step: {
        storeTimeoutMs: 40,
        registry: {
          ...perStoreRegistry(new MemoryAgentRegistry()),
          inProcess: false,
          resolve: () => new Promise(() => {}),
        },
      },
      envelope: standard,
      reason: CAPABILITY_REASONS.storeUnavailable,
      details: { chain_reason: 'registry_unavailable' },
    },
  ];

  it.each(cases)('rejects: $name, before replay (nonce unspent)', async (c) => {
    const s = await setup(path);
    await c.arrange?.(s);
    const { envelope, packet } = c.envelope(s);
    const started = performance.now();
    const decision = reject(await s.gate(c.step).handle(envelope));
    expect(performance.now() - started).toBeLessThan(1500);
    expect(decision.reason).toBe(c.reason);
    if (c.details !== undefined) expect(decision.details).toMatchObject(c.details);
    expect(await s.unspent(packet)).toBe(true);
  });

  it('a rejection leaves the nonce for the legitimate presentation (same envelope, gate now passes)', async () => {
    const s = await setup(path);
    const packet = s.packet();
    const envelope = s.envelope(packet);
    // Rejected by a gate that trusts another root, and by one whose registry is down…
    expect(reject(await s.gate({ trustedRoots: [writer.agentId] }).handle(envelope)).reason).toBe(
      'capability_untrusted_root',
    );
    const down = { ...perStoreRegistry(s.registry), resolve: () => Promise.reject(new Error('down')) };
    expect(reject(await s.gate({ registry: down }).handle(envelope)).reason).toBe(
      'capability_store_unavailable',
    );
    // …the very same envelope is then accepted once, by a gate configured correctly.
    expect((await s.gate().handle(envelope)).decision).toBe('ACCEPT');
    expect(reject(await s.gate().handle(envelope)).reason).toBe('Replay detected');
  });

  it('required: false lets a packet without a token through, and still checks one with a token', async () => {
    const s = await setup(path);
    const optional = s.gate({ required: false });
    expect(
      (await optional.handle(createDelegationEnvelope(s.packet({ capability_token: null })))).decision,
    ).toBe('ACCEPT');
    const packet = s.packet({ intent: 'read' });
    expect(reject(await optional.handle(s.envelope(packet))).reason).toBe('capability_action_not_authorized');
  });

  it('a failure elsewhere still wins in pipeline order (a forged packet is not a capability question)', async () => {
    const s = await setup(path);
    const packet = s.packet();
    const tampered = { ...packet, intent: 'read' };
    const decision = reject(await s.gate().handle(s.envelope(tampered)));
    expect(decision.reason).toBe('Invalid signature');
  });
});

describe('envelope capability_chain parsing', () => {
  it('refuses a capability_chain that is not a bounded list of strings (malformed_envelope)', async () => {
    const s = await setup('per-store');
    const gate = s.gate();
    const base = JSON.parse(serializeDelegationEnvelope(createDelegationEnvelope(s.packet()))) as Record<
      string,
      unknown
    >;
    for (const bad of ['token', [1], [LEAF_TOKEN, null], { 0: LEAF_TOKEN }, Array(65).fill(LEAF_TOKEN)]) {
      const decision = reject(await gate.handle(JSON.stringify({ ...base, capability_chain: bad })));
      expect(decision.reason).toBe('malformed_envelope');
    }
    // null is "absent", as for approvals.
    const packet = s.packet({ capability_token: TOKENS[0]!, intent: 'summarize' }, researcher);
    const root = JSON.parse(serializeDelegationEnvelope(createDelegationEnvelope(packet))) as Record<
      string,
      unknown
    >;
    expect((await gate.handle(JSON.stringify({ ...root, capability_chain: null }))).decision).toBe('ACCEPT');
  });

  it('attachCapabilityChain refuses a chain whose leaf is not the packet’s token', async () => {
    const s = await setup('per-store');
    expect(() => attachCapabilityChain(createDelegationEnvelope(s.packet()), CHAIN.slice(0, 2))).toThrow(
      ConfigurationError,
    );
    expect(() => attachCapabilityChain(createDelegationEnvelope(s.packet()), [])).toThrow(ConfigurationError);
  });
});

describe('capability step options', () => {
  it('are checked at construction', () => {
    const bad: unknown[] = [
      { trustedRoots: [] },
      { trustedRoots: [planner], maxChainLength: 0 },
      { trustedRoots: [planner], maxTokenLength: 1.5 },
      { trustedRoots: [planner], storeTimeoutMs: 0 },
      { trustedRoots: [planner], storeTimeoutMs: Number.NaN },
      { trustedRoots: [planner], required: 'yes' },
      { trustedRoots: [planner], events: {} },
    ];
    for (const options of bad)
      expect(() => capabilityStep(options as CapabilityStepOptions)).toThrow(ConfigurationError);
    expect(capabilityStep({ trustedRoots: [planner] }).name).toBe('capability');
  });

  it('every reason is a stable capability_… string', () => {
    for (const reason of Object.values(CAPABILITY_REASONS)) expect(reason).toMatch(/^capability_[a-z_]+$/);
  });
});

/** A store wrapper that answers after `delayMs` and records how many calls were in flight at once. */
class Gauge {
  inFlight = 0;
  maxInFlight = 0;
  calls = 0;
  constructor(readonly delayMs: number) {}
  wrap<T>(value: () => Promise<T>): Promise<T> {
    this.calls++;
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    return new Promise((resolve, reject) => {
      setTimeout(() => {
        this.inFlight--;
        value().then(resolve, reject);
      }, this.delayMs);
    });
  }
}

function slowStores(
  registry: MemoryAgentRegistry,
  revocations: MemoryRevocationStore,
  gauge: Gauge,
): { registry: AgentRegistry; revocationStore: RevocationStore } {
  return {
    registry: {
      ...perStoreRegistry(registry),
      inProcess: false,
      resolve: (id) => gauge.wrap(() => registry.resolve(id)),
      isRevoked: (id) => gauge.wrap(() => registry.isRevoked(id)),
    },
    revocationStore: {
      revoke: (id) => revocations.revoke(id),
      isRevoked: (id) => gauge.wrap(() => revocations.isRevoked(id)),
    },
  };
}

describe('chain verifier store lookups', () => {
  it('run all at once: resolve + isRevoked per issuer and isRevoked per link, one round trip', async () => {
    const s = await setup('per-store');
    const gauge = new Gauge(60);
    const stores = slowStores(s.registry, s.revocations, gauge);
    const verifier = new CapabilityChainVerifier({
      trustedRoots: [planner],
      now: clock,
      env: {},
      ...stores,
    });
    const started = performance.now();
    expect(await verifier.verify(CHAIN, { presenter: courier.agentId })).toEqual({
      ok: true,
      chain: CHAIN,
      leaf: CHAIN[2],
    });
    const elapsed = performance.now() - started;
    // 3 issuers × (resolve, isRevoked) + 3 capability ids.
    expect(gauge.calls).toBe(9);
    expect(gauge.maxInFlight).toBe(9);
    // Sequential lookups would take 9 × 60 ms.
    expect(elapsed).toBeLessThan(4 * 60);
  });

  it('run in parallel through the gate step too, and reasons stay those of a link-by-link walk', async () => {
    const s = await setup('per-store');
    const gauge = new Gauge(30);
    const stores = slowStores(s.registry, s.revocations, gauge);
    // Two failures the gate's revocation step does not see (the root's id, the writer as an issuer).
    await s.revocations.revoke('cap-root');
    await s.registry.revoke(writer.agentId);
    const decision = reject(await s.gate(stores).handle(s.envelope(s.packet())));
    // A link-by-link walk binds every issuer before it reads revocations: the issuer is reported.
    expect(decision).toMatchObject({
      reason: 'capability_revoked',
      details: { chain_reason: 'issuer_revoked', index: 2 },
    });
    expect(gauge.maxInFlight).toBe(9);
  });

  it('each lookup is bounded by storeTimeoutMs; a store that never answers fails the chain closed', async () => {
    const registry = {
      ...perStoreRegistry(new MemoryAgentRegistry()),
      inProcess: false,
      resolve: () => new Promise<undefined>(() => {}),
    };
    const verifier = new CapabilityChainVerifier({
      trustedRoots: [planner],
      now: clock,
      env: {},
      registry,
      storeTimeoutMs: 50,
    });
    const started = performance.now();
    expect(await verifier.verify(CHAIN)).toMatchObject({
      ok: false,
      reason: 'registry_unavailable',
      details: { index: 0 },
    });
    const elapsed = performance.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(45);
    expect(elapsed).toBeLessThan(1000);
  });

  it('a store that bounds its own calls within the deadline gets no second timer (its own error is used)', async () => {
    let calls = 0;
    const registry: AgentRegistry = {
      ...perStoreRegistry(new MemoryAgentRegistry()),
      inProcess: false,
      commandTimeoutMs: 10,
      resolve: () => {
        calls++;
        return new Promise((_, fail) => {
          setTimeout(() => {
            fail(new Error('own timeout'));
          }, 10);
        });
      },
    };
    const verifier = new CapabilityChainVerifier({
      trustedRoots: [planner],
      now: clock,
      env: {},
      registry,
    });
    expect(await verifier.verify(CHAIN)).toMatchObject({ ok: false, reason: 'registry_unavailable' });
    expect(calls).toBe(3);
  });

  it('unauthenticated junk never reaches a store: a forged link is refused before any lookup', async () => {
    const s = await setup('per-store');
    const gauge = new Gauge(1);
    const stores = slowStores(s.registry, s.revocations, gauge);
    const verifier = new CapabilityChainVerifier({
      trustedRoots: [planner],
      now: clock,
      env: {},
      ...stores,
    });
    const forged = { ...CHAIN[0]!, signature: Buffer.alloc(64, 7).toString('base64') };
    expect(await verifier.verify([forged, CHAIN[1]!, CHAIN[2]!])).toMatchObject({
      ok: false,
      reason: 'invalid_signature',
      details: { index: 0 },
    });
    expect(gauge.calls).toBe(0);
    const outsider = { ...CHAIN[0]!, issuer_agent: 'agent:nobody' };
    expect(await verifier.verify([outsider])).toMatchObject({ reason: 'untrusted_root' });
    expect(gauge.calls).toBe(0);
  });
});

/** An EventPort that records what it is given. */
function recordingPort(): EventPort & { readonly events: { type: EventType; fields: unknown }[] } {
  const events: { type: EventType; fields: unknown }[] = [];
  return {
    verifier: { agentId: inbox.agentId, instanceId: 'test-1' },
    events,
    emit<T extends EventType>(type: T, fields: EventCatalogue[T]): void {
      events.push({ type, fields });
    },
  };
}

describe('capability chain events', () => {
  it('emits capability_chain_verified with the leaf and the depth', async () => {
    const port = recordingPort();
    const verifier = new CapabilityChainVerifier({
      trustedRoots: [planner],
      now: clock,
      env: {},
      events: port,
    });
    await verifier.verify(CHAIN, { presenter: courier.agentId });
    expect(port.events).toEqual([
      {
        type: 'capability_chain_verified',
        fields: {
          capability_id: 'cap-grandchild',
          issuer_agent: writer.agentId,
          subject_agent: courier.agentId,
          depth: 3,
        },
      },
    ]);
  });

  it('emits capability_chain_rejected naming the failing link and the chain reason', async () => {
    const port = recordingPort();
    const revocations = new MemoryRevocationStore();
    await revocations.revoke('cap-child');
    const verifier = new CapabilityChainVerifier({
      trustedRoots: [planner],
      now: clock,
      env: {},
      revocationStore: revocations,
      events: port,
    });
    await verifier.verify(CHAIN);
    await verifier.verify([]);
    expect(port.events).toEqual([
      {
        type: 'capability_chain_rejected',
        fields: { capability_id: 'cap-child', issuer_agent: researcher.agentId, reason: 'revoked' },
      },
      {
        type: 'capability_chain_rejected',
        fields: { capability_id: null, issuer_agent: null, reason: 'empty_chain' },
      },
    ]);
  });

  it('the capability step passes its port to the verifier; a port that throws changes nothing', async () => {
    const s = await setup('admission');
    const port = recordingPort();
    expect((await s.gate({ events: port }).handle(s.envelope(s.packet()))).decision).toBe('ACCEPT');
    expect(port.events.map((e) => e.type)).toEqual(['capability_chain_verified']);
    const throwing: EventPort = {
      verifier: { agentId: inbox.agentId, instanceId: 'x' },
      emit: () => {
        throw new Error('sink down');
      },
    };
    expect((await s.gate({ events: throwing }).handle(s.envelope(s.packet()))).decision).toBe('ACCEPT');
    const bad = s.packet({ intent: 'read' });
    expect(reject(await s.gate({ events: throwing }).handle(s.envelope(bad))).reason).toBe(
      'capability_action_not_authorized',
    );
  });
});

describe('the gate option `capabilities`', () => {
  it.each<Path>(['admission', 'per-store'])(
    'builds the step from the gate’s own stores, clock and deadline (%s path)',
    async (path) => {
      const s = await setup(path);
      const registry = path === 'admission' ? s.registry : perStoreRegistry(s.registry);
      const gate = new HandoffGate({
        agentId: inbox.agentId,
        registry,
        replayStore: s.replayStore,
        revocationStore: s.revocations,
        now: s.clock.now,
        env: {},
        capabilities: { trustedRoots: [planner.agentId] },
      });
      expect(gate.path).toBe(path);
      const names = gate.stepNames;
      expect(names.slice(-2)).toEqual(['capability', path === 'admission' ? 'admission' : 'replay']);
      if (path === 'per-store') expect(names.indexOf('revocation')).toBeLessThan(names.indexOf('capability'));
      expect((await gate.handle(s.envelope(s.packet()))).decision).toBe('ACCEPT');
      // The gate's revocation store is the step's: a revoked link rejects, and the nonce stays unspent.
      await s.revocations.revoke('cap-child');
      const packet = s.packet();
      expect(reject(await gate.handle(s.envelope(packet))).reason).toBe('capability_revoked');
      expect(await s.unspent(packet)).toBe(true);
      // Without a token the step refuses (required by default).
      const bare = s.packet({ capability_token: null });
      expect(reject(await gate.handle(createDelegationEnvelope(bare))).reason).toBe('capability_required');
    },
  );

  it('a capability chain from an untrusted root is refused before replay', async () => {
    const s = await setup('admission');
    const gate = new HandoffGate({
      agentId: inbox.agentId,
      registry: s.registry,
      replayStore: s.replayStore,
      now: s.clock.now,
      env: {},
      capabilities: { trustedRoots: [researcher.agentId] },
    });
    const packet = s.packet();
    expect(reject(await gate.handle(s.envelope(packet))).reason).toBe('capability_untrusted_root');
    expect(await s.unspent(packet)).toBe(true);
  });
});

describe('revocation cascades down a capability chain (issue 12.4)', () => {
  it('cascade: revoking the root capability rejects a packet that presents its grandchild', async () => {
    const s = await setup('admission');
    await s.revocations.revoke('cap-root');
    const decision = reject(await s.gate().handle(s.envelope(s.packet())));
    expect(decision.reason).toBe(CAPABILITY_REASONS.revoked);
  });

  it('cascade: a pushed revocation of the root makes the watcher of a grandchild packet stale at once', async () => {
    const s = await setup('admission');
    const { decision, watcher } = await s.gate().handleWithRevalidation(s.envelope(s.packet()), {
      // One check an hour: only the push can make it stale within the test.
      intervalSeconds: 3600,
      jitter: 0,
      revalidate: revocationRevalidator({ registry: s.registry, revocationStore: s.revocations }),
      invalidation: s.revocations,
    });
    expect(decision.decision).toBe('ACCEPT');
    await expect.poll(() => watcher?.state.checks).toBe(1);
    expect(watcher?.isStale).toBe(false);
    await s.revocations.revoke('cap-root');
    expect(watcher?.state).toMatchObject({ staleDetected: true, staleReason: 'invalidated' });
    expect(watcher?.staleSignal.aborted).toBe(true);
  });

  it('cascade: the polling revalidator checks every link of the verified chain, not only the token and its parent', async () => {
    const s = await setup('admission');
    const packet = s.packet();
    const decision = await s.gate().handle(s.envelope(packet));
    if (decision.decision !== 'ACCEPT') expect.fail('expected ACCEPT');
    const revalidate = revocationRevalidator({ revocationStore: s.revocations });
    expect(await revalidate(packet, decision)).toBe(true);
    await s.revocations.revoke('cap-root');
    // The token names only cap-grandchild and its parent cap-child; the root comes from the ACCEPT.
    expect(await revalidate(packet)).toBe(true);
    expect(await revalidate(packet, decision)).toBe(false);
    expect(watchedRevocations(packet, decision).ids).toEqual(
      expect.arrayContaining(['cap-root', 'cap-child', 'cap-grandchild', packet.packet_id, packet.task_id]),
    );
    expect(watchedRevocations(packet, decision).agents).toEqual(
      expect.arrayContaining([planner.agentId, researcher.agentId, writer.agentId, courier.agentId]),
    );
  });

  it('cascade: revoking the issuer of a middle link (agent) makes the watcher stale', async () => {
    const s = await setup('admission');
    const { watcher } = await s.gate().handleWithRevalidation(s.envelope(s.packet()), {
      intervalSeconds: 3600,
      revalidate: () => true,
      invalidation: s.registry,
    });
    await s.registry.revoke(researcher.agentId);
    expect(watcher?.state.staleReason).toBe('invalidated');
  });
});
