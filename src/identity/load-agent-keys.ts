import { PayloadValidationError } from '../errors.js';
import type { AgentRegistry } from '../stores/types.js';
import { parseAgentKeys, type AgentPublicKey } from './agent-keys.js';
import { KEY_DOCUMENT_LIMITS } from './json-input.js';
import { readFileBounded } from './read-bounded.js';
import { registerAgentKeys } from './register-agent-keys.js';

/**
 * Fill `registry` from an agent key file (a JWKS or an agent map, see {@link parseAgentKeys}) and
 * return what was registered. The whole file is read and checked first: a malformed file registers
 * nothing (`PayloadValidationError`, `InvalidKeyError`; a file over 1 MiB is refused unread).
 * File-system failures reject with Node's own error (`ENOENT`, `EACCES`, …).
 */
export async function loadAgentKeys(
  registry: AgentRegistry,
  path: string,
): Promise<readonly AgentPublicKey[]> {
  const entries = parseAgentKeys(
    await readFileBounded(path, KEY_DOCUMENT_LIMITS.maxBytes, () => {
      return new PayloadValidationError(`an agent key file is at most ${KEY_DOCUMENT_LIMITS.maxBytes} bytes`);
    }),
  );
  await registerAgentKeys(registry, entries);
  return entries;
}
