import { importPublicKeyPem } from '../../identity/keys.js';
import type { AgentRegistry, RegisteredAgent } from '../types.js';

/** An in-process {@link AgentRegistry}. Use the Redis registry to share registrations across verifiers. */
export class MemoryAgentRegistry implements AgentRegistry {
  readonly #agents = new Map<string, RegisteredAgent>();
  readonly #revoked = new Set<string>();

  register(agentId: string, publicKeyPem: string): Promise<void> {
    try {
      const publicKey = importPublicKeyPem(publicKeyPem);
      this.#agents.set(agentId, Object.freeze({ agentId, publicKeyPem, publicKey }));
      return Promise.resolve();
    } catch (error) {
      // A promise-returning method reports failure by rejecting, never by throwing synchronously.
      return Promise.reject(error instanceof Error ? error : new Error('registration failed'));
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
