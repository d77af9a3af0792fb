/**
 * The one attack matrix every integration runs (issue 11): the cases, what each must produce, and the
 * driver that runs them against a framework through a small {@link MatrixTarget} adapter. A target
 * receives envelopes through the real framework and reports what came back; the cases are the same
 * for MCP, A2A, LangGraph, the AI SDK and OpenAI Agents. Each run writes its column to
 * `.matrix-out/<column>.json`; `npm run docs:matrix` turns the columns into the docs table, and
 * test/integrations/matrix/docs-table.test.ts keeps the docs equal to what the cases assert.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AgentIdentity, AttestationReplayTracker, MemoryReplayStore } from '../../support/api.js';
import {
  issueToolCallEnvelope,
  type ToolCall,
  type ToolCallVerdict,
  type VerifyToolCallResultOptions,
} from '../../../src/integrations/core/index.js';

/** How often each receiving body ran, by call name. */
export type Runs = Record<string, number>;

/**
 * A framework wired for the matrix. The receiving side knows exactly one caller ({@link caller}) and
 * offers three verified calls that differ only in name: `read_file` and `delete_file` (arguments
 * `{ path }`, result `{ path, content: 'contents of <path>' }` for read_file) and `explode` (throws
 * `RangeError('disk on fire')`).
 */
export interface MatrixTarget {
  readonly caller: AgentIdentity;
  readonly receiverAgentId: string;
  /** The receiver's attestation key, as the caller's registry would hold it. */
  readonly receiverPublicKeyPem: string;
  /** Present `envelope` (undefined: none) for `call` through the framework; the raw thing returned. */
  send(call: ToolCall, envelope: string | undefined): Promise<unknown>;
  /** The integration's caller-side verification of a raw return. */
  verify(raw: unknown, options: VerifyToolCallResultOptions): Promise<ToolCallVerdict>;
  /** The raw return with its attested output rewritten by `mutate` (a proxy tampering the result). */
  rewriteOutput(raw: unknown, mutate: (wire: string) => string): unknown;
  runs(): Promise<Runs>;
  close(): Promise<void>;
}

export const MATRIX_CASES = [
  'legit call',
  'tampered envelope',
  'replayed envelope',
  'expired envelope',
  'wrong audience',
  'unsigned envelope',
  'no envelope',
  'unknown signer',
  'wrong tool',
  'swapped arguments',
  'wrong tool first, then the legit call',
  'replayed result',
  'tampered result',
  'result for another call',
  'result from an unexpected signer',
  'tool throws',
] as const;
export type MatrixCase = (typeof MATRIX_CASES)[number];

/** What each case must produce: the verdict, the receiver's or verifier's reason, whether a body ran. */
export const EXPECTED: Readonly<Record<MatrixCase, string>> = {
  'legit call': 'accepted, verified',
  'tampered envelope': '`call_rejected` `Invalid signature`, tool not run',
  'replayed envelope': '`call_rejected` `Replay detected`, tool ran once',
  'expired envelope': '`call_rejected` `expired`, tool not run',
  'wrong audience': '`call_rejected` `wrong_audience`, tool not run',
  'unsigned envelope': '`call_rejected` `Invalid signature`, tool not run',
  'no envelope': '`call_rejected` `envelope_missing`, tool not run',
  'unknown signer': '`call_rejected` `public_key_mismatch`, tool not run',
  'wrong tool': '`call_rejected` `tool_name_mismatch`, tool not run',
  'swapped arguments': '`call_rejected` `tool_arguments_mismatch`, tool not run',
  'wrong tool first, then the legit call': 'accepted, verified',
  'replayed result': '`attestation_rejected` `attestation_replayed`',
  'tampered result': '`attestation_rejected` `outcome_hash_mismatch`',
  'result for another call': '`attestation_rejected` `packet_id_mismatch`',
  'result from an unexpected signer': '`attestation_rejected` `fingerprint_mismatch`',
  'tool throws': '`tool_error` (attested error)',
};

/** The docs table's columns, one per framework wiring that runs the matrix. */
export const MATRIX_COLUMNS = [
  'MCP v1 in-process',
  'MCP v2 in-process',
  'MCP v1 stdio',
  'MCP v2 stdio',
  'A2A',
  'LangGraph',
  'LangGraph node',
  'AI SDK',
  'OpenAI Agents',
] as const;

export const MATRIX_OUT_DIR = fileURLToPath(new URL('../../../.matrix-out/', import.meta.url));

function cellOf(verdict: ToolCallVerdict, suffix = ''): string {
  if (verdict.ok) return 'accepted, verified';
  const inner = typeof verdict.details?.['reason'] === 'string' ? ` \`${verdict.details['reason']}\`` : '';
  return `\`${verdict.reason}\`${inner}${suffix}`;
}

