import { appendFile, mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AgentIdentity } from '../../src/identity/agent-identity.js';
import {
  GENESIS_HASH,
  JsonlFileSink,
  hashLine,
  listJsonlLogFiles,
  verifyJsonlLog,
  type JsonlFile,
} from '../../src/sinks/jsonl/index.js';
import { collectGarbage, decisionEvent } from './support.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'th-jsonl-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const lines = async (path: string): Promise<string[]> =>
  (await readFile(path, 'utf8')).split('\n').filter((l) => l.length > 0);

async function writeLog(path: string, count: number, identity?: AgentIdentity): Promise<void> {
  const sink = new JsonlFileSink({ path, ...(identity === undefined ? {} : { identity }) });
  for (let i = 0; i < count; i++) sink.write(decisionEvent(i));
  await sink.close();
}

describe('JsonlFileSink: line format and hash chain', () => {
  it('writes one chained line per event: seq from 1, prev = sha256 of the previous line', async () => {
    const path = join(dir, 'events.jsonl');
    const sink = new JsonlFileSink({ path });
    const events = Array.from({ length: 5 }, (_, i) => decisionEvent(i));
    for (const e of events) sink.write(e);
    await sink.flush();
    const written = await lines(path);
    expect(written).toHaveLength(5);
    let prev = GENESIS_HASH;
    written.forEach((line, i) => {
      const parsed = JSON.parse(line) as { seq: number; prev: string; event: unknown };
      expect(Object.keys(parsed)).toEqual(['seq', 'prev', 'event']);
      expect(parsed.seq).toBe(i + 1);
      expect(parsed.prev).toBe(prev);
      expect(parsed.event).toEqual(events[i]);
      prev = hashLine(line);
    });
    expect(sink.stats).toMatchObject({ accepted: 5, delivered: 5, dropped: 0, failed: 0, queued: 0, seq: 5 });
    const verdict = await verifyJsonlLog(path);
    expect(verdict).toMatchObject({ ok: true, events: 5, lastSeq: 5, head: prev, checkpoint: null });
    await sink.close();
  });

  it('close() seals the log with a checkpoint signed by the identity over the running hash', async () => {
    const path = join(dir, 'events.jsonl');
    const identity = AgentIdentity.generate();
    await writeLog(path, 10, identity);
    const written = await lines(path);
    expect(written).toHaveLength(11);
    const cp = JSON.parse(written[10]!) as { seq: number; prev: string; checkpoint: Record<string, string> };
    expect(cp.seq).toBe(11);
    expect(cp.prev).toBe(hashLine(written[9]!));
    expect(cp.checkpoint['signer']).toBe(identity.agentId);
    const verdict = await verifyJsonlLog(path, { publicKey: identity.publicKeyPem, requireCheckpoint: true });
    expect(verdict).toMatchObject({
      ok: true,
      events: 10,
      unsealedEvents: 0,
      checkpoint: { seq: 11, signer: identity.agentId, valid: true, trusted: true },
    });
    // Another verifier's key: the checkpoint does not hold for it.
    const other = AgentIdentity.generate();
    expect(await verifyJsonlLog(path, { publicKey: other.publicKeyPem })).toMatchObject({
      ok: false,
      reason: 'checkpoint_invalid',
      details: { line: 11, seq: 11 },
    });
  });

  it('checkpoint() needs an identity', async () => {
    const sink = new JsonlFileSink({ path: join(dir, 'x.jsonl') });
    await expect(sink.checkpoint()).rejects.toMatchObject({ code: 'ERR_CONFIGURATION' });
    await sink.close();
  });
});

