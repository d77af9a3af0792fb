/**
 * Authorized execution (SPEC §6): run a function only when a verified capability chain authorizes the
 * action, every capability passes the policy, and the tool budget allows it; every decision is a
 * `capability_execution` event (its `outcome` is the SPEC §6 audit event name) on the `events`
 * port, when one is given. Order of checks, first failure wins (the reference's order):
 *   no_capabilities → no_policy_provided (strict mode) → capability_chain_invalid → policy_denied →
 *   action_not_authorized → execution_allowed (then the function runs).
 * With an `invalidation` feed the function also runs under watch (docs/invalidation.md): its
 * `signal` aborts the moment the chain is revoked (any link's id, any link's issuer, the presenter,
 * the packet or its task), and a function that finishes after that is denied
 * (`revoked_during_execution`): its result was produced without authority.
 */
import { checkEventPort } from '../events/check.js';
import type { EventCatalogue, EventPort } from '../events/types.js';
import { isAcceptDecision, type AcceptDecision } from '../gate/decision.js';
import { agentIdFromPublicKeyPem } from '../identity/agent-id.js';
import type { Verdict } from '../lib/verdict.js';
import { verifyPacket, insecureVerifyPacketSelfDeclaredKey } from '../packet/verify.js';
import type { SignedTaskPacket } from '../packet/types.js';
import { ConfigurationError } from '../errors.js';
import { isInvalidationFeed, type Invalidation, type InvalidationFeed } from '../stores/types.js';
import { authorizeAction } from './authorize.js';
import { CapabilityChainVerifier, type CapabilityChainVerifierOptions } from './chain.js';
import { allowAllPolicy, type CapabilityPolicy, type PolicyDecision } from './policy.js';
import { parseCapabilityToken } from './token.js';
import type { DelegationCapability } from './types.js';

/** Why the executor refused to run the function: the SPEC §6 audit event names of the denials. */
export type ExecutionDenialReason =
  | 'no_capabilities'
  | 'no_policy_provided'
  | 'capability_chain_invalid'
  | 'policy_denied'
  | 'action_not_authorized'
  | 'revoked_during_execution';

// The SPEC §6 audit event names: the `outcome` of a `capability_execution` event.
type CapabilityAuditEvent = EventCatalogue['capability_execution']['outcome'];

/**
 * `{ ok: true, result }` when the function ran (its awaited result), or `{ ok: false, reason, details }`
 * when it did not; `details.detail` is the finer reason (a chain reason, the policy's reason, an
 * authorization reason, …), with `details.index` / `details.capability_id` for a failing chain link.
 */
export type ExecutionVerdict<T> = Verdict<ExecutionDenialReason, { readonly result: T }>;

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
  /**
   * Revocations pushed to this process: the function's `signal` aborts when its chain is revoked while
   * it runs, and its result is then denied (`revoked_during_execution`). A `resync` notice verifies
   * the chain again.
   */
  readonly invalidation?: InvalidationFeed;
}

/** What the authorized function is given. */
export interface ExecutionContext {
  /** Aborted (with the revoked agent or id as reason) when the chain is revoked while the function runs. */
  readonly signal: AbortSignal;
}

/** The function an executor runs once the chain authorizes the action. */
export type AuthorizedFunction<T> = (context: ExecutionContext) => T | Promise<T>;

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
   * The gate's ACCEPT for this very packet object (`decision.packet === packet`): the gate already
   * checked the packet's signature and sender key, so the executor does not check them again. Only a
   * decision a gate of this library made counts (`isAcceptDecision`); a copy (spread, JSON round trip)
   * or an ACCEPT of another packet denies (`capability_chain_invalid`, `not_accepted_by_gate`).
   * Without it the executor checks the signature and key itself: without that check the sender's
   * identity, and with it the subject binding, means nothing.
   */
  readonly acceptedBy?: AcceptDecision;
}

/** What an executor resolved from its options and environment. */
export interface CapabilityExecutorSettings {
  readonly strictMode: boolean;
}

