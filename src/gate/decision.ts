/**
 * The gate's verdict (SPEC §3 `PacketDecision`) and the reason strings it can carry. Reason strings
 * are protocol: Sentinel and cross-language dashboards match on them, so they never change.
 */
import { cutString as cut, sanitizeDetails } from '../lib/sanitize.js';

import type { DelegationCapability } from '../capability/types.js';
import type { ValidationReason } from '../packet/validate.js';
import type { CapabilityStepReason } from './steps/capability.js';
import type { BoundaryStepReason } from '../boundaries/step.js';
import type { DelegationChain, SignedTaskPacket } from '../packet/types.js';

export type DecisionKind = 'ACCEPT' | 'REJECT';

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
  readonly storeStateLost: 'store_state_lost';
  readonly replayStoreFull: 'replay_store_full';
  readonly gateError: 'gate_error';
  readonly intentMismatch: 'intent_mismatch';
  readonly taskTypeMismatch: 'task_type_mismatch';
  readonly toolCallMissing: 'tool_call_missing';
  readonly toolNameMismatch: 'tool_name_mismatch';
  readonly toolArgumentsMismatch: 'tool_arguments_mismatch';
  readonly expectationInvalid: 'expectation_invalid';
}

/**
 * Every reason the built-in steps produce. The reference's strings (`Invalid signature`, `Replay
 * detected`, `Delegation depth exceeded`, `Packet verified and valid`, `Task executed`, and the
 * validation reasons) are protocol and never change; the others are this implementation's own.
 */
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
  /** The shared store lost its state (epoch marker missing or changed): no ACCEPT until re-armed. */
  storeStateLost: 'store_state_lost',
  /** The memory replay store holds `maxEntries` live nonces: sized too small for the accept rate. */
  replayStoreFull: 'replay_store_full',
  gateError: 'gate_error',
  intentMismatch: 'intent_mismatch',
  taskTypeMismatch: 'task_type_mismatch',
  toolCallMissing: 'tool_call_missing',
  toolNameMismatch: 'tool_name_mismatch',
  toolArgumentsMismatch: 'tool_arguments_mismatch',
  expectationInvalid: 'expectation_invalid',
});

/** Why an accepted packet was accepted: by the gate, or by the executor after its task ran. */
export type AcceptReason = ReasonStrings['accepted'] | ReasonStrings['taskExecuted'];

/** Why the revalidation watcher marked an accepted packet stale (an executor's REJECT after the task). */
export type StaleReason =
  | 'revalidation_failed'
  | 'expired_by_revalidation_watcher'
  | 'capability_stale'
  | 'invalidated'
  | `revalidation_exception:${string}`;

/**
 * A reason a custom step (`extraSteps`) rejects with. The prefix keeps your reasons apart from the
 * library's, so a dashboard never mistakes one for the other.
 */
export type CustomRejectReason = `custom:${string}`;

/**
 * Every reason a REJECT can carry: the gate's own, validation's (SPEC §4), the capability step's, the
 * boundary step's (`boundary_…`), the revalidation watcher's (through the executor), and your custom steps' (`custom:…`).
 */
export type RejectReason =
  | Exclude<ReasonStrings[keyof ReasonStrings], AcceptReason>
  | ValidationReason
  | CapabilityRejectReason
  | BoundaryStepReason
  | StaleReason
  | CustomRejectReason;

/** The capability step's reasons (see `capabilityStep`). */
export type CapabilityRejectReason = CapabilityStepReason;

/** An ACCEPT: carries the packet (and chain) the gate verified, so nobody needs to look it up again. */
export interface AcceptDecision {
  readonly packet_id: string;
  readonly decision: 'ACCEPT';
  readonly reason: AcceptReason;
  readonly details?: undefined;
  /** The verified packet: frozen, checked, signed by the sender's registered key. */
  readonly packet: SignedTaskPacket;
  readonly chain: DelegationChain;
  /** The capability chain (root first) the capability step verified for this packet, when configured. */
  readonly capabilities?: readonly DelegationCapability[];
  /** Set by an executor that signs its result (see `TaskExecutor`'s `attest`). */
  readonly execution_attestation?: unknown;
}

