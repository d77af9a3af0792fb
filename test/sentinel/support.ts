/** Helpers for the Sentinel tests: the recorded fixture, chained copies of it, and event builders. */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { lineHash } from 'trusthandoff/sentinel';

export const FIXTURE = fileURLToPath(new URL('../fixtures/sentinel/recorded-events.jsonl', import.meta.url));

export function fixtureEvents(): Record<string, unknown>[] {
  return readFileSync(FIXTURE, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

export function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'th-sentinel-'));
}

/** The hash-chained form: `{"seq":n,"prev":"<sha256 of the previous line>","event":{…}}`, seq from 1. */
export function chainLines(events: readonly Record<string, unknown>[]): string[] {
  const lines: string[] = [];
  let prev = '0'.repeat(64);
  events.forEach((event, i) => {
    const line = JSON.stringify({ seq: i + 1, prev, event });
    lines.push(line);
    prev = lineHash(line);
  });
  return lines;
}

export function writeLines(dir: string, name: string, lines: readonly string[]): string {
  const path = join(dir, name);
  writeFileSync(path, lines.join('\n') + '\n');
  return path;
}

let clock = Date.parse('2026-12-04T10:00:00.000Z');

/** An event in the port's envelope, at a fresh time one second after the previous one. */
export function event(type: string, fields: Record<string, unknown>, at?: number): Record<string, unknown> {
  clock += 1000;
  const correlation = (fields['packet_id'] ?? fields['capability_id'] ?? randomUUID()) as string;
  return {
    ...fields,
    event_id: randomUUID(),
    event_type: type,
    timestamp: new Date(at ?? clock).toISOString(),
    producer_id: fields['from_agent'] ?? fields['issuer_agent'] ?? 'unknown',
    correlation_id: correlation,
    idempotency_key: correlation,
    verifier_id: fields['verifier_id'] ?? 'agent:verifier',
    verifier_instance_id: 'v-1',
  };
}

export function decision(
  accepted: boolean,
  from: string,
  reason: string,
  extra: Record<string, unknown> = {},
  at?: number,
): Record<string, unknown> {
  return event(
    accepted ? 'packet_accepted' : 'packet_rejected',
    {
      packet_id: randomUUID(),
      task_id: randomUUID(),
      from_agent: from,
      to_agent: 'agent:worker',
      intent: 'x',
      risk_level: 'read',
      ttl_seconds: 900,
      latency_ms: 1,
      reason,
      ...(accepted ? {} : { step: 'signature' }),
      ...extra,
    },
    at,
  );
}
