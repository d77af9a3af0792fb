import { describe, expect, it } from 'vitest';
import * as api from '../src/index.js';

const hierarchy: [string, string, string][] = [
  ['TrustHandoffError', 'ERR_TRUSTHANDOFF', 'Error'],
  ['AttestationError', 'ERR_ATTESTATION', 'TrustHandoffError'],
  ['VerificationError', 'ERR_VERIFICATION', 'TrustHandoffError'],
  ['ReplayAttackError', 'ERR_REPLAY_ATTACK', 'VerificationError'],
  ['InvalidSignatureError', 'ERR_INVALID_SIGNATURE', 'VerificationError'],
  ['PayloadValidationError', 'ERR_PAYLOAD_VALIDATION', 'TrustHandoffError'],
  ['CanonicalizationError', 'ERR_CANONICALIZATION', 'TrustHandoffError'],
  ['CapabilityError', 'ERR_CAPABILITY', 'TrustHandoffError'],
  ['AdapterError', 'ERR_ADAPTER', 'TrustHandoffError'],
  ['MissingPacketIDError', 'ERR_MISSING_PACKET_ID', 'AdapterError'],
  ['MiddlewareExecutionError', 'ERR_MIDDLEWARE_EXECUTION', 'AdapterError'],
  ['InvalidKeyError', 'ERR_INVALID_KEY', 'TrustHandoffError'],
  ['StoreUnavailableError', 'ERR_STORE_UNAVAILABLE', 'TrustHandoffError'],
  ['ConfigurationError', 'ERR_CONFIGURATION', 'TrustHandoffError'],
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
  });

  it('untrusted identifiers in messages are truncated and stripped of control characters', () => {
    const error = new api.PublicKeyMismatchError(`agent:${'x'.repeat(500)}\n\u001b[31m`, 'key_mismatch');
    expect(error.message.length).toBeLessThan(120);
    expect(error.message).not.toMatch(/[\n\u001b]/);
  });

  it('foreign errors are not ours', () => {
    expect(api.isTrustHandoffError(new Error('x'))).toBe(false);
    expect(api.isTrustHandoffError({ code: 'ERR_X', name: 'Fake' })).toBe(false);
  });
});
