/**
 * The capability token envelope (SPEC §6): `{payload, capability_token, nonce, issued_at}`. Accepted when
 * its age is in [0, maxAge], the token decodes, the capability chain verifies, and — checked and stored
 * last, only for an otherwise acceptable envelope (SPEC §7.1) — the nonce is new.
 *
 * The envelope itself is not signed (nor is it in the reference): anyone holding the token can wrap it
 * with a fresh nonce and any payload. It proves authority, not the payload's origin; send payloads that
 * matter in a signed packet.
 *
 * The nonce is kept until the envelope could no longer be accepted by any verifier sharing the replay
 * store: `issued_at + maxAge − now`, plus a margin for verifiers whose clocks differ (the gate's rule
 * for packets, `replayRetention`; margin default: the larger of 5 s and the clock-skew allowance).
 *
 * Events: the envelope verifier emits `capability_chain_rejected` for the failures only it sees (the
 * envelope, its time window, the token's encoding, the nonce) and `store_unavailable` when the replay
 * store fails. The chain's own verdict is the chain verifier's event (it gets the same options), so
 * one envelope never yields two events for one failure.
 */
import { randomBytes } from 'node:crypto';
import { ConfigurationError, PayloadValidationError } from '../errors.js';
import { checkEventPort } from '../events/check.js';
import type { EventPort } from '../events/types.js';
import { fail, requireObject, requireString, requireTimestamp } from '../wire/fields.js';
import { DEFAULT_REPLAY_RETENTION_MARGIN_SECONDS, replayRetention } from '../gate/steps/replay.js';
import type { Verdict } from '../lib/verdict.js';
import type { ReplayStore } from '../stores/types.js';
import { encodeJson } from '../wire/canonical.js';
import { isPlainObject, type JsonObject } from '../wire/json-value.js';
import { parseJson, type JsonLimits } from '../wire/parse-json.js';
import { snapshotJson } from '../wire/snapshot.js';
import { Timestamp } from '../wire/timestamp.js';
import {
  CapabilityChainVerifier,
  type CapabilityChainReason,
  type CapabilityChainVerifierOptions,
} from './chain.js';
import { parseCapabilityToken } from './token.js';
import type { DelegationCapability } from './types.js';
import { ageWindow } from '../lib/time-window.js';

export interface CapabilityTokenEnvelope {
  readonly payload: Readonly<JsonObject>;
  readonly capability_token: string;
  readonly nonce: string;
  readonly issued_at: Timestamp;
}

/** Longest nonce accepted: nonces become store keys. */
export const MAX_ENVELOPE_NONCE_LENGTH = 256;
/** SPEC §6 default maximum age of an envelope, seconds. */
export const DEFAULT_ENVELOPE_MAX_AGE_SECONDS = 300;

/** Wrap a token with a fresh 128-bit nonce and `issued_at` = now. */
export function createCapabilityTokenEnvelope(
  capabilityToken: string,
  payload: JsonObject = {},
  options: { readonly now?: () => number } = {},
): CapabilityTokenEnvelope {
  return envelopeFromObject({
    payload,
    capability_token: capabilityToken,
    nonce: randomBytes(16).toString('hex'),
    issued_at: Timestamp.fromEpochMillis((options.now ?? Date.now)()),
  });
}

// Type-check an envelope from parsed JSON (or our own snapshot). Unknown fields are ignored, as in the reference.
function envelopeFromObject(value: unknown): CapabilityTokenEnvelope {
  const raw = requireObject(value, 'envelope');
  const payload = raw['payload'] ?? {};
  if (!isPlainObject(payload)) throw fail('payload', 'must be an object');
  const nonce = requireString(raw['nonce'], 'nonce');
  if (nonce.length === 0 || nonce.length > MAX_ENVELOPE_NONCE_LENGTH)
    throw fail('nonce', `must be 1 to ${MAX_ENVELOPE_NONCE_LENGTH} characters`);
  return Object.freeze({
    payload: payload as JsonObject,
    capability_token: requireString(raw['capability_token'], 'capability_token'),
    nonce,
    issued_at: requireTimestamp(raw['issued_at'], 'issued_at'),
  });
}

