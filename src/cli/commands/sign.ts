/** `trusthandoff sign`: sign a task packet (from a JSON file or flags) and print its envelope. */
import { writeFileSync } from 'node:fs';
import { TrustHandoffError } from '../../errors.js';
import { issueTaskPacket, serializePacket } from '../../packet/index.js';
import { createDelegationEnvelope, serializeDelegationEnvelope } from '../../packet/index.js';
import {
  EXIT_OK,
  UsageError,
  fsReason,
  parse,
  parseJsonInput,
  readInput,
  requireOption,
  stringOption,
  type Io,
} from '../io.js';
import { loadIdentity } from './keys.js';

export const SIGN_HELP = `Usage: trusthandoff sign --key <key file> (--packet <json file> | --to <agent> --intent <text> [options])

Sign a task packet with the key from \`keygen\` and print it as a delegation envelope
(the reference's wire JSON). from_agent is the key's agent id.

Options:
  --key <file>            PKCS#8 PEM private key (required)
  --packet <file>         packet fields as JSON ("-" reads stdin): to_agent, intent, permissions,
                          context, risk_level, ttl_seconds, task_type, goal, constraints, …
  --to <agent>            to_agent
  --intent <text>         intent
  --action <name>         an allowed action (repeatable)
  --max-tool-calls <n>    permissions.max_tool_calls
  --risk <read|write>     risk_level (sets the TTL by policy: read 900 s, write 120 s)
  --ttl <seconds>         ttl_seconds
  --context <json>        context object
  --task-type <type>      task_type
  --packet-only           print the packet instead of an envelope
  --out <file>            write to <file> instead of stdout
  -h, --help              show this help
`;

export async function sign(args: readonly string[], io: Io): Promise<number> {
  const { values } = parse(
    args,
    {
      key: { type: 'string' },
      packet: { type: 'string' },
      to: { type: 'string' },
      intent: { type: 'string' },
      action: { type: 'string', multiple: true },
      'max-tool-calls': { type: 'string' },
      risk: { type: 'string' },
      ttl: { type: 'string' },
      context: { type: 'string' },
      'task-type': { type: 'string' },
      'packet-only': { type: 'boolean' },
      out: { type: 'string' },
    },
    { min: 0, max: 0, name: '' },
  );
  const identity = await loadIdentity(io, requireOption(values, 'key'));
  const packetFile = stringOption(values, 'packet');
  let input: Record<string, unknown>;
  if (packetFile !== undefined) {
    for (const flag of ['to', 'intent', 'action', 'max-tool-calls', 'risk', 'ttl', 'context', 'task-type'])
      if (values[flag] !== undefined) throw new UsageError(`--${flag} cannot be combined with --packet`);
    const value = parseJsonInput(await readInput(io, packetFile, 'packet file'), `packet file ${packetFile}`);
    if (typeof value !== 'object' || value === null || Array.isArray(value))
      throw new UsageError(`packet file ${packetFile} must hold a JSON object`);
    input = value as Record<string, unknown>;
  } else {
    input = { to_agent: requireOption(values, 'to'), intent: requireOption(values, 'intent') };
    const actions = values['action'];
    const maxToolCalls = stringOption(values, 'max-tool-calls');
    if (Array.isArray(actions) || maxToolCalls !== undefined)
      input['permissions'] = {
        ...(Array.isArray(actions) ? { allowed_actions: actions } : {}),
        ...(maxToolCalls === undefined ? {} : { max_tool_calls: integer(maxToolCalls, '--max-tool-calls') }),
      };
    const risk = stringOption(values, 'risk');
    if (risk !== undefined) input['risk_level'] = risk;
    const ttl = stringOption(values, 'ttl');
    if (ttl !== undefined) input['ttl_seconds'] = integer(ttl, '--ttl');
    const context = stringOption(values, 'context');
    if (context !== undefined) input['context'] = parseJsonInput(context, '--context');
    const taskType = stringOption(values, 'task-type');
    if (taskType !== undefined) input['task_type'] = taskType;
  }
  let text: string;
  try {
    const packet = issueTaskPacket(identity, input as unknown as Parameters<typeof issueTaskPacket>[1]);
    text =
      values['packet-only'] === true
        ? serializePacket(packet)
        : serializeDelegationEnvelope(createDelegationEnvelope(packet));
  } catch (error) {
    if (error instanceof TrustHandoffError)
      throw new UsageError(`invalid packet: ${error.message} (${error.code})`);
    throw error;
  }
  const out = stringOption(values, 'out');
  if (out === undefined) io.out(text + '\n');
  else {
    try {
      writeFileSync(out, text + '\n');
    } catch (error) {
      throw new UsageError(`cannot write ${out}: ${fsReason(error)}`);
    }
  }
  return EXIT_OK;
}

function integer(text: string, flag: string): number {
  if (!/^-?\d+$/.test(text)) throw new UsageError(`${flag} must be an integer`);
  return Number(text);
}
