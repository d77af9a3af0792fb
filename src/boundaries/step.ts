/**
 * The boundary step: "may this packet cross into the trust boundary it arrived at?" A boundary policy
 * (`./policy.ts`, pure data) names boundaries, matched by the sender's agent-id group, a registry
 * namespace, or the transport the caller says the packet arrived on (`handle(input, { arrival })`).
 * Every boundary a packet matches applies, in policy order; the first requirement it fails decides.
 * A packet that matches none is refused (`boundary_unmatched`) unless the policy's default is `allow`.
 *
 * It runs as one gate step after the built-in checks and the capability step, and before your extra
 * steps and the replay step: a refused packet never spends its nonce. The rules are the library's own,
 * each in its one place: lifetime (`lib/time-window`), depth (`packet/chain` `delegationDepth`, as the
 * chain step counts it), actions (`lib/permissions`), signed approvals (`ApprovalVerifier`), capability
 * chains (the capability step, with the boundary's trusted roots). Per boundary, cheapest first:
 *
 *   lifetime → depth → intent → actions → capability chain → data boundary → approvals
 *
 * Store failures fail closed with the library's existing reasons: `registry_unavailable` (a namespace
 * registry), `capability_store_unavailable`, `approval_check_unavailable`.
 */
import { ApprovalVerifier } from '../approval/verify.js';
import { DEFAULT_CHAIN_STORE_TIMEOUT_MS, type CapabilityChainVerifierOptions } from '../capability/chain.js';
import type { DelegationCapability } from '../capability/types.js';
import { BoundaryPolicyError, ConfigurationError } from '../errors.js';
import { checkEventPort } from '../events/check.js';
import type { EventPort } from '../events/types.js';
import type { Arrival, GateStep, HandoffContext, StepRejection, StepResult } from '../gate/context.js';
import { REASONS } from '../gate/decision.js';
import { withDeadline } from '../gate/store-guard.js';
import { CAPABILITY_REASONS, capabilityStep } from '../gate/steps/capability.js';
import { permissionWidening } from '../lib/permissions.js';
import { exceedsLifetime } from '../lib/time-window.js';
import { delegationDepth } from '../packet/chain.js';
import type { AgentRegistry, RevocationStore } from '../stores/types.js';
import { isPlainObject } from '../wire/json-value.js';
import { parseBoundaryPolicy, type Boundary, type BoundaryPolicy } from './policy.js';

/** The boundary step's REJECT reasons. Stable strings: match on them, never on messages. */
export interface BoundaryReasonStrings {
  /** The packet crosses into no boundary and the policy's default is `deny`; or `arrival` is unusable. */
  readonly unmatched: 'boundary_unmatched';
  /** `expires_at − issued_at` is longer than the boundary's `maxLifetimeSeconds`. */
  readonly lifetimeExceeded: 'boundary_lifetime_exceeded';
  /** The delegation is deeper than the boundary's `maxDelegationDepth`. */
  readonly depthExceeded: 'boundary_depth_exceeded';
  /** `packet.intent` is not in the boundary's `allowedIntents`. */
  readonly intentNotAllowed: 'boundary_intent_not_allowed';
  /** The packet grants an action outside the boundary's `allowedActions`. */
  readonly actionNotAllowed: 'boundary_action_not_allowed';
  /** No capability chain from the boundary's trusted roots authorizes the packet. */
  readonly capabilityRequired: 'boundary_capability_required';
  /** The packet's or its capability's data boundary is not allowed, or none is declared. */
  readonly dataNotAllowed: 'boundary_data_not_allowed';
  /** The signed approvals the boundary requires are not there. */
  readonly approvalMissing: 'boundary_approval_missing';
}

export const BOUNDARY_REASONS: BoundaryReasonStrings = Object.freeze({
  unmatched: 'boundary_unmatched',
  lifetimeExceeded: 'boundary_lifetime_exceeded',
  depthExceeded: 'boundary_depth_exceeded',
  intentNotAllowed: 'boundary_intent_not_allowed',
  actionNotAllowed: 'boundary_action_not_allowed',
  capabilityRequired: 'boundary_capability_required',
  dataNotAllowed: 'boundary_data_not_allowed',
  approvalMissing: 'boundary_approval_missing',
});

/** Every reason the boundary step rejects with of its own (folded into the gate's `RejectReason`). */
export type BoundaryStepReason = BoundaryReasonStrings[keyof BoundaryReasonStrings];

