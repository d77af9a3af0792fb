/**
 * A signed A2A delegation (docs/integrations/a2a.md): a planner agent asks a file agent to run its
 * `read_file` skill through the real A2A SDK (JSON-RPC over HTTP on a loopback port). The file agent's
 * executor is wrapped: its gate checks the envelope in the message's extension metadata against the
 * skill and content before the agent runs; the planner's interceptor signs each skill message and
 * accepts the result only with the file agent's attestation. Run through
 * test/integrations/a2a/example.test.ts, or after `npm run build` with `node dist/examples/a2a-agent.js`.
 */
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { pathToFileURL } from 'node:url';
import express from 'express';
import { TaskState, type AgentCard } from '@a2a-js/sdk';
import { ClientFactory, ClientFactoryOptions } from '@a2a-js/sdk/client';
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
  AttestationReplayTracker,
  HandoffGate,
  MemoryAgentRegistry,
  MemoryReplayStore,
} from 'trusthandoff';
import {
  dataPart,
  delegationExtension,
  delegationInterceptor,
  skillMessage,
  verifiedAgentExecutor,
  type A2AVerdict,
  type VerifiedA2ACall,
} from 'trusthandoff/a2a';

/** The file agent's own executor: an ordinary A2A AgentExecutor, plus the verified call. */
const fileAgent = {
  execute(requestContext: RequestContext, eventBus: ExecutionEventBus, call: VerifiedA2ACall) {
    const { taskId, contextId } = requestContext;
    const task = {
      id: taskId,
      contextId,
      artifacts: [],
      history: [requestContext.userMessage],
      metadata: {},
    };
    eventBus.publish(
      AgentEvent.task({
        ...task,
        status: { state: TaskState.TASK_STATE_WORKING, message: undefined, timestamp: undefined },
      }),
    );
    const path = String(call.arguments['path']);
    eventBus.publish(
      AgentEvent.artifactUpdate({
        taskId,
        contextId,
        artifact: {
          artifactId: 'file',
          name: 'file',
          description: '',
          parts: [dataPart({ path, bytes: 42, caller: call.packet.from_agent })],
          metadata: {},
          extensions: [],
        },
        append: false,
        lastChunk: true,
        metadata: {},
      }),
    );
    const done = {
      state: TaskState.TASK_STATE_COMPLETED,
      message: undefined,
      timestamp: new Date().toISOString(),
    };
    eventBus.publish(AgentEvent.statusUpdate({ taskId, contextId, status: done, metadata: {} }));
    eventBus.finished();
    return Promise.resolve();
  },
  cancelTask: () => Promise.resolve(),
};

export async function a2aAgentExample(): Promise<Record<string, A2AVerdict | undefined>> {
  const planner = AgentIdentity.generate(); // the calling agent
  const files = AgentIdentity.generate(); // the A2A agent's identity

  // Agent side: a gate for the agent's inbox, and the executor wrapped by one call.
  const registry = new MemoryAgentRegistry();
  await registry.register(planner.agentId, planner.publicKeyPem);
  const gate = new HandoffGate({ agentId: files.agentId, registry, replayStore: new MemoryReplayStore() });
  const app = express();
  const server = app.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const card: AgentCard = {
    name: 'files',
    description: 'reads files for verified callers',
    version: '1.0.0',
    provider: undefined,
    supportedInterfaces: [
      { url: `${url}/a2a`, protocolBinding: 'JSONRPC', tenant: '', protocolVersion: '1.0' },
    ],
    // Declares the extension; required: clients that do not activate it are refused by the SDK.
    capabilities: { extensions: [delegationExtension()] },
    securitySchemes: {},
    securityRequirements: [],
    defaultInputModes: ['application/json'],
    defaultOutputModes: ['application/json'],
    skills: [],
    signatures: [],
  };
  const executor = verifiedAgentExecutor(fileAgent, { gate, identity: files });
  const handler = new DefaultRequestHandler(card, new InMemoryTaskStore(), executor);
  app.use('/.well-known/agent-card.json', agentCardHandler({ agentCardProvider: handler }));
  app.use('/a2a', jsonRpcHandler({ requestHandler: handler, userBuilder: UserBuilder.noAuthentication }));

  // Caller side: one interceptor signs skill messages and verifies what comes back, against the
  // file agent's key from our registry (never from the card or the result).
  const trust = delegationInterceptor({
    identity: planner,
    audience: files.agentId,
    attestationKey: files.publicKeyPem,
    replayTracker: new AttestationReplayTracker({ replayStore: new MemoryReplayStore() }),
  });
  const options = ClientFactoryOptions.createFrom(ClientFactoryOptions.default, {
    clientConfig: { interceptors: [trust] },
  });
  const client = await new ClientFactory(options).createFromUrl(url);

  try {
    const message = skillMessage('read_file', { path: '/srv/report.txt' });
    const task = await client.sendMessage({ tenant: '', message, configuration: undefined, metadata: {} });
    const legit = trust.verdictOf(task);

    // The same signed message replayed: the gate refuses it, the task ends REJECTED with the reason.
    const replay = await client.sendMessage({
      tenant: '',
      message: withTask(task, message),
      configuration: undefined,
      metadata: {},
    });
    return { legit, replayed: trust.verdictOf(replay) };
  } finally {
    server.closeAllConnections();
    server.close();
  }
}

/** The message as it went out (the interceptor added the envelope), to be sent again as a new task. */
function withTask(task: unknown, sent: ReturnType<typeof skillMessage>): ReturnType<typeof skillMessage> {
  const history = (task as { history?: { messageId: string; metadata?: Record<string, unknown> }[] }).history;
  const outgoing = history?.find((m) => m.messageId === sent.messageId);
  return {
    ...sent,
    messageId: globalThis.crypto.randomUUID(),
    metadata: outgoing?.metadata ?? sent.metadata,
  };
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  for (const [what, verdict] of Object.entries(await a2aAgentExample())) {
    const shown = verdict?.ok
      ? `accepted ${JSON.stringify(verdict.result)}`
      : `refused ${verdict?.reason ?? 'unverified'} ${JSON.stringify(verdict?.details ?? {})}`;
    console.log(`${what.padEnd(9)} ${shown}`);
  }
}
