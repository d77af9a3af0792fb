/**
 * `trusthandoff/boundaries`: network-aware trust boundaries. A boundary policy (data: JSON or YAML)
 * says what a packet must satisfy to cross into each boundary — lifetime, delegation depth, signed
 * approvals, a capability chain from given roots, intents, actions, data boundaries — matched by the
 * sender's agent-id group, a registry namespace, or the transport it arrived on. The gate enforces it
 * as one step (`new HandoffGate({ boundaries: { policy } })`); see docs/boundaries.md.
 */
export {
  BOUNDARY_POLICY_VERSION,
  MAX_POLICY_LIST_LENGTH,
  MAX_POLICY_STRING_LENGTH,
  parseBoundaryPolicy,
  type Boundary,
  type BoundaryApprovals,
  type BoundaryMatch,
  type BoundaryPolicy,
  type BoundaryRequirements,
  type BoundaryTrustedRoot,
} from './policy.js';
export {
  MAX_POLICY_BYTES,
  boundaryPolicyFormatOf,
  loadBoundaryPolicy,
  parseBoundaryPolicyText,
  type BoundaryPolicyFormat,
} from './load.js';
export {
  BOUNDARY_REASONS,
  boundaryStep,
  type BoundaryReasonStrings,
  type BoundaryStepOptions,
  type BoundaryStepReason,
} from './step.js';
export { BoundaryPolicyError } from '../errors.js';
export type { Arrival } from '../gate/context.js';
export type { GateBoundaryOptions, HandleOptions } from '../gate/handoff-gate.js';
