/**
 * The handoff gate (SPEC §4, hardened as §7): `handle(envelope, { expect })` → ACCEPT or REJECT,
 * never an exception. The steps and their order are data, built by `buildSteps` (see pipeline.ts):
 *
 *   parse → audience → key binding → signature → validation → chain → expectations → revocation →
 *   capability → boundary → your extra steps → replay check-and-store
 *
 * Everything that can be checked without remembering anything comes before the one step that writes
 * (replay), so forged, misaddressed, mismatched, expired or revoked packets never touch the replay
 * store. With an admission-capable registry the same list runs on the one-call admission path.
 */
import { ConfigurationError } from '../errors.js';
import type { EventCatalogue, EventPort } from '../events/types.js';
import type { SignedTaskPacket, TtlPolicy } from '../packet/types.js';
import type { ApprovalVerifier } from '../approval/verify.js';
import { PacketValidator, approvalCheckOf, type HumanApprovalCheck } from '../packet/validate.js';
import {
  DEFAULT_OVERLAP_WINDOW_SECONDS,
  isAdmissionCapable,
  isInvalidationFeed,
  isRegisteredKeyLookup,
  type AdmissionStore,
  type InvalidationFeed,
  type AgentRegistry,
  type OverlapWindow,
  type ReplayStore,
  type RevocationStore,
} from '../stores/types.js';
import type { JsonLimits } from '../wire/parse-json.js';
import { boundaryStep, type BoundaryStepOptions } from '../boundaries/step.js';
import {
  HandoffContext,
  type Arrival,
  type GateStep,
  type StepRejection,
  type StepResult,
} from './context.js';
import {
  REASONS,
  acceptDecision,
  rejectDecision,
  type AcceptDecision,
  type GateDecision,
} from './decision.js';
import { watchedRevocations } from './revalidate-revocations.js';
import { expectationsStep, type CallExpectations } from './expectations.js';
import type { GateCall, GateHooks, StepReport } from './hooks.js';
import { isParseFailure, parseGateInput, type GateInput, type GateParseOptions } from './parse.js';
import { buildSteps, toAdmissionPath } from './pipeline.js';
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
import { admissionStep } from './steps/admission.js';
import { capabilityStep, type CapabilityStepOptions } from './steps/capability.js';
import { audienceStep } from './steps/audience.js';
import { chainStep } from './steps/chain.js';
import { declaredKeyStep, keyBindingStep } from './steps/key-binding.js';
import { DEFAULT_REPLAY_RETENTION_MARGIN_SECONDS, replayStep } from './steps/replay.js';
import { revocationStep } from './steps/revocation.js';
import { signatureStep, type SignatureVerification } from './steps/signature.js';
import type { SignatureBackend } from '../identity/signature-backend.js';
import { validationStep } from './steps/validation.js';

export interface RevalidationConfig {
  /** Seconds between checks; unset or ≤ 0 disables revalidation; below 0.5 counts as 0.5. */
  readonly intervalSeconds?: number | null;
  /**
   * Required when the interval is set: true while the accepted packet is still good. It is given the
   * gate's ACCEPT too (its verified capability chain; see `revocationRevalidator`).
   */
  readonly revalidate?: (packet: SignedTaskPacket, decision: AcceptDecision) => boolean | Promise<boolean>;
  /**
   * Revocations pushed to this process (docs/invalidation.md): the watcher goes stale (`invalidated`)
   * the moment the sender, an issuer of the verified capability chain, the packet, its task or any
   * capability of the chain is revoked, instead of at its next check. Polling stays on as the safety net.
   */
  readonly invalidation?: InvalidationFeed;
  /** Relative jitter in [0, 1] (default 0.2). */
  readonly jitter?: number;
  /** A check that takes longer is a failure (default: max(interval, 5 s)). */
  readonly checkTimeoutMs?: number;
}

