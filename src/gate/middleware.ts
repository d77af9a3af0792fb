/**
 * The handoff gate (SPEC §4, hardened as §7): `handle(envelope)` → ACCEPT or REJECT, never an
 * exception. Steps run in this order, first rejection wins:
 *
 *   parse → audience → key binding → signature → validation → chain (depth, loops, narrowing,
 *   truncation) → revocation (agent, capability) → your extra steps → replay check-and-store
 *
 * Everything that can be checked without remembering anything comes before the one step that writes
 * (replay), so forged, misaddressed, expired or revoked packets never touch the replay store.
 */
import { ConfigurationError } from '../errors.js';
import { getDefaultEventBus, type EventEmitter } from '../events/bus.js';
import type { SignedTaskPacket, TtlPolicy } from '../packet/types.js';
import { createPacketValidator, type HumanApprovalCheck, type PacketValidator } from '../packet/validate.js';
import {
  DEFAULT_OVERLAP_WINDOW_SECONDS,
  isAdmissionCapable,
  type AdmissionStore,
  type AgentRegistry,
  type OverlapWindow,
  type ReplayStore,
  type RevocationStore,
} from '../stores/types.js';
import type { JsonLimits } from '../wire/parse-json.js';
import {
  HandoffContext,
  type AuditEventName,
  type GateStep,
  type StepRejection,
  type StepResult,
} from './context.js';
import { REASONS, createDecision, type PacketDecision } from './decision.js';
import { isParseFailure, parseGateInput, type GateInput, type GateParseOptions } from './parse.js';
import { RevalidationWatcher } from './revalidation.js';
import {
  StepFailure,
  guardOverlapWindow,
  guardRegistry,
  guardReplayStore,
  guardAdmissionStore,
  guardRevocationStore,
  withDeadline,
} from './store-guard.js';
import { admissionStep, bindingFirst } from './steps/admission.js';
import { audienceStep } from './steps/audience.js';
import { chainStep } from './steps/chain.js';
import { keyBindingStep } from './steps/key-binding.js';
import { replayStep } from './steps/replay.js';
import { revocationStep } from './steps/revocation.js';
import { signatureStep, type SignatureVerification } from './steps/signature.js';
import { validationStep } from './steps/validation.js';

/** What the audit collector receives (the reference's shape). */
export interface AuditRecord {
  readonly event: AuditEventName;
  readonly packet_id: string | null;
  readonly task_id: string | null;
  readonly from_agent: string | null;
  readonly to_agent: string | null;
  readonly intent: string | null;
  readonly details: Readonly<Record<string, unknown>>;
}

/** Called once per decision. A collector that throws or rejects never changes the decision. */
export type AuditCollector = (record: AuditRecord) => void | Promise<void>;

export interface RevalidationConfig {
  /** Seconds between checks; unset or ≤ 0 disables revalidation; below 0.5 counts as 0.5. */
  readonly intervalSeconds?: number | null;
  /** Required when the interval is set: true while the accepted packet is still good. */
  readonly revalidate?: (packet: SignedTaskPacket) => boolean | Promise<boolean>;
  /** Relative jitter in [0, 1] (default 0.2). */
  readonly jitter?: number;
  /** A check that takes longer is a failure (default: max(interval, 5 s)). */
  readonly checkTimeoutMs?: number;
}

/** The default of {@link MiddlewareOptions.maxLifetimeSeconds}: one hour. */
export const DEFAULT_MAX_LIFETIME_SECONDS = 3600;
/** The default of {@link MiddlewareOptions.storeTimeoutMs}. */
export const DEFAULT_STORE_TIMEOUT_MS = 2000;

