/**
 * Signature backends (issue 13): every figure on node:crypto and on libsodium (`trusthandoff/sodium`),
 * each next to the raw Ed25519 operation of the same backend on the same bytes, from the same run.
 * Targets: `issueTaskPacket` at least 0.85 of raw sign on the same backend; the gate's verify path
 * close to raw verify.
 */
import { createRequire } from 'node:module';
import { sign as rawNodeSign, verify as rawNodeVerify } from 'node:crypto';
import {
  AgentIdentity,
  issueTaskPacket,
  signPacket,
  createTaskPacket,
  type TaskPacketInput,
} from '../src/index.js';
import { checkPacketSignature } from '../src/packet/verify.js';
import { nodeSignatureBackend, parsePublicKeyPem } from '../src/identity/index.js';
import { parsePrivateKeyPem } from '../src/identity/keys.js';
import { packetSigningBytes } from '../src/packet/payload.js';
import { sodiumBackend } from '../src/sodium/index.js';
import { buildGateCorpus, gateAcceptRate } from './gate-corpus.js';
import { compareSync, measureSync, printComparisons, type ComparisonRow } from './harness.js';

interface RawSodium {
  crypto_sign_detached(signature: Uint8Array, message: Uint8Array, secretKey: Uint8Array): void;
  crypto_sign_verify_detached(signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array): boolean;
  crypto_sign_seed_keypair(publicKey: Uint8Array, secretKey: Uint8Array, seed: Uint8Array): void;
}

const INPUT: Omit<TaskPacketInput, 'from_agent'> = {
  to_agent: 'agent:researcher',
  intent: 'Research company background',
  permissions: { allowed_actions: ['read', 'search'], max_tool_calls: 5 },
  context: { company: 'Example Corp', quarter: 3, tags: ['finance', 'q3'] },
  risk_level: 'read',
};

export async function run(): Promise<void> {
  const sodium = createRequire(import.meta.url)('sodium-native') as RawSodium;
  const backend = sodiumBackend();
  const nodeIdentity = AgentIdentity.generate();
  const sodiumIdentity = nodeIdentity.withSignatureBackend(backend);
  const key = parsePublicKeyPem(nodeIdentity.publicKeyPem);
  const privateKey = parsePrivateKeyPem(nodeIdentity.privateKeyPem);
  const seed = privateKey.export({ format: 'der', type: 'pkcs8' }).subarray(16);
  const secretKey = Buffer.alloc(64);
  sodium.crypto_sign_seed_keypair(Buffer.alloc(32), secretKey, seed);

  const signed = issueTaskPacket(nodeIdentity, INPUT);
  const bytes = packetSigningBytes(signed);
  const signature = Buffer.from(signed.signature, 'base64');
  const out = Buffer.alloc(64);
  const rawSodiumSign = (): void => {
    sodium.crypto_sign_detached(out, bytes, secretKey);
  };
  const rawSodiumVerify = (): void => {
    if (!sodium.crypto_sign_verify_detached(signature, bytes, key.raw)) throw new Error('raw verify');
  };
  const rawNodeSignOnce = (): void => {
    rawNodeSign(null, bytes, privateKey);
  };
  const rawNodeVerifyOnce = (): void => {
    if (!rawNodeVerify(null, bytes, key.key, signature)) throw new Error('raw verify');
  };
  const draft = createTaskPacket({ ...INPUT, from_agent: nodeIdentity.agentId });

  const rows: ComparisonRow[] = [];
  const row = (
    name: string,
    baselineName: string,
    pair: { candidate: number; baseline: number; ratio: number },
    target?: number,
  ): void => {
    rows.push({
      name,
      opsPerSecond: pair.candidate,
      baselineName,
      baselineOpsPerSecond: pair.baseline,
      ratio: pair.ratio,
      ...(target === undefined ? {} : { target }),
    });
  };
  row('raw sign, libsodium', 'raw sign, node:crypto', compareSync(rawSodiumSign, rawNodeSignOnce));
  row('raw verify, libsodium', 'raw verify, node:crypto', compareSync(rawSodiumVerify, rawNodeVerifyOnce));
  row(
    'issueTaskPacket (node:crypto)',
    'raw sign, node:crypto',
    compareSync(() => issueTaskPacket(nodeIdentity, INPUT), rawNodeSignOnce),
    0.85,
  );
  row(
    'issueTaskPacket (libsodium)',
    'raw sign, libsodium',
    compareSync(() => issueTaskPacket(sodiumIdentity, INPUT), rawSodiumSign),
    0.85,
  );
  row(
    'signPacket (libsodium)',
    'raw sign, libsodium',
    compareSync(() => signPacket(draft, sodiumIdentity), rawSodiumSign),
    0.9,
  );
  row(
    'checkPacketSignature (node:crypto)',
    'raw verify, node:crypto',
    compareSync(() => checkPacketSignature(signed, key, nodeSignatureBackend), rawNodeVerifyOnce),
    0.9,
  );
  row(
    'checkPacketSignature (libsodium)',
    'raw verify, libsodium',
    compareSync(() => checkPacketSignature(signed, key, backend), rawSodiumVerify),
    0.9,
  );
  printComparisons(`signature backends (${bytes.length}-byte canonical payload)`, rows);

  // The gate, one request at a time (the signature on the calling thread), per backend.
  const corpus = buildGateCorpus(20_000);
  const gateRows: ComparisonRow[] = [];
  for (const [name, options, raw] of [
    ['node:crypto', { signatureBackend: nodeSignatureBackend }, rawNodeVerifyOnce],
    ['libsodium', { signatureBackend: backend, signatureVerification: 'sync' as const }, rawSodiumVerify],
  ] as const) {
    await gateAcceptRate(corpus, options, 1); // warm-up
    const gate = await gateAcceptRate(corpus, options, 1);
    const baseline = measureSync(raw).opsPerSecond;
    gateRows.push({
      name: `gate, memory stores, c=1 (${name})`,
      opsPerSecond: gate,
      baselineName: `raw verify, ${name}`,
      baselineOpsPerSecond: baseline,
      target: 0.85,
    });
  }
  printComparisons('gate verify path per backend', gateRows);
}