/** The default of {@link HandoffGateOptions.maxLifetimeSeconds}: one hour. */
export const DEFAULT_MAX_LIFETIME_SECONDS = 3600;
/** The default of {@link HandoffGateOptions.storeTimeoutMs}. */
export const DEFAULT_STORE_TIMEOUT_MS = 2000;

export interface HandoffGateOptions {
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
  /** See `PacketValidator` (defaults from the environment: 30 s skew, 0 s grace). */
  readonly issuanceSkewSeconds?: number;
  readonly expiryGraceSeconds?: number;
  readonly enforceDefaultTtlPolicy?: boolean;
  readonly ttlPolicy?: TtlPolicy;
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Decides approval of packets that require human review: an `ApprovalVerifier`, or a check of your own. */
  readonly humanApproval?: ApprovalVerifier | HumanApprovalCheck;
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
  /**
   * The Ed25519 implementation for the packet signature and capability links (default node:crypto;
   * `sodiumBackend()` from `trusthandoff/sodium`). A speed choice only: the verdict is the same on
   * every backend. Approvals are verified by the `humanApproval` verifier, with its own option.
   */
  readonly signatureBackend?: SignatureBackend;
  /**
   * Extra replay retention for clock differences between verifiers that share the replay store,
   * seconds. Default: the issuance skew the gate tolerates (30 s unless configured), and at least 5 —
   * a verifier whose clock is behind accepts a packet for that much longer.
   */
  readonly replayRetentionMarginSeconds?: number;
  /**
   * Your own checks; they run after the built-in ones and before the replay step, which stays last.
   * A step that rejects should use a `custom:…` reason. On the admission path a step sees the key the
   * packet declares (signature verified, registry binding confirmed at the end); a step that needs
   * the registry-confirmed key sets `requiresBoundKey`, and the gate then uses the per-store path.
   */
  readonly extraSteps?: readonly GateStep[];
  /**
   * The event port decisions and validation events go to (`packet_accepted`, `packet_rejected`,
   * `store_unavailable`, `ai_generated_payload`, `token_overlap_used`, `capability_stale`). Without
   * one the gate emits nothing: there is no process-wide default.
   */
  readonly events?: EventPort;
  /**
   * The built-in capability step, off unless set: the packet's `capability_token` (with the chain in
   * the envelope's `capability_chain`) must verify from one of `trustedRoots` through this gate's
   * registry and revocation store, its leaf's subject must be the sender, and the packet's intent
   * must be an action the leaf authorizes. See docs/capability-step.md.
   */
  readonly capabilities?: GateCapabilityOptions;
  /**
   * Trust boundaries, off unless set: a boundary policy (`trusthandoff/boundaries`) saying what a
   * packet must satisfy to cross into each boundary, matched by sender group, registry namespace or
   * the transport passed as `handle(input, { arrival })`. One step after the capability step, before
   * replay. See docs/boundaries.md.
   */
  readonly boundaries?: GateBoundaryOptions;
  /** Hooks around every step and every decision (spans, metrics). */
  readonly hooks?: GateHooks;
  /** Clock in epoch milliseconds (default `Date.now`). */
  readonly now?: () => number;
  /** Revalidation for {@link HandoffGate.handleWithRevalidation}. */
  readonly revalidation?: RevalidationConfig;
}

/** The capability step's own settings; stores, clock, deadline and events come from the gate. */
export type GateCapabilityOptions = Pick<
  CapabilityStepOptions,
  'trustedRoots' | 'required' | 'maxChainLength' | 'maxTokenLength'
>;

/** The boundary step's own settings; stores, clock, deadline and events come from the gate. */
export type GateBoundaryOptions = Pick<BoundaryStepOptions, 'policy' | 'approvers' | 'namespaces'>;

/** Per call: what this call must be, and how it arrived. */
export interface HandleOptions {
  /** Checked against the signed packet before the replay step: a mismatch never spends the nonce. */
  readonly expect?: CallExpectations;
  /** How the packet arrived (transport, boundary), for the trust-boundary step; ignored without one. */
  readonly arrival?: Arrival;
}

