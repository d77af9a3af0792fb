import { describe, expect, expectTypeOf, it } from 'vitest';
import * as api from './support/api.js';

const hierarchy: [string, string, string][] = [
  ['AttestationError', 'ERR_ATTESTATION', 'TrustHandoffError'],
  ['PayloadValidationError', 'ERR_PAYLOAD_VALIDATION', 'TrustHandoffError'],
  ['CanonicalizationError', 'ERR_CANONICALIZATION', 'TrustHandoffError'],
  ['MissingPacketIDError', 'ERR_MISSING_PACKET_ID', 'AdapterError'],
  ['MiddlewareExecutionError', 'ERR_MIDDLEWARE_EXECUTION', 'AdapterError'],
  ['InvalidKeyError', 'ERR_INVALID_KEY', 'TrustHandoffError'],
  ['StoreUnavailableError', 'ERR_STORE_UNAVAILABLE', 'TrustHandoffError'],
  ['StoreStateLostError', 'ERR_STORE_STATE_LOST', 'TrustHandoffError'],
  ['ConfigurationError', 'ERR_CONFIGURATION', 'TrustHandoffError'],
  ['BoundaryPolicyError', 'ERR_BOUNDARY_POLICY', 'TrustHandoffError'],
];

describe('error hierarchy (SPEC §9)', () => {
  it.each(hierarchy)(
    '%s has the stable code %s on class and instance and extends %s',
    (name, code, parent) => {
      const Class = (api as unknown as Record<string, new (m?: string) => Error & { code: string }>)[name]!;
      const Parent =
        parent === 'Error' ? Error : (api as unknown as Record<string, new () => Error>)[parent]!;
      const error = new Class('message');
      expect((Class as unknown as { code: string }).code).toBe(code);
      expect(error.code).toBe(code);
      expect(error).toBeInstanceOf(Parent);
      expect(error).toBeInstanceOf(api.TrustHandoffError);
      expect(error.name).toBe(name);
      expect(api.isTrustHandoffError(error)).toBe(true);
    },
  );

  it('errors with structured details carry them as fields', () => {
    const mismatch = new api.PublicKeyMismatchError('agent:x', 'not_registered');
    expect([mismatch.code, mismatch.agentId, mismatch.detail]).toEqual([
      'ERR_PUBLIC_KEY_MISMATCH',
      'agent:x',
      'not_registered',
    ]);
    expect(mismatch).toBeInstanceOf(api.VerificationError);
    const stale = new api.StaleCapabilityError('cap-1', 'revalidation_failed');
    expect([stale.code, stale.capabilityId, stale.reason]).toEqual([
      'ERR_STALE_CAPABILITY',
      'cap-1',
      'revalidation_failed',
    ]);
    expect(stale).toBeInstanceOf(api.CapabilityError);
    const inconsistent = new api.RevocationConsistencyError('tok', 'diverged');
    expect([inconsistent.code, inconsistent.tokenId, inconsistent.detail]).toEqual([
      'ERR_REVOCATION_CONSISTENCY',
      'tok',
      'diverged',
    ]);
    const policy = new api.BoundaryPolicyError('$.boundaries[0].name', 'is required');
    expect([policy.code, policy.path, policy.problem, policy.message]).toEqual([
      'ERR_BOUNDARY_POLICY',
      '$.boundaries[0].name',
      'is required',
      '$.boundaries[0].name: is required',
    ]);
  });

  it('untrusted identifiers in messages are truncated and stripped of control characters', () => {
    const error = new api.PublicKeyMismatchError(`agent:${'x'.repeat(500)}\n\u001b[31m`, 'key_mismatch');
    expect(error.message.length).toBeLessThan(120);
    expect(error.message).not.toMatch(/[\n\u001b]/);
  });

  it('family bases are abstract, and the reference’s never-thrown classes do not exist', () => {
    for (const name of ['ReplayAttackError', 'InvalidSignatureError']) expect(name in api).toBe(false);
    // Checked by `npm run typecheck`: a family base cannot be constructed.
    // @ts-expect-error — abstract
    const construct = (): unknown => new api.VerificationError();
    expect(construct).toBeTypeOf('function');
  });

  it('switch (error.code) narrows to the class (type-level)', () => {
    const describe = (error: api.TrustHandoffErrors): string => {
      switch (error.code) {
        case 'ERR_PUBLIC_KEY_MISMATCH':
          expectTypeOf(error).toEqualTypeOf<api.PublicKeyMismatchError>();
          return error.detail;
        case 'ERR_STALE_CAPABILITY':
          expectTypeOf(error).toEqualTypeOf<api.StaleCapabilityError>();
          return error.capabilityId;
        case 'ERR_CAPABILITY_DERIVATION':
          expectTypeOf(error).toEqualTypeOf<api.CapabilityDerivationError>();
          return error.reason;
        default:
          return error.code;
      }
    };
    expect(describe(new api.PublicKeyMismatchError('a', 'key_mismatch'))).toBe('key_mismatch');
    expect(describe(new api.ConfigurationError('x'))).toBe('ERR_CONFIGURATION');
    const caught: unknown = new api.StaleCapabilityError('cap', 'expired');
    if (api.isTrustHandoffError(caught)) expectTypeOf(caught).toEqualTypeOf<api.TrustHandoffErrors>();
    expectTypeOf<api.TrustHandoffErrorCode>().toEqualTypeOf<api.TrustHandoffErrors['code']>();
  });

  it('foreign errors are not ours', () => {
    expect(api.isTrustHandoffError(new Error('x'))).toBe(false);
    expect(api.isTrustHandoffError({ code: 'ERR_X', name: 'Fake' })).toBe(false);
  });
});
