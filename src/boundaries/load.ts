/**
 * Boundary policies from text and files: JSON through the library's bounded parser (duplicate keys
 * refused), YAML through the `yaml` package — an optional peer dependency, imported only when YAML is
 * actually read, so nothing else ever loads it. Both end in `parseBoundaryPolicy`, so a policy means
 * the same whichever format it was written in.
 */
import { readFile } from 'node:fs/promises';
import { BoundaryPolicyError, ConfigurationError } from '../errors.js';
import { JsonFloat, type JsonValue } from '../wire/json-value.js';
import { parseJson } from '../wire/parse-json.js';
import { parseBoundaryPolicy, type BoundaryPolicy } from './policy.js';

/** The formats a policy can be written in. */
export type BoundaryPolicyFormat = 'json' | 'yaml';

/** Largest policy document read, bytes (a policy is configuration, not data). */
export const MAX_POLICY_BYTES = 1_048_576;
// Deeper than any valid policy (root → boundaries → boundary → require → trustedRoots → root: 6).
const MAX_POLICY_DEPTH = 16;
// YAML aliases can multiply a document's size; a policy needs few, if any.
const MAX_YAML_ALIASES = 100;

/** The format a file name implies: `.json`, or `.yaml` / `.yml`; undefined for anything else. */
export function boundaryPolicyFormatOf(fileName: string): BoundaryPolicyFormat | undefined {
  const lower = fileName.toLowerCase();
  if (lower.endsWith('.json')) return 'json';
  if (lower.endsWith('.yaml') || lower.endsWith('.yml')) return 'yaml';
  return undefined;
}

/**
 * Parses and validates a policy document. Throws BoundaryPolicyError for text that is not JSON / YAML
 * or not a valid policy (path `$` for a document that does not parse), and ConfigurationError when
 * YAML is asked for and the optional `yaml` package is not installed.
 */
export async function parseBoundaryPolicyText(
  text: string,
  format: BoundaryPolicyFormat,
): Promise<BoundaryPolicy> {
  if (typeof text !== 'string') throw new BoundaryPolicyError('$', 'the policy document must be text');
  if (Buffer.byteLength(text) > MAX_POLICY_BYTES)
    throw new BoundaryPolicyError('$', `the policy document is larger than ${MAX_POLICY_BYTES} bytes`);
  if (format === 'json') return parseBoundaryPolicy(readJson(text));
  if (format === 'yaml') return parseBoundaryPolicy(await readYaml(text));
  throw new ConfigurationError('format must be "json" or "yaml"');
}

/**
 * Reads, parses and validates a policy file; the format comes from its extension (`.json`, `.yaml`,
 * `.yml`) unless given. Throws BoundaryPolicyError (an unreadable or invalid file) or
 * ConfigurationError (an unknown extension, or YAML without the `yaml` package).
 */
export async function loadBoundaryPolicy(
  path: string,
  options: { readonly format?: BoundaryPolicyFormat } = {},
): Promise<BoundaryPolicy> {
  const format = options.format ?? boundaryPolicyFormatOf(path);
  if (format === undefined)
    throw new ConfigurationError('a boundary policy file ends in .json, .yaml or .yml (or pass format)');
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    throw new BoundaryPolicyError(
      '$',
      `cannot read the file${typeof code === 'string' ? ` (${code})` : ''}`,
      {
        cause: error,
      },
    );
  }
  if (bytes.length > MAX_POLICY_BYTES)
    throw new BoundaryPolicyError('$', `the policy document is larger than ${MAX_POLICY_BYTES} bytes`);
  return parseBoundaryPolicyText(bytes.toString('utf8'), format);
}

function readJson(text: string): unknown {
  let value: JsonValue;
  try {
    value = parseJson(text, { maxBytes: MAX_POLICY_BYTES, maxDepth: MAX_POLICY_DEPTH, maxIntegerDigits: 32 });
  } catch (error) {
    throw new BoundaryPolicyError('$', `not a JSON document (${firstLine(error)})`, { cause: error });
  }
  return plainNumbers(value);
}

// The lossless parser keeps `900.0` as a JsonFloat and big integers as bigint; a policy wants numbers.
function plainNumbers(value: JsonValue): unknown {
  if (value instanceof JsonFloat) return value.value;
  if (typeof value === 'bigint') return Number(value);
  if (Array.isArray(value)) return value.map(plainNumbers);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, field] of Object.entries(value)) out[key] = plainNumbers(field);
    return out;
  }
  return value;
}

interface YamlModule {
  parseDocument(
    text: string,
    options: { uniqueKeys: boolean; prettyErrors: boolean },
  ): {
    readonly errors: readonly { readonly message: string }[];
    toJS(options: { maxAliasCount: number }): unknown;
  };
}

async function readYaml(text: string): Promise<unknown> {
  let yaml: YamlModule;
  try {
    yaml = await import('yaml');
  } catch (error) {
    throw new ConfigurationError('reading a YAML policy needs the optional "yaml" package (npm i yaml)', {
      cause: error,
    });
  }
  try {
    const document = yaml.parseDocument(text, { uniqueKeys: true, prettyErrors: false });
    const first = document.errors[0];
    if (first !== undefined)
      throw new BoundaryPolicyError('$', `not a YAML document (${oneLine(first.message)})`);
    return document.toJS({ maxAliasCount: MAX_YAML_ALIASES });
  } catch (error) {
    if (error instanceof BoundaryPolicyError) throw error;
    throw new BoundaryPolicyError('$', `not a YAML document (${firstLine(error)})`, { cause: error });
  }
}

function firstLine(error: unknown): string {
  return oneLine(error instanceof Error ? error.message : 'unreadable');
}

function oneLine(message: string): string {
  const line = message.split('\n')[0] ?? '';
  return line.length > 160 ? `${line.slice(0, 160)}…` : line;
}
