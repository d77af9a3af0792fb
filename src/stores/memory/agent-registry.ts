import { importPublicKeyPem } from '../../identity/keys.js';
import type { AgentRegistry, RegisteredAgent } from '../types.js';

/**
 * An in-process {@link AgentRegistry}. Use the Redis registry to share registrations across verifiers.
 * Keys are imported (and so validated) before anything changes; a bad key rejects with
 * `InvalidKeyError` (as a rejected promise, like every other failure of an async store method) and
 * leaves the earlier registration in place. Revocation is kept apart from the key, so re-registering a
 * revoked agent never clears it.
 */
export class MemoryAgentRegistry implements AgentRegistry {
  readonly #agents = new Map<string, RegisteredAgent>();
  readonly #revoked = new Set<string>();

  register(agentId: string, publicKeyPem: string): Promise<void> {
    try {
      const publicKey = importPublicKeyPem(publicKeyPem);
      this.#agents.set(agentId, Object.freeze({ agentId, publicKeyPem, publicKey }));
      return Promise.resolve();
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
  }

  resolve(agentId: string): Promise<RegisteredAgent | undefined> {
    return Promise.resolve(this.#agents.get(agentId));
  }

  isRegistered(agentId: string): Promise<boolean> {
    return Promise.resolve(this.#agents.has(agentId));
  }

  revoke(agentId: string): Promise<void> {
    this.#revoked.add(agentId);
    return Promise.resolve();
  }

  isRevoked(agentId: string): Promise<boolean> {
    return Promise.resolve(this.#revoked.has(agentId));
  }
}
