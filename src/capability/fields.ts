/**
 * Type-checks capability fields, for capabilities you create and capabilities you decode alike.
 * Stricter than the reference's pydantic model: unknown fields are refused (they would be unsigned),
 * `signature_algo` must be `Ed25519`, a tool budget must be a non-negative integer.
 */
import { PayloadValidationError } from '../errors.js';
import { toConstraints, toPermissions } from '../packet/fields.js';
import {
  fail,
  optionalString,
  rejectUnknownFields,
  requireObject,
  requireString,
  requireTimestamp,
} from '../wire/fields.js';
import type { Permissions } from '../packet/types.js';
import { parseJson, type JsonLimits } from '../wire/parse-json.js';
import { snapshotJson } from '../wire/snapshot.js';
import { CAPABILITY_FIELDS, type CapabilityDraft, type DelegationCapability } from './types.js';

/** Longest identifier (capability id, agent id, action) accepted, in UTF-16 code units. */
export const MAX_CAPABILITY_ID_LENGTH = 1024;
/** Most actions one capability may list. */
export const MAX_ALLOWED_ACTIONS = 256;

const CAPABILITY_FIELD_SET: ReadonlySet<string> = new Set(CAPABILITY_FIELDS);

function boundedString(value: unknown, field: string): string {
  const s = requireString(value, field);
  if (s.length === 0) throw fail(field, 'must not be empty');
  if (s.length > MAX_CAPABILITY_ID_LENGTH) throw fail(field, `longer than ${MAX_CAPABILITY_ID_LENGTH}`);
  return s;
}

export function toCapabilityPermissions(value: unknown): Permissions {
  const permissions = toPermissions(value, 'delegated_permissions');
  if (permissions.allowed_actions.length > MAX_ALLOWED_ACTIONS) {
    throw fail('delegated_permissions.allowed_actions', `more than ${MAX_ALLOWED_ACTIONS} actions`);
  }
  for (const action of permissions.allowed_actions) {
    if (action.length > MAX_CAPABILITY_ID_LENGTH)
      throw fail('delegated_permissions.allowed_actions', 'action too long');
  }
  if (permissions.max_tool_calls !== null && permissions.max_tool_calls < 0) {
    throw fail('delegated_permissions.max_tool_calls', 'must not be negative');
  }
  return permissions;
}

/** The unsigned fields of a capability from a raw object (created or decoded). */
export function toCapabilityDraft(raw: Record<string, unknown>): CapabilityDraft {
  const algo =
    raw['signature_algo'] === undefined ? 'Ed25519' : requireString(raw['signature_algo'], 'signature_algo');
  if (algo !== 'Ed25519') throw fail('signature_algo', 'must be "Ed25519"');
  if (raw['delegated_permissions'] === undefined) throw fail('delegated_permissions', 'is required');
  const parent = optionalString(raw['parent_capability_id'], 'parent_capability_id');
  if (parent !== null) boundedString(parent, 'parent_capability_id');
  return {
    capability_id: boundedString(raw['capability_id'], 'capability_id'),
    issuer_agent: boundedString(raw['issuer_agent'], 'issuer_agent'),
    subject_agent: boundedString(raw['subject_agent'], 'subject_agent'),
    delegated_permissions: toCapabilityPermissions(raw['delegated_permissions']),
    constraints: toConstraints(raw['constraints']),
    issued_at: requireTimestamp(raw['issued_at'], 'issued_at'),
    expires_at: requireTimestamp(raw['expires_at'], 'expires_at'),
    parent_capability_id: parent,
    signature_algo: 'Ed25519',
  };
}

/**
 * A signed capability from parsed JSON (a decoded token, say) or our own snapshot. Throws
 * PayloadValidationError; checks types only: the signature, time window and chain are the verifier's
 * business. Internal: callers outside the module use {@link parseCapability}.
 */
export function capabilityFromObject(value: unknown): DelegationCapability {
  const raw = requireObject(value, 'capability');
  rejectUnknownFields(raw, CAPABILITY_FIELD_SET, 'capability');
  if (raw['signature_algo'] === undefined) throw fail('signature_algo', 'is required');
  const draft = toCapabilityDraft(raw);
  const signature = requireString(raw['signature'], 'signature');
  const publicKey = requireString(raw['public_key'], 'public_key');
  if (signature.length > 1024) throw new PayloadValidationError('signature: too long');
  if (publicKey.length > 4096) throw new PayloadValidationError('public_key: too long');
  return freezeCapability({ ...draft, signature, public_key: publicKey });
}

/**
 * A signed capability from wire JSON (lossless, bounded) or from an object — read once, into the
 * library's own frozen copy, so a getter or Proxy cannot answer differently later. Checks types only
 * (see {@link capabilityFromObject}); does not verify. Throws PayloadValidationError.
 */
export function parseCapability(
  input: string | Uint8Array | object,
  limits: Partial<JsonLimits> = {},
): DelegationCapability {
  if (typeof input === 'string' || input instanceof Uint8Array)
    return capabilityFromObject(parseJson(input, limits));
  return capabilityFromObject(snapshotJson(input, limits, undefined, 'capability'));
}

/** The capability in the reference model's field order, as a plain object for the encoders. */
export function capabilityToObject(capability: DelegationCapability): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const field of CAPABILITY_FIELDS) out[field] = capability[field];
  return out;
}

export function freezeCapability<T extends CapabilityDraft>(capability: T): Readonly<T> {
  return Object.freeze(capability);
}
