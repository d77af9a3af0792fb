/** The executor runs a task only after ACCEPT. */
import { describe, expect, it } from 'vitest';
import { TaskExecutor } from '../support/api.js';
import { fixture } from './support.js';

describe('executor', () => {
  it('runs the task after ACCEPT and returns "Task executed" with the result and an attestation', async () => {
    const f = await fixture();
    const executor = new TaskExecutor({
      gate: f.gate,
      attest: (packet, result) => ({ packet_id: packet.packet_id, result }),
    });
    const e = f.envelope({ intent: 'add' });
    const outcome = await executor.execute(e, (packet) => `${packet.intent} done`);
    expect(outcome.result).toBe('add done');
    expect(outcome.decision).toMatchObject({
      decision: 'ACCEPT',
      reason: 'Task executed',
      packet_id: e.packet.packet_id,
      execution_attestation: { packet_id: e.packet.packet_id, result: 'add done' },
    });
  });

  it('never runs the task after REJECT', async () => {
    const f = await fixture();
    const executor = new TaskExecutor({ gate: f.gate });
    const e = f.envelope();
    await f.gate.handle(e);
    let ran = false;
    const outcome = await executor.execute(e, () => {
      ran = true;
    });
    expect(ran).toBe(false);
    expect(outcome.decision).toMatchObject({ decision: 'REJECT', reason: 'Replay detected' });
    expect('result' in outcome).toBe(false);
  });

  it('reports a failing task as MiddlewareExecutionError with the cause attached', async () => {
    const f = await fixture();
    const executor = new TaskExecutor({ gate: f.gate });
    const cause = new Error('task broke');
    await expect(executor.execute(f.envelope(), () => Promise.reject(cause))).rejects.toMatchObject({
      code: 'ERR_MIDDLEWARE_EXECUTION',
      cause,
    });
  });

  it('checks its options at construction', () => {
    expect(() => new TaskExecutor({} as never)).toThrow(
      expect.objectContaining({ code: 'ERR_CONFIGURATION' }),
    );
  });
});
