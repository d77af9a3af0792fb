/**
 * Issue 4 benchmark: capability chain verification of depth 1, 5 and 10 per second, each next to the
 * same number of raw node:crypto Ed25519 verifies of the same canonical bytes with the same KeyObjects,
 * measured interleaved in the same run. Target: at least 0.85 of raw.
 */
import { verify as rawVerify, type KeyObject } from 'node:crypto';
import {
  AgentIdentity,
  MemoryAgentRegistry,
  MemoryRevocationStore,
  Timestamp,
  CapabilityChainVerifier,
  parseCapabilityToken,
  deriveCapability,
  serializeCapabilityToken,
  issueCapability,
  type DelegationCapability,
} from '../src/index.js';
import { capabilitySigningPayload } from '../src/wire/public.js';
import { printComparisons, type ComparisonRow } from './harness.js';

const TARGET = 0.85;

/** Ops/second of an async operation run back to back, best of `rounds` rounds interleaved with the baseline. */
async function compareAsync(
  candidate: () => Promise<unknown>,
  baseline: () => void,
  options: { roundMs?: number; rounds?: number } = {},
): Promise<{ candidate: number; baseline: number }> {
  const roundMs = options.roundMs ?? 200;
  const rounds = options.rounds ?? 10;
  for (let i = 0; i < 50; i++) {
    await candidate();
    baseline();
  }
  let c = 0;
  let b = 0;
  for (let r = 0; r < rounds; r++) {
    let ops = 0;
    let start = process.hrtime.bigint();
    let deadline = start + BigInt(roundMs) * 1_000_000n;
    let now = start;
    while (now < deadline) {
      for (let i = 0; i < 10; i++) await candidate();
      ops += 10;
      now = process.hrtime.bigint();
    }
    c = Math.max(c, ops / (Number(now - start) / 1e9));
    ops = 0;
    start = process.hrtime.bigint();
    deadline = start + BigInt(roundMs) * 1_000_000n;
    now = start;
    while (now < deadline) {
      for (let i = 0; i < 10; i++) baseline();
      ops += 10;
      now = process.hrtime.bigint();
    }
    b = Math.max(b, ops / (Number(now - start) / 1e9));
  }
  return { candidate: c, baseline: b };
}

function buildChain(
  identities: readonly AgentIdentity[],
  depth: number,
  now: () => number,
): DelegationCapability[] {
  const root = issueCapability(
    identities[0]!,
    {
      subject_agent: identities[1]!.agentId,
      delegated_permissions: {
        allowed_actions: ['read', 'search', 'summarize', 'write'],
        max_tool_calls: 100,
      },
      constraints: { max_runtime_seconds: 600, data_boundary: 'eu', requires_human_review: false },
      expires_at: Timestamp.fromEpochMillis(now() + 3_600_000),
    },
    { now },
  );
  const chain = [root];
  for (let i = 1; i < depth; i++) {
    chain.push(
      deriveCapability(
        chain[i - 1]!,
        identities[i]!,
        {
          subject_agent: identities[i + 1]!.agentId,
          delegated_permissions: { allowed_actions: ['read', 'search'], max_tool_calls: 100 - i },
        },
        { now },
      ),
    );
  }
  return chain;
}

export async function run(): Promise<void> {
  const now = Date.now;
  const identities = Array.from({ length: 12 }, () => AgentIdentity.generate());
  const registry = new MemoryAgentRegistry();
  for (const identity of identities) await registry.register(identity.agentId, identity.publicKeyPem);
  const revocations = new MemoryRevocationStore();
  await revocations.revoke('some-other-capability');

  const plain = new CapabilityChainVerifier({
    trustedRoots: [identities[0]!],
    now,
  });
  const withStores = new CapabilityChainVerifier({
    trustedRoots: [identities[0]!.agentId],
    registry,
    revocationStore: revocations,
    now,
  });

  const rows: ComparisonRow[] = [];
  let payloadBytes = 0;
  for (const depth of [1, 5, 10]) {
    const chain = buildChain(identities, depth, now);
    const tokens = chain.map(serializeCapabilityToken);
    // The raw baseline: the same canonical bytes, signatures and (cached) KeyObjects.
    const bytes = chain.map((c) => Buffer.from(capabilitySigningPayload(c), 'utf8'));
    const signatures = chain.map((c) => Buffer.from(c.signature, 'base64'));
    const keys: KeyObject[] = chain.map((_, i) => identities[i]!.publicKey);
    payloadBytes = Math.max(payloadBytes, ...bytes.map((b) => b.length));
    const raw = (): void => {
      for (let i = 0; i < depth; i++) {
        if (!rawVerify(null, bytes[i]!, keys[i]!, signatures[i]!)) throw new Error('raw verify failed');
      }
    };
    const presenter = chain.at(-1)!.subject_agent;
    const check = async (verifier: CapabilityChainVerifier, links: DelegationCapability[]): Promise<void> => {
      const result = await verifier.verify(links, { presenter });
      if (!result.ok) throw new Error(`chain did not verify: ${result.reason}`);
    };
    const baselineName = `${depth} raw Ed25519 verif${depth === 1 ? 'y' : 'ies'} (node:crypto)`;

    const plainRun = await compareAsync(() => check(plain, chain), raw);
    rows.push({
      name: `verify chain depth ${depth} (pinned root)`,
      opsPerSecond: plainRun.candidate,
      baselineName,
      baselineOpsPerSecond: plainRun.baseline,
      target: TARGET,
    });
    const storesRun = await compareAsync(() => check(withStores, chain), raw);
    rows.push({
      name: `verify chain depth ${depth} (registry+revocation)`,
      opsPerSecond: storesRun.candidate,
      baselineName,
      baselineOpsPerSecond: storesRun.baseline,
      target: TARGET,
    });
    // Fresh objects every time: token decoding and canonical encoding included (nothing cached but keys).
    const decodeRun = await compareAsync(
      () =>
        check(
          plain,
          tokens.map((t) => parseCapabilityToken(t)),
        ),
      raw,
    );
    rows.push({
      name: `decode ${depth} token${depth === 1 ? '' : 's'} + verify chain`,
      opsPerSecond: decodeRun.candidate,
      baselineName,
      baselineOpsPerSecond: decodeRun.baseline,
    });
  }
  printComparisons(`capability chains (canonical payloads up to ${payloadBytes} bytes)`, rows);
}
