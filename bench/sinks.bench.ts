/**
 * Issue 10 benchmark: gate decisions per second with the audit sinks attached — an EventHub feeding
 * the hash-chained JSONL sink and the NATS JetStream sink (NATS_URL; left out when unreachable), and
 * OpenTelemetry hooks (spans through a BatchSpanProcessor — every decision with a span per step, 10%
 * of traces sampled, or decision spans only — plus the decision counter and latency histogram) — next to the same gate without any of them, in the same run.
 * Target: at least 0.9 of the run without.
 *
 * Rounds alternate the two gates (order flipped every round); each round uses fresh stores, so every
 * decision is a full ACCEPT path. After each observed run the hub is closed (every event written and
 * acknowledged) before the next measurement starts, so sink work never spills into the baseline's
 * window; the time that drain took and the events dropped are printed beside the figure — a sink that
 * cannot keep up shows there, not as a flattering ratio.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import {
  BasicTracerProvider,
  BatchSpanProcessor,
  ParentBasedSampler,
  TraceIdRatioBasedSampler,
  type ReadableSpan,
  type SpanExporter,
} from '@opentelemetry/sdk-trace-base';
import {
  EventHub,
  MemoryAgentRegistry,
  MemoryReplayStore,
  MemoryRevocationStore,
  HandoffGate,
  type HandoffGateOptions,
} from '../src/index.js';
import { type EventSink } from '../src/events/index.js';
import { gateTracing } from '../src/otel/index.js';
import { JsonlFileSink } from '../src/sinks/jsonl/index.js';
import { NatsJetStreamSink } from '../src/sinks/nats/index.js';
import { WorkerSink, type WorkerSinkSpec } from '../src/sinks/worker/index.js';
import { saveIdentity } from '../src/identity/index.js';
import { buildGateCorpus, gateAcceptRate, type GateCorpus } from './gate-corpus.js';
import { printComparisons, type ComparisonRow } from './harness.js';

const PACKETS = 3000;
const NATS_URL = process.env['NATS_URL'] ?? 'nats://127.0.0.1:4222';

/** Counts spans and drops them: the cost measured is the SDK's and ours, not an exporter's network. */
class CountingExporter implements SpanExporter {
  spans = 0;
  export(spans: ReadableSpan[], done: (result: ExportResult) => void): void {
    this.spans += spans.length;
    done({ code: ExportResultCode.SUCCESS });
  }
  shutdown(): Promise<void> {
    return Promise.resolve();
  }
}

function reachable(url: string): Promise<boolean> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = connect({ host: hostname, port: Number(port) });
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1000, () => {
      done(false);
    });
    socket.once('connect', () => {
      done(true);
    });
    socket.once('error', () => {
      done(false);
    });
  });
}

interface Attached {
  readonly options: Partial<HandoffGateOptions>;
  /** Close the hub (drain every sink); returns how long it took, ms, and events dropped. */
  finish(): Promise<{ drainMs: number; dropped: number; failed: number }>;
}

interface Setup {
  readonly jsonl: boolean;
  readonly nats: boolean;
  /** The sinks run on a WorkerSink's thread instead of the deciding thread. */
  readonly threaded?: boolean;
  /** full: every decision traced with step spans; sampled: 10% of traces; decision: no step spans. */
  readonly otel: 'off' | 'full' | 'sampled' | 'decision';
}

/**
 * CPU time (all threads: process.cpuUsage) per event of each sink, from emit to acknowledged delivery,
 * next to the CPU time of one gate decision. Less sensitive to a loaded machine than ops/s: it says
 * what a sink costs, whatever the neighbours do.
 */