export interface MiddlewareOptions {
  /** The inbox owner: packets whose `to_agent` differs are rejected (`wrong_audience`). Required. */
  readonly agentId: string;
  /** The trust anchor for sender keys, and agent revocation. Required unless opting in below. */
  readonly registry?: AgentRegistry;
  /**
   * INSECURE: believe the key a packet declares for itself. Anyone can then act as anyone. Only for
   * demos and migrations; a registry is the supported configuration.
   */
  readonly insecureTrustSelfDeclaredKeys?: boolean;
  /** Where nonces are remembered. Required: there is no silent per-process default. */
  readonly replayStore: ReplayStore;
  /** Revoked packet / task / capability ids. Without it only agent revocation is checked. */
  readonly revocationStore?: RevocationStore;
  /** Token-rotation overlap used by validation; extends replay retention by its length. */
  readonly overlapWindow?: OverlapWindow;
  /** Length of {@link overlapWindow} in seconds (default 30), for replay retention. */
  readonly overlapWindowSeconds?: number;
  /** Deepest accepted delegation (default 5). */
  readonly maxDepth?: number;
  /** Refuse chains that repeat an agent or return to this inbox (default true). */
  readonly rejectDelegationLoops?: boolean;
  /** Longest sender-chosen lifetime `expires_at − issued_at` accepted, seconds (default 3600). */
  readonly maxLifetimeSeconds?: number;
  /** See `createPacketValidator` (defaults from the environment: 30 s skew, 0 s grace). */
  readonly issuanceSkewSeconds?: number;
  readonly expiryGraceSeconds?: number;
  readonly enforceDefaultTtlPolicy?: boolean;
  readonly ttlPolicy?: TtlPolicy;
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Decides approval of packets that require human review; see `createApprovalVerifier`. */
  readonly humanApproval?: HumanApprovalCheck;
  /** LEGACY, INSECURE: a truthy `context.human_approval` counts as approval (the reference's gate). */
  readonly insecureLegacyContextHumanApproval?: boolean;
  /** Wire parsing limits (defaults: 1 MiB, depth 64). */
  readonly limits?: Partial<JsonLimits>;
  /** Most approvals an envelope may carry (default 16). */
  readonly maxApprovals?: number;
  /** Deadline for each call to a networked store, ms (default 2000); missed = REJECT. */
  readonly storeTimeoutMs?: number;
  /** Where Ed25519 verification runs (default `auto`). */
  readonly signatureVerification?: SignatureVerification;
  /** Extra replay retention for clock differences between verifiers, seconds (default 5). */
  readonly replayRetentionMarginSeconds?: number;
  /** Your own checks; they run after the built-in ones and before the replay step, which stays last. */
  readonly extraSteps?: readonly GateStep[];
  readonly audit?: AuditCollector;
  /** Where `packet_accepted` / `packet_rejected` and validation events go (default: the default bus). */
  readonly events?: EventEmitter;
  /** Clock in epoch milliseconds (default `Date.now`). */
  readonly now?: () => number;
  /** Revalidation for {@link TrustHandoffMiddleware.handleWithRevalidation}. */
  readonly revalidation?: RevalidationConfig;
}

export interface RevalidationCallOptions extends RevalidationConfig {
  /** Stops the watcher when aborted. */
  readonly signal?: AbortSignal;
}

export interface DecisionWithWatcher {
  readonly decision: PacketDecision;
  /** A started watcher for an accepted packet when revalidation is enabled; stop it when done. */
  readonly watcher?: RevalidationWatcher;
}

export class TrustHandoffMiddleware {
  /** The inbox this gate guards. */
  readonly agentId: string;
  readonly validator: PacketValidator;
  readonly #steps: readonly GateStep[];
  readonly #parse: GateParseOptions;
  readonly #events: EventEmitter;
  readonly #audit: AuditCollector | undefined;
  readonly #now: () => number;
  readonly #revalidation: RevalidationConfig | undefined;
  #inFlight = 0;

