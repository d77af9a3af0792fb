/**
 * The receiving side of a graph handoff: a node function that reads the handoff slot, runs the gate
 * with this node's name and the slot's arguments as expectations BEFORE the body (a tampered,
 * replayed, misaddressed or re-pointed envelope never reaches it), runs the body as an attested node,
 * and writes the attested output — or the refusal — back into the slot. With `approval`, a packet
 * that requires human review pauses the graph with `interrupt()` and resumes only with a signed
 * approval the gate's `ApprovalVerifier` accepts.
 */
import type { LangGraphRunnableConfig } from '@langchain/langgraph';
import { interrupt } from '@langchain/langgraph';
import { attachApprovals } from '../../approval/issue.js';
import type { SignedApproval } from '../../approval/types.js';
import { ConfigurationError } from '../../errors.js';
import { parseDelegationEnvelope, serializeDelegationEnvelope } from '../../packet/index.js';
import { isPlainObject } from '../../wire/json-value.js';
import {
  createCallReceiver,
  type ReceivedCall,
  type ToolCallGate,
  type VerifiedToolHandler,
  type VerifiedToolOptions,
} from '../core/receive.js';
import type { ToolCallRejection } from '../core/verdict.js';
import { APPROVAL_REQUEST_TYPE, HANDOFF_STATE_KEY } from './keys.js';
import { readSlot } from './state.js';

/** What the body gets as `call.extra`: the graph state, the node's config and the trace context. */
export interface VerifiedNodeExtra<S> {
  readonly state: S;
  readonly config: LangGraphRunnableConfig | undefined;
  /** The `traceparent` the sender put beside the envelope, if any (untrusted: it is not signed). */
  readonly traceparent: string | undefined;
}

export interface VerifiedNodeOptions<S, R> extends VerifiedToolOptions {
  /** The state key of the handoff slot (default `HANDOFF_STATE_KEY`). */
  readonly stateKey?: string;
  /** More state to write after an accepted call, from the attested result (e.g. a message). */
  readonly update?: (result: R, state: S) => Record<string, unknown>;
  /**
   * Pause for a signed human approval when the packet requires review (`human_review_required`):
   * `true`, or `{ attempts }` — how many approvals a resume may present before the node gives up
   * (default 3; each refused one pauses again with the refusal in the request).
   */
  readonly approval?: boolean | { readonly attempts?: number };
}

/** The value a receiving node passes to `interrupt()`: what the approver reviews and signs. */
export interface ApprovalRequest {
  readonly type: typeof APPROVAL_REQUEST_TYPE;
  /** The envelope to approve: `issueApproval(parseDelegationEnvelope(envelope).packet, approver)`. */
  readonly envelope: string;
  readonly packet_id: string | null;
  readonly call: { readonly name: string; readonly arguments: unknown };
  /** 1 for the first request; more after a refused approval. */
  readonly attempt: number;
  /** Why the previous approval was refused (the gate's reason), after a refused one. */
  readonly refused?: string;
}

const HUMAN_REVIEW_REQUIRED = 'human_review_required';

/**
 * Wrap a node body: `verifiedNode(gate, 'worker', (args, call) => result, { identity })` is a node
 * function for `graph.addNode('worker', …)`. The body receives the slot's arguments and returns a
 * plain JSON object, which is attested; the slot comes back with `output` (or `rejection`).
 */
export function verifiedNode<S extends Record<string, unknown>, A, R extends object>(
  gate: ToolCallGate,
  name: string,
  body: VerifiedToolHandler<A, R, VerifiedNodeExtra<S>>,
  options: VerifiedNodeOptions<S, R>,
): (state: S, config?: LangGraphRunnableConfig) => Promise<Record<string, unknown>> {
  const receive = createCallReceiver(gate, name, body, options, 'verifiedNode');
  const stateKey = options.stateKey ?? HANDOFF_STATE_KEY;
  if (typeof stateKey !== 'string' || stateKey.length === 0)
    throw new ConfigurationError('verifiedNode: stateKey must be a non-empty string');
  if (options.update !== undefined && typeof options.update !== 'function')
    throw new ConfigurationError('verifiedNode: update must be a function');
  const attempts = approvalAttempts(options.approval);

  return async function verifiedNodeRun(state: S, config?: LangGraphRunnableConfig) {
    const slot = readSlot(state, stateKey);
    const envelope = slot?.['envelope'];
    const call = isPlainObject(slot?.['call']) ? slot['call'] : undefined;
    const args = call?.['arguments'] as A;
    const traceparent = typeof slot?.['traceparent'] === 'string' ? slot['traceparent'] : undefined;
    const extra: VerifiedNodeExtra<S> = { state, config, traceparent };

    let received = await receive(envelope, args, extra);
    // Only a packet that requires review pauses; the gate refused it before the replay step, so
    // asking again after the resume spends nothing. LangGraph re-runs this node from the top on
    // resume: every `interrupt()` below returns the approval presented for it, in order.
    for (let attempt = 1; attempt <= attempts && needsApproval(received); attempt++) {
      const refused = attempt === 1 ? undefined : rejectionOf(received).reason;
      const request: ApprovalRequest = {
        type: APPROVAL_REQUEST_TYPE,
        envelope: envelope as string,
        packet_id: rejectionOf(received).packet_id,
        call: { name, arguments: args ?? {} },
        attempt,
        ...(refused === undefined ? {} : { refused }),
      };
      const approval: unknown = interrupt(request);
      received = await receive(withApproval(envelope as string, approval), args, extra);
      if (!received.ok && rejectionOf(received).reason !== HUMAN_REVIEW_REQUIRED) break;
    }

    // The slot keeps what the sender wrote and gets this run's outcome, never a stale one.
    const rest = { ...slot };
    delete rest['output'];
    delete rest['rejection'];
    if (!received.ok) return { [stateKey]: { ...rest, rejection: received.rejection } };
    const more = options.update === undefined ? {} : options.update(received.output.result as R, state);
    return { ...more, [stateKey]: { ...rest, output: received.wire } };
  };
}

function approvalAttempts(approval: VerifiedNodeOptions<never, never>['approval']): number {
  if (approval === undefined || approval === false) return 0;
  if (approval === true) return 3;
  const attempts = approval.attempts ?? 3;
  if (!Number.isSafeInteger(attempts) || attempts < 1)
    throw new ConfigurationError('verifiedNode: approval.attempts must be a positive integer');
  return attempts;
}

function needsApproval(received: ReceivedCall): boolean {
  return !received.ok && received.rejection.reason === HUMAN_REVIEW_REQUIRED;
}

function rejectionOf(received: ReceivedCall): ToolCallRejection {
  return received.ok ? { decision: 'REJECT', reason: '', packet_id: null } : received.rejection;
}

// The approval rides beside the packet in the envelope's `approvals`, where the gate's approval
// check reads it. An envelope that no longer parses is passed on unchanged for the gate to refuse.
function withApproval(envelope: string, approval: unknown): string {
  try {
    return serializeDelegationEnvelope(
      attachApprovals(parseDelegationEnvelope(envelope), [approval as SignedApproval]),
    );
  } catch {
    return envelope;
  }
}
