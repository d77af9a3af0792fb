/**
 * The receiving side: a wrapper around an A2A `AgentExecutor`. The message's envelope is checked by
 * the gate — with the targeted skill and the message's content as the call's expectations — before
 * the inner executor runs. A refused call becomes a task in `TASK_STATE_REJECTED` whose status
 * message carries the machine-readable reason (never a throw: the SDK turns a throw into
 * `TASK_STATE_FAILED` with a bare text message). A packet that needs human approval parks the task in
 * `TASK_STATE_AUTH_REQUIRED`; a follow-up message to the same task carrying signed approvals resumes
 * it. Every artifact the inner executor publishes leaves with its attestation in the artifact's
 * metadata; a throwing inner executor ends the task `TASK_STATE_FAILED` with an attested error.
 */
import { parseDelegationEnvelope } from '../../packet/wire.js';
import { packetDigest } from '../../approval/digest.js';
import { issueAttestation } from '../../attestation/create.js';
import { serializeNodeOutput } from '../../attestation/node-output.js';
import { wrapNode, type NodeOutput } from '../../attestation/wrap-node.js';
import { ConfigurationError, TrustHandoffError } from '../../errors.js';
import type { AcceptDecision } from '../../gate/decision.js';
import type { SignedTaskPacket } from '../../packet/types.js';
import { parseJson } from '../../wire/parse-json.js';
import { isPlainObject } from '../../wire/json-value.js';
import { admitCall, type ToolCallGate, type VerifiedToolOptions } from '../core/receive.js';
import type { ToolCallRejection } from '../core/verdict.js';
import {
  DELEGATION_EXTENSION_URI,
  ROLE,
  TASK_STATE,
  a2aCallOf,
  delegationEntry,
  textPart,
  type A2AMessage,
  type A2APart,
} from './wire.js';

/** An A2A task (the SDK's `Task`), as far as the wrapper reads and writes it. */
export interface A2ATask {
  id: string;
  contextId: string;
  status: { state: number; message: A2AMessage | undefined; timestamp: string | undefined } | undefined;
  artifacts: unknown[];
  history: A2AMessage[];
  metadata: Record<string, unknown> | undefined;
}

/** An A2A artifact (the SDK's `Artifact`). */
export interface A2AArtifact {
  artifactId: string;
  name: string;
  description: string;
  parts: A2APart[];
  metadata: Record<string, unknown> | undefined;
  extensions: string[];
}

/** The SDK's `AgentExecutionEvent`. */
export type A2AExecutionEvent =
  | { kind: 'message'; data: A2AMessage }
  | { kind: 'task'; data: A2ATask }
  | {
      kind: 'statusUpdate';
      data: {
        taskId: string;
        contextId: string;
        status: A2ATask['status'];
        metadata: Record<string, unknown> | undefined;
      };
    }
  | {
      kind: 'artifactUpdate';
      data: {
        taskId: string;
        contextId: string;
        artifact: A2AArtifact | undefined;
        append: boolean;
        lastChunk: boolean;
        metadata: Record<string, unknown> | undefined;
      };
    };

/** The SDK's `ExecutionEventBus`: `publish` and `finished` are what the wrapper intercepts. */
export interface A2AEventBus {
  publish(event: A2AExecutionEvent): void;
  finished(): void;
  on(eventName: never, listener: never): unknown;
  off(eventName: never, listener: never): unknown;
  once(eventName: never, listener: never): unknown;
  removeAllListeners(eventName?: never): unknown;
}

/** The SDK's `RequestContext`, as far as the wrapper reads it. */
export interface A2ARequestContext {
  readonly request: { readonly message?: A2AMessage | undefined };
  readonly taskId: string;
  readonly contextId: string;
  readonly task?: A2ATask | undefined;
  readonly userMessage: A2AMessage;
  readonly context?: { addActivatedExtension?(uri: string): void } | undefined;
}

