/**
 * `npm run bench`: every benchmark of the project, each figure next to raw node:crypto Ed25519 on the
 * same bytes in the same run. Pass area names to run a subset: `npm run bench -- packet`.
 *
 * Each suite runs in a Node process of its own: one suite's modules and heap would otherwise tilt the
 * next one's figures (measured: signing packets in a process that has also loaded `@redis/client`
 * for the store suites reads about 2% lower against raw sign than in a process of its own).
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

type Suite = () => Promise<{ run(): void | Promise<void> }>;

const suites: Record<string, Suite> = {
  packet: () => import('./packet.bench.js'),
  stores: () => import('./stores.bench.js'),
  capability: () => import('./capability.bench.js'),
  attestation: () => import('./attestation.bench.js'),
  gate: () => import('./gate.bench.js'),
  'worst-input': () => import('./worst-input.bench.js'),
  cluster: () => import('./redis-cluster.bench.js'),
  observability: () => import('./observability.bench.js'),
  sinks: () => import('./sinks.bench.js'),
  mcp: () => import('./mcp.bench.js'),
  signatures: () => import('./signatures.bench.js'),
  partition: () => import('./partition.bench.js'),
  persistence: () => import('./persistence.bench.js'),
  invalidation: () => import('./invalidation.bench.js'),
  scale: () => import('./scale.bench.js'),
};

const args = process.argv.slice(2);
if (args[0] === '--suite') {
  const load = suites[args[1] ?? ''];
  if (load === undefined) throw new Error(`unknown benchmark suite ${String(args[1])}`);
  await (await load()).run();
} else {
  const unknown = args.filter((name) => !(name in suites));
  if (unknown.length > 0) {
    console.error(`unknown suites: ${unknown.join(', ')} (known: ${Object.keys(suites).join(', ')})`);
    process.exit(2);
  }
  console.log(`trusthandoff benchmarks — node ${process.version}, ${process.platform}/${process.arch}`);
  for (const name of args.length > 0 ? args : Object.keys(suites)) {
    const child = spawnSync(process.execPath, [fileURLToPath(import.meta.url), '--suite', name], {
      stdio: 'inherit',
    });
    if (child.status !== 0) process.exitCode = child.status ?? 1;
  }
}
