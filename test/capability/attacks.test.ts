/**
 * Attacks on capabilities, each named after what it stops. Several of them succeed against the
 * reference (which skips signatures without a registry, signs widening derivations, checks expiry only
 * against the parent, and trusts any root).
 */
import { describe, expect, it } from 'vitest';
import {
  CapabilityDerivationError,
  EventHub,
  MemoryAgentRegistry,
  MemoryRevocationStore,
  PayloadValidationError,
  createCapability,
  CapabilityExecutor,
  parseCapabilityToken,
  deriveCapability,
  serializeCapabilityToken,
  issueCapability,
  issueTaskPacket,
  signCapability,
  validateCapabilityChain,
  type DelegationCapability,
} from '../support/api.js';
import {
  NOW_MS,
  at,
  clock,
  mallory,
  planner,
  researcher,
  rootCapability,
  threeLinkChain,
  verifierFor,
  writer,
} from './fixture.js';

// A port that records each capability_execution outcome into `outcomes`.
function outcomes(into: string[]): EventHub {
  return new EventHub({
    verifier: { agentId: 'agent:executor' },
    sinks: [
      {
        write: (e) => {
          if (e.event_type === 'capability_execution') into.push(e.outcome);
        },
      },
    ],
  });
}

function tamperToken(token: string, change: (json: Record<string, unknown>) => void): DelegationCapability {
  const json = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as Record<string, unknown>;
  change(json);
  return parseCapabilityToken(Buffer.from(JSON.stringify(json), 'utf8').toString('base64url'));
}

/** A child signed directly (no derivation checks), as a careless or malicious issuer would. */
function handSignedChild(
  parent: DelegationCapability,
  overrides: {
    allowed_actions?: string[];
    max_tool_calls?: number | null;
    expires_at?: string;
    issuer?: string;
  },
  signer = researcher,
): DelegationCapability {
  return signCapability(
    createCapability(
      {
        capability_id: 'cap-hand',
        issuer_agent: overrides.issuer ?? parent.subject_agent,
        subject_agent: writer.agentId,
        delegated_permissions: {
          allowed_actions: overrides.allowed_actions ?? ['read'],
          max_tool_calls: overrides.max_tool_calls === undefined ? 3 : overrides.max_tool_calls,
        },
        issued_at: '2026-03-08T12:05:00Z',
        expires_at: overrides.expires_at ?? '2026-03-08T12:30:00Z',
        parent_capability_id: parent.capability_id,
      },
      { now: clock },
    ),
    signer,
  );
}

async function reasonOf(
  chain: DelegationCapability[],
  options: Parameters<typeof verifierFor>[0] = {},
  presenter?: string,
) {
  const result = await verifierFor(options).verify(chain, presenter === undefined ? {} : { presenter });
  return result.ok ? 'valid' : result.reason;
}

describe('forged capability without a registry', () => {
  it('rejects a root signed by another key than the pinned trusted root (no registry)', async () => {
    const forged = issueCapability(
      mallory,
      {
        capability_id: 'cap-root',
        issuer_agent: planner.agentId,
        subject_agent: mallory.agentId,
        delegated_permissions: { allowed_actions: ['read', 'file_write'] },
        issued_at: '2026-03-08T12:00:00Z',
        expires_at: '2026-03-08T13:00:00Z',
      },
      { now: clock },
    );
    expect(await reasonOf([forged])).toBe('issuer_key_mismatch');
    // A root trusted by id only: the key must then derive the id (self-certifying), and it does not.
    expect(await reasonOf([forged], { trustedRoots: [planner.agentId] })).toBe('issuer_key_unbound');
  });

  it('rejects a root whose signature was kept while its actions were widened', async () => {
    const token = serializeCapabilityToken(rootCapability());
    const tampered = tamperToken(token, (json) => {
      (json['delegated_permissions'] as { allowed_actions: string[] }).allowed_actions.push(
        'delete_everything',
      );
    });
    expect(await reasonOf([tampered])).toBe('invalid_signature');
    expect(await reasonOf([tampered], { trustedRoots: [planner.agentId] })).toBe('invalid_signature');
  });

  it('rejects a child signed by an impostor claiming to be the parent subject', async () => {
    const root = rootCapability();
    const forgedChild = handSignedChild(root, {}, mallory);
    expect(forgedChild.issuer_agent).toBe(researcher.agentId);
    expect(await reasonOf([root, forgedChild])).toBe('issuer_key_unbound');
  });

  it('rejects a child whose signature bytes were replaced by garbage of the right length', async () => {
    const [root, child] = threeLinkChain();
    const broken = { ...child!, signature: Buffer.alloc(64, 7).toString('base64') };
    expect(await reasonOf([root!, broken])).toBe('invalid_signature');
    expect(await reasonOf([root!, { ...child!, signature: 'not base64!' }])).toBe('malformed_signature');
  });
});

