export { AgentIdentity } from './agent-identity.js';
export { agentIdFromPublicKeyPem } from './agent-id.js';
export {
  importPublicKeyPem,
  importPrivateKeyPem,
  describePublicKey,
  MAX_PEM_LENGTH,
  type ImportedPublicKey,
} from './keys.js';
export type { PublicKeyInput } from './public-key-input.js';
export {
  serializePrivateKeyPem,
  DEFAULT_KEY_FILE_ITERATIONS,
  type PrivateKeyPemOptions,
} from './private-key-pem.js';
export { saveIdentity, type SaveIdentityOptions } from './save-identity.js';
export { loadIdentity, type LoadIdentityOptions } from './load-identity.js';
export { createPublicKeyJwk, parsePublicKeyJwk, type Ed25519PublicJwk, type ParsedPublicJwk } from './jwk.js';
export { serializeDidKey, parseDidKey, type DidKey } from './did-key.js';
export {
  createJwks,
  parseJwks,
  parseAgentKeys,
  MAX_AGENT_KEYS,
  type AgentPublicKey,
  type Ed25519Jwks,
} from './agent-keys.js';
export { registerAgentKeys } from './register-agent-keys.js';
export { loadAgentKeys } from './load-agent-keys.js';
