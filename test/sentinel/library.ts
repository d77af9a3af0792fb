/** Library calls shared by the Sentinel and CLI tests. */
import { HandoffGate, type HandoffGateOptions } from 'trusthandoff';

export {
  createDelegationEnvelope,
  serializeCapabilityToken,
  serializeDelegationEnvelope,
} from 'trusthandoff';

export function newGate(options: HandoffGateOptions): HandoffGate {
  return new HandoffGate(options);
}