describe('empty chain', () => {
  it('is invalid for the structural check and the verifier (the reference accepts it)', async () => {
    expect(validateCapabilityChain([])).toMatchObject({ ok: false, reason: 'empty_chain' });
    expect(await reasonOf([])).toBe('empty_chain');
  });

  it('runs nothing through the executor', async () => {
    const events: string[] = [];
    const executor = new CapabilityExecutor({
      trustedRoots: [planner],
      now: clock,
      env: {},
      events: outcomes(events),
    });
    let ran = false;
    const outcome = await executor.execute([], 'read', () => (ran = true));
    expect(outcome).toMatchObject({ ok: false, reason: 'no_capabilities' });
    expect(ran).toBe(false);
    expect(events).toEqual(['no_capabilities']);
  });
});

describe('widened child', () => {
  const root = rootCapability();
  const cases = [
    {
      name: 'an action the parent does not have',
      input: { allowed_actions: ['read', 'execute_shell'] },
      reason: 'actions_widened',
    },
    { name: 'a larger tool budget', input: { max_tool_calls: 11 }, reason: 'budget_widened' },
    {
      name: 'an unlimited budget under a limited parent',
      input: { max_tool_calls: null },
      reason: 'budget_unlimited_under_limited',
    },
  ] as const;

  for (const c of cases) {
    it(`derivation refuses to sign ${c.name}`, () => {
      const attempt = () =>
        deriveCapability(
          root,
          researcher,
          {
            subject_agent: writer.agentId,
            delegated_permissions: {
              allowed_actions: 'allowed_actions' in c.input ? [...c.input.allowed_actions] : ['read'],
              max_tool_calls: 'max_tool_calls' in c.input ? c.input.max_tool_calls : 3,
            },
          },
          { now: clock },
        );
      expect(attempt).toThrow(CapabilityDerivationError);
      try {
        attempt();
      } catch (error) {
        expect(error).toMatchObject({ code: 'ERR_CAPABILITY_DERIVATION', reason: c.reason });
      }
    });

    it(`the verifier rejects a hand-signed child with ${c.name}`, async () => {
      const child = handSignedChild(root, {
        ...('allowed_actions' in c.input ? { allowed_actions: [...c.input.allowed_actions] } : {}),
        ...('max_tool_calls' in c.input ? { max_tool_calls: c.input.max_tool_calls } : {}),
      });
      expect(await reasonOf([root, child])).toBe(c.reason);
      expect(validateCapabilityChain([root, child])).toMatchObject({
        ok: false,
        reason: c.reason,
        details: { index: 1 },
      });
    });
  }

  it('derivation refuses to loosen the parent constraints', () => {
    const constrained = issueCapability(
      planner,
      {
        subject_agent: researcher.agentId,
        delegated_permissions: { allowed_actions: ['read'] },
        constraints: { max_runtime_seconds: 60, data_boundary: 'eu', requires_human_review: true },
        expires_at: '2026-03-08T13:00:00Z',
      },
      { now: clock },
    );
    for (const constraints of [
      null,
      { max_runtime_seconds: 61, data_boundary: 'eu', requires_human_review: true },
      { max_runtime_seconds: 60, data_boundary: 'us', requires_human_review: true },
      { max_runtime_seconds: 60, data_boundary: 'eu', requires_human_review: false },
    ]) {
      expect(() =>
        deriveCapability(
          constrained,
          researcher,
          { subject_agent: writer.agentId, constraints },
          { now: clock },
        ),
      ).toThrow(expect.objectContaining({ reason: 'constraints_widened' }));
    }
    const inherited = deriveCapability(
      constrained,
      researcher,
      { subject_agent: writer.agentId },
      { now: clock },
    );
    expect(inherited.constraints).toEqual(constrained.constraints);
  });
});

