/**
 * Sentinel reading a real JetStream stream (NATS_URL) written by the NatsJetStreamSink: every event
 * once, a message deleted from the stream reported as a gap with the verifier around it flagged, a
 * filtered read, a follow read stopped by its signal, and a body that is not JSON counted as malformed.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { EventHub } from '../support/api.js';
import { Sentinel } from '../../src/sentinel/index.js';
import { jetStreamEvents } from '../../src/sentinel/jetstream/index.js';
import { NatsJetStreamSink } from '../../src/sinks/nats/index.js';
import { NATS_URL, natsAvailable } from '../support/services.js';

const nats = await natsAvailable();
const now = () => Date.parse('2026-12-04T10:00:00.000Z');

function fields(from_agent: string) {
  return {
    packet_id: randomUUID(),
    task_id: randomUUID(),
    from_agent,
    to_agent: 'agent:v1',
    intent: 'summarize',
    risk_level: 'read',
    ttl_seconds: 300,
    latency_ms: 0.1,
  };
}

describe.skipIf(!nats)('Sentinel ← JetStream', () => {
  let nc: NatsConnection;
  let jsm: JetStreamManager;
  const streams: string[] = [];
  beforeAll(async () => {
    nc = await connect({ servers: NATS_URL });
    jsm = await jetstreamManager(nc);
  });
  afterAll(async () => {
    for (const s of streams) await jsm.streams.delete(s).catch(() => undefined);
    await nc.close();
  });

  /** A stream holding `n` decisions of verifier `agent:v1` (every third a replay rejection). */
  async function fill(n: number): Promise<{ stream: string; prefix: string }> {
    const stream = `TH_SENTINEL_${randomUUID().replaceAll('-', '')}`;
    const prefix = `th.sentinel.${stream}`;
    streams.push(stream);
    const sink = new NatsJetStreamSink({ connection: nc, stream, subjectPrefix: prefix });
    const hub = new EventHub({ verifier: { agentId: 'agent:v1' }, sinks: [sink] });
    for (let i = 0; i < n; i++) {
      if (i % 3 === 2)
        hub.emit('packet_rejected', { ...fields('agent:sender'), reason: 'Replay detected', step: 'replay' });
      else hub.emit('packet_accepted', { ...fields('agent:sender'), reason: 'Packet verified and valid' });
    }
    expect((await hub.close()).ok).toBe(true);
    return { stream, prefix };
  }

  it('reads every event once, with the stream sequence, and stops at the end', async () => {
    const { stream } = await fill(30);
    const sentinel = new Sentinel({ now });
    const result = await sentinel.ingestStream(
      jetStreamEvents({ connection: nc, stream, batchSize: 7 }),
      stream,
    );
    expect(result).toMatchObject({ source: stream, lines: 30, events: 30, chained: true, gaps: [] });
    expect(sentinel.report().counts.decisions).toEqual({ accepted: 20, rejected: 10 });
  });

  it('a message deleted from the stream is a missing gap; the verifier around it is flagged', async () => {
    const { stream } = await fill(12);
    await jsm.streams.deleteMessage(stream, 6);
    const sentinel = new Sentinel({ now });
    const result = await sentinel.ingestStream(jetStreamEvents({ servers: NATS_URL, stream }), stream);
    expect(result.events).toBe(11);
    expect(result.gaps.map((g) => [g.kind, g.expected_seq, g.found_seq, g.verifier_ids])).toEqual([
      ['missing', 6, 7, ['agent:v1']],
    ]);
    const flagged = sentinel.violations().filter((v) => v.violation_type === 'verifier_log_gap');
    expect(flagged).toHaveLength(1);
    expect(flagged[0]?.detail).toMatchObject({ verifier_id: 'agent:v1', expected_seq: 6, found_seq: 7 });
  });

  it('startSeq resumes a read; a subject filter reads one event type (without seq)', async () => {
    const { stream, prefix } = await fill(9);
    const resumed = new Sentinel({ now });
    expect(
      (await resumed.ingestStream(jetStreamEvents({ connection: nc, stream, startSeq: 5 }))).events,
    ).toBe(5);
    const filtered = new Sentinel({ now });
    const result = await filtered.ingestStream(
      jetStreamEvents({ connection: nc, stream, subject: `${prefix}.packet_rejected` }),
    );
    expect(result).toMatchObject({ events: 3, chained: false });
    expect(filtered.report().counts.decisions).toEqual({ accepted: 0, rejected: 3 });
  });

  it('a body that is not JSON is counted as malformed, not ingested', async () => {
    const { stream, prefix } = await fill(2);
    await nc.request(`${prefix}.packet_accepted`, 'not json {', { timeout: 2000 });
    const sentinel = new Sentinel({ now });
    const result = await sentinel.ingestStream(jetStreamEvents({ connection: nc, stream }));
    expect(result).toMatchObject({ lines: 3, events: 2 });
    expect(result.malformed).toEqual([{ line: 3, reason: 'not_an_event' }]);
  });

  it('follow: keeps reading new events until the signal aborts', async () => {
    const { stream, prefix } = await fill(3);
    const controller = new AbortController();
    const sentinel = new Sentinel({ now });
    const reading = sentinel.ingestStream(
      jetStreamEvents({ connection: nc, stream, follow: true, signal: controller.signal }),
    );
    const sink = new NatsJetStreamSink({
      connection: nc,
      stream,
      subjectPrefix: prefix,
      createStream: false,
    });
    const hub = new EventHub({ verifier: { agentId: 'agent:v1' }, sinks: [sink] });
    hub.emit('packet_accepted', { ...fields('agent:late'), reason: 'Packet verified and valid' });
    expect((await hub.close()).ok).toBe(true);
    for (let i = 0; i < 100 && sentinel.report().counts.events < 4; i++)
      await new Promise((resolve) => setTimeout(resolve, 50));
    controller.abort();
    expect((await reading).events).toBe(4);
  });

  it('options are checked before anything connects', async () => {
    const read = (options: Parameters<typeof jetStreamEvents>[0]) => jetStreamEvents(options).next();
    await expect(read({ stream: 'bad name', connection: nc })).rejects.toMatchObject({
      code: 'ERR_CONFIGURATION',
    });
    await expect(read({ stream: 'S' })).rejects.toMatchObject({ code: 'ERR_CONFIGURATION' });
    await expect(read({ connection: nc, servers: NATS_URL })).rejects.toMatchObject({
      code: 'ERR_CONFIGURATION',
    });
    await expect(read({ connection: nc, startSeq: 0 })).rejects.toMatchObject({ code: 'ERR_CONFIGURATION' });
  });
});
