export { AgentIdentity } from './agent-identity.js';
export { agentIdFromPublicKeyPem } from './agent-id.js';
export {
  importPublicKeyPem,
  importPrivateKeyPem,
  describePublicKey,
  MAX_PEM_LENGTH,
  type ImportedPublicKey,
} from './keys.js';
