/**
 * Bounded store calls. A store that hangs must not hang the gate: every call to a store that talks to
 * something outside the process gets a deadline, and a missed deadline is a StoreUnavailableError,
 * which the steps turn into REJECT (fail closed). In-process memory stores answer synchronously and
 * are used as they are, which keeps a timer off their hot path; so are stores that enforce a per-call
 * deadline of their own no longer than the gate's (the Redis stores' `commandTimeoutMs`): one timer
 * per call, not two.
 */
import { StoreUnavailableError } from '../errors.js';
import type {
  AdmissionStore,
  AdmissionVerdict,
  AgentRegistry,
  OverlapWindow,
  RegisteredAgent,
  ReplayStore,
  RevocationStore,
} from '../stores/types.js';
import { attempt, withDeadline as boundInTime } from '../lib/deadline.js';
import type { RejectReason } from './decision.js';

/** A gate-internal failure that maps to a fixed REJECT reason (never shown to callers as an error). */
export class StepFailure extends Error {
  readonly reason: RejectReason;
  constructor(reason: RejectReason, options?: { cause?: unknown }) {
    super(reason, options);
    this.reason = reason;
  }
}

// A store that enforces a per-call deadline no longer than the gate's needs no second timer.
function isSelfBounded(store: unknown, timeoutMs: number): boolean {
  const own = (store as { readonly commandTimeoutMs?: unknown }).commandTimeoutMs;
  return typeof own === 'number' && own > 0 && own <= timeoutMs;
}

// A store says what it is through its interface (`inProcess`); the gate imports no concrete store.
function isInProcess(store: unknown): boolean {
  return (store as { readonly inProcess?: unknown }).inProcess === true;
}

/** `promise`, or a StoreUnavailableError once `timeoutMs` passed. */
export function withDeadline<T>(promise: Promise<T>, timeoutMs: number): Promise<T> {
  return boundInTime(
    promise,
    timeoutMs,
    () => new StoreUnavailableError(`store call did not finish within ${timeoutMs} ms`),
    asStoreError,
  );
}

function asStoreError(error: unknown): Error {
  return error instanceof Error ? error : new StoreUnavailableError('store call failed');
}

// A store method may also throw synchronously (a bug, or a client that is not connected).
function call<T>(fn: () => Promise<T>): Promise<T> {
  return attempt(fn, asStoreError);
}

/** The admission store, with the gate's deadline unless it answers synchronously or bounds itself. */
export function guardAdmissionStore(store: AdmissionStore, timeoutMs: number): AdmissionStore {
  if (isInProcess(store) || isSelfBounded(store, timeoutMs) || !(timeoutMs > 0) || timeoutMs === Infinity)
    return store;
  return {
    admit: (request) => {
      let out: AdmissionVerdict | Promise<AdmissionVerdict>;
      try {
        out = store.admit(request);
      } catch (error) {
        return Promise.reject(
          error instanceof Error ? error : new StoreUnavailableError('store call failed'),
        );
      }
      return typeof out === 'string' ? out : withDeadline(Promise.resolve(out), timeoutMs);
    },
  };
}

export function guardReplayStore(store: ReplayStore, timeoutMs: number): ReplayStore {
  if (isInProcess(store) || isSelfBounded(store, timeoutMs) || !(timeoutMs > 0) || timeoutMs === Infinity)
    return store;
  return {
    checkAndStore: (key, ttlMs) =>
      withDeadline(
        call(() => store.checkAndStore(key, ttlMs)),
        timeoutMs,
      ),
  };
}

export function guardRevocationStore(store: RevocationStore, timeoutMs: number): RevocationStore {
  if (isInProcess(store) || isSelfBounded(store, timeoutMs) || !(timeoutMs > 0) || timeoutMs === Infinity)
    return store;
  return {
    revoke: (id) =>
      withDeadline(
        call(() => store.revoke(id)),
        timeoutMs,
      ),
    isRevoked: (id) =>
      withDeadline(
        call(() => store.isRevoked(id)),
        timeoutMs,
      ),
  };
}

export function guardRegistry(registry: AgentRegistry, timeoutMs: number): AgentRegistry {
  if (
    isInProcess(registry) ||
    isSelfBounded(registry, timeoutMs) ||
    !(timeoutMs > 0) ||
    timeoutMs === Infinity
  )
    return registry;
  return {
    register: (agentId, pem) =>
      withDeadline(
        call(() => registry.register(agentId, pem)),
        timeoutMs,
      ),
    resolve: (agentId) =>
      withDeadline<RegisteredAgent | undefined>(
        call(() => registry.resolve(agentId)),
        timeoutMs,
      ),
    isRegistered: (agentId) =>
      withDeadline(
        call(() => registry.isRegistered(agentId)),
        timeoutMs,
      ),
    revoke: (agentId) =>
      withDeadline(
        call(() => registry.revoke(agentId)),
        timeoutMs,
      ),
    isRevoked: (agentId) =>
      withDeadline(
        call(() => registry.isRevoked(agentId)),
        timeoutMs,
      ),
  };
}

/** The overlap window as validation uses it: bounded, and a failure becomes a fixed reason. */
export function guardOverlapWindow(
  window: OverlapWindow,
  timeoutMs: number,
  reason: RejectReason,
): OverlapWindow {
  const unguarded = isInProcess(window) || !(timeoutMs > 0) || timeoutMs === Infinity;
  return {
    register: (tokenId) => window.register(tokenId),
    isValid: (tokenId) => {
      const pending = call(() => window.isValid(tokenId));
      return (unguarded ? pending : withDeadline(pending, timeoutMs)).catch((error: unknown) => {
        throw new StepFailure(reason, { cause: error });
      });
    },
  };
}