/** What the inner executor gets as its third argument: the call the gate accepted. */
export interface VerifiedA2ACall {
  /** The skill id (the call's name, bound in the packet). */
  readonly name: string;
  /** The bound arguments (see `a2aCallOf`): act on these, or on the message they were read from. */
  readonly arguments: Record<string, unknown>;
  /** The packet the gate accepted (frozen, signed by the caller's registered key). */
  readonly packet: SignedTaskPacket;
  readonly decision: AcceptDecision;
  /** The caller's W3C trace context, when it sent one beside the envelope. */
  readonly traceparent?: string;
}

/**
 * An executor the wrapper runs: an ordinary `AgentExecutor` (two arguments) works; a third argument
 * receives the verified call. After an approval, `requestContext.userMessage` is the original
 * message of the call (not the approval message).
 */
export interface InnerAgentExecutor<C, B> {
  execute(requestContext: C, eventBus: B, call: VerifiedA2ACall): Promise<void>;
  cancelTask(taskId: string, eventBus: B): Promise<void>;
}

export interface VerifiedAgentExecutorOptions extends VerifiedToolOptions {
  /** The receiving agent's gate (its audience is this agent's id). */
  readonly gate: ToolCallGate;
}

/** The wrapped executor: structurally an `AgentExecutor` of the SDK. */
export interface VerifiedAgentExecutor<C, B> {
  execute(requestContext: C, eventBus: B): Promise<void>;
  cancelTask(taskId: string, eventBus: B): Promise<void>;
}

/** What the extension's entry of a status message or artifact holds (what the client reads). */
export interface DelegationResultEntry {
  /** The attested output (`serializeNodeOutput` wire JSON): on each artifact, or on a FAILED status. */
  readonly output?: string;
  /** A refused call (`TASK_STATE_REJECTED`): the machine-readable reason. */
  readonly rejection?: ToolCallRejection;
  /** A call waiting for approval (`TASK_STATE_AUTH_REQUIRED`): what the approvers must sign. */
  readonly approval_required?: { readonly packet_id: string; readonly packet_digest: string };
}

const HUMAN_REVIEW_REQUIRED = 'human_review_required';

/**
 * Wrap `inner` so that it runs only for a call the gate accepts. Options are checked here, once.
 */
