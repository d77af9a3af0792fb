import { describe, expect, it } from 'vitest';
import {
  AgentIdentity,
  createTaskPacket,
  issueTaskPacket,
  parsePacket,
  PayloadValidationError,
  serializePacket,
  Timestamp,
} from '../support/api.js';
import {
  getTaskMetadata,
  insecureVerifyPacketSelfDeclaredKey,
  packetFromTask,
  signedTask,
} from '../../src/reference/index.js';

const identity = AgentIdentity.generate();
const base = { from_agent: identity.agentId, to_agent: 'agent:researcher', intent: 'Research' };
const issuedAt = '2026-03-08T12:00:00Z';

describe('createTaskPacket', () => {
  it('writes every field out (absent optionals null, defaults present)', () => {
    const draft = createTaskPacket(base);
    expect(draft.permissions).toEqual({ allowed_actions: [], max_tool_calls: null });
    expect(draft.context).toEqual({});
    expect(draft.memory_refs).toEqual([]);
    expect(draft.constraints).toBeNull();
    expect(draft.expires_at?.equals(draft.issued_at.plusSeconds(900))).toBe(true);
    expect(draft.nonce).toMatch(/^[0-9a-f]{32}$/);
    expect(draft.signature_algo).toBe('Ed25519');
    expect(createTaskPacket({ ...base, constraints: {} }).constraints).toEqual({
      max_runtime_seconds: null,
      data_boundary: null,
      requires_human_review: false,
    });
  });

  describe('TTL policy (SPEC §3)', () => {
    it('with neither risk_level nor ttl_seconds, an explicit expires_at is kept as is', () => {
      const draft = createTaskPacket({ ...base, issued_at: issuedAt, expires_at: '2026-03-08T12:05:00Z' });
      expect([draft.risk_level, draft.ttl_seconds, draft.expires_at?.toCanonical()]).toEqual([
        null,
        null,
        '2026-03-08T12:05:00Z',
      ]);
    });

    it('with none of expires_at, risk_level, ttl_seconds: the read TTL of the policy (issue 9.4)', () => {
      const draft = createTaskPacket({ ...base, issued_at: issuedAt });
      expect([draft.risk_level, draft.ttl_seconds, draft.expires_at?.toCanonical()]).toEqual([
        null,
        null,
        '2026-03-08T12:15:00Z',
      ]);
      const custom = createTaskPacket(
        { ...base, issued_at: issuedAt, expires_at: null },
        { ttlPolicy: { read: 60, write: 30 } },
      );
      expect(custom.expires_at?.toCanonical()).toBe('2026-03-08T12:01:00Z');
      expect(() => createTaskPacket({ ...base, issued_at: issuedAt }, { ttlPolicy: { write: 30 } })).toThrow(
        PayloadValidationError,
      );
    });

    it('risk_level write → 120 s, read → 900 s, expires_at filled', () => {
      const write = createTaskPacket({ ...base, issued_at: issuedAt, risk_level: 'write' });
      expect(write.ttl_seconds).toBe(120);
      expect(write.expires_at?.toCanonical()).toBe('2026-03-08T12:02:00Z');
      const read = createTaskPacket({ ...base, issued_at: issuedAt, risk_level: 'read' });
      expect(read.expires_at?.toCanonical()).toBe('2026-03-08T12:15:00Z');
    });

    it('ttl_seconds alone defaults the risk level to read', () => {
      const draft = createTaskPacket({ ...base, issued_at: issuedAt, ttl_seconds: 60 });
      expect(draft.risk_level).toBe('read');
      expect(draft.expires_at?.toCanonical()).toBe('2026-03-08T12:01:00Z');
    });

    it('keeps the offset of issued_at in the computed expires_at, as Python does', () => {
      const draft = createTaskPacket({
        ...base,
        issued_at: '2026-03-08T14:00:00.250000+02:00',
        risk_level: 'write',
      });
      expect(draft.expires_at?.toCanonical()).toBe('2026-03-08T14:02:00.250000+02:00');
    });

    it('a present expires_at must equal issued_at + ttl', () => {
      expect(
        createTaskPacket({
          ...base,
          issued_at: issuedAt,
          expires_at: '2026-03-08T12:02:00Z',
          risk_level: 'write',
        }).ttl_seconds,
      ).toBe(120);
      expect(() =>
        createTaskPacket({
          ...base,
          issued_at: issuedAt,
          expires_at: '2026-03-08T12:03:00Z',
          risk_level: 'write',
        }),
      ).toThrow(PayloadValidationError);
    });

    it('unknown risk levels are refused; custom policies are honoured', () => {
      expect(() => createTaskPacket({ ...base, risk_level: 'admin' })).toThrow(PayloadValidationError);
      const draft = createTaskPacket(
        { ...base, issued_at: issuedAt, risk_level: 'admin' },
        { ttlPolicy: { admin: 30 } },
      );
      expect(draft.expires_at?.toCanonical()).toBe('2026-03-08T12:00:30Z');
    });

    it('the same policy applies when a packet is parsed (a Python sender resolves it before signing)', () => {
      const signed = issueTaskPacket(identity, { ...base, issued_at: issuedAt, risk_level: 'write' });
      const wire = serializePacket(signed).replace('"ttl_seconds":120', '"ttl_seconds":null');
      expect(parsePacket(wire).ttl_seconds).toBe(120);
      expect(insecureVerifyPacketSelfDeclaredKey(parsePacket(wire))).toBe(true);
      const wrong = serializePacket(signed).replace(
        '"expires_at":"2026-03-08T12:02:00Z"',
        '"expires_at":"2026-03-08T12:09:00Z"',
      );
      expect(() => parsePacket(wrong)).toThrow(PayloadValidationError);
    });
  });

  it.each<[string, Record<string, unknown>]>([
    ['missing to_agent', { to_agent: undefined }],
    ['a number as intent', { intent: 5 }],
    ['an unknown field', { colour: 'blue' }],
    ['a non-integer tool budget', { permissions: { max_tool_calls: 1.5 } }],
    ['a string tool budget', { permissions: { max_tool_calls: '5' } }],
    ['an unknown permission field', { permissions: { admin: true } }],
    ['a non-list of actions', { permissions: { allowed_actions: 'read' } }],
    ['a non-boolean review flag', { constraints: { requires_human_review: 'yes' } }],
    ['a context that is a list', { context: [] }],
    ['an invalid datetime', { issued_at: '08/03/2026' }],
    ['a zero TTL', { ttl_seconds: 0 }],
    ['a TTL past year 9999', { issued_at: '9999-12-31T23:59:00Z', ttl_seconds: 120 }],
  ])('refuses %s with PayloadValidationError', (_name, change) => {
    expect(() => createTaskPacket({ ...base, ...change })).toThrow(PayloadValidationError);
  });
});

