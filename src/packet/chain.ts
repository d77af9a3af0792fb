import { permissionWidening } from '../lib/permissions.js';
import { freezeChecked, isChecked } from './checked.js';
import type {
  DelegationChain,
  DelegationEnvelope,
  DelegationHop,
  Permissions,
  SignedTaskPacket,
} from './types.js';

/** A chain for a packet that starts a delegation: one packet, its sender, no hops. */
export function createChain(packet: SignedTaskPacket): DelegationChain {
  const chain: DelegationChain = {
    packet_ids: Object.freeze([packet.packet_id]),
    agents: Object.freeze([packet.from_agent]),
    hops: Object.freeze([]),
  };
  // Two strings of a checked packet make a checked chain.
  return isChecked(packet) ? freezeChecked(chain) : Object.freeze(chain);
}

/** The chain one hop further: the packet's id and sender appended, and the hop if given. */
export function extendDelegationChain(
  chain: DelegationChain,
  packet: SignedTaskPacket,
  hop?: DelegationHop,
): DelegationChain {
  return Object.freeze({
    packet_ids: Object.freeze([...chain.packet_ids, packet.packet_id]),
    agents: Object.freeze([...chain.agents, packet.from_agent]),
    hops: Object.freeze(hop === undefined ? [...chain.hops] : [...chain.hops, hop]),
  });
}

export function createDelegationEnvelope(
  packet: SignedTaskPacket,
  chain: DelegationChain = createChain(packet),
): DelegationEnvelope {
  return Object.freeze({ packet, chain });
}

/** SPEC §3: depth = number of packet ids. */
export function chainDepth(chain: DelegationChain): number {
  return chain.packet_ids.length;
}

/**
 * How deep a delegation is, as the gate counts it: the largest of the chain's packet ids, its agents
 * and the depth the sender signed (`provenance.delegation_depth`), so neither an unsigned chain cut
 * short nor a signed depth set low slips a packet under a depth limit. The chain step's maximum and a
 * trust boundary's `maxDelegationDepth` both compare against this one number.
 */
export function delegationDepth(packet: SignedTaskPacket, chain: DelegationChain): number {
  const signed = packet.provenance?.delegation_depth ?? null;
  return Math.max(chain.packet_ids.length, chain.agents.length, signed ?? 0);
}

/** SPEC §3: a loop is the next agent already appearing in the chain. */
export function chainHasLoop(chain: DelegationChain, nextAgent: string): boolean {
  return chain.agents.includes(nextAgent);
}

/**
 * `child` grants nothing `parent` does not: actions a subset, tool budget not increased. Stricter than
 * the reference, which only compares budgets when both are set: an unlimited child (null) under a
 * limited parent is a widening here.
 */
export function isPermissionSubset(child: Permissions, parent: Permissions): boolean {
  return permissionWidening(child, parent) === undefined;
}

/** SPEC §3: every hop's permissions are a subset of the previous hop's. */
export function isChainNarrowing(chain: DelegationChain): boolean {
  for (let i = 1; i < chain.hops.length; i++) {
    if (!isPermissionSubset(chain.hops[i]!.delegated_permissions, chain.hops[i - 1]!.delegated_permissions))
      return false;
  }
  return true;
}
