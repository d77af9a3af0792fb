/**
 * Issue 9 benchmark: what the worst inputs within the gate's default limits cost before their REJECT,
 * next to `JSON.parse` of the same bytes in the same run (the floor any JSON-speaking verifier pays).
 * Unauthenticated input should be cheap to refuse: no case may cost more than 5 ms of CPU, and the
 * gate's cost should grow no faster than JSON.parse's.
 *
 * Each input is a full envelope addressed to the gate and claiming a registered sender, so every
 * step up to the signature runs. Times are the median of many decisions, measured one at a time.
 */
import {
  AgentIdentity,
  DEFAULT_JSON_LIMITS,
  MemoryAgentRegistry,
  MemoryReplayStore,
  HandoffGate,
  createDelegationEnvelope,
  issueTaskPacket,
  serializeDelegationEnvelope,
} from '../src/index.js';

interface Case {
  readonly name: string;
  readonly text: string;
}

function fill(maxBytes: number, unit: string, open = '[', close = ']'): string {
  const n = Math.max(0, Math.floor((maxBytes - 2) / (unit.length + 1)));
  return `${open}${Array.from({ length: n }, () => unit).join(',')}${close}`;
}

function cases(maxBytes: number, sender: AgentIdentity, receiver: string): Case[] {
  const packet = issueTaskPacket(sender, { to_agent: receiver, intent: 'x', risk_level: 'read' });
  const base = serializeDelegationEnvelope(createDelegationEnvelope(packet));
  // The context is replaced by a hostile value of about `room` bytes; the signature stays the real
  // one (over another context), so everything up to the signature check runs.
  const room = maxBytes - base.length - 64;
  const withContext = (context: string): string =>
    base.replace('"context": {}', `"context": {"x": ${context}}`);
  const depth = DEFAULT_JSON_LIMITS.maxDepth - 4;
  const nested = `${'['.repeat(depth)}${']'.repeat(depth)}`;
  return [
    { name: 'nested arrays at the depth limit', text: withContext(fill(room, nested)) },
    { name: 'floats (lossless parser path)', text: withContext(fill(room, '1.5e-7')) },
    { name: 'long integers (lossless parser path)', text: withContext(fill(room, '9'.repeat(200))) },
    { name: 'escaped astral strings', text: withContext(fill(room, '"\\ud83d\\ude00\\u00e9"')) },
    { name: 'many small objects', text: withContext(fill(room, '{"a":1}')) },
    { name: 'one long string', text: withContext(`"${'a'.repeat(Math.max(0, room - 2))}"`) },
    {
      name: 'unsigned (no signature field)',
      text: withContext(fill(room, nested)).replace(/"signature": "[^"]*", /, ''),
    },
  ];
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

export async function run(): Promise<void> {
  const sender = AgentIdentity.generate();
  const receiver = AgentIdentity.generate();
  const registry = new MemoryAgentRegistry();
  await registry.register(sender.agentId, sender.publicKeyPem);
  const gate = new HandoffGate({
    agentId: receiver.agentId,
    registry,
    replayStore: new MemoryReplayStore(),
    env: {},
  });
  const limit = DEFAULT_JSON_LIMITS.maxBytes;
  console.log(
    `\n## worst inputs within the default limits (${limit} bytes, depth ${DEFAULT_JSON_LIMITS.maxDepth})`,
  );
  console.log(
    `${'input'.padEnd(40)} ${'bytes'.padStart(8)} | ${'gate → REJECT'.padStart(14)} | ${'JSON.parse'.padStart(11)} | ratio | reason`,
  );
  let worst = 0;
  for (const c of cases(limit, sender, receiver.agentId)) {
    const bytes = Buffer.byteLength(c.text);
    let reason = '';
    const gateTimes: number[] = [];
    const parseTimes: number[] = [];
    for (let i = 0; i < 40; i++) {
      // Alternate, so a drift of the machine's speed favours neither.
      let t = performance.now();
      JSON.parse(c.text);
      parseTimes.push(performance.now() - t);
      t = performance.now();
      const decision = await gate.handle(c.text);
      gateTimes.push(performance.now() - t);
      reason = decision.reason;
      if (decision.decision !== 'REJECT') throw new Error(`${c.name}: expected REJECT`);
    }
    const g = median(gateTimes);
    const p = median(parseTimes);
    worst = Math.max(worst, g);
    console.log(
      `${c.name.padEnd(40)} ${String(bytes).padStart(8)} | ${`${g.toFixed(3)} ms`.padStart(14)} | ${`${p.toFixed(3)} ms`.padStart(11)} | ${(g / p).toFixed(1).padStart(5)} | ${reason}`,
    );
  }
  console.log(`worst case: ${worst.toFixed(3)} ms (target ≤ 5 ms)`);
}
