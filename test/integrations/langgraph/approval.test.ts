/**
 * A receiving node that needs a human: the packet requires review, so the node pauses on
 * `interrupt()` with the envelope to approve; `Command({ resume: signedApproval })` resumes it only
 * when the gate's `ApprovalVerifier` accepts the approval. Unsigned, forged and wrong-approver
 * approvals are refused (the node asks again, then gives up) and the body never runs.
 */
import { Annotation, Command, MemorySaver, START, StateGraph } from '@langchain/langgraph';
import { describe, expect, it } from 'vitest';
import {
  APPROVAL_REQUEST_TYPE,
  handoffChannel,
  issueToolCallEnvelope,
  verifiedNode,
  verifyHandoffResult,
  type ApprovalRequest,
  type HandoffSlot,
} from '../../../src/integrations/langgraph/index.js';
import {
  AgentIdentity,
  ApprovalVerifier,
  MemoryAgentRegistry,
  issueApproval,
  parseDelegationEnvelope,
  type SignedApproval,
} from '../../support/api.js';
import { parties } from './fixtures.js';

const alice = AgentIdentity.generate(); // a registered approver
const mallory = AgentIdentity.generate(); // not an approver

async function setup(attempts = 3) {
  const approvers = new MemoryAgentRegistry();
  await approvers.register('human:alice', alice.publicKeyPem);
  const p = await parties(new ApprovalVerifier({ approvers }));
  const runs: string[] = [];
  const State = Annotation.Root({ trusthandoff: handoffChannel() });
  const graph = new StateGraph(State)
    .addNode(
      'payments',
      verifiedNode(
        p.gate,
        'payments',
        (args: { amount: number }) => {
          runs.push(`paid ${args.amount}`);
          return { paid: args.amount };
        },
        { identity: p.receiver, approval: { attempts } },
      ),
    )
    .addEdge(START, 'payments')
    .compile({ checkpointer: new MemorySaver() });
  const call = { name: 'payments', arguments: { amount: 1200 } };
  const minted = issueToolCallEnvelope(p.caller, call, {
    audience: p.receiver.agentId,
    constraints: { requires_human_review: true },
  });
  const slot: HandoffSlot = { envelope: minted.envelope, call, packetId: minted.packetId };
  const packet = parseDelegationEnvelope(minted.envelope).packet;
  return { p, graph, slot, packet, runs, minted };
}

const config = { configurable: { thread_id: 'approval' } };

function interruptOf(state: unknown): ApprovalRequest {
  const interrupts = (state as { __interrupt__?: { value: ApprovalRequest }[] }).__interrupt__;
  expect(interrupts).toHaveLength(1);
  return interrupts![0]!.value;
}

describe('LangGraph: a signed approval resumes an interrupt()', () => {
  it('pauses with the envelope to approve; a valid signed approval resumes and the result verifies', async () => {
    const s = await setup();
    const paused = await s.graph.invoke({ trusthandoff: s.slot }, config);
    const request = interruptOf(paused);
    expect(request).toMatchObject({
      type: APPROVAL_REQUEST_TYPE,
      envelope: s.slot.envelope,
      packet_id: s.minted.packetId,
      call: { name: 'payments', arguments: { amount: 1200 } },
      attempt: 1,
    });
    expect(s.runs).toEqual([]);

    // The approver signs exactly the packet in the request.
    const approval = issueApproval(parseDelegationEnvelope(request.envelope).packet, alice, {
      approverId: 'human:alice',
    });
    const done = await s.graph.invoke(new Command({ resume: approval }), config);
    expect(s.runs).toEqual(['paid 1200']);
    const verdict = await verifyHandoffResult(done.trusthandoff, {
      attestationKey: s.p.receiver.publicKeyPem,
      replayTracker: s.p.tracker(),
      packetId: s.minted.packetId,
    });
    expect(verdict).toMatchObject({ ok: true, result: { paid: 1200 } });
  });

  const bad: [string, (s: Awaited<ReturnType<typeof setup>>) => unknown][] = [
    [
      'unsigned',
      (s) => ({ ...issueApproval(s.packet, alice, { approverId: 'human:alice' }), signature: '' }),
    ],
    [
      'forged (mallory signs as alice)',
      (s) => issueApproval(s.packet, mallory, { approverId: 'human:alice' }),
    ],
    ['from a wrong approver', (s) => issueApproval(s.packet, mallory, { approverId: 'human:mallory' })],
    [
      'signed by the sender itself',
      (s) => issueApproval(s.packet, s.p.caller, { approverId: 'human:alice' }),
    ],
    [
      'for another packet',
      (s) => {
        const other = issueToolCallEnvelope(
          s.p.caller,
          { name: 'payments', arguments: { amount: 1200 } },
          {
            audience: s.p.receiver.agentId,
            constraints: { requires_human_review: true },
          },
        );
        return issueApproval(parseDelegationEnvelope(other.envelope).packet, alice, {
          approverId: 'human:alice',
        });
      },
    ],
    ['a denial', (s) => issueApproval(s.packet, alice, { approverId: 'human:alice', decision: 'denied' })],
    ['not an approval at all', () => 'yes, go ahead'],
  ];

  it.each(bad)(
    'an approval %s is refused: the node asks again, the body does not run',
    async (_what, make) => {
      const s = await setup();
      await s.graph.invoke({ trusthandoff: s.slot }, config);
      const again = await s.graph.invoke(new Command({ resume: make(s) }), config);
      expect(interruptOf(again)).toMatchObject({ attempt: 2, refused: 'human_review_required' });
      expect(s.runs).toEqual([]);
      // The refused approval spent nothing: the rightful approval still resumes the call.
      const good: SignedApproval = issueApproval(s.packet, alice, { approverId: 'human:alice' });
      const done = await s.graph.invoke(new Command({ resume: good }), config);
      expect(done.trusthandoff?.output).toBeTypeOf('string');
      expect(s.runs).toEqual(['paid 1200']);
    },
  );

  it('after the last attempt the node gives up with the refusal in the slot', async () => {
    const s = await setup(2);
    await s.graph.invoke({ trusthandoff: s.slot }, config);
    const forged = issueApproval(s.packet, mallory, { approverId: 'human:alice' });
    await s.graph.invoke(new Command({ resume: forged }), config);
    const done = await s.graph.invoke(new Command({ resume: forged }), config);
    expect((done as { __interrupt__?: unknown }).__interrupt__).toBeUndefined();
    expect(done.trusthandoff?.rejection).toMatchObject({ reason: 'human_review_required' });
    expect(s.runs).toEqual([]);
  });

  it('without approval enabled, a packet that requires review is refused and nothing pauses', async () => {
    const approvers = new MemoryAgentRegistry();
    const p = await parties(new ApprovalVerifier({ approvers }));
    const node = verifiedNode(p.gate, 'payments', () => ({ paid: 1 }), { identity: p.receiver });
    const call = { name: 'payments', arguments: {} };
    const minted = issueToolCallEnvelope(p.caller, call, {
      audience: p.receiver.agentId,
      constraints: { requires_human_review: true },
    });
    const update = (await node({ trusthandoff: { envelope: minted.envelope, call, packetId: '' } })) as {
      trusthandoff: HandoffSlot;
    };
    expect(update.trusthandoff.rejection).toMatchObject({ reason: 'human_review_required' });
  });
});
