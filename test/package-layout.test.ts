/**
 * Guards the package's shape: every import path the docs and examples use is in the `exports` map,
 * and the core entry point never reaches an optional integration.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
  exports: Record<string, unknown>;
};

function filesUnder(dir: string, ext: RegExp): string[] {
  return readdirSync(join(root, dir), { recursive: true, withFileTypes: false })
    .map(String)
    .filter((f) => ext.test(f))
    .map((f) => join(root, dir, f));
}

describe('package layout', () => {
  it('every trusthandoff import path in the README, docs and examples is exported', () => {
    const sources = [
      join(root, 'README.md'),
      ...filesUnder('docs', /\.md$/),
      ...filesUnder('examples', /\.ts$/),
    ];
    const specifiers = new Set<string>();
    for (const file of sources) {
      for (const match of readFileSync(file, 'utf8').matchAll(/from '(trusthandoff(?:\/[\w/-]+)?)'/g))
        specifiers.add(match[1]!);
    }
    expect(specifiers.size).toBeGreaterThan(0);
    for (const specifier of specifiers) {
      const subpath = specifier === 'trusthandoff' ? '.' : `.${specifier.slice('trusthandoff'.length)}`;
      expect(Object.keys(pkg.exports), specifier).toContain(subpath);
    }
  });

  it('the core entry point never imports an optional integration', () => {
    const seen = new Set<string>();
    const pending = [join(root, 'src/index.ts')];
    while (pending.length > 0) {
      const file = pending.pop()!;
      if (seen.has(file)) continue;
      seen.add(file);
      const text = readFileSync(file, 'utf8');
      for (const match of text.matchAll(/^(?:import|export)[^;]*? from '([^']+)'/gms)) {
        const specifier = match[1]!;
        if (specifier.startsWith('.'))
          pending.push(resolve(dirname(file), specifier.replace(/\.js$/, '.ts')));
        else expect(specifier, `${file} imports ${specifier}`).toMatch(/^node:/);
      }
    }
    for (const file of seen)
      expect(file).not.toMatch(/[\\/](redis|postgres|integrations|sinks|export|otel|sentinel|cli)[\\/]/);
    expect(seen.size).toBeGreaterThan(10);
  });
});