export interface RevalidationCallOptions extends RevalidationConfig, HandleOptions {
  /** Stops the watcher when aborted. */
  readonly signal?: AbortSignal;
}

export interface DecisionWithWatcher {
  readonly decision: GateDecision;
  /** A started watcher for an accepted packet when revalidation is enabled; stop it when done. */
  readonly watcher?: RevalidationWatcher;
}

export class HandoffGate {
  /** The inbox this gate guards. */
  readonly agentId: string;
  readonly validator: PacketValidator;
  /** Which store path the step list runs on. */
  readonly path: 'admission' | 'per-store';
  readonly #steps: readonly GateStep[];
  readonly #parse: GateParseOptions;
  readonly #events: EventPort | undefined;
  readonly #hooks: GateHooks | undefined;
  // Timing is only read when someone looks at it (events carry latency; hooks get durations).
  readonly #timed: boolean;
  readonly #now: () => number;
  readonly #revalidation: RevalidationConfig | undefined;
  #inFlight = 0;
  #calls = 0;
  #hookErrors = 0;

  constructor(options: HandoffGateOptions) {
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
    const extraSteps = options.extraSteps ?? [];
    for (const step of extraSteps) {
      if (step === null || typeof step !== 'object' || typeof step.check !== 'function') {
        throw new ConfigurationError('every extra step needs a check(ctx) method');
      }
    }
    const events = options.events;
    if (events !== undefined && (events === null || typeof events.emit !== 'function'))
      throw new ConfigurationError('events must be an EventPort (an object with emit)');
    const hooks = options.hooks;
    if (hooks !== undefined) checkHooks(hooks);
    const revalidation = options.revalidation;
    if (revalidation !== undefined) checkRevalidation(revalidation);

    this.agentId = agentId;
    this.#now = options.now ?? Date.now;
    this.#events = events;
    this.#hooks = hooks;
    this.#timed = events !== undefined || hooks !== undefined;
    this.#revalidation = revalidation;
    const registry = options.registry === undefined ? undefined : guardRegistry(options.registry, timeoutMs);
    const revocations =
      options.revocationStore === undefined
        ? undefined
        : guardRevocationStore(options.revocationStore, timeoutMs);
    const overlapSeconds = options.overlapWindowSeconds ?? DEFAULT_OVERLAP_WINDOW_SECONDS;

    this.validator = new PacketValidator({
      now: this.#now,
      maxLifetimeSeconds: maxLifetime,
      emitDecisionEvents: false,
      ...(events === undefined ? {} : { events: events }),
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
        : { humanApproval: guardApproval(approvalCheckOf(options.humanApproval), timeoutMs) }),
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
      retentionMarginSeconds:
        options.replayRetentionMarginSeconds ??
        Math.max(DEFAULT_REPLAY_RETENTION_MARGIN_SECONDS, this.validator.settings.issuanceSkewSeconds),
    };
    const keyBinding = keyBindingStep(
      registry === undefined
        ? { insecureTrustSelfDeclaredKeys: options.insecureTrustSelfDeclaredKeys === true }
        : { registry },
    );
    const planned = buildSteps({
      audience: audienceStep({ agentId }),
      keyBinding,
      signature: signatureStep({
        verification: options.signatureVerification ?? 'auto',
        ...(options.signatureBackend === undefined ? {} : { signatureBackend: options.signatureBackend }),
      }),
      validation: validationStep({ validator: this.validator }),
      chain: chainStep({
        agentId,
        ...(options.maxDepth === undefined ? {} : { maxDepth: options.maxDepth }),
        ...(options.rejectDelegationLoops === undefined
          ? {}
          : { rejectLoops: options.rejectDelegationLoops }),
      }),
      expectations: expectationsStep(),
      ...(registry === undefined && revocations === undefined
        ? {}
        : {
            revocation: revocationStep({
              ...(registry === undefined ? {} : { registry }),
              ...(revocations === undefined ? {} : { revocations }),
            }),
          }),
      ...(options.capabilities === undefined
        ? {}
        : {
            capability: capabilityStep({
              ...options.capabilities,
              ...(options.registry === undefined ? {} : { registry: options.registry }),
              ...(options.revocationStore === undefined ? {} : { revocationStore: options.revocationStore }),
              now: this.#now,
              issuanceSkewSeconds: this.validator.settings.issuanceSkewSeconds,
              expiryGraceSeconds: this.validator.settings.expiryGraceSeconds,
              storeTimeoutMs: timeoutMs,
              ...(events === undefined ? {} : { events }),
              ...(options.signatureBackend === undefined
                ? {}
                : { signatureBackend: options.signatureBackend }),
            }),
          }),
      ...(options.boundaries === undefined
        ? {}
        : {
            boundary: boundaryStep({
              ...checkBoundaryOptions(options.boundaries),
              ...(options.registry === undefined ? {} : { registry: options.registry }),
              ...(options.revocationStore === undefined ? {} : { revocationStore: options.revocationStore }),
              now: this.#now,
              issuanceSkewSeconds: this.validator.settings.issuanceSkewSeconds,
              expiryGraceSeconds: this.validator.settings.expiryGraceSeconds,
              storeTimeoutMs: timeoutMs,
              ...(events === undefined ? {} : { events }),
            }),
          }),
      extraSteps,
      replay: replayStep({ store: guardReplayStore(options.replayStore, timeoutMs), ...replayRetention }),
    });
    // The one-call admission store: an optimisation of the same list (see pipeline.ts).
    const admission =
      registry === undefined
        ? undefined
        : findAdmissionStore(options.registry, options.replayStore, options.revocationStore);
    const admissionPath =
      admission === undefined
        ? undefined
        : toAdmissionPath(planned, {
            declaredKey: declaredKeyStep(isRegisteredKeyLookup(registry) ? registry : undefined),
            admission: admissionStep({
              admission: guardAdmissionStore(admission, timeoutMs),
              binding: keyBinding,
              checksRevocations: options.revocationStore !== undefined,
              ...replayRetention,
            }),
          });
    this.path = admissionPath === undefined ? 'per-store' : 'admission';
    this.#steps = Object.freeze(admissionPath ?? planned.map((p) => p.step));
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

  /** Hook calls that threw (isolated; they never changed a decision). */
  get stats(): { readonly hookErrors: number; readonly inFlight: number } {
    return { hookErrors: this.#hookErrors, inFlight: this.#inFlight };
  }

  /**
   * Decide on an envelope (object, JSON text or UTF-8 bytes). Never throws; never rejects. With
   * `expect`, the signed packet must also be what this call is (see {@link CallExpectations}).
   */
  handle(input: GateInput, options?: HandleOptions): Promise<GateDecision> {
    const inFlight = ++this.#inFlight;
    const startedAt = this.#timed ? performance.now() : 0;
    // Decide one microtask later, not inside this call: with memory stores a decision is otherwise
    // synchronous end to end, so callers that start many requests at once would never be seen in
    // flight together, and `auto` signature verification would stay on this thread instead of
    // spreading over the thread pool.
    return STARTED.then(() => this.#run(input, inFlight, options, startedAt));
  }

  #run(
    input: GateInput,
    inFlight: number,
    options: HandleOptions | undefined,
    startedAt: number,
  ): GateDecision | Promise<GateDecision> {
    const call: MutableCall | undefined =
      this.#hooks === undefined ? undefined : { id: ++this.#calls, startedAt, packet: undefined };
    let out: GateDecision | Promise<GateDecision>;
    try {
      out = this.#decide(input, inFlight, options, startedAt, call);
    } catch {
      // #decide catches step errors itself; this is the last line of defence (a throwing getter…).
      this.#inFlight--;
      return this.#reject(undefined, null, { reason: REASONS.gateError }, 'gate', startedAt, call);
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
        return this.#reject(undefined, null, { reason: REASONS.gateError }, 'gate', startedAt, call);
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
    const decision = await this.handle(input, {
      ...(options.expect === undefined ? {} : { expect: options.expect }),
      ...(options.arrival === undefined ? {} : { arrival: options.arrival }),
    });
    if (decision.decision !== 'ACCEPT' || !isEnabled(config.intervalSeconds)) return { decision };
    const packet = decision.packet;
    const revalidate = config.revalidate;
    if (revalidate === undefined) return { decision };
    const feed = config.invalidation;
    const watcher = new RevalidationWatcher({
      capabilityId: packet.packet_id,
      revalidate: () => revalidate(packet, decision),
      ...(feed === undefined ? {} : { invalidation: { feed, ...watchedRevocations(packet, decision) } }),
      intervalSeconds: config.intervalSeconds ?? null,
      expiresAt: packet.expires_at,
      now: this.#now,
      ...(this.#events === undefined ? {} : { events: this.#events }),
      ...(config.jitter === undefined ? {} : { jitter: config.jitter }),
      ...(config.checkTimeoutMs === undefined ? {} : { checkTimeoutMs: config.checkTimeoutMs }),
      ...(options.signal === undefined ? {} : { signal: options.signal }),
    });
    return { decision, watcher: watcher.start() };
  }

  #decide(
    input: GateInput,
    inFlight: number,
    options: HandleOptions | undefined,
    startedAt: number,
    call: MutableCall | undefined,
  ): GateDecision | Promise<GateDecision> {
    if (call !== undefined) this.#before(call, 'parse');
    const parseStart = call === undefined ? 0 : performance.now();
    const parsed = parseGateInput(input, this.#parse);
    if (isParseFailure(parsed)) {
      const rejection: StepRejection = {
        reason: REASONS.malformedEnvelope,
        details: { error: parsed.error, message: parsed.message },
      };
      if (call !== undefined) this.#after(call, 'parse', parseStart, rejection);
      return this.#reject(undefined, parsed.packetId, rejection, 'parse', startedAt, call);
    }
    const ctx = new HandoffContext(parsed, this.#now(), inFlight, options?.expect, options?.arrival);
    if (call === undefined) return this.#runSteps(ctx, 0, startedAt);
    call.packet = parsed.packet;
    this.#after(call, 'parse', parseStart, undefined);
    return this.#runTraced(ctx, 0, startedAt, call);
  }

  // Steps run synchronously for as long as they answer synchronously; the first promise switches the
  // rest of this decision to the asynchronous path, so a memory-store gate never awaits.
  #runSteps(ctx: HandoffContext, from: number, startedAt: number): GateDecision | Promise<GateDecision> {
    const steps = this.#steps;
    for (let i = from; i < steps.length; i++) {
      const step = steps[i]!;
      let result: StepResult;
      try {
        const out = step.check(ctx);
        if (isThenable(out)) return this.#awaitStep(ctx, i, out, startedAt);
        result = out;
      } catch (error) {
        result = stepFailure(step, error);
      }
      if (result !== undefined)
        return this.#reject(ctx, ctx.packet.packet_id, result, step.name, startedAt, undefined);
    }
    return this.#accept(ctx, startedAt, undefined);
  }

  async #awaitStep(
    ctx: HandoffContext,
    index: number,
    pending: Promise<StepResult>,
    startedAt: number,
  ): Promise<GateDecision> {
    const step = this.#steps[index]!;
    let result: StepResult;
    try {
      result = await pending;
    } catch (error) {
      result = stepFailure(step, error);
    }
    if (result !== undefined)
      return this.#reject(ctx, ctx.packet.packet_id, result, step.name, startedAt, undefined);
    return this.#runSteps(ctx, index + 1, startedAt);
  }

  // The same loop with hooks around every step; kept apart so the untraced path pays nothing. Like
  // #runSteps it stays synchronous until a step answers with a promise.
  #runTraced(
    ctx: HandoffContext,
    from: number,
    startedAt: number,
    call: MutableCall,
  ): GateDecision | Promise<GateDecision> {
    const steps = this.#steps;
    for (let i = from; i < steps.length; i++) {
      const step = steps[i]!;
      this.#before(call, step.name);
      const stepStart = performance.now();
      let result: StepResult;
      try {
        const out = step.check(ctx);
        if (isThenable(out)) return this.#awaitTraced(ctx, i, out, stepStart, startedAt, call);
        result = out;
      } catch (error) {
        result = stepFailure(step, error);
      }
      this.#after(call, step.name, stepStart, result);
      if (result !== undefined)
        return this.#reject(ctx, ctx.packet.packet_id, result, step.name, startedAt, call);
    }
    return this.#accept(ctx, startedAt, call);
  }

  async #awaitTraced(
    ctx: HandoffContext,
    index: number,
    pending: Promise<StepResult>,
    stepStart: number,
    startedAt: number,
    call: MutableCall,
  ): Promise<GateDecision> {
    const step = this.#steps[index]!;
    let result: StepResult;
    try {
      result = await pending;
    } catch (error) {
      result = stepFailure(step, error);
    }
    this.#after(call, step.name, stepStart, result);
    if (result !== undefined)
      return this.#reject(ctx, ctx.packet.packet_id, result, step.name, startedAt, call);
    return this.#runTraced(ctx, index + 1, startedAt, call);
  }

  #before(call: GateCall, step: string): void {
    try {
      this.#hooks?.beforeStep?.(call, step);
    } catch {
      this.#hookErrors++;
    }
  }

