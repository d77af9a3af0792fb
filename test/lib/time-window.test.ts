/** The time-window rules (src/lib/time-window.ts), pinned at their boundaries, and through the objects that use them. */
import { describe, expect, it } from 'vitest';
import { ageWindow, exceedsLifetime, isExpired, isIssuedInFuture } from '../../src/lib/time-window.js';
import { fixture } from '../gate/support.js';

describe('time-window rules', () => {
  it('issued in the future: only beyond the skew', () => {
    expect(isIssuedInFuture(1030, 1000, 30)).toBe(false);
    expect(isIssuedInFuture(1031, 1000, 30)).toBe(true);
  });

  it('expired: the instant of expiry is valid for packets and capabilities, expired for approvals', () => {
    expect(isExpired(1000, 1000, 0)).toBe(false);
    expect(isExpired(1000, 1001, 0)).toBe(true);
    expect(isExpired(1000, 1005, 5)).toBe(false);
    expect(isExpired(1000, 1000, 0, 'expired')).toBe(true);
    expect(isExpired(1000, 999, 0, 'expired')).toBe(false);
  });

  it('lifetime: exactly the maximum is allowed', () => {
    expect(exceedsLifetime(0, 3600, 3600)).toBe(false);
    expect(exceedsLifetime(0, 3601, 3600)).toBe(true);
  });

  it('age window: inclusive at both ends', () => {
    expect(ageWindow(1030, 1000, 300, 30)).toBeUndefined();
    expect(ageWindow(1031, 1000, 300, 30)).toBe('in_future');
    expect(ageWindow(700, 1000, 300, 30)).toBeUndefined();
    expect(ageWindow(699, 1000, 300, 30)).toBe('too_old');
  });

  it('a packet is accepted at the instant it expires and rejected one millisecond later (the gate)', async () => {
    const f = await fixture();
    const at = f.envelope({ risk_level: 'write' });
    f.clock.advance(120);
    expect((await f.gate.handle(at)).decision).toBe('ACCEPT');
    const later = f.envelope({ risk_level: 'write' });
    f.clock.ms += 120_001;
    expect((await f.gate.handle(later)).reason).toBe('expired');
  });
});
