/**
 * Generic type checks for fields of signed objects (packets, capabilities, envelopes, approvals).
 * Every failure is a PayloadValidationError naming the field.
 */
import { PayloadValidationError } from '../errors.js';
import { isPlainObject } from './json-value.js';
import { Timestamp } from './timestamp.js';

export function fail(field: string, what: string): PayloadValidationError {
  return new PayloadValidationError(`${field}: ${what}`);
}

export function requireObject(value: unknown, field: string): Record<string, unknown> {
  if (!isPlainObject(value)) throw fail(field, 'must be an object');
  return value;
}

export function rejectUnknownFields(
  object: Record<string, unknown>,
  allowed: ReadonlySet<string>,
  field: string,
): void {
  for (const key of Object.keys(object)) {
    if (!allowed.has(key)) throw fail(field, `unknown field ${JSON.stringify(key.slice(0, 64))}`);
  }
}

export function requireString(value: unknown, field: string): string {
  if (typeof value !== 'string') throw fail(field, 'must be a string');
  return value;
}

export function optionalString(value: unknown, field: string): string | null {
  return value === undefined || value === null ? null : requireString(value, field);
}

export function optionalInteger(value: unknown, field: string): number | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'number' || !Number.isSafeInteger(value)) throw fail(field, 'must be an integer');
  return value;
}

export function optionalBoolean(value: unknown, field: string, fallback: boolean | null): boolean | null {
  if (value === undefined) return fallback;
  if (value === null) return null;
  if (typeof value !== 'boolean') throw fail(field, 'must be a boolean');
  return value;
}

export function stringList(value: unknown, field: string): string[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) throw fail(field, 'must be a list of strings');
  for (const item of value) if (typeof item !== 'string') throw fail(field, 'must be a list of strings');
  return [...(value as string[])];
}

/** A timestamp from the wire form or a `Timestamp`/`Date` created in TypeScript. */
export function requireTimestamp(value: unknown, field: string): Timestamp {
  if (value instanceof Timestamp) return value;
  if (value instanceof Date) return Timestamp.fromDate(value);
  if (typeof value === 'string') {
    try {
      return Timestamp.parse(value);
    } catch {
      throw fail(field, 'invalid datetime');
    }
  }
  throw fail(field, 'must be a datetime');
}

export function optionalTimestamp(value: unknown, field: string): Timestamp | null {
  return value === undefined || value === null ? null : requireTimestamp(value, field);
}
