/**
 * examples/redis-operations.ts against a redis-server of our own (it writes the default marker key):
 * a new deployment starts `lost`, is initialised, accepts; a flush makes it refuse with
 * `store_state_lost` (and say so in the audit) until re-armed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGate } from '../../examples/redis-operations.js';
import { createChain, createDelegationEnvelope, issueTaskPacket } from '../support/api.js';
import {
  redisServerPresent,
  startLocalRedisServer,
  type LocalRedisServer,
} from '../../bench/local-redis-server.js';
import { IN_CI } from '../support/services.js';
import { receiver, sender } from './support.js';

const present = await redisServerPresent();
if (!present && IN_CI) throw new Error('CI=true and redis-server/redis-cli are not installed');

describe.skipIf(!present)('examples/redis-operations.ts', () => {
  let server: LocalRedisServer;
  beforeAll(async () => {
    server = await startLocalRedisServer();
  });
  afterAll(async () => {
    await server.stop();
  });

  it('initialise, accept, lose the state, refuse, re-arm', async () => {
    const g = await startGate(server.url, receiver.agentId);
    const envelope = () => {
      const p = issueTaskPacket(sender, { to_agent: receiver.agentId, intent: 'x', risk_level: 'read' });
      return createDelegationEnvelope(p, createChain(p));
    };
    expect(g.status).toBe('lost');
    expect(g.storeState.persistence).toEqual({
      aofEnabled: false,
      appendfsync: null,
      maxmemoryPolicy: 'noeviction',
    });
    expect(g.audit.snapshot().map((e) => e.event_type)).toContain('store_persistence_warning');
    await g.stores.agentRegistry.register(sender.agentId, sender.publicKeyPem);
    await g.storeState.trustStoreState();
    expect((await g.gate.handle(envelope())).decision).toBe('ACCEPT');
    await server.cli('FLUSHALL');
    expect((await g.gate.handle(envelope())).reason).toBe('store_state_lost');
    expect(
      g.audit
        .snapshot()
        .filter((e) => e.event_type === 'store_state_lost')
        .at(-1),
    ).toMatchObject({
      detail: 'marker_missing',
    });
    await g.stores.agentRegistry.register(sender.agentId, sender.publicKeyPem);
    await g.storeState.trustStoreState();
    expect((await g.gate.handle(envelope())).decision).toBe('ACCEPT');
    expect(g.stores.breaker?.state).toBe('closed');
    await g.close();
  });
});
