/**
 * Sentinel, the forensic auditor (SPEC §8): ingests events from an event port (it is an EventSink),
 * a JSONL file (plain or hash-chained) or a stream, maps each to a record, runs its detectors and
 * reports.
 *
 * Concurrency: every event is processed synchronously from start to end (map, dedupe, detectors,
 * aggregates), so ingests from a port, several files and a stream may interleave freely — they
 * interleave between events, never inside one — and `report()` always sees a consistent state.
 * Memory is bounded by the caps (records, violations, timeline, edges); counts stay exact past them.
 */
import { ConfigurationError } from '../errors.js';
import type { EventSink, TrustHandoffEvent } from '../events/types.js';
import {
  logIntegrityDetector,
  referenceDetectors,
  rejectedAttestationDetector,
  replayBurstDetector,
  signatureFailureDetector,
  unexpectedApproverDetector,
  useAfterRevocationDetector,
  verifierLogGapDetector,
  type BurstOptions,
  type ExpectedApprovers,
  type KnownRevocation,
} from './detectors.js';
import { ChainChecker, isEvent, parseLogLine, readLines } from './jsonl.js';
import { attr, toSentinelRecord } from './mapping.js';
import { formatSentinelReport, type TextReportOptions } from './text.js';
import type {
  LogGap,
  SentinelDecision,
  SentinelDetector,
  SentinelEvent,
  SentinelHandoff,
  SentinelRecord,
  SentinelReport,
  SentinelSeverity,
  SentinelViolation,
} from './types.js';

export interface SentinelOptions {
  /** Clock, epoch ms (`observed_at`, `generated_at`). Default `Date.now`. */
  readonly now?: () => number;
  /** Replay bursts from one sender; `false` turns the detector off. */
  readonly replayBurst?: BurstOptions | false;
  /** Repeated signature failures of one agent; `false` turns the detector off. */
  readonly signatureFailures?: BurstOptions | false;
  /** Who may approve; without it the unexpected-approver detector is off. */
  readonly expectedApprovers?: ExpectedApprovers;
  /** Revocations known outside the log (the log's own `agent_revoked` rejections are learned too). */
  readonly revocations?: Iterable<KnownRevocation>;
  /** Only the reference's four detectors (and log integrity), none of the extra ones. */
  readonly referenceOnly?: boolean;
  /** Records kept for `records()` (default 100,000; older ones are dropped, counts stay exact). */
  readonly maxRecords?: number;
  /** Violations kept (default 10,000). */
  readonly maxViolations?: number;
  /** Decisions kept for the timeline (default 10,000). */
  readonly maxTimeline?: number;
  /** Decisions kept per graph edge (default 50). */
  readonly maxDecisionsPerEdge?: number;
  /** Event ids remembered to drop duplicates (default 100,000). */
  readonly maxRemembered?: number;
  /** Longest JSONL line read, bytes (default 1 MiB); longer lines are reported as malformed. */
  readonly maxLineBytes?: number;
}

export interface FileIngestOptions {
  /** Called as the file is read (at most about every 64 KiB), e.g. for a progress bar. */
  readonly onProgress?: (bytesRead: number) => void;
}

export interface LogIngestResult {
  readonly source: string;
  readonly lines: number;
  readonly events: number;
  readonly duplicates: number;
  readonly malformed: readonly { readonly line: number; readonly reason: string }[];
  /** True when the log is hash-chained (its first readable line has `seq` and `prev`). */
  readonly chained: boolean;
  readonly gaps: readonly LogGap[];
}

/** An item of a stream: an event, or an event with its stream sequence number. */
export type StreamItem = SentinelEvent | { readonly seq: number; readonly event: SentinelEvent };

const SEVERITIES: readonly SentinelSeverity[] = ['INFO', 'WARN', 'ERROR'];
const MAX_LISTED_MALFORMED = 100;
const MAX_EDGES = 10_000;

interface Edge {
  from_agent: string;
  to_agent: string;
  accepted: number;
  rejected: number;
  reasons: Map<string, number>;
  decisions: SentinelDecision[];
}

function positiveInt(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || value < 1)
    throw new ConfigurationError(`${name} must be a positive integer`);
  return value;
}

