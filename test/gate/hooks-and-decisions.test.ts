/** Step hooks (both store paths, in order, isolated) and the decision union (packet on ACCEPT, proof). */
import { describe, expect, it } from 'vitest';
import {
  MemoryAgentRegistry,
  MemoryReplayStore,
  HandoffGate,
  isAcceptDecision,
  type GateCall,
  type GateHooks,
  type StepReport,
} from '../support/api.js';
import { fixture, receiver, sender } from './support.js';

function recorder(): { hooks: GateHooks; log: string[]; reports: StepReport[]; calls: Set<GateCall> } {
  const log: string[] = [];
  const reports: StepReport[] = [];
  const calls = new Set<GateCall>();
  return {
    log,
    reports,
    calls,
    hooks: {
      beforeStep: (call, step) => {
        calls.add(call);
        log.push(`>${step}`);
      },
      afterStep: (call, report) => {
        calls.add(call);
        reports.push(report);
        log.push(
          `<${report.step}:${report.outcome}${report.reason === undefined ? '' : `:${report.reason}`}`,
        );
      },
      afterDecision: (call, decision, latencyMs) => {
        calls.add(call);
        expect(latencyMs).toBeGreaterThanOrEqual(0);
        log.push(`=${decision.decision}`);
      },
    },
  };
}

describe('step hooks', () => {
  it('see every step of the admission path, in order, with durations', async () => {
    const r = recorder();
    const f = await fixture({ hooks: r.hooks });
    expect(f.gate.path).toBe('admission');
    await f.gate.handle(f.envelope());
    expect(r.log).toEqual([
      '>parse',
      '<parse:pass',
      ...f.gate.stepNames.flatMap((name) => [`>${name}`, `<${name}:pass`]),
      '=ACCEPT',
    ]);
    expect(f.gate.stepNames).toEqual([
      'audience',
      'declared-key',
      'signature',
      'validation',
      'chain',
      'expectations',
      'admission',
    ]);
    expect(r.reports.every((x) => x.durationMs >= 0)).toBe(true);
    expect(r.calls.size).toBe(1);
  });

  it('see every step of the per-store path, in order, and stop at the rejecting step', async () => {
    const r = recorder();
    const f = await fixture({
      hooks: r.hooks,
      extraSteps: [{ name: 'bound', requiresBoundKey: true, check: () => undefined }],
    });
    expect(f.gate.path).toBe('per-store');
    const e = f.envelope();
    await f.gate.handle(e);
    expect(r.log).toEqual([
      '>parse',
      '<parse:pass',
      ...[
        'audience',
        'key-binding',
        'signature',
        'validation',
        'chain',
        'expectations',
        'revocation',
        'bound',
        'replay',
      ].flatMap((name) => [`>${name}`, `<${name}:pass`]),
      '=ACCEPT',
    ]);
    r.log.length = 0;
    await f.gate.handle(e);
    expect(r.log.slice(-3)).toEqual(['>replay', '<replay:reject:Replay detected', '=REJECT']);
    r.log.length = 0;
    await f.gate.handle('{');
    expect(r.log).toEqual(['>parse', '<parse:reject:malformed_envelope', '=REJECT']);
  });

  it('a hook that throws is counted and changes nothing', async () => {
    const boom = (): never => {
      throw new Error('hook down');
    };
    const f = await fixture({ hooks: { beforeStep: boom, afterStep: boom, afterDecision: boom } });
    expect((await f.gate.handle(f.envelope())).decision).toBe('ACCEPT');
    expect(f.gate.stats.hookErrors).toBe(2 * (f.gate.stepNames.length + 1) + 1);
  });

  it('are checked at construction', () => {
    expect(
      () =>
        new HandoffGate({
          agentId: receiver.agentId,
          registry: new MemoryAgentRegistry(),
          replayStore: new MemoryReplayStore(),
          hooks: { beforeStep: 'nope' as never },
        }),
    ).toThrow(expect.objectContaining({ code: 'ERR_CONFIGURATION' }));
  });
});

describe('the decision union', () => {
  it('ACCEPT carries the verified packet and chain; REJECT carries none', async () => {
    const f = await fixture();
    const e = f.envelope();
    const accepted = await f.gate.handle(e);
    if (accepted.decision !== 'ACCEPT') throw new Error('expected ACCEPT');
    expect(accepted.packet.packet_id).toBe(e.packet.packet_id);
    expect(accepted.packet.from_agent).toBe(sender.agentId);
    expect(accepted.chain.packet_ids).toEqual([e.packet.packet_id]);
    const rejected = await f.gate.handle(e);
    expect(rejected.decision).toBe('REJECT');
    expect('packet' in rejected).toBe(false);
  });

  it('serializes to the SPEC shape, without the packet', async () => {
    const f = await fixture();
    const accepted = await f.gate.handle(f.envelope());
    expect(JSON.parse(JSON.stringify(accepted))).toEqual({
      packet_id: accepted.packet_id,
      decision: 'ACCEPT',
      reason: 'Packet verified and valid',
    });
  });

  it('isAcceptDecision is proof: true for the gate’s ACCEPT, false for REJECTs and copies', async () => {
    const f = await fixture();
    const e = f.envelope();
    const accepted = await f.gate.handle(e);
    expect(isAcceptDecision(accepted)).toBe(true);
    expect(isAcceptDecision({ ...accepted })).toBe(false);
    expect(isAcceptDecision(structuredClone(accepted))).toBe(false);
    expect(isAcceptDecision(JSON.parse(JSON.stringify(accepted)))).toBe(false);
    expect(isAcceptDecision({ decision: 'ACCEPT', packet: e.packet })).toBe(false);
    expect(isAcceptDecision(await f.gate.handle(e))).toBe(false);
    expect(isAcceptDecision(null)).toBe(false);
  });
});
