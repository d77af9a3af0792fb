/**
 * Delegation policies (SPEC §6): `(capability, action) → { ok: true } | { ok: false, reason }`, applied
 * by the executor to every capability in a verified chain. A policy may be async; one that throws, or
 * answers anything but a decision, denies.
 */
import type { DelegationCapability } from './types.js';

/** A policy's answer for one capability and action. */
export type PolicyDecision = { readonly ok: true } | { readonly ok: false; readonly reason: string };

export type CapabilityPolicy = (
  capability: DelegationCapability,
  action: string,
) => PolicyDecision | Promise<PolicyDecision>;

const ALLOW: PolicyDecision = Object.freeze({ ok: true });

/** Allows everything (the reference's default when no policy is given and strict mode is off). */
export const allowAllPolicy: CapabilityPolicy = () => ALLOW;

/** Denies the named actions with reason `policy_denied:<action>`, allows everything else. */
export function denyActionPolicy(...actions: readonly string[]): CapabilityPolicy {
  const denials = new Map(
    actions.map((action): [string, PolicyDecision] => [
      action,
      Object.freeze({ ok: false, reason: `policy_denied:${action}` }),
    ]),
  );
  return (_capability, action) => denials.get(action) ?? ALLOW;
}

/** The reference's `deny_file_write_policy`. */
export const denyFileWritePolicy: CapabilityPolicy = denyActionPolicy('file_write');
