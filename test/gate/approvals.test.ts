/** Signed human approvals: forged, misbound, expired or insufficient approvals never pass review. */
import { describe, expect, it } from 'vitest';
import {
  AgentIdentity,
  MemoryAgentRegistry,
  attachApprovals,
  ApprovalVerifier,
  createDelegationEnvelope,
  HandoffGate,
  issueApproval,
  MemoryReplayStore,
  parseDelegationEnvelope,
  serializeDelegationEnvelope,
  type HumanApprovalCheck,
  type SignedApproval,
} from '../support/api.js';
import { Clock, fixture, mallory, sender } from './support.js';

const alice = AgentIdentity.generate();
const bob = AgentIdentity.generate();
const carol = AgentIdentity.generate();

async function approvalFixture(required = 1) {
  const approvers = new MemoryAgentRegistry();
  await approvers.register('human:alice', alice.publicKeyPem);
  await approvers.register('human:bob', bob.publicKeyPem);
  await approvers.register('human:carol', carol.publicKeyPem);
  const base = await fixture();
  const f = await fixture({
    humanApproval: new ApprovalVerifier({ approvers, required, now: base.clock.now }),
    now: base.clock.now,
  });
  const review = { constraints: { requires_human_review: true } };
  const approve = (packet: ReturnType<typeof f.packet>, who: AgentIdentity, id: string, extra = {}) =>
    issueApproval(packet, who, { approverId: id, now: base.clock.now, ...extra });
  return { f, approvers, review, approve, clock: base.clock };
}

describe('forged human approval', () => {
  it('rejects a packet that requires review and carries no approval', async () => {
    const { f, review } = await approvalFixture();
    expect((await f.gate.handle(createDelegationEnvelope(f.packet(review)))).reason).toBe(
      'human_review_required',
    );
  });

  it('accepts a packet with a valid approval, also through the wire', async () => {
    const { f, review, approve } = await approvalFixture();
    const p = f.packet(review);
    const envelope = attachApprovals(createDelegationEnvelope(p), [approve(p, alice, 'human:alice')]);
    const wire = serializeDelegationEnvelope(envelope);
    // The reference (and parseDelegationEnvelope) ignore the extra envelope field.
    expect(parseDelegationEnvelope(wire).packet.packet_id).toBe(p.packet_id);
    expect((await f.gate.handle(wire)).decision).toBe('ACCEPT');
  });

  it('ignores the legacy context.human_approval flag unless explicitly enabled', async () => {
    const { f, review } = await approvalFixture();
    const p = f.packet({ ...review, context: { human_approval: true } });
    expect((await f.gate.handle(createDelegationEnvelope(p))).reason).toBe('human_review_required');
    const legacy = await fixture({ insecureLegacyContextHumanApproval: true });
    expect(
      (
        await legacy.gate.handle(
          createDelegationEnvelope(legacy.packet({ ...review, context: { human_approval: true } })),
        )
      ).decision,
    ).toBe('ACCEPT');
  });

  it('rejects an approval signed by a key that is not a registered approver', async () => {
    const { f, review, approve } = await approvalFixture();
    const p = f.packet(review);
    // Mallory claims to be alice: signature by the wrong key.
    const forged = approve(p, mallory, 'human:alice');
    expect((await f.gate.handle(attachApprovals(createDelegationEnvelope(p), [forged]))).reason).toBe(
      'human_review_required',
    );
    const unknown = approve(p, mallory, 'human:mallory');
    expect((await f.gate.handle(attachApprovals(createDelegationEnvelope(p), [unknown]))).reason).toBe(
      'human_review_required',
    );
  });

  it('rejects an approval for another packet, or for this packet id with different content', async () => {
    const { f, review, approve } = await approvalFixture();
    const p = f.packet(review);
    const other = f.packet(review);
    const forOther = approve(other, alice, 'human:alice');
    expect((await f.gate.handle(attachApprovals(createDelegationEnvelope(p), [forOther]))).reason).toBe(
      'human_review_required',
    );
    // Same packet id, different intent: the digest binds the approval to the signed content.
    const twin = f.packet({ ...review, packet_id: p.packet_id, intent: 'delete everything' });
    const forTwin = approve(twin, alice, 'human:alice');
    expect((await f.gate.handle(attachApprovals(createDelegationEnvelope(p), [forTwin]))).reason).toBe(
      'human_review_required',
    );
  });

  it('rejects a tampered approval, an expired one, one from the future and a revoked approver', async () => {
    const { f, review, approve, approvers, clock } = await approvalFixture();
    const p = f.packet(review);
    const good = approve(p, alice, 'human:alice');
    const tampered: SignedApproval = { ...good, approver_agent: 'human:bob' };
    expect((await f.gate.handle(attachApprovals(createDelegationEnvelope(p), [tampered]))).reason).toBe(
      'human_review_required',
    );
    const shortLived = approve(p, alice, 'human:alice', { ttlSeconds: 10 });
    clock.advance(11);
    expect((await f.gate.handle(attachApprovals(createDelegationEnvelope(p), [shortLived]))).reason).toBe(
      'human_review_required',
    );
    const future = approve(p, alice, 'human:alice', { now: () => clock.ms + 3_600_000, ttlSeconds: 60 });
    expect((await f.gate.handle(attachApprovals(createDelegationEnvelope(p), [future]))).reason).toBe(
      'human_review_required',
    );
    await approvers.revoke('human:alice');
    const fresh = approve(p, alice, 'human:alice');
    expect((await f.gate.handle(attachApprovals(createDelegationEnvelope(p), [fresh]))).reason).toBe(
      'human_review_required',
    );
  });

  it('does not count the packet’s own sender as its approver', async () => {
    const { f, review, approvers, approve } = await approvalFixture();
    await approvers.register(sender.agentId, sender.publicKeyPem);
    const p = f.packet(review);
    const self = approve(p, sender, sender.agentId);
    expect((await f.gate.handle(attachApprovals(createDelegationEnvelope(p), [self]))).reason).toBe(
      'human_review_required',
    );
  });

  it('ignores malformed approval objects', async () => {
    const { f, review } = await approvalFixture();
    const p = f.packet(review);
    const junk = [
      null,
      1,
      'approved',
      [],
      {},
      { decision: 'approved' },
      { ...issueApproval(p, alice), extra: 1 },
    ];
    const decision = await f.gate.handle({ ...createDelegationEnvelope(p), approvals: junk });
    expect(decision.reason).toBe('human_review_required');
  });
});