describe('child outliving its parent', () => {
  const root = rootCapability();
  it('derivation refuses an expiry after the parent', () => {
    expect(() =>
      deriveCapability(
        root,
        researcher,
        { subject_agent: writer.agentId, expires_at: '2026-03-08T13:00:00.000001Z' },
        { now: clock },
      ),
    ).toThrow(expect.objectContaining({ code: 'ERR_CAPABILITY_DERIVATION', reason: 'outlives_parent' }));
  });

  it('the verifier rejects a hand-signed child that outlives its parent', async () => {
    expect(await reasonOf([root, handSignedChild(root, { expires_at: '2026-03-08T14:00:00Z' })])).toBe(
      'outlives_parent',
    );
  });

  it('the same instant in another offset is not outliving', async () => {
    const child = handSignedChild(root, { expires_at: '2026-03-08T14:00:00+01:00' });
    expect(await reasonOf([root, child])).toBe('valid');
  });
});

describe('expired capability, checked against the clock (not only against its parent)', () => {
  it('rejects a consistent chain whose links have all expired', async () => {
    const chain = threeLinkChain();
    // Structurally fine: every child expires before its parent.
    expect(validateCapabilityChain(chain).ok).toBe(true);
    const later = at('2026-03-08T13:00:01Z').epochMillis;
    expect(await reasonOf(chain, { now: () => later })).toBe('expired');
  });

  it('rejects a leaf that expired while its parents are still valid', async () => {
    const chain = threeLinkChain(); // the grandchild expires at 12:30, the child at 12:45
    const result = await verifierFor({ now: () => at('2026-03-08T12:31:00Z').epochMillis }).verify(chain);
    expect(result).toMatchObject({
      ok: false,
      reason: 'expired',
      details: { index: 2, capability_id: 'cap-grandchild' },
    });
  });

  it('accepts the last instant and honours a configured grace', async () => {
    const chain = threeLinkChain();
    expect(await reasonOf(chain, { now: () => at('2026-03-08T12:30:00Z').epochMillis })).toBe('valid');
    const justAfter = at('2026-03-08T12:30:05Z').epochMillis;
    expect(await reasonOf(chain, { now: () => justAfter })).toBe('expired');
    expect(await reasonOf(chain, { now: () => justAfter, expiryGraceSeconds: 10 })).toBe('valid');
  });

  it('rejects a capability issued in the future beyond the skew', async () => {
    const future = rootCapability({ issued_at: '2026-03-08T12:10:31Z' });
    expect(await reasonOf([future])).toBe('issued_in_future');
    expect(await reasonOf([rootCapability({ issued_at: '2026-03-08T12:10:29Z' })])).toBe('valid');
  });

  it('derivation refuses to derive from an expired parent', () => {
    const root = rootCapability();
    expect(() =>
      deriveCapability(
        root,
        researcher,
        { subject_agent: writer.agentId },
        { now: () => NOW_MS + 3_600_000 },
      ),
    ).toThrow(expect.objectContaining({ reason: 'parent_expired' }));
  });
});

describe('root not issued by a trusted root', () => {
  it('rejects a chain starting at a capability the researcher issued to itself', async () => {
    const selfIssued = issueCapability(
      researcher,
      {
        subject_agent: writer.agentId,
        delegated_permissions: { allowed_actions: ['read'] },
        issued_at: '2026-03-08T12:00:00Z',
        expires_at: '2026-03-08T13:00:00Z',
      },
      { now: clock },
    );
    expect(await reasonOf([selfIssued])).toBe('untrusted_root');
  });

  it('rejects a chain that starts in the middle (its first link has a parent)', async () => {
    const [, child, grandchild] = threeLinkChain();
    expect(await reasonOf([child!, grandchild!], { trustedRoots: [planner, researcher] })).toBe(
      'root_has_parent',
    );
  });

  it('a verifier cannot be built without a trusted root', () => {
    expect(() => verifierFor({ trustedRoots: [] })).toThrow(
      expect.objectContaining({ code: 'ERR_CONFIGURATION' }),
    );
    expect(() => verifierFor({ trustedRoots: [{ agentId: planner.agentId, publicKeyPem: 'nope' }] })).toThrow(
      expect.objectContaining({ code: 'ERR_CONFIGURATION' }),
    );
  });
});

