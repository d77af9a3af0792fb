/**
 * The Redis key layout (src/stores/redis/keys.ts): hash tags that keep a sender's keys in one cluster
 * slot, injective for any agent id, and the gate's replay keys recognised exactly.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { replayKey } from '../../src/gate/index.js';
import { agentKey, hashTagOf, replayStoreKey, senderReplayKey } from '../../src/stores/redis/index.js';
import { senderOfReplayKey } from '../../src/stores/redis/keys.js';

/** The hash tag Redis Cluster hashes for `key`, or undefined when the whole key is hashed. */
function clusterTag(key: string): string | undefined {
  const open = key.indexOf('{');
  if (open < 0) return undefined;
  const close = key.indexOf('}', open + 1);
  if (close < 0 || close === open + 1) return undefined;
  return key.slice(open + 1, close);
}

describe('Redis key layout', () => {
  it('an agent id is its own tag unless it holds a brace or percent sign, and the empty id is %', () => {
    expect(hashTagOf('agent:abc')).toBe('agent:abc');
    expect(hashTagOf('a}b{c%')).toBe('a%7Db%7Bc%25');
    expect(hashTagOf('')).toBe('%');
    expect(agentKey('p:agent:', 'x')).toBe('p:agent:{x}');
  });

  it("the registry hash and the sender's replay keys carry the same tag, for any agent id and nonce", () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), (agentId, nonce) => {
        const key = replayKey({ from_agent: agentId, nonce });
        const tag = clusterTag(agentKey('p:agent:', agentId));
        expect(tag).toBeDefined();
        expect(clusterTag(replayStoreKey('p:replay:', key))).toBe(tag);
        expect(replayStoreKey('p:replay:', key)).toBe(senderReplayKey('p:replay:', agentId, key));
        expect(senderOfReplayKey(key)).toBe(agentId);
      }),
    );
  });

  it('tags are injective: two agent ids never share a registry key', () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), (a, b) => {
        fc.pre(a !== b);
        expect(hashTagOf(a)).not.toBe(hashTagOf(b));
      }),
    );
  });

  it('keys not in the gate form are their own tag and never collide with a sender-scoped key', () => {
    for (const key of ['', 'k', '01:a:n', '5:ab:n', '2:ab', 'x:ab:n', '1234567890:a:n', '{x}1:x:n']) {
      expect(senderOfReplayKey(key)).toBeUndefined();
      expect(replayStoreKey('p:', key)).toBe(`p:{${hashTagOf(key)}}`);
    }
    // `{x}1:x:n` stored as-is would equal the sender-scoped key of `1:x:n`; the layout keeps them apart.
    expect(replayStoreKey('p:', '{x}1:x:n')).not.toBe(replayStoreKey('p:', '1:x:n'));
    fc.assert(
      fc.property(fc.string(), fc.string(), fc.string(), (opaque, agentId, nonce) => {
        const scoped = replayKey({ from_agent: agentId, nonce });
        fc.pre(opaque !== scoped);
        expect(replayStoreKey('p:', opaque)).not.toBe(replayStoreKey('p:', scoped));
      }),
    );
  });
});
