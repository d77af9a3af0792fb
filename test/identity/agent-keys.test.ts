/**
 * Issue 9, item 9: a registry loaded from a JWKS or an agent map file. Any AgentRegistry is filled;
 * a malformed document registers nothing and is refused with a typed error; a gate whose registry was
 * loaded from a file accepts the registered agent's packets (named ids included).
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AgentIdentity,
  InvalidKeyError,
  MAX_AGENT_KEYS,
  MemoryAgentRegistry,
  MemoryReplayStore,
  PayloadValidationError,
  createDelegationEnvelope,
  exportJwks,
  HandoffGate,
  issueTaskPacket,
  loadAgentKeys,
  parseAgentKeys,
  registerAgentKeys,
  serializeDidKey,
  serializeDelegationEnvelope,
} from '../support/api.js';
import { createRedisStores } from '../../src/stores/redis/index.js';
import { deleteKeys, makeClient, runPrefix } from '../stores/redis-clients.js';
import { REDIS_URL, redisAvailable } from '../support/services.js';

const redisUp = await redisAvailable();

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'trusthandoff-registry-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const planner = AgentIdentity.generate();
const researcher = AgentIdentity.generate();
const writer = AgentIdentity.generate();

function caught(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}

describe('parseAgentKeys', () => {
  it('reads an agent map of PEM and did:key values, normalising PEM layout', () => {
    const crlf = writer.publicKeyPem.replace(/\n/g, '\r\n');
    const entries = parseAgentKeys({
      agents: {
        [planner.agentId]: planner.publicKeyPem,
        'agent:researcher': serializeDidKey(researcher),
        writer: crlf,
      },
    });
    expect(entries).toEqual([
      { agentId: planner.agentId, publicKeyPem: planner.publicKeyPem },
      { agentId: 'agent:researcher', publicKeyPem: researcher.publicKeyPem },
      { agentId: 'writer', publicKeyPem: writer.publicKeyPem },
    ]);
  });

  it('reads a JWKS (kid = agent id) the same way, from text or object', () => {
    const jwks = exportJwks([planner, { agentId: 'writer', publicKeyPem: writer.publicKeyPem }]);
    const expected = [
      { agentId: planner.agentId, publicKeyPem: planner.publicKeyPem },
      { agentId: 'writer', publicKeyPem: writer.publicKeyPem },
    ];
    expect(parseAgentKeys(jwks)).toEqual(expected);
    expect(parseAgentKeys(JSON.stringify(jwks))).toEqual(expected);
    expect(parseAgentKeys(Buffer.from(JSON.stringify(jwks)))).toEqual(expected);
  });

  it('the agent map example in docs/identities.md is a valid agent key file', async () => {
    const doc = await readFile(new URL('../../docs/identities.md', import.meta.url), 'utf8');
    const example = /```json\n(\{\n {2}"agents"[\s\S]*?)\n```/.exec(doc)?.[1];
    expect(example).toBeDefined();
    expect(parseAgentKeys(example!).map((e) => e.agentId)).toEqual(['agent:planner', 'agent:researcher']);
  });

  it('refuses malformed documents with PayloadValidationError', () => {
    const pem = planner.publicKeyPem;
    const jwk = exportJwks([planner]).keys[0]!;
    const documents: unknown[] = [
      null,
      [],
      'nope',
      '{"agents": ',
      {},
      { agents: {}, keys: [] }, // which one?
      { agents: [] },
      { agents: { a: pem }, extra: 1 }, // our format: no unknown members
      { agents: { '': pem } },
      { agents: { ['x'.repeat(257)]: pem } },
      { agents: { 'a\uDC00': pem } },
      { agents: { a: 42 } },
      { agents: { a: { pem } } },
      { keys: {} },
      { keys: [jwk, jwk] }, // two keys for one id
      { agents: Object.fromEntries(Array.from({ length: MAX_AGENT_KEYS + 1 }, (_, i) => [`a${i}`, pem])) },
    ];
    for (const document of documents) {
      expect(
        caught(() => parseAgentKeys(document)),
        JSON.stringify(document)?.slice(0, 80),
      ).toBeInstanceOf(PayloadValidationError);
    }
  });

  it('refuses a bad key with InvalidKeyError', () => {
    const x25519Did = 'did:key:z6LShs9GGnqk85isEBzzshkuVWrVKsRp24GnDuHk8QWkARMW';
    const rsaPem =
      '-----BEGIN PUBLIC KEY-----\nMFwwDQYJKoZIhvcNAQEBBQADSwAwSAJBAK==\n-----END PUBLIC KEY-----\n';
    for (const key of [x25519Did, rsaPem, 'garbage', planner.privateKeyPem]) {
      expect(caught(() => parseAgentKeys({ agents: { a: key } }))).toBeInstanceOf(InvalidKeyError);
    }
    const privateJwk = { kty: 'OKP', crv: 'Ed25519', x: 'AA', d: 'AA', kid: 'a' };
    expect(caught(() => parseAgentKeys({ keys: [privateJwk] }))).toBeInstanceOf(InvalidKeyError);
  });
});

describe('loadAgentKeys / registerAgentKeys', () => {
  it('fills any AgentRegistry from a file, and a gate on it accepts the named agent', async () => {
    const path = join(dir, 'agents.json');
    await writeFile(path, JSON.stringify({ agents: { 'agent:planner': planner.publicKeyPem } }, null, 2));
    const registry = new MemoryAgentRegistry();
    const loaded = await loadAgentKeys(registry, path);
    expect(loaded.map((e) => e.agentId)).toEqual(['agent:planner']);
    expect((await registry.resolve('agent:planner'))?.publicKey.raw.equals(planner.publicKeyRaw)).toBe(true);

    const gate = new HandoffGate({
      agentId: researcher.agentId,
      registry,
      replayStore: new MemoryReplayStore(),
    });
    const packet = issueTaskPacket(planner, {
      from_agent: 'agent:planner',
      to_agent: researcher.agentId,
      intent: 'summarise',
      risk_level: 'read',
    });
    const decision = await gate.handle(serializeDelegationEnvelope(createDelegationEnvelope(packet)));
    expect(decision.decision).toBe('ACCEPT');
  });

  it('a JWKS file works the same way', async () => {
    const path = join(dir, 'jwks.json');
    await writeFile(path, JSON.stringify(exportJwks([planner, researcher])));
    const registry = new MemoryAgentRegistry();
    await loadAgentKeys(registry, path);
    expect(await registry.isRegistered(planner.agentId)).toBe(true);
    expect(await registry.isRegistered(researcher.agentId)).toBe(true);
  });

  it('a malformed file registers nothing', async () => {
    const path = join(dir, 'bad.json');
    await writeFile(path, JSON.stringify({ agents: { first: planner.publicKeyPem, second: 'garbage' } }));
    const registry = new MemoryAgentRegistry();
    await expect(loadAgentKeys(registry, path)).rejects.toBeInstanceOf(InvalidKeyError);
    expect(await registry.isRegistered('first')).toBe(false);
  });

  it('refuses a file over 1 MiB unread, and reports a missing file as ENOENT', async () => {
    const path = join(dir, 'huge.json');
    await writeFile(path, `{"agents": {}, "pad": "${'x'.repeat(2 * 1024 * 1024)}"}`);
    await expect(loadAgentKeys(new MemoryAgentRegistry(), path)).rejects.toBeInstanceOf(
      PayloadValidationError,
    );
    await expect(loadAgentKeys(new MemoryAgentRegistry(), join(dir, 'absent.json'))).rejects.toMatchObject({
      code: 'ENOENT',
    });
  });

  it('registerAgentKeys keeps revocations (re-registering does not un-revoke)', async () => {
    const registry = new MemoryAgentRegistry();
    await registry.revoke('writer');
    await registerAgentKeys(registry, parseAgentKeys({ agents: { writer: writer.publicKeyPem } }));
    expect(await registry.isRegistered('writer')).toBe(true);
    expect(await registry.isRevoked('writer')).toBe(true);
  });
});

describe.skipIf(!redisUp)('loadAgentKeys into the Redis registry', () => {
  it('fills a shared registry that another verifier then reads', async () => {
    const client = makeClient(REDIS_URL);
    await client.connect();
    const prefix = runPrefix();
    try {
      const path = join(dir, 'redis-agents.json');
      await writeFile(
        path,
        JSON.stringify(exportJwks([planner, { agentId: 'writer', publicKeyPem: writer.publicKeyPem }])),
      );
      await loadAgentKeys(createRedisStores({ client, keyPrefix: prefix }).agentRegistry, path);
      const other = createRedisStores({ client, keyPrefix: prefix }).agentRegistry;
      expect((await other.resolve(planner.agentId))?.publicKeyPem).toBe(planner.publicKeyPem);
      expect((await other.resolve('writer'))?.publicKey.raw.equals(writer.publicKeyRaw)).toBe(true);
    } finally {
      await deleteKeys(client, prefix);
      await client.close();
    }
  });
});
