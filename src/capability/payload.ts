import { canonicalCapabilityJson } from '../wire/canonical.js';
import type { CapabilityDraft } from './types.js';

// Signing bytes of capabilities that cannot change (deeply frozen, as every capability this library
// creates or decodes is): a chain verified again, or a parent checked while deriving, is not re-encoded.
const payloadCache = new WeakMap<object, Buffer>();

/**
 * The SPEC §2.3 string a capability signature covers: Python's
 * `json.dumps(model_dump(exclude={"signature"}), sort_keys=True, default=str)`.
 */
export function capabilitySigningPayload(
  capability: CapabilityDraft & { readonly public_key: string },
): string {
  return canonicalCapabilityJson({
    capability_id: capability.capability_id,
    issuer_agent: capability.issuer_agent,
    subject_agent: capability.subject_agent,
    delegated_permissions: {
      allowed_actions: capability.delegated_permissions.allowed_actions,
      max_tool_calls: capability.delegated_permissions.max_tool_calls,
    },
    constraints:
      capability.constraints === null
        ? null
        : {
            max_runtime_seconds: capability.constraints.max_runtime_seconds,
            data_boundary: capability.constraints.data_boundary,
            requires_human_review: capability.constraints.requires_human_review,
          },
    issued_at: capability.issued_at,
    expires_at: capability.expires_at,
    parent_capability_id: capability.parent_capability_id,
    signature_algo: capability.signature_algo,
    public_key: capability.public_key,
  });
}

/** {@link capabilitySigningPayload} as UTF-8 bytes, cached for deeply frozen capabilities. */
export function capabilitySigningBytes(
  capability: CapabilityDraft & { readonly public_key: string },
): Buffer {
  const cached = payloadCache.get(capability);
  if (cached !== undefined) return cached;
  const bytes = Buffer.from(capabilitySigningPayload(capability), 'utf8');
  if (isDeeplyFrozen(capability)) payloadCache.set(capability, bytes);
  return bytes;
}

function isDeeplyFrozen(capability: CapabilityDraft): boolean {
  return (
    Object.isFrozen(capability) &&
    Object.isFrozen(capability.delegated_permissions) &&
    Object.isFrozen(capability.delegated_permissions.allowed_actions) &&
    (capability.constraints === null || Object.isFrozen(capability.constraints))
  );
}
