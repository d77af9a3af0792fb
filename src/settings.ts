/**
 * Settings read from the environment, shared by every verifier (packets, capabilities): read when a
 * component is created, never once per process, so tests and deployments can vary them.
 */

export type Environment = Readonly<Record<string, string | undefined>>;

export interface ClockToleranceOptions {
  /** Tolerated clock skew for `issued_at`, seconds. Default env `TRUSTHANDOFF_ISSUANCE_SKEW` or 30. */
  readonly issuanceSkewSeconds?: number;
  /** Grace after `expires_at`, seconds. Default env `TRUSTHANDOFF_EXPIRY_GRACE` or 0. */
  readonly expiryGraceSeconds?: number;
}

export interface ClockTolerance {
  /** Clamped to [0, 300]. */
  readonly issuanceSkewSeconds: number;
  /** Clamped to [0, 60]. */
  readonly expiryGraceSeconds: number;
}

/** SPEC §4: skew default 30 s clamped to [0, 300]; grace default 0 s clamped to [0, 60]. */
export function resolveClockTolerance(options: ClockToleranceOptions, env: Environment): ClockTolerance {
  return {
    issuanceSkewSeconds: clamp(
      options.issuanceSkewSeconds ?? envNumber(env['TRUSTHANDOFF_ISSUANCE_SKEW'], 30),
      0,
      300,
    ),
    expiryGraceSeconds: clamp(
      options.expiryGraceSeconds ?? envNumber(env['TRUSTHANDOFF_EXPIRY_GRACE'], 0),
      0,
      60,
    ),
  };
}

/** A boolean environment flag: 1, true or yes (any case) is on. */
export function envFlag(raw: string | undefined): boolean {
  return raw !== undefined && ['1', 'true', 'yes'].includes(raw.trim().toLowerCase());
}

function clamp(value: number, min: number, max: number): number {
  // NaN (a non-numeric option) falls back to the lower bound: the strictest setting.
  return Number.isNaN(value) ? min : Math.min(max, Math.max(min, value));
}

function envNumber(raw: string | undefined, fallback: number): number {
  if (raw === undefined || raw.trim() === '') return fallback;
  const value = Number(raw);
  return Number.isFinite(value) ? value : fallback;
}
