/**
 * Both signature backends on every verifier (packets, the gate, capabilities, approvals,
 * attestations): the same verdict on honest, malleated and small-order-key forgeries, signatures
 * byte-identical across backends, and fuzzed mutations on which the two never disagree.
 */
import { createPublicKey, verify } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  AgentIdentity,
  ApprovalVerifier,
  ConfigurationError,
  HandoffGate,
  MemoryAgentRegistry,
  REASONS,
  MemoryReplayStore,
  attachApprovals,
  checkCapabilitySignature,
  checkPacketSignature,
  checkPacketSignatureAsync,
  createDelegationEnvelope,
  createTaskPacket,
  issueApproval,
  issueAttestation,
  issueCapability,
  issueTaskPacket,
  nodeSignatureBackend,
  packetSigningPayload,
  parsePublicKeyPem,
  verifyAttestation,
  verifyPacket,
  type SignatureBackend,
  type SignedTaskPacket,
} from '../support/api.js';
import { verifyEd25519 } from '../../src/identity/signature-backend.js';
import { sodiumBackend, DEFAULT_SODIUM_LARGE_MESSAGE_BYTES } from '../../src/sodium/index.js';
import { L, TORSION, challenge, encode, fromLittleEndian, littleEndian } from '../support/ed25519-math.js';

const sodium = sodiumBackend();
const backends: readonly (readonly [string, SignatureBackend])[] = [
  ['node:crypto', nodeSignatureBackend],
  ['sodium-native', sodium],
];

/** S + L: the classic malleation; OpenSSL and libsodium both refuse it, and so does the rule. */
function malleate(signature: Buffer): Buffer {
  const s = fromLittleEndian(signature.subarray(32)) + L;
  return Buffer.concat([signature.subarray(0, 32), littleEndian(s)]);
}

// The all-zero public key: y = 0, a point of order 4. With S = 0 and R = the identity, the
// cofactorless equation holds whenever k ≡ 0 (mod 4): OpenSSL accepts such a "signature" of anything.
const ZERO_KEY = Buffer.alloc(32);
const ZERO_PEM = createPublicKey({
  key: Buffer.concat([Buffer.from('302a300506032b6570032100', 'hex'), ZERO_KEY]),
  format: 'der',
  type: 'spki',
})
  .export({ format: 'pem', type: 'spki' })
  .toString();
const IDENTITY_R = encode(TORSION[0]!);
const FORGED_SIGNATURE = Buffer.concat([IDENTITY_R, Buffer.alloc(32)]);

function forgeable(bytes: Uint8Array): boolean {
  return challenge(IDENTITY_R, ZERO_KEY, bytes) % 4n === 0n;
}

const receiver = AgentIdentity.generate();
const ZERO_ID = 'agent:zero-key';

/** A packet "signed" by the all-zero key: the nonce is varied until the forgery's equation holds. */
function forgedPacket(): { packet: SignedTaskPacket; bytes: Buffer } {
  for (let i = 0; ; i += 1) {
    const draft = createTaskPacket({
      from_agent: ZERO_ID,
      to_agent: receiver.agentId,
      intent: 'summarize',
      risk_level: 'read',
      nonce: `forged-${i}`,
    });
    const candidate = { ...draft, public_key: ZERO_PEM, signature: FORGED_SIGNATURE.toString('base64') };
    const bytes = Buffer.from(packetSigningPayload(candidate), 'utf8');
    if (forgeable(bytes)) return { packet: candidate, bytes };
  }
}

