/**
 * A verifier for a large population of agents (docs/stores.md, "Large registries"): the registry is
 * loaded from a JSON Lines file in one pass, and the replay store is sized for the accept rate the
 * deployment must sustain. Run through test/examples/large-registry.test.ts, or after `npm run build`
 * with `node dist/examples/large-registry.js`.
 */
import { writeFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AgentIdentity, HandoffGate, MemoryAgentRegistry, MemoryReplayStore } from 'trusthandoff';
import { loadAgentKeyLines } from 'trusthandoff/identity';

export async function largeRegistryExample(): Promise<Record<string, string | number>> {
  const agents = Array.from({ length: 3 }, () => AgentIdentity.generate());
  const dir = await mkdtemp(join(tmpdir(), 'agents-'));
  try {
    // One agent per line: {"agent_id": "...", "public_key": "<SPKI PEM or did:key>"}.
    const path = join(dir, 'agents.jsonl');
    const lines = agents.map((a) => JSON.stringify({ agent_id: a.agentId, public_key: a.publicKeyPem }));
    await writeFile(path, `${lines.join('\n')}\n`);

    // Checked as a whole, then registered in one call; each agent keeps its imported key.
    const registry = new MemoryAgentRegistry();
    const loaded = await loadAgentKeyLines(registry, path);

    // The replay store holds every nonce accepted during one retention period (905 s by default):
    // size it for the sustained accept rate, or a full store refuses with `replay_store_full`.
    const maxEntries = MemoryReplayStore.capacityFor(5_000); // 5,000 accepts/s → 4,525,000 entries
    const gate = new HandoffGate({
      agentId: 'agent:inbox',
      registry,
      replayStore: new MemoryReplayStore({ maxEntries }),
    });
    return { loaded, maxEntries, path: gate.path };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

if (process.argv[1]?.endsWith('large-registry.js') === true) {
  console.log(await largeRegistryExample());
}