/** A REJECT: a reason from {@link RejectReason} and sanitized details. Never carries a packet. */
export interface RejectDecision {
  /** The packet's id, or null when the input held no readable packet id. Untrusted when REJECTed. */
  readonly packet_id: string | null;
  readonly decision: 'REJECT';
  readonly reason: RejectReason;
  readonly details?: Readonly<Record<string, unknown>>;
}

/**
 * The gate's verdict (SPEC §3 `PacketDecision`), a union on `decision`. Immutable. `JSON.stringify`
 * gives the SPEC shape `{packet_id, decision, reason, details?, execution_attestation?}` — the
 * packet an ACCEPT carries is left out (it is large and may hold the task's context).
 */
export type GateDecision = AcceptDecision | RejectDecision;

// One class for every decision this module makes: a shared `toJSON` (the SPEC shape, without the
// packet), and a private field that proves where a decision came from — unlike a flag, it cannot be
// set from outside, and it does not travel to copies.
class Decision {
  readonly #madeHere = true;
  declare packet_id: string | null;
  declare decision: DecisionKind;
  declare reason: string;
  declare details?: Readonly<Record<string, unknown>>;
  declare packet?: SignedTaskPacket;
  declare chain?: DelegationChain;
  declare capabilities?: readonly DelegationCapability[];
  declare execution_attestation?: unknown;

  static isMadeHere(value: object): boolean {
    return #madeHere in value;
  }

  toJSON(): Record<string, unknown> {
    const out: Record<string, unknown> = {
      packet_id: this.packet_id,
      decision: this.decision,
      reason: this.reason,
    };
    if (this.details !== undefined) out['details'] = this.details;
    if (this.execution_attestation !== undefined) out['execution_attestation'] = this.execution_attestation;
    return out;
  }
}

/** A frozen REJECT; the reason is cut to 256 characters and details are sanitized. */
export function rejectDecision(
  packetId: string | null,
  reason: RejectReason,
  details?: Readonly<Record<string, unknown>>,
): RejectDecision {
  const out = new Decision();
  out.packet_id = packetId;
  out.decision = 'REJECT';
  out.reason = cut(reason, MAX_REASON_LENGTH);
  if (details !== undefined) out.details = sanitizeDetails(details);
  return Object.freeze(out) as unknown as RejectDecision;
}

/** A frozen ACCEPT for a packet a gate verified. Only the gate and its executor make these. */
export function acceptDecision(
  packet: SignedTaskPacket,
  chain: DelegationChain,
  reason: AcceptReason,
  capabilities?: readonly DelegationCapability[],
  executionAttestation?: unknown,
): AcceptDecision {
  const out = new Decision();
  out.packet_id = packet.packet_id;
  out.decision = 'ACCEPT';
  out.reason = reason;
  out.packet = packet;
  out.chain = chain;
  if (capabilities !== undefined) out.capabilities = capabilities;
  if (executionAttestation !== undefined) out.execution_attestation = executionAttestation;
  return Object.freeze(out) as unknown as AcceptDecision;
}

/**
 * True only for an ACCEPT a gate (or its executor) of this library made: proof that a component
 * receiving the decision can rely on, where a boolean flag could be set by anyone. A copy (spread,
 * JSON round trip, structuredClone) is not proof.
 */
export function isAcceptDecision(value: unknown): value is AcceptDecision {
  return (
    typeof value === 'object' &&
    value !== null &&
    Decision.isMadeHere(value) &&
    (value as { decision?: unknown }).decision === 'ACCEPT'
  );
}

// Moved to src/lib/ so the event hub shares it without importing the gate; re-exported here.
export { sanitizeDetails };

/** Longest reason a decision keeps (SPEC §3). */
export const MAX_REASON_LENGTH = 256;
