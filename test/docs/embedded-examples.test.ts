/**
 * The documentation's code is the code the tests run: every block marked
 * `<!-- example: examples/x.ts -->` in README.md or docs/*.md is that file, verbatim
 * (`npm run docs:sync` rewrites them), every example is shown somewhere, and every relative
 * link points at a file that exists.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));
const docs = [
  'README.md',
  ...readdirSync(join(root, 'docs'), { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.md'))
    .map((f) => `docs/${f}`),
];
const MARKER = /^<!-- example: (\S+) -->\n```\w*\n([\s\S]*?)\n?```$/gm;
// Run by their own tests and commands, not shown in a page: the demo is `npm run demo`.
const NOT_EMBEDDED = new Set(['examples/demo.ts']);

describe('documentation', () => {
  const embedded = new Set<string>();

  it.each(docs)('%s shows every marked example verbatim', (doc) => {
    const text = readFileSync(join(root, doc), 'utf8');
    for (const match of text.matchAll(MARKER)) {
      const [, path, block] = match;
      embedded.add(path!);
      const example = readFileSync(join(root, path!), 'utf8').trim();
      expect(block!.trim(), `${doc}: ${path!} (run npm run docs:sync)`).toBe(example);
    }
  });

  it('shows every example somewhere', () => {
    for (const doc of docs)
      for (const match of readFileSync(join(root, doc), 'utf8').matchAll(MARKER)) embedded.add(match[1]!);
    const examples = readdirSync(join(root, 'examples'))
      .filter((f) => f.endsWith('.ts'))
      .map((f) => `examples/${f}`)
      .filter((f) => !NOT_EMBEDDED.has(f));
    for (const example of examples) expect(embedded, example).toContain(example);
  });

  it.each(docs)('%s links only to files that exist', (doc) => {
    const text = readFileSync(join(root, doc), 'utf8');
    for (const [, target] of text.matchAll(/\]\(([^)#\s]+)(?:#[^)]*)?\)/g)) {
      if (/^[a-z]+:/.test(target!)) continue; // external
      expect(existsSync(join(root, dirname(doc), target!)), `${doc} → ${target!}`).toBe(true);
    }
  });
});
