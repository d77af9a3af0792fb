/**
 * The event port's contract: the catalogue of every event the library emits, and the two small
 * interfaces everything else is built on.
 *
 *   component ──emit(type, fields)──▶ EventPort ──write(event)──▶ EventSink (memory, JSONL, NATS, …)
 *
 * Components (gate, validator, revalidation watcher, capability chain verifier and executor,
 * attestation verifier, approval verifier) take an `events?: EventPort` option. Without one they
 * emit nothing: there is no process-wide default port. The port stamps the envelope (ids, time,
 * the deciding verifier), cuts untrusted strings before anything keeps them, and hands the frozen
 * event to its sinks; a sink that throws or rejects is isolated and counted, never seen by the
 * component, and delivery never blocks or changes a decision.
 *
 * This file holds types only; `hub.ts` holds the port (`EventHub`), `memory-sink.ts` a bounded
 * in-memory sink (`MemoryEventSink`).
 */

/** Who decided: the verifier that emitted the event. In a cluster every instance names itself. */
export interface VerifierIdentity {
  /** The verifier's agent id (for a gate, the inbox it guards). */
  readonly agentId: string;
  /** Which process/replica of that agent (user-chosen; default: a random id made per port). */
  readonly instanceId: string;
}

/** Fields every event carries (SPEC §8 plus the deciding verifier). */
export interface EventEnvelope {
  /** uuid4. */
  readonly event_id: string;
  readonly event_type: EventType;
  /** ISO 8601 UTC, millisecond precision. */
  readonly timestamp: string;
  /** SPEC §8: the sender side (`producer_id` | `from_agent` | `issuer_agent` | "unknown"). */
  readonly producer_id: string;
  /** SPEC §8: `correlation_id` | `packet_id` | `capability_id` | a new uuid. */
  readonly correlation_id: string;
  readonly idempotency_key: string;
  /** The deciding verifier's agent id. */
  readonly verifier_id: string;
  /** The deciding verifier's instance id. */
  readonly verifier_instance_id: string;
}

/** Fields shared by the gate's decision events. Untrusted strings arrive already cut (see limits). */
export interface PacketDecisionFields {
  readonly packet_id: string | null;
  readonly task_id: string | null;
  readonly from_agent: string | null;
  readonly to_agent: string | null;
  readonly intent: string | null;
  readonly risk_level: string | null;
  readonly ttl_seconds: number | null;
  /** Time from the gate receiving the input to its decision, milliseconds. */
  readonly latency_ms: number;
}

