/**
 * Keeps the documentation's code true: every fenced block that follows a marker line
 *   <!-- example: examples/some-file.ts -->
 * in README.md or docs/*.md (subfolders too) is replaced with that file's current content. The files are run by the
 * tests, so what the docs show is what runs. `--check` changes nothing and exits 1 when a block
 * differs (test/docs/embedded-examples.test.ts runs the same check). Run: `npm run docs:sync`.
 */
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

// From the sources or from dist/scripts: the repository root is the first folder with a docs/.
const here = fileURLToPath(new URL('.', import.meta.url));
const root = here.includes('/dist/') ? join(here, '..', '..') : join(here, '..');
const MARKER = /^<!-- example: (\S+) -->\n```(\w*)\n(?:[\s\S]*?\n)??```$/gm;

export function documentationFiles(): string[] {
  return [
    'README.md',
    ...readdirSync(join(root, 'docs'), { recursive: true, encoding: 'utf8' })
      .filter((f) => f.endsWith('.md'))
      .map((f) => `docs/${f}`),
  ];
}

/** The file's text with every marked block replaced by its example, and the examples it names. */
export function synced(file: string): { text: string; out: string; examples: string[] } {
  const text = readFileSync(join(root, file), 'utf8');
  const examples: string[] = [];
  const out = text.replace(MARKER, (_block: string, path: string, lang: string) => {
    examples.push(path);
    const example = readFileSync(join(root, path), 'utf8').trim();
    return `<!-- example: ${path} -->\n\`\`\`${lang}\n${example}\n\`\`\``;
  });
  return { text, out, examples };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const check = process.argv.includes('--check');
  let stale = 0;
  for (const file of documentationFiles()) {
    const { text, out } = synced(file);
    if (text === out) continue;
    stale++;
    if (check) console.error(`${file}: an embedded example differs from its file`);
    else writeFileSync(join(root, file), out);
  }
  if (check && stale > 0) process.exit(1);
}