interface ExecutorParts {
  execute<T>(
    chain: readonly DelegationCapability[],
    action: string,
    fn: AuthorizedFunction<T>,
    options?: ExecuteOptions,
  ): Promise<ExecutionVerdict<Awaited<T>>>;
  executePacket<T>(
    packet: SignedTaskPacket,
    fn: AuthorizedFunction<T>,
    options?: ExecutePacketOptions,
  ): Promise<ExecutionVerdict<Awaited<T>>>;
  readonly settings: CapabilityExecutorSettings;
}

// The executor's body: options are checked and `TRUSTHANDOFF_STRICT_MODE` is read here, not per call.
function buildExecutor(options: CapabilityExecutorOptions): ExecutorParts {
  const verifier = new CapabilityChainVerifier(options);
  const env = options.env ?? process.env;
  const strictMode = options.strictMode ?? env['TRUSTHANDOFF_STRICT_MODE'] === '1';
  const { policy, registry } = options;
  const events = checkEventPort(options.events);
  const decodeOptions =
    options.maxTokenLength === undefined ? {} : { maxTokenLength: options.maxTokenLength };
  const feed = options.invalidation;
  if (feed !== undefined && !isInvalidationFeed(feed)) {
    throw new ConfigurationError('invalidation must be an InvalidationFeed (an object with subscribe)');
  }

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
  ): ExecutionVerdict<T> {
    audit(reason, detail, details);
    const out: { detail?: string; index?: number; capability_id?: string } = {};
    if (detail !== null) out.detail = detail;
    if (typeof details.failed_index === 'number') out.index = details.failed_index;
    // The capability to blame: the one a policy denied, or the chain link that failed.
    const blamed = details.capability_id ?? details.failed_capability_id;
    if (blamed !== undefined) out.capability_id = blamed;
    return Object.freeze({ ok: false, reason, details: Object.freeze(out) });
  }

  function strictModeDenial<T>(
    extra: PacketDetails,
    action: string,
    count: number,
  ): ExecutionVerdict<T> | undefined {
    if (policy !== undefined || !strictMode) return undefined;
    return deny('no_policy_provided', 'no_policy_provided', {
      ...extra,
      action,
      capability_count: count,
    });
  }

  // The policy's answer; anything but a well-formed decision (or a throw) denies: fail closed.
  async function evaluatePolicy(capability: DelegationCapability, action: string): Promise<PolicyDecision> {
    let decision: unknown;
    try {
      decision = await (policy ?? allowAllPolicy)(capability, action);
    } catch {
      return POLICY_ERROR;
    }
    if (typeof decision !== 'object' || decision === null) return POLICY_ERROR;
    const { ok, reason } = decision as { ok?: unknown; reason?: unknown };
    if (ok === true) return POLICY_ALLOWS;
    if (ok !== false) return POLICY_ERROR;
    return typeof reason === 'string' && reason.length > 0
      ? { ok: false, reason: reason.slice(0, MAX_POLICY_REASON_LENGTH) }
      : POLICY_DENIED;
  }

  async function run<T>(
    chain: readonly DelegationCapability[],
    action: string,
    fn: AuthorizedFunction<T>,
    toolCallsUsed: number,
    presenter: string | undefined,
    extra: PacketDetails,
    watchedIds: readonly string[] = [],
  ): Promise<ExecutionVerdict<Awaited<T>>> {
    // Listening starts before the chain is verified: a revocation between the lookups and the
    // function's start is then heard rather than lost.
    const watch = feed === undefined ? undefined : new ChainWatch(feed);
    try {
      return await runWatched(chain, action, fn, toolCallsUsed, presenter, extra, watchedIds, watch);
    } finally {
      watch?.stop();
    }
  }

  async function runWatched<T>(
    chain: readonly DelegationCapability[],
    action: string,
    fn: AuthorizedFunction<T>,
    toolCallsUsed: number,
    presenter: string | undefined,
    extra: PacketDetails,
    watchedIds: readonly string[],
    watch: ChainWatch | undefined,
  ): Promise<ExecutionVerdict<Awaited<T>>> {
    const list: readonly DelegationCapability[] = isList(chain) ? chain : [];
    const leaf = list.at(-1);
    if (leaf === undefined) return deny('no_capabilities', null, { ...extra, action, capability_count: 0 });
    const count = list.length;
    const noPolicy = strictModeDenial<Awaited<T>>(extra, action, count);
    if (noPolicy !== undefined) return noPolicy;
    const verified = await verifier.verify(list, presenter === undefined ? {} : { presenter });
    if (!verified.ok) {
      const failedIndex = verified.details?.['index'];
      const failedId = verified.details?.['capability_id'];
      return deny('capability_chain_invalid', verified.reason, {
        ...extra,
        action,
        capability_count: count,
        leaf_capability_id: leaf.capability_id,
        failed_index: typeof failedIndex === 'number' ? failedIndex : null,
        ...(typeof failedId === 'string' ? { failed_capability_id: failedId } : {}),
      });
    }
    for (const capability of verified.chain) {
      const decision = await evaluatePolicy(capability, action);
      if (!decision.ok) {
        return deny('policy_denied', decision.reason, {
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
    const authorization = authorizeAction(verified.leaf, action, toolCallsUsed);
    if (!authorization.ok) return deny('action_not_authorized', authorization.reason, leafDetails);
    if (watch === undefined) {
      audit('execution_allowed', null, leafDetails);
      return Object.freeze({ ok: true, result: await fn({ signal: NEVER }) });
    }
    const agents = verified.chain.map((capability) => capability.issuer_agent);
    if (presenter !== undefined) agents.push(presenter);
    const ids = [...verified.chain.map((capability) => capability.capability_id), ...watchedIds];
    watch.watch(agents, ids, async () => {
      const again = await verifier.verify(list, presenter === undefined ? {} : { presenter });
      return again.ok ? undefined : again.reason;
    });
    // Revoked between the lookups and now: the function never starts.
    if (watch.signal.aborted) return deny('revoked_during_execution', watch.reason, leafDetails);
    audit('execution_allowed', null, leafDetails);
    const result = await fn({ signal: watch.signal });
    if (watch.signal.aborted) return deny('revoked_during_execution', watch.reason, leafDetails);
    return Object.freeze({ ok: true, result });
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
    execute<T>(
      chain: readonly DelegationCapability[],
      action: string,
      fn: AuthorizedFunction<T>,
      callOptions: ExecuteOptions = {},
    ): Promise<ExecutionVerdict<Awaited<T>>> {
      return run(chain, action, fn, callOptions.toolCallsUsed ?? 0, callOptions.presenter, NO_PACKET);
    },
    async executePacket<T>(
      packet: SignedTaskPacket,
      fn: AuthorizedFunction<T>,
      callOptions: ExecutePacketOptions = {},
    ): Promise<ExecutionVerdict<Awaited<T>>> {
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
      const invalidChain = (detail: string): ExecutionVerdict<Awaited<T>> =>
        deny('capability_chain_invalid', detail, { ...extra, action, capability_count: count });
      const acceptedBy: unknown = callOptions.acceptedBy;
      if (acceptedBy === undefined) {
        const problem = await senderProblem(packet);
        if (problem !== undefined) return invalidChain(problem);
      } else if (!isAcceptDecision(acceptedBy) || acceptedBy.packet !== packet) {
        // Only the gate's own ACCEPT of this very packet object is proof that the gate checked it.
        return invalidChain('not_accepted_by_gate');
      }
      let leaf: DelegationCapability;
      try {
        leaf = parseCapabilityToken(token, decodeOptions);
      } catch {
        return invalidChain('malformed_token');
      }
      return run([...ancestors, leaf], action, fn, callOptions.toolCallsUsed ?? 0, packet.from_agent, extra, [
        packet.packet_id,
        packet.task_id,
      ]);
    },
  });
}

/**
 * Runs a function only when a verified capability chain authorizes the action (SPEC §6
 * `execute_authorized_action` / `execute_packet_authorized_action`; see the module comment for the
 * order of checks). Options are checked and `TRUSTHANDOFF_STRICT_MODE` is read at construction
 * (ConfigurationError); `execute` and `executePacket` never reject for bad input — only the function
 * itself can throw, and its error propagates.
 */
export class CapabilityExecutor {
  readonly #parts: ExecutorParts;

  constructor(options: CapabilityExecutorOptions) {
    this.#parts = buildExecutor(options);
  }

  /** What the executor resolved from its options and environment. */
  get settings(): CapabilityExecutorSettings {
    return this.#parts.settings;
  }

  /** Run `fn` when `chain` (root first) authorizes `action`; `{ ok: true, result }` when it ran. */
  execute<T>(
    chain: readonly DelegationCapability[],
    action: string,
    fn: AuthorizedFunction<T>,
    options?: ExecuteOptions,
  ): Promise<ExecutionVerdict<Awaited<T>>> {
    return this.#parts.execute(chain, action, fn, options);
  }

  /**
   * The packet carries its capability token in `capability_token`; its `intent` is the action; the
   * token's subject must be the packet's sender (`from_agent`), whose signature and key are checked
   * (unless `acceptedBy` is the gate's ACCEPT of this packet).
   */
  executePacket<T>(
    packet: SignedTaskPacket,
    fn: AuthorizedFunction<T>,
    options?: ExecutePacketOptions,
  ): Promise<ExecutionVerdict<Awaited<T>>> {
    return this.#parts.executePacket(packet, fn, options);
  }
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
  readonly failed_capability_id?: string;
  readonly tool_calls_used?: number;
}
const NO_PACKET: PacketDetails = Object.freeze({});
const NEVER: AbortSignal = new AbortController().signal;
// Notices heard before the chain is known; beyond this many, they count as a resync.
const MAX_EARLY_NOTICES = 256;

/**
 * One execution's subscription: notices are kept until the chain is verified (`watch`), then each
 * one naming a watched agent or id aborts the signal; a `resync` runs `recheck` (the chain verified
 * again) and aborts when it fails.
 */
class ChainWatch {
  readonly #controller = new AbortController();
  readonly #unsubscribe: () => void;
  #early: Invalidation[] | undefined = [];
  #agents: ReadonlySet<string> = new Set();
  #ids: ReadonlySet<string> = new Set();
  #recheck: (() => Promise<string | undefined>) | undefined;
  #reason: string | null = null;

  constructor(feed: InvalidationFeed) {
    this.#unsubscribe = feed.subscribe((notice) => {
      this.#hear(notice);
    });
  }

  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  get reason(): string | null {
    return this.#reason;
  }

  watch(agents: readonly string[], ids: readonly string[], recheck: () => Promise<string | undefined>): void {
    this.#agents = new Set(agents);
    this.#ids = new Set(ids);
    this.#recheck = recheck;
    const early = this.#early ?? [];
    this.#early = undefined;
    for (const notice of early) this.#hear(notice);
  }

  stop(): void {
    this.#unsubscribe();
  }

  #hear(notice: Invalidation): void {
    if (this.#controller.signal.aborted) return;
    const early = this.#early;
    if (early !== undefined) {
      if (early.length < MAX_EARLY_NOTICES) early.push(notice);
      else early[MAX_EARLY_NOTICES - 1] = { kind: 'resync' };
      return;
    }
    if (notice.kind === 'resync') {
      const recheck = this.#recheck;
      if (recheck === undefined) return;
      void recheck().then(
        (failed) => {
          if (failed !== undefined) this.#abort(`resync:${failed}`);
        },
        () => {
          this.#abort('resync:recheck_failed');
        },
      );
      return;
    }
    const hit = notice.kind === 'agent' ? this.#agents.has(notice.id) : this.#ids.has(notice.id);
    if (hit) this.#abort(`${notice.kind}_revoked`);
  }

  #abort(reason: string): void {
    if (this.#controller.signal.aborted) return;
    this.#reason = reason;
    this.#controller.abort(new Error(`capability chain revoked during execution (${reason})`));
  }
}

const POLICY_ALLOWS: PolicyDecision = Object.freeze({ ok: true });
const POLICY_ERROR: PolicyDecision = Object.freeze({ ok: false, reason: 'policy_error' });
const POLICY_DENIED: PolicyDecision = Object.freeze({ ok: false, reason: 'policy_denied' });
// A policy's reason ends up in events and verdicts: bounded.
const MAX_POLICY_REASON_LENGTH = 256;

// Array.isArray would widen a readonly array to any[].
function isList(value: unknown): value is readonly DelegationCapability[] {
  return Array.isArray(value);
}
