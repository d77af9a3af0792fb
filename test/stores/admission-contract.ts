/**
 * The contract of an AdmissionStore (one atomic call for key binding, agent and id revocation and the
 * replay write), run against memory and Redis. Every refusal leaves the nonce unstored: once the
 * refusal's cause is gone, the same request is admitted.
 */
import { describe, expect, it } from 'vitest';
import { AgentIdentity } from '../../src/identity/agent-identity.js';
import { parsePublicKeyPem } from '../../src/identity/keys.js';
import type {
  AdmissionRequest,
  AdmissionStore,
  AgentRegistry,
  RevocationStore,
} from '../../src/stores/types.js';

export interface AdmissionHandles {
  readonly registry: AgentRegistry;
  readonly revocationStore: RevocationStore;
  readonly admission: AdmissionStore;
}

export interface AdmissionBackend {
  readonly name: string;
  /** Fresh, isolated stores (and their admission store) for one test. */
  create(): AdmissionHandles | Promise<AdmissionHandles>;
}

const alice = AgentIdentity.generate();
const bob = AgentIdentity.generate();

function request(identity: AgentIdentity, overrides: Partial<AdmissionRequest> = {}): AdmissionRequest {
  return {
    agentId: identity.agentId,
    publicKeyPem: identity.publicKeyPem,
    publicKey: parsePublicKeyPem(identity.publicKeyPem),
    revocationIds: ['packet-1', 'cap-1'],
    replayKey: `${identity.agentId}:nonce-1`,
    ttlMs: 10_000,
    ...overrides,
  };
}

export function admissionStoreContract(backend: AdmissionBackend): void {
  describe(`${backend.name} AdmissionStore contract`, () => {
    it('admits a registered, unrevoked sender once; the same replay key again is a replay', async () => {
      const { registry, admission } = await backend.create();
      await registry.register(alice.agentId, alice.publicKeyPem);
      expect(await admission.admit(request(alice))).toBe('admitted');
      expect(await admission.admit(request(alice))).toBe('replay');
      expect(await admission.admit(request(alice, { replayKey: 'other' }))).toBe('admitted');
    });

    it('unregistered sender: not_registered, and the nonce is not burned', async () => {
      const { registry, admission } = await backend.create();
      expect(await admission.admit(request(alice))).toBe('not_registered');
      await registry.register(alice.agentId, alice.publicKeyPem);
      expect(await admission.admit(request(alice))).toBe('admitted');
    });

    it('key substitution: a key other than the registered one is key_mismatch, nonce not burned', async () => {
      const { registry, admission } = await backend.create();
      await registry.register(alice.agentId, alice.publicKeyPem);
      const forged = request(alice, {
        publicKeyPem: bob.publicKeyPem,
        publicKey: parsePublicKeyPem(bob.publicKeyPem),
      });
      expect(await admission.admit(forged)).toBe('key_mismatch');
      expect(await admission.admit(request(alice))).toBe('admitted');
    });

    it('the same key in other PEM text (CRLF line endings) is the same key', async () => {
      const { registry, admission } = await backend.create();
      await registry.register(alice.agentId, alice.publicKeyPem);
      const crlf = alice.publicKeyPem.replace(/\n/g, '\r\n');
      expect(crlf).not.toBe(alice.publicKeyPem);
      expect(await admission.admit(request(alice, { publicKeyPem: crlf }))).toBe('admitted');
    });

    it('revoked agent: agent_revoked before anything is stored, even if re-registered', async () => {
      const { registry, admission } = await backend.create();
      await registry.register(alice.agentId, alice.publicKeyPem);
      await registry.revoke(alice.agentId);
      await registry.register(alice.agentId, alice.publicKeyPem);
      expect(await admission.admit(request(alice))).toBe('agent_revoked');
    });

    it('a revoked packet or capability id: revoked, and the nonce is not stored', async () => {
      const { registry, revocationStore, admission } = await backend.create();
      await registry.register(alice.agentId, alice.publicKeyPem);
      await revocationStore.revoke('cap-1');
      expect(await admission.admit(request(alice))).toBe('revoked');
      expect(await admission.admit(request(alice, { revocationIds: ['packet-1'] }))).toBe('admitted');
      await revocationStore.revoke('packet-2');
      expect(await admission.admit(request(alice, { revocationIds: ['packet-2'], replayKey: 'k2' }))).toBe(
        'revoked',
      );
    });

    it('agent revocation wins over id revocation, key binding over both', async () => {
      const { registry, revocationStore, admission } = await backend.create();
      await registry.register(alice.agentId, alice.publicKeyPem);
      await registry.revoke(alice.agentId);
      await revocationStore.revoke('packet-1');
      expect(await admission.admit(request(alice))).toBe('agent_revoked');
      const forged = request(alice, {
        publicKeyPem: bob.publicKeyPem,
        publicKey: parsePublicKeyPem(bob.publicKeyPem),
      });
      expect(await admission.admit(forged)).toBe('key_mismatch');
    });

    it('replay race: of 32 concurrent admissions of one replay key exactly one is admitted', async () => {
      const { registry, admission } = await backend.create();
      await registry.register(alice.agentId, alice.publicKeyPem);
      const verdicts = await Promise.all(
        Array.from({ length: 32 }, () => Promise.resolve(admission.admit(request(alice)))),
      );
      expect(verdicts.filter((v) => v === 'admitted')).toHaveLength(1);
      expect(verdicts.filter((v) => v === 'replay')).toHaveLength(31);
    });
  });
}