export class Sentinel implements EventSink {
  readonly name = 'sentinel';
  readonly #now: () => number;
  readonly #detectors: SentinelDetector[] = [];
  readonly #maxRecords: number;
  readonly #maxViolations: number;
  readonly #maxTimeline: number;
  readonly #maxPerEdge: number;
  readonly #maxRemembered: number;
  readonly #maxLineBytes: number;

  readonly #records: SentinelRecord[] = [];
  #recordsHead = 0;
  readonly #violations: SentinelViolation[] = [];
  readonly #timeline: SentinelDecision[] = [];
  #timelineHead = 0;
  readonly #seenIds = new Set<string>();
  readonly #edges = new Map<string, Edge>();
  readonly #gaps: LogGap[] = [];
  readonly #byType = new Map<string, number>();
  readonly #bySeverity = new Map<SentinelSeverity, number>();
  readonly #violationsByType = new Map<string, number>();
  readonly #rejectionReasons = new Map<string, number>();
  #events = 0;
  #duplicates = 0;
  #malformed = 0;
  #accepted = 0;
  #rejected = 0;
  #attestationsAccepted = 0;
  #attestationsRejected = 0;
  #violationCount = 0;
  #detectorErrors = 0;

  constructor(options: SentinelOptions = {}) {
    if (options.now !== undefined && typeof options.now !== 'function')
      throw new ConfigurationError('now must be a function returning epoch milliseconds');
    this.#now = options.now ?? Date.now;
    this.#maxRecords = positiveInt('maxRecords', options.maxRecords, 100_000);
    this.#maxViolations = positiveInt('maxViolations', options.maxViolations, 10_000);
    this.#maxTimeline = positiveInt('maxTimeline', options.maxTimeline, 10_000);
    this.#maxPerEdge = positiveInt('maxDecisionsPerEdge', options.maxDecisionsPerEdge, 50);
    this.#maxRemembered = positiveInt('maxRemembered', options.maxRemembered, 100_000);
    this.#maxLineBytes = positiveInt('maxLineBytes', options.maxLineBytes, 1024 * 1024);
    for (const d of referenceDetectors()) this.registerDetector(d);
    this.registerDetector(logIntegrityDetector());
    if (options.referenceOnly === true) return;
    this.registerDetector(rejectedAttestationDetector());
    if (options.replayBurst !== false) this.registerDetector(replayBurstDetector(options.replayBurst ?? {}));
    if (options.signatureFailures !== false)
      this.registerDetector(signatureFailureDetector(options.signatureFailures ?? {}));
    if (options.expectedApprovers !== undefined)
      this.registerDetector(unexpectedApproverDetector(options.expectedApprovers));
    this.registerDetector(useAfterRevocationDetector(options.revocations ?? []));
    this.registerDetector(verifierLogGapDetector());
  }