describe('verifyJsonlLog names the first tampered line', () => {
  const identity = AgentIdentity.generate();
  let original: string[];
  let path: string;
  beforeEach(async () => {
    path = join(dir, 'events.jsonl');
    await writeLog(path, 20, identity);
    original = await lines(path);
  });
  const rewrite = async (edit: (l: string[]) => string[]): Promise<void> => {
    await writeFile(path, `${edit([...original]).join('\n')}\n`);
  };

  it('an edited line', async () => {
    await rewrite((l) => {
      l[4] = l[4]!.replace('"Research company background"', '"Wire the money"');
      return l;
    });
    expect(await verifyJsonlLog(path)).toMatchObject({
      ok: false,
      reason: 'line_edited',
      details: { line: 5, seq: 5 },
    });
  });

  it('an edited last event line is caught by the checkpoint', async () => {
    await rewrite((l) => {
      l[19] = l[19]!.replace('"agent:sender"', '"agent:other"');
      return l;
    });
    expect(await verifyJsonlLog(path)).toMatchObject({
      ok: false,
      reason: 'line_edited',
      details: { line: 20, seq: 20 },
    });
  });

  it('a removed line', async () => {
    await rewrite((l) => l.filter((_, i) => i !== 7));
    expect(await verifyJsonlLog(path)).toMatchObject({
      ok: false,
      reason: 'line_missing',
      details: { line: 8, seq: 9, expectedSeq: 8 },
    });
  });

  it('two lines swapped', async () => {
    await rewrite((l) => {
      [l[9], l[10]] = [l[10]!, l[9]!];
      return l;
    });
    expect(await verifyJsonlLog(path)).toMatchObject({
      ok: false,
      reason: 'line_reordered',
      details: { line: 10, seq: 11, expectedSeq: 10 },
    });
  });

  it('a line moved back (seq goes down)', async () => {
    await rewrite((l) => {
      const [moved] = l.splice(2, 1);
      l.splice(6, 0, moved!);
      return l;
    });
    expect(await verifyJsonlLog(path)).toMatchObject({ ok: false, reason: 'line_reordered' });
  });

  it('a forged checkpoint signature, a torn line, the first line relinked', async () => {
    await rewrite((l) => {
      const cp = JSON.parse(l[20]!) as { checkpoint: { signature: string } };
      const sig = Buffer.from(cp.checkpoint.signature, 'base64');
      sig[0] = sig[0]! ^ 1;
      cp.checkpoint.signature = sig.toString('base64');
      l[20] = JSON.stringify(cp);
      return l;
    });
    expect(await verifyJsonlLog(path)).toMatchObject({ ok: false, reason: 'checkpoint_invalid' });
    await rewrite((l) => {
      l[3] = l[3]!.slice(0, 40);
      return l;
    });
    expect(await verifyJsonlLog(path)).toMatchObject({
      ok: false,
      reason: 'malformed_line',
      details: { line: 4 },
    });
    await rewrite((l) => {
      l[0] = l[0]!.replace(GENESIS_HASH, 'f'.repeat(64));
      return l;
    });
    expect(await verifyJsonlLog(path)).toMatchObject({
      ok: false,
      reason: 'chain_broken',
      details: { line: 1 },
    });
  });

  it('requireCheckpoint: a log cut before its checkpoint', async () => {
    await rewrite((l) => l.slice(0, 20));
    expect(await verifyJsonlLog(path)).toMatchObject({ ok: true, unsealedEvents: 20 });
    expect(await verifyJsonlLog(path, { requireCheckpoint: true })).toMatchObject({
      ok: false,
      reason: 'checkpoint_missing',
    });
  });

  it('a missing file is a verdict, not a throw', async () => {
    expect(await verifyJsonlLog(join(dir, 'nope.jsonl'))).toMatchObject({ ok: false, reason: 'unreadable' });
  });
});

