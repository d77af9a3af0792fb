/**
 * The reference's `@signed_task` decorator: metadata attached to a task function, and a packet
 * factory that builds a packet for such a task with `issued_at = now` and the TTL resolved.
 */
import type { AgentIdentity } from '../identity/agent-identity.js';
import type { JsonObject } from '../wire/json-value.js';
import type { CreatePacketOptions, TaskPacketInput } from './create.js';
import { issueTaskPacket } from './sign.js';
import { DEFAULT_TTL_POLICY, type SignedTaskPacket } from './types.js';

export interface TaskMetadata {
  readonly risk_level: string;
  readonly ttl_seconds: number | null;
  readonly requires_human_review: boolean;
  readonly ai_provenance: JsonObject | null;
}

const metadataByTask = new WeakMap<object, TaskMetadata>();

const DEFAULT_METADATA: TaskMetadata = Object.freeze({
  risk_level: 'read',
  ttl_seconds: null,
  requires_human_review: false,
  ai_provenance: null,
});

/**
 * Attach task metadata to `task` and return it unchanged. An unknown risk level falls back to `read`,
 * as in the reference; `ttlPolicy` decides which levels are known (default `{write, read}`).
 */
export function signedTask<T extends object>(
  task: T,
  metadata: Partial<TaskMetadata> = {},
  options: Pick<CreatePacketOptions, 'ttlPolicy'> = {},
): T {
  const policy = options.ttlPolicy ?? DEFAULT_TTL_POLICY;
  const riskLevel =
    metadata.risk_level !== undefined && Object.hasOwn(policy, metadata.risk_level)
      ? metadata.risk_level
      : 'read';
  metadataByTask.set(
    task,
    Object.freeze({
      risk_level: riskLevel,
      ttl_seconds: metadata.ttl_seconds ?? null,
      requires_human_review: metadata.requires_human_review ?? false,
      ai_provenance: metadata.ai_provenance ?? null,
    }),
  );
  return task;
}

export function getTaskMetadata(task: object): TaskMetadata | undefined {
  return metadataByTask.get(task);
}

/**
 * A signed packet for a task marked with {@link signedTask}: `issued_at` is now, risk level, TTL,
 * human-review flag and AI provenance come from the task's metadata (explicit input wins).
 */
export function packetFromTask(
  task: object,
  identity: AgentIdentity,
  input: Omit<TaskPacketInput, 'from_agent' | 'issued_at'> & { readonly from_agent?: string },
  options: CreatePacketOptions = {},
): SignedTaskPacket {
  const meta = metadataByTask.get(task) ?? DEFAULT_METADATA;
  // A task that requires review always produces packets that require it; input cannot switch it off.
  const requiresReview = meta.requires_human_review || input.constraints?.requires_human_review === true;
  const constraints =
    input.constraints == null && !requiresReview
      ? null
      : { ...(input.constraints ?? {}), requires_human_review: requiresReview };
  return issueTaskPacket(
    identity,
    {
      ...input,
      risk_level: input.risk_level ?? meta.risk_level,
      ttl_seconds: input.ttl_seconds ?? meta.ttl_seconds,
      ai_provenance: input.ai_provenance ?? meta.ai_provenance,
      constraints,
    },
    options,
  );
}
