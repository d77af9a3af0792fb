/**
 * Replay protection, last (SPEC §7.1): only a packet that passed every other check is remembered, so
 * a forged or unsigned packet can neither burn a victim's nonce nor fill the store. The key is scoped
 * to `(from_agent, nonce)` (SPEC §7.2) and kept until the packet could no longer be accepted anyway:
 * `expires_at + expiry grace + overlap window + margin − now`. The margin (default 5 s) covers clock
 * differences between verifiers that share the store.
 */
import { ConfigurationError, ReplayStoreFullError } from '../../errors.js';
import type { SignedTaskPacket } from '../../packet/types.js';
import type { ReplayStore } from '../../stores/types.js';
import {
  rejection,
  type GateStep,
  type HandoffContext,
  type StepRejection,
  type StepResult,
} from '../context.js';
import { REASONS } from '../decision.js';
import { storeFailure } from './store-failure.js';

export interface ReplayStepOptions {
  readonly store: ReplayStore;
  /** Clock in epoch milliseconds (default `Date.now`). */
  readonly now?: () => number;
  /** The validator's expiry grace, seconds (default 0). */
  readonly expiryGraceSeconds?: number;
  /** The overlap window's length, seconds, when one is used (default 0: none). */
  readonly overlapSeconds?: number;
  /** Extra retention for clock differences between verifiers, seconds (default 5). */
  readonly retentionMarginSeconds?: number;
  /** Retention for a packet without `expires_at` (validation refuses those; default 3600 s). */
  readonly fallbackRetentionSeconds?: number;
}

export const DEFAULT_REPLAY_RETENTION_MARGIN_SECONDS = 5;

export const REPLAY: StepRejection = rejection(REASONS.replayDetected);
const UNAVAILABLE = rejection(REASONS.replayStoreUnavailable);
/** A store full of live nonces: its own reason, never a replay (the packet was not seen). */
export const REPLAY_STORE_FULL: StepRejection = rejection(REASONS.replayStoreFull);

/** The replay key of a packet: sender and nonce, length-prefixed so no two pairs collide. */
export function replayKey(packet: Pick<SignedTaskPacket, 'from_agent' | 'nonce'>): string {
  return `${packet.from_agent.length}:${packet.from_agent}:${packet.nonce}`;
}

function seconds(name: string, value: number | undefined, fallback: number): number {
  const v = value ?? fallback;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0)
    throw new ConfigurationError(`${name} must be a number ≥ 0`);
  return v * 1000;
}

/** The retention options of {@link ReplayStepOptions}, without the store. */
export type ReplayRetentionOptions = Omit<ReplayStepOptions, 'store'>;

/**
 * How long a packet's replay key is kept, ms, judged at the clock's current time: until the packet
 * could no longer be accepted anyway (options checked here, once). The capability-token envelope
 * uses the same rule, with its last acceptable moment as `expires_at`.
 */
export function replayRetention(
  options: ReplayRetentionOptions,
): (packet: { readonly expires_at: { readonly epochMillis: number } | null }) => number {
  const now = options.now ?? Date.now;
  const graceMs = seconds('expiryGraceSeconds', options.expiryGraceSeconds, 0);
  const overlapMs = seconds('overlapSeconds', options.overlapSeconds, 0);
  const marginMs = seconds(
    'retentionMarginSeconds',
    options.retentionMarginSeconds,
    DEFAULT_REPLAY_RETENTION_MARGIN_SECONDS,
  );
  const fallbackMs = seconds('fallbackRetentionSeconds', options.fallbackRetentionSeconds, 3600);
  return (packet) => {
    const expiresAt = packet.expires_at;
    // An expired packet accepted through the overlap window stays remembered for a full window.
    const remaining = expiresAt === null ? fallbackMs : Math.max(0, expiresAt.epochMillis + graceMs - now());
    return Math.max(1, Math.ceil(remaining + overlapMs + marginMs));
  };
}

export function replayStep(options: ReplayStepOptions): GateStep {
  const store = options.store;
  if (store === undefined || typeof store.checkAndStore !== 'function') {
    throw new ConfigurationError('replay step needs a ReplayStore');
  }
  const retention = replayRetention(options);

  return {
    name: 'replay',
    check(ctx: HandoffContext): Promise<StepResult> {
      const packet = ctx.packet;
      const ttlMs = retention(packet);
      let pending: Promise<boolean>;
      try {
        pending = store.checkAndStore(replayKey(packet), ttlMs);
      } catch (error) {
        return Promise.resolve(storeFailure(error, UNAVAILABLE));
      }
      return pending.then(
        // Anything but a real `true` (a buggy store's 'OK', 1, …) counts as seen: fail closed.
        (fresh: unknown) => (fresh === true ? undefined : REPLAY),
        (error: unknown) =>
          error instanceof ReplayStoreFullError ? REPLAY_STORE_FULL : storeFailure(error, UNAVAILABLE),
      );
    },
  };
}
