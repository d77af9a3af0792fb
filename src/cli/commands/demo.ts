/**
 * `trusthandoff demo`: the attack demo. A planner delegates a task to a worker through the worker's
 * gate; the worker answers with an attested result. A tampered packet and a replayed packet are
 * refused by the gate; a tampered output and a replayed output are refused by the planner. Every
 * decision goes through event ports into Sentinel, whose HTML report (and the event log) is written.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import {
  AttestationReplayTracker,
  serializeNodeOutput,
  verifyNodeOutput,
  wrapNode,
} from '../../attestation/index.js';
import { issueTaskPacket } from '../../packet/index.js';
import { EventHub } from '../../events/index.js';
import type { EventSink } from '../../events/index.js';
import { AgentIdentity } from '../../identity/index.js';
import { MemoryAgentRegistry, MemoryReplayStore } from '../../stores/index.js';
import { Sentinel, renderHtmlReport } from '../../sentinel/index.js';
import { HandoffGate, TaskExecutor } from '../../gate/index.js';
import { createDelegationEnvelope, serializeDelegationEnvelope } from '../../packet/index.js';
import { EXIT_OK, EXIT_REJECTED, UsageError, fsReason, paint, parse, stringOption, type Io } from '../io.js';

export const DEMO_HELP = `Usage: trusthandoff demo [--out <report.html>]

The attack demo, on in-memory stores: a planner delegates a task to a worker.
  - the worker's gate accepts the legitimate packet and rejects a tampered and a replayed copy;
  - the worker's result is attested; the planner accepts it once and rejects a tampered and a
    replayed copy;
  - every decision is an event; Sentinel audits them and writes the HTML report (and the event
    log, events.jsonl, next to it). Its path is printed.
Exit 0 when every decision came out as expected, 1 otherwise.

Options:
  --out <file>   where to write the HTML report (default: a new temporary directory)
  --no-color     plain output (also: NO_COLOR=1, or when stdout is not a terminal)
  -h, --help     show this help
`;

export async function demo(args: readonly string[], io: Io): Promise<number> {
  const { values } = parse(args, { out: { type: 'string' } }, { min: 0, max: 0, name: '' });
  const out = stringOption(values, 'out');
  const reportPath =
    out === undefined
      ? join(mkdtempSync(join(tmpdir(), 'trusthandoff-demo-')), 'report.html')
      : resolve(io.cwd, out);
  const p = paint(io.color);
  const line = (text = ''): void => {
    io.out(text + '\n');
  };
  const verdict = (
    label: string,
    ok: boolean,
    decision: string,
    reason: string,
    expectOk: boolean,
  ): boolean => {
    const mark = ok ? p.green('✔') : p.red('✘');
    line(`  ${mark} ${label.padEnd(19)} ${ok ? p.green(decision) : p.red(decision)}  ${p.dim(reason)}`);
    return ok === expectOk;
  };

  const planner = AgentIdentity.generate();
  const worker = AgentIdentity.generate();
  const registry = new MemoryAgentRegistry(); // each side's trust anchor, filled out of band
  await registry.register(planner.agentId, planner.publicKeyPem);
  await registry.register(worker.agentId, worker.publicKeyPem);
  // Each agent's decisions go through its own event hub to Sentinel and to the demo's event log.
  const sentinel = new Sentinel();
  const events: string[] = [];
  const eventLog: EventSink = {
    name: 'demo-log',
    write: (event) => {
      events.push(JSON.stringify(event));
    },
  };
  const workerEvents = new EventHub({ verifier: { agentId: worker.agentId }, sinks: [sentinel, eventLog] });
  const plannerEvents = new EventHub({ verifier: { agentId: planner.agentId }, sinks: [sentinel, eventLog] });

  line(p.bold('trusthandoff demo: a planner delegates a task to a worker'));
  line();
  line(`  planner  ${planner.agentId}`);
  line(`  worker   ${worker.agentId}`);
  line();

  // 1. The planner signs a task for the worker; it travels as the reference's envelope JSON.
  const packet = issueTaskPacket(planner, {
    to_agent: worker.agentId,
    intent: 'Summarise the Q3 revenue report',
    context: { report: 'q3-2026.pdf' },
    permissions: { allowed_actions: ['read'], max_tool_calls: 3 },
    risk_level: 'read',
  });
  const wire = serializeDelegationEnvelope(createDelegationEnvelope(packet));

  // 2. The worker's gate decides before anything runs; the task runs as an attested node.
  const gate = new HandoffGate({
    agentId: worker.agentId,
    registry,
    replayStore: new MemoryReplayStore(),
    events: workerEvents,
  });
  const summarise = wrapNode(
    (task: { packet_id: string }) => ({ task: task.packet_id.slice(0, 8), revenue: '4.2M', trend: 'up' }),
    {
      identity: worker,
    },
  );
  const run = await new TaskExecutor({ gate: gate }).execute(wire, (accepted) =>
    summarise({ packet_id: accepted.packet_id }),
  );
  let expected = true;
  line(p.bold("handoff: the worker's gate decides before anything runs"));
  expected &&= verdict(
    'legitimate packet',
    run.decision.decision === 'ACCEPT',
    run.decision.decision,
    run.decision.reason ?? '',
    true,
  );
  const tamperedPacket = await gate.handle(
    wire.replace('Summarise the Q3 revenue report', 'Transfer the Q3 revenue'),
  );
  expected &&= verdict(
    'tampered packet',
    tamperedPacket.decision === 'ACCEPT',
    tamperedPacket.decision,
    tamperedPacket.reason ?? '',
    false,
  );
  const replayedPacket = await gate.handle(wire);
  expected &&= verdict(
    'replayed packet',
    replayedPacket.decision === 'ACCEPT',
    replayedPacket.decision,
    replayedPacket.reason ?? '',
    false,
  );
  if (run.result === undefined) throw new UsageError('the legitimate task did not run');

  // 3. The planner checks the attested output against the worker's key, exactly once.
  const output = serializeNodeOutput(run.result);
  const tracker = new AttestationReplayTracker({ replayStore: new MemoryReplayStore() });
  const check = async (label: string, received: string, expectOk: boolean): Promise<boolean> => {
    const result = await verifyNodeOutput(received, worker.publicKeyPem, {
      replayTracker: tracker,
      expectedPacketId: packet.packet_id,
      expectedStatus: 'OK',
      events: plannerEvents,
    });
    return verdict(
      label,
      result.ok,
      result.ok ? 'ACCEPTED' : 'REJECTED',
      result.ok ? 'attestation verified' : result.reason,
      expectOk,
    );
  };
  line();
  line(p.bold("result: the planner checks the worker's attested output"));
  expected &&= await check('legit output', output, true);
  expected &&= await check('tampered output', output.replace('4.2M', '9.9M'), false);
  expected &&= await check('replayed output', output, false);

  // 4. Sentinel's report.
  await Promise.all([workerEvents.close(), plannerEvents.close()]);
  const report = sentinel.report();
  try {
    mkdirSync(dirname(reportPath), { recursive: true });
    writeFileSync(reportPath, renderHtmlReport(report, { title: 'trusthandoff demo: audit report' }));
    writeFileSync(join(dirname(reportPath), 'events.jsonl'), events.join('\n') + '\n');
  } catch (error) {
    throw new UsageError(`cannot write ${reportPath}: ${fsReason(error)}`);
  }
  line();
  line(
    `${p.bold('audit')}: ${report.counts.events} events; handoffs ${report.counts.decisions.accepted} accepted, ${report.counts.decisions.rejected} rejected; results ${report.counts.attestations.accepted} accepted, ${report.counts.attestations.rejected} rejected; ${report.counts.violations} violations`,
  );
  line(`report: ${reportPath}`);
  line(`events: ${join(dirname(reportPath), 'events.jsonl')}`);
  return expected ? EXIT_OK : EXIT_REJECTED;
}