export function verifiedAgentExecutor<C extends A2ARequestContext, B extends A2AEventBus>(
  inner: InnerAgentExecutor<C, B>,
  options: VerifiedAgentExecutorOptions,
): VerifiedAgentExecutor<C, B> {
  if (inner === null || typeof inner !== 'object' || typeof inner.execute !== 'function')
    throw new ConfigurationError('verifiedAgentExecutor needs an AgentExecutor');
  if (options === null || typeof options !== 'object')
    throw new ConfigurationError('verifiedAgentExecutor needs options');
  const { gate, identity } = options;
  if (gate === null || typeof gate !== 'object' || typeof gate.handle !== 'function')
    throw new ConfigurationError('verifiedAgentExecutor needs a gate with a handle() method');
  if (identity === undefined || typeof identity.sign !== 'function')
    throw new ConfigurationError('verifiedAgentExecutor needs an identity that can sign');
  const now = options.now ?? Date.now;
  const arrival = options.arrival ?? { transport: 'a2a' };
  const outcomeEncoding = options.outcomeEncoding ?? 'reference';
  const serializeOptions = { outcomeEncoding };
  // A throwing inner executor's error is attested the way every integration attests it.
  const attestError = wrapNode(
    (_packetId: string, error: unknown): Record<string, never> => {
      throw error;
    },
    {
      identity,
      packetId: (packetId) => packetId,
      now,
      outcomeEncoding,
      ...(options.maxErrorMessageLength === undefined
        ? {}
        : { maxErrorMessageLength: options.maxErrorMessageLength }),
    },
  );

  function attestArtifact(packetId: string, artifact: A2AArtifact): string {
    const data = (artifact.parts ?? []).filter((part) => part?.content?.$case === 'data');
    const value = data.length === 1 ? data[0]?.content?.value : undefined;
    if (!isPlainObject(value))
      throw new ConfigurationError('an attested artifact carries exactly one data part holding an object');
    const attestation = issueAttestation({ packetId, result: value, signer: identity, now, outcomeEncoding });
    return serializeNodeOutput({ result: value, attestation }, serializeOptions);
  }

  async function execute(requestContext: C, eventBus: B): Promise<void> {
    const message = requestContext.userMessage;
    const entry = delegationEntry(message?.metadata);
    if (entry !== undefined) activate(requestContext);
    const task = requestContext.task;
    const pending = task?.status?.state === TASK_STATE.authRequired ? pendingOf(task) : undefined;
    if (pending !== undefined && task !== undefined) {
      await resume(requestContext, eventBus, task, pending, entry);
      return;
    }
    const call = a2aCallOf(message);
    if (call === undefined) {
      reject(requestContext, eventBus, { decision: 'REJECT', reason: 'skill_missing', packet_id: null });
      return;
    }
    const envelope = entry?.['envelope'];
    const admitted = await admitCall(gate, envelope, call.name, call.arguments, arrival);
    if (!admitted.ok) {
      const approval =
        admitted.rejection.reason === HUMAN_REVIEW_REQUIRED && typeof envelope === 'string'
          ? approvalRequest(envelope)
          : undefined;
      if (approval !== undefined) waitForApproval(requestContext, eventBus, message, approval);
      else reject(requestContext, eventBus, admitted.rejection);
      return;
    }
    await run(requestContext, eventBus, message, admitted.decision, entry);
  }

  async function resume(
    requestContext: C,
    eventBus: B,
    task: A2ATask,
    pending: PendingCall,
    entry: Record<string, unknown> | undefined,
  ): Promise<void> {
    const original = task.history.find((m) => m?.messageId === pending.messageId && m.role === ROLE.user);
    const originalEntry = delegationEntry(original?.metadata);
    const call = original === undefined ? undefined : a2aCallOf(original);
    const envelope = originalEntry?.['envelope'];
    if (original === undefined || call === undefined || typeof envelope !== 'string') {
      reject(requestContext, eventBus, {
        decision: 'REJECT',
        reason: 'pending_call_missing',
        packet_id: pending.packetId,
      });
      return;
    }
    const approvals = entry?.['approvals'];
    const withApprovals = Array.isArray(approvals) ? attachWireApprovals(envelope, approvals) : envelope;
    const admitted = await admitCall(gate, withApprovals, call.name, call.arguments, arrival);
    if (!admitted.ok) {
      if (admitted.rejection.reason === HUMAN_REVIEW_REQUIRED) {
        // Missing, forged or insufficient approvals: the task keeps waiting (a stranger's bad approval
        // cannot end it); the refusal is in the status message. It ends when the packet expires.
        const request = approvalRequest(envelope);
        if (request !== undefined) {
          waitForApproval(requestContext, eventBus, original, request, admitted.rejection);
          return;
        }
      }
      reject(requestContext, eventBus, admitted.rejection);
      return;
    }
    // The inner executor sees the call's own message, not the approval message.
    const resumed = Object.create(requestContext, {
      request: { value: { ...requestContext.request, message: original } },
      userMessage: { value: original },
    }) as C;
    eventBus.publish({
      kind: 'task',
      data: { ...task, status: status(TASK_STATE.working) },
    });
    await run(resumed, eventBus, original, admitted.decision, originalEntry);
  }

  async function run(
    requestContext: C,
    eventBus: B,
    message: A2AMessage,
    decision: AcceptDecision,
    entry: Record<string, unknown> | undefined,
  ): Promise<void> {
    const call = a2aCallOf(message);
    const traceparent = entry?.['traceparent'];
    const verified: VerifiedA2ACall = Object.freeze({
      name: call?.name ?? '',
      arguments: call?.arguments ?? {},
      packet: decision.packet,
      decision,
      ...(typeof traceparent === 'string' ? { traceparent } : {}),
    });
    const packetId = decision.packet.packet_id;
    const proxy = attestingBus(eventBus, packetId, attestArtifact, (rejection) => {
      fail(requestContext, eventBus, { rejection });
    });
    let taskPublished = requestContext.task !== undefined;
    proxy.onTask = () => {
      taskPublished = true;
    };
    try {
      await inner.execute(requestContext, proxy.bus as unknown as B, verified);
    } catch (error) {
      if (proxy.closed) return;
      proxy.closed = true;
      const output: NodeOutput<object> = await attestError(packetId, error);
      if (!taskPublished) eventBus.publish({ kind: 'task', data: newTask(requestContext, message) });
      fail(requestContext, eventBus, { output: serializeNodeOutput(output, serializeOptions) });
    }
  }

  function fail(requestContext: C, eventBus: B, result: DelegationResultEntry): void {
    const text =
      result.rejection === undefined
        ? 'the delegated call failed; its error is attested'
        : `trusthandoff refused the result: ${result.rejection.reason}`;
    publishStatus(requestContext, eventBus, TASK_STATE.failed, statusMessage(requestContext, text, result));
  }

  function reject(requestContext: C, eventBus: B, rejection: ToolCallRejection): void {
    const message = statusMessage(requestContext, `trusthandoff refused the call: ${rejection.reason}`, {
      rejection,
    });
    const task = requestContext.task ?? newTask(requestContext, requestContext.userMessage);
    eventBus.publish({ kind: 'task', data: { ...task, status: status(TASK_STATE.submitted) } });
    publishStatus(requestContext, eventBus, TASK_STATE.rejected, message);
  }

  function waitForApproval(
    requestContext: C,
    eventBus: B,
    original: A2AMessage,
    request: { packet_id: string; packet_digest: string },
    refusal?: ToolCallRejection,
  ): void {
    const entry: Record<string, unknown> = { approval_required: request };
    if (refusal !== undefined) entry['rejection'] = refusal;
    const message = statusMessage(requestContext, `approval required for packet ${request.packet_id}`, entry);
    const task = requestContext.task ?? newTask(requestContext, original);
    eventBus.publish({
      kind: 'task',
      data: {
        ...task,
        status: status(TASK_STATE.submitted),
        metadata: {
          ...task.metadata,
          [DELEGATION_EXTENSION_URI]: {
            pending: { message_id: original.messageId, packet_id: request.packet_id },
          },
        },
      },
    });
    publishStatus(requestContext, eventBus, TASK_STATE.authRequired, message);
  }

  return {
    execute,
    cancelTask: (taskId: string, eventBus: B) => inner.cancelTask(taskId, eventBus),
  };
}

