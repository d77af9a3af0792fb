/**
 * The issue-11 attack matrix (test/integrations/matrix/cases.ts) for the Vercel AI SDK: the SDK's mock
 * model calls the tool through `generateText`, the envelope rides in the tool's context, the gate
 * decides in `toolApproval` (a REJECT is an automatic denial with the gate's reason), and the caller
 * verifies the call's outcome part with `verifyToolCall`.
 */
import { describeAttackMatrix, type MatrixTarget } from '../matrix/cases.js';
import { OUTPUT_KEY, verifyToolCall } from '../../../src/integrations/ai-sdk/index.js';
import { aiSdkHarness } from './harness.js';

async function target(): Promise<MatrixTarget> {
  const h = await aiSdkHarness();
  return {
    caller: h.caller,
    receiverAgentId: h.receiver.agentId,
    receiverPublicKeyPem: h.receiver.publicKeyPem,
    send: (call, envelope) => h.generate(call, envelope),
    verify: (raw, options) => verifyToolCall(raw as Parameters<typeof verifyToolCall>[0], 'call-1', options),
    rewriteOutput: (raw, mutate) => {
      const result = raw as { steps: { content: Record<string, unknown>[] }[] };
      return {
        steps: result.steps.map((step) => ({
          content: step.content.map((part) => {
            if (part['type'] !== 'tool-result') return part;
            const output = part['output'] as Record<string, string>;
            return { ...part, output: { ...output, [OUTPUT_KEY]: mutate(output[OUTPUT_KEY] ?? '') } };
          }),
        })),
      };
    },
    runs: () => Promise.resolve({ ...h.runs }),
    close: () => Promise.resolve(),
  };
}

describeAttackMatrix('AI SDK', target);
