/** SPEC §7.4: a gate knows whose inbox it guards; a packet addressed to anyone else is refused. */
import { ConfigurationError } from '../../errors.js';
import type { GateStep, HandoffContext, StepResult } from '../context.js';
import { REASONS } from '../decision.js';

export interface AudienceStepOptions {
  /** The inbox owner's agent id: `to_agent` must equal it. */
  readonly agentId: string;
  /** Further ids this inbox answers to (an alias during a key rotation, say). */
  readonly alsoAccept?: readonly string[];
}

export function audienceStep(options: AudienceStepOptions): GateStep {
  const ids = [options.agentId, ...(options.alsoAccept ?? [])];
  for (const id of ids) {
    if (typeof id !== 'string' || id === '')
      throw new ConfigurationError('audience: agentId must be a non-empty string');
  }
  const primary = options.agentId;
  const accepted: ReadonlySet<string> = new Set(ids);
  return {
    name: 'audience',
    check(ctx: HandoffContext): StepResult {
      const to = ctx.packet.to_agent;
      if (to === primary || accepted.has(to)) return undefined;
      return { reason: REASONS.wrongAudience, details: { to_agent: to, expected: primary } };
    },
  };
}