export interface BoundaryStepOptions {
  /** The policy: a parsed {@link BoundaryPolicy}, or any value `parseBoundaryPolicy` accepts. */
  readonly policy: unknown;
  /** The approver registry; required when a boundary has `requiredApprovals`. */
  readonly approvers?: AgentRegistry;
  /** Registry namespaces by name; every namespace a boundary matches on must be here. */
  readonly namespaces?: Readonly<Record<string, AgentRegistry>>;
  /** Binds capability issuers to their keys (as the capability step); pass the gate's. */
  readonly registry?: AgentRegistry;
  /** Revoked capability ids (as the capability step); pass the gate's. */
  readonly revocationStore?: RevocationStore;
  /** Clock in epoch milliseconds (default `Date.now`); pass the gate's. */
  readonly now?: () => number;
  /** Clock tolerances for capability links, seconds (defaults from the environment, as the capability step). */
  readonly issuanceSkewSeconds?: number;
  readonly expiryGraceSeconds?: number;
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Deadline for each store call, ms (default 2000). */
  readonly storeTimeoutMs?: number;
  /** Where `boundary_satisfied` / `boundary_refused` go (and the approval and chain verifiers' events). */
  readonly events?: EventPort;
}

interface CompiledBoundary {
  readonly boundary: Boundary;
  readonly agents: ReadonlySet<string> | undefined;
  readonly prefixes: readonly string[] | undefined;
  readonly transports: ReadonlySet<string> | undefined;
  readonly namespaces: readonly string[] | undefined;
  readonly maxLifetimeMicros: number | undefined;
  readonly intents: ReadonlySet<string> | undefined;
  readonly dataBoundaries: ReadonlySet<string> | undefined;
  readonly capability: GateStep | undefined;
  readonly approvals: ApprovalRequirement | undefined;
}

interface ApprovalRequirement {
  readonly verifier: ApprovalVerifier;
  readonly approvers: ReadonlySet<string> | undefined;
  readonly count: number;
}

/** Longest `arrival.transport` / `arrival.boundary` looked at; anything longer matches nothing. */
const MAX_ARRIVAL_LENGTH = 256;
const INVALID_ARRIVAL: StepRejection = Object.freeze({
  reason: BOUNDARY_REASONS.unmatched,
  details: Object.freeze({ detail: 'invalid_arrival' }),
});

/**
 * The boundary step (`new HandoffGate({ boundaries })` builds one with the gate's stores, clock and
 * events; or pass it in `extraSteps`). The policy and options are checked here: BoundaryPolicyError
 * for the policy, ConfigurationError for a missing collaborator (approver registry, namespace).
 */
