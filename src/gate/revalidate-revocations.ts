/**
 * A ready-made `revalidate` for the watcher: the packet is still good while its sender is not revoked
 * in the registry and none of its ids (packet, task, capability) is in the revocation store. Store
 * errors propagate, so the watcher marks the packet stale (`revalidation_exception:…`): fail closed.
 */
import { ConfigurationError } from '../errors.js';
import type { SignedTaskPacket } from '../packet/types.js';
import type { AgentRegistry, RevocationStore } from '../stores/types.js';
import { packetRevocationIds } from './steps/revocation.js';

export interface RevocationRevalidatorOptions {
  readonly registry?: AgentRegistry;
  readonly revocationStore?: RevocationStore;
}

export function revocationRevalidator(
  options: RevocationRevalidatorOptions,
): (packet: SignedTaskPacket) => Promise<boolean> {
  const { registry, revocationStore } = options;
  if (registry === undefined && revocationStore === undefined) {
    throw new ConfigurationError('revocationRevalidator needs a registry, a revocation store, or both');
  }
  return async (packet) => {
    const checks: Promise<boolean>[] = [];
    if (registry !== undefined) checks.push(registry.isRevoked(packet.from_agent));
    if (revocationStore !== undefined) {
      for (const id of packetRevocationIds(packet)) checks.push(revocationStore.isRevoked(id));
    }
    const revoked = await Promise.all(checks);
    return !revoked.includes(true);
  };
}
