/**
 * docs/attestations.md runs as written: every TypeScript block is executed against the library's
 * source (its `trusthandoff` imports bound to `src/index.ts`), and what it prints is checked against
 * what the page says it prints. The Redis block is the one exception: it needs a server, and the same
 * code path runs in test/attestation/redis-replay.test.ts.
 */
import { readFileSync } from 'node:fs';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import * as api from '../support/api.js';

const PAGE = readFileSync(new URL('../../docs/attestations.md', import.meta.url), 'utf8');
const BLOCKS = [...PAGE.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]!);

type AsyncRunner = (api: unknown, console: { log: (...args: unknown[]) => void }) => Promise<void>;
// The constructor of async functions, to run a block's top-level awaits.
async function sample(): Promise<void> {
  await Promise.resolve();
}
const AsyncFunction = (sample as { constructor: unknown }).constructor as new (
  ...params: string[]
) => AsyncRunner;

/** Run one block; returns the argument lists of its console.log calls. */
async function run(source: string): Promise<unknown[][]> {
  const bound = source.replace(
    /import\s*\{([^}]*)\}\s*from\s*'trusthandoff';/g,
    (_m, names: string) => `const {${names}} = api;`,
  );
  expect(bound).not.toMatch(/\bimport\b/);
  const js = ts.transpileModule(bound, {
    compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext },
  }).outputText;
  const logs: unknown[][] = [];
  await new AsyncFunction('api', 'console', js)(api, { log: (...args: unknown[]) => logs.push(args) });
  return logs;
}

const runnable = BLOCKS.filter((block) => !block.includes("'trusthandoff/redis'"));

describe('docs/attestations.md', () => {
  it('has the blocks this test knows (one Redis block aside)', () => {
    expect(BLOCKS.length - runnable.length).toBe(1);
    expect(runnable).toHaveLength(7);
  });

  it('wrap a node, verify its output: tampered, legit, replayed', async () => {
    expect(await run(runnable[0]!)).toEqual([
      [{ ok: false, reason: 'outcome_hash_mismatch' }],
      [true],
      [{ ok: false, reason: 'attestation_replayed' }],
    ]);
  });

  it('a throwing node yields a verifiable ERROR output', async () => {
    expect(await run(runnable[1]!)).toEqual([
      [{ error: 'quota exceeded', error_type: 'RangeError' }, 'ERROR', { node_error: true }],
      [true],
    ]);
  });

  it('create, serialize, parse, verify directly', async () => {
    const logs = await run(runnable[2]!);
    expect(logs).toHaveLength(1);
    expect(logs[0]![0]).toMatchObject({ ok: true, attestation: { packet_id: 'pk-003', status: 'OK' } });
  });

  it('replay tracking', async () => {
    expect(await run(runnable[3]!)).toEqual([[true], ['attestation_replayed']]);
  });

  it('the decimals-v1 extension', async () => {
    expect(await run(runnable[4]!)).toEqual([[true, { city: 'Oslo', celsius: 21.5 }]]);
  });

  it('the JSON form through a checkpointer', async () => {
    expect(await run(runnable[5]!)).toEqual([[true]]);
  });

  it('named signers through a registry', async () => {
    expect(await run(runnable[6]!)).toEqual([['signer_mismatch'], [true]]);
  });
});