async function printCpuCosts(
  corpus: GateCorpus,
  dir: string,
  nats: { url: string; stream: string } | undefined,
): Promise<void> {
  const n = 30_000;
  const fields = {
    packet_id: 'f0e1d2c3-b4a5-4697-8899-aabbccddeeff',
    task_id: '01234567-89ab-4cde-8f01-23456789abcd',
    from_agent: corpus.senders[0]!.agentId,
    to_agent: corpus.receiver.agentId,
    intent: 'Research company background',
    risk_level: 'read',
    ttl_seconds: 300,
    latency_ms: 0.12,
    reason: 'Packet verified and valid',
  };
  const perEvent = async (sink: EventSink): Promise<number> => {
    const hub = new EventHub({ verifier: { agentId: corpus.receiver.agentId }, sinks: [sink] });
    const start = process.cpuUsage();
    for (let i = 0; i < n; i++) {
      hub.emit('packet_accepted', fields);
      if (i % 500 === 0) await new Promise((resolve) => setImmediate(resolve));
    }
    if (!(await hub.close()).ok) throw new Error('sink failed to close');
    const used = process.cpuUsage(start);
    return (used.user + used.system) / n;
  };
  const big = { maxQueueEvents: n, maxQueueBytes: 256 * 1024 * 1024 };
  const rows: [string, number][] = [];
  for (let round = 0; round < 2; round++) {
    // Round 0 warms up; round 1 is printed.
    const figures: [string, number][] = [
      ['hub + no-op sink', await perEvent({ write: () => undefined })],
      [
        'hub + JsonlFileSink',
        await perEvent(new JsonlFileSink({ path: join(dir, `cpu-${round}.jsonl`), ...big })),
      ],
    ];
    if (nats !== undefined)
      figures.push([
        'hub + NatsJetStreamSink',
        await perEvent(
          new NatsJetStreamSink({
            servers: nats.url,
            stream: nats.stream,
            subjectPrefix: `th.bench.${process.pid}`,
            ...big,
          }),
        ),
      ]);
    const registry = new MemoryAgentRegistry();
    for (const s of corpus.senders) await registry.register(s.agentId, s.publicKeyPem);
    const gate = new HandoffGate({
      agentId: corpus.receiver.agentId,
      registry,
      replayStore: new MemoryReplayStore(),
      revocationStore: new MemoryRevocationStore(),
    });
    const start = process.cpuUsage();
    for (const envelope of corpus.envelopes) await gate.handle(envelope);
    const used = process.cpuUsage(start);
    figures.push([
      'one gate decision (no sinks), for scale',
      (used.user + used.system) / corpus.envelopes.length,
    ]);
    if (round === 1) rows.push(...figures);
  }
  console.log('\n## CPU time per event, emit to acknowledged delivery (process.cpuUsage, all threads)');
  for (const [name, us] of rows) console.log(`${name.padEnd(44)} ${us.toFixed(2).padStart(8)} µs`);
}

