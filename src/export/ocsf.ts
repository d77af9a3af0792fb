/**
 * OCSF (Open Cybersecurity Schema Framework, schema 1.3.0) records for security tooling:
 *
 * - authorization decisions (a gate's packet decision, a capability chain, an attestation or an
 *   approval check, the capability executor) as **API Activity** (class 6003, activity Other /
 *   "Authorize"), status Success or Failure with the reason;
 * - Sentinel violations as **Detection Finding** (class 2004, activity Create).
 *
 * Pure data: no client, no I/O. Field choices are documented in docs/sinks.md.
 */
import { createHash } from 'node:crypto';
import type { EventType, TrustHandoffEvent } from '../events/types.js';

export const OCSF_SCHEMA_VERSION = '1.3.0';

/** A Sentinel violation (SPEC §8). */
export interface SentinelViolation {
  readonly violation_type: string;
  /** `INFO` | `WARN` | `ERROR` (also accepted: `WARNING`, `CRITICAL`, `LOW`, `MEDIUM`, `HIGH`). */
  readonly severity: string;
  readonly source_event_id: string;
  readonly trace_id: string;
  readonly detail: Readonly<Record<string, unknown>>;
}

export interface OcsfOptions {
  /** The product version recorded in `metadata.product.version` (e.g. the package version). */
  readonly productVersion?: string;
}

interface OcsfProduct {
  readonly name: 'trusthandoff';
  readonly vendor_name: 'trusthandoff';
  readonly version?: string;
}

interface OcsfMetadata {
  readonly version: string;
  readonly product: OcsfProduct;
  readonly uid?: string;
  readonly correlation_uid?: string;
  readonly log_name: 'trusthandoff.events';
  readonly original_time?: string;
}

/** OCSF API Activity (6003) for one authorization decision. */
export interface OcsfApiActivity {
  readonly class_uid: 6003;
  readonly class_name: 'API Activity';
  readonly category_uid: 6;
  readonly category_name: 'Application Activity';
  readonly activity_id: 99;
  readonly activity_name: 'Authorize';
  readonly type_uid: 600399;
  readonly type_name: 'API Activity: Authorize';
  readonly severity_id: 1 | 3 | 4;
  readonly severity: 'Informational' | 'Medium' | 'High';
  readonly status_id: 1 | 2;
  readonly status: 'Success' | 'Failure';
  readonly status_detail?: string;
  readonly time: number;
  readonly message: string;
  readonly metadata: OcsfMetadata;
  readonly actor: { readonly user: { readonly uid: string; readonly type_id: 99; readonly type: 'Agent' } };
  readonly api: {
    readonly operation: EventType;
    readonly service: { readonly name: 'trusthandoff'; readonly uid: string };
    readonly request?: { readonly uid: string };
  };
  readonly src_endpoint: { readonly uid: string; readonly name: string };
  readonly dst_endpoint: { readonly uid: string; readonly name: string };
  readonly resources?: readonly { readonly uid: string; readonly type: string }[];
  readonly unmapped: Readonly<Record<string, unknown>>;
}

/** OCSF Detection Finding (2004) for one Sentinel violation. */
export interface OcsfDetectionFinding {
  readonly class_uid: 2004;
  readonly class_name: 'Detection Finding';
  readonly category_uid: 2;
  readonly category_name: 'Findings';
  readonly activity_id: 1;
  readonly activity_name: 'Create';
  readonly type_uid: 200401;
  readonly type_name: 'Detection Finding: Create';
  readonly severity_id: 0 | 1 | 2 | 3 | 4 | 5;
  readonly severity: 'Unknown' | 'Informational' | 'Low' | 'Medium' | 'High' | 'Critical';
  readonly status_id: 1;
  readonly status: 'New';
  readonly is_alert: boolean;
  readonly time: number;
  readonly message: string;
  readonly metadata: OcsfMetadata;
  readonly finding_info: {
    readonly uid: string;
    readonly title: string;
    readonly types: readonly string[];
    readonly analytic: { readonly name: string; readonly type_id: 1; readonly type: 'Rule' };
    readonly related_events: readonly { readonly uid: string }[];
  };
  readonly unmapped: { readonly detail: Readonly<Record<string, unknown>>; readonly trace_id: string };
}

const SUCCESS: ReadonlySet<EventType> = new Set<EventType>([
  'packet_accepted',
  'attestation_verified',
  'capability_chain_verified',
  'approval_accepted',
]);
const FAILURE: ReadonlySet<EventType> = new Set<EventType>([
  'packet_rejected',
  'attestation_rejected',
  'capability_chain_rejected',
  'approval_rejected',
]);

function product(options: OcsfOptions): OcsfProduct {
  return options.productVersion === undefined
    ? { name: 'trusthandoff', vendor_name: 'trusthandoff' }
    : { name: 'trusthandoff', vendor_name: 'trusthandoff', version: options.productVersion };
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}

/**
 * An authorization decision event as OCSF API Activity; `null` for events that are not decisions
 * (`capability_stale`, `token_overlap_used`, `ai_generated_payload`, `store_unavailable`: those reach
 * OCSF as Detection Findings through Sentinel). `capability_execution` is a decision: Success when
 * its outcome is `execution_allowed`.
 */