  constructor(options: MiddlewareOptions) {
    if (options === null || typeof options !== 'object')
      throw new ConfigurationError('middleware options are required');
    const { agentId } = options;
    if (typeof agentId !== 'string' || agentId === '') {
      throw new ConfigurationError(
        'agentId (the inbox owner the audience check compares to_agent with) is required',
      );
    }
    if (options.replayStore === undefined || typeof options.replayStore.checkAndStore !== 'function') {
      throw new ConfigurationError(
        'replayStore is required (e.g. new MemoryReplayStore() for a single instance)',
      );
    }
    if (options.registry !== undefined && options.insecureTrustSelfDeclaredKeys === true) {
      throw new ConfigurationError('pass either a registry or insecureTrustSelfDeclaredKeys, not both');
    }
    const timeoutMs = options.storeTimeoutMs ?? DEFAULT_STORE_TIMEOUT_MS;
    if (typeof timeoutMs !== 'number' || !(timeoutMs > 0))
      throw new ConfigurationError('storeTimeoutMs must be > 0');
    const maxLifetime = options.maxLifetimeSeconds ?? DEFAULT_MAX_LIFETIME_SECONDS;
    if (typeof maxLifetime !== 'number' || !(maxLifetime > 0)) {
      throw new ConfigurationError('maxLifetimeSeconds must be > 0');
    }
    if (options.extraSteps !== undefined) {
      for (const step of options.extraSteps) {
        if (step === null || typeof step !== 'object' || typeof step.check !== 'function') {
          throw new ConfigurationError('every extra step needs a check(ctx) method');
        }
      }
    }
    const revalidation = options.revalidation;
    if (revalidation !== undefined) checkRevalidation(revalidation);

    this.agentId = agentId;
    this.#now = options.now ?? Date.now;
    this.#events = options.events ?? getDefaultEventBus();
    this.#audit = options.audit;
    this.#revalidation = revalidation;
    const registry = options.registry === undefined ? undefined : guardRegistry(options.registry, timeoutMs);
    const revocations =
      options.revocationStore === undefined
        ? undefined
        : guardRevocationStore(options.revocationStore, timeoutMs);
    const overlapSeconds = options.overlapWindowSeconds ?? DEFAULT_OVERLAP_WINDOW_SECONDS;

    this.validator = createPacketValidator({
      now: this.#now,
      maxLifetimeSeconds: maxLifetime,
      events: this.#events,
      emitDecisionEvents: false,
      ...(options.issuanceSkewSeconds === undefined
        ? {}
        : { issuanceSkewSeconds: options.issuanceSkewSeconds }),
      ...(options.expiryGraceSeconds === undefined ? {} : { expiryGraceSeconds: options.expiryGraceSeconds }),
      ...(options.enforceDefaultTtlPolicy === undefined
        ? {}
        : { enforceDefaultTtlPolicy: options.enforceDefaultTtlPolicy }),
      ...(options.ttlPolicy === undefined ? {} : { ttlPolicy: options.ttlPolicy }),
      ...(options.env === undefined ? {} : { env: options.env }),
      ...(options.humanApproval === undefined
        ? {}
        : { humanApproval: guardApproval(options.humanApproval, timeoutMs) }),
      ...(options.insecureLegacyContextHumanApproval === true
        ? { insecureLegacyContextHumanApproval: true }
        : {}),
      ...(options.overlapWindow === undefined
        ? {}
        : {
            overlapWindow: guardOverlapWindow(
              options.overlapWindow,
              timeoutMs,
              REASONS.overlapWindowUnavailable,
            ),
          }),
    });

    const replayRetention = {
      now: this.#now,
      expiryGraceSeconds: this.validator.settings.expiryGraceSeconds,
      overlapSeconds: options.overlapWindow === undefined ? 0 : overlapSeconds,
      fallbackRetentionSeconds: maxLifetime,
      ...(options.replayRetentionMarginSeconds === undefined
        ? {}
        : { retentionMarginSeconds: options.replayRetentionMarginSeconds }),
    };
    const signature = signatureStep({ verification: options.signatureVerification ?? 'auto' });
    const validation = validationStep({ validator: this.validator });
    const chain = chainStep({
      agentId,
      ...(options.maxDepth === undefined ? {} : { maxDepth: options.maxDepth }),
      ...(options.rejectDelegationLoops === undefined ? {} : { rejectLoops: options.rejectDelegationLoops }),
    });
    // Extra steps may rely on the sender's key being the registered one, so they keep the per-store
    // path, where key binding runs before them.
    const admission =
      registry !== undefined && (options.extraSteps ?? []).length === 0
        ? findAdmissionStore(options.registry, options.replayStore, options.revocationStore)
        : undefined;
    const steps: GateStep[] = [audienceStep({ agentId })];
    if (registry !== undefined && admission !== undefined) {
      // One admission-store call decides key binding, revocation and replay (the README, "The handoff gate",
      // "Admission"); the signature is checked against the declared key first, and any local
      // rejection asks the registry about the key binding, so reasons follow the hardened order.
      const binding = keyBindingStep({ registry });
      const declared = keyBindingStep({ insecureTrustSelfDeclaredKeys: true });
      steps.push(
        bindingFirst({ name: 'declared-key', check: (ctx) => declared.check(ctx) }, binding),
        bindingFirst(signature, binding),
        bindingFirst(validation, binding),
        bindingFirst(chain, binding),
        admissionStep({
          admission: guardAdmissionStore(admission, timeoutMs),
          binding,
          checksRevocations: options.revocationStore !== undefined,
          ...replayRetention,
        }),
      );
    } else {
      steps.push(
        keyBindingStep(
          registry === undefined
            ? { insecureTrustSelfDeclaredKeys: options.insecureTrustSelfDeclaredKeys === true }
            : { registry },
        ),
        signature,
        validation,
        chain,
      );
      if (registry !== undefined || revocations !== undefined) {
        steps.push(
          revocationStep({
            ...(registry === undefined ? {} : { registry }),
            ...(revocations === undefined ? {} : { revocations }),
          }),
        );
      }
      steps.push(...(options.extraSteps ?? []));
      steps.push(replayStep({ store: guardReplayStore(options.replayStore, timeoutMs), ...replayRetention }));
    }
    this.#steps = Object.freeze(steps);
    this.#parse = Object.freeze({
      ...(options.limits === undefined ? {} : { limits: options.limits }),
      ...(options.ttlPolicy === undefined ? {} : { ttlPolicy: options.ttlPolicy }),
      ...(options.maxApprovals === undefined ? {} : { maxApprovals: options.maxApprovals }),
    });
  }

  /** The steps in the order they run. */
  get stepNames(): readonly string[] {
    return this.#steps.map((step) => step.name);
  }

  /** Decide on an envelope (object, JSON text or UTF-8 bytes). Never throws; never rejects. */
  handle(input: GateInput): Promise<PacketDecision> {
    const inFlight = ++this.#inFlight;
    // Decide one microtask later, not inside this call: with memory stores a decision is otherwise
    // synchronous end to end, so callers that start many requests at once would never be seen in
    // flight together, and `auto` signature verification would stay on this thread instead of
    // spreading over the thread pool.
    return STARTED.then(() => this.#run(input, inFlight));
  }

  #run(input: GateInput, inFlight: number): PacketDecision | Promise<PacketDecision> {
    let out: PacketDecision | Promise<PacketDecision>;
    try {
      out = this.#decide(input, inFlight);
    } catch {
      // #decide catches step errors itself; this is the last line of defence (a throwing getter…).
      this.#inFlight--;
      return createDecision(null, 'REJECT', REASONS.gateError);
    }
    if (!(out instanceof Promise)) {
      // Every step answered synchronously (memory stores): no further microtask on the way.
      this.#inFlight--;
      return out;
    }
    return out.then(
      (decision) => {
        this.#inFlight--;
        return decision;
      },
      () => {
        this.#inFlight--;
        return createDecision(null, 'REJECT', REASONS.gateError);
      },
    );
  }

  /**
   * {@link handle}, and for an accepted packet a started {@link RevalidationWatcher} when revalidation
   * is configured (here or at construction). Rejects with ConfigurationError — before looking at the
   * packet — when an interval is set without a revalidate function.
   */
  async handleWithRevalidation(
    input: GateInput,
    options: RevalidationCallOptions = {},
  ): Promise<DecisionWithWatcher> {
    const config: RevalidationConfig = { ...this.#revalidation, ...options };
    checkRevalidation(config);
    const decision = await this.handle(input);
    if (decision.decision !== 'ACCEPT' || !isEnabled(config.intervalSeconds)) return { decision };
    const packet = this.#lastAccepted.get(decision);
    const revalidate = config.revalidate;
    if (packet === undefined || revalidate === undefined) return { decision };
    const watcher = new RevalidationWatcher({
      capabilityId: packet.packet_id,
      revalidate: () => revalidate(packet),
      intervalSeconds: config.intervalSeconds ?? null,
      expiresAt: packet.expires_at,
      events: this.#events,
      now: this.#now,
      ...(config.jitter === undefined ? {} : { jitter: config.jitter }),
      ...(config.checkTimeoutMs === undefined ? {} : { checkTimeoutMs: config.checkTimeoutMs }),
      ...(options.signal === undefined ? {} : { signal: options.signal }),
    });
    return { decision, watcher: watcher.start() };
  }

  /** The packet an ACCEPT decision was made for (for the executor and revalidation). */
  acceptedPacket(decision: PacketDecision): SignedTaskPacket | undefined {
    return this.#lastAccepted.get(decision);
  }

  // Accepted decisions → their packets, without widening the public decision object.
  readonly #lastAccepted = new WeakMap<PacketDecision, SignedTaskPacket>();

  #decide(input: GateInput, inFlight: number): PacketDecision | Promise<PacketDecision> {
    const parsed = parseGateInput(input, this.#parse);
    if (isParseFailure(parsed)) {
      return this.#reject(parsed.packetId, undefined, {
        reason: REASONS.malformedEnvelope,
        details: { error: parsed.error, message: parsed.message },
      });
    }
    return this.#runSteps(new HandoffContext(parsed, this.#now(), inFlight), 0);
  }

  // Steps run synchronously for as long as they answer synchronously; the first promise switches the
  // rest of this decision to the asynchronous path, so a memory-store gate never awaits.
  #runSteps(ctx: HandoffContext, from: number): PacketDecision | Promise<PacketDecision> {
    const steps = this.#steps;
    for (let i = from; i < steps.length; i++) {
      const step = steps[i]!;
      let result: StepResult;
      try {
        const out = step.check(ctx);
        if (isThenable(out)) return this.#awaitStep(ctx, i, out);
        result = out;
      } catch (error) {
        result = stepFailure(step, error);
      }
      if (result !== undefined) return this.#reject(ctx.packet.packet_id, ctx.packet, result);
    }
    return this.#accept(ctx.packet);
  }

  async #awaitStep(
    ctx: HandoffContext,
    index: number,
    pending: Promise<StepResult>,
  ): Promise<PacketDecision> {
    let result: StepResult;
    try {
      result = await pending;
    } catch (error) {
      result = stepFailure(this.#steps[index]!, error);
    }
    if (result !== undefined) return this.#reject(ctx.packet.packet_id, ctx.packet, result);
    return this.#runSteps(ctx, index + 1);
  }

  #accept(packet: SignedTaskPacket): PacketDecision {
    const decision = createDecision(packet.packet_id, 'ACCEPT', REASONS.accepted);
    this.#lastAccepted.set(decision, packet);
    this.#emit('packet_accepted', packet, undefined);
    if (this.#audit !== undefined)
      this.#sendAudit(this.#audit, 'handoff_accepted', packet, { reason: REASONS.accepted });
    return decision;
  }

  #reject(
    packetId: string | null,
    packet: SignedTaskPacket | undefined,
    rejection: StepRejection,
  ): PacketDecision {
    const decision = createDecision(packetId, 'REJECT', rejection.reason, rejection.details);
    this.#emit('packet_rejected', packet, decision.reason ?? rejection.reason, packetId);
    if (this.#audit !== undefined) {
      this.#sendAudit(
        this.#audit,
        rejection.audit ?? 'handoff_rejected',
        packet,
        {
          reason: decision.reason,
          ...decision.details,
        },
        packetId,
      );
    }
    return decision;
  }

  #emit(
    type: string,
    packet: SignedTaskPacket | undefined,
    reason: string | undefined,
    packetId?: string | null,
  ): void {
    try {
      const payload: Record<string, unknown> = {
        packet_id: packet?.packet_id ?? packetId ?? null,
        task_id: packet?.task_id ?? null,
        from_agent: packet?.from_agent ?? null,
        to_agent: packet?.to_agent ?? null,
        risk_level: packet?.risk_level ?? null,
        ttl_seconds: packet?.ttl_seconds ?? null,
      };
      if (reason !== undefined) payload['reason'] = reason;
      this.#events.emit(type, payload);
    } catch {
      // Events are observability; a failing emitter never changes a decision.
    }
  }

  #sendAudit(
    audit: AuditCollector,
    event: AuditEventName,
    packet: SignedTaskPacket | undefined,
    details: Record<string, unknown>,
    packetId?: string | null,
  ): void {
    const record: AuditRecord = Object.freeze({
      event,
      packet_id: packet?.packet_id ?? packetId ?? null,
      task_id: packet?.task_id ?? null,
      from_agent: packet?.from_agent ?? null,
      to_agent: packet?.to_agent ?? null,
      intent: packet?.intent ?? null,
      details: Object.freeze(details),
    });
    try {
      const out = audit(record);
      if (out instanceof Promise) out.catch(ignore);
    } catch {
      // The reference's rule: audit must never break the trust decision path.
    }
  }
}

