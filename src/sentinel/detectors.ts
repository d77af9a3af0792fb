/**
 * Sentinel's detectors: the reference's four (SPEC §8, one violation per matching event, exactly
 * its fields) and the ones it lacks. Each factory returns a fresh detector with its own bounded state.
 */
import { ConfigurationError } from '../errors.js';
import { attr } from './mapping.js';
import type {
  LogGap,
  SentinelDetector,
  SentinelRecord,
  SentinelSeverity,
  SentinelViolation,
} from './types.js';

/** The reason strings the gate writes (SPEC §4: part of the protocol). */
const REPLAY_DETECTED = 'Replay detected';
const INVALID_SIGNATURE = 'Invalid signature';

// How many keys (senders, capability ids, verifiers) a windowed detector tracks before it forgets the
// oldest: a log with millions of distinct senders must not grow a detector without bound.
const MAX_TRACKED_KEYS = 10_000;

function violation(
  record: SentinelRecord | null,
  violationType: string,
  severity: SentinelSeverity,
  detail: Record<string, unknown>,
): SentinelViolation {
  return Object.freeze({
    violation_type: violationType,
    severity,
    source_event_id: record === null ? null : record.event_id,
    trace_id: record === null ? null : record.trace_id,
    detail: Object.freeze(detail),
  });
}

function nullable(record: SentinelRecord, name: string): unknown {
  const value = record.attributes[name];
  return value === undefined ? null : value;
}

/** The reference's four detectors, in its order. */
export function referenceDetectors(): SentinelDetector[] {
  return [
    {
      name: 'rejected_packet',
      inspect: (r) =>
        r.event_type === 'packet_rejected'
          ? [
              violation(r, 'rejected_packet', 'ERROR', {
                packet_id: nullable(r, 'packet_id'),
                reason: nullable(r, 'reason'),
              }),
            ]
          : undefined,
    },
    {
      name: 'stale_capability',
      inspect: (r) =>
        r.event_type === 'capability_stale'
          ? [
              violation(r, 'stale_capability', 'ERROR', {
                capability_id: nullable(r, 'capability_id'),
                reason: nullable(r, 'reason'),
              }),
            ]
          : undefined,
    },
    {
      name: 'overlap_window_used',
      inspect: (r) =>
        r.event_type === 'token_overlap_used'
          ? [
              violation(r, 'overlap_window_used', 'WARN', {
                packet_id: nullable(r, 'packet_id'),
                reason: nullable(r, 'reason'),
              }),
            ]
          : undefined,
    },
    {
      name: 'ai_generated_payload',
      inspect: (r) =>
        r.event_type === 'ai_generated_payload'
          ? [
              violation(r, 'ai_generated_payload', 'WARN', {
                packet_id: nullable(r, 'packet_id'),
                source: nullable(r, 'source'),
                model: nullable(r, 'model'),
              }),
            ]
          : undefined,
    },
  ];
}

/** An attested result refused by its verifier (tampered, replayed, wrong signer, stale, …). */
export function rejectedAttestationDetector(): SentinelDetector {
  return {
    name: 'rejected_attestation',
    inspect: (r) =>
      r.event_type === 'attestation_rejected'
        ? [
            violation(r, 'rejected_attestation', 'ERROR', {
              packet_id: nullable(r, 'packet_id'),
              signed_by: nullable(r, 'signed_by'),
              reason: nullable(r, 'reason'),
            }),
          ]
        : undefined,
  };
}

/** Epoch ms of a record: its own timestamp, else when Sentinel saw it. */
function recordTime(record: SentinelRecord): number {
  const own = Date.parse(record.timestamp);
  return Number.isFinite(own) ? own : Date.parse(record.observed_at);
}

function checkWindow(name: string, threshold: number, windowSeconds: number): void {
  if (!Number.isSafeInteger(threshold) || threshold < 2)
    throw new ConfigurationError(`${name}.threshold must be an integer >= 2`);
  if (!Number.isFinite(windowSeconds) || windowSeconds <= 0)
    throw new ConfigurationError(`${name}.windowSeconds must be a positive number`);
}

