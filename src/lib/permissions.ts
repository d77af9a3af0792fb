import type { Permissions } from '../packet/types.js';

/** Why a child grant is not a subset of its parent's, in the order the rules are checked. */
export type PermissionWidening = 'actions_widened' | 'budget_widened' | 'budget_unlimited_under_limited';

/**
 * Private helper: the one "child grants nothing its parent does not" rule, shared by packet chains
 * and capability derivation. Actions must be a subset; the tool budget must not grow. Stricter than
 * the reference (SPEC §10.1): an unlimited child budget (null) under a limited parent is a widening.
 * Returns the first violated rule, or undefined when `child` is a subset of `parent`.
 */
export function permissionWidening(child: Permissions, parent: Permissions): PermissionWidening | undefined {
  const allowed = new Set(parent.allowed_actions);
  for (const action of child.allowed_actions) if (!allowed.has(action)) return 'actions_widened';
  if (parent.max_tool_calls === null) return undefined;
  if (child.max_tool_calls === null) return 'budget_unlimited_under_limited';
  return child.max_tool_calls > parent.max_tool_calls ? 'budget_widened' : undefined;
}

/** True when `child` grants nothing `parent` does not (see {@link permissionWidening}). */
export function isPermissionSubset(child: Permissions, parent: Permissions): boolean {
  return permissionWidening(child, parent) === undefined;
}
