/**
 * The gate as data: one ordered list of steps, built from the gate's options by {@link buildSteps}.
 *
 *   audience → key binding → signature → validation → chain → expectations → revocation →
 *   capability → boundary → your extra steps → replay (check-and-store, last)
 *
 * Everything that can be checked without remembering anything comes before the one step that writes
 * (replay), so forged, misaddressed, mismatched, expired or revoked packets never spend a nonce.
 *
 * The one-call admission store is an optimisation of the same list, not a second list: when the
 * registry can combine itself with the replay and revocation stores, {@link toAdmissionPath} turns
 * the key-binding step into "verify against the declared key", drops the revocation step, and lets
 * one admission call confirm the key binding, check revocations and store the nonce atomically at the
 * end. Every step in between that rejects first asks the checks the admission call deferred (key
 * binding, and revocation for steps that come after it) so reasons follow the order above on both
 * paths.
 */
import type { GateStep, HandoffContext, StepRejection, StepResult } from './context.js';
import { REGISTRY_UNAVAILABLE } from './steps/key-binding.js';

/** The role of a step in the list; the admission transform treats the roles differently. */
export type StepRole = 'local' | 'key-binding' | 'revocation' | 'replay';

export interface PlannedStep {
  readonly step: GateStep;
  readonly role: StepRole;
}

/** The parts of a gate's pipeline, in the order they run (absent parts are skipped). */
export interface PipelineParts {
  readonly audience: GateStep;
  readonly keyBinding: GateStep;
  readonly signature: GateStep;
  readonly validation: GateStep;
  readonly chain: GateStep;
  readonly expectations: GateStep;
  readonly revocation?: GateStep;
  readonly capability?: GateStep;
  /** The trust-boundary step (`boundaries` option): after the capability step, whose chain it may read. */
  readonly boundary?: GateStep;
  readonly extraSteps: readonly GateStep[];
  readonly replay: GateStep;
}

/** The per-store step list: each step consults its own store. */
export function buildSteps(parts: PipelineParts): readonly PlannedStep[] {
  const planned: PlannedStep[] = [
    { step: parts.audience, role: 'local' },
    { step: parts.keyBinding, role: 'key-binding' },
    { step: parts.signature, role: 'local' },
    { step: parts.validation, role: 'local' },
    { step: parts.chain, role: 'local' },
    { step: parts.expectations, role: 'local' },
  ];
  if (parts.revocation !== undefined) planned.push({ step: parts.revocation, role: 'revocation' });
  if (parts.capability !== undefined) planned.push({ step: parts.capability, role: 'local' });
  if (parts.boundary !== undefined) planned.push({ step: parts.boundary, role: 'local' });
  for (const step of parts.extraSteps) planned.push({ step, role: 'local' });
  planned.push({ step: parts.replay, role: 'replay' });
  return planned;
}

export interface AdmissionPathParts {
  /** Imports the key the packet declares (its signature is checked next), without the registry. */
  readonly declaredKey: GateStep;
  /** Key binding, revocation and replay in one atomic store call. */
  readonly admission: GateStep;
}

/**
 * The same list on the admission path, or undefined when a step needs a registry-confirmed key
 * before it runs ({@link GateStep.requiresBoundKey}).
 */
export function toAdmissionPath(
  planned: readonly PlannedStep[],
  parts: AdmissionPathParts,
): readonly GateStep[] | undefined {
  if (planned.some((p) => p.step.requiresBoundKey === true)) return undefined;
  const steps: GateStep[] = [];
  const deferred: GateStep[] = [];
  for (const { step, role } of planned) {
    switch (role) {
      case 'key-binding':
        steps.push(parts.declaredKey);
        deferred.push(step);
        break;
      case 'revocation':
        deferred.push(step);
        break;
      case 'replay':
        steps.push(parts.admission);
        break;
      case 'local':
        steps.push(deferred.length === 0 ? step : deferredFirst(step, [...deferred]));
        break;
    }
  }
  return steps;
}

/**
 * `step`, except that when it rejects, the `deferred` checks (which the per-store path runs before
 * it) are asked first, in order, and the first of their rejections wins. The accept path costs
 * nothing extra.
 */
export function deferredFirst(step: GateStep, deferred: readonly GateStep[]): GateStep {
  const settle = (ctx: HandoffContext, rejection: StepRejection): StepResult | Promise<StepResult> =>
    firstRejection(ctx, deferred, 0, rejection);
  return {
    name: step.name,
    check(ctx: HandoffContext): StepResult | Promise<StepResult> {
      const out = step.check(ctx);
      if (out === undefined) return undefined;
      if (out instanceof Promise)
        return out.then((result) => (result === undefined ? undefined : settle(ctx, result)));
      return settle(ctx, out);
    },
  };
}

/** The first rejection among `checks[from…]`, else `fallback`. The context's key is left as it was. */
export function firstRejection(
  ctx: HandoffContext,
  checks: readonly GateStep[],
  from: number,
  fallback: StepRejection,
): StepResult | Promise<StepResult> {
  const key = ctx.key;
  const keyBound = ctx.keyBound;
  for (let i = from; i < checks.length; i++) {
    let out: StepResult | Promise<StepResult>;
    try {
      out = checks[i]!.check(ctx);
    } catch {
      out = REGISTRY_UNAVAILABLE;
    }
    if (out instanceof Promise) {
      return out.then(
        (result) => {
          if (result !== undefined) return restore(ctx, key, keyBound, result);
          return firstRejection(ctx, checks, i + 1, fallback);
        },
        () => restore(ctx, key, keyBound, REGISTRY_UNAVAILABLE),
      );
    }
    if (out !== undefined) return restore(ctx, key, keyBound, out);
  }
  return restore(ctx, key, keyBound, fallback);
}

function restore(
  ctx: HandoffContext,
  key: HandoffContext['key'],
  keyBound: boolean,
  result: StepRejection,
): StepRejection {
  ctx.key = key;
  ctx.keyBound = keyBound;
  return result;
}
