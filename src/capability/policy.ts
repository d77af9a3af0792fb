/**
 * Delegation policies (SPEC §6): `(capability, action) → [allowed, reason?]`, applied by the executor to
 * every capability in a verified chain. A policy may be async; one that throws denies.
 */
import type { DelegationCapability } from './types.js';

export type PolicyDecision = readonly [allowed: boolean, reason?: string | null];

export type CapabilityPolicy = (
  capability: DelegationCapability,
  action: string,
) => PolicyDecision | Promise<PolicyDecision>;

const ALLOW: PolicyDecision = Object.freeze([true, null] as const);

/** Allows everything (the reference's default when no policy is given and strict mode is off). */
export const allowAllPolicy: CapabilityPolicy = () => ALLOW;

/** Denies the named actions with reason `policy_denied:<action>`, allows everything else. */
export function denyActionPolicy(...actions: readonly string[]): CapabilityPolicy {
  const denied = new Set(actions);
  return (_capability, action) => (denied.has(action) ? [false, `policy_denied:${action}`] : ALLOW);
}

/** The reference's `deny_file_write_policy`. */
export const denyFileWritePolicy: CapabilityPolicy = denyActionPolicy('file_write');
