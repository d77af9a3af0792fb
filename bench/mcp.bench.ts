/**
 * Issue 11 benchmark: MCP `tools/call` over the SDK's in-process transport (v1), one call in flight,
 * with trusthandoff on both sides (the client mints and signs a packet, the server's gate verifies it,
 * the tool's result is attested and the client verifies the attestation) next to the same calls on
 * the same server without it, and the added latency per call next to the raw node:crypto cost of the
 * Ed25519 work the integration does per call (2 signs + 2 verifies), measured in the same run.
 * Target: added latency at most 1.2× that raw cost.
 */
import { createPrivateKey, sign as rawSign, verify as rawVerify } from 'node:crypto';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import {
  AgentIdentity,
  AttestationReplayTracker,
  HandoffGate,
  MemoryAgentRegistry,
  MemoryReplayStore,
  issueAttestation,
} from '../src/index.js';
import { attestationSigningPayload } from '../src/wire/public.js';
import {
  callVerifiedTool,
  issueToolCallEnvelope,
  registerVerifiedTool,
} from '../src/integrations/mcp/index.js';
import { measureAsync, measureSync, printComparisons } from './harness.js';

const CALLS_PER_ROUND = 1500;
const ROUNDS = 5;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

export async function run(): Promise<void> {
  const caller = AgentIdentity.generate();
  const toolServer = AgentIdentity.generate();
  const registry = new MemoryAgentRegistry();
  await registry.register(caller.agentId, caller.publicKeyPem);
  const gate = new HandoffGate({
    agentId: toolServer.agentId,
    registry,
    replayStore: new MemoryReplayStore(),
  });

  const server = new McpServer({ name: 'bench', version: '1.0.0' });
  const inputSchema = { path: z.string() };
  const body = (args: { path: string }) => ({ path: args.path, bytes: 42 });
  registerVerifiedTool(server, gate, 'read_file', { inputSchema }, body, { identity: toolServer });
  server.registerTool('read_file_plain', { inputSchema }, (args) => {
    const result = body(args);
    return { content: [{ type: 'text', text: JSON.stringify(result) }], structuredContent: result };
  });
  const [clientTransport, serverTransport] = InMemoryTransport.createLinkedPair();
  await server.connect(serverTransport);
  const client = new Client({ name: 'bench', version: '1.0.0' });
  await client.connect(clientTransport);

  const options = {
    identity: caller,
    audience: toolServer.agentId,
    attestationKey: toolServer.publicKeyPem,
    replayTracker: new AttestationReplayTracker({ replayStore: new MemoryReplayStore() }),
  };
  const args = { path: '/srv/report.txt' };
  const verified = async (): Promise<void> => {
    const verdict = await callVerifiedTool(client, { name: 'read_file', arguments: args }, options);
    if (!verdict.ok) throw new Error(`verified call refused: ${verdict.reason}`);
  };
  const plain = async (): Promise<void> => {
    const result = await client.callTool({ name: 'read_file_plain', arguments: args });
    if (result.isError === true) throw new Error('plain call failed');
  };

  // The raw Ed25519 work of one integrated call, on bytes of the same sizes: the packet's canonical
  // envelope (the client signs the packet, the gate verifies it) and the attestation's payload (signed by the
  // server, verified by the client).
  const packetBytes = Buffer.from(
    issueToolCallEnvelope(caller, { name: 'read_file', arguments: args }, options).envelope,
  );
  const attestationBytes = attestationSigningPayload(
    issueAttestation({ packetId: 'pk-bench', result: body(args), signer: toolServer }),
  );
  const callerKey = createPrivateKey(caller.privateKeyPem);
  const serverKey = createPrivateKey(toolServer.privateKeyPem);
  const packetSignature = rawSign(null, packetBytes, callerKey);
  const attestationSignature = rawSign(null, attestationBytes, serverKey);
  const rawCrypto = (): void => {
    rawSign(null, packetBytes, callerKey);
    rawVerify(null, packetBytes, caller.publicKey, packetSignature);
    rawSign(null, attestationBytes, serverKey);
    rawVerify(null, attestationBytes, toolServer.publicKey, attestationSignature);
  };

  for (let i = 0; i < 300; i++) {
    await verified();
    await plain();
  }
  const withIt: { opsPerSecond: number; p50: number; p99: number }[] = [];
  const without: { opsPerSecond: number; p50: number; p99: number }[] = [];
  const raw: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    // Alternate the order so a drift of the machine's speed favours neither.
    if (r % 2 === 0) {
      withIt.push(await measureAsync(verified, { total: CALLS_PER_ROUND, concurrency: 1 }));
      without.push(await measureAsync(plain, { total: CALLS_PER_ROUND, concurrency: 1 }));
    } else {
      without.push(await measureAsync(plain, { total: CALLS_PER_ROUND, concurrency: 1 }));
      withIt.push(await measureAsync(verified, { total: CALLS_PER_ROUND, concurrency: 1 }));
    }
    raw.push(measureSync(rawCrypto, { roundMs: 300, rounds: 1 }).opsPerSecond);
  }
  await client.close();
  await server.close();

  const best = (rows: { opsPerSecond: number }[]): number => Math.max(...rows.map((row) => row.opsPerSecond));
  const p50With = median(withIt.map((row) => row.p50));
  const p99With = median(withIt.map((row) => row.p99));
  const p50Without = median(without.map((row) => row.p50));
  const p99Without = median(without.map((row) => row.p99));
  const rawMs = 1000 / Math.max(...raw);
  const addedP50 = p50With - p50Without;
  const addedP99 = p99With - p99Without;
  const us = (ms: number): string => `${(ms * 1000).toFixed(0)} µs`;
  printComparisons('MCP tools/call, SDK v1, in process, 1 in flight', [
    {
      name: 'tools/call with trusthandoff (both sides)',
      opsPerSecond: best(withIt),
      baselineName: 'tools/call without',
      baselineOpsPerSecond: best(without),
      extra: `p50 ${us(p50With)} vs ${us(p50Without)}, p99 ${us(p99With)} vs ${us(p99Without)}`,
    },
  ]);
  const verdict = (added: number): string => (added <= 1.2 * rawMs ? 'PASS' : 'MISS');
  console.log(
    `added latency per call: p50 ${us(addedP50)} (${(addedP50 / rawMs).toFixed(2)}× raw, ${verdict(addedP50)} target 1.2×), ` +
      `p99 ${us(addedP99)} (${(addedP99 / rawMs).toFixed(2)}× raw) | raw 2 signs + 2 verifies (node:crypto): ${us(rawMs)}`,
  );
}
