/**
 * Issue 13.4: bulk registration and line-file loading give exactly the registry that registering the
 * entries one by one gives (property tests), and refuse a bad file or key without registering anything.
 */
import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AgentIdentity,
  HandoffGate,
  MemoryAgentRegistry,
  MemoryReplayStore,
  createDelegationEnvelope,
  issueTaskPacket,
  loadAgentKeyLines,
  registerAgentKeys,
  serializeDidKey,
} from '../support/api.js';

const PEMS = Array.from(
  { length: 6 },
  () => generateKeyPairSync('ed25519').publicKey.export({ format: 'pem', type: 'spki' }) as string,
);
// The same keys in other layouts: CRLF line ends, no trailing newline.
const LAYOUTS = [
  ...PEMS,
  ...PEMS.map((pem) => pem.replace(/\n/g, '\r\n')),
  ...PEMS.map((pem) => pem.trimEnd()),
];
const IDS = ['agent:a', 'agent:b', 'agent:c', 'agent:{d}', 'agent:é', 'x'];

async function snapshot(registry: MemoryAgentRegistry, ids: readonly string[]) {
  const out: Record<string, unknown> = {};
  for (const id of ids) {
    const agent = await registry.resolve(id);
    out[id] =
      agent === undefined
        ? null
        : {
            pem: agent.publicKeyPem,
            raw: agent.publicKey.raw.toString('hex'),
            revoked: await registry.isRevoked(id),
          };
  }
  return out;
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'trusthandoff-bulk-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('MemoryAgentRegistry.registerMany', () => {
  it('leaves the registry exactly as single registrations in order do (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(fc.constantFrom(...IDS), fc.constantFrom(...LAYOUTS)), { maxLength: 30 }),
        fc.subarray(IDS),
        async (entries, revoked) => {
          const one = new MemoryAgentRegistry();
          const bulk = new MemoryAgentRegistry();
          for (const id of revoked) {
            await one.revoke(id);
            await bulk.revoke(id);
          }
          for (const [agentId, publicKeyPem] of entries) await one.register(agentId, publicKeyPem);
          const count = await bulk.registerMany(
            entries.map(([agentId, publicKeyPem]) => ({ agentId, publicKeyPem })),
          );
          expect(count).toBe(entries.length);
          expect(await snapshot(bulk, IDS)).toEqual(await snapshot(one, IDS));
          expect(bulk.size).toBe(one.size);
        },
      ),
      { numRuns: 150 },
    );
  });

  it('registers nothing when one key is invalid', async () => {
    const registry = new MemoryAgentRegistry();
    await registry.register('kept', PEMS[0]!);
    await expect(
      registry.registerMany([
        { agentId: 'kept', publicKeyPem: PEMS[1]! },
        { agentId: 'bad', publicKeyPem: 'not a key' },
      ]),
    ).rejects.toMatchObject({ code: 'ERR_INVALID_KEY' });
    expect((await registry.resolve('kept'))?.publicKeyPem).toBe(PEMS[0]);
    expect(await registry.isRegistered('bad')).toBe(false);
  });

  it('registerAgentKeys takes the bulk path and keeps its result', async () => {
    const registry = new MemoryAgentRegistry();
    await registerAgentKeys(registry, [{ agentId: 'a', publicKeyPem: PEMS[2]! }]);
    expect((await registry.resolve('a'))?.publicKeyPem).toBe(PEMS[2]);
  });
});

