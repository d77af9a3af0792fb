/**
 * SPEC §4 `validate_packet`: the time window, TTL policy, human-review and AI-provenance checks, in the
 * reference's order, first failure wins. A validator reads its environment variables when it is
 * created (not once per process), so tests and deployments can vary them.
 */
import type { ApprovalVerifier } from '../approval/verify.js';
import { ConfigurationError, PublicKeyMismatchError } from '../errors.js';
import { checkEventPort } from '../events/check.js';
import type { EventPort } from '../events/types.js';
import type { Verdict as VerdictOf } from '../lib/verdict.js';
import type { AgentRegistry, OverlapWindow } from '../stores/types.js';
import { JsonFloat, isPlainObject } from '../wire/json-value.js';
import { envFlag, resolveClockTolerance } from '../settings.js';
import type { Timestamp } from '../wire/timestamp.js';
import { resolveBoundKey } from './verify.js';
import { DEFAULT_TTL_POLICY, type SignedTaskPacket, type TaskPacketDraft, type TtlPolicy } from './types.js';
import { exceedsLifetime, isExpired, isIssuedInFuture } from '../lib/time-window.js';

/** The reasons validation can fail with. Reason strings are protocol: dashboards match on them. */
export type ValidationReason =
  | 'public_key_mismatch'
  | 'naive_timestamp'
  | 'malformed_time_window'
  | 'issued_in_future'
  | 'human_review_required'
  | 'invalid_ai_provenance'
  | 'unsupported_risk_level'
  | 'ttl_policy_mismatch'
  | 'lifetime_exceeds_maximum'
  | 'expired';

/** `{ ok: true }`, or the first check the packet failed, in the reference's order. */
export type ValidationVerdict = VerdictOf<ValidationReason>;

/**
 * What travels next to a packet but is not part of it (it cannot be: it is produced after signing),
 * handed to the validator's hooks. The gate fills it from the envelope.
 */
export interface ValidationContext {
  /** Signed human approvals carried next to the packet (e.g. the envelope's `approvals`). Untrusted. */
  readonly approvals?: readonly unknown[];
}

/** Decides whether a packet that requires human review has been approved. */
export type HumanApprovalCheck = (
  packet: SignedTaskPacket | TaskPacketDraft,
  context: ValidationContext,
) => boolean | Promise<boolean>;

/**
 * The `humanApproval` option as a plain check: an {@link ApprovalVerifier} answers through its
 * `check`, a function is the check itself. Anything else is a ConfigurationError.
 */
export function approvalCheckOf(value: HumanApprovalCheck | ApprovalVerifier): HumanApprovalCheck {
  if (typeof value === 'function') return value;
  if (value !== null && typeof value === 'object' && typeof value.check === 'function') {
    return (packet, context) => value.check(packet, context);
  }
  throw new ConfigurationError('humanApproval must be an ApprovalVerifier or a function');
}

