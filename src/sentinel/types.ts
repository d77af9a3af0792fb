/**
 * Sentinel's data shapes: the record every ingested event is mapped to (SPEC §8), the violations
 * detectors raise, the detector interface, and the report.
 *
 * Sentinel reads logs written by anyone (this library, the Python reference, an edited file), so an
 * ingested event is a plain JSON object, not a typed `TrustHandoffEvent`: fields are checked where
 * they are read.
 */

/** The reference's three levels (SPEC §8). */
export type SentinelSeverity = 'INFO' | 'WARN' | 'ERROR';

/** An event as it arrives: a JSON object with at least an `event_type` string. */
export type SentinelEvent = Readonly<Record<string, unknown>>;

/** SPEC §8's mapping of one event. */
export interface SentinelRecord {
  readonly event_id: string;
  readonly event_type: string;
  /** The event's own time (ISO 8601), as written by its producer. */
  readonly timestamp: string;
  /** When Sentinel ingested it (ISO 8601 UTC). */
  readonly observed_at: string;
  readonly severity: SentinelSeverity;
  readonly producer_id: string;
  /** The event's `correlation_id`. */
  readonly trace_id: string;
  /** `"<event_type> — <reason>"`, or the event type alone when the event has no reason. */
  readonly body: string;
  /** Every field but the five mapped above (event_id, event_type, timestamp, producer_id, correlation_id). */
  readonly attributes: Readonly<Record<string, unknown>>;
  readonly source_system: 'trusthandoff';
}

export interface SentinelViolation {
  readonly violation_type: string;
  readonly severity: SentinelSeverity;
  /** The event that raised it (null for violations about the log itself, e.g. a missing line). */
  readonly source_event_id: string | null;
  readonly trace_id: string | null;
  readonly detail: Readonly<Record<string, unknown>>;
}

/** A break in a log's continuity: a hash-chain break in a JSONL file or a sequence gap in a stream. */
export interface LogGap {
  /** The log: a file path or a stream name. */
  readonly source: string;
  /** `edited` (hash mismatch), `missing` (sequence skipped), `reordered`, `malformed` (unreadable line). */
  readonly kind: 'edited' | 'missing' | 'reordered' | 'malformed';
  /** 1-based line number in a file, or null for a stream. */
  readonly line: number | null;
  /** The sequence number expected at this point, when the log has one. */
  readonly expected_seq: number | null;
  /** The sequence number found, when readable. */
  readonly found_seq: number | null;
  /** Verifiers whose events surround the gap (their decisions cannot be fully accounted for). */
  readonly verifier_ids: readonly string[];
}

/**
 * A detector sees every record once, in ingestion order, synchronously: Sentinel never runs two
 * detectors' calls for different events interleaved, so a detector's state needs no locking. It
 * returns the violations it raises (or nothing). A detector that throws is counted and skipped for
 * that record; it never stops ingestion.
 */
export interface SentinelDetector {
  /** Unique within a Sentinel; shown in the report. */
  readonly name: string;
  inspect(record: SentinelRecord): readonly SentinelViolation[] | undefined;
  /** Called when an ingested log turns out to have a gap (see {@link LogGap}). */
  onLogGap?(gap: LogGap): readonly SentinelViolation[] | undefined;
}

/** One decision edge of the delegation graph: sender → receiver. */
export interface SentinelHandoff {
  readonly from_agent: string;
  readonly to_agent: string;
  readonly accepted: number;
  readonly rejected: number;
  /** Reasons of the rejections, with counts. */
  readonly reasons: Readonly<Record<string, number>>;
  /** The most recent decisions on this edge (at most `maxDecisionsPerEdge`). */
  readonly decisions: readonly SentinelDecision[];
}

export interface SentinelDecision {
  readonly event_id: string;
  readonly timestamp: string;
  /** `packet`: the gate's decision on a task packet; `attestation`: a verdict on an attested result. */
  readonly kind: 'packet' | 'attestation';
  readonly decision: 'ACCEPT' | 'REJECT';
  readonly packet_id: string | null;
  readonly from_agent: string | null;
  readonly to_agent: string | null;
  readonly intent: string | null;
  readonly reason: string;
  readonly verifier_id: string | null;
}

/** `report()`'s JSON form. */
export interface SentinelReport {
  readonly generated_at: string;
  readonly source_system: 'trusthandoff';
  readonly counts: {
    readonly events: number;
    readonly duplicates: number;
    readonly malformed: number;
    readonly by_type: Readonly<Record<string, number>>;
    readonly by_severity: Readonly<Record<SentinelSeverity, number>>;
    /** The gate's packet decisions. */
    readonly decisions: { readonly accepted: number; readonly rejected: number };
    /** Verdicts on attested results (`attestation_verified` / `attestation_rejected`). */
    readonly attestations: { readonly accepted: number; readonly rejected: number };
    readonly violations: number;
    readonly violations_by_type: Readonly<Record<string, number>>;
    readonly detector_errors: number;
    /** Records or violations no longer held because the caps were reached (counts stay exact). */
    readonly records_dropped: number;
    readonly violations_dropped: number;
  };
  readonly rejection_reasons: Readonly<Record<string, number>>;
  readonly detectors: readonly string[];
  readonly violations: readonly SentinelViolation[];
  readonly log_gaps: readonly LogGap[];
  readonly handoffs: readonly SentinelHandoff[];
  /** Decisions in time order (at most `maxTimeline`, the latest). */
  readonly timeline: readonly SentinelDecision[];
}
