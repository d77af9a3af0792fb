/**
 * The framework-neutral wrapper: wrapNode → {result, attestation}, verifyNodeOutput with replay
 * tracking, node outputs on the wire, and the runnable demo.
 */
import { describe, expect, it } from 'vitest';
import { runAttestationDemo } from '../../examples/attestation-demo.js';
import {
  AgentIdentity,
  AttestationReplayTracker,
  MemoryReplayStore,
  parseNodeOutput,
  serializeNodeOutput,
  verifyNodeOutput,
  wrapNode,
} from '../support/api.js';

const worker = AgentIdentity.generate();
const replay = (): AttestationReplayTracker =>
  new AttestationReplayTracker({ replayStore: new MemoryReplayStore() });

describe('wrapNode', () => {
  it('a returning node yields an OK attestation over its result, for the packet id in its state', async () => {
    const node = wrapNode((state: { packet_id: string; n: number }) => ({ doubled: state.n * 2 }), {
      identity: worker,
    });
    const output = await node({ packet_id: 'pk-7', n: 21 });
    expect(output.result).toEqual({ doubled: 42 });
    expect(output.attestation.status).toBe('OK');
    expect(output.attestation.packet_id).toBe('pk-7');
    expect(output.attestation.reason_hash).toBeNull();
    expect('reason' in output).toBe(false);
    expect(output.attestation.signed_by).toBe(worker.agentId);
    expect(
      (
        await verifyNodeOutput(output, worker.publicKeyPem, {
          replayTracker: replay(),
          expectedPacketId: 'pk-7',
        })
      ).ok,
    ).toBe(true);
  });

  it('an async node works the same way', async () => {
    const node = wrapNode(async (state: { packet_id: string }) => Promise.resolve({ id: state.packet_id }), {
      identity: worker,
    });
    const output = await node({ packet_id: 'pk-8' });
    expect(output.result).toEqual({ id: 'pk-8' });
  });

  it('a throwing node yields an ERROR attestation over {error, error_type} with reason {node_error: true}', async () => {
    class QuotaExceeded extends Error {}
    const node = wrapNode(
      (_state: { packet_id: string }): { ok: boolean } => {
        throw new QuotaExceeded('quota exceeded');
      },
      { identity: worker },
    );
    const output = await node({ packet_id: 'pk-9' });
    expect(output.result).toEqual({ error: 'quota exceeded', error_type: 'QuotaExceeded' });
    expect(output.attestation.status).toBe('ERROR');
    expect(output.attestation.reason_hash).not.toBeNull();
    expect('reason' in output && output.reason).toEqual({ node_error: true });
    const verdict = await verifyNodeOutput(output, worker.publicKeyPem, { replayTracker: replay() });
    expect(verdict.ok).toBe(true);
    // Over the wire too, and a verifier that wants only OK refuses it.
    const wire = serializeNodeOutput(output);
    expect(
      (await verifyNodeOutput(wire, worker.publicKeyPem, { replayTracker: replay(), expectedStatus: 'OK' }))
        .ok,
    ).toBe(false);
  });

  it('an ERROR output whose reason is stripped does not verify', async () => {
    const node = wrapNode(
      (_state: { packet_id: string }): object => {
        throw new Error('x');
      },
      { identity: worker },
    );
    const output = await node({ packet_id: 'pk-10' });
    const stripped = { result: output.result, attestation: output.attestation };
    expect(await verifyNodeOutput(stripped, worker.publicKeyPem, { replayTracker: replay() })).toEqual({
      ok: false,
      reason: 'reason_hash_mismatch',
    });
  });

  it('odd throwables and huge messages still produce a valid, bounded ERROR attestation', async () => {
    const thrown: unknown[] = [
      'a string',
      42,
      null,
      {
        toString: () => {
          throw new Error('no');
        },
      },
      new Error('\ud800 lone surrogate'),
      new Error('x'.repeat(1_000_000)),
    ];
    for (const value of thrown) {
      const node = wrapNode(
        (_state: { packet_id: string }): object => {
          throw value;
        },
        { identity: worker },
      );
      const output = await node({ packet_id: 'pk-odd' });
      expect(output.attestation.status).toBe('ERROR');
      const result = output.result as { error: string; error_type: string };
      expect(result.error.length).toBeLessThanOrEqual(1024);
      expect(
        (
          await verifyNodeOutput(serializeNodeOutput(output), worker.publicKeyPem, {
            replayTracker: replay(),
          })
        ).ok,
      ).toBe(true);
    }
  });

  it('a missing packet id rejects with MissingPacketIDError before the node runs', async () => {
    let ran = false;
    const node = wrapNode(
      (_state: object) => {
        ran = true;
        return {};
      },
      { identity: worker },
    );
    await expect(node({})).rejects.toMatchObject({ code: 'ERR_MISSING_PACKET_ID' });
    await expect(node({ packet_id: '' })).rejects.toMatchObject({ code: 'ERR_MISSING_PACKET_ID' });
    await expect(node({ packet_id: 7 })).rejects.toMatchObject({ code: 'ERR_MISSING_PACKET_ID' });
    expect(ran).toBe(false);
  });

  it('the packet id can come from a custom key or a function', async () => {
    const byKey = wrapNode((_s: { task: string }) => ({}), { identity: worker, packetIdKey: 'task' });
    expect((await byKey({ task: 'pk-key' })).attestation.packet_id).toBe('pk-key');
    const byFn = wrapNode((_packetId: string, n: number) => ({ n }), {
      identity: worker,
      packetId: (packetId) => packetId,
    });
    expect((await byFn('pk-fn', 3)).attestation.packet_id).toBe('pk-fn');
  });

  it('a result that cannot be attested rejects with a typed error (never an unattested output)', async () => {
    const float = wrapNode((_s: { packet_id: string }) => ({ score: 0.5 }), { identity: worker });
    await expect(float({ packet_id: 'p' })).rejects.toMatchObject({ code: 'ERR_CANONICALIZATION' });
    const reserved = wrapNode((_s: { packet_id: string }) => ({ attestation: 'fake' }), { identity: worker });
    await expect(reserved({ packet_id: 'p' })).rejects.toMatchObject({ code: 'ERR_ATTESTATION' });
    const notObject = wrapNode((_s: { packet_id: string }) => [1, 2], {
      identity: worker,
    });
    await expect(notObject({ packet_id: 'p' })).rejects.toMatchObject({ code: 'ERR_ATTESTATION' });
    const huge = wrapNode((_s: { packet_id: string }) => ({ blob: 'x'.repeat(300_000) }), {
      identity: worker,
    });
    await expect(huge({ packet_id: 'p' })).rejects.toMatchObject({ code: 'ERR_ATTESTATION' });
  });

  it('options are checked at construction', () => {
    expect(() => wrapNode(() => ({}), {} as never)).toThrow(
      expect.objectContaining({ code: 'ERR_CONFIGURATION' }),
    );
    expect(() => wrapNode(() => ({}), { identity: worker, maxErrorMessageLength: -1 })).toThrow(
      expect.objectContaining({ code: 'ERR_CONFIGURATION' }),
    );
  });
});

