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

// A class with only a constructor is the technique itself here, not a namespace in disguise.
// eslint-disable-next-line @typescript-eslint/no-extraneous-class
class ReturnTarget {
  constructor(target: object) {
    return target;
  }
}

class CheckedMark extends ReturnTarget {
  // Never read: its presence is the mark.
  readonly #checked = true;

  static add(value: object): void {
    if (!(#checked in value)) new CheckedMark(value);
  }

  static has(value: object): boolean {
    return #checked in value;
  }
}

/** Mark `value` as built and checked here, then freeze it: a mark on a mutable object would lie. */
export function freezeChecked<T extends object>(value: T): Readonly<T> {
  CheckedMark.add(value);
  return Object.freeze(value);
}

export function isChecked(value: unknown): boolean {
  return typeof value === 'object' && value !== null && CheckedMark.has(value);
}
