/**
 * Packets built in TypeScript with random unicode, random numbers (bigints beyond 2^53, tiny and huge
 * doubles, integral floats) and nesting survive serialize → parse → verify in both wire forms.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  AgentIdentity,
  createDelegationEnvelope,
  canonicalPacketJson,
  createTaskPacket,
  packetSigningBytes,
  packetSigningPayload,
  parseDelegationEnvelope,
  parsePacket,
  serializeDelegationEnvelope,
  serializePacket,
  signPacket,
  type SignedTaskPacket,
  type TaskPacketDraft,
  type TaskPacketInput,
} from '../support/api.js';
import { insecureVerifyPacketSelfDeclaredKey } from '../../src/reference/index.js';
import { anyString, jsonObject, jsonValue } from '../support/arbitraries.js';

const identity = AgentIdentity.generate();

const packetInput = fc.record({
  to_agent: anyString,
  intent: anyString,
  context: jsonObject(),
  goal: fc.option(anyString, { nil: null }),
  task_type: fc.option(anyString, { nil: null }),
  memory_refs: fc.array(anyString, { maxLength: 3 }),
  allowed_actions: fc.array(anyString, { maxLength: 3 }),
  max_tool_calls: fc.option(fc.nat(), { nil: null }),
  // SPEC §10.4: an object with a source, or null (createTaskPacket refuses anything else).
  ai_provenance: fc.option(
    fc.tuple(jsonObject(), jsonValue()).map(([o, source]) => ({ ...o, source: source ?? 'llm' })),
    { nil: null },
  ),
  offsetMinutes: fc.option(fc.integer({ min: -1439, max: 1439 }), { nil: null }),
  micro: fc.integer({ min: 0, max: 999_999 }),
  ttl: fc.option(fc.integer({ min: 1, max: 10_000_000 }), { nil: null }),
  risk: fc.option(fc.constantFrom('read', 'write'), { nil: null }),
});

function isoWithOffset(offsetMinutes: number | null, micro: number): string {
  const base = `2026-03-08T12:00:00.${String(micro).padStart(6, '0')}`;
  if (offsetMinutes === null) return `${base}Z`;
  const abs = Math.abs(offsetMinutes);
  return `${base}${offsetMinutes < 0 ? '-' : '+'}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
}

type PacketInput = typeof packetInput extends fc.Arbitrary<infer T> ? T : never;

function draftOf(input: PacketInput, extra: Partial<TaskPacketInput> = {}): TaskPacketDraft {
  return createTaskPacket({
    from_agent: identity.agentId,
    to_agent: input.to_agent,
    intent: input.intent,
    context: input.context,
    goal: input.goal,
    task_type: input.task_type,
    memory_refs: input.memory_refs,
    permissions: { allowed_actions: input.allowed_actions, max_tool_calls: input.max_tool_calls },
    ai_provenance: input.ai_provenance,
    issued_at: isoWithOffset(input.offsetMinutes, input.micro),
    ttl_seconds: input.ttl,
    risk_level: input.risk,
    ...extra,
  });
}

describe('packet round trip (property)', () => {
  it('sign → serialize (both forms) → parse → verify, with identical canonical bytes', () => {
    fc.assert(
      fc.property(packetInput, (input) => {
        const signed = signPacket(draftOf(input), identity);
        const expected = packetSigningPayload(signed);
        expect(insecureVerifyPacketSelfDeclaredKey(signed)).toBe(true);

        for (const form of ['reference', 'compact'] as const) {
          const viaEnvelope = parseDelegationEnvelope(
            serializeDelegationEnvelope(createDelegationEnvelope(signed), form),
          ).packet;
          expect(packetSigningPayload(viaEnvelope)).toBe(expected);
          expect(insecureVerifyPacketSelfDeclaredKey(viaEnvelope)).toBe(true);
          const viaPacket = parsePacket(serializePacket(signed, form));
          expect(packetSigningPayload(viaPacket)).toBe(expected);
          expect(insecureVerifyPacketSelfDeclaredKey(viaPacket)).toBe(true);
        }
      }),
      { numRuns: 150 },
    );
  });

  it('the signing payload is the generic SPEC §2.1 encoding of every field but signature, as bytes too', () => {
    // packetSigningPayload writes the top level out by hand, with a shortcut when the required
    // strings need no escaping; both must equal what the one generic encoder makes of the packet.
    const printable = fc.string({
      unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)),
    });
    const topString = fc.oneof(printable, anyString);
    // The optional fields the other properties leave absent, present or absent here.
    const optionalFields = fc.record(
      {
        capability_token: topString,
        constraints: fc.record({
          max_runtime_seconds: fc.option(fc.nat(), { nil: null }),
          data_boundary: fc.option(topString, { nil: null }),
          requires_human_review: fc.boolean(),
        }),
        provenance: fc.record({
          origin_workflow: fc.option(topString, { nil: null }),
          delegation_depth: fc.option(fc.nat({ max: 9 }), { nil: null }),
        }),
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(
        packetInput,
        topString,
        topString,
        topString,
        optionalFields,
        // Risk levels of a custom TTL policy too, set on a hand-built object (the policy is not at issue).
        fc.option(fc.oneof(fc.constantFrom('read', 'write'), topString), { nil: null }),
        fc.oneof(fc.constant('Ed25519'), topString),
        (input, to, intent, nonce, extra, risk, algorithm) => {
          const draft = draftOf({ ...input, to_agent: to, intent }, extra);
          const signed = {
            ...signPacket(draft, identity),
            nonce,
            risk_level: risk,
            signature_algo: algorithm,
            // A hand-built object: any algorithm name, which only the validator refuses.
          } as unknown as SignedTaskPacket;
          const generic = canonicalPacketJson({ ...signed, signature: undefined });
          expect(packetSigningPayload(signed)).toBe(generic);
          expect(packetSigningBytes(signed)).toEqual(Buffer.from(generic, 'latin1'));
          // Timestamps given as their wire strings (a hand-built object) take the generic path for them.
          const asStrings = {
            ...signed,
            issued_at: signed.issued_at.toCanonical(),
            expires_at: signed.expires_at?.toCanonical() ?? null,
          } as unknown as SignedTaskPacket;
          expect(packetSigningPayload(asStrings)).toBe(generic);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('sender ids and keys the payload memoizes encode alike whether cached, repeated or too long to cache', () => {
    const signed = signPacket(
      createTaskPacket({ from_agent: identity.agentId, to_agent: 'agent:b', intent: 'x' }),
      identity,
    );
    for (const [fromAgent, publicKey] of [
      [signed.from_agent, signed.public_key], // cached after the first call
      [signed.from_agent, signed.public_key],
      ['agent:' + 'a'.repeat(300), '-----BEGIN PUBLIC KEY-----\n' + 'A'.repeat(5000) + '\n'], // not cached
      ['agent:' + 'a'.repeat(300), '-----BEGIN PUBLIC KEY-----\n' + 'A'.repeat(5000) + '\n'],
    ] as const) {
      const packet = { ...signed, from_agent: fromAgent, public_key: publicKey };
      expect(packetSigningPayload(packet)).toBe(canonicalPacketJson({ ...packet, signature: undefined }));
    }
  });

  it('any change to a signed field breaks verification', () => {
    fc.assert(
      fc.property(jsonObject(), anyString, (context, extra) => {
        const signed = signPacket(
          createTaskPacket({
            from_agent: identity.agentId,
            to_agent: 'agent:b',
            intent: 'x',
            context: context,
          }),
          identity,
        );
        expect(
          insecureVerifyPacketSelfDeclaredKey({ ...signed, context: { ...context, ['\u0000' + extra]: 1 } }),
        ).toBe(false);
        expect(
          insecureVerifyPacketSelfDeclaredKey({ ...signed, intent: signed.intent + (extra || '!') }),
        ).toBe(false);
      }),
      { numRuns: 60 },
    );
  });
});
