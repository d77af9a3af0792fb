/**
 * The issue-11 attack matrix for MCP, with the real SDKs: v1 and v2, in process and over stdio. Each
 * case names the machine-readable reason it must produce; the calling side's verdict and the server's
 * run counter show whether the tool ran. `TH_MCP_MATRIX=1` prints the table for docs/integrations/mcp.md.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { AgentIdentity, AttestationReplayTracker, MemoryReplayStore } from '../../support/api.js';
import {
  ENVELOPE_META_KEY,
  OUTPUT_META_KEY,
  REJECTION_CONTENT_KEY,
  callToolWithEnvelope,
  callVerifiedTool,
  issueToolCallEnvelope,
  verifyToolCallResult,
  type ToolCallVerdict,
} from '../../../src/integrations/mcp/index.js';
import { createTsChildRunner, type TsChildRunner } from '../../support/ts-child.js';
import { connect, type Harness, type SdkVersion, type Transport } from './harness.js';

const COMBOS: readonly (readonly [SdkVersion, Transport])[] = [
  ['v1', 'in-process'],
  ['v2', 'in-process'],
  ['v1', 'stdio'],
  ['v2', 'stdio'],
];

/** case → combo → "outcome (reason)", printed as the docs table. */
const table = new Map<string, Map<string, string>>();

function record(caseName: string, combo: string, verdict: ToolCallVerdict, ran: boolean): void {
  const details = verdict.ok ? undefined : verdict.details;
  const inner = typeof details?.['reason'] === 'string' ? ` \`${details['reason']}\`` : '';
  const cell = verdict.ok ? 'accepted, verified' : `\`${verdict.reason}\`${inner}`;
  const row = table.get(caseName) ?? new Map<string, string>();
  row.set(combo, `${cell}${ran ? '' : ', tool not run'}`);
  table.set(caseName, row);
}

let runner: TsChildRunner;
beforeAll(() => {
  runner = createTsChildRunner();
});
afterAll(() => {
  runner.dispose();
  if (process.env['TH_MCP_MATRIX'] === '1') {
    const combos = COMBOS.map(([sdk, transport]) => `${sdk} ${transport}`);
    const lines = [`| case | ${combos.join(' | ')} |`, `|---|${combos.map(() => '---|').join('')}`];
    for (const [caseName, row] of table)
      lines.push(`| ${caseName} | ${combos.map((c) => row.get(c) ?? '—').join(' | ')} |`);
    console.log(lines.join('\n'));
  }
});

