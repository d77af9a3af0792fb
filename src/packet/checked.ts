/**
 * Packets and chains this library built, type-checked and froze itself. Handing such an object back
 * (an envelope passed in process) needs no second field-by-field check; anything else is checked.
 *
 * The mark is a private class field stamped onto the object: a base constructor that returns its
 * argument makes a subclass install its private fields on that object. Only this module can add or
 * test the field; spreading, cloning, serializing or proxying a packet does not carry it, and it is
 * invisible to `Object.keys`, `Reflect.ownKeys` and JSON. It replaces a WeakSet, whose ephemeron table
 * the garbage collector walked on every scavenge: at 30k signed packets a second that cost more than
 * building the signing payload (measured with `npm run bench`).
 */
import type { Permissions } from './types.js';

// A class with only a constructor is the technique itself here, not a namespace in disguise.
// eslint-disable-next-line @typescript-eslint/no-extraneous-class
class ReturnTarget {
  constructor(target: object) {
    return target;
  }
}

/** A mark of its own kind (one per call) that only this module can add or test. */
function createMark(): { add(value: object): void; has(value: object): boolean } {
  return class Mark extends ReturnTarget {
    // Never read: its presence is the mark.
    readonly #marked = true;

    static add(value: object): void {
      if (!(#marked in value)) new Mark(value);
    }

    static has(value: object): boolean {
      return #marked in value;
    }
  };
}

const checkedPacketsAndChains = createMark();
const checkedPermissions = createMark();

/** Mark `value` as built and checked here, then freeze it: a mark on a mutable object would lie. */
export function freezeChecked<T extends object>(value: T): Readonly<T> {
  checkedPacketsAndChains.add(value);
  return Object.freeze(value);
}

export function isChecked(value: unknown): boolean {
  return typeof value === 'object' && value !== null && checkedPacketsAndChains.has(value);
}

/**
 * Permissions built by `toPermissions`: exactly `allowed_actions` (a frozen list of strings) and
 * `max_tool_calls` (a safe integer or null), frozen. Their encoding needs no generic walk.
 */
export function freezeCheckedPermissions(value: Permissions): Permissions {
  checkedPermissions.add(value);
  return Object.freeze(value);
}

export function isCheckedPermissions(value: unknown): value is Permissions {
  return typeof value === 'object' && value !== null && checkedPermissions.has(value);
}
