import type { JsonLimits } from '../wire/parse-json.js';
import { randomBytes, randomUUID } from 'node:crypto';
import { PayloadValidationError } from '../errors.js';
import type { JsonObject, JsonValue } from '../wire/json-value.js';
import { Timestamp } from '../wire/timestamp.js';
import { freezeChecked } from './checked.js';
import {
  buildPacketFields,
  optionalInteger,
  rejectUnknownFields,
  requireObject,
  requireString,
  requireTimestamp,
} from './fields.js';
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
 */
export function createTaskPacket(input: TaskPacketInput, options: CreatePacketOptions = {}): TaskPacketDraft {
  const raw = requireObject(input, 'packet');
  rejectUnknownFields(raw, INPUT_FIELDS, 'packet');
  const ttlSeconds = optionalInteger(raw['ttl_seconds'], 'ttl_seconds');
  if (ttlSeconds !== null && ttlSeconds <= 0)
    throw new PayloadValidationError('ttl_seconds: must be positive');
  const issuedAt =
    raw['issued_at'] === undefined
      ? Timestamp.fromEpochMillis((options.now ?? Date.now)())
      : requireTimestamp(raw['issued_at'], 'issued_at');
  return freezeChecked(
    buildPacketFields(
      raw,
      {
        packet_id:
          raw['packet_id'] === undefined ? randomUUID() : requireString(raw['packet_id'], 'packet_id'),
        task_id: raw['task_id'] === undefined ? randomUUID() : requireString(raw['task_id'], 'task_id'),
        nonce:
          raw['nonce'] === undefined ? randomBytes(16).toString('hex') : requireString(raw['nonce'], 'nonce'),
        issued_at: issuedAt,
        ttl_seconds: ttlSeconds,
      },
      options.ttlPolicy ?? DEFAULT_TTL_POLICY,
      false,
      options.limits,
    ),
  );
}
