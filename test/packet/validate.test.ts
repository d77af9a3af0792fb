/** Every validation reason of SPEC §4, each at its boundary, in the reference's order. */
import { describe, expect, it } from 'vitest';
import {
  AgentIdentity,
  PacketValidator,
  EventHub,
  MemoryEventSink,
  issueTaskPacket,
  MemoryAgentRegistry,
  MemoryOverlapWindow,
  Timestamp,
  type SignedTaskPacket,
  type TaskPacketInput,
  type PacketValidatorOptions,
} from '../support/api.js';
import { referenceValidatePacket } from '../../src/reference/index.js';

const T0 = Date.parse('2026-03-08T12:00:00Z');
const sender = AgentIdentity.generate();

function packet(overrides: Partial<TaskPacketInput> = {}): SignedTaskPacket {
  return issueTaskPacket(sender, {
    to_agent: 'agent:b',
    intent: 'Research',
    issued_at: '2026-03-08T12:00:00Z',
    expires_at: '2026-03-08T12:10:00Z',
    ...overrides,
  });
}

function port(log: MemoryEventSink): EventHub {
  return new EventHub({ verifier: { agentId: 'agent:b', instanceId: 'validator-1' }, sinks: [log] });
}

async function reasonOf(
  p: SignedTaskPacket,
  options: PacketValidatorOptions = {},
): Promise<string | undefined> {
  const result = await referenceValidatePacket(p, {
    now: () => T0,
    env: {},
    events: port(new MemoryEventSink()),
    ...options,
  });
  expect(result.ok).toBe(!('reason' in result));
  expect(Object.isFrozen(result)).toBe(true);
  return result.ok ? undefined : result.reason;
}

describe('1. registry binding → public_key_mismatch', () => {
  it('an unregistered sender or a different registered key fails first', async () => {
    const registry = new MemoryAgentRegistry();
    expect(await reasonOf(packet(), { registry })).toBe('public_key_mismatch');
    await registry.register(sender.agentId, AgentIdentity.generate().publicKeyPem);
    // Also expired: the first failing check wins.
    expect(await reasonOf(packet(), { registry, now: () => T0 + 3_600_000 })).toBe('public_key_mismatch');
    await registry.register(sender.agentId, sender.publicKeyPem);
    expect(await reasonOf(packet(), { registry })).toBeUndefined();
  });
});

describe('2. time window', () => {
  it('issued_at after expires_at → malformed_time_window', async () => {
    const p = packet();
    expect(await reasonOf({ ...p, expires_at: Timestamp.parse('2026-03-08T11:59:59.999999Z') })).toBe(
      'malformed_time_window',
    );
    expect(await reasonOf({ ...p, expires_at: Timestamp.parse('2026-03-08T12:00:00Z') })).toBeUndefined();
  });

  it('a packet with no expires_at is invalid', async () => {
    // createTaskPacket no longer builds one (issue 9.4); a sender elsewhere still can.
    expect(await reasonOf({ ...packet(), expires_at: null })).toBe('malformed_time_window');
  });

  it('naive timestamps cannot be placed on the timeline → naive_timestamp', async () => {
    // Built by hand: createTaskPacket refuses naive timestamps (issue 9.4).
    const p = packet();
    const naive = (text: string): Timestamp => Timestamp.parse(text);
    expect(
      await reasonOf({
        ...p,
        issued_at: naive('2026-03-08T12:00:00'),
        expires_at: naive('2026-03-08T12:10:00'),
      }),
    ).toBe('naive_timestamp');
    expect(await reasonOf({ ...p, expires_at: naive('2026-03-08T12:10:00') })).toBe('naive_timestamp');
  });
});

