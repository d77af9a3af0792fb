/**
 * Issue 9, item 10: the npm tarball works for a stranger. `npm pack` (its `prepack` builds from a
 * clean dist), then a fresh project installs the tarball, type-checks a small program against the
 * installed package with `moduleResolution` `nodenext` and `bundler` (declarations checked too:
 * `skipLibCheck: false`), and runs it with node: it issues a packet and the gate ACCEPTs it.
 *
 * Nothing comes from the network: the package has no runtime dependencies (its optional peer is not
 * installed), and the type checker is this repository's own TypeScript and @types/node, by path.
 */
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// The user's program, kept in one place. It uses the public API exactly as the README shows it.
const PROGRAM = `
import {
  AgentIdentity,
  MemoryAgentRegistry,
  MemoryReplayStore,
  createEnvelope,
  createMiddleware,
  issueTaskPacket,
  serializeEnvelope,
} from 'trusthandoff';

const planner = AgentIdentity.generate();
const researcher = AgentIdentity.generate();
const registry = new MemoryAgentRegistry();
await registry.register(planner.agentId, planner.publicKeyPem);

const gate = createMiddleware({ agentId: researcher.agentId, registry, replayStore: new MemoryReplayStore() });
const packet = issueTaskPacket(planner, { to_agent: researcher.agentId, intent: 'summarise', risk_level: 'read' });
const decision = await gate.handle(serializeEnvelope(createEnvelope(packet)));
console.log(decision.decision);
`;

const root = fileURLToPath(new URL('../../', import.meta.url));
const run = promisify(execFile);
const tsc = join(root, 'node_modules/typescript/bin/tsc');
// npm must not read the developer's or CI's project config, and must never wait on the network.
const npmEnv = {
  ...process.env,
  npm_config_audit: 'false',
  npm_config_fund: 'false',
  npm_config_update_notifier: 'false',
};

let dir: string;
let tarball: string;
let packedFiles: string[];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'trusthandoff-tarball-'));
  const { stdout } = await run('npm', ['pack', '--json', '--pack-destination', dir], {
    cwd: root,
    env: npmEnv,
    maxBuffer: 64 * 1024 * 1024,
  });
  // prepack's own output precedes the JSON report on stdout.
  const report = JSON.parse(stdout.slice(stdout.indexOf('\n[') + 1)) as {
    filename: string;
    files: { path: string }[];
  }[];
  tarball = join(dir, report[0]!.filename);
  packedFiles = report[0]!.files.map((f) => f.path);
}, 120_000);

afterAll(async () => {
  if (dir !== undefined) await rm(dir, { recursive: true, force: true });
});

describe('npm tarball', () => {
  it('holds what a user needs and nothing else', () => {
    expect(packedFiles).toEqual(expect.arrayContaining(['package.json', 'README.md', 'LICENSE']));
    expect(packedFiles).toEqual(
      expect.arrayContaining(['dist/src/index.js', 'dist/src/index.d.ts', 'dist/src/stores/redis/index.js']),
    );
    const unexpected = packedFiles.filter(
      (f) => !/^(package\.json|README\.md|LICENSE|docs\/.+\.md|dist\/src\/.+\.(js|d\.ts))$/.test(f),
    );
    expect(unexpected).toEqual([]);
  });

  it('installs into a fresh project, type-checks with nodenext and bundler resolution, and runs: ACCEPT', async () => {
    const app = join(dir, 'app');
    await mkdir(app);
    await writeFile(
      join(app, 'package.json'),
      JSON.stringify({ name: 'app', private: true, type: 'module' }, null, 2),
    );
    await run('npm', ['install', '--offline', '--no-package-lock', tarball], { cwd: app, env: npmEnv });
    const installed = JSON.parse(
      await readFile(join(app, 'node_modules/trusthandoff/package.json'), 'utf8'),
    ) as { name: string };
    expect(installed.name).toBe('trusthandoff');

    await writeFile(join(app, 'main.ts'), PROGRAM);
    const common = {
      target: 'ES2022',
      strict: true,
      skipLibCheck: false,
      types: ['node'],
      typeRoots: [join(root, 'node_modules/@types')],
    };
    await writeFile(
      join(app, 'tsconfig.nodenext.json'),
      JSON.stringify({
        compilerOptions: { ...common, module: 'nodenext', moduleResolution: 'nodenext', outDir: 'out' },
        files: ['main.ts'],
      }),
    );
    await writeFile(
      join(app, 'tsconfig.bundler.json'),
      JSON.stringify({
        compilerOptions: { ...common, module: 'esnext', moduleResolution: 'bundler', noEmit: true },
        files: ['main.ts'],
      }),
    );
    const check = async (project: string): Promise<void> => {
      // tsc reports type errors on stdout and exits non-zero; show them in the assertion.
      const output = await run(process.execPath, [tsc, '-p', project], { cwd: app }).then(
        (result) => result.stdout,
        (error: unknown) => `tsc failed: ${(error as { stdout?: string }).stdout ?? ''}`,
      );
      expect(output, project).toBe('');
    };
    await check('tsconfig.bundler.json');
    await check('tsconfig.nodenext.json'); // also emits out/main.js

    const { stdout } = await run(process.execPath, [join(app, 'out/main.js')], { cwd: app });
    expect(stdout.trim()).toBe('ACCEPT');
  }, 120_000);
});