describe('verifyNodeOutput', () => {
  it('round-trips through the wire, big integers exact', async () => {
    const node = wrapNode((_s: { packet_id: string }) => ({ big: 2n ** 70n, text: 'résumé 😀' }), {
      identity: worker,
    });
    const output = await node({ packet_id: 'pk-big' });
    const wire = serializeNodeOutput(output);
    expect(wire).toContain('"big":1180591620717411303424');
    const parsed = parseNodeOutput(wire);
    expect(parsed.result).toEqual({ big: 2n ** 70n, text: 'résumé 😀' });
    expect(parsed.attestation).toEqual(output.attestation);
    const verdict = await verifyNodeOutput(Buffer.from(wire), worker.publicKeyPem, {
      replayTracker: replay(),
    });
    expect(verdict.ok).toBe(true);
  });

  it('malformed outputs are rejected, never thrown', async () => {
    const node = wrapNode((_s: { packet_id: string }) => ({ a: 1 }), { identity: worker });
    const output = await node({ packet_id: 'pk-m' });
    const bad: unknown[] = [
      null,
      'not json',
      '{"result":{}}',
      { result: output.result },
      { attestation: output.attestation },
      { ...output, extra: 1 },
      { result: output.result, attestation: { ...output.attestation, nonce: 'x' } },
      new Uint8Array([0xff, 0xfe]),
    ];
    for (const value of bad) {
      expect(await verifyNodeOutput(value, worker.publicKeyPem, { replayTracker: replay() })).toEqual({
        ok: false,
        reason: 'malformed_output',
      });
    }
  });

  it('replayTracker takes one type: a bare ReplayStore is a configuration error, a tracker over it refuses a replay', async () => {
    const node = wrapNode((_s: { packet_id: string }) => ({ a: 1 }), { identity: worker });
    const output = await node({ packet_id: 'pk-r' });
    const store = new MemoryReplayStore();
    await expect(
      verifyNodeOutput(output, worker.publicKeyPem, { replayTracker: store as never }),
    ).rejects.toMatchObject({ code: 'ERR_CONFIGURATION' });
    const tracker = new AttestationReplayTracker({ replayStore: store });
    expect((await verifyNodeOutput(output, worker.publicKeyPem, { replayTracker: tracker })).ok).toBe(true);
    expect(await verifyNodeOutput(output, worker.publicKeyPem, { replayTracker: tracker })).toEqual({
      ok: false,
      reason: 'attestation_replayed',
    });
  });

  it('replay tracking is mandatory', async () => {
    const node = wrapNode((_s: { packet_id: string }) => ({ a: 1 }), { identity: worker });
    const output = await node({ packet_id: 'pk-r' });
    await expect(verifyNodeOutput(output, worker.publicKeyPem, {} as never)).rejects.toMatchObject({
      code: 'ERR_CONFIGURATION',
    });
  });
});

describe('examples/attestation-demo.ts', () => {
  it('legit output accepted, tampered output rejected, replayed output rejected', async () => {
    const lines: string[] = [];
    const outcome = await runAttestationDemo((line) => lines.push(line));
    expect(outcome.legit.ok).toBe(true);
    expect(outcome.tampered).toEqual({ ok: false, reason: 'outcome_hash_mismatch' });
    expect(outcome.replayed).toEqual({ ok: false, reason: 'attestation_replayed' });
    expect(lines.join('\n')).toMatch(/legit output: +ACCEPTED/);
  });
});
