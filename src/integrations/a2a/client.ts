/**
 * The calling side: a client `CallInterceptor` for `@a2a-js/sdk` that signs every delegated message
 * (a message naming a skill in the extension's entry) with an envelope bound to that skill and the
 * message's content, activates the extension (`A2A-Extensions`), and checks the attestations of what
 * comes back in its `after` hook. The verdict of a call is read with `verdictOf(result)`.
 */
import { ConfigurationError } from '../../errors.js';
import { parseDelegationEnvelope } from '../../packet/wire.js';
import type { ExecutionAttestation } from '../../attestation/types.js';
import type { AgentIdentity } from '../../identity/agent-identity.js';
import type { JsonValue } from '../../wire/json-value.js';
import { isPlainObject } from '../../wire/json-value.js';
import { issueToolCallEnvelope, type IssueToolCallEnvelopeOptions } from '../core/envelope.js';
import {
  refuseCall,
  verifyAttestedResult,
  type ToolCallVerdict,
  type VerifyToolCallResultOptions,
} from '../core/verdict.js';
import {
  DELEGATION_EXTENSION_URI,
  ROLE,
  TASK_STATE,
  a2aCallOf,
  dataPart,
  delegationEntry,
  type A2AMessage,
  type A2APart,
} from './wire.js';

/** One attested artifact of a completed task. */
export interface AttestedArtifact {
  readonly artifactId: string;
  readonly result: JsonValue;
  readonly attestation: ExecutionAttestation;
}

/**
 * The verdict on an A2A result: a {@link ToolCallVerdict} (an accepted one also lists every attested
 * artifact; `result` is the first one's), or `approval_required` — the task waits in
 * `TASK_STATE_AUTH_REQUIRED` for signed approvals of `details.packet_id`.
 */
export type A2AVerdict =
  | (Extract<ToolCallVerdict, { ok: true }> & { readonly artifacts: readonly AttestedArtifact[] })
  | Extract<ToolCallVerdict, { ok: false }>
  | {
      readonly ok: false;
      readonly reason: 'approval_required';
      readonly details: {
        readonly task_id: string;
        readonly packet_id: string;
        readonly packet_digest: string;
        readonly rejection?: unknown;
      };
    };

/**
 * Verify what an A2A agent returned for a delegated message (a `Task`, or a `Message`). Never throws
 * for what the agent sent:
 *  - `TASK_STATE_COMPLETED`: every artifact must carry a valid, unreplayed attestation over `packetId`
 *    (none at all: `attestation_missing`);
 *  - `TASK_STATE_REJECTED`: `call_rejected` with the agent's machine-readable reason;
 *  - `TASK_STATE_FAILED`: `tool_error` with the attested error (or `call_rejected`
 *    `attestation_failed` when a result could not be attested);
 *  - `TASK_STATE_AUTH_REQUIRED`: `approval_required`;
 *  - anything else: `attestation_missing`.
 */
export async function verifyA2AResult(
  result: unknown,
  options: VerifyToolCallResultOptions,
): Promise<A2AVerdict> {
  if (!isPlainObject(result)) return refuse('malformed_result');
  const statusValue = result['status'];
  if (!isPlainObject(statusValue)) return refuse('attestation_missing'); // a bare Message
  const state = statusValue['state'];
  const message = statusValue['message'];
  const entry = isPlainObject(message) ? delegationEntry(message['metadata']) : undefined;
  switch (state) {
    case TASK_STATE.completed:
      return verifyArtifacts(result['artifacts'], options);
    case TASK_STATE.rejected:
      return (await verifyAttestedResult(undefined, entry?.['rejection'], options)) as A2AVerdict;
    case TASK_STATE.failed:
      return (await verifyAttestedResult(entry?.['output'], entry?.['rejection'], options)) as A2AVerdict;
    case TASK_STATE.authRequired: {
      const request = entry?.['approval_required'];
      if (
        !isPlainObject(request) ||
        typeof request['packet_id'] !== 'string' ||
        typeof request['packet_digest'] !== 'string' ||
        typeof result['id'] !== 'string'
      )
        return refuse('attestation_missing');
      return Object.freeze({
        ok: false,
        reason: 'approval_required',
        details: {
          task_id: result['id'],
          packet_id: request['packet_id'],
          packet_digest: request['packet_digest'],
          ...(entry?.['rejection'] === undefined ? {} : { rejection: entry['rejection'] }),
        },
      });
    }
    default:
      return refuse('attestation_missing');
  }
}

