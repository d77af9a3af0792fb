/**
 * Agent key files for large registries: JSON Lines, one agent per line,
 * `{"agent_id": "<agent id>", "public_key": "<SPKI PEM or did:key>"}`. Unlike the JWKS and agent-map
 * documents of {@link loadAgentKeys} (one JSON document, at most 10,000 entries, 1 MiB), a line file is
 * read as a stream and holds millions of agents; each line is bounded, so a malformed file cannot
 * cost unbounded memory.
 */
import { open } from 'node:fs/promises';
import { StringDecoder } from 'node:string_decoder';
import { ConfigurationError, InvalidKeyError, PayloadValidationError } from '../errors.js';
import { parseJson } from '../wire/parse-json.js';
import { isPlainObject } from '../wire/json-value.js';
import type { AgentRegistry } from '../stores/types.js';
import type { AgentPublicKey } from './agent-keys.js';
import { parseDidKey } from './did-key.js';
import { isAgentIdText, KEY_DOCUMENT_LIMITS } from './json-input.js';
import { canonicalPublicKeyPem, importPublicKeyPem } from './keys.js';
import { registerAgentKeys } from './register-agent-keys.js';

/** Longest line of an agent key line file, in characters (an id and a PEM take well under 1 KiB). */
export const MAX_AGENT_KEY_LINE_LENGTH = 16_384;
/** Default most agents one line file may hold. */
export const DEFAULT_MAX_AGENT_KEY_LINES = 10_000_000;

export interface AgentKeyLinesOptions {
  /** Most agents the file may hold (default {@link DEFAULT_MAX_AGENT_KEY_LINES}); more is refused. */
  readonly maxEntries?: number;
}

/**
 * Read an agent key line file (see the module comment) and register every agent in `registry`, in
 * one `registerMany` call when the registry offers it (the memory and Redis registries). The whole file
 * is checked first: a malformed line (not a JSON object with exactly `agent_id` and `public_key`, an
 * agent id that is empty, over 256 characters or not well-formed Unicode, a key that is not an Ed25519
 * public key, the same agent id twice, a line over {@link MAX_AGENT_KEY_LINE_LENGTH} characters, more
 * than `maxEntries` agents) registers nothing and throws `PayloadValidationError` or `InvalidKeyError`
 * naming the line. Blank lines are skipped. Keys are registered in the reference's PEM layout, whatever
 * layout the file used. File-system failures reject with Node's own error (`ENOENT`, …).
 */
export async function loadAgentKeyLines(
  registry: AgentRegistry,
  path: string,
  options: AgentKeyLinesOptions = {},
): Promise<number> {
  const maxEntries = options.maxEntries ?? DEFAULT_MAX_AGENT_KEY_LINES;
  if (!Number.isInteger(maxEntries) || maxEntries < 1) {
    throw new ConfigurationError('loadAgentKeyLines: maxEntries must be a positive integer');
  }
  const entries = await readAgentKeyLines(path, maxEntries);
  await registerAgentKeys(registry, entries);
  return entries.length;
}

async function readAgentKeyLines(path: string, maxEntries: number): Promise<AgentPublicKey[]> {
  const entries: AgentPublicKey[] = [];
  const seen = new Set<string>();
  let lineNumber = 0;
  const take = (line: string): void => {
    lineNumber++;
    const text = line.endsWith('\r') ? line.slice(0, -1) : line;
    if (text.trim().length === 0) return;
    if (entries.length >= maxEntries) {
      throw new PayloadValidationError(`agent key lines: more than ${maxEntries} agents`);
    }
    const entry = parseLine(text, lineNumber);
    if (seen.has(entry.agentId)) {
      throw new PayloadValidationError(`agent key lines: line ${lineNumber}: agent id registered twice`);
    }
    seen.add(entry.agentId);
    entries.push(entry);
  };
  const handle = await open(path, 'r');
  try {
    const decoder = new StringDecoder('utf8');
    const buffer = Buffer.alloc(1 << 16);
    let pending = '';
    for (;;) {
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, null);
      const chunk = bytesRead === 0 ? decoder.end() : decoder.write(buffer.subarray(0, bytesRead));
      let start = 0;
      for (let end = chunk.indexOf('\n'); end !== -1; end = chunk.indexOf('\n', start)) {
        const line = pending + chunk.slice(start, end);
        pending = '';
        if (line.length > MAX_AGENT_KEY_LINE_LENGTH) tooLong(lineNumber + 1);
        take(line);
        start = end + 1;
      }
      pending += chunk.slice(start);
      if (pending.length > MAX_AGENT_KEY_LINE_LENGTH) tooLong(lineNumber + 1);
      if (bytesRead === 0) break;
    }
    if (pending.length > 0) take(pending);
  } finally {
    await handle.close();
  }
  return entries;
}

function tooLong(lineNumber: number): never {
  throw new PayloadValidationError(
    `agent key lines: line ${lineNumber} is longer than ${MAX_AGENT_KEY_LINE_LENGTH} characters`,
  );
}

/**
 * A line exactly as `JSON.stringify({ agent_id, public_key })` writes it (what generators write),
 * read with the native parser; undefined for any other text, which the strict parser then reads (and
 * refuses when ambiguous). Writing the value back must give the line itself, so a duplicate member,
 * extra whitespace or an unusual escape never takes this path.
 */
function fastParse(text: string): unknown {
  if (!text.startsWith('{"agent_id":"')) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!isPlainObject(value)) return undefined;
  const { agent_id: agentId, public_key: key } = value;
  if (typeof agentId !== 'string' || typeof key !== 'string') return undefined;
  return JSON.stringify({ agent_id: agentId, public_key: key }) === text ? value : undefined;
}

function parseLine(text: string, lineNumber: number): AgentPublicKey {
  const where = `agent key lines: line ${lineNumber}`;
  let value: unknown = fastParse(text);
  if (value === undefined) {
    try {
      value = parseJson(text, KEY_DOCUMENT_LIMITS);
    } catch (error) {
      throw new PayloadValidationError(`${where} is not JSON`, { cause: error });
    }
  }
  if (!isPlainObject(value)) throw new PayloadValidationError(`${where} is not a JSON object`);
  for (const member of Object.keys(value)) {
    if (member !== 'agent_id' && member !== 'public_key') {
      throw new PayloadValidationError(`${where} has a member other than "agent_id" and "public_key"`);
    }
  }
  const agentId = value['agent_id'];
  const key = value['public_key'];
  if (!isAgentIdText(agentId)) {
    throw new PayloadValidationError(`${where}: an agent id is a non-empty string of at most 256 characters`);
  }
  if (typeof key !== 'string') {
    throw new PayloadValidationError(`${where}: "public_key" is a PEM or did:key string`);
  }
  try {
    if (key.startsWith('did:'))
      return Object.freeze({ agentId, publicKeyPem: parseDidKey(key).publicKeyPem });
    const canonical = canonicalPublicKeyPem(importPublicKeyPem(key));
    return Object.freeze({ agentId, publicKeyPem: canonical === key ? key : canonical });
  } catch (error) {
    if (error instanceof InvalidKeyError) throw new InvalidKeyError(`${where}: ${error.message}`);
    throw error;
  }
}