describe('M-of-N approvals', () => {
  it('needs M distinct approver keys; the same approver twice counts once', async () => {
    const { f, review, approve } = await approvalFixture(2);
    const p = f.packet(review);
    const a1 = approve(p, alice, 'human:alice');
    const a2 = approve(p, alice, 'human:alice');
    expect((await f.gate.handle(attachApprovals(createDelegationEnvelope(p), [a1, a2]))).reason).toBe(
      'human_review_required',
    );
    const b = approve(p, bob, 'human:bob');
    expect((await f.gate.handle(attachApprovals(createDelegationEnvelope(p), [a1, b]))).decision).toBe(
      'ACCEPT',
    );
  });

  it('lets one valid denial veto', async () => {
    const { f, review, approve } = await approvalFixture(2);
    const p = f.packet(review);
    const approvals = [
      approve(p, alice, 'human:alice'),
      approve(p, bob, 'human:bob'),
      approve(p, carol, 'human:carol', { decision: 'denied' }),
    ];
    expect((await f.gate.handle(attachApprovals(createDelegationEnvelope(p), approvals))).reason).toBe(
      'human_review_required',
    );
  });

  it('fails closed when the approver registry is down', async () => {
    const down = {
      register: () => Promise.reject(new Error('down')),
      resolve: () => Promise.reject(new Error('down')),
      isRegistered: () => Promise.reject(new Error('down')),
      revoke: () => Promise.reject(new Error('down')),
      isRevoked: () => Promise.reject(new Error('down')),
    };
    const clock = new Clock();
    const f = await fixture({
      humanApproval: new ApprovalVerifier({ approvers: down, now: clock.now }),
      now: clock.now,
    });
    const p = f.packet({ constraints: { requires_human_review: true } });
    const envelope = attachApprovals(createDelegationEnvelope(p), [
      issueApproval(p, alice, { approverId: 'human:alice', now: f.clock.now }),
    ]);
    expect((await f.gate.handle(envelope)).reason).toBe('approval_check_unavailable');
  });

  it('refuses nonsensical configurations at construction', () => {
    const approvers = new MemoryAgentRegistry();
    expect(() => new ApprovalVerifier({ approvers, required: 0 })).toThrow(
      expect.objectContaining({ code: 'ERR_CONFIGURATION' }),
    );
    expect(() => new ApprovalVerifier({} as never)).toThrow(
      expect.objectContaining({ code: 'ERR_CONFIGURATION' }),
    );
  });
});

describe('approvals count keys, never the sender’s (issue 9.6)', () => {
  it('one key registered under two approver ids counts once', async () => {
    const { f, review, approvers, approve } = await approvalFixture(2);
    await approvers.register('human:alice-again', alice.publicKeyPem);
    const p = f.packet(review);
    const twice = [approve(p, alice, 'human:alice'), approve(p, alice, 'human:alice-again')];
    expect((await f.gate.handle(attachApprovals(createDelegationEnvelope(p), twice))).reason).toBe(
      'human_review_required',
    );
    // A second key makes two.
    const withBob = [...twice, approve(p, bob, 'human:bob')];
    expect((await f.gate.handle(attachApprovals(createDelegationEnvelope(p), withBob))).decision).toBe(
      'ACCEPT',
    );
  });

  it('the sender’s own key registered as an approver under another id approves nothing', async () => {
    const { f, review, approvers, approve } = await approvalFixture();
    await approvers.register('human:sender-in-disguise', sender.publicKeyPem);
    const p = f.packet(review);
    const self = approve(p, sender, 'human:sender-in-disguise');
    expect((await f.gate.handle(attachApprovals(createDelegationEnvelope(p), [self]))).reason).toBe(
      'human_review_required',
    );
    // The same approval counts for a packet someone else sent (the key is refused only as its own sender's).
    const q = f.packet(review, mallory);
    const forMallory = approve(q, sender, 'human:sender-in-disguise');
    expect((await f.gate.handle(attachApprovals(createDelegationEnvelope(q), [forMallory]))).decision).toBe(
      'ACCEPT',
    );
  });

  it('the sender’s key does not make up the numbers of M of N either', async () => {
    const { f, review, approvers, approve } = await approvalFixture(2);
    await approvers.register('human:sender-in-disguise', sender.publicKeyPem);
    const p = f.packet(review);
    const approvals = [approve(p, alice, 'human:alice'), approve(p, sender, 'human:sender-in-disguise')];
    expect((await f.gate.handle(attachApprovals(createDelegationEnvelope(p), approvals))).reason).toBe(
      'human_review_required',
    );
  });
});

