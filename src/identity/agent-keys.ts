/**
 * Agent key documents: which public key speaks for which agent id, in a file a deployment keeps next
 * to its configuration. Two forms are read:
 *
 * - a JWKS, `{"keys": [{"kty": "OKP", "crv": "Ed25519", "x": "…", "kid": "<agent id>"}, …]}` — a key
 *   without `kid` is bound to its key-derived id (SPEC §2.5);
 * - an agent map, `{"agents": {"<agent id>": "<SPKI PEM or did:key>", …}}`.
 *
 * Everything is checked before anything is returned: one malformed entry refuses the whole document.
 */
import { PayloadValidationError } from '../errors.js';
import { isPlainObject } from '../wire/json-value.js';
import { agentIdFromPublicKeyPem } from './agent-id.js';
import { parseDidKey } from './did-key.js';
import { isAgentIdText, readJsonInput } from './json-input.js';
import { createPublicKeyJwk, publicJwkFromValue, type Ed25519PublicJwk } from './jwk.js';
import { importPublicKeyPem } from './keys.js';

/** An agent id and the public key registered for it. */
export interface AgentPublicKey {
  readonly agentId: string;
  /** SPKI PEM, in the reference's layout (trailing newline). */
  readonly publicKeyPem: string;
}

/** A JSON Web Key Set of Ed25519 public keys. */
export interface Ed25519Jwks {
  readonly keys: readonly Ed25519PublicJwk[];
}

/** Most entries one key document may hold. */
export const MAX_AGENT_KEYS = 10_000;

/** A JWKS of the given agents' public keys, `kid` = agent id (identities qualify as they are). */
export function createJwks(agents: Iterable<AgentPublicKey>): Ed25519Jwks {
  const keys: Ed25519PublicJwk[] = [];
  const seen = new Set<string>();
  for (const agent of agents) {
    if (seen.has(agent.agentId)) throw new PayloadValidationError('duplicate agent id in a key set');
    seen.add(agent.agentId);
    keys.push(createPublicKeyJwk(agent.publicKeyPem, { kid: agent.agentId }));
  }
  return Object.freeze({ keys: Object.freeze(keys) });
}

/**
 * Read a JWKS (object or JSON text) into agent keys. Throws `PayloadValidationError` for a malformed
 * set (not `{"keys": [...]}`, more than {@link MAX_AGENT_KEYS} keys, two keys for one agent id) and
 * `InvalidKeyError` for a key that is not an Ed25519 public JWK.
 */
export function parseJwks(input: unknown): readonly AgentPublicKey[] {
  const value = readJsonInput(input, 'a JWKS');
  if (!isPlainObject(value) || !Array.isArray(value['keys'])) {
    throw new PayloadValidationError('a JWKS is an object with a "keys" array');
  }
  return jwksEntries(value['keys']);
}

/**
 * Read an agent key document — a JWKS or an agent map (see the module comment) — given as an object
 * or as JSON text. Throws `PayloadValidationError` for a malformed document (neither form, unknown
 * members in an agent map, an agent id that is empty, over 256 characters or not well-formed Unicode,
 * two keys for one id, more than {@link MAX_AGENT_KEYS} entries) and `InvalidKeyError` for a key that
 * is not an Ed25519 public key.
 */
export function parseAgentKeys(input: unknown): readonly AgentPublicKey[] {
  const value = readJsonInput(input, 'an agent key document');
  if (!isPlainObject(value)) throw new PayloadValidationError('an agent key document is a JSON object');
  const hasKeys = 'keys' in value;
  const hasAgents = 'agents' in value;
  if (hasKeys && !hasAgents) {
    const keys = value['keys'];
    if (!Array.isArray(keys)) throw new PayloadValidationError('a JWKS "keys" member is an array');
    return jwksEntries(keys);
  }
  if (hasAgents && !hasKeys) return agentMapEntries(value);
  throw new PayloadValidationError('an agent key document has either "keys" (a JWKS) or "agents"');
}

function jwksEntries(keys: unknown[]): readonly AgentPublicKey[] {
  if (keys.length > MAX_AGENT_KEYS) throw new PayloadValidationError(`more than ${MAX_AGENT_KEYS} keys`);
  const entries: AgentPublicKey[] = [];
  const seen = new Set<string>();
  for (const jwk of keys) {
    const parsed = publicJwkFromValue(jwk);
    const agentId = parsed.kid ?? agentIdFromPublicKeyPem(parsed.publicKeyPem);
    if (seen.has(agentId)) throw new PayloadValidationError('two keys for one agent id (kid)');
    seen.add(agentId);
    entries.push(Object.freeze({ agentId, publicKeyPem: parsed.publicKeyPem }));
  }
  return Object.freeze(entries);
}

function agentMapEntries(document: Record<string, unknown>): readonly AgentPublicKey[] {
  for (const member of Object.keys(document)) {
    if (member !== 'agents') throw new PayloadValidationError('an agent map has only the member "agents"');
  }
  const agents = document['agents'];
  if (!isPlainObject(agents)) throw new PayloadValidationError('"agents" maps agent ids to public keys');
  const ids = Object.keys(agents);
  if (ids.length > MAX_AGENT_KEYS) throw new PayloadValidationError(`more than ${MAX_AGENT_KEYS} agents`);
  const entries: AgentPublicKey[] = [];
  for (const agentId of ids) {
    if (!isAgentIdText(agentId)) {
      throw new PayloadValidationError('an agent id is a non-empty string of at most 256 characters');
    }
    const key = agents[agentId];
    if (typeof key !== 'string') throw new PayloadValidationError('an agent key is a PEM or did:key string');
    entries.push(Object.freeze({ agentId, publicKeyPem: canonicalPem(key) }));
  }
  return Object.freeze(entries);
}

/** The key in the reference's PEM layout, whatever layout (line endings, did:key) it was written in. */
function canonicalPem(key: string): string {
  if (key.startsWith('did:')) return parseDidKey(key).publicKeyPem;
  return importPublicKeyPem(key).key.export({ format: 'pem', type: 'spki' }).toString();
}
