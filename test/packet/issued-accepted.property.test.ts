/**
 * Issue 9.4: no object the library itself would reject. Every packet `issueTaskPacket` and
 * `packetFromTask` sign from valid input is accepted by a real gate, as an object and as wire text;
 * and (issue 9.3) what no verifier could accept is refused at signing.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  AgentIdentity,
  CanonicalizationError,
  MemoryAgentRegistry,
  MemoryReplayStore,
  MemoryRevocationStore,
  PayloadValidationError,
  HandoffGate,
  attachApprovals,
  ApprovalVerifier,
  createChain,
  issueApproval,
  createDelegationEnvelope,
  createTaskPacket,
  issueTaskPacket,
  serializeDelegationEnvelope,
  signPacket,
  type GateDecision,
  type SignedTaskPacket,
  type TaskPacketInput,
} from '../support/api.js';
import { packetFromTask, signedTask } from '../../src/reference/index.js';
import { anyString, jsonObject, jsonValue } from '../support/arbitraries.js';

const T0 = Date.parse('2026-03-08T12:00:00Z');
const sender = AgentIdentity.generate();
const receiver = AgentIdentity.generate();
const alice = AgentIdentity.generate();

interface Gate {
  handle(packet: SignedTaskPacket, form: 'object' | 'reference' | 'compact'): Promise<GateDecision>;
  readonly middleware: HandoffGate;
}

async function gate(now: () => number = () => T0): Promise<Gate> {
  const registry = new MemoryAgentRegistry();
  await registry.register(sender.agentId, sender.publicKeyPem);
  const approvers = new MemoryAgentRegistry();
  await approvers.register('human:alice', alice.publicKeyPem);
  const middleware = new HandoffGate({
    agentId: receiver.agentId,
    registry,
    replayStore: new MemoryReplayStore({ now }),
    revocationStore: new MemoryRevocationStore(),
    humanApproval: new ApprovalVerifier({ approvers, now }),
    now,
    env: {},
  });
  return {
    middleware,
    handle: (packet, form) => {
      const envelope = createDelegationEnvelope(packet, createChain(packet));
      if (packet.constraints?.requires_human_review !== true) {
        return middleware.handle(form === 'object' ? envelope : serializeDelegationEnvelope(envelope, form));
      }
      // A packet that requires review travels with a signed approval (issueApproval's own output).
      const approved = attachApprovals(envelope, [
        issueApproval(packet, alice, { approverId: 'human:alice', now }),
      ]);
      return middleware.handle(form === 'object' ? approved : serializeDelegationEnvelope(approved, form));
    },
  };
}

async function expectAccepted(packet: SignedTaskPacket): Promise<void> {
  // A gate per form: the same packet twice at one gate is (rightly) a replay.
  for (const form of ['object', 'reference', 'compact'] as const) {
    const decision = await (await gate()).handle(packet, form);
    expect({ form, decision: decision.decision, reason: decision.reason }).toEqual({
      form,
      decision: 'ACCEPT',
      reason: decision.reason,
    });
  }
}

/** Every way of giving (or not giving) a lifetime that a default gate (max 3600 s) accepts. */
function lifetime(issuedMs: number): fc.Arbitrary<Partial<TaskPacketInput>> {
  return fc.oneof(
    fc.constant({}),
    fc.record({ risk_level: fc.constantFrom('read', 'write') }),
    fc.record({
      ttl_seconds: fc.integer({ min: 1, max: 3600 }),
      risk_level: fc.constantFrom(null, 'read', 'write'),
    }),
    fc.integer({ min: 1, max: 3600 }).map((s) => ({ expires_at: new Date(issuedMs + s * 1000) })),
  );
}

