/**
 * Authorized execution (SPEC §6): run a function only when a verified capability chain authorizes the
 * action, every capability passes the policy, and the tool budget allows it; every decision is a
 * `capability_execution` event (its `outcome` is the SPEC §6 audit event name) on the `events`
 * port, when one is given. Order of checks, first failure wins (the reference's order):
 *   no_capabilities → no_policy_provided (strict mode) → capability_chain_invalid → policy_denied →
 *   action_not_authorized → execution_allowed (then the function runs).
 */
import { checkEventPort } from '../events/check.js';
import type { EventCatalogue, EventPort } from '../events/types.js';
import { agentIdFromPublicKeyPem } from '../identity/agent-id.js';
import { verifyPacket, insecureVerifyPacketSelfDeclaredKey } from '../packet/verify.js';
import type { SignedTaskPacket } from '../packet/types.js';
import { authorizeAction } from './authorize.js';
import { createCapabilityChainVerifier, type CapabilityChainVerifierOptions } from './chain.js';
import { allowAllPolicy, type CapabilityPolicy, type PolicyDecision } from './policy.js';
import { parseCapabilityToken } from './token.js';
import type { DelegationCapability } from './types.js';

/** The audit events of SPEC §6. */
export type CapabilityAuditEvent =
  | 'no_capabilities'
  | 'no_policy_provided'
  | 'capability_chain_invalid'
  | 'policy_denied'
  | 'action_not_authorized'
  | 'execution_allowed';

export type ExecutionDenialReason = Exclude<CapabilityAuditEvent, 'execution_allowed'>;

export type AuthorizedExecution<T> =
  | { readonly allowed: true; readonly result: T }
  | {
      readonly allowed: false;
      readonly reason: ExecutionDenialReason;
      /** The finer reason: a chain reason, the policy's reason, an authorization reason, … */
      readonly detail: string | null;
    };

export interface CapabilityExecutorOptions extends CapabilityChainVerifierOptions {
  /** Applied to every capability in the chain. Default: allow all, unless strict mode is on. */
  readonly policy?: CapabilityPolicy;
  /** Refuse to execute without a policy (`no_policy_provided`). Default: env `TRUSTHANDOFF_STRICT_MODE` = `1`. */
  readonly strictMode?: boolean;
  /**
   * Where every decision goes, as a `capability_execution` event. Without a port the executor emits
   * nothing. A failing port never changes a decision.
   */
  readonly events?: EventPort;
  /** Longest capability token accepted from a packet (default 16,384 characters). */
  readonly maxTokenLength?: number;
}

export interface ExecuteOptions {
  /** Tool calls already spent under the leaf capability (default 0). */
  readonly toolCallsUsed?: number;
  /** The agent presenting the chain; the leaf's subject must be this agent. Recommended. */
  readonly presenter?: string;
}

export interface ExecutePacketOptions {
  /** Tool calls already spent under the leaf capability (default 0). */
  readonly toolCallsUsed?: number;
  /**
   * The capabilities above the packet's token, root first. Needed when the token is not itself a root
   * capability (issued by a trusted root). They are verified like the token, so they may come from
   * anywhere.
   */
  readonly ancestors?: readonly DelegationCapability[];
  /**
   * Skip the packet's signature and sender-key check because the gate (middleware) already did both for
   * this very packet object. Without that check the sender's identity, and with it the subject binding,
   * means nothing.
   */
  readonly packetVerifiedByGate?: boolean;
}

export interface CapabilityExecutor {
  executeAuthorizedAction<T>(
    chain: readonly DelegationCapability[],
    action: string,
    fn: () => T | Promise<T>,
    options?: ExecuteOptions,
  ): Promise<AuthorizedExecution<Awaited<T>>>;
  /**
   * The packet carries its capability token in `capability_token`; its `intent` is the action; the
   * token's subject must be the packet's sender (`from_agent`), whose signature and key are checked.
   */
  executePacketAuthorizedAction<T>(
    packet: SignedTaskPacket,
    fn: () => T | Promise<T>,
    options?: ExecutePacketOptions,
  ): Promise<AuthorizedExecution<Awaited<T>>>;
  readonly settings: { readonly strictMode: boolean };
}

