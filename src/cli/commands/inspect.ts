/**
 * `trusthandoff inspect`: decode a packet, envelope, capability (or its token), attestation or
 * attested node output, and explain it: who, to whom, what, when, and what can be checked offline.
 */
import { parseCapability, checkCapabilitySignature, parseCapabilityToken } from '../../capability/index.js';
import type { DelegationCapability } from '../../capability/index.js';
import { parseAttestation, parseNodeOutput } from '../../attestation/index.js';
import type { ExecutionAttestation } from '../../attestation/index.js';
import { TrustHandoffError } from '../../errors.js';
import { agentIdFromPublicKeyPem } from '../../identity/index.js';
import { parsePacket } from '../../packet/index.js';
import { insecureVerifyPacketSelfDeclaredKey } from '../../packet/verify.js';
import { parseDelegationEnvelope, type SignedTaskPacket } from '../../packet/index.js';
import type { Timestamp } from '../../wire/index.js';
import { EXIT_OK, EXIT_REJECTED, UsageError, paint, parse, readInput, type Io } from '../io.js';

export const INSPECT_HELP = `Usage: trusthandoff inspect <file | -> [--json]

Decode and explain a task packet, a delegation envelope, a capability (JSON or token), an
execution attestation or an attested node output ({result, attestation}). The kind is detected.

Offline checks: a packet's or capability's signature against its own embedded key (which proves
integrity, not identity — \`verify\` checks against a registry) and whether from_agent is the
key's agent id; validity windows against the local clock. An attestation needs the signer's key
and the result to verify: use the library's verifyNodeOutput.
Exit 0 when every offline check holds, 1 when one fails, 2 when the input is not recognised.

Options:
  --json       print the decoded object and the checks as JSON
  -h, --help   show this help
`;

interface Check {
  readonly name: string;
  readonly ok: boolean;
  readonly note: string;
}

interface Explained {
  readonly kind: string;
  readonly fields: readonly [string, string][];
  readonly checks: readonly Check[];
  readonly decoded: unknown;
}

export async function inspect(args: readonly string[], io: Io): Promise<number> {
  const { values, positionals } = parse(
    args,
    { json: { type: 'boolean' } },
    { min: 1, max: 1, name: 'file to inspect (or - for stdin)' },
  );
  const text = (await readInput(io, positionals[0]!, 'input')).trim();
  const explained = explain(text);
  const ok = explained.checks.every((c) => c.ok);
  if (values['json'] === true) {
    io.out(
      JSON.stringify(
        { kind: explained.kind, ok, checks: explained.checks, decoded: explained.decoded },
        jsonReplacer,
        2,
      ) + '\n',
    );
  } else {
    const p = paint(io.color);
    io.out(`${p.bold(explained.kind)}\n`);
    const width = Math.max(...explained.fields.map(([k]) => k.length));
    for (const [k, v] of explained.fields) io.out(`  ${k.padEnd(width)}  ${v}\n`);
    io.out('checks\n');
    for (const c of explained.checks)
      io.out(`  ${c.ok ? p.green('ok  ') : p.red('FAIL')}  ${c.name}: ${c.note}\n`);
  }
  return ok ? EXIT_OK : EXIT_REJECTED;
}

function jsonReplacer(_key: string, value: unknown): unknown {
  return typeof value === 'bigint' ? value.toString() : value;
}

function explain(text: string): Explained {
  if (text.length === 0) throw new UsageError('the input is empty');
  if (!text.startsWith('{')) {
    let capability: DelegationCapability;
    try {
      capability = parseCapabilityToken(text);
    } catch (error) {
      throw new UsageError(`not JSON and not a capability token${codeOf(error)}`);
    }
    return explainCapability(capability, 'capability token');
  }
  let value: Record<string, unknown>;
  try {
    const parsed = JSON.parse(text) as unknown;
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error();
    value = parsed as Record<string, unknown>;
  } catch {
    throw new UsageError('the input is not a JSON object or a capability token');
  }
  try {
    if ('packet' in value && 'chain' in value) {
      const envelope = parseDelegationEnvelope(text);
      const packet = explainPacket(envelope.packet);
      const chain = envelope.chain;
      return {
        ...packet,
        kind: 'delegation envelope',
        fields: [
          ...packet.fields,
          ['chain agents', chain.agents.join(' → ') || '(none)'],
          ['chain depth', String(chain.packet_ids.length)],
        ],
        decoded: { packet: envelope.packet, chain },
      };
    }
    if ('result' in value && 'attestation' in value) {
      const output = parseNodeOutput(text); // its own parser: the nonce is a 128-bit JSON integer
      const a = explainAttestation(output.attestation);
      return {
        ...a,
        kind: 'attested node output',
        fields: [['result', truncate(JSON.stringify(output.result), 200)], ...a.fields],
        decoded: output,
      };
    }
    if ('outcome_hash' in value) return explainAttestation(parseAttestation(text));
    if ('capability_id' in value) return explainCapability(parseCapability(value), 'capability');
    if ('packet_id' in value && 'signature' in value) return explainPacket(parsePacket(text));
  } catch (error) {
    if (error instanceof TrustHandoffError)
      throw new UsageError(`the input looks like one but does not parse${codeOf(error)}`);
    throw error;
  }
  throw new UsageError(
    'unrecognised input: not a packet, envelope, capability, token, attestation or node output',
  );
}

