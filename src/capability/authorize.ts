import type { Verdict } from '../lib/verdict.js';
import type { DelegationCapability } from './types.js';

/** Why an action is not authorized by a capability. */
export type AuthorizationReason = 'action_not_allowed' | 'tool_budget_exhausted' | 'invalid_tool_calls_used';

/** `{ ok: true }`, or `{ ok: false, reason }` with the rule the action breaks. */
export type AuthorizationVerdict = Verdict<AuthorizationReason>;

const AUTHORIZED: AuthorizationVerdict = Object.freeze({ ok: true });

/**
 * SPEC §6: `action` is in the capability's `allowed_actions`, and `toolCallsUsed < max_tool_calls` when
 * a budget is set. In a verified chain every budget is at most its parent's, so the leaf's decides.
 * `toolCallsUsed` must be a non-negative integer (a negative count would stretch the budget).
 */
export function authorizeAction(
  capability: DelegationCapability,
  action: string,
  toolCallsUsed = 0,
): AuthorizationVerdict {
  if (!Number.isSafeInteger(toolCallsUsed) || toolCallsUsed < 0) {
    return Object.freeze({ ok: false, reason: 'invalid_tool_calls_used' });
  }
  if (typeof action !== 'string' || !capability.delegated_permissions.allowed_actions.includes(action)) {
    return Object.freeze({ ok: false, reason: 'action_not_allowed' });
  }
  const budget = capability.delegated_permissions.max_tool_calls;
  if (budget !== null && toolCallsUsed >= budget)
    return Object.freeze({ ok: false, reason: 'tool_budget_exhausted' });
  return AUTHORIZED;
}
