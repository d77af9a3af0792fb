/**
 * trusthandoff/export: CloudEvents 1.0 and OCSF records validated with ajv against the schemas in
 * test/fixtures/schemas (CloudEvents from the spec; a faithful subset of OCSF 1.3.0).
 */
import { readFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import type { TrustHandoffEvent } from '../../src/events/types.js';
import {
  toCloudEvent,
  toOcsfApiActivity,
  toOcsfDetectionFinding,
  type SentinelViolation,
} from '../../src/export/index.js';
import { decisionEvent } from '../sinks/support.js';

const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;
const load = (name: string): object =>
  JSON.parse(readFileSync(new URL(`../fixtures/schemas/${name}`, import.meta.url), 'utf8')) as object;
const ajv = addFormats(new Ajv({ allErrors: true, strict: true, strictTypes: false, strictRequired: false }));
ajv.addSchema(load('ocsf-1.3.0-common.schema.json'));
const cloudEventSchema: ValidateFunction = ajv.compile(load('cloudevents-1.0.schema.json'));
const apiActivitySchema: ValidateFunction = ajv.compile(load('ocsf-1.3.0-api-activity.schema.json'));
const findingSchema: ValidateFunction = ajv.compile(load('ocsf-1.3.0-detection-finding.schema.json'));

function valid(validate: ValidateFunction, value: unknown): boolean {
  const ok = validate(JSON.parse(JSON.stringify(value)));
  if (!ok) console.error(JSON.stringify(validate.errors, null, 2));
  return ok;
}

const envelope = {
  timestamp: '2026-03-08T12:00:00.000Z',
  producer_id: 'agent:issuer',
  idempotency_key: 'k',
  verifier_id: 'agent:AbC+/verifier',
  verifier_instance_id: 'replica-1',
};
const others: TrustHandoffEvent[] = [
  {
    ...envelope,
    event_id: randomUUID(),
    correlation_id: 'cap-1',
    event_type: 'capability_chain_rejected',
    capability_id: 'cap-1',
    issuer_agent: 'agent:issuer',
    reason: 'revoked',
  },
  {
    ...envelope,
    event_id: randomUUID(),
    correlation_id: 'pkt-9',
    event_type: 'attestation_verified',
    packet_id: 'pkt-9',
    signed_by: 'agent:worker',
    status: 'OK',
    outcome_hash: 'ab'.repeat(32),
  },
  {
    ...envelope,
    event_id: randomUUID(),
    correlation_id: 'cap-2',
    event_type: 'capability_execution',
    outcome: 'policy_denied',
    capability_id: 'cap-2',
    leaf_capability_id: 'cap-2',
    issuer_agent: 'agent:issuer',
    subject_agent: 'agent:worker',
    action: 'write',
    reason: 'file writes denied',
    packet_id: null,
    from_agent: null,
    capability_count: 1,
    failed_index: null,
    tool_calls_used: null,
    strict_mode: true,
  },
  {
    ...envelope,
    event_id: randomUUID(),
    correlation_id: 'pkt-3',
    event_type: 'approval_accepted',
    packet_id: 'pkt-3',
    from_agent: 'agent:sender',
    approvers: ['agent:a', 'agent:b'],
    required: 2,
  },
];

describe('CloudEvents 1.0', () => {
  it('every event type produces a valid envelope; traceparent and tracestate carried', () => {
    const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
    for (const event of [decisionEvent(1, true), decisionEvent(2, false), ...others]) {
      const ce = toCloudEvent(event, { traceparent, tracestate: 'vendor=abc' });
      expect(valid(cloudEventSchema, ce)).toBe(true);
      expect(ce).toMatchObject({
        specversion: '1.0',
        id: event.event_id,
        type: `dev.trusthandoff.${event.event_type}`,
        time: event.timestamp,
        datacontenttype: 'application/json',
        correlationid: event.correlation_id,
        traceparent,
        tracestate: 'vendor=abc',
        data: event,
      });
      expect(ce.source).toBe(
        event.verifier_id === envelope.verifier_id
          ? 'urn:trusthandoff:agent%3AAbC%2B%2Fverifier:replica-1'
          : 'urn:trusthandoff:agent%3Averifier:instance-1',
      );
    }
    const plain = toCloudEvent(decisionEvent(3));
    expect(plain).not.toHaveProperty('traceparent');
    expect(plain.subject).toBe('pkt-3');
    expect(valid(cloudEventSchema, plain)).toBe(true);
  });

  it('the schema is not vacuous, and a malformed traceparent is refused', () => {
    const ce = toCloudEvent(decisionEvent(1)) as unknown as Record<string, unknown>;
    expect(cloudEventSchema({ ...ce, specversion: '0.3' })).toBe(false);
    expect(cloudEventSchema({ ...ce, id: '' })).toBe(false);
    expect(cloudEventSchema({ ...ce, Bad_Name: 'x' })).toBe(false);
    for (const traceparent of ['', '00-abc', `00-${'0'.repeat(32)}-00f067aa0ba902b7-01`])
      expect(() => toCloudEvent(decisionEvent(1), { traceparent })).toThrow(
        expect.objectContaining({ code: 'ERR_CONFIGURATION' }) as Error,
      );
    expect(() => toCloudEvent(decisionEvent(1), { tracestate: 'a=b' })).toThrow(
      expect.objectContaining({ code: 'ERR_CONFIGURATION' }) as Error,
    );
  });
});

describe('OCSF API Activity (decisions)', () => {
  it('an ACCEPT and a REJECT: class 6003, Authorize, status and reason, ids in place', () => {
    const accepted = decisionEvent(1, true);
    const rejected = decisionEvent(3, false);
    const a = toOcsfApiActivity(accepted, { productVersion: '0.1.0' })!;
    const r = toOcsfApiActivity(rejected)!;
    expect(valid(apiActivitySchema, a)).toBe(true);
    expect(valid(apiActivitySchema, r)).toBe(true);
    expect(a).toMatchObject({
      class_uid: 6003,
      activity_id: 99,
      activity_name: 'Authorize',
      type_uid: 600399,
      status_id: 1,
      severity_id: 1,
      time: Date.parse(accepted.timestamp),
      metadata: { uid: accepted.event_id, correlation_uid: 'pkt-1', product: { version: '0.1.0' } },
      actor: { user: { uid: 'agent:sender' } },
      api: { operation: 'packet_accepted', request: { uid: 'pkt-1' } },
      src_endpoint: { uid: 'agent:sender' },
      dst_endpoint: { uid: 'agent:verifier', name: 'agent:verifier' },
      resources: [{ uid: 'task-1', type: 'task' }],
    });
    expect(r).toMatchObject({
      status_id: 2,
      status: 'Failure',
      status_detail: 'Replay detected',
      severity_id: 4,
      unmapped: { step: 'replay', details: { nonce: 'n-1' } },
    });
  });

  it('other decisions map too; non-decision events are not API activity', () => {
    const statuses = others.map((e) => {
      const record = toOcsfApiActivity(e)!;
      expect(valid(apiActivitySchema, record)).toBe(true);
      return record.status;
    });
    expect(statuses).toEqual(['Failure', 'Success', 'Failure', 'Success']);
    const stale: TrustHandoffEvent = {
      ...envelope,
      event_id: randomUUID(),
      correlation_id: 'cap-1',
      event_type: 'capability_stale',
      capability_id: 'cap-1',
      reason: 'revalidation_failed',
      is_revocation_stale: false,
    };
    expect(toOcsfApiActivity(stale)).toBeNull();
  });

  it('the schema is not vacuous', () => {
    const record = JSON.parse(JSON.stringify(toOcsfApiActivity(decisionEvent(1)))) as Record<string, unknown>;
    expect(apiActivitySchema({ ...record, actor: {} })).toBe(false);
    expect(apiActivitySchema({ ...record, type_uid: 600301 })).toBe(false);
    const noApi = { ...record };
    delete noApi['api'];
    expect(apiActivitySchema(noApi)).toBe(false);
  });
});

describe('OCSF Detection Finding (Sentinel violations)', () => {
  const violations: SentinelViolation[] = [
    {
      violation_type: 'rejected_packet',
      severity: 'ERROR',
      source_event_id: 'e-1',
      trace_id: 'pkt-1',
      detail: { packet_id: 'pkt-1', reason: 'Replay detected' },
    },
    {
      violation_type: 'overlap_window_used',
      severity: 'WARN',
      source_event_id: 'e-2',
      trace_id: 'pkt-2',
      detail: { packet_id: 'pkt-2', reason: 'token overlap' },
    },
    {
      violation_type: 'ai_generated_payload',
      severity: 'INFO',
      source_event_id: 'e-3',
      trace_id: 'pkt-3',
      detail: { packet_id: 'pkt-3', source: 'llm', model: 'm' },
    },
  ];

  it('class 2004 Create, severity mapped, stable finding uid, source event related', () => {
    const findings = violations.map((v) => toOcsfDetectionFinding(v, { timeMs: 1_760_000_000_000 }));
    for (const f of findings) expect(valid(findingSchema, f)).toBe(true);
    expect(findings.map((f) => [f.severity_id, f.is_alert])).toEqual([
      [4, true],
      [3, true],
      [1, false],
    ]);
    expect(findings[0]).toMatchObject({
      class_uid: 2004,
      category_uid: 2,
      activity_id: 1,
      type_uid: 200401,
      status_id: 1,
      time: 1_760_000_000_000,
      metadata: { correlation_uid: 'pkt-1', version: '1.3.0' },
      finding_info: {
        title: 'rejected packet',
        types: ['rejected_packet'],
        analytic: { name: 'rejected_packet', type_id: 1 },
        related_events: [{ uid: 'e-1' }],
      },
      unmapped: { detail: { packet_id: 'pkt-1', reason: 'Replay detected' }, trace_id: 'pkt-1' },
    });
    expect(toOcsfDetectionFinding(violations[0]!).finding_info.uid).toBe(findings[0]!.finding_info.uid);
    expect(new Set(findings.map((f) => f.finding_info.uid)).size).toBe(3);
  });

  it('a violation parsed from bad JSON still yields a valid record; the schema is not vacuous', () => {
    const odd = toOcsfDetectionFinding({ violation_type: 7, severity: null, detail: 'x' } as never);
    expect(valid(findingSchema, odd)).toBe(true);
    expect(odd.severity_id).toBe(0);
    const record = JSON.parse(JSON.stringify(toOcsfDetectionFinding(violations[0]!))) as Record<
      string,
      unknown
    >;
    expect(findingSchema({ ...record, class_uid: 2001 })).toBe(false);
    expect(findingSchema({ ...record, finding_info: { title: 'x' } })).toBe(false);
    expect(findingSchema({ ...record, time: '2026-01-01' })).toBe(false);
  });
});
