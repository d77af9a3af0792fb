/**
 * The objects of SPEC §3. Field names are the wire's snake_case: they are signed data.
 * Every field is present after creation or parsing (absent optionals are null, defaults written out),
 * so what you read is exactly what was signed.
 */
import type { Timestamp } from '../wire/timestamp.js';
import type { JsonObject, JsonValue } from '../wire/json-value.js';

export interface Permissions {
  readonly allowed_actions: readonly string[];
  readonly max_tool_calls: number | null;
}

export interface Constraints {
  readonly max_runtime_seconds: number | null;
  readonly data_boundary: string | null;
  readonly requires_human_review: boolean | null;
}

export interface Provenance {
  readonly origin_workflow: string | null;
  readonly delegation_depth: number | null;
}

/** A packet before signing: everything but `signature` and `public_key`. */
export interface TaskPacketDraft {
  readonly packet_id: string;
  readonly task_id: string;
  readonly from_agent: string;
  readonly to_agent: string;
  readonly issued_at: Timestamp;
  readonly expires_at: Timestamp | null;
  readonly nonce: string;
  readonly capability_token: string | null;
  readonly intent: string;
  readonly task_type: string | null;
  readonly goal: string | null;
  readonly context: Readonly<JsonObject>;
  readonly memory_refs: readonly string[];
  readonly permissions: Permissions;
  readonly constraints: Constraints | null;
  readonly provenance: Provenance | null;
  readonly signature_algo: 'Ed25519';
  readonly risk_level: string | null;
  readonly ttl_seconds: number | null;
  /** Free-form on the wire; validation requires an object with a `source` (SPEC §4 step 5). */
  readonly ai_provenance: JsonValue | null;
}

export interface SignedTaskPacket extends TaskPacketDraft {
  /** SPKI PEM of the signer's key. Self-reported: never a trust anchor on its own. */
  readonly public_key: string;
  /** Standard base64 (with padding) of the Ed25519 signature over the SPEC §2.1 canonical bytes. */
  readonly signature: string;
}

export interface DelegationHop {
  readonly agent_id: string;
  readonly delegated_permissions: Permissions;
}

export interface DelegationChain {
  readonly packet_ids: readonly string[];
  readonly agents: readonly string[];
  readonly hops: readonly DelegationHop[];
}

export interface DelegationEnvelope {
  readonly packet: SignedTaskPacket;
  readonly chain: DelegationChain;
  /**
   * Signed human approvals carried beside the packet (see `issueApproval`, `attachApprovals`): made
   * after the packet was signed, so they cannot sit inside it. Untrusted until the gate's approval
   * check verifies them. The reference ignores the field.
   */
  readonly approvals?: readonly unknown[];
  /**
   * The packet's capability chain as tokens, root first, ending with the packet's own
   * `capability_token`. Unsigned: the gate's capability step verifies every link. The reference
   * ignores the field.
   */
  readonly capability_chain?: readonly string[];
}

/** Risk level → TTL in seconds. */
export type TtlPolicy = Readonly<Record<string, number>>;

/** SPEC §3 default: `write` 120 s, `read` 900 s. */
export const DEFAULT_TTL_POLICY: TtlPolicy = Object.freeze({ write: 120, read: 900 });

/** The packet fields in the reference model's declaration order (its pydantic JSON order). */
export const PACKET_FIELDS = [
  'packet_id',
  'task_id',
  'from_agent',
  'to_agent',
  'issued_at',
  'expires_at',
  'nonce',
  'capability_token',
  'intent',
  'task_type',
  'goal',
  'context',
  'memory_refs',
  'permissions',
  'constraints',
  'provenance',
  'signature_algo',
  'signature',
  'public_key',
  'risk_level',
  'ttl_seconds',
  'ai_provenance',
] as const;
