import { PayloadValidationError } from '../errors.js';
import type { Timestamp } from '../wire/timestamp.js';
import type { TtlPolicy } from './types.js';

export interface ResolvedTtl {
  readonly risk_level: string | null;
  readonly ttl_seconds: number | null;
  readonly expires_at: Timestamp | null;
}

/**
 * SPEC §3 TTL policy, applied when a packet is created or parsed (before signing): with neither
 * `risk_level` nor `ttl_seconds`, nothing changes; otherwise the risk level defaults to `read`, the TTL
 * is `ttl_seconds` or the policy's, a missing `expires_at` becomes `issued_at + ttl`, and a present one
 * must equal it.
 */
export function resolveTtl(
  fields: {
    readonly issued_at: Timestamp;
    readonly expires_at: Timestamp | null;
    readonly risk_level: string | null;
    readonly ttl_seconds: number | null;
  },
  policy: TtlPolicy,
): ResolvedTtl {
  if (fields.risk_level === null && fields.ttl_seconds === null) {
    return { risk_level: null, ttl_seconds: null, expires_at: fields.expires_at };
  }
  const riskLevel = fields.risk_level ?? 'read';
  if (!Object.hasOwn(policy, riskLevel)) {
    throw new PayloadValidationError(`unsupported risk_level ${JSON.stringify(riskLevel.slice(0, 32))}`);
  }
  const ttl = fields.ttl_seconds ?? policy[riskLevel]!;
  const expected = fields.issued_at.plusSeconds(ttl);
  if (fields.expires_at !== null && !fields.expires_at.equals(expected)) {
    throw new PayloadValidationError('expires_at does not match TTL policy');
  }
  return { risk_level: riskLevel, ttl_seconds: ttl, expires_at: fields.expires_at ?? expected };
}