export async function run(): Promise<void> {
  const corpus = buildGateCorpus(PACKETS);
  const dir = await mkdtemp(join(tmpdir(), 'th-bench-sinks-'));
  const natsUp = await reachable(NATS_URL);
  const stream = `TH_BENCH_${process.pid}`;
  const exporter = new CountingExporter();
  const tracerProvider = new BasicTracerProvider({ spanProcessors: [new BatchSpanProcessor(exporter)] });
  const sampledProvider = new BasicTracerProvider({
    spanProcessors: [new BatchSpanProcessor(exporter)],
    sampler: new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(0.1) }),
  });
  const meterProvider = new MeterProvider();
  let fileNo = 0;

  const keyFile = join(dir, 'verifier.pem');
  await saveIdentity(corpus.receiver, keyFile);
  const attach = (setup: Setup): Attached => {
    const sinks: (EventSink & { stats: { dropped: number; failed: number } })[] = [];
    if (setup.threaded === true) {
      const specs: WorkerSinkSpec[] = [];
      if (setup.jsonl)
        specs.push({
          sink: 'jsonl',
          options: { path: join(dir, `audit-${fileNo++}.jsonl`) },
          identityKeyFile: keyFile,
        });
      if (setup.nats && natsUp)
        specs.push({
          sink: 'nats',
          options: { servers: NATS_URL, stream, subjectPrefix: `th.bench.${process.pid}` },
        });
      sinks.push(new WorkerSink({ sinks: specs }));
    } else if (setup.jsonl)
      sinks.push(
        new JsonlFileSink({ path: join(dir, `audit-${fileNo++}.jsonl`), identity: corpus.receiver }),
      );
    if (setup.threaded !== true && setup.nats && natsUp)
      sinks.push(
        new NatsJetStreamSink({ servers: NATS_URL, stream, subjectPrefix: `th.bench.${process.pid}` }),
      );
    const hub = new EventHub({ verifier: { agentId: corpus.receiver.agentId }, sinks });
    const hooks =
      setup.otel === 'off'
        ? undefined
        : gateTracing({
            tracer: (setup.otel === 'sampled' ? sampledProvider : tracerProvider).getTracer(
              'trusthandoff-bench',
            ),
            meter: meterProvider.getMeter('trusthandoff-bench'),
            verifier: { agentId: corpus.receiver.agentId },
            stepSpans: setup.otel !== 'decision',
          });
    return {
      options: { ...(sinks.length > 0 ? { events: hub } : {}), ...(hooks === undefined ? {} : { hooks }) },
      async finish() {
        const start = performance.now();
        const result = await hub.close();
        if (setup.otel !== 'off')
          await Promise.all([tracerProvider.forceFlush(), sampledProvider.forceFlush()]);
        if (!result.ok) throw new Error(`sinks failed to close: ${result.failedSinks.join(', ')}`);
        return {
          drainMs: performance.now() - start,
          dropped: sinks.reduce((n, s) => n + s.stats.dropped, 0),
          failed: sinks.reduce((n, s) => n + s.stats.failed, 0),
        };
      },
    };
  };

  const paired = async (
    setup: Setup,
    concurrency: number,
    rounds: number,
  ): Promise<{ observed: number; plain: number; ratio: number; drainMs: number; dropped: number }> => {
    let observed = 0;
    let plain = 0;
    let drainMs = 0;
    let dropped = 0;
    const ratios: number[] = [];
    for (let r = 0; r < rounds; r++) {
      const attached = attach(setup);
      let o: number;
      let p: number;
      if (r % 2 === 0) {
        o = await gateAcceptRate(corpus, attached.options, concurrency);
        const f = await attached.finish();
        p = await gateAcceptRate(corpus, {}, concurrency);
        drainMs = Math.max(drainMs, f.drainMs);
        dropped += f.dropped + f.failed;
      } else {
        p = await gateAcceptRate(corpus, {}, concurrency);
        o = await gateAcceptRate(corpus, attached.options, concurrency);
        const f = await attached.finish();
        drainMs = Math.max(drainMs, f.drainMs);
        dropped += f.dropped + f.failed;
      }
      observed = Math.max(observed, o);
      plain = Math.max(plain, p);
      ratios.push(o / p);
    }
    ratios.sort((a, b) => a - b);
    return { observed, plain, ratio: ratios[Math.floor(ratios.length / 2)]!, drainMs, dropped };
  };

  try {
    const all: Setup = { jsonl: true, nats: true, otel: 'full' };
    const sampled: Setup = { jsonl: true, nats: true, otel: 'sampled' };
    const threadedAll: Setup = { jsonl: true, nats: true, threaded: true, otel: 'full' };
    const threadedDecision: Setup = { jsonl: true, nats: true, threaded: true, otel: 'decision' };
    const headline = [all, sampled, threadedAll, threadedDecision];
    await paired(all, 1, 2); // warm-up: JIT, key cache, thread pool, NATS stream creation
    await paired(threadedAll, 1, 1);
    const rows: ComparisonRow[] = [];
    const js = natsUp ? 'JetStream' : '(JetStream unreachable)';
    const setups: [string, Setup, number][] = [
      [`WorkerSink(JSONL + ${js}) + OTel (all traced, step spans)`, threadedAll, 7],
      [`WorkerSink(JSONL + ${js}) + OTel (all traced, decision spans)`, threadedDecision, 7],
      [`JSONL + ${js} + OTel (all traced, step spans)`, all, 7],
      [`JSONL + ${js} + OTel (10% of traces sampled)`, sampled, 7],
      ['JSONL only', { jsonl: true, nats: false, otel: 'off' }, 5],
      ['WorkerSink(JSONL) only', { jsonl: true, nats: false, threaded: true, otel: 'off' }, 5],
      ...(natsUp
        ? [['JetStream only', { jsonl: false, nats: true, otel: 'off' }, 5] as [string, Setup, number]]
        : []),
      ['OTel only, all traced, step spans', { jsonl: false, nats: false, otel: 'full' }, 5],
      ['OTel only, all traced, decision spans only', { jsonl: false, nats: false, otel: 'decision' }, 5],
      ['OTel only, 10% of traces sampled', { jsonl: false, nats: false, otel: 'sampled' }, 5],
    ];
    for (const [label, setup, rounds] of setups) {
      for (const concurrency of headline.includes(setup) ? [1, 64] : [64]) {
        const f = await paired(setup, concurrency, rounds);
        rows.push({
          name: `gate + ${label}, c=${concurrency}`,
          opsPerSecond: f.observed,
          baselineName: `gate without sinks, c=${concurrency} (same run)`,
          baselineOpsPerSecond: f.plain,
          ratio: f.ratio,
          target: 0.9,
          extra: `drain ≤ ${f.drainMs.toFixed(0)} ms after ${PACKETS} decisions, dropped+failed ${f.dropped}`,
        });
      }
    }
    if (exporter.spans === 0) throw new Error('no span was exported');
    printComparisons('gate with audit sinks (JSONL, JetStream) and OpenTelemetry attached', rows);
    await printCpuCosts(corpus, dir, natsUp ? { url: NATS_URL, stream } : undefined);
  } finally {
    await tracerProvider.shutdown();
    await sampledProvider.shutdown();
    await meterProvider.shutdown();
    await rm(dir, { recursive: true, force: true });
    if (natsUp) {
      const { connect: natsConnect } = await import('@nats-io/transport-node');
      const { jetstreamManager } = await import('@nats-io/jetstream');
      const nc = await natsConnect({ servers: NATS_URL });
      await (await jetstreamManager(nc)).streams.delete(stream).catch(() => undefined);
      await nc.close();
    }
  }
}
