/** Loading keys and registries from files for the CLI. */
import { AgentIdentity } from '../../identity/index.js';
import { MemoryAgentRegistry } from '../../stores/index.js';
import { UsageError, parseJsonInput, readInput, type Io } from '../io.js';

export async function loadIdentity(io: Io, path: string): Promise<AgentIdentity> {
  const pem = await readInput(io, path, 'key file');
  try {
    return AgentIdentity.fromPrivateKeyPem(pem);
  } catch {
    throw new UsageError(`key file ${path} is not an Ed25519 PKCS#8 private key (PEM)`);
  }
}

/** A registry file: a JSON object mapping agent ids to public keys (SPKI PEM). */
export async function loadRegistry(io: Io, path: string): Promise<MemoryAgentRegistry> {
  const value = parseJsonInput(await readInput(io, path, 'registry file'), `registry file ${path}`);
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new UsageError(`registry file ${path} must be a JSON object mapping agent ids to public key PEMs`);
  const registry = new MemoryAgentRegistry();
  for (const [agentId, pem] of Object.entries(value)) {
    if (typeof pem !== 'string')
      throw new UsageError(`registry file ${path}: the key of ${agentId} is not a string`);
    try {
      await registry.register(agentId, pem);
    } catch {
      throw new UsageError(`registry file ${path}: the key of ${agentId} is not an Ed25519 public key PEM`);
    }
  }
  return registry;
}
