/**
 * A signed MCP tool call (docs/integrations/mcp.md): a planner agent calls a tool server's `read_file`
 * through the real MCP SDK (v1, in process). The server's gate checks the envelope in `_meta` against
 * the tool and arguments being called before the tool runs; the planner accepts the result only with
 * the server's attestation. Run through test/integrations/mcp/example.test.ts, or after
 * `npm run build` with `node dist/examples/mcp-tool.js`.
 */
import { pathToFileURL } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import {
  AgentIdentity,
  AttestationReplayTracker,
  HandoffGate,
  MemoryAgentRegistry,
  MemoryReplayStore,
} from 'trusthandoff';
import {
  callToolWithEnvelope,
  callVerifiedTool,
  issueToolCallEnvelope,
  registerVerifiedTool,
  type ToolCallVerdict,
} from 'trusthandoff/mcp';

export async function mcpToolExample(): Promise<Record<string, ToolCallVerdict>> {
  const planner = AgentIdentity.generate(); // the calling agent
  const toolServer = AgentIdentity.generate(); // the MCP server's agent identity

  // Server side: a gate for the server's inbox, and a tool whose body runs only after ACCEPT.
  const registry = new MemoryAgentRegistry();
  await registry.register(planner.agentId, planner.publicKeyPem);
  const gate = new HandoffGate({
    agentId: toolServer.agentId,
    registry,
    replayStore: new MemoryReplayStore(),
  });
  const server = new McpServer({ name: 'files', version: '1.0.0' });
  registerVerifiedTool(
    server,
    gate,
    'read_file',
    { description: 'Read a file', inputSchema: { path: z.string() } },
    (args: { path: string }, call) => ({ path: args.path, bytes: 42, caller: call.packet.from_agent }),
    { identity: toolServer },
  );
  registerVerifiedTool(
    server,
    gate,
    'delete_file',
    { description: 'Delete a file', inputSchema: { path: z.string() } },
    (args: { path: string }) => ({ deleted: args.path }),
    { identity: toolServer },
  );

  // Client side: a real MCP client; results are checked against the server's key from our registry.
  const [clientTransport, serverTransport] = InMemoryTransport.createLinkedPair();
  await server.connect(serverTransport);
  const client = new Client({ name: 'planner', version: '1.0.0' });
  await client.connect(clientTransport);
  const verify = {
    attestationKey: toolServer.publicKeyPem,
    replayTracker: new AttestationReplayTracker({ replayStore: new MemoryReplayStore() }),
  };

  try {
    const call = { name: 'read_file', arguments: { path: '/srv/report.txt' } };
    // One call: mint a 60-second packet bound to this tool and these arguments, send, verify.
    const legit = await callVerifiedTool(client, call, {
      identity: planner,
      audience: toolServer.agentId,
      ...verify,
    });

    // Someone who captured an envelope tries it on another tool, then with other arguments: both are
    // refused before the replay step, so the rightful call with the same envelope still goes through.
    const captured = issueToolCallEnvelope(planner, call, { audience: toolServer.agentId });
    const wrongTool = await callToolWithEnvelope(client, { ...call, name: 'delete_file' }, captured, verify);
    const swappedArguments = await callToolWithEnvelope(
      client,
      { ...call, arguments: { path: '/etc/shadow' } },
      captured,
      verify,
    );
    const rightful = await callToolWithEnvelope(client, call, captured, verify);
    const replayed = await callToolWithEnvelope(client, call, captured, verify);
    return { legit, wrongTool, swappedArguments, rightful, replayed };
  } finally {
    await client.close();
    await server.close();
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  for (const [what, verdict] of Object.entries(await mcpToolExample())) {
    const shown = verdict.ok
      ? `accepted ${JSON.stringify(verdict.result)}`
      : `refused ${verdict.reason} ${JSON.stringify(verdict.details ?? {})}`;
    console.log(`${what.padEnd(17)} ${shown}`);
  }
}