describe('3. issued_in_future (skew default 30 s, clamped to [0, 300])', () => {
  const at = (offsetMs: number): number => T0 - offsetMs; // the clock runs behind the packet by offsetMs

  it('default skew: exactly 30 s ahead passes, 1 ms more fails', async () => {
    expect(await reasonOf(packet(), { now: () => at(30_000) })).toBeUndefined();
    expect(await reasonOf(packet(), { now: () => at(30_001) })).toBe('issued_in_future');
  });

  it('microseconds count: 30 s and 1 µs ahead fails', async () => {
    const p = packet({ issued_at: '2026-03-08T12:00:30.000001Z', expires_at: '2026-03-08T12:10:00Z' });
    expect(await reasonOf(p, { now: () => T0 })).toBe('issued_in_future');
  });

  it('option and env values are clamped', async () => {
    expect(await reasonOf(packet(), { issuanceSkewSeconds: 0, now: () => at(1) })).toBe('issued_in_future');
    expect(await reasonOf(packet(), { issuanceSkewSeconds: -5, now: () => at(1) })).toBe('issued_in_future');
    expect(await reasonOf(packet(), { issuanceSkewSeconds: 1000, now: () => at(300_000) })).toBeUndefined();
    expect(await reasonOf(packet(), { issuanceSkewSeconds: 1000, now: () => at(300_001) })).toBe(
      'issued_in_future',
    );
    expect(
      await reasonOf(packet(), { env: { TRUSTHANDOFF_ISSUANCE_SKEW: '10' }, now: () => at(10_001) }),
    ).toBe('issued_in_future');
    expect(
      await reasonOf(packet(), { env: { TRUSTHANDOFF_ISSUANCE_SKEW: '999' }, now: () => at(300_000) }),
    ).toBeUndefined();
    expect(
      await reasonOf(packet(), { env: { TRUSTHANDOFF_ISSUANCE_SKEW: 'junk' }, now: () => at(30_000) }),
    ).toBeUndefined();
  });

  it('the environment is read when a validator is created, not once per process', () => {
    expect(
      new PacketValidator({ env: { TRUSTHANDOFF_ISSUANCE_SKEW: '5' } }).settings.issuanceSkewSeconds,
    ).toBe(5);
    expect(
      new PacketValidator({ env: { TRUSTHANDOFF_ISSUANCE_SKEW: '7' } }).settings.issuanceSkewSeconds,
    ).toBe(7);
    expect(
      new PacketValidator({ env: { TRUSTHANDOFF_EXPIRY_GRACE: '120' } }).settings.expiryGraceSeconds,
    ).toBe(60);
  });
});

describe('4. human_review_required', () => {
  const review = { constraints: { requires_human_review: true } };

  it('a packet requiring review fails without an approval check', async () => {
    expect(await reasonOf(packet(review))).toBe('human_review_required');
  });

  it('the pluggable approval check decides', async () => {
    expect(await reasonOf(packet(review), { humanApproval: () => true })).toBeUndefined();
    expect(await reasonOf(packet(review), { humanApproval: () => Promise.resolve(false) })).toBe(
      'human_review_required',
    );
  });

  it("the reference's context.human_approval counts only in the explicitly named legacy mode", async () => {
    const p = packet({ ...review, context: { human_approval: { by: 'alice' } } });
    expect(await reasonOf(p)).toBe('human_review_required');
    expect(await reasonOf(p, { insecureLegacyContextHumanApproval: true })).toBeUndefined();
    const falsy = packet({ ...review, context: { human_approval: {} } });
    expect(await reasonOf(falsy, { insecureLegacyContextHumanApproval: true })).toBe('human_review_required');
  });
});

describe('5. invalid_ai_provenance', () => {
  it('must be an object with a source; a valid one emits ai_generated_payload', async () => {
    // Built by hand: createTaskPacket refuses these (issue 9.3/9.4); a sender elsewhere still can.
    const p = packet();
    expect(await reasonOf({ ...p, ai_provenance: 'llm' })).toBe('invalid_ai_provenance');
    expect(await reasonOf({ ...p, ai_provenance: { model: 'gpt' } })).toBe('invalid_ai_provenance');
    expect(await reasonOf({ ...p, ai_provenance: { source: null } })).toBe('invalid_ai_provenance');
    const log = new MemoryEventSink();
    expect(
      await reasonOf(packet({ ai_provenance: { source: 'llm', model: 'gpt-4' } }), { events: port(log) }),
    ).toBeUndefined();
    expect(log.snapshot().find((e) => e.event_type === 'ai_generated_payload')).toMatchObject({
      source: 'llm',
      model: 'gpt-4',
    });
  });
});

describe('6. TTL policy', () => {
  it('an unknown risk level without a TTL → unsupported_risk_level', async () => {
    const p = packet({ risk_level: 'write', expires_at: null });
    expect(await reasonOf({ ...p, risk_level: 'admin', ttl_seconds: null })).toBe('unsupported_risk_level');
  });

  it('expires_at must equal issued_at + ttl → ttl_policy_mismatch', async () => {
    const p = packet({ risk_level: 'write', expires_at: null });
    expect(await reasonOf(p)).toBeUndefined();
    expect(await reasonOf({ ...p, ttl_seconds: 121 })).toBe('ttl_policy_mismatch');
    expect(await reasonOf({ ...p, ttl_seconds: null })).toBeUndefined(); // risk level write → 120 s
  });

  it('strict mode requires the read TTL when a packet names none (option or env)', async () => {
    expect(await reasonOf(packet())).toBeUndefined();
    expect(await reasonOf(packet(), { enforceDefaultTtlPolicy: true })).toBe('ttl_policy_mismatch');
    expect(await reasonOf(packet(), { env: { TRUSTHANDOFF_ENFORCE_DEFAULT_TTL_POLICY: 'yes' } })).toBe(
      'ttl_policy_mismatch',
    );
    const fifteenMinutes = packet({ expires_at: '2026-03-08T12:15:00Z' });
    expect(
      await reasonOf(fifteenMinutes, { env: { TRUSTHANDOFF_ENFORCE_DEFAULT_TTL_POLICY: '1' } }),
    ).toBeUndefined();
  });

  it('a verifier-side maximum lifetime → lifetime_exceeds_maximum', async () => {
    expect(await reasonOf(packet(), { maxLifetimeSeconds: 600 })).toBeUndefined();
    expect(await reasonOf(packet(), { maxLifetimeSeconds: 599 })).toBe('lifetime_exceeds_maximum');
  });
});

