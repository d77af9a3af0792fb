/**
 * Sentinel against a recorded event log: the reference's mapping, severities and four detectors
 * asserted exactly; the extra detectors; hash-chained logs with edited, removed and reordered lines;
 * streams; custom detectors; bounded input; concurrent ingest and report.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  AgentIdentity,
  AttestationReplayTracker,
  ConfigurationError,
  EventHub,
  MemoryAgentRegistry,
  MemoryReplayStore,
  issueTaskPacket,
  serializeNodeOutput,
  verifyNodeOutput,
  wrapNode,
} from 'trusthandoff';
import { Sentinel, formatSentinelReport, type SentinelDetector } from 'trusthandoff/sentinel';
import { HandoffGate, createDelegationEnvelope, serializeDelegationEnvelope } from 'trusthandoff';
import { FIXTURE, chainLines, decision, event, fixtureEvents, tempDir, writeLines } from './support.js';

const OBSERVED = Date.parse('2026-12-04T12:00:00.000Z');
const now = (): number => OBSERVED;
const PLANNER = 'agent:PUwDBTSxwcalI4v1';
const MALLORY = 'agent:gwse8Hgu81YMAz8h';

describe('Sentinel: the reference mapping on a recorded log', () => {
  it('maps every event exactly as SPEC §8 says', async () => {
    const sentinel = new Sentinel({ now, referenceOnly: true });
    const result = await sentinel.ingestFile(FIXTURE);
    expect(result).toMatchObject({ lines: 18, events: 18, duplicates: 0, chained: false, gaps: [] });
    const events = fixtureEvents();
    const records = sentinel.records();
    expect(records).toHaveLength(18);
    const expectedSeverity: Record<string, string> = {
      packet_accepted: 'INFO',
      packet_rejected: 'ERROR',
      capability_stale: 'ERROR',
      token_overlap_used: 'WARN',
      ai_generated_payload: 'WARN',
    };
    records.forEach((record, i) => {
      const e = events[i]!;
      const { event_id, event_type, timestamp, producer_id, correlation_id, ...rest } = e;
      expect(record).toEqual({
        event_id,
        event_type,
        timestamp,
        observed_at: '2026-12-04T12:00:00.000Z',
        severity: expectedSeverity[event_type as string],
        producer_id,
        trace_id: correlation_id,
        body: typeof e['reason'] === 'string' ? `${event_type as string} — ${e['reason']}` : event_type,
        attributes: rest,
        source_system: 'trusthandoff',
      });
    });
    expect(sentinel.report().counts.by_severity).toEqual({ INFO: 5, WARN: 2, ERROR: 11 });
  });

  it('an unknown event type is INFO', () => {
    const sentinel = new Sentinel({ now });
    expect(sentinel.ingest(event('store_unavailable', { store: 'replay', reason: 'x' }))?.severity).toBe(
      'INFO',
    );
  });

  it("raises exactly the reference's four violations, in log order, with their fields", async () => {
    const sentinel = new Sentinel({ now, referenceOnly: true });
    await sentinel.ingestFile(FIXTURE);
    const events = fixtureEvents();
    const expected = events.flatMap((e): Record<string, unknown>[] => {
      const base = { source_event_id: e['event_id'], trace_id: e['correlation_id'] };
      switch (e['event_type']) {
        case 'packet_rejected':
          return [
            {
              violation_type: 'rejected_packet',
              severity: 'ERROR',
              ...base,
              detail: { packet_id: e['packet_id'], reason: e['reason'] },
            },
          ];
        case 'capability_stale':
          return [
            {
              violation_type: 'stale_capability',
              severity: 'ERROR',
              ...base,
              detail: { capability_id: e['capability_id'], reason: e['reason'] },
            },
          ];
        case 'token_overlap_used':
          return [
            {
              violation_type: 'overlap_window_used',
              severity: 'WARN',
              ...base,
              detail: { packet_id: e['packet_id'], reason: e['reason'] },
            },
          ];
        case 'ai_generated_payload':
          return [
            {
              violation_type: 'ai_generated_payload',
              severity: 'WARN',
              ...base,
              detail: { packet_id: e['packet_id'], source: 'llm', model: 'gpt-x' },
            },
          ];
        default:
          return [];
      }
    });
    expect(sentinel.violations()).toEqual(expected);
    expect(sentinel.report().counts.violations_by_type).toEqual({
      rejected_packet: 9,
      stale_capability: 2,
      ai_generated_payload: 1,
      overlap_window_used: 1,
    });
    expect(sentinel.detectors()).toEqual([
      'rejected_packet',
      'stale_capability',
      'overlap_window_used',
      'ai_generated_payload',
      'log_integrity',
    ]);
  });

  it('the extra detectors find the replay burst, the forger and the use after revocation', async () => {
    const sentinel = new Sentinel({ now });
    await sentinel.ingestFile(FIXTURE);
    const extra = sentinel
      .violations()
      .filter(
        (v) =>
          !['rejected_packet', 'stale_capability', 'overlap_window_used', 'ai_generated_payload'].includes(
            v.violation_type,
          ),
      );
    expect(extra.map((v) => [v.violation_type, v.severity])).toEqual([
      ['replay_burst', 'ERROR'],
      ['repeated_signature_failures', 'ERROR'],
      ['use_after_revocation', 'ERROR'],
    ]);
    expect(extra[0]!.detail).toEqual({
      from_agent: PLANNER,
      replays: 3,
      first_at: '2026-12-04T09:00:07.000Z',
      last_at: '2026-12-04T09:00:17.000Z',
      window_seconds: 60,
    });
    expect(extra[1]!.detail).toMatchObject({ agent_id: MALLORY, failures: 3 });
    expect(extra[2]!.detail).toMatchObject({ revoked_id: MALLORY, use: 'packet_accepted' });
    const accepted = fixtureEvents().filter((e) => e['event_type'] === 'packet_accepted');
    expect(extra[2]!.source_event_id).toBe(
      accepted.find((e) => e['verifier_instance_id'] === 'worker-2')!['event_id'],
    );
    const report = sentinel.report();
    expect(report.counts.decisions).toEqual({ accepted: 5, rejected: 9 });
    expect(report.rejection_reasons).toEqual({
      'Invalid signature': 4,
      'Replay detected': 3,
      agent_revoked: 1,
      wrong_audience: 1,
    });
    // The graph: planner → worker, mallory → worker, planner → mallory (the misaddressed packet).
    expect(report.handoffs.map((h) => [h.from_agent.slice(0, 14), h.accepted, h.rejected])).toEqual([
      ['agent:PUwDBTSx', 4, 4],
      ['agent:gwse8Hgu', 1, 4],
      ['agent:PUwDBTSx', 0, 1],
    ]);
    expect(report.timeline).toHaveLength(14);
  });

  it('windows: bursts spread wider than the window are not flagged; thresholds are options', () => {
    const base = Date.parse('2026-12-04T08:00:00.000Z');
    const sentinel = new Sentinel({ now, replayBurst: { threshold: 2, windowSeconds: 10 } });
    sentinel.ingest(decision(false, 'agent:a', 'Replay detected', {}, base));
    sentinel.ingest(decision(false, 'agent:a', 'Replay detected', {}, base + 11_000));
    sentinel.ingest(decision(false, 'agent:b', 'Replay detected', {}, base + 12_000));
    expect(sentinel.violations().filter((v) => v.violation_type === 'replay_burst')).toHaveLength(0);
    // Out of order, but inside the window.
    sentinel.ingest(decision(false, 'agent:a', 'Replay detected', {}, base + 5_000));
    expect(sentinel.violations().filter((v) => v.violation_type === 'replay_burst')).toHaveLength(1);
    expect(() => new Sentinel({ replayBurst: { threshold: 1 } })).toThrow(ConfigurationError);
    expect(() => new Sentinel({ signatureFailures: { windowSeconds: 0 } })).toThrow(ConfigurationError);
    expect(new Sentinel({ replayBurst: false }).detectors()).not.toContain('replay_burst');
  });

  it('attestations rejected for bad signatures count towards repeated signature failures', () => {
    const sentinel = new Sentinel({ now });
    for (let i = 0; i < 3; i++)
      sentinel.ingest(
        event('attestation_rejected', {
          packet_id: `p${i}`,
          signed_by: 'agent:w',
          reason: 'invalid_signature',
        }),
      );
    expect(
      sentinel.violations().map((v) => [v.violation_type, v.detail['agent_id'] ?? v.detail['packet_id']]),
    ).toEqual([
      ['rejected_attestation', 'p0'],
      ['rejected_attestation', 'p1'],
      ['rejected_attestation', 'p2'],
      ['repeated_signature_failures', 'agent:w'],
    ]);
  });
});

describe('Sentinel: approvals and revocations', () => {
  it('flags approvals from unexpected approvers, per sender with a "*" default', () => {
    const sentinel = new Sentinel({
      now,
      expectedApprovers: { 'agent:planner': ['agent:alice', 'agent:bob'], '*': ['agent:carol'] },
    });
    sentinel.ingest(
      event('approval_accepted', {
        packet_id: 'p1',
        from_agent: 'agent:planner',
        approvers: ['agent:alice', 'agent:bob'],
        required: 2,
      }),
    );
    sentinel.ingest(
      event('approval_accepted', {
        packet_id: 'p2',
        from_agent: 'agent:planner',
        approvers: ['agent:alice', 'agent:mallory'],
        required: 2,
      }),
    );
    sentinel.ingest(
      event('approval_rejected', {
        packet_id: 'p3',
        from_agent: 'agent:other',
        reason: 'insufficient_approvals',
        approvers: ['agent:alice'],
        required: 2,
      }),
    );
    sentinel.ingest(
      event('approval_accepted', {
        packet_id: 'p4',
        from_agent: 'agent:other',
        approvers: ['agent:carol'],
        required: 1,
      }),
    );
    expect(sentinel.violations().map((v) => v.detail)).toEqual([
      { packet_id: 'p2', from_agent: 'agent:planner', approver: 'agent:mallory', approval: 'accepted' },
      { packet_id: 'p3', from_agent: 'agent:other', approver: 'agent:alice', approval: 'rejected' },
    ]);
    expect(new Sentinel().detectors()).not.toContain('unexpected_approver');
    expect(() => new Sentinel({ expectedApprovers: { x: 'agent:a' } as never })).toThrow(ConfigurationError);
  });

  it('capability use after revocation: from options, from the log, and when the revocation arrives later', () => {
    const t0 = Date.parse('2026-12-04T08:00:00.000Z');
    const sentinel = new Sentinel({
      now,
      revocations: [{ id: 'cap-1', revokedAt: '2026-12-04T08:00:10.000Z' }],
    });
    const use = (id: string, at: number) =>
      event(
        'capability_execution',
        {
          outcome: 'execution_allowed',
          capability_id: id,
          leaf_capability_id: id,
          action: 'read',
          reason: null,
        },
        at,
      );
    sentinel.ingest(use('cap-1', t0)); // before its revocation: fine
    sentinel.ingest(use('cap-1', t0 + 20_000)); // after: flagged
    // A use of cap-2 seen first; the log reveals cap-2's revocation afterwards, dated earlier.
    sentinel.ingest(use('cap-2', t0 + 30_000));
    sentinel.ingest(
      event(
        'capability_stale',
        { capability_id: 'cap-2', reason: 'revoked', is_revocation_stale: true },
        t0 + 25_000,
      ),
    );
    sentinel.ingest(
      event(
        'capability_chain_verified',
        { capability_id: 'cap-2', issuer_agent: 'a', subject_agent: 'b', depth: 1 },
        t0 + 40_000,
      ),
    );
    expect(
      sentinel
        .violations()
        .filter((v) => v.violation_type === 'use_after_revocation')
        .map((v) => [v.detail['revoked_id'], v.detail['use']]),
    ).toEqual([
      ['cap-1', 'capability_execution'],
      ['cap-2', 'capability_execution'],
      ['cap-2', 'capability_chain_verified'],
    ]);
    expect(() => new Sentinel({ revocations: [{ id: 'x', revokedAt: 'not a time' }] })).toThrow(
      ConfigurationError,
    );
  });
});

describe('Sentinel: hash-chained logs', () => {
  const events = fixtureEvents();

  it('an intact chain has no gaps', async () => {
    const path = writeLines(tempDir(), 'chain.jsonl', chainLines(events));
    const sentinel = new Sentinel({ now });
    const result = await sentinel.ingestFile(path);
    expect(result).toMatchObject({ chained: true, events: 18, gaps: [] });
    expect(sentinel.report().log_gaps).toEqual([]);
  });

  it('names an edited line, a removed line and a reordered pair', async () => {
    const lines = chainLines(events);
    lines[4] = lines[4]!.replace('Replay detected', 'Packet verified and valid'); // line 5 edited
    const removed = lines.splice(8, 1); // line 9 (seq 9) removed
    expect(removed).toHaveLength(1);
    [lines[12], lines[13]] = [lines[13]!, lines[12]!]; // seq 15 and 14 swapped (now lines 13, 14)
    const path = writeLines(tempDir(), 'chain.jsonl', lines);
    const sentinel = new Sentinel({ now });
    const result = await sentinel.ingestFile(path);
    const gaps = result.gaps.map((g) => [g.kind, g.line, g.expected_seq, g.found_seq]);
    expect(gaps).toEqual([
      ['edited', 5, 5, 5],
      ['reordered', 14, null, 14],
      ['missing', 9, 9, null],
    ]);
    const types = sentinel.violations().map((v) => v.violation_type);
    expect(types.filter((t) => t === 'log_integrity')).toHaveLength(3);
    const gapViolations = sentinel.violations().filter((v) => v.violation_type === 'verifier_log_gap');
    expect(gapViolations.length).toBeGreaterThanOrEqual(3);
    expect(new Set(gapViolations.map((v) => v.detail['verifier_id']))).toEqual(
      new Set([events[0]!['verifier_id']]),
    );
    expect(sentinel.report().log_gaps).toHaveLength(3);
  });

  it('a plain line inside a chained log, and unreadable lines, break the chain', async () => {
    const lines = chainLines(events.slice(0, 4));
    lines.splice(2, 0, JSON.stringify(events[5]), '{not json');
    const path = writeLines(tempDir(), 'mixed.jsonl', lines);
    const sentinel = new Sentinel({ now });
    const result = await sentinel.ingestFile(path);
    expect(result.gaps.map((g) => [g.kind, g.line])).toEqual([
      ['malformed', 3],
      ['malformed', 4],
    ]);
    expect(result.malformed).toEqual([{ line: 4, reason: 'invalid_json' }]);
    expect(result.events).toBe(5);
  });

  it('non-event chain entries (a checkpoint) take part in the chain', async () => {
    const lines = chainLines(events.slice(0, 3));
    const { lineHash } = await import('trusthandoff/sentinel');
    lines.push(
      JSON.stringify({ seq: 4, prev: lineHash(lines[2]!), checkpoint: { count: 3 }, signature: 'x' }),
    );
    const sentinel = new Sentinel({ now });
    const result = await sentinel.ingestFile(writeLines(tempDir(), 'cp.jsonl', lines));
    expect(result).toMatchObject({ chained: true, events: 3, gaps: [], lines: 4 });
  });
});

describe('Sentinel: input it must survive', () => {
  it('counts malformed lines and caps line length without reading a huge line into memory', async () => {
    const dir = tempDir();
    const path = join(dir, 'bad.jsonl');
    writeFileSync(
      path,
      ['[1,2]', '{"no_type":1}', 'x'.repeat(3000), '', JSON.stringify(fixtureEvents()[0]), '"str"'].join(
        '\n',
      ),
    );
    const sentinel = new Sentinel({ now, maxLineBytes: 1024 });
    const result = await sentinel.ingestFile(path);
    expect(result.malformed).toEqual([
      { line: 1, reason: 'not_an_event' },
      { line: 2, reason: 'not_an_event' },
      { line: 3, reason: 'line_too_long' },
      { line: 6, reason: 'not_an_event' },
    ]);
    expect(result.events).toBe(1);
    expect(sentinel.report().counts.malformed).toBe(4);
    await expect(sentinel.ingestFile(join(dir, 'absent.jsonl'))).rejects.toMatchObject({ code: 'ENOENT' });
    expect(sentinel.ingest(null)).toBeUndefined();
    expect(sentinel.ingest({ event_type: '' })).toBeUndefined();
  });

  it('duplicates (same event_id) are counted once; caps keep memory bounded and counts exact', () => {
    const sentinel = new Sentinel({ now, maxRecords: 10, maxViolations: 5, maxTimeline: 7 });
    const e = decision(false, 'agent:x', 'expired');
    sentinel.ingest(e);
    sentinel.ingest(e);
    for (let i = 0; i < 30; i++) sentinel.ingest(decision(false, 'agent:x', 'expired'));
    const report = sentinel.report();
    expect(report.counts).toMatchObject({
      events: 31,
      duplicates: 1,
      violations: 31,
      records_dropped: 21,
      violations_dropped: 26,
    });
    expect(sentinel.records()).toHaveLength(10);
    expect(report.violations).toHaveLength(5);
    expect(report.timeline).toHaveLength(7);
    expect(() => new Sentinel({ maxRecords: 0 })).toThrow(ConfigurationError);
  });
});

describe('Sentinel: detectors of your own', () => {
  it('registerDetector adds one; names are unique; a throwing detector is counted, not fatal', () => {
    const sentinel = new Sentinel({ now, referenceOnly: true });
    const lateNight: SentinelDetector = {
      name: 'late_night_write',
      inspect: (r) =>
        r.event_type === 'packet_accepted' && r.attributes['risk_level'] === 'write'
          ? [
              {
                violation_type: 'late_night_write',
                severity: 'WARN',
                source_event_id: r.event_id,
                trace_id: r.trace_id,
                detail: {},
              },
            ]
          : undefined,
    };
    sentinel.registerDetector(lateNight);
    sentinel.registerDetector({
      name: 'broken',
      inspect: () => {
        throw new Error('boom');
      },
    });
    expect(() => {
      sentinel.registerDetector(lateNight);
    }).toThrow(ConfigurationError);
    expect(() => {
      sentinel.registerDetector({ name: '', inspect: () => undefined });
    }).toThrow(ConfigurationError);
    sentinel.ingest(decision(true, 'agent:a', 'Packet verified and valid', { risk_level: 'write' }));
    sentinel.ingest(decision(true, 'agent:a', 'Packet verified and valid'));
    expect(sentinel.violations().map((v) => v.violation_type)).toEqual(['late_night_write']);
    expect(sentinel.report().counts.detector_errors).toBe(2);
  });
});

describe('Sentinel: streams', () => {
  it('ingests an async iterable of events or {seq, event}, reporting sequence gaps', async () => {
    const events = fixtureEvents();
    async function* jetstream() {
      await Promise.resolve();
      yield { seq: 1, event: events[0]! };
      yield { seq: 2, event: events[1]! };
      yield { seq: 5, event: events[2]! };
      yield { seq: 3, event: events[3]! };
      yield events[4]!;
    }
    const sentinel = new Sentinel({ now });
    const result = await sentinel.ingestStream(jetstream(), 'AUDIT');
    expect(result.events).toBe(5);
    expect(result.gaps.map((g) => [g.source, g.kind, g.expected_seq, g.found_seq])).toEqual([
      ['AUDIT', 'missing', 3, 5],
      ['AUDIT', 'reordered', 6, 3],
    ]);
    expect(sentinel.violations().some((v) => v.violation_type === 'verifier_log_gap')).toBe(true);
  });
});

describe('Sentinel: concurrent ingest and detection', () => {
  it('a port, two files and a stream interleaved with report(): every event counted once, reports consistent', async () => {
    const dir = tempDir();
    const many = (n: number, from: string) =>
      Array.from({ length: n }, (_, i) =>
        JSON.stringify(
          decision(i % 4 !== 0, from, i % 4 !== 0 ? 'Packet verified and valid' : 'Replay detected'),
        ),
      );
    const a = writeLines(dir, 'a.jsonl', many(4000, 'agent:a'));
    const bLines = many(4000, 'agent:b');
    const b = writeLines(dir, 'b.jsonl', bLines);
    const sentinel = new Sentinel({ now });
    const snapshots: number[] = [];
    const port = (async () => {
      for (let i = 0; i < 2000; i++) {
        sentinel.write(decision(true, 'agent:port', 'Packet verified and valid') as never);
        if (i % 100 === 0) {
          const r = sentinel.report();
          // A snapshot is consistent: decisions add up to the events seen so far (all are decisions).
          expect(r.counts.decisions.accepted + r.counts.decisions.rejected).toBe(r.counts.events);
          snapshots.push(r.counts.events);
          await new Promise((resolve) => setImmediate(resolve));
        }
      }
    })();
    async function* stream() {
      for (const line of bLines.slice(0, 1000)) {
        yield JSON.parse(line) as Record<string, unknown>; // the same events as b.jsonl: duplicates
        await Promise.resolve();
      }
    }
    const results = await Promise.all([
      sentinel.ingestFile(a),
      sentinel.ingestFile(b),
      sentinel.ingestStream(stream()),
      port,
    ]);
    const report = sentinel.report();
    expect(report.counts.events).toBe(10_000);
    expect(report.counts.duplicates).toBe(1000);
    expect(results[0].events + results[1].events + results[2].events).toBe(8000);
    expect(report.counts.decisions).toEqual({ accepted: 2000 + 6000, rejected: 2000 });
    expect(report.counts.violations_by_type['rejected_packet']).toBe(2000);
    expect(snapshots.length).toBe(20);
    expect(snapshots.some((n) => n > 0 && n < 10_000)).toBe(true);
  });
});

describe('Sentinel: the text report', () => {
  it('lists counts, reasons, violations and handoffs', async () => {
    const sentinel = new Sentinel({ now });
    await sentinel.ingestFile(FIXTURE);
    const text = formatSentinelReport(sentinel.report());
    for (const needle of [
      'events      18',
      'decisions   5 accepted, 9 rejected',
      'replay_burst',
      'use_after_revocation',
      'Replay detected',
      'handoffs',
    ])
      expect(text).toContain(needle);
    expect(text).not.toContain('\u001b[');
    expect(sentinel.reportText().replace(/generated \S+/, '')).toBe(text.replace(/generated \S+/, ''));
    expect(formatSentinelReport(sentinel.report(), { color: true })).toContain('\u001b[31m');
    expect(JSON.parse(JSON.stringify(sentinel.report()))).toEqual(sentinel.report());
  });
});

describe('Sentinel on a real event hub', () => {
  it('is a sink of an EventHub: a gate and an attestation verifier feed it directly', async () => {
    const planner = AgentIdentity.generate();
    const worker = AgentIdentity.generate();
    const registry = new MemoryAgentRegistry();
    await registry.register(planner.agentId, planner.publicKeyPem);
    const sentinel = new Sentinel();
    const events = new EventHub({ verifier: { agentId: worker.agentId }, sinks: [sentinel] });
    const gate = new HandoffGate({
      agentId: worker.agentId,
      registry,
      replayStore: new MemoryReplayStore(),
      events,
    });
    const wire = serializeDelegationEnvelope(
      createDelegationEnvelope(
        issueTaskPacket(planner, { to_agent: worker.agentId, intent: 'Summarise', risk_level: 'read' }),
      ),
    );
    expect((await gate.handle(wire)).decision).toBe('ACCEPT');
    for (let i = 0; i < 3; i++) expect((await gate.handle(wire)).reason).toBe('Replay detected');
    const node = wrapNode((_s: { packet_id: string }) => ({ ok: true }), { identity: worker });
    const output = serializeNodeOutput(await node({ packet_id: 'p-1' }));
    const replayTracker = new AttestationReplayTracker({ replayStore: new MemoryReplayStore() });
    await verifyNodeOutput(output, worker.publicKeyPem, { replayTracker, events });
    await verifyNodeOutput(output, worker.publicKeyPem, { replayTracker, events });
    await events.close();
    const report = sentinel.report();
    expect(report.counts.by_type).toEqual({
      packet_rejected: 3,
      attestation_rejected: 1,
      attestation_verified: 1,
      packet_accepted: 1,
    });
    expect(report.counts.violations_by_type).toEqual({
      rejected_packet: 3,
      rejected_attestation: 1,
      replay_burst: 1,
    });
    expect(sentinel.records().every((r) => r.attributes['verifier_id'] === worker.agentId)).toBe(true);
    expect(report.handoffs.map((h) => [h.from_agent, h.to_agent, h.accepted, h.rejected])).toEqual([
      [planner.agentId, worker.agentId, 1, 3],
      [worker.agentId, worker.agentId, 1, 1],
    ]);
  });
});

describe('Sentinel: the chain starts at the genesis hash', () => {
  it('a first line that does not link to 64 zeros is reported', async () => {
    const lines = chainLines(fixtureEvents().slice(0, 3));
    const first = JSON.parse(lines[0]!) as Record<string, unknown>;
    lines[0] = JSON.stringify({ ...first, prev: 'f'.repeat(64) });
    const sentinel = new Sentinel({ now });
    const result = await sentinel.ingestFile(writeLines(tempDir(), 'g.jsonl', lines));
    // Reported once, though both its genesis link and its successor's link are broken.
    expect(result.gaps.map((g) => [g.kind, g.line])).toEqual([['edited', 1]]);
  });
});
