/**
 * Step hooks: where a gate's time goes, step by step — what OpenTelemetry spans and metrics are built
 * on. A hook is called synchronously around every step (including `parse`) and once per decision; it
 * must be cheap. A hook that throws is isolated and counted (`gate.stats.hookErrors`): it never
 * changes a decision.
 */
import type { SignedTaskPacket } from '../packet/types.js';
import type { GateDecision, RejectReason } from './decision.js';

/** One decision as the hooks see it: the same object for every hook call of that decision. */
export interface GateCall {
  /** Increases by one per `handle` call of this gate. */
  readonly id: number;
  /** `performance.now()` when `handle` was called. */
  readonly startedAt: number;
  /** The parsed packet (untrusted until the decision is ACCEPT); undefined before and after a failed parse. */
  readonly packet: SignedTaskPacket | undefined;
}

/** How one step ended. */
export interface StepReport {
  /** The step's name (`parse` for parsing the input). */
  readonly step: string;
  readonly outcome: 'pass' | 'reject';
  /** Set when the step rejected. */
  readonly reason?: RejectReason;
  /** Wall time of the step, milliseconds (`performance.now()` resolution). */
  readonly durationMs: number;
}

export interface GateHooks {
  /** Before each step runs, in order. */
  readonly beforeStep?: (call: GateCall, step: string) => void;
  /** After each step ran (a rejecting step is the last one of its decision). */
  readonly afterStep?: (call: GateCall, report: StepReport) => void;
  /** Once per decision, after the last step. `latencyMs` is the time since `handle` was called. */
  readonly afterDecision?: (call: GateCall, decision: GateDecision, latencyMs: number) => void;
}
