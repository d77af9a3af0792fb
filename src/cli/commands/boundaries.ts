/** `trusthandoff boundaries check`: validate a trust-boundary policy file (JSON or YAML). */
import { BoundaryPolicyError } from '../../errors.js';
import {
  boundaryPolicyFormatOf,
  parseBoundaryPolicyText,
  type BoundaryPolicyFormat,
} from '../../boundaries/load.js';
import type { Boundary } from '../../boundaries/policy.js';
import { EXIT_OK, UsageError, paint, parse, readInput, stringOption, type Io } from '../io.js';

export const BOUNDARIES_HELP = `Usage: trusthandoff boundaries check <policy file | -> [--format json|yaml] [--json]

Validate a trust-boundary policy (see docs/boundaries.md): every field, with unknown fields refused.
Prints the boundaries it defines. Exit 0 when the policy is valid, 2 when it is not (one line naming
the file, the path of the bad field and the problem) or cannot be read.

Options:
  --format json|yaml   the file's format; default: from its extension (.json, .yaml, .yml);
                       required for stdin. YAML needs the optional "yaml" package
  --json               print the validated policy, defaults written out, as JSON
  -h, --help           show this help
`;

export async function boundaries(args: readonly string[], io: Io): Promise<number> {
  const [sub, ...rest] = args;
  if (sub === undefined) throw new UsageError('missing subcommand (check)');
  if (sub !== 'check') throw new UsageError(`unknown subcommand ${JSON.stringify(sub)} (check)`);
  const { values, positionals } = parse(
    rest,
    { format: { type: 'string' }, json: { type: 'boolean' } },
    { min: 1, max: 1, name: 'policy file (or - for stdin)' },
  );
  const file = positionals[0]!;
  const format = formatOf(stringOption(values, 'format'), file);
  const text = await readInput(io, file, 'policy file');
  let policy;
  try {
    policy = await parseBoundaryPolicyText(text, format);
  } catch (error) {
    if (error instanceof BoundaryPolicyError)
      throw new UsageError(`${file === '-' ? 'stdin' : file}: ${error.message} (${error.code})`);
    throw error;
  }
  if (values['json'] === true) {
    io.out(`${JSON.stringify(policy, null, 2)}\n`);
    return EXIT_OK;
  }
  const p = paint(io.color);
  const count = policy.boundaries.length;
  io.out(
    `${p.green('valid')} boundary policy: ${count} ${count === 1 ? 'boundary' : 'boundaries'}, default ${policy.default}\n`,
  );
  const width = Math.max(...policy.boundaries.map((b) => b.name.length));
  for (const boundary of policy.boundaries)
    io.out(`  ${boundary.name.padEnd(width)}  ${describe(boundary)}\n`);
  return EXIT_OK;
}

function formatOf(option: string | undefined, file: string): BoundaryPolicyFormat {
  if (option !== undefined) {
    if (option !== 'json' && option !== 'yaml') throw new UsageError('--format must be json or yaml');
    return option;
  }
  if (file === '-') throw new UsageError('--format is required when the policy comes from stdin');
  const format = boundaryPolicyFormatOf(file);
  if (format === undefined)
    throw new UsageError(`cannot tell the format of ${file}: use .json, .yaml or .yml, or pass --format`);
  return format;
}

// One line: what the boundary matches, then the names of its requirements.
function describe(boundary: Boundary): string {
  const match = Object.entries(boundary.match)
    .map(([key, list]) => `${key}=${(list as readonly string[]).join(',')}`)
    .join(' ');
  const required = Object.keys(boundary.require).filter((k) => k !== 'trustedRoots');
  return `match ${match}; require ${required.length === 0 ? 'nothing' : required.join(', ')}`;
}