describe('signature backends', () => {
  it('sign byte-identical signatures (Ed25519 is deterministic), also past the large-message hand-over', () => {
    const node = AgentIdentity.generate();
    const viaSodium = node.withSignatureBackend(sodium);
    expect(viaSodium.signatureBackend.name).toBe('sodium-native');
    expect(viaSodium.agentId).toBe(node.agentId);
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 2048 }), (message) => {
        expect(viaSodium.sign(message).equals(node.sign(message))).toBe(true);
      }),
      { numRuns: 200 },
    );
    const large = Buffer.alloc(DEFAULT_SODIUM_LARGE_MESSAGE_BYTES + 1, 7);
    expect(viaSodium.sign(large).equals(node.sign(large))).toBe(true);
    const key = parsePublicKeyPem(node.publicKeyPem);
    expect(verifyEd25519(sodium, key, large, node.sign(large))).toBe(true);
  });

  it('refuse configurations that are not backends, at construction', () => {
    expect(() => sodiumBackend({ largeMessageBytes: -1 })).toThrow(ConfigurationError);
    expect(() => AgentIdentity.generate().withSignatureBackend({} as SignatureBackend)).toThrow(
      ConfigurationError,
    );
    const registry = new MemoryAgentRegistry();
    expect(
      () =>
        new HandoffGate({
          agentId: receiver.agentId,
          registry,
          replayStore: new MemoryReplayStore(),
          signatureBackend: { name: 'x' } as unknown as SignatureBackend,
        }),
    ).toThrow(ConfigurationError);
    expect(() => new ApprovalVerifier({ approvers: registry, signatureBackend: 1 as never })).toThrow(
      ConfigurationError,
    );
  });

  it('never disagree on fuzzed mutations of honest signatures', () => {
    const identity = AgentIdentity.generate();
    const key = parsePublicKeyPem(identity.publicKeyPem);
    const replacements = [
      ...TORSION.map((t) => encode(t)),
      Buffer.alloc(32),
      Buffer.alloc(32, 0xff),
      Buffer.from('edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f', 'hex'),
      Buffer.from('eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f', 'hex'),
    ];
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 256 }),
        fc.oneof(
          fc.record({ kind: fc.constant('flip' as const), bit: fc.integer({ min: 0, max: 511 }) }),
          fc.record({ kind: fc.constant('addL' as const), times: fc.integer({ min: 1, max: 7 }) }),
          fc.record({ kind: fc.constant('R' as const), with: fc.constantFrom(...replacements) }),
          fc.record({ kind: fc.constant('A' as const), with: fc.constantFrom(...replacements) }),
          fc.record({
            kind: fc.constant('random' as const),
            bytes: fc.uint8Array({ minLength: 64, maxLength: 64 }),
          }),
          fc.record({ kind: fc.constant('none' as const) }),
        ),
        (message, mutation) => {
          let signature = identity.sign(message);
          let publicKey = key;
          switch (mutation.kind) {
            case 'flip':
              signature[mutation.bit >> 3] = (signature[mutation.bit >> 3] ?? 0) ^ (1 << (mutation.bit & 7));
              break;
            case 'addL': {
              const s = fromLittleEndian(signature.subarray(32)) + BigInt(mutation.times) * L;
              if (s < 1n << 256n) signature = Buffer.concat([signature.subarray(0, 32), littleEndian(s)]);
              break;
            }
            case 'R':
              signature = Buffer.concat([mutation.with, signature.subarray(32)]);
              break;
            case 'A':
              publicKey = {
                key: createPublicKey({
                  key: Buffer.concat([Buffer.from('302a300506032b6570032100', 'hex'), mutation.with]),
                  format: 'der',
                  type: 'spki',
                }),
                raw: mutation.with,
                fingerprint: '',
              };
              break;
            case 'random':
              signature = Buffer.from(mutation.bytes);
              break;
            case 'none':
              break;
          }
          const viaNode = verifyEd25519(nodeSignatureBackend, publicKey, message, signature);
          const viaSodium = verifyEd25519(sodium, publicKey, message, signature);
          expect(viaSodium).toBe(viaNode);
          if (mutation.kind === 'none') expect(viaNode).toBe(true);
        },
      ),
      { numRuns: 1500 },
    );
  });
});

