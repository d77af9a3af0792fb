/**
 * A trusthandoff MCP tool server on stdio, spawned by mcp-stdio tests: `node --import <hook>
 * stdio-server.ts v1|v2`. The server seed and the caller's registered key arrive in the environment.
 */
import { StdioServerTransport as StdioServerTransportV1 } from '@modelcontextprotocol/sdk/server/stdio.js';
import { StdioServerTransport as StdioServerTransportV2 } from '@modelcontextprotocol/server/stdio';
import { AgentIdentity } from '../../support/api.js';
import { buildServerV1, buildServerV2, type ToolServerParties } from './fixtures.js';

const seedHex = process.env['TH_MCP_SERVER_SEED'];
const callerPublicKeyPem = process.env['TH_MCP_CALLER_PEM'];
const callerAgentId = process.env['TH_MCP_CALLER_ID'];
if (seedHex === undefined || callerPublicKeyPem === undefined || callerAgentId === undefined) {
  process.stderr.write(
    'stdio-server: TH_MCP_SERVER_SEED, TH_MCP_CALLER_PEM and TH_MCP_CALLER_ID are required\n',
  );
  process.exit(2);
}
const parties: ToolServerParties = {
  serverIdentity: AgentIdentity.fromSeed(Buffer.from(seedHex, 'hex')),
  callerPublicKeyPem,
  callerAgentId,
};
if (process.argv[2] === 'v2') {
  await (await buildServerV2(parties)).connect(new StdioServerTransportV2());
} else {
  await (await buildServerV1(parties)).connect(new StdioServerTransportV1());
}
