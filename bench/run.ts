/**
 * `npm run bench`: every benchmark of the project, each figure next to raw node:crypto Ed25519 on the
 * same bytes in the same run. Pass area names to run a subset: `npm run bench -- packet`.
 */
import * as packet from './packet.bench.js';
import * as stores from './stores.bench.js';
import * as capability from './capability.bench.js';
import * as attestation from './attestation.bench.js';
import * as gate from './gate.bench.js';

const suites: Record<string, { run(): void | Promise<void> }> = {
  packet,
  stores,
  capability,
  attestation,
  gate,
};

const wanted = process.argv.slice(2);
console.log(`trusthandoff benchmarks — node ${process.version}, ${process.platform}/${process.arch}`);
for (const [name, suite] of Object.entries(suites)) {
  if (wanted.length > 0 && !wanted.includes(name)) continue;
  await suite.run();
}
