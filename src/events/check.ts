/** Private helper: components validate their `events` option with it at construction. */
import { ConfigurationError } from '../errors.js';
import type { EventCatalogue, EventPort, EventType } from './types.js';

/**
 * The `events` option as a port that never throws: undefined (no events) when not given. A port is
 * promised never to throw, but a hand-written one might; a component's decision must not depend on
 * it, so every emit goes through this guard.
 */
export function checkEventPort(value: unknown): EventPort | undefined {
  if (value === undefined) return undefined;
  if (value === null || typeof value !== 'object' || typeof (value as Partial<EventPort>).emit !== 'function')
    throw new ConfigurationError('events must be an EventPort (an object with emit)');
  const port = value as EventPort;
  return Object.freeze({
    get verifier() {
      return port.verifier;
    },
    emit<T extends EventType>(type: T, fields: EventCatalogue[T]): void {
      try {
        port.emit(type, fields);
      } catch {
        // Events are observability: a failing port never changes what the component decided.
      }
    },
  });
}