interface PendingCall {
  readonly messageId: string;
  readonly packetId: string | null;
}

function pendingOf(task: A2ATask): PendingCall | undefined {
  const pending = delegationEntry(task.metadata)?.['pending'];
  if (!isPlainObject(pending) || typeof pending['message_id'] !== 'string') return undefined;
  return {
    messageId: pending['message_id'],
    packetId: typeof pending['packet_id'] === 'string' ? pending['packet_id'] : null,
  };
}

function activate(requestContext: A2ARequestContext): void {
  try {
    requestContext.context?.addActivatedExtension?.(DELEGATION_EXTENSION_URI);
  } catch {
    // The response header is a courtesy; the decision never depends on it.
  }
}

/** What approvers sign, read from an envelope the gate has already authenticated (signature passed). */
function approvalRequest(envelope: string): { packet_id: string; packet_digest: string } | undefined {
  try {
    const packet = parseDelegationEnvelope(envelope).packet;
    return { packet_id: packet.packet_id, packet_digest: packetDigest(packet) };
  } catch {
    return undefined;
  }
}

/** The envelope with `approvals` appended, as an object the gate reads once into its own copy. */
function attachWireApprovals(envelope: string, approvals: readonly unknown[]): unknown {
  let parsed: unknown;
  try {
    parsed = parseJson(envelope);
  } catch {
    return envelope; // the gate refuses it with its own reason
  }
  if (!isPlainObject(parsed)) return envelope;
  const carried = Array.isArray(parsed['approvals']) ? (parsed['approvals'] as unknown[]) : [];
  return { ...parsed, approvals: [...carried, ...approvals] };
}