/** Build an executor; options are checked and `TRUSTHANDOFF_STRICT_MODE` is read here, not per call. */
export function createCapabilityExecutor(options: CapabilityExecutorOptions): CapabilityExecutor {
  const verifier = createCapabilityChainVerifier(options);
  const env = options.env ?? process.env;
  const strictMode = options.strictMode ?? env['TRUSTHANDOFF_STRICT_MODE'] === '1';
  const { policy, registry } = options;
  const events = checkEventPort(options.events);
  const decodeOptions =
    options.maxTokenLength === undefined ? {} : { maxTokenLength: options.maxTokenLength };

  function audit(outcome: CapabilityAuditEvent, detail: string | null, details: AuditDetails): void {
    if (events === undefined) return;
    const fields: EventCatalogue['capability_execution'] = {
      outcome,
      capability_id: details.capability_id ?? details.leaf_capability_id ?? null,
      leaf_capability_id: details.leaf_capability_id ?? null,
      issuer_agent: details.issuer_agent ?? null,
      subject_agent: details.subject_agent ?? null,
      action: details.action,
      reason: detail,
      packet_id: details.packet_id ?? null,
      from_agent: details.from_agent ?? null,
      capability_count: details.capability_count ?? 0,
      failed_index: details.failed_index ?? null,
      tool_calls_used: details.tool_calls_used ?? null,
      strict_mode: strictMode,
    };
    events.emit('capability_execution', fields);
  }

  function deny<T>(
    reason: ExecutionDenialReason,
    detail: string | null,
    details: AuditDetails,
  ): AuthorizedExecution<T> {
    audit(reason, detail, details);
    return Object.freeze({ allowed: false, reason, detail });
  }

  function strictModeDenial<T>(
    extra: PacketDetails,
    action: string,
    count: number,
  ): AuthorizedExecution<T> | undefined {
    if (policy !== undefined || !strictMode) return undefined;
    return deny('no_policy_provided', 'no_policy_provided', {
      ...extra,
      action,
      capability_count: count,
    });
  }

  async function evaluatePolicy(capability: DelegationCapability, action: string): Promise<PolicyDecision> {
    try {
      const decision = await (policy ?? allowAllPolicy)(capability, action);
      return Array.isArray(decision) ? decision : [false, 'policy_error'];
    } catch {
      return [false, 'policy_error'];
    }
  }

  async function run<T>(
    chain: readonly DelegationCapability[],
    action: string,
    fn: () => T | Promise<T>,
    toolCallsUsed: number,
    presenter: string | undefined,
    extra: PacketDetails,
  ): Promise<AuthorizedExecution<Awaited<T>>> {
    const list: readonly DelegationCapability[] = isList(chain) ? chain : [];
    const leaf = list.at(-1);
    if (leaf === undefined) return deny('no_capabilities', null, { ...extra, action, capability_count: 0 });
    const count = list.length;
    const noPolicy = strictModeDenial<Awaited<T>>(extra, action, count);
    if (noPolicy !== undefined) return noPolicy;
    const verified = await verifier.verify(list, presenter === undefined ? {} : { presenter });
    if (!verified.valid) {
      return deny('capability_chain_invalid', verified.reason ?? null, {
        ...extra,
        action,
        capability_count: count,
        leaf_capability_id: leaf.capability_id,
        failed_index: verified.index ?? null,
      });
    }
    for (const capability of list) {
      const [allowed, reason] = await evaluatePolicy(capability, action);
      if (!allowed) {
        return deny('policy_denied', reason ?? 'policy_denied', {
          ...extra,
          action,
          capability_count: count,
          capability_id: capability.capability_id,
          leaf_capability_id: leaf.capability_id,
          issuer_agent: capability.issuer_agent,
          subject_agent: capability.subject_agent,
        });
      }
    }
    const leafDetails: AuditDetails = {
      ...extra,
      action,
      capability_count: count,
      leaf_capability_id: leaf.capability_id,
      issuer_agent: leaf.issuer_agent,
      subject_agent: leaf.subject_agent,
      tool_calls_used: toolCallsUsed,
    };
    const authorization = authorizeAction(leaf, action, toolCallsUsed);
    if (!authorization.authorized)
      return deny('action_not_authorized', authorization.reason ?? null, leafDetails);
    audit('execution_allowed', null, leafDetails);
    return Object.freeze({ allowed: true, result: await fn() });
  }

  // Why the packet's sender is not proven, or undefined when it is.
  async function senderProblem(packet: SignedTaskPacket): Promise<string | undefined> {
    if (registry !== undefined) {
      const verdict = await verifyPacket(packet, { registry });
      if (verdict.ok) return undefined;
      switch (verdict.reason) {
        case 'not_registered':
        case 'key_mismatch':
          return 'sender_key_unbound';
        case 'agent_revoked':
          return 'sender_revoked';
        case 'registry_unavailable':
          return 'registry_unavailable';
        default:
          return 'packet_signature_invalid';
      }
    }
    if (
      typeof packet.public_key !== 'string' ||
      agentIdFromPublicKeyPem(packet.public_key) !== packet.from_agent
    ) {
      return 'sender_key_unbound';
    }
    return insecureVerifyPacketSelfDeclaredKey(packet) ? undefined : 'packet_signature_invalid';
  }

  return Object.freeze({
    settings: Object.freeze({ strictMode }),
    executeAuthorizedAction<T>(
      chain: readonly DelegationCapability[],
      action: string,
      fn: () => T | Promise<T>,
      callOptions: ExecuteOptions = {},
    ): Promise<AuthorizedExecution<Awaited<T>>> {
      return run(chain, action, fn, callOptions.toolCallsUsed ?? 0, callOptions.presenter, NO_PACKET);
    },
    async executePacketAuthorizedAction<T>(
      packet: SignedTaskPacket,
      fn: () => T | Promise<T>,
      callOptions: ExecutePacketOptions = {},
    ): Promise<AuthorizedExecution<Awaited<T>>> {
      const action = packet.intent;
      const extra: PacketDetails = { packet_id: packet.packet_id, from_agent: packet.from_agent };
      const token = packet.capability_token;
      const ancestors = callOptions.ancestors ?? [];
      if (token === null || token === undefined) {
        return deny('no_capabilities', 'missing_capability_token', { ...extra, action, capability_count: 0 });
      }
      const count = ancestors.length + 1;
      // Strict mode is decided before the token is even decoded, so its audit event comes first.
      const noPolicy = strictModeDenial<Awaited<T>>(extra, action, count);
      if (noPolicy !== undefined) return noPolicy;
      const invalidChain = (detail: string): AuthorizedExecution<Awaited<T>> =>
        deny('capability_chain_invalid', detail, { ...extra, action, capability_count: count });
      if (!(callOptions.packetVerifiedByGate ?? false)) {
        const problem = await senderProblem(packet);
        if (problem !== undefined) return invalidChain(problem);
      }
      let leaf: DelegationCapability;
      try {
        leaf = parseCapabilityToken(token, decodeOptions);
      } catch {
        return invalidChain('malformed_token');
      }
      return run([...ancestors, leaf], action, fn, callOptions.toolCallsUsed ?? 0, packet.from_agent, extra);
    },
  });
}

