/**
 * JSON values as this library holds them in memory, losslessly.
 *
 * The reference signs what Python's `json` module makes of a number: an integer literal stays an exact
 * integer of any size, anything else becomes a double printed as `repr(float)`. A JS `number` cannot
 * tell `1` from `1.0`, nor hold `2**70` exactly, so two extra shapes exist:
 *  - `bigint` — an integer outside the safe-integer range (parsed from the wire, or created by you);
 *  - {@link JsonFloat} — a double that must keep its float form because its value is integral
 *    (`1.0`, `100.0`, `-0.0`, `1e+16`). Non-integral doubles are plain numbers: their canonical form is
 *    the same either way.
 */
export type JsonPrimitive = null | boolean | number | bigint | string | JsonFloat;
export type JsonValue = JsonPrimitive | JsonArray | JsonObject;
export type JsonArray = JsonValue[];
export interface JsonObject {
  [key: string]: JsonValue;
}

/** A double that is a float on the wire even though its value is integral: `new JsonFloat(1)` is `1.0`. */
export class JsonFloat {
  readonly value: number;

  constructor(value: number) {
    this.value = value;
    Object.freeze(this);
  }

  valueOf(): number {
    return this.value;
  }

  toString(): string {
    return String(this.value);
  }
}

/** A plain-object check that excludes class instances, Maps, Dates, Buffers and arrays. */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}