  #after(call: GateCall, step: string, stepStart: number, result: StepResult): void {
    const after = this.#hooks?.afterStep;
    if (after === undefined) return;
    const durationMs = performance.now() - stepStart;
    const report: StepReport =
      result === undefined
        ? { step, outcome: 'pass', durationMs }
        : { step, outcome: 'reject', reason: result.reason, durationMs };
    try {
      after(call, report);
    } catch {
      this.#hookErrors++;
    }
  }

  #decided(call: GateCall | undefined, decision: GateDecision, latencyMs: number): void {
    if (call === undefined) return;
    try {
      this.#hooks?.afterDecision?.(call, decision, latencyMs);
    } catch {
      this.#hookErrors++;
    }
  }

  #accept(ctx: HandoffContext, startedAt: number, call: GateCall | undefined): GateDecision {
    const decision = acceptDecision(ctx.packet, ctx.chain, REASONS.accepted, ctx.capabilities);
    if (this.#timed) {
      const latencyMs = performance.now() - startedAt;
      if (this.#events !== undefined) this.#emitAccepted(ctx.packet, latencyMs);
      this.#decided(call, decision, latencyMs);
    }
    return decision;
  }

  #reject(
    ctx: HandoffContext | undefined,
    packetId: string | null,
    rejection: StepRejection,
    step: string,
    startedAt: number,
    call: GateCall | undefined,
  ): GateDecision {
    const decision = rejectDecision(packetId, rejection.reason, rejection.details);
    if (this.#timed) {
      const latencyMs = performance.now() - startedAt;
      if (this.#events !== undefined) this.#emitRejected(ctx?.packet, decision, step, latencyMs);
      this.#decided(call, decision, latencyMs);
    }
    return decision;
  }

  // Each event's fields are one object literal: V8 (Node 20) takes a slow path for a spread followed
  // by more properties, which measured as most of the port's cost per decision.
  #emitAccepted(packet: SignedTaskPacket, latencyMs: number): void {
    try {
      this.#events!.emit('packet_accepted', {
        packet_id: packet.packet_id,
        task_id: packet.task_id,
        from_agent: packet.from_agent,
        to_agent: packet.to_agent,
        intent: packet.intent,
        risk_level: packet.risk_level,
        ttl_seconds: packet.ttl_seconds,
        latency_ms: latencyMs,
        reason: REASONS.accepted,
      });
    } catch {
      // Events are observability; a failing port never changes a decision.
    }
  }

  #emitRejected(
    packet: SignedTaskPacket | undefined,
    decision: GateDecision,
    step: string,
    latencyMs: number,
  ): void {
    const events = this.#events!;
    try {
      const fields: EventCatalogue['packet_rejected'] = {
        packet_id: packet?.packet_id ?? decision.packet_id,
        task_id: packet?.task_id ?? null,
        from_agent: packet?.from_agent ?? null,
        to_agent: packet?.to_agent ?? null,
        intent: packet?.intent ?? null,
        risk_level: packet?.risk_level ?? null,
        ttl_seconds: packet?.ttl_seconds ?? null,
        latency_ms: latencyMs,
        reason: decision.reason,
        step,
        details: decision.details ?? null,
      };
      events.emit('packet_rejected', fields);
      const store =
        decision.reason === 'capability_store_unavailable'
          ? decision.details?.['chain_reason'] === 'revocation_store_unavailable'
            ? 'revocation'
            : 'registry'
          : UNAVAILABLE_STORES[decision.reason];
      if (store !== undefined) {
        events.emit('store_unavailable', {
          store: this.path === 'admission' && step === 'admission' ? 'admission' : store,
          operation: step,
          reason: decision.reason,
          packet_id: decision.packet_id,
        });
      }
    } catch {
      // Events are observability; a failing port never changes a decision.
    }
  }
}

