/**
 * The library calls whose public names change in the API renames (issue 8 item 4: delegation-envelope
 * names, `HandoffGate`, `TaskExecutor`, `parseCapabilityToken`), in one place for the CLI and the
 * fixture recorder. Exported under the new names; after the renames land this file is re-exports.
 */
import { decodeCapabilityToken } from '../capability/index.js';
import {
  createExecutor,
  createMiddleware,
  type MiddlewareOptions,
  type TaskExecutor,
  type TrustHandoffMiddleware,
} from '../gate/index.js';
import { createEnvelope, parseEnvelope, serializeEnvelope } from '../packet/index.js';

export {
  createEnvelope as createDelegationEnvelope,
  parseEnvelope as parseDelegationEnvelope,
  serializeEnvelope as serializeDelegationEnvelope,
  decodeCapabilityToken as parseCapabilityToken,
};

/** The handoff gate (`TrustHandoffMiddleware` today, `HandoffGate` after the renames). */
export type Gate = TrustHandoffMiddleware;

export function newGate(options: MiddlewareOptions): Gate {
  return createMiddleware(options);
}

export function newExecutor(gate: Gate): TaskExecutor {
  return createExecutor({ middleware: gate });
}
