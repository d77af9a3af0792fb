/**
 * What a gate step sees and returns. A step is a small object made once by a factory (options checked
 * there); per request the gate only calls `check(ctx)`. A step returns `undefined` to let the packet
 * through, or a {@link StepRejection}; it may return either synchronously, which saves a microtask
 * on the hot path.
 */
import type { ImportedPublicKey } from '../identity/keys.js';
import type { DelegationChain, DelegationEnvelope, SignedTaskPacket } from '../packet/types.js';

/** An envelope as the gate reads it: `{packet, chain}` plus signed human approvals carried beside. */
export interface GateEnvelope extends DelegationEnvelope {
  /** Signed human approvals (see `createHumanApproval`). Untrusted until the approval check verifies them. */
  readonly approvals?: readonly unknown[];
}

/** What the audit collector is told (SPEC §4; the reference's three names plus `handoff_rejected`). */
export type AuditEventName =
  | 'handoff_accepted'
  | 'handoff_rejected_invalid_signature'
  | 'handoff_rejected_invalid_packet'
  | 'handoff_rejected';

export interface StepRejection {
  readonly reason: string;
  readonly details?: Readonly<Record<string, unknown>>;
  /** Audit event name (default `handoff_rejected`). */
  readonly audit?: AuditEventName;
}

export type StepResult = StepRejection | undefined;

export interface GateStep {
  /** For diagnostics and `middleware.stepNames`. */
  readonly name: string;
  check(ctx: HandoffContext): StepResult | Promise<StepResult>;
}

/** Per-request state shared by the steps of one decision. */
export class HandoffContext {
  readonly envelope: GateEnvelope;
  readonly packet: SignedTaskPacket;
  readonly chain: DelegationChain;
  /** Gate clock (epoch ms) when the request arrived; every step judges time against this instant. */
  readonly receivedAtMs: number;
  /** The sender's key, set by the key-binding step (registry key, or the self-declared one if opted in). */
  key: ImportedPublicKey | undefined = undefined;
  /** How many requests were in flight when this one started (this one included). */
  readonly inFlight: number;

  constructor(envelope: GateEnvelope, receivedAtMs: number, inFlight: number) {
    this.envelope = envelope;
    this.packet = envelope.packet;
    this.chain = envelope.chain;
    this.receivedAtMs = receivedAtMs;
    this.inFlight = inFlight;
  }
}

/** Frozen rejection without details; allocate once per step, not per request. */
export function rejection(reason: string, audit?: AuditEventName): StepRejection {
  return Object.freeze(audit === undefined ? { reason } : { reason, audit });
}
