/**
 * SPEC §7.3: the sender's key comes from a trust anchor (the agent registry), never from the packet.
 * `packet.public_key` must equal the registered key (compared as raw key bytes). Trusting the
 * self-declared key instead is possible only through a deliberately alarming option name.
 */
import { ConfigurationError } from '../../errors.js';
import { bindPresentedKey } from '../../identity/key-binding.js';
import { parsePublicKeyPem } from '../../identity/keys.js';
import type { AgentRegistry, RegisteredAgent, RegisteredKeyLookup } from '../../stores/types.js';
import {
  rejection,
  type GateStep,
  type HandoffContext,
  type StepRejection,
  type StepResult,
} from '../context.js';
import { REASONS } from '../decision.js';
import { storeFailure } from './store-failure.js';

export interface KeyBindingStepOptions {
  /** The trust anchor. Required unless {@link insecureTrustSelfDeclaredKeys} is set. */
  readonly registry?: AgentRegistry;
  /**
   * INSECURE: believe `packet.public_key`. Anyone can then sign as anyone; the signature only proves
   * the packet was not modified in transit. For demos and migrations only.
   */
  readonly insecureTrustSelfDeclaredKeys?: boolean;
}

export const NOT_REGISTERED: StepRejection = Object.freeze({
  reason: REASONS.publicKeyMismatch,
  details: Object.freeze({ detail: 'not_registered' }),
});
export const KEY_MISMATCH: StepRejection = Object.freeze({
  reason: REASONS.publicKeyMismatch,
  details: Object.freeze({ detail: 'key_mismatch' }),
});
const SELF_DECLARED_INVALID: StepRejection = Object.freeze({
  reason: REASONS.invalidSignature,
  details: Object.freeze({ check: 'invalid_public_key' }),
});
export const REGISTRY_UNAVAILABLE: StepRejection = rejection(REASONS.registryUnavailable);

export function keyBindingStep(options: KeyBindingStepOptions): GateStep {
  const registry = options.registry;
  if (registry === undefined) {
    if (options.insecureTrustSelfDeclaredKeys !== true) {
      throw new ConfigurationError(
        'a gate needs a trust anchor: pass `registry`, or set `insecureTrustSelfDeclaredKeys: true` to believe self-declared keys',
      );
    }
    const declared = declaredKeyStep();
    return {
      name: 'key-binding(self-declared, insecure)',
      check(ctx: HandoffContext): StepResult {
        const out = declared.check(ctx) as StepResult;
        // Trusted by the caller's explicit opt-in, not by any anchor.
        if (out === undefined) ctx.keyBound = true;
        return out;
      },
    };
  }
  if (typeof registry.resolve !== 'function')
    throw new ConfigurationError('registry must implement AgentRegistry');
  return {
    name: 'key-binding',
    async check(ctx: HandoffContext): Promise<StepResult> {
      let agent: RegisteredAgent | undefined;
      try {
        agent = await registry.resolve(ctx.packet.from_agent);
      } catch (error) {
        return storeFailure(error, REGISTRY_UNAVAILABLE);
      }
      const binding = bindPresentedKey(agent, ctx.packet.public_key);
      if (binding === 'not_registered' || agent === undefined) return NOT_REGISTERED;
      if (binding === 'key_mismatch') return KEY_MISMATCH;
      ctx.key = agent.publicKey;
      ctx.keyBound = true;
      return undefined;
    },
  };
}

/**
 * The admission path's first key step: import the key the packet declares, so its signature can be
 * checked before any store is asked. The key is not bound yet (`ctx.keyBound` stays false); the
 * admission store confirms it against the registry atomically at the end.
 *
 * With `keys` (a registry that holds its keys in this process, such as the memory registry), a packet
 * whose key is exactly the text registered for its sender takes the key the registry already
 * imported: no PEM is parsed, whatever the number of active senders (the bounded parse cache would
 * miss once more senders are active than it holds). Any other text is imported as before.
 */
export function declaredKeyStep(keys?: RegisteredKeyLookup): GateStep {
  return {
    name: 'declared-key',
    check(ctx: HandoffContext): StepResult {
      const packet = ctx.packet;
      const registered = keys?.registeredKey(packet.from_agent, packet.public_key);
      if (registered !== undefined) {
        ctx.key = registered;
        return undefined;
      }
      try {
        ctx.key = parsePublicKeyPem(packet.public_key);
        return undefined;
      } catch {
        return SELF_DECLARED_INVALID;
      }
    },
  };
}
