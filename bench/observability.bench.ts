/**
 * Issue 8 benchmark: gate decisions per second with the event port and step hooks attached — an
 * EventHub with a sink that drops every event, and hooks that count steps — next to the same gate
 * without either, in the same run, and next to raw node:crypto Ed25519 verify of the same bytes.
 * Target: with both attached, at least 0.95 of the run without.
 *
 * Rounds alternate the two gates (order flipped every round); each round uses fresh stores, so every
 * decision is a full ACCEPT path. The ratio is the median of the rounds' own ratios.
 */
import { verify } from 'node:crypto';
import { AgentIdentity, EventHub, type GateHooks, type HandoffGateOptions } from '../src/index.js';
import { packetSigningPayload } from '../src/wire/public.js';
import { buildGateCorpus, gateAcceptRate, type GateCorpus } from './gate-corpus.js';
import { printComparisons, type ComparisonRow } from './harness.js';

const PACKETS = 3000;

interface Corpus extends GateCorpus {
  readonly bytes: readonly Buffer[];
  readonly signatures: readonly Buffer[];
}

function buildCorpus(): Corpus {
  const corpus = buildGateCorpus(PACKETS);
  return {
    ...corpus,
    bytes: corpus.envelopes.map((e) => Buffer.from(packetSigningPayload(e.packet), 'utf8')),
    signatures: corpus.envelopes.map((e) => Buffer.from(e.packet.signature, 'base64')),
  };
}

let counted = 0;
const countingHooks: GateHooks = {
  beforeStep: () => {
    counted++;
  },
  afterStep: () => {
    counted++;
  },
  afterDecision: () => {
    counted++;
  },
};

function rawRate(corpus: Corpus, senders: readonly AgentIdentity[]): number {
  const n = corpus.bytes.length;
  const start = process.hrtime.bigint();
  for (let i = 0; i < n; i++)
    verify(null, corpus.bytes[i]!, senders[i % senders.length]!.publicKey, corpus.signatures[i]!);
  return n / (Number(process.hrtime.bigint() - start) / 1e9);
}

async function paired(
  corpus: Corpus,
  concurrency: number,
  rounds: number,
): Promise<{ observed: number; plain: number; ratio: number; raw: number }> {
  const observedOptions = (): Partial<HandoffGateOptions> => ({
    events: new EventHub({
      verifier: { agentId: corpus.receiver.agentId },
      sinks: [{ write: () => undefined }],
    }),
    hooks: countingHooks,
  });
  let observed = 0;
  let plain = 0;
  let raw = 0;
  const ratios: number[] = [];
  for (let r = 0; r < rounds; r++) {
    let o: number;
    let p: number;
    if (r % 2 === 0) {
      o = await gateAcceptRate(corpus, observedOptions(), concurrency);
      p = await gateAcceptRate(corpus, {}, concurrency);
    } else {
      p = await gateAcceptRate(corpus, {}, concurrency);
      o = await gateAcceptRate(corpus, observedOptions(), concurrency);
    }
    observed = Math.max(observed, o);
    plain = Math.max(plain, p);
    ratios.push(o / p);
    raw = Math.max(raw, rawRate(corpus, corpus.senders));
  }
  ratios.sort((a, b) => a - b);
  return { observed, plain, ratio: ratios[Math.floor(ratios.length / 2)]!, raw };
}

export async function run(): Promise<void> {
  const corpus = buildCorpus();
  // Warm-up: JIT, key cache, thread pool.
  await paired(corpus, 1, 2);
  const c1 = await paired(corpus, 1, 7);
  const c64 = await paired(corpus, 64, 7);
  if (counted === 0) throw new Error('hooks were never called');
  const rows: ComparisonRow[] = [];
  for (const [label, f] of [
    ['c=1', c1],
    ['c=64', c64],
  ] as const) {
    rows.push(
      {
        name: `gate + events + hooks, ${label}`,
        opsPerSecond: f.observed,
        baselineName: `gate without them, ${label} (same run)`,
        baselineOpsPerSecond: f.plain,
        ratio: f.ratio,
        target: 0.95,
      },
      {
        name: `gate + events + hooks, ${label}`,
        opsPerSecond: f.observed,
        baselineName: 'raw Ed25519 verify, sequential',
        baselineOpsPerSecond: f.raw,
      },
    );
  }
  printComparisons('gate with the event port (no-op sink) and counting step hooks', rows);
}
