/**
 * Issue 9, item 7: the repository needs nothing outside itself. The reference vectors are read from
 * test/fixtures (byte-identical to the reference's output, checked by hash), and no source, test,
 * benchmark, example or CI script reaches for a folder beside the repository.
 */
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { VECTORS_PATH, vectors } from '../support/vectors.js';

const root = fileURLToPath(new URL('../../', import.meta.url));

function filesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...filesUnder(path));
    else out.push(path);
  }
  return out;
}

describe('standalone repository', () => {
  it('reads the reference vectors from test/fixtures', () => {
    expect(relative(root, VECTORS_PATH).split(/[\\/]/)).toEqual([
      'test',
      'fixtures',
      'python-reference-0.4.0.json',
    ]);
    expect(vectors.packets.length).toBeGreaterThan(0);
  });

  it('the fixture is the reference output, unedited (hash recorded in test/fixtures/README.md)', () => {
    const digest = createHash('sha256').update(readFileSync(VECTORS_PATH)).digest('hex');
    const note = readFileSync(join(root, 'test/fixtures/README.md'), 'utf8');
    expect(note).toContain(digest);
  });

  it('no code, test, benchmark, example or CI script refers to a ../shared folder', () => {
    const files = ['src', 'test', 'bench', 'examples', '.ci'].flatMap((d) => filesUnder(join(root, d)));
    const offenders = files.filter((f) => /\.\.\/(?:\.\.\/)*shared\//.test(readFileSync(f, 'utf8')));
    expect(offenders.map((f) => relative(root, f))).toEqual([]);
  });
});
