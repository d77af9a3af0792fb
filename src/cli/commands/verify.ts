/** `trusthandoff verify`: run an envelope through a gate backed by a registry file. */
import { MemoryReplayStore } from '../../stores/index.js';
import { HandoffGate } from '../../gate/index.js';
import {
  EXIT_OK,
  EXIT_REJECTED,
  UsageError,
  paint,
  parse,
  parseJsonInput,
  readInput,
  requireOption,
  stringOption,
  type Io,
} from '../io.js';
import { loadRegistry } from './keys.js';

export const VERIFY_HELP = `Usage: trusthandoff verify <envelope file | -> --registry <file> [--audience <agent>] [--json]

Decide an envelope as a gate would: parse, audience, key binding against the registry,
signature, time window and TTL policy, delegation chain. Prints ACCEPT or REJECT and the reason.
Exit 0 when accepted, 1 when rejected, 2 on a usage or input error.

Options:
  --registry <file>    JSON object mapping agent ids to public key PEMs (the trust anchor; required)
  --audience <agent>   the inbox the gate guards; default: the packet's to_agent (then the
                       audience is not checked, and a note says so)
  --json               print the decision as JSON
  -h, --help           show this help

One invocation has no memory of earlier ones: replay protection needs a shared store (see the
library's gate with a Redis replay store).
`;

export async function verify(args: readonly string[], io: Io): Promise<number> {
  const { values, positionals } = parse(
    args,
    { registry: { type: 'string' }, audience: { type: 'string' }, json: { type: 'boolean' } },
    { min: 1, max: 1, name: 'envelope file (or - for stdin)' },
  );
  const registry = await loadRegistry(io, requireOption(values, 'registry'));
  const text = await readInput(io, positionals[0]!, 'envelope file');
  let audience = stringOption(values, 'audience');
  if (audience === undefined) {
    const value = parseJsonInput(text, 'the envelope') as { packet?: { to_agent?: unknown } } | null;
    const to = value?.packet?.to_agent;
    if (typeof to !== 'string' || to.length === 0)
      throw new UsageError('the envelope has no packet.to_agent; pass --audience');
    audience = to;
    if (values['json'] !== true)
      io.err('note: audience taken from the packet (pass --audience to check it)\n');
  }
  const gate = new HandoffGate({ agentId: audience, registry, replayStore: new MemoryReplayStore() });
  const decision = await gate.handle(text);
  const accepted = decision.decision === 'ACCEPT';
  if (values['json'] === true) {
    io.out(
      JSON.stringify({
        decision: decision.decision,
        reason: decision.reason,
        packet_id: decision.packet_id,
        ...(decision.details === undefined ? {} : { details: decision.details }),
      }) + '\n',
    );
  } else {
    const p = paint(io.color);
    io.out(`${accepted ? p.green('ACCEPT') : p.red('REJECT')} ${decision.reason ?? ''}\n`);
    if (decision.packet_id !== null) io.out(`packet ${decision.packet_id}\n`);
  }
  return accepted ? EXIT_OK : EXIT_REJECTED;
}
