/**
 * `report()` as readable text: summary counts, rejection reasons, violations, log gaps, handoffs.
 */
import type { SentinelReport } from './types.js';

/** Options for {@link formatSentinelReport}. */
export interface TextReportOptions {
  /** Violations listed (default 50; the rest are counted). */
  readonly maxViolations?: number;
  /** Colour for a terminal (ANSI); default false. */
  readonly color?: boolean;
}

/** A readable, plain-text (optionally coloured) summary of a report. */
export function formatSentinelReport(report: SentinelReport, options: TextReportOptions = {}): string {
  const limit = options.maxViolations ?? 50;
  const paint = (code: string, s: string): string =>
    options.color === true ? `\u001b[${code}m${s}\u001b[0m` : s;
  const bold = (s: string): string => paint('1', s);
  const severity = (s: string): string =>
    paint(s === 'ERROR' ? '31' : s === 'WARN' ? '33' : '36', s.padEnd(5));
  const c = report.counts;
  const out: string[] = [];
  out.push(bold('trusthandoff Sentinel report'), `generated ${report.generated_at}`, '');
  out.push(
    `events      ${c.events}  (INFO ${c.by_severity.INFO}, WARN ${c.by_severity.WARN}, ERROR ${c.by_severity.ERROR})`,
  );
  out.push(`decisions   ${c.decisions.accepted} accepted, ${c.decisions.rejected} rejected`);
  if (c.attestations.accepted + c.attestations.rejected > 0)
    out.push(
      `results     ${c.attestations.accepted} attestations verified, ${c.attestations.rejected} rejected`,
    );
  out.push(`violations  ${c.violations}`);
  if (c.duplicates > 0) out.push(`duplicates  ${c.duplicates} (same event_id, ignored)`);
  if (c.malformed > 0) out.push(`malformed   ${c.malformed} (not events)`);
  if (c.detector_errors > 0) out.push(`detector errors ${c.detector_errors}`);
  if (c.records_dropped > 0 || c.violations_dropped > 0)
    out.push(
      `not kept    ${c.records_dropped} records, ${c.violations_dropped} violations (caps reached; counts exact)`,
    );
  const types = Object.entries(c.by_type);
  if (types.length > 0) {
    out.push('', bold('events by type'));
    for (const [type, n] of types) out.push(`  ${String(n).padStart(7)}  ${type}`);
  }
  const reasons = Object.entries(report.rejection_reasons);
  if (reasons.length > 0) {
    out.push('', bold('rejection reasons'));
    for (const [reason, n] of reasons) out.push(`  ${String(n).padStart(7)}  ${reason}`);
  }
  if (report.log_gaps.length > 0) {
    out.push('', bold('log integrity'));
    for (const g of report.log_gaps) out.push(`  ${paint('31', 'BROKEN')}  ${describeGap(g)}`);
  }
  out.push('', bold(`violations (${c.violations})`));
  if (report.violations.length === 0) out.push('  none');
  for (const v of report.violations.slice(0, limit)) {
    const detail = Object.entries(v.detail)
      .filter(([, value]) => value !== null)
      .map(([k, value]) => `${k}=${typeof value === 'string' ? value : JSON.stringify(value)}`)
      .join(' ');
    out.push(`  ${severity(v.severity)}  ${v.violation_type.padEnd(27)} ${detail}`);
  }
  if (c.violations > limit) out.push(`  … ${c.violations - Math.min(limit, report.violations.length)} more`);
  if (report.handoffs.length > 0) {
    out.push('', bold('handoffs (sender → receiver: accepted / rejected)'));
    for (const h of report.handoffs)
      out.push(`  ${short(h.from_agent)} → ${short(h.to_agent)}: ${h.accepted} / ${h.rejected}`);
  }
  out.push('', `detectors: ${report.detectors.join(', ')}`);
  return out.join('\n') + '\n';
}

/** One line naming where a log broke. */
export function describeGap(g: SentinelReport['log_gaps'][number]): string {
  const where = g.line === null ? g.source : `${g.source}:${g.line}`;
  switch (g.kind) {
    case 'edited':
      return `${where}: line edited (its hash no longer matches the next line's prev; seq ${g.found_seq})`;
    case 'missing':
      return `${where}: seq ${g.expected_seq} missing (line removed)`;
    case 'reordered':
      return `${where}: seq ${g.found_seq} out of order`;
    case 'malformed':
      return `${where}: line is not a chained log entry`;
  }
}

function short(agent: string): string {
  return agent.length > 40 ? `${agent.slice(0, 24)}…${agent.slice(-8)}` : agent;
}