export function boundaryStep(options: BoundaryStepOptions): GateStep {
  if (options === null || typeof options !== 'object')
    throw new ConfigurationError('boundary step options are required');
  const policy: BoundaryPolicy = parseBoundaryPolicy(options.policy);
  const timeoutMs = options.storeTimeoutMs ?? DEFAULT_CHAIN_STORE_TIMEOUT_MS;
  if (typeof timeoutMs !== 'number' || !(timeoutMs > 0))
    throw new ConfigurationError('storeTimeoutMs must be > 0');
  const events = checkEventPort(options.events);
  const namespaces = readNamespaces(options.namespaces);
  const byName = new Map<string, CompiledBoundary>();
  const compiled = policy.boundaries.map((boundary, index) => {
    const c = compile(boundary, index, options, namespaces, timeoutMs);
    byName.set(boundary.name, c);
    return c;
  });
  const denyUnmatched = policy.default === 'deny';

  function refuse(ctx: HandoffContext, boundary: string | null, rejection: StepRejection): StepRejection {
    events?.emit('boundary_refused', {
      packet_id: ctx.packet.packet_id,
      from_agent: ctx.packet.from_agent,
      transport: transportOf(ctx.arrival),
      boundary,
      reason: rejection.reason,
    });
    return rejection;
  }

  function satisfied(ctx: HandoffContext, crossed: readonly CompiledBoundary[]): void {
    events?.emit('boundary_satisfied', {
      packet_id: ctx.packet.packet_id,
      from_agent: ctx.packet.from_agent,
      transport: transportOf(ctx.arrival),
      boundaries: crossed.map((c) => c.boundary.name),
    });
  }

  // Requirements of `crossed[from…]`, in order; synchronous for as long as every check is.
  function enforce(
    ctx: HandoffContext,
    crossed: readonly CompiledBoundary[],
    from: number,
  ): StepResult | Promise<StepResult> {
    for (let i = from; i < crossed.length; i++) {
      const c = crossed[i]!;
      const out = checkBoundary(ctx, c, timeoutMs);
      if (out instanceof Promise) {
        return out.then((result) =>
          result === undefined ? enforce(ctx, crossed, i + 1) : refuse(ctx, c.boundary.name, result),
        );
      }
      if (out !== undefined) return refuse(ctx, c.boundary.name, out);
    }
    if (crossed.length === 0) {
      if (!denyUnmatched) return undefined;
      return refuse(ctx, null, {
        reason: BOUNDARY_REASONS.unmatched,
        details: { detail: 'no_boundary_matched', transport: transportOf(ctx.arrival) },
      });
    }
    satisfied(ctx, crossed);
    return undefined;
  }

  return {
    name: 'boundary',
    check(ctx: HandoffContext): StepResult | Promise<StepResult> {
      const arrival = readArrival(ctx.arrival);
      if (arrival === undefined) return refuse(ctx, null, INVALID_ARRIVAL);
      let named: CompiledBoundary | undefined;
      if (arrival.boundary !== undefined) {
        named = byName.get(arrival.boundary);
        if (named === undefined) {
          return refuse(ctx, null, {
            reason: BOUNDARY_REASONS.unmatched,
            details: { detail: 'unknown_boundary', boundary: arrival.boundary },
          });
        }
      }
      const from = ctx.packet.from_agent;
      // Candidates: named, or every local criterion holds; namespaces are asked only for these.
      const candidates = compiled.filter((c) => c === named || matchesLocally(c, from, arrival.transport));
      const asked = new Set<string>();
      for (const c of candidates) if (c !== named) for (const n of c.namespaces ?? []) asked.add(n);
      if (asked.size === 0) return enforce(ctx, candidates, 0);
      return membership(namespaces, [...asked], from, timeoutMs).then((member) => {
        if (typeof member === 'string') {
          return refuse(ctx, null, {
            reason: REASONS.registryUnavailable,
            details: { detail: 'namespace_registry_unavailable', namespace: member },
          });
        }
        const crossed = candidates.filter(
          (c) => c === named || c.namespaces === undefined || c.namespaces.some((n) => member.has(n)),
        );
        return enforce(ctx, crossed, 0);
      });
    },
  };
}

function readNamespaces(value: unknown): ReadonlyMap<string, AgentRegistry> {
  const out = new Map<string, AgentRegistry>();
  if (value === undefined) return out;
  if (!isPlainObject(value)) throw new ConfigurationError('namespaces must be an object of registries');
  for (const [name, registry] of Object.entries(value)) {
    if (
      registry === null ||
      typeof registry !== 'object' ||
      typeof (registry as AgentRegistry).isRegistered !== 'function'
    )
      throw new ConfigurationError(`namespaces.${name} must be an AgentRegistry`);
    out.set(name, registry as AgentRegistry);
  }
  return out;
}

function compile(
  boundary: Boundary,
  index: number,
  options: BoundaryStepOptions,
  namespaces: ReadonlyMap<string, AgentRegistry>,
  timeoutMs: number,
): CompiledBoundary {
  const { match, require } = boundary;
  for (const [i, name] of (match.namespaces ?? []).entries()) {
    if (!namespaces.has(name))
      throw new BoundaryPolicyError(
        `$.boundaries[${index}].match.namespaces[${i}]`,
        `no registry is configured for namespace "${name}"`,
      );
  }
  let capability: GateStep | undefined;
  if (require.requireCapabilityChain === true && require.trustedRoots !== undefined) {
    const chainOptions: {
      -readonly [K in keyof CapabilityChainVerifierOptions]?: CapabilityChainVerifierOptions[K];
    } = {};
    if (options.registry !== undefined) chainOptions.registry = options.registry;
    if (options.revocationStore !== undefined) chainOptions.revocationStore = options.revocationStore;
    if (options.now !== undefined) chainOptions.now = options.now;
    if (options.issuanceSkewSeconds !== undefined)
      chainOptions.issuanceSkewSeconds = options.issuanceSkewSeconds;
    if (options.expiryGraceSeconds !== undefined)
      chainOptions.expiryGraceSeconds = options.expiryGraceSeconds;
    if (options.env !== undefined) chainOptions.env = options.env;
    if (options.events !== undefined) chainOptions.events = options.events;
    // The capability step itself, with this boundary's roots: one chain rule in one place.
    capability = capabilityStep({
      ...chainOptions,
      trustedRoots: require.trustedRoots,
      required: true,
      storeTimeoutMs: timeoutMs,
    });
  }
  let approvals: ApprovalRequirement | undefined;
  if (require.requiredApprovals !== undefined) {
    const approvers = options.approvers;
    if (approvers === undefined)
      throw new ConfigurationError(
        `boundary "${boundary.name}" requires approvals: the step needs an approver registry (approvers)`,
      );
    approvals = {
      verifier: new ApprovalVerifier({
        approvers,
        required: require.requiredApprovals.count,
        ...(options.now === undefined ? {} : { now: options.now }),
        ...(options.events === undefined ? {} : { events: options.events }),
      }),
      approvers:
        require.requiredApprovals.approvers === undefined
          ? undefined
          : new Set(require.requiredApprovals.approvers),
      count: require.requiredApprovals.count,
    };
  }
  return {
    boundary,
    agents: match.agents === undefined ? undefined : new Set(match.agents),
    prefixes: match.agentPrefixes,
    transports: match.transports === undefined ? undefined : new Set(match.transports),
    namespaces: match.namespaces,
    maxLifetimeMicros:
      require.maxLifetimeSeconds === undefined ? undefined : require.maxLifetimeSeconds * 1e6,
    intents: require.allowedIntents === undefined ? undefined : new Set(require.allowedIntents),
    dataBoundaries:
      require.allowedDataBoundaries === undefined ? undefined : new Set(require.allowedDataBoundaries),
    capability,
    approvals,
  };
}

