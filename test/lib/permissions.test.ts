import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isPermissionSubset, permissionWidening } from '../../src/lib/permissions.js';
import type { Permissions } from '../../src/packet/types.js';

// Plain reference: the rule written out longhand, independent of the implementation's ordering tricks.
function reference(child: Permissions, parent: Permissions): string | undefined {
  if (!child.allowed_actions.every((a) => parent.allowed_actions.includes(a))) return 'actions_widened';
  if (parent.max_tool_calls === null) return undefined;
  if (child.max_tool_calls === null) return 'budget_unlimited_under_limited';
  if (child.max_tool_calls > parent.max_tool_calls) return 'budget_widened';
  return undefined;
}

const perms = fc.record({
  allowed_actions: fc.uniqueArray(fc.constantFrom('read', 'write', 'exec', 'net', 'admin')),
  max_tool_calls: fc.option(fc.integer({ min: 0, max: 20 }), { nil: null }),
}) as fc.Arbitrary<Permissions>;

describe('permissionWidening', () => {
  it('agrees with the reference rule', () => {
    fc.assert(
      fc.property(perms, perms, (child, parent) => {
        expect(permissionWidening(child, parent)).toBe(reference(child, parent));
        expect(isPermissionSubset(child, parent)).toBe(reference(child, parent) === undefined);
      }),
      { numRuns: 2000 },
    );
  });

  it('treats an unlimited child under a limited parent as a widening (SPEC §10.1)', () => {
    const parent = { allowed_actions: ['read'], max_tool_calls: 3 } as Permissions;
    const child = { allowed_actions: ['read'], max_tool_calls: null } as Permissions;
    expect(permissionWidening(child, parent)).toBe('budget_unlimited_under_limited');
    expect(permissionWidening({ ...child, max_tool_calls: 3 }, parent)).toBeUndefined();
    expect(permissionWidening({ ...child, max_tool_calls: 4 }, parent)).toBe('budget_widened');
  });
});