/** The catalogue: event type → its own fields (beyond {@link EventEnvelope}). */
export interface EventCatalogue {
  /** The gate (or the validator used on its own) accepted a packet. */
  readonly packet_accepted: PacketDecisionFields & { readonly reason: string };
  /** The gate (or the validator) rejected a packet; `reason` is a `RejectReason`. */
  readonly packet_rejected: PacketDecisionFields & {
    readonly reason: string;
    /** The step that rejected (`parse` when the input was not an envelope). */
    readonly step: string;
    /** Sanitized (SPEC §3 limits). Emitters may omit it; sinks always see it, null when none. */
    readonly details?: Readonly<Record<string, unknown>> | null;
  };
  /** A packet's payload declares AI provenance (SPEC §8). */
  readonly ai_generated_payload: {
    readonly packet_id: string;
    readonly from_agent: string;
    readonly source: string | null;
    readonly model: string | null;
  };
  /** A packet was accepted inside a token-rotation overlap window (SPEC §5). */
  readonly token_overlap_used: {
    readonly packet_id: string;
    readonly from_agent: string;
    readonly reason: string;
  };
  /** A revalidation watcher marked its packet or capability stale (SPEC §8). */
  /**
   * An invalidation feed caught up after a disconnect (or its periodic read): `replayed` revocations
   * it had missed were delivered from the revocation log; `gap` is true when the log no longer reached
   * back to its last position (its listeners were told to check everything again).
   */
  readonly invalidation_resync: {
    readonly backend: 'redis' | 'postgres';
    readonly replayed: number;
    readonly gap: boolean;
  };
  readonly capability_stale: {
    readonly capability_id: string;
    readonly reason: string;
    readonly is_revocation_stale: boolean;
  };
  /** An execution attestation verified (and, where tracked, was not a replay). */
  readonly attestation_verified: {
    readonly packet_id: string;
    readonly signed_by: string;
    readonly status: string;
    readonly outcome_hash: string;
  };
  /** An attestation or node output was refused; `reason` is an `AttestationRejectReason`. */
  readonly attestation_rejected: {
    /** As claimed by the attestation (null when it had none): untrusted. */
    readonly packet_id: string | null;
    /** As claimed by the attestation (null when it had none): untrusted. */
    readonly signed_by: string | null;
    readonly reason: string;
  };
  readonly capability_chain_verified: {
    readonly capability_id: string;
    readonly issuer_agent: string;
    readonly subject_agent: string;
    readonly depth: number;
  };
  readonly capability_chain_rejected: {
    readonly capability_id: string | null;
    readonly issuer_agent: string | null;
    readonly reason: string;
  };
  /**
   * The capability executor's decision (SPEC §6 audit events, as `outcome`). Fields that do not apply
   * to an outcome are null.
   */
  readonly capability_execution: {
    readonly outcome:
      | 'no_capabilities'
      | 'no_policy_provided'
      | 'capability_chain_invalid'
      | 'policy_denied'
      | 'action_not_authorized'
      | 'revoked_during_execution'
      | 'execution_allowed';
    /** The capability the outcome is about: the denying one for `policy_denied`, else the leaf. */
    readonly capability_id: string | null;
    readonly leaf_capability_id: string | null;
    readonly issuer_agent: string | null;
    readonly subject_agent: string | null;
    readonly action: string | null;
    /** The finer reason (a chain reason, the policy's reason, an authorization reason, …). */
    readonly reason: string | null;
    /** Set when the chain came in a packet's `capability_token`. */
    readonly packet_id: string | null;
    readonly from_agent: string | null;
    readonly capability_count: number;
    /** The chain link that failed verification (`capability_chain_invalid`). */
    readonly failed_index: number | null;
    readonly tool_calls_used: number | null;
    readonly strict_mode: boolean;
  };
  /** Signed human approvals (SPEC §7.7) of a packet reached the required count. */
  readonly approval_accepted: {
    readonly packet_id: string;
    readonly from_agent: string;
    /** The distinct approvers whose approvals counted (at most 20 kept). */
    readonly approvers: readonly string[];
    readonly required: number;
  };
  /**
   * A packet's approvals did not suffice: `no_approvals`, `approval_denied` (a valid denial vetoes),
   * `insufficient_approvals`, `approver_registry_unavailable` (the check then fails closed).
   */
  readonly approval_rejected: {
    readonly packet_id: string | null;
    readonly from_agent: string | null;
    readonly reason: string;
    readonly approvers: readonly string[];
    readonly required: number;
  };
  /**
   * A packet satisfied every trust boundary it crosses into (the boundary step; `boundaries` in policy
   * order). Later steps (replay, admission) may still refuse it: `packet_accepted` is the decision.
   */
  readonly boundary_satisfied: {
    readonly packet_id: string;
    readonly from_agent: string;
    /** `arrival.transport` as the caller gave it, or null. */
    readonly transport: string | null;
    readonly boundaries: readonly string[];
  };
  /**
   * The boundary step refused a packet: `reason` is its REJECT reason (`boundary_…`, or a store's
   * fail-closed reason), `boundary` the boundary whose requirement failed (null when none matched).
   */
  readonly boundary_refused: {
    readonly packet_id: string;
    readonly from_agent: string;
    readonly transport: string | null;
    readonly boundary: string | null;
    readonly reason: string;
  };
  /** A networked store missed its deadline or failed; the decision failed closed. */
  readonly store_unavailable: {
    readonly store: 'replay' | 'revocation' | 'registry' | 'overlap' | 'admission' | 'approval';
    readonly operation: string;
    readonly reason: string;
    readonly packet_id: string | null;
  };
  /**
   * A Redis circuit breaker opened (`trusthandoff/redis`): after `consecutive_timeouts` timeouts in a
   * row (`cause: 'timeouts'`) or a heartbeat probe that did not answer (`'heartbeat'`), store commands
   * fail at once (decisions REJECT fast) until a probe answers.
   */
  readonly store_circuit_opened: {
    readonly store: string;
    readonly cause: 'timeouts' | 'heartbeat';
    readonly consecutive_timeouts: number;
    readonly open_ms: number;
  };
  /** A probe answered: the circuit closed and commands flow again, `outage_ms` after it opened. */
  readonly store_circuit_closed: {
    readonly store: string;
    readonly outage_ms: number;
  };
  /**
   * The shared store lost its state (`RedisStoreState`): the epoch marker is gone (`marker_missing`:
   * a restart without persistence, a flush, a failover to an empty replica) or holds another epoch
   * (`marker_changed`). Decisions REJECT with `store_state_lost` until the state is trusted again.
   */
  readonly store_state_lost: {
    readonly store: string;
    readonly marker_key: string;
    readonly detail: 'marker_missing' | 'marker_changed';
    readonly expected_epoch: string | null;
    readonly found_epoch: string | null;
  };
  /**
   * The store's state is trusted (again): at start (`startup`, the marker was there), by the operator
   * (`operator`, `trustStoreState()`), by the configured policy (`policy`), or because another
   * instance re-armed it after this one saw the loss (`fleet`).
   */
  readonly store_state_trusted: {
    readonly store: string;
    readonly marker_key: string;
    readonly epoch: string;
    readonly by: 'startup' | 'operator' | 'policy' | 'fleet';
  };
  /**
   * The store may not keep what the gate relies on (Redis without AOF, AOF without fsync, an eviction
   * policy other than `noeviction`), or this could not be checked.
   */
  readonly store_persistence_warning: {
    readonly store: string;
    /** `aof_enabled` from `INFO persistence`; null when INFO was refused. */
    readonly aof_enabled: boolean | null;
    /** `CONFIG GET appendfsync`; null when CONFIG is refused (managed Redis) or AOF is off. */
    readonly appendfsync: string | null;
    /** `maxmemory_policy` from `INFO memory`; anything but `noeviction` can drop replay records. */
    readonly maxmemory_policy: string | null;
    readonly detail: 'aof_disabled' | 'eviction' | 'appendfsync_no' | 'unknown';
  };
}

export type EventType = keyof EventCatalogue;

/** One event as sinks receive it: frozen, JSON-serializable, with its type's fields. */
export type TrustHandoffEvent<T extends EventType = EventType> = T extends EventType
  ? EventEnvelope & { readonly event_type: T } & EventCatalogue[T]
  : never;

/** What components emit into. */
export interface EventPort {
  /** The verifier stamped on every event. */
  readonly verifier: VerifierIdentity;
  /** Never throws, never blocks on a sink, never changes the caller's outcome. */
  emit<T extends EventType>(type: T, fields: EventCatalogue[T]): void;
}

/** Where events go: memory buffer, JSONL file, NATS, Kafka, OpenTelemetry, … */
export interface EventSink {
  /** Shown in the port's stats (default: the sink's class name). */
  readonly name?: string;
  /**
   * Take one event. Must return promptly: a sink queues, it does not do I/O inline. A thrown error
   * or a rejected promise is caught and counted by the port.
   */
  write(event: TrustHandoffEvent): void | Promise<void>;
  /** Deliver everything accepted so far. */
  flush?(): Promise<void>;
  /** Flush, then release resources; nothing accepted is lost. */
  close?(): Promise<void>;
}
