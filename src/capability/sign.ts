import type { AgentIdentity } from '../identity/agent-identity.js';
import { createCapability, type CapabilityInput, type CreateCapabilityOptions } from './create.js';
import { freezeCapability } from './fields.js';
import { capabilitySigningBytes } from './payload.js';
import type { CapabilityDraft, DelegationCapability } from './types.js';

/**
 * Sign a capability with `identity`: sets `public_key` to the identity's PEM and the Ed25519 signature
 * (standard base64) over the SPEC §2.3 bytes. Any existing `signature`/`public_key` is replaced.
 */
export function signCapability(capability: CapabilityDraft, identity: AgentIdentity): DelegationCapability {
  const unsigned = {
    capability_id: capability.capability_id,
    issuer_agent: capability.issuer_agent,
    subject_agent: capability.subject_agent,
    delegated_permissions: capability.delegated_permissions,
    constraints: capability.constraints,
    issued_at: capability.issued_at,
    expires_at: capability.expires_at,
    parent_capability_id: capability.parent_capability_id,
    signature_algo: capability.signature_algo,
    public_key: identity.publicKeyPem,
  };
  const signature = identity.sign(capabilitySigningBytes(unsigned)).toString('base64');
  return freezeCapability({ ...unsigned, signature });
}

/** Create and sign a root (or any) capability in one step; `issuer_agent` defaults to the identity's id. */
export function issueCapability(
  identity: AgentIdentity,
  input: Omit<CapabilityInput, 'issuer_agent'> & { readonly issuer_agent?: string },
  options: CreateCapabilityOptions = {},
): DelegationCapability {
  return signCapability(
    createCapability({ ...input, issuer_agent: input.issuer_agent ?? identity.agentId }, options),
    identity,
  );
}
