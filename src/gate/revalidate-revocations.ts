/**
 * A ready-made `revalidate` for the watcher: the packet is still good while its sender is not revoked
 * in the registry and none of its ids (packet, task, capability) is in the revocation store. Given the
 * gate's ACCEPT (the gate passes it), the capability chain the gate verified counts too: every link's
 * id and every link's issuer, so revoking a capability revokes everything derived from it. Store
 * errors propagate, so the watcher marks the packet stale (`revalidation_exception:…`): fail closed.
 */
import { ConfigurationError } from '../errors.js';
import type { SignedTaskPacket } from '../packet/types.js';
import type { AgentRegistry, RevocationStore } from '../stores/types.js';
import type { AcceptDecision } from './decision.js';
import { packetRevocationIds } from './steps/revocation.js';

export interface RevocationRevalidatorOptions {
  readonly registry?: AgentRegistry;
  readonly revocationStore?: RevocationStore;
}

/** What an accepted packet depends on: agents (registry revocation) and ids (revocation store). */
export interface WatchedRevocations {
  /** The sender, and the issuer of every capability in the verified chain. */
  readonly agents: readonly string[];
  /** Packet id, task id, the token's capability id (and parent), and every link of the verified chain. */
  readonly ids: readonly string[];
}

/** The agents and ids whose revocation makes `packet` (accepted by `decision`, when given) stale. */
export function watchedRevocations(packet: SignedTaskPacket, decision?: AcceptDecision): WatchedRevocations {
  const agents = new Set<string>([packet.from_agent]);
  const ids = new Set<string>(packetRevocationIds(packet));
  for (const capability of decision?.packet === packet ? (decision.capabilities ?? []) : []) {
    agents.add(capability.issuer_agent);
    ids.add(capability.capability_id);
  }
  return Object.freeze({ agents: Object.freeze([...agents]), ids: Object.freeze([...ids]) });
}

export function revocationRevalidator(
  options: RevocationRevalidatorOptions,
): (packet: SignedTaskPacket, decision?: AcceptDecision) => Promise<boolean> {
  const { registry, revocationStore } = options;
  if (registry === undefined && revocationStore === undefined) {
    throw new ConfigurationError('revocationRevalidator needs a registry, a revocation store, or both');
  }
  return async (packet, decision) => {
    const watched = watchedRevocations(packet, decision);
    const checks: Promise<boolean>[] = [];
    if (registry !== undefined) for (const agent of watched.agents) checks.push(registry.isRevoked(agent));
    if (revocationStore !== undefined) {
      for (const id of watched.ids) checks.push(revocationStore.isRevoked(id));
    }
    const revoked = await Promise.all(checks);
    return !revoked.includes(true);
  };
}
