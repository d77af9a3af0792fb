/**
 * The library calls the CLI and the fixture recorder share for building envelopes, gates and
 * executors and for reading capability tokens.
 */
import { HandoffGate, TaskExecutor, type HandoffGateOptions } from '../gate/index.js';

export {
  createDelegationEnvelope,
  parseDelegationEnvelope,
  serializeDelegationEnvelope,
} from '../packet/index.js';
export { parseCapabilityToken } from '../capability/index.js';

/** The handoff gate. */
export type Gate = HandoffGate;

export function newGate(options: HandoffGateOptions): Gate {
  return new HandoffGate(options);
}

export function newExecutor(gate: Gate): TaskExecutor {
  return new TaskExecutor({ gate });
}