const validInput: fc.Arbitrary<Omit<TaskPacketInput, 'from_agent' | 'to_agent'>> = fc
  .record({
    intent: anyString,
    goal: fc.option(anyString, { nil: null }),
    task_type: fc.option(anyString, { nil: null }),
    context: jsonObject(),
    memory_refs: fc.array(anyString, { maxLength: 3 }),
    permissions: fc.record({
      allowed_actions: fc.array(anyString, { maxLength: 3 }),
      max_tool_calls: fc.option(fc.nat(), { nil: null }),
    }),
    constraints: fc.option(
      fc.record({
        max_runtime_seconds: fc.option(fc.nat(), { nil: null }),
        data_boundary: fc.option(anyString, { nil: null }),
        // true: the packet travels with a signed approval (see gate()).
        requires_human_review: fc.constantFrom(false, null, true),
      }),
      { nil: null },
    ),
    provenance: fc.option(
      fc.record({
        origin_workflow: fc.option(anyString, { nil: null }),
        // SPEC §10.2: when set, the chain's depth (a direct handoff: 1).
        delegation_depth: fc.constantFrom(null, 1),
      }),
      { nil: null },
    ),
    ai_provenance: fc.option(
      fc.tuple(jsonObject(), jsonValue()).map(([o, source]) => ({ ...o, source: source ?? 'llm' })),
      { nil: null },
    ),
    // Up to the default issuance skew (30 s) ahead of the gate's clock.
    aheadMs: fc.integer({ min: 0, max: 30_000 }),
  })
  .chain(({ aheadMs, ...rest }) =>
    lifetime(T0 + aheadMs).map((l) => ({ ...rest, ...l, issued_at: new Date(T0 + aheadMs) })),
  );

describe('issue functions produce only what their verifier accepts (issue 9.4)', () => {
  it('issueTaskPacket(identity, {to_agent, intent}) gets a finite default lifetime and is accepted (issue 9.4)', async () => {
    const packet = issueTaskPacket(
      sender,
      { to_agent: receiver.agentId, intent: 'summarize' },
      { now: () => T0 },
    );
    expect(packet.expires_at?.epochMillis).toBe(T0 + 900_000);
    expect([packet.risk_level, packet.ttl_seconds]).toEqual([null, null]);
    await expectAccepted(packet);
    // A gate that enforces the default TTL policy (strict mode) accepts it too.
    const registry = new MemoryAgentRegistry();
    await registry.register(sender.agentId, sender.publicKeyPem);
    const strictGate = new HandoffGate({
      agentId: receiver.agentId,
      registry,
      replayStore: new MemoryReplayStore({ now: () => T0 }),
      now: () => T0 + 899_000,
      env: {},
      enforceDefaultTtlPolicy: true,
    });
    expect((await strictGate.handle(createDelegationEnvelope(packet))).decision).toBe('ACCEPT');
  });

  it('random valid inputs → issueTaskPacket → a real gate ACCEPTs, as object and as both wire forms (property)', async () => {
    await fc.assert(
      fc.asyncProperty(validInput, async (input) => {
        const packet = issueTaskPacket(sender, { ...input, to_agent: receiver.agentId });
        await expectAccepted(packet);
      }),
      { numRuns: 120 },
    );
  });

  it('random task metadata → packetFromTask → a real gate ACCEPTs (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          risk_level: fc.constantFrom('read', 'write', 'unknown-level'),
          ttl_seconds: fc.option(fc.integer({ min: 1, max: 3600 }), { nil: null }),
          source: fc.option(anyString, { nil: null }),
        }),
        async ({ risk_level, ttl_seconds, source }) => {
          const task = signedTask(() => 'done', {
            risk_level,
            ttl_seconds,
            ai_provenance: source === null ? null : { source },
          });
          const packet = packetFromTask(
            task,
            sender,
            { to_agent: receiver.agentId, intent: 'run' },
            { now: () => T0 },
          );
          await expectAccepted(packet);
        },
      ),
      { numRuns: 40 },
    );
  });
});