interface ReadArrival {
  readonly transport: string | undefined;
  readonly boundary: string | undefined;
}

const NO_ARRIVAL: ReadArrival = Object.freeze({ transport: undefined, boundary: undefined });

// The caller's word, read once; anything but strings of bounded length is unusable (fail closed).
function readArrival(arrival: Arrival | undefined): ReadArrival | undefined {
  if (arrival === undefined) return NO_ARRIVAL;
  if (arrival === null || typeof arrival !== 'object') return undefined;
  const transport: unknown = arrival.transport;
  const boundary: unknown = arrival.boundary;
  if (transport !== undefined && (typeof transport !== 'string' || transport.length > MAX_ARRIVAL_LENGTH))
    return undefined;
  if (boundary !== undefined && (typeof boundary !== 'string' || boundary.length > MAX_ARRIVAL_LENGTH))
    return undefined;
  return { transport, boundary };
}

function transportOf(arrival: Arrival | undefined): string | null {
  const transport: unknown = arrival?.transport;
  return typeof transport === 'string' ? transport : null;
}

// Sender group (ids OR prefixes) AND transport; namespaces are asked afterwards, only if needed.
function matchesLocally(c: CompiledBoundary, from: string, transport: string | undefined): boolean {
  if (c.agents !== undefined || c.prefixes !== undefined) {
    const inGroup =
      (c.agents?.has(from) ?? false) || (c.prefixes?.some((prefix) => from.startsWith(prefix)) ?? false);
    if (!inGroup) return false;
  }
  if (c.transports !== undefined && (transport === undefined || !c.transports.has(transport))) return false;
  return true;
}

// The namespaces the sender is registered in, or the name of one whose registry failed.
function membership(
  namespaces: ReadonlyMap<string, AgentRegistry>,
  asked: readonly string[],
  agentId: string,
  timeoutMs: number,
): Promise<ReadonlySet<string> | string> {
  return Promise.all(
    asked.map((name) =>
      withDeadline(
        new Promise<boolean>((resolve) => {
          resolve(namespaces.get(name)!.isRegistered(agentId));
        }),
        timeoutMs,
      ).then(
        (registered) => (registered ? name : undefined),
        () => ({ failed: name }),
      ),
    ),
  ).then((answers) => {
    const member = new Set<string>();
    for (const answer of answers) {
      if (typeof answer === 'object') return answer.failed;
      if (answer !== undefined) member.add(answer);
    }
    return member;
  });
}