describe('JsonlFileSink: rotation, reopening, durability', () => {
  it('rotates by size; the chain continues across files, each segment sealed', async () => {
    const path = join(dir, 'events.jsonl');
    const identity = AgentIdentity.generate();
    const sink = new JsonlFileSink({ path, maxFileBytes: 8192, identity, batchSize: 7 });
    for (let i = 0; i < 300; i++) sink.write(decisionEvent(i));
    await sink.close();
    const files = await listJsonlLogFiles(path);
    expect(files.length).toBeGreaterThan(5);
    expect(files.at(-1)).toBe(path);
    expect(files[0]).toBe(`${path}.1`);
    const checkpointLine = 600; // generous bound on one checkpoint line
    for (const f of files) expect((await stat(f)).size).toBeLessThanOrEqual(8192 + checkpointLine);
    const verdict = await verifyJsonlLog(files, {
      publicKey: identity.publicKeyPem,
      requireCheckpoint: true,
    });
    expect(verdict).toMatchObject({ ok: true, events: 300, lines: 300 + sink.stats.checkpoints });
    expect(sink.stats.rotations).toBe(files.length - 1);
    // Each rotated segment ends with a checkpoint line.
    for (const f of files) expect(JSON.parse((await lines(f)).at(-1)!)).toHaveProperty('checkpoint');
    // A deleted middle segment is a gap.
    await rm(files[2]!);
    expect(await verifyJsonlLog(files.filter((_, i) => i !== 2))).toMatchObject({
      ok: false,
      reason: 'line_missing',
    });
  });

  it('maxFiles keeps only the newest rotated files; the rest verifies anchored at its first line', async () => {
    const path = join(dir, 'events.jsonl');
    const sink = new JsonlFileSink({ path, maxFileBytes: 4096, maxFiles: 2 });
    for (let i = 0; i < 200; i++) sink.write(decisionEvent(i));
    await sink.close();
    const files = await listJsonlLogFiles(path);
    expect(files).toHaveLength(3);
    const verdict = await verifyJsonlLog(files);
    expect(verdict.ok).toBe(true);
    expect(verdict.firstSeq).toBeGreaterThan(1);
    expect(verdict.lastSeq).toBe(200);
  });

  it('flush() makes lines readable by a fresh reader; a new sink on the same path continues the chain', async () => {
    const path = join(dir, 'events.jsonl');
    const identity = AgentIdentity.generate();
    const first = new JsonlFileSink({ path, identity });
    for (let i = 0; i < 50; i++) first.write(decisionEvent(i));
    await first.flush();
    expect(await lines(path)).toHaveLength(50);
    await first.close();
    const second = new JsonlFileSink({ path, identity });
    for (let i = 50; i < 80; i++) second.write(decisionEvent(i));
    await second.close();
    const verdict = await verifyJsonlLog(path, { publicKey: identity.publicKeyPem, requireCheckpoint: true });
    expect(verdict).toMatchObject({ ok: true, events: 80, lines: 82, lastSeq: 82 });
  });

  it('a new sink after rotation continues from the newest segment', async () => {
    const path = join(dir, 'events.jsonl');
    const first = new JsonlFileSink({ path, maxFileBytes: 4096 });
    for (let i = 0; i < 40; i++) first.write(decisionEvent(i));
    await first.close();
    await rm(path, { force: true });
    const second = new JsonlFileSink({ path });
    second.write(decisionEvent(99));
    await second.close();
    const verdict = await verifyJsonlLog(await listJsonlLogFiles(path));
    expect(verdict).toMatchObject({ ok: true });
  });

  it('a torn last line (crash mid-write) is kept as a segment for verify to report; writing continues', async () => {
    const path = join(dir, 'events.jsonl');
    await writeLog(path, 5);
    await appendFile(path, '{"seq":6,"prev":"ab');
    const sink = new JsonlFileSink({ path });
    sink.write(decisionEvent(6));
    await sink.close();
    const files = await listJsonlLogFiles(path);
    expect(files).toEqual([`${path}.1`, path]);
    expect(await verifyJsonlLog(files)).toMatchObject({
      ok: false,
      reason: 'malformed_line',
      details: { file: `${path}.1`, line: 6 },
    });
    expect(await verifyJsonlLog(path)).toMatchObject({ ok: true, firstSeq: 6, events: 1 });
  });
});

function slowFile(
  delayMs: number,
  inner: () => Promise<JsonlFile>,
  failFirst = 0,
): (p: string) => Promise<JsonlFile> {
  let failures = failFirst;
  return async () => {
    const file = await inner();
    return {
      async write(data) {
        await new Promise((r) => setTimeout(r, delayMs));
        if (failures > 0) {
          failures--;
          // Half the batch reaches the disk before the failure: the sink must cut it off.
          await file.write(data.subarray(0, Math.floor(data.length / 2)));
          throw new Error('EIO');
        }
        await file.write(data);
      },
      sync: () => file.sync(),
      truncate: (n) => file.truncate(n),
      close: () => file.close(),
    };
  };
}

async function realFile(path: string): Promise<JsonlFile> {
  const { open } = await import('node:fs/promises');
  const h = await open(path, 'a');
  return {
    write: async (d) => {
      await h.write(d);
    },
    sync: () => h.sync(),
    truncate: (n) => h.truncate(n),
    close: () => h.close(),
  };
}

