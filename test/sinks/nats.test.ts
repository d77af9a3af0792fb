/**
 * NatsJetStreamSink against real servers: the machine's NATS at NATS_URL (unique stream per test,
 * deleted after), and for the restart test a nats-server of our own on another loopback port,
 * killed and restarted by pid.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NatsJetStreamSink } from '../../src/sinks/nats/index.js';
import { canReach, NATS_URL, natsAvailable } from '../support/services.js';
import { decisionEvent } from './support.js';

const available = await natsAvailable();

async function readStream(nc: NatsConnection, stream: string): Promise<Map<string, number>> {
  const jsm = await jetstreamManager(nc);
  const total = (await jsm.streams.info(stream)).state.messages;
  const counts = new Map<string, number>();
  if (total === 0) return counts;
  const consumer = await jetstream(nc).consumers.get(stream);
  const messages = await consumer.fetch({ max_messages: total, expires: 5000 });
  let seen = 0;
  for await (const m of messages) {
    const event = m.json<{ event_id: string }>();
    expect(m.headers?.get('Nats-Msg-Id')).toBe(event.event_id);
    counts.set(event.event_id, (counts.get(event.event_id) ?? 0) + 1);
    if (++seen === total) break;
  }
  return counts;
}

describe.runIf(available)('NatsJetStreamSink (NATS at NATS_URL)', () => {
  let nc: NatsConnection;
  const streams: string[] = [];
  beforeAll(async () => {
    nc = await connect({ servers: NATS_URL });
  });
  afterAll(async () => {
    const jsm = await jetstreamManager(nc);
    for (const s of streams) await jsm.streams.delete(s).catch(() => undefined);
    await nc.close();
  });
  const unique = (): { stream: string; subjectPrefix: string } => {
    const id = randomUUID().replaceAll('-', '');
    streams.push(`TH_TEST_${id}`);
    return { stream: `TH_TEST_${id}`, subjectPrefix: `th.test.${id}` };
  };

  it('creates the stream, publishes every event once with Nats-Msg-Id = event_id', async () => {
    const names = unique();
    const sink = new NatsJetStreamSink({ servers: NATS_URL, ...names });
    const events = Array.from({ length: 500 }, (_, i) => decisionEvent(i));
    for (const e of events) sink.write(e);
    await sink.flush();
    // Redelivery of the same events (a retry, a second hub) is de-duplicated by the server.
    for (const e of events.slice(0, 50)) sink.write(e);
    await sink.close();
    expect(sink.stats).toMatchObject({
      accepted: 550,
      delivered: 550,
      failed: 0,
      dropped: 0,
      duplicates: 50,
    });
    const counts = await readStream(nc, names.stream);
    expect(counts.size).toBe(500);
    for (const e of events) expect(counts.get(e.event_id)).toBe(1);
    const info = await (await jetstreamManager(nc)).streams.info(names.stream);
    expect(info.config.subjects).toEqual([`${names.subjectPrefix}.>`]);
  });

  it('uses a caller-owned connection and leaves it open; uses an existing stream as it is', async () => {
    const names = unique();
    const jsm = await jetstreamManager(nc);
    await jsm.streams.add({ name: names.stream, subjects: [`${names.subjectPrefix}.>`], max_msgs: 1000 });
    const sink = new NatsJetStreamSink({ connection: nc, ...names });
    sink.write(decisionEvent(1));
    await sink.close();
    expect(nc.isClosed()).toBe(false);
    expect((await jsm.streams.info(names.stream)).config.max_msgs).toBe(1000);
    expect((await readStream(nc, names.stream)).size).toBe(1);
  });

  it('options are validated at construction', () => {
    for (const options of [
      {},
      { servers: NATS_URL, connection: nc },
      { servers: [] },
      { servers: NATS_URL, stream: 'a.b' },
      { servers: NATS_URL, subjectPrefix: 'a.>' },
      { servers: NATS_URL, publishTimeoutMs: 0 },
      { servers: NATS_URL, maxQueueEvents: -1 },
    ])
      expect(() => new NatsJetStreamSink(options as never)).toThrow(
        expect.objectContaining({ code: 'ERR_CONFIGURATION' }) as Error,
      );
  });
});

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => {
        if (address !== null && typeof address === 'object') resolve(address.port);
        else reject(new Error('no port'));
      });
    });
  });
}

const NATS_SERVER = '/usr/sbin/nats-server';

describe.runIf(available)('NatsJetStreamSink across a server restart (own nats-server)', () => {
  let storeDir: string;
  let port: number;
  let server: ChildProcess | undefined;

  const start = async (): Promise<void> => {
    server = spawn(NATS_SERVER, ['-a', '127.0.0.1', '-p', String(port), '-js', '-sd', storeDir], {
      stdio: 'ignore',
    });
    for (let i = 0; i < 100 && !(await canReach(`nats://127.0.0.1:${port}`, 200)); i++)
      await new Promise((r) => setTimeout(r, 100));
  };
  const kill = async (): Promise<void> => {
    const child = server;
    if (child === undefined || child.exitCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    process.kill(child.pid!, 'SIGKILL');
    await exited;
    server = undefined;
  };

  beforeAll(async () => {
    storeDir = await mkdtemp(join(tmpdir(), 'th-nats-'));
    port = await freePort();
    await start();
  });
  afterAll(async () => {
    await kill();
    await rm(storeDir, { recursive: true, force: true });
  });

  it('drop the server mid-stream, keep emitting, restart: every event arrives exactly once', async () => {
    const url = `nats://127.0.0.1:${port}`;
    const sink = new NatsJetStreamSink({
      servers: url,
      stream: 'TH_RESTART',
      publishTimeoutMs: 500,
      batchSize: 50,
      retry: { initialDelayMs: 20, maxDelayMs: 300 },
    });
    const events = Array.from({ length: 3000 }, (_, i) => decisionEvent(i));
    const emit = async (from: number, to: number): Promise<void> => {
      for (let i = from; i < to; i++) {
        sink.write(events[i]!);
        if (i % 20 === 0) await new Promise((r) => setTimeout(r, 1));
      }
    };
    await emit(0, 1000);
    await kill(); // mid-stream: batches are in flight or queued
    await emit(1000, 2000);
    await new Promise((r) => setTimeout(r, 700));
    expect(sink.stats.retries).toBeGreaterThan(0);
    await start();
    await emit(2000, 3000);
    await sink.close();
    expect(sink.stats).toMatchObject({ accepted: 3000, delivered: 3000, failed: 0, dropped: 0, queued: 0 });

    const reader = await connect({ servers: url });
    try {
      const counts = await readStream(reader, 'TH_RESTART');
      expect(counts.size).toBe(3000);
      const notOnce = events.filter((e) => counts.get(e.event_id) !== 1);
      expect(notOnce).toHaveLength(0);
    } finally {
      await reader.close();
    }
  });
});
