/**
 * The time-window rules, in one place. Every signed object has one: packets and capabilities
 * (issued_at with a tolerated skew, expires_at with a grace, a maximum lifetime), approvals (the same,
 * with the instant of expiry already expired), and the age windows of attestations and capability-token
 * envelopes (a timestamp not too far in the future, not older than a maximum age). The comparisons'
 * direction and boundaries live here; callers pass instants and tolerances in one unit of their
 * choosing (milliseconds, or microseconds where a Timestamp's precision matters).
 */

/** `issued` lies beyond the tolerated `skew` in the future. */
export function isIssuedInFuture(issued: number, now: number, skew: number): boolean {
  return issued - skew > now;
}

/**
 * `expires` (plus `grace`) has passed. At the instant of expiry itself a packet or capability is still
 * valid (the reference's `<`); an approval is not (`atExpiry: 'expired'`).
 */
export function isExpired(
  expires: number,
  now: number,
  grace: number,
  atExpiry: 'valid' | 'expired' = 'valid',
): boolean {
  return atExpiry === 'valid' ? expires + grace < now : expires + grace <= now;
}

/** `expires − issued` is longer than `max`. */
export function exceedsLifetime(issued: number, expires: number, max: number): boolean {
  return expires - issued > max;
}

/** Where a timestamp falls in an age window: too far in the future, too old, or inside (undefined). */
export function ageWindow(
  timestamp: number,
  now: number,
  maxAge: number,
  futureSkew: number,
): 'in_future' | 'too_old' | undefined {
  if (timestamp > now + futureSkew) return 'in_future';
  if (timestamp < now - maxAge) return 'too_old';
  return undefined;
}