const STARTED: Promise<void> = Promise.resolve();

/** Same as `new TrustHandoffMiddleware(options)`. */
export function createMiddleware(options: MiddlewareOptions): TrustHandoffMiddleware {
  return new TrustHandoffMiddleware(options);
}

function ignore(): void {}

function isThenable(value: StepResult | Promise<StepResult>): value is Promise<StepResult> {
  return value !== undefined && typeof (value as Partial<Promise<StepResult>>).then === 'function';
}

function findAdmissionStore(
  registry: AgentRegistry | undefined,
  replayStore: ReplayStore,
  revocationStore: RevocationStore | undefined,
): AdmissionStore | undefined {
  if (!isAdmissionCapable(registry)) return undefined;
  return registry.admissionStore(
    revocationStore === undefined ? { replayStore } : { replayStore, revocationStore },
  );
}

function stepFailure(step: GateStep, error: unknown): StepRejection {
  return error instanceof StepFailure
    ? { reason: error.reason }
    : { reason: REASONS.gateError, details: { step: step.name, error: errorName(error) } };
}

function errorName(error: unknown): string {
  return error instanceof Error ? error.name : typeof error;
}

function isEnabled(interval: number | null | undefined): boolean {
  return typeof interval === 'number' && interval > 0;
}

function checkRevalidation(config: RevalidationConfig): void {
  if (isEnabled(config.intervalSeconds) && typeof config.revalidate !== 'function') {
    throw new ConfigurationError('revalidation with an interval needs a revalidate function');
  }
  const jitter = config.jitter;
  if (jitter !== undefined && !(jitter >= 0 && jitter <= 1))
    throw new ConfigurationError('jitter must be in [0, 1]');
}

// The approval hook may consult a networked approver registry: bound it, and name its failure.
function guardApproval(check: HumanApprovalCheck, timeoutMs: number): HumanApprovalCheck {
  return (packet, context) => {
    let pending: Promise<boolean>;
    try {
      pending = Promise.resolve(check(packet, context));
    } catch (error) {
      pending = Promise.reject(error instanceof Error ? error : new Error('approval check failed'));
    }
    return withDeadline(pending, timeoutMs).catch((error: unknown) => {
      throw new StepFailure(REASONS.approvalCheckUnavailable, { cause: error });
    });
  };
}