/** Counts events per key in a sliding time window; says when a key reaches the threshold. */
class WindowCounter {
  readonly #times = new Map<string, number[]>();
  constructor(
    readonly threshold: number,
    readonly windowMs: number,
  ) {}

  /** Adds one event; returns the count inside the window when it reached the threshold (then resets). */
  add(key: string, at: number): number[] | undefined {
    let times = this.#times.get(key);
    if (times === undefined) {
      if (this.#times.size >= MAX_TRACKED_KEYS) this.#times.delete(this.#times.keys().next().value!);
      times = [];
      this.#times.set(key, times);
    }
    // Events may arrive out of order (several logs ingested at once): keep the window's members,
    // whatever order they came in.
    times.push(at);
    const newest = Math.max(...times);
    const kept = times.filter((t) => newest - t <= this.windowMs);
    if (kept.length >= this.threshold) {
      this.#times.delete(key);
      return kept.sort((a, b) => a - b);
    }
    // Never more than `threshold` members: a window cannot hold more without having fired.
    this.#times.set(key, kept);
    return undefined;
  }
}

export interface BurstOptions {
  /** Events from one agent that make a burst (default 3). */
  readonly threshold?: number;
  /** The window they must fall in, seconds (default 60). */
  readonly windowSeconds?: number;
}

function burstDetector(
  name: string,
  options: BurstOptions,
  defaults: { threshold: number; windowSeconds: number },
  match: (record: SentinelRecord) => string | null,
  detail: (agent: string, times: number[]) => Record<string, unknown>,
): SentinelDetector {
  const threshold = options.threshold ?? defaults.threshold;
  const windowSeconds = options.windowSeconds ?? defaults.windowSeconds;
  checkWindow(name, threshold, windowSeconds);
  const counter = new WindowCounter(threshold, windowSeconds * 1000);
  return {
    name,
    inspect(record) {
      const agent = match(record);
      if (agent === null) return undefined;
      const times = counter.add(agent, recordTime(record));
      if (times === undefined) return undefined;
      return [violation(record, name, 'ERROR', { ...detail(agent, times), window_seconds: windowSeconds })];
    },
  };
}

const iso = (ms: number): string => new Date(ms).toISOString();

/** `threshold` rejections with `Replay detected` from one sender within `windowSeconds`. */
export function replayBurstDetector(options: BurstOptions = {}): SentinelDetector {
  return burstDetector(
    'replay_burst',
    options,
    { threshold: 3, windowSeconds: 60 },
    (r) =>
      r.event_type === 'packet_rejected' && attr(r, 'reason') === REPLAY_DETECTED
        ? (attr(r, 'from_agent') ?? r.producer_id)
        : null,
    (agent, times) => ({
      from_agent: agent,
      replays: times.length,
      first_at: iso(times[0]!),
      last_at: iso(times[times.length - 1]!),
    }),
  );
}

/**
 * `threshold` signature failures of one agent within `windowSeconds`: packets rejected with
 * `Invalid signature` (by sender) and attestations rejected with `invalid_signature` (by signer).
 */
export function signatureFailureDetector(options: BurstOptions = {}): SentinelDetector {
  return burstDetector(
    'repeated_signature_failures',
    options,
    { threshold: 3, windowSeconds: 300 },
    (r) => {
      if (r.event_type === 'packet_rejected' && attr(r, 'reason') === INVALID_SIGNATURE)
        return attr(r, 'from_agent') ?? r.producer_id;
      if (r.event_type === 'attestation_rejected' && attr(r, 'reason') === 'invalid_signature')
        return attr(r, 'signed_by') ?? r.producer_id;
      return null;
    },
    (agent, times) => ({
      agent_id: agent,
      failures: times.length,
      first_at: iso(times[0]!),
      last_at: iso(times[times.length - 1]!),
    }),
  );
}

/**
 * Who may approve: one list for every sender, or a map from a packet's sender (`from_agent`) to
 * its approvers, with `"*"` for any sender not listed.
 */
export type ExpectedApprovers = readonly string[] | Readonly<Record<string, readonly string[]>>;

/** An approval (accepted or rejected) that names an approver outside the expected set. */
export function unexpectedApproverDetector(expected: ExpectedApprovers): SentinelDetector {
  const lookup = approverLookup(expected);
  return {
    name: 'unexpected_approver',
    inspect(record) {
      if (record.event_type !== 'approval_accepted' && record.event_type !== 'approval_rejected')
        return undefined;
      const approvers = record.attributes['approvers'];
      if (!Array.isArray(approvers)) return undefined;
      const fromAgent = attr(record, 'from_agent') ?? record.producer_id;
      const allowed = lookup(fromAgent);
      const out: SentinelViolation[] = [];
      for (const approver of new Set(approvers)) {
        if (typeof approver === 'string' && !allowed.has(approver))
          out.push(
            violation(record, 'unexpected_approver', 'ERROR', {
              packet_id: nullable(record, 'packet_id'),
              from_agent: fromAgent,
              approver,
              approval: record.event_type === 'approval_accepted' ? 'accepted' : 'rejected',
            }),
          );
      }
      return out;
    },
  };
}

function approverLookup(expected: ExpectedApprovers): (fromAgent: string) => ReadonlySet<string> {
  const isList = Array.isArray(expected);
  if (expected === null || typeof expected !== 'object')
    throw new ConfigurationError('expectedApprovers must be a list of agent ids or a map of lists');
  const check = (list: unknown, where: string): ReadonlySet<string> => {
    if (!Array.isArray(list) || !list.every((a) => typeof a === 'string'))
      throw new ConfigurationError(`expectedApprovers${where} must be a list of agent ids`);
    return new Set(list);
  };
  if (isList) {
    const all = check(expected, '');
    return () => all;
  }
  const map = new Map<string, ReadonlySet<string>>();
  for (const [sender, list] of Object.entries(expected)) map.set(sender, check(list, `["${sender}"]`));
  const none: ReadonlySet<string> = new Set();
  return (fromAgent) => map.get(fromAgent) ?? map.get('*') ?? none;
}

/** A revocation Sentinel knows of: an id (agent, capability or packet) and when it took effect. */
export interface KnownRevocation {
  readonly id: string;
  /** Epoch ms or an ISO 8601 time. */
  readonly revokedAt: number | string;
}

/**
 * Use of something after it was revoked: a capability executed (`execution_allowed`) or a chain
 * verified whose capability was revoked earlier, or a packet accepted from a revoked agent.
 * Revocations come from the `revocations` option and from the log itself (rejections with
 * `agent_revoked`, `capability_stale` with `is_revocation_stale`). A use seen before its revocation
 * is known (logs ingested out of order) is matched when the revocation arrives.
 */
export function useAfterRevocationDetector(revocations: Iterable<KnownRevocation> = []): SentinelDetector {
  const revokedAt = new Map<string, number>();
  const remember = (id: string, at: number): void => {
    const known = revokedAt.get(id);
    if (known !== undefined && known <= at) return;
    if (known === undefined && revokedAt.size >= MAX_TRACKED_KEYS)
      revokedAt.delete(revokedAt.keys().next().value!);
    revokedAt.set(id, at);
  };
  for (const r of revocations) {
    const at = typeof r.revokedAt === 'number' ? r.revokedAt : Date.parse(r.revokedAt);
    if (typeof r.id !== 'string' || !Number.isFinite(at))
      throw new ConfigurationError('revocations must be { id: string, revokedAt: epoch ms | ISO time }');
    remember(r.id, at);
  }
  // Uses seen so far, per id, so a revocation learned later still finds them (bounded per id and overall).
  const uses = new Map<string, { record: SentinelRecord; at: number; kind: string }[]>();
  const reported = new Set<string>();

  const flag = (use: { record: SentinelRecord; at: number; kind: string }, id: string, at: number) => {
    const key = `${use.record.event_id}\u0000${id}`;
    if (reported.has(key)) return undefined;
    if (reported.size >= MAX_TRACKED_KEYS * 10) reported.clear();
    reported.add(key);
    return violation(use.record, 'use_after_revocation', 'ERROR', {
      revoked_id: id,
      use: use.kind,
      packet_id: nullable(use.record, 'packet_id'),
      revoked_at: iso(at),
      used_at: use.record.timestamp,
    });
  };

  return {
    name: 'use_after_revocation',
    inspect(record) {
      const at = recordTime(record);
      const out: SentinelViolation[] = [];
      // Learn revocations from the log.
      let learned: string | null = null;
      if (record.event_type === 'packet_rejected' && attr(record, 'reason') === 'agent_revoked')
        learned = attr(record, 'from_agent');
      if (record.event_type === 'capability_stale' && record.attributes['is_revocation_stale'] === true)
        learned = attr(record, 'capability_id');
      if (learned !== null) {
        remember(learned, at);
        for (const use of uses.get(learned) ?? []) {
          if (use.at > revokedAt.get(learned)!) {
            const v = flag(use, learned, revokedAt.get(learned)!);
            if (v !== undefined) out.push(v);
          }
        }
      }
      // Uses.
      const used: [string, string][] = [];
      if (record.event_type === 'capability_execution' && attr(record, 'outcome') === 'execution_allowed') {
        for (const name of ['capability_id', 'leaf_capability_id']) {
          const id = attr(record, name);
          if (id !== null) used.push([id, 'capability_execution']);
        }
      } else if (record.event_type === 'capability_chain_verified') {
        const id = attr(record, 'capability_id');
        if (id !== null) used.push([id, 'capability_chain_verified']);
      } else if (record.event_type === 'packet_accepted') {
        const from = attr(record, 'from_agent');
        if (from !== null) used.push([from, 'packet_accepted']);
      }
      for (const [id, kind] of new Map(used)) {
        const use = { record, at, kind };
        const revoked = revokedAt.get(id);
        if (revoked !== undefined && at > revoked) {
          const v = flag(use, id, revoked);
          if (v !== undefined) out.push(v);
        }
        let list = uses.get(id);
        if (list === undefined) {
          if (uses.size >= MAX_TRACKED_KEYS) uses.delete(uses.keys().next().value!);
          list = [];
          uses.set(id, list);
        }
        if (list.length >= 32) list.shift();
        list.push(use);
      }
      return out;
    },
  };
}

/**
 * Decisions by a verifier whose log has a gap: one violation per (verifier, gap), naming where the
 * log broke and how many of that verifier's decisions Sentinel had seen up to then. Decisions seen
 * after the gap are counted in the report's `log_gaps` section.
 */
export function verifierLogGapDetector(): SentinelDetector {
  const decisions = new Map<string, number>();
  return {
    name: 'verifier_log_gap',
    inspect(record) {
      if (record.event_type !== 'packet_accepted' && record.event_type !== 'packet_rejected')
        return undefined;
      const verifier = attr(record, 'verifier_id');
      if (verifier === null) return undefined;
      if (!decisions.has(verifier) && decisions.size >= MAX_TRACKED_KEYS)
        decisions.delete(decisions.keys().next().value!);
      decisions.set(verifier, (decisions.get(verifier) ?? 0) + 1);
      return undefined;
    },
    onLogGap(gap: LogGap) {
      return gap.verifier_ids.map((verifier) =>
        violation(null, 'verifier_log_gap', 'ERROR', {
          verifier_id: verifier,
          source: gap.source,
          kind: gap.kind,
          line: gap.line,
          expected_seq: gap.expected_seq,
          found_seq: gap.found_seq,
          decisions_seen: decisions.get(verifier) ?? 0,
        }),
      );
    },
  };
}

/** A log's integrity break itself, one violation per gap (the first one is the line to look at). */
export function logIntegrityDetector(): SentinelDetector {
  return {
    name: 'log_integrity',
    inspect: () => undefined,
    onLogGap: (gap) => [
      violation(null, 'log_integrity', 'ERROR', {
        source: gap.source,
        kind: gap.kind,
        line: gap.line,
        expected_seq: gap.expected_seq,
        found_seq: gap.found_seq,
      }),
    ],
  };
}