export interface PacketValidatorOptions {
  /** Trust anchor for step 1 (key binding). */
  readonly registry?: AgentRegistry;
  /** Clock in epoch milliseconds (default `Date.now`). */
  readonly now?: () => number;
  /** Tolerated clock skew for `issued_at`, seconds, clamped to [0, 300]. Default: env `TRUSTHANDOFF_ISSUANCE_SKEW` or 30. */
  readonly issuanceSkewSeconds?: number;
  /** Grace after `expires_at`, seconds, clamped to [0, 60]. Default: env `TRUSTHANDOFF_EXPIRY_GRACE` or 0. */
  readonly expiryGraceSeconds?: number;
  /** Require the `read` TTL when a packet names no TTL. Default: env `TRUSTHANDOFF_ENFORCE_DEFAULT_TTL_POLICY`. */
  readonly enforceDefaultTtlPolicy?: boolean;
  readonly ttlPolicy?: TtlPolicy;
  /**
   * Longest accepted lifetime (`expires_at - issued_at`), seconds. Unset: no limit (the reference's
   * behaviour); the gate sets a default.
   */
  readonly maxLifetimeSeconds?: number;
  /**
   * How approval of a packet that requires human review is decided: an {@link ApprovalVerifier}, or
   * a check of your own. Without it such packets fail.
   */
  readonly humanApproval?: HumanApprovalCheck | ApprovalVerifier;
  /**
   * LEGACY, INSECURE: accept a truthy `context.human_approval` as approval, as the reference does.
   * Anyone who can build a packet can set it. Only for migrating from the reference.
   */
  readonly insecureLegacyContextHumanApproval?: boolean;
  /** Token-rotation overlap: an expired packet whose id is in the window passes (with an event). */
  readonly overlapWindow?: OverlapWindow;
  /**
   * Where events go: `ai_generated_payload`, `token_overlap_used`, and (unless
   * `emitDecisionEvents` is false) `packet_accepted` / `packet_rejected`. Without a port the
   * validator emits nothing.
   */
  readonly events?: EventPort;
  /** Environment to read the variables from (default `process.env`). */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /**
   * Emit `packet_accepted` / `packet_rejected` (default true). The gate turns this off and emits them
   * itself for its final decision, since a packet valid here may still be rejected later (replay).
   */
  readonly emitDecisionEvents?: boolean;
}

interface ValidatorCore {
  validate(packet: SignedTaskPacket, context?: ValidationContext): Promise<ValidationVerdict>;
  /**
   * {@link validate}, answering synchronously when no hook (registry, approval check, overlap
   * window) answers with a promise — the gate's hot path. Hooks may also throw synchronously here.
   */
  evaluate(
    packet: SignedTaskPacket,
    context?: ValidationContext,
  ): ValidationVerdict | Promise<ValidationVerdict>;
  readonly settings: PacketValidator['settings'];
}

/**
 * SPEC §4 `validate_packet` with fixed settings: the environment is read and the options are checked
 * once, here (ConfigurationError), then {@link validate} runs per packet.
 */
export class PacketValidator {
  /** The settings in force after reading the environment and clamping. */
  readonly settings: {
    readonly issuanceSkewSeconds: number;
    readonly expiryGraceSeconds: number;
    readonly enforceDefaultTtlPolicy: boolean;
    readonly maxLifetimeSeconds: number | undefined;
  };
  readonly #core: ValidatorCore;

  constructor(options: PacketValidatorOptions = {}) {
    this.#core = buildValidator(options);
    this.settings = this.#core.settings;
  }

  /** `{ ok: true }`, or the first failed check. Hook failures (a store down) reject. */
  validate(packet: SignedTaskPacket, context?: ValidationContext): Promise<ValidationVerdict> {
    return this.#core.validate(packet, context);
  }

  /**
   * {@link validate}, answering synchronously when no hook (registry, approval check, overlap
   * window) answers with a promise — the gate's hot path. Hooks may also throw synchronously here.
   */
  evaluate(
    packet: SignedTaskPacket,
    context?: ValidationContext,
  ): ValidationVerdict | Promise<ValidationVerdict> {
    return this.#core.evaluate(packet, context);
  }
}

