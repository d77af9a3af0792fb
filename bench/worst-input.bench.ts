/**
 * Issue 9 benchmark: what the worst inputs within the gate's default limits cost before their REJECT,
 * next to `JSON.parse` of the same bytes in the same run (the floor any JSON-speaking verifier pays).
 * Unauthenticated input should be cheap to refuse: no case may cost more than 5 ms of CPU, and the
 * gate's cost should grow no faster than JSON.parse's.
 *
 * Each input is a full envelope addressed to the gate and claiming a registered sender, so every
 * step up to the signature runs. Figures are the median of many decisions, measured one at a time,
 * as CPU time of the process (user + system, all threads: what the input costs the verifier, however
 * busy the machine is), next to JSON.parse's CPU time on the same bytes.
 */
import {
  AgentIdentity,
  MemoryAgentRegistry,
  MemoryReplayStore,
  HandoffGate,
  createDelegationEnvelope,
  issueTaskPacket,
  serializeDelegationEnvelope,
} from '../src/index.js';
import { DEFAULT_JSON_LIMITS } from '../src/wire/public.js';

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

function cpuMs(since: NodeJS.CpuUsage): number {
  const d = process.cpuUsage(since);
  return (d.user + d.system) / 1000;
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
    `${'input'.padEnd(40)} ${'bytes'.padStart(8)} | ${'gate → REJECT (CPU)'.padStart(19)} | ${'JSON.parse'.padStart(11)} | ratio | ${'growth ¼→1'.padStart(15)} | reason`,
  );
  let worst = 0;
  const measure = async (text: string): Promise<{ gate: number; parse: number; reason: string }> => {
    let reason = '';
    const gateTimes: number[] = [];
    const parseTimes: number[] = [];
    for (let i = 0; i < 40; i++) {
      // Alternate, so a drift of the machine's speed favours neither.
      let t = process.cpuUsage();
      JSON.parse(text);
      parseTimes.push(cpuMs(t));
      t = process.cpuUsage();
      const decision = await gate.handle(text);
      gateTimes.push(cpuMs(t));
      reason = decision.reason;
      if (decision.decision !== 'REJECT') throw new Error('expected REJECT');
    }
    return { gate: median(gateTimes), parse: median(parseTimes), reason };
  };
  const quarter = cases(limit / 4, sender, receiver.agentId);
  for (const [i, c] of cases(limit, sender, receiver.agentId).entries()) {
    const full = await measure(c.text);
    const small = await measure(quarter[i]!.text);
    worst = Math.max(worst, full.gate);
    // Growth from a quarter of the limit to the limit: the gate's cost should grow as JSON.parse's does.
    const growth = `×${(full.gate / small.gate).toFixed(1)} vs ×${(full.parse / small.parse).toFixed(1)}`;
    console.log(
      `${c.name.padEnd(40)} ${String(Buffer.byteLength(c.text)).padStart(8)} | ${`${full.gate.toFixed(3)} ms`.padStart(19)} | ${`${full.parse.toFixed(3)} ms`.padStart(11)} | ${(full.gate / full.parse).toFixed(1).padStart(5)} | ${growth.padStart(15)} | ${full.reason}`,
    );
  }
  console.log(`worst case: ${worst.toFixed(3)} ms of CPU (target ≤ 5 ms)`);
}
