/**
 * `trusthandoff/sentinel`: the forensic auditor (SPEC §8) and its reports.
 */
export {
  Sentinel,
  type FileIngestOptions,
  type LogIngestResult,
  type SentinelOptions,
  type StreamItem,
} from './sentinel.js';
export {
  referenceDetectors,
  rejectedAttestationDetector,
  replayBurstDetector,
  signatureFailureDetector,
  unexpectedApproverDetector,
  useAfterRevocationDetector,
  verifierLogGapDetector,
  logIntegrityDetector,
  type BurstOptions,
  type ExpectedApprovers,
  type KnownRevocation,
} from './detectors.js';
export { EVENT_SEVERITIES, eventSeverity, toSentinelRecord } from './mapping.js';
export { lineHash } from './jsonl.js';
export { formatSentinelReport, describeGap, type TextReportOptions } from './text.js';
export { renderHtmlReport, type HtmlReportOptions } from './html.js';
export type {
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