function buildValidator(options: PacketValidatorOptions): ValidatorCore {
  const env = options.env ?? process.env;
  const { issuanceSkewSeconds: skewSeconds, expiryGraceSeconds: graceSeconds } = resolveClockTolerance(
    options,
    env,
  );
  const enforceDefaultTtl =
    options.enforceDefaultTtlPolicy ?? envFlag(env['TRUSTHANDOFF_ENFORCE_DEFAULT_TTL_POLICY']);
  const policy = options.ttlPolicy ?? DEFAULT_TTL_POLICY;
  const now = options.now ?? Date.now;
  const events = checkEventPort(options.events);
  const maxLifetime = options.maxLifetimeSeconds;
  const emitDecisionEvents = options.emitDecisionEvents ?? true;
  const humanApproval =
    options.humanApproval === undefined ? undefined : approvalCheckOf(options.humanApproval);

  // The checks run synchronously unless a hook (registry, approval, overlap window) answers with a
  // promise: the gate's hot path then costs no microtask here.
  function check(packet: SignedTaskPacket, context: ValidationContext): Verdict {
    // 1. Key binding.
    const registry = options.registry;
    if (registry !== undefined) {
      return resolveBoundKey(packet, registry).then(
        () => afterKeyBinding(packet, context),
        (error: unknown) => {
          if (error instanceof PublicKeyMismatchError) return 'public_key_mismatch';
          throw error;
        },
      );
    }
    return afterKeyBinding(packet, context);
  }

  function afterKeyBinding(packet: SignedTaskPacket, context: ValidationContext): Verdict {
    // 2. Time window. Naive times cannot be placed on the timeline (the reference crashes on them).
    const issuedAt = packet.issued_at;
    const expiresAt = packet.expires_at;
    if (issuedAt.isNaive || (expiresAt !== null && expiresAt.isNaive)) return 'naive_timestamp';
    if (expiresAt === null || issuedAt.compare(expiresAt) > 0) return 'malformed_time_window';
    const nowMicros = now() * 1000;
    // 3. Issued in the future (beyond the tolerated skew).
    if (isIssuedInFuture(issuedAt.epochMicros, nowMicros, skewSeconds * 1e6)) return 'issued_in_future';
    // 4. Human review.
    if (packet.constraints?.requires_human_review === true) {
      const approved = humanApproval === undefined ? false : humanApproval(packet, context);
      if (isPromiseLike(approved)) {
        return Promise.resolve(approved).then((ok) => afterReview(packet, ok, expiresAt, nowMicros));
      }
      return afterReview(packet, approved, expiresAt, nowMicros);
    }
    return afterHumanReview(packet, expiresAt, nowMicros);
  }

  function afterReview(
    packet: SignedTaskPacket,
    approved: boolean,
    expiresAt: Timestamp,
    nowMicros: number,
  ): Verdict {
    let ok = approved;
    if (!ok && options.insecureLegacyContextHumanApproval === true) {
      ok = isTruthy(packet.context['human_approval']);
    }
    if (!ok) return 'human_review_required';
    return afterHumanReview(packet, expiresAt, nowMicros);
  }

  function afterHumanReview(packet: SignedTaskPacket, expiresAt: Timestamp, nowMicros: number): Verdict {
    const issuedAt = packet.issued_at;
    // 5. AI provenance.
    const ai = packet.ai_provenance;
    if (ai !== null) {
      if (!isPlainObject(ai) || ai['source'] === undefined || ai['source'] === null)
        return 'invalid_ai_provenance';
      events?.emit('ai_generated_payload', {
        packet_id: packet.packet_id,
        from_agent: packet.from_agent,
        source: describe(ai['source']),
        model: describe(ai['model']),
      });
    }
    // 6. TTL policy.
    let expectedTtl: number | undefined;
    if (packet.ttl_seconds !== null) expectedTtl = packet.ttl_seconds;
    else if (packet.risk_level !== null) {
      if (!Object.hasOwn(policy, packet.risk_level)) return 'unsupported_risk_level';
      expectedTtl = policy[packet.risk_level];
    } else if (enforceDefaultTtl) expectedTtl = policy['read'];
    if (expectedTtl !== undefined) {
      let expected;
      try {
        expected = issuedAt.plusSeconds(expectedTtl);
      } catch {
        return 'ttl_policy_mismatch';
      }
      if (!expiresAt.equals(expected)) return 'ttl_policy_mismatch';
    }
    if (
      maxLifetime !== undefined &&
      exceedsLifetime(issuedAt.epochMicros, expiresAt.epochMicros, maxLifetime * 1e6)
    ) {
      return 'lifetime_exceeds_maximum';
    }
    // 7. Expiry, with the token-rotation overlap window.
    if (isExpired(expiresAt.epochMicros, nowMicros, graceSeconds * 1e6)) {
      const overlapWindow = options.overlapWindow;
      if (overlapWindow === undefined) return 'expired';
      return overlapWindow.isValid(packet.packet_id).then((inWindow) => {
        if (!inWindow) return 'expired';
        events?.emit('token_overlap_used', {
          packet_id: packet.packet_id,
          from_agent: packet.from_agent,
          reason: 'expired_but_within_overlap',
        });
        return undefined;
      });
    }
    return undefined;
  }

  function finish(
    packet: SignedTaskPacket,
    reason: ValidationReason | undefined,
    startedAt: number,
  ): ValidationVerdict {
    const result: ValidationVerdict = reason === undefined ? VALID : Object.freeze({ ok: false, reason });
    if (events === undefined || !emitDecisionEvents) return result;
    const fields = {
      packet_id: packet.packet_id,
      task_id: packet.task_id,
      from_agent: packet.from_agent,
      to_agent: packet.to_agent,
      intent: packet.intent,
      risk_level: packet.risk_level,
      ttl_seconds: packet.ttl_seconds,
      latency_ms: performance.now() - startedAt,
    };
    if (reason === undefined) events.emit('packet_accepted', { ...fields, reason: PACKET_VALID });
    else events.emit('packet_rejected', { ...fields, reason, step: VALIDATE_STEP });
    return result;
  }

  function evaluate(
    packet: SignedTaskPacket,
    context: ValidationContext = NO_CONTEXT,
  ): ValidationVerdict | Promise<ValidationVerdict> {
    // The clock is read only when a decision event will carry the latency.
    const startedAt = events !== undefined && emitDecisionEvents ? performance.now() : 0;
    const verdict = check(packet, context);
    return isPromiseLike(verdict)
      ? verdict.then((reason) => finish(packet, reason, startedAt))
      : finish(packet, verdict, startedAt);
  }

  return {
    settings: Object.freeze({
      issuanceSkewSeconds: skewSeconds,
      expiryGraceSeconds: graceSeconds,
      enforceDefaultTtlPolicy: enforceDefaultTtl,
      maxLifetimeSeconds: maxLifetime,
    }),
    evaluate,
    async validate(packet, context = NO_CONTEXT) {
      return evaluate(packet, context);
    },
  };
}