describe.each(backends)('every verifier on %s', (_name, backend) => {
  const sender = AgentIdentity.generate().withSignatureBackend(backend);
  const key = parsePublicKeyPem(sender.publicKeyPem);

  it('packets: honest accepted, malleated and small-order-key forgeries refused (sync and async)', async () => {
    const packet = issueTaskPacket(sender, { to_agent: receiver.agentId, intent: 'x', risk_level: 'read' });
    expect(checkPacketSignature(packet, key, backend)).toBe('valid');
    expect(await checkPacketSignatureAsync(packet, key, backend)).toBe('valid');
    const malleated = {
      ...packet,
      signature: malleate(Buffer.from(packet.signature, 'base64')).toString('base64'),
    };
    expect(checkPacketSignature(malleated, key, backend)).toBe('bad_signature');
    expect(await checkPacketSignatureAsync(malleated, key, backend)).toBe('bad_signature');

    const forged = forgedPacket();
    // The attack is real: raw node:crypto accepts the forgery.
    expect(verify(null, forged.bytes, parsePublicKeyPem(ZERO_PEM).key, FORGED_SIGNATURE)).toBe(true);
    expect(checkPacketSignature(forged.packet, undefined, backend)).toBe('bad_signature');
    expect(await checkPacketSignatureAsync(forged.packet, undefined, backend)).toBe('bad_signature');
    const registry = new MemoryAgentRegistry();
    await registry.register(ZERO_ID, ZERO_PEM);
    await registry.register(sender.agentId, sender.publicKeyPem);
    expect(await verifyPacket(forged.packet, { registry, signatureBackend: backend })).toMatchObject({
      ok: false,
      reason: 'bad_signature',
    });
    expect((await verifyPacket(packet, { registry, signatureBackend: backend })).ok).toBe(true);
  });

  it('the gate: accepts the honest packet, rejects the forgery and the malleation', async () => {
    const registry = new MemoryAgentRegistry();
    await registry.register(ZERO_ID, ZERO_PEM);
    await registry.register(sender.agentId, sender.publicKeyPem);
    for (const verification of ['sync', 'threadpool'] as const) {
      const gate = new HandoffGate({
        agentId: receiver.agentId,
        registry,
        replayStore: new MemoryReplayStore(),
        signatureBackend: backend,
        signatureVerification: verification,
        env: {},
      });
      const packet = issueTaskPacket(sender, { to_agent: receiver.agentId, intent: 'x', risk_level: 'read' });
      const malleated = {
        ...packet,
        signature: malleate(Buffer.from(packet.signature, 'base64')).toString('base64'),
      };
      expect((await gate.handle(createDelegationEnvelope(malleated))).reason).toBe(REASONS.invalidSignature);
      expect((await gate.handle(createDelegationEnvelope(forgedPacket().packet))).reason).toBe(
        REASONS.invalidSignature,
      );
      expect((await gate.handle(createDelegationEnvelope(packet))).decision).toBe('ACCEPT');
    }
  });

  it('capabilities: honest accepted, malleated refused', () => {
    const capability = issueCapability(sender, {
      subject_agent: receiver.agentId,
      delegated_permissions: { allowed_actions: ['read'] },
      expires_at: new Date(Date.now() + 3_600_000).toISOString(),
    });
    expect(checkCapabilitySignature(capability, key, backend)).toBe('valid');
    const malleated = {
      ...capability,
      signature: malleate(Buffer.from(capability.signature, 'base64')).toString('base64'),
    };
    expect(checkCapabilitySignature(malleated, key, backend)).toBe('bad_signature');
  });

  it('approvals: an honest approval counts, a malleated one does not', async () => {
    const approver = AgentIdentity.generate().withSignatureBackend(backend);
    const approvers = new MemoryAgentRegistry();
    await approvers.register('human:alice', approver.publicKeyPem);
    const verifier = new ApprovalVerifier({ approvers, signatureBackend: backend });
    const packet = issueTaskPacket(sender, {
      to_agent: receiver.agentId,
      intent: 'x',
      risk_level: 'read',
      constraints: { requires_human_review: true },
    });
    const approval = issueApproval(packet, approver, { approverId: 'human:alice' });
    expect(await verifier.check(packet, { approvals: [approval] })).toBe(true);
    const malleated = {
      ...approval,
      signature: malleate(Buffer.from(approval.signature, 'base64')).toString('base64'),
    };
    expect(await verifier.check(packet, { approvals: [malleated] })).toBe(false);
    expect(attachApprovals(createDelegationEnvelope(packet), [approval]).approvals).toHaveLength(1);
  });

  it('attestations: honest verified, malleated refused', () => {
    const result = { answer: 42 };
    const attestation = issueAttestation({ packetId: 'p-1', result, status: 'OK', signer: sender });
    expect(
      verifyAttestation(attestation, sender.publicKeyPem, { result, signatureBackend: backend }).ok,
    ).toBe(true);
    const malleated = {
      ...attestation,
      signature: malleate(Buffer.from(attestation.signature, 'base64url')).toString('base64url'),
    };
    expect(
      verifyAttestation(malleated, sender.publicKeyPem, { result, signatureBackend: backend }),
    ).toMatchObject({
      ok: false,
      reason: 'invalid_signature',
    });
  });
});
