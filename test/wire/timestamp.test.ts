import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { PayloadValidationError, Timestamp } from '../support/api.js';

interface DatetimeCase {
  input: string;
  canonical: string;
  python_str: string;
  ttl: number;
  plus_ttl_isoformat: string | null;
  epoch_micros: number | null;
}
const cases = JSON.parse(
  readFileSync(new URL('../fixtures/python-datetime.json', import.meta.url), 'utf8'),
) as DatetimeCase[];

describe('Timestamp against CPython datetime', () => {
  it(`formats, converts and adds TTLs like CPython for ${cases.length} cases`, () => {
    for (const c of cases) {
      const t = Timestamp.parse(c.input);
      expect(t.toCanonical()).toBe(c.canonical);
      expect(t.toIsoformat()).toBe(c.input);
      expect(t.toPythonStr()).toBe(c.python_str);
      if (c.epoch_micros !== null) expect(t.epochMicros).toBe(c.epoch_micros);
      if (c.plus_ttl_isoformat === null) {
        expect(() => t.plusSeconds(c.ttl)).toThrow(PayloadValidationError);
      } else {
        expect(t.plusSeconds(c.ttl).toIsoformat()).toBe(c.plus_ttl_isoformat);
      }
    }
  });
});

describe('Timestamp parsing', () => {
  it('accepts Z, +00:00, offsets and 1 to 6 fractional digits, keeping microseconds', () => {
    expect(Timestamp.parse('2026-03-08T12:00:00+00:00').toCanonical()).toBe('2026-03-08T12:00:00Z');
    expect(Timestamp.parse('2026-03-08T12:00:00.5Z').toCanonical()).toBe('2026-03-08T12:00:00.500000Z');
    expect(Timestamp.parse('2026-03-08T12:00:00.123456Z').microsecond).toBe(123456);
    expect(Timestamp.parse('2026-03-08T12:00:00.000000Z').toCanonical()).toBe('2026-03-08T12:00:00Z');
    expect(Timestamp.parse('2026-03-08T14:00:00+02:00').toCanonical()).toBe('2026-03-08T14:00:00+02:00');
    expect(Timestamp.parse('2026-03-08T12:00:00').isNaive).toBe(true);
    expect(Timestamp.parse('2026-03-08T12:00:00-00:00').toCanonical()).toBe('2026-03-08T12:00:00Z');
  });

  it.each([
    '2026-03-08 12:00:00Z',
    '2026-03-08T12:00:00.1234567Z',
    '2026-03-08T12:00Z',
    '2026-02-29T00:00:00Z',
    '2026-13-01T00:00:00Z',
    '2026-03-08T24:00:00Z',
    '2026-03-08T12:00:60Z',
    '0000-01-01T00:00:00Z',
    '2026-03-08T12:00:00+24:00',
    '2026-03-08T12:00:00z',
    '2026-03-08T12:00:00+0200',
    '1772971200',
    '',
  ])('refuses %j with PayloadValidationError', (text) => {
    expect(() => Timestamp.parse(text)).toThrow(PayloadValidationError);
  });

  it('compares instants across offsets like Python aware datetimes', () => {
    const a = Timestamp.parse('2026-03-08T14:00:00+02:00');
    const b = Timestamp.parse('2026-03-08T12:00:00Z');
    expect(a.equals(b)).toBe(true);
    expect(a.compare(b)).toBe(0);
    expect(Timestamp.parse('2026-03-08T12:00:00.000001Z').compare(b)).toBeGreaterThan(0);
  });

  it('creates UTC timestamps from a clock without losing the millisecond', () => {
    expect(Timestamp.fromEpochMillis(1772971200123).toCanonical()).toBe('2026-03-08T12:00:00.123000Z');
    expect(Timestamp.fromDate(new Date('2026-03-08T12:00:00Z')).toCanonical()).toBe('2026-03-08T12:00:00Z');
  });
});
