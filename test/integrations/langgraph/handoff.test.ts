/**
 * A real handoff: a `createAgent` planner (a subgraph, its fake model calls the handoff tool) hands
 * the task to a `verifiedNode` worker of the parent `StateGraph`, checkpointed by a `MemorySaver`.
 * The envelope rides in the state; tampering with it in the checkpoint, re-pointing its arguments or
 * replaying it is refused before the worker's body runs; the state survives the checkpointer and a
 * fresh graph over the same saver resumes the thread and verifies.
 */
import { AIMessage, HumanMessage, ToolMessage } from '@langchain/core/messages';
import { fakeModel } from '@langchain/core/testing';
import {
  Annotation,
  Command,
  END,
  MemorySaver,
  MessagesAnnotation,
  START,
  StateGraph,
} from '@langchain/langgraph';
import { createAgent } from 'langchain';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  HANDOFF_STATE_KEY,
  createHandoffTool,
  handoffChannel,
  issueToolCallEnvelope,
  verifiedNode,
  verifyHandoffResult,
  type HandoffSlot,
  type VerifiedNodeExtra,
} from '../../../src/integrations/langgraph/index.js';
import { ConfigurationError } from '../../support/api.js';
import { fileSchema, parties, type Parties } from './fixtures.js';

const TRACEPARENT = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
const State = Annotation.Root({ ...MessagesAnnotation.spec, trusthandoff: handoffChannel() });
type S = typeof State.State;

function world(p: Parties, saver = new MemorySaver()) {
  const seen: { args: unknown; traceparent: string | undefined; from: string }[] = [];
  const worker = verifiedNode(
    p.gate,
    'worker',
    (args: { path: string }, call: { packet: { from_agent: string }; extra: VerifiedNodeExtra<S> }) => {
      seen.push({ args, traceparent: call.extra.traceparent, from: call.packet.from_agent });
      return { path: args.path, summary: `summary of ${args.path}` };
    },
    {
      identity: p.receiver,
      update: (result: { summary: string }) => ({ messages: [new AIMessage(result.summary)] }),
    },
  );
  const build = () => {
    const handoff = createHandoffTool({
      identity: p.caller,
      audience: p.receiver.agentId,
      goto: 'worker',
      schema: fileSchema,
      description: 'Hand a file to the worker to summarise',
      traceparent: () => TRACEPARENT,
    });
    const model = fakeModel().respondWithTools([
      { name: 'transfer_to_worker', args: { path: '/srv/report.txt' }, id: 'handoff-1' },
    ]);
    const planner = createAgent({ model, tools: [handoff] });
    return new StateGraph(State)
      .addNode('planner', planner.graph as never, { ends: ['worker'] })
      .addNode('worker', worker)
      .addEdge(START, 'planner')
      .addEdge('worker', END)
      .compile({ checkpointer: saver, interruptBefore: ['worker'] });
  };
  return { build, seen, saver };
}

const thread = (id: string) => ({ configurable: { thread_id: id } });

