import { randomUUID } from 'node:crypto';
import { PayloadValidationError } from '../errors.js';
import { rejectUnknownFields, requireObject, requireTimestamp } from '../wire/fields.js';
import type { Constraints, Permissions } from '../packet/types.js';
import { Timestamp } from '../wire/timestamp.js';
import { freezeCapability, toCapabilityDraft } from './fields.js';
import type { CapabilityDraft } from './types.js';

/** What you give to build a capability. */
export interface CapabilityInput {
  readonly issuer_agent: string;
  readonly subject_agent: string;
  readonly delegated_permissions: Partial<Permissions>;
  /** Default: a random UUID. */
  readonly capability_id?: string;
  readonly constraints?: Partial<Constraints> | null;
  /** Default: now, from the clock. */
  readonly issued_at?: Timestamp | Date | string;
  /** Required: a capability without an end is not issued here. */
  readonly expires_at: Timestamp | Date | string;
  readonly parent_capability_id?: string | null;
}

export interface CreateCapabilityOptions {
  /** Clock in epoch milliseconds for the default `issued_at` (default `Date.now`). */
  readonly now?: () => number;
}

const INPUT_FIELDS = new Set([
  'issuer_agent',
  'subject_agent',
  'delegated_permissions',
  'capability_id',
  'constraints',
  'issued_at',
  'expires_at',
  'parent_capability_id',
]);

/**
 * Build an unsigned capability: type-checks every field and writes out every default. Throws
 * PayloadValidationError for bad input, a naive (offset-less) datetime, or `issued_at > expires_at`.
 * Sign the result with `signCapability`.
 */
export function createCapability(
  input: CapabilityInput,
  options: CreateCapabilityOptions = {},
): CapabilityDraft {
  const raw = requireObject(input, 'capability');
  rejectUnknownFields(raw, INPUT_FIELDS, 'capability');
  const issuedAt =
    raw['issued_at'] === undefined
      ? Timestamp.fromEpochMillis((options.now ?? Date.now)())
      : requireTimestamp(raw['issued_at'], 'issued_at');
  const draft = toCapabilityDraft({
    ...raw,
    capability_id: raw['capability_id'] ?? randomUUID(),
    issued_at: issuedAt,
    delegated_permissions: raw['delegated_permissions'] ?? {},
  });
  // Naive times cannot be placed on the timeline; verifiers reject them, so never sign one.
  if (draft.issued_at.isNaive || draft.expires_at.isNaive) {
    throw new PayloadValidationError('issued_at/expires_at: a UTC offset is required');
  }
  if (draft.issued_at.compare(draft.expires_at) > 0) {
    throw new PayloadValidationError('expires_at: must not be before issued_at');
  }
  return freezeCapability(draft);
}