describe('task metadata helper and packet factory', () => {
  it('attaches metadata; an unknown risk level falls back to read', () => {
    const transfer = signedTask(() => 'done', { risk_level: 'write', requires_human_review: true });
    expect(getTaskMetadata(transfer)).toEqual({
      risk_level: 'write',
      ttl_seconds: null,
      requires_human_review: true,
      ai_provenance: null,
    });
    expect(getTaskMetadata(signedTask(() => 1, { risk_level: 'admin' }))?.risk_level).toBe('read');
  });

  it('builds a signed packet with issued_at = now and the TTL resolved', () => {
    const now = Date.parse('2026-03-08T12:00:00Z');
    const summarize = signedTask(() => 'ok', {
      risk_level: 'write',
      ai_provenance: { source: 'llm', model: 'm' },
    });
    const packet = packetFromTask(
      summarize,
      identity,
      { to_agent: 'agent:b', intent: 'summarize' },
      { now: () => now },
    );
    expect(packet.issued_at.toCanonical()).toBe('2026-03-08T12:00:00Z');
    expect(packet.expires_at?.equals(Timestamp.parse('2026-03-08T12:02:00Z'))).toBe(true);
    expect(packet.ai_provenance).toEqual({ source: 'llm', model: 'm' });
    expect(insecureVerifyPacketSelfDeclaredKey(packet)).toBe(true);
  });

  it('a task that requires review cannot be switched off by the caller', () => {
    const wire = signedTask(() => 1, { requires_human_review: true });
    const packet = packetFromTask(wire, identity, {
      to_agent: 'agent:b',
      intent: 'pay',
      constraints: { requires_human_review: false, data_boundary: 'eu' },
    });
    expect(packet.constraints).toEqual({
      max_runtime_seconds: null,
      data_boundary: 'eu',
      requires_human_review: true,
    });
  });
});
