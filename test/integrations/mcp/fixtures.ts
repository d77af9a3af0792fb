/**
 * The tool server every MCP test talks to, for the v1 and the v2 SDK: two verified tools that differ
 * only in name (`read_file`, `delete_file`), one that throws (`explode`), one that echoes the trace
 * context (`whoami`), and an unverified `tool_runs` that reports how often each verified body ran —
 * the only way to observe "the tool never ran" through a stdio child.
 */
import { McpServer as McpServerV1 } from '@modelcontextprotocol/sdk/server/mcp.js';
import { McpServer as McpServerV2 } from '@modelcontextprotocol/server';
import { z } from 'zod';
import {
  AgentIdentity,
  HandoffGate,
  MemoryAgentRegistry,
  MemoryReplayStore,
  type EventPort,
} from '../../support/api.js';
import {
  registerVerifiedTool,
  registerVerifiedToolV2,
  type VerifiedToolCall,
} from '../../../src/integrations/mcp/index.js';

export type Runs = Record<string, number>;

export interface ToolServerParties {
  readonly serverIdentity: AgentIdentity;
  /** Public key PEM of the one caller the server's registry knows. */
  readonly callerPublicKeyPem: string;
  readonly callerAgentId: string;
  readonly events?: EventPort;
}

export async function buildGate(parties: ToolServerParties): Promise<HandoffGate> {
  const registry = new MemoryAgentRegistry();
  await registry.register(parties.callerAgentId, parties.callerPublicKeyPem);
  return new HandoffGate({
    agentId: parties.serverIdentity.agentId,
    registry,
    replayStore: new MemoryReplayStore(),
    ...(parties.events === undefined ? {} : { events: parties.events }),
  });
}

interface FileArgs {
  readonly path: string;
}

function bodies(runs: Runs) {
  const bump = (name: string): void => {
    runs[name] = (runs[name] ?? 0) + 1;
  };
  return {
    read_file: (args: FileArgs, call: VerifiedToolCall<unknown>) => {
      bump('read_file');
      return { path: args.path, content: `contents of ${args.path}`, caller: call.packet.from_agent };
    },
    delete_file: (args: FileArgs) => {
      bump('delete_file');
      return { deleted: args.path };
    },
    explode: (): Record<string, never> => {
      bump('explode');
      throw new RangeError('disk on fire');
    },
  };
}

function traceparentOf(meta: unknown): string | null {
  const value =
    typeof meta === 'object' && meta !== null ? (meta as Record<string, unknown>)['traceparent'] : undefined;
  return typeof value === 'string' ? value : null;
}

export async function buildServerV1(parties: ToolServerParties, runs: Runs = {}): Promise<McpServerV1> {
  const gate = await buildGate(parties);
  const server = new McpServerV1({ name: 'th-mcp-test-v1', version: '1.0.0' });
  const options = { identity: parties.serverIdentity };
  const body = bodies(runs);
  const fileSchema = { path: z.string() };
  registerVerifiedTool(server, gate, 'read_file', { inputSchema: fileSchema }, body.read_file, options);
  registerVerifiedTool(server, gate, 'delete_file', { inputSchema: fileSchema }, body.delete_file, options);
  registerVerifiedTool(server, gate, 'explode', {}, body.explode, options);
  registerVerifiedTool(
    server,
    gate,
    'whoami',
    {},
    (_args: Record<string, never>, call) => ({ traceparent: traceparentOf(call.extra._meta) }),
    options,
  );
  server.registerTool('tool_runs', {}, () => ({ content: [{ type: 'text', text: JSON.stringify(runs) }] }));
  return server;
}

export async function buildServerV2(parties: ToolServerParties, runs: Runs = {}): Promise<McpServerV2> {
  const gate = await buildGate(parties);
  const server = new McpServerV2({ name: 'th-mcp-test-v2', version: '2.0.0' });
  const options = { identity: parties.serverIdentity };
  const body = bodies(runs);
  const fileSchema = z.object({ path: z.string() });
  registerVerifiedToolV2(server, gate, 'read_file', { inputSchema: fileSchema }, body.read_file, options);
  registerVerifiedToolV2(server, gate, 'delete_file', { inputSchema: fileSchema }, body.delete_file, options);
  registerVerifiedToolV2(server, gate, 'explode', {}, body.explode, options);
  registerVerifiedToolV2(
    server,
    gate,
    'whoami',
    {},
    (_args: Record<string, never>, call) => ({ traceparent: traceparentOf(call.extra.mcpReq._meta) }),
    options,
  );
  server.registerTool('tool_runs', {}, () => ({ content: [{ type: 'text', text: JSON.stringify(runs) }] }));
  return server;
}