describe('LangGraph handoff: tool → Command → verified node', () => {
  it('the envelope rides in the state, the worker verifies it, the planner verifies the result', async () => {
    const p = await parties();
    const w = world(p);
    const graph = w.build();
    const config = thread('legit');
    const paused = await graph.invoke({ messages: [new HumanMessage('summarise the report')] }, config);
    const slot = paused.trusthandoff!;
    expect(slot.call).toEqual({ name: 'worker', arguments: { path: '/srv/report.txt' } });
    expect(slot.traceparent).toBe(TRACEPARENT);
    expect(typeof slot.envelope).toBe('string');
    expect(w.seen).toEqual([]);
    // The handoff's tool message pairs with the AI message that called it; the envelope is not in it.
    const toolMessage = paused.messages.find((m) => ToolMessage.isInstance(m))!;
    expect(toolMessage.content).toBe('Handed off to worker.');
    expect(JSON.stringify(paused.messages.map((m) => m.content))).not.toContain('signature');
    expect(
      paused.messages.some((m) => AIMessage.isInstance(m) && m.tool_calls?.[0]?.id === 'handoff-1'),
    ).toBe(true);

    const done = await graph.invoke(null, config);
    expect(w.seen).toEqual([
      { args: { path: '/srv/report.txt' }, traceparent: TRACEPARENT, from: p.caller.agentId },
    ]);
    expect(done.messages.at(-1)?.content).toBe('summary of /srv/report.txt');
    const verdict = await verifyHandoffResult(done.trusthandoff, {
      attestationKey: p.receiver.publicKeyPem,
      replayTracker: p.tracker(),
      packetId: slot.packetId,
    });
    expect(verdict).toMatchObject({
      ok: true,
      result: { path: '/srv/report.txt', summary: 'summary of /srv/report.txt' },
    });
  });

  it('the state survives the checkpointer: a fresh graph over the same saver resumes and verifies', async () => {
    const p = await parties();
    const w = world(p);
    const config = thread('round-trip');
    const before = await w.build().invoke({ messages: [new HumanMessage('go')] }, config);
    const minted = before.trusthandoff!;

    // A new process would build the graph again over the same checkpoint store.
    const resumed = world(p, w.saver);
    const stored = await resumed.build().getState(config);
    expect(stored.next).toEqual(['worker']);
    expect((stored.values as S).trusthandoff).toEqual(minted);
    await resumed.build().invoke(null, config);
    expect(resumed.seen).toHaveLength(1);

    const after = (await world(p, w.saver).build().getState(config)).values as S;
    expect(after.trusthandoff?.envelope).toBe(minted.envelope);
    const verdict = await verifyHandoffResult(after.trusthandoff, {
      attestationKey: p.receiver.publicKeyPem,
      replayTracker: p.tracker(),
      packetId: minted.packetId,
    });
    expect(verdict).toMatchObject({ ok: true, packetId: minted.packetId });
  });

  it.each([
    [
      'a tampered envelope',
      (slot: HandoffSlot) => ({ ...slot, envelope: slot.envelope.replace('"worker"', '"admin"') }),
      'Invalid signature',
    ],
    [
      'arguments re-pointed in the state',
      (slot: HandoffSlot) => ({ ...slot, call: { ...slot.call, arguments: { path: '/etc/shadow' } } }),
      'tool_arguments_mismatch',
    ],
    ['a missing envelope', (slot: HandoffSlot) => ({ ...slot, envelope: undefined }), 'envelope_missing'],
  ])('%s written into the checkpoint is refused before the body runs', async (_what, edit, reason) => {
    const p = await parties();
    const w = world(p);
    const graph = w.build();
    const config = thread('tamper');
    const paused = await graph.invoke({ messages: [new HumanMessage('go')] }, config);
    // Rewrite the slot in the checkpointed thread, then let the pending worker run.
    await graph.invoke(
      new Command({ update: { trusthandoff: edit(paused.trusthandoff!) as HandoffSlot }, goto: 'worker' }),
      config,
    );
    if ((await graph.getState(config)).next.includes('worker')) await graph.invoke(null, config);
    const done = (await graph.getState(config)).values as S;
    expect((await graph.getState(config)).next).toEqual([]);
    expect(w.seen).toEqual([]);
    expect(done.trusthandoff?.rejection).toMatchObject({ decision: 'REJECT', reason });
    expect(done.trusthandoff?.output).toBeUndefined();
    const verdict = await verifyHandoffResult(done.trusthandoff, {
      attestationKey: p.receiver.publicKeyPem,
      replayTracker: p.tracker(),
      packetId: paused.trusthandoff!.packetId,
    });
    expect(verdict).toMatchObject({ ok: false, reason: 'call_rejected', details: { reason } });
  });

  it('a slot replayed into another thread is refused: the body ran once', async () => {
    const p = await parties();
    const runs: string[] = [];
    const graph = new StateGraph(State)
      .addNode(
        'worker',
        verifiedNode(
          p.gate,
          'worker',
          (args: { path: string }) => {
            runs.push(args.path);
            return { ok: true };
          },
          { identity: p.receiver },
        ),
      )
      .addEdge(START, 'worker')
      .compile({ checkpointer: new MemorySaver() });
    const call = { name: 'worker', arguments: { path: '/srv/a' } };
    const minted = issueToolCallEnvelope(p.caller, call, { audience: p.receiver.agentId });
    const slot: HandoffSlot = { envelope: minted.envelope, call, packetId: minted.packetId };
    const first = await graph.invoke({ trusthandoff: slot }, thread('first'));
    expect(first.trusthandoff?.output).toBeTypeOf('string');
    const second = await graph.invoke({ trusthandoff: slot }, thread('second'));
    expect(second.trusthandoff?.rejection).toMatchObject({ reason: 'Replay detected' });
    expect(runs).toEqual(['/srv/a']);
  });

  it('a slot the state key does not hold, or garbage there, is envelope_missing and runs nothing', async () => {
    const p = await parties();
    let ran = 0;
    const node = verifiedNode(
      p.gate,
      'worker',
      () => {
        ran++;
        return {};
      },
      { identity: p.receiver, stateKey: 'handoff' },
    );
    for (const state of [{}, { handoff: 'x' }, { handoff: [] }, { handoff: { envelope: 7 } }]) {
      const update = (await node(state)) as Record<string, HandoffSlot>;
      expect(['envelope_missing', 'malformed_envelope']).toContain(update['handoff']?.rejection?.reason);
    }
    expect(ran).toBe(0);
    expect(HANDOFF_STATE_KEY).toBe('trusthandoff');
  });

  it('options are checked when the tool and the node are built', async () => {
    const p = await parties();
    expect(() =>
      createHandoffTool({ identity: p.caller, audience: '', goto: 'w', schema: fileSchema }),
    ).toThrow(ConfigurationError);
    expect(() =>
      createHandoffTool({ identity: p.caller, audience: 'a', goto: '', schema: fileSchema }),
    ).toThrow(ConfigurationError);
    expect(() => verifiedNode(p.gate, '', () => ({}), { identity: p.receiver })).toThrow(ConfigurationError);
    expect(() =>
      verifiedNode(p.gate, 'w', () => ({}), { identity: p.receiver, approval: { attempts: 0 } }),
    ).toThrow(ConfigurationError);
  });
});

describe('verifiedNode on arbitrary state', () => {
  it('never throws and never runs the body for a slot nobody signed', async () => {
    const p = await parties();
    let ran = 0;
    const node = verifiedNode(
      p.gate,
      'worker',
      () => {
        ran++;
        return {};
      },
      { identity: p.receiver },
    );
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.anything(),
          fc.record({ envelope: fc.oneof(fc.string(), fc.json()), call: fc.anything() }),
        ),
        async (slot) => {
          const update = (await node({ trusthandoff: slot })) as Record<string, HandoffSlot>;
          expect(update['trusthandoff']?.rejection?.decision).toBe('REJECT');
        },
      ),
      { numRuns: 200 },
    );
    expect(ran).toBe(0);
  });
});