export function toOcsfApiActivity(
  event: TrustHandoffEvent,
  options: OcsfOptions = {},
): OcsfApiActivity | null {
  const fields = event as unknown as Record<string, unknown>;
  let ok: boolean;
  if (SUCCESS.has(event.event_type)) ok = true;
  else if (FAILURE.has(event.event_type)) ok = false;
  else if (event.event_type === 'capability_execution') ok = fields['outcome'] === 'execution_allowed';
  else return null;
  const reason = str(fields['reason']) ?? str(fields['outcome']);
  const sender =
    str(fields['from_agent']) ?? str(fields['issuer_agent']) ?? str(fields['signed_by']) ?? event.producer_id;
  const requestId = str(fields['packet_id']) ?? str(fields['capability_id']);
  const resources: { uid: string; type: string }[] = [];
  const taskId = str(fields['task_id']);
  if (taskId !== undefined) resources.push({ uid: taskId, type: 'task' });
  const capabilityId = str(fields['capability_id']);
  if (capabilityId !== undefined) resources.push({ uid: capabilityId, type: 'capability' });
  const unmapped: Record<string, unknown> = {};
  for (const key of [
    'step',
    'intent',
    'risk_level',
    'ttl_seconds',
    'latency_ms',
    'details',
    'action',
    'depth',
    'outcome',
    'failed_index',
    'approvers',
    'required',
    'status',
    'outcome_hash',
  ]) {
    if (fields[key] !== undefined && fields[key] !== null) unmapped[key] = fields[key];
  }
  unmapped['verifier_instance_id'] = event.verifier_instance_id;
  return {
    class_uid: 6003,
    class_name: 'API Activity',
    category_uid: 6,
    category_name: 'Application Activity',
    activity_id: 99,
    activity_name: 'Authorize',
    type_uid: 600399,
    type_name: 'API Activity: Authorize',
    severity_id: ok ? 1 : 4,
    severity: ok ? 'Informational' : 'High',
    status_id: ok ? 1 : 2,
    status: ok ? 'Success' : 'Failure',
    ...(reason === undefined ? {} : { status_detail: reason }),
    time: Date.parse(event.timestamp),
    message: reason === undefined ? event.event_type : `${event.event_type} — ${reason}`,
    metadata: {
      version: OCSF_SCHEMA_VERSION,
      product: product(options),
      uid: event.event_id,
      correlation_uid: event.correlation_id,
      log_name: 'trusthandoff.events',
      original_time: event.timestamp,
    },
    actor: { user: { uid: sender, type_id: 99, type: 'Agent' } },
    api: {
      operation: event.event_type,
      service: { name: 'trusthandoff', uid: event.verifier_id },
      ...(requestId === undefined ? {} : { request: { uid: requestId } }),
    },
    src_endpoint: { uid: sender, name: sender },
    dst_endpoint: { uid: event.verifier_id, name: str(fields['to_agent']) ?? event.verifier_id },
    ...(resources.length === 0 ? {} : { resources }),
    unmapped,
  };
}

const SEVERITY: Readonly<
  Record<string, { id: OcsfDetectionFinding['severity_id']; name: OcsfDetectionFinding['severity'] }>
> = {
  INFO: { id: 1, name: 'Informational' },
  LOW: { id: 2, name: 'Low' },
  WARN: { id: 3, name: 'Medium' },
  WARNING: { id: 3, name: 'Medium' },
  MEDIUM: { id: 3, name: 'Medium' },
  ERROR: { id: 4, name: 'High' },
  HIGH: { id: 4, name: 'High' },
  CRITICAL: { id: 5, name: 'Critical' },
};

/**
 * A Sentinel violation as an OCSF Detection Finding. `finding_info.uid` is stable: the SHA-256 of the
 * violation type and source event id, so re-exporting the same violation yields the same finding.
 * `time` is when the finding is made (default now), epoch ms.
 */
export function toOcsfDetectionFinding(
  violation: SentinelViolation,
  options: OcsfOptions & { readonly timeMs?: number } = {},
): OcsfDetectionFinding {
  // Violations may come from parsed JSON: read every field defensively.
  const v = violation as unknown as Record<string, unknown>;
  const text = (value: unknown): string => (typeof value === 'string' ? value : '');
  const severity = SEVERITY[text(v['severity']).toUpperCase()] ?? {
    id: 0 as const,
    name: 'Unknown' as const,
  };
  const type = text(v['violation_type']);
  const sourceEventId = text(v['source_event_id']);
  const traceId = text(v['trace_id']);
  const detail =
    v['detail'] !== null && typeof v['detail'] === 'object' ? (v['detail'] as Record<string, unknown>) : {};
  const title = type.replaceAll('_', ' ');
  return {
    class_uid: 2004,
    class_name: 'Detection Finding',
    category_uid: 2,
    category_name: 'Findings',
    activity_id: 1,
    activity_name: 'Create',
    type_uid: 200401,
    type_name: 'Detection Finding: Create',
    severity_id: severity.id,
    severity: severity.name,
    status_id: 1,
    status: 'New',
    is_alert: severity.id >= 3,
    time: options.timeMs ?? Date.now(),
    message: title,
    metadata: {
      version: OCSF_SCHEMA_VERSION,
      product: product(options),
      correlation_uid: traceId,
      log_name: 'trusthandoff.events',
    },
    finding_info: {
      uid: createHash('sha256').update(`${type}\n${sourceEventId}`, 'utf8').digest('hex'),
      title,
      types: [type],
      analytic: { name: type, type_id: 1, type: 'Rule' },
      related_events: [{ uid: sourceEventId }],
    },
    unmapped: { detail, trace_id: traceId },
  };
}
