/**
 * Issue 9 item 1, node outputs: an output larger than any valid one is refused before it is parsed.
 * Before, a 1 MiB output was parsed in full (305 ms) although results over 256 KiB are refused anyway.
 */
import { performance } from 'node:perf_hooks';
import { describe, expect, it } from 'vitest';
import {
  AgentIdentity,
  AttestationReplayTracker,
  MAX_NODE_OUTPUT_BYTES,
  MAX_OUTCOME_BYTES,
  MemoryReplayStore,
  issueAttestation,
  parseJson,
  parseNodeOutput,
  serializeNodeOutput,
  verifyNodeOutput,
  wrapNode,
} from '../support/api.js';

const worker = AgentIdentity.generate();
const tracker = (): AttestationReplayTracker =>
  new AttestationReplayTracker({ replayStore: new MemoryReplayStore() });

/** The fastest of `runs` calls of `fn`, in ms (the least disturbed by other work on the machine). */
function fastest(runs: number, fn: () => void): number {
  let best = Infinity;
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    fn();
    best = Math.min(best, performance.now() - start);
  }
  return best;
}

/** A well-formed 1 MiB node output whose result (decimals: the parser's slow path) is over 256 KiB. */
function oneMebibyteOutput(): string {
  const output = serializeNodeOutput({
    result: { ok: 1 },
    attestation: issueAttestation({ packetId: 'pk-big', result: { ok: 1 }, signer: worker }),
  });
  const filler = '1.5,'.repeat(Math.floor((1024 * 1024 - output.length - 16) / 4));
  return output.replace('"result":{"ok":1}', `"result":{"ok":1,"pad":[${filler}1.5]}`);
}

describe('issue 9 item 1: a node output larger than any valid one is refused before parsing', () => {
  it('a 1 MiB output is refused unread (PayloadValidationError, malformed_output), in well under 5 ms', async () => {
    const wire = oneMebibyteOutput();
    expect(Buffer.byteLength(wire)).toBeGreaterThan(MAX_NODE_OUTPUT_BYTES);
    expect(Buffer.byteLength(wire)).toBeLessThanOrEqual(1024 * 1024);
    // It is well-formed JSON: under the old 1 MiB limit it was parsed in full, then refused.
    expect(() => parseJson(wire, { maxBytes: 1024 * 1024, maxDepth: 3 })).not.toThrow();
    expect(() => parseNodeOutput(wire)).toThrow(expect.objectContaining({ code: 'ERR_PAYLOAD_VALIDATION' }));
    expect(() => parseNodeOutput(Buffer.from(wire))).toThrow(
      expect.objectContaining({ code: 'ERR_PAYLOAD_VALIDATION' }),
    );
    expect(await verifyNodeOutput(wire, worker.publicKeyPem, { replayTracker: tracker() })).toEqual({
      ok: false,
      reason: 'malformed_output',
    });
    const refuse = (): void => {
      try {
        parseNodeOutput(wire);
      } catch {
        return;
      }
      throw new Error('accepted');
    };
    expect(fastest(5, refuse)).toBeLessThan(5);
  });

  it('the bound admits the largest valid output: two 256 KiB outcomes and a 4096-character escaped packet id', async () => {
    // Canonical `{"s":"…"}` is the string plus 8 bytes: exactly MAX_OUTCOME_BYTES each.
    const result = { s: 'r'.repeat(MAX_OUTCOME_BYTES - 8) };
    const reason = { s: 'q'.repeat(MAX_OUTCOME_BYTES - 8) };
    // A control character is written as a 6-byte \u escape: the largest attestation text there is.
    const packetId = '\u0001'.repeat(4096);
    const attestation = issueAttestation({ packetId, result, reason, signer: worker, status: 'ERROR' });
    const wire = serializeNodeOutput({ result, attestation, reason });
    expect(Buffer.byteLength(wire)).toBeGreaterThan(2 * MAX_OUTCOME_BYTES + 24 * 1024);
    expect(Buffer.byteLength(wire)).toBeLessThanOrEqual(MAX_NODE_OUTPUT_BYTES);
    const verdict = await verifyNodeOutput(wire, worker.publicKeyPem, {
      replayTracker: tracker(),
      expectedPacketId: packetId,
    });
    expect(verdict.ok).toBe(true);
    // One byte more in the result and the outcome is over the limit: refused, as before.
    const over = { s: 'r'.repeat(MAX_OUTCOME_BYTES - 7) };
    expect(() => issueAttestation({ packetId: 'pk', result: over, signer: worker })).toThrow(
      expect.objectContaining({ code: 'ERR_ATTESTATION' }),
    );
  });

  it('object inputs have a budget too, and it admits the valid output that counts most (digits in an array)', async () => {
    // 131,067 single-digit numbers: canonical JSON within 3 bytes of 256 KiB, counted 9 bytes per element.
    const digits = new Array<number>((MAX_OUTCOME_BYTES - 8) / 2 - 1).fill(7);
    const node = wrapNode((_s: { packet_id: string }) => ({ a: digits }), { identity: worker });
    const output = await node({ packet_id: 'pk-digits' });
    expect((await verifyNodeOutput(output, worker.publicKeyPem, { replayTracker: tracker() })).ok).toBe(true);
    // An object far beyond any valid output is refused while it is copied, not hashed first.
    const huge = { result: { a: new Array<number>(400_000).fill(7) }, attestation: output.attestation };
    expect(() => parseNodeOutput(huge)).toThrow(expect.objectContaining({ code: 'ERR_PAYLOAD_VALIDATION' }));
    expect(await verifyNodeOutput(huge, worker.publicKeyPem, { replayTracker: tracker() })).toEqual({
      ok: false,
      reason: 'malformed_output',
    });
  });
});