async function verifyArtifacts(
  artifacts: unknown,
  options: VerifyToolCallResultOptions,
): Promise<A2AVerdict> {
  if (!Array.isArray(artifacts) || artifacts.length === 0) return refuse('attestation_missing');
  const attested: AttestedArtifact[] = [];
  for (const artifact of artifacts as unknown[]) {
    if (!isPlainObject(artifact)) return refuse('malformed_result');
    const output = delegationEntry(artifact['metadata'])?.['output'];
    const verdict = await verifyAttestedResult(output, undefined, options);
    if (!verdict.ok) return verdict;
    const artifactId = typeof artifact['artifactId'] === 'string' ? artifact['artifactId'] : '';
    attested.push({ artifactId, result: verdict.result, attestation: verdict.attestation });
  }
  const first = attested[0] as AttestedArtifact;
  return Object.freeze({
    ok: true,
    result: first.result,
    attestation: first.attestation,
    packetId: options.packetId,
    artifacts: Object.freeze(attested),
  });
}

function refuse(reason: Parameters<typeof refuseCall>[0]): A2AVerdict {
  return refuseCall(reason) as A2AVerdict;
}

/**
 * A user message that calls `skill`: `content` is the arguments object (sent as one `data` part) or
 * the parts themselves. `extra` fields (e.g. `taskId`, `contextId`) are copied onto the message.
 */
export function skillMessage(
  skill: string,
  content: Record<string, unknown> | readonly A2APart[],
  extra: Partial<Pick<A2AMessage, 'messageId' | 'contextId' | 'taskId' | 'referenceTaskIds'>> = {},
): A2AMessage {
  if (typeof skill !== 'string' || skill.length === 0)
    throw new ConfigurationError('skillMessage needs a skill id');
  return {
    messageId: extra.messageId ?? globalThis.crypto.randomUUID(),
    contextId: extra.contextId ?? '',
    taskId: extra.taskId ?? '',
    role: ROLE.user,
    parts: Array.isArray(content) ? [...(content as readonly A2APart[])] : [dataPart(content)],
    metadata: { [DELEGATION_EXTENSION_URI]: { skill } },
    extensions: [DELEGATION_EXTENSION_URI],
    referenceTaskIds: extra.referenceTaskIds ? [...extra.referenceTaskIds] : [],
  };
}

/**
 * The follow-up message that resumes a task waiting in `TASK_STATE_AUTH_REQUIRED`: it carries the
 * signed approvals (`issueApproval`) of the packet the task waits for.
 */
export function approvalMessage(
  task: { readonly id: string; readonly contextId: string },
  approvals: readonly unknown[],
): A2AMessage {
  return {
    messageId: globalThis.crypto.randomUUID(),
    contextId: task.contextId,
    taskId: task.id,
    role: ROLE.user,
    parts: [dataPart({ approvals: approvals.length })],
    metadata: { [DELEGATION_EXTENSION_URI]: { approvals: [...approvals] } },
    extensions: [DELEGATION_EXTENSION_URI],
    referenceTaskIds: [],
  };
}

export interface DelegationInterceptorOptions
  extends Omit<IssueToolCallEnvelopeOptions, 'audience'>, Omit<VerifyToolCallResultOptions, 'packetId'> {
  /** The caller's identity: signs each packet. Its key must be in the receiving gate's registry. */
  readonly identity: AgentIdentity;
  /** The receiving agent's id (its gate's audience). */
  readonly audience: string;
  /** The W3C `traceparent` to send beside each envelope (e.g. `activeTraceparent` of trusthandoff/otel). */
  readonly traceparent?: () => string | undefined;
  /** Tasks remembered while they wait for approval (default 1,000; the oldest is forgotten first). */
  readonly maxPendingApprovals?: number;
}

/** The SDK's `BeforeArgs` / `AfterArgs`, as far as the interceptor reads them. */
export interface InterceptorBeforeArgs {
  readonly input: { readonly method: string; value?: unknown } | undefined;
  options?: { serviceParameters?: Record<string, string> } | undefined;
}
export interface InterceptorAfterArgs {
  readonly result: { readonly method: string; value?: unknown } | undefined;
  options?: { serviceParameters?: Record<string, string> } | undefined;
}

/** A `CallInterceptor` for the SDK's `ClientConfig.interceptors`, plus where its verdicts are read. */
export interface DelegationInterceptor {
  before(args: InterceptorBeforeArgs): Promise<void>;
  after(args: InterceptorAfterArgs): Promise<void>;
  /**
   * The verdict on a result a delegated `sendMessage` returned (the very object), or undefined when
   * the call was not a delegated one.
   */
  verdictOf(result: unknown): A2AVerdict | undefined;
}

const EXTENSIONS_HEADER = 'A2A-Extensions';
const LEGACY_EXTENSIONS_HEADER = 'X-A2A-Extensions';
const SEND_METHODS: ReadonlySet<string> = new Set(['sendMessage', 'sendMessageStream']);

/**
 * The interceptor: `before` mints an envelope for every outgoing message that names a skill (and
 * carries no envelope yet) and forwards approvals for a task it saw waiting; `after` verifies the
 * `sendMessage` result. Options are checked here, once.
 */