describe('JsonlFileSink: bounded queue, retries, counters', () => {
  it('a failed write is retried with backoff; a torn write is cut off; nothing is duplicated', async () => {
    const path = join(dir, 'events.jsonl');
    const sink = new JsonlFileSink({
      path,
      openFile: slowFile(1, () => realFile(path), 2),
      retry: { initialDelayMs: 1, maxDelayMs: 5 },
    });
    for (let i = 0; i < 30; i++) sink.write(decisionEvent(i));
    await sink.close();
    expect(sink.stats).toMatchObject({ accepted: 30, delivered: 30, failed: 0, retries: 2 });
    expect(await verifyJsonlLog(path)).toMatchObject({ ok: true, events: 30 });
  });

  it('a disk that keeps failing: events counted failed, flush rejects with ERR_STORE_UNAVAILABLE', async () => {
    const path = join(dir, 'events.jsonl');
    const sink = new JsonlFileSink({
      path,
      openFile: slowFile(0, () => realFile(path), 1_000_000),
      retry: { maxAttempts: 3, initialDelayMs: 1, maxDelayMs: 2 },
    });
    for (let i = 0; i < 10; i++) sink.write(decisionEvent(i));
    await expect(sink.flush()).rejects.toMatchObject({ code: 'ERR_STORE_UNAVAILABLE' });
    expect(sink.stats).toMatchObject({ accepted: 10, delivered: 0, failed: 10, retries: 3, queued: 0 });
    await sink.close();
  });

  it('100,000-event burst into a slow disk: drop newest, memory bounded, counters add up', async () => {
    const path = join(dir, 'events.jsonl');
    const maxQueueEvents = 2000;
    const maxQueueBytes = 512 * 1024;
    const sink = new JsonlFileSink({
      path,
      maxQueueEvents,
      maxQueueBytes,
      batchSize: 256,
      openFile: slowFile(20, () => realFile(path)),
    });
    const event = decisionEvent(1);
    collectGarbage();
    const heapBefore = process.memoryUsage().heapUsed;
    let maxQueued = 0;
    let maxBytes = 0;
    const started = performance.now();
    for (let i = 0; i < 100_000; i++) {
      sink.write(i % 2 === 0 ? event : decisionEvent(i));
      if (i % 1000 === 0) {
        maxQueued = Math.max(maxQueued, sink.stats.queued);
        maxBytes = Math.max(maxBytes, sink.stats.queuedBytes);
        // Let the writer run between slices of the burst, as a gate under load would.
        await new Promise((r) => setImmediate(r));
      }
    }
    const writeMs = performance.now() - started;
    collectGarbage();
    const heapDuring = process.memoryUsage().heapUsed;
    expect(maxQueued).toBeLessThanOrEqual(maxQueueEvents);
    expect(maxBytes).toBeLessThanOrEqual(maxQueueBytes);
    // write() never waited on the disk: 100,000 calls took far less than the disk would.
    expect(writeMs).toBeLessThan(10_000);
    // Retained: the queue's bound (2000 events, 512 KiB) plus bookkeeping.
    expect(heapDuring - heapBefore).toBeLessThan(16 * 1024 * 1024);
    await sink.close();
    const s = sink.stats;
    expect(s.dropped).toBeGreaterThan(0);
    expect(s.accepted + s.dropped).toBe(100_000);
    expect(s.delivered).toBe(s.accepted);
    expect(s.failed).toBe(0);
    expect(s.queued).toBe(0);
    const verdict = await verifyJsonlLog(path);
    expect(verdict).toMatchObject({ ok: true, events: s.delivered });
  });

  it('events after close, oversized and unserializable events are dropped and counted', async () => {
    const sink = new JsonlFileSink({ path: join(dir, 'e.jsonl'), maxEventBytes: 1024 });
    const huge = { ...decisionEvent(1), reason: 'x'.repeat(5000) } as unknown as Parameters<
      typeof sink.write
    >[0];
    sink.write(huge);
    const cyclic = { ...decisionEvent(2) } as Record<string, unknown>;
    cyclic['self'] = cyclic;
    sink.write(cyclic as unknown as Parameters<typeof sink.write>[0]);
    sink.write(decisionEvent(3));
    await sink.close();
    sink.write(decisionEvent(4));
    expect(sink.stats).toMatchObject({ accepted: 1, delivered: 1, dropped: 3 });
    expect(await readdir(dir)).toEqual(['e.jsonl']);
  });

  it('options are validated at construction', () => {
    const bad: unknown[] = [
      {},
      { path: '' },
      { path: 'x', maxFileBytes: 10 },
      { path: 'x', maxQueueEvents: 0 },
      { path: 'x', maxQueueBytes: Number.NaN },
      { path: 'x', retry: { maxAttempts: 0 } },
      { path: 'x', retry: { initialDelayMs: -1 } },
      { path: 'x', identity: {} },
      { path: 'x', maxFiles: 0 },
    ];
    for (const options of bad)
      expect(() => new JsonlFileSink(options as never), JSON.stringify(options)).toThrow(
        expect.objectContaining({ code: 'ERR_CONFIGURATION' }) as Error,
      );
  });
});
