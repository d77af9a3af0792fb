/**
 * A small benchmark harness. Every figure is printed next to the raw cost it competes with, measured
 * in the same run on the same bytes, so the ratio can be quoted on a noisy machine. Each round
 * measures candidate and baseline back to back (in alternating order, so a drift of the machine's
 * speed does not favour either); ops/s is the best round of each, and the ratio is the median of the
 * rounds' own ratios: two figures taken under the same conditions, not two bests that may come from
 * different minutes of a VM whose speed swings.
 */

export interface Measurement {
  readonly opsPerSecond: number;
}

export interface ComparisonRow {
  readonly name: string;
  readonly opsPerSecond: number;
  readonly baselineName: string;
  readonly baselineOpsPerSecond: number;
  /** Candidate to baseline, when measured in pairs (see {@link compareSync}); else ops/s over ops/s. */
  readonly ratio?: number;
  /** Target ratio of candidate to baseline; printed as PASS/MISS. */
  readonly target?: number;
  /** Extra columns (latency percentiles, …). */
  readonly extra?: string;
}

/** Ops/second of a synchronous function, best of `rounds` rounds of about `roundMs` each. */
export function measureSync(
  fn: () => void,
  options: { roundMs?: number; rounds?: number } = {},
): Measurement {
  const roundMs = options.roundMs ?? 300;
  const rounds = options.rounds ?? 5;
  for (let i = 0; i < 200; i++) fn(); // warm-up
  let best = 0;
  for (let r = 0; r < rounds; r++) {
    let ops = 0;
    const start = process.hrtime.bigint();
    const deadline = start + BigInt(roundMs) * 1_000_000n;
    let now = start;
    while (now < deadline) {
      for (let i = 0; i < 50; i++) fn();
      ops += 50;
      now = process.hrtime.bigint();
    }
    best = Math.max(best, ops / (Number(now - start) / 1e9));
  }
  return { opsPerSecond: best };
}

/** Measure candidate and baseline round by round: best ops/s of each, median of the paired ratios. */
export function compareSync(
  candidate: () => void,
  baseline: () => void,
  options: { roundMs?: number; rounds?: number } = {},
): { candidate: number; baseline: number; ratio: number } {
  const rounds = options.rounds ?? 7;
  const roundMs = options.roundMs ?? 300;
  let c = 0;
  let b = 0;
  const ratios: number[] = [];
  for (let r = 0; r < rounds; r++) {
    let cr: number;
    let br: number;
    if (r % 2 === 0) {
      cr = measureSync(candidate, { roundMs, rounds: 1 }).opsPerSecond;
      br = measureSync(baseline, { roundMs, rounds: 1 }).opsPerSecond;
    } else {
      br = measureSync(baseline, { roundMs, rounds: 1 }).opsPerSecond;
      cr = measureSync(candidate, { roundMs, rounds: 1 }).opsPerSecond;
    }
    c = Math.max(c, cr);
    b = Math.max(b, br);
    ratios.push(cr / br);
  }
  ratios.sort((x, y) => x - y);
  return { candidate: c, baseline: b, ratio: ratios[Math.floor(ratios.length / 2)]! };
}

/** Ops/second of an async operation run with `concurrency` in flight, plus latency percentiles (ms). */
export async function measureAsync(
  fn: (i: number) => Promise<unknown>,
  options: { total: number; concurrency: number },
): Promise<{ opsPerSecond: number; p50: number; p99: number }> {
  const latencies = new Float64Array(options.total);
  let next = 0;
  const start = process.hrtime.bigint();
  async function worker(): Promise<void> {
    for (;;) {
      const i = next++;
      if (i >= options.total) return;
      const t0 = process.hrtime.bigint();
      await fn(i);
      latencies[i] = Number(process.hrtime.bigint() - t0) / 1e6;
    }
  }
  await Promise.all(Array.from({ length: options.concurrency }, () => worker()));
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  latencies.sort();
  return {
    opsPerSecond: options.total / seconds,
    p50: latencies[Math.floor(options.total * 0.5)] ?? 0,
    p99: latencies[Math.min(options.total - 1, Math.floor(options.total * 0.99))] ?? 0,
  };
}

function fmt(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

/** Print rows as a table: figure, raw baseline, ratio, and PASS/MISS against the target. */
export function printComparisons(title: string, rows: readonly ComparisonRow[]): void {
  console.log(`\n## ${title}`);
  for (const row of rows) {
    const ratio = row.ratio ?? row.opsPerSecond / row.baselineOpsPerSecond;
    const verdict =
      row.target === undefined
        ? ''
        : ratio >= row.target
          ? `  PASS (target ${row.target})`
          : `  MISS (target ${row.target})`;
    console.log(
      `${row.name.padEnd(44)} ${fmt(row.opsPerSecond).padStart(10)} ops/s | ${row.baselineName.padEnd(36)} ${fmt(
        row.baselineOpsPerSecond,
      ).padStart(10)} ops/s | ratio ${ratio.toFixed(3)}${row.ratio === undefined ? ' ' : '*'}${verdict}${
        row.extra === undefined ? '' : `  ${row.extra}`
      }`,
    );
  }
  if (rows.some((row) => row.ratio !== undefined)) {
    console.log("* median of the rounds' own ratios (both measured back to back); ops/s: best round of each");
  }
}