export function delegationInterceptor(options: DelegationInterceptorOptions): DelegationInterceptor {
  if (options === null || typeof options !== 'object' || options.identity === undefined)
    throw new ConfigurationError('delegationInterceptor needs options with an identity');
  if (typeof options.audience !== 'string' || options.audience.length === 0)
    throw new ConfigurationError('delegationInterceptor needs the receiving agent id (audience)');
  if (options.replayTracker === undefined || options.attestationKey === undefined)
    throw new ConfigurationError('delegationInterceptor needs an attestationKey and a replayTracker');
  const maxPending = options.maxPendingApprovals ?? 1000;
  if (!Number.isSafeInteger(maxPending) || maxPending <= 0)
    throw new ConfigurationError('maxPendingApprovals must be a positive integer');
  const calls = new WeakMap<object, string>(); // request options → the packet id sent
  const verdicts = new WeakMap<object, A2AVerdict>();
  const waiting = new Map<string, string>(); // task id → packet id, tasks waiting for approval
  const { identity, traceparent } = options;
  // The options carry both the envelope's issue options and the result's verify options.
  const rest = options;

  return {
    before(args: InterceptorBeforeArgs): Promise<void> {
      beforeSend(args);
      return Promise.resolve();
    },

    async after(args: InterceptorAfterArgs): Promise<void> {
      await afterSend(args);
    },

    verdictOf(result: unknown): A2AVerdict | undefined {
      return result !== null && typeof result === 'object' ? verdicts.get(result) : undefined;
    },
  };

  function beforeSend(args: InterceptorBeforeArgs): void {
    if (args.input === undefined || !SEND_METHODS.has(args.input.method)) return;
    if (!isPlainObject(args.input.value)) return;
    const request = args.input.value;
    const message = request['message'] as A2AMessage | undefined;
    if (!isPlainObject(message)) return;
    const entry = delegationEntry(message.metadata);
    if (entry === undefined) return;
    let packetId: string | undefined;
    let next: Record<string, unknown> = entry;
    if (Array.isArray(entry['approvals'])) {
      packetId = typeof message.taskId === 'string' ? waiting.get(message.taskId) : undefined;
    } else if (typeof entry['envelope'] === 'string') {
      // An envelope the caller minted itself (e.g. a packet that requires review): verify against it.
      packetId = packetIdOf(entry['envelope']);
    } else if (entry['envelope'] === undefined) {
      const call = a2aCallOf(message);
      if (call === undefined) return;
      const minted = issueToolCallEnvelope(identity, call, rest);
      packetId = minted.packetId;
      const trace = traceparent?.();
      next = {
        ...entry,
        envelope: minted.envelope,
        ...(trace === undefined ? {} : { traceparent: trace }),
      };
    }
    request['message'] = {
      ...message,
      metadata: { ...message.metadata, [DELEGATION_EXTENSION_URI]: next },
      extensions: [...new Set([...(message.extensions ?? []), DELEGATION_EXTENSION_URI])],
    };
    activateExtension(args);
    if (packetId !== undefined && args.options !== undefined) calls.set(args.options, packetId);
  }

  async function afterSend(args: InterceptorAfterArgs): Promise<void> {
    if (args.result?.method !== 'sendMessage' || args.options === undefined) return;
    const packetId = calls.get(args.options);
    const value = args.result.value;
    if (packetId === undefined || !isPlainObject(value)) return;
    const verdict = await verifyA2AResult(value, { ...rest, packetId });
    if (!verdict.ok && verdict.reason === 'approval_required') {
      waiting.delete(verdict.details.task_id);
      waiting.set(verdict.details.task_id, packetId);
      if (waiting.size > maxPending) waiting.delete(waiting.keys().next().value as string);
    } else if (typeof value['id'] === 'string') {
      waiting.delete(value['id']);
    }
    verdicts.set(value, verdict);
  }
}

function packetIdOf(envelope: string): string | undefined {
  try {
    return parseDelegationEnvelope(envelope).packet.packet_id;
  } catch {
    return undefined;
  }
}

/** Add the extension's URI to the extensions service parameter, in the spelling the wire version uses. */
function activateExtension(args: InterceptorBeforeArgs): void {
  const options = (args.options ??= {});
  const parameters = (options.serviceParameters ??= {});
  const header = parameters['A2A-Version'] === '0.3' ? LEGACY_EXTENSIONS_HEADER : EXTENSIONS_HEADER;
  const present = (parameters[header] ?? '')
    .split(',')
    .map((uri) => uri.trim())
    .filter((uri) => uri.length > 0);
  if (!present.includes(DELEGATION_EXTENSION_URI)) present.push(DELEGATION_EXTENSION_URI);
  parameters[header] = present.join(', ');
}
