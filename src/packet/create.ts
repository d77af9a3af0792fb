import type { JsonLimits } from '../wire/parse-json.js';
import { randomBytes, randomUUID } from 'node:crypto';
import { PayloadValidationError } from '../errors.js';
import { isPlainObject, type JsonObject, type JsonValue } from '../wire/json-value.js';
import { Timestamp } from '../wire/timestamp.js';
import { freezeChecked } from './checked.js';
import { buildPacketFields } from './fields.js';
import {
  optionalInteger,
  rejectUnknownFields,
  requireObject,
  requireString,
  requireTimestamp,
} from '../wire/fields.js';
import {
  DEFAULT_TTL_POLICY,
  type Constraints,
  type Permissions,
  type Provenance,
  type TaskPacketDraft,
  type TtlPolicy,
} from './types.js';

/** What you give to build a packet; everything but the addressing and intent has a default. */
export interface TaskPacketInput {
  readonly from_agent: string;
  readonly to_agent: string;
  readonly intent: string;
  readonly permissions?: Partial<Permissions>;
  readonly packet_id?: string;
  readonly task_id?: string;
  /** Default: 128 random bits as hex. */
  readonly nonce?: string;
  /** Default: now, from the clock. */
  readonly issued_at?: Timestamp | Date | string;
  readonly expires_at?: Timestamp | Date | string | null;
  readonly capability_token?: string | null;
  readonly task_type?: string | null;
  readonly goal?: string | null;
  readonly context?: JsonObject;
  readonly memory_refs?: readonly string[];
  readonly constraints?: Partial<Constraints> | null;
  readonly provenance?: Partial<Provenance> | null;
  readonly risk_level?: string | null;
  readonly ttl_seconds?: number | null;
  /** An object with a `source` (SPEC §4 step 5, §10.4), or null. */
  readonly ai_provenance?: JsonValue | null;
}

export interface CreatePacketOptions {
  /** Risk level → TTL seconds (default `{write: 120, read: 900}`). */
  readonly ttlPolicy?: TtlPolicy;
  /** Clock in epoch milliseconds for the default `issued_at` (default `Date.now`). */
  readonly now?: () => number;
  /**
   * Size and depth limits for `context` and `ai_provenance` (default: the wire parser's, 1 MiB and
   * depth 64), so a packet that no default gate would parse is refused here, not downstream.
   */
  readonly limits?: Partial<JsonLimits>;
}

const INPUT_FIELDS = new Set([
  'from_agent',
  'to_agent',
  'intent',
  'permissions',
  'packet_id',
  'task_id',
  'nonce',
  'issued_at',
  'expires_at',
  'capability_token',
  'task_type',
  'goal',
  'context',
  'memory_refs',
  'constraints',
  'provenance',
  'risk_level',
  'ttl_seconds',
  'ai_provenance',
]);

/**
 * Build an unsigned packet: type-checks every field (PayloadValidationError), writes out every
 * default, and applies the TTL policy. Sign the result with `signPacket`.
 *
 * Default lifetime: a packet given none of `expires_at`, `risk_level` and `ttl_seconds` expires after
 * the TTL policy's `read` TTL (900 s by default). The reference would leave `expires_at` null, and
 * every verifier (the reference's and this library's gate) rejects such a packet as
 * `malformed_time_window`. `risk_level` and `ttl_seconds` stay null, so the signed fields are what the
 * reference would sign with that `expires_at` given explicitly.
 *
 * Refused here because no gate of this library would accept them: a timestamp without a UTC offset
 * (`naive_timestamp`), `expires_at` before `issued_at` (`malformed_time_window`), and `ai_provenance`
 * that is not an object with a `source` (`invalid_ai_provenance`; SPEC §10.4: the reference cannot
 * even parse a non-object).
 */
export function createTaskPacket(input: TaskPacketInput, options: CreatePacketOptions = {}): TaskPacketDraft {
  let raw = requireObject(input, 'packet');
  rejectUnknownFields(raw, INPUT_FIELDS, 'packet');
  const ttlSeconds = optionalInteger(raw['ttl_seconds'], 'ttl_seconds');
  if (ttlSeconds !== null && ttlSeconds <= 0)
    throw new PayloadValidationError('ttl_seconds: must be positive');
  const issuedAt =
    raw['issued_at'] === undefined
      ? Timestamp.fromEpochMillis((options.now ?? Date.now)())
      : requireTimestamp(raw['issued_at'], 'issued_at');
  if (issuedAt.isNaive) throw new PayloadValidationError('issued_at: must have a UTC offset');
  const ttlPolicy = options.ttlPolicy ?? DEFAULT_TTL_POLICY;
  if (
    (raw['expires_at'] === undefined || raw['expires_at'] === null) &&
    (raw['risk_level'] === undefined || raw['risk_level'] === null) &&
    ttlSeconds === null
  ) {
    const readTtl = Object.hasOwn(ttlPolicy, 'read') ? ttlPolicy['read'] : undefined;
    if (readTtl === undefined) {
      throw new PayloadValidationError('expires_at: required when the TTL policy has no read TTL');
    }
    raw = { ...raw, expires_at: issuedAt.plusSeconds(readTtl) };
  }
  checkAiProvenance(raw['ai_provenance']);
  const draft = buildPacketFields(
    raw,
    {
      packet_id: raw['packet_id'] === undefined ? randomUUID() : requireString(raw['packet_id'], 'packet_id'),
      task_id: raw['task_id'] === undefined ? randomUUID() : requireString(raw['task_id'], 'task_id'),
      nonce:
        raw['nonce'] === undefined ? randomBytes(16).toString('hex') : requireString(raw['nonce'], 'nonce'),
      issued_at: issuedAt,
      ttl_seconds: ttlSeconds,
    },
    ttlPolicy,
    false,
    options.limits,
  );
  const expiresAt = draft.expires_at;
  if (expiresAt !== null) {
    if (expiresAt.isNaive) throw new PayloadValidationError('expires_at: must have a UTC offset');
    if (issuedAt.compare(expiresAt) > 0) {
      throw new PayloadValidationError('expires_at: must not be before issued_at');
    }
  }
  return freezeChecked(draft);
}

/** SPEC §10.4 and §4 step 5: `ai_provenance`, when present, is an object with a non-null `source`. */
export function checkAiProvenance(value: unknown): void {
  if (value === undefined || value === null) return;
  if (!isPlainObject(value) || value['source'] === undefined || value['source'] === null) {
    throw new PayloadValidationError('ai_provenance: must be an object with a source, or null');
  }
}