function codeOf(error: unknown): string {
  return error instanceof TrustHandoffError ? ` (${error.code}: ${error.message})` : '';
}

function when(t: Timestamp | null, now: number): string {
  if (t === null) return '(none)';
  const delta = Math.round((t.epochMillis - now) / 1000);
  return `${new Date(t.epochMillis).toISOString()} (${delta >= 0 ? `in ${delta} s` : `${-delta} s ago`})`;
}

function keyAgent(pem: string): string | null {
  try {
    return agentIdFromPublicKeyPem(pem);
  } catch {
    return null;
  }
}

function explainPacket(packet: SignedTaskPacket): Explained {
  const now = Date.now();
  // inspect explains a packet on its own: there is no registry, so only the embedded key is checked.
  const signatureOk = insecureVerifyPacketSelfDeclaredKey(packet);
  const derived = keyAgent(packet.public_key);
  const expires = packet.expires_at;
  const checks: Check[] = [
    {
      name: 'signature',
      ok: signatureOk,
      note: signatureOk
        ? 'valid for the embedded public key'
        : 'does not verify with the embedded public key (tampered or forged)',
    },
    {
      name: 'key',
      ok: derived === packet.from_agent,
      note:
        derived === packet.from_agent
          ? "from_agent is the embedded key's agent id"
          : `from_agent is not the embedded key's agent id (${derived ?? 'invalid key'}); only a registry can bind a named agent`,
    },
    {
      name: 'time window',
      ok: expires !== null && expires.epochMillis >= now && packet.issued_at.epochMillis <= now + 30_000,
      note:
        expires === null
          ? 'no expires_at (gates reject it)'
          : expires.epochMillis < now
            ? 'expired'
            : packet.issued_at.epochMillis > now + 30_000
              ? 'issued in the future'
              : 'valid now',
    },
  ];
  return {
    kind: 'task packet',
    fields: [
      ['packet_id', packet.packet_id],
      ['task_id', packet.task_id],
      ['from_agent', packet.from_agent],
      ['to_agent', packet.to_agent],
      ['intent', truncate(packet.intent, 200)],
      ['allowed actions', packet.permissions.allowed_actions.join(', ') || '(none)'],
      ['max_tool_calls', String(packet.permissions.max_tool_calls ?? 'unlimited')],
      ['risk_level', packet.risk_level ?? '(none)'],
      ['issued_at', when(packet.issued_at, now)],
      ['expires_at', when(expires, now)],
      ['human review', packet.constraints?.requires_human_review === true ? 'required' : 'not required'],
      ['capability token', packet.capability_token === null ? '(none)' : 'present'],
      [
        'ai_provenance',
        packet.ai_provenance === null ? '(none)' : truncate(JSON.stringify(packet.ai_provenance), 120),
      ],
      ['nonce', packet.nonce],
    ],
    checks,
    decoded: packet,
  };
}

function explainCapability(capability: DelegationCapability, kind: string): Explained {
  const now = Date.now();
  const signature = checkCapabilitySignature(capability);
  const derived = keyAgent(capability.public_key);
  return {
    kind,
    fields: [
      ['capability_id', capability.capability_id],
      ['issuer_agent', capability.issuer_agent],
      ['subject_agent', capability.subject_agent],
      ['allowed actions', capability.delegated_permissions.allowed_actions.join(', ') || '(none)'],
      ['max_tool_calls', String(capability.delegated_permissions.max_tool_calls ?? 'unlimited')],
      ['parent', capability.parent_capability_id ?? '(root)'],
      ['issued_at', when(capability.issued_at, now)],
      ['expires_at', when(capability.expires_at, now)],
    ],
    checks: [
      {
        name: 'signature',
        ok: signature === 'valid',
        note: signature === 'valid' ? 'valid for the embedded public key' : signature,
      },
      {
        name: 'key',
        ok: derived === capability.issuer_agent,
        note:
          derived === capability.issuer_agent
            ? "issuer_agent is the embedded key's agent id"
            : `issuer_agent is not the embedded key's agent id (${derived ?? 'invalid key'})`,
      },
      {
        name: 'time window',
        ok: capability.expires_at.epochMillis >= now,
        note: capability.expires_at.epochMillis >= now ? 'valid now' : 'expired',
      },
    ],
    decoded: capability,
  };
}

function explainAttestation(a: ExecutionAttestation): Explained {
  const now = Date.now();
  const ageSeconds = Math.round((now - a.timestamp_ms) / 1000);
  return {
    kind: 'execution attestation',
    fields: [
      ['packet_id', a.packet_id],
      ['status', a.status],
      ['signed_by', a.signed_by],
      ['outcome_hash', a.outcome_hash],
      ['reason_hash', a.reason_hash ?? '(none)'],
      ['timestamp', `${new Date(a.timestamp_ms).toISOString()} (${ageSeconds} s ago)`],
      ['key fingerprint', a.agent_pubkey_fingerprint],
      ['nonce', a.nonce.toString()],
    ],
    checks: [
      {
        name: 'freshness',
        ok: ageSeconds <= 300 && ageSeconds >= -30,
        note:
          ageSeconds > 300
            ? 'older than the default 300 s max age'
            : ageSeconds < -30
              ? 'in the future'
              : 'within the default 300 s max age',
      },
    ],
    decoded: a,
  };
}

function truncate(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}