describe('ApprovalVerifier', () => {
  it('check(packet, context) answers on its own, as the validator hook does', async () => {
    const approvers = new MemoryAgentRegistry();
    await approvers.register('human:alice', alice.publicKeyPem);
    const clock = new Clock();
    const verifier = new ApprovalVerifier({ approvers, now: clock.now });
    const f = await fixture();
    const p = f.packet({ constraints: { requires_human_review: true } });
    const approval = issueApproval(p, alice, { approverId: 'human:alice', now: clock.now });
    expect(await verifier.check(p, { approvals: [approval] })).toBe(true);
    expect(await verifier.check(p, {})).toBe(false);
  });

  it('the gate takes a verifier or a plain check function, and refuses anything else', async () => {
    const review = { constraints: { requires_human_review: true } };
    const calls: unknown[] = [];
    const plain: HumanApprovalCheck = (_packet, context) => {
      calls.push(context.approvals);
      return true;
    };
    const f = await fixture({ humanApproval: plain });
    expect((await f.gate.handle(createDelegationEnvelope(f.packet(review)))).decision).toBe('ACCEPT');
    expect(calls).toHaveLength(1);
    for (const bad of [{}, { check: 1 }, 'yes', null]) {
      expect(
        () =>
          new HandoffGate({
            agentId: 'agent:b',
            registry: new MemoryAgentRegistry(),
            replayStore: new MemoryReplayStore(),
            humanApproval: bad as never,
          }),
      ).toThrow(expect.objectContaining({ code: 'ERR_CONFIGURATION' }));
    }
  });

  it('issuanceSkewSeconds and maxLifetimeSeconds bound an approval’s time window', async () => {
    const approvers = new MemoryAgentRegistry();
    await approvers.register('human:alice', alice.publicKeyPem);
    const base = await fixture();
    const clock = base.clock;
    const p = base.packet({ constraints: { requires_human_review: true } });
    const early = issueApproval(p, alice, { approverId: 'human:alice', now: () => clock.ms + 60_000 });
    const tolerant = new ApprovalVerifier({ approvers, now: clock.now, issuanceSkewSeconds: 120 });
    const strict = new ApprovalVerifier({ approvers, now: clock.now, issuanceSkewSeconds: 30 });
    expect(await tolerant.check(p, { approvals: [early] })).toBe(true);
    expect(await strict.check(p, { approvals: [early] })).toBe(false);
    const long = issueApproval(p, alice, { approverId: 'human:alice', now: clock.now, ttlSeconds: 7200 });
    expect(await new ApprovalVerifier({ approvers, now: clock.now }).check(p, { approvals: [long] })).toBe(
      true,
    );
    const capped = new ApprovalVerifier({ approvers, now: clock.now, maxLifetimeSeconds: 3600 });
    expect(await capped.check(p, { approvals: [long] })).toBe(false);
  });
});

describe('serializeDelegationEnvelope with approvals', () => {
  it('writes approvals (and a capability chain) beside the reference layout, and nothing when empty', async () => {
    const { f, review, approve } = await approvalFixture();
    const p = f.packet(review);
    const plain = serializeDelegationEnvelope(createDelegationEnvelope(p));
    expect(serializeDelegationEnvelope(attachApprovals(createDelegationEnvelope(p), []))).toBe(plain);
    const approval = approve(p, alice, 'human:alice');
    const wire = serializeDelegationEnvelope(attachApprovals(createDelegationEnvelope(p), [approval]));
    expect(wire.startsWith('{"approvals": [{"approval_id": ')).toBe(true);
    expect(wire.endsWith(plain.slice(1))).toBe(true);
    expect((JSON.parse(wire) as { approvals: unknown }).approvals).toEqual([approval]);
    const compact = serializeDelegationEnvelope(
      attachApprovals(createDelegationEnvelope(p), [approval]),
      'compact',
    );
    expect(compact.startsWith('{"approvals":[{"approval_id":')).toBe(true);
    expect(
      compact.endsWith(serializeDelegationEnvelope(createDelegationEnvelope(p), 'compact').slice(1)),
    ).toBe(true);
    expect((await f.gate.handle(compact)).decision).toBe('ACCEPT');
  });
});
