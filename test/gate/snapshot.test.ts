/**
 * One snapshot per input (issue 9, item 2): an object passed to the gate is read exactly once into
 * the library's own frozen copy before any check, and a packet the library built keeps no reference
 * to the caller's mutable context.
 */
import { describe, expect, it } from 'vitest';
import {
  TaskExecutor,
  createChain,
  createDelegationEnvelope,
  snapshotJson,
  type SignedTaskPacket,
} from '../support/api.js';
import { insecureVerifyPacketSelfDeclaredKey } from '../../src/reference/index.js';
import { fixture, sender } from './support.js';

describe('one snapshot per input (issue 9.2)', () => {
  it('a getter that shows the signed value to the checks and another to the task is refused', async () => {
    const f = await fixture();
    const e = f.envelope({ context: { instruction: 'Summarize the report' } });
    let reads = 0;
    const context = {};
    Object.defineProperty(context, 'instruction', {
      enumerable: true,
      get: () => (reads++ === 0 ? 'Summarize the report' : 'Wire the money'),
    });
    const hostile = { ...e, packet: { ...e.packet, context } };
    const ran: unknown[] = [];
    const { decision } = await new TaskExecutor({ gate: f.gate }).execute(hostile, (packet) => {
      ran.push(packet.context['instruction']);
    });
    expect(decision).toMatchObject({ decision: 'REJECT', reason: 'malformed_envelope' });
    expect(ran).toEqual([]);
    expect(reads).toBe(0); // never even called
  });

  it('a Proxy that answers differently on every read is read once: the task sees what was verified', async () => {
    const f = await fixture();
    const e = f.envelope({ context: { instruction: 'Summarize the report' } });
    let reads = 0;
    const context = new Proxy(
      { instruction: 'Summarize the report' },
      {
        getOwnPropertyDescriptor(target, key) {
          const d = Reflect.getOwnPropertyDescriptor(target, key);
          if (d === undefined || key !== 'instruction') return d;
          return { ...d, value: reads++ === 0 ? 'Summarize the report' : 'Wire the money' };
        },
        get(target, key, receiver) {
          return key === 'instruction' ? 'Wire the money' : (Reflect.get(target, key, receiver) as unknown);
        },
      },
    );
    const hostile = { ...e, packet: { ...e.packet, context } };
    const ran: unknown[] = [];
    const { decision } = await new TaskExecutor({ gate: f.gate }).execute(hostile, (packet) => {
      ran.push(packet.context['instruction']);
    });
    expect(decision.decision).toBe('ACCEPT');
    expect(ran).toEqual(['Summarize the report']);
    expect(reads).toBe(1);
    if (decision.decision === 'ACCEPT') expect(Object.isFrozen(decision.packet.context)).toBe(true);
  });

  it('object inputs obey the size and depth limits too', async () => {
    const f = await fixture({ limits: { maxBytes: 10_000 } });
    const big = f.envelope();
    const hostile = { ...big, packet: { ...big.packet, context: { blob: 'x'.repeat(20_000) } } };
    expect((await f.gate.handle(hostile)).reason).toBe('malformed_envelope');
    let deep: unknown = 1;
    for (let i = 0; i < 100; i++) deep = { d: deep };
    const nested = { ...big, packet: { ...big.packet, context: { deep } as never } };
    expect((await f.gate.handle(nested)).reason).toBe('malformed_envelope');
  });

  it('a packet the library built keeps deep-frozen copies of context and ai_provenance', async () => {
    const f = await fixture();
    const context = { task: { steps: ['read'] } };
    const aiProvenance = { source: 'model', meta: { model: 'm1' } };
    const packet: SignedTaskPacket = f.packet({ context, ai_provenance: aiProvenance });
    context.task.steps.push('wire the money');
    aiProvenance.meta.model = 'tampered';
    expect(packet.context).toEqual({ task: { steps: ['read'] } });
    expect(packet.ai_provenance).toEqual({ source: 'model', meta: { model: 'm1' } });
    expect(Object.isFrozen((packet.context['task'] as { steps: unknown[] }).steps)).toBe(true);
    expect(insecureVerifyPacketSelfDeclaredKey(packet)).toBe(true);
    expect((await f.gate.handle(createDelegationEnvelope(packet, createChain(packet)))).decision).toBe(
      'ACCEPT',
    );
    expect(packet.from_agent).toBe(sender.agentId);
  });

  it('snapshotJson keeps "__proto__" as data and refuses what JSON cannot carry', () => {
    const parsed = JSON.parse('{"__proto__": {"admin": true}}') as unknown;
    const copy = snapshotJson(parsed) as Record<string, unknown>;
    expect(Object.getPrototypeOf(copy)).toBe(Object.prototype);
    expect(Object.keys(copy)).toEqual(['__proto__']);
    for (const bad of [
      { f: () => 1 },
      { d: new Date() },
      { n: Number.NaN },
      // eslint-disable-next-line no-sparse-arrays
      [1, , 3],
      { [Symbol('s')]: 1 },
    ]) {
      expect(() => snapshotJson(bad)).toThrow(expect.objectContaining({ code: 'ERR_PAYLOAD_VALIDATION' }));
    }
  });
});