type Verdict = ValidationReason | undefined | Promise<ValidationReason | undefined>;

function isPromiseLike<T>(value: T | PromiseLike<T>): value is PromiseLike<T> {
  return (
    value !== null &&
    typeof value === 'object' &&
    typeof (value as Partial<PromiseLike<T>>).then === 'function'
  );
}

const VALID: ValidationVerdict = Object.freeze({ ok: true });
/** `reason` of the validator's own `packet_accepted` (the gate's says the signature was verified too). */
export const PACKET_VALID = 'packet_valid';
/** `step` of the validator's own `packet_rejected`. */
const VALIDATE_STEP = 'validate';

// `ai_provenance.source` / `.model` are JSON of any kind; events carry text (the hub cuts it).
function describe(value: unknown): string | null {
  if (value === undefined || value === null) return null;
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint')
    return String(value);
  if (value instanceof JsonFloat) return String(value.value);
  return Array.isArray(value) ? '<array>' : '<object>';
}
const NO_CONTEXT: ValidationContext = Object.freeze({});

/** SPEC §4 `validate_packet` with a validator created for this call. */
export function referenceValidatePacket(
  packet: SignedTaskPacket,
  options: PacketValidatorOptions = {},
): Promise<ValidationVerdict> {
  return new PacketValidator(options).validate(packet);
}

// Python truthiness of a JSON value: the reference's `if context.get("human_approval")`.
function isTruthy(value: unknown): boolean {
  if (value === undefined || value === null || value === false || value === 0 || value === '') return false;
  if (Array.isArray(value)) return value.length > 0;
  if (isPlainObject(value)) return Object.keys(value).length > 0;
  if (typeof value === 'bigint') return value !== 0n;
  if (value instanceof JsonFloat) return value.value !== 0;
  return true;
}
