/**
 * Issue 9.6: revoking a `task_id` blocks every packet of that task — at the gate, on both store paths,
 * and in the revalidation helper — as SPEC §5 and the docs say. (Redis: the admission-parity cases.)
 */
import { describe, expect, it } from 'vitest';
import {
  createDelegationEnvelope,
  packetRevocationIds,
  revocationRevalidator,
  revocationStep,
  HandoffContext,
  type GateStep,
} from '../support/api.js';
import { fixture } from './support.js';

// Forces the per-store path (key binding, then one store call per check) without changing a decision.
const boundKeyNoop: GateStep = { name: 'bound-key-noop', requiresBoundKey: true, check: () => undefined };

describe('a revoked task id blocks its packets (issue 9.6)', () => {
  for (const path of ['admission', 'per-store'] as const) {
    it(`at the gate, on the ${path} path`, async () => {
      const f = await fixture(path === 'per-store' ? { extraSteps: [boundKeyNoop] } : {});
      expect(f.gate.path).toBe(path);
      const first = f.packet({ task_id: 'task-42' });
      expect((await f.gate.handle(createDelegationEnvelope(first))).decision).toBe('ACCEPT');
      await f.revocationStore.revoke('task-42');
      const second = f.packet({ task_id: 'task-42' });
      const decision = await f.gate.handle(createDelegationEnvelope(second));
      expect(decision).toMatchObject({
        decision: 'REJECT',
        reason: 'capability_revoked',
        details: { packet_id: second.packet_id },
      });
      // Another task of the same sender is unaffected.
      expect((await f.gate.handle(createDelegationEnvelope(f.packet({ task_id: 'task-43' })))).decision).toBe(
        'ACCEPT',
      );
    });
  }

  it('in the revocation step on its own', async () => {
    const f = await fixture();
    const step = revocationStep({ revocations: f.revocationStore });
    const p = f.packet({ task_id: 'task-7' });
    const ctx = new HandoffContext(createDelegationEnvelope(p), f.clock.ms, 1, undefined);
    expect(await step.check(ctx)).toBeUndefined();
    await f.revocationStore.revoke('task-7');
    expect(await step.check(ctx)).toMatchObject({ reason: 'capability_revoked' });
  });

  it('in the revalidation helper: an accepted packet goes stale when its task is revoked', async () => {
    const f = await fixture();
    const revalidate = revocationRevalidator({ revocationStore: f.revocationStore });
    const p = f.packet({ task_id: 'task-9' });
    expect(packetRevocationIds(p)).toEqual([p.packet_id, 'task-9']);
    expect(await revalidate(p)).toBe(true);
    await f.revocationStore.revoke('task-9');
    expect(await revalidate(p)).toBe(false);
  });
});
