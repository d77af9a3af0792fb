/**
 * Child processes cannot load TypeScript. For multi-process tests, transpile `src/` and the given
 * entry files (type-stripping only, via the project's own `typescript`) into a directory under
 * `node_modules/.cache`, so that package imports (`@redis/client`) still resolve from the project.
 */
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomUUID } from 'node:crypto';
import ts from 'typescript';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));

function listTs(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...listTs(full));
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts')) out.push(full);
  }
  return out;
}

export interface Transpiled {
  /** Absolute path of the transpiled form of a project file (`test/x.ts` → `<dir>/test/x.js`). */
  path(projectFile: string): string;
  remove(): void;
}

export function transpileForChildProcesses(entries: readonly string[]): Transpiled {
  const outDir = join(ROOT, 'node_modules', '.cache', `trusthandoff-test-${randomUUID()}`);
  const files = [...listTs(join(ROOT, 'src')), ...entries.map((e) => join(ROOT, e))];
  for (const file of files) {
    const { outputText } = ts.transpileModule(readFileSync(file, 'utf8'), {
      compilerOptions: {
        module: ts.ModuleKind.ESNext,
        target: ts.ScriptTarget.ES2022,
        verbatimModuleSyntax: false,
      },
      fileName: file,
    });
    const target = join(outDir, relative(ROOT, file)).replace(/\.ts$/, '.js');
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, outputText);
  }
  writeFileSync(join(outDir, 'package.json'), '{"type":"module"}');
  return {
    path: (projectFile) => join(outDir, projectFile).replace(/\.ts$/, '.js'),
    remove: () => {
      rmSync(outDir, { recursive: true, force: true });
    },
  };
}
