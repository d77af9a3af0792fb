/**
 * WorkerSink: sinks on a worker thread. The real JSONL sink (sealed by a key file read in the worker)
 * and the real JetStream sink, a custom factory module, overflow with a slow sink (bounded, counters
 * add up), a factory that fails, and a worker that dies.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { AgentIdentity, EventHub, saveIdentity } from '../support/api.js';
import { verifyJsonlLog } from '../../src/sinks/jsonl/index.js';
import { WorkerSink, type WorkerSinkOptions } from '../../src/sinks/worker/index.js';
import { createTsChildRunner } from '../support/ts-child.js';
import { NATS_URL, natsAvailable } from '../support/services.js';
import { tempDir } from '../sentinel/support.js';

const runner = createTsChildRunner();
afterAll(() => {
  runner.dispose();
});
// Under vitest the worker script is TypeScript: load it with the test's TS hook (which transpiles the
// sinks and their clients on the fly: slow to start, hence the hubs' generous close deadline).
const execArgv = runner.nodeArgs('x.ts').slice(0, 2);
const FIXTURES = fileURLToPath(new URL('./fixtures/worker-sinks.ts', import.meta.url));
const nats = await natsAvailable();

function sinkOf(options: WorkerSinkOptions): WorkerSink {
  return new WorkerSink({ ...options, worker: { execArgv } });
}

function fields(i: number) {
  return {
    packet_id: randomUUID(),
    task_id: randomUUID(),
    from_agent: 'agent:sender',
    to_agent: 'agent:v1',
    intent: `task ${i}`,
    risk_level: 'read',
    ttl_seconds: 300,
    latency_ms: 0.1,
    reason: 'Packet verified and valid',
  };
}

describe('WorkerSink', () => {
  it('the JSONL sink in the worker: every event in the chain, sealed with the key file', async () => {
    const dir = tempDir();
    const verifier = AgentIdentity.generate();
    const keyFile = join(dir, 'verifier.pem');
    await saveIdentity(verifier, keyFile);
    const path = join(dir, 'audit.jsonl');
    const sink = sinkOf({ sinks: [{ sink: 'jsonl', options: { path }, identityKeyFile: keyFile }] });
    const ids: string[] = [];
    const seen = { write: (e: { event_id: string }) => void ids.push(e.event_id) };
    const hub = new EventHub({
      verifier: { agentId: verifier.agentId },
      sinks: [sink, seen],
      flushTimeoutMs: 30_000,
    });
    for (let i = 0; i < 2000; i++) hub.emit('packet_accepted', fields(i));
    expect((await hub.close()).ok).toBe(true);
    expect(sink.stats).toMatchObject({ accepted: 2000, delivered: 2000, dropped: 0, failed: 0, queued: 0 });
    const verdict = await verifyJsonlLog(path, { publicKey: verifier.publicKeyPem, requireCheckpoint: true });
    expect(verdict).toMatchObject({ ok: true, events: 2000, checkpoint: { valid: true, trusted: true } });
    const written = readFileSync(path, 'utf8')
      .trim()
      .split('\n')
      .slice(0, -1)
      .map((l) => (JSON.parse(l) as { event: { event_id: string } }).event.event_id);
    expect(written).toEqual(ids);
  });

  it.skipIf(!nats)('the JetStream sink in the worker: every event in the stream once', async () => {
    const stream = `TH_WORKER_${randomUUID().replaceAll('-', '')}`;
    const sink = sinkOf({
      sinks: [{ sink: 'nats', options: { servers: NATS_URL, stream, subjectPrefix: `th.worker.${stream}` } }],
    });
    const hub = new EventHub({ verifier: { agentId: 'agent:v1' }, sinks: [sink], flushTimeoutMs: 30_000 });
    for (let i = 0; i < 500; i++) hub.emit('packet_accepted', fields(i));
    expect((await hub.close()).ok).toBe(true);
    expect(sink.stats).toMatchObject({ accepted: 500, delivered: 500, failed: 0 });
    const nc = await connect({ servers: NATS_URL });
    const jsm = await jetstreamManager(nc);
    expect((await jsm.streams.info(stream)).state.messages).toBe(500);
    await jsm.streams.delete(stream);
    await nc.close();
  });

  it('a slow sink: 100,000 events, the decision side stays bounded and the counters add up', async () => {
    const path = join(tempDir(), 'slow.txt');
    const sink = sinkOf({
      sinks: [{ module: FIXTURES, options: { path, spinMs: 1 } }],
      maxQueueEvents: 1000,
      batchSize: 100,
    });
    const hub = new EventHub({ verifier: { agentId: 'agent:v1' }, sinks: [sink], flushTimeoutMs: 30_000 });
    let maxQueued = 0;
    for (let i = 0; i < 100_000; i++) {
      hub.emit('packet_accepted', fields(i));
      maxQueued = Math.max(maxQueued, sink.stats.queued);
    }
    expect(maxQueued).toBeLessThanOrEqual(1000);
    const before = sink.stats;
    expect(before.accepted + before.dropped).toBe(100_000);
    expect(before.dropped).toBeGreaterThan(0);
    expect((await hub.close()).ok).toBe(true);
    const after = sink.stats;
    expect(after.delivered + after.failed).toBe(after.accepted);
    expect(readFileSync(path, 'utf8').trim().split('\n')).toHaveLength(after.delivered);
  });

  it('a factory that fails: flush and close report it, writes are dropped, nothing hangs', async () => {
    const sink = sinkOf({ sinks: [{ module: FIXTURES, export: 'brokenFactory' }] });
    await expect(sink.flush()).rejects.toMatchObject({
      code: 'ERR_CONFIGURATION',
      message: expect.stringContaining('no backend configured') as unknown,
    });
    sink.write({ event_type: 'packet_accepted' } as never);
    expect(sink.stats).toMatchObject({ accepted: 0, dropped: 1 });
    await expect(sink.close()).rejects.toMatchObject({ code: 'ERR_CONFIGURATION' });
  });

  it('a worker that dies: what it held is counted as failed, later events as dropped', async () => {
    const sink = sinkOf({ sinks: [{ module: FIXTURES, export: 'createCrashingSink' }], lingerMs: 0 });
    const hub = new EventHub({ verifier: { agentId: 'agent:v1' }, sinks: [sink], flushTimeoutMs: 30_000 });
    for (let i = 0; i < 10; i++) hub.emit('packet_accepted', fields(i));
    for (let i = 0; i < 100 && !sink.stats.workerDied; i++) await new Promise((r) => setTimeout(r, 20));
    expect(sink.stats.workerDied).toBe(true);
    hub.emit('packet_accepted', fields(11));
    const stats = sink.stats;
    expect(stats.accepted).toBe(10);
    expect(stats.failed).toBe(10);
    expect(stats.dropped).toBe(1);
    expect((await hub.close()).ok).toBe(false);
  });

  it('options are checked at construction', () => {
    expect(() => new WorkerSink({ sinks: [] })).toThrow(/at least one sink/);
    expect(() => new WorkerSink({ sinks: [{ module: FIXTURES }], maxQueueBytes: 10 })).toThrow(
      /maxQueueBytes/,
    );
  });
});
