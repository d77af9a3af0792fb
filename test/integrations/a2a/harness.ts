/**
 * A real A2A agent for the tests: the SDK's DefaultRequestHandler behind its express JSON-RPC handler
 * on a loopback port, the inner executor wrapped by `verifiedAgentExecutor`, and a real A2A client
 * resolved from the served AgentCard. Skills: `read_file`, `delete_file` (differ only in name),
 * `explode` (throws), `whoami` (echoes the trace context), `float` (returns an unattestable result).
 */
import { once } from 'node:events';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { TaskState, type AgentCard } from '@a2a-js/sdk';
import { Client, ClientFactory, ClientFactoryOptions, type CallInterceptor } from '@a2a-js/sdk/client';
import {
  AgentEvent,
  DefaultRequestHandler,
  InMemoryTaskStore,
  type ExecutionEventBus,
  type RequestContext,
} from '@a2a-js/sdk/server';
import { agentCardHandler, jsonRpcHandler, UserBuilder } from '@a2a-js/sdk/server/express';
import {
  AgentIdentity,
  ApprovalVerifier,
  HandoffGate,
  MemoryAgentRegistry,
  MemoryReplayStore,
} from '../../support/api.js';
import {
  dataPart,
  delegationExtension,
  verifiedAgentExecutor,
  type InnerAgentExecutor,
} from '../../../src/integrations/a2a/index.js';
import { matrixBodies, type Runs } from '../matrix/cases.js';

export interface A2AHarness {
  readonly url: string;
  readonly caller: AgentIdentity;
  /** The human approver the gate's approver registry knows. */
  readonly approver: AgentIdentity;
  readonly agentId: string;
  readonly agentPublicKeyPem: string;
  readonly runs: Runs;
  /** A real A2A client for the agent, with the given interceptors. */
  client(interceptors?: CallInterceptor[]): Promise<Client>;
  close(): Promise<void>;
}

type Body = (args: Record<string, unknown>) => Record<string, unknown>;

export async function startAgent(): Promise<A2AHarness> {
  const caller = AgentIdentity.generate();
  const approver = AgentIdentity.generate();
  const agent = AgentIdentity.generate();
  const registry = new MemoryAgentRegistry();
  await registry.register(caller.agentId, caller.publicKeyPem);
  const approvers = new MemoryAgentRegistry();
  await approvers.register('human:approver', approver.publicKeyPem);
  const gate = new HandoffGate({
    agentId: agent.agentId,
    registry,
    replayStore: new MemoryReplayStore(),
    humanApproval: new ApprovalVerifier({ approvers }),
  });
  const runs: Runs = {};
  const matrix = matrixBodies(runs);
  const bodies: Record<string, Body> = {
    read_file: (args) => matrix.read_file(args as { path: string }),
    delete_file: (args) => matrix.delete_file(args as { path: string }),
    explode: () => matrix.explode(),
    float: () => ({ ratio: 0.5 }),
  };

  const inner: InnerAgentExecutor<RequestContext, ExecutionEventBus> = {
    execute(requestContext, eventBus, call) {
      const { taskId, contextId } = requestContext;
      eventBus.publish(
        AgentEvent.task({
          id: taskId,
          contextId,
          status: { state: TaskState.TASK_STATE_WORKING, message: undefined, timestamp: undefined },
          artifacts: [],
          history: [requestContext.userMessage],
          metadata: {},
        }),
      );
      const result =
        call.name === 'whoami'
          ? { traceparent: call.traceparent ?? null, caller: call.packet.from_agent }
          : (bodies[call.name] ?? (() => ({ unknown: call.name })))(call.arguments);
      eventBus.publish(
        AgentEvent.artifactUpdate({
          taskId,
          contextId,
          artifact: {
            artifactId: 'result',
            name: call.name,
            description: '',
            parts: [dataPart(result)],
            metadata: {},
            extensions: [],
          },
          append: false,
          lastChunk: true,
          metadata: {},
        }),
      );
      eventBus.publish(
        AgentEvent.statusUpdate({
          taskId,
          contextId,
          status: {
            state: TaskState.TASK_STATE_COMPLETED,
            message: undefined,
            timestamp: new Date().toISOString(),
          },
          metadata: {},
        }),
      );
      eventBus.finished();
      return Promise.resolve();
    },
    cancelTask: () => Promise.resolve(),
  };

  const app = express();
  const server: Server = app.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const skill = (id: string) => ({
    id,
    name: id,
    description: id,
    tags: [],
    examples: [],
    inputModes: [],
    outputModes: [],
    securityRequirements: [],
  });
  const card: AgentCard = {
    name: 'files',
    description: 'a file agent behind a trusthandoff gate',
    version: '1.0.0',
    provider: undefined,
    supportedInterfaces: [
      { url: `${url}/a2a/jsonrpc`, protocolBinding: 'JSONRPC', tenant: '', protocolVersion: '1.0' },
    ],
    capabilities: { streaming: false, extensions: [delegationExtension()] },
    securitySchemes: {},
    securityRequirements: [],
    defaultInputModes: ['application/json', 'text/plain'],
    defaultOutputModes: ['application/json'],
    skills: ['read_file', 'delete_file', 'explode', 'whoami', 'float'].map(skill),
    signatures: [],
  };
  const executor = verifiedAgentExecutor(inner, { gate, identity: agent });
  const handler = new DefaultRequestHandler(card, new InMemoryTaskStore(), executor);
  app.use('/.well-known/agent-card.json', agentCardHandler({ agentCardProvider: handler }));
  app.use(
    '/a2a/jsonrpc',
    jsonRpcHandler({ requestHandler: handler, userBuilder: UserBuilder.noAuthentication }),
  );

  return {
    url,
    caller,
    approver,
    agentId: agent.agentId,
    agentPublicKeyPem: agent.publicKeyPem,
    runs,
    async client(interceptors: CallInterceptor[] = []) {
      const factory = new ClientFactory(
        ClientFactoryOptions.createFrom(ClientFactoryOptions.default, { clientConfig: { interceptors } }),
      );
      return factory.createFromUrl(url);
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) =>
        server.close(() => {
          resolve();
        }),
      );
    },
  };
}
