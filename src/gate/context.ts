/**
 * What a gate step sees and returns. A step is a small object made once by a factory (options checked
 * there); per request the gate only calls `check(ctx)`. A step returns `undefined` to let the packet
 * through, or a {@link StepRejection}; it may return either synchronously, which saves a microtask
 * on the hot path.
 */
import type { DelegationCapability } from '../capability/types.js';
import type { PublicKey } from '../identity/keys.js';
import type { DelegationChain, DelegationEnvelope, SignedTaskPacket } from '../packet/types.js';
import type { RejectReason } from './decision.js';
import type { CallExpectations } from './expectations.js';

/** An envelope as the gate reads it: `{packet, chain}` plus signed human approvals carried beside. */
export interface GateEnvelope extends DelegationEnvelope {
  /** Signed human approvals (see `issueApproval`). Untrusted until the approval check verifies them. */
  readonly approvals?: readonly unknown[];
  /**
   * The packet's capability chain as tokens, root first, ending with exactly the packet's own
   * `capability_token` (which the sender signed). Unsigned: every link is verified by the capability
   * step. Absent means the token alone is the chain. See `capabilityStep`.
   */
  readonly capability_chain?: readonly string[];
}

/**
 * How the packet reached this gate, as the caller knows it (`handle(input, { arrival })`): the
 * transport it came in on, and optionally the trust boundary the caller received it through (a
 * listener bound to the partner network, say). Trust boundaries match on it; see
 * `trusthandoff/boundaries`. It is the caller's word, never read from the packet.
 */
export interface Arrival {
  /** The transport the packet arrived on, e.g. `mcp`, `http`, `nats`, `in-process`. */
  readonly transport?: string;
  /** The name of the boundary the packet crossed into; its requirements then apply. */
  readonly boundary?: string;
}

export interface StepRejection {
  readonly reason: RejectReason;
  readonly details?: Readonly<Record<string, unknown>>;
}

export type StepResult = StepRejection | undefined;

export interface GateStep {
  /** For diagnostics, step hooks, events and `gate.stepNames`. */
  readonly name: string;
  check(ctx: HandoffContext): StepResult | Promise<StepResult>;
  /**
   * Set when the step must only ever see a sender key already confirmed by the registry. With the
   * one-call admission store the registry confirms the key atomically at the end, so a gate with such
   * a step uses the per-store path instead (key binding first, one store call per check).
   */
  readonly requiresBoundKey?: boolean;
}

/** Per-request state shared by the steps of one decision. */
export class HandoffContext {
  readonly envelope: GateEnvelope;
  readonly packet: SignedTaskPacket;
  readonly chain: DelegationChain;
  /** Gate clock (epoch ms) when the request arrived; every step judges time against this instant. */
  readonly receivedAtMs: number;
  /**
   * The sender's key: set by the key-binding step (the registry's key, or the self-declared one if
   * opted in), or on the admission path the key the packet declares, confirmed by the registry only
   * in the final admission call — see {@link keyBound}.
   */
  key: PublicKey | undefined = undefined;
  /** True once `key` is known to be the registered key of `from_agent` (or trusted by opt-in). */
  keyBound = false;
  /** How many requests were in flight when this one started (this one included). */
  readonly inFlight: number;
  /** What the caller said this call must be (`handle(input, { expect })`). */
  readonly expect: CallExpectations | undefined;
  /** How the packet arrived (`handle(input, { arrival })`), for trust boundaries. */
  readonly arrival: Arrival | undefined;
  /** The capability chain (root first) the capability step verified, when one is configured. */
  capabilities: readonly DelegationCapability[] | undefined = undefined;

  constructor(
    envelope: GateEnvelope,
    receivedAtMs: number,
    inFlight: number,
    expect: CallExpectations | undefined,
    arrival?: Arrival,
  ) {
    this.envelope = envelope;
    this.packet = envelope.packet;
    this.chain = envelope.chain;
    this.receivedAtMs = receivedAtMs;
    this.inFlight = inFlight;
    this.expect = expect;
    this.arrival = arrival;
  }
}

/** Frozen rejection without details; allocate once per step, not per request. */
export function rejection(reason: RejectReason): StepRejection {
  return Object.freeze({ reason });
}
