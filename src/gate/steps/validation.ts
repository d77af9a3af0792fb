/**
 * SPEC §4 validation (time window, issuance skew, human review, AI provenance, TTL policy, maximum
 * lifetime, expiry with the overlap window), through the packet module's validator so the reasons are
 * the reference's. Runs only after the signature verified: no time is spent on forged packets.
 */
import { ConfigurationError } from '../../errors.js';
import type { PacketValidator, ValidationVerdict } from '../../packet/validate.js';
import type { GateStep, HandoffContext, StepResult } from '../context.js';

export interface ValidationStepOptions {
  /** A `PacketValidator` (the gate builds one from its options). */
  readonly validator: PacketValidator;
}

export function validationStep(options: ValidationStepOptions): GateStep {
  const validator = options.validator;
  if (validator === undefined || typeof validator.validate !== 'function') {
    throw new ConfigurationError('validation step needs a validator (a PacketValidator)');
  }
  // A PacketValidator answers synchronously when no hook is consulted.
  const evaluate =
    typeof validator.evaluate === 'function'
      ? validator.evaluate.bind(validator)
      : validator.validate.bind(validator);
  return {
    name: 'validation',
    check(ctx: HandoffContext): StepResult | Promise<StepResult> {
      const approvals = ctx.envelope.approvals;
      const out = approvals === undefined ? evaluate(ctx.packet) : evaluate(ctx.packet, { approvals });
      return typeof (out as Partial<Promise<ValidationVerdict>>).then === 'function'
        ? (out as Promise<ValidationVerdict>).then((result) => outcome(ctx, result))
        : outcome(ctx, out as ValidationVerdict);
    },
  };
}

function outcome(ctx: HandoffContext, result: ValidationVerdict): StepResult {
  if (result.ok) return undefined;
  const packet = ctx.packet;
  // A verdict without a reason is a broken validator: fail closed under the generic reason.
  const reason = typeof result.reason === 'string' ? result.reason : undefined;
  return {
    reason: reason ?? 'gate_error',
    details: {
      reason: reason ?? null,
      issued_at: packet.issued_at.toCanonical(),
      expires_at: packet.expires_at === null ? null : packet.expires_at.toCanonical(),
    },
  };
}