describe('wrong issuer', () => {
  it('derivation refuses when the deriving agent is not the parent subject', () => {
    const root = rootCapability();
    expect(() => deriveCapability(root, writer, { subject_agent: writer.agentId }, { now: clock })).toThrow(
      expect.objectContaining({ code: 'ERR_CAPABILITY_DERIVATION', reason: 'issuer_not_parent_subject' }),
    );
  });

  it('derivation refuses a wrong parent link', () => {
    const root = rootCapability();
    for (const link of ['cap-other', null]) {
      expect(() =>
        deriveCapability(
          root,
          researcher,
          { subject_agent: writer.agentId, parent_capability_id: link },
          { now: clock },
        ),
      ).toThrow(expect.objectContaining({ reason: 'parent_link_mismatch' }));
    }
  });

  it('the verifier rejects a child issued by someone else than the parent subject, even with a valid signature', async () => {
    const root = rootCapability();
    const child = handSignedChild(root, { issuer: writer.agentId }, writer);
    expect(await reasonOf([root, child])).toBe('issuer_not_parent_subject');
  });

  it('the derived child carries the deriving agent key, not the parent key', () => {
    const [root, child] = threeLinkChain();
    expect(child!.public_key).toBe(researcher.publicKeyPem);
    expect(child!.public_key).not.toBe(root!.public_key);
  });

  it('with a registry: unregistered, revoked or rebound issuers are rejected', async () => {
    const chain = threeLinkChain();
    const registry = new MemoryAgentRegistry();
    await registry.register(planner.agentId, planner.publicKeyPem);
    await registry.register(researcher.agentId, researcher.publicKeyPem);
    expect(await reasonOf(chain, { registry })).toBe('issuer_not_registered');
    await registry.register(writer.agentId, writer.publicKeyPem);
    expect(await reasonOf(chain, { registry })).toBe('valid');
    await registry.register(researcher.agentId, mallory.publicKeyPem);
    expect(await reasonOf(chain, { registry })).toBe('issuer_key_mismatch');
    await registry.register(researcher.agentId, researcher.publicKeyPem);
    await registry.revoke(writer.agentId);
    expect(await reasonOf(chain, { registry })).toBe('issuer_revoked');
  });

  it('a registry that fails makes the chain invalid (fail closed)', async () => {
    const registry = new MemoryAgentRegistry();
    registry.resolve = () => Promise.reject(new Error('down'));
    expect(await reasonOf(threeLinkChain(), { registry })).toBe('registry_unavailable');
  });
});

describe('capability carried in a packet by an agent that is not its subject', () => {
  const root = rootCapability(); // subject: researcher
  const executor = new CapabilityExecutor({ trustedRoots: [planner], now: clock, env: {} });

  it('rejects a stolen token in the thief’s own, validly signed packet', async () => {
    const packet = issueTaskPacket(mallory, {
      to_agent: writer.agentId,
      intent: 'read',
      capability_token: serializeCapabilityToken(root),
    });
    let ran = false;
    const outcome = await executor.executePacket(packet, () => (ran = true));
    expect(outcome).toEqual({
      ok: false,
      reason: 'capability_chain_invalid',
      details: { detail: 'subject_mismatch', index: 0, capability_id: 'cap-root' },
    });
    expect(ran).toBe(false);
  });

  it('rejects a stolen token in a packet that claims to come from the subject but is signed by the thief', async () => {
    const packet = issueTaskPacket(mallory, {
      from_agent: researcher.agentId,
      to_agent: writer.agentId,
      intent: 'read',
      capability_token: serializeCapabilityToken(root),
    });
    expect(await executor.executePacket(packet, () => 1)).toMatchObject({
      ok: false,
      details: { detail: 'sender_key_unbound' },
    });
    const registry = new MemoryAgentRegistry();
    await registry.register(researcher.agentId, researcher.publicKeyPem);
    const withRegistry = new CapabilityExecutor({ trustedRoots: [planner], now: clock, env: {}, registry });
    expect(await withRegistry.executePacket(packet, () => 1)).toMatchObject({
      ok: false,
      details: { detail: 'sender_key_unbound' },
    });
  });

  it('rejects a packet whose signature does not match its content', async () => {
    const packet = issueTaskPacket(researcher, {
      to_agent: writer.agentId,
      intent: 'read',
      capability_token: serializeCapabilityToken(root),
    });
    const altered = { ...packet, intent: 'file_write' };
    expect(await executor.executePacket(altered, () => 1)).toMatchObject({
      ok: false,
      details: { detail: 'packet_signature_invalid' },
    });
  });

  it('accepts the subject’s own packet, with the intent as the action', async () => {
    const packet = issueTaskPacket(researcher, {
      to_agent: writer.agentId,
      intent: 'read',
      capability_token: serializeCapabilityToken(root),
    });
    expect(await executor.executePacket(packet, () => 'done')).toEqual({
      ok: true,
      result: 'done',
    });
    const notAllowed = issueTaskPacket(researcher, {
      to_agent: writer.agentId,
      intent: 'deploy',
      capability_token: serializeCapabilityToken(root),
    });
    expect(await executor.executePacket(notAllowed, () => 'done')).toMatchObject({
      ok: false,
      reason: 'action_not_authorized',
      details: { detail: 'action_not_allowed' },
    });
  });

  it('a derived token needs its ancestors, which are verified too', async () => {
    const [chainRoot, child] = threeLinkChain();
    const packet = issueTaskPacket(writer, {
      to_agent: 'agent:summarizer',
      intent: 'search',
      capability_token: serializeCapabilityToken(child!),
    });
    expect(await executor.executePacket(packet, () => 1)).toMatchObject({
      ok: false,
      details: { detail: 'root_has_parent' },
    });
    expect(await executor.executePacket(packet, () => 1, { ancestors: [chainRoot!] })).toEqual({
      ok: true,
      result: 1,
    });
    const forgedAncestor = { ...chainRoot!, subject_agent: writer.agentId };
    expect(await executor.executePacket(packet, () => 1, { ancestors: [forgedAncestor] })).toMatchObject({
      ok: false,
    });
  });
});