function status(state: number, message?: A2AMessage): NonNullable<A2ATask['status']> {
  return { state, message, timestamp: new Date().toISOString() };
}

function publishStatus(
  requestContext: A2ARequestContext,
  eventBus: A2AEventBus,
  state: number,
  message: A2AMessage,
): void {
  eventBus.publish({
    kind: 'statusUpdate',
    data: {
      taskId: requestContext.taskId,
      contextId: requestContext.contextId,
      status: status(state, message),
      metadata: {},
    },
  });
}

function statusMessage(
  requestContext: A2ARequestContext,
  text: string,
  entry: DelegationResultEntry,
): A2AMessage {
  return {
    messageId: globalThis.crypto.randomUUID(),
    contextId: requestContext.contextId,
    taskId: requestContext.taskId,
    role: ROLE.agent,
    parts: [textPart(text)],
    metadata: { [DELEGATION_EXTENSION_URI]: entry },
    extensions: [DELEGATION_EXTENSION_URI],
    referenceTaskIds: [],
  };
}

function newTask(requestContext: A2ARequestContext, message: A2AMessage): A2ATask {
  return {
    id: requestContext.taskId,
    contextId: requestContext.contextId,
    status: undefined,
    artifacts: [],
    history: message === undefined ? [] : [message],
    metadata: {},
  };
}

interface AttestingBus {
  readonly bus: A2AEventBus;
  closed: boolean;
  onTask: () => void;
}

/**
 * The bus the inner executor publishes to: artifacts get their attestation in `metadata`; an artifact
 * that cannot be attested is never published, and the task ends FAILED with `attestation_failed`.
 */
function attestingBus(
  target: A2AEventBus,
  packetId: string,
  attest: (packetId: string, artifact: A2AArtifact) => string,
  onAttestationFailure: (rejection: ToolCallRejection) => void,
): AttestingBus {
  const state: AttestingBus = {
    bus: undefined as unknown as A2AEventBus,
    closed: false,
    onTask: () => undefined,
  };
  const bus: A2AEventBus = {
    publish(event: A2AExecutionEvent): void {
      if (state.closed) return;
      if (event?.kind === 'task') state.onTask();
      if (event?.kind !== 'artifactUpdate' || event.data.artifact === undefined) {
        target.publish(event);
        return;
      }
      const artifact = event.data.artifact;
      let output: string;
      try {
        if (event.data.append) throw new ConfigurationError('an appended artifact chunk cannot be attested');
        output = attest(packetId, artifact);
      } catch (error) {
        state.closed = true;
        const code = error instanceof TrustHandoffError ? error.code : 'unexpected_error';
        onAttestationFailure({
          decision: 'REJECT',
          reason: 'attestation_failed',
          packet_id: packetId,
          details: { code },
        });
        return;
      }
      target.publish({
        kind: 'artifactUpdate',
        data: {
          ...event.data,
          artifact: {
            ...artifact,
            metadata: { ...artifact.metadata, [DELEGATION_EXTENSION_URI]: { output } },
            extensions: [...(artifact.extensions ?? []), DELEGATION_EXTENSION_URI],
          },
        },
      });
    },
    finished: () => {
      target.finished();
    },
    on: (name, listener) => target.on(name, listener),
    off: (name, listener) => target.off(name, listener),
    once: (name, listener) => target.once(name, listener),
    removeAllListeners: (name) => target.removeAllListeners(name),
  };
  (state as { bus: A2AEventBus }).bus = bus;
  return state;
}

/**
 * The AgentCard declaration of the extension, for `capabilities.extensions`. `required: true` makes
 * the SDK's request handler refuse clients that do not activate it (`A2A-Extensions`).
 */
export function delegationExtension(required = true): {
  uri: string;
  description: string;
  required: boolean;
  params: Record<string, unknown> | undefined;
} {
  return {
    uri: DELEGATION_EXTENSION_URI,
    description:
      'trusthandoff delegation: each message carries a signed envelope bound to its skill and content; results carry attestations',
    required,
    params: undefined,
  };
}