  /** Add a detector; it sees the events ingested from now on. */
  registerDetector(detector: SentinelDetector): void {
    if (
      detector === null ||
      typeof detector !== 'object' ||
      typeof detector.name !== 'string' ||
      detector.name.length === 0 ||
      typeof detector.inspect !== 'function' ||
      (detector.onLogGap !== undefined && typeof detector.onLogGap !== 'function')
    )
      throw new ConfigurationError('a detector needs a non-empty name and an inspect(record) function');
    if (this.#detectors.some((d) => d.name === detector.name))
      throw new ConfigurationError(`a detector named ${detector.name} is already registered`);
    this.#detectors.push(detector);
  }

  /** EventSink: take one event from a port. Never throws. */
  write(event: TrustHandoffEvent): void {
    this.ingest(event);
  }

  /**
   * Ingest one event (any JSON object with a string `event_type`). Returns its record, or undefined
   * when it was not an event (counted as malformed) or a duplicate `event_id` (counted).
   */
  ingest(event: unknown): SentinelRecord | undefined {
    if (!isEvent(event)) {
      this.#malformed++;
      return undefined;
    }
    const id = event['event_id'];
    if (typeof id === 'string' && id.length > 0) {
      if (this.#seenIds.has(id)) {
        this.#duplicates++;
        return undefined;
      }
      if (this.#seenIds.size >= this.#maxRemembered)
        this.#seenIds.delete(this.#seenIds.values().next().value!);
      this.#seenIds.add(id);
    }
    const record = toSentinelRecord(event, new Date(this.#now()).toISOString());
    this.#events++;
    bump(this.#byType, record.event_type);
    bump(this.#bySeverity, record.severity);
    this.#keep(this.#records, record, this.#maxRecords, 'records');
    this.#aggregate(record);
    for (const detector of this.#detectors) {
      let found: readonly SentinelViolation[] | undefined;
      try {
        found = detector.inspect(record);
      } catch {
        this.#detectorErrors++;
        continue;
      }
      if (found !== undefined && found !== null) this.#addViolations(found);
    }
    return record;
  }

  /**
   * Report a break in a log's continuity (a file's hash chain, a stream's sequence); detectors with
   * `onLogGap` (log integrity, verifier gaps, your own) raise their violations.
   */
  noteLogGap(gap: LogGap): void {
    const frozen = Object.freeze({ ...gap, verifier_ids: Object.freeze([...gap.verifier_ids]) });
    if (this.#gaps.length < this.#maxViolations) this.#gaps.push(frozen);
    for (const detector of this.#detectors) {
      if (detector.onLogGap === undefined) continue;
      let found: readonly SentinelViolation[] | undefined;
      try {
        found = detector.onLogGap(frozen);
      } catch {
        this.#detectorErrors++;
        continue;
      }
      if (found !== undefined && found !== null) this.#addViolations(found);
    }
  }

  /**
   * Ingest a JSONL file: plain (one event per line) or hash-chained (decided by its first readable
   * line). Unreadable lines are listed; in a chained log every break of the chain is a gap.
   * Rejects with the file system's error (e.g. `ENOENT`) when the file cannot be read.
   */
  async ingestFile(path: string, options: FileIngestOptions = {}): Promise<LogIngestResult> {
    const malformed: { line: number; reason: string }[] = [];
    const gaps: LogGap[] = [];
    let chained: boolean | null = null;
    const chain = new ChainChecker(path);
    let lines = 0;
    let events = 0;
    let duplicates = 0;
    let lastProgress = 0;
    let bytesRead = 0;
    const gap = (g: LogGap): void => {
      gaps.push(g);
      this.noteLogGap(g);
    };
    for await (const raw of readLines(path, this.#maxLineBytes)) {
      lines++;
      bytesRead = raw.bytesRead;
      if (options.onProgress !== undefined && raw.bytesRead - lastProgress >= 65_536) {
        lastProgress = raw.bytesRead;
        options.onProgress(raw.bytesRead);
      }
      if (!raw.tooLong && raw.text.trim() === '') continue;
      const parsed = parseLogLine(raw);
      if (chained === null && parsed.kind !== 'malformed') chained = parsed.kind === 'chained';
      let event: Record<string, unknown> | null = null;
      if (parsed.kind === 'malformed') {
        this.#malformed++;
        if (malformed.length < MAX_LISTED_MALFORMED)
          malformed.push({ line: raw.number, reason: parsed.reason });
        if (chained === true) gap(chain.malformed(raw, null));
      } else if (parsed.kind === 'event') {
        event = parsed.event;
        if (chained === true) gap(chain.malformed(raw, verifierOf(event)));
      } else {
        event = parsed.event;
        if (chained === false) gap(chain.malformed(raw, event === null ? null : verifierOf(event)));
        else
          for (const g of chain.check(
            raw,
            parsed.seq,
            parsed.prev,
            event === null ? null : verifierOf(event),
          ))
            gap(g);
      }
      if (event !== null) {
        if (this.ingest(event) === undefined) duplicates++;
        else events++;
      }
    }
    if (chained === true) for (const g of chain.finish()) gap(g);
    options.onProgress?.(bytesRead);
    return Object.freeze({
      source: path,
      lines,
      events,
      duplicates,
      malformed: Object.freeze(malformed),
      chained: chained === true,
      gaps: Object.freeze(gaps),
    });
  }

  /**
   * Ingest a stream (e.g. a NATS JetStream consumer mapped to `{ seq, event }`, or any async iterable
   * of events). A jump in `seq` is reported as a `missing` gap, a step back as `reordered`.
   */
  async ingestStream(
    source: AsyncIterable<StreamItem> | Iterable<StreamItem>,
    name = 'stream',
  ): Promise<LogIngestResult> {
    const gaps: LogGap[] = [];
    const malformed: { line: number; reason: string }[] = [];
    let last: number | null = null;
    let lastVerifier: string | null = null;
    let items = 0;
    let events = 0;
    let duplicates = 0;
    for await (const item of source) {
      items++;
      let event: unknown = item;
      if (typeof item === 'object' && item !== null && 'seq' in item && 'event' in item) {
        event = item.event;
        const seq: unknown = item.seq;
        const verifier = isEvent(event) ? verifierOf(event) : null;
        if (typeof seq === 'number' && Number.isSafeInteger(seq)) {
          if (last !== null && seq !== last + 1) {
            const g: LogGap = Object.freeze({
              source: name,
              kind: seq > last ? 'missing' : 'reordered',
              line: null,
              expected_seq: last + 1,
              found_seq: seq,
              verifier_ids: Object.freeze([
                ...new Set([lastVerifier, verifier].filter((v): v is string => v !== null)),
              ]),
            });
            gaps.push(g);
            this.noteLogGap(g);
          }
          if (last === null || seq > last) last = seq;
        }
        if (verifier !== null) lastVerifier = verifier;
      }
      if (!isEvent(event)) {
        this.#malformed++;
        if (malformed.length < MAX_LISTED_MALFORMED) malformed.push({ line: items, reason: 'not_an_event' });
        continue;
      }
      if (this.ingest(event) === undefined) duplicates++;
      else events++;
    }
    return Object.freeze({
      source: name,
      lines: items,
      events,
      duplicates,
      malformed: Object.freeze(malformed),
      chained: last !== null,
      gaps: Object.freeze(gaps),
    });
  }

  /** The records kept (at most `maxRecords`, oldest first). */
  records(): readonly SentinelRecord[] {
    return Object.freeze(this.#records.slice(this.#recordsHead));
  }

  /** The violations kept (at most `maxViolations`, in detection order). */
  violations(): readonly SentinelViolation[] {
    return Object.freeze([...this.#violations]);
  }

  /** Names of the registered detectors, in the order they run. */
  detectors(): readonly string[] {
    return Object.freeze(this.#detectors.map((d) => d.name));
  }

  /** A snapshot of everything seen so far, as JSON-ready data. */
  report(): SentinelReport {
    const timeline = this.#timeline.slice(this.#timelineHead);
    timeline.sort((a, b) => (a.timestamp < b.timestamp ? -1 : a.timestamp > b.timestamp ? 1 : 0));
    const bySeverity = Object.fromEntries(SEVERITIES.map((s) => [s, this.#bySeverity.get(s) ?? 0])) as Record<
      SentinelSeverity,
      number
    >;
    return Object.freeze({
      generated_at: new Date(this.#now()).toISOString(),
      source_system: 'trusthandoff',
      counts: Object.freeze({
        events: this.#events,
        duplicates: this.#duplicates,
        malformed: this.#malformed,
        by_type: sorted(this.#byType),
        by_severity: Object.freeze(bySeverity),
        decisions: Object.freeze({ accepted: this.#accepted, rejected: this.#rejected }),
        attestations: Object.freeze({
          accepted: this.#attestationsAccepted,
          rejected: this.#attestationsRejected,
        }),
        violations: this.#violationCount,
        violations_by_type: sorted(this.#violationsByType),
        detector_errors: this.#detectorErrors,
        records_dropped: this.#events - (this.#records.length - this.#recordsHead),
        violations_dropped: this.#violationCount - this.#violations.length,
      }),
      rejection_reasons: sorted(this.#rejectionReasons),
      detectors: this.detectors(),
      violations: this.violations(),
      log_gaps: Object.freeze([...this.#gaps]),
      handoffs: Object.freeze(
        [...this.#edges.values()].map((e): SentinelHandoff =>
          Object.freeze({
            from_agent: e.from_agent,
            to_agent: e.to_agent,
            accepted: e.accepted,
            rejected: e.rejected,
            reasons: sorted(e.reasons),
            decisions: Object.freeze([...e.decisions]),
          }),
        ),
      ),
      timeline: Object.freeze(timeline),
    });
  }

  /** {@link report} as readable text (see {@link formatSentinelReport}). */
  reportText(options: TextReportOptions = {}): string {
    return formatSentinelReport(this.report(), options);
  }

  #addViolations(found: readonly SentinelViolation[]): void {
    for (const v of found) {
      this.#violationCount++;
      bump(this.#violationsByType, v.violation_type);
      if (this.#violations.length < this.#maxViolations) this.#violations.push(v);
    }
  }

  // Keep the newest `max` items: an array with a moving head, compacted when half of it is dead.
  #keep<T>(list: T[], item: T, max: number, which: 'records' | 'timeline'): void {
    list.push(item);
    const head = which === 'records' ? this.#recordsHead : this.#timelineHead;
    let next = head;
    if (list.length - head > max) next++;
    if (next > max) {
      list.splice(0, next);
      next = 0;
    }
    if (which === 'records') this.#recordsHead = next;
    else this.#timelineHead = next;
  }

  #aggregate(record: SentinelRecord): void {
    const decision = decisionOf(record);
    if (decision === null) return;
    if (decision.kind === 'packet') {
      if (decision.decision.decision === 'ACCEPT') this.#accepted++;
      else {
        this.#rejected++;
        bump(this.#rejectionReasons, decision.decision.reason);
      }
    } else if (decision.decision.decision === 'ACCEPT') this.#attestationsAccepted++;
    else this.#attestationsRejected++;
    this.#keep(this.#timeline, decision.decision, this.#maxTimeline, 'timeline');
    const key = `${decision.from}\u0000${decision.to}`;
    let edge = this.#edges.get(key);
    if (edge === undefined) {
      if (this.#edges.size >= MAX_EDGES) return;
      edge = {
        from_agent: decision.from,
        to_agent: decision.to,
        accepted: 0,
        rejected: 0,
        reasons: new Map(),
        decisions: [],
      };
      this.#edges.set(key, edge);
    }
    if (decision.decision.decision === 'ACCEPT') edge.accepted++;
    else {
      edge.rejected++;
      bump(edge.reasons, decision.decision.reason);
    }
    edge.decisions.push(decision.decision);
    if (edge.decisions.length > this.#maxPerEdge) edge.decisions.shift();
  }
}

function verifierOf(event: Record<string, unknown>): string | null {
  const v = event['verifier_id'];
  return typeof v === 'string' ? v : null;
}

/**
 * A decision on a handoff, for the graph and the timeline: the gate's packet decisions
 * (sender → receiver) and attestation verdicts (the result's signer → the verifier).
 */
function decisionOf(
  record: SentinelRecord,
): { kind: 'packet' | 'attestation'; from: string; to: string; decision: SentinelDecision } | null {
  const type = record.event_type;
  let kind: 'packet' | 'attestation';
  let verdict: 'ACCEPT' | 'REJECT';
  let from: string | null;
  let to: string | null;
  const verifier = attr(record, 'verifier_id');
  if (type === 'packet_accepted' || type === 'packet_rejected') {
    kind = 'packet';
    verdict = type === 'packet_accepted' ? 'ACCEPT' : 'REJECT';
    from = attr(record, 'from_agent');
    to = attr(record, 'to_agent') ?? verifier;
  } else if (type === 'attestation_verified' || type === 'attestation_rejected') {
    kind = 'attestation';
    verdict = type === 'attestation_verified' ? 'ACCEPT' : 'REJECT';
    from = attr(record, 'signed_by');
    to = verifier;
  } else return null;
  const decision: SentinelDecision = Object.freeze({
    event_id: record.event_id,
    timestamp: record.timestamp,
    kind,
    decision: verdict,
    packet_id: attr(record, 'packet_id'),
    from_agent: from,
    to_agent: to,
    intent: attr(record, 'intent'),
    reason: attr(record, 'reason') ?? (verdict === 'ACCEPT' ? 'verified' : 'rejected'),
    verifier_id: verifier,
  });
  return { kind, from: from ?? '(unknown sender)', to: to ?? '(unknown receiver)', decision };
}

function bump<K>(map: Map<K, number>, key: K): void {
  map.set(key, (map.get(key) ?? 0) + 1);
}

function sorted(map: Map<string, number>): Readonly<Record<string, number>> {
  return Object.freeze(
    Object.fromEntries([...map.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))),
  );
}
