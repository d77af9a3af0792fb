/**
 * The issue-11 attack matrix (test/integrations/matrix/cases.ts) for A2A with the real SDK: the
 * envelope rides in the message's extension metadata over JSON-RPC to an agent on a loopback port.
 */
import {
  DELEGATION_EXTENSION_URI,
  skillMessage,
  verifyA2AResult,
} from '../../../src/integrations/a2a/index.js';
import { describeAttackMatrix, type MatrixTarget } from '../matrix/cases.js';
import { startAgent } from './harness.js';

async function target(): Promise<MatrixTarget> {
  const h = await startAgent();
  const client = await h.client();
  return {
    caller: h.caller,
    receiverAgentId: h.agentId,
    receiverPublicKeyPem: h.agentPublicKeyPem,
    send: async (call, envelope) => {
      const message = skillMessage(call.name, call.arguments ?? {});
      const entry = { skill: call.name, ...(envelope === undefined ? {} : { envelope }) };
      return client.sendMessage(
        {
          tenant: '',
          message: { ...message, metadata: { [DELEGATION_EXTENSION_URI]: entry } },
          configuration: undefined,
          metadata: {},
        },
        { serviceParameters: { 'A2A-Extensions': DELEGATION_EXTENSION_URI } },
      );
    },
    verify: async (raw, options) => {
      const verdict = await verifyA2AResult(raw, options);
      // No matrix packet requires review, so no verdict is `approval_required`.
      if (!verdict.ok && verdict.reason === 'approval_required')
        throw new Error('unexpected approval_required');
      return verdict;
    },
    rewriteOutput: (raw, mutate) => {
      const task = raw as { artifacts: { metadata: Record<string, { output: string }> }[] };
      return {
        ...task,
        artifacts: task.artifacts.map((a) => ({
          ...a,
          metadata: {
            ...a.metadata,
            [DELEGATION_EXTENSION_URI]: {
              output: mutate(a.metadata[DELEGATION_EXTENSION_URI]?.output ?? ''),
            },
          },
        })),
      };
    },
    runs: () => Promise.resolve({ ...h.runs }),
    close: () => h.close(),
  };
}

describeAttackMatrix('A2A', target);