const ARGS = { path: '/srv/report.txt' };

/**
 * Run every case against the target `connect` builds (a fresh one per case). `column` names the
 * framework in the docs table.
 */
export function describeAttackMatrix(
  column: (typeof MATRIX_COLUMNS)[number],
  connect: () => Promise<MatrixTarget>,
): void {
  const cells = new Map<MatrixCase, string>();
  afterAll(() => {
    if (cells.size !== MATRIX_CASES.length) return; // a filtered or failed run writes nothing
    mkdirSync(MATRIX_OUT_DIR, { recursive: true });
    const file = `${MATRIX_OUT_DIR}${column.replace(/[^a-z0-9]+/gi, '-').toLowerCase()}.json`;
    writeFileSync(file, JSON.stringify({ column, cells: Object.fromEntries(cells) }, null, 2));
  });

  describe(`${column}: attack matrix`, () => {
    let t: MatrixTarget;
    let tracker: AttestationReplayTracker;
    beforeEach(async () => {
      t = await connect();
      tracker = new AttestationReplayTracker({ replayStore: new MemoryReplayStore() });
    });
    afterEach(async () => {
      await t.close();
    });

    const verifyOptions = (packetId: string, key?: string): VerifyToolCallResultOptions => ({
      attestationKey: key ?? t.receiverPublicKeyPem,
      replayTracker: tracker,
      packetId,
    });
    const mint = (
      name = 'read_file',
      args: Record<string, unknown> = ARGS,
      over: Partial<Parameters<typeof issueToolCallEnvelope>[2]> = {},
      signer: AgentIdentity = t.caller,
    ) => issueToolCallEnvelope(signer, { name, arguments: args }, { audience: t.receiverAgentId, ...over });
    const rewrite = (envelope: string, edit: (packet: Record<string, unknown>) => void): string => {
      const wire = JSON.parse(envelope) as { packet: Record<string, unknown> };
      edit(wire.packet);
      const edited = JSON.stringify(wire);
      expect(edited).not.toBe(envelope);
      return edited;
    };
    /** Send, verify, record; returns the verdict and how often `tool` ran. */
    const exchange = async (
      which: MatrixCase,
      call: ToolCall,
      envelope: string | undefined,
      packetId: string,
    ): Promise<ToolCallVerdict> => {
      const raw = await t.send(call, envelope);
      const verdict = await t.verify(raw, verifyOptions(packetId));
      const ran = (await t.runs())[call.name] ?? 0;
      cells.set(which, cellOf(verdict, verdict.ok ? '' : ran === 0 ? ', tool not run' : ''));
      return verdict;
    };
    const check = (which: MatrixCase): void => {
      expect(cells.get(which)).toBe(EXPECTED[which]);
    };
    const read = { name: 'read_file', arguments: ARGS };

    it('legit call: the body runs once and the caller verifies its attestation', async () => {
      const minted = mint();
      const verdict = await exchange('legit call', read, minted.envelope, minted.packetId);
      expect(verdict).toMatchObject({
        ok: true,
        result: { path: ARGS.path, content: `contents of ${ARGS.path}` },
      });
      if (verdict.ok) expect(verdict.attestation.packet_id).toBe(minted.packetId);
      expect(await t.runs()).toEqual({ read_file: 1 });
      check('legit call');
    });

    it('tampered envelope (a permission added after signing) → Invalid signature', async () => {
      const minted = mint();
      const tampered = rewrite(minted.envelope, (p) => {
        (p['permissions'] as { allowed_actions: string[] }).allowed_actions.push('delete_file');
      });
      await exchange('tampered envelope', read, tampered, minted.packetId);
      check('tampered envelope');
    });

    it('replayed envelope → Replay detected, the body ran once', async () => {
      const minted = mint();
      const first = await t.verify(await t.send(read, minted.envelope), verifyOptions(minted.packetId));
      expect(first.ok).toBe(true);
      const verdict = await exchange('replayed envelope', read, minted.envelope, minted.packetId);
      expect(verdict.ok).toBe(false);
      expect(await t.runs()).toEqual({ read_file: 1 });
      cells.set('replayed envelope', `${cellOf(verdict)}, tool ran once`);
      check('replayed envelope');
    });

    it('expired envelope → expired', async () => {
      const minted = mint('read_file', ARGS, { now: () => Date.now() - 120_000, ttlSeconds: 60 });
      await exchange('expired envelope', read, minted.envelope, minted.packetId);
      check('expired envelope');
    });

    it('envelope for another agent → wrong_audience', async () => {
      const minted = mint('read_file', ARGS, { audience: 'agent:someone-else' });
      await exchange('wrong audience', read, minted.envelope, minted.packetId);
      check('wrong audience');
    });

    it('unsigned envelope (signature stripped) → Invalid signature', async () => {
      const minted = mint();
      const unsigned = rewrite(minted.envelope, (p) => {
        p['signature'] = '';
      });
      await exchange('unsigned envelope', read, unsigned, minted.packetId);
      check('unsigned envelope');
    });

    it('no envelope at all → envelope_missing', async () => {
      await exchange('no envelope', read, undefined, 'none');
      check('no envelope');
    });

    it('signed by a key the receiver does not know → public_key_mismatch', async () => {
      const minted = mint('read_file', ARGS, {}, AgentIdentity.generate());
      await exchange('unknown signer', read, minted.envelope, minted.packetId);
      check('unknown signer');
    });

    it('envelope for read_file presented to delete_file → tool_name_mismatch, neither runs', async () => {
      const minted = mint('read_file');
      await exchange(
        'wrong tool',
        { name: 'delete_file', arguments: ARGS },
        minted.envelope,
        minted.packetId,
      );
      expect(await t.runs()).toEqual({});
      check('wrong tool');
    });

    it('envelope with other arguments → tool_arguments_mismatch', async () => {
      const minted = mint();
      await exchange(
        'swapped arguments',
        { name: 'read_file', arguments: { path: '/etc/shadow' } },
        minted.envelope,
        minted.packetId,
      );
      check('swapped arguments');
    });

    it('nonce burn: the envelope shown to the wrong tool first does not spend the legit call', async () => {
      const minted = mint();
      const wrong = await t.verify(
        await t.send({ name: 'delete_file', arguments: ARGS }, minted.envelope),
        verifyOptions(minted.packetId),
      );
      expect(wrong).toMatchObject({ ok: false, details: { reason: 'tool_name_mismatch' } });
      await exchange('wrong tool first, then the legit call', read, minted.envelope, minted.packetId);
      expect(await t.runs()).toEqual({ read_file: 1 });
      check('wrong tool first, then the legit call');
    });

    it('the same result verified twice → attestation_replayed', async () => {
      const minted = mint();
      const raw = await t.send(read, minted.envelope);
      expect((await t.verify(raw, verifyOptions(minted.packetId))).ok).toBe(true);
      const again = await t.verify(raw, verifyOptions(minted.packetId));
      cells.set('replayed result', cellOf(again));
      check('replayed result');
    });

    it('a result rewritten on the way back → outcome_hash_mismatch', async () => {
      const minted = mint();
      const raw = await t.send(read, minted.envelope);
      const forged = t.rewriteOutput(raw, (wire) => wire.replace('contents of', 'rewritten by a proxy:'));
      const verdict = await t.verify(forged, verifyOptions(minted.packetId));
      cells.set('tampered result', cellOf(verdict));
      check('tampered result');
    });

    it('a result attested for another packet → packet_id_mismatch', async () => {
      const minted = mint();
      const raw = await t.send(read, minted.envelope);
      const verdict = await t.verify(raw, verifyOptions(mint().packetId));
      cells.set('result for another call', cellOf(verdict));
      check('result for another call');
    });

    it('a result checked against another key → fingerprint_mismatch', async () => {
      const minted = mint();
      const raw = await t.send(read, minted.envelope);
      const verdict = await t.verify(
        raw,
        verifyOptions(minted.packetId, AgentIdentity.generate().publicKeyPem),
      );
      cells.set('result from an unexpected signer', cellOf(verdict));
      check('result from an unexpected signer');
    });

    it('a throwing body → tool_error with its attested error', async () => {
      const minted = mint('explode', {});
      const raw = await t.send({ name: 'explode', arguments: {} }, minted.envelope);
      const verdict = await t.verify(raw, verifyOptions(minted.packetId));
      expect(verdict).toMatchObject({
        ok: false,
        reason: 'tool_error',
        details: { error: { error: 'disk on fire', error_type: 'RangeError' } },
      });
      cells.set('tool throws', '`tool_error` (attested error)');
      check('tool throws');
    });
  });
}

/** The three bodies every target registers, counting runs in `runs`. */
export function matrixBodies(runs: Runs) {
  const bump = (name: string): void => {
    runs[name] = (runs[name] ?? 0) + 1;
  };
  return {
    read_file: (args: { readonly path: string }) => {
      bump('read_file');
      return { path: args.path, content: `contents of ${args.path}` };
    },
    delete_file: (args: { readonly path: string }) => {
      bump('delete_file');
      return { deleted: args.path };
    },
    explode: (): Record<string, never> => {
      bump('explode');
      throw new RangeError('disk on fire');
    },
  };
}