function checkBoundary(
  ctx: HandoffContext,
  c: CompiledBoundary,
  timeoutMs: number,
): StepResult | Promise<StepResult> {
  const { packet, chain } = ctx;
  const name = c.boundary.name;
  const require = c.boundary.require;
  if (c.maxLifetimeMicros !== undefined) {
    const expires = packet.expires_at;
    if (
      expires === null ||
      exceedsLifetime(packet.issued_at.epochMicros, expires.epochMicros, c.maxLifetimeMicros)
    ) {
      return {
        reason: BOUNDARY_REASONS.lifetimeExceeded,
        details: {
          boundary: name,
          lifetime_seconds:
            expires === null ? null : (expires.epochMicros - packet.issued_at.epochMicros) / 1e6,
          max_lifetime_seconds: require.maxLifetimeSeconds,
        },
      };
    }
  }
  if (require.maxDelegationDepth !== undefined) {
    const depth = delegationDepth(packet, chain);
    if (depth > require.maxDelegationDepth) {
      return {
        reason: BOUNDARY_REASONS.depthExceeded,
        details: { boundary: name, depth, max_depth: require.maxDelegationDepth },
      };
    }
  }
  if (c.intents !== undefined && !c.intents.has(packet.intent)) {
    return { reason: BOUNDARY_REASONS.intentNotAllowed, details: { boundary: name, intent: packet.intent } };
  }
  if (require.allowedActions !== undefined) {
    const allowed = { allowed_actions: require.allowedActions, max_tool_calls: null };
    if (permissionWidening(packet.permissions, allowed) !== undefined) {
      const outside = packet.permissions.allowed_actions.filter((a) => !require.allowedActions!.includes(a));
      return { reason: BOUNDARY_REASONS.actionNotAllowed, details: { boundary: name, actions: outside } };
    }
  }
  if (c.capability === undefined) return afterCapability(ctx, c, timeoutMs);
  let out: StepResult | Promise<StepResult>;
  try {
    out = c.capability.check(ctx);
  } catch {
    out = { reason: CAPABILITY_REASONS.storeUnavailable };
  }
  const settle = (result: StepResult): StepResult | Promise<StepResult> =>
    result === undefined ? afterCapability(ctx, c, timeoutMs) : capabilityRefusal(name, result);
  return out instanceof Promise ? out.then(settle) : settle(out);
}

// A store failure keeps the capability step's own fail-closed reason; anything else is the boundary's.
function capabilityRefusal(boundary: string, result: StepRejection): StepRejection {
  if (result.reason === CAPABILITY_REASONS.storeUnavailable)
    return { reason: result.reason, details: { boundary, ...result.details } };
  return {
    reason: BOUNDARY_REASONS.capabilityRequired,
    details: { boundary, capability_reason: result.reason, ...result.details },
  };
}

function afterCapability(
  ctx: HandoffContext,
  c: CompiledBoundary,
  timeoutMs: number,
): StepResult | Promise<StepResult> {
  const name = c.boundary.name;
  if (c.dataBoundaries !== undefined) {
    const refusal = checkData(
      ctx.packet.constraints?.data_boundary ?? null,
      ctx.capabilities,
      c.dataBoundaries,
    );
    if (refusal !== undefined)
      return { reason: BOUNDARY_REASONS.dataNotAllowed, details: { boundary: name, ...refusal } };
  }
  const approvals = c.approvals;
  if (approvals === undefined) return undefined;
  const carried = ctx.envelope.approvals ?? [];
  const counted =
    approvals.approvers === undefined
      ? carried
      : carried.filter((a) => {
          if (!isPlainObject(a)) return false;
          const approver = a['approver_agent'];
          return typeof approver === 'string' && approvals.approvers!.has(approver);
        });
  let pending: Promise<boolean>;
  try {
    pending = approvals.verifier.check(ctx.packet, { approvals: counted });
  } catch (error) {
    pending = Promise.reject(error instanceof Error ? error : new Error('approval check failed'));
  }
  return withDeadline(pending, timeoutMs).then(
    (ok): StepResult =>
      ok
        ? undefined
        : {
            reason: BOUNDARY_REASONS.approvalMissing,
            details: { boundary: name, required: approvals.count },
          },
    (): StepResult => ({ reason: REASONS.approvalCheckUnavailable, details: { boundary: name } }),
  );
}

// Every declared data boundary (the packet's, the verified capability leaf's) must be allowed, and at
// least one must be declared: a packet that says nothing about its data does not cross.
function checkData(
  declared: string | null,
  capabilities: readonly DelegationCapability[] | undefined,
  allowed: ReadonlySet<string>,
): Readonly<Record<string, unknown>> | undefined {
  const leaf = capabilities === undefined ? undefined : capabilities[capabilities.length - 1];
  const granted = leaf?.constraints?.data_boundary ?? null;
  if (declared === null && granted === null) return { source: 'none', data_boundary: null };
  if (declared !== null && !allowed.has(declared)) return { source: 'packet', data_boundary: declared };
  if (granted !== null && !allowed.has(granted)) return { source: 'capability', data_boundary: granted };
  return undefined;
}
