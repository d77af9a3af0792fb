/**
 * The gate's verdict (SPEC §3 `PacketDecision`) and the reason strings it can carry. Reason strings
 * are protocol: Sentinel and cross-language dashboards match on them, so they never change.
 */
import { JsonFloat, isPlainObject } from '../wire/json-value.js';
import { Timestamp } from '../wire/timestamp.js';

export type DecisionKind = 'ACCEPT' | 'REJECT';

/** Immutable. `reason` is at most 256 characters; `details` is sanitized (see {@link sanitizeDetails}). */
export interface PacketDecision {
  /** The packet's id, or null when the input held no readable packet id. */
  readonly packet_id: string | null;
  readonly decision: DecisionKind;
  readonly reason?: string;
  readonly details?: Readonly<Record<string, unknown>>;
  /** Set by an executor that signs its result (see `createExecutor`'s `attest`). */
  readonly execution_attestation?: unknown;
}

export interface ReasonStrings {
  readonly accepted: 'Packet verified and valid';
  readonly taskExecuted: 'Task executed';
  readonly malformedEnvelope: 'malformed_envelope';
  readonly wrongAudience: 'wrong_audience';
  readonly publicKeyMismatch: 'public_key_mismatch';
  readonly registryUnavailable: 'registry_unavailable';
  readonly invalidSignature: 'Invalid signature';
  readonly depthExceeded: 'Delegation depth exceeded';
  readonly chainMismatch: 'chain_mismatch';
  readonly chainDepthMismatch: 'chain_depth_mismatch';
  readonly delegationLoop: 'delegation_loop_detected';
  readonly chainWidened: 'delegation_chain_widened';
  readonly agentRevoked: 'agent_revoked';
  readonly capabilityRevoked: 'capability_revoked';
  readonly malformedCapabilityToken: 'malformed_capability_token';
  readonly revocationStoreUnavailable: 'revocation_store_unavailable';
  readonly overlapWindowUnavailable: 'overlap_window_unavailable';
  readonly approvalCheckUnavailable: 'approval_check_unavailable';
  readonly replayDetected: 'Replay detected';
  readonly replayStoreUnavailable: 'replay_store_unavailable';
  readonly gateError: 'gate_error';
}

/** Every reason the built-in steps produce (custom steps may add their own). */
export const REASONS: ReasonStrings = Object.freeze({
  /** ACCEPT from the gate (the reference's wording). */
  accepted: 'Packet verified and valid',
  /** ACCEPT from the executor after the task ran. */
  taskExecuted: 'Task executed',
  malformedEnvelope: 'malformed_envelope',
  wrongAudience: 'wrong_audience',
  publicKeyMismatch: 'public_key_mismatch',
  registryUnavailable: 'registry_unavailable',
  invalidSignature: 'Invalid signature',
  depthExceeded: 'Delegation depth exceeded',
  chainMismatch: 'chain_mismatch',
  chainDepthMismatch: 'chain_depth_mismatch',
  delegationLoop: 'delegation_loop_detected',
  chainWidened: 'delegation_chain_widened',
  agentRevoked: 'agent_revoked',
  capabilityRevoked: 'capability_revoked',
  malformedCapabilityToken: 'malformed_capability_token',
  revocationStoreUnavailable: 'revocation_store_unavailable',
  overlapWindowUnavailable: 'overlap_window_unavailable',
  approvalCheckUnavailable: 'approval_check_unavailable',
  replayDetected: 'Replay detected',
  replayStoreUnavailable: 'replay_store_unavailable',
  gateError: 'gate_error',
});

export const MAX_REASON_LENGTH = 256;
const MAX_STRING = 256;
const MAX_KEY = 128;
const MAX_ITEMS = 20;
const MAX_DEPTH = 4;
const BYTES_PREVIEW = 16;

/**
 * SPEC §3 details sanitizing: strings cut at 256 characters, keys at 128, containers at 20 items,
 * depth 4, bytes as a short hex preview; functions, symbols and class instances become a type tag.
 * The result is frozen, JSON-serializable and safe to log.
 */
export function sanitizeDetails(
  details: Readonly<Record<string, unknown>>,
): Readonly<Record<string, unknown>> {
  return sanitizeObject(details, 1);
}

function sanitizeObject(
  object: Readonly<Record<string, unknown>>,
  depth: number,
): Readonly<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  let n = 0;
  for (const key in object) {
    if (!Object.hasOwn(object, key)) continue;
    if (n++ >= MAX_ITEMS) {
      out['…'] = `${Object.keys(object).length - MAX_ITEMS} more`;
      break;
    }
    out[cut(key, MAX_KEY)] = sanitizeValue(object[key], depth);
  }
  return Object.freeze(out);
}

function sanitizeValue(value: unknown, depth: number): unknown {
  switch (typeof value) {
    case 'string':
      return cut(value, MAX_STRING);
    case 'number':
    case 'boolean':
      return value;
    case 'bigint':
      return cut(value.toString(), MAX_STRING);
    case 'undefined':
      return null;
    case 'function':
    case 'symbol':
      return `<${typeof value}>`;
  }
  if (value === null) return null;
  if (value instanceof Uint8Array) {
    const hex = Buffer.from(
      value.buffer,
      value.byteOffset,
      Math.min(value.byteLength, BYTES_PREVIEW),
    ).toString('hex');
    return `<${value.byteLength} bytes ${hex}${value.byteLength > BYTES_PREVIEW ? '…' : ''}>`;
  }
  if (value instanceof JsonFloat) return value.value;
  if (value instanceof Timestamp) return value.toCanonical();
  if (depth >= MAX_DEPTH) return '<nested>';
  if (Array.isArray(value)) {
    const items: unknown[] = [];
    for (let i = 0; i < value.length && i < MAX_ITEMS; i++) items.push(sanitizeValue(value[i], depth + 1));
    if (value.length > MAX_ITEMS) items.push(`… ${value.length - MAX_ITEMS} more`);
    return Object.freeze(items);
  }
  if (isPlainObject(value)) return sanitizeObject(value, depth + 1);
  if (value instanceof Error) return `<${cut(value.name, MAX_KEY)}>`;
  return '<object>';
}

function cut(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** Build a frozen decision; the reason is cut to 256 characters and details are sanitized. */
export function createDecision(
  packetId: string | null,
  decision: DecisionKind,
  reason?: string,
  details?: Readonly<Record<string, unknown>>,
  executionAttestation?: unknown,
): PacketDecision {
  const out: {
    packet_id: string | null;
    decision: DecisionKind;
    reason?: string;
    details?: Readonly<Record<string, unknown>>;
    execution_attestation?: unknown;
  } = { packet_id: packetId, decision };
  if (reason !== undefined) out.reason = cut(reason, MAX_REASON_LENGTH);
  if (details !== undefined) out.details = sanitizeDetails(details);
  if (executionAttestation !== undefined) out.execution_attestation = executionAttestation;
  return Object.freeze(out);
}