interface MutableCall extends GateCall {
  packet: SignedTaskPacket | undefined;
}

// Which store a fail-closed reason names, for the `store_unavailable` event.
const UNAVAILABLE_STORES: Readonly<Record<string, EventCatalogue['store_unavailable']['store'] | undefined>> =
  Object.freeze({
    [REASONS.registryUnavailable]: 'registry',
    [REASONS.revocationStoreUnavailable]: 'revocation',
    [REASONS.replayStoreUnavailable]: 'replay',
    [REASONS.overlapWindowUnavailable]: 'overlap',
    [REASONS.approvalCheckUnavailable]: 'approval',
  });

const STARTED: Promise<void> = Promise.resolve();

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

function checkBoundaryOptions(options: GateBoundaryOptions): GateBoundaryOptions {
  if (options === null || typeof options !== 'object')
    throw new ConfigurationError('boundaries must be an object with a policy');
  return {
    policy: options.policy,
    ...(options.approvers === undefined ? {} : { approvers: options.approvers }),
    ...(options.namespaces === undefined ? {} : { namespaces: options.namespaces }),
  };
}

function checkHooks(hooks: GateHooks): void {
  if (hooks === null || typeof hooks !== 'object') throw new ConfigurationError('hooks must be an object');
  for (const name of ['beforeStep', 'afterStep', 'afterDecision'] as const) {
    const hook: unknown = hooks[name];
    if (hook !== undefined && typeof hook !== 'function')
      throw new ConfigurationError(`hooks.${name} must be a function`);
  }
}

function checkRevalidation(config: RevalidationConfig): void {
  if (isEnabled(config.intervalSeconds) && typeof config.revalidate !== 'function') {
    throw new ConfigurationError('revalidation with an interval needs a revalidate function');
  }
  const jitter = config.jitter;
  if (jitter !== undefined && !(jitter >= 0 && jitter <= 1))
    throw new ConfigurationError('jitter must be in [0, 1]');
  if (config.invalidation !== undefined && !isInvalidationFeed(config.invalidation)) {
    throw new ConfigurationError('invalidation must be an InvalidationFeed (an object with subscribe)');
  }
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
