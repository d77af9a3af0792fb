/**
 * The capability token envelope (SPEC §6): `{payload, capability_token, nonce, issued_at}`. Accepted when
 * its age is in [0, maxAge], the token decodes, the capability chain verifies, and — checked and stored
 * last, only for an otherwise acceptable envelope (SPEC §7.1) — the nonce is new.
 *
 * The envelope itself is not signed (nor is it in the reference): anyone holding the token can wrap it
 * with a fresh nonce and any payload. It proves authority, not the payload's origin; send payloads that
 * matter in a signed packet.
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
import type { ReplayStore } from '../stores/types.js';
import { encodeJson } from '../wire/canonical.js';
import { isPlainObject, type JsonObject } from '../wire/json-value.js';
import { parseJson, type JsonLimits } from '../wire/parse-json.js';
import { Timestamp } from '../wire/timestamp.js';
import {
  createCapabilityChainVerifier,
  type CapabilityChainReason,
  type CapabilityChainVerifierOptions,
} from './chain.js';
import { parseCapabilityToken } from './token.js';
import type { DelegationCapability } from './types.js';

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
  return envelopeFromJson({
    payload,
    capability_token: capabilityToken,
    nonce: randomBytes(16).toString('hex'),
    issued_at: Timestamp.fromEpochMillis((options.now ?? Date.now)()),
  });
}

/** Type-check an envelope from parsed JSON. Unknown fields are ignored, as in the reference. */
export function envelopeFromJson(value: unknown): CapabilityTokenEnvelope {
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

/** Parse an envelope from wire JSON (lossless, bounded). Throws PayloadValidationError. */
export function parseCapabilityTokenEnvelope(
  input: string | Uint8Array,
  limits: Partial<JsonLimits> = {},
): CapabilityTokenEnvelope {
  return envelopeFromJson(parseJson(input, limits));
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

export interface EnvelopeVerification {
  readonly valid: boolean;
  readonly reason?: EnvelopeRejectionReason;
  /** The decoded leaf capability, when the envelope was accepted. */
  readonly capability?: DelegationCapability;
}

export interface CapabilityEnvelopeVerifierOptions extends CapabilityChainVerifierOptions {
  /** Remembers nonces. Required: without it every envelope could be replayed. */
  readonly replay: ReplayStore;
  /** Oldest accepted envelope, seconds (default 300). */
  readonly maxAgeSeconds?: number;
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

export interface CapabilityEnvelopeVerifier {
  verify(
    envelope: CapabilityTokenEnvelope | string | Uint8Array,
    options?: VerifyEnvelopeOptions,
  ): Promise<EnvelopeVerification>;
}

function reject(reason: EnvelopeRejectionReason): EnvelopeVerification {
  return Object.freeze({ valid: false, reason });
}

/** Build an envelope verifier; options are checked here (ConfigurationError). */
export function createCapabilityEnvelopeVerifier(
  options: CapabilityEnvelopeVerifierOptions,
): CapabilityEnvelopeVerifier {
  const chainVerifier = createCapabilityChainVerifier(options);
  const replay = options.replay;
  if (replay === undefined || replay === null || typeof replay.checkAndStore !== 'function') {
    throw new ConfigurationError('replay: a ReplayStore is required');
  }
  const maxAgeSeconds = options.maxAgeSeconds ?? DEFAULT_ENVELOPE_MAX_AGE_SECONDS;
  if (!Number.isFinite(maxAgeSeconds) || maxAgeSeconds <= 0)
    throw new ConfigurationError('maxAgeSeconds: must be positive');
  const maxAgeMs = maxAgeSeconds * 1000;
  const now = options.now ?? Date.now;
  const decodeOptions =
    options.maxTokenLength === undefined ? {} : { maxTokenLength: options.maxTokenLength };
  const events = checkEventPort(options.events);

  function rejected(reason: EnvelopeRejectionReason, leaf?: DelegationCapability): EnvelopeVerification {
    events?.emit('capability_chain_rejected', {
      capability_id: leaf?.capability_id ?? null,
      issuer_agent: leaf?.issuer_agent ?? null,
      reason,
    });
    return reject(reason);
  }

  return Object.freeze({
    async verify(
      input: CapabilityTokenEnvelope | string | Uint8Array,
      verifyOptions: VerifyEnvelopeOptions = {},
    ): Promise<EnvelopeVerification> {
      let envelope: CapabilityTokenEnvelope;
      try {
        envelope =
          typeof input === 'string' || input instanceof Uint8Array
            ? parseCapabilityTokenEnvelope(input)
            : envelopeFromJson(input);
      } catch (error) {
        if (error instanceof PayloadValidationError) return rejected('malformed_envelope');
        throw error;
      }
      if (envelope.issued_at.isNaive) return rejected('naive_timestamp');
      const nowMs = now();
      const ageMs = nowMs - envelope.issued_at.epochMillis;
      if (ageMs < 0) return rejected('envelope_in_future');
      if (ageMs > maxAgeMs) return rejected('envelope_expired');
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
      if (!verified.valid) return reject(verified.reason ?? 'malformed_envelope');
      // Last, and only for an otherwise acceptable envelope: a garbage envelope cannot burn a nonce.
      // Scoped to the holder (the leaf's subject); kept for as long as the envelope could be accepted.
      let fresh: boolean;
      try {
        fresh = await replay.checkAndStore(
          `capability-envelope:${JSON.stringify([leaf.subject_agent, envelope.nonce])}`,
          maxAgeMs - ageMs + 1000,
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
      if (!fresh) return rejected('replayed_nonce', leaf);
      return Object.freeze({ valid: true, capability: leaf });
    },
  });
}
