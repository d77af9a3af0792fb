/**
 * Per-call expectations (issue 8): what the caller knows this call must be is checked against the
 * signed packet before the replay step, so a mismatch never spends the nonce. Includes the MCP-style
 * nonce burn: a captured envelope presented to the wrong tool first.
 */
import { describe, expect, it } from 'vitest';
import {
  JsonFloat,
  TOOL_CALL_CONTEXT_KEY,
  bindToolCall,
  createChain,
  createDelegationEnvelope,
  toolArgumentsDigest,
  type CallExpectations,
} from '../support/api.js';
import { fixture } from './support.js';

describe('tool-call digest (the convention both sides use)', () => {
  // Computed with CPython: sha256(json.dumps(args, sort_keys=True, separators=(",", ":"), ensure_ascii=True)).
  it.each([
    [{}, '44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a'],
    [
      { query: 'weather in Paris', limit: 5 },
      '7bbac2125ca3692761e300c792bf1f79b45286029d6408d719a3028d732a9308',
    ],
    [
      { b: [1, 2, { z: null, a: true }], a: 'é😀\n/', n: -0.5, big: 12345678901234567890n },
      'dfc049b5b84a9d16c9dbed54ccfbfee5ce175a101f96c139d91f68aa0af2a53f',
    ],
    [{ t: 1e21, u: 1.5e-7 }, '7bedbabb19c5a474be72b627428aaa8c8c6873805f571cca7de860e0de2b8c45'],
  ])('matches Python (case %#)', (args, digest) => {
    expect(toolArgumentsDigest(args)).toBe(digest);
  });

  it('keeps a float that Python sent as 100.0 when it arrives losslessly parsed', () => {
    // json.dumps({"v": 100.0}, ...) → {"v":100.0}
    expect(toolArgumentsDigest({ v: new JsonFloat(100) })).toBe(
      'c30d1fb4a93a4a500ba2a02cb3ebecd795280a2f80f5d4559df975805117d973',
    );
    expect(toolArgumentsDigest({ v: new JsonFloat(100) })).not.toBe(toolArgumentsDigest({ v: 100 }));
  });

  it('refuses arguments JSON cannot carry', () => {
    expect(() => toolArgumentsDigest({ f: Number.NaN })).toThrow(
      expect.objectContaining({ code: 'ERR_CANONICALIZATION' }),
    );
  });

  it('binds name and digest under one context key', () => {
    expect(bindToolCall('search', { q: 'x' })).toEqual({
      [TOOL_CALL_CONTEXT_KEY]: { name: 'search', arguments_sha256: toolArgumentsDigest({ q: 'x' }) },
    });
  });
});

describe('expectations', () => {
  const args = { path: '/tmp/report.txt', mode: 'read' };

  async function setup(): Promise<Awaited<ReturnType<typeof fixture>>> {
    return fixture();
  }

  it('the MCP-style nonce burn: the wrong tool first does not spend the nonce of the right call', async () => {
    const f = await setup();
    const e = f.envelope({
      intent: 'read_file',
      task_type: 'tool_call',
      context: { ...bindToolCall('read_file', args) },
    });
    const wrongTool = await f.gate.handle(e, {
      expect: { toolCall: { name: 'delete_file', arguments: args } },
    });
    expect(wrongTool).toMatchObject({ decision: 'REJECT', reason: 'tool_name_mismatch' });
    const right = await f.gate.handle(e, { expect: { toolCall: { name: 'read_file', arguments: args } } });
    expect(right.decision).toBe('ACCEPT');
    // And now it is spent.
    const again = await f.gate.handle(e, { expect: { toolCall: { name: 'read_file', arguments: args } } });
    expect(again.reason).toBe('Replay detected');
  });

  it('swapped arguments are refused, and do not spend the nonce', async () => {
    const f = await setup();
    const e = f.envelope({ context: { ...bindToolCall('read_file', args) } });
    const swapped = await f.gate.handle(e, {
      expect: { toolCall: { name: 'read_file', arguments: { ...args, path: '/etc/shadow' } } },
    });
    expect(swapped).toMatchObject({ decision: 'REJECT', reason: 'tool_arguments_mismatch' });
    const byDigest = await f.gate.handle(e, {
      expect: { toolCall: { name: 'read_file', argumentsSha256: toolArgumentsDigest(args) } },
    });
    expect(byDigest.decision).toBe('ACCEPT');
  });

  it('a packet without a bound tool call fails a tool expectation', async () => {
    const f = await setup();
    const d = await f.gate.handle(f.envelope(), { expect: { toolCall: { name: 'x', arguments: {} } } });
    expect(d.reason).toBe('tool_call_missing');
    const malformed = await f.gate.handle(
      f.envelope({ context: { [TOOL_CALL_CONTEXT_KEY]: { name: 'x' } } }),
      {
        expect: { toolCall: { name: 'x', arguments: {} } },
      },
    );
    expect(malformed.reason).toBe('tool_call_missing');
  });

  it('intent and task type, each at its boundary (exact, case-sensitive, null is not a match)', async () => {
    const f = await setup();
    const cases: [Partial<Parameters<typeof f.envelope>[0]>, CallExpectations, string][] = [
      [{ intent: 'summarize' }, { intent: 'summarize' }, 'Packet verified and valid'],
      [{ intent: 'summarize' }, { intent: 'Summarize' }, 'intent_mismatch'],
      [{ intent: 'summarize' }, { intent: 'summarize ' }, 'intent_mismatch'],
      [{ task_type: 'report' }, { taskType: 'report' }, 'Packet verified and valid'],
      [{ task_type: 'report' }, { taskType: 'reports' }, 'task_type_mismatch'],
      [{}, { taskType: 'report' }, 'task_type_mismatch'],
      [{ intent: 'a', task_type: 'b' }, { intent: 'a', taskType: 'b' }, 'Packet verified and valid'],
      [{ intent: 'a', task_type: 'b' }, { intent: 'x', taskType: 'b' }, 'intent_mismatch'],
      [{}, {}, 'Packet verified and valid'],
    ];
    for (const [input, expectation, reason] of cases) {
      const d = await f.gate.handle(f.envelope(input ?? {}), { expect: expectation });
      expect({ expectation, reason: d.reason }).toEqual({ expectation, reason });
    }
  });

  it('a malformed expectation fails closed (expectation_invalid), never accepts', async () => {
    const f = await setup();
    const e = f.envelope({ context: { ...bindToolCall('t', {}) } });
    const bad: unknown[] = [
      { toolCall: { name: 't' } },
      { toolCall: { name: 't', argumentsSha256: 'not-hex' } },
      { toolCall: { name: 't', arguments: { f: () => 1 } } },
      { toolCall: { arguments: {} } },
      'intent',
    ];
    for (const expectation of bad) {
      const d = await f.gate.handle(e, { expect: expectation as CallExpectations });
      expect(d.reason).toBe('expectation_invalid');
    }
    expect((await f.gate.handle(e, { expect: { toolCall: { name: 't', arguments: {} } } })).decision).toBe(
      'ACCEPT',
    );
  });

  it('a forged packet is still "Invalid signature", whatever the expectation says', async () => {
    const f = await setup();
    const e = f.envelope({ intent: 'a' });
    const forged = createDelegationEnvelope(
      { ...e.packet, signature: Buffer.alloc(64, 1).toString('base64') },
      createChain(e.packet),
    );
    expect((await f.gate.handle(forged, { expect: { intent: 'b' } })).reason).toBe('Invalid signature');
  });
});
