/**
 * Packets and chains this library built, type-checked and froze itself. Handing such an object back
 * (an envelope passed in process) needs no second field-by-field check; anything else is checked.
 * A WeakSet keeps no object alive and holds no configuration: it only remembers our own work.
 */
const checked = new WeakSet<object>();

export function markChecked<T extends object>(value: T): T {
  checked.add(value);
  return value;
}

export function isChecked(value: unknown): boolean {
  return typeof value === 'object' && value !== null && checked.has(value);
}
