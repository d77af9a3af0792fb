/**
 * The CLI's shared plumbing: usage errors (exit 2), output streams, colour (on for a terminal, off
 * when piped, off with NO_COLOR or --no-color), reading input files, and argument parsing with
 * node's `util.parseArgs`.
 */
import { readFileSync } from 'node:fs';
import { isatty } from 'node:tty';
import { parseArgs, type ParseArgsConfig } from 'node:util';

export const EXIT_OK = 0;
export const EXIT_REJECTED = 1;
export const EXIT_USAGE = 2;

/** Bad usage or unreadable input: exit 2 with one line naming the problem. */
export class UsageError extends Error {
  readonly code = 'ERR_CLI_USAGE';
}

export interface Io {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
  readonly color: boolean;
  readonly stderrIsTty: boolean;
  readonly stdin: () => Promise<string>;
  readonly env: NodeJS.ProcessEnv;
  readonly cwd: string;
}

export function processIo(noColor: boolean): Io {
  const env = process.env;
  const color =
    !noColor &&
    isatty(1) &&
    (env['NO_COLOR'] === undefined || env['NO_COLOR'] === '') &&
    env['TERM'] !== 'dumb';
  return {
    out: (text) => process.stdout.write(text),
    err: (text) => process.stderr.write(text),
    color,
    stderrIsTty: isatty(2),
    stdin: readStdin,
    env,
    cwd: process.cwd(),
  };
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of process.stdin) {
    size += (chunk as Buffer).length;
    if (size > MAX_INPUT_BYTES) throw new UsageError(`stdin is larger than ${MAX_INPUT_BYTES} bytes`);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

// Packets, envelopes, keys and registries are small; anything bigger is not one of them.
const MAX_INPUT_BYTES = 16 * 1024 * 1024;

/** Read a small input file (or stdin for "-"); a missing or unreadable file is a usage error. */
export async function readInput(io: Io, path: string, what: string): Promise<string> {
  if (path === '-') return io.stdin();
  try {
    const text = readFileSync(path);
    if (text.length > MAX_INPUT_BYTES)
      throw new UsageError(`${what} ${path} is larger than ${MAX_INPUT_BYTES} bytes`);
    return text.toString('utf8');
  } catch (error) {
    if (error instanceof UsageError) throw error;
    throw new UsageError(`cannot read ${what} ${path}: ${fsReason(error)}`);
  }
}

export function fsReason(error: unknown): string {
  const code = (error as { code?: unknown }).code;
  if (code === 'ENOENT') return 'no such file';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  if (code === 'EISDIR') return 'is a directory';
  if (code === 'EEXIST') return 'already exists';
  return typeof code === 'string' ? code : 'unreadable';
}

/** JSON from untrusted text; a parse failure is a usage error naming the input. */
export function parseJsonInput(text: string, what: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new UsageError(`${what} is not valid JSON`);
  }
}

export type Options = NonNullable<ParseArgsConfig['options']>;

/** parseArgs with strict checking; its errors (unknown option, missing value) become usage errors. */
export function parse(
  args: readonly string[],
  options: Options,
  positionals: { min: number; max: number; name: string },
): { values: Record<string, string | boolean | string[] | undefined>; positionals: string[] } {
  let parsed;
  try {
    parsed = parseArgs({ args: [...args], options, allowPositionals: true, strict: true });
  } catch (error) {
    const message = error instanceof Error ? error.message.split('\n')[0]! : 'invalid arguments';
    throw new UsageError(message.replace(/\. To specify a positional argument.*$/, ''));
  }
  const { positionals: found } = parsed;
  if (found.length < positionals.min) throw new UsageError(`missing ${positionals.name}`);
  if (found.length > positionals.max)
    throw new UsageError(`unexpected argument ${JSON.stringify(found[positionals.max])}`);
  return {
    values: parsed.values as Record<string, string | boolean | string[] | undefined>,
    positionals: found,
  };
}

export interface Paint {
  readonly green: (s: string) => string;
  readonly red: (s: string) => string;
  readonly yellow: (s: string) => string;
  readonly dim: (s: string) => string;
  readonly bold: (s: string) => string;
}

export function paint(color: boolean): Paint {
  const wrap =
    (code: string) =>
    (s: string): string =>
      color ? `\u001b[${code}m${s}\u001b[0m` : s;
  return { green: wrap('32'), red: wrap('31'), yellow: wrap('33'), dim: wrap('2'), bold: wrap('1') };
}

export function stringOption(values: Record<string, unknown>, name: string): string | undefined {
  const v = values[name];
  return typeof v === 'string' ? v : undefined;
}

export function requireOption(values: Record<string, unknown>, name: string): string {
  const v = stringOption(values, name);
  if (v === undefined || v === '') throw new UsageError(`--${name} is required`);
  return v;
}