describe('the chain verdict', () => {
  it('carries a frozen copy of the verified chain: changing the caller’s array afterwards changes nothing', async () => {
    const chain = threeLinkChain();
    const verdict = await verifierFor().verify(chain);
    if (!verdict.ok) throw new Error(verdict.reason);
    expect(Object.isFrozen(verdict)).toBe(true);
    expect(Object.isFrozen(verdict.chain)).toBe(true);
    expect(verdict.chain).not.toBe(chain);
    expect(verdict.leaf).toBe(chain[2]);
    chain.pop();
    expect(verdict.chain).toHaveLength(3);
  });

  it('reads the links once, before any store answers: a swap during the lookups is not what gets verified', async () => {
    const chain = threeLinkChain();
    const [root] = chain;
    const registry = new MemoryAgentRegistry();
    for (const agent of [planner, researcher, writer])
      await registry.register(agent.agentId, agent.publicKeyPem);
    const pending = verifierFor({ registry }).verify(chain);
    chain[0] = { ...root!, subject_agent: mallory.agentId }; // after the call, while stores are asked
    const verdict = await pending;
    expect(verdict).toMatchObject({ ok: true, leaf: { capability_id: 'cap-grandchild' } });
    if (verdict.ok) expect(verdict.chain[0]).toBe(root);
  });
});

describe('revoked link in the middle of a chain', () => {
  it('rejects the chain and names the revoked link', async () => {
    const chain = threeLinkChain();
    const revocations = new MemoryRevocationStore();
    expect(await reasonOf(chain, { revocationStore: revocations })).toBe('valid');
    await revocations.revoke('cap-child');
    expect(await verifierFor({ revocationStore: revocations }).verify(chain)).toMatchObject({
      ok: false,
      reason: 'revoked',
      details: { index: 1, capability_id: 'cap-child' },
    });
  });

  it('a failing revocation store makes the chain invalid (fail closed)', async () => {
    const revocations = new MemoryRevocationStore();
    revocations.isRevoked = () => Promise.reject(new Error('down'));
    expect(await reasonOf(threeLinkChain(), { revocationStore: revocations })).toBe(
      'revocation_store_unavailable',
    );
  });
});