/**
 * Parse an envelope from wire JSON (lossless, bounded) or from an object (read once, into the
 * library's own frozen copy: a getter or Proxy cannot answer differently later). Does not verify.
 * Throws PayloadValidationError.
 */
export function parseCapabilityTokenEnvelope(
  input: string | Uint8Array | object,
  limits: Partial<JsonLimits> = {},
): CapabilityTokenEnvelope {
  if (typeof input === 'string' || input instanceof Uint8Array)
    return envelopeFromObject(parseJson(input, limits));
  return envelopeFromObject(snapshotJson(input, limits, undefined, 'envelope'));
}

/** Wire JSON of an envelope: compact, ASCII-escaped, SPEC §2.1 datetimes (the reference reads it). */
export function serializeCapabilityTokenEnvelope(envelope: CapabilityTokenEnvelope): string {
  return encodeJson({
    payload: envelope.payload,
    capability_token: envelope.capability_token,
    nonce: envelope.nonce,
    issued_at: envelope.issued_at,
  });
}

export type EnvelopeRejectionReason =
  | 'malformed_envelope'
  | 'naive_timestamp'
  | 'envelope_in_future'
  | 'envelope_expired'
  | 'malformed_token'
  | CapabilityChainReason
  | 'replay_store_unavailable'
  | 'replayed_nonce';

/**
 * An envelope's verdict: `{ ok: true, capability }` (the decoded leaf capability) or
 * `{ ok: false, reason, details? }` (a chain failure keeps the chain verifier's `details`).
 */
export type CapabilityEnvelopeVerdict = Verdict<
  EnvelopeRejectionReason,
  { readonly capability: DelegationCapability }
>;

export interface CapabilityEnvelopeVerifierOptions extends CapabilityChainVerifierOptions {
  /** Remembers nonces. Required: without it every envelope could be replayed. */
  readonly replayStore: ReplayStore;
  /** Oldest accepted envelope, seconds (default 300). */
  readonly maxAgeSeconds?: number;
  /**
   * How long a nonce is kept beyond the last moment this verifier would accept its envelope, seconds:
   * covers verifiers sharing the replay store whose clocks are behind this one's. Default: the larger
   * of 5 and the clock-skew allowance (`issuanceSkewSeconds`).
   */
  readonly replayRetentionMarginSeconds?: number;
  /** Longest capability token accepted (default 16,384 characters). */
  readonly maxTokenLength?: number;
  /** Where envelope-level rejections go (see the module comment). Without a port: no events. */
  readonly events?: EventPort;
}

export interface VerifyEnvelopeOptions {
  /** Capabilities above the envelope's token, root first (when the token is not a root capability). */
  readonly ancestors?: readonly DelegationCapability[];
  /** The agent presenting the envelope; the leaf's subject must be this agent. */
  readonly presenter?: string;
}

type EnvelopeInput = CapabilityTokenEnvelope | string | Uint8Array;

interface EnvelopeVerifierParts {
  verify(envelope: EnvelopeInput, options?: VerifyEnvelopeOptions): Promise<CapabilityEnvelopeVerdict>;
}

function reject(reason: EnvelopeRejectionReason): CapabilityEnvelopeVerdict {
  return Object.freeze({ ok: false, reason });
}

