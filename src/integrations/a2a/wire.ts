/**
 * Where trusthandoff rides inside A2A messages, and the call a message makes. A2A extensions are
 * identified by a URI; their data travels in the `metadata` of a message, artifact or status message
 * under that URI, and a message lists the URI in its `extensions`. A client activates an extension
 * with the `A2A-Extensions` service parameter (HTTP header); an agent declares it in its AgentCard's
 * `capabilities.extensions`. The SDK is never imported: every type here is structural.
 */
import { isPlainObject } from '../../wire/json-value.js';
import { readOwnEntry } from '../core/receive.js';
import type { ToolCall } from '../core/envelope.js';

/** The extension's URI: the key of its metadata entries and the value of `A2A-Extensions`. */
export const DELEGATION_EXTENSION_URI = 'https://trusthandoff.dev/a2a/ext/delegation/v1';

/** A2A `TaskState` values (the SDK's numeric enum; `TASK_STATE_…` names on the JSON wire). */
export const TASK_STATE: {
  readonly submitted: 1;
  readonly working: 2;
  readonly completed: 3;
  readonly failed: 4;
  readonly canceled: 5;
  readonly inputRequired: 6;
  readonly rejected: 7;
  readonly authRequired: 8;
} = Object.freeze({
  submitted: 1,
  working: 2,
  completed: 3,
  failed: 4,
  canceled: 5,
  inputRequired: 6,
  rejected: 7,
  authRequired: 8,
} as const);

/** A2A `Role` values. */
export const ROLE: { readonly user: 1; readonly agent: 2 } = Object.freeze({ user: 1, agent: 2 } as const);

/** A part of an A2A message or artifact (the SDK's `Part`). */
export interface A2APart {
  content?:
    | { $case: 'text'; value: string }
    | { $case: 'raw'; value: Buffer }
    | { $case: 'url'; value: string }
    | { $case: 'data'; value: unknown }
    | undefined;
  metadata: Record<string, unknown> | undefined;
  filename: string;
  mediaType: string;
}

/** An A2A message (the SDK's `Message`). */
export interface A2AMessage {
  messageId: string;
  contextId: string;
  taskId: string;
  role: number;
  parts: A2APart[];
  metadata: Record<string, unknown> | undefined;
  extensions: string[];
  referenceTaskIds: string[];
}

/** What the extension's metadata entry of a message holds (all optional on the wire; untrusted). */
export interface DelegationMessageEntry {
  /** The skill id the message targets: the call's name. */
  readonly skill?: string;
  /** The serialized delegation envelope authorizing this call. */
  readonly envelope?: string;
  /** W3C trace context of the caller, beside the envelope. */
  readonly traceparent?: string;
  /** Signed approvals resuming a task waiting in `TASK_STATE_AUTH_REQUIRED`. */
  readonly approvals?: readonly unknown[];
}

/** The extension's entry in `metadata`, when it is a plain object; undefined otherwise. */
export function delegationEntry(metadata: unknown): Record<string, unknown> | undefined {
  const entry = readOwnEntry(metadata, DELEGATION_EXTENSION_URI);
  return isPlainObject(entry) ? entry : undefined;
}

/**
 * The call an A2A message makes, as the envelope binds it (docs/integrations/a2a.md, "The call"):
 * the name is the skill id in the extension's entry (`skill`); the arguments are the message's
 * content — a message of exactly one `data` part holding a JSON object is bound as that object (the
 * structured call, like an MCP tool's arguments); any other message is bound as
 * `{ parts: [...] }`, every part in order as `{ text }`, `{ data }`, `{ url }` or `{ raw }` (base64),
 * with `media_type` and `filename` when set. Part metadata is not bound. Undefined when the message
 * names no skill.
 */
export function a2aCallOf(message: Pick<A2AMessage, 'parts' | 'metadata'>): ToolCall | undefined {
  const skill = delegationEntry(message.metadata)?.['skill'];
  if (typeof skill !== 'string' || skill.length === 0) return undefined;
  return { name: skill, arguments: a2aArgumentsOf(message.parts) };
}

/** The arguments half of {@link a2aCallOf}. */
export function a2aArgumentsOf(parts: readonly A2APart[] | undefined): Record<string, unknown> {
  const list: readonly A2APart[] = Array.isArray(parts) ? parts : [];
  const only = list.length === 1 ? list[0] : undefined;
  if (only?.content?.$case === 'data' && isPlainObject(only.content.value)) return only.content.value;
  return { parts: list.map(projectPart) };
}

function projectPart(part: A2APart): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const content = part?.content;
  switch (content?.$case) {
    case 'text':
      out['text'] = content.value;
      break;
    case 'data':
      out['data'] = content.value ?? null;
      break;
    case 'url':
      out['url'] = content.value;
      break;
    case 'raw':
      out['raw'] = Buffer.from(content.value).toString('base64');
      break;
    default:
      out['empty'] = true;
  }
  if (typeof part?.mediaType === 'string' && part.mediaType.length > 0) out['media_type'] = part.mediaType;
  if (typeof part?.filename === 'string' && part.filename.length > 0) out['filename'] = part.filename;
  return out;
}

/** A part holding structured data. */
export function dataPart(value: unknown): A2APart {
  return { content: { $case: 'data', value }, metadata: {}, filename: '', mediaType: 'application/json' };
}

/** A text part. */
export function textPart(value: string): A2APart {
  return { content: { $case: 'text', value }, metadata: {}, filename: '', mediaType: 'text/plain' };
}
