/**
 * issueAttestation frames its payload on its own fast path (signer fields checked and framed once per
 * signer, ASCII written directly, timestamp split without BigInt). These tests pin that path to the
 * plain SPEC §6 framing and make sure the per-signer cache never serves stale or unchecked fields.
 */
import { verify } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  AgentIdentity,
  attestationSigningPayload,
  issueAttestation,
  verifyAttestation,
  type AttestationSigner,
  type ExecutionAttestation,
} from '../support/api.js';

const worker = AgentIdentity.generate();
const other = AgentIdentity.generate();
const result = { answer: 'ok', amount: 1 };
const NOW = 1_772_971_200_000;

/** SPEC §6 framing written the slow, obvious way: concatenated length-prefixed fields. */
function referenceFrame(a: ExecutionAttestation): Buffer {
  const field = (bytes: Buffer): Buffer => {
    const length = Buffer.alloc(4);
    length.writeUInt32BE(bytes.length);
    return Buffer.concat([length, bytes]);
  };
  const nonce = Buffer.from(a.nonce.toString(16).padStart(32, '0'), 'hex');
  const timestamp = Buffer.alloc(8);
  timestamp.writeBigUInt64BE(BigInt(a.timestamp_ms));
  return Buffer.concat([
    Buffer.from('TRUSTHANDOFF_EXEC_ATTEST_V3\0', 'latin1'),
    Buffer.from([1]),
    field(Buffer.from(a.packet_id, 'utf8')),
    field(Buffer.from(a.outcome_hash, 'hex')),
    field(Buffer.from(a.status, 'utf8')),
    field(nonce),
    field(timestamp),
    field(Buffer.from(a.agent_pubkey_fingerprint, 'hex')),
    ...(a.reason_hash === null ? [] : [field(Buffer.from(a.reason_hash, 'hex'))]),
  ]);
}

function isTyped(error: unknown, code: string): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === code;
}

describe('issueAttestation fast path', () => {
  it('signs exactly the SPEC §6 framing for any packet id, status, nonce, timestamp and reason', () => {
    const packetId = fc
      .string({ unit: 'grapheme', minLength: 1, maxLength: 40 })
      .filter((s) => s.length <= 4096);
    fc.assert(
      fc.property(
        packetId,
        fc.constantFrom('OK', 'ERROR', 'PARTIAL', 'REJECTED', 'TIMEOUT' as const),
        fc.bigInt({ min: 0n, max: (1n << 128n) - 1n }),
        fc.integer({ min: 1_577_836_800_000, max: Number.MAX_SAFE_INTEGER }),
        fc.option(fc.constant({ node_error: true }), { nil: null }),
        (id, status, nonce, timestampMs, reason) => {
          const a = issueAttestation({
            packetId: id,
            status,
            nonce,
            now: () => timestampMs,
            reason,
            signer: worker,
            result,
          });
          const framed = referenceFrame(a);
          expect(attestationSigningPayload(a).equals(framed)).toBe(true);
          expect(verify(null, framed, worker.publicKey, Buffer.from(a.signature, 'base64url'))).toBe(true);
        },
      ),
      { numRuns: 150 },
    );
  });

  it('a signer whose key changes between calls is framed with its current fingerprint and id', () => {
    let current = worker;
    const rotating: AttestationSigner = {
      get agentId() {
        return current.agentId;
      },
      get fingerprint() {
        return current.fingerprint;
      },
      sign: (bytes) => current.sign(bytes),
    };
    const first = issueAttestation({ packetId: 'pk', result, signer: rotating, now: () => NOW });
    current = other;
    const second = issueAttestation({ packetId: 'pk', result, signer: rotating, now: () => NOW });
    expect(second.agent_pubkey_fingerprint).toBe(other.fingerprint);
    expect(second.signed_by).toBe(other.agentId);
    expect(verifyAttestation(first, worker.publicKeyPem, { result, now: () => NOW }).ok).toBe(true);
    expect(verifyAttestation(second, other.publicKeyPem, { result, now: () => NOW }).ok).toBe(true);
  });

  it('a signer whose fingerprint turns invalid after a good call is refused, not served from the cache', () => {
    const mutable = {
      agentId: worker.agentId,
      fingerprint: worker.fingerprint,
      sign: worker.sign.bind(worker),
    };
    issueAttestation({ packetId: 'pk', result, signer: mutable, now: () => NOW });
    mutable.fingerprint = worker.fingerprint.toUpperCase();
    for (let i = 0; i < 2; i++) {
      expect(() => issueAttestation({ packetId: 'pk', result, signer: mutable, now: () => NOW })).toThrow(
        expect.objectContaining({ code: 'ERR_PAYLOAD_VALIDATION' }),
      );
    }
    mutable.fingerprint = worker.fingerprint;
    mutable.agentId = 'x'.repeat(257);
    expect(() => issueAttestation({ packetId: 'pk', result, signer: mutable, now: () => NOW })).toThrow(
      expect.objectContaining({ code: 'ERR_PAYLOAD_VALIDATION' }),
    );
  });

  it('bad packet ids, statuses, nonces and timestamps are refused with typed errors', () => {
    const cases: [Partial<Parameters<typeof issueAttestation>[0]>, string][] = [
      [{ packetId: '' }, 'ERR_PAYLOAD_VALIDATION'],
      [{ packetId: 'x'.repeat(4097) }, 'ERR_PAYLOAD_VALIDATION'],
      [{ packetId: 'pk-\ud800' }, 'ERR_PAYLOAD_VALIDATION'],
      [{ status: 'DONE' as never }, 'ERR_PAYLOAD_VALIDATION'],
      [{ nonce: -1n }, 'ERR_PAYLOAD_VALIDATION'],
      [{ nonce: 1n << 128n }, 'ERR_PAYLOAD_VALIDATION'],
      [{ nonce: 5 as never }, 'ERR_ATTESTATION'],
      [{ now: () => 1_577_836_799_999 }, 'ERR_PAYLOAD_VALIDATION'],
      [{ now: () => Number.MAX_SAFE_INTEGER + 1 }, 'ERR_PAYLOAD_VALIDATION'],
      [{ now: () => 1.5e12 + 0.5 }, 'ERR_PAYLOAD_VALIDATION'],
    ];
    for (const [override, code] of cases) {
      let thrown: unknown;
      try {
        issueAttestation({ packetId: 'pk', result, signer: worker, now: () => NOW, ...override });
      } catch (error) {
        thrown = error;
      }
      expect(isTyped(thrown, code), JSON.stringify(Object.keys(override))).toBe(true);
    }
  });
});
