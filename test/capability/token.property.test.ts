/**
 * Tokens with random unicode ids, agents and actions, random offsets and microseconds survive
 * encode → decode → encode byte for byte, and their signatures still verify after the round trip.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  Timestamp,
  capabilitySigningPayload,
  createCapability,
  parseCapabilityToken,
  serializeCapabilityToken,
  signCapability,
  insecureVerifyCapabilitySelfDeclaredKey,
} from '../support/api.js';
import { anyString } from '../support/arbitraries.js';
import { planner } from './fixture.js';

const nonEmpty = anyString.filter((s) => s.length > 0);

const timestamp = fc
  .record({
    seconds: fc.integer({ min: 0, max: 4_000_000_000 }),
    micro: fc.integer({ min: 0, max: 999_999 }),
    offset: fc.integer({ min: -1439, max: 1439 }),
  })
  .map(({ seconds, micro, offset }) => {
    const utc = Timestamp.fromEpochMillis(seconds * 1000)
      .toCanonical()
      .replace(/Z$/, '');
    const sign = offset < 0 ? '-' : '+';
    const abs = Math.abs(offset);
    const zone =
      offset === 0
        ? 'Z'
        : `${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
    return Timestamp.parse(`${utc}${micro === 0 ? '' : `.${String(micro).padStart(6, '0')}`}${zone}`);
  });

const capabilityInput = fc.record({
  capability_id: nonEmpty,
  subject_agent: nonEmpty,
  allowed_actions: fc.array(anyString, { maxLength: 4 }),
  max_tool_calls: fc.option(fc.nat(), { nil: null }),
  constraints: fc.option(
    fc.record({
      max_runtime_seconds: fc.option(fc.nat(), { nil: null }),
      data_boundary: fc.option(anyString, { nil: null }),
      requires_human_review: fc.option(fc.boolean(), { nil: null }),
    }),
    { nil: null },
  ),
  parent_capability_id: fc.option(nonEmpty, { nil: null }),
  times: fc.tuple(timestamp, timestamp),
});

describe('capability token round trip (property)', () => {
  it('encode → decode → encode is the identity, and the signature survives', () => {
    fc.assert(
      fc.property(capabilityInput, (input) => {
        const [a, b] = input.times;
        const [issued, expires] = a.compare(b) <= 0 ? [a, b] : [b, a];
        const capability = signCapability(
          createCapability({
            capability_id: input.capability_id,
            issuer_agent: planner.agentId,
            subject_agent: input.subject_agent,
            delegated_permissions: {
              allowed_actions: input.allowed_actions,
              max_tool_calls: input.max_tool_calls,
            },
            constraints: input.constraints,
            issued_at: issued,
            expires_at: expires,
            parent_capability_id: input.parent_capability_id,
          }),
          planner,
        );
        const token = serializeCapabilityToken(capability);
        expect(token).toMatch(/^[A-Za-z0-9_-]+$/);
        const decoded = parseCapabilityToken(token);
        expect(serializeCapabilityToken(decoded)).toBe(token);
        expect(decoded.capability_id).toBe(input.capability_id);
        expect(decoded.subject_agent).toBe(input.subject_agent);
        expect(decoded.delegated_permissions.allowed_actions).toEqual(input.allowed_actions);
        expect(decoded.issued_at.toCanonical()).toBe(issued.toCanonical());
        expect(decoded.expires_at.toCanonical()).toBe(expires.toCanonical());
        expect(capabilitySigningPayload(decoded)).toBe(capabilitySigningPayload(capability));
        expect(insecureVerifyCapabilitySelfDeclaredKey(decoded)).toBe(true);
      }),
      { numRuns: 150 },
    );
  });

  it('a changed character of a token never yields a different capability that verifies', () => {
    const capability = signCapability(
      createCapability({
        capability_id: 'cap-é😀',
        issuer_agent: planner.agentId,
        subject_agent: 'agent:中',
        delegated_permissions: { allowed_actions: ['read', 'write'], max_tool_calls: 3 },
        expires_at: '2030-01-01T00:00:00Z',
      }),
      planner,
    );
    const token = serializeCapabilityToken(capability);
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    fc.assert(
      fc.property(
        fc.nat({ max: token.length - 1 }),
        fc.constantFrom(...Array.from(alphabet)),
        (index, replacement) => {
          fc.pre(token[index] !== replacement);
          const mutated = token.slice(0, index) + replacement + token.slice(index + 1);
          let decoded;
          try {
            decoded = parseCapabilityToken(mutated);
          } catch (error) {
            expect(error).toMatchObject({ code: 'ERR_PAYLOAD_VALIDATION' });
            return;
          }
          // A change can land in the signature (bad signature), the key (other key) or a signed field.
          // Only an encoding-level change (say `\u00e9` → `\u00E9`) may still verify, and then it is the
          // very same capability.
          if (
            insecureVerifyCapabilitySelfDeclaredKey(decoded) &&
            decoded.public_key === planner.publicKeyPem
          ) {
            expect(serializeCapabilityToken(decoded)).toBe(token);
          }
        },
      ),
      { numRuns: 200 },
    );
  });
});