describe('what no verifier could accept is never signed (issue 9.3)', () => {
  it('refuses to sign a packet with a lone-surrogate object key anywhere (issue 9.3)', () => {
    const draft = createTaskPacket({
      from_agent: sender.agentId,
      to_agent: receiver.agentId,
      intent: 'x',
      context: { fine: 'value with a lone \ud800 is fine', deep: [{ 'key\udc00': 1 }] },
    });
    let error: unknown;
    try {
      signPacket(draft, sender);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(CanonicalizationError);
    expect((error as CanonicalizationError).path).toBe('$.deep[0]["key\\udc00"]');
    // In ai_provenance too, and through issueTaskPacket.
    expect(() =>
      issueTaskPacket(sender, {
        to_agent: receiver.agentId,
        intent: 'x',
        ai_provenance: { source: 'llm', '\ud83d': 1 },
      }),
    ).toThrow(CanonicalizationError);
    // Lone surrogates in values are fine.
    expect(() =>
      issueTaskPacket(sender, { to_agent: receiver.agentId, intent: '\ud800', context: { a: '\udfff' } }),
    ).not.toThrow();
  });

  it('a gate refuses duplicate keys and lone-surrogate keys, as wire text and as objects (issue 9.3)', async () => {
    const packet = issueTaskPacket(sender, {
      to_agent: receiver.agentId,
      intent: 'pay',
      context: { amount: 10 },
    });
    const wire = serializeDelegationEnvelope(createDelegationEnvelope(packet), 'compact');
    expect(wire).toContain('"context":{"amount":10}');
    // The signed value first, an unsigned one after it: JSON.parse (and the reference) keep the last.
    const duplicated = wire.replace('"context":{"amount":10}', '"context":{"amount":10,"amount":1000000}');
    const surrogate = wire.replace('"context":{"amount":10}', '"context":{"amount\\ud800":10}');
    for (const text of [duplicated, surrogate]) {
      const decision = await (await gate()).middleware.handle(text);
      expect([decision.decision, decision.details?.['error']]).toEqual(['REJECT', 'ERR_AMBIGUOUS_JSON']);
    }
    // An object cannot hold a key twice; one with a lone-surrogate key has no signed bytes at all.
    const object = createDelegationEnvelope({ ...packet, context: { 'amount\ud800': 10 } });
    const decision = await (await gate()).middleware.handle(object);
    expect([decision.decision, decision.reason, decision.details?.['check']]).toEqual([
      'REJECT',
      'Invalid signature',
      'unencodable',
    ]);
  });

  it('refuses to sign a non-object ai_provenance (issue 9.3)', () => {
    for (const ai_provenance of ['llm', 1, true, ['llm'], { model: 'gpt' }, { source: null }]) {
      expect(() =>
        issueTaskPacket(sender, { to_agent: receiver.agentId, intent: 'x', ai_provenance }),
      ).toThrow(PayloadValidationError);
      // A draft built by hand is refused at signing too.
      const draft = {
        ...createTaskPacket({ from_agent: sender.agentId, to_agent: 'b', intent: 'x' }),
        ai_provenance,
      };
      expect(() => signPacket(draft, sender)).toThrow(PayloadValidationError);
    }
    expect(() =>
      issueTaskPacket(sender, { to_agent: receiver.agentId, intent: 'x', ai_provenance: { source: 'llm' } }),
    ).not.toThrow();
  });

  it('refuses naive timestamps and an expiry before issue, which every gate rejects (issue 9.4)', () => {
    const base = { to_agent: receiver.agentId, intent: 'x' };
    expect(() => issueTaskPacket(sender, { ...base, issued_at: '2026-03-08T12:00:00' })).toThrow(
      PayloadValidationError,
    );
    expect(() =>
      issueTaskPacket(sender, {
        ...base,
        issued_at: '2026-03-08T12:00:00Z',
        expires_at: '2026-03-08T12:10:00',
      }),
    ).toThrow(PayloadValidationError);
    expect(() =>
      issueTaskPacket(sender, {
        ...base,
        issued_at: '2026-03-08T12:00:00Z',
        expires_at: '2026-03-08T11:59:59Z',
      }),
    ).toThrow(PayloadValidationError);
  });
});
