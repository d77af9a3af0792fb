/**
 * `verifyPacket(packet, { registry })` → a frozen verdict: `{ ok: true, packet, key }` or
 * `{ ok: false, reason }` — never an exception for bad input; a missing registry is a
 * ConfigurationError. `parsePacket` takes wire text, bytes or an object (read exactly once).
 */
import { describe, expect, it } from 'vitest';
import {
  AgentIdentity,
  MemoryAgentRegistry,
  issueTaskPacket,
  parsePacket,
  serializePacket,
  verifyPacket,
  type AgentRegistry,
} from '../support/api.js';
import { referenceVerifyPacket } from '../../src/reference/index.js';

const sender = AgentIdentity.generate();
const other = AgentIdentity.generate();
const packet = issueTaskPacket(sender, { to_agent: 'agent:b', intent: 'summarize', risk_level: 'read' });

async function registryWith(identity: AgentIdentity = sender): Promise<MemoryAgentRegistry> {
  const registry = new MemoryAgentRegistry();
  await registry.register(sender.agentId, identity.publicKeyPem);
  return registry;
}

const down: AgentRegistry = {
  register: () => Promise.reject(new Error('down')),
  resolve: () => Promise.reject(new Error('down')),
  isRegistered: () => Promise.reject(new Error('down')),
  revoke: () => Promise.reject(new Error('down')),
  isRevoked: () => Promise.reject(new Error('down')),
};

describe('verifyPacket', () => {
  it('accepts a packet signed with the registered key: the packet and the registered key', async () => {
    const registry = await registryWith();
    const verdict = await verifyPacket(packet, { registry });
    expect(verdict).toMatchObject({ ok: true, packet });
    expect(verdict.ok && verdict.key.raw.equals(sender.publicKeyRaw)).toBe(true);
    expect(Object.isFrozen(verdict)).toBe(true);
  });

  it.each([
    ['an unregistered sender', () => Promise.resolve(new MemoryAgentRegistry()), packet, 'not_registered'],
    ['another registered key', () => registryWith(other), packet, 'key_mismatch'],
    [
      'a key the packet declares that is not a key',
      () => registryWith(),
      { ...packet, public_key: 'hello' },
      'key_mismatch',
    ],
    ['a changed field', () => registryWith(), { ...packet, intent: 'Wire the money' }, 'bad_signature'],
    [
      'a signature of the wrong length',
      () => registryWith(),
      { ...packet, signature: Buffer.alloc(63).toString('base64') },
      'malformed_signature',
    ],
    ['a registry that is down', () => Promise.resolve(down), packet, 'registry_unavailable'],
  ] as const)('%s → %s', async (_name, makeRegistry, candidate, reason) => {
    const verdict = await verifyPacket(candidate, { registry: await makeRegistry() });
    expect(verdict).toEqual({ ok: false, reason });
    expect(Object.isFrozen(verdict)).toBe(true);
  });

  it('refuses a revoked sender (agent_revoked), after the signature verified', async () => {
    const registry = await registryWith();
    await registry.revoke(sender.agentId);
    expect(await verifyPacket(packet, { registry })).toEqual({ ok: false, reason: 'agent_revoked' });
    // A forged packet of a revoked sender is a bad signature: no revocation lookup is spent on it.
    expect(await verifyPacket({ ...packet, intent: 'x' }, { registry })).toEqual({
      ok: false,
      reason: 'bad_signature',
    });
    // The reference's verify_packet does not consult revocation.
    expect(await referenceVerifyPacket(packet, { registry })).toBe(true);
  });

  it('a revocation lookup that fails is registry_unavailable', async () => {
    const registry = await registryWith();
    const flaky: AgentRegistry = {
      ...down,
      resolve: (id) => registry.resolve(id),
    };
    expect(await verifyPacket(packet, { registry: flaky })).toEqual({
      ok: false,
      reason: 'registry_unavailable',
    });
  });

  it('never throws for garbage in place of a packet', async () => {
    const registry = await registryWith();
    for (const junk of [null, 1, 'packet', {}, { from_agent: 1 }, { from_agent: sender.agentId }]) {
      const verdict = await verifyPacket(junk as never, { registry });
      expect(verdict.ok).toBe(false);
    }
    expect(await verifyPacket({ from_agent: sender.agentId } as never, { registry })).toEqual({
      ok: false,
      reason: 'key_mismatch',
    });
  });

  it('needs a registry: ConfigurationError without one', async () => {
    for (const options of [{}, { registry: undefined }, { registry: {} }]) {
      await expect(verifyPacket(packet, options as never)).rejects.toMatchObject({
        code: 'ERR_CONFIGURATION',
      });
    }
  });
});

describe('parsePacket with object input', () => {
  it('an object parses to the same packet as its wire text', () => {
    const wire = serializePacket(packet);
    const fromObject = parsePacket(JSON.parse(wire) as object);
    expect(fromObject).toEqual(parsePacket(wire));
    expect(Object.isFrozen(fromObject.context)).toBe(true);
  });

  it('reads the object exactly once: no getter runs, a later change does not reach the packet', () => {
    const wire = JSON.parse(serializePacket(packet)) as Record<string, unknown>;
    const hostile = { ...wire };
    Object.defineProperty(hostile, 'intent', { enumerable: true, get: () => 'Wire the money' });
    expect(() => parsePacket(hostile)).toThrow(expect.objectContaining({ code: 'ERR_PAYLOAD_VALIDATION' }));
    const context = { company: 'Example Corp' };
    const mutable = { ...wire, context };
    const parsed = parsePacket(mutable);
    context.company = 'Evil Corp';
    expect(parsed.context).toEqual({ company: 'Example Corp' });
  });

  it('applies the size limit to objects too', () => {
    const wire = JSON.parse(serializePacket(packet)) as Record<string, unknown>;
    const big = { ...wire, context: { blob: 'x'.repeat(5000) } };
    expect(() => parsePacket(big, { limits: { maxBytes: 4096 } })).toThrow(
      expect.objectContaining({ code: 'ERR_PAYLOAD_VALIDATION' }),
    );
  });

  it('refuses what is not a packet object', () => {
    for (const junk of [null, 1, [], new Date()]) {
      expect(() => parsePacket(junk as never)).toThrow(
        expect.objectContaining({ code: 'ERR_PAYLOAD_VALIDATION' }),
      );
    }
  });
});
