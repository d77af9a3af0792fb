/**
 * docs/protocol.md is the project's own protocol document (issue 9, item 7). Its worked examples are
 * checked against the reference's vectors, so the document cannot drift from the bytes.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { agentIdFromPublicKeyPem } from '../support/api.js';
import { identityVector, vectors } from '../support/vectors.js';

const doc = readFileSync(new URL('../../docs/protocol.md', import.meta.url), 'utf8');

describe('docs/protocol.md', () => {
  it('its canonical packet example is the reference’s signed payload, byte for byte', () => {
    const minimal = vectors.packets.find((p) => p.name === 'minimal')!;
    const blocks = [...doc.matchAll(/```\n(\{"ai_provenance".*)\n```/g)].map((m) => m[1]);
    expect(blocks).toEqual([minimal.canonical_payload]);
  });

  it('its agent id example is the id of the key it quotes', () => {
    const planner = identityVector('planner');
    const body = planner.public_key_pem.split('\n')[1]!;
    expect(doc).toContain(`\`${body}\``);
    expect(doc).toContain(`\`${agentIdFromPublicKeyPem(planner.public_key_pem)}\``);
  });

  it('its chain layout matches the reference’s multi-hop vector', () => {
    const vector = vectors.packets.find((p) => p.name === 'multi-hop-chain')!;
    const envelope = JSON.parse(vector.wire_envelope_json) as {
      chain: { agents: string[]; packet_ids: string[] };
      packet: { from_agent: string; packet_id: string; provenance: { delegation_depth: number } };
    };
    expect(envelope.chain.agents.at(-1)).toBe(envelope.packet.from_agent);
    expect(envelope.chain.packet_ids.at(-1)).toBe(envelope.packet.packet_id);
    expect(envelope.packet.provenance.delegation_depth).toBe(envelope.chain.agents.length);
    expect(doc).toContain("**ends with the packet's `from_agent`**");
  });
});