describe('tool budget exhausted', () => {
  it('refuses the call that would exceed max_tool_calls and never runs it', async () => {
    const chain = threeLinkChain().slice(0, 2); // leaf budget 5
    const events: string[] = [];
    const executor = new CapabilityExecutor({
      trustedRoots: [planner],
      now: clock,
      env: {},
      events: outcomes(events),
    });
    let runs = 0;
    expect(
      await executor.execute(chain, 'read', () => ++runs, {
        toolCallsUsed: 4,
        presenter: writer.agentId,
      }),
    ).toEqual({
      ok: true,
      result: 1,
    });
    expect(
      await executor.execute(chain, 'read', () => ++runs, {
        toolCallsUsed: 5,
        presenter: writer.agentId,
      }),
    ).toEqual({
      ok: false,
      reason: 'action_not_authorized',
      details: { detail: 'tool_budget_exhausted' },
    });
    expect(await executor.execute(chain, 'read', () => ++runs, { toolCallsUsed: -1 })).toMatchObject({
      details: { detail: 'invalid_tool_calls_used' },
    });
    expect(runs).toBe(1);
    expect(events).toEqual(['execution_allowed', 'action_not_authorized', 'action_not_authorized']);
  });

  it('a zero budget authorizes nothing', async () => {
    const root = rootCapability({ max_tool_calls: 0 });
    const executor = new CapabilityExecutor({ trustedRoots: [planner], now: clock, env: {} });
    expect(await executor.execute([root], 'read', () => 1)).toMatchObject({
      details: { detail: 'tool_budget_exhausted' },
    });
  });
});

describe('garbage token bytes', () => {
  const good = serializeCapabilityToken(rootCapability());
  const garbage: [string, unknown][] = [
    ['empty', ''],
    ['not base64url', 'e30=!'],
    ['padding', `${good}==`],
    ['standard alphabet', good.replace(/-/g, '+').replace(/_/g, '/') + '+/'],
    ['non-canonical trailing bits', 'e31'],
    ['random bytes', Buffer.from([0xff, 0xfe, 0x00, 0x81, 0x22]).toString('base64url')],
    ['JSON that is not an object', Buffer.from('[1,2,3]').toString('base64url')],
    ['an object missing fields', Buffer.from('{"capability_id":"x"}').toString('base64url')],
    [
      'a wrong type',
      Buffer.from(
        JSON.stringify({ ...JSON.parse(Buffer.from(good, 'base64url').toString()), issued_at: 5 }),
      ).toString('base64url'),
    ],
    [
      'an unknown field',
      Buffer.from(
        JSON.stringify({ ...JSON.parse(Buffer.from(good, 'base64url').toString()), admin: true }),
      ).toString('base64url'),
    ],
    [
      'a huge budget',
      Buffer.from(
        Buffer.from(good, 'base64url')
          .toString()
          .replace('"max_tool_calls":10', '"max_tool_calls":123456789012345678901234567890'),
      ).toString('base64url'),
    ],
    ['deep nesting', Buffer.from('['.repeat(10_000)).toString('base64url')],
    ['too long', 'A'.repeat(1 << 20)],
    ['not a string', 42],
  ];
  for (const [name, token] of garbage) {
    it(`${name} → PayloadValidationError`, () => {
      expect(() => parseCapabilityToken(token as string)).toThrow(PayloadValidationError);
      try {
        parseCapabilityToken(token as string);
      } catch (error) {
        expect(error).toMatchObject({ code: 'ERR_PAYLOAD_VALIDATION' });
      }
    });
  }

  it('a packet with a garbage token is refused with a reason, not a crash', async () => {
    const packet = issueTaskPacket(researcher, {
      to_agent: writer.agentId,
      intent: 'read',
      capability_token: '%%%garbage%%%',
    });
    const executor = new CapabilityExecutor({ trustedRoots: [planner], now: clock, env: {} });
    expect(await executor.executePacket(packet, () => 1)).toEqual({
      ok: false,
      reason: 'capability_chain_invalid',
      details: { detail: 'malformed_token' },
    });
  });

  it('a hand-built chain with wrong field types is refused with a reason', async () => {
    const root = rootCapability();
    expect(
      await verifierFor().verify([{ ...root, issued_at: '2026' } as unknown as DelegationCapability]),
    ).toMatchObject({ reason: 'malformed_chain' });
    expect(await verifierFor().verify('nope' as unknown as DelegationCapability[])).toMatchObject({
      reason: 'malformed_chain',
    });
    expect(await verifierFor().verify([null as unknown as DelegationCapability])).toMatchObject({
      reason: 'malformed_chain',
    });
  });
});