describe('loadAgentKeyLines', () => {
  it('loads the registry single registrations of the canonical keys give (property)', async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.uniqueArray(fc.tuple(fc.constantFrom(...IDS), fc.nat({ max: LAYOUTS.length - 1 }), fc.boolean()), {
          selector: ([id]) => id,
          maxLength: IDS.length,
        }),
        fc.constantFrom('\n', '\r\n'),
        async (rows, eol) => {
          const path = join(dir, `agents-${run++}.jsonl`);
          const lines = rows.map(([agentId, index, asDid]) => {
            const pem = LAYOUTS[index]!;
            return JSON.stringify({ agent_id: agentId, public_key: asDid ? serializeDidKey(pem) : pem });
          });
          await writeFile(path, `${lines.join(eol)}${eol}${eol}`);
          const one = new MemoryAgentRegistry();
          for (const [agentId, index] of rows) {
            // The reference layout of the same key: what the file loader registers.
            await one.register(agentId, PEMS[index % PEMS.length]!);
          }
          const loaded = new MemoryAgentRegistry();
          expect(await loadAgentKeyLines(loaded, path)).toBe(rows.length);
          expect(await snapshot(loaded, IDS)).toEqual(await snapshot(one, IDS));
        },
      ),
      { numRuns: 60 },
    );
  });

  it('refuses a malformed file and registers nothing', async () => {
    const good = JSON.stringify({ agent_id: 'a', public_key: PEMS[0] });
    const cases: [string, string][] = [
      [`${good}\n{"agent_id":"b"}\n`, 'ERR_PAYLOAD_VALIDATION'],
      [`${good}\n${good}\n`, 'ERR_PAYLOAD_VALIDATION'],
      [`${good}\nnot json\n`, 'ERR_PAYLOAD_VALIDATION'],
      [`${good}\n{"agent_id":"b","public_key":"x","extra":1}\n`, 'ERR_PAYLOAD_VALIDATION'],
      [`${good}\n{"agent_id":"","public_key":${JSON.stringify(PEMS[1])}}\n`, 'ERR_PAYLOAD_VALIDATION'],
      [
        `${good}\n{"agent_id":"b","public_key":"-----BEGIN PUBLIC KEY-----\\nAAAA\\n-----END PUBLIC KEY-----\\n"}\n`,
        'ERR_INVALID_KEY',
      ],
      [`${good}\n${'x'.repeat(20_000)}\n`, 'ERR_PAYLOAD_VALIDATION'],
      [`${good}\n${'x'.repeat(20_000)}`, 'ERR_PAYLOAD_VALIDATION'],
      [`${good}\n{"agent_id":"a","agent_id":"b","public_key":"x"}\n`, 'ERR_PAYLOAD_VALIDATION'],
    ];
    for (const [i, [text, code]] of cases.entries()) {
      const path = join(dir, `bad-${i}.jsonl`);
      await writeFile(path, text);
      const registry = new MemoryAgentRegistry();
      await expect(loadAgentKeyLines(registry, path), `case ${i}`).rejects.toMatchObject({ code });
      expect(registry.size).toBe(0);
    }
    const path = join(dir, 'too-many.jsonl');
    await writeFile(path, `${good}\n${JSON.stringify({ agent_id: 'b', public_key: PEMS[1] })}\n`);
    await expect(loadAgentKeyLines(new MemoryAgentRegistry(), path, { maxEntries: 1 })).rejects.toMatchObject(
      {
        code: 'ERR_PAYLOAD_VALIDATION',
      },
    );
    await expect(loadAgentKeyLines(new MemoryAgentRegistry(), path, { maxEntries: 0 })).rejects.toMatchObject(
      {
        code: 'ERR_CONFIGURATION',
      },
    );
  });

  it('a gate on a loaded registry accepts the agents of the file', async () => {
    const sender = AgentIdentity.generate();
    const receiver = AgentIdentity.generate();
    const path = join(dir, 'gate.jsonl');
    await writeFile(
      path,
      `${JSON.stringify({ agent_id: sender.agentId, public_key: sender.publicKeyPem })}\n`,
    );
    const registry = new MemoryAgentRegistry();
    await loadAgentKeyLines(registry, path);
    const gate = new HandoffGate({
      agentId: receiver.agentId,
      registry,
      replayStore: new MemoryReplayStore(),
    });
    expect(gate.path).toBe('admission');
    const packet = issueTaskPacket(sender, {
      to_agent: receiver.agentId,
      intent: 'x',
      permissions: { allowed_actions: ['read'] },
    });
    expect((await gate.handle(createDelegationEnvelope(packet))).decision).toBe('ACCEPT');
  });
});
