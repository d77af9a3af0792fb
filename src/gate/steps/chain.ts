/**
 * The delegation chain travels unsigned beside the packet, so everything here is a consistency check
 * against what the sender did sign:
 *  - the chain must end with this packet and its sender (`chain_mismatch`);
 *  - a signed `provenance.delegation_depth` must equal the number of agents in the chain
 *    (`chain_depth_mismatch`): dropping hops to slip under the depth limit is detected;
 *  - depth is the largest of the chain's packet ids, its agents and the signed depth, and must not
 *    exceed the maximum (`Delegation depth exceeded`, default 5);
 *  - no agent may appear twice, and the receiving inbox must not already be in it
 *    (`delegation_loop_detected`);
 *  - permissions only narrow from hop to hop, and the packet grants no more than the last hop
 *    (`delegation_chain_widened`).
 */
import { ConfigurationError } from '../../errors.js';
import { delegationDepth, isChainNarrowing, isPermissionSubset } from '../../packet/chain.js';
import { rejection, type GateStep, type HandoffContext, type StepResult } from '../context.js';
import { REASONS } from '../decision.js';

export interface ChainStepOptions {
  /** Deepest accepted delegation (default 5, as the reference). */
  readonly maxDepth?: number;
  /** The receiving inbox (for the loop check). */
  readonly agentId: string;
  /** Refuse chains in which an agent appears twice or that return to this inbox (default true). */
  readonly rejectLoops?: boolean;
}

export const DEFAULT_MAX_DELEGATION_DEPTH = 5;

const CHAIN_MISMATCH = rejection(REASONS.chainMismatch);
const LOOP = rejection(REASONS.delegationLoop);
const WIDENED = rejection(REASONS.chainWidened);

export function chainStep(options: ChainStepOptions): GateStep {
  const maxDepth = options.maxDepth ?? DEFAULT_MAX_DELEGATION_DEPTH;
  if (!Number.isSafeInteger(maxDepth) || maxDepth < 1)
    throw new ConfigurationError('maxDepth must be an integer ≥ 1');
  if (typeof options.agentId !== 'string' || options.agentId === '') {
    throw new ConfigurationError('chain step: agentId must be a non-empty string');
  }
  const self = options.agentId;
  const rejectLoops = options.rejectLoops ?? true;
  return {
    name: 'chain',
    check(ctx: HandoffContext): StepResult {
      const { packet, chain } = ctx;
      const ids = chain.packet_ids;
      const agents = chain.agents;
      if (ids.length === 0 || agents.length === 0) return CHAIN_MISMATCH;
      if (ids[ids.length - 1] !== packet.packet_id || agents[agents.length - 1] !== packet.from_agent) {
        return CHAIN_MISMATCH;
      }
      const signedDepth = packet.provenance?.delegation_depth ?? null;
      if (signedDepth !== null && signedDepth !== agents.length) {
        return {
          reason: REASONS.chainDepthMismatch,
          details: { signed_depth: signedDepth, chain_agents: agents.length, chain_packets: ids.length },
        };
      }
      const depth = delegationDepth(packet, chain);
      if (depth > maxDepth) return { reason: REASONS.depthExceeded, details: { depth, max_depth: maxDepth } };
      if (rejectLoops) {
        // Bounded by maxDepth above, so the quadratic scan is a handful of comparisons.
        for (let i = 0; i < agents.length; i++) {
          const agent = agents[i];
          if (agent === self) return LOOP;
          for (let j = i + 1; j < agents.length; j++) if (agents[j] === agent) return LOOP;
        }
      }
      const lastHop = chain.hops[chain.hops.length - 1];
      if (lastHop !== undefined) {
        if (!isChainNarrowing(chain)) return WIDENED;
        if (!isPermissionSubset(packet.permissions, lastHop.delegated_permissions)) return WIDENED;
      }
      return undefined;
    },
  };
}