/** SPEC §6 `execute_authorized_action` with an executor created for this call. */
export function executeAuthorizedAction<T>(
  chain: readonly DelegationCapability[],
  action: string,
  fn: () => T | Promise<T>,
  options: CapabilityExecutorOptions & ExecuteOptions,
): Promise<AuthorizedExecution<Awaited<T>>> {
  const call: { toolCallsUsed?: number; presenter?: string } = {};
  if (options.toolCallsUsed !== undefined) call.toolCallsUsed = options.toolCallsUsed;
  if (options.presenter !== undefined) call.presenter = options.presenter;
  return createCapabilityExecutor(options).executeAuthorizedAction(chain, action, fn, call);
}

/** SPEC §6 `execute_packet_authorized_action` with an executor created for this call. */
export function executePacketAuthorizedAction<T>(
  packet: SignedTaskPacket,
  fn: () => T | Promise<T>,
  options: CapabilityExecutorOptions & ExecutePacketOptions,
): Promise<AuthorizedExecution<Awaited<T>>> {
  const call: {
    toolCallsUsed?: number;
    ancestors?: readonly DelegationCapability[];
    packetVerifiedByGate?: boolean;
  } = {};
  if (options.toolCallsUsed !== undefined) call.toolCallsUsed = options.toolCallsUsed;
  if (options.ancestors !== undefined) call.ancestors = options.ancestors;
  if (options.packetVerifiedByGate !== undefined) call.packetVerifiedByGate = options.packetVerifiedByGate;
  return createCapabilityExecutor(options).executePacketAuthorizedAction(packet, fn, call);
}

// What a decision knows, for its event.
interface PacketDetails {
  readonly packet_id?: string;
  readonly from_agent?: string;
}
interface AuditDetails extends PacketDetails {
  readonly action: string;
  readonly capability_count?: number;
  readonly capability_id?: string;
  readonly leaf_capability_id?: string;
  readonly issuer_agent?: string;
  readonly subject_agent?: string;
  readonly failed_index?: number | null;
  readonly tool_calls_used?: number;
}
const NO_PACKET: PacketDetails = Object.freeze({});

// Array.isArray would widen a readonly array to any[].
function isList(value: unknown): value is readonly DelegationCapability[] {
  return Array.isArray(value);
}
