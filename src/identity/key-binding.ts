import type { RegisteredAgent } from '../stores/types.js';
import { parsePublicKeyPem, type PublicKey } from './keys.js';

export type KeyBinding = 'bound' | 'not_registered' | 'key_mismatch';

/**
 * Private helper: the one "registered key equals presented key" rule. Keys are compared by their raw
 * 32 bytes, never by PEM text, so the same key written with other line endings still binds. Used by
 * the gate's key-binding step, the admission stores, verifyPacket and the capability chain. Signed
 * approvals verify with the registered key directly and need no compare. Revocation is not part of
 * this rule: its order relative to the binding differs between callers.
 */
export function sameKey(a: PublicKey, b: PublicKey): boolean {
  return a === b || a.raw.equals(b.raw);
}

/**
 * Is `presentedPem` (already imported as `presented`, when the caller has it) the key registered
 * for the agent? Identical PEM text binds without importing anything; otherwise the presented key is
 * imported (a PEM that does not import is a mismatch) and compared raw.
 */
export function bindPresentedKey(
  registered: RegisteredAgent | undefined,
  presentedPem: string,
  presented?: PublicKey,
): KeyBinding {
  if (registered === undefined) return 'not_registered';
  if (presentedPem === registered.publicKeyPem) return 'bound';
  let key = presented;
  if (key === undefined) {
    try {
      key = parsePublicKeyPem(presentedPem);
    } catch {
      return 'key_mismatch';
    }
  }
  return sameKey(key, registered.publicKey) ? 'bound' : 'key_mismatch';
}
