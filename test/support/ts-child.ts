/**
 * Run a TypeScript file of this repository in a separate Node process, for tests that need two real
 * processes (e.g. two verifiers sharing Redis). The child gets a tiny module hook, written to a temp
 * directory, that transpiles `.ts` with the project's own TypeScript and maps `./x.js` imports to
 * `./x.ts`; nothing is built or installed.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

export interface TsChildRunner {
  /** Run `file` (a .ts path) with `args`, write `stdin`, resolve to its stdout; rejects on a non-zero exit. */
  run(file: string, args: readonly string[], stdin: string): Promise<string>;
  /** Node arguments that run `file` (a .ts path) with the hook, for children spawned by others (e.g. an MCP stdio transport). */
  nodeArgs(file: string): string[];
  /** Remove the hook and its transpile cache. */
  dispose(): void;
}

/** A runner with its own temp directory (hook + transpile cache shared by all its children). */
export function createTsChildRunner(): TsChildRunner {
  const dir = writeHook();
  const register = join(dir, 'register.mjs');
  return {
    run: (file, args, stdin) => runChild(register, file, args, stdin),
    nodeArgs: (file) => ['--import', register, file],
    dispose: () => {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function writeHook(): string {
  const typescriptUrl = pathToFileURL(createRequire(import.meta.url).resolve('typescript')).href;
  const dir = mkdtempSync(join(tmpdir(), 'th-ts-child-'));
  writeFileSync(
    join(dir, 'hooks.mjs'),
    `import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
const cacheDir = ${JSON.stringify(dir)};
let ts;
export async function resolve(specifier, context, next) {
  if (specifier.startsWith('.') && specifier.endsWith('.js') && context.parentURL?.endsWith('.ts')) {
    const url = new URL(specifier, context.parentURL);
    const tsUrl = url.href.slice(0, -3) + '.ts';
    if (!existsSync(fileURLToPath(url)) && existsSync(fileURLToPath(tsUrl))) return { url: tsUrl, shortCircuit: true };
  }
  return next(specifier, context);
}
export async function load(url, context, next) {
  if (!url.endsWith('.ts')) return next(url, context);
  const source = readFileSync(fileURLToPath(url), 'utf8');
  // Transpiled output is cached by content, so later children never load TypeScript at all.
  const cached = cacheDir + '/' + createHash('sha256').update(url).update(source).digest('hex') + '.mjs';
  if (existsSync(cached)) return { format: 'module', source: readFileSync(cached, 'utf8'), shortCircuit: true };
  ts ??= (await import(${JSON.stringify(typescriptUrl)})).default;
  const out = ts.transpileModule(source, {
    fileName: fileURLToPath(url),
    compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, verbatimModuleSyntax: true },
  });
  writeFileSync(cached, out.outputText);
  return { format: 'module', source: out.outputText, shortCircuit: true };
}
`,
  );
  writeFileSync(
    join(dir, 'register.mjs'),
    `import { register } from 'node:module';\nregister('./hooks.mjs', import.meta.url);\n`,
  );
  return dir;
}

function runChild(register: string, file: string, args: readonly string[], stdin: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', register, file, ...args], {
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) resolve(stdout);
      else reject(new Error(`child ${file} exited with ${code}: ${stderr.slice(0, 2000)}`));
    });
    child.stdin.end(stdin);
  });
}
