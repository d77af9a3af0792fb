/**
 * One snapshot per untrusted object. An object handed to the gate (or to a create function) may be a
 * Proxy or carry getters that answer differently each time they are read: checked as one value, used
 * as another ("Wire the money"). {@link snapshotJson} reads every property exactly once — through its
 * property descriptor, so no getter ever runs — into the library's own deep-frozen copy, within the
 * same size and depth limits as wire input. Everything after that reads the copy.
 */
import { PayloadValidationError } from '../errors.js';
import { JsonFloat, type JsonValue } from './json-value.js';
import { DEFAULT_JSON_LIMITS, type JsonLimits } from './parse-json.js';
import { Timestamp } from './timestamp.js';

/** Objects that are immutable by construction and may be kept as they are (library-made values). */
export type KeepAsIs = (value: object) => boolean;

const NEVER_KEEP: KeepAsIs = () => false;

/**
 * A deep-frozen copy of `value` made of plain objects, arrays, strings, finite numbers, booleans,
 * null, bigint, {@link JsonFloat} and {@link Timestamp}. Accessor properties, class instances, holes,
 * symbols-keyed data and non-finite numbers are refused (PayloadValidationError naming the path), as
 * is anything over `limits.maxDepth` or — counting string and key lengths — `limits.maxBytes`.
 */
export function snapshotJson(
  value: unknown,
  limits: Partial<JsonLimits> = {},
  keep: KeepAsIs = NEVER_KEEP,
  /** How error messages name the value (`$` by default; e.g. `context`). */
  root = '$',
): JsonValue {
  const budget = {
    bytes: limits.maxBytes ?? DEFAULT_JSON_LIMITS.maxBytes,
    maxDepth: limits.maxDepth ?? DEFAULT_JSON_LIMITS.maxDepth,
  };
  return copy(value, root, 0, budget, keep);
}

interface Budget {
  bytes: number;
  readonly maxDepth: number;
}

function spend(budget: Budget, n: number, path: string): void {
  budget.bytes -= n;
  if (budget.bytes < 0) throw new PayloadValidationError(`${path}: object larger than the size limit`);
}

function copy(value: unknown, path: string, depth: number, budget: Budget, keep: KeepAsIs): JsonValue {
  switch (typeof value) {
    case 'string':
      spend(budget, value.length + 2, path);
      return value;
    case 'number':
      if (!Number.isFinite(value))
        throw new PayloadValidationError(`${path}: NaN and Infinity have no JSON form`);
      spend(budget, 8, path);
      return value;
    case 'boolean':
      spend(budget, 4, path);
      return value;
    case 'bigint':
      spend(budget, 8, path);
      return value;
    case 'object':
      break;
    default:
      throw new PayloadValidationError(`${path}: a ${typeof value} has no JSON form`);
  }
  if (value === null) {
    spend(budget, 4, path);
    return null;
  }
  if (value instanceof JsonFloat || value instanceof Timestamp) {
    spend(budget, 32, path);
    return value as unknown as JsonValue;
  }
  if (keep(value)) return value as JsonValue;
  if (depth >= budget.maxDepth)
    throw new PayloadValidationError(`${path}: nested deeper than ${budget.maxDepth}`);
  const isArray = Array.isArray(value);
  const proto: unknown = Object.getPrototypeOf(value);
  if (!isArray && proto !== Object.prototype && proto !== null)
    throw new PayloadValidationError(`${path}: only plain objects and arrays are accepted`);
  // One read of every own property, as descriptors: getters are refused, never called.
  const descriptors = Object.getOwnPropertyDescriptors(value);
  if (isArray) {
    const lengthDescriptor = descriptors['length' as keyof typeof descriptors];
    const length: unknown = lengthDescriptor?.value;
    if (typeof length !== 'number' || !Number.isSafeInteger(length) || length < 0)
      throw new PayloadValidationError(`${path}: unreadable array`);
    spend(budget, 2 + length, path);
    const out: JsonValue[] = new Array<JsonValue>(length);
    for (let i = 0; i < length; i++) {
      const d = (descriptors as Record<string, PropertyDescriptor | undefined>)[i];
      const itemPath = `${path}[${i}]`;
      if (d === undefined || !('value' in d))
        throw new PayloadValidationError(`${itemPath}: holes and accessors are not data`);
      out[i] = copy(d.value, itemPath, depth + 1, budget, keep);
    }
    return Object.freeze(out) as unknown as JsonValue;
  }
  const out: Record<string, JsonValue> = {};
  spend(budget, 2, path);
  for (const key of Reflect.ownKeys(descriptors)) {
    const d = (descriptors as Record<string | symbol, PropertyDescriptor>)[key]!;
    if (typeof key === 'symbol') {
      if (d.enumerable === true) throw new PayloadValidationError(`${path}: symbol keys are not data`);
      continue;
    }
    if (d.enumerable !== true) continue;
    const keyPath = `${path}.${key.length > 64 ? `${key.slice(0, 64)}…` : key}`;
    if (!('value' in d)) throw new PayloadValidationError(`${keyPath}: accessor properties are not data`);
    spend(budget, key.length + 3, keyPath);
    // defineProperty, not assignment: a key named "__proto__" must stay data, not change the prototype.
    Object.defineProperty(out, key, {
      value: copy(d.value, keyPath, depth + 1, budget, keep),
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return Object.freeze(out);
}

/**
 * Freeze a JSON value this library owns (it just parsed or copied it) in place, all the way down, so
 * nothing reachable from a checked packet can change after signing or verification.
 */
export function deepFreezeJson<T>(value: T): T {
  if (typeof value !== 'object' || value === null || Object.isFrozen(value)) return value;
  if (value instanceof JsonFloat || value instanceof Timestamp) return value;
  Object.freeze(value);
  if (Array.isArray(value)) for (const item of value as unknown[]) deepFreezeJson(item);
  else for (const key in value) deepFreezeJson((value as Record<string, unknown>)[key]);
  return value;
}
