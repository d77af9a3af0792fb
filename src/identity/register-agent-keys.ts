import { isBulkRegistration, type AgentRegistry } from '../stores/types.js';
import type { AgentPublicKey } from './agent-keys.js';

/**
 * Register every entry in `registry` (any {@link AgentRegistry}: memory, Redis, your own), one after
 * the other, or in one `registerMany` call when the registry offers it (the memory and Redis
 * registries: same result, much faster for large sets). Registering replaces an earlier key for the same id (rotation); revocations stay.
 * Entries from {@link parseAgentKeys} are all valid, so a failure here is the store's
 * (`StoreUnavailableError`); entries before it are then registered, and registering again is safe.
 */
export async function registerAgentKeys(
  registry: AgentRegistry,
  entries: Iterable<AgentPublicKey>,
): Promise<void> {
  if (isBulkRegistration(registry)) {
    await registry.registerMany(entries);
    return;
  }
  for (const { agentId, publicKeyPem } of entries) await registry.register(agentId, publicKeyPem);
}