describe.each(COMBOS)('MCP %s over %s: attack matrix', (sdk, transport) => {
  const combo = `${sdk} ${transport}`;
  let h: Harness;
  let tracker: AttestationReplayTracker;
  const args = { path: '/srv/report.txt' };

  beforeEach(async () => {
    h = await connect(sdk, transport, runner);
    tracker = new AttestationReplayTracker({ replayStore: new MemoryReplayStore() });
  });
  afterEach(async () => {
    await h.close();
  });

  const verifyOptions = () => ({ attestationKey: h.serverPublicKeyPem, replayTracker: tracker });
  const mint = (name = 'read_file', callArgs: Record<string, unknown> = args, over: object = {}) =>
    issueToolCallEnvelope(h.caller, { name, arguments: callArgs }, { audience: h.serverAgentId, ...over });
  const expectRefused = async (
    caseName: string,
    verdict: ToolCallVerdict,
    reason: string,
    inner: string | undefined,
    tool = 'read_file',
  ) => {
    expect(verdict.ok).toBe(false);
    if (verdict.ok) return;
    expect(verdict.reason).toBe(reason);
    if (inner !== undefined) expect(verdict.details?.['reason']).toBe(inner);
    const ran = ((await h.runs())[tool] ?? 0) > 0;
    record(caseName, combo, verdict, ran);
    return ran;
  };

  it('legit call: the tool runs and the caller verifies its attestation', async () => {
    const verdict = await callVerifiedTool(
      h.client,
      { name: 'read_file', arguments: args },
      {
        identity: h.caller,
        audience: h.serverAgentId,
        ...verifyOptions(),
      },
    );
    expect(verdict).toMatchObject({
      ok: true,
      result: { path: args.path, content: `contents of ${args.path}`, caller: h.caller.agentId },
    });
    if (verdict.ok) expect(verdict.attestation.packet_id).toBe(verdict.packetId);
    expect(await h.runs()).toEqual({ read_file: 1 });
    record('legit call', combo, verdict, true);
  });

  it('tampered envelope → Invalid signature, tool not run', async () => {
    const minted = mint();
    const wire = JSON.parse(minted.envelope) as { packet: { permissions: { allowed_actions: string[] } } };
    wire.packet.permissions.allowed_actions.push('delete_file');
    const tampered = { ...minted, envelope: JSON.stringify(wire) };
    expect(tampered.envelope).not.toBe(minted.envelope);
    const verdict = await callToolWithEnvelope(
      h.client,
      { name: 'read_file', arguments: args },
      tampered,
      verifyOptions(),
    );
    expect(await expectRefused('tampered envelope', verdict, 'call_rejected', 'Invalid signature')).toBe(
      false,
    );
  });

  it('replayed envelope → Replay detected, tool runs once', async () => {
    const minted = mint();
    const call = { name: 'read_file', arguments: args };
    expect((await callToolWithEnvelope(h.client, call, minted, verifyOptions())).ok).toBe(true);
    const verdict = await callToolWithEnvelope(h.client, call, minted, verifyOptions());
    expect(verdict).toMatchObject({
      ok: false,
      reason: 'call_rejected',
      details: { reason: 'Replay detected' },
    });
    expect(await h.runs()).toEqual({ read_file: 1 });
    record('replayed envelope', combo, verdict, false);
  });

  it('expired envelope → expired, tool not run', async () => {
    const minted = mint('read_file', args, { now: () => Date.now() - 120_000, ttlSeconds: 60 });
    const verdict = await callToolWithEnvelope(
      h.client,
      { name: 'read_file', arguments: args },
      minted,
      verifyOptions(),
    );
    expect(await expectRefused('expired envelope', verdict, 'call_rejected', 'expired')).toBe(false);
  });

  it('wrong audience → wrong_audience, tool not run', async () => {
    const minted = mint('read_file', args, { audience: 'agent:someone-else' });
    const verdict = await callToolWithEnvelope(
      h.client,
      { name: 'read_file', arguments: args },
      minted,
      verifyOptions(),
    );
    expect(await expectRefused('wrong audience', verdict, 'call_rejected', 'wrong_audience')).toBe(false);
  });

  it('unsigned envelope (signature stripped) → Invalid signature, tool not run', async () => {
    const minted = mint();
    const wire = JSON.parse(minted.envelope) as { packet: Record<string, unknown> };
    wire.packet['signature'] = '';
    const verdict = await callToolWithEnvelope(
      h.client,
      { name: 'read_file', arguments: args },
      { ...minted, envelope: JSON.stringify(wire) },
      verifyOptions(),
    );
    expect(await expectRefused('unsigned envelope', verdict, 'call_rejected', UNSIGNED_REASON)).toBe(false);
  });

  it('no envelope at all → envelope_missing, tool not run', async () => {
    const result = await h.client.callTool({ name: 'read_file', arguments: args });
    expect(result).toMatchObject({
      isError: true,
      structuredContent: { [REJECTION_CONTENT_KEY]: { decision: 'REJECT', reason: 'envelope_missing' } },
    });
    const verdict = await verifyToolCallResult(result, { ...verifyOptions(), packetId: 'none' });
    expect(await expectRefused('no envelope', verdict, 'call_rejected', 'envelope_missing')).toBe(false);
  });

  it('unknown signer → public_key_mismatch, tool not run', async () => {
    const stranger = AgentIdentity.generate();
    const minted = issueToolCallEnvelope(
      stranger,
      { name: 'read_file', arguments: args },
      { audience: h.serverAgentId },
    );
    const verdict = await callToolWithEnvelope(
      h.client,
      { name: 'read_file', arguments: args },
      minted,
      verifyOptions(),
    );
    expect(await expectRefused('unknown signer', verdict, 'call_rejected', UNKNOWN_SIGNER_REASON)).toBe(
      false,
    );
  });

  it('wrong tool → tool_name_mismatch, neither tool runs', async () => {
    const minted = mint('read_file');
    const verdict = await callToolWithEnvelope(
      h.client,
      { name: 'delete_file', arguments: args },
      minted,
      verifyOptions(),
    );
    expect(
      await expectRefused('wrong tool', verdict, 'call_rejected', 'tool_name_mismatch', 'delete_file'),
    ).toBe(false);
    expect(await h.runs()).toEqual({});
  });

  it('swapped arguments → tool_arguments_mismatch, tool not run', async () => {
    const minted = mint('read_file', args);
    const verdict = await callToolWithEnvelope(
      h.client,
      { name: 'read_file', arguments: { path: '/etc/shadow' } },
      minted,
      verifyOptions(),
    );
    expect(
      await expectRefused('swapped arguments', verdict, 'call_rejected', 'tool_arguments_mismatch'),
    ).toBe(false);
  });

  it('nonce burn: the envelope shown to the wrong tool first does not spend the legit call', async () => {
    const minted = mint('read_file');
    const wrong = await callToolWithEnvelope(
      h.client,
      { name: 'delete_file', arguments: args },
      minted,
      verifyOptions(),
    );
    expect(wrong).toMatchObject({ ok: false, details: { reason: 'tool_name_mismatch' } });
    const legit = await callToolWithEnvelope(
      h.client,
      { name: 'read_file', arguments: args },
      minted,
      verifyOptions(),
    );
    expect(legit).toMatchObject({ ok: true, result: { path: args.path } });
    expect(await h.runs()).toEqual({ read_file: 1 });
    record('wrong tool first, then the legit call', combo, legit, true);
  });

  it('replayed result → attestation_replayed at the caller', async () => {
    const minted = mint();
    const raw = await h.client.callTool({
      name: 'read_file',
      arguments: args,
      _meta: { [ENVELOPE_META_KEY]: minted.envelope },
    });
    const first = await verifyToolCallResult(raw, { ...verifyOptions(), packetId: minted.packetId });
    expect(first.ok).toBe(true);
    const again = await verifyToolCallResult(raw, { ...verifyOptions(), packetId: minted.packetId });
    expect(again).toMatchObject({
      ok: false,
      reason: 'attestation_rejected',
      details: { reason: 'attestation_replayed' },
    });
    record('replayed result', combo, again, true);
  });

  it('tampered result → outcome_hash_mismatch at the caller', async () => {
    const minted = mint();
    const raw = (await h.client.callTool({
      name: 'read_file',
      arguments: args,
      _meta: { [ENVELOPE_META_KEY]: minted.envelope },
    })) as { _meta: Record<string, string> };
    const wire = raw._meta[OUTPUT_META_KEY] ?? '';
    const forged = {
      ...raw,
      _meta: { ...raw._meta, [OUTPUT_META_KEY]: wire.replace('contents of', 'rewritten by a proxy:') },
    };
    expect(forged._meta[OUTPUT_META_KEY]).not.toBe(wire);
    const verdict = await verifyToolCallResult(forged, { ...verifyOptions(), packetId: minted.packetId });
    expect(verdict).toMatchObject({
      ok: false,
      reason: 'attestation_rejected',
      details: { reason: 'outcome_hash_mismatch' },
    });
    record('tampered result', combo, verdict, true);
  });

  it('result attested for another packet → packet_id_mismatch at the caller', async () => {
    const minted = mint();
    const raw = await h.client.callTool({
      name: 'read_file',
      arguments: args,
      _meta: { [ENVELOPE_META_KEY]: minted.envelope },
    });
    const other = mint();
    const verdict = await verifyToolCallResult(raw, { ...verifyOptions(), packetId: other.packetId });
    expect(verdict).toMatchObject({
      ok: false,
      reason: 'attestation_rejected',
      details: { reason: 'packet_id_mismatch' },
    });
    record('result for another call', combo, verdict, true);
  });

  it('result signed by another key → fingerprint_mismatch at the caller', async () => {
    const impostorKey = AgentIdentity.generate().publicKeyPem;
    const verdict = await callVerifiedTool(
      h.client,
      { name: 'read_file', arguments: args },
      {
        identity: h.caller,
        audience: h.serverAgentId,
        attestationKey: impostorKey,
        replayTracker: tracker,
      },
    );
    expect(verdict).toMatchObject({
      ok: false,
      reason: 'attestation_rejected',
      details: { reason: 'fingerprint_mismatch' },
    });
    record('result from an unexpected signer', combo, verdict, true);
  });

  it('a throwing tool → tool_error with its attested error', async () => {
    const verdict = await callVerifiedTool(
      h.client,
      { name: 'explode', arguments: {} },
      {
        identity: h.caller,
        audience: h.serverAgentId,
        ...verifyOptions(),
      },
    );
    expect(verdict).toMatchObject({
      ok: false,
      reason: 'tool_error',
      details: { error: { error: 'disk on fire', error_type: 'RangeError' } },
    });
    record('tool throws', combo, verdict, true);
  });

  it('traceparent travels beside the envelope', async () => {
    const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
    const verdict = await callVerifiedTool(
      h.client,
      { name: 'whoami' },
      {
        identity: h.caller,
        audience: h.serverAgentId,
        traceparent,
        ...verifyOptions(),
      },
    );
    expect(verdict).toMatchObject({ ok: true, result: { traceparent } });
  });
});

// Filled from the first run; asserted so a change in the gate's reason shows up here.
const UNSIGNED_REASON = 'Invalid signature';
const UNKNOWN_SIGNER_REASON = 'public_key_mismatch';