// The verifier's body; options are checked here (ConfigurationError).
function buildEnvelopeVerifier(options: CapabilityEnvelopeVerifierOptions): EnvelopeVerifierParts {
  const chainVerifier = new CapabilityChainVerifier(options);
  const replay = options.replayStore;
  if (replay === undefined || replay === null || typeof replay.checkAndStore !== 'function') {
    throw new ConfigurationError('replayStore: a ReplayStore is required');
  }
  const maxAgeSeconds = options.maxAgeSeconds ?? DEFAULT_ENVELOPE_MAX_AGE_SECONDS;
  if (!Number.isFinite(maxAgeSeconds) || maxAgeSeconds <= 0)
    throw new ConfigurationError('maxAgeSeconds: must be positive');
  const maxAgeMs = maxAgeSeconds * 1000;
  const now = options.now ?? Date.now;
  // The gate's retention rule: until the envelope could no longer be accepted (its last acceptable
  // moment is its "expiry"), plus the margin for clocks that differ. Options are checked here.
  const retention = replayRetention({
    now,
    retentionMarginSeconds:
      options.replayRetentionMarginSeconds ??
      Math.max(DEFAULT_REPLAY_RETENTION_MARGIN_SECONDS, chainVerifier.settings.issuanceSkewSeconds),
  });
  const decodeOptions =
    options.maxTokenLength === undefined ? {} : { maxTokenLength: options.maxTokenLength };
  const events = checkEventPort(options.events);

  function rejected(reason: EnvelopeRejectionReason, leaf?: DelegationCapability): CapabilityEnvelopeVerdict {
    events?.emit('capability_chain_rejected', {
      capability_id: leaf?.capability_id ?? null,
      issuer_agent: leaf?.issuer_agent ?? null,
      reason,
    });
    return reject(reason);
  }

  return Object.freeze({
    async verify(
      input: EnvelopeInput,
      verifyOptions: VerifyEnvelopeOptions = {},
    ): Promise<CapabilityEnvelopeVerdict> {
      let envelope: CapabilityTokenEnvelope;
      try {
        envelope = parseCapabilityTokenEnvelope(input);
      } catch (error) {
        if (error instanceof PayloadValidationError) return rejected('malformed_envelope');
        throw error;
      }
      if (envelope.issued_at.isNaive) return rejected('naive_timestamp');
      // No future skew: an envelope is made and sent at once (its nonce is remembered for maxAge).
      const window = ageWindow(envelope.issued_at.epochMillis, now(), maxAgeMs, 0);
      if (window === 'in_future') return rejected('envelope_in_future');
      if (window === 'too_old') return rejected('envelope_expired');
      let leaf: DelegationCapability;
      try {
        leaf = parseCapabilityToken(envelope.capability_token, decodeOptions);
      } catch {
        return rejected('malformed_token');
      }
      const chain = [...(verifyOptions.ancestors ?? []), leaf];
      const verified = await chainVerifier.verify(
        chain,
        verifyOptions.presenter === undefined ? {} : { presenter: verifyOptions.presenter },
      );
      if (!verified.ok) return verified;
      // Last, and only for an otherwise acceptable envelope: a garbage envelope cannot burn a nonce.
      // Scoped to the holder (the leaf's subject); kept until no verifier could accept it any more.
      let fresh: unknown;
      try {
        fresh = await replay.checkAndStore(
          `capability-envelope:${JSON.stringify([leaf.subject_agent, envelope.nonce])}`,
          retention({ expires_at: { epochMillis: envelope.issued_at.epochMillis + maxAgeMs } }),
        );
      } catch {
        events?.emit('store_unavailable', {
          store: 'replay',
          operation: 'capability_envelope',
          reason: 'replay_store_unavailable',
          packet_id: null,
        });
        return rejected('replay_store_unavailable', leaf);
      }
      // Anything but a real `true` counts as seen: fail closed, as the gate's replay step.
      if (fresh !== true) return rejected('replayed_nonce', leaf);
      return Object.freeze({ ok: true, capability: leaf });
    },
  });
}

/**
 * Verifies capability-token envelopes (see the module comment). Options are checked at construction
 * (ConfigurationError); `verify` never throws for bad input.
 */
export class CapabilityEnvelopeVerifier {
  readonly #parts: EnvelopeVerifierParts;

  constructor(options: CapabilityEnvelopeVerifierOptions) {
    this.#parts = buildEnvelopeVerifier(options);
  }

  /** The envelope's verdict; its nonce is remembered only when everything else passed. */
  verify(envelope: EnvelopeInput, options?: VerifyEnvelopeOptions): Promise<CapabilityEnvelopeVerdict> {
    return this.#parts.verify(envelope, options);
  }
}
