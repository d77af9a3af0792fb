/** Creating capabilities: every field checked, defaults written out; signing bytes never go stale. */
import { describe, expect, it } from 'vitest';
import {
  PayloadValidationError,
  Timestamp,
  capabilitySigningPayload,
  createCapability,
  parseCapabilityToken,
  serializeCapabilityToken,
  issueCapability,
  insecureVerifyCapabilitySelfDeclaredKey,
  type CapabilityInput,
  type DelegationCapability,
} from '../support/api.js';
import { clock, planner, researcher, rootCapability } from './fixture.js';

const valid: CapabilityInput = {
  issuer_agent: planner.agentId,
  subject_agent: researcher.agentId,
  delegated_permissions: { allowed_actions: ['read'], max_tool_calls: 2 },
  expires_at: '2026-03-08T13:00:00Z',
};

describe('createCapability', () => {
  it('writes out every default', () => {
    const draft = createCapability(valid, { now: clock });
    expect(draft.capability_id).toMatch(/^[0-9a-f-]{36}$/);
    expect(draft.issued_at.toCanonical()).toBe('2026-03-08T12:10:00Z');
    expect(draft.constraints).toBeNull();
    expect(draft.parent_capability_id).toBeNull();
    expect(draft.signature_algo).toBe('Ed25519');
    expect(Object.isFrozen(draft)).toBe(true);
    const withConstraints = createCapability(
      { ...valid, constraints: { max_runtime_seconds: 5 } },
      { now: clock },
    );
    expect(withConstraints.constraints).toEqual({
      max_runtime_seconds: 5,
      data_boundary: null,
      requires_human_review: false,
    });
  });

  it('accepts Date, Timestamp and string datetimes and keeps microseconds and offsets', () => {
    const draft = createCapability(
      {
        ...valid,
        issued_at: new Date('2026-03-08T12:00:00.123Z'),
        expires_at: Timestamp.parse('2026-03-08T15:00:00.000001+02:00'),
      },
      { now: clock },
    );
    expect(draft.issued_at.toCanonical()).toBe('2026-03-08T12:00:00.123000Z');
    expect(capabilitySigningPayload({ ...draft, public_key: 'k' })).toContain(
      '"expires_at": "2026-03-08 15:00:00.000001+02:00"',
    );
  });

  const bad: [string, Record<string, unknown>][] = [
    ['a naive datetime', { expires_at: '2026-03-08T13:00:00' }],
    ['expires before issued', { issued_at: '2026-03-08T13:00:01Z' }],
    ['no expiry', { expires_at: undefined }],
    ['a negative budget', { delegated_permissions: { allowed_actions: ['read'], max_tool_calls: -1 } }],
    ['a fractional budget', { delegated_permissions: { allowed_actions: ['read'], max_tool_calls: 1.5 } }],
    ['an empty capability id', { capability_id: '' }],
    ['an overlong agent id', { subject_agent: 'a'.repeat(1025) }],
    [
      'too many actions',
      { delegated_permissions: { allowed_actions: Array.from({ length: 257 }, (_, i) => `a${i}`) } },
    ],
    ['a non-string action', { delegated_permissions: { allowed_actions: [1] } }],
    ['an unknown field', { admin: true }],
    ['an unknown permission field', { delegated_permissions: { allowed_actions: [], everything: true } }],
    ['a missing subject', { subject_agent: undefined }],
  ];
  for (const [name, change] of bad) {
    it(`refuses ${name} with PayloadValidationError`, () => {
      const input: unknown = { ...valid, ...change };
      expect(() => createCapability(input as CapabilityInput, { now: clock })).toThrow(
        PayloadValidationError,
      );
    });
  }
});

describe('signing bytes', () => {
  it('a capability built by hand and mutated after a check is re-encoded, never verified from a stale cache', () => {
    const decoded = parseCapabilityToken(serializeCapabilityToken(rootCapability()));
    expect(insecureVerifyCapabilitySelfDeclaredKey(decoded)).toBe(true);
    const handBuilt = { ...decoded } as {
      -readonly [K in keyof DelegationCapability]: DelegationCapability[K];
    };
    expect(insecureVerifyCapabilitySelfDeclaredKey(handBuilt)).toBe(true);
    handBuilt.subject_agent = 'agent:someone-else';
    expect(insecureVerifyCapabilitySelfDeclaredKey(handBuilt)).toBe(false);
    const nested = { ...decoded, delegated_permissions: { allowed_actions: ['read'], max_tool_calls: 10 } };
    Object.freeze(nested);
    expect(insecureVerifyCapabilitySelfDeclaredKey(nested)).toBe(false);
    nested.delegated_permissions.allowed_actions.push('search', 'summarize', 'file_write');
    expect(insecureVerifyCapabilitySelfDeclaredKey(nested)).toBe(true);
    nested.delegated_permissions.max_tool_calls = 11;
    expect(insecureVerifyCapabilitySelfDeclaredKey(nested)).toBe(false);
  });

  it('issueCapability defaults the issuer to the signing identity', () => {
    const cap = issueCapability(planner, {
      subject_agent: researcher.agentId,
      delegated_permissions: {},
      expires_at: '2030-01-01T00:00:00Z',
    });
    expect(cap.issuer_agent).toBe(planner.agentId);
    expect(cap.public_key).toBe(planner.publicKeyPem);
    expect(cap.delegated_permissions).toEqual({ allowed_actions: [], max_tool_calls: null });
    expect(insecureVerifyCapabilitySelfDeclaredKey(cap)).toBe(true);
  });
});