describe('7. expired (grace default 0, clamped to [0, 60]; overlap window)', () => {
  const expiry = Date.parse('2026-03-08T12:10:00Z');

  it('at expires_at it is valid; 1 ms later it is expired', async () => {
    expect(await reasonOf(packet(), { now: () => expiry })).toBeUndefined();
    expect(await reasonOf(packet(), { now: () => expiry + 1 })).toBe('expired');
  });

  it('grace extends the window and is clamped to 60 s', async () => {
    expect(await reasonOf(packet(), { expiryGraceSeconds: 60, now: () => expiry + 60_000 })).toBeUndefined();
    expect(await reasonOf(packet(), { expiryGraceSeconds: 600, now: () => expiry + 60_001 })).toBe('expired');
    expect(
      await reasonOf(packet(), { env: { TRUSTHANDOFF_EXPIRY_GRACE: '5' }, now: () => expiry + 5_000 }),
    ).toBeUndefined();
    expect(
      await reasonOf(packet(), { env: { TRUSTHANDOFF_EXPIRY_GRACE: '5' }, now: () => expiry + 5_001 }),
    ).toBe('expired');
  });

  it('an expired packet inside its overlap window passes with a token_overlap_used event', async () => {
    let clock = expiry - 10_000;
    const overlapWindow = new MemoryOverlapWindow({ now: () => clock });
    const p = packet();
    await overlapWindow.register(p.packet_id);
    clock = expiry + 19_999; // 29.999 s after registration: inside the 30 s window
    const log = new MemoryEventSink();
    expect(await reasonOf(p, { overlapWindow, events: port(log), now: () => clock })).toBeUndefined();
    expect(log.snapshot().map((e) => e.event_type)).toContain('token_overlap_used');
    expect(log.snapshot().find((e) => e.event_type === 'token_overlap_used')).toMatchObject({
      packet_id: p.packet_id,
      reason: 'expired_but_within_overlap',
    });
    clock = expiry - 10_000 + 30_001;
    expect(await reasonOf(p, { overlapWindow, now: () => clock })).toBe('expired');
  });
});

describe('events', () => {
  it('emits packet_accepted and packet_rejected with the packet fields and the reason', async () => {
    const log = new MemoryEventSink();
    const events = port(log);
    const ok = packet({ risk_level: 'write', expires_at: null });
    await reasonOf(ok, { events });
    await reasonOf(packet(), { events, now: () => T0 + 3_600_000 });
    const [accepted, rejected] = log.snapshot().filter((e) => e.event_type.startsWith('packet_'));
    expect(accepted).toMatchObject({
      event_type: 'packet_accepted',
      packet_id: ok.packet_id,
      task_id: ok.task_id,
      from_agent: sender.agentId,
      to_agent: 'agent:b',
      risk_level: 'write',
      ttl_seconds: 120,
      producer_id: sender.agentId,
      correlation_id: ok.packet_id,
    });
    expect(rejected).toMatchObject({ event_type: 'packet_rejected', reason: 'expired', step: 'validate' });
    expect(rejected?.event_id).toMatch(/^[0-9a-f-]{36}$/);
    for (const event of [accepted, rejected]) {
      expect(event).toMatchObject({
        intent: 'Research',
        verifier_id: 'agent:b',
        verifier_instance_id: 'validator-1',
      });
      expect(event && 'latency_ms' in event ? event.latency_ms : -1).toBeGreaterThanOrEqual(0);
    }
    expect(accepted).toMatchObject({ reason: 'packet_valid' });
  });

  it('emits nothing without a port, and no decision events when emitDecisionEvents is false', async () => {
    // Without a port there is nowhere to emit to: the call must still validate normally.
    const bare = new PacketValidator({ now: () => T0, env: {} });
    expect(await bare.validate(packet({ ai_provenance: { source: 'llm' } }))).toEqual({ ok: true });
    const log = new MemoryEventSink();
    const quiet = new PacketValidator({
      now: () => T0,
      env: {},
      events: port(log),
      emitDecisionEvents: false,
    });
    expect(await quiet.validate(packet({ ai_provenance: { source: 'llm' } }))).toEqual({ ok: true });
    expect(log.snapshot().map((e) => e.event_type)).toEqual(['ai_generated_payload']);
  });

  it('refuses an events option that is not a port', () => {
    expect(() => new PacketValidator({ events: {} as never })).toThrow(
      expect.objectContaining({ code: 'ERR_CONFIGURATION' }),
    );
  });
});
