/**
 * Connects a real MCP client to the fixture tool server: v1 or v2, in process (InMemoryTransport) or
 * over stdio (a spawned Node child running stdio-server.ts).
 */
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { Client as ClientV1 } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport as StdioClientTransportV1 } from '@modelcontextprotocol/sdk/client/stdio.js';
import { InMemoryTransport as InMemoryTransportV1 } from '@modelcontextprotocol/sdk/inMemory.js';
import { Client as ClientV2, InMemoryTransport as InMemoryTransportV2 } from '@modelcontextprotocol/client';
import { StdioClientTransport as StdioClientTransportV2 } from '@modelcontextprotocol/client/stdio';
import { AgentIdentity } from '../../support/api.js';
import type { McpToolClient } from '../../../src/integrations/mcp/index.js';
import type { TsChildRunner } from '../../support/ts-child.js';
import { buildServerV1, buildServerV2, type Runs } from './fixtures.js';

export type SdkVersion = 'v1' | 'v2';
export type Transport = 'in-process' | 'stdio';

export interface Harness {
  readonly client: McpToolClient;
  /** The caller the server's registry knows. */
  readonly caller: AgentIdentity;
  readonly serverAgentId: string;
  /** The tool server's attestation key, as the caller's registry would hold it. */
  readonly serverPublicKeyPem: string;
  runs(): Promise<Runs>;
  close(): Promise<void>;
}

const STDIO_SERVER = fileURLToPath(new URL('./stdio-server.ts', import.meta.url));

async function readRuns(client: McpToolClient): Promise<Runs> {
  const result = (await client.callTool({ name: 'tool_runs', arguments: {} })) as {
    content: { type: string; text: string }[];
  };
  return JSON.parse(result.content[0]?.text ?? '{}') as Runs;
}

export async function connect(
  sdk: SdkVersion,
  transport: Transport,
  runner?: TsChildRunner,
): Promise<Harness> {
  const caller = AgentIdentity.generate();
  const seed = randomBytes(32);
  const serverIdentity = AgentIdentity.fromSeed(seed);
  const parties = {
    serverIdentity,
    callerPublicKeyPem: caller.publicKeyPem,
    callerAgentId: caller.agentId,
  };
  const client =
    sdk === 'v1'
      ? new ClientV1({ name: 'th-test', version: '1.0.0' })
      : new ClientV2({ name: 'th-test', version: '1.0.0' });
  let closeServer: () => Promise<void> = () => Promise.resolve();
  if (transport === 'in-process') {
    if (sdk === 'v1') {
      const [clientSide, serverSide] = InMemoryTransportV1.createLinkedPair();
      const server = await buildServerV1(parties);
      await server.connect(serverSide);
      await (client as ClientV1).connect(clientSide);
      closeServer = () => server.close();
    } else {
      const [clientSide, serverSide] = InMemoryTransportV2.createLinkedPair();
      const server = await buildServerV2(parties);
      await server.connect(serverSide);
      await (client as ClientV2).connect(clientSide);
      closeServer = () => server.close();
    }
  } else {
    if (runner === undefined) throw new Error('stdio needs a TS child runner');
    const params = {
      command: process.execPath,
      args: [...runner.nodeArgs(STDIO_SERVER), sdk],
      env: {
        PATH: process.env['PATH'] ?? '',
        TH_MCP_SERVER_SEED: seed.toString('hex'),
        TH_MCP_CALLER_PEM: caller.publicKeyPem,
        TH_MCP_CALLER_ID: caller.agentId,
      },
      stderr: 'pipe' as const,
    };
    if (sdk === 'v1') await (client as ClientV1).connect(new StdioClientTransportV1(params));
    else await (client as ClientV2).connect(new StdioClientTransportV2(params));
  }
  return {
    client,
    caller,
    serverAgentId: serverIdentity.agentId,
    serverPublicKeyPem: serverIdentity.publicKeyPem,
    runs: () => readRuns(client),
    close: async () => {
      await client.close();
      await closeServer();
    },
  };
}
