/**
 * Attestation demo (SPEC §6): a worker agent's node is wrapped so its output is `{result, attestation}`;
 * a downstream verifier accepts the legit output, rejects a tampered copy and rejects a replay.
 *
 *   npm run build && node dist/examples/attestation-demo.js
 */
import { pathToFileURL } from 'node:url';
import {
  AgentIdentity,
  AttestationReplayTracker,
  MemoryReplayStore,
  serializeNodeOutput,
  verifyNodeOutput,
  wrapNode,
} from 'trusthandoff';
import { type NodeOutputVerdict } from 'trusthandoff/gate';

export interface DemoOutcome {
  readonly legit: NodeOutputVerdict;
  readonly tampered: NodeOutputVerdict;
  readonly replayed: NodeOutputVerdict;
}

export async function runAttestationDemo(
  log: (line: string) => void = () => undefined,
): Promise<DemoOutcome> {
  const worker = AgentIdentity.generate();

  // The node reads its packet id from its input state (`packet_id`, as the reference's adapters do).
  const research = wrapNode(
    (state: { packet_id: string; company: string }) => ({
      company: state.company,
      summary: 'Founded 1999',
      sources: 3,
    }),
    { identity: worker },
  );
  const output = await research({ packet_id: 'pk-demo-1', company: 'Example Corp' });
  const wire = serializeNodeOutput(output);
  log(`worker ${worker.agentId} returned: ${wire}`);

  // The verifier knows the worker's public key (from its registry) and keeps a replay tracker.
  const replayTracker = new AttestationReplayTracker({ replayStore: new MemoryReplayStore() });
  const check = (received: string): Promise<NodeOutputVerdict> =>
    verifyNodeOutput(received, worker.publicKeyPem, {
      replayTracker,
      expectedPacketId: 'pk-demo-1',
      expectedStatus: 'OK',
    });

  const tampered = await check(wire.replace('Founded 1999', 'Founded 2021'));
  log(`tampered output: ${tampered.ok ? 'ACCEPTED' : `REJECTED (${tampered.reason})`}`);
  const legit = await check(wire);
  log(`legit output:    ${legit.ok ? 'ACCEPTED' : `REJECTED (${legit.reason})`}`);
  const replayed = await check(wire);
  log(`replayed output: ${replayed.ok ? 'ACCEPTED' : `REJECTED (${replayed.reason})`}`);
  return { legit, tampered, replayed };
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await runAttestationDemo((line) => {
    console.log(line);
  });
}
