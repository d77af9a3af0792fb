/**
 * `trusthandoff/identity`: keys as users keep them — PEM parsing, encrypted PKCS#8 key files, JWK and
 * JWKS, `did:key`, and registries filled from a JWKS or an agent map. (`AgentIdentity`,
 * `agentIdFromPublicKeyPem`, `loadIdentity`, `saveIdentity` and `loadAgentKeys` are also on the root
 * entry.)
 */
export { AgentIdentity } from './agent-identity.js';
export { agentIdFromPublicKeyPem } from './agent-id.js';
export { parsePublicKeyPem, parsePrivateKeyPem, MAX_PEM_LENGTH, type PublicKey } from './keys.js';
export {
  nodeSignatureBackend,
  isStrictEd25519,
  type SignatureBackend,
  type Ed25519Signer,
} from './signature-backend.js';
export type { PublicKeyInput } from './public-key-input.js';
export {
  serializePrivateKeyPem,
  DEFAULT_KEY_FILE_ITERATIONS,
  type PrivateKeyPemOptions,
} from './private-key-pem.js';
export { saveIdentity, type SaveIdentityOptions } from './save-identity.js';
export { loadIdentity, type LoadIdentityOptions } from './load-identity.js';
export { exportPublicKeyJwk, parsePublicKeyJwk, type Ed25519PublicJwk, type ParsedPublicJwk } from './jwk.js';
export { serializeDidKey, parseDidKey, type DidKey } from './did-key.js';
export {
  exportJwks,
  parseJwks,
  parseAgentKeys,
  MAX_AGENT_KEYS,
  type AgentPublicKey,
  type Ed25519Jwks,
} from './agent-keys.js';
export { registerAgentKeys } from './register-agent-keys.js';
export { loadAgentKeys } from './load-agent-keys.js';
export {
  loadAgentKeyLines,
  MAX_AGENT_KEY_LINE_LENGTH,
  DEFAULT_MAX_AGENT_KEY_LINES,
  type AgentKeyLinesOptions,
} from './load-agent-key-lines.js';
