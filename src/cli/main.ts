#!/usr/bin/env node
/**
 * The `trusthandoff` command. Arguments are parsed with node's own `util.parseArgs`: the package
 * keeps zero runtime dependencies (an argument parser would be the first, in a security library's
 * install tree), and each command's help is written by hand anyway.
 *
 * Exit codes: 0 accepted / valid, 1 rejected / invalid, 2 usage or input error (one line on stderr,
 * never a stack trace).
 */
import { readFileSync } from 'node:fs';
import { AUDIT_HELP, audit } from './commands/audit.js';
import { BOUNDARIES_HELP, boundaries } from './commands/boundaries.js';
import { DEMO_HELP, demo } from './commands/demo.js';
import { INSPECT_HELP, inspect } from './commands/inspect.js';
import { KEYGEN_HELP, keygen } from './commands/keygen.js';
import { SIGN_HELP, sign } from './commands/sign.js';
import { VERIFY_HELP, verify } from './commands/verify.js';
import { TrustHandoffError } from '../errors.js';
import { EXIT_OK, EXIT_USAGE, UsageError, processIo, type Io } from './io.js';

const HELP = `Usage: trusthandoff <command> [options]

Verifiable task delegation between AI agents.

Commands:
  demo        the attack demo: tampered and replayed handoffs refused, audit report written
  keygen      create an agent identity (Ed25519 key file, agent id, public key)
  sign        sign a task packet and print its envelope
  verify      decide an envelope against a registry of public keys
  inspect     decode and explain a packet, envelope, capability, token or attestation
  audit       audit a JSONL event log (text, JSON or HTML); checks a hash-chained log
  boundaries  check a trust-boundary policy file (boundaries check <file>)

Run \`trusthandoff <command> --help\` for a command's options.
Global options: --no-color, -h/--help, -v/--version.
Exit codes: 0 accepted/valid, 1 rejected/invalid, 2 usage or input error.
`;

type Command = (args: readonly string[], io: Io) => number | Promise<number>;
const COMMANDS: Readonly<Record<string, { run: Command; help: string }>> = {
  demo: { run: demo, help: DEMO_HELP },
  keygen: { run: keygen, help: KEYGEN_HELP },
  sign: { run: sign, help: SIGN_HELP },
  verify: { run: verify, help: VERIFY_HELP },
  inspect: { run: inspect, help: INSPECT_HELP },
  audit: { run: audit, help: AUDIT_HELP },
  boundaries: { run: boundaries, help: BOUNDARIES_HELP },
};

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  return pkg.version;
}

/** Run the CLI with `argv` (without node and script); returns the exit code. */
export async function main(argv: readonly string[]): Promise<number> {
  const noColor = argv.includes('--no-color');
  const args = argv.filter((a) => a !== '--no-color');
  const io = processIo(noColor);
  const [name, ...rest] = args;
  if (name === undefined || name === '-h' || name === '--help' || name === 'help') {
    const topic = name === 'help' ? rest[0] : undefined;
    io.out(topic !== undefined && Object.hasOwn(COMMANDS, topic) ? COMMANDS[topic]!.help : HELP);
    return name === undefined ? EXIT_USAGE : EXIT_OK;
  }
  if (name === '-v' || name === '--version') {
    io.out(`${version()}\n`);
    return EXIT_OK;
  }
  if (!Object.hasOwn(COMMANDS, name)) {
    io.err(`trusthandoff: unknown command ${JSON.stringify(name)} (try trusthandoff --help)\n`);
    return EXIT_USAGE;
  }
  const command = COMMANDS[name]!;
  if (rest.includes('-h') || rest.includes('--help')) {
    io.out(command.help);
    return EXIT_OK;
  }
  try {
    return await command.run(rest, io);
  } catch (error) {
    io.err(`trusthandoff ${name}: ${describeError(error)}\n`);
    return EXIT_USAGE;
  }
}

// One line, never a stack: usage errors say what to fix; library errors carry their stable code.
function describeError(error: unknown): string {
  if (error instanceof UsageError) return firstLine(error.message);
  if (error instanceof TrustHandoffError) return `${firstLine(error.message)} (${error.code})`;
  const code = (error as { code?: unknown } | null)?.code;
  return `unexpected ${error instanceof Error ? error.name : 'error'}${typeof code === 'string' ? ` (${code})` : ''}`;
}

function firstLine(text: string): string {
  return text.split('\n')[0]!;
}

process.exitCode = await main(process.argv.slice(2));
