/**
 * The sending side of a graph handoff: a tool the model calls to hand the task to another node. It
 * mints an envelope bound to that node and the task's arguments, and returns a `Command` that goes
 * to the node (in the parent graph by default: the agent that calls it is a subgraph) with the
 * envelope in the state's handoff slot. The model only ever sees the tool message.
 */
import { ToolMessage, type BaseMessage } from '@langchain/core/messages';
import { DynamicStructuredTool, type ToolRunnableConfig } from '@langchain/core/tools';
import { Command, getCurrentTaskInput } from '@langchain/langgraph';
import { ConfigurationError } from '../../errors.js';
import type { AgentIdentity } from '../../identity/agent-identity.js';
import { issueToolCallEnvelope, type IssueToolCallEnvelopeOptions } from '../core/envelope.js';
import { HANDOFF_STATE_KEY } from './keys.js';
import type { HandoffSlot } from './state.js';

export interface HandoffToolOptions extends Omit<IssueToolCallEnvelopeOptions, 'audience'> {
  /** The sending agent: signs the envelope. Its key must be in the receiving gate's registry. */
  readonly identity: AgentIdentity;
  /** The receiving agent's id (its gate's audience). */
  readonly audience: string;
  /** The node to hand off to; the envelope is bound to this name and the tool's arguments. */
  readonly goto: string;
  /** The tool's name as the model sees it (default `transfer_to_<goto>`). */
  readonly name?: string;
  readonly description?: string;
  /** The task's arguments as the model fills them: a zod object schema (or JSON schema). */
  readonly schema: DynamicStructuredTool['schema'];
  /** Navigate in the parent graph (default, the caller is an agent subgraph) or in the current one. */
  readonly graph?: 'parent' | 'current';
  /** The state key of the handoff slot (default `HANDOFF_STATE_KEY`). */
  readonly stateKey?: string;
  /** W3C `traceparent` put beside the envelope: a value, or a function read at each handoff. */
  readonly traceparent?: string | (() => string | undefined);
}

/**
 * A LangChain tool that hands the task to `goto` with a signed envelope: it returns
 * `Command({ goto, graph: Command.PARENT, update: { [stateKey]: slot, messages } })`. Options are
 * checked here.
 */
export function createHandoffTool(options: HandoffToolOptions): DynamicStructuredTool {
  if (options === null || typeof options !== 'object')
    throw new ConfigurationError('createHandoffTool needs options');
  const { identity, audience, goto } = options;
  if (identity === undefined || typeof identity.sign !== 'function')
    throw new ConfigurationError('createHandoffTool needs the sending identity');
  if (typeof audience !== 'string' || audience.length === 0)
    throw new ConfigurationError('createHandoffTool needs the receiving agent id (audience)');
  if (typeof goto !== 'string' || goto.length === 0)
    throw new ConfigurationError('createHandoffTool needs the node to go to (goto)');
  if (options.schema === undefined) throw new ConfigurationError('createHandoffTool needs a schema');
  const name = options.name ?? `transfer_to_${goto}`;
  const stateKey = options.stateKey ?? HANDOFF_STATE_KEY;
  const graph = options.graph === 'current' ? undefined : Command.PARENT;
  const { traceparent } = options;

  return new DynamicStructuredTool({
    name,
    description: options.description ?? `Hand the task to ${goto}.`,
    schema: options.schema,
    func: (args: Record<string, unknown>, _runManager, config?: ToolRunnableConfig) => {
      const call = { name: goto, arguments: args };
      const minted = issueToolCallEnvelope(identity, call, options);
      const trace = typeof traceparent === 'function' ? traceparent() : traceparent;
      const slot: HandoffSlot = {
        envelope: minted.envelope,
        call,
        packetId: minted.packetId,
        ...(trace === undefined ? {} : { traceparent: trace }),
      };
      const toolCallId = config?.toolCall?.id ?? '';
      const reply = new ToolMessage({
        content: `Handed off to ${goto}.`,
        tool_call_id: toolCallId,
        name,
        artifact: { [stateKey]: { packetId: minted.packetId } },
      });
      return Promise.resolve(
        new Command({
          goto,
          ...(graph === undefined ? {} : { graph }),
          update: { [stateKey]: slot, messages: [...callingMessages(toolCallId), reply] },
        }),
      );
    },
  });
}

// Handing off to the parent graph leaves the subgraph's messages behind: carry the AI message that
// made this call, so the parent's history pairs the tool message with its call.
function callingMessages(toolCallId: string): BaseMessage[] {
  let input: unknown;
  try {
    input = getCurrentTaskInput();
  } catch {
    return [];
  }
  const messages = (input as { messages?: unknown } | null)?.messages;
  if (!Array.isArray(messages)) return [];
  for (let i = messages.length - 1; i >= 0; i--) {
    const message = messages[i] as { tool_calls?: { id?: string }[] } | undefined;
    if (message?.tool_calls?.some((c) => c.id === toolCallId) === true) return [messages[i] as BaseMessage];
  }
  return [];
}
