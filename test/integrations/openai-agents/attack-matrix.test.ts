/**
 * The issue-11 attack matrix (test/integrations/matrix/cases.ts) for OpenAI Agents JS: a scripted model
 * (the SDK's `Model` interface) makes the tool call through a real `Runner`, the envelope rides in the
 * run context, the verified tool's input guardrail decides (`rejectContent` with the gate's reason),
 * and the caller verifies the tool output item (`verifyToolCall`; the attestation is in its custom
 * data).
 */
import { describeAttackMatrix, type MatrixTarget } from '../matrix/cases.js';
import { OUTPUT_KEY, verifyToolCall } from '../../../src/integrations/openai-agents/index.js';
import { agentsHarness } from './harness.js';

async function target(): Promise<MatrixTarget> {
  const h = await agentsHarness();
  return {
    caller: h.caller,
    receiverAgentId: h.receiver.agentId,
    receiverPublicKeyPem: h.receiver.publicKeyPem,
    send: (call, envelope) => h.send(call, envelope),
    verify: (raw, options) => verifyToolCall(raw, 'call-1', options),
    rewriteOutput: (raw, mutate) => {
      const items = (raw as { newItems: { type: string; customData?: Record<string, string> }[] }).newItems;
      return {
        newItems: items.map((item) =>
          item.type === 'tool_call_output_item' && item.customData !== undefined
            ? Object.assign(Object.create(Object.getPrototypeOf(item) as object) as object, item, {
                customData: { ...item.customData, [OUTPUT_KEY]: mutate(item.customData[OUTPUT_KEY] ?? '') },
              })
            : item,
        ),
      };
    },
    runs: () => Promise.resolve({ ...h.runs }),
    close: () => Promise.resolve(),
  };
}

describeAttackMatrix('OpenAI Agents', target);
