/**
 * Private helper of the sinks: the event's JSON, computed once per event however many sinks the hub
 * feeds (the hub hands every sink the same frozen object). A memo, not a default: it holds nothing
 * once the event is garbage.
 */
import type { TrustHandoffEvent } from '../events/types.js';

const memo = new WeakMap<object, string>();

/** `JSON.stringify(event)`, memoized per event object. Throws what `JSON.stringify` throws. */
export function eventJson(event: TrustHandoffEvent): string {
  let json = memo.get(event);
  if (json === undefined) {
    json = JSON.stringify(event);
    if (typeof json !== 'string') throw new TypeError('event is not JSON-serializable');
    if (Object.isFrozen(event)) memo.set(event, json);
  }
  return json;
}

/**
 * Record `json` as the serialization of `event` (a frozen object parsed from exactly that text): a
 * sink running in a worker thread receives events as JSON and writes that same text.
 */
export function rememberEventJson(event: TrustHandoffEvent, json: string): void {
  if (Object.isFrozen(event)) memo.set(event, json);
}
